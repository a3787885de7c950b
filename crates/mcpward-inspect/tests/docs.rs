//! docs/inspect-rules.md is generated from the detector registry; this test fails when they drift.
//! Regenerate with `MCPWARD_UPDATE_DOCS=1 cargo test -p mcpward-inspect --test docs`.

use std::path::Path;

use mcpward_inspect::{Definitions, inspect, rules, rules_markdown};

#[test]
fn inspect_rules_reference_matches_registry() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/inspect-rules.md");
    let expected = rules_markdown();
    if std::env::var_os("MCPWARD_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/inspect-rules.md is out of date: run `MCPWARD_UPDATE_DOCS=1 cargo test -p mcpward-inspect --test docs`"
    );
}

#[test]
fn every_rule_is_documented_completely_and_ids_are_unique() {
    let mut seen = std::collections::HashSet::new();
    for rule in rules() {
        assert!(
            rule.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "rule id `{}` is not kebab-case",
            rule.id
        );
        assert!(seen.insert(rule.id), "duplicate rule id {}", rule.id);
        for (part, text) in [
            ("summary", rule.summary),
            ("what", rule.what),
            ("why", rule.why),
            ("example_bad", rule.example_bad),
            ("example_fixed", rule.example_fixed),
        ] {
            assert!(!text.trim().is_empty(), "rule {} has no {part}", rule.id);
        }
    }
}

/// Each rule's bad example must raise that rule and its fixed example must not (when the example is
/// a definition or a tool; examples are JSON).
#[test]
fn bad_examples_fire_and_fixed_examples_do_not() {
    for rule in rules() {
        let as_defs = |text: &str| -> Definitions {
            let v: serde_json::Value = serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("{}: example is not JSON: {e}", rule.id));
            let v = if v.get("tools").is_some() {
                v
            } else {
                serde_json::json!({ "tools": [v] })
            };
            Definitions::from_value(v).unwrap()
        };
        let fires = |text: &str| {
            inspect("example", &as_defs(text))
                .iter()
                .any(|f| f.rule == rule.id)
        };
        assert!(
            fires(rule.example_bad),
            "{}: bad example does not fire",
            rule.id
        );
        assert!(
            !fires(rule.example_fixed),
            "{}: fixed example fires",
            rule.id
        );
    }
}
