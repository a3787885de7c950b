//! An OpenTelemetry collector's OTLP/HTTP logs receiver on 127.0.0.1 (port chosen by the
//! system), for the gateway's export tests. It prints `http://127.0.0.1:PORT` (the base
//! endpoint) on its first stdout line, then serves until killed.
//!
//! `POST /v1/logs` with `application/x-protobuf` or `application/json` is decoded with the
//! exporter's own message types; each log record is appended as one JSON line to `--out FILE`:
//! `{"resource":{…},"scope":…,"time_unix_nano":…,"severity_number":…,"severity_text":…,
//! "body":…,"attributes":{…},"headers":{…},"content_type":…}` (attributes flattened to
//! values; `headers` the request's headers named `x-…` or `authorization`). Every request's
//! answer is appended to `FILE.requests` as `{"status":…,"records":…}`.
//!
//! * `--fail-first N`: answer 500 to the first N requests (nothing recorded for them);
//! * `--delay-ms N`: wait N ms before reading each request, as a slow collector does.
//!
//! Plain `std::net`, one thread per connection, `Connection: close`.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value as Any};
use prost::Message as _;
use serde_json::{Map, Value, json};

struct Collector {
    out: Mutex<(File, File)>,
    fail_first: usize,
    delay: Duration,
    requests: AtomicUsize,
}

fn main() {
    let mut out = None;
    let mut fail_first = 0;
    let mut delay = Duration::ZERO;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        match (arg.as_str(), value) {
            ("--out", Some(v)) => out = Some(v),
            ("--fail-first", Some(v)) => fail_first = v.parse().unwrap_or(0),
            ("--delay-ms", Some(v)) => delay = Duration::from_millis(v.parse().unwrap_or(0)),
            _ => {
                let _ = writeln!(std::io::stderr(), "otlp_collector: bad argument {arg}");
                std::process::exit(2);
            }
        }
    }
    let Some(out) = out else {
        let _ = writeln!(std::io::stderr(), "otlp_collector: --out FILE is required");
        std::process::exit(2);
    };
    let open = |path: &str| {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("open the output file")
    };
    let collector = Arc::new(Collector {
        out: Mutex::new((open(&out), open(&format!("{out}.requests")))),
        fail_first,
        delay,
        requests: AtomicUsize::new(0),
    });
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let port = listener.local_addr().expect("local address").port();
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "http://127.0.0.1:{port}");
    let _ = stdout.flush();
    for stream in listener.incoming().flatten() {
        let collector = collector.clone();
        std::thread::spawn(move || {
            let _ = handle(stream, &collector);
        });
    }
}

fn handle(stream: TcpStream, collector: &Collector) -> std::io::Result<()> {
    std::thread::sleep(collector.delay);
    let mut reader = BufReader::new(stream.try_clone()?);
    let (request_line, headers) = mcpward_testkit::http::read_head(&mut reader)?;
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let content_type = header("content-type").unwrap_or_default().to_owned();
    let json = content_type.starts_with("application/json");
    let n = collector.requests.fetch_add(1, Ordering::SeqCst);
    let mut stream = stream;
    if !request_line.starts_with("POST /v1/logs ") {
        return answer(&mut stream, collector, 404, json, 0);
    }
    if n < collector.fail_first {
        return answer(&mut stream, collector, 500, json, 0);
    }
    let request = if json {
        serde_json::from_slice::<ExportLogsServiceRequest>(&body).ok()
    } else if content_type.starts_with("application/x-protobuf") {
        ExportLogsServiceRequest::decode(body.as_slice()).ok()
    } else {
        None
    };
    let Some(request) = request else {
        return answer(&mut stream, collector, 400, json, 0);
    };
    let shown_headers: Map<String, Value> = headers
        .iter()
        .filter(|(k, _)| k.starts_with("x-") || k == "authorization")
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let mut lines = String::new();
    let mut records = 0;
    for resource_logs in &request.resource_logs {
        let resource = attributes(
            resource_logs
                .resource
                .as_ref()
                .map_or(&[][..], |r| &r.attributes),
        );
        for scope_logs in &resource_logs.scope_logs {
            let scope = scope_logs.scope.as_ref().map(|s| s.name.clone());
            for rec in &scope_logs.log_records {
                records += 1;
                let line = json!({
                    "resource": resource,
                    "scope": scope,
                    "time_unix_nano": rec.time_unix_nano,
                    "observed_time_unix_nano": rec.observed_time_unix_nano,
                    "severity_number": rec.severity_number,
                    "severity_text": rec.severity_text,
                    "body": rec.body.as_ref().map_or(Value::Null, value),
                    "attributes": attributes(&rec.attributes),
                    "headers": shown_headers,
                    "content_type": content_type,
                });
                lines.push_str(&line.to_string());
                lines.push('\n');
            }
        }
    }
    if let Ok(mut out) = collector.out.lock() {
        out.0.write_all(lines.as_bytes())?;
    }
    answer(&mut stream, collector, 200, json, records)
}

fn answer(
    stream: &mut TcpStream,
    collector: &Collector,
    status: u16,
    json: bool,
    records: usize,
) -> std::io::Result<()> {
    if let Ok(mut out) = collector.out.lock() {
        writeln!(out.1, "{}", json!({"status": status, "records": records}))?;
    }
    // An empty ExportLogsServiceResponse: full success.
    let (content_type, body) = if json {
        ("application/json", "{}")
    } else {
        ("application/x-protobuf", "")
    };
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Internal Server Error",
    };
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}

fn attributes(kvs: &[KeyValue]) -> Value {
    Value::Object(
        kvs.iter()
            .map(|kv| (kv.key.clone(), kv.value.as_ref().map_or(Value::Null, value)))
            .collect(),
    )
}

fn value(v: &AnyValue) -> Value {
    match &v.value {
        Some(Any::StringValue(s)) => Value::String(s.clone()),
        Some(Any::IntValue(i)) => json!(i),
        Some(Any::BoolValue(b)) => json!(b),
        Some(Any::DoubleValue(d)) => json!(d),
        Some(other) => Value::String(format!("{other:?}")),
        None => Value::Null,
    }
}
