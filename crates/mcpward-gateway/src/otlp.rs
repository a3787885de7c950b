//! Audit records as OpenTelemetry log records, posted to a collector over OTLP/HTTP, besides the
//! local hash-chained file.
//!
//! Gateways behind a load balancer each write their own log; a collector puts the trail in one
//! place. The local file stays the record of truth, so export is built to never cost it
//! anything:
//!
//! * the exporter reads back what the session's appends put in the file, so nothing
//!   is exported that the log did not get, and every exported record carries the `hash`, `seq`
//!   and `prev` it has in the file, including the records the log writes itself (`chain-break`,
//!   `session-end`);
//! * the relay only adds a count to an atomic after a successful append; a background thread
//!   reads, batches (every second, or at once when 512 records wait) and posts, with retries
//!   on 429, 5xx and connection errors, in a queue of 4096 records that drops its oldest when
//!   full;
//! * what was dropped or refused is counted and reported at most once a minute, as an
//!   `otlp-dropped` event in the local log and a line on stderr;
//! * at the session's end the exporter gets at most 2 s to send the rest.
//!
//! Configuration follows the OpenTelemetry SDK's environment variables ([`OtlpConfig::resolve`]).

mod export;
mod mapping;
mod tail;

use std::time::Duration;

pub use export::{Exporter, FINAL_FLUSH, FLUSH_INTERVAL, MAX_BATCH, MAX_QUEUED, REPORT_INTERVAL};
pub use mapping::{log_record, severity};

/// `method` of the event that reports records the exporter dropped or could not deliver.
pub const DROPPED_EVENT: &str = "otlp-dropped";

/// Default time a collector gets to answer one export (the spec's `OTEL_EXPORTER_OTLP_TIMEOUT`
/// default).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and how audit records are exported. `Debug` shows header names, never their values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtlpConfig {
    /// The URL records are posted to, path included (`…/v1/logs`).
    pub endpoint: String,
    /// Extra request headers, e.g. a collector's `Authorization`.
    pub headers: Vec<(String, HeaderValue)>,
    pub protocol: Protocol,
    /// How long one export request may take.
    pub timeout: Duration,
    /// `service.instance.id` of the exported resource; `None` uses the session's id.
    pub instance_id: Option<String>,
    /// Further resource attributes (`OTEL_RESOURCE_ATTRIBUTES`).
    pub resource_attributes: Vec<(String, String)>,
}

/// How export requests are encoded (`OTEL_EXPORTER_OTLP_PROTOCOL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `http/protobuf`, the default: `application/x-protobuf`.
    HttpProtobuf,
    /// `http/json`: `application/json`, the OTLP/JSON mapping.
    HttpJson,
}

/// A header value, which may be a credential: never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct HeaderValue(String);

impl HeaderValue {
    /// The value, for the request only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for HeaderValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Why the export configuration cannot be used. Header values never appear in the message.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OtlpConfigError {
    #[error(
        "{source_name}: `{url}` is not an http:// or https:// URL; give the collector's address, e.g. http://localhost:4318"
    )]
    Url { source_name: String, url: String },
    #[error(
        "{source_name}: entry {index} is not `name=value` (the variables separate entries with commas and percent-encode values)"
    )]
    Pair { source_name: String, index: usize },
    #[error(
        "{source_name}: `{key}` is not a valid header name or its value holds a control character or invalid percent-encoding"
    )]
    Header { source_name: String, key: String },
    #[error(
        "{source_name}: protocol `{value}` is not supported; mcpward exports over HTTP: use `http/protobuf` (the default) or `http/json`, and the collector's HTTP port (4318)"
    )]
    Protocol { source_name: String, value: String },
    #[error("{source_name}: `{value}` is not a number of milliseconds")]
    Timeout { source_name: String, value: String },
}

/// Why an exporter could not start.
#[derive(Debug, thiserror::Error)]
pub enum OtlpError {
    #[error(
        "cannot export the audit log {}: {source}; export reads the records back from the log, which must be readable",
        path.display()
    )]
    Log {
        path: std::path::PathBuf,
        #[source]
        source: crate::state::StateError,
    },
    #[error(
        "cannot start the OTLP exporter thread: {0}; the process is probably out of threads (check `ulimit -u`)"
    )]
    Thread(#[source] std::io::Error),
}

const LOGS_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT";
const ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
const LOGS_HEADERS: &str = "OTEL_EXPORTER_OTLP_LOGS_HEADERS";
const HEADERS: &str = "OTEL_EXPORTER_OTLP_HEADERS";
const LOGS_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL";
const PROTOCOL: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";
const LOGS_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT";
const TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TIMEOUT";
const RESOURCE_ATTRIBUTES: &str = "OTEL_RESOURCE_ATTRIBUTES";
const SDK_DISABLED: &str = "OTEL_SDK_DISABLED";

/// What `mcpward run` was given on its command line.
#[derive(Debug, Default, Clone)]
pub struct OtlpFlags {
    /// `--otlp-endpoint`: the collector's base URL; `/v1/logs` is appended.
    pub endpoint: Option<String>,
    /// `--otlp-header K=V`, values taken literally.
    pub headers: Vec<String>,
}

impl OtlpConfig {
    /// The configuration from the flags and the OpenTelemetry environment variables, or `None`
    /// when no endpoint is given anywhere (nothing is exported then):
    ///
    /// * endpoint: `--otlp-endpoint` (base URL, `/v1/logs` appended), else
    ///   `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT` (used as is), else `OTEL_EXPORTER_OTLP_ENDPOINT`
    ///   (base URL, `v1/logs` appended as the spec says);
    /// * headers: `OTEL_EXPORTER_OTLP_LOGS_HEADERS`, else `OTEL_EXPORTER_OTLP_HEADERS`
    ///   (`k=v,k2=v2`, values percent-decoded), then `--otlp-header` replacing the same names;
    /// * `OTEL_EXPORTER_OTLP_[LOGS_]PROTOCOL` (`http/protobuf` or `http/json`),
    ///   `OTEL_EXPORTER_OTLP_[LOGS_]TIMEOUT` (milliseconds), `OTEL_RESOURCE_ATTRIBUTES` (its
    ///   `service.instance.id` names the instance; `service.name` stays `mcpward`);
    /// * `OTEL_SDK_DISABLED=true` turns the variables off (the flags still apply).
    ///
    /// Empty variables count as unset, as the spec says.
    pub fn resolve(
        flags: &OtlpFlags,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<OtlpConfig>, OtlpConfigError> {
        let var = |name: &str| {
            let disabled = env(SDK_DISABLED).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
            (!disabled)
                .then(|| env(name))
                .flatten()
                .filter(|v| !v.trim().is_empty())
                .map(|v| (name.to_owned(), v.trim().to_owned()))
        };
        let endpoint = if let Some(base) = &flags.endpoint {
            logs_url(base, "--otlp-endpoint")?
        } else if let Some((name, url)) = var(LOGS_ENDPOINT) {
            check_url(&url, &name)?;
            url
        } else if let Some((name, base)) = var(ENDPOINT) {
            logs_url(&base, &name)?
        } else {
            return Ok(None);
        };
        let mut headers = Vec::new();
        if let Some((name, text)) = var(LOGS_HEADERS).or_else(|| var(HEADERS)) {
            for (key, value) in parse_pairs(&text, &name)? {
                headers.push(header(key, value, &name)?);
            }
        }
        for (i, flag) in flags.headers.iter().enumerate() {
            let (key, value) = flag.split_once('=').ok_or_else(|| OtlpConfigError::Pair {
                source_name: "--otlp-header".into(),
                index: i + 1,
            })?;
            let (key, value) = header(key.trim().to_owned(), value.to_owned(), "--otlp-header")?;
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case(&key));
            headers.push((key, value));
        }
        let protocol = match var(LOGS_PROTOCOL).or_else(|| var(PROTOCOL)) {
            None => Protocol::HttpProtobuf,
            Some((_, v)) if v == "http/protobuf" => Protocol::HttpProtobuf,
            Some((_, v)) if v == "http/json" => Protocol::HttpJson,
            Some((name, value)) => {
                return Err(OtlpConfigError::Protocol {
                    source_name: name,
                    value,
                });
            }
        };
        let timeout = match var(LOGS_TIMEOUT).or_else(|| var(TIMEOUT)) {
            None => DEFAULT_TIMEOUT,
            Some((name, value)) => match value.parse::<u64>() {
                Ok(ms) if ms > 0 => Duration::from_millis(ms),
                _ => {
                    return Err(OtlpConfigError::Timeout {
                        source_name: name,
                        value,
                    });
                }
            },
        };
        let mut instance_id = None;
        let mut resource_attributes = Vec::new();
        if let Some((name, text)) = var(RESOURCE_ATTRIBUTES) {
            for (key, value) in parse_pairs(&text, &name)? {
                match key.as_str() {
                    "service.instance.id" => instance_id = Some(value),
                    "service.name" => {}
                    _ => resource_attributes.push((key, value)),
                }
            }
        }
        Ok(Some(OtlpConfig {
            endpoint,
            headers,
            protocol,
            timeout,
            instance_id,
            resource_attributes,
        }))
    }
}

/// `base` with the logs path appended: `v1/logs` after a trailing slash, else `/v1/logs`.
fn logs_url(base: &str, source_name: &str) -> Result<String, OtlpConfigError> {
    check_url(base, source_name)?;
    Ok(if base.ends_with('/') {
        format!("{base}v1/logs")
    } else {
        format!("{base}/v1/logs")
    })
}

fn check_url(url: &str, source_name: &str) -> Result<(), OtlpConfigError> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') => Ok(()),
        _ => Err(OtlpConfigError::Url {
            source_name: source_name.to_owned(),
            url: shown_url(url),
        }),
    }
}

/// `url` without user info or query, which may hold credentials: what messages show.
pub(crate) fn shown_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.rsplit('@').next().unwrap_or(authority);
    if scheme.is_empty() {
        format!("{host}{path}")
    } else {
        format!("{scheme}://{host}{path}")
    }
}

/// `key1=value1,key2=value2` (W3C Baggage-like, as the OTel variables use it): whitespace
/// around entries is dropped, values are percent-decoded, empty entries skipped.
fn parse_pairs(text: &str, source_name: &str) -> Result<Vec<(String, String)>, OtlpConfigError> {
    let mut pairs = Vec::new();
    for (i, entry) in text.split(',').enumerate() {
        if entry.trim().is_empty() {
            continue;
        }
        let pair = entry.split_once('=').and_then(|(k, v)| {
            let key = k.trim();
            let value = percent_encoding::percent_decode_str(v.trim())
                .decode_utf8()
                .ok()?;
            (!key.is_empty()).then(|| (key.to_owned(), value.into_owned()))
        });
        match pair {
            Some(pair) => pairs.push(pair),
            None => {
                return Err(OtlpConfigError::Pair {
                    source_name: source_name.to_owned(),
                    index: i + 1,
                });
            }
        }
    }
    Ok(pairs)
}

/// A request header, its name an HTTP token and its value free of control characters.
fn header(
    key: String,
    value: String,
    source_name: &str,
) -> Result<(String, HeaderValue), OtlpConfigError> {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if key.is_empty() || !key.bytes().all(token) || value.chars().any(|c| c.is_control()) {
        return Err(OtlpConfigError::Header {
            source_name: source_name.to_owned(),
            key: key.chars().filter(|c| !c.is_control()).collect(),
        });
    }
    Ok((key, HeaderValue(value)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn resolve(
        flags: &OtlpFlags,
        vars: &[(&str, &str)],
    ) -> Result<Option<OtlpConfig>, OtlpConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        OtlpConfig::resolve(flags, &|name| map.get(name).cloned())
    }

    fn endpoint(vars: &[(&str, &str)]) -> Option<String> {
        resolve(&OtlpFlags::default(), vars)
            .unwrap()
            .map(|c| c.endpoint)
    }

    #[test]
    fn nothing_is_exported_without_an_endpoint() {
        assert_eq!(endpoint(&[]), None);
        assert_eq!(endpoint(&[(ENDPOINT, "  ")]), None);
        assert_eq!(endpoint(&[(HEADERS, "a=b")]), None);
    }

    #[test]
    fn signal_endpoint_is_used_as_is() {
        assert_eq!(
            endpoint(&[(LOGS_ENDPOINT, "http://collector:4318/custom/path")]).as_deref(),
            Some("http://collector:4318/custom/path")
        );
    }

    #[test]
    fn generic_endpoint_gets_the_logs_path_appended() {
        assert_eq!(
            endpoint(&[(ENDPOINT, "http://collector:4318")]).as_deref(),
            Some("http://collector:4318/v1/logs")
        );
        assert_eq!(
            endpoint(&[(ENDPOINT, "https://gw.example/otlp/")]).as_deref(),
            Some("https://gw.example/otlp/v1/logs")
        );
    }

    #[test]
    fn signal_endpoint_wins_over_generic_and_flag_over_both() {
        let vars = [
            (ENDPOINT, "http://generic:4318"),
            (LOGS_ENDPOINT, "http://logs:4318/v1/logs"),
        ];
        assert_eq!(endpoint(&vars).as_deref(), Some("http://logs:4318/v1/logs"));
        let flags = OtlpFlags {
            endpoint: Some("http://flag:4318".into()),
            headers: Vec::new(),
        };
        let config = resolve(&flags, &vars).unwrap().unwrap();
        assert_eq!(config.endpoint, "http://flag:4318/v1/logs");
    }

    #[test]
    fn endpoint_without_scheme_is_refused_naming_the_variable() {
        let err = resolve(&OtlpFlags::default(), &[(ENDPOINT, "localhost:4318")]).unwrap_err();
        insta::assert_snapshot!(err.to_string(), @"OTEL_EXPORTER_OTLP_ENDPOINT: `localhost:4318` is not an http:// or https:// URL; give the collector's address, e.g. http://localhost:4318");
    }

    #[test]
    fn headers_are_percent_decoded_and_trimmed() {
        let secret = format!("Bearer {}", "fake%2Ctoken%3D1");
        let config = resolve(
            &OtlpFlags::default(),
            &[
                (ENDPOINT, "http://c:4318"),
                (
                    HEADERS,
                    &format!(" authorization = {secret} ,x-tenant=a%20b,, "),
                ),
            ],
        )
        .unwrap()
        .unwrap();
        let shown: Vec<(&str, &str)> = config
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.expose()))
            .collect();
        assert_eq!(
            shown,
            [
                ("authorization", "Bearer fake,token=1"),
                ("x-tenant", "a b")
            ]
        );
    }

    #[test]
    fn signal_headers_replace_generic_and_flags_replace_by_name() {
        let flags = OtlpFlags {
            endpoint: None,
            headers: vec!["X-Tenant=from-flag".into(), "x-extra=1=2".into()],
        };
        let config = resolve(
            &flags,
            &[
                (ENDPOINT, "http://c:4318"),
                (HEADERS, "generic=1"),
                (LOGS_HEADERS, "x-tenant=env,keep=yes"),
            ],
        )
        .unwrap()
        .unwrap();
        let shown: Vec<(&str, &str)> = config
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.expose()))
            .collect();
        assert_eq!(
            shown,
            [
                ("keep", "yes"),
                ("X-Tenant", "from-flag"),
                ("x-extra", "1=2")
            ]
        );
    }

    #[test]
    fn malformed_headers_are_refused_without_showing_values() {
        let secret = format!("tok{}", "en-value-42");
        let err = resolve(
            &OtlpFlags::default(),
            &[
                (ENDPOINT, "http://c:4318"),
                (HEADERS, &format!("ok=1,{secret}")),
            ],
        )
        .unwrap_err();
        assert_eq!(
            err,
            OtlpConfigError::Pair {
                source_name: HEADERS.into(),
                index: 2
            }
        );
        assert!(!err.to_string().contains(&secret));
        let err = resolve(
            &OtlpFlags::default(),
            &[
                (ENDPOINT, "http://c:4318"),
                (HEADERS, &format!("a=%0A{secret}")),
            ],
        )
        .unwrap_err();
        assert!(matches!(err, OtlpConfigError::Header { .. }), "{err}");
        assert!(!err.to_string().contains(&secret));
        let err = resolve(
            &OtlpFlags::default(),
            &[(ENDPOINT, "http://c:4318"), (HEADERS, "bad name=1")],
        )
        .unwrap_err();
        assert!(matches!(err, OtlpConfigError::Header { .. }), "{err}");
    }

    #[test]
    fn debug_never_shows_header_values() {
        let secret = format!("Bearer {}", "dbg-leak-check");
        let flags = OtlpFlags {
            endpoint: Some("http://c:4318".into()),
            headers: vec![format!("authorization={secret}")],
        };
        let config = resolve(&flags, &[]).unwrap().unwrap();
        let shown = format!("{config:?}");
        assert!(shown.contains("authorization"));
        assert!(!shown.contains(&secret));
    }

    #[test]
    fn protocol_and_timeout_follow_the_signal_then_generic_variable() {
        let config = resolve(
            &OtlpFlags::default(),
            &[
                (ENDPOINT, "http://c:4318"),
                (PROTOCOL, "http/protobuf"),
                (LOGS_PROTOCOL, "http/json"),
                (TIMEOUT, "2500"),
            ],
        )
        .unwrap()
        .unwrap();
        assert_eq!(config.protocol, Protocol::HttpJson);
        assert_eq!(config.timeout, Duration::from_millis(2500));
        let err = resolve(
            &OtlpFlags::default(),
            &[(ENDPOINT, "http://c:4317"), (PROTOCOL, "grpc")],
        )
        .unwrap_err();
        assert!(matches!(err, OtlpConfigError::Protocol { .. }), "{err}");
        let err = resolve(
            &OtlpFlags::default(),
            &[(ENDPOINT, "http://c:4318"), (LOGS_TIMEOUT, "10s")],
        )
        .unwrap_err();
        assert!(matches!(err, OtlpConfigError::Timeout { .. }), "{err}");
    }

    #[test]
    fn resource_attributes_name_the_instance_but_not_the_service() {
        let config = resolve(
            &OtlpFlags::default(),
            &[
                (ENDPOINT, "http://c:4318"),
                (
                    RESOURCE_ATTRIBUTES,
                    "service.name=other,service.instance.id=gw-3,deployment.environment=prod%2Feu",
                ),
            ],
        )
        .unwrap()
        .unwrap();
        assert_eq!(config.instance_id.as_deref(), Some("gw-3"));
        assert_eq!(
            config.resource_attributes,
            [("deployment.environment".to_owned(), "prod/eu".to_owned())]
        );
    }

    #[test]
    fn sdk_disabled_turns_the_variables_off_but_not_the_flag() {
        let vars = [(ENDPOINT, "http://c:4318"), (SDK_DISABLED, "true")];
        assert_eq!(endpoint(&vars), None);
        let flags = OtlpFlags {
            endpoint: Some("http://flag:4318/".into()),
            headers: Vec::new(),
        };
        let config = resolve(&flags, &vars).unwrap().unwrap();
        assert_eq!(config.endpoint, "http://flag:4318/v1/logs");
    }

    #[test]
    fn shown_url_drops_credentials_and_query() {
        assert_eq!(
            shown_url("https://user:pw@collector.example:4318/v1/logs?token=x"),
            "https://collector.example:4318/v1/logs"
        );
        assert_eq!(shown_url("http://c:4318"), "http://c:4318");
    }
}
