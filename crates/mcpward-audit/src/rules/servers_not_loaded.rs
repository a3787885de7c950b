//! `servers-not-loaded`: servers under a key the client does not read are never started.

use std::collections::BTreeMap;

use mcpward_core::{Finding, RuleMeta, Severity, Span};

use crate::context::FileContext;

pub static META: RuleMeta = RuleMeta {
    id: "servers-not-loaded",
    default_severity: Severity::Medium,
    summary: "Servers sit under a key the client does not read, so it never starts them.",
    what: "A map of servers under another client's key (`mcp_servers` or `servers` in Claude \
Desktop, Cursor or Claude Code, which read `mcpServers`; `mcpServers` in VS Code's `mcp.json`, \
which reads `servers`, even beside a `servers` map), or server entries written at the top level \
without the wrapper object; also servers written in a file the client reads no servers from \
(`mcpServers` in a Claude Code `.claude/settings.json`). The file parses, so the client reports nothing: it silently starts \
none of these servers. One finding per misplaced map, naming its servers and the key to use. \
These servers are still checked for literal secrets and every rule that does not need them to run.",
    why: "The person believes the servers are configured (and reviewed) while the client starts \
none of them; renaming the key later starts them without another look. A secret in them is on \
disk all the same.",
    example_bad: r#"{ "mcp_servers": { "fetch": { "command": "uvx", "args": ["mcp-server-fetch==2025.4.7"] } } }"#,
    example_fixed: r#"{ "mcpServers": { "fetch": { "command": "uvx", "args": ["mcp-server-fetch==2025.4.7"] } } }"#,
};

pub(crate) fn check(cx: &FileContext<'_>, out: &mut Vec<Finding>) {
    // Group by the misplaced key (by its position); entries without a wrapper form one group.
    let mut groups: BTreeMap<Option<usize>, Vec<&mcpward_config::ServerEntry>> = BTreeMap::new();
    for s in &cx.servers {
        if let Some(nl) = &s.entry.not_loaded {
            groups
                .entry(nl.key.as_ref().map(|k| k.span.offset))
                .or_default()
                .push(s.entry);
        }
    }
    let client = cx.file.client.name();
    for entries in groups.values() {
        let Some(first) = entries.first() else {
            continue;
        };
        let Some(nl) = &first.not_loaded else {
            continue;
        };
        let names: Vec<String> = entries.iter().map(|e| format!("`{}`", e.name)).collect();
        let (span, message, fix): (Span, String, String) = match (&nl.key, &nl.belongs_in) {
            (Some(key), Some(belongs_in)) => (
                key.span,
                format!(
                    "{client} reads no servers from this file: it never starts {} under `{}`",
                    names.join(", "),
                    key.value
                ),
                format!(
                    "move the entries to {belongs_in}, then review the servers before the client starts them"
                ),
            ),
            (Some(key), None) => (
                key.span,
                format!(
                    "{client} reads servers from `{}`, not `{}`: it never starts {} under `{}`",
                    nl.expected,
                    key.value,
                    names.join(", "),
                    key.value
                ),
                format!(
                    "rename `{}` to `{}` (merge the two maps if both exist), then review the servers before the client starts them",
                    key.value, nl.expected
                ),
            ),
            (None, _) => (
                first.span,
                format!(
                    "{client} reads servers from a `{}` object; {} at the top level of the file {} never started",
                    nl.expected,
                    names.join(", "),
                    if names.len() == 1 { "is" } else { "are" }
                ),
                format!(
                    "wrap the entries in `\"{}\": {{ … }}`, then review the servers before the client starts them",
                    nl.expected
                ),
            ),
        };
        out.push(cx.finding(&META, None, span, message).fix(fix));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::test_support::run;
    use mcpward_config::{ClientKind, Scope, parse_file};

    fn parse(client: ClientKind, name: &str, text: &str) -> mcpward_config::ConfigFile {
        parse_file(
            std::path::Path::new(name),
            text.to_string(),
            client,
            Scope::User,
        )
    }

    #[test]
    fn reports_a_map_under_another_clients_key_and_names_the_right_one() {
        let file = parse(
            ClientKind::ClaudeDesktop,
            "claude_desktop_config.json",
            r#"{"mcp_servers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}, "git": {"command": "uvx", "args": ["mcp-server-git"]}}}"#,
        );
        let f = run(check, &file);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("`mcpServers`, not `mcp_servers`"),
            "{}",
            f[0].message
        );
        assert!(f[0].message.contains("`fetch`, `git`"), "{}", f[0].message);
        assert!(
            f[0].fix
                .as_deref()
                .unwrap()
                .contains("rename `mcp_servers` to `mcpServers`")
        );
    }

    #[test]
    fn reports_mcp_servers_beside_servers_in_vscode() {
        let file = parse(
            ClientKind::VsCode,
            ".vscode/mcp.json",
            r#"{"servers": {"a": {"command": "x"}}, "mcpServers": {"b": {"command": "y"}}}"#,
        );
        let f = run(check, &file);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("`b`") && !f[0].message.contains("`a`"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn reports_entries_without_the_wrapper_object() {
        let file = parse(
            ClientKind::Cursor,
            ".cursor/mcp.json",
            r#"{"github": {"command": "docker", "args": ["run", "-i", "ghcr.io/github/github-mcp-server"]}}"#,
        );
        let f = run(check, &file);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("top level"), "{}", f[0].message);
    }

    #[test]
    fn a_well_formed_file_is_not_reported() {
        let file = parse(
            ClientKind::ClaudeDesktop,
            "claude_desktop_config.json",
            r#"{"mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}}, "globalShortcut": "Ctrl+Space"}"#,
        );
        assert!(run(check, &file).is_empty());
        let file = parse(
            ClientKind::ClaudeDesktop,
            "claude_desktop_config.json",
            r#"{"preferences": {"x": 1}}"#,
        );
        assert!(run(check, &file).is_empty());
    }

    #[test]
    fn servers_in_a_claude_code_settings_file_are_reported_with_where_they_belong() {
        let file = parse_file(
            std::path::Path::new("/srv/app/.claude/settings.json"),
            r#"{"permissions": {"allow": []}, "mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}}}"#.into(),
            ClientKind::ClaudeCode,
            Scope::Project,
        );
        let f = run(check, &file);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message
                .contains("reads no servers from this file: it never starts `fetch`"),
            "{}",
            f[0].message
        );
        assert!(f[0].fix.as_deref().unwrap().contains("`.mcp.json`"));
    }
}
