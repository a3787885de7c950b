//! The official MCP reference servers pinned in `tests/servers/package.json`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// One of the pinned servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceServer {
    /// `@modelcontextprotocol/server-filesystem`.
    Filesystem,
    /// `@modelcontextprotocol/server-everything`.
    Everything,
    /// `@modelcontextprotocol/server-memory`.
    Memory,
}

impl ReferenceServer {
    fn package_dir(self) -> &'static str {
        match self {
            ReferenceServer::Filesystem => "server-filesystem",
            ReferenceServer::Everything => "server-everything",
            ReferenceServer::Memory => "server-memory",
        }
    }
}

/// `tests/servers/` of the workspace.
pub fn servers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/servers")
}

/// `node` and the arguments that start `server` directly (no npx: no network, no prompts).
///
/// # Panics
/// When the servers are not installed: a test that needs them must fail loudly, not pass
/// silently. The message says how to install them.
pub fn reference_server(server: ReferenceServer) -> (OsString, Vec<OsString>) {
    let pkg = servers_dir()
        .join("node_modules/@modelcontextprotocol")
        .join(server.package_dir());
    let manifest = pkg.join("package.json");
    let text = std::fs::read_to_string(&manifest).unwrap_or_else(|e| {
        panic!(
            "the pinned MCP reference servers are not installed ({}: {e}); run `npm ci --prefix tests/servers` first",
            manifest.display()
        )
    });
    let json: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", manifest.display()));
    let bin = match &json["bin"] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(map) => map
            .values()
            .find_map(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("{} has an empty `bin`", manifest.display())),
        _ => json["main"]
            .as_str()
            .unwrap_or_else(|| panic!("{} has no `bin` or `main`", manifest.display()))
            .to_owned(),
    };
    (OsString::from("node"), vec![pkg.join(bin).into_os_string()])
}

/// The test server built on the official MCP Python SDK (`tests/python/sdk_server.py`), run by
/// the pinned SDK in `tests/python/.venv`. Its tools append what they ran, with the arguments
/// as the SDK coerced them, to the file named by `MCPWARD_TEST_RECORD`.
///
/// # Panics
/// When the virtual environment is missing; the message says how to create it.
pub fn python_sdk_server() -> (OsString, Vec<OsString>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/python");
    let python = dir.join(".venv/bin/python");
    if !python.is_file() {
        panic!(
            "the MCP Python SDK test environment is missing ({}); run ./scripts/test.sh, or: python3 -m venv tests/python/.venv && tests/python/.venv/bin/pip install -r tests/python/requirements.txt",
            python.display()
        );
    }
    (
        python.into_os_string(),
        vec![dir.join("sdk_server.py").into_os_string()],
    )
}
