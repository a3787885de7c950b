//! Claude Desktop: `claude_desktop_config.json`, top-level `mcpServers` in the common shape.
//!
//! Paths: macOS `~/Library/Application Support/Claude/`, Windows `%APPDATA%\Claude\`, Linux
//! `~/.config/Claude/` (unofficial builds; `$XDG_CONFIG_HOME` honoured).
//!
//! Secret references: none. Claude Desktop passes `env` values to the server verbatim, so
//! `${VAR}` in this file is a literal string, not a reference.

use super::mcp_servers::{STANDARD, read_server_map, require_object_root};
use super::{ClientSpec, FileFacts, Sink};
use crate::discovery::{Candidate, PathContext};
use crate::model::{ClientKind, Scope};
use crate::syntax::Node;

pub(crate) const SPEC: ClientSpec = ClientSpec {
    kind: ClientKind::ClaudeDesktop,
    jsonc: false,
    candidates,
    detect,
    extract,
    references: &[],
};

fn candidates(cx: &PathContext<'_>) -> Vec<Candidate> {
    vec![
        cx.user(
            cx.app_data()
                .join("Claude")
                .join("claude_desktop_config.json"),
            SPEC.kind,
        ),
    ]
}

fn detect(f: &FileFacts<'_>) -> Option<Scope> {
    f.file_name
        .eq_ignore_ascii_case("claude_desktop_config.json")
        .then_some(Scope::User)
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
    fn reads_command_args_env_with_value_spans() {
        let src = r#"{
  "mcpServers": {
    "filesystem": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-filesystem", "/Users/me/Desktop"],
      "env": { "DEBUG": "1" }
    }
  }
}"#;
        let f = parse_file(
            Path::new("claude_desktop_config.json"),
            src.into(),
            ClientKind::ClaudeDesktop,
            Scope::User,
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        let s = &f.servers[0];
        assert_eq!(s.name, "filesystem");
        assert_eq!((s.span.line, s.span.col), (3, 6));
        assert_eq!(s.transport, Transport::Stdio);
        let cmd = s.command.as_ref().unwrap();
        assert_eq!(cmd.value, "npx");
        assert_eq!((cmd.span.line, cmd.span.col), (4, 19));
        assert_eq!(&src[cmd.span.range()], "npx");
        assert_eq!(s.args.len(), 3);
        assert_eq!(s.args[2].value, "/Users/me/Desktop");
        assert_eq!(s.env[0].0.value, "DEBUG");
        assert_eq!(s.env[0].1.value, "1");
    }

    #[test]
    fn trailing_comma_is_reported_but_servers_are_still_checked() {
        let src = "{\"mcpServers\": {\"a\": {\"command\": \"x\",}}}";
        let f = parse_file(
            Path::new("claude_desktop_config.json"),
            src.into(),
            ClientKind::ClaudeDesktop,
            Scope::User,
        );
        assert_eq!(f.servers.len(), 1);
        assert_eq!(f.problems.len(), 1);
        assert!(
            f.problems[0].message.contains("strict JSON"),
            "{}",
            f.problems[0].message
        );
        assert_eq!(f.problems[0].span.line, 1);
    }

    #[test]
    fn one_broken_entry_does_not_hide_the_others() {
        let src =
            r#"{"mcpServers": {"bad": "npx thing", "good": {"command": "uvx", "args": ["a", 3]}}}"#;
        let f = parse_file(
            Path::new("claude_desktop_config.json"),
            src.into(),
            ClientKind::ClaudeDesktop,
            Scope::User,
        );
        assert_eq!(f.servers.len(), 1);
        assert_eq!(f.servers[0].name, "good");
        assert_eq!(f.servers[0].args.len(), 1);
        let servers: Vec<_> = f.problems.iter().map(|p| p.server.as_deref()).collect();
        assert_eq!(servers, [Some("bad"), Some("good")]);
    }

    #[test]
    fn duplicate_server_names_keep_the_last_and_name_the_server() {
        let src = "{\"mcpServers\": {\n \"gh\": {\"command\": \"old\"},\n \"gh\": {\"command\": \"new\"}\n}}";
        let f = parse_file(
            Path::new("claude_desktop_config.json"),
            src.into(),
            ClientKind::ClaudeDesktop,
            Scope::User,
        );
        assert_eq!(f.servers.len(), 1);
        assert_eq!(f.servers[0].command.as_ref().unwrap().value, "new");
        assert_eq!(f.problems.len(), 1);
        assert_eq!(f.problems[0].span.line, 2);
        assert_eq!(f.problems[0].server.as_deref(), Some("gh"));
    }
}
