//! What `mcpward serve` prints: the line it starts with, and why it refuses to start.

#[path = "support/serve.rs"]
mod serve;
#[path = "support/signals.rs"]
mod signals;

use std::path::Path;
use std::process::{Command, Output};

fn mcpward(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        // Help is not wrapped to a terminal (clap wraps when a dev-dependency turns that on).
        .env("COLUMNS", "400")
        .output()
        .expect("run mcpward")
}

fn text(o: &Output, dir: &Path) -> String {
    format!(
        "status: {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
    .replace(dir.to_str().unwrap(), "<dir>")
}

const ROUTE: &str = "[[route]]\nname = \"notes\"\nurl = \"http://127.0.0.1:9/mcp\"\n";

#[test]
fn serve_refuses_a_public_address_without_tls_and_tokens() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("serve.toml"),
        format!("state_dir = \"state\"\n{ROUTE}"),
    )
    .unwrap();
    let out = mcpward(
        &["serve", "--config", "serve.toml", "--listen", "0.0.0.0:0"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(text(&out, dir.path()));
}

#[test]
fn serve_points_at_the_offending_line_of_its_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("serve.toml"),
        format!("state_dir = \"state\"\n[listen]\naddr = \"127.0.0.1:8080\"\nmax_body_bytes = 10\n{ROUTE}"),
    )
    .unwrap();
    let out = mcpward(&["serve", "--config", "serve.toml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(text(&out, dir.path()));
}

#[test]
fn serve_says_where_it_listens_and_which_routes_it_serves() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("serve.toml");
    std::fs::write(&config, format!("state_dir = \"state\"\n{ROUTE}")).unwrap();
    let mut instance = serve::Instance::start(&config, &dir.path().join("audit.jsonl"), &[]);
    let port = instance.port();
    let line = instance.line.clone();
    assert!(instance.proc.terminate().success());
    insta::assert_snapshot!(line.replace(&port.to_string(), "PORT"), @"mcpward serve: listening on http://127.0.0.1:PORT; routes: http://127.0.0.1:PORT/mcp/notes");
}

/// The signal handlers were installed only when the gateway first waited for a signal, after it
/// had printed its address: a SIGTERM sent on that line killed it instead of ending it.
#[test]
fn sigterm_sent_the_moment_serve_says_it_listens_ends_it_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("serve.toml");
    std::fs::write(&config, format!("state_dir = \"state\"\n{ROUTE}")).unwrap();
    for i in 0..5 {
        let log = dir.path().join(format!("audit-{i}.jsonl"));
        let mut instance = serve::Instance::start(&config, &log, &[]);
        // As the kernel reports it once the address line has been read.
        assert!(
            signals::handles(instance.proc.child.id(), 15),
            "start {i}: SIGTERM is not handled yet when the address is printed"
        );
        let status = instance.proc.terminate();
        assert!(status.success(), "start {i}: {status:?}");
    }
}

#[test]
fn serve_help_names_its_options() {
    let dir = tempfile::tempdir().unwrap();
    let out = mcpward(&["serve", "--help"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(text(&out, dir.path()));
}
