//! The hash-chained audit log (`audit.jsonl`): one JSON line per decision or event, each line
//! carrying the hash of the line before it, so that editing, deleting, reordering or cutting off
//! records is detectable by [`verify`].
//!
//! # Scheme (also in `docs/audit-log.md`)
//!
//! Every line is one JSON object whose fields are written in a fixed order and whose last two
//! fields are `"prev"` and `"hash"`:
//!
//! ```text
//! {"v":1,"time":"…","session":"…","seq":7,…,"prev":"<64 hex>","hash":"<64 hex>"}
//! ```
//!
//! * `hash` = SHA-256 (lower-case hex) of the line's own bytes with the trailing
//!   `,"hash":"<64 hex>"` removed — i.e. of `{…,"prev":"<64 hex>"}`. No canonicalisation is
//!   needed to check it: the verifier hashes the bytes it reads.
//! * `prev` = the `hash` of the previous complete record; the first record of a file uses 64
//!   zeros (genesis).
//! * `seq` counts records in the file from 1, across all sessions, so a deletion shows as a gap.
//! * A sidecar `audit.jsonl.head` (mode 0600, overwritten in place twice per append) announces
//!   each batch before it is written and names its last record after. Records cut off the end
//!   leave the head pointing past the file ([`TamperKind::Truncated`]); records the head did not
//!   announce are [`TamperKind::PastHead`].
//! * A gateway that finds the log not as the head left it records a [`CHAIN_BREAK`] event and
//!   goes on; [`verify`] always reports it.
//! * Keyed mode ([`LogKey`]): a `mac` field (HMAC-SHA256 of the line up to `prev`) in every
//!   record and in the head, so a consistent rewrite needs the key ([`verify_keyed`]).
//!
//! What each mode leaves possible (a consistent rewrite without a key; a rollback of log and
//! head together with one) is spelled out in `docs/audit-log.md`.
//!
//! # Crashes
//!
//! A process killed in the middle of a write leaves a last line without its newline; only
//! that is accepted as a crash. The next append ends the fragment with a newline and records a
//! [`TORN_LINE`] event naming its bytes; a cut-off record anywhere else is tampering.
//!
//! Several gateways (one per server) append to the same file; an exclusive `flock` around each
//! append (Unix) keeps their records in one chain; an append waits at most [`LOCK_TIMEOUT`].

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::state::{self, Access};

mod key;
pub use key::LogKey;

/// How long an append waits for another writer's lock before it gives up (and the call it
/// records is refused).
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(2);

/// `server` of the records the log writes about itself.
pub const LOG_SERVER: &str = "mcpward";

/// Event recorded when a gateway finds the log not as the head left it (records cut off,
/// rewritten or appended behind the writer's back, or lines that are not records).
pub const CHAIN_BREAK: &str = "chain-break";

/// Event recorded when a gateway finds a write cut short by a crash at the end of the log.
pub const TORN_LINE: &str = "torn-line";

/// Format version written in every record's `v` field.
pub const FORMAT_VERSION: u32 = 1;

/// `prev` of the first record of a file.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Suffix added to the log path for the head file.
const HEAD_SUFFIX: &str = ".head";

/// Bytes first read from the end of the file when looking for the last record; the window
/// grows eightfold until it holds a complete record or the whole file.
const TAIL_WINDOW: u64 = 16 * 1024;

/// What the gateway wants to record; the log adds time, session, seq and the chain fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    pub server: String,
    /// JSON-RPC method (`tools/call`, `initialize`…) or an event name (`session-start`…).
    pub method: String,
    pub tool: Option<String>,
    /// [`args_digest`] of the (redacted) arguments; never the arguments themselves.
    pub args_digest: Option<String>,
    /// `allow`, `deny`, `ask-approved`, `ask-denied`… (free text chosen by the gateway).
    pub decision: String,
    /// The policy rule that decided, e.g. `rule[3]` or `defaults.mode`.
    pub rule: Option<String>,
    /// Who approved or denied an `ask`.
    pub approver: Option<String>,
    pub latency_us: Option<u64>,
    /// Free text; must already be redacted (the log writes what it is given).
    pub detail: Option<String>,
}

/// One record as read back from the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRecord {
    pub v: u32,
    pub time: String,
    pub session: String,
    pub seq: u64,
    pub server: String,
    pub method: String,
    pub tool: Option<String>,
    pub args_digest: Option<String>,
    pub decision: String,
    pub rule: Option<String>,
    pub approver: Option<String>,
    pub latency_us: Option<u64>,
    pub detail: Option<String>,
    pub prev: String,
    /// Keyed mode: HMAC-SHA256 (hex) of the line up to and including `prev`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    pub hash: String,
    /// 1-based line number in the file (not stored in the line).
    #[serde(skip)]
    pub line: u64,
}

/// The part of a line that its `hash` covers, in the order it is written.
#[derive(Serialize)]
struct Body<'a> {
    v: u32,
    time: &'a str,
    session: &'a str,
    seq: u64,
    server: &'a str,
    method: &'a str,
    tool: Option<&'a str>,
    args_digest: Option<&'a str>,
    decision: &'a str,
    rule: Option<&'a str>,
    approver: Option<&'a str>,
    latency_us: Option<u64>,
    detail: Option<&'a str>,
    prev: &'a str,
}

/// Contents of `audit.jsonl.head`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Head {
    /// The newest record: every record up to it is anchored.
    seq: u64,
    hash: String,
    /// Written just before a batch of records, with the `seq` and `hash` its last record will
    /// have; cleared by the update after it. A crash between the two leaves records past `seq`
    /// that are accepted only up to exactly this record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next_seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next_hash: Option<String>,
    /// Keyed mode: HMAC of this head serialised without `mac`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mac: Option<String>,
}

impl Head {
    fn signed(mut self, key: Option<&LogKey>) -> Head {
        self.mac = None;
        if let Some(key) = key {
            let text = serde_json::to_string(&self).unwrap_or_default();
            self.mac = Some(key.sign(text.as_bytes()));
        }
        self
    }

    /// Whether the head's MAC matches under `key`.
    fn mac_ok(&self, key: &LogKey) -> bool {
        let Some(mac) = &self.mac else { return false };
        let bare = Head {
            mac: None,
            ..self.clone()
        };
        let text = serde_json::to_string(&bare).unwrap_or_default();
        key.check(text.as_bytes(), mac)
    }

    /// Whether the log ending at (`seq`, `hash`) is what this head anchors: the record it
    /// names, or a batch cut short between the two head updates, up to the one it announced.
    fn anchors(&self, seq: u64, hash: &str) -> bool {
        if seq == self.seq {
            return hash == self.hash;
        }
        match (self.next_seq, &self.next_hash) {
            (Some(next), Some(next_hash)) if seq > self.seq && seq <= next => {
                seq < next || hash == next_hash
            }
            _ => false,
        }
    }
}

/// Errors reading or writing the audit log.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    // The cause is part of the message (not a `source`), so it is printed once however the
    // error is displayed.
    #[error("audit log {}: cannot {action}: {error}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        error: io::Error,
    },
    #[error(
        "audit log {}:{line}: {reason}; run `mcpward log verify --log {}` and move the file aside to start a new log",
        path.display(),
        path.display()
    )]
    Corrupt {
        path: PathBuf,
        line: u64,
        reason: String,
    },
    #[error("audit log {0}")]
    State(#[from] crate::state::StateError),
    #[error(
        "audit log {}: another process has held its lock for {} ms, so this record was not written and the call it records is refused; find the holder with `fuser {}`",
        path.display(),
        waited.as_millis(),
        path.display()
    )]
    Locked { path: PathBuf, waited: Duration },
    #[error("audit log key {}: {reason}", path.display())]
    Key { path: PathBuf, reason: String },
    #[error("audit log {}: cannot encode a record: {error}", path.display())]
    Encode {
        path: PathBuf,
        error: serde_json::Error,
    },
}

fn io_err(path: &Path, action: &'static str) -> impl FnOnce(io::Error) -> LogError {
    move |error| LogError::Io {
        path: path.to_path_buf(),
        action,
        error,
    }
}

/// An open audit log, appending records of one session.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    head_path: PathBuf,
    session: String,
    file: File,
    /// Second handle on `file`'s open description, used only for `flock` (taken out while
    /// locked).
    lock_file: Option<File>,
    /// The head file, opened on first append and kept.
    head_file: Option<File>,
    key: Option<LogKey>,
    lock_timeout: Duration,
    /// Chain position after the last record this process saw.
    last_seq: u64,
    last_hash: String,
    /// File length after our last look; a different length means another writer appended.
    known_len: u64,
    /// What the next append writes before its records: a newline ending a torn last line,
    /// and an event about what [`resync`](Self::resync) found.
    repair: Repair,
}

/// What the end of the file needs before the next record.
#[derive(Debug, Default)]
struct Repair {
    newline: bool,
    event: Option<Record>,
}

impl AuditLog {
    /// Opens (creating it with mode 0600, and a missing directory with 0700) the log at `path`.
    /// Nothing is read and no lock is taken here: the first append, under the lock, finds where
    /// the chain continues. A log that is not as its head left it (cut off, rewritten, garbage
    /// appended by another program, a torn write) does not stop the gateway: the first append
    /// records a [`CHAIN_BREAK`] or [`TORN_LINE`] event, which [`verify`] reports.
    pub fn open(path: &Path, session: &str) -> Result<AuditLog, LogError> {
        let parent = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        state::private_dir(parent)?;
        let file = state::open_private_file(path, Access::Append)?;
        let lock_file = file
            .try_clone()
            .map_err(io_err(path, "open it for locking"))?;
        Ok(AuditLog {
            path: path.to_path_buf(),
            head_path: head_path(path),
            session: session.to_string(),
            file,
            lock_file: Some(lock_file),
            head_file: None,
            key: None,
            lock_timeout: LOCK_TIMEOUT,
            last_seq: 0,
            last_hash: GENESIS.to_string(),
            known_len: u64::MAX,
            repair: Repair::default(),
        })
    }

    /// Keyed mode: every record and the head carry an HMAC-SHA256 under `key`, checked by
    /// [`verify_keyed`]. All writers of one log must use the same key.
    pub fn with_key(mut self, key: Option<LogKey>) -> AuditLog {
        self.key = key;
        self
    }

    /// How long an append waits for another writer's lock ([`LOCK_TIMEOUT`] by default).
    pub fn set_lock_timeout(&mut self, timeout: Duration) {
        self.lock_timeout = timeout;
    }

    /// Path of the log file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record and updates the head file. `durable` also fsyncs the log (use it for
    /// decisions that allowed a write or an exec, so the record survives a power cut).
    pub fn append(&mut self, rec: &Record, durable: bool) -> Result<(), LogError> {
        self.append_all(std::slice::from_ref(rec), durable)
    }

    /// Appends records in order with one lock, one write and one head update: what a busy
    /// gateway uses to keep the log off its critical path. A crash mid-write leaves complete
    /// records plus at most one torn line, which [`verify`] reports as a crash, not tampering.
    /// Fails with [`LogError::Locked`] when another process holds the lock longer than the
    /// lock timeout: nothing is written then.
    pub fn append_all(&mut self, recs: &[Record], durable: bool) -> Result<(), LogError> {
        if recs.is_empty() {
            return Ok(());
        }
        // The lock is taken on a second handle to the same open file description, kept for the
        // life of the log, so appending needs no `dup` per record.
        let lock_file = self.lock_file.take().expect("put back after every append");
        let result = match FileLock::exclusive(&lock_file, self.lock_timeout) {
            Ok(Some(_lock)) => self.append_locked(recs, durable),
            Ok(None) => Err(LogError::Locked {
                path: self.path.clone(),
                waited: self.lock_timeout,
            }),
            Err(e) => Err(io_err(&self.path, "lock")(e)),
        };
        self.lock_file = Some(lock_file);
        result
    }

    fn append_locked(&mut self, recs: &[Record], durable: bool) -> Result<(), LogError> {
        let len = self
            .file
            .metadata()
            .map_err(io_err(&self.path, "read its metadata"))?
            .len();
        if len != self.known_len {
            // First append, or another writer appended (or the file changed): continue from
            // its newest record.
            self.resync()?;
        }
        let base = self.known_len;
        let time = jiff::Timestamp::now().to_string();
        let mut seq = self.last_seq;
        let mut hash = self.last_hash.clone();
        let mut lines = String::new();
        if self.repair.newline {
            lines.push('\n');
        }
        let event = self.repair.event.clone();
        for rec in event.iter().chain(recs) {
            // Only a forged last record can be this high; wrapping would restart the sequence.
            seq = seq.checked_add(1).ok_or_else(|| LogError::Corrupt {
                path: self.path.clone(),
                line: count_lines(&self.path).unwrap_or(0),
                reason: format!("the last record's seq {seq} cannot be followed"),
            })?;
            let (line, line_hash) = self.encode(rec, &time, seq, &hash)?;
            hash = line_hash;
            lines.push_str(&line);
        }
        if self.head_file.is_none() {
            self.head_file = Some(open_head(&self.head_path)?);
        }
        let head_file = self.head_file.as_ref().expect("opened above");
        let key = self.key.as_ref();
        // Announce the batch: a crash before the second head update leaves records past the
        // head that `verify` accepts only because the head announced them.
        let announce = Head {
            seq: self.last_seq,
            hash: self.last_hash.clone(),
            next_seq: Some(seq),
            next_hash: Some(hash.clone()),
            mac: None,
        }
        .signed(key);
        write_head_to(head_file, &announce, false)
            .map_err(io_err(&self.head_path, "write the head file"))?;
        // One write call: a crash leaves at most one torn line, never an interleaving.
        self.file
            .write_all(lines.as_bytes())
            .map_err(io_err(&self.path, "append a record"))?;
        if durable {
            self.file.sync_data().map_err(io_err(&self.path, "fsync"))?;
        }
        self.repair = Repair::default();
        self.known_len = base + lines.len() as u64;
        self.last_seq = seq;
        self.last_hash = hash;
        let head = Head {
            seq,
            hash: self.last_hash.clone(),
            ..Head::default()
        }
        .signed(key);
        write_head_to(head_file, &head, durable)
            .map_err(io_err(&self.head_path, "write the head file"))
    }

    /// One record line (with its newline) and its hash.
    fn encode(
        &self,
        rec: &Record,
        time: &str,
        seq: u64,
        prev: &str,
    ) -> Result<(String, String), LogError> {
        let body = Body {
            v: FORMAT_VERSION,
            time,
            session: &self.session,
            seq,
            server: &rec.server,
            method: &rec.method,
            tool: rec.tool.as_deref(),
            args_digest: rec.args_digest.as_deref(),
            decision: &rec.decision,
            rule: rec.rule.as_deref(),
            approver: rec.approver.as_deref(),
            latency_us: rec.latency_us,
            detail: rec.detail.as_deref(),
            prev,
        };
        let mut body = serde_json::to_string(&body).map_err(|error| LogError::Encode {
            path: self.path.clone(),
            error,
        })?;
        if let Some(key) = &self.key {
            let mac = key.sign(body.as_bytes());
            body.pop();
            body.push_str(",\"mac\":\"");
            body.push_str(&mac);
            body.push_str("\"}");
        }
        let hash = sha256_hex(body.as_bytes());
        body.pop();
        body.push_str(",\"hash\":\"");
        body.push_str(&hash);
        body.push_str("\"}\n");
        Ok((body, hash))
    }

    /// Re-reads the end of the file and the head: where the chain continues, and what the next
    /// append must write first (a newline, a [`TORN_LINE`] or [`CHAIN_BREAK`] event).
    fn resync(&mut self) -> Result<(), LogError> {
        let mut file = state::open_private_file(&self.path, Access::Read)?;
        let len = file
            .metadata()
            .map_err(io_err(&self.path, "read its metadata"))?
            .len();
        // Records are small: look at the end first, and further back only when needed.
        let mut window = TAIL_WINDOW;
        let tail = loop {
            let start = len.saturating_sub(window);
            let buf = read_from(&mut file, start).map_err(io_err(&self.path, "read"))?;
            let tail = examine_tail(&buf, start == 0, self.key.as_ref());
            if tail.last.is_some() || start == 0 {
                break tail;
            }
            window = window.saturating_mul(8);
        };
        let (seq, hash) = tail
            .last
            .as_ref()
            .map_or((0, GENESIS.to_string()), |r| (r.seq, r.hash.clone()));
        let mut problems = Vec::new();
        let first_gap_line = || {
            let lines = count_lines(&self.path)
                .unwrap_or(0)
                .saturating_sub(u64::from(!tail.torn));
            (lines + 1).saturating_sub(tail.gap_lines as u64)
        };
        let mut event = None;
        if let Some(reason) = &tail.garbage {
            problems.push(format!(
                "line {} and after are not records of this log ({reason})",
                first_gap_line()
            ));
        } else if tail.gap_lines > 0 {
            event = Some(Record {
                server: LOG_SERVER.into(),
                method: TORN_LINE.into(),
                args_digest: Some(format!("sha256:{}", sha256_hex(&tail.gap))),
                decision: "event".into(),
                detail: Some(format!(
                    "line {}: a write cut short by a crash ({} bytes) was ended with a newline",
                    first_gap_line(),
                    tail.gap.len()
                )),
                ..Record::default()
            });
        }
        match read_head(&self.head_path) {
            Ok(Some(head)) => {
                if let Some(key) = &self.key
                    && !head.mac_ok(key)
                {
                    problems.push("the head file's MAC does not match the key".into());
                } else if !head.anchors(seq, &hash) {
                    problems.push(format!(
                        "the head names seq {} (hash {}) but the log ends at seq {seq} (hash {}): records were removed, rewritten or appended since the last append",
                        head.seq,
                        short(&head.hash),
                        short(&hash)
                    ));
                }
            }
            Ok(None) if seq == 0 => {}
            Ok(None) => problems.push("the head file is missing".into()),
            Err(reason) => problems.push(reason),
        }
        if !problems.is_empty() {
            event = Some(Record {
                server: LOG_SERVER.into(),
                method: CHAIN_BREAK.into(),
                decision: "event".into(),
                detail: Some(format!(
                    "the log was not as its head left it: {}; new records continue the chain from seq {seq}",
                    problems.join("; ")
                )),
                ..Record::default()
            });
        }
        self.last_seq = seq;
        self.last_hash = hash;
        self.known_len = len;
        self.repair = Repair {
            newline: tail.torn,
            event,
        };
        Ok(())
    }
}

/// The end of the log as [`AuditLog::resync`] sees it.
#[derive(Debug, Default)]
struct Tail {
    /// The last complete record (hash and, in keyed mode, MAC checked).
    last: Option<StoredRecord>,
    /// The bytes after that record's line.
    gap: Vec<u8>,
    /// Lines in `gap`.
    gap_lines: usize,
    /// Why `gap` is not what a crash leaves (cut-off records at the very end, no newline).
    garbage: Option<String>,
    /// The file does not end with a newline.
    torn: bool,
}

/// Finds the last complete record in `buf` (the end of the file) and judges what follows it.
/// `whole` says `buf` starts at the beginning of the file, so its first line is complete.
fn examine_tail(buf: &[u8], whole: bool, key: Option<&LogKey>) -> Tail {
    let torn = !buf.is_empty() && !buf.ends_with(b"\n");
    let mut lines: Vec<&[u8]> = buf.split(|b| *b == b'\n').collect();
    if !torn {
        lines.pop();
    }
    let mut starts = Vec::with_capacity(lines.len());
    let mut at = 0;
    for line in &lines {
        starts.push(at);
        at += line.len() + 1;
    }
    let first_usable = usize::from(!whole);
    let mut tail = Tail {
        torn,
        ..Tail::default()
    };
    let mut gap_start = if whole { 0 } else { buf.len() };
    for (i, line) in lines.iter().enumerate().rev() {
        if i < first_usable {
            break;
        }
        match parse_keyed(line, key) {
            Ok(rec) => {
                tail.last = Some(rec);
                gap_start = starts.get(i + 1).copied().unwrap_or(buf.len());
                break;
            }
            Err(LineError::Incomplete(_)) => {}
            Err(LineError::Bad(reason)) => tail.garbage = Some(reason),
        }
        tail.gap_lines += 1;
    }
    if tail.last.is_none() && !whole {
        return Tail::default();
    }
    tail.gap = buf[gap_start.min(buf.len())..].to_vec();
    if tail.gap_lines > 0 && !torn && tail.garbage.is_none() {
        tail.garbage =
            Some("a cut-off record followed by a newline, which a crash does not leave".into());
    }
    tail
}

fn read_from(file: &mut File, start: u64) -> io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::new();
    file.read_to_end(&mut buf)?;
    Ok(buf)
}

fn count_lines(path: &Path) -> io::Result<u64> {
    let data = fs::read(path)?;
    Ok(data.split(|b| *b == b'\n').count() as u64)
}

/// Why a line is not a record.
#[derive(Debug)]
enum LineError {
    /// The line stops in the middle of a record: what a write cut short by a crash leaves.
    Incomplete(String),
    /// A complete line that is not a valid record, or whose content does not match its hash.
    Bad(String),
}

/// Parses and self-checks one line: valid JSON record and `hash` matching its bytes.
fn parse_line(line: &[u8]) -> Result<StoredRecord, LineError> {
    let text = match std::str::from_utf8(line) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() => {
            return Err(LineError::Incomplete(
                "ends inside a UTF-8 character (a write cut short)".to_string(),
            ));
        }
        Err(_) => return Err(LineError::Bad("not valid UTF-8".to_string())),
    };
    let rec: StoredRecord = serde_json::from_str(text).map_err(|e| {
        if e.is_eof() {
            LineError::Incomplete(format!("ends in the middle of a record ({e})"))
        } else {
            LineError::Bad(format!("not a valid record ({e})"))
        }
    })?;
    let body = hashed_body(text).ok_or_else(|| {
        LineError::Bad(
            "does not end with the `\"hash\":\"<64 hex>\"` field written by mcpward".to_string(),
        )
    })?;
    let actual = sha256_hex(body.as_bytes());
    if actual != rec.hash {
        return Err(LineError::Bad(format!(
            "content does not match its hash (the record was edited): stored {}, computed {}",
            short(&rec.hash),
            short(&actual)
        )));
    }
    Ok(rec)
}

/// The bytes the `hash` field covers: the line with `,"hash":"<64 hex>"` removed.
fn hashed_body(line: &str) -> Option<String> {
    const TAIL: usize = ",\"hash\":\"".len() + 64 + "\"}".len();
    let cut = line.len().checked_sub(TAIL)?;
    let (head, tail) = (line.get(..cut)?, line.get(cut..)?);
    let hex = tail.strip_prefix(",\"hash\":\"")?.strip_suffix("\"}")?;
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(format!("{head}}}"))
}

/// [`parse_line`], and in keyed mode also the record's MAC (a bad one is a bad line).
fn parse_keyed(line: &[u8], key: Option<&LogKey>) -> Result<StoredRecord, LineError> {
    let rec = parse_line(line)?;
    if let Some(key) = key {
        let signed = std::str::from_utf8(line)
            .ok()
            .and_then(hashed_body)
            .and_then(|b| mac_body(&b));
        let ok = match (&rec.mac, signed) {
            (Some(mac), Some(body)) => key.check(body.as_bytes(), mac),
            _ => false,
        };
        if !ok {
            return Err(LineError::Bad(
                "its MAC is missing or does not match the key".to_string(),
            ));
        }
    }
    Ok(rec)
}

/// The bytes a record's MAC covers: the hashed body with `,"mac":"<64 hex>"` removed.
fn mac_body(body: &str) -> Option<String> {
    const TAIL: usize = ",\"mac\":\"".len() + 64 + "\"}".len();
    let cut = body.len().checked_sub(TAIL)?;
    let (head, tail) = (body.get(..cut)?, body.get(cut..)?);
    let hex = tail.strip_prefix(",\"mac\":\"")?.strip_suffix("\"}")?;
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(format!("{head}}}"))
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn head_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(HEAD_SUFFIX);
    PathBuf::from(s)
}

/// Width the head record is padded to, so each update overwrites the previous one in place.
const HEAD_WIDTH: usize = 320;

/// Test helper: writes a head file from scratch.
#[cfg(test)]
fn write_head(path: &Path, head: &Head, durable: bool) -> io::Result<()> {
    let f = open_head(path).map_err(io::Error::other)?;
    write_head_to(&f, head, durable)
}

/// Opens (creating it 0600) the head file and cuts anything past one fixed-width record.
fn open_head(path: &Path) -> Result<File, LogError> {
    let f = state::open_private_file(path, Access::ReadWrite)?;
    let len = f
        .metadata()
        .map_err(io_err(path, "read the head file's metadata"))?
        .len();
    if len > HEAD_WIDTH as u64 {
        f.set_len(HEAD_WIDTH as u64)
            .map_err(io_err(path, "cut the head file"))?;
    }
    Ok(f)
}

/// Overwrites the head in place: one positioned write of a fixed-width record, under the log's
/// lock, on a handle kept open. Create-and-rename per record cost about a millisecond of journal
/// work on ext4 for every tool call; a small in-place write stays within one page.
fn write_head_to(f: &File, head: &Head, durable: bool) -> io::Result<()> {
    let mut text = serde_json::to_string(head).map_err(io::Error::other)?;
    if text.len() + 1 < HEAD_WIDTH {
        text.extend(std::iter::repeat_n(' ', HEAD_WIDTH - 1 - text.len()));
    }
    text.push('\n');
    write_at_start(f, text.as_bytes())?;
    if durable {
        f.sync_data()?;
    }
    Ok(())
}

#[cfg(unix)]
fn write_at_start(f: &File, bytes: &[u8]) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    f.write_all_at(bytes, 0)
}

#[cfg(not(unix))]
fn write_at_start(mut f: &File, bytes: &[u8]) -> io::Result<()> {
    use std::io::{Seek, SeekFrom};
    f.seek(SeekFrom::Start(0))?;
    f.write_all(bytes)
}

fn read_head(path: &Path) -> Result<Option<Head>, String> {
    match fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(text.trim())
            .map(Some)
            .map_err(|e| format!("head file {} is not valid ({e})", path.display())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("head file {} cannot be read ({e})", path.display())),
    }
}

/// Default location: `$XDG_STATE_HOME/mcpward/audit.jsonl`, else `~/.local/state/mcpward/audit.jsonl`.
pub fn default_log_path() -> PathBuf {
    crate::queue::default_state_dir().join("audit.jsonl")
}

/// SHA-256 (as `sha256:<hex>`) over a canonical serialisation of `args`: object keys sorted by
/// their UTF-8 bytes, no insignificant whitespace, strings escaped as `serde_json` does. Equal
/// arguments give equal digests whatever their key order.
///
/// Short low-entropy values (a PIN, a yes/no) can be guessed from a plain digest; redact them
/// before digesting if that matters.
pub fn args_digest(args: &serde_json::Value) -> String {
    let mut out = String::new();
    canonical(args, &mut out);
    format!("sha256:{}", sha256_hex(out.as_bytes()))
}

fn canonical(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => push_json_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_string(k, out);
                out.push(':');
                canonical(v, out);
            }
            out.push('}');
        }
    }
}

fn push_json_string(s: &str, out: &mut String) {
    // Serialising a &str cannot fail.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

/// Which records `read` returns; `None` fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub server: Option<String>,
    pub tool: Option<String>,
    pub decision: Option<String>,
    pub session: Option<String>,
}

impl Filter {
    pub fn matches(&self, rec: &StoredRecord) -> bool {
        fn ok(want: &Option<String>, have: Option<&str>) -> bool {
            want.as_deref().is_none_or(|w| have == Some(w))
        }
        ok(&self.server, Some(&rec.server))
            && ok(&self.tool, rec.tool.as_deref())
            && ok(&self.decision, Some(&rec.decision))
            && ok(&self.session, Some(&rec.session))
    }
}

/// Reads the records matching `filter`, in file order. Lines that are not records (torn
/// writes, damage) are skipped here; `verify` is the command that judges integrity.
pub fn read(path: &Path, filter: &Filter) -> Result<Vec<StoredRecord>, LogError> {
    let data = fs::read(path).map_err(io_err(path, "read"))?;
    let mut out = Vec::new();
    for (i, line) in data.split(|b| *b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let Ok(text) = std::str::from_utf8(line) else {
            continue;
        };
        if let Ok(mut rec) = serde_json::from_str::<StoredRecord>(text) {
            rec.line = i as u64 + 1;
            if filter.matches(&rec) {
                out.push(rec);
            }
        }
    }
    Ok(out)
}

/// Why a log failed verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TamperKind {
    /// A line is not a record, or its content does not match its own hash.
    Edited,
    /// `prev` does not match the previous record: a record was changed, removed or moved.
    BrokenChain,
    /// `seq` skips numbers: records were removed.
    Deleted,
    /// `seq` goes backwards or repeats: records were moved or duplicated.
    Reordered,
    /// The head file names more records than the file holds: records were cut off the end.
    Truncated,
    /// The head file is missing or unreadable, or disagrees with the record it names.
    Head,
    /// Records follow the one the head names without the head having announced them: they
    /// were appended by something other than mcpward's writer.
    PastHead,
    /// A gateway found the log not as its head left it and recorded a `chain-break` event.
    ChainBreak,
    /// Keyed mode: a record's MAC is missing or does not match the key.
    Mac,
}

/// The first record found bad.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tamper {
    /// 1-based line number of the first bad record (for truncation: the line where the missing
    /// records should start).
    pub line: u64,
    pub kind: TamperKind,
    pub reason: String,
}

/// Result of [`verify`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Complete records checked.
    pub records: u64,
    /// Lines left torn by a crash (truncation-by-crash, not tampering).
    pub torn_lines: Vec<u64>,
    /// `seq` and hash the head file names, when present.
    pub head_seq: Option<u64>,
    /// Whether every record's MAC was checked against a key ([`verify_keyed`]).
    pub keyed: bool,
    /// Records carrying a MAC that was not checked because no key was given.
    pub unchecked_macs: u64,
    /// The first problem, if any.
    pub tamper: Option<Tamper>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.tamper.is_none()
    }
}

/// Checks the whole chain of the log at `path` and its head file, reporting the first bad record.
/// MACs of a keyed log are not checked (see [`verify_keyed`]).
pub fn verify(path: &Path) -> Result<VerifyReport, LogError> {
    verify_keyed(path, None)
}

/// [`verify`], and with a key also every record's and the head's MAC: a log rewritten
/// consistently together with its head, by someone without the key, fails.
pub fn verify_keyed(path: &Path, key: Option<&LogKey>) -> Result<VerifyReport, LogError> {
    let data = fs::read(path).map_err(io_err(path, "read"))?;
    let head = read_head(&head_path(path));
    let mut lines: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
    let ends_with_newline = data.is_empty() || data.ends_with(b"\n");
    if ends_with_newline {
        lines.pop();
    }
    // Each line is parsed and hashed once.
    let parsed: Vec<Result<StoredRecord, LineError>> =
        lines.iter().map(|l| parse_line(l)).collect();
    let mut report = VerifyReport {
        keyed: key.is_some(),
        ..VerifyReport::default()
    };
    let chain = Chain {
        lines: &lines,
        parsed: &parsed,
        ends_with_newline,
        key,
    };
    report.tamper = chain.check(&mut report);
    if report.tamper.is_some() {
        return Ok(report);
    }
    report.tamper = check_head(head, &parsed, key, &mut report);
    Ok(report)
}

/// A log read for [`verify_keyed`].
struct Chain<'a> {
    lines: &'a [&'a [u8]],
    parsed: &'a [Result<StoredRecord, LineError>],
    ends_with_newline: bool,
    key: Option<&'a LogKey>,
}

impl Chain<'_> {
    fn check(&self, report: &mut VerifyReport) -> Option<Tamper> {
        let mut prev_hash = GENESIS.to_string();
        let mut prev_seq = 0u64;
        // Consecutive cut-off lines since the last record: (line number, index, reason).
        let mut torn: Vec<(u64, usize, String)> = Vec::new();
        let seqs: Vec<Option<u64>> = self
            .parsed
            .iter()
            .map(|r| r.as_ref().ok().map(|r| r.seq))
            .collect();
        for (i, line) in self.parsed.iter().enumerate() {
            let lineno = i as u64 + 1;
            let rec = match line {
                Ok(rec) => rec,
                Err(LineError::Incomplete(reason)) => {
                    torn.push((lineno, i, reason.clone()));
                    continue;
                }
                Err(LineError::Bad(reason)) => return Some(edited(lineno, reason.clone())),
            };
            if rec.prev != prev_hash {
                if let Some((at, _, why)) = torn.first().cloned() {
                    // The chain does not resume across the fragment: it replaced a record.
                    return Some(edited(at, why));
                }
                return Some(link_broken(
                    rec,
                    lineno,
                    prev_seq,
                    &prev_hash,
                    &seqs[i + 1..],
                ));
            }
            if rec.seq != prev_seq + 1 {
                // The chain links but seq disagrees: the record was rewritten with a fresh hash.
                return Some(Tamper {
                    line: lineno,
                    kind: if rec.seq > prev_seq + 1 {
                        TamperKind::Deleted
                    } else {
                        TamperKind::Reordered
                    },
                    reason: format!("seq {} follows seq {prev_seq}", rec.seq),
                });
            }
            if let Some(&(at, first, _)) = torn.first() {
                // A crash leaves a fragment only as the last line; the gateway that next opens
                // the log ends it and records a `torn-line` event naming its bytes.
                let gap = self.lines[first..i].join(&b"\n"[..]);
                let digest = format!("sha256:{}", sha256_hex(&gap));
                let accounted = rec.server == LOG_SERVER
                    && rec.method == TORN_LINE
                    && rec.args_digest.as_deref() == Some(digest.as_str());
                if !accounted {
                    return Some(edited(
                        at,
                        "a cut-off record in the middle of the log that no `torn-line` record accounts for: a crash leaves one only as the last line".to_string(),
                    ));
                }
            }
            if let Some(t) = self.check_mac(rec, lineno, report) {
                return Some(t);
            }
            if rec.server == LOG_SERVER && rec.method == CHAIN_BREAK {
                return Some(Tamper {
                    line: lineno,
                    kind: TamperKind::ChainBreak,
                    reason: format!(
                        "a gateway found the log altered and recorded: {}",
                        rec.detail.as_deref().unwrap_or("(no detail)")
                    ),
                });
            }
            report
                .torn_lines
                .extend(torn.drain(..).map(|(at, _, _)| at));
            prev_hash.clone_from(&rec.hash);
            prev_seq = rec.seq;
            report.records += 1;
        }
        if let Some((at, _, _)) = torn.first() {
            if self.ends_with_newline {
                return Some(edited(
                    *at,
                    "a cut-off record followed by a newline and no `torn-line` record: a crash leaves no newline after it".to_string(),
                ));
            }
            report
                .torn_lines
                .extend(torn.into_iter().map(|(at, _, _)| at));
        }
        None
    }

    fn check_mac(
        &self,
        rec: &StoredRecord,
        lineno: u64,
        report: &mut VerifyReport,
    ) -> Option<Tamper> {
        let Some(key) = self.key else {
            report.unchecked_macs += u64::from(rec.mac.is_some());
            return None;
        };
        let text = std::str::from_utf8(self.lines[lineno as usize - 1]).unwrap_or_default();
        let signed = hashed_body(text).and_then(|b| mac_body(&b));
        let ok = match (&rec.mac, signed) {
            (Some(mac), Some(body)) => key.check(body.as_bytes(), mac),
            _ => false,
        };
        (!ok).then(|| Tamper {
            line: lineno,
            kind: TamperKind::Mac,
            reason: if rec.mac.is_none() {
                "the record has no MAC: it was written without the key (or the log was not started in keyed mode)".to_string()
            } else {
                "the record's MAC does not match the key: it was written or rewritten by someone without the key".to_string()
            },
        })
    }
}

/// Classifies a record whose `prev` is not the hash of the record before it.
fn link_broken(
    rec: &StoredRecord,
    lineno: u64,
    prev_seq: u64,
    prev_hash: &str,
    later: &[Option<u64>],
) -> Tamper {
    let expected = prev_seq + 1;
    let moved_here = later.contains(&Some(expected));
    let (kind, what) = if rec.seq > expected && moved_here {
        (
            TamperKind::Reordered,
            format!("seq {expected} comes later in the file: records were moved"),
        )
    } else if rec.seq > expected {
        (
            TamperKind::Deleted,
            format!(
                "seq jumps from {prev_seq} to {}: {} record(s) removed",
                rec.seq,
                rec.seq - expected
            ),
        )
    } else if rec.seq < expected {
        (
            TamperKind::Reordered,
            format!(
                "seq {} after seq {prev_seq}: records were moved or copied",
                rec.seq
            ),
        )
    } else {
        (
            TamperKind::BrokenChain,
            "the record before was changed and re-hashed, or replaced".to_string(),
        )
    };
    Tamper {
        line: lineno,
        kind,
        reason: format!(
            "prev {} does not match the hash {} of the record before it; {what}",
            short(&rec.prev),
            short(prev_hash),
        ),
    }
}

fn edited(line: u64, reason: String) -> Tamper {
    Tamper {
        line,
        kind: TamperKind::Edited,
        reason,
    }
}

fn check_head(
    head: Result<Option<Head>, String>,
    parsed: &[Result<StoredRecord, LineError>],
    key: Option<&LogKey>,
    report: &mut VerifyReport,
) -> Option<Tamper> {
    let last_line = parsed.len() as u64;
    let head_problem = |kind, reason| {
        Some(Tamper {
            line: last_line + 1,
            kind,
            reason,
        })
    };
    let head = match head {
        Ok(Some(head)) => head,
        Ok(None) if report.records == 0 => return None,
        Ok(None) => {
            return head_problem(
                TamperKind::Head,
                "the head file is missing, so records cut off the end cannot be ruled out"
                    .to_string(),
            );
        }
        Err(reason) => return head_problem(TamperKind::Head, reason),
    };
    report.head_seq = Some(head.seq);
    if let Some(key) = key
        && !head.mac_ok(key)
    {
        return head_problem(
            TamperKind::Head,
            "the head file's MAC does not match the key: it was rewritten by someone without the key"
                .to_string(),
        );
    }
    if head.seq > report.records {
        let missing = head.seq - report.records;
        return head_problem(
            TamperKind::Truncated,
            format!(
                "the head names seq {} but the file ends at seq {}: {missing} record(s) removed from the end",
                head.seq, report.records
            ),
        );
    }
    let records: Vec<(u64, &StoredRecord)> = parsed
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.as_ref().ok().map(|r| (i as u64 + 1, r)))
        .collect();
    if head.seq > 0 {
        match records.iter().find(|(_, r)| r.seq == head.seq) {
            Some((line, rec)) if rec.hash != head.hash => {
                return Some(Tamper {
                    line: *line,
                    kind: TamperKind::Head,
                    reason: format!(
                        "the head names hash {} for seq {} but the record has {}: the log was rewritten",
                        short(&head.hash),
                        head.seq,
                        short(&rec.hash)
                    ),
                });
            }
            Some(_) => {}
            None => {
                return head_problem(
                    TamperKind::Head,
                    format!("the head names seq {} which is not in the file", head.seq),
                );
            }
        }
    }
    // Records past the head are only those of a batch cut short between the two head updates.
    if let Some((_, last)) = records.last()
        && last.seq > head.seq
        && !head.anchors(last.seq, &last.hash)
    {
        let (line, _) = records
            .iter()
            .find(|(_, r)| r.seq == head.seq + 1)
            .copied()
            .unwrap_or((last_line, last));
        return Some(Tamper {
            line,
            kind: TamperKind::PastHead,
            reason: format!(
                "{} record(s) after seq {}, the newest the head names, were not appended by mcpward's writer (or the head was restored from an older copy)",
                last.seq - head.seq,
                head.seq
            ),
        });
    }
    None
}

// --- private files ------------------------------------------------------------------------

/// Exclusive advisory lock on the log (Unix `flock`; no-op elsewhere), released on drop. It
/// borrows the descriptor instead of duplicating it: one syscall to take, one to release.
struct FileLock<'f> {
    #[cfg_attr(not(unix), allow(dead_code))]
    file: &'f File,
}

impl<'f> FileLock<'f> {
    /// Takes the lock, waiting at most `timeout` for another holder: `None` when it is still
    /// held then. A process that keeps the lock must not stall every gateway forever.
    fn exclusive(file: &'f File, timeout: Duration) -> io::Result<Option<FileLock<'f>>> {
        #[cfg(unix)]
        {
            use rustix::fs::{FlockOperation, flock};
            let start = Instant::now();
            let mut pause = Duration::from_micros(200);
            loop {
                match flock(file, FlockOperation::NonBlockingLockExclusive) {
                    Ok(()) => break,
                    Err(rustix::io::Errno::WOULDBLOCK) | Err(rustix::io::Errno::INTR) => {}
                    Err(e) => return Err(e.into()),
                }
                let waited = start.elapsed();
                if waited >= timeout {
                    return Ok(None);
                }
                std::thread::sleep(pause.min(timeout - waited));
                pause = (pause * 2).min(Duration::from_millis(20));
            }
        }
        #[cfg(not(unix))]
        let _ = timeout;
        Ok(Some(FileLock { file }))
    }
}

impl Drop for FileLock<'_> {
    fn drop(&mut self) {
        #[cfg(unix)]
        let _ = rustix::fs::flock(self.file, rustix::fs::FlockOperation::Unlock);
    }
}

#[cfg(test)]
mod tests;
