//! The OS keychain behind `keyring:` references and `mcpward secrets set/rm/list`.
//!
//! Keychains cannot list their entries portably, so the names mcpward stored are kept in
//! `secrets.json` in the private state directory (names only, never values) for `list`.

use std::collections::BTreeSet;
use std::fmt;
use std::io::Read;
use std::path::Path;

use crate::resolve::Secret;
use crate::state::{StateFileError, write_atomic};

/// Keychain service under which `mcpward secrets set NAME` stores `NAME`.
pub const SERVICE: &str = "mcpward";
const INDEX: &str = "secrets.json";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no such keychain entry")]
    NotFound,
    #[error("the OS keychain is not available: {0}")]
    Unavailable(String),
}

/// Get, set and delete values by (service, account).
pub trait SecretStore {
    fn get(&self, service: &str, account: &str) -> Result<String, StoreError>;
    fn set(&self, service: &str, account: &str, value: &Secret) -> Result<(), StoreError>;
    fn delete(&self, service: &str, account: &str) -> Result<(), StoreError>;
}

/// The platform keychain through the `keyring` crate (macOS Keychain, Windows Credential
/// Manager, Secret Service on Linux). Tests install keyring's mock builder instead.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsKeychain;

fn map(e: keyring::Error) -> StoreError {
    match e {
        keyring::Error::NoEntry => StoreError::NotFound,
        other => StoreError::Unavailable(other.to_string()),
    }
}

impl SecretStore for OsKeychain {
    fn get(&self, service: &str, account: &str) -> Result<String, StoreError> {
        keyring::Entry::new(service, account)
            .and_then(|e| e.get_password())
            .map_err(map)
    }

    fn set(&self, service: &str, account: &str, value: &Secret) -> Result<(), StoreError> {
        keyring::Entry::new(service, account)
            .and_then(|e| e.set_password(value.expose()))
            .map_err(map)
    }

    fn delete(&self, service: &str, account: &str) -> Result<(), StoreError> {
        keyring::Entry::new(service, account)
            .and_then(|e| e.delete_credential())
            .map_err(map)
    }
}

/// An in-memory store, for tests and dry runs.
#[derive(Default)]
pub struct MemoryStore(std::sync::Mutex<std::collections::BTreeMap<(String, String), String>>);

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MemoryStore(<redacted>)")
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, service: &str, account: &str) -> Result<String, StoreError> {
        let map = self
            .0
            .lock()
            .map_err(|_| StoreError::Unavailable("poisoned".into()))?;
        map.get(&(service.into(), account.into()))
            .cloned()
            .ok_or(StoreError::NotFound)
    }

    fn set(&self, service: &str, account: &str, value: &Secret) -> Result<(), StoreError> {
        let mut map = self
            .0
            .lock()
            .map_err(|_| StoreError::Unavailable("poisoned".into()))?;
        map.insert((service.into(), account.into()), value.expose().to_string());
        Ok(())
    }

    fn delete(&self, service: &str, account: &str) -> Result<(), StoreError> {
        let mut map = self
            .0
            .lock()
            .map_err(|_| StoreError::Unavailable("poisoned".into()))?;
        map.remove(&(service.into(), account.into()))
            .map(|_| ())
            .ok_or(StoreError::NotFound)
    }
}

/// Names of the secrets `mcpward secrets set` stored, from the index in `state_dir`.
pub fn stored_names(state_dir: &Path) -> Result<BTreeSet<String>, StateFileError> {
    let path = state_dir.join(INDEX);
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(BTreeSet::new());
    }
    let mut text = String::new();
    mcpward_gateway::state::open_private_file(&path, mcpward_gateway::state::Access::Read)?
        .read_to_string(&mut text)
        .map_err(|error| StateFileError::Io {
            path: path.clone(),
            action: "read it",
            error,
        })?;
    serde_json::from_str(&text).map_err(|e| StateFileError::Corrupt {
        path,
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })
}

fn save_names(state_dir: &Path, names: &BTreeSet<String>) -> Result<(), StateFileError> {
    mcpward_gateway::state::private_dir(state_dir)?;
    let text = serde_json::to_string_pretty(names).unwrap_or_default() + "\n";
    write_atomic(state_dir, INDEX, text.as_bytes())
}

/// Why `mcpward secrets` failed.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error(
        "`{0}` is not a valid secret name\nhint: use letters, digits and `_`, e.g. GITHUB_TOKEN"
    )]
    Name(String),
    #[error(
        "{name}: {cause}\nhint: unlock your keychain (on Linux: start a Secret Service such as gnome-keyring or KeePassXC)"
    )]
    Store { name: String, cause: StoreError },
    #[error(
        "no secret named `{0}` is stored by mcpward\nhint: `mcpward secrets list` shows the names"
    )]
    NotFound(String),
    #[error("the value is empty; nothing was stored")]
    Empty,
    #[error(transparent)]
    State(#[from] StateFileError),
}

fn check_name(name: &str) -> Result<(), SecretsError> {
    let ok = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(SecretsError::Name(name.into()))
    }
}

/// Stores `value` as `keyring:mcpward/NAME` and records the name. Returns the reference.
pub fn set(
    store: &dyn SecretStore,
    state_dir: &Path,
    name: &str,
    value: &Secret,
) -> Result<String, SecretsError> {
    check_name(name)?;
    if value.expose().is_empty() {
        return Err(SecretsError::Empty);
    }
    store
        .set(SERVICE, name, value)
        .map_err(|cause| SecretsError::Store {
            name: name.into(),
            cause,
        })?;
    let mut names = stored_names(state_dir)?;
    if names.insert(name.to_string()) {
        save_names(state_dir, &names)?;
    }
    Ok(format!("keyring:{SERVICE}/{name}"))
}

/// Deletes `NAME` from the keychain and the index.
pub fn remove(store: &dyn SecretStore, state_dir: &Path, name: &str) -> Result<(), SecretsError> {
    check_name(name)?;
    let mut names = stored_names(state_dir)?;
    let deleted = match store.delete(SERVICE, name) {
        Ok(()) => true,
        Err(StoreError::NotFound) => false,
        Err(cause) => {
            return Err(SecretsError::Store {
                name: name.into(),
                cause,
            });
        }
    };
    let listed = names.remove(name);
    if listed {
        save_names(state_dir, &names)?;
    }
    if deleted || listed {
        Ok(())
    } else {
        Err(SecretsError::NotFound(name.into()))
    }
}

/// One stored secret, for `list`: whether the keychain still holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Listed {
    pub name: String,
    pub reference: String,
    pub present: bool,
}

pub fn list(store: &dyn SecretStore, state_dir: &Path) -> Result<Vec<Listed>, SecretsError> {
    Ok(stored_names(state_dir)?
        .into_iter()
        .map(|name| Listed {
            present: store.get(SERVICE, &name).is_ok(),
            reference: format!("keyring:{SERVICE}/{name}"),
            name,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_list_remove_through_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let r = set(
            &store,
            dir.path(),
            "GITHUB_TOKEN",
            &Secret::new("v1".into()),
        )
        .unwrap();
        assert_eq!(r, "keyring:mcpward/GITHUB_TOKEN");
        assert_eq!(store.get(SERVICE, "GITHUB_TOKEN").unwrap(), "v1");
        let l = list(&store, dir.path()).unwrap();
        assert_eq!(l.len(), 1);
        assert!(l[0].present);
        let index = std::fs::read_to_string(dir.path().join(INDEX)).unwrap();
        assert!(!index.contains("v1"));
        remove(&store, dir.path(), "GITHUB_TOKEN").unwrap();
        assert!(list(&store, dir.path()).unwrap().is_empty());
        assert!(matches!(
            remove(&store, dir.path(), "GITHUB_TOKEN"),
            Err(SecretsError::NotFound(_))
        ));
        assert!(matches!(
            set(&store, dir.path(), "BAD NAME", &Secret::new("x".into())),
            Err(SecretsError::Name(_))
        ));
    }

    #[test]
    fn os_keychain_path_works_with_keyrings_mock_builder() {
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        // The mock keeps one credential per entry object; a missing one reads as not found.
        assert!(matches!(
            OsKeychain.get(SERVICE, "NOT_THERE"),
            Err(StoreError::NotFound)
        ));
        let entry = keyring::Entry::new(SERVICE, "X").unwrap();
        entry.set_password("v").unwrap();
        assert_eq!(entry.get_password().unwrap(), "v");
    }
}
