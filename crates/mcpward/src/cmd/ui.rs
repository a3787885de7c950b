//! `mcpward ui`: serve the local page (pending approvals, the audit log, servers) on 127.0.0.1.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use mcpward_gateway::queue;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "The address carries a random token: anyone who can read it (a screen share, a same-user process that reads your terminal) can answer approvals as you. Stop the page with Ctrl-C."
)]
pub struct Args {
    /// State directory with the approval queue and first-use records [default: $XDG_STATE_HOME/mcpward].
    #[arg(long, value_name = "DIR", env = "MCPWARD_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// Audit log file [default: audit.jsonl in the state directory].
    #[arg(long, value_name = "FILE", env = "MCPWARD_LOG")]
    pub log: Option<PathBuf>,
    /// Check every record's MAC with this key (`mcpward run --log-key`), as `log verify --key` does.
    #[arg(long, value_name = "FILE", env = "MCPWARD_LOG_KEY")]
    pub key: Option<PathBuf>,
    /// Lockfile whose pins the servers view shows [default: mcpward.lock in the current directory
    /// or its nearest parent, then the one in the state directory].
    #[arg(long, value_name = "FILE", env = "MCPWARD_LOCKFILE")]
    pub lockfile: Option<PathBuf>,
    /// Port on 127.0.0.1 [default: a free one].
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub port: u16,
    /// Print the address without opening a browser.
    #[arg(long)]
    pub no_open: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let state_dir = args.state_dir.unwrap_or_else(queue::default_state_dir);
    let log = args.log.unwrap_or_else(|| state_dir.join("audit.jsonl"));
    let log_key = args
        .key
        .map(|k| mcpward_gateway::chain::LogKey::load(&k))
        .transpose()
        .context("cannot use the audit log key (--key)")?;
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let lockfiles = super::pin::lockfiles(args.lockfile.as_deref(), &cwd, &state_dir);
    let config = mcpward_ui::Config {
        state_dir,
        log,
        log_key,
        lockfiles,
    };
    let no_open = args.no_open;
    mcpward_ui::run(config, args.port, |ui| {
        let url = ui.url();
        let mut out = anstream::stdout();
        // The address first and alone on its line: scripts and tests read it from there.
        let _ = writeln!(out, "{url}");
        let _ = writeln!(
            out,
            "mcpward ui: page session {} on 127.0.0.1:{}; anyone who can read the address above can answer approvals as you. Ctrl-C stops it.",
            ui.page_session(),
            ui.port()
        );
        let _ = out.flush();
        if !no_open && let Err(e) = mcpward_ui::open_in_browser(&url) {
            let _ = writeln!(
                anstream::stderr(),
                "note: could not open a browser ({e}); open the address above yourself"
            );
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
