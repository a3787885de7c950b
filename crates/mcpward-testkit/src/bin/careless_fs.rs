//! A filesystem server that checks nothing: the tools and argument shapes of the official
//! filesystem server (`read_text_file`, `read_multiple_files`, `write_file`, `edit_file`,
//! `create_directory`, `list_directory`, `move_file`, `get_file_info`, `search_files`,
//! `directory_tree`), with every path read the loosest way a careless implementation might:
//!
//! - a `file:` URI prefix is dropped (any case, `//localhost` too) and percent escapes decoded;
//! - compatibility characters are folded (NFKC: `．．／` is `../`) and slash look-alikes
//!   (U+2215, U+2044) read as `/`; backslashes are separators;
//! - the path ends at the first NUL, as a C string does;
//! - a Windows drive (`C:`) is dropped; `~` is `$HOME`, `~user` a sibling of `$HOME`;
//! - a relative path is joined to the working directory;
//! - a name that does not exist is matched to an entry that is the same text in another Unicode
//!   normal form (NFD `cafe\u{301}` for NFC `café`), as the official server does.
//!
//! Then it really reads, writes, creates (parents included), renames and lists, following every
//! symlink. The directories on its command line confine nothing. Only mcpward's path guard
//! stands between a call and the disk.
//!
//! `--cwd=DIR` makes it change into DIR first, so a test's relative escapes land in the test's
//! temporary tree rather than in the directory the test runs in.

use std::path::{Path, PathBuf};

use mcpward_testkit::server::{serve, text_result};
use serde_json::{Value, json};
use unicode_normalization::UnicodeNormalization;

fn main() {
    for arg in std::env::args().skip(1) {
        if let Some(dir) = arg.strip_prefix("--cwd=") {
            std::env::set_current_dir(dir).expect("--cwd: cannot change into the directory");
        }
    }
    let tools = [
        ("read_text_file", json!({"path": {"type": "string"}})),
        (
            "read_multiple_files",
            json!({"paths": {"type": "array", "items": {"type": "string"}}}),
        ),
        (
            "write_file",
            json!({"path": {"type": "string"}, "content": {"type": "string"}}),
        ),
        (
            "edit_file",
            json!({"path": {"type": "string"}, "edits": {"type": "array"}}),
        ),
        (
            "create_directory",
            json!({"path": {"type": "string", "format": "path"}}),
        ),
        ("list_directory", json!({"path": {"type": "string"}})),
        (
            "move_file",
            json!({"source": {"type": "string"}, "destination": {"type": "string"}}),
        ),
        ("get_file_info", json!({"path": {"type": "string"}})),
        (
            "search_files",
            json!({"path": {"type": "string"}, "pattern": {"type": "string"}}),
        ),
        ("directory_tree", json!({"path": {"type": "string"}})),
    ]
    .into_iter()
    .map(|(name, properties)| {
        json!({
            "name": name,
            "description": format!("{name} (no checks at all)"),
            "inputSchema": {"type": "object", "properties": properties}
        })
    })
    .collect();
    serve(tools, |_session, tool, args| {
        Some(match call(tool, args) {
            Ok(text) => text_result(&text),
            Err(e) => json!({"content": [{"type": "text", "text": e}], "isError": true}),
        })
    });
}

fn call(tool: &str, args: &Value) -> Result<String, String> {
    let path = || arg_path(args, "path");
    match tool {
        "read_text_file" => read(&path()?),
        "read_multiple_files" => {
            // A single string is taken as a list of one: careless about types too.
            let paths: Vec<String> = match &args["paths"] {
                Value::String(s) => vec![s.clone()],
                Value::Array(items) => items.iter().map(value_text).collect(),
                _ => return Err("paths: expected a list".into()),
            };
            let parts: Vec<String> = paths
                .iter()
                .map(|p| match read(&resolve(p)) {
                    Ok(text) => format!("{p}:\n{text}\n"),
                    Err(e) => format!("{p}: Error - {e}"),
                })
                .collect();
            Ok(parts.join("\n---\n"))
        }
        "write_file" => {
            let target = path()?;
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
            }
            let content = args["content"].as_str().unwrap_or_default();
            std::fs::write(&target, content).map_err(|e| e.to_string())?;
            Ok(format!("Successfully wrote to {}", target.display()))
        }
        "edit_file" => {
            let target = path()?;
            let mut text = std::fs::read_to_string(&target).map_err(|e| e.to_string())?;
            for edit in args["edits"].as_array().into_iter().flatten() {
                let old = edit["oldText"].as_str().unwrap_or_default();
                let new = edit["newText"].as_str().unwrap_or_default();
                text = text.replacen(old, new, 1);
            }
            std::fs::write(&target, &text).map_err(|e| e.to_string())?;
            Ok(format!("Edited {}", target.display()))
        }
        "create_directory" => {
            let target = path()?;
            std::fs::create_dir_all(&target).map_err(|e| e.to_string())?;
            Ok(format!("Created {}", target.display()))
        }
        "list_directory" => {
            let mut lines = Vec::new();
            for entry in std::fs::read_dir(path()?).map_err(|e| e.to_string())? {
                let entry = entry.map_err(|e| e.to_string())?;
                let kind = if entry.path().is_dir() {
                    "[DIR]"
                } else {
                    "[FILE]"
                };
                lines.push(format!("{kind} {}", entry.file_name().to_string_lossy()));
            }
            lines.sort();
            Ok(lines.join("\n"))
        }
        "move_file" => {
            let from = arg_path(args, "source")?;
            let to = arg_path(args, "destination")?;
            std::fs::rename(&from, &to).map_err(|e| e.to_string())?;
            Ok(format!("Moved {} to {}", from.display(), to.display()))
        }
        "get_file_info" => {
            let meta = std::fs::metadata(path()?).map_err(|e| e.to_string())?;
            Ok(format!(
                "size: {}\nisDirectory: {}\nisFile: {}",
                meta.len(),
                meta.is_dir(),
                meta.is_file()
            ))
        }
        "search_files" => {
            let pattern = args["pattern"].as_str().unwrap_or("*");
            let mut found = Vec::new();
            walk(&path()?, 0, &mut |p, _| {
                let name = p.file_name().unwrap_or_default().to_string_lossy();
                if glob_match(pattern, &name) {
                    found.push(p.display().to_string());
                }
            });
            Ok(found.join("\n"))
        }
        "directory_tree" => {
            let mut lines = Vec::new();
            walk(&path()?, 0, &mut |p, depth| {
                let name = p.file_name().unwrap_or_default().to_string_lossy();
                lines.push(format!("{}{name}", "  ".repeat(depth)));
            });
            Ok(lines.join("\n"))
        }
        other => Err(format!("unknown tool {other}")),
    }
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Entries under `dir` (not following symlinked directories, as `read_dir` does not), at most
/// 8 levels deep.
fn walk(dir: &Path, depth: usize, visit: &mut dyn FnMut(&Path, usize)) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        visit(&path, depth);
        if depth < 8 && entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk(&path, depth + 1, visit);
        }
    }
}

/// `*` matches any run of characters; everything else itself.
fn glob_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = name;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    rest.is_empty()
}

/// The text JavaScript's `String()` makes of a value: an array's elements joined with `,`.
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

fn arg_path(args: &Value, name: &str) -> Result<PathBuf, String> {
    match &args[name] {
        Value::Null => Err(format!("{name}: required")),
        v => Ok(resolve(&value_text(v))),
    }
}

/// The path the way a server that checks nothing reads it.
fn resolve(raw: &str) -> PathBuf {
    let mut text = raw.to_owned();
    if text.to_ascii_lowercase().starts_with("file:") {
        text = text[5..].to_owned();
        if let Some(rest) = text.strip_prefix("//") {
            text = rest.strip_prefix("localhost").unwrap_or(rest).to_owned();
        }
    }
    let mut text: String = percent_decode(&text)
        .nfkc()
        .map(|c| match c {
            '\u{2215}' | '\u{2044}' => '/',
            '\\' => '/',
            c => c,
        })
        .collect();
    if let Some(nul) = text.find('\0') {
        text.truncate(nul);
    }
    let bytes = text.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        text = text[2..].to_owned();
    }
    let home = PathBuf::from(std::env::var_os("HOME").unwrap_or_default());
    let path = match text.strip_prefix('~') {
        Some("") => home,
        Some(rest) if rest.starts_with('/') => home.join(rest.trim_start_matches('/')),
        Some(user) => home.parent().unwrap_or(Path::new("/")).join(user),
        None => PathBuf::from(&text),
    };
    unicode_equivalents(&std::env::current_dir().unwrap_or_default().join(path))
}

/// `path` with each name that does not exist replaced by an entry of its directory that is
/// the same text in another normal form.
fn unicode_equivalents(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        let std::path::Component::Normal(name) = part else {
            out.push(part);
            continue;
        };
        let next = out.join(name);
        if std::fs::symlink_metadata(&next).is_ok() {
            out = next;
            continue;
        }
        let wanted: Option<String> = name.to_str().map(|n| n.nfc().collect());
        let equivalent = std::fs::read_dir(&out).ok().and_then(|entries| {
            entries.flatten().map(|e| e.file_name()).find(|e| {
                e.to_str()
                    .zip(wanted.as_deref())
                    .is_some_and(|(e, w)| e.nfc().eq(w.chars()))
            })
        });
        out.push(equivalent.as_deref().unwrap_or(name));
    }
    out
}

/// `%XX` decoded as bytes; the result read as UTF-8, lossily.
fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}
