//! Where path arguments really point, for the policy's path matchers.
//!
//! The policy resolves `.` and `..` lexically and never touches the disk. That leaves symlinks:
//! `src/notes` may be a link to `~/.ssh`, and `src/**` would let a read of `src/notes/id_rsa`
//! through. Before a call is evaluated, the gateway replaces every argument whose path crosses a
//! symlink by where it really points, in a copy used only for the decision; the frame forwarded
//! to the server is untouched. Roots are canonicalised so legitimate paths still match.

use std::path::{Component, Path, PathBuf};

use mcpward_policy::{Action, Decision};
use serde_json::Value;

/// Arguments longer than this are file contents, not paths: not looked up.
const MAX_PATH_LEN: usize = 4096;
/// Nesting depth searched for path-like strings.
const MAX_DEPTH: usize = 8;

/// Canonical forms of `roots` (a root that cannot be resolved is kept as given).
pub fn canonical_roots(roots: &[PathBuf]) -> Vec<PathBuf> {
    roots
        .iter()
        .map(|r| std::fs::canonicalize(r).unwrap_or_else(|_| r.clone()))
        .collect()
}

/// The directory a `file://` root URI names (percent-escapes decoded), or `None` for other
/// schemes, non-local hosts and paths that are not absolute.
pub fn file_uri_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let path = match rest.strip_prefix("localhost") {
        Some(p) => p,
        None => rest,
    };
    if !path.starts_with('/') {
        return None;
    }
    let out: Vec<u8> = percent_encoding::percent_decode_str(path).collect();
    let text = String::from_utf8(out).ok()?;
    if text.contains('\0') {
        return None;
    }
    Some(PathBuf::from(text))
}

/// The directories among a server's launch arguments, as the server resolves them: `~` expanded
/// and relative ones against `cwd` (the working directory the server inherits). These are the
/// reference filesystem server's allowed directories.
pub fn launch_roots(args: &[std::ffi::OsString], cwd: &Path) -> Vec<PathBuf> {
    args.iter()
        .filter_map(|a| {
            let a = a.to_str()?;
            if a.starts_with('-') || a.is_empty() {
                return None;
            }
            let p = match a.strip_prefix('~') {
                Some(rest) if rest.is_empty() || rest.starts_with('/') => {
                    dirs::home_dir()?.join(rest.trim_start_matches('/'))
                }
                _ => cwd.join(a),
            };
            p.is_dir().then_some(p)
        })
        .collect()
}

/// How `..` after a symlink is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dotdot {
    /// As the kernel does: `link/..` is the parent of the link's target (servers that pass the
    /// path to `open` as it is).
    ThroughLinks,
    /// Collapsed before any link is followed: `link/..` is where `link` sits (servers that
    /// normalise first, as Node's `path.resolve` does, then resolve symlinks).
    First,
}

/// `arguments` with path-like strings replaced by where they resolve on disk (`..` read as the
/// kernel does); `None` when nothing changed (the caller then evaluates the original).
pub fn resolve_arguments(arguments: &Value, roots: &[PathBuf]) -> Option<Value> {
    resolve_with(arguments, roots, Dotdot::ThroughLinks)
}

/// Every reading of `arguments` besides the original that a server could act on: resolved with
/// `..` read as the kernel does, and with `..` collapsed first, when these differ from the
/// original and from each other. The caller evaluates each and applies the strictest decision.
pub fn readings(arguments: &Value, roots: &[PathBuf]) -> Vec<Value> {
    let mut out: Vec<Value> = resolve_with(arguments, roots, Dotdot::ThroughLinks)
        .into_iter()
        .collect();
    if let Some(first) = resolve_with(arguments, roots, Dotdot::First)
        && !out.contains(&first)
    {
        out.push(first);
    }
    out
}

fn resolve_with(arguments: &Value, roots: &[PathBuf], dotdot: Dotdot) -> Option<Value> {
    let mut copy = arguments.clone();
    resolve_value(&mut copy, roots, dotdot, 0).then_some(copy)
}

fn resolve_value(value: &mut Value, roots: &[PathBuf], dotdot: Dotdot, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match value {
        Value::String(s) => match resolve_str(s, roots, dotdot) {
            Some(resolved) => {
                *s = resolved;
                true
            }
            None => false,
        },
        // Every element is visited (no short-circuit): each path in a list must be resolved.
        Value::Array(items) => {
            let mut changed = false;
            for v in items {
                changed |= resolve_value(v, roots, dotdot, depth + 1);
            }
            changed
        }
        Value::Object(map) => {
            let mut changed = false;
            for v in map.values_mut() {
                changed |= resolve_value(v, roots, dotdot, depth + 1);
            }
            changed
        }
        _ => false,
    }
}

fn resolve_str(arg: &str, roots: &[PathBuf], dotdot: Dotdot) -> Option<String> {
    if arg.is_empty() || arg.contains(['\n', '\0']) {
        return None;
    }
    // The kernel refuses longer paths, but a server that collapses `..` first can make a long
    // argument short: that reading is judged by its collapsed length.
    if arg.len() > MAX_PATH_LEN && dotdot == Dotdot::ThroughLinks {
        return None;
    }
    let arg = arg.strip_prefix("file://").unwrap_or(arg);
    // Servers such as the reference filesystem server expand `~/` to the home directory; the
    // policy reads it as a file name. This reading shows where such a server would go.
    let home_relative = match arg.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => {
            Some(dirs::home_dir()?.join(rest.trim_start_matches('/')))
        }
        _ => None,
    };
    let expanded = home_relative.is_some();
    let path = Path::new(arg);
    let joined = match home_relative {
        Some(home) => home,
        None if path.is_absolute() => path.to_path_buf(),
        None => roots.first()?.join(path),
    };
    let joined = match dotdot {
        Dotdot::ThroughLinks => joined,
        // Without a `..` both readings are the same: only one is computed.
        Dotdot::First if !joined.components().any(|c| c == Component::ParentDir) => return None,
        Dotdot::First => {
            let collapsed = collapse_dotdot(&joined);
            if collapsed.as_os_str().len() > MAX_PATH_LEN {
                return None;
            }
            collapsed
        }
    };
    let (real, crossed_link) = real_path(&joined)?;
    if !crossed_link && !expanded {
        return None;
    }
    let real = real.to_str()?;
    (real != arg).then(|| real.to_owned())
}

/// `path` with `.` and `..` collapsed without looking at the disk (`..` at the root stays there).
fn collapse_dotdot(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Symlinks followed in one path before giving up (the kernel's limit is 40).
const MAX_LINKS: usize = 40;

/// Where `path` (absolute) really points, and whether a symlink was crossed to get there (when
/// none was, the policy's own collapsing of `.` and `..` gives the same answer). `None` for a
/// symlink loop. Components are walked one
/// by one, so a link is followed wherever it sits: under parts that do not exist yet (a
/// directory created recursively under `src/notes/…`) and when its target does not exist (a
/// dangling `src/out` → `/etc/cron.d/job` would be created through). Parts that do not exist are
/// kept as written. A word such as `main` is never rewritten, so equality and regex matchers
/// still see what the client sent.
fn real_path(path: &Path) -> Option<(PathBuf, bool)> {
    let mut pending: Vec<std::ffi::OsString> = Vec::new();
    let mut real = PathBuf::new();
    for component in path.components().rev() {
        pending.push(component.as_os_str().to_owned());
    }
    let mut links = 0usize;
    while let Some(part) = pending.pop() {
        match Path::new(&part).components().next() {
            Some(Component::Prefix(_) | Component::RootDir) => real.push(&part),
            Some(Component::CurDir) | None => {}
            Some(Component::ParentDir) => {
                real.pop();
            }
            Some(Component::Normal(name)) => {
                let next = real.join(name);
                let is_link =
                    std::fs::symlink_metadata(&next).is_ok_and(|m| m.file_type().is_symlink());
                if !is_link {
                    real = next;
                    continue;
                }
                links += 1;
                if links > MAX_LINKS {
                    return None;
                }
                let target = std::fs::read_link(&next).ok()?;
                if target.is_absolute() {
                    real = PathBuf::new();
                }
                for component in target.components().rev() {
                    pending.push(component.as_os_str().to_owned());
                }
            }
        }
    }
    Some((real, links > 0))
}

/// The stricter of two decisions (deny over ask over allow; the first on a tie). The policy
/// collapses `..` lexically; the kernel resolves `link/..` through the link; Node servers
/// collapse first and then follow links. When resolving symlinks changed an argument, every
/// reading is evaluated and the strictest applies, so no reading can be used to slip past a rule.
pub fn stricter(first: Decision, second: Decision) -> Decision {
    let rank = |a: Action| match a {
        Action::Allow => 0,
        Action::Ask => 1,
        Action::Deny => 2,
    };
    if rank(second.action) > rank(first.action) {
        second
    } else {
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_decode_only_two_hex_digit_escapes_as_node_does() {
        assert_eq!(
            file_uri_path("file:///srv/my%20site"),
            Some(PathBuf::from("/srv/my site"))
        );
        // `u8::from_str_radix` would read `+a` as hex; a URL parser leaves it as written.
        assert_eq!(
            file_uri_path("file:///srv/a%+ab"),
            Some(PathBuf::from("/srv/a%+ab"))
        );
        assert_eq!(file_uri_path("file:///srv/%00x"), None);
        assert_eq!(file_uri_path("https://example.com/x"), None);
    }
    use serde_json::json;

    #[cfg(unix)]
    #[test]
    fn symlink_inside_a_root_resolves_to_its_target_outside() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("id_rsa"), "key").unwrap();
        std::fs::create_dir(root.path().join("src")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join("src/notes")).unwrap();
        let roots = canonical_roots(&[root.path().to_path_buf()]);
        let args = json!({"path": "src/notes/id_rsa", "options": {"paths": ["src/notes"]}});
        let resolved = resolve_arguments(&args, &roots).unwrap();
        let target = std::fs::canonicalize(outside.path()).unwrap();
        assert_eq!(resolved["path"], json!(target.join("id_rsa")));
        assert_eq!(resolved["options"]["paths"][0], json!(target));
    }

    #[cfg(unix)]
    #[test]
    fn new_file_under_a_symlinked_directory_resolves_through_the_link() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join("notes")).unwrap();
        let roots = canonical_roots(&[root.path().to_path_buf()]);
        let target = std::fs::canonicalize(outside.path()).unwrap();
        let args = json!({"path": "notes/new.txt", "dir": "notes/a/b/c"});
        let resolved = resolve_arguments(&args, &roots).unwrap();
        assert_eq!(resolved["path"], json!(target.join("new.txt")));
        // Directories created recursively under the link end up outside too.
        assert_eq!(resolved["dir"], json!(target.join("a/b/c")));
    }

    #[cfg(unix)]
    #[test]
    fn dangling_symlink_resolves_to_the_file_it_would_create() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let target = std::fs::canonicalize(outside.path())
            .unwrap()
            .join("not-yet");
        std::os::unix::fs::symlink(&target, root.path().join("out")).unwrap();
        let roots = canonical_roots(&[root.path().to_path_buf()]);
        let resolved = resolve_arguments(&json!({"path": "out"}), &roots).unwrap();
        assert_eq!(resolved["path"], json!(target));
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loop_is_left_to_the_policy() {
        let root = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("b", root.path().join("a")).unwrap();
        std::os::unix::fs::symlink("a", root.path().join("b")).unwrap();
        let roots = canonical_roots(&[root.path().to_path_buf()]);
        assert_eq!(resolve_arguments(&json!({"path": "a/x"}), &roots), None);
    }

    #[test]
    fn words_and_paths_without_links_are_not_rewritten() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("src")).unwrap();
        let roots = canonical_roots(&[root.path().to_path_buf()]);
        // `main` would name a new file in the root; an `equals = "main"` rule must still see
        // `main`, not an absolute path.
        let args = json!({"branch": "main", "path": "src/new.rs", "abs": roots[0].join("src")});
        assert_eq!(resolve_arguments(&args, &roots), None);
    }

    #[test]
    fn home_relative_path_is_also_read_as_the_home_directory() {
        let root = tempfile::tempdir().unwrap();
        let roots = canonical_roots(&[root.path().to_path_buf()]);
        let Some(home) = dirs::home_dir() else {
            return;
        };
        let resolved = resolve_arguments(&json!({"path": "~/.ssh/id_rsa"}), &roots).unwrap();
        let (expected, _) = real_path(&home.join(".ssh/id_rsa")).unwrap();
        assert_eq!(resolved["path"], json!(expected));
        // Only a leading `~/` (or `~` alone) is the home directory.
        assert_eq!(
            resolve_arguments(&json!({"p": "~user/x", "q": "a~/b"}), &roots),
            None
        );
    }

    #[cfg(unix)]
    #[test]
    fn dotdot_after_a_link_is_read_both_as_the_kernel_and_as_node_do() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("sub/dir")).unwrap();
        std::os::unix::fs::symlink(root.path().join("sub/dir"), root.path().join("link")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join("link2")).unwrap();
        let roots = canonical_roots(&[root.path().to_path_buf()]);
        let target = std::fs::canonicalize(outside.path()).unwrap();
        let got = readings(&json!({"path": "link/../link2/secret"}), &roots);
        let paths: Vec<&Value> = got.iter().map(|v| &v["path"]).collect();
        // The kernel: `link/..` is `sub`, where no `link2` exists.
        assert!(
            paths.contains(&&json!(roots[0].join("sub/link2/secret"))),
            "{paths:?}"
        );
        // Node: `root/link2/secret`, then the link is followed outside.
        assert!(paths.contains(&&json!(target.join("secret"))), "{paths:?}");
        // Padding with `x/..` past the length limit hides nothing from that reading.
        let padded = format!("link2/{}secret", "x/../".repeat(1000));
        let got = readings(&json!({ "path": padded }), &roots);
        assert_eq!(got, vec![json!({"path": target.join("secret")})]);
        // No `..`, no second reading.
        assert_eq!(readings(&json!({"path": "link2/secret"}), &roots).len(), 1);
    }

    #[test]
    fn root_uris_are_decoded_and_other_schemes_ignored() {
        assert_eq!(
            file_uri_path("file:///home/u-example/My%20Project"),
            Some(PathBuf::from("/home/u-example/My Project"))
        );
        assert_eq!(
            file_uri_path("file://localhost/srv"),
            Some(PathBuf::from("/srv"))
        );
        assert_eq!(file_uri_path("https://example.com/x"), None);
        assert_eq!(file_uri_path("file://server/share"), None);
        assert_eq!(file_uri_path("file:///a%00b"), None);
    }

    #[test]
    fn relative_and_home_launch_arguments_are_roots_where_the_server_finds_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("site")).unwrap();
        let args: Vec<std::ffi::OsString> = [".", "site", "--flag", "missing", "/"]
            .iter()
            .map(Into::into)
            .collect();
        let roots = launch_roots(&args, dir.path());
        assert_eq!(
            roots,
            vec![
                dir.path().join("."),
                dir.path().join("site"),
                PathBuf::from("/")
            ]
        );
    }

    #[test]
    fn stricter_decision_wins_and_ties_keep_the_first() {
        use mcpward_policy::{DecisionSource, Mode};
        let d = |action, reason: &str| Decision {
            action,
            source: DecisionSource::DefaultMode(Mode::Ask),
            reason: reason.into(),
        };
        assert_eq!(
            stricter(d(Action::Allow, "a"), d(Action::Ask, "b")).reason,
            "b"
        );
        assert_eq!(
            stricter(d(Action::Deny, "a"), d(Action::Ask, "b")).reason,
            "a"
        );
        assert_eq!(
            stricter(d(Action::Ask, "a"), d(Action::Ask, "b")).reason,
            "a"
        );
    }

    #[test]
    fn contents_and_non_paths_are_left_alone() {
        let root = tempfile::tempdir().unwrap();
        let roots = canonical_roots(&[root.path().to_path_buf()]);
        let args = json!({"content": "line one\nline two", "count": 3, "flag": true, "q": "no/such/dir/x"});
        assert_eq!(resolve_arguments(&args, &roots), None);
    }
}
