//! What a denied call returns: a tool result with `isError: true` whose text tells the model what
//! happened and the person how to allow it.
//!
//! A tool result rather than a JSON-RPC error because clients show tool results to the model,
//! which can then explain the refusal instead of retrying blindly; protocol errors are often
//! reported as "the server failed".

use mcpward_policy::{Decision, DecisionSource};
use serde_json::{Value, json};

/// Text of the denial for a decision.
pub fn denial_text(
    server: &str,
    tool: &str,
    decision: &Decision,
    policy_file: Option<&str>,
) -> String {
    let how = match &decision.source {
        DecisionSource::Rule { file, line, .. } => format!(
            "To allow it, change or remove that rule at {file}:{line} (check with `mcpward policy explain`)."
        ),
        DecisionSource::DefaultMode(_) | DecisionSource::Taint => match policy_file {
            Some(file) => format!(
                "To allow it, add a rule to {file}: [[rule]] server = \"{server}\" tool = \"{tool}\" action = \"allow\"."
            ),
            None => format!(
                "To allow it, write a policy file with a rule [[rule]] server = \"{server}\" tool = \"{tool}\" action = \"allow\" (or \"ask\") and start the server with `mcpward run --policy FILE`."
            ),
        },
        DecisionSource::UnknownTool => {
            "To allow it, review the tool and pin it with `mcpward pin`.".to_owned()
        }
        DecisionSource::PathGuard => {
            "The server may only touch paths inside the directories it was started with; name a path inside them.".to_owned()
        }
        DecisionSource::Pin { approve, .. } => format!(
            "A person must review the change (`mcpward pin --check`) and accept it with `{approve}`."
        ),
    };
    format!(
        "mcpward denied `{tool}` on server `{server}`: {} (decided by {}). {how}",
        decision.reason.trim_end_matches('.'),
        decision.rule_label()
    )
}

/// Text when a person (or nobody, in time) refused an `ask`.
pub fn refusal_text(server: &str, tool: &str, why: &str) -> String {
    format!(
        "mcpward did not run `{tool}` on server `{server}`: {why}. Nothing was executed; ask the person before trying again."
    )
}

/// The `result` of a refused `tools/call`.
pub fn error_result(text: &str) -> Value {
    json!({ "content": [{ "type": "text", "text": text }], "isError": true })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcpward_policy::{Action, Mode};

    fn decision(source: DecisionSource, reason: &str) -> Decision {
        Decision {
            action: Action::Deny,
            source,
            reason: reason.into(),
        }
    }

    #[test]
    fn rule_denial_names_rule_and_policy_line() {
        let d = decision(
            DecisionSource::Rule {
                index: 1,
                line: 14,
                reason: Some("moves are irreversible".into()),
                file: "policy.toml".into(),
            },
            "moves are irreversible",
        );
        insta::assert_snapshot!(denial_text("filesystem", "move_file", &d, Some("policy.toml")), @"mcpward denied `move_file` on server `filesystem`: moves are irreversible (decided by rule #2 (policy.toml:14)). To allow it, change or remove that rule at policy.toml:14 (check with `mcpward policy explain`).");
    }

    #[test]
    fn default_mode_denial_without_policy_says_how_to_write_one() {
        let d = decision(
            DecisionSource::DefaultMode(Mode::ReadOnly),
            "no read-only proof",
        );
        insta::assert_snapshot!(denial_text("memory", "delete_entities", &d, None), @r#"mcpward denied `delete_entities` on server `memory`: no read-only proof (decided by defaults.mode = read-only). To allow it, write a policy file with a rule [[rule]] server = "memory" tool = "delete_entities" action = "allow" (or "ask") and start the server with `mcpward run --policy FILE`."#);
    }

    #[test]
    fn refusal_says_nothing_ran() {
        insta::assert_snapshot!(refusal_text("filesystem", "write_file", "the person declined"), @"mcpward did not run `write_file` on server `filesystem`: the person declined. Nothing was executed; ask the person before trying again.");
    }
}
