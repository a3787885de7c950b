//! Which client a file named on the command line belongs to.

use std::path::{Component, Path};

use crate::clients::{FileFacts, REGISTRY};
use crate::model::{ClientKind, Scope};

/// Guess the client (and scope) of a file from its path and content: `.mcp.json` → Claude
/// Code, `.vscode/mcp.json` → VS Code, `config.toml` with `[mcp_servers` → Codex,
/// `settings.json` with `context_servers` → Zed, and so on (each client module says what it
/// recognises). A JSON file of another name that still has an `mcpServers` key is read in the
/// common `mcpServers` shape (as Claude Desktop's). `None` when the file is not an MCP config.
///
/// Content tests are plain text searches, so a file with a syntax error is still recognised
/// (and its error reported) rather than silently skipped.
pub fn detect_client(path: &Path, source: &str) -> Option<(ClientKind, Scope)> {
    let home = std::env::home_dir();
    detect_with_home(path, source, home.as_deref())
}

pub(crate) fn detect_with_home(
    path: &Path,
    source: &str,
    home: Option<&Path>,
) -> Option<(ClientKind, Scope)> {
    let facts = file_facts(path, source, home)?;
    for spec in REGISTRY {
        if let Some(scope) = (spec.detect)(&facts) {
            return Some((spec.kind, scope));
        }
    }
    let is_json = Path::new(facts.file_name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("jsonc"));
    (is_json && facts.has_json_key("mcpServers"))
        .then_some((ClientKind::ClaudeDesktop, Scope::Project))
}

/// What detection looks at; `None` for a path without a UTF-8 file name.
pub(crate) fn file_facts<'a>(
    path: &'a Path,
    source: &'a str,
    home: Option<&'a Path>,
) -> Option<FileFacts<'a>> {
    let file_name = path.file_name()?.to_str()?;
    let parents = path
        .parent()
        .map(|p| {
            p.components()
                .rev()
                .filter_map(|c| match c {
                    Component::Normal(name) => name.to_str(),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    Some(FileFacts {
        path,
        file_name,
        parents,
        source,
        home,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(path: &str, source: &str) -> Option<(ClientKind, Scope)> {
        detect_with_home(Path::new(path), source, Some(Path::new("/home/u-example")))
    }

    #[test]
    fn recognises_each_client_by_its_file() {
        use ClientKind::*;
        use Scope::*;
        let cases: &[(&str, &str, ClientKind, Scope)] = &[
            (
                "/x/Claude/claude_desktop_config.json",
                "{}",
                ClaudeDesktop,
                User,
            ),
            ("/home/u-example/.claude.json", "{}", ClaudeCode, User),
            ("/repo/.mcp.json", "{}", ClaudeCode, Project),
            (
                "/repo/.vscode/mcp.json",
                r#"{"servers":{}}"#,
                VsCode,
                Project,
            ),
            (
                "/home/u-example/.config/Code/User/mcp.json",
                r#"{"servers":{}}"#,
                VsCode,
                User,
            ),
            (
                "/home/u-example/.config/Code/User/settings.json",
                r#"{"mcp":{"servers":{}}}"#,
                VsCode,
                User,
            ),
            (
                "/home/u-example/.cursor/mcp.json",
                r#"{"mcpServers":{}}"#,
                Cursor,
                User,
            ),
            (
                "/repo/.cursor/mcp.json",
                r#"{"mcpServers":{}}"#,
                Cursor,
                Project,
            ),
            (
                "/home/u-example/.codeium/windsurf/mcp_config.json",
                "{}",
                Windsurf,
                User,
            ),
            (
                "/home/u-example/.gemini/settings.json",
                r#"{"mcpServers":{}}"#,
                GeminiCli,
                User,
            ),
            (
                "/repo/.gemini/settings.json",
                r#"{"mcpServers":{}}"#,
                GeminiCli,
                Project,
            ),
            (
                "/home/u-example/.codex/config.toml",
                "[mcp_servers.a]\ncommand='x'",
                Codex,
                User,
            ),
            (
                "/home/u-example/.config/zed/settings.json",
                r#"{"context_servers":{}}"#,
                Zed,
                User,
            ),
            (
                "/home/u-example/.continue/config.yaml",
                "name: a\nmcpServers:\n  - name: x\n",
                Continue,
                User,
            ),
            (
                "/repo/.continue/mcpServers/pw.yaml",
                "name: a\nmcpServers: []\n",
                Continue,
                Project,
            ),
            (
                "/g/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
                "{}",
                Cline,
                User,
            ),
            (
                "/g/rooveterinaryinc.roo-cline/settings/mcp_settings.json",
                "{}",
                RooCode,
                User,
            ),
            (
                "/repo/.roo/mcp.json",
                r#"{"mcpServers":{}}"#,
                RooCode,
                Project,
            ),
            (
                "/home/u-example/.config/goose/config.yaml",
                "extensions:\n  dev:\n    type: builtin\n",
                Goose,
                User,
            ),
            (
                "/home/u-example/.lmstudio/mcp.json",
                r#"{"mcpServers":{}}"#,
                LmStudio,
                User,
            ),
        ];
        for (path, source, client, scope) in cases {
            assert_eq!(detect(path, source), Some((*client, *scope)), "{path}");
        }
    }

    #[test]
    fn does_not_claim_unrelated_files() {
        for (path, source) in [
            ("/repo/package.json", r#"{"name":"x"}"#),
            ("/repo/.vscode/settings.json", r#"{"editor.tabSize": 2}"#),
            ("/repo/Cargo.toml", "[package]\nname='x'"),
            ("/repo/config.toml", "[server]\nport=1"),
            ("/repo/config.yaml", "server:\n  port: 1\n"),
            ("/repo/mcp.json", r#"{"tools": []}"#),
            ("/repo/README.md", "mcpServers"),
        ] {
            assert_eq!(detect(path, source), None, "{path}");
        }
    }

    #[test]
    fn reads_any_json_with_mcp_servers_in_the_common_shape() {
        assert_eq!(
            detect(
                "/repo/tools/agents.json",
                r#"{"mcpServers":{"a":{"command":"x"}}}"#
            ),
            Some((ClientKind::ClaudeDesktop, Scope::Project))
        );
    }

    #[test]
    fn plain_mcp_json_is_vscode_with_servers_and_cursor_like_with_mcp_servers() {
        assert_eq!(
            detect("/repo/mcp.json", r#"{"servers":{}}"#),
            Some((ClientKind::VsCode, Scope::Project))
        );
        assert_eq!(
            detect("/repo/mcp.json", r#"{"mcpServers":{}}"#),
            Some((ClientKind::Cursor, Scope::Project))
        );
    }
}
