//! Facts about a config file on disk that rules need but must not fetch themselves: is it in a
//! git work tree, tracked, ignored, readable by others. Gathered once per file, before the rules
//! run, so every rule stays a pure function that tests can feed any combination.

use std::path::Path;

/// What the filesystem and git say about one config file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileFacts {
    /// The file is inside a git work tree.
    pub in_git_repo: bool,
    /// The file is in the git index (committed or staged).
    pub tracked: bool,
    /// An ignore rule (.gitignore, info/exclude, core.excludesFile) covers the file.
    pub ignored: bool,
    /// Unix mode grants read to group or others (`mode & 0o044 != 0`).
    pub world_or_group_readable: bool,
}

impl FileFacts {
    /// Look at `path`. A file that cannot be read or is not inside a work tree is "not in a repo,
    /// not readable by others". Inside a work tree, an index or ignore file that cannot be read
    /// counts as "not ignored": the audit then warns about the file rather than staying silent.
    pub fn gather(path: &Path) -> FileFacts {
        let mut facts = FileFacts {
            world_or_group_readable: readable_by_others(path),
            ..FileFacts::default()
        };
        if let Some(git) = git_facts(path) {
            facts.in_git_repo = true;
            facts.tracked = git.0;
            facts.ignored = git.1;
        }
        facts
    }
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o044 != 0)
}

#[cfg(not(unix))]
fn readable_by_others(_path: &Path) -> bool {
    false
}

/// `(tracked, ignored)` when `path` is inside a git work tree.
fn git_facts(path: &Path) -> Option<(bool, bool)> {
    let abs = std::fs::canonicalize(path).ok()?;
    let dir = abs.parent()?;
    let repo = gix::discover(dir).ok()?;
    let workdir = std::fs::canonicalize(repo.workdir()?).ok()?;
    let relative = abs.strip_prefix(&workdir).ok()?;
    // The index stores `/`-separated paths relative to the work tree.
    let rela: String = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    let Ok(index) = repo.index_or_empty() else {
        return Some((false, false));
    };
    let tracked = index.entry_by_path(rela.as_str().into()).is_some();
    let ignored = repo
        .excludes(
            &index,
            None,
            gix::worktree::stack::state::ignore::Source::WorktreeThenIdMappingIfNotSkipped,
        )
        .ok()
        .and_then(|mut stack| {
            stack
                .at_path(relative, Some(gix::index::entry::Mode::FILE))
                .ok()
                .map(|p| p.is_excluded())
        })
        .unwrap_or(false);
    Some((tracked, ignored))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) -> bool {
        Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    #[test]
    fn sees_tracked_untracked_and_ignored_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        if !git(root, &["init", "-q"]) {
            return; // no git binary on this machine: nothing to compare against
        }
        std::fs::write(root.join(".gitignore"), "secret.json\n").unwrap();
        std::fs::write(root.join(".mcp.json"), "{}").unwrap();
        std::fs::write(root.join("secret.json"), "{}").unwrap();
        std::fs::write(root.join("loose.json"), "{}").unwrap();
        assert!(git(root, &["add", ".mcp.json"]));

        let tracked = FileFacts::gather(&root.join(".mcp.json"));
        assert!(tracked.in_git_repo && tracked.tracked && !tracked.ignored);
        let ignored = FileFacts::gather(&root.join("secret.json"));
        assert!(ignored.in_git_repo && !ignored.tracked && ignored.ignored);
        let loose = FileFacts::gather(&root.join("loose.json"));
        assert!(loose.in_git_repo && !loose.tracked && !loose.ignored);
    }

    #[test]
    fn outside_a_repository_nothing_is_tracked() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.json");
        std::fs::write(&file, "{}").unwrap();
        let f = FileFacts::gather(&file);
        // The temp dir may itself sit inside a repository on some machines; only check consistency.
        assert!(!f.tracked);
        assert_eq!(
            FileFacts::gather(&dir.path().join("missing.json")),
            FileFacts::default()
        );
    }

    #[cfg(unix)]
    #[test]
    fn sees_group_and_world_readable_modes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.json");
        std::fs::write(&file, "{}").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(!FileFacts::gather(&file).world_or_group_readable);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert!(FileFacts::gather(&file).world_or_group_readable);
    }
}
