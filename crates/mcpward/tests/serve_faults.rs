//! `mcpward serve` against bad input and bad peers: each is answered with the right HTTP status
//! and JSON-RPC error, nothing undecided reaches a server, and the instance keeps serving.

#[path = "support/serve.rs"]
mod serve;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use serve::{Client2025, Client2026, Instance, post};

const ALLOW_ALL: &str = "[defaults]\nmode = \"allow\"\nunknown_tools = \"allow\"\n";

struct Setup {
    _dir: tempfile::TempDir,
    _servers: Vec<serve::Proc>,
    instance: Instance,
}

/// An instance with routes `notes` (a well-behaved server), `hang` and `badsse`.
fn start(listen_extra: &str, files: &[(&str, &str)]) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let (notes, notes_url) = serve::testkit_http_server(&[]);
    let (hang, hang_url) = serve::testkit_http_server(&["--hang"]);
    let (bad, bad_url) = serve::testkit_http_server(&["--bad-sse"]);
    std::fs::write(dir.path().join("allow.toml"), ALLOW_ALL).unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let config: PathBuf = dir.path().join("serve.toml");
    std::fs::write(
        &config,
        format!(
            r#"
state_dir = "state"

[listen]
{listen_extra}

[[route]]
name = "notes"
url = "{notes_url}"
policy = "allow.toml"

[[route]]
name = "hang"
url = "{hang_url}"
policy = "allow.toml"

[[route]]
name = "badsse"
url = "{bad_url}"
policy = "allow.toml"
"#
        ),
    )
    .unwrap();
    let instance = Instance::start(&config, &dir.path().join("audit.jsonl"), &[]);
    Setup {
        _dir: dir,
        _servers: vec![notes, hang, bad],
        instance,
    }
}

fn call_body(tool: &str) -> String {
    json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": tool, "arguments": {"query": "x"}}})
    .to_string()
}

fn still_serves(instance: &Instance) {
    let mut c = Client2026::new();
    let resp = c.call(
        &instance.url("notes"),
        "search_notes",
        json!({"query": "ok"}),
    );
    assert!(
        mcpward_testkit::response_text(&resp).starts_with("search_notes ran"),
        "{resp}"
    );
}

fn error_code(a: &serve::Answer) -> Value {
    a.json()["error"]["code"].clone()
}

#[test]
fn malformed_oversized_and_mismatched_requests_get_their_http_and_json_rpc_errors() {
    let mut s = start(
        "max_body_bytes = 2048\ntimeout_secs = 5\nallowed_origins = [\"https://agent.example\"]",
        &[],
    );
    let url = s.instance.url("notes");
    let mut c25 = Client2025::initialize(&url, json!({}));
    let session = [("Mcp-Session-Id", c25.session.as_str())];

    let big = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "search_notes", "arguments": {"query": "x".repeat(4096)}}});
    let a = post(&url, &big.to_string(), &session);
    assert_eq!(a.status, 413, "{a:?}");

    let a = post(&url, r#"{"jsonrpc": "2.0", "id": 1, "method": "#, &session);
    assert_eq!((a.status, error_code(&a)), (400, json!(-32700)), "{a:?}");

    let a = post(&url, &format!("[{}]", call_body("search_notes")), &session);
    assert_eq!((a.status, error_code(&a)), (400, json!(-32600)), "{a:?}");

    let a = post(
        &url,
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","id":2,"params":{}}"#,
        &session,
    );
    assert_eq!(
        (a.status, error_code(&a)),
        (400, json!(-32600)),
        "duplicate key: {a:?}"
    );

    // Headers that say something else than the body.
    let a = post(
        &url,
        &call_body("write_note"),
        &[session[0], ("Mcp-Method", "tools/list")],
    );
    assert_eq!((a.status, error_code(&a)), (400, json!(-32020)), "{a:?}");
    let a = post(
        &url,
        &call_body("write_note"),
        &[
            session[0],
            ("Mcp-Method", "tools/call"),
            ("Mcp-Name", "search_notes"),
        ],
    );
    assert_eq!((a.status, error_code(&a)), (400, json!(-32020)), "{a:?}");
    // A 2026-07-28 request must carry them.
    let stateless = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
        "name": "search_notes", "arguments": {},
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {}}}});
    let a = post(
        &url,
        &stateless.to_string(),
        &[("MCP-Protocol-Version", "2026-07-28")],
    );
    assert_eq!((a.status, error_code(&a)), (400, json!(-32020)), "{a:?}");

    // Sessions: none, forged.
    let a = post(&url, &call_body("search_notes"), &[]);
    assert_eq!(a.status, 400, "{a:?}");
    let forged = format!("{}0", c25.session);
    let a = post(
        &url,
        &call_body("search_notes"),
        &[("Mcp-Session-Id", &forged)],
    );
    assert_eq!(a.status, 404, "{a:?}");

    // Origins and Hosts.
    let a = post(
        &url,
        &call_body("search_notes"),
        &[session[0], ("Origin", "https://evil.example")],
    );
    assert_eq!(a.status, 403, "{a:?}");
    let ok = post(
        &url,
        &call_body("search_notes"),
        &[session[0], ("Origin", "https://agent.example")],
    );
    assert_eq!(ok.status, 200, "{ok:?}");
    let port = s.instance.port();
    let rebinding = serve::raw_exchange(
        port,
        format!(
            "POST /mcp/notes HTTP/1.1\r\nHost: attacker.example:{port}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
        )
        .as_bytes(),
    );
    assert!(rebinding.starts_with("HTTP/1.1 403"), "{rebinding}");

    // Not HTTP at all, and methods the transport does not serve here.
    let garbage = serve::raw_exchange(port, b"GARBAGE / NOT-HTTP\r\n\r\n");
    assert!(garbage.starts_with("HTTP/1.1 400"), "{garbage:?}");
    let get = serve::raw_exchange(
        port,
        format!("GET /mcp/notes HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    );
    assert!(get.starts_with("HTTP/1.1 405"), "{get}");

    // A client's initialize is answered by the front, whatever its _meta says: the server's
    // session is shared and never started anew by a client.
    let init = json!({"jsonrpc": "2.0", "id": 9, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "t", "version": "0"},
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {}}}});
    let a = post(
        &url,
        &init.to_string(),
        &[
            ("MCP-Protocol-Version", "2026-07-28"),
            ("Mcp-Method", "initialize"),
        ],
    );
    assert_eq!(a.status, 200, "{a:?}");
    assert!(a.header("mcp-session-id").is_some(), "{a:?}");

    // Nothing of that stopped the instance.
    let resp = c25.call(&url, "search_notes", json!({"query": "after"}));
    assert!(
        mcpward_testkit::response_text(&resp).contains("after"),
        "{resp}"
    );
    still_serves(&s.instance);

    assert!(s.instance.proc.terminate().success());
    serve::assert_log_verifies(&s.instance.log);
    let kinds: Vec<String> = serve::records(&s.instance.log)
        .iter()
        .filter_map(|r| r["method"].as_str().map(str::to_owned))
        .collect();
    for kind in [
        "serve-body-too-large",
        "serve-bad-request",
        "serve-header-mismatch",
        "serve-bad-session",
        "serve-origin-refused",
        "serve-host-refused",
    ] {
        assert!(
            kinds.iter().any(|k| k == kind),
            "{kind} not logged: {kinds:?}"
        );
    }
}

#[test]
fn an_upstream_that_hangs_or_breaks_its_event_stream_is_answered_with_an_error_in_time() {
    let s = start("timeout_secs = 3", &[]);
    let mut c = Client2026::new();
    let started = Instant::now();
    let hung = c.call(&s.instance.url("hang"), "search_notes", json!({}));
    assert_eq!(hung["error"]["code"], json!(-32001), "{hung}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "answered after {:?}",
        started.elapsed()
    );
    let broken = c.call(&s.instance.url("badsse"), "search_notes", json!({}));
    assert_eq!(broken["error"]["code"], json!(-32000), "{broken}");
    assert!(
        mcpward_testkit::response_text(&broken).contains("not valid JSON"),
        "{broken}"
    );
    // The hanging route still answers (with errors), the others normally.
    let again = c.call(&s.instance.url("hang"), "search_notes", json!({}));
    assert_eq!(again["error"]["code"], json!(-32001), "{again}");
    still_serves(&s.instance);
}

#[test]
fn clients_that_stall_or_vanish_do_not_hold_the_instance() {
    let s = start("timeout_secs = 2", &[]);
    let port = s.instance.port();
    // Headers that never end.
    let mut slow_headers = TcpStream::connect(("127.0.0.1", port)).unwrap();
    slow_headers
        .write_all(format!("POST /mcp/notes HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n").as_bytes())
        .unwrap();
    // A body that never comes.
    let mut slow_body = TcpStream::connect(("127.0.0.1", port)).unwrap();
    slow_body
        .write_all(
            format!(
                "POST /mcp/notes HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{{\"jsonrpc\""
            )
            .as_bytes(),
        )
        .unwrap();
    // A client that asks and goes away before the (hanging) server could answer.
    let mut gone = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "search_notes", "arguments": {},
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {}}}})
    .to_string();
    gone.write_all(
        format!(
            "POST /mcp/hang HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nMCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: search_notes\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    drop(gone);
    // Meanwhile, others are served.
    let started = Instant::now();
    still_serves(&s.instance);
    assert!(started.elapsed() < Duration::from_secs(2));
    // The stalled ones are let go: the body with 408, the headers by closing the connection.
    slow_body
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let mut answer = String::new();
    let _ = slow_body.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    slow_headers
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let mut rest = Vec::new();
    let started = Instant::now();
    let _ = slow_headers.read_to_end(&mut rest);
    assert!(started.elapsed() < Duration::from_secs(14), "still open");
    still_serves(&s.instance);
}

#[test]
fn bearer_tokens_are_required_and_rate_limits_apply_per_client() {
    let one = "t1-".to_owned() + &"a".repeat(29);
    let two = "t2-".to_owned() + &"b".repeat(29);
    let s = start(
        "tokens_file = \"tokens\"\nrate_per_minute = 60",
        &[("tokens", &format!("# clients\n{one}\n{two}\n"))],
    );
    let url = s.instance.url("notes");
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "t", "version": "0"}}})
    .to_string();
    let a = post(&url, &init, &[]);
    assert_eq!(a.status, 401, "{a:?}");
    assert!(
        a.header("www-authenticate")
            .is_some_and(|h| h.starts_with("Bearer"))
    );
    let wrong = format!("Bearer {}", "c".repeat(32));
    assert_eq!(post(&url, &init, &[("Authorization", &wrong)]).status, 401);
    let bearer_one = format!("Bearer {one}");
    let bearer_two = format!("Bearer {two}");
    assert_eq!(
        post(&url, &init, &[("Authorization", &bearer_one)]).status,
        200
    );
    // 60 a minute with a burst of 6: the client with token one runs out, token two does not.
    let mut limited = None;
    for _ in 0..20 {
        let a = post(&url, &init, &[("Authorization", &bearer_one)]);
        if a.status == 429 {
            limited = Some(a);
            break;
        }
    }
    let limited = limited.expect("no 429 after 20 quick requests");
    assert!(limited.header("retry-after").is_some(), "{limited:?}");
    assert_eq!(
        post(&url, &init, &[("Authorization", &bearer_two)]).status,
        200
    );
}

#[test]
fn a_server_that_forgets_the_session_gets_a_new_one_and_calls_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, url) = serve::testkit_http_server(&["--forget"]);
    std::fs::write(dir.path().join("allow.toml"), ALLOW_ALL).unwrap();
    let config = dir.path().join("serve.toml");
    std::fs::write(
        &config,
        format!(
            "state_dir = \"state\"\n[[route]]\nname = \"notes\"\nurl = \"{url}\"\npolicy = \"allow.toml\"\n"
        ),
    )
    .unwrap();
    let mut instance = Instance::start(&config, &dir.path().join("audit.jsonl"), &[]);
    still_serves(&instance);
    assert!(instance.proc.terminate().success());
    serve::assert_log_verifies(&instance.log);
    assert!(
        serve::records(&instance.log)
            .iter()
            .any(|r| r["method"] == "serve-upstream-session-reopened"),
        "no record of the new session"
    );
}
