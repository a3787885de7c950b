//! `client-auto-approve`: the client runs a server's tools without asking.

use mcpward_config::AutoApprove;
use mcpward_core::{Finding, RuleMeta, Severity};

use crate::context::{FileContext, ServerView};
use crate::knowledge::Capability;

pub static META: RuleMeta = RuleMeta {
    id: "client-auto-approve",
    default_severity: Severity::High,
    summary: "The client approves a server's tools automatically.",
    what: "A client switch that lets tools run without asking the person: Cline/Roo Code \
`alwaysAllow` / `autoApprove` lists, Claude Code `allowedTools` entries for MCP tools \
(`mcp__server__tool`, `mcp__server`) in `~/.claude.json` projects, Gemini CLI `trust: true`, allow-all entries (`\"*\"`) and \
similar. High for every-tool approval and for tools that write, delete, send or execute (or whose \
effect is unknown); low for tools whose names say they only read.",
    why: "The approval prompt is the last point where a person can notice that a prompt \
injection is steering the model. Auto-approving a write or exec tool removes it: the model can \
push, delete or run commands while you are reading something else.",
    example_bad: r#"{ "mcpServers": { "github": { "command": "github-mcp-server", "args": ["stdio"], "alwaysAllow": ["get_issue", "merge_pull_request"] } } }"#,
    example_fixed: r#"{ "mcpServers": { "github": { "command": "github-mcp-server", "args": ["stdio"], "alwaysAllow": ["get_issue"] } } }"#,
};

pub(crate) fn check(cx: &FileContext<'_>, out: &mut Vec<Finding>) {
    for server in cx.servers.iter().filter(|s| s.active()) {
        match &server.entry.auto_approve {
            None => {}
            Some(AutoApprove::All(span)) => {
                let severity = if server_only_reads(server) {
                    Severity::Medium
                } else {
                    Severity::High
                };
                out.push(
                    cx.finding(&META, Some(server.entry), *span, format!("every tool of {} runs without asking you", server.label()))
                        .severity(severity)
                        .fix("remove the allow-all switch; approve individual read-only tools only, or gate writes with `mcpward run` and a policy"),
                );
            }
            Some(AutoApprove::Tools(tools)) => {
                for tool in tools {
                    let (severity, kind) = match tool_effect(&tool.value) {
                        Effect::Read => (Severity::Low, "a read-only tool"),
                        Effect::Write => (Severity::High, "a tool that changes things"),
                        Effect::Unknown => (
                            Severity::High,
                            "a tool whose effect mcpward cannot tell from its name",
                        ),
                    };
                    if tool.value == "*" {
                        out.push(
                            cx.finding(
                                &META,
                                Some(server.entry),
                                tool.span,
                                format!("every tool of {} runs without asking you", server.label()),
                            )
                            .fix("remove `*`; approve individual read-only tools only"),
                        );
                        continue;
                    }
                    out.push(
                        cx.finding(
                            &META,
                            Some(server.entry),
                            tool.span,
                            format!("`{}` of {} runs without asking you; it is {kind}", tool.value, server.label()),
                        )
                        .severity(severity)
                        .fix(format!("remove `{}` from the auto-approve list unless you are sure it only reads", tool.value)),
                    );
                }
            }
        }
    }
}

fn server_only_reads(s: &ServerView<'_>) -> bool {
    s.known.is_some() && !s.has(Capability::Write) && !s.has(Capability::Exec)
}

#[derive(Debug, PartialEq, Eq)]
enum Effect {
    Read,
    Write,
    Unknown,
}

/// Judge a tool by the verbs in its name (`get_issue`, `merge_pull_request`, `browser_navigate`).
fn tool_effect(name: &str) -> Effect {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    const WRITE: &[&str] = &[
        "write", "edit", "create", "delete", "remove", "update", "move", "rename", "push", "merge",
        "send", "post", "execute", "exec", "run", "shell", "command", "eval", "install", "kill",
        "start", "stop", "deploy", "apply", "set", "put", "upload", "commit", "publish", "add",
        "insert", "drop", "close", "reply", "comment", "fork", "approve", "invite", "transfer",
        "pay", "refund", "click", "type", "fill", "navigate", "submit", "evaluate",
    ];
    const READ: &[&str] = &[
        "get",
        "list",
        "read",
        "search",
        "find",
        "query",
        "describe",
        "show",
        "view",
        "fetch",
        "lookup",
        "count",
        "stat",
        "info",
        "tree",
        "status",
        "diff",
        "log",
        "snapshot",
        "screenshot",
        "select",
    ];
    if words.iter().any(|w| WRITE.contains(w)) {
        return Effect::Write;
    }
    if words.iter().any(|w| READ.contains(w)) {
        return Effect::Read;
    }
    Effect::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::test_support::{Builder, run};
    use mcpward_config::{ClientKind, Spanned};
    use mcpward_core::Span;

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
    fn write_tools_are_high_and_read_tools_low() {
        let f = with_tools(&["get_issue", "merge_pull_request", "frobnicate"]);
        let sev: Vec<_> = f.iter().map(|f| f.severity).collect();
        assert_eq!(sev, vec![Severity::Low, Severity::High, Severity::High]);
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
}
