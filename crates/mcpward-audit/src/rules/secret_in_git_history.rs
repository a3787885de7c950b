//! `secret-in-git-history`: a secret sits in a commit reachable from some ref.
//!
//! The findings come from [`mcpward_history::scan`] (`mcpward audit --history`), not from a
//! config file, so the per-file check is empty and [`findings`] turns a history report into
//! findings for the one printer.

use mcpward_core::{Finding, RuleMeta, Severity, Span};
use mcpward_history::{HistoryReport, ROTATE};

use crate::context::FileContext;

pub static META: RuleMeta = RuleMeta {
    id: "secret-in-git-history",
    default_severity: Severity::Critical,
    summary: "A secret is in a commit reachable from a branch, tag or stash (rotate now).",
    what: "A blob in any commit reachable from any ref (branches, remote-tracking branches, tags, \
the stash and its reflog) holds a secret: a provider token or a high-entropy value under a \
secret-like key. Config-like files are scanned by default (`--all-files` for every file). Reported \
by `mcpward audit --history` with the commit, author date, path and line, whether the secret is \
still in the current tree, and which configured servers use the same credential today.",
    why: "Everyone with a clone, a fork or a CI cache has every commit. Deleting the line, or even \
rewriting history, does not take the secret back from them: history cannot be scrubbed, so the \
only safe response is to rotate the credential.",
    example_bad: r#"$ git log -p -- .mcp.json
+      "GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_…"     # committed, later replaced"#,
    example_fixed: r#"# rotate the token at the provider, then keep only a reference in the file:
"GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_PERSONAL_ACCESS_TOKEN}""#,
};

pub(crate) fn check(_cx: &FileContext<'_>, _out: &mut Vec<Finding>) {}

/// One finding per secret in `report`. `file` is the path inside the repository, joined to the
/// repository's work tree (or git directory, when bare).
pub fn findings(report: &HistoryReport) -> Vec<Finding> {
    let root = match report.repository.file_name() {
        Some(name) if name == ".git" => report
            .repository
            .parent()
            .unwrap_or(&report.repository)
            .to_path_buf(),
        _ => report.repository.clone(),
    };
    report
        .secrets
        .iter()
        .map(|s| {
            let date = jiff::Timestamp::from_second(s.author_time)
                .map(|t| t.strftime("%Y-%m-%d").to_string())
                .unwrap_or_else(|_| s.author_time.to_string());
            let state = if s.in_current_tree {
                "and is still in the current tree"
            } else {
                "and was removed from the current tree later"
            };
            let short = &s.commit[..s.commit.len().min(12)];
            let mut f = Finding::new(
                &META,
                format!(
                    "`{}` ({} {}) was committed in {short} ({date}) {state}: {ROTATE}",
                    s.masked, s.provider, s.kind
                ),
                root.join(&s.path),
            )
            .span(Span::at(s.line as u32, 1))
            .fix(format!(
                "rotate the {} credential (fingerprint {}) at the provider; then replace it with a reference",
                s.provider, s.fingerprint
            ));
            if let Some(used) = s.used_by.first() {
                f = f.client(used.client.clone()).server(used.server.clone());
                if s.used_by.len() > 1 {
                    f.message.push_str(&format!(
                        " (used today by {} config entries)",
                        s.used_by.len()
                    ));
                }
            }
            f
        })
        .collect()
}
