//! One decision engine per route, carrying every HTTP client of the route.
//!
//! The engine of `mcpward run` speaks to one client over a pair of byte streams. Here that
//! client is the front: each HTTP request's JSON-RPC id is replaced by a unique id of the route
//! (`"mcpward-serve-N"`), the request is written to the engine, and the engine's response under
//! that id is handed back to the waiting HTTP request with the client's id put back. Ids are
//! replaced in the bytes (the id's span), so the rest of the message reaches the engine, and the
//! server, as the client wrote it.
//!
//! The front opens the engine's session with a handshake of its own (`initialize` and
//! `notifications/initialized`, or `server/discover` for a server that speaks only 2026-07-28):
//! the engine checks the server's identity against its pin and lists its tools, and the front
//! keeps the answer to answer clients' `initialize` (and `server/discover`) itself.
//!
//! The engine runs on a thread of its own, with the route's HTTP bridge, in a current-thread
//! runtime as `mcpward run` does.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcpward_gateway::envelope::{self, Message};
use mcpward_gateway::proxy::{RunOptions, Upstream};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::sync::{mpsc, oneshot};

use crate::bridge::{self, BridgeConfig};
use crate::log::FrontLog;

/// The protocol version of the front's own handshake with a 2025 server.
pub const HANDSHAKE_VERSION: &str = "2025-11-25";
/// The stateless revision.
pub const STATELESS_VERSION: &str = "2026-07-28";
/// 2025 revisions a client may negotiate, newest first.
pub const VERSIONS_2025: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26"];
/// JSON-RPC code for "the route cannot serve now".
pub const ROUTE_UNAVAILABLE: i64 = -32000;

/// How the route reaches its server.
#[derive(Debug)]
pub enum RouteUpstream {
    /// Over HTTP, through the bridge.
    Http(BridgeConfig),
    /// A stdio server the engine launches (from `RunOptions::command`).
    Command,
}

/// What the server said in the front's handshake.
#[derive(Debug, Clone)]
pub struct Handshake {
    /// The server speaks only 2026-07-28 (it answered `server/discover`, not `initialize`).
    pub stateless: bool,
    /// The `initialize` result (2025) or the `server/discover` result (2026-07-28).
    pub result: Value,
}

/// Why a request got no answer from the engine.
#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    /// The engine's session ended (its server went away).
    #[error("the route's gateway session has ended; restart mcpward serve")]
    Gone,
    /// No answer within the wait.
    #[error("no answer within {0} s")]
    Timeout(u64),
    /// The handshake with the server failed.
    #[error("the MCP server did not complete mcpward's handshake ({0})")]
    Handshake(String),
}

/// A running route.
#[derive(Debug)]
pub struct RouteEngine {
    /// The route's name.
    pub name: String,
    to_engine: mpsc::Sender<Vec<u8>>,
    waiters: Arc<Mutex<HashMap<String, oneshot::Sender<Vec<u8>>>>>,
    next: AtomicU64,
    handshake: tokio::sync::Mutex<Option<Handshake>>,
    /// How long a request waits for the engine (the server's timeout plus the approval wait).
    wait: Duration,
    /// How long the front's handshake waits.
    handshake_wait: Duration,
    gone: Arc<AtomicBool>,
    log: Arc<FrontLog>,
    /// Told to close the engine's client side, which ends its session.
    closing: Arc<tokio::sync::Notify>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl RouteEngine {
    /// Starts the route: its engine (and bridge) on a thread of their own.
    pub fn start(
        opts: RunOptions,
        upstream: RouteUpstream,
        wait: Duration,
        handshake_wait: Duration,
        log: Arc<FrontLog>,
    ) -> std::io::Result<Arc<RouteEngine>> {
        let name = opts.server_name.clone();
        let (engine_side, front_side) = tokio::io::duplex(256 * 1024);
        let gone = Arc::new(AtomicBool::new(false));
        let bridge_log = log.clone();
        let thread_gone = gone.clone();
        let thread = std::thread::Builder::new()
            .name(format!("mcpward-route-{name}"))
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(_) => {
                        thread_gone.store(true, Ordering::SeqCst);
                        return;
                    }
                };
                let task_gone = thread_gone.clone();
                runtime.block_on(async move {
                    let thread_gone = task_gone;
                    let upstream = match upstream {
                        RouteUpstream::Command => Upstream::Command,
                        RouteUpstream::Http(config) => match bridge::start(config, bridge_log) {
                            Ok((reader, writer)) => Upstream::Streams {
                                reader: Box::new(reader),
                                writer: Box::new(writer),
                            },
                            Err(_) => {
                                thread_gone.store(true, Ordering::SeqCst);
                                return;
                            }
                        },
                    };
                    let (input, output) = tokio::io::split(engine_side);
                    let _ =
                        mcpward_gateway::proxy::run_with_upstream(opts, upstream, input, output)
                            .await;
                });
                thread_gone.store(true, Ordering::SeqCst);
                runtime.shutdown_background();
            })?;
        let (front_read, front_write) = tokio::io::split(front_side);
        let (to_engine, mut outgoing) = mpsc::channel::<Vec<u8>>(256);
        let closing = Arc::new(tokio::sync::Notify::new());
        let close_signal = closing.clone();
        tokio::spawn(async move {
            let mut out = tokio::io::BufWriter::new(front_write);
            loop {
                let frame = tokio::select! {
                    frame = outgoing.recv() => frame,
                    () = close_signal.notified() => None,
                };
                let Some(frame) = frame else { break };
                let mut ok =
                    out.write_all(&frame).await.is_ok() && out.write_all(b"\n").await.is_ok();
                while ok && let Ok(more) = outgoing.try_recv() {
                    ok = out.write_all(&more).await.is_ok() && out.write_all(b"\n").await.is_ok();
                }
                if !ok || out.flush().await.is_err() {
                    return;
                }
            }
            let _ = out.shutdown().await;
        });
        let engine = Arc::new(RouteEngine {
            name,
            to_engine,
            waiters: Arc::new(Mutex::new(HashMap::new())),
            next: AtomicU64::new(0),
            handshake: tokio::sync::Mutex::new(None),
            wait,
            handshake_wait,
            gone,
            log,
            closing,
            thread: Mutex::new(Some(thread)),
        });
        let reader = engine.clone();
        tokio::spawn(async move { reader.read_engine(front_read).await });
        Ok(engine)
    }

    /// Ends the route's session (the engine writes its last records) and waits, a few seconds
    /// at most, for its thread.
    pub async fn close(&self) {
        self.closing.notify_one();
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            let joined = tokio::task::spawn_blocking(move || thread.join());
            let _ = tokio::time::timeout(Duration::from_secs(8), joined).await;
        }
    }

    fn waiters(&self) -> std::sync::MutexGuard<'_, HashMap<String, oneshot::Sender<Vec<u8>>>> {
        self.waiters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reads what the engine sends the client side: responses go to their waiting request;
    /// requests of the server to the client are answered with an error (not relayed to HTTP
    /// clients yet); notifications have no HTTP request to go to and are dropped.
    async fn read_engine(self: Arc<Self>, reader: tokio::io::ReadHalf<tokio::io::DuplexStream>) {
        let mut lines = BufReader::new(reader);
        let mut line = Vec::new();
        loop {
            line.clear();
            match lines.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            let Ok(env) = envelope::parse(&line) else {
                continue;
            };
            match env.message {
                Message::Response { id, .. } => {
                    // Keyed as the engine keys ids: the same id however the server spells it.
                    let key = envelope::IdKey::from_raw(id);
                    let waiter = self.waiters().remove(key.to_json().as_ref());
                    if let Some(waiter) = waiter {
                        let _ = waiter.send(line.clone());
                    }
                }
                Message::Request { id, method, .. } => {
                    let msg = format!(
                        "mcpward serve does not relay `{method}` requests to HTTP clients; the server's request was refused"
                    );
                    self.log.event(
                        &self.name,
                        "serve-server-request-refused",
                        format!(
                            "refused the server's `{method}` request (not relayed to HTTP clients)"
                        ),
                    );
                    let answer = envelope::error_response(Some(id), -32601, &msg, None);
                    let _ = self.to_engine.send(answer).await;
                }
                Message::Notification { .. } => {}
            }
        }
        self.gone.store(true, Ordering::SeqCst);
        // Every waiting request learns at once that no answer will come.
        self.waiters().clear();
    }

    /// A new id for the engine, as JSON.
    fn next_id(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        envelope::IdKey::string(&format!("mcpward-serve-{n}"))
            .to_json()
            .into_owned()
    }

    /// Sends a request (`frame`, whose id is `id`, a slice of it) to the engine and waits for
    /// its response; returns the response with the client's id put back.
    pub async fn request(&self, frame: &[u8], id: &RawValue) -> Result<Vec<u8>, RouteError> {
        self.request_within(frame, id, self.wait).await
    }

    async fn request_within(
        &self,
        frame: &[u8],
        id: &RawValue,
        wait: Duration,
    ) -> Result<Vec<u8>, RouteError> {
        if self.gone.load(Ordering::SeqCst) {
            return Err(RouteError::Gone);
        }
        let engine_id = self.next_id();
        let rewritten = splice_id(frame, id, &engine_id);
        let (tx, rx) = oneshot::channel();
        self.waiters().insert(engine_id.clone(), tx);
        // Removed when this request ends however it ends (answered, timed out, or the HTTP
        // client went away and the handler was dropped): the engine is told the request is
        // cancelled, so a call waiting for a person is withdrawn.
        let mut guard = Waiting {
            engine: self,
            id: Some(engine_id),
        };
        if self.to_engine.send(rewritten).await.is_err() {
            return Err(RouteError::Gone);
        }
        match tokio::time::timeout(wait, rx).await {
            Ok(Ok(response)) => {
                guard.id = None;
                Ok(restore_id(response, id))
            }
            Ok(Err(_)) => Err(RouteError::Gone),
            Err(_) => Err(RouteError::Timeout(wait.as_secs())),
        }
    }

    /// Sends a notification to the engine.
    pub async fn notify(&self, frame: Vec<u8>) -> Result<(), RouteError> {
        if self.gone.load(Ordering::SeqCst) {
            return Err(RouteError::Gone);
        }
        self.to_engine
            .send(frame)
            .await
            .map_err(|_| RouteError::Gone)
    }

    /// The server's handshake, done once (and again after a failure).
    pub async fn handshake(&self) -> Result<Handshake, RouteError> {
        let mut done = self.handshake.lock().await;
        if let Some(h) = done.as_ref() {
            return Ok(h.clone());
        }
        let init = json!({
            "protocolVersion": HANDSHAKE_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "mcpward-serve", "version": env!("CARGO_PKG_VERSION")}
        });
        let first = self.own_request("initialize", init).await?;
        let handshake = if let Some(result) = first.get("result") {
            let initialized =
                json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string();
            self.notify(initialized.into_bytes()).await?;
            Handshake {
                stateless: false,
                result: result.clone(),
            }
        } else {
            let discover = json!({
                "_meta": {
                    "io.modelcontextprotocol/protocolVersion": STATELESS_VERSION,
                    "io.modelcontextprotocol/clientCapabilities": {}
                }
            });
            let second = self.own_request("server/discover", discover).await?;
            match second.get("result") {
                Some(result) => Handshake {
                    stateless: true,
                    result: result.clone(),
                },
                None => {
                    let why = |v: &Value| {
                        v.pointer("/error/message")
                            .and_then(Value::as_str)
                            .unwrap_or("no result")
                            .chars()
                            .take(300)
                            .collect::<String>()
                    };
                    return Err(RouteError::Handshake(format!(
                        "initialize: {}; server/discover: {}",
                        why(&first),
                        why(&second)
                    )));
                }
            }
        };
        *done = Some(handshake.clone());
        Ok(handshake)
    }

    /// A request of the front's own to the engine (its handshake), under a fresh id.
    async fn own_request(&self, method: &str, params: Value) -> Result<Value, RouteError> {
        let engine_id = self.next_id();
        let id: Value =
            serde_json::from_str(&engine_id).map_err(|e| RouteError::Handshake(e.to_string()))?;
        let frame = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
            .to_string()
            .into_bytes();
        let (tx, rx) = oneshot::channel();
        self.waiters().insert(engine_id.clone(), tx);
        let mut guard = Waiting {
            engine: self,
            id: Some(engine_id),
        };
        self.to_engine
            .send(frame)
            .await
            .map_err(|_| RouteError::Gone)?;
        let answer = match tokio::time::timeout(self.handshake_wait, rx).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => return Err(RouteError::Gone),
            Err(_) => return Err(RouteError::Timeout(self.handshake_wait.as_secs())),
        };
        guard.id = None;
        serde_json::from_slice(&answer).map_err(|e| RouteError::Handshake(e.to_string()))
    }
}

/// A request waiting for the engine; on drop without an answer, its waiter is removed and the
/// engine told the request is cancelled.
struct Waiting<'a> {
    engine: &'a RouteEngine,
    id: Option<String>,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let Some(id) = self.id.take() else {
            return;
        };
        self.engine.waiters().remove(&id);
        let cancel = format!(
            "{{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{{\"requestId\":{id},\"reason\":\"the HTTP request ended\"}}}}"
        );
        let _ = self.engine.to_engine.try_send(cancel.into_bytes());
    }
}

/// Where `part` (a slice borrowed from `whole`) sits in `whole`.
fn span_in(whole: &[u8], part: &str) -> Option<(usize, usize)> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    (end <= whole.len() && &whole[start..end] == part.as_bytes()).then_some((start, end))
}

/// `frame` with the id `id` (borrowed from it) replaced by `new_id` (JSON).
pub fn splice_id(frame: &[u8], id: &RawValue, new_id: &str) -> Vec<u8> {
    match span_in(frame, id.get()) {
        Some((start, end)) => {
            let mut out = Vec::with_capacity(frame.len() + new_id.len());
            out.extend_from_slice(&frame[..start]);
            out.extend_from_slice(new_id.as_bytes());
            out.extend_from_slice(&frame[end..]);
            out
        }
        // Not borrowed from the frame (cannot happen with the envelope parser): serialise anew.
        None => {
            let mut value: Value = serde_json::from_slice(frame).unwrap_or(Value::Null);
            if let (Some(obj), Ok(new)) = (value.as_object_mut(), serde_json::from_str(new_id)) {
                obj.insert("id".into(), new);
            }
            value.to_string().into_bytes()
        }
    }
}

/// The engine's `response` with the client's `id` put back.
fn restore_id(response: Vec<u8>, id: &RawValue) -> Vec<u8> {
    let spliced = match envelope::parse(&response) {
        Ok(env) => match env.message {
            Message::Response { id: engine_id, .. } => {
                Some(splice_id(&response, engine_id, id.get()))
            }
            _ => None,
        },
        Err(_) => None,
    };
    spliced.unwrap_or(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_replaced_in_place_and_nothing_else_changes() {
        let frame = br#"{"jsonrpc":"2.0", "id" : 42 ,"method":"tools/call","params":{"id":42}}"#;
        let env = envelope::parse(frame).unwrap();
        let Message::Request { id, .. } = env.message else {
            panic!("a request")
        };
        let out = splice_id(frame, id, "\"mcpward-serve-1\"");
        assert_eq!(
            out,
            br#"{"jsonrpc":"2.0", "id" : "mcpward-serve-1" ,"method":"tools/call","params":{"id":42}}"#
        );
        let response =
            br#"{"jsonrpc":"2.0","id":"mcpward-serve-1","result":{"id":"mcpward-serve-1"}}"#;
        let back = restore_id(response.to_vec(), id);
        assert_eq!(
            back,
            br#"{"jsonrpc":"2.0","id":42,"result":{"id":"mcpward-serve-1"}}"#
        );
    }
}
