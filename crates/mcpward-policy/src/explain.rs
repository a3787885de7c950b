//! `mcpward policy explain`: every rule considered for a call and why it did or did not match.

use std::fmt;

use crate::action::Action;
use crate::call::Call;
use crate::decision::Decision;
use crate::matcher::Miss;
use crate::policy::Policy;
use crate::rule::RuleMiss;

/// The trace of one evaluation. `Display` renders it for people.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub server: String,
    pub tool: String,
    /// One entry per rule, in file order.
    pub checks: Vec<RuleCheck>,
    /// The same decision [`Policy::evaluate`] returns.
    pub decision: Decision,
}

/// How one rule fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCheck {
    /// 0-based index into [`Policy::rules`].
    pub index: usize,
    pub line: u32,
    pub action: Action,
    pub outcome: RuleOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleOutcome {
    /// This rule decided the call.
    Matched,
    ServerDiffers,
    ToolDiffers,
    /// A `when` entry names an argument the call does not have.
    ArgumentAbsent {
        argument: String,
    },
    /// A `when` entry's condition does not hold; `condition` describes it.
    ArgumentDiffers {
        argument: String,
        condition: String,
    },
    /// An earlier rule matched first.
    NotReached,
}

/// Evaluate `call` against `policy`, recording why each rule did or did not match.
pub fn explain(policy: &Policy, call: &Call<'_>) -> Explanation {
    let mut matched = false;
    let checks = policy
        .rules
        .iter()
        .enumerate()
        .map(|(index, rule)| {
            let outcome = if matched {
                RuleOutcome::NotReached
            } else {
                match rule.check(call) {
                    Ok(()) => {
                        matched = true;
                        RuleOutcome::Matched
                    }
                    Err(RuleMiss::Server) => RuleOutcome::ServerDiffers,
                    Err(RuleMiss::Tool) => RuleOutcome::ToolDiffers,
                    Err(RuleMiss::Argument { position, miss }) => {
                        let m = &rule.when[position];
                        match miss {
                            Miss::Absent => RuleOutcome::ArgumentAbsent {
                                argument: m.argument.clone(),
                            },
                            Miss::Differs => RuleOutcome::ArgumentDiffers {
                                argument: m.argument.clone(),
                                condition: m.matcher.to_string(),
                            },
                        }
                    }
                }
            };
            RuleCheck {
                index,
                line: rule.line,
                action: rule.action,
                outcome,
            }
        })
        .collect();
    Explanation {
        server: call.server.to_owned(),
        tool: call.tool.to_owned(),
        checks,
        decision: policy.evaluate(call),
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "call: server `{}`, tool `{}`", self.server, self.tool)?;
        if self.checks.is_empty() {
            writeln!(f, "  (the policy has no rules)")?;
        }
        for check in &self.checks {
            write!(
                f,
                "  rule #{} (line {}, {}): ",
                check.index.saturating_add(1),
                check.line,
                check.action
            )?;
            match &check.outcome {
                RuleOutcome::Matched => writeln!(f, "matched")?,
                RuleOutcome::ServerDiffers => writeln!(f, "server does not match")?,
                RuleOutcome::ToolDiffers => writeln!(f, "tool does not match")?,
                RuleOutcome::ArgumentAbsent { argument } => {
                    writeln!(f, "argument `{argument}` is absent")?;
                }
                RuleOutcome::ArgumentDiffers {
                    argument,
                    condition,
                } => writeln!(f, "argument `{argument}` does not satisfy: {condition}")?,
                RuleOutcome::NotReached => writeln!(f, "not reached (an earlier rule matched)")?,
            }
        }
        write!(
            f,
            "decision: {} by {}: {}",
            self.decision.action,
            self.decision.rule_label(),
            self.decision.reason
        )
    }
}
