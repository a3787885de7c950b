//! A minimal MCP client for tests: speaks newline-delimited JSON-RPC like a real client
//! (initialize, `notifications/initialized`, `tools/list`, `tools/call`) and answers requests the
//! server side sends it (elicitation, sampling, roots) through a handler the test provides.

use std::collections::VecDeque;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

/// The protocol version the test client asks for.
pub const PROTOCOL_VERSION: &str = "2025-06-18";
/// The stateless revision: no `initialize`, context in `_meta` on every request.
pub const STATELESS_VERSION: &str = "2026-07-28";

/// What went wrong talking to the peer.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Reading or writing the pipe failed.
    #[error("pipe error: {0}")]
    Io(#[from] std::io::Error),
    /// The peer closed its output.
    #[error("the peer closed the connection")]
    Closed,
    /// No message arrived in time.
    #[error("no message within {0:?}")]
    Timeout(Duration),
    /// The peer sent a line that is not JSON.
    #[error("the peer sent a line that is not JSON ({error}): {line}")]
    NotJson {
        /// The line (lossy UTF-8).
        line: String,
        /// Parser message.
        error: String,
    },
}

/// Answers a request from the server side: `Ok(result)` or `Err((code, message))`.
pub type ServerRequestHandler = Box<dyn FnMut(&str, &Value) -> Result<Value, (i64, String)> + Send>;

/// A test client over any pair of pipes.
pub struct McpClient<R, W> {
    reader: BufReader<R>,
    writer: W,
    next_id: i64,
    handler: Option<ServerRequestHandler>,
    /// Notifications received so far.
    pub notifications: Vec<Value>,
    /// Requests the server side sent us, in order.
    pub server_requests: Vec<Value>,
    /// Responses read while waiting for another id.
    stashed: VecDeque<Value>,
    /// How long to wait for any one message.
    pub timeout: Duration,
    /// Record requests from the server side but never answer them (a person who walked away).
    pub ignore_server_requests: bool,
    /// `_meta` put into the params of every request (a 2026-07-28 client, see
    /// [`McpClient::stateless`]).
    pub request_meta: Option<Value>,
}

impl<R, W> std::fmt::Debug for McpClient<R, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpClient")
            .field("next_id", &self.next_id)
            .field("notifications", &self.notifications.len())
            .finish_non_exhaustive()
    }
}

impl<R: AsyncRead + Unpin, W: AsyncWrite + Unpin> McpClient<R, W> {
    /// A client reading the peer's output from `reader` and writing to `writer`.
    pub fn new(reader: R, writer: W) -> McpClient<R, W> {
        McpClient {
            reader: BufReader::with_capacity(256 * 1024, reader),
            writer,
            next_id: 0,
            handler: None,
            notifications: Vec::new(),
            server_requests: Vec::new(),
            stashed: VecDeque::new(),
            timeout: Duration::from_secs(30),
            ignore_server_requests: false,
            request_meta: None,
        }
    }

    /// Speaks the 2026-07-28 revision from now on: no handshake, and every request carries the
    /// protocol version and `capabilities` in `params._meta`.
    pub fn stateless(&mut self, capabilities: Value) {
        self.request_meta = Some(json!({
            "io.modelcontextprotocol/protocolVersion": STATELESS_VERSION,
            "io.modelcontextprotocol/clientCapabilities": capabilities,
            "io.modelcontextprotocol/clientInfo": {"name": "mcpward-testkit", "version": "0"}
        }));
    }

    /// Sets how server-side requests are answered (default: method not found).
    pub fn on_server_request(&mut self, handler: ServerRequestHandler) {
        self.handler = Some(handler);
    }

    /// Writes one frame exactly as given (plus the newline).
    pub async fn send_raw(&mut self, frame: &[u8]) -> Result<(), ClientError> {
        self.writer.write_all(frame).await?;
        self.writer.write_all(b"\n").await?;
        self.writer.flush().await?;
        Ok(())
    }

    /// Closes the writing side (the peer sees EOF).
    pub async fn close(&mut self) -> Result<(), ClientError> {
        self.writer.shutdown().await?;
        Ok(())
    }

    /// Reads the next message, whatever it is.
    pub async fn next_message(&mut self) -> Result<Value, ClientError> {
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = tokio::time::timeout(self.timeout, self.reader.read_until(b'\n', &mut line))
                .await
                .map_err(|_| ClientError::Timeout(self.timeout))??;
            if n == 0 {
                return Err(ClientError::Closed);
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return serde_json::from_slice(&line).map_err(|e| ClientError::NotJson {
                line: String::from_utf8_lossy(&line).into_owned(),
                error: e.to_string(),
            });
        }
    }

    /// Sends a request and returns its id without waiting (for pipelining).
    pub async fn send_request(
        &mut self,
        method: &str,
        params: Value,
    ) -> Result<Value, ClientError> {
        self.next_id += 1;
        let id = json!(self.next_id);
        let mut params = params;
        if let (Some(meta), Some(p)) = (&self.request_meta, params.as_object_mut()) {
            p.insert("_meta".into(), meta.clone());
        }
        let frame = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.send_raw(frame.to_string().as_bytes()).await?;
        Ok(id)
    }

    /// Sends a notification.
    pub async fn notify(&mut self, method: &str, params: Value) -> Result<(), ClientError> {
        let frame = json!({"jsonrpc": "2.0", "method": method, "params": params});
        self.send_raw(frame.to_string().as_bytes()).await
    }

    /// Waits for the response with `id`, answering server requests and collecting notifications
    /// meanwhile. Returns the whole response (`result` or `error` inside).
    pub async fn wait_for(&mut self, id: &Value) -> Result<Value, ClientError> {
        if let Some(pos) = self.stashed.iter().position(|r| &r["id"] == id) {
            return Ok(self.stashed.remove(pos).unwrap_or_default());
        }
        loop {
            let msg = self.next_message().await?;
            match (msg.get("method"), msg.get("id")) {
                (Some(_), Some(_)) => self.answer_server_request(msg).await?,
                (Some(_), None) => self.notifications.push(msg),
                (None, Some(got)) if got == id => return Ok(msg),
                _ => self.stashed.push_back(msg),
            }
        }
    }

    /// Responses that arrived without anyone waiting for them (e.g. errors with id null).
    pub fn take_stashed(&mut self) -> Vec<Value> {
        self.stashed.drain(..).collect()
    }

    async fn answer_server_request(&mut self, msg: Value) -> Result<(), ClientError> {
        if self.ignore_server_requests {
            self.server_requests.push(msg);
            return Ok(());
        }
        let method = msg["method"].as_str().unwrap_or_default().to_owned();
        let params = msg.get("params").cloned().unwrap_or(Value::Null);
        let answer = match &mut self.handler {
            Some(h) => h(&method, &params),
            None => Err((-32601, format!("test client does not handle {method}"))),
        };
        let id = msg["id"].clone();
        self.server_requests.push(msg);
        let frame = match answer {
            Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
            Err((code, message)) => {
                json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
            }
        };
        self.send_raw(frame.to_string().as_bytes()).await
    }

    /// Sends a request and waits for its response.
    pub async fn request(&mut self, method: &str, params: Value) -> Result<Value, ClientError> {
        let id = self.send_request(method, params).await?;
        self.wait_for(&id).await
    }

    /// The handshake: `initialize` with `capabilities`, then `notifications/initialized`.
    pub async fn initialize(&mut self, capabilities: Value) -> Result<Value, ClientError> {
        let resp = self
            .request(
                "initialize",
                json!({
                    "protocolVersion": PROTOCOL_VERSION,
                    "capabilities": capabilities,
                    "clientInfo": {"name": "mcpward-testkit", "version": "0"}
                }),
            )
            .await?;
        self.notify("notifications/initialized", json!({})).await?;
        Ok(resp)
    }

    /// `tools/list`: the tools array (empty when the response was an error).
    pub async fn list_tools(&mut self) -> Result<Vec<Value>, ClientError> {
        let resp = self.request("tools/list", json!({})).await?;
        Ok(resp["result"]["tools"]
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    /// `tools/call`: the whole response.
    pub async fn call_tool(&mut self, name: &str, arguments: Value) -> Result<Value, ClientError> {
        self.request("tools/call", json!({"name": name, "arguments": arguments}))
            .await
    }

    /// `tools/call` retried after an `input_required` result (2026-07-28 multi round-trip
    /// requests): `answer` under every key of its `inputRequests`, and its `requestState` echoed.
    pub async fn retry_tool(
        &mut self,
        name: &str,
        arguments: Value,
        input_required: &Value,
        answer: Value,
    ) -> Result<Value, ClientError> {
        let mut params = json!({"name": name, "arguments": arguments});
        params["inputResponses"] = input_responses(input_required, &answer);
        if let Some(state) = input_required["result"].get("requestState") {
            params["requestState"] = state.clone();
        }
        self.request("tools/call", params).await
    }
}

/// `answer` under every key of the `inputRequests` of an `input_required` response.
pub fn input_responses(input_required: &Value, answer: &Value) -> Value {
    let keys = input_required["result"]["inputRequests"]
        .as_object()
        .map(|r| r.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default();
    Value::Object(keys.into_iter().map(|k| (k, answer.clone())).collect())
}

/// Whether a response is an `input_required` result (2026-07-28).
pub fn is_input_required(resp: &Value) -> bool {
    resp["result"]["resultType"] == "input_required"
}

/// The text of the first content block of a `tools/call` response, or the error message.
pub fn response_text(resp: &Value) -> String {
    if let Some(msg) = resp["error"]["message"].as_str() {
        return msg.to_owned();
    }
    resp["result"]["content"]
        .as_array()
        .map(|blocks| {
            blocks
                .iter()
                .filter_map(|b| b["text"].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// Whether a `tools/call` response is a refusal or failure (`isError` or a JSON-RPC error).
pub fn is_error(resp: &Value) -> bool {
    resp.get("error").is_some() || resp["result"]["isError"] == json!(true)
}
