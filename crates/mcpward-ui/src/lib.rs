//! The local page of `mcpward ui`: the pending approvals (answered through the approval queue,
//! like `mcpward approve`), the live audit log with its verification verdict, and per server the
//! tools mcpward recorded and the changes it refused.
//!
//! The page is served on 127.0.0.1 only, to requests that carry a random token and come from the
//! page itself ([`guard`]). Everything it shows is rendered on the server by compiled templates;
//! the one script only refreshes sections when `/events` says their source changed.
#![forbid(unsafe_code)]

pub mod audit;
pub mod changes;
pub mod guard;
mod pages;
pub mod pending;
mod routes;
pub mod servers;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use futures_util::FutureExt as _;

use mcpward_gateway::chain::LogKey;
use mcpward_gateway::queue::PageSession;

pub use guard::Token;
pub use routes::{CONTENT_SECURITY_POLICY, MAX_BODY_BYTES};

/// What the page reads.
#[derive(Debug, Clone)]
pub struct Config {
    /// The state directory: approval queue (`approvals/`) and first-use records (`first-use/`).
    pub state_dir: PathBuf,
    /// The audit log.
    pub log: PathBuf,
    /// Checks every record's MAC when given (like `mcpward log verify --key`).
    pub log_key: Option<LogKey>,
    /// Lockfiles whose pins are shown besides the first-use records.
    pub lockfiles: Vec<PathBuf>,
}

/// Why the page could not be served.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    #[error(
        "cannot listen on 127.0.0.1:{port}: {error}; pick another port with --port, or leave it out for a free one"
    )]
    Bind { port: u16, error: std::io::Error },
    #[error("the operating system gave no random bytes for the page token: {0}")]
    Random(getrandom::Error),
    #[error("the page stopped serving: {0}")]
    Serve(std::io::Error),
    #[error("cannot start the page's event loop: {0}")]
    Runtime(std::io::Error),
}

/// Shared by every handler.
#[derive(Debug)]
struct App {
    config: Config,
    token: Token,
    page_session: PageSession,
    port: u16,
    watched: changes::Watched,
}

/// A page bound to its port, ready to serve.
#[derive(Debug)]
pub struct Ui {
    listener: tokio::net::TcpListener,
    app: Arc<App>,
}

impl Ui {
    /// Listens on 127.0.0.1:`port` (0: a free port) with a fresh token and page session.
    pub async fn bind(config: Config, port: u16) -> Result<Ui, UiError> {
        let token = Token::random().map_err(UiError::Random)?;
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            .await
            .map_err(|error| UiError::Bind { port, error })?;
        let port = listener
            .local_addr()
            .map_err(|error| UiError::Bind { port, error })?
            .port();
        let watched = changes::Watched {
            queue_dir: config.state_dir.join("approvals"),
            log: config.log.clone(),
            first_use_dir: config.state_dir.join("first-use"),
            lockfiles: config.lockfiles.clone(),
        };
        Ok(Ui {
            listener,
            app: Arc::new(App {
                config,
                token,
                page_session: PageSession::random(),
                port,
                watched,
            }),
        })
    }

    /// The address to open: it carries the token, so it is shown to the person only.
    pub fn url(&self) -> String {
        format!(
            "http://127.0.0.1:{}/?token={}",
            self.app.port,
            self.app.token.as_str()
        )
    }

    pub fn port(&self) -> u16 {
        self.app.port
    }

    /// The id this run's answers are recorded with.
    pub fn page_session(&self) -> &PageSession {
        &self.app.page_session
    }

    /// Serves until the listener fails.
    pub async fn serve(self) -> Result<(), UiError> {
        axum::serve(self.listener, routes::router(self.app))
            .await
            .map_err(UiError::Serve)
    }
}

/// Binds the page, calls `ready` (to print and open its address), and serves until Ctrl-C.
pub fn run(config: Config, port: u16, ready: impl FnOnce(&Ui)) -> Result<(), UiError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(UiError::Runtime)?;
    runtime.block_on(async move {
        let ui = Ui::bind(config, port).await?;
        // Ctrl-C is handled from before the address is announced: `ctrl_c()` would install its
        // handler only when first polled, after `ready`, and an interrupt in between would kill
        // the process instead of ending it cleanly.
        let mut interrupted = std::pin::pin!(tokio::signal::ctrl_c());
        if let Some(result) = interrupted.as_mut().now_or_never() {
            // Interrupted already, or the handler could not be installed: nothing is served.
            return result.map_err(UiError::Runtime);
        }
        ready(&ui);
        tokio::select! {
            served = ui.serve() => served,
            _ = interrupted => Ok(()),
        }
    })
}

/// Opens `url` in the person's browser, without waiting for it. A failure is for the caller to
/// mention, not an error: the address is printed anyway.
pub fn open_in_browser(url: &str) -> std::io::Result<()> {
    open::that_detached(url)
}
