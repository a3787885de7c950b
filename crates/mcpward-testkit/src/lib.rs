//! Test helpers for mcpward's integration tests: a client that drives a gateway the way a real
//! MCP client does, a scaffold for the deliberately misbehaving servers in `src/bin/`, and the
//! locations of the pinned official reference servers.
#![forbid(unsafe_code)]

pub mod bins;
pub mod client;
pub mod http;
pub mod otlp;
pub mod reference;
pub mod server;

pub use bins::testkit_server;
pub use client::{
    ClientError, McpClient, ServerRequestHandler, input_responses, is_error, is_input_required,
    response_text,
};
pub use otlp::OtlpCollector;
pub use reference::{ReferenceServer, python_sdk_server, reference_server};

/// A GitHub classic token that matches the provider pattern but was never issued, built at run
/// time so no token-shaped literal sits in the repository.
pub fn fake_github_token() -> String {
    format!("ghp_{}", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A")
}
