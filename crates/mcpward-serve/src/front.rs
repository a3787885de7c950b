//! The HTTP front: `POST /mcp/<route>` under the Streamable HTTP transport, each request checked
//! (Host, Origin, bearer token, rate limit, body size and read time, JSON-RPC envelope, the
//! `Mcp-Method`/`Mcp-Name` headers against the body, the session of a 2025 client) before it
//! reaches the route's decision engine. Everything refused is answered with an HTTP status and a
//! JSON-RPC error body, and recorded in the audit log.
//!
//! Nothing here is kept per client: a 2025 client's session is a sealed id
//! ([`crate::session_id`]), a 2026-07-28 request carries its own context, so any instance can
//! answer any request.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use http_body_util::BodyExt as _;
use mcpward_gateway::envelope::{self, Message};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::credentials::Tokens;
use crate::guard::{self, ParamFacts, SourceRefusal};
use crate::log::FrontLog;
use crate::mux::{self, Handshake, RouteEngine, RouteError};
use crate::session_id::{self, SessionKey};

/// JSON-RPC: not a valid request.
const INVALID_REQUEST: i64 = -32600;
/// The transport's "bad request" code the MCP SDKs use for session and header errors.
const BAD_REQUEST: i64 = -32000;
/// MCP's code for a header that disagrees with the body (2026-07-28).
const HEADER_MISMATCH: i64 = -32020;

/// What the front needs to decide on a request.
pub struct Front {
    /// The routes by name.
    pub routes: HashMap<String, Arc<RouteEngine>>,
    /// Client tokens.
    pub tokens: Tokens,
    /// The listener's address (its own names are accepted in `Host`).
    pub local: SocketAddr,
    /// Extra accepted `Host` values.
    pub allowed_hosts: Vec<String>,
    /// Accepted `Origin` values.
    pub allowed_origins: Vec<String>,
    /// Largest body.
    pub max_body: usize,
    /// Bound on reading a body.
    pub read_timeout: Duration,
    /// Per-client limit.
    pub limiter: DefaultKeyedRateLimiter<String>,
    /// Seals 2025 sessions.
    pub sessions: SessionKey,
    /// The front's audit records.
    pub log: Arc<FrontLog>,
}

impl std::fmt::Debug for Front {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Front")
            .field("routes", &self.routes.keys().collect::<Vec<_>>())
            .field("local", &self.local)
            .finish_non_exhaustive()
    }
}

/// A limiter of `per_minute` requests per client key, with a burst of a tenth of it.
pub fn limiter(per_minute: u32) -> DefaultKeyedRateLimiter<String> {
    let rate = std::num::NonZeroU32::new(per_minute.max(1)).unwrap_or(std::num::NonZeroU32::MIN);
    let burst =
        std::num::NonZeroU32::new((per_minute / 10).max(1)).unwrap_or(std::num::NonZeroU32::MIN);
    RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst))
}

/// The router.
pub fn router(front: Arc<Front>) -> axum::Router {
    axum::Router::new()
        .route("/mcp/{route}", axum::routing::any(handle))
        .fallback(|| async {
            refusal(
                StatusCode::NOT_FOUND,
                None,
                BAD_REQUEST,
                "no such endpoint; routes are served at /mcp/NAME",
            )
        })
        .with_state(front)
}

/// A JSON-RPC error body with `status`. The connection is closed after it: a refusal may come
/// before the request's body was read, and a client must not send its next request on a
/// connection that still holds the rest of this one's.
fn refusal(status: StatusCode, id: Option<&RawValue>, code: i64, message: &str) -> Response {
    let body = envelope::error_response(id, code, message, None);
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CONNECTION, HeaderValue::from_static("close")),
        ],
        body,
    )
        .into_response()
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn handle(
    State(front): State<Arc<Front>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(route): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(engine) = front.routes.get(&route).cloned() else {
        return refusal(
            StatusCode::NOT_FOUND,
            None,
            BAD_REQUEST,
            "no such route; routes are served at /mcp/NAME",
        );
    };
    let refuse = |status: StatusCode, kind: &'static str, code: i64, msg: &str| {
        front
            .log
            .event(&route, kind, format!("{msg} (client {})", peer.ip()));
        refusal(status, None, code, msg)
    };
    // Who is asking.
    let source = if !guard::host_allowed(
        header_str(&headers, "host"),
        front.local,
        &front.allowed_hosts,
    ) {
        Err(SourceRefusal::Host)
    } else if !guard::origin_allowed(header_str(&headers, "origin"), &front.allowed_origins) {
        Err(SourceRefusal::Origin)
    } else if front.tokens.required() {
        match guard::bearer(header_str(&headers, "authorization")) {
            None => Err(SourceRefusal::MissingToken),
            Some(t) => front
                .tokens
                .find(t)
                .map(|i| format!("token {i}"))
                .ok_or(SourceRefusal::WrongToken),
        }
    } else {
        Ok(format!("address {}", peer.ip()))
    };
    let client = match source {
        Ok(client) => client,
        Err(r) => {
            let status = match r {
                SourceRefusal::Host | SourceRefusal::Origin => StatusCode::FORBIDDEN,
                SourceRefusal::MissingToken | SourceRefusal::WrongToken => StatusCode::UNAUTHORIZED,
            };
            let mut response = refuse(status, r.event(), BAD_REQUEST, r.message());
            if status == StatusCode::UNAUTHORIZED {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"mcpward\""),
                );
            }
            return response;
        }
    };
    if let Err(not_until) = front.limiter.check_key(&client) {
        let wait = not_until
            .wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ))
            .as_secs()
            .max(1);
        let mut response = refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "serve-rate-limited",
            BAD_REQUEST,
            &format!("too many requests from this client; retry in {wait} s"),
        );
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return response;
    }
    match method {
        Method::POST => {}
        Method::GET | Method::DELETE => {
            // No server-initiated stream (GET) and no session to end (DELETE: sessions are
            // sealed ids that expire by themselves); the transport allows 405 for both.
            let mut response = refusal(
                StatusCode::METHOD_NOT_ALLOWED,
                None,
                BAD_REQUEST,
                "mcpward serve answers POST only: no server-initiated stream (GET) and no session to end (DELETE)",
            );
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
        _ => {
            return refuse(
                StatusCode::METHOD_NOT_ALLOWED,
                "serve-bad-request",
                BAD_REQUEST,
                "only POST is served",
            );
        }
    }
    let json_body = header_str(&headers, "content-type")
        .is_some_and(|c| c.to_ascii_lowercase().starts_with("application/json"));
    if !json_body {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "serve-bad-request",
            BAD_REQUEST,
            "the body must be JSON (Content-Type: application/json)",
        );
    }
    if let Some(accept) = header_str(&headers, "accept") {
        let a = accept.to_ascii_lowercase();
        if !(a.contains("application/json") || a.contains("*/*") || a.contains("application/*")) {
            return refuse(
                StatusCode::NOT_ACCEPTABLE,
                "serve-bad-request",
                BAD_REQUEST,
                "the client must accept application/json",
            );
        }
    }
    // The body: bounded in size and in time (a client sending slowly holds nothing for long).
    let limited = http_body_util::Limited::new(body, front.max_body);
    let bytes = match tokio::time::timeout(front.read_timeout, limited.collect()).await {
        Err(_) => {
            return refuse(
                StatusCode::REQUEST_TIMEOUT,
                "serve-slow-client",
                BAD_REQUEST,
                &format!(
                    "the request body did not arrive within {} s",
                    front.read_timeout.as_secs()
                ),
            );
        }
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "serve-body-too-large",
                BAD_REQUEST,
                &format!(
                    "the request body is larger than this gateway's limit of {} bytes",
                    front.max_body
                ),
            );
        }
        Ok(Err(_)) => {
            // The client went away or broke the body off: nobody to answer.
            front.log.event(
                &route,
                "serve-client-gone",
                format!("the client broke off its request (client {})", peer.ip()),
            );
            return StatusCode::BAD_REQUEST.into_response();
        }
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    Request {
        front: &front,
        engine: &engine,
        route: &route,
        peer,
        headers: &headers,
    }
    .serve(&bytes)
    .await
}

/// One POST, once its sender is known and its body read.
struct Request<'a> {
    front: &'a Front,
    engine: &'a RouteEngine,
    route: &'a str,
    peer: SocketAddr,
    headers: &'a HeaderMap,
}

impl Request<'_> {
    fn refuse(
        &self,
        status: StatusCode,
        kind: &'static str,
        id: Option<&RawValue>,
        code: i64,
        msg: &str,
    ) -> Response {
        self.front.log.event(
            self.route,
            kind,
            format!("{msg} (client {})", self.peer.ip()),
        );
        refusal(status, id, code, msg)
    }

    async fn serve(&self, bytes: &[u8]) -> Response {
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            return self.refuse(
                StatusCode::BAD_REQUEST,
                "serve-bad-request",
                None,
                INVALID_REQUEST,
                "batches are not supported (MCP removed JSON-RPC batching); send one message per request",
            );
        }
        let env = match envelope::parse(bytes) {
            Ok(env) => env,
            Err(e) => {
                let id = envelope::salvage_id(bytes);
                return self.refuse(
                    StatusCode::BAD_REQUEST,
                    "serve-bad-request",
                    id.as_deref(),
                    e.code(),
                    &e.to_string(),
                );
            }
        };
        let (id, method, params) = match env.message {
            Message::Request { id, method, params } => (Some(id), method, params),
            Message::Notification { method, params } => (None, method, params),
            // The front never asks clients anything, so a response answers nothing.
            Message::Response { .. } => return StatusCode::ACCEPTED.into_response(),
        };
        let facts = ParamFacts::of(params);
        let stateless = facts.meta_version.is_some();
        if let Err(mismatch) = guard::check_method_headers(
            header_str(self.headers, "mcp-method"),
            header_str(self.headers, "mcp-name"),
            method,
            facts.expected_name(method),
            stateless,
        ) {
            return self.refuse(
                StatusCode::BAD_REQUEST,
                "serve-header-mismatch",
                id,
                HEADER_MISMATCH,
                &mismatch.0,
            );
        }
        let header_version = header_str(self.headers, "mcp-protocol-version");
        // The handshake of the server's session is the front's own: a client's `initialize`
        // (whatever its `_meta` says) never reaches the server, which would start the shared
        // session anew.
        if method == "initialize" {
            return match id {
                Some(id) => self.initialize(id, params).await,
                None => self.refuse(
                    StatusCode::BAD_REQUEST,
                    "serve-bad-request",
                    None,
                    INVALID_REQUEST,
                    "initialize must be a request with an id",
                ),
            };
        }
        if method == "notifications/initialized" {
            return StatusCode::ACCEPTED.into_response();
        }
        if stateless {
            if header_version != facts.meta_version.as_deref() {
                return self.refuse(
                    StatusCode::BAD_REQUEST,
                    "serve-header-mismatch",
                    id,
                    HEADER_MISMATCH,
                    "a 2026-07-28 request needs an MCP-Protocol-Version header equal to the protocol version in its _meta",
                );
            }
            return self.stateless(bytes, id, method).await;
        }
        // A 2025 client: its session is the sealed id it got from `initialize`.
        let claims = match header_str(self.headers, "mcp-session-id") {
            None => {
                return self.refuse(
                    StatusCode::BAD_REQUEST,
                    "serve-bad-session",
                    id,
                    BAD_REQUEST,
                    "Bad Request: no Mcp-Session-Id header; send initialize first (or use the 2026-07-28 revision, with _meta on every request)",
                );
            }
            Some(s) => match self
                .front
                .sessions
                .open(s, self.route, session_id::now_secs())
            {
                Ok(claims) => claims,
                Err(e) => {
                    // 404 tells the client to start a new session.
                    return self.refuse(
                        StatusCode::NOT_FOUND,
                        "serve-bad-session",
                        id,
                        BAD_REQUEST,
                        &e.to_string(),
                    );
                }
            },
        };
        if header_version.is_some_and(|v| v != claims.version) {
            return self.refuse(
                StatusCode::BAD_REQUEST,
                "serve-header-mismatch",
                id,
                BAD_REQUEST,
                &format!(
                    "the MCP-Protocol-Version header differs from the session's version {}",
                    claims.version
                ),
            );
        }
        match id {
            None => self.notification(bytes, method).await,
            Some(id) => {
                let handshake = match self.engine.handshake().await {
                    Ok(h) => h,
                    Err(e) => return self.unavailable(Some(id), &e),
                };
                if handshake.stateless {
                    // A server that speaks only 2026-07-28 needs the context in every request:
                    // the client's request gets it, with no capabilities (its answers to input
                    // requests could not reach the server), so mcpward asks through its queue.
                    match with_stateless_meta(bytes) {
                        Some(frame) => {
                            let Ok(env) = envelope::parse(&frame) else {
                                return self.unavailable(
                                    Some(id),
                                    &RouteError::Handshake("internal".into()),
                                );
                            };
                            let Message::Request { id: new_id, .. } = env.message else {
                                return self.unavailable(
                                    Some(id),
                                    &RouteError::Handshake("internal".into()),
                                );
                            };
                            self.forward(&frame, new_id).await
                        }
                        None => self.forward(bytes, id).await,
                    }
                } else {
                    self.forward(bytes, id).await
                }
            }
        }
    }

    /// A 2026-07-28 request: self-contained, so it goes to the engine as it is, except
    /// `server/discover` on a route whose server speaks 2025, which the front answers from the
    /// server's handshake.
    async fn stateless(&self, bytes: &[u8], id: Option<&RawValue>, method: &str) -> Response {
        let Some(id) = id else {
            return self.notification(bytes, method).await;
        };
        if method == "server/discover" {
            let handshake = match self.engine.handshake().await {
                Ok(h) => h,
                Err(e) => return self.unavailable(Some(id), &e),
            };
            if !handshake.stateless {
                return json_response(
                    StatusCode::OK,
                    envelope::result_response(id, &discover_result(&handshake)),
                    None,
                );
            }
        }
        self.forward(bytes, id).await
    }

    /// `initialize` of a 2025 client: answered by the front from the server's handshake, with a
    /// sealed session id.
    async fn initialize(&self, id: &RawValue, params: Option<&RawValue>) -> Response {
        let handshake = match self.engine.handshake().await {
            Ok(h) => h,
            Err(e) => return self.unavailable(Some(id), &e),
        };
        #[derive(serde::Deserialize)]
        struct InitParams {
            #[serde(rename = "protocolVersion")]
            protocol_version: Option<String>,
            capabilities: Option<Value>,
        }
        let p = params
            .and_then(|p| serde_json::from_str::<InitParams>(p.get()).ok())
            .unwrap_or(InitParams {
                protocol_version: None,
                capabilities: None,
            });
        let result = initialize_result(&handshake, p.protocol_version.as_deref());
        let version = result
            .get("protocolVersion")
            .and_then(Value::as_str)
            .unwrap_or(mux::HANDSHAKE_VERSION)
            .to_owned();
        let capabilities = p.capabilities.unwrap_or_else(|| json!({}));
        let session = match self.front.sessions.issue(
            self.route,
            &version,
            &capabilities,
            session_id::now_secs(),
        ) {
            Ok(s) => s,
            Err(e) => {
                return self.unavailable(Some(id), &RouteError::Handshake(e.to_string()));
            }
        };
        json_response(
            StatusCode::OK,
            envelope::result_response(id, &result),
            Some(&session),
        )
    }

    async fn notification(&self, bytes: &[u8], method: &str) -> Response {
        // A cancellation names the client's id, which means nothing to the engine; closing the
        // HTTP request of the call cancels it.
        if method != "notifications/cancelled" && self.engine.notify(bytes.to_vec()).await.is_err()
        {
            return self.unavailable(None, &RouteError::Gone);
        }
        StatusCode::ACCEPTED.into_response()
    }

    async fn forward(&self, frame: &[u8], id: &RawValue) -> Response {
        match self.engine.request(frame, id).await {
            Ok(response) => json_response(StatusCode::OK, response, None),
            Err(e) => self.unavailable(Some(id), &e),
        }
    }

    fn unavailable(&self, id: Option<&RawValue>, e: &RouteError) -> Response {
        let status = match e {
            RouteError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
            RouteError::Gone | RouteError::Handshake(_) => StatusCode::BAD_GATEWAY,
        };
        self.refuse(
            status,
            "serve-route-unavailable",
            id,
            mux::ROUTE_UNAVAILABLE,
            &format!("route `{}`: {e}", self.route),
        )
    }
}

fn json_response(status: StatusCode, body: Vec<u8>, session: Option<&str>) -> Response {
    let mut response = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response();
    if let Some(s) = session.and_then(|s| HeaderValue::from_str(s).ok()) {
        response.headers_mut().insert("mcp-session-id", s);
    }
    response
}

/// The version a 2025 client gets: the one it asked for if mcpward and the server both speak
/// it, else the newest both speak.
fn negotiate(requested: Option<&str>, server: &str) -> String {
    match requested {
        Some(r) if mux::VERSIONS_2025.contains(&r) && r <= server => r.to_owned(),
        _ => mux::VERSIONS_2025
            .iter()
            .find(|v| **v <= server)
            .map_or_else(|| server.to_owned(), |v| (*v).to_owned()),
    }
}

/// `initialize`'s result for a 2025 client, from the server's handshake.
fn initialize_result(handshake: &Handshake, requested: Option<&str>) -> Value {
    if handshake.stateless {
        let r = &handshake.result;
        let mut out = json!({
            "protocolVersion": negotiate(requested, mux::HANDSHAKE_VERSION),
            "capabilities": r.get("capabilities").cloned().unwrap_or_else(|| json!({})),
            "serverInfo": r.pointer("/_meta/io.modelcontextprotocol~1serverInfo").cloned()
                .unwrap_or_else(|| json!({"name": "unknown", "version": "0"})),
        });
        if let Some(i) = r.get("instructions") {
            out["instructions"] = i.clone();
        }
        return out;
    }
    let mut result = handshake.result.clone();
    let server = result
        .get("protocolVersion")
        .and_then(Value::as_str)
        .unwrap_or(mux::HANDSHAKE_VERSION)
        .to_owned();
    result["protocolVersion"] = json!(negotiate(requested, &server));
    result
}

/// `server/discover`'s result for a 2026-07-28 client of a 2025 server, from its handshake.
fn discover_result(handshake: &Handshake) -> Value {
    let r = &handshake.result;
    let mut out = json!({
        "resultType": "complete",
        "supportedVersions": [mux::STATELESS_VERSION],
        "capabilities": r.get("capabilities").cloned().unwrap_or_else(|| json!({})),
        "_meta": {"io.modelcontextprotocol/serverInfo": r.get("serverInfo").cloned().unwrap_or_else(|| json!({}))},
    });
    if let Some(i) = r.get("instructions") {
        out["instructions"] = i.clone();
    }
    out
}

/// A 2025 request with the 2026-07-28 context added to its `_meta` (no capabilities).
fn with_stateless_meta(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut value: Value = serde_json::from_slice(bytes).ok()?;
    let obj = value.as_object_mut()?;
    let params = obj.entry("params").or_insert_with(|| json!({}));
    let meta = params
        .as_object_mut()?
        .entry("_meta")
        .or_insert_with(|| json!({}));
    let meta = meta.as_object_mut()?;
    meta.insert(
        "io.modelcontextprotocol/protocolVersion".into(),
        json!(mux::STATELESS_VERSION),
    );
    meta.insert(
        "io.modelcontextprotocol/clientCapabilities".into(),
        json!({}),
    );
    serde_json::to_vec(&value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_get_the_newest_version_both_sides_speak() {
        assert_eq!(negotiate(Some("2025-06-18"), "2025-11-25"), "2025-06-18");
        assert_eq!(negotiate(Some("2025-11-25"), "2025-06-18"), "2025-06-18");
        assert_eq!(negotiate(Some("1999-01-01"), "2025-11-25"), "2025-11-25");
        assert_eq!(negotiate(None, "2025-11-25"), "2025-11-25");
    }

    #[test]
    fn a_2025_server_is_discovered_from_its_initialize_result() {
        let h = Handshake {
            stateless: false,
            result: json!({"protocolVersion": "2025-11-25", "capabilities": {"tools": {}},
                "serverInfo": {"name": "s", "version": "1"}}),
        };
        let d = discover_result(&h);
        assert_eq!(
            d["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
            "s"
        );
        assert_eq!(d["capabilities"], json!({"tools": {}}));
        let i = initialize_result(&h, Some("2025-06-18"));
        assert_eq!(i["protocolVersion"], "2025-06-18");
    }
}
