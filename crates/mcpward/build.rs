//! Lays out the code a `mcpward run` session executes next to each other in the binary, and packs
//! its relative relocations where the C library reads them packed: see `link/layout.rs`.

// A build script talks to cargo on its standard output.
#![allow(clippy::disallowed_macros)]

use std::env;
use std::path::PathBuf;
use std::process::Command;

#[path = "link/layout.rs"]
mod layout;

fn main() {
    println!("cargo::rerun-if-changed=link/run-hot.txt");
    println!("cargo::rerun-if-changed=link/layout.rs");
    println!("cargo::rerun-if-env-changed=MCPWARD_DEFAULT_LAYOUT");
    let var = |name: &str| env::var(name).unwrap_or_default();
    let opt_out = env::var("MCPWARD_DEFAULT_LAYOUT").ok();
    if !layout::wanted(
        &var("CARGO_CFG_TARGET_OS"),
        &var("PROFILE"),
        &var("CARGO_ENCODED_RUSTFLAGS"),
        opt_out.as_deref(),
    ) {
        return;
    }
    let glibc = Command::new("getconf")
        .arg("GNU_LIBC_VERSION")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned());
    if layout::packed_relocations(
        &var("CARGO_CFG_TARGET_ENV"),
        var("HOST") != var("TARGET"),
        glibc.as_deref(),
        &var("PROFILE"),
        &var("CARGO_ENCODED_RUSTFLAGS"),
    ) {
        println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    if let Some(warning) = layout::names_unmatched(&var("CARGO_ENCODED_RUSTFLAGS")) {
        println!("cargo::warning={warning}");
    }
    let manifest = PathBuf::from(var("CARGO_MANIFEST_DIR"));
    let list = std::fs::read_to_string(manifest.join("link/run-hot.txt"))
        .expect("crates/mcpward/link/run-hot.txt is part of the package");
    let out = PathBuf::from(var("OUT_DIR")).join("run-hot.ld");
    std::fs::write(&out, layout::linker_script(&list)).expect("OUT_DIR is writable");
    println!("cargo::rustc-link-arg-bins=-Wl,-T,{}", out.display());
}
