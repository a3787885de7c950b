//! Whatever the bytes, parsing returns data (never a panic) and every span points inside the
//! source.

use std::path::Path;

use mcpward_config::syntax::{self, Node, Value};
use mcpward_config::{ClientKind, ConfigFile, Format, Scope, parse_file};
use mcpward_core::Span;
use proptest::prelude::*;

const FORMATS: [Format; 4] = [Format::Json, Format::Jsonc, Format::Toml, Format::Yaml];

fn span_inside(span: Span, source: &str) -> bool {
    span.offset + span.len <= source.len()
        && source.is_char_boundary(span.offset)
        && source.is_char_boundary(span.offset + span.len)
        && span.line >= 1
        && span.col >= 1
}

fn check_tree(node: &Node, source: &str) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        assert!(
            span_inside(n.span, source),
            "{:?} outside {} bytes",
            n.span,
            source.len()
        );
        match &n.value {
            Value::Array(items) => stack.extend(items.iter()),
            Value::Object(members) => {
                for (k, v) in members {
                    assert!(span_inside(k.span, source), "key {:?}", k.span);
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
}

fn check_file(file: &ConfigFile) {
    let src = &file.source;
    for p in &file.problems {
        assert!(span_inside(p.span, src), "problem {p:?}");
    }
    for switch in &file.switches {
        assert!(span_inside(switch.span, src), "{switch:?}");
        assert!(span_inside(switch.key.span, src), "{switch:?}");
    }
    for s in &file.servers {
        assert!(span_inside(s.span, src));
        let strings = s
            .command
            .iter()
            .chain(&s.args)
            .chain(&s.url)
            .chain(&s.cwd)
            .chain(&s.env_passthrough)
            .chain(s.env.iter().flat_map(|(k, v)| [k, v]))
            .chain(s.headers.iter().flat_map(|(k, v)| [k, v]));
        for value in strings {
            assert!(span_inside(value.span, src), "{value:?}");
        }
    }
}

/// Text that looks like configs often enough to reach the client readers.
fn config_like() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
        "\"",
        "'",
        "\n",
        "  ",
        "- ",
        "=",
        "#",
        "//",
        "/*",
        "*/",
        "&a ",
        "*a",
        "---",
        "\"mcpServers\"",
        "mcpServers:",
        "\"servers\"",
        "\"context_servers\"",
        "[mcp_servers.x]",
        "extensions:",
        "\"command\"",
        "command",
        "cmd:",
        "\"args\"",
        "args",
        "\"env\"",
        "\"url\"",
        "\"headers\"",
        "\"trust\"",
        "\"alwaysAllow\"",
        "\"*\"",
        "true",
        "null",
        "1",
        "\"é\"",
        "ü",
        "\"projects\"",
        "\"name\"",
        "name:",
        "\"command\": {\"path\": \"x\"}",
        "\\u0000",
        "\\",
        "\t",
        "\r\n",
        "${{ secrets.X }}",
        "type: builtin",
        "\"permissions\"",
        "\"allow\"",
        "\"deny\"",
        "\"mcp__github\"",
        "\"mcp__a__b(*)\"",
        "\"enableAllProjectMcpServers\"",
        "\"enabledMcpjsonServers\"",
        "\"disabledMcpjsonServers\"",
        "\"defaultMode\": \"bypassPermissions\"",
        "\"chat.tools.global.autoApprove\"",
        "\"chat.tools.autoApprove\"",
        "[profiles.x]",
        "approval_policy = \"never\"",
        "profile = \"x\"",
        "default_tools_approval_mode = \"approve\"",
    ]);
    prop::collection::vec(pieces, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn syntax_parse_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let source = String::from_utf8_lossy(&bytes).into_owned();
        for format in FORMATS {
            match syntax::parse(&source, format) {
                Ok(tree) => check_tree(&tree, &source),
                Err(problem) => prop_assert!(span_inside(problem.span, &source)),
            }
        }
    }

    #[test]
    fn syntax_parse_never_panics_on_config_like_text(source in config_like()) {
        for format in FORMATS {
            match syntax::parse(&source, format) {
                Ok(tree) => check_tree(&tree, &source),
                Err(problem) => prop_assert!(span_inside(problem.span, &source)),
            }
        }
    }

    #[test]
    fn parse_file_never_panics_for_any_client(source in config_like(), bytes in prop::collection::vec(any::<u8>(), 0..100)) {
        let noise = String::from_utf8_lossy(&bytes).into_owned();
        for client in ClientKind::ALL {
            for name in ["config.json", "config.toml", "config.yaml", "settings.json", "settings.local.json"] {
                for text in [&source, &noise] {
                    let file = parse_file(Path::new(name), text.clone(), client, Scope::User);
                    check_file(&file);
                }
            }
        }
    }
}

/// `n` servers, one per line, in JSON or TOML.
fn document(format: Format, n: usize) -> Vec<String> {
    match format {
        Format::Toml => (0..n)
            .map(|i| format!("[mcp_servers.s{i}]\ncommand = \"c{i}\""))
            .collect(),
        _ => {
            let mut lines = vec!["{\"mcpServers\": {".to_string()];
            lines.extend((0..n).map(|i| format!("  \"s{i}\": {{\"command\": \"c{i}\"}},")));
            if let Some(last) = lines.last_mut() {
                last.pop();
            }
            lines.push("}}".to_string());
            lines
        }
    }
}

proptest! {
    #[test]
    fn syntax_error_points_at_the_line_that_has_it(n in 2usize..30, at in 1usize..30, format_index in 0usize..3) {
        let format = [Format::Json, Format::Jsonc, Format::Toml][format_index];
        let mut lines: Vec<String> = document(format, n).join("\n").lines().map(str::to_string).collect();
        let at = at.min(lines.len() - 1);
        lines.insert(at, "@ = = @".to_string());
        let source = lines.join("\n");
        let problem = syntax::parse(&source, format).unwrap_err();
        // JSON reports a missing separator at the end of the previous value, TOML on the line.
        let line = problem.span.line as usize;
        prop_assert!(line == at + 1 || line == at, "{:?} for a broken line {} in\n{}", problem, at + 1, source);
    }
}
