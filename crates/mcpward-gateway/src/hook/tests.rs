use std::path::Path;

use super::*;

const POLICY: &str = r#"
[defaults]
mode = "read-only"

[[rule]]
server = "filesystem"
tool = "read_file"
action = "allow"
reason = "reading files is fine"

[[rule]]
server = "github"
tool = "create_*"
action = "ask"
reason = "creating things on GitHub needs a look"

[[rule]]
tool = "delete_*"
action = "deny"
reason = "deleting needs a person at the keyboard"

[[rule]]
server = "my__srv"
tool = "drop_table"
action = "deny"
reason = "never drop tables"

[[rule]]
server = "my__srv"
tool = "query"
action = "allow"
"#;

fn policy() -> Policy {
    Policy::parse(POLICY, Path::new("policy.toml")).unwrap()
}

fn event(tool_name: &str) -> String {
    serde_json::json!({
        "session_id": "abc123",
        "transcript_path": "/tmp/t.jsonl",
        "cwd": "/tmp/project",
        "hook_event_name": "PreToolUse",
        "tool_name": tool_name,
        "tool_input": { "path": "README.md" }
    })
    .to_string()
}

/// The JSON line with the policy's line numbers masked: those belong to the policy crate's
/// snapshots, not to the hook's format.
fn json_of(out: &HookOutput) -> String {
    let json = out.to_json().expect("a decision prints JSON");
    let mut masked = String::with_capacity(json.len());
    let mut rest = json.as_str();
    while let Some(at) = rest.find("policy.toml:") {
        let (head, tail) = rest.split_at(at + "policy.toml:".len());
        masked.push_str(head);
        masked.push_str("<line>");
        rest = tail.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    masked.push_str(rest);
    masked
}

fn decision_of(out: &HookOutput) -> HookDecision {
    match out {
        HookOutput::Decision { decision, .. } => *decision,
        HookOutput::NoOpinion => panic!("expected a decision, got no opinion"),
    }
}

#[test]
fn allows_a_call_an_allow_rule_matches() {
    let out = decide(&event("mcp__filesystem__read_file"), &policy());
    insta::assert_snapshot!(json_of(&out), @r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow","permissionDecisionReason":"mcpward: reading files is fine [rule #1 (policy.toml:<line>)] (server `filesystem`, tool `read_file`)"}}"#);
    assert_eq!(out.exit_code(), 0);
}

#[test]
fn denies_a_call_a_deny_rule_matches_with_its_reason() {
    let out = decide(&event("mcp__filesystem__delete_file"), &policy());
    insta::assert_snapshot!(json_of(&out), @r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"mcpward: deleting needs a person at the keyboard [rule #3 (policy.toml:<line>)] (server `filesystem`, tool `delete_file`)"}}"#);
}

#[test]
fn asks_when_an_ask_rule_matches() {
    let out = decide(&event("mcp__github__create_issue"), &policy());
    insta::assert_snapshot!(json_of(&out), @r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"ask","permissionDecisionReason":"mcpward: creating things on GitHub needs a look [rule #2 (policy.toml:<line>)] (server `github`, tool `create_issue`)"}}"#);
}

#[test]
fn has_no_opinion_on_tools_that_are_not_mcp() {
    for tool in ["Bash", "Edit", "mcp_filesystem__x", "MCP__a__b"] {
        let out = decide(&event(tool), &policy());
        assert_eq!(out, HookOutput::NoOpinion, "{tool}");
        assert_eq!(out.to_json(), None);
        assert_eq!(out.exit_code(), 0);
    }
}

#[test]
fn denies_input_that_is_not_json() {
    let out = decide("{\"tool_name\": \"mcp__a__b\"", &policy());
    assert_eq!(decision_of(&out), HookDecision::Deny);
    insta::assert_snapshot!(json_of(&out), @r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"mcpward check: the hook input is not valid JSON (EOF while parsing an object at line 1 column 25); check the hook command in Claude Code's settings"}}"#);
}

#[test]
fn denies_input_of_the_wrong_shape() {
    for input in [
        "[]",
        "42",
        "{}",
        r#"{"tool_name": 7}"#,
        r#"{"hook_event_name": "PreToolUse"}"#,
        "",
    ] {
        let out = decide(input, &policy());
        assert_eq!(decision_of(&out), HookDecision::Deny, "{input}");
    }
}

#[test]
fn denies_an_mcp_tool_name_without_a_tool_part() {
    for name in ["mcp__", "mcp__filesystem", "mcp__filesystem__", "mcp____x"] {
        let out = decide(&event(name), &policy());
        assert_eq!(decision_of(&out), HookDecision::Deny, "{name}");
    }
}

#[test]
fn denies_events_other_than_pre_tool_use() {
    let input = event("mcp__filesystem__read_file").replace("PreToolUse", "PostToolUse");
    let out = decide(&input, &policy());
    assert_eq!(decision_of(&out), HookDecision::Deny);
    let HookOutput::Decision { reason, .. } = out else {
        unreachable!()
    };
    assert!(reason.contains("PostToolUse"), "{reason}");
}

#[test]
fn server_name_with_double_underscore_takes_the_strictest_reading() {
    // `mcp__my__srv__query` reads as server `my` + tool `srv__query` (read-only default: ask)
    // or server `my__srv` + tool `query` (allowed): the stricter answer wins.
    let out = decide(&event("mcp__my__srv__query"), &policy());
    assert_eq!(decision_of(&out), HookDecision::Ask);
    let HookOutput::Decision { reason, .. } = &out else {
        unreachable!()
    };
    assert!(reason.contains("2 ways"), "{reason}");
}

#[test]
fn deny_rule_on_a_server_with_double_underscore_applies() {
    let out = decide(&event("mcp__my__srv__drop_table"), &policy());
    assert_eq!(decision_of(&out), HookDecision::Deny);
    let HookOutput::Decision { reason, .. } = &out else {
        unreachable!()
    };
    assert!(reason.contains("never drop tables"), "{reason}");
}

#[test]
fn splits_cover_overlapping_separators() {
    assert_eq!(splits("a___b"), [("a", "_b"), ("a_", "b")]);
    assert_eq!(splits("a__b__c"), [("a", "b__c"), ("a__b", "c")]);
    assert!(splits("ab").is_empty());
}

#[test]
fn absurdly_ambiguous_tool_names_are_denied_without_evaluating_each_reading() {
    let name = format!("mcp__{}", "a__".repeat(10_000));
    let out = decide(&event(&name), &policy());
    assert_eq!(decision_of(&out), HookDecision::Deny);
}

#[test]
fn missing_event_name_is_treated_as_pre_tool_use() {
    let input = r#"{"tool_name":"mcp__filesystem__read_file","tool_input":{}}"#;
    assert_eq!(decision_of(&decide(input, &policy())), HookDecision::Allow);
}

#[test]
fn asks_for_an_unproven_tool_in_read_only_mode() {
    let out = decide(&event("mcp__github__merge_pull_request"), &policy());
    assert_eq!(decision_of(&out), HookDecision::Ask);
}

#[test]
fn built_in_policy_never_allows_an_unknown_write() {
    let out = decide(&event("mcp__filesystem__write_file"), &Policy::read_only());
    assert_ne!(decision_of(&out), HookDecision::Allow);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn never_panics_and_never_allows_unreadable_input(input in "\\PC{0,300}") {
            let out = decide(&input, &policy());
            if let HookOutput::Decision { decision, .. } = out {
                // Random text is not a well-formed event naming an allowed tool.
                prop_assert_ne!(decision, HookDecision::Allow);
            }
        }

        #[test]
        fn any_mcp_tool_name_gets_a_decision(name in "mcp__\\PC{0,40}") {
            let out = decide(&event(&name), &policy());
            let decided = matches!(out, HookOutput::Decision { .. });
            prop_assert!(decided);
            prop_assert!(out.to_json().is_some());
        }
    }
}

#[cfg(unix)]
#[test]
fn path_through_a_symlink_in_the_project_is_judged_by_its_target() {
    let project = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secrets.env"), "X=1").unwrap();
    std::fs::create_dir(project.path().join("src")).unwrap();
    std::os::unix::fs::symlink(outside.path(), project.path().join("src/link")).unwrap();
    let policy = Policy::parse(
        "[[rule]]\ntool = \"read_file\"\nwhen = { path = \"src/**\" }\naction = \"allow\"\n\n[[rule]]\ntool = \"read_file\"\naction = \"deny\"\n",
        Path::new("policy.toml"),
    )
    .unwrap();
    let event = |path: &str| {
        serde_json::json!({
            "session_id": "s",
            "cwd": project.path(),
            "hook_event_name": "PreToolUse",
            "tool_name": "mcp__fs__read_file",
            "tool_input": { "path": path },
        })
        .to_string()
    };
    std::fs::write(project.path().join("src/main.rs"), "").unwrap();
    assert_eq!(
        decision_of(&decide(&event("src/main.rs"), &policy)),
        HookDecision::Allow
    );
    assert_eq!(
        decision_of(&decide(&event("src/link/secrets.env"), &policy)),
        HookDecision::Deny
    );
}

#[test]
fn equality_rule_on_a_word_argument_is_not_defeated_by_path_resolution() {
    // `main` names no file; it must not be turned into `<cwd>/main` before `equals` sees it.
    let project = tempfile::tempdir().unwrap();
    let policy = Policy::parse(
        "[[rule]]\ntool = \"push\"\nwhen = { branch = { equals = \"main\" } }\naction = \"deny\"\nreason = \"no pushes to main\"\n\n[[rule]]\ntool = \"push\"\naction = \"allow\"\n",
        Path::new("policy.toml"),
    )
    .unwrap();
    let event = serde_json::json!({
        "session_id": "s",
        "cwd": project.path(),
        "hook_event_name": "PreToolUse",
        "tool_name": "mcp__git__push",
        "tool_input": { "branch": "main" },
    })
    .to_string();
    assert_eq!(decision_of(&decide(&event, &policy)), HookDecision::Deny);
}

#[cfg(unix)]
#[test]
fn dotdot_after_a_symlink_is_judged_both_ways() {
    // The kernel resolves `link/..` through the link; a server that normalises first does not.
    // A deny rule that matches either reading applies.
    let project = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir(outside.path().join("deep")).unwrap();
    std::fs::create_dir(project.path().join("secrets")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("deep"), project.path().join("link")).unwrap();
    let policy = Policy::parse(
        "[[rule]]\ntool = \"read_file\"\nwhen = { path = \"secrets/**\" }\naction = \"deny\"\n\n[[rule]]\ntool = \"read_file\"\naction = \"allow\"\n",
        Path::new("policy.toml"),
    )
    .unwrap();
    let event = serde_json::json!({
        "session_id": "s",
        "cwd": project.path(),
        "hook_event_name": "PreToolUse",
        "tool_name": "mcp__fs__read_file",
        "tool_input": { "path": "link/../secrets/key" },
    })
    .to_string();
    assert_eq!(decision_of(&decide(&event, &policy)), HookDecision::Deny);
}

#[test]
fn home_relative_path_is_judged_where_a_server_expanding_tilde_would_go() {
    let Some(home) = dirs::home_dir() else {
        return;
    };
    let home = std::fs::canonicalize(&home).unwrap_or(home);
    let project = tempfile::tempdir().unwrap();
    let policy = Policy::parse(
        &format!(
            "[[rule]]\ntool = \"read_file\"\nwhen = {{ path = \"{}/.ssh/**\" }}\naction = \"deny\"\n\n[[rule]]\ntool = \"read_file\"\naction = \"allow\"\n",
            home.display()
        ),
        Path::new("policy.toml"),
    )
    .unwrap();
    let event = serde_json::json!({
        "session_id": "s",
        "cwd": project.path(),
        "hook_event_name": "PreToolUse",
        "tool_name": "mcp__fs__read_file",
        "tool_input": { "path": "~/.ssh/id_rsa" },
    })
    .to_string();
    assert_eq!(decision_of(&decide(&event, &policy)), HookDecision::Deny);
}

/// A project with `.mcp.json` holding `servers` (a JSON object), and an empty home.
fn project(servers: serde_json::Value) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        project.join(".mcp.json"),
        serde_json::json!({ "mcpServers": servers }).to_string(),
    )
    .unwrap();
    let project = std::fs::canonicalize(project).unwrap();
    (dir, project, home)
}

fn event_in(cwd: Option<&Path>, tool_name: &str, input: serde_json::Value) -> String {
    let mut e = serde_json::json!({
        "hook_event_name": "PreToolUse",
        "tool_name": tool_name,
        "tool_input": input,
    });
    if let Some(cwd) = cwd {
        e["cwd"] = cwd.display().to_string().into();
    }
    e.to_string()
}

#[test]
fn a_look_alike_git_server_named_git_gets_no_curated_read_only_proof() {
    let read_only = Policy::read_only();
    let (_dir, project, home) = project(serde_json::json!({
        "git": { "command": "npx", "args": ["-y", "@cyanheads/git-mcp-server"] }
    }));
    let ev = event_in(
        Some(&project),
        "mcp__git__git_branch",
        serde_json::json!({"name": "main", "delete": true}),
    );
    let out = decide_with_home(&ev, &read_only, Some(&home));
    assert_eq!(decision_of(&out), HookDecision::Ask, "{out:?}");
    // Without any config the name `git` proves nothing either.
    let ev = event_in(None, "mcp__git__git_branch", serde_json::json!({}));
    let out = decide_with_home(&ev, &read_only, Some(&home));
    assert_eq!(decision_of(&out), HookDecision::Ask, "{out:?}");
}

#[test]
fn the_official_git_server_keeps_its_curated_reads_whatever_it_is_called() {
    let read_only = Policy::read_only();
    let (_dir, project, home) = project(serde_json::json!({
        "vcs": { "command": "uvx", "args": ["mcp-server-git", "--repository", "."] }
    }));
    let ev = event_in(
        Some(&project),
        "mcp__vcs__git_status",
        serde_json::json!({}),
    );
    let out = decide_with_home(&ev, &read_only, Some(&home));
    assert_eq!(decision_of(&out), HookDecision::Allow, "{out:?}");
}

#[test]
fn relative_deny_glob_catches_a_path_under_the_servers_own_root_not_the_cwd() {
    let policy = Policy::parse(
        "[defaults]\nmode = \"allow\"\n[[rule]]\ntool = \"write_file\"\nwhen = { path = \"**/.env\" }\naction = \"deny\"\n",
        Path::new("policy.toml"),
    )
    .unwrap();
    let (dir, project, home) = project(serde_json::json!({}));
    let site = dir.path().join("site");
    std::fs::create_dir_all(&site).unwrap();
    let site = std::fs::canonicalize(site).unwrap();
    std::fs::write(
        project.join(".mcp.json"),
        serde_json::json!({ "mcpServers": { "fs": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-filesystem", site.display().to_string(), "."]
        }}})
        .to_string(),
    )
    .unwrap();
    // An absolute path inside the server's root: relative to the root it is `.env`.
    let target = site.join(".env").display().to_string();
    let cwd = Some(project.as_path());
    let ev = event_in(
        cwd,
        "mcp__fs__write_file",
        serde_json::json!({"path": target, "content": "x"}),
    );
    let out = decide_with_home(&ev, &policy, Some(&home));
    assert_eq!(
        decision_of(&out),
        HookDecision::Deny,
        "cwd {cwd:?}: {out:?}"
    );
    // Without a cwd, the server's root is unknown: the deny still holds where a pattern is
    // absolute, and an allow is turned into a question rather than guessed.
    let ev = event_in(
        None,
        "mcp__fs__write_file",
        serde_json::json!({"path": site.join("index.html").display().to_string()}),
    );
    assert_eq!(
        decision_of(&decide_with_home(&ev, &policy, Some(&home))),
        HookDecision::Ask
    );
    // A file that is not `.env` is allowed.
    let other = site.join("index.html").display().to_string();
    let ev = event_in(
        Some(&project),
        "mcp__fs__write_file",
        serde_json::json!({"path": other}),
    );
    assert_eq!(
        decision_of(&decide_with_home(&ev, &policy, Some(&home))),
        HookDecision::Allow
    );
}
