//! `package-lookup-failed` (`--online`): registry metadata could not be fetched.

use mcpward_core::{Finding, RuleMeta, Severity};

use crate::context::FileContext;

pub static META: RuleMeta = RuleMeta {
    id: "package-lookup-failed",
    default_severity: Severity::Low,
    summary: "(--online) The registry could not answer for a server package, so online checks did not run for it.",
    what: "With `--online`, a package for which npm or PyPI returned an error: not found (a typo, \
a removed or private package) or unreachable. `stale-package`, `package-without-repository` and \
`deprecated-package` could not check it.",
    why: "A check that could not run must say so instead of passing silently. A package that the \
registry does not know is also suspicious in itself: removed packages are often removed for \
malware.",
    example_bad: r#"{ "mcpServers": { "files": { "command": "npx", "args": ["-y", "@modelcontextprotcol/server-filesystem", "/srv"] } } }
# npm: 404 Not Found (note the misspelt scope)"#,
    example_fixed: r#"{ "mcpServers": { "files": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.8.21", "/srv"] } } }"#,
};

pub(crate) fn check(cx: &FileContext<'_>, out: &mut Vec<Finding>) {
    for (server, pkg, answer) in cx.looked_up_packages() {
        let Err(error) = answer else {
            continue;
        };
        out.push(
            cx.finding(
                &META,
                Some(server.entry),
                pkg.span,
                format!("online checks skipped for `{}`: {error}", pkg.name),
            )
            .fix(
                "check the package name; if the network failed, run `mcpward audit --online` again",
            ),
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

    fn with_answer(answer: Result<PackageMeta, String>) -> Vec<Finding> {
        let mut packages = PackageFacts::new();
        packages.insert((Ecosystem::Npm, "typo-mcp".into()), answer);
        let file = Builder::new(ClientKind::Cursor, "{}")
            .stdio("s", "npx", &["-y", "typo-mcp@1.0.0"])
            .build();
        run_with(check, &file, FileFacts::default(), &packages)
    }

    #[test]
    fn reports_failed_lookup_with_its_cause() {
        let f = with_answer(Err("npm has no package named `typo-mcp`".into()));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("no package named"));
    }

    #[test]
    fn silent_when_lookup_succeeded() {
        assert!(with_answer(Ok(PackageMeta::default())).is_empty());
    }
}
