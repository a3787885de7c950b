//! `mcpward ps` against real processes: a fake client (a shell named `cursor`) starts a known
//! server, an unknown one and one behind `mcpward run`; the mapping is read back through the CLI.
#![cfg(target_os = "linux")]

use std::io::{BufRead as _, BufReader};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Kills the whole process group of the fake client when the test ends, pass or fail.
struct Group(Child);

impl Drop for Group {
    fn drop(&mut self) {
        let pgid = self.0.id();
        if pgid > 1 {
            let _ = Command::new("kill")
                .args(["-s", "KILL", "--", &format!("-{pgid}")])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.0.wait();
    }
}

/// The binary under test; `MCPWARD_BIN` runs these tests against another build of it.
fn mcpward_bin() -> PathBuf {
    std::env::var_os("MCPWARD_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_mcpward")))
}

fn cursor_config(home: &Path, sleeper: &Path) {
    let dir = home.join(".cursor");
    std::fs::create_dir_all(&dir).unwrap();
    let config = serde_json::json!({ "mcpServers": {
        "everything": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-everything"] },
        "gated": { "command": "mcpward", "args": ["run", "--", sleeper, "gated-server"] },
    }});
    std::fs::write(dir.join("mcp.json"), config.to_string()).unwrap();
}

/// A shell whose argv[0] is `cursor`, starting three servers and waiting.
fn fake_client(home: &Path, sleeper: &Path) -> Group {
    let script = r#"
(exec -a npx "$S" -y @modelcontextprotocol/server-everything) &
(exec -a /opt/acme/mcp-server-acme "$S" --token "$T") &
"$S" keep-stdin-open | "$M" run -- "$S" gated-server &
wait
"#;
    let child = Command::new("bash")
        .arg0("cursor")
        .arg("-c")
        .arg(script)
        .env("S", sleeper)
        .env("M", mcpward_bin())
        .env("T", mcpward_testkit::fake_github_token())
        .env("HOME", home)
        .env(
            "GITHUB_PERSONAL_ACCESS_TOKEN",
            mcpward_testkit::fake_github_token(),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    Group(child)
}

fn ps_json(home: &Path) -> (i32, Vec<Value>, String) {
    let out = Command::new(mcpward_bin())
        .args(["ps", "--json"])
        .env("HOME", home)
        .current_dir(home)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let doc: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let procs = doc["processes"].as_array().cloned().unwrap_or_default();
    (out.status.code().unwrap_or(-1), procs, text)
}

/// The listed processes whose parent chain holds `client_pid`.
fn under(procs: &[Value], client_pid: u32) -> Vec<Value> {
    procs
        .iter()
        .filter(|p| {
            p["parents"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x["pid"] == client_pid))
        })
        .cloned()
        .collect()
}

fn wait_for(home: &Path, client_pid: u32, n: usize) -> (i32, Vec<Value>, String) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (code, procs, text) = ps_json(home);
        let mine = under(&procs, client_pid);
        if mine.len() >= n || Instant::now() > deadline {
            return (code, mine, text);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn ps_maps_known_unknown_and_gated_servers_to_entries_and_client() {
    let home = tempfile::tempdir().unwrap();
    let sleeper = mcpward_testkit::testkit_server("sleeper");
    cursor_config(home.path(), &sleeper);
    let client = fake_client(home.path(), &sleeper);
    let client_pid = client.0.id();
    // npx stand-in, acme, mcpward run and its server.
    let (code, mine, text) = wait_for(home.path(), client_pid, 4);
    assert_eq!(mine.len(), 4, "{text}");
    assert_eq!(code, 1, "an unknown MCP process exits 1");
    let token = mcpward_testkit::fake_github_token();
    assert!(!text.contains(&token[4..]), "secret leaked: {text}");

    let by_command = |needle: &str| -> &Value {
        mine.iter()
            .find(|p| p["command"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("{needle} not listed: {text}"))
    };
    let known = by_command("server-everything");
    assert_eq!(known["entry"]["server"], "everything");
    assert_eq!(known["entry"]["client"], "Cursor");
    assert_eq!(known["client"], "Cursor");
    assert_eq!(known["unknown"], false);
    assert_eq!(known["gated"], false);

    let acme = by_command("mcp-server-acme");
    assert_eq!(acme["unknown"], true);
    assert_eq!(acme["client"], "Cursor");
    assert!(acme["command"].as_str().unwrap().contains("ghp_…"));
    assert!(acme["secret_env"].as_array().unwrap().iter().any(|e| {
        e.as_str()
            .unwrap()
            .starts_with("GITHUB_PERSONAL_ACCESS_TOKEN=ghp_…")
    }));

    let gated: Vec<&Value> = mine.iter().filter(|p| p["gated"] == true).collect();
    assert_eq!(gated.len(), 2, "mcpward run and its server: {text}");
    for p in gated {
        assert_eq!(p["entry"]["server"], "gated");
        assert_eq!(p["sandboxed"], false);
        assert_eq!(p["unknown"], false);
    }
}

#[test]
fn ps_watch_reports_a_server_starting_and_ending() {
    let home = tempfile::tempdir().unwrap();
    let sleeper = mcpward_testkit::testkit_server("sleeper");
    let mut watch = Command::new(mcpward_bin())
        .args(["ps", "--watch", "--json", "--interval", "0.1"])
        .env("HOME", home.path())
        .current_dir(home.path())
        .stdout(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap();
    let lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    let watch = Group(watch);
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Let the first scan finish before the server starts.
    std::thread::sleep(Duration::from_millis(500));
    let server = Command::new(&sleeper)
        .arg0("mcp-server-watched")
        .process_group(0)
        .spawn()
        .unwrap();
    let pid = server.id();
    let mut server = Group(server);
    let event_for = |rx: &std::sync::mpsc::Receiver<String>, event: &str| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
                let v: Value = serde_json::from_str(&line).unwrap();
                if v["event"] == event && v["process"]["pid"] == pid {
                    return v;
                }
            }
        }
        panic!("no {event} event for {pid}");
    };
    let started = event_for(&rx, "started");
    assert_eq!(started["process"]["unknown"], true);
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    event_for(&rx, "ended");
    drop(watch);
}

#[test]
fn audit_in_machine_mode_reports_an_unknown_running_server() {
    let home = tempfile::tempdir().unwrap();
    let sleeper = mcpward_testkit::testkit_server("sleeper");
    let server = Command::new(&sleeper)
        .arg0("mcp-server-audited")
        .process_group(0)
        .spawn()
        .unwrap();
    let pid = server.id();
    let _server = Group(server);
    let audit = |format: &str| {
        let out = Command::new(mcpward_bin())
            .args(["audit", "--format", format])
            .env("HOME", home.path())
            .current_dir(home.path())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let json: Value = serde_json::from_str(&audit("json")).unwrap();
    let ours: Vec<&Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "unknown-mcp-process")
        .filter(|f| {
            f["message"]
                .as_str()
                .unwrap()
                .contains(&format!("process {pid} "))
        })
        .collect();
    assert_eq!(ours.len(), 1, "{json:#}");
    // Human output describes the configs only.
    assert!(!audit("human").contains(&format!("process {pid} ")));
}
