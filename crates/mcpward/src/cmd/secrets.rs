//! `mcpward secrets set|rm|list`: values in the OS keychain, for `keyring:mcpward/NAME`
//! references. The work is in `mcpward_creds::store`.

use std::io::{IsTerminal as _, Read as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use mcpward_creds::Secret;
use mcpward_creds::store::{self, OsKeychain};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
    /// Where the list of stored names is kept (names only, user-only).
    #[arg(long, value_name = "DIR", env = "MCPWARD_STATE_DIR", global = true)]
    pub state_dir: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Store a secret: prompts without echo, or reads standard input when it is not a terminal.
    Set {
        /// Variable name, e.g. GITHUB_TOKEN; use it as `keyring:mcpward/NAME`.
        name: String,
    },
    /// Delete a stored secret.
    Rm { name: String },
    /// List the names of stored secrets (never their values).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dir = args
        .state_dir
        .unwrap_or_else(mcpward_gateway::queue::default_state_dir);
    let keychain = OsKeychain;
    let mut err = anstream::stderr();
    match args.action {
        Action::Set { name } => {
            let value = read_value(&name)?;
            let reference = store::set(&keychain, &dir, &name, &value)?;
            writeln!(
                err,
                "stored {name} in the OS keychain; use it as {reference}, e.g. `mcpward run --secret {name}={reference} -- <server command>`"
            )?;
        }
        Action::Rm { name } => {
            store::remove(&keychain, &dir, &name)?;
            writeln!(err, "removed {name}")?;
        }
        Action::List { json } => {
            let listed = store::list(&keychain, &dir)?;
            let mut out = anstream::stdout();
            if json {
                let doc = serde_json::json!({ "version": 1, "secrets": listed });
                writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
            } else if listed.is_empty() {
                writeln!(
                    out,
                    "no secrets stored by mcpward (add one with `mcpward secrets set NAME`)"
                )?;
            } else {
                for l in listed {
                    let missing = if l.present {
                        ""
                    } else {
                        "  (missing from the keychain)"
                    };
                    writeln!(out, "{}  {}{missing}", l.name, l.reference)?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The value to store: a no-echo prompt on a terminal, else all of standard input (one
/// trailing newline dropped).
fn read_value(name: &str) -> anyhow::Result<Secret> {
    let stdin = std::io::stdin();
    let value = if stdin.is_terminal() {
        rpassword::prompt_password(format!("value for {name} (not shown): "))
            .context("cannot read the value from the terminal")?
    } else {
        let mut text = String::new();
        stdin
            .lock()
            .read_to_string(&mut text)
            .context("cannot read the value from standard input")?;
        let trimmed = text.strip_suffix('\n').unwrap_or(&text);
        trimmed.strip_suffix('\r').unwrap_or(trimmed).to_string()
    };
    Ok(Secret::new(value))
}
