//! Paths to the misbehaving servers in `src/bin/`.
//!
//! Cargo builds a dependency's library for another package's tests, never its binaries, so the
//! first call builds them with the same cargo, profile and target directory as the running test.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The binaries in `src/bin/`.
pub const SERVERS: &[&str] = &[
    "crash_mid_call",
    "malformed_frames",
    "unsolicited_responses",
    "huge_output",
    "secrets_in_results",
    "poisoned_description",
    "tool_changer",
    "recorder",
    "web_and_write",
    "hostile",
    "sleeper",
    "definitions_file",
    "http_server",
    "discover_only",
    "careless_fs",
    "stateless_notes",
    "otlp_collector",
];

/// The escape attempts of the `hostile` server, one tool each, in the order tests run them.
pub const HOSTILE_PROBES: &[&str] = &[
    "read_ssh_key",
    "read_shadow",
    "write_outside",
    "symlink_out",
    "hardlink_out",
    "write_approval_queue",
    "append_audit_log",
    "read_gateway_environ",
    "tcp_connect",
    "udp_send",
    "raw_socket",
    "io_uring",
    "shell_escape",
    "ptrace_parent",
    "signal_gateway",
    "fork_past_limit",
    "allocate_past_limit",
];

/// The built binary of the misbehaving server `name` (one of [`SERVERS`]).
///
/// # Panics
/// When the build fails; the panic carries cargo's output.
pub fn testkit_server(name: &str) -> PathBuf {
    assert!(
        SERVERS.contains(&name),
        "unknown testkit server `{name}`; see mcpward_testkit::bins::SERVERS"
    );
    let dir = bin_dir();
    let mut path = dir.join(name);
    if cfg!(windows) {
        path.set_extension("exe");
    }
    path
}

fn bin_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("current test executable");
        // target/<profile>/deps/<test> → target/<profile>
        let profile_dir = exe
            .parent()
            .and_then(|deps| deps.parent())
            .expect("test executable lives in target/<profile>/deps")
            .to_path_buf();
        let target_dir = profile_dir.parent().expect("target dir").to_path_buf();
        let profile = profile_dir
            .file_name()
            .and_then(|s| s.to_str())
            .unwrap_or("debug")
            .to_owned();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args([
            "build",
            "--quiet",
            "-p",
            "mcpward-testkit",
            "--bins",
            "--target-dir",
        ])
        .arg(&target_dir);
        if profile != "debug" {
            cmd.args([
                "--profile",
                if profile == "release" {
                    "release"
                } else {
                    &profile
                },
            ]);
        }
        let out = cmd
            .output()
            .expect("run cargo to build the testkit servers");
        assert!(
            out.status.success(),
            "building the testkit servers failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        profile_dir
    })
}
