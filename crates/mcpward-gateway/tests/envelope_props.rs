//! Property tests: the envelope parser never panics, and whatever it accepts is a single,
//! duplicate-free JSON-RPC 2.0 object (so a frame it rejects is never forwarded: the proxy only
//! forwards frames `parse` accepted).

use mcpward_gateway::envelope::{self, Message};
use proptest::prelude::*;

fn valid_frames() -> impl Strategy<Value = String> {
    let id = prop_oneof![
        any::<i32>().prop_map(|n| n.to_string()),
        "[a-z0-9-]{1,8}".prop_map(|s| format!("\"{s}\""))
    ];
    let method = prop_oneof![
        Just("tools/call"),
        Just("tools/list"),
        Just("ping"),
        Just("notifications/progress")
    ];
    (id, method, "[a-z_]{1,6}", "[ -~]{0,20}").prop_map(|(id, method, key, value)| {
        let value = serde_json::Value::from(value).to_string();
        format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"{method}","params":{{"name":"t","arguments":{{"{key}":{value}}}}}}}"#)
    })
}

proptest! {
    #[test]
    fn parser_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = envelope::parse(&bytes);
        let _ = envelope::salvage_id(&bytes);
    }

    #[test]
    fn parser_never_panics_on_mutated_frames(frame in valid_frames(), pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = frame.into_bytes();
        let i = pos.index(bytes.len());
        bytes[i] = byte;
        if let Ok(env) = envelope::parse(&bytes) {
            let value: serde_json::Value = serde_json::from_slice(&bytes).expect("accepted frames are JSON");
            prop_assert_eq!(&value["jsonrpc"], "2.0");
            prop_assert!(value.is_object());
            if let Message::Request { method, .. } | Message::Notification { method, .. } = env.message {
                prop_assert_eq!(value["method"].as_str(), Some(method));
            }
        }
    }

    #[test]
    fn valid_frames_are_accepted(frame in valid_frames()) {
        prop_assert!(envelope::parse(frame.as_bytes()).is_ok(), "{}", frame);
    }

    #[test]
    fn any_duplicated_key_is_rejected(frame in valid_frames()) {
        // Repeat the first argument key: `{"k":v}` → `{"k":v,"k":v}`.
        let start = frame.find("\"arguments\":{").unwrap() + "\"arguments\":{".len();
        let end = frame[start..].rfind("}}}").unwrap() + start;
        let pair = &frame[start..end];
        let dup = format!("{}{pair},{pair}{}", &frame[..start], &frame[end..]);
        prop_assert!(matches!(envelope::parse(dup.as_bytes()), Err(envelope::EnvelopeError::DuplicateKey(_))), "{}", dup);
    }
}
