use std::fmt;

use serde::{Deserialize, Serialize};

/// What happens to one tool call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Allow,
    Deny,
    /// A person must approve the call before it is forwarded; no answer in time is a denial.
    Ask,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Allow => "allow",
            Action::Deny => "deny",
            Action::Ask => "ask",
        })
    }
}

/// What to do with a call that no rule matched (`defaults.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Allow only tools proven read-only (curated list, trusted annotations or a pin); ask for
    /// everything else. The safe default: an unlisted tool never runs without a person.
    #[default]
    ReadOnly,
    Ask,
    Allow,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::ReadOnly => "read-only",
            Mode::Ask => "ask",
            Mode::Allow => "allow",
        })
    }
}

/// Whether untrusted content seen in a session makes later side effects need approval
/// (`defaults.taint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TaintMode {
    /// After a tool returned untrusted content (a web page, an e-mail, an issue body), a call that
    /// would be allowed but writes, deletes, executes or talks to the network is asked instead:
    /// the content may carry instructions the person never gave.
    #[default]
    Ask,
    Off,
}

impl fmt::Display for TaintMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TaintMode::Ask => "ask",
            TaintMode::Off => "off",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_with_the_names_the_policy_file_uses() {
        let json = serde_json::to_string(&[Action::Allow, Action::Deny, Action::Ask]).ok();
        assert_eq!(json.as_deref(), Some(r#"["allow","deny","ask"]"#));
        let json = serde_json::to_string(&[Mode::ReadOnly, Mode::Ask, Mode::Allow]).ok();
        assert_eq!(json.as_deref(), Some(r#"["read-only","ask","allow"]"#));
        assert_eq!(Mode::ReadOnly.to_string(), "read-only");
        assert_eq!(TaintMode::Off.to_string(), "off");
    }
}
