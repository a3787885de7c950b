//! Read-only tools of well-known servers, each list with the source that backs the claim.
//!
//! A tool belongs here only if calling it changes nothing, anywhere (no file, no remote state)
//! and does not hand out secrets. Tools that only read but disclose the environment (the
//! reference "everything" server's `printEnv`/`get-env`) or make the client sample a model are
//! left out on purpose. Adding a tool here lets `read-only` mode run it without asking, so every
//! addition needs a source a reviewer can check.

struct Entry {
    /// Names the server is known by: package names (npm, PyPI, container image) and the usual
    /// config names.
    ids: &'static [&'static str],
    tools: &'static [&'static str],
    source: &'static str,
}

const ENTRIES: &[Entry] = &[
    Entry {
        ids: &["filesystem", "@modelcontextprotocol/server-filesystem"],
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
        ids: &["memory", "@modelcontextprotocol/server-memory"],
        tools: &["read_graph", "search_nodes", "open_nodes"],
        source: "modelcontextprotocol/servers src/memory: graph queries without writes",
    },
    Entry {
        ids: &["everything", "@modelcontextprotocol/server-everything"],
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
        ids: &["git", "mcp-server-git"],
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
        ids: &["time", "mcp-server-time"],
        tools: &["get_current_time", "convert_time"],
        source: "modelcontextprotocol/servers src/time: clock and time zone conversion",
    },
    Entry {
        ids: &["sqlite", "mcp-server-sqlite"],
        tools: &["read_query", "list_tables", "describe_table"],
        source: "modelcontextprotocol/servers-archived src/sqlite: read_query accepts SELECT only",
    },
    Entry {
        ids: &[
            "github",
            "github-mcp-server",
            "ghcr.io/github/github-mcp-server",
            "@modelcontextprotocol/server-github",
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

/// The source backing "`tool` of `server_id` is read-only", or `None` if we do not know it to be.
///
/// `server_id` may be the user's name for the server (`filesystem`) or its launch package
/// (`@modelcontextprotocol/server-filesystem@2025.8.21`, `mcp-server-git==0.6.2`,
/// `ghcr.io/github/github-mcp-server:latest`); versions and image tags are ignored, names are
/// compared case-insensitively, tool names exactly.
pub fn curated_read_only(server_id: &str, tool: &str) -> Option<&'static str> {
    let id = normalize_server_id(server_id);
    if id.is_empty() {
        return None;
    }
    ENTRIES
        .iter()
        .find(|e| {
            e.ids.iter().any(|known| {
                known.eq_ignore_ascii_case(&id)
                    || known.rsplit('/').next().is_some_and(|tail| {
                        // A container image or binary path ends in the package's own name.
                        !known.starts_with('@') && tail.eq_ignore_ascii_case(&id)
                    })
            })
        })
        .filter(|e| e.tools.contains(&tool))
        .map(|e| e.source)
}

/// Strip versions and tags: `@scope/name@1.2` → `@scope/name`, `name==1.0` → `name`,
/// `registry/org/image:tag` → `image`, `/usr/bin/name` → `name`.
fn normalize_server_id(id: &str) -> String {
    let id = id.trim();
    let id = id.split("==").next().unwrap_or(id);
    let without_version = if let Some(rest) = id.strip_prefix('@') {
        match rest.find('@') {
            Some(at) => &id[..=at],
            None => id,
        }
    } else {
        let last = id.rsplit(['/', '\\']).next().unwrap_or(id);
        let last = last.split('@').next().unwrap_or(last);
        last.split(':').next().unwrap_or(last)
    };
    without_version.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_filesystem_reads_by_config_name_and_package() {
        assert!(curated_read_only("filesystem", "read_text_file").is_some());
        assert!(
            curated_read_only("@modelcontextprotocol/server-filesystem", "list_directory")
                .is_some()
        );
        assert!(
            curated_read_only(
                "@modelcontextprotocol/server-filesystem@2025.8.21",
                "read_file"
            )
            .is_some()
        );
    }

    #[test]
    fn fetch_is_not_proof_of_read_only_because_requests_leave_the_machine() {
        assert_eq!(curated_read_only("fetch", "fetch"), None);
        assert_eq!(curated_read_only("mcp-server-fetch", "fetch"), None);
    }

    #[test]
    fn never_lists_writes_of_known_servers() {
        for (server, tool) in [
            ("filesystem", "write_file"),
            ("filesystem", "edit_file"),
            ("filesystem", "move_file"),
            ("filesystem", "create_directory"),
            ("memory", "delete_entities"),
            ("git", "git_commit"),
            ("git", "git_reset"),
            ("sqlite", "write_query"),
            ("github", "create_or_update_file"),
            ("github", "push_files"),
            ("github", "merge_pull_request"),
            ("everything", "printEnv"),
            ("everything", "sampleLLM"),
        ] {
            assert_eq!(curated_read_only(server, tool), None, "{server}/{tool}");
        }
    }

    #[test]
    fn strips_versions_tags_and_paths_from_launch_names() {
        assert!(curated_read_only("mcp-server-git==0.6.2", "git_status").is_some());
        assert!(curated_read_only("ghcr.io/github/github-mcp-server:latest", "get_me").is_some());
        assert!(curated_read_only("/usr/local/bin/github-mcp-server", "list_issues").is_some());
        assert!(curated_read_only("GitHub", "get_issue").is_some());
    }

    #[test]
    fn unknown_servers_and_empty_ids_know_nothing() {
        assert_eq!(curated_read_only("my-filesystem", "read_file"), None);
        assert_eq!(curated_read_only("", "read_file"), None);
        assert_eq!(curated_read_only("@", "read_file"), None);
    }

    #[test]
    fn tool_names_are_case_sensitive() {
        assert_eq!(curated_read_only("filesystem", "READ_FILE"), None);
    }
}
