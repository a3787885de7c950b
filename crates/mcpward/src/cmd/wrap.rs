//! `mcpward wrap` / `mcpward unwrap`: route a client's stdio servers through `mcpward run`, or
//! undo it. Shows the diff, asks on the terminal unless `--yes`, writes a backup first.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use mcpward_config::{ClientKind, Os, candidate_paths};
use mcpward_gateway::wrap::{self, WrapPlan};

#[derive(Debug, clap::Args)]
pub struct WrapArgs {
    #[command(flatten)]
    pub target: Target,
    /// Command written into the config [default: `mcpward` for a project config shared with
    /// others (it must resolve on PATH), else the absolute path of this executable].
    #[arg(long, value_name = "PATH")]
    pub bin: Option<String>,
    /// Also route remote (HTTP) servers through the `mcpward serve` instance at this base URL
    /// (e.g. `http://127.0.0.1:8848`): each entry's URL becomes `BASE/mcp/<name>`, and the
    /// `[[route]]` tables its config needs are printed.
    #[arg(long, value_name = "URL")]
    pub serve: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct UnwrapArgs {
    #[command(flatten)]
    pub target: Target,
}

#[derive(Debug, clap::Args)]
pub struct Target {
    /// Client whose config to change (claude-desktop, claude-code, vscode, cursor, windsurf,
    /// gemini-cli, cline, roo-code, lm-studio, codex).
    #[arg(long, value_name = "ID")]
    pub client: String,
    /// Config file [default: the client's config, when exactly one exists].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Write without asking.
    #[arg(long)]
    pub yes: bool,
}

pub fn wrap(args: WrapArgs) -> anyhow::Result<ExitCode> {
    let bin = args.bin.clone();
    let serve = match &args.serve {
        Some(base) => {
            let parsed = url::Url::parse(base)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if parsed.is_none() {
                bail!("--serve {base}: not an http(s) URL of an `mcpward serve` instance");
            }
            Some(base.trim_end_matches('/').to_owned())
        }
        None => None,
    };
    let planner = |source: &str, client: ClientKind, bin: &str| match &serve {
        Some(base) => wrap::plan_wrap_via_serve(source, client, bin, base),
        None => wrap::plan_wrap(source, client, bin),
    };
    edit(&args.target, "wrap", |path, source, client| {
        let bin = match &bin {
            Some(b) => b.clone(),
            None => {
                // A config that cannot be read, or has nothing to wrap, is reported as such
                // before the command is chosen; routing remote servers needs no command.
                let plan = planner(source, client, "mcpward")?;
                if plan.changes.len() == plan.routes.len() {
                    return Ok(plan);
                }
                default_bin(path, source)?
            }
        };
        Ok(planner(source, client, &bin)?)
    })
}

/// The `[[route]]` tables `mcpward serve` needs for the remote servers a wrap pointed at it.
fn routes_toml(routes: &[wrap::Route]) -> String {
    let quote = |s: &str| serde_json::Value::String(s.to_owned()).to_string();
    let mut out = String::new();
    for r in routes {
        out.push_str(&format!(
            "\n[[route]]\nname = {}\nurl = {}\n",
            quote(&r.name),
            quote(&r.url)
        ));
        if !r.headers.is_empty() {
            out.push_str(&format!(
                "# the client's entry sends {}: serve never passes a client's credentials on, so\n# give them here as secret references, e.g. headers = {{ Authorization = \"Bearer ${{MY_TOKEN}}\" }},\n# and remove them from the client's entry\n",
                r.headers.join(", ")
            ));
        }
    }
    out
}

/// The command to write: a project config travels to teammates through git, so it names
/// `mcpward` as found on PATH (which must work here too); a user config names this executable.
fn default_bin(path: &Path, source: &str) -> anyhow::Result<String> {
    if let Some((_, mcpward_config::Scope::Project)) = mcpward_config::detect_client(path, source) {
        let on_path = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).any(|d| d.join("mcpward").is_file()))
            .unwrap_or(false);
        if !on_path {
            bail!(
                "{} is a project config shared with others, so it should name `mcpward` from PATH, but `mcpward` is not on PATH here; install it (cargo install --path crates/mcpward) or pass --bin PATH",
                path.display()
            );
        }
        return Ok("mcpward".to_owned());
    }
    Ok(std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .context("cannot tell where this mcpward executable is; pass --bin PATH")?
        .to_string_lossy()
        .into_owned())
}

pub fn unwrap(args: UnwrapArgs) -> anyhow::Result<ExitCode> {
    edit(&args.target, "unwrap", |_, source, client| {
        Ok(wrap::plan_unwrap(source, client)?)
    })
}

fn edit(
    target: &Target,
    verb: &str,
    plan: impl Fn(&Path, &str, ClientKind) -> anyhow::Result<WrapPlan>,
) -> anyhow::Result<ExitCode> {
    let client = ClientKind::from_id(&target.client).with_context(|| {
        let ids: Vec<_> = ClientKind::ALL.iter().map(|c| c.id()).collect();
        format!(
            "unknown client `{}`; use one of: {}",
            target.client,
            ids.join(", ")
        )
    })?;
    let path = match &target.config {
        Some(p) => p.clone(),
        None => find_config(client)?,
    };
    let source = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let plan = plan(&path, &source, client).with_context(|| format!("{}", path.display()))?;

    let mut out = anstream::stdout();
    let shown = path.display().to_string();
    for s in &plan.skipped {
        writeln!(
            out,
            "skipped {}: {}",
            server_label(&s.server, &s.project),
            s.reason
        )?;
    }
    if plan.changes.is_empty() {
        writeln!(out, "{shown}: nothing to {verb}")?;
        return Ok(ExitCode::SUCCESS);
    }
    let diff = similar::TextDiff::from_lines(&source, &plan.new_text);
    write!(
        out,
        "{}",
        diff.unified_diff().context_radius(2).header(&shown, &shown)
    )?;
    for c in &plan.changes {
        writeln!(
            out,
            "{verb} {}: {} -> {}",
            server_label(&c.server, &c.project),
            c.before,
            c.after
        )?;
    }
    if !target.yes && !confirm(&format!("Write these changes to {shown}?"))? {
        writeln!(out, "nothing written")?;
        return Ok(ExitCode::from(1));
    }
    let backups = mcpward_gateway::queue::default_state_dir().join("backups");
    let backup = wrap::apply(&path, &source, &plan, &backups)?;
    writeln!(
        out,
        "{verb}ped {} server(s) in {shown}; the previous version is in {}",
        plan.changes.len(),
        backup.display()
    )?;
    if verb == "wrap" {
        writeln!(
            out,
            "restart the client to apply; `mcpward unwrap --client {}` undoes this for stdio servers (remote ones: restore the backup)",
            client.id()
        )?;
    }
    if !plan.routes.is_empty() {
        writeln!(
            out,
            "add these routes to the config of `mcpward serve` (docs/serve.md), then restart it:{}",
            routes_toml(&plan.routes)
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn server_label(server: &str, project: &Option<String>) -> String {
    match project {
        Some(p) => format!("`{server}` (project {p})"),
        None => format!("`{server}`"),
    }
}

/// Asks on the terminal; refuses to guess when there is none.
pub(crate) fn confirm(question: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        bail!(
            "not writing without confirmation: there is no terminal to ask on; review the diff above and run again with --yes"
        );
    }
    let mut err = anstream::stderr();
    write!(err, "{question} [y/N] ")?;
    err.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES"))
}

/// The client's config when exactly one of its known locations exists.
fn find_config(client: ClientKind) -> anyhow::Result<PathBuf> {
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .context("cannot find the home directory (HOME is not set); pass --config FILE")?;
    let project = std::env::current_dir().context("cannot read the current directory")?;
    let env = |name: &str| std::env::var(name).ok();
    let candidates: Vec<PathBuf> = candidate_paths(&home, &project, Os::current(), &env)
        .into_iter()
        .filter(|c| c.client == client)
        .map(|c| c.path)
        .collect();
    // The same file reached twice (run from the home directory, a symlink) counts once.
    let mut seen = std::collections::HashSet::new();
    let existing: Vec<&PathBuf> = candidates
        .iter()
        .filter(|p| is_file(p))
        .filter(|p| seen.insert(p.canonicalize().unwrap_or_else(|_| p.to_path_buf())))
        .collect();
    match existing.as_slice() {
        [one] => Ok((*one).clone()),
        [] => bail!(
            "no {} config found (looked at: {}); pass --config FILE",
            client.name(),
            list(candidates.iter())
        ),
        many => bail!(
            "several {} configs exist ({}); pass --config FILE to choose one",
            client.name(),
            list(many.iter().copied())
        ),
    }
}

fn is_file(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file())
}

fn list<'a>(paths: impl Iterator<Item = &'a PathBuf>) -> String {
    paths
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
