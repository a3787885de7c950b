//! The `mcpward` command line: argument parsing and exit codes only; the work happens in the
//! library crates.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

/// Make MCP servers safe to hand to an AI agent.
#[derive(Debug, Parser)]
#[command(name = "mcpward", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Find MCP client configs and report what a careful person would fix.
    Audit(cmd::audit::Args),
    /// Run an MCP server behind the gateway: policy, approval, redaction, audit log.
    Run(cmd::run::Args),
    /// Rewrite a client's config so every stdio server goes through `mcpward run`.
    Wrap(cmd::wrap::WrapArgs),
    /// Undo `mcpward wrap`.
    Unwrap(cmd::wrap::UnwrapArgs),
    /// Decide a Claude Code PreToolUse hook event read from stdin.
    Check(cmd::check::Args),
    /// Approve a pending tool call.
    Approve(cmd::approve::ApproveArgs),
    /// Refuse a pending tool call.
    Deny(cmd::approve::DenyArgs),
    /// Show or verify the audit log.
    Log(cmd::log::Args),
    /// Validate a policy or explain a decision.
    Policy(cmd::policy::Args),
    /// List the credentials your configs use and when each is due for rotation; `rotated`
    /// records a rotation, `calendar` writes reminders.
    Creds(cmd::creds::Args),
    /// Store, remove and list secrets in the OS keychain for `keyring:mcpward/NAME` references.
    Secrets(cmd::secrets::Args),
    /// Write a shareable copy of a config with every literal secret replaced by a reference.
    Template(cmd::template::Args),
}

/// Exit codes (DESIGN.md §3): 0 nothing at or above `--fail-on`, 1 findings, 2 usage/runtime error.
fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Audit(args) => cmd::audit::run(args),
        Command::Run(args) => cmd::run::run(args),
        Command::Wrap(args) => cmd::wrap::wrap(args),
        Command::Unwrap(args) => cmd::wrap::unwrap(args),
        Command::Check(args) => cmd::check::run(args),
        Command::Approve(args) => cmd::approve::approve(args),
        Command::Deny(args) => cmd::approve::deny(args),
        Command::Log(args) => cmd::log::run(args),
        Command::Policy(args) => cmd::policy::run(args),
        Command::Creds(args) => cmd::creds::run(args),
        Command::Secrets(args) => cmd::secrets::run(args),
        Command::Template(args) => cmd::template::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            use std::io::Write as _;
            let _ = writeln!(anstream::stderr(), "error: {err:#}");
            ExitCode::from(2)
        }
    }
}
