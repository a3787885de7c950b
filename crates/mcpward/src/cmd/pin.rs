//! `mcpward pin`: remember what each server shows (`mcpward.lock`), check it later, accept a
//! change after review; and the lockfile lookup `mcpward run` enforces.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use mcpward_gateway::identity::LaunchIdentity;
use mcpward_gateway::proxy::PinSetup;
use mcpward_inspect::{
    Collected, ConnectOptions, ItemKind, LOCKFILE_NAME, Lockfile, ServerInfoPin, ServerPin, Target,
};
use serde_json::json;

/// The lockfiles that may pin servers started from `cwd`, in the order they are consulted:
/// `explicit` alone when given; else `mcpward.lock` in `cwd` or its nearest ancestor, then the
/// user-level lock in the state directory (each only if it exists).
pub fn lockfiles(explicit: Option<&Path>, cwd: &Path, state_dir: &Path) -> Vec<PathBuf> {
    if let Some(path) = explicit {
        return vec![path.to_path_buf()];
    }
    let mut out = Vec::new();
    if let Some(project) = cwd
        .ancestors()
        .map(|dir| dir.join(LOCKFILE_NAME))
        .find(|candidate| candidate.is_file())
    {
        out.push(project);
    }
    let user = state_dir.join(LOCKFILE_NAME);
    if user.is_file() && !out.contains(&user) {
        out.push(user);
    }
    out
}

/// Reads and verifies a lockfile. It decides what runs unasked, so one that another user could
/// have written is refused (like a policy file), as is one that was edited by hand.
pub fn load_lockfile(path: &Path) -> anyhow::Result<Lockfile> {
    check_owner(path)?;
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the lockfile {}", path.display()))?;
    Ok(Lockfile::parse(&text, &path.display().to_string())?)
}

#[cfg(unix)]
fn check_owner(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read the lockfile {}", path.display()))?;
    let uid = mcpward_gateway::state::current_uid();
    if meta.uid() != uid && meta.uid() != 0 {
        anyhow::bail!(
            "the lockfile {} belongs to another user (uid {}); mcpward only takes pins from files you or root own",
            path.display(),
            meta.uid()
        );
    }
    if meta.mode() & 0o022 != 0 {
        anyhow::bail!(
            "the lockfile {} can be changed by other users (mode {:o}); run `chmod go-w {}`",
            path.display(),
            meta.mode() & 0o777,
            path.display()
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_owner(_: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// What `mcpward run` checks the server's tools against: the entry for `server` in the first
/// of `lockfiles` that has one (refused as a whole when this launch is not the pinned one), else
/// the record of the server's first use. Every lockfile consulted must be sound.
pub fn pins_for_run(
    lockfiles: &[PathBuf],
    server: &str,
    identity: Option<&LaunchIdentity>,
    first_use: PathBuf,
) -> anyhow::Result<PinSetup> {
    for path in lockfiles {
        let lock = load_lockfile(path).context("cannot start with this lockfile")?;
        let Some(pin) = lock.servers.get(server) else {
            continue;
        };
        if let Some(reason) = launch_mismatch(pin.launch.as_ref(), identity) {
            return Ok(PinSetup::Mismatch {
                file: path.clone(),
                reason,
            });
        }
        return Ok(PinSetup::Locked {
            pin: Box::new(pin.clone()),
            file: path.clone(),
        });
    }
    Ok(PinSetup::FirstUseAt(first_use))
}

/// Why this launch is not the one pinned, if it is not: another package, or another version
/// of it when both are known.
pub fn launch_mismatch(
    pinned: Option<&mcpward_inspect::LaunchPin>,
    identity: Option<&LaunchIdentity>,
) -> Option<String> {
    let pinned = pinned?;
    let package = pinned.package.as_deref()?;
    let ecosystem = pinned.ecosystem.as_deref().unwrap_or("");
    let Some(id) = identity else {
        return Some(format!(
            "this launch does not show which package runs (the pin is of {ecosystem} package `{package}`)"
        ));
    };
    if id.package != package || (!ecosystem.is_empty() && id.ecosystem != ecosystem) {
        return Some(format!(
            "this launch runs {} package `{}`, not `{package}`",
            id.ecosystem, id.package
        ));
    }
    match (&pinned.version, &id.version) {
        (Some(p), Some(now)) if p != now => Some(format!(
            "this launch runs version {now} of `{package}`, and version {p} was pinned; review it with `mcpward pin --check` and pin it again"
        )),
        _ => None,
    }
}

/// Arguments of `mcpward pin`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  mcpward pin                       pin every server of the configs found here\n  mcpward pin filesystem --config .mcp.json\n  mcpward pin --check               exit 1 when a server no longer shows what was pinned\n  mcpward pin --approve notes/save_note   accept one changed tool after reading the change"
)]
pub struct Args {
    /// Servers to pin or check, by their name in your client configs (default: every server of
    /// the configs found).
    #[arg(value_name = "SERVER")]
    pub servers: Vec<String>,
    /// Compare each server with its pin and show what changed; exit 1 on any drift or a server
    /// that is not pinned.
    #[arg(long, conflicts_with = "approve")]
    pub check: bool,
    /// Accept what SERVER shows now (all of it, or only TOOL), after showing the change. Updates
    /// the lockfile entry, or the record of the server's first use when it has no entry.
    #[arg(long, value_name = "SERVER[/TOOL]")]
    pub approve: Option<String>,
    /// Accept without asking (for scripts; the change is still printed).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Pin a server even though a poisoning detector fires on it (medium or worse).
    #[arg(long)]
    pub force: bool,
    /// The lockfile to write or check (default: `mcpward.lock` in the project for project
    /// configs, the user-level lock in the state directory for user configs).
    #[arg(long, value_name = "FILE")]
    pub lockfile: Option<PathBuf>,
    /// A config file to take servers from, instead of discovering them. Repeatable.
    #[arg(long = "config", value_name = "FILE")]
    pub configs: Vec<PathBuf>,
    /// The project whose configs are discovered (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// Per-server time limit for launching it and collecting its definitions, in seconds.
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = super::inspect::parse_timeout)]
    pub timeout: std::time::Duration,
    /// Directory of mcpward's state (the user-level lock and first-use records).
    #[arg(long, value_name = "DIR", env = "MCPWARD_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// `--check` as JSON.
    #[arg(long, requires = "check")]
    pub json: bool,
}

/// A configured server, resolved to what runs.
struct Server<'a> {
    name: String,
    file: &'a mcpward_config::ConfigFile,
    target: Result<Target, String>,
}

impl Server<'_> {
    /// The lockfile a pin of this server goes to.
    fn lockfile(&self, args: &Args, state_dir: &Path, project: &Path) -> PathBuf {
        if let Some(path) = &args.lockfile {
            return path.clone();
        }
        match self.file.scope {
            mcpward_config::Scope::Project => {
                project_root(&self.file.path, project).join(LOCKFILE_NAME)
            }
            mcpward_config::Scope::User => state_dir.join(LOCKFILE_NAME),
        }
    }

    /// What `mcpward run` would run for this entry: the command behind a `mcpward run … --`
    /// wrapper, and the name the wrapper gives it.
    fn launch(&self) -> Option<(OsString, Vec<OsString>)> {
        match &self.target {
            Ok(Target::Stdio { command, args, .. }) => {
                let (c, a, _) = unwrap_run(command, args);
                Some((c.into(), a.into_iter().map(OsString::from).collect()))
            }
            _ => None,
        }
    }

    fn identity(&self) -> Option<LaunchIdentity> {
        let (c, a) = self.launch()?;
        mcpward_gateway::identity::launch_identity(&c, &a)
    }
}

/// The directory a project config belongs to: the folder that holds it, or the one above a
/// dot-folder (`.vscode/mcp.json`, `.cursor/mcp.json`).
fn project_root(config: &Path, fallback: &Path) -> PathBuf {
    let Some(dir) = config.parent() else {
        return fallback.to_path_buf();
    };
    match dir.file_name().and_then(|n| n.to_str()) {
        Some(n) if n.starts_with('.') => dir.parent().unwrap_or(dir).to_path_buf(),
        _ => dir.to_path_buf(),
    }
}

/// `mcpward run [--name N] … -- cmd args` → (`cmd`, `args`, `N`); anything else unchanged.
pub fn unwrap_run(command: &str, args: &[String]) -> (String, Vec<String>, Option<String>) {
    let program = Path::new(command)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(command);
    let is_mcpward = program == "mcpward" || program == "mcpward.exe";
    if is_mcpward
        && args.first().map(String::as_str) == Some("run")
        && let Some(dash) = args.iter().position(|a| a == "--")
        && let Some((cmd, rest)) = args[dash + 1..].split_first()
    {
        let name = args[..dash]
            .iter()
            .position(|a| a == "--name")
            .and_then(|i| args.get(i + 1))
            .cloned()
            .or_else(|| {
                args[..dash]
                    .iter()
                    .find_map(|a| a.strip_prefix("--name=").map(str::to_owned))
            });
        return (cmd.clone(), rest.to_vec(), name);
    }
    (command.to_owned(), args.to_vec(), None)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let state_dir = args
        .state_dir
        .clone()
        .unwrap_or_else(mcpward_gateway::queue::default_state_dir);
    let project = match &args.project {
        Some(p) => p.clone(),
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    let files = super::creds::load_configs(&args.configs, Some(&project))?;
    let env = |name: &str| std::env::var(name).ok();
    let wanted: Vec<String> = match &args.approve {
        Some(spec) => vec![
            spec.split_once('/')
                .map_or(spec.as_str(), |(s, _)| s)
                .to_owned(),
        ],
        None => args.servers.clone(),
    };
    let mut servers = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for file in &files {
        for entry in &file.servers {
            if entry.disabled || entry.builtin.is_some() {
                continue;
            }
            if !wanted.is_empty() && !wanted.contains(&entry.name) {
                continue;
            }
            // One pin per name and lockfile: the first entry of a name wins, as in `inspect`.
            if !seen.insert((
                entry.name.clone(),
                file.scope == mcpward_config::Scope::User,
            )) {
                continue;
            }
            servers.push(Server {
                name: entry.name.clone(),
                file,
                target: super::inspect::target(file, entry, &env),
            });
        }
    }
    for name in &wanted {
        if !servers.iter().any(|s| &s.name == name) {
            anyhow::bail!(
                "no server named `{name}` in {} config file(s); `mcpward audit --list` shows them",
                files.len()
            );
        }
    }
    if servers.is_empty() {
        anyhow::bail!(
            "no servers to pin in {} config file(s); name a config with --config FILE",
            files.len()
        );
    }
    let opts = ConnectOptions {
        timeout: args.timeout,
        clear_env: true,
    };
    let results =
        super::inspect::collect_all(servers.iter().map(|s| (s.target.clone(), opts)).collect());
    if args.check {
        check(&args, &servers, results, &state_dir, &project)
    } else if let Some(spec) = &args.approve {
        approve(
            &args,
            spec,
            &servers[0],
            results.into_iter().next(),
            &state_dir,
            &project,
        )
    } else {
        pin(&args, &servers, results, &state_dir, &project)
    }
}

fn pin(
    args: &Args,
    servers: &[Server<'_>],
    results: Vec<Result<Collected, super::inspect::InspectError>>,
    state_dir: &Path,
    project: &Path,
) -> anyhow::Result<ExitCode> {
    let mut out = anstream::stdout();
    let mut failed = false;
    let mut locks: BTreeMap<PathBuf, Lockfile> = BTreeMap::new();
    for (server, result) in servers.iter().zip(results) {
        let collected = match result {
            Ok(c) => c,
            Err(e) => {
                failed = true;
                writeln!(
                    anstream::stderr(),
                    "error: cannot pin `{}`: {e}",
                    server.name
                )?;
                continue;
            }
        };
        let findings = mcpward_inspect::inspect(&server.name, &collected.definitions);
        if mcpward_inspect::is_poisoned(&findings) && !args.force {
            failed = true;
            writeln!(
                anstream::stderr(),
                "error: not pinning `{}`: {} poisoning finding(s); read them with `mcpward inspect {}` (pin anyway with --force)",
                server.name,
                findings
                    .iter()
                    .filter(|f| f.severity >= mcpward_core::Severity::Medium)
                    .count(),
                server.name
            )?;
            continue;
        }
        let mut entry = ServerPin::from_definitions(&collected.definitions)
            .with_context(|| format!("cannot pin `{}`", server.name))?;
        entry.launch = server.launch().map(|(c, a)| launch_pin(&c, &a));
        let (name, version) = collected.server_name_version();
        entry.server_info = Some(ServerInfoPin {
            name: name.unwrap_or_default().to_owned(),
            version: version.unwrap_or_default().to_owned(),
        });
        entry.protocol = Some(collected.protocol_version.clone());
        let path = server.lockfile(args, state_dir, project);
        let lock = match locks.entry(path.clone()) {
            std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::btree_map::Entry::Vacant(v) => v.insert(if path.is_file() {
                load_lockfile(&path)?
            } else {
                Lockfile::new()
            }),
        };
        let read_only = entry.tools.values().filter(|t| t.read_only).count();
        writeln!(
            out,
            "pinned `{}`: {} tool(s) ({read_only} read-only), {} prompt(s), {} resource(s), {} template(s) → {}",
            server.name,
            entry.tools.len(),
            entry.prompts.len(),
            entry.resources.len(),
            entry.resource_templates.len(),
            path.display()
        )?;
        lock.servers.insert(server.name.clone(), entry);
    }
    for (path, lock) in &locks {
        write_lockfile(path, lock)?;
    }
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn launch_pin(command: &OsString, args: &[OsString]) -> mcpward_inspect::LaunchPin {
    let identity = mcpward_gateway::identity::launch_identity(command, args);
    mcpward_inspect::LaunchPin {
        command: command.to_string_lossy().into_owned(),
        ecosystem: identity.as_ref().map(|i| i.ecosystem.to_owned()),
        package: identity.as_ref().map(|i| i.package.clone()),
        version: identity.and_then(|i| i.version),
    }
}

/// Writes a lockfile atomically: a new file beside it, renamed over it.
fn write_lockfile(path: &Path, lock: &Lockfile) -> anyhow::Result<()> {
    write_atomically(path, lock, 0o644)
}

/// A first-use record is rewritten with user-only permissions, as the gateway writes it.
fn write_private(path: &Path, lock: &Lockfile) -> anyhow::Result<()> {
    write_atomically(path, lock, 0o600)
}

fn write_atomically(path: &Path, lock: &Lockfile, mode: u32) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(LOCKFILE_NAME),
        std::process::id()
    ));
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
        #[cfg(not(unix))]
        let _ = mode;
        let mut f = options.open(&tmp)?;
        f.write_all(lock.to_toml().as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write the lockfile {}", path.display()))
}

/// Where a server's pin is: the lockfile that names it (`--lockfile`, the project's, the user's).
fn find_pin(
    args: &Args,
    server: &Server<'_>,
    state_dir: &Path,
    project: &Path,
) -> anyhow::Result<Option<(PathBuf, Lockfile)>> {
    let mut candidates = Vec::new();
    match &args.lockfile {
        Some(p) => candidates.push(p.clone()),
        None => {
            candidates.push(server.lockfile(args, state_dir, project));
            candidates.extend(lockfiles(None, project, state_dir));
        }
    }
    candidates.dedup();
    for path in candidates {
        if !path.is_file() {
            continue;
        }
        let lock = load_lockfile(&path)?;
        if lock.servers.contains_key(&server.name) {
            return Ok(Some((path, lock)));
        }
    }
    Ok(None)
}

fn check(
    args: &Args,
    servers: &[Server<'_>],
    results: Vec<Result<Collected, super::inspect::InspectError>>,
    state_dir: &Path,
    project: &Path,
) -> anyhow::Result<ExitCode> {
    let mut out = anstream::stdout();
    let mut drift = false;
    let mut failed = false;
    let mut json_servers = Vec::new();
    for (server, result) in servers.iter().zip(results) {
        let pinned = find_pin(args, server, state_dir, project)?;
        let Some((path, lock)) = pinned else {
            drift = true;
            json_servers.push(json!({"server": server.name, "status": "not-pinned"}));
            if !args.json {
                writeln!(
                    out,
                    "`{}`: not pinned; review it with `mcpward inspect {0}`, then `mcpward pin {0}`",
                    server.name
                )?;
            }
            continue;
        };
        let collected = match result {
            Ok(c) => c,
            Err(e) => {
                failed = true;
                json_servers.push(
                    json!({"server": server.name, "status": "error", "error": e.to_string()}),
                );
                if !args.json {
                    writeln!(
                        anstream::stderr(),
                        "error: cannot check `{}`: {e}",
                        server.name
                    )?;
                }
                continue;
            }
        };
        let entry = &lock.servers[&server.name];
        let launch = launch_mismatch(entry.launch.as_ref(), server.identity().as_ref());
        let report = entry.check(&collected.definitions);
        let status = if report.is_drift() || launch.is_some() {
            drift = true;
            "drift"
        } else {
            "ok"
        };
        json_servers.push(json!({
            "server": server.name,
            "lockfile": path.display().to_string(),
            "status": status,
            "launch": launch,
            "suspicious": report.is_suspicious(),
            "changes": report.changes,
        }));
        if !args.json {
            print_drift(&mut out, &server.name, &path, launch.as_deref(), &report)?;
        }
    }
    if args.json {
        let doc = json!({"version": 1, "servers": json_servers});
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    }
    Ok(if failed {
        ExitCode::from(2)
    } else if drift {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_drift(
    out: &mut impl std::io::Write,
    server: &str,
    path: &Path,
    launch: Option<&str>,
    report: &mcpward_inspect::DriftReport,
) -> std::io::Result<()> {
    if !report.is_drift() && launch.is_none() {
        return writeln!(out, "`{server}`: matches its pin ({})", path.display());
    }
    writeln!(
        out,
        "`{server}`: {} change(s) since it was pinned ({}){}",
        report.changes.len() + usize::from(launch.is_some()),
        path.display(),
        if report.is_suspicious() {
            "; SUSPICIOUS"
        } else {
            ""
        }
    )?;
    if let Some(why) = launch {
        writeln!(out, "  ! launch: {why}")?;
    }
    for c in &report.changes {
        let sign = match c.change {
            mcpward_inspect::ChangeKind::Added => '+',
            mcpward_inspect::ChangeKind::Removed => '-',
            mcpward_inspect::ChangeKind::Modified => '~',
        };
        let classes: Vec<&str> = c.classes.iter().map(|k| k.as_str()).collect();
        writeln!(
            out,
            "  {sign} {} `{}` [{}]{}",
            c.item.noun(),
            c.key,
            classes.join(", "),
            if c.suspicious { " suspicious" } else { "" }
        )?;
        for reason in &c.reasons {
            writeln!(out, "      why: {reason}")?;
        }
        if !c.description_diff.is_empty() {
            // Runs are whole words: `[-removed-]` and `{+added+}` as `git diff --word-diff`.
            let parts: Vec<String> = c
                .description_diff
                .iter()
                .map(|part| match part {
                    mcpward_inspect::WordDiff::Same(t) => t.clone(),
                    mcpward_inspect::WordDiff::Removed(t) => format!("[-{t}-]"),
                    mcpward_inspect::WordDiff::Added(t) => format!("{{+{t}+}}"),
                })
                .collect();
            let line = parts.join(" ");
            writeln!(out, "      description: {line}")?;
        }
        for p in &c.paths {
            let kind = match p.kind {
                mcpward_inspect::SchemaChangeKind::Added => "added",
                mcpward_inspect::SchemaChangeKind::Removed => "removed",
                mcpward_inspect::SchemaChangeKind::Changed => "changed",
            };
            writeln!(
                out,
                "      {}: {kind}",
                if p.path.is_empty() { "/" } else { &p.path }
            )?;
        }
    }
    writeln!(
        out,
        "  accept after review: mcpward pin --approve {server}  (or {server}/TOOL for one tool)"
    )
}

fn approve(
    args: &Args,
    spec: &str,
    server: &Server<'_>,
    result: Option<Result<Collected, super::inspect::InspectError>>,
    state_dir: &Path,
    project: &Path,
) -> anyhow::Result<ExitCode> {
    let tool = spec
        .split_once('/')
        .map(|(_, t)| t)
        .filter(|t| !t.is_empty());
    let collected = match result {
        Some(Ok(c)) => c,
        Some(Err(e)) => anyhow::bail!("cannot read what `{}` shows now: {e}", server.name),
        None => anyhow::bail!("`{}` was not collected", server.name),
    };
    // The lockfile entry, else the record of the server's first use.
    let (path, mut lock, first_use) = match find_pin(args, server, state_dir, project)? {
        Some((path, lock)) => (path, lock, false),
        None => {
            let Some((c, a)) = server.launch() else {
                anyhow::bail!(
                    "`{}` is not pinned and is not a stdio server mcpward runs; pin it with `mcpward pin {0}`",
                    server.name
                );
            };
            let path = mcpward_gateway::proxy::first_use_path(
                state_dir,
                server.identity().as_ref(),
                &c,
                &a,
            );
            if !path.is_file() {
                anyhow::bail!(
                    "`{}` is neither in a lockfile nor recorded by a run through mcpward; pin it with `mcpward pin {0}`",
                    server.name
                );
            }
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let lock = Lockfile::parse(&text, &path.display().to_string())?;
            (path, lock, true)
        }
    };
    let key = if first_use {
        lock.servers
            .keys()
            .next()
            .cloned()
            .unwrap_or_else(|| server.name.clone())
    } else {
        server.name.clone()
    };
    let entry = lock.servers.entry(key).or_default();
    // Only the part being approved is shown.
    let mut report = entry.check(&collected.definitions);
    if let Some(t) = tool {
        report
            .changes
            .retain(|c| c.item == ItemKind::Tool && c.key == t);
    }
    let launch = if tool.is_none() {
        launch_mismatch(entry.launch.as_ref(), server.identity().as_ref())
    } else {
        None
    };
    let mut out = anstream::stdout();
    if !report.is_drift() && launch.is_none() {
        writeln!(
            out,
            "`{}`{}: nothing to approve; it matches {}",
            server.name,
            tool.map(|t| format!(", tool `{t}`")).unwrap_or_default(),
            path.display()
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    print_drift(&mut out, &server.name, &path, launch.as_deref(), &report)?;
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!(
                "approving needs a person: run this in a terminal, or pass --yes after reading the change above"
            );
        }
        write!(out, "Accept this change? [y/N] ")?;
        out.flush()?;
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            writeln!(out, "nothing changed")?;
            return Ok(ExitCode::from(1));
        }
    }
    entry.approve(&collected.definitions, tool.map(|t| (ItemKind::Tool, t)))?;
    if tool.is_none() {
        if let Some((c, a)) = server.launch() {
            entry.launch = Some(launch_pin(&c, &a));
        }
        let (name, version) = collected.server_name_version();
        entry.server_info = Some(ServerInfoPin {
            name: name.unwrap_or_default().to_owned(),
            version: version.unwrap_or_default().to_owned(),
        });
        entry.protocol = Some(collected.protocol_version.clone());
    }
    if first_use {
        write_private(&path, &lock)?;
    } else {
        write_lockfile(&path, &lock)?;
    }
    writeln!(out, "accepted; {} updated", path.display())?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(package: &str, version: Option<&str>) -> LaunchIdentity {
        LaunchIdentity {
            ecosystem: "npm",
            package: package.into(),
            version: version.map(str::to_owned),
            evidence: String::new(),
        }
    }

    fn pinned(package: &str, version: Option<&str>) -> mcpward_inspect::LaunchPin {
        mcpward_inspect::LaunchPin {
            command: "npx".into(),
            ecosystem: Some("npm".into()),
            package: Some(package.into()),
            version: version.map(str::to_owned),
        }
    }

    #[test]
    fn a_pin_belongs_to_the_package_that_runs_not_to_the_name() {
        let p = pinned("@modelcontextprotocol/server-git", Some("1.0.0"));
        assert_eq!(
            launch_mismatch(
                Some(&p),
                Some(&id("@modelcontextprotocol/server-git", Some("1.0.0")))
            ),
            None
        );
        // Unknown version at run time: the hashes still decide.
        assert_eq!(
            launch_mismatch(
                Some(&p),
                Some(&id("@modelcontextprotocol/server-git", None))
            ),
            None
        );
        let other = launch_mismatch(Some(&p), Some(&id("@cyanheads/git-mcp-server", None)));
        assert!(other.unwrap().contains("@cyanheads/git-mcp-server"));
        let upgraded = launch_mismatch(
            Some(&p),
            Some(&id("@modelcontextprotocol/server-git", Some("2.0.0"))),
        );
        assert!(upgraded.unwrap().contains("2.0.0"));
        assert!(launch_mismatch(Some(&p), None).is_some());
    }

    #[test]
    fn the_nearest_project_lockfile_is_consulted_before_the_user_level_one() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("proj");
        let sub = project.join("src");
        let state = dir.path().join("state");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::create_dir_all(&state).unwrap();
        assert!(lockfiles(None, &sub, &state).is_empty());
        std::fs::write(state.join(LOCKFILE_NAME), "version = 1\n").unwrap();
        assert_eq!(lockfiles(None, &sub, &state), [state.join(LOCKFILE_NAME)]);
        std::fs::write(project.join(LOCKFILE_NAME), "version = 1\n").unwrap();
        assert_eq!(
            lockfiles(None, &sub, &state),
            [project.join(LOCKFILE_NAME), state.join(LOCKFILE_NAME)]
        );
        let explicit = dir.path().join("other.lock");
        assert_eq!(lockfiles(Some(&explicit), &sub, &state), [explicit]);
    }

    #[cfg(unix)]
    #[test]
    fn a_lockfile_others_can_write_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCKFILE_NAME);
        std::fs::write(&path, "version = 1\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let err = load_lockfile(&path).unwrap_err().to_string();
        assert!(err.contains("other users"), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(load_lockfile(&path).is_ok());
    }
}
