//! Pins: a SHA-256 over the RFC 8785 (JCS) canonical serialisation of each full definition.
//!
//! The whole definition is hashed (name, title, description, input and output schema,
//! annotations, icons, `_meta` and any field a later protocol revision adds), so any semantic
//! change is drift, while key order and JSON whitespace are not: JCS sorts keys, fixes number and
//! string formatting and drops insignificant whitespace.

mod canonical;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::definitions::{Definitions, ItemKind, item_key};

/// Why definitions could not be pinned.
#[derive(Debug, thiserror::Error)]
pub enum PinError {
    #[error("cannot serialise a definition canonically: {0}")]
    Canonical(#[from] serde_json::Error),
    #[error("{kind} #{index} has no `{field}`; every {kind} needs one to be pinned")]
    MissingKey {
        kind: &'static str,
        index: usize,
        field: &'static str,
    },
    #[error(
        "the server lists two {kind}s named `{key}`; a pin must name one definition, so the server must be fixed or the duplicate removed"
    )]
    Duplicate { kind: &'static str, key: String },
}

/// The RFC 8785 canonical form of a JSON value.
pub fn canonical_json(value: &Value) -> Result<String, PinError> {
    let mut out = Vec::with_capacity(256);
    canonical::write(value, &mut out)?;
    // The writer copies whole strings of a `Value` and ASCII punctuation between them.
    Ok(String::from_utf8(out).expect("canonical JSON is UTF-8"))
}

/// `sha256:` and the lower-case hex SHA-256 of the canonical form of `definition`.
pub fn definition_hash(definition: &Value) -> Result<String, PinError> {
    let mut sink = canonical::HashSink::new();
    canonical::write(definition, &mut sink)?;
    let mut hex = [0u8; 64];
    hex::encode_to_slice(sink.finish(), &mut hex).expect("64 hex digits for 32 bytes");
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    out.extend(hex.iter().map(|&b| char::from(b)));
    Ok(out)
}

/// One hash per definition, keyed by name (tools, prompts), URI (resources) or URI template
/// (resource templates), plus the server instructions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pins {
    pub tools: BTreeMap<String, String>,
    pub prompts: BTreeMap<String, String>,
    pub resources: BTreeMap<String, String>,
    #[serde(rename = "resourceTemplates")]
    pub resource_templates: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
}

impl Pins {
    /// The pins of one kind.
    pub fn of(&self, kind: ItemKind) -> &BTreeMap<String, String> {
        match kind {
            ItemKind::Tool => &self.tools,
            ItemKind::Prompt => &self.prompts,
            ItemKind::Resource => &self.resources,
            ItemKind::ResourceTemplate => &self.resource_templates,
        }
    }

    fn of_mut(&mut self, kind: ItemKind) -> &mut BTreeMap<String, String> {
        match kind {
            ItemKind::Tool => &mut self.tools,
            ItemKind::Prompt => &mut self.prompts,
            ItemKind::Resource => &mut self.resources,
            ItemKind::ResourceTemplate => &mut self.resource_templates,
        }
    }
}

/// Pin every definition of a server.
pub fn pin_definitions(defs: &Definitions) -> Result<Pins, PinError> {
    let mut pins = Pins::default();
    for (kind, index, item) in defs.all_items() {
        let key = item_key(kind, item).ok_or(PinError::MissingKey {
            kind: kind.noun(),
            index,
            field: match kind {
                ItemKind::Tool | ItemKind::Prompt => "name",
                ItemKind::Resource => "uri",
                ItemKind::ResourceTemplate => "uriTemplate",
            },
        })?;
        let hash = definition_hash(item)?;
        if pins.of_mut(kind).insert(key.to_string(), hash).is_some() {
            return Err(PinError::Duplicate {
                kind: kind.noun(),
                key: key.to_string(),
            });
        }
    }
    if let Some(text) = &defs.instructions {
        pins.instructions = Some(definition_hash(&Value::String(text.clone()))?);
    }
    Ok(pins)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn key_order_and_whitespace_are_not_drift() {
        let a: Value = serde_json::from_str(
            r#"{"name":"t","inputSchema":{"type":"object","properties":{"a":{"type":"number"}}}}"#,
        )
        .unwrap();
        let b: Value = serde_json::from_str("{ \"inputSchema\" : {\"properties\":{\"a\":{\"type\":\"number\"}},\n \"type\":\"object\"}, \"name\":\"t\" }").unwrap();
        assert_eq!(definition_hash(&a).unwrap(), definition_hash(&b).unwrap());
    }

    #[test]
    fn any_semantic_change_is_drift() {
        let base = json!({"name": "t", "description": "d", "annotations": {"readOnlyHint": true}, "_meta": {"x": 1}, "icons": [{"src": "a.png"}]});
        let h = definition_hash(&base).unwrap();
        for changed in [
            json!({"name": "t", "description": "d ", "annotations": {"readOnlyHint": true}, "_meta": {"x": 1}, "icons": [{"src": "a.png"}]}),
            json!({"name": "t", "description": "d", "annotations": {"readOnlyHint": false}, "_meta": {"x": 1}, "icons": [{"src": "a.png"}]}),
            json!({"name": "t", "description": "d", "annotations": {"readOnlyHint": true}, "_meta": {"x": 2}, "icons": [{"src": "a.png"}]}),
            json!({"name": "t", "description": "d", "annotations": {"readOnlyHint": true}, "_meta": {"x": 1}, "icons": [{"src": "b.png"}]}),
        ] {
            assert_ne!(definition_hash(&changed).unwrap(), h, "{changed}");
        }
    }

    #[test]
    fn canonical_form_follows_rfc_8785() {
        // RFC 8785 §3.2.3 example values: sorted keys, ES6 number form, minimal escapes.
        let v: Value =
            serde_json::from_str(r#"{"b": 1e2, "a": [1.0, "\u0041\n"], "c": 0.000001}"#).unwrap();
        assert_eq!(
            canonical_json(&v).unwrap(),
            r#"{"a":[1,"A\n"],"b":100,"c":0.000001}"#
        );
    }

    #[test]
    fn pins_every_kind_and_rejects_duplicates() {
        let defs = Definitions::from_value(json!({"tools": [{"name": "a"}], "resources": [{"uri": "file:///x", "name": "x"}],
            "resourceTemplates": [{"uriTemplate": "file:///{p}", "name": "p"}], "prompts": [{"name": "p"}], "instructions": "hi"})).unwrap();
        let pins = pin_definitions(&defs).unwrap();
        assert!(pins.tools["a"].starts_with("sha256:"));
        assert!(
            pins.resources.contains_key("file:///x")
                && pins.resource_templates.contains_key("file:///{p}")
        );
        assert!(pins.instructions.is_some());
        let dup = Definitions::from_value(
            json!({"tools": [{"name": "a"}, {"name": "a", "description": "x"}]}),
        )
        .unwrap();
        assert!(matches!(
            pin_definitions(&dup),
            Err(PinError::Duplicate { .. })
        ));
    }
}
