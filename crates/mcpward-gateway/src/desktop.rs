//! The desktop notification shown when a call waits in the approval queue.
//!
//! A client without elicitation shows mcpward's MCP log message somewhere in a log panel, if at
//! all, and the agent just seems to hang. The notification makes the wait visible where the person
//! is: it names the server, the tool, where the call acts, and the command that answers it.
//!
//! Its text is built from the masked arguments the queue stores (never a secret value) and every
//! part that came from the server or the model is escaped ([`display::escape`]): a tool name
//! cannot repaint the notification into a harmless-looking one. Where the notification service
//! reads the body as markup (the freedesktop specification allows `<b>`, `<a href>`, …), `&`, `<`
//! and `>` are escaped as well, so a path cannot become a link.
//!
//! Sending goes through notify-rust: on Linux and the BSDs its pure-Rust D-Bus client (zbus, the
//! version the keychain support already builds, so no second D-Bus stack), on macOS the
//! Notification Center, on Windows a toast. [`show`] blocks until the service answers, so the
//! gateway calls [`send`], which runs it on a thread of its own and stops waiting after a limit.

use std::time::Duration;

use mcpward_core::display;
use serde_json::Value;

/// A call waiting in the queue, as the notification describes it.
#[derive(Debug, Clone, Copy)]
pub struct WaitingCall<'a> {
    pub server: &'a str,
    pub tool: &'a str,
    /// The arguments with secrets masked, as stored in the queue.
    pub masked_arguments: &'a Value,
    /// The queue's id for the request.
    pub request_id: &'a str,
    /// ` --state-dir DIR` when the gateway's state directory is not the default, else empty.
    pub state_flag: &'a str,
    pub timeout: Duration,
}

/// The notification's title and body, as plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub summary: String,
    pub body: String,
}

/// Argument names that say where a call acts, most telling first (the official filesystem
/// server's `path`, `source`/`destination` of a move, and the names other servers use).
const TARGET_ARGUMENTS: &[&str] = &[
    "path",
    "file_path",
    "filepath",
    "filename",
    "file",
    "paths",
    "destination",
    "source",
    "directory",
    "dir",
    "target",
    "uri",
    "url",
];

/// Longest target shown whole; longer ones keep their start and end.
const MAX_TARGET_CHARS: usize = 120;

impl Notice {
    /// The notification for a call that waits in the queue.
    pub fn waiting(call: &WaitingCall<'_>) -> Notice {
        let summary = format!(
            "mcpward: `{}` on `{}` needs your approval",
            display::escape(call.tool),
            display::escape(call.server)
        );
        let mut body = String::new();
        if let Some(target) = target(call.masked_arguments) {
            body.push_str(&format!("Target: {target}\n"));
        }
        let id = call.request_id;
        let flag = call.state_flag;
        body.push_str(&format!(
            "Approve: mcpward approve {id}{flag}\nDeny: mcpward deny {id}{flag}\nNo answer within {} s denies it.",
            call.timeout.as_secs()
        ));
        Notice { summary, body }
    }

    /// The body as this platform's notification service should receive it.
    pub fn body_for_service(&self) -> String {
        if cfg!(all(unix, not(target_os = "macos"))) {
            markup_escape(&self.body)
        } else {
            self.body.clone()
        }
    }
}

/// Where the call acts: the first argument named like a path (a list shows its first entry and
/// how many more), escaped and shortened.
fn target(arguments: &Value) -> Option<String> {
    let map = arguments.as_object()?;
    TARGET_ARGUMENTS.iter().find_map(|name| {
        let text = match map.get(*name)? {
            Value::String(s) if !s.is_empty() => s.clone(),
            Value::Array(items) => {
                let first = items.iter().find_map(Value::as_str)?;
                match items.len() {
                    1 => first.to_string(),
                    n => format!("{first} (and {} more)", n - 1),
                }
            }
            _ => return None,
        };
        Some(shorten(&display::escape(&text)))
    })
}

fn shorten(text: &str) -> String {
    let count = text.chars().count();
    if count <= MAX_TARGET_CHARS {
        return text.to_string();
    }
    let keep = MAX_TARGET_CHARS / 2 - 1;
    let head: String = text.chars().take(keep).collect();
    let tail: String = text.chars().skip(count - keep).collect();
    format!("{head}…{tail}")
}

/// `&`, `<` and `>` as entities: the freedesktop body markup is a small XML subset.
pub fn markup_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Shows `notice` through the platform's notification service and waits for it to be accepted.
/// Blocking; an error says why there is no notification (no session bus, no service).
#[cfg(any(unix, windows))]
pub fn show(notice: &Notice) -> Result<(), String> {
    notify_rust::Notification::new()
        .appname("mcpward")
        .summary(&notice.summary)
        .body(&notice.body_for_service())
        .show()
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[cfg(not(any(unix, windows)))]
pub fn show(_notice: &Notice) -> Result<(), String> {
    Err("desktop notifications are not supported on this platform".into())
}

/// [`show`] on a thread of its own, waited for at most `limit`: the caller's loop never blocks on
/// the notification service, and a service that hangs only leaves that thread behind (a plain
/// thread, so it does not hold up the runtime's shutdown either).
pub async fn send(notice: Notice, limit: Duration) -> Result<(), String> {
    within(limit, move || show(&notice)).await
}

/// Runs blocking `work` on a new thread and waits for its result at most `limit`.
async fn within<F>(limit: Duration, work: F) -> Result<(), String>
where
    F: FnOnce() -> Result<(), String> + Send + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("mcpward-desktop-notify".into())
        .spawn(move || {
            let _ = tx.send(work());
        })
        .map_err(|e| format!("cannot start the notification thread: {e}"))?;
    match tokio::time::timeout(limit, rx).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err("the notification thread stopped without an answer".into()),
        Err(_) => Err(format!(
            "the notification service did not answer within {} ms",
            limit.as_millis()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call<'a>(tool: &'a str, args: &'a Value) -> WaitingCall<'a> {
        WaitingCall {
            server: "filesystem",
            tool,
            masked_arguments: args,
            request_id: "k3v9q2",
            state_flag: "",
            timeout: Duration::from_secs(120),
        }
    }

    #[test]
    fn names_server_tool_target_and_the_commands_that_answer() {
        let args = json!({"content": "hello", "path": "/home/a-example/notes.txt"});
        let notice = Notice::waiting(&call("write_file", &args));
        insta::assert_snapshot!(format!("{}\n---\n{}", notice.summary, notice.body), @r"
        mcpward: `write_file` on `filesystem` needs your approval
        ---
        Target: /home/a-example/notes.txt
        Approve: mcpward approve k3v9q2
        Deny: mcpward deny k3v9q2
        No answer within 120 s denies it.
        ");
    }

    #[test]
    fn shows_the_target_and_no_other_argument() {
        // The queue stores arguments after the redactor (`****` where a secret was); of those the
        // notice shows only where the call acts, so content never lands on a lock screen.
        let args = json!({"url": "https://api.example.com/?token=****", "body": "private text"});
        let notice = Notice::waiting(&call("fetch", &args));
        assert!(
            notice
                .body
                .starts_with("Target: https://api.example.com/?token=****\n")
        );
        assert!(!notice.body.contains("private text"), "{}", notice.body);
        assert!(!notice.summary.contains("private text"));
    }

    #[test]
    fn a_disguised_tool_name_or_path_is_escaped() {
        let args = json!({"paths": ["/tmp/x\r\u{1b}[2K/etc/passwd\u{202E}", "/b"]});
        let notice = Notice::waiting(&WaitingCall {
            server: "fs\u{2066}",
            state_flag: " --state-dir '/tmp/my state'",
            ..call("read\nnotes", &args)
        });
        insta::assert_snapshot!(format!("{}\n---\n{}", notice.summary, notice.body), @r"
        mcpward: `read\nnotes` on `fs\u{2066}` needs your approval
        ---
        Target: /tmp/x\r\u{1b}[2K/etc/passwd\u{202e} (and 1 more)
        Approve: mcpward approve k3v9q2 --state-dir '/tmp/my state'
        Deny: mcpward deny k3v9q2 --state-dir '/tmp/my state'
        No answer within 120 s denies it.
        ");
    }

    #[test]
    fn markup_in_a_path_cannot_become_a_link() {
        let args = json!({"path": "<a href=\"https://evil.example\">notes</a> & more"});
        let notice = Notice::waiting(&call("write_file", &args));
        assert_eq!(
            markup_escape(&notice.body).lines().next(),
            Some("Target: &lt;a href=\"https://evil.example\"&gt;notes&lt;/a&gt; &amp; more")
        );
        if cfg!(all(unix, not(target_os = "macos"))) {
            assert!(!notice.body_for_service().contains('<'));
        }
    }

    #[test]
    fn a_long_target_keeps_its_start_and_end_and_no_target_is_no_line() {
        let long = format!("/srv/{}/secret-plan.txt", "d".repeat(300));
        let args = json!({"path": long});
        let notice = Notice::waiting(&call("write_file", &args));
        let line = notice.body.lines().next().unwrap();
        assert!(line.starts_with("Target: /srv/ddd"), "{line}");
        assert!(line.ends_with("dd/secret-plan.txt"), "{line}");
        assert!(line.chars().count() <= "Target: ".len() + MAX_TARGET_CHARS);
        let notice = Notice::waiting(&call("list_tools", &json!({"limit": 3})));
        assert!(notice.body.starts_with("Approve: "), "{}", notice.body);
    }

    #[tokio::test]
    async fn a_service_that_does_not_answer_is_given_up_on_after_the_limit() {
        let started = std::time::Instant::now();
        let result = within(Duration::from_millis(200), || {
            std::thread::sleep(Duration::from_secs(30));
            Ok(())
        })
        .await;
        assert_eq!(
            result,
            Err("the notification service did not answer within 200 ms".to_string())
        );
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(
            within(Duration::from_secs(5), || Err("no bus".into())).await,
            Err("no bus".into())
        );
    }
}
