//! Before answering `ghost`, sends responses to ids nobody asked about.
use mcpward_testkit::server::{serve, text_result, tool};
use serde_json::json;

fn main() {
    let tools = vec![tool(
        "ghost",
        "Send unsolicited responses",
        json!({"readOnlyHint": true}),
    )];
    serve(tools, |s, _, _| {
        s.send(&json!({"jsonrpc": "2.0", "id": 999_999, "result": {"content": []}}));
        s.send(
            &json!({"jsonrpc": "2.0", "id": "nobody-asked", "error": {"code": 1, "message": "x"}}),
        );
        Some(text_result("real answer"))
    });
}
