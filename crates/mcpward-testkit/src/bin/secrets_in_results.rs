//! `leak` returns a token-shaped secret and the value of `MCPWARD_TEST_SECRET` from its
//! environment (as a real server echoing its own credential would).
use mcpward_testkit::server::{serve, text_result, tool};
use serde_json::json;

fn main() {
    let tools = vec![tool(
        "leak",
        "Return secrets",
        json!({"readOnlyHint": true}),
    )];
    serve(tools, |_, _, _| {
        let env = std::env::var("MCPWARD_TEST_SECRET").unwrap_or_default();
        let token = mcpward_testkit::fake_github_token();
        Some(text_result(&format!("token={token} env={env}")))
    });
}
