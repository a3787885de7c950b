//! The client-independent model of a parsed configuration file.

use std::path::PathBuf;

use mcpward_core::Span;

/// Every MCP client mcpward knows. Each has one module in `clients/` holding its paths, schema
/// and secret-reference syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClientKind {
    ClaudeDesktop,
    ClaudeCode,
    VsCode,
    Cursor,
    Windsurf,
    GeminiCli,
    Codex,
    Zed,
    Continue,
    Cline,
    RooCode,
    Goose,
    LmStudio,
}

impl ClientKind {
    pub const ALL: [ClientKind; 13] = [
        ClientKind::ClaudeDesktop,
        ClientKind::ClaudeCode,
        ClientKind::VsCode,
        ClientKind::Cursor,
        ClientKind::Windsurf,
        ClientKind::GeminiCli,
        ClientKind::Codex,
        ClientKind::Zed,
        ClientKind::Continue,
        ClientKind::Cline,
        ClientKind::RooCode,
        ClientKind::Goose,
        ClientKind::LmStudio,
    ];

    /// Stable kebab-case id used in output and on the command line (`--client`).
    pub fn id(self) -> &'static str {
        match self {
            ClientKind::ClaudeDesktop => "claude-desktop",
            ClientKind::ClaudeCode => "claude-code",
            ClientKind::VsCode => "vscode",
            ClientKind::Cursor => "cursor",
            ClientKind::Windsurf => "windsurf",
            ClientKind::GeminiCli => "gemini-cli",
            ClientKind::Codex => "codex",
            ClientKind::Zed => "zed",
            ClientKind::Continue => "continue",
            ClientKind::Cline => "cline",
            ClientKind::RooCode => "roo-code",
            ClientKind::Goose => "goose",
            ClientKind::LmStudio => "lm-studio",
        }
    }

    /// Human name.
    pub fn name(self) -> &'static str {
        match self {
            ClientKind::ClaudeDesktop => "Claude Desktop",
            ClientKind::ClaudeCode => "Claude Code",
            ClientKind::VsCode => "VS Code",
            ClientKind::Cursor => "Cursor",
            ClientKind::Windsurf => "Windsurf",
            ClientKind::GeminiCli => "Gemini CLI",
            ClientKind::Codex => "Codex",
            ClientKind::Zed => "Zed",
            ClientKind::Continue => "Continue",
            ClientKind::Cline => "Cline",
            ClientKind::RooCode => "Roo Code",
            ClientKind::Goose => "Goose",
            ClientKind::LmStudio => "LM Studio",
        }
    }

    pub fn from_id(id: &str) -> Option<ClientKind> {
        ClientKind::ALL.into_iter().find(|c| c.id() == id)
    }
}

/// The syntax a file is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    /// JSON with comments and trailing commas (VS Code, Zed, Claude Code settings...).
    Jsonc,
    Toml,
    Yaml,
}

/// Whether a config applies to the user (home directory) or to one project (checked in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    User,
    Project,
}

/// A string value together with where it is in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// How the client reaches the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Stdio,
    /// Streamable HTTP.
    Http,
    Sse,
    /// The entry names neither a command nor a URL, or a type we do not know.
    Unknown,
}

/// Client switch that lets tools run without asking the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutoApprove {
    /// Named tools are approved automatically (Cline/Roo `alwaysAllow`, Cursor/Windsurf allow lists...).
    Tools(Vec<Spanned<String>>),
    /// Every tool of the server is approved automatically (Gemini `trust: true`, `"*"`...).
    All(Span),
}

/// One MCP server entry, normalised across clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerEntry {
    /// Name the client knows the server by (the key of the entry, or its `name` field).
    pub name: String,
    /// Span of the entry's name/key: where findings about the whole entry point.
    pub span: Span,
    pub transport: Transport,
    pub command: Option<Spanned<String>>,
    pub args: Vec<Spanned<String>>,
    /// Environment given to the server: (name, value).
    pub env: Vec<(Spanned<String>, Spanned<String>)>,
    pub url: Option<Spanned<String>>,
    /// HTTP headers: (name, value).
    pub headers: Vec<(Spanned<String>, Spanned<String>)>,
    /// Working directory, when the client supports one.
    pub cwd: Option<Spanned<String>>,
    pub disabled: bool,
    pub auto_approve: Option<AutoApprove>,
    /// Names of environment variables the client passes through from its own environment
    /// (Codex `env_vars`, Goose `env_keys`...); they are references, never literal secrets.
    pub env_passthrough: Vec<Spanned<String>>,
    /// Claude Code per-project entries: the project directory they belong to.
    pub project: Option<String>,
    /// Strings of the entry that none of the fields above holds (unknown keys, values of
    /// the wrong shape such as `env` written as a list), each with the nearest key above it.
    /// The client may ignore them, but a literal secret in them is on disk all the same.
    pub other_strings: Vec<(Spanned<String>, Spanned<String>)>,
    /// A client's built-in extension the entry turns on, as `client:name` (Goose
    /// `type: builtin`, `name: developer` → `goose:developer`): the client runs its own code.
    pub builtin: Option<Spanned<String>>,
    /// The entry sits under a key the client does not read (`mcp_servers` in Claude Desktop,
    /// `mcpServers` in VS Code's `mcp.json`, no wrapper object at all): the client never starts
    /// it. Holds that key (for entries without a wrapper, the entry's own name) and the key the
    /// client reads.
    pub not_loaded: Option<NotLoaded>,
    /// An approval switch written in the entry that this client ignores (`alwaysAllow` in a
    /// Claude Code `.mcp.json`): the key as written, at its position.
    pub ignored_approval: Option<Spanned<String>>,
    /// The Codex profiles (`[profiles.NAME]`) whose `approval_policy = "never"` is the source of
    /// [`auto_approve`](Self::auto_approve): the approval holds only when Codex runs with one of
    /// them. Empty when it holds whatever profile runs.
    pub approve_profiles: Vec<String>,
}

/// Where a server the client never loads sits, and where it should.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotLoaded {
    /// The key it sits under, as written; `None` when the entry has no wrapper object.
    pub key: Option<Spanned<String>>,
    /// The key the client reads servers from.
    pub expected: String,
    /// The file is one the client never reads servers from at all (a Claude Code
    /// `settings.json`): where they belong instead, for messages.
    pub belongs_in: Option<String>,
}

impl ServerEntry {
    /// An empty stdio entry; client parsers fill it in.
    pub fn new(name: impl Into<String>, span: Span) -> Self {
        ServerEntry {
            name: name.into(),
            span,
            transport: Transport::Unknown,
            command: None,
            args: Vec::new(),
            env: Vec::new(),
            url: None,
            headers: Vec::new(),
            cwd: None,
            disabled: false,
            auto_approve: None,
            env_passthrough: Vec::new(),
            project: None,
            other_strings: Vec::new(),
            builtin: None,
            not_loaded: None,
            ignored_approval: None,
            approve_profiles: Vec::new(),
        }
    }

    /// The launch command line, for display: `command arg1 arg2...` or the URL.
    pub fn launch(&self) -> String {
        if let Some(cmd) = &self.command {
            let mut s = cmd.value.clone();
            for a in &self.args {
                s.push(' ');
                s.push_str(&a.value);
            }
            s
        } else if let Some(url) = &self.url {
            url.value.clone()
        } else {
            String::new()
        }
    }
}

/// A client setting outside any server entry that lets servers start, or tools run, without the
/// person approving them; or that keeps servers from starting. Claude Code `permissions.allow`
/// and `enableAllProjectMcpServers`, VS Code `chat.tools.global.autoApprove`...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalSwitch {
    /// The setting as written (`permissions.allow`, `chat.tools.global.autoApprove`), at its key.
    pub key: Spanned<String>,
    /// Where findings point: the value, or the first list item that grants the approval.
    pub span: Span,
    pub effect: SwitchEffect,
    /// Claude Code `~/.claude.json` per-project settings: the project directory.
    pub project: Option<String>,
    /// Why the client does not act on this switch here, when it does not (a machine-scoped VS
    /// Code setting written in workspace settings). `None`: the client honours it.
    pub ignored: Option<String>,
}

/// What an [`ApprovalSwitch`] does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SwitchEffect {
    /// Every tool of every server runs without asking (VS Code `chat.tools.global.autoApprove`,
    /// Claude Code `permissions.defaultMode: "bypassPermissions"`).
    AllTools,
    /// Tools named without their server run without asking, whichever server offers them
    /// (VS Code's early list form of `chat.tools.autoApprove`).
    NamedTools(Vec<Spanned<String>>),
    /// Tools of one server run without asking (Claude Code `permissions.allow` entries
    /// `mcp__server__tool`, `mcp__server`, `mcp__server__*`).
    ServerTools {
        /// The server as tool names spell it (`mcp__github__…` → `github`).
        server: String,
        /// `All` for every tool of the server, else the tools named.
        approval: AutoApprove,
        /// Tools of the server the same file denies or keeps asking about.
        except: Vec<String>,
    },
    /// Every server of the project's `.mcp.json` starts without the person approving it,
    /// servers added later included (Claude Code `enableAllProjectMcpServers: true`).
    AllProjectServers,
    /// These servers of the project's `.mcp.json` start without the person approving them
    /// (Claude Code `enabledMcpjsonServers`).
    ProjectServers(Vec<Spanned<String>>),
    /// These servers of the project's `.mcp.json` never start (Claude Code
    /// `disabledMcpjsonServers`).
    RejectedProjectServers(Vec<Spanned<String>>),
}

/// A problem that stopped (part of) a file from being understood: a syntax error (no servers)
/// or an entry of the wrong shape (that entry skipped, the others kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseProblem {
    pub message: String,
    pub span: Span,
    /// The server entry concerned, when the problem is inside one.
    pub server: Option<String>,
}

/// One parsed configuration file.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub client: ClientKind,
    pub format: Format,
    pub scope: Scope,
    /// Full text of the file (printers draw code frames from it).
    pub source: String,
    pub servers: Vec<ServerEntry>,
    /// Client settings of the file that approve (or reject) servers and tools outside any
    /// server entry. A settings file may hold only these and no servers.
    pub switches: Vec<ApprovalSwitch>,
    pub problems: Vec<ParseProblem>,
}
