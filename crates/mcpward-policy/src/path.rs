//! Lexical resolution of path arguments, so a glob like `src/**` is compared with where a path
//! really points and `src/../../etc/passwd` cannot pass for a file under `src/`.
//!
//! Resolution never touches the file system (evaluation is pure): symlinks are the gateway's and
//! the sandbox's business. `~` is not expanded; it is an ordinary file name here, as it is for
//! the servers, which do not run a shell.

use std::path::{Component, Path, PathBuf};

/// Collapse `.` and `..` without looking at the disk. `..` at the root stays at the root (as the
/// kernel does); a relative path keeps leading `..` it cannot collapse, which marks it as escaping
/// whatever it is relative to.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    // Number of normal components in `out` that a `..` may remove.
    let mut depth = 0usize;
    for component in path.components() {
        match component {
            Component::Prefix(p) => out.push(p.as_os_str()),
            Component::RootDir => out.push(component.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                if depth > 0 {
                    out.pop();
                    depth -= 1;
                } else if !out.has_root() {
                    out.push("..");
                }
            }
            Component::Normal(name) => {
                out.push(name);
                depth += 1;
            }
        }
    }
    out
}

/// Resolve a path argument: relative paths are joined to the first root (if any), then
/// normalised.
pub(crate) fn resolve(arg: &str, roots: &[PathBuf]) -> PathBuf {
    let arg = Path::new(arg);
    match roots.first() {
        Some(root) if !arg.has_root() => normalize(&root.join(arg)),
        _ => normalize(arg),
    }
}

/// Whether a normalised relative path climbs above its starting point.
pub(crate) fn escapes(relative: &Path) -> bool {
    matches!(relative.components().next(), Some(Component::ParentDir))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots(r: &str) -> Vec<PathBuf> {
        vec![PathBuf::from(r)]
    }

    #[test]
    fn collapses_dot_and_dotdot_lexically() {
        assert_eq!(
            normalize(Path::new("/p/src/./a/../b")),
            Path::new("/p/src/b")
        );
        assert_eq!(normalize(Path::new("src/./a")), Path::new("src/a"));
    }

    #[test]
    fn dotdot_at_root_stays_at_root() {
        assert_eq!(
            normalize(Path::new("/../../etc/passwd")),
            Path::new("/etc/passwd")
        );
    }

    #[test]
    fn relative_escape_keeps_leading_dotdot() {
        let p = normalize(Path::new("src/../../etc/passwd"));
        assert_eq!(p, Path::new("../etc/passwd"));
        assert!(escapes(&p));
    }

    #[test]
    fn relative_args_join_the_first_root() {
        assert_eq!(
            resolve("src/a.rs", &roots("/proj")),
            Path::new("/proj/src/a.rs")
        );
        assert_eq!(
            resolve("src/../../etc/passwd", &roots("/proj")),
            Path::new("/etc/passwd")
        );
    }

    #[test]
    fn absolute_args_ignore_roots() {
        assert_eq!(
            resolve("/etc/passwd", &roots("/proj")),
            Path::new("/etc/passwd")
        );
    }

    #[test]
    fn tilde_is_not_expanded() {
        assert_eq!(
            resolve("~/.ssh/id_rsa", &roots("/proj")),
            Path::new("/proj/~/.ssh/id_rsa")
        );
    }
}
