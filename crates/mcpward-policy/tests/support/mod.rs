//! Helpers shared by the integration tests: parse a policy text and decide one call.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use mcpward_policy::{Action, Call, Decision, Policy, ReadOnlyProof, ToolFacts, ToolKind};
use serde_json::Value;

pub fn policy(text: &str) -> Policy {
    match Policy::parse(text, Path::new("policy.toml")) {
        Ok(p) => p,
        Err(e) => panic!("test policy does not parse:\n{e}"),
    }
}

pub fn facts() -> ToolFacts {
    ToolFacts {
        kind: ToolKind::Write,
        read_only: ReadOnlyProof::None,
        session_tainted: false,
        roots: vec![PathBuf::from("/proj")],
        input_schema: None,
    }
}

pub fn decide(policy: &Policy, server: &str, tool: &str, args: &Value) -> Decision {
    decide_with(policy, server, tool, args, &facts())
}

pub fn decide_with(
    policy: &Policy,
    server: &str,
    tool: &str,
    args: &Value,
    facts: &ToolFacts,
) -> Decision {
    policy.evaluate(&Call {
        server,
        tool,
        arguments: args,
        facts,
    })
}

/// The action for a call to `fs/t` under a policy made of one rule with the given `when`
/// and action `deny` (so a match is visible as Deny, a miss as the default Ask).
pub fn when_matches(when: &str, args: &Value) -> bool {
    let p = policy(&format!(
        "[[rule]]\ntool = \"t\"\nwhen = {when}\naction = \"deny\"\n"
    ));
    decide(&p, "fs", "t", args).action == Action::Deny
}

/// Same, but for an `allow` rule (array arguments are quantified differently).
pub fn allow_when_matches(when: &str, args: &Value) -> bool {
    let p = policy(&format!(
        "[[rule]]\ntool = \"t\"\nwhen = {when}\naction = \"allow\"\n"
    ));
    decide(&p, "fs", "t", args).action == Action::Allow
}

/// Whether a one-rule policy with this `when` and action (`"allow"`, `"ask"`, `"deny"`) matches a
/// call whose tool declares `input_schema`.
pub fn matches_with_schema(action: &str, when: &str, args: &Value, input_schema: Value) -> bool {
    let p = policy(&format!(
        "[[rule]]\ntool = \"t\"\nwhen = {when}\naction = \"{action}\"\n"
    ));
    let facts = ToolFacts {
        input_schema: Some(std::sync::Arc::new(input_schema)),
        ..facts()
    };
    let decision = decide_with(&p, "fs", "t", args, &facts);
    matches!(decision.source, mcpward_policy::DecisionSource::Rule { .. })
}
