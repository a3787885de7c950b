//! Schema hints: arguments that look like paths but that neither built-in knowledge nor the
//! policy's `[[server]]` table names. A hint is written to the audit log so a person can add the
//! table; it never allows or denies, because a name chosen by the server proves nothing.

use serde_json::Value;

/// Argument names (lower case, without `_` and `-`) that usually hold a path.
const PATH_NAMES: &[&str] = &[
    "path",
    "paths",
    "file",
    "files",
    "filename",
    "filenames",
    "filepath",
    "filepaths",
    "dir",
    "dirs",
    "directory",
    "directories",
    "folder",
    "folders",
    "source",
    "destination",
    "src",
    "dest",
    "dst",
    "target",
    "root",
    "cwd",
    "workdir",
];

/// Last words (`config_file`, `outputDir`) that make a name look like a path.
const PATH_WORDS: &[&str] = &[
    "path",
    "paths",
    "file",
    "files",
    "filename",
    "dir",
    "dirs",
    "directory",
    "folder",
];

/// One sentence for each argument of `arguments` that is present, is not in `covered`, and is
/// named like a path or declared `"format": "path"` (or any format naming a path) in `schema`.
pub fn unguarded(arguments: &Value, schema: Option<&Value>, covered: &[&str]) -> Vec<String> {
    let Some(map) = arguments.as_object() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, value) in map {
        if value.is_null() || covered.contains(&name.as_str()) {
            continue;
        }
        let why = if let Some(format) = declared_path_format(schema, name) {
            format!("its input schema declares \"format\": {format:?}")
        } else if named_like_a_path(name) {
            "it is named like one".to_owned()
        } else {
            continue;
        };
        out.push(format!(
            "argument `{name}` looks like a path ({why}) but the path guard does not check it: no built-in knowledge or [[server]] table of the policy lists it; add it to `path_args` of a [[server]] table for this server (docs/policy.md)"
        ));
    }
    out
}

fn declared_path_format<'a>(schema: Option<&'a Value>, name: &str) -> Option<&'a str> {
    let property = schema?.get("properties")?.get(name)?;
    [property.get("format"), property.pointer("/items/format")]
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .find(|f| f.to_ascii_lowercase().contains("path"))
}

/// `path`, `file_path`, `outputDir`, `source`: the whole name or its last word.
fn named_like_a_path(name: &str) -> bool {
    let flat: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    if PATH_NAMES.contains(&flat.as_str()) {
        return true;
    }
    // The last word: after the last `_`/`-`/space, or the last capital of a camelCase name.
    let last = name.rsplit(['_', '-', ' ', '.']).next().unwrap_or(name);
    let last = match last.char_indices().rev().find(|(_, c)| c.is_uppercase()) {
        Some((i, _)) if i > 0 => &last[i..],
        _ => last,
    };
    let last = last.to_lowercase();
    last.len() < name.len() && PATH_WORDS.contains(&last.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_and_formats_that_look_like_paths_are_hinted() {
        let schema = json!({"properties": {
            "where": {"type": "string", "format": "path"},
            "many": {"type": "array", "items": {"type": "string", "format": "file-path"}},
            "url": {"type": "string", "format": "uri"}
        }});
        let args = json!({
            "file": "/etc/passwd", "config_file": "x", "outputDir": "y", "where": "z",
            "many": ["a"], "profile": "p", "url": "https://example.com", "query": "q",
            "path": "covered", "dir": null
        });
        let hints = unguarded(&args, Some(&schema), &["path"]);
        let mut named: Vec<&str> = hints.iter().map(|h| h.split('`').nth(1).unwrap()).collect();
        named.sort_unstable();
        assert_eq!(named, ["config_file", "file", "many", "outputDir", "where"]);
        let about = |name: &str| {
            hints
                .iter()
                .find(|h| h.contains(&format!("`{name}`")))
                .unwrap()
        };
        assert!(
            about("where").contains("declares \"format\": \"path\""),
            "{hints:?}"
        );
        assert!(about("many").contains("\"file-path\""), "{hints:?}");
        assert!(about("file").contains("named like one"), "{hints:?}");
    }

    #[test]
    fn nothing_is_hinted_without_path_like_arguments() {
        assert!(unguarded(&json!({"query": "x", "limit": 3}), None, &[]).is_empty());
        assert!(unguarded(&json!("not an object"), None, &[]).is_empty());
    }
}
