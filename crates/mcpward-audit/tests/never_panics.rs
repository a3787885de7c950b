//! Hostile input never panics: any text parsed as any client, any token list, any URL.

use std::path::Path;

use mcpward_audit::launch::Launch;
use mcpward_audit::remote::RemoteUrl;
use mcpward_audit::{AuditOptions, audit};
use mcpward_config::{ClientKind, Scope, ServerEntry, Spanned, parse_file};
use mcpward_core::Span;
use proptest::prelude::*;

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("npx".to_string()),
        Just("-y".to_string()),
        Just("--".to_string()),
        Just("run".to_string()),
        Just("mcpward".to_string()),
        Just("cmd".to_string()),
        Just("/c".to_string()),
        Just("docker".to_string()),
        Just("-e".to_string()),
        Just("uvx".to_string()),
        Just("--from".to_string()),
        Just("@".to_string()),
        Just("git+https://h/@".to_string()),
        "\\PC{0,12}",
    ]
}

proptest! {
    #[test]
    fn launch_understands_any_token_list(tokens in proptest::collection::vec(token(), 0..10)) {
        let mut e = ServerEntry::new("s", Span::at(1, 1));
        if let Some((first, rest)) = tokens.split_first() {
            e.command = Some(Spanned::new(first.clone(), Span::at(1, 1)));
            e.args = rest.iter().map(|t| Spanned::new(t.clone(), Span::at(1, 1))).collect();
        }
        let launch = Launch::of(&e);
        if let Some(p) = launch.package {
            let _ = p.pinning();
        }
    }

    #[test]
    fn url_parsing_accepts_any_text(text in "\\PC{0,40}") {
        if let Some(u) = RemoteUrl::parse(&text) {
            let _ = u.is_loopback();
            for (_, r) in &u.query {
                prop_assert!(text.get(r.clone()).is_some());
            }
        }
    }

    #[test]
    fn audit_accepts_any_file_as_any_client(text in "\\PC{0,200}", client in 0usize..13) {
        let kind = ClientKind::ALL[client];
        let file = parse_file(Path::new("x.json"), text, kind, Scope::User);
        let opts = AuditOptions { inspect_files: false, ..AuditOptions::default() };
        let _ = audit(&[file], &opts);
    }
}

#[test]
fn audit_survives_entries_with_empty_and_odd_values() {
    let source = r#"{"mcpServers": {
        "": {"command": ""},
        "a": {"command": "npx", "args": ["-y"]},
        "b": {"url": "http://"},
        "c": {"url": "ht!tp://x"},
        "d": {"command": "docker", "args": ["run"]},
        "e": {"command": "mcpward", "args": ["run", "--sandbox"]},
        "f": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "", "C:", "\\\\"]}
    }}"#;
    let file = parse_file(
        Path::new("c.json"),
        source.to_string(),
        ClientKind::ClaudeDesktop,
        Scope::User,
    );
    let opts = AuditOptions {
        inspect_files: false,
        ..AuditOptions::default()
    };
    let _ = audit(&[file], &opts);
}
