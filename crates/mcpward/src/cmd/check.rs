//! `mcpward check`: the Claude Code `PreToolUse` hook. Reads the event from stdin, prints the
//! decision JSON and always exits 0 (Claude Code ignores the JSON of any other exit code, and a
//! non-zero exit other than 2 would let the call through). Anything that goes wrong — unreadable
//! stdin, a policy that does not load — is a `deny` naming the cause.

use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use mcpward_gateway::hook::{self, HookOutput};
use mcpward_policy::Policy;

/// Larger hook input is refused rather than read into memory.
const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy file (TOML); without it, the built-in read-only policy.
    #[arg(long, value_name = "FILE", env = "MCPWARD_POLICY")]
    pub policy: Option<PathBuf>,
    /// Register this hook in Claude Code's settings (`~/.claude/settings.json`, or with
    /// `--project` the project's `.claude/settings.json`): shows the diff, asks, backs up.
    #[arg(long, conflicts_with = "uninstall")]
    pub install: bool,
    /// Remove mcpward's hook from those settings.
    #[arg(long)]
    pub uninstall: bool,
    /// With --install/--uninstall: the project's settings (shared through git) instead of the
    /// user's.
    #[arg(long)]
    pub project: bool,
    /// With --install/--uninstall: this settings file instead.
    #[arg(long, value_name = "FILE", conflicts_with = "project")]
    pub settings: Option<PathBuf>,
    /// With --install/--uninstall: write without asking.
    #[arg(long)]
    pub yes: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.install || args.uninstall {
        return super::hook_install::run(&args);
    }
    let output = decide(&args);
    if let Some(json) = output.to_json() {
        writeln!(anstream::stdout(), "{json}")?;
    }
    Ok(ExitCode::from(output.exit_code()))
}

/// Reads the whole event before anything else, so the client's write never meets a closed pipe
/// even when the decision is already known (a policy that does not load).
fn decide(args: &Args) -> HookOutput {
    let mut input = String::new();
    let read = std::io::stdin()
        .take(MAX_INPUT_BYTES + 1)
        .read_to_string(&mut input);
    let policy = match &args.policy {
        None => Policy::read_only(),
        Some(path) => match Policy::load(path) {
            Ok(p) => p,
            Err(e) => {
                return HookOutput::deny(format!(
                    "mcpward check: cannot use the policy: {e}; fix it (`mcpward policy check {}`)",
                    path.display()
                ));
            }
        },
    };
    match read {
        Err(e) => HookOutput::deny(format!("mcpward check: cannot read the hook input: {e}")),
        Ok(n) if n as u64 > MAX_INPUT_BYTES => HookOutput::deny(format!(
            "mcpward check: the hook input is larger than {MAX_INPUT_BYTES} bytes"
        )),
        Ok(_) => hook::decide(&input, &policy),
    }
}
