//! The `requestState` mcpward hands a 2026-07-28 client when it asks a person through an
//! `input_required` result, and the checks it passes when the client retries the call.
//!
//! The client holds the state between the two rounds, so whatever comes back is the client's
//! word, not mcpward's memory: the state is sealed with HMAC-SHA256 under a key that only
//! mcpward reads (`STATE/request-state/key`, 0600, in the private state directory that a
//! sandboxed server cannot see and the model never does). A state says which call it was issued
//! for (server, launch, tool, digest of the canonical arguments, the policy rule that asked, the
//! question's key) and until when it holds, and it can be redeemed once: redeeming creates
//! `STATE/request-state/used/<id>` exclusively, so a second gateway sharing the state directory
//! refuses the replay too.
//!
//! Sealing and opening are plain functions over bytes ([`seal`], [`open`]); only
//! [`StateKey::load_or_create`] and [`UsedStates`] touch the disk.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;

use crate::state::{self, Access, StateError};

/// Every state mcpward issues starts with this; any other `requestState` belongs to the server
/// and passes through untouched.
pub const PREFIX: &str = "mcpward-rs1.";

/// Random bytes in a key.
const KEY_BYTES: usize = 32;
/// Random bytes in a state id.
const ID_BYTES: usize = 16;
/// A state longer than this is not one mcpward issued (it holds the server's own state and
/// answers, which fit in a frame; this only bounds the work done on garbage).
const MAX_STATE_LEN: usize = 8 << 20;
/// Markers of used states whose state expired this long ago are removed.
const MARKER_GRACE_SECS: u64 = 60;
/// At most this many markers are looked at in one sweep.
const MAX_SWEEP: usize = 10_000;

/// Why a state was refused. Every variant is a refusal: nothing is forwarded.
#[derive(Debug, thiserror::Error)]
pub enum RequestStateError {
    /// Not `PREFIX`, hex payload, `.`, hex MAC; or a payload that does not parse.
    #[error("the requestState is not one mcpward issued (malformed: {0})")]
    Malformed(&'static str),
    /// The MAC does not match: the state was altered or made by someone else.
    #[error("the requestState was altered or not issued by mcpward (its signature does not match)")]
    BadSignature,
    /// Past its expiry.
    #[error("the requestState expired {ago} s ago")]
    Expired {
        /// Seconds since it expired.
        ago: u64,
    },
    /// Redeemed before.
    #[error("the requestState was already used once; a state answers one call only")]
    Replayed,
    /// Issued for another server or another launch of it.
    #[error("the requestState was issued for another server (`{issued}`), not this one")]
    OtherServer {
        /// The server name in the state.
        issued: String,
    },
    /// Issued for another tool.
    #[error("the requestState was issued for tool `{issued}`, not `{called}`")]
    OtherTool {
        /// The tool in the state.
        issued: String,
        /// The tool called.
        called: String,
    },
    /// The arguments are not the ones the person was asked about.
    #[error("the arguments differ from those of the call the person was asked about")]
    OtherArguments,
    /// The retried call does not answer mcpward's question.
    #[error("the retried call carries no answer to mcpward's question `{key}` in inputResponses")]
    NoAnswer {
        /// The key of mcpward's input request.
        key: String,
    },
    /// The arguments have no canonical form to bind (a number JSON cannot carry exactly).
    #[error("the arguments cannot be put in canonical form ({0})")]
    Arguments(String),
    /// The key or the marker could not be read or written.
    #[error("{0}")]
    Storage(#[from] StateError),
    /// The OS random source failed.
    #[error("could not read random bytes for the request state: {0}")]
    Random(std::io::Error),
}

/// What a state binds: the call it was issued for and until when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateClaims {
    /// Random id, hex; names the marker that makes the state single-use.
    pub id: String,
    /// The server's name in this gateway.
    pub server: String,
    /// What the launch runs ([`crate::proxy::launch_digest`]): another program under the
    /// same name does not match.
    pub launch: String,
    /// The tool.
    pub tool: String,
    /// `sha256:` of the canonical (RFC 8785) arguments.
    pub arguments: String,
    /// The policy rule that asked (a different rule on the retry is a different question).
    pub rule: String,
    /// The key of mcpward's input request (the elicitation) in `inputRequests`.
    pub question: String,
    /// Unix seconds after which the state is refused.
    pub expires: u64,
    /// The server's own `requestState` on the call mcpward asked about, given back to the
    /// server on the retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_state: Option<String>,
    /// The answers to the server's own input requests on that call, likewise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_responses: Option<Value>,
}

/// The HMAC key, ready keyed. `Debug` never shows it.
#[derive(Clone)]
pub struct StateKey(Hmac<Sha256>);

impl std::fmt::Debug for StateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StateKey(<redacted>)")
    }
}

/// `STATE/request-state`.
pub fn state_root(state_dir: &Path) -> PathBuf {
    state_dir.join("request-state")
}

impl StateKey {
    /// A key from raw bytes (at least 16).
    pub fn from_bytes(bytes: &[u8]) -> Option<StateKey> {
        if bytes.len() < 16 {
            return None;
        }
        <Hmac<Sha256> as KeyInit>::new_from_slice(bytes)
            .ok()
            .map(StateKey)
    }

    /// Reads `STATE/request-state/key`, creating it with a fresh random key when missing. The
    /// directory must be private and the user's; the file the user's, a regular file, and
    /// readable by nobody else.
    pub fn load_or_create(state_dir: &Path) -> Result<StateKey, RequestStateError> {
        StateKey::load_or_create_in(&state_root(state_dir))
    }

    /// [`StateKey::load_or_create`] for a key of another purpose: `DIR/key`, with the same
    /// checks. `mcpward serve` seals its session ids under a key of their own this way.
    pub fn load_or_create_in(dir: &Path) -> Result<StateKey, RequestStateError> {
        let dir = dir.to_path_buf();
        state::private_dir(&dir)?;
        let path = dir.join("key");
        match StateKey::load(&path) {
            Ok(key) => return Ok(key),
            Err(RequestStateError::Storage(StateError::Io { error, .. }))
                if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let bytes = random_bytes::<KEY_BYTES>()?;
        // Written under a private name, then linked into place: a second gateway starting at
        // the same moment either wins the link or reads the finished key, never half of it.
        let tmp = dir.join(format!(
            ".key.{}.{}",
            std::process::id(),
            hex::encode(random_bytes::<6>()?)
        ));
        let io = |action: &'static str, path: &Path| {
            let path = path.to_path_buf();
            move |error| StateError::Io {
                path,
                action,
                error,
            }
        };
        let mut file = state::open_private_file(&tmp, Access::CreateNew)?;
        let written = writeln!(file, "{}", hex::encode(bytes))
            .and_then(|()| file.sync_all())
            .map_err(io("write the request-state key", &tmp));
        let linked = written.and_then(|()| {
            std::fs::hard_link(&tmp, &path).or_else(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    Ok(())
                } else {
                    Err(io("link the request-state key into place", &path)(e))
                }
            })
        });
        let _ = std::fs::remove_file(&tmp);
        linked?;
        StateKey::load(&path)
    }

    fn load(path: &Path) -> Result<StateKey, RequestStateError> {
        let mut file = state::open_private_file(path, Access::Read)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = file
                .metadata()
                .map_err(|error| StateError::Io {
                    path: path.to_path_buf(),
                    action: "read its metadata",
                    error,
                })?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(StateError::Unsafe {
                    path: path.to_path_buf(),
                    problem: format!(
                        "key file has mode {:04o}, so others can read the key and forge approvals",
                        mode & 0o7777
                    ),
                    fix: format!(
                        "make a new key (the old one may be known): `rm {}` and run again",
                        path.display()
                    ),
                }
                .into());
            }
        }
        let mut text = String::new();
        file.read_to_string(&mut text)
            .map_err(|error| StateError::Io {
                path: path.to_path_buf(),
                action: "read the request-state key",
                error,
            })?;
        hex::decode(text.trim())
            .ok()
            .and_then(|b| StateKey::from_bytes(&b))
            .ok_or_else(|| {
                StateError::Unsafe {
                    path: path.to_path_buf(),
                    problem: "does not hold a key (hex text of at least 16 bytes)".into(),
                    fix: format!("remove it (`rm {}`) and run again", path.display()),
                }
                .into()
            })
    }

    fn mac(&self) -> Hmac<Sha256> {
        self.0.clone()
    }

    /// HMAC-SHA256 of `payload` under this key.
    pub fn tag(&self, payload: &[u8]) -> [u8; 32] {
        let mut m = self.mac();
        m.update(payload);
        m.finalize().into_bytes().into()
    }

    /// Whether `tag` is [`StateKey::tag`] of `payload`, compared in constant time.
    pub fn check_tag(&self, payload: &[u8], tag: &[u8]) -> bool {
        let mut m = self.mac();
        m.update(payload);
        m.verify_slice(tag).is_ok()
    }
}

/// A fresh state id.
pub fn new_id() -> Result<String, RequestStateError> {
    Ok(hex::encode(random_bytes::<ID_BYTES>()?))
}

/// `PREFIX` + hex of the claims' JSON + `.` + hex of its HMAC.
pub fn seal(key: &StateKey, claims: &StateClaims) -> String {
    // Serialising a struct of strings, numbers and a `Value` cannot fail.
    let payload = serde_json::to_vec(claims).unwrap_or_default();
    let mut m = key.mac();
    m.update(PREFIX.as_bytes());
    m.update(&payload);
    let tag = m.finalize().into_bytes();
    format!("{PREFIX}{}.{}", hex::encode(&payload), hex::encode(tag))
}

/// Whether `state` has mcpward's format prefix (it may still be forged or altered).
pub fn is_ours(state: &str) -> bool {
    state.starts_with(PREFIX)
}

/// Checks the signature and the expiry and returns what the state binds. The caller checks the
/// bindings against the call ([`StateClaims::check_call`]) and marks it used.
pub fn open(key: &StateKey, state: &str, now: u64) -> Result<StateClaims, RequestStateError> {
    if state.len() > MAX_STATE_LEN {
        return Err(RequestStateError::Malformed("too long"));
    }
    let body = state
        .strip_prefix(PREFIX)
        .ok_or(RequestStateError::Malformed("prefix"))?;
    let (payload_hex, tag_hex) = body
        .split_once('.')
        .ok_or(RequestStateError::Malformed("no signature"))?;
    // Only the lower-case hex mcpward writes: one state has one spelling.
    let canonical_hex = |s: &str| s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !canonical_hex(payload_hex) || !canonical_hex(tag_hex) {
        return Err(RequestStateError::Malformed("not lower-case hex"));
    }
    let payload = hex::decode(payload_hex).map_err(|_| RequestStateError::Malformed("payload"))?;
    let tag = hex::decode(tag_hex).map_err(|_| RequestStateError::Malformed("signature"))?;
    let mut m = key.mac();
    m.update(PREFIX.as_bytes());
    m.update(&payload);
    m.verify_slice(&tag)
        .map_err(|_| RequestStateError::BadSignature)?;
    let claims: StateClaims =
        serde_json::from_slice(&payload).map_err(|_| RequestStateError::Malformed("claims"))?;
    if now > claims.expires {
        return Err(RequestStateError::Expired {
            ago: now - claims.expires,
        });
    }
    Ok(claims)
}

/// The call a retried request makes, to compare with what a state was issued for.
#[derive(Debug, Clone, Copy)]
pub struct RetriedCall<'a> {
    /// This gateway's server name.
    pub server: &'a str,
    /// This gateway's launch digest.
    pub launch: &'a str,
    /// The tool called.
    pub tool: &'a str,
    /// `sha256:` of the canonical arguments of the retried call.
    pub arguments: &'a str,
    /// The retried call's `inputResponses`, if any.
    pub responses: Option<&'a Value>,
}

impl StateClaims {
    /// Whether the retried call is the one this state was issued for, and answers its question.
    /// Returns the answer (an `ElicitResult`).
    pub fn check_call<'a>(&self, call: &RetriedCall<'a>) -> Result<&'a Value, RequestStateError> {
        if self.server != call.server || self.launch != call.launch {
            return Err(RequestStateError::OtherServer {
                issued: self.server.clone(),
            });
        }
        if self.tool != call.tool {
            return Err(RequestStateError::OtherTool {
                issued: self.tool.clone(),
                called: call.tool.to_owned(),
            });
        }
        if self.arguments != call.arguments {
            return Err(RequestStateError::OtherArguments);
        }
        call.responses
            .and_then(|r| r.get(&self.question))
            .ok_or_else(|| RequestStateError::NoAnswer {
                key: self.question.clone(),
            })
    }
}

/// The record of redeemed states, `STATE/request-state/used/<id>`, shared by every gateway
/// that uses the state directory.
#[derive(Debug, Clone)]
pub struct UsedStates {
    dir: PathBuf,
}

impl UsedStates {
    /// Opens (creating) the private directory of markers.
    pub fn open(state_dir: &Path) -> Result<UsedStates, RequestStateError> {
        let dir = state_root(state_dir).join("used");
        state::private_dir(&state_root(state_dir))?;
        state::private_dir(&dir)?;
        Ok(UsedStates { dir })
    }

    /// Marks the state used; [`RequestStateError::Replayed`] when it was before (by this or
    /// any other gateway). The marker holds the state's expiry, after which it can go.
    pub fn redeem(&self, claims: &StateClaims) -> Result<(), RequestStateError> {
        // The id is hex from `new_id` and covered by the MAC; anything else is no name.
        if claims.id.is_empty()
            || claims.id.len() > 64
            || !claims.id.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(RequestStateError::Malformed("id"));
        }
        let path = self.dir.join(&claims.id);
        let mut file = match state::open_private_file(&path, Access::CreateNew) {
            Ok(f) => f,
            Err(StateError::Io { error, .. })
                if error.kind() == std::io::ErrorKind::AlreadyExists =>
            {
                return Err(RequestStateError::Replayed);
            }
            Err(e) => return Err(e.into()),
        };
        // The marker exists now, which is what makes the state used; its content only helps
        // the sweep, so a failed write does not undo the redemption.
        let _ = writeln!(file, "{}", claims.expires);
        Ok(())
    }

    /// Removes markers of states that expired more than a minute ago: those states are refused
    /// as expired whatever the marker says. Returns how many were removed.
    pub fn sweep(&self, now: u64) -> usize {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return 0;
        };
        let mut removed = 0;
        for entry in entries.flatten().take(MAX_SWEEP) {
            let path = entry.path();
            let Ok(mut file) = state::open_private_file(&path, Access::Read) else {
                continue;
            };
            let mut text = String::new();
            if file.read_to_string(&mut text).is_err() {
                continue;
            }
            let Ok(expires) = text.trim().parse::<u64>() else {
                continue;
            };
            if expires.saturating_add(MARKER_GRACE_SECS) < now
                && std::fs::remove_file(&path).is_ok()
            {
                removed += 1;
            }
        }
        removed
    }
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn random_bytes<const N: usize>() -> Result<[u8; N], RequestStateError> {
    let mut bytes = [0u8; N];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(RequestStateError::Random)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests;
