//! What this kernel offers, and which protections `--sandbox` will apply here.

use serde::Serialize;

use crate::spec::Network;

/// Kernel features the sandbox builds on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Support {
    /// `uname -r`.
    pub kernel: String,
    /// Landlock ABI version; `None` when Landlock is not built in or not enabled at boot.
    pub landlock_abi: Option<u32>,
    /// seccomp filters (`CONFIG_SECCOMP_FILTER`).
    pub seccomp: bool,
    /// A system call allowlist exists for this architecture.
    pub seccomp_allowlist: bool,
    /// Unprivileged user namespaces (not used by the sandbox; reported because other sandboxes
    /// depend on them).
    pub user_namespaces: bool,
    /// The effective uid (the kernel does not apply the process limit to uid 0).
    pub uid: u32,
    /// For uid 0: the `pids` cgroup this process is in, when it can make a child cgroup there
    /// (the process limit is then a cgroup's `pids.max`, which binds root too).
    pub pids_cgroup: Option<std::path::PathBuf>,
}

/// One protection and whether it is in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Protection {
    /// Short name, e.g. `landlock-filesystem`.
    pub name: &'static str,
    /// What it stops.
    pub what: &'static str,
    /// In force (for [`Support::protections`]: will be, on this kernel).
    pub enforced: bool,
    /// `--sandbox` refuses to start without it (unless `--sandbox=best-effort`).
    pub required: bool,
    /// Why it is missing, when it is.
    pub missing_because: Option<String>,
}

impl Protection {
    pub(crate) fn new(
        name: &'static str,
        what: &'static str,
        required: bool,
        missing_because: Option<String>,
    ) -> Protection {
        Protection {
            name,
            what,
            enforced: missing_because.is_none(),
            required,
            missing_because,
        }
    }
}

/// Landlock ABI that scopes signals and abstract Unix sockets to the sandbox.
pub const LANDLOCK_SCOPE_ABI: u32 = 6;
/// Landlock ABI with TCP port rules.
pub const LANDLOCK_NET_ABI: u32 = 4;

impl Support {
    /// Probes the running kernel.
    #[cfg(target_os = "linux")]
    pub fn detect() -> Support {
        Support {
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|s| s.trim().to_owned())
                .unwrap_or_else(|_| "unknown".into()),
            landlock_abi: crate::sys::landlock_abi(),
            seccomp: crate::sys::seccomp_available(),
            seccomp_allowlist: cfg!(target_arch = "x86_64"),
            user_namespaces: std::fs::read_to_string("/proc/sys/user/max_user_namespaces")
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .is_some_and(|n| n > 0),
            uid: crate::sys::euid(),
            pids_cgroup: crate::cgroup::writable_pids_cgroup(),
        }
    }

    /// The protections `--sandbox` applies with `network`, and which of them this kernel
    /// cannot provide.
    pub fn protections(&self, network: &Network) -> Vec<Protection> {
        let abi = self.landlock_abi.unwrap_or(0);
        let landlock = |min: u32| {
            (abi < min).then(|| match self.landlock_abi {
                None => "Landlock is not enabled in this kernel (add `landlock` to the lsm= boot parameter)".to_owned(),
                Some(v) => format!("this kernel's Landlock ABI is {v}; {min} or later is needed"),
            })
        };
        let seccomp = if !self.seccomp {
            Some("this kernel has no seccomp filter support".to_owned())
        } else if !self.seccomp_allowlist {
            Some(format!(
                "mcpward has no system call allowlist for {} yet",
                std::env::consts::ARCH
            ))
        } else {
            None
        };
        let mut list = vec![
            Protection::new(
                "no-new-privs",
                "setuid and file-capability binaries cannot raise privileges",
                true,
                None,
            ),
            Protection::new(
                "capabilities-dropped",
                "no capabilities, none regained through exec (even as root)",
                true,
                None,
            ),
            Protection::new(
                "landlock-filesystem",
                "reads only the runtime and granted paths, writes only the roots; never $HOME or mcpward's state",
                true,
                landlock(1),
            ),
            Protection::new(
                "landlock-refer",
                "no hard links or renames that move a file across a grant boundary",
                false,
                landlock(2),
            ),
            Protection::new(
                "landlock-truncate",
                "no truncating files outside the roots",
                false,
                landlock(3),
            ),
            Protection::new(
                "landlock-scope",
                "no signals to processes outside the sandbox (the gateway) and no abstract Unix sockets outside it",
                true,
                landlock(LANDLOCK_SCOPE_ABI),
            ),
            Protection::new(
                "seccomp-allowlist",
                "default-deny system calls: no ptrace, mount, namespaces, keyring, bpf, io_uring, kexec, modules",
                true,
                seccomp.clone(),
            ),
        ];
        match network {
            Network::Deny => list.push(Protection::new(
                "network-denied",
                "no sockets at all but socketpair: no TCP, UDP, MPTCP, raw, packet, netlink, vsock",
                true,
                seccomp.clone(),
            )),
            Network::TcpConnect(_) => list.push(Protection::new(
                "network-tcp-ports",
                "TCP only, connecting only to the allowed ports, binding none",
                true,
                seccomp.clone().or_else(|| landlock(LANDLOCK_NET_ABI)),
            )),
        }
        list.push(Protection::new(
            "resource-limits",
            "address space, file size, open files, CPU time",
            true,
            None,
        ));
        list.push(Protection::new(
            "process-limit",
            if self.uid == 0 && self.pids_cgroup.is_some() {
                "number of processes (a pids cgroup: RLIMIT_NPROC does not bind uid 0)"
            } else {
                "number of processes"
            },
            false,
            (self.uid == 0 && self.pids_cgroup.is_none()).then(|| {
                "the kernel does not apply RLIMIT_NPROC to uid 0 and no pids cgroup can be made here; run mcpward as an ordinary user for a process limit".to_owned()
            }),
        ));
        list.push(Protection::new(
            "clean-environment",
            "only declared variables and secrets; no LD_PRELOAD/NODE_OPTIONS-style injection",
            true,
            None,
        ));
        list.push(Protection::new(
            "session-and-lifetime",
            "own session, inherited descriptors closed, killed when mcpward exits",
            true,
            None,
        ));
        list
    }
}

/// The required protections that are missing.
pub fn missing_required(list: &[Protection]) -> Vec<&Protection> {
    list.iter().filter(|p| p.required && !p.enforced).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn support(abi: Option<u32>) -> Support {
        Support {
            kernel: "test".into(),
            landlock_abi: abi,
            seccomp: true,
            seccomp_allowlist: true,
            user_namespaces: false,
            uid: 1000,
            pids_cgroup: None,
        }
    }

    #[test]
    fn old_landlock_is_reported_missing_not_assumed() {
        let list = support(Some(3)).protections(&Network::Deny);
        let missing: Vec<&str> = missing_required(&list).iter().map(|p| p.name).collect();
        assert_eq!(missing, ["landlock-scope"]);
        let list = support(None).protections(&Network::TcpConnect(vec![443]));
        let missing: Vec<&str> = missing_required(&list).iter().map(|p| p.name).collect();
        assert_eq!(
            missing,
            ["landlock-filesystem", "landlock-scope", "network-tcp-ports"]
        );
    }

    #[test]
    fn root_has_no_process_limit_and_is_told_so() {
        let mut s = support(Some(7));
        s.uid = 0;
        let list = s.protections(&Network::Deny);
        let nproc = list.iter().find(|p| p.name == "process-limit").unwrap();
        assert!(!nproc.enforced && !nproc.required);
        assert!(missing_required(&list).is_empty());
        // With a pids cgroup to use, root gets a process limit too.
        s.pids_cgroup = Some("/sys/fs/cgroup/pids".into());
        let list = s.protections(&Network::Deny);
        let nproc = list.iter().find(|p| p.name == "process-limit").unwrap();
        assert!(nproc.enforced, "{nproc:?}");
    }
}
