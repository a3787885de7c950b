//! The gateway in front of a server built on the official MCP Python SDK (pinned in
//! `tests/python/requirements.txt`): what the SDK's own reader and pydantic's coercion make of a
//! frame is what counts, so the attacks are played against the real thing.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{options, start};
use mcpward_testkit::{is_error, python_sdk_server};
use serde_json::{Value, json};

/// The gateway in front of the SDK server, which records every tool it runs in `record`.
fn sdk_options(state: &Path, record: &Path, policy: &str) -> mcpward_gateway::proxy::RunOptions {
    let (command, args) = python_sdk_server();
    let mut opts = options(command, args, state);
    opts.server_name = "sdk".to_owned();
    opts.env = vec![(
        "MCPWARD_TEST_RECORD".to_owned(),
        record.display().to_string(),
    )];
    opts.policy = mcpward_policy::Policy::parse(policy, Path::new("policy.toml")).unwrap();
    opts
}

/// What the server ran, as it understood the arguments.
fn ran(record: &Path) -> Vec<Value> {
    std::fs::read_to_string(record)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const DENY_TRANSFER: &str =
    "[defaults]\nmode = \"allow\"\n[[rule]]\ntool = \"transfer\"\naction = \"deny\"\n";

#[tokio::test]
async fn tool_call_hidden_behind_a_carriage_return_in_a_ping_never_reaches_the_server() {
    let state = tempfile::tempdir().unwrap();
    let record = state.path().join("ran.jsonl");
    let mut s = start(sdk_options(state.path(), &record, DENY_TRANSFER));
    s.client.initialize(json!({})).await.unwrap();
    // One message to JSON (CR is whitespace), three lines to Python's universal-newline reader:
    // a broken ping, a tools/call the policy denies, and a stray brace.
    let smuggled = b"{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\",\"params\":{\"x\":\r{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{\"name\":\"transfer\",\"arguments\":{\"amount\":5000,\"to\":\"mallory\"}}}\r}}";
    s.client.send_raw(smuggled).await.unwrap();
    let resp = s.client.wait_for(&json!(7)).await.unwrap();
    assert_eq!(resp["error"]["code"], -32600, "{resp}");
    assert!(
        resp["error"]["message"]
            .as_str()
            .unwrap()
            .contains("carriage return"),
        "{resp}"
    );
    // The session goes on, and a real call proves the server is alive and reading.
    let ok = s
        .client
        .call_tool("write_note", json!({"path": "n.txt", "text": "hi"}))
        .await
        .unwrap();
    assert!(!is_error(&ok), "{ok}");
    let tools: Vec<Value> = ran(&record).iter().map(|r| r["tool"].clone()).collect();
    assert_eq!(tools, vec![json!("write_note")]);
    s.finish().await;
}

#[tokio::test]
async fn unicode_line_separators_in_arguments_reach_the_sdk_as_the_same_text() {
    let state = tempfile::tempdir().unwrap();
    let record = state.path().join("ran.jsonl");
    let mut s = start(sdk_options(
        state.path(),
        &record,
        "[defaults]\nmode = \"allow\"\n",
    ));
    s.client.initialize(json!({})).await.unwrap();
    let text = "line\u{2028}separator\u{2029}paragraph\u{85}next";
    let frame = format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{{\"name\":\"write_note\",\"arguments\":{{\"path\":\"n\",\"text\":\"{text}\"}}}}}}"
    );
    s.client.send_raw(frame.as_bytes()).await.unwrap();
    let resp = s.client.wait_for(&json!(3)).await.unwrap();
    assert!(!is_error(&resp), "{resp}");
    let runs = ran(&record);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["arguments"]["text"], text);
    tokio::time::sleep(Duration::from_millis(10)).await;
    s.finish().await;
}

#[tokio::test]
async fn a_server_named_git_does_not_inherit_the_official_git_servers_read_only_list() {
    let state = tempfile::tempdir().unwrap();
    let record = state.path().join("ran.jsonl");
    let mut opts = sdk_options(
        state.path(),
        &record,
        "[defaults]\nmode = \"read-only\"\napproval_timeout_secs = 1\n",
    );
    // The name the official server's tools are listed under, chosen by whoever wrote the config.
    opts.server_name = "git".to_owned();
    let mut s = start(opts);
    s.client.initialize(json!({})).await.unwrap();
    s.client.list_tools().await.unwrap();
    let resp = s
        .client
        .call_tool("git_branch", json!({"name": "main", "delete": true}))
        .await
        .unwrap();
    assert!(is_error(&resp), "{resp}");
    assert!(ran(&record).is_empty(), "git_branch ran without a person");
    s.finish().await;
}

const DENY_FORCE_AND_BIG_TRANSFERS: &str = "[defaults]\nmode = \"allow\"\n\
[[rule]]\ntool = \"delete_branch\"\nwhen = { force = { equals = true } }\naction = \"deny\"\nreason = \"no forced deletes\"\n\
[[rule]]\ntool = \"transfer\"\nwhen = { amount = { min = 1000 } }\naction = \"deny\"\nreason = \"large transfers need the bank\"\n";

#[tokio::test]
async fn values_pydantic_coerces_are_judged_as_the_server_reads_them() {
    let state = tempfile::tempdir().unwrap();
    let record = state.path().join("ran.jsonl");
    // First, what the real SDK makes of these values when nothing stops them.
    let mut s = start(sdk_options(
        state.path(),
        &record,
        "[defaults]\nmode = \"allow\"\n",
    ));
    s.client.initialize(json!({})).await.unwrap();
    s.client.list_tools().await.unwrap();
    for force in [json!("true"), json!(1), json!("yes"), json!("on")] {
        let resp = s
            .client
            .call_tool("delete_branch", json!({"branch": "main", "force": force}))
            .await
            .unwrap();
        assert!(!is_error(&resp), "{resp}");
    }
    s.client
        .call_tool("transfer", json!({"amount": "5000", "to": "x"}))
        .await
        .unwrap();
    s.finish().await;
    let seen: Vec<Value> = ran(&record)
        .iter()
        .map(|r| {
            r["arguments"]
                .get("force")
                .or(r["arguments"].get("amount"))
                .cloned()
                .unwrap()
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            json!(true),
            json!(true),
            json!(true),
            json!(true),
            json!(5000)
        ]
    );
    std::fs::remove_file(&record).unwrap();

    // Then the same calls against rules written for the typed values.
    let mut s = start(sdk_options(
        state.path(),
        &record,
        DENY_FORCE_AND_BIG_TRANSFERS,
    ));
    s.client.initialize(json!({})).await.unwrap();
    s.client.list_tools().await.unwrap();
    for force in [json!("true"), json!(1), json!("yes"), json!("on")] {
        let resp = s
            .client
            .call_tool("delete_branch", json!({"branch": "main", "force": force}))
            .await
            .unwrap();
        assert!(is_error(&resp), "force {force}: {resp}");
    }
    let resp = s
        .client
        .call_tool("transfer", json!({"amount": "5000", "to": "x"}))
        .await
        .unwrap();
    assert!(is_error(&resp), "{resp}");
    // What the rules do not cover still runs.
    let resp = s
        .client
        .call_tool("delete_branch", json!({"branch": "old", "force": false}))
        .await
        .unwrap();
    assert!(!is_error(&resp), "{resp}");
    s.finish().await;
    let runs = ran(&record);
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["arguments"]["branch"], "old");
}
