use crate::action::{Action, Mode};

/// The outcome for one call, with where it came from so logs and denials can name the cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub action: Action,
    pub source: DecisionSource,
    /// One sentence for the person and the model: why this action.
    pub reason: String,
}

/// What produced a [`Decision`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionSource {
    /// A `[[rule]]` matched. `index` is 0-based into [`crate::Policy::rules`] (labels show it
    /// 1-based); `line` is the 1-based line of the rule in `file`.
    Rule {
        index: usize,
        line: u32,
        reason: Option<String>,
        /// File name of the policy, for labels such as `policy.toml:14`.
        file: String,
    },
    /// No rule matched; `defaults.mode` decided.
    DefaultMode(Mode),
    /// The call would have been allowed, but the session saw untrusted content and the tool has
    /// side effects (`defaults.taint = "ask"`).
    Taint,
    /// The tool is not in the pinned lockfile (`defaults.unknown_tools`).
    UnknownTool,
    /// The gateway's path guard: a path argument of a server whose paths are known leaves the
    /// server's directories, whatever the policy said.
    PathGuard,
    /// The tool's definition is not the one pinned (a lockfile, or the record of its first use):
    /// it changed, or the server's launch is not the pinned one. `file` is where the pin lives,
    /// `approve` the command that accepts the change after review.
    Pin { file: String, approve: String },
}

impl Decision {
    /// Short name of what decided, for logs and denial messages: `rule #2 (policy.toml:14)`,
    /// `defaults.mode = read-only`.
    pub fn rule_label(&self) -> String {
        self.source.label()
    }
}

impl DecisionSource {
    /// See [`Decision::rule_label`].
    pub fn label(&self) -> String {
        match self {
            DecisionSource::Rule {
                index, line, file, ..
            } => format!("rule #{} ({file}:{line})", index.saturating_add(1)),
            DecisionSource::DefaultMode(mode) => format!("defaults.mode = {mode}"),
            DecisionSource::Taint => "defaults.taint = ask (session saw untrusted content)".into(),
            DecisionSource::UnknownTool => "defaults.unknown_tools".into(),
            DecisionSource::PathGuard => "the path guard".into(),
            DecisionSource::Pin { file, .. } => format!("the pin in {file}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(source: DecisionSource) -> String {
        Decision {
            action: Action::Ask,
            source,
            reason: String::new(),
        }
        .rule_label()
    }

    #[test]
    fn labels_name_what_decided() {
        let rule = DecisionSource::Rule {
            index: 1,
            line: 14,
            reason: None,
            file: "policy.toml".into(),
        };
        assert_eq!(label(rule), "rule #2 (policy.toml:14)");
        assert_eq!(
            label(DecisionSource::DefaultMode(Mode::ReadOnly)),
            "defaults.mode = read-only"
        );
        assert!(label(DecisionSource::Taint).starts_with("defaults.taint = ask"));
        assert_eq!(label(DecisionSource::UnknownTool), "defaults.unknown_tools");
        assert_eq!(label(DecisionSource::PathGuard), "the path guard");
    }
}
