//! Every string a model sees in a server's definitions, with a JSON pointer to it.
//!
//! Names, titles, descriptions and instructions, and inside input and output schemas every
//! property name and every string value at any depth (descriptions, titles, enum values, defaults,
//! examples, `const`), because a client puts the whole schema in front of the model.

use serde_json::Value;

use crate::definitions::{Definitions, ItemKind, pointer_segment};

/// What role a string plays in a definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextRole {
    /// The server's `initialize` instructions.
    Instructions,
    /// An item's `name`.
    Name,
    /// An item's `title` (or `annotations.title`).
    Title,
    /// An item's `description`.
    Description,
    /// A resource `uri` or a template's `uriTemplate`.
    Uri,
    /// A key of a schema's `properties`, or a prompt argument's name.
    ParameterName,
    /// A `description` or `title` inside a schema, or a prompt argument's description.
    ParameterDescription,
    /// Any other string inside a schema: enum values, defaults, examples, `const`.
    SchemaValue,
}

impl TextRole {
    /// Prose written for the model to read, as opposed to identifiers and values.
    pub fn is_prose(self) -> bool {
        matches!(
            self,
            TextRole::Instructions | TextRole::Description | TextRole::ParameterDescription
        )
    }
}

/// One string and where it sits.
#[derive(Debug, Clone)]
pub struct TextSite<'a> {
    /// RFC 6901 pointer into the definitions document.
    pub pointer: String,
    pub role: TextRole,
    /// The item it belongs to; `None` for the server instructions.
    pub item: Option<(ItemKind, usize)>,
    /// For text inside an input schema or a prompt argument: the top-level parameter's name.
    pub parameter: Option<&'a str>,
    pub text: &'a str,
}

/// A [`TextSite`] whose pointer is written out only when a finding needs it: the detectors read
/// every string of a server, and most strings produce nothing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Site<'a> {
    pub role: TextRole,
    pub item: Option<(ItemKind, usize)>,
    pub parameter: Option<&'a str>,
    pub text: &'a str,
    /// The string's place in [`Paths`].
    path: u32,
}

/// One step of a JSON pointer.
#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Root,
    /// Written as it is (our own field names, which need no escaping).
    Field(&'static str),
    /// An object key from the document, escaped when written.
    Key(&'a str),
    Index(usize),
}

/// The pointers of all sites as a tree of steps (each node its parent and its last step), so
/// walking a document allocates one list, not a string per site.
#[derive(Debug, Default)]
pub(crate) struct Paths<'a> {
    nodes: Vec<(u32, Step<'a>)>,
}

impl<'a> Paths<'a> {
    const ROOT: u32 = 0;

    fn new() -> Self {
        Paths {
            nodes: vec![(0, Step::Root)],
        }
    }

    fn push(&mut self, parent: u32, step: Step<'a>) -> u32 {
        self.nodes.push((parent, step));
        (self.nodes.len() - 1) as u32
    }

    /// The RFC 6901 pointer of `site`.
    pub fn pointer(&self, site: &Site<'_>) -> String {
        let mut steps = Vec::new();
        let mut at = site.path;
        while at != Self::ROOT {
            let (parent, step) = self.nodes[at as usize];
            steps.push(step);
            at = parent;
        }
        let mut out = String::new();
        for step in steps.iter().rev() {
            out.push('/');
            match step {
                Step::Root => {}
                Step::Field(f) => out.push_str(f),
                Step::Key(k) => out.push_str(&pointer_segment(k)),
                Step::Index(i) => out.push_str(&i.to_string()),
            }
        }
        out
    }
}

/// Schema keywords whose string values are structure, not text for the model.
fn structural(key: &str) -> bool {
    matches!(
        key,
        "type"
            | "$ref"
            | "$schema"
            | "$id"
            | "$anchor"
            | "format"
            | "pattern"
            | "contentEncoding"
            | "contentMediaType"
            | "required"
    )
}

/// Collect every text site of `defs`, in document order.
pub fn collect(defs: &Definitions) -> Vec<TextSite<'_>> {
    let (sites, paths) = walk(defs);
    sites
        .iter()
        .map(|s| TextSite {
            pointer: paths.pointer(s),
            role: s.role,
            item: s.item,
            parameter: s.parameter,
            text: s.text,
        })
        .collect()
}

/// Every text site of `defs` in document order, with their pointers as a tree.
pub(crate) fn walk(defs: &Definitions) -> (Vec<Site<'_>>, Paths<'_>) {
    let mut paths = Paths::new();
    let mut out = Vec::new();
    if let Some(text) = defs.instructions.as_deref() {
        out.push(Site {
            role: TextRole::Instructions,
            item: None,
            parameter: None,
            text,
            path: paths.push(Paths::ROOT, Step::Field("instructions")),
        });
    }
    for kind in ItemKind::ALL {
        let items = defs.items(kind);
        if items.is_empty() {
            continue;
        }
        let list = paths.push(Paths::ROOT, Step::Field(kind.list_key()));
        for (index, item) in items.iter().enumerate() {
            let Some(obj) = item.as_object() else {
                continue;
            };
            let base = paths.push(list, Step::Index(index));
            for (field, role) in [
                ("name", TextRole::Name),
                ("title", TextRole::Title),
                ("description", TextRole::Description),
                ("uri", TextRole::Uri),
                ("uriTemplate", TextRole::Uri),
            ] {
                if let Some(text) = obj.get(field).and_then(Value::as_str) {
                    out.push(Site {
                        role,
                        item: Some((kind, index)),
                        parameter: None,
                        text,
                        path: paths.push(base, Step::Field(field)),
                    });
                }
            }
            if let Some(text) = obj
                .get("annotations")
                .and_then(|a| a.get("title"))
                .and_then(Value::as_str)
            {
                out.push(Site {
                    role: TextRole::Title,
                    item: Some((kind, index)),
                    parameter: None,
                    text,
                    path: paths.push(base, Step::Field("annotations/title")),
                });
            }
            for schema_key in ["inputSchema", "outputSchema"] {
                if let Some(schema) = obj.get(schema_key) {
                    let at = paths.push(base, Step::Field(schema_key));
                    let mut walker = SchemaWalker {
                        out: &mut out,
                        paths: &mut paths,
                        item: (kind, index),
                        input: schema_key == "inputSchema",
                    };
                    walker.walk(schema, at, None, None, 0);
                }
            }
            if let Some(args) = obj.get("arguments").and_then(Value::as_array) {
                let arguments = paths.push(base, Step::Field("arguments"));
                for (i, arg) in args.iter().enumerate() {
                    let name = arg.get("name").and_then(Value::as_str);
                    let at = paths.push(arguments, Step::Index(i));
                    for (field, role) in [
                        ("name", TextRole::ParameterName),
                        ("title", TextRole::ParameterDescription),
                        ("description", TextRole::ParameterDescription),
                    ] {
                        if let Some(text) = arg.get(field).and_then(Value::as_str) {
                            out.push(Site {
                                role,
                                item: Some((kind, index)),
                                parameter: name,
                                text,
                                path: paths.push(at, Step::Field(field)),
                            });
                        }
                    }
                }
            }
        }
    }
    (out, paths)
}

struct SchemaWalker<'o, 'a> {
    out: &'o mut Vec<Site<'a>>,
    paths: &'o mut Paths<'a>,
    item: (ItemKind, usize),
    input: bool,
}

impl<'a> SchemaWalker<'_, 'a> {
    /// `key` is the keyword this value sits under; `parameter` the top-level property, if any.
    fn walk(
        &mut self,
        value: &'a Value,
        at: u32,
        key: Option<&str>,
        parameter: Option<&'a str>,
        depth: usize,
    ) {
        // Schemas are trees a server controls; a bound keeps a hostile one from exhausting the stack.
        if depth > 64 {
            return;
        }
        match value {
            Value::String(text) => {
                let role = match key {
                    Some("description" | "title") => TextRole::ParameterDescription,
                    Some(k) if structural(k) => return,
                    _ => TextRole::SchemaValue,
                };
                self.out.push(Site {
                    role,
                    item: Some(self.item),
                    parameter: parameter.filter(|_| self.input),
                    text,
                    path: at,
                });
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    let child = self.paths.push(at, Step::Index(i));
                    // Array elements keep the keyword they sit under (`enum`, `examples`, `required`).
                    self.walk(v, child, key, parameter, depth + 1);
                }
            }
            Value::Object(map) => {
                let in_properties = matches!(key, Some("properties" | "patternProperties"));
                for (k, v) in map {
                    let child = self.paths.push(at, Step::Key(k));
                    if in_properties {
                        let param = if depth <= 1 {
                            Some(k.as_str())
                        } else {
                            parameter
                        };
                        self.out.push(Site {
                            role: TextRole::ParameterName,
                            item: Some(self.item),
                            parameter: param.filter(|_| self.input),
                            text: k,
                            path: child,
                        });
                        self.walk(v, child, None, param, depth + 1);
                    } else {
                        self.walk(v, child, Some(k), parameter, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn collects_nested_schema_texts_with_pointers() {
        let defs = Definitions::from_value(json!({"tools": [{
            "name": "t", "description": "d",
            "inputSchema": {"type": "object", "properties": {"a/b": {"type": "string",
                "description": "pd", "enum": ["x"], "default": "y",
                "items": {"properties": {"deep": {"examples": ["z"]}}}}}}
        }]}))
        .unwrap();
        let sites = collect(&defs);
        let find = |t: &str| sites.iter().find(|s| s.text == t).unwrap();
        assert_eq!(
            find("pd").pointer,
            "/tools/0/inputSchema/properties/a~1b/description"
        );
        assert_eq!(find("x").role, TextRole::SchemaValue);
        assert_eq!(find("z").parameter, Some("a/b"));
        assert_eq!(find("deep").role, TextRole::ParameterName);
        assert!(
            sites
                .iter()
                .all(|s| s.text != "string" && s.text != "object")
        );
    }

    #[test]
    fn collects_instructions_and_prompt_arguments() {
        let defs = Definitions::from_value(json!({"instructions": "i",
            "prompts": [{"name": "p", "arguments": [{"name": "a", "description": "ad"}]}]}))
        .unwrap();
        let sites = collect(&defs);
        assert_eq!(sites[0].pointer, "/instructions");
        let ad = sites.iter().find(|s| s.text == "ad").unwrap();
        assert_eq!(ad.pointer, "/prompts/0/arguments/0/description");
        assert_eq!(ad.parameter, Some("a"));
    }
}
