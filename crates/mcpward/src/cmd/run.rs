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
    /// Run the server in a Linux sandbox: Landlock (writes only to its roots, reads only what
    /// its runtime needs, never $HOME or mcpward's state), a seccomp allowlist with the network
    /// denied, rlimits, a clean environment. `--sandbox` refuses to start when a required
    /// protection is missing on this kernel (`mcpward sandbox check` lists them);
    /// `--sandbox=best-effort` starts anyway and says what is missing.
    #[arg(long, value_enum, num_args = 0..=1, require_equals = true, default_missing_value = "strict", value_name = "MODE")]
    pub sandbox: Option<SandboxMode>,
    /// Extra path the sandboxed server may read (and execute), e.g. a config directory.
    /// Repeatable.
    #[arg(long, value_name = "PATH", requires = "sandbox")]
    pub sandbox_read: Vec<PathBuf>,
    /// Extra directory the sandboxed server may change, besides the roots on its launch line.
    /// Repeatable.
    #[arg(long, value_name = "DIR", requires = "sandbox")]
    pub sandbox_write: Vec<PathBuf>,
    /// A variable from mcpward's environment the sandboxed server keeps (everything else but
    /// PATH, HOME, locale and TZ is removed). Repeatable.
    #[arg(long, value_name = "NAME", requires = "sandbox")]
    pub sandbox_env: Vec<String>,
    /// A destination the sandboxed server may reach, as HOST:PORT (e.g. api.github.com:443),
    /// through a CONNECT proxy mcpward runs on loopback; the server gets HTTPS_PROXY and can
    /// connect nowhere else. Repeatable. Without it the network is denied entirely.
    #[arg(long, value_name = "HOST:PORT", requires = "sandbox")]
    pub sandbox_network: Vec<String>,
    /// A resource limit for the sandboxed server: as=8G (address space), nproc=256, fsize=1G,
    /// nofile=1024, cpu=SECONDS; `none` lifts one. Repeatable.
    #[arg(long, value_name = "NAME=VALUE", requires = "sandbox")]
    pub sandbox_limit: Vec<String>,
    /// Put a secret in the server's environment, resolved at launch: NAME=REF with REF one of
    /// keyring:SERVICE/ACCOUNT, op://VAULT/ITEM/FIELD, vault:PATH#FIELD, env:VAR, file:PATH
    /// (user-only). Repeatable; replaces the policy's `[secrets]` entry of the same name. The
    /// value is masked in everything the server sends back and never logged.
    #[arg(long = "secret", value_name = "NAME=REF")]
    pub secrets: Vec<String>,
    /// Lockfile whose pins the server's tools must match (default: `mcpward.lock` in the current
    /// directory or its nearest parent, then the user-level lock in the state directory). A
    /// server the lockfile does not name is checked against the record of its first use.
    #[arg(long, value_name = "FILE", env = "MCPWARD_LOCKFILE")]
    pub lockfile: Option<PathBuf>,
    /// Do not check tool definitions against pins or their first use (recorded in the audit log).
    #[arg(long, conflicts_with = "lockfile")]
    pub no_pins: bool,
    /// Do not show a desktop notification when a call waits for `mcpward approve` (the policy's
    /// `defaults.desktop_notify = false` does the same).
    #[arg(long)]
    pub no_desktop_notify: bool,
    /// Also export every audit record as an OpenTelemetry log record to the collector at URL
    /// (OTLP/HTTP, `/v1/logs` appended). Without it, OTEL_EXPORTER_OTLP_LOGS_ENDPOINT or
    /// OTEL_EXPORTER_OTLP_ENDPOINT turn export on; nothing is exported when none is set.
    #[arg(long, value_name = "URL")]
    pub otlp_endpoint: Option<String>,
    /// A header for the collector, e.g. `authorization=Bearer …` (added to, or replacing by
    /// name, OTEL_EXPORTER_OTLP_HEADERS). Repeatable.
    #[arg(long, value_name = "NAME=VALUE")]
    pub otlp_header: Vec<String>,
    /// The server command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SandboxMode {
    /// Refuse to start when a required protection is missing.
    Strict,
    /// Start anyway, listing what is missing.
    BestEffort,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut command = args.command.clone().into_iter();
    let program = command
        .next()
        .context("no server command given; put it after `--`, e.g. `mcpward run -- npx -y @modelcontextprotocol/server-memory`")?;
    let server_args: Vec<OsString> = command.collect();
    let mut opts = RunOptions::new(program, server_args);
    if let Some(name) = args.name.clone() {
        opts.server_name = name;
    }
    if let Some(path) = &args.policy {
        opts.policy = mcpward_policy::Policy::load(path)
            .with_context(|| format!("cannot use the policy {}", path.display()))?;
        opts.policy_file = Some(path.clone());
    }
    opts.secret_env = resolve_secrets(&opts.policy, &args.secrets)?;
    if let Some(dir) = args.state_dir.clone() {
        opts.state_dir = dir;
    }
    opts.log_path = Some(
        args.log
            .clone()
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
    // The policy's `[[server]]` roots replace those (narrow them, for a server mcpward knows), so
    // the path guard, relative path globs and the sandbox's write grants name the same places.
    if let Some(table) = opts.policy.server_table(&opts.server_name) {
        let known =
            mcpward_gateway::guard::known_path_args(opts.identity.as_ref().map(|i| i.key()))
                .is_some();
        opts.roots = mcpward_gateway::guard::effective_roots(
            known,
            table.roots.as_deref(),
            &opts.roots,
            &[],
        );
    }
    // Pins are looked up by what runs, before the sandbox rewrites the command line.
    opts.desktop_notify = !args.no_desktop_notify;
    let otlp_flags = mcpward_gateway::otlp::OtlpFlags {
        endpoint: args.otlp_endpoint.clone(),
        headers: args.otlp_header.clone(),
    };
    opts.otlp =
        mcpward_gateway::otlp::OtlpConfig::resolve(&otlp_flags, &|name| std::env::var(name).ok())
            .context("cannot export the audit log to an OpenTelemetry collector")?;
    opts.pins = if args.no_pins {
        mcpward_gateway::proxy::PinSetup::Off
    } else {
        let lockfiles = super::pin::lockfiles(args.lockfile.as_deref(), &cwd, &opts.state_dir);
        let first_use = mcpward_gateway::proxy::first_use_path(
            &opts.state_dir,
            opts.identity.as_ref(),
            &opts.command,
            &opts.args,
        );
        super::pin::pins_for_run(
            &lockfiles,
            &opts.server_name,
            opts.identity.as_ref(),
            first_use,
        )?
    };
    if let Some(mode) = args.sandbox {
        sandbox(&mut opts, mode, &args, &cwd)?;
    }
    let sandboxed = args.sandbox.is_some();
    let code = run_blocking(opts);
    // A root launcher confines the server's processes in a cgroup of its own; gone with it.
    #[cfg(target_os = "linux")]
    if sandboxed {
        mcpward_sandbox::cgroup::release(std::process::id());
    }
    #[cfg(not(target_os = "linux"))]
    let _ = sandboxed;
    let code = code?;
    Ok(ExitCode::from(
        u8::try_from(code.clamp(0, 255)).unwrap_or(1),
    ))
}

/// Routes the launch through `mcpward __sandbox-exec`, after printing what the server is
/// granted. Refuses when a required protection is missing and `mode` is strict.
fn sandbox(
    opts: &mut RunOptions,
    mode: SandboxMode,
    args: &Args,
    cwd: &std::path::Path,
) -> anyhow::Result<()> {
    use mcpward_sandbox::spec::{Limits, Mode, Network, Plan};
    use mcpward_sandbox::support::{Support, missing_required};
    use std::io::Write as _;
    anyhow::ensure!(
        cfg!(target_os = "linux"),
        "--sandbox is unsupported on this platform, so the server was not started"
    );
    let allow = mcpward_sandbox::connect_proxy::Allowlist::parse(&args.sandbox_network)
        .map_err(|e| anyhow::anyhow!("--sandbox-network: {e}"))?;
    let support = Support::detect();
    let mut err = anstream::stderr();
    let mut network = Network::Deny;
    let mut proxy_env = Vec::new();
    if !allow.is_empty() {
        // An allowlist that cannot be enforced is refused even in best-effort mode: the
        // server would otherwise have the whole network while the user believes it has one API.
        let tcp = support.protections(&Network::TcpConnect(Vec::new()));
        if let Some(p) = tcp
            .iter()
            .find(|p| p.name == "network-tcp-ports" && !p.enforced)
        {
            anyhow::bail!(
                "the server was not started: --sandbox-network needs sockets confined to mcpward's proxy, which this kernel cannot do ({}); see `mcpward sandbox check`",
                p.missing_because.as_deref().unwrap_or("not supported")
            );
        }
        let port = mcpward_sandbox::connect_proxy::start(allow)
            .context("cannot start the sandbox network proxy on 127.0.0.1")?;
        network = Network::TcpConnect(vec![port]);
        let url = format!("http://127.0.0.1:{port}");
        for name in [
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
        ] {
            proxy_env.push((name.to_owned(), url.clone()));
        }
    }
    let protections = support.protections(&network);
    let missing = missing_required(&protections);
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(|p| super::sandbox::line(p)).collect();
        anyhow::ensure!(
            mode == SandboxMode::BestEffort,
            "the server was not started: this kernel cannot provide required sandbox protections:\n  {}\nsee `mcpward sandbox check`; --sandbox=best-effort starts without them",
            list.join("\n  ")
        );
        for line in list {
            writeln!(err, "mcpward sandbox (best effort): {line}")?;
        }
    }
    let mut limits = Limits::default();
    for item in &args.sandbox_limit {
        limits
            .set(item)
            .map_err(|e| anyhow::anyhow!("--sandbox-limit: {e}"))?;
    }
    opts.env
        .retain(|(k, _)| !proxy_env.iter().any(|(p, _)| p == k));
    opts.env.extend(proxy_env);
    let mut declared_env: Vec<String> = opts.env.iter().map(|(k, _)| k.clone()).collect();
    declared_env.extend(opts.secret_env.iter().map(|(k, _)| k.clone()));
    declared_env.extend(args.sandbox_env.iter().cloned());
    let mut roots = opts.roots.clone();
    roots.extend(args.sandbox_write.iter().cloned());
    let plan = Plan {
        command: opts.command.clone(),
        args: opts.args.clone(),
        roots,
        extra_read: args.sandbox_read.clone(),
        state_dir: opts.state_dir.clone(),
        protected: opts.log_path.iter().chain(&args.log_key).cloned().collect(),
        policy: args.policy.clone(),
        declared_env,
        network,
        limits,
        mode: match mode {
            SandboxMode::Strict => Mode::Strict,
            SandboxMode::BestEffort => Mode::BestEffort,
        },
        path_var: std::env::var_os("PATH"),
        cwd: cwd.to_path_buf(),
    };
    let spec = plan.build().context("--sandbox")?;
    let shown = |paths: &[PathBuf]| {
        if paths.is_empty() {
            "(nothing)".to_owned()
        } else {
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    writeln!(
        err,
        "mcpward sandbox: {} may write only {}; reads the runtime and {}; {}",
        opts.server_name,
        shown(&spec.write),
        shown(
            &spec
                .read
                .iter()
                .filter(|p| !mcpward_sandbox::spec::SYSTEM_READ
                    .iter()
                    .any(|s| p.as_path() == std::path::Path::new(s)))
                .cloned()
                .collect::<Vec<_>>()
        ),
        if args.sandbox_network.is_empty() {
            "network denied".to_owned()
        } else {
            format!(
                "network only through mcpward's proxy to {}",
                args.sandbox_network.join(", ")
            )
        },
    )?;
    let exe = std::env::current_exe()
        .context("cannot find mcpward's own executable for the sandbox launcher")?;
    let mut launcher_args: Vec<OsString> =
        vec!["__sandbox-exec".into(), "--".into(), opts.command.clone()];
    launcher_args.append(&mut opts.args);
    opts.command = exe.into_os_string();
    opts.args = launcher_args;
    opts.env.push((
        mcpward_sandbox::SPEC_VARIABLE.to_owned(),
        serde_json::to_string(&spec)?,
    ));
    Ok(())
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
