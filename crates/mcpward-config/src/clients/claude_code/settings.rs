//! Claude Code's `settings.json` files: the user's (`~/.claude/settings.json`), a project's
//! shared one (`.claude/settings.json`, checked in) and its local one
//! (`.claude/settings.local.json`, not checked in). They hold no servers; what they say about
//! MCP is which tools run without asking and which `.mcp.json` servers start without asking:
//!
//! - `permissions.allow`: `mcp__<server>` / `mcp__<server>__*` (every tool of the server) and
//!   `mcp__<server>__<tool>`; `permissions.deny` and `permissions.ask` win over `allow`;
//! - `permissions.defaultMode: "bypassPermissions"`: every tool runs without asking;
//! - `enableAllProjectMcpServers`, `enabledMcpjsonServers`, `disabledMcpjsonServers`: which
//!   servers of the project's `.mcp.json` start without the approval dialog, or never start.
//!
//! The last three are also kept per project in `~/.claude.json` (`projects.<dir>`), where
//! Claude Code records the answers given in its dialog.
//!
//! Docs: <https://code.claude.com/docs/en/settings>, <https://code.claude.com/docs/en/permissions>.

use super::McpRule;
use crate::clients::mcp_servers::{STANDARD, read_server};
use crate::clients::{FileFacts, Sink};
use crate::model::{ApprovalSwitch, AutoApprove, NotLoaded, Spanned, SwitchEffect};
use crate::syntax::{Node, Value};

/// The names Claude Code gives its settings files.
pub(crate) fn is_settings_file(name: &str) -> bool {
    matches!(name, "settings.json" | "settings.local.json")
}

/// The text mentions something this module reads (a cheap test that works on broken files).
pub(crate) fn mentions_mcp(f: &FileFacts<'_>) -> bool {
    f.source.contains("\"mcp__")
        || f.source.contains("bypassPermissions")
        || [
            "enableAllProjectMcpServers",
            "enabledMcpjsonServers",
            "disabledMcpjsonServers",
            "mcpServers",
        ]
        .iter()
        .any(|k| f.has_json_key(k))
}

/// Read the MCP approval settings of a settings file.
pub(crate) fn read(root: &Node, sink: &mut Sink) {
    if let Some((key, permissions)) = root.get_entry("permissions") {
        if permissions.is_object() {
            read_permissions(key, permissions, sink);
        } else {
            wrong_type(sink, "permissions", permissions, "an object");
        }
    }
    read_project_servers_in(root, None, sink);
}

/// `enableAllProjectMcpServers`, `enabledMcpjsonServers` and `disabledMcpjsonServers` of one
/// project's entry in `~/.claude.json`.
pub(crate) fn read_project_servers(project: &Node, dir: &str, sink: &mut Sink) {
    read_project_servers_in(project, Some(dir), sink);
}

fn read_project_servers_in(node: &Node, project: Option<&str>, sink: &mut Sink) {
    let mut push = |key: &Spanned<String>, span, effect| {
        sink.switches.push(ApprovalSwitch {
            key: key.clone(),
            span,
            effect,
            project: project.map(str::to_string),
            ignored: None,
        });
    };
    let mut problems = Vec::new();
    if let Some((key, value)) = node.get_entry("enableAllProjectMcpServers") {
        match value.as_bool() {
            Some(true) => push(key, value.span, SwitchEffect::AllProjectServers),
            Some(false) => {}
            None => problems.push((key.value.clone(), value, "a boolean")),
        }
    }
    for (name, rejected) in [
        ("enabledMcpjsonServers", false),
        ("disabledMcpjsonServers", true),
    ] {
        let Some((key, value)) = node.get_entry(name) else {
            continue;
        };
        let Some(items) = value.as_array() else {
            if !matches!(value.value, Value::Null) {
                problems.push((key.value.clone(), value, "a list of server names"));
            }
            continue;
        };
        let names: Vec<Spanned<String>> = items.iter().filter_map(Node::spanned_str).collect();
        let Some(first) = names.first() else { continue };
        let span = first.span;
        let effect = if rejected {
            SwitchEffect::RejectedProjectServers(names)
        } else {
            SwitchEffect::ProjectServers(names)
        };
        push(key, span, effect);
    }
    for (key, value, expected) in problems {
        wrong_type(sink, &key, value, expected);
    }
}

/// `permissions.allow` entries for MCP tools, one switch per server (minus what `deny` and
/// `ask` keep asking about), and `defaultMode: "bypassPermissions"`.
fn read_permissions(key: &Spanned<String>, permissions: &Node, sink: &mut Sink) {
    let list = |name: &str, sink: &mut Sink| -> Vec<(Spanned<String>, McpTarget)> {
        let Some(node) = permissions.get(name) else {
            return Vec::new();
        };
        let Some(items) = node.as_array() else {
            if !matches!(node.value, Value::Null) {
                wrong_type(
                    sink,
                    &format!("permissions.{name}"),
                    node,
                    "a list of rules",
                );
            }
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| {
                let text = item.spanned_str()?;
                let rule = McpRule::parse(&text.value)?;
                let target = McpTarget {
                    server: rule.server.to_string(),
                    tool: rule.tool.map(str::to_string),
                };
                Some((text, target))
            })
            .collect()
    };
    let allowed = list("allow", sink);
    let mut withheld = list("deny", sink);
    withheld.extend(list("ask", sink));
    // `mcp__*` is not read as an approval, but as a denial it is taken at its word: nothing of
    // any MCP server is then approved by `allow`.
    let withholds_every_server = ["deny", "ask"].iter().any(|name| {
        permissions
            .get(name)
            .and_then(Node::as_array)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .any(|rule| matches!(rule.trim(), "mcp__*" | "mcp__*__*"))
    });
    let allowed = if withholds_every_server {
        Vec::new()
    } else {
        allowed
    };
    let allow_key = permissions
        .get_entry("allow")
        .map(|(k, _)| Spanned::new(format!("{}.{}", key.value, k.value), k.span));
    // One switch per server, in the order servers first appear.
    let mut servers: Vec<(String, AutoApprove)> = Vec::new();
    for (item, target) in allowed {
        let whole_server_withheld = withheld
            .iter()
            .any(|(_, w)| w.server == target.server && w.tool.is_none());
        let tool_withheld = |tool: &str| {
            withheld
                .iter()
                .any(|(_, w)| w.server == target.server && w.tool.as_deref() == Some(tool))
        };
        if whole_server_withheld || target.tool.as_deref().is_some_and(tool_withheld) {
            continue;
        }
        let approval = match target.tool {
            None => AutoApprove::All(item.span),
            Some(tool) => AutoApprove::Tools(vec![Spanned::new(tool, item.span)]),
        };
        match servers.iter_mut().find(|(s, _)| *s == target.server) {
            None => servers.push((target.server, approval)),
            Some((_, had)) => merge(had, approval),
        }
    }
    if let Some(allow_key) = allow_key {
        for (server, approval) in servers {
            let except = match &approval {
                AutoApprove::All(_) => withheld
                    .iter()
                    .filter(|(_, w)| w.server == server)
                    .filter_map(|(_, w)| w.tool.clone())
                    .collect(),
                AutoApprove::Tools(_) => Vec::new(),
            };
            let span = match &approval {
                AutoApprove::All(span) => *span,
                AutoApprove::Tools(tools) => tools.first().map_or(allow_key.span, |t| t.span),
            };
            sink.switches.push(ApprovalSwitch {
                key: allow_key.clone(),
                span,
                effect: SwitchEffect::ServerTools {
                    server,
                    approval,
                    except,
                },
                project: None,
                ignored: None,
            });
        }
    }
    if let Some((mode_key, mode)) = permissions.get_entry("defaultMode")
        && mode.as_str() == Some("bypassPermissions")
    {
        sink.switches.push(ApprovalSwitch {
            key: Spanned::new(format!("{}.{}", key.value, mode_key.value), mode_key.span),
            span: mode.span,
            effect: SwitchEffect::AllTools,
            project: None,
            ignored: None,
        });
    }
}

/// What one MCP permission rule names.
#[derive(Debug)]
struct McpTarget {
    server: String,
    tool: Option<String>,
}

/// Every-tool approval absorbs tool lists; tool lists add up.
fn merge(had: &mut AutoApprove, new: AutoApprove) {
    match (had, new) {
        (AutoApprove::All(_), _) => {}
        (had @ AutoApprove::Tools(_), AutoApprove::All(span)) => *had = AutoApprove::All(span),
        (AutoApprove::Tools(list), AutoApprove::Tools(more)) => {
            for tool in more {
                if !list.iter().any(|t| t.value == tool.value) {
                    list.push(tool);
                }
            }
        }
    }
}

/// Claude Code reads no servers from its settings files: servers written under `mcpServers`
/// there are read (so their secrets are checked) and marked as never started.
pub(crate) fn misplaced_servers(root: &Node, sink: &mut Sink) {
    let Some((key, map)) = root.get_entry("mcpServers") else {
        return;
    };
    if !map.is_object() {
        return;
    }
    for (name, entry) in map.members() {
        if let Some(mut server) = read_server(name, entry, &STANDARD, sink) {
            // An `alwaysAllow` here approves nothing either: the server never starts.
            server.auto_approve = None;
            server.not_loaded = Some(NotLoaded {
                key: Some(key.clone()),
                expected: "mcpServers".into(),
                belongs_in: Some(
                    "`.mcp.json` in the project directory (or `~/.claude.json`, with `claude mcp add --scope user`)"
                        .into(),
                ),
            });
            sink.servers.push(server);
        }
    }
}

fn wrong_type(sink: &mut Sink, key: &str, node: &Node, expected: &str) {
    sink.problem(
        format!(
            "`{key}` is {}, expected {expected}; Claude Code rejects a settings file of the wrong shape, so its MCP settings may not apply",
            node.kind()
        ),
        node.span,
        None,
    );
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::model::{AutoApprove, ClientKind, Scope, SwitchEffect};
    use crate::parse_file;

    fn settings(path: &str, scope: Scope, src: &str) -> crate::ConfigFile {
        parse_file(Path::new(path), src.into(), ClientKind::ClaudeCode, scope)
    }

    fn server_tools(f: &crate::ConfigFile) -> Vec<(String, Vec<String>)> {
        f.switches
            .iter()
            .filter_map(|s| match &s.effect {
                SwitchEffect::ServerTools {
                    server, approval, ..
                } => Some((
                    server.clone(),
                    match approval {
                        AutoApprove::All(_) => vec!["*".to_string()],
                        AutoApprove::Tools(t) => t.iter().map(|t| t.value.clone()).collect(),
                    },
                )),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn permissions_allow_groups_mcp_tools_by_server_with_positions() {
        let src = r#"{
  "permissions": {
    "allow": [
      "Bash(npm run test:*)",
      "mcp__github__get_issue",
      "mcp__github__create_pull_request",
      "mcp__sentry",
      "mcp__linear__*",
      "mcp__docs__search_docs(*)",
      "WebFetch(domain:docs.example.com)"
    ],
    "deny": ["Read(./.env)"]
  }
}"#;
        let f = settings("/srv/app/.claude/settings.json", Scope::Project, src);
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert!(f.servers.is_empty(), "a settings file has no servers");
        assert_eq!(
            server_tools(&f),
            [
                (
                    "github".into(),
                    vec!["get_issue".into(), "create_pull_request".into()]
                ),
                ("sentry".into(), vec!["*".into()]),
                ("linear".into(), vec!["*".into()]),
                ("docs".into(), vec!["search_docs".into()]),
            ]
        );
        let github = &f.switches[0];
        assert_eq!(github.key.value, "permissions.allow");
        assert_eq!((github.span.line, github.span.col), (5, 8));
        assert_eq!(&src[github.span.range()], "mcp__github__get_issue");
    }

    #[test]
    fn deny_and_ask_win_over_allow() {
        let src = r#"{"permissions": {
  "allow": ["mcp__github", "mcp__slack__send_message", "mcp__slack__list_channels", "mcp__db"],
  "deny": ["mcp__github__merge_pull_request", "mcp__db"],
  "ask": ["mcp__slack__send_message"]
}}"#;
        let f = settings(".claude/settings.local.json", Scope::Project, src);
        assert_eq!(
            server_tools(&f),
            [
                ("github".into(), vec!["*".into()]),
                ("slack".into(), vec!["list_channels".into()]),
            ]
        );
        let SwitchEffect::ServerTools { except, .. } = &f.switches[0].effect else {
            panic!("{:?}", f.switches[0]);
        };
        assert_eq!(except, &["merge_pull_request"]);
    }

    #[test]
    fn a_denial_of_every_mcp_tool_leaves_nothing_approved() {
        let src = r#"{"permissions": {"allow": ["mcp__github"], "deny": ["mcp__*"]}}"#;
        let f = settings(".claude/settings.json", Scope::Project, src);
        assert!(server_tools(&f).is_empty(), "{:?}", f.switches);
    }

    #[test]
    fn ordinary_permissions_and_false_switches_are_no_switches() {
        let src = r#"{
  "permissions": {
    "allow": ["Bash(npm test)", "Bash(git status)", "Read(src/**)", "Edit"],
    "defaultMode": "acceptEdits"
  },
  "enableAllProjectMcpServers": false,
  "enabledMcpjsonServers": [],
  "env": { "NODE_ENV": "development" }
}"#;
        let f = settings(
            "/home/alice-example/.claude/settings.json",
            Scope::User,
            src,
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert!(f.switches.is_empty(), "{:?}", f.switches);
    }

    #[test]
    fn project_server_switches_and_bypass_mode_are_read() {
        let src = r#"{
  "permissions": { "defaultMode": "bypassPermissions" },
  "enableAllProjectMcpServers": true,
  "enabledMcpjsonServers": ["github", "postgres"],
  "disabledMcpjsonServers": ["filesystem"]
}"#;
        let f = settings(".claude/settings.local.json", Scope::Project, src);
        let effects: Vec<&SwitchEffect> = f
            .switches
            .iter()
            .map(|s| &s.effect)
            .filter(|e| **e != SwitchEffect::AllTools)
            .collect();
        assert!(matches!(effects[0], SwitchEffect::AllProjectServers));
        assert!(
            matches!(effects[1], SwitchEffect::ProjectServers(names) if names.len() == 2 && names[1].value == "postgres")
        );
        assert!(
            matches!(effects[2], SwitchEffect::RejectedProjectServers(names) if names[0].value == "filesystem")
        );
        let bypass = f
            .switches
            .iter()
            .find(|s| s.effect == SwitchEffect::AllTools)
            .expect("bypassPermissions");
        assert_eq!(bypass.key.value, "permissions.defaultMode");
        assert_eq!(bypass.span.line, 2);
        assert_eq!(f.switches[1].span.line, 3);
    }

    #[test]
    fn wrong_shapes_are_problems_with_positions_not_panics() {
        let src = "{\n  \"permissions\": [\"mcp__github\"],\n  \"enableAllProjectMcpServers\": \"yes\"\n}";
        let f = settings(".claude/settings.json", Scope::Project, src);
        assert_eq!(f.problems.len(), 2, "{:?}", f.problems);
        assert_eq!(f.problems[0].span.line, 2);
        assert_eq!(f.problems[1].span.line, 3);
        assert!(f.switches.is_empty());
        let f = settings(
            ".claude/settings.json",
            Scope::Project,
            "{\"permissions\": {\"allow\": [,]}}",
        );
        assert!(!f.problems.is_empty());
        assert!(f.switches.is_empty());
    }

    #[test]
    fn servers_in_a_settings_file_are_read_but_never_started() {
        let src = r#"{"mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}},
  "statusLine": {"type": "command", "command": "~/.claude/statusline.sh"}}"#;
        let f = settings(".claude/settings.json", Scope::Project, src);
        assert_eq!(f.servers.len(), 1, "{:?}", f.servers);
        let nl = f.servers[0].not_loaded.as_ref().expect("not loaded");
        assert!(nl.belongs_in.as_deref().unwrap().contains(".mcp.json"));
    }
}
