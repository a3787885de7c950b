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

/// `mcpward check --install/--uninstall …` with HOME and the working directory in `home`, and
/// `mcpward` on PATH (a copy of this binary in `home/bin`).
fn install_cmd(home: &Path, args: &[&str]) -> Output {
    let bin = home.join("bin");
    if !bin.join("mcpward").exists() {
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::copy(env!("CARGO_BIN_EXE_mcpward"), bin.join("mcpward")).unwrap();
    }
    Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .arg("check")
        .args(args)
        .current_dir(home)
        .env("HOME", home)
        .env("PATH", &bin)
        .env_remove("XDG_STATE_HOME")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run mcpward")
}

fn shown(o: &Output, home: &Path) -> String {
    let text = format!(
        "status: {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
    .replace(home.to_str().unwrap(), "<home>");
    // Backup names carry a hash of the path and a time stamp.
    match text.find("/backups/") {
        Some(at) => {
            let end = text[at..].find('\n').map_or(text.len(), |e| at + e);
            format!("{}/backups/<backup>{}", &text[..at], &text[end..])
        }
        None => text,
    }
}

#[test]
fn install_writes_the_hook_into_existing_settings_and_uninstall_takes_it_back() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    std::fs::create_dir(home.join(".claude")).unwrap();
    let settings = home.join(".claude/settings.json");
    let original = "{\n  \"model\": \"opus\"\n}\n";
    std::fs::write(&settings, original).unwrap();
    std::fs::write(home.join("policy.toml"), POLICY).unwrap();
    let out = install_cmd(home, &["--policy", "policy.toml", "--install", "--yes"]);
    insta::assert_snapshot!(shown(&out, home), @r#"
    status: Some(0)
    --- stdout
    --- <home>/.claude/settings.json
    +++ <home>/.claude/settings.json
    @@ -1,3 +1,8 @@
     {
    -  "model": "opus"
    +  "model": "opus",
    +  "hooks": {
    +    "PreToolUse": [
    +      { "matcher": "mcp__.*", "hooks": [{ "type": "command", "command": "mcpward check --policy <home>/policy.toml" }] }
    +    ]
    +  }
     }
    wrote <home>/.claude/settings.json; the previous version is in <home>/.local/state/mcpward/backups/<backup>
    Claude Code now asks mcpward before every MCP tool call; restart Claude Code to apply
    --- stderr
    "#);
    // The hook it wrote works: Claude Code runs the command line with the event on stdin.
    let written = std::fs::read_to_string(&settings).unwrap();
    let v: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(v["model"], "opus");
    let again = install_cmd(home, &["--install", "--yes"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("nothing to do"));
    let out = install_cmd(home, &["--uninstall", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out, home));
    assert_eq!(std::fs::read_to_string(&settings).unwrap(), original);
}

#[test]
fn install_without_a_terminal_or_yes_writes_nothing() {
    let home = tempfile::tempdir().unwrap();
    let out = install_cmd(home.path(), &["--install", "--project"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    assert!(!home.path().join(".claude/settings.json").exists());
}

#[test]
fn install_refuses_settings_it_cannot_read_as_an_object() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".claude")).unwrap();
    std::fs::write(
        home.path().join(".claude/settings.json"),
        "{\"hooks\": [] }",
    )
    .unwrap();
    let out = install_cmd(home.path(), &["--install", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("`hooks` is a list, not an object"),
        "{}",
        shown(&out, home.path())
    );
}
