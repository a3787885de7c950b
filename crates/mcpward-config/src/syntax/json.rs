//! JSON and JSONC through `jsonc-parser`, whose AST keeps byte ranges.

use jsonc_parser::ast::{self, ObjectPropName};
use jsonc_parser::{CollectOptions, ParseOptions};

use super::{Ctx, MAX_DEPTH, Node, Value};
use crate::model::{ParseProblem, Spanned};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// What `JSON.parse` accepts.
    Strict,
    /// VS Code's JSONC: comments and trailing commas.
    Jsonc,
    /// Everything jsonc-parser can read (JSON5-ish); used only for recovery.
    Lenient,
}

fn options(dialect: Dialect) -> ParseOptions {
    match dialect {
        Dialect::Lenient => ParseOptions::default(),
        Dialect::Strict | Dialect::Jsonc => {
            let extended = dialect == Dialect::Jsonc;
            ParseOptions {
                allow_comments: extended,
                allow_trailing_commas: extended,
                allow_loose_object_property_names: false,
                allow_missing_commas: false,
                allow_single_quoted_strings: false,
                allow_hexadecimal_numbers: false,
                allow_unary_plus_numbers: false,
                allow_bare_decimal_point_numbers: false,
                allow_non_finite_numbers: false,
                allow_extended_string_escapes: false,
            }
        }
    }
}

const QUOTES: &[&str] = &["\"", "'"];

pub(crate) fn parse(ctx: &Ctx<'_>, dialect: Dialect) -> Result<Node, ParseProblem> {
    let result =
        jsonc_parser::parse_to_ast(ctx.source, &CollectOptions::default(), &options(dialect))
            .map_err(|e| {
                let range = e.range();
                ctx.problem(
                    format!("syntax error: {}; fix it so the file can be read", e.kind()),
                    range.start,
                    range.end,
                )
            })?;
    let Some(value) = result.value else {
        return Err(ctx.problem(
            "the file is empty (no JSON value); add `{}` or remove the file".to_string(),
            0,
            ctx.source.len(),
        ));
    };
    convert(ctx, &value, 0)
}

fn convert(ctx: &Ctx<'_>, value: &ast::Value<'_>, depth: usize) -> Result<Node, ParseProblem> {
    if depth > MAX_DEPTH {
        let r = range_of(value);
        return Err(ctx.problem(
            format!("nesting deeper than {MAX_DEPTH} levels; no MCP config needs this, the file is not read"),
            r.start,
            r.end,
        ));
    }
    Ok(match value {
        ast::Value::StringLit(s) => Node::new(
            Value::String(s.value.to_string()),
            ctx.unquoted_span(s.range.start, s.range.end, QUOTES),
        ),
        ast::Value::NumberLit(n) => Node::new(
            Value::Number(n.value.to_string()),
            ctx.span(n.range.start, n.range.end),
        ),
        ast::Value::BooleanLit(b) => {
            Node::new(Value::Bool(b.value), ctx.span(b.range.start, b.range.end))
        }
        ast::Value::NullKeyword(n) => Node::new(Value::Null, ctx.span(n.range.start, n.range.end)),
        ast::Value::Array(a) => {
            let mut items = Vec::with_capacity(a.elements.len());
            for element in &a.elements {
                items.push(convert(ctx, element, depth + 1)?);
            }
            Node::new(Value::Array(items), ctx.span(a.range.start, a.range.end))
        }
        ast::Value::Object(o) => {
            let mut members = Vec::with_capacity(o.properties.len());
            for prop in &o.properties {
                let key = match &prop.name {
                    ObjectPropName::String(s) => Spanned::new(
                        s.value.to_string(),
                        ctx.unquoted_span(s.range.start, s.range.end, QUOTES),
                    ),
                    ObjectPropName::Word(w) => {
                        Spanned::new(w.value.to_string(), ctx.span(w.range.start, w.range.end))
                    }
                };
                members.push((key, convert(ctx, &prop.value, depth + 1)?));
            }
            Node::new(Value::Object(members), ctx.span(o.range.start, o.range.end))
        }
    })
}

fn range_of(value: &ast::Value<'_>) -> jsonc_parser::common::Range {
    match value {
        ast::Value::StringLit(s) => s.range,
        ast::Value::NumberLit(n) => n.range,
        ast::Value::BooleanLit(b) => b.range,
        ast::Value::NullKeyword(n) => n.range,
        ast::Value::Array(a) => a.range,
        ast::Value::Object(o) => o.range,
    }
}
