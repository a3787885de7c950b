//! The path guard: a path argument of a known tool must land inside one of the server's roots,
//! however the server reads it. It holds in front of a careless server that checks nothing.
//!
//! Which arguments are paths comes from built-in knowledge of the official filesystem server
//! ([`FILESYSTEM_TOOLS`], recognised by launch identity) and from the policy's `[[server]]` table
//! for the server ([`ServerTable`]), which can only add arguments and narrow roots for a server
//! mcpward knows. Schema hints (an argument named like a path that nothing lists) never allow or
//! deny: they are reported for the audit log ([`hint`]). Each path is decided on where it
//! resolves:
//!
//! 1. Rejected outright: empty, NUL, `file:` URIs, percent escapes of `/`, `\`, `.`, `%` or NUL
//!    and overlong UTF-8 (a server that decodes them reads another path), Windows drive paths
//!    (`C:\…`), `~user`. `~` and `~/…` are expanded to the home directory, as the filesystem
//!    server does.
//! 2. Every reading a server may apply is judged, and all must be inside: the text as written;
//!    with compatibility characters folded (NFKC, and slash look-alikes such as U+2215 read as
//!    `/`, as Windows' best-fit code pages do: `．．／` is `../`); with `\` as a separator.
//! 3. A relative path is tried against the working directory and against every root (servers
//!    differ); every reading must be inside.
//! 4. Each reading is judged twice: with `..` collapsed first (Node's `path.resolve`), and as
//!    the kernel walks it (`link/..` is the parent of the link's target).
//! 5. The walk follows symlinks component by component on disk (40 at most); the rest of a path
//!    that does not exist yet is appended as written. A dangling link is followed to where its
//!    target would be created. A name that does not exist but has an entry that is the same text
//!    in another Unicode normal form goes through that entry, as the filesystem server does.
//! 6. Containment is by component: `/root_evil` is not inside `/root`.
//! 7. A write to an existing file with more than one hard link is denied: the other name may be
//!    outside the root. A read is not: the content is inside the root as much as outside.
//! 8. Anything the walk cannot decide (permission denied, a loop, a non-directory in the
//!    middle, a path longer than the OS allows) is denied with the reason.
//!
//! Time of check to time of use: the guard looks at the disk before the call is forwarded; the
//! server opens the path later. Anything that can write inside the root in between (the server
//! itself, another process) can swap a directory for a symlink and redirect the open. A
//! user-space check cannot close that gap; `run --sandbox` does, because Landlock checks every
//! open in the kernel at the moment it happens, whatever the path's history. Without the
//! sandbox the guard stops confused calls and a model steered by text, not a server racing it.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use mcpward_policy::{Action, Decision, ServerTable};
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

pub mod hint;

/// What a tool does with a path argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Read or list.
    Read,
    /// Write, create, edit, or remove (a move's source and destination).
    Write,
}

/// One path argument of a tool: the argument name, whether it holds a list of paths, and the
/// role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathArg {
    /// Tool name.
    pub tool: &'static str,
    /// Argument name.
    pub argument: &'static str,
    /// The argument is an array of paths.
    pub list: bool,
    /// Read or write.
    pub role: Role,
}

const fn arg(tool: &'static str, argument: &'static str, role: Role) -> PathArg {
    PathArg {
        tool,
        argument,
        list: false,
        role,
    }
}

/// The official filesystem server (`@modelcontextprotocol/server-filesystem`).
pub const FILESYSTEM_TOOLS: &[PathArg] = &[
    arg("read_file", "path", Role::Read),
    arg("read_text_file", "path", Role::Read),
    arg("read_media_file", "path", Role::Read),
    PathArg {
        tool: "read_multiple_files",
        argument: "paths",
        list: true,
        role: Role::Read,
    },
    arg("write_file", "path", Role::Write),
    arg("edit_file", "path", Role::Write),
    arg("create_directory", "path", Role::Write),
    arg("list_directory", "path", Role::Read),
    arg("list_directory_with_sizes", "path", Role::Read),
    arg("directory_tree", "path", Role::Read),
    arg("move_file", "source", Role::Write),
    arg("move_file", "destination", Role::Write),
    arg("search_files", "path", Role::Read),
    arg("get_file_info", "path", Role::Read),
];

/// The built-in table for a launch identity (`(ecosystem, package)`), if mcpward knows the
/// server.
pub fn known_path_args(package: Option<(&str, &str)>) -> Option<&'static [PathArg]> {
    match package {
        Some(("npm", "@modelcontextprotocol/server-filesystem")) => Some(FILESYSTEM_TOOLS),
        _ => None,
    }
}

/// Whether a version like `2026.8.31` (a `^`/`~`/`=`/`v` prefix allowed) is at least `min`;
/// `false` for anything that does not read as numbers.
fn version_at_least(version: &str, min: [u64; 3]) -> bool {
    let v = version.trim_start_matches(['^', '~', '=', 'v']);
    let parts: Option<Vec<u64>> = v
        .split(['.', '-', '+'])
        .take(3)
        .map(|p| p.parse().ok())
        .collect();
    match parts.as_deref() {
        Some([a, b, c]) => [*a, *b, *c] >= min,
        _ => false,
    }
}

/// Why a path argument was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// The tool.
    pub tool: String,
    /// The argument.
    pub argument: String,
    /// The value as given.
    pub path: String,
    /// Why, in one sentence.
    pub reason: String,
}

impl std::fmt::Display for Denial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "path guard: `{}` argument `{}` = {:?} {}",
            self.tool, self.argument, self.path, self.reason
        )
    }
}

/// Where the guard resolves paths from.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The server's roots (launch arguments or policy), canonical
    /// ([`crate::paths::canonical_roots`]): the walk trusts them to contain no symlink.
    pub roots: &'a [PathBuf],
    /// The server's working directory, when the server resolves relative paths against it
    /// (older versions of the filesystem server do); `None` when it resolves them only against
    /// its roots.
    pub cwd: Option<&'a Path>,
    /// Home directory for `~`.
    pub home: Option<&'a Path>,
}

/// How an argument holds paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// One path (a string).
    One,
    /// A list of paths (an array of strings).
    List,
    /// Either: a `[[server]]` table's `path_args`.
    OneOrList,
}

/// One argument to check in the call at hand.
#[derive(Debug, Clone, Copy)]
struct Spec<'a> {
    argument: &'a str,
    shape: Shape,
    role: Role,
}

impl Spec<'static> {
    fn builtin(arg: &PathArg) -> Spec<'static> {
        Spec {
            argument: arg.argument,
            shape: if arg.list { Shape::List } else { Shape::One },
            role: arg.role,
        }
    }
}

/// Checks every path argument `table` names for `tool`. `Ok` when the tool has none or all
/// land inside a root.
pub fn check(
    table: &[PathArg],
    tool: &str,
    arguments: &Value,
    ctx: &Context<'_>,
) -> Result<(), Denial> {
    let specs: Vec<Spec<'_>> = table
        .iter()
        .filter(|a| a.tool == tool)
        .map(Spec::builtin)
        .collect();
    check_specs(&specs, tool, arguments, ctx)
}

fn check_specs(
    specs: &[Spec<'_>],
    tool: &str,
    arguments: &Value,
    ctx: &Context<'_>,
) -> Result<(), Denial> {
    for spec in specs {
        let deny = |path: &str, reason: String| Denial {
            tool: tool.to_owned(),
            argument: spec.argument.to_owned(),
            path: path.to_owned(),
            reason,
        };
        let values: Vec<&Value> = match (arguments.get(spec.argument), spec.shape) {
            (None | Some(Value::Null), _) => continue,
            (Some(Value::Array(items)), Shape::List | Shape::OneOrList) => items.iter().collect(),
            (Some(v), Shape::One | Shape::OneOrList) => vec![v],
            (Some(_), Shape::List) => return Err(deny("", "is not a list of paths".into())),
        };
        for value in values {
            let Some(path) = value.as_str() else {
                return Err(deny(&value.to_string(), "is not a string".into()));
            };
            check_path(path, spec.role, ctx).map_err(|reason| deny(path, reason))?;
        }
    }
    Ok(())
}

/// The path arguments of `tool` to check: the built-in ones of a server mcpward knows, then the
/// `[[server]]` table's for every tool. A table's argument is judged as a read only when the
/// tool is known to read (declared in `read_tools`, all its built-in arguments are reads, or
/// the session holds proof it is read-only); otherwise as a write, the stricter reading.
fn specs_for<'a>(
    builtin: Option<&'static [PathArg]>,
    table: Option<&'a ServerTable>,
    tool: &str,
    proven_read_only: bool,
) -> Vec<Spec<'a>> {
    let known: Vec<&PathArg> = builtin
        .unwrap_or_default()
        .iter()
        .filter(|a| a.tool == tool)
        .collect();
    let mut specs: Vec<Spec<'a>> = known.iter().map(|a| Spec::builtin(a)).collect();
    let Some(table) = table else {
        return specs;
    };
    let known_to_read = table.reads(tool)
        || proven_read_only
        || (!known.is_empty() && known.iter().all(|a| a.role == Role::Read));
    for argument in &table.path_args {
        if specs.iter().any(|s| s.argument == argument) {
            continue;
        }
        specs.push(Spec {
            argument,
            shape: Shape::OneOrList,
            role: if known_to_read {
                Role::Read
            } else {
                Role::Write
            },
        });
    }
    specs
}

/// What the session knows about the server a call goes to.
#[derive(Debug, Clone, Copy)]
pub struct Server<'a> {
    /// The package the launch runs: how the official filesystem server is recognised.
    pub identity: Option<&'a crate::identity::LaunchIdentity>,
    /// The policy's `[[server]]` table for the server's name.
    pub table: Option<&'a ServerTable>,
    /// The directories on the launch line.
    pub launch_roots: &'a [PathBuf],
    /// The roots the client declared (`roots/list`); empty when it declared none.
    pub client_roots: &'a [PathBuf],
    /// The `roots` of the policy's table, canonical ([`crate::paths::canonical_roots`]).
    pub table_roots: Option<&'a [PathBuf]>,
    /// The working directory the server was started in (it resolves relative paths there).
    pub cwd: &'a Path,
    /// The home directory `~` stands for (`HOME`, read once when the session starts).
    pub home: Option<&'a Path>,
}

/// The call being judged.
#[derive(Debug, Clone, Copy)]
pub struct ToolCall<'a> {
    pub tool: &'a str,
    pub arguments: &'a Value,
    /// The tool's `inputSchema` from `tools/list`, for hints.
    pub input_schema: Option<&'a Value>,
    /// The session holds proof the tool is read-only (curated list, pin, trusted annotation).
    pub proven_read_only: bool,
}

/// The guard's answer.
#[derive(Debug, Clone)]
pub struct Guarded {
    /// The decision passed in, or a denial naming the path and why.
    pub decision: Decision,
    /// Arguments of a call that was not refused that look like paths but that nothing tells the
    /// guard to check, one sentence each: for the audit log, never a decision.
    pub hints: Vec<String>,
}

/// The directories a path must stay in: the launch directories, replaced by the table's roots
/// (for a server mcpward knows, narrowed by them: a table root counts only inside a launch
/// directory), then narrowed by the roots the client declared. Narrowing keeps what lies inside
/// both, so it never widens; when nothing overlaps, nothing is allowed.
pub fn effective_roots(
    known_server: bool,
    table_roots: Option<&[PathBuf]>,
    launch_roots: &[PathBuf],
    client_roots: &[PathBuf],
) -> Vec<PathBuf> {
    let table = table_roots.map(crate::paths::canonical_roots);
    effective_canonical_roots(
        known_server,
        table.as_deref(),
        &crate::paths::canonical_roots(launch_roots),
        &crate::paths::canonical_roots(client_roots),
    )
    .into_owned()
}

/// [`effective_roots`] of roots already canonical: no system call. A gateway canonicalises its
/// roots once, as the server resolves its allowed directories once when it starts, and the
/// client's roots when it declares them.
/// Borrowed when they are the launch or table roots as they are (the usual call).
fn effective_canonical_roots<'a>(
    known_server: bool,
    table_roots: Option<&'a [PathBuf]>,
    launch_roots: &'a [PathBuf],
    client_roots: &[PathBuf],
) -> std::borrow::Cow<'a, [PathBuf]> {
    use std::borrow::Cow;
    let roots = match table_roots {
        None => Cow::Borrowed(launch_roots),
        Some(table) if known_server => Cow::Owned(intersect(launch_roots, table)),
        Some(table) => Cow::Borrowed(table),
    };
    if client_roots.is_empty() {
        roots
    } else {
        Cow::Owned(intersect(&roots, client_roots))
    }
}

/// The directories inside both an `a` and a `b` directory.
fn intersect(a: &[PathBuf], b: &[PathBuf]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    for x in a {
        for y in b {
            let inner = if y.starts_with(x) {
                y
            } else if x.starts_with(y) {
                x
            } else {
                continue;
            };
            if !out.contains(inner) {
                out.push(inner.clone());
            }
        }
    }
    out
}

/// The hook the session calls before a `tools/call` is evaluated: `decision` unchanged, or a
/// denial naming the path and why, for servers whose path arguments are known (built in or from
/// the policy's `[[server]]` table). Hints are returned for calls not refused.
pub fn apply(decision: Decision, server: &Server<'_>, call: &ToolCall<'_>) -> Guarded {
    let builtin = known_path_args(server.identity.map(|i| i.key()));
    let specs = specs_for(builtin, server.table, call.tool, call.proven_read_only);
    // A refusal the policy already made keeps its own reason.
    if decision.action == Action::Deny {
        return Guarded {
            decision,
            hints: Vec::new(),
        };
    }
    let covered: Vec<&str> = specs.iter().map(|s| s.argument).collect();
    let hints = hint::unguarded(call.arguments, call.input_schema, &covered);
    if specs.is_empty() {
        return Guarded { decision, hints };
    }
    let roots = effective_canonical_roots(
        builtin.is_some(),
        server.table_roots,
        server.launch_roots,
        server.client_roots,
    );
    // Up to 2026.1.14 the filesystem server resolved a relative path against its working
    // directory (`path.resolve(process.cwd(), …)`); from 2026.7.4 against each allowed directory
    // in turn (`resolveRelativePathAgainstAllowedDirectories`), as the published packages show.
    // Without a known version, and for any other server, both readings are judged.
    let cwd_reading = builtin.is_none()
        || !server
            .identity
            .and_then(|i| i.version.as_deref())
            .is_some_and(|v| version_at_least(v, [2026, 7, 4]));
    let ctx = Context {
        roots: &roots,
        cwd: cwd_reading.then_some(server.cwd),
        home: server.home,
    };
    match check_specs(&specs, call.tool, call.arguments, &ctx) {
        Ok(()) => Guarded { decision, hints },
        Err(denial) => Guarded {
            decision: Decision {
                action: Action::Deny,
                source: mcpward_policy::DecisionSource::PathGuard,
                reason: denial.to_string(),
            },
            hints: Vec::new(),
        },
    }
}

/// Decides one path: every reading a server may apply must be inside.
pub fn check_path(raw: &str, role: Role, ctx: &Context<'_>) -> Result<(), String> {
    if raw.is_empty() {
        return Err("is empty".into());
    }
    if raw.contains('\0') {
        return Err("contains a NUL byte, which the OS would cut the path at".into());
    }
    for (reading, how) in readings(raw) {
        check_reading(&reading, role, ctx).map_err(|why| match how {
            None => why,
            Some(how) => format!("read {how} as {reading:?}, {why}"),
        })?;
    }
    Ok(())
}

/// The text as written, and each different text a server may read it as, with how.
fn readings(raw: &str) -> Vec<(std::borrow::Cow<'_, str>, Option<&'static str>)> {
    let mut out: Vec<(std::borrow::Cow<'_, str>, Option<&'static str>)> = vec![(raw.into(), None)];
    // Every character folding changes is outside ASCII.
    let folded = if raw.is_ascii() {
        String::new()
    } else {
        fold(raw)
    };
    if !folded.is_empty() && folded != raw {
        out.push((
            folded.into(),
            Some("with compatibility characters folded (NFKC, Windows best-fit)"),
        ));
    }
    for i in 0..out.len() {
        if out[i].0.contains('\\') {
            let slashed = out[i].0.replace('\\', "/");
            if !out.iter().any(|(r, _)| *r == slashed) {
                out.push((slashed.into(), Some("with backslashes as separators")));
            }
        }
    }
    out
}

/// NFKC (`．` → `.`, `／` → `/`, `‥` → `..`, `％` → `%`), then the slash and backslash
/// look-alikes NFKC keeps but best-fit code pages map (U+2215 DIVISION SLASH and the like).
fn fold(raw: &str) -> String {
    raw.nfkc()
        .map(|c| match c {
            '\u{2215}' | '\u{2044}' | '\u{29F8}' | '\u{2571}' => '/',
            '\u{2216}' | '\u{29F5}' | '\u{29F9}' | '\u{2572}' => '\\',
            c => c,
        })
        .collect()
}

/// Percent escapes a decoding server turns into a separator, a dot, a NUL or another escape;
/// `%c0`, `%c1` and `%e0%80` start overlong UTF-8 forms of them (`%c0%ae` is `.` to a lax
/// decoder).
const DECODED_ESCAPES: [&str; 8] = ["%2f", "%2e", "%25", "%5c", "%00", "%c0", "%c1", "%e0%80"];

/// Decides one reading of a path.
fn check_reading(raw: &str, role: Role, ctx: &Context<'_>) -> Result<(), String> {
    if raw
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("file:"))
    {
        return Err("is a file: URI; give a plain path".into());
    }
    // Every escape starts with `%`: most paths have none and need no lowercase copy.
    if raw.contains('%') {
        let lower = raw.to_ascii_lowercase();
        if DECODED_ESCAPES.iter().any(|e| lower.contains(e)) {
            return Err("contains percent escapes a server may decode into another path".into());
        }
    }
    let bytes = raw.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Err(
            "is a Windows drive path, which a server on Windows (or one that drops the drive) reads outside the root"
                .into(),
        );
    }
    let expanded = match raw.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => {
            let home = ctx
                .home
                .ok_or("starts with `~` but no home directory is known")?;
            home.join(rest.trim_start_matches('/'))
        }
        Some(_) => return Err("names another user's home (`~user`)".into()),
        None => PathBuf::from(raw),
    };
    let roots = ctx.roots;
    if roots.is_empty() {
        return Err(
            "cannot be checked: no root is known for this server (or the roots of the policy and of the client leave none of its directories)"
                .into(),
        );
    }
    let mut bases: Vec<&Path> = if expanded.is_absolute() {
        vec![Path::new("/")]
    } else {
        ctx.cwd
            .into_iter()
            .chain(ctx.roots.iter().map(PathBuf::as_path))
            .collect()
    };
    bases.dedup();
    let has_dotdot = expanded.components().any(|c| c == Component::ParentDir);
    for base in bases {
        let joined = base.join(&expanded);
        let collapsed = lexical(&joined);
        // Without `..` both readings are the same path: walk it once.
        let readings = if has_dotdot {
            vec![walk(&collapsed, roots)?, walk(&joined, roots)?]
        } else {
            vec![walk(&collapsed, roots)?]
        };
        for reading in readings {
            if !roots.iter().any(|r| reading.starts_with(r)) {
                return Err(format!(
                    "resolves to {} outside the allowed roots",
                    reading.display()
                ));
            }
            if role == Role::Write {
                check_hard_links(&reading)?;
            }
        }
    }
    Ok(())
}

/// `.` and `..` collapsed without looking at the disk.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

/// Where the kernel would resolve `path` (absolute): symlinks followed component by component,
/// `..` applied to the resolved parent, the part that does not exist appended as written.
/// A prefix that is literally one of the canonical `roots` is taken as resolved.
fn walk(path: &Path, roots: &[PathBuf]) -> Result<PathBuf, String> {
    let (start, rest) = roots
        .iter()
        .filter_map(|r| path.strip_prefix(r).ok().map(|rest| (r, rest)))
        .max_by_key(|(r, _)| r.as_os_str().len())
        .map_or((Path::new("/"), path), |(r, rest)| (r.as_path(), rest));
    // Components still to walk, last first: borrowed from `path`, owned when a symlink's
    // target put them there.
    let mut pending: Vec<std::borrow::Cow<'_, OsStr>> = rest
        .components()
        .rev()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.into()),
            Component::ParentDir => Some(OsStr::new("..").into()),
            _ => None,
        })
        .collect();
    let mut resolved = start.to_path_buf();
    let mut links = 0;
    let mut exists = true;
    while let Some(part) = pending.pop() {
        if part == OsStr::new("..") {
            resolved.pop();
            continue;
        }
        let next = resolved.join(&part);
        if !exists {
            resolved = next;
            continue;
        }
        match std::fs::symlink_metadata(&next) {
            Ok(meta) if meta.file_type().is_symlink() => {
                links += 1;
                if links > 40 {
                    return Err("goes through more than 40 symlinks".into());
                }
                let target = std::fs::read_link(&next)
                    .map_err(|e| format!("has a symlink that cannot be read: {e}"))?;
                if target.is_absolute() {
                    resolved = PathBuf::from("/");
                }
                for c in target.components().rev() {
                    match c {
                        Component::Normal(n) => pending.push(n.to_owned().into()),
                        Component::ParentDir => pending.push(OsStr::new("..").into()),
                        _ => {}
                    }
                }
            }
            Ok(meta) => {
                if !meta.is_dir() && !pending.is_empty() {
                    return Err(format!(
                        "cannot be decided: {} is not a directory",
                        next.display()
                    ));
                }
                resolved = next;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // The filesystem server opens an entry whose name is the same text in another
                // Unicode normal form (`cafe\u{301}` for `café`) when the name as written does
                // not exist: the walk goes where it would.
                if let Some(equivalent) = unicode_equivalent(&resolved, Path::new(&part)) {
                    pending.push(equivalent.into_os_string().into());
                    continue;
                }
                exists = false;
                resolved = next;
            }
            Err(e) => return Err(format!("cannot be decided: {}: {e}", next.display())),
        }
    }
    if resolved.as_os_str().as_bytes().len() > 4096 {
        return Err("is longer than the OS allows".into());
    }
    Ok(resolved)
}

/// An entry of `dir` whose name is `name` in another Unicode normal form (compared as NFC, as
/// the filesystem server's `resolveUnicodeEquivalentPath` does). ASCII names have no other form.
fn unicode_equivalent(dir: &Path, name: &Path) -> Option<PathBuf> {
    let name = name.to_str()?;
    if name.is_ascii() {
        return None;
    }
    let wanted: String = name.nfc().collect();
    std::fs::read_dir(dir).ok()?.flatten().find_map(|entry| {
        let file_name = entry.file_name();
        let text = file_name.to_str()?;
        (text != name && text.nfc().eq(wanted.chars())).then(|| PathBuf::from(text))
    })
}

fn check_hard_links(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() && meta.nlink() > 1 => Err(format!(
            "is a file with {} hard links; writing it changes every name, and another may be outside the root",
            meta.nlink()
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
