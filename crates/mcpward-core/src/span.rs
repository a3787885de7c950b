use serde::{Deserialize, Serialize};

/// A location in a source file: 1-based line and column (in characters), plus the byte range
/// so printers can draw a code frame and mask secrets precisely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct Span {
    pub line: u32,
    pub col: u32,
    /// Byte offset of the first byte.
    #[serde(skip)]
    pub offset: usize,
    /// Length in bytes.
    #[serde(skip)]
    pub len: usize,
}

impl Span {
    /// A span that names only a line and column (no byte range is known).
    pub fn at(line: u32, col: u32) -> Self {
        Span {
            line,
            col,
            offset: 0,
            len: 0,
        }
    }

    pub fn range(&self) -> std::ops::Range<usize> {
        self.offset..self.offset + self.len
    }
}

/// Maps byte offsets to line/column for one source text. Built once per file.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { line_starts }
    }

    /// Span for the byte range `start..end` of `text` (the text this index was built from).
    /// Offsets past the end or inside a UTF-8 sequence are clamped, never a panic.
    pub fn span(&self, text: &str, start: usize, end: usize) -> Span {
        let start = floor_char_boundary(text, start.min(text.len()));
        let end = floor_char_boundary(text, end.clamp(start, text.len()));
        let line_idx = match self.line_starts.binary_search(&start) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let line_start = self.line_starts[line_idx];
        let col = text[line_start..start].chars().count() + 1;
        Span {
            line: u32::try_from(line_idx + 1).unwrap_or(u32::MAX),
            col: u32::try_from(col).unwrap_or(u32::MAX),
            offset: start,
            len: end - start,
        }
    }

    /// The text of 1-based `line`, without its line end, cut to `max` characters: what an error
    /// message quotes under its location. Empty past the end.
    pub fn line_text(&self, text: &str, line: u32, max: usize) -> String {
        text.lines()
            .nth(usize::try_from(line.saturating_sub(1)).unwrap_or(usize::MAX))
            .unwrap_or("")
            .chars()
            .take(max)
            .collect()
    }

    /// Byte offset of a 1-based line/column (column counted in characters); clamped to the text.
    pub fn offset(&self, text: &str, line: u32, col: u32) -> usize {
        let line_idx = (line.max(1) as usize - 1).min(self.line_starts.len() - 1);
        let start = self.line_starts[line_idx];
        let rest = &text[start..];
        rest.char_indices()
            .nth(col.max(1) as usize - 1)
            .map(|(i, _)| start + i)
            .unwrap_or(text.len())
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_text_quotes_one_line_cut_and_nothing_past_the_end() {
        let text = "first\r\nsécond line\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_text(text, 1, 200), "first");
        assert_eq!(index.line_text(text, 2, 3), "séc");
        assert_eq!(index.line_text(text, 9, 200), "");
    }

    #[test]
    fn span_counts_lines_and_characters() {
        let text = "ab\nçd\nef";
        let idx = LineIndex::new(text);
        let s = idx.span(text, text.find('d').unwrap(), text.len());
        assert_eq!((s.line, s.col), (2, 2));
        assert_eq!(idx.offset(text, 2, 2), text.find('d').unwrap());
    }

    #[test]
    fn span_clamps_out_of_range_offsets() {
        let text = "é";
        let idx = LineIndex::new(text);
        let s = idx.span(text, 1, 99);
        assert_eq!((s.line, s.col, s.offset), (1, 1, 0));
    }
}
