//! `mcpward audit --history`: secrets in git history, as findings of `secret-in-git-history`.

use std::collections::HashMap;
use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use mcpward_config::ConfigFile;
use mcpward_core::output;
use mcpward_history::{Progress, ScanOptions};

use super::audit::{Args, exit_for_errors};

pub fn run(
    args: &Args,
    repos: &[PathBuf],
    configs: &[ConfigFile],
    errors: &[String],
) -> anyhow::Result<ExitCode> {
    let mut stderr = anstream::stderr();
    let repos = if repos.is_empty() {
        mcpward_history::repositories_of(configs)
    } else {
        repos.to_vec()
    };
    let options = ScanOptions {
        all_files: args.all_files,
        threads: 0,
    };
    let bar = ProgressLine::new(std::io::stderr().is_terminal() && !args.quiet);
    let mut findings = Vec::new();
    let mut failed = Vec::new();
    let mut scanned = Vec::new();
    for repo in &repos {
        match mcpward_history::scan(repo, &options, &|p| bar.show(p)) {
            Ok(mut report) => {
                bar.clear();
                mcpward_history::link(&mut report, configs);
                for problem in &report.problems {
                    writeln!(
                        stderr,
                        "warning: {}: {problem}; the scan went on without it",
                        report.repository.display()
                    )?;
                }
                findings.extend(mcpward_audit::rules::secret_in_git_history::findings(
                    &report,
                ));
                scanned.push(report);
            }
            Err(err) => {
                bar.clear();
                failed.push(err.to_string());
            }
        }
    }
    for err in &failed {
        writeln!(stderr, "error: {err}")?;
    }
    let sources = HashMap::new();
    let rules = super::audit::rules_that_ran(&["secret-in-git-history"]);
    let format = super::audit::print_report(&findings, &sources, &rules, args.format, args.quiet)?;
    if format == output::Format::Human {
        let commits: usize = scanned.iter().map(|r| r.commits).sum();
        let blobs: usize = scanned.iter().map(|r| r.blobs).sum();
        let shallow = scanned.iter().filter(|r| r.shallow).count();
        let mut note = format!(
            "scanned {} repository(ies): {commits} commit(s), {blobs} distinct blob(s)",
            scanned.len()
        );
        if shallow > 0 {
            note.push_str(&format!(
                "; {shallow} shallow clone(s): older history is not on this machine"
            ));
        }
        writeln!(stderr, "{note}")?;
    }
    let failing = findings.iter().any(|f| f.severity >= args.fail_on);
    let code = if !failed.is_empty() {
        ExitCode::from(2)
    } else if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    Ok(exit_for_errors(errors, code))
}

/// A one-line progress display on stderr, only when stderr is a terminal, redrawn at most ten
/// times a second.
struct ProgressLine {
    enabled: bool,
    last: Mutex<Option<Instant>>,
}

impl ProgressLine {
    fn new(enabled: bool) -> Self {
        ProgressLine {
            enabled,
            last: Mutex::new(None),
        }
    }

    fn show(&self, progress: Progress) {
        if !self.enabled {
            return;
        }
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_some_and(|t| t.elapsed() < Duration::from_millis(100)) {
            return;
        }
        *last = Some(Instant::now());
        let text = match progress {
            Progress::Commits(n) => format!("walking history: {n} commits"),
            Progress::Blobs { done, total } => {
                let width = 30;
                let filled = (done * width).checked_div(total).unwrap_or(width);
                format!(
                    "scanning blobs [{}{}] {done}/{total}",
                    "#".repeat(filled),
                    " ".repeat(width - filled)
                )
            }
        };
        let _ = write!(std::io::stderr(), "\r\x1b[2K{text}");
    }

    fn clear(&self) {
        if self.enabled {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}
