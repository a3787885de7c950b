//! `mcpward ps`: running MCP servers and the config entries they come from.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use mcpward_config::{ConfigFile, Os};
use mcpward_ps::{Change, McpProcess};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON (one document; with --watch, one JSON object per line and change).
    #[arg(long)]
    pub json: bool,
    /// Keep watching: report processes as they start and end, until interrupted.
    #[arg(long)]
    pub watch: bool,
    /// With --watch: seconds between scans.
    #[arg(long, default_value = "1", value_name = "SECONDS", requires = "watch")]
    pub interval: f64,
    /// Project directory for project-level configs (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
}

/// The configs of this machine (and of `project`, default the current directory): what `ps`
/// and `audit` match processes against, and what `creds` inventories.
pub fn discovered(project: Option<&std::path::Path>) -> anyhow::Result<Vec<ConfigFile>> {
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .context(
            "cannot find your home directory: set HOME, or name configs on the command line",
        )?;
    let project = match project {
        Some(p) => p.to_path_buf(),
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    let env = |name: &str| std::env::var(name).ok();
    Ok(mcpward_config::discover(
        &home,
        &project,
        Os::current(),
        &env,
    ))
}

/// Every MCP process running now.
pub fn scan(configs: &[ConfigFile]) -> anyhow::Result<Vec<McpProcess>> {
    let table = mcpward_ps::snapshot()?;
    Ok(mcpward_ps::classify(&table, configs, std::process::id()))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let configs = discovered(args.project.as_deref())?;
    let mut stdout = anstream::stdout();
    let found = scan(&configs)?;
    if args.watch {
        for p in &found {
            write_change(&mut stdout, args.json, "running", p)?;
        }
        let mut before = found;
        let interval = Duration::from_secs_f64(args.interval.max(0.05));
        loop {
            std::thread::sleep(interval);
            let now = scan(&configs)?;
            for change in mcpward_ps::diff(&before, &now) {
                match &change {
                    Change::Started(p) => write_change(&mut stdout, args.json, "started", p)?,
                    Change::Ended(p) => write_change(&mut stdout, args.json, "ended", p)?,
                }
            }
            stdout.flush()?;
            before = now;
        }
    }
    if args.json {
        let doc = serde_json::json!({ "version": 1, "processes": found });
        writeln!(stdout, "{}", serde_json::to_string_pretty(&doc)?)?;
    } else {
        stdout.write_all(table(&found).as_bytes())?;
    }
    Ok(if found.iter().any(|p| p.unknown) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn write_change(
    out: &mut impl std::io::Write,
    json: bool,
    event: &str,
    p: &McpProcess,
) -> std::io::Result<()> {
    if json {
        let line = serde_json::json!({ "event": event, "process": p });
        writeln!(out, "{line}")
    } else {
        writeln!(out, "{event} {}", one_line(p))
    }
}

fn time(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|_| secs.to_string())
}

fn one_line(p: &McpProcess) -> String {
    let entry = match &p.entry {
        Some(e) => format!("{} › {}", e.client, e.server),
        None => "UNKNOWN: no config entry starts it".to_owned(),
    };
    let guard = match (p.gated, p.sandboxed) {
        (_, true) => "mcpward run --sandbox",
        (true, false) => "mcpward run",
        _ => "not gated",
    };
    format!(
        "{} {} [{}] ({guard}) {}",
        p.pid,
        p.user,
        entry,
        mcpward_core::display::escape(&p.command)
    )
}

fn table(found: &[McpProcess]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for p in found {
        let mark = if p.unknown { "!" } else { " " };
        let _ = writeln!(out, "{mark} {}", one_line(p));
        let _ = writeln!(out, "    started {}", time(p.start_time));
        if !p.parents.is_empty() {
            let chain: Vec<String> = p
                .parents
                .iter()
                .map(|a| match a.client {
                    Some(c) => format!("{}({}) = {c}", a.name, a.pid),
                    None => format!("{}({})", a.name, a.pid),
                })
                .collect();
            let _ = writeln!(out, "    parents {}", chain.join(" ← "));
        }
        for e in &p.secret_env {
            let _ = writeln!(out, "    env {e}");
        }
    }
    let unknown = found.iter().filter(|p| p.unknown).count();
    let _ = writeln!(
        out,
        "{} MCP process(es), {unknown} unknown (no config entry starts them)",
        found.len()
    );
    out
}
