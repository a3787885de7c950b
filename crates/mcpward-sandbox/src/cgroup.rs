//! A process limit that binds root: a child `pids` cgroup with `pids.max`.
//!
//! The kernel does not apply `RLIMIT_NPROC` to uid 0, so for a launcher running as root the
//! limit is a cgroup's instead: the launcher makes `mcpward-<gateway pid>` under the `pids`
//! cgroup it is in (the v1 `pids` hierarchy, or the v2 unified one when the `pids` controller is
//! enabled for children), writes `pids.max`, moves itself in and checks both, before Landlock
//! closes `/sys` to it. The server cannot move itself out: it can no longer write under
//! `/sys/fs/cgroup`. The gateway removes the cgroup when the server has exited
//! ([`release`]); one a stray grandchild keeps alive stays until that process ends.

use std::path::{Path, PathBuf};

const PREFIX: &str = "mcpward-";

/// The `pids` cgroup this process is in, when a child cgroup can be made in it: a mounted,
/// writable hierarchy with the controller. Only meaningful for uid 0.
pub fn writable_pids_cgroup() -> Option<PathBuf> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    let membership = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    pids_cgroup_in(&mounts, &membership, &|p| p.is_dir())
}

/// [`writable_pids_cgroup`] over the text of `/proc/self/mounts` and `/proc/self/cgroup`.
fn pids_cgroup_in(
    mounts: &str,
    membership: &str,
    is_dir: &dyn Fn(&Path) -> bool,
) -> Option<PathBuf> {
    let mut v1 = None;
    let mut v2 = None;
    for line in mounts.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [_, mount, fstype, options, ..] = fields.as_slice() else {
            continue;
        };
        let options: Vec<&str> = options.split(',').collect();
        if !options.contains(&"rw") {
            continue;
        }
        match *fstype {
            "cgroup" if options.contains(&"pids") => v1 = Some(PathBuf::from(mount)),
            "cgroup2" => v2 = Some(PathBuf::from(mount)),
            _ => {}
        }
    }
    for line in membership.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        let path = path.trim_start_matches('/');
        if let Some(mount) = &v1
            && controllers.split(',').any(|c| c == "pids")
        {
            let dir = mount.join(path);
            if is_dir(&dir) {
                return Some(dir);
            }
        }
    }
    let mount = v2?;
    let path = membership
        .lines()
        .find_map(|l| l.strip_prefix("0::"))?
        .trim_start_matches('/');
    let dir = mount.join(path);
    let enabled = std::fs::read_to_string(dir.join("cgroup.subtree_control")).ok()?;
    enabled
        .split_whitespace()
        .any(|c| c == "pids")
        .then_some(dir)
}

/// The cgroup a gateway's sandboxed server is confined in.
pub fn cgroup_for(base: &Path, gateway: u32) -> PathBuf {
    base.join(format!("{PREFIX}{gateway}"))
}

/// Makes the cgroup, sets `pids.max` and moves this process into it. Empty cgroups left by
/// gateways that are gone (killed before they could remove theirs) are removed on the way.
pub fn enter(base: &Path, gateway: u32, max: u64) -> Result<PathBuf, String> {
    sweep(base);
    let dir = cgroup_for(base, gateway);
    match std::fs::create_dir(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("cannot make the cgroup {}: {e}", dir.display())),
    }
    std::fs::write(dir.join("pids.max"), max.to_string())
        .map_err(|e| format!("cannot set {}/pids.max: {e}", dir.display()))?;
    std::fs::write(dir.join("cgroup.procs"), std::process::id().to_string())
        .map_err(|e| format!("cannot move into {}: {e}", dir.display()))?;
    Ok(dir)
}

/// Removes `mcpward-<pid>` cgroups whose gateway no longer runs; the kernel refuses to remove
/// one that still holds a process, so nothing running is ever released.
fn sweep(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(PREFIX))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir(entry.path());
        }
    }
}

/// Proof that this process is in `dir` and that `dir` allows at most `max` processes.
pub fn proven(base: &Path, dir: &Path, max: u64) -> Result<(), String> {
    let set = std::fs::read_to_string(dir.join("pids.max"))
        .map_err(|e| format!("cannot read {}/pids.max: {e}", dir.display()))?;
    if set.trim() != max.to_string() {
        return Err(format!("pids.max reads {} instead of {max}", set.trim()));
    }
    let membership = std::fs::read_to_string("/proc/self/cgroup")
        .map_err(|e| format!("cannot read /proc/self/cgroup: {e}"))?;
    let relative = dir.strip_prefix(base).unwrap_or(dir);
    let name = relative.to_string_lossy();
    if membership.lines().any(|l| l.ends_with(&*name)) {
        Ok(())
    } else {
        Err(format!("this process is not in {}", dir.display()))
    }
}

/// Removes the cgroup of a gateway's server once it has exited (best effort).
pub fn release(gateway: u32) {
    if let Some(base) = writable_pids_cgroup() {
        let _ = std::fs::remove_dir(cgroup_for(&base, gateway));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_v1_pids_hierarchy_the_process_is_in() {
        let mounts = "cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n";
        let membership = "8:pids:/user.slice\n4:memory:/x\n0::/\n";
        assert_eq!(
            pids_cgroup_in(mounts, membership, &|_| true),
            Some(PathBuf::from("/sys/fs/cgroup/pids/user.slice"))
        );
    }

    #[test]
    fn a_read_only_hierarchy_is_not_used() {
        let mounts = "cgroup /sys/fs/cgroup/pids cgroup ro,relatime,pids 0 0\n";
        assert_eq!(pids_cgroup_in(mounts, "8:pids:/\n", &|_| true), None);
    }

    #[test]
    fn no_pids_controller_no_cgroup() {
        let mounts = "cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\n";
        assert_eq!(pids_cgroup_in(mounts, "4:memory:/\n", &|_| true), None);
    }
}
