//! The pending approvals as the page shows them: what will happen if the person approves.

use std::path::Path;

use mcpward_core::display::{argument_entries, escape};
use mcpward_gateway::queue::{self, ApprovalRequest};

/// One waiting call, every part made safe to show (control, bidi and invisible characters
/// escaped; HTML escaping is the template's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCall {
    pub id: String,
    pub server: String,
    pub tool: String,
    pub session: String,
    /// Why the policy asks.
    pub reason: String,
    /// Arguments that name where the call acts (paths, files, URIs), shown first and large.
    pub targets: Vec<Argument>,
    /// The other arguments, short ones first, long ones cut (see [`argument_entries`]).
    pub arguments: Vec<Argument>,
}

/// One argument as [`argument_entries`] shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Argument {
    pub name: String,
    pub value: String,
}

/// The calls waiting in `state_dir`'s queue, oldest first.
pub fn load(state_dir: &Path) -> std::io::Result<Vec<PendingCall>> {
    Ok(queue::pending(state_dir)?.iter().map(describe).collect())
}

/// How the page shows one request.
pub fn describe(r: &ApprovalRequest) -> PendingCall {
    let mut targets = Vec::new();
    let mut arguments = Vec::new();
    for (name, value) in argument_entries(&r.arguments_masked) {
        let target = names_a_target(&name);
        let arg = Argument { name, value };
        if target {
            targets.push(arg);
        } else {
            arguments.push(arg);
        }
    }
    PendingCall {
        id: escape(&r.id).into_owned(),
        server: escape(&r.server).into_owned(),
        tool: escape(&r.tool).into_owned(),
        session: escape(&r.session).into_owned(),
        reason: escape(&r.reason).into_owned(),
        targets,
        arguments,
    }
}

/// Argument names that say where a call acts: `path`, `source`, `destination`, `uri`,
/// `file_path`, `targetDir`…
fn names_a_target(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    const EXACT: [&str; 10] = [
        "path",
        "paths",
        "source",
        "destination",
        "file",
        "filename",
        "dir",
        "directory",
        "uri",
        "url",
    ];
    EXACT.contains(&n.as_str())
        || n.ends_with("path")
        || n.ends_with("_file")
        || n.ends_with("dir")
        || n.ends_with("uri")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(arguments: serde_json::Value) -> ApprovalRequest {
        ApprovalRequest {
            id: "abc234".into(),
            session: "s1".into(),
            server: "filesystem".into(),
            tool: "write_file".into(),
            arguments_masked: arguments,
            reason: "writes need review".into(),
        }
    }

    #[test]
    fn the_target_path_comes_first_and_long_content_is_cut() {
        let call = describe(&request(json!({
            "content": "x".repeat(5000),
            "path": "/home/a-example/.ssh/authorized_keys",
            "mode": 420,
        })));
        assert_eq!(
            call.targets,
            [Argument {
                name: "path".into(),
                value: "\"/home/a-example/.ssh/authorized_keys\"".into()
            }]
        );
        assert_eq!(call.arguments[0].name, "mode");
        assert_eq!(call.arguments[1].name, "content");
        assert!(call.arguments[1].value.ends_with("(5000 chars)"));
    }

    #[test]
    fn names_from_the_server_cannot_act_on_the_display() {
        let mut r = request(json!({"path\u{202e}": "a\rb"}));
        r.tool = "write_file\u{1b}[2K\u{202e}read_notes".into();
        r.reason = "ok\u{200b}".into();
        let call = describe(&r);
        assert_eq!(call.tool, r"write_file\u{1b}[2K\u{202e}read_notes");
        assert_eq!(call.reason, r"ok\u{200b}");
        assert_eq!(call.targets.len() + call.arguments.len(), 1);
        let only = call.targets.iter().chain(&call.arguments).next().unwrap();
        assert_eq!(only.name, r"path\u{202e}");
        assert_eq!(only.value, r#""a\rb""#);
    }

    #[test]
    fn an_argument_name_containing_the_separator_is_kept_whole() {
        let call = describe(&request(json!({"a: b": "c"})));
        let only = &call.arguments[0];
        assert_eq!((only.name.as_str(), only.value.as_str()), ("a: b", "\"c\""));
    }
}
