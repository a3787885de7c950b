//! What a server shows a model: its tools, prompts, resources, resource templates and instructions,
//! in the shape of the `tools/list`, `prompts/list`, `resources/list`,
//! `resources/templates/list` results and the `initialize` instructions.
//!
//! Items stay [`serde_json::Value`]s: every field a server sends is kept, including ones this
//! crate does not know, because pins hash the full definition and detectors read every string.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Why a document could not be read as a server's definitions.
#[derive(Debug, thiserror::Error)]
pub enum DefinitionsError {
    #[error(
        "definitions are not valid JSON: {0}; expected an object with `tools`, `prompts`, `resources`, `resourceTemplates` and `instructions`"
    )]
    Json(#[from] serde_json::Error),
    #[error(
        "`{field}` is not a list of objects (item {index}); each definition must be a JSON object"
    )]
    NotAnObject { field: &'static str, index: usize },
}

/// The definitions one server lists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Definitions {
    #[serde(default)]
    pub tools: Vec<Value>,
    #[serde(default)]
    pub prompts: Vec<Value>,
    #[serde(default)]
    pub resources: Vec<Value>,
    #[serde(default, rename = "resourceTemplates")]
    pub resource_templates: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
}

/// Which list a definition comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ItemKind {
    Tool,
    Prompt,
    Resource,
    ResourceTemplate,
}

impl ItemKind {
    pub const ALL: [ItemKind; 4] = [
        ItemKind::Tool,
        ItemKind::Prompt,
        ItemKind::Resource,
        ItemKind::ResourceTemplate,
    ];

    /// The key of the list in [`Definitions`] (and the first segment of a JSON pointer).
    pub fn list_key(self) -> &'static str {
        match self {
            ItemKind::Tool => "tools",
            ItemKind::Prompt => "prompts",
            ItemKind::Resource => "resources",
            ItemKind::ResourceTemplate => "resourceTemplates",
        }
    }

    /// How a person calls one item of this kind.
    pub fn noun(self) -> &'static str {
        match self {
            ItemKind::Tool => "tool",
            ItemKind::Prompt => "prompt",
            ItemKind::Resource => "resource",
            ItemKind::ResourceTemplate => "resource template",
        }
    }
}

impl Definitions {
    /// Parse a document in the bench/server-file shape; every item must be an object.
    pub fn from_json(text: &str) -> Result<Self, DefinitionsError> {
        let defs: Definitions = serde_json::from_str(text)?;
        defs.validate()?;
        Ok(defs)
    }

    /// Read definitions from an already parsed value.
    pub fn from_value(value: Value) -> Result<Self, DefinitionsError> {
        let defs: Definitions = serde_json::from_value(value)?;
        defs.validate()?;
        Ok(defs)
    }

    fn validate(&self) -> Result<(), DefinitionsError> {
        for kind in ItemKind::ALL {
            if let Some(index) = self.items(kind).iter().position(|v| !v.is_object()) {
                return Err(DefinitionsError::NotAnObject {
                    field: kind.list_key(),
                    index,
                });
            }
        }
        Ok(())
    }

    /// The list of one kind.
    pub fn items(&self, kind: ItemKind) -> &[Value] {
        match kind {
            ItemKind::Tool => &self.tools,
            ItemKind::Prompt => &self.prompts,
            ItemKind::Resource => &self.resources,
            ItemKind::ResourceTemplate => &self.resource_templates,
        }
    }

    /// Every definition with its kind and index.
    pub fn all_items(&self) -> impl Iterator<Item = (ItemKind, usize, &Value)> {
        ItemKind::ALL.into_iter().flat_map(move |kind| {
            self.items(kind)
                .iter()
                .enumerate()
                .map(move |(i, v)| (kind, i, v))
        })
    }

    /// Tool names, in list order.
    pub fn tool_names(&self) -> impl Iterator<Item = &str> {
        self.tools.iter().filter_map(|t| t.get("name")?.as_str())
    }
}

/// The identity of an item inside its list: `name` for tools and prompts, `uri` for resources,
/// `uriTemplate` for resource templates (falling back to `name`).
pub fn item_key(kind: ItemKind, item: &Value) -> Option<&str> {
    let field = match kind {
        ItemKind::Tool | ItemKind::Prompt => "name",
        ItemKind::Resource => "uri",
        ItemKind::ResourceTemplate => "uriTemplate",
    };
    item.get(field)
        .or_else(|| item.get("name"))
        .and_then(Value::as_str)
}

/// Escape one JSON pointer segment (RFC 6901).
pub fn pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_bench_shape_with_missing_lists() {
        let d = Definitions::from_json(r#"{"tools":[{"name":"a"}],"instructions":null}"#).unwrap();
        assert_eq!(d.tools.len(), 1);
        assert!(d.prompts.is_empty() && d.instructions.is_none());
        assert_eq!(d.tool_names().collect::<Vec<_>>(), ["a"]);
    }

    #[test]
    fn rejects_items_that_are_not_objects() {
        let err = Definitions::from_json(r#"{"tools":["x"]}"#).unwrap_err();
        assert!(err.to_string().contains("tools"), "{err}");
    }

    #[test]
    fn pointer_segments_are_escaped() {
        assert_eq!(pointer_segment("a/b~c"), "a~1b~0c");
    }
}
