//! Asking the person through the client: the `elicitation/create` request the gateway sends when
//! the client declared the elicitation capability, and how its answer is read.
//!
//! Only an explicit `accept` with `approve: true` approves. Decline, cancel, a missing or
//! malformed answer, an error response and a timeout all deny: silence is never consent.

use mcpward_core::display;
use rmcp::model::{ElicitResult, ElicitationAction};
use serde_json::{Value, json};

use crate::redact::Redactor;

/// What the person answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElicitAnswer {
    /// Approved for this call only.
    ApprovedOnce,
    /// Approved for this tool for the rest of the session.
    ApprovedForSession,
    /// Declined, cancelled, or the answer could not be read.
    Refused,
}

/// Arguments as shown to the person and written to disk: every string and every key redacted,
/// recursively.
pub fn mask_arguments(arguments: &Value, redactor: &Redactor) -> Value {
    let mut masked = arguments.clone();
    redactor.redact_strings(&mut masked);
    masked
}

/// `chain::args_digest(&mask_arguments(arguments, redactor))`, without the masked copy when no
/// string or key in the arguments holds a secret (the usual call).
pub fn masked_args_digest(arguments: &Value, redactor: &Redactor) -> String {
    crate::chain::args_digest_unless(arguments, &mut |text| {
        matches!(redactor.redact(text), std::borrow::Cow::Borrowed(_))
    })
    .unwrap_or_else(|| crate::chain::args_digest(&mask_arguments(arguments, redactor)))
}

/// `params` of the `elicitation/create` request describing one call. A form request without
/// `mode`, which every protocol version reads as a form (2025-11-25 made `mode` optional for
/// exactly this).
pub fn elicitation_params(
    server: &str,
    tool: &str,
    masked_arguments: &Value,
    reason: &str,
) -> Value {
    // Names and arguments come from the server and the model: escaped so they cannot
    // disguise the call, short arguments (the path) before long ones (the content).
    let mut args = String::new();
    for line in display::argument_lines(masked_arguments) {
        args.push_str("  ");
        args.push_str(&line);
        args.push('\n');
    }
    let message = format!(
        "mcpward: the agent wants to call `{}` on server `{}`.\n\
         Why approval is needed: {}\n\
         Arguments (secrets masked):\n{args}\
         Approve this call?",
        display::escape(tool),
        display::escape(server),
        display::escape(reason),
    );
    json!({
        "message": message,
        "requestedSchema": {
            "type": "object",
            "properties": {
                "approve": {
                    "type": "boolean",
                    "title": "Approve this call",
                    "description": "Run the tool call shown above",
                    "default": false
                },
                "remember": {
                    "type": "boolean",
                    "title": "Approve this tool for the rest of the session",
                    "default": false
                }
            },
            "required": ["approve"]
        }
    })
}

/// The line written to stderr (which clients show in their MCP log) when a call waits in the
/// local queue. `state_flag` is ` --state-dir DIR` when the gateway does not use the default.
pub fn queue_prompt(
    server: &str,
    tool: &str,
    reason: &str,
    request_id: &str,
    state_flag: &str,
    timeout: std::time::Duration,
) -> String {
    format!(
        "mcpward: `{}` on server `{}` needs approval: {}. Run `mcpward approve {request_id}{state_flag}` (add `--session` to allow this tool for the rest of the session) or `mcpward deny {request_id}{state_flag}` within {} s; no answer denies it.",
        display::escape(tool),
        display::escape(server),
        display::escape(reason),
        timeout.as_secs()
    )
}

/// ` --state-dir DIR` for the approval prompt, or nothing for the default directory. The path is
/// quoted for a POSIX shell when it needs it, so the printed command can be pasted as it is.
pub fn state_dir_flag(dir: &std::path::Path, default: &std::path::Path) -> String {
    if dir == default {
        return String::new();
    }
    let text = dir.display().to_string();
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+,:@%=".contains(&b));
    if plain {
        format!(" --state-dir {text}")
    } else {
        format!(" --state-dir '{}'", text.replace('\'', r"'\''"))
    }
}

/// Reads the client's answer (`result` of the elicitation response). `None` = error response.
pub fn read_answer(result: Option<&str>) -> ElicitAnswer {
    let Some(text) = result else {
        return ElicitAnswer::Refused;
    };
    let Ok(answer) = serde_json::from_str::<ElicitResult>(text) else {
        return ElicitAnswer::Refused;
    };
    if answer.action != ElicitationAction::Accept {
        return ElicitAnswer::Refused;
    }
    let content = answer.content.unwrap_or(Value::Null);
    if content.get("approve") != Some(&Value::Bool(true)) {
        return ElicitAnswer::Refused;
    }
    if content.get("remember") == Some(&Value::Bool(true)) {
        ElicitAnswer::ApprovedForSession
    } else {
        ElicitAnswer::ApprovedOnce
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_of_masked_arguments_is_the_same_with_or_without_a_secret_in_them() {
        let token = mcpward_testkit::fake_github_token();
        let redactor = Redactor::new(std::iter::empty());
        for args in [
            serde_json::json!({"path": "/tmp/a", "n": [1, 2]}),
            serde_json::json!({"auth": token, "path": "/tmp/a"}),
            serde_json::json!({ token.clone(): "key holds it", "path": "/tmp/a"}),
        ] {
            assert_eq!(
                masked_args_digest(&args, &redactor),
                crate::chain::args_digest(&mask_arguments(&args, &redactor)),
                "{args}"
            );
        }
        // The token itself is never what is digested.
        let with = serde_json::json!({"auth": token});
        assert_ne!(
            masked_args_digest(&with, &redactor),
            crate::chain::args_digest(&with)
        );
    }

    #[test]
    fn only_accept_with_approve_true_approves() {
        assert_eq!(
            read_answer(Some(r#"{"action":"accept","content":{"approve":true}}"#)),
            ElicitAnswer::ApprovedOnce
        );
        assert_eq!(
            read_answer(Some(
                r#"{"action":"accept","content":{"approve":true,"remember":true}}"#
            )),
            ElicitAnswer::ApprovedForSession
        );
        for refused in [
            r#"{"action":"accept","content":{"approve":false}}"#,
            r#"{"action":"accept","content":{"approve":"true"}}"#,
            r#"{"action":"accept"}"#,
            r#"{"action":"decline"}"#,
            r#"{"action":"cancel"}"#,
            r#"{"action":"maybe"}"#,
            "{}",
        ] {
            assert_eq!(
                read_answer(Some(refused)),
                ElicitAnswer::Refused,
                "{refused}"
            );
        }
        assert_eq!(read_answer(None), ElicitAnswer::Refused);
    }

    #[test]
    fn elicitation_describes_the_call() {
        let params = elicitation_params(
            "filesystem",
            "write_file",
            &json!({"path": "/p/notes.txt", "content": "hi"}),
            "writes need review",
        );
        insta::assert_snapshot!(params["message"].as_str().unwrap(), @r#"
        mcpward: the agent wants to call `write_file` on server `filesystem`.
        Why approval is needed: writes need review
        Arguments (secrets masked):
          content: "hi"
          path: "/p/notes.txt"
        Approve this call?
        "#);
        assert_eq!(params["requestedSchema"]["required"], json!(["approve"]));
    }

    #[test]
    fn elicitation_shows_a_disguised_tool_name_and_the_path_before_long_content() {
        let params = elicitation_params(
            "filesystem\u{202E}",
            "write_file\r\u{1b}[2Kread_notes",
            &json!({"content": "k".repeat(300), "path": "/home/a-example/.ssh/authorized_keys"}),
            "writes\u{2066} need review",
        );
        insta::assert_snapshot!(params["message"].as_str().unwrap(), @r#"
        mcpward: the agent wants to call `write_file\r\u{1b}[2Kread_notes` on server `filesystem\u{202e}`.
        Why approval is needed: writes\u{2066} need review
        Arguments (secrets masked):
          path: "/home/a-example/.ssh/authorized_keys"
          content: "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk" … "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk" (300 chars)
        Approve this call?
        "#);
    }

    #[test]
    fn queue_prompt_says_which_commands_answer() {
        insta::assert_snapshot!(
            queue_prompt("memory", "delete_entities", "destructive", "ab2cd3", "", std::time::Duration::from_secs(120)),
            @"mcpward: `delete_entities` on server `memory` needs approval: destructive. Run `mcpward approve ab2cd3` (add `--session` to allow this tool for the rest of the session) or `mcpward deny ab2cd3` within 120 s; no answer denies it."
        );
    }

    #[test]
    fn queue_prompt_shows_a_disguised_tool_name() {
        insta::assert_snapshot!(
            queue_prompt("memory\u{200F}", "x\r\u{1b}[2Kmcpward: `read_notes`", "ok\u{9b}2K\u{202E}", "ab2cd3", "", std::time::Duration::from_secs(120)),
            @"mcpward: `x\\r\\u{1b}[2Kmcpward: `read_notes`` on server `memory\\u{200f}` needs approval: ok\\u{9b}2K\\u{202e}. Run `mcpward approve ab2cd3` (add `--session` to allow this tool for the rest of the session) or `mcpward deny ab2cd3` within 120 s; no answer denies it."
        );
    }

    #[test]
    fn state_dir_in_the_prompt_is_quoted_when_it_has_spaces() {
        use std::path::Path;
        let default = Path::new("/home/a-example/.local/state/mcpward");
        assert_eq!(state_dir_flag(default, default), "");
        assert_eq!(
            state_dir_flag(Path::new("/tmp/state"), default),
            " --state-dir /tmp/state"
        );
        assert_eq!(
            state_dir_flag(Path::new("/Users/a/Library/My State/it's"), default),
            r" --state-dir '/Users/a/Library/My State/it'\''s'"
        );
    }

    #[test]
    fn masks_secrets_in_nested_arguments() {
        let secret = format!("tok-{}", "Zq8Wx7Vc6Bn5Ml4K");
        let r = Redactor::new([secret.as_str()]);
        let masked = mask_arguments(&json!({"a": [{"b": secret}], "n": 3}), &r);
        assert!(!masked.to_string().contains(&secret));
        assert_eq!(masked["n"], 3);
    }

    #[test]
    fn masks_secrets_used_as_argument_keys() {
        let secret = format!("tok-{}", "Zq8Wx7Vc6Bn5Ml4K");
        let r = Redactor::new([secret.as_str()]);
        let args = json!({"headers": {secret.clone(): "x"}});
        let masked = mask_arguments(&args, &r);
        assert!(!masked.to_string().contains(&secret), "{masked}");
        assert_eq!(masked["headers"].as_object().unwrap().len(), 1);
    }
}
