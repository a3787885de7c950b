//! Gemini CLI: `~/.gemini/settings.json` (user) and `.gemini/settings.json` (project),
//! top-level `mcpServers`. Each entry has one of `command` (stdio), `url` (SSE) or `httpUrl`
//! (Streamable HTTP), plus `args`, `env`, `cwd`, `headers`; `trust: true` skips every tool
//! confirmation for that server. Comments are allowed in the file.
//!
//! Secret references: `$VAR` and `${VAR}`, expanded in `env` values and other strings.

use super::mcp_servers::{Dialect, read_server_map, require_object_root};
use super::{ClientSpec, FileFacts, ReferenceSyntax, Sink};
use crate::discovery::{Candidate, PathContext};
use crate::model::{ClientKind, Scope, Transport};
use crate::syntax::Node;

pub(crate) const SPEC: ClientSpec = ClientSpec {
    kind: ClientKind::GeminiCli,
    jsonc: true,
    candidates,
    detect,
    extract,
    references: &[ReferenceSyntax::Dollar, ReferenceSyntax::DollarBrace],
};

const DIALECT: Dialect = Dialect {
    url_keys: &[("url", Transport::Sse), ("httpUrl", Transport::Http)],
    trust_approves_all: true,
    command_may_be_object: false,
};

fn candidates(cx: &PathContext<'_>) -> Vec<Candidate> {
    vec![
        cx.user(cx.home.join(".gemini").join("settings.json"), SPEC.kind),
        cx.project(cx.project.join(".gemini").join("settings.json"), SPEC.kind),
    ]
}

fn detect(f: &FileFacts<'_>) -> Option<Scope> {
    if f.file_name != "settings.json" || !f.has_json_key("mcpServers") {
        return None;
    }
    Some(if f.parent_is(".gemini") {
        f.dot_dir_scope()
    } else {
        Scope::User
    })
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
    fn trust_true_approves_every_tool_and_url_kinds_map_to_transports() {
        let src = r#"{
  "theme": "GitHub",
  "mcpServers": {
    "local": { "command": "python", "args": ["-m", "srv"], "cwd": "./srv", "trust": true, "env": { "API_KEY": "$MY_KEY" } },
    "events": { "url": "http://localhost:8080/sse" },
    "stream": { "httpUrl": "https://example.test/mcp", "headers": { "X-Api-Key": "${KEY}" } }
  }
}"#;
        let f = parse_file(
            Path::new(".gemini/settings.json"),
            src.into(),
            ClientKind::GeminiCli,
            Scope::Project,
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        let local = &f.servers[0];
        let Some(AutoApprove::All(span)) = local.auto_approve else {
            panic!("{:?}", local.auto_approve)
        };
        assert_eq!(&src[span.range()], "true");
        assert_eq!(local.cwd.as_ref().unwrap().value, "./srv");
        assert_eq!(f.servers[1].transport, Transport::Sse);
        assert_eq!(f.servers[2].transport, Transport::Http);
        assert_eq!(f.servers[2].headers[0].1.value, "${KEY}");
    }

    #[test]
    fn non_boolean_trust_is_a_problem_naming_the_server() {
        let src = r#"{"mcpServers": {"x": {"command": "x", "trust": "yes"}}}"#;
        let f = parse_file(
            Path::new("settings.json"),
            src.into(),
            ClientKind::GeminiCli,
            Scope::User,
        );
        assert_eq!(f.problems.len(), 1);
        assert_eq!(f.problems[0].server.as_deref(), Some("x"));
        assert_eq!(f.servers[0].auto_approve, None);
    }
}
