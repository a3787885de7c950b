//! Throughput and recall of `Detector::scan_text` on ~100 MB of config-like text.
//!
//! `cargo bench -p mcpward-secrets --bench throughput` prints MB/s (best of several runs, one
//! thread) and how many planted fake secrets were found. With `--write-corpus <file>` it writes
//! the same corpus to `<file>` and the planted secrets' line numbers to `<file>.planted` instead,
//! so other scanners can be measured on identical input (see scripts/bench-secrets.sh).
//! `--mb <n>` changes the corpus size; `--scan-file <file>` measures throughput on any file
//! instead (no recall: nothing is planted there).
#![allow(clippy::print_stdout, clippy::disallowed_macros)] // a bench reports on stdout

#[path = "support/corpus.rs"]
mod corpus;

use std::time::{Duration, Instant};

use mcpward_secrets::Detector;

const RUNS: usize = 5;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let value_of = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let megabytes: usize = value_of("--mb").and_then(|v| v.parse().ok()).unwrap_or(100);
    let corpus = match value_of("--scan-file") {
        Some(path) => corpus::Corpus {
            text: String::from_utf8_lossy(&std::fs::read(path)?).into_owned(),
            planted: Vec::new(),
        },
        None => corpus::generate(megabytes * 1_000_000),
    };

    if let Some(path) = value_of("--write-corpus") {
        std::fs::write(&path, &corpus.text)?;
        let lines: String = corpus
            .planted
            .iter()
            .map(|p| format!("{} {}\n", p.line, p.kind))
            .collect();
        std::fs::write(format!("{path}.planted"), lines)?;
        println!(
            "wrote {} bytes and {} planted secrets to {path}",
            corpus.text.len(),
            corpus.planted.len()
        );
        return Ok(());
    }

    let detector = Detector::new();
    let mut best = Duration::MAX;
    let mut best_cpu = Duration::MAX;
    let mut found = Vec::new();
    for _ in 0..RUNS {
        let cpu_before = thread_cpu_time();
        let started = Instant::now();
        found = detector.scan_text(std::hint::black_box(&corpus.text));
        best = best.min(started.elapsed());
        if let (Some(before), Some(after)) = (cpu_before, thread_cpu_time()) {
            best_cpu = best_cpu.min(after.saturating_sub(before));
        }
    }
    let mb = corpus.text.len() as f64 / 1e6;
    let recalled = corpus
        .planted
        .iter()
        .filter(|p| {
            found
                .iter()
                .any(|m| m.range.start < p.range.end && p.range.start < m.range.end)
        })
        .count();
    let right_kind = corpus
        .planted
        .iter()
        .filter(|p| {
            found.iter().any(|m| {
                m.kind == p.kind && m.range.start < p.range.end && p.range.start < m.range.end
            })
        })
        .count();
    let extra = found
        .iter()
        .filter(|m| {
            !corpus
                .planted
                .iter()
                .any(|p| m.range.start < p.range.end && p.range.start < m.range.end)
        })
        .count();
    let missed_planted: Vec<&corpus::Planted> = corpus
        .planted
        .iter()
        .filter(|p| {
            !found
                .iter()
                .any(|m| m.range.start < p.range.end && p.range.start < m.range.end)
        })
        .collect();
    let missed: std::collections::BTreeSet<&str> = missed_planted.iter().map(|p| p.kind).collect();
    println!(
        "corpus: {mb:.1} MB, {} planted secrets",
        corpus.planted.len()
    );
    println!(
        "mcpward-secrets scan_text: best of {RUNS}: {:.3} s = {:.0} MB/s (one thread)",
        best.as_secs_f64(),
        mb / best.as_secs_f64()
    );
    if best_cpu != Duration::MAX {
        println!(
            "  on-CPU time of the scanning thread: {:.3} s = {:.0} MB/s (excludes time waiting for a core on a busy machine)",
            best_cpu.as_secs_f64(),
            mb / best_cpu.as_secs_f64()
        );
    }
    println!(
        "recall: {recalled}/{} planted found ({right_kind} with the planted kind); {extra} other matches; missed kinds: {missed:?}",
        corpus.planted.len()
    );
    for p in missed_planted.iter().take(5) {
        let line = corpus.text.lines().nth(p.line - 1).unwrap_or_default();
        println!("  missed line {} ({}): {line}", p.line, p.kind);
    }
    Ok(())
}

/// Time this thread has spent on a CPU (Linux `/proc/thread-self/schedstat`), so that a busy
/// shared machine does not distort the figure; `None` elsewhere.
fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}
