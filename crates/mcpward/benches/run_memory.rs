//! Peak memory of the real `mcpward run` binary in front of the official filesystem server.
//!
//! Run: `cargo bench -p mcpward --bench run_memory` (needs `npm ci --prefix tests/servers`).
//! Starts `mcpward run` (built with the bench profile, which is the release profile and its
//! hot-code layout) and, side by side, the bare line-copying proxy of the gateway bench as a
//! reference; both relay the same session: handshake, tool listing, 500 reads of a small file,
//! then five reads of a 1 MiB file. Prints each process's peak resident set (VmHWM) and what it
//! is made of (pages mapped from the binary and libraries, and private memory), five sessions
//! each, with the ratio of the medians.
//!
//! `MCPWARD_BASELINE=/path/to/another/mcpward` adds that binary as a third column (for
//! before/after tables: build the older commit in a second checkout).

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use mcpward_testkit::{ReferenceServer, reference_server};
use serde_json::{Value, json};

const SESSIONS: usize = 5;
const SMALL_READS: usize = 500;
const BIG_READS: usize = 5;

/// Figures of one session, in KiB.
#[derive(Clone, Copy, Default)]
struct Figures {
    /// VmHWM after the small reads.
    session: u64,
    /// VmHWM after the 1 MiB reads.
    peak: u64,
    /// RssFile / RssAnon after the small reads.
    file: u64,
    private: u64,
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical tempdir");
    std::fs::write(root.join("small.txt"), "a small file\n").expect("write small file");
    std::fs::write(root.join("big.txt"), "x".repeat(1 << 20)).expect("write big file");
    let (node, server_args) = reference_server(ReferenceServer::Filesystem);
    let mut server: Vec<String> = vec![node.to_string_lossy().into_owned()];
    server.extend(server_args.iter().map(|a| a.to_string_lossy().into_owned()));
    server.push(root.display().to_string());

    let mcpward = PathBuf::from(env!("CARGO_BIN_EXE_mcpward"));
    let bare =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../mcpward-gateway/benches/bare_proxy.py");
    let baseline = std::env::var_os("MCPWARD_BASELINE").map(PathBuf::from);

    let gateway = |exe: &Path, i: usize| {
        let mut cmd = Command::new(exe);
        cmd.arg("run")
            .arg("--state-dir")
            .arg(root.join(format!(".state-{i}")))
            .arg("--")
            .args(&server);
        cmd
    };
    let mut columns: Vec<(String, Vec<Figures>)> = vec![
        ("mcpward run".into(), Vec::new()),
        ("bare proxy".into(), Vec::new()),
    ];
    if baseline.is_some() {
        columns.push(("baseline".into(), Vec::new()));
    }
    for i in 0..SESSIONS {
        // Alternate the order so neither side always runs on a warmer page cache.
        let mut order: Vec<usize> = (0..columns.len()).collect();
        if i % 2 == 1 {
            order.reverse();
        }
        for c in order {
            let mut cmd = match c {
                0 => gateway(&mcpward, i),
                1 => {
                    let mut cmd = Command::new("python3");
                    cmd.arg(&bare).args(&server);
                    cmd
                }
                _ => gateway(baseline.as_deref().expect("baseline"), i + SESSIONS),
            };
            let figures = session(&mut cmd, &root);
            columns[c].1.push(figures);
        }
    }

    let mut report = format!(
        "peak RSS (VmHWM), {SESSIONS} sessions each: {SMALL_READS} reads of a small file, then {BIG_READS} reads of a 1 MiB file\n"
    );
    for (name, runs) in &columns {
        let med = |f: fn(&Figures) -> u64| median(runs.iter().map(f).collect());
        let peaks: Vec<String> = runs.iter().map(|r| r.peak.to_string()).collect();
        let _ = writeln!(
            report,
            "{name:<12} after the small reads {:>6} KiB ({:>6} KiB mapped from files, {:>6} KiB private); after the 1 MiB reads {:>6} KiB = {:.1} MiB (runs: {})",
            med(|r| r.session),
            med(|r| r.file),
            med(|r| r.private),
            med(|r| r.peak),
            med(|r| r.peak) as f64 / 1024.0,
            peaks.join(", ")
        );
    }
    let peak = |c: usize| median(columns[c].1.iter().map(|r| r.peak).collect()) as f64;
    let _ = writeln!(
        report,
        "mcpward run / bare proxy, peak after the 1 MiB reads: {:.2}",
        peak(0) / peak(1)
    );
    if baseline.is_some() {
        let _ = writeln!(
            report,
            "mcpward run / baseline, peak after the 1 MiB reads: {:.2}",
            peak(0) / peak(2)
        );
    }
    let _ = std::io::stdout().write_all(report.as_bytes());
}

fn session(cmd: &mut Command, root: &Path) -> Figures {
    let mut child: Child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the gateway");
    let pid = child.id();
    let mut input: ChildStdin = child.stdin.take().expect("stdin");
    let mut output = BufReader::new(child.stdout.take().expect("stdout"));
    let mut id = 0u64;
    let mut request = |method: &str, params: Value| {
        id += 1;
        let line = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        writeln!(input, "{line}").expect("write request");
        input.flush().expect("flush");
        let mut reply = String::new();
        loop {
            reply.clear();
            assert!(
                output.read_line(&mut reply).expect("read reply") > 0,
                "the gateway closed its output"
            );
            if serde_json::from_str::<Value>(&reply)
                .ok()
                .and_then(|v| v.get("id").and_then(Value::as_u64))
                == Some(id)
            {
                return;
            }
        }
    };
    request(
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}),
    );
    request("tools/list", json!({}));
    let read =
        |file: &str| json!({"name": "read_text_file", "arguments": {"path": root.join(file)}});
    for _ in 0..SMALL_READS {
        request("tools/call", read("small.txt"));
    }
    let mut figures = Figures {
        session: status_kib(pid, "VmHWM:"),
        file: status_kib(pid, "RssFile:"),
        private: status_kib(pid, "RssAnon:"),
        ..Figures::default()
    };
    for _ in 0..BIG_READS {
        request("tools/call", read("big.txt"));
    }
    figures.peak = status_kib(pid, "VmHWM:");
    drop(input);
    let _ = child.wait();
    figures
}

fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v[v.len() / 2]
}
