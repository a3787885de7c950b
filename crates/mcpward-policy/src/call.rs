use std::fmt;
use std::path::PathBuf;

/// One `tools/call` as the policy sees it: who, what, with which arguments, and what the caller
/// knows about the tool and the session.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// The server's name as the user configured it (`mcpward run --name`).
    pub server: &'a str,
    pub tool: &'a str,
    /// The `arguments` object of the request (any JSON; a non-object simply has no arguments).
    pub arguments: &'a serde_json::Value,
    pub facts: &'a ToolFacts,
}

/// Facts about the tool and the session that the caller (gateway, hook) established; the policy
/// does no I/O to find them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ToolFacts {
    pub kind: ToolKind,
    pub read_only: ReadOnlyProof,
    /// A tool earlier in this session returned untrusted content.
    pub session_tainted: bool,
    /// The server's roots: relative path arguments are resolved against the first one.
    pub roots: Vec<PathBuf>,
    /// The tool's `inputSchema` from `tools/list`, when the caller has seen it. An argument whose
    /// value lacks the type the schema declares is also read as the server would convert it
    /// (`"true"` for a boolean is `true`), and never lets an `allow` rule match.
    /// Shared with the caller's record of the tool: judging a call copies no schema.
    pub input_schema: Option<std::sync::Arc<serde_json::Value>>,
}

/// What a tool does, as far as we can tell (see [`crate::knowledge::classify`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ToolKind {
    Read,
    Write,
    /// Irreversible: delete, force-push, send, pay.
    Destructive,
    /// Runs commands or code.
    Exec,
    /// Reaches other hosts (and can carry data there).
    Network,
    #[default]
    Unknown,
}

impl ToolKind {
    /// Kinds whose calls have effects outside the session; these are the calls taint guards.
    pub fn has_side_effects(self) -> bool {
        matches!(
            self,
            ToolKind::Write | ToolKind::Destructive | ToolKind::Exec | ToolKind::Network
        )
    }
}

impl fmt::Display for ToolKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ToolKind::Read => "read",
            ToolKind::Write => "write",
            ToolKind::Destructive => "destructive",
            ToolKind::Exec => "exec",
            ToolKind::Network => "network",
            ToolKind::Unknown => "unknown",
        })
    }
}

/// Why we believe a tool only reads. `defaults.mode = "read-only"` allows a call on its own only
/// with real proof; an annotation from a server we do not trust is a claim, not proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReadOnlyProof {
    /// In the curated list of well-known servers; the string names the source.
    Curated(&'static str),
    /// `readOnlyHint: true` from a server listed in `defaults.trusted_servers`.
    TrustedAnnotation,
    /// Pinned in the lockfile and approved as read-only.
    Pinned,
    /// `readOnlyHint: true` from a server we do not trust: not proof.
    HintOnly,
    #[default]
    None,
}

impl ReadOnlyProof {
    /// Whether this is enough for `read-only` mode to allow the call without asking.
    pub fn is_proof(self) -> bool {
        matches!(
            self,
            ReadOnlyProof::Curated(_) | ReadOnlyProof::TrustedAnnotation | ReadOnlyProof::Pinned
        )
    }
}

impl fmt::Display for ReadOnlyProof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadOnlyProof::Curated(source) => write!(f, "curated read-only ({source})"),
            ReadOnlyProof::TrustedAnnotation => f.write_str("readOnlyHint from a trusted server"),
            ReadOnlyProof::Pinned => f.write_str("pinned as read-only"),
            ReadOnlyProof::HintOnly => f.write_str("readOnlyHint from an untrusted server"),
            ReadOnlyProof::None => f.write_str("no read-only proof"),
        }
    }
}
