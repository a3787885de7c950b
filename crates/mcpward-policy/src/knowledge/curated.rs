//! Read-only tools of well-known servers, each list with the source that backs the claim.
//!
//! A tool belongs here only if calling it changes nothing, anywhere (no file, no remote state)
//! and does not hand out secrets. Tools that only read but disclose the environment (the
//! reference "everything" server's `printEnv`/`get-env`) or make the client sample a model are
//! left out on purpose. Adding a tool here lets `read-only` mode run it without asking, so every
//! addition needs a source a reviewer can check.

struct Entry {
    /// The packages that are this server, as (ecosystem, name): `npm`, `pypi` or `docker`
    /// (registry-qualified image). Never a config name or a program name: those are chosen by
    /// whoever writes the config or the package, and a different server can take them.
    ids: &'static [(&'static str, &'static str)],
    tools: &'static [&'static str],
    source: &'static str,
}

const ENTRIES: &[Entry] = &[
    Entry {
        ids: &[("npm", "@modelcontextprotocol/server-filesystem")],
        tools: &[
            "read_file",
            "read_text_file",
            "read_media_file",
            "read_multiple_files",
            "list_directory",
            "list_directory_with_sizes",
            "directory_tree",
            "search_files",
            "get_file_info",
            "list_allowed_directories",
        ],
        source: "modelcontextprotocol/servers src/filesystem: tools annotated readOnlyHint",
    },
    Entry {
        ids: &[("npm", "@modelcontextprotocol/server-memory")],
        tools: &["read_graph", "search_nodes", "open_nodes"],
        source: "modelcontextprotocol/servers src/memory: graph queries without writes",
    },
    Entry {
        ids: &[("npm", "@modelcontextprotocol/server-everything")],
        tools: &[
            "echo",
            "add",
            "get-sum",
            "getTinyImage",
            "get-tiny-image",
            "annotatedMessage",
            "get-annotated-message",
            "getResourceReference",
            "get-resource-reference",
            "getResourceLinks",
            "get-resource-links",
            "structuredContent",
            "get-structured-content",
        ],
        source: "modelcontextprotocol/servers src/everything: pure demo tools (printEnv and sampling excluded)",
    },
    Entry {
        ids: &[("pypi", "mcp-server-git")],
        tools: &[
            "git_status",
            "git_diff_unstaged",
            "git_diff_staged",
            "git_diff",
            "git_log",
            "git_show",
            "git_branch",
        ],
        source: "modelcontextprotocol/servers src/git: inspection tools (commit/add/reset/checkout/create_branch/init excluded)",
    },
    // Not listed: `fetch` (modelcontextprotocol/servers src/fetch). It changes nothing, but every
    // URL it requests leaves the machine, so a model that has read a secret can send it out in a
    // query string. Read-only mode asks before each fetch.
    Entry {
        ids: &[("pypi", "mcp-server-time")],
        tools: &["get_current_time", "convert_time"],
        source: "modelcontextprotocol/servers src/time: clock and time zone conversion",
    },
    Entry {
        ids: &[("pypi", "mcp-server-sqlite")],
        tools: &["read_query", "list_tables", "describe_table"],
        source: "modelcontextprotocol/servers-archived src/sqlite: read_query accepts SELECT only",
    },
    Entry {
        ids: &[
            ("docker", "ghcr.io/github/github-mcp-server"),
            ("npm", "@modelcontextprotocol/server-github"),
        ],
        tools: &[
            "get_me",
            "get_issue",
            "get_issue_comments",
            "issue_read",
            "list_issues",
            "list_issue_types",
            "search_issues",
            "list_sub_issues",
            "get_pull_request",
            "pull_request_read",
            "list_pull_requests",
            "search_pull_requests",
            "get_pull_request_files",
            "get_pull_request_status",
            "get_pull_request_comments",
            "get_pull_request_reviews",
            "get_pull_request_diff",
            "search_repositories",
            "search_code",
            "search_users",
            "search_orgs",
            "get_file_contents",
            "get_file_blame",
            "list_commits",
            "get_commit",
            "list_branches",
            "list_tags",
            "get_tag",
            "list_releases",
            "get_latest_release",
            "get_release_by_tag",
            "get_code_scanning_alert",
            "list_code_scanning_alerts",
            "get_secret_scanning_alert",
            "list_secret_scanning_alerts",
            "get_dependabot_alert",
            "list_dependabot_alerts",
            "list_notifications",
            "get_notification_details",
            "list_workflows",
            "list_workflow_runs",
            "get_workflow_run",
            "list_workflow_jobs",
            "get_job_logs",
            "list_discussions",
            "get_discussion",
            "get_discussion_comments",
            "list_discussion_categories",
            "get_gist",
            "list_gists",
            "list_starred_repositories",
            "get_label",
            "list_label",
        ],
        source: "github/github-mcp-server: tools registered with readOnlyHint (pkg/github/__toolsnaps__)",
    },
];

/// The source backing "`tool` of the package `ecosystem`/`package` is read-only", or `None` if
/// we do not know it to be.
///
/// The package must come from evidence of what runs (the launch line's registry package, or the
/// package a script on disk belongs to), never from a name someone chose for the server.
/// Ecosystems (`npm`, `pypi`, `docker`) and package names are compared case-insensitively
/// (registries do), tool names exactly. A Docker image is named with its registry
/// (`ghcr.io/github/github-mcp-server`); an image of the same name elsewhere is another image.
pub fn curated_read_only(ecosystem: &str, package: &str, tool: &str) -> Option<&'static str> {
    let package = package.trim();
    ENTRIES
        .iter()
        .find(|e| {
            e.ids.iter().any(|(eco, name)| {
                eco.eq_ignore_ascii_case(ecosystem.trim()) && name.eq_ignore_ascii_case(package)
            })
        })
        .filter(|e| e.tools.contains(&tool))
        .map(|e| e.source)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: (&str, &str) = ("npm", "@modelcontextprotocol/server-filesystem");

    #[test]
    fn knows_filesystem_reads_by_package() {
        assert!(curated_read_only(FS.0, FS.1, "read_text_file").is_some());
        assert!(
            curated_read_only(
                "NPM",
                "@ModelContextProtocol/server-filesystem",
                "list_directory"
            )
            .is_some()
        );
    }

    #[test]
    fn fetch_is_not_proof_of_read_only_because_requests_leave_the_machine() {
        assert_eq!(curated_read_only("pypi", "mcp-server-fetch", "fetch"), None);
    }

    #[test]
    fn never_lists_writes_of_known_servers() {
        for (eco, package, tool) in [
            (FS.0, FS.1, "write_file"),
            (FS.0, FS.1, "edit_file"),
            (FS.0, FS.1, "move_file"),
            (FS.0, FS.1, "create_directory"),
            (
                "npm",
                "@modelcontextprotocol/server-memory",
                "delete_entities",
            ),
            ("pypi", "mcp-server-git", "git_commit"),
            ("pypi", "mcp-server-git", "git_reset"),
            ("pypi", "mcp-server-sqlite", "write_query"),
            (
                "docker",
                "ghcr.io/github/github-mcp-server",
                "create_or_update_file",
            ),
            ("docker", "ghcr.io/github/github-mcp-server", "push_files"),
            (
                "docker",
                "ghcr.io/github/github-mcp-server",
                "merge_pull_request",
            ),
            ("npm", "@modelcontextprotocol/server-everything", "printEnv"),
            (
                "npm",
                "@modelcontextprotocol/server-everything",
                "sampleLLM",
            ),
        ] {
            assert_eq!(
                curated_read_only(eco, package, tool),
                None,
                "{package}/{tool}"
            );
        }
    }

    #[test]
    fn config_names_and_program_names_are_not_identities() {
        // Anyone can call a server `git`, or publish `@cyanheads/git-mcp-server` whose
        // `git_branch` deletes branches: only the official package's list applies.
        for name in ["git", "filesystem", "github", "github-mcp-server", "GitHub"] {
            for eco in ["npm", "pypi", "docker", ""] {
                assert_eq!(curated_read_only(eco, name, "git_branch"), None);
                assert_eq!(curated_read_only(eco, name, "read_file"), None);
                assert_eq!(curated_read_only(eco, name, "get_me"), None);
            }
        }
        assert_eq!(
            curated_read_only("npm", "@cyanheads/git-mcp-server", "git_branch"),
            None
        );
        assert!(curated_read_only("pypi", "mcp-server-git", "git_branch").is_some());
    }

    #[test]
    fn the_same_name_in_another_ecosystem_is_another_package() {
        assert_eq!(
            curated_read_only("npm", "mcp-server-git", "git_status"),
            None
        );
        assert_eq!(curated_read_only("pypi", FS.1, "read_file"), None);
        assert_eq!(
            curated_read_only("docker", "docker.io/github/github-mcp-server", "get_me"),
            None
        );
        assert!(
            curated_read_only("docker", "ghcr.io/github/github-mcp-server", "get_me").is_some()
        );
    }

    #[test]
    fn tool_names_are_case_sensitive() {
        assert_eq!(curated_read_only(FS.0, FS.1, "READ_FILE"), None);
    }
}
