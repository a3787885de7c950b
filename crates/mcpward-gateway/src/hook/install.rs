//! `mcpward check --install`: registers (or removes) the `PreToolUse` hook in a Claude Code
//! settings file, editing the text at the parser's spans so every other byte (comments, order,
//! indentation) stays as the person left it.

use mcpward_config::Format;
use mcpward_config::syntax::{self, Node, Value};

/// Matcher of the hook entry: every MCP tool.
pub const MATCHER: &str = "mcp__.*";

/// The new text of a settings file, or `None` when nothing changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookEdit {
    /// Write this text.
    Write(String),
    /// The file already says what was asked.
    Unchanged,
}

/// Why a settings file cannot be edited.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HookEditError {
    #[error("line {line}, column {col}: {message}")]
    Parse {
        line: usize,
        col: usize,
        message: String,
    },
    #[error("{what} is {found}, not {expected}; fix it by hand, then run again")]
    Shape {
        what: &'static str,
        found: &'static str,
        expected: &'static str,
    },
}

/// Whether a hook command is mcpward's: `mcpward check …` or `<path>/mcpward check …`.
pub fn is_mcpward_check(command: &str) -> bool {
    let mut words = command.split_whitespace();
    let program = words.next().unwrap_or_default();
    let program = program.trim_matches(['"', '\'']);
    let name = program.rsplit(['/', '\\']).next().unwrap_or(program);
    matches!(name, "mcpward" | "mcpward.exe") && words.next() == Some("check")
}

/// `source` (may be empty: a new file) with a `PreToolUse` entry running `command` for MCP tools.
/// Unchanged when an mcpward check hook is already registered.
pub fn install(source: &str, command: &str) -> Result<HookEdit, HookEditError> {
    let entry = format!(
        r#"{{ "matcher": {}, "hooks": [{{ "type": "command", "command": {} }}] }}"#,
        json_string(MATCHER),
        json_string(command)
    );
    if source.trim().is_empty() {
        return Ok(HookEdit::Write(format!(
            "{{\n  \"hooks\": {{\n    \"PreToolUse\": [\n      {entry}\n    ]\n  }}\n}}\n"
        )));
    }
    let root = parse(source)?;
    let Value::Object(_) = &root.value else {
        return Err(shape("the settings file", &root, "an object"));
    };
    let Some(hooks) = root.get("hooks") else {
        let property = format!("\"hooks\": {{\n    \"PreToolUse\": [\n      {entry}\n    ]\n  }}");
        return Ok(HookEdit::Write(insert_member(source, &root, &property)));
    };
    let Value::Object(_) = &hooks.value else {
        return Err(shape("`hooks`", hooks, "an object"));
    };
    let Some(pre) = hooks.get("PreToolUse") else {
        let property = format!("\"PreToolUse\": [\n      {entry}\n    ]");
        return Ok(HookEdit::Write(insert_member(source, hooks, &property)));
    };
    let Value::Array(items) = &pre.value else {
        return Err(shape("`hooks.PreToolUse`", pre, "an array"));
    };
    if items.iter().any(is_mcpward_entry) {
        return Ok(HookEdit::Unchanged);
    }
    Ok(HookEdit::Write(insert_element(source, pre, items, &entry)))
}

/// `source` without the `PreToolUse` entries that run mcpward check.
pub fn uninstall(source: &str) -> Result<HookEdit, HookEditError> {
    if source.trim().is_empty() {
        return Ok(HookEdit::Unchanged);
    }
    let root = parse(source)?;
    let Some(Value::Array(items)) = root
        .get("hooks")
        .and_then(|h| h.get("PreToolUse"))
        .map(|p| &p.value)
    else {
        return Ok(HookEdit::Unchanged);
    };
    let ours: Vec<usize> = (0..items.len())
        .filter(|&i| is_mcpward_entry(&items[i]))
        .collect();
    if ours.is_empty() {
        return Ok(HookEdit::Unchanged);
    }
    let mut text = source.to_owned();
    // From the end, so earlier offsets stay valid.
    for &i in ours.iter().rev() {
        let span = &items[i].span;
        let prev_end = i
            .checked_sub(1)
            .map(|p| items[p].span.offset + items[p].span.len);
        remove_listed(&mut text, span.offset, span.offset + span.len, prev_end);
    }
    // Leave no empty `PreToolUse` (or `hooks`) that only mcpward's entry filled.
    for path in [&["hooks", "PreToolUse"][..], &["hooks"][..]] {
        let root = parse(&text)?;
        let (Some(parent), Some(name)) = (
            path[..path.len() - 1]
                .iter()
                .try_fold(&root, |node, key| node.get(key)),
            path.last(),
        ) else {
            break;
        };
        let Value::Object(members) = &parent.value else {
            break;
        };
        let Some(at) = members.iter().position(|(k, _)| k.value == *name) else {
            break;
        };
        let (key, value) = &members[at];
        let empty = match &value.value {
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            _ => false,
        };
        if !empty {
            break;
        }
        let prev_end = at.checked_sub(1).map(|p| {
            let v = &members[p].1.span;
            v.offset + v.len
        });
        // A key's span may or may not include its opening quote.
        let start = if text[key.span.offset..].starts_with('"') {
            key.span.offset
        } else {
            text[..key.span.offset]
                .rfind('"')
                .unwrap_or(key.span.offset)
        };
        remove_listed(
            &mut text,
            start,
            value.span.offset + value.span.len,
            prev_end,
        );
    }
    Ok(HookEdit::Write(text))
}

/// Removes `start..end`, an element of a list (array or object members), with the comma that
/// joins it to its neighbour (the one before it when there is one, else the one after it) and
/// the indentation that led up to it, so no blank line is left behind.
fn remove_listed(text: &mut String, start: usize, end: usize, prev_end: Option<usize>) {
    let bytes = text.as_bytes();
    let (mut start, mut end) = (start, end);
    // The previous element's span may stop before its closing quote.
    let joining_comma = prev_end.and_then(|prev| {
        let between = &text[prev..start];
        let comma = between.rfind(',')?;
        (between[..comma]
            .chars()
            .all(|c| c == '"' || c.is_whitespace())
            && between[comma + 1..].trim().is_empty())
        .then_some(prev + comma)
    });
    match joining_comma {
        Some(comma) => start = comma,
        None => {
            let mut j = end;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            if bytes.get(j) == Some(&b',') {
                end = j + 1;
            }
        }
    }
    // The only element: the list becomes empty, written as `{}` / `[]`.
    let after = text[end..].trim_start();
    let before = text[..start].trim_end();
    if prev_end.is_none() && after.starts_with(['}', ']']) && before.ends_with(['{', '[']) {
        let close = text.len() - after.len();
        text.replace_range(before.len()..close, "");
        return;
    }
    while start > 0 && matches!(bytes[start - 1], b' ' | b'\t') {
        start -= 1;
    }
    if start > 0 && bytes[start - 1] == b'\n' && text[end..].starts_with(['\n', ' ']) {
        start -= 1;
    }
    text.replace_range(start..end, "");
}

fn is_mcpward_entry(entry: &Node) -> bool {
    entry
        .get("hooks")
        .and_then(Node::as_array)
        .is_some_and(|hooks| {
            hooks.iter().any(|h| {
                h.get("command")
                    .and_then(Node::as_str)
                    .is_some_and(is_mcpward_check)
            })
        })
}

fn parse(source: &str) -> Result<Node, HookEditError> {
    syntax::parse(source, Format::Jsonc).map_err(|p| HookEditError::Parse {
        line: p.span.line as usize,
        col: p.span.col as usize,
        message: p.message,
    })
}

fn shape(what: &'static str, node: &Node, expected: &'static str) -> HookEditError {
    HookEditError::Shape {
        what,
        found: node.kind(),
        expected,
    }
}

/// Adds `property` as the last member of `object` (whose span covers its braces).
fn insert_member(source: &str, object: &Node, property: &str) -> String {
    let close = object.span.offset + object.span.len - 1;
    let inner = &source[object.span.offset + 1..close];
    let has_members = matches!(&object.value, Value::Object(m) if !m.is_empty());
    let indent = member_indent(source, object);
    let before = inner.trim_end();
    let insert_at = object.span.offset + 1 + before.len();
    let mut out = String::with_capacity(source.len() + property.len() + 8);
    out.push_str(&source[..insert_at]);
    if has_members {
        out.push(',');
    }
    out.push('\n');
    out.push_str(&indent);
    out.push_str(property);
    out.push('\n');
    out.push_str(&closing_indent(source, object));
    out.push_str(&source[close..]);
    out
}

/// Appends `element` to `array`.
fn insert_element(source: &str, array: &Node, items: &[Node], element: &str) -> String {
    let close = array.span.offset + array.span.len - 1;
    match items.last() {
        Some(last) => {
            let at = last.span.offset + last.span.len;
            let indent = line_indent(source, last.span.offset);
            format!("{},\n{indent}{element}{}", &source[..at], &source[at..])
        }
        None => {
            let indent = format!("{}  ", closing_indent(source, array));
            format!(
                "{}\n{indent}{element}\n{}{}",
                &source[..array.span.offset + 1],
                closing_indent(source, array),
                &source[close..]
            )
        }
    }
}

/// Indentation of the members of `object`: that of its first member, else its own plus two.
fn member_indent(source: &str, object: &Node) -> String {
    match &object.value {
        Value::Object(members) if !members.is_empty() => {
            line_indent(source, members[0].0.span.offset)
        }
        _ => format!("{}  ", closing_indent(source, object)),
    }
}

/// Indentation of the line where `node` starts.
fn closing_indent(source: &str, node: &Node) -> String {
    line_indent(source, node.span.offset)
}

fn line_indent(source: &str, offset: usize) -> String {
    let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    source[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

fn json_string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CMD: &str = "mcpward check --policy /home/u-example/.config/mcpward/policy.toml";

    fn written(edit: HookEdit) -> String {
        match edit {
            HookEdit::Write(t) => t,
            HookEdit::Unchanged => panic!("expected a change"),
        }
    }

    fn entries(text: &str) -> Vec<serde_json::Value> {
        let root = syntax::parse(text, Format::Jsonc).expect("still valid JSONC");
        root.get("hooks")
            .and_then(|h| h.get("PreToolUse"))
            .and_then(Node::as_array)
            .map(|a| {
                a.iter()
                    .map(|n| {
                        let slice = &text[n.span.offset..n.span.offset + n.span.len];
                        serde_json::from_str(slice).unwrap()
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn new_file_gets_the_hook() {
        let text = written(install("", CMD).unwrap());
        let e = entries(&text);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0]["matcher"], MATCHER);
        assert_eq!(e[0]["hooks"][0]["command"], CMD);
    }

    #[test]
    fn other_settings_and_comments_survive_and_the_hook_is_added_last() {
        let source = "{\n  // my settings\n  \"model\": \"opus\",\n  \"permissions\": { \"allow\": [\"Bash(ls)\"] }\n}\n";
        let text = written(install(source, CMD).unwrap());
        assert!(text.starts_with("{\n  // my settings\n  \"model\": \"opus\",\n  \"permissions\": { \"allow\": [\"Bash(ls)\"] },\n  \"hooks\""), "{text}");
        assert_eq!(entries(&text).len(), 1);
        // Installing twice changes nothing.
        assert_eq!(install(&text, CMD).unwrap(), HookEdit::Unchanged);
    }

    #[test]
    fn existing_pre_tool_use_hooks_are_kept_and_ours_appended() {
        let source = r#"{
  "hooks": {
    "PreToolUse": [
      { "matcher": "Bash", "hooks": [{ "type": "command", "command": "audit-bash" }] }
    ],
    "PostToolUse": []
  }
}
"#;
        let text = written(install(source, CMD).unwrap());
        let e = entries(&text);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0]["matcher"], "Bash");
        assert_eq!(e[1]["hooks"][0]["command"], CMD);
        // Uninstall gives back the file as it was.
        assert_eq!(written(uninstall(&text).unwrap()), source);
    }

    #[test]
    fn uninstall_of_what_install_added_restores_the_file_byte_for_byte() {
        for source in [
            "{\n  \"model\": \"opus\"\n}\n",
            "{\n  \"hooks\": {\n    \"Stop\": []\n  }\n}\n",
            "{}\n",
        ] {
            let text = written(install(source, CMD).unwrap());
            assert_eq!(written(uninstall(&text).unwrap()), source, "{text}");
        }
    }

    #[test]
    fn hooks_without_pre_tool_use_gets_the_array() {
        let source = "{\n  \"hooks\": {\n    \"Stop\": []\n  }\n}\n";
        let text = written(install(source, CMD).unwrap());
        assert_eq!(entries(&text).len(), 1);
        assert!(text.contains("\"Stop\": []"), "{text}");
    }

    #[test]
    fn uninstall_removes_only_mcpwards_entries() {
        let source = r#"{ "hooks": { "PreToolUse": [
  { "matcher": "mcp__.*", "hooks": [{ "type": "command", "command": "/usr/local/bin/mcpward check" }] },
  { "matcher": "Bash", "hooks": [{ "type": "command", "command": "mcpward-lookalike check" }] }
] } }"#;
        let text = written(uninstall(source).unwrap());
        let e = entries(&text);
        assert_eq!(e.len(), 1, "{text}");
        assert_eq!(e[0]["matcher"], "Bash");
        assert_eq!(uninstall(&text).unwrap(), HookEdit::Unchanged);
    }

    #[test]
    fn settings_that_are_not_an_object_are_refused_not_overwritten() {
        assert!(matches!(
            install("[]", CMD),
            Err(HookEditError::Shape { .. })
        ));
        assert!(matches!(
            install("{\"hooks\": []}", CMD),
            Err(HookEditError::Shape { .. })
        ));
        assert!(matches!(
            install("{\"hooks\": ", CMD),
            Err(HookEditError::Parse { .. })
        ));
    }

    #[test]
    fn recognises_mcpward_check_commands_only() {
        assert!(is_mcpward_check("mcpward check"));
        assert!(is_mcpward_check("/opt/bin/mcpward check --policy p.toml"));
        assert!(is_mcpward_check("\"C:\\\\Tools\\\\mcpward.exe\" check"));
        assert!(!is_mcpward_check("mcpward run -- x"));
        assert!(!is_mcpward_check("not-mcpward check"));
    }
}
