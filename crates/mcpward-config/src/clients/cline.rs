//! Cline and Roo Code (a Cline fork): VS Code extensions that keep `mcpServers` (common shape)
//! in the host editor's global storage:
//!
//! - Cline: `<editor User dir>/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json`,
//!   and for the Cline CLI `~/.cline/data/settings/cline_mcp_settings.json` (or the file named
//!   by `CLINE_MCP_SETTINGS_PATH`)
//! - Roo Code: `<editor User dir>/globalStorage/rooveterinaryinc.roo-cline/settings/mcp_settings.json`,
//!   plus project `.roo/mcp.json`.
//!
//! The editor User dir is VS Code's (`~/.config/Code/User` on Linux, `~/Library/Application
//! Support/Code/User` on macOS, `%APPDATA%\Code\User` on Windows) or that of another VS Code
//! build the extension runs in (Insiders, VSCodium, Cursor, Windsurf).
//!
//! `alwaysAllow` (and Cline's `autoApprove`) list tools that run without asking; `disabled`
//! turns a server off; a `url` entry without `type` is SSE (`type` may also be
//! `streamableHttp` / `streamable-http`).
//!
//! Secret references: Roo Code expands `${env:VAR}`; Cline passes values verbatim.

use super::mcp_servers::{Dialect, read_server_map, require_object_root};
use super::{ClientSpec, FileFacts, ReferenceSyntax, Sink};
use crate::discovery::{Candidate, PathContext};
use crate::model::{ClientKind, Scope, Transport};
use crate::syntax::Node;

pub(crate) const CLINE: ClientSpec = ClientSpec {
    kind: ClientKind::Cline,
    jsonc: false,
    candidates: cline_candidates,
    detect: detect_cline,
    extract,
    references: &[],
};

pub(crate) const ROO_CODE: ClientSpec = ClientSpec {
    kind: ClientKind::RooCode,
    jsonc: false,
    candidates: roo_candidates,
    detect: detect_roo,
    extract,
    references: &[ReferenceSyntax::EnvColon],
};

const DIALECT: Dialect = Dialect {
    url_keys: &[("url", Transport::Sse)],
    trust_approves_all: false,
    command_may_be_object: false,
};

/// VS Code builds the extensions are installed in.
const HOST_EDITORS: [&str; 5] = ["Code", "Code - Insiders", "VSCodium", "Cursor", "Windsurf"];

fn global_storage(
    cx: &PathContext<'_>,
    extension: &str,
    file: &str,
    kind: ClientKind,
) -> Vec<Candidate> {
    HOST_EDITORS
        .iter()
        .map(|editor| {
            let path = cx
                .app_data()
                .join(editor)
                .join("User")
                .join("globalStorage")
                .join(extension)
                .join("settings")
                .join(file);
            cx.user(path, kind)
        })
        .collect()
}

fn cline_candidates(cx: &PathContext<'_>) -> Vec<Candidate> {
    global_storage(
        cx,
        "saoudrizwan.claude-dev",
        "cline_mcp_settings.json",
        ClientKind::Cline,
    )
}

fn roo_candidates(cx: &PathContext<'_>) -> Vec<Candidate> {
    let mut out = global_storage(
        cx,
        "rooveterinaryinc.roo-cline",
        "mcp_settings.json",
        ClientKind::RooCode,
    );
    out.push(cx.project(
        cx.project.join(".roo").join("mcp.json"),
        ClientKind::RooCode,
    ));
    out
}

fn is_roo_path(f: &FileFacts<'_>) -> bool {
    f.parents
        .iter()
        .any(|p| p.to_ascii_lowercase().contains("roo"))
}

fn detect_cline(f: &FileFacts<'_>) -> Option<Scope> {
    let name = f.file_name.to_ascii_lowercase();
    (name == "cline_mcp_settings.json" || (name.ends_with("_mcp_settings.json") && !is_roo_path(f)))
        .then_some(Scope::User)
}

fn detect_roo(f: &FileFacts<'_>) -> Option<Scope> {
    match f.file_name {
        "mcp.json" if f.parent_is(".roo") => Some(Scope::Project),
        "mcp_settings.json" => Some(Scope::User),
        name if name.ends_with("_mcp_settings.json") && is_roo_path(f) => Some(Scope::User),
        _ => None,
    }
}

fn extract(root: &Node, sink: &mut Sink) {
    if require_object_root(root, sink) {
        read_server_map(root, "mcpServers", &DIALECT, None, sink);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::model::{AutoApprove, ClientKind, Scope, Transport};
    use crate::parse_file;

    #[test]
    fn always_allow_lists_tools_and_star_approves_all() {
        let src = r#"{
  "mcpServers": {
    "github": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-github"],
      "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "<your-token>" },
      "alwaysAllow": ["get_file_contents", "search_repositories"],
      "disabled": false
    },
    "everything": { "url": "http://localhost:3001/sse", "alwaysAllow": ["*"], "disabled": true }
  }
}"#;
        let f = parse_file(
            Path::new("cline_mcp_settings.json"),
            src.into(),
            ClientKind::Cline,
            Scope::User,
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        let Some(AutoApprove::Tools(tools)) = &f.servers[0].auto_approve else {
            panic!()
        };
        assert_eq!(tools.len(), 2);
        assert_eq!((tools[1].span.line, tools[1].span.col), (7, 45));
        assert!(!f.servers[0].disabled);
        let everything = &f.servers[1];
        assert!(matches!(everything.auto_approve, Some(AutoApprove::All(_))));
        assert!(everything.disabled);
        assert_eq!(everything.transport, Transport::Sse);
    }

    #[test]
    fn roo_project_file_reads_streamable_http_type() {
        let src = r#"{"mcpServers": {"r": {"type": "streamable-http", "url": "https://x.test/mcp", "headers": {"Authorization": "Bearer ${env:TOKEN}"}}}}"#;
        let f = parse_file(
            Path::new(".roo/mcp.json"),
            src.into(),
            ClientKind::RooCode,
            Scope::Project,
        );
        assert_eq!(f.servers[0].transport, Transport::Http);
        assert_eq!(f.servers[0].headers[0].1.value, "Bearer ${env:TOKEN}");
    }
}
