//! `mcpward audit`: discover (or load) client configs, run the rules, print the findings.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use mcpward_config::{ConfigFile, Os, Scope};
use mcpward_core::Severity;
use mcpward_core::baseline::Baseline;
use mcpward_core::output::{self, HumanOptions, Report};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Human,
    Json,
    Sarif,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Config files or directories to audit. Without paths, every MCP client config on this
    /// machine and in the current project is discovered.
    pub paths: Vec<PathBuf>,
    /// Print what was discovered (client, file, servers and how they start) instead of auditing.
    #[arg(long)]
    pub list: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// Exit with status 1 when a finding has at least this severity.
    #[arg(long, default_value = "low", value_parser = parse_severity)]
    pub fail_on: Severity,
    /// Accept the findings recorded in this file; only new findings are reported.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the current findings to the `--baseline` file (accepting them) and exit 0.
    #[arg(long, requires = "baseline")]
    pub write_baseline: bool,
    /// Print only the summary line (human format).
    #[arg(long, short)]
    pub quiet: bool,
    /// Query the npm and PyPI registries for package metadata (stale, deprecated, no repository).
    /// Uses the system trust store (or SSL_CERT_FILE) and HTTPS_PROXY / ALL_PROXY / NO_PROXY;
    /// MCPWARD_NPM_REGISTRY and MCPWARD_PYPI_REGISTRY replace the registries with a mirror.
    #[arg(long)]
    pub online: bool,
    /// Project directory for project-level configs (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// Scan the git history of REPO (repeatable) for secrets instead of auditing configs.
    /// Without REPO: every git repository that holds a discovered (or given) config.
    #[arg(long, value_name = "REPO", num_args = 0..=1, action = clap::ArgAction::Append)]
    pub history: Option<Vec<PathBuf>>,
    /// With --history: scan every file, not only config-like ones.
    #[arg(long, requires = "history")]
    pub all_files: bool,
    /// Also start every configured stdio server (this runs their code, as your client would),
    /// list its tools, check them for poisoning, and judge capabilities by the real tools.
    #[arg(long, conflicts_with_all = ["history", "list"])]
    pub deep: bool,
    /// With --deep: seconds one server may take to start and list everything.
    #[arg(long, value_name = "SECS", default_value = "30", requires = "deep", value_parser = crate::cmd::inspect::parse_timeout)]
    pub timeout: std::time::Duration,
}

pub(crate) fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

/// What was loaded, plus the inputs that could not be (named in errors, not dropped).
struct Loaded {
    files: Vec<ConfigFile>,
    errors: Vec<String>,
}

fn load(args: &Args) -> anyhow::Result<Loaded> {
    if args.paths.is_empty() {
        let home = home_dir().context(
            "cannot find your home directory: set HOME (or USERPROFILE on Windows), or pass config paths",
        )?;
        let project = match &args.project {
            Some(p) => p.clone(),
            None => std::env::current_dir().context("cannot read the current directory")?,
        };
        let env = |name: &str| std::env::var(name).ok();
        let files = mcpward_config::discover(&home, &project, Os::current(), &env);
        return Ok(Loaded {
            files,
            errors: Vec::new(),
        });
    }
    let mut loaded = Loaded {
        files: Vec::new(),
        errors: Vec::new(),
    };
    for result in mcpward_config::load_paths(&args.paths) {
        match result {
            Ok(file) => loaded.files.push(file),
            Err(err) => loaded.errors.push(err.to_string()),
        }
    }
    Ok(loaded)
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let loaded = load(&args)?;
    let mut stderr = anstream::stderr();
    for err in &loaded.errors {
        writeln!(stderr, "error: {err}")?;
    }
    if let Some(repos) = &args.history {
        return crate::cmd::history::run(&args, repos, &loaded.files, &loaded.errors);
    }
    if args.list {
        let text = match args.format {
            FormatArg::Human => inventory_text(&loaded.files),
            FormatArg::Json | FormatArg::Sarif => inventory_json(&loaded.files),
        };
        anstream::stdout().write_all(text.as_bytes())?;
        return Ok(exit_for_errors(&loaded.errors, ExitCode::SUCCESS));
    }

    let registry = if args.online {
        let registry = mcpward_audit::HttpRegistry::from_env()
            .context("cannot set up `--online` from the environment")?;
        // A mirror's answers must never pass for the public registry's: say it every time.
        for note in registry.notes() {
            writeln!(stderr, "note: {note}")?;
        }
        Some(registry)
    } else {
        None
    };
    let mut options = mcpward_audit::AuditOptions {
        registry: registry
            .as_ref()
            .map(|r| r as &dyn mcpward_audit::PackageRegistry),
        ..Default::default()
    };
    let deep = args
        .deep
        .then(|| super::inspect::deep(&loaded.files, args.timeout));
    options.inspected = deep.as_ref().map(|d| &d.inspected);
    let mut findings = mcpward_audit::audit(&loaded.files, &options);
    let mut scans: Vec<&str> = Vec::new();
    // Machine mode on a discovered machine also reports MCP servers nobody configured; explicit
    // paths mean "these files", so the process table stays out of it.
    if args.format != FormatArg::Human && args.paths.is_empty() {
        findings.extend(unknown_processes(&loaded.files));
        scans.push("unknown-mcp-process");
    }
    if let Some(deep) = &deep {
        findings.extend(deep.findings.iter().cloned());
        findings.sort_by_key(mcpward_core::Finding::sort_key);
        scans.push("inspect-failed");
    }
    let mut loaded = loaded;
    // Machine output also carries rotation status (`mcpward creds`), read from its state file.
    if args.format != FormatArg::Human {
        match super::creds::overdue_findings(&loaded.files) {
            Ok(overdue) => findings.extend(overdue),
            Err(e) => loaded.errors.push(format!("{e:#}")),
        }
    }

    if args.write_baseline {
        let path = args
            .baseline
            .as_deref()
            .unwrap_or(Path::new("mcpward-baseline.json"));
        Baseline::write(path, &findings)?;
        writeln!(
            stderr,
            "wrote {} accepted finding(s) to {}",
            findings.len(),
            path.display()
        )?;
        return Ok(exit_for_errors(&loaded.errors, ExitCode::SUCCESS));
    }
    let (findings, accepted) = match &args.baseline {
        Some(path) => Baseline::load(path)?.filter(findings),
        None => (findings, 0),
    };

    let sources: HashMap<PathBuf, String> = loaded
        .files
        .iter()
        .map(|f| (f.path.clone(), f.source.clone()))
        .collect();
    let mut rules = rules_that_ran(&scans);
    if deep.is_some() {
        rules.extend(mcpward_inspect::rules().iter().copied());
    }
    let format = match &deep {
        // The JSON report of a deep audit also lists what each server showed.
        Some(deep) if args.format == FormatArg::Json => {
            let report = Report {
                findings: &findings,
                sources: &sources,
                rules: &rules,
                tool_version: env!("CARGO_PKG_VERSION"),
            };
            let mut doc = output::json_document(&report);
            doc["inspected"] = super::inspect::inspected_json(&deep.inspected);
            let mut text = serde_json::to_string_pretty(&doc)?;
            text.push('\n');
            anstream::stdout().write_all(text.as_bytes())?;
            output::Format::Json
        }
        _ => print_report(&findings, &sources, &rules, args.format, args.quiet)?,
    };
    if format == output::Format::Human {
        let servers: usize = loaded.files.iter().map(|f| f.servers.len()).sum();
        let mut note = format!(
            "audited {} config file(s), {} server(s)",
            loaded.files.len(),
            servers
        );
        if let Some(deep) = &deep {
            note.push_str(&format!(
                "; --deep started {} server(s), {} answered",
                deep.started, deep.answered
            ));
        }
        if accepted > 0 {
            note.push_str(&format!("; {accepted} finding(s) accepted by the baseline"));
        }
        writeln!(stderr, "{note}")?;
    }

    let failing = findings.iter().any(|f| f.severity >= args.fail_on);
    let code = if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    Ok(exit_for_errors(&loaded.errors, code))
}

/// `unknown-mcp-process` findings; a process table that cannot be read (not Linux) adds none.
fn unknown_processes(files: &[ConfigFile]) -> Vec<mcpward_core::Finding> {
    let Ok(found) = crate::cmd::ps::scan(files) else {
        return Vec::new();
    };
    found
        .iter()
        .filter(|p| p.unknown)
        .map(|p| {
            let parents: Vec<String> = p
                .parents
                .iter()
                .map(|a| format!("{}({})", a.name, a.pid))
                .collect();
            mcpward_audit::rules::unknown_mcp_process::finding(
                p.pid,
                &p.user,
                &p.command,
                &parents.join(" ← "),
                p.client,
            )
        })
        .collect()
}

/// Rules whose findings come from scans beyond the config files: SARIF `rules[]` lists them
/// only when that scan ran (`scans` names them), so it describes what this run checked.
pub(crate) fn rules_that_ran(scans: &[&str]) -> Vec<&'static mcpward_core::RuleMeta> {
    const SCAN_RULES: [&str; 3] = [
        "secret-in-git-history",
        "unknown-mcp-process",
        "inspect-failed",
    ];
    mcpward_audit::rules()
        .iter()
        .copied()
        .filter(|r| !SCAN_RULES.contains(&r.id) || scans.contains(&r.id))
        .collect()
}

/// Inputs that could not be read are a usage/runtime error (2), after everything else was reported.
pub(crate) fn exit_for_errors(errors: &[String], code: ExitCode) -> ExitCode {
    if errors.is_empty() {
        code
    } else {
        ExitCode::from(2)
    }
}

fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::User => "user",
        Scope::Project => "project",
    }
}

fn transport_name(t: mcpward_config::Transport) -> &'static str {
    match t {
        mcpward_config::Transport::Stdio => "stdio",
        mcpward_config::Transport::Http => "http",
        mcpward_config::Transport::Sse => "sse",
        mcpward_config::Transport::Unknown => "unknown",
    }
}

/// What an approval setting does, in a few words, for `--list`.
fn switch_summary(effect: &mcpward_config::SwitchEffect) -> String {
    use mcpward_config::{AutoApprove, SwitchEffect};
    let names = |items: &[mcpward_config::Spanned<String>]| {
        items
            .iter()
            .map(|i| i.value.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match effect {
        SwitchEffect::AllTools => "every tool runs without asking".into(),
        SwitchEffect::NamedTools(tools) => format!("runs without asking: {}", names(tools)),
        SwitchEffect::ServerTools {
            server,
            approval: AutoApprove::All(_),
            ..
        } => format!("every tool of {server} runs without asking"),
        SwitchEffect::ServerTools {
            server,
            approval: AutoApprove::Tools(tools),
            ..
        } => format!("{server} runs without asking: {}", names(tools)),
        SwitchEffect::AllProjectServers => "every .mcp.json server starts without asking".into(),
        SwitchEffect::ProjectServers(servers) => {
            format!("starts without asking: {}", names(servers))
        }
        SwitchEffect::RejectedProjectServers(servers) => {
            format!("never starts: {}", names(servers))
        }
    }
}

/// Launch line with every secret masked: the inventory is meant to be pasted into tickets.
fn masked_launch(entry: &mcpward_config::ServerEntry) -> String {
    mcpward_secrets::Detector::global()
        .redact(&entry.launch())
        .into_owned()
}

fn inventory_text(files: &[ConfigFile]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for file in files {
        let _ = writeln!(
            out,
            "{} ({}) {}",
            file.client.name(),
            scope_name(file.scope),
            file.path.display()
        );
        if !file.problems.is_empty() {
            let _ = writeln!(out, "  ! {} problem(s) while parsing", file.problems.len());
        }
        if file.servers.is_empty() && file.switches.is_empty() {
            let _ = writeln!(out, "  (no servers)");
        }
        for switch in &file.switches {
            let ignored = if switch.ignored.is_some() {
                " (ignored here)"
            } else {
                ""
            };
            let project = switch
                .project
                .as_deref()
                .map(|p| format!(" [project {p}]"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  setting {}: {}{ignored}{project}",
                switch.key.value,
                switch_summary(&switch.effect)
            );
        }
        let width = file.servers.iter().map(|s| s.name.len()).max().unwrap_or(0);
        for s in &file.servers {
            let disabled = if s.disabled { " (disabled)" } else { "" };
            let project = s
                .project
                .as_deref()
                .map(|p| format!(" [project {p}]"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {:width$}  {:7} {}{disabled}{project}",
                s.name,
                transport_name(s.transport),
                masked_launch(s),
            );
        }
    }
    let servers: usize = files.iter().map(|f| f.servers.len()).sum();
    let _ = writeln!(out, "{} config file(s), {} server(s)", files.len(), servers);
    out
}

fn inventory_json(files: &[ConfigFile]) -> String {
    let doc: Vec<serde_json::Value> = files
        .iter()
        .map(|f| {
            serde_json::json!({
                "client": f.client.id(),
                "scope": scope_name(f.scope),
                "file": f.path,
                "problems": f.problems.len(),
                "servers": f.servers.iter().map(|s| serde_json::json!({
                    "name": s.name,
                    "transport": transport_name(s.transport),
                    "launch": masked_launch(s),
                    "disabled": s.disabled,
                    "project": s.project,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&serde_json::json!({ "version": 1, "configs": doc }))
        .unwrap_or_default();
    s.push('\n');
    s
}

/// Renders findings with the one printer to stdout; returns the format used.
pub(super) fn print_report(
    findings: &[mcpward_core::Finding],
    sources: &HashMap<PathBuf, String>,
    rules: &[&'static mcpward_core::RuleMeta],
    format: FormatArg,
    quiet: bool,
) -> std::io::Result<output::Format> {
    let report = Report {
        findings,
        sources,
        rules,
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let format = match format {
        FormatArg::Human => output::Format::Human,
        FormatArg::Json => output::Format::Json,
        FormatArg::Sarif => output::Format::Sarif,
    };
    let text = output::render(&report, format, HumanOptions { color: true, quiet });
    anstream::stdout().write_all(text.as_bytes())?;
    Ok(format)
}
