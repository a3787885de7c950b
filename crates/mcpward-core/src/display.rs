//! Text that came from outside (a tool name, arguments, a reason, a log field) made safe to put
//! in front of a person, on a terminal or in a client's dialog.
//!
//! A server chooses its tool names and a model chooses the arguments. Written as they are, an
//! ESC sequence or a carriage return repaints the line (a write to `~/.ssh/authorized_keys` then
//! reads as a write to notes), a bidi control reorders it, and an invisible character hides part
//! of it. Every surface that shows such text to a person goes through [`escape`]; arguments go
//! through [`argument_lines`], which also keeps long values from pushing the ones that matter off
//! the screen.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::Value;

/// `text` with every control character (C0, DEL, C1), bidi control and invisible format
/// character replaced by a visible escape: `\n`, `\r`, `\t`, else `\u{…}` with the code point.
/// Text without any is returned as it is.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_hidden(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Characters that act on the display instead of appearing in it.
fn is_hidden(c: char) -> bool {
    // `is_control` is Unicode's Cc: C0, DEL and C1.
    c.is_control()
        || matches!(
            c,
            // Bidi controls: embeddings and overrides, isolates, marks.
            '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{061C}'
                // Zero-width and other invisible format characters.
                | '\u{00AD}'
                | '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200D}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{2060}'..='\u{2064}'
                | '\u{206A}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{0600}'..='\u{0605}'
                | '\u{06DD}'
                | '\u{070F}'
                | '\u{0890}'
                | '\u{0891}'
                | '\u{08E2}'
                | '\u{110BD}'
                | '\u{110CD}'
                | '\u{13430}'..='\u{1343F}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                // Tag characters: invisible ASCII look-alikes.
                | '\u{E0000}'..='\u{E007F}'
        )
}

/// Values longer than this many characters are cut (head and tail kept) in [`argument_lines`].
pub const LONG_VALUE: usize = 100;
/// Characters kept from each end of a cut value.
const KEPT_EACH_END: usize = 40;

/// The arguments of a call as `name: value` lines, every part escaped. Short values come first
/// (paths, names, flags: what says where a call acts), long ones after, cut to their first and
/// last characters with their full length, so a long `content` cannot push a path off the
/// screen. Arguments that are not an object are one line named `(arguments)`.
pub fn argument_lines(arguments: &Value) -> Vec<String> {
    argument_entries(arguments)
        .into_iter()
        .map(|(name, value)| format!("{name}: {value}"))
        .collect()
}

/// [`argument_lines`] as `(name, value)` pairs, for surfaces that show them apart (a table).
pub fn argument_entries(arguments: &Value) -> Vec<(String, String)> {
    let entries: Vec<(&str, &Value)> = match arguments {
        Value::Object(map) => map.iter().map(|(k, v)| (k.as_str(), v)).collect(),
        Value::Null => Vec::new(),
        other => vec![("(arguments)", other)],
    };
    let mut lines: Vec<(bool, (String, String))> = entries
        .into_iter()
        .map(|(name, value)| {
            let (long, shown) = value_text(value);
            (long, (escape(name).into_owned(), shown))
        })
        .collect();
    // Stable: the object's own order within short and within long values.
    lines.sort_by_key(|(long, _)| *long);
    lines.into_iter().map(|(_, entry)| entry).collect()
}

/// A value as shown, and whether it was long enough to cut.
fn value_text(value: &Value) -> (bool, String) {
    let (raw, quoted) = match value {
        Value::String(s) => (s.clone(), true),
        other => (other.to_string(), false),
    };
    let render = |part: &str| -> String {
        if quoted {
            format!("\"{}\"", escape(part))
        } else {
            escape(part).into_owned()
        }
    };
    let count = raw.chars().count();
    if count <= LONG_VALUE {
        return (false, render(&raw));
    }
    let head: String = raw.chars().take(KEPT_EACH_END).collect();
    let tail: String = raw.chars().skip(count - KEPT_EACH_END).collect();
    (
        true,
        format!("{} … {} ({count} chars)", render(&head), render(&tail)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn terminal_escape_sequences_in_a_tool_name_are_shown_not_run() {
        // Clear the line and print a harmless name over the real one.
        let name = "write_file\r\u{1b}[2Knotes_write\u{7f}\u{9b}";
        assert_eq!(
            escape(name),
            r"write_file\r\u{1b}[2Knotes_write\u{7f}\u{9b}"
        );
    }

    #[test]
    fn bidi_controls_and_invisible_characters_are_shown() {
        let name = "read\u{202E}elif_etirw\u{202C}\u{2066}x\u{2069}\u{200B}\u{200E}\u{061C}\u{FEFF}\u{E0041}";
        assert_eq!(
            escape(name),
            r"read\u{202e}elif_etirw\u{202c}\u{2066}x\u{2069}\u{200b}\u{200e}\u{61c}\u{feff}\u{e0041}"
        );
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for text in [
            "write_file",
            "/home/a-example/Notes ü 笔记.txt",
            "emoji ✅",
            "",
        ] {
            assert!(matches!(escape(text), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn long_content_cannot_push_the_path_off_screen() {
        let content = format!("{}\u{1b}[8m", "x".repeat(5000));
        let lines = argument_lines(&json!({
            "content": content,
            "path": "/home/a-example/.ssh/authorized_keys",
            "mode": 420
        }));
        insta::assert_snapshot!(lines.join("\n"), @r#"
        mode: 420
        path: "/home/a-example/.ssh/authorized_keys"
        content: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" … "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\u{1b}[8m" (5004 chars)
        "#);
    }

    #[test]
    fn the_end_of_a_long_path_stays_visible() {
        let path = format!(
            "/home/a-example/notes/{}../../.ssh/authorized_keys",
            "./".repeat(60)
        );
        let lines = argument_lines(&json!({ "path": path }));
        assert!(
            lines[0].ends_with(r#"/.ssh/authorized_keys" (168 chars)"#),
            "{}",
            lines[0]
        );
    }

    #[test]
    fn argument_names_are_escaped_too() {
        let lines = argument_lines(&json!({ "why\r\u{1b}[2K": 1 }));
        assert_eq!(lines, [r"why\r\u{1b}[2K: 1"]);
        assert_eq!(argument_lines(&json!(["a"])), [r#"(arguments): ["a"]"#]);
        assert!(argument_lines(&Value::Null).is_empty());
    }
}
