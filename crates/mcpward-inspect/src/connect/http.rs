//! The Streamable HTTP transport, client side: each message is a POST; the answer is one JSON
//! body or an SSE stream that carries it. Blocking HTTP (`ureq`, already built for `audit
//! --online`) on tokio's blocking pool, each call bounded by the time left.

use std::io::{BufRead as _, BufReader, Read as _};
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::{ErrorKind, Incoming, MAX_MESSAGE, Masker, Reply, classify};

const SESSION_HEADER: &str = "Mcp-Session-Id";
const VERSION_HEADER: &str = "MCP-Protocol-Version";
/// SEP-2243 (2026-07-28): the method in a header, so gateways can route without the body.
const METHOD_HEADER: &str = "Mcp-Method";

/// One server URL, with what the handshake established.
#[derive(Debug)]
pub(crate) struct HttpChannel {
    agent: ureq::Agent,
    url: String,
    headers: Vec<(String, String)>,
    pub(crate) session: Option<String>,
    pub(crate) protocol_version: Option<String>,
    masker: Masker,
}

impl HttpChannel {
    pub(crate) fn new(
        url: &str,
        headers: &[(String, String)],
        masker: Masker,
    ) -> Result<HttpChannel, ErrorKind> {
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(ErrorKind::BadTarget(format!(
                "`{url}` is not an http:// or https:// URL"
            )));
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // A redirect would resend the body (and headers such as Authorization) elsewhere.
            .max_redirects(0)
            .user_agent(concat!("mcpward/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(HttpChannel {
            agent: config.into(),
            url: url.to_string(),
            headers: headers.to_vec(),
            session: None,
            protocol_version: None,
            masker,
        })
    }

    /// The URL for messages: a token in its query is masked like any other secret.
    fn shown_url(&self) -> String {
        self.masker.mask(&self.url).into_owned()
    }

    /// POSTs `message`; for a request (`id` given) returns its response.
    pub(crate) async fn exchange(
        &mut self,
        message: &Value,
        method: &str,
        id: Option<i64>,
        deadline: Instant,
    ) -> Result<Option<(Reply, Option<String>)>, ErrorKind> {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(ErrorKind::Timeout {
                method: method.to_string(),
            });
        }
        let post = Post {
            agent: self.agent.clone(),
            url: self.shown_url(),
            headers: self.headers.clone(),
            session: self.session.clone(),
            protocol_version: self.protocol_version.clone(),
            method: method.to_string(),
            body: serde_json::to_vec(message).unwrap_or_default(),
            id,
            timeout: remaining,
            masker: self.masker.clone(),
        };
        let task = tokio::task::spawn_blocking(move || post.run());
        match tokio::time::timeout_at(deadline, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(ErrorKind::Http {
                url: self.shown_url(),
                message: format!("the HTTP request did not complete: {join}"),
            }),
            Err(_) => Err(ErrorKind::Timeout {
                method: method.to_string(),
            }),
        }
    }

    /// Ends a session the server opened (DELETE, as the transport asks); failures do not matter.
    pub(crate) async fn close(&mut self) {
        let Some(session) = self.session.take() else {
            return;
        };
        let agent = self.agent.clone();
        let url = self.url.clone();
        let headers = self.headers.clone();
        let task = tokio::task::spawn_blocking(move || {
            let mut req = agent
                .delete(&url)
                .header(SESSION_HEADER, &session)
                .config()
                .timeout_global(Some(Duration::from_secs(2)))
                .build();
            for (k, v) in &headers {
                req = req.header(k, v);
            }
            let _ = req.call();
        });
        let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
    }
}

/// One POST, run on the blocking pool.
struct Post {
    agent: ureq::Agent,
    url: String,
    headers: Vec<(String, String)>,
    session: Option<String>,
    protocol_version: Option<String>,
    method: String,
    body: Vec<u8>,
    id: Option<i64>,
    timeout: Duration,
    masker: Masker,
}

impl Post {
    fn run(self) -> Result<Option<(Reply, Option<String>)>, ErrorKind> {
        let mut req = self
            .agent
            .post(&self.url)
            .config()
            .timeout_global(Some(self.timeout))
            .build()
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .header(METHOD_HEADER, &self.method);
        if let Some(s) = &self.session {
            req = req.header(SESSION_HEADER, s);
        }
        if let Some(v) = &self.protocol_version {
            req = req.header(VERSION_HEADER, v);
        }
        for (k, v) in &self.headers {
            req = req.header(k, v);
        }
        let mut response = req
            .send(&self.body[..])
            .map_err(|e| self.transport_error(e))?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let session = header(SESSION_HEADER);
        let content_type = header("content-type").unwrap_or_default();
        if status == 401 || status == 403 {
            return Err(ErrorKind::AuthRequired {
                url: self.shown_url(),
                status,
                challenge: header("www-authenticate").map(|c| self.masker.mask(&c).into_owned()),
            });
        }
        if !(200..300).contains(&status) {
            let body = response
                .body_mut()
                .with_config()
                .limit(64 * 1024)
                .lossy_utf8(true)
                .read_to_string()
                .unwrap_or_default();
            // A JSON-RPC error sent with an HTTP error status (servers refusing a method or a
            // protocol version do) is the answer to read, so the handshake can fall back.
            if let Some(id) = self.id
                && let Ok(message) = serde_json::from_str::<Value>(&body)
                && let Some(reply @ Reply::Error { .. }) = self.find_reply(message, id)
            {
                return Ok(Some((reply, session)));
            }
            let body: String = body.chars().take(4096).collect();
            return Err(ErrorKind::HttpStatus {
                url: self.shown_url(),
                method: self.method.clone(),
                status,
                body: self.masker.mask(body.trim()).into_owned(),
            });
        }
        let Some(id) = self.id else {
            return Ok(None);
        };
        let media = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let reply = if media == "text/event-stream" {
            self.reply_in_events(response.into_body().into_reader(), id)?
        } else {
            let body = response
                .body_mut()
                .with_config()
                .limit(MAX_MESSAGE as u64)
                .read_to_vec()
                .map_err(|e| self.transport_error(e))?;
            let message: Value =
                serde_json::from_slice(&body).map_err(|e| ErrorKind::Protocol {
                    method: self.method.clone(),
                    problem: format!(
                        "the HTTP body ({}) is not JSON: {e}",
                        if content_type.is_empty() {
                            "no content type"
                        } else {
                            content_type.as_str()
                        }
                    ),
                })?;
            self.find_reply(message, id)
                .ok_or_else(|| ErrorKind::Protocol {
                    method: self.method.clone(),
                    problem: format!("the HTTP body holds no response with id {id}"),
                })?
        };
        Ok(Some((reply, session)))
    }

    fn find_reply(&self, message: Value, id: i64) -> Option<Reply> {
        let messages = match message {
            Value::Array(items) => items,
            other => vec![other],
        };
        messages.into_iter().find_map(|m| match classify(m, id) {
            Incoming::Reply(r) => Some(r),
            _ => None,
        })
    }

    /// Reads server-sent events until one carries the response to `id`.
    fn reply_in_events(&self, body: impl std::io::Read, id: i64) -> Result<Reply, ErrorKind> {
        let mut reader = BufReader::new(body);
        let mut data = String::new();
        let mut line = String::new();
        loop {
            line.clear();
            let n = (&mut reader)
                .take(MAX_MESSAGE as u64 + 1)
                .read_line(&mut line)
                .map_err(|e| ErrorKind::Http {
                    url: self.shown_url(),
                    message: format!("reading the event stream failed: {e}"),
                })?;
            if n == 0 {
                if let Ok(message) = serde_json::from_str::<Value>(&data)
                    && let Some(reply) = self.find_reply(message, id)
                {
                    return Ok(reply);
                }
                return Err(ErrorKind::Protocol {
                    method: self.method.clone(),
                    problem: format!("the event stream ended without a response to id {id}"),
                });
            }
            if data.len() + line.len() > MAX_MESSAGE {
                return Err(ErrorKind::Protocol {
                    method: self.method.clone(),
                    problem: format!(
                        "an event is longer than {} MiB",
                        MAX_MESSAGE / (1024 * 1024)
                    ),
                });
            }
            let text = line.trim_end_matches(['\n', '\r']);
            if text.is_empty() {
                if !data.is_empty() {
                    if let Ok(message) = serde_json::from_str::<Value>(&data)
                        && let Some(reply) = self.find_reply(message, id)
                    {
                        return Ok(reply);
                    }
                    data.clear();
                }
                continue;
            }
            if let Some(value) = text.strip_prefix("data:") {
                if !data.is_empty() {
                    data.push('\n');
                }
                data.push_str(value.strip_prefix(' ').unwrap_or(value));
            }
            // `event:`, `id:`, `retry:` and `:` comments carry nothing needed here.
        }
    }

    /// The URL for messages: a token in its query is masked like any other secret.
    fn shown_url(&self) -> String {
        self.masker.mask(&self.url).into_owned()
    }

    fn transport_error(&self, e: ureq::Error) -> ErrorKind {
        match e {
            ureq::Error::Timeout(_) => ErrorKind::Timeout {
                method: self.method.clone(),
            },
            other => ErrorKind::Http {
                url: self.shown_url(),
                message: self.masker.mask(&other.to_string()).into_owned(),
            },
        }
    }
}
