//! `mcpward approve <id>` / `mcpward deny <id>` / `mcpward approve --list`: answer tool calls
//! that a gateway holds in the local approval queue.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use mcpward_core::display::{self, escape};
use mcpward_gateway::queue::{self, AnswerSource, ApprovalScope};

#[derive(Debug, clap::Args)]
pub struct ApproveArgs {
    /// Id of the pending call (shown by the gateway and by `--list`).
    #[arg(required_unless_present = "list", conflicts_with = "list")]
    pub id: Option<String>,
    /// Approve this tool for the rest of the gateway session, not just this call.
    #[arg(long)]
    pub session: bool,
    /// List pending calls instead of approving one.
    #[arg(long)]
    pub list: bool,
    /// Answer without an interactive terminal. This lets scripts answer: anything that can run
    /// as you can then approve. The audit log records that no terminal was present.
    #[arg(long)]
    pub no_tty: bool,
    /// State directory [default: $XDG_STATE_HOME/mcpward].
    #[arg(long, value_name = "DIR", env = "MCPWARD_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct DenyArgs {
    /// Id of the pending call.
    pub id: String,
    /// Answer without an interactive terminal (the audit log records that none was present).
    #[arg(long)]
    pub no_tty: bool,
    /// State directory [default: $XDG_STATE_HOME/mcpward].
    #[arg(long, value_name = "DIR", env = "MCPWARD_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
}

pub fn approve(args: ApproveArgs) -> anyhow::Result<ExitCode> {
    let dir = args.state_dir.unwrap_or_else(queue::default_state_dir);
    let mut out = anstream::stdout();
    let Some(id) = args.id.filter(|_| !args.list) else {
        let pending = queue::pending(&dir)?;
        if pending.is_empty() {
            writeln!(out, "no pending approvals")?;
        }
        // Everything but the id comes from a server, a model or a file anyone running as the
        // user can write: escaped, and the short arguments (paths) before long content.
        for r in pending {
            writeln!(
                out,
                "{}  {}/{}  session={}",
                r.id,
                escape(&r.server),
                escape(&r.tool),
                escape(&r.session)
            )?;
            writeln!(out, "        why: {}", escape(&r.reason))?;
            for line in display::argument_lines(&r.arguments_masked) {
                writeln!(out, "        argument {line}")?;
            }
        }
        return Ok(ExitCode::SUCCESS);
    };
    let from = answer_source(args.no_tty, "approve")?;
    let scope = if args.session {
        ApprovalScope::Session
    } else {
        ApprovalScope::Once
    };
    let what = describe(&dir, &id);
    queue::approve(&dir, &id, scope, from)?;
    let how = match scope {
        ApprovalScope::Once => "this call only",
        ApprovalScope::Session => "for the rest of the session",
    };
    writeln!(out, "approved {what}: {how}")?;
    Ok(ExitCode::SUCCESS)
}

pub fn deny(args: DenyArgs) -> anyhow::Result<ExitCode> {
    let from = answer_source(args.no_tty, "deny")?;
    let dir = args.state_dir.unwrap_or_else(queue::default_state_dir);
    let what = describe(&dir, &args.id);
    queue::deny(&dir, &args.id, from)?;
    writeln!(anstream::stdout(), "denied {what}")?;
    Ok(ExitCode::SUCCESS)
}

/// An answer comes from a person at a terminal unless `--no-tty` says a script gives it: a
/// server or tool running as the user has no terminal, so it cannot answer by accident of
/// finding this command. (It can still pass `--no-tty` or write the file; the log then says
/// no terminal was present, or records the terminal as a claim.)
fn answer_source(no_tty: bool, verb: &str) -> anyhow::Result<AnswerSource> {
    use std::io::IsTerminal as _;
    if no_tty {
        Ok(AnswerSource::Script)
    } else if std::io::stdin().is_terminal() {
        Ok(AnswerSource::Terminal)
    } else {
        anyhow::bail!(
            "`mcpward {verb}` answers for a person and needs an interactive terminal (stdin is not one); run it in a terminal, or pass --no-tty to let a script answer (the audit log records that no terminal was present)"
        )
    }
}

/// `abc123 (filesystem/write_file)` when the request can be read, else the id as typed.
fn describe(dir: &std::path::Path, id: &str) -> String {
    let id_norm = id.trim().to_ascii_lowercase();
    queue::pending(dir)
        .ok()
        .and_then(|p| p.into_iter().find(|r| r.id == id_norm))
        .map(|r| format!("{} ({}/{})", r.id, escape(&r.server), escape(&r.tool)))
        .unwrap_or_else(|| escape(id.trim()).into_owned())
}
