//! `mcpward sandbox check` (what this kernel supports and what `--sandbox` applies) and the
//! hidden launcher `mcpward __sandbox-exec -- COMMAND…` that `run --sandbox` starts servers
//! through.

use std::ffi::OsString;
use std::io::Write as _;
use std::process::ExitCode;

use mcpward_sandbox::spec::Network;
use mcpward_sandbox::support::{Protection, Support, missing_required};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: SandboxCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum SandboxCommand {
    /// Print what this kernel supports (Landlock ABI, seccomp, user namespaces) and exactly
    /// which protections `run --sandbox` will apply here. Exit 1 when a required one is missing.
    Check {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct ExecArgs {
    /// The server command, after `--`.
    #[arg(last = true, required = true)]
    pub command: Vec<OsString>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        SandboxCommand::Check { json } => check(json),
    }
}

fn check(json: bool) -> anyhow::Result<ExitCode> {
    let support = Support::detect();
    let protections = support.protections(&Network::Deny);
    let missing = missing_required(&protections).len();
    let mut out = anstream::stdout();
    if json {
        let report = serde_json::json!({
            "support": support,
            "protections": protections,
            "tcp_port_rules": support.landlock_abi.unwrap_or(0) >= mcpward_sandbox::support::LANDLOCK_NET_ABI,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        let abi = support
            .landlock_abi
            .map_or("not available".to_owned(), |v| format!("ABI {v}"));
        writeln!(out, "kernel:          {}", support.kernel)?;
        writeln!(out, "landlock:        {abi}")?;
        writeln!(
            out,
            "seccomp:         {}",
            match (support.seccomp, support.seccomp_allowlist) {
                (true, true) => "filters available; allowlist built for this architecture",
                (true, false) => "filters available; no allowlist for this architecture yet",
                (false, _) => "not available",
            }
        )?;
        writeln!(
            out,
            "user namespaces: {} (not needed by the sandbox)",
            if support.user_namespaces {
                "available"
            } else {
                "not available"
            }
        )?;
        writeln!(
            out,
            "network allowlist (TCP port rules, Landlock ABI 4): {}",
            if support.landlock_abi.unwrap_or(0) >= mcpward_sandbox::support::LANDLOCK_NET_ABI {
                "supported: `--sandbox-network HOST:PORT` confines TCP to mcpward's CONNECT proxy"
            } else {
                "not supported by this kernel: sockets cannot be confined to a proxy, so `--sandbox-network` refuses to start"
            }
        )?;
        writeln!(out, "\n`run --sandbox` applies here (network denied):")?;
        for p in &protections {
            writeln!(out, "  {}", line(p))?;
        }
        if missing > 0 {
            writeln!(
                out,
                "\n{missing} required protection(s) missing: `run --sandbox` refuses to start; `--sandbox=best-effort` starts without them"
            )?;
        }
    }
    Ok(if missing > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// One protection as a line: `[yes] name: what` or `[NO ] name (required): why`.
pub fn line(p: &Protection) -> String {
    match &p.missing_because {
        None => format!("[yes] {}: {}", p.name, p.what),
        Some(why) => format!(
            "[NO ] {}{}: {} -- missing: {why}",
            p.name,
            if p.required { " (required)" } else { "" },
            p.what
        ),
    }
}

/// The launcher: confine this process as the spec in the environment says, then execute the
/// server. Returns only when the server could not be started.
#[cfg(target_os = "linux")]
pub fn exec(args: ExecArgs) -> anyhow::Result<ExitCode> {
    use mcpward_sandbox::launch;
    let mut err = anstream::stderr();
    let spec = launch::spec_from_env()?;
    match launch::confine(&spec) {
        Ok(confined) => {
            for p in confined.protections.iter().filter(|p| !p.enforced) {
                writeln!(err, "mcpward sandbox: {}", line(p))?;
            }
            let failure = confined.exec(&args.command);
            writeln!(err, "error: {failure}")?;
            Ok(ExitCode::from(127))
        }
        Err(failure) => {
            writeln!(err, "error: {failure}")?;
            Ok(ExitCode::from(126))
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub fn exec(_args: ExecArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("--sandbox is unsupported on this platform")
}
