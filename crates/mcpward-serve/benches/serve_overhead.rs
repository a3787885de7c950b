//! What `mcpward serve` adds in front of a real Streamable HTTP server (the official everything
//! server): per-call latency against calling the server directly, requests per second with 64
//! concurrent clients, and the memory an idle keep-alive connection costs.
//!
//! Run: `cargo bench -p mcpward-serve --bench serve_overhead` (needs
//! `npm ci --prefix tests/servers`). Direct and gateway calls (`tools/call echo`, the route's
//! policy allows it, and trusts the server's read-only annotation so no call waits for an fsync)
//! are interleaved in one run, so machine noise hits both alike. The gateway is this bench binary
//! re-executed with `--serve-child`, running exactly what `mcpward serve` runs.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const LATENCY_CALLS: usize = 1000;
const CONCURRENT_CLIENTS: usize = 64;
const THROUGHPUT_CALLS: usize = 4000;
const IDLE_CONNECTIONS: usize = 200;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(pos) = args.iter().position(|a| a == "--serve-child") {
        serve_child(&args[pos + 1]);
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../../tests/servers/node_modules/@modelcontextprotocol/server-everything/dist/index.js",
    );
    assert!(
        script.exists(),
        "needs the pinned everything server: npm ci --prefix tests/servers"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let mut upstream = Killed(
        Command::new("node")
            .arg(&script)
            .arg("streamableHttp")
            .env("PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start node"),
    );
    wait_for_port(port);
    let upstream_url = format!("http://127.0.0.1:{port}/mcp");
    std::fs::write(
        dir.path().join("policy.toml"),
        "[defaults]\nmode = \"allow\"\ntrusted_servers = [\"everything\"]\n",
    )
    .expect("policy");
    let config = dir.path().join("serve.toml");
    std::fs::write(
        &config,
        format!(
            "state_dir = \"state\"\nlog = \"audit.jsonl\"\n[listen]\naddr = \"127.0.0.1:0\"\nrate_per_minute = 1000000\n[[route]]\nname = \"everything\"\nurl = \"{upstream_url}\"\npolicy = \"policy.toml\"\n"
        ),
    )
    .expect("config");
    let exe = std::env::current_exe().expect("bench executable");
    let mut gateway = Killed(
        Command::new(exe)
            .arg("--serve-child")
            .arg(&config)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the gateway"),
    );
    let mut line = String::new();
    BufReader::new(gateway.0.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    let base = line.trim().to_owned();
    let gateway_url = format!("{base}/mcp/everything");
    let gateway_pid = gateway.0.id();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let _ = rustls::crypto::ring::default_provider().install_default();
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(CONCURRENT_CLIENTS * 2)
            .build()
            .expect("client");
        let direct = Session::open(&client, &upstream_url).await;
        let through = Session::open(&client, &gateway_url).await;
        // Warm up both paths.
        for _ in 0..50 {
            direct.echo(&client).await;
            through.echo(&client).await;
        }
        let mut d = Vec::with_capacity(LATENCY_CALLS);
        let mut g = Vec::with_capacity(LATENCY_CALLS);
        for i in 0..LATENCY_CALLS {
            // Alternate which goes first, so neither always meets a warmer cache.
            if i % 2 == 0 {
                d.push(direct.echo(&client).await);
                g.push(through.echo(&client).await);
            } else {
                g.push(through.echo(&client).await);
                d.push(direct.echo(&client).await);
            }
        }
        let (dp50, dp99) = percentiles(&mut d);
        let (gp50, gp99) = percentiles(&mut g);
        let mut out = std::io::stdout();
        let _ = writeln!(
            out,
            "tools/call echo, {LATENCY_CALLS} calls each, interleaved, one client, keep-alive:"
        );
        let _ = writeln!(
            out,
            "  direct to the server:  p50 {:>7.0} µs  p99 {:>7.0} µs",
            dp50, dp99
        );
        let _ = writeln!(
            out,
            "  through mcpward serve: p50 {:>7.0} µs  p99 {:>7.0} µs",
            gp50, gp99
        );
        let _ = writeln!(
            out,
            "  added by mcpward serve: p50 {:>6.0} µs  p99 {:>7.0} µs",
            gp50 - dp50,
            gp99 - dp99
        );
        for (label, session) in [("direct", &direct), ("mcpward serve", &through)] {
            let started = Instant::now();
            let per_client = THROUGHPUT_CALLS / CONCURRENT_CLIENTS;
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..CONCURRENT_CLIENTS {
                let client = client.clone();
                let session = session.clone();
                tasks.spawn(async move {
                    for _ in 0..per_client {
                        session.echo(&client).await;
                    }
                });
            }
            while tasks.join_next().await.is_some() {}
            let secs = started.elapsed().as_secs_f64();
            let _ = writeln!(
                out,
                "{CONCURRENT_CLIENTS} concurrent clients, {} calls, {label}: {:.0} requests/s",
                per_client * CONCURRENT_CLIENTS,
                (per_client * CONCURRENT_CLIENTS) as f64 / secs
            );
        }
    });

    // Idle keep-alive connections: each sends one request, reads its answer, and stays open.
    let before = vm_rss_kib(gateway_pid);
    let host = base.trim_start_matches("http://").to_owned();
    let mut idle = Vec::with_capacity(IDLE_CONNECTIONS);
    for _ in 0..IDLE_CONNECTIONS {
        idle.push(open_idle(&host));
    }
    std::thread::sleep(Duration::from_millis(500));
    let after = vm_rss_kib(gateway_pid);
    let mut out = std::io::stdout();
    let _ = writeln!(
        out,
        "{IDLE_CONNECTIONS} idle keep-alive connections: VmRSS {before} KiB -> {after} KiB, {:.1} KiB per connection",
        (after.saturating_sub(before)) as f64 / IDLE_CONNECTIONS as f64
    );
    drop(idle);
    let _ = gateway.0.kill();
    let _ = upstream.0.kill();
}

/// A client session with one endpoint: a 2025 client (`initialize`, then its session id).
#[derive(Clone)]
struct Session {
    url: String,
    session: String,
}

impl Session {
    async fn open(client: &reqwest::Client, url: &str) -> Session {
        let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "bench", "version": "0"}}});
        let resp = client
            .post(url)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .body(init.to_string())
            .send()
            .await
            .expect("initialize");
        let session = resp
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .expect("a session id")
            .to_owned();
        let _ = resp.bytes().await;
        let s = Session {
            url: url.to_owned(),
            session,
        };
        let _ = s
            .post(
                client,
                json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            )
            .await;
        s
    }

    async fn post(&self, client: &reqwest::Client, body: Value) -> String {
        let resp = client
            .post(&self.url)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .header("Mcp-Session-Id", &self.session)
            .header("MCP-Protocol-Version", "2025-11-25")
            .body(body.to_string())
            .send()
            .await
            .expect("POST");
        resp.text().await.unwrap_or_default()
    }

    /// One `tools/call echo`; its latency in µs.
    async fn echo(&self, client: &reqwest::Client) -> f64 {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "echo", "arguments": {"message": "hello"}}});
        let started = Instant::now();
        let text = self.post(client, body).await;
        let micros = started.elapsed().as_secs_f64() * 1e6;
        assert!(text.contains("Echo: hello"), "unexpected answer: {text}");
        micros
    }
}

fn percentiles(samples: &mut [f64]) -> (f64, f64) {
    samples.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    (at(0.50), at(0.99))
}

/// A connection that made one request (a 2026-07-28 `ping`) and stays open, idle.
fn open_idle(host: &str) -> TcpStream {
    let mut s = TcpStream::connect(host).expect("connect");
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}}}})
    .to_string();
    let request = format!(
        "POST /mcp/everything HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nMCP-Protocol-Version: 2026-07-28\r\nMcp-Method: ping\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(request.as_bytes()).expect("send");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    // Read the answer's first bytes; the connection then idles with keep-alive.
    let mut buf = [0u8; 4096];
    let _ = s.read(&mut buf);
    s
}

fn vm_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn serve_child(config: &str) {
    let config = mcpward_serve::ServeConfig::load(Path::new(config)).expect("config");
    mcpward_serve::run_blocking(config, |ready| {
        let mut out = std::io::stdout();
        let _ = writeln!(out, "{}", ready.base_url());
        let _ = out.flush();
    })
    .expect("serve");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the server did not listen on {port}");
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
