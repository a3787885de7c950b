//! `client-auto-approve`: the client runs a server's tools without asking.

use mcpward_config::{AutoApprove, Spanned};
use mcpward_core::{Finding, RuleMeta, Severity};
use mcpward_policy::{ToolKind, knowledge};

use crate::context::{FileContext, ServerView};
use crate::knowledge::Capability;

pub static META: RuleMeta = RuleMeta {
    id: "client-auto-approve",
    default_severity: Severity::High,
    summary: "The client approves a server's tools automatically.",
    what: "A client switch that lets tools run without asking the person: Cline/Roo Code \
`alwaysAllow` / `autoApprove` lists, Claude Code `allowedTools` entries for MCP tools \
(`mcp__server__tool`, `mcp__server`) in `~/.claude.json` projects, Gemini CLI `trust: true`, Codex \
`approval_policy = \"never\"`, Goose `GOOSE_MODE: auto`, allow-all entries (`\"*\"`) and \
similar. One finding per server, listing its auto-approved tools strongest first, judged by the \
classifier the gateway uses (the whole name: `find_and_replace` writes, `execute_sparql` \
queries): high for every-tool approval and when any tool writes, deletes, sends or executes (or \
its effect is unknown), medium when the strongest reaches other hosts, low when all only read. \
A switch the client ignores (`alwaysAllow` in a Claude Code `.mcp.json`) is reported at info as \
having no effect.",
    why: "The approval prompt is the last point where a person can notice that a prompt \
injection is steering the model. Auto-approving a write or exec tool removes it: the model can \
push, delete or run commands while you are reading something else.",
    example_bad: r#"{ "mcpServers": { "github": { "command": "github-mcp-server", "args": ["stdio"], "alwaysAllow": ["get_issue", "merge_pull_request"] } } }"#,
    example_fixed: r#"{ "mcpServers": { "github": { "command": "github-mcp-server", "args": ["stdio"], "alwaysAllow": ["get_issue"] } } }"#,
};

pub(crate) fn check(cx: &FileContext<'_>, out: &mut Vec<Finding>) {
    for server in cx.servers.iter().filter(|s| s.active()) {
        if let Some(key) = &server.entry.ignored_approval {
            out.push(
                cx.finding(
                    &META,
                    Some(server.entry),
                    key.span,
                    format!(
                        "`{}` of {} has no effect: {} ignores it and still asks before each tool",
                        key.value,
                        server.label(),
                        cx.file.client.name()
                    ),
                )
                .severity(Severity::Info)
                .fix(format!(
                    "remove `{}` so the file says what the client does; {} approves tools through `permissions.allow` in `.claude/settings.json` (approve read-only tools only)",
                    key.value,
                    cx.file.client.name()
                )),
            );
        }
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
                if let Some(f) = grouped_finding(cx, server, tools) {
                    out.push(f);
                }
            }
        }
    }
}

/// One finding per server: its auto-approved tools, strongest effect first, at the severity
/// of the strongest (a read-only list is low, a fetch medium, anything that writes, deletes,
/// sends, executes or cannot be told from its name high).
fn grouped_finding(
    cx: &FileContext<'_>,
    server: &ServerView<'_>,
    tools: &[Spanned<String>],
) -> Option<Finding> {
    let mut judged: Vec<(&Spanned<String>, ToolKind)> = tools
        .iter()
        .map(|t| (t, knowledge::classify(strip_prefix(&t.value), None, None)))
        .collect();
    judged.sort_by_key(|(_, k)| std::cmp::Reverse(rank(*k)));
    let (strongest_tool, strongest) = *judged.first()?;
    let severity = match strongest {
        ToolKind::Read => Severity::Low,
        ToolKind::Network => Severity::Medium,
        _ => Severity::High,
    };
    let risky: Vec<String> = judged
        .iter()
        .filter(|(_, k)| *k != ToolKind::Read)
        .map(|(t, k)| format!("`{}` ({})", t.value, describe(*k)))
        .collect();
    let reads: Vec<String> = judged
        .iter()
        .filter(|(_, k)| *k == ToolKind::Read)
        .map(|(t, _)| format!("`{}`", t.value))
        .collect();
    let message = if risky.is_empty() {
        format!(
            "{} runs {} without asking you; by their names they only read",
            server.label(),
            list(&reads)
        )
    } else {
        let also = if reads.is_empty() {
            String::new()
        } else {
            format!(
                "; also {} read-only tool{}",
                reads.len(),
                if reads.len() == 1 { "" } else { "s" }
            )
        };
        format!(
            "{} runs {} without asking you{also}",
            server.label(),
            list(&risky)
        )
    };
    let fix = if risky.is_empty() {
        "keep only tools you are sure only read; mcpward judged them by name".to_string()
    } else {
        let names: Vec<&str> = judged
            .iter()
            .filter(|(_, k)| *k != ToolKind::Read)
            .map(|(t, _)| t.value.as_str())
            .collect();
        format!(
            "remove {} from the auto-approve list, or gate the server with `mcpward run` and a policy that asks before them",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Some(
        cx.finding(&META, Some(server.entry), strongest_tool.span, message)
            .severity(severity)
            .fix(fix),
    )
}

/// `mcp__github__create_issue` (Claude Code) → `create_issue`.
fn strip_prefix(tool: &str) -> &str {
    tool.strip_prefix("mcp__")
        .and_then(|rest| rest.split_once("__").map(|(_, t)| t))
        .unwrap_or(tool)
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

fn server_only_reads(s: &ServerView<'_>) -> bool {
    s.known.is_some() && !s.has(Capability::Write) && !s.has(Capability::Exec)
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
}
