//! `credential-rotation-overdue`: a credential a config uses has not been rotated within its
//! period.
//!
//! Rotation dates live in mcpward's state file (`mcpward creds`), not in the config, so the
//! per-file check has nothing to look at; `mcpward audit --format json|sarif` adds these findings
//! from the credential schedule through [`finding`].

use std::path::Path;

use mcpward_core::{Finding, RuleMeta, Severity, Span};

use crate::context::FileContext;

pub static META: RuleMeta = RuleMeta {
    id: "credential-rotation-overdue",
    default_severity: Severity::Medium,
    summary: "A credential is past its rotation date.",
    what: "A credential a config uses (an environment variable, a VS Code input, a secret-manager \
reference, or a literal identified by its fingerprint) whose last recorded rotation, or its first \
sighting when no rotation was recorded, is older than its rotation period: 90 days unless set per \
credential with `mcpward creds rotated NAME --period DAYS`. Reported in machine output (`--format \
json` / `sarif`) from the state kept by `mcpward creds`; the human view of the same data is \
`mcpward creds`.",
    why: "A token that is never rotated stays valid through every leak it was part of: a \
config copied into a backup, a log, a screenshot, a compromised server that read its \
environment. A schedule bounds how long a leaked token works, and the calendar from \
`mcpward creds calendar` makes the schedule visible.",
    example_bad: r#"$ mcpward creds
GITHUB_TOKEN [env] GitHub — OVERDUE by 41 day(s)
  first seen 2026-01-02, last rotated never recorded, age 131 day(s), every 90 days, due 2026-04-02"#,
    example_fixed: r#"$ mcpward creds rotated GITHUB_TOKEN
$ mcpward creds
GITHUB_TOKEN [env] GitHub — ok: 90 day(s) left"#,
};

/// The per-file pass has no rotation dates; findings come from [`finding`].
pub(crate) fn check(_cx: &FileContext<'_>, _out: &mut Vec<Finding>) {}

/// One overdue credential at one place it is used.
#[derive(Debug, Clone, Copy)]
pub struct Overdue<'a> {
    pub name: &'a str,
    pub provider: Option<&'a str>,
    pub days_over: i64,
    pub period_days: u32,
    pub file: &'a Path,
    pub client: &'a str,
    pub server: &'a str,
    pub line: u32,
    pub col: u32,
}

pub fn finding(o: Overdue<'_>) -> Finding {
    let provider = o.provider.map(|p| format!(" ({p})")).unwrap_or_default();
    Finding::new(
        &META,
        format!(
            "credential `{}`{provider} is {} day(s) past its {}-day rotation period",
            o.name, o.days_over, o.period_days
        ),
        o.file,
    )
    .client(o.client)
    .server(o.server)
    .span(Span::at(o.line, o.col))
    .fix(format!(
        "rotate it at the provider, update where it is stored, then record it with `mcpward creds rotated {}`",
        o.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_names_the_credential_and_the_command_that_records_a_rotation() {
        let f = finding(Overdue {
            name: "GITHUB_TOKEN",
            provider: Some("GitHub"),
            days_over: 3,
            period_days: 90,
            file: Path::new(".mcp.json"),
            client: "claude-code",
            server: "github",
            line: 4,
            col: 7,
        });
        assert_eq!(f.rule, "credential-rotation-overdue");
        assert!(
            f.message
                .contains("`GITHUB_TOKEN` (GitHub) is 3 day(s) past")
        );
        assert!(
            f.fix
                .unwrap()
                .contains("mcpward creds rotated GITHUB_TOKEN")
        );
        assert_eq!(f.span.map(|s| (s.line, s.col)), Some((4, 7)));
    }
}
