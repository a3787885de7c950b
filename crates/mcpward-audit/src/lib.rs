#![forbid(unsafe_code)]
//! Rules over parsed MCP client configurations.
