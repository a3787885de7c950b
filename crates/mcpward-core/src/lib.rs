//! Shared vocabulary of mcpward: a [`Finding`] is what every check returns, a [`Span`] points into
//! the file it came from, and [`output`] is the only place that turns findings into text.
#![forbid(unsafe_code)]

pub mod baseline;
pub mod display;
mod finding;
pub mod output;
mod span;

pub use finding::{Finding, RuleMeta, Severity};
pub use span::{LineIndex, Span};

/// Base address of the rules reference; a rule's page is `DOCS_BASE#<rule-id>`.
pub const DOCS_BASE: &str = "https://github.com/mcpward/mcpward/blob/main/docs/rules.md";
