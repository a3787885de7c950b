//! The session's side of the desktop notification ([`crate::desktop`]): sent on a task of its
//! own so the session loop goes on at once, and a missing notification service recorded once in
//! the audit log, never shown to the client (the MCP log message already told it).

use std::cell::Cell;
use std::rc::{Rc, Weak};
use std::time::Duration;

use super::audit::AuditWriter;
use crate::chain::Record;
use crate::desktop::{self, Notice};

/// How long the notification service gets to accept a notification.
const SEND_LIMIT: Duration = Duration::from_secs(5);

/// One per session, shared by the tasks that send.
pub(super) struct DesktopNotifier {
    server: String,
    /// Weak: a notification still being sent must not keep the session's log alive.
    log: Option<Weak<AuditWriter>>,
    /// A service that is missing stays missing: its absence is recorded once per session.
    failure_recorded: Cell<bool>,
}

impl DesktopNotifier {
    pub(super) fn new(server: &str, log: Option<&Rc<AuditWriter>>) -> Rc<DesktopNotifier> {
        Rc::new(DesktopNotifier {
            server: server.to_owned(),
            log: log.map(Rc::downgrade),
            failure_recorded: Cell::new(false),
        })
    }

    /// Sends `notice` without waiting for it.
    pub(super) fn announce(self: &Rc<Self>, notice: Notice) {
        let this = self.clone();
        tokio::task::spawn_local(async move {
            let Err(why) = desktop::send(notice, SEND_LIMIT).await else {
                return;
            };
            if this.failure_recorded.replace(true) {
                return;
            }
            if let Some(log) = this.log.as_ref().and_then(Weak::upgrade) {
                log.record(Record {
                    server: this.server.clone(),
                    method: "desktop-notify-unavailable".into(),
                    decision: "event".into(),
                    detail: Some(format!(
                        "no desktop notification for calls waiting in the approval queue: {why}"
                    )),
                    ..Record::default()
                });
                log.flush();
            }
        });
    }
}
