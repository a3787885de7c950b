//! Zed: `context_servers` in `settings.json` (JSONC): `~/.config/zed/` on Linux
//! (`$XDG_CONFIG_HOME` honoured) and macOS, `%APPDATA%\Zed\` on Windows; project settings in
//! `.zed/settings.json`.
//!
//! An entry's `command` is either a string (with sibling `args` and `env`) or, in older
//! settings, an object `{path, args, env}`; remote servers have `url` and `headers`.
//! `source: "extension"` entries are configured by an extension and carry only `settings`.
//!
//! `agent.always_allow_tool_actions: true` runs every tool, MCP tools included, without asking;
//! it is reported as auto-approval of all tools on every server (pointing at the setting).
//!
//! Secret references: none; values are passed verbatim.

use super::mcp_servers::{Dialect, read_server_map, require_object_root};
use super::{ClientSpec, FileFacts, Sink};
use crate::discovery::{Candidate, Os, PathContext};
use crate::model::{AutoApprove, ClientKind, Scope, Transport};
use crate::syntax::Node;

pub(crate) const SPEC: ClientSpec = ClientSpec {
    kind: ClientKind::Zed,
    jsonc: true,
    candidates,
    detect,
    extract,
    references: &[],
};

const DIALECT: Dialect = Dialect {
    url_keys: &[("url", Transport::Http)],
    trust_approves_all: false,
    command_may_be_object: true,
};

fn candidates(cx: &PathContext<'_>) -> Vec<Candidate> {
    let dir = match cx.os {
        Os::Windows => cx.app_data().join("Zed"),
        Os::Linux | Os::MacOs => cx.xdg_config().join("zed"),
    };
    vec![
        cx.user(dir.join("settings.json"), SPEC.kind),
        cx.project(cx.project.join(".zed").join("settings.json"), SPEC.kind),
    ]
}

fn detect(f: &FileFacts<'_>) -> Option<Scope> {
    if f.file_name != "settings.json" || !f.has_json_key("context_servers") {
        return None;
    }
    Some(if f.parent_is(".zed") {
        Scope::Project
    } else {
        Scope::User
    })
}

fn extract(root: &Node, sink: &mut Sink) {
    if !require_object_root(root, sink) {
        return;
    }
    let first_new = sink.servers.len();
    read_server_map(root, "context_servers", &DIALECT, None, sink);
    let allow_all = root
        .get("agent")
        .and_then(|agent| agent.get("always_allow_tool_actions"))
        .filter(|v| v.as_bool() == Some(true))
        .map(|v| AutoApprove::All(v.span));
    if let Some(allow_all) = allow_all {
        for server in &mut sink.servers[first_new..] {
            server.auto_approve.get_or_insert_with(|| allow_all.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::model::{ClientKind, Scope, Transport};
    use crate::parse_file;

    #[test]
    fn always_allow_tool_actions_auto_approves_every_server() {
        let src = r#"{
  "agent": { "always_allow_tool_actions": true },
  "context_servers": { "a": { "command": "npx", "args": ["-y", "a-mcp"] } }
}"#;
        let f = parse_file(
            Path::new("settings.json"),
            src.into(),
            ClientKind::Zed,
            Scope::User,
        );
        let Some(crate::model::AutoApprove::All(span)) = &f.servers[0].auto_approve else {
            panic!("expected auto-approval: {:?}", f.servers[0].auto_approve);
        };
        assert_eq!((span.line, span.col), (2, 43));
        let off = src.replace("true", "false");
        let f = parse_file(
            Path::new("settings.json"),
            off,
            ClientKind::Zed,
            Scope::User,
        );
        assert_eq!(f.servers[0].auto_approve, None);
    }

    #[test]
    fn reads_string_and_object_commands() {
        let src = r#"// Zed settings
{
  "ui_font_size": 16,
  "context_servers": {
    "new-style": { "source": "custom", "command": "npx", "args": ["-y", "mcp-server"], "env": { "A": "b" } },
    "old-style": { "command": { "path": "/usr/local/bin/srv", "args": ["--stdio"], "env": { "TOKEN": "x" } } },
    "remote": { "url": "https://mcp.example.test", "headers": { "Authorization": "Bearer t" } },
  }
}"#;
        let f = parse_file(
            Path::new("settings.json"),
            src.into(),
            ClientKind::Zed,
            Scope::User,
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(f.servers[0].launch(), "npx -y mcp-server");
        let old = &f.servers[1];
        assert_eq!(old.launch(), "/usr/local/bin/srv --stdio");
        assert_eq!(old.env[0].0.value, "TOKEN");
        assert_eq!(old.transport, Transport::Stdio);
        assert_eq!(
            (
                old.command.as_ref().unwrap().span.line,
                old.command.as_ref().unwrap().span.col
            ),
            (6, 42)
        );
        assert_eq!(f.servers[2].transport, Transport::Http);
    }

    #[test]
    fn extension_configured_servers_need_no_command() {
        let src = r#"{"context_servers": {"postgres-context-server": {"source": "extension", "settings": {"database_url": "postgresql://localhost/db"}}}}"#;
        let f = parse_file(
            Path::new("settings.json"),
            src.into(),
            ClientKind::Zed,
            Scope::User,
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(f.servers[0].transport, Transport::Unknown);
    }
}
