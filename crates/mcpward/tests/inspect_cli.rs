//! End-to-end tests of `mcpward inspect` (and `audit --deep`) through the real binary, against
//! real servers: the pinned official filesystem server, the testkit's misbehaving stdio servers,
//! a Streamable HTTP server on 127.0.0.1 and a server of the stateless 2026-07-28 revision.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use mcpward_testkit::{ReferenceServer, reference_server, testkit_server};
use serde_json::{Value, json};

struct Run {
    home: tempfile::TempDir,
    work: tempfile::TempDir,
}

impl Run {
    fn new() -> Run {
        Run {
            home: tempfile::tempdir().unwrap(),
            work: tempfile::tempdir().unwrap(),
        }
    }

    fn mcpward(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcpward"));
        cmd.args(args)
            .current_dir(self.work.path())
            .env_clear()
            .env("HOME", self.home.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NO_COLOR", "1");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run mcpward")
    }

    /// A Claude Code project config (`.mcp.json`) in the work directory with these servers.
    fn config(&self, servers: Value) -> PathBuf {
        let path = self.work.path().join(".mcp.json");
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&json!({ "mcpServers": servers })).unwrap(),
        )
        .unwrap();
        path
    }

    /// Paths and timings replaced, so snapshots hold only what is stable.
    fn normalise(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (path, name) in [
            (self.work.path(), "[work]"),
            (self.home.path(), "[home]"),
            (&servers_dir(), "[servers]"),
            (&bin_dir(), "[bin]"),
        ] {
            let path = path.to_string_lossy().into_owned();
            text = text.replace(&path, name);
        }
        let timing = regex::Regex::new(r"(?m)^  time .*$").unwrap();
        let text = timing.replace_all(&text, "  time       [timing]");
        let ms = regex::Regex::new(r#""(launch_to_report_ms|mcpward_ms)": [0-9.e-]+"#).unwrap();
        ms.replace_all(&text, "\"$1\": 0").into_owned()
    }
}

fn servers_dir() -> PathBuf {
    std::fs::canonicalize(mcpward_testkit::reference::servers_dir()).unwrap()
}

fn bin_dir() -> PathBuf {
    testkit_server("sleeper").parent().unwrap().to_path_buf()
}

fn filesystem_launch(root: &Path) -> (String, Vec<String>) {
    let (node, args) = reference_server(ReferenceServer::Filesystem);
    let script = std::fs::canonicalize(&args[0]).unwrap();
    (
        node.to_string_lossy().into_owned(),
        vec![
            script.to_string_lossy().into_owned(),
            root.to_string_lossy().into_owned(),
        ],
    )
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", stdout(o), stderr(o)))
}

fn bin(name: &str) -> String {
    testkit_server(name).to_string_lossy().into_owned()
}

#[test]
fn filesystem_server_by_name_lists_tools_with_capabilities_and_passes() {
    let run = Run::new();
    let root = run.work.path().join("root");
    std::fs::create_dir(&root).unwrap();
    let (node, args) = filesystem_launch(&root);
    let config = run.config(json!({"filesystem": {"command": node, "args": args}}));
    let config = config.to_string_lossy().into_owned();

    let out = run.mcpward(&["inspect", "--config", &config, "filesystem"], &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(
        text.contains("handshake  initialize (2025-11-25)"),
        "{text}"
    );
    assert!(text.contains("secure-filesystem-server"), "{text}");
    assert!(
        regex::Regex::new(r"(?m)^  write_file +write")
            .unwrap()
            .is_match(&text),
        "{text}"
    );
    assert!(
        regex::Regex::new(r"(?m)^  read_text_file +read$")
            .unwrap()
            .is_match(&text),
        "{text}"
    );

    let out = run.mcpward(
        &[
            "inspect",
            "--config",
            &config,
            "filesystem",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json_of(&out);
    let medium = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("medium" | "high" | "critical")))
        .count();
    assert_eq!(medium, 0, "{doc:#}");
    let tools = doc["tools"].as_array().unwrap();
    assert!(tools.len() >= 10, "{doc:#}");
    let write = tools.iter().find(|t| t["name"] == "write_file").unwrap();
    assert!(
        write["capabilities"]
            .as_array()
            .unwrap()
            .contains(&json!("write"))
    );
    assert_eq!(doc["servers"][0]["handshake"], "initialize");
    assert_eq!(doc["servers"][0]["origins"][0]["client"], "claude-code");
    insta::assert_snapshot!("inspect_filesystem_human", run.normalise(&text));
}

#[test]
fn poisoned_description_fails_with_pointers_to_the_poisoned_text() {
    let run = Run::new();
    let server = bin("poisoned_description");
    let out = run.mcpward(&["inspect", "--format", "json", "--", &server], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json_of(&out);
    let findings = doc["findings"].as_array().unwrap();
    for rule in ["invisible-characters", "model-directed-instructions"] {
        let f = findings
            .iter()
            .find(|f| f["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule} in {doc:#}"));
        assert_eq!(f["pointer"], "/tools/0/description", "{f:#}");
        assert_eq!(f["server"], "poisoned_description", "{f:#}");
    }
    assert_eq!(doc["tools"][0]["name"], "add");
    insta::assert_snapshot!("inspect_poisoned_json", run.normalise(&stdout(&out)));

    // The same through the human printer, and SARIF from the shared writer.
    let out = run.mcpward(&["inspect", "--", &server], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("at /tools/0/description"),
        "{}",
        stdout(&out)
    );
    insta::assert_snapshot!("inspect_poisoned_human", run.normalise(&stdout(&out)));
    let out = run.mcpward(&["inspect", "--format", "sarif", "--", &server], &[]);
    assert_eq!(out.status.code(), Some(1));
    let sarif = json_of(&out);
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "model-directed-instructions"
                && r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                    == "/tools/0/description")
    );
    // --fail-on above every finding: the findings are reported, the exit is clean.
    let out = run.mcpward(&["inspect", "--fail-on", "critical", "--", &server], &[]);
    assert_eq!(out.status.code(), Some(0));
}

/// A testkit HTTP server, killed when dropped.
struct HttpServer {
    child: Child,
    url: String,
}

impl HttpServer {
    fn start(args: &[&str]) -> HttpServer {
        let mut child = Command::new(testkit_server("http_server"))
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the testkit HTTP server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        HttpServer {
            child,
            url: line.trim().to_string(),
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn streamable_http_server_over_json_and_sse_with_pagination() {
    let run = Run::new();
    for mode in [&[][..], &["--sse"][..]] {
        let server = HttpServer::start(mode);
        let out = run.mcpward(&["inspect", &server.url, "--format", "json"], &[]);
        assert_eq!(out.status.code(), Some(0), "{mode:?}: {}", stderr(&out));
        let doc = json_of(&out);
        let names: Vec<&str> = doc["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        // Three tools, served two per page.
        assert_eq!(
            names,
            ["search_notes", "fetch_url", "write_note"],
            "{mode:?}"
        );
        let server_doc = &doc["servers"][0];
        assert_eq!(server_doc["transport"], "http");
        assert_eq!(server_doc["serverInfo"]["name"], "testkit-http");
        assert_eq!(server_doc["instructions"], true);
        let fetch = &doc["tools"][1]["capabilities"];
        assert!(
            fetch.as_array().unwrap().contains(&json!("network")),
            "{fetch}"
        );
    }
}

#[test]
fn http_server_asking_for_authorization_is_named_and_a_header_gets_in() {
    let run = Run::new();
    let server = HttpServer::start(&["--token", "let-me-in-please"]);
    let out = run.mcpward(&["inspect", &server.url], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("needs authorization (HTTP 401"), "{err}");
    assert!(
        err.contains("WWW-Authenticate: Bearer resource_metadata="),
        "{err}"
    );
    assert!(err.contains("--header"), "{err}");
    assert_eq!(err.matches("error:").count(), 1, "{err}");

    let out = run.mcpward(
        &[
            "inspect",
            &server.url,
            "--header",
            "Authorization: Bearer let-me-in-please",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stdout(&out).contains("let-me-in-please"));
}

#[test]
fn a_server_of_the_stateless_revision_is_reached_through_discover() {
    let run = Run::new();
    let out = run.mcpward(&["inspect", "--", &bin("discover_only")], &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(
        text.contains("handshake  server/discover (2026-07-28)"),
        "{text}"
    );
    assert!(text.contains("testkit-stateless 0.9.0"), "{text}");
    assert!(text.contains("1 tool(s), 1 prompt(s)"), "{text}");
    insta::assert_snapshot!("inspect_discover_human", run.normalise(&text));
}

#[test]
fn a_stateless_http_server_is_reached_through_discover_with_its_headers() {
    let run = Run::new();
    let server = HttpServer::start(&["--stateless"]);
    let out = run.mcpward(&["inspect", &server.url, "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json_of(&out);
    let s = &doc["servers"][0];
    assert_eq!(s["handshake"], "server/discover", "{doc:#}");
    assert_eq!(s["protocolVersion"], "2026-07-28");
    assert_eq!(s["serverInfo"]["name"], "testkit-http-stateless");
    // Every page of tools/list carried `_meta` and the headers, or the server would refuse it.
    assert_eq!(doc["tools"].as_array().unwrap().len(), 3, "{doc:#}");
}

#[test]
fn a_server_that_exits_at_once_shows_its_masked_stderr() {
    let run = Run::new();
    let key = "k7-Qx9-unusual-value-1234";
    let token = mcpward_testkit::fake_github_token();
    let script = format!("echo \"fatal: login refused for $SERVICE_KEY with {token}\" >&2; exit 3");
    let config = run.config(json!({"broken": {
        "command": "sh",
        "args": ["-c", script],
        "env": {"SERVICE_KEY": "${MCPWARD_TEST_KEY}"}
    }}));
    let out = run.mcpward(
        &["inspect", "--config", &config.to_string_lossy(), "broken"],
        &[("MCPWARD_TEST_KEY", key)],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("exited (exit status 3) before answering `initialize`"),
        "{err}"
    );
    assert!(err.contains("fatal: login refused for"), "{err}");
    assert!(!err.contains(key), "the env value leaked: {err}");
    assert!(!err.contains(&token), "the token leaked: {err}");
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    assert!(stdout(&out).is_empty());
}

/// Processes whose command line holds `marker`.
fn processes_with(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline"))
            && String::from_utf8_lossy(&cmdline).contains(marker)
        {
            found.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    found
}

#[test]
fn a_server_that_never_answers_times_out_and_is_killed_with_its_children() {
    let run = Run::new();
    let marker = format!("never-answers-{}", std::process::id());
    // The sleeper runs as a grandchild (behind a shell), as servers do behind npx.
    let script = format!("{} {marker} & wait", bin("sleeper"));
    let started = Instant::now();
    let out = run.mcpward(
        &["inspect", "--timeout", "1", "--", "sh", "-c", &script],
        &[],
    );
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("no answer to `initialize` in time"), "{err}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    // Nothing of it outlives the inspection.
    let deadline = Instant::now() + Duration::from_secs(3);
    while !processes_with(&marker).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        processes_with(&marker).is_empty(),
        "left running: {:?}",
        processes_with(&marker)
    );
}

#[test]
fn an_unset_variable_in_the_entry_is_named() {
    let run = Run::new();
    let config = run.config(json!({"github": {
        "command": "github-mcp-server",
        "args": ["stdio"],
        "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${MCPWARD_TEST_UNSET_TOKEN}"}
    }}));
    let out = run.mcpward(
        &["inspect", "--config", &config.to_string_lossy(), "github"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("environment variable MCPWARD_TEST_UNSET_TOKEN, which is not set"),
        "{err}"
    );
    assert!(err.contains("env GITHUB_PERSONAL_ACCESS_TOKEN"), "{err}");
}

#[test]
fn an_unknown_name_and_a_missing_command_are_usage_errors() {
    let run = Run::new();
    let config = run.config(json!({"memory": {"command": "mcp-memory"}}));
    let out = run.mcpward(
        &["inspect", "--config", &config.to_string_lossy(), "nope"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no server named `nope`"),
        "{}",
        stderr(&out)
    );
    let out = run.mcpward(&["inspect", "--", "/nonexistent/mcp-server"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot start `/nonexistent/mcp-server`"),
        "{}",
        stderr(&out)
    );
    let out = run.mcpward(&["inspect"], &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_name_launched_differently_by_two_clients_is_inspected_once_per_launch() {
    let run = Run::new();
    let first = run.config(json!({"notes": {"command": bin("poisoned_description")}}));
    // VS Code's workspace file: `servers`, launching the stateless server under the same name.
    let vscode = run.work.path().join(".vscode");
    std::fs::create_dir_all(&vscode).unwrap();
    let second_path = vscode.join("mcp.json");
    std::fs::write(
        &second_path,
        serde_json::to_string(&json!({"servers": {"notes": {"command": bin("discover_only")}}}))
            .unwrap(),
    )
    .unwrap();
    let out = run.mcpward(
        &[
            "inspect",
            "--config",
            &first.to_string_lossy(),
            "--config",
            &second_path.to_string_lossy(),
            "notes",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json_of(&out);
    let servers = doc["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 2, "{doc:#}");
    let clients: Vec<&str> = servers
        .iter()
        .map(|s| s["origins"][0]["client"].as_str().unwrap())
        .collect();
    assert_eq!(clients, ["claude-code", "vscode"]);
    // Each finding names the file of the launch it comes from.
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["file"].as_str().unwrap().ends_with(".mcp.json")),
        "{doc:#}"
    );
}

#[test]
fn audit_deep_merges_inspected_findings_and_judges_capabilities_by_the_real_tools() {
    let run = Run::new();
    let root = run.work.path().join("root");
    std::fs::create_dir(&root).unwrap();
    let (node, args) = filesystem_launch(&root);
    // `reader` and `helper` say nothing by their names; their tools do (a web fetch, a shell).
    let config = run.config(json!({
        "notes": {"command": bin("poisoned_description")},
        "filesystem": {"command": node, "args": args},
        "reader": {"command": bin("web_and_write")},
        "helper": {"command": bin("hostile")},
        "github": {"command": "github-mcp-server", "args": ["stdio"],
                   "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${MCPWARD_TEST_UNSET_PAT}"}},
    }));
    let config = config.to_string_lossy().into_owned();

    // Without --deep nothing is started and nothing is known about `reader` or `helper`.
    let out = run.mcpward(&["audit", &config, "--format", "json"], &[]);
    let doc = json_of(&out);
    let rules_for = |doc: &Value, server: &str| -> Vec<String> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["server"] == server)
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(rules_for(&doc, "helper").is_empty(), "{doc:#}");
    assert!(rules_for(&doc, "notes").is_empty(), "{doc:#}");
    assert!(doc.get("inspected").is_none());

    let out = run.mcpward(&["audit", &config, "--deep", "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json_of(&out);
    let notes = rules_for(&doc, "notes");
    for rule in ["invisible-characters", "model-directed-instructions"] {
        assert!(notes.contains(&rule.to_string()), "{notes:?}");
    }
    let poisoned = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "model-directed-instructions")
        .unwrap();
    assert_eq!(poisoned["pointer"], "/tools/0/description");
    assert_eq!(poisoned["file"], config.as_str());
    assert_eq!(poisoned["client"], "claude-code");
    assert!(poisoned["span"]["line"].as_u64().unwrap() > 0);

    let exec = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "exec-capable-server" && f["server"] == "helper")
        .unwrap_or_else(|| panic!("no exec finding for helper: {doc:#}"));
    assert!(
        exec["message"]
            .as_str()
            .unwrap()
            .contains("lists tools that run commands or code: `shell_escape`"),
        "{exec:#}"
    );
    assert!(
        rules_for(&doc, "reader").contains(&"dangerous-combination".to_string()),
        "{doc:#}"
    );
    let failed = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "inspect-failed")
        .unwrap_or_else(|| panic!("no inspect-failed: {doc:#}"));
    assert_eq!(failed["server"], "github");
    assert!(
        failed["message"]
            .as_str()
            .unwrap()
            .contains("MCPWARD_TEST_UNSET_PAT"),
        "{failed:#}"
    );
    // What each server listed, with the classes the rules used.
    let inspected = doc["inspected"].as_array().unwrap();
    let fs = inspected
        .iter()
        .find(|s| s["server"] == "filesystem")
        .unwrap();
    let write_file = fs["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "write_file")
        .unwrap();
    assert!(
        write_file["capabilities"]
            .as_array()
            .unwrap()
            .contains(&json!("write"))
    );
    assert_eq!(inspected.len(), 4, "github could not be started");

    // SARIF lists the detector rules it reported.
    let out = run.mcpward(&["audit", &config, "--deep", "--format", "sarif"], &[]);
    let sarif = json_of(&out);
    let rules: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for id in [
        "inspect-failed",
        "model-directed-instructions",
        "exec-capable-server",
    ] {
        assert!(rules.contains(&id), "{rules:?}");
    }
}
