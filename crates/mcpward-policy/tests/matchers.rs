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
fn allow_regex_and_globs_do_not_match_non_strings() {
    assert!(!allow_when_matches(
        r#"{ n = { regex = ".*" } }"#,
        &json!({ "n": 5 })
    ));
    assert!(!allow_when_matches(
        r#"{ n = { glob = "*" } }"#,
        &json!({ "n": true })
    ));
    assert!(!allow_when_matches(r#"{ n = "**" }"#, &json!({ "n": {} })));
    // No server reads an object as a path.
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
    assert!(!allow_when_matches(
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
    assert!(!allow_when_matches(when, &json!({ "limit": "50" })));
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

// Type confusion: servers coerce (pydantic lax mode, zod's `z.coerce`), so a deny rule holds if
// any reading of the value matches and an allow rule only for the value itself.

#[test]
fn deny_on_true_catches_string_true_and_one() {
    let when = r#"{ force = { equals = true } }"#;
    for caught in [
        json!("true"),
        json!(1),
        json!("yes"),
        json!("TRUE"),
        json!(1.0),
    ] {
        assert!(when_matches(when, &json!({ "force": caught })), "{caught}");
    }
    // JavaScript's Boolean("false") is true: a deny leans that way too.
    assert!(when_matches(when, &json!({ "force": "false" })));
    for missed in [json!(false), json!(0), json!(""), json!(0.0)] {
        assert!(!when_matches(when, &json!({ "force": missed })), "{missed}");
    }
}

#[test]
fn deny_on_false_catches_string_zero_and_off() {
    let when = r#"{ verify = { equals = false } }"#;
    for caught in [
        json!("false"),
        json!("0"),
        json!("off"),
        json!(0),
        json!(""),
    ] {
        assert!(when_matches(when, &json!({ "verify": caught })), "{caught}");
    }
    for missed in [json!(true), json!(1), json!("true"), json!("yes")] {
        assert!(
            !when_matches(when, &json!({ "verify": missed })),
            "{missed}"
        );
    }
}

#[test]
fn allow_equals_false_does_not_allow_string_false() {
    let when = r#"{ dry_run = { equals = false } }"#;
    assert!(allow_when_matches(when, &json!({ "dry_run": false })));
    for refused in [json!("false"), json!(0), json!(""), json!("no")] {
        assert!(
            !allow_when_matches(when, &json!({ "dry_run": refused })),
            "{refused}"
        );
    }
}

#[test]
fn deny_unless_false_catches_string_false() {
    // "Deny unless dry_run is false": "false" is true to JavaScript, so it is not surely false.
    let when = r#"{ dry_run = { not = { equals = false } } }"#;
    assert!(when_matches(when, &json!({ "dry_run": "false" })));
    assert!(when_matches(when, &json!({ "dry_run": 0 })));
    assert!(!when_matches(when, &json!({ "dry_run": false })));
}

#[test]
fn deny_min_catches_numeric_strings() {
    let when = r#"{ amount = { min = 1000 } }"#;
    for caught in [
        json!("5000"),
        json!(" 5000 "),
        json!("0x1388"),
        json!("5e3"),
        json!("5_000"),
        json!("inf"),
        json!("Infinity"),
        json!([5000]),
        json!("\u{ff15}\u{ff10}\u{ff10}\u{ff10}"),
    ] {
        assert!(when_matches(when, &json!({ "amount": caught })), "{caught}");
    }
    for missed in [
        json!("500"),
        json!("5000 apples"),
        json!("nan"),
        json!(999),
        json!("abc"),
        json!({ "v": 5000 }),
    ] {
        assert!(
            !when_matches(when, &json!({ "amount": missed })),
            "{missed}"
        );
    }
}

#[test]
fn deny_max_catches_empty_string_read_as_zero() {
    let when = r#"{ amount = { max = 0 } }"#;
    assert!(when_matches(when, &json!({ "amount": "" })));
    assert!(when_matches(when, &json!({ "amount": false })));
    assert!(!when_matches(when, &json!({ "amount": "1" })));
}

#[test]
fn allow_max_does_not_allow_numeric_strings() {
    let when = r#"{ amount = { max = 10 } }"#;
    assert!(allow_when_matches(when, &json!({ "amount": 5 })));
    assert!(!allow_when_matches(when, &json!({ "amount": "5" })));
    assert!(!allow_when_matches(when, &json!({ "amount": "5000" })));
    assert!(!allow_when_matches(when, &json!({ "amount": true })));
}

#[test]
fn deny_equals_number_catches_numeric_string_and_true() {
    let when = r#"{ n = { equals = 1 } }"#;
    for caught in [json!("1"), json!(" 1 "), json!(true), json!("1.0")] {
        assert!(when_matches(when, &json!({ "n": caught })), "{caught}");
    }
    for missed in [json!("2"), json!(false), json!("one")] {
        assert!(!when_matches(when, &json!({ "n": missed })), "{missed}");
    }
}

#[test]
fn deny_equals_string_catches_number_spelled_the_same() {
    let when = r#"{ code = { equals = "1" } }"#;
    assert!(when_matches(when, &json!({ "code": 1 })));
    assert!(when_matches(when, &json!({ "code": 1.0 })));
    assert!(!when_matches(when, &json!({ "code": 2 })));
    assert!(!allow_when_matches(when, &json!({ "code": 1 })));
}

#[test]
fn deny_regex_catches_number_read_as_string() {
    let when = r#"{ amount = { regex = '\d{4,}' } }"#;
    assert!(when_matches(when, &json!({ "amount": 5000 })));
    assert!(when_matches(when, &json!({ "amount": 5000.0 })));
    assert!(!when_matches(when, &json!({ "amount": 500 })));
}

#[test]
fn deny_glob_catches_boolean_read_as_string() {
    let when = r#"{ mode = { glob = "t*" } }"#;
    assert!(when_matches(when, &json!({ "mode": true })));
    assert!(!when_matches(when, &json!({ "mode": false })));
}

#[test]
fn deny_path_catches_nested_single_element_array() {
    // JavaScript's String(["/etc/passwd"]) is "/etc/passwd".
    let when = r#"{ paths = "/etc/**" }"#;
    assert!(when_matches(when, &json!({ "paths": [["/etc/passwd"]] })));
    assert!(!when_matches(when, &json!({ "paths": [["src/a"]] })));
}

#[test]
fn deny_on_nested_flag_catches_string_yes() {
    let when = r#"{ "options.force" = { equals = true } }"#;
    assert!(when_matches(
        when,
        &json!({ "options": { "force": "yes" } })
    ));
    assert!(!when_matches(
        when,
        &json!({ "options": { "force": false } })
    ));
}

#[test]
fn deny_equals_array_catches_coerced_elements() {
    let when = r#"{ flags = { equals = ["a", true] } }"#;
    assert!(when_matches(when, &json!({ "flags": ["a", "true"] })));
    assert!(!when_matches(when, &json!({ "flags": ["a", false] })));
    assert!(!allow_when_matches(
        when,
        &json!({ "flags": ["a", "true"] })
    ));
    assert!(allow_when_matches(when, &json!({ "flags": ["a", true] })));
}

// The tool's inputSchema: the server converts an argument into the declared type first.

fn flag_schema(t: &str) -> serde_json::Value {
    json!({ "type": "object", "properties": { "force": { "type": t }, "paths": { "type": "array", "items": { "type": "string" } } } })
}

#[test]
fn deny_on_schema_boolean_reads_string_yes_as_one() {
    let when = r#"{ force = { equals = 1 } }"#;
    let args = json!({ "force": "yes" });
    assert!(support::matches_with_schema(
        "deny",
        when,
        &args,
        flag_schema("boolean")
    ));
    // Without the schema nothing reads "yes" as a number.
    assert!(!when_matches(when, &args));
    assert!(!support::matches_with_schema(
        "deny",
        when,
        &json!({ "force": "" }),
        flag_schema("boolean")
    ));
}

#[test]
fn allow_never_matches_an_argument_of_another_type_than_the_schema_declares() {
    let when = r#"{ force = { max = 10 } }"#;
    assert!(support::matches_with_schema(
        "allow",
        when,
        &json!({ "force": 5 }),
        flag_schema("integer")
    ));
    assert!(support::matches_with_schema(
        "allow",
        when,
        &json!({ "force": 5.0 }),
        flag_schema("integer")
    ));
    assert!(!support::matches_with_schema(
        "allow",
        when,
        &json!({ "force": 5 }),
        flag_schema("string")
    ));
    assert!(!support::matches_with_schema(
        "allow",
        r#"{ force = { not = { equals = true } } }"#,
        &json!({ "force": "false" }),
        flag_schema("boolean")
    ));
}

#[test]
fn allow_on_paths_refuses_a_string_where_the_schema_declares_an_array() {
    let when = r#"{ paths = "src/**" }"#;
    assert!(support::matches_with_schema(
        "allow",
        when,
        &json!({ "paths": ["src/a", "src/b"] }),
        flag_schema("boolean")
    ));
    assert!(!support::matches_with_schema(
        "allow",
        when,
        &json!({ "paths": "src/a" }),
        flag_schema("boolean")
    ));
}

// Unicode: NFC and NFD spell the same name (macOS treats them as one file); compatibility forms
// (full width) fold for some readers. Deny holds if any spelling matches, allow if all do.

#[test]
fn deny_on_nfc_path_catches_nfd_spelling() {
    let when = "{ path = \"caf\u{e9}/**\" }";
    assert!(when_matches(when, &json!({ "path": "cafe\u{301}/x" })));
    assert!(when_matches(when, &json!({ "path": "caf\u{e9}/x" })));
    assert!(!when_matches(when, &json!({ "path": "cafe/x" })));
}

#[test]
fn deny_on_nfd_path_catches_nfc_spelling() {
    let when = "{ path = \"/srv/cafe\u{301}/**\" }";
    assert!(when_matches(when, &json!({ "path": "/srv/caf\u{e9}/x" })));
    assert!(!when_matches(when, &json!({ "path": "/srv/cafe/x" })));
}

#[test]
fn deny_on_path_catches_spelling_under_a_root_spelled_otherwise() {
    let p = support::policy(
        "[[rule]]\ntool = \"t\"\nwhen = { path = \"secret/**\" }\naction = \"deny\"\n",
    );
    let facts = mcpward_policy::ToolFacts {
        roots: vec![std::path::PathBuf::from("/home/jos\u{e9}")],
        ..support::facts()
    };
    let deny = |path: &str| {
        support::decide_with(&p, "fs", "t", &json!({ "path": path }), &facts).action
            == mcpward_policy::Action::Deny
    };
    assert!(deny("/home/jose\u{301}/secret/k"));
    assert!(!deny("/home/jose-example/secret/k"));
}

#[test]
fn allow_nfc_path_does_not_allow_nfd_spelling() {
    let when = "{ path = \"caf\u{e9}/**\" }";
    assert!(allow_when_matches(when, &json!({ "path": "caf\u{e9}/x" })));
    assert!(!allow_when_matches(
        when,
        &json!({ "path": "cafe\u{301}/x" })
    ));
}

#[test]
fn deny_on_dot_env_catches_full_width_spelling() {
    let when = r#"{ path = "**/.env" }"#;
    assert!(when_matches(
        when,
        &json!({ "path": "config/\u{ff0e}\u{ff45}\u{ff4e}\u{ff56}" })
    ));
    assert!(!when_matches(when, &json!({ "path": "config/.envrc" })));
}

#[test]
fn allow_path_does_not_allow_full_width_slash_escape() {
    let when = r#"{ path = "src/**" }"#;
    assert!(allow_when_matches(when, &json!({ "path": "src/x" })));
    // Read with `／` folded to `/`, this climbs out to /etc/passwd.
    let escape = "src/x\u{ff0f}..\u{ff0f}..\u{ff0f}..\u{ff0f}etc/passwd";
    assert!(!allow_when_matches(when, &json!({ "path": escape })));
}

#[test]
fn deny_glob_catches_full_width_url_host() {
    let when = r#"{ url = { glob = "https://evil.example/*" } }"#;
    assert!(when_matches(
        when,
        &json!({ "url": "https://\u{ff45}\u{ff56}\u{ff49}\u{ff4c}.example/a" })
    ));
    assert!(!when_matches(
        when,
        &json!({ "url": "https://good.example/a" })
    ));
}

#[test]
fn deny_regex_catches_nfd_spelling() {
    let when = "{ name = { regex = 'caf\u{e9}-\\d+' } }";
    assert!(when_matches(when, &json!({ "name": "cafe\u{301}-1" })));
    assert!(!when_matches(when, &json!({ "name": "cafe-1" })));
    assert!(!allow_when_matches(
        when,
        &json!({ "name": "cafe\u{301}-1" })
    ));
}

#[test]
fn deny_equals_catches_nfd_string_and_allow_does_not() {
    let when = "{ branch = { equals = \"caf\u{e9}\" } }";
    assert!(when_matches(when, &json!({ "branch": "cafe\u{301}" })));
    assert!(!when_matches(when, &json!({ "branch": "cafe" })));
    assert!(allow_when_matches(when, &json!({ "branch": "caf\u{e9}" })));
    assert!(!allow_when_matches(
        when,
        &json!({ "branch": "cafe\u{301}" })
    ));
}
