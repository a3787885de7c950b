//! `mcpward audit --history` on a real repository (built with the git CLI) and a fake HOME.

use std::path::Path;
use std::process::{Command, Output};

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}");
}

fn mcpward(args: &[&str], home: &Path, cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .args(args)
        .current_dir(cwd)
        .env("HOME", home)
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("APPDATA")
        .env("NO_COLOR", "1")
        .output()
        .expect("mcpward runs")
}

fn entry(token: &str) -> String {
    format!(
        r#"{{"mcpServers": {{"github": {{"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "env": {{"GITHUB_PERSONAL_ACCESS_TOKEN": "{token}"}}}}}}}}"#
    )
}

/// A project whose `.mcp.json` held a token in its first commit and a reference since; the user's
/// Claude Code config still uses the same token.
fn setup() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let home = root.path().join("home");
    let project = root.path().join("project");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&project).unwrap();
    let token = mcpward_testkit::fake_github_token();
    git(&project, &["init", "-q", "-b", "main"]);
    std::fs::write(project.join(".mcp.json"), entry(&token)).unwrap();
    git(&project, &["add", "-A"]);
    git(&project, &["commit", "-q", "-m", "add"]);
    std::fs::write(project.join(".mcp.json"), entry("${GITHUB_TOKEN}")).unwrap();
    git(&project, &["commit", "-q", "-am", "reference"]);
    std::fs::write(home.join(".claude.json"), entry(&token)).unwrap();
    (root, home, project)
}

#[test]
fn history_finds_a_removed_secret_and_the_server_that_uses_it_today() {
    let (_root, home, project) = setup();
    let out = mcpward(&["audit", "--history", "--format", "json"], &home, &project);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{json:#}");
    let f = &findings[0];
    assert_eq!(f["rule"], "secret-in-git-history");
    assert_eq!(f["server"], "github");
    assert_eq!(f["client"], "Claude Code");
    let message = f["message"].as_str().unwrap();
    assert!(message.contains("rotate now: history cannot be scrubbed"));
    assert!(message.contains("removed from the current tree"));
    let token = mcpward_testkit::fake_github_token();
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&token[4..]));
}

#[test]
fn history_of_an_explicit_clean_repository_exits_0() {
    let (_root, home, project) = setup();
    let clean = project.parent().unwrap().join("clean");
    std::fs::create_dir_all(&clean).unwrap();
    git(&clean, &["init", "-q", "-b", "main"]);
    std::fs::write(clean.join("a.json"), "{}").unwrap();
    git(&clean, &["add", "-A"]);
    git(&clean, &["commit", "-q", "-m", "a"]);
    let out = mcpward(
        &["audit", "--history", clean.to_str().unwrap()],
        &home,
        &clean,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 commit(s)"));
}

#[test]
fn history_of_a_directory_that_is_not_a_repository_is_an_error() {
    let root = tempfile::tempdir().unwrap();
    let out = mcpward(
        &["audit", "--history", root.path().to_str().unwrap()],
        root.path(),
        root.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a git repository"));
}
