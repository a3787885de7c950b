//! `mcpward wrap` / `unwrap`: rewrite a client's config so every stdio server starts through
//! `mcpward run --name <server> -- <command> <args…>`, and back.
//!
//! The rewrite splices the file's text: only the `command` string and the start of the `args`
//! list change, so comments, key order, indentation and every other byte stay as they were.
//! Wrapping moves the original `command` literal (as written, escapes included) into `args`, and
//! unwrapping moves it back, so `unwrap(wrap(x)) == x` byte for byte. One exception: an entry
//! written as `"command": "x", "args": []` on one line comes back without its empty `args`
//! (it cannot be told apart from an entry that had no `args`; both mean the same).
//!
//! Entries already wrapped are left alone, so wrapping twice changes nothing. HTTP/SSE entries
//! cannot go through the stdio gateway and are reported as skipped.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use jsonc_parser::ast::{Array, Object, ObjectProp, Value};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions};
use mcpward_config::ClientKind;

/// One server entry the plan changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub server: String,
    /// Claude Code per-project entries: the project directory the entry belongs to.
    pub project: Option<String>,
    /// Launch line before (`command arg…`).
    pub before: String,
    /// Launch line after.
    pub after: String,
}

/// A server entry left alone, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub server: String,
    pub project: Option<String>,
    pub reason: String,
}

/// The rewritten text and what changed. `new_text == source` when nothing changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrapPlan {
    pub new_text: String,
    pub changes: Vec<Change>,
    pub skipped: Vec<Skipped>,
}

/// Why a config cannot be rewritten.
#[derive(Debug, thiserror::Error)]
pub enum WrapError {
    #[error(
        "{client} configs cannot be rewritten by mcpward yet; change its servers' command to `mcpward run --name <server> -- <command> <args…>` by hand"
    )]
    UnsupportedClient { client: &'static str },
    #[error(
        "the config is not valid JSON at line {line}, column {col}: {message}; fix it before wrapping"
    )]
    Parse {
        line: usize,
        col: usize,
        message: String,
    },
}

/// Plans wrapping every stdio server of `source` (a `client` config) with `mcpward_bin run`.
pub fn plan_wrap(
    source: &str,
    client: ClientKind,
    mcpward_bin: &str,
) -> Result<WrapPlan, WrapError> {
    plan(source, client, &Direction::Wrap { mcpward_bin })
}

/// Plans undoing [`plan_wrap`]: entries launched as `mcpward run … -- <command> <args…>` get
/// their original command and arguments back.
pub fn plan_unwrap(source: &str, client: ClientKind) -> Result<WrapPlan, WrapError> {
    plan(source, client, &Direction::Unwrap)
}

enum Direction<'a> {
    Wrap { mcpward_bin: &'a str },
    Unwrap,
}

/// A replacement of `source[start..end]`.
struct Edit {
    start: usize,
    end: usize,
    text: String,
}

/// Where a client keeps its servers, as paths of object keys from the root.
fn server_maps(client: ClientKind) -> Option<&'static [&'static [&'static str]]> {
    match client {
        ClientKind::ClaudeDesktop
        | ClientKind::ClaudeCode
        | ClientKind::Cursor
        | ClientKind::Windsurf
        | ClientKind::GeminiCli
        | ClientKind::Cline
        | ClientKind::RooCode
        | ClientKind::LmStudio => Some(&[&["mcpServers"]]),
        // `.vscode/mcp.json` / user `mcp.json`, and the older `"mcp": {"servers": …}` in
        // settings.json.
        ClientKind::VsCode => Some(&[&["servers"], &["mcp", "servers"]]),
        ClientKind::Codex | ClientKind::Zed | ClientKind::Continue | ClientKind::Goose => None,
    }
}

fn plan(source: &str, client: ClientKind, dir: &Direction<'_>) -> Result<WrapPlan, WrapError> {
    let maps = server_maps(client).ok_or(WrapError::UnsupportedClient {
        client: client.name(),
    })?;
    let parsed =
        jsonc_parser::parse_to_ast(source, &CollectOptions::default(), &ParseOptions::default())
            .map_err(|e| WrapError::Parse {
                line: e.line_display(),
                col: e.column_display(),
                message: e.kind().to_string(),
            })?;
    let mut out = WrapPlan {
        new_text: source.to_string(),
        changes: Vec::new(),
        skipped: Vec::new(),
    };
    let Some(Value::Object(root)) = &parsed.value else {
        return Ok(out);
    };
    let mut edits = Vec::new();
    let mut visit = |servers: &Object<'_>, project: Option<String>| {
        for prop in &servers.properties {
            entry(source, prop, project.clone(), dir, &mut edits, &mut out);
        }
    };
    for path in maps {
        for servers in objects_at(root, path) {
            visit(servers, None);
        }
    }
    if client == ClientKind::ClaudeCode {
        for projects in objects_at(root, &["projects"]) {
            for project in &projects.properties {
                let Value::Object(p) = &project.value else {
                    continue;
                };
                for servers in objects_at(p, &["mcpServers"]) {
                    visit(servers, Some(project.name.as_str().to_string()));
                }
            }
        }
    }
    edits.sort_by_key(|e| std::cmp::Reverse(e.start));
    for e in edits {
        out.new_text.replace_range(e.start..e.end, &e.text);
    }
    Ok(out)
}

/// Objects reached from `obj` by the key path (every property with the key, duplicates
/// included: rewriting all of them is safe whichever one the client reads).
fn objects_at<'o, 'a>(obj: &'o Object<'a>, path: &[&str]) -> Vec<&'o Object<'a>> {
    let Some((first, rest)) = path.split_first() else {
        return vec![obj];
    };
    obj.properties
        .iter()
        .filter(|p| p.name.as_str() == *first)
        .filter_map(|p| match &p.value {
            Value::Object(o) => Some(o),
            _ => None,
        })
        .flat_map(|o| objects_at(o, rest))
        .collect()
}

fn prop<'o, 'a>(obj: &'o Object<'a>, key: &str) -> Option<&'o ObjectProp<'a>> {
    obj.properties.iter().rev().find(|p| p.name.as_str() == key)
}

fn entry(
    source: &str,
    server: &ObjectProp<'_>,
    project: Option<String>,
    dir: &Direction<'_>,
    edits: &mut Vec<Edit>,
    out: &mut WrapPlan,
) {
    let name = server.name.as_str().to_string();
    let mut skip = |reason: &str| {
        out.skipped.push(Skipped {
            server: name.clone(),
            project: project.clone(),
            reason: reason.to_string(),
        });
    };
    let Value::Object(obj) = &server.value else {
        skip("the entry is not an object");
        return;
    };
    let Some(cmd_prop) = prop(obj, "command") else {
        if prop(obj, "url").is_some()
            || prop(obj, "httpUrl").is_some()
            || prop(obj, "serverUrl").is_some()
        {
            skip("HTTP/SSE server: the stdio gateway cannot wrap it");
        } else {
            skip("no `command`: nothing to wrap");
        }
        return;
    };
    let Value::StringLit(cmd) = &cmd_prop.value else {
        skip("`command` is not a string");
        return;
    };
    let args = match prop(obj, "args") {
        None => None,
        Some(p) => match &p.value {
            Value::Array(a) => Some((p, a)),
            _ => {
                skip("`args` is not a list");
                return;
            }
        },
    };
    let arg_strings: Option<Vec<&str>> = match args {
        None => Some(Vec::new()),
        Some((_, a)) => a
            .elements
            .iter()
            .map(|e| e.as_string_lit().map(|s| s.value.as_ref()))
            .collect(),
    };
    let Some(arg_strings) = arg_strings else {
        skip("`args` holds something other than strings");
        return;
    };
    let wrapped = is_mcpward(&cmd.value) && arg_strings.first() == Some(&"run");
    let before = launch(&cmd.value, &arg_strings);
    match dir {
        Direction::Wrap { mcpward_bin } => {
            if wrapped {
                skip("already wrapped");
                return;
            }
            let cmd_raw = &source[cmd.range.start..cmd.range.end];
            let prefix = format!(
                "{}, {}, {}, {}, {cmd_raw}",
                json("run"),
                json("--name"),
                json(&name),
                json("--")
            );
            edits.push(Edit {
                start: cmd.range.start,
                end: cmd.range.end,
                text: json(mcpward_bin),
            });
            match args {
                None => edits.push(Edit {
                    start: cmd.range.end,
                    end: cmd.range.end,
                    text: format!(", \"args\": [{prefix}]"),
                }),
                Some((_, a)) => {
                    let (at, text) = match a.elements.first() {
                        Some(first) => (first.start(), format!("{prefix}, ")),
                        None => (a.range.start + 1, prefix),
                    };
                    edits.push(Edit {
                        start: at,
                        end: at,
                        text,
                    });
                }
            }
            let mut after_args = vec!["run", "--name", name.as_str(), "--", cmd.value.as_ref()];
            after_args.extend(arg_strings.iter().copied());
            out.changes.push(Change {
                server: name.clone(),
                project,
                before,
                after: launch(mcpward_bin, &after_args),
            });
        }
        Direction::Unwrap => {
            let Some((args_prop, a)) = args.filter(|_| wrapped) else {
                skip("not wrapped");
                return;
            };
            let Some(sep) = separator(&arg_strings) else {
                skip("`mcpward run` without `-- <command>`: cannot tell the original command");
                return;
            };
            let Some(orig_cmd) = a.elements.get(sep + 1) else {
                skip("`mcpward run` without `-- <command>`: cannot tell the original command");
                return;
            };
            edits.push(Edit {
                start: cmd.range.start,
                end: cmd.range.end,
                text: source[orig_cmd.start()..orig_cmd.end()].to_string(),
            });
            push_args_removal(source, cmd.range.end, args_prop, a, sep + 1, edits);
            out.changes.push(Change {
                server: name.clone(),
                project,
                before,
                after: launch(arg_strings[sep + 1], &arg_strings[sep + 2..]),
            });
        }
    }
}

/// Removes the wrapper's elements `0..=last` from the `args` array: exactly the text wrap
/// inserted when the file still looks as wrap left it.
fn push_args_removal(
    source: &str,
    cmd_end: usize,
    args_prop: &ObjectProp<'_>,
    a: &Array<'_>,
    last: usize,
    edits: &mut Vec<Edit>,
) {
    let first = &a.elements[0];
    match a.elements.get(last + 1) {
        Some(next) => edits.push(Edit {
            start: first.start(),
            end: next.start(),
            text: String::new(),
        }),
        None => {
            // Wrap adds `, "args": [...]` right after the command when there was no `args`.
            let inserted = args_prop.range.start == cmd_end + 2
                && source.get(cmd_end..a.range.start) == Some(", \"args\": ");
            if inserted {
                edits.push(Edit {
                    start: cmd_end,
                    end: a.range.end,
                    text: String::new(),
                });
            } else {
                edits.push(Edit {
                    start: first.start(),
                    end: a.elements[last].end(),
                    text: String::new(),
                });
            }
        }
    }
}

/// Index of the `--` that ends `mcpward run`'s own options (`args[0]` is `run`); the value of
/// an option such as `--name` is never taken for it, even when it is `--`.
fn separator(args: &[&str]) -> Option<usize> {
    let mut i = 1;
    while let Some(arg) = args.get(i) {
        match *arg {
            "--" => return Some(i),
            "--name" | "--policy" | "--log" | "--state-dir" | "--lockfile" => i += 2,
            _ => i += 1,
        }
    }
    None
}

/// Writes `plan.new_text` to `path`: first a backup of the current file next to it
/// (`<file>.mcpward-backup-<UTC timestamp>`, never overwriting an existing one), then the new
/// text through a temporary file renamed into place, so a crash leaves either the old or the new
/// config, never half of one. A symlinked config is written through to its target. The file
/// keeps its permissions. Returns the backup's path.
///
/// `expected` is the text the plan was made from: if the file changed since, nothing is written.
pub fn apply(path: &Path, expected: &str, plan: &WrapPlan) -> Result<PathBuf, ApplyError> {
    let err = |action: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |error| ApplyError::Io {
            path,
            action,
            error,
        }
    };
    let target = fs::canonicalize(path).map_err(err("resolve", path))?;
    let current = fs::read_to_string(&target).map_err(err("read", &target))?;
    if current != expected {
        return Err(ApplyError::Changed { path: target });
    }
    let perms = fs::metadata(&target)
        .map_err(err("read permissions of", &target))?
        .permissions();
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let (backup, mut b) =
        create_backup(&target, &stamp).map_err(err("create a backup of", &target))?;
    b.set_permissions(perms.clone())
        .map_err(err("set permissions of", &backup))?;
    b.write_all(current.as_bytes())
        .and_then(|()| b.sync_all())
        .map_err(err("write the backup", &backup))?;

    let tmp = sibling(&target, &format!(".mcpward-tmp-{}", std::process::id()));
    let written = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.set_permissions(perms)?;
        f.write_all(plan.new_text.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, &target)
    })();
    if let Err(error) = written {
        let _ = fs::remove_file(&tmp);
        return Err(ApplyError::Io {
            path: target,
            action: "write",
            error,
        });
    }
    Ok(backup)
}

/// Why [`apply`] wrote nothing (or, for a failed final rename, left the backup behind).
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("{} changed while mcpward was planning; nothing was written — run the command again", path.display())]
    Changed { path: PathBuf },
    #[error("cannot {action} {}: {error}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        error: io::Error,
    },
}

/// `<file>.mcpward-backup-<stamp>`, or `…-<stamp>-2`, `-3`… when that exists already (two
/// edits within one second): a backup is never overwritten.
fn create_backup(target: &Path, stamp: &str) -> io::Result<(PathBuf, fs::File)> {
    let mut n = 1u32;
    loop {
        let suffix = if n == 1 {
            format!(".mcpward-backup-{stamp}")
        } else {
            format!(".mcpward-backup-{stamp}-{n}")
        };
        let path = sibling(target, &suffix);
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
            Err(e) => return Err(e),
        }
    }
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Whether `command` names the mcpward binary (any directory, optional `.exe`).
fn is_mcpward(command: &str) -> bool {
    let file = command.rsplit(['/', '\\']).next().unwrap_or(command);
    let stem = file
        .strip_suffix(".exe")
        .or_else(|| file.strip_suffix(".EXE"))
        .unwrap_or(file);
    stem.eq_ignore_ascii_case("mcpward")
}

fn json(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// A launch line for people: arguments with spaces or quotes are shown JSON-quoted.
fn launch(command: &str, args: &[&str]) -> String {
    let show = |s: &str| {
        if s.is_empty() || s.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
            json(s)
        } else {
            s.to_string()
        }
    };
    let mut line = show(command);
    for a in args {
        line.push(' ');
        line.push_str(&show(a));
    }
    line
}

#[cfg(test)]
mod tests;
