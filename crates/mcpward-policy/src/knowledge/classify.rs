use serde_json::Value;

use crate::call::ToolKind;

/// Classify a tool from its name, description and annotations.
pub fn classify(tool: &str, description: Option<&str>, annotations: Option<&Value>) -> ToolKind {
    let _ = (tool, description, annotations);
    ToolKind::Unknown
}

/// Whether the tool brings untrusted content into the session.
pub fn reads_untrusted(tool: &str, annotations: Option<&Value>) -> bool {
    let _ = (tool, annotations);
    true
}
