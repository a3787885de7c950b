//! One module per MCP client: where its files live, how its schema maps onto [`ServerEntry`],
//! and which secret-reference syntax it expands. Adding a client is one module plus one line
//! in [`REGISTRY`].

mod claude_code;
mod claude_desktop;
mod cline;
mod codex;
mod continue_dev;
mod cursor;
mod gemini;
mod goose;
mod lm_studio;
pub(crate) mod mcp_servers;
mod vscode;
mod windsurf;
mod zed;

use std::path::Path;

use crate::discovery::{Candidate, PathContext};
use crate::model::{ApprovalSwitch, ClientKind, ParseProblem, Scope, ServerEntry};
use crate::syntax::Node;

pub(crate) use continue_dev::block_dirs as continue_block_dirs;

/// How Claude Code spells a server's name inside its tool names and permission rules
/// (`mcp__<this>__<tool>`): characters other than ASCII letters, digits, `_` and `-` become `_`.
pub fn claude_code_tool_prefix(server_name: &str) -> String {
    claude_code::tool_prefix(server_name)
}

/// Everything mcpward knows about one client.
pub(crate) struct ClientSpec {
    pub kind: ClientKind,
    /// Its `.json` files accept comments and trailing commas.
    pub jsonc: bool,
    /// Where its files are, for one home, project and OS.
    pub candidates: fn(&PathContext<'_>) -> Vec<Candidate>,
    /// Whether a file (named by the user) is one of this client's, and with which scope.
    pub detect: fn(&FileFacts<'_>) -> Option<Scope>,
    /// Map the parsed file onto server entries.
    pub extract: fn(&Node, &mut Sink),
    /// Secret-reference syntax the client expands in string values.
    pub references: &'static [ReferenceSyntax],
}

/// Clients in detection precedence order: the first whose `detect` says yes wins, so clients
/// recognised by an unmistakable file name come before those recognised by content.
pub(crate) const REGISTRY: [&ClientSpec; 13] = [
    &claude_desktop::SPEC,
    &claude_code::SPEC,
    &cline::CLINE,
    &cline::ROO_CODE,
    &windsurf::SPEC,
    &lm_studio::SPEC,
    &continue_dev::SPEC,
    &zed::SPEC,
    &gemini::SPEC,
    &vscode::SPEC,
    &cursor::SPEC,
    &codex::SPEC,
    &goose::SPEC,
];

pub(crate) fn spec(kind: ClientKind) -> &'static ClientSpec {
    REGISTRY
        .into_iter()
        .find(|s| s.kind == kind)
        .unwrap_or(&claude_desktop::SPEC)
}

/// A way a client lets a config refer to a secret instead of holding it. A value written in a
/// syntax the client does *not* expand is a literal, whatever it looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferenceSyntax {
    /// `${VAR}` (environment variable).
    DollarBrace,
    /// `${VAR:-default}`.
    DollarBraceDefault,
    /// `$VAR`.
    Dollar,
    /// `${env:VAR}`.
    EnvColon,
    /// `${input:id}`: the client prompts for the value and stores it itself.
    InputColon,
    /// Continue's `${{ secrets.NAME }}` / `${{ inputs.NAME }}` templates.
    ContinueTemplate,
}

/// The reference syntaxes `client` expands in string values (command, args, env, url,
/// headers). Clients that take variable *names* in dedicated fields (Codex `env_vars`, Goose
/// `env_keys`) report those in [`ServerEntry::env_passthrough`] instead.
pub fn reference_syntaxes(client: ClientKind) -> &'static [ReferenceSyntax] {
    spec(client).references
}

/// What client modules produce while reading one file, and what they may know about it.
#[derive(Debug)]
pub(crate) struct Sink {
    /// The file's name (`settings.local.json`): clients that keep different things in files of
    /// one syntax (Claude Code's servers and its settings) read them apart by it.
    pub file_name: String,
    pub scope: Scope,
    pub servers: Vec<ServerEntry>,
    pub switches: Vec<ApprovalSwitch>,
    pub problems: Vec<ParseProblem>,
}

impl Sink {
    pub fn new(path: &Path, scope: Scope) -> Sink {
        Sink {
            file_name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            scope,
            servers: Vec::new(),
            switches: Vec::new(),
            problems: Vec::new(),
        }
    }

    pub fn problem(&mut self, message: String, span: mcpward_core::Span, server: Option<&str>) {
        self.problems.push(ParseProblem {
            message,
            span,
            server: server.map(str::to_string),
        });
    }
}

/// What detection looks at: the path, its name, and the text.
#[derive(Debug)]
pub(crate) struct FileFacts<'a> {
    pub path: &'a Path,
    pub file_name: &'a str,
    /// Names of the enclosing directories, nearest first.
    pub parents: Vec<&'a str>,
    pub source: &'a str,
    /// The home directory, when known: a dot-directory directly in it is user scope.
    pub home: Option<&'a Path>,
}

impl FileFacts<'_> {
    pub fn parent_is(&self, name: &str) -> bool {
        self.parents
            .first()
            .is_some_and(|p| p.eq_ignore_ascii_case(name))
    }

    pub fn under(&self, name: &str) -> bool {
        self.parents.iter().any(|p| p.eq_ignore_ascii_case(name))
    }

    /// The text has `"key"` (JSON) somewhere: a cheap content test that still works on files
    /// that do not parse.
    pub fn has_json_key(&self, key: &str) -> bool {
        self.source.contains(&format!("\"{key}\""))
    }

    /// The text has `key:` at the start of a line (a top-level YAML key).
    pub fn has_yaml_top_key(&self, key: &str) -> bool {
        let needle = format!("{key}:");
        self.source.lines().any(|l| l.starts_with(&needle))
    }

    /// User scope when the file's directory sits directly in the home directory
    /// (`~/.cursor/mcp.json`), project scope otherwise.
    pub fn dot_dir_scope(&self) -> Scope {
        let in_home = self
            .path
            .parent()
            .and_then(Path::parent)
            .zip(self.home)
            .is_some_and(|(grandparent, home)| grandparent == home);
        if in_home { Scope::User } else { Scope::Project }
    }
}
