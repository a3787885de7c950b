//! `mcpward run --sandbox` against a server that tries to escape, the official filesystem
//! server and the everything server: every escape fails and is reported, mcpward keeps
//! serving, and real servers still work. A control run without `--sandbox` shows the same
//! probes succeed, so the blocked results are the sandbox's doing.
#![cfg(target_os = "linux")]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use mcpward_testkit::bins::{HOSTILE_PROBES, testkit_server};
use mcpward_testkit::client::{is_error, response_text};
use mcpward_testkit::reference::{ReferenceServer, reference_server};
use serde_json::{Value, json};

struct Gateway {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    next_id: i64,
}

impl Gateway {
    fn start(state: &Path, extra: &[&str], server: &[&std::ffi::OsStr]) -> Gateway {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mcpward"))
            .arg("run")
            .arg("--state-dir")
            .arg(state)
            .args(extra)
            .arg("--")
            .args(server)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mcpward");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut gw = Gateway {
            stdin: child.stdin.take(),
            child,
            lines,
            next_id: 1,
        };
        let init = gw.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "sandbox-test", "version": "0"}}),
        );
        assert!(init.get("result").is_some(), "initialize failed: {init}");
        gw.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        gw
    }

    fn send(&mut self, msg: &Value) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{msg}").unwrap();
        stdin.flush().unwrap();
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("no answer to {method}"));
            let msg: Value = serde_json::from_str(&line).unwrap();
            if msg["id"] == json!(id) && msg.get("method").is_none() {
                return msg;
            }
        }
    }

    fn call(&mut self, tool: &str, arguments: Value) -> Value {
        self.request("tools/call", json!({"name": tool, "arguments": arguments}))
    }

    fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A root, a fake home with an SSH key, an outside tree with a secret, mcpward's state, and
/// a TCP and a UDP listener that record whatever reaches them.
struct Fixture {
    dir: tempfile::TempDir,
    tcp: TcpListener,
    udp: UdpSocket,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        for d in ["root", "home/.ssh", "outside/tree", "state/queue"] {
            std::fs::create_dir_all(p.join(d)).unwrap();
        }
        std::fs::write(p.join("home/.ssh/id_ed25519"), "FAKE-PRIVATE-KEY").unwrap();
        std::fs::write(p.join("outside/secret.txt"), "OUTSIDE-SECRET").unwrap();
        std::fs::write(p.join("outside/tree/data.txt"), "untouched").unwrap();
        std::fs::write(
            p.join("allow.toml"),
            "[[rule]]\nserver = \"hostile\"\ntool = \"*\"\naction = \"allow\"\nreason = \"the test calls every probe\"\n",
        )
        .unwrap();
        let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
        tcp.set_nonblocking(true).unwrap();
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        udp.set_nonblocking(true).unwrap();
        Fixture { dir, tcp, udp }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Every probe's answer, through `mcpward run` with `extra` flags.
    fn run_hostile(&self, extra: &[&str]) -> (BTreeMap<&'static str, String>, bool) {
        let config = json!({
            "root": self.path("root"),
            "home": self.path("home"),
            "outside": self.path("outside"),
            "state": self.path("state"),
            "log": self.path("state/audit.jsonl"),
            "tcp_port": self.tcp.local_addr().unwrap().port(),
            "udp_port": self.udp.local_addr().unwrap().port(),
        });
        let policy = self.path("allow.toml");
        let mut flags = vec!["--policy", policy.to_str().unwrap()];
        flags.extend_from_slice(extra);
        let server = testkit_server("hostile");
        let root = self.path("root");
        let config = format!("--config={config}");
        let mut gw = Gateway::start(
            &self.path("state"),
            &flags,
            &[server.as_os_str(), root.as_os_str(), config.as_ref()],
        );
        let mut results = BTreeMap::new();
        for probe in HOSTILE_PROBES {
            let resp = gw.call(probe, json!({}));
            assert!(!is_error(&resp), "{probe}: {resp}");
            results.insert(*probe, response_text(&resp));
        }
        let alive = response_text(&gw.call("echo", json!({}))) == "alive" && gw.is_running();
        (results, alive)
    }

    fn tcp_saw_a_connection(&self) -> bool {
        self.tcp.accept().is_ok()
    }

    fn udp_saw_a_datagram(&self) -> bool {
        self.udp.recv(&mut [0u8; 64]).is_ok()
    }
}

/// Every file under `dir` with its content, to compare before and after.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().map(Result::unwrap) {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                let mut bytes = Vec::new();
                std::fs::File::open(&path)
                    .and_then(|mut f| f.read_to_end(&mut bytes))
                    .unwrap();
                out.insert(path, bytes);
            }
        }
    }
    out
}

fn python_available() -> bool {
    Path::new("/usr/bin/python3").exists()
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
}

#[test]
fn hostile_server_escapes_nothing_under_sandbox_and_mcpward_keeps_serving() {
    let fx = Fixture::new();
    let outside_before = snapshot(&fx.path("outside"));
    let home_before = snapshot(&fx.path("home"));
    let (results, alive) = fx.run_hostile(&[
        "--sandbox",
        "--sandbox-limit",
        "as=1G",
        "--sandbox-limit",
        "nproc=16",
    ]);
    for (probe, text) in &results {
        let python_probe = matches!(*probe, "io_uring" | "ptrace_parent");
        if python_probe && !python_available() {
            assert!(text.starts_with("UNAVAILABLE"), "{probe}: {text}");
            continue;
        }
        if *probe == "fork_past_limit" && is_root() && !root_process_limit() {
            // The kernel exempts uid 0 from RLIMIT_NPROC and no pids cgroup can be made here;
            // `sandbox check` says so (below).
            continue;
        }
        assert!(text.starts_with("BLOCKED"), "{probe} escaped: {text}");
    }
    assert!(alive, "mcpward stopped serving after the probes");
    assert!(!fx.tcp_saw_a_connection(), "a TCP connection got out");
    assert!(!fx.udp_saw_a_datagram(), "a UDP datagram got out");
    assert_eq!(snapshot(&fx.path("outside")), outside_before);
    assert_eq!(snapshot(&fx.path("home")), home_before);
    assert!(!fx.path("state/queue/forged-approval.json").exists());
    let log = std::fs::read_to_string(fx.path("state/audit.jsonl")).unwrap_or_default();
    assert!(
        !log.contains("forged"),
        "the audit log was written by the server"
    );
    if is_root() && !root_process_limit() {
        let text = sandbox_check();
        assert!(
            text.contains("[NO ] process-limit") && text.contains("uid 0"),
            "{text}"
        );
    }
}

fn sandbox_check() -> String {
    let check = Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .args(["sandbox", "check"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&check.stdout).into_owned()
}

/// Whether root gets a process limit here (a pids cgroup `sandbox check` can use).
fn root_process_limit() -> bool {
    sandbox_check().contains("[yes] process-limit")
}

#[test]
fn hostile_probes_succeed_without_sandbox() {
    let fx = Fixture::new();
    let (results, alive) = fx.run_hostile(&[]);
    for (probe, text) in &results {
        match *probe {
            "io_uring" | "ptrace_parent" if !python_available() => continue,
            // The gateway's own environment is readable by a process of the same user.
            "read_shadow" | "raw_socket" | "ptrace_parent" if !is_root() => continue,
            _ => {}
        }
        assert!(text.starts_with("SUCCEEDED"), "{probe}: {text}");
    }
    assert!(alive);
    assert!(fx.tcp_saw_a_connection());
    assert!(fx.udp_saw_a_datagram());
    assert!(fx.path("outside/written-by-server.txt").exists());
}

#[test]
fn filesystem_server_works_inside_its_root_under_sandbox() {
    let fx = Fixture::new();
    let root = fx.path("root");
    let policy = fx.path("fs.toml");
    std::fs::write(
        &policy,
        "[[rule]]\nserver = \"filesystem\"\ntool = \"*\"\naction = \"allow\"\nreason = \"functional run\"\n",
    )
    .unwrap();
    let (node, args) = reference_server(ReferenceServer::Filesystem);
    let mut server: Vec<&std::ffi::OsStr> = vec![node.as_os_str()];
    server.extend(args.iter().map(|a| a.as_os_str()));
    server.push(root.as_os_str());
    let mut gw = Gateway::start(
        &fx.path("state"),
        &["--sandbox", "--policy", policy.to_str().unwrap()],
        &server,
    );
    let r = |rel: &str| root.join(rel).to_string_lossy().into_owned();
    let ok = |resp: Value| {
        assert!(!is_error(&resp), "{resp}");
        response_text(&resp)
    };
    ok(gw.call("create_directory", json!({"path": r("src/nested")})));
    ok(gw.call(
        "write_file",
        json!({"path": r("src/a.txt"), "content": "hello world\n"}),
    ));
    assert_eq!(
        ok(gw.call("read_text_file", json!({"path": r("src/a.txt")}))),
        "hello world\n"
    );
    ok(gw.call(
        "edit_file",
        json!({"path": r("src/a.txt"), "edits": [{"oldText": "world", "newText": "sandbox"}]}),
    ));
    assert_eq!(
        std::fs::read_to_string(root.join("src/a.txt")).unwrap(),
        "hello sandbox\n"
    );
    ok(gw.call(
        "move_file",
        json!({"source": r("src/a.txt"), "destination": r("src/nested/b.txt")}),
    ));
    assert!(ok(gw.call("list_directory", json!({"path": r("src/nested")}))).contains("b.txt"));
    assert!(
        ok(gw.call(
            "search_files",
            json!({"path": r(""), "pattern": "**/b.txt"})
        ))
        .contains("b.txt")
    );
    assert!(ok(gw.call("get_file_info", json!({"path": r("src/nested/b.txt")}))).contains("size"));
    assert!(ok(gw.call("directory_tree", json!({"path": r("src")}))).contains("nested"));
    assert!(ok(gw.call("list_allowed_directories", json!({}))).contains("root"));
    // Outside the root: refused (by the server's own check, and the sandbox behind it).
    let resp = gw.call(
        "read_text_file",
        json!({"path": fx.path("outside/secret.txt")}),
    );
    assert!(!response_text(&resp).contains("OUTSIDE-SECRET"), "{resp}");
    assert!(gw.is_running());
}

#[test]
fn everything_server_starts_and_serves_with_the_network_denied() {
    let fx = Fixture::new();
    let (node, args) = reference_server(ReferenceServer::Everything);
    let mut server: Vec<&std::ffi::OsStr> = vec![node.as_os_str()];
    server.extend(args.iter().map(|a| a.as_os_str()));
    let policy = fx.path("everything.toml");
    std::fs::write(
        &policy,
        "[[rule]]\nserver = \"*\"\ntool = \"echo\"\naction = \"allow\"\nreason = \"functional run\"\n",
    )
    .unwrap();
    let mut gw = Gateway::start(
        &fx.path("state"),
        &["--sandbox", "--policy", policy.to_str().unwrap()],
        &server,
    );
    let tools = gw.request("tools/list", json!({}));
    assert!(
        tools["result"]["tools"]
            .as_array()
            .is_some_and(|t| !t.is_empty()),
        "{tools}"
    );
    let resp = gw.call("echo", json!({"message": "through the sandbox"}));
    assert!(
        response_text(&resp).contains("through the sandbox"),
        "{resp}"
    );
}

#[test]
fn a_root_containing_the_state_directory_is_refused_before_the_server_starts() {
    let fx = Fixture::new();
    let marker = fx.path("started");
    let out = Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .arg("run")
        .arg("--sandbox")
        .arg("--state-dir")
        .arg(fx.path("state"))
        .args(["--", "/bin/sh", "-c"])
        .arg(format!("touch {}", marker.display()))
        .arg(fx.dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!marker.exists(), "the server must not be started");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("part of mcpward's own state"), "{stderr}");
}

#[test]
fn sandbox_check_reports_the_kernel_and_each_protection() {
    let out = Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .args(["sandbox", "check", "--json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let protections = report["protections"].as_array().unwrap();
    let missing_required = protections
        .iter()
        .any(|p| p["required"] == json!(true) && p["enforced"] == json!(false));
    assert_eq!(out.status.code(), Some(i32::from(missing_required)));
    for name in ["landlock-filesystem", "seccomp-allowlist", "network-denied"] {
        assert!(
            protections.iter().any(|p| p["name"] == json!(name)),
            "{name}"
        );
    }
    assert!(report["support"]["kernel"].is_string());
}

#[test]
fn network_allowlist_reaches_only_the_listed_target_through_the_proxy() {
    let fx = Fixture::new();
    // The listed upstream: echoes one line back.
    let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!("127.0.0.1:{}", upstream.local_addr().unwrap().port());
    std::thread::spawn(move || {
        for mut s in upstream.incoming().map_while(Result::ok) {
            let mut line = String::new();
            let _ = BufReader::new(s.try_clone().unwrap()).read_line(&mut line);
            let _ = s.write_all(line.as_bytes());
        }
    });
    let unlisted = format!("127.0.0.1:{}", fx.tcp.local_addr().unwrap().port());
    let server = testkit_server("hostile");
    let policy = fx.path("allow.toml");
    let run = |proxy_target: &str| {
        let config = format!(
            "--config={}",
            json!({"proxy_target": proxy_target, "tcp_port": fx.tcp.local_addr().unwrap().port(),
                   "udp_port": fx.udp.local_addr().unwrap().port()})
        );
        let mut gw = Gateway::start(
            &fx.path("state"),
            &[
                "--sandbox",
                "--sandbox-network",
                &target,
                "--policy",
                policy.to_str().unwrap(),
            ],
            &[server.as_os_str(), config.as_ref()],
        );
        let through_proxy = response_text(&gw.call("proxy_connect", json!({})));
        let direct = response_text(&gw.call("tcp_connect", json!({})));
        let udp = response_text(&gw.call("udp_send", json!({})));
        (through_proxy, direct, udp)
    };
    let (listed, direct, udp) = run(&target);
    assert!(
        listed.starts_with("SUCCEEDED") && listed.contains("ping"),
        "{listed}"
    );
    assert!(
        direct.starts_with("BLOCKED"),
        "direct connect got out: {direct}"
    );
    assert!(udp.starts_with("BLOCKED"), "UDP got out: {udp}");
    let (other, _, _) = run(&unlisted);
    assert!(
        other.starts_with("BLOCKED") && other.contains("403"),
        "{other}"
    );
    assert!(
        !fx.tcp_saw_a_connection(),
        "an unlisted destination was reached"
    );
}

/// The launcher run directly with a spec whose filesystem confinement cannot be proven (`/` is
/// granted, so no denial is left to try).
fn launcher_with_unprovable_spec(mode: &str) -> std::process::Output {
    let spec = json!({
        "mode": mode, "program": "/bin/true", "read": ["/"], "write": [], "deny": [],
        "network": "deny",
        "limits": {"address_space": null, "processes": null, "file_size": null,
                   "open_files": null, "cpu_seconds": null},
        "keep_env": ["PATH"], "parent": std::process::id(),
    });
    Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .args(["__sandbox-exec", "--", "/bin/true"])
        .env("MCPWARD_SANDBOX_SPEC", spec.to_string())
        .output()
        .unwrap()
}

#[test]
fn launcher_refuses_to_exec_when_a_required_protection_is_not_proven() {
    let out = launcher_with_unprovable_spec("strict");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(126), "{stderr}");
    assert!(stderr.contains("the server was not started"), "{stderr}");
    assert!(stderr.contains("landlock-filesystem"), "{stderr}");
    // Best effort starts the server and says what is missing.
    let out = launcher_with_unprovable_spec("best-effort");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("[NO ] landlock-filesystem"), "{stderr}");
}
