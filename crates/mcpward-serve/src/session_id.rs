//! The `Mcp-Session-Id` mcpward gives a 2025-era client: not a key into a table but the session
//! itself, sealed. It carries the protocol version the client negotiated, its capabilities, the
//! route and an expiry, under HMAC-SHA256 with a key in the shared state directory
//! (`STATE/serve-sessions/key`, made and checked as the request-state key is). Any instance that
//! shares the directory accepts it, so a load balancer needs no sticky sessions, and nothing is
//! stored per session.
//!
//! Format: `mcpward-s1.` + hex of the claims' JSON + `.` + hex of the tag.

use std::path::Path;

use mcpward_gateway::request_state::{RequestStateError, StateKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Every session id mcpward issues starts with this.
pub const PREFIX: &str = "mcpward-s1.";
/// How long a session holds.
pub const LIFETIME_SECS: u64 = 24 * 60 * 60;
/// Capabilities larger than this (as JSON) are not carried (the id travels in a header).
const MAX_CAPABILITIES: usize = 1024;
/// Longest id looked at.
const MAX_LEN: usize = 8192;
/// Domain separation: the tag covers this before the payload.
const DOMAIN: &[u8] = b"mcpward serve session\0";

/// What a session id says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionClaims {
    /// The route it was issued on.
    pub route: String,
    /// The protocol version negotiated in `initialize`.
    pub version: String,
    /// The client's capabilities (`{}` when they were too large to carry).
    pub capabilities: Value,
    /// Unix seconds after which the session is refused.
    pub expires: u64,
    /// Random, so two sessions never share an id.
    pub nonce: String,
}

/// Why a session id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// Not the format.
    #[error("the Mcp-Session-Id is not one mcpward issued")]
    Malformed,
    /// The tag does not match.
    #[error("the Mcp-Session-Id was altered or not issued by this deployment")]
    BadSignature,
    /// Past its expiry.
    #[error("the session expired; initialize again")]
    Expired,
    /// Issued on another route.
    #[error("the session belongs to route `{0}`; initialize on this route")]
    OtherRoute(String),
}

/// The sealing key, loaded once.
#[derive(Debug, Clone)]
pub struct SessionKey(StateKey);

impl SessionKey {
    /// Loads `STATE/serve-sessions/key`, creating it when missing.
    pub fn load_or_create(state_dir: &Path) -> Result<SessionKey, RequestStateError> {
        StateKey::load_or_create_in(&state_dir.join("serve-sessions")).map(SessionKey)
    }

    /// A key from bytes (tests).
    pub fn from_bytes(bytes: &[u8]) -> Option<SessionKey> {
        StateKey::from_bytes(bytes).map(SessionKey)
    }

    /// A fresh session for `route`.
    pub fn issue(
        &self,
        route: &str,
        version: &str,
        capabilities: &Value,
        now: u64,
    ) -> Result<String, RequestStateError> {
        let capabilities = if capabilities.to_string().len() > MAX_CAPABILITIES {
            Value::Object(Default::default())
        } else {
            capabilities.clone()
        };
        let claims = SessionClaims {
            route: route.to_owned(),
            version: version.to_owned(),
            capabilities,
            expires: now.saturating_add(LIFETIME_SECS),
            nonce: mcpward_gateway::request_state::new_id()?,
        };
        Ok(self.seal(&claims))
    }

    fn seal(&self, claims: &SessionClaims) -> String {
        let payload = serde_json::to_vec(claims).unwrap_or_default();
        let tag = self.0.tag(&[DOMAIN, &payload].concat());
        format!("{PREFIX}{}.{}", hex::encode(&payload), hex::encode(tag))
    }

    /// Checks an id presented on `route`.
    pub fn open(&self, id: &str, route: &str, now: u64) -> Result<SessionClaims, SessionError> {
        if id.len() > MAX_LEN {
            return Err(SessionError::Malformed);
        }
        let body = id.strip_prefix(PREFIX).ok_or(SessionError::Malformed)?;
        let (payload, tag) = body.split_once('.').ok_or(SessionError::Malformed)?;
        // Lower-case hex only: one spelling per id.
        let lower = |s: &str| s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !lower(payload) || !lower(tag) {
            return Err(SessionError::Malformed);
        }
        let payload = hex::decode(payload).map_err(|_| SessionError::Malformed)?;
        let tag = hex::decode(tag).map_err(|_| SessionError::Malformed)?;
        if !self.0.check_tag(&[DOMAIN, &payload].concat(), &tag) {
            return Err(SessionError::BadSignature);
        }
        let claims: SessionClaims =
            serde_json::from_slice(&payload).map_err(|_| SessionError::Malformed)?;
        if claims.expires < now {
            return Err(SessionError::Expired);
        }
        if claims.route != route {
            return Err(SessionError::OtherRoute(claims.route));
        }
        Ok(claims)
    }
}

/// Seconds since the epoch.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key() -> SessionKey {
        SessionKey::from_bytes(&[7u8; 32]).unwrap()
    }

    #[test]
    fn an_issued_session_opens_on_its_route_until_it_expires() {
        let id = key()
            .issue("notes", "2025-11-25", &json!({"roots": {}}), 1000)
            .unwrap();
        let claims = key().open(&id, "notes", 1001).unwrap();
        assert_eq!(claims.version, "2025-11-25");
        assert_eq!(claims.capabilities, json!({"roots": {}}));
        assert_eq!(
            key().open(&id, "other", 1001),
            Err(SessionError::OtherRoute("notes".into()))
        );
        assert_eq!(
            key().open(&id, "notes", 1000 + LIFETIME_SECS + 1),
            Err(SessionError::Expired)
        );
    }

    #[test]
    fn any_change_to_a_session_id_is_refused() {
        let id = key()
            .issue("notes", "2025-11-25", &json!({}), 1000)
            .unwrap();
        let other = SessionKey::from_bytes(&[8u8; 32]).unwrap();
        assert_eq!(
            other.open(&id, "notes", 1001),
            Err(SessionError::BadSignature)
        );
        let upper = id.to_ascii_uppercase().replacen("MCPWARD-S1.", PREFIX, 1);
        assert_eq!(
            key().open(&upper, "notes", 1001),
            Err(SessionError::Malformed)
        );
        // A claim rewritten (another route) without the key.
        let (head, tag) = id.rsplit_once('.').unwrap();
        let payload = hex::decode(head.strip_prefix(PREFIX).unwrap()).unwrap();
        let forged = String::from_utf8(payload)
            .unwrap()
            .replace("\"notes\"", "\"admin\"");
        let forged = format!("{PREFIX}{}.{tag}", hex::encode(forged));
        assert_eq!(
            key().open(&forged, "admin", 1001),
            Err(SessionError::BadSignature)
        );
        assert_eq!(key().open("abc", "notes", 1), Err(SessionError::Malformed));
    }
}
