//! `mcpward policy check FILE` and `mcpward policy explain`.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use mcpward_policy::{Call, Policy, ToolFacts, knowledge};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum PolicyCommand {
    /// Validate policy files; errors name the line and column. Exit 1 if any is invalid.
    Check {
        /// Policy files (TOML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Show which rule decides a call, and why every earlier rule did not.
    Explain {
        /// Policy file; without it, the built-in read-only policy.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Server name, as given to `mcpward run --name`.
        #[arg(long, default_value = "")]
        server: String,
        /// Tool name.
        #[arg(long)]
        tool: String,
        /// Tool arguments as a JSON object.
        #[arg(long, default_value = "{}")]
        args: String,
        /// Decide as if the session had already read untrusted content.
        #[arg(long)]
        tainted: bool,
        /// Root directory that relative path arguments are resolved against.
        #[arg(long)]
        root: Vec<PathBuf>,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut stdout = anstream::stdout();
    match args.command {
        PolicyCommand::Check { files } => {
            let mut stderr = anstream::stderr();
            let mut invalid = 0;
            for file in &files {
                match Policy::load(file) {
                    Ok(policy) => {
                        let servers = match policy.servers.len() {
                            0 => String::new(),
                            n => format!("{n} server table(s), "),
                        };
                        writeln!(
                            stdout,
                            "{}: ok ({} rule(s), {servers}default mode {})",
                            file.display(),
                            policy.rules.len(),
                            policy.defaults.mode
                        )?;
                    }
                    Err(err) => {
                        invalid += 1;
                        writeln!(stderr, "error: {err}")?;
                    }
                }
            }
            Ok(if invalid == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        PolicyCommand::Explain {
            policy,
            server,
            tool,
            args,
            tainted,
            root,
        } => {
            let policy = match &policy {
                Some(path) => Policy::load(path)?,
                None => Policy::read_only(),
            };
            let arguments: serde_json::Value = serde_json::from_str(&args)
                .with_context(|| format!("--args is not valid JSON: {args}"))?;
            anyhow::ensure!(
                arguments.is_object(),
                "--args must be a JSON object, e.g. '{{\"path\": \"src/main.rs\"}}'"
            );
            let facts = ToolFacts {
                kind: knowledge::classify(&tool, None, None),
                // Curated knowledge needs the server's launch identity, which a name is not.
                read_only: knowledge::read_only_proof(
                    None,
                    &tool,
                    None,
                    policy.trusts(&server),
                    false,
                ),
                session_tainted: tainted,
                roots: root,
                input_schema: None,
            };
            let call = Call {
                server: &server,
                tool: &tool,
                arguments: &arguments,
                facts: &facts,
            };
            let explanation = mcpward_policy::explain(&policy, &call);
            let text = explanation.to_string();
            writeln!(stdout, "{}", text.trim_end())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
