//! The HTTP upstream bridge: the engine of `mcpward run` talks newline-delimited JSON-RPC to a
//! pair of byte streams, and this module turns each frame it writes into a Streamable HTTP `POST`
//! to the route's server, and each answer back into frames.
//!
//! * Every `POST` carries `Accept: application/json, text/event-stream`, the
//!   `MCP-Protocol-Version` in force, `Mcp-Method` (and `Mcp-Name` for a tool, prompt or
//!   resource), the `Mcp-Session-Id` the server gave in answer to `initialize` (2025 servers),
//!   and the route's credential headers, resolved from mcpward's secret references. Nothing of
//!   the client's request reaches the server but the JSON-RPC message: its `Authorization` never
//!   does (MCP forbids passing a client's token through).
//! * A JSON answer is one frame; an event stream gives one frame per event (parsed by
//!   `sse-stream`, the parser rmcp's own client uses); `202 Accepted` answers a notification or
//!   a response.
//! * A request is always answered: when the server cannot be reached, does not answer within
//!   the route's timeout, answers with an HTTP error or something that is not JSON-RPC, or ends
//!   its event stream without the response, the engine gets a JSON-RPC error under the request's
//!   id. A request is never left waiting.
//!
//! JSON bodies may be pretty-printed: a valid JSON text has raw line breaks only between tokens,
//! so they are turned into spaces to keep the frame on one line; an invalid body is refused, not
//! repaired.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt as _;
use mcpward_gateway::envelope::{self, IdKey, Message};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::value::RawValue;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::sync::mpsc;

use crate::credentials::ResolvedHeader;
use crate::log::FrontLog;

/// JSON-RPC code of mcpward's answers for a server that failed (the MCP SDKs' "connection
/// closed" range).
pub const UPSTREAM_ERROR: i64 = -32000;
/// JSON-RPC code for a server that did not answer in time.
pub const UPSTREAM_TIMEOUT: i64 = -32001;
/// Largest error body read from a failing server.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The upstream of one route.
#[derive(Debug, Clone)]
pub struct BridgeConfig {
    /// The route's name (for messages and the log).
    pub route: String,
    /// The server's endpoint.
    pub url: String,
    /// Credential headers.
    pub headers: Vec<ResolvedHeader>,
    /// Bound on one request, its answer included.
    pub timeout: Duration,
    /// Largest frame accepted from the server.
    pub max_frame: usize,
}

/// What the bridge learnt from the server's handshake.
#[derive(Debug, Default)]
struct Learnt {
    session_id: Option<String>,
    /// The `initialize` the engine sent: sent again when the server has forgotten the session.
    initialize: Option<bytes::Bytes>,
    /// The protocol version in force (from `initialize`'s result).
    version: Option<String>,
    /// The server speaks 2026-07-28 only (it answered `server/discover`, not `initialize`).
    stateless: bool,
}

/// What the engine sent, as far as the bridge needs it.
struct Outgoing {
    id: Option<Box<RawValue>>,
    method: Option<String>,
    name: Option<String>,
    meta_version: Option<String>,
}

impl Outgoing {
    fn read(frame: &[u8]) -> Option<Outgoing> {
        let env = envelope::parse(frame).ok()?;
        let (id, method, params) = match env.message {
            Message::Request { id, method, params } => (Some(id.to_owned()), Some(method), params),
            Message::Notification { method, params } => (None, Some(method), params),
            Message::Response { .. } => (None, None, None),
        };
        let facts = crate::guard::ParamFacts::of(params);
        let name = method
            .and_then(|m| facts.expected_name(m))
            .map(str::to_owned);
        Some(Outgoing {
            id,
            method: method.map(str::to_owned),
            name,
            meta_version: facts.meta_version,
        })
    }
}

/// Starts the bridge: returns the pair of streams the engine runs on. The bridge ends when the
/// engine closes its side.
pub fn start(
    config: BridgeConfig,
    log: Arc<FrontLog>,
) -> Result<
    (
        tokio::io::ReadHalf<tokio::io::DuplexStream>,
        tokio::io::WriteHalf<tokio::io::DuplexStream>,
    ),
    reqwest::Error,
> {
    // The client needs a crypto provider: ring, as everywhere in mcpward (a second call finds it
    // installed, which is as good).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .timeout(config.timeout)
        .connect_timeout(config.timeout.min(Duration::from_secs(10)))
        // Redirects would carry the credential headers to wherever the server points.
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let (engine_side, bridge_side) = tokio::io::duplex(256 * 1024);
    let (engine_read, engine_write) = tokio::io::split(engine_side);
    let (bridge_read, bridge_write) = tokio::io::split(bridge_side);
    let (back_tx, mut back_rx) = mpsc::channel::<Vec<u8>>(64);
    tokio::spawn(async move {
        let mut out = tokio::io::BufWriter::new(bridge_write);
        while let Some(frame) = back_rx.recv().await {
            let mut ok = out.write_all(&frame).await.is_ok() && out.write_all(b"\n").await.is_ok();
            while ok && let Ok(more) = back_rx.try_recv() {
                ok = out.write_all(&more).await.is_ok() && out.write_all(b"\n").await.is_ok();
            }
            if !ok || out.flush().await.is_err() {
                return;
            }
        }
        let _ = out.shutdown().await;
    });
    let shared = Arc::new(Bridge {
        config,
        client,
        learnt: Mutex::new(Learnt::default()),
        reopening: tokio::sync::Mutex::new(()),
        log,
    });
    tokio::spawn(async move {
        let mut lines = BufReader::new(bridge_read);
        let mut line = Vec::new();
        let mut tasks = tokio::task::JoinSet::new();
        loop {
            line.clear();
            match lines.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            if line.is_empty() {
                continue;
            }
            let frame = std::mem::take(&mut line);
            let bridge = shared.clone();
            let back = back_tx.clone();
            tasks.spawn(async move { bridge.post(frame, back).await });
            while tasks.try_join_next().is_some() {}
        }
        // The engine is gone: what is in flight is answered to nobody.
        tasks.abort_all();
        drop(back_tx);
    });
    Ok((engine_read, engine_write))
}

struct Bridge {
    config: BridgeConfig,
    client: reqwest::Client,
    learnt: Mutex<Learnt>,
    /// Held while a forgotten session is opened anew, so it is opened once.
    reopening: tokio::sync::Mutex<()>,
    log: Arc<FrontLog>,
}

impl Bridge {
    fn learnt(&self) -> std::sync::MutexGuard<'_, Learnt> {
        self.learnt
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn post(&self, frame: Vec<u8>, back: mpsc::Sender<Vec<u8>>) {
        let Some(out) = Outgoing::read(&frame) else {
            // The engine only writes frames it parsed; nothing else is sent anywhere.
            return;
        };
        let frame = bytes::Bytes::from(frame);
        if out.method.as_deref() == Some("initialize") {
            self.learnt().initialize = Some(frame.clone());
        }
        let mut reopened = false;
        let answers = loop {
            let (headers, session) = self.headers(&out);
            let sent = self
                .client
                .post(&self.config.url)
                .headers(headers)
                .body(frame.clone())
                .send()
                .await;
            match sent {
                // The server forgot the session (it restarted, or expired it): open a new one
                // with the same `initialize` and send the message again, once.
                Ok(response)
                    if response.status() == reqwest::StatusCode::NOT_FOUND
                        && !reopened
                        && session.is_some()
                        && out.method.as_deref() != Some("initialize")
                        && self.reopen(session.as_deref()).await =>
                {
                    reopened = true;
                }
                Ok(response) => break self.answer(&out, response).await,
                Err(e) => break Err(self.failure(&e)),
            }
        };
        let frames = match answers {
            Ok(frames) => frames,
            Err((code, why)) => {
                self.log.event(
                    &self.config.route,
                    "serve-upstream-error",
                    format!(
                        "{} {}: {why}",
                        out.method.as_deref().unwrap_or("response"),
                        out.id.as_deref().map_or("", |i| i.get())
                    ),
                );
                match &out.id {
                    Some(id) => {
                        let msg = format!(
                            "mcpward could not get an answer from the MCP server of route `{}`: {why}",
                            self.config.route
                        );
                        vec![envelope::error_response(Some(id), code, &msg, None)]
                    }
                    None => Vec::new(),
                }
            }
        };
        for f in frames {
            if back.send(f).await.is_err() {
                return;
            }
        }
    }

    fn failure(&self, e: &reqwest::Error) -> (i64, String) {
        if e.is_timeout() {
            (
                UPSTREAM_TIMEOUT,
                format!(
                    "no answer within {} s (the route's timeout)",
                    self.config.timeout.as_secs()
                ),
            )
        } else if e.is_connect() {
            (UPSTREAM_ERROR, "the server cannot be reached".to_owned())
        } else {
            (UPSTREAM_ERROR, format!("the request failed ({e})"))
        }
    }

    /// Opens a new session with the server after it answered 404 to `forgotten`: the engine's
    /// `initialize` again, then `notifications/initialized`. Whether there is a session to retry
    /// with.
    async fn reopen(&self, forgotten: Option<&str>) -> bool {
        let _one = self.reopening.lock().await;
        let (current, initialize) = {
            let learnt = self.learnt();
            (learnt.session_id.clone(), learnt.initialize.clone())
        };
        if current.as_deref() != forgotten {
            // Another request opened it meanwhile.
            return current.is_some();
        }
        let Some(initialize) = initialize else {
            return false;
        };
        let post = |body: bytes::Bytes, session: Option<&str>| {
            let mut req = self
                .client
                .post(&self.config.url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(
                    reqwest::header::ACCEPT,
                    "application/json, text/event-stream",
                )
                .body(body);
            if let Some(s) = session {
                req = req.header("mcp-session-id", s);
            }
            for header in &self.config.headers {
                if let (Ok(name), Ok(mut value)) = (
                    HeaderName::from_bytes(header.name.as_bytes()),
                    HeaderValue::from_str(header.value.expose()),
                ) {
                    value.set_sensitive(true);
                    req = req.header(name, value);
                }
            }
            req.send()
        };
        let session = match post(initialize, None).await {
            Ok(r) if r.status().is_success() => r
                .headers()
                .get("mcp-session-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            _ => None,
        };
        let Some(session) = session else {
            self.log.event(
                &self.config.route,
                "serve-upstream-error",
                "the server forgot mcpward's session and did not open a new one".to_owned(),
            );
            return false;
        };
        let initialized =
            bytes::Bytes::from_static(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
        let _ = post(initialized, Some(&session)).await;
        self.learnt().session_id = Some(session);
        self.log.event(
            &self.config.route,
            "serve-upstream-session-reopened",
            "the server forgot mcpward's session (HTTP 404); a new one was opened".to_owned(),
        );
        true
    }

    fn headers(&self, out: &Outgoing) -> (HeaderMap, Option<String>) {
        let mut h = HeaderMap::new();
        h.insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        h.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json, text/event-stream"),
        );
        let learnt = self.learnt();
        // A 2025 session's version is the one `initialize` settled; a 2026-07-28 request names
        // its own (so does the `server/discover` that finds out which kind the server is).
        let version = match (&learnt.version, learnt.stateless) {
            (Some(v), false) => Some(v.as_str()),
            (v, _) => out.meta_version.as_deref().or(v.as_deref()),
        };
        if out.method.as_deref() != Some("initialize")
            && let Some(v) = version.and_then(|v| HeaderValue::from_str(v).ok())
        {
            h.insert("mcp-protocol-version", v);
        }
        let session = learnt.session_id.clone();
        if let Some(s) = session
            .as_deref()
            .and_then(|s| HeaderValue::from_str(s).ok())
        {
            h.insert("mcp-session-id", s);
        }
        drop(learnt);
        if let Some(m) = out
            .method
            .as_deref()
            .and_then(|m| HeaderValue::from_str(m).ok())
        {
            h.insert("mcp-method", m);
        }
        if let Some(n) = out
            .name
            .as_deref()
            .and_then(|n| HeaderValue::from_str(n).ok())
        {
            h.insert("mcp-name", n);
        }
        for header in &self.config.headers {
            if let (Ok(name), Ok(mut value)) = (
                HeaderName::from_bytes(header.name.as_bytes()),
                HeaderValue::from_str(header.value.expose()),
            ) {
                value.set_sensitive(true);
                h.insert(name, value);
            }
        }
        (h, session)
    }

    /// The frames a response holds, or why there is none for the request.
    async fn answer(
        &self,
        out: &Outgoing,
        response: reqwest::Response,
    ) -> Result<Vec<Vec<u8>>, (i64, String)> {
        let status = response.status();
        if out.method.as_deref() == Some("initialize")
            && let Some(s) = response
                .headers()
                .get("mcp-session-id")
                .and_then(|v| v.to_str().ok())
        {
            self.learnt().session_id = Some(s.to_owned());
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if status == reqwest::StatusCode::ACCEPTED || (out.id.is_none() && status.is_success()) {
            return match &out.id {
                None => Ok(Vec::new()),
                Some(_) => Err((
                    UPSTREAM_ERROR,
                    "the server accepted the request without answering it".to_owned(),
                )),
            };
        }
        let frames = if content_type.starts_with("text/event-stream") && status.is_success() {
            self.event_stream(response).await
        } else if content_type.starts_with("application/json") {
            let limit = if status.is_success() {
                self.config.max_frame
            } else {
                MAX_ERROR_BODY
            };
            match read_limited(response, limit).await {
                Ok(body) => one_frame(body).map(|f| vec![f]),
                Err(why) => Err(why),
            }
        } else if status.is_success() {
            Err(format!(
                "the server answered with content type `{}`, neither JSON nor an event stream",
                content_type.chars().take(60).collect::<String>()
            ))
        } else {
            Err(String::new())
        };
        let frames = match frames {
            Ok(frames) => frames,
            Err(why) if status.is_success() => return Err((UPSTREAM_ERROR, why)),
            Err(_) => Vec::new(),
        };
        let Some(id) = &out.id else {
            return Ok(frames);
        };
        let key = IdKey::from_raw(id);
        let answered = frames.iter().any(|f| answers(f, &key));
        if answered {
            self.learn(out, &frames, &key);
            return Ok(frames);
        }
        if status.is_success() {
            // What came is passed on (notifications, requests); the request still gets its error.
            let mut frames = frames;
            let msg = format!(
                "mcpward could not get an answer from the MCP server of route `{}`: the server's answer did not contain the response",
                self.config.route
            );
            frames.push(envelope::error_response(
                Some(id),
                UPSTREAM_ERROR,
                &msg,
                None,
            ));
            return Ok(frames);
        }
        let why = match status.as_u16() {
            401 | 403 => format!(
                "the server refused mcpward's credentials (HTTP {status}); check the route's headers"
            ),
            404 if self.learnt().session_id.is_some() => {
                "the server no longer knows mcpward's session (HTTP 404) and opening a new one failed".to_owned()
            }
            _ => format!("the server answered HTTP {status}"),
        };
        Err((UPSTREAM_ERROR, why))
    }

    /// Remembers the protocol version (and era) the server's handshake settled.
    fn learn(&self, out: &Outgoing, frames: &[Vec<u8>], key: &IdKey) {
        let method = out.method.as_deref();
        if !matches!(method, Some("initialize" | "server/discover")) {
            return;
        }
        let Some(result) = frames
            .iter()
            .filter(|f| answers(f, key))
            .find_map(|f| serde_json::from_slice::<serde_json::Value>(f).ok())
            .and_then(|v| v.get("result").cloned())
        else {
            return;
        };
        let mut learnt = self.learnt();
        if method == Some("initialize") {
            learnt.version = result
                .get("protocolVersion")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned);
            learnt.stateless = false;
        } else {
            learnt.version = out.meta_version.clone();
            learnt.stateless = true;
        }
    }

    async fn event_stream(&self, response: reqwest::Response) -> Result<Vec<Vec<u8>>, String> {
        let mut frames = Vec::new();
        let max = self.config.max_frame;
        let mut events = sse_stream::SseStream::from_bytes_stream(response.bytes_stream());
        let mut seen = 0usize;
        while let Some(event) = events.next().await {
            let event = event.map_err(|e| format!("the event stream is invalid ({e})"))?;
            let Some(data) = event.data else {
                continue;
            };
            if !matches!(event.event.as_deref(), None | Some("message")) {
                continue;
            }
            if data.is_empty() {
                // A priming event (an id to resume from, no message).
                continue;
            }
            seen = seen.saturating_add(data.len());
            if data.len() > max || seen > max.saturating_mul(4) {
                return Err(format!(
                    "the event stream carried more than mcpward's limit of {max} bytes per message"
                ));
            }
            frames.push(one_frame(data.into_bytes())?);
        }
        Ok(frames)
    }
}

/// Whether `frame` is the response to the request `key`.
fn answers(frame: &[u8], key: &IdKey) -> bool {
    matches!(
        envelope::parse(frame).map(|e| e.message),
        Ok(Message::Response { id, .. }) if IdKey::from_raw(id) == *key
    )
}

/// A JSON text as one line, or why it is not one frame.
fn one_frame(mut body: Vec<u8>) -> Result<Vec<u8>, String> {
    if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_err() {
        return Err("the server's answer is not valid JSON".to_owned());
    }
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err("the server answered with a batch, which MCP does not allow".to_owned());
    }
    // In valid JSON raw CR and LF only separate tokens.
    for b in &mut body {
        if *b == b'\n' || *b == b'\r' {
            *b = b' ';
        }
    }
    Ok(body)
}

async fn read_limited(response: reqwest::Response, limit: usize) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            if e.is_timeout() {
                "the answer did not arrive in time".to_owned()
            } else {
                format!("the answer broke off ({e})")
            }
        })?;
        if body.len().saturating_add(chunk.len()) > limit {
            return Err(format!(
                "the answer is larger than mcpward's limit of {limit} bytes"
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_printed_json_becomes_one_line_and_invalid_json_is_refused() {
        let f = one_frame(b"{\n  \"jsonrpc\": \"2.0\",\r\n  \"id\": 1, \"result\": {}\n}".to_vec())
            .unwrap();
        assert!(!f.contains(&b'\n') && !f.contains(&b'\r'));
        assert!(one_frame(b"{\"a\": \"line\nbreak\"}".to_vec()).is_err());
        assert!(one_frame(b"[{\"jsonrpc\":\"2.0\"}]".to_vec()).is_err());
    }

    #[test]
    fn outgoing_frames_name_their_method_and_tool() {
        let out = Outgoing::read(
            br#"{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"echo","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}"#,
        )
        .unwrap();
        assert_eq!(out.method.as_deref(), Some("tools/call"));
        assert_eq!(out.name.as_deref(), Some("echo"));
        assert_eq!(out.meta_version.as_deref(), Some("2026-07-28"));
        assert_eq!(out.id.unwrap().get(), "\"a\"");
    }
}
