//! `mcpward log show` and `mcpward log verify`: read and check the hash-chained audit log.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use mcpward_gateway::chain::{self, Filter, StoredRecord};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: LogCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum LogCommand {
    /// Print audit records, oldest first.
    Show {
        /// Audit log file [default: $XDG_STATE_HOME/mcpward/audit.jsonl].
        #[arg(long, value_name = "FILE", env = "MCPWARD_LOG")]
        log: Option<PathBuf>,
        /// Only records of this server.
        #[arg(long)]
        server: Option<String>,
        /// Only records of this tool.
        #[arg(long)]
        tool: Option<String>,
        /// Only records with this decision (allow, deny, ask-approved…).
        #[arg(long)]
        decision: Option<String>,
        /// Only records of this gateway session.
        #[arg(long)]
        session: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Check the hash chain: exit 0 intact, 1 tampered (naming the first bad record).
    Verify {
        /// Audit log file [default: $XDG_STATE_HOME/mcpward/audit.jsonl].
        #[arg(long, value_name = "FILE", env = "MCPWARD_LOG")]
        log: Option<PathBuf>,
        /// Also check every record's HMAC with the key the gateway wrote them with
        /// (`mcpward run --log-key`).
        #[arg(long, value_name = "FILE", env = "MCPWARD_LOG_KEY")]
        key: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        LogCommand::Show {
            log,
            server,
            tool,
            decision,
            session,
            format,
        } => {
            let path = log.unwrap_or_else(chain::default_log_path);
            let filter = Filter {
                server,
                tool,
                decision,
                session,
            };
            ensure_exists(&path)?;
            let records = chain::read(&path, &filter)?;
            show(&records, format)?;
            Ok(ExitCode::SUCCESS)
        }
        LogCommand::Verify { log, key, format } => {
            let path = log.unwrap_or_else(chain::default_log_path);
            ensure_exists(&path)?;
            let key = key
                .map(|k| chain::LogKey::load(&k))
                .transpose()
                .context("cannot use the audit log key (--key)")?;
            let report = chain::verify_keyed(&path, key.as_ref())?;
            let mut out = anstream::stdout();
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
                Format::Text => {
                    let shown = path.display();
                    match &report.tamper {
                        None => writeln!(
                            out,
                            "{shown}: intact, {} record(s){}",
                            report.records,
                            report
                                .head_seq
                                .map(|s| format!(", {s} anchored"))
                                .unwrap_or_default()
                        )?,
                        Some(t) => writeln!(
                            out,
                            "{shown}:{}: TAMPERED ({}): {}",
                            t.line,
                            kind_name(t.kind),
                            t.reason
                        )?,
                    }
                    if report.keyed && report.is_intact() {
                        writeln!(out, "{shown}: every record's MAC matches the key")?;
                    } else if report.unchecked_macs > 0 {
                        writeln!(
                            out,
                            "{shown}: note: {} record(s) carry a MAC that was not checked; pass --key FILE to check them",
                            report.unchecked_macs
                        )?;
                    }
                    for line in &report.torn_lines {
                        writeln!(
                            out,
                            "{shown}:{line}: note: a write cut short by a crash (not tampering)"
                        )?;
                    }
                    if report.is_intact() && report.open_sessions > 0 {
                        writeln!(
                            out,
                            "{shown}: note: {} session(s) have not ended (running, or killed); {} of their record(s) were written after their head's last update, so removing those would not be detected",
                            report.open_sessions, report.unanchored_records
                        )?;
                    }
                }
            }
            Ok(if report.is_intact() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

fn ensure_exists(path: &std::path::Path) -> anyhow::Result<()> {
    if !path.exists() {
        anyhow::bail!(
            "no audit log at {}: `mcpward run` writes it there; pass --log FILE to read another one",
            path.display()
        );
    }
    Ok(())
}

fn kind_name(kind: chain::TamperKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{kind:?}"))
}

fn show(records: &[StoredRecord], format: Format) -> anyhow::Result<()> {
    let mut out = anstream::stdout();
    if format == Format::Json {
        writeln!(out, "{}", serde_json::to_string_pretty(records)?)?;
        return Ok(());
    }
    for r in records {
        let mut line = format!(
            "{}  #{}  {}  {}",
            r.time,
            r.seq,
            r.server,
            r.tool.as_deref().unwrap_or(&r.method)
        );
        line.push_str(&format!("  {}", r.decision));
        for extra in [&r.rule, &r.approver].into_iter().flatten() {
            line.push_str(&format!("  {extra}"));
        }
        if let Some(us) = r.latency_us {
            line.push_str(&format!("  {us}us"));
        }
        line.push_str(&format!("  session={}", r.session));
        if let Some(d) = &r.detail {
            line.push_str(&format!("  {d}"));
        }
        // Tool names, details and approvers come from servers, models and files: a control
        // character in any of them is shown, not obeyed.
        writeln!(out, "{}", mcpward_core::display::escape(&line))?;
    }
    if records.is_empty() {
        writeln!(anstream::stderr(), "no records match")?;
    }
    Ok(())
}
