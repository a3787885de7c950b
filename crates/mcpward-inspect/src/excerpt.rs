//! Short, escaped quotations of server text for finding messages.

/// `text` made safe to print (controls, bidi and invisible characters as `\u{…}`).
pub fn escape(text: &str) -> String {
    mcpward_core::display::escape(text).into_owned()
}

/// At most `max` characters of `text[start..end]` with some context, escaped and quoted.
pub fn quote(text: &str, start: usize, end: usize, max: usize) -> String {
    let start = floor(text, start.saturating_sub(0));
    let end = floor(text, end.min(text.len()));
    let slice = &text[start..end];
    let mut out: String = slice.chars().take(max).collect();
    if slice.chars().count() > max {
        out.push('…');
    }
    format!("\"{}\"", escape(out.trim()))
}

fn floor(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}
