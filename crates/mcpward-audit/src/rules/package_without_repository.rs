//! `package-without-repository` (`--online`): the package names no source repository.

use mcpward_core::{Finding, RuleMeta, Severity};

use crate::context::FileContext;

pub static META: RuleMeta = RuleMeta {
    id: "package-without-repository",
    default_severity: Severity::Low,
    summary: "(--online) The server package declares no source repository.",
    what: "With `--online`, an npm or PyPI package whose metadata has no repository or source URL \
(npm `repository`, PyPI `project_urls` Source/Repository or a GitHub/GitLab home page).",
    why: "Without a repository there is no way to read the code before running it, to see who \
changed what, or to compare the published package with its source. Typo-squats and malicious \
packages usually have none.",
    example_bad: r#"{ "mcpServers": { "notes": { "command": "npx", "args": ["-y", "notes-mcp-server@1.0.2"] } } }
# npm view notes-mcp-server repository  →  (empty)"#,
    example_fixed: r#"{ "mcpServers": { "notes": { "command": "npx", "args": ["-y", "@notionhq/notion-mcp-server@1.9.0"] } } }
# repository: github.com/makenotion/notion-mcp-server"#,
};

pub(crate) fn check(cx: &FileContext<'_>, out: &mut Vec<Finding>) {
    for (server, pkg, answer) in cx.looked_up_packages() {
        let Ok(meta) = answer else {
            continue;
        };
        if meta.repository.is_some() {
            continue;
        }
        out.push(
            cx.finding(&META, Some(server.entry), pkg.span, format!("`{}` declares no source repository", pkg.name))
                .fix("find the package's source before running it; prefer a package that publishes its repository"),
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

    fn with_repo(repo: Option<&str>) -> Vec<Finding> {
        let mut packages = PackageFacts::new();
        let meta = PackageMeta {
            repository: repo.map(str::to_string),
            ..PackageMeta::default()
        };
        packages.insert((Ecosystem::PyPi, "some-mcp".into()), Ok(meta));
        let file = Builder::new(ClientKind::Cursor, "{}")
            .stdio("s", "uvx", &["some-mcp==1.0"])
            .build();
        run_with(check, &file, FileFacts::default(), &packages)
    }

    #[test]
    fn reports_package_without_repository() {
        assert_eq!(with_repo(None).len(), 1);
    }

    #[test]
    fn accepts_package_with_repository() {
        assert!(with_repo(Some("https://github.com/o/r")).is_empty());
    }
}
