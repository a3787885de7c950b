//! `mcpward wrap` / `unwrap`: rewrite a client's config so every stdio server starts through
//! `mcpward run --name <server> -- <command> <args…>`, and back.

use mcpward_config::ClientKind;

/// One server entry the plan changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub server: String,
    /// Launch line before (`command arg…`).
    pub before: String,
    /// Launch line after.
    pub after: String,
}

/// A server entry left alone, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub server: String,
    pub reason: String,
}

/// The rewritten text and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrapPlan {
    pub new_text: String,
    pub changes: Vec<Change>,
    pub skipped: Vec<Skipped>,
}

/// Why a config cannot be rewritten.
#[derive(Debug, thiserror::Error)]
pub enum WrapError {
    #[error("{client} configs cannot be wrapped yet; wrap its servers by hand")]
    UnsupportedClient { client: &'static str },
}

/// Plans wrapping every stdio server of `source` (a `client` config) with `mcpward_bin run`.
pub fn plan_wrap(
    source: &str,
    client: ClientKind,
    mcpward_bin: &str,
) -> Result<WrapPlan, WrapError> {
    let _ = (source, mcpward_bin);
    Err(WrapError::UnsupportedClient {
        client: client.name(),
    })
}

/// Plans undoing [`plan_wrap`].
pub fn plan_unwrap(source: &str, client: ClientKind) -> Result<WrapPlan, WrapError> {
    let _ = source;
    Err(WrapError::UnsupportedClient {
        client: client.name(),
    })
}
