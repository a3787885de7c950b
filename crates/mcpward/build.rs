//! Lays out the code a `mcpward run` session executes next to each other in the binary, and packs
//! its relative relocations where the C library reads them packed: see `link/layout.rs`.

#[path = "link/layout.rs"]
mod layout;

fn main() {
    let manifest = std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    layout::configure("bins", &manifest.join("link/run-hot.txt"));
}
