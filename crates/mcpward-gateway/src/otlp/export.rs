//! The exporter's thread: reads the session's records back, batches them, posts them, retries,
//! and counts what it could not deliver.
//!
//! The relay's side is two atomics: [`Exporter::appended`] adds a count (and wakes the thread
//! only when a full batch waits), [`Exporter::take_report`] looks at a flag. Everything that
//! can take time (reading the file, encoding, the network, backoff) happens on the thread.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant, SystemTime};

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceResponse;
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message as _;

use super::tail::LogTail;
use super::{DROPPED_EVENT, HeaderValue, OtlpConfig, OtlpError, Protocol, mapping, shown_url};
use crate::chain::{LOG_SERVER, Record};

/// Records waiting for export; past it the oldest are dropped (and counted).
pub const MAX_QUEUED: usize = 4096;

/// Records per export request; a full batch is sent without waiting for the interval.
pub const MAX_BATCH: usize = 512;

/// How often what is queued is sent.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

/// How long the session's end waits for the last records to be sent.
pub const FINAL_FLUSH: Duration = Duration::from_secs(2);

/// Least time between two reports of dropped or undelivered records.
pub const REPORT_INTERVAL: Duration = Duration::from_secs(60);

/// Tries per batch (the first and its retries) before its records count as undelivered.
const MAX_ATTEMPTS: u32 = 5;

/// Wait before the first retry; doubled for each next one, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// Longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// Longest collector answer read (a partial-success message, an error text).
const MAX_ANSWER: u64 = 64 * 1024;

/// Exports the session's audit records; owned by the session's audit writer. Dropping it waits
/// at most [`FINAL_FLUSH`] for the records still queued.
pub struct Exporter {
    shared: Arc<Shared>,
    thread: std::thread::Thread,
    /// Disconnected when the thread has finished.
    done: mpsc::Receiver<()>,
}

impl std::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exporter").finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct Shared {
    /// Records appended since the thread last read the file.
    appended: AtomicUsize,
    shutdown: AtomicBool,
    report_ready: AtomicBool,
    report: Mutex<Option<Record>>,
}

impl Exporter {
    /// Starts exporting the records that `session` appends to the log at `log_path` from now
    /// on. Call it after the log is opened and before the session's first append.
    pub fn start(
        config: &OtlpConfig,
        log_path: &Path,
        session: &str,
    ) -> Result<Exporter, OtlpError> {
        let tail = LogTail::open(log_path, session).map_err(|source| OtlpError::Log {
            path: log_path.to_path_buf(),
            source,
        })?;
        let resource = mapping::resource(
            config.instance_id.as_deref().unwrap_or(session),
            &host_name(),
            &config.resource_attributes,
        );
        let shared = Arc::new(Shared::default());
        let (done_tx, done) = mpsc::channel();
        let worker = Worker {
            shared: shared.clone(),
            tail,
            poster: Poster::new(config),
            resource,
            queue: VecDeque::new(),
            in_flight: None,
            losses: Losses::default(),
            _done: done_tx,
        };
        let handle = std::thread::Builder::new()
            .name("mcpward-otlp".into())
            .spawn(move || worker.run())
            .map_err(OtlpError::Thread)?;
        Ok(Exporter {
            shared,
            thread: handle.thread().clone(),
            done,
        })
    }

    /// After `count` records were appended to the log: counted, and the thread woken only when
    /// a full batch waits (otherwise it reads them at its next interval).
    pub fn appended(&self, count: usize) {
        let before = self.shared.appended.fetch_add(count, Ordering::Release);
        if before < MAX_BATCH && before + count >= MAX_BATCH {
            self.thread.unpark();
        }
    }

    /// The `otlp-dropped` event to write to the log, when one is due.
    pub fn take_report(&self) -> Option<Record> {
        if !self.shared.report_ready.swap(false, Ordering::Acquire) {
            return None;
        }
        self.shared.report.lock().ok()?.take()
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::Release);
        self.thread.unpark();
        // The thread keeps to the same deadline; this only stops waiting for it.
        let _ = self.done.recv_timeout(FINAL_FLUSH);
    }
}

/// What was lost so far, and what the last report said.
#[derive(Debug, Default)]
struct Losses {
    /// Dropped because the queue was full.
    dropped: u64,
    /// Given up after the retries, refused by the collector, or still queued at the deadline.
    failed: u64,
    /// Lines claiming the session that do not match their hash or the session's chain.
    unreadable: u64,
    last_error: Option<String>,
    /// An error happened since the last report.
    new_error: bool,
    reported: (u64, u64, u64),
    last_report: Option<Instant>,
    endpoint: String,
}

impl Losses {
    fn error(&mut self, error: String) {
        self.last_error = Some(error);
        self.new_error = true;
    }

    fn counts(&self) -> (u64, u64, u64) {
        (self.dropped, self.failed, self.unreadable)
    }

    /// The report's text, when there is something new to say and the last report is at least
    /// [`REPORT_INTERVAL`] old (`now` `None`: the session's end, no interval).
    fn due(&mut self, now: Option<Instant>) -> Option<String> {
        if self.counts() == self.reported && !self.new_error {
            return None;
        }
        if let (Some(now), Some(last)) = (now, self.last_report)
            && now.duration_since(last) < REPORT_INTERVAL
        {
            return None;
        }
        self.reported = self.counts();
        self.new_error = false;
        self.last_report = now.or(self.last_report);
        let mut text = format!(
            "OTLP export to {}: since the session started, {} record(s) dropped because the export queue was full, {} not delivered",
            self.endpoint, self.dropped, self.failed
        );
        if self.unreadable > 0 {
            text.push_str(&format!(
                ", {} line(s) of this session not exported because they do not match their hash or the session's chain",
                self.unreadable
            ));
        }
        if let Some(error) = &self.last_error {
            text.push_str("; last error: ");
            text.push_str(error);
        }
        Some(text)
    }
}

/// A batch being sent.
struct Batch {
    body: Vec<u8>,
    records: u64,
    attempts: u32,
    next_attempt: Instant,
}

struct Worker {
    shared: Arc<Shared>,
    tail: LogTail,
    poster: Poster,
    resource: Resource,
    queue: VecDeque<LogRecord>,
    in_flight: Option<Batch>,
    losses: Losses,
    _done: mpsc::Sender<()>,
}

impl Worker {
    fn run(mut self) {
        self.losses.endpoint = shown_url(&self.poster.endpoint);
        let mut next_tick = Instant::now() + FLUSH_INTERVAL;
        let mut deadline: Option<Instant> = None;
        // Sending everything queued, batch after batch: from each interval's tick, and at the end.
        let mut flushing = false;
        loop {
            let now = Instant::now();
            let stopping = self.shared.shutdown.load(Ordering::Acquire);
            if stopping && deadline.is_none() {
                deadline = Some(now + FINAL_FLUSH);
            }
            if now >= next_tick {
                next_tick = now + FLUSH_INTERVAL;
                flushing = true;
            }
            if self.shared.appended.swap(0, Ordering::Acquire) > 0 || stopping {
                self.read();
            }
            if self.in_flight.is_none()
                && !self.queue.is_empty()
                && (flushing || stopping || self.queue.len() >= MAX_BATCH)
            {
                self.in_flight = Some(self.batch(now));
            }
            if self.queue.is_empty() {
                flushing = false;
            }
            if self
                .in_flight
                .as_ref()
                .is_some_and(|b| b.next_attempt <= now)
            {
                self.attempt(deadline);
            }
            self.report(Some(Instant::now()));
            if stopping && self.queue.is_empty() && self.in_flight.is_none() {
                break;
            }
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                self.give_up();
                break;
            }
            let ready = self.in_flight.is_none()
                && !self.queue.is_empty()
                && (flushing || stopping || self.queue.len() >= MAX_BATCH);
            if ready {
                continue;
            }
            let mut wake = next_tick;
            if let Some(b) = &self.in_flight {
                wake = wake.min(b.next_attempt);
            }
            if let Some(d) = deadline {
                wake = wake.min(d);
            }
            std::thread::park_timeout(wake.saturating_duration_since(now));
        }
        self.report(None);
    }

    /// Queues the session's new records, dropping the oldest past [`MAX_QUEUED`].
    fn read(&mut self) {
        let observed = unix_nanos_now();
        let queue = &mut self.queue;
        let mut dropped = 0;
        let result = self.tail.read_new(&mut |rec| {
            if queue.len() >= MAX_QUEUED {
                queue.pop_front();
                dropped += 1;
            }
            queue.push_back(mapping::log_record(&rec, observed));
        });
        self.losses.dropped += dropped;
        match result {
            Ok(unreadable) => self.losses.unreadable += unreadable,
            Err(e) => self
                .losses
                .error(format!("cannot read the audit log back: {e}")),
        }
    }

    fn batch(&mut self, now: Instant) -> Batch {
        let n = self.queue.len().min(MAX_BATCH);
        let records: Vec<LogRecord> = self.queue.drain(..n).collect();
        let request = mapping::export_request(&self.resource, records);
        let body = match self.poster.protocol {
            Protocol::HttpProtobuf => request.encode_to_vec(),
            // The OTLP/JSON form of the same message; its types serialise only to valid JSON.
            Protocol::HttpJson => serde_json::to_vec(&request).unwrap_or_default(),
        };
        Batch {
            body,
            records: n as u64,
            attempts: 0,
            next_attempt: now,
        }
    }

    fn attempt(&mut self, deadline: Option<Instant>) {
        let Some(batch) = self.in_flight.as_mut() else {
            return;
        };
        let mut timeout = self.poster.timeout;
        if let Some(d) = deadline {
            timeout = timeout.min(d.saturating_duration_since(Instant::now()));
            if timeout.is_zero() {
                return;
            }
        }
        batch.attempts += 1;
        match self.poster.post(&batch.body, timeout) {
            Outcome::Delivered { rejected } => {
                if let Some((count, message)) = rejected {
                    self.losses.failed += count;
                    self.losses.error(format!(
                        "the collector rejected {count} record(s): {message}"
                    ));
                }
                self.in_flight = None;
            }
            Outcome::Retry { error, after } if batch.attempts < MAX_ATTEMPTS => {
                let wait = after.unwrap_or_else(|| backoff(batch.attempts));
                batch.next_attempt = Instant::now() + wait;
                // One failure that the next try may mend is not worth a report; a second is.
                if batch.attempts >= 2 {
                    self.losses.error(format!("{error} (retrying)"));
                } else {
                    self.losses.last_error = Some(format!("{error} (retrying)"));
                }
            }
            Outcome::Retry { error, .. } => {
                self.losses.failed += batch.records;
                self.losses
                    .error(format!("{error} (gave up after {MAX_ATTEMPTS} tries)"));
                self.in_flight = None;
            }
            Outcome::Refused { error } => {
                self.losses.failed += batch.records;
                self.losses.error(error);
                self.in_flight = None;
            }
        }
    }

    /// The deadline passed: what is still queued is not delivered.
    fn give_up(&mut self) {
        let left = self.queue.len() as u64 + self.in_flight.take().map_or(0, |b| b.records);
        self.queue.clear();
        if left > 0 {
            self.losses.failed += left;
            let error = match self.losses.last_error.take() {
                Some(e) => format!("{e}; the session ended before the rest could be sent"),
                None => "the session ended before the rest could be sent".to_owned(),
            };
            self.losses.error(error);
        }
    }

    /// A due report: on stderr, and (while the session writes its log) as an event for it.
    fn report(&mut self, now: Option<Instant>) {
        let Some(text) = self.losses.due(now) else {
            return;
        };
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "mcpward: {text}");
        if now.is_none() {
            return;
        }
        let event = Record {
            server: LOG_SERVER.into(),
            method: DROPPED_EVENT.into(),
            decision: "event".into(),
            detail: Some(text),
            ..Record::default()
        };
        if let Ok(mut slot) = self.shared.report.lock() {
            *slot = Some(event);
            self.shared.report_ready.store(true, Ordering::Release);
        }
    }
}

/// Wait before retry `attempt` (1 for the first retry): doubling from [`FIRST_BACKOFF`] up to
/// [`MAX_BACKOFF`], plus up to a quarter more so gateways that failed together do not retry
/// together.
fn backoff(attempt: u32) -> Duration {
    let base = FIRST_BACKOFF
        .saturating_mul(1 << attempt.saturating_sub(1).min(16))
        .min(MAX_BACKOFF);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    base + base / 4 * (nanos % 1000) / 1000
}

fn unix_nanos_now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()
        .and_then(|d| u64::try_from(d.as_nanos()).ok())
        .unwrap_or(0)
}

fn host_name() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}

/// What one export request came to.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// Accepted; with the count and message of records the collector rejected, if any.
    Delivered { rejected: Option<(u64, String)> },
    /// Worth another try: 429, 5xx, or no answer; `after` from `Retry-After`.
    Retry {
        error: String,
        after: Option<Duration>,
    },
    /// Not worth another try (4xx, a request that cannot be sent).
    Refused { error: String },
}

/// Posts encoded batches to the collector.
struct Poster {
    agent: ureq::Agent,
    endpoint: String,
    headers: Vec<(String, HeaderValue)>,
    protocol: Protocol,
    timeout: Duration,
}

impl Poster {
    fn new(config: &OtlpConfig) -> Poster {
        // The operating system's certificates, so a collector behind a company CA is trusted
        // as other programs on the machine trust it.
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls)
            .user_agent(concat!("mcpward/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Poster {
            agent,
            endpoint: config.endpoint.clone(),
            headers: config.headers.clone(),
            protocol: config.protocol,
            timeout: config.timeout,
        }
    }

    fn post(&self, body: &[u8], timeout: Duration) -> Outcome {
        let content_type = match self.protocol {
            Protocol::HttpProtobuf => "application/x-protobuf",
            Protocol::HttpJson => "application/json",
        };
        let mut request = self
            .agent
            .post(&self.endpoint)
            .header("Content-Type", content_type);
        for (name, value) in &self.headers {
            request = request.header(name, value.expose());
        }
        let response = request
            .config()
            .timeout_global(Some(timeout))
            .build()
            .send(body);
        let mut response = match response {
            Ok(r) => r,
            Err(e) if retryable(&e) => {
                return Outcome::Retry {
                    error: format!("no answer from the collector: {e}"),
                    after: None,
                };
            }
            Err(e) => {
                return Outcome::Refused {
                    error: format!("the request could not be sent: {e}"),
                };
            }
        };
        let status = response.status().as_u16();
        let after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER));
        let answer = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_vec()
            .unwrap_or_default();
        classify(status, after, &answer, self.protocol)
    }
}

/// The outcome of an answer with `status` and body `answer`.
fn classify(status: u16, after: Option<Duration>, answer: &[u8], protocol: Protocol) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered {
            rejected: partial_success(answer, protocol),
        },
        429 | 500..=599 => Outcome::Retry {
            error: format!("the collector answered {status}"),
            after,
        },
        _ => Outcome::Refused {
            error: format!(
                "the collector answered {status}: {}",
                printable(answer, 200)
            ),
        },
    }
}

/// Records the collector says it rejected in an accepted request (OTLP partial success).
fn partial_success(answer: &[u8], protocol: Protocol) -> Option<(u64, String)> {
    if answer.is_empty() {
        return None;
    }
    let response = match protocol {
        Protocol::HttpProtobuf => ExportLogsServiceResponse::decode(answer).ok()?,
        Protocol::HttpJson => serde_json::from_slice::<ExportLogsServiceResponse>(answer).ok()?,
    };
    let partial = response.partial_success?;
    let rejected = u64::try_from(partial.rejected_log_records).ok()?;
    (rejected > 0).then(|| (rejected, printable(partial.error_message.as_bytes(), 200)))
}

/// At most `max` characters of `bytes`, without control characters.
fn printable(bytes: &[u8], max: usize) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .filter(|c| !c.is_control())
        .take(max)
        .collect()
}

/// Errors where the collector may answer next time: it is down, unreachable or slow.
fn retryable(error: &ureq::Error) -> bool {
    matches!(
        error,
        ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::HostNotFound
            | ureq::Error::ConnectionFailed
            | ureq::Error::Protocol(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsPartialSuccess;

    #[test]
    fn too_many_requests_and_server_errors_are_retried() {
        for status in [429, 500, 502, 503, 504] {
            assert!(
                matches!(
                    classify(status, None, b"", Protocol::HttpProtobuf),
                    Outcome::Retry { .. }
                ),
                "{status}"
            );
        }
        assert_eq!(
            classify(503, Some(Duration::from_secs(3)), b"", Protocol::HttpJson),
            Outcome::Retry {
                error: "the collector answered 503".into(),
                after: Some(Duration::from_secs(3))
            }
        );
    }

    #[test]
    fn client_errors_are_not_retried() {
        for status in [400, 401, 403, 404, 413] {
            assert!(
                matches!(
                    classify(status, None, b"bad\nthing", Protocol::HttpProtobuf),
                    Outcome::Refused { .. }
                ),
                "{status}"
            );
        }
        assert_eq!(
            classify(401, None, b"no\ntoken", Protocol::HttpProtobuf),
            Outcome::Refused {
                error: "the collector answered 401: notoken".into()
            }
        );
    }

    #[test]
    fn partial_success_counts_rejected_records_in_both_encodings() {
        let response = ExportLogsServiceResponse {
            partial_success: Some(ExportLogsPartialSuccess {
                rejected_log_records: 3,
                error_message: "too old".into(),
            }),
        };
        let expected = Outcome::Delivered {
            rejected: Some((3, "too old".into())),
        };
        assert_eq!(
            classify(200, None, &response.encode_to_vec(), Protocol::HttpProtobuf),
            expected
        );
        let json = serde_json::to_vec(&response).unwrap();
        assert_eq!(classify(200, None, &json, Protocol::HttpJson), expected);
        assert_eq!(
            classify(200, None, b"", Protocol::HttpProtobuf),
            Outcome::Delivered { rejected: None }
        );
        assert_eq!(
            classify(200, None, b"{}", Protocol::HttpJson),
            Outcome::Delivered { rejected: None }
        );
    }

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let b1 = backoff(1);
        assert!(b1 >= FIRST_BACKOFF && b1 <= FIRST_BACKOFF * 5 / 4, "{b1:?}");
        let b2 = backoff(2);
        assert!(b2 >= FIRST_BACKOFF * 2, "{b2:?}");
        let b_late = backoff(30);
        assert!(
            b_late >= MAX_BACKOFF && b_late <= MAX_BACKOFF * 5 / 4,
            "{b_late:?}"
        );
    }

    #[test]
    fn reports_are_made_once_a_minute_at_most_and_only_when_something_changed() {
        let mut losses = Losses {
            endpoint: "http://c:4318/v1/logs".into(),
            ..Losses::default()
        };
        let t0 = Instant::now();
        assert_eq!(losses.due(Some(t0)), None);
        losses.dropped = 2;
        losses.error("no answer from the collector: connection refused".into());
        let text = losses.due(Some(t0)).unwrap();
        insta::assert_snapshot!(text, @"OTLP export to http://c:4318/v1/logs: since the session started, 2 record(s) dropped because the export queue was full, 0 not delivered; last error: no answer from the collector: connection refused");
        losses.failed = 5;
        assert_eq!(losses.due(Some(t0 + Duration::from_secs(30))), None);
        let later = losses.due(Some(t0 + REPORT_INTERVAL)).unwrap();
        assert!(later.contains("5 not delivered"), "{later}");
        assert_eq!(losses.due(Some(t0 + REPORT_INTERVAL * 3)), None);
        // The session's end says what is left, whatever the interval.
        losses.failed = 6;
        assert!(losses.due(None).unwrap().contains("6 not delivered"));
    }
}
