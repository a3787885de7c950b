//! Tool names of widely installed servers: the official reference servers and popular ones. A
//! look-alike of one of these, or a description that rewires one, is aimed at a tool the user
//! probably has.

pub const WELL_KNOWN: &[&str] = &[
    // filesystem
    "read_file",
    "read_text_file",
    "read_media_file",
    "read_multiple_files",
    "write_file",
    "edit_file",
    "create_directory",
    "list_directory",
    "list_directory_with_sizes",
    "directory_tree",
    "move_file",
    "search_files",
    "get_file_info",
    "list_allowed_directories",
    // memory
    "create_entities",
    "create_relations",
    "add_observations",
    "delete_entities",
    "delete_observations",
    "delete_relations",
    "read_graph",
    "search_nodes",
    "open_nodes",
    // git / github
    "git_status",
    "git_diff",
    "git_commit",
    "git_add",
    "git_reset",
    "git_log",
    "git_checkout",
    "git_push",
    "create_or_update_file",
    "push_files",
    "create_issue",
    "create_pull_request",
    "merge_pull_request",
    "get_file_contents",
    "create_repository",
    "fork_repository",
    "search_repositories",
    // mail and chat
    "send_email",
    "send_message",
    "send_mail",
    "gmail_send_email",
    "slack_post_message",
    "slack_reply_to_thread",
    "post_message",
    "list_messages",
    "read_email",
    "search_emails",
    // web
    "fetch",
    "web_search",
    "brave_web_search",
    "brave_local_search",
    "browser_navigate",
    "puppeteer_navigate",
    "tavily-search",
    "tavily-extract",
    // shells and code
    "execute_command",
    "run_command",
    "run_terminal_cmd",
    "execute_code",
    "run_python",
    "shell_exec",
    "bash",
    "terminal",
    // databases
    "query",
    "execute_sql",
    "run_sql",
    "read_query",
    "write_query",
    // payments
    "create_payment",
    "create_refund",
    "transfer_funds",
    "send_payment",
    "create_invoice",
];

/// Whether a name is specific enough to count as a mention in prose ("fetch" and "query" are
/// ordinary words).
pub fn distinctive(name: &str) -> bool {
    name.len() >= 6
        && (name.contains('_')
            || name.contains('-')
            || name.chars().any(|c| c.is_ascii_uppercase()))
}
