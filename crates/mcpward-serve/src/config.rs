//! `serve.toml`: a strict serde model that keeps spans, then validation with errors that point at
//! the offending value (file:line:col, the line, a caret and a hint), as the policy file does.
//!
//! ```toml
//! state_dir = "/srv/mcpward/state"   # shared by every instance: approvals, pins, keys
//! log = "/var/log/mcpward/a.jsonl"   # this instance's audit log
//!
//! [listen]
//! addr = "127.0.0.1:8080"
//! tokens_file = "tokens.txt"         # one bearer token a line
//! allowed_origins = ["https://agent.example"]
//!
//! [[route]]
//! name = "everything"
//! url = "http://127.0.0.1:3001/mcp"
//! policy = "everything.policy.toml"
//! headers = { Authorization = "Bearer ${keyring:mcpward/EVERYTHING_TOKEN}" }
//! ```
//!
//! Relative paths are read against the directory of the config file.

use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};

use mcpward_core::LineIndex;
use serde::Deserialize;
use toml::Spanned;

/// Default body limit: 4 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 << 20;
/// Default bound on one upstream request (and on reading a client's request).
pub const DEFAULT_TIMEOUT_SECS: u64 = 60;
/// Default requests per minute per client.
pub const DEFAULT_RATE_PER_MINUTE: u32 = 600;
/// Default listening address.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// Why a config could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the serve config {}: {source}\n  hint: check the path given to --config", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The content is invalid: bad TOML, an unknown field, a wrong type, a value out of range.
    #[error("{file}:{line}:{col}: {message}\n{line:>4} | {line_text}\n  hint: {hint}", file = file.display())]
    Invalid {
        /// The file.
        file: PathBuf,
        /// 1-based line.
        line: u32,
        /// 1-based column.
        col: u32,
        /// What is wrong.
        message: String,
        /// The offending line.
        line_text: String,
        /// What to do about it.
        hint: String,
    },
}

/// A validated config.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Where the config was read from (shown in messages).
    pub file: PathBuf,
    /// The listener.
    pub listen: Listen,
    /// The shared state directory (approval queue, first-use pins, request-state and session
    /// keys, used request states).
    pub state_dir: PathBuf,
    /// This instance's audit log.
    pub log: PathBuf,
    /// The routes, `/mcp/<name>` each.
    pub routes: Vec<Route>,
}

/// `[listen]`.
#[derive(Debug, Clone)]
pub struct Listen {
    /// Address to bind.
    pub addr: SocketAddr,
    /// Certificate chain (PEM); with `tls_key`, the listener speaks HTTPS.
    pub tls_cert: Option<PathBuf>,
    /// Private key (PEM).
    pub tls_key: Option<PathBuf>,
    /// File with one bearer token a line (`#` comments and blank lines ignored).
    pub tokens_file: Option<PathBuf>,
    /// Secret references (`env:`, `keyring:`, `file:`, …) each resolving to one bearer token.
    pub tokens: Vec<String>,
    /// Origins a browser-based client may call from (`scheme://host[:port]`).
    pub allowed_origins: Vec<String>,
    /// Extra `Host` values accepted besides this listener's own loopback names (a reverse proxy's
    /// public name).
    pub allowed_hosts: Vec<String>,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Bound on one upstream request, and on reading a client's request.
    pub timeout_secs: u64,
    /// Requests per minute per client (per bearer token, else per address).
    pub rate_per_minute: u32,
}

/// `[[route]]`.
#[derive(Debug, Clone)]
pub struct Route {
    /// The path segment: `/mcp/<name>`; also the server's name in policies and logs.
    pub name: String,
    /// Where the server is.
    pub target: Target,
    /// Policy file; the built-in read-only policy without one.
    pub policy: Option<PathBuf>,
    /// Headers sent upstream, `${REF}` replaced by the resolved secret reference.
    pub headers: Vec<(String, String)>,
    /// Secrets (`NAME = "REF"`): put in a launched server's environment, and masked in
    /// everything the server sends back either way.
    pub secrets: Vec<(String, String)>,
}

/// A route's server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A Streamable HTTP server.
    Url(String),
    /// A stdio server mcpward launches.
    Command {
        /// The program.
        command: String,
        /// Its arguments.
        args: Vec<String>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    state_dir: Spanned<String>,
    log: Option<Spanned<String>>,
    #[serde(default)]
    listen: RawListen,
    #[serde(default)]
    route: Vec<Spanned<RawRoute>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawListen {
    addr: Option<Spanned<String>>,
    tls_cert: Option<Spanned<String>>,
    tls_key: Option<Spanned<String>>,
    tokens_file: Option<Spanned<String>>,
    #[serde(default)]
    tokens: Vec<Spanned<String>>,
    #[serde(default)]
    allowed_origins: Vec<Spanned<String>>,
    #[serde(default)]
    allowed_hosts: Vec<Spanned<String>>,
    max_body_bytes: Option<Spanned<u64>>,
    timeout_secs: Option<Spanned<u64>>,
    rate_per_minute: Option<Spanned<u64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    name: Spanned<String>,
    url: Option<Spanned<String>>,
    command: Option<Spanned<String>>,
    #[serde(default)]
    args: Vec<String>,
    policy: Option<Spanned<String>>,
    #[serde(default)]
    headers: std::collections::BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    secrets: std::collections::BTreeMap<String, Spanned<String>>,
}

struct Source<'a> {
    text: &'a str,
    file: &'a Path,
    index: LineIndex,
}

impl Source<'_> {
    fn invalid(&self, range: Range<usize>, message: &str, hint: &str) -> ConfigError {
        let span = self.index.span(self.text, range.start, range.end);
        let line_text = self.index.line_text(self.text, span.line, 200);
        ConfigError::Invalid {
            file: self.file.to_path_buf(),
            line: span.line,
            col: span.col,
            message: message.to_owned(),
            line_text,
            hint: hint.to_owned(),
        }
    }

    /// A path from the file, relative ones against the file's directory.
    fn path(&self, value: &str) -> PathBuf {
        let p = Path::new(value);
        if p.is_absolute() {
            return p.to_path_buf();
        }
        self.file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| p.to_path_buf(), |d| d.join(p))
    }
}

impl ServeConfig {
    /// Reads and validates `path`.
    pub fn load(path: &Path) -> Result<ServeConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        ServeConfig::parse(&text, path)
    }

    /// Validates `text`, read from `file`.
    pub fn parse(text: &str, file: &Path) -> Result<ServeConfig, ConfigError> {
        let src = Source {
            text,
            file,
            index: LineIndex::new(text),
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let range = e.span().unwrap_or(0..0);
            src.invalid(
                range,
                e.message().trim_end(),
                "see docs/serve.md for the fields of serve.toml",
            )
        })?;
        let state_dir = src.path(raw.state_dir.get_ref());
        let log = raw.log.as_ref().map_or_else(
            || state_dir.join("serve-audit.jsonl"),
            |l| src.path(l.get_ref()),
        );
        let listen = listen(&src, raw.listen)?;
        let mut routes: Vec<Route> = Vec::with_capacity(raw.route.len());
        for spanned in raw.route {
            let span = spanned.span();
            let r = route(&src, span.clone(), spanned.into_inner())?;
            if routes.iter().any(|o| o.name == r.name) {
                return Err(src.invalid(
                    span,
                    &format!("a second route named `{}`", r.name),
                    "give every route its own name",
                ));
            }
            routes.push(r);
        }
        if routes.is_empty() {
            return Err(src.invalid(
                0..0,
                "no [[route]]",
                "add a [[route]] with a name and a url (or a command)",
            ));
        }
        Ok(ServeConfig {
            file: file.to_path_buf(),
            listen,
            state_dir,
            log,
            routes,
        })
    }
}

fn listen(src: &Source<'_>, raw: RawListen) -> Result<Listen, ConfigError> {
    let addr = match &raw.addr {
        Some(a) => a.get_ref().parse::<SocketAddr>().map_err(|e| {
            src.invalid(
                a.span(),
                &format!("`{}` is not an address ({e})", a.get_ref()),
                "write IP:PORT, e.g. 127.0.0.1:8080",
            )
        })?,
        None => DEFAULT_ADDR
            .parse()
            .map_err(|_| src.invalid(0..0, "invalid default address", "set [listen] addr"))?,
    };
    if raw.tls_cert.is_some() != raw.tls_key.is_some() {
        let span = raw
            .tls_cert
            .as_ref()
            .or(raw.tls_key.as_ref())
            .map(Spanned::span)
            .unwrap_or(0..0);
        return Err(src.invalid(
            span,
            "tls_cert and tls_key go together",
            "give both the certificate chain and its private key (PEM files)",
        ));
    }
    for t in &raw.tokens {
        if mcpward_creds::SecretRef::parse(t.get_ref()).is_err() {
            return Err(src.invalid(
                t.span(),
                "a token must be a secret reference, not the token itself",
                "use keyring:SERVICE/ACCOUNT, op://VAULT/ITEM/FIELD, vault:PATH#FIELD, env:VAR or file:PATH, or put tokens in tokens_file",
            ));
        }
    }
    for o in &raw.allowed_origins {
        let ok = (o.get_ref().starts_with("https://") || o.get_ref().starts_with("http://"))
            && !o.get_ref().ends_with('/');
        if !ok {
            return Err(src.invalid(
                o.span(),
                &format!("`{}` is not an origin", o.get_ref()),
                "write scheme://host[:port] without a path, e.g. https://agent.example",
            ));
        }
    }
    let max_body_bytes = match &raw.max_body_bytes {
        Some(v) if !(1024..=(1 << 30)).contains(v.get_ref()) => {
            return Err(src.invalid(
                v.span(),
                "max_body_bytes must be between 1024 and 1073741824",
                "the default, 4194304 (4 MiB), fits every ordinary MCP request",
            ));
        }
        Some(v) => usize::try_from(*v.get_ref()).unwrap_or(DEFAULT_MAX_BODY_BYTES),
        None => DEFAULT_MAX_BODY_BYTES,
    };
    let timeout_secs = match &raw.timeout_secs {
        Some(v) if !(1..=3600).contains(v.get_ref()) => {
            return Err(src.invalid(
                v.span(),
                "timeout_secs must be between 1 and 3600",
                "the default is 60",
            ));
        }
        Some(v) => *v.get_ref(),
        None => DEFAULT_TIMEOUT_SECS,
    };
    let rate_per_minute = match &raw.rate_per_minute {
        Some(v) if !(1..=1_000_000).contains(v.get_ref()) => {
            return Err(src.invalid(
                v.span(),
                "rate_per_minute must be between 1 and 1000000",
                "the default is 600",
            ));
        }
        Some(v) => u32::try_from(*v.get_ref()).unwrap_or(DEFAULT_RATE_PER_MINUTE),
        None => DEFAULT_RATE_PER_MINUTE,
    };
    Ok(Listen {
        addr,
        tls_cert: raw.tls_cert.map(|p| src.path(p.get_ref())),
        tls_key: raw.tls_key.map(|p| src.path(p.get_ref())),
        tokens_file: raw.tokens_file.map(|p| src.path(p.get_ref())),
        tokens: raw.tokens.into_iter().map(Spanned::into_inner).collect(),
        allowed_origins: raw
            .allowed_origins
            .into_iter()
            .map(|o| o.into_inner().to_ascii_lowercase())
            .collect(),
        allowed_hosts: raw
            .allowed_hosts
            .into_iter()
            .map(|h| h.into_inner().to_ascii_lowercase())
            .collect(),
        max_body_bytes,
        timeout_secs,
        rate_per_minute,
    })
}

fn route(src: &Source<'_>, span: Range<usize>, raw: RawRoute) -> Result<Route, ConfigError> {
    let name = raw.name.get_ref();
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && !name.starts_with('.');
    if !valid {
        return Err(src.invalid(
            raw.name.span(),
            &format!("`{name}` cannot be a route name"),
            "use letters, digits, `-`, `_` and `.` (it becomes the path /mcp/NAME)",
        ));
    }
    let target = match (&raw.url, &raw.command) {
        (Some(url), None) => {
            let u = url.get_ref();
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(src.invalid(
                    url.span(),
                    &format!("`{u}` is not an http(s) URL"),
                    "write the server's Streamable HTTP endpoint, e.g. https://mcp.example/mcp",
                ));
            }
            if !raw.args.is_empty() {
                return Err(src.invalid(
                    url.span(),
                    "args belong to a command route",
                    "remove args, or launch a stdio server with command",
                ));
            }
            Target::Url(u.clone())
        }
        (None, Some(command)) => {
            if !raw.headers.is_empty() {
                return Err(src.invalid(
                    command.span(),
                    "headers belong to a url route",
                    "a launched server gets its credentials from secrets (in its environment)",
                ));
            }
            Target::Command {
                command: command.get_ref().clone(),
                args: raw.args,
            }
        }
        (Some(url), Some(_)) => {
            return Err(src.invalid(
                url.span(),
                "a route has a url or a command, not both",
                "split it into two routes",
            ));
        }
        (None, None) => {
            return Err(src.invalid(
                span,
                &format!("route `{name}` has neither a url nor a command"),
                "add url = \"https://…/mcp\" or command = \"…\"",
            ));
        }
    };
    let mut headers = Vec::new();
    for (header, value) in raw.headers {
        if axum::http::HeaderName::from_bytes(header.as_bytes()).is_err() {
            return Err(src.invalid(
                value.span(),
                &format!("`{header}` is not a header name"),
                "header names are letters, digits and `-`",
            ));
        }
        let lower = header.to_ascii_lowercase();
        if matches!(
            lower.as_str(),
            "host"
                | "content-length"
                | "content-type"
                | "accept"
                | "mcp-session-id"
                | "mcp-protocol-version"
                | "mcp-method"
                | "mcp-name"
                | "transfer-encoding"
                | "connection"
        ) {
            return Err(src.invalid(
                value.span(),
                &format!("mcpward sets `{header}` itself"),
                "route headers are for credentials and the like",
            ));
        }
        if let Err(e) = crate::credentials::parse_template(value.get_ref()) {
            return Err(src.invalid(value.span(), &e, crate::credentials::TEMPLATE_HINT));
        }
        headers.push((header, value.into_inner()));
    }
    let mut secrets = Vec::new();
    for (var, reference) in raw.secrets {
        let valid_name = !var.is_empty()
            && !var.starts_with(|c: char| c.is_ascii_digit())
            && var.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid_name {
            return Err(src.invalid(
                reference.span(),
                &format!("`{var}` is not a variable name"),
                "use letters, digits and `_`",
            ));
        }
        if mcpward_creds::SecretRef::parse(reference.get_ref()).is_err() {
            return Err(src.invalid(
                reference.span(),
                "not a secret reference",
                "use keyring:SERVICE/ACCOUNT, op://VAULT/ITEM/FIELD, vault:PATH#FIELD, env:VAR or file:PATH",
            ));
        }
        secrets.push((var, reference.into_inner()));
    }
    Ok(Route {
        name: name.clone(),
        target,
        policy: raw.policy.map(|p| src.path(p.get_ref())),
        headers,
        secrets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ServeConfig, ConfigError> {
        ServeConfig::parse(text, Path::new("conf/serve.toml"))
    }

    #[test]
    fn a_minimal_config_has_the_documented_defaults() {
        let c = parse(
            "state_dir = \"state\"\n[[route]]\nname = \"notes\"\nurl = \"http://127.0.0.1:3001/mcp\"\n",
        )
        .unwrap();
        assert_eq!(c.listen.addr.to_string(), DEFAULT_ADDR);
        assert_eq!(c.listen.max_body_bytes, 4 << 20);
        assert_eq!(c.state_dir, Path::new("conf/state"));
        assert_eq!(c.log, Path::new("conf/state/serve-audit.jsonl"));
        assert_eq!(
            c.routes[0].target,
            Target::Url("http://127.0.0.1:3001/mcp".into())
        );
    }

    #[test]
    fn unknown_fields_are_refused_with_their_place() {
        let err = parse("state_dir = \"s\"\n[listen]\nadress = \"0.0.0.0:1\"\n")
            .unwrap_err()
            .to_string();
        insta::assert_snapshot!(err);
    }

    #[test]
    fn a_literal_token_is_refused() {
        let err = parse(
            "state_dir = \"s\"\n[listen]\ntokens = [\"hunter2-literal\"]\n[[route]]\nname = \"a\"\nurl = \"http://x/mcp\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("conf/serve.toml:3:11: a token must be a secret reference"));
    }

    #[test]
    fn route_headers_that_mcpward_sets_are_refused() {
        let err = parse(
            "state_dir = \"s\"\n[[route]]\nname = \"a\"\nurl = \"http://x/mcp\"\nheaders = { Mcp-Session-Id = \"x\" }\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("mcpward sets `Mcp-Session-Id` itself"),
            "{err}"
        );
    }

    #[test]
    fn a_route_needs_exactly_one_target() {
        let err = parse("state_dir = \"s\"\n[[route]]\nname = \"a\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("neither a url nor a command"), "{err}");
        let err = parse(
            "state_dir = \"s\"\n[[route]]\nname = \"a\"\nurl = \"http://x\"\ncommand = \"node\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("not both"), "{err}");
    }
}
