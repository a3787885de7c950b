//! `mcpward wrap` / `unwrap`: rewrite a client's config so every stdio server starts through
//! `mcpward run --name <server> -- <command> <args…>`, and back.
//!
//! The rewrite splices the file's text: only the `command` string and the start of the `args`
//! list change, so comments, key order, indentation and every other byte stay as they were.
//! Wrapping moves the original `command` literal (as written, escapes included) into `args`, and
//! unwrapping moves it back, so `unwrap(wrap(x)) == x` byte for byte. When wrap has to add
//! `args` it writes it right after `command`; an empty `args` that already sat exactly there
//! is filled as `[ "run", …]` (note the space) so that unwrap can tell the two apart.
//!
//! Entries already wrapped are left alone, so wrapping twice changes nothing. HTTP/SSE entries
//! cannot go through the stdio gateway and are reported as skipped.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use mcpward_config::syntax::{self, Node, Value as SynValue};
use mcpward_config::{ClientKind, Format};

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
    /// Remote servers routed through `mcpward serve` ([`plan_wrap_via_serve`]): the routes its
    /// config needs.
    pub routes: Vec<Route>,
}

/// A `[[route]]` for `mcpward serve`: a remote server the client now reaches through it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub name: String,
    /// Where the server really is (the URL the client config held).
    pub url: String,
    /// Header names the client's entry sends (`Authorization`…): `serve` never passes a
    /// client's credentials on, so they belong in the route as secret references.
    pub headers: Vec<String>,
}

/// Why a config cannot be rewritten.
#[derive(Debug, thiserror::Error)]
pub enum WrapError {
    #[error(
        "{client} configs cannot be rewritten by mcpward yet; change its servers' command to `mcpward run --name <server> -- <command> <args…>` by hand"
    )]
    UnsupportedClient { client: &'static str },
    #[error("line {line}, column {col}: {message}")]
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
    plan(
        source,
        client,
        &Direction::Wrap {
            mcpward_bin,
            serve: None,
        },
    )
}

/// [`plan_wrap`], and every remote (HTTP) server pointed at `serve_base/mcp/<name>`, an
/// `mcpward serve` instance that applies the same policy to it.
pub fn plan_wrap_via_serve(
    source: &str,
    client: ClientKind,
    mcpward_bin: &str,
    serve_base: &str,
) -> Result<WrapPlan, WrapError> {
    plan(
        source,
        client,
        &Direction::Wrap {
            mcpward_bin,
            serve: Some(serve_base.trim_end_matches('/')),
        },
    )
}

/// Plans undoing [`plan_wrap`]: entries launched as `mcpward run … -- <command> <args…>` get
/// their original command and arguments back.
pub fn plan_unwrap(source: &str, client: ClientKind) -> Result<WrapPlan, WrapError> {
    plan(source, client, &Direction::Unwrap)
}

enum Direction<'a> {
    Wrap {
        mcpward_bin: &'a str,
        /// Base URL of an `mcpward serve` instance for remote servers.
        serve: Option<&'a str>,
    },
    Unwrap,
}

/// A replacement of `source[start..end]`.
struct Edit {
    start: usize,
    end: usize,
    text: String,
}

/// How a client's config is written and where it keeps its servers (paths of keys from the root).
fn layout(client: ClientKind) -> Option<(Format, &'static [&'static [&'static str]])> {
    match client {
        ClientKind::ClaudeDesktop
        | ClientKind::ClaudeCode
        | ClientKind::Cursor
        | ClientKind::Windsurf
        | ClientKind::GeminiCli
        | ClientKind::Cline
        | ClientKind::RooCode
        | ClientKind::LmStudio => Some((Format::Jsonc, &[&["mcpServers"]])),
        // `.vscode/mcp.json` / user `mcp.json`, and the older `"mcp": {"servers": …}` in
        // settings.json.
        ClientKind::VsCode => Some((Format::Jsonc, &[&["servers"], &["mcp", "servers"]])),
        // `~/.codex/config.toml`: `[mcp_servers.<name>]` tables (or inline tables).
        ClientKind::Codex => Some((Format::Toml, &[&["mcp_servers"]])),
        ClientKind::Zed | ClientKind::Continue | ClientKind::Goose => None,
    }
}

fn plan(source: &str, client: ClientKind, dir: &Direction<'_>) -> Result<WrapPlan, WrapError> {
    let (format, maps) = layout(client).ok_or(WrapError::UnsupportedClient {
        client: client.name(),
    })?;
    let mut out = WrapPlan {
        new_text: source.to_string(),
        changes: Vec::new(),
        skipped: Vec::new(),
        routes: Vec::new(),
    };
    if source.trim().is_empty() {
        return Ok(out);
    }
    let root = syntax::parse(source, format).map_err(|p| WrapError::Parse {
        line: p.span.line as usize,
        col: p.span.col as usize,
        message: p.message,
    })?;
    let cx = Cx { source, format };
    let mut edits = Vec::new();
    let mut visit = |servers: &Node, project: Option<&str>| {
        let SynValue::Object(members) = &servers.value else {
            return;
        };
        for (name, node) in members {
            if let Direction::Wrap {
                serve: Some(base), ..
            } = dir
                && let Some(routed) = cx.route(&name.value, node, base)
            {
                match routed {
                    Ok((edit, route)) => {
                        edits.push(edit);
                        out.changes.push(Change {
                            server: name.value.clone(),
                            project: project.map(str::to_string),
                            before: route.url.clone(),
                            after: format!("{base}/mcp/{}", route.name),
                        });
                        out.routes.push(route);
                    }
                    Err(reason) => out.skipped.push(Skipped {
                        server: name.value.clone(),
                        project: project.map(str::to_string),
                        reason: reason.to_string(),
                    }),
                }
                continue;
            }
            let planned = cx
                .entry(&name.value, node)
                .and_then(|entry| entry.edit(&cx, dir));
            match planned {
                Ok((entry_edits, before, after)) => {
                    edits.extend(entry_edits);
                    out.changes.push(Change {
                        server: name.value.clone(),
                        project: project.map(str::to_string),
                        before,
                        after,
                    });
                }
                Err(reason) => out.skipped.push(Skipped {
                    server: name.value.clone(),
                    project: project.map(str::to_string),
                    reason: reason.to_string(),
                }),
            }
        }
    };
    for path in maps {
        for servers in objects_at(&root, path) {
            visit(servers, None);
        }
    }
    if client == ClientKind::ClaudeCode {
        for projects in objects_at(&root, &["projects"]) {
            if let SynValue::Object(list) = &projects.value {
                for (project, p) in list {
                    for servers in objects_at(p, &["mcpServers"]) {
                        visit(servers, Some(&project.value));
                    }
                }
            }
        }
    }
    // Edits never overlap; applying them from the end keeps earlier offsets valid.
    edits.sort_by_key(|e| std::cmp::Reverse(e.start));
    for e in edits {
        out.new_text.replace_range(e.start..e.end, &e.text);
    }
    Ok(out)
}

/// Objects reached from `node` by the key path (every member with the key, duplicates
/// included: rewriting all of them is safe whichever one the client reads).
fn objects_at<'n>(node: &'n Node, path: &[&str]) -> Vec<&'n Node> {
    let Some((first, rest)) = path.split_first() else {
        return if node.is_object() {
            vec![node]
        } else {
            Vec::new()
        };
    };
    match &node.value {
        SynValue::Object(members) => members
            .iter()
            .filter(|(k, _)| k.value == *first)
            .flat_map(|(_, v)| objects_at(v, rest))
            .collect(),
        _ => Vec::new(),
    }
}

struct Cx<'s> {
    source: &'s str,
    format: Format,
}

/// A string as written: its value and the byte range of its literal, quotes included.
struct Lit<'n> {
    value: &'n str,
    start: usize,
    end: usize,
}

/// The parts of a server entry the rewrite touches.
struct Entry<'n> {
    name: &'n str,
    command: Lit<'n>,
    args: Option<ArgList<'n>>,
    /// Text that adds `args` right after the command literal when the entry has none, if the
    /// syntax allows it there.
    args_insert: Option<&'static str>,
}

struct ArgList<'n> {
    /// Byte offset of `[`.
    start: usize,
    items: Vec<Lit<'n>>,
}

const TOML_QUOTES: &[&str] = &["\"\"\"", "'''", "\"", "'"];
const JSON_QUOTES: &[&str] = &["\"", "'"];

impl Cx<'_> {
    /// A string node with the byte range of its literal, quotes included.
    fn literal<'n>(&self, node: &'n Node) -> Option<Lit<'n>> {
        let value = node.as_str()?;
        let (s, e) = (node.span.offset, node.span.offset + node.span.len);
        let quotes = match self.format {
            Format::Toml => TOML_QUOTES,
            _ => JSON_QUOTES,
        };
        quotes.iter().find_map(|q| {
            let open = s.checked_sub(q.len())?;
            let close = e.checked_add(q.len())?;
            let delimited =
                self.source.get(open..s) == Some(*q) && self.source.get(e..close) == Some(*q);
            delimited.then_some(Lit {
                value,
                start: open,
                end: close,
            })
        })
    }

    /// A remote server's entry pointed at `base/mcp/<name>`: `None` for an entry without a URL.
    fn route(
        &self,
        name: &str,
        node: &Node,
        base: &str,
    ) -> Option<Result<(Edit, Route), &'static str>> {
        if !node.is_object() || node.get("command").is_some() {
            return None;
        }
        let url_node = ["url", "httpUrl", "serverUrl"]
            .iter()
            .find_map(|k| node.get(k))?;
        let Some(url) = self.literal(url_node) else {
            return Some(Err("its URL is not a plain string"));
        };
        if url.value.starts_with(&format!("{base}/")) {
            return Some(Err("already routed through mcpward serve"));
        }
        if !url.value.starts_with("https://") && !url.value.starts_with("http://") {
            return Some(Err("its URL is not http(s)"));
        }
        let plain = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !plain {
            return Some(Err(
                "its name is not a plain route name (letters, digits, `-`, `_`, `.`)",
            ));
        }
        let mut headers: Vec<String> = ["headers", "http_headers", "requestInit"]
            .iter()
            .filter_map(|k| node.get(k))
            .flat_map(|h| match &h.get("headers").unwrap_or(h).value {
                SynValue::Object(members) => members.iter().map(|(k, _)| k.value.clone()).collect(),
                _ => Vec::new(),
            })
            .collect();
        if node.get("bearer_token_env_var").is_some() {
            headers.push("Authorization".into());
        }
        let edit = Edit {
            start: url.start,
            end: url.end,
            text: quote(&format!("{base}/mcp/{name}")),
        };
        Some(Ok((
            edit,
            Route {
                name: name.to_string(),
                url: url.value.to_string(),
                headers,
            },
        )))
    }

    fn entry<'n>(&self, name: &'n str, node: &'n Node) -> Result<Entry<'n>, &'static str> {
        if !node.is_object() {
            return Err("the entry is not an object");
        }
        let Some((cmd_key, cmd_node)) = node.get_entry("command") else {
            let http = ["url", "httpUrl", "serverUrl"]
                .iter()
                .any(|k| node.get(k).is_some());
            return Err(if http {
                "HTTP/SSE server: the stdio gateway cannot wrap it"
            } else {
                "no `command`: nothing to wrap"
            });
        };
        let Some(command) = self.literal(cmd_node) else {
            return Err("`command` is not a string");
        };
        let args = match node.get("args") {
            None => None,
            Some(a) => {
                let Some(items) = a.as_array() else {
                    return Err("`args` is not a list");
                };
                let Some(items) = items.iter().map(|i| self.literal(i)).collect() else {
                    return Err("`args` holds something other than strings");
                };
                if self.source.as_bytes().get(a.span.offset) != Some(&b'[') {
                    return Err("`args` is not written as a `[…]` list");
                }
                Some(ArgList {
                    start: a.span.offset,
                    items,
                })
            }
        };
        let args_insert = match self.format {
            Format::Toml if self.source.as_bytes().get(node.span.offset) == Some(&b'{') => {
                Some(", args = ")
            }
            // A `[mcp_servers.x]` table: a new line is only right when `command` is a plain
            // key at the start of its line (not `mcp_servers.x.command = …`).
            Format::Toml => {
                let key_start = cmd_key.span.offset;
                let line_start = self
                    .source
                    .get(..key_start)
                    .and_then(|s| s.rfind('\n'))
                    .map_or(0, |i| i + 1);
                let lead = self.source.get(line_start..key_start).unwrap_or("x");
                let newline = if self.source.contains("\r\n") {
                    "\r\nargs = "
                } else {
                    "\nargs = "
                };
                matches!(lead.trim(), "" | "\"" | "'").then_some(newline)
            }
            _ => Some(", \"args\": "),
        };
        Ok(Entry {
            name,
            command,
            args,
            args_insert,
        })
    }
}

/// Edits for one entry, and its launch line before and after.
type Planned = (Vec<Edit>, String, String);

impl Entry<'_> {
    fn arg_values(&self) -> Vec<&str> {
        self.args
            .as_ref()
            .map(|a| a.items.iter().map(|l| l.value).collect())
            .unwrap_or_default()
    }

    fn edit(&self, cx: &Cx<'_>, dir: &Direction<'_>) -> Result<Planned, &'static str> {
        let args = self.arg_values();
        let wrapped = is_mcpward(self.command.value) && args.first() == Some(&"run");
        let before = launch(self.command.value, &args);
        match dir {
            Direction::Wrap { mcpward_bin, .. } => {
                if wrapped {
                    return Err("already wrapped");
                }
                let cmd_raw = &cx.source[self.command.start..self.command.end];
                let prefix = format!(
                    "{}, {}, {}, {}, {cmd_raw}",
                    quote("run"),
                    quote("--name"),
                    quote(self.name),
                    quote("--")
                );
                let mut edits = vec![Edit {
                    start: self.command.start,
                    end: self.command.end,
                    text: quote(mcpward_bin),
                }];
                match &self.args {
                    None => {
                        let Some(insert) = self.args_insert else {
                            return Err(
                                "`args` cannot be added next to this `command` (dotted key); add `args = []` to the entry and run again",
                            );
                        };
                        edits.push(Edit {
                            start: self.command.end,
                            end: self.command.end,
                            text: format!("{insert}[{prefix}]"),
                        });
                    }
                    Some(list) => {
                        let (at, text) = match list.items.first() {
                            Some(first) => (first.start, format!("{prefix}, ")),
                            // An empty list right where wrap would have added one gets a space
                            // after `[`, so unwrap can tell it was there and keep it.
                            None if self.args_adjacent(cx, list) => {
                                (list.start + 1, format!(" {prefix}"))
                            }
                            None => (list.start + 1, prefix),
                        };
                        edits.push(Edit {
                            start: at,
                            end: at,
                            text,
                        });
                    }
                }
                let mut after = vec!["run", "--name", self.name, "--", self.command.value];
                after.extend(args.iter().copied());
                Ok((edits, before, launch(mcpward_bin, &after)))
            }
            Direction::Unwrap => {
                const NO_COMMAND: &str =
                    "`mcpward run` without `-- <command>`: cannot tell the original command";
                let Some(list) = self.args.as_ref().filter(|_| wrapped) else {
                    return Err("not wrapped");
                };
                let sep = separator(&args).ok_or(NO_COMMAND)?;
                let orig = list.items.get(sep + 1).ok_or(NO_COMMAND)?;
                let edits = vec![
                    Edit {
                        start: self.command.start,
                        end: self.command.end,
                        text: cx.source[orig.start..orig.end].to_string(),
                    },
                    self.args_removal(cx, list, sep + 1),
                ];
                Ok((edits, before, launch(orig.value, &args[sep + 2..])))
            }
        }
    }

    /// Removes the wrapper's items `0..=last` from `args`: exactly the text wrap inserted when
    /// the file still looks as wrap left it.
    fn args_removal(&self, cx: &Cx<'_>, list: &ArgList<'_>, last: usize) -> Edit {
        let first = list.items[0].start;
        if let Some(next) = list.items.get(last + 1) {
            return Edit {
                start: first,
                end: next.start,
                text: String::new(),
            };
        }
        let last_end = list.items[last].end;
        let closes = cx.source.get(last_end..last_end + 1) == Some("]");
        let adjacent = self.args_adjacent(cx, list);
        if adjacent && closes && first == list.start + 1 {
            // Wrap added the whole `args` right after the command: remove it again.
            Edit {
                start: self.command.end,
                end: last_end + 1,
                text: String::new(),
            }
        } else if adjacent
            && closes
            && first == list.start + 2
            && cx.source.get(list.start + 1..first) == Some(" ")
        {
            // Wrap filled an empty list that was already there (see `edit`).
            Edit {
                start: list.start + 1,
                end: last_end,
                text: String::new(),
            }
        } else {
            Edit {
                start: first,
                end: last_end,
                text: String::new(),
            }
        }
    }

    /// Whether `args` starts right after the command literal, exactly as wrap writes it when it
    /// adds `args` itself.
    fn args_adjacent(&self, cx: &Cx<'_>, list: &ArgList<'_>) -> bool {
        self.args_insert
            .is_some_and(|insert| cx.source.get(self.command.end..list.start) == Some(insert))
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

/// Writes `plan.new_text` to `path`: first a backup of the current file in `backups` (a private
/// directory in mcpward's state directory, never next to the config, where a shared project's
/// `git add -A` would pick it up: `<file>.<hash of its path>.mcpward-backup-<UTC timestamp>`,
/// never overwriting an existing one), then the new
/// text through a temporary file renamed into place, so a crash leaves either the old or the new
/// config, never half of one. A symlinked config is written through to its target. The file
/// keeps its permissions. Returns the backup's path.
///
/// `expected` is the text the plan was made from: if the file changed since, nothing is written.
pub fn apply(
    path: &Path,
    expected: &str,
    plan: &WrapPlan,
    backups: &Path,
) -> Result<PathBuf, ApplyError> {
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
    crate::state::private_dir(backups)
        .map_err(|e| err("create the backup directory", backups)(io::Error::from(e)))?;
    let (backup, mut b) =
        create_backup(&target, backups, &stamp).map_err(err("create a backup of", &target))?;
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
fn create_backup(target: &Path, dir: &Path, stamp: &str) -> io::Result<(PathBuf, fs::File)> {
    use sha2::Digest as _;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "config".to_owned());
    // Which file it was: many configs are called mcp.json.
    let hash = hex::encode(&sha2::Sha256::digest(target.as_os_str().as_encoded_bytes())[..4]);
    let mut n = 1u32;
    loop {
        let suffix = if n == 1 {
            format!(".mcpward-backup-{stamp}")
        } else {
            format!(".mcpward-backup-{stamp}-{n}")
        };
        let path = dir.join(format!("{name}.{hash}{suffix}"));
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

/// A double-quoted string literal, valid in JSON and as a TOML basic string.
fn quote(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// A launch line for people: arguments with spaces or quotes are shown JSON-quoted.
fn launch(command: &str, args: &[&str]) -> String {
    let show = |s: &str| {
        if s.is_empty() || s.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
            quote(s)
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
