//! Goose: `extensions:` map in `config.yaml`, at `~/.config/goose/` on Linux and macOS
//! (`$XDG_CONFIG_HOME` honoured) and `%APPDATA%\Block\goose\config\` on Windows.
//!
//! Each extension has `type` (`stdio` | `sse` | `streamable_http` | `builtin` | `platform` |
//! `frontend` | `inline_python`), `cmd` + `args` for stdio, `uri` (+ `headers`) for remote
//! ones, `envs` (literal values), `env_keys` (names of secrets Goose resolves from its keyring
//! or environment), `enabled` and `timeout`. Built-in kinds run inside Goose: they have no
//! command or URL and their transport is [`Transport::Unknown`].
//!
//! A top-level `GOOSE_MODE: auto` runs every tool without asking; it is reported as
//! auto-approval of all tools on every extension (pointing at the mode).
//!
//! Secret references: no string syntax; `env_keys` are reported as
//! [`ServerEntry::env_passthrough`].

use super::mcp_servers::{
    collect_other_strings, is_disabled, require_command_or_url, require_object_root, string,
    string_list, string_map, transport_named, type_problem,
};
use super::{ClientSpec, FileFacts, Sink};
use crate::discovery::{Candidate, Os, PathContext};
use crate::model::{AutoApprove, ClientKind, Scope, ServerEntry, Spanned, Transport};
use crate::syntax::Node;

pub(crate) const SPEC: ClientSpec = ClientSpec {
    kind: ClientKind::Goose,
    jsonc: false,
    candidates,
    detect,
    extract,
    references: &[],
};

fn candidates(cx: &PathContext<'_>) -> Vec<Candidate> {
    let dir = match cx.os {
        Os::Windows => cx.app_data().join("Block").join("goose").join("config"),
        Os::Linux | Os::MacOs => cx.xdg_config().join("goose"),
    };
    vec![cx.user(dir.join("config.yaml"), SPEC.kind)]
}

fn detect(f: &FileFacts<'_>) -> Option<Scope> {
    let yaml = f.file_name.ends_with(".yaml") || f.file_name.ends_with(".yml");
    (yaml && f.has_yaml_top_key("extensions")).then_some(Scope::User)
}

fn extract(root: &Node, sink: &mut Sink) {
    if !require_object_root(root, sink) {
        return;
    }
    let Some((key, extensions)) = root.get_entry("extensions") else {
        return;
    };
    if !extensions.is_object() {
        sink.problem(
            format!(
                "`{}` is {}, expected a map of extension names to extensions; none are read",
                key.value,
                extensions.kind()
            ),
            extensions.span,
            None,
        );
        return;
    }
    let auto_mode = root
        .get("GOOSE_MODE")
        .filter(|m| m.as_str() == Some("auto"))
        .map(|m| AutoApprove::All(m.span));
    for (name, entry) in extensions.members() {
        if let Some(mut server) = read_extension(name, entry, sink) {
            if server.auto_approve.is_none() {
                server.auto_approve = auto_mode.clone();
            }
            sink.servers.push(server);
        }
    }
}

fn read_extension(name: &Spanned<String>, entry: &Node, sink: &mut Sink) -> Option<ServerEntry> {
    let server = name.value.as_str();
    if !entry.is_object() {
        sink.problem(
            format!(
                "extension `{server}` is {}, expected a map with `type`; the entry is skipped",
                entry.kind()
            ),
            entry.span,
            Some(server),
        );
        return None;
    }
    let mut out = ServerEntry::new(server, name.span);
    out.command = string(entry, "cmd", server, sink);
    out.args = string_list(entry, "args", server, sink);
    out.env = string_map(entry, "envs", server, sink);
    out.env_passthrough = string_list(entry, "env_keys", server, sink);
    out.url = string(entry, "uri", server, sink);
    out.headers = string_map(entry, "headers", server, sink);
    out.cwd = string(entry, "cwd", server, sink);
    out.disabled = is_disabled(entry, server, sink);
    out.transport = match entry.get("type") {
        Some(node) => match node.as_str() {
            Some("builtin" | "platform" | "frontend" | "inline_python") => Transport::Unknown,
            Some(text) => transport_named(text).unwrap_or_else(|| {
                sink.problem(
                    format!("extension `{server}` has unknown type `{text}`; expected stdio, sse, streamable_http or builtin"),
                    node.span,
                    Some(server),
                );
                Transport::Unknown
            }),
            None => {
                type_problem(sink, "type", node, "a string", server);
                Transport::Unknown
            }
        },
        None if out.command.is_some() => Transport::Stdio,
        None if out.url.is_some() => Transport::Sse,
        None => Transport::Unknown,
    };
    let in_process = matches!(
        entry.get("type").and_then(Node::as_str),
        Some("builtin" | "platform" | "frontend" | "inline_python")
    );
    if !in_process {
        require_command_or_url(&out, entry, sink);
    } else if entry.get("type").and_then(Node::as_str) == Some("builtin") {
        // Goose picks the built-in by the entry's `name` (the key when absent).
        let id = entry
            .get("name")
            .and_then(|n| n.as_str().map(|v| Spanned::new(v.to_string(), n.span)))
            .unwrap_or_else(|| name.clone());
        out.builtin = Some(Spanned::new(
            format!("goose:{}", id.value.trim().to_ascii_lowercase()),
            id.span,
        ));
    }
    collect_other_strings(entry, &mut out);
    Some(out)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::model::{AutoApprove, ClientKind, Scope, Transport};
    use crate::parse_file;

    const CONFIG: &str = "GOOSE_PROVIDER: anthropic
GOOSE_MODE: auto
extensions:
  developer:
    bundled: true
    enabled: true
    name: developer
    timeout: 300
    type: builtin
  github:
    cmd: npx
    args:
    - -y
    - '@modelcontextprotocol/server-github'
    enabled: false
    envs:
      GITHUB_API_URL: https://api.github.com
    env_keys:
    - GITHUB_PERSONAL_ACCESS_TOKEN
    type: stdio
  remote:
    type: streamable_http
    uri: https://mcp.example.test/mcp
";

    #[test]
    fn reads_extensions_and_auto_mode() {
        let f = parse_file(
            Path::new("config.yaml"),
            CONFIG.into(),
            ClientKind::Goose,
            Scope::User,
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(f.servers.len(), 3);
        assert_eq!(f.servers[0].transport, Transport::Unknown);
        let gh = &f.servers[1];
        assert_eq!((gh.span.line, gh.span.col), (10, 3));
        assert_eq!(gh.launch(), "npx -y @modelcontextprotocol/server-github");
        assert_eq!(
            &CONFIG[gh.args[1].span.range()],
            "@modelcontextprotocol/server-github"
        );
        assert!(gh.disabled);
        assert_eq!(gh.env[0].1.value, "https://api.github.com");
        assert_eq!(gh.env_passthrough[0].value, "GITHUB_PERSONAL_ACCESS_TOKEN");
        let Some(AutoApprove::All(span)) = gh.auto_approve else {
            panic!()
        };
        assert_eq!((span.line, span.col), (2, 13));
        assert_eq!(f.servers[2].transport, Transport::Http);
        assert_eq!(
            f.servers[2].url.as_ref().unwrap().value,
            "https://mcp.example.test/mcp"
        );
    }
}
