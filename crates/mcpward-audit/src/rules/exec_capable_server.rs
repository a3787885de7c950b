//! `exec-capable-server`: a server whose tools run arbitrary commands or code.

use mcpward_core::{Finding, RuleMeta, Severity};

use crate::context::FileContext;
use crate::knowledge::Capability;

pub static META: RuleMeta = RuleMeta {
    id: "exec-capable-server",
    default_severity: Severity::High,
    summary: "A server can run arbitrary commands or code on this machine.",
    what: "A server known (from mcpward's table) or named (shell, terminal, command, exec, \
code-runner) to expose tools that execute commands: shell and terminal servers, code runners, \
Desktop Commander, Docker/Kubernetes servers, and any container started `--privileged` or with \
the Docker socket mounted (`-v /var/run/docker.sock:…`). Reported at medium when the server already runs \
under `mcpward run` (policy sees every call) and low under `mcpward run --sandbox`.",
    why: "A command tool turns any prompt injection the model reads into code execution as you: \
reading `~/.ssh`, installing persistence, pushing with your git credentials. The client's \
per-call prompt is the only barrier, and it is easy to click through.",
    example_bad: r#"{ "mcpServers": { "shell": { "command": "uvx", "args": ["mcp-shell-server==1.0.3"] } } }"#,
    example_fixed: r#"{ "mcpServers": { "shell": { "command": "mcpward", "args": ["run", "--sandbox", "--", "uvx", "mcp-shell-server==1.0.3"] } } }"#,
};

pub(crate) fn check(cx: &FileContext<'_>, out: &mut Vec<Finding>) {
    for server in cx
        .servers
        .iter()
        .filter(|s| s.active() && s.has(Capability::Exec))
    {
        let listed = server.inspected_evidence(Capability::Exec);
        let known = server
            .known
            .filter(|k| k.capabilities.contains(&Capability::Exec));
        let how = match (&server.launch.host_control, known) {
            (Some(option), _) => format!(
                "{} gets control of the host through `{}`: a privileged container, or one that can reach the Docker socket, can start any container and so run anything as root",
                server.label(),
                option.value
            ),
            (None, Some(k)) => format!(
                "{} starts {}{}, which runs commands or code as you{}",
                server.label(),
                server.identity_label(),
                if server
                    .identity_label()
                    .trim_matches('`')
                    .eq_ignore_ascii_case(&k.name)
                {
                    String::new()
                } else {
                    format!(" ({})", k.name)
                },
                k.changes
                    .as_deref()
                    .map(|c| format!("; it can change {c}"))
                    .unwrap_or_default()
            ),
            (None, None) if !listed.is_empty() => format!(
                "{} lists tools that run commands or code: {} (seen by starting it)",
                server.label(),
                listed
                    .iter()
                    .map(|t| format!("`{}`", mcpward_core::display::escape(t)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (None, None) => format!(
                "{} looks like a command-running server by {}",
                server.label(),
                server.guessed_from.as_deref().unwrap_or("its name")
            ),
        };
        let (severity, state) = if server.launch.sandboxed {
            (Severity::Low, "; it runs under `mcpward run --sandbox`")
        } else if server.launch.gated {
            (
                Severity::Medium,
                "; it runs under `mcpward run` without `--sandbox`",
            )
        } else {
            (Severity::High, "")
        };
        let launch = server.entry.launch();
        let mut f = cx
            .finding(
                &META,
                Some(server.entry),
                server
                    .launch
                    .host_control
                    .as_ref()
                    .map_or(server.entry.span, |o| o.span),
                format!("{how}{state}"),
            )
            .severity(severity);
        if !server.launch.sandboxed {
            let cmd = if server.launch.gated {
                "add `--sandbox` to its `mcpward run`".to_string()
            } else {
                format!("run it through `mcpward run --sandbox -- {launch}`")
            };
            f = f.fix(format!(
                "{cmd}, with a policy that asks before each command"
            ));
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::test_support::{Builder, run};
    use mcpward_config::ClientKind;

    #[test]
    fn a_server_that_lists_a_command_tool_is_exec_capable_whatever_its_name() {
        use crate::context::test_support::{run_inspected, tools};
        use crate::inspected::Inspected;
        use mcpward_policy::knowledge::Capability as Class;
        let file = Builder::new(ClientKind::ClaudeCode, "{}")
            .stdio("notes", "node", &["/opt/notes/index.js"])
            .build();
        assert!(
            run(check, &file).is_empty(),
            "nothing to go on without inspection"
        );
        let mut inspected = Inspected::new();
        inspected.insert(
            &file.path,
            "notes",
            tools(&[("search", &[Class::Read]), ("run_command", &[Class::Exec])]),
        );
        let f = run_inspected(check, &file, &inspected);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains(
                "lists tools that run commands or code: `run_command` (seen by starting it)"
            ),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn listed_tools_replace_a_guess_from_the_name() {
        use crate::context::test_support::{run_inspected, tools};
        use crate::inspected::Inspected;
        use mcpward_policy::knowledge::Capability as Class;
        let file = Builder::new(ClientKind::ClaudeCode, "{}")
            .stdio("shell-notes", "node", &["/opt/notes/index.js"])
            .build();
        assert_eq!(run(check, &file).len(), 1, "guessed from the name");
        let mut inspected = Inspected::new();
        inspected.insert(
            &file.path,
            "shell-notes",
            tools(&[("search", &[Class::Read])]),
        );
        assert!(run_inspected(check, &file, &inspected).is_empty());
    }

    #[test]
    fn reports_known_shell_server_as_high() {
        let file = Builder::new(ClientKind::ClaudeDesktop, "{}")
            .stdio("shell", "uvx", &["mcp-shell-server==1.0.3"])
            .build();
        let f = run(check, &file);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert!(
            f[0].fix
                .as_deref()
                .unwrap()
                .contains("mcpward run --sandbox -- uvx mcp-shell-server==1.0.3")
        );
    }

    #[test]
    fn privileged_container_or_mounted_docker_socket_is_exec() {
        for args in [
            &[
                "run",
                "-i",
                "--rm",
                "-v",
                "/var/run/docker.sock:/var/run/docker.sock",
                "mcp/docker@sha256:0",
            ][..],
            &["run", "-i", "--rm", "--privileged", "acme/notes-mcp:1.2.3"][..],
            &[
                "run",
                "-i",
                "--mount",
                "type=bind,src=//./pipe/docker_engine,dst=//./pipe/docker_engine",
                "acme/notes-mcp:1.2.3",
            ][..],
        ] {
            let file = Builder::new(ClientKind::ClaudeDesktop, "{}")
                .stdio("notes", "docker", args)
                .build();
            let f = run(check, &file);
            assert_eq!(f.len(), 1, "{args:?}");
            assert!(
                f[0].message.contains("control of the host"),
                "{}",
                f[0].message
            );
        }
        let plain = Builder::new(ClientKind::ClaudeDesktop, "{}")
            .stdio(
                "notes",
                "docker",
                &[
                    "run",
                    "-i",
                    "--rm",
                    "-v",
                    "/srv/notes:/data",
                    "acme/notes-mcp:1.2.3",
                ],
            )
            .build();
        assert!(run(check, &plain).is_empty());
    }

    #[test]
    fn a_shell_running_a_script_is_not_exec_capable_by_that_fact() {
        for (name, cmd, args) in [
            ("notes", "bash", &["/opt/mcp/start-notes.sh"][..]),
            ("notes", "sh", &["-e", "./run.sh", "--port", "3000"][..]),
            (
                "notes",
                "powershell",
                &["-ExecutionPolicy", "Bypass", "-File", "C:\\mcp\\notes.ps1"][..],
            ),
            ("notes", "cmd", &["/c", "C:\\mcp\\notes.bat"][..]),
            // Named after its launcher: the name says nothing about the code.
            ("bash-tools", "bash", &["/opt/notes-mcp/start.sh"][..]),
            (
                "powershell-server",
                "powershell",
                &["-File", "C:\\mcp\\notes.ps1"][..],
            ),
        ] {
            let file = Builder::new(ClientKind::Cursor, "{}")
                .stdio(name, cmd, args)
                .build();
            assert!(run(check, &file).is_empty(), "{cmd} {args:?}");
        }
    }

    #[test]
    fn names_what_triggered_it_never_the_config_name_when_the_code_is_known() {
        // Config name says nothing; the package is known.
        let file = Builder::new(ClientKind::ClaudeDesktop, "{}")
            .stdio(
                "helper",
                "npx",
                &["-y", "@wonderwhy-er/desktop-commander@latest"],
            )
            .build();
        let m = &run(check, &file)[0].message;
        assert!(
            m.contains("`@wonderwhy-er/desktop-commander`") && m.contains("Desktop Commander"),
            "{m}"
        );
        // A scary config name on a known harmless server is not exec.
        let file = Builder::new(ClientKind::ClaudeDesktop, "{}")
            .stdio("shell", "uvx", &["mcp-server-time"])
            .build();
        assert!(run(check, &file).is_empty());
        // An unknown local server named `terminal` is reported, and the message says it is the name.
        let file = Builder::new(ClientKind::ClaudeDesktop, "{}")
            .stdio(
                "terminal",
                "node",
                &["/home/me-example/term/build/index.js"],
            )
            .build();
        let m = &run(check, &file)[0].message;
        assert!(m.contains("the name this config gives it"), "{m}");
    }

    #[test]
    fn sees_through_launchers_to_exec_servers_from_their_readmes() {
        for (cmd, args) in [
            // Desktop Commander README (npx), and the same through a wrapper and WSL.
            ("npx", &["-y", "@wonderwhy-er/desktop-commander@latest"][..]),
            (
                "/usr/local/bin/mcp-wrapper",
                &["npx", "-y", "@wonderwhy-er/desktop-commander@latest"][..],
            ),
            (
                "pwsh",
                &["-c", "npx -y @wonderwhy-er/desktop-commander"][..],
            ),
            // claude-code-mcp README
            ("npx", &["-y", "@steipete/claude-code-mcp@latest"][..]),
            // Claude Code itself as a server
            ("claude", &["mcp", "serve"][..]),
            // Jupyter MCP server README (uvx) and docker image
            ("uvx", &["jupyter-mcp-server@latest"][..]),
            (
                "docker",
                &[
                    "run",
                    "-i",
                    "--rm",
                    "-e",
                    "DOCUMENT_ID=notebook.ipynb",
                    "datalayer/jupyter-mcp-server:latest",
                ][..],
            ),
            // Windows-MCP README
            ("uvx", &["windows-mcp"][..]),
            // wcgw README
            (
                "uv",
                &["tool", "run", "--python", "3.12", "wcgw@latest"][..],
            ),
            // docker-mcp README
            ("uvx", &["docker-mcp"][..]),
            // Serena README
            (
                "uvx",
                &[
                    "--from",
                    "git+https://github.com/oraios/serena",
                    "serena",
                    "start-mcp-server",
                ][..],
            ),
            // docker exec into a dev container
            (
                "docker",
                &["exec", "-i", "devbox", "npx", "-y", "mcp-server-commands"][..],
            ),
            // uv run --with
            (
                "uv",
                &["run", "--with", "mcp-shell-server", "mcp-shell-server"][..],
            ),
        ] {
            let file = Builder::new(ClientKind::ClaudeDesktop, "{}")
                .stdio("x", cmd, args)
                .build();
            let f = run(check, &file);
            assert_eq!(f.len(), 1, "{cmd} {args:?}");
            assert!(!f[0].message.contains("by the name"), "{}", f[0].message);
        }
        // Goose's built-in developer extension runs shell commands.
        let file = Builder::new(ClientKind::Goose, "{}")
            .with_builtin("developer", "goose:developer")
            .build();
        assert_eq!(run(check, &file).len(), 1);
    }

    #[test]
    fn lowers_severity_when_gated_or_sandboxed() {
        let gated = Builder::new(ClientKind::ClaudeDesktop, "{}")
            .stdio(
                "dc",
                "mcpward",
                &[
                    "run",
                    "--",
                    "npx",
                    "-y",
                    "@wonderwhy-er/desktop-commander@0.2.3",
                ],
            )
            .build();
        assert_eq!(run(check, &gated)[0].severity, Severity::Medium);
        let boxed = Builder::new(ClientKind::ClaudeDesktop, "{}")
            .stdio(
                "dc",
                "mcpward",
                &[
                    "run",
                    "--sandbox",
                    "--",
                    "npx",
                    "-y",
                    "@wonderwhy-er/desktop-commander@0.2.3",
                ],
            )
            .build();
        let f = run(check, &boxed);
        assert_eq!(f[0].severity, Severity::Low);
        assert!(f[0].fix.is_none());
    }

    #[test]
    fn guesses_from_name_but_ignores_plain_servers_and_disabled_ones() {
        let file = Builder::new(ClientKind::Cursor, "{}")
            .stdio("term", "npx", &["-y", "super-terminal-mcp"])
            .build();
        let m = &run(check, &file)[0].message;
        assert!(m.contains("its package name `super-terminal-mcp`"), "{m}");
        let file = Builder::new(ClientKind::Cursor, "{}")
            .stdio("weather", "npx", &["-y", "weather-mcp@1.0.0"])
            .stdio("shell", "uvx", &["mcp-shell-server"])
            .with(|e| e.disabled = true)
            .build();
        assert!(run(check, &file).is_empty());
    }
}
