//! The same decisions on stdio and on HTTP, for a 2025 client (initialize, a session) and a
//! 2026-07-28 client (context in `_meta`): one policy, one scenario, run through `mcpward run`
//! and through `mcpward serve` over a launched stdio server, over a 2025 HTTP server and over a
//! 2026-07-28-only HTTP server.

#[path = "support/serve.rs"]
mod serve;

use std::path::Path;
use std::process::Stdio;

use mcpward_testkit::{McpClient, is_error, is_input_required, response_text};
use serde_json::{Value, json};
use serve::{Client2025, Client2026, Instance};

/// What happened to a call, as a person reading the transcript would put it.
fn outcome(resp: &Value) -> &'static str {
    let text = response_text(resp);
    if is_input_required(resp) {
        "asked in the answer"
    } else if text.contains("mcpward denied") {
        "denied"
    } else if text.contains("nobody approved") {
        "asked, unanswered, refused"
    } else if is_error(resp) {
        "failed"
    } else {
        "ran"
    }
}

/// The policy: one tool allowed, one denied, one asked; an unanswered ask ends after 1 s.
fn policy(dir: &Path, read: &str, write: &str, delete: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{read}.policy.toml"));
    std::fs::write(
        &path,
        format!(
            r#"
[defaults]
mode = "allow"
approval_timeout_secs = 1

[[rule]]
tool = "{delete}"
action = "deny"
reason = "deleting is not allowed"

[[rule]]
tool = "{write}"
action = "ask"
reason = "writes need a person"
"#
        ),
    )
    .unwrap();
    path
}

/// What each client sees for (read, delete, write), and, for the 2026 client, the approved retry.
type Transcript = Vec<(&'static str, &'static str)>;

fn over_serve(url: &str, read: &str, write: &str, delete: &str) -> Transcript {
    let args = json!({"path": "a.md", "text": "hi", "query": "a", "title": "t", "body": "b"});
    let mut out = Vec::new();
    let mut c25 = Client2025::initialize(url, json!({}));
    for tool in [read, delete, write] {
        out.push(("2025", outcome(&c25.call(url, tool, args.clone()))));
    }
    let mut c26 = Client2026::new();
    for tool in [read, delete] {
        out.push(("2026", outcome(&c26.call(url, tool, args.clone()))));
    }
    let asked = c26.call(url, write, args.clone());
    out.push(("2026", outcome(&asked)));
    let approve = json!({"action": "accept", "content": {"approve": true}});
    out.push((
        "2026",
        outcome(&c26.retry(url, write, args.clone(), &asked, approve)),
    ));
    out
}

async fn over_run(dir: &Path, policy: &Path) -> Transcript {
    let args = json!({"path": "a.md", "text": "hi", "query": "a", "title": "t", "body": "b"});
    let (read, write, delete) = ("read_note", "save_note", "delete_note");
    let start = |state: &str| {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_mcpward"))
            .arg("run")
            .arg("--policy")
            .arg(policy)
            .arg("--state-dir")
            .arg(dir.join(state))
            .arg("--no-desktop-notify")
            .arg("--")
            .arg(mcpward_testkit::testkit_server("stateless_notes"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start mcpward run")
    };
    let mut out = Vec::new();
    let mut child = start("run-2025");
    let mut c25 = McpClient::new(child.stdout.take().unwrap(), child.stdin.take().unwrap());
    c25.initialize(json!({})).await.unwrap();
    for tool in [read, delete, write] {
        out.push((
            "2025",
            outcome(&c25.call_tool(tool, args.clone()).await.unwrap()),
        ));
    }
    let mut child = start("run-2026");
    let mut c26 = McpClient::new(child.stdout.take().unwrap(), child.stdin.take().unwrap());
    c26.stateless(json!({"elicitation": {"form": {}}}));
    for tool in [read, delete] {
        out.push((
            "2026",
            outcome(&c26.call_tool(tool, args.clone()).await.unwrap()),
        ));
    }
    let asked = c26.call_tool(write, args.clone()).await.unwrap();
    out.push(("2026", outcome(&asked)));
    let approve = json!({"action": "accept", "content": {"approve": true}});
    let done = c26.retry_tool(write, args, &asked, approve).await.unwrap();
    out.push(("2026", outcome(&done)));
    out
}

#[tokio::test(flavor = "current_thread")]
async fn both_eras_get_the_same_decisions_on_stdio_and_on_http() {
    let dir = tempfile::tempdir().unwrap();
    let notes_policy = policy(dir.path(), "read_note", "save_note", "delete_note");
    let http_policy = policy(dir.path(), "search_notes", "write_note", "fetch_url");
    let stdio = over_run(dir.path(), &notes_policy).await;
    let expected: Transcript = vec![
        ("2025", "ran"),
        ("2025", "denied"),
        ("2025", "asked, unanswered, refused"),
        ("2026", "ran"),
        ("2026", "denied"),
        ("2026", "asked in the answer"),
        ("2026", "ran"),
    ];
    assert_eq!(stdio, expected, "mcpward run");

    let (_h25, url25) = serve::testkit_http_server(&[]);
    let (_h26, url26) = serve::testkit_http_server(&["--stateless"]);
    let config = dir.path().join("serve.toml");
    std::fs::write(
        &config,
        format!(
            r#"
state_dir = "serve-state"

[[route]]
name = "notes"
command = "{notes}"
policy = "{notes_policy}"

[[route]]
name = "http-2025"
url = "{url25}"
policy = "{http_policy}"

[[route]]
name = "http-2026"
url = "{url26}"
policy = "{http_policy}"
"#,
            notes = mcpward_testkit::testkit_server("stateless_notes").display(),
            notes_policy = notes_policy.display(),
            http_policy = http_policy.display(),
        ),
    )
    .unwrap();
    let instance = Instance::start(&config, &dir.path().join("serve.jsonl"), &[]);
    let (serve_notes, serve_25, serve_26) = tokio::task::spawn_blocking(move || {
        let r = (
            over_serve(
                &instance.url("notes"),
                "read_note",
                "save_note",
                "delete_note",
            ),
            over_serve(
                &instance.url("http-2025"),
                "search_notes",
                "write_note",
                "fetch_url",
            ),
            over_serve(
                &instance.url("http-2026"),
                "search_notes",
                "write_note",
                "fetch_url",
            ),
        );
        drop(instance);
        r
    })
    .await
    .unwrap();
    assert_eq!(serve_notes, expected, "serve, stdio route");
    assert_eq!(serve_25, expected, "serve, 2025 HTTP server");
    assert_eq!(serve_26, expected, "serve, 2026-07-28 HTTP server");
}
