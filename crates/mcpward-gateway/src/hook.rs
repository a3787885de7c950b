//! `mcpward check`: the Claude Code `PreToolUse` hook. Claude Code runs it before every tool call
//! with the event as JSON on stdin; for MCP tools we answer with the policy's decision, so the
//! same policy guards servers that are not wrapped by `mcpward run`.
//!
//! Input (fields we read): `{"hook_event_name":"PreToolUse","tool_name":"mcp__<server>__<tool>",
//! "tool_input":{…},"cwd":"…","session_id":"…"}`. Output on stdout, exit code 0:
//!
//! ```json
//! {"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"…"}}
//! ```
//!
//! * A tool whose name does not start with `mcp__` (Bash, Edit…) gets no opinion: no output,
//!   exit 0, and Claude Code's own permissions apply.
//! * Input that is not a `PreToolUse` event we can read is denied with the reason (fail closed).
//!   Claude Code only reads the JSON when the exit code is 0, so every answer, denials included,
//!   exits 0; a non-zero exit other than 2 would let the call through.
//! * Claude Code joins server and tool with `__`, and both may contain `__` themselves, so
//!   `mcp__a__b__c` is ambiguous. Every split is evaluated and the strictest decision wins
//!   (deny over ask over allow): an ambiguity can only make the answer stricter.

use std::path::PathBuf;

use mcpward_policy::{Action, Call, Decision, Policy, ToolFacts, knowledge};
use serde_json::{Value, json};

/// More server/tool readings than this are refused rather than evaluated one by one.
const MAX_READINGS: usize = 32;

/// The `permissionDecision` values Claude Code accepts from a `PreToolUse` hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookDecision {
    Allow,
    Deny,
    Ask,
}

impl HookDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            HookDecision::Allow => "allow",
            HookDecision::Deny => "deny",
            HookDecision::Ask => "ask",
        }
    }

    fn strictness(self) -> u8 {
        match self {
            HookDecision::Allow => 0,
            HookDecision::Ask => 1,
            HookDecision::Deny => 2,
        }
    }
}

impl From<Action> for HookDecision {
    fn from(a: Action) -> Self {
        match a {
            Action::Allow => HookDecision::Allow,
            Action::Deny => HookDecision::Deny,
            Action::Ask => HookDecision::Ask,
        }
    }
}

/// What `mcpward check` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookOutput {
    /// Not an MCP tool: print nothing, exit 0.
    NoOpinion,
    Decision {
        decision: HookDecision,
        /// Shown to the person for `ask`, to the model for `deny`.
        reason: String,
    },
}

impl HookOutput {
    /// A denial for input or setup that could not be understood (fail closed).
    pub fn deny(reason: impl Into<String>) -> HookOutput {
        HookOutput::Decision {
            decision: HookDecision::Deny,
            reason: reason.into(),
        }
    }

    /// The JSON line to print on stdout, if any.
    pub fn to_json(&self) -> Option<String> {
        match self {
            HookOutput::NoOpinion => None,
            HookOutput::Decision { decision, reason } => Some(
                json!({
                    "hookSpecificOutput": {
                        "hookEventName": "PreToolUse",
                        "permissionDecision": decision.as_str(),
                        "permissionDecisionReason": reason,
                    }
                })
                .to_string(),
            ),
        }
    }

    /// Exit code: always 0, because Claude Code ignores the JSON of a non-zero exit.
    pub fn exit_code(&self) -> u8 {
        0
    }
}

/// Decides one `PreToolUse` event (the raw stdin text) with `policy`. Never panics; input that
/// cannot be read is denied.
pub fn decide(event_json: &str, policy: &Policy) -> HookOutput {
    let event: Value = match serde_json::from_str(event_json) {
        Ok(v) => v,
        Err(e) => {
            return HookOutput::deny(format!(
                "mcpward check: the hook input is not valid JSON ({e}); check the hook command in Claude Code's settings"
            ));
        }
    };
    let Some(obj) = event.as_object() else {
        return HookOutput::deny("mcpward check: the hook input is not a JSON object");
    };
    let Some(tool_name) = obj.get("tool_name").and_then(Value::as_str) else {
        return HookOutput::deny("mcpward check: the hook input has no `tool_name` string");
    };
    let Some(rest) = tool_name.strip_prefix("mcp__") else {
        return HookOutput::NoOpinion;
    };
    match obj.get("hook_event_name").and_then(Value::as_str) {
        Some("PreToolUse") | None => {}
        Some(other) => {
            return HookOutput::deny(format!(
                "mcpward check answers PreToolUse events, not `{other}`; register it under \"PreToolUse\" in Claude Code's hooks"
            ));
        }
    }
    let null = Value::Null;
    let arguments = obj.get("tool_input").unwrap_or(&null);
    let roots: Vec<PathBuf> = obj
        .get("cwd")
        .and_then(Value::as_str)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .into_iter()
        .collect();
    // As in the gateway: path matchers see where the arguments really point (symlinks resolved).
    let roots = crate::paths::canonical_roots(&roots);
    let readings = crate::paths::readings(arguments, &roots);

    let splits = splits(rest);
    if splits.len() > MAX_READINGS {
        return HookOutput::deny(format!(
            "mcpward check: `{}…` has more than {MAX_READINGS} `__` separators; no real tool name does",
            tool_name.chars().take(60).collect::<String>()
        ));
    }
    if splits.is_empty() {
        return HookOutput::deny(format!(
            "mcpward check: cannot tell server from tool in `{tool_name}` (expected mcp__<server>__<tool>)"
        ));
    }
    let mut strictest: Option<(HookDecision, String)> = None;
    for (server, tool) in &splits {
        // When a symlink changed an argument, every reading is judged; the strictest applies.
        let mut decision = evaluate(policy, server, tool, arguments, &roots);
        for reading in &readings {
            let other = evaluate(policy, server, tool, reading, &roots);
            decision = crate::paths::stricter(decision, other);
        }
        let hd = HookDecision::from(decision.action);
        if strictest
            .as_ref()
            .is_none_or(|(d, _)| hd.strictness() > d.strictness())
        {
            let label = decision.rule_label();
            let mut reason = format!("mcpward: {}", decision.reason);
            if !decision.reason.contains(&label) {
                reason.push_str(&format!(" [{label}]"));
            }
            reason.push_str(&format!(" (server `{server}`, tool `{tool}`)"));
            if splits.len() > 1 {
                reason.push_str(&format!(
                    "; `{tool_name}` can be read {} ways, the strictest decision applies",
                    splits.len()
                ));
            }
            strictest = Some((hd, reason));
        }
    }
    match strictest {
        Some((decision, reason)) => HookOutput::Decision { decision, reason },
        None => HookOutput::deny("mcpward check: no decision"),
    }
}

fn evaluate(
    policy: &Policy,
    server: &str,
    tool: &str,
    arguments: &Value,
    roots: &[PathBuf],
) -> Decision {
    let facts = ToolFacts {
        kind: knowledge::classify(tool, None, None),
        read_only: knowledge::read_only_proof(
            &[server],
            tool,
            None,
            policy.defaults.trusts(server),
            false,
        ),
        session_tainted: false,
        roots: roots.to_vec(),
        input_schema: None,
    };
    policy.evaluate(&Call {
        server,
        tool,
        arguments,
        facts: &facts,
    })
}

/// Every `(server, tool)` reading of `<server>__<tool>` with both parts non-empty. Separators
/// may overlap (`a___b` reads as `a` + `_b` and as `a_` + `b`).
fn splits(rest: &str) -> Vec<(&str, &str)> {
    (0..rest.len())
        .filter(|&i| rest.as_bytes()[i..].starts_with(b"__"))
        .filter_map(|i| {
            let (server, tool) = (rest.get(..i)?, rest.get(i + 2..)?);
            (!server.is_empty() && !tool.is_empty()).then_some((server, tool))
        })
        .collect()
}

#[cfg(test)]
mod tests;
