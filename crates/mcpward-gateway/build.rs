//! The gateway bench (`benches/gateway_overhead.rs`) is linked like the `mcpward` binary: the code
//! a gateway session executes laid out together (`crates/mcpward/link/layout.rs`), so that its
//! memory figures are those of the shipped layout.

#[path = "../mcpward/link/layout.rs"]
#[allow(dead_code)]
mod layout;

fn main() {
    let manifest = std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    layout::configure("benches", &manifest.join("../mcpward/link/run-hot.txt"));
}
