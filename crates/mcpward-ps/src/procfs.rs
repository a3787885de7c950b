//! The process table, read from `/proc` (Linux). No `ps` is run.

use std::path::Path;

/// One process as the kernel reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Process {
    pub pid: u32,
    pub ppid: u32,
    pub uid: u32,
    /// User name for `uid` (from /etc/passwd), or the number.
    pub user: String,
    /// Start time, seconds since the Unix epoch.
    pub start_time: i64,
    /// Kernel's short name (`comm`).
    pub comm: String,
    pub argv: Vec<String>,
    /// Environment; empty when not readable (another user's process).
    pub env: Vec<(String, String)>,
}

#[derive(Debug)]
pub enum SnapshotError {
    /// No `/proc` here.
    Unsupported,
}

impl std::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SnapshotError::Unsupported => f.write_str(
                "listing processes needs Linux's /proc; `mcpward ps` is unsupported on this platform",
            ),
        }
    }
}

impl std::error::Error for SnapshotError {}

/// Every user-space process (kernel threads have no command line and are left out).
pub fn snapshot() -> Result<Vec<Process>, SnapshotError> {
    snapshot_at(Path::new("/proc"))
}

fn snapshot_at(proc: &Path) -> Result<Vec<Process>, SnapshotError> {
    let entries = std::fs::read_dir(proc).map_err(|_| SnapshotError::Unsupported)?;
    let boot = boot_time(proc).ok_or(SnapshotError::Unsupported)?;
    let users = users();
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        // Every read may fail because the process just ended: then it is simply not listed.
        if let Some(p) = read_process(&entry.path(), pid, boot, &users) {
            out.push(p);
        }
    }
    out.sort_by_key(|p| p.pid);
    Ok(out)
}

/// The kernel reports times in USER_HZ, which is 100 on every architecture Linux runs on.
const USER_HZ: i64 = 100;

fn read_process(dir: &Path, pid: u32, boot: i64, users: &[(u32, String)]) -> Option<Process> {
    let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
    // `comm` is in parentheses and may itself hold spaces and parentheses: split at the last `)`.
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat[open + 1..close].to_owned();
    let rest: Vec<&str> = stat[close + 1..].split_whitespace().collect();
    // Fields after comm: state(3) ppid(4) ... starttime(22) → indexes 0, 1, 19.
    let ppid = rest.get(1)?.parse().ok()?;
    let start_ticks: i64 = rest.get(19)?.parse().ok()?;
    let argv: Vec<String> = split_nul(&std::fs::read(dir.join("cmdline")).ok()?);
    if argv.is_empty() {
        return None;
    }
    let status = std::fs::read_to_string(dir.join("status")).ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|u| u.parse().ok())
        .unwrap_or(u32::MAX);
    let env = std::fs::read(dir.join("environ"))
        .map(|b| {
            split_nul(&b)
                .into_iter()
                .filter_map(|kv| {
                    let (k, v) = kv.split_once('=')?;
                    Some((k.to_owned(), v.to_owned()))
                })
                .collect()
        })
        .unwrap_or_default();
    let user = users
        .iter()
        .find(|(u, _)| *u == uid)
        .map(|(_, n)| n.clone())
        .unwrap_or_else(|| uid.to_string());
    Some(Process {
        pid,
        ppid,
        uid,
        user,
        start_time: boot + start_ticks / USER_HZ,
        comm,
        argv,
        env,
    })
}

fn split_nul(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|&b| b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

fn boot_time(proc: &Path) -> Option<i64> {
    std::fs::read_to_string(proc.join("stat"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|s| s.trim().parse().ok())
}

fn users() -> Vec<(u32, String)> {
    std::fs::read_to_string("/etc/passwd")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let uid = f.nth(1)?.parse().ok()?;
            Some((uid, name.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn this_process_is_in_the_snapshot() {
        let all = super::snapshot().expect("procfs");
        let me = all
            .iter()
            .find(|p| p.pid == std::process::id())
            .expect("own pid listed");
        assert!(!me.argv.is_empty());
        assert!(me.start_time > 1_600_000_000);
    }

    #[test]
    fn comm_with_parentheses_and_spaces_is_parsed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("42");
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(dir.path().join("stat"), "cpu 1\nbtime 1000\n").unwrap();
        let mut stat = String::from("42 (a) b (c) S 7");
        for _ in 0..18 {
            stat.push_str(" 0");
        }
        stat = stat.replacen(" 0", " 500", 18);
        std::fs::write(p.join("stat"), stat).unwrap();
        std::fs::write(p.join("cmdline"), b"node\0server.js\0").unwrap();
        std::fs::write(p.join("status"), "Name: x\nUid:\t1234\t1234\t1234\t1234\n").unwrap();
        let all = super::snapshot_at(dir.path()).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].comm, "a) b (c");
        assert_eq!(all[0].ppid, 7);
        assert_eq!(all[0].start_time, 1005);
        assert_eq!(all[0].argv, ["node", "server.js"]);
    }

    #[test]
    fn a_process_gone_mid_scan_is_left_out() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("stat"), "btime 1000\n").unwrap();
        // A pid directory without its files: the process ended between readdir and read.
        std::fs::create_dir_all(dir.path().join("77")).unwrap();
        assert!(super::snapshot_at(dir.path()).unwrap().is_empty());
    }
}
