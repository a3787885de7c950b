//! Records every line it receives; `received` returns them (one per line) so a test can check
//! exactly what the gateway forwarded.
use std::io::{BufRead, Write};

use serde_json::{Value, json};

fn main() {
    let mut seen: Vec<String> = Vec::new();
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { return };
        seen.push(line.clone());
        let Ok(msg) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        let (Some(method), Some(id)) = (msg["method"].as_str(), msg.get("id")) else {
            continue;
        };
        let result = match method {
            "initialize" => json!({
                "protocolVersion": "2025-06-18",
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "recorder", "version": "0"}
            }),
            "tools/list" => json!({"tools": [mcpward_testkit::server::tool(
                "received", "Lines received so far", json!({"readOnlyHint": true}))]}),
            _ => mcpward_testkit::server::text_result(&seen.join("\n")),
        };
        let frame = json!({"jsonrpc": "2.0", "id": id, "result": result});
        if writeln!(out, "{frame}").and_then(|()| out.flush()).is_err() {
            return;
        }
    }
}
