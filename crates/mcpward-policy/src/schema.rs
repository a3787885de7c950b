//! What a tool's `inputSchema` (from `tools/list`) says about one argument. Only the plain `type`
//! keyword is read, through `properties` and `items`: enough to know which type a server
//! converts an argument into. Anything else (`anyOf`, `$ref`, ...) declares nothing here.

use serde_json::Value;

use crate::coercion::Kind;

/// The schema of the argument a `when` entry names, following the same path as the argument
/// lookup: the whole dotted name if `literal`, else one segment at a time.
pub(crate) fn for_argument<'s>(schema: &'s Value, name: &str, literal: bool) -> Option<&'s Value> {
    if literal {
        return property(Some(schema), name);
    }
    name.split('.').try_fold(schema, |current, segment| {
        property(Some(current), segment).or_else(|| {
            let index = segment.parse::<usize>().ok()?;
            current
                .get("prefixItems")
                .and_then(|p| p.get(index))
                .or_else(|| elements(Some(current)))
        })
    })
}

/// The schema of an object's property.
pub(crate) fn property<'s>(schema: Option<&'s Value>, name: &str) -> Option<&'s Value> {
    schema?.get("properties")?.get(name)
}

/// The schema of an array's elements.
pub(crate) fn elements(schema: Option<&Value>) -> Option<&Value> {
    schema?.get("items").filter(|s| s.is_object())
}

/// The JSON types the schema allows; `None` when it declares none.
fn types(schema: Option<&Value>) -> Option<Vec<&str>> {
    match schema?.get("type")? {
        Value::String(t) => Some(vec![t.as_str()]),
        Value::Array(list) => Some(list.iter().filter_map(Value::as_str).collect()),
        _ => None,
    }
}

/// The declared types a matcher's kinds correspond to, for the coercions a server applies.
pub(crate) fn declared_kinds(schema: Option<&Value>) -> Vec<Kind> {
    let mut out = Vec::new();
    for t in types(schema).unwrap_or_default() {
        let kind = match t {
            "boolean" => Kind::Bool,
            "number" | "integer" => Kind::Number,
            "string" => Kind::Text,
            _ => continue,
        };
        if !out.contains(&kind) {
            out.push(kind);
        }
    }
    out
}

/// Whether `value` has a type the schema allows (or the schema declares none).
pub(crate) fn fits(value: &Value, schema: Option<&Value>) -> bool {
    let Some(types) = types(schema) else {
        return true;
    };
    types.iter().any(|t| match *t {
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "number" => value.is_number(),
        // JSON Schema counts 5.0 as an integer.
        "integer" => value.as_f64().is_some_and(|n| n.fract() == 0.0),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dotted_names_follow_properties_and_items() {
        let schema = json!({ "type": "object", "properties": {
            "options": { "properties": { "force": { "type": "boolean" } } },
            "edits": { "type": "array", "items": { "properties": { "n": { "type": "integer" } } } }
        }});
        let force = for_argument(&schema, "options.force", false);
        assert_eq!(declared_kinds(force), [Kind::Bool]);
        let n = for_argument(&schema, "edits.3.n", false);
        assert_eq!(declared_kinds(n), [Kind::Number]);
        assert!(for_argument(&schema, "missing", false).is_none());
    }

    #[test]
    fn integer_accepts_integral_floats_only() {
        let schema = json!({ "type": "integer" });
        assert!(fits(&json!(5.0), Some(&schema)));
        assert!(!fits(&json!(5.5), Some(&schema)));
        assert!(!fits(&json!("5"), Some(&schema)));
        assert!(fits(&json!("5"), None));
    }
}
