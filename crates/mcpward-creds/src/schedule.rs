//! Rotation status: the inventory joined with the state file, judged against today.
//! Pure: today is a parameter.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

use crate::inventory::Credential;
use crate::state::RotationState;

/// Days between rotations when a credential has no period of its own.
pub const DEFAULT_PERIOD_DAYS: u32 = 90;
/// A credential with this many days left or fewer is due soon.
pub const DUE_SOON_DAYS: i64 = 14;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Ok,
    DueSoon,
    Overdue,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::DueSoon => "due soon",
            Status::Overdue => "overdue",
        }
    }
}

/// One line of `mcpward creds`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    #[serde(flatten)]
    pub credential: Credential,
    #[serde(serialize_with = "date_str")]
    pub first_seen: Date,
    #[serde(serialize_with = "opt_date_str")]
    pub last_rotated: Option<Date>,
    /// Days since the last rotation (or first sight).
    pub age_days: i64,
    pub period_days: u32,
    /// When the next rotation is due.
    #[serde(serialize_with = "date_str")]
    pub due: Date,
    /// Negative when overdue.
    pub days_left: i64,
    pub status: Status,
}

impl Row {
    /// The date a reminder belongs on: the due date, or today when it has passed.
    pub fn reminder_date(&self, today: Date) -> Date {
        self.due.max(today)
    }
}

/// Records first sight of every credential not yet in `state` (so the caller saves it) and
/// returns the status of each, in inventory order.
pub fn schedule(credentials: Vec<Credential>, state: &mut RotationState, today: Date) -> Vec<Row> {
    credentials
        .into_iter()
        .map(|c| {
            state.first_sight(&c.id, today);
            let record = state.get(&c.id).cloned().expect("first_sight recorded it");
            let period_days = record.period_days.unwrap_or(DEFAULT_PERIOD_DAYS);
            let since = record.last_rotated.unwrap_or(record.first_seen);
            let age_days = days_between(since, today);
            let due = since
                .checked_add(i64::from(period_days).days())
                .unwrap_or(Date::MAX);
            let days_left = days_between(today, due);
            let status = if days_left < 0 {
                Status::Overdue
            } else if days_left <= DUE_SOON_DAYS {
                Status::DueSoon
            } else {
                Status::Ok
            };
            Row {
                credential: c,
                first_seen: record.first_seen,
                last_rotated: record.last_rotated,
                age_days,
                period_days,
                due,
                days_left,
                status,
            }
        })
        .collect()
}

/// Why a NAME given to `mcpward creds rotated` designates no single credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FindError {
    #[error(
        "no credential named `{name}` in the discovered configs\nhint: `mcpward creds` lists them{}",
        if known.is_empty() { String::new() } else { format!(": {}", known.join(", ")) }
    )]
    Unknown { name: String, known: Vec<String> },
    #[error("`{name}` names more than one credential: {}\nhint: use the full name", ids.join(", "))]
    Ambiguous { name: String, ids: Vec<String> },
}

/// The credential `name` designates: its id (`env:X`), its short name (variable, input id,
/// reference), or for literals its fingerprint, with or without `sha256:`, or a prefix of at
/// least 6 digits of it.
pub fn find<'r>(rows: &'r [Row], name: &str) -> Result<&'r Row, FindError> {
    let bare = name.strip_prefix("sha256:").unwrap_or(name);
    let exact: Vec<&Row> = rows
        .iter()
        .filter(|r| r.credential.id.0 == name || r.credential.origin.name() == name)
        .collect();
    let matches = if exact.is_empty() {
        rows.iter()
            .filter(|r| {
                matches!(r.credential.origin, crate::Origin::Literal { .. })
                    && bare.len() >= 6
                    && r.credential.origin.name().starts_with(bare)
            })
            .collect()
    } else {
        exact
    };
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(FindError::Unknown {
            name: name.into(),
            known: rows
                .iter()
                .map(|r| r.credential.origin.name().to_string())
                .collect(),
        }),
        many => Err(FindError::Ambiguous {
            name: name.into(),
            ids: many.iter().map(|r| r.credential.id.0.clone()).collect(),
        }),
    }
}

fn days_between(from: Date, to: Date) -> i64 {
    from.until((jiff::Unit::Day, to))
        .map_or(0, |span| i64::from(span.get_days()))
}

fn date_str<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.to_string())
}

fn opt_date_str<S: serde::Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&d.to_string()),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{CredentialId, Origin};

    fn cred(name: &str) -> Credential {
        let origin = Origin::Variable { name: name.into() };
        Credential {
            id: origin.id(),
            origin,
            provider: None,
            kind: None,
            broad: None,
            uses: Vec::new(),
        }
    }

    #[test]
    fn status_follows_the_period_and_the_due_soon_window() {
        let mut state = RotationState::default();
        let today = Date::constant(2026, 6, 1);
        let id = |n: &str| CredentialId(format!("env:{n}"));
        state.rotated(&id("FRESH"), Date::constant(2026, 5, 1), None);
        state.rotated(&id("SOON"), Date::constant(2026, 3, 10), None);
        state.rotated(&id("OLD"), Date::constant(2026, 1, 1), None);
        state.rotated(&id("SHORT"), Date::constant(2026, 5, 1), Some(7));
        let rows = schedule(
            vec![
                cred("FRESH"),
                cred("SOON"),
                cred("OLD"),
                cred("SHORT"),
                cred("NEW"),
            ],
            &mut state,
            today,
        );
        let got: Vec<(Status, i64)> = rows.iter().map(|r| (r.status, r.days_left)).collect();
        assert_eq!(
            got,
            [
                (Status::Ok, 59),
                (Status::DueSoon, 7),
                (Status::Overdue, -61),
                (Status::Overdue, -24),
                (Status::Ok, 90),
            ]
        );
        assert_eq!(state.get(&id("NEW")).unwrap().first_seen, today);
        assert_eq!(rows[2].reminder_date(today), today);
    }

    #[test]
    fn find_accepts_names_ids_and_fingerprint_prefixes() {
        let mut state = RotationState::default();
        let literal = Origin::Literal {
            fingerprint: "0123456789ab".into(),
        };
        let lit = Credential {
            id: literal.id(),
            origin: literal,
            provider: None,
            kind: None,
            broad: None,
            uses: Vec::new(),
        };
        let rows = schedule(
            vec![cred("GITHUB_TOKEN"), lit],
            &mut state,
            Date::constant(2026, 1, 1),
        );
        assert_eq!(
            find(&rows, "GITHUB_TOKEN").unwrap().credential.id.0,
            "env:GITHUB_TOKEN"
        );
        assert_eq!(
            find(&rows, "env:GITHUB_TOKEN").unwrap().credential.id.0,
            "env:GITHUB_TOKEN"
        );
        for fp in [
            "0123456789ab",
            "sha256:0123456789ab",
            "012345",
            "sha256:012345",
        ] {
            assert_eq!(
                find(&rows, fp).unwrap().credential.id.0,
                "sha256:0123456789ab",
                "{fp}"
            );
        }
        assert!(matches!(
            find(&rows, "01234"),
            Err(FindError::Unknown { .. })
        ));
        let e = find(&rows, "NOPE").unwrap_err().to_string();
        assert!(e.contains("GITHUB_TOKEN, 0123456789ab"), "{e}");
    }
}
