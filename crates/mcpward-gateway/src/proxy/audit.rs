//! The audit log as the relay writes it: on the relay's own thread, in order, batched.
//!
//! Appending costs one write of the lines; the session's head is written once per burst (after
//! [`crate::chain::HEAD_INTERVAL`]) and after every durable batch, and the session's first and
//! last appends also take the log's lock (see [`crate::chain`]). Handing
//! records to a writer thread cost more than it saved: every record woke a second thread, and on
//! a small machine that wake-up competes for a core with the relay and the server. So:
//!
//! * a record that allows a write or exec (`durable`) is written, with everything queued before
//!   it, and fsynced before the call is forwarded: those calls never run without a record on disk;
//! * other records (reads, denials, events) are queued and written by [`AuditWriter::flush`],
//!   which the relay calls whenever it has no more frames waiting: one append per burst of
//!   traffic instead of one per record. After `kill -9` the records of the burst in progress may
//!   be missing, but every record that reached the file is complete and chained;
//! * the first failed append marks the log broken; from then on every tool call is refused.
//!   Except when another process holds the log's lock past [`crate::chain::LOCK_TIMEOUT`]:
//!   then the record that had to be written first (the call) is dropped and its call refused,
//!   the queued records wait for the next append, and the log is not marked broken;
//! * what a peer can repeat at will (events: unsolicited responses, invalid frames, tool list
//!   changes…) is rate-limited per kind: the first [`EVENT_BURST`] of a kind in a
//!   [`EVENT_WINDOW`] are written, the rest are counted into one summary record; and every
//!   `detail` is cut to [`MAX_DETAIL`] bytes. Decisions on calls are never limited.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::chain::{AuditLog, LogError, Record};
use crate::otlp::Exporter;

/// Records queued before a flush is forced even in the middle of a burst.
const MAX_QUEUED: usize = 256;

/// Records kept queued while the log's lock is held elsewhere before the log counts as broken.
const MAX_HELD: usize = 4 * MAX_QUEUED;

/// Events of one kind written individually per window.
pub const EVENT_BURST: u32 = 20;

/// Window of the event rate limit.
pub const EVENT_WINDOW: Duration = Duration::from_secs(60);

/// Longest `detail` written; the rest is cut with a note of how much.
pub const MAX_DETAIL: usize = 2048;

/// The session's audit log.
pub struct AuditWriter {
    log: RefCell<AuditLog>,
    queued: RefCell<Vec<Record>>,
    broken: Cell<bool>,
    limiter: RefCell<EventLimiter>,
    /// Hands what was appended to the OTLP exporter; dropped last, it sends the rest.
    otlp: Option<Exporter>,
}

impl std::fmt::Debug for AuditWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditWriter")
            .field("broken", &self.is_broken())
            .field("queued", &self.queued.borrow().len())
            .finish_non_exhaustive()
    }
}

impl AuditWriter {
    /// Wraps an opened log.
    pub fn start(log: AuditLog) -> std::io::Result<AuditWriter> {
        Ok(AuditWriter {
            log: RefCell::new(log),
            queued: RefCell::new(Vec::new()),
            broken: Cell::new(false),
            limiter: RefCell::new(EventLimiter::default()),
            otlp: None,
        })
    }

    /// Also exports what is appended, through `exporter`.
    pub fn exporting(mut self, exporter: Option<Exporter>) -> AuditWriter {
        self.otlp = exporter;
        self
    }

    /// Whether an append has failed.
    pub fn is_broken(&self) -> bool {
        self.broken.get()
    }

    /// Writes the queued records, plus `last` if given, in one append.
    fn write(&self, last: Option<Record>, durable: bool) -> bool {
        let mut queued = self.queued.borrow_mut();
        queued.extend(self.limiter.borrow_mut().ended(Instant::now()));
        queued.extend(self.otlp.as_ref().and_then(Exporter::take_report));
        let has_last = last.is_some();
        queued.extend(last.map(capped));
        if queued.is_empty() {
            return !self.broken.get();
        }
        if self.broken.get() {
            queued.clear();
            return false;
        }
        let mut log = self.log.borrow_mut();
        let result = log.append_all(&queued, durable);
        use std::io::Write as _;
        match result {
            Ok(()) => {
                if let Some(otlp) = &self.otlp {
                    otlp.appended(queued.len());
                }
                queued.clear();
                true
            }
            Err(err @ LogError::Locked { .. }) => {
                // The call this record allows is refused, so it must not be written later as
                // if it had run; what was queued before it waits for the next append.
                if has_last {
                    queued.pop();
                }
                if queued.len() > MAX_HELD {
                    queued.clear();
                    self.broken.set(true);
                }
                let _ = writeln!(std::io::stderr(), "mcpward: {err}");
                false
            }
            Err(_) => {
                queued.clear();
                self.broken.set(true);
                let _ = writeln!(
                    std::io::stderr(),
                    "mcpward: cannot write the audit log {}; tool calls are refused until the session restarts",
                    log.path().display()
                );
                false
            }
        }
    }

    /// Queues a record that needs no fsync; written by the next [`flush`](Self::flush). Events
    /// beyond the rate limit are counted instead of queued.
    pub fn record(&self, record: Record) {
        let Some(record) = self.limiter.borrow_mut().admit(record, Instant::now()) else {
            return;
        };
        let full = {
            let mut queued = self.queued.borrow_mut();
            queued.push(capped(record));
            queued.len() >= MAX_QUEUED
        };
        if full {
            self.flush();
        }
    }

    /// Whether records wait for [`flush`](Self::flush).
    pub fn has_queued(&self) -> bool {
        !self.queued.borrow().is_empty()
    }

    /// Writes everything queued. `false` when the log failed.
    pub fn flush(&self) -> bool {
        self.write(None, false)
    }

    /// Writes the queued records and this one (fsynced when `durable`) before returning.
    /// `false` when the log failed.
    pub async fn record_and_wait(&self, record: Record, durable: bool) -> bool {
        self.write(Some(record), durable)
    }

    /// Writes what is still queued, with the counts of suppressed events; the end of the
    /// session.
    /// When the session's head must be written to anchor the records of the last burst.
    pub fn head_due(&self) -> Option<std::time::Instant> {
        self.log.borrow().head_due()
    }

    /// Writes the session's head (see [`AuditLog::write_head`]); a failure marks the log
    /// broken, like a failed append.
    pub fn write_head(&self) {
        if let Err(err) = self.log.borrow_mut().write_head() {
            use std::io::Write as _;
            self.broken.set(true);
            let _ = writeln!(
                std::io::stderr(),
                "mcpward: {err}; tool calls are refused until the session restarts"
            );
        }
    }

    pub fn finish(&self) {
        let summaries = self.limiter.borrow_mut().drain();
        self.queued.borrow_mut().extend(summaries);
        if self.flush()
            && let Err(err) = self.log.borrow_mut().close()
        {
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "mcpward: {err}");
        }
    }
}

/// Cuts a record's `detail` to [`MAX_DETAIL`] bytes (at a character boundary).
fn capped(mut rec: Record) -> Record {
    if let Some(detail) = &mut rec.detail
        && detail.len() > MAX_DETAIL
    {
        let mut cut = MAX_DETAIL;
        while !detail.is_char_boundary(cut) {
            cut -= 1;
        }
        let dropped = detail.len() - cut;
        detail.truncate(cut);
        detail.push_str(&format!("… ({dropped} more bytes not logged)"));
    }
    rec
}

/// Per-kind rate limit of events: `(server, method)` → this window's count.
#[derive(Debug, Default)]
struct EventLimiter {
    kinds: HashMap<(String, String), Window>,
}

#[derive(Debug)]
struct Window {
    start: Instant,
    seen: u32,
    suppressed: u64,
    last_detail: Option<String>,
}

impl EventLimiter {
    /// The record to queue, or `None` when it is an event over the limit (then counted).
    fn admit(&mut self, rec: Record, now: Instant) -> Option<Record> {
        if rec.decision != "event" {
            return Some(rec);
        }
        let key = (rec.server.clone(), rec.method.clone());
        let w = self.kinds.entry(key).or_insert(Window {
            start: now,
            seen: 0,
            suppressed: 0,
            last_detail: None,
        });
        if now.duration_since(w.start) >= EVENT_WINDOW && w.suppressed == 0 {
            w.start = now;
            w.seen = 0;
        }
        w.seen = w.seen.saturating_add(1);
        if w.seen <= EVENT_BURST {
            return Some(rec);
        }
        w.suppressed += 1;
        w.last_detail = rec.detail;
        None
    }

    /// Summaries of windows that ended with suppressed events; those windows restart.
    fn ended(&mut self, now: Instant) -> Vec<Record> {
        self.take(|w| now.duration_since(w.start) >= EVENT_WINDOW, now)
    }

    /// Summaries of every window with suppressed events.
    fn drain(&mut self) -> Vec<Record> {
        self.take(|_| true, Instant::now())
    }

    fn take(&mut self, due: impl Fn(&Window) -> bool, now: Instant) -> Vec<Record> {
        let mut out = Vec::new();
        for ((server, method), w) in &mut self.kinds {
            if w.suppressed == 0 || !due(w) {
                continue;
            }
            let mut detail = format!(
                "{} more `{method}` event(s) in {} s not logged one by one (limit {EVENT_BURST} per {} s)",
                w.suppressed,
                now.duration_since(w.start).as_secs().max(1),
                EVENT_WINDOW.as_secs()
            );
            if let Some(last) = w.last_detail.take() {
                detail.push_str("; the last: ");
                detail.push_str(&last);
            }
            out.push(Record {
                server: server.clone(),
                method: method.clone(),
                decision: "event".into(),
                detail: Some(detail),
                ..Record::default()
            });
            w.start = now;
            w.seen = 0;
            w.suppressed = 0;
        }
        out.sort_by(|a, b| a.method.cmp(&b.method));
        out.into_iter().map(capped).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn junk(n: usize) -> Record {
        Record {
            server: "evil".into(),
            method: "unsolicited-response".into(),
            decision: "event".into(),
            detail: Some(format!(
                "server response with id {n} matches no pending request"
            )),
            ..Record::default()
        }
    }

    fn writer() -> (tempfile::TempDir, std::path::PathBuf, AuditWriter) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let w = AuditWriter::start(AuditLog::open(&path, "s").unwrap()).unwrap();
        (dir, path, w)
    }

    #[test]
    fn repeated_junk_events_are_aggregated_into_one_summary() {
        let (_dir, path, w) = writer();
        for n in 0..10_000 {
            w.record(junk(n));
        }
        w.finish();
        let recs = crate::chain::read(&path, &Default::default()).unwrap();
        // The burst, the summary and the session's end.
        assert_eq!(recs.len(), EVENT_BURST as usize + 2);
        assert_eq!(recs.last().unwrap().method, crate::chain::SESSION_END);
        let summary = recs[recs.len() - 2].detail.clone().unwrap();
        assert!(
            summary.contains("9980 more `unsolicited-response` event(s)"),
            "{summary}"
        );
        assert!(summary.contains("id 9999"), "{summary}");
        assert!(crate::chain::verify(&path).unwrap().is_intact());
    }

    #[test]
    fn call_decisions_are_never_rate_limited() {
        let (_dir, path, w) = writer();
        for n in 0..100 {
            w.record(Record {
                decision: "deny".into(),
                ..junk(n)
            });
        }
        w.finish();
        let recs = crate::chain::read(&path, &Default::default()).unwrap();
        assert_eq!(recs.iter().filter(|r| r.decision == "deny").count(), 100);
        assert_eq!(recs.len(), 101, "and the session's end");
    }

    #[test]
    fn limit_restarts_after_the_window_with_a_summary_of_the_last() {
        let mut l = EventLimiter::default();
        let t0 = Instant::now();
        let admitted = (0..30).filter(|n| l.admit(junk(*n), t0).is_some()).count();
        assert_eq!(admitted, EVENT_BURST as usize);
        assert!(l.ended(t0 + Duration::from_secs(1)).is_empty());
        let later = t0 + EVENT_WINDOW;
        let summaries = l.ended(later);
        assert_eq!(summaries.len(), 1);
        assert!(
            summaries[0]
                .detail
                .as_deref()
                .unwrap()
                .starts_with("10 more")
        );
        assert!(l.admit(junk(31), later).is_some());
    }

    #[test]
    fn huge_details_are_cut() {
        let rec = capped(Record {
            detail: Some("é".repeat(MAX_DETAIL)),
            ..junk(0)
        });
        let d = rec.detail.unwrap();
        assert!(d.len() < MAX_DETAIL + 64, "{}", d.len());
        assert!(d.ends_with("more bytes not logged)"), "{d}");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn lock_held_elsewhere_refuses_the_call_without_breaking_the_log() {
        let (_dir, path, w) = writer();
        w.log
            .borrow_mut()
            .set_lock_timeout(Duration::from_millis(50));
        let holder = std::fs::File::open(&path).unwrap();
        rustix::fs::flock(&holder, rustix::fs::FlockOperation::LockExclusive).unwrap();
        w.record(junk(0));
        let call = Record {
            method: "tools/call".into(),
            decision: "allow".into(),
            ..junk(1)
        };
        assert!(!w.record_and_wait(call.clone(), true).await);
        assert!(!w.is_broken());
        drop(holder);
        assert!(w.flush());
        let recs = crate::chain::read(&path, &Default::default()).unwrap();
        // The queued event is written; the refused call's `allow` is not.
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].method, "unsolicited-response");
    }
}
