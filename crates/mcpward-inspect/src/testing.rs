//! Helpers for the detector tests.

use mcpward_core::Finding;
use serde_json::Value;

use crate::definitions::Definitions;

/// Findings of one rule over a definitions document.
pub(crate) fn findings_of(rule: &str, defs: Value) -> Vec<Finding> {
    let defs = Definitions::from_value(defs).expect("test definitions parse");
    crate::inspect("test", &defs)
        .into_iter()
        .filter(|f| f.rule == rule)
        .collect()
}
