//! What we know about tools without asking the server: a curated list of read-only tools of
//! well-known servers, and name/annotation heuristics for everything else.
//!
//! Heuristics only ever make things stricter: a tool they call `Read` still needs real proof
//! ([`crate::ReadOnlyProof`]) before `read-only` mode allows it.

mod classify;
mod curated;

pub use classify::{
    Capabilities, Capability, capabilities, claimed_capabilities, classify, reads_untrusted,
};
pub use curated::curated_read_only;

use crate::call::ReadOnlyProof;

/// The best read-only proof available for a tool.
///
/// `package` is the server's launch identity as (ecosystem, package name), taken from evidence
/// of the code that runs, never from a name a user, model or server chose (`None` when it is not
/// known); `trusted` is whether the server is in `defaults.trusted_servers`; `pinned_read_only`
/// whether the lockfile pins the tool as approved read-only.
pub fn read_only_proof(
    package: Option<(&str, &str)>,
    tool: &str,
    annotations: Option<&serde_json::Value>,
    trusted: bool,
    pinned_read_only: bool,
) -> ReadOnlyProof {
    if let Some(source) = package.and_then(|(eco, name)| curated_read_only(eco, name, tool)) {
        return ReadOnlyProof::Curated(source);
    }
    if pinned_read_only {
        return ReadOnlyProof::Pinned;
    }
    let hint = annotations
        .and_then(|a| a.get("readOnlyHint"))
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    match (hint, trusted) {
        (true, true) => ReadOnlyProof::TrustedAnnotation,
        (true, false) => ReadOnlyProof::HintOnly,
        (false, _) => ReadOnlyProof::None,
    }
}
