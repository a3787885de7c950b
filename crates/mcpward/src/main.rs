//! The `mcpward` command line: argument parsing and exit codes only; the work happens in the
//! library crates.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{CommandFactory as _, Parser, Subcommand};

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
    /// Start (or reach) a server and check what it shows a model: tools and their capability
    /// classes, prompts, resources, and poisoned definitions.
    Inspect(cmd::inspect::Args),
    /// Remember what each server shows (`mcpward.lock`), check it later, accept a change after
    /// review.
    Pin(cmd::pin::Args),
    /// Run an MCP server behind the gateway: policy, approval, redaction, audit log.
    Run(cmd::run::Args),
    /// Serve MCP servers over Streamable HTTP behind the gateway (policy, approval, redaction,
    /// audit log), for many clients and many instances behind a load balancer.
    Serve(cmd::serve::Args),
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
    /// Serve a local page to answer pending approvals and read the audit log and servers.
    Ui(cmd::ui::Args),
    /// Validate a policy or explain a decision.
    Policy(cmd::policy::Args),
    /// What the Linux sandbox (`run --sandbox`) can enforce on this machine.
    Sandbox(cmd::sandbox::Args),
    /// The sandbox launcher `run --sandbox` starts servers through (internal).
    #[command(name = "__sandbox-exec", hide = true)]
    SandboxExec(cmd::sandbox::ExecArgs),
    /// List running MCP servers and the config entries they come from; flag unknown ones.
    Ps(cmd::ps::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(cmd::manual::CompletionsArgs),
    /// Print the man page (roff) generated from these definitions.
    Man,
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
    // The sandbox launcher sits between spawn and the server's first byte: skip building the
    // whole command-line parser for it (launch time is budgeted, docs/PERFORMANCE.md).
    let mut argv = std::env::args_os();
    if argv.nth(1).is_some_and(|a| a == "__sandbox-exec") && argv.next().is_some_and(|a| a == "--")
    {
        let command: Vec<std::ffi::OsString> = argv.collect();
        return finish(cmd::sandbox::exec(cmd::sandbox::ExecArgs { command }));
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Audit(args) => cmd::audit::run(args),
        Command::Inspect(args) => cmd::inspect::run(args),
        Command::Pin(args) => cmd::pin::run(args),
        Command::Run(args) => cmd::run::run(args),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Wrap(args) => cmd::wrap::wrap(args),
        Command::Unwrap(args) => cmd::wrap::unwrap(args),
        Command::Check(args) => cmd::check::run(args),
        Command::Approve(args) => cmd::approve::approve(args),
        Command::Deny(args) => cmd::approve::deny(args),
        Command::Log(args) => cmd::log::run(args),
        Command::Ui(args) => cmd::ui::run(args),
        Command::Policy(args) => cmd::policy::run(args),
        Command::Sandbox(args) => cmd::sandbox::run(args),
        Command::SandboxExec(args) => cmd::sandbox::exec(args),
        Command::Ps(args) => cmd::ps::run(args),
        Command::Completions(args) => cmd::manual::completions(args, Cli::command()),
        Command::Man => cmd::manual::man(Cli::command()),
        Command::Creds(args) => cmd::creds::run(args),
        Command::Secrets(args) => cmd::secrets::run(args),
        Command::Template(args) => cmd::template::run(args),
    };
    finish(result)
}

fn finish(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(err) => {
            use std::io::Write as _;
            let _ = writeln!(anstream::stderr(), "error: {}", error_chain(&err));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, joined with `: `, leaving out a cause whose text the message
/// before it already quotes (library errors often include their cause in their own message).
fn error_chain(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}
