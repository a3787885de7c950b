//! `mcpward serve` exports its routes' audit records to an OpenTelemetry collector named by the
//! standard `OTEL_EXPORTER_OTLP_*` variables, as `mcpward run` does: several instances, one trail.

#[path = "support/serve.rs"]
mod serve;

use std::time::Duration;

use mcpward_testkit::otlp::OtlpCollector;
use serde_json::json;
use serve::{Client2026, Instance};

#[test]
fn serve_exports_each_routes_decisions_to_the_collector_named_by_the_otel_variables() {
    let dir = tempfile::tempdir().unwrap();
    let collector = OtlpCollector::start(dir.path(), &[]);
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        r#"
[defaults]
mode = "allow"

[[rule]]
tool = "delete_note"
action = "deny"
reason = "deleting is not allowed"
"#,
    )
    .unwrap();
    let config = dir.path().join("serve.toml");
    std::fs::write(
        &config,
        format!(
            r#"
state_dir = "serve-state"

[[route]]
name = "notes"
command = "{notes}"
policy = "{policy}"
"#,
            notes = mcpward_testkit::testkit_server("stateless_notes").display(),
            policy = policy.display(),
        ),
    )
    .unwrap();
    let mut instance = Instance::start(
        &config,
        &dir.path().join("serve.jsonl"),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint.as_str()),
            ("OTEL_RESOURCE_ATTRIBUTES", "service.instance.id=serve-a"),
        ],
    );
    let url = instance.url("notes");
    let mut client = Client2026::new();
    let denied = client.call(&url, "delete_note", json!({"title": "t"}));
    assert!(
        mcpward_testkit::response_text(&denied).contains("mcpward denied"),
        "{denied}"
    );
    let records = collector.wait_for(1, Duration::from_secs(10));
    let deny = records
        .iter()
        .find(|r| r["attributes"]["mcpward.decision"] == "deny")
        .unwrap_or_else(|| panic!("no deny record exported: {records:#?}"));
    assert_eq!(deny["attributes"]["gen_ai.tool.name"], "delete_note");
    assert_eq!(deny["attributes"]["mcpward.server"], "notes");
    assert!(
        deny["attributes"]["mcpward.record_hash"]
            .as_str()
            .is_some_and(|h| h.len() == 64),
        "{deny}"
    );
    instance.proc.terminate();
}
