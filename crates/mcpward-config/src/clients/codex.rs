//! Codex (CLI, IDE extension and app share one file): `$CODEX_HOME/config.toml`, by default
//! `~/.codex/config.toml`, and `.codex/config.toml` in trusted projects. Servers are
//! `[mcp_servers.NAME]` tables:
//!
//! - stdio: `command`, `args`, `env` (table), `env_vars` (names passed through), `cwd`;
//! - Streamable HTTP: `url`, `bearer_token_env_var`, `http_headers` (literal values),
//!   `env_http_headers` (header name → environment variable name);
//! - `enabled = false` turns a server off.
//!
//! Approvals: `approval_policy = "never"` (top level, or in the profile `profile = "NAME"`
//! selects) runs every tool call without asking; in another `[profiles.NAME]` it does so when
//! Codex runs with `--profile NAME` ([`ServerEntry::approve_profiles`]). A server's
//! `default_tools_approval_mode = "approve"` runs all its tools without asking, a tool's
//! `approval_mode = "approve"` that tool.
//!
//! Secret references: no string syntax; variable *names* in `env_vars`,
//! `bearer_token_env_var` and `env_http_headers` are reported as
//! [`ServerEntry::env_passthrough`](crate::ServerEntry::env_passthrough). An inline
//! `bearer_token` (which Codex rejects) is read as an `Authorization` header so its value is
//! still checked.

use super::mcp_servers::{
    collect_other_strings, is_disabled, require_command_or_url, require_object_root, string,
    string_list, string_map, type_problem,
};
use super::{ClientSpec, FileFacts, Sink};
use crate::discovery::{Candidate, PathContext};
use mcpward_core::Span;

use crate::model::{AutoApprove, ClientKind, Scope, ServerEntry, Spanned, Transport};
use crate::syntax::Node;

pub(crate) const SPEC: ClientSpec = ClientSpec {
    kind: ClientKind::Codex,
    jsonc: false,
    candidates,
    detect,
    extract,
    references: &[],
};

fn candidates(cx: &PathContext<'_>) -> Vec<Candidate> {
    let home = cx
        .env_dir("CODEX_HOME")
        .unwrap_or_else(|| cx.home.join(".codex"));
    vec![
        cx.user(home.join("config.toml"), SPEC.kind),
        cx.project(cx.project.join(".codex").join("config.toml"), SPEC.kind),
    ]
}

fn detect(f: &FileFacts<'_>) -> Option<Scope> {
    if !f.file_name.ends_with(".toml") || !f.source.contains("mcp_servers") {
        return None;
    }
    Some(if f.parent_is(".codex") {
        f.dot_dir_scope()
    } else {
        Scope::User
    })
}

fn extract(root: &Node, sink: &mut Sink) {
    if !require_object_root(root, sink) {
        return;
    }
    let Some((key, servers)) = root.get_entry("mcp_servers") else {
        return;
    };
    if !servers.is_object() {
        sink.problem(
            format!(
                "`{}` is {}, expected a table of servers; its servers are not read",
                key.value,
                servers.kind()
            ),
            servers.span,
            None,
        );
        return;
    }
    let policy = ApprovalPolicy::read(root);
    for (name, entry) in servers.members() {
        if let Some(mut server) = read_server(name, entry, sink) {
            if server.auto_approve.is_none() {
                server.auto_approve.clone_from(&policy.never);
            }
            if server.auto_approve.is_none()
                && let Some(span) = policy.never_in_profiles.first().map(|(_, span)| *span)
            {
                server.auto_approve = Some(AutoApprove::All(span));
                server.approve_profiles = policy
                    .never_in_profiles
                    .iter()
                    .map(|(p, _)| p.clone())
                    .collect();
            }
            if server.auto_approve.is_none() {
                server.auto_approve = approved_tools(entry);
            }
            sink.servers.push(server);
        }
    }
}

/// Where `approval_policy = "never"` (Codex runs every tool call without asking) is in force.
/// A profile's value replaces the top-level one while that profile runs; `profile = "NAME"`
/// makes a profile the one that runs when no `--profile` is given.
struct ApprovalPolicy {
    /// In force when Codex runs without `--profile` (at this value).
    never: Option<AutoApprove>,
    /// In force only with `--profile NAME`: each such profile and its value.
    never_in_profiles: Vec<(String, Span)>,
}

impl ApprovalPolicy {
    fn read(root: &Node) -> ApprovalPolicy {
        let default_profile = root.get("profile").and_then(Node::as_str);
        let profiles = root.get("profiles").map(Node::members).unwrap_or_default();
        fn policy_of(table: &Node) -> Option<&Node> {
            table.get("approval_policy")
        }
        let effective = default_profile
            .and_then(|name| profiles.iter().find(|(k, _)| k.value == name))
            .and_then(|(_, table)| policy_of(table))
            .or_else(|| policy_of(root));
        let never = effective
            .filter(|p| p.as_str() == Some("never"))
            .map(|p| AutoApprove::All(p.span));
        let never_in_profiles = if never.is_some() {
            Vec::new()
        } else {
            profiles
                .iter()
                .filter(|(name, _)| Some(name.value.as_str()) != default_profile)
                .filter_map(|(name, table)| {
                    let policy = policy_of(table)?;
                    (policy.as_str() == Some("never")).then(|| (name.value.clone(), policy.span))
                })
                .collect()
        };
        ApprovalPolicy {
            never,
            never_in_profiles,
        }
    }
}

/// A server's own approval modes: `default_tools_approval_mode = "approve"` runs every tool of
/// the server without asking; `[mcp_servers.NAME.tools.TOOL] approval_mode = "approve"` runs
/// that tool without asking.
fn approved_tools(entry: &Node) -> Option<AutoApprove> {
    if let Some(mode) = entry.get("default_tools_approval_mode")
        && mode.as_str() == Some("approve")
    {
        return Some(AutoApprove::All(mode.span));
    }
    let tools: Vec<Spanned<String>> = entry
        .get("tools")
        .map(Node::members)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(tool, config)| {
            let mode = config.get("approval_mode")?;
            (mode.as_str() == Some("approve")).then(|| Spanned::new(tool.value.clone(), mode.span))
        })
        .collect();
    (!tools.is_empty()).then_some(AutoApprove::Tools(tools))
}

fn read_server(name: &Spanned<String>, entry: &Node, sink: &mut Sink) -> Option<ServerEntry> {
    let server = name.value.as_str();
    if !entry.is_object() {
        sink.problem(
            format!("`mcp_servers.{server}` is {}, expected a table with `command` or `url`; the entry is skipped", entry.kind()),
            entry.span,
            Some(server),
        );
        return None;
    }
    let mut out = ServerEntry::new(server, name.span);
    out.command = string(entry, "command", server, sink);
    out.args = string_list(entry, "args", server, sink);
    out.env = string_map(entry, "env", server, sink);
    out.cwd = string(entry, "cwd", server, sink);
    out.url = string(entry, "url", server, sink);
    out.headers = string_map(entry, "http_headers", server, sink);
    out.env_passthrough = string_list(entry, "env_vars", server, sink);
    out.env_passthrough
        .extend(string(entry, "bearer_token_env_var", server, sink));
    out.env_passthrough.extend(
        string_map(entry, "env_http_headers", server, sink)
            .into_iter()
            .map(|(_, var)| var),
    );
    if let Some((key, token)) = entry.get_entry("bearer_token") {
        match token.spanned_str() {
            Some(value) => {
                sink.problem(
                    format!("server `{server}` has an inline `bearer_token`, which Codex rejects; put the token in an environment variable and name it in `bearer_token_env_var`"),
                    key.span,
                    Some(server),
                );
                out.headers
                    .push((Spanned::new("Authorization".into(), key.span), value));
            }
            None => type_problem(sink, "bearer_token", token, "a string", server),
        }
    }
    out.disabled = is_disabled(entry, server, sink);
    require_command_or_url(&out, entry, sink);
    out.transport = match (&out.command, &out.url) {
        (Some(_), _) => Transport::Stdio,
        (None, Some(_)) => Transport::Http,
        (None, None) => Transport::Unknown,
    };
    collect_other_strings(entry, &mut out);
    Some(out)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::model::{AutoApprove, ClientKind, Format, Scope, Transport};
    use crate::parse_file;

    #[test]
    fn reads_tables_env_passthrough_and_headers_with_spans() {
        let src = r#"model = "o3"

[mcp_servers.docs]
command = "npx"
args = ["-y", "mcp-server-docs"]
env_vars = ["DOCS_TOKEN"]

[mcp_servers.docs.env]
LOG_LEVEL = "debug"

[mcp_servers.remote]
url = "https://mcp.example.test/mcp"
bearer_token_env_var = "REMOTE_TOKEN"
http_headers = { "X-Team" = "infra" }
env_http_headers = { "X-Api-Key" = "REMOTE_API_KEY" }
enabled = false
"#;
        let f = parse_file(
            Path::new("config.toml"),
            src.into(),
            ClientKind::Codex,
            Scope::User,
        );
        assert_eq!(f.format, Format::Toml);
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(f.servers.len(), 2);
        let docs = &f.servers[0];
        assert_eq!(docs.name, "docs");
        assert_eq!((docs.span.line, docs.span.col), (3, 14));
        assert_eq!(docs.transport, Transport::Stdio);
        let cmd = docs.command.as_ref().unwrap();
        assert_eq!((cmd.span.line, cmd.span.col), (4, 12));
        assert_eq!(&src[cmd.span.range()], "npx");
        assert_eq!(docs.env[0].1.value, "debug");
        assert_eq!(docs.env_passthrough[0].value, "DOCS_TOKEN");
        let remote = &f.servers[1];
        assert_eq!(remote.transport, Transport::Http);
        assert!(remote.disabled);
        let names: Vec<_> = remote
            .env_passthrough
            .iter()
            .map(|s| s.value.as_str())
            .collect();
        assert_eq!(names, ["REMOTE_TOKEN", "REMOTE_API_KEY"]);
        assert_eq!(remote.headers[0].1.value, "infra");
    }

    #[test]
    fn inline_bearer_token_is_reported_and_kept_as_a_header() {
        let token = format!("sk-{}", "FAKEfakeFAKEfake0123456789");
        let src =
            format!("[mcp_servers.r]\nurl = \"https://x.test\"\nbearer_token = \"{token}\"\n");
        let f = parse_file(
            Path::new("config.toml"),
            src.clone(),
            ClientKind::Codex,
            Scope::User,
        );
        assert_eq!(f.problems.len(), 1);
        assert_eq!(f.problems[0].span.line, 3);
        assert_eq!(f.servers[0].headers[0].1.value, token);
        assert_eq!(&src[f.servers[0].headers[0].1.span.range()], token);
    }

    #[test]
    fn syntax_error_points_at_the_line() {
        let src = "[mcp_servers.a]\ncommand = \"npx\nargs = []\n";
        let f = parse_file(
            Path::new("config.toml"),
            src.into(),
            ClientKind::Codex,
            Scope::User,
        );
        assert!(f.servers.is_empty());
        assert_eq!(f.problems.len(), 1);
        assert_eq!(f.problems[0].span.line, 2, "{:?}", f.problems[0]);
    }

    #[test]
    fn approval_policy_never_approves_every_tool_of_every_server() {
        let src = "approval_policy = \"never\"\n[mcp_servers.shell]\ncommand = \"uvx\"\nargs = [\"mcp-shell-server\"]\n";
        let f = crate::parse_file(
            std::path::Path::new("config.toml"),
            src.into(),
            ClientKind::Codex,
            Scope::User,
        );
        assert!(
            matches!(f.servers[0].auto_approve, Some(AutoApprove::All(_))),
            "{:?}",
            f.servers[0]
        );
        let src = "approval_policy = \"on-request\"\n[mcp_servers.shell]\ncommand = \"uvx\"\n";
        let f = crate::parse_file(
            std::path::Path::new("config.toml"),
            src.into(),
            ClientKind::Codex,
            Scope::User,
        );
        assert_eq!(f.servers[0].auto_approve, None);
    }

    fn codex(src: &str) -> crate::ConfigFile {
        crate::parse_file(
            std::path::Path::new("/home/alice-example/.codex/config.toml"),
            src.into(),
            ClientKind::Codex,
            Scope::User,
        )
    }

    #[test]
    fn a_profile_with_approval_policy_never_approves_when_that_profile_runs() {
        let src = r#"model = "gpt-5-codex"
approval_policy = "on-request"

[profiles.review]
approval_policy = "untrusted"
sandbox_mode = "read-only"

[profiles.yolo]
approval_policy = "never"
sandbox_mode = "danger-full-access"

[mcp_servers.github]
command = "github-mcp-server"
args = ["stdio"]
"#;
        let f = codex(src);
        let github = &f.servers[0];
        let Some(AutoApprove::All(span)) = github.auto_approve else {
            panic!("{github:?}");
        };
        assert_eq!(span.line, 9);
        assert_eq!(github.approve_profiles, ["yolo"]);
    }

    #[test]
    fn the_default_profile_decides_what_runs_without_a_flag() {
        // `profile = "yolo"`: its `never` is in force without `--profile`.
        let f = codex(
            "profile = \"yolo\"\n[profiles.yolo]\napproval_policy = \"never\"\n[mcp_servers.shell]\ncommand = \"uvx\"\n",
        );
        assert!(matches!(
            f.servers[0].auto_approve,
            Some(AutoApprove::All(_))
        ));
        assert!(f.servers[0].approve_profiles.is_empty());
        // A default profile that asks overrides a top-level `never`.
        let f = codex(
            "approval_policy = \"never\"\nprofile = \"safe\"\n[profiles.safe]\napproval_policy = \"on-request\"\n[mcp_servers.shell]\ncommand = \"uvx\"\n",
        );
        assert_eq!(f.servers[0].auto_approve, None, "{:?}", f.servers[0]);
        // Profiles that ask approve nothing.
        let f = codex(
            "[profiles.ci]\napproval_policy = \"on-failure\"\n[mcp_servers.shell]\ncommand = \"uvx\"\n",
        );
        assert_eq!(f.servers[0].auto_approve, None);
    }

    #[test]
    fn a_servers_own_approval_modes_approve_its_tools() {
        let src = r#"[mcp_servers.linear]
url = "https://mcp.linear.app/mcp"
default_tools_approval_mode = "approve"

[mcp_servers.github]
command = "github-mcp-server"
args = ["stdio"]
default_tools_approval_mode = "prompt"

[mcp_servers.github.tools.get_issue]
approval_mode = "approve"

[mcp_servers.github.tools.merge_pull_request]
approval_mode = "prompt"
"#;
        let f = codex(src);
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert!(matches!(f.servers[0].auto_approve, Some(AutoApprove::All(s)) if s.line == 3));
        let Some(AutoApprove::Tools(tools)) = &f.servers[1].auto_approve else {
            panic!("{:?}", f.servers[1]);
        };
        assert_eq!(tools.len(), 1);
        assert_eq!(
            (tools[0].value.as_str(), tools[0].span.line),
            ("get_issue", 11)
        );
    }
}
