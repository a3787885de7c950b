//! The local approval queue: how a gateway that must `ask` reaches the person when the client
//! cannot be asked (no MCP elicitation).
//!
//! # Protocol (also in `docs/audit-log.md`)
//!
//! * Directory `<state dir>/approvals/`, mode 0700, so only the user can read requests or answer
//!   them.
//! * The gateway writes `<id>.json` (mode 0600, created exclusively) holding the request and its
//!   expiry, then waits for `<id>.decision.json`: one task per gateway lists the directory every
//!   [`POLL_INTERVAL`] for all of its waiting calls, at most [`MAX_WAITING`] of them.
//! * `mcpward approve <id>` / `mcpward deny <id>` and the page of `mcpward ui` write the
//!   decision to a temporary file and rename it into place, so the gateway never reads half a
//!   decision. The decision says where it was given ([`AnswerSource`]), as a claim.
//! * The gateway removes both files when it has its answer or times out. Requests whose expiry
//!   passed (a gateway that died) and decisions without a request are removed by [`pending`].
//!
//! Polling was chosen over a socket: it needs nothing running besides the waiting gateway, works
//! the same for every gateway process, and 50 ms is far below human reaction time. One shared
//! listing rather than a read per call keeps the cost flat however many calls wait; a directory
//! watch (inotify) would save the idle listings but not work on every platform and file system.
//!
//! Ids are 6 characters of lower-case RFC 4648 base32 (`a-z2-7`): short enough to type, and
//! validated before they touch a path. Nothing here ever approves on its own: timeout, any error
//! and any unreadable decision all end in something other than `Approved`.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::oneshot;

use crate::state;

/// How often a gateway with waiting calls lists the queue directory for their decisions (one
/// listing for all of them).
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Calls of one session that may wait in the queue at once; beyond this a call is refused.
pub const MAX_WAITING: usize = 16;

/// Longest wait for an answer; longer timeouts are cut to this.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(7 * 24 * 3600);

/// Length of an approval id.
pub const ID_LEN: usize = 6;

const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// A tool call waiting for a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalRequest {
    pub id: String,
    pub session: String,
    pub server: String,
    pub tool: String,
    /// Arguments with secrets masked: this file is shown to the person.
    pub arguments_masked: serde_json::Value,
    /// Why the policy asks (rule reason).
    pub reason: String,
}

/// How long an approval holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApprovalScope {
    /// This call only.
    Once,
    /// This tool for the rest of the gateway session (the gateway remembers it).
    Session,
}

/// Where the answer says it was given, written into the decision file. The gateway records it
/// as a claim: anything that can write the file can write any value here.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnswerSource {
    /// `mcpward approve`/`deny` whose standard input was an interactive terminal.
    Terminal,
    /// No terminal (`--no-tty`), or a decision file that does not say (read as the weaker claim).
    #[default]
    Script,
    /// The local page of `mcpward ui`, in the run that showed this page session id. Written as
    /// `{"ui": {"page_session": "…"}}`; files from before it (`"terminal"`, `"script"`, nothing)
    /// read as they always did.
    Ui { page_session: PageSession },
}

/// The random id of one `mcpward ui` run: shown on its page and recorded with every answer given
/// there, so the log tells which run of the page answered. Not a secret and not proof (the page's
/// token is the secret); 1 to [`PAGE_SESSION_MAX`] characters `a-z2-7`, so a decision file
/// cannot put arbitrary text into the audit log through it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PageSession(String);

/// Longest page session id accepted in a decision file.
pub const PAGE_SESSION_MAX: usize = 16;

/// Length of the page session ids [`PageSession::random`] makes (40 bits).
pub const PAGE_SESSION_LEN: usize = 8;

impl PageSession {
    /// A fresh id from the OS random source.
    pub fn random() -> PageSession {
        let n = u64::from_le_bytes(random_bytes());
        PageSession(base32(n, PAGE_SESSION_LEN))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PageSession {
    type Error = String;

    fn try_from(id: String) -> Result<PageSession, String> {
        if (1..=PAGE_SESSION_MAX).contains(&id.len()) && id.bytes().all(|b| ALPHABET.contains(&b)) {
            Ok(PageSession(id))
        } else {
            Err(format!(
                "a page session id is 1 to {PAGE_SESSION_MAX} characters a-z and 2-7"
            ))
        }
    }
}

impl From<PageSession> for String {
    fn from(id: PageSession) -> String {
        id.0
    }
}

impl std::fmt::Display for PageSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who answered a queued call, as far as the gateway can tell. Never a name read from the
/// decision file: a name there is whatever its writer chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueAnswer {
    /// Owner of the decision file, from `fstat` on the file the gateway read: checked by the
    /// gateway itself. `None` where the platform has no uids.
    pub owner_uid: Option<u32>,
    /// What the writer claimed about where it was answered: recorded, not proven.
    pub source: AnswerSource,
}

impl std::fmt::Display for QueueAnswer {
    /// `queue (uid 1000, terminal claimed)` or `ui (uid 1000, page session k2d7xq4m claimed)`:
    /// the channel, then what backs the answer. This is the audit log's `approver`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.source {
            AnswerSource::Ui { .. } => "ui (",
            AnswerSource::Terminal | AnswerSource::Script => "queue (",
        })?;
        if let Some(uid) = self.owner_uid {
            write!(f, "uid {uid}, ")?;
        }
        match &self.source {
            AnswerSource::Terminal => f.write_str("terminal claimed)"),
            AnswerSource::Script => f.write_str("no terminal: --no-tty)"),
            AnswerSource::Ui { page_session } => {
                write!(f, "page session {page_session} claimed)")
            }
        }
    }
}

/// The answer a waiting gateway gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApprovalOutcome {
    Approved {
        scope: ApprovalScope,
        by: QueueAnswer,
    },
    Denied {
        by: QueueAnswer,
    },
    /// Nobody answered in time; treat as a denial.
    TimedOut,
    /// Not queued, for the reason given (too many calls already wait); treat as a denial.
    Refused {
        reason: String,
    },
    /// The request could not be placed or the answer could not be read; treat as a denial.
    Unavailable {
        reason: String,
    },
}

/// Errors of `approve`/`deny`.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error(
        "`{id}` is not a valid approval id (expected {ID_LEN} characters a-z and 2-7); run `mcpward approve --list` to see pending ids"
    )]
    InvalidId { id: String },
    #[error(
        "no pending approval `{id}` in {}; it may have been answered or timed out — run `mcpward approve --list`",
        dir.display()
    )]
    UnknownId { id: String, dir: PathBuf },
    #[error("approval `{id}` was already answered")]
    AlreadyAnswered { id: String },
    #[error("approval queue {0}")]
    State(#[from] state::StateError),
    #[error("approval queue {}: cannot {action}: {error}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        error: io::Error,
    },
}

/// The request file: the request plus bookkeeping.
#[derive(Debug, Serialize, Deserialize)]
struct StoredRequest {
    #[serde(flatten)]
    request: ApprovalRequest,
    /// Unix seconds after which nobody waits for this request any more.
    expires_unix: i64,
    pid: u32,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "kebab-case")]
enum StoredDecision {
    Approve {
        scope: ApprovalScope,
        #[serde(default)]
        from: AnswerSource,
    },
    Deny {
        #[serde(default)]
        from: AnswerSource,
    },
}

/// A queue directory opened by a gateway: one per gateway session. Clones share the waiting
/// calls (and their [`MAX_WAITING`] limit).
#[derive(Debug, Clone)]
pub struct ApprovalQueue {
    dir: PathBuf,
    waiters: Arc<Mutex<Waiters>>,
}

impl ApprovalQueue {
    /// Opens (creating with mode 0700) `<state_dir>/approvals`. Refuses a state or queue
    /// directory that another user could write ([`crate::state::check_dir_meta`]): whoever can
    /// write there can approve calls.
    pub fn open(state_dir: &Path) -> io::Result<ApprovalQueue> {
        let dir = queue_dir(state_dir);
        state::private_dir(state_dir)?;
        state::private_dir(&dir)?;
        Ok(ApprovalQueue {
            dir,
            waiters: Arc::default(),
        })
    }

    /// A fresh random id not used by a pending request.
    pub fn new_id(&self) -> String {
        loop {
            let id = random_id();
            if !request_path(&self.dir, &id).exists() && !decision_path(&self.dir, &id).exists() {
                return id;
            }
        }
    }

    /// Places `req` in the queue and waits up to `timeout` for a person's answer. Never
    /// approves by default: a timeout, a failed write or an unreadable answer is not `Approved`.
    /// With [`MAX_WAITING`] calls of this queue already waiting, the call is refused, not queued.
    pub async fn request(&self, req: ApprovalRequest, timeout: Duration) -> ApprovalOutcome {
        if !valid_id(&req.id) {
            return ApprovalOutcome::Unavailable {
                reason: format!("`{}` is not a valid approval id", req.id),
            };
        }
        let timeout = timeout.min(MAX_TIMEOUT);
        let id = req.id.clone();
        let req_path = request_path(&self.dir, &id);
        let dec_path = decision_path(&self.dir, &id);
        let stored = StoredRequest {
            request: req,
            expires_unix: now_unix()
                .saturating_add(i64::try_from(timeout.as_secs()).unwrap_or(i64::MAX))
                .saturating_add(1),
            pid: std::process::id(),
        };
        // A decision already there answers an earlier request under this id (its gateway died
        // before cleaning up): it must not approve this one. `approve` cannot write a new one
        // until the request below exists.
        match fs::remove_file(&dec_path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                return ApprovalOutcome::Unavailable {
                    reason: format!("could not remove the stale {}: {e}", dec_path.display()),
                };
            }
        }
        let (answer, answered) = oneshot::channel();
        {
            let mut w = lock(&self.waiters);
            if w.by_id.len() >= MAX_WAITING {
                return ApprovalOutcome::Refused {
                    reason: format!(
                        "{MAX_WAITING} calls of this session already wait for approval, the most mcpward holds; answer or deny those first (`mcpward approve --list`)"
                    ),
                };
            }
            let deadline = tokio::time::Instant::now() + timeout;
            w.by_id.insert(id.clone(), Waiter { deadline, answer });
            if !w.scanning {
                w.scanning = true;
                tokio::spawn(scan(self.waiters.clone(), self.dir.clone()));
            }
        }
        let _forget = Forget {
            waiters: &self.waiters,
            id: &id,
        };
        if let Err(e) = write_new(&req_path, &stored) {
            return ApprovalOutcome::Unavailable {
                reason: format!("could not write {}: {e}", req_path.display()),
            };
        }
        // Removed however this ends, also when the wait is abandoned (the session closed, the
        // client cancelled the call): a request nobody waits for must not stay listed.
        // Request first: once it is gone `approve` reports the id as unknown instead of writing
        // a decision nobody reads.
        let _cleanup = RemoveOnDrop([req_path, dec_path]);
        answered
            .await
            .unwrap_or_else(|_| ApprovalOutcome::Unavailable {
                reason: "the approval queue stopped looking for answers".into(),
            })
    }

    /// What the shared scan has done so far.
    #[cfg(test)]
    fn stats(&self) -> ScanStats {
        lock(&self.waiters).stats
    }
}

/// The calls of one queue waiting for an answer. One task ([`scan`]) looks for all their
/// answers with one directory listing per [`POLL_INTERVAL`], and ends their waits when their
/// deadline passes: no per-call timer or file read while nobody answers, and nothing at all
/// while nothing waits.
#[derive(Debug, Default)]
struct Waiters {
    by_id: HashMap<String, Waiter>,
    /// Whether the scan task runs; it stops when the last wait ends.
    scanning: bool,
    stats: ScanStats,
}

#[derive(Debug)]
struct Waiter {
    deadline: tokio::time::Instant,
    answer: oneshot::Sender<ApprovalOutcome>,
}

/// Work done by [`scan`], counted for tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct ScanStats {
    ticks: u64,
    directory_reads: u64,
    decision_reads: u64,
}

fn lock(waiters: &Mutex<Waiters>) -> MutexGuard<'_, Waiters> {
    waiters.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Looks for the answers of every waiting call of one queue until none waits.
async fn scan(waiters: Arc<Mutex<Waiters>>, dir: PathBuf) {
    loop {
        tokio::time::sleep(POLL_INTERVAL).await;
        {
            let mut w = lock(&waiters);
            if w.by_id.is_empty() {
                w.scanning = false;
                return;
            }
            w.stats.ticks += 1;
            w.stats.directory_reads += 1;
        }
        let mut outcomes = Vec::new();
        let mut reads = 0;
        match answered_ids(&dir) {
            Ok(ids) => {
                let ids: Vec<String> = {
                    let w = lock(&waiters);
                    ids.into_iter()
                        .filter(|id| w.by_id.contains_key(id))
                        .collect()
                };
                for id in ids {
                    let path = decision_path(&dir, &id);
                    reads += 1;
                    let outcome = match read_decision(&path) {
                        Ok((bytes, owner_uid)) => decode_decision(&bytes, owner_uid, &path),
                        // Listed a moment ago: gone means its request was withdrawn meanwhile.
                        Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                        Err(e) => ApprovalOutcome::Unavailable {
                            reason: format!("could not read {}: {e}", path.display()),
                        },
                    };
                    outcomes.push((id, outcome));
                }
            }
            Err(e) => {
                let w = lock(&waiters);
                for id in w.by_id.keys() {
                    outcomes.push((
                        id.clone(),
                        ApprovalOutcome::Unavailable {
                            reason: format!("could not list {}: {e}", dir.display()),
                        },
                    ));
                }
            }
        }
        let mut w = lock(&waiters);
        w.stats.decision_reads += reads;
        for (id, outcome) in outcomes {
            if let Some(waiter) = w.by_id.remove(&id) {
                let _ = waiter.answer.send(outcome);
            }
        }
        let now = tokio::time::Instant::now();
        let expired: Vec<String> = w
            .by_id
            .iter()
            .filter(|(_, waiter)| waiter.deadline <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            if let Some(waiter) = w.by_id.remove(&id) {
                let _ = waiter.answer.send(ApprovalOutcome::TimedOut);
            }
        }
    }
}

/// Ids that have a decision file in `dir`.
fn answered_ids(dir: &Path) -> io::Result<Vec<String>> {
    let mut ids = Vec::new();
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name();
        if let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".decision.json"))
            && valid_id(id)
        {
            ids.push(id.to_owned());
        }
    }
    Ok(ids)
}

/// Ends a wait's registration when the wait ends, however it ends.
struct Forget<'a> {
    waiters: &'a Mutex<Waiters>,
    id: &'a str,
}

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        lock(self.waiters).by_id.remove(self.id);
    }
}

/// Deletes its files, in order, when dropped.
struct RemoveOnDrop<const N: usize>([PathBuf; N]);

impl<const N: usize> Drop for RemoveOnDrop<N> {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = fs::remove_file(path);
        }
    }
}

/// The decision's bytes and its owner, both from the one open file (so the owner is that of the
/// file read, not of whatever the name points to a moment later).
fn read_decision(path: &Path) -> io::Result<(Vec<u8>, Option<u32>)> {
    let mut file = fs::File::open(path)?;
    #[cfg(unix)]
    let owner_uid = {
        use std::os::unix::fs::MetadataExt;
        Some(file.metadata()?.uid())
    };
    #[cfg(not(unix))]
    let owner_uid = None;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok((bytes, owner_uid))
}

fn decode_decision(bytes: &[u8], owner_uid: Option<u32>, path: &Path) -> ApprovalOutcome {
    let by = |source| QueueAnswer { owner_uid, source };
    match serde_json::from_slice::<StoredDecision>(bytes) {
        Ok(StoredDecision::Approve { scope, from }) => ApprovalOutcome::Approved {
            scope,
            by: by(from),
        },
        Ok(StoredDecision::Deny { from }) => ApprovalOutcome::Denied { by: by(from) },
        Err(e) => ApprovalOutcome::Unavailable {
            reason: format!("unreadable decision {}: {e}", path.display()),
        },
    }
}

/// `$XDG_STATE_HOME/mcpward` when set to an absolute path, else `~/.local/state/mcpward`; without
/// a home directory, `.mcpward-state` in the current directory.
pub fn default_state_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_STATE_HOME").map(PathBuf::from)
        && x.is_absolute()
    {
        return x.join("mcpward");
    }
    match dirs::home_dir() {
        Some(home) => home.join(".local").join("state").join("mcpward"),
        None => PathBuf::from(".mcpward-state"),
    }
}

/// Requests waiting for an answer, oldest first: not those already answered whose gateway has
/// not yet picked the answer up. Removes expired requests and orphaned decisions on the way. A missing queue directory means nothing is pending; one another user could write
/// is refused.
pub fn pending(state_dir: &Path) -> io::Result<Vec<ApprovalRequest>> {
    let dir = queue_dir(state_dir);
    if !state::check_private_dir(state_dir)? || !state::check_private_dir(&dir)? {
        return Ok(Vec::new());
    }
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let now = now_unix();
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(id) = name.strip_suffix(".decision.json") {
            if valid_id(id) && !request_path(&dir, id).exists() {
                let _ = fs::remove_file(entry.path());
            }
            continue;
        }
        let Some(id) = name.strip_suffix(".json") else {
            continue;
        };
        if !valid_id(id) {
            continue;
        }
        // Answered, and its gateway not yet done reading the answer: nothing left to decide.
        if decision_path(&dir, id).exists() {
            continue;
        }
        let Ok(stored) = read_request(&entry.path()) else {
            continue;
        };
        if stored.expires_unix < now {
            let _ = fs::remove_file(entry.path());
            continue;
        }
        let modified = entry.metadata().and_then(|m| m.modified()).ok();
        found.push((modified, stored.request));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    Ok(found.into_iter().map(|(_, r)| r).collect())
}

/// Approves pending request `id` (case-insensitive) for `scope`. `from` is written into the
/// decision for the audit log, as the caller's claim.
pub fn approve(
    state_dir: &Path,
    id: &str,
    scope: ApprovalScope,
    from: AnswerSource,
) -> Result<(), QueueError> {
    answer(state_dir, id, StoredDecision::Approve { scope, from })
}

/// Denies pending request `id` (case-insensitive).
pub fn deny(state_dir: &Path, id: &str, from: AnswerSource) -> Result<(), QueueError> {
    answer(state_dir, id, StoredDecision::Deny { from })
}

fn answer(state_dir: &Path, id: &str, decision: StoredDecision) -> Result<(), QueueError> {
    let id = id.trim().to_ascii_lowercase();
    if !valid_id(&id) {
        return Err(QueueError::InvalidId { id });
    }
    let dir = queue_dir(state_dir);
    let req_path = request_path(&dir, &id);
    let unknown = || QueueError::UnknownId {
        id: id.clone(),
        dir: dir.clone(),
    };
    // A decision written into a directory others can write could be replaced before it is read.
    if !state::check_private_dir(state_dir)? || !state::check_private_dir(&dir)? {
        return Err(unknown());
    }
    match read_request(&req_path) {
        Ok(stored) if stored.expires_unix >= now_unix() => {}
        Ok(_) => return Err(unknown()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(unknown()),
        Err(error) => {
            return Err(QueueError::Io {
                path: req_path,
                action: "read the request",
                error,
            });
        }
    }
    let dec_path = decision_path(&dir, &id);
    if dec_path.exists() {
        return Err(QueueError::AlreadyAnswered { id });
    }
    let tmp = dir.join(format!(".{id}.decision.{}.tmp", std::process::id()));
    let io = |action, path: &Path| {
        let path = path.to_path_buf();
        move |error| QueueError::Io {
            path,
            action,
            error,
        }
    };
    write_new(&tmp, &decision).map_err(io("write the decision", &tmp))?;
    fs::rename(&tmp, &dec_path)
        .inspect_err(|_| {
            let _ = fs::remove_file(&tmp);
        })
        .map_err(io("move the decision into place", &dec_path))
}

fn queue_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("approvals")
}

fn request_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{id}.json"))
}

fn decision_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{id}.decision.json"))
}

fn valid_id(id: &str) -> bool {
    id.len() == ID_LEN && id.bytes().all(|b| ALPHABET.contains(&b))
}

fn read_request(path: &Path) -> io::Result<StoredRequest> {
    let mut text = String::new();
    fs::File::open(path)?.read_to_string(&mut text)?;
    serde_json::from_str(&text).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Writes `value` as JSON to a new file (fails if it exists) readable only by the owner.
fn write_new<T: Serialize>(path: &Path, value: &T) -> io::Result<()> {
    let text = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    let mut o = fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path)?;
    f.write_all(&text)?;
    f.write_all(b"\n")
}

fn now_unix() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// 30 random bits as 6 base32 characters (see [`random_bytes`]).
fn random_id() -> String {
    base32(u64::from_le_bytes(random_bytes()), ID_LEN)
}

/// `len` (at most 12) base32 characters from the low bits of `n`.
fn base32(n: u64, len: usize) -> String {
    (0..len)
        .map(|i| ALPHABET[((n >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// 8 bytes from the OS random source; if that is unavailable, from a hash of time, pid and a
/// counter (ids need to be unpredictable only to other users, who cannot read the 0700
/// directory anyway).
fn random_bytes() -> [u8; 8] {
    let mut bytes = [0u8; 8];
    let from_os = fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if from_os.is_err() {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let mut h = Sha256::new();
        h.update(jiff::Timestamp::now().as_nanosecond().to_le_bytes());
        h.update(std::process::id().to_le_bytes());
        h.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
        bytes.copy_from_slice(&h.finalize()[..8]);
    }
    bytes
}

#[cfg(test)]
mod tests;
