//! Per server, the tools mcpward has recorded and what each can do, from the records mcpward
//! keeps: first-use records (`STATE/first-use/*.toml`), lockfiles, and the `pin-drift` events
//! of the audit log with the command that accepts each change.

use std::path::{Path, PathBuf};

use mcpward_core::display::escape;
use mcpward_gateway::chain::StoredRecord;
use mcpward_gateway::state::{self, Access};
use mcpward_inspect::{Lockfile, ServerPin, tool_capabilities};
use serde_json::Value;

/// Characters of a tool description shown before it is cut.
const DESCRIPTION_CHARS: usize = 240;

/// Drift events shown per server, newest first.
pub const MAX_DRIFT: usize = 50;

/// One server as one record file knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerView {
    pub name: String,
    /// Where this view comes from: `first use (PATH)` or `lockfile PATH`.
    pub source: String,
    /// `npm @modelcontextprotocol/server-filesystem 2026.1.14 (npx)`, when recorded.
    pub launch: Option<String>,
    /// `serverInfo` name and version, when recorded.
    pub server_info: Option<String>,
    pub tools: Vec<ToolView>,
    /// Prompts, resources and resource templates pinned besides the tools.
    pub others: Option<String>,
    pub drift: Vec<DriftView>,
}

/// One tool of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolView {
    pub name: String,
    /// Capability classes (`read`, `write`, `exec`…), from the one classifier.
    pub capabilities: Vec<&'static str>,
    /// Approved as read-only in a lockfile (what the gateway takes as proof; a first-use record's
    /// flag is not).
    pub read_only: bool,
    pub description: String,
}

/// A `pin-drift` event: a tool refused because it changed or is new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftView {
    pub time: String,
    pub detail: String,
    /// The command that accepts the change, when the detail names the tool.
    pub command: Option<String>,
}

/// A record file that could not be used; shown instead of its servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub path: String,
    pub reason: String,
}

/// What the servers view shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServersView {
    pub servers: Vec<ServerView>,
    pub unreadable: Vec<Unreadable>,
}

/// Reads the first-use records of `state_dir`, the `lockfiles`, and attaches the `pin-drift`
/// events of `records` to the servers they name (a server with drift events but no record gets
/// a view of its own).
pub fn load(state_dir: &Path, lockfiles: &[PathBuf], records: &[StoredRecord]) -> ServersView {
    let mut view = ServersView::default();
    for path in lockfiles {
        match read_lockfile(path, false) {
            Ok(lock) => add(
                &mut view,
                &lock,
                &format!("lockfile {}", path.display()),
                true,
            ),
            Err(reason) => view.unreadable.push(Unreadable {
                path: escape(&path.display().to_string()).into_owned(),
                reason,
            }),
        }
    }
    for path in first_use_records(state_dir) {
        match read_lockfile(&path, true) {
            Ok(lock) => add(
                &mut view,
                &lock,
                &format!("first use ({})", path.display()),
                false,
            ),
            Err(reason) => view.unreadable.push(Unreadable {
                path: escape(&path.display().to_string()).into_owned(),
                reason,
            }),
        }
    }
    for r in records.iter().rev().filter(|r| r.method == "pin-drift") {
        let name = escape(&r.server).into_owned();
        let drift = DriftView {
            time: escape(&r.time).into_owned(),
            detail: r
                .detail
                .as_deref()
                .map(|d| escape(d).into_owned())
                .unwrap_or_default(),
            command: r.detail.as_deref().and_then(|d| {
                let command = accept_command(&r.server, d)?;
                // The record names the tool itself: a command built for another tool (a tool
                // name that imitates the detail's wording) is not offered.
                match &r.tool {
                    Some(tool)
                        if !command
                            .contains(&*escape(&shell_word(&format!("{}/{tool}", r.server)))) =>
                    {
                        None
                    }
                    _ => Some(command),
                }
            }),
        };
        let mut attached = false;
        for s in view.servers.iter_mut().filter(|s| s.name == name) {
            if s.drift.len() < MAX_DRIFT {
                s.drift.push(drift.clone());
            }
            attached = true;
        }
        if !attached {
            view.servers.push(ServerView {
                name,
                source: "no record (only events in the audit log)".into(),
                launch: None,
                server_info: None,
                tools: Vec::new(),
                others: None,
                drift: vec![drift],
            });
        }
    }
    view.servers.sort_by(|a, b| a.name.cmp(&b.name));
    view
}

/// `STATE/first-use/*.toml`, sorted; none when the directory is missing.
fn first_use_records(state_dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(state_dir.join("first-use")) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    paths
}

/// Reads and verifies a lockfile (or first-use record, which has the same format). A private
/// record is opened as the gateway opens it: refused when another user could have written it.
fn read_lockfile(path: &Path, private: bool) -> Result<Lockfile, String> {
    let text = if private {
        let file = state::open_private_file(path, Access::Read).map_err(|e| e.to_string())?;
        let mut text = String::new();
        std::io::Read::read_to_string(&mut &file, &mut text).map_err(|e| e.to_string())?;
        text
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read it: {e}"))?
    };
    Lockfile::parse(&text, &path.display().to_string())
        .map_err(|e| escape(&e.to_string()).into_owned())
}

fn add(view: &mut ServersView, lock: &Lockfile, source: &str, pinned: bool) {
    for (name, pin) in &lock.servers {
        view.servers.push(server_view(name, pin, source, pinned));
    }
}

fn server_view(name: &str, pin: &ServerPin, source: &str, pinned: bool) -> ServerView {
    let text = |s: &str| escape(s).into_owned();
    let launch = pin.launch.as_ref().map(|l| {
        let what = match (&l.ecosystem, &l.package) {
            (Some(eco), Some(pkg)) => format!(
                "{eco} {pkg}{}",
                l.version
                    .as_deref()
                    .map(|v| format!(" {v}"))
                    .unwrap_or_default()
            ),
            _ => String::new(),
        };
        text(
            if what.is_empty() {
                l.command.clone()
            } else {
                format!("{what} ({})", l.command)
            }
            .as_str(),
        )
    });
    let server_info = pin
        .server_info
        .as_ref()
        .map(|i| text(&format!("{} {}", i.name, i.version)));
    let tools = pin
        .tools
        .iter()
        .map(|(tool, item)| {
            let definition: Value = serde_json::from_str(&item.definition).unwrap_or(Value::Null);
            let description = definition
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("");
            ToolView {
                name: text(tool),
                capabilities: tool_capabilities(&definition)
                    .iter()
                    .map(|c| c.as_str())
                    .collect(),
                read_only: pinned && item.read_only,
                description: text(&cut(description)),
            }
        })
        .collect();
    let counts: Vec<String> = [
        (pin.prompts.len(), "prompt(s)"),
        (pin.resources.len(), "resource(s)"),
        (pin.resource_templates.len(), "resource template(s)"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    ServerView {
        name: text(name),
        source: text(source),
        launch,
        server_info,
        tools,
        others: (!counts.is_empty()).then(|| counts.join(", ")),
        drift: Vec::new(),
    }
}

fn cut(text: &str) -> String {
    let count = text.chars().count();
    if count <= DESCRIPTION_CHARS {
        return text.to_owned();
    }
    let head: String = text.chars().take(DESCRIPTION_CHARS).collect();
    format!("{head}… ({count} chars)")
}

/// The command that accepts the change a `pin-drift` detail describes: `mcpward pin --approve
/// SERVER/TOOL`, with `--lockfile FILE` when the pin is in a lockfile. The details are those the
/// gateway writes (`tool `X` differs from its pin in FILE: …`, `tool `X` differs from its first
/// use (…)`, `new tool `X` since the server's first use (…)`); anything else gives `None`.
pub fn accept_command(server: &str, detail: &str) -> Option<String> {
    let rest = detail
        .strip_prefix("new tool `")
        .or_else(|| detail.strip_prefix("tool `"))?;
    const LOCKED: &str = "` differs from its pin in ";
    const FIRST_USE: [&str; 2] = [
        "` differs from its first use (",
        "` since the server's first use (",
    ];
    let mut found: Option<(usize, Option<String>)> = None;
    if let Some(at) = rest.find(LOCKED) {
        let after = &rest[at + LOCKED.len()..];
        let file = after.split_once(": ").map_or(after, |(f, _)| f);
        found = Some((at, Some(file.to_owned())));
    }
    for marker in FIRST_USE {
        if let Some(at) = rest.find(marker)
            && found.as_ref().is_none_or(|(other, _)| at < *other)
        {
            found = Some((at, None));
        }
    }
    let (at, lockfile) = found?;
    let tool = &rest[..at];
    let mut command = format!(
        "mcpward pin --approve {}",
        shell_word(&format!("{server}/{tool}"))
    );
    if let Some(file) = lockfile {
        command.push_str(" --lockfile ");
        command.push_str(&shell_word(&file));
    }
    Some(escape(&command).into_owned())
}

/// `word` as one shell word: as it is when it holds only safe characters, else single-quoted.
fn shell_word(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./@:+,=%".contains(c));
    if safe {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_against_a_lockfile_names_the_tool_and_the_lockfile() {
        let detail =
            "tool `write_file` differs from its pin in /p/mcpward.lock: description: added text";
        assert_eq!(
            accept_command("filesystem", detail).as_deref(),
            Some("mcpward pin --approve filesystem/write_file --lockfile /p/mcpward.lock")
        );
    }

    #[test]
    fn drift_against_the_first_use_names_the_tool() {
        for detail in [
            "tool `write_file` differs from its first use (/s/first-use/ab.toml): schema",
            "new tool `exec` since the server's first use (/s/first-use/ab.toml): exec",
        ] {
            let command = accept_command("fs", detail).unwrap();
            assert!(
                command == "mcpward pin --approve fs/write_file"
                    || command == "mcpward pin --approve fs/exec",
                "{command}"
            );
        }
    }

    #[test]
    fn odd_names_are_quoted_for_the_shell_and_escaped_for_the_eye() {
        let detail = "tool `rm -rf ~; x'\u{1b}[2K` differs from its first use (/s/x.toml): new";
        assert_eq!(
            accept_command("my server", detail).as_deref(),
            Some(r"mcpward pin --approve 'my server/rm -rf ~; x'\''\u{1b}[2K'")
        );
        assert_eq!(accept_command("fs", "something else happened"), None);
        assert_eq!(accept_command("fs", "tool `unterminated"), None);
    }

    #[test]
    fn records_are_read_with_their_tools_and_capabilities() {
        let dir = tempfile::tempdir().unwrap();
        let defs = mcpward_inspect::Definitions {
            tools: vec![
                serde_json::json!({"name": "write_file", "description": "Write a file",
                    "inputSchema": {"type": "object", "properties": {"path": {"type": "string"}}}}),
                serde_json::json!({"name": "read_text_file", "description": "Read a file",
                    "annotations": {"readOnlyHint": true}}),
            ],
            ..mcpward_inspect::Definitions::default()
        };
        let mut pin = ServerPin::default();
        pin.approve(&defs, None).unwrap();
        let mut lock = Lockfile::new();
        lock.servers.insert("filesystem".into(), pin);
        let path = dir.path().join("mcpward.lock");
        std::fs::write(&path, lock.to_toml()).unwrap();
        let drift = StoredRecord {
            v: 2,
            time: "2026-11-01T00:00:00Z".into(),
            session: "s".into(),
            seq: 3,
            server: "filesystem".into(),
            method: "pin-drift".into(),
            tool: None,
            args_digest: None,
            decision: "event".into(),
            rule: None,
            approver: None,
            latency_us: None,
            detail: Some(format!(
                "tool `write_file` differs from its pin in {}: description",
                path.display()
            )),
            anchor: None,
            prev: String::new(),
            mac: None,
            hash: String::new(),
            line: 3,
        };
        let other = StoredRecord {
            server: "memory".into(),
            detail: Some("new tool `x` since the server's first use (/f.toml): x".into()),
            ..drift.clone()
        };
        let view = load(dir.path(), std::slice::from_ref(&path), &[drift, other]);
        assert!(view.unreadable.is_empty(), "{:?}", view.unreadable);
        let fs = &view.servers[0];
        assert_eq!(fs.name, "filesystem");
        let write = fs.tools.iter().find(|t| t.name == "write_file").unwrap();
        assert!(write.capabilities.contains(&"write"), "{write:?}");
        let read = fs
            .tools
            .iter()
            .find(|t| t.name == "read_text_file")
            .unwrap();
        assert_eq!(read.capabilities, ["read"]);
        assert_eq!(fs.drift.len(), 1);
        assert_eq!(
            fs.drift[0].command.as_deref(),
            Some(
                format!(
                    "mcpward pin --approve filesystem/write_file --lockfile {}",
                    path.display()
                )
                .as_str()
            )
        );
        let memory = &view.servers[1];
        assert_eq!(memory.name, "memory");
        assert!(memory.tools.is_empty());
        assert_eq!(
            memory.drift[0].command.as_deref(),
            Some("mcpward pin --approve memory/x")
        );
    }

    #[test]
    fn a_damaged_record_is_reported_not_hidden() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mcpward.lock");
        std::fs::write(
            &path,
            "version = 1\n[servers.x.tools.t]\nhash = \"sha256:00\"\ndefinition = '{}'\n",
        )
        .unwrap();
        let view = load(dir.path(), &[path], &[]);
        assert!(view.servers.is_empty());
        assert_eq!(view.unreadable.len(), 1);
    }
}
