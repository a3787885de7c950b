//! What `mcpward creds` shows: a human table, a JSON document, and audit findings for the
//! overdue ones.

use std::fmt::Write as _;

use jiff::civil::Date;
use mcpward_core::Finding;

use crate::schedule::{Row, Status};

/// The human table: one block per credential, worst status first.
pub fn human(rows: &[Row], today: Date) -> String {
    let mut out = String::new();
    if rows.is_empty() {
        out.push_str("no credentials found in the discovered configs\n");
        return out;
    }
    let mut sorted: Vec<&Row> = rows.iter().collect();
    sorted.sort_by(|a, b| b.status.cmp(&a.status).then(a.days_left.cmp(&b.days_left)));
    for row in sorted {
        let c = &row.credential;
        let state = match row.status {
            Status::Overdue => format!("OVERDUE by {} day(s)", -row.days_left),
            Status::DueSoon => format!("due soon: {} day(s) left", row.days_left),
            Status::Ok => format!("ok: {} day(s) left", row.days_left),
        };
        let provider = c.provider.as_deref().unwrap_or("unknown provider");
        let kind = c
            .kind
            .as_deref()
            .map(|k| format!(", {k}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{} [{}] {provider}{kind} — {state}",
            c.origin.name(),
            c.origin.label()
        );
        let rotated = row
            .last_rotated
            .map_or_else(|| "never recorded".to_string(), |d| d.to_string());
        let _ = writeln!(
            out,
            "  first seen {}, last rotated {rotated}, age {} day(s), every {} days, due {}",
            row.first_seen, row.age_days, row.period_days, row.due
        );
        for u in &c.uses {
            let _ = writeln!(
                out,
                "  used by `{}` ({}) in {}:{}:{}",
                u.server,
                u.client,
                u.file.display(),
                u.line,
                u.col
            );
        }
        if let Some(n) = &c.broad {
            let _ = writeln!(
                out,
                "  warning: broader than an MCP server needs; replace it with {n}"
            );
        }
        if matches!(c.origin, crate::Origin::Literal { .. }) {
            let _ = writeln!(
                out,
                "  warning: written literally in the config; `mcpward template` shows the reference form"
            );
        }
        if row.status != Status::Ok {
            let _ = writeln!(
                out,
                "  hint: rotate it, then `mcpward creds rotated {}`",
                c.origin.name()
            );
        }
    }
    let count = |s: Status| rows.iter().filter(|r| r.status == s).count();
    let _ = writeln!(
        out,
        "{} credential(s) as of {today}: {} overdue, {} due soon, {} ok",
        rows.len(),
        count(Status::Overdue),
        count(Status::DueSoon),
        count(Status::Ok)
    );
    out
}

/// `--json`: versioned, values never included (literals by fingerprint only).
pub fn json(rows: &[Row], today: Date) -> String {
    let doc = serde_json::json!({
        "version": 1,
        "as_of": today.to_string(),
        "credentials": rows,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// A `credential-rotation-overdue` finding for each use of each overdue credential.
pub fn overdue_findings(rows: &[Row]) -> Vec<Finding> {
    use mcpward_audit::rules::credential_rotation_overdue as rule;
    rows.iter()
        .filter(|r| r.status == Status::Overdue)
        .flat_map(|r| {
            r.credential.uses.iter().map(move |u| {
                rule::finding(rule::Overdue {
                    name: r.credential.origin.name(),
                    provider: r.credential.provider.as_deref(),
                    days_over: -r.days_left,
                    period_days: r.period_days,
                    file: &u.file,
                    client: u.client,
                    server: &u.server,
                    line: u.line,
                    col: u.col,
                })
            })
        })
        .collect()
}
