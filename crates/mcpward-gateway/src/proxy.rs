//! The stdio gateway: launches the server, relays frames both ways, and intervenes only where it
//! must (tool calls, tool lists, approvals, redaction, faults).
//!
//! Shape: one reader task per direction turns bytes into frames, one writer task per direction
//! batches frames into a large buffered pipe, and a single event loop owns all session state,
//! so no lock is needed. Waiting for a person happens in separate tasks that report back to the
//! loop: other messages keep flowing while a call waits. Everything runs on one thread (a
//! current-thread runtime with a `LocalSet`): the work per message is microseconds, and a second
//! thread would only add wake-up latency.

mod audit;
mod catalogue;
mod child;
mod denial;
mod desktop;
mod outlet;
mod pins;
mod session;
mod stateless;

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use mcpward_policy::Policy;
use tokio::io::{AsyncRead, AsyncWrite};

pub use denial::{denial_text, error_result, refusal_text};
pub use pins::{PinSetup, first_use_path, launch_digest};

/// Everything `mcpward run` needs to start a session. `Debug` shows the names of secret
/// variables, never their values.
pub struct RunOptions {
    /// The server's executable.
    pub command: OsString,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// The server's name in policies, logs and approval prompts (`--name`).
    pub server_name: String,
    /// The package the command really launches ([`crate::identity::launch_identity`]): the only
    /// key curated knowledge is looked up by.
    pub identity: Option<crate::identity::LaunchIdentity>,
    /// The policy; [`Policy::read_only`] when the user gave none.
    pub policy: Policy,
    /// Shown in denial messages as the file to edit; `None` for the built-in policy.
    pub policy_file: Option<PathBuf>,
    /// Audit log file; `None` writes no log (tests only: the binary always passes one).
    pub log_path: Option<PathBuf>,
    /// Keyed mode: every record and the head carry an HMAC under this key
    /// ([`crate::chain::LogKey`]).
    pub log_key: Option<crate::chain::LogKey>,
    /// Where the approval queue lives (`mcpward approve` reads the same directory).
    pub state_dir: PathBuf,
    /// Variables mcpward adds to the server's environment.
    pub env: Vec<(String, String)>,
    /// Secret variables mcpward adds (resolved credentials): like `env`, and their values are
    /// also masked wherever they appear in what the server sends back.
    pub secret_env: Vec<(String, String)>,
    /// Also mask the values of secret-like variables (`*_TOKEN`, `*_API_KEY`, …) that the server
    /// inherits from mcpward's own environment, i.e. the credentials the client's config passes
    /// in. A server that echoes its own token then cannot hand it to the model.
    pub mask_inherited_secrets: bool,
    /// The server's roots (for resolving relative path arguments in policy matchers).
    pub roots: Vec<PathBuf>,
    /// After the client closes stdin: how long the server gets to exit on EOF before SIGTERM,
    /// and again before SIGKILL.
    pub shutdown_grace: Duration,
    /// Install SIGINT/SIGTERM handlers that forward the signal to the server. Off when the
    /// gateway runs inside another program (tests) that owns its signals.
    pub forward_signals: bool,
    /// Where tool definitions are checked against: a lockfile entry, or trust on first use.
    pub pins: PinSetup,
    /// Show a desktop notification when a call waits in the approval queue (unless the policy's
    /// `defaults.desktop_notify` is false). Off here so that programs embedding the gateway, and
    /// tests, never pop up notifications; `mcpward run` turns it on unless
    /// `--no-desktop-notify`.
    pub desktop_notify: bool,
    /// Also export every record the audit log gets to an OpenTelemetry collector (needs
    /// `log_path`). `None`: nothing is exported and appends do no extra work.
    pub otlp: Option<crate::otlp::OtlpConfig>,
    /// The client side is a front that carries many clients over one session (`mcpward
    /// serve`): its own `initialize` does not make the session a 2025 one, so each request is
    /// judged by the protocol version and capabilities in its own `_meta` (none: a 2025 client
    /// without elicitation, asked through the approval queue).
    pub multiplexed_clients: bool,
}

/// Where the server is.
pub enum Upstream {
    /// Launch [`RunOptions::command`] with its arguments as a child on pipes (`mcpward run`):
    /// its exit status ends the session, signals are forwarded, its stderr is relayed.
    Command,
    /// A server reached some other way (the HTTP bridge of `mcpward serve`): newline-delimited
    /// frames for it are written to `writer`, its frames are read from `reader`, and the session
    /// ends when `reader` does. [`RunOptions::command`] and its arguments then only name it
    /// (first-use pins and request states are keyed by them), nothing is launched.
    Streams {
        /// The server's frames.
        reader: Box<dyn AsyncRead + Unpin>,
        /// Frames for the server.
        writer: Box<dyn AsyncWrite + Unpin>,
    },
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Upstream::Command => f.write_str("Upstream::Command"),
            Upstream::Streams { .. } => f.write_str("Upstream::Streams"),
        }
    }
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret_names: Vec<&str> = self.secret_env.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("RunOptions")
            .field("command", &self.command)
            .field("args", &self.args)
            .field("server_name", &self.server_name)
            .field("identity", &self.identity)
            .field("policy_file", &self.policy_file)
            .field("log_path", &self.log_path)
            .field("log_key", &self.log_key.as_ref().map(|_| "<redacted>"))
            .field("state_dir", &self.state_dir)
            .field("env", &self.env)
            .field("secret_env", &secret_names)
            .field("mask_inherited_secrets", &self.mask_inherited_secrets)
            .field("roots", &self.roots)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("forward_signals", &self.forward_signals)
            .field("desktop_notify", &self.desktop_notify)
            .field("pins", &self.pins)
            .field("otlp", &self.otlp)
            .field("multiplexed_clients", &self.multiplexed_clients)
            .finish_non_exhaustive()
    }
}

impl RunOptions {
    /// Options with the documented defaults: read-only policy, no log, default state dir.
    pub fn new(command: impl Into<OsString>, args: Vec<OsString>) -> RunOptions {
        let command = command.into();
        let server_name = default_server_name(&command, &args);
        let identity = crate::identity::launch_identity(&command, &args);
        RunOptions {
            command,
            args,
            server_name,
            identity,
            policy: Policy::read_only(),
            policy_file: None,
            log_path: None,
            log_key: None,
            state_dir: crate::queue::default_state_dir(),
            env: Vec::new(),
            secret_env: Vec::new(),
            mask_inherited_secrets: true,
            roots: Vec::new(),
            shutdown_grace: Duration::from_secs(2),
            forward_signals: true,
            pins: PinSetup::default(),
            desktop_notify: false,
            otlp: None,
            multiplexed_clients: false,
        }
    }
}

/// The package a launcher starts, when the command shows it: `npx -y @scope/pkg@1.2 …` →
/// `@scope/pkg`, `node …/node_modules/@scope/pkg/dist/index.js` → `@scope/pkg`. Curated
/// knowledge is keyed by package, so this is how a well-known server is recognised whatever the
/// user named it.
pub fn launch_package(command: &OsString, args: &[OsString]) -> Option<String> {
    let program = std::path::Path::new(command)
        .file_name()?
        .to_string_lossy()
        .into_owned();
    let first = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .find(|a| !a.starts_with('-'))?;
    match program.as_str() {
        "npx" | "bunx" | "pnpx" | "uvx" | "pipx" => {
            let (scope, rest) = match first.strip_prefix('@') {
                Some(rest) => ("@", rest),
                None => ("", first.as_str()),
            };
            let name = rest.split('@').next().unwrap_or(rest);
            (!name.is_empty()).then(|| format!("{scope}{name}"))
        }
        "node" | "bun" | "deno" => {
            let (_, after) = first.rsplit_once("node_modules/")?;
            let mut parts = after.split('/');
            let head = parts.next()?;
            if head.starts_with('@') {
                Some(format!("{head}/{}", parts.next()?))
            } else {
                Some(head.to_owned())
            }
        }
        _ => None,
    }
}

/// A name for the server when `--name` is not given: the package without its scope and its
/// `server-`/`mcp-server-` decoration (`@modelcontextprotocol/server-filesystem` → `filesystem`),
/// else the program's file name.
pub fn default_server_name(command: &OsString, args: &[OsString]) -> String {
    if let Some(package) = launch_package(command, args) {
        let last = package.rsplit('/').next().unwrap_or(&package);
        let short = ["mcp-server-", "server-", "mcp-"]
            .iter()
            .find_map(|p| last.strip_prefix(p))
            .or_else(|| last.strip_suffix("-mcp-server"))
            .or_else(|| last.strip_suffix("-mcp"))
            .unwrap_or(last);
        if !short.is_empty() {
            return short.to_owned();
        }
    }
    let program = std::path::Path::new(command)
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if program.is_empty() {
        "server".to_owned()
    } else {
        program
    }
}

/// Why the gateway could not run a session. Faults of a running session (bad frames, a crashing
/// server) are not errors: they are answered, logged, and end in the server's exit status.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The server could not be started.
    #[error(
        "could not start the MCP server `{command}`: {source}; check the command after `--` and that it is installed"
    )]
    Spawn {
        /// The program.
        command: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The audit log could not be opened.
    #[error("could not open the audit log: {0}; pass a writable `--log FILE`")]
    Log(#[from] crate::chain::LogError),
    /// The OTLP exporter could not start.
    #[error("{0}")]
    Otlp(#[from] crate::otlp::OtlpError),
    /// The runtime or a signal handler could not be set up.
    #[error(
        "could not set up the gateway runtime: {0}; the process is probably out of file descriptors or threads (check `ulimit -n` and `ulimit -u`), then restart the client"
    )]
    Runtime(#[source] std::io::Error),
}

/// Runs a session on this process's stdin/stdout. Returns the server's exit status.
///
/// When stdin and stdout are pipes (as MCP clients launch servers) they are driven by the
/// reactor directly; tokio's portable stdin/stdout would hop through a blocking thread on every
/// read, adding latency to each message, and keep the runtime from shutting down while a read
/// is pending. Anything else (a terminal, a file) falls back to the portable ones.
pub async fn run(opts: RunOptions) -> Result<i32, GatewayError> {
    use std::os::fd::AsFd;
    use tokio::net::unix::pipe;
    let input = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .and_then(pipe::Receiver::from_owned_fd);
    let output = std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .and_then(pipe::Sender::from_owned_fd);
    match (input, output) {
        (Ok(input), Ok(output)) => run_with_io(opts, input, output).await,
        (Ok(input), Err(_)) => run_with_io(opts, input, tokio::io::stdout()).await,
        (Err(_), Ok(output)) => run_with_io(opts, tokio::io::stdin(), output).await,
        (Err(_), Err(_)) => run_with_io(opts, tokio::io::stdin(), tokio::io::stdout()).await,
    }
}

/// Runs a session with the client on `input`/`output` (in-process tests use pipes here).
pub async fn run_with_io<R, W>(opts: RunOptions, input: R, output: W) -> Result<i32, GatewayError>
where
    R: AsyncRead + Unpin + 'static,
    W: AsyncWrite + Unpin + 'static,
{
    run_with_upstream(opts, Upstream::Command, input, output).await
}

/// Runs a session with the client on `input`/`output` and the server `upstream`: the same
/// decisions, redaction and audit log whichever way the server is reached. Returns the server's
/// exit status (0 when a [`Upstream::Streams`] server's stream ended).
pub async fn run_with_upstream<R, W>(
    opts: RunOptions,
    upstream: Upstream,
    input: R,
    output: W,
) -> Result<i32, GatewayError>
where
    R: AsyncRead + Unpin + 'static,
    W: AsyncWrite + Unpin + 'static,
{
    let local = tokio::task::LocalSet::new();
    // The session loop runs as a task of the set like its readers and writers, so handing a
    // frame from one to the other stays inside the set's run queue instead of going back to the
    // runtime (which polls the I/O driver, one more system call, at every such hop).
    local
        .run_until(async move {
            tokio::task::spawn_local(session::run_session(opts, upstream, input, output))
                .await
                .unwrap_or_else(|e| Err(GatewayError::Runtime(std::io::Error::other(e))))
        })
        .await
}

/// Builds the current-thread runtime and runs a session on stdin/stdout.
pub fn run_blocking(opts: RunOptions) -> Result<i32, GatewayError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(GatewayError::Runtime)?;
    let result = runtime.block_on(run(opts));
    // A read still pending on a portable stdin would otherwise block the runtime's shutdown.
    runtime.shutdown_background();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(cmd: &str, args: &[&str]) -> String {
        default_server_name(
            &cmd.into(),
            &args.iter().map(OsString::from).collect::<Vec<_>>(),
        )
    }

    #[test]
    fn runtime_error_says_what_to_check() {
        let err = GatewayError::Runtime(std::io::Error::other("Too many open files"));
        insta::assert_snapshot!(err.to_string(), @"could not set up the gateway runtime: Too many open files; the process is probably out of file descriptors or threads (check `ulimit -n` and `ulimit -u`), then restart the client");
    }

    #[test]
    fn debug_output_never_shows_secret_values() {
        let mut opts = RunOptions::new("server", Vec::new());
        let secret = format!("sk-{}", "Debug9Leak8Check7");
        opts.secret_env = vec![("API_TOKEN".into(), secret.clone())];
        let shown = format!("{opts:?}");
        assert!(shown.contains("API_TOKEN"));
        assert!(!shown.contains(&secret));
    }

    #[test]
    fn default_name_comes_from_package_or_program() {
        assert_eq!(
            name(
                "npx",
                &["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]
            ),
            "filesystem"
        );
        assert_eq!(name("npx", &["-y", "mcp-server-fetch@1.2.3"]), "fetch");
        assert_eq!(name("/usr/local/bin/github-mcp", &["stdio"]), "github-mcp");
        assert_eq!(name("node", &["dist/index.js"]), "node");
    }

    #[test]
    fn launch_package_is_read_from_npx_and_node_modules_paths() {
        let pkg = |cmd: &str, args: &[&str]| {
            launch_package(
                &cmd.into(),
                &args.iter().map(OsString::from).collect::<Vec<_>>(),
            )
        };
        assert_eq!(
            pkg(
                "npx",
                &["-y", "@modelcontextprotocol/server-memory@2026.8.31"]
            )
            .as_deref(),
            Some("@modelcontextprotocol/server-memory")
        );
        assert_eq!(
            pkg(
                "node",
                &[
                    "/x/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js",
                    "/tmp"
                ]
            )
            .as_deref(),
            Some("@modelcontextprotocol/server-filesystem")
        );
        assert_eq!(pkg("node", &["server.js"]), None);
        assert_eq!(pkg("/bin/my-server", &["--stdio"]), None);
    }
}
