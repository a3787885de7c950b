//! The decision for one call: first matching rule, else `defaults.mode`, then taint.

use crate::action::{Action, Mode, TaintMode};
use crate::call::{Call, ToolKind};
use crate::decision::{Decision, DecisionSource};
use crate::policy::Policy;
use crate::rule::Rule;

impl Policy {
    /// Decide one call. Pure: no I/O, no compilation; the same call always gets the same answer.
    pub fn evaluate(&self, call: &Call<'_>) -> Decision {
        let first = self
            .rules
            .iter()
            .enumerate()
            .find(|(_, rule)| rule.check(call).is_ok());
        let decision = match first {
            Some((index, rule)) => self.rule_decision(index, rule),
            None => self.default_decision(call),
        };
        self.apply_taint(call, decision)
    }

    /// The decision for a tool that is not in the pinned lockfile (`defaults.unknown_tools`).
    pub fn unknown_tool(&self, server: &str, tool: &str) -> Decision {
        let action = self.defaults.unknown_tools;
        let reason = match action {
            Action::Deny => format!(
                "tool `{tool}` of server `{server}` is not in the pinned lockfile; review it and pin it with `mcpward pin`"
            ),
            Action::Ask => format!(
                "tool `{tool}` of server `{server}` is not in the pinned lockfile; a person must approve it"
            ),
            Action::Allow => format!(
                "tool `{tool}` of server `{server}` is not pinned, and defaults.unknown_tools allows it"
            ),
        };
        Decision {
            action,
            source: DecisionSource::UnknownTool,
            reason,
        }
    }

    /// Whether every call of this tool is denied whatever its arguments: the first rule that can
    /// match it is an unconditional `deny`. Used to hide such tools from `tools/list`.
    /// Conditional `deny` rules are skipped; a conditional `allow`/`ask` before an unconditional
    /// deny means some calls get through, so the tool stays visible.
    pub fn always_denies(&self, server: &str, tool: &str) -> bool {
        for rule in &self.rules {
            if rule.applies_to_tool(server, tool).is_err() {
                continue;
            }
            if rule.when.is_empty() {
                return rule.action == Action::Deny;
            }
            if rule.action != Action::Deny {
                return false;
            }
        }
        false
    }

    pub(crate) fn rule_decision(&self, index: usize, rule: &Rule) -> Decision {
        let label = DecisionSource::Rule {
            index,
            line: rule.line,
            reason: rule.reason.clone(),
            file: self.file_name().to_owned(),
        };
        let reason = match &rule.reason {
            Some(r) => r.clone(),
            None => format!("{} says {}", label.label(), rule.action),
        };
        Decision {
            action: rule.action,
            source: label,
            reason,
        }
    }

    fn default_decision(&self, call: &Call<'_>) -> Decision {
        let mode = self.defaults.mode;
        let proof = call.facts.read_only;
        let (action, reason) = match mode {
            Mode::ReadOnly if proof.is_proof() => (
                Action::Allow,
                format!("no rule matched and `{}` is read-only: {proof}", call.tool),
            ),
            Mode::ReadOnly => (
                Action::Ask,
                format!(
                    "no rule matched and `{}` is not proven read-only ({proof}); defaults.mode = read-only asks a person",
                    call.tool
                ),
            ),
            Mode::Ask => (
                Action::Ask,
                "no rule matched; defaults.mode = ask".to_owned(),
            ),
            Mode::Allow => (
                Action::Allow,
                "no rule matched; defaults.mode = allow".to_owned(),
            ),
        };
        Decision {
            action,
            source: DecisionSource::DefaultMode(mode),
            reason,
        }
    }

    /// A tool we could not classify is treated like a write here: after untrusted content, not
    /// knowing what a tool does is a reason to ask.
    fn apply_taint(&self, call: &Call<'_>, decision: Decision) -> Decision {
        let facts = call.facts;
        if decision.action == Action::Allow
            && facts.session_tainted
            && facts.kind != ToolKind::Read
            && self.defaults.taint == TaintMode::Ask
        {
            return Decision {
                action: Action::Ask,
                reason: format!(
                    "this session has seen untrusted content and `{}` is a {} tool, so it needs approval (it would otherwise be allowed by {})",
                    call.tool,
                    facts.kind,
                    decision.rule_label()
                ),
                source: DecisionSource::Taint,
            };
        }
        decision
    }
}
