//! End to end against the official `everything` and `memory` servers: server→client requests
//! (sampling, elicitation), progress notifications and resources pass through untouched;
//! session approvals hold for the rest of the session.

mod common;

use common::{answer_elicitation, elicitation_capabilities, options, start};
use mcpward_testkit::{ReferenceServer, is_error, reference_server, response_text};
use serde_json::json;

fn everything(state: &std::path::Path) -> mcpward_gateway::proxy::RunOptions {
    let (node, args) = reference_server(ReferenceServer::Everything);
    let mut opts = options(node, args, state);
    let mut policy = String::new();
    for tool in [
        "trigger-sampling-request",
        "trigger-elicitation-request",
        "trigger-long-running-operation",
    ] {
        policy.push_str(&format!(
            "[[rule]]\nserver = \"everything\"\ntool = \"{tool}\"\naction = \"allow\"\n\n"
        ));
    }
    opts.policy =
        mcpward_policy::Policy::parse(&policy, std::path::Path::new("policy.toml")).unwrap();
    opts
}

#[tokio::test]
async fn sampling_request_from_server_reaches_client_and_answer_returns() {
    let state = tempfile::tempdir().unwrap();
    let mut s = start(everything(state.path()));
    s.client
        .on_server_request(Box::new(|method, _| match method {
            "sampling/createMessage" => Ok(json!({
                "role": "assistant",
                "content": {"type": "text", "text": "sampled by the test client"},
                "model": "test-model",
                "stopReason": "endTurn"
            })),
            other => Err((-32601, format!("unexpected {other}"))),
        }));
    s.client.initialize(json!({"sampling": {}})).await.unwrap();
    s.client.list_tools().await.unwrap();
    let resp = s
        .client
        .call_tool(
            "trigger-sampling-request",
            json!({"prompt": "hi", "maxTokens": 10}),
        )
        .await
        .unwrap();
    assert!(!is_error(&resp), "{resp}");
    assert!(
        response_text(&resp).contains("sampled by the test client"),
        "{resp}"
    );
    assert!(
        s.client
            .server_requests
            .iter()
            .any(|r| r["method"] == "sampling/createMessage")
    );
    s.finish().await;
}

#[tokio::test]
async fn elicitation_request_from_server_reaches_client_and_answer_returns() {
    let state = tempfile::tempdir().unwrap();
    let mut s = start(everything(state.path()));
    answer_elicitation(
        &mut s.client,
        json!({"action": "accept", "content": {"name": "Ada Lovelace", "check": true}}),
    );
    s.client
        .initialize(elicitation_capabilities())
        .await
        .unwrap();
    s.client.list_tools().await.unwrap();
    let resp = s
        .client
        .call_tool("trigger-elicitation-request", json!({}))
        .await
        .unwrap();
    assert!(!is_error(&resp), "{resp}");
    assert!(response_text(&resp).contains("Ada Lovelace"), "{resp}");
    assert_eq!(
        s.client.server_requests.len(),
        1,
        "only the server's own elicitation"
    );
    s.finish().await;
}

#[tokio::test]
async fn progress_notifications_pass_through() {
    let state = tempfile::tempdir().unwrap();
    let mut s = start(everything(state.path()));
    s.client.initialize(json!({})).await.unwrap();
    s.client.list_tools().await.unwrap();
    let resp = s
        .client
        .request(
            "tools/call",
            json!({
                "name": "trigger-long-running-operation",
                "arguments": {"duration": 0.3, "steps": 3},
                "_meta": {"progressToken": "p-1"}
            }),
        )
        .await
        .unwrap();
    assert!(!is_error(&resp), "{resp}");
    let progress: Vec<_> = s
        .client
        .notifications
        .iter()
        .filter(|n| n["method"] == "notifications/progress")
        .collect();
    assert_eq!(progress.len(), 3, "{progress:?}");
    assert_eq!(progress[0]["params"]["progressToken"], "p-1");
    s.finish().await;
}

#[tokio::test]
async fn resources_list_and_read_pass_through() {
    let state = tempfile::tempdir().unwrap();
    let mut s = start(everything(state.path()));
    s.client.initialize(json!({})).await.unwrap();
    let list = s.client.request("resources/list", json!({})).await.unwrap();
    let uri = list["result"]["resources"][0]["uri"]
        .as_str()
        .unwrap_or_else(|| panic!("no resources: {list}"))
        .to_owned();
    let read = s
        .client
        .request("resources/read", json!({"uri": uri}))
        .await
        .unwrap();
    assert_eq!(read["result"]["contents"][0]["uri"], uri, "{read}");
    s.finish().await;
}

#[tokio::test]
async fn memory_write_approved_for_session_is_not_asked_again() {
    let state = tempfile::tempdir().unwrap();
    let (node, args) = reference_server(ReferenceServer::Memory);
    let mut opts = options(node, args, state.path());
    opts.env = vec![(
        "MEMORY_FILE_PATH".into(),
        state.path().join("memory.jsonl").display().to_string(),
    )];
    let mut s = start(opts);
    answer_elicitation(
        &mut s.client,
        json!({"action": "accept", "content": {"approve": true, "remember": true}}),
    );
    s.client
        .initialize(elicitation_capabilities())
        .await
        .unwrap();
    s.client.list_tools().await.unwrap();
    for name in ["ada", "grace"] {
        let resp = s
            .client
            .call_tool(
                "create_entities",
                json!({"entities": [{"name": name, "entityType": "person", "observations": []}]}),
            )
            .await
            .unwrap();
        assert!(!is_error(&resp), "{resp}");
    }
    assert_eq!(
        s.client.server_requests.len(),
        1,
        "approved once for the session"
    );
    let graph = s.client.call_tool("read_graph", json!({})).await.unwrap();
    assert!(response_text(&graph).contains("grace"), "{graph}");
    assert_eq!(
        s.client.server_requests.len(),
        1,
        "curated read is not asked"
    );
    s.finish().await;
}
