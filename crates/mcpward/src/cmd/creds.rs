//! `mcpward creds`: the credentials discovered configs use, their rotation status, `rotated`
//! and `calendar`. The work is in `mcpward-creds`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use jiff::civil::Date;
use mcpward_config::ConfigFile;
use mcpward_creds::{RotationState, Row, Status};

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub action: Option<Action>,
    #[command(flatten)]
    pub common: Common,
    /// Print JSON (versioned; literal credentials by fingerprint only).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct Common {
    /// Config files to read instead of discovering every client's configs (repeatable).
    #[arg(long = "config", value_name = "FILE")]
    pub configs: Vec<PathBuf>,
    /// Project directory for project-level configs (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// Where rotation dates are kept (`creds.json`, user-only).
    #[arg(long, value_name = "DIR", env = "MCPWARD_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// Judge ages and due dates as of this date (YYYY-MM-DD) instead of today.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<Date>,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Record that a credential was rotated (NAME: variable name, input id, reference or
    /// fingerprint, as `mcpward creds` shows it).
    Rotated {
        name: String,
        /// Date of the rotation (default: today).
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        date: Option<Date>,
        /// Rotate this credential every DAYS days from now on (default 90).
        #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=3650))]
        period: Option<u32>,
        #[command(flatten)]
        common: Common,
    },
    /// Write an iCalendar file with a reminder on each credential's next rotation date.
    Calendar {
        /// Output file (default: standard output).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
}

fn parse_date(s: &str) -> Result<Date, String> {
    s.parse()
        .map_err(|_| format!("`{s}` is not a date; write YYYY-MM-DD"))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.action {
        None => list(&args.common, args.json),
        Some(Action::Rotated {
            name,
            date,
            period,
            common,
        }) => rotated(&common, &name, date, period),
        Some(Action::Calendar { output, common }) => calendar(&common, output.as_deref()),
    }
}

fn today(common: &Common) -> Date {
    common.as_of.unwrap_or_else(mcpward_creds::today)
}

fn state_dir(common: &Common) -> PathBuf {
    common
        .state_dir
        .clone()
        .unwrap_or_else(mcpward_gateway::queue::default_state_dir)
}

/// Discovered (or named) configs; files named with --config that cannot be read are errors.
pub fn load_configs(
    configs: &[PathBuf],
    project: Option<&Path>,
) -> anyhow::Result<Vec<ConfigFile>> {
    if !configs.is_empty() {
        let mut files = Vec::new();
        for result in mcpward_config::load_paths(configs) {
            files.push(result?);
        }
        return Ok(files);
    }
    super::ps::discovered(project)
}

fn credentials(common: &Common) -> anyhow::Result<Vec<mcpward_creds::Credential>> {
    let files = load_configs(&common.configs, common.project.as_deref())?;
    let env = |name: &str| std::env::var(name).ok();
    Ok(mcpward_creds::inventory(&files, &env))
}

/// The schedule; first sightings are recorded in the state file (under its lock).
fn rows(common: &Common) -> anyhow::Result<Vec<Row>> {
    let credentials = credentials(common)?;
    let today = today(common);
    Ok(RotationState::update(&state_dir(common), |state| {
        mcpward_creds::schedule(credentials, state, today)
    })?)
}

fn list(common: &Common, json: bool) -> anyhow::Result<ExitCode> {
    let rows = rows(common)?;
    let today = today(common);
    let text = if json {
        mcpward_creds::report::json(&rows, today)
    } else {
        mcpward_creds::report::human(&rows, today)
    };
    anstream::stdout().write_all(text.as_bytes())?;
    Ok(if rows.iter().any(|r| r.status == Status::Overdue) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn rotated(
    common: &Common,
    name: &str,
    date: Option<Date>,
    period: Option<u32>,
) -> anyhow::Result<ExitCode> {
    let credentials = credentials(common)?;
    let when = date.unwrap_or_else(|| today(common));
    let today = today(common);
    let row = RotationState::update(&state_dir(common), |state| {
        let rows = mcpward_creds::schedule(credentials, state, today);
        let row = mcpward_creds::schedule::find(&rows, name)?.clone();
        state.rotated(&row.credential.id, when, period);
        Ok::<Row, mcpward_creds::schedule::FindError>(row)
    })??;
    let mut err = anstream::stderr();
    writeln!(
        err,
        "recorded: {} rotated on {when}{}",
        row.credential.origin.name(),
        period
            .map(|p| format!(", every {p} days from now on"))
            .unwrap_or_default()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn calendar(common: &Common, output: Option<&Path>) -> anyhow::Result<ExitCode> {
    let rows = rows(common)?;
    let text = mcpward_creds::calendar(&rows, today(common));
    match output {
        Some(path) => {
            std::fs::write(path, &text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            writeln!(
                anstream::stderr(),
                "wrote {} reminder(s) to {}",
                rows.len(),
                path.display()
            )?;
        }
        None => anstream::stdout().write_all(text.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `credential-rotation-overdue` findings for `mcpward audit`'s machine output. Reads the
/// rotation state without recording anything.
pub fn overdue_findings(files: &[ConfigFile]) -> anyhow::Result<Vec<mcpward_core::Finding>> {
    let dir = std::env::var_os("MCPWARD_STATE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(mcpward_gateway::queue::default_state_dir);
    let mut state = RotationState::load(&dir)?;
    let env = |name: &str| std::env::var(name).ok();
    let credentials = mcpward_creds::inventory(files, &env);
    let rows = mcpward_creds::schedule(credentials, &mut state, mcpward_creds::today());
    Ok(mcpward_creds::report::overdue_findings(&rows))
}
