//! The `mcpServers` shape most clients share (a map from server name to
//! `{command, args, env, cwd, url, headers, type, disabled, ...}`), and the typed field readers
//! every client module uses.
//!
//! Readers are lenient per field: a value of the wrong type becomes a [`ParseProblem`] naming
//! the server and pointing at the value, and the rest of the entry is still read. An entry that
//! is not an object at all is reported and skipped.
//!
//! [`ParseProblem`]: crate::model::ParseProblem

use std::collections::HashSet;

use super::Sink;
use crate::model::{AutoApprove, NotLoaded, ServerEntry, Spanned, Transport};
use crate::syntax::{Node, Value};

/// How one client spells the common fields.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dialect {
    /// Keys holding the server URL, with the transport the client uses when `type` is absent.
    pub url_keys: &'static [(&'static str, Transport)],
    /// `trust: true` approves every tool (Gemini CLI).
    pub trust_approves_all: bool,
    /// `command` may be an object `{path, args, env}` (Zed).
    pub command_may_be_object: bool,
}

/// Plain `url` meaning Streamable HTTP (falling back to SSE inside the client).
pub(crate) const STANDARD: Dialect = Dialect {
    url_keys: &[("url", Transport::Http)],
    trust_approves_all: false,
    command_may_be_object: false,
};

/// Keys people write for the server map that a client reading `key` ignores.
fn other_spellings(key: &str) -> &'static [&'static str] {
    match key {
        "mcpServers" => &[
            "servers",
            "mcp_servers",
            "mcp-servers",
            "mcpservers",
            "MCPServers",
            "McpServers",
            "mcpServer",
            "context_servers",
        ],
        "servers" => &["mcpServers", "mcp_servers", "mcp-servers", "mcpservers"],
        _ => &[],
    }
}

/// Read `parent[key]` as a map of servers. Absent is fine (no servers); anything but an object
/// is a problem. Servers under another spelling of the key (`servers` is VS Code's, `mcpServers`
/// everyone else's, `mcp_servers` Codex's), or written at the top level without the wrapper, are
/// read too and marked [`NotLoaded`]: the client never starts them, but what they hold is on
/// disk and is checked.
pub(crate) fn read_server_map(
    parent: &Node,
    key: &str,
    dialect: &Dialect,
    project: Option<&str>,
    sink: &mut Sink,
) {
    let mut found_any = false;
    if let Some((k, map)) = parent.get_entry(key) {
        found_any = true;
        if map.is_object() {
            read_members(map, dialect, project, None, sink);
        } else {
            sink.problem(
                format!("`{}` is {}, expected an object mapping server names to servers; its servers are not read", k.value, map.kind()),
                map.span,
                None,
            );
        }
    }
    for other in other_spellings(key) {
        let Some((k, map)) = parent.get_entry(other).filter(|(_, m)| m.is_object()) else {
            continue;
        };
        found_any = true;
        let not_loaded = NotLoaded {
            key: Some(k.clone()),
            expected: key.to_string(),
            belongs_in: None,
        };
        read_members(map, dialect, project, Some(not_loaded), sink);
    }
    // `{ "fetch": { "command": "uvx", … } }`: servers without the wrapper object.
    if !found_any && project.is_none() && key == "mcpServers" {
        for (name, entry) in parent.members() {
            if looks_like_server(entry)
                && let Some(mut server) = read_server(name, entry, dialect, sink)
            {
                server.not_loaded = Some(NotLoaded {
                    key: None,
                    expected: key.to_string(),
                    belongs_in: None,
                });
                sink.servers.push(server);
            }
        }
    }
}

fn read_members(
    map: &Node,
    dialect: &Dialect,
    project: Option<&str>,
    not_loaded: Option<NotLoaded>,
    sink: &mut Sink,
) {
    for (name, entry) in map.members() {
        if let Some(mut server) = read_server(name, entry, dialect, sink) {
            server.project = project.map(str::to_string);
            server.not_loaded.clone_from(&not_loaded);
            sink.servers.push(server);
        }
    }
}

/// An object with a launch of its own: `command` (string) or `url`.
fn looks_like_server(node: &Node) -> bool {
    node.is_object()
        && (node.get("command").and_then(Node::as_str).is_some()
            || node.get("url").and_then(Node::as_str).is_some())
}

/// One server entry in the common shape.
pub(crate) fn read_server(
    name: &Spanned<String>,
    entry: &Node,
    dialect: &Dialect,
    sink: &mut Sink,
) -> Option<ServerEntry> {
    let server = name.value.as_str();
    if !entry.is_object() {
        sink.problem(
            format!("server `{server}` is {}, expected an object with `command` or `url`; the entry is skipped", entry.kind()),
            entry.span,
            Some(server),
        );
        return None;
    }
    let mut out = ServerEntry::new(server, name.span);
    match entry.get("command") {
        Some(cmd) if dialect.command_may_be_object && cmd.is_object() => {
            out.command = string(cmd, "path", server, sink);
            out.args = string_list(cmd, "args", server, sink);
            out.env = string_map(cmd, "env", server, sink);
        }
        _ => out.command = string(entry, "command", server, sink),
    }
    out.args.extend(string_list(entry, "args", server, sink));
    out.env.extend(string_map(entry, "env", server, sink));
    out.cwd = string(entry, "cwd", server, sink);
    let mut url_transport = None;
    for (key, transport) in dialect.url_keys {
        if let Some(url) = string(entry, key, server, sink) {
            out.url = Some(url);
            url_transport = Some(*transport);
        }
    }
    out.headers = string_map(entry, "headers", server, sink);
    out.transport = resolve_transport(entry, server, out.command.is_some(), url_transport, sink);
    // Zed entries without `command` are configured by an extension, which supplies it.
    if !dialect.command_may_be_object {
        require_command_or_url(&out, entry, sink);
    }
    out.disabled = is_disabled(entry, server, sink);
    out.auto_approve = auto_approve(entry, &["alwaysAllow", "autoApprove"], server, sink);
    if dialect.trust_approves_all
        && let Some(trust) = entry.get("trust")
    {
        match trust.as_bool() {
            Some(true) => out.auto_approve = Some(AutoApprove::All(trust.span)),
            Some(false) => {}
            None => type_problem(sink, "trust", trust, "a boolean", server),
        }
    }
    collect_other_strings(entry, &mut out);
    Some(out)
}

/// Record in `out.other_strings` every string of `entry` that no field of `out` holds, with
/// the nearest key above it, so that secret checks see values the client ignores or that
/// have the wrong shape (`"env": ["TOKEN=..."]`, an unknown `apiKey` field).
pub(crate) fn collect_other_strings(entry: &Node, out: &mut ServerEntry) {
    let mut read: HashSet<usize> = HashSet::new();
    let spans = out
        .command
        .iter()
        .chain(out.args.iter())
        .chain(out.env.iter().map(|(_, v)| v))
        .chain(out.headers.iter().map(|(_, v)| v))
        .chain(out.url.iter())
        .chain(out.cwd.iter())
        .chain(out.env_passthrough.iter());
    read.extend(spans.map(|s| s.span.offset));
    if let Some(AutoApprove::Tools(tools)) = &out.auto_approve {
        read.extend(tools.iter().map(|t| t.span.offset));
    }
    let Value::Object(members) = &entry.value else {
        return;
    };
    let mut stack: Vec<(&Spanned<String>, &Node)> =
        members.iter().map(|(k, v)| (k, v)).rev().collect();
    while let Some((key, node)) = stack.pop() {
        match &node.value {
            Value::String(text) if !read.contains(&node.span.offset) => out
                .other_strings
                .push((key.clone(), Spanned::new(text.clone(), node.span))),
            Value::Array(items) => stack.extend(items.iter().rev().map(|i| (key, i))),
            Value::Object(members) => stack.extend(members.iter().rev().map(|(k, v)| (k, v))),
            _ => {}
        }
    }
}

/// Transport from an explicit `type` (or `transport`) field, else from what the entry holds.
pub(crate) fn resolve_transport(
    entry: &Node,
    server: &str,
    has_command: bool,
    url_transport: Option<Transport>,
    sink: &mut Sink,
) -> Transport {
    for key in ["type", "transport"] {
        let Some(node) = entry.get(key) else { continue };
        let Some(text) = node.as_str() else {
            // Continue's legacy `transport: {type: ...}` object is read by its own module.
            if !node.is_object() {
                type_problem(sink, key, node, "a string", server);
            }
            continue;
        };
        return match transport_named(text) {
            Some(t) => t,
            None => {
                sink.problem(
                    format!(
                        "server `{server}` has unknown {key} `{text}`; expected stdio, http or sse"
                    ),
                    node.span,
                    Some(server),
                );
                Transport::Unknown
            }
        };
    }
    if has_command {
        Transport::Stdio
    } else {
        url_transport.unwrap_or(Transport::Unknown)
    }
}

/// The transport a client's `type` string names, in any of the spellings clients use.
pub(crate) fn transport_named(text: &str) -> Option<Transport> {
    match text.to_ascii_lowercase().as_str() {
        "stdio" | "local" | "command" => Some(Transport::Stdio),
        "http" | "streamable-http" | "streamable_http" | "streamablehttp" | "streamable"
        | "remote" => Some(Transport::Http),
        "sse" => Some(Transport::Sse),
        _ => None,
    }
}

/// `disabled: true` or `enabled: false`.
pub(crate) fn is_disabled(entry: &Node, server: &str, sink: &mut Sink) -> bool {
    let mut disabled = false;
    if let Some(node) = entry.get("disabled") {
        match node.as_bool() {
            Some(b) => disabled |= b,
            None => type_problem(sink, "disabled", node, "a boolean", server),
        }
    }
    if let Some(node) = entry.get("enabled") {
        match node.as_bool() {
            Some(b) => disabled |= !b,
            None => type_problem(sink, "enabled", node, "a boolean", server),
        }
    }
    disabled
}

/// Tool allow-lists that skip the person's approval. A `"*"` item, or `true`, approves all.
pub(crate) fn auto_approve(
    entry: &Node,
    keys: &[&str],
    server: &str,
    sink: &mut Sink,
) -> Option<AutoApprove> {
    let mut tools: Vec<Spanned<String>> = Vec::new();
    let mut found = false;
    for key in keys {
        let Some(node) = entry.get(key) else { continue };
        match &node.value {
            Value::Bool(true) => return Some(AutoApprove::All(node.span)),
            Value::Bool(false) => {}
            Value::Array(_) => {
                found = true;
                for tool in string_list(entry, key, server, sink) {
                    if tool.value == "*" {
                        return Some(AutoApprove::All(tool.span));
                    }
                    tools.push(tool);
                }
            }
            _ => type_problem(sink, key, node, "a list of tool names", server),
        }
    }
    (found && !tools.is_empty()).then_some(AutoApprove::Tools(tools))
}

/// Optional string field.
pub(crate) fn string(
    entry: &Node,
    key: &str,
    server: &str,
    sink: &mut Sink,
) -> Option<Spanned<String>> {
    let node = entry.get(key)?;
    match node.spanned_str() {
        Some(s) => Some(s),
        None if matches!(node.value, Value::Null) => None,
        None => {
            type_problem(sink, key, node, "a string", server);
            None
        }
    }
}

/// Optional list of strings; non-string items are reported and skipped.
pub(crate) fn string_list(
    entry: &Node,
    key: &str,
    server: &str,
    sink: &mut Sink,
) -> Vec<Spanned<String>> {
    let Some(node) = entry.get(key) else {
        return Vec::new();
    };
    let Some(items) = node.as_array() else {
        if !matches!(node.value, Value::Null) {
            type_problem(sink, key, node, "a list of strings", server);
        }
        return Vec::new();
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item.spanned_str() {
            Some(s) => out.push(s),
            None => sink.problem(
                format!("an item of `{key}` of server `{server}` is {}, expected a string; quote it (the item is ignored)", item.kind()),
                item.span,
                Some(server),
            ),
        }
    }
    out
}

/// Optional map of strings (env, headers); values that are not strings are reported and skipped.
pub(crate) fn string_map(
    entry: &Node,
    key: &str,
    server: &str,
    sink: &mut Sink,
) -> Vec<(Spanned<String>, Spanned<String>)> {
    let Some(node) = entry.get(key) else {
        return Vec::new();
    };
    if !node.is_object() {
        if !matches!(node.value, Value::Null) {
            type_problem(sink, key, node, "an object of names to strings", server);
        }
        return Vec::new();
    }
    let mut out = Vec::new();
    for (name, value) in node.members() {
        match value.spanned_str() {
            Some(v) => out.push((name.clone(), v)),
            None => sink.problem(
                format!(
                    "`{key}.{}` of server `{server}` is {}, expected a string; quote it (the value is ignored)",
                    name.value,
                    value.kind()
                ),
                value.span,
                Some(server),
            ),
        }
    }
    out
}

/// An entry the client cannot start: neither a command nor a URL. It is kept (its other
/// fields are still checked) and reported.
pub(crate) fn require_command_or_url(server: &ServerEntry, entry: &Node, sink: &mut Sink) {
    if server.command.is_none() && server.url.is_none() {
        sink.problem(
            format!("server `{}` has neither a command nor a URL; the client cannot start it. Add one, or remove the entry", server.name),
            entry.span,
            Some(&server.name),
        );
    }
}

pub(crate) fn type_problem(sink: &mut Sink, key: &str, node: &Node, expected: &str, server: &str) {
    sink.problem(
        format!(
            "`{key}` of server `{server}` is {}, expected {expected}; the value is ignored",
            node.kind()
        ),
        node.span,
        Some(server),
    );
}

/// A problem with the file's root (not an object).
/// An empty file (YAML `null` root) has no servers and is not a problem.
pub(crate) fn require_object_root(root: &Node, sink: &mut Sink) -> bool {
    if root.is_object() {
        return true;
    }
    if matches!(root.value, Value::Null) {
        return false;
    }
    sink.problem(
        format!(
            "the file's top level is {}, expected an object; no servers are read",
            root.kind()
        ),
        root.span,
        None,
    );
    false
}
