//! `mcpward creds calendar`: one all-day event per credential on its next rotation date (today
//! when overdue), with a display alarm a week before. UIDs derive from the credential id, so
//! importing the file again updates the events instead of duplicating them.

use chrono::NaiveDate;
use icalendar::{Alarm, Calendar, Component, Event, EventLike, Trigger};
use jiff::civil::Date;
use sha2::{Digest, Sha256};

use crate::schedule::{Row, Status};

/// The iCalendar text for `rows`.
pub fn calendar(rows: &[Row], today: Date) -> String {
    let mut cal = Calendar::new();
    cal.name("mcpward credential rotation");
    for row in rows {
        let day = row.reminder_date(today);
        let Some(start) = naive(day) else { continue };
        let end = start.succ_opt().unwrap_or(start);
        let c = &row.credential;
        let who = c.provider.as_deref().unwrap_or("credential");
        let summary = format!("Rotate {} ({who})", c.origin.name());
        let mut description = format!(
            "{}: last rotated {}, every {} days.",
            c.id,
            row.last_rotated.map_or_else(
                || format!("never (first seen {})", row.first_seen),
                |d| d.to_string()
            ),
            row.period_days
        );
        if row.status == Status::Overdue {
            description.push_str(&format!(" Overdue since {}.", row.due));
        }
        for u in &c.uses {
            description.push_str(&format!(
                "\nUsed by {} ({}) in {}",
                u.server,
                u.client,
                u.file.display()
            ));
        }
        if let Some(narrower) = &c.broad {
            description.push_str(&format!(
                "\nBroader than needed: replace it with {narrower}."
            ));
        }
        description.push_str(&format!(
            "\nThen record it: mcpward creds rotated {}",
            c.origin.name()
        ));
        let event_uid = uid(&c.id.0);
        // The crate gives each alarm a random UID; a fixed one keeps the file identical
        // between runs when nothing changed.
        let alarm = Alarm::display(&summary, Trigger::before_start(chrono::Duration::days(7)))
            .uid(&format!("alarm-{event_uid}"))
            .done();
        let event = Event::new()
            .uid(&event_uid)
            .summary(&summary)
            .description(&description)
            .starts(start)
            .ends(end)
            .alarm(alarm)
            .done();
        cal.push(event);
    }
    cal.done().to_string()
}

/// Stable across runs and machines: derived from the credential id only.
pub fn uid(id: &str) -> String {
    let digest = Sha256::digest(id.as_bytes());
    format!("{}@mcpward", hex::encode(&digest[..16]))
}

fn naive(d: Date) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(
        i32::from(d.year()),
        u32::try_from(d.month()).ok()?,
        u32::try_from(d.day()).ok()?,
    )
}
