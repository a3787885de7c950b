//! The audit log, written from its own thread so the relay never waits on the disk for a read.
//!
//! Appending a record costs a lock, a write and a head-file rename: tens of microseconds on
//! tmpfs, over a millisecond on ext4. Done inline, that would be most of the gateway's added
//! latency. So records go through a bounded queue to a writer thread, in order:
//!
//! * a record that allows a write or exec (`durable`) is acknowledged only after it is written
//!   and fsynced, and the call is forwarded only after the acknowledgement: those calls are never
//!   run without a record on disk;
//! * other records (reads, denials, events) are queued and the relay moves on; after `kill -9`
//!   the last few of them may be missing, but every record that reached the file is complete and
//!   chained;
//! * the first failed append marks the log broken; from then on every tool call is refused.
//!
//! The queue is bounded, so a disk slower than the traffic slows the relay instead of growing
//! memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use crate::chain::{AuditLog, Record};

/// Records queued before the relay waits for the writer.
const QUEUE_RECORDS: usize = 4096;

struct Job {
    record: Record,
    durable: bool,
    ack: Option<oneshot::Sender<bool>>,
}

/// Handle to the writer thread.
pub struct AuditWriter {
    tx: Option<std::sync::mpsc::SyncSender<Job>>,
    broken: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for AuditWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditWriter")
            .field("broken", &self.is_broken())
            .finish_non_exhaustive()
    }
}

impl AuditWriter {
    /// Starts the writer thread for an opened log.
    pub fn start(mut log: AuditLog) -> std::io::Result<AuditWriter> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(QUEUE_RECORDS);
        let broken = Arc::new(AtomicBool::new(false));
        let flag = broken.clone();
        let thread = std::thread::Builder::new()
            .name("mcpward-audit".into())
            .spawn(move || {
                for job in rx {
                    let ok = !flag.load(Ordering::Acquire) && log.append(&job.record, job.durable).is_ok();
                    if !ok && !flag.swap(true, Ordering::AcqRel) {
                        use std::io::Write as _;
                        let _ = writeln!(
                            std::io::stderr(),
                            "mcpward: cannot write the audit log {}; tool calls are refused until the session restarts",
                            log.path().display()
                        );
                    }
                    if let Some(ack) = job.ack {
                        let _ = ack.send(ok);
                    }
                }
            })?;
        Ok(AuditWriter {
            tx: Some(tx),
            broken,
            thread: Some(thread),
        })
    }

    /// Whether an append has failed.
    pub fn is_broken(&self) -> bool {
        self.broken.load(Ordering::Acquire)
    }

    /// Queues a record; returns at once.
    pub fn record(&self, record: Record) {
        if let Some(tx) = &self.tx
            && tx
                .send(Job {
                    record,
                    durable: false,
                    ack: None,
                })
                .is_err()
        {
            self.broken.store(true, Ordering::Release);
        }
    }

    /// Writes a record (fsynced when `durable`) and waits until it is on disk. `false` when the
    /// log failed.
    pub async fn record_and_wait(&self, record: Record, durable: bool) -> bool {
        let Some(tx) = &self.tx else { return false };
        let (ack, done) = oneshot::channel();
        let job = Job {
            record,
            durable,
            ack: Some(ack),
        };
        if tx.send(job).is_err() {
            self.broken.store(true, Ordering::Release);
            return false;
        }
        done.await.unwrap_or(false)
    }

    /// Writes everything queued and stops the thread.
    pub fn finish(mut self) {
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
