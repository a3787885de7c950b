//! `invalid-server-entry`: one server entry, or one of its fields, has the wrong shape.

use mcpward_core::{Finding, RuleMeta, Severity};

use crate::context::FileContext;

pub static META: RuleMeta = RuleMeta {
    id: "invalid-server-entry",
    default_severity: Severity::Medium,
    summary: "A server entry has the wrong shape; the client skips it or fails on it.",
    what: "A server entry whose fields have the wrong type (args not a list, env values not \
strings, neither `command` nor `url`...). The other entries of the file were still checked.",
    why: "The client will not start this server the way the file suggests, and mcpward could not \
check what it would run. A half-understood entry is also where typos that change behaviour hide \
(a misspelt `--read-only` flag, a URL in the wrong field).",
    example_bad: r#"{ "mcpServers": { "fetch": { "command": "uvx", "args": "mcp-server-fetch" } } }"#,
    example_fixed: r#"{ "mcpServers": { "fetch": { "command": "uvx", "args": ["mcp-server-fetch==2025.4.7"] } } }"#,
};

pub(crate) fn check(cx: &FileContext<'_>, out: &mut Vec<Finding>) {
    for p in &cx.file.problems {
        let Some(server) = &p.server else { continue };
        // Most field problems leave the entry in place (the bad value is ignored and the rest
        // checked); only an entry that could not be read at all was skipped.
        let kept = cx.file.servers.iter().any(|s| &s.name == server);
        let message = if !kept {
            format!("server `{server}` was skipped: {}", p.message)
        } else if p.message.contains(&format!("`{server}`")) {
            p.message.clone()
        } else {
            format!("server `{server}`: {}", p.message)
        };
        out.push(
            cx.finding(&META, None, p.span, message)
                .server(server.clone())
                .fix("correct the entry's shape as described; see the client's MCP configuration documentation"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::test_support::{Builder, run};
    use mcpward_config::{ClientKind, ParseProblem};
    use mcpward_core::Span;

    #[test]
    fn reports_bad_entry_with_server_name() {
        let mut file = Builder::new(ClientKind::Cursor, "{}").build();
        file.problems.push(ParseProblem {
            message: "`args` must be a list of strings".into(),
            span: Span::at(3, 5),
            server: Some("fetch".into()),
        });
        let f = run(check, &file);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].server.as_deref(), Some("fetch"));
        assert_eq!(f[0].client.as_deref(), Some("cursor"));
    }

    #[test]
    fn says_skipped_only_for_entries_that_were_not_read() {
        let mut file = Builder::new(ClientKind::Cursor, "{}")
            .stdio("fetch", "uvx", &["mcp-server-fetch==2025.4.7"])
            .build();
        for server in ["fetch", "broken"] {
            file.problems.push(ParseProblem {
                message: format!("`disabled` of server `{server}` is a string, expected a boolean"),
                span: Span::at(3, 5),
                server: Some(server.into()),
            });
        }
        let f = run(check, &file);
        assert!(!f[0].message.contains("skipped"), "{}", f[0].message);
        assert!(
            f[1].message.contains("`broken` was skipped"),
            "{}",
            f[1].message
        );
    }

    #[test]
    fn ignores_file_level_problems() {
        let mut file = Builder::new(ClientKind::Cursor, "{").build();
        file.problems.push(ParseProblem {
            message: "eof".into(),
            span: Span::at(1, 1),
            server: None,
        });
        assert!(run(check, &file).is_empty());
    }
}
