//! What a user sees for a broken policy file: file:line:col, the offending line, and a hint.

use std::path::Path;

use mcpward_policy::{Policy, PolicyError};

fn error(text: &str) -> String {
    match Policy::parse(text, Path::new("policy.toml")) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn unknown_field_in_defaults() {
    insta::assert_snapshot!(error("[defaults]\nmod = \"ask\"\n"));
}

#[test]
fn unknown_mode_value() {
    insta::assert_snapshot!(error("[defaults]\nmode = \"readonly\"\n"));
}

#[test]
fn rule_without_action() {
    insta::assert_snapshot!(error("[[rule]]\ntool = \"write_file\"\n"));
}

#[test]
fn rule_without_tool() {
    insta::assert_snapshot!(error("[[rule]]\naction = \"deny\"\n"));
}

#[test]
fn rules_table_spelled_in_plural() {
    insta::assert_snapshot!(error("[[rules]]\ntool = \"x\"\naction = \"ask\"\n"));
}

#[test]
fn bad_regex_points_at_the_pattern() {
    insta::assert_snapshot!(error(
        "[[rule]]\ntool = \"push\"\nwhen = { branch = { regex = \"(main\" } }\naction = \"ask\"\n"
    ));
}

#[test]
fn bad_tool_glob() {
    insta::assert_snapshot!(error("[[rule]]\ntool = \"delete_[\"\naction = \"deny\"\n"));
}

#[test]
fn misspelled_matcher() {
    insta::assert_snapshot!(error(
        "[[rule]]\ntool = \"t\"\nwhen = { path = { glb = \"src/**\" } }\naction = \"ask\"\n"
    ));
}

#[test]
fn bare_boolean_matcher() {
    insta::assert_snapshot!(error(
        "[[rule]]\ntool = \"t\"\nwhen = { force = true }\naction = \"deny\"\n"
    ));
}

#[test]
fn path_glob_with_dotdot() {
    insta::assert_snapshot!(error(
        "[[rule]]\ntool = \"t\"\nwhen = { path = \"../outside/**\" }\naction = \"deny\"\n"
    ));
}

#[test]
fn inverted_range() {
    insta::assert_snapshot!(error(
        "[[rule]]\ntool = \"t\"\nwhen = { limit = { min = 10, max = 1 } }\naction = \"ask\"\n"
    ));
}

#[test]
fn wrong_type_for_a_flag() {
    insta::assert_snapshot!(error("[defaults]\nredact_responses = \"yes\"\n"));
}

#[test]
fn toml_syntax_error() {
    insta::assert_snapshot!(error("[defaults\nmode = \"ask\"\n"));
}

#[test]
fn out_of_range_timeout() {
    insta::assert_snapshot!(error("[defaults]\napproval_timeout_secs = 0\n"));
}

#[test]
fn tilde_in_path_glob() {
    insta::assert_snapshot!(error(
        "[[rule]]\ntool = \"t\"\nwhen = { path = \"~/.ssh/**\" }\naction = \"deny\"\n"
    ));
}

#[test]
fn errors_carry_line_and_column() {
    let err = Policy::parse(
        "[defaults]\nmode = \"ask\"\n\n[[rule]]\ntool = \"t\"\nactoin = \"ask\"\n",
        Path::new("p.toml"),
    )
    .err();
    let span = err.as_ref().and_then(PolicyError::span);
    assert_eq!(span.map(|s| (s.line, s.col)), Some((6, 1)));
}

#[test]
fn missing_file_says_which_path_and_what_to_do() {
    let dir = tempdir();
    let path = dir.join("absent.toml");
    let err = Policy::load(&path).err().map(|e| e.to_string());
    let text = err.unwrap_or_default();
    assert!(text.contains("absent.toml"), "{text}");
    assert!(text.contains("hint:"), "{text}");
}

fn tempdir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("mcpward-policy-test-{}", std::process::id()))
}

#[test]
fn secrets_table_is_read_in_name_order() {
    let p = Policy::parse(
        "[secrets]\nGITHUB_TOKEN = \"keyring:mcpward/GITHUB_TOKEN\"\nDB = \"op://Private/db/password\"\n",
        Path::new("policy.toml"),
    )
    .unwrap();
    let names: Vec<(&str, &str)> = p
        .secrets
        .iter()
        .map(|s| (s.name.as_str(), s.reference.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("DB", "op://Private/db/password"),
            ("GITHUB_TOKEN", "keyring:mcpward/GITHUB_TOKEN")
        ]
    );
}

#[test]
fn secret_value_that_is_not_a_reference_is_located_but_never_shown() {
    let value = format!("ghp_{}", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A");
    let e = error(&format!(
        "[defaults]\nmode = \"ask\"\n\n[secrets]\nGITHUB_TOKEN = \"{value}\"\n"
    ));
    assert!(
        e.starts_with("policy.toml:5:16: the value of `GITHUB_TOKEN` is not a secret reference"),
        "{e}"
    );
    assert!(!e.contains(&value), "{e}");
}

#[test]
fn secret_name_must_be_a_variable_name() {
    let e = error("[secrets]\n\"MY-TOKEN\" = \"env:X\"\n");
    assert!(e.starts_with("policy.toml:2:"), "{e}");
    assert!(e.contains("not an environment variable name"), "{e}");
}

#[test]
fn server_table_with_a_relative_root() {
    insta::assert_snapshot!(error(
        "[[server]]\nname = \"files\"\nroots = [\"/srv/site\", \"site\"]\npath_args = [\"path\"]\n"
    ));
}

#[test]
fn server_table_with_empty_path_args() {
    insta::assert_snapshot!(error(
        "[[server]]\nname = \"files\"\nroots = [\"/srv/site\"]\npath_args = []\n"
    ));
}

#[test]
fn second_server_table_for_the_same_server() {
    insta::assert_snapshot!(error(
        "[[server]]\nname = \"files\"\npath_args = [\"path\"]\n\n[[server]]\nname = \"files\"\nroots = [\"/srv\"]\n"
    ));
}

#[test]
fn server_table_with_an_unknown_field() {
    insta::assert_snapshot!(error(
        "[[server]]\nname = \"files\"\npath_arg = [\"path\"]\n"
    ));
}

#[test]
fn server_table_roots_are_refused_when_they_cannot_be_a_directory() {
    for (roots, expected) in [
        ("[]", "policy.toml:3:9: empty list of roots"),
        (
            "[\"~/site\"]",
            "policy.toml:3:10: root \"~/site\" starts with `~`",
        ),
        (
            "[\"/srv/../etc\"]",
            "policy.toml:3:10: root \"/srv/../etc\" contains `.` or `..`",
        ),
    ] {
        let e = error(&format!(
            "[[server]]\nname = \"files\"\nroots = {roots}\npath_args = [\"path\"]\n"
        ));
        assert!(e.starts_with(expected), "{roots}: {e}");
    }
    let e = error("[[server]]\npath_args = [\"path\"]\n");
    assert!(e.contains("missing field `name`"), "{e}");
    let e = error("[[server]]\nname = \"\"\n");
    assert!(e.starts_with("policy.toml:2:8: empty server name"), "{e}");
    let e = error("[[server]]\nname = \"f\"\npath_args = [\"path\", \"path\"]\n");
    assert!(e.contains("argument `path` is listed twice"), "{e}");
}

#[test]
fn server_tables_are_read_with_their_lines() {
    let p = Policy::parse(
        "[defaults]\nmode = \"allow\"\n\n[[server]]\nname = \"files\"\nroots = [\"/srv/site\"]\npath_args = [\"path\", \"paths\", \"source\", \"destination\"]\nread_tools = [\"read_text_file\"]\n\n[[server]]\nname = \"filesystem\"\nroots = [\"/srv/site/public\"]\n",
        Path::new("policy.toml"),
    )
    .unwrap();
    let files = p.server_table("files").unwrap();
    assert_eq!(files.line, 4);
    assert_eq!(
        files.roots.as_deref(),
        Some(&[std::path::PathBuf::from("/srv/site")][..])
    );
    assert_eq!(files.path_args, ["path", "paths", "source", "destination"]);
    assert!(files.reads("read_text_file") && !files.reads("write_file"));
    let fs = p.server_table("filesystem").unwrap();
    assert_eq!(fs.line, 10);
    assert!(fs.path_args.is_empty());
    assert!(p.server_table("other").is_none());
}
