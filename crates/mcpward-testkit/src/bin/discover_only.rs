//! A stdio server of the stateless 2026-07-28 revision only: no `initialize` (answered with
//! -32022 and the supported versions, after which it exits, as rmcp's servers do), `server/discover`
//! for capabilities and identity, and every request must carry the protocol version and client
//! capabilities in `_meta`.

use std::io::{BufRead, Write};

use serde_json::{Value, json};

const VERSION: &str = "2026-07-28";

fn main() {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { return };
        let Ok(msg) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        let (Some(method), Some(id)) = (msg["method"].as_str(), msg.get("id")) else {
            continue;
        };
        let meta = &msg["params"]["_meta"];
        let reply = if method == "initialize" {
            let reply = json!({"jsonrpc": "2.0", "id": id, "error": {
                "code": -32022,
                "message": "Unsupported protocol version",
                "data": {"requested": msg["params"]["protocolVersion"], "supported": [VERSION]}
            }});
            let _ = writeln!(out, "{reply}");
            let _ = out.flush();
            return;
        } else if meta["io.modelcontextprotocol/protocolVersion"] != VERSION
            || !meta["io.modelcontextprotocol/clientCapabilities"].is_object()
        {
            json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32602,
                "message": "request _meta is missing or has malformed required fields"}})
        } else {
            match answer(method) {
                Some(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
                None => json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601,
                    "message": format!("method not found: {method}")}}),
            }
        };
        let _ = writeln!(out, "{reply}");
        let _ = out.flush();
    }
}

fn answer(method: &str) -> Option<Value> {
    Some(match method {
        "server/discover" => json!({
            "resultType": "complete",
            "supportedVersions": [VERSION],
            "capabilities": {"tools": {}, "prompts": {}},
            "instructions": "Weather for any city.",
            "ttlMs": 0,
            "cacheScope": "private",
            "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "testkit-stateless", "version": "0.9.0"}}
        }),
        "tools/list" => json!({
            "resultType": "complete",
            "tools": [{
                "name": "get_forecast",
                "description": "Get the weather forecast for a city.",
                "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}},
                "annotations": {"readOnlyHint": true}
            }],
            "ttlMs": 60000,
            "cacheScope": "shared"
        }),
        "prompts/list" => json!({
            "resultType": "complete",
            "prompts": [{"name": "plan_trip", "description": "Plan a trip around the weather."}]
        }),
        _ => return None,
    })
}
