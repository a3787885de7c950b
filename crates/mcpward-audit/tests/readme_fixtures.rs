//! Configs written with the launch lines the servers' own READMEs give (fixtures/readme/): what
//! each rule must report, and what it must not.

use std::path::Path;

use mcpward_audit::{AuditOptions, audit};
use mcpward_config::load_paths;
use mcpward_core::Finding;

fn findings() -> Vec<Finding> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/readme");
    let files: Vec<_> = load_paths(&[dir])
        .into_iter()
        .map(|r| r.expect("every fixture loads"))
        .collect();
    let opts = AuditOptions {
        inspect_files: false,
        ..AuditOptions::default()
    };
    audit(&files, &opts)
}

fn has(f: &[Finding], rule: &str, server: Option<&str>) -> bool {
    f.iter()
        .any(|x| x.rule == rule && x.server.as_deref() == server)
}

#[test]
fn exec_capable_servers_are_found_through_every_launcher_and_only_those() {
    let f = findings();
    for server in [
        "desktop-commander", // npx
        "commands",          // powershell -Command "npx …"
        "jupyter",           // uvx
        "wrapped",           // wrapper program + npx
        "developer",         // Goose built-in
        "computercontroller",
    ] {
        assert!(
            has(&f, "exec-capable-server", Some(server)),
            "{server}: {f:#?}"
        );
    }
    for server in [
        "bash-tools",
        "fetch",
        "brave-search",
        "github",
        "tavily-mcp",
        "MongoDB",
    ] {
        assert!(!has(&f, "exec-capable-server", Some(server)), "{server}");
    }
}

#[test]
fn read_only_modes_and_positional_secrets_from_vendor_readmes() {
    let f = findings();
    assert!(has(&f, "write-without-read-only", Some("MongoDB")));
    assert!(has(&f, "write-without-read-only", Some("github")));
    assert!(has(&f, "hardcoded-secret", Some("Neon")));
    // README placeholders are not secrets.
    for server in ["brave-search", "MongoDB", "tavily-mcp", "jupyter"] {
        assert!(!has(&f, "hardcoded-secret", Some(server)), "{server}");
    }
}

#[test]
fn web_readers_combine_with_credentialed_writers_and_command_runners() {
    let f = findings();
    let pair = |reader: &str, writer: &str| {
        f.iter().any(|x| {
            x.rule == "dangerous-combination"
                && x.server.as_deref() == Some(reader)
                && x.message.contains(&format!("`{writer}`"))
        })
    };
    assert!(pair("brave-search", "desktop-commander"));
    assert!(pair("fetch", "MongoDB"));
    assert!(pair("tavily-mcp", "commands"));
    assert!(pair("computercontroller", "github"));
    // Servers of different files are not paired (different clients).
    assert!(!pair("fetch", "commands"));
}

#[test]
fn configs_that_load_nothing_are_reported() {
    let f = findings();
    let not_loaded: Vec<_> = f
        .iter()
        .filter(|x| x.rule == "servers-not-loaded")
        .collect();
    assert_eq!(not_loaded.len(), 1, "{not_loaded:#?}");
    assert!(not_loaded[0].message.contains("`filesystem`"));
    // The misplaced filesystem server is not started: no runtime findings for it.
    assert!(!has(&f, "broad-filesystem-root", Some("filesystem")));
    let parse: Vec<_> = f
        .iter()
        .filter(|x| x.rule == "config-parse-error")
        .collect();
    assert_eq!(
        parse.len(),
        1,
        "one finding for one binary file: {parse:#?}"
    );
    assert!(parse[0].message.contains("binary"), "{}", parse[0].message);
}

#[test]
fn first_party_vendor_packages_are_reviewed_publishers() {
    let f = findings();
    for server in ["Neon", "MongoDB", "brave-search", "tavily-mcp", "github"] {
        assert!(!has(&f, "unreviewed-publisher", Some(server)), "{server}");
    }
    assert!(has(&f, "unreviewed-publisher", Some("desktop-commander")));
}
