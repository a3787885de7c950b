//! End-to-end: real client files parsed by mcpward-config, checked by `audit`.

use std::path::{Path, PathBuf};

use mcpward_audit::{AuditOptions, FixtureRegistry, audit};
use mcpward_config::{ClientKind, ConfigFile, Scope, parse_file};
use mcpward_core::{Finding, Severity};

fn fake_ghp() -> String {
    format!("ghp_{}", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A")
}

fn offline() -> AuditOptions<'static> {
    AuditOptions {
        inspect_files: false,
        now: "2026-01-01T00:00:00Z".parse().unwrap(),
        ..AuditOptions::default()
    }
}

fn parse(name: &str, client: ClientKind, source: &str) -> ConfigFile {
    parse_file(Path::new(name), source.to_string(), client, Scope::User)
}

fn rules_of(findings: &[Finding], server: &str) -> Vec<String> {
    let mut r: Vec<String> = findings
        .iter()
        .filter(|f| f.server.as_deref() == Some(server))
        .map(|f| f.rule.clone())
        .collect();
    r.sort();
    r.dedup();
    r
}

fn claude_desktop_config(token: &str) -> String {
    format!(
        r#"{{
  "mcpServers": {{
    "github": {{
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-github"],
      "env": {{ "GITHUB_PERSONAL_ACCESS_TOKEN": "{token}" }}
    }},
    "fetch": {{ "command": "uvx", "args": ["mcp-server-fetch"] }},
    "filesystem": {{
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.8.21", "/Users/alice"]
    }},
    "shell": {{ "command": "uvx", "args": ["mcp-shell-server==1.0.3"] }}
  }}
}}
"#
    )
}

#[test]
fn insecure_claude_desktop_config_reports_each_risk_at_its_server() {
    let token = fake_ghp();
    let file = parse(
        "claude_desktop_config.json",
        ClientKind::ClaudeDesktop,
        &claude_desktop_config(&token),
    );
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    let findings = audit(std::slice::from_ref(&file), &offline());

    let github = rules_of(&findings, "github");
    for rule in [
        "hardcoded-secret",
        "overbroad-credential",
        "unpinned-package",
    ] {
        assert!(
            github.contains(&rule.to_string()),
            "github lacks {rule}: {github:?}"
        );
    }
    let fetch = rules_of(&findings, "fetch");
    assert!(
        fetch.contains(&"dangerous-combination".to_string()),
        "{fetch:?}"
    );
    assert!(fetch.contains(&"unpinned-package".to_string()));
    assert!(rules_of(&findings, "filesystem").contains(&"broad-filesystem-root".to_string()));
    assert!(rules_of(&findings, "shell").contains(&"exec-capable-server".to_string()));

    for f in &findings {
        assert!(
            !f.message.contains(&token),
            "secret leaked in message of {}",
            f.rule
        );
        assert!(
            !f.fix.as_deref().unwrap_or("").contains(&token),
            "secret leaked in fix of {}",
            f.rule
        );
        assert_eq!(f.client.as_deref(), Some("claude-desktop"));
        assert!(f.docs_url.ends_with(&format!("#{}", f.rule)));
        for r in &f.masked {
            assert_eq!(
                &file.source[r.clone()],
                token,
                "mask range of {} is not the secret",
                f.rule
            );
        }
    }
    let secret = findings
        .iter()
        .find(|f| f.rule == "hardcoded-secret")
        .unwrap();
    assert_eq!(secret.severity, Severity::Critical);
    let line = secret.span.unwrap().line as usize;
    assert!(
        file.source
            .lines()
            .nth(line - 1)
            .unwrap()
            .contains("GITHUB_PERSONAL_ACCESS_TOKEN")
    );
}

#[test]
fn findings_are_sorted_and_deterministic() {
    let file = parse(
        "c.json",
        ClientKind::ClaudeDesktop,
        &claude_desktop_config(&fake_ghp()),
    );
    let a = audit(std::slice::from_ref(&file), &offline());
    let b = audit(std::slice::from_ref(&file), &offline());
    assert_eq!(a, b);
    let keys: Vec<_> = a.iter().map(Finding::sort_key).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn references_and_pins_make_a_clean_config() {
    let source = r#"{
  "mcpServers": {
    "github": {
      "command": "docker",
      "args": ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", "-e", "GITHUB_READ_ONLY=1",
               "ghcr.io/github/github-mcp-server@sha256:0000000000000000000000000000000000000000000000000000000000000000"],
      "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_PAT}" }
    },
    "playwright": { "command": "npx", "args": ["-y", "@playwright/mcp@0.0.41"] }
  }
}"#;
    let file = parse(".mcp.json", ClientKind::ClaudeCode, source);
    let findings = audit(&[file], &offline());
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn codex_env_vars_are_references_not_secrets() {
    let source = r#"
[mcp_servers.github]
command = "github-mcp-server"
args = ["stdio", "--read-only"]
env_vars = ["GITHUB_PERSONAL_ACCESS_TOKEN"]
"#;
    let file = parse("config.toml", ClientKind::Codex, source);
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    let findings = audit(&[file], &offline());
    assert!(
        findings.iter().all(|f| f.rule != "hardcoded-secret"),
        "{findings:#?}"
    );
}

#[test]
fn codex_literal_token_fix_names_env_vars() {
    let source = format!(
        "[mcp_servers.github]\ncommand = \"github-mcp-server\"\nargs = [\"stdio\"]\nenv = {{ GITHUB_PERSONAL_ACCESS_TOKEN = \"{}\" }}\n",
        fake_ghp()
    );
    let file = parse("config.toml", ClientKind::Codex, &source);
    let findings = audit(&[file], &offline());
    let f = findings
        .iter()
        .find(|f| f.rule == "hardcoded-secret")
        .expect("a secret finding");
    assert!(
        f.fix.as_deref().unwrap().contains("env_vars"),
        "{:?}",
        f.fix
    );
}

#[test]
fn broken_file_becomes_config_parse_error() {
    let file = parse(
        "mcp.json",
        ClientKind::Cursor,
        "{ \"mcpServers\": { \"a\": ",
    );
    let findings = audit(&[file], &offline());
    assert!(
        findings
            .iter()
            .any(|f| f.rule == "config-parse-error" && f.severity == Severity::High),
        "{findings:#?}"
    );
}

#[test]
fn online_checks_use_registry_metadata() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/registry");
    let registry = FixtureRegistry::new(dir);
    let source = r#"{
  "mcpServers": {
    "github": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@2025.4.8"] },
    "fetch": { "command": "uvx", "args": ["mcp-server-fetch==2025.4.7"] },
    "notes": { "command": "npx", "args": ["-y", "notes-mcp-server@1.0.2"] },
    "pw": { "command": "npx", "args": ["-y", "@playwright/mcp@0.0.41"] },
    "typo": { "command": "npx", "args": ["-y", "@modelcontextprotcol/server-filesystem@1.0.0"] }
  }
}"#;
    let file = parse("c.json", ClientKind::ClaudeDesktop, source);
    let opts = AuditOptions {
        registry: Some(&registry),
        ..offline()
    };
    let findings = audit(&[file], &opts);
    assert!(rules_of(&findings, "github").contains(&"deprecated-package".to_string()));
    assert!(rules_of(&findings, "github").contains(&"stale-package".to_string()));
    assert!(rules_of(&findings, "fetch").contains(&"stale-package".to_string()));
    assert!(!rules_of(&findings, "fetch").contains(&"package-without-repository".to_string()));
    assert!(rules_of(&findings, "notes").contains(&"package-without-repository".to_string()));
    assert!(rules_of(&findings, "typo").contains(&"package-lookup-failed".to_string()));
    let pw = rules_of(&findings, "pw");
    assert!(!pw.iter().any(|r| r.contains("package")), "{pw:?}");
}

#[test]
fn offline_audit_runs_no_online_rules() {
    let file = parse(
        "c.json",
        ClientKind::ClaudeDesktop,
        r#"{"mcpServers": {"g": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@2025.4.8"]}}}"#,
    );
    let findings = audit(&[file], &offline());
    assert!(findings.iter().all(|f| {
        ![
            "stale-package",
            "deprecated-package",
            "package-lookup-failed",
        ]
        .contains(&f.rule.as_str())
    }));
}

#[test]
fn tracked_config_with_secret_is_found_through_git() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !git(&["init", "-q"]) {
        return; // no git binary: the unit tests with injected facts still cover the rule
    }
    let path = dir.path().join(".mcp.json");
    let source = format!(
        r#"{{"mcpServers": {{"g": {{"command": "github-mcp-server", "args": ["stdio", "--read-only"], "env": {{"GITHUB_PERSONAL_ACCESS_TOKEN": "{}"}}}}}}}}"#,
        fake_ghp()
    );
    std::fs::write(&path, &source).unwrap();
    assert!(git(&["add", ".mcp.json"]));
    let file = parse_file(&path, source, ClientKind::ClaudeCode, Scope::Project);
    let opts = AuditOptions {
        inspect_files: true,
        ..offline()
    };
    let findings = audit(&[file], &opts);
    let tracked = findings
        .iter()
        .find(|f| f.rule == "secret-in-tracked-file")
        .expect("tracked secret finding");
    assert_eq!(tracked.severity, Severity::Critical);
}

/// What a person reads for the insecure example, reviewed as a snapshot so any wording change
/// is a visible diff.
#[test]
fn insecure_config_findings_snapshot() {
    let file = parse(
        "claude_desktop_config.json",
        ClientKind::ClaudeDesktop,
        &claude_desktop_config(&fake_ghp()),
    );
    let findings = audit(&[file], &offline());
    let text: String = findings
        .iter()
        .map(|f| {
            let span = f
                .span
                .map(|s| format!("{}:{}", s.line, s.col))
                .unwrap_or_default();
            format!(
                "{} [{}] {} @{span}\n  {}\n  fix: {}\n",
                f.rule,
                f.severity,
                f.server.as_deref().unwrap_or("-"),
                f.message,
                f.fix.as_deref().unwrap_or("-")
            )
        })
        .collect();
    insta::assert_snapshot!(text);
}

#[test]
fn client_auto_approve_switches_are_read_from_real_files() {
    let cline = parse(
        "cline_mcp_settings.json",
        ClientKind::Cline,
        r#"{"mcpServers": {"github": {"command": "github-mcp-server", "args": ["stdio"], "alwaysAllow": ["get_issue", "merge_pull_request"]}}}"#,
    );
    let f = audit(&[cline], &offline());
    let approve: Vec<_> = f
        .iter()
        .filter(|f| f.rule == "client-auto-approve")
        .map(|f| f.severity)
        .collect();
    assert_eq!(
        approve,
        vec![Severity::High],
        "one finding per server: {f:#?}"
    );

    // Claude Code reads no `alwaysAllow`: reported as having no effect, not as an approval.
    let claude = parse(
        ".mcp.json",
        ClientKind::ClaudeCode,
        r#"{"mcpServers": {"github": {"command": "github-mcp-server", "args": ["stdio"], "alwaysAllow": ["merge_pull_request"]}}}"#,
    );
    let f = audit(&[claude], &offline());
    let approve: Vec<_> = f
        .iter()
        .filter(|f| f.rule == "client-auto-approve")
        .collect();
    assert_eq!(approve.len(), 1, "{f:#?}");
    assert_eq!(approve[0].severity, Severity::Info);
    assert!(
        approve[0].message.contains("has no effect"),
        "{}",
        approve[0].message
    );

    let gemini = parse(
        "settings.json",
        ClientKind::GeminiCli,
        r#"{"mcpServers": {"shell": {"command": "uvx", "args": ["mcp-shell-server==1.0.3"], "trust": true}}}"#,
    );
    let f = audit(&[gemini], &offline());
    assert!(
        f.iter()
            .any(|f| f.rule == "client-auto-approve" && f.severity == Severity::High),
        "{f:#?}"
    );
}

#[test]
fn vscode_inputs_are_references() {
    let vscode = parse(
        "mcp.json",
        ClientKind::VsCode,
        r#"{
  "inputs": [{ "type": "promptString", "id": "github-pat", "description": "GitHub PAT", "password": true }],
  "servers": {
    "github": { "type": "http", "url": "https://api.githubcopilot.com/mcp/readonly", "headers": { "Authorization": "Bearer ${input:github-pat}" } }
  }
}"#,
    );
    let f = audit(&[vscode], &offline());
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn secrets_in_values_the_client_ignores_are_still_reported() {
    let token = fake_ghp();
    let source = format!(
        r#"{{"mcpServers": {{
  "env-list": {{"command": "node", "env": ["GITHUB_TOKEN={token}"]}},
  "args-string": {{"command": "node", "args": "--token {token}"}},
  "unknown-field": {{"command": "node", "apiKey": "{token}"}},
  "nested": {{"command": "node", "env": {{"CFG": {{"token": "{token}"}}}}}}
}}}}"#
    );
    let file = parse(".mcp.json", ClientKind::ClaudeCode, &source);
    let findings = audit(std::slice::from_ref(&file), &offline());
    for server in ["env-list", "args-string", "unknown-field", "nested"] {
        let f = findings
            .iter()
            .find(|f| f.rule == "hardcoded-secret" && f.server.as_deref() == Some(server))
            .unwrap_or_else(|| panic!("no secret finding for {server}: {findings:#?}"));
        let span = f.span.unwrap();
        assert!(
            file.source[span.offset..].starts_with(&token)
                || file.source[span.offset..].starts_with("GITHUB_TOKEN=")
                || file.source[span.offset..].starts_with("--token "),
            "{server}: {span:?}"
        );
    }
}

#[test]
fn descriptions_and_tool_names_outside_known_fields_are_not_secrets() {
    let source = r#"{"mcpServers": {
  "docs": {"command": "npx", "args": ["-y", "@upstash/context7-mcp@1.0.14"],
           "description": "Up-to-date library documentation", "timeout": 60000,
           "alwaysAllow": ["resolve-library-id", "get-library-docs"],
           "metadata": {"id": "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "icon": "https://example.com/icon.png"}}
}}"#;
    let file = parse("cline_mcp_settings.json", ClientKind::Cline, source);
    let findings = audit(&[file], &offline());
    assert!(
        findings.iter().all(|f| f.rule != "hardcoded-secret"),
        "{findings:#?}"
    );
}

#[test]
fn servers_under_the_other_clients_key_are_reported_and_checked_for_secrets() {
    let token = fake_ghp();
    let source = format!(
        r#"{{"servers": {{"github": {{"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "env": {{"GITHUB_PERSONAL_ACCESS_TOKEN": "{token}"}}}}}}}}"#
    );
    let file = parse(".mcp.json", ClientKind::ClaudeCode, &source);
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    let findings = audit(&[file], &offline());
    let rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
    // Not a syntax problem: the file parses, and the client silently starts nothing.
    assert!(!rules.contains(&"config-parse-error"), "{rules:?}");
    let not_loaded = findings
        .iter()
        .find(|f| f.rule == "servers-not-loaded")
        .expect("servers-not-loaded");
    assert!(
        not_loaded
            .message
            .contains("reads servers from `mcpServers`, not `servers`"),
        "{}",
        not_loaded.message
    );
    assert!(rules.contains(&"hardcoded-secret"), "{rules:?}");
    // The servers never start: no runtime findings such as pinning.
    assert!(!rules.contains(&"unpinned-package"), "{rules:?}");

    let vscode = parse(
        "mcp.json",
        ClientKind::VsCode,
        r#"{"mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch==2025.4.7"]}}}"#,
    );
    let findings = audit(&[vscode], &offline());
    assert!(
        findings.iter().any(|f| f.rule == "servers-not-loaded"
            && f.message
                .contains("reads servers from `servers`, not `mcpServers`")),
        "{findings:#?}"
    );
}

#[test]
fn dangerous_combination_spans_the_files_one_client_merges() {
    let user = |client, name: &str, src: &str| {
        parse_file(Path::new(name), src.to_string(), client, Scope::User)
    };
    let project = |client, name: &str, src: &str| {
        parse_file(Path::new(name), src.to_string(), client, Scope::Project)
    };
    let pairs = |files: &[ConfigFile]| -> Vec<String> {
        audit(files, &offline())
            .into_iter()
            .filter(|f| f.rule == "dangerous-combination")
            .map(|f| format!("{}:{}", f.file.display(), f.server.unwrap_or_default()))
            .collect()
    };
    // Claude Code: a user-level reader with a project's credentialed writer.
    let claude_user = user(
        ClientKind::ClaudeCode,
        "/home/u-example/.claude.json",
        r#"{"mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}},
            "projects": {"/elsewhere": {"mcpServers": {"brave": {"command": "npx", "args": ["-y", "@brave/brave-search-mcp-server"]}}}}}"#,
    );
    let claude_project = project(
        ClientKind::ClaudeCode,
        "/srv/app/.mcp.json",
        r#"{"mcpServers": {"github": {"command": "github-mcp-server", "args": ["stdio"]}}}"#,
    );
    let found = pairs(&[claude_user.clone(), claude_project.clone()]);
    assert!(
        found
            .iter()
            .any(|p| p == "/home/u-example/.claude.json:fetch"),
        "{found:?}"
    );
    // A local server of another project is not loaded with this `.mcp.json`.
    assert!(!found.iter().any(|p| p.ends_with(":brave")), "{found:?}");
    // Each file alone has no pair.
    assert!(pairs(&[claude_user]).is_empty());
    assert!(pairs(std::slice::from_ref(&claude_project)).is_empty());

    // VS Code: user mcp.json with a workspace's.
    let vs_user = user(
        ClientKind::VsCode,
        "/home/u-example/.config/Code/User/mcp.json",
        r#"{"servers": {"playwright": {"command": "npx", "args": ["@playwright/mcp@latest"]}}}"#,
    );
    let vs_workspace = project(
        ClientKind::VsCode,
        "/srv/app/.vscode/mcp.json",
        r#"{"servers": {"commands": {"command": "npx", "args": ["-y", "mcp-server-commands"]}}}"#,
    );
    let found = pairs(&[vs_user, vs_workspace]);
    assert!(
        found
            .iter()
            .any(|p| p == "/home/u-example/.config/Code/User/mcp.json:playwright"),
        "{found:?}"
    );
    // Different clients never combine.
    let cursor = project(
        ClientKind::Cursor,
        "/srv/app/.cursor/mcp.json",
        r#"{"mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}}}"#,
    );
    assert!(pairs(&[cursor, claude_project]).is_empty());
}

#[test]
fn cross_file_combinations_name_the_writers_place_and_honour_rejections() {
    let file = |client, scope, name: &str, src: &str| {
        parse_file(Path::new(name), src.to_string(), client, scope)
    };
    let combos = |files: &[ConfigFile]| -> Vec<Finding> {
        audit(files, &offline())
            .into_iter()
            .filter(|f| f.rule == "dangerous-combination")
            .collect()
    };
    let user = file(
        ClientKind::ClaudeCode,
        Scope::User,
        "/home/alice-example/.claude.json",
        r#"{"mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch==2025.4.7"]}}}"#,
    );
    let project = file(
        ClientKind::ClaudeCode,
        Scope::Project,
        "/srv/app/.mcp.json",
        "{\n  \"mcpServers\": {\n    \"github\": {\"command\": \"github-mcp-server\", \"args\": [\"stdio\"]}\n  }\n}",
    );
    let found = combos(&[user.clone(), project.clone()]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0]
            .message
            .contains("`github` (`/srv/app/.mcp.json:3:6`)"),
        "{}",
        found[0].message
    );
    // The person's local settings reject the project's `github`: Claude Code never starts it.
    let local = file(
        ClientKind::ClaudeCode,
        Scope::Project,
        "/srv/app/.claude/settings.local.json",
        r#"{"disabledMcpjsonServers": ["github"]}"#,
    );
    assert!(combos(&[user.clone(), project.clone(), local]).is_empty());
    // Another project's settings do not.
    let elsewhere = file(
        ClientKind::ClaudeCode,
        Scope::Project,
        "/srv/other/.claude/settings.local.json",
        r#"{"disabledMcpjsonServers": ["github"]}"#,
    );
    assert_eq!(combos(&[user, project, elsewhere]).len(), 1);

    // VS Code: servers of the user settings.json combine with the user mcp.json of the same
    // build, not with another build's.
    let settings = |dir: &str| {
        file(
            ClientKind::VsCode,
            Scope::User,
            &format!("/home/alice-example/.config/{dir}/User/settings.json"),
            r#"{ "mcp": { "servers": { "playwright": { "command": "npx", "args": ["@playwright/mcp@0.0.41"] } } } }"#,
        )
    };
    let mcp_json = file(
        ClientKind::VsCode,
        Scope::User,
        "/home/alice-example/.config/Code/User/mcp.json",
        r#"{"servers": {"commands": {"command": "npx", "args": ["-y", "mcp-server-commands"]}}}"#,
    );
    assert_eq!(combos(&[settings("Code"), mcp_json.clone()]).len(), 1);
    assert!(combos(&[settings("Code - Insiders"), mcp_json]).is_empty());
}

#[test]
fn claude_code_settings_approvals_are_judged_with_the_servers_they_approve() {
    let file = |scope, name: &str, src: &str| {
        parse_file(
            Path::new(name),
            src.to_string(),
            ClientKind::ClaudeCode,
            scope,
        )
    };
    let mcp = file(
        Scope::Project,
        "/srv/app/.mcp.json",
        r#"{"mcpServers": {
  "fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.8.21", "/srv/app"]},
  "github": {"command": "github-mcp-server", "args": ["stdio", "--read-only"], "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_PAT}"}}
}}"#,
    );
    let settings = file(
        Scope::Project,
        "/srv/app/.claude/settings.json",
        r#"{"permissions": {"allow": ["mcp__fs__read_text_file", "mcp__fs__directory_tree", "mcp__github"]}}"#,
    );
    let findings = audit(&[mcp, settings], &offline());
    let approvals: Vec<(&str, Severity)> = findings
        .iter()
        .filter(|f| f.rule == "client-auto-approve")
        .map(|f| (f.server.as_deref().unwrap_or("-"), f.severity))
        .collect();
    // Curated read-only tools of the filesystem server are low; every tool of GitHub in
    // read-only mode is medium: it only reads, but issues and comments are written by others.
    assert_eq!(
        approvals,
        [("fs", Severity::Low), ("github", Severity::Medium)],
        "{findings:#?}"
    );
}
