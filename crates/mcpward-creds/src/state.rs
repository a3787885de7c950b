//! The rotation state file (`creds.json` in the state directory): when each credential was first
//! seen and last rotated, and its rotation period when it is not the default.
//!
//! The file holds names and dates only, never a value. It lives in the private state directory
//! (0700, owned by the user) and is itself 0600. Writes are atomic: the new content goes to a
//! fresh temporary file in the same directory, is flushed to disk, then renamed over the old
//! file and the directory is flushed, so a crash leaves either the old or the new file, never a
//! torn one. A file that does not parse is an error naming the line and column; it is never
//! silently replaced, since that would reset every rotation date.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use mcpward_gateway::state::{Access, StateError, open_private_file, private_dir};
use serde::{Deserialize, Serialize};

use crate::inventory::CredentialId;

/// Name of the state file inside the state directory.
pub const FILE_NAME: &str = "creds.json";
const VERSION: u32 = 1;

/// What is recorded about one credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    #[serde(with = "date_text")]
    pub first_seen: Date,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "opt_date_text"
    )]
    pub last_rotated: Option<Date>,
    /// Rotation period in days; the default (90) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_days: Option<u32>,
}

/// The whole state file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotationState {
    #[serde(default = "version")]
    pub version: u32,
    #[serde(default)]
    pub credentials: BTreeMap<String, Record>,
}

impl Default for RotationState {
    fn default() -> Self {
        RotationState {
            version: VERSION,
            credentials: BTreeMap::new(),
        }
    }
}

fn version() -> u32 {
    VERSION
}

/// Why the state could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateFileError {
    #[error(
        "{path}:{line}:{column}: the rotation state file is corrupt: {message}\nhint: it was left untouched; fix it by hand, or move it away to start recording again (rotation dates in it are then lost)"
    )]
    Corrupt {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "{path}: the rotation state file has version {found}, this mcpward reads version {VERSION}\nhint: use the mcpward that wrote it, or move the file away"
    )]
    Version { path: PathBuf, found: u32 },
    #[error(
        "{path}: another mcpward has held the rotation state lock for {secs} seconds; nothing was recorded\nhint: try again; if it persists, look for a stuck mcpward process"
    )]
    Busy { path: PathBuf, secs: u64 },
    #[error(transparent)]
    Private(#[from] StateError),
    #[error("{path}: cannot {action}: {error}")]
    Io {
        path: PathBuf,
        action: &'static str,
        error: io::Error,
    },
}

impl RotationState {
    /// Reads `dir/creds.json`; a missing file (or directory) is an empty state.
    pub fn load(dir: &Path) -> Result<RotationState, StateFileError> {
        let path = dir.join(FILE_NAME);
        if fs::symlink_metadata(&path).is_err() {
            return Ok(RotationState::default());
        }
        let mut file = open_private_file(&path, Access::Read)?;
        let mut text = String::new();
        file.read_to_string(&mut text)
            .map_err(|error| StateFileError::Io {
                path: path.clone(),
                action: "read it",
                error,
            })?;
        RotationState::parse(&text, &path)
    }

    /// Load, change and save under an exclusive lock (`creds.json.lock`, Unix `flock`), so two
    /// mcpward processes never lose each other's records. The file is saved only when `change`
    /// changed the state.
    pub fn update<T>(
        dir: &Path,
        change: impl FnOnce(&mut RotationState) -> T,
    ) -> Result<T, StateFileError> {
        private_dir(dir)?;
        let lock_path = dir.join(format!("{FILE_NAME}.lock"));
        let lock_file = open_private_file(&lock_path, Access::ReadWrite)?;
        let _lock = lock(&lock_file, &lock_path, LOCK_WAIT)?;
        let mut state = RotationState::load(dir)?;
        let before = state.clone();
        let out = change(&mut state);
        if state != before {
            state.save(dir)?;
        }
        Ok(out)
    }

    /// Parses state text; `path` only names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<RotationState, StateFileError> {
        let state: RotationState =
            serde_json::from_str(text).map_err(|e| StateFileError::Corrupt {
                path: path.to_path_buf(),
                line: e.line(),
                column: e.column(),
                message: strip_position(&e.to_string()),
            })?;
        if state.version != VERSION {
            return Err(StateFileError::Version {
                path: path.to_path_buf(),
                found: state.version,
            });
        }
        Ok(state)
    }

    /// Writes `dir/creds.json` atomically, creating the private directory when missing.
    pub fn save(&self, dir: &Path) -> Result<(), StateFileError> {
        private_dir(dir)?;
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        write_atomic(dir, FILE_NAME, text.as_bytes())
    }

    pub fn get(&self, id: &CredentialId) -> Option<&Record> {
        self.credentials.get(&id.0)
    }

    /// Records `today` as the first sight of `id` unless it was seen before. True when new.
    pub fn first_sight(&mut self, id: &CredentialId, today: Date) -> bool {
        if self.credentials.contains_key(&id.0) {
            return false;
        }
        self.credentials.insert(
            id.0.clone(),
            Record {
                first_seen: today,
                last_rotated: None,
                period_days: None,
            },
        );
        true
    }

    /// Records a rotation on `date` (and a new period when given).
    pub fn rotated(&mut self, id: &CredentialId, date: Date, period_days: Option<u32>) {
        let r = self.credentials.entry(id.0.clone()).or_insert(Record {
            first_seen: date,
            last_rotated: None,
            period_days: None,
        });
        r.last_rotated = Some(date);
        if r.first_seen > date {
            r.first_seen = date;
        }
        if period_days.is_some() {
            r.period_days = period_days;
        }
    }
}

/// How long [`RotationState::update`] waits for another holder of the lock.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Held while the state is read, changed and written; released on drop (or process exit).
struct Lock<'f> {
    #[cfg_attr(not(unix), allow(dead_code))]
    file: &'f File,
}

fn lock<'f>(
    file: &'f File,
    path: &Path,
    wait: std::time::Duration,
) -> Result<Lock<'f>, StateFileError> {
    #[cfg(unix)]
    {
        use rustix::fs::{FlockOperation, flock};
        let start = std::time::Instant::now();
        loop {
            match flock(file, FlockOperation::NonBlockingLockExclusive) {
                Ok(()) => break,
                Err(rustix::io::Errno::WOULDBLOCK | rustix::io::Errno::INTR) => {}
                Err(e) => {
                    return Err(StateFileError::Io {
                        path: path.to_path_buf(),
                        action: "lock it",
                        error: e.into(),
                    });
                }
            }
            if start.elapsed() >= wait {
                return Err(StateFileError::Busy {
                    path: path.to_path_buf(),
                    secs: wait.as_secs(),
                });
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, wait);
    Ok(Lock { file })
}

impl Drop for Lock<'_> {
    fn drop(&mut self) {
        #[cfg(unix)]
        let _ = rustix::fs::flock(self.file, rustix::fs::FlockOperation::Unlock);
    }
}

/// `serde_json` ends its messages with ` at line L column C`; the error shows the position first.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Replaces `dir/name` with `bytes`: temporary file (0600, created new, no symlink followed),
/// fsync, rename, fsync of the directory. Leftover temporaries of a crashed write are removed
/// by the next successful one.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), StateFileError> {
    let target = dir.join(name);
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let io = |path: &Path, action: &'static str| {
        let path = path.to_path_buf();
        move |error| StateFileError::Io {
            path,
            action,
            error,
        }
    };
    let _ = fs::remove_file(&tmp);
    let mut file = open_private_file(&tmp, Access::CreateNew)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(io(&tmp, "write it"));
    drop(file);
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    if let Err(e) = fs::rename(&tmp, &target) {
        let _ = fs::remove_file(&tmp);
        return Err(io(&target, "replace it")(e));
    }
    // The rename is durable once the directory entry is.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    remove_stale_temporaries(dir, name);
    Ok(())
}

/// Temporaries left by a writer that died. Only old ones: a young one may belong to another
/// mcpward writing right now, whose rename would fail if it vanished.
fn remove_stale_temporaries(dir: &Path, name: &str) {
    const STALE: std::time::Duration = std::time::Duration::from_secs(60);
    let prefix = format!(".{name}.");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let n = e.file_name();
        let n = n.to_string_lossy();
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= STALE);
        if n.starts_with(&prefix) && n.ends_with(".tmp") && old {
            let _ = fs::remove_file(e.path());
        }
    }
}

mod date_text {
    use jiff::civil::Date;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&d.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        text.parse()
            .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a date (YYYY-MM-DD)")))
    }
}

mod opt_date_text {
    use jiff::civil::Date;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => super::date_text::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        super::date_text::deserialize(d).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> CredentialId {
        CredentialId(s.into())
    }

    #[test]
    fn round_trips_through_the_file_with_user_only_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let state_dir = dir.path().join("state");
        let mut s = RotationState::default();
        s.first_sight(&id("env:GITHUB_TOKEN"), Date::constant(2026, 1, 2));
        s.rotated(
            &id("env:GITHUB_TOKEN"),
            Date::constant(2026, 2, 3),
            Some(30),
        );
        s.save(&state_dir).unwrap();
        assert_eq!(RotationState::load(&state_dir).unwrap(), s);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(state_dir.join(FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            let mode = fs::metadata(&state_dir).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }

    #[test]
    fn corrupt_file_is_reported_with_its_position_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        private_dir(dir.path()).unwrap();
        let text = "{\n  \"version\": 1,\n  \"credentials\": {\n    \"env:X\": {\"first_seen\": \"2026-13-01\"}\n  }\n}\n";
        write_atomic(dir.path(), FILE_NAME, text.as_bytes()).unwrap();
        let err = RotationState::load(dir.path()).unwrap_err();
        let StateFileError::Corrupt { line, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(*line, 4, "{err}");
        assert!(err.to_string().contains("creds.json:4:"), "{err}");
        assert_eq!(
            fs::read_to_string(dir.path().join(FILE_NAME)).unwrap(),
            text
        );
    }

    #[test]
    fn truncated_file_is_corrupt_not_empty() {
        let err = RotationState::parse(
            "{\"version\": 1, \"credentials\": {\"env:X\"",
            Path::new("creds.json"),
        )
        .unwrap_err();
        assert!(
            matches!(err, StateFileError::Corrupt { line: 1, .. }),
            "{err}"
        );
    }

    #[test]
    fn crash_mid_write_leaves_the_previous_state_readable() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = RotationState::default();
        s.first_sight(&id("env:A"), Date::constant(2026, 1, 1));
        s.save(dir.path()).unwrap();
        // A writer that died (long ago) after writing half its temporary file.
        let torn = dir.path().join(".creds.json.999999.tmp");
        fs::write(&torn, "{\"version\": 1, \"cred").unwrap();
        let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        fs::File::options()
            .write(true)
            .open(&torn)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        // One being written right now by another process.
        let live = dir.path().join(".creds.json.999998.tmp");
        fs::write(&live, "{").unwrap();
        assert_eq!(RotationState::load(dir.path()).unwrap(), s);
        s.first_sight(&id("env:B"), Date::constant(2026, 1, 2));
        s.save(dir.path()).unwrap();
        assert_eq!(RotationState::load(dir.path()).unwrap(), s);
        assert!(!torn.exists(), "a torn temporary is cleaned up");
        assert!(live.exists(), "another writer's temporary is left alone");
    }

    #[cfg(unix)]
    #[test]
    fn update_waits_for_the_lock_and_gives_up_without_writing() {
        let dir = tempfile::tempdir().unwrap();
        private_dir(dir.path()).unwrap();
        let lock_path = dir.path().join("creds.json.lock");
        let holder = open_private_file(&lock_path, Access::ReadWrite).unwrap();
        rustix::fs::flock(&holder, rustix::fs::FlockOperation::LockExclusive).unwrap();
        let other = open_private_file(&lock_path, Access::ReadWrite).unwrap();
        let e = lock(&other, &lock_path, std::time::Duration::from_millis(100));
        assert!(matches!(e, Err(StateFileError::Busy { .. })));
        drop(holder);
        let recorded = RotationState::update(dir.path(), |s| {
            s.first_sight(&id("env:A"), Date::constant(2026, 1, 1))
        })
        .unwrap();
        assert!(recorded);
        assert!(
            RotationState::load(dir.path())
                .unwrap()
                .get(&id("env:A"))
                .is_some()
        );
    }

    #[test]
    fn rotation_before_first_sight_moves_first_seen_back() {
        let mut s = RotationState::default();
        s.first_sight(&id("env:A"), Date::constant(2026, 3, 1));
        s.rotated(&id("env:A"), Date::constant(2026, 2, 1), None);
        let r = s.get(&id("env:A")).unwrap();
        assert_eq!(r.first_seen, Date::constant(2026, 2, 1));
        assert_eq!(r.last_rotated, Some(Date::constant(2026, 2, 1)));
    }
}
