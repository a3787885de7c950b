//! The raw system calls the launcher needs and no safe wrapper offers. Every `unsafe` block of
//! the project is in this file or in `launch.rs`.

use std::ffi::CString;
use std::io;

fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// The Landlock ABI version, or `None` when Landlock is unavailable.
pub fn landlock_abi() -> Option<u32> {
    const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
    // SAFETY: with a null attribute pointer, size 0 and the VERSION flag the call only returns
    // a number; it reads and writes no memory.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    u32::try_from(ret).ok().filter(|v| *v > 0)
}

/// Whether seccomp filters are available (`prctl(PR_GET_SECCOMP)` works and the kernel
/// reports a seccomp mode in `/proc/self/status`).
pub fn seccomp_available() -> bool {
    // SAFETY: PR_GET_SECCOMP takes no pointer arguments.
    let mode = unsafe { libc::prctl(libc::PR_GET_SECCOMP, 0, 0, 0, 0) };
    mode >= 0
        && std::fs::read_to_string("/proc/self/status")
            .is_ok_and(|s| s.lines().any(|l| l.starts_with("Seccomp_filters:")))
}

/// The current seccomp mode (2 = filter).
pub fn seccomp_mode() -> i32 {
    // SAFETY: PR_GET_SECCOMP takes no pointer arguments.
    unsafe { libc::prctl(libc::PR_GET_SECCOMP, 0, 0, 0, 0) }
}

/// The effective uid.
pub fn euid() -> u32 {
    // SAFETY: geteuid cannot fail and touches no memory.
    unsafe { libc::geteuid() }
}

/// The parent's pid.
pub fn parent_pid() -> u32 {
    // SAFETY: getppid cannot fail and touches no memory.
    let ppid = unsafe { libc::getppid() };
    u32::try_from(ppid).unwrap_or(0)
}

/// Asks for SIGKILL when the parent exits.
pub fn kill_with_parent() -> io::Result<()> {
    // SAFETY: PR_SET_PDEATHSIG takes a signal number; no pointers.
    check(unsafe {
        libc::prctl(
            libc::PR_SET_PDEATHSIG,
            libc::SIGKILL as libc::c_ulong,
            0,
            0,
            0,
        )
    })
    .map(drop)
}

/// Starts a new session (no controlling terminal, own process group).
pub fn new_session() -> io::Result<()> {
    // SAFETY: setsid takes no arguments.
    check(unsafe { libc::setsid() }).map(drop)
}

/// Closes every descriptor from 3 up.
pub fn close_inherited() -> io::Result<()> {
    // SAFETY: close_range takes integers only; descriptors 0-2 stay open, and nothing in this
    // process holds a descriptor above them that it uses afterwards (the launcher has not
    // opened any yet).
    let ret = unsafe { libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Sets a resource limit (soft and hard).
pub fn set_limit(resource: libc::__rlimit_resource_t, value: u64) -> io::Result<()> {
    let limit = libc::rlimit {
        rlim_cur: value,
        rlim_max: value,
    };
    // SAFETY: `limit` is a valid rlimit that outlives the call.
    check(unsafe { libc::setrlimit(resource, &limit) }).map(drop)
}

/// Drops every capability: the bounding set (so exec cannot regain them, even as root), the
/// ambient set, then the effective, permitted and inheritable sets.
pub fn drop_capabilities() -> io::Result<()> {
    let last = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse::<libc::c_ulong>().ok())
        .unwrap_or(63);
    for cap in 0..=last {
        // SAFETY: PR_CAPBSET_DROP takes a capability number; no pointers.
        let ret = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0) };
        if ret < 0 {
            let err = io::Error::last_os_error();
            // EINVAL: not a capability on this kernel. EPERM: no CAP_SETPCAP, i.e. an ordinary
            // user whose bounding set cannot matter since it holds no capability to keep.
            if !matches!(err.raw_os_error(), Some(libc::EINVAL | libc::EPERM)) {
                return Err(err);
            }
        }
    }
    // SAFETY: PR_CAP_AMBIENT_CLEAR_ALL takes no pointers.
    check(unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong,
            0,
            0,
            0,
        )
    })?;
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    const VERSION_3: u32 = 0x2008_0522;
    let mut header = Header {
        version: VERSION_3,
        pid: 0,
    };
    let data = [Data {
        effective: 0,
        permitted: 0,
        inheritable: 0,
    }; 2];
    // SAFETY: capset with a version-3 header reads two Data records; both live until the call
    // returns.
    let ret = unsafe { libc::syscall(libc::SYS_capset, &mut header, data.as_ptr()) };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Whether capabilities are gone: none effective or permitted, and (for uid 0, where exec
/// would grant the bounding set) an empty bounding set.
pub fn capabilities_dropped() -> bool {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return false;
    };
    let zero = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .is_some_and(|v| v.trim().trim_start_matches('0').is_empty())
    };
    zero("CapEff:") && zero("CapPrm:") && (euid() != 0 || zero("CapBnd:"))
}

/// Sets `no_new_privs`.
pub fn set_no_new_privs() -> io::Result<()> {
    // SAFETY: PR_SET_NO_NEW_PRIVS takes integers only.
    check(unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) }).map(drop)
}

/// Whether `no_new_privs` is set.
pub fn no_new_privs() -> bool {
    // SAFETY: PR_GET_NO_NEW_PRIVS takes no pointers.
    unsafe { libc::prctl(libc::PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 }
}

/// Opens `path` for reading and closes it again; returns the error if the open failed.
pub fn try_open(path: &std::path::Path, directory: bool) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    let mut flags = libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NOCTTY;
    if directory {
        flags |= libc::O_DIRECTORY;
    }
    // SAFETY: `c` is a NUL-terminated path that outlives the call.
    let fd = check(unsafe { libc::open(c.as_ptr(), flags) })?;
    // SAFETY: `fd` was just opened here and is closed once.
    unsafe { libc::close(fd) };
    Ok(())
}

/// Tries to create a socket; returns the error if that failed.
pub fn try_socket(domain: libc::c_int, kind: libc::c_int) -> io::Result<()> {
    // SAFETY: socket takes integers only.
    let fd = check(unsafe { libc::socket(domain, kind | libc::SOCK_CLOEXEC, 0) })?;
    // SAFETY: `fd` was just opened here and is closed once.
    unsafe { libc::close(fd) };
    Ok(())
}

/// Tries `kill(pid, 0)`: whether a signal could reach `pid`.
pub fn try_signal(pid: u32) -> io::Result<()> {
    let pid = libc::pid_t::try_from(pid).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    // SAFETY: signal 0 only checks permission; no pointers.
    check(unsafe { libc::kill(pid, 0) }).map(drop)
}

/// Replaces this process with `program`. Returns only on failure.
pub fn execve(
    program: &std::path::Path,
    argv: &[std::ffi::OsString],
    env: &[std::ffi::OsString],
) -> io::Error {
    use std::os::unix::ffi::OsStrExt;
    let to_c = |s: &std::ffi::OsStr| CString::new(s.as_bytes());
    let Ok(prog) = to_c(program.as_os_str()) else {
        return io::Error::from_raw_os_error(libc::EINVAL);
    };
    let (Ok(argv), Ok(env)) = (
        argv.iter().map(|a| to_c(a)).collect::<Result<Vec<_>, _>>(),
        env.iter().map(|a| to_c(a)).collect::<Result<Vec<_>, _>>(),
    ) else {
        return io::Error::from_raw_os_error(libc::EINVAL);
    };
    let mut argv_ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    argv_ptrs.push(std::ptr::null());
    let mut env_ptrs: Vec<*const libc::c_char> = env.iter().map(|a| a.as_ptr()).collect();
    env_ptrs.push(std::ptr::null());
    // SAFETY: both arrays are null-terminated and point into CStrings that outlive the call;
    // on success the process image is replaced and nothing here runs again.
    unsafe { libc::execve(prog.as_ptr(), argv_ptrs.as_ptr(), env_ptrs.as_ptr()) };
    io::Error::last_os_error()
}
