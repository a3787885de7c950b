//! The system call allowlist. Everything not listed fails with `EPERM` (a denylist would miss
//! the next `io_uring`); calls whose absence runtimes handle by falling back fail with `ENOSYS`
//! instead (`clone3` → `clone`, `io_uring_setup` → the thread pool).

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen as Len, SeccompCmpOp as Op, SeccompCondition,
    SeccompFilter, SeccompRule, TargetArch,
};

use crate::spec::Network;

/// Calls allowed without conditions. Absent on purpose: ptrace, process_vm_*, mount and the new
/// mount API, pivot_root, chroot, unshare, setns, keyctl/add_key/request_key, bpf,
/// perf_event_open, userfaultfd, io_uring_*, kexec_*, *_module, reboot, swapon/off, clock and
/// host name setters, name_to_handle_at/open_by_handle_at, set*uid/set*gid, SysV IPC, kcmp,
/// pidfd_getfd, personality, quotactl, acct.
#[cfg(target_arch = "x86_64")]
#[rustfmt::skip]
const ALWAYS: &[libc::c_long] = &[
    // files
    libc::SYS_read, libc::SYS_write, libc::SYS_readv, libc::SYS_writev, libc::SYS_pread64,
    libc::SYS_pwrite64, libc::SYS_preadv, libc::SYS_pwritev, libc::SYS_preadv2,
    libc::SYS_pwritev2, libc::SYS_open, libc::SYS_openat, libc::SYS_openat2, libc::SYS_creat,
    libc::SYS_close, libc::SYS_close_range, libc::SYS_lseek, libc::SYS_stat, libc::SYS_fstat,
    libc::SYS_lstat, libc::SYS_newfstatat, libc::SYS_statx, libc::SYS_statfs, libc::SYS_fstatfs,
    libc::SYS_getdents, libc::SYS_getdents64, libc::SYS_readlink, libc::SYS_readlinkat,
    libc::SYS_access, libc::SYS_faccessat, libc::SYS_faccessat2, libc::SYS_chmod,
    libc::SYS_fchmod, libc::SYS_fchmodat, libc::SYS_chown, libc::SYS_fchown, libc::SYS_lchown,
    libc::SYS_fchownat, libc::SYS_truncate, libc::SYS_ftruncate, libc::SYS_fsync,
    libc::SYS_fdatasync, libc::SYS_sync_file_range, libc::SYS_fallocate, libc::SYS_fadvise64,
    libc::SYS_mkdir, libc::SYS_mkdirat, libc::SYS_rmdir, libc::SYS_unlink, libc::SYS_unlinkat,
    libc::SYS_rename, libc::SYS_renameat, libc::SYS_renameat2, libc::SYS_link, libc::SYS_linkat,
    libc::SYS_symlink, libc::SYS_symlinkat, libc::SYS_utime, libc::SYS_utimes,
    libc::SYS_utimensat, libc::SYS_futimesat, libc::SYS_getcwd, libc::SYS_chdir,
    libc::SYS_fchdir, libc::SYS_flock, libc::SYS_fcntl, libc::SYS_dup, libc::SYS_dup2,
    libc::SYS_dup3, libc::SYS_pipe, libc::SYS_pipe2, libc::SYS_sendfile,
    libc::SYS_copy_file_range, libc::SYS_splice, libc::SYS_tee, libc::SYS_getxattr,
    libc::SYS_lgetxattr, libc::SYS_fgetxattr, libc::SYS_listxattr, libc::SYS_llistxattr,
    libc::SYS_flistxattr, libc::SYS_umask, libc::SYS_memfd_create, libc::SYS_inotify_init,
    libc::SYS_inotify_init1, libc::SYS_inotify_add_watch, libc::SYS_inotify_rm_watch,
    // memory
    libc::SYS_mmap, libc::SYS_munmap, libc::SYS_mprotect, libc::SYS_mremap, libc::SYS_madvise,
    libc::SYS_msync, libc::SYS_mincore, libc::SYS_mlock, libc::SYS_munlock, libc::SYS_brk,
    libc::SYS_membarrier, libc::SYS_get_mempolicy, libc::SYS_pkey_alloc, libc::SYS_pkey_free,
    libc::SYS_pkey_mprotect,
    // signals (Landlock scopes which processes a signal may reach)
    libc::SYS_rt_sigaction, libc::SYS_rt_sigprocmask, libc::SYS_rt_sigreturn,
    libc::SYS_rt_sigsuspend, libc::SYS_rt_sigpending, libc::SYS_rt_sigtimedwait,
    libc::SYS_sigaltstack, libc::SYS_kill, libc::SYS_tgkill, libc::SYS_tkill,
    libc::SYS_pause, libc::SYS_alarm, libc::SYS_getitimer, libc::SYS_setitimer,
    libc::SYS_restart_syscall,
    // processes and threads
    libc::SYS_fork, libc::SYS_vfork, libc::SYS_execve, libc::SYS_execveat, libc::SYS_wait4,
    libc::SYS_waitid, libc::SYS_exit, libc::SYS_exit_group, libc::SYS_getpid, libc::SYS_getppid,
    libc::SYS_gettid, libc::SYS_getuid, libc::SYS_geteuid, libc::SYS_getgid, libc::SYS_getegid,
    libc::SYS_getgroups, libc::SYS_getresuid, libc::SYS_getresgid, libc::SYS_getpgid,
    libc::SYS_getpgrp, libc::SYS_getsid, libc::SYS_setpgid, libc::SYS_setsid,
    libc::SYS_set_tid_address, libc::SYS_set_robust_list, libc::SYS_get_robust_list,
    libc::SYS_futex, libc::SYS_futex_waitv, libc::SYS_rseq, libc::SYS_arch_prctl,
    libc::SYS_prctl, libc::SYS_capget, libc::SYS_getrlimit, libc::SYS_setrlimit,
    libc::SYS_prlimit64, libc::SYS_getrusage, libc::SYS_times, libc::SYS_sched_yield,
    libc::SYS_sched_getaffinity, libc::SYS_sched_setaffinity, libc::SYS_sched_getparam,
    libc::SYS_sched_getscheduler, libc::SYS_sched_get_priority_max,
    libc::SYS_sched_get_priority_min, libc::SYS_sched_getattr, libc::SYS_getpriority,
    libc::SYS_setpriority, libc::SYS_getcpu, libc::SYS_landlock_create_ruleset,
    libc::SYS_landlock_add_rule, libc::SYS_landlock_restrict_self, libc::SYS_seccomp,
    // time, waiting, events
    libc::SYS_nanosleep, libc::SYS_clock_nanosleep, libc::SYS_clock_gettime,
    libc::SYS_clock_getres, libc::SYS_gettimeofday, libc::SYS_time, libc::SYS_uname,
    libc::SYS_getrandom, libc::SYS_sysinfo, libc::SYS_poll, libc::SYS_ppoll, libc::SYS_select,
    libc::SYS_pselect6, libc::SYS_epoll_create, libc::SYS_epoll_create1, libc::SYS_epoll_ctl,
    libc::SYS_epoll_wait, libc::SYS_epoll_pwait, libc::SYS_epoll_pwait2, libc::SYS_eventfd,
    libc::SYS_eventfd2, libc::SYS_timerfd_create, libc::SYS_timerfd_settime,
    libc::SYS_timerfd_gettime, libc::SYS_signalfd, libc::SYS_signalfd4,
    // operations on sockets the server already holds (socketpair, or TCP when allowed)
    libc::SYS_sendto, libc::SYS_recvfrom, libc::SYS_sendmsg, libc::SYS_recvmsg,
    libc::SYS_sendmmsg, libc::SYS_recvmmsg, libc::SYS_shutdown, libc::SYS_getsockopt,
    libc::SYS_setsockopt, libc::SYS_getsockname, libc::SYS_getpeername, libc::SYS_connect,
    libc::SYS_bind, libc::SYS_listen, libc::SYS_accept, libc::SYS_accept4,
];

/// Calls that fail with `ENOSYS` so runtimes fall back: `clone3` passes its flags in memory the
/// filter cannot read (glibc then uses `clone`, whose flags it can), `io_uring` bypasses the
/// socket checks (libuv then uses its thread pool).
#[cfg(target_arch = "x86_64")]
const FALL_BACK: &[libc::c_long] = &[
    libc::SYS_clone3,
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
];

/// `clone` flags that create namespaces.
const NAMESPACE_FLAGS: u64 = (libc::CLONE_NEWNS
    | libc::CLONE_NEWUSER
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWCGROUP) as u64;

/// `ioctl` requests refused although `ioctl` is allowed: pushing input into a terminal.
const TIOCSTI: u64 = 0x5412;
const TIOCLINUX: u64 = 0x541C;

/// Why the filter could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the seccomp filter: {0}")]
pub struct FilterError(String);

fn cond(arg: u8, op: Op, value: u64) -> Result<SeccompCondition, FilterError> {
    SeccompCondition::new(arg, Len::Dword, op, value).map_err(|e| FilterError(e.to_string()))
}

fn rule(conditions: Vec<SeccompCondition>) -> Result<SeccompRule, FilterError> {
    SeccompRule::new(conditions).map_err(|e| FilterError(e.to_string()))
}

fn compile(
    rules: BTreeMap<i64, Vec<SeccompRule>>,
    mismatch: SeccompAction,
    matched: SeccompAction,
) -> Result<BpfProgram, FilterError> {
    let arch =
        TargetArch::try_from(std::env::consts::ARCH).map_err(|e| FilterError(e.to_string()))?;
    SeccompFilter::new(rules, mismatch, matched, arch)
        .and_then(BpfProgram::try_from)
        .map_err(|e| FilterError(e.to_string()))
}

/// The two programs, to be installed in this order: the allowlist (default `EPERM`), then the
/// fall-back list (`ENOSYS` for its calls, allow otherwise; the kernel takes the strictest
/// answer, and between two errors the later filter's).
#[cfg(target_arch = "x86_64")]
pub fn programs(network: &Network) -> Result<[BpfProgram; 2], FilterError> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> =
        ALWAYS.iter().map(|&nr| (nr, Vec::new())).collect();
    rules.insert(
        libc::SYS_clone,
        vec![rule(vec![cond(0, Op::MaskedEq(NAMESPACE_FLAGS), 0)?])?],
    );
    rules.insert(
        libc::SYS_ioctl,
        vec![rule(vec![
            cond(1, Op::Ne, TIOCSTI)?,
            cond(1, Op::Ne, TIOCLINUX)?,
        ])?],
    );
    rules.insert(
        libc::SYS_socketpair,
        vec![rule(vec![cond(0, Op::Eq, libc::AF_UNIX as u64)?])?],
    );
    if let Network::TcpConnect(_) = network {
        // TCP over IPv4/IPv6 only: the type without its flags is SOCK_STREAM and the protocol
        // is 0 or TCP (MPTCP is a stream socket too; its protocol number differs).
        let mut socket = Vec::new();
        for family in [libc::AF_INET, libc::AF_INET6] {
            for protocol in [0, libc::IPPROTO_TCP] {
                socket.push(rule(vec![
                    cond(0, Op::Eq, family as u64)?,
                    cond(1, Op::MaskedEq(0xf), libc::SOCK_STREAM as u64)?,
                    cond(2, Op::Eq, protocol as u64)?,
                ])?);
            }
        }
        rules.insert(libc::SYS_socket, socket);
    }
    let allow = compile(
        rules,
        SeccompAction::Errno(libc::EPERM as u32),
        SeccompAction::Allow,
    )?;
    let fall_back = compile(
        FALL_BACK.iter().map(|&nr| (nr, Vec::new())).collect(),
        SeccompAction::Allow,
        SeccompAction::Errno(libc::ENOSYS as u32),
    )?;
    Ok([allow, fall_back])
}

/// No allowlist is written for this architecture yet.
#[cfg(not(target_arch = "x86_64"))]
pub fn programs(_network: &Network) -> Result<[BpfProgram; 2], FilterError> {
    Err(FilterError(format!(
        "no system call allowlist for {} yet",
        std::env::consts::ARCH
    )))
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    #[test]
    fn dangerous_calls_are_not_on_the_allowlist() {
        for nr in [
            libc::SYS_ptrace,
            libc::SYS_mount,
            libc::SYS_unshare,
            libc::SYS_setns,
            libc::SYS_keyctl,
            libc::SYS_bpf,
            libc::SYS_io_uring_setup,
            libc::SYS_kexec_load,
            libc::SYS_init_module,
            libc::SYS_finit_module,
            libc::SYS_process_vm_readv,
            libc::SYS_open_by_handle_at,
            libc::SYS_socket,
            libc::SYS_userfaultfd,
            libc::SYS_perf_event_open,
            libc::SYS_setuid,
        ] {
            assert!(!ALWAYS.contains(&nr), "syscall {nr} is allowed");
        }
    }

    #[test]
    fn filters_compile_for_both_network_modes() {
        programs(&Network::Deny).unwrap();
        programs(&Network::TcpConnect(vec![443])).unwrap();
    }
}
