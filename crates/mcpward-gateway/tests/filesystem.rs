//! End to end against the official filesystem server: curated reads pass, writes need a person
//! (both channels), a rule denies moves and hides the tool.

mod common;

use common::{
    answer_elicitation, answer_queue, answer_queue_with, elicitation_capabilities, options, start,
};
use mcpward_testkit::{ReferenceServer, is_error, reference_server, response_text};
use serde_json::json;

fn fs_options(
    root: &std::path::Path,
    state: &std::path::Path,
) -> mcpward_gateway::proxy::RunOptions {
    let (node, mut args) = reference_server(ReferenceServer::Filesystem);
    args.push(root.as_os_str().to_owned());
    let mut opts = options(node, args, state);
    opts.roots = vec![root.to_path_buf()];
    opts
}

#[tokio::test]
async fn curated_read_is_allowed_in_read_only_mode() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("hello.txt"), "hello from the test").unwrap();
    let mut s = start(fs_options(&root, &root.join(".state")));
    s.client.initialize(json!({})).await.unwrap();
    let tools = s.client.list_tools().await.unwrap();
    assert!(
        tools.iter().any(|t| t["name"] == "read_text_file"),
        "{tools:?}"
    );
    let resp = s
        .client
        .call_tool("read_text_file", json!({"path": root.join("hello.txt")}))
        .await
        .unwrap();
    assert!(!is_error(&resp), "{resp}");
    assert_eq!(response_text(&resp), "hello from the test");
    assert_eq!(s.finish().await, 0);
}

#[tokio::test]
async fn write_is_asked_and_refused_through_elicitation() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let mut s = start(fs_options(&root, &root.join(".state")));
    answer_elicitation(&mut s.client, json!({"action": "decline"}));
    s.client
        .initialize(elicitation_capabilities())
        .await
        .unwrap();
    s.client.list_tools().await.unwrap();
    let target = root.join("new.txt");
    let resp = s
        .client
        .call_tool("write_file", json!({"path": target, "content": "x"}))
        .await
        .unwrap();
    assert!(is_error(&resp), "{resp}");
    assert!(
        response_text(&resp).contains("the person declined"),
        "{resp}"
    );
    assert!(!target.exists(), "a refused write must not run");
    let asked = &s.client.server_requests;
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0]["method"], "elicitation/create");
    let message = asked[0]["params"]["message"].as_str().unwrap();
    assert!(
        message.contains("write_file") && message.contains("new.txt"),
        "{message}"
    );
    s.finish().await;
}

#[tokio::test]
async fn write_is_asked_and_approved_through_elicitation() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let mut s = start(fs_options(&root, &root.join(".state")));
    answer_elicitation(
        &mut s.client,
        json!({"action": "accept", "content": {"approve": true}}),
    );
    s.client
        .initialize(elicitation_capabilities())
        .await
        .unwrap();
    s.client.list_tools().await.unwrap();
    let target = root.join("approved.txt");
    let resp = s
        .client
        .call_tool("write_file", json!({"path": target, "content": "approved"}))
        .await
        .unwrap();
    assert!(!is_error(&resp), "{resp}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "approved");
    s.finish().await;
}

#[tokio::test]
async fn write_is_approved_through_the_queue_when_client_cannot_elicit() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let state = tempfile::tempdir().unwrap();
    let mut opts = fs_options(&root, state.path());
    let log = state.path().join("audit.jsonl");
    opts.log_path = Some(log.clone());
    let mut s = start(opts);
    s.client.initialize(json!({})).await.unwrap();
    s.client.list_tools().await.unwrap();
    let approver = answer_queue(state.path(), true);
    let target = root.join("queued.txt");
    let resp = s
        .client
        .call_tool("write_file", json!({"path": target, "content": "queued"}))
        .await
        .unwrap();
    assert_eq!(approver.join().unwrap(), "write_file");
    assert!(!is_error(&resp), "{resp}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "queued");
    // The waiting call was announced to the client as an MCP log message naming the command.
    let notice = s
        .client
        .notifications
        .iter()
        .find(|n| n["method"] == "notifications/message" && n["params"]["logger"] == "mcpward")
        .unwrap_or_else(|| {
            panic!(
                "no notice of the waiting call: {:?}",
                s.client.notifications
            )
        });
    let text = notice["params"]["data"].as_str().unwrap();
    assert!(
        text.contains("mcpward approve") && text.contains("write_file"),
        "{text}"
    );
    s.finish().await;
    // The log names the channel and what the gateway saw, not a person it cannot know.
    let filter = mcpward_gateway::chain::Filter {
        decision: Some("ask-approved".into()),
        ..Default::default()
    };
    let records = mcpward_gateway::chain::read(&log, &filter).unwrap();
    let approver = records[0].approver.as_deref().unwrap_or_default();
    assert!(
        approver.starts_with("queue (uid ") && approver.ends_with("no terminal: --no-tty)"),
        "{approver}"
    );
}

#[tokio::test]
async fn write_is_refused_through_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let state = tempfile::tempdir().unwrap();
    let mut s = start(fs_options(&root, state.path()));
    s.client.initialize(json!({})).await.unwrap();
    let approver = answer_queue(state.path(), false);
    let target = root.join("refused.txt");
    let resp = s
        .client
        .call_tool("write_file", json!({"path": target, "content": "no"}))
        .await
        .unwrap();
    approver.join().unwrap();
    assert!(is_error(&resp), "{resp}");
    assert!(response_text(&resp).contains("denied it"), "{resp}");
    assert!(!target.exists());
    s.finish().await;
}

#[tokio::test]
async fn rule_denies_move_and_hides_it_from_tools_list() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("a.txt"), "a").unwrap();
    let policy_path = root.join("policy.toml");
    std::fs::write(
        &policy_path,
        "[[rule]]\nserver = \"filesystem\"\ntool = \"move_file\"\naction = \"deny\"\nreason = \"moves lose history\"\n",
    )
    .unwrap();
    let mut opts = fs_options(&root, &root.join(".state"));
    opts.policy = mcpward_policy::Policy::load(&policy_path).unwrap();
    opts.policy_file = Some("policy.toml".into());
    let mut s = start(opts);
    s.client.initialize(json!({})).await.unwrap();
    let tools = s.client.list_tools().await.unwrap();
    assert!(
        !tools.iter().any(|t| t["name"] == "move_file"),
        "denied tool must be hidden"
    );
    assert!(tools.iter().any(|t| t["name"] == "read_text_file"));
    let resp = s
        .client
        .call_tool(
            "move_file",
            json!({"source": root.join("a.txt"), "destination": root.join("b.txt")}),
        )
        .await
        .unwrap();
    assert!(is_error(&resp));
    let text = response_text(&resp);
    assert!(root.join("a.txt").exists() && !root.join("b.txt").exists());
    let text = text.replace(&root.display().to_string(), "<root>");
    insta::assert_snapshot!(text, @"mcpward denied `move_file` on server `filesystem`: moves lose history (decided by rule #1 (policy.toml:1)). To allow it, change or remove that rule at policy.toml:1 (check with `mcpward policy explain`).");
    s.finish().await;
}

#[cfg(unix)]
#[tokio::test]
async fn symlink_inside_an_allowed_directory_is_judged_by_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("id_rsa"), "PRIVATE").unwrap();
    std::fs::create_dir(root.join("src")).unwrap();
    std::fs::write(root.join("src/main.rs"), "fn main() {}").unwrap();
    std::os::unix::fs::symlink(outside.path(), root.join("src/notes")).unwrap();
    let policy_path = root.join("policy.toml");
    std::fs::write(
        &policy_path,
        "[defaults]\nmode = \"allow\"\n\n[[rule]]\ntool = \"read_text_file\"\nwhen = { path = \"src/**\" }\naction = \"allow\"\n\n[[rule]]\ntool = \"read_text_file\"\naction = \"deny\"\nreason = \"only sources may be read\"\n",
    )
    .unwrap();
    let mut opts = fs_options(&root, &root.join(".state"));
    opts.policy = mcpward_policy::Policy::load(&policy_path).unwrap();
    let mut s = start(opts);
    s.client.initialize(json!({})).await.unwrap();
    s.client.list_tools().await.unwrap();
    let ok = s
        .client
        .call_tool("read_text_file", json!({"path": "src/main.rs"}))
        .await
        .unwrap();
    assert!(!response_text(&ok).contains("mcpward denied"), "{ok}");
    // Lexically under src/, really outside the root: the second rule decides.
    let resp = s
        .client
        .call_tool("read_text_file", json!({"path": "src/notes/id_rsa"}))
        .await
        .unwrap();
    assert!(is_error(&resp), "{resp}");
    let text = response_text(&resp);
    assert!(text.contains("only sources may be read"), "{text}");
    assert!(!text.contains("PRIVATE"), "{text}");
    s.finish().await;
}

#[tokio::test]
async fn other_calls_flow_while_one_waits_for_approval() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("r.txt"), "readable").unwrap();
    let state = tempfile::tempdir().unwrap();
    let mut s = start(fs_options(&root, state.path()));
    s.client.initialize(json!({})).await.unwrap();
    s.client.list_tools().await.unwrap();
    let write_id = s
        .client
        .send_request(
            "tools/call",
            json!({"name": "write_file", "arguments": {"path": root.join("w.txt"), "content": "w"}}),
        )
        .await
        .unwrap();
    // The write now waits in the queue; a read sent after it is answered first.
    let read = s
        .client
        .call_tool("read_text_file", json!({"path": root.join("r.txt")}))
        .await
        .unwrap();
    assert_eq!(response_text(&read), "readable");
    assert!(!root.join("w.txt").exists());
    let approver = answer_queue(state.path(), true);
    let write = s.client.wait_for(&write_id).await.unwrap();
    approver.join().unwrap();
    assert!(!is_error(&write), "{write}");
    assert_eq!(std::fs::read_to_string(root.join("w.txt")).unwrap(), "w");
    s.finish().await;
}

#[tokio::test]
async fn unanswered_elicitation_times_out_refuses_and_is_cancelled_at_the_client() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let mut opts = fs_options(&root, &root.join(".state"));
    opts.policy.defaults.approval_timeout_secs = 1;
    let mut s = start(opts);
    s.client.ignore_server_requests = true;
    s.client
        .initialize(elicitation_capabilities())
        .await
        .unwrap();
    s.client.list_tools().await.unwrap();
    let target = root.join("late.txt");
    let resp = s
        .client
        .call_tool("write_file", json!({"path": target, "content": "x"}))
        .await
        .unwrap();
    assert!(is_error(&resp), "{resp}");
    assert!(response_text(&resp).contains("within 1 s"), "{resp}");
    assert!(!target.exists());
    let asked = s.client.server_requests[0]["id"].clone();
    let cancelled = s
        .client
        .notifications
        .iter()
        .find(|n| n["method"] == "notifications/cancelled")
        .unwrap_or_else(|| panic!("no cancellation: {:?}", s.client.notifications));
    assert_eq!(cancelled["params"]["requestId"], asked);
    s.finish().await;
}

#[tokio::test]
async fn call_cancelled_while_waiting_is_withdrawn_from_the_queue_and_never_run() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let state = tempfile::tempdir().unwrap();
    let mut s = start(fs_options(&root, state.path()));
    s.client.initialize(json!({})).await.unwrap();
    s.client.list_tools().await.unwrap();
    let target = root.join("cancelled.txt");
    let id = s
        .client
        .send_request(
            "tools/call",
            json!({"name": "write_file", "arguments": {"path": target, "content": "x"}}),
        )
        .await
        .unwrap();
    let queued = wait_for_pending(state.path()).await;
    s.client
        .notify(
            "notifications/cancelled",
            json!({"requestId": id, "reason": "user hit stop"}),
        )
        .await
        .unwrap();
    // The request leaves the queue, so a late approval has nothing to approve.
    let mut gone = false;
    for _ in 0..200 {
        if mcpward_gateway::queue::pending(state.path())
            .unwrap()
            .is_empty()
        {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(gone, "cancelled request still listed");
    assert!(
        mcpward_gateway::queue::approve(
            state.path(),
            &queued,
            mcpward_gateway::queue::ApprovalScope::Once,
            mcpward_gateway::queue::AnswerSource::Script,
        )
        .is_err()
    );
    // A later call is answered; the cancelled one never is, and never ran.
    let list = s.client.request("tools/list", json!({})).await.unwrap();
    assert!(list.get("result").is_some());
    s.client.timeout = std::time::Duration::from_millis(500);
    assert!(s.client.wait_for(&id).await.is_err());
    assert!(!target.exists());
    s.finish().await;
}

/// Id of the first request that appears in the approval queue.
async fn wait_for_pending(state: &std::path::Path) -> String {
    for _ in 0..400 {
        if let Some(req) = mcpward_gateway::queue::pending(state).unwrap().first() {
            return req.id.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no approval request appeared in the queue");
}

#[tokio::test]
async fn queue_approval_for_the_session_covers_later_calls_of_that_tool() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let state = tempfile::tempdir().unwrap();
    let mut s = start(fs_options(&root, state.path()));
    s.client.initialize(json!({})).await.unwrap();
    s.client.list_tools().await.unwrap();
    let approver = answer_queue_with(
        state.path(),
        Some(mcpward_gateway::queue::ApprovalScope::Session),
    );
    for name in ["one.txt", "two.txt"] {
        let resp = s
            .client
            .call_tool(
                "write_file",
                json!({"path": root.join(name), "content": name}),
            )
            .await
            .unwrap();
        assert!(!is_error(&resp), "{resp}");
    }
    approver.join().unwrap();
    assert!(
        mcpward_gateway::queue::pending(state.path())
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        std::fs::read_to_string(root.join("two.txt")).unwrap(),
        "two.txt"
    );
    s.finish().await;
}

#[tokio::test]
async fn relative_deny_glob_holds_under_roots_the_client_declares() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().canonicalize().unwrap();
    let launch_root = base.join("launch");
    // The client narrows the server to one project inside what it was started with.
    let client_root = launch_root.join("client");
    std::fs::create_dir_all(&launch_root).unwrap();
    std::fs::create_dir_all(&client_root).unwrap();
    let mut opts = fs_options(&launch_root, &base.join(".state"));
    opts.policy = mcpward_policy::Policy::parse(
        "[defaults]\nmode = \"allow\"\n[[rule]]\ntool = \"write_file\"\nwhen = { path = \"**/.env\" }\naction = \"deny\"\nreason = \"no env files\"\n",
        std::path::Path::new("policy.toml"),
    )
    .unwrap();
    let mut s = start(opts);
    initialize_with_client_root(&mut s, &client_root).await;
    let target = client_root.join(".env");
    let resp = s
        .client
        .call_tool("write_file", json!({"path": target, "content": "TOKEN=x"}))
        .await
        .unwrap();
    assert!(is_error(&resp), "{resp}");
    assert!(response_text(&resp).contains("no env files"), "{resp}");
    assert!(!target.exists(), "the denied write ran");
    // Another file under the client's root is written.
    let fine = client_root.join("notes.txt");
    let resp = s
        .client
        .call_tool("write_file", json!({"path": fine, "content": "ok"}))
        .await
        .unwrap();
    assert!(!is_error(&resp), "{resp}");
    assert!(fine.exists());
    s.finish().await;
}

#[tokio::test]
async fn directory_swapped_for_a_link_while_the_person_decides_is_refused_after_approval() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("notes")).unwrap();
    std::fs::create_dir_all(root.join("secret")).unwrap();
    let mut opts = fs_options(&root, &root.join(".state"));
    opts.policy = mcpward_policy::Policy::parse(
        "[defaults]\nmode = \"allow\"\napproval_timeout_secs = 20\n\
         [[rule]]\ntool = \"write_file\"\nwhen = { path = \"secret/**\" }\naction = \"deny\"\nreason = \"never in secret\"\n\
         [[rule]]\ntool = \"write_file\"\nwhen = { path = \"notes/**\" }\naction = \"ask\"\nreason = \"notes need a look\"\n",
        std::path::Path::new("policy.toml"),
    )
    .unwrap();
    let mut s = start(opts);
    s.client.initialize(json!({})).await.unwrap();
    s.client.list_tools().await.unwrap();
    let swap_root = root.clone();
    let answer = common::answer_queue_after(
        &root.join(".state"),
        Some(mcpward_gateway::queue::ApprovalScope::Once),
        Box::new(move || {
            // The person reads "notes/todo.txt"; meanwhile notes/ becomes a link to secret/.
            std::fs::remove_dir(swap_root.join("notes")).unwrap();
            std::os::unix::fs::symlink(swap_root.join("secret"), swap_root.join("notes")).unwrap();
        }),
    );
    let resp = s
        .client
        .call_tool(
            "write_file",
            json!({"path": root.join("notes/todo.txt"), "content": "x"}),
        )
        .await
        .unwrap();
    answer.join().unwrap();
    assert!(is_error(&resp), "{resp}");
    assert!(
        response_text(&resp).contains("changed while waiting"),
        "{resp}"
    );
    assert!(
        !root.join("secret/todo.txt").exists(),
        "the approved write was redirected into the denied directory"
    );
    s.finish().await;
}

#[tokio::test]
async fn session_approval_does_not_cover_a_call_a_sharper_ask_rule_governs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("deploy")).unwrap();
    let mut opts = fs_options(&root, &root.join(".state"));
    opts.policy = mcpward_policy::Policy::parse(
        "[defaults]\nmode = \"allow\"\napproval_timeout_secs = 1\n\
         [[rule]]\ntool = \"write_file\"\nwhen = { path = \"deploy/**\" }\naction = \"ask\"\nreason = \"deploy scripts run in production\"\n\
         [[rule]]\ntool = \"write_file\"\naction = \"ask\"\nreason = \"writes need a look\"\n",
        std::path::Path::new("policy.toml"),
    )
    .unwrap();
    let mut s = start(opts);
    s.client.initialize(json!({})).await.unwrap();
    s.client.list_tools().await.unwrap();
    let answer = answer_queue_with(
        &root.join(".state"),
        Some(mcpward_gateway::queue::ApprovalScope::Session),
    );
    let resp = s
        .client
        .call_tool(
            "write_file",
            json!({"path": root.join("notes.txt"), "content": "x"}),
        )
        .await
        .unwrap();
    answer.join().unwrap();
    assert!(!is_error(&resp), "{resp}");
    // Covered by the session approval: the same rule asks.
    let resp = s
        .client
        .call_tool(
            "write_file",
            json!({"path": root.join("more.txt"), "content": "y"}),
        )
        .await
        .unwrap();
    assert!(!is_error(&resp), "{resp}");
    // Not covered: the deploy rule asks a different question, and nobody answers it.
    let target = root.join("deploy/run.sh");
    let resp = s
        .client
        .call_tool("write_file", json!({"path": target, "content": "rm -rf /"}))
        .await
        .unwrap();
    assert!(is_error(&resp), "{resp}");
    assert!(!target.exists());
    s.finish().await;
}

#[tokio::test]
async fn client_roots_narrow_but_never_widen_the_filesystem_servers_directories() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().canonicalize().unwrap();
    let launch_root = base.join("launch");
    let elsewhere = base.join("elsewhere");
    std::fs::create_dir_all(&launch_root).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    let mut opts = fs_options(&launch_root, &base.join(".state"));
    opts.policy = mcpward_policy::Policy::parse(
        "[defaults]\nmode = \"allow\"\n",
        std::path::Path::new("policy.toml"),
    )
    .unwrap();
    let mut s = start(opts);
    // A client (or whoever answers roots/list) names a directory the server was never given.
    initialize_with_client_root(&mut s, &elsewhere).await;
    // The server itself would now write there; the path guard does not let it.
    let target = elsewhere.join("planted.txt");
    let resp = s
        .client
        .call_tool("write_file", json!({"path": target, "content": "x"}))
        .await
        .unwrap();
    assert!(is_error(&resp), "{resp}");
    assert!(response_text(&resp).contains("path guard"), "{resp}");
    assert!(!target.exists());
    s.finish().await;
}

/// Initializes as a client that declares `roots` and answers `roots/list` with `root`, and waits
/// until the server has replaced its directories with it.
async fn initialize_with_client_root(s: &mut common::Session, root: &std::path::Path) {
    let uri = format!("file://{}", root.display());
    s.client.on_server_request(Box::new(move |method, _params| {
        if method == "roots/list" {
            Ok(json!({"roots": [{"uri": uri, "name": "project"}]}))
        } else {
            Err((-32601, format!("no handler for {method}")))
        }
    }));
    s.client.initialize(json!({"roots": {}})).await.unwrap();
    for _ in 0..100 {
        let resp = s
            .client
            .call_tool("list_allowed_directories", json!({}))
            .await
            .unwrap();
        if response_text(&resp).contains(root.to_str().unwrap()) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the server never took the client's roots");
}

/// A read's record is built and queued after the call is forwarded (it needs no fsync): every
/// call still gets its record, with the digest of its arguments, and the log verifies.
#[tokio::test]
async fn reads_forwarded_before_their_record_is_built_are_all_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("hello.txt"), "hello").unwrap();
    let log = root.join("audit.jsonl");
    let mut opts = fs_options(&root, &root.join(".state"));
    opts.log_path = Some(log.clone());
    let mut s = start(opts);
    s.client.initialize(json!({})).await.unwrap();
    s.client.list_tools().await.unwrap();
    let args = json!({"path": root.join("hello.txt")});
    for _ in 0..20 {
        let resp = s
            .client
            .call_tool("read_text_file", args.clone())
            .await
            .unwrap();
        assert_eq!(response_text(&resp), "hello");
    }
    assert_eq!(s.finish().await, 0);
    let calls: Vec<_> = mcpward_gateway::chain::read(&log, &Default::default())
        .unwrap()
        .into_iter()
        .filter(|r| r.tool.as_deref() == Some("read_text_file"))
        .collect();
    assert_eq!(calls.len(), 20);
    let digest = mcpward_gateway::chain::args_digest(&args);
    for rec in &calls {
        assert_eq!(rec.decision, "allow");
        assert_eq!(rec.args_digest.as_deref(), Some(digest.as_str()));
    }
    assert!(mcpward_gateway::chain::verify(&log).unwrap().is_intact());
}
