//! `mcpward pin`: remember what each server shows (`mcpward.lock`), check it later, accept a
//! change after review; and the lockfile lookup `mcpward run` enforces.

use std::path::{Path, PathBuf};

use anyhow::Context;
use mcpward_gateway::identity::LaunchIdentity;
use mcpward_gateway::proxy::PinSetup;
use mcpward_inspect::{LOCKFILE_NAME, Lockfile};

/// The lockfiles that may pin servers started from `cwd`, in the order they are consulted:
/// `explicit` alone when given; else `mcpward.lock` in `cwd` or its nearest ancestor, then the
/// user-level lock in the state directory (each only if it exists).
pub fn lockfiles(explicit: Option<&Path>, cwd: &Path, state_dir: &Path) -> Vec<PathBuf> {
    if let Some(path) = explicit {
        return vec![path.to_path_buf()];
    }
    let mut out = Vec::new();
    if let Some(project) = cwd
        .ancestors()
        .map(|dir| dir.join(LOCKFILE_NAME))
        .find(|candidate| candidate.is_file())
    {
        out.push(project);
    }
    let user = state_dir.join(LOCKFILE_NAME);
    if user.is_file() && !out.contains(&user) {
        out.push(user);
    }
    out
}

/// Reads and verifies a lockfile. It decides what runs unasked, so one that another user could
/// have written is refused (like a policy file), as is one that was edited by hand.
pub fn load_lockfile(path: &Path) -> anyhow::Result<Lockfile> {
    check_owner(path)?;
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the lockfile {}", path.display()))?;
    Ok(Lockfile::parse(&text, &path.display().to_string())?)
}

#[cfg(unix)]
fn check_owner(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read the lockfile {}", path.display()))?;
    let uid = mcpward_gateway::state::current_uid();
    if meta.uid() != uid && meta.uid() != 0 {
        anyhow::bail!(
            "the lockfile {} belongs to another user (uid {}); mcpward only takes pins from files you or root own",
            path.display(),
            meta.uid()
        );
    }
    if meta.mode() & 0o022 != 0 {
        anyhow::bail!(
            "the lockfile {} can be changed by other users (mode {:o}); run `chmod go-w {}`",
            path.display(),
            meta.mode() & 0o777,
            path.display()
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_owner(_: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// What `mcpward run` checks the server's tools against: the entry for `server` in the first
/// of `lockfiles` that has one (refused as a whole when this launch is not the pinned one), else
/// the record of the server's first use. Every lockfile consulted must be sound.
pub fn pins_for_run(
    lockfiles: &[PathBuf],
    server: &str,
    identity: Option<&LaunchIdentity>,
    first_use: PathBuf,
) -> anyhow::Result<PinSetup> {
    for path in lockfiles {
        let lock = load_lockfile(path).context("cannot start with this lockfile")?;
        let Some(pin) = lock.servers.get(server) else {
            continue;
        };
        if let Some(reason) = launch_mismatch(pin.launch.as_ref(), identity) {
            return Ok(PinSetup::Mismatch {
                file: path.clone(),
                reason,
            });
        }
        return Ok(PinSetup::Locked {
            pin: Box::new(pin.clone()),
            file: path.clone(),
        });
    }
    Ok(PinSetup::FirstUseAt(first_use))
}

/// Why this launch is not the one pinned, if it is not: another package, or another version
/// of it when both are known.
pub fn launch_mismatch(
    pinned: Option<&mcpward_inspect::LaunchPin>,
    identity: Option<&LaunchIdentity>,
) -> Option<String> {
    let pinned = pinned?;
    let package = pinned.package.as_deref()?;
    let ecosystem = pinned.ecosystem.as_deref().unwrap_or("");
    let Some(id) = identity else {
        return Some(format!(
            "this launch does not show which package runs (the pin is of {ecosystem} package `{package}`)"
        ));
    };
    if id.package != package || (!ecosystem.is_empty() && id.ecosystem != ecosystem) {
        return Some(format!(
            "this launch runs {} package `{}`, not `{package}`",
            id.ecosystem, id.package
        ));
    }
    match (&pinned.version, &id.version) {
        (Some(p), Some(now)) if p != now => Some(format!(
            "this launch runs version {now} of `{package}`, and version {p} was pinned; review it with `mcpward pin --check` and pin it again"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(package: &str, version: Option<&str>) -> LaunchIdentity {
        LaunchIdentity {
            ecosystem: "npm",
            package: package.into(),
            version: version.map(str::to_owned),
            evidence: String::new(),
        }
    }

    fn pinned(package: &str, version: Option<&str>) -> mcpward_inspect::LaunchPin {
        mcpward_inspect::LaunchPin {
            command: "npx".into(),
            ecosystem: Some("npm".into()),
            package: Some(package.into()),
            version: version.map(str::to_owned),
        }
    }

    #[test]
    fn a_pin_belongs_to_the_package_that_runs_not_to_the_name() {
        let p = pinned("@modelcontextprotocol/server-git", Some("1.0.0"));
        assert_eq!(
            launch_mismatch(
                Some(&p),
                Some(&id("@modelcontextprotocol/server-git", Some("1.0.0")))
            ),
            None
        );
        // Unknown version at run time: the hashes still decide.
        assert_eq!(
            launch_mismatch(
                Some(&p),
                Some(&id("@modelcontextprotocol/server-git", None))
            ),
            None
        );
        let other = launch_mismatch(Some(&p), Some(&id("@cyanheads/git-mcp-server", None)));
        assert!(other.unwrap().contains("@cyanheads/git-mcp-server"));
        let upgraded = launch_mismatch(
            Some(&p),
            Some(&id("@modelcontextprotocol/server-git", Some("2.0.0"))),
        );
        assert!(upgraded.unwrap().contains("2.0.0"));
        assert!(launch_mismatch(Some(&p), None).is_some());
    }

    #[test]
    fn the_nearest_project_lockfile_is_consulted_before_the_user_level_one() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("proj");
        let sub = project.join("src");
        let state = dir.path().join("state");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::create_dir_all(&state).unwrap();
        assert!(lockfiles(None, &sub, &state).is_empty());
        std::fs::write(state.join(LOCKFILE_NAME), "version = 1\n").unwrap();
        assert_eq!(lockfiles(None, &sub, &state), [state.join(LOCKFILE_NAME)]);
        std::fs::write(project.join(LOCKFILE_NAME), "version = 1\n").unwrap();
        assert_eq!(
            lockfiles(None, &sub, &state),
            [project.join(LOCKFILE_NAME), state.join(LOCKFILE_NAME)]
        );
        let explicit = dir.path().join("other.lock");
        assert_eq!(
            lockfiles(Some(&explicit), &sub, &state),
            std::slice::from_ref(&explicit)
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_lockfile_others_can_write_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCKFILE_NAME);
        std::fs::write(&path, "version = 1\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let err = load_lockfile(&path).unwrap_err().to_string();
        assert!(err.contains("other users"), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(load_lockfile(&path).is_ok());
    }
}
