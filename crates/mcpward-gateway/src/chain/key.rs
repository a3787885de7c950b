//! Keyed mode: an HMAC-SHA256 over every record and over the head, with a key kept outside the
//! log, so that rewriting the log and its head consistently needs the key.

use std::io::Read as _;
use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::LogError;
use crate::state::{self, Access};

/// Bytes of a generated key.
const KEY_BYTES: usize = 32;

/// The secret of keyed mode. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct LogKey(Vec<u8>);

impl std::fmt::Debug for LogKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogKey(<redacted>)")
    }
}

impl LogKey {
    /// A key from raw bytes (at least 16).
    pub fn from_bytes(bytes: &[u8]) -> Option<LogKey> {
        (bytes.len() >= 16).then(|| LogKey(bytes.to_vec()))
    }

    /// Reads a key file: hex text of at least 16 bytes, a regular file owned by the user, not a
    /// symlink, readable by nobody else (mode 0600 or narrower).
    pub fn load(path: &Path) -> Result<LogKey, LogError> {
        let mut file = state::open_private_file(path, Access::Read)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = file
                .metadata()
                .map_err(super::io_err(path, "read the key file's metadata"))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(state::StateError::Unsafe {
                    path: path.to_path_buf(),
                    problem: format!("key file has mode {:04o}, so others can read the key", mode & 0o7777),
                    fix: format!("make a new key (the old one may be known): `rm {0}` and run again, or `chmod 600 {0}`", path.display()),
                }
                .into());
            }
        }
        let mut text = String::new();
        file.read_to_string(&mut text)
            .map_err(super::io_err(path, "read the key file"))?;
        hex::decode(text.trim())
            .ok()
            .and_then(|b| LogKey::from_bytes(&b))
            .ok_or_else(|| LogError::Key {
                path: path.to_path_buf(),
                reason: "does not hold a key (hex text of at least 16 bytes)".into(),
            })
    }

    /// Loads the key file, creating it (0600, in a private directory) with a fresh random key
    /// when it does not exist.
    pub fn load_or_create(path: &Path) -> Result<LogKey, LogError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            state::private_dir(parent)?;
        }
        match std::fs::symlink_metadata(path) {
            Ok(_) => return LogKey::load(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(super::io_err(path, "read the key file's metadata")(e)),
        }
        let mut bytes = [0u8; KEY_BYTES];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut bytes))
            .map_err(super::io_err(
                Path::new("/dev/urandom"),
                "read random bytes for a key",
            ))?;
        let mut file = state::open_private_file(path, Access::CreateNew)?;
        use std::io::Write as _;
        writeln!(file, "{}", hex::encode(bytes))
            .and_then(|()| file.sync_all())
            .map_err(super::io_err(path, "write the key file"))?;
        Ok(LogKey(bytes.to_vec()))
    }

    fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("HMAC takes keys of any length")
    }

    /// Lower-case hex HMAC-SHA256 of `bytes`.
    pub(super) fn sign(&self, bytes: &[u8]) -> String {
        let mut m = self.mac();
        m.update(bytes);
        super::hex_digest(&m.finalize().into_bytes())
    }

    /// Whether `mac_hex` is the HMAC of `bytes` (compared in constant time).
    pub(super) fn check(&self, bytes: &[u8], mac_hex: &str) -> bool {
        let Ok(mac) = hex::decode(mac_hex) else {
            return false;
        };
        let mut m = self.mac();
        m.update(bytes);
        m.verify_slice(&mac).is_ok()
    }
}
