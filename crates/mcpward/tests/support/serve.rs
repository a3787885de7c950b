//! Real processes for the `mcpward serve` tests: gateway instances, the official everything
//! server in Streamable HTTP mode, nginx in front, and HTTP clients of both protocol eras.
//! Every child is killed when its handle is dropped.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A port nobody listens on at the moment.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// Waits until something accepts connections on `port`.
pub fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on 127.0.0.1:{port} within 30 s");
}

/// A child process killed on drop.
pub struct Proc {
    pub child: Child,
    pub name: &'static str,
}

impl Proc {
    /// Sends SIGTERM and waits for the exit (a gateway then closes its audit log).
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status();
        }
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                return self.child.wait().expect("wait for the child");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The official everything server, `streamableHttp` mode, on a free port (`PORT`), endpoint
/// `/mcp`.
pub fn everything_server() -> (Proc, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../../tests/servers/node_modules/@modelcontextprotocol/server-everything/dist/index.js",
    );
    assert!(
        script.exists(),
        "the pinned everything server is missing ({}); run ./scripts/test.sh (npm ci --prefix tests/servers)",
        script.display()
    );
    let port = free_port();
    let child = Command::new("node")
        .arg(&script)
        .arg("streamableHttp")
        .env("PORT", port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start node");
    let proc = Proc {
        child,
        name: "everything",
    };
    wait_for_port(port, "the everything server");
    (proc, format!("http://127.0.0.1:{port}/mcp"))
}

/// A started `mcpward serve`: its first stdout line gives its address.
pub struct Instance {
    pub proc: Proc,
    pub base: String,
    pub log: PathBuf,
    /// The line it printed when it started listening.
    pub line: String,
}

impl Instance {
    /// `mcpward serve --config CONFIG --listen 127.0.0.1:0 --log LOG`, with `env`.
    pub fn start(config: &Path, log: &Path, env: &[(&str, &str)]) -> Instance {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mcpward"))
            .arg("serve")
            .arg("--config")
            .arg(config)
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--log")
            .arg(log)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start mcpward serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the listening line");
        let base = line
            .split("listening on ")
            .nth(1)
            .and_then(|r| r.split(';').next())
            .unwrap_or_else(|| panic!("mcpward serve did not start: {line:?}"))
            .to_owned();
        Instance {
            proc: Proc {
                child,
                name: "mcpward serve",
            },
            base,
            log: log.to_path_buf(),
            line: line.trim_end().to_owned(),
        }
    }

    /// `BASE/mcp/ROUTE`.
    pub fn url(&self, route: &str) -> String {
        format!("{}/mcp/{route}", self.base)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.base
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a port")
    }
}

/// nginx on loopback, round robin over `backends`, as an ordinary load balancer.
pub struct Nginx {
    pub proc: Proc,
    pub port: u16,
}

/// How to get nginx when it is missing.
pub const NGINX_HINT: &str = "nginx is needed for the load-balancer test: install it (Debian/Ubuntu: apt-get install nginx; ./scripts/test.sh does), or set MCPWARD_SKIP_NGINX=1 to skip this test";

/// The nginx binary, or `None` when the test is to be skipped (MCPWARD_SKIP_NGINX=1).
pub fn nginx_binary() -> Option<PathBuf> {
    for candidate in [
        "/usr/sbin/nginx",
        "/usr/local/sbin/nginx",
        "/usr/local/bin/nginx",
    ] {
        if Path::new(candidate).exists() {
            return Some(PathBuf::from(candidate));
        }
    }
    if let Ok(out) = Command::new("sh").args(["-c", "command -v nginx"]).output()
        && out.status.success()
    {
        let p = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if !p.is_empty() {
            return Some(PathBuf::from(p));
        }
    }
    if std::env::var("MCPWARD_SKIP_NGINX").is_ok_and(|v| v == "1") {
        return None;
    }
    panic!("{NGINX_HINT}");
}

impl Nginx {
    /// nginx on `port` (chosen beforehand: the instances must accept it in `Host`).
    pub fn start_on(binary: &Path, dir: &Path, port: u16, backends: &[u16]) -> Nginx {
        let prefix = dir.join("nginx");
        std::fs::create_dir_all(prefix.join("logs")).unwrap();
        let servers: String = backends
            .iter()
            .map(|p| format!("    server 127.0.0.1:{p};\n"))
            .collect();
        let conf = format!(
            "worker_processes 1;\n\
             pid {pid};\n\
             error_log {err} warn;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n\
               access_log off;\n\
               client_body_temp_path {tmp}/body;\n\
               proxy_temp_path {tmp}/proxy;\n\
               fastcgi_temp_path {tmp}/fastcgi;\n\
               uwsgi_temp_path {tmp}/uwsgi;\n\
               scgi_temp_path {tmp}/scgi;\n\
               upstream mcpward {{\n{servers}  }}\n\
               server {{\n\
                 listen 127.0.0.1:{port};\n\
                 location / {{\n\
                   proxy_pass http://mcpward;\n\
                   proxy_http_version 1.1;\n\
                   proxy_set_header Connection \"\";\n\
                   proxy_set_header Host $http_host;\n\
                   proxy_buffering off;\n\
                   proxy_read_timeout 300s;\n\
                   proxy_next_upstream off;\n\
                 }}\n\
               }}\n\
             }}\n",
            pid = prefix.join("nginx.pid").display(),
            err = prefix.join("logs/error.log").display(),
            tmp = prefix.display(),
        );
        std::fs::write(prefix.join("nginx.conf"), conf).unwrap();
        let child = Command::new(binary)
            .arg("-p")
            .arg(&prefix)
            .arg("-c")
            .arg(prefix.join("nginx.conf"))
            .arg("-g")
            .arg("daemon off;")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start nginx");
        let proc = Proc {
            child,
            name: "nginx",
        };
        wait_for_port(port, "nginx");
        Nginx { proc, port }
    }

    pub fn url(&self, route: &str) -> String {
        format!("http://127.0.0.1:{}/mcp/{route}", self.port)
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// POSTs `body` with `headers` (Content-Type and Accept as a client sends them).
pub fn post(url: &str, body: &str, headers: &[(&str, &str)]) -> Answer {
    let mut req = agent()
        .post(url)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut resp = req.send(body).unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let mut body = String::new();
    let _ = resp.body_mut().as_reader().read_to_string(&mut body);
    Answer {
        status,
        headers,
        body,
    }
}

/// A 2026-07-28 client: every request carries its version and capabilities in `_meta` and the
/// headers the revision asks for. Declares form elicitation, so mcpward asks it through an
/// `input_required` result.
pub struct Client2026 {
    next: u64,
    pub capabilities: Value,
}

impl Client2026 {
    pub fn new() -> Client2026 {
        Client2026 {
            next: 0,
            capabilities: json!({"elicitation": {"form": {}}}),
        }
    }

    pub fn request(&mut self, url: &str, method: &str, mut params: Value) -> Answer {
        self.next += 1;
        params["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": self.capabilities,
        });
        let body = json!({"jsonrpc": "2.0", "id": self.next, "method": method, "params": params});
        let name = params
            .get("name")
            .or_else(|| params.get("uri"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mut headers = vec![
            ("MCP-Protocol-Version", "2026-07-28"),
            ("Mcp-Method", method),
        ];
        if let Some(n) = name.as_deref() {
            headers.push(("Mcp-Name", n));
        }
        post(url, &body.to_string(), &headers)
    }

    pub fn call(&mut self, url: &str, tool: &str, arguments: Value) -> Value {
        let a = self.request(
            url,
            "tools/call",
            json!({"name": tool, "arguments": arguments}),
        );
        assert_eq!(a.status, 200, "{a:?}");
        a.json()
    }

    /// The call again, answering every input request of `asked` with `answer`.
    pub fn retry(
        &mut self,
        url: &str,
        tool: &str,
        arguments: Value,
        asked: &Value,
        answer: Value,
    ) -> Value {
        let mut params = json!({"name": tool, "arguments": arguments});
        params["inputResponses"] = mcpward_testkit::input_responses(asked, &answer);
        params["requestState"] = asked["result"]["requestState"].clone();
        let a = self.request(url, "tools/call", params);
        assert_eq!(a.status, 200, "{a:?}");
        a.json()
    }
}

/// A 2025-era client: `initialize`, then its session id on every request.
pub struct Client2025 {
    next: u64,
    pub session: String,
    pub version: String,
}

impl Client2025 {
    pub fn initialize(url: &str, capabilities: Value) -> Client2025 {
        let body = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": capabilities,
            "clientInfo": {"name": "mcpward-test", "version": "0"}
        }});
        let a = post(url, &body.to_string(), &[]);
        assert_eq!(a.status, 200, "{a:?}");
        let session = a
            .header("mcp-session-id")
            .unwrap_or_else(|| panic!("no Mcp-Session-Id: {a:?}"))
            .to_owned();
        let version = a.json()["result"]["protocolVersion"]
            .as_str()
            .expect("a protocol version")
            .to_owned();
        let c = Client2025 {
            next: 0,
            session,
            version,
        };
        let n = post(
            url,
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            &c.headers(),
        );
        assert_eq!(n.status, 202, "{n:?}");
        c
    }

    fn headers(&self) -> Vec<(&str, &str)> {
        vec![
            ("Mcp-Session-Id", self.session.as_str()),
            ("MCP-Protocol-Version", self.version.as_str()),
        ]
    }

    pub fn request(&mut self, url: &str, method: &str, params: Value) -> Answer {
        self.next += 1;
        let body = json!({"jsonrpc": "2.0", "id": self.next, "method": method, "params": params});
        post(url, &body.to_string(), &self.headers())
    }

    pub fn call(&mut self, url: &str, tool: &str, arguments: Value) -> Value {
        let a = self.request(
            url,
            "tools/call",
            json!({"name": tool, "arguments": arguments}),
        );
        assert_eq!(a.status, 200, "{a:?}");
        a.json()
    }
}

/// `mcpward log verify LOG` succeeds.
pub fn assert_log_verifies(log: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .args(["log", "verify", "--log"])
        .arg(log)
        .output()
        .expect("run mcpward log verify");
    assert!(
        out.status.success(),
        "mcpward log verify {} failed:\n{}{}",
        log.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The audit records of `log`, as JSON.
pub fn records(log: &Path) -> Vec<Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Reads a raw HTTP exchange (for malformed HTTP): writes `request`, returns the status line.
pub fn raw_exchange(port: u16, request: &[u8]) -> String {
    use std::io::Write as _;
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let _ = s.write_all(request);
    let mut reader = BufReader::new(s);
    let mut line = String::new();
    let _ = reader.read_line(&mut line);
    line
}

/// A testkit `http_server` with `args`; returns it and its endpoint URL.
pub fn testkit_http_server(args: &[&str]) -> (Proc, String) {
    let mut child = Command::new(mcpward_testkit::testkit_server("http_server"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the testkit http_server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the server's URL");
    (
        Proc {
            child,
            name: "http_server",
        },
        line.trim().to_owned(),
    )
}

/// The id of the first call waiting in the approval queue of `state` (waits up to 30 s).
pub fn pending_approval(state: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = Command::new(env!("CARGO_BIN_EXE_mcpward"))
            .args(["approve", "--list", "--state-dir"])
            .arg(state)
            .output()
            .expect("run mcpward approve --list");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if let Some(id) = text
            .lines()
            .find(|l| !l.starts_with("no pending"))
            .and_then(|l| l.split_whitespace().next())
        {
            return id.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "no call waited for approval: {text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
