//! What servers turn an argument into. A server validated by pydantic (lax mode, its default) or
//! by zod's `z.coerce` does not see `"true"`, `"5000"` or `1` as the JSON sent them: it reads
//! `true`, `5000` and `true`. A matcher that compared only the JSON would let `force = "yes"`
//! past a deny on `force = true`. So a value has several *readings* in the type a matcher speaks:
//! itself when it has that type, plus what each known coercion makes of it.
//!
//! Known coercions:
//! - to a boolean: pydantic takes `0`/`1` and the strings `0 off f false n no 1 on t true y yes`
//!   (any case); JavaScript's `Boolean(x)` is `true` for every non-empty string (`"false"`
//!   included), every non-zero number, every array and object.
//! - to a number: JavaScript's `Number(x)` (surrounding white space, `""` is 0, `0x`/`0o`/`0b`,
//!   exponents, `Infinity`, `true` is 1, `[5000]` is 5000); Python's `int`/`float` (white space,
//!   `5_000`, `inf`, `nan`, full-width digits).
//! - to a string: JavaScript's `String(x)` (`5000` is `"5000"`, `true` is `"true"`, `["a","b"]`
//!   is `"a,b"`) and JSON's spelling of a number (`5000.0`).
//!
//! An object has no reading but itself: no server turns `{}` into a path or a number it acts on.

use std::borrow::Cow;

use serde_json::Value;

use crate::unicode::{Form, spell};

/// The type a matcher compares in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Bool,
    Number,
    Text,
}

/// One reading of a value in a [`Kind`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reading<'v> {
    Bool(bool),
    Number(f64),
    Text(Cow<'v, str>),
}

impl Reading<'_> {
    fn into_owned(self) -> Reading<'static> {
        match self {
            Reading::Bool(b) => Reading::Bool(b),
            Reading::Number(n) => Reading::Number(n),
            Reading::Text(t) => Reading::Text(Cow::Owned(t.into_owned())),
        }
    }

    /// Back to JSON, to read it again in another kind. Non-finite numbers have no JSON form.
    fn to_json(&self) -> Option<Value> {
        match self {
            Reading::Bool(b) => Some(Value::Bool(*b)),
            Reading::Number(n) => serde_json::Number::from_f64(*n).map(Value::Number),
            Reading::Text(t) => Some(Value::String(t.clone().into_owned())),
        }
    }
}

/// `value` itself, when it already is a `kind`: the one reading every server agrees on.
pub(crate) fn native(value: &Value, kind: Kind) -> Option<Reading<'_>> {
    match (value, kind) {
        (Value::Bool(b), Kind::Bool) => Some(Reading::Bool(*b)),
        (Value::Number(n), Kind::Number) => n.as_f64().map(Reading::Number),
        (Value::String(s), Kind::Text) => Some(Reading::Text(Cow::Borrowed(s))),
        _ => None,
    }
}

/// Every reading of `value` as a `kind`: itself if it is one, and what each known coercion turns
/// it into. `declared` is the type the tool's input schema gives the argument, if any: a server
/// converts the value into that type first, so what that conversion yields is read as well.
pub(crate) fn readings<'v>(value: &'v Value, kind: Kind, declared: &[Kind]) -> Vec<Reading<'v>> {
    let mut out = direct(value, kind);
    for &through in declared {
        if through == kind || native(value, through).is_some() {
            continue;
        }
        for step in direct(value, through) {
            if let Some(json) = step.to_json() {
                for r in direct(&json, kind) {
                    push(&mut out, r.into_owned());
                }
            }
        }
    }
    out
}

fn push<'v>(out: &mut Vec<Reading<'v>>, reading: Reading<'v>) {
    let useless = matches!(reading, Reading::Number(n) if n.is_nan());
    if !useless && !out.contains(&reading) {
        out.push(reading);
    }
}

/// One coercion step from JSON into `kind`.
fn direct(value: &Value, kind: Kind) -> Vec<Reading<'_>> {
    let mut out = Vec::new();
    match kind {
        Kind::Bool => match value {
            Value::Bool(b) => push(&mut out, Reading::Bool(*b)),
            Value::Number(n) => {
                let n = n.as_f64().unwrap_or(f64::NAN);
                push(&mut out, Reading::Bool(n != 0.0 && !n.is_nan()));
            }
            Value::String(s) => {
                if let Some(b) = python_bool(s) {
                    push(&mut out, Reading::Bool(b));
                }
                push(&mut out, Reading::Bool(!s.is_empty()));
            }
            Value::Array(_) | Value::Object(_) => push(&mut out, Reading::Bool(true)),
            Value::Null => {}
        },
        Kind::Number => match value {
            Value::Number(n) => {
                if let Some(n) = n.as_f64() {
                    push(&mut out, Reading::Number(n));
                }
            }
            Value::Bool(b) => push(&mut out, Reading::Number(if *b { 1.0 } else { 0.0 })),
            Value::String(s) => {
                if let Some(n) = js_number(s) {
                    push(&mut out, Reading::Number(n));
                }
                if let Some(n) = python_number(s) {
                    push(&mut out, Reading::Number(n));
                }
                // Python's int() and float() take any Unicode digits, full-width `５０００` too.
                let folded = spell(Form::Nfkc, s);
                if let Some(n) = python_number(&folded) {
                    push(&mut out, Reading::Number(n));
                }
            }
            Value::Array(items) if items.len() <= 1 => {
                if let Some(n) = js_string(value).as_deref().and_then(js_number) {
                    push(&mut out, Reading::Number(n));
                }
            }
            Value::Array(_) | Value::Object(_) | Value::Null => {}
        },
        Kind::Text => match value {
            Value::String(s) => push(&mut out, Reading::Text(Cow::Borrowed(s))),
            Value::Number(n) => {
                push(&mut out, Reading::Text(Cow::Owned(n.to_string())));
                if let Some(js) = js_string(value) {
                    push(&mut out, Reading::Text(Cow::Owned(js)));
                }
            }
            Value::Bool(_) | Value::Array(_) => {
                if let Some(js) = js_string(value) {
                    push(&mut out, Reading::Text(Cow::Owned(js)));
                }
            }
            Value::Object(_) | Value::Null => {}
        },
    }
    out
}

/// pydantic's lax `bool` from a string.
fn python_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "on" | "t" | "true" | "y" | "yes" => Some(true),
        "0" | "off" | "f" | "false" | "n" | "no" => Some(false),
        _ => None,
    }
}

/// JavaScript's `String(x)` (top-level objects have none: see the module docs).
fn js_string(value: &Value) -> Option<String> {
    fn element(value: &Value) -> String {
        match value {
            Value::Null => String::new(),
            Value::Object(_) => "[object Object]".to_owned(),
            other => js_string(other).unwrap_or_default(),
        }
    }
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(match n.as_f64() {
            // Integral floats print without `.0` in JavaScript, as Rust's `Display` does.
            Some(f) if !n.is_i64() && !n.is_u64() => f.to_string(),
            _ => n.to_string(),
        }),
        Value::Array(items) => Some(items.iter().map(element).collect::<Vec<_>>().join(",")),
        Value::Object(_) | Value::Null => None,
    }
}

/// JavaScript's `Number(string)`; `None` where it gives `NaN`.
fn js_number(s: &str) -> Option<f64> {
    let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if t.is_empty() {
        return Some(0.0);
    }
    match t {
        "Infinity" | "+Infinity" => return Some(f64::INFINITY),
        "-Infinity" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    let radix = match t.get(..2) {
        Some("0x" | "0X") => Some(16),
        Some("0o" | "0O") => Some(8),
        Some("0b" | "0B") => Some(2),
        _ => None,
    };
    if let Some(radix) = radix {
        let digits = &t[2..];
        if digits.is_empty() {
            return None;
        }
        return digits.chars().try_fold(0.0f64, |acc, c| {
            c.to_digit(radix)
                .map(|d| acc * f64::from(radix) + f64::from(d))
        });
    }
    decimal(t)
}

/// Python's `int(s)` / `float(s)`, as pydantic applies them to strings; `None` where both fail.
fn python_number(s: &str) -> Option<f64> {
    let t = s.trim();
    let bytes = t.as_bytes();
    // An underscore may separate digits (`5_000`), nothing else.
    let underscores_ok = bytes.iter().enumerate().all(|(i, b)| {
        *b != b'_'
            || (i > 0
                && bytes[i - 1].is_ascii_digit()
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
    });
    if !underscores_ok {
        return None;
    }
    let t = t.replace('_', "");
    let lower = t.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if matches!(unsigned, "inf" | "infinity" | "nan") {
        return lower.parse().ok();
    }
    decimal(&t)
}

/// A plain decimal literal: sign, digits, point, exponent. Rust's parser alone would also take
/// `inf` and `nan`, which JavaScript does not.
fn decimal(t: &str) -> Option<f64> {
    let plain = t
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    if plain && t.chars().any(|c| c.is_ascii_digit()) {
        t.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn numbers(v: Value) -> Vec<f64> {
        readings(&v, Kind::Number, &[])
            .into_iter()
            .filter_map(|r| match r {
                Reading::Number(n) => Some(n),
                _ => None,
            })
            .collect()
    }

    fn bools(v: Value) -> Vec<bool> {
        readings(&v, Kind::Bool, &[])
            .into_iter()
            .filter_map(|r| match r {
                Reading::Bool(b) => Some(b),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn numeric_strings_read_as_numbers() {
        assert_eq!(numbers(json!(" 5000 ")), [5000.0]);
        assert_eq!(numbers(json!("0x1388")), [5000.0]);
        assert_eq!(numbers(json!("5e3")), [5000.0]);
        assert_eq!(numbers(json!("5_000")), [5000.0]);
        assert_eq!(numbers(json!("")), [0.0]);
        assert_eq!(numbers(json!("inf")), [f64::INFINITY]);
        assert_eq!(numbers(json!([5000])), [5000.0]);
        assert_eq!(numbers(json!("\u{ff15}\u{ff10}\u{ff10}\u{ff10}")), [5000.0]);
        assert_eq!(numbers(json!(true)), [1.0]);
        assert!(numbers(json!("5000 apples")).is_empty());
        assert!(numbers(json!("nan")).is_empty());
        assert!(numbers(json!({})).is_empty());
    }

    #[test]
    fn strings_read_as_both_python_and_javascript_booleans() {
        assert_eq!(bools(json!("false")), [false, true]);
        assert_eq!(bools(json!("YES")), [true]);
        assert_eq!(bools(json!("")), [false]);
        assert_eq!(bools(json!(0)), [false]);
        assert_eq!(bools(json!(2)), [true]);
    }

    #[test]
    fn numbers_read_as_their_spellings() {
        let texts: Vec<_> = readings(&json!(5000.0), Kind::Text, &[])
            .into_iter()
            .map(|r| match r {
                Reading::Text(t) => t.into_owned(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(texts, ["5000.0", "5000"]);
    }

    #[test]
    fn the_declared_type_is_a_step_between() {
        // Schema says boolean: "yes" becomes true, which a number matcher reads as 1.
        let yes = json!("yes");
        let r = readings(&yes, Kind::Number, &[Kind::Bool]);
        assert_eq!(r, [Reading::Number(1.0)]);
    }
}
