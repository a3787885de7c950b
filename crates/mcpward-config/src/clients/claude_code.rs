//! Claude Code: user/local servers in `~/.claude.json` (top-level `mcpServers`, and per project
//! under `projects.<dir>.mcpServers`), project servers in `.mcp.json` (checked in), and the
//! approval settings of `settings.json` files (`~/.claude/settings.json`, a project's
//! `.claude/settings.json` and `.claude/settings.local.json`), which hold no servers.
//!
//! `CLAUDE_CONFIG_DIR` moves `.claude.json` and the user `settings.json` into that directory.
//! Entries use the common shape with `type` `stdio` | `http` | `sse` and `headers` for remote
//! servers.
//!
//! Secret references: `${VAR}` and `${VAR:-default}`, expanded in `command`, `args`, `env`,
//! `url` and `headers`.

mod settings;

use super::mcp_servers::{STANDARD, read_server_map, require_object_root};
use super::{ClientSpec, FileFacts, ReferenceSyntax, Sink};
use crate::discovery::{Candidate, PathContext};
use crate::model::{AutoApprove, ClientKind, Scope, Spanned};
use crate::syntax::Node;

pub(crate) const SPEC: ClientSpec = ClientSpec {
    kind: ClientKind::ClaudeCode,
    jsonc: false,
    candidates,
    detect,
    extract,
    references: &[
        ReferenceSyntax::DollarBrace,
        ReferenceSyntax::DollarBraceDefault,
    ],
};

fn candidates(cx: &PathContext<'_>) -> Vec<Candidate> {
    let (state_dir, settings_dir) = match cx.env_dir("CLAUDE_CONFIG_DIR") {
        Some(dir) => (dir.clone(), dir),
        None => (cx.home.to_path_buf(), cx.home.join(".claude")),
    };
    let project_settings = cx.project.join(".claude");
    vec![
        cx.user(state_dir.join(".claude.json"), SPEC.kind),
        cx.user(settings_dir.join("settings.json"), SPEC.kind),
        cx.project(cx.project.join(".mcp.json"), SPEC.kind),
        cx.project(project_settings.join("settings.json"), SPEC.kind),
        cx.project(project_settings.join("settings.local.json"), SPEC.kind),
    ]
}

fn detect(f: &FileFacts<'_>) -> Option<Scope> {
    match f.file_name {
        ".claude.json" => Some(Scope::User),
        ".mcp.json" => Some(Scope::Project),
        name if settings::is_settings_file(name)
            && f.parent_is(".claude")
            && settings::mentions_mcp(f) =>
        {
            Some(f.dot_dir_scope())
        }
        _ => None,
    }
}

fn extract(root: &Node, sink: &mut Sink) {
    if !require_object_root(root, sink) {
        return;
    }
    if settings::is_settings_file(&sink.file_name) {
        settings::read(root, sink);
        settings::misplaced_servers(root, sink);
        return;
    }
    let from = sink.servers.len();
    read_server_map(root, "mcpServers", &STANDARD, None, sink);
    mark_ignored_approvals(&mut sink.servers[from..], root);
    let Some(projects) = root.get("projects") else {
        return;
    };
    for (dir, project) in projects.members() {
        if project.is_object() {
            let at = sink.servers.len();
            read_server_map(project, "mcpServers", &STANDARD, Some(&dir.value), sink);
            mark_ignored_approvals(&mut sink.servers[at..], project);
            apply_allowed_tools(project, &dir.value, sink);
            settings::read_project_servers(project, &dir.value, sink);
        }
    }
}

/// Claude Code has no per-server `alwaysAllow`/`autoApprove` (Cline's and Roo Code's keys): it
/// asks before each tool whatever the entry says. Keep where the key was, so audit can say it
/// has no effect, instead of reading it as an approval.
fn mark_ignored_approvals(servers: &mut [crate::model::ServerEntry], parent: &Node) {
    for server in servers.iter_mut().filter(|s| s.ignored_approval.is_none()) {
        if server.auto_approve.take().is_none() {
            continue;
        }
        let entry = ["mcpServers"]
            .iter()
            .find_map(|k| parent.get(k))
            .and_then(|m| m.get(&server.name));
        let key = entry.and_then(|e| {
            ["alwaysAllow", "autoApprove"]
                .iter()
                .find_map(|k| e.get_entry(k).map(|(k, _)| k.clone()))
        });
        server.ignored_approval =
            Some(key.unwrap_or_else(|| Spanned::new("alwaysAllow".into(), server.span)));
    }
}

/// `projects.<dir>.allowedTools` lists tools Claude Code runs in that project without asking
/// (what older releases recorded when you answered "don't ask again"). MCP tools are named
/// `mcp__<server>__<tool>`; `mcp__<server>` (or `mcp__<server>__*`) allows every tool of the
/// server. They apply to the project's own servers and to the user's.
fn apply_allowed_tools(project: &Node, dir: &str, sink: &mut Sink) {
    let Some(items) = project.get("allowedTools").and_then(Node::as_array) else {
        return;
    };
    for item in items {
        let Some(rule) = item.as_str().and_then(McpRule::parse) else {
            continue;
        };
        for entry in sink.servers.iter_mut().filter(|s| {
            (s.project.is_none() || s.project.as_deref() == Some(dir))
                && tool_prefix(&s.name) == rule.server
        }) {
            let approval = match rule.tool {
                None => AutoApprove::All(item.span),
                Some(tool) => AutoApprove::Tools(vec![Spanned::new(tool.to_string(), item.span)]),
            };
            entry.auto_approve = Some(match (entry.auto_approve.take(), approval) {
                (Some(AutoApprove::All(span)), _) => AutoApprove::All(span),
                (Some(AutoApprove::Tools(mut had)), AutoApprove::Tools(new)) => {
                    had.extend(new);
                    AutoApprove::Tools(had)
                }
                (_, approval) => approval,
            });
        }
    }
}

/// A permission rule naming MCP tools: `mcp__<server>` and `mcp__<server>__*` (every tool of the
/// server), `mcp__<server>__<tool>`; a `(…)` suffix is ignored. A wildcard in the server part
/// (`mcp__*`, `mcp__git*`) is not a form Claude Code documents for MCP tools and is not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct McpRule<'a> {
    pub server: &'a str,
    /// `None`: every tool of the server.
    pub tool: Option<&'a str>,
}

impl<'a> McpRule<'a> {
    pub fn parse(rule: &'a str) -> Option<McpRule<'a>> {
        let rest = rule.trim().strip_prefix("mcp__")?;
        let rest = rest.split('(').next().unwrap_or(rest).trim_end();
        let (server, tool) = match rest.split_once("__") {
            Some((server, "" | "*")) => (server, None),
            Some((server, tool)) => (server, Some(tool)),
            None => (rest, None),
        };
        (!server.is_empty() && !server.contains('*')).then_some(McpRule { server, tool })
    }
}

/// How Claude Code spells a server name inside tool names: characters other than letters,
/// digits, `_` and `-` become `_`.
pub(crate) fn tool_prefix(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::model::{AutoApprove, ClientKind, Scope, Transport};
    use crate::parse_file;

    #[test]
    fn reads_user_and_per_project_servers() {
        let src = r#"{
  "numStartups": 12,
  "mcpServers": {
    "github": {
      "type": "http",
      "url": "https://api.githubcopilot.com/mcp/",
      "headers": { "Authorization": "Bearer ${GITHUB_PAT}" }
    }
  },
  "projects": {
    "/home/me-example/app": {
      "allowedTools": [],
      "mcpServers": { "db": { "type": "stdio", "command": "uvx", "args": ["mcp-server-sqlite"] } }
    },
    "/home/me-example/empty": { "mcpServers": {} }
  }
}"#;
        let f = parse_file(
            Path::new(".claude.json"),
            src.into(),
            ClientKind::ClaudeCode,
            Scope::User,
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(f.servers.len(), 2);
        let gh = &f.servers[0];
        assert_eq!(gh.transport, Transport::Http);
        assert_eq!(gh.project, None);
        assert_eq!(gh.headers[0].1.value, "Bearer ${GITHUB_PAT}");
        assert_eq!(
            (gh.headers[0].1.span.line, gh.headers[0].1.span.col),
            (7, 38)
        );
        let db = &f.servers[1];
        assert_eq!(db.name, "db");
        assert_eq!(db.project.as_deref(), Some("/home/me-example/app"));
        assert_eq!(db.launch(), "uvx mcp-server-sqlite");
        assert_eq!(db.span.line, 13);
    }

    #[test]
    fn project_allowed_mcp_tools_are_auto_approval() {
        let src = r#"{
  "mcpServers": { "github": { "command": "github-mcp-server", "args": ["stdio"] } },
  "projects": {
    "/home/me-example/app": {
      "allowedTools": ["Bash(npm test)", "mcp__db", "mcp__github__create_issue", "mcp__github__merge_pull_request"],
      "mcpServers": { "db": { "command": "uvx", "args": ["mcp-server-sqlite==0.6.2"] } }
    },
    "/home/me-example/other": {
      "allowedTools": [],
      "mcpServers": { "db": { "command": "uvx", "args": ["mcp-server-sqlite==0.6.2"] } }
    }
  }
}"#;
        let f = parse_file(
            Path::new(".claude.json"),
            src.into(),
            ClientKind::ClaudeCode,
            Scope::User,
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        let github = &f.servers[0];
        let Some(AutoApprove::Tools(tools)) = &github.auto_approve else {
            panic!("{:?}", github.auto_approve);
        };
        let names: Vec<&str> = tools.iter().map(|t| t.value.as_str()).collect();
        assert_eq!(names, ["create_issue", "merge_pull_request"]);
        assert_eq!(tools[0].span.line, 5);
        assert!(matches!(
            f.servers[1].auto_approve,
            Some(AutoApprove::All(_))
        ));
        assert_eq!(f.servers[2].auto_approve, None, "another project's server");
    }

    #[test]
    fn project_file_reads_sse_servers() {
        let src =
            r#"{"mcpServers": {"remote": {"type": "sse", "url": "https://example.test/sse"}}}"#;
        let f = parse_file(
            Path::new(".mcp.json"),
            src.into(),
            ClientKind::ClaudeCode,
            Scope::Project,
        );
        assert_eq!(f.servers[0].transport, Transport::Sse);
        assert_eq!(
            f.servers[0].url.as_ref().unwrap().value,
            "https://example.test/sse"
        );
    }

    #[test]
    fn always_allow_in_mcp_json_is_kept_as_ignored_not_as_an_approval() {
        let f = parse_file(
            Path::new(".mcp.json"),
            r#"{"mcpServers": {"github": {"command": "github-mcp-server", "args": ["stdio"], "alwaysAllow": ["merge_pull_request"]}}}"#.into(),
            ClientKind::ClaudeCode,
            Scope::Project,
        );
        let s = &f.servers[0];
        assert_eq!(s.auto_approve, None);
        assert_eq!(
            s.ignored_approval.as_ref().map(|k| k.value.as_str()),
            Some("alwaysAllow")
        );
    }

    #[test]
    fn permission_rules_name_a_server_and_maybe_a_tool() {
        use super::McpRule;
        let rule = |text| McpRule::parse(text).map(|r| (r.server, r.tool));
        assert_eq!(rule("mcp__github"), Some(("github", None)));
        assert_eq!(rule("mcp__github__*"), Some(("github", None)));
        assert_eq!(
            rule("mcp__github__get_issue"),
            Some(("github", Some("get_issue")))
        );
        assert_eq!(rule("mcp__docs__search(*)"), Some(("docs", Some("search"))));
        assert_eq!(rule("mcp__my-srv__get_*"), Some(("my-srv", Some("get_*"))));
        for ignored in [
            "mcp__*",
            "mcp__git*",
            "Bash(npm test)",
            "WebFetch",
            "mcp__",
            "",
        ] {
            assert_eq!(rule(ignored), None, "{ignored}");
        }
    }
}
