//! `client-auto-approve`: the client runs a server's tools, or starts servers, without asking.
//!
//! Two sources: switches inside a server entry (Cline `alwaysAllow`, Gemini `trust`, Codex
//! `approval_policy`...), checked per file by `check`; and client settings outside any entry
//! (Claude Code `permissions.allow` and `enableAllProjectMcpServers`, VS Code
//! `chat.tools.global.autoApprove`), checked by `check_switches` with every file the client
//! loads with them, so that `mcp__github` in a settings file is judged by what the `github`
//! entry of `~/.claude.json` or `.mcp.json` starts.

use mcpward_config::{AutoApprove, ClientKind, Spanned, claude_code_tool_prefix};
use mcpward_core::{Finding, RuleMeta, Severity, Span};
use mcpward_policy::{ToolKind, knowledge};

use crate::context::{FileContext, ServerView};
use crate::knowledge::Capability;

mod settings;

pub(crate) use settings::check_switches;

pub static META: RuleMeta = RuleMeta {
    id: "client-auto-approve",
    default_severity: Severity::High,
    summary: "The client runs a server's tools, or starts servers, without asking.",
    what: "A client switch that lets tools run without asking the person: Cline/Roo Code \
`alwaysAllow` / `autoApprove` lists, Claude Code `permissions.allow` entries for MCP tools \
(`mcp__server__tool`, and `mcp__server` or `mcp__server__*` for every tool of the server) in \
`~/.claude/settings.json`, a project's `.claude/settings.json` or `.claude/settings.local.json` \
(minus what `permissions.deny` and `permissions.ask` take back) and `allowedTools` in \
`~/.claude.json` projects, Claude Code `permissions.defaultMode: \"bypassPermissions\"`, VS Code \
`chat.tools.global.autoApprove: true` (earlier `chat.tools.autoApprove`) and \
`chat.permissions.default` set to `autoApprove` or `autopilot`, Gemini CLI `trust: true`, Codex \
`approval_policy = \"never\"` (top level, or in a `[profiles.NAME]`, named in the message) and a \
server's `default_tools_approval_mode` / a tool's `approval_mode` set to `\"approve\"`, Goose \
`GOOSE_MODE: auto`, allow-all entries (`\"*\"`) and similar. One finding per server, listing its \
auto-approved tools strongest first, judged by the classifier the gateway uses (the whole name: \
`find_and_replace` writes, `execute_sparql` queries) and the curated read-only lists (a server \
mcpward knows to neither write nor execute, its read-only mode counted, has only reading tools): high for \
every-tool approval of a server that writes or executes or that mcpward does not know, and when \
any tool writes, deletes, sends or executes (or its effect is unknown); medium when the strongest \
reaches other hosts (or every tool of a server that reads untrusted content); low when all only \
read. Claude Code's server switches are reported too: `enableAllProjectMcpServers: true` (every \
server of a project's `.mcp.json` starts without the approval dialog, servers added later \
included: high in user settings, medium in a project's) and `enabledMcpjsonServers` (the named \
servers start without it: medium, low in the person's own `settings.local.json`). A switch the \
client ignores is reported as having no effect: `alwaysAllow` in a Claude Code `.mcp.json` \
(info), `chat.tools.global.autoApprove` in a VS Code workspace's `.vscode/settings.json` (low: \
VS Code reads that machine-scoped setting from user settings only, older releases honoured it). \
Not reported: VS Code `chat.tools.terminal.autoApprove`, `chat.tools.edits.autoApprove` and \
`chat.tools.urls.autoApprove` (VS Code's own terminal, edit and fetch tools, not MCP servers), \
tools approved from VS Code's dialog (kept in its internal storage, not in a file), and Codex \
`sandbox_mode` (it confines Codex's own commands, not MCP servers). Sources: \
<https://code.claude.com/docs/en/permissions>, <https://code.claude.com/docs/en/settings>, \
<https://code.visualstudio.com/docs/agents/run/approvals>, \
<https://developers.openai.com/codex/config-reference>.",
    why: "The approval prompt is the last point where a person can notice that a prompt \
injection is steering the model. Auto-approving a write or exec tool removes it: the model can \
push, delete or run commands while you are reading something else. Starting a project's servers \
without the dialog is worse: a stdio server is a command, so whoever can change `.mcp.json` (a \
pull request, a cloned repository) runs code as you.",
    example_bad: r#"// .claude/settings.json
{ "permissions": { "allow": ["mcp__github__get_issue", "mcp__github__merge_pull_request"] } }"#,
    example_fixed: r#"// .claude/settings.json
{ "permissions": { "allow": ["mcp__github__get_issue"], "ask": ["mcp__github__merge_pull_request"] } }"#,
};

pub(crate) fn check(cx: &FileContext<'_>, out: &mut Vec<Finding>) {
    for server in cx.servers.iter().filter(|s| s.active()) {
        if let Some(key) = &server.entry.ignored_approval {
            out.push(ignored_in_entry(cx, server, key));
        }
        let condition = profile_condition(&server.entry.approve_profiles);
        match &server.entry.auto_approve {
            None => {}
            Some(AutoApprove::All(span)) => {
                let (severity, why) = every_tool_severity(Some(server));
                out.push(
                    cx.finding(
                        &META,
                        Some(server.entry),
                        *span,
                        format!(
                            "every tool of {} runs without asking you{condition}{why}",
                            server.label()
                        ),
                    )
                    .severity(severity)
                    .fix("remove the allow-all switch; approve individual read-only tools only, or gate writes with `mcpward run` and a policy"),
                );
            }
            Some(AutoApprove::Tools(tools)) => {
                if let Some(all) = tools.iter().find(|t| t.value == "*") {
                    out.push(
                        cx.finding(
                            &META,
                            Some(server.entry),
                            all.span,
                            format!("every tool of {} runs without asking you", server.label()),
                        )
                        .fix("remove `*`; approve individual read-only tools only"),
                    );
                    continue;
                }
                if let Some(judged) = ToolList::judge(tools, Some(server)) {
                    out.push(
                        cx.finding(&META, Some(server.entry), judged.span, judged.message(&server.label(), &condition))
                            .severity(judged.severity)
                            .fix(judged.fix("remove {tools} from the auto-approve list, or gate the server with `mcpward run` and a policy that asks before them")),
                    );
                }
            }
        }
    }
}

fn ignored_in_entry(
    cx: &FileContext<'_>,
    server: &ServerView<'_>,
    key: &Spanned<String>,
) -> Finding {
    let client = cx.file.client.name();
    let real_switch = if cx.file.client == ClientKind::ClaudeCode {
        format!(
            "; {client}'s switch for that is `permissions.allow` in `.claude/settings.json` (`mcp__{}__<tool>`)",
            claude_code_tool_prefix(&server.entry.name)
        )
    } else {
        String::new()
    };
    cx.finding(
        &META,
        Some(server.entry),
        key.span,
        format!(
            "`{}` of {} has no effect: {client} ignores it and still asks before each tool{real_switch}",
            key.value,
            server.label(),
        ),
    )
    .severity(Severity::Info)
    .fix(format!(
        "remove `{}` so the file says what the client does; to skip the prompt, list read-only tools in `permissions.allow` of `.claude/settings.json`",
        key.value,
    ))
}

/// ` when Codex runs with profile `yolo` (`codex --profile yolo`)`, or nothing.
fn profile_condition(profiles: &[String]) -> String {
    match profiles {
        [] => String::new(),
        [one] => format!(" when Codex runs with profile `{one}` (`codex --profile {one}`)"),
        many => format!(
            " when Codex runs with profile {}",
            list(&many.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>())
                .replacen(" and ", " or ", 1)
        ),
    }
}

/// How bad approving every tool of a server is, and why, from what it can do: high when it
/// writes or executes, or when mcpward does not know it (or did not see its entry); medium when
/// it brings in untrusted content; low when mcpward knows it only reads.
fn every_tool_severity(server: Option<&ServerView<'_>>) -> (Severity, String) {
    let Some(s) = server else {
        return (
            Severity::High,
            "; mcpward did not see this server's entry (it is in a file not audited with this one), so it cannot tell what its tools do".into(),
        );
    };
    // A server mcpward does not know may do anything; its name is not evidence.
    if s.has(Capability::Exec) || s.has(Capability::Write) || s.known.is_none() {
        (Severity::High, String::new())
    } else if s.has(Capability::ReadsUntrusted) {
        (
            Severity::Medium,
            format!(
                "; {} only reads, but what it reads is written by others",
                s.identity_label()
            ),
        )
    } else {
        (
            Severity::Low,
            format!("; {} only reads", s.identity_label()),
        )
    }
}

/// A list of auto-approved tools, judged: strongest effect first, at the severity of the
/// strongest (a read-only list is low, a fetch medium, anything that writes, deletes, sends,
/// executes or cannot be told from its name high).
struct ToolList<'t> {
    judged: Vec<(&'t Spanned<String>, ToolKind)>,
    severity: Severity,
    /// The strongest tool's position.
    span: Span,
}

impl<'t> ToolList<'t> {
    fn judge(
        tools: &'t [Spanned<String>],
        server: Option<&ServerView<'_>>,
    ) -> Option<ToolList<'t>> {
        let mut judged: Vec<(&Spanned<String>, ToolKind)> = tools
            .iter()
            .map(|t| (t, classify(strip_prefix(&t.value), server)))
            .collect();
        judged.sort_by_key(|(_, k)| std::cmp::Reverse(rank(*k)));
        let (strongest_tool, strongest) = *judged.first()?;
        let severity = match strongest {
            ToolKind::Read => Severity::Low,
            ToolKind::Network => Severity::Medium,
            _ => Severity::High,
        };
        Some(ToolList {
            span: strongest_tool.span,
            judged,
            severity,
        })
    }

    fn risky(&self) -> impl Iterator<Item = &(&'t Spanned<String>, ToolKind)> {
        self.judged.iter().filter(|(_, k)| *k != ToolKind::Read)
    }

    /// `label runs `merge_pull_request` (…) without asking you; also 1 read-only tool`.
    fn message(&self, label: &str, condition: &str) -> String {
        let risky: Vec<String> = self
            .risky()
            .map(|(t, k)| format!("`{}` ({})", t.value, describe(*k)))
            .collect();
        let reads: Vec<String> = self
            .judged
            .iter()
            .filter(|(_, k)| *k == ToolKind::Read)
            .map(|(t, _)| format!("`{}`", t.value))
            .collect();
        if risky.is_empty() {
            return format!(
                "{label} runs {} without asking you{condition}; by their names they only read",
                list(&reads)
            );
        }
        let also = match reads.len() {
            0 => String::new(),
            1 => "; also 1 read-only tool".to_string(),
            n => format!("; also {n} read-only tools"),
        };
        format!(
            "{label} runs {} without asking you{condition}{also}",
            list(&risky)
        )
    }

    /// The fix: `template` with `{tools}` replaced by the tools to take back, or advice to
    /// keep the list as it is when all only read.
    fn fix(&self, template: &str) -> String {
        let names: Vec<String> = self
            .risky()
            .map(|(t, _)| format!("`{}`", t.value))
            .collect();
        if names.is_empty() {
            "keep only tools you are sure only read; mcpward judged them by name".to_string()
        } else {
            template.replace("{tools}", &names.join(", "))
        }
    }
}

/// A tool's effect: read when the curated list of the server's package says so, else what the
/// gateway's classifier reads from its whole name. A server mcpward knows to neither write nor
/// execute (as configured: its read-only mode counts) has no tool that does, whatever the name.
fn classify(tool: &str, server: Option<&ServerView<'_>>) -> ToolKind {
    let curated = server
        .and_then(|s| s.launch.package.as_ref())
        .and_then(|p| knowledge::curated_read_only(p.ecosystem.as_str(), &p.name, tool));
    if curated.is_some() {
        return ToolKind::Read;
    }
    let kind = knowledge::classify(tool, None, None);
    let only_reads = server.is_some_and(|s| {
        s.known.is_some()
            && s.launch.host_control.is_none()
            && !s.has(Capability::Write)
            && !s.has(Capability::Exec)
    });
    match kind {
        ToolKind::Write | ToolKind::Destructive | ToolKind::Exec | ToolKind::Unknown
            if only_reads =>
        {
            ToolKind::Read
        }
        kind => kind,
    }
}

/// `mcp__github__create_issue` (Claude Code) → `create_issue`; `get_*` → `get_`.
fn strip_prefix(tool: &str) -> &str {
    let tool = tool
        .strip_prefix("mcp__")
        .and_then(|rest| rest.split_once("__").map(|(_, t)| t))
        .unwrap_or(tool);
    tool.trim_end_matches('*')
}

fn list(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        _ => format!(
            "{} and {}",
            items[..items.len() - 1].join(", "),
            items[items.len() - 1]
        ),
    }
}

fn describe(kind: ToolKind) -> &'static str {
    match kind {
        ToolKind::Exec => "runs commands or code",
        ToolKind::Destructive => "deletes, sends or cannot be undone",
        ToolKind::Write => "changes things",
        ToolKind::Network => "reaches other hosts",
        ToolKind::Unknown => "effect not clear from its name",
        ToolKind::Read => "reads",
    }
}

fn rank(kind: ToolKind) -> u8 {
    match kind {
        ToolKind::Read => 0,
        ToolKind::Network => 1,
        ToolKind::Unknown => 2,
        ToolKind::Write => 3,
        ToolKind::Destructive => 4,
        ToolKind::Exec => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::test_support::{Builder, run};
    use mcpward_config::{ClientKind, Scope, Spanned, parse_file};
    use mcpward_core::Span;

    fn file(path: &str, client: ClientKind, scope: Scope, src: &str) -> mcpward_config::ConfigFile {
        parse_file(std::path::Path::new(path), src.to_string(), client, scope)
    }

    fn with_tools(tools: &[&str]) -> Vec<Finding> {
        let list = tools
            .iter()
            .map(|t| Spanned::new((*t).to_string(), Span::at(2, 1)))
            .collect();
        let file = Builder::new(ClientKind::Cline, "{}")
            .stdio("github", "github-mcp-server", &["stdio"])
            .with(|e| e.auto_approve = Some(AutoApprove::Tools(list)))
            .build();
        run(check, &file)
    }

    #[test]
    fn one_finding_per_server_at_the_strongest_tools_severity() {
        let f = with_tools(&["get_issue", "merge_pull_request", "frobnicate"]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::High);
        let m = &f[0].message;
        assert!(
            m.find("merge_pull_request").unwrap() < m.find("frobnicate").unwrap(),
            "strongest first: {m}"
        );
        assert!(m.contains("also 1 read-only tool"), "{m}");
        assert!(!f[0].fix.as_deref().unwrap().contains("get_issue"));
    }

    #[test]
    fn read_only_lists_are_low_and_fetches_medium() {
        let f = with_tools(&["get_issue", "list_pull_requests", "search_code"]);
        assert_eq!((f.len(), f[0].severity), (1, Severity::Low), "{f:?}");
        let f = with_tools(&["fetch", "get_issue"]);
        assert_eq!(f[0].severity, Severity::Medium, "{f:?}");
    }

    #[test]
    fn reads_the_whole_tool_name_with_the_shared_classifier() {
        for tool in [
            "find_and_replace",
            "change_sonar_issue_status",
            "mcp__github__create_issue",
        ] {
            let f = with_tools(&[tool]);
            assert_eq!(f[0].severity, Severity::High, "{tool}: {f:?}");
        }
        let f = with_tools(&["execute_sparql"]);
        assert_eq!(f[0].severity, Severity::Low, "{f:?}");
    }

    #[test]
    fn trust_all_is_high_for_a_write_server() {
        let file = Builder::new(ClientKind::GeminiCli, "{}")
            .stdio("github", "github-mcp-server", &["stdio"])
            .with(|e| e.auto_approve = Some(AutoApprove::All(Span::at(3, 7))))
            .build();
        let f = run(check, &file);
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].severity, f[0].span),
            (Severity::High, Some(Span::at(3, 7)))
        );
    }

    #[test]
    fn no_auto_approve_or_disabled_server_is_fine() {
        assert!(with_tools(&[]).is_empty());
        let file = Builder::new(ClientKind::Cline, "{}")
            .stdio("github", "github-mcp-server", &["stdio"])
            .with(|e| {
                e.auto_approve = Some(AutoApprove::All(Span::at(1, 1)));
                e.disabled = true;
            })
            .build();
        assert!(run(check, &file).is_empty());
    }

    #[test]
    fn codex_profile_approval_names_the_profile() {
        let src = "[profiles.yolo]\napproval_policy = \"never\"\n\n[mcp_servers.github]\ncommand = \"github-mcp-server\"\nargs = [\"stdio\"]\n";
        let codex = file(
            "/home/alice-example/.codex/config.toml",
            ClientKind::Codex,
            Scope::User,
            src,
        );
        let f = run(check, &codex);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, Severity::High);
        assert!(
            f[0].message
                .contains("with profile `yolo` (`codex --profile yolo`)"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].span.map(|s| s.line), Some(2));
    }

    #[test]
    fn claude_code_always_allow_names_the_real_switch() {
        let mcp = file(
            "/srv/app/.mcp.json",
            ClientKind::ClaudeCode,
            Scope::Project,
            r#"{"mcpServers": {"github": {"command": "github-mcp-server", "args": ["stdio"], "alwaysAllow": ["get_issue"]}}}"#,
        );
        let f = run(check, &mcp);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, Severity::Info);
        assert!(
            f[0].message.contains("`permissions.allow`"),
            "{}",
            f[0].message
        );
        assert!(
            f[0].message.contains("`mcp__github__<tool>`"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn tools_of_a_server_known_to_only_read_are_reads_whatever_their_names() {
        let list = ["sequentialthinking", "create_pull_request"]
            .iter()
            .map(|t| Spanned::new((*t).to_string(), Span::at(2, 1)))
            .collect::<Vec<_>>();
        let file = Builder::new(ClientKind::Cline, "{}")
            .stdio("github", "github-mcp-server", &["stdio", "--read-only"])
            .with(|e| e.auto_approve = Some(AutoApprove::Tools(list.clone())))
            .build();
        let f = run(check, &file);
        assert_eq!((f.len(), f[0].severity), (1, Severity::Low), "{f:#?}");
        // The same names on a server that writes are judged by their names.
        let file = Builder::new(ClientKind::Cline, "{}")
            .stdio("github", "github-mcp-server", &["stdio"])
            .with(|e| e.auto_approve = Some(AutoApprove::Tools(list)))
            .build();
        assert_eq!(run(check, &file)[0].severity, Severity::High);
    }
}
