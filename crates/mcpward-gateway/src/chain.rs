//! The hash-chained audit log (`audit.jsonl`): one JSON line per decision or event, each line
//! carrying the hash of the line before it in its session, so that editing, deleting,
//! reordering or cutting off records is detectable by [`verify`].
//!
//! # Scheme (also in `docs/audit-log.md`)
//!
//! Every line is one JSON object whose fields are written in a fixed order and whose last two
//! fields are `"prev"` and `"hash"`:
//!
//! ```text
//! {"v":2,"time":"…","session":"…","seq":7,…,"anchor":null,"prev":"<64 hex>","hash":"<64 hex>"}
//! ```
//!
//! * `hash` = SHA-256 (lower-case hex) of the line's own bytes with the trailing
//!   `,"hash":"<64 hex>"` removed — i.e. of `{…,"prev":"<64 hex>"}`. No canonicalisation is
//!   needed to check it: the verifier hashes the bytes it reads.
//! * Each gateway session keeps its own chain in the shared file: `seq` counts the session's
//!   records from 1 and `prev` is the `hash` of the session's previous record (64 zeros for its
//!   first). A session appends with `O_APPEND` and no lock, so gateways never wait for each
//!   other on a tool call.
//! * A session's first and last records are *anchored*: written under an exclusive `flock`,
//!   their `anchor` is the `hash` of the anchored record before them in the file (format 1
//!   records count as anchored). The anchored records form one chain across sessions, so a
//!   whole session cannot be removed unnoticed. The last record is a [`SESSION_END`] event.
//! * Heads anchor the ends. `audit.jsonl.head` names the newest anchored record (updated under
//!   the lock, announcing the record before it is written). A session that has not ended has
//!   `audit.jsonl.sessions/<session>.head`, naming its newest record at the last update: written
//!   after a durable batch's fsync, after any batch when it is older than [`HEAD_INTERVAL`], and
//!   [`HEAD_INTERVAL`] after a burst (a group commit). Records cut off before a head's record
//!   leave the head pointing past the file ([`TamperKind::Truncated`]); later records of an
//!   open session are counted as unanchored. The session's head file is removed when its
//!   `session-end` record is anchored.
//! * A gateway that finds the log's head unusable records a [`CHAIN_BREAK`] event and goes on;
//!   [`verify`] always reports it.
//! * Keyed mode ([`LogKey`]): a `mac` field (HMAC-SHA256 of the line up to `prev`) in every
//!   record and in the heads, so a consistent rewrite needs the key ([`verify_keyed`]).
//!
//! What each mode leaves possible (a consistent rewrite without a key; a rollback of log and
//! heads together with one; the unanchored last records of a session that did not end) is
//! spelled out in `docs/audit-log.md`.
//!
//! # Crashes
//!
//! A process killed in the middle of a write leaves a fragment without its newline: as the
//! last line, or followed on the same line by the next record another session appended. Both
//! are accepted as a crash; a cut-off record anywhere else is tampering. Logs written by
//! format 1 (one chain, every append under the lock, fragments ended with a newline and a
//! [`TORN_LINE`] event) still verify, and format 2 sessions continue them.

use std::fs::{self, File};
use std::io::{self, Write};
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
pub const FORMAT_VERSION: u32 = 2;

/// Event ending a session: its last record, anchored (see the module docs).
pub const SESSION_END: &str = "session-end";

/// `prev` of the first record of a file.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Suffix added to the log path for the head file (and to a session's name for its head).
const HEAD_SUFFIX: &str = ".head";

/// How long the records of a burst may stay unanchored by the session's head: the head is
/// written at most this often while calls flow, and this long after the last of them.
pub const HEAD_INTERVAL: Duration = Duration::from_millis(100);

/// Suffix added to the log path for the directory of the open sessions' heads.
const SESSIONS_SUFFIX: &str = ".sessions";

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
    /// Format 2: on a session's first and last records, the `hash` of the anchored record
    /// before it in the file ([`GENESIS`] for the first); `null` on the others. Absent in
    /// format 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<String>,
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
#[cfg_attr(test, derive(Serialize))]
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
    anchor: Option<&'a str>,
    prev: &'a str,
}

impl Body<'_> {
    /// The body as one JSON object: the members in field order, `None` as `null`, strings
    /// escaped as `serde_json` escapes them (what `#[derive(Serialize)]` would write, without
    /// its per-field machinery on the gateway's path).
    fn to_json(&self) -> String {
        use std::fmt::Write as _;
        fn opt(out: &mut String, key: &str, value: Option<&str>) {
            out.push_str(key);
            match value {
                Some(v) => push_json_string(v, out),
                None => out.push_str("null"),
            }
        }
        // Room for a usual record (the detail is the only long member, and it is capped).
        let mut out = String::with_capacity(512);
        let _ = write!(out, "{{\"v\":{},\"time\":", self.v);
        push_json_string(self.time, &mut out);
        out.push_str(",\"session\":");
        push_json_string(self.session, &mut out);
        let _ = write!(out, ",\"seq\":{},\"server\":", self.seq);
        push_json_string(self.server, &mut out);
        out.push_str(",\"method\":");
        push_json_string(self.method, &mut out);
        opt(&mut out, ",\"tool\":", self.tool);
        opt(&mut out, ",\"args_digest\":", self.args_digest);
        out.push_str(",\"decision\":");
        push_json_string(self.decision, &mut out);
        opt(&mut out, ",\"rule\":", self.rule);
        opt(&mut out, ",\"approver\":", self.approver);
        match self.latency_us {
            Some(us) => {
                let _ = write!(out, ",\"latency_us\":{us}");
            }
            None => out.push_str(",\"latency_us\":null"),
        }
        opt(&mut out, ",\"detail\":", self.detail);
        opt(&mut out, ",\"anchor\":", self.anchor);
        out.push_str(",\"prev\":");
        push_json_string(self.prev, &mut out);
        out.push('}');
        out
    }
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
    #[error("audit log {0}")]
    State(#[from] crate::state::StateError),
    #[error(
        "audit log {}: another process has held its lock for {} ms, so this record was not written and the call it records is refused; find the holder with `fuser {}`",
        path.display(),
        waited.as_millis(),
        path.display()
    )]
    Locked { path: PathBuf, waited: Duration },
    #[error("audit log {}: the session already ended", path.display())]
    Closed { path: PathBuf },
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
    session_head_path: PathBuf,
    session: String,
    /// Opened with `O_APPEND`: each batch lands whole at the end, whoever else appends.
    file: File,
    /// Second handle on `file`'s open description, used only for `flock` (taken out while
    /// locked).
    lock_file: Option<File>,
    /// The session's head file, created by the session's first (anchored) append and kept.
    session_head: Option<File>,
    /// When the session's head was last written, and whether records were appended since.
    head_written: Instant,
    head_behind: bool,
    key: Option<LogKey>,
    lock_timeout: Duration,
    /// The session's chain: `seq` and `hash` of its newest record (0 and [`GENESIS`] before the
    /// first).
    last_seq: u64,
    last_hash: String,
    /// Whether the session ended with its [`SESSION_END`] record: nothing more is appended.
    closed: bool,
}

impl AuditLog {
    /// Opens (creating it with mode 0600, and a missing directory with 0700) the log at `path`.
    /// Nothing is read and no lock is taken here: the session's first append, under the lock,
    /// anchors the session to the records before it.
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
            session_head_path: session_head_path(path, session),
            session: session.to_string(),
            file,
            lock_file: Some(lock_file),
            session_head: None,
            head_written: Instant::now(),
            head_behind: false,
            key: None,
            lock_timeout: LOCK_TIMEOUT,
            last_seq: 0,
            last_hash: GENESIS.to_string(),
            closed: false,
        })
    }

    /// Keyed mode: every record and the heads carry an HMAC-SHA256 under `key`, checked by
    /// [`verify_keyed`]. All writers of one log must use the same key.
    pub fn with_key(mut self, key: Option<LogKey>) -> AuditLog {
        self.key = key;
        self
    }

    /// How long an anchored append (a session's first and last) waits for another writer's
    /// lock ([`LOCK_TIMEOUT`] by default).
    pub fn set_lock_timeout(&mut self, timeout: Duration) {
        self.lock_timeout = timeout;
    }

    /// Path of the log file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record. `durable` also fsyncs the log (use it for decisions that allowed a
    /// write or an exec, so the record survives a power cut).
    pub fn append(&mut self, rec: &Record, durable: bool) -> Result<(), LogError> {
        self.append_all(std::slice::from_ref(rec), durable)
    }

    /// Appends records in order, in one write: what a busy gateway uses to keep the log off its
    /// critical path. The session's first batch is anchored under the log's lock; every later
    /// batch is one `O_APPEND` write with no lock. The session's head is then written at once
    /// when the batch is `durable` (after its fsync) or when the head is older than
    /// [`HEAD_INTERVAL`]; otherwise it is left for [`write_head`](Self::write_head), which the
    /// gateway calls once [`head_due`](Self::head_due) passes: one head write per burst of
    /// calls, like a group commit. A crash mid-write leaves complete records plus at most one
    /// torn fragment, which [`verify`] reports as a crash, not tampering. Fails with
    /// [`LogError::Locked`] when the session's first batch finds the lock held longer than the
    /// lock timeout: nothing is written then.
    pub fn append_all(&mut self, recs: &[Record], durable: bool) -> Result<(), LogError> {
        if recs.is_empty() {
            return Ok(());
        }
        if self.closed {
            return Err(LogError::Closed {
                path: self.path.clone(),
            });
        }
        if self.session_head.is_none() {
            return self.append_anchored(recs, durable, false);
        }
        let time = jiff::Timestamp::now().to_string();
        let (lines, seq, hash) = self.encode_batch(recs, &time, None)?;
        // One write call with O_APPEND: the batch lands whole at the end of the file, never
        // interleaved with another session's.
        self.file
            .write_all(lines.as_bytes())
            .map_err(io_err(&self.path, "append a record"))?;
        self.last_seq = seq;
        self.last_hash = hash;
        self.head_behind = true;
        if durable {
            self.file.sync_data().map_err(io_err(&self.path, "fsync"))?;
            // A durable record is anchored at once: cutting it off is then always detected.
            return self.write_session_head(true);
        }
        if self.head_written.elapsed() >= HEAD_INTERVAL {
            return self.write_session_head(false);
        }
        Ok(())
    }

    /// When the session's head must next be written to anchor the records appended since its
    /// last write; `None` when it names the newest record.
    pub fn head_due(&self) -> Option<Instant> {
        self.head_behind.then(|| self.head_written + HEAD_INTERVAL)
    }

    /// Writes the session's head if records were appended since it was last written.
    pub fn write_head(&mut self) -> Result<(), LogError> {
        if self.head_behind && !self.closed {
            self.write_session_head(false)?;
        }
        Ok(())
    }

    /// Overwrites the session's head with its newest record.
    fn write_session_head(&mut self, durable: bool) -> Result<(), LogError> {
        let Some(head_file) = self.session_head.as_ref() else {
            return Ok(());
        };
        let head = Head {
            seq: self.last_seq,
            hash: self.last_hash.clone(),
            ..Head::default()
        }
        .signed(self.key.as_ref());
        write_head_to(head_file, &head, durable).map_err(io_err(
            &self.session_head_path,
            "write the session's head file",
        ))?;
        self.head_written = Instant::now();
        self.head_behind = false;
        Ok(())
    }

    /// Ends the session: appends its [`SESSION_END`] record, anchored under the lock, so the
    /// log's head covers every record of the session, and removes the session's head file. A
    /// session that wrote nothing writes nothing here.
    pub fn close(&mut self) -> Result<(), LogError> {
        if self.session_head.is_none() || self.closed {
            return Ok(());
        }
        let end = Record {
            server: LOG_SERVER.into(),
            method: SESSION_END.into(),
            decision: "event".into(),
            detail: Some(format!("{} records in this session", self.last_seq + 1)),
            ..Record::default()
        };
        self.append_anchored(std::slice::from_ref(&end), true, true)
    }

    /// A batch whose first record is anchored to the log's newest anchored record: taken under
    /// the lock, with the log's head updated before and after (a session's first batch and its
    /// end).
    fn append_anchored(
        &mut self,
        recs: &[Record],
        durable: bool,
        ending: bool,
    ) -> Result<(), LogError> {
        // The lock is taken on a second handle to the same open file description.
        let lock_file = self.lock_file.take().expect("put back after every append");
        let result = match FileLock::exclusive(&lock_file, self.lock_timeout) {
            Ok(Some(_lock)) => self.append_locked(recs, durable, ending),
            Ok(None) => Err(LogError::Locked {
                path: self.path.clone(),
                waited: self.lock_timeout,
            }),
            Err(e) => Err(io_err(&self.path, "lock")(e)),
        };
        self.lock_file = Some(lock_file);
        result
    }

    fn append_locked(
        &mut self,
        recs: &[Record],
        durable: bool,
        ending: bool,
    ) -> Result<(), LogError> {
        let key = self.key.as_ref();
        // Where the anchored records end. A head that cannot be trusted is not silently
        // replaced: the batch starts with a `chain-break` event saying why, which `verify`
        // reports.
        let mut problem = None;
        let (spine_seq, spine_hash) = match read_head(&self.head_path) {
            Ok(Some(head)) if key.is_some_and(|k| !head.mac_ok(k)) => {
                problem = Some("the head file's MAC does not match the key".to_string());
                (head.seq, head.hash)
            }
            Ok(Some(head)) => match (head.next_seq, head.next_hash) {
                // A crash between the two head updates of an anchored batch: the log holds the
                // announced record or not, and the chain continues from whichever is there.
                (Some(next_seq), Some(next_hash))
                    if file_has_record(&self.path, &next_hash)
                        .map_err(io_err(&self.path, "read"))? =>
                {
                    (next_seq, next_hash)
                }
                _ => (head.seq, head.hash),
            },
            Ok(None) => {
                let len = self
                    .file
                    .metadata()
                    .map_err(io_err(&self.path, "read its metadata"))?
                    .len();
                if len > 0 {
                    problem = Some("the head file is missing".to_string());
                }
                (0, GENESIS.to_string())
            }
            Err(reason) => {
                problem = Some(reason);
                (0, GENESIS.to_string())
            }
        };
        let head_file = open_head(&self.head_path)?;
        let event = problem.map(|p| Record {
            server: LOG_SERVER.into(),
            method: CHAIN_BREAK.into(),
            decision: "event".into(),
            detail: Some(format!(
                "the log's head could not be trusted: {p}; new records are anchored from here"
            )),
            ..Record::default()
        });
        let mut batch: Vec<Record> = event.into_iter().collect();
        batch.extend_from_slice(recs);
        let time = jiff::Timestamp::now().to_string();
        let (lines, seq, hash, anchored) = {
            let (lines, seq, hash) = self.encode_batch(&batch, &time, Some(&spine_hash))?;
            let anchored = first_line_hash(&lines);
            (lines, seq, hash, anchored)
        };
        let announce = Head {
            seq: spine_seq,
            hash: spine_hash.clone(),
            next_seq: Some(spine_seq + 1),
            next_hash: Some(anchored.clone()),
            mac: None,
        }
        .signed(key);
        write_head_to(&head_file, &announce, false)
            .map_err(io_err(&self.head_path, "write the head file"))?;
        self.file
            .write_all(lines.as_bytes())
            .map_err(io_err(&self.path, "append a record"))?;
        if durable || ending {
            self.file.sync_data().map_err(io_err(&self.path, "fsync"))?;
        }
        self.last_seq = seq;
        self.last_hash = hash;
        let head = Head {
            seq: spine_seq + 1,
            hash: anchored,
            ..Head::default()
        }
        .signed(key);
        write_head_to(&head_file, &head, durable || ending)
            .map_err(io_err(&self.head_path, "write the head file"))?;
        if ending {
            self.closed = true;
            self.session_head = None;
            match fs::remove_file(&self.session_head_path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(io_err(
                        &self.session_head_path,
                        "remove the session's head file",
                    )(e));
                }
            }
            return Ok(());
        }
        if let Some(dir) = self.session_head_path.parent() {
            state::private_dir(dir)?;
        }
        let session_head = open_head(&self.session_head_path)?;
        let head = Head {
            seq,
            hash: self.last_hash.clone(),
            ..Head::default()
        }
        .signed(key);
        write_head_to(&session_head, &head, durable).map_err(io_err(
            &self.session_head_path,
            "write the session's head file",
        ))?;
        self.session_head = Some(session_head);
        self.head_written = Instant::now();
        self.head_behind = false;
        Ok(())
    }

    /// The lines of a batch continuing the session's chain, with the `seq` and `hash` of its
    /// last record. `anchor` goes into the first record.
    fn encode_batch(
        &self,
        recs: &[Record],
        time: &str,
        anchor: Option<&str>,
    ) -> Result<(String, u64, String), LogError> {
        let mut seq = self.last_seq;
        let mut hash = self.last_hash.clone();
        let mut lines = String::new();
        for (i, rec) in recs.iter().enumerate() {
            seq += 1;
            let anchor = if i == 0 { anchor } else { None };
            let (line, line_hash) = self.encode(rec, time, seq, anchor, &hash)?;
            hash = line_hash;
            lines.push_str(&line);
        }
        Ok((lines, seq, hash))
    }

    /// One record line (with its newline) and its hash.
    fn encode(
        &self,
        rec: &Record,
        time: &str,
        seq: u64,
        anchor: Option<&str>,
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
            anchor,
            prev,
        };
        let mut body = body.to_json();
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
}

/// The `hash` of the first line of `lines` (written by [`AuditLog::encode`]).
fn first_line_hash(lines: &str) -> String {
    let first = lines.split('\n').next().unwrap_or_default();
    first
        .len()
        .checked_sub(66)
        .and_then(|at| first.get(at..at + 64))
        .unwrap_or(GENESIS)
        .to_string()
}

/// Whether the log holds a line with this `hash` (a rare look, after a crash).
fn file_has_record(path: &Path, hash: &str) -> io::Result<bool> {
    let data = fs::read(path)?;
    let needle = format!(",\"hash\":\"{hash}\"}}\n");
    Ok(memchr::memmem::find(&data, needle.as_bytes()).is_some())
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
    hex_digest(&Sha256::digest(bytes))
}

/// A 32-byte digest in lowercase hex (`hex::encode` goes through a `char` iterator: several
/// times slower on the gateway's path, where every record is hashed).
pub(crate) fn hex_digest(digest: &[u8]) -> String {
    let mut out = [0u8; 64];
    match hex::encode_to_slice(digest, &mut out) {
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        Err(_) => hex::encode(digest),
    }
}

fn head_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(HEAD_SUFFIX);
    PathBuf::from(s)
}

/// `<log>.sessions`: the heads of sessions that have not ended.
fn sessions_dir(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(SESSIONS_SUFFIX);
    PathBuf::from(s)
}

/// `<log>.sessions/<session>.head`. A session name that is not a plain file name (mcpward's
/// are hex) is replaced by its SHA-256, so no name can point the head elsewhere.
fn session_head_path(path: &Path, session: &str) -> PathBuf {
    let plain = !session.is_empty()
        && session.len() <= 64
        && session
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let name = if plain {
        session.to_string()
    } else {
        sha256_hex(session.as_bytes())
    };
    sessions_dir(path).join(format!("{name}{HEAD_SUFFIX}"))
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
        // Created but never written: a crash right after the head file was made.
        Ok(text) if text.trim().is_empty() => Ok(None),
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
    args_digest_unless(args, &mut |_| true).unwrap_or_default()
}

/// [`args_digest`] of `args` as long as `keep` accepts every string and object key in them;
/// `None` at the first it refuses. The gateway digests a call's arguments with secrets masked:
/// `keep` is "nothing to mask here", so the usual call is digested without a masked copy.
pub fn args_digest_unless(
    args: &serde_json::Value,
    keep: &mut dyn FnMut(&str) -> bool,
) -> Option<String> {
    let mut out = String::new();
    canonical(args, &mut out, keep).then(|| format!("sha256:{}", sha256_hex(out.as_bytes())))
}

/// Appends the canonical text of `v`; `false` as soon as `keep` refuses a string or key.
fn canonical(v: &serde_json::Value, out: &mut String, keep: &mut dyn FnMut(&str) -> bool) -> bool {
    use serde_json::Value;
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => {
            if !keep(s) {
                return false;
            }
            push_json_string(s, out);
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if !canonical(item, out, keep) {
                    return false;
                }
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
                if !keep(k) {
                    return false;
                }
                push_json_string(k, out);
                out.push(':');
                if !canonical(v, out, keep) {
                    return false;
                }
            }
            out.push('}');
        }
    }
    true
}

/// Appends `s` as a JSON string, escaped exactly as `serde_json` escapes it: `"` and `\`,
/// the short forms `\b \f \n \r \t`, other control characters as lowercase `\u00xx`,
/// everything else (DEL and all non-ASCII included) as is.
fn push_json_string(s: &str, out: &mut String) {
    use std::fmt::Write as _;
    out.reserve(s.len() + 2);
    out.push('"');
    // Most text needs no escape; a branch-free pass (vectorised) finds out.
    let needs_escape = s.bytes().fold(false, |any, b| {
        any | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if !needs_escape {
        out.push_str(s);
        out.push('"');
        return;
    }
    let mut from = 0;
    for (i, byte) in s.bytes().enumerate() {
        let short = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // Escaped bytes are ASCII: `i` is on a character boundary.
        out.push_str(&s[from..i]);
        if short.is_empty() {
            let _ = write!(out, "\\u{byte:04x}");
        } else {
            out.push_str(short);
        }
        from = i + 1;
    }
    out.push_str(&s[from..]);
    out.push('"');
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
        let text = match std::str::from_utf8(line) {
            Ok(text) if !text.is_empty() => text,
            _ => continue,
        };
        // A crash can leave a fragment, or a record without its newline, before another
        // session's record on the same line.
        let parsed: Vec<StoredRecord> = match serde_json::from_str::<StoredRecord>(text) {
            Ok(rec) => vec![rec],
            Err(_) => match glued_at(line) {
                Some((at, rec)) => serde_json::from_slice::<StoredRecord>(&line[..at])
                    .ok()
                    .into_iter()
                    .chain([rec])
                    .collect(),
                None => Vec::new(),
            },
        };
        for mut rec in parsed {
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
    /// Sessions without a `session-end` record (running, or killed).
    pub open_sessions: u64,
    /// Records of open sessions written after their head's last update (at most
    /// [`HEAD_INTERVAL`] of records per session): removing them would not be detected.
    pub unanchored_records: u64,
    /// The first problem, if any.
    pub tamper: Option<Tamper>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.tamper.is_none()
    }
}

/// Checks the whole log at `path` and its head files, reporting the first bad record. MACs of
/// a keyed log are not checked (see [`verify_keyed`]).
pub fn verify(path: &Path) -> Result<VerifyReport, LogError> {
    verify_keyed(path, None)
}

/// [`verify`], and with a key also every record's and the heads' MACs: a log rewritten
/// consistently together with its heads, by someone without the key, fails.
pub fn verify_keyed(path: &Path, key: Option<&LogKey>) -> Result<VerifyReport, LogError> {
    let data = fs::read(path).map_err(io_err(path, "read"))?;
    let head = read_head(&head_path(path));
    let mut lines: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
    let ends_with_newline = data.is_empty() || data.ends_with(b"\n");
    if ends_with_newline {
        lines.pop();
    }
    // Each line is parsed and hashed once.
    let parsed: Vec<Parsed> = lines.iter().map(|l| parse_any(l)).collect();
    let mut report = VerifyReport {
        keyed: key.is_some(),
        ..VerifyReport::default()
    };
    let mut chain = Chain {
        lines: &lines,
        parsed: &parsed,
        ends_with_newline,
        key,
        anchored: Vec::new(),
        sessions: Vec::new(),
    };
    report.tamper = chain.check(&mut report);
    if report.tamper.is_some() {
        return Ok(report);
    }
    report.tamper = check_head(head, &chain.anchored, parsed.len() as u64, key, &mut report);
    if report.tamper.is_some() {
        return Ok(report);
    }
    report.tamper = check_sessions(path, &chain.sessions, parsed.len() as u64, key, &mut report);
    Ok(report)
}

/// A line as [`verify_keyed`] reads it.
enum Parsed {
    Record(StoredRecord),
    /// A fragment left by a crash, followed on the same line by a complete record another
    /// session appended after it (appends take no lock).
    Glued(StoredRecord),
    /// Two complete records on one line: a crash took only the first one's newline.
    Two(Box<(StoredRecord, StoredRecord)>),
    Not(LineError),
}

impl Parsed {
    /// The records of the line, in order.
    fn records(&self) -> impl Iterator<Item = &StoredRecord> {
        let (a, b) = match self {
            Parsed::Record(r) | Parsed::Glued(r) => (Some(r), None),
            Parsed::Two(pair) => (Some(&pair.0), Some(&pair.1)),
            Parsed::Not(_) => (None, None),
        };
        a.into_iter().chain(b)
    }
}

/// The start of every record this version writes: where a record glued to a fragment begins.
const RECORD_START: &[u8] = b"{\"v\":2,\"time\":\"";

fn parse_any(line: &[u8]) -> Parsed {
    match parse_line(line) {
        Ok(rec) => Parsed::Record(rec),
        Err(e) => match glued_at(line) {
            Some((at, rec)) => match parse_line(&line[..at]) {
                Ok(first) => Parsed::Two(Box::new((first, rec))),
                Err(_) => Parsed::Glued(rec),
            },
            None => Parsed::Not(e),
        },
    }
}

fn glued_at(line: &[u8]) -> Option<(usize, StoredRecord)> {
    let at = memchr::memmem::rfind(line, RECORD_START).filter(|&at| at > 0)?;
    parse_line(&line[at..]).ok().map(|rec| (at, rec))
}

/// One session's chain as [`Chain::check`] found it.
#[derive(Debug)]
struct SessionChain {
    session: String,
    seq: u64,
    hash: String,
    /// Line of its [`SESSION_END`] record.
    ended: Option<u64>,
    /// Line of its first record.
    first_line: u64,
    /// Line and hash of each of its records, by `seq`.
    records: Vec<(u64, String)>,
}

/// A log read for [`verify_keyed`].
struct Chain<'a> {
    lines: &'a [&'a [u8]],
    parsed: &'a [Parsed],
    ends_with_newline: bool,
    key: Option<&'a LogKey>,
    /// Anchored records in file order (format 1 records all count): (line, hash).
    anchored: Vec<(u64, String)>,
    /// Format 2 sessions in order of their first record.
    sessions: Vec<SessionChain>,
}

impl Chain<'_> {
    fn check(&mut self, report: &mut VerifyReport) -> Option<Tamper> {
        let mut spine_hash = GENESIS.to_string();
        let mut v1_seq = 0u64;
        let mut by_session: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        // Consecutive cut-off lines since the last record: (line number, index, reason).
        let mut torn: Vec<(u64, usize, String)> = Vec::new();
        // Every record with its line and line index, in file order.
        let mut items: Vec<(u64, usize, &StoredRecord)> = Vec::with_capacity(self.parsed.len());
        for (i, line) in self.parsed.iter().enumerate() {
            items.extend(line.records().map(|r| (i as u64 + 1, i, r)));
        }
        let mut next_item = 0usize;
        for (i, line) in self.parsed.iter().enumerate() {
            let lineno = i as u64 + 1;
            match line {
                Parsed::Glued(_) => report.torn_lines.push(lineno),
                Parsed::Not(LineError::Incomplete(reason)) => {
                    torn.push((lineno, i, reason.clone()));
                    continue;
                }
                Parsed::Not(LineError::Bad(reason)) => return Some(edited(lineno, reason.clone())),
                Parsed::Record(_) | Parsed::Two(..) => {}
            }
            for rec in line.records() {
                next_item += 1;
                let later = &items[next_item..];
                if let Some(t) = self.check_mac(rec, lineno, report) {
                    return Some(t);
                }
                if let Some(&(at, first, ref why)) = torn.first() {
                    // Format 1 writers ended a crash's fragment with a newline and recorded a
                    // `torn-line` event naming its bytes; format 2 fragments are glued to the next
                    // record instead (or are the last line).
                    let gap = self.lines[first..i].join(&b"\n"[..]);
                    let digest = format!("sha256:{}", sha256_hex(&gap));
                    let accounted = rec.v == 1
                        && rec.server == LOG_SERVER
                        && rec.method == TORN_LINE
                        && rec.args_digest.as_deref() == Some(digest.as_str());
                    if !accounted {
                        return Some(edited(
                            at,
                            if rec.v == 1 {
                                "a cut-off record in the middle of the log that no `torn-line` record accounts for: a crash leaves one only as the last line".to_string()
                            } else {
                                format!(
                                    "{why}, and a newline after it: a crash leaves a fragment only at the end of the file or directly before another record"
                                )
                            },
                        ));
                    }
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
                match rec.v {
                    1 => {
                        if !self.sessions.is_empty() {
                            return Some(Tamper {
                            line: lineno,
                            kind: TamperKind::Reordered,
                            reason: "a format 1 record after format 2 records: records were moved or copied".to_string(),
                        });
                        }
                        if rec.prev != spine_hash || rec.seq != v1_seq + 1 {
                            let later: Vec<Option<u64>> = later
                                .iter()
                                .map(|(_, _, r)| (r.v == 1).then_some(r.seq))
                                .collect();
                            if rec.prev == spine_hash {
                                return Some(Tamper {
                                    line: lineno,
                                    kind: if rec.seq > v1_seq + 1 {
                                        TamperKind::Deleted
                                    } else {
                                        TamperKind::Reordered
                                    },
                                    reason: format!("seq {} follows seq {v1_seq}", rec.seq),
                                });
                            }
                            return Some(link_broken(rec, lineno, v1_seq, &spine_hash, &later));
                        }
                        v1_seq = rec.seq;
                        spine_hash.clone_from(&rec.hash);
                        self.anchored.push((lineno, rec.hash.clone()));
                    }
                    FORMAT_VERSION => {
                        let at = *by_session.entry(rec.session.clone()).or_insert_with(|| {
                            self.sessions.push(SessionChain {
                                session: rec.session.clone(),
                                seq: 0,
                                hash: GENESIS.to_string(),
                                ended: None,
                                first_line: lineno,
                                records: Vec::new(),
                            });
                            self.sessions.len() - 1
                        });
                        let s = &self.sessions[at];
                        if let Some(end) = s.ended {
                            return Some(Tamper {
                                line: lineno,
                                kind: TamperKind::PastHead,
                                reason: format!(
                                    "a record of session {} after its session-end record (line {end}): not appended by mcpward's writer",
                                    rec.session
                                ),
                            });
                        }
                        if rec.prev != s.hash || rec.seq != s.seq + 1 {
                            let later: Vec<Option<u64>> = later
                                .iter()
                                .map(|(_, _, r)| {
                                    (r.v == FORMAT_VERSION && r.session == rec.session)
                                        .then_some(r.seq)
                                })
                                .collect();
                            let mut t = if rec.prev == s.hash {
                                Tamper {
                                    line: lineno,
                                    kind: if rec.seq > s.seq + 1 {
                                        TamperKind::Deleted
                                    } else {
                                        TamperKind::Reordered
                                    },
                                    reason: format!("seq {} follows seq {}", rec.seq, s.seq),
                                }
                            } else {
                                link_broken(rec, lineno, s.seq, &s.hash, &later)
                            };
                            t.reason = format!("session {}: {}", rec.session, t.reason);
                            return Some(t);
                        }
                        let ends = rec.server == LOG_SERVER && rec.method == SESSION_END;
                        match &rec.anchor {
                            Some(anchor) if *anchor != spine_hash => {
                                return Some(Tamper {
                                    line: lineno,
                                    kind: TamperKind::BrokenChain,
                                    reason: format!(
                                        "anchor {} does not match the hash {} of the anchored record before it: anchored records (each session's first and last) were removed, moved or rewritten",
                                        short(anchor),
                                        short(&spine_hash)
                                    ),
                                });
                            }
                            Some(_) => {
                                spine_hash.clone_from(&rec.hash);
                                self.anchored.push((lineno, rec.hash.clone()));
                            }
                            None if s.seq == 0 || ends => {
                                return Some(Tamper {
                                    line: lineno,
                                    kind: TamperKind::BrokenChain,
                                    reason: format!(
                                        "the {} record of session {} carries no anchor: mcpward anchors a session's first and last records",
                                        if ends { "session-end" } else { "first" },
                                        rec.session
                                    ),
                                });
                            }
                            None => {}
                        }
                        let s = &mut self.sessions[at];
                        s.records.push((lineno, rec.hash.clone()));
                        s.seq = rec.seq;
                        s.hash.clone_from(&rec.hash);
                        if ends {
                            s.ended = Some(lineno);
                        }
                    }
                    other => {
                        return Some(edited(
                            lineno,
                            format!("format version {other} is not one this mcpward reads"),
                        ));
                    }
                }
                report
                    .torn_lines
                    .extend(torn.drain(..).map(|(at, _, _)| at));
                report.records += 1;
            }
        }
        report.torn_lines.sort_unstable();
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
        let line = self.lines[lineno as usize - 1];
        let line = match &self.parsed[lineno as usize - 1] {
            Parsed::Glued(_) => glued_at(line).map_or(line, |(at, _)| &line[at..]),
            Parsed::Two(pair) => match glued_at(line) {
                Some((at, _)) if std::ptr::eq(&pair.0, rec) => &line[..at],
                Some((at, _)) => &line[at..],
                None => line,
            },
            _ => line,
        };
        let text = std::str::from_utf8(line).unwrap_or_default();
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

/// The log's head against the anchored records (format 1 records, and each format 2
/// session's first and last): `(line, hash)` in file order.
fn check_head(
    head: Result<Option<Head>, String>,
    anchored: &[(u64, String)],
    last_line: u64,
    key: Option<&LogKey>,
    report: &mut VerifyReport,
) -> Option<Tamper> {
    let head_problem = |kind, reason| {
        Some(Tamper {
            line: last_line + 1,
            kind,
            reason,
        })
    };
    let head = match head {
        Ok(Some(head)) => head,
        Ok(None) if anchored.is_empty() => return None,
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
    let count = anchored.len() as u64;
    if head.seq > count {
        let missing = head.seq - count;
        return head_problem(
            TamperKind::Truncated,
            format!(
                "the head names anchored record {} but the file holds {count}: {missing} anchored record(s) removed from the end",
                head.seq
            ),
        );
    }
    if head.seq > 0 {
        let (line, hash) = &anchored[head.seq as usize - 1];
        if *hash != head.hash {
            return Some(Tamper {
                line: *line,
                kind: TamperKind::Head,
                reason: format!(
                    "the head names hash {} for anchored record {} but the record has {}: the log was rewritten",
                    short(&head.hash),
                    head.seq,
                    short(hash)
                ),
            });
        }
    }
    // Anchored records past the head only as the one it announced (a crash between the head's
    // two updates).
    if count > head.seq && !head.anchors(count, &anchored[count as usize - 1].1) {
        let (line, _) = &anchored[head.seq as usize];
        return Some(Tamper {
            line: *line,
            kind: TamperKind::PastHead,
            reason: format!(
                "{} anchored record(s) after the newest the head names were not appended by mcpward's writer (or the head was restored from an older copy)",
                count - head.seq
            ),
        });
    }
    None
}

/// Every format 2 session that did not end has a head file naming its newest record (or
/// announcing it); a session head without records means a whole session was removed.
fn check_sessions(
    path: &Path,
    sessions: &[SessionChain],
    last_line: u64,
    key: Option<&LogKey>,
    report: &mut VerifyReport,
) -> Option<Tamper> {
    let mut expected = std::collections::HashSet::new();
    for s in sessions {
        let head_file = session_head_path(path, &s.session);
        if let Some(name) = head_file.file_name() {
            expected.insert(name.to_owned());
        }
        if s.ended.is_some() {
            continue;
        }
        report.open_sessions += 1;
        let problem = |kind, reason: String| {
            Some(Tamper {
                line: last_line + 1,
                kind,
                reason: format!(
                    "session {} (from line {}): {reason}",
                    s.session, s.first_line
                ),
            })
        };
        let head = match read_head(&head_file) {
            Ok(Some(head)) => head,
            Ok(None) => {
                return problem(
                    TamperKind::Head,
                    "it has no session-end record and its head file is missing, so records cut off its end cannot be ruled out".to_string(),
                );
            }
            Err(reason) => return problem(TamperKind::Head, reason),
        };
        if let Some(key) = key
            && !head.mac_ok(key)
        {
            return problem(
                TamperKind::Head,
                "its head file's MAC does not match the key".to_string(),
            );
        }
        // The record the head names must be there, unchanged. Records after it were appended
        // after the head's last write (a burst's head is written within HEAD_INTERVAL): counted,
        // since removing them could not be told from a crash.
        if head.seq > s.seq {
            return problem(
                TamperKind::Truncated,
                format!(
                    "its head names seq {} but the log holds its records up to seq {}: {} record(s) removed from its end",
                    head.seq,
                    s.seq,
                    head.seq - s.seq
                ),
            );
        }
        if head.seq > 0 {
            let (line, hash) = &s.records[head.seq as usize - 1];
            if *hash != head.hash {
                return Some(Tamper {
                    line: *line,
                    kind: TamperKind::Head,
                    reason: format!(
                        "session {}: its head names hash {} for seq {} but the record has {}: the session's records were rewritten",
                        s.session,
                        short(&head.hash),
                        head.seq,
                        short(hash)
                    ),
                });
            }
        }
        report.unanchored_records += s.seq - head.seq;
    }
    let dir = sessions_dir(path);
    let Ok(entries) = fs::read_dir(&dir) else {
        return None;
    };
    let mut orphans: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .filter(|n| !expected.contains(n))
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| n.ends_with(HEAD_SUFFIX))
        .collect();
    orphans.sort();
    orphans.first().map(|name| Tamper {
        line: last_line + 1,
        kind: TamperKind::Truncated,
        reason: format!(
            "{}: a session's head file, but the log holds no record of that session: its records were removed",
            dir.join(name).display()
        ),
    })
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
