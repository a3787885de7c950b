//! Windsurf: `~/.codeium/windsurf/mcp_config.json` (every OS; under `%USERPROFILE%` on
//! Windows), top-level `mcpServers` in the common shape; remote servers use `serverUrl`
//! (or `url`).
//!
//! Secret references: `${env:VAR}` in `command`, `args`, `env`, `serverUrl`, `url`, `headers`.

use super::mcp_servers::{Dialect, read_server_map, require_object_root};
use super::{ClientSpec, FileFacts, ReferenceSyntax, Sink};
use crate::discovery::{Candidate, PathContext};
use crate::model::{ClientKind, Scope, Transport};
use crate::syntax::Node;

pub(crate) const SPEC: ClientSpec = ClientSpec {
    kind: ClientKind::Windsurf,
    jsonc: false,
    candidates,
    detect,
    extract,
    references: &[ReferenceSyntax::EnvColon],
};

const DIALECT: Dialect = Dialect {
    url_keys: &[("url", Transport::Http), ("serverUrl", Transport::Http)],
    trust_approves_all: false,
    command_may_be_object: false,
};

fn candidates(cx: &PathContext<'_>) -> Vec<Candidate> {
    vec![
        cx.user(
            cx.home
                .join(".codeium")
                .join("windsurf")
                .join("mcp_config.json"),
            SPEC.kind,
        ),
    ]
}

fn detect(f: &FileFacts<'_>) -> Option<Scope> {
    (f.file_name == "mcp_config.json" && (f.under("windsurf") || f.has_json_key("mcpServers")))
        .then_some(Scope::User)
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
    fn reads_server_url_and_disabled_entries() {
        let src = r#"{
  "mcpServers": {
    "figma": { "serverUrl": "http://127.0.0.1:3845/mcp", "disabled": true },
    "git": { "command": "uvx", "args": ["mcp-server-git"], "alwaysAllow": ["git_status"] }
  }
}"#;
        let f = parse_file(
            Path::new("mcp_config.json"),
            src.into(),
            ClientKind::Windsurf,
            Scope::User,
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(f.servers[0].transport, Transport::Http);
        assert_eq!(
            f.servers[0].url.as_ref().unwrap().value,
            "http://127.0.0.1:3845/mcp"
        );
        assert!(f.servers[0].disabled);
        let Some(AutoApprove::Tools(tools)) = &f.servers[1].auto_approve else {
            panic!()
        };
        assert_eq!(tools[0].value, "git_status");
    }
}
