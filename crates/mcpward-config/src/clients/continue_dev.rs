//! Continue: `mcpServers` (a *list* of `{name, type, command, args, env, cwd, url,
//! requestOptions.headers}`) in `~/.continue/config.yaml` and in block files under
//! `.continue/mcpServers/` (each a YAML file with its own `mcpServers:` list, or a JSON file
//! in the Claude/Cursor `mcpServers` map shape, which Continue also accepts). The legacy
//! `~/.continue/config.json` held `experimental.modelContextProtocolServers`, a list of
//! `{transport: {type, command, args, env, url}}`.
//!
//! `CONTINUE_GLOBAL_DIR` moves `~/.continue`. `type` is `stdio` | `sse` | `streamable-http`.
//!
//! Secret references: `${{ secrets.NAME }}` and `${{ inputs.NAME }}` templates.

use std::path::PathBuf;

use super::mcp_servers::{
    STANDARD, collect_other_strings, read_server_map, require_command_or_url, require_object_root,
    resolve_transport, string, string_list, string_map,
};
use super::{ClientSpec, FileFacts, ReferenceSyntax, Sink};
use crate::discovery::{Candidate, PathContext};
use crate::model::{ClientKind, Scope, ServerEntry};
use crate::syntax::Node;

pub(crate) const SPEC: ClientSpec = ClientSpec {
    kind: ClientKind::Continue,
    jsonc: false,
    candidates,
    detect,
    extract,
    references: &[ReferenceSyntax::ContinueTemplate],
};

fn global_dir(cx: &PathContext<'_>) -> PathBuf {
    cx.env_dir("CONTINUE_GLOBAL_DIR")
        .unwrap_or_else(|| cx.home.join(".continue"))
}

fn candidates(cx: &PathContext<'_>) -> Vec<Candidate> {
    let dir = global_dir(cx);
    vec![
        cx.user(dir.join("config.yaml"), SPEC.kind),
        cx.user(dir.join("config.json"), SPEC.kind),
    ]
}

/// Directories whose every `*.yaml`, `*.yml` and `*.json` file is a block of MCP servers.
pub(crate) fn block_dirs(cx: &PathContext<'_>) -> Vec<(PathBuf, Scope)> {
    vec![
        (global_dir(cx).join("mcpServers"), Scope::User),
        (
            cx.project.join(".continue").join("mcpServers"),
            Scope::Project,
        ),
    ]
}

fn detect(f: &FileFacts<'_>) -> Option<Scope> {
    if f.parent_is("mcpServers") && f.parents.get(1).is_some_and(|p| *p == ".continue") {
        let continue_dir = f.path.parent().and_then(|p| p.parent());
        let in_home = continue_dir
            .and_then(|d| d.parent())
            .zip(f.home)
            .is_some_and(|(a, b)| a == b);
        return Some(if in_home { Scope::User } else { Scope::Project });
    }
    match f.file_name {
        "config.yaml" | "config.yml" if f.has_yaml_top_key("mcpServers") => Some(Scope::User),
        "config.json" if f.has_json_key("modelContextProtocolServers") => Some(Scope::User),
        _ => None,
    }
}

fn extract(root: &Node, sink: &mut Sink) {
    if !require_object_root(root, sink) {
        return;
    }
    if let Some(list) = root.get("mcpServers") {
        match list.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Some(server) = read_item(item, &format!("mcpServers[{i}]"), sink) {
                        sink.servers.push(server);
                    }
                }
            }
            None => read_server_map(root, "mcpServers", &STANDARD, None, sink),
        }
    }
    let legacy = root
        .get("experimental")
        .and_then(|e| e.get("modelContextProtocolServers"));
    if let Some(items) = legacy.and_then(Node::as_array) {
        for (i, item) in items.iter().enumerate() {
            let fallback = format!("modelContextProtocolServers[{i}]");
            let entry = item
                .get("transport")
                .filter(|t| t.is_object())
                .unwrap_or(item);
            if let Some(mut server) = read_item(entry, &fallback, sink) {
                server.span = item.span;
                sink.servers.push(server);
            }
        }
    }
}

/// One list item; its name comes from `name` (or its position when missing, reported).
fn read_item(item: &Node, fallback: &str, sink: &mut Sink) -> Option<ServerEntry> {
    if !item.is_object() {
        sink.problem(
            format!("`{fallback}` is {}, expected an object with `name` and `command` or `url`; the entry is skipped", item.kind()),
            item.span,
            Some(fallback),
        );
        return None;
    }
    let (name, span) = match item.get("name").and_then(Node::spanned_str) {
        Some(n) => (n.value, n.span),
        None => (fallback.to_string(), item.span),
    };
    let server = name.as_str();
    let mut out = ServerEntry::new(server, span);
    out.command = string(item, "command", server, sink);
    out.args = string_list(item, "args", server, sink);
    out.env = string_map(item, "env", server, sink);
    out.cwd = string(item, "cwd", server, sink);
    out.url = string(item, "url", server, sink);
    if let Some(options) = item.get("requestOptions").filter(|o| o.is_object()) {
        out.headers = string_map(options, "headers", server, sink);
    }
    out.transport = resolve_transport(
        item,
        server,
        out.command.is_some(),
        out.url.as_ref().map(|_| crate::model::Transport::Http),
        sink,
    );
    require_command_or_url(&out, item, sink);
    collect_other_strings(item, &mut out);
    Some(out)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::model::{ClientKind, Format, Scope, Transport};
    use crate::parse_file;

    #[test]
    fn reads_the_yaml_server_list_with_spans() {
        let src = "name: My Config
version: 0.0.1
schema: v1
mcpServers:
  - name: SQLite
    command: npx
    args:
      - \"-y\"
      - mcp-sqlite
      - /data/app.db
    env:
      API_KEY: ${{ secrets.API_KEY }}
  - name: Remote
    type: streamable-http
    url: https://mcp.example.test/mcp
    requestOptions:
      headers:
        Authorization: 'Bearer abc'
";
        let f = parse_file(
            Path::new("config.yaml"),
            src.into(),
            ClientKind::Continue,
            Scope::User,
        );
        assert_eq!(f.format, Format::Yaml);
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        let sqlite = &f.servers[0];
        assert_eq!(sqlite.name, "SQLite");
        assert_eq!((sqlite.span.line, sqlite.span.col), (5, 11));
        assert_eq!(sqlite.launch(), "npx -y mcp-sqlite /data/app.db");
        assert_eq!((sqlite.args[0].span.line, sqlite.args[0].span.col), (8, 10));
        assert_eq!(&src[sqlite.args[0].span.range()], "-y");
        assert_eq!(sqlite.env[0].1.value, "${{ secrets.API_KEY }}");
        let remote = &f.servers[1];
        assert_eq!(remote.transport, Transport::Http);
        assert_eq!(remote.headers[0].1.value, "Bearer abc");
        assert_eq!(&src[remote.headers[0].1.span.range()], "Bearer abc");
    }

    #[test]
    fn block_file_in_json_map_shape_and_legacy_config_are_read() {
        let block =
            r#"{"mcpServers": {"pw": {"command": "npx", "args": ["@playwright/mcp@latest"]}}}"#;
        let f = parse_file(
            Path::new(".continue/mcpServers/pw.json"),
            block.into(),
            ClientKind::Continue,
            Scope::Project,
        );
        assert_eq!(f.servers[0].name, "pw");
        let legacy = r#"{"experimental": {"modelContextProtocolServers": [
            {"transport": {"type": "stdio", "command": "uvx", "args": ["mcp-server-sqlite"]}}]}}"#;
        let f = parse_file(
            Path::new("config.json"),
            legacy.into(),
            ClientKind::Continue,
            Scope::User,
        );
        assert_eq!(f.servers[0].name, "modelContextProtocolServers[0]");
        assert_eq!(f.servers[0].transport, Transport::Stdio);
    }

    #[test]
    fn item_of_the_wrong_shape_is_reported_and_others_kept() {
        let src = "mcpServers:\n  - just a string\n  - name: ok\n    command: x\n";
        let f = parse_file(
            Path::new("config.yaml"),
            src.into(),
            ClientKind::Continue,
            Scope::User,
        );
        assert_eq!(f.servers.len(), 1);
        assert_eq!(f.problems.len(), 1);
        assert_eq!(f.problems[0].span.line, 2);
    }
}
