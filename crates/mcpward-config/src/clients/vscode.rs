//! VS Code: `servers` in `.vscode/mcp.json` (project) and in the user `mcp.json` next to
//! `settings.json` (`~/.config/Code/User/` on Linux, `~/Library/Application Support/Code/User/`
//! on macOS, `%APPDATA%\Code\User\` on Windows; also `Code - Insiders`), plus the older
//! `"mcp": {"servers": ...}` block of user `settings.json`.
//!
//! Entries use the common shape with `type` `stdio` | `http` | `sse` and `headers`; `inputs`
//! (prompted values) and `envFile` are not server entries and are not read.
//!
//! Secret references: `${input:id}` (VS Code prompts and stores the value) and `${env:VAR}`.
//!
//! Approval switches of `settings.json` (user, and a workspace's `.vscode/settings.json`):
//! `chat.tools.global.autoApprove: true` (earlier `chat.tools.autoApprove`, which early
//! releases also took as a list of tool names) approves every tool call; VS Code reads it from
//! user settings only (it is machine-scoped) and ignores it in workspace settings.
//! `chat.permissions.default: "autoApprove"` (Bypass Approvals) or `"autopilot"` starts every
//! chat session approving every tool call. Docs:
//! <https://code.visualstudio.com/docs/agents/run/approvals>.

use super::mcp_servers::{STANDARD, read_server_map, require_object_root};
use super::{ClientSpec, FileFacts, ReferenceSyntax, Sink};
use crate::discovery::{Candidate, PathContext};
use crate::model::{ApprovalSwitch, ClientKind, Scope, Spanned, SwitchEffect};
use crate::syntax::Node;

pub(crate) const SPEC: ClientSpec = ClientSpec {
    kind: ClientKind::VsCode,
    jsonc: true,
    candidates,
    detect,
    extract,
    references: &[ReferenceSyntax::InputColon, ReferenceSyntax::EnvColon],
};

/// Application directories of VS Code builds that share its config format.
const EDITIONS: [&str; 2] = ["Code", "Code - Insiders"];

fn candidates(cx: &PathContext<'_>) -> Vec<Candidate> {
    let mut out = Vec::new();
    for edition in EDITIONS {
        let user = cx.app_data().join(edition).join("User");
        out.push(cx.user(user.join("mcp.json"), SPEC.kind));
        out.push(cx.user(user.join("settings.json"), SPEC.kind));
    }
    let workspace = cx.project.join(".vscode");
    out.push(cx.project(workspace.join("mcp.json"), SPEC.kind));
    out.push(cx.project(workspace.join("settings.json"), SPEC.kind));
    out
}

/// Settings that approve every tool call: the current name and the earlier one.
const GLOBAL_AUTO_APPROVE: [&str; 2] = ["chat.tools.global.autoApprove", "chat.tools.autoApprove"];
/// The permission level new chat sessions start at.
const DEFAULT_PERMISSIONS: &str = "chat.permissions.default";

fn detect(f: &FileFacts<'_>) -> Option<Scope> {
    let in_user_dir = f.parent_is("User") || (f.under("profiles") && f.under("User"));
    match f.file_name {
        "mcp.json" if f.parent_is(".vscode") => Some(Scope::Project),
        "mcp.json" if in_user_dir => Some(Scope::User),
        "mcp.json" if f.has_json_key("servers") && !f.has_json_key("mcpServers") => {
            Some(Scope::Project)
        }
        "settings.json" if f.has_json_key("mcp") || mentions_approval(f) => {
            Some(if f.parent_is(".vscode") {
                Scope::Project
            } else {
                Scope::User
            })
        }
        _ => None,
    }
}

fn extract(root: &Node, sink: &mut Sink) {
    if !require_object_root(root, sink) {
        return;
    }
    read_server_map(root, "servers", &STANDARD, None, sink);
    if let Some(mcp) = root.get("mcp").filter(|m| m.is_object()) {
        read_server_map(mcp, "servers", &STANDARD, None, sink);
    }
    if sink.file_name == "settings.json" {
        read_approvals(root, sink);
    }
}

fn mentions_approval(f: &FileFacts<'_>) -> bool {
    GLOBAL_AUTO_APPROVE
        .iter()
        .chain([&DEFAULT_PERMISSIONS])
        .any(|k| f.has_json_key(k))
}

/// The settings that let tools run without asking (see the module docs).
fn read_approvals(root: &Node, sink: &mut Sink) {
    let workspace = sink.scope == Scope::Project;
    for name in GLOBAL_AUTO_APPROVE {
        let Some((key, value)) = root.get_entry(name) else {
            continue;
        };
        let effect = match (value.as_bool(), value.as_array()) {
            (Some(true), _) => SwitchEffect::AllTools,
            (_, Some(items)) => {
                let tools: Vec<Spanned<String>> =
                    items.iter().filter_map(|i| i.spanned_str()).collect();
                if tools.is_empty() {
                    continue;
                }
                SwitchEffect::NamedTools(tools)
            }
            _ => continue,
        };
        let span = match &effect {
            SwitchEffect::NamedTools(tools) => tools[0].span,
            _ => value.span,
        };
        sink.switches.push(ApprovalSwitch {
            key: key.clone(),
            span,
            effect,
            project: None,
            ignored: workspace.then(|| {
                format!("VS Code reads `{name}` from user settings only (it is machine-scoped since mid-2025) and ignores it in workspace settings; earlier releases honoured it here")
            }),
        });
    }
    if let Some((key, value)) = root.get_entry(DEFAULT_PERMISSIONS)
        && matches!(value.as_str(), Some("autoApprove" | "autopilot"))
    {
        sink.switches.push(ApprovalSwitch {
            key: key.clone(),
            span: value.span,
            effect: SwitchEffect::AllTools,
            project: None,
            ignored: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::model::{ClientKind, Format, Scope, SwitchEffect, Transport};
    use crate::parse_file;

    #[test]
    fn reads_servers_with_comments_inputs_and_env_references() {
        let src = r#"{
  // prompted once, stored by VS Code
  "inputs": [{ "type": "promptString", "id": "gh-token", "password": true }],
  "servers": {
    "github": {
      "type": "http",
      "url": "https://api.githubcopilot.com/mcp/",
      "headers": { "Authorization": "Bearer ${input:gh-token}" },
    },
    "fetch": { "type": "stdio", "command": "uvx", "args": ["mcp-server-fetch"], "env": { "KEY": "${env:FETCH_KEY}" } },
  },
}"#;
        let f = parse_file(
            Path::new(".vscode/mcp.json"),
            src.into(),
            ClientKind::VsCode,
            Scope::Project,
        );
        assert_eq!(f.format, Format::Jsonc);
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(f.servers.len(), 2);
        assert_eq!(f.servers[0].transport, Transport::Http);
        assert_eq!(f.servers[0].headers[0].1.value, "Bearer ${input:gh-token}");
        assert_eq!((f.servers[0].span.line, f.servers[0].span.col), (5, 6));
        assert_eq!(f.servers[1].env[0].1.value, "${env:FETCH_KEY}");
        assert_eq!(f.servers[1].env[0].1.span.line, 10);
    }

    #[test]
    fn reads_mcp_block_of_user_settings() {
        let src = r#"{ "editor.tabSize": 2, "mcp": { "servers": { "time": { "command": "uvx", "args": ["mcp-server-time"] } } } }"#;
        let f = parse_file(
            Path::new("settings.json"),
            src.into(),
            ClientKind::VsCode,
            Scope::User,
        );
        assert_eq!(f.servers.len(), 1);
        assert_eq!(f.servers[0].name, "time");
    }

    fn settings(path: &str, scope: Scope, src: &str) -> crate::ConfigFile {
        parse_file(Path::new(path), src.into(), ClientKind::VsCode, scope)
    }

    #[test]
    fn global_auto_approve_in_user_settings_is_an_all_tools_switch() {
        let src = r#"{
  "editor.fontSize": 14,
  // approve every tool call
  "chat.tools.global.autoApprove": true,
  "chat.tools.terminal.autoApprove": { "npm test": true },
}"#;
        let f = settings(
            "/home/alice-example/.config/Code/User/settings.json",
            Scope::User,
            src,
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(f.switches.len(), 1, "{:?}", f.switches);
        let s = &f.switches[0];
        assert_eq!(s.effect, SwitchEffect::AllTools);
        assert_eq!((s.span.line, s.span.col), (4, 36));
        assert_eq!(s.ignored, None);
    }

    #[test]
    fn workspace_copy_of_the_machine_scoped_switch_is_marked_ignored() {
        let f = settings(
            "/srv/app/.vscode/settings.json",
            Scope::Project,
            r#"{ "chat.tools.autoApprove": true, "chat.permissions.default": "autopilot" }"#,
        );
        assert_eq!(f.switches.len(), 2, "{:?}", f.switches);
        assert!(
            f.switches[0]
                .ignored
                .as_deref()
                .unwrap()
                .contains("user settings only")
        );
        assert_eq!(
            f.switches[1].ignored, None,
            "the permission level applies in a workspace"
        );
    }

    #[test]
    fn switches_that_ask_are_no_switches() {
        let f = settings(
            "/home/alice-example/.config/Code/User/settings.json",
            Scope::User,
            r#"{ "chat.tools.global.autoApprove": false, "chat.permissions.default": "default",
                 "chat.tools.eligibleForAutoApproval": { "fetch": false } }"#,
        );
        assert!(f.switches.is_empty(), "{:?}", f.switches);
        let f = settings(
            "/home/alice-example/.config/Code/User/settings.json",
            Scope::User,
            r#"{ "chat.tools.autoApprove": ["get_issue", "search_code"] }"#,
        );
        assert!(
            matches!(&f.switches[0].effect, SwitchEffect::NamedTools(t) if t.len() == 2),
            "{:?}",
            f.switches
        );
    }
}
