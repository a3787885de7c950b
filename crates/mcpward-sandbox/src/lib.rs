//! The Linux sandbox for MCP servers (`mcpward run --sandbox`).
//!
//! The gateway builds a [`spec::Spec`] from the launch line and the user's settings and starts
//! `mcpward __sandbox-exec -- COMMAND…` with the spec in its environment. That launcher, a fresh
//! single-threaded process, applies everything in [`launch::confine`] (parent-death signal, new
//! session, closed descriptors, clean environment, rlimits, no capabilities, `no_new_privs`,
//! Landlock, a seccomp allowlist), proves each protection by trying what it forbids, and only
//! then executes the server. What this kernel supports is reported by
//! [`support::Support::detect`] (`mcpward sandbox check`).
//!
//! This is the only crate with `unsafe` code; each block says why it is sound.

pub mod connect_proxy;
pub mod spec;
pub mod support;

#[cfg(target_os = "linux")]
pub mod cgroup;
#[cfg(target_os = "linux")]
pub mod launch;
#[cfg(target_os = "linux")]
mod seccomp;
#[cfg(target_os = "linux")]
mod sys;

/// The environment variable that carries the spec (JSON) from the gateway to the launcher.
pub const SPEC_VARIABLE: &str = "MCPWARD_SANDBOX_SPEC";
