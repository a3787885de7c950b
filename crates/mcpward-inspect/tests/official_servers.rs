//! The definitions of the official reference servers (captured from the packages pinned in
//! tests/servers) must not raise anything at medium or above.

use mcpward_core::Severity;
use mcpward_inspect::{Definitions, inspect};

fn fixture(name: &str) -> Definitions {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    Definitions::from_json(&std::fs::read_to_string(&path).expect("fixture exists"))
        .expect("fixture parses")
}

#[test]
fn reference_servers_have_no_medium_or_higher_findings() {
    for name in ["server-filesystem", "server-everything", "server-memory"] {
        let defs = fixture(name);
        assert!(!defs.tools.is_empty(), "{name} fixture has tools");
        let serious: Vec<_> = inspect(name, &defs)
            .into_iter()
            .filter(|f| f.severity >= Severity::Medium)
            .collect();
        assert!(serious.is_empty(), "{name}: {serious:#?}");
    }
}

#[test]
fn reference_servers_pin_without_error() {
    for name in ["server-filesystem", "server-everything", "server-memory"] {
        let pins = mcpward_inspect::pin_definitions(&fixture(name)).expect("pins");
        assert_eq!(pins.tools.len(), fixture(name).tools.len());
    }
}
