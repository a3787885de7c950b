//! The server process: launching it on pipes, signalling it, and its exit status.

use std::ffi::OsString;
use std::process::{ExitStatus, Stdio};

use tokio::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command};

use super::GatewayError;

/// A launched server.
#[derive(Debug)]
pub struct Server {
    pub child: Child,
    pub stdin: ChildStdin,
    pub stdout: ChildStdout,
    /// The server's diagnostics: relayed line by line, redacted, to mcpward's stderr (which
    /// clients keep in their MCP log).
    pub stderr: Option<ChildStderr>,
    pub pid: Option<i32>,
}

/// Starts `command args…` with piped stdin, stdout and stderr.
pub fn spawn(
    command: &OsString,
    args: &[OsString],
    env: &[(String, String)],
) -> Result<Server, GatewayError> {
    let mut cmd = Command::new(command);
    cmd.args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|source| GatewayError::Spawn {
        command: command.to_string_lossy().into_owned(),
        source,
    })?;
    let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err(GatewayError::Spawn {
            command: command.to_string_lossy().into_owned(),
            source: std::io::Error::other("child pipes were not created"),
        });
    };
    let stderr = child.stderr.take();
    let pid = child.id().and_then(|p| i32::try_from(p).ok());
    Ok(Server {
        child,
        stdin,
        stdout,
        stderr,
        pid,
    })
}

/// Sends a signal to the server; a server that already exited is not an error.
pub fn signal(pid: Option<i32>, sig: rustix::process::Signal) {
    if let Some(pid) = pid.and_then(rustix::process::Pid::from_raw) {
        let _ = rustix::process::kill_process(pid, sig);
    }
}

/// The shell convention: the exit code, or 128 + the signal that killed the process.
pub fn exit_code(status: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(sig)) => 128 + sig,
        (None, None) => 1,
    }
}
