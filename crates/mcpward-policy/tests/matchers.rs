//! Every argument matcher, matching and not matching.

mod support;

use serde_json::json;
use support::{allow_when_matches, when_matches};

#[test]
fn path_shorthand_matches_files_under_the_glob() {
    assert!(when_matches(
        r#"{ path = "src/**" }"#,
        &json!({ "path": "src/a/b.rs" })
    ));
    assert!(!when_matches(
        r#"{ path = "src/**" }"#,
        &json!({ "path": "tests/a.rs" })
    ));
}

#[test]
fn path_list_shorthand_matches_any_glob() {
    let when = r#"{ path = ["src/**", "docs/*.md"] }"#;
    assert!(when_matches(when, &json!({ "path": "docs/x.md" })));
    assert!(!when_matches(when, &json!({ "path": "docs/sub/x.md" })));
}

#[test]
fn single_star_stays_within_one_directory() {
    assert!(when_matches(
        r#"{ path = "src/*" }"#,
        &json!({ "path": "src/a.rs" })
    ));
    assert!(!when_matches(
        r#"{ path = "src/*" }"#,
        &json!({ "path": "src/a/b.rs" })
    ));
}

#[test]
fn explicit_path_matcher_behaves_like_the_shorthand() {
    let when = r#"{ path = { path = "src/**" } }"#;
    assert!(when_matches(when, &json!({ "path": "/proj/src/x" })));
    assert!(!when_matches(when, &json!({ "path": "/other/src/x" })));
}

#[test]
fn absolute_path_globs_match_resolved_absolute_paths() {
    let when = r#"{ path = "/etc/**" }"#;
    assert!(when_matches(when, &json!({ "path": "/etc/passwd" })));
    assert!(when_matches(when, &json!({ "path": "../../etc/passwd" })));
    assert!(!when_matches(when, &json!({ "path": "etc/passwd" })));
}

#[test]
fn glob_matches_raw_strings_across_slashes() {
    let when = r#"{ url = { glob = "https://example.com/*" } }"#;
    assert!(when_matches(
        when,
        &json!({ "url": "https://example.com/a/b?c" })
    ));
    assert!(!when_matches(
        when,
        &json!({ "url": "https://evil.example/a" })
    ));
}

#[test]
fn regex_must_match_the_whole_value() {
    let when = r#"{ branch = { regex = 'main|release-\d+' } }"#;
    assert!(when_matches(when, &json!({ "branch": "release-12" })));
    assert!(when_matches(when, &json!({ "branch": "main" })));
    assert!(!when_matches(when, &json!({ "branch": "not-main" })));
    assert!(!when_matches(when, &json!({ "branch": "main2" })));
}

#[test]
fn regex_and_globs_do_not_match_non_strings() {
    assert!(!when_matches(
        r#"{ n = { regex = ".*" } }"#,
        &json!({ "n": 5 })
    ));
    assert!(!when_matches(
        r#"{ n = { glob = "*" } }"#,
        &json!({ "n": true })
    ));
    assert!(!when_matches(r#"{ n = "**" }"#, &json!({ "n": {} })));
}

#[test]
fn equals_compares_json_values() {
    assert!(when_matches(
        r#"{ force = { equals = true } }"#,
        &json!({ "force": true })
    ));
    assert!(!when_matches(
        r#"{ force = { equals = true } }"#,
        &json!({ "force": false })
    ));
    assert!(!when_matches(
        r#"{ force = { equals = true } }"#,
        &json!({ "force": "true" })
    ));
    assert!(when_matches(
        r#"{ n = { equals = 1 } }"#,
        &json!({ "n": 1.0 })
    ));
    assert!(when_matches(
        r#"{ o = { equals = { a = [1, "x"] } } }"#,
        &json!({ "o": { "a": [1, "x"] } })
    ));
    assert!(!when_matches(
        r#"{ o = { equals = { a = [1, "x"] } } }"#,
        &json!({ "o": { "a": [1, "x"], "b": 2 } })
    ));
}

#[test]
fn min_and_max_bound_numbers_inclusively() {
    let when = r#"{ limit = { min = 10, max = 100 } }"#;
    assert!(when_matches(when, &json!({ "limit": 10 })));
    assert!(when_matches(when, &json!({ "limit": 100.0 })));
    assert!(!when_matches(when, &json!({ "limit": 9 })));
    assert!(!when_matches(when, &json!({ "limit": 101 })));
    assert!(!when_matches(when, &json!({ "limit": "50" })));
    assert!(when_matches(
        r#"{ limit = { min = 1000 } }"#,
        &json!({ "limit": 5000 })
    ));
    assert!(!when_matches(
        r#"{ limit = { max = -1 } }"#,
        &json!({ "limit": 0 })
    ));
}

#[test]
fn exists_checks_presence_and_treats_null_as_absent() {
    assert!(when_matches(
        r#"{ sha = { exists = true } }"#,
        &json!({ "sha": "abc" })
    ));
    assert!(!when_matches(r#"{ sha = { exists = true } }"#, &json!({})));
    assert!(when_matches(r#"{ sha = { exists = false } }"#, &json!({})));
    assert!(when_matches(
        r#"{ sha = { exists = false } }"#,
        &json!({ "sha": null })
    ));
    assert!(!when_matches(
        r#"{ sha = { exists = false } }"#,
        &json!({ "sha": "abc" })
    ));
}

#[test]
fn not_inverts_its_matcher() {
    let when = r#"{ path = { not = "src/**" } }"#;
    assert!(when_matches(when, &json!({ "path": "/etc/passwd" })));
    assert!(!when_matches(when, &json!({ "path": "src/main.rs" })));
    let when = r#"{ branch = { not = { equals = "main" } } }"#;
    assert!(when_matches(when, &json!({ "branch": "dev" })));
    assert!(!when_matches(when, &json!({ "branch": "main" })));
}

#[test]
fn absent_argument_never_matches_even_under_not() {
    assert!(!when_matches(r#"{ path = "**" }"#, &json!({})));
    assert!(!when_matches(
        r#"{ path = { not = "src/**" } }"#,
        &json!({})
    ));
    assert!(!when_matches(r#"{ path = "**" }"#, &json!("not an object")));
}

#[test]
fn several_keys_in_one_matcher_must_all_hold() {
    let when = r#"{ name = { glob = "tmp-*", not = { equals = "tmp-keep" } } }"#;
    assert!(when_matches(when, &json!({ "name": "tmp-1" })));
    assert!(!when_matches(when, &json!({ "name": "tmp-keep" })));
    assert!(!when_matches(when, &json!({ "name": "keep" })));
}

#[test]
fn all_when_entries_must_hold() {
    let when = r#"{ path = "src/**", overwrite = { equals = true } }"#;
    assert!(when_matches(
        when,
        &json!({ "path": "src/a", "overwrite": true })
    ));
    assert!(!when_matches(
        when,
        &json!({ "path": "src/a", "overwrite": false })
    ));
    assert!(!when_matches(when, &json!({ "path": "src/a" })));
}

#[test]
fn dotted_names_reach_nested_objects_and_array_items() {
    let when = r#"{ "options.recursive" = { equals = true } }"#;
    assert!(when_matches(
        when,
        &json!({ "options": { "recursive": true } })
    ));
    assert!(!when_matches(
        when,
        &json!({ "options": { "recursive": false } })
    ));
    assert!(!when_matches(when, &json!({ "options": true })));
    let when = r#"{ "edits.0.path" = "src/**" }"#;
    assert!(when_matches(
        when,
        &json!({ "edits": [{ "path": "src/a" }] })
    ));
    assert!(!when_matches(when, &json!({ "edits": [] })));
}

#[test]
fn literal_dotted_argument_names_win_over_nesting() {
    let when = r#"{ "a.b" = { equals = 1 } }"#;
    assert!(when_matches(when, &json!({ "a.b": 1, "a": { "b": 2 } })));
}

#[test]
fn deny_rule_matches_if_any_array_element_matches() {
    let when = r#"{ paths = "/etc/**" }"#;
    assert!(when_matches(
        when,
        &json!({ "paths": ["src/a", "/etc/shadow"] })
    ));
    assert!(!when_matches(when, &json!({ "paths": ["src/a", "src/b"] })));
}

#[test]
fn allow_rule_needs_every_array_element_to_match() {
    let when = r#"{ paths = "src/**" }"#;
    assert!(allow_when_matches(
        when,
        &json!({ "paths": ["src/a", "src/b"] })
    ));
    assert!(!allow_when_matches(
        when,
        &json!({ "paths": ["src/a", "/etc/shadow"] })
    ));
}

#[test]
fn empty_arrays_match_no_element_matcher() {
    assert!(!allow_when_matches(
        r#"{ paths = "src/**" }"#,
        &json!({ "paths": [] })
    ));
    assert!(!when_matches(
        r#"{ paths = "src/**" }"#,
        &json!({ "paths": [] })
    ));
}

#[test]
fn equals_compares_a_whole_array_not_its_elements() {
    let when = r#"{ tags = { equals = ["a", "b"] } }"#;
    assert!(when_matches(when, &json!({ "tags": ["a", "b"] })));
    assert!(!when_matches(when, &json!({ "tags": ["a"] })));
}

#[test]
fn server_and_tool_globs_select_calls() {
    let p = support::policy(
        r#"
[[rule]]
server = "git*"
tool = ["delete_*", "drop"]
action = "deny"
"#,
    );
    let none = json!({});
    use mcpward_policy::Action::*;
    assert_eq!(
        support::decide(&p, "github", "delete_repo", &none).action,
        Deny
    );
    assert_eq!(support::decide(&p, "gitlab", "drop", &none).action, Deny);
    assert_eq!(
        support::decide(&p, "slack", "delete_repo", &none).action,
        Ask
    );
    assert_eq!(support::decide(&p, "github", "get_repo", &none).action, Ask);
}

#[test]
fn deny_path_globs_ignore_case_for_case_insensitive_file_systems() {
    assert!(when_matches(
        r#"{ path = "**/.env" }"#,
        &json!({ "path": "config/.ENV" })
    ));
    assert!(when_matches(
        r#"{ path = "/etc/**" }"#,
        &json!({ "path": "/ETC/passwd" })
    ));
    assert!(when_matches(
        r#"{ path = "src/**" }"#,
        &json!({ "path": "/PROJ/SRC/a" })
    ));
}

#[test]
fn allow_path_globs_respect_case() {
    assert!(allow_when_matches(
        r#"{ path = "src/**" }"#,
        &json!({ "path": "src/a" })
    ));
    assert!(!allow_when_matches(
        r#"{ path = "src/**" }"#,
        &json!({ "path": "SRC/a" })
    ));
}

#[test]
fn not_flips_the_case_leaning() {
    // A deny rule for everything outside src/ must not treat SRC/ as inside src/.
    let when = r#"{ path = { not = "src/**" } }"#;
    assert!(when_matches(when, &json!({ "path": "SRC/a" })));
    assert!(!when_matches(when, &json!({ "path": "src/a" })));
}
