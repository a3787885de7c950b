//! `mcpward run`: the client launches this instead of the server; the gateway library does the
//! rest and its exit status is the server's.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use mcpward_gateway::proxy::{RunOptions, run_blocking};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example (in a client's MCP config):\n  mcpward run --name filesystem -- npx -y @modelcontextprotocol/server-filesystem ~/projects"
)]
pub struct Args {
    /// Policy file (TOML). Without it, read-only mode: only tools proven read-only run without
    /// asking; everything else needs your approval.
    #[arg(long, value_name = "FILE", env = "MCPWARD_POLICY")]
    pub policy: Option<PathBuf>,
    /// The server's name in policy rules, logs and approval prompts (default: from the package
    /// or program, e.g. `filesystem`).
    #[arg(long)]
    pub name: Option<String>,
    /// Audit log file (default: `audit.jsonl` in the state directory).
    #[arg(long, value_name = "FILE", env = "MCPWARD_LOG")]
    pub log: Option<PathBuf>,
    /// Keyed audit log: sign every record with HMAC-SHA256 under the key in FILE (created, 0600,
    /// when missing). Keep it where the agent and the servers cannot read it; `mcpward log
    /// verify --key FILE` checks the signatures.
    #[arg(long, value_name = "FILE", env = "MCPWARD_LOG_KEY")]
    pub log_key: Option<PathBuf>,
    /// Directory for the approval queue and the default log (`mcpward approve` must use the same).
    #[arg(long, value_name = "DIR", env = "MCPWARD_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// Run the server in a Linux sandbox (Landlock, seccomp, rlimits). Not available in this
    /// release: the flag refuses to start the server rather than run it unconfined.
    #[arg(long)]
    pub sandbox: bool,
    /// Put a secret in the server's environment, resolved at launch: NAME=REF with REF one of
    /// keyring:SERVICE/ACCOUNT, op://VAULT/ITEM/FIELD, vault:PATH#FIELD, env:VAR, file:PATH
    /// (user-only). Repeatable; replaces the policy's `[secrets]` entry of the same name. The
    /// value is masked in everything the server sends back and never logged.
    #[arg(long = "secret", value_name = "NAME=REF")]
    pub secrets: Vec<String>,
    /// The server command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    // Asked for confinement that does not exist yet: fail closed instead of running unconfined.
    anyhow::ensure!(
        !args.sandbox,
        "--sandbox is not available in this release of mcpward, so the server was not started; \
         run it without --sandbox only if you accept running it unconfined (with a policy that \
         asks before every command), or keep it out of your client until sandboxing ships"
    );
    let mut command = args.command.into_iter();
    let program = command
        .next()
        .context("no server command given; put it after `--`, e.g. `mcpward run -- npx -y @modelcontextprotocol/server-memory`")?;
    let server_args: Vec<OsString> = command.collect();
    let mut opts = RunOptions::new(program, server_args);
    if let Some(name) = args.name {
        opts.server_name = name;
    }
    if let Some(path) = &args.policy {
        opts.policy = mcpward_policy::Policy::load(path)
            .with_context(|| format!("cannot use the policy {}", path.display()))?;
        opts.policy_file = Some(path.clone());
    }
    opts.secret_env = resolve_secrets(&opts.policy, &args.secrets)?;
    if let Some(dir) = args.state_dir {
        opts.state_dir = dir;
    }
    opts.log_path = Some(
        args.log
            .unwrap_or_else(|| opts.state_dir.join("audit.jsonl")),
    );
    if let Some(key) = &args.log_key {
        opts.log_key = Some(
            mcpward_gateway::chain::LogKey::load_or_create(key)
                .context("cannot use the audit log key (--log-key)")?,
        );
    }
    // Directories given to the server are its roots (the filesystem server's allowed paths).
    // Relative ones (`.`) resolve against the working directory the server inherits.
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    opts.roots = mcpward_gateway::paths::launch_roots(&opts.args, &cwd);
    let code = run_blocking(opts)?;
    Ok(ExitCode::from(
        u8::try_from(code.clamp(0, 255)).unwrap_or(1),
    ))
}

/// The policy's `[secrets]` overlaid with `--secret`, all resolved, or an error naming the first
/// reference that could not be (the server is then not started at all).
fn resolve_secrets(
    policy: &mcpward_policy::Policy,
    flags: &[String],
) -> anyhow::Result<Vec<(String, String)>> {
    use mcpward_creds::{Resolver, SecretRef};
    let mut refs: Vec<(String, SecretRef)> = Vec::new();
    for b in &policy.secrets {
        let r = SecretRef::parse(&b.reference)
            .with_context(|| format!("policy [secrets] entry {}", b.name))?;
        refs.push((b.name.clone(), r));
    }
    for flag in flags {
        let (name, r) = mcpward_creds::parse_assignment(flag).context("--secret")?;
        refs.retain(|(n, _)| *n != name);
        refs.push((name, r));
    }
    if refs.is_empty() {
        return Ok(Vec::new());
    }
    let env = |name: &str| std::env::var(name).ok();
    let resolver = Resolver {
        store: &mcpward_creds::OsKeychain,
        env: &env,
        path: std::env::var_os("PATH"),
    };
    let resolved = resolver
        .resolve_all(&refs)
        .context("a secret for the server could not be resolved, so the server was not started")?;
    Ok(resolved
        .into_iter()
        .map(|(name, secret)| (name, secret.expose().to_string()))
        .collect())
}
