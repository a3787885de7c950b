//! The `mcpward run` gateway: sits on a server's stdio, parses only the JSON-RPC envelope,
//! decides with the policy, forwards original bytes, asks a person when needed and writes a
//! hash-chained audit log.
#![forbid(unsafe_code)]

// Proxy side.
pub mod approval;
pub mod desktop;
pub mod envelope;
pub mod frame;
pub mod guard;
pub mod identity;
pub mod paths;
pub mod proxy;
pub mod redact;
pub mod taint;

// Records, approvals and client integration.
pub mod chain;
pub mod hook;
pub mod otlp;
pub mod queue;
pub mod request_state;
pub mod state;
pub mod wrap;
