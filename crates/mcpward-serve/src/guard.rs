//! Who may talk to a route and whether a request says the same thing in its headers as in its
//! body: pure functions over the few headers that matter, each unit-tested without a server.
//!
//! * **Host**: on a loopback listener only this listener's own names (`127.0.0.1:PORT`,
//!   `localhost:PORT`, `[::1]:PORT`) and the configured `allowed_hosts`; a web page on another
//!   name that resolves to 127.0.0.1 (DNS rebinding) reaches the socket but names itself.
//! * **Origin**: absent (a program, not a browser) or in `allowed_origins`; anything else is a
//!   page the user happens to have open, refused with 403.
//! * **Bearer token**: when tokens are configured, `Authorization: Bearer TOKEN` with one of them
//!   (constant-time comparison); the token identifies the client for the rate limit.
//! * **Mcp-Method / Mcp-Name**: when present they must name the body's method and its tool,
//!   prompt or resource; a 2026-07-28 request must carry them. An intermediary that routes or
//!   filters on the headers then sees what the server will act on.

use std::net::SocketAddr;

/// Why a request was refused before its body was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceRefusal {
    /// `Host` names something else (421 Misdirected Request).
    Host,
    /// `Origin` is not allowed (403).
    Origin,
    /// No bearer token (401).
    MissingToken,
    /// A token that is not one of ours (401).
    WrongToken,
}

impl SourceRefusal {
    /// The text of the answer.
    pub fn message(self) -> &'static str {
        match self {
            SourceRefusal::Host => {
                "refused: the Host header does not name this gateway (add the name to [listen] allowed_hosts if a proxy forwards it)"
            }
            SourceRefusal::Origin => {
                "refused: requests from this Origin are not allowed (add it to [listen] allowed_origins if it is your client)"
            }
            SourceRefusal::MissingToken => {
                "refused: this gateway needs Authorization: Bearer TOKEN"
            }
            SourceRefusal::WrongToken => "refused: the bearer token is not valid here",
        }
    }

    /// The event name in the audit log.
    pub fn event(self) -> &'static str {
        match self {
            SourceRefusal::Host => "serve-host-refused",
            SourceRefusal::Origin => "serve-origin-refused",
            SourceRefusal::MissingToken | SourceRefusal::WrongToken => "serve-unauthorized",
        }
    }
}

/// Whether `host` (the `Host` header) is acceptable for a listener on `local`.
pub fn host_allowed(host: Option<&str>, local: SocketAddr, allowed: &[String]) -> bool {
    let Some(host) = host else {
        return false;
    };
    let host = host.to_ascii_lowercase();
    if allowed.contains(&host) {
        return true;
    }
    if !local.ip().is_loopback() {
        // A listener on a public address is reached by whatever name its users give it; it is
        // protected by TLS and tokens, not by its name.
        return allowed.is_empty();
    }
    let port = local.port().to_string();
    let Some((name, p)) = host.rsplit_once(':') else {
        return false;
    };
    p == port && matches!(name, "127.0.0.1" | "localhost" | "[::1]")
}

/// Whether `origin` may call: absent, or one of `allowed` (compared without case).
pub fn origin_allowed(origin: Option<&str>, allowed: &[String]) -> bool {
    match origin {
        None => true,
        Some(o) => {
            let o = o.to_ascii_lowercase();
            allowed.contains(&o)
        }
    }
}

/// The token of `Authorization: Bearer TOKEN` (scheme without case, one space or more).
pub fn bearer(authorization: Option<&str>) -> Option<&str> {
    let value = authorization?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// A header that disagrees with the body, or a 2026-07-28 request without the headers it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMismatch(pub String);

/// What the front and the bridge read of a message's params: the names `Mcp-Name` must carry
/// and the protocol version of a 2026-07-28 request.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ParamFacts {
    /// `params.name` (a tool or a prompt).
    pub name: Option<String>,
    /// `params.uri` (a resource).
    pub uri: Option<String>,
    /// `params._meta["io.modelcontextprotocol/protocolVersion"]`.
    pub meta_version: Option<String>,
}

impl ParamFacts {
    /// Reads the params (absent or malformed ones say nothing).
    pub fn of(params: Option<&serde_json::value::RawValue>) -> ParamFacts {
        #[derive(serde::Deserialize)]
        struct Params {
            name: Option<serde_json::Value>,
            uri: Option<serde_json::Value>,
            #[serde(rename = "_meta")]
            meta: Option<Meta>,
        }
        #[derive(serde::Deserialize)]
        struct Meta {
            #[serde(rename = "io.modelcontextprotocol/protocolVersion")]
            version: Option<serde_json::Value>,
        }
        let Some(p) = params.and_then(|p| serde_json::from_str::<Params>(p.get()).ok()) else {
            return ParamFacts::default();
        };
        let text = |v: Option<serde_json::Value>| match v {
            Some(serde_json::Value::String(s)) => Some(s),
            _ => None,
        };
        ParamFacts {
            name: text(p.name),
            uri: text(p.uri),
            meta_version: text(p.meta.and_then(|m| m.version)),
        }
    }

    /// The value `Mcp-Name` must have for `method`: the tool or prompt name, the resource URI.
    pub fn expected_name(&self, method: &str) -> Option<&str> {
        match method {
            "tools/call" | "prompts/get" => self.name.as_deref(),
            "resources/read" | "resources/subscribe" | "resources/unsubscribe" => {
                self.uri.as_deref()
            }
            _ => None,
        }
    }
}

/// Checks `Mcp-Method` and `Mcp-Name` against the body (`expected` is
/// [`ParamFacts::expected_name`]). `stateless` (a 2026-07-28 request) makes `Mcp-Method` (and
/// `Mcp-Name` where the method has a name) required.
pub fn check_method_headers(
    mcp_method: Option<&str>,
    mcp_name: Option<&str>,
    method: &str,
    expected: Option<&str>,
    stateless: bool,
) -> Result<(), HeaderMismatch> {
    match mcp_method {
        Some(h) if h != method => {
            return Err(HeaderMismatch(format!(
                "the Mcp-Method header says `{}` but the body's method is `{method}`",
                shown(h)
            )));
        }
        None if stateless => {
            return Err(HeaderMismatch(format!(
                "a 2026-07-28 request needs the Mcp-Method header (`{method}`)"
            )));
        }
        _ => {}
    }
    match (mcp_name, expected) {
        (Some(h), Some(e)) if h != e => Err(HeaderMismatch(format!(
            "the Mcp-Name header says `{}` but the body names `{}`",
            shown(h),
            shown(e)
        ))),
        (Some(h), None) => Err(HeaderMismatch(format!(
            "the Mcp-Name header says `{}` but `{method}` names nothing",
            shown(h)
        ))),
        (None, Some(e)) if stateless => Err(HeaderMismatch(format!(
            "a 2026-07-28 `{method}` request needs the Mcp-Name header (`{}`)",
            shown(e)
        ))),
        _ => Ok(()),
    }
}

/// A peer-chosen value as it may appear in a message: short, control characters escaped.
fn shown(value: &str) -> String {
    let mut out: String = value
        .chars()
        .take(100)
        .flat_map(char::escape_debug)
        .collect();
    if value.chars().count() > 100 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn local() -> SocketAddr {
        "127.0.0.1:8080".parse().unwrap()
    }

    #[test]
    fn loopback_listeners_answer_only_their_own_names() {
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST:8080",
            "[::1]:8080",
        ] {
            assert!(host_allowed(Some(ok), local(), &[]), "{ok}");
        }
        for bad in [
            "attacker.example:8080",
            "127.0.0.1:9090",
            "127.0.0.1",
            "localhost.:8080",
            "",
        ] {
            assert!(!host_allowed(Some(bad), local(), &[]), "{bad}");
        }
        assert!(!host_allowed(None, local(), &[]));
        let proxy = vec!["mcp.internal:443".to_owned()];
        assert!(host_allowed(Some("MCP.internal:443"), local(), &proxy));
    }

    #[test]
    fn public_listeners_take_any_name_unless_names_are_listed() {
        let public: SocketAddr = "0.0.0.0:443".parse().unwrap();
        assert!(host_allowed(Some("gw.example"), public, &[]));
        let listed = vec!["gw.example".to_owned()];
        assert!(host_allowed(Some("gw.example"), public, &listed));
        assert!(!host_allowed(Some("other.example"), public, &listed));
    }

    #[test]
    fn origins_are_allowed_when_absent_or_listed() {
        let allowed = vec!["https://agent.example".to_owned()];
        assert!(origin_allowed(None, &allowed));
        assert!(origin_allowed(Some("https://Agent.example"), &allowed));
        assert!(!origin_allowed(Some("https://evil.example"), &allowed));
        assert!(!origin_allowed(Some("null"), &allowed));
        assert!(!origin_allowed(Some("https://agent.example"), &[]));
    }

    #[test]
    fn bearer_tokens_are_read_from_the_authorization_header() {
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(Some("Bearer ")), None);
        assert_eq!(bearer(None), None);
    }

    #[test]
    fn method_headers_must_name_what_the_body_does() {
        let raw = serde_json::value::RawValue::from_string(
            json!({"name": "echo", "arguments": {}}).to_string(),
        )
        .unwrap();
        let facts = ParamFacts::of(Some(&raw));
        let check = |m: Option<&str>, n: Option<&str>, stateless| {
            check_method_headers(
                m,
                n,
                "tools/call",
                facts.expected_name("tools/call"),
                stateless,
            )
        };
        assert!(check(None, None, false).is_ok());
        assert!(check(Some("tools/call"), Some("echo"), true).is_ok());
        assert!(check(Some("tools/list"), None, false).is_err());
        assert!(check(Some("tools/call"), Some("delete_all"), false).is_err());
        assert!(check(None, Some("echo"), true).is_err());
        assert!(check(Some("tools/call"), None, true).is_err());
        let err = check(Some("tools/call\n"), None, false).unwrap_err();
        assert!(err.0.contains("tools/call\\n"), "{}", err.0);
        assert!(
            check_method_headers(Some("ping"), Some("x"), "ping", None, false).is_err(),
            "a name on a method without one"
        );
    }
}
