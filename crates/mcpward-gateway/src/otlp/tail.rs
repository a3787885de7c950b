//! The session's records, read back from the log after its appends.
//!
//! The log computes a record's time, `seq` and hash inside its append and returns none of them;
//! reading the lines back is how the exporter sends exactly what the file holds, and only that.
//! The reader starts at the end of the file as it was when the session opened the log, skips
//! other sessions' lines, and accepts a line of this session only when its bytes match its
//! `hash` and it continues the session's chain (`seq` one more, `prev` the last `hash`).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::chain::{GENESIS, StoredRecord};
use crate::state::{self, Access, StateError};

/// The start of every record this version writes; a record glued to a crash's fragment (or a
/// second record whose newline a crash took) begins here, in the middle of a line.
const RECORD_START: &[u8] = b"{\"v\":2,\"time\":\"";

/// Bytes kept waiting for a newline before they are given up as junk.
const MAX_PARTIAL: usize = 1 << 20;

/// Reads the session's new records from the log.
#[derive(Debug)]
pub(super) struct LogTail {
    file: File,
    /// Read but not yet ended by a newline (another writer's append in progress).
    partial: Vec<u8>,
    /// `"session":"<id>"`: lines without it are not this session's.
    marker: Vec<u8>,
    session: String,
    last_seq: u64,
    last_hash: String,
}

impl LogTail {
    /// Opens the log for reading (not following a symlink, as the writer does), positioned at
    /// its current end: the session's records all come after it.
    pub(super) fn open(path: &Path, session: &str) -> Result<LogTail, StateError> {
        let mut file = state::open_private_file(path, Access::Read)?;
        file.seek(SeekFrom::End(0))
            .map_err(|error| StateError::Io {
                path: path.to_path_buf(),
                action: "find its end",
                error,
            })?;
        Ok(LogTail {
            file,
            partial: Vec::new(),
            marker: format!("\"session\":\"{session}\"").into_bytes(),
            session: session.to_owned(),
            last_seq: 0,
            last_hash: GENESIS.to_owned(),
        })
    }

    /// Reads what was appended since the last call; gives each new record of the session to
    /// `found`, in order. Returns how many lines claiming the session were not accepted.
    pub(super) fn read_new(&mut self, found: &mut dyn FnMut(StoredRecord)) -> io::Result<u64> {
        self.file.read_to_end(&mut self.partial)?;
        let Some(end) = memchr::memrchr(b'\n', &self.partial) else {
            if self.partial.len() > MAX_PARTIAL {
                self.partial.clear();
            }
            return Ok(0);
        };
        let rest = self.partial.split_off(end + 1);
        let complete = std::mem::replace(&mut self.partial, rest);
        let mut rejected = 0;
        for line in complete.split(|&b| b == b'\n') {
            if memchr::memmem::find(line, &self.marker).is_none() {
                continue;
            }
            for segment in segments(line) {
                match self.accept(segment) {
                    Accepted::Yes(rec) => found(*rec),
                    Accepted::OtherSession => {}
                    Accepted::No => rejected += 1,
                }
            }
        }
        Ok(rejected)
    }

    fn accept(&mut self, bytes: &[u8]) -> Accepted {
        let Ok(rec) = serde_json::from_slice::<StoredRecord>(bytes) else {
            // A fragment that only mentions the session (a crash's leftover, junk).
            return if memchr::memmem::find(bytes, &self.marker).is_some() {
                Accepted::No
            } else {
                Accepted::OtherSession
            };
        };
        if rec.session != self.session {
            return Accepted::OtherSession;
        }
        if hash_of(bytes).as_deref() != Some(rec.hash.as_str())
            || rec.seq != self.last_seq + 1
            || rec.prev != self.last_hash
        {
            return Accepted::No;
        }
        self.last_seq = rec.seq;
        self.last_hash.clone_from(&rec.hash);
        Accepted::Yes(Box::new(rec))
    }
}

enum Accepted {
    Yes(Box<StoredRecord>),
    OtherSession,
    No,
}

/// The record-shaped pieces of a line: the whole line, or each part starting at
/// [`RECORD_START`] (a JSON string cannot hold that sequence unescaped, so it only starts
/// records).
fn segments(line: &[u8]) -> Vec<&[u8]> {
    let mut starts: Vec<usize> = memchr::memmem::find_iter(line, RECORD_START).collect();
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    let mut out = Vec::with_capacity(starts.len());
    for (i, &at) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(line.len());
        out.push(&line[at..end]);
    }
    out
}

/// SHA-256 (hex) of a record line with its trailing `,"hash":"<64 hex>"` removed: what its
/// `hash` must be (see docs/audit-log.md).
fn hash_of(line: &[u8]) -> Option<String> {
    const TAIL: usize = ",\"hash\":\"".len() + 64 + "\"}".len();
    let cut = line.len().checked_sub(TAIL)?;
    if !line[cut..].starts_with(b",\"hash\":\"") || !line.ends_with(b"\"}") {
        return None;
    }
    let mut hasher = Sha256::new();
    hasher.update(&line[..cut]);
    hasher.update(b"}");
    Some(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::{AuditLog, Record};
    use std::io::Write as _;

    fn event(method: &str) -> Record {
        Record {
            server: "s".into(),
            method: method.into(),
            decision: "event".into(),
            ..Record::default()
        }
    }

    fn collect(tail: &mut LogTail) -> (Vec<StoredRecord>, u64) {
        let mut out = Vec::new();
        let rejected = tail.read_new(&mut |r| out.push(r)).unwrap();
        (out, rejected)
    }

    #[test]
    fn reads_back_the_sessions_records_exactly_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let mut earlier = AuditLog::open(&path, "earlier").unwrap();
        earlier.append(&event("before"), false).unwrap();
        let mut log = AuditLog::open(&path, "mine").unwrap();
        let mut tail = LogTail::open(&path, "mine").unwrap();
        let mut other = AuditLog::open(&path, "other").unwrap();
        log.append_all(&[event("a"), event("b")], false).unwrap();
        other.append(&event("theirs"), false).unwrap();
        log.append(&event("c"), true).unwrap();
        log.close().unwrap();
        let (got, rejected) = collect(&mut tail);
        assert_eq!(rejected, 0);
        let on_disk: Vec<StoredRecord> = crate::chain::read(&path, &Default::default())
            .unwrap()
            .into_iter()
            .filter(|r| r.session == "mine")
            .map(|r| StoredRecord { line: 0, ..r })
            .collect();
        assert_eq!(got, on_disk);
        let methods: Vec<&str> = got.iter().map(|r| r.method.as_str()).collect();
        assert_eq!(methods, ["a", "b", "c", crate::chain::SESSION_END]);
        assert_eq!(collect(&mut tail).0, []);
    }

    #[test]
    fn waits_for_the_newline_of_a_line_being_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        std::fs::File::create(&path).unwrap();
        let mut tail = LogTail::open(&path, "mine").unwrap();
        let mut log = AuditLog::open(&path, "mine").unwrap();
        log.append(&event("a"), false).unwrap();
        let text = std::fs::read(&path).unwrap();
        // Replay the line in two halves through a second file, as a reader racing a write sees it.
        let copy = dir.path().join("copy.jsonl");
        let mut f = std::fs::File::create(&copy).unwrap();
        let mut tail_copy = LogTail::open(&copy, "mine").unwrap();
        f.write_all(&text[..text.len() / 2]).unwrap();
        assert_eq!(collect(&mut tail_copy).0.len(), 0);
        f.write_all(&text[text.len() / 2..]).unwrap();
        assert_eq!(collect(&mut tail_copy).0.len(), 1);
        assert_eq!(collect(&mut tail).0.len(), 1);
    }

    #[test]
    fn edited_or_forged_lines_of_the_session_are_not_exported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let mut log = AuditLog::open(&path, "mine").unwrap();
        let mut tail = LogTail::open(&path, "mine").unwrap();
        log.append(&event("a"), false).unwrap();
        let real = std::fs::read_to_string(&path).unwrap();
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        // The same record again (a replay) and an edited copy (hash no longer matches).
        f.write_all(real.as_bytes()).unwrap();
        f.write_all(real.replace("\"a\"", "\"z\"").as_bytes())
            .unwrap();
        let (got, rejected) = collect(&mut tail);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].method, "a");
        assert_eq!(rejected, 2);
        // The real chain goes on.
        log.append(&event("b"), false).unwrap();
        let (got, rejected) = collect(&mut tail);
        assert_eq!((got.len(), rejected), (1, 0));
        assert_eq!(got[0].seq, 2);
    }

    #[test]
    fn a_record_glued_to_a_crash_fragment_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let mut log = AuditLog::open(&path, "mine").unwrap();
        let mut tail = LogTail::open(&path, "mine").unwrap();
        log.append(&event("a"), false).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"v\":2,\"time\":\"2026-01-01T00:00:00Z\",\"session\":\"crashed\",\"se")
            .unwrap();
        log.append(&event("b"), false).unwrap();
        let (got, rejected) = collect(&mut tail);
        let methods: Vec<&str> = got.iter().map(|r| r.method.as_str()).collect();
        assert_eq!(methods, ["a", "b"]);
        assert_eq!(rejected, 0);
    }

    #[test]
    fn hash_of_needs_the_hash_field_at_the_end() {
        assert_eq!(hash_of(b"{}"), None);
        assert_eq!(hash_of(&[b'x'; 80]), None);
    }
}
