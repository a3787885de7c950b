//! `mcpward check`, the Claude Code PreToolUse hook, through the real binary: event on stdin,
//! decision JSON on stdout, always exit 0.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const POLICY: &str = r#"[defaults]
mode = "read-only"

[[rule]]
server = "filesystem"
tool = "read_file"
action = "allow"
reason = "reading is fine"

[[rule]]
tool = "delete_*"
action = "deny"
reason = "deleting needs a person at the keyboard"

[[rule]]
server = "github"
tool = "create_*"
action = "ask"
reason = "creating things on GitHub needs a look"
"#;

fn check(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .arg("check")
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mcpward");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn with_policy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("policy.toml"), POLICY).unwrap();
    dir
}

fn event(tool: &str) -> String {
    serde_json::json!({
        "session_id": "abc",
        "cwd": "/srv/project",
        "hook_event_name": "PreToolUse",
        "tool_name": tool,
        "tool_input": {"path": "README.md"}
    })
    .to_string()
}

fn text(o: &Output) -> String {
    // The policy's line numbers belong to the policy's own tests.
    let stdout = String::from_utf8_lossy(&o.stdout);
    let mut masked = String::new();
    let mut rest = stdout.as_ref();
    while let Some(at) = rest.find("policy.toml:") {
        let (head, tail) = rest.split_at(at + "policy.toml:".len());
        masked.push_str(head);
        masked.push_str("<line>");
        rest = tail.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    masked.push_str(rest);
    format!(
        "status: {:?}\n--- stdout\n{masked}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn allows_deny_and_asks_as_the_policy_says() {
    let dir = with_policy();
    let p = ["--policy", "policy.toml"];
    let out = check(dir.path(), &p, &event("mcp__filesystem__read_file"));
    insta::assert_snapshot!(text(&out), @r#"
        status: Some(0)
        --- stdout
        {"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow","permissionDecisionReason":"mcpward: reading is fine [rule #1 (policy.toml:<line>)] (server `filesystem`, tool `read_file`)"}}
        --- stderr
    "#);
    let out = check(dir.path(), &p, &event("mcp__filesystem__delete_file"));
    insta::assert_snapshot!(text(&out), @r#"
        status: Some(0)
        --- stdout
        {"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"mcpward: deleting needs a person at the keyboard [rule #2 (policy.toml:<line>)] (server `filesystem`, tool `delete_file`)"}}
        --- stderr
    "#);
    let out = check(dir.path(), &p, &event("mcp__github__create_issue"));
    insta::assert_snapshot!(text(&out), @r#"
        status: Some(0)
        --- stdout
        {"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"ask","permissionDecisionReason":"mcpward: creating things on GitHub needs a look [rule #3 (policy.toml:<line>)] (server `github`, tool `create_issue`)"}}
        --- stderr
    "#);
}

#[test]
fn says_nothing_about_tools_that_are_not_mcp() {
    let dir = with_policy();
    let out = check(dir.path(), &["--policy", "policy.toml"], &event("Bash"));
    insta::assert_snapshot!(text(&out), @r#"
        status: Some(0)
        --- stdout
        --- stderr
    "#);
}

#[test]
fn denies_malformed_input_and_still_exits_zero() {
    let dir = with_policy();
    let out = check(dir.path(), &["--policy", "policy.toml"], "not json");
    insta::assert_snapshot!(text(&out), @r#"
        status: Some(0)
        --- stdout
        {"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"mcpward check: the hook input is not valid JSON (expected ident at line 1 column 2); check the hook command in Claude Code's settings"}}
        --- stderr
    "#);
}

#[test]
fn denies_when_the_policy_cannot_be_loaded() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "[[rule]]\nactoin = \"allow\"\n",
    )
    .unwrap();
    let out = check(
        dir.path(),
        &["--policy", "bad.toml"],
        &event("mcp__filesystem__read_file"),
    );
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
    let reason = v["hookSpecificOutput"]["permissionDecisionReason"]
        .as_str()
        .unwrap();
    assert!(reason.contains("bad.toml"), "{reason}");
}

#[test]
fn without_a_policy_the_built_in_read_only_policy_never_allows_writes() {
    let dir = tempfile::tempdir().unwrap();
    let out = check(dir.path(), &[], &event("mcp__filesystem__write_file"));
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_ne!(v["hookSpecificOutput"]["permissionDecision"], "allow");
}
