//! The shipped example policies and the TOML in docs/policy.md parse and mean what they say.

mod support;

use std::path::{Path, PathBuf};

use mcpward_policy::{Action, Policy, ReadOnlyProof, ToolFacts, ToolKind};
use serde_json::json;
use support::{decide, decide_with};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example(name: &str) -> Policy {
    let path = repo().join("examples/policies").join(name);
    match Policy::load(&path) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn every_example_policy_parses() {
    let dir = repo().join("examples/policies");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "toml") {
            if let Err(e) = Policy::load(&path) {
                panic!("{e}");
            }
            count += 1;
        }
    }
    assert!(
        count >= 3,
        "expected the example policies in {}",
        dir.display()
    );
}

#[test]
fn read_only_example_equals_the_built_in_defaults() {
    assert_eq!(
        example("read-only.toml").defaults,
        Policy::read_only().defaults
    );
}

#[test]
fn filesystem_example_asks_denies_and_allows_as_documented() {
    let p = example("filesystem-project.toml");
    let d = |tool: &str, args: serde_json::Value| decide(&p, "filesystem", tool, &args).action;
    assert_eq!(
        d("move_file", json!({ "source": "a", "destination": "b" })),
        Action::Deny
    );
    assert_eq!(
        d("write_file", json!({ "path": "src/main.rs" })),
        Action::Ask
    );
    assert_eq!(d("write_file", json!({ "path": ".env" })), Action::Deny);
    assert_eq!(
        d("write_file", json!({ "path": "config/.env.local" })),
        Action::Deny
    );
    assert_eq!(
        d("write_file", json!({ "path": "src/../../etc/passwd" })),
        Action::Deny
    );
    assert_eq!(
        d("write_file", json!({ "path": "/etc/passwd" })),
        Action::Deny
    );
    assert_eq!(
        d("edit_file", json!({ "path": "src/a.rs", "dryRun": true })),
        Action::Allow
    );
    assert_eq!(
        d("edit_file", json!({ "path": "src/a.rs", "dryRun": false })),
        Action::Ask
    );
    assert_eq!(
        d("create_directory", json!({ "path": ".git/hooks" })),
        Action::Deny
    );
    assert!(p.always_denies("filesystem", "move_file"));
    assert!(!p.always_denies("filesystem", "write_file"));
}

#[test]
fn filesystem_example_allows_curated_reads() {
    let p = example("filesystem-project.toml");
    let facts = ToolFacts {
        kind: ToolKind::Read,
        read_only: ReadOnlyProof::Curated("test"),
        session_tainted: false,
        roots: vec![PathBuf::from("/proj")],
        input_schema: None,
    };
    let d = decide_with(
        &p,
        "filesystem",
        "read_text_file",
        &json!({ "path": "a" }),
        &facts,
    );
    assert_eq!(d.action, Action::Allow);
}

#[test]
fn github_example_denies_pushes_to_protected_branches_and_asks_otherwise() {
    let p = example("github.toml");
    let d = |tool: &str, args: serde_json::Value| decide(&p, "github", tool, &args).action;
    assert_eq!(d("push_files", json!({ "branch": "main" })), Action::Deny);
    assert_eq!(
        d("create_or_update_file", json!({ "branch": "release/2.0" })),
        Action::Deny
    );
    assert_eq!(
        d("push_files", json!({ "branch": "feature/x" })),
        Action::Ask
    );
    assert_eq!(
        d("push_files", json!({ "branch": "main-backup" })),
        Action::Ask
    );
    assert_eq!(
        d("merge_pull_request", json!({ "pullNumber": 3 })),
        Action::Ask
    );
    assert_eq!(d("delete_file", json!({})), Action::Ask);
    assert_eq!(d("add_issue_comment", json!({})), Action::Ask);
}

#[test]
fn toml_blocks_in_the_policy_docs_parse() {
    let doc_path = repo().join("docs/policy.md");
    let doc = std::fs::read_to_string(&doc_path).unwrap_or_default();
    let mut blocks = 0;
    let mut rest = doc.as_str();
    while let Some(start) = rest.find("```toml\n") {
        let body = &rest[start + 8..];
        let end = body.find("```").unwrap_or(body.len());
        if let Err(e) = Policy::parse(&body[..end], &doc_path) {
            panic!("a TOML block in docs/policy.md does not parse:\n{e}");
        }
        blocks += 1;
        rest = &body[end..];
    }
    assert!(
        blocks >= 3,
        "expected TOML examples in {}",
        doc_path.display()
    );
}
