//! The audit log as the relay writes it: on the relay's own thread, in order, batched.
//!
//! Appending costs a lock, one write of the lines and one in-place write of the head. Handing
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

use std::cell::{Cell, RefCell};

use crate::chain::{AuditLog, Record};

/// Records queued before a flush is forced even in the middle of a burst.
const MAX_QUEUED: usize = 256;

/// The session's audit log.
pub struct AuditWriter {
    log: RefCell<AuditLog>,
    queued: RefCell<Vec<Record>>,
    broken: Cell<bool>,
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
        })
    }

    /// Whether an append has failed.
    pub fn is_broken(&self) -> bool {
        self.broken.get()
    }

    /// Writes the queued records, plus `last` if given, in one append.
    fn write(&self, last: Option<Record>, durable: bool) -> bool {
        let mut queued = self.queued.borrow_mut();
        queued.extend(last);
        if queued.is_empty() {
            return !self.broken.get();
        }
        if self.broken.get() {
            queued.clear();
            return false;
        }
        let mut log = self.log.borrow_mut();
        let ok = log.append_all(&queued, durable).is_ok();
        queued.clear();
        if !ok {
            self.broken.set(true);
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "mcpward: cannot write the audit log {}; tool calls are refused until the session restarts",
                log.path().display()
            );
        }
        ok
    }

    /// Queues a record that needs no fsync; written by the next [`flush`](Self::flush).
    pub fn record(&self, record: Record) {
        let full = {
            let mut queued = self.queued.borrow_mut();
            queued.push(record);
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

    /// Writes what is still queued; the end of the session.
    pub fn finish(self) {
        self.flush();
    }
}
