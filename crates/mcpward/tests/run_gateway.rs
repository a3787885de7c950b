//! `mcpward run` as a client launches it: exit status, EOF and signal handling, and an audit
//! log that survives `kill -9`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Gateway {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
}

impl Gateway {
    fn start(state: &Path, extra: &[&str], server: &[&str]) -> Gateway {
        Gateway::start_with_env(state, extra, server, &[])
    }

    fn start_with_env(
        state: &Path,
        extra: &[&str],
        server: &[&str],
        env: &[(&str, &str)],
    ) -> Gateway {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcpward"));
        cmd.envs(env.iter().copied());
        cmd.arg("run")
            .arg("--state-dir")
            .arg(state)
            .args(extra)
            .arg("--")
            .args(server)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        Gateway::spawn(cmd)
    }

    /// Starts a prepared `mcpward run` command (stdin and stdout piped).
    fn spawn(mut cmd: Command) -> Gateway {
        let mut child = cmd.spawn().expect("start mcpward");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Gateway {
            stdin: child.stdin.take(),
            child,
            lines,
        }
    }

    fn send(&mut self, msg: &Value) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{msg}").unwrap();
        stdin.flush().unwrap();
    }

    fn recv(&self) -> Value {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(20))
            .expect("a message from the gateway");
        serde_json::from_str(&line).unwrap()
    }

    fn call(&mut self, id: i64, method: &str, params: Value) -> Value {
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let msg = self.recv();
            if msg["id"] == json!(id) && msg.get("method").is_none() {
                return msg;
            }
        }
    }

    fn close_stdin(&mut self) {
        self.stdin = None;
    }

    fn wait(&mut self, limit: Duration) -> i32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(
                start.elapsed() < limit,
                "mcpward did not exit within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn initialize(gw: &mut Gateway) {
    let resp = gw.call(
        1,
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {},
               "clientInfo": {"name": "run-test", "version": "0"}}),
    );
    assert!(resp.get("result").is_some(), "{resp}");
    gw.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
}

fn filesystem_server() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../../tests/servers/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js",
    );
    assert!(
        path.exists(),
        "the pinned MCP reference servers are not installed ({} is missing); run `npm ci --prefix tests/servers` first",
        path.display()
    );
    path
}

#[test]
fn exits_with_the_status_of_a_crashed_server_and_answers_its_pending_request() {
    let state = tempfile::tempdir().unwrap();
    let mut gw = Gateway::start(state.path(), &[], &["sh", "-c", "read line; exit 7"]);
    let resp = gw.call(1, "initialize", json!({"capabilities": {}}));
    let message = resp["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("exited (status 7)"), "{resp}");
    assert_eq!(gw.wait(Duration::from_secs(10)), 7);
}

#[test]
fn client_eof_closes_server_stdin() {
    let state = tempfile::tempdir().unwrap();
    let mut gw = Gateway::start(state.path(), &[], &["sh", "-c", "cat >/dev/null; exit 5"]);
    gw.close_stdin();
    assert_eq!(gw.wait(Duration::from_secs(10)), 5);
}

#[test]
fn server_ignoring_eof_gets_sigterm_after_the_grace_period() {
    let state = tempfile::tempdir().unwrap();
    let mut gw = Gateway::start(
        state.path(),
        &[],
        &[
            "sh",
            "-c",
            "trap 'exit 9' TERM; while :; do sleep 0.1; done",
        ],
    );
    std::thread::sleep(Duration::from_millis(300));
    gw.close_stdin();
    assert_eq!(gw.wait(Duration::from_secs(15)), 9);
}

#[test]
fn sigterm_to_mcpward_is_forwarded_to_the_server() {
    let state = tempfile::tempdir().unwrap();
    let mut gw = Gateway::start(
        state.path(),
        &[],
        &[
            "sh",
            "-c",
            "trap 'exit 42' TERM; while :; do sleep 0.1; done",
        ],
    );
    std::thread::sleep(Duration::from_millis(500));
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(gw.child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(gw.wait(Duration::from_secs(10)), 42);
}

#[test]
fn missing_command_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .arg("run")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn secrets_on_the_servers_stderr_are_masked() {
    let state = tempfile::tempdir().unwrap();
    // Built at run time: a pattern-valid GitHub token that was never issued.
    let token = format!("ghp_{}", "q8ZxL2mN4pR6tV8wY0aB2cD4eF6gH8jK0mN2");
    let script = format!(
        "echo \"starting with GITHUB_TOKEN={token}\" >&2; cat >/dev/null; echo \"bye {token}\" >&2"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .arg("run")
        .arg("--state-dir")
        .arg(state.path())
        .args(["--", "sh", "-c", &script])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("starting with GITHUB_TOKEN=ghp_"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(&token),
        "token leaked through stderr: {stderr}"
    );
}

#[test]
fn sandboxed_server_cannot_write_into_the_state_directory() {
    let state = tempfile::tempdir().unwrap();
    let marker = state.path().join("started");
    let out = Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .args(["run", "--sandbox", "--state-dir"])
        .arg(state.path())
        .args(["--", "touch"])
        .arg(&marker)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(!marker.exists(), "the server wrote into mcpward's state");
    // The server was started (confined), not refused: touch itself failed.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("mcpward sandbox: touch may write only (nothing)"),
        "{stderr}"
    );
    assert!(!stderr.contains("error:"), "{stderr}");
}

#[test]
fn unreadable_policy_names_the_file() {
    let state = tempfile::tempdir().unwrap();
    let missing = state.path().join("nope.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .arg("run")
        .arg("--policy")
        .arg(&missing)
        .args(["--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nope.toml"), "{stderr}");
}

#[test]
fn kill_9_mid_session_leaves_a_log_whose_complete_records_verify() {
    let state = tempfile::tempdir().unwrap();
    let root = state.path().join("root");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(root.join("a.txt"), "a").unwrap();
    let policy = state.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[[rule]]\nserver = \"filesystem\"\ntool = \"write_file\"\naction = \"deny\"\n",
    )
    .unwrap();
    let log = state.path().join("audit.jsonl");
    let server = filesystem_server();
    let mut gw = Gateway::start(
        state.path(),
        &[
            "--policy",
            policy.to_str().unwrap(),
            "--log",
            log.to_str().unwrap(),
        ],
        &["node", server.to_str().unwrap(), root.to_str().unwrap()],
    );
    initialize(&mut gw);
    gw.call(2, "tools/list", json!({}));
    for i in 0..20 {
        let (tool, args) = if i % 2 == 0 {
            ("read_text_file", json!({"path": root.join("a.txt")}))
        } else {
            (
                "write_file",
                json!({"path": root.join("b.txt"), "content": "x"}),
            )
        };
        let resp = gw.call(
            10 + i,
            "tools/call",
            json!({"name": tool, "arguments": args}),
        );
        assert!(resp.get("result").is_some(), "{resp}");
    }
    // Pipelined calls in flight while the process is killed.
    for i in 0..20 {
        gw.send(
            &json!({"jsonrpc": "2.0", "id": 100 + i, "method": "tools/call",
            "params": {"name": "read_text_file", "arguments": {"path": root.join("a.txt")}}}),
        );
    }
    gw.child.kill().unwrap();
    gw.child.wait().unwrap();
    let report = mcpward_gateway::chain::verify(&log).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert!(report.records >= 21, "{report:?}");
}

#[test]
fn token_the_server_inherits_is_masked_when_echoed() {
    let state = tempfile::tempdir().unwrap();
    let token = format!("tok-{}", "Lm9Kj8Hg7Fd6Sa5Pq4");
    let echo = r#"read line; printf '{"jsonrpc":"2.0","id":1,"result":{"echo":"%s"}}\n' "$EXAMPLE_API_TOKEN"; read rest"#;
    let mut gw = Gateway::start_with_env(
        state.path(),
        &[],
        &["sh", "-c", echo],
        &[("EXAMPLE_API_TOKEN", token.as_str())],
    );
    let resp = gw.call(1, "initialize", json!({"capabilities": {}}));
    let echoed = resp["result"]["echo"].as_str().unwrap();
    assert!(!echoed.contains(&token), "{resp}");
    assert_eq!(echoed, "tok-…(22 chars)");
    gw.close_stdin();
    gw.wait(Duration::from_secs(10));
}

#[test]
fn project_directory_in_pwd_is_shown_not_masked() {
    let state = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    let root = project.path().canonicalize().unwrap();
    let root_text = root.display().to_string();
    let server = filesystem_server();
    // Clients start servers in the project with PWD (and OLDPWD) naming it.
    let mut gw = Gateway::start_with_env(
        state.path(),
        &[],
        &["node", server.to_str().unwrap(), &root_text],
        &[("PWD", &root_text), ("OLDPWD", &root_text)],
    );
    initialize(&mut gw);
    let resp = gw.call(
        2,
        "tools/call",
        json!({"name": "list_allowed_directories", "arguments": {}}),
    );
    let text = resp["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(text.contains(&root_text), "{resp}");
    gw.close_stdin();
    gw.wait(Duration::from_secs(10));
}

#[test]
fn relative_deny_glob_holds_when_the_server_root_is_given_as_dot() {
    let state = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    let root = project.path().canonicalize().unwrap();
    let policy = state.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[defaults]\nmode = \"allow\"\n[[rule]]\ntool = \"write_file\"\nwhen = { path = \"**/.env\" }\naction = \"deny\"\nreason = \"no env files\"\n",
    )
    .unwrap();
    let server = filesystem_server();
    // The client starts the server in the project with `.` as its directory.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcpward"));
    cmd.current_dir(&root)
        .arg("run")
        .arg("--state-dir")
        .arg(state.path())
        .arg("--policy")
        .arg(&policy)
        .arg("--")
        .args(["node", server.to_str().unwrap(), "."])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut gw = Gateway::spawn(cmd);
    initialize(&mut gw);
    let target = root.join(".env");
    let resp = gw.call(
        2,
        "tools/call",
        json!({"name": "write_file", "arguments": {"path": target, "content": "TOKEN=x"}}),
    );
    assert_eq!(resp["result"]["isError"], json!(true), "{resp}");
    assert!(!target.exists(), "the denied write ran");
    let fine = root.join("notes.txt");
    let resp = gw.call(
        3,
        "tools/call",
        json!({"name": "write_file", "arguments": {"path": fine, "content": "ok"}}),
    );
    assert_ne!(resp["result"]["isError"], json!(true), "{resp}");
    assert!(fine.exists());
    gw.close_stdin();
    gw.wait(Duration::from_secs(10));
}

#[test]
fn server_table_guards_a_careless_server_and_its_roots_replace_the_launch_directory() {
    let state = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().canonicalize().unwrap();
    let root = base.join("root");
    std::fs::create_dir_all(root.join("secret")).unwrap();
    std::fs::create_dir_all(base.join("outside")).unwrap();
    std::fs::write(root.join("notes.txt"), "inside").unwrap();
    std::fs::write(base.join("outside/key.txt"), "OUTSIDE-KEY").unwrap();
    let policy = state.path().join("policy.toml");
    std::fs::write(
        &policy,
        format!(
            "[defaults]\nmode = \"allow\"\n\n[[rule]]\ntool = \"write_file\"\nwhen = {{ path = \"secret/**\" }}\naction = \"deny\"\nreason = \"nothing goes into secret/\"\n\n[[server]]\nname = \"files\"\nroots = [\"{}\"]\npath_args = [\"path\", \"paths\", \"source\", \"destination\"]\n",
            root.display()
        ),
    )
    .unwrap();
    let server = mcpward_testkit::testkit_server("careless_fs");
    // Started from the root with the whole base directory on its command line.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcpward"));
    cmd.current_dir(&root)
        .arg("run")
        .arg("--state-dir")
        .arg(state.path())
        .arg("--policy")
        .arg(&policy)
        .args(["--name", "files", "--no-pins", "--"])
        .arg(&server)
        .arg(&base)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut gw = Gateway::spawn(cmd);
    initialize(&mut gw);
    let call = |gw: &mut Gateway, id: i64, tool: &str, arguments: Value| {
        gw.call(
            id,
            "tools/call",
            json!({"name": tool, "arguments": arguments}),
        )
    };
    // A relative path resolves in mcpward's working directory, which the server inherits.
    let ok = call(&mut gw, 2, "read_text_file", json!({"path": "notes.txt"}));
    assert_eq!(ok["result"]["content"][0]["text"], "inside", "{ok}");
    let out = call(
        &mut gw,
        3,
        "read_text_file",
        json!({"path": base.join("outside/key.txt")}),
    );
    assert_eq!(out["result"]["isError"], json!(true), "{out}");
    assert!(!out.to_string().contains("OUTSIDE-KEY"), "{out}");
    assert!(out.to_string().contains("path guard"), "{out}");
    // `secret/**` is relative to the table's root, not to the directory on the launch line.
    let target = root.join("secret/x.txt");
    let denied = call(
        &mut gw,
        4,
        "write_file",
        json!({"path": target, "content": "x"}),
    );
    assert!(
        denied.to_string().contains("nothing goes into secret/"),
        "{denied}"
    );
    assert!(!target.exists());
    gw.close_stdin();
    gw.wait(Duration::from_secs(10));
}

#[cfg(target_os = "linux")]
#[path = "support/notification_bus.rs"]
mod notification_bus;

/// Every call asked.
#[cfg(target_os = "linux")]
const ASK_EVERYTHING: &str = "[defaults]\nmode = \"ask\"\n";

/// `mcpward run` in front of the careless filesystem server with `policy`, for a client without
/// elicitation (so asked calls wait in the queue), with `env` added to its environment.
#[cfg(target_os = "linux")]
fn queued_gateway(
    state: &Path,
    root: &Path,
    policy: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Gateway {
    let policy_file = state.join("policy.toml");
    std::fs::write(&policy_file, policy).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcpward"));
    cmd.envs(env.iter().copied())
        .current_dir(root)
        .arg("run")
        .arg("--state-dir")
        .arg(state)
        .arg("--policy")
        .arg(&policy_file)
        .args(["--name", "files", "--no-pins"])
        .args(extra)
        .arg("--")
        .arg(mcpward_testkit::testkit_server("careless_fs"))
        .arg(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut gw = Gateway::spawn(cmd);
    initialize(&mut gw);
    gw
}

/// Sends a `write_file` call and returns the MCP log line that says it waits in the queue.
#[cfg(target_os = "linux")]
fn queue_write(gw: &mut Gateway, id: i64, path: &Path, content: &str) -> String {
    gw.send(&json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": "write_file", "arguments": {"path": path, "content": content}}}));
    loop {
        let msg = gw.recv();
        if msg["method"] == "notifications/message" {
            return msg["params"]["data"].as_str().unwrap().to_string();
        }
    }
}

/// The request id in the queue line `… Run `mcpward approve ID …`.
#[cfg(target_os = "linux")]
fn request_id(line: &str) -> String {
    let rest = line
        .split("mcpward approve ")
        .nth(1)
        .expect("approve command");
    rest.split([' ', '`']).next().unwrap().to_string()
}

#[cfg(target_os = "linux")]
fn audit_events(state: &Path, name: &str) -> Vec<Value> {
    std::fs::read_to_string(state.join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| r["method"] == name)
        .collect()
}

#[cfg(target_os = "linux")]
#[test]
fn issue_20_a_queued_call_shows_a_desktop_notification_with_the_approve_command() {
    let state = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let bus = notification_bus::NotificationBus::start(dir.path());
    let mut gw = queued_gateway(
        state.path(),
        &root,
        ASK_EVERYTHING,
        &[],
        &[("DBUS_SESSION_BUS_ADDRESS", &bus.address)],
    );
    let target = root.join("notes <b>&</b>.txt");
    let line = queue_write(&mut gw, 2, &target, "AWS_SECRET_ACCESS_KEY=private-words");
    let id = request_id(&line);
    let shown = bus
        .next(Duration::from_secs(20))
        .expect("a desktop notification");
    assert_eq!(shown.app_name, "mcpward");
    assert_eq!(
        shown.summary,
        "mcpward: `write_file` on `files` needs your approval"
    );
    let state_flag = format!(" --state-dir {}", state.path().display());
    let escaped_target = target
        .display()
        .to_string()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    assert_eq!(
        shown.body,
        format!(
            "Target: {escaped_target}\nApprove: mcpward approve {id}{state_flag}\nDeny: mcpward deny {id}{state_flag}\nNo answer within 120 s denies it."
        )
    );
    assert!(!shown.body.contains("private-words"));
    assert!(audit_events(state.path(), "desktop-notify-unavailable").is_empty());
    gw.close_stdin();
    gw.wait(Duration::from_secs(10));
}

#[cfg(target_os = "linux")]
#[test]
fn no_desktop_notify_flag_and_policy_default_keep_the_notification_off() {
    let state = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let bus = notification_bus::NotificationBus::start(dir.path());
    let env = [("DBUS_SESSION_BUS_ADDRESS", bus.address.as_str())];
    let mut gw = queued_gateway(
        state.path(),
        &root,
        ASK_EVERYTHING,
        &["--no-desktop-notify"],
        &env,
    );
    queue_write(&mut gw, 2, &root.join("a.txt"), "x");
    // Looked for while the call still waits, when a notification would have been sent.
    assert_eq!(bus.next(Duration::from_secs(1)), None);
    gw.close_stdin();
    gw.wait(Duration::from_secs(10));

    let policy_state = tempfile::tempdir().unwrap();
    let mut gw = queued_gateway(
        policy_state.path(),
        &root,
        "[defaults]\nmode = \"ask\"\ndesktop_notify = false\n",
        &[],
        &env,
    );
    queue_write(&mut gw, 2, &root.join("b.txt"), "x");
    assert_eq!(bus.next(Duration::from_secs(1)), None);
    gw.close_stdin();
    gw.wait(Duration::from_secs(10));
}

#[cfg(target_os = "linux")]
#[test]
fn a_missing_notification_service_is_one_audit_event_and_nothing_else() {
    let state = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let nowhere = format!("unix:path={}", dir.path().join("no-bus").display());
    let mut gw = queued_gateway(
        state.path(),
        &root,
        ASK_EVERYTHING,
        &[],
        &[("DBUS_SESSION_BUS_ADDRESS", &nowhere)],
    );
    queue_write(&mut gw, 2, &root.join("a.txt"), "x");
    queue_write(&mut gw, 3, &root.join("b.txt"), "x");
    // Both calls still wait; the client heard only the queue lines.
    let start = Instant::now();
    while audit_events(state.path(), "desktop-notify-unavailable").is_empty()
        && start.elapsed() < Duration::from_secs(10)
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    gw.close_stdin();
    gw.wait(Duration::from_secs(10));
    let events = audit_events(state.path(), "desktop-notify-unavailable");
    assert_eq!(events.len(), 1, "{events:?}");
    let detail = events[0]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("no desktop notification for calls waiting in the approval queue: "),
        "{detail}"
    );
}

/// `mcpward run` with the OpenTelemetry variables of the test's own environment removed, so
/// only what the test gives applies.
fn run_without_otel_env(state: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcpward"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("OTEL_") {
            cmd.env_remove(name);
        }
    }
    cmd.arg("run").arg("--state-dir").arg(state);
    cmd
}

#[test]
fn otlp_endpoint_flag_and_headers_export_the_sessions_records() {
    let state = tempfile::tempdir().unwrap();
    let collector = mcpward_testkit::OtlpCollector::start(state.path(), &[]);
    let mut cmd = run_without_otel_env(state.path());
    cmd.env("OTEL_EXPORTER_OTLP_HEADERS", "x-from-env=a%20b")
        .args(["--otlp-endpoint", &collector.endpoint])
        .args(["--otlp-header", "x-tenant=from-flag"])
        .arg("--")
        .arg(mcpward_testkit::testkit_server("recorder"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut gw = Gateway::spawn(cmd);
    initialize(&mut gw);
    gw.close_stdin();
    assert_eq!(gw.wait(Duration::from_secs(10)), 0);
    let log = state.path().join("audit.jsonl");
    let local = mcpward_gateway::chain::read(&log, &Default::default()).unwrap();
    let received = collector.wait_for(local.len(), Duration::from_secs(5));
    let hashes = |records: &[Value]| -> Vec<String> {
        records
            .iter()
            .map(|r| {
                r["attributes"]["mcpward.record_hash"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(
        hashes(&received),
        local.iter().map(|r| r.hash.clone()).collect::<Vec<_>>()
    );
    assert_eq!(received[0]["headers"]["x-tenant"], "from-flag");
    assert_eq!(received[0]["headers"]["x-from-env"], "a b");
}

#[test]
fn an_otlp_endpoint_that_is_no_url_is_refused_before_the_server_starts() {
    let state = tempfile::tempdir().unwrap();
    let marker = state.path().join("started");
    let out = run_without_otel_env(state.path())
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4318")
        .args(["--", "touch"])
        .arg(&marker)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!marker.exists(), "the server was started");
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr));
}
