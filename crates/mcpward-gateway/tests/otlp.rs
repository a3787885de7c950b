//! Export of the audit log to an OpenTelemetry collector, end to end: the gateway in front of
//! the notes server, exporting to the testkit's OTLP/HTTP collector (a real process on
//! loopback). Every local record arrives as it is in the file; a collector that is down, failing
//! or slow costs the calls nothing and the local log nothing.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Session, options, start};
use mcpward_gateway::chain::{self, StoredRecord};
use mcpward_gateway::otlp::{OtlpConfig, OtlpFlags};
use mcpward_gateway::proxy::RunOptions;
use mcpward_testkit::{OtlpCollector, is_error, testkit_server};
use serde_json::{Value, json};

const POLICY: &str = r#"
[[rule]]
tool = "delete_note"
action = "deny"
reason = "notes are not deleted by the agent"

[[rule]]
tool = "read_note"
action = "allow"
"#;

/// The notes server behind the gateway, exporting to `endpoint` with the OTel variables `env`.
fn notes(state: &Path, endpoint: &str, env: &[(&str, &str)]) -> RunOptions {
    let mut opts = options(testkit_server("stateless_notes"), Vec::new(), state);
    opts.server_name = "notes".into();
    opts.log_path = Some(state.join("audit.jsonl"));
    opts.policy = mcpward_policy::Policy::parse(POLICY, Path::new("policy.toml")).unwrap();
    let flags = OtlpFlags {
        endpoint: Some(endpoint.to_owned()),
        headers: vec![format!("x-tenant={}", "tenant-from-test")],
    };
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    opts.otlp = OtlpConfig::resolve(&flags, &|name| {
        env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    })
    .unwrap();
    opts
}

async fn initialized(opts: RunOptions) -> Session {
    let mut s = start(opts);
    s.client.initialize(json!({})).await.unwrap();
    s
}

/// One allowed read and one denied delete.
async fn read_and_delete(s: &mut Session) {
    let read = s
        .client
        .call_tool("read_note", json!({"path": "a.md"}))
        .await
        .unwrap();
    assert!(!is_error(&read), "{read}");
    let delete = s
        .client
        .call_tool("delete_note", json!({"path": "a.md"}))
        .await
        .unwrap();
    assert!(is_error(&delete), "{delete}");
}

fn local_records(state: &Path) -> Vec<StoredRecord> {
    chain::read(&state.join("audit.jsonl"), &Default::default()).unwrap()
}

fn assert_log_intact(state: &Path) {
    let report = chain::verify(&state.join("audit.jsonl")).unwrap();
    assert!(report.is_intact(), "{report:?}");
}

/// The exported record whose `mcpward.record_hash` is `hash`.
fn exported<'a>(records: &'a [Value], hash: &str) -> Option<&'a Value> {
    records
        .iter()
        .find(|r| r["attributes"]["mcpward.record_hash"] == hash)
}

/// Every record of the local log arrived, with its hash, seq, prev, decision and severity.
fn assert_every_record_exported(state: &Path, collector: &OtlpCollector) -> Vec<Value> {
    let local = local_records(state);
    let received = collector.wait_for(local.len(), Duration::from_secs(10));
    assert_eq!(received.len(), local.len(), "{received:#?}");
    for rec in &local {
        let got = exported(&received, &rec.hash)
            .unwrap_or_else(|| panic!("record {} ({}) was not exported", rec.seq, rec.method));
        let a = &got["attributes"];
        assert_eq!(a["mcpward.seq"], rec.seq);
        assert_eq!(a["mcpward.session"], rec.session.as_str());
        assert_eq!(a["mcpward.prev"], rec.prev.as_str());
        assert_eq!(a["mcpward.decision"], rec.decision.as_str());
        assert_eq!(a["mcpward.server"], rec.server.as_str());
        assert_eq!(a["mcp.method.name"], rec.method.as_str());
        assert_eq!(
            got["severity_text"],
            if rec.decision == "allow" || rec.decision == "event" {
                "INFO"
            } else {
                "WARN"
            }
        );
    }
    received
}

#[tokio::test]
async fn every_local_record_arrives_with_its_hash_seq_and_decision() {
    let state = tempfile::tempdir().unwrap();
    let collector = OtlpCollector::start(state.path(), &[]);
    let mut s = initialized(notes(
        state.path(),
        &collector.endpoint,
        &[("OTEL_RESOURCE_ATTRIBUTES", "service.instance.id=gw-test-1")],
    ))
    .await;
    read_and_delete(&mut s).await;
    s.finish().await;
    assert_log_intact(state.path());
    let received = assert_every_record_exported(state.path(), &collector);

    let calls: Vec<(&str, &str, &str)> = received
        .iter()
        .filter(|r| r["attributes"]["mcp.method.name"] == "tools/call")
        .map(|r| {
            (
                r["attributes"]["gen_ai.tool.name"].as_str().unwrap(),
                r["body"].as_str().unwrap(),
                r["severity_text"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        calls,
        [
            ("read_note", "allow tools/call read_note", "INFO"),
            ("delete_note", "deny tools/call delete_note", "WARN"),
        ]
    );
    let deny = received
        .iter()
        .find(|r| r["attributes"]["mcpward.decision"] == "deny")
        .unwrap();
    assert!(
        deny["attributes"]["mcpward.rule"]
            .as_str()
            .is_some_and(|r| r.contains("policy.toml")),
        "{deny}"
    );
    assert!(
        deny["attributes"]["mcpward.args_digest"]
            .as_str()
            .is_some_and(|d| d.starts_with("sha256:")),
        "{deny}"
    );
    assert!(deny["time_unix_nano"].as_u64().unwrap() > 0);
    // The session's end, which the log writes itself, is exported too.
    assert!(
        received
            .iter()
            .any(|r| r["attributes"]["mcp.method.name"] == chain::SESSION_END)
    );
    let first = &received[0];
    assert_eq!(first["resource"]["service.name"], "mcpward");
    assert_eq!(first["resource"]["service.instance.id"], "gw-test-1");
    assert!(first["resource"]["host.name"].is_string());
    assert_eq!(first["headers"]["x-tenant"], "tenant-from-test");
    assert_eq!(first["content_type"], "application/x-protobuf");
    assert!(
        local_records(state.path())
            .iter()
            .all(|r| r.method != mcpward_gateway::otlp::DROPPED_EVENT)
    );
}

#[tokio::test]
async fn json_protocol_from_the_environment_is_accepted_by_the_collector() {
    let state = tempfile::tempdir().unwrap();
    let collector = OtlpCollector::start(state.path(), &[]);
    let mut s = initialized(notes(
        state.path(),
        &collector.endpoint,
        &[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")],
    ))
    .await;
    read_and_delete(&mut s).await;
    s.finish().await;
    let received = assert_every_record_exported(state.path(), &collector);
    assert!(
        received
            .iter()
            .all(|r| r["content_type"] == "application/json")
    );
}

/// A loopback address where nothing listens.
fn closed_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[tokio::test]
async fn a_collector_that_is_down_blocks_no_call_and_the_failure_is_logged() {
    let state = tempfile::tempdir().unwrap();
    let mut s = initialized(notes(state.path(), &closed_endpoint(), &[])).await;
    let started = Instant::now();
    read_and_delete(&mut s).await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "calls took {:?}",
        started.elapsed()
    );
    // The exporter's first try (after its 1 s interval) and its retry fail; the report is
    // written with the next records the session appends.
    let mut reported = false;
    let give_up = Instant::now() + Duration::from_secs(15);
    while !reported && Instant::now() < give_up {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let call = Instant::now();
        read_and_delete(&mut s).await;
        assert!(
            call.elapsed() < Duration::from_secs(1),
            "{:?}",
            call.elapsed()
        );
        reported = local_records(state.path())
            .iter()
            .any(|r| r.method == mcpward_gateway::otlp::DROPPED_EVENT);
    }
    assert!(reported, "no otlp-dropped event in the local log");
    let ending = Instant::now();
    s.finish().await;
    assert!(
        ending.elapsed() < Duration::from_secs(5),
        "the session's end took {:?}",
        ending.elapsed()
    );
    assert_log_intact(state.path());
    let event = local_records(state.path())
        .into_iter()
        .find(|r| r.method == mcpward_gateway::otlp::DROPPED_EVENT)
        .unwrap();
    assert_eq!(event.server, "mcpward");
    assert_eq!(event.decision, "event");
    let detail = event.detail.unwrap();
    assert!(detail.contains("no answer from the collector"), "{detail}");
    assert!(detail.contains("/v1/logs"), "{detail}");
}

#[tokio::test]
async fn a_collector_answering_500_then_200_gets_the_records_after_retry() {
    let state = tempfile::tempdir().unwrap();
    let collector = OtlpCollector::start(state.path(), &["--fail-first", "1"]);
    let mut s = initialized(notes(state.path(), &collector.endpoint, &[])).await;
    read_and_delete(&mut s).await;
    // Past the first interval, so the first batch meets the 500 while the session runs.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    s.finish().await;
    assert_every_record_exported(state.path(), &collector);
    let statuses: Vec<u64> = collector
        .requests()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses.first(), Some(&500), "{statuses:?}");
    assert!(statuses[1..].iter().all(|s| *s == 200), "{statuses:?}");
    // One failure mended by the retry is not worth a report.
    assert!(
        local_records(state.path())
            .iter()
            .all(|r| r.method != mcpward_gateway::otlp::DROPPED_EVENT)
    );
    assert_log_intact(state.path());
}

#[tokio::test]
async fn a_slow_collector_does_not_delay_calls() {
    let state = tempfile::tempdir().unwrap();
    let collector = OtlpCollector::start(state.path(), &["--delay-ms", "5000"]);
    let mut s = initialized(notes(state.path(), &collector.endpoint, &[])).await;
    read_and_delete(&mut s).await;
    // Let the first export start: it now waits 5 s for its answer.
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let calls = Instant::now();
    for _ in 0..10 {
        read_and_delete(&mut s).await;
    }
    let took = calls.elapsed();
    assert!(
        took < Duration::from_millis(2500),
        "20 calls took {took:?} with a collector that answers in 5 s"
    );
    let ending = Instant::now();
    s.finish().await;
    assert!(
        ending.elapsed() < Duration::from_millis(4500),
        "the session's end took {:?}",
        ending.elapsed()
    );
    assert_log_intact(state.path());
    let local = local_records(state.path());
    assert_eq!(
        local.iter().filter(|r| r.method == "tools/call").count(),
        22
    );
}
