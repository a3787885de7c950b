//! Discovery against a fake home directory, and path layouts per OS.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use mcpward_config::{Candidate, ClientKind, Os, Scope, candidate_paths, discover};

fn no_env(_: &str) -> Option<String> {
    None
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

const SERVERS: &str = r#"{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem"]}}}"#;

/// One config per client, Linux layout, under `home` (user) and `project`.
fn populate(home: &Path, project: &Path) {
    let config = home.join(".config");
    write(&config.join("Claude/claude_desktop_config.json"), SERVERS);
    write(
        &home.join(".claude.json"),
        r#"{"projects": {"/p": {"mcpServers": {"a": {"command": "x"}}}}}"#,
    );
    write(&project.join(".mcp.json"), SERVERS);
    write(
        &config.join("Code/User/mcp.json"),
        r#"{"servers": {"t": {"command": "uvx", "args": ["mcp-server-time"]}}}"#,
    );
    write(&project.join(".cursor/mcp.json"), SERVERS);
    write(&home.join(".codeium/windsurf/mcp_config.json"), SERVERS);
    write(&home.join(".gemini/settings.json"), SERVERS);
    write(
        &home.join(".codex/config.toml"),
        "[mcp_servers.docs]\ncommand = \"npx\"\n",
    );
    write(
        &config.join("zed/settings.json"),
        r#"{"context_servers": {"z": {"command": "z"}}}"#,
    );
    write(
        &project.join(".continue/mcpServers/playwright.yaml"),
        "name: pw\nversion: 0.0.1\nschema: v1\nmcpServers:\n  - name: Browser\n    command: npx\n    args: [\"@playwright/mcp@latest\"]\n",
    );
    write(
        &config.join(
            "Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
        ),
        SERVERS,
    );
    write(&project.join(".roo/mcp.json"), SERVERS);
    write(
        &config.join("goose/config.yaml"),
        "extensions:\n  fetch:\n    type: stdio\n    cmd: uvx\n    args: [mcp-server-fetch]\n",
    );
    write(&home.join(".lmstudio/mcp.json"), SERVERS);
}

#[test]
fn discover_finds_a_config_of_every_client_in_a_linux_home() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let project = tmp.path().join("work/app");
    populate(&home, &project);

    let files = discover(&home, &project, Os::Linux, &no_env);
    let clients: BTreeSet<ClientKind> = files.iter().map(|f| f.client).collect();
    assert_eq!(
        clients,
        ClientKind::ALL.into_iter().collect::<BTreeSet<_>>(),
        "{:#?}",
        files.iter().map(|f| &f.path).collect::<Vec<_>>()
    );
    for f in &files {
        assert!(
            f.problems.is_empty(),
            "{}: {:?}",
            f.path.display(),
            f.problems
        );
        assert!(!f.servers.is_empty(), "{} has no servers", f.path.display());
    }
    let claude_code_project = files
        .iter()
        .find(|f| f.path.ends_with(".claude.json"))
        .unwrap();
    assert_eq!(
        claude_code_project.servers[0].project.as_deref(),
        Some("/p")
    );
    let continue_block = files
        .iter()
        .find(|f| f.client == ClientKind::Continue)
        .unwrap();
    assert_eq!(continue_block.scope, Scope::Project);
    assert_eq!(continue_block.servers[0].name, "Browser");
}

#[test]
fn discover_returns_a_file_reached_twice_once() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().to_path_buf();
    write(&home.join(".cursor/mcp.json"), SERVERS);
    // The project is the home directory: `.cursor/mcp.json` is both user and project config.
    let files = discover(&home, &home, Os::Linux, &no_env);
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].scope, Scope::User);
}

#[test]
fn discover_skips_shared_settings_files_without_mcp_servers() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    write(
        &home.join(".config/Code/User/settings.json"),
        r#"{"editor.fontSize": 13}"#,
    );
    write(
        &home.join(".gemini/settings.json"),
        r#"{"theme": "Default"}"#,
    );
    assert!(discover(&home, &tmp.path().join("p"), Os::Linux, &no_env).is_empty());
}

#[cfg(unix)]
#[test]
fn discover_keeps_an_unreadable_config_with_a_problem() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let path = home.join(".cursor/mcp.json");
    write(&path, SERVERS);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&path).is_ok() {
        return; // running as root: permissions are not enforced, nothing to test
    }
    let files = discover(&home, &tmp.path().join("p"), Os::Linux, &no_env);
    assert_eq!(files.len(), 1);
    assert!(files[0].servers.is_empty());
    assert!(
        files[0].problems[0].message.contains("cannot read"),
        "{:?}",
        files[0].problems
    );
}

fn paths_of(candidates: &[Candidate], client: ClientKind) -> Vec<PathBuf> {
    candidates
        .iter()
        .filter(|c| c.client == client)
        .map(|c| c.path.clone())
        .collect()
}

#[test]
fn macos_layout_uses_application_support() {
    let home = Path::new("/Users/me");
    let c = candidate_paths(home, Path::new("/Users/me/src/app"), Os::MacOs, &no_env);
    assert_eq!(
        paths_of(&c, ClientKind::ClaudeDesktop),
        [home.join("Library/Application Support/Claude/claude_desktop_config.json")]
    );
    assert!(
        paths_of(&c, ClientKind::VsCode)
            .contains(&home.join("Library/Application Support/Code/User/mcp.json"))
    );
    assert_eq!(
        paths_of(&c, ClientKind::Zed)[0],
        home.join(".config/zed/settings.json")
    );
    assert_eq!(
        paths_of(&c, ClientKind::Goose),
        [home.join(".config/goose/config.yaml")]
    );
    assert!(paths_of(&c, ClientKind::Cline).contains(
        &home.join("Library/Application Support/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json")
    ));
}

#[test]
fn windows_layout_uses_appdata_and_user_profile() {
    let home = Path::new("/c/Users/me");
    let appdata = "/c/Users/me/AppData/Roaming-custom";
    let env = |name: &str| (name == "APPDATA").then(|| appdata.to_string());
    let c = candidate_paths(home, Path::new("/c/src/app"), Os::Windows, &env);
    let roaming = Path::new(appdata);
    assert_eq!(
        paths_of(&c, ClientKind::ClaudeDesktop),
        [roaming.join("Claude/claude_desktop_config.json")]
    );
    assert_eq!(
        paths_of(&c, ClientKind::Zed)[0],
        roaming.join("Zed/settings.json")
    );
    assert_eq!(
        paths_of(&c, ClientKind::Goose),
        [roaming.join("Block/goose/config/config.yaml")]
    );
    assert_eq!(
        paths_of(&c, ClientKind::Cursor)[0],
        home.join(".cursor/mcp.json")
    );
    assert_eq!(
        paths_of(&c, ClientKind::Windsurf),
        [home.join(".codeium/windsurf/mcp_config.json")]
    );
    // Without APPDATA the default roaming directory under the profile is used.
    let c = candidate_paths(home, Path::new("/c/src/app"), Os::Windows, &no_env);
    assert_eq!(
        paths_of(&c, ClientKind::ClaudeDesktop),
        [home.join("AppData/Roaming/Claude/claude_desktop_config.json")]
    );
}

#[test]
fn environment_overrides_move_config_directories() {
    let home = Path::new("/home/me");
    let env = |name: &str| match name {
        "XDG_CONFIG_HOME" => Some("/xdg".to_string()),
        "CODEX_HOME" => Some("/opt/codex".to_string()),
        "CLAUDE_CONFIG_DIR" => Some("/opt/claude".to_string()),
        "CONTINUE_GLOBAL_DIR" => Some("/opt/continue".to_string()),
        _ => None,
    };
    let c = candidate_paths(home, Path::new("/home/me-example/app"), Os::Linux, &env);
    assert_eq!(
        paths_of(&c, ClientKind::ClaudeDesktop),
        [PathBuf::from("/xdg/Claude/claude_desktop_config.json")]
    );
    assert_eq!(
        paths_of(&c, ClientKind::Codex)[0],
        PathBuf::from("/opt/codex/config.toml")
    );
    assert_eq!(
        paths_of(&c, ClientKind::ClaudeCode)[0],
        PathBuf::from("/opt/claude/.claude.json")
    );
    assert_eq!(
        paths_of(&c, ClientKind::Continue)[0],
        PathBuf::from("/opt/continue/config.yaml")
    );
    assert_eq!(
        paths_of(&c, ClientKind::Goose),
        [PathBuf::from("/xdg/goose/config.yaml")]
    );
    // A relative XDG_CONFIG_HOME is invalid per the spec and ignored.
    let relative = |name: &str| (name == "XDG_CONFIG_HOME").then(|| "rel".to_string());
    let c = candidate_paths(
        home,
        Path::new("/home/me-example/app"),
        Os::Linux,
        &relative,
    );
    assert_eq!(
        paths_of(&c, ClientKind::Goose),
        [home.join(".config/goose/config.yaml")]
    );
}

#[test]
fn every_client_has_candidates_on_every_os() {
    for os in [Os::Linux, Os::MacOs, Os::Windows] {
        let c = candidate_paths(Path::new("/h"), Path::new("/p"), os, &no_env);
        for client in ClientKind::ALL {
            assert!(c.iter().any(|c| c.client == client), "{client:?} on {os:?}");
        }
    }
}

#[test]
fn discover_reads_claude_code_and_vscode_settings_that_speak_about_mcp() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let project = tmp.path().join("work/app");
    write(
        &home.join(".claude/settings.json"),
        r#"{"permissions": {"allow": ["mcp__github__get_issue"]}}"#,
    );
    write(
        &project.join(".claude/settings.json"),
        r#"{"enableAllProjectMcpServers": true}"#,
    );
    write(
        &project.join(".claude/settings.local.json"),
        r#"{"enabledMcpjsonServers": ["github"]}"#,
    );
    write(
        &home.join(".config/Code/User/settings.json"),
        r#"{"chat.tools.global.autoApprove": true}"#,
    );
    write(
        &project.join(".vscode/settings.json"),
        r#"{"chat.permissions.default": "autopilot"}"#,
    );
    let files = discover(&home, &project, Os::Linux, &no_env);
    let found: Vec<(PathBuf, ClientKind, Scope, usize)> = files
        .iter()
        .map(|f| {
            let rel = f
                .path
                .strip_prefix(tmp.path())
                .unwrap_or(&f.path)
                .to_path_buf();
            (rel, f.client, f.scope, f.switches.len())
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                PathBuf::from("home/.claude/settings.json"),
                ClientKind::ClaudeCode,
                Scope::User,
                1
            ),
            (
                PathBuf::from("work/app/.claude/settings.json"),
                ClientKind::ClaudeCode,
                Scope::Project,
                1
            ),
            (
                PathBuf::from("work/app/.claude/settings.local.json"),
                ClientKind::ClaudeCode,
                Scope::Project,
                1
            ),
            (
                PathBuf::from("home/.config/Code/User/settings.json"),
                ClientKind::VsCode,
                Scope::User,
                1
            ),
            (
                PathBuf::from("work/app/.vscode/settings.json"),
                ClientKind::VsCode,
                Scope::Project,
                1
            ),
        ]
    );
    assert!(
        files
            .iter()
            .all(|f| f.servers.is_empty() && f.problems.is_empty())
    );
}

#[test]
fn discover_skips_claude_code_settings_about_its_own_tools_only() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let project = tmp.path().join("work/app");
    write(
        &home.join(".claude/settings.json"),
        r#"{"permissions": {"allow": ["Bash(npm test)", "Read(src/**)"], "defaultMode": "acceptEdits"}, "model": "opus"}"#,
    );
    write(
        &project.join(".claude/settings.local.json"),
        r#"{"permissions": {"allow": ["Bash(git status)"]}}"#,
    );
    assert!(discover(&home, &project, Os::Linux, &no_env).is_empty());
}

#[test]
fn claude_config_dir_moves_the_user_settings_too() {
    let env = |name: &str| (name == "CLAUDE_CONFIG_DIR").then(|| "/opt/claude".to_string());
    let c = candidate_paths(
        Path::new("/home/alice-example"),
        Path::new("/srv/app"),
        Os::Linux,
        &env,
    );
    assert_eq!(
        paths_of(&c, ClientKind::ClaudeCode),
        [
            PathBuf::from("/opt/claude/.claude.json"),
            PathBuf::from("/opt/claude/settings.json"),
            PathBuf::from("/srv/app/.mcp.json"),
            PathBuf::from("/srv/app/.claude/settings.json"),
            PathBuf::from("/srv/app/.claude/settings.local.json"),
        ]
    );
}
