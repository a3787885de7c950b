//! The rules reference in docs/rules.md is generated from the rule registry; this test fails when
//! they drift. Regenerate with `MCPWARD_UPDATE_DOCS=1 cargo test -p mcpward --test docs`.

use std::path::Path;

#[test]
fn rules_reference_matches_registry() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
    let expected = mcpward_audit::rules_markdown();
    if std::env::var_os("MCPWARD_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/rules.md is out of date: run `MCPWARD_UPDATE_DOCS=1 cargo test -p mcpward --test docs`"
    );
}

#[test]
fn every_rule_is_documented_completely() {
    let markdown = mcpward_audit::rules_markdown();
    for rule in mcpward_audit::rules() {
        assert!(
            rule.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "rule id `{}` is not kebab-case",
            rule.id
        );
        for (part, text) in [
            ("summary", rule.summary),
            ("what", rule.what),
            ("why", rule.why),
            ("example_bad", rule.example_bad),
            ("example_fixed", rule.example_fixed),
        ] {
            assert!(!text.trim().is_empty(), "rule {} has no {part}", rule.id);
        }
        assert!(
            markdown.contains(rule.id),
            "rule {} missing from the reference",
            rule.id
        );
    }
}
