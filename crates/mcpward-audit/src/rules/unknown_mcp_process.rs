//! `unknown-mcp-process`: an MCP server is running that no discovered config entry starts.
//!
//! The findings come from the process table (`mcpward ps`), not from a config file: the
//! per-file check is empty and [`finding`] builds one finding per process. `mcpward audit`
//! adds them in machine mode (`--format json|sarif`) when it discovers configs itself.

use mcpward_core::{Finding, RuleMeta, Severity};

use crate::context::FileContext;

pub static META: RuleMeta = RuleMeta {
    id: "unknown-mcp-process",
    default_severity: Severity::High,
    summary: "An MCP-like process is running that no discovered config entry starts.",
    what: "A running process whose package, script or program name marks it as an MCP server \
(`mcp` as a word, `@modelcontextprotocol/…`, `fastmcp`), or a server under `mcpward run`, whose \
launch line matches no entry of any discovered client config, after the same launcher \
understanding as the other rules (npx, uvx, docker, shell wrappers). Reported by `mcpward audit \
--format json|sarif` without explicit paths, and by `mcpward ps` (exit 1).",
    why: "Every server an agent can reach should be one you added and can review. A server nobody \
configured was started by something else: a leftover from an uninstalled client, a config outside \
the places mcpward knows, or code that wants to look like a server.",
    example_bad: "$ mcpward ps\n! 4242 alice [UNKNOWN: no config entry starts it] (not gated) /opt/x/mcp-server-x",
    example_fixed: "# stop the process, then add the server to a client config you review (or remove it):\n$ kill 4242",
};

pub(crate) fn check(_cx: &FileContext<'_>, _out: &mut Vec<Finding>) {}

/// A finding for one unknown process. `command` must already be masked; `parents` is the
/// parent chain as shown to a person (`bash(12) ← cursor(10)`).
pub fn finding(
    pid: u32,
    user: &str,
    command: &str,
    parents: &str,
    client: Option<&str>,
) -> Finding {
    let by = client
        .map(|c| format!(", started under {c}"))
        .unwrap_or_default();
    let mut f = Finding::new(
        &META,
        format!("process {pid} (user {user}{by}) looks like an MCP server but no config entry starts it: {command}"),
        format!("/proc/{pid}"),
    )
    .fix(format!(
        "find out what started it ({}); stop it with `kill {pid}` unless you expect it, and add servers you want to a client config",
        if parents.is_empty() { "no parent known" } else { parents }
    ));
    if let Some(c) = client {
        f = f.client(c);
    }
    f
}
