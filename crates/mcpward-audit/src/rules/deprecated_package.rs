//! `deprecated-package` (`--online`): the registry marks the package deprecated.

use mcpward_core::{Finding, RuleMeta, Severity};

use crate::context::FileContext;

pub static META: RuleMeta = RuleMeta {
    id: "deprecated-package",
    default_severity: Severity::Medium,
    summary: "(--online) The registry marks the server package deprecated.",
    what: "With `--online`, an npm package whose newest version carries a `deprecated` message, \
or a PyPI project classified `Development Status :: 7 - Inactive`. The message usually names \
the replacement.",
    why: "Deprecated servers get no security fixes. Several reference MCP servers (GitHub, \
GitLab, Slack, Postgres, Puppeteer...) were deprecated in favour of vendor-maintained ones that \
have read-only modes and finer-grained credentials.",
    example_bad: r#"{ "mcpServers": { "github": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@2025.4.8"] } } }"#,
    example_fixed: r#"{ "mcpServers": { "github": { "command": "docker", "args": ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", "ghcr.io/github/github-mcp-server@sha256:<digest>"] } } }"#,
};

pub(crate) fn check(cx: &FileContext<'_>, out: &mut Vec<Finding>) {
    for (server, pkg, answer) in cx.looked_up_packages() {
        let Ok(meta) = answer else {
            continue;
        };
        let Some(note) = &meta.deprecated else {
            continue;
        };
        out.push(
            cx.finding(&META, Some(server.entry), pkg.span, format!("`{}` is deprecated: {note}", pkg.name))
                .fix("switch to the replacement the deprecation names (often the service vendor's own server)"),
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

    fn with_deprecation(note: Option<&str>) -> Vec<Finding> {
        let mut packages = PackageFacts::new();
        let meta = PackageMeta {
            deprecated: note.map(str::to_string),
            ..PackageMeta::default()
        };
        packages.insert(
            (Ecosystem::Npm, "@modelcontextprotocol/server-github".into()),
            Ok(meta),
        );
        let file = Builder::new(ClientKind::Cursor, "{}")
            .stdio("s", "npx", &["-y", "@modelcontextprotocol/server-github"])
            .build();
        run_with(check, &file, FileFacts::default(), &packages)
    }

    #[test]
    fn reports_deprecated_package_with_its_message() {
        let f = with_deprecation(Some("Package no longer supported"));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("no longer supported"));
    }

    #[test]
    fn accepts_package_that_is_not_deprecated() {
        assert!(with_deprecation(None).is_empty());
    }
}
