//! `unreviewed-publisher`: a package from a publisher outside the curated list.

use mcpward_core::{Finding, RuleMeta, Severity};

use crate::context::FileContext;
use crate::knowledge::Knowledge;
use crate::launch::Ecosystem;

pub static META: RuleMeta = RuleMeta {
    id: "unreviewed-publisher",
    default_severity: Severity::Info,
    summary: "A server package comes from a publisher mcpward has not reviewed.",
    what: "An npm, PyPI or Docker package whose scope, name or image prefix is not in mcpward's \
curated list of publishers (the vendors of the underlying services and the Model Context \
Protocol organisation; see `data/publishers.toml` for the list and its sources) and that the \
server table (`data/servers.toml`) does not list as the vendor's own first-party package. Informational: \
many good servers are community-maintained.",
    why: "An MCP server runs with your credentials and sees what the model sees. Community \
packages are where typo-squats and abandoned-then-hijacked packages appear; knowing who \
maintains the code is the first review step.",
    example_bad: r#"{ "mcpServers": { "github": { "command": "npx", "args": ["-y", "github-mcp-server-pro@1.0.0"] } } }"#,
    example_fixed: r#"{ "mcpServers": { "github": { "command": "docker", "args": ["run", "-i", "--rm", "ghcr.io/github/github-mcp-server@sha256:<digest>"] } } }"#,
};

pub(crate) fn check(cx: &FileContext<'_>, out: &mut Vec<Finding>) {
    let knowledge = Knowledge::get();
    for server in cx.servers.iter().filter(|s| s.active()) {
        let Some(pkg) = &server.launch.package else {
            continue;
        };
        if !matches!(
            pkg.ecosystem,
            Ecosystem::Npm | Ecosystem::PyPi | Ecosystem::Docker
        ) {
            continue;
        }
        // The vendor's own package, by the server table (the same row every rule reads).
        let first_party = knowledge
            .by_package(pkg.ecosystem, &pkg.name)
            .is_some_and(|k| k.first_party);
        if first_party || knowledge.publisher_for(pkg).is_some() {
            continue;
        }
        let known = server
            .known
            .map(|k| format!(" (maintained by {}, {})", k.publisher, k.source))
            .unwrap_or_default();
        out.push(
            cx.finding(
                &META,
                Some(server.entry),
                pkg.span,
                format!("{} package `{}` is not from a reviewed publisher{known}", pkg.ecosystem.as_str(), pkg.name),
            )
            .fix("review the maintainer and the source before trusting it with credentials; prefer the service vendor's official server where one exists"),
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
    fn reports_community_packages_as_info() {
        let f = launch("npx", &["-y", "@wonderwhy-er/desktop-commander@0.2.3"]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
        assert!(f[0].message.contains("wonderwhy-er"));
    }

    #[test]
    fn accepts_vendor_and_reference_packages() {
        assert!(
            launch(
                "npx",
                &["-y", "@modelcontextprotocol/server-memory@2025.8.4"]
            )
            .is_empty()
        );
        assert!(launch("docker", &["run", "-i", "ghcr.io/github/github-mcp-server"]).is_empty());
        assert!(launch("uvx", &["mcp-server-fetch"]).is_empty());
        assert!(launch("my-local-binary", &[]).is_empty());
        // First-party rows of the server table count as reviewed publishers.
        assert!(launch("npx", &["-y", "mongodb-mcp-server@1.2.0", "--readOnly"]).is_empty());
        assert!(launch("npx", &["-y", "chrome-devtools-mcp@0.8.0"]).is_empty());
    }

    #[test]
    fn a_bridge_to_a_first_party_url_is_still_judged_by_its_own_package() {
        let f = launch("npx", &["-y", "mcp-remote", "https://mcp.linear.app/sse"]);
        assert_eq!(f.len(), 1, "{f:?}");
        // Look-alike names are not the vendor's package.
        let f = launch("npx", &["-y", "mongodb-mcp-server-pro"]);
        assert_eq!(f.len(), 1, "{f:?}");
    }
}
