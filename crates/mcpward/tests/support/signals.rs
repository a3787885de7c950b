//! What the kernel says about a process's signal handling.

/// Whether process `pid` has a handler installed for signal number `signal` (its `SigCgt`
/// mask in `/proc/PID/status`).
pub fn handles(pid: u32, signal: u32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let caught = status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .map(|mask| u64::from_str_radix(mask.trim(), 16).expect("a hex mask"))
        .expect("SigCgt in /proc/PID/status");
    caught & (1 << (signal - 1)) != 0
}
