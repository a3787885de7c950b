//! Zed: `context_servers` in `settings.json` (JSONC): `~/.config/zed/` on Linux
//! (`$XDG_CONFIG_HOME` honoured) and macOS, `%APPDATA%\Zed\` on Windows; project settings in
//! `.zed/settings.json`.
//!
//! An entry's `command` is either a string (with sibling `args` and `env`) or, in older
//! settings, an object `{path, args, env}`; remote servers have `url` and `headers`.
//! `source: "extension"` entries are configured by an extension and carry only `settings`.
//!
//! Secret references: none; values are passed verbatim.

use super::mcp_servers::{Dialect, read_server_map, require_object_root};
use super::{ClientSpec, FileFacts, Sink};
use crate::discovery::{Candidate, Os, PathContext};
use crate::model::{ClientKind, Scope, Transport};
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
    if require_object_root(root, sink) {
        read_server_map(root, "context_servers", &DIALECT, None, sink);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::model::{ClientKind, Scope, Transport};
    use crate::parse_file;

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
