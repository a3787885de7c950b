//! mcpward policy: the file format that says which MCP tool calls are allowed, denied or need a
//! person's approval, and the pure function that decides one call.
//!
//! Loading is the only I/O ([`Policy::load`]); everything after that works on data, so the
//! gateway, the Claude Code hook and `mcpward policy explain` reach the same decision for the
//! same call. Globs and regexes are compiled once when the file is parsed, never per call.
#![forbid(unsafe_code)]

mod action;
mod call;
mod coercion;
mod decision;
mod error;
mod evaluate;
mod explain;
pub mod knowledge;
mod matcher;
mod parse;
mod path;
mod policy;
mod rule;
mod schema;
mod server;
mod unicode;

pub use action::{Action, Mode, TaintMode};
pub use call::{Call, ReadOnlyProof, ToolFacts, ToolKind};
pub use decision::{Decision, DecisionSource};
pub use error::PolicyError;
pub use explain::{Explanation, RuleCheck, RuleOutcome, explain};
pub use matcher::ArgMatcher;
pub use policy::{Defaults, Policy, SecretBinding};
pub use rule::Rule;
pub use server::ServerTable;
