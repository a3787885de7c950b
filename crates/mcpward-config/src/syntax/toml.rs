//! TOML through `toml`'s span-keeping document parser (`DeTable`).
//!
//! TOML tables are unordered in that parser's map, so members are put back in source order
//! by their key spans. Dates and times become strings (their TOML text).

use toml::Spanned as TomlSpanned;
use toml::de::{DeTable, DeValue};

use super::{Ctx, MAX_DEPTH, Node, Value};
use crate::model::{ParseProblem, Spanned};

const QUOTES: &[&str] = &["\"\"\"", "'''", "\"", "'"];

pub(crate) fn parse(ctx: &Ctx<'_>) -> Result<Node, ParseProblem> {
    let table = DeTable::parse(ctx.source).map_err(|e| {
        let range = e.span().unwrap_or(0..0);
        ctx.problem(
            format!(
                "syntax error: {}; fix it so the file can be read",
                e.message().trim()
            ),
            range.start,
            range.end,
        )
    })?;
    let span = table.span();
    let members = convert_table(ctx, table.get_ref(), 0)?;
    Ok(Node::new(
        Value::Object(members),
        ctx.span(span.start, span.end),
    ))
}

fn convert_table(
    ctx: &Ctx<'_>,
    table: &DeTable<'_>,
    depth: usize,
) -> Result<Vec<(Spanned<String>, Node)>, ParseProblem> {
    let mut members = Vec::with_capacity(table.len());
    for (key, value) in table.iter() {
        let ks = key.span();
        let key = Spanned::new(
            key.get_ref().to_string(),
            ctx.unquoted_span(ks.start, ks.end, QUOTES),
        );
        members.push((key, convert(ctx, value, depth + 1)?));
    }
    members.sort_by_key(|(k, _)| k.span.offset);
    Ok(members)
}

fn convert(
    ctx: &Ctx<'_>,
    value: &TomlSpanned<DeValue<'_>>,
    depth: usize,
) -> Result<Node, ParseProblem> {
    let r = value.span();
    if depth > MAX_DEPTH {
        return Err(ctx.problem(
            format!("nesting deeper than {MAX_DEPTH} levels; no MCP config needs this, the file is not read"),
            r.start,
            r.end,
        ));
    }
    let literal = || ctx.source.get(r.clone()).unwrap_or("").to_string();
    Ok(match value.get_ref() {
        DeValue::String(s) => Node::new(
            Value::String(s.to_string()),
            ctx.unquoted_span(r.start, r.end, QUOTES),
        ),
        DeValue::Integer(_) | DeValue::Float(_) => {
            Node::new(Value::Number(literal()), ctx.span(r.start, r.end))
        }
        DeValue::Boolean(b) => Node::new(Value::Bool(*b), ctx.span(r.start, r.end)),
        DeValue::Datetime(d) => Node::new(Value::String(d.to_string()), ctx.span(r.start, r.end)),
        DeValue::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items.iter() {
                out.push(convert(ctx, item, depth + 1)?);
            }
            Node::new(Value::Array(out), ctx.span(r.start, r.end))
        }
        DeValue::Table(t) => Node::new(
            Value::Object(convert_table(ctx, t, depth)?),
            ctx.span(r.start, r.end),
        ),
    })
}
