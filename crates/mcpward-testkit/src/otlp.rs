//! The `otlp_collector` binary as a test sees it: started on a free port, its received log
//! records read back as JSON, killed when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::bins::testkit_server;

/// A running `otlp_collector`.
#[derive(Debug)]
pub struct OtlpCollector {
    child: Child,
    /// Base endpoint, `http://127.0.0.1:PORT` (the exporter appends `/v1/logs`).
    pub endpoint: String,
    out: PathBuf,
}

impl OtlpCollector {
    /// Starts a collector writing what it receives under `dir`, with extra `args`
    /// (`--fail-first N`, `--delay-ms N`).
    ///
    /// # Panics
    /// When the collector cannot be started or does not print its address.
    pub fn start(dir: &Path, args: &[&str]) -> OtlpCollector {
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        let out = dir.join(format!("collector-{}-{n}.jsonl", std::process::id()));
        let mut child = Command::new(testkit_server("otlp_collector"))
            .arg("--out")
            .arg(&out)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the testkit OTLP collector");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("collector stdout"))
            .read_line(&mut line)
            .expect("collector address");
        OtlpCollector {
            child,
            endpoint: line.trim().to_owned(),
            out,
        }
    }

    /// The log records received so far, one JSON object each (see the binary's docs).
    pub fn records(&self) -> Vec<Value> {
        read_lines(&self.out)
    }

    /// The answers given so far: `{"status":…,"records":…}` per request.
    pub fn requests(&self) -> Vec<Value> {
        read_lines(&self.out.with_extension("jsonl.requests"))
    }

    /// Waits until at least `count` records arrived (or `timeout` passed); returns them.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let records = self.records();
            if records.len() >= count || start.elapsed() >= timeout {
                return records;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for OtlpCollector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}
