//! Answers `garble` with broken frames first: not JSON, invalid UTF-8, a duplicate key, a
//! JSON-RPC 1.0 message; then a valid result. `garble_only` sends only a broken answer that
//! carries the request's id.
use mcpward_testkit::server::{serve, text_result, tool};
use serde_json::json;

fn main() {
    let tools = vec![
        tool(
            "garble",
            "Send broken frames",
            json!({"readOnlyHint": true}),
        ),
        tool(
            "garble_only",
            "Answer with a broken frame",
            json!({"readOnlyHint": true}),
        ),
    ];
    serve(tools, |s, name, _| {
        s.raw(b"this is not json");
        s.raw(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{\"data\":\"\xff\xfe\"}}");
        s.raw(br#"{"jsonrpc":"2.0","method":"notifications/message","method":"x"}"#);
        s.raw(br#"{"jsonrpc":"1.0","method":"notifications/message"}"#);
        match name {
            "garble_only" => {
                let id = s.current_id.to_string();
                let dup = format!(
                    r#"{{"jsonrpc":"2.0","id":{id},"result":{{}},"result":{{"content":[]}}}}"#
                );
                s.raw(dup.as_bytes());
                None
            }
            _ => Some(text_result("after the garbage")),
        }
    });
}
