//! The audit log as the relay writes it: inline, in order, on the relay's own thread.
//!
//! Appending a record costs a lock, one write of the line and one in-place write of the head
//! (a few microseconds into the page cache). Handing records to a writer thread instead cost
//! more than it saved: every record woke a second thread, and on a small machine that wake-up
//! competes for a core with the relay and the server. So:
//!
//! * a record that allows a write or exec (`durable`) is written and fsynced before the call is
//!   forwarded: those calls are never run without a record on disk;
//! * other records (reads, denials, events) are written without fsync; after `kill -9` every
//!   record that reached the file is complete and chained;
//! * the first failed append marks the log broken; from then on every tool call is refused.

use std::cell::RefCell;

use crate::chain::{AuditLog, Record};

/// The session's audit log.
pub struct AuditWriter {
    log: RefCell<AuditLog>,
    broken: std::cell::Cell<bool>,
}

impl std::fmt::Debug for AuditWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditWriter")
            .field("broken", &self.is_broken())
            .finish_non_exhaustive()
    }
}

impl AuditWriter {
    /// Wraps an opened log.
    pub fn start(log: AuditLog) -> std::io::Result<AuditWriter> {
        Ok(AuditWriter {
            log: RefCell::new(log),
            broken: std::cell::Cell::new(false),
        })
    }

    /// Whether an append has failed.
    pub fn is_broken(&self) -> bool {
        self.broken.get()
    }

    fn append(&self, record: &Record, durable: bool) -> bool {
        if self.broken.get() {
            return false;
        }
        let mut log = self.log.borrow_mut();
        if log.append(record, durable).is_ok() {
            return true;
        }
        self.broken.set(true);
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "mcpward: cannot write the audit log {}; tool calls are refused until the session restarts",
            log.path().display()
        );
        false
    }

    /// Writes a record without fsync.
    pub fn record(&self, record: Record) {
        self.append(&record, false);
    }

    /// Writes a record (fsynced when `durable`). `false` when the log failed.
    pub async fn record_and_wait(&self, record: Record, durable: bool) -> bool {
        self.append(&record, durable)
    }

    /// Nothing is buffered; kept so the session has one place that ends the log.
    pub fn finish(self) {}
}
