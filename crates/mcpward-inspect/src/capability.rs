//! Capability classes per tool, from mcpward's one classifier (`mcpward_policy::knowledge`).

use mcpward_policy::knowledge::{Capabilities, capabilities};
use serde_json::Value;

use crate::definitions::Definitions;

/// One tool's classes, for `inspect` output and the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCapabilities {
    pub name: String,
    pub capabilities: Capabilities,
}

/// The capability classes of one tool definition (name, description, input schema, annotations).
pub fn tool_capabilities(tool: &Value) -> Capabilities {
    capabilities(
        tool.get("name").and_then(Value::as_str).unwrap_or(""),
        tool.get("description").and_then(Value::as_str),
        tool.get("inputSchema"),
        tool.get("annotations"),
    )
}

/// Classes of every tool a server lists, in list order.
pub fn classify_tools(defs: &Definitions) -> Vec<ToolCapabilities> {
    defs.tools
        .iter()
        .map(|t| ToolCapabilities {
            name: t
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            capabilities: tool_capabilities(t),
        })
        .collect()
}
