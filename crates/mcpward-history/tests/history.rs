//! Real repositories built with the git CLI (the product itself never runs git).

use std::path::Path;
use std::process::Command;

use mcpward_history::{ScanOptions, scan};

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
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn config_with(token: &str) -> String {
    format!(
        "{{\n  \"mcpServers\": {{\n    \"github\": {{\n      \"command\": \"npx\",\n      \"env\": {{ \"GITHUB_PERSONAL_ACCESS_TOKEN\": \"{token}\" }}\n    }}\n  }}\n}}\n"
    )
}

fn commit_file(dir: &Path, path: &str, text: &str, message: &str) {
    std::fs::write(dir.join(path), text).unwrap();
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
}

fn repo_with_removed_secret() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    let token = mcpward_testkit::fake_github_token();
    commit_file(d, "README.md", "hello\n", "readme");
    commit_file(d, ".mcp.json", &config_with(&token), "add config");
    commit_file(
        d,
        ".mcp.json",
        &config_with("${GITHUB_TOKEN}"),
        "use a reference",
    );
    (dir, token)
}

fn no_progress(_: mcpward_history::Progress) {}

#[test]
fn finds_a_secret_removed_from_the_current_tree() {
    let (dir, token) = repo_with_removed_secret();
    let report = scan(dir.path(), &ScanOptions::default(), &no_progress).unwrap();
    assert_eq!(report.commits, 3);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.secrets.len(), 1, "{:?}", report.secrets);
    let s = &report.secrets[0];
    assert_eq!(s.path, ".mcp.json");
    assert_eq!(s.line, 5);
    assert_eq!(s.kind, "github-classic-pat");
    assert!(!s.in_current_tree);
    assert_eq!(s.fingerprint, mcpward_history::fingerprint(&token));
    assert!(!s.masked.contains(&token[4..]));
}

#[test]
fn a_secret_still_in_head_is_marked_current() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    commit_file(
        d,
        "cfg.toml",
        &format!("token = \"{}\"\n", mcpward_testkit::fake_github_token()),
        "c",
    );
    let report = scan(d, &ScanOptions::default(), &no_progress).unwrap();
    assert_eq!(report.secrets.len(), 1);
    assert!(report.secrets[0].in_current_tree);
}

#[test]
fn scans_branches_tags_and_stashes_not_only_head() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    commit_file(d, "README.md", "hello\n", "readme");
    let token = mcpward_testkit::fake_github_token();
    // A branch that is never merged.
    git(d, &["checkout", "-q", "-b", "side"]);
    commit_file(d, "side.json", &config_with(&token), "side");
    git(d, &["tag", "-a", "v1", "-m", "tag on side"]);
    git(d, &["checkout", "-q", "main"]);
    git(d, &["branch", "-D", "side"]);
    // A stash holding another file; then a second stash so the first lives only in the reflog.
    std::fs::write(d.join("stashed.yaml"), format!("api_key: {token}x\n")).unwrap();
    git(d, &["add", "stashed.yaml"]);
    git(d, &["stash", "-q"]);
    std::fs::write(d.join("README.md"), "changed\n").unwrap();
    git(d, &["stash", "-q"]);
    git(d, &["pack-refs", "--all"]);
    let report = scan(d, &ScanOptions::default(), &no_progress).unwrap();
    let paths: Vec<&str> = report.secrets.iter().map(|s| s.path.as_str()).collect();
    assert!(paths.contains(&"side.json"), "{paths:?}");
    assert!(paths.contains(&"stashed.yaml"), "{paths:?}");
}

#[test]
fn source_files_need_all_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    let token = mcpward_testkit::fake_github_token();
    commit_file(
        d,
        "main.rs",
        &format!("const T: &str = \"{token}\";\n"),
        "c",
    );
    let report = scan(d, &ScanOptions::default(), &no_progress).unwrap();
    assert!(report.secrets.is_empty());
    let all = ScanOptions {
        all_files: true,
        ..ScanOptions::default()
    };
    let report = scan(d, &all, &no_progress).unwrap();
    assert_eq!(report.secrets.len(), 1);
}

#[test]
fn works_on_a_shallow_clone() {
    let (dir, _) = repo_with_removed_secret();
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.path().display());
    git(clone.path(), &["clone", "-q", "--depth", "2", &url, "c"]);
    let report = scan(
        &clone.path().join("c"),
        &ScanOptions::default(),
        &no_progress,
    )
    .unwrap();
    assert!(report.shallow);
    assert_eq!(report.commits, 2);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.secrets.len(), 1);
}

#[test]
fn a_corrupt_object_is_reported_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    let token = mcpward_testkit::fake_github_token();
    commit_file(d, "a.json", &config_with(&token), "a");
    commit_file(d, "b.json", "{\"broken\": true}\n", "b");
    // Overwrite b.json's loose object with garbage.
    let out = Command::new("git")
        .args(["rev-parse", "HEAD:b.json"])
        .current_dir(d)
        .output()
        .unwrap();
    let id = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let object = d.join(".git/objects").join(&id[..2]).join(&id[2..]);
    let mut perms = std::fs::metadata(&object).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).unwrap();
    std::fs::write(&object, b"not zlib at all").unwrap();
    let report = scan(d, &ScanOptions::default(), &no_progress).unwrap();
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(report.problems[0].contains(&id), "{:?}", report.problems);
    assert_eq!(report.secrets.len(), 1);
}

#[test]
fn many_packs_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q", "-b", "main"]);
    let token = mcpward_testkit::fake_github_token();
    for i in 0..3 {
        commit_file(
            d,
            &format!("f{i}.json"),
            &config_with(&format!("{token}{i}")),
            "c",
        );
        git(d, &["repack", "-q"]);
    }
    let packs = std::fs::read_dir(d.join(".git/objects/pack"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "pack")
        })
        .count();
    assert!(packs >= 3, "{packs} packs");
    let report = scan(d, &ScanOptions::default(), &no_progress).unwrap();
    assert_eq!(report.secrets.len(), 3, "{:?}", report.secrets);
}
