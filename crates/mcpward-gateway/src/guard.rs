//! The path guard: a path argument of a known tool must land inside one of the server's roots,
//! however the server reads it. It holds in front of a careless server that checks nothing.
//!
//! Which arguments are paths comes from built-in knowledge of the official filesystem server
//! ([`FILESYSTEM_TOOLS`]) or a per-server table ([`PathArg`]); schema hints never allow. Each
//! path is decided on where it resolves:
//!
//! 1. Rejected outright: empty, NUL, `file:` URIs, percent escapes of `/`, `.` or `%` (a
//!    server that decodes them reads another path), `~user`. `~` and `~/…` are expanded to the
//!    home directory, as the filesystem server does.
//! 2. A relative path is tried against the working directory and against every root (servers
//!    differ); every reading must be inside.
//! 3. Each reading is judged twice: with `..` collapsed first (Node's `path.resolve`), and as
//!    the kernel walks it (`link/..` is the parent of the link's target).
//! 4. The walk follows symlinks component by component on disk (40 at most); the rest of a path
//!    that does not exist yet is appended as written. A dangling link is followed to where its
//!    target would be created.
//! 5. Containment is by component: `/root_evil` is not inside `/root`.
//! 6. A write to an existing file with more than one hard link is denied: the other name may be
//!    outside the root.
//! 7. Anything the walk cannot decide (permission denied, a loop, a non-directory in the
//!    middle) is denied with the reason.
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

use mcpward_policy::{Action, Decision};
use serde_json::Value;

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

/// Checks every path argument `table` names for `tool`. `Ok` when the tool has none or all
/// land inside a root.
pub fn check(
    table: &[PathArg],
    tool: &str,
    arguments: &Value,
    ctx: &Context<'_>,
) -> Result<(), Denial> {
    for spec in table.iter().filter(|a| a.tool == tool) {
        let deny = |path: &str, reason: String| Denial {
            tool: tool.to_owned(),
            argument: spec.argument.to_owned(),
            path: path.to_owned(),
            reason,
        };
        let values: Vec<&Value> = match arguments.get(spec.argument) {
            None | Some(Value::Null) => continue,
            Some(Value::Array(items)) if spec.list => items.iter().collect(),
            Some(v) if !spec.list => vec![v],
            Some(_) => return Err(deny("", "is not a list of paths".into())),
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

/// The hook the session calls before a `tools/call` is evaluated: `decision` unchanged, or a
/// denial naming the path and why, for servers whose path arguments are known.
pub fn apply(
    decision: Decision,
    identity: Option<&crate::identity::LaunchIdentity>,
    tool: &str,
    arguments: &Value,
    roots: &[PathBuf],
) -> Decision {
    let Some(table) = known_path_args(identity.map(|i| i.key())) else {
        return decision;
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let roots = crate::paths::canonical_roots(roots);
    // Up to 2026.1.14 the filesystem server resolved a relative path against its working
    // directory (`path.resolve(process.cwd(), …)`); from 2026.7.4 against each allowed directory
    // in turn (`resolveRelativePathAgainstAllowedDirectories`), as the published packages show.
    // Without a known version, both readings are judged.
    let cwd_reading = !identity
        .and_then(|i| i.version.as_deref())
        .is_some_and(|v| version_at_least(v, [2026, 7, 4]));
    let ctx = Context {
        roots: &roots,
        cwd: cwd_reading.then_some(cwd.as_path()),
        home: home.as_deref(),
    };
    // A refusal the policy already made keeps its own reason.
    if decision.action == Action::Deny {
        return decision;
    }
    match check(table, tool, arguments, &ctx) {
        Ok(()) => decision,
        Err(denial) => Decision {
            action: Action::Deny,
            source: mcpward_policy::DecisionSource::PathGuard,
            reason: denial.to_string(),
        },
    }
}

/// Decides one path.
pub fn check_path(raw: &str, role: Role, ctx: &Context<'_>) -> Result<(), String> {
    if raw.is_empty() {
        return Err("is empty".into());
    }
    if raw.contains('\0') {
        return Err("contains a NUL byte, which the OS would cut the path at".into());
    }
    let lower = raw.to_ascii_lowercase();
    if lower.starts_with("file:") {
        return Err("is a file: URI; give a plain path".into());
    }
    if ["%2f", "%2e", "%25", "%5c", "%00"]
        .iter()
        .any(|e| lower.contains(e))
    {
        return Err("contains percent escapes a server may decode into another path".into());
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
        return Err("cannot be checked: no root is known for this server".into());
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
    let mut pending: Vec<PathBuf> = rest
        .components()
        .rev()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(PathBuf::from(n)),
            Component::ParentDir => Some(PathBuf::from("..")),
            _ => None,
        })
        .collect();
    let mut resolved = start.to_path_buf();
    let mut links = 0;
    let mut exists = true;
    while let Some(part) = pending.pop() {
        if part.as_os_str() == OsStr::new("..") {
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
                        Component::Normal(n) => pending.push(PathBuf::from(n)),
                        Component::ParentDir => pending.push(PathBuf::from("..")),
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
