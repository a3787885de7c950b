//! What `audit --deep` learned by starting servers: the tools each one lists and their capability
//! classes (from the one classifier in `mcpward-policy`). Rules that otherwise guess from a
//! server's name or package read these instead: a server that lists a command tool can execute,
//! whatever it is called.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mcpward_policy::knowledge::{Capabilities, Capability as Class};

use crate::knowledge::Capability;

/// One listed tool and its classes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectedTool {
    pub name: String,
    pub classes: Capabilities,
}

/// Listed tools per server, keyed by the config file and the server's name in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inspected {
    servers: BTreeMap<(PathBuf, String), Vec<InspectedTool>>,
}

impl Inspected {
    pub fn new() -> Inspected {
        Inspected::default()
    }

    /// Records the tools `server` of `file` listed when it was started.
    pub fn insert(&mut self, file: &Path, server: &str, tools: Vec<InspectedTool>) {
        self.servers
            .insert((file.to_path_buf(), server.to_string()), tools);
    }

    /// The tools of one server, when it was inspected.
    pub fn tools(&self, file: &Path, server: &str) -> Option<&[InspectedTool]> {
        self.servers
            .get(&(file.to_path_buf(), server.to_string()))
            .map(Vec::as_slice)
    }

    /// Every inspected server: its config file, name and tools, ordered by file then name.
    pub fn iter(&self) -> impl Iterator<Item = (&Path, &str, &[InspectedTool])> {
        self.servers
            .iter()
            .map(|((file, server), tools)| (file.as_path(), server.as_str(), tools.as_slice()))
    }

    pub fn is_empty(&self) -> bool {
        self.servers.is_empty()
    }
}

/// Whether a tool with these classes gives its server the audit capability `cap`: exec is
/// exec; writing, deleting, sending and paying are writes; reaching the network is reading
/// content others wrote (a fetched page, a search result).
pub(crate) fn grants(classes: Capabilities, cap: Capability) -> bool {
    match cap {
        Capability::Exec => classes.contains(Class::Exec),
        Capability::Write => [
            Class::Write,
            Class::Destructive,
            Class::Send,
            Class::Payment,
        ]
        .into_iter()
        .any(|c| classes.contains(c)),
        Capability::ReadsUntrusted => classes.contains(Class::Network),
        Capability::Filesystem => false,
    }
}

/// Names of the tools that grant `cap`.
pub(crate) fn evidence(tools: &[InspectedTool], cap: Capability) -> Vec<&str> {
    tools
        .iter()
        .filter(|t| grants(t.classes, cap))
        .map(|t| t.name.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(name: &str, classes: &[Class]) -> InspectedTool {
        InspectedTool {
            name: name.into(),
            classes: classes.iter().copied().collect(),
        }
    }

    #[test]
    fn classes_map_onto_audit_capabilities() {
        let tools = [
            tool("run_command", &[Class::Exec]),
            tool("fetch", &[Class::Network, Class::Read]),
            tool("send_mail", &[Class::Send]),
            tool("read_file", &[Class::Read]),
        ];
        assert_eq!(evidence(&tools, Capability::Exec), ["run_command"]);
        assert_eq!(evidence(&tools, Capability::ReadsUntrusted), ["fetch"]);
        assert_eq!(evidence(&tools, Capability::Write), ["send_mail"]);
        assert!(evidence(&tools[3..], Capability::Write).is_empty());
    }

    #[test]
    fn lookup_is_by_file_and_server_name() {
        let mut i = Inspected::new();
        i.insert(
            Path::new("/p/.mcp.json"),
            "shell",
            vec![tool("exec", &[Class::Exec])],
        );
        assert!(i.tools(Path::new("/p/.mcp.json"), "shell").is_some());
        assert!(i.tools(Path::new("/q/.mcp.json"), "shell").is_none());
        assert!(i.tools(Path::new("/p/.mcp.json"), "other").is_none());
    }
}
