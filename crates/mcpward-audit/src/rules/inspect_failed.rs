//! `inspect-failed`: `audit --deep` could not start a server and list what it shows a model.
//!
//! The findings come from starting servers, not from reading a file: the per-file check is
//! empty and [`finding`] builds one per server that could not be inspected.

use mcpward_config::{ConfigFile, ServerEntry};
use mcpward_core::{Finding, RuleMeta, Severity};

use crate::context::FileContext;

pub static META: RuleMeta = RuleMeta {
    id: "inspect-failed",
    default_severity: Severity::Medium,
    summary: "`audit --deep` could not start a configured server and list its tools.",
    what: "With `--deep`, mcpward starts every active stdio server of the audited configs the way \
its client would and lists its tools, prompts and resources. This rule reports each server for \
which that failed, with the reason: the command is missing, an environment variable the entry \
refers to is not set, the server exited or never answered within the timeout, or it answered \
with something other than MCP. Its stderr (secrets masked) is part of the message.",
    why: "The deep audit judges servers by what they really list; a server that could not be \
inspected was judged by its name and package only, and its definitions were not checked for \
poisoning. A server that behaves differently under inspection (hangs, exits) deserves a look \
of its own.",
    example_bad: "$ mcpward audit --deep\nmedium[inspect-failed]: `github` could not be inspected: `${GITHUB_TOKEN}` refers to the environment variable GITHUB_TOKEN, which is not set",
    example_fixed: "$ GITHUB_TOKEN=… mcpward audit --deep   # or: mcpward inspect github, to see the whole error",
};

pub(crate) fn check(_cx: &FileContext<'_>, _out: &mut Vec<Finding>) {}

/// A finding for one server of `file` that could not be inspected; `reason` must already be
/// masked.
pub fn finding(file: &ConfigFile, entry: &ServerEntry, reason: &str) -> Finding {
    Finding::new(
        &META,
        format!("`{}` could not be inspected: {reason}", entry.name),
        file.path.clone(),
    )
    .client(file.client.id())
    .server(entry.name.clone())
    .span(entry.span)
    .fix(format!(
        "run `mcpward inspect {}` to see the whole error; fix the entry or its environment, or remove the server",
        entry.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::test_support::Builder;
    use mcpward_config::ClientKind;

    #[test]
    fn names_the_server_the_reason_and_the_entry() {
        let file = Builder::new(ClientKind::ClaudeCode, r#"{"mcpServers": {"gh": {}}}"#)
            .stdio("gh", "github-mcp-server", &["stdio"])
            .build();
        let f = finding(&file, &file.servers[0], "GITHUB_TOKEN is not set");
        assert_eq!(f.rule, "inspect-failed");
        assert_eq!(f.severity, Severity::Medium);
        assert_eq!(f.server.as_deref(), Some("gh"));
        assert!(
            f.message.contains("GITHUB_TOKEN is not set"),
            "{}",
            f.message
        );
        assert_eq!(f.span.map(|s| s.line), Some(1));
    }
}
