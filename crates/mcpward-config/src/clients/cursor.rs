//! Cursor: `~/.cursor/mcp.json` (user, every OS) and `.cursor/mcp.json` (project), top-level
//! `mcpServers` in the common shape; a `url` entry is Streamable HTTP with SSE fallback.
//!
//! Secret references: `${env:VAR}` (also `${userHome}`, `${workspaceFolder}`, which are paths,
//! not secrets).

use super::mcp_servers::{STANDARD, read_server_map, require_object_root};
use super::{ClientSpec, FileFacts, ReferenceSyntax, Sink};
use crate::discovery::{Candidate, PathContext};
use crate::model::{ClientKind, Scope};
use crate::syntax::Node;

pub(crate) const SPEC: ClientSpec = ClientSpec {
    kind: ClientKind::Cursor,
    jsonc: false,
    candidates,
    detect,
    extract,
    references: &[ReferenceSyntax::EnvColon],
};

fn candidates(cx: &PathContext<'_>) -> Vec<Candidate> {
    vec![
        cx.user(cx.home.join(".cursor").join("mcp.json"), SPEC.kind),
        cx.project(cx.project.join(".cursor").join("mcp.json"), SPEC.kind),
    ]
}

/// `.cursor/mcp.json`, and any other `mcp.json` in the `mcpServers` shape (the format Cursor
/// popularised; other clients' `mcp.json` files are claimed earlier by their own modules).
fn detect(f: &FileFacts<'_>) -> Option<Scope> {
    if f.file_name != "mcp.json" {
        return None;
    }
    if f.parent_is(".cursor") {
        return Some(f.dot_dir_scope());
    }
    f.has_json_key("mcpServers").then_some(Scope::Project)
}

fn extract(root: &Node, sink: &mut Sink) {
    if require_object_root(root, sink) {
        read_server_map(root, "mcpServers", &STANDARD, None, sink);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::model::{ClientKind, Scope, Transport};
    use crate::parse_file;

    #[test]
    fn reads_stdio_and_remote_servers() {
        let src = r#"{
  "mcpServers": {
    "linear": { "url": "https://mcp.linear.app/sse" },
    "pg": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-postgres", "postgresql://localhost/db"],
      "env": { "PGPASSWORD": "${env:PGPASSWORD}" }
    }
  }
}"#;
        let f = parse_file(
            Path::new(".cursor/mcp.json"),
            src.into(),
            ClientKind::Cursor,
            Scope::Project,
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(f.servers[0].transport, Transport::Http);
        assert_eq!(f.servers[0].url.as_ref().unwrap().span.col, 25);
        assert_eq!(f.servers[1].transport, Transport::Stdio);
        assert_eq!(f.servers[1].args[2].value, "postgresql://localhost/db");
        assert_eq!(f.servers[1].env[0].0.span.line, 7);
    }

    #[test]
    fn entry_without_command_or_url_is_kept_and_reported() {
        let src = r#"{"mcpServers": {"typo": {"comand": "npx", "env": {"K": "v"}}}}"#;
        let f = parse_file(
            Path::new("mcp.json"),
            src.into(),
            ClientKind::Cursor,
            Scope::User,
        );
        assert_eq!(f.servers.len(), 1);
        assert_eq!(f.servers[0].transport, Transport::Unknown);
        assert_eq!(f.servers[0].env.len(), 1);
        assert_eq!(f.problems.len(), 1);
        assert!(
            f.problems[0]
                .message
                .contains("neither a command nor a URL")
        );
    }
}
