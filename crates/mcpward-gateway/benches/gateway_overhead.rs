//! What the gateway adds to a real server: per-call latency, pipelined throughput and its own
//! peak memory, against the official filesystem server.
//!
//! Run: `cargo bench -p mcpward-gateway --bench gateway_overhead` (needs
//! `npm ci --prefix tests/servers`). Direct and wrapped sessions run side by side in one process
//! and their calls are interleaved, so machine noise hits both equally. The gateway is this
//! bench binary re-executed with `--gateway-child`, running exactly what `mcpward run` runs;
//! `MCPWARD_BENCH_GATEWAY=target/release/mcpward` measures the shipped binary's `mcpward run`
//! instead (its code laid out for the gateway, see crates/mcpward/link/), without the allocation
//! count.
//!
//! The reference is `benches/bare_proxy.py`, a proxy that only copies lines (one read and one
//! write per line and direction): its calls are interleaved with the other two, and the gateway's
//! added latency is printed next to the bare proxy's, with their ratio.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use mcpward_gateway::proxy::{RunOptions, run_blocking};
use mcpward_testkit::{ReferenceServer, reference_server};
use serde_json::{Value, json};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

/// Counts heap allocations: the gateway child reports its total at exit.
#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

/// Calls per session when counting allocations (and twice as many in the second session).
const ALLOC_CALLS: usize = 500;

const LATENCY_CALLS: usize = 2000;
const PIPELINE_DEPTH: usize = 32;
const PIPELINE_ROUNDS: usize = 100;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--gateway-child") {
        gateway_child(&args);
        return;
    }
    if args.iter().any(|a| a == "--list") {
        // `cargo bench -- --list` and `cargo test --benches` probes.
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

    let mut direct = Session::spawn(Command::new(&server[0]).args(&server[1..]));
    let exe = std::env::current_exe().expect("bench executable");
    let log = root.join("audit.jsonl");
    // MCPWARD_BENCH_GATEWAY=/path/to/mcpward measures that binary's `mcpward run` (with its
    // default audit log in the state directory) instead of this bench re-executed; the
    // allocation count, which needs the bench's counting allocator, is then left out.
    let external = std::env::var_os("MCPWARD_BENCH_GATEWAY");
    let mut wrapped = match &external {
        Some(mcpward) => Session::spawn(
            Command::new(mcpward)
                .arg("run")
                .arg("--state-dir")
                .arg(root.join(".state"))
                .arg("--")
                .args(&server),
        ),
        None => Session::spawn(
            Command::new(&exe)
                .arg("--gateway-child")
                .arg(&log)
                .arg(root.join(".state"))
                .args(&server),
        ),
    };
    let bare_proxy = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/bare_proxy.py");
    let mut bare = Session::spawn(Command::new("python3").arg(bare_proxy).args(&server));
    direct.initialize();
    wrapped.initialize();
    bare.initialize();

    let small = json!({"name": "read_text_file", "arguments": {"path": root.join("small.txt")}});
    // Warm-up: JIT of the server, page cache, allocator.
    for _ in 0..200 {
        direct.call(&small);
        wrapped.call(&small);
        bare.call(&small);
    }

    let mut d = Vec::with_capacity(LATENCY_CALLS);
    let mut w = Vec::with_capacity(LATENCY_CALLS);
    let mut b = Vec::with_capacity(LATENCY_CALLS);
    for i in 0..LATENCY_CALLS {
        // Rotate which goes first so none always runs on a warmer cache.
        match i % 3 {
            0 => {
                d.push(direct.call(&small));
                w.push(wrapped.call(&small));
                b.push(bare.call(&small));
            }
            1 => {
                w.push(wrapped.call(&small));
                b.push(bare.call(&small));
                d.push(direct.call(&small));
            }
            _ => {
                b.push(bare.call(&small));
                d.push(direct.call(&small));
                w.push(wrapped.call(&small));
            }
        }
    }
    d.sort();
    w.sort();
    b.sort();
    let added = |s: &[Duration], q: f64| micros(pct(s, q)) as i128 - micros(pct(&d, q)) as i128;
    let diffs = [added(&w, 0.5), added(&w, 0.99)];
    let bare_diffs = [added(&b, 0.5), added(&b, 0.99)];

    let mut d_total = Duration::ZERO;
    let mut w_total = Duration::ZERO;
    let mut b_total = Duration::ZERO;
    for round in 0..PIPELINE_ROUNDS {
        match round % 3 {
            0 => {
                d_total += direct.pipelined(&small, PIPELINE_DEPTH);
                w_total += wrapped.pipelined(&small, PIPELINE_DEPTH);
                b_total += bare.pipelined(&small, PIPELINE_DEPTH);
            }
            1 => {
                w_total += wrapped.pipelined(&small, PIPELINE_DEPTH);
                b_total += bare.pipelined(&small, PIPELINE_DEPTH);
                d_total += direct.pipelined(&small, PIPELINE_DEPTH);
            }
            _ => {
                b_total += bare.pipelined(&small, PIPELINE_DEPTH);
                d_total += direct.pipelined(&small, PIPELINE_DEPTH);
                w_total += wrapped.pipelined(&small, PIPELINE_DEPTH);
            }
        }
    }
    let calls = (PIPELINE_ROUNDS * PIPELINE_DEPTH) as f64;
    let d_rate = calls / d_total.as_secs_f64();
    let w_rate = calls / w_total.as_secs_f64();
    let b_rate = calls / b_total.as_secs_f64();

    // CPU the gateway process spent (all its threads), per small call: unlike wall-clock
    // latency this barely moves when other work shares the machine.
    let small_calls = 400 + LATENCY_CALLS + PIPELINE_ROUNDS * PIPELINE_DEPTH;
    let cpu_per_call = cpu_micros(wrapped.child.id()) / small_calls as f64;

    let big = json!({"name": "read_text_file", "arguments": {"path": root.join("big.txt")}});
    let before = vm_hwm_kib(wrapped.child.id());
    // The resident set splits into the binary's and libraries' pages (shared, clean, mapped
    // from the page cache; how many depends on what the kernel maps around each fault) and the
    // process's own memory.
    let file_backed = status_kib(wrapped.child.id(), "RssFile:");
    let private = status_kib(wrapped.child.id(), "RssAnon:");
    for _ in 0..5 {
        wrapped.call(&big);
    }
    let after = vm_hwm_kib(wrapped.child.id());

    // Heap allocations per call, a machine-independent figure: two gateway sessions that differ
    // only in the number of calls; the difference divided by the extra calls leaves out start-up.
    let ping = json!({});
    let allocs = |method: &str, params: &Value| {
        let mut totals = Vec::new();
        for calls in [ALLOC_CALLS, 2 * ALLOC_CALLS] {
            let counted = root.join(format!("allocs-{method}-{calls}").replace('/', "-"));
            let mut s = Session::spawn(
                Command::new(&exe)
                    .env("MCPWARD_BENCH_ALLOCS", &counted)
                    .arg("--gateway-child")
                    .arg(&log)
                    .arg(root.join(".state"))
                    .args(&server),
            );
            s.initialize();
            for _ in 0..calls {
                s.request(method, params);
            }
            s.close();
            let text = std::fs::read_to_string(&counted).expect("allocation count");
            totals.push(text.trim().parse::<f64>().expect("a number"));
        }
        (totals[1] - totals[0]) / ALLOC_CALLS as f64
    };
    let allocations = match external {
        None => format!(
            "{:.1} for tools/call read_text_file, {:.1} for ping",
            allocs("tools/call", &small),
            allocs("ping", &ping)
        ),
        Some(_) => "not counted (an external gateway binary has no counting allocator)".to_owned(),
    };

    let report = format!(
        "tools/call read_text_file (small file), {LATENCY_CALLS} calls each, interleaved\n\
         direct  p50 {:>7} µs  p99 {:>7} µs\n\
         wrapped p50 {:>7} µs  p99 {:>7} µs\n\
         bare    p50 {:>7} µs  p99 {:>7} µs\n\
         added   p50 {:>7} µs  p99 {:>7} µs   (mcpward)\n\
         added   p50 {:>7} µs  p99 {:>7} µs   (bare line-copying proxy)\n\
         added p50, mcpward / bare proxy: {}\n\
         pipelined ({PIPELINE_DEPTH} in flight, {PIPELINE_ROUNDS} rounds): direct {:.0} calls/s, wrapped {:.0} calls/s ({:.1}% of direct), bare proxy {:.0} calls/s ({:.1}% of direct)\n\
         gateway CPU (user+sys, all threads incl. audit log) per call: {:.1} µs\n\
         gateway peak RSS (VmHWM): {} KiB after the session, {} KiB after five 1 MiB results (resident after the session: {} KiB file-backed code and data, {} KiB private)\n\
         gateway heap allocations per round trip: {}\n",
        micros(pct(&d, 0.5)),
        micros(pct(&d, 0.99)),
        micros(pct(&w, 0.5)),
        micros(pct(&w, 0.99)),
        micros(pct(&b, 0.5)),
        micros(pct(&b, 0.99)),
        diffs[0],
        diffs[1],
        bare_diffs[0],
        bare_diffs[1],
        if bare_diffs[0] > 0 {
            format!("{:.2}", diffs[0] as f64 / bare_diffs[0] as f64)
        } else {
            "n/a (the bare proxy added nothing measurable)".to_owned()
        },
        d_rate,
        w_rate,
        100.0 * w_rate / d_rate,
        b_rate,
        100.0 * b_rate / d_rate,
        cpu_per_call,
        before,
        after,
        file_backed,
        private,
        allocations,
    );
    let _ = std::io::stdout().write_all(report.as_bytes());
    direct.close();
    wrapped.close();
    bare.close();
}

/// The re-executed gateway: `--gateway-child LOG STATE server…`.
fn gateway_child(args: &[String]) {
    let at = args
        .iter()
        .position(|a| a == "--gateway-child")
        .unwrap_or(0);
    let log = &args[at + 1];
    let state = &args[at + 2];
    let command = &args[at + 3];
    let rest = args[at + 4..].iter().map(Into::into).collect();
    let mut opts = RunOptions::new(command, rest);
    // As `mcpward run` does: the directories on the launch line are the server's roots.
    let cwd = std::env::current_dir().expect("working directory");
    opts.roots = mcpward_gateway::paths::launch_roots(&opts.args, &cwd);
    // MCPWARD_BENCH_NO_LOG=1 isolates the cost of the audit log from the proxy's own.
    if std::env::var_os("MCPWARD_BENCH_NO_LOG").is_none() {
        opts.log_path = Some(log.into());
    }
    opts.state_dir = state.into();
    let code = run_blocking(opts).unwrap_or(2);
    if let Some(path) = std::env::var_os("MCPWARD_BENCH_ALLOCS") {
        let _ = std::fs::write(path, GLOBAL.stats().allocations.to_string());
    }
    std::process::exit(code);
}

struct Session {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
    line: String,
}

impl Session {
    fn spawn(cmd: &mut Command) -> Session {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::with_capacity(1 << 20, child.stdout.take().expect("stdout"));
        Session {
            child,
            stdin,
            stdout,
            next_id: 0,
            line: String::new(),
        }
    }

    fn send(&mut self, method: &str, params: &Value) {
        self.next_id += 1;
        let frame =
            json!({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params});
        let mut bytes = frame.to_string().into_bytes();
        bytes.push(b'\n');
        self.stdin.write_all(&bytes).expect("write");
    }

    fn read_response(&mut self) {
        loop {
            self.line.clear();
            let n = self.stdout.read_line(&mut self.line).expect("read");
            assert!(n > 0, "peer closed");
            // Responses carry "result"/"error" and no "method"; skip notifications.
            if !self.line.contains("\"method\"") {
                assert!(
                    !self.line.contains("\"isError\":true"),
                    "call failed: {}",
                    self.line
                );
                return;
            }
        }
    }

    fn initialize(&mut self) {
        self.send(
            "initialize",
            &json!({"protocolVersion": "2025-06-18", "capabilities": {},
                    "clientInfo": {"name": "bench", "version": "0"}}),
        );
        self.stdin.flush().expect("flush");
        self.read_response();
        self.stdin
            .write_all(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n")
            .expect("write");
        self.send("tools/list", &json!({}));
        self.stdin.flush().expect("flush");
        self.read_response();
    }

    fn call(&mut self, params: &Value) -> Duration {
        self.request("tools/call", params)
    }

    fn request(&mut self, method: &str, params: &Value) -> Duration {
        let start = Instant::now();
        self.send(method, params);
        self.stdin.flush().expect("flush");
        self.read_response();
        start.elapsed()
    }

    fn pipelined(&mut self, params: &Value, depth: usize) -> Duration {
        let start = Instant::now();
        for _ in 0..depth {
            self.send("tools/call", params);
        }
        self.stdin.flush().expect("flush");
        for _ in 0..depth {
            self.read_response();
        }
        start.elapsed()
    }

    fn close(mut self) {
        drop(self.stdin);
        let _ = self.child.wait();
    }
}

fn pct(sorted: &[Duration], q: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn micros(d: Duration) -> u128 {
    d.as_micros()
}

/// utime + stime of a process, in microseconds (from /proc/<pid>/stat, clock ticks of 10 ms).
fn cpu_micros(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the name.
    (ticks(11) + ticks(12)) * 10_000.0
}

fn vm_hwm_kib(pid: u32) -> u64 {
    status_kib(pid, "VmHWM:")
}

/// A `/proc/PID/status` figure in KiB (0 when unreadable).
fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("status"))
        .unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
