//! `write-without-read-only`: a server with a read-only mode runs with writes enabled.

use mcpward_core::{Finding, RuleMeta, Severity};

use crate::context::FileContext;
use crate::knowledge::Capability;

pub static META: RuleMeta = RuleMeta {
    id: "write-without-read-only",
    default_severity: Severity::Medium,
    summary: "A write-capable server offers a read-only mode that is not enabled.",
    what: "A server from mcpward's table that can change data and has a documented read-only \
switch (GitHub `--read-only` / `GITHUB_READ_ONLY=1` / `/readonly` URL, Supabase `--read-only` / \
`read_only=true`, Postgres MCP Pro `--access-mode=restricted`, kubernetes-mcp-server `--read-only`, \
AWS API `READ_OPERATIONS_ONLY=true`...) where none of the switches is on. The fix names the exact \
flag or variable.",
    why: "Most agent sessions only need to read: look up an issue, query a table. With writes \
enabled, one misunderstood instruction or prompt injection can merge, delete or drop. Read-only \
mode removes the write tools entirely, which no approval prompt can be tricked past.",
    example_bad: r#"{ "mcpServers": { "supabase": { "command": "npx", "args": ["-y", "@supabase/mcp-server-supabase@0.5.5", "--project-ref=abcd"] } } }"#,
    example_fixed: r#"{ "mcpServers": { "supabase": { "command": "npx", "args": ["-y", "@supabase/mcp-server-supabase@0.5.5", "--read-only", "--project-ref=abcd"] } } }"#,
};

pub(crate) fn check(cx: &FileContext<'_>, out: &mut Vec<Finding>) {
    for server in cx.servers.iter().filter(|s| s.active()) {
        let Some(known) = server.known else { continue };
        if known.read_only.is_empty()
            || !server.has(Capability::Write)
            || server.read_only_enabled()
        {
            continue;
        }
        let options: Vec<String> = known.read_only.iter().map(|s| s.describe()).collect();
        out.push(
            cx.finding(
                &META,
                Some(server.entry),
                server.entry.span,
                format!(
                    "{} ({}) can write, and its read-only mode is off",
                    server.label(),
                    known.name
                ),
            )
            .fix(format!(
                "if this client only needs to read, enable read-only mode with {} (see {})",
                options.join(" or "),
                known.source
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::test_support::{Builder, run};
    use mcpward_config::ClientKind;

    #[test]
    fn reports_github_without_read_only_and_names_the_switch() {
        let file = Builder::new(ClientKind::Cursor, "{}")
            .stdio("github", "github-mcp-server", &["stdio"])
            .build();
        let f = run(check, &file);
        assert_eq!(f.len(), 1);
        let fix = f[0].fix.as_deref().unwrap();
        assert!(
            fix.contains("--read-only") && fix.contains("GITHUB_READ_ONLY=1"),
            "{fix}"
        );
    }

    #[test]
    fn accepts_each_read_only_form() {
        let flag = Builder::new(ClientKind::Cursor, "{}")
            .stdio("github", "github-mcp-server", &["stdio", "--read-only"])
            .build();
        assert!(run(check, &flag).is_empty());
        let env = Builder::new(ClientKind::Cursor, "{}")
            .stdio("github", "github-mcp-server", &["stdio"])
            .env("GITHUB_READ_ONLY", "1")
            .build();
        assert!(run(check, &env).is_empty());
        let docker = Builder::new(ClientKind::Cursor, "{}")
            .stdio(
                "github",
                "docker",
                &[
                    "run",
                    "-i",
                    "--rm",
                    "-e",
                    "GITHUB_READ_ONLY=1",
                    "ghcr.io/github/github-mcp-server",
                ],
            )
            .build();
        assert!(run(check, &docker).is_empty());
        let url = Builder::new(ClientKind::VsCode, "{}")
            .remote("github", "https://api.githubcopilot.com/mcp/readonly")
            .build();
        assert!(run(check, &url).is_empty());
        let supa = Builder::new(ClientKind::VsCode, "{}")
            .remote("supabase", "https://mcp.supabase.com/mcp?read_only=true")
            .build();
        assert!(run(check, &supa).is_empty());
    }

    #[test]
    fn ignores_servers_without_a_read_only_mode_and_disabled_ones() {
        let file = Builder::new(ClientKind::Cursor, "{}")
            .stdio("git", "uvx", &["mcp-server-git"])
            .stdio("github", "github-mcp-server", &["stdio"])
            .with(|e| e.disabled = true)
            .build();
        assert!(run(check, &file).is_empty());
    }

    #[test]
    fn reports_remote_supabase_without_read_only_query() {
        let file = Builder::new(ClientKind::VsCode, "{}")
            .remote("supabase", "https://mcp.supabase.com/mcp?project_ref=x")
            .build();
        assert!(
            run(check, &file)[0]
                .fix
                .as_deref()
                .unwrap()
                .contains("read_only=true")
        );
    }

    /// Launch lines from the servers' READMEs, without and with their read-only switch.
    #[test]
    fn reads_the_read_only_switch_of_each_vendor_server() {
        /// (command, args without the switch, env, args with the switch, env with it)
        type Case<'a> = (&'a str, &'a [&'a str], Env<'a>, &'a [&'a str], Env<'a>);
        type Env<'a> = &'a [(&'a str, &'a str)];
        let cases: &[Case<'_>] = &[
            (
                "npx",
                &["-y", "mongodb-mcp-server@latest"],
                &[],
                &["-y", "mongodb-mcp-server@latest", "--readOnly"],
                &[],
            ),
            (
                "npx",
                &["-y", "mongodb-mcp-server@latest"],
                &[],
                &["-y", "mongodb-mcp-server@latest"],
                &[("MDB_MCP_READ_ONLY", "true")],
            ),
            (
                "uvx",
                &["mcp-atlassian"],
                &[],
                &["mcp-atlassian", "--read-only"],
                &[],
            ),
            (
                "uvx",
                &["mcp-atlassian"],
                &[],
                &["mcp-atlassian"],
                &[("READ_ONLY_MODE", "true")],
            ),
            (
                "npx",
                &["-y", "@zereight/mcp-gitlab"],
                &[],
                &["-y", "@zereight/mcp-gitlab"],
                &[("GITLAB_READ_ONLY_MODE", "true")],
            ),
            ("mcp-grafana", &[], &[], &["--disable-write"], &[]),
            (
                "npx",
                &["-y", "@azure/mcp@latest", "server", "start"],
                &[],
                &["-y", "@azure/mcp@latest", "server", "start", "--read-only"],
                &[],
            ),
        ];
        for (cmd, bad, bad_env, good, good_env) in cases {
            let mut b = Builder::new(ClientKind::Cursor, "{}").stdio("s", cmd, bad);
            for (k, v) in *bad_env {
                b = b.env(k, v);
            }
            assert_eq!(run(check, &b.build()).len(), 1, "{cmd} {bad:?}");
            let mut b = Builder::new(ClientKind::Cursor, "{}").stdio("s", cmd, good);
            for (k, v) in *good_env {
                b = b.env(k, v);
            }
            assert!(
                run(check, &b.build()).is_empty(),
                "{cmd} {good:?} {good_env:?}"
            );
        }
        // Writes are off unless switched on: no finding either way (nothing to turn off).
        let f = Builder::new(ClientKind::Cursor, "{}")
            .stdio("eks", "uvx", &["awslabs.eks-mcp-server@latest"])
            .build();
        assert!(run(check, &f).is_empty());
    }
}
