//! `[[server]]`: what the gateway's path guard needs to know about one server that mcpward has
//! no built-in knowledge of (which arguments hold paths, which directories they must stay in),
//! or narrower limits for one it knows.

use std::path::PathBuf;

/// A validated `[[server]]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTable {
    /// The server's name in the policy (`mcpward run --name`); unique among the tables.
    pub name: String,
    /// 1-based line of the table's `[[server]]` header.
    pub line: u32,
    /// Absolute directories path arguments must stay in. `None`: the directories on the
    /// server's launch line. For a server mcpward knows (the official filesystem server) these
    /// can only narrow its launch directories, never widen them.
    pub roots: Option<Vec<PathBuf>>,
    /// Arguments that hold a path or a list of paths, in every tool of the server.
    pub path_args: Vec<String>,
    /// Tools that only read the paths they are given. The path arguments of every other tool
    /// are judged as writes (the stricter reading: a file with several hard links is refused).
    pub read_tools: Vec<String>,
}

impl ServerTable {
    /// Whether `tool` is declared as one that only reads.
    pub fn reads(&self, tool: &str) -> bool {
        self.read_tools.iter().any(|t| t == tool)
    }
}
