//! Connecting to a server and collecting everything it shows a model: tools, prompts, resources,
//! resource templates, instructions and `serverInfo`. The only part of this crate that does I/O.
//!
//! Transports: stdio (the server as a child process, in its own process group, killed when the
//! collection ends, times out or is dropped) and Streamable HTTP.
//!
//! Handshakes, in this order:
//! 1. `initialize` with protocol version 2025-11-25. Every server of the 2025 revisions answers
//!    it, so none is left waiting on a request it does not know.
//! 2. When the server answers `initialize` with a JSON-RPC error (a server of the stateless
//!    2026-07-28 revision has no `initialize`: it answers -32022 or -32601), `server/discover`
//!    with the protocol version in `_meta`, on a fresh process for stdio (a server may end after
//!    refusing a handshake) and on the same URL for HTTP. Later requests carry the `_meta` too.
//!
//! Lists are fetched only for the capabilities the server declared, following `nextCursor` up to
//! [`MAX_PAGES`] pages and [`MAX_ITEMS`] items per list. Messages stay [`serde_json::Value`]s:
//! typed models drop fields they do not know, and pins hash (and detectors read) every field.

mod http;
mod mask;
mod pages;
mod stdio;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use rmcp::model::{
    ClientCapabilities, ErrorCode, Implementation, ProtocolVersion, RequestMetaObject,
};
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use crate::definitions::Definitions;

pub(crate) use mask::Masker;
use pages::{Pages, Step};

/// Pages followed per list before giving up: a server that always returns a `nextCursor` must
/// not keep the inspection going forever.
pub const MAX_PAGES: usize = 1000;
/// Items kept per list.
pub const MAX_ITEMS: usize = 100_000;
/// Largest message read (one stdio line, one HTTP body or event).
pub const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// The protocol version offered in `initialize`.
const INITIALIZE_VERSION: ProtocolVersion = ProtocolVersion::V_2025_11_25;
/// The stateless revision spoken after `server/discover`.
const DISCOVER_VERSION: ProtocolVersion = ProtocolVersion::V_2026_07_28;
/// Versions with `initialize` mcpward reads: it only lists definitions, which these share.
const INITIALIZE_VERSIONS: &[&str] = &["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

/// How to reach a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Launch `command args…` and speak on its stdin/stdout. `env` is set on top of what the
    /// server inherits (see [`ConnectOptions::clear_env`]); `cwd` defaults to mcpward's own.
    Stdio {
        command: String,
        args: Vec<String>,
        env: BTreeMap<String, String>,
        cwd: Option<PathBuf>,
    },
    /// A Streamable HTTP endpoint, with extra request headers (e.g. `Authorization`).
    Http {
        url: String,
        headers: Vec<(String, String)>,
    },
}

impl Target {
    /// The values mcpward hands the server (environment values, header values): masked wherever
    /// the server's output is shown.
    fn secret_values(&self) -> Vec<&str> {
        match self {
            Target::Stdio { env, .. } => env.values().map(String::as_str).collect(),
            Target::Http { headers, .. } => headers.iter().map(|(_, v)| v.as_str()).collect(),
        }
    }
}

/// How to collect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectOptions {
    /// The whole collection of one server: launch, handshake and every list.
    pub timeout: Duration,
    /// Start a stdio server with only `HOME`, `LOGNAME`, `PATH`, `SHELL`, `TERM`, `USER`, locale,
    /// `TZ` and `TMPDIR` of mcpward's environment, plus the target's `env` (what the official
    /// SDKs give a server their clients start). Otherwise it inherits mcpward's environment.
    /// mcpward's own `MCPWARD_*` state variables are withheld either way.
    pub clear_env: bool,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            timeout: Duration::from_secs(30),
            clear_env: true,
        }
    }
}

/// Which handshake the collection used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Handshake {
    /// `initialize` (revisions up to 2025-11-25).
    Initialize,
    /// `server/discover` (2026-07-28, stateless).
    Discover,
}

impl Handshake {
    /// The method name.
    pub fn method(self) -> &'static str {
        match self {
            Handshake::Initialize => "initialize",
            Handshake::Discover => "server/discover",
        }
    }
}

impl fmt::Display for Handshake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.method())
    }
}

/// Everything one server showed.
#[derive(Debug, Clone, PartialEq)]
pub struct Collected {
    pub definitions: Definitions,
    /// `serverInfo` as sent (`initialize`), or `_meta["io.modelcontextprotocol/serverInfo"]`
    /// (`server/discover`); `Null` when the server sent none.
    pub server_info: Value,
    /// The protocol version in use: the one the server answered `initialize` with, or 2026-07-28.
    pub protocol_version: String,
    pub handshake: Handshake,
    /// What the server wrote to stderr, masked (empty over HTTP).
    pub stderr: String,
    /// From the start of [`collect`] until every list was in (stopping the server is not counted).
    pub elapsed: Duration,
    /// The part of `elapsed` spent waiting for the server: from each message sent until its
    /// answer arrived (the first includes the server's start-up). The rest is mcpward's.
    pub waited: Duration,
    /// Things worth knowing that did not stop the collection (a list the server declared but does
    /// not serve, stray output on stdout).
    pub notes: Vec<String>,
}

impl Collected {
    /// `initialize (2025-11-25)`, `server/discover (2026-07-28)`.
    pub fn handshake_label(&self) -> String {
        format!("{} ({})", self.handshake, self.protocol_version)
    }

    /// `serverInfo.name` and `.version`, when the server sent them as strings.
    pub fn server_name_version(&self) -> (Option<&str>, Option<&str>) {
        (
            self.server_info.get("name").and_then(Value::as_str),
            self.server_info.get("version").and_then(Value::as_str),
        )
    }
}

/// Why a server could not be inspected, with what it wrote to stderr (masked).
#[derive(Debug, thiserror::Error)]
#[error("{kind}{}", stderr_block(.stderr))]
pub struct ConnectError {
    pub kind: ErrorKind,
    /// The server's stderr, masked; empty over HTTP or when it wrote nothing.
    pub stderr: String,
}

/// The last lines of a server's stderr, indented, for an error message.
fn stderr_block(stderr: &str) -> String {
    const SHOWN: usize = 40;
    let lines: Vec<&str> = stderr.trim_end().lines().collect();
    if lines.is_empty() {
        return String::new();
    }
    let skipped = lines.len().saturating_sub(SHOWN);
    let mut out = String::from("\nthe server's stderr (secrets masked):");
    if skipped > 0 {
        out.push_str(&format!("\n  [{skipped} earlier line(s) left out]"));
    }
    for line in &lines[skipped..] {
        out.push_str("\n  ");
        out.push_str(&mcpward_core::display::escape(line));
    }
    out
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum ErrorKind {
    #[error("{0}")]
    BadTarget(String),
    #[error("cannot start `{command}`: {source}; check that it is installed and on PATH")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the server {} before answering `{method}`",
        .status.as_deref().map_or_else(|| "closed its stdout".to_string(), |s| format!("exited ({s})"))
    )]
    Ended {
        /// `exit status 1`, `killed by signal 9`; `None` when the process still ran.
        status: Option<String>,
        method: String,
    },
    #[error(
        "no answer to `{method}` in time (the whole inspection of a server may take the --timeout)"
    )]
    Timeout { method: String },
    #[error("the server's answer to `{method}` is not valid MCP: {problem}")]
    Protocol { method: String, problem: String },
    #[error("the server answered `{method}` with error {code}: {message}")]
    Rpc {
        method: String,
        code: i64,
        message: String,
        data: Option<Value>,
    },
    #[error(
        "`{method}` returned more than {MAX_PAGES} pages; stopped there (a server that always sends `nextCursor` would never end)"
    )]
    TooManyPages { method: String },
    #[error("`{method}` returned more than {MAX_ITEMS} items; stopped there")]
    TooManyItems { method: String },
    #[error(
        "the server at {url} needs authorization (HTTP {status}{}); mcpward does not run OAuth flows: pass a token with --header 'Authorization: Bearer …' (or in the config entry's headers)",
        .challenge.as_deref().map(|c| format!(", WWW-Authenticate: {c}")).unwrap_or_default()
    )]
    AuthRequired {
        url: String,
        status: u16,
        challenge: Option<String>,
    },
    #[error("{url} answered `{method}` with HTTP {status}{}", if .body.is_empty() { String::new() } else { format!(": {}", .body) })]
    HttpStatus {
        url: String,
        method: String,
        status: u16,
        body: String,
    },
    #[error("cannot talk to {url}: {message}")]
    Http { url: String, message: String },
    #[error(
        "the server supports protocol versions {} only; mcpward speaks 2026-07-28 and, through initialize, 2024-11-05 to 2025-11-25",
        .offered.join(", ")
    )]
    NoCommonVersion { offered: Vec<String> },
    #[error("neither handshake worked. initialize: {initialize}. server/discover: {discover}")]
    NoHandshake {
        initialize: Box<ErrorKind>,
        discover: Box<ErrorKind>,
    },
}

/// A JSON-RPC answer to one request.
#[derive(Debug)]
pub(crate) enum Reply {
    Result(Value),
    Error {
        code: i64,
        message: String,
        data: Option<Value>,
    },
}

/// What one incoming message is, seen from a client waiting for `id`.
pub(crate) enum Incoming {
    Reply(Reply),
    Request { id: Value, method: String },
    Other,
}

pub(crate) fn classify(message: Value, id: i64) -> Incoming {
    let Value::Object(mut m) = message else {
        return Incoming::Other;
    };
    if let Some(method) = m.get("method").and_then(Value::as_str) {
        return match m.get("id") {
            Some(their) if !their.is_null() => Incoming::Request {
                id: their.clone(),
                method: method.to_string(),
            },
            _ => Incoming::Other,
        };
    }
    if m.get("id").and_then(Value::as_i64) != Some(id) {
        return Incoming::Other;
    }
    if let Some(error) = m.remove("error") {
        return Incoming::Reply(Reply::Error {
            code: error.get("code").and_then(Value::as_i64).unwrap_or(0),
            message: error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("(no message)")
                .to_string(),
            data: error.get("data").cloned(),
        });
    }
    match m.remove("result") {
        Some(result) => Incoming::Reply(Reply::Result(result)),
        None => Incoming::Other,
    }
}

/// Connects to `target` and collects its definitions, within `opts.timeout`.
pub async fn collect(target: &Target, opts: &ConnectOptions) -> Result<Collected, ConnectError> {
    let started = Instant::now();
    let deadline = started + opts.timeout;
    let masker = Masker::new(target.secret_values());
    let mut first = Session::open(target, opts, &masker, deadline)?;
    let outcome = first.initialize().await;
    let refused = match outcome {
        Ok(()) => return first.finish(started).await,
        Err(ErrorKind::Rpc {
            code,
            message,
            data,
            method,
        }) => ErrorKind::Rpc {
            code,
            message,
            data,
            method,
        },
        Err(kind) => return Err(first.fail(kind).await),
    };
    // Refused: a server of the stateless revision. Stdio gets a fresh process.
    let mut second = match target {
        Target::Stdio { .. } => {
            first.close().await;
            let mut fresh = Session::open(target, opts, &masker, deadline)?;
            // The refused attempt was the server's time too.
            fresh.waited = first.waited;
            fresh
        }
        Target::Http { .. } => first,
    };
    match second.discover().await {
        Ok(()) => second.finish(started).await,
        Err(kind) => {
            let kind = match kind {
                // The server named the versions it speaks: that is the whole story.
                k @ ErrorKind::NoCommonVersion { .. } => k,
                other => ErrorKind::NoHandshake {
                    initialize: Box::new(refused),
                    discover: Box::new(other),
                },
            };
            Err(second.fail(kind).await)
        }
    }
}

enum Channel {
    Stdio(Box<stdio::StdioChannel>),
    Http(http::HttpChannel),
}

/// One connection and what its handshake established.
struct Session {
    channel: Channel,
    deadline: Instant,
    next_id: i64,
    waited: Duration,
    /// The `_meta` every request carries (2026-07-28).
    request_meta: Option<Value>,
    handshake: Handshake,
    protocol_version: String,
    capabilities: Value,
    server_info: Value,
    instructions: Option<String>,
    notes: Vec<String>,
}

impl Session {
    fn open(
        target: &Target,
        opts: &ConnectOptions,
        masker: &Masker,
        deadline: Instant,
    ) -> Result<Session, ConnectError> {
        let channel = match target {
            Target::Stdio {
                command,
                args,
                env,
                cwd,
            } => stdio::StdioChannel::spawn(
                command,
                args,
                env,
                cwd.as_ref(),
                opts.clear_env,
                masker.clone(),
            )
            .map(|c| Channel::Stdio(Box::new(c))),
            Target::Http { url, headers } => {
                http::HttpChannel::new(url, headers, masker.clone()).map(Channel::Http)
            }
        }
        .map_err(|kind| ConnectError {
            kind,
            stderr: String::new(),
        })?;
        Ok(Session {
            channel,
            deadline,
            next_id: 0,
            waited: Duration::ZERO,
            request_meta: None,
            handshake: Handshake::Initialize,
            protocol_version: String::new(),
            capabilities: Value::Null,
            server_info: Value::Null,
            instructions: None,
            notes: Vec::new(),
        })
    }

    /// Sends a request and waits for its result; a JSON-RPC error becomes [`ErrorKind::Rpc`].
    async fn request(&mut self, method: &str, params: Value) -> Result<Value, ErrorKind> {
        self.next_id += 1;
        let id = self.next_id;
        let params = self.with_meta(params);
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let sent = Instant::now();
        let reply = match &mut self.channel {
            Channel::Stdio(c) => {
                let exchange = async {
                    c.send(&message, method).await?;
                    c.receive(id, method).await
                };
                tokio::time::timeout_at(self.deadline, exchange)
                    .await
                    .unwrap_or_else(|_| {
                        Err(ErrorKind::Timeout {
                            method: method.to_string(),
                        })
                    })
            }
            Channel::Http(c) => {
                match c
                    .exchange(&message, method, Some(id), self.deadline)
                    .await?
                {
                    Some((reply, session)) => {
                        if session.is_some() {
                            c.session = session;
                        }
                        Ok(reply)
                    }
                    None => Err(ErrorKind::Protocol {
                        method: method.to_string(),
                        problem: "no response".into(),
                    }),
                }
            }
        };
        self.waited += sent.elapsed();
        match reply? {
            Reply::Result(v) => Ok(v),
            Reply::Error {
                code,
                message,
                data,
            } => Err(ErrorKind::Rpc {
                method: method.to_string(),
                code,
                message,
                data,
            }),
        }
    }

    async fn notify(&mut self, method: &str, params: Value) -> Result<(), ErrorKind> {
        let params = self.with_meta(params);
        let message = json!({"jsonrpc": "2.0", "method": method, "params": params});
        let sent = Instant::now();
        let result = match &mut self.channel {
            Channel::Stdio(c) => c.send(&message, method).await,
            Channel::Http(c) => c
                .exchange(&message, method, None, self.deadline)
                .await
                .map(|_| ()),
        };
        self.waited += sent.elapsed();
        result
    }

    fn with_meta(&self, params: Value) -> Value {
        let Some(meta) = &self.request_meta else {
            return params;
        };
        let mut params = match params {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        params.insert("_meta".into(), meta.clone());
        Value::Object(params)
    }

    async fn initialize(&mut self) -> Result<(), ErrorKind> {
        let params = json!({
            "protocolVersion": INITIALIZE_VERSION.as_str(),
            "capabilities": ClientCapabilities::default(),
            "clientInfo": client_info(),
        });
        let method = "initialize";
        let result = self.request(method, params).await?;
        let Value::Object(mut result) = result else {
            return Err(protocol(method, "the result is not an object"));
        };
        let version = match result.get("protocolVersion") {
            Some(Value::String(v)) => v.clone(),
            _ => {
                return Err(protocol(
                    method,
                    "`protocolVersion` is missing or not a string",
                ));
            }
        };
        // Revisions are dated, so they order as strings.
        let stateless = version.as_str() >= DISCOVER_VERSION.as_str();
        if !stateless && !INITIALIZE_VERSIONS.contains(&version.as_str()) {
            return Err(ErrorKind::NoCommonVersion {
                offered: vec![version],
            });
        }
        self.capabilities = result.remove("capabilities").unwrap_or(Value::Null);
        self.server_info = result.remove("serverInfo").unwrap_or(Value::Null);
        self.instructions = instructions(method, result.remove("instructions"))?;
        self.handshake = Handshake::Initialize;
        if let Channel::Http(c) = &mut self.channel {
            c.protocol_version = Some(version.clone());
        }
        if stateless {
            // A server that answers `initialize` with a revision that has none: from here on,
            // each request carries its context in `_meta`.
            self.request_meta = Some(request_meta(&version));
        } else {
            self.notify("notifications/initialized", json!({})).await?;
        }
        self.protocol_version = version;
        Ok(())
    }

    async fn discover(&mut self) -> Result<(), ErrorKind> {
        let method = "server/discover";
        self.request_meta = Some(request_meta(DISCOVER_VERSION.as_str()));
        if let Channel::Http(c) = &mut self.channel {
            c.protocol_version = Some(DISCOVER_VERSION.to_string());
            c.session = None;
        }
        let result = match self.request(method, json!({})).await {
            Ok(r) => r,
            Err(ErrorKind::Rpc { code, data, .. })
                if code == i64::from(ErrorCode::UNSUPPORTED_PROTOCOL_VERSION.0) =>
            {
                return Err(ErrorKind::NoCommonVersion {
                    offered: versions(data.as_ref().and_then(|d| d.get("supported"))),
                });
            }
            Err(e) => return Err(e),
        };
        let Value::Object(mut result) = result else {
            return Err(protocol(method, "the result is not an object"));
        };
        let offered = versions(result.get("supportedVersions"));
        if !offered.iter().any(|v| v == DISCOVER_VERSION.as_str()) {
            return Err(ErrorKind::NoCommonVersion { offered });
        }
        self.capabilities = result.remove("capabilities").unwrap_or(Value::Null);
        self.server_info = result
            .get("_meta")
            .and_then(|m| m.get("io.modelcontextprotocol/serverInfo"))
            .cloned()
            .unwrap_or(Value::Null);
        self.instructions = instructions(method, result.remove("instructions"))?;
        self.handshake = Handshake::Discover;
        self.protocol_version = DISCOVER_VERSION.to_string();
        Ok(())
    }

    /// Every list the server declared, then the server is stopped.
    async fn finish(mut self, started: Instant) -> Result<Collected, ConnectError> {
        match self.lists().await {
            Ok(definitions) => {
                let elapsed = started.elapsed();
                let mut notes = std::mem::take(&mut self.notes);
                let stderr = match &mut self.channel {
                    Channel::Stdio(c) => {
                        notes.extend(c.stray_note());
                        c.stderr(false).await
                    }
                    Channel::Http(_) => String::new(),
                };
                self.close().await;
                Ok(Collected {
                    definitions,
                    server_info: std::mem::take(&mut self.server_info),
                    protocol_version: std::mem::take(&mut self.protocol_version),
                    handshake: self.handshake,
                    stderr,
                    elapsed,
                    waited: self.waited.min(elapsed),
                    notes,
                })
            }
            Err(kind) => Err(self.fail(kind).await),
        }
    }

    async fn lists(&mut self) -> Result<Definitions, ErrorKind> {
        let declared = |name: &str| {
            self.capabilities
                .get(name)
                .is_some_and(|v| !v.is_null() && *v != Value::Bool(false))
        };
        let (tools, prompts, resources) = (
            declared("tools"),
            declared("prompts"),
            declared("resources"),
        );
        let mut defs = Definitions {
            instructions: self.instructions.take(),
            ..Definitions::default()
        };
        if tools {
            defs.tools = self.list("tools/list", "tools", true).await?;
        }
        if prompts {
            defs.prompts = self.list("prompts/list", "prompts", false).await?;
        }
        if resources {
            defs.resources = self.list("resources/list", "resources", false).await?;
            defs.resource_templates = self
                .list("resources/templates/list", "resourceTemplates", false)
                .await?;
        }
        Ok(defs)
    }

    /// One list, every page. `required`: a method-not-found answer is an error rather than a
    /// note (the server declared the capability either way).
    async fn list(
        &mut self,
        method: &'static str,
        key: &'static str,
        required: bool,
    ) -> Result<Vec<Value>, ErrorKind> {
        let mut pages = Pages::new(method, key);
        let result = loop {
            let page = match self.request(method, pages.params()).await {
                Ok(page) => page,
                Err(e) => break Err(e),
            };
            match pages.accept(page) {
                Ok(Step::More) => {}
                Ok(Step::Done(items)) => break Ok(items),
                Err(e) => break Err(e),
            }
        };
        match result {
            Err(ErrorKind::Rpc { code, .. })
                if !required && code == i64::from(ErrorCode::METHOD_NOT_FOUND.0) =>
            {
                self.notes.push(format!(
                    "the server declared {key} but answered `{method}` with method not found; counted as none"
                ));
                Ok(Vec::new())
            }
            other => other,
        }
    }

    async fn fail(mut self, kind: ErrorKind) -> ConnectError {
        let stderr = match &mut self.channel {
            Channel::Stdio(c) => c.stderr(true).await,
            Channel::Http(_) => String::new(),
        };
        self.close().await;
        ConnectError { kind, stderr }
    }

    async fn close(&mut self) {
        match &mut self.channel {
            Channel::Stdio(c) => c.close().await,
            Channel::Http(c) => c.close().await,
        }
    }
}

pub(crate) fn protocol(method: &str, problem: &str) -> ErrorKind {
    ErrorKind::Protocol {
        method: method.to_string(),
        problem: problem.to_string(),
    }
}

fn client_info() -> Implementation {
    Implementation::new("mcpward", env!("CARGO_PKG_VERSION"))
}

/// The `_meta` a 2026-07-28 request carries: protocol version, client info and capabilities.
fn request_meta(version: &str) -> Value {
    let meta = RequestMetaObject::with_client_context(
        serde_json::from_value(Value::String(version.to_string())).unwrap_or(DISCOVER_VERSION),
        client_info(),
        ClientCapabilities::default(),
    );
    serde_json::to_value(meta).unwrap_or(Value::Null)
}

fn instructions(method: &str, value: Option<Value>) -> Result<Option<String>, ErrorKind> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(protocol(method, "`instructions` is not a string")),
    }
}

fn versions(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_are_matched_by_id_and_server_requests_told_apart() {
        assert!(matches!(
            classify(json!({"jsonrpc": "2.0", "id": 3, "result": {}}), 3),
            Incoming::Reply(Reply::Result(_))
        ));
        assert!(matches!(
            classify(json!({"jsonrpc": "2.0", "id": 2, "result": {}}), 3),
            Incoming::Other
        ));
        assert!(matches!(
            classify(
                json!({"jsonrpc": "2.0", "id": 3, "error": {"code": -32601, "message": "no"}}),
                3
            ),
            Incoming::Reply(Reply::Error { code: -32601, .. })
        ));
        assert!(matches!(
            classify(
                json!({"jsonrpc": "2.0", "id": 3, "method": "roots/list"}),
                3
            ),
            Incoming::Request { .. }
        ));
        assert!(matches!(
            classify(
                json!({"jsonrpc": "2.0", "method": "notifications/message"}),
                3
            ),
            Incoming::Other
        ));
        assert!(matches!(classify(json!("garbage"), 3), Incoming::Other));
    }

    #[test]
    fn stderr_is_shown_last_lines_first_cut() {
        let many: String = (0..50).map(|i| format!("line {i}\n")).collect();
        let block = stderr_block(&many);
        assert!(block.contains("10 earlier line(s) left out"), "{block}");
        assert!(
            block.contains("line 49") && !block.contains("line 9\n"),
            "{block}"
        );
        assert_eq!(stderr_block("  \n"), "");
    }
}
