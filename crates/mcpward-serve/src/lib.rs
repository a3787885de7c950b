//! `mcpward serve`: the Streamable HTTP gateway.
//!
//! ```text
//!  HTTP clients ──► front (axum) ──► route engine (the decision engine of `mcpward run`)
//!   (2025 and 2026-07-28)  checks, ids         policy, approvals, pins, redaction, audit log
//!                                                  │
//!                                   bridge (reqwest) ──► Streamable HTTP server
//!                                   or a launched stdio server
//! ```
//!
//! * [`config`] reads `serve.toml`;
//! * [`front`](mod@front) is the HTTP side, one handler for `/mcp/<route>`;
//! * [`guard`] checks Host, Origin, bearer tokens, `Mcp-Method`/`Mcp-Name` (pure functions);
//! * [`session_id`] seals the `Mcp-Session-Id` of 2025 clients;
//! * [`mux`] runs one engine session per route carrying every client;
//! * [`bridge`] carries the engine's frames to and from an HTTP server;
//! * [`credentials`] resolves upstream credential headers and client tokens;
//! * [`log`](mod@log) writes the front's records in the audit log.
//!
//! Any instance can serve any request: what must be shared (the approval queue, first-use pins,
//! the keys of request states and sessions, used request states) is in the shared state
//! directory; nothing is kept per client.
#![forbid(unsafe_code)]

pub mod bridge;
pub mod config;
pub mod credentials;
pub mod front;
pub mod guard;
pub mod log;
pub mod mux;
pub mod session_id;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use config::{ConfigError, ServeConfig, Target};

use crate::mux::{RouteEngine, RouteUpstream};

/// Why `mcpward serve` could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A listener on a non-loopback address without TLS and client tokens.
    #[error(
        "refusing to listen on {addr} without TLS and client tokens: anyone who can reach it could use every route\n  hint: set [listen] tls_cert and tls_key, and tokens_file (or tokens), or listen on 127.0.0.1"
    )]
    Exposed {
        /// The address.
        addr: SocketAddr,
    },
    /// A secret could not be resolved.
    #[error("{0}")]
    Credentials(#[from] credentials::CredentialError),
    /// A policy could not be loaded.
    #[error("route `{route}`: {source}")]
    Policy {
        /// The route.
        route: String,
        /// Why.
        #[source]
        source: Box<mcpward_policy::PolicyError>,
    },
    /// The audit log could not be opened.
    #[error("cannot open the audit log: {0}; check `log` in the config")]
    Log(#[from] mcpward_gateway::chain::LogError),
    /// The session key could not be loaded or made.
    #[error("cannot use the session key in the state directory: {0}")]
    SessionKey(#[from] mcpward_gateway::request_state::RequestStateError),
    /// TLS material could not be used.
    #[error(
        "cannot use the TLS certificate or key: {0}\n  hint: tls_cert is a PEM certificate chain, tls_key its PEM private key"
    )]
    Tls(String),
    /// The OpenTelemetry export settings (OTEL_EXPORTER_OTLP_*) are not usable.
    #[error("cannot export the audit log to an OpenTelemetry collector: {0}")]
    Otlp(String),
    /// The address could not be bound, or the runtime not started.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The upstream HTTP client could not be built.
    #[error("cannot set up the HTTP client for the routes: {0}")]
    Client(String),
}

/// What a started gateway listens on.
#[derive(Debug, Clone)]
pub struct Ready {
    /// The bound address.
    pub addr: SocketAddr,
    /// Whether it speaks HTTPS.
    pub tls: bool,
    /// The routes' paths.
    pub routes: Vec<String>,
}

impl Ready {
    /// `http(s)://ADDR`.
    pub fn base_url(&self) -> String {
        format!(
            "{}://{}",
            if self.tls { "https" } else { "http" },
            self.addr
        )
    }
}

/// How long the handshake with a server may take at start (and later, when it failed).
const HANDSHAKE_WAIT: Duration = Duration::from_secs(15);

/// Runs the gateway until SIGINT or SIGTERM. `on_ready` is called once it listens.
pub fn run_blocking(config: ServeConfig, on_ready: impl FnOnce(&Ready)) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|source| ServeError::Listen {
            addr: config.listen.addr,
            source,
        })?;
    // The handlers are in place before `on_ready` announces the address, so a SIGTERM sent as
    // soon as it is printed ends the gateway cleanly instead of killing it.
    let stop = {
        let _context = runtime.enter();
        shutdown_signal()
    };
    let result = runtime.block_on(serve(config, on_ready, stop));
    runtime.shutdown_timeout(Duration::from_secs(5));
    result
}

/// Installs the SIGINT and SIGTERM handlers now (inside a runtime) and returns what completes
/// on the first of them. Where they cannot be installed, the default disposition still ends
/// the process.
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{SignalKind, signal};
    let streams = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    );
    async move {
        match streams {
            (Ok(mut int), Ok(mut term)) => {
                tokio::select! {
                    _ = int.recv() => {},
                    _ = term.recv() => {},
                }
            }
            _ => std::future::pending().await,
        }
    }
}

/// Runs the gateway until `stop` completes.
pub async fn serve(
    config: ServeConfig,
    on_ready: impl FnOnce(&Ready),
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let listen = &config.listen;
    let tls = listen.tls_cert.is_some() && listen.tls_key.is_some();
    let tokens = credentials::Tokens::load(listen.tokens_file.as_deref(), &listen.tokens)?;
    let protected = tls && tokens.required();
    if !listen.addr.ip().is_loopback() && !protected {
        return Err(ServeError::Exposed { addr: listen.addr });
    }
    // One crypto provider for the listener and the upstream client: ring, as the rest of the
    // workspace's TLS. Installing fails only when one is installed already, which is as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tls_config = if tls { Some(load_tls(listen)?) } else { None };
    let instance = format!(
        "serve-{:x}-{:x}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    );
    let log = Arc::new(log::FrontLog::open(&config.log, &instance)?);
    let sessions = session_id::SessionKey::load_or_create(&config.state_dir)?;
    let mut routes = HashMap::new();
    for route in &config.routes {
        let engine = start_route(&config, route, log.clone())?;
        routes.insert(route.name.clone(), engine);
    }
    // The handshake with every server now, so their identity and tools are checked (and pinned
    // on first use) before the first client; a server that is not up yet is retried at the
    // first request.
    for (name, engine) in &routes {
        if let Err(e) = engine.handshake().await {
            log.event(
                name,
                "serve-route-unavailable",
                format!("the handshake with the server failed at start: {e}"),
            );
        }
    }
    let std_listener =
        std::net::TcpListener::bind(listen.addr).map_err(|source| ServeError::Listen {
            addr: listen.addr,
            source,
        })?;
    std_listener
        .set_nonblocking(true)
        .map_err(|source| ServeError::Listen {
            addr: listen.addr,
            source,
        })?;
    let bound = std_listener
        .local_addr()
        .map_err(|source| ServeError::Listen {
            addr: listen.addr,
            source,
        })?;
    let front = Arc::new(front::Front {
        routes: routes.clone(),
        tokens,
        local: bound,
        allowed_hosts: listen.allowed_hosts.clone(),
        allowed_origins: listen.allowed_origins.clone(),
        max_body: listen.max_body_bytes,
        read_timeout: Duration::from_secs(listen.timeout_secs),
        limiter: front::limiter(listen.rate_per_minute),
        sessions,
        log: log.clone(),
    });
    let limiter_front = front.clone();
    let sweeper = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            limiter_front.limiter.retain_recent();
            limiter_front.limiter.shrink_to_fit();
        }
    });
    let app = front::router(front.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    let stopping = tokio::spawn(async move {
        stop.await;
        stopper.graceful_shutdown(Some(Duration::from_secs(5)));
    });
    let mut route_paths: Vec<String> = config
        .routes
        .iter()
        .map(|r| format!("/mcp/{}", r.name))
        .collect();
    route_paths.sort();
    on_ready(&Ready {
        addr: bound,
        tls,
        routes: route_paths,
    });
    let header_read = Duration::from_secs(config.listen.timeout_secs);
    let served = match tls_config {
        Some(tls) => {
            let mut server = axum_server::from_tcp_rustls(std_listener, tls)
                .map_err(|source| ServeError::Listen {
                    addr: bound,
                    source,
                })?
                .handle(handle);
            configure(server.http_builder(), header_read);
            server.serve(app).await
        }
        None => {
            let mut server = axum_server::from_tcp(std_listener)
                .map_err(|source| ServeError::Listen {
                    addr: bound,
                    source,
                })?
                .handle(handle);
            configure(server.http_builder(), header_read);
            server.serve(app).await
        }
    };
    sweeper.abort();
    stopping.abort();
    drop(front);
    for engine in routes.values() {
        engine.close().await;
    }
    log.close();
    served.map_err(|source| ServeError::Listen {
        addr: bound,
        source,
    })
}

/// Slow clients: request headers must arrive within the listener's timeout (the body is bounded
/// by the front).
fn configure(
    builder: &mut hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>,
    header_read: Duration,
) {
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(header_read);
}

fn load_tls(listen: &config::Listen) -> Result<axum_server::tls_rustls::RustlsConfig, ServeError> {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let (Some(cert), Some(key)) = (&listen.tls_cert, &listen.tls_key) else {
        return Err(ServeError::Tls("tls_cert and tls_key go together".into()));
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| ServeError::Tls(format!("{}: {e}", cert.display())))?;
    if certs.is_empty() {
        return Err(ServeError::Tls(format!(
            "{}: no certificate in the file",
            cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| ServeError::Tls(format!("{}: {e}", key.display())))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ServeError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| ServeError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(axum_server::tls_rustls::RustlsConfig::from_config(
        Arc::new(config),
    ))
}

/// Starts one route's engine.
fn start_route(
    config: &ServeConfig,
    route: &config::Route,
    log: Arc<log::FrontLog>,
) -> Result<Arc<RouteEngine>, ServeError> {
    use mcpward_gateway::proxy::RunOptions;
    let (mut opts, upstream, header_secrets) = match &route.target {
        Target::Url(url) => {
            let headers = credentials::resolve_headers(&route.name, &route.headers)?;
            let secrets: Vec<String> = headers
                .iter()
                .flat_map(|h| h.secrets.iter().map(|s| s.expose().to_owned()))
                .collect();
            // Named by its URL: first-use pins and request states are keyed by it, as a
            // launched server's are by its command line.
            let opts = RunOptions::new(url.clone(), Vec::new());
            let bridge = bridge::BridgeConfig {
                route: route.name.clone(),
                url: url.clone(),
                headers,
                timeout: Duration::from_secs(config.listen.timeout_secs),
                max_frame: 0,
            };
            (opts, Some(bridge), secrets)
        }
        Target::Command { command, args } => {
            let args: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
            let mut opts = RunOptions::new(command.clone(), args);
            if let Ok(cwd) = std::env::current_dir() {
                opts.roots = mcpward_gateway::paths::launch_roots(&opts.args, &cwd);
            }
            (opts, None, Vec::new())
        }
    };
    opts.server_name = route.name.clone();
    if let Some(path) = &route.policy {
        opts.policy = mcpward_policy::Policy::load(path).map_err(|source| ServeError::Policy {
            route: route.name.clone(),
            source: Box::new(source),
        })?;
        opts.policy_file = Some(path.clone());
    }
    let secrets = credentials::resolve_secrets(&route.name, &route.secrets)?;
    opts.secret_env = secrets
        .iter()
        .map(|(k, v)| (k.clone(), v.expose().to_owned()))
        .collect();
    // Header credentials are masked like secrets, but never put in an environment.
    for (i, value) in header_secrets.into_iter().enumerate() {
        if matches!(route.target, Target::Url(_)) {
            opts.secret_env
                .push((format!("MCPWARD_ROUTE_HEADER_{i}"), value));
        }
    }
    opts.state_dir = config.state_dir.clone();
    opts.log_path = Some(config.log.clone());
    opts.forward_signals = false;
    opts.desktop_notify = false;
    opts.multiplexed_clients = true;
    // Many instances, one trail: the standard OTEL_EXPORTER_OTLP_* variables send every route's
    // records to a collector as well, as they do for `mcpward run`.
    opts.otlp = mcpward_gateway::otlp::OtlpConfig::resolve(
        &mcpward_gateway::otlp::OtlpFlags::default(),
        &|name| std::env::var(name).ok(),
    )
    .map_err(|e| ServeError::Otlp(e.to_string()))?;
    opts.pins = mcpward_gateway::proxy::PinSetup::FirstUse;
    let max_frame = if opts.policy.defaults.max_frame_bytes == 0 {
        mcpward_gateway::frame::DEFAULT_MAX_FRAME_BYTES
    } else {
        opts.policy.defaults.max_frame_bytes
    };
    let approval = Duration::from_secs(opts.policy.defaults.approval_timeout_secs.max(1));
    let upstream_timeout = Duration::from_secs(config.listen.timeout_secs);
    // A call may wait for the server and, before that, for a person.
    let wait = upstream_timeout + approval + Duration::from_secs(5);
    let upstream = match upstream {
        Some(mut bridge) => {
            bridge.max_frame = max_frame;
            RouteUpstream::Http(bridge)
        }
        None => RouteUpstream::Command,
    };
    RouteEngine::start(
        opts,
        upstream,
        wait,
        HANDSHAKE_WAIT.max(upstream_timeout),
        log,
    )
    .map_err(|source| ServeError::Listen {
        addr: config.listen.addr,
        source,
    })
}
