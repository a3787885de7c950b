//! Decisions: rule order, the defaults, taint, labels and path traversal.

mod support;

use std::path::PathBuf;

use mcpward_policy::{
    Action, Call, DecisionSource, Mode, Policy, ReadOnlyProof, ToolFacts, ToolKind, explain,
    knowledge,
};
use serde_json::json;
use support::{decide, decide_with, facts, policy};

fn with(kind: ToolKind, read_only: ReadOnlyProof, tainted: bool) -> ToolFacts {
    ToolFacts {
        kind,
        read_only,
        session_tainted: tainted,
        roots: vec![PathBuf::from("/proj")],
        input_schema: None,
    }
}

const ORDERED: &str = r#"
[defaults]
mode = "read-only"

[[rule]]
server = "filesystem"
tool = "write_file"
when = { path = "src/generated/**" }
action = "deny"
reason = "generated code is rebuilt, not edited"

[[rule]]
server = "filesystem"
tool = "write_file"
when = { path = "src/**" }
action = "allow"

[[rule]]
tool = "*"
action = "ask"
"#;

#[test]
fn first_matching_rule_wins_in_file_order() {
    let p = policy(ORDERED);
    let d = decide(
        &p,
        "filesystem",
        "write_file",
        &json!({ "path": "src/generated/x.rs" }),
    );
    assert_eq!(d.action, Action::Deny);
    assert_eq!(d.reason, "generated code is rebuilt, not edited");
    assert!(matches!(
        d.source,
        DecisionSource::Rule {
            index: 0,
            line: 5,
            ..
        }
    ));

    let d = decide(
        &p,
        "filesystem",
        "write_file",
        &json!({ "path": "src/lib.rs" }),
    );
    assert_eq!(d.action, Action::Allow);
    assert!(matches!(d.source, DecisionSource::Rule { index: 1, .. }));

    let d = decide(
        &p,
        "filesystem",
        "write_file",
        &json!({ "path": "README.md" }),
    );
    assert_eq!(d.action, Action::Ask);
    assert!(matches!(d.source, DecisionSource::Rule { index: 2, .. }));
}

#[test]
fn rule_label_names_the_rule_and_its_line() {
    let p = policy(ORDERED);
    let d = decide(
        &p,
        "filesystem",
        "write_file",
        &json!({ "path": "src/lib.rs" }),
    );
    assert_eq!(d.rule_label(), "rule #2 (policy.toml:12)");
    assert_eq!(d.reason, "rule #2 (policy.toml:12) says allow");
}

#[test]
fn read_only_mode_allows_only_proven_read_only_tools() {
    let p = Policy::read_only();
    let args = json!({});
    for (proof, expected) in [
        (ReadOnlyProof::Curated("test list"), Action::Allow),
        (ReadOnlyProof::TrustedAnnotation, Action::Allow),
        (ReadOnlyProof::Pinned, Action::Allow),
        (ReadOnlyProof::HintOnly, Action::Ask),
        (ReadOnlyProof::None, Action::Ask),
    ] {
        let d = decide_with(
            &p,
            "srv",
            "tool",
            &args,
            &with(ToolKind::Read, proof, false),
        );
        assert_eq!(d.action, expected, "{proof:?}");
        assert_eq!(d.source, DecisionSource::DefaultMode(Mode::ReadOnly));
        assert_eq!(d.rule_label(), "defaults.mode = read-only");
    }
}

#[test]
fn ask_and_allow_modes_ignore_read_only_proof() {
    let args = json!({});
    let ask = policy("[defaults]\nmode = \"ask\"\n");
    let d = decide_with(
        &ask,
        "s",
        "t",
        &args,
        &with(ToolKind::Read, ReadOnlyProof::Pinned, false),
    );
    assert_eq!(d.action, Action::Ask);
    let allow = policy("[defaults]\nmode = \"allow\"\n");
    let d = decide(&allow, "s", "t", &args);
    assert_eq!(d.action, Action::Allow);
    assert_eq!(d.source, DecisionSource::DefaultMode(Mode::Allow));
}

#[test]
fn taint_turns_an_allowed_write_into_an_ask() {
    let p = policy("[defaults]\nmode = \"allow\"\n");
    let d = decide_with(
        &p,
        "fs",
        "write_file",
        &json!({}),
        &with(ToolKind::Write, ReadOnlyProof::None, true),
    );
    assert_eq!(d.action, Action::Ask);
    assert_eq!(d.source, DecisionSource::Taint);
    assert!(d.reason.contains("defaults.mode = allow"), "{}", d.reason);
}

#[test]
fn taint_guards_exec_destructive_network_and_unknown_tools() {
    let p = policy("[defaults]\nmode = \"allow\"\n");
    for kind in [
        ToolKind::Exec,
        ToolKind::Destructive,
        ToolKind::Network,
        ToolKind::Unknown,
    ] {
        let d = decide_with(
            &p,
            "s",
            "t",
            &json!({}),
            &with(kind, ReadOnlyProof::None, true),
        );
        assert_eq!(d.action, Action::Ask, "{kind:?}");
    }
}

#[test]
fn taint_leaves_reads_alone() {
    let p = Policy::read_only();
    let d = decide_with(
        &p,
        "fs",
        "read_file",
        &json!({}),
        &with(ToolKind::Read, ReadOnlyProof::Curated("x"), true),
    );
    assert_eq!(d.action, Action::Allow);
}

#[test]
fn taint_overrides_an_allow_rule_but_never_a_deny() {
    let p = policy(
        "[[rule]]\ntool = \"push\"\naction = \"allow\"\n[[rule]]\ntool = \"delete\"\naction = \"deny\"\n",
    );
    let tainted = with(ToolKind::Write, ReadOnlyProof::None, true);
    assert_eq!(
        decide_with(&p, "s", "push", &json!({}), &tainted).action,
        Action::Ask
    );
    let d = decide_with(&p, "s", "delete", &json!({}), &tainted);
    assert_eq!(d.action, Action::Deny);
    assert!(matches!(d.source, DecisionSource::Rule { .. }));
}

#[test]
fn taint_off_keeps_the_allow() {
    let p = policy("[defaults]\nmode = \"allow\"\ntaint = \"off\"\n");
    let d = decide_with(
        &p,
        "s",
        "t",
        &json!({}),
        &with(ToolKind::Exec, ReadOnlyProof::None, true),
    );
    assert_eq!(d.action, Action::Allow);
}

const SRC_ONLY: &str = r#"
[defaults]
mode = "ask"
[[rule]]
tool = "write_file"
when = { path = "src/**" }
action = "allow"
"#;

#[test]
fn rejects_dotdot_escape_from_src() {
    let p = policy(SRC_ONLY);
    for path in [
        "src/../../etc/passwd",
        "../../etc/passwd",
        "src/../secrets.env",
        "/etc/passwd",
        "/proj/../etc/passwd",
        "/projx/src/a.rs",
        "~/src/a.rs",
    ] {
        let d = decide(&p, "fs", "write_file", &json!({ "path": path }));
        assert_eq!(d.action, Action::Ask, "{path} must not count as under src/");
    }
}

#[test]
fn accepts_paths_that_resolve_into_src() {
    let p = policy(SRC_ONLY);
    for path in [
        "src/./a.rs",
        "src/x/../a.rs",
        "/proj/src/a.rs",
        "./src/a.rs",
        "/proj/./src/a",
    ] {
        let d = decide(&p, "fs", "write_file", &json!({ "path": path }));
        assert_eq!(d.action, Action::Allow, "{path}");
    }
}

#[test]
fn relative_globs_match_under_any_root_but_relative_args_use_the_first() {
    let p = policy(SRC_ONLY);
    let facts = ToolFacts {
        roots: vec![PathBuf::from("/a"), PathBuf::from("/b")],
        input_schema: None,
        ..facts()
    };
    let allowed = |path: &str| {
        decide_with(&p, "fs", "write_file", &json!({ "path": path }), &facts).action
            == Action::Allow
    };
    assert!(allowed("/b/src/x"));
    assert!(allowed("src/x"));
    assert!(!allowed("/c/src/x"));
}

#[test]
fn without_roots_escaping_relative_paths_never_match() {
    let p = policy(SRC_ONLY);
    let facts = ToolFacts {
        roots: Vec::new(),
        input_schema: None,
        ..facts()
    };
    let d = |path: &str| decide_with(&p, "fs", "write_file", &json!({ "path": path }), &facts);
    assert_eq!(d("src/a").action, Action::Allow);
    assert_eq!(d("src/../../x").action, Action::Ask);
    let any = policy(
        "[defaults]\nmode = \"ask\"\n[[rule]]\ntool = \"*\"\nwhen = { path = \"**\" }\naction = \"allow\"\n",
    );
    let d = decide_with(&any, "fs", "w", &json!({ "path": "../x" }), &facts);
    assert_eq!(d.action, Action::Ask);
}

#[test]
fn unknown_tools_follow_defaults_unknown_tools() {
    let p = Policy::read_only();
    let d = p.unknown_tool("fs", "new_tool");
    assert_eq!(d.action, Action::Deny);
    assert_eq!(d.source, DecisionSource::UnknownTool);
    assert!(d.reason.contains("new_tool"));
    let p = policy("[defaults]\nunknown_tools = \"ask\"\n");
    assert_eq!(p.unknown_tool("fs", "t").action, Action::Ask);
}

#[test]
fn always_denies_only_unconditional_denials() {
    let p = policy(
        r#"
[[rule]]
tool = "move_file"
action = "deny"
[[rule]]
tool = "write_file"
when = { path = "/etc/**" }
action = "deny"
[[rule]]
tool = "write_file"
action = "deny"
[[rule]]
tool = "edit_file"
when = { path = "src/**" }
action = "ask"
[[rule]]
tool = "edit_file"
action = "deny"
"#,
    );
    assert!(p.always_denies("fs", "move_file"));
    assert!(p.always_denies("fs", "write_file"));
    assert!(!p.always_denies("fs", "edit_file"));
    assert!(!p.always_denies("fs", "read_file"));
}

#[test]
fn defaults_have_documented_values() {
    let d = Policy::read_only().defaults;
    assert_eq!(d.mode, Mode::ReadOnly);
    assert_eq!(d.unknown_tools, Action::Deny);
    assert!(d.redact_responses && d.hide_denied_tools);
    assert_eq!(d.approval_timeout_secs, 120);
    assert_eq!(d.max_frame_bytes, 16 * 1024 * 1024);
    assert!(d.trusted_servers.is_empty());
}

#[test]
fn trusted_servers_make_annotations_proof() {
    let p = policy("[defaults]\ntrusted_servers = [\"internal\"]\n");
    assert!(p.defaults.trusts("internal"));
    assert!(!p.defaults.trusts("other"));
    let hint = json!({ "readOnlyHint": true });
    let trusted = knowledge::read_only_proof(None, "t", Some(&hint), true, false);
    assert_eq!(trusted, ReadOnlyProof::TrustedAnnotation);
    let untrusted = knowledge::read_only_proof(None, "t", Some(&hint), false, false);
    assert_eq!(untrusted, ReadOnlyProof::HintOnly);
    let pinned = knowledge::read_only_proof(None, "t", None, false, true);
    assert_eq!(pinned, ReadOnlyProof::Pinned);
    let curated = knowledge::read_only_proof(
        Some(("npm", "@modelcontextprotocol/server-filesystem")),
        "read_text_file",
        None,
        false,
        false,
    );
    assert!(matches!(curated, ReadOnlyProof::Curated(_)));
    // A server the user called `filesystem` is not the filesystem server.
    let by_name = knowledge::read_only_proof(None, "read_text_file", None, false, false);
    assert_eq!(by_name, ReadOnlyProof::None);
}

#[test]
fn explain_reports_why_each_rule_did_not_match() {
    let p = policy(ORDERED);
    let args = json!({ "path": "README.md" });
    let f = facts();
    let call = Call {
        server: "filesystem",
        tool: "write_file",
        arguments: &args,
        facts: &f,
    };
    let e = explain(&p, &call);
    assert_eq!(e.decision, p.evaluate(&call));
    insta::assert_snapshot!(e.to_string(), @r#"
    call: server `filesystem`, tool `write_file`
      rule #1 (line 5, deny): argument `path` does not satisfy: matches path glob "src/generated/**"
      rule #2 (line 12, allow): argument `path` does not satisfy: matches path glob "src/**"
      rule #3 (line 18, ask): matched
    decision: ask by rule #3 (policy.toml:18): rule #3 (policy.toml:18) says ask
    "#);
}

#[test]
fn explain_marks_rules_after_the_match_as_not_reached() {
    let p = policy(ORDERED);
    let args = json!({ "path": "src/generated/a" });
    let f = facts();
    let call = Call {
        server: "filesystem",
        tool: "write_file",
        arguments: &args,
        facts: &f,
    };
    let text = explain(&p, &call).to_string();
    assert!(
        text.contains("rule #2 (line 12, allow): not reached"),
        "{text}"
    );
    let other = Call {
        server: "github",
        tool: "x",
        ..call
    };
    let text = explain(&p, &other).to_string();
    assert!(
        text.contains("rule #1 (line 5, deny): server does not match"),
        "{text}"
    );
}
