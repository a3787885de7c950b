//! LM Studio: `~/.lmstudio/mcp.json` (every OS; `%USERPROFILE%\.lmstudio\` on Windows),
//! top-level `mcpServers` in the Cursor notation. Some macOS installs keep the file in
//! `~/.cache/lm-studio/` (LM Studio's older home directory), which is checked too.
//!
//! Secret references: none known; values are passed verbatim.

use super::mcp_servers::{STANDARD, read_server_map, require_object_root};
use super::{ClientSpec, FileFacts, Sink};
use crate::discovery::{Candidate, PathContext};
use crate::model::{ClientKind, Scope};
use crate::syntax::Node;

pub(crate) const SPEC: ClientSpec = ClientSpec {
    kind: ClientKind::LmStudio,
    jsonc: false,
    candidates,
    detect,
    extract,
    references: &[],
};

fn candidates(cx: &PathContext<'_>) -> Vec<Candidate> {
    vec![
        cx.user(cx.home.join(".lmstudio").join("mcp.json"), SPEC.kind),
        cx.user(
            cx.home.join(".cache").join("lm-studio").join("mcp.json"),
            SPEC.kind,
        ),
    ]
}

fn detect(f: &FileFacts<'_>) -> Option<Scope> {
    (f.file_name == "mcp.json" && (f.parent_is(".lmstudio") || f.parent_is("lm-studio")))
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
    fn reads_mcp_servers_and_headers() {
        let src = r#"{"mcpServers": {"hf": {"url": "https://huggingface.co/mcp", "headers": {"Authorization": "Bearer <token>"}}}}"#;
        let f = parse_file(
            Path::new("mcp.json"),
            src.into(),
            ClientKind::LmStudio,
            Scope::User,
        );
        assert_eq!(f.servers[0].transport, Transport::Http);
        assert_eq!(f.servers[0].headers[0].0.value, "Authorization");
        assert_eq!(
            &src[f.servers[0].headers[0].1.span.range()],
            "Bearer <token>"
        );
    }
}
