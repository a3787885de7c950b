//! The launcher: applies a [`Spec`] to this process, proves each protection took effect, then
//! executes the server. It runs in a freshly executed, single-threaded mcpward
//! (`mcpward __sandbox-exec`), not in a `pre_exec` hook, so nothing here has to be
//! async-signal-safe.

use std::ffi::OsString;
use std::path::Path;

use landlock::{
    ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, NetPort, Ruleset, RulesetAttr,
    RulesetCreatedAttr, RulesetStatus, Scope, path_beneath_rules,
};

use crate::spec::{Mode, Network, Spec, is_injection_variable};
use crate::support::{Protection, Support, missing_required};
use crate::sys;

pub use crate::SPEC_VARIABLE;

/// Why the server was not executed.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// The spec could not be read.
    #[error("the sandbox spec in {SPEC_VARIABLE} is missing or invalid: {0}")]
    Spec(String),
    /// A step failed outright.
    #[error("sandbox set-up failed at {step}: {source}")]
    Step {
        /// Which step.
        step: &'static str,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Required protections are not in force.
    #[error(
        "the server was not started: required sandbox protections are not in force here: {}; see `mcpward sandbox check`, or accept running without them with --sandbox=best-effort",
        .0.iter().map(|p| format!("{} ({})", p.name, p.missing_because.as_deref().unwrap_or("not in force"))).collect::<Vec<_>>().join("; ")
    )]
    Missing(Vec<Protection>),
    /// The gateway exited before the server could start.
    #[error("mcpward exited before the server started")]
    ParentGone,
    /// execve failed.
    #[error("cannot execute `{program}`: {source}")]
    Exec {
        /// The program.
        program: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

fn step(step: &'static str) -> impl FnOnce(std::io::Error) -> LaunchError {
    move |source| LaunchError::Step { step, source }
}

/// Reads the spec from [`SPEC_VARIABLE`].
pub fn spec_from_env() -> Result<Spec, LaunchError> {
    let text = std::env::var(SPEC_VARIABLE).map_err(|e| LaunchError::Spec(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| LaunchError::Spec(e.to_string()))
}

/// The launcher after confinement: what is in force, and the exec still to do.
#[derive(Debug)]
pub struct Confined {
    /// Every protection, as proven after applying it.
    pub protections: Vec<Protection>,
    program: std::path::PathBuf,
    env: Vec<OsString>,
}

/// Applies `spec` to this process and proves it. In strict mode a missing required protection
/// is an error; in best-effort mode it is listed in [`Confined::protections`].
pub fn confine(spec: &Spec) -> Result<Confined, LaunchError> {
    let support = Support::detect();
    sys::kill_with_parent().map_err(step("parent-death signal"))?;
    // The gateway may have died between fork and prctl; the signal would then never come.
    if sys::parent_pid() != spec.parent {
        return Err(LaunchError::ParentGone);
    }
    // Not fatal: already a session leader when started that way.
    let _ = sys::new_session();
    sys::close_inherited().map_err(step("closing inherited descriptors"))?;

    let env: Vec<OsString> = std::env::vars_os()
        .filter(|(k, _)| {
            k.to_str()
                .is_some_and(|k| spec.keep_env.iter().any(|n| n == k) && !is_injection_variable(k))
        })
        .map(|(k, v)| {
            let mut entry = k;
            entry.push("=");
            entry.push(v);
            entry
        })
        .collect();

    let limits = &spec.limits;
    for (resource, value, name) in [
        (libc::RLIMIT_AS, limits.address_space, "address space limit"),
        (libc::RLIMIT_NPROC, limits.processes, "process limit"),
        (libc::RLIMIT_FSIZE, limits.file_size, "file size limit"),
        (libc::RLIMIT_NOFILE, limits.open_files, "open files limit"),
        (libc::RLIMIT_CPU, limits.cpu_seconds, "CPU time limit"),
        (libc::RLIMIT_CORE, Some(0), "core dump limit"),
    ] {
        if let Some(value) = value {
            sys::set_limit(resource, value).map_err(step(name))?;
        }
    }

    // Root is exempt from RLIMIT_NPROC: its process limit is a pids cgroup, entered while /sys
    // is still reachable (Landlock closes it below).
    let cgroup: Option<Result<(std::path::PathBuf, std::path::PathBuf, u64), String>> =
        match (support.uid, limits.processes, &support.pids_cgroup) {
            (0, Some(max), Some(base)) => Some(
                crate::cgroup::enter(base, spec.parent, max).map(|dir| (base.clone(), dir, max)),
            ),
            _ => None,
        };

    sys::drop_capabilities().map_err(step("dropping capabilities"))?;
    sys::set_no_new_privs().map_err(step("no_new_privs"))?;
    let landlock = apply_landlock(spec);
    let seccomp = crate::seccomp::programs(&spec.network)
        .map_err(|e| e.to_string())
        .and_then(|programs| {
            programs
                .iter()
                .try_for_each(|p| seccompiler::apply_filter(p))
                .map_err(|e| e.to_string())
        });

    let protections = prove(spec, &support, landlock, seccomp, cgroup);
    let missing: Vec<Protection> = missing_required(&protections)
        .into_iter()
        .cloned()
        .collect();
    if spec.mode == Mode::Strict && !missing.is_empty() {
        return Err(LaunchError::Missing(missing));
    }
    Ok(Confined {
        protections,
        program: spec.program.clone(),
        env,
    })
}

impl Confined {
    /// Executes the server with `argv` (its `argv[0]` as the user wrote it). Returns only on
    /// failure.
    pub fn exec(self, argv: &[OsString]) -> LaunchError {
        let source = sys::execve(&self.program, argv, &self.env);
        LaunchError::Exec {
            program: self.program.display().to_string(),
            source,
        }
    }
}

/// The Landlock outcome: the ABI in force, or why none is.
type LandlockOutcome = Result<u32, String>;

fn apply_landlock(spec: &Spec) -> LandlockOutcome {
    let abi = ABI::V6;
    let in_force = sys::landlock_abi().ok_or("Landlock is not enabled in this kernel")?;
    let read = AccessFs::from_read(abi);
    let all = AccessFs::from_all(abi);
    let mut ruleset = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(all)
        .map_err(|e| e.to_string())?;
    if in_force >= crate::support::LANDLOCK_NET_ABI {
        ruleset = ruleset
            .handle_access(AccessNet::BindTcp | AccessNet::ConnectTcp)
            .map_err(|e| e.to_string())?;
    }
    let ruleset = ruleset
        .scope(Scope::AbstractUnixSocket | Scope::Signal)
        .map_err(|e| e.to_string())?;
    let ports: Vec<u16> = match &spec.network {
        Network::Deny => Vec::new(),
        Network::TcpConnect(ports) => ports.clone(),
    };
    let status =
        ruleset
            .create()
            .and_then(|r| r.add_rules(path_beneath_rules(&spec.read, read)))
            .and_then(|r| r.add_rules(path_beneath_rules(&spec.write, all)))
            .and_then(|r| {
                r.add_rules(path_beneath_rules(
                    ["/dev/null", "/dev/full"],
                    AccessFs::WriteFile | AccessFs::ReadFile,
                ))
            })
            .and_then(|r| {
                r.add_rules(ports.iter().map(|p| {
                    Ok::<_, landlock::RulesetError>(NetPort::new(*p, AccessNet::ConnectTcp))
                }))
            })
            .and_then(|r| r.restrict_self())
            .map_err(|e| e.to_string())?;
    match status.ruleset {
        RulesetStatus::NotEnforced => Err("the kernel accepted no Landlock rule".into()),
        _ => Ok(in_force),
    }
}

/// Checks each protection by trying what it forbids.
fn prove(
    spec: &Spec,
    support: &Support,
    landlock: LandlockOutcome,
    seccomp: Result<(), String>,
    cgroup: Option<Result<(std::path::PathBuf, std::path::PathBuf, u64), String>>,
) -> Vec<Protection> {
    let mut list = support.protections(&spec.network);
    let denied = |r: std::io::Result<()>, expected: i32| match r {
        Ok(()) => Some("the probe succeeded".to_owned()),
        Err(e) if e.raw_os_error() == Some(expected) => None,
        Err(e) => Some(format!("the probe failed differently: {e}")),
    };
    let granted = |p: &Path| {
        spec.read
            .iter()
            .chain(&spec.write)
            .any(|g| p.starts_with(g))
    };
    for p in &mut list {
        let failure: Option<String> = match p.name {
            "no-new-privs" => (!sys::no_new_privs()).then(|| "prctl reports it unset".into()),
            "capabilities-dropped" => {
                (!sys::capabilities_dropped()).then(|| "capabilities remain".into())
            }
            "landlock-filesystem" => match &landlock {
                Err(e) => Some(e.clone()),
                Ok(_) => {
                    // Proof: opening something never granted fails with EACCES.
                    let mut probes: Vec<&Path> = spec
                        .deny
                        .iter()
                        .map(|p| p.as_path())
                        .filter(|p| p.exists())
                        .collect();
                    if !granted(Path::new("/")) {
                        probes.push(Path::new("/"));
                    }
                    if probes.is_empty() {
                        Some("nothing was left to prove a denial on".into())
                    } else {
                        probes.iter().find_map(|path| {
                            denied(sys::try_open(path, path.is_dir()), libc::EACCES)
                                .map(|why| format!("opening {}: {why}", path.display()))
                        })
                    }
                }
            },
            "landlock-refer" | "landlock-truncate" | "landlock-scope" => match &landlock {
                Err(e) => Some(e.clone()),
                Ok(abi) => {
                    let min = match p.name {
                        "landlock-refer" => 2,
                        "landlock-truncate" => 3,
                        _ => crate::support::LANDLOCK_SCOPE_ABI,
                    };
                    if *abi < min {
                        Some(format!("Landlock ABI {abi} in force; {min} needed"))
                    } else if p.name == "landlock-scope" {
                        denied(sys::try_signal(spec.parent), libc::EPERM)
                            .map(|why| format!("signalling mcpward: {why}"))
                    } else {
                        None
                    }
                }
            },
            "seccomp-allowlist" => match &seccomp {
                Err(e) => Some(e.clone()),
                Ok(()) if sys::seccomp_mode() != 2 => Some("no filter in force".into()),
                Ok(()) => None,
            },
            "network-denied" => match &seccomp {
                Err(e) => Some(e.clone()),
                Ok(()) => [
                    (libc::AF_INET, libc::SOCK_STREAM),
                    (libc::AF_INET6, libc::SOCK_DGRAM),
                    (libc::AF_UNIX, libc::SOCK_STREAM),
                    (libc::AF_PACKET, libc::SOCK_RAW),
                ]
                .iter()
                .find_map(|&(d, t)| {
                    denied(sys::try_socket(d, t), libc::EPERM)
                        .map(|why| format!("socket({d}, {t}): {why}"))
                }),
            },
            "network-tcp-ports" => match (&seccomp, &landlock) {
                (Err(e), _) | (_, Err(e)) => Some(e.clone()),
                (Ok(()), Ok(abi)) if *abi < crate::support::LANDLOCK_NET_ABI => {
                    Some(format!("Landlock ABI {abi} has no TCP port rules"))
                }
                (Ok(()), Ok(_)) => denied(
                    sys::try_socket(libc::AF_INET, libc::SOCK_DGRAM),
                    libc::EPERM,
                )
                .map(|why| format!("UDP socket: {why}")),
            },
            "process-limit" if support.uid == 0 => match &cgroup {
                Some(Ok((base, dir, max))) => crate::cgroup::proven(base, dir, *max).err(),
                Some(Err(e)) => Some(e.clone()),
                None if spec.limits.processes.is_none() => Some("no process limit was set".into()),
                None => p.missing_because.clone(),
            },
            _ => p.missing_because.clone(),
        };
        p.enforced = failure.is_none();
        p.missing_because = failure;
    }
    list
}
