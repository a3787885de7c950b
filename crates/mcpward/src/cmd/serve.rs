//! `mcpward serve`: the Streamable HTTP gateway; the work happens in `mcpward-serve`.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  mcpward serve --config serve.toml\n  (clients then use http://127.0.0.1:8080/mcp/NAME for each [[route]] NAME)"
)]
pub struct Args {
    /// The gateway's config (TOML): listener, shared state directory, audit log, routes.
    #[arg(long, value_name = "FILE", env = "MCPWARD_SERVE_CONFIG")]
    pub config: PathBuf,
    /// Listen here instead of the config's listen address (port 0 picks a free port).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// This instance's audit log, instead of the config's `log` (each instance behind a load
    /// balancer keeps its own).
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut config = mcpward_serve::ServeConfig::load(&args.config)?;
    if let Some(addr) = args.listen {
        config.listen.addr = addr;
    }
    if let Some(log) = args.log {
        config.log = log;
    }
    mcpward_serve::run_blocking(config, |ready| {
        let mut out = std::io::stdout();
        let _ = writeln!(
            out,
            "mcpward serve: listening on {}; routes: {}",
            ready.base_url(),
            ready
                .routes
                .iter()
                .map(|r| format!("{}{r}", ready.base_url()))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = out.flush();
    })?;
    Ok(ExitCode::SUCCESS)
}
