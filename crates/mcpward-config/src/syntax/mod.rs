//! One span-preserving syntax tree for every format a client config is written in.
//!
//! JSON, JSONC, TOML and YAML are all parsed into the same [`Node`] tree so that client modules
//! read one shape, and so that later features (rewriting a config in place, checking other
//! files) can point at the exact bytes a value came from.
//!
//! Span conventions, shared by all formats:
//! - a string value's span (and an object key's span) covers the string's **content, without
//!   its quotes** (`"npx"` → `npx`), so code frames underline the value itself. Block scalars
//!   (YAML `|`/`>`) and multi-line TOML strings cover their body as written;
//! - numbers, booleans and null cover their literal;
//! - arrays and objects cover everything from the opening to the closing delimiter (for YAML
//!   block collections and TOML tables: as the underlying parser reports them).
//!
//! Every span lies inside the source text, whatever the input.
//!
//! Objects keep every member in source order, duplicates included (so a rewrite can see them
//! all); [`Node::get`] and [`Node::members`] apply "the last one wins", as `JSON.parse` does,
//! and [`duplicate_keys`] reports the ones that lose.

mod json;
mod toml;
mod yaml;

use std::collections::HashMap;

use mcpward_core::{LineIndex, Span};

use crate::model::{Format, ParseProblem, Spanned};

/// Deepest nesting accepted, in every format: deeper input is a syntax error, never a stack
/// overflow.
pub const MAX_DEPTH: usize = 256;

/// A value with the span it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

/// A parsed value. Numbers keep their source text (configs care about presence, not
/// arithmetic, and this avoids lossy float conversion).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Node>),
    Object(Vec<(Spanned<String>, Node)>),
}

impl Node {
    pub fn new(value: Value, span: Span) -> Self {
        Node { value, span }
    }

    /// The member `key` of an object (the last one when the key is repeated).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.get_entry(key).map(|(_, v)| v)
    }

    /// The member `key` of an object with its key (the last one when the key is repeated).
    pub fn get_entry(&self, key: &str) -> Option<(&Spanned<String>, &Node)> {
        match &self.value {
            Value::Object(members) => members
                .iter()
                .rev()
                .find(|(k, _)| k.value == key)
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// Object members in source order, each key once (its last occurrence wins, in the
    /// position of that last occurrence). Empty for non-objects.
    pub fn members(&self) -> Vec<(&Spanned<String>, &Node)> {
        let Value::Object(members) = &self.value else {
            return Vec::new();
        };
        let mut last: HashMap<&str, usize> = HashMap::with_capacity(members.len());
        for (i, (k, _)) in members.iter().enumerate() {
            last.insert(k.value.as_str(), i);
        }
        members
            .iter()
            .enumerate()
            .filter(|(i, (k, _))| last.get(k.value.as_str()) == Some(i))
            .map(|(_, (k, v))| (k, v))
            .collect()
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self.value, Value::Object(_))
    }

    /// The string as a [`Spanned`] value, when this node is a string.
    pub fn spanned_str(&self) -> Option<Spanned<String>> {
        self.as_str()
            .map(|s| Spanned::new(s.to_string(), self.span))
    }

    /// What kind of value this is, with an article, for error messages ("a number").
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "a list",
            Value::Object(_) => "an object",
        }
    }
}

/// Parse `source` as `format`. `Format::Json` is strict JSON (what `JSON.parse` accepts);
/// `Format::Jsonc` also accepts comments and trailing commas. The error names the first
/// problem and where it is.
pub fn parse(source: &str, format: Format) -> Result<Node, ParseProblem> {
    let index = LineIndex::new(source);
    let ctx = Ctx::new(source, &index);
    match format {
        Format::Json => json::parse(&ctx, json::Dialect::Strict),
        Format::Jsonc => json::parse(&ctx, json::Dialect::Jsonc),
        Format::Toml => toml::parse(&ctx),
        Format::Yaml => yaml::parse(&ctx),
    }
}

/// Byte offset of a second YAML document with content, which [`parse`] does not read.
pub(crate) fn later_yaml_document(source: &str) -> Option<usize> {
    yaml::later_document(source)
}

/// Parse JSON as leniently as possible (comments, trailing commas, single quotes, unquoted
/// keys): used to still read the servers of a file that the client itself would reject, so
/// that a stray comma does not hide a leaked token.
pub fn parse_json_lenient(source: &str) -> Result<Node, ParseProblem> {
    let index = LineIndex::new(source);
    let ctx = Ctx::new(source, &index);
    json::parse(&ctx, json::Dialect::Lenient)
}

/// Every key that appears more than once in the same object, except its last occurrence
/// (which is the one clients use). One problem per ignored occurrence.
pub fn duplicate_keys(root: &Node) -> Vec<ParseProblem> {
    duplicate_keys_with_paths(root)
        .into_iter()
        .map(|(_, p)| p)
        .collect()
}

/// [`duplicate_keys`], each with the keys of the objects enclosing the duplicate (outermost
/// first, the duplicate itself last), so callers can say which entry it is in.
pub(crate) fn duplicate_keys_with_paths(root: &Node) -> Vec<(Vec<String>, ParseProblem)> {
    let mut found = Vec::new();
    let mut stack: Vec<(&Node, Vec<String>)> = vec![(root, Vec::new())];
    while let Some((node, path)) = stack.pop() {
        match &node.value {
            Value::Array(items) => stack.extend(items.iter().map(|i| (i, path.clone()))),
            Value::Object(members) => {
                let mut last: HashMap<&str, &Spanned<String>> = HashMap::new();
                for (k, _) in members {
                    last.insert(k.value.as_str(), k);
                }
                for (k, v) in members {
                    let mut here = path.clone();
                    here.push(k.value.clone());
                    if let Some(winner) = last.get(k.value.as_str())
                        && !std::ptr::eq(*winner, k)
                    {
                        let problem = ParseProblem {
                            message: format!(
                                "duplicate key `{}`: this value is ignored and the one at line {} is used; remove one of them",
                                k.value, winner.span.line
                            ),
                            span: k.span,
                            server: None,
                        };
                        found.push((here.clone(), problem));
                    }
                    stack.push((v, here));
                }
            }
            _ => {}
        }
    }
    found.sort_by_key(|(_, p)| p.span.offset);
    found
}

/// Bytes between column checkpoints on long lines.
const CHECKPOINT_EVERY: usize = 4096;

/// What every format parser needs: the text and its line index.
pub(crate) struct Ctx<'a> {
    pub source: &'a str,
    pub index: &'a LineIndex,
    /// `(offset, line, col)` about every [`CHECKPOINT_EVERY`] bytes, so the column of a value
    /// on a very long line (a minified file) is counted from a nearby point, not from the
    /// start of the line: without them a one-line file costs time quadratic in its size.
    checkpoints: Vec<(usize, u32, u32)>,
}

impl<'a> Ctx<'a> {
    pub fn new(source: &'a str, index: &'a LineIndex) -> Self {
        let mut checkpoints = Vec::with_capacity(source.len() / CHECKPOINT_EVERY + 1);
        let (mut line, mut col) = (1u32, 1u32);
        let mut next = CHECKPOINT_EVERY;
        for (i, c) in source.char_indices() {
            if i >= next {
                checkpoints.push((i, line, col));
                next = i + CHECKPOINT_EVERY;
            }
            if c == '\n' {
                line = line.saturating_add(1);
                col = 1;
            } else {
                col = col.saturating_add(1);
            }
        }
        Ctx {
            source,
            index,
            checkpoints,
        }
    }

    pub fn span(&self, start: usize, end: usize) -> Span {
        let at = self.checkpoints.partition_point(|(o, _, _)| *o <= start);
        if let Some(&(offset, line, col)) = at.checked_sub(1).and_then(|i| self.checkpoints.get(i))
        {
            let mut s = start.min(self.source.len());
            while !self.source.is_char_boundary(s) {
                s -= 1;
            }
            if let Some(between) = self.source.get(offset..s)
                && !between.contains('\n')
            {
                let mut e = end.clamp(s, self.source.len());
                while !self.source.is_char_boundary(e) {
                    e -= 1;
                }
                let chars = u32::try_from(between.chars().count()).unwrap_or(u32::MAX);
                return Span {
                    line,
                    col: col.saturating_add(chars),
                    offset: s,
                    len: e - s,
                };
            }
        }
        self.index.span(self.source, start, end)
    }

    /// Span of a quoted token's content: drops `quote_len` bytes of delimiter on each side
    /// when the token really is delimited by one of `quotes`.
    pub fn unquoted_span(&self, start: usize, end: usize, quotes: &[&str]) -> Span {
        let text = self.source.get(start..end).unwrap_or("");
        for q in quotes {
            if text.len() >= 2 * q.len() && text.starts_with(q) && text.ends_with(q) {
                return self.span(start + q.len(), end - q.len());
            }
        }
        self.span(start, end)
    }

    pub fn problem(&self, message: String, start: usize, end: usize) -> ParseProblem {
        ParseProblem {
            message,
            span: self.span(start, end),
            server: None,
        }
    }
}

#[cfg(test)]
mod tests;
