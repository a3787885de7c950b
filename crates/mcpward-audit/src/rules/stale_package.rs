//! `stale-package` (`--online`): no release for a long time.

use jiff::SignedDuration;
use mcpward_core::{Finding, RuleMeta, Severity};

use crate::context::FileContext;

pub static META: RuleMeta = RuleMeta {
    id: "stale-package",
    default_severity: Severity::Low,
    summary: "(--online) The server package has had no release for more than 60 days.",
    what: "With `--online`, an npm or PyPI package whose newest release is older than 60 days \
(configurable). The MCP specification and clients change quickly; a quiet package may be \
unmaintained.",
    why: "Unmaintained servers keep the security bugs they have, lag behind protocol changes \
(authorization, elicitation) and are the packages attackers take over when the maintainer \
leaves. It is a prompt to check, not proof of a problem.",
    example_bad: r#"{ "mcpServers": { "db": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-postgres@0.6.2", "postgresql://localhost/app"] } } }
# newest release: 2025-03 (archived)"#,
    example_fixed: r#"{ "mcpServers": { "db": { "command": "uvx", "args": ["postgres-mcp==0.3.0", "--access-mode=restricted"], "env": { "DATABASE_URI": "${DATABASE_URI}" } } } }"#,
};

pub(crate) fn check(cx: &FileContext<'_>, out: &mut Vec<Finding>) {
    for (server, pkg, answer) in cx.looked_up_packages() {
        let Ok(meta) = answer else {
            continue;
        };
        let Some(last) = meta.last_release else {
            continue;
        };
        let age = cx.now.duration_since(last);
        if age <= SignedDuration::from_hours(24 * cx.stale_after_days) {
            continue;
        }
        let days = age.as_hours() / 24;
        out.push(
            cx.finding(
                &META,
                Some(server.entry),
                pkg.span,
                format!("`{}` has had no release for {days} days (last: {})", pkg.name, last.strftime("%Y-%m-%d")),
            )
            .fix("check whether the project is maintained (issues, commits); prefer a maintained alternative or pin and review the code you run"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::PackageFacts;
    use crate::context::test_support::{Builder, run_with};
    use crate::facts::FileFacts;
    use crate::launch::Ecosystem;
    use crate::registry::PackageMeta;
    use mcpward_config::ClientKind;

    fn with_release(date: &str) -> Vec<Finding> {
        let mut packages = PackageFacts::new();
        let meta = PackageMeta {
            last_release: date.parse().ok(),
            ..PackageMeta::default()
        };
        packages.insert((Ecosystem::Npm, "some-mcp".into()), Ok(meta));
        let file = Builder::new(ClientKind::Cursor, "{}")
            .stdio("s", "npx", &["-y", "some-mcp@1.0.0"])
            .build();
        run_with(check, &file, FileFacts::default(), &packages)
    }

    #[test]
    fn reports_release_older_than_sixty_days() {
        // test "now" is 2026-01-01
        let f = with_release("2025-09-01T00:00:00Z");
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("2025-09-01"));
    }

    #[test]
    fn accepts_recent_release_and_missing_metadata() {
        assert!(with_release("2025-12-01T00:00:00Z").is_empty());
        let file = Builder::new(ClientKind::Cursor, "{}")
            .stdio("s", "npx", &["-y", "some-mcp@1.0.0"])
            .build();
        assert!(run_with(check, &file, FileFacts::default(), &PackageFacts::new()).is_empty());
    }
}
