//! `client-auto-approve` for client settings outside any server entry: Claude Code
//! `permissions.allow`, `permissions.defaultMode`, `enableAllProjectMcpServers` and
//! `enabledMcpjsonServers`; VS Code `chat.tools.global.autoApprove` and
//! `chat.permissions.default`. Each is judged with the files the client loads with it.

use mcpward_config::{
    ApprovalSwitch, AutoApprove, ClientKind, ServerEntry, Spanned, SwitchEffect,
    claude_code_tool_prefix,
};
use mcpward_core::{Finding, Severity};

use super::{META, ToolList, every_tool_severity, list};
use crate::context::{FileContext, ServerView};
use crate::session::{self, Reach};

/// Client settings outside any entry (see the module docs), each judged with the servers the
/// client loads with it.
pub(crate) fn check_switches(contexts: &[FileContext<'_>], out: &mut Vec<Finding>) {
    for cx in contexts {
        for switch in &cx.file.switches {
            out.extend(switch_finding(contexts, cx, switch));
        }
    }
}

/// Who a settings file speaks for: the person everywhere, a project's shared (checked-in)
/// settings, or the person's own choices for one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    User,
    Shared,
    Local,
}

impl Layer {
    fn of(cx: &FileContext<'_>, switch: &ApprovalSwitch) -> Layer {
        let local = switch.project.is_some()
            || cx
                .file
                .path
                .file_name()
                .is_some_and(|n| n == "settings.local.json");
        match cx.file.scope {
            _ if local => Layer::Local,
            mcpward_config::Scope::User => Layer::User,
            mcpward_config::Scope::Project => Layer::Shared,
        }
    }

    /// Where a tool approval holds, for messages.
    fn tools_scope(self) -> &'static str {
        match self {
            Layer::User => " in every project",
            Layer::Shared => {
                " (shared project settings: they decide for everyone who opens the project)"
            }
            Layer::Local => "",
        }
    }
}

fn switch_finding(
    contexts: &[FileContext<'_>],
    cx: &FileContext<'_>,
    switch: &ApprovalSwitch,
) -> Option<Finding> {
    let finding = |message: String| {
        Finding::new(&META, message, cx.file.path.clone())
            .client(cx.file.client.id())
            .span(switch.span)
    };
    let key = &switch.key.value;
    if let Some(reason) = &switch.ignored {
        return Some(
            finding(format!("`{key}` has no effect in this file: {reason}"))
                .severity(Severity::Low)
                .fix(format!("remove `{key}` from this file; whether every tool call may run without asking is each person's decision in their user settings (and one mcpward advises against)")),
        );
    }
    let layer = Layer::of(cx, switch);
    let reach = session::switch_reach(cx.file, switch);
    match &switch.effect {
        SwitchEffect::AllTools => Some(all_tools(cx, switch, finding)),
        SwitchEffect::NamedTools(tools) => {
            let judged = ToolList::judge(tools, None)?;
            Some(
                finding(judged.message(cx.file.client.name(), " whichever server offers them"))
                    .span(judged.span)
                    .severity(judged.severity)
                    .fix(judged.fix(&format!("remove {{tools}} from `{key}`, or gate the servers that offer them with `mcpward run` and a policy that asks before them"))),
            )
        }
        SwitchEffect::ServerTools {
            server,
            approval,
            except,
        } => server_tools(
            contexts, cx, switch, layer, &reach, server, approval, except,
        ),
        SwitchEffect::AllProjectServers => Some(all_project_servers(
            contexts, layer, switch, &reach, finding,
        )),
        SwitchEffect::ProjectServers(names) => Some(project_servers(layer, switch, names, finding)),
        SwitchEffect::RejectedProjectServers(_) => None,
    }
}

fn all_tools(
    cx: &FileContext<'_>,
    switch: &ApprovalSwitch,
    finding: impl Fn(String) -> Finding,
) -> Finding {
    let key = &switch.key.value;
    let (message, fix) = match cx.file.client {
        ClientKind::ClaudeCode => (
            format!(
                "Claude Code starts in `bypassPermissions` mode: every tool call, MCP tools included, runs without asking you{}",
                Layer::of(cx, switch).tools_scope()
            ),
            "remove `\"defaultMode\": \"bypassPermissions\"` (or set `\"default\"`), list the read-only MCP tools you want unprompted in `permissions.allow`, and set `\"disableBypassPermissionsMode\": \"disable\"` under `permissions` to keep it off".to_string(),
        ),
        _ if key == "chat.permissions.default" => (
            "every new VS Code chat session starts with approvals bypassed: its tool calls, MCP tools included, run without asking you".to_string(),
            format!("set `{key}` to `\"default\"`; approve individual tools from the confirmation dialog, and gate write tools with `mcpward run` and a policy"),
        ),
        _ => (
            "every tool call, of every MCP server and of VS Code's own tools, runs without asking you, in every workspace".to_string(),
            format!("set `{key}` to false (or remove it); approve individual tools from the confirmation dialog, and gate write tools with `mcpward run` and a policy"),
        ),
    };
    finding(message).severity(Severity::High).fix(fix)
}

/// Claude Code `permissions.allow` entries for one server, judged by the entry of that server
/// the client loads with this settings file (when one was audited with it).
#[allow(clippy::too_many_arguments)]
fn server_tools(
    contexts: &[FileContext<'_>],
    cx: &FileContext<'_>,
    switch: &ApprovalSwitch,
    layer: Layer,
    reach: &Reach,
    server: &str,
    approval: &AutoApprove,
    except: &[String],
) -> Option<Finding> {
    let candidates: Vec<&ServerView<'_>> = contexts
        .iter()
        .filter(|c| c.file.client == cx.file.client)
        .flat_map(|c| c.servers.iter().map(move |s| (c, s)))
        .filter(|(_, s)| {
            s.entry.not_loaded.is_none() && claude_code_tool_prefix(&s.entry.name) == server
        })
        .filter(|(c, s)| session::server_reach(c.file, s.entry).is_some_and(|r| r.meets(reach)))
        .map(|(_, s)| s)
        .collect();
    // Every entry of that name is disabled or rejected: the approval never comes into play.
    if !candidates.is_empty() && candidates.iter().all(|s| !s.active()) {
        return None;
    }
    let view = candidates.into_iter().find(|s| s.active());
    let label = format!("`{server}`");
    let scope = layer.tools_scope();
    let mut f = Finding::new(&META, String::new(), cx.file.path.clone())
        .client(cx.file.client.id())
        .server(server);
    match approval {
        AutoApprove::All(span) => {
            let (severity, why) = every_tool_severity(view);
            let except = if except.is_empty() {
                String::new()
            } else {
                format!(
                    " except {} (denied or asked about in the same file)",
                    list(&except.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>())
                )
            };
            f.message =
                format!("every tool of {label}{except} runs without asking you{scope}{why}");
            Some(
                f.span(*span).severity(severity).fix(format!(
                    "replace `mcp__{server}` in `{}` with the read-only tools you want unprompted (`mcp__{server}__<tool>`), or add its writing tools to `permissions.ask`; or gate the server with `mcpward run` and a policy",
                    switch.key.value
                )),
            )
        }
        AutoApprove::Tools(tools) => {
            let judged = ToolList::judge(tools, view)?;
            f.message = judged.message(&label, scope);
            Some(
                f.span(judged.span).severity(judged.severity).fix(judged.fix(&format!(
                    "move {{tools}} from `{}` to `permissions.ask`, or gate the server with `mcpward run` and a policy that asks before them",
                    switch.key.value
                ))),
            )
        }
    }
}

/// The servers of the `.mcp.json` files audited with a setting that reaches them.
fn mcp_json_servers<'c>(contexts: &'c [FileContext<'_>], reach: &Reach) -> Vec<&'c ServerEntry> {
    contexts
        .iter()
        .filter(|c| {
            c.file.client == ClientKind::ClaudeCode
                && c.file.path.file_name().is_some_and(|n| n == ".mcp.json")
                && Reach::Project(session::project_dir(&c.file.path)).meets(reach)
        })
        .flat_map(|c| c.servers.iter().filter(|s| s.active()).map(|s| s.entry))
        .collect()
}

fn all_project_servers(
    contexts: &[FileContext<'_>],
    layer: Layer,
    switch: &ApprovalSwitch,
    reach: &Reach,
    finding: impl Fn(String) -> Finding,
) -> Finding {
    let now = match layer {
        Layer::User => String::new(),
        _ => {
            let names: Vec<String> = mcp_json_servers(contexts, reach)
                .iter()
                .map(|s| format!("`{}`", s.name))
                .collect();
            if names.is_empty() {
                String::new()
            } else {
                format!(" (now {})", list(&names))
            }
        }
    };
    let project = project_words(switch);
    let (severity, message) = match layer {
        Layer::User => (
            Severity::High,
            "Claude Code starts every server of every project's `.mcp.json` without asking you to approve it: a repository you open can run any command as you".to_string(),
        ),
        Layer::Shared => (
            Severity::Medium,
            format!("once you trust this folder, Claude Code starts every server of {project}'s `.mcp.json`{now} without asking you to approve it, servers added later included; these are shared project settings, so whoever can change the repository decides what runs"),
        ),
        Layer::Local => (
            Severity::Medium,
            format!("Claude Code starts every server of {project}'s `.mcp.json`{now} without asking you to approve it, servers added later included (a pull can add one)"),
        ),
    };
    finding(message).severity(severity).fix(
        "set `enableAllProjectMcpServers` to false and approve the servers of each `.mcp.json` in Claude Code's dialog after reading their entries",
    )
}

fn project_servers(
    layer: Layer,
    switch: &ApprovalSwitch,
    names: &[Spanned<String>],
    finding: impl Fn(String) -> Finding,
) -> Finding {
    let names = list(
        &names
            .iter()
            .map(|n| format!("`{}`", n.value))
            .collect::<Vec<_>>(),
    );
    let project = project_words(switch);
    let (severity, message) = match layer {
        Layer::User => (
            Severity::Medium,
            format!(
                "Claude Code starts {names} from any project's `.mcp.json` without asking you: a repository that defines a server of that name runs its command as you"
            ),
        ),
        Layer::Shared => (
            Severity::Medium,
            format!(
                "once you trust this folder, Claude Code starts {names} of {project}'s `.mcp.json` without asking you; these are shared project settings, so whoever changes those entries decides what runs"
            ),
        ),
        Layer::Local => (
            Severity::Low,
            format!(
                "Claude Code starts {names} of {project}'s `.mcp.json` without asking you again: a change to their entries (a pull) runs without another look"
            ),
        ),
    };
    finding(message).severity(severity).fix(
        "approve project servers in Claude Code's dialog after reading their entries instead of listing them here, and review changes to `.mcp.json` before you pull them",
    )
}

/// `this project` for a project's own settings file, `the project /srv/app` for a project's
/// entry in `~/.claude.json` (the directory as the file writes it).
fn project_words(switch: &ApprovalSwitch) -> String {
    match &switch.project {
        Some(dir) => format!("the project {dir}"),
        None => "this project".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::test_support::run_across;
    use mcpward_config::{Scope, parse_file};
    use mcpward_core::Severity;

    fn file(path: &str, client: ClientKind, scope: Scope, src: &str) -> mcpward_config::ConfigFile {
        parse_file(std::path::Path::new(path), src.to_string(), client, scope)
    }

    fn claude_settings(path: &str, scope: Scope, src: &str) -> mcpward_config::ConfigFile {
        file(path, ClientKind::ClaudeCode, scope, src)
    }

    const MCP_JSON: &str = r#"{
  "mcpServers": {
    "github": { "command": "github-mcp-server", "args": ["stdio"], "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_PAT}" } },
    "fetch": { "command": "uvx", "args": ["mcp-server-fetch==2025.4.7"] },
    "time": { "command": "uvx", "args": ["mcp-server-time==2025.9.25"] }
  }
}"#;

    fn project_mcp_json() -> mcpward_config::ConfigFile {
        file(
            "/srv/app/.mcp.json",
            ClientKind::ClaudeCode,
            Scope::Project,
            MCP_JSON,
        )
    }

    #[test]
    fn settings_allow_is_one_finding_per_server_at_the_entry() {
        let src = r#"{
  "permissions": {
    "allow": [
      "Bash(npm run lint)",
      "mcp__github__get_issue",
      "mcp__github__create_pull_request",
      "mcp__github__list_commits",
      "mcp__time"
    ]
  }
}"#;
        let settings = claude_settings("/srv/app/.claude/settings.json", Scope::Project, src);
        let f = run_across(check_switches, &[settings, project_mcp_json()]);
        assert_eq!(f.len(), 2, "{f:#?}");
        let github = f
            .iter()
            .find(|f| f.server.as_deref() == Some("github"))
            .unwrap();
        assert_eq!(github.severity, Severity::High);
        assert_eq!(
            github.span.map(|s| (s.line, s.col)),
            Some((6, 8)),
            "at the strongest tool"
        );
        assert!(
            github
                .message
                .contains("`create_pull_request` (changes things)"),
            "{}",
            github.message
        );
        assert!(
            github.message.contains("also 2 read-only tools"),
            "{}",
            github.message
        );
        assert!(
            github.message.contains("shared project settings"),
            "{}",
            github.message
        );
        let time = f
            .iter()
            .find(|f| f.server.as_deref() == Some("time"))
            .unwrap();
        assert_eq!(time.severity, Severity::Low, "{}", time.message);
        assert!(
            time.message.contains("every tool of `time`"),
            "{}",
            time.message
        );
    }

    #[test]
    fn every_tool_of_a_server_is_judged_by_its_entry_or_high_when_unseen() {
        let settings = || {
            claude_settings(
                "/home/alice-example/.claude/settings.json",
                Scope::User,
                r#"{"permissions": {"allow": ["mcp__github", "mcp__fetch__*"]}}"#,
            )
        };
        let f = run_across(check_switches, &[settings(), project_mcp_json()]);
        let sev = |name: &str| {
            f.iter()
                .find(|f| f.server.as_deref() == Some(name))
                .map(|f| f.severity)
        };
        assert_eq!(sev("github"), Some(Severity::High));
        assert_eq!(sev("fetch"), Some(Severity::Medium), "{f:#?}");
        assert!(
            f.iter().all(|f| f.message.contains("in every project")),
            "{f:#?}"
        );
        // Without the entry, mcpward says what it could not see.
        let f = run_across(check_switches, &[settings()]);
        assert!(f.iter().all(|f| f.severity == Severity::High), "{f:#?}");
        assert!(
            f[0].message.contains("did not see this server's entry"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn ordinary_settings_have_no_mcp_finding() {
        let src = r#"{
  "permissions": {
    "allow": ["Bash(npm test)", "Bash(npm run build)", "Read(src/**)", "WebFetch(domain:docs.rs)"],
    "deny": ["Read(./.env)", "Bash(curl:*)"],
    "defaultMode": "acceptEdits"
  },
  "enableAllProjectMcpServers": false,
  "disabledMcpjsonServers": ["fetch"],
  "env": { "DISABLE_TELEMETRY": "1" }
}"#;
        let settings = claude_settings("/srv/app/.claude/settings.json", Scope::Project, src);
        assert!(run_across(check_switches, &[settings, project_mcp_json()]).is_empty());
    }

    #[test]
    fn an_approval_for_a_disabled_or_rejected_server_never_comes_into_play() {
        let local = claude_settings(
            "/srv/app/.claude/settings.local.json",
            Scope::Project,
            r#"{"permissions": {"allow": ["mcp__github"]}, "disabledMcpjsonServers": ["github"]}"#,
        );
        let f = run_across(check_switches, &[local, project_mcp_json()]);
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn project_server_switches_say_what_claude_code_will_do() {
        let user = claude_settings(
            "/home/alice-example/.claude/settings.json",
            Scope::User,
            r#"{"enableAllProjectMcpServers": true}"#,
        );
        let f = run_across(check_switches, &[user]);
        assert_eq!((f.len(), f[0].severity), (1, Severity::High), "{f:#?}");
        assert!(
            f[0].message.contains("every project's `.mcp.json`"),
            "{}",
            f[0].message
        );
        let local = claude_settings(
            "/srv/app/.claude/settings.local.json",
            Scope::Project,
            "{\n  \"enableAllProjectMcpServers\": true,\n  \"enabledMcpjsonServers\": [\"github\"]\n}",
        );
        let f = run_across(check_switches, &[local, project_mcp_json()]);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[0].span.map(|s| (s.line, s.col)), Some((2, 33)));
        assert!(
            f[0].message.contains("(now `github`, `fetch` and `time`)"),
            "{}",
            f[0].message
        );
        assert_eq!(f[1].severity, Severity::Low);
        assert!(
            f[1].message.contains("starts `github` of this project"),
            "{}",
            f[1].message
        );
    }

    #[test]
    fn vscode_global_auto_approve_is_high_in_user_settings_and_low_where_ignored() {
        let user = file(
            "/home/alice-example/.config/Code/User/settings.json",
            ClientKind::VsCode,
            Scope::User,
            r#"{ "chat.tools.global.autoApprove": true }"#,
        );
        let f = run_across(check_switches, &[user]);
        assert_eq!((f.len(), f[0].severity), (1, Severity::High), "{f:#?}");
        assert!(f[0].message.contains("every workspace"), "{}", f[0].message);
        let workspace = file(
            "/srv/app/.vscode/settings.json",
            ClientKind::VsCode,
            Scope::Project,
            r#"{ "chat.tools.global.autoApprove": true }"#,
        );
        let f = run_across(check_switches, &[workspace]);
        assert_eq!(f[0].severity, Severity::Low, "{f:#?}");
        assert!(f[0].message.contains("no effect"), "{}", f[0].message);
    }
}
