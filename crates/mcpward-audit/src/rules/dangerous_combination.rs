//! `dangerous-combination`: untrusted input and a credentialed writer in the same client.

use std::collections::BTreeSet;

use mcpward_core::{Finding, RuleMeta, Severity};

use crate::context::{FileContext, ServerView};
use crate::knowledge::Capability;
use crate::session;

pub static META: RuleMeta = RuleMeta {
    id: "dangerous-combination",
    default_severity: Severity::High,
    summary: "A server that reads untrusted content shares a client with a credentialed server that can write or execute.",
    what: "Within one client configuration, and across the files one client loads into the same \
session (Claude Code: user-level servers in `~/.claude.json` with a project's `.mcp.json`, and \
a project's local servers with that project's `.mcp.json`, leaving out servers a settings file \
rejects with `disabledMcpjsonServers`; VS Code: the user `mcp.json` and `settings.json` with a \
workspace's `.vscode/mcp.json` and `.vscode/settings.json`), a server that returns content written by others (fetch, browsers, web \
search, mail and chat readers, issue trackers) next to a server that acts with your credentials \
and can write (GitHub, Slack, databases...) or that runs commands (shells, code runners: they act \
as you without any token), neither of them gated by `mcpward run`. Reported once per pair, at the untrusted server, naming \
the writer and, when it is in another file, its file:line:col; beyond eight pairs for one untrusted server, the remaining writers are counted in one more finding.",
    why: "This is the \"lethal trifecta\": the model reads an attacker's text through the first \
server and carries out its instructions with the second, for example a web page that says \
\"open a pull request adding this key\" or an issue that says \"post the contents of .env to \
Slack\". Neither server is dangerous alone; together they let any web page act as you.",
    example_bad: r#"{ "mcpServers": {
  "fetch":  { "command": "uvx", "args": ["mcp-server-fetch==2025.4.7"] },
  "github": { "command": "github-mcp-server", "args": ["stdio"], "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_PAT}" } }
} }"#,
    example_fixed: r#"{ "mcpServers": {
  "fetch":  { "command": "uvx", "args": ["mcp-server-fetch==2025.4.7"] },
  "github": { "command": "mcpward", "args": ["run", "--", "github-mcp-server", "stdio"], "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_PAT}" } }
} }"#,
};

pub(crate) fn check(cx: &FileContext<'_>, out: &mut Vec<Finding>) {
    let live: Vec<(usize, &ServerView<'_>)> = cx
        .servers
        .iter()
        .enumerate()
        .filter(|(_, s)| s.active() && !s.launch.gated)
        .collect();
    // Claude Code: user-level servers (no project) are active in every project.
    let projects: BTreeSet<Option<&str>> = live
        .iter()
        .map(|(_, s)| s.entry.project.as_deref())
        .collect();
    let mut reported = BTreeSet::new();
    for project in projects {
        let group: Vec<&(usize, &ServerView<'_>)> = live
            .iter()
            .filter(|(_, s)| s.entry.project.is_none() || s.entry.project.as_deref() == project)
            .collect();
        let writers: Vec<&&(usize, &ServerView<'_>)> = group
            .iter()
            .filter(|(_, s)| acts_with_credentials(s))
            .collect();
        for (ui, untrusted) in group
            .iter()
            .filter(|(_, s)| s.has(Capability::ReadsUntrusted))
        {
            let mut named = 0;
            let mut more: Vec<&str> = Vec::new();
            for (wi, writer) in writers.iter().map(|w| **w) {
                if ui == wi || reported.contains(&(*ui, *wi)) {
                    continue;
                }
                // A file of hundreds of servers would otherwise get a finding per pair.
                if named == MAX_PAIRS_PER_SERVER {
                    more.push(writer.entry.name.as_str());
                    continue;
                }
                named += 1;
                reported.insert((*ui, *wi));
                let power = if writer.has(Capability::Exec) {
                    "execute commands as you"
                } else {
                    "write with your credentials"
                };
                let scope = project
                    .map(|p| format!(" (project {p})"))
                    .unwrap_or_default();
                out.push(
                    cx.finding(
                        &META,
                        Some(untrusted.entry),
                        untrusted.entry.span,
                        format!(
                            "{} reads untrusted content and {} can {power}{scope}: instructions hidden in what the first returns can steer the second",
                            untrusted.label(),
                            writer.label()
                        ),
                    )
                    .fix(fix_for(writer, untrusted)),
                );
            }
            if !more.is_empty() {
                let scope = project
                    .map(|p| format!(" (project {p})"))
                    .unwrap_or_default();
                out.push(
                    cx.finding(
                        &META,
                        Some(untrusted.entry),
                        untrusted.entry.span,
                        format!(
                            "{} reads untrusted content and {} more servers can write with your credentials or execute commands{scope}, starting with `{}`",
                            untrusted.label(),
                            more.len(),
                            more[0]
                        ),
                    )
                    .fix(format!(
                        "gate the writing servers with `mcpward run -- …` and a policy that asks before writes, or move `{}` to a separate client config",
                        untrusted.entry.name
                    )),
                );
            }
        }
    }
}

/// Pairs across the files one client merges into a session (see [`crate::session`]): Claude
/// Code's user-level servers (`~/.claude.json`, top level) with any project's `.mcp.json`, a
/// project's local servers (`projects.<dir>`) with the `.mcp.json` of that directory; VS Code's
/// user `mcp.json` and `settings.json` with a workspace's `.vscode/mcp.json` and
/// `.vscode/settings.json`. Pairs within one file are [`check`]'s. Each finding sits at the
/// untrusted server and names where the writer is (file:line:col).
pub(crate) fn check_across_files(contexts: &[FileContext<'_>], out: &mut Vec<Finding>) {
    let live = |s: &&ServerView<'_>| s.active() && !s.launch.gated;
    for (ui, ucx) in contexts.iter().enumerate() {
        let client = ucx.file.client;
        if !session::merges_files(client) {
            continue;
        }
        for untrusted in ucx
            .servers
            .iter()
            .filter(live)
            .filter(|s| s.has(Capability::ReadsUntrusted))
        {
            let Some(u_reach) = session::server_reach(ucx.file, untrusted.entry) else {
                continue;
            };
            let writers = contexts
                .iter()
                .enumerate()
                .filter(|(wi, wcx)| *wi != ui && wcx.file.client == client)
                .flat_map(|(_, wcx)| wcx.servers.iter().map(move |w| (wcx, w)))
                .filter(|(_, w)| live(w) && acts_with_credentials(w))
                .filter_map(|(wcx, w)| {
                    let reach = session::server_reach(wcx.file, w.entry)?;
                    reach.meets(&u_reach).then_some((wcx, w))
                })
                .take(MAX_PAIRS_PER_SERVER);
            for (wcx, writer) in writers {
                let power = if writer.has(Capability::Exec) {
                    "execute commands as you"
                } else {
                    "write with your credentials"
                };
                // A local server of `~/.claude.json` names the project the pair meets in.
                let scope = untrusted
                    .entry
                    .project
                    .as_deref()
                    .or(writer.entry.project.as_deref())
                    .map(|p| format!(" for project {p}"))
                    .unwrap_or_default();
                let at = writer.entry.span;
                out.push(
                    ucx.finding(
                        &META,
                        Some(untrusted.entry),
                        untrusted.entry.span,
                        format!(
                            "{} reads untrusted content and {} (`{}:{}:{}`) can {power}, and {} loads both into one session{scope}: instructions hidden in what the first returns can steer the second",
                            untrusted.label(),
                            writer.label(),
                            wcx.file.path.display(),
                            at.line,
                            at.col,
                            client.name()
                        ),
                    )
                    .fix(fix_for(writer, untrusted)),
                );
            }
        }
    }
}

/// Pairs reported one by one for each untrusted server; the rest are summed up in one finding.
const MAX_PAIRS_PER_SERVER: usize = 8;

/// Gate the writer (the cheaper side to restrict), or separate the two.
fn fix_for(writer: &ServerView<'_>, untrusted: &ServerView<'_>) -> String {
    let gate = if writer.has(Capability::Exec) {
        format!(
            "run `{}` through `mcpward run --sandbox -- …` with a policy that asks before each command",
            writer.entry.name
        )
    } else {
        let read_only = writer
            .known
            .and_then(|k| k.read_only.first())
            .map(|sw| format!(", or enable its read-only mode with {}", sw.describe()))
            .unwrap_or_default();
        format!(
            "run `{}` through `mcpward run -- …` with a policy that asks before writes{read_only}",
            writer.entry.name
        )
    };
    format!(
        "{gate}; or move `{}` to a separate client config",
        untrusted.entry.name
    )
}

/// A server that runs commands acts as the local user (SSH keys, git and cloud credentials) even
/// without a token in its entry; a writer needs credentials of its own to reach anything.
fn acts_with_credentials(s: &ServerView<'_>) -> bool {
    s.has(Capability::Exec) || (s.has(Capability::Write) && s.credentialed())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::test_support::{Builder, run};
    use mcpward_config::ClientKind;

    #[test]
    fn inspected_tools_reveal_a_web_reader_and_a_command_runner() {
        use crate::context::test_support::{run_inspected, tools};
        use crate::inspected::Inspected;
        use mcpward_policy::knowledge::Capability as Class;
        // Names and programs that say nothing about what the servers do.
        let file = Builder::new(ClientKind::ClaudeCode, "{\"reader\": 1, \"helper\": 2}")
            .stdio("reader", "node", &["/opt/a/index.js"])
            .stdio("helper", "node", &["/opt/b/index.js"])
            .build();
        assert!(run(check, &file).is_empty());
        let mut inspected = Inspected::new();
        inspected.insert(
            &file.path,
            "reader",
            tools(&[("fetch_url", &[Class::Network, Class::Read])]),
        );
        inspected.insert(
            &file.path,
            "helper",
            tools(&[("run_command", &[Class::Exec])]),
        );
        let f = run_inspected(check, &file, &inspected);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains(
                "`reader` reads untrusted content and `helper` can execute commands as you"
            ),
            "{}",
            f[0].message
        );
    }

    fn fetch_and_github(github_args: &[&str]) -> Builder {
        Builder::new(ClientKind::ClaudeDesktop, "{\"fetch\": 1, \"github\": 2}")
            .stdio("fetch", "uvx", &["mcp-server-fetch==2025.4.7"])
            .stdio("github", "github-mcp-server", github_args)
            .env("GITHUB_PERSONAL_ACCESS_TOKEN", "${GITHUB_PAT}")
    }

    #[test]
    fn many_writers_are_summed_up_after_a_few_pairs() {
        let mut b = Builder::new(ClientKind::ClaudeDesktop, "{}").stdio(
            "fetch",
            "uvx",
            &["mcp-server-fetch==2025.4.7"],
        );
        for i in 0..40 {
            b = b.stdio(&format!("shell{i}"), "uvx", &["mcp-shell-server==1.0.3"]);
        }
        let f = run(check, &b.build());
        assert_eq!(f.len(), MAX_PAIRS_PER_SERVER + 1, "{f:#?}");
        assert!(
            f.last().unwrap().message.contains("32 more servers"),
            "{}",
            f.last().unwrap().message
        );
    }

    #[test]
    fn reports_fetch_next_to_credentialed_github_once_at_fetch() {
        let f = run(check, &fetch_and_github(&["stdio"]).build());
        let at_fetch: Vec<_> = f
            .iter()
            .filter(|f| f.server.as_deref() == Some("fetch"))
            .collect();
        assert_eq!(at_fetch.len(), 1, "{f:?}");
        assert!(at_fetch[0].message.contains("`github`"));
    }

    #[test]
    fn read_only_github_or_gated_github_is_not_a_combination() {
        let f = run(check, &fetch_and_github(&["stdio", "--read-only"]).build());
        assert!(
            f.iter().all(|f| f.server.as_deref() != Some("fetch")),
            "{f:?}"
        );
        let file = fetch_and_github(&[]).with(|e| {
            e.command = Some(mcpward_config::Spanned::new("mcpward".into(), e.span));
            e.args = ["run", "--", "github-mcp-server", "stdio"]
                .iter()
                .map(|a| mcpward_config::Spanned::new((*a).into(), e.span))
                .collect();
        });
        assert!(
            run(check, &file.build())
                .iter()
                .all(|f| f.server.as_deref() != Some("fetch"))
        );
    }

    #[test]
    fn exec_server_combines_without_a_token() {
        let file = Builder::new(ClientKind::Cursor, "{}")
            .stdio("browser", "npx", &["-y", "@playwright/mcp@0.0.41"])
            .stdio("shell", "uvx", &["mcp-shell-server==1.0.3"])
            .build();
        let f = run(check, &file);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("execute commands as you"));
    }

    #[test]
    fn disabled_servers_do_not_combine() {
        let file = fetch_and_github(&["stdio"])
            .with(|e| e.disabled = true)
            .build();
        assert!(
            run(check, &file)
                .iter()
                .all(|f| f.server.as_deref() != Some("fetch"))
        );
    }

    #[test]
    fn claude_code_projects_combine_with_user_servers_but_not_each_other() {
        let file = Builder::new(ClientKind::ClaudeCode, "{}")
            .stdio("fetch", "uvx", &["mcp-server-fetch"])
            .with(|e| e.project = Some("/p/a".into()))
            .stdio(
                "slack",
                "npx",
                &["-y", "@modelcontextprotocol/server-slack"],
            )
            .with(|e| e.project = Some("/p/b".into()))
            .build();
        assert!(run(check, &file).is_empty());
        let file = Builder::new(ClientKind::ClaudeCode, "{}")
            .stdio("fetch", "uvx", &["mcp-server-fetch"])
            .with(|e| e.project = Some("/p/a".into()))
            .stdio(
                "slack",
                "npx",
                &["-y", "@modelcontextprotocol/server-slack"],
            )
            .build();
        let f = run(check, &file);
        assert!(
            f.iter()
                .any(|f| f.server.as_deref() == Some("fetch") && f.message.contains("/p/a")),
            "{f:?}"
        );
    }

    /// Pairs from real configs: a web or mail reader beside a credentialed writer or a command
    /// runner, each launched the way its README says.
    #[test]
    fn finds_reader_and_writer_pairs_from_the_table() {
        let pairs: &[(&str, &[&str], &str, &[&str])] = &[
            (
                "npx",
                &["-y", "@brave/brave-search-mcp-server"],
                "npx",
                &["-y", "@wonderwhy-er/desktop-commander@latest"],
            ),
            (
                "npx",
                &["-y", "firecrawl-mcp"],
                "npx",
                &["-y", "@stripe/mcp", "--tools=all"],
            ),
            (
                "npx",
                &["-y", "tavily-mcp@latest"],
                "npx",
                &["-y", "@notionhq/notion-mcp-server"],
            ),
            (
                "npx",
                &["-y", "@gongrzhe/server-gmail-autoauth-mcp"],
                "uvx",
                &["mcp-atlassian"],
            ),
            (
                "npx",
                &["-y", "chrome-devtools-mcp@latest"],
                "npx",
                &["-y", "mongodb-mcp-server"],
            ),
            ("uvx", &["duckduckgo-mcp-server"], "uvx", &["wcgw@latest"]),
        ];
        for (rc, ra, wc, wa) in pairs {
            let file = Builder::new(ClientKind::Cursor, "{}")
                .stdio("reader", rc, ra)
                .stdio("writer", wc, wa)
                .build();
            let f = run(check, &file);
            assert!(
                f.iter().any(
                    |f| f.server.as_deref() == Some("reader") && f.message.contains("`writer`")
                ),
                "{ra:?} + {wa:?}: {f:?}"
            );
        }
        // Two readers, or a reader beside a server that can only read, are no combination.
        let file = Builder::new(ClientKind::Cursor, "{}")
            .stdio("reader", "npx", &["-y", "@brave/brave-search-mcp-server"])
            .stdio("docs", "npx", &["-y", "@upstash/context7-mcp"])
            .stdio("time", "uvx", &["mcp-server-time"])
            .build();
        assert!(run(check, &file).is_empty());
        let file = Builder::new(ClientKind::Cursor, "{}")
            .stdio("reader", "npx", &["-y", "tavily-mcp@latest"])
            .stdio("mongo", "npx", &["-y", "mongodb-mcp-server", "--readOnly"])
            .build();
        assert!(run(check, &file).is_empty());
        // Goose's computercontroller both reads web pages and runs scripts: with another
        // credentialed writer it combines.
        let file = Builder::new(ClientKind::Goose, "{}")
            .with_builtin("computercontroller", "goose:computercontroller")
            .stdio("github", "github-mcp-server", &["stdio"])
            .build();
        assert!(!run(check, &file).is_empty());
    }
}
