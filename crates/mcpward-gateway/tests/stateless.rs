//! The 2026-07-28 revision through `mcpward run`: a client that never sends `initialize` gets
//! the decisions a 2025 client gets (deny, allow, a drifted tool refused), `server/discover`
//! feeds the pins as `initialize` does, and an approval is asked through an `input_required`
//! result whose `requestState` cannot be replayed, altered, used late, or used for another call.

mod common;

use common::{answer_elicitation, elicitation_capabilities, options, start};
use mcpward_gateway::proxy::RunOptions;
use mcpward_testkit::{is_error, is_input_required, response_text, testkit_server};
use serde_json::{Value, json};

const POLICY: &str = r#"
[defaults]
approval_timeout_secs = 30

[[rule]]
tool = "delete_note"
action = "deny"
reason = "notes are not deleted by the agent"

[[rule]]
tool = "read_note"
action = "allow"

[[rule]]
tool = ["save_note", "confirm_purge"]
action = "ask"
reason = "writes a note"
"#;

const APPROVE: fn() -> Value = || json!({"action": "accept", "content": {"approve": true}});

fn notes(state: &std::path::Path, policy: &str) -> RunOptions {
    let mut opts = options(testkit_server("stateless_notes"), Vec::new(), state);
    opts.server_name = "notes".into();
    opts.log_path = Some(state.join("audit.jsonl"));
    opts.policy = mcpward_policy::Policy::parse(policy, std::path::Path::new("policy.toml"))
        .expect("test policy");
    opts
}

fn log_events(state: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(state.join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// (tool, decision, approver) of every tool-call record, in order.
fn call_decisions(state: &std::path::Path) -> Vec<(String, String, Option<String>)> {
    log_events(state)
        .into_iter()
        .filter(|e| e["method"] == "tools/call")
        .map(|e| {
            (
                e["tool"].as_str().unwrap_or_default().to_owned(),
                e["decision"].as_str().unwrap_or_default().to_owned(),
                e["approver"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Era {
    Initialize2025,
    Stateless2026,
}

/// A session of the notes server with the client speaking `era`, declaring elicitation.
async fn session(opts: RunOptions, era: Era) -> common::Session {
    let mut s = start(opts);
    match era {
        Era::Initialize2025 => {
            s.client
                .initialize(elicitation_capabilities())
                .await
                .unwrap();
            answer_elicitation(&mut s.client, APPROVE());
        }
        Era::Stateless2026 => s.client.stateless(elicitation_capabilities()),
    }
    s
}

/// Asks for `save_note` and approves through whichever channel the era uses.
async fn approved_save(s: &mut common::Session, era: Era, args: Value) -> Value {
    let first = s.client.call_tool("save_note", args.clone()).await.unwrap();
    match era {
        Era::Initialize2025 => first,
        Era::Stateless2026 => {
            assert!(is_input_required(&first), "{first}");
            s.client
                .retry_tool("save_note", args, &first, APPROVE())
                .await
                .unwrap()
        }
    }
}

/// What a response decided, in words that do not depend on the channel.
fn outcome(resp: &Value) -> &'static str {
    let text = response_text(resp);
    if !is_error(resp) {
        "ran"
    } else if text.contains("changed since") {
        "drift refused"
    } else if text.contains("denied") {
        "denied"
    } else {
        "refused"
    }
}

/// The scenario, for one era: first use records the tools; read allowed, delete denied, save
/// asked and approved; then the server rug-pulls `save_note`, which is refused.
async fn scenario(era: Era) -> (Vec<&'static str>, Vec<(String, String, Option<String>)>) {
    let state = tempfile::tempdir().unwrap();
    let mut outcomes = Vec::new();
    let mut s = session(notes(state.path(), POLICY), era).await;
    // No tools/list from the client: mcpward's own listing must have checked the pins.
    let read = s
        .client
        .call_tool("read_note", json!({"path": "a.md"}))
        .await
        .unwrap();
    outcomes.push(outcome(&read));
    let delete = s
        .client
        .call_tool("delete_note", json!({"path": "a.md"}))
        .await
        .unwrap();
    outcomes.push(outcome(&delete));
    let save = approved_save(&mut s, era, json!({"path": "a.md", "text": "hi"})).await;
    outcomes.push(outcome(&save));
    s.finish().await;

    let mut pulled = notes(state.path(), POLICY);
    pulled.env = vec![("NOTES_VARIANT".into(), "pulled".into())];
    let mut s = session(pulled, era).await;
    let drifted = s
        .client
        .call_tool("save_note", json!({"path": "a.md", "text": "hi"}))
        .await
        .unwrap();
    outcomes.push(outcome(&drifted));
    s.finish().await;
    let decisions = call_decisions(state.path())
        .into_iter()
        .map(|(tool, decision, approver)| {
            // The channel that answered differs by era; who answered is compared below.
            let approver = approver.map(|a| {
                if a == "elicitation" || a.starts_with("input-required elicitation") {
                    "the client's elicitation".to_owned()
                } else {
                    a
                }
            });
            (tool, decision, approver)
        })
        .collect();
    (outcomes, decisions)
}

#[tokio::test]
async fn clients_of_2025_and_2026_get_the_same_decisions() {
    let (old, old_log) = scenario(Era::Initialize2025).await;
    let (new, new_log) = scenario(Era::Stateless2026).await;
    assert_eq!(old, ["ran", "denied", "ran", "drift refused"]);
    assert_eq!(new, old);
    assert_eq!(new_log, old_log);
}

#[tokio::test]
async fn a_2026_client_is_asked_through_input_required_and_the_server_never_sees_mcpwards_state() {
    let state = tempfile::tempdir().unwrap();
    let mut s = session(notes(state.path(), POLICY), Era::Stateless2026).await;
    let args = json!({"path": "notes/plan.md", "text": "hi"});
    let first = s.client.call_tool("save_note", args.clone()).await.unwrap();
    assert!(is_input_required(&first), "{first}");
    let requests = first["result"]["inputRequests"].as_object().unwrap();
    assert_eq!(requests.len(), 1);
    let (key, question) = requests.iter().next().unwrap();
    assert!(key.starts_with("mcpward-approval-"), "{key}");
    assert_eq!(question["method"], "elicitation/create");
    let message = question["params"]["message"].as_str().unwrap();
    for shown in [
        "save_note",
        "notes",
        "notes/plan.md",
        "writes a note",
        "rule #3",
    ] {
        assert!(message.contains(shown), "{shown} not in {message}");
    }
    assert_eq!(
        question["params"]["requestedSchema"]["required"],
        json!(["approve"])
    );
    let state_token = first["result"]["requestState"].as_str().unwrap();
    assert!(state_token.starts_with("mcpward-rs1."), "{state_token}");
    assert!(
        s.client.server_requests.is_empty(),
        "no request from the gateway to a 2026 client: {:?}",
        s.client.server_requests
    );

    let done = s
        .client
        .retry_tool("save_note", args.clone(), &first, APPROVE())
        .await
        .unwrap();
    let text = response_text(&done);
    assert!(text.starts_with("call 1: save_note ran"), "{done}");
    assert!(
        !text.contains("requestState")
            && !text.contains("inputResponses")
            && !text.contains("mcpward"),
        "the server saw what mcpward added: {text}"
    );
    s.finish().await;
    let decisions = call_decisions(state.path());
    assert_eq!(
        decisions,
        [
            ("save_note".into(), "ask".into(), None),
            (
                "save_note".into(),
                "ask-approved".into(),
                Some("input-required elicitation (client claimed)".into())
            )
        ]
    );
}

/// Asks for `save_note` with `args` and returns the `input_required` response.
async fn asked(s: &mut common::Session, args: &Value) -> Value {
    let first = s.client.call_tool("save_note", args.clone()).await.unwrap();
    assert!(is_input_required(&first), "{first}");
    first
}

fn refused_state(resp: &Value, why: &str) {
    assert_eq!(resp["error"]["code"], -32602, "{resp}");
    let msg = resp["error"]["message"].as_str().unwrap();
    assert!(msg.contains(why), "`{why}` not in: {msg}");
}

fn refusals_logged(state: &std::path::Path) -> usize {
    log_events(state)
        .iter()
        .filter(|e| e["method"] == "request-state-refused")
        .count()
}

#[tokio::test]
async fn requeststate_replay_refused() {
    let state = tempfile::tempdir().unwrap();
    let mut s = session(notes(state.path(), POLICY), Era::Stateless2026).await;
    let args = json!({"path": "a.md", "text": "once"});
    let first = asked(&mut s, &args).await;
    let done = s
        .client
        .retry_tool("save_note", args.clone(), &first, APPROVE())
        .await
        .unwrap();
    assert!(response_text(&done).starts_with("call 1:"), "{done}");
    let again = s
        .client
        .retry_tool("save_note", args.clone(), &first, APPROVE())
        .await
        .unwrap();
    refused_state(&again, "already used");
    s.finish().await;

    // A second gateway on the same state directory refuses it too.
    let mut s = session(notes(state.path(), POLICY), Era::Stateless2026).await;
    let elsewhere = s
        .client
        .retry_tool("save_note", args, &first, APPROVE())
        .await
        .unwrap();
    refused_state(&elsewhere, "already used");
    s.finish().await;
    assert_eq!(refusals_logged(state.path()), 2);
}

#[tokio::test]
async fn requeststate_altered_args_refused() {
    let state = tempfile::tempdir().unwrap();
    let mut s = session(notes(state.path(), POLICY), Era::Stateless2026).await;
    let first = asked(&mut s, &json!({"path": "drafts/a.md", "text": "hi"})).await;
    let swapped = s
        .client
        .retry_tool(
            "save_note",
            json!({"path": "../../.ssh/authorized_keys", "text": "hi"}),
            &first,
            APPROVE(),
        )
        .await
        .unwrap();
    refused_state(&swapped, "arguments differ");
    s.finish().await;
    assert_eq!(refusals_logged(state.path()), 1);
}

#[tokio::test]
async fn requeststate_altered_state_refused() {
    let state = tempfile::tempdir().unwrap();
    let mut s = session(notes(state.path(), POLICY), Era::Stateless2026).await;
    let args = json!({"path": "a.md", "text": "hi"});
    let mut first = asked(&mut s, &args).await;
    // One hex digit of the sealed claims changed.
    let token = first["result"]["requestState"].as_str().unwrap().to_owned();
    let at = "mcpward-rs1.".len() + 10;
    let flipped = if &token[at..=at] == "0" { "1" } else { "0" };
    first["result"]["requestState"] =
        json!(format!("{}{flipped}{}", &token[..at], &token[at + 1..]));
    let forged = s
        .client
        .retry_tool("save_note", args, &first, APPROVE())
        .await
        .unwrap();
    refused_state(&forged, "altered");
    s.finish().await;
}

#[tokio::test]
async fn requeststate_expired_refused() {
    let state = tempfile::tempdir().unwrap();
    let policy = POLICY.replace("approval_timeout_secs = 30", "approval_timeout_secs = 1");
    let mut s = session(notes(state.path(), &policy), Era::Stateless2026).await;
    let args = json!({"path": "a.md", "text": "late"});
    let first = asked(&mut s, &args).await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let late = s
        .client
        .retry_tool("save_note", args, &first, APPROVE())
        .await
        .unwrap();
    refused_state(&late, "expired");
    s.finish().await;
}

#[tokio::test]
async fn requeststate_other_tool_refused() {
    let state = tempfile::tempdir().unwrap();
    let mut s = session(notes(state.path(), POLICY), Era::Stateless2026).await;
    let args = json!({"path": "a.md", "text": "hi"});
    let first = asked(&mut s, &args).await;
    // The approval for saving a note, presented with a call that a rule would ask about too.
    let other = s
        .client
        .retry_tool("confirm_purge", json!({}), &first, APPROVE())
        .await
        .unwrap();
    refused_state(&other, "issued for tool `save_note`, not `confirm_purge`");
    // And with the tool the policy denies outright: still no further than the state check.
    let denied = s
        .client
        .retry_tool("delete_note", args, &first, APPROVE())
        .await
        .unwrap();
    refused_state(&denied, "already used");
    s.finish().await;
    assert_eq!(refusals_logged(state.path()), 2);
}

#[tokio::test]
async fn requeststate_other_server_refused() {
    let state = tempfile::tempdir().unwrap();
    let mut s = session(notes(state.path(), POLICY), Era::Stateless2026).await;
    let args = json!({"path": "a.md", "text": "hi"});
    let first = asked(&mut s, &args).await;
    s.finish().await;
    let mut other = notes(state.path(), POLICY);
    other.server_name = "mail".into();
    let mut s = session(other, Era::Stateless2026).await;
    let resp = s
        .client
        .retry_tool("save_note", args, &first, APPROVE())
        .await
        .unwrap();
    refused_state(&resp, "another server");
    s.finish().await;
}

#[tokio::test]
async fn a_declined_input_required_answer_runs_nothing() {
    let state = tempfile::tempdir().unwrap();
    let mut s = session(notes(state.path(), POLICY), Era::Stateless2026).await;
    let args = json!({"path": "a.md", "text": "hi"});
    let first = asked(&mut s, &args).await;
    let declined = s
        .client
        .retry_tool(
            "save_note",
            args.clone(),
            &first,
            json!({"action": "decline"}),
        )
        .await
        .unwrap();
    assert!(is_error(&declined), "{declined}");
    assert!(response_text(&declined).contains("declined"), "{declined}");
    // Nothing ran: the next call the server sees is its first.
    let read = s
        .client
        .call_tool("read_note", json!({"path": "a.md"}))
        .await
        .unwrap();
    assert!(response_text(&read).starts_with("call 1:"), "{read}");
    s.finish().await;
    assert_eq!(
        call_decisions(state.path())[1],
        (
            "save_note".into(),
            "ask-denied".into(),
            Some("input-required elicitation (client claimed)".into())
        )
    );
}

#[tokio::test]
async fn a_2026_client_without_elicitation_waits_in_the_queue() {
    let state = tempfile::tempdir().unwrap();
    let mut s = start(notes(state.path(), POLICY));
    s.client.stateless(json!({}));
    let answer = common::answer_queue(state.path(), true);
    let done = s
        .client
        .call_tool("save_note", json!({"path": "a.md", "text": "hi"}))
        .await
        .unwrap();
    assert_eq!(answer.join().unwrap(), "save_note");
    assert!(
        response_text(&done).starts_with("call 1: save_note ran"),
        "{done}"
    );
    s.finish().await;
}

#[tokio::test]
async fn the_servers_own_input_required_and_state_pass_through_mcpwards_question() {
    let state = tempfile::tempdir().unwrap();
    let mut s = session(notes(state.path(), POLICY), Era::Stateless2026).await;
    // mcpward asks first; the approved call reaches the server, which asks its own question.
    let first = s
        .client
        .call_tool("confirm_purge", json!({}))
        .await
        .unwrap();
    assert!(
        first["result"]["inputRequests"]
            .as_object()
            .unwrap()
            .keys()
            .all(|k| k.starts_with("mcpward-approval-"))
    );
    let servers = s
        .client
        .retry_tool("confirm_purge", json!({}), &first, APPROVE())
        .await
        .unwrap();
    assert!(is_input_required(&servers), "{servers}");
    assert_eq!(servers["result"]["requestState"], "server-state-1");
    assert!(servers["result"]["inputRequests"]["confirm"].is_object());
    // The client answers the server; the policy asks again, so mcpward asks again, keeping the
    // server's state and answer in its own, and gives them back on the approved retry.
    let server_answer = json!({"action": "accept", "content": {"sure": true}});
    let again = s
        .client
        .retry_tool("confirm_purge", json!({}), &servers, server_answer)
        .await
        .unwrap();
    assert!(is_input_required(&again), "{again}");
    assert!(
        again["result"]["requestState"]
            .as_str()
            .unwrap()
            .starts_with("mcpward-rs1.")
    );
    let done = s
        .client
        .retry_tool("confirm_purge", json!({}), &again, APPROVE())
        .await
        .unwrap();
    let text = response_text(&done);
    assert!(text.starts_with("call 2: confirm_purge ran"), "{done}");
    assert!(
        text.contains("\"requestState\":\"server-state-1\"")
            && text.contains("\"sure\":true")
            && !text.contains("mcpward"),
        "{text}"
    );
    s.finish().await;
}

#[tokio::test]
async fn server_discover_feeds_the_pins_like_initialize() {
    for era in [Era::Initialize2025, Era::Stateless2026] {
        let state = tempfile::tempdir().unwrap();
        for version in ["1.0.0", "6.6.6"] {
            let mut opts = notes(state.path(), POLICY);
            opts.env = vec![("NOTES_SERVER_VERSION".into(), version.into())];
            let mut s = session(opts, era).await;
            if era == Era::Stateless2026 {
                let found = s
                    .client
                    .request("server/discover", json!({}))
                    .await
                    .unwrap();
                assert_eq!(
                    found["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["version"],
                    version
                );
            }
            s.client.list_tools().await.unwrap();
            s.finish().await;
        }
        let drift: Vec<String> = log_events(state.path())
            .iter()
            .filter(|e| e["method"] == "pin-drift")
            .filter_map(|e| e["detail"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(drift.len(), 1, "{era:?}: {drift:?}");
        assert!(
            drift[0].contains("`testkit-notes` 6.6.6 (serverInfo)")
                && drift[0].contains("`testkit-notes` 1.0.0"),
            "{era:?}: {}",
            drift[0]
        );
        let record = std::fs::read_dir(state.path().join("first-use"))
            .unwrap()
            .flatten()
            .next()
            .map(|e| std::fs::read_to_string(e.path()).unwrap())
            .unwrap();
        let protocol = match era {
            Era::Initialize2025 => "2025-06-18",
            Era::Stateless2026 => "2026-07-28",
        };
        assert!(
            record.contains("name = \"testkit-notes\"") && record.contains(protocol),
            "{era:?}: {record}"
        );
    }
}

#[tokio::test]
async fn a_sampling_input_request_taints_the_session_like_a_sampling_request() {
    let state = tempfile::tempdir().unwrap();
    let policy = "[[rule]]\ntool = [\"save_note\", \"summarise\"]\naction = \"allow\"\n";
    let mut s = session(notes(state.path(), policy), Era::Stateless2026).await;
    let args = json!({"path": "a.md", "text": "hi"});
    let before = s.client.call_tool("save_note", args.clone()).await.unwrap();
    assert!(response_text(&before).starts_with("call 1:"), "{before}");
    // The server's text goes to the client's model: what the model does next may be its
    // instruction, so a write the policy allows is asked from now on.
    let sampling = s.client.call_tool("summarise", json!({})).await.unwrap();
    assert!(is_input_required(&sampling), "{sampling}");
    let after = s.client.call_tool("save_note", args).await.unwrap();
    assert!(is_input_required(&after), "{after}");
    s.finish().await;
}

#[tokio::test]
async fn roots_answered_in_input_responses_are_learnt_like_a_roots_list_answer() {
    let state = tempfile::tempdir().unwrap();
    let policy = "[[rule]]\ntool = \"index_roots\"\naction = \"allow\"\n";
    let mut s = session(notes(state.path(), policy), Era::Stateless2026).await;
    let root = state.path().join("project");
    std::fs::create_dir(&root).unwrap();
    let asked = s.client.call_tool("index_roots", json!({})).await.unwrap();
    assert!(is_input_required(&asked), "{asked}");
    let roots = json!({"roots": [{"uri": format!("file://{}", root.display())}]});
    let done = s
        .client
        .retry_tool("index_roots", json!({}), &asked, roots)
        .await
        .unwrap();
    assert!(response_text(&done).contains("index_roots ran"), "{done}");
    s.finish().await;
    let learnt: Vec<Value> = log_events(state.path())
        .into_iter()
        .filter(|e| e["method"] == "client-roots")
        .collect();
    assert_eq!(learnt.len(), 1, "{learnt:?}");
    assert!(learnt[0]["detail"].as_str().unwrap().contains("project"));
}
