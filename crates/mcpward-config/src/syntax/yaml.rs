//! YAML through `saphyr-parser` events, built into a [`Node`] tree with an explicit stack.
//!
//! Events rather than a ready-made tree because we need three guarantees a loader does not
//! give together: bounded nesting (no stack overflow on `[[[[...`), bounded alias expansion
//! (no "billion laughs"), and a span on every key. Only the first document of a stream is
//! read. Plain scalars are typed with the YAML 1.2 core schema (null, booleans, numbers);
//! quoted scalars are always strings.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as YamlSpan, Tag};

use super::{Ctx, MAX_DEPTH, Node, Value};
use crate::model::{ParseProblem, Spanned};

/// Most nodes alias expansion may create in one file.
const MAX_ALIAS_NODES: usize = 100_000;

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        members: Vec<(Spanned<String>, Node)>,
        key: Option<Spanned<String>>,
    },
}

struct Builder<'c, 'a> {
    ctx: &'c Ctx<'a>,
    /// Byte offset of each character, when the text is not ASCII (saphyr counts characters).
    char_offsets: Option<Vec<usize>>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    alias_budget: usize,
    root: Option<Node>,
}

/// Byte offset where a second document of the stream starts, if it has content. Clients load
/// one document (Goose's serde_yaml and Continue's loader refuse a stream of several), so
/// [`parse`] reads the first and the caller reports the rest.
pub(crate) fn later_document(source: &str) -> Option<usize> {
    let mut documents = 0;
    let mut second = None;
    for event in Parser::new_from_str(source) {
        let Ok((event, span)) = event else {
            break;
        };
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents == 2 {
                    second = Some(span.start.index());
                }
            }
            Event::StreamEnd => return None,
            // An empty document (`---` at the end of the file) is an empty scalar.
            Event::Scalar(text, ..) if text.is_empty() => {}
            Event::DocumentEnd | Event::Nothing | Event::StreamStart => {}
            _ if documents >= 2 => {
                let at = second?;
                return Some(
                    source
                        .char_indices()
                        .nth(at)
                        .map_or(source.len(), |(i, _)| i),
                );
            }
            _ => {}
        }
    }
    None
}

pub(crate) fn parse(ctx: &Ctx<'_>) -> Result<Node, ParseProblem> {
    let char_offsets =
        (!ctx.source.is_ascii()).then(|| ctx.source.char_indices().map(|(i, _)| i).collect());
    let mut b = Builder {
        ctx,
        char_offsets,
        stack: Vec::new(),
        anchors: HashMap::new(),
        alias_budget: MAX_ALIAS_NODES,
        root: None,
    };
    for event in Parser::new_from_str(ctx.source) {
        let (event, span) = event.map_err(|e| {
            let at = b.offset(e.marker().index());
            ctx.problem(
                format!("syntax error: {}; fix it so the file can be read", e.info()),
                at,
                at,
            )
        })?;
        match event {
            Event::DocumentEnd if b.root.is_some() => break,
            Event::Scalar(text, style, anchor, tag) => {
                let node = b.scalar(&text, style, tag.as_deref(), span);
                b.finish(node, anchor, Some(text.into_owned()))?;
            }
            Event::SequenceStart(anchor, _) => {
                b.enter(span)?;
                let start = b.offset(span.start.index());
                b.stack.push(Frame::Seq {
                    start,
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, _) => {
                b.enter(span)?;
                let start = b.offset(span.start.index());
                b.stack.push(Frame::Map {
                    start,
                    anchor,
                    members: Vec::new(),
                    key: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let end = b.offset(span.end.index());
                let (node, anchor) = match b.stack.pop() {
                    Some(Frame::Seq {
                        start,
                        anchor,
                        items,
                    }) => (
                        Node::new(Value::Array(items), ctx.span(start, end.max(start))),
                        anchor,
                    ),
                    Some(Frame::Map {
                        start,
                        anchor,
                        members,
                        ..
                    }) => (
                        Node::new(Value::Object(members), ctx.span(start, end.max(start))),
                        anchor,
                    ),
                    None => continue,
                };
                b.finish(node, anchor, None)?;
            }
            Event::Alias(id) => {
                let at = b.offset(span.start.index());
                let Some(node) = b.anchors.get(&id).cloned() else {
                    return Err(ctx.problem(
                        "alias to an unknown anchor; define the anchor first".into(),
                        at,
                        at,
                    ));
                };
                let size = count_nodes(&node);
                if size > b.alias_budget {
                    return Err(ctx.problem(
                        format!("aliases expand to more than {MAX_ALIAS_NODES} values; the file is not read"),
                        at,
                        at,
                    ));
                }
                b.alias_budget -= size;
                b.finish(node, 0, None)?;
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => {}
        }
    }
    Ok(b.root
        .unwrap_or_else(|| Node::new(Value::Null, ctx.span(0, 0))))
}

impl Builder<'_, '_> {
    fn offset(&self, char_index: usize) -> usize {
        match &self.char_offsets {
            None => char_index.min(self.ctx.source.len()),
            Some(map) => map
                .get(char_index)
                .copied()
                .unwrap_or(self.ctx.source.len()),
        }
    }

    fn enter(&self, span: YamlSpan) -> Result<(), ParseProblem> {
        if self.stack.len() >= MAX_DEPTH {
            let at = self.offset(span.start.index());
            return Err(self.ctx.problem(
                format!("nesting deeper than {MAX_DEPTH} levels; no MCP config needs this, the file is not read"),
                at,
                at,
            ));
        }
        Ok(())
    }

    fn scalar(&self, text: &str, style: ScalarStyle, tag: Option<&Tag>, span: YamlSpan) -> Node {
        let start = self.offset(span.start.index());
        let end = self.offset(span.end.index()).max(start);
        let quoted = matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted);
        let node_span = if quoted {
            self.ctx.unquoted_span(start, end, &["\"", "'"])
        } else {
            self.ctx.span(start, end)
        };
        let value = match tag {
            Some(tag) if tag.is_yaml_core_schema() && tag.suffix == "str" => {
                Value::String(text.to_string())
            }
            _ if style != ScalarStyle::Plain => Value::String(text.to_string()),
            _ => plain_value(text),
        };
        Node::new(value, node_span)
    }

    /// Attach a completed node to its parent (or make it the root).
    fn finish(
        &mut self,
        node: Node,
        anchor: usize,
        raw_scalar: Option<String>,
    ) -> Result<(), ParseProblem> {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { members, key, .. }) => match key.take() {
                Some(k) => members.push((k, node)),
                None => {
                    let text = match (&node.value, raw_scalar) {
                        (Value::String(s), _) => s.clone(),
                        (_, Some(raw)) => raw,
                        _ => {
                            return Err(ParseProblem {
                                message: "a list or mapping used as a mapping key; use a plain string key".into(),
                                span: node.span,
                                server: None,
                            });
                        }
                    };
                    *key = Some(Spanned::new(text, node.span));
                }
            },
        }
        Ok(())
    }
}

/// YAML 1.2 core schema for plain scalars.
fn plain_value(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ if is_number(text) => Value::Number(text.to_string()),
        _ => Value::String(text.to_string()),
    }
}

fn is_number(text: &str) -> bool {
    let t = text.strip_prefix(['-', '+']).unwrap_or(text);
    if let Some(hex) = t.strip_prefix("0x") {
        return !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    if let Some(oct) = t.strip_prefix("0o") {
        return !oct.is_empty() && oct.chars().all(|c| c.is_digit(8));
    }
    if matches!(t, ".inf" | ".Inf" | ".INF") || matches!(text, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    t.starts_with(|c: char| c.is_ascii_digit() || c == '.') && t.parse::<f64>().is_ok()
}

fn count_nodes(node: &Node) -> usize {
    let mut count = 0;
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        count += 1;
        match &n.value {
            Value::Array(items) => stack.extend(items.iter()),
            Value::Object(members) => stack.extend(members.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    count
}
