//! One audit record as one OTLP log record, and a batch of them as an export request.
//!
//! | OTLP | from the record |
//! |---|---|
//! | `timeUnixNano` | `time` |
//! | `severityNumber`/`severityText` | [`severity`] of `decision` |
//! | body | `"{decision} {method} {tool}"` |
//! | attributes | `mcpward.*`, `mcp.method.name`, `gen_ai.tool.name`; absent fields are left out |

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, InstrumentationScope, KeyValue, any_value::Value,
};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs, SeverityNumber};
use opentelemetry_proto::tonic::resource::v1::Resource;

use crate::chain::StoredRecord;

/// Name of the instrumentation scope the records are exported under.
pub const SCOPE: &str = "mcpward.audit";

/// The severity of a decision: INFO for what ran or merely happened (`allow`, `event`), WARN for
/// everything a person should look at (`deny`, `ask`, `ask-approved`, `ask-denied`, and any
/// decision this version does not know).
pub fn severity(decision: &str) -> (SeverityNumber, &'static str) {
    match decision {
        "allow" | "event" => (SeverityNumber::Info, "INFO"),
        _ => (SeverityNumber::Warn, "WARN"),
    }
}

/// The log record for an audit record, observed at `observed_unix_nano`.
pub fn log_record(rec: &StoredRecord, observed_unix_nano: u64) -> LogRecord {
    let (number, text) = severity(&rec.decision);
    let mut body = format!("{} {}", rec.decision, rec.method);
    if let Some(tool) = &rec.tool {
        body.push(' ');
        body.push_str(tool);
    }
    let mut attributes = vec![
        string("mcpward.session", &rec.session),
        int("mcpward.seq", rec.seq),
        string("mcpward.server", &rec.server),
        string("mcp.method.name", &rec.method),
    ];
    let optional = [
        ("gen_ai.tool.name", &rec.tool),
        ("mcpward.rule", &rec.rule),
        ("mcpward.approver", &rec.approver),
        ("mcpward.args_digest", &rec.args_digest),
    ];
    attributes.push(string("mcpward.decision", &rec.decision));
    attributes.extend(
        optional
            .into_iter()
            .filter_map(|(key, value)| value.as_deref().map(|v| string(key, v))),
    );
    attributes.push(string("mcpward.record_hash", &rec.hash));
    attributes.push(string("mcpward.prev", &rec.prev));
    if let Some(latency) = rec.latency_us {
        attributes.push(int("mcpward.latency_us", latency));
    }
    if let Some(detail) = &rec.detail {
        attributes.push(string("mcpward.detail", detail));
    }
    LogRecord {
        time_unix_nano: unix_nanos(&rec.time).unwrap_or(0),
        observed_time_unix_nano: observed_unix_nano,
        severity_number: number as i32,
        severity_text: text.to_owned(),
        body: Some(AnyValue {
            value: Some(Value::StringValue(body)),
        }),
        attributes,
        ..LogRecord::default()
    }
}

/// Nanoseconds since the Unix epoch of an RFC 3339 `time`; `None` when it does not parse or
/// lies before 1970 (the record is then exported with an unknown time, 0, as OTLP allows).
fn unix_nanos(time: &str) -> Option<u64> {
    let ts: jiff::Timestamp = time.parse().ok()?;
    u64::try_from(ts.as_nanosecond()).ok()
}

/// The resource every record of the session is exported under.
pub fn resource(instance_id: &str, host: &str, extra: &[(String, String)]) -> Resource {
    let mut attributes = vec![
        string("service.name", "mcpward"),
        string("service.version", env!("CARGO_PKG_VERSION")),
        string("service.instance.id", instance_id),
    ];
    if !host.is_empty() {
        attributes.push(string("host.name", host));
    }
    attributes.extend(extra.iter().map(|(k, v)| string(k, v)));
    Resource {
        attributes,
        ..Resource::default()
    }
}

/// One request carrying `records` under `resource`.
pub fn export_request(resource: &Resource, records: Vec<LogRecord>) -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(resource.clone()),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope {
                    name: SCOPE.to_owned(),
                    version: env!("CARGO_PKG_VERSION").to_owned(),
                    ..InstrumentationScope::default()
                }),
                log_records: records,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

fn string(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(Value::StringValue(value.to_owned())),
        }),
        ..KeyValue::default()
    }
}

fn int(key: &str, value: u64) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(Value::IntValue(i64::try_from(value).unwrap_or(i64::MAX))),
        }),
        ..KeyValue::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(decision: &str, tool: Option<&str>) -> StoredRecord {
        StoredRecord {
            v: 2,
            time: "2026-05-01T09:30:12.123456789Z".into(),
            session: "1f-abc".into(),
            seq: 7,
            server: "filesystem".into(),
            method: "tools/call".into(),
            tool: tool.map(str::to_owned),
            args_digest: Some("sha256:00ff".into()),
            decision: decision.into(),
            rule: Some("rule #2 (policy.toml:14)".into()),
            approver: None,
            latency_us: Some(41),
            detail: None,
            anchor: None,
            prev: "a".repeat(64),
            mac: None,
            hash: "b".repeat(64),
            line: 3,
        }
    }

    fn attr<'a>(rec: &'a LogRecord, key: &str) -> Option<&'a Value> {
        rec.attributes
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.as_ref()?.value.as_ref())
    }

    fn text(value: Option<&Value>) -> Option<&str> {
        match value {
            Some(Value::StringValue(s)) => Some(s),
            _ => None,
        }
    }

    #[test]
    fn allowed_calls_and_events_are_info() {
        for decision in ["allow", "event"] {
            let rec = log_record(&stored(decision, Some("read_file")), 1);
            assert_eq!(
                rec.severity_number,
                SeverityNumber::Info as i32,
                "{decision}"
            );
            assert_eq!(rec.severity_text, "INFO");
        }
    }

    #[test]
    fn denials_asks_and_unknown_decisions_are_warn() {
        for decision in [
            "deny",
            "ask",
            "ask-approved",
            "ask-denied",
            "something-new",
            "",
        ] {
            let rec = log_record(&stored(decision, Some("write_file")), 1);
            assert_eq!(
                rec.severity_number,
                SeverityNumber::Warn as i32,
                "{decision}"
            );
            assert_eq!(rec.severity_text, "WARN");
        }
    }

    #[test]
    fn fields_map_to_time_body_and_attributes() {
        let rec = log_record(&stored("deny", Some("write_file")), 5);
        assert_eq!(rec.time_unix_nano, 1_777_627_812_123_456_789);
        assert_eq!(rec.observed_time_unix_nano, 5);
        assert_eq!(
            rec.body.and_then(|b| b.value),
            Some(Value::StringValue("deny tools/call write_file".into()))
        );
        let rec = log_record(&stored("deny", Some("write_file")), 5);
        assert_eq!(text(attr(&rec, "mcpward.session")), Some("1f-abc"));
        assert_eq!(attr(&rec, "mcpward.seq"), Some(&Value::IntValue(7)));
        assert_eq!(text(attr(&rec, "mcpward.server")), Some("filesystem"));
        assert_eq!(text(attr(&rec, "mcp.method.name")), Some("tools/call"));
        assert_eq!(text(attr(&rec, "gen_ai.tool.name")), Some("write_file"));
        assert_eq!(text(attr(&rec, "mcpward.decision")), Some("deny"));
        assert_eq!(
            text(attr(&rec, "mcpward.rule")),
            Some("rule #2 (policy.toml:14)")
        );
        assert_eq!(text(attr(&rec, "mcpward.args_digest")), Some("sha256:00ff"));
        assert_eq!(
            text(attr(&rec, "mcpward.record_hash")),
            Some("b".repeat(64).as_str())
        );
        assert_eq!(
            text(attr(&rec, "mcpward.prev")),
            Some("a".repeat(64).as_str())
        );
        assert_eq!(attr(&rec, "mcpward.latency_us"), Some(&Value::IntValue(41)));
    }

    #[test]
    fn absent_fields_are_left_out_not_sent_empty() {
        let mut s = stored("event", None);
        s.method = "session-start".into();
        s.rule = None;
        s.args_digest = None;
        s.latency_us = None;
        let rec = log_record(&s, 1);
        assert_eq!(
            rec.body.as_ref().and_then(|b| b.value.clone()),
            Some(Value::StringValue("event session-start".into()))
        );
        for key in [
            "gen_ai.tool.name",
            "mcpward.rule",
            "mcpward.approver",
            "mcpward.args_digest",
            "mcpward.latency_us",
            "mcpward.detail",
        ] {
            assert!(attr(&rec, key).is_none(), "{key} should be absent");
        }
    }

    #[test]
    fn unparsable_time_is_exported_as_unknown() {
        let mut s = stored("allow", None);
        s.time = "yesterday".into();
        assert_eq!(log_record(&s, 9).time_unix_nano, 0);
        s.time = "1960-01-01T00:00:00Z".into();
        assert_eq!(log_record(&s, 9).time_unix_nano, 0);
    }

    #[test]
    fn resource_names_mcpward_the_instance_and_the_host() {
        let res = resource(
            "gw-1",
            "build-host",
            &[("deployment.environment".into(), "prod".into())],
        );
        let get = |key: &str| {
            res.attributes
                .iter()
                .find(|kv| kv.key == key)
                .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
                    Value::StringValue(s) => Some(s.as_str()),
                    _ => None,
                })
        };
        assert_eq!(get("service.name"), Some("mcpward"));
        assert_eq!(get("service.instance.id"), Some("gw-1"));
        assert_eq!(get("host.name"), Some("build-host"));
        assert_eq!(get("deployment.environment"), Some("prod"));
        let res = resource("gw-1", "", &[]);
        assert!(!res.attributes.iter().any(|kv| kv.key == "host.name"));
    }
}
