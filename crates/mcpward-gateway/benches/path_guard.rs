//! Cost of the path guard per path argument on a warm cache.
//!
//! Run: `cargo bench -p mcpward-gateway --bench path_guard`. Target: ≤ 20 µs per path.

use std::path::PathBuf;
use std::time::Instant;

use mcpward_gateway::guard::{Context, FILESYSTEM_TOOLS, check};
use serde_json::json;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().canonicalize().expect("canonical tempdir");
    let root = base.join("project");
    std::fs::create_dir_all(root.join("src/module/deep")).expect("tree");
    std::fs::write(root.join("src/module/deep/file.rs"), "x").expect("file");
    std::os::unix::fs::symlink("src/module", root.join("m")).expect("link");
    let roots = [root.clone()];
    let ctx = Context {
        roots: &roots,
        cwd: Some(&root),
        home: None,
    };
    let cases: [(&str, PathBuf); 4] = [
        (
            "absolute, 4 components",
            root.join("src/module/deep/file.rs"),
        ),
        ("through a symlink", root.join("m/deep/file.rs")),
        ("new file (write)", root.join("src/module/new.rs")),
        ("relative", PathBuf::from("src/module/deep/file.rs")),
    ];
    for (name, path) in cases {
        let tool = if name.contains("write") {
            "write_file"
        } else {
            "read_text_file"
        };
        let args = json!({"path": path, "content": ""});
        for _ in 0..1000 {
            check(FILESYSTEM_TOOLS, tool, &args, &ctx).expect("allowed");
        }
        let runs = 20_000;
        let start = Instant::now();
        for _ in 0..runs {
            check(FILESYSTEM_TOOLS, tool, &args, &ctx).expect("allowed");
        }
        let per = start.elapsed().as_secs_f64() * 1e6 / f64::from(runs);
        let mut out = std::io::stdout().lock();
        use std::io::Write as _;
        let _ = writeln!(out, "path guard, {name}: {per:.2} µs per path");
    }
}
