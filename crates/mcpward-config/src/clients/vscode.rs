//! VS Code: `servers` in `.vscode/mcp.json` (project) and in the user `mcp.json` next to
//! `settings.json` (`~/.config/Code/User/` on Linux, `~/Library/Application Support/Code/User/`
//! on macOS, `%APPDATA%\Code\User\` on Windows; also `Code - Insiders`), plus the older
//! `"mcp": {"servers": ...}` block of user `settings.json`.
//!
//! Entries use the common shape with `type` `stdio` | `http` | `sse` and `headers`; `inputs`
//! (prompted values) and `envFile` are not server entries and are not read.
//!
//! Secret references: `${input:id}` (VS Code prompts and stores the value) and `${env:VAR}`.

use super::mcp_servers::{STANDARD, read_server_map, require_object_root};
use super::{ClientSpec, FileFacts, ReferenceSyntax, Sink};
use crate::discovery::{Candidate, PathContext};
use crate::model::{ClientKind, Scope};
use crate::syntax::Node;

pub(crate) const SPEC: ClientSpec = ClientSpec {
    kind: ClientKind::VsCode,
    jsonc: true,
    candidates,
    detect,
    extract,
    references: &[ReferenceSyntax::InputColon, ReferenceSyntax::EnvColon],
};

/// Application directories of VS Code builds that share its config format.
const EDITIONS: [&str; 2] = ["Code", "Code - Insiders"];

fn candidates(cx: &PathContext<'_>) -> Vec<Candidate> {
    let mut out = Vec::new();
    for edition in EDITIONS {
        let user = cx.app_data().join(edition).join("User");
        out.push(cx.user(user.join("mcp.json"), SPEC.kind));
        out.push(cx.user(user.join("settings.json"), SPEC.kind));
    }
    out.push(cx.project(cx.project.join(".vscode").join("mcp.json"), SPEC.kind));
    out
}

fn detect(f: &FileFacts<'_>) -> Option<Scope> {
    let in_user_dir = f.parent_is("User") || (f.under("profiles") && f.under("User"));
    match f.file_name {
        "mcp.json" if f.parent_is(".vscode") => Some(Scope::Project),
        "mcp.json" if in_user_dir => Some(Scope::User),
        "mcp.json" if f.has_json_key("servers") && !f.has_json_key("mcpServers") => {
            Some(Scope::Project)
        }
        "settings.json" if f.has_json_key("mcp") => Some(if f.parent_is(".vscode") {
            Scope::Project
        } else {
            Scope::User
        }),
        _ => None,
    }
}

fn extract(root: &Node, sink: &mut Sink) {
    if !require_object_root(root, sink) {
        return;
    }
    read_server_map(root, "servers", &STANDARD, None, sink);
    if let Some(mcp) = root.get("mcp").filter(|m| m.is_object()) {
        read_server_map(mcp, "servers", &STANDARD, None, sink);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::model::{ClientKind, Format, Scope, Transport};
    use crate::parse_file;

    #[test]
    fn reads_servers_with_comments_inputs_and_env_references() {
        let src = r#"{
  // prompted once, stored by VS Code
  "inputs": [{ "type": "promptString", "id": "gh-token", "password": true }],
  "servers": {
    "github": {
      "type": "http",
      "url": "https://api.githubcopilot.com/mcp/",
      "headers": { "Authorization": "Bearer ${input:gh-token}" },
    },
    "fetch": { "type": "stdio", "command": "uvx", "args": ["mcp-server-fetch"], "env": { "KEY": "${env:FETCH_KEY}" } },
  },
}"#;
        let f = parse_file(
            Path::new(".vscode/mcp.json"),
            src.into(),
            ClientKind::VsCode,
            Scope::Project,
        );
        assert_eq!(f.format, Format::Jsonc);
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(f.servers.len(), 2);
        assert_eq!(f.servers[0].transport, Transport::Http);
        assert_eq!(f.servers[0].headers[0].1.value, "Bearer ${input:gh-token}");
        assert_eq!((f.servers[0].span.line, f.servers[0].span.col), (5, 6));
        assert_eq!(f.servers[1].env[0].1.value, "${env:FETCH_KEY}");
        assert_eq!(f.servers[1].env[0].1.span.line, 10);
    }

    #[test]
    fn reads_mcp_block_of_user_settings() {
        let src = r#"{ "editor.tabSize": 2, "mcp": { "servers": { "time": { "command": "uvx", "args": ["mcp-server-time"] } } } }"#;
        let f = parse_file(
            Path::new("settings.json"),
            src.into(),
            ClientKind::VsCode,
            Scope::User,
        );
        assert_eq!(f.servers.len(), 1);
        assert_eq!(f.servers[0].name, "time");
    }
}
