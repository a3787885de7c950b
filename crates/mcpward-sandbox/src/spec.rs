//! What a sandboxed server may do: the plan the gateway writes and the launcher enforces.
//!
//! The spec is plain data, built from the resolved command, the roots and the user's settings
//! ([`Plan`]), so every grant can be printed and tested before anything is applied.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How hard to insist on each protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Refuse to start the server when any required protection is not in force.
    Strict,
    /// Start anyway, after listing what is missing.
    BestEffort,
}

/// Network access for the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Network {
    /// No sockets but `socketpair`: no TCP, UDP, MPTCP, raw, packet, netlink, vsock or Unix
    /// sockets to the outside.
    Deny,
    /// TCP only (no UDP, MPTCP or other families), connecting only to these ports and binding
    /// none (Landlock ABI 4 or later).
    TcpConnect(Vec<u16>),
}

/// Resource limits (`setrlimit`); `None` leaves the inherited limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Address space in bytes (`RLIMIT_AS`).
    pub address_space: Option<u64>,
    /// Processes of the user (`RLIMIT_NPROC`; the kernel exempts uid 0).
    pub processes: Option<u64>,
    /// Largest file the server may write, in bytes (`RLIMIT_FSIZE`).
    pub file_size: Option<u64>,
    /// Open file descriptors (`RLIMIT_NOFILE`).
    pub open_files: Option<u64>,
    /// CPU seconds (`RLIMIT_CPU`).
    pub cpu_seconds: Option<u64>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            address_space: Some(8 << 30),
            processes: Some(256),
            file_size: Some(1 << 30),
            open_files: Some(1024),
            cpu_seconds: None,
        }
    }
}

impl Limits {
    /// Sets one limit from `name=value` (`as=2G`, `nproc=64`, `fsize=100M`, `nofile=256`,
    /// `cpu=60`; `none` lifts it).
    pub fn set(&mut self, item: &str) -> Result<(), String> {
        let (name, value) = item
            .split_once('=')
            .ok_or_else(|| format!("`{item}` is not NAME=VALUE (e.g. as=2G, nproc=64)"))?;
        let value = if value == "none" {
            None
        } else {
            Some(parse_size(value).ok_or_else(|| {
                format!("`{value}` is not a number (suffixes K, M, G are allowed) or `none`")
            })?)
        };
        let slot = match name {
            "as" | "memory" => &mut self.address_space,
            "nproc" | "processes" => &mut self.processes,
            "fsize" | "file-size" => &mut self.file_size,
            "nofile" | "open-files" => &mut self.open_files,
            "cpu" => &mut self.cpu_seconds,
            _ => {
                return Err(format!(
                    "unknown limit `{name}`; use as, nproc, fsize, nofile or cpu"
                ));
            }
        };
        *slot = value;
        Ok(())
    }
}

fn parse_size(text: &str) -> Option<u64> {
    let (digits, shift) = match text.as_bytes().last()? {
        b'K' | b'k' => (&text[..text.len() - 1], 10),
        b'M' | b'm' => (&text[..text.len() - 1], 20),
        b'G' | b'g' => (&text[..text.len() - 1], 30),
        _ => (text, 0),
    };
    digits.parse::<u64>().ok()?.checked_mul(1 << shift)
}

/// Everything the launcher applies, then the command it executes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spec {
    /// Strict or best effort.
    pub mode: Mode,
    /// The server's executable, resolved to an absolute path.
    pub program: PathBuf,
    /// Read and execute, recursively.
    pub read: Vec<PathBuf>,
    /// Read, write, create, remove, recursively: the allowed roots.
    pub write: Vec<PathBuf>,
    /// Must stay unreachable (mcpward's state directory); the launcher proves it.
    pub deny: Vec<PathBuf>,
    /// Network access.
    pub network: Network,
    /// Resource limits.
    pub limits: Limits,
    /// Names of the variables the server keeps; everything else is removed.
    pub keep_env: Vec<String>,
    /// The gateway's pid: the launcher exits if its parent is already gone.
    pub parent: u32,
}

/// Variables that inject code into whatever reads them; never passed, even when named.
pub const INJECTION_VARIABLES: &[&str] = &[
    "NODE_OPTIONS",
    "NODE_PATH",
    "NODE_REPL_EXTERNAL_MODULE",
    "PYTHONSTARTUP",
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONINSPECT",
    "PERL5OPT",
    "PERL5LIB",
    "RUBYOPT",
    "RUBYLIB",
    "BASH_ENV",
    "ENV",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "GCONV_PATH",
    "MALLOC_CHECK_",
];

/// Whether `name` is a loader or runtime injection variable (`LD_*`, `DYLD_*`, or one of
/// [`INJECTION_VARIABLES`]).
pub fn is_injection_variable(name: &str) -> bool {
    name.starts_with("LD_")
        || name.starts_with("DYLD_")
        || name.starts_with("GLIBC_TUNABLES")
        || INJECTION_VARIABLES.contains(&name)
}

/// Variables a server keeps without being named: locale, time zone, `PATH` and `HOME` (its
/// value only; the directory itself stays unreachable).
pub const BASE_VARIABLES: &[&str] = &["PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TERM"];

/// System locations a runtime (node, python, a Rust binary) reads: libraries, interpreters,
/// certificates, time zones. `/etc` is not granted whole (it holds `shadow`).
pub const SYSTEM_READ: &[&str] = &[
    "/usr",
    "/lib",
    "/lib64",
    "/lib32",
    "/bin",
    "/sbin",
    "/opt",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/pki",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/nsswitch.conf",
    "/etc/passwd",
    "/etc/group",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/host.conf",
    "/etc/gai.conf",
    "/etc/mime.types",
    "/etc/alternatives",
    "/proc",
    "/sys/devices/system/cpu",
    "/sys/fs/cgroup",
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
];

/// Inputs to a [`Spec`]: the launch line, the roots, and the user's settings.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The server's command as given (resolved through `PATH` by [`Plan::build`]).
    pub command: OsString,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// Directories the server may change.
    pub roots: Vec<PathBuf>,
    /// Extra read-only paths (`sandbox.read`).
    pub extra_read: Vec<PathBuf>,
    /// mcpward's state directory.
    pub state_dir: PathBuf,
    /// Other files the server must not reach: the audit log when it lives outside the state
    /// directory, the log key, the policy file.
    pub protected: Vec<PathBuf>,
    /// The policy file: the server must not change it (reading it is harmless).
    pub policy: Option<PathBuf>,
    /// Variables the server is given by name.
    pub declared_env: Vec<String>,
    /// Network access.
    pub network: Network,
    /// Resource limits.
    pub limits: Limits,
    /// Strict or best effort.
    pub mode: Mode,
    /// `PATH` used to resolve the command.
    pub path_var: Option<OsString>,
    /// Working directory for relative commands.
    pub cwd: PathBuf,
}

/// Why no spec could be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    /// The command is not an executable file.
    #[error(
        "cannot find the server command `{0}` on PATH; give its full path after `--` so the sandbox can grant exactly it"
    )]
    CommandNotFound(String),
    /// A grant would expose mcpward's own state.
    #[error(
        "the sandbox would grant `{granted}`, which contains `{state}`, part of mcpward's own state (approval queue, audit log, log key, policy); a server there could answer its own approvals or rewrite its rules. Narrow the root, or move that file (--state-dir, --log, --log-key, --policy)"
    )]
    ExposesState {
        /// The grant.
        granted: PathBuf,
        /// The state path inside it.
        state: PathBuf,
    },
}

impl Plan {
    /// The spec: read+execute for the system, the resolved program and the package it runs
    /// (a script argument's `node_modules` tree or directory), plus `extra_read`; read-write for
    /// the roots; the state directory and log denied.
    pub fn build(&self) -> Result<Spec, PlanError> {
        let program = resolve_program(&self.command, self.path_var.as_deref(), &self.cwd)
            .ok_or_else(|| PlanError::CommandNotFound(self.command.to_string_lossy().into()))?;
        let mut read: Vec<PathBuf> = SYSTEM_READ
            .iter()
            .map(PathBuf::from)
            .filter(|p| p.exists())
            .collect();
        let mut add_read = |p: PathBuf| {
            if !read.iter().any(|r| p.starts_with(r)) {
                read.push(p);
            }
        };
        for path in [program.clone(), canonical(&program)] {
            if let Some(dir) = path.parent() {
                add_read(package_dir(dir));
            }
        }
        // An interpreter's script: its directory (or node_modules tree) holds the code it
        // imports. Other file arguments grant nothing: they may be data outside the roots.
        if let Some(script) = self.script()
            && let Some(dir) = script.parent()
        {
            add_read(package_dir(dir));
        }
        for extra in &self.extra_read {
            add_read(canonical(&self.cwd.join(extra)));
        }
        let write: Vec<PathBuf> = self
            .roots
            .iter()
            .map(|r| canonical(&self.cwd.join(r)))
            .filter(|r| r.is_dir())
            .collect();
        let mut deny = vec![canonical(&self.state_dir)];
        for path in &self.protected {
            deny.push(canonical(&self.cwd.join(path)));
        }
        for granted in read.iter().chain(&write) {
            for state in &deny {
                if state.starts_with(granted) {
                    return Err(PlanError::ExposesState {
                        granted: granted.clone(),
                        state: state.clone(),
                    });
                }
            }
        }
        if let Some(policy) = &self.policy {
            let policy = canonical(&self.cwd.join(policy));
            if let Some(granted) = write.iter().find(|g| policy.starts_with(g)) {
                return Err(PlanError::ExposesState {
                    granted: granted.clone(),
                    state: policy,
                });
            }
            if !read.iter().any(|g| policy.starts_with(g)) {
                deny.push(policy);
            }
        }
        let mut keep_env: Vec<String> = BASE_VARIABLES.iter().map(|s| (*s).to_owned()).collect();
        for name in &self.declared_env {
            if !is_injection_variable(name) && !keep_env.contains(name) {
                keep_env.push(name.clone());
            }
        }
        Ok(Spec {
            mode: self.mode,
            program,
            read,
            write,
            deny,
            network: self.network.clone(),
            limits: self.limits.clone(),
            keep_env,
            parent: std::process::id(),
        })
    }
}

/// Programs whose first non-option argument is the code they run.
pub const INTERPRETERS: &[&str] = &[
    "node", "nodejs", "bun", "deno", "python", "python3", "ruby", "perl", "php", "sh", "bash",
];

impl Plan {
    /// The script an interpreter runs: its first non-option argument, when that is a file.
    fn script(&self) -> Option<PathBuf> {
        let name = Path::new(&self.command).file_name()?.to_str()?;
        let base = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        if !INTERPRETERS.contains(&name) && !INTERPRETERS.contains(&base) {
            return None;
        }
        let mut options = self
            .args
            .iter()
            .take_while(|a| a.to_string_lossy().starts_with('-'));
        // `sh -c TEXT`, `node -e TEXT`, `python -m MODULE`: the argument is not a script file.
        if options.any(|a| matches!(a.to_str(), Some("-c" | "-e" | "--eval" | "-p" | "-m"))) {
            return None;
        }
        let first = self
            .args
            .iter()
            .find(|a| !a.to_string_lossy().starts_with('-'))?;
        let path = self.cwd.join(first);
        path.is_file().then(|| canonical(&path))
    }
}

/// The directory to grant for code at `dir`: the outermost `node_modules` tree's parent when
/// `dir` is inside one (a package imports its siblings), else `dir` itself.
fn package_dir(dir: &Path) -> PathBuf {
    let mut outer = None;
    for ancestor in dir.ancestors() {
        if ancestor.file_name().is_some_and(|n| n == "node_modules") {
            outer = Some(ancestor.to_path_buf());
        }
    }
    outer.unwrap_or_else(|| dir.to_path_buf())
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `command` as an absolute path: itself when it contains a `/`, else the first executable
/// file of that name on `path_var`.
pub fn resolve_program(
    command: &OsString,
    path_var: Option<&std::ffi::OsStr>,
    cwd: &Path,
) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let is_exec = |p: &Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    let given = Path::new(command);
    if given.as_os_str().is_empty() {
        return None;
    }
    if given.components().count() > 1 || command.to_string_lossy().contains('/') {
        let full = cwd.join(given);
        return is_exec(&full).then_some(full);
    }
    std::env::split_paths(path_var?)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(given))
        .find(|p| is_exec(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(dir: &Path) -> Plan {
        Plan {
            command: "sh".into(),
            args: vec![],
            roots: vec![dir.join("root")],
            extra_read: vec![],
            state_dir: dir.join("state"),
            protected: vec![],
            policy: Some(dir.join("policy.toml")),
            declared_env: vec!["API_URL".into(), "LD_PRELOAD".into(), "NODE_OPTIONS".into()],
            network: Network::Deny,
            limits: Limits::default(),
            mode: Mode::Strict,
            path_var: Some("/usr/bin:/bin".into()),
            cwd: dir.to_path_buf(),
        }
    }

    #[test]
    fn grants_roots_and_never_injection_variables() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("root")).unwrap();
        let spec = plan(dir.path()).build().unwrap();
        assert!(spec.program.ends_with("sh"));
        assert_eq!(spec.write, vec![canonical(&dir.path().join("root"))]);
        assert!(spec.keep_env.contains(&"API_URL".to_owned()));
        assert!(!spec.keep_env.iter().any(|n| is_injection_variable(n)));
        assert!(!spec.read.iter().any(|p| p == Path::new("/etc")));
    }

    #[test]
    fn refuses_a_root_that_contains_the_state_directory() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = plan(dir.path());
        p.roots = vec![dir.path().to_path_buf()];
        assert!(matches!(p.build(), Err(PlanError::ExposesState { .. })));
    }

    #[test]
    fn refuses_a_root_that_contains_the_policy_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = plan(dir.path());
        p.state_dir = PathBuf::from("/nonexistent-state");
        p.roots = vec![dir.path().to_path_buf()];
        let err = p.build().unwrap_err();
        assert!(err.to_string().contains("policy.toml"), "{err}");
    }

    #[test]
    fn missing_roots_are_not_granted_and_unknown_commands_refused() {
        let dir = tempfile::tempdir().unwrap();
        let spec = plan(dir.path()).build().unwrap();
        assert!(spec.write.is_empty());
        let mut p = plan(dir.path());
        p.command = "no-such-server-command".into();
        assert!(matches!(p.build(), Err(PlanError::CommandNotFound(_))));
    }

    #[test]
    fn only_an_interpreters_script_grants_its_directory() {
        let dir = tempfile::tempdir().unwrap();
        let code = dir.path().join("code");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&code).unwrap();
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(code.join("server.py"), "").unwrap();
        std::fs::write(data.join("notes.txt"), "").unwrap();
        let mut p = plan(dir.path());
        p.command = "python3".into();
        p.args = vec![code.join("server.py").into(), data.join("notes.txt").into()];
        let spec = p.build().unwrap();
        assert!(spec.read.contains(&canonical(&code)));
        assert!(!spec.read.contains(&canonical(&data)));
        p.command = "sh".into();
        p.args = vec!["-c".into(), data.join("notes.txt").into()];
        let spec = p.build().unwrap();
        assert!(!spec.read.contains(&canonical(&data)));
    }

    #[test]
    fn node_package_is_granted_from_its_node_modules_tree() {
        assert_eq!(
            package_dir(Path::new("/w/node_modules/@s/pkg/dist")),
            PathBuf::from("/w/node_modules")
        );
        assert_eq!(package_dir(Path::new("/w/bin")), PathBuf::from("/w/bin"));
    }

    #[test]
    fn limits_parse_with_suffixes() {
        let mut l = Limits::default();
        l.set("as=2G").unwrap();
        l.set("cpu=none").unwrap();
        assert_eq!(l.address_space, Some(2 << 30));
        assert_eq!(l.cpu_seconds, None);
        assert!(l.set("bogus=1").is_err());
        assert!(l.set("as").is_err());
    }
}
