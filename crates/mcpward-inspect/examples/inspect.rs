//! Run the detectors over definition files and print the findings with mcpward's printer.
//!
//! `cargo run -p mcpward-inspect --example inspect -- <server.json>... [--json]`
//! Each file is one server in the `tools/list` shape; all files count as one client.

use std::collections::HashMap;
use std::io::Write as _;

use mcpward_core::output::{Format, HumanOptions, Report, render};
use mcpward_inspect::{Definitions, Server, inspect_client, rules};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    let files: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let defs: Vec<(String, Definitions)> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{f}: {e}"));
            (
                f.to_string(),
                Definitions::from_json(&text).unwrap_or_else(|e| panic!("{f}: {e}")),
            )
        })
        .collect();
    let servers: Vec<Server<'_>> = defs
        .iter()
        .map(|(n, d)| Server {
            name: n,
            definitions: d,
        })
        .collect();
    let findings = inspect_client(&servers);
    let sources = HashMap::new();
    let report = Report {
        findings: &findings,
        sources: &sources,
        rules: rules(),
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let format = if json { Format::Json } else { Format::Human };
    let text = render(
        &report,
        format,
        HumanOptions {
            color: false,
            quiet: false,
        },
    );
    let _ = std::io::stdout().write_all(text.as_bytes());
}
