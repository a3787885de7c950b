//! Which running processes are MCP servers, and which config entry each one is.
//!
//! [`snapshot`] reads the process table (procfs on Linux; a process that exits while it is read
//! is left out, never an error). [`classify`] is a pure function from that table and the
//! discovered configs to [`McpProcess`]es: each process's command line goes through the same
//! launcher understanding `audit` uses ([`mcpward_config::launch::Launch`]: npx, uvx, docker,
//! shell and `mcpward run` wrappers) and is matched against the launch lines of config entries;
//! its parent chain is walked up to a known client; `mcpward run` (and `--sandbox`) ancestors are
//! noted. MCP-like processes that match no entry are [`McpProcess::unknown`].
#![forbid(unsafe_code)]

mod classify;
mod clients;
mod procfs;

pub use classify::{Ancestor, EntryRef, McpProcess, classify};
pub use clients::client_of;
pub use procfs::{Process, SnapshotError, snapshot};

/// What changed between two scans, for `--watch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Started(McpProcess),
    Ended(McpProcess),
}

/// Processes in `now` that were not in `before` (by pid and start time, so a reused pid is a new
/// process), then processes of `before` gone from `now`.
pub fn diff(before: &[McpProcess], now: &[McpProcess]) -> Vec<Change> {
    let key = |p: &McpProcess| (p.pid, p.start_time);
    let old: std::collections::HashSet<_> = before.iter().map(key).collect();
    let new: std::collections::HashSet<_> = now.iter().map(key).collect();
    let mut out: Vec<Change> = now
        .iter()
        .filter(|p| !old.contains(&key(p)))
        .cloned()
        .map(Change::Started)
        .collect();
    out.extend(
        before
            .iter()
            .filter(|p| !new.contains(&key(p)))
            .cloned()
            .map(Change::Ended),
    );
    out
}
