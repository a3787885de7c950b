//! The audit log as the page shows it: the records a filter selects, newest first, under the
//! verdict of `mcpward log verify`.

use std::path::Path;

use jiff::Timestamp;
use mcpward_core::display::escape;
use mcpward_gateway::chain::{self, Filter, LogKey, StoredRecord, VerifyReport};
use serde::Deserialize;

/// Rows shown at most; the page says how many more matched.
pub const MAX_ROWS: usize = 500;

/// The filter form's fields, as they arrive in the query string.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FilterQuery {
    pub server: Option<String>,
    pub tool: Option<String>,
    pub decision: Option<String>,
    pub session: Option<String>,
    /// Earliest time, inclusive: RFC 3339, or a date/time without offset read as UTC.
    pub from: Option<String>,
    /// Latest time: a time is inclusive, a bare date means the whole day.
    pub to: Option<String>,
}

/// A filter ready to apply.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogFilter {
    pub fields: Filter,
    pub from: Option<Timestamp>,
    /// Exclusive upper bound.
    pub until: Option<Timestamp>,
}

/// A filter field the page cannot use; shown on a 400 page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{field}` is not a time ({value}): write 2026-11-01, 2026-11-01T14:30 (UTC, as the log shows times) or an RFC 3339 time such as 2026-11-01T14:30:00+01:00"
)]
pub struct BadFilter {
    pub field: &'static str,
    pub value: String,
}

impl FilterQuery {
    /// Empty fields mean "any"; times are parsed (see [`BadFilter`]).
    pub fn parse(&self) -> Result<LogFilter, BadFilter> {
        let field = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let from = field(&self.from)
            .map(|v| {
                parse_bound(&v, Bound::From).ok_or(BadFilter {
                    field: "from",
                    value: v,
                })
            })
            .transpose()?;
        let until = field(&self.to)
            .map(|v| {
                parse_bound(&v, Bound::To).ok_or(BadFilter {
                    field: "to",
                    value: v,
                })
            })
            .transpose()?;
        Ok(LogFilter {
            fields: Filter {
                server: field(&self.server),
                tool: field(&self.tool),
                decision: field(&self.decision),
                session: field(&self.session),
            },
            from,
            until,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Bound {
    From,
    To,
}

/// A time bound: RFC 3339 with offset; a civil date-time (`T` or space, minutes or seconds) read
/// as UTC; or a date (its start for `from`, the next day's start for `to`). `To` bounds are
/// returned exclusive.
fn parse_bound(text: &str, bound: Bound) -> Option<Timestamp> {
    use jiff::civil::{Date, DateTime};
    use jiff::tz::TimeZone;
    let exclusive = |t: Timestamp, step: jiff::Span| match bound {
        Bound::From => Some(t),
        Bound::To => t.checked_add(step).ok(),
    };
    if let Ok(t) = text.parse::<Timestamp>() {
        return exclusive(t, jiff::Span::new().nanoseconds(1));
    }
    if !text.contains(['T', 't', ' ']) {
        let date = text.parse::<Date>().ok()?;
        let t = TimeZone::UTC
            .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
            .ok()?;
        return exclusive(t, jiff::Span::new().hours(24));
    }
    if let Ok(dt) = text.replacen(' ', "T", 1).parse::<DateTime>() {
        let t = TimeZone::UTC.to_timestamp(dt).ok()?;
        // A time typed to the minute covers that whole minute.
        let step = if text.len() <= "2026-11-01T14:30".len() {
            jiff::Span::new().minutes(1)
        } else {
            jiff::Span::new().nanoseconds(1)
        };
        return exclusive(t, step);
    }
    None
}

impl LogFilter {
    pub fn matches(&self, r: &StoredRecord) -> bool {
        if !self.fields.matches(r) {
            return false;
        }
        if self.from.is_none() && self.until.is_none() {
            return true;
        }
        let Ok(t) = r.time.parse::<Timestamp>() else {
            return false;
        };
        self.from.is_none_or(|f| t >= f) && self.until.is_none_or(|u| t < u)
    }

    pub fn is_empty(&self) -> bool {
        *self == LogFilter::default()
    }
}

/// One record as a table row, every field made safe to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub seq: u64,
    pub time: String,
    pub server: String,
    /// The tool, or the method / event name for records without one.
    pub what: String,
    pub decision: String,
    pub rule: String,
    pub approver: String,
    pub latency: String,
    pub session: String,
    pub detail: String,
}

impl Row {
    fn of(r: &StoredRecord) -> Row {
        let text = |s: &str| escape(s).into_owned();
        let opt = |s: &Option<String>| s.as_deref().map(text).unwrap_or_default();
        Row {
            seq: r.seq,
            time: text(&r.time),
            server: text(&r.server),
            what: text(r.tool.as_deref().unwrap_or(&r.method)),
            decision: text(&r.decision),
            rule: opt(&r.rule),
            approver: opt(&r.approver),
            latency: r
                .latency_us
                .map(|us| format!("{:.1} ms", us as f64 / 1000.0))
                .unwrap_or_default(),
            session: text(&r.session),
            detail: opt(&r.detail),
        }
    }

    /// The CSS class of the decision cell (a fixed set: never text from the log).
    pub fn decision_class(&self) -> &'static str {
        match self.decision.as_str() {
            "allow" | "ask-approved" => "allow",
            "deny" | "ask-denied" => "deny",
            "ask" => "ask",
            _ => "event",
        }
    }
}

/// `log verify`'s verdict in a sentence, and whether the log is intact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub intact: bool,
    pub summary: String,
    pub notes: Vec<String>,
}

impl Verdict {
    fn of(report: &VerifyReport) -> Verdict {
        let mut notes = Vec::new();
        let summary = match &report.tamper {
            None => format!(
                "intact: {} record(s){}",
                report.records,
                report
                    .head_seq
                    .map(|s| format!(", {s} anchored"))
                    .unwrap_or_default()
            ),
            Some(t) => {
                let kind = serde_json::to_value(t.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| format!("{:?}", t.kind));
                format!(
                    "TAMPERED ({kind}) at line {}: {}",
                    t.line,
                    escape(&t.reason)
                )
            }
        };
        if report.keyed && report.is_intact() {
            notes.push("every record's MAC matches the key".to_owned());
        } else if report.unchecked_macs > 0 {
            notes.push(format!(
                "{} record(s) carry a MAC that was not checked; start `mcpward ui --key FILE` (or run `mcpward log verify --key FILE`) to check them",
                report.unchecked_macs
            ));
        }
        for line in &report.torn_lines {
            notes.push(format!(
                "line {line}: a write cut short by a crash (not tampering)"
            ));
        }
        if report.is_intact() && report.open_sessions > 0 {
            notes.push(format!(
                "{} session(s) have not ended (running, or killed); {} of their record(s) were written after their head's last update, so removing those would not be detected",
                report.open_sessions, report.unanchored_records
            ));
        }
        Verdict {
            intact: report.is_intact(),
            summary,
            notes,
        }
    }
}

/// What the log view shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogView {
    /// `None` when there is no log file yet.
    pub verdict: Option<Verdict>,
    /// Newest first, at most [`MAX_ROWS`].
    pub rows: Vec<Row>,
    /// Records the filter matched (shown or not).
    pub matched: usize,
    /// Records in the file.
    pub total: usize,
    /// Servers and decisions present in the log, for the filter's choices.
    pub servers: Vec<String>,
    pub decisions: Vec<String>,
}

/// Reads and verifies the log at `path`. A missing file is an empty view, not an error.
pub fn load(
    path: &Path,
    key: Option<&LogKey>,
    filter: &LogFilter,
) -> Result<LogView, chain::LogError> {
    if !path.exists() {
        return Ok(LogView::default());
    }
    let report = chain::verify_keyed(path, key)?;
    let all = chain::read(path, &Filter::default())?;
    let mut servers: Vec<String> = all.iter().map(|r| escape(&r.server).into_owned()).collect();
    servers.sort();
    servers.dedup();
    let mut decisions: Vec<String> = all
        .iter()
        .map(|r| escape(&r.decision).into_owned())
        .collect();
    decisions.sort();
    decisions.dedup();
    let matching: Vec<&StoredRecord> = all.iter().filter(|r| filter.matches(r)).collect();
    Ok(LogView {
        verdict: Some(Verdict::of(&report)),
        rows: matching
            .iter()
            .rev()
            .take(MAX_ROWS)
            .map(|r| Row::of(r))
            .collect(),
        matched: matching.len(),
        total: all.len(),
        servers,
        decisions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn record(time: &str, decision: &str) -> StoredRecord {
        StoredRecord {
            v: 2,
            time: time.into(),
            session: "s".into(),
            seq: 1,
            server: "filesystem".into(),
            method: "tools/call".into(),
            tool: Some("write_file".into()),
            args_digest: None,
            decision: decision.into(),
            rule: None,
            approver: None,
            latency_us: None,
            detail: None,
            anchor: None,
            prev: String::new(),
            mac: None,
            hash: String::new(),
            line: 1,
        }
    }

    fn query(from: &str, to: &str) -> FilterQuery {
        FilterQuery {
            from: Some(from.into()),
            to: Some(to.into()),
            ..FilterQuery::default()
        }
    }

    #[test]
    fn a_date_range_covers_whole_days_in_utc() {
        let f = query("2026-11-01", "2026-11-02").parse().unwrap();
        assert_eq!(f.from, Some(ts("2026-11-01T00:00:00Z")));
        assert_eq!(f.until, Some(ts("2026-11-03T00:00:00Z")));
        assert!(f.matches(&record("2026-11-02T23:59:59.9Z", "allow")));
        assert!(!f.matches(&record("2026-11-03T00:00:00Z", "allow")));
        assert!(!f.matches(&record("2026-10-31T23:59:59Z", "allow")));
    }

    #[test]
    fn times_to_the_minute_and_with_offsets_are_understood() {
        let f = query("2026-11-01T14:30", "2026-11-01 14:45")
            .parse()
            .unwrap();
        assert_eq!(f.from, Some(ts("2026-11-01T14:30:00Z")));
        assert_eq!(f.until, Some(ts("2026-11-01T14:46:00Z")));
        let f = query("2026-11-01T15:30:00+01:00", "").parse().unwrap();
        assert_eq!(f.from, Some(ts("2026-11-01T14:30:00Z")));
        assert_eq!(f.until, None);
    }

    #[test]
    fn a_time_that_is_not_one_is_a_clear_error() {
        let err = query("yesterday", "").parse().unwrap_err();
        assert_eq!(err.field, "from");
        assert!(err.to_string().contains("2026-11-01T14:30"), "{err}");
        assert!(query("", "2026-13-40").parse().is_err());
        assert!(query("", "9999999-01-01").parse().is_err());
    }

    #[test]
    fn empty_fields_match_everything_and_a_range_skips_records_without_a_time() {
        let f = FilterQuery {
            server: Some(" ".into()),
            decision: Some("deny".into()),
            ..FilterQuery::default()
        }
        .parse()
        .unwrap();
        assert_eq!(f.fields.server, None);
        assert!(f.matches(&record("garbage", "deny")));
        assert!(!f.matches(&record("2026-11-01T00:00:00Z", "allow")));
        let ranged = query("2026-11-01", "").parse().unwrap();
        assert!(!ranged.matches(&record("garbage", "deny")));
    }

    #[test]
    fn fields_from_the_log_are_escaped_and_classes_come_from_a_fixed_set() {
        let mut r = record("2026-11-01T00:00:00Z", "deny\u{202e}x");
        r.detail = Some("a\u{1b}[2Kb".into());
        let row = Row::of(&r);
        assert_eq!(row.detail, r"a\u{1b}[2Kb");
        assert_eq!(row.decision, r"deny\u{202e}x");
        assert_eq!(row.decision_class(), "event");
        assert_eq!(Row::of(&record("t", "ask-denied")).decision_class(), "deny");
    }
}
