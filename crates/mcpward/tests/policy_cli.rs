//! `mcpward policy check` and `mcpward policy explain` through the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn mcpward(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .args(args)
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run mcpward")
}

fn text(o: &Output) -> String {
    format!(
        "status: {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn policy_check_accepts_the_example_policies() {
    let out = mcpward(&[
        "policy",
        "check",
        "examples/policies/read-only.toml",
        "examples/policies/filesystem-project.toml",
        "examples/policies/github.toml",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    insta::assert_snapshot!(text(&out));
}

#[test]
fn policy_check_rejects_unknown_field_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(
        &file,
        "[[rule]]\ntool = \"write_file\"\naction = \"ask\"\nreson = \"typo\"\n",
    )
    .unwrap();
    let out = mcpward(&["policy", "check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr =
        String::from_utf8_lossy(&out.stderr).replace(dir.path().to_str().unwrap(), "<dir>");
    assert!(stderr.contains("bad.toml:4:1"), "{stderr}");
    insta::assert_snapshot!(stderr);
}

#[test]
fn policy_check_validates_server_tables() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        "[defaults]\nmode = \"allow\"\n\n[[server]]\nname = \"files\"\nroots = [\"/srv/site\"]\npath_args = [\"path\", \"paths\"]\n",
    )
    .unwrap();
    let out = mcpward(&["policy", "check", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("ok (0 rule(s), 1 server table(s), default mode allow)"),
        "{}",
        text(&out)
    );
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[server]]\nname = \"files\"\nroots = [\"site\"]\npath_args = [\"path\"]\n",
    )
    .unwrap();
    let out = mcpward(&["policy", "check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.toml:3:10: root \"site\" is a relative path"),
        "{stderr}"
    );
}

#[test]
fn policy_explain_names_the_deciding_rule() {
    let out = mcpward(&[
        "policy",
        "explain",
        "--policy",
        "examples/policies/filesystem-project.toml",
        "--server",
        "filesystem",
        "--tool",
        "move_file",
        "--args",
        r#"{"source": "src/a.rs", "destination": "src/b.rs"}"#,
        "--root",
        "/srv/project",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    insta::assert_snapshot!(text(&out));
}

#[test]
fn policy_explain_without_policy_asks_for_unproven_tools() {
    let out = mcpward(&[
        "policy",
        "explain",
        "--server",
        "unknown",
        "--tool",
        "write_file",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("ask"), "{stdout}");
}

#[test]
fn policy_explain_rejects_non_object_arguments() {
    let out = mcpward(&["policy", "explain", "--tool", "t", "--args", "[1]"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}
