//! `mcpward wrap` / `mcpward unwrap` through the real binary: diff, confirmation, backup,
//! discovery of the client's config.

use std::path::Path;
use std::process::{Command, Output, Stdio};

const CURSOR: &str = r#"{
  // servers for this machine
  "mcpServers": {
    "filesystem": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-filesystem", "."]
    },
    "remote": { "url": "https://mcp.example.com/mcp" }
  }
}
"#;

fn mcpward(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .args(args)
        .current_dir(home)
        .env("HOME", home)
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_STATE_HOME")
        .env_remove("APPDATA")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run mcpward")
}

/// Status, stdout and stderr with the temp dir and the backup's timestamp made stable.
fn text(o: &Output, home: &Path) -> String {
    let raw = format!(
        "status: {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
    .replace(home.to_str().unwrap(), "<home>");
    match raw.find(".mcpward-backup-") {
        // `<file>.<8 hex of its path>.mcpward-backup-<stamp>`
        Some(at) if at >= 9 => {
            let start = at + ".mcpward-backup-".len();
            let end = raw[start..]
                .find(|c: char| c.is_whitespace())
                .map_or(raw.len(), |e| start + e);
            format!(
                "{}<hash>.mcpward-backup-<stamp>{}",
                &raw[..at - 8],
                &raw[end..]
            )
        }
        _ => raw,
    }
}

/// A home directory with a Cursor user config.
fn home_with_cursor() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".cursor")).unwrap();
    std::fs::write(home.path().join(".cursor/mcp.json"), CURSOR).unwrap();
    home
}

fn config(home: &Path) -> String {
    std::fs::read_to_string(home.join(".cursor/mcp.json")).unwrap()
}

/// Where backups go: mcpward's state directory, never beside the config.
fn backup_dir(home: &Path) -> std::path::PathBuf {
    home.join(".local/state/mcpward/backups")
}

fn backups(home: &Path) -> Vec<String> {
    let mut b: Vec<String> = std::fs::read_dir(backup_dir(home))
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains("mcpward-backup"))
                .collect()
        })
        .unwrap_or_default();
    b.sort();
    b
}

#[test]
fn wrap_with_yes_shows_the_diff_writes_a_backup_and_the_new_config() {
    let home = home_with_cursor();
    let out = mcpward(
        home.path(),
        &["wrap", "--client", "cursor", "--bin", "mcpward", "--yes"],
    );
    insta::assert_snapshot!(text(&out, home.path()), @r#"
        status: Some(0)
        --- stdout
        skipped `remote`: HTTP/SSE server: the stdio gateway cannot wrap it
        --- <home>/.cursor/mcp.json
        +++ <home>/.cursor/mcp.json
        @@ -3,6 +3,6 @@
           "mcpServers": {
             "filesystem": {
        -      "command": "npx",
        -      "args": ["-y", "@modelcontextprotocol/server-filesystem", "."]
        +      "command": "mcpward",
        +      "args": ["run", "--name", "filesystem", "--", "npx", "-y", "@modelcontextprotocol/server-filesystem", "."]
             },
             "remote": { "url": "https://mcp.example.com/mcp" }
        wrap `filesystem`: npx -y @modelcontextprotocol/server-filesystem . -> mcpward run --name filesystem -- npx -y @modelcontextprotocol/server-filesystem .
        wrapped 1 server(s) in <home>/.cursor/mcp.json; the previous version is in <home>/.local/state/mcpward/backups/mcp.json.<hash>.mcpward-backup-<stamp>
        restart the client to apply; `mcpward unwrap --client cursor` undoes this for stdio servers (remote ones: restore the backup)
        --- stderr
    "#);
    assert!(config(home.path()).contains(r#""command": "mcpward""#));
    assert!(config(home.path()).contains("// servers for this machine"));
    let b = backups(home.path());
    assert_eq!(b.len(), 1);
    assert_eq!(
        std::fs::read_to_string(backup_dir(home.path()).join(&b[0])).unwrap(),
        CURSOR
    );
}

#[test]
fn wrap_without_a_terminal_or_yes_refuses_and_writes_nothing() {
    let home = home_with_cursor();
    let out = mcpward(
        home.path(),
        &["wrap", "--client", "cursor", "--bin", "mcpward"],
    );
    insta::assert_snapshot!(text(&out, home.path()), @r#"
        status: Some(2)
        --- stdout
        skipped `remote`: HTTP/SSE server: the stdio gateway cannot wrap it
        --- <home>/.cursor/mcp.json
        +++ <home>/.cursor/mcp.json
        @@ -3,6 +3,6 @@
           "mcpServers": {
             "filesystem": {
        -      "command": "npx",
        -      "args": ["-y", "@modelcontextprotocol/server-filesystem", "."]
        +      "command": "mcpward",
        +      "args": ["run", "--name", "filesystem", "--", "npx", "-y", "@modelcontextprotocol/server-filesystem", "."]
             },
             "remote": { "url": "https://mcp.example.com/mcp" }
        wrap `filesystem`: npx -y @modelcontextprotocol/server-filesystem . -> mcpward run --name filesystem -- npx -y @modelcontextprotocol/server-filesystem .
        --- stderr
        error: not writing without confirmation: there is no terminal to ask on; review the diff above and run again with --yes
    "#);
    assert_eq!(config(home.path()), CURSOR);
    assert!(backups(home.path()).is_empty());
}

#[test]
fn wrapping_again_has_nothing_to_do() {
    let home = home_with_cursor();
    let args = ["wrap", "--client", "cursor", "--bin", "mcpward", "--yes"];
    assert_eq!(mcpward(home.path(), &args).status.code(), Some(0));
    let wrapped = config(home.path());
    let out = mcpward(home.path(), &args);
    insta::assert_snapshot!(text(&out, home.path()), @r#"
        status: Some(0)
        --- stdout
        skipped `filesystem`: already wrapped
        skipped `remote`: HTTP/SSE server: the stdio gateway cannot wrap it
        <home>/.cursor/mcp.json: nothing to wrap
        --- stderr
    "#);
    assert_eq!(config(home.path()), wrapped);
    assert_eq!(backups(home.path()).len(), 1);
}

#[test]
fn unwrap_restores_the_original_bytes() {
    let home = home_with_cursor();
    let wrap = [
        "wrap",
        "--client",
        "cursor",
        "--bin",
        "/opt/bin/mcpward",
        "--yes",
    ];
    assert_eq!(mcpward(home.path(), &wrap).status.code(), Some(0));
    let out = mcpward(home.path(), &["unwrap", "--client", "cursor", "--yes"]);
    insta::assert_snapshot!(text(&out, home.path()), @r#"
        status: Some(0)
        --- stdout
        skipped `remote`: HTTP/SSE server: the stdio gateway cannot wrap it
        --- <home>/.cursor/mcp.json
        +++ <home>/.cursor/mcp.json
        @@ -3,6 +3,6 @@
           "mcpServers": {
             "filesystem": {
        -      "command": "/opt/bin/mcpward",
        -      "args": ["run", "--name", "filesystem", "--", "npx", "-y", "@modelcontextprotocol/server-filesystem", "."]
        +      "command": "npx",
        +      "args": ["-y", "@modelcontextprotocol/server-filesystem", "."]
             },
             "remote": { "url": "https://mcp.example.com/mcp" }
        unwrap `filesystem`: /opt/bin/mcpward run --name filesystem -- npx -y @modelcontextprotocol/server-filesystem . -> npx -y @modelcontextprotocol/server-filesystem .
        unwrapped 1 server(s) in <home>/.cursor/mcp.json; the previous version is in <home>/.local/state/mcpward/backups/mcp.json.<hash>.mcpward-backup-<stamp>
        --- stderr
    "#);
    assert_eq!(config(home.path()), CURSOR);
    assert_eq!(
        backups(home.path()).len(),
        2,
        "each write keeps its own backup"
    );
}

#[test]
fn explicit_config_path_is_used() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("custom.json");
    std::fs::write(&file, CURSOR).unwrap();
    let out = mcpward(
        home.path(),
        &[
            "wrap",
            "--client",
            "claude-desktop",
            "--config",
            file.to_str().unwrap(),
            "--bin",
            "mcpward",
            "--yes",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out, home.path()));
    assert!(std::fs::read_to_string(&file).unwrap().contains("\"run\""));
}

#[test]
fn missing_config_says_where_it_looked_and_what_to_pass() {
    let home = tempfile::tempdir().unwrap();
    let out = mcpward(home.path(), &["wrap", "--client", "cursor", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(".cursor/mcp.json"), "{stderr}");
    assert!(stderr.contains("--config FILE"), "{stderr}");
}

#[test]
fn unknown_or_unsupported_clients_are_refused() {
    let home = home_with_cursor();
    let out = mcpward(home.path(), &["wrap", "--client", "notepad", "--yes"]);
    insta::assert_snapshot!(text(&out, home.path()), @r#"
        status: Some(2)
        --- stdout
        --- stderr
        error: unknown client `notepad`; use one of: claude-desktop, claude-code, vscode, cursor, windsurf, gemini-cli, codex, zed, continue, cline, roo-code, goose, lm-studio
    "#);
    let file = home.path().join("settings.json");
    std::fs::write(
        &file,
        r#"{"context_servers": {"x": {"command": {"path": "npx"}}}}"#,
    )
    .unwrap();
    let out = mcpward(
        home.path(),
        &[
            "wrap",
            "--client",
            "zed",
            "--config",
            file.to_str().unwrap(),
            "--yes",
        ],
    );
    insta::assert_snapshot!(text(&out, home.path()), @r#"
        status: Some(2)
        --- stdout
        --- stderr
        error: <home>/settings.json: Zed configs cannot be rewritten by mcpward yet; change its servers' command to `mcpward run --name <server> -- <command> <args…>` by hand
    "#);
}

#[test]
fn broken_config_is_reported_with_its_position_and_left_alone() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("mcp.json");
    let broken = "{\n  \"mcpServers\": {\n    \"x\": {\"command\": \"npx\",,}\n  }\n}\n";
    std::fs::write(&file, broken).unwrap();
    let out = mcpward(
        home.path(),
        &[
            "wrap",
            "--client",
            "cursor",
            "--config",
            file.to_str().unwrap(),
            "--yes",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("mcp.json: line 3"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), broken);
}

#[test]
fn wrap_of_a_shared_project_config_names_mcpward_from_path_and_leaves_no_backup_beside_it() {
    let home = tempfile::tempdir().unwrap();
    let project = home.path().join("project");
    std::fs::create_dir(&project).unwrap();
    let config = project.join(".mcp.json");
    std::fs::write(
        &config,
        r#"{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "."]}}}"#,
    )
    .unwrap();
    let run = |path_dir: Option<&Path>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcpward"));
        cmd.args(["wrap", "--client", "claude-code", "--config"])
            .arg(&config)
            .arg("--yes")
            .current_dir(&project)
            .env("HOME", home.path())
            .env_remove("XDG_STATE_HOME")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        match path_dir {
            Some(dir) => cmd.env("PATH", dir),
            None => cmd.env("PATH", home.path().join("empty")),
        };
        cmd.output().unwrap()
    };
    // Not on PATH: a teammate's path would be wrong, and ours does not resolve: refuse.
    let out = run(None);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("not on PATH"));
    // With `mcpward` on PATH the config names it, portable for everyone who clones the project.
    let bin = home.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_mcpward"), bin.join("mcpward")).unwrap();
    let out = run(Some(&bin));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(written.contains(r#""command": "mcpward""#), "{written}");
    assert!(
        !written.contains(home.path().to_str().unwrap()),
        "{written}"
    );
    let beside: Vec<_> = std::fs::read_dir(&project)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(beside, vec![".mcp.json".to_owned()]);
    assert_eq!(backups(home.path()).len(), 1);
}

#[test]
fn wrap_with_serve_routes_remote_servers_through_it_and_prints_their_routes() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".cursor")).unwrap();
    let source = r#"{
  "mcpServers": {
    "filesystem": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "."] },
    "remote": { "url": "https://mcp.example.com/mcp" },
    "github": { "url": "https://api.githubcopilot.com/mcp/", "headers": { "Authorization": "Bearer ${env:GITHUB_TOKEN}" } },
    "odd name": { "url": "https://odd.example.com/mcp" }
  }
}
"#;
    std::fs::write(home.path().join(".cursor/mcp.json"), source).unwrap();
    let out = mcpward(
        home.path(),
        &[
            "wrap",
            "--client",
            "cursor",
            "--bin",
            "mcpward",
            "--serve",
            "http://127.0.0.1:8848/",
            "--yes",
        ],
    );
    insta::assert_snapshot!(text(&out, home.path()));
    let after = config(home.path());
    assert!(
        after.contains(r#""url": "http://127.0.0.1:8848/mcp/remote""#),
        "{after}"
    );
    assert!(
        after.contains(r#""url": "http://127.0.0.1:8848/mcp/github""#),
        "{after}"
    );
    assert!(after.contains("https://odd.example.com/mcp"), "{after}");
    // Routed servers are not routed twice.
    let again = mcpward(
        home.path(),
        &[
            "wrap",
            "--client",
            "cursor",
            "--bin",
            "mcpward",
            "--serve",
            "http://127.0.0.1:8848",
            "--yes",
        ],
    );
    let shown = text(&again, home.path());
    assert!(
        shown.contains("skipped `remote`: already routed through mcpward serve"),
        "{shown}"
    );
    // Not an http(s) URL: refused before anything is read.
    let bad = mcpward(
        home.path(),
        &["wrap", "--client", "cursor", "--serve", "127.0.0.1:8848"],
    );
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad, home.path()));
}
