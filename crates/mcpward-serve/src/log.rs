//! The front's own records: what `mcpward serve` refuses before a request reaches the decision
//! engine (bad Host or Origin, a missing token, a rate limit, a body too large, a malformed
//! message, headers that disagree with the body) and what its upstream bridge could not do.
//!
//! They go into the instance's audit log as a session of their own (the log's format 2 keeps one
//! chain per session in the shared file, see docs/audit-log.md), beside the sessions of the
//! routes' engines. What a client can repeat at will is limited per kind: the first
//! [`BURST`] of a kind in a minute are written, the rest counted into one summary record.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use mcpward_gateway::chain::{AuditLog, LogError, Record};

/// Events of one kind written individually per window.
pub const BURST: u32 = 20;
/// The window.
const WINDOW: Duration = Duration::from_secs(60);
/// Longest detail written.
const MAX_DETAIL: usize = 1024;

/// The front's session in the audit log.
#[derive(Debug)]
pub struct FrontLog {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    log: Option<AuditLog>,
    kinds: HashMap<&'static str, (Instant, u32)>,
}

impl FrontLog {
    /// Opens the log at `path` for the front's session.
    pub fn open(path: &Path, session: &str) -> Result<FrontLog, LogError> {
        Ok(FrontLog {
            inner: Mutex::new(Inner {
                log: Some(AuditLog::open(path, session)?),
                kinds: HashMap::new(),
            }),
        })
    }

    /// A log that writes nothing (tests of pieces that need one).
    pub fn disabled() -> FrontLog {
        FrontLog {
            inner: Mutex::new(Inner {
                log: None,
                kinds: HashMap::new(),
            }),
        }
    }

    /// Records an event of `kind` on `route`, unless the kind is over its burst.
    pub fn event(&self, route: &str, kind: &'static str, detail: String) {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        let mut summary = None;
        let entry = inner.kinds.entry(kind).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            if entry.1 > BURST {
                summary = Some(entry.1 - BURST);
            }
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        let write = entry.1 <= BURST;
        let Some(log) = inner.log.as_mut() else {
            return;
        };
        let mut records = Vec::new();
        if let Some(n) = summary {
            records.push(Record {
                server: route.to_owned(),
                method: kind.to_owned(),
                decision: "event".into(),
                detail: Some(format!(
                    "{n} more `{kind}` events in the last minute were not written one by one"
                )),
                ..Record::default()
            });
        }
        if write {
            let mut detail = detail;
            if detail.len() > MAX_DETAIL {
                let mut cut = MAX_DETAIL;
                while !detail.is_char_boundary(cut) {
                    cut -= 1;
                }
                detail.truncate(cut);
                detail.push('…');
            }
            records.push(Record {
                server: route.to_owned(),
                method: kind.to_owned(),
                decision: "event".into(),
                detail: Some(detail),
                ..Record::default()
            });
        }
        if !records.is_empty() {
            // A failing log cannot make the front refuse more than it already does; the engine's
            // own records (the decisions) refuse calls when their log breaks.
            let _ = log.append_all(&records, false);
        }
    }

    /// Ends the session in the log.
    pub fn close(&self) {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(log) = inner.log.as_mut() {
            let _ = log.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floods_of_one_kind_are_summarised() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = FrontLog::open(&path, "front-test").unwrap();
        for i in 0..(BURST + 5) {
            log.event("r", "serve-unauthorized", format!("attempt {i}"));
        }
        log.event("r", "serve-origin-refused", "other kind".into());
        log.close();
        let records =
            mcpward_gateway::chain::read(&path, &mcpward_gateway::chain::Filter::default())
                .unwrap();
        let unauthorized = records
            .iter()
            .filter(|r| r.method == "serve-unauthorized")
            .count();
        assert_eq!(unauthorized, BURST as usize);
        assert!(records.iter().any(|r| r.method == "serve-origin-refused"));
        assert!(mcpward_gateway::chain::verify(&path).unwrap().is_intact());
    }
}
