//! `mcpward approve` / `mcpward deny` / `mcpward approve --list` through the real binary,
//! answering requests that a gateway (the library's queue) is waiting on.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use mcpward_gateway::queue::{
    AnswerSource, ApprovalOutcome, ApprovalQueue, ApprovalRequest, ApprovalScope, QueueAnswer,
    pending,
};

fn mcpward(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .args(args)
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("USER", "alice")
        .env("NO_COLOR", "1")
        .output()
        .expect("run mcpward")
}

fn text(o: &Output, home: &Path, id: &str) -> String {
    format!(
        "status: {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
    .replace(home.to_str().unwrap(), "<home>")
    .replace(id, "<id>")
}

fn state(home: &Path) -> std::path::PathBuf {
    home.join("state").join("mcpward")
}

/// Places a request the way a gateway does and returns the task waiting for its answer.
async fn waiting_request(
    home: &Path,
    tool: &str,
) -> (String, tokio::task::JoinHandle<ApprovalOutcome>) {
    waiting_request_with(
        home,
        tool,
        serde_json::json!({ "path": "src/lib.rs", "token": "****" }),
    )
    .await
}

async fn waiting_request_with(
    home: &Path,
    tool: &str,
    arguments_masked: serde_json::Value,
) -> (String, tokio::task::JoinHandle<ApprovalOutcome>) {
    let q = ApprovalQueue::open(&state(home)).unwrap();
    let req = ApprovalRequest {
        id: q.new_id(),
        session: "sess-1".into(),
        server: "filesystem".into(),
        tool: tool.into(),
        arguments_masked,
        reason: "writes need review".into(),
    };
    let id = req.id.clone();
    let task = tokio::spawn(async move { q.request(req, Duration::from_secs(20)).await });
    for _ in 0..400 {
        if pending(&state(home)).unwrap().iter().any(|r| r.id == id) {
            return (id, task);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("request never became pending");
}

#[tokio::test]
async fn list_shows_what_is_waiting_and_approve_answers_it() {
    let home = tempfile::tempdir().unwrap();
    let (id, task) = waiting_request(home.path(), "write_file").await;
    let out = mcpward(home.path(), &["approve", "--list"]);
    insta::assert_snapshot!(text(&out, home.path(), &id), @r#"
        status: Some(0)
        --- stdout
        <id>  filesystem/write_file  session=sess-1
                why: writes need review
                argument path: "src/lib.rs"
                argument token: "****"
        --- stderr
    "#);
    let out = mcpward(home.path(), &["approve", "--no-tty", &id]);
    insta::assert_snapshot!(text(&out, home.path(), &id), @r#"
        status: Some(0)
        --- stdout
        approved <id> (filesystem/write_file): this call only
        --- stderr
    "#);
    // The log says a script answered; `$USER` names nobody.
    let outcome = task.await.unwrap();
    let ApprovalOutcome::Approved { scope, by } = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(scope, ApprovalScope::Once);
    assert_eq!(by.source, AnswerSource::Script);
    assert!(!by.to_string().contains("alice"), "{by}");
}

#[tokio::test]
async fn approve_for_the_session() {
    let home = tempfile::tempdir().unwrap();
    let (id, task) = waiting_request(home.path(), "write_file").await;
    let out = mcpward(home.path(), &["approve", "--no-tty", "--session", &id]);
    insta::assert_snapshot!(text(&out, home.path(), &id), @r#"
        status: Some(0)
        --- stdout
        approved <id> (filesystem/write_file): for the rest of the session
        --- stderr
    "#);
    assert!(matches!(
        task.await.unwrap(),
        ApprovalOutcome::Approved {
            scope: ApprovalScope::Session,
            ..
        }
    ));
}

#[tokio::test]
async fn deny_refuses_the_call() {
    let home = tempfile::tempdir().unwrap();
    let (id, task) = waiting_request(home.path(), "delete_file").await;
    let state_dir = state(home.path());
    let out = mcpward(
        home.path(),
        &[
            "deny",
            "--no-tty",
            &id,
            "--state-dir",
            state_dir.to_str().unwrap(),
        ],
    );
    insta::assert_snapshot!(text(&out, home.path(), &id), @r#"
        status: Some(0)
        --- stdout
        denied <id> (filesystem/delete_file)
        --- stderr
    "#);
    assert!(matches!(
        task.await.unwrap(),
        ApprovalOutcome::Denied {
            by: QueueAnswer {
                source: AnswerSource::Script,
                ..
            }
        }
    ));
}

#[test]
fn list_with_nothing_pending() {
    let home = tempfile::tempdir().unwrap();
    let out = mcpward(home.path(), &["approve", "--list"]);
    insta::assert_snapshot!(text(&out, home.path(), "<no id>"), @r#"
        status: Some(0)
        --- stdout
        no pending approvals
        --- stderr
    "#);
}

#[test]
fn unknown_id_fails_and_says_how_to_find_the_right_one() {
    let home = tempfile::tempdir().unwrap();
    let out = mcpward(home.path(), &["approve", "--no-tty", "abcdef"]);
    insta::assert_snapshot!(text(&out, home.path(), "<no id>"), @r#"
        status: Some(2)
        --- stdout
        --- stderr
        error: no pending approval `abcdef` in <home>/state/mcpward/approvals; it may have been answered or timed out — run `mcpward approve --list`
    "#);
    let out = mcpward(home.path(), &["deny", "--no-tty", "../../etc"]);
    insta::assert_snapshot!(text(&out, home.path(), "<no id>"), @r#"
        status: Some(2)
        --- stdout
        --- stderr
        error: `../../etc` is not a valid approval id (expected 6 characters a-z and 2-7); run `mcpward approve --list` to see pending ids
    "#);
}

#[test]
fn approve_needs_an_id_or_list() {
    let home = tempfile::tempdir().unwrap();
    let out = mcpward(home.path(), &["approve"]);
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn script_without_a_terminal_cannot_approve() {
    let home = tempfile::tempdir().unwrap();
    let (id, task) = waiting_request(home.path(), "write_file").await;
    // What a server or another process running as the user gets when it finds the command:
    // no terminal on stdin, so the answer is refused and the call keeps waiting.
    let out = mcpward(home.path(), &["approve", &id]);
    insta::assert_snapshot!(text(&out, home.path(), &id), @r"
        status: Some(2)
        --- stdout
        --- stderr
        error: `mcpward approve` answers for a person and needs an interactive terminal (stdin is not one); run it in a terminal, or pass --no-tty to let a script answer (the audit log records that no terminal was present)
    ");
    let out = mcpward(home.path(), &["deny", &id]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--no-tty"));
    assert!(
        pending(&state(home.path()))
            .unwrap()
            .iter()
            .any(|r| r.id == id)
    );
    task.abort();
}

#[tokio::test]
async fn list_shows_a_tool_name_that_would_repaint_the_line_and_the_path_before_long_content() {
    let home = tempfile::tempdir().unwrap();
    // Printed raw, this would erase the line and show a harmless notes write.
    let (id, task) = waiting_request_with(
        home.path(),
        "write_file\r\u{1b}[2K\u{202E}read_notes",
        serde_json::json!({
            "content": format!("ssh-ed25519 AAAA{}", "B".repeat(400)),
            "path": "/home/a-example/.ssh/authorized_keys"
        }),
    )
    .await;
    let out = mcpward(home.path(), &["approve", "--list"]);
    insta::assert_snapshot!(text(&out, home.path(), &id), @r#"
    status: Some(0)
    --- stdout
    <id>  filesystem/write_file\r\u{1b}[2K\u{202e}read_notes  session=sess-1
            why: writes need review
            argument path: "/home/a-example/.ssh/authorized_keys"
            argument content: "ssh-ed25519 AAAABBBBBBBBBBBBBBBBBBBBBBBB" … "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB" (416 chars)
    --- stderr
    "#);
    task.abort();
}
