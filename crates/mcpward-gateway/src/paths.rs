//! Where path arguments really point, for the policy's path matchers.
//!
//! The policy resolves `.` and `..` lexically and never touches the disk. That leaves symlinks:
//! `src/notes` may be a link to `~/.ssh`, and `src/**` would let a read of `src/notes/id_rsa`
//! through. Before a call is evaluated, the gateway replaces every argument that names an
//! existing file or directory (or a new file in an existing directory) by its canonical path, in
//! a copy used only for the decision; the frame forwarded to the server is untouched. Roots are
//! canonicalised the same way so legitimate paths still match.

use std::path::{Path, PathBuf};

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

/// `arguments` with path-like strings replaced by where they resolve on disk; `None` when
/// nothing changed (the caller then evaluates the original).
pub fn resolve_arguments(arguments: &Value, roots: &[PathBuf]) -> Option<Value> {
    let mut copy = arguments.clone();
    resolve_value(&mut copy, roots, 0).then_some(copy)
}

fn resolve_value(value: &mut Value, roots: &[PathBuf], depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match value {
        Value::String(s) => match resolve_str(s, roots) {
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
                changed |= resolve_value(v, roots, depth + 1);
            }
            changed
        }
        Value::Object(map) => {
            let mut changed = false;
            for v in map.values_mut() {
                changed |= resolve_value(v, roots, depth + 1);
            }
            changed
        }
        _ => false,
    }
}

fn resolve_str(arg: &str, roots: &[PathBuf]) -> Option<String> {
    if arg.is_empty() || arg.len() > MAX_PATH_LEN || arg.contains(['\n', '\0']) {
        return None;
    }
    let arg = arg.strip_prefix("file://").unwrap_or(arg);
    let path = Path::new(arg);
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        roots.first()?.join(path)
    };
    let real = real_path(&joined)?;
    let real = real.to_str()?;
    (real != arg).then(|| real.to_owned())
}

/// The canonical path of `path`, or for a path that does not exist yet, the canonical path of
/// its parent joined with its file name.
fn real_path(path: &Path) -> Option<PathBuf> {
    if let Ok(real) = std::fs::canonicalize(path) {
        return Some(real);
    }
    let name = path.file_name()?;
    let parent = std::fs::canonicalize(path.parent()?).ok()?;
    Some(parent.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;
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

    #[test]
    fn new_file_in_an_existing_directory_resolves_through_its_parent() {
        let root = tempfile::tempdir().unwrap();
        let roots = canonical_roots(&[root.path().to_path_buf()]);
        let args = json!({"path": "new.txt"});
        let resolved = resolve_arguments(&args, &roots).unwrap();
        assert_eq!(resolved["path"], json!(roots[0].join("new.txt")));
    }

    #[test]
    fn contents_and_non_paths_are_left_alone() {
        let root = tempfile::tempdir().unwrap();
        let roots = canonical_roots(&[root.path().to_path_buf()]);
        let args = json!({"content": "line one\nline two", "count": 3, "flag": true, "q": "no/such/dir/x"});
        assert_eq!(resolve_arguments(&args, &roots), None);
    }
}
