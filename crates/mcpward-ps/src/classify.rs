//! From the process table and the discovered configs to MCP processes: a pure function.

use std::collections::HashMap;
use std::sync::LazyLock;

use mcpward_config::launch::Launch;
use mcpward_config::{ConfigFile, ServerEntry, Spanned, Transport};
use mcpward_core::Span;
use regex::Regex;

use crate::{Process, client_of};

/// The config entry a process was started from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EntryRef {
    pub client: String,
    pub server: String,
    pub file: std::path::PathBuf,
}

/// One link of a parent chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ancestor {
    pub pid: u32,
    pub name: String,
    /// The known client this ancestor is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<&'static str>,
}

/// A running process that is (or looks like) an MCP server.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct McpProcess {
    pub pid: u32,
    pub user: String,
    pub start_time: i64,
    /// Parents, nearest first, up to and including the client (or to pid 1 when there is none).
    pub parents: Vec<Ancestor>,
    /// The client that started it, from the parent chain.
    pub client: Option<&'static str>,
    /// Command line with secrets masked.
    pub command: String,
    /// Environment variables holding secrets: `NAME=masked`.
    pub secret_env: Vec<String>,
    /// The config entry it maps to.
    pub entry: Option<EntryRef>,
    /// It is `mcpward run`, or runs under it.
    pub gated: bool,
    /// A `mcpward run --sandbox` is it or an ancestor.
    pub sandboxed: bool,
    /// MCP-like, but no discovered config entry starts it.
    pub unknown: bool,
}

/// Words that name MCP servers and SDKs in package, script and program names. `mcpward` itself
/// does not match: `mcp` must stand alone between separators.
static MCP_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(^|[^a-z0-9])mcp([^a-z0-9]|$)|modelcontextprotocol|fastmcp|mcp[-_]?server")
        .expect("valid regex")
});

struct Candidate<'a> {
    file: &'a ConfigFile,
    entry: &'a ServerEntry,
    launch: Launch,
    argv: Vec<&'a str>,
}

/// Classify every process of `table`; `own_pid` (the scanner) and its ancestors are left out.
pub fn classify(table: &[Process], configs: &[ConfigFile], own_pid: u32) -> Vec<McpProcess> {
    let by_pid: HashMap<u32, &Process> = table.iter().map(|p| (p.pid, p)).collect();
    let candidates: Vec<Candidate<'_>> = configs
        .iter()
        .flat_map(|f| f.servers.iter().map(move |e| (f, e)))
        .filter(|(_, e)| e.transport == Transport::Stdio && e.command.is_some())
        .map(|(file, entry)| Candidate {
            file,
            entry,
            launch: Launch::of(entry),
            argv: entry
                .command
                .iter()
                .map(|c| c.value.as_str())
                .chain(entry.args.iter().map(|a| a.value.as_str()))
                .collect(),
        })
        .collect();
    let own_chain: Vec<u32> = chain(&by_pid, own_pid).iter().map(|p| p.pid).collect();

    // Direct facts first, then what a process inherits from its parents (an `npx` child is the
    // same server as the `npx` the client started).
    let mut direct: HashMap<u32, (Option<EntryRef>, bool)> = HashMap::new();
    for p in table {
        if p.pid == own_pid || own_chain.contains(&p.pid) {
            continue;
        }
        let launch = Launch::of(&entry_of(p));
        let entry = candidates
            .iter()
            .find(|c| matches(c, p, &launch))
            .map(|c| EntryRef {
                client: c.file.client.name().to_owned(),
                server: c.entry.name.clone(),
                file: c.file.path.clone(),
            });
        // The child of `mcpward run` is the server it gates, whatever its name.
        let under_gate = by_pid
            .get(&p.ppid)
            .is_some_and(|parent| Launch::of(&entry_of(parent)).gated);
        let mcp_like = entry.is_some() || launch.gated || under_gate || looks_like_mcp(&launch, p);
        if mcp_like {
            direct.insert(p.pid, (entry, launch.gated && launch.sandboxed));
        }
    }

    let mut out = Vec::new();
    for p in table {
        let Some((entry, _)) = direct.get(&p.pid) else {
            continue;
        };
        let ancestors = chain(&by_pid, p.pid);
        let mut parents = Vec::new();
        let mut client = None;
        for a in ancestors.iter().skip(1) {
            let c = client_of(a);
            parents.push(Ancestor {
                pid: a.pid,
                name: display_name(a),
                client: c,
            });
            if c.is_some() {
                client = c;
                break;
            }
        }
        let self_launch = Launch::of(&entry_of(p));
        let gated_by: Vec<&Process> = ancestors
            .iter()
            .copied()
            .filter(|a| Launch::of(&entry_of(a)).gated)
            .collect();
        let gated = !gated_by.is_empty() || self_launch.gated;
        let sandboxed = gated_by.iter().any(|a| Launch::of(&entry_of(a)).sandboxed);
        let entry = entry.clone().or_else(|| {
            ancestors
                .iter()
                .skip(1)
                .find_map(|a| direct.get(&a.pid).and_then(|(e, _)| e.clone()))
        });
        out.push(McpProcess {
            pid: p.pid,
            user: p.user.clone(),
            start_time: p.start_time,
            parents,
            client,
            command: mask_command(&p.argv),
            secret_env: secret_env(&p.env),
            unknown: entry.is_none(),
            entry,
            gated,
            sandboxed,
        });
    }
    out
}

/// A process's command line as a config entry, so [`Launch`] reads it exactly as it reads a config.
fn entry_of(p: &Process) -> ServerEntry {
    let mut e = ServerEntry::new("", Span::default());
    e.transport = Transport::Stdio;
    let argv = argv_of(p);
    let mut it = argv.iter();
    e.command = it.next().map(|c| Spanned::new(c.clone(), Span::default()));
    e.args = it
        .map(|a| Spanned::new(a.clone(), Span::default()))
        .collect();
    e
}

/// The command line as words. Programs that set their title (`npm exec` sets `process.title`)
/// overwrite the argument area with one space-separated string.
fn argv_of(p: &Process) -> Vec<String> {
    match p.argv.as_slice() {
        [one] if one.contains(' ') && !std::path::Path::new(one).exists() => {
            one.split_whitespace().map(str::to_owned).collect()
        }
        _ => p.argv.clone(),
    }
}

fn base(s: &str) -> &str {
    let b = s.rsplit(['/', '\\']).next().unwrap_or(s);
    b.strip_suffix(".exe").unwrap_or(b)
}

fn matches(c: &Candidate<'_>, p: &Process, launch: &Launch) -> bool {
    let argv = argv_of(p);
    // The exact launch line (the client ran it as written; argv[0] may be resolved to a path).
    if argv.len() == c.argv.len()
        && base(&argv[0]) == base(c.argv[0])
        && argv[1..].iter().zip(&c.argv[1..]).all(|(a, b)| a == b)
    {
        return true;
    }
    // The same package or script, through whatever launcher.
    if let (Some(pkg), Some(theirs)) = (&c.launch.package, &launch.package)
        && pkg.name == theirs.name
        && pkg.ecosystem == theirs.ecosystem
    {
        return true;
    }
    // A launcher's child runs the package from its install directory.
    if let Some(pkg) = &c.launch.package {
        let installed = format!("node_modules/{}/", pkg.name);
        let site = format!("site-packages/{}", pkg.name.replace('-', "_"));
        if argv
            .iter()
            .take(3)
            .any(|a| a.contains(&installed) || a.contains(&site))
        {
            return true;
        }
    }
    false
}

fn looks_like_mcp(launch: &Launch, p: &Process) -> bool {
    let names = [
        launch.package.as_ref().map(|p| p.name.as_str()),
        launch.script.as_deref(),
        Some(launch.program.as_str()),
        p.argv.first().map(|a| base(a)),
    ];
    names.into_iter().flatten().any(|n| MCP_NAME.is_match(n))
}

/// The process and its ancestors, nearest first; stops at a missing parent or a cycle.
fn chain<'a>(by_pid: &HashMap<u32, &'a Process>, pid: u32) -> Vec<&'a Process> {
    let mut out: Vec<&Process> = Vec::new();
    let mut cur = by_pid.get(&pid).copied();
    while let Some(p) = cur {
        if out.iter().any(|q| q.pid == p.pid) || out.len() > 64 {
            break;
        }
        out.push(p);
        cur = if p.ppid == 0 {
            None
        } else {
            by_pid.get(&p.ppid).copied()
        };
    }
    out
}

fn display_name(p: &Process) -> String {
    p.argv
        .first()
        .map(|a| base(a).to_owned())
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| p.comm.clone())
}

fn mask_command(argv: &[String]) -> String {
    let detector = mcpward_secrets::Detector::global();
    let mut out = Vec::with_capacity(argv.len());
    let mut prev: Option<&str> = None;
    for a in argv {
        // `--token VALUE`: the flag is the key for the entropy check.
        let key = prev.map(|p| p.trim_start_matches('-'));
        let found = detector.scan_value(key, a);
        let mut s = String::new();
        let mut last = 0;
        for m in found {
            s.push_str(&a[last..m.range.start]);
            s.push_str(&mcpward_secrets::mask(&a[m.range.clone()]));
            last = m.range.end;
        }
        s.push_str(&a[last..]);
        out.push(s);
        prev = Some(a);
    }
    out.join(" ")
}

fn secret_env(env: &[(String, String)]) -> Vec<String> {
    let detector = mcpward_secrets::Detector::global();
    env.iter()
        .filter_map(|(k, v)| {
            let found = detector.scan_value(Some(k), v);
            let m = found.first()?;
            Some(format!(
                "{k}={}",
                mcpward_secrets::mask(&v[m.range.clone()])
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcpward_config::ClientKind;

    fn proc(pid: u32, ppid: u32, argv: &[&str]) -> Process {
        Process {
            pid,
            ppid,
            user: "u".into(),
            comm: argv[0]
                .rsplit('/')
                .next()
                .unwrap()
                .chars()
                .take(15)
                .collect(),
            argv: argv.iter().map(|s| s.to_string()).collect(),
            ..Process::default()
        }
    }

    fn config(servers: &[(&str, &str, &[&str])]) -> ConfigFile {
        let entries = servers
            .iter()
            .map(|(name, cmd, args)| {
                let mut e = ServerEntry::new(*name, Span::default());
                e.transport = Transport::Stdio;
                e.command = Some(Spanned::new(cmd.to_string(), Span::default()));
                e.args = args
                    .iter()
                    .map(|a| Spanned::new(a.to_string(), Span::default()))
                    .collect();
                e
            })
            .collect();
        ConfigFile {
            path: "/home/u-example/.cursor/mcp.json".into(),
            client: ClientKind::Cursor,
            format: mcpward_config::Format::Json,
            scope: mcpward_config::Scope::User,
            source: String::new(),
            servers: entries,
            switches: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn find(all: &[McpProcess], pid: u32) -> &McpProcess {
        all.iter()
            .find(|p| p.pid == pid)
            .unwrap_or_else(|| panic!("{pid} not listed: {all:#?}"))
    }

    #[test]
    fn npx_server_and_its_node_child_map_to_the_entry_and_the_client() {
        let cfg = config(&[(
            "everything",
            "npx",
            &["-y", "@modelcontextprotocol/server-everything"],
        )]);
        let table = [
            proc(1, 0, &["/sbin/init"]),
            proc(10, 1, &["/usr/share/cursor/cursor"]),
            proc(
                11,
                10,
                &["npm exec -y @modelcontextprotocol/server-everything"],
            ),
            proc(
                12,
                11,
                &[
                    "node",
                    "/h/.npm/_npx/1/node_modules/@modelcontextprotocol/server-everything/dist/index.js",
                ],
            ),
        ];
        let all = classify(&table, &[cfg], 999);
        for pid in [11, 12] {
            let p = find(&all, pid);
            assert_eq!(p.entry.as_ref().unwrap().server, "everything");
            assert_eq!(p.client, Some("Cursor"));
            assert!(!p.unknown && !p.gated);
        }
        assert_eq!(
            find(&all, 12)
                .parents
                .iter()
                .map(|a| a.pid)
                .collect::<Vec<_>>(),
            [11, 10]
        );
        assert!(all.iter().all(|p| p.pid != 10 && p.pid != 1));
    }

    #[test]
    fn unknown_mcp_process_is_flagged_and_grep_is_not_mcp() {
        let table = [
            proc(10, 1, &["claude"]),
            proc(11, 10, &["/opt/acme/mcp-server-acme", "--stdio"]),
            proc(12, 1, &["grep", "mcp"]),
            proc(13, 1, &["mcpward", "audit"]),
        ];
        let all = classify(&table, &[], 999);
        assert_eq!(all.len(), 1, "{all:#?}");
        assert!(all[0].unknown);
        assert_eq!(all[0].client, Some("Claude Code"));
    }

    #[test]
    fn server_under_mcpward_run_sandbox_is_gated_and_sandboxed() {
        let cfg = config(&[(
            "fs",
            "mcpward",
            &[
                "run",
                "--sandbox",
                "--",
                "npx",
                "-y",
                "@modelcontextprotocol/server-filesystem",
                "/p",
            ],
        )]);
        let table = [
            proc(10, 1, &["zed"]),
            proc(
                11,
                10,
                &[
                    "/usr/bin/mcpward",
                    "run",
                    "--sandbox",
                    "--",
                    "npx",
                    "-y",
                    "@modelcontextprotocol/server-filesystem",
                    "/p",
                ],
            ),
            proc(
                12,
                11,
                &[
                    "/usr/bin/node",
                    "/x/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js",
                    "/p",
                ],
            ),
        ];
        let all = classify(&table, &[cfg], 999);
        for pid in [11, 12] {
            let p = find(&all, pid);
            assert!(p.gated && p.sandboxed, "{p:#?}");
            assert_eq!(p.entry.as_ref().unwrap().server, "fs");
            assert_eq!(p.client, Some("Zed"));
        }
    }

    #[test]
    fn secrets_in_arguments_and_environment_are_masked() {
        let token = mcpward_testkit::fake_github_token();
        let mut p = proc(11, 1, &["github-mcp-server", "--token", &token]);
        p.env = vec![
            ("GITHUB_PERSONAL_ACCESS_TOKEN".into(), token.clone()),
            ("PWD".into(), "/h".into()),
        ];
        let all = classify(&[p], &[], 999);
        let text = format!("{:?}", all);
        assert!(!text.contains(&token[4..]), "{text}");
        assert_eq!(all[0].secret_env.len(), 1);
        assert!(
            all[0]
                .command
                .starts_with("github-mcp-server --token ghp_…")
        );
    }

    #[test]
    fn the_scanner_and_its_parents_are_left_out() {
        let table = [proc(10, 1, &["mcp-runner"]), proc(11, 10, &["mcp-thing"])];
        assert!(classify(&table, &[], 11).is_empty());
    }
}
