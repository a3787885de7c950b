//! Finds MCP client configuration files and parses them, leniently and with spans, into one
//! model ([`ConfigFile`] / [`ServerEntry`]) that rules can check without knowing the client.
//!
//! - [`discover`] / [`candidate_paths`]: where the 13 supported clients keep their configs;
//! - [`load_paths`] / [`detect_client`]: files and directories a person names;
//! - [`parse_file`]: one file as one client, never failing (problems are data);
//! - [`syntax`]: the span-preserving tree under all of it (JSON, JSONC, TOML, YAML);
//! - [`expand()`]: a value as its client expands it at launch (`${VAR}`, `${env:VAR}`, …);
//! - [`launch`]: what a server entry really starts (launchers, packages, wrappers), shared by
//!   `audit`, the gateway and everything that must recognise a server by its code;
//! - [`knowledge`]: what the widely used servers can do, keyed by that launch identity
//!   ([`knowledge::lookup`]), one table for `audit`, the gateway and `inspect`.
#![forbid(unsafe_code)]

mod clients;
mod detect;
mod discovery;
pub mod expand;
pub mod knowledge;
pub mod launch;
mod load;
pub mod model;
mod parse;
pub mod remote;
pub mod syntax;

pub use clients::{ReferenceSyntax, claude_code_tool_prefix, reference_syntaxes};
pub use detect::detect_client;
pub use discovery::{Candidate, Os, candidate_paths, discover};
pub use expand::{ExpandError, expand};
pub use load::{LoadError, load_paths};
pub use model::*;
pub use parse::parse_file;
