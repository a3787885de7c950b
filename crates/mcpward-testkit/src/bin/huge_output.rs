//! `big {"bytes": N}` returns a text result of N bytes (default 1 MiB).
use mcpward_testkit::server::{serve, text_result, tool};
use serde_json::json;

fn main() {
    let tools = vec![tool(
        "big",
        "Return a large result",
        json!({"readOnlyHint": true}),
    )];
    serve(tools, |_, _, args| {
        let n = args["bytes"].as_u64().unwrap_or(1 << 20);
        let n = usize::try_from(n).unwrap_or(1 << 20);
        Some(text_result(&"x".repeat(n)))
    });
}
