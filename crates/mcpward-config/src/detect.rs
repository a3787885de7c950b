//! Which client a file named on the command line belongs to.

use std::path::{Component, Path};

use crate::clients::{FileFacts, REGISTRY};
use crate::model::{ClientKind, Format, Scope};

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

/// The client whose file `path` is, for a file whose content cannot say (empty, binary, not
/// UTF-8, or not parseable): by the client's own directory (`.codex/config.toml`,
/// `zed/settings.json`, `goose/config.yaml`, `.continue/…`, `.gemini/settings.json`,
/// `.cursor/mcp.json`…), or, for a file the person `named`, by its file name alone. Such a file
/// is then parsed and its problem reported, never skipped as "not a configuration".
pub fn detect_broken(path: &Path, source: &str, named: bool) -> Option<(ClientKind, Scope)> {
    let home = std::env::home_dir();
    detect_broken_with_home(path, source, named, home.as_deref())
}

pub(crate) fn detect_broken_with_home(
    path: &Path,
    source: &str,
    named: bool,
    home: Option<&Path>,
) -> Option<(ClientKind, Scope)> {
    if !is_broken(path, source) {
        return None;
    }
    let f = file_facts(path, source, home)?;
    let name = f.file_name.to_ascii_lowercase();
    let by_dir = match name.as_str() {
        "config.toml" if f.parent_is(".codex") => Some((ClientKind::Codex, f.dot_dir_scope())),
        "settings.json" if f.parent_is("zed") => Some((ClientKind::Zed, Scope::User)),
        "settings.json" if f.parent_is(".zed") => Some((ClientKind::Zed, Scope::Project)),
        "settings.json" if f.parent_is(".gemini") => {
            Some((ClientKind::GeminiCli, f.dot_dir_scope()))
        }
        "settings.json" | "settings.local.json" if f.parent_is(".claude") => {
            Some((ClientKind::ClaudeCode, f.dot_dir_scope()))
        }
        "settings.json" if f.parent_is("User") => Some((ClientKind::VsCode, Scope::User)),
        "settings.json" if f.parent_is(".vscode") => Some((ClientKind::VsCode, Scope::Project)),
        "config.yaml" | "config.yml" if f.parent_is("goose") => {
            Some((ClientKind::Goose, Scope::User))
        }
        "config.yaml" | "config.yml" | "config.json" if f.parent_is(".continue") => {
            Some((ClientKind::Continue, Scope::User))
        }
        "mcp.json" if f.parent_is(".cursor") => Some((ClientKind::Cursor, f.dot_dir_scope())),
        _ if f.parent_is("mcpServers") && f.parents.get(1).is_some_and(|p| *p == ".continue") => {
            Some((ClientKind::Continue, Scope::Project))
        }
        _ => None,
    };
    if by_dir.is_some() || !named {
        return by_dir;
    }
    // Named by the person: a file name that only one client uses says enough.
    let with_every_marker = "\"mcpServers\" \"servers\" \"context_servers\" \"modelContextProtocolServers\"\nextensions:\nmcpServers:\n[mcp_servers]\n";
    let facts = FileFacts {
        source: with_every_marker,
        ..f
    };
    let named_only = [
        "claude_desktop_config.json",
        ".claude.json",
        ".mcp.json",
        "mcp_config.json",
        "cline_mcp_settings.json",
        "mcp_settings.json",
        "mcp.json",
        "config.toml",
        "settings.json",
    ];
    if !named_only.contains(&name.as_str()) && !name.ends_with("_mcp_settings.json") {
        return None;
    }
    REGISTRY
        .iter()
        .find_map(|spec| (spec.detect)(&facts).map(|scope| (spec.kind, scope)))
}

/// Empty, binary, not UTF-8 (already replaced by `U+FFFD`), or not parseable in its format.
fn is_broken(path: &Path, source: &str) -> bool {
    if source.trim().is_empty() || source.contains('\0') || source.contains('\u{fffd}') {
        return true;
    }
    let format = match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("toml") => Format::Toml,
        Some("yaml" | "yml") => Format::Yaml,
        Some("json" | "jsonc") => Format::Jsonc,
        _ => return false,
    };
    crate::syntax::parse(source.trim_start_matches('\u{feff}'), format).is_err()
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
    fn broken_files_at_client_paths_are_that_client() {
        use ClientKind::*;
        let home = Some(Path::new("/home/u-example"));
        let cases: &[(&str, &str, bool, Option<ClientKind>)] = &[
            (
                "/home/u-example/.codex/config.toml",
                "\u{fffd}\u{fffd}PK\0\0",
                false,
                Some(Codex),
            ),
            ("/home/u-example/.codex/config.toml", "", false, Some(Codex)),
            (
                "/home/u-example/.config/zed/settings.json",
                "",
                true,
                Some(Zed),
            ),
            (
                "/home/u-example/.config/goose/config.yaml",
                "extensions: [unclosed\n",
                false,
                Some(Goose),
            ),
            (
                "/home/u-example/.continue/config.yaml",
                "mcpServers:\n  - name: [x\n",
                false,
                Some(Continue),
            ),
            (
                "/repo/.cursor/mcp.json",
                "{\"mcpServers\": {",
                false,
                Some(Cursor),
            ),
            (
                "/repo/claude_desktop_config.json",
                "",
                true,
                Some(ClaudeDesktop),
            ),
            ("/repo/.mcp.json", "\0\0", true, Some(ClaudeCode)),
            // Not broken: a valid file without MCP keys is not claimed.
            (
                "/home/u-example/.config/zed/settings.json",
                "{\"theme\": \"One\"}",
                true,
                None,
            ),
            (
                "/home/u-example/.codex/config.toml",
                "model = \"o3\"\n",
                false,
                None,
            ),
            // A broken file of a generic name found while walking a directory is not claimed.
            ("/repo/docs/settings.json", "{", false, None),
            ("/repo/notes.json", "{", true, None),
        ];
        for (path, source, named, want) in cases {
            let got =
                detect_broken_with_home(Path::new(path), source, *named, home).map(|(c, _)| c);
            assert_eq!(got, *want, "{path} {source:?}");
        }
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
            (
                "/repo/.claude/settings.json",
                r#"{"permissions":{"allow":["mcp__github__get_issue"]}}"#,
                ClaudeCode,
                Project,
            ),
            (
                "/repo/.claude/settings.local.json",
                r#"{"enabledMcpjsonServers":["github"]}"#,
                ClaudeCode,
                Project,
            ),
            (
                "/home/u-example/.claude/settings.json",
                r#"{"enableAllProjectMcpServers":true}"#,
                ClaudeCode,
                User,
            ),
            (
                "/repo/.vscode/settings.json",
                r#"{"chat.tools.global.autoApprove":true}"#,
                VsCode,
                Project,
            ),
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
            (
                "/repo/.claude/settings.json",
                r#"{"permissions": {"allow": ["Bash(npm test)"]}}"#,
            ),
            ("/repo/.claude/settings.local.json", r#"{"model": "opus"}"#),
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
