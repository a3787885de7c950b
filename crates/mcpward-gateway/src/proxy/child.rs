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

/// mcpward's own variables that say where its state lives (approval queue, audit log) and which
/// policy applies. The server does not get them: they would point it straight at the queue it
/// must not answer. `HOME` and `XDG_STATE_HOME` stay (servers need them), so code running as the
/// user can still find the default state directory; `run --sandbox` keeps servers out of it
/// (docs/sandbox.md), and docs/integration.md says what is possible without it.
pub const WITHHELD_FROM_SERVER: &[&str] = &["MCPWARD_STATE_DIR", "MCPWARD_LOG", "MCPWARD_POLICY"];

/// Starts `command args…` with piped stdin, stdout and stderr.
pub fn spawn(
    command: &OsString,
    args: &[OsString],
    env: &[(String, String)],
) -> Result<Server, GatewayError> {
    let mut cmd = command_for(command, args, env);
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

/// The server's command line and environment: the gateway's environment without
/// [`WITHHELD_FROM_SERVER`] (also when the server's configured `env` names them), plus `env`.
fn command_for(command: &OsString, args: &[OsString], env: &[(String, String)]) -> Command {
    let mut cmd = Command::new(command);
    cmd.args(args)
        .envs(
            env.iter()
                .filter(|(k, _)| !WITHHELD_FROM_SERVER.contains(&k.as_str()))
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for name in WITHHELD_FROM_SERVER {
        cmd.env_remove(name);
    }
    cmd
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn server_is_not_told_where_the_approval_queue_is() {
        let env = [
            ("MCPWARD_STATE_DIR".to_owned(), "/tmp/elsewhere".to_owned()),
            ("API_URL".to_owned(), "https://example.test".to_owned()),
        ];
        let cmd = command_for(&OsString::from("server"), &[], &env);
        let envs: Vec<(&OsStr, Option<&OsStr>)> = cmd.as_std().get_envs().collect();
        // Removed from what the gateway inherited, and not put back by the server's own env.
        for name in WITHHELD_FROM_SERVER {
            assert!(
                envs.contains(&(OsStr::new(name), None)),
                "{name} reaches the server: {envs:?}"
            );
        }
        assert!(envs.contains(&(
            OsStr::new("API_URL"),
            Some(OsStr::new("https://example.test"))
        )));
        // Servers need their home directory; it is not blanked.
        assert!(
            !envs
                .iter()
                .any(|(k, _)| *k == "HOME" || *k == "XDG_STATE_HOME")
        );
    }
}
