//! `unpinned-package`: a launch that fetches whatever version is newest.

use mcpward_core::{Finding, RuleMeta, Severity};

use crate::context::FileContext;
use crate::launch::{Ecosystem, Pinning};

pub static META: RuleMeta = RuleMeta {
    id: "unpinned-package",
    default_severity: Severity::Medium,
    summary: "A server package, image or git source is not pinned to an exact version.",
    what: "`npx`/`bunx`/`pnpm dlx`/`yarn dlx` without a version or with `@latest` or a range \
(`^1`, `1.x`), `uvx`/`pipx run` without `==version` (or `@version`), `docker run` without an \
`@sha256:` digest (a tag can be moved; `:latest` or no tag moves by design), and git sources \
without a full commit id.",
    why: "Every start of the client may download and run new code with your credentials. A \
compromised maintainer account or a typo-squatted release reaches you on the next restart, \
without any review. A pinned version changes only when you change the file.",
    example_bad: r#"{ "mcpServers": { "fetch": { "command": "uvx", "args": ["mcp-server-fetch"] },
                 "pw": { "command": "npx", "args": ["-y", "@playwright/mcp@latest"] } } }"#,
    example_fixed: r#"{ "mcpServers": { "fetch": { "command": "uvx", "args": ["mcp-server-fetch==2025.4.7"] },
                 "pw": { "command": "npx", "args": ["-y", "@playwright/mcp@0.0.41"] } } }"#,
};

pub(crate) fn check(cx: &FileContext<'_>, out: &mut Vec<Finding>) {
    for server in cx.servers.iter().filter(|s| s.active()) {
        let Some(pkg) = &server.launch.package else {
            continue;
        };
        let problem = match pkg.pinning() {
            Pinning::Pinned => continue,
            Pinning::Missing => "has no version: every start may fetch a new release".to_string(),
            Pinning::Floating(v) => {
                format!("uses `{v}`, which can change without the config changing")
            }
        };
        let fix = match pkg.ecosystem {
            Ecosystem::Npm => format!(
                "pin an exact version: `{}@<x.y.z>` (see `npm view {} version`)",
                pkg.name, pkg.name
            ),
            Ecosystem::PyPi => format!(
                "pin an exact version: `{}==<x.y.z>` (uvx) or `--spec {}==<x.y.z>` (pipx)",
                pkg.name, pkg.name
            ),
            Ecosystem::Docker => format!(
                "pin the image digest: `{}@sha256:<digest>` (see `docker buildx imagetools inspect {}`)",
                pkg.name, pkg.raw
            ),
            Ecosystem::Git => format!("pin a full commit id: `{}#<40-hex-commit>`", pkg.name),
        };
        out.push(
            cx.finding(
                &META,
                Some(server.entry),
                pkg.span,
                format!(
                    "{} package `{}` {problem}",
                    pkg.ecosystem.as_str(),
                    pkg.name
                ),
            )
            .fix(fix),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::test_support::{Builder, run};
    use mcpward_config::ClientKind;

    fn launch(cmd: &str, args: &[&str]) -> Vec<Finding> {
        run(
            check,
            &Builder::new(ClientKind::Cursor, "{}")
                .stdio("s", cmd, args)
                .build(),
        )
    }

    #[test]
    fn reports_missing_latest_and_ranges() {
        assert_eq!(launch("npx", &["-y", "@playwright/mcp"]).len(), 1);
        assert_eq!(launch("npx", &["-y", "@playwright/mcp@latest"]).len(), 1);
        assert_eq!(launch("npx", &["-y", "@playwright/mcp@^0.0.41"]).len(), 1);
        assert_eq!(launch("uvx", &["mcp-server-fetch"]).len(), 1);
        assert_eq!(
            launch("docker", &["run", "-i", "mcp/fetch:latest"]).len(),
            1
        );
        assert_eq!(launch("docker", &["run", "-i", "mcp/fetch"]).len(), 1);
        assert_eq!(
            launch("uvx", &["--from", "git+https://github.com/o/r@main", "r"]).len(),
            1
        );
    }

    #[test]
    fn accepts_exact_versions_digests_and_commits() {
        assert!(launch("npx", &["-y", "@playwright/mcp@0.0.41"]).is_empty());
        assert!(launch("uvx", &["mcp-server-fetch==2025.4.7"]).is_empty());
        assert!(
            launch(
                "docker",
                &["run", "-i", &format!("mcp/fetch@sha256:{}", "0".repeat(64))]
            )
            .is_empty()
        );
        assert!(
            launch(
                "uvx",
                &[
                    "--from",
                    &format!("git+https://github.com/o/r@{}", "a".repeat(40)),
                    "r"
                ]
            )
            .is_empty()
        );
        assert!(launch("github-mcp-server", &["stdio"]).is_empty());
    }

    #[test]
    fn ignores_disabled_servers() {
        let file = Builder::new(ClientKind::Cursor, "{}")
            .stdio("s", "npx", &["x"])
            .with(|e| e.disabled = true)
            .build();
        assert!(run(check, &file).is_empty());
    }
}
