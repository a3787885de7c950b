//! One `[[rule]]`: which calls it is about and what to do with them.

use globset::GlobSet;

use crate::action::Action;
use crate::call::Call;
use crate::matcher::{ArgMatcher, Miss, Quantifier};

/// A validated `[[rule]]` with its globs compiled.
#[derive(Debug, Clone)]
pub struct Rule {
    /// 1-based line of the rule (its `[[rule]]` header) in the policy file.
    pub line: u32,
    /// Globs on the server name; empty means any server.
    pub server: Vec<String>,
    /// Globs on the tool name (at least one; `"*"` for every tool).
    pub tool: Vec<String>,
    /// Argument matchers; all must hold.
    pub when: Vec<ArgMatcher>,
    pub action: Action,
    pub reason: Option<String>,
    pub(crate) server_set: Option<GlobSet>,
    pub(crate) tool_set: GlobSet,
}

/// Why a rule did not match a call (first reason found, in the order server, tool, arguments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RuleMiss {
    Server,
    Tool,
    Argument { position: usize, miss: Miss },
}

impl Rule {
    pub(crate) fn applies_to_tool(&self, server: &str, tool: &str) -> Result<(), RuleMiss> {
        if let Some(set) = &self.server_set
            && !set.is_match(server)
        {
            return Err(RuleMiss::Server);
        }
        if !self.tool_set.is_match(tool) {
            return Err(RuleMiss::Tool);
        }
        Ok(())
    }

    pub(crate) fn check(&self, call: &Call<'_>) -> Result<(), RuleMiss> {
        self.applies_to_tool(call.server, call.tool)?;
        let quantifier = match self.action {
            Action::Allow => Quantifier::All,
            Action::Ask | Action::Deny => Quantifier::Any,
        };
        for (position, matcher) in self.when.iter().enumerate() {
            matcher
                .check(
                    call.arguments,
                    &call.facts.roots,
                    call.facts.input_schema.as_deref(),
                    quantifier,
                )
                .map_err(|miss| RuleMiss::Argument { position, miss })?;
        }
        Ok(())
    }
}
