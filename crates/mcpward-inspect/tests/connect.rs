//! `collect` against servers that misbehave on the wire, written as small shell scripts (real
//! processes speaking on real pipes): stray output, garbage, malformed lists, a list the server
//! declared but does not serve, and an inspection abandoned half way.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use mcpward_inspect::{ConnectErrorKind, ConnectOptions, Target, collect};

/// A server that answers each line it reads with the next of `replies` (a reply of `-` reads a
/// line and answers nothing, for notifications), then waits for stdin to close.
fn scripted(replies: &[&str]) -> Target {
    let mut script = String::new();
    for reply in replies {
        script.push_str("read -r line || exit 0\n");
        if *reply != "-" {
            script.push_str(&format!("printf '%s\\n' '{reply}'\n"));
        }
    }
    script.push_str("cat >/dev/null\n");
    Target::Stdio {
        command: "sh".into(),
        args: vec!["-c".into(), script],
        env: BTreeMap::new(),
        cwd: None,
    }
}

const INIT_TOOLS: &str = r#"{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{},"prompts":{}},"serverInfo":{"name":"scripted","version":"1"}}}"#;

fn opts(secs: u64) -> ConnectOptions {
    ConnectOptions {
        timeout: Duration::from_secs(secs),
        clear_env: true,
    }
}

fn block_on<T>(f: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn stray_output_notifications_and_server_requests_do_not_stop_the_collection() {
    // Before each answer: a log line on stdout, a notification, a request to the client.
    let target = scripted(&[
        &format!(
            "starting up...\n{}\n{}\n{INIT_TOOLS}",
            r#"{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"hi"}}"#,
            r#"{"jsonrpc":"2.0","id":"srv-1","method":"roots/list"}"#
        ),
        "-", // the error mcpward sends back for roots/list
        "-", // notifications/initialized
        r#"{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"echo","description":"Echo text back.","inputSchema":{"type":"object"},"x-vendor":{"unknown":"kept"}}]}}"#,
        r#"{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"Method not found"}}"#,
    ]);
    let c = block_on(collect(&target, &opts(10))).expect("collects");
    assert_eq!(c.protocol_version, "2025-06-18");
    assert_eq!(c.handshake_label(), "initialize (2025-06-18)");
    assert_eq!(c.server_name_version(), (Some("scripted"), Some("1")));
    assert_eq!(c.definitions.tools.len(), 1);
    // Fields mcpward does not know are kept: pins hash them, detectors read them.
    assert_eq!(c.definitions.tools[0]["x-vendor"]["unknown"], "kept");
    assert!(c.definitions.prompts.is_empty());
    let notes = c.notes.join("\n");
    assert!(
        notes.contains("declared prompts but answered `prompts/list` with method not found"),
        "{notes}"
    );
    assert!(
        notes.contains("skipped 1 line(s)") && notes.contains("starting up..."),
        "{notes}"
    );
    assert!(c.waited <= c.elapsed);
}

#[test]
fn a_list_item_that_is_not_an_object_is_a_clear_error() {
    let target = scripted(&[
        INIT_TOOLS,
        "-",
        r#"{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"ok"},"not-a-tool"]}}"#,
    ]);
    let err = block_on(collect(&target, &opts(10))).unwrap_err();
    assert!(
        matches!(err.kind, ConnectErrorKind::Protocol { .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("`tools/list`") && text.contains("item 1 of `tools` is not an object"),
        "{text}"
    );
}

#[test]
fn a_server_that_prints_only_garbage_is_not_speaking_mcp() {
    let target = Target::Stdio {
        command: "sh".into(),
        args: vec![
            "-c".into(),
            "read -r line; while :; do echo '<html>garbage</html>'; done".into(),
        ],
        env: BTreeMap::new(),
        cwd: None,
    };
    let started = Instant::now();
    let err = block_on(collect(&target, &opts(10))).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("lines on stdout are not JSON-RPC, starting with `<html>garbage</html>`"),
        "{text}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn an_initialize_answer_without_a_protocol_version_is_refused() {
    let target = scripted(&[r#"{"jsonrpc":"2.0","id":1,"result":{"capabilities":{}}}"#]);
    let err = block_on(collect(&target, &opts(10))).unwrap_err();
    assert!(
        err.to_string().contains("`protocolVersion` is missing"),
        "{err}"
    );
}

#[test]
fn refusing_both_handshakes_reports_both() {
    // Answers initialize with an error, then (fresh process) server/discover with another.
    let target =
        scripted(&[r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"go away"}}"#]);
    let err = block_on(collect(&target, &opts(10))).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err.kind, ConnectErrorKind::NoHandshake { .. }),
        "{text}"
    );
    assert!(
        text.contains("initialize: the server answered `initialize` with error -32600: go away"),
        "{text}"
    );
    assert!(text.contains("server/discover: "), "{text}");
}

fn processes_with(marker: &str) -> usize {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            std::fs::read(e.path().join("cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(marker))
        })
        .count()
}

#[test]
fn an_abandoned_collection_leaves_no_process_behind() {
    let marker = format!("abandoned-inspection-{}", std::process::id());
    let target = Target::Stdio {
        command: "sh".into(),
        // The shell waits on a child, as npx does: both must go.
        args: vec!["-c".into(), format!("sh -c 'sleep 300; : {marker}' & wait")],
        env: BTreeMap::new(),
        cwd: None,
    };
    let options = opts(60);
    block_on(async {
        let attempt = tokio::time::timeout(Duration::from_millis(300), collect(&target, &options));
        assert!(attempt.await.is_err(), "the server never answers");
    });
    let deadline = Instant::now() + Duration::from_secs(3);
    while processes_with(&marker) > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        processes_with(&marker),
        0,
        "the server outlived the dropped collection"
    );
}

#[test]
fn an_http_target_must_be_an_http_url() {
    let target = Target::Http {
        url: "ftp://example.test/mcp".into(),
        headers: Vec::new(),
    };
    let err = block_on(collect(&target, &opts(5))).unwrap_err();
    assert!(
        err.to_string()
            .contains("is not an http:// or https:// URL"),
        "{err}"
    );
}
