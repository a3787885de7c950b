//! Two `mcpward serve` instances behind nginx (round robin, no sticky sessions) in front of the
//! official everything server in Streamable HTTP mode, sharing one state directory: decisions,
//! approvals, replay protection, redaction and the audit trail hold whichever instance a request
//! lands on.

#[path = "support/serve.rs"]
mod serve;

use std::path::Path;

use serde_json::{Value, json};
use serve::{Client2025, Client2026, Instance, Nginx};

fn write_config(dir: &Path, upstream: &str, nginx_port: u16) -> std::path::PathBuf {
    let policy = dir.join("everything.policy.toml");
    std::fs::write(
        &policy,
        r#"
[defaults]
mode = "allow"

[[rule]]
tool = "get-env"
action = "deny"
reason = "the environment holds credentials"

[[rule]]
tool = "get-sum"
action = "ask"
reason = "sums need a person"
"#,
    )
    .unwrap();
    let config = dir.join("serve.toml");
    std::fs::write(
        &config,
        format!(
            r#"
state_dir = "state"

[listen]
allowed_hosts = ["127.0.0.1:{nginx_port}"]
timeout_secs = 20

[[route]]
name = "everything"
url = "{upstream}"
policy = "everything.policy.toml"
secrets = {{ ECHOED_TOKEN = "env:SERVE_TEST_TOKEN" }}
"#
        ),
    )
    .unwrap();
    config
}

fn is_denial(resp: &Value) -> bool {
    resp["result"]["isError"] == json!(true)
        && mcpward_testkit::response_text(resp).contains("mcpward denied `get-env`")
}

#[test]
fn two_instances_behind_nginx_share_decisions_approvals_and_replay_protection() {
    let Some(nginx_bin) = serve::nginx_binary() else {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "notice: load-balancer test skipped (MCPWARD_SKIP_NGINX=1): nginx is not installed"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_upstream_proc, upstream) = serve::everything_server();
    // The proxy's port is fixed before the instances start: they accept its Host.
    let nginx_port = serve::free_port();
    let config = write_config(dir.path(), &upstream, nginx_port);
    let token = mcpward_testkit::fake_github_token();
    let env = [("SERVE_TEST_TOKEN", token.as_str())];
    let mut a = Instance::start(&config, &dir.path().join("a.jsonl"), &env);
    let mut b = Instance::start(&config, &dir.path().join("b.jsonl"), &env);
    let nginx = Nginx::start_on(&nginx_bin, dir.path(), nginx_port, &[a.port(), b.port()]);
    let route = "everything";

    // A denied call is denied on each instance and through the balancer (both upstreams).
    let mut c26 = Client2026::new();
    for url in [
        a.url(route),
        b.url(route),
        nginx.url(route),
        nginx.url(route),
    ] {
        let resp = c26.call(&url, "get-env", json!({}));
        assert!(is_denial(&resp), "{url}: {resp}");
    }
    // So it is for a 2025 client, whose session (sealed, issued by one instance) is accepted by
    // whichever instance the balancer picks.
    let mut c25 = Client2025::initialize(&nginx.url(route), json!({}));
    for _ in 0..2 {
        let resp = c25.call(&nginx.url(route), "get-env", json!({}));
        assert!(is_denial(&resp), "{resp}");
        let ok = c25.call(&nginx.url(route), "echo", json!({"message": "hi"}));
        assert_eq!(mcpward_testkit::response_text(&ok), "Echo: hi", "{ok}");
    }
    for url in [a.url(route), b.url(route)] {
        let resp = c25.call(&url, "get-env", json!({}));
        assert!(is_denial(&resp), "{url}: {resp}");
    }

    // A 2025 client's call waits in the shared approval queue, and `mcpward approve` answers it
    // from the shared state directory, whichever instance holds the call.
    let state = dir.path().join("state");
    let waiting_url = nginx.url(route);
    let mut waiting_client = Client2025::initialize(&waiting_url, json!({}));
    let waiting = std::thread::spawn(move || {
        waiting_client.call(&waiting_url, "get-sum", json!({"a": 20, "b": 22}))
    });
    let id = serve::pending_approval(&state);
    let approved = std::process::Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .args(["approve", &id, "--no-tty", "--state-dir"])
        .arg(&state)
        .output()
        .unwrap();
    assert!(approved.status.success(), "{approved:?}");
    let answered = waiting.join().unwrap();
    assert!(
        mcpward_testkit::response_text(&answered).contains("42"),
        "{answered}"
    );

    // An approval asked by instance A is completed through instance B.
    let args = json!({"a": 2, "b": 3});
    let asked = c26.call(&a.url(route), "get-sum", args.clone());
    assert!(mcpward_testkit::is_input_required(&asked), "{asked}");
    let approve = json!({"action": "accept", "content": {"approve": true}});
    let done = c26.retry(
        &b.url(route),
        "get-sum",
        args.clone(),
        &asked,
        approve.clone(),
    );
    assert!(
        mcpward_testkit::response_text(&done).contains('5'),
        "approved on B: {done}"
    );
    // The state answered one call: shown again to either instance, it is refused.
    for url in [a.url(route), b.url(route), nginx.url(route)] {
        let replay = c26.retry(&url, "get-sum", args.clone(), &asked, approve.clone());
        assert_eq!(replay["error"]["code"], json!(-32602), "{url}: {replay}");
        assert!(
            mcpward_testkit::response_text(&replay).contains("already used"),
            "{url}: {replay}"
        );
    }

    // "For the rest of the session" covers the one call: a route's session carries every
    // client, so a session approval would approve the tool for all of them.
    let one = json!({"a": 1, "b": 1});
    let asked = c26.call(&b.url(route), "get-sum", one.clone());
    let remember = json!({"action": "accept", "content": {"approve": true, "remember": true}});
    let done = c26.retry(&b.url(route), "get-sum", one.clone(), &asked, remember);
    assert!(
        mcpward_testkit::response_text(&done).contains('2'),
        "{done}"
    );
    let again = c26.call(&b.url(route), "get-sum", one);
    assert!(mcpward_testkit::is_input_required(&again), "{again}");

    // A secret the server echoes is masked, through either instance.
    for url in [a.url(route), b.url(route), nginx.url(route)] {
        let echoed = c26.call(&url, "echo", json!({"message": format!("token {token}")}));
        let text = mcpward_testkit::response_text(&echoed);
        assert!(!text.contains(&token), "{url}: {text}");
        assert!(text.starts_with("Echo: token ghp_"), "{url}: {text}");
    }

    // The audit trail: each instance's log verifies, and holds its side of the story.
    drop(nginx);
    assert!(a.proc.terminate().success());
    assert!(b.proc.terminate().success());
    serve::assert_log_verifies(&a.log);
    serve::assert_log_verifies(&b.log);
    let decisions = |log: &Path| -> Vec<(String, String)> {
        serve::records(log)
            .iter()
            .filter(|r| r["method"] == "tools/call" || r["method"] == "request-state-refused")
            .map(|r| {
                (
                    r["tool"].as_str().unwrap_or("").to_owned(),
                    r["decision"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    };
    let (on_a, on_b) = (decisions(&a.log), decisions(&b.log));
    let has = |d: &[(String, String)], tool: &str, decision: &str| {
        d.iter().any(|(t, x)| t == tool && x == decision)
    };
    assert!(has(&on_a, "get-env", "deny") && has(&on_b, "get-env", "deny"));
    assert!(has(&on_a, "get-sum", "ask"), "{on_a:?}");
    assert!(has(&on_b, "get-sum", "ask-approved"), "{on_b:?}");
    assert!(
        has(&on_a, "get-sum", "event") && has(&on_b, "get-sum", "event"),
        "replays refused on both: {on_a:?} {on_b:?}"
    );
    assert!(
        serve::records(&a.log)
            .iter()
            .chain(serve::records(&b.log).iter())
            .all(|r| !r.to_string().contains(&token)),
        "the token reached an audit log"
    );
}
