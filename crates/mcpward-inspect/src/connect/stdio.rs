//! The stdio transport: the server as a child process in its own process group, newline-delimited
//! JSON-RPC on its stdin and stdout, its stderr captured (bounded) for error messages.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::{ErrorKind, MAX_MESSAGE, Masker, Reply};

/// What the server may keep of mcpward's own environment when `clear_env` is set: the variables
/// the official MCP SDKs pass to a stdio server by default (so `npx`, `uvx` and `node` are found
/// and behave as when a client starts them), plus locale, time zone and temporary directory.
const INHERITED: &[&str] = &[
    "HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR",
    "TZ",
];

/// mcpward's variables that say where its state, log and policy live: never given to a server.
const WITHHELD: &[&str] = &[
    "MCPWARD_STATE_DIR",
    "MCPWARD_LOG",
    "MCPWARD_LOG_KEY",
    "MCPWARD_POLICY",
];

/// How much of the server's stderr is kept for messages; the rest is read and dropped so the
/// server never blocks on a full pipe.
const STDERR_KEEP: usize = 64 * 1024;

/// Lines on stdout that are not JSON (a server logging to the wrong stream) are skipped, up to
/// this many; past it the server is not speaking MCP.
const MAX_STRAY_LINES: usize = 200;

/// How long an ended server gets to flush the rest of its stderr into an error message.
const STDERR_DRAIN: Duration = Duration::from_millis(300);

/// How long a server gets to exit after its stdin closes and it is sent SIGTERM, before SIGKILL.
const EXIT_GRACE: Duration = Duration::from_millis(100);

#[derive(Debug, Default)]
struct Captured {
    kept: Vec<u8>,
    dropped: usize,
}

/// A launched server speaking on its stdin and stdout.
#[derive(Debug)]
pub(crate) struct StdioChannel {
    child: Child,
    pid: Option<u32>,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    stderr: Arc<Mutex<Captured>>,
    stderr_task: Option<JoinHandle<()>>,
    masker: Masker,
    stray_lines: usize,
    first_stray: Option<String>,
    line: Vec<u8>,
}

impl StdioChannel {
    pub(crate) fn spawn(
        command: &str,
        args: &[String],
        env: &BTreeMap<String, String>,
        cwd: Option<&PathBuf>,
        clear_env: bool,
        masker: Masker,
    ) -> Result<StdioChannel, ErrorKind> {
        if command.trim().is_empty() {
            return Err(ErrorKind::BadTarget(
                "the server has no command to start".into(),
            ));
        }
        let mut cmd = Command::new(command);
        cmd.args(args);
        if clear_env {
            cmd.env_clear();
            for name in INHERITED {
                if let Some(value) = std::env::var_os(name) {
                    cmd.env(name, value);
                }
            }
        }
        for name in WITHHELD {
            cmd.env_remove(name);
        }
        cmd.envs(env.iter().filter(|(k, _)| !WITHHELD.contains(&k.as_str())));
        if let Some(dir) = cwd {
            cmd.current_dir(dir);
        }
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        // Its own process group: launchers (npx, uvx, sh -c) start the real server as a
        // grandchild, and ending the inspection must end all of them.
        #[cfg(unix)]
        cmd.process_group(0);
        let mut child = cmd.spawn().map_err(|source| ErrorKind::Spawn {
            command: command.to_string(),
            source,
        })?;
        let (Some(stdin), Some(stdout), Some(mut stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(ErrorKind::Spawn {
                command: command.to_string(),
                source: std::io::Error::other("the child's pipes were not created"),
            });
        };
        let captured = Arc::new(Mutex::new(Captured::default()));
        let sink = captured.clone();
        let stderr_task = tokio::spawn(async move {
            let mut buf = vec![0u8; 8192];
            loop {
                let n = match stderr.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                let mut c = sink.lock().unwrap_or_else(|e| e.into_inner());
                let room = STDERR_KEEP.saturating_sub(c.kept.len()).min(n);
                c.kept.extend_from_slice(&buf[..room]);
                c.dropped += n - room;
            }
        });
        Ok(StdioChannel {
            pid: child.id(),
            child,
            stdin: Some(stdin),
            stdout: BufReader::with_capacity(64 * 1024, stdout),
            stderr: captured,
            stderr_task: Some(stderr_task),
            masker,
            stray_lines: 0,
            first_stray: None,
            line: Vec::new(),
        })
    }

    /// Writes one message.
    pub(crate) async fn send(&mut self, message: &Value, method: &str) -> Result<(), ErrorKind> {
        let mut bytes = serde_json::to_vec(message).unwrap_or_default();
        bytes.push(b'\n');
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(self.ended(method).await);
        };
        if stdin.write_all(&bytes).await.is_err() || stdin.flush().await.is_err() {
            return Err(self.ended(method).await);
        }
        Ok(())
    }

    /// Reads until the response to `id`; answers the server's own requests with an error (mcpward
    /// declares no client capabilities) and `ping` with an empty result.
    pub(crate) async fn receive(&mut self, id: i64, method: &str) -> Result<Reply, ErrorKind> {
        loop {
            match read_line(&mut self.stdout, &mut self.line).await {
                Ok(Line::Eof) => return Err(self.ended(method).await),
                Ok(Line::TooLong) => {
                    return Err(ErrorKind::Protocol {
                        method: method.to_string(),
                        problem: format!(
                            "a line on stdout is longer than {} MiB",
                            MAX_MESSAGE / (1024 * 1024)
                        ),
                    });
                }
                Ok(Line::Complete) => {}
                Err(e) => {
                    return Err(ErrorKind::Protocol {
                        method: method.to_string(),
                        problem: format!("reading its stdout failed: {e}"),
                    });
                }
            }
            let text = String::from_utf8_lossy(&self.line);
            let trimmed = text.trim();
            if trimmed.is_empty() {
                continue;
            }
            let message: Value = match serde_json::from_str(trimmed) {
                Ok(v) => v,
                Err(_) => {
                    self.stray_lines += 1;
                    if self.first_stray.is_none() {
                        self.first_stray = Some(excerpt(&self.masker.mask(trimmed)));
                    }
                    if self.stray_lines > MAX_STRAY_LINES {
                        return Err(ErrorKind::Protocol {
                            method: method.to_string(),
                            problem: format!(
                                "more than {MAX_STRAY_LINES} lines on stdout are not JSON-RPC, starting with `{}`",
                                self.first_stray.as_deref().unwrap_or_default()
                            ),
                        });
                    }
                    continue;
                }
            };
            let messages = match message {
                Value::Array(items) => items,
                other => vec![other],
            };
            for message in messages {
                match super::classify(message, id) {
                    super::Incoming::Reply(reply) => return Ok(reply),
                    super::Incoming::Request { id: their, method } => {
                        let answer = if method == "ping" {
                            json!({"jsonrpc": "2.0", "id": their, "result": {}})
                        } else {
                            json!({"jsonrpc": "2.0", "id": their, "error": {
                                "code": -32601,
                                "message": format!("mcpward inspect does not handle `{method}`")
                            }})
                        };
                        self.send(&answer, &method).await?;
                    }
                    super::Incoming::Other => {}
                }
            }
        }
    }

    /// Lines of stdout that were skipped because they were not JSON.
    pub(crate) fn stray_note(&self) -> Option<String> {
        self.first_stray.as_ref().map(|first| {
            format!(
                "skipped {} line(s) on the server's stdout that were not JSON-RPC, the first: `{first}`",
                self.stray_lines
            )
        })
    }

    /// Why the conversation stopped: the server exited (with its status) or closed stdout.
    async fn ended(&mut self, method: &str) -> ErrorKind {
        let status = tokio::time::timeout(STDERR_DRAIN, self.child.wait()).await;
        let status = match status {
            Ok(Ok(s)) => Some(describe_status(s)),
            _ => None,
        };
        ErrorKind::Ended {
            status,
            method: method.to_string(),
        }
    }

    /// The server's stderr so far, masked. After a failure, waits briefly for the rest.
    pub(crate) async fn stderr(&mut self, drain: bool) -> String {
        if drain && let Some(task) = self.stderr_task.as_mut() {
            let _ = tokio::time::timeout(STDERR_DRAIN, task).await;
        }
        let c = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        let text = String::from_utf8_lossy(&c.kept);
        let mut out = self.masker.mask(&text).into_owned();
        if c.dropped > 0 {
            out.push_str(&format!("\n[{} more byte(s) not kept]", c.dropped));
        }
        out
    }

    /// Ends the server: stdin closed, SIGTERM to its group, SIGKILL after a short grace.
    pub(crate) async fn close(&mut self) {
        self.stdin = None;
        if let Ok(Some(_)) = self.child.try_wait() {
            self.kill_group(Signal::Kill);
            return;
        }
        self.kill_group(Signal::Term);
        let deadline = Instant::now() + EXIT_GRACE;
        let _ = tokio::time::timeout_at(deadline, self.child.wait()).await;
        self.kill_group(Signal::Kill);
        let _ = self.child.start_kill();
    }

    fn kill_group(&self, signal: Signal) {
        #[cfg(unix)]
        if let Some(pid) = self
            .pid
            .and_then(|p| i32::try_from(p).ok())
            .and_then(rustix::process::Pid::from_raw)
        {
            let sig = match signal {
                Signal::Term => rustix::process::Signal::TERM,
                Signal::Kill => rustix::process::Signal::KILL,
            };
            let _ = rustix::process::kill_process_group(pid, sig);
        }
        #[cfg(not(unix))]
        let _ = signal;
    }
}

impl Drop for StdioChannel {
    fn drop(&mut self) {
        // A timeout or an early return drops the channel without `close`: nothing of the server
        // may outlive the inspection.
        self.kill_group(Signal::Kill);
        if let Some(task) = self.stderr_task.take() {
            task.abort();
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Signal {
    Term,
    Kill,
}

fn describe_status(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        if let Some(sig) = status.signal() {
            return format!("killed by signal {sig}");
        }
    }
    match status.code() {
        Some(code) => format!("exit status {code}"),
        None => "unknown status".into(),
    }
}

/// At most 200 characters of a line, for messages.
fn excerpt(text: &str) -> String {
    let mut out: String = text.chars().take(200).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    mcpward_core::display::escape(&out).into_owned()
}

enum Line {
    Complete,
    Eof,
    TooLong,
}

/// One line (without its `\n`) into `buf`, refusing lines longer than [`MAX_MESSAGE`] without
/// buffering them.
async fn read_line(
    reader: &mut BufReader<ChildStdout>,
    buf: &mut Vec<u8>,
) -> std::io::Result<Line> {
    buf.clear();
    let mut too_long = false;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(if too_long {
                Line::TooLong
            } else if buf.is_empty() {
                Line::Eof
            } else {
                Line::Complete
            });
        }
        let (chunk, done) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (&available[..i], Some(i + 1)),
            None => (available, None),
        };
        if !too_long {
            if buf.len() + chunk.len() > MAX_MESSAGE {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(chunk);
            }
        }
        let used = done.unwrap_or(available.len());
        reader.consume(used);
        if done.is_some() {
            return Ok(if too_long {
                Line::TooLong
            } else {
                Line::Complete
            });
        }
    }
}
