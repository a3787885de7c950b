//! A Streamable HTTP MCP server on 127.0.0.1 (port chosen by the system), for the HTTP side of
//! `mcpward inspect`. It prints `http://127.0.0.1:PORT/mcp` on its first stdout line, then serves
//! until killed.
//!
//! It speaks `initialize` (2025-11-25) with a session id, answers `tools/list` two tools per page
//! (following `nextCursor`), and:
//! * `--sse`: answers every request as a `text/event-stream` carrying a log notification first;
//! * `--token TOKEN`: refuses requests without `Authorization: Bearer TOKEN` with HTTP 401 and a
//!   `WWW-Authenticate` challenge, as an OAuth-protected server does;
//! * `--stateless`: speaks only 2026-07-28: `initialize` gets HTTP 400 with a -32022 error, every
//!   request must carry the version and client capabilities in `_meta`, an `MCP-Protocol-Version`
//!   header that agrees and an `Mcp-Method` header naming the body's method; no session;
//! * `--hang`: takes `tools/call` requests and never answers them (the connection stays open);
//! * `--bad-sse`: answers `tools/call` with an event stream whose event is not JSON, then ends it;
//! * `--forget`: behaves as if it restarted after the first `initialize`: later requests under
//!   that first session id get HTTP 404, and a new `initialize` gets a new session id.
//!
//! `tools/call` answers `NAME ran` with the arguments it received.
//!
//! Plain `std::net`, one thread per connection, `Connection: close`: enough HTTP/1.1 for a client.

use std::io::{BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

use serde_json::{Value, json};

const SESSION: &str = "testkit-session-1";
/// The session `--forget` hands out after its pretended restart.
const SESSION_AFTER_RESTART: &str = "testkit-session-2";

struct Options {
    sse: bool,
    token: Option<String>,
    stateless: bool,
    hang: bool,
    bad_sse: bool,
    forget: bool,
}

/// `initialize` requests answered so far (`--forget` hands out a new session from the second).
static INITIALIZED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn main() {
    let mut options = Options {
        sse: false,
        token: None,
        stateless: false,
        hang: false,
        bad_sse: false,
        forget: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--sse" => options.sse = true,
            "--stateless" => options.stateless = true,
            "--hang" => options.hang = true,
            "--bad-sse" => options.bad_sse = true,
            "--forget" => options.forget = true,
            "--token" => options.token = args.next(),
            other => {
                let _ = writeln!(std::io::stderr(), "http_server: unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let port = listener.local_addr().expect("local address").port();
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "http://127.0.0.1:{port}/mcp");
    let _ = stdout.flush();
    let options = std::sync::Arc::new(options);
    for stream in listener.incoming().flatten() {
        let options = options.clone();
        std::thread::spawn(move || {
            let _ = handle(stream, &options);
        });
    }
}

fn handle(stream: TcpStream, options: &Options) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let (request_line, headers) = mcpward_testkit::http::read_head(&mut reader)?;
    let header = |name: &str| header_of(&headers, name);
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length.min(1 << 20)];
    reader.read_exact(&mut body)?;
    let mut out = stream;
    let method = request_line.split(' ').next().unwrap_or_default();
    if let Some(token) = &options.token
        && header("authorization") != Some(format!("Bearer {token}").as_str())
    {
        return respond(
            &mut out,
            "401 Unauthorized",
            &[(
                "WWW-Authenticate",
                "Bearer resource_metadata=\"http://127.0.0.1/.well-known/oauth-protected-resource\"",
            )],
            "application/json",
            br#"{"error":"invalid_token"}"#,
        );
    }
    if method == "DELETE" {
        return respond(&mut out, "200 OK", &[], "text/plain", b"");
    }
    if method != "POST" {
        return respond(&mut out, "405 Method Not Allowed", &[], "text/plain", b"");
    }
    let Ok(message) = serde_json::from_slice::<Value>(&body) else {
        return respond(&mut out, "400 Bad Request", &[], "text/plain", b"not JSON");
    };
    let rpc_method = message["method"].as_str().unwrap_or_default().to_string();
    let Some(id) = message.get("id").cloned() else {
        // A notification.
        return respond(&mut out, "202 Accepted", &[], "text/plain", b"");
    };
    if rpc_method == "tools/call" && options.hang {
        // Hold the connection open without a byte of answer until the client gives up.
        let mut sink = [0u8; 1];
        let _ = out.set_read_timeout(Some(std::time::Duration::from_secs(600)));
        let _ = out.read(&mut sink);
        return Ok(());
    }
    if rpc_method == "tools/call" && options.bad_sse {
        return respond(
            &mut out,
            "200 OK",
            &[("Mcp-Session-Id", SESSION)],
            "text/event-stream",
            b"event: message\ndata: {\"jsonrpc\": \"2.0\", \"id\": \n\n",
        );
    }
    if options.stateless {
        return stateless(&mut out, &rpc_method, &id, &message, &headers);
    }
    let session = if options.forget {
        if rpc_method == "initialize" {
            let n = INITIALIZED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if n == 0 {
                SESSION
            } else {
                SESSION_AFTER_RESTART
            }
        } else if header("mcp-session-id") == Some(SESSION) {
            return respond(
                &mut out,
                "404 Not Found",
                &[],
                "text/plain",
                b"unknown session",
            );
        } else {
            SESSION_AFTER_RESTART
        }
    } else {
        SESSION
    };
    if rpc_method != "initialize" && header("mcp-session-id") != Some(session) {
        return respond(
            &mut out,
            "400 Bad Request",
            &[],
            "text/plain",
            b"missing session",
        );
    }
    let result = answer(&rpc_method, &message["params"]);
    let reply = match result {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err((code, text)) => {
            json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": text}})
        }
    };
    let session = [("Mcp-Session-Id", session)];
    if options.sse {
        let log = json!({"jsonrpc": "2.0", "method": "notifications/message",
            "params": {"level": "info", "data": "working on it"}});
        let events = format!(
            ": keep-alive\n\nevent: message\ndata: {log}\n\nid: 1\nevent: message\ndata: {reply}\n\n"
        );
        respond(
            &mut out,
            "200 OK",
            &session,
            "text/event-stream",
            events.as_bytes(),
        )
    } else {
        respond(
            &mut out,
            "200 OK",
            &session,
            "application/json",
            reply.to_string().as_bytes(),
        )
    }
}

/// The 2026-07-28 revision: no handshake, context in `_meta` and in headers on every request.
fn stateless(
    out: &mut TcpStream,
    method: &str,
    id: &Value,
    message: &Value,
    headers: &[(String, String)],
) -> std::io::Result<()> {
    const VERSION: &str = "2026-07-28";
    let header = |name: &str| header_of(headers, name);
    let error = |code: i64, text: &str, data: Value| json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": text, "data": data}});
    let meta = &message["params"]["_meta"];
    let reply = if method == "initialize" {
        Err(error(
            -32022,
            "Unsupported protocol version",
            json!({"supported": [VERSION]}),
        ))
    } else if header("mcp-method") != Some(method) {
        Err(error(
            -32020,
            "Mcp-Method header does not match the body",
            Value::Null,
        ))
    } else if header("mcp-protocol-version") != Some(VERSION)
        || meta["io.modelcontextprotocol/protocolVersion"] != VERSION
        || !meta["io.modelcontextprotocol/clientCapabilities"].is_object()
    {
        Err(error(
            -32602,
            "missing protocol version or client capabilities",
            Value::Null,
        ))
    } else {
        match method {
            "server/discover" => Ok(json!({
                "resultType": "complete",
                "supportedVersions": [VERSION],
                "capabilities": {"tools": {}},
                "ttlMs": 0,
                "cacheScope": "private",
                "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "testkit-http-stateless", "version": "2.0.0"}}
            })),
            "tools/list" | "tools/call" => answer(method, &message["params"])
                .map_err(|(code, text)| error(code, &text, Value::Null)),
            other => Err(error(-32601, &format!("method not found: {other}"), Value::Null)),
        }
        .map(|result| json!({"jsonrpc": "2.0", "id": id, "result": result}))
    };
    match reply {
        Ok(body) => respond(
            out,
            "200 OK",
            &[],
            "application/json",
            body.to_string().as_bytes(),
        ),
        Err(body) => respond(
            out,
            "400 Bad Request",
            &[],
            "application/json",
            body.to_string().as_bytes(),
        ),
    }
}

/// A request header by its lower-case name.
fn header_of<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn tools() -> Vec<Value> {
    let tool = |name: &str, description: &str, props: Value| {
        json!({"name": name, "description": description,
            "inputSchema": {"type": "object", "properties": props}})
    };
    vec![
        tool(
            "search_notes",
            "Search the notes by keyword.",
            json!({"query": {"type": "string"}}),
        ),
        tool(
            "fetch_url",
            "Fetch a web page and return its text.",
            json!({"url": {"type": "string"}}),
        ),
        tool(
            "write_note",
            "Write a note to the notebook.",
            json!({"title": {"type": "string"}, "body": {"type": "string"}}),
        ),
    ]
}

fn answer(method: &str, params: &Value) -> Result<Value, (i64, String)> {
    match method {
        "initialize" => Ok(json!({
            "protocolVersion": "2025-11-25",
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "testkit-http", "version": "1.2.3"},
            "instructions": "Notes over HTTP."
        })),
        "tools/list" => {
            let start: usize = params["cursor"]
                .as_str()
                .and_then(|c| c.strip_prefix("page-"))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let all = tools();
            let page: Vec<Value> = all.iter().skip(start).take(2).cloned().collect();
            let mut result = json!({"tools": page});
            if start + 2 < all.len() {
                result["nextCursor"] = json!(format!("page-{}", start + 2));
            }
            Ok(result)
        }
        "tools/call" => {
            let name = params["name"].as_str().unwrap_or_default();
            Ok(json!({"content": [{"type": "text",
                "text": format!("{name} ran with {}", params["arguments"])}]}))
        }
        "ping" => Ok(json!({})),
        other => Err((-32601, format!("method not found: {other}"))),
    }
}

fn respond(
    out: &mut TcpStream,
    status: &str,
    headers: &[(&str, &str)],
    content_type: &str,
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    out.write_all(body)?;
    out.flush()
}
