//! Finds MCP client configuration files and parses them, leniently and with spans, into one
//! model ([`ConfigFile`] / [`ServerEntry`]) that rules can check without knowing the client.
#![forbid(unsafe_code)]

pub mod model;

pub use model::*;
