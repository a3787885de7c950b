//! The page templates (askama: compiled in, HTML-escaped by default). Every value they show was
//! already passed through `mcpward_core::display::escape` by the view modules, so control, bidi
//! and invisible characters from servers and models are visible as escapes, and the template
//! engine escapes HTML.

use askama::Template;

use crate::audit::LogView;
use crate::pending::PendingCall;
use crate::servers::ServersView;

/// What every page shows around its content.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The page token, for the page's own links and forms (hex: nothing to escape).
    pub token: String,
    pub page_session: String,
    /// Which navigation entry is current: `pending`, `log`, `servers` or empty.
    pub nav: &'static str,
}

#[derive(Debug, Template)]
#[template(path = "pending.html")]
pub struct PendingPage {
    pub chrome: Chrome,
    pub notice: Option<String>,
    pub calls: Vec<PendingCall>,
}

/// One choice of a filter's `<select>`.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub selected: bool,
}

impl Choice {
    /// `values` as choices, with `current` selected (and added when the log has no such value).
    pub fn list(values: &[String], current: Option<&str>) -> Vec<Choice> {
        let mut out: Vec<Choice> = values
            .iter()
            .map(|v| Choice {
                value: v.clone(),
                selected: Some(v.as_str()) == current,
            })
            .collect();
        if let Some(c) = current
            && !values.iter().any(|v| v == c)
        {
            out.push(Choice {
                value: mcpward_core::display::escape(c).into_owned(),
                selected: true,
            });
        }
        out
    }
}

#[derive(Debug, Template)]
#[template(path = "log.html")]
pub struct LogPage {
    pub chrome: Chrome,
    pub log_path: String,
    pub servers: Vec<Choice>,
    pub decisions: Vec<Choice>,
    pub from: String,
    pub to: String,
    pub view: LogView,
}

#[derive(Debug, Template)]
#[template(path = "servers.html")]
pub struct ServersPage {
    pub chrome: Chrome,
    pub view: ServersView,
}

#[derive(Debug, Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub title: String,
    pub message: String,
}
