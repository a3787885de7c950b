//! Pure checks over the definitions an MCP server lists: poisoning detectors that return
//! [`mcpward_core::Finding`]s, capability classes per tool, canonical definition hashes (pins) and
//! a drift classifier for two listings of the same server.
//!
//! Nothing here does I/O: callers (the CLI, the gateway) collect `tools/list`, `prompts/list`,
//! `resources/list`, `resources/templates/list` and the `initialize` instructions into a
//! [`Definitions`] and pass it in.
#![forbid(unsafe_code)]

mod capability;
mod definitions;
mod drift;
mod excerpt;
mod known_tools;
mod language;
mod pin;
pub mod rules;
mod text;

#[cfg(test)]
mod testing;

use mcpward_core::{Finding, RuleMeta, Severity};

pub use capability::{ToolCapabilities, classify_tools, tool_capabilities};
pub use definitions::{Definitions, DefinitionsError, ItemKind, item_key};
pub use drift::{
    ChangeKind, DefinitionChange, DriftClass, DriftReport, SchemaChange, SchemaChangeKind, WordDiff,
    diff_definitions,
};
pub use pin::{PinError, Pins, canonical_json, definition_hash, pin_definitions};
pub use rules::{INSPECT_DOCS, METAS, Server};
pub use text::{TextRole, TextSite, collect as collect_texts};

/// Documentation of every detector, in the order of docs/inspect-rules.md.
pub fn rules() -> &'static [&'static RuleMeta] {
    METAS
}

/// Run every detector over one server's definitions.
pub fn inspect(server: &str, defs: &Definitions) -> Vec<Finding> {
    inspect_with(server, defs, &[])
}

/// Run every detector over one server, knowing the other servers of the same client (for
/// shadowing of their tools and confusable or duplicate names).
pub fn inspect_with(server: &str, defs: &Definitions, others: &[Server<'_>]) -> Vec<Finding> {
    let cx = rules::Context::new(server, defs, others);
    let mut out = Vec::new();
    for rule in rules::REGISTRY {
        (rule.check)(&cx, &mut out);
    }
    out
}

/// Run every detector over all servers of one client; each server is checked against the others.
pub fn inspect_client(servers: &[Server<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, server) in servers.iter().enumerate() {
        let others: Vec<Server<'_>> = servers
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, s)| *s)
            .collect();
        out.extend(inspect_with(server.name, server.definitions, &others));
    }
    out
}

/// The server-level verdict: poisoned when any finding is medium or worse.
pub fn is_poisoned(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity >= Severity::Medium)
}
