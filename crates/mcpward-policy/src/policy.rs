use std::path::{Path, PathBuf};

use crate::action::{Action, Mode, TaintMode};
use crate::error::PolicyError;
use crate::rule::Rule;
use crate::server::ServerTable;

/// A loaded, validated policy: defaults plus rules in file order, with every glob and regex
/// already compiled.
#[derive(Debug, Clone)]
pub struct Policy {
    pub defaults: Defaults,
    /// First match wins, in this order.
    pub rules: Vec<Rule>,
    /// `[secrets]`: variables resolved from secret references into the server's environment at
    /// launch, sorted by name.
    pub secrets: Vec<SecretBinding>,
    /// `[[server]]` tables, in file order, at most one per server name.
    pub servers: Vec<ServerTable>,
    origin: PathBuf,
    /// Last component of `origin`, used in labels (`rule #2 (policy.toml:14)`).
    file_name: String,
}

/// `[defaults]`: what applies when no rule matched, and gateway settings that belong with the
/// policy so one reviewed file says how a server is run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defaults {
    /// For calls no rule matches.
    pub mode: Mode,
    /// For tools not in the pinned lockfile.
    pub unknown_tools: Action,
    pub taint: TaintMode,
    /// Mask secrets in tool results before they reach the client.
    pub redact_responses: bool,
    /// Remove tools a rule always denies from `tools/list`, so the model does not try them.
    pub hide_denied_tools: bool,
    /// How long an `ask` waits for a person before it becomes a denial.
    pub approval_timeout_secs: u64,
    /// Larger JSON-RPC frames are rejected rather than buffered.
    pub max_frame_bytes: usize,
    /// Servers whose annotations (`readOnlyHint`...) are believed; exact names.
    pub trusted_servers: Vec<String>,
    /// Show a desktop notification when a call waits in the approval queue.
    pub desktop_notify: bool,
}

/// One `[secrets]` entry: `NAME = "REF"`. The reference is a locator (`keyring:…`, `op://…`,
/// `vault:…#field`, `env:…`, `file:…`), never a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretBinding {
    pub name: String,
    pub reference: String,
}

/// `defaults.approval_timeout_secs` when the file does not say.
pub(crate) const DEFAULT_APPROVAL_TIMEOUT_SECS: u64 = 120;
/// `defaults.max_frame_bytes` when the file does not say: 16 MiB.
pub(crate) const DEFAULT_MAX_FRAME_BYTES: usize = 16 * 1024 * 1024;

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            mode: Mode::ReadOnly,
            unknown_tools: Action::Deny,
            taint: TaintMode::Ask,
            redact_responses: true,
            hide_denied_tools: true,
            approval_timeout_secs: DEFAULT_APPROVAL_TIMEOUT_SECS,
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            trusted_servers: Vec::new(),
            desktop_notify: true,
        }
    }
}

impl Defaults {
    /// Whether annotations from `server` count as proof (`defaults.trusted_servers`).
    pub fn trusts(&self, server: &str) -> bool {
        self.trusted_servers.iter().any(|s| s == server)
    }
}

impl Policy {
    /// Parse and validate a policy. `origin` is only used in error messages and labels.
    /// Unknown fields, wrong types, bad globs and regexes are errors with file:line:col and a hint.
    pub fn parse(text: &str, origin: &Path) -> Result<Policy, PolicyError> {
        let parsed = crate::parse::parse(text, origin)?;
        let mut policy = Policy::from_parts(parsed.defaults, parsed.rules, origin);
        policy.secrets = parsed.secrets;
        policy.servers = parsed.servers;
        Ok(policy)
    }

    /// Read and parse the policy file at `path`.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Policy::parse(&text, path)
    }

    /// The policy `mcpward run` uses without `--policy`: no rules, `mode = "read-only"`, every
    /// other default as documented.
    pub fn read_only() -> Policy {
        Policy::from_parts(
            Defaults::default(),
            Vec::new(),
            Path::new("<built-in read-only policy>"),
        )
    }

    /// Whether annotations from `server` count as proof; same as [`Defaults::trusts`].
    pub fn trusts(&self, server: &str) -> bool {
        self.defaults.trusts(server)
    }

    /// The `[[server]]` table of the server named `server`, if the policy has one.
    pub fn server_table(&self, server: &str) -> Option<&ServerTable> {
        self.servers.iter().find(|t| t.name == server)
    }

    /// The path the policy was parsed from (as given to [`Policy::parse`]/[`Policy::load`]).
    pub fn origin(&self) -> &Path {
        &self.origin
    }

    pub(crate) fn file_name(&self) -> &str {
        &self.file_name
    }

    fn from_parts(defaults: Defaults, rules: Vec<Rule>, origin: &Path) -> Policy {
        let file_name = origin
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| origin.display().to_string());
        Policy {
            defaults,
            rules,
            secrets: Vec::new(),
            servers: Vec::new(),
            origin: origin.to_path_buf(),
            file_name,
        }
    }
}
