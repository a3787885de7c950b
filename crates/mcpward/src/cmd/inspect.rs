//! `mcpward inspect`: start (or reach) a server, collect what it shows a model, classify its
//! tools and run the poisoning detectors. The connecting is `mcpward_inspect::collect`; this
//! module resolves what to start and prints the report.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use mcpward_config::{ConfigFile, ServerEntry, Transport};
use mcpward_core::{Finding, Severity};
use mcpward_inspect::{Collected, ConnectError, ConnectOptions, Target};
use serde_json::{Value, json};

use super::audit::{FormatArg, parse_severity};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  mcpward inspect filesystem                      a server of your client configs, by name
  mcpward inspect -- npx -y @modelcontextprotocol/server-memory@2026.8.31
  mcpward inspect https://mcp.example.com/mcp --header 'Authorization: Bearer …'

It starts the server (that runs its code, as your client would), lists its tools, prompts,
resources and resource templates, and stops it.")]
pub struct Args {
    /// The server's name in your client configs, or the URL of a Streamable HTTP server.
    #[arg(value_name = "NAME|URL")]
    pub server: Option<String>,
    /// Start this command instead (after `--`); it inherits mcpward's environment.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
    /// Config files to look the name up in, instead of discovering every client's configs
    /// (repeatable).
    #[arg(long = "config", value_name = "FILE")]
    pub configs: Vec<PathBuf>,
    /// Project directory for project-level configs (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// Seconds the whole inspection of one server may take: start-up, handshake and lists.
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = parse_timeout)]
    pub timeout: Duration,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// Exit with status 1 when a finding has at least this severity.
    #[arg(long, default_value = "low", value_parser = parse_severity)]
    pub fail_on: Severity,
    /// An HTTP header for a URL target, `NAME: VALUE` (repeatable); values are never printed.
    #[arg(long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
}

pub(crate) fn parse_timeout(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !(secs > 0.0 && secs <= 86_400.0) {
        return Err(format!(
            "`{s}`: the timeout must be above 0 and at most 86400 seconds"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// One thing to inspect: how to reach it, and what to call it.
#[derive(Debug)]
struct Job {
    /// The server's name: the config entry's, or derived from the command or URL.
    name: String,
    /// Where it comes from: `(client id, client name, config file)` per entry launching it so.
    origins: Vec<(String, String, PathBuf)>,
    /// The launch line or URL, secrets masked.
    launch: String,
    transport: &'static str,
    target: Result<Target, String>,
    opts: ConnectOptions,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let jobs = jobs(&args)?;
    let started: Vec<Instant> = jobs.iter().map(|_| Instant::now()).collect();
    let results = collect_all(jobs.iter().map(|j| (j.target.clone(), j.opts)).collect());
    let mut reports = Vec::new();
    let mut errors = Vec::new();
    for ((job, result), started) in jobs.iter().zip(results).zip(started) {
        match result {
            Ok(collected) => {
                let detect = Instant::now();
                let mut findings = mcpward_inspect::inspect(&job.name, &collected.definitions);
                if let [(client, _, file)] = job.origins.as_slice() {
                    for f in &mut findings {
                        f.file = file.clone();
                        f.client = Some(client.clone());
                    }
                }
                let in_mcpward =
                    collected.elapsed.saturating_sub(collected.waited) + detect.elapsed();
                reports.push(Report {
                    job,
                    collected,
                    findings,
                    total: started.elapsed(),
                    in_mcpward,
                });
            }
            Err(e) => errors.push((job, e)),
        }
    }
    if reports.is_empty() && errors.len() == 1 {
        let (job, err) = errors.remove(0);
        return Err(anyhow::Error::new(err).context(format!("cannot inspect {}", job_label(job))));
    }
    let mut stderr = anstream::stderr();
    for (job, err) in &errors {
        writeln!(stderr, "error: cannot inspect {}: {err}", job_label(job))?;
    }
    let findings: Vec<Finding> = reports.iter().flat_map(|r| r.findings.clone()).collect();
    let rules: Vec<&'static mcpward_core::RuleMeta> = mcpward_inspect::rules().to_vec();
    match args.format {
        FormatArg::Human => {
            let mut out = anstream::stdout();
            for r in &reports {
                out.write_all(header(r).as_bytes())?;
            }
            super::audit::print_report(&findings, &HashMap::new(), &rules, args.format, false)?;
        }
        FormatArg::Json => {
            let report = mcpward_core::output::Report {
                findings: &findings,
                sources: &HashMap::new(),
                rules: &rules,
                tool_version: env!("CARGO_PKG_VERSION"),
            };
            let mut doc = mcpward_core::output::json_document(&report);
            doc["servers"] = Value::Array(
                reports
                    .iter()
                    .map(server_json)
                    .chain(errors.iter().map(|(job, err)| {
                        let mut v = job_json(job);
                        v["error"] = json!(err.to_string());
                        v
                    }))
                    .collect(),
            );
            doc["tools"] = Value::Array(reports.iter().flat_map(tools_json).collect());
            let mut text = serde_json::to_string_pretty(&doc)?;
            text.push('\n');
            anstream::stdout().write_all(text.as_bytes())?;
        }
        FormatArg::Sarif => {
            super::audit::print_report(&findings, &HashMap::new(), &rules, args.format, false)?;
        }
    }
    if !errors.is_empty() {
        return Ok(ExitCode::from(2));
    }
    Ok(if findings.iter().any(|f| f.severity >= args.fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// What to inspect, from the arguments.
fn jobs(args: &Args) -> anyhow::Result<Vec<Job>> {
    let opts = |clear_env| ConnectOptions {
        timeout: args.timeout,
        clear_env,
    };
    match (&args.server, args.command.as_slice()) {
        (Some(_), [_, ..]) => {
            anyhow::bail!("give either a server name or URL, or a command after `--`, not both")
        }
        (None, []) => anyhow::bail!(
            "nothing to inspect: name a server from your configs (`mcpward audit --list` shows them), give a URL, or a command after `--`"
        ),
        (None, [command, rest @ ..]) => {
            let name = mcpward_config::launch::program_name(command);
            let launch = masked(
                &std::iter::once(command.as_str())
                    .chain(rest.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            Ok(vec![Job {
                name,
                origins: Vec::new(),
                launch,
                transport: "stdio",
                target: Ok(Target::Stdio {
                    command: command.clone(),
                    args: rest.to_vec(),
                    env: BTreeMap::new(),
                    cwd: None,
                }),
                opts: opts(false),
            }])
        }
        (Some(url), []) if is_url(url) => {
            let headers = args
                .headers
                .iter()
                .map(|h| parse_header(h))
                .collect::<anyhow::Result<Vec<_>>>()?;
            Ok(vec![Job {
                name: url_name(url),
                origins: Vec::new(),
                launch: masked(url),
                transport: "http",
                target: Ok(Target::Http {
                    url: url.clone(),
                    headers,
                }),
                opts: opts(true),
            }])
        }
        (Some(name), []) => {
            anyhow::ensure!(
                args.headers.is_empty(),
                "--header applies to a URL; a configured server gets the headers of its entry"
            );
            let files = super::creds::load_configs(&args.configs, args.project.as_deref())?;
            let env = |name: &str| std::env::var(name).ok();
            let resolved = targets(&files, name, &env);
            if resolved.is_empty() {
                let servers: usize = files.iter().map(|f| f.servers.len()).sum();
                anyhow::bail!(
                    "no server named `{name}` in {} config file(s) with {servers} server(s); `mcpward audit --list` shows them{}",
                    files.len(),
                    if args.configs.is_empty() {
                        ", `--config FILE` names a file"
                    } else {
                        ""
                    }
                );
            }
            Ok(resolved
                .into_iter()
                .map(|r| Job {
                    name: name.clone(),
                    origins: r
                        .origins
                        .iter()
                        .map(|(f, _)| {
                            (
                                f.client.id().to_string(),
                                f.client.name().to_string(),
                                f.path.clone(),
                            )
                        })
                        .collect(),
                    launch: masked(&r.origins[0].1.launch()),
                    transport: match r.origins[0].1.transport {
                        Transport::Http => "http",
                        Transport::Sse => "sse",
                        Transport::Stdio => "stdio",
                        Transport::Unknown => "unknown",
                    },
                    target: r.target,
                    opts: opts(true),
                })
                .collect())
        }
    }
}

fn is_url(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// `mcp.example.com` for `https://mcp.example.com/mcp`.
fn url_name(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    host.rsplit('@').next().unwrap_or(host).to_string()
}

fn parse_header(text: &str) -> anyhow::Result<(String, String)> {
    let (name, value) = text
        .split_once(':')
        .filter(|(n, _)| !n.trim().is_empty())
        .with_context(|| "--header takes `NAME: VALUE`, e.g. --header 'Authorization: Bearer …'")?;
    Ok((name.trim().to_string(), value.trim().to_string()))
}

fn masked(text: &str) -> String {
    mcpward_secrets::Detector::global()
        .redact(text)
        .into_owned()
}

/// One configured launch: the target (or why there is none) and the entries that launch it so.
#[derive(Debug)]
pub(crate) struct Resolved<'a> {
    pub origins: Vec<(&'a ConfigFile, &'a ServerEntry)>,
    pub target: Result<Target, String>,
}

/// Every distinct launch of a server named `name` in `files`, each with the entries (client,
/// file) that start it that way; entries whose launch lines agree are inspected once. `env` is
/// the environment references are expanded from.
pub(crate) fn targets<'a>(
    files: &'a [ConfigFile],
    name: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<Resolved<'a>> {
    let mut out: Vec<Resolved<'a>> = Vec::new();
    for file in files {
        for entry in file.servers.iter().filter(|s| s.name == name) {
            let t = target(file, entry, env);
            match out.iter_mut().find(|r| r.target == t) {
                Some(r) => r.origins.push((file, entry)),
                None => out.push(Resolved {
                    origins: vec![(file, entry)],
                    target: t,
                }),
            }
        }
    }
    out
}

/// How one config entry starts its server, with references expanded as its client would.
/// Environment values come from `env` (secrets stay in memory, never printed).
pub(crate) fn target(
    file: &ConfigFile,
    entry: &ServerEntry,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Target, String> {
    let expand = |what: &str, value: &str| {
        mcpward_config::expand(file.client, value, env).map_err(|e| {
            format!(
                "{e} ({what} of `{}` in {}); set it in this shell, as the client's environment does, and run again",
                entry.name,
                file.path.display()
            )
        })
    };
    if let Some(b) = &entry.builtin {
        return Err(format!(
            "`{}` is {}'s built-in extension `{}`: it runs inside the client, there is no server to start",
            entry.name,
            file.client.name(),
            b.value
        ));
    }
    match entry.transport {
        Transport::Stdio => {
            let command = entry
                .command
                .as_ref()
                .ok_or_else(|| format!("`{}` has no command", entry.name))?;
            let command = expand("the command", &command.value)?;
            let args = entry
                .args
                .iter()
                .map(|a| expand("an argument", &a.value))
                .collect::<Result<Vec<_>, _>>()?;
            let mut vars = BTreeMap::new();
            for passed in &entry.env_passthrough {
                if let Some(value) = env(&passed.value) {
                    vars.insert(passed.value.clone(), value);
                }
            }
            for (k, v) in &entry.env {
                vars.insert(
                    k.value.clone(),
                    expand(&format!("env {}", k.value), &v.value)?,
                );
            }
            let cwd = match &entry.cwd {
                Some(dir) => {
                    let dir = PathBuf::from(expand("cwd", &dir.value)?);
                    Some(if dir.is_relative() {
                        file.path.parent().unwrap_or(Path::new(".")).join(dir)
                    } else {
                        dir
                    })
                }
                None => None,
            };
            Ok(Target::Stdio {
                command,
                args,
                env: vars,
                cwd,
            })
        }
        Transport::Http => {
            let url = entry
                .url
                .as_ref()
                .ok_or_else(|| format!("`{}` has no URL", entry.name))?;
            let url = expand("the URL", &url.value)?;
            let headers = entry
                .headers
                .iter()
                .map(|(k, v)| {
                    Ok((
                        k.value.clone(),
                        expand(&format!("header {}", k.value), &v.value)?,
                    ))
                })
                .collect::<Result<Vec<_>, String>>()?;
            Ok(Target::Http { url, headers })
        }
        Transport::Sse => Err(format!(
            "`{}` uses the SSE transport (deprecated since MCP 2025-03-26), which mcpward inspect does not speak; if the server also serves Streamable HTTP, inspect that URL",
            entry.name
        )),
        Transport::Unknown => Err(format!(
            "`{}` names neither a command nor a URL mcpward understands",
            entry.name
        )),
    }
}

/// Collects every target at once (at most four servers running together), each within its own
/// timeout. A target that could not be resolved fails with its reason.
pub(crate) fn collect_all(
    jobs: Vec<(Result<Target, String>, ConnectOptions)>,
) -> Vec<Result<Collected, InspectError>> {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let text = format!("cannot start the async runtime: {e}");
            return jobs
                .iter()
                .map(|_| Err(InspectError::Target(text.clone())))
                .collect();
        }
    };
    runtime.block_on(async move {
        let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(4));
        let mut set = tokio::task::JoinSet::new();
        let count = jobs.len();
        for (i, (target, opts)) in jobs.into_iter().enumerate() {
            let limit = limit.clone();
            set.spawn(async move {
                let result = match target {
                    Err(reason) => Err(InspectError::Target(reason)),
                    Ok(target) => {
                        let _permit = limit.acquire().await;
                        mcpward_inspect::collect(&target, &opts)
                            .await
                            .map_err(InspectError::Connect)
                    }
                };
                (i, result)
            });
        }
        let mut out: Vec<Option<Result<Collected, InspectError>>> =
            (0..count).map(|_| None).collect();
        while let Some(joined) = set.join_next().await {
            if let Ok((i, result)) = joined {
                out[i] = Some(result);
            }
        }
        out.into_iter()
            .map(|r| {
                r.unwrap_or_else(|| Err(InspectError::Target("the inspection task failed".into())))
            })
            .collect()
    })
}

/// Why one target was not inspected.
#[derive(Debug)]
pub(crate) enum InspectError {
    /// The config entry could not be turned into a launch (unset variable, no command).
    Target(String),
    Connect(ConnectError),
}

impl std::fmt::Display for InspectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InspectError::Target(reason) => f.write_str(reason),
            InspectError::Connect(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for InspectError {}

struct Report<'a> {
    job: &'a Job,
    collected: Collected,
    findings: Vec<Finding>,
    /// From the start of the collection until the findings were ready.
    total: Duration,
    /// The part of `total` that was mcpward's own work (not waiting for the server).
    in_mcpward: Duration,
}

fn job_label(job: &Job) -> String {
    match job.origins.as_slice() {
        [] => format!("`{}`", job.launch),
        origins => {
            let from: Vec<String> = origins
                .iter()
                .map(|(_, client, file)| format!("{client}: {}", file.display()))
                .collect();
            format!("`{}` ({})", job.name, from.join("; "))
        }
    }
}

fn millis(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// The human header of one server: where it comes from, what it is, how it was reached, and a
/// table of its tools with their capability classes.
fn header(r: &Report<'_>) -> String {
    use std::fmt::Write as _;
    let c = &r.collected;
    let mut out = String::new();
    let _ = writeln!(out, "{}", job_label(r.job));
    let _ = writeln!(out, "  launch     {} ({})", r.job.launch, r.job.transport);
    let (name, version) = c.server_name_version();
    let _ = writeln!(
        out,
        "  server     {} {}",
        escape(name.unwrap_or("(no serverInfo name)")),
        escape(version.unwrap_or(""))
    );
    let _ = writeln!(out, "  handshake  {}", c.handshake_label());
    let _ = writeln!(
        out,
        "  time       {} from launch to report, {} of it in mcpward",
        millis(r.total),
        millis(r.in_mcpward)
    );
    for note in &c.notes {
        let _ = writeln!(out, "  note       {}", escape(note));
    }
    let defs = &c.definitions;
    let tools = mcpward_inspect::classify_tools(defs);
    if !tools.is_empty() {
        let names: Vec<String> = tools.iter().map(|t| escape(&t.name)).collect();
        let width = names
            .iter()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(0)
            .max(4);
        let _ = writeln!(out, "\n  {:width$}  capabilities", "tool");
        for (t, name) in tools.iter().zip(&names) {
            let caps = if t.capabilities.is_empty() {
                "-".to_string()
            } else {
                t.capabilities.to_string()
            };
            let _ = writeln!(out, "  {name:width$}  {caps}");
        }
    }
    let _ = writeln!(
        out,
        "\n  {} tool(s), {} prompt(s), {} resource(s), {} resource template(s){}\n",
        defs.tools.len(),
        defs.prompts.len(),
        defs.resources.len(),
        defs.resource_templates.len(),
        if defs.instructions.is_some() {
            ", instructions"
        } else {
            ""
        }
    );
    out
}

fn escape(text: &str) -> String {
    mcpward_core::display::escape(text).into_owned()
}

fn job_json(job: &Job) -> Value {
    json!({
        "name": job.name,
        "origins": job.origins.iter().map(|(client, _, file)| json!({"client": client, "file": file})).collect::<Vec<_>>(),
        "launch": job.launch,
        "transport": job.transport,
    })
}

fn server_json(r: &Report<'_>) -> Value {
    let c = &r.collected;
    let d = &c.definitions;
    let mut v = job_json(r.job);
    v["serverInfo"] = c.server_info.clone();
    v["protocolVersion"] = json!(c.protocol_version);
    v["handshake"] = json!(c.handshake.method());
    v["counts"] = json!({
        "tools": d.tools.len(),
        "prompts": d.prompts.len(),
        "resources": d.resources.len(),
        "resourceTemplates": d.resource_templates.len(),
    });
    v["instructions"] = json!(d.instructions.is_some());
    v["timing"] = json!({
        "launch_to_report_ms": r.total.as_millis() as u64,
        "mcpward_ms": r.in_mcpward.as_secs_f64() * 1000.0,
    });
    v["notes"] = json!(c.notes);
    v
}

fn tools_json(r: &Report<'_>) -> Vec<Value> {
    mcpward_inspect::classify_tools(&r.collected.definitions)
        .into_iter()
        .map(|t| {
            json!({
                "server": r.job.name,
                "name": t.name,
                "capabilities": t.capabilities.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// What `audit --deep` adds: the tools each server listed (for the capability rules) and the
/// findings of inspecting them (poisoning, `inspect-failed`).
#[derive(Debug, Default)]
pub(crate) struct Deep {
    pub inspected: mcpward_audit::Inspected,
    pub findings: Vec<Finding>,
    /// Servers started, and how many of them answered.
    pub started: usize,
    pub answered: usize,
}

/// Starts every active stdio server of `files` as its client would (entries with the same launch
/// once), each within `timeout`, and checks what it lists. A server that cannot be inspected is
/// an `inspect-failed` finding, never skipped.
pub(crate) fn deep(files: &[ConfigFile], timeout: Duration) -> Deep {
    let env = |name: &str| std::env::var(name).ok();
    let opts = ConnectOptions {
        timeout,
        clear_env: true,
    };
    // (file index, entry index) → index of its distinct target.
    let mut jobs: Vec<Result<Target, String>> = Vec::new();
    let mut entries: Vec<(usize, usize, usize)> = Vec::new();
    for (fi, file) in files.iter().enumerate() {
        for (ei, entry) in file.servers.iter().enumerate() {
            let active = !entry.disabled && entry.not_loaded.is_none() && entry.builtin.is_none();
            if !active || entry.transport != Transport::Stdio {
                continue;
            }
            let t = target(file, entry, &env);
            let ji = match jobs.iter().position(|j| *j == t) {
                Some(i) => i,
                None => {
                    jobs.push(t);
                    jobs.len() - 1
                }
            };
            entries.push((fi, ei, ji));
        }
    }
    let started = jobs.iter().filter(|j| j.is_ok()).count();
    let results = collect_all(jobs.into_iter().map(|j| (j, opts)).collect());
    let mut deep = Deep {
        started,
        answered: results.iter().filter(|r| r.is_ok()).count(),
        ..Deep::default()
    };
    for (fi, file) in files.iter().enumerate() {
        let mine: Vec<(&ServerEntry, &Result<Collected, InspectError>)> = entries
            .iter()
            .filter(|(f, _, _)| *f == fi)
            .map(|(_, ei, ji)| (&file.servers[*ei], &results[*ji]))
            .collect();
        // Servers of one client are checked against each other (shadowing, confusable names).
        let listed: Vec<mcpward_inspect::Server<'_>> = mine
            .iter()
            .filter_map(|(entry, r)| {
                r.as_ref().ok().map(|c| mcpward_inspect::Server {
                    name: &entry.name,
                    definitions: &c.definitions,
                })
            })
            .collect();
        for mut f in mcpward_inspect::inspect_client(&listed) {
            f.file = file.path.clone();
            f.client = Some(file.client.id().to_string());
            if let Some(entry) = mine
                .iter()
                .find(|(e, _)| Some(e.name.as_str()) == f.server.as_deref())
            {
                f.span = Some(entry.0.span);
            }
            deep.findings.push(f);
        }
        for (entry, result) in &mine {
            match result {
                Ok(c) => deep.inspected.insert(
                    &file.path,
                    &entry.name,
                    mcpward_inspect::classify_tools(&c.definitions)
                        .into_iter()
                        .map(|t| mcpward_audit::InspectedTool {
                            name: t.name,
                            classes: t.capabilities,
                        })
                        .collect(),
                ),
                Err(e) => deep
                    .findings
                    .push(mcpward_audit::rules::inspect_failed::finding(
                        file,
                        entry,
                        &short_reason(e),
                    )),
            }
        }
    }
    deep
}

/// An inspection error on one line, with the end of the server's stderr.
fn short_reason(e: &InspectError) -> String {
    match e {
        InspectError::Target(reason) => reason.clone(),
        InspectError::Connect(e) => {
            let mut text = e.kind.to_string();
            let last: Vec<&str> = e
                .stderr
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            if !last.is_empty() {
                let tail = &last[last.len().saturating_sub(3)..];
                text.push_str(&format!("; its stderr ends: {}", escape(&tail.join(" | "))));
            }
            text
        }
    }
}

/// `[{file, server, tools: [{name, capabilities}]}]` for the JSON report of `audit --deep`.
pub(crate) fn inspected_json(inspected: &mcpward_audit::Inspected) -> Value {
    Value::Array(
        inspected
            .iter()
            .map(|(file, server, tools)| {
                json!({
                    "file": file,
                    "server": server,
                    "tools": tools.iter().map(|t| json!({
                        "name": t.name,
                        "capabilities": t.classes.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}
