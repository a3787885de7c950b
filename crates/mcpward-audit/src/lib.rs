//! The rules of `mcpward audit`: pure checks over parsed MCP client configurations.
//!
//! The flow is one way: [`audit`] gathers what rules cannot compute themselves (git and file-mode
//! facts in [`facts`], package metadata through a [`PackageRegistry`] when `--online`), builds a
//! per-file context (each server's [`launch`], what the [`knowledge`] tables say about it, the
//! literal secrets in its entry), runs every rule in [`rules()`] and returns sorted findings.
//! Nothing here prints; the binary hands the findings to the one printer in `mcpward-core`.
//!
//! Disabled servers are still checked for secrets (the secret is on disk either way) but not for
//! runtime risks (exec, combinations, filesystem roots, auto-approval, pinning, transport), since
//! the client does not start them.
#![forbid(unsafe_code)]

mod context;
pub mod facts;
mod inspected;
pub use mcpward_config::{knowledge, launch, remote};
pub mod registry;
pub mod rules;
mod session;

use std::collections::BTreeSet;
use std::fmt;

use jiff::Timestamp;
use mcpward_config::ConfigFile;
use mcpward_core::{Finding, RuleMeta};

pub use context::{LiteralSecret, SecretPlace};
pub use facts::FileFacts;
pub use inspected::{Inspected, InspectedTool};
pub use registry::{FixtureRegistry, HttpRegistry, PackageMeta, PackageRegistry, RegistryError};

use crate::context::{FileContext, PackageFacts};
use crate::launch::{Ecosystem, Launch};

/// Days without a release after which `stale-package` reports a package.
pub const DEFAULT_STALE_AFTER_DAYS: i64 = 60;

/// How to run the audit. [`AuditOptions::default`] is offline, looks at files on disk, and uses
/// the current time.
pub struct AuditOptions<'a> {
    /// Package registry for `--online` checks; `None` skips them.
    pub registry: Option<&'a dyn PackageRegistry>,
    /// "Now" for staleness, so results are reproducible in tests.
    pub now: Timestamp,
    /// Days without a release before a package counts as stale.
    pub stale_after_days: i64,
    /// Gather git and permission facts from disk for each file. Off for configs that only
    /// exist in memory (tests, stdin).
    pub inspect_files: bool,
    /// Tools the servers listed when started (`audit --deep`): capability rules use them
    /// instead of guessing from names.
    pub inspected: Option<&'a Inspected>,
}

impl Default for AuditOptions<'_> {
    fn default() -> Self {
        AuditOptions {
            registry: None,
            now: Timestamp::now(),
            stale_after_days: DEFAULT_STALE_AFTER_DAYS,
            inspect_files: true,
            inspected: None,
        }
    }
}

impl fmt::Debug for AuditOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditOptions")
            .field("registry", &self.registry.map(|_| "<registry>"))
            .field("now", &self.now)
            .field("stale_after_days", &self.stale_after_days)
            .field("inspect_files", &self.inspect_files)
            .field("inspected", &self.inspected)
            .finish()
    }
}

/// Run every rule over `files`. Findings are sorted (file, line, column, rule, then the rest)
/// and free of exact duplicates, so output is deterministic.
pub fn audit(files: &[ConfigFile], opts: &AuditOptions<'_>) -> Vec<Finding> {
    let packages = match opts.registry {
        Some(registry) => lookup_packages(files, registry),
        None => PackageFacts::new(),
    };
    let mut contexts: Vec<FileContext<'_>> = files
        .iter()
        .map(|file| {
            let mut cx = FileContext::new(file, FileFacts::default(), &packages, opts.now)
                .with_inspected(opts.inspected);
            // Git and mode facts only matter for files that hold a literal secret; skipping the
            // repository lookup for the others keeps a whole-machine audit fast.
            if opts.inspect_files && cx.all_secrets().next().is_some() {
                cx.facts = FileFacts::gather(&file.path);
            }
            cx.stale_after_days = opts.stale_after_days;
            cx
        })
        .collect();
    // A setting in one file can keep a server of another from starting (Claude Code
    // `disabledMcpjsonServers`): known before any rule runs.
    session::apply_rejections(&mut contexts);
    let mut out = Vec::new();
    run_rules(&contexts, &mut out);
    sort_findings(&mut out);
    out
}

/// Every rule over every file, then the checks that look across the files one client merges
/// into a session (Claude Code user + project + settings, VS Code user + workspace).
fn run_rules(contexts: &[FileContext<'_>], out: &mut Vec<Finding>) {
    for cx in contexts {
        for rule in rules::REGISTRY {
            (rule.check)(cx, out);
        }
    }
    for check in rules::ACROSS_FILES {
        check(contexts, out);
    }
}

/// Run the rules over one file with facts supplied by the caller instead of read from disk.
pub fn audit_file_with_facts(
    file: &ConfigFile,
    facts: FileFacts,
    opts: &AuditOptions<'_>,
) -> Vec<Finding> {
    let packages = match opts.registry {
        Some(registry) => lookup_packages(std::slice::from_ref(file), registry),
        None => PackageFacts::new(),
    };
    let mut cx = FileContext::new(file, facts, &packages, opts.now).with_inspected(opts.inspected);
    cx.stale_after_days = opts.stale_after_days;
    let mut out = Vec::new();
    run_rules(std::slice::from_ref(&cx), &mut out);
    sort_findings(&mut out);
    out
}

fn sort_findings(out: &mut Vec<Finding>) {
    out.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| b.severity.cmp(&a.severity))
            .then_with(|| a.server.cmp(&b.server))
            .then_with(|| a.message.cmp(&b.message))
    });
    out.dedup();
}

/// Ask the registry once per distinct npm/PyPI package of active servers.
fn lookup_packages(files: &[ConfigFile], registry: &dyn PackageRegistry) -> PackageFacts {
    let wanted: BTreeSet<(Ecosystem, String)> = files
        .iter()
        .flat_map(|f| f.servers.iter())
        .filter(|s| !s.disabled)
        .filter_map(|s| Launch::of(s).package)
        .filter(|p| matches!(p.ecosystem, Ecosystem::Npm | Ecosystem::PyPi))
        .map(|p| (p.ecosystem, p.name))
        .collect();
    wanted
        .into_iter()
        .map(|(eco, name)| {
            let answer = match eco {
                Ecosystem::Npm => registry.npm(&name),
                _ => registry.pypi(&name),
            };
            ((eco, name), answer.map_err(|e| e.to_string()))
        })
        .collect()
}

/// Every literal secret in one server entry of `file`, found exactly as `hardcoded-secret` finds
/// them (the inventory of `mcpward creds` and `mcpward template` reuse this, never re-detect).
/// `file_range` locates the secret's bytes in `file.source`.
pub fn literal_secrets(
    file: &ConfigFile,
    entry: &mcpward_config::ServerEntry,
) -> Vec<LiteralSecret> {
    context::find_secrets(file, entry)
}

/// Every rule, in documentation order.
pub fn rules() -> &'static [&'static RuleMeta] {
    rules::METAS
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static RuleMeta> {
    rules::METAS.iter().copied().find(|m| m.id == id)
}

/// The rules reference (docs/rules.md), generated from [`rules()`] so it cannot drift.
pub fn rules_markdown() -> String {
    let mut md = String::from(
        "# mcpward audit rules\n\n\
         <!-- Generated by `mcpward_audit::rules_markdown()`; do not edit by hand. -->\n\n\
         Each rule has a stable id (never renamed or reused), a default severity, and the reasons it exists.\n\
         Disabled servers are reported for secrets (the secret is on disk whether or not the server runs)\n\
         but not for runtime risks such as exec capability, dangerous combinations, filesystem roots,\n\
         auto-approval, pinning or transport.\n\n| id | severity | summary |\n|---|---|---|\n",
    );
    for m in rules() {
        md.push_str(&format!(
            "| [`{id}`](#{id}) | {} | {} |\n",
            m.default_severity,
            m.summary,
            id = m.id
        ));
    }
    for m in rules() {
        md.push_str(&format!(
            "\n## {id}\n\nDefault severity: **{sev}**. {summary}\n\n### What it catches\n\n{what}\n\n\
             ### Why it matters\n\n{why}\n\n### Example (bad)\n\n```\n{bad}\n```\n\n### Example (fixed)\n\n```\n{fixed}\n```\n",
            id = m.id,
            sev = m.default_severity,
            summary = m.summary,
            what = m.what.trim(),
            why = m.why.trim(),
            bad = m.example_bad.trim(),
            fixed = m.example_fixed.trim(),
        ));
    }
    md
}
