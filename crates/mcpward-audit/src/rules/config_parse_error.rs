//! `config-parse-error`: the file could not be read as configuration at all.

use mcpward_core::{Finding, RuleMeta, Severity};

use crate::context::FileContext;

pub static META: RuleMeta = RuleMeta {
    id: "config-parse-error",
    default_severity: Severity::High,
    summary: "The configuration file does not parse; the client cannot load it.",
    what: "A syntax error (or a top-level value of the wrong shape) stopped the file from being \
read, or the file at a client's path is empty, binary or not UTF-8. mcpward reports where parsing \
stopped; no server of this file was checked. Reported for files found by discovery and for files \
named on the command line: a broken file at a client's path (`~/.codex/config.toml`, Zed's \
`settings.json`, Goose's `config.yaml`...) is never skipped as \"not a configuration\".",
    why: "The client cannot load this file either: its servers silently disappear, or the client \
refuses to start. A broken file also hides every other problem in it from this audit.",
    example_bad: r#"{
  "mcpServers": {
    "github": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], }
  }
"#,
    example_fixed: r#"{
  "mcpServers": {
    "github": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@2025.4.8"] }
  }
}"#,
};

/// One finding per file-level problem (problems outside any server entry).
pub(crate) fn check(cx: &FileContext<'_>, out: &mut Vec<Finding>) {
    for p in cx.file.problems.iter().filter(|p| p.server.is_none()) {
        let fix = if p.message.starts_with("the file is empty") {
            "delete the file if the client should start no servers from it; otherwise write its servers (see docs/clients.md for the shape)"
        } else if p.message.starts_with("the file is binary")
            || p.message.contains("not valid UTF-8")
        {
            "restore the file from a backup or version control, or rewrite it as UTF-8 text, then run `mcpward audit` again"
        } else {
            "fix the syntax at this position (a JSON/TOML/YAML validator shows the exact cause), then run `mcpward audit` again"
        };
        out.push(
            cx.finding(
                &META,
                None,
                p.span,
                format!(
                    "{} cannot load this file: {}",
                    cx.file.client.name(),
                    p.message
                ),
            )
            .fix(fix),
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
    fn reports_file_level_parse_problem_with_its_position() {
        let mut file = Builder::new(ClientKind::ClaudeDesktop, "{ \"mcpServers\": ").build();
        file.problems.push(ParseProblem {
            message: "unexpected end of input".into(),
            span: Span::at(1, 17),
            server: None,
        });
        let f = run(check, &file);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, "config-parse-error");
        assert_eq!(f[0].span, Some(Span::at(1, 17)));
        assert!(f[0].message.contains("unexpected end of input"));
    }

    #[test]
    fn ignores_entry_level_problems() {
        let mut file = Builder::new(ClientKind::ClaudeDesktop, "{}").build();
        file.problems.push(ParseProblem {
            message: "args is not a list".into(),
            span: Span::at(1, 1),
            server: Some("x".into()),
        });
        assert!(run(check, &file).is_empty());
    }
}
