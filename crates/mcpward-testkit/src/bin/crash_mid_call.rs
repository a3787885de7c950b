//! Exits with status 3 in the middle of a `crash` call, leaving it unanswered.
use mcpward_testkit::server::{serve, text_result, tool};
use serde_json::json;

fn main() {
    let tools = vec![
        tool("echo", "Echo a message", json!({"readOnlyHint": true})),
        tool("crash", "Crash the server", json!({})),
    ];
    serve(tools, |_, name, args| match name {
        "crash" => std::process::exit(3),
        _ => Some(text_result(args["message"].as_str().unwrap_or("echo"))),
    });
}
