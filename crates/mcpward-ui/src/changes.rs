//! What tells the page to refresh: the server looks at the queue directory, the audit log and
//! the pin records every [`POLL_INTERVAL`] and reports which of them changed. Polling, like the
//! queue itself: it works on every platform and file system, and costs a few `stat` calls.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How often `/events` looks for changes.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// The things a page section shows, by the name its `data-live` attribute uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The approval queue directory.
    Queue,
    /// The audit log.
    Log,
    /// First-use records and lockfiles.
    Pins,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Queue => "queue",
            Source::Log => "log",
            Source::Pins => "pins",
        }
    }
}

/// Where to look.
#[derive(Debug, Clone)]
pub struct Watched {
    pub queue_dir: PathBuf,
    pub log: PathBuf,
    pub first_use_dir: PathBuf,
    pub lockfiles: Vec<PathBuf>,
}

/// Names, sizes and modification times: what a change of content changes.
type Stamp = Vec<(String, u64, Option<SystemTime>)>;

/// The state of every watched source at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snapshot {
    queue: Stamp,
    log: Stamp,
    pins: Stamp,
}

impl Snapshot {
    pub fn take(w: &Watched) -> Snapshot {
        let mut pins = dir_stamp(&w.first_use_dir);
        for f in &w.lockfiles {
            pins.extend(file_stamp(f));
        }
        Snapshot {
            queue: dir_stamp(&w.queue_dir),
            log: file_stamp(&w.log),
            pins,
        }
    }

    /// The sources that differ between `self` (earlier) and `now`.
    pub fn changed(&self, now: &Snapshot) -> Vec<Source> {
        let mut out = Vec::new();
        if self.queue != now.queue {
            out.push(Source::Queue);
        }
        if self.log != now.log {
            out.push(Source::Log);
        }
        if self.pins != now.pins {
            out.push(Source::Pins);
        }
        out
    }
}

fn file_stamp(path: &Path) -> Stamp {
    match std::fs::metadata(path) {
        Ok(m) => vec![(path.display().to_string(), m.len(), m.modified().ok())],
        Err(_) => Vec::new(),
    }
}

fn dir_stamp(dir: &Path) -> Stamp {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Stamp = entries
        .filter_map(Result::ok)
        .map(|e| {
            let meta = e.metadata().ok();
            (
                e.file_name().to_string_lossy().into_owned(),
                meta.as_ref().map_or(0, std::fs::Metadata::len),
                meta.and_then(|m| m.modified().ok()),
            )
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_only_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        let w = Watched {
            queue_dir: dir.path().join("approvals"),
            log: dir.path().join("audit.jsonl"),
            first_use_dir: dir.path().join("first-use"),
            lockfiles: vec![dir.path().join("mcpward.lock")],
        };
        let before = Snapshot::take(&w);
        assert!(before.changed(&Snapshot::take(&w)).is_empty());
        std::fs::create_dir(&w.queue_dir).unwrap();
        std::fs::write(w.queue_dir.join("abcdef.json"), "{}").unwrap();
        let queued = Snapshot::take(&w);
        assert_eq!(before.changed(&queued), [Source::Queue]);
        std::fs::write(&w.log, "x\n").unwrap();
        std::fs::write(&w.lockfiles[0], "version = 1\n").unwrap();
        let logged = Snapshot::take(&w);
        assert_eq!(queued.changed(&logged), [Source::Log, Source::Pins]);
        std::fs::remove_file(w.queue_dir.join("abcdef.json")).unwrap();
        assert_eq!(logged.changed(&Snapshot::take(&w)), [Source::Queue]);
    }
}
