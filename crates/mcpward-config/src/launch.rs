//! What a server entry actually starts, understood once for every rule.
//!
//! Client configs say `npx -y @scope/pkg@1.2.3`, `uvx --from pkg==1.0 cmd`, `docker run … image`,
//! `cmd /c npx …` on Windows, or wrap all of it in `mcpward run -- …`. Rules care about the
//! package behind the launch (to know the server and whether it is pinned), the arguments the
//! server itself receives, and whether mcpward gates it. Parsing that in each rule would drift, so
//! it happens here, on the raw tokens, without running anything.

use crate::{ServerEntry, Spanned};
use mcpward_core::Span;

/// Package ecosystem a launch pulls code from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ecosystem {
    Npm,
    PyPi,
    Docker,
    /// A git URL (`git+https://…`, `github:owner/repo`); the version is the ref after `#`/`@`.
    Git,
}

impl Ecosystem {
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::PyPi => "PyPI",
            Ecosystem::Docker => "Docker",
            Ecosystem::Git => "git",
        }
    }
}

/// The tool that fetches or starts the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    Npx,
    Bunx,
    PnpmDlx,
    YarnDlx,
    Uvx,
    PipxRun,
    Docker,
    /// `node path/to/script.js`
    Node,
    /// `python -m module` or `python script.py`
    Python,
    /// Any other program, started directly.
    Program,
    /// No local process: the client connects to a URL.
    Remote,
}

/// A package reference as written in the launch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageSpec {
    pub ecosystem: Ecosystem,
    /// Package or image name without version (`@scope/pkg`, `mcp-server-fetch`, `ghcr.io/o/img`).
    pub name: String,
    /// Version, tag or ref as written (`1.2.3`, `latest`, `^1`, `==1.0`); `None` when absent.
    pub version: Option<String>,
    /// Docker image digest (`sha256:…`).
    pub digest: Option<String>,
    /// The whole spec as written.
    pub raw: String,
    /// Where the spec is in the file.
    pub span: Span,
}

/// How well a [`PackageSpec`] pins the code it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pinning {
    /// Exact version, digest or full commit id.
    Pinned,
    /// No version at all: every start may fetch something new.
    Missing,
    /// A tag or range that moves (`latest`, `^1`, `1.x`, a branch, a docker tag without digest).
    Floating(String),
}

impl PackageSpec {
    pub fn pinning(&self) -> Pinning {
        match self.ecosystem {
            Ecosystem::Docker => {
                if self.digest.as_deref().is_some_and(is_image_digest) {
                    Pinning::Pinned
                } else {
                    match &self.version {
                        None => Pinning::Missing,
                        Some(tag) => Pinning::Floating(tag.clone()),
                    }
                }
            }
            Ecosystem::Git => match &self.version {
                None => Pinning::Missing,
                Some(r) if is_full_commit_id(r) => Pinning::Pinned,
                Some(r) => Pinning::Floating(r.clone()),
            },
            Ecosystem::Npm => match &self.version {
                None => Pinning::Missing,
                // npm reads `1.2` as the range `1.2.x`, so an exact version has three parts.
                Some(v) if is_exact_version(v, 3) => Pinning::Pinned,
                Some(v) => Pinning::Floating(v.clone()),
            },
            Ecosystem::PyPi => match &self.version {
                None => Pinning::Missing,
                Some(v) => {
                    let exact = v
                        .strip_prefix("===")
                        .or_else(|| v.strip_prefix("=="))
                        .or_else(|| v.strip_prefix('@'))
                        .is_some_and(|rest| is_exact_version(rest.trim(), 1));
                    if exact {
                        Pinning::Pinned
                    } else {
                        Pinning::Floating(v.clone())
                    }
                }
            },
        }
    }
}

/// What one server entry starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    pub runner: Runner,
    /// Base name of the program that ends up running (`npx`, `docker`, `github-mcp-server`), lower case,
    /// without `.exe`/`.cmd`; empty for remote servers.
    pub program: String,
    pub package: Option<PackageSpec>,
    /// `node`'s script path or `python -m`'s module / script path.
    pub script: Option<String>,
    /// Arguments the server itself receives (after the package, image or script).
    pub server_args: Vec<Spanned<String>>,
    /// Environment set on the command line (`docker run -e K=V`, `env K=V cmd`), with the span of the token.
    pub inline_env: Vec<(String, String, Span)>,
    /// Host paths bind-mounted into a container (`-v /host:/ctr`, `--mount type=bind,src=/host,…`).
    pub mounts: Vec<Spanned<String>>,
    /// A container option that hands it the host (`--privileged`, the Docker socket mounted):
    /// such a container can start any other container, and so run anything as root.
    pub host_control: Option<Spanned<String>>,
    /// The URL the client or a bridge (`mcp-remote`, `supergateway`) connects to.
    pub remote_url: Option<Spanned<String>>,
    /// Started through `mcpward run`, so mcpward's policy sees every call.
    pub gated: bool,
    /// Started through `mcpward run --sandbox`.
    pub sandboxed: bool,
    /// The client's built-in extension the entry turns on (`goose:developer`).
    pub builtin: Option<String>,
}

impl Launch {
    /// Understand `entry`'s command line. Never fails: what is not recognised is a [`Runner::Program`].
    pub fn of(entry: &ServerEntry) -> Launch {
        let tokens = tokens(entry);
        let mut launch = Launch {
            runner: if entry.command.is_none() && entry.url.is_some() {
                Runner::Remote
            } else {
                Runner::Program
            },
            program: String::new(),
            package: None,
            script: None,
            server_args: Vec::new(),
            inline_env: Vec::new(),
            mounts: Vec::new(),
            host_control: None,
            remote_url: entry.url.clone(),
            gated: false,
            sandboxed: false,
            builtin: entry.builtin.as_ref().map(|b| b.value.clone()),
        };
        if tokens.is_empty() {
            return launch;
        }
        let mut rest: &[Spanned<String>] = &tokens;
        // Unwrap launchers that only start the real command; bounded so a strange loop cannot spin.
        for _ in 0..8 {
            let Some(first) = rest.first() else { break };
            let prog = program_name(&first.value);
            match prog.as_str() {
                "cmd" => {
                    let after = &rest[1..];
                    match after.iter().position(|t| {
                        t.value.eq_ignore_ascii_case("/c") || t.value.eq_ignore_ascii_case("/k")
                    }) {
                        Some(i) => rest = &after[i + 1..],
                        None => break,
                    }
                }
                "mcpward" if rest.get(1).is_some_and(|t| t.value == "run") => {
                    launch.gated = true;
                    let opts = &rest[2..];
                    let end = opts.iter().position(|t| t.value == "--");
                    let (flags, cmd) = match end {
                        Some(i) => (&opts[..i], &opts[i + 1..]),
                        None => {
                            let i = opts
                                .iter()
                                .position(|t| !t.value.starts_with('-'))
                                .unwrap_or(opts.len());
                            (&opts[..i], &opts[i..])
                        }
                    };
                    if flags
                        .iter()
                        .any(|t| t.value == "--sandbox" || t.value.starts_with("--sandbox="))
                    {
                        launch.sandboxed = true;
                    }
                    rest = cmd;
                }
                // `exec npx …` inside a shell command string.
                "exec" => rest = &rest[1..],
                // Windows users run servers inside WSL: `wsl -d Ubuntu -- npx -y pkg /home/me`.
                "wsl" => {
                    let mut i = 1;
                    while let Some(t) = rest.get(i) {
                        match t.value.as_str() {
                            "--" | "-e" | "--exec" => {
                                i += 1;
                                break;
                            }
                            "-d" | "--distribution" | "-u" | "--user" | "--cd" => i += 2,
                            v if v.starts_with('-') => i += 1,
                            _ => break,
                        }
                    }
                    rest = &rest[i.min(rest.len())..];
                }
                // `docker exec -i box npx -y pkg`: the launch line runs inside a running container.
                "docker" | "podman" if rest.get(1).is_some_and(|t| t.value == "exec") => {
                    let mut i = 2;
                    while let Some(t) = rest.get(i) {
                        let v = t.value.as_str();
                        if !v.starts_with('-') {
                            break;
                        }
                        if matches!(v, "-e" | "--env")
                            && let Some((k, val)) =
                                rest.get(i + 1).and_then(|kv| kv.value.split_once('='))
                        {
                            launch
                                .inline_env
                                .push((k.into(), val.into(), rest[i + 1].span));
                        }
                        i += if matches!(
                            v,
                            "-e" | "--env" | "-u" | "--user" | "-w" | "--workdir" | "--env-file"
                        ) {
                            2
                        } else {
                            1
                        };
                    }
                    // Skip the container name; what follows is the launch line.
                    rest = &rest[(i + 1).min(rest.len())..];
                }
                "env" => {
                    let mut i = 1;
                    while let Some(t) = rest.get(i) {
                        if t.value.starts_with('-') {
                            i += 1;
                        } else if let Some((k, v)) = t.value.split_once('=') {
                            launch
                                .inline_env
                                .push((k.to_string(), v.to_string(), t.span));
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    rest = &rest[i.min(rest.len())..];
                }
                _ => break,
            }
        }
        let Some(first) = rest.first() else {
            return launch;
        };
        launch.program = program_name(&first.value);
        if launch.runner == Runner::Remote {
            launch.runner = Runner::Program;
        }
        let sub = rest.get(1).map(|t| t.value.as_str());
        match (launch.program.as_str(), sub) {
            ("npx", _) => npm_runner(&mut launch, Runner::Npx, &rest[1..]),
            ("npm", Some("exec" | "x")) => npm_runner(&mut launch, Runner::Npx, &rest[2..]),
            ("bunx", _) => npm_runner(&mut launch, Runner::Bunx, &rest[1..]),
            ("bun", Some("x")) => npm_runner(&mut launch, Runner::Bunx, &rest[2..]),
            ("pnpm", Some("dlx")) => npm_runner(&mut launch, Runner::PnpmDlx, &rest[2..]),
            ("pnpx", _) => npm_runner(&mut launch, Runner::PnpmDlx, &rest[1..]),
            ("yarn", Some("dlx")) => npm_runner(&mut launch, Runner::YarnDlx, &rest[2..]),
            ("uvx", _) => python_runner(&mut launch, Runner::Uvx, &rest[1..]),
            ("uv", Some("tool")) if rest.get(2).is_some_and(|t| t.value == "run") => {
                python_runner(&mut launch, Runner::Uvx, &rest[3..])
            }
            ("pipx", Some("run")) => python_runner(&mut launch, Runner::PipxRun, &rest[2..]),
            ("uv", _) => uv_run(&mut launch, &rest[1..]),
            // The Docker MCP Toolkit's CLI plugin is the `docker-mcp` program.
            ("docker", Some("mcp")) => {
                launch.program = "docker-mcp".into();
                launch.server_args = rest[2..].to_vec();
            }
            ("docker" | "podman", Some("run")) => docker_runner(&mut launch, &rest[2..]),
            ("node" | "deno" | "bun" | "tsx" | "ts-node", _) => {
                launch.runner = Runner::Node;
                let mut args = &rest[1..];
                // `deno run -A npm:pkg`, `bun run script.ts`.
                if args
                    .first()
                    .is_some_and(|t| matches!(t.value.as_str(), "run" | "x"))
                {
                    args = &args[1..];
                }
                let args = skip_options(args, &["--config", "-c", "--import-map", "--env-file"]);
                if let Some((script, after)) = args.split_first() {
                    if script.value.starts_with("npm:") {
                        launch.runner = Runner::Npx;
                        launch.package = Some(npm_spec(script));
                    } else {
                        launch.script = Some(script.value.clone());
                    }
                    launch.server_args = after.to_vec();
                }
            }
            // `bash start.sh`, `pwsh -File start.ps1`: a script, not a command-running server.
            ("sh" | "bash" | "zsh" | "dash" | "ksh" | "powershell" | "pwsh", _) => {
                let args = &rest[1..];
                let mut i = 0;
                while let Some(t) = args.get(i) {
                    let v = t.value.to_ascii_lowercase();
                    if v == "-file" || (v == "-f" && launch.program.contains("pwsh")) {
                        i += 1;
                        break;
                    }
                    if !v.starts_with('-') {
                        break;
                    }
                    // PowerShell options that take a value.
                    i += if matches!(
                        v.as_str(),
                        "-executionpolicy"
                            | "-ep"
                            | "-windowstyle"
                            | "-workingdirectory"
                            | "-wd"
                            | "-configurationname"
                            | "-version"
                            | "-inputformat"
                            | "-outputformat"
                            | "-settingsfile"
                    ) {
                        2
                    } else {
                        1
                    };
                }
                if let Some((script, after)) = args[i.min(args.len())..].split_first() {
                    launch.script = Some(script.value.clone());
                    launch.server_args = after.to_vec();
                }
            }
            (p, _) if p.starts_with("python") || p == "py" => {
                launch.runner = Runner::Python;
                let args = &rest[1..];
                if let Some(i) = args.iter().position(|t| t.value == "-m") {
                    if let Some(module) = args.get(i + 1) {
                        launch.script = Some(module.value.clone());
                        launch.server_args = args[i + 2..].to_vec();
                    }
                } else {
                    let args = skip_options(args, &[]);
                    if let Some((script, after)) = args.split_first() {
                        launch.script = Some(script.value.clone());
                        launch.server_args = after.to_vec();
                    }
                }
            }
            _ => {
                launch.server_args = rest[1..].to_vec();
            }
        }
        launch.see_through_wrapper(entry);
        launch.find_bridge_url();
        launch
    }

    /// `/opt/bin/mcp-wrapper npx -y pkg@latest`, `sudo uvx pkg`, `bash run.sh docker run … img`:
    /// a program or script whose remaining arguments are a launch line starts what that line
    /// starts. Only when the line begins with a known runner, so ordinary arguments stay arguments.
    fn see_through_wrapper(&mut self, entry: &ServerEntry) {
        if self.package.is_some()
            || !matches!(self.runner, Runner::Program | Runner::Node | Runner::Python)
        {
            return;
        }
        let Some(at) = self
            .server_args
            .iter()
            .position(|t| !t.value.starts_with('-'))
        else {
            return;
        };
        let first = &self.server_args[at];
        let runner = program_name(&first.value);
        if !matches!(
            runner.as_str(),
            "npx"
                | "bunx"
                | "pnpx"
                | "pnpm"
                | "bun"
                | "yarn"
                | "npm"
                | "uvx"
                | "uv"
                | "pipx"
                | "docker"
                | "podman"
                | "node"
                | "deno"
        ) && !runner.starts_with("python")
        {
            return;
        }
        let mut inner = entry.clone();
        inner.command = Some(first.clone());
        inner.args = self.server_args[at + 1..].to_vec();
        inner.builtin = None;
        let mut seen = Launch::of(&inner);
        if seen.package.is_none() && seen.script.is_none() {
            return;
        }
        seen.gated |= self.gated;
        seen.sandboxed |= self.sandboxed;
        let mut env = std::mem::take(&mut self.inline_env);
        env.extend(seen.inline_env);
        seen.inline_env = env;
        *self = seen;
    }

    /// The name to look a server up by: the package name, the script/module, or the program.
    pub fn identity(&self) -> Option<&str> {
        if let Some(p) = &self.package {
            return Some(p.name.as_str());
        }
        if let Some(s) = &self.script {
            return Some(s.as_str());
        }
        if self.program.is_empty() {
            None
        } else {
            Some(self.program.as_str())
        }
    }

    /// A runner's argument is a registry package unless it is a local path (`./server`,
    /// `/opt/srv`, `C:\\srv`, `file:…`): local code has no version to pin.
    fn set_package(&mut self, spec: &Spanned<String>, parse: fn(&Spanned<String>) -> PackageSpec) {
        let v = spec.value.trim();
        let b = v.as_bytes();
        let local = v.starts_with(['.', '/', '~', '\\'])
            || v.starts_with("file:")
            || (b.len() >= 2
                && b[0].is_ascii_alphabetic()
                && b[1] == b':'
                && !v.starts_with("npm:"));
        if local {
            self.script = Some(v.to_string());
        } else {
            self.package = Some(parse(spec));
        }
    }

    /// Bridges such as `mcp-remote <url>` turn a stdio entry into a remote connection.
    fn find_bridge_url(&mut self) {
        if self.remote_url.is_some() {
            return;
        }
        let bridge = self.identity().is_some_and(|n| {
            let n = n.rsplit('/').next().unwrap_or(n);
            matches!(
                n,
                "mcp-remote" | "supergateway" | "mcp-proxy" | "mcp-remote-client"
            )
        });
        if !bridge {
            return;
        }
        self.remote_url = self
            .server_args
            .iter()
            .find(|a| a.value.starts_with("http://") || a.value.starts_with("https://"))
            .cloned();
    }
}

/// Command and arguments as one token list. A command written as one string with spaces (and no
/// args) is split; its pieces share the command's span.
fn tokens(entry: &ServerEntry) -> Vec<Spanned<String>> {
    let mut out = Vec::new();
    if let Some(cmd) = &entry.command {
        if entry.args.is_empty() && cmd.value.trim().contains(' ') {
            out.extend(
                cmd.value
                    .split_whitespace()
                    .map(|p| Spanned::new(p.to_string(), cmd.span)),
            );
        } else {
            out.push(cmd.clone());
        }
    }
    out.extend(entry.args.iter().cloned());
    // `bash -c "npx -y pkg /"`, `cmd /c "npx -y pkg"`, `pwsh -Command "…"`: the real command
    // line is one string; read it as words. Bounded so a shell starting a shell cannot spin.
    for _ in 0..4 {
        let Some(script) = shell_script(&out) else {
            break;
        };
        out = words(&script);
    }
    out
}

/// The command string a shell wrapper runs, when `tokens` is such a wrapper.
fn shell_script(tokens: &[Spanned<String>]) -> Option<Spanned<String>> {
    let prog = program_name(&tokens.first()?.value);
    let after = &tokens[1..];
    let flag = match prog.as_str() {
        "sh" | "bash" | "zsh" | "dash" | "ksh" => after
            .iter()
            .take_while(|t| t.value.starts_with('-'))
            .position(|t| !t.value.starts_with("--") && t.value[1..].contains('c'))?,
        "powershell" | "pwsh" => after
            .iter()
            .take_while(|t| t.value.starts_with('-'))
            .position(|t| {
                t.value.eq_ignore_ascii_case("-c") || t.value.eq_ignore_ascii_case("-command")
            })?,
        // `cmd /c npx …` as separate tokens is unwrapped by `Launch::of`; here only the form
        // whose whole command is one string.
        "cmd" => {
            let i = after.iter().position(|t| {
                t.value.eq_ignore_ascii_case("/c") || t.value.eq_ignore_ascii_case("/k")
            })?;
            if after.len() != i + 2 {
                return None;
            }
            i
        }
        _ => return None,
    };
    let script = after.get(flag + 1)?;
    script
        .value
        .trim()
        .contains(char::is_whitespace)
        .then(|| script.clone())
}

/// Split a command string into words. Each word points at its own bytes when the string's span
/// covers exactly its text (no escapes); otherwise every word shares the string's span.
/// Quotes around a word are dropped.
fn words(script: &Spanned<String>) -> Vec<Spanned<String>> {
    let text = script.value.as_str();
    let exact = script.span.len == text.len() && !text.contains('\n');
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (start, c.is_whitespace()) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                let mut word = &text[s..i];
                let mut from = s;
                for q in ['"', '\''] {
                    if word.len() >= 2 && word.starts_with(q) && word.ends_with(q) {
                        word = &word[1..word.len() - 1];
                        from += 1;
                    }
                }
                let span = if exact {
                    Span {
                        line: script.span.line,
                        col: script.span.col + text[..from].chars().count() as u32,
                        offset: script.span.offset + from,
                        len: word.len(),
                    }
                } else {
                    script.span
                };
                out.push(Spanned::new(word.to_string(), span));
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// `C:\Program Files\nodejs\npx.cmd` → `npx`.
pub fn program_name(command: &str) -> String {
    let base = command
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(command)
        .to_ascii_lowercase();
    for ext in [".exe", ".cmd", ".bat", ".ps1"] {
        if let Some(stem) = base.strip_suffix(ext) {
            return stem.to_string();
        }
    }
    base
}

/// Drop leading `-x`/`--opt` tokens; options listed in `with_value` consume the next token too.
fn skip_options<'t>(args: &'t [Spanned<String>], with_value: &[&str]) -> &'t [Spanned<String>] {
    let mut i = 0;
    while let Some(t) = args.get(i) {
        if t.value == "--" {
            return &args[i + 1..];
        }
        if !t.value.starts_with('-') || t.value == "-" {
            break;
        }
        i += if with_value.contains(&t.value.as_str()) {
            2
        } else {
            1
        };
    }
    &args[i.min(args.len())..]
}

fn npm_runner(launch: &mut Launch, runner: Runner, args: &[Spanned<String>]) {
    launch.runner = runner;
    // `npx -p pkg@1 cmd` / `--package=pkg@1`: the package is named by the option.
    let mut explicit: Option<Spanned<String>> = None;
    let mut i = 0;
    while let Some(t) = args.get(i) {
        if t.value == "--" {
            i += 1;
            break;
        }
        if !t.value.starts_with('-') {
            break;
        }
        if t.value == "-p" || t.value == "--package" {
            explicit = args.get(i + 1).cloned();
            i += 2;
            continue;
        }
        if let Some(v) = t.value.strip_prefix("--package=") {
            explicit = Some(Spanned::new(v.to_string(), t.span));
        }
        i += if matches!(
            t.value.as_str(),
            "--registry" | "--cache" | "--userconfig" | "-c" | "--call"
        ) {
            2
        } else {
            1
        };
    }
    set_package_and_args(launch, explicit, &args[i.min(args.len())..], npm_spec);
}

/// After a runner's own options: with an explicit package option (`--package`, `--from`,
/// `--spec`) the first positional is the package's command and the server args follow it;
/// otherwise the first positional is the package.
fn set_package_and_args(
    launch: &mut Launch,
    explicit: Option<Spanned<String>>,
    rest: &[Spanned<String>],
    spec_of: fn(&Spanned<String>) -> PackageSpec,
) {
    match explicit {
        Some(spec) => {
            launch.set_package(&spec, spec_of);
            launch.server_args = rest.get(1..).map(<[_]>::to_vec).unwrap_or_default();
        }
        None => {
            if let Some((spec, after)) = rest.split_first() {
                launch.set_package(spec, spec_of);
                launch.server_args = after.to_vec();
            }
        }
    }
}

/// `uv [global options] run [--with pkg] cmd …` and `uv tool run`/`uv x`. With `--with`, the
/// command comes from that package (`uv run --with mcp-atlassian mcp-atlassian`); without it the
/// command is a script or program of the local project.
fn uv_run(launch: &mut Launch, args: &[Spanned<String>]) {
    let mut i = 0;
    while let Some(t) = args.get(i) {
        match t.value.as_str() {
            "--directory" | "--project" | "--cache-dir" | "--config-file" | "--python" | "-p" => {
                i += 2
            }
            v if v.starts_with('-') => i += 1,
            _ => break,
        }
    }
    let sub = args.get(i).map(|t| t.value.as_str());
    let rest = match sub {
        Some("tool") if args.get(i + 1).is_some_and(|t| t.value == "run") => {
            return python_runner(launch, Runner::Uvx, &args[i + 2..]);
        }
        Some("x") => return python_runner(launch, Runner::Uvx, &args[i + 1..]),
        Some("run") => &args[i + 1..],
        _ => return,
    };
    launch.runner = Runner::Python;
    let mut with: Vec<&Spanned<String>> = Vec::new();
    let mut j = 0;
    while let Some(t) = rest.get(j) {
        let v = t.value.as_str();
        if v == "--" {
            j += 1;
            break;
        }
        if !v.starts_with('-') {
            break;
        }
        if v == "--with" || v == "-w" {
            with.extend(rest.get(j + 1));
            j += 2;
            continue;
        }
        j += if matches!(
            v,
            "--directory"
                | "--project"
                | "--python"
                | "-p"
                | "--with-requirements"
                | "--with-editable"
                | "--env-file"
                | "--extra"
                | "--group"
                | "--index"
                | "--index-url"
                | "--package"
        ) {
            2
        } else {
            1
        };
    }
    let Some((cmd, after)) = rest[j.min(rest.len())..].split_first() else {
        return;
    };
    launch.server_args = after.to_vec();
    let program = program_name(&cmd.value);
    if program.starts_with("python") && after.first().is_some_and(|t| t.value == "-m") {
        if let Some(module) = after.get(1) {
            launch.script = Some(module.value.clone());
            launch.server_args = after[2..].to_vec();
        }
        return;
    }
    // The package that provides the command: the `--with` of the same name, or the only one.
    let normal = |n: &str| n.to_ascii_lowercase().replace('_', "-");
    let provider = with
        .iter()
        .find(|w| normal(&python_spec(w).name) == normal(&program))
        .or(if with.len() == 1 { with.first() } else { None });
    match provider {
        Some(spec) if !cmd.value.ends_with(".py") => {
            launch.runner = Runner::Uvx;
            launch.package = Some(python_spec(spec));
        }
        _ => launch.script = Some(cmd.value.clone()),
    }
}

fn npm_spec(t: &Spanned<String>) -> PackageSpec {
    let raw = t.value.trim().to_string();
    if let Some(git) = git_spec(&raw, t.span) {
        return git;
    }
    let body = raw.strip_prefix("npm:").unwrap_or(&raw);
    // The version separator is the last `@` that is not the scope's leading `@`.
    let (name, version) = match body.rfind('@') {
        Some(at) if at > 0 => (&body[..at], Some(body[at + 1..].to_string())),
        _ => (body, None),
    };
    PackageSpec {
        ecosystem: Ecosystem::Npm,
        name: name.to_string(),
        version: version.filter(|v| !v.is_empty()),
        digest: None,
        raw,
        span: t.span,
    }
}

fn python_runner(launch: &mut Launch, runner: Runner, args: &[Spanned<String>]) {
    launch.runner = runner;
    let valued = [
        "--python",
        "-p",
        "--with",
        "-w",
        "--index-url",
        "--index",
        "-i",
        "--extra-index-url",
        "--with-requirements",
        "--with-editable",
        "--pip-args",
        "--default-index",
        "--find-links",
        "-f",
        "--cache-dir",
        "--directory",
        "--project",
        "--suffix",
    ];
    let mut explicit: Option<Spanned<String>> = None;
    let mut i = 0;
    while let Some(t) = args.get(i) {
        if t.value == "--" {
            i += 1;
            break;
        }
        if !t.value.starts_with('-') {
            break;
        }
        if t.value == "--from" || t.value == "--spec" {
            explicit = args.get(i + 1).cloned();
            i += 2;
            continue;
        }
        if let Some(v) = t
            .value
            .strip_prefix("--from=")
            .or_else(|| t.value.strip_prefix("--spec="))
        {
            explicit = Some(Spanned::new(v.to_string(), t.span));
        }
        i += if valued.contains(&t.value.as_str()) {
            2
        } else {
            1
        };
    }
    set_package_and_args(launch, explicit, &args[i.min(args.len())..], python_spec);
}

fn python_spec(t: &Spanned<String>) -> PackageSpec {
    let raw = t.value.trim().to_string();
    if let Some(git) = git_spec(&raw, t.span) {
        return git;
    }
    let end = raw
        .find(['=', '<', '>', '!', '~', '@', ';', ' ', '['])
        .unwrap_or(raw.len());
    let name = raw[..end].to_string();
    // Skip extras (`pkg[cli]==1`) before reading the version.
    let mut after = &raw[end..];
    if after.starts_with('[') {
        after = after.find(']').map(|i| &after[i + 1..]).unwrap_or("");
    }
    let after = after.trim();
    PackageSpec {
        ecosystem: Ecosystem::PyPi,
        name,
        version: if after.is_empty() {
            None
        } else {
            Some(after.to_string())
        },
        digest: None,
        raw,
        span: t.span,
    }
}

/// `git+https://host/o/r.git#sha`, `git+https://host/o/r@sha` (pip), `github:o/r#sha`.
fn git_spec(raw: &str, span: Span) -> Option<PackageSpec> {
    // pip's `name @ git+https://…` form.
    let url = raw.split_once(" @ ").map(|(_, u)| u.trim()).unwrap_or(raw);
    let is_git = url.starts_with("git+")
        || url.starts_with("git://")
        || url.starts_with("github:")
        || url.starts_with("gitlab:")
        || url.starts_with("bitbucket:")
        || (url.starts_with("https://") && url.contains(".git"));
    if !is_git {
        return None;
    }
    let (base, reference) = if let Some((b, r)) = url.split_once('#') {
        (b, Some(r))
    } else {
        // pip puts the ref after the last `@` of the path (not the userinfo `@`).
        let path_start = url.find("://").map(|i| i + 3).unwrap_or(0);
        let path_start = url[path_start..]
            .find('/')
            .map(|i| path_start + i)
            .unwrap_or(url.len());
        match url[path_start..].rfind('@') {
            Some(at) => (&url[..path_start + at], Some(&url[path_start + at + 1..])),
            None => (url, None),
        }
    };
    let reference = reference
        .map(|r| r.strip_prefix("commit=").unwrap_or(r).to_string())
        .filter(|r| !r.is_empty());
    Some(PackageSpec {
        ecosystem: Ecosystem::Git,
        name: base.to_string(),
        version: reference,
        digest: None,
        raw: raw.to_string(),
        span,
    })
}

fn docker_runner(launch: &mut Launch, args: &[Spanned<String>]) {
    launch.runner = Runner::Docker;
    let valued = [
        "-e",
        "--env",
        "-v",
        "--volume",
        "--name",
        "-p",
        "--publish",
        "--network",
        "--net",
        "-u",
        "--user",
        "-w",
        "--workdir",
        "--mount",
        "--entrypoint",
        "--env-file",
        "-l",
        "--label",
        "--platform",
        "-m",
        "--memory",
        "--cpus",
        "--add-host",
        "--cap-add",
        "--cap-drop",
        "--security-opt",
        "--pull",
        "--restart",
        "-h",
        "--hostname",
        "--ulimit",
        "--tmpfs",
        "--device",
        "--gpus",
        "--log-driver",
        "--ipc",
        "--pid",
        "--runtime",
        "--shm-size",
        "--dns",
        "--expose",
        "--group-add",
        "--stop-signal",
        "--label-file",
        "--cidfile",
    ];
    let mut i = 0;
    while let Some(t) = args.get(i) {
        if !t.value.starts_with('-') {
            break;
        }
        let v = t.value.as_str();
        let pair = if v == "-e" || v == "--env" {
            args.get(i + 1).map(|kv| (kv.value.as_str(), kv.span))
        } else {
            v.strip_prefix("--env=")
                .or_else(|| v.strip_prefix("-e="))
                .map(|kv| (kv, t.span))
        };
        if let Some(((k, val), span)) =
            pair.and_then(|(kv, span)| Some((kv.split_once('=')?, span)))
        {
            launch
                .inline_env
                .push((k.to_string(), val.to_string(), span));
        }
        let mount = match v {
            "-v" | "--volume" | "--mount" => args.get(i + 1).map(|m| (v, m.value.as_str(), m.span)),
            _ => ["--volume=", "-v=", "--mount="].iter().find_map(|p| {
                v.strip_prefix(p)
                    .map(|m| (p.trim_end_matches('='), m, t.span))
            }),
        };
        if let Some(host) =
            mount.and_then(|(opt, m, span)| mount_source(opt, m).map(|h| Spanned::new(h, span)))
        {
            let h = host.value.to_ascii_lowercase();
            if h.ends_with("docker.sock")
                || h.ends_with("podman.sock")
                || h.contains("docker_engine")
            {
                launch.host_control.get_or_insert_with(|| host.clone());
            }
            launch.mounts.push(host);
        }
        if v == "--privileged" || v == "--privileged=true" {
            launch.host_control.get_or_insert_with(|| t.clone());
        }
        i += if valued.contains(&v) { 2 } else { 1 };
    }
    let rest = &args[i.min(args.len())..];
    if let Some((image, after)) = rest.split_first() {
        launch.package = Some(docker_spec(image));
        launch.server_args = after.to_vec();
    }
}

/// Host side of a bind mount; `None` for named volumes and tmpfs.
fn mount_source(option: &str, value: &str) -> Option<String> {
    let host = if option == "--mount" {
        value.split(',').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            matches!(k.trim(), "source" | "src").then(|| v.trim().to_string())
        })?
    } else {
        // `C:\Users\me:/data` has a drive colon before the separator.
        let b = value.as_bytes();
        let skip = if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
            2
        } else {
            0
        };
        match value[skip..].find(':') {
            Some(i) => value[..skip + i].to_string(),
            None => value.to_string(),
        }
    };
    let is_path = host.starts_with(['/', '~', '.', '$', '%'])
        || (host.len() >= 2 && host.as_bytes()[1] == b':');
    is_path.then_some(host)
}

fn docker_spec(t: &Spanned<String>) -> PackageSpec {
    let raw = t.value.trim().to_string();
    let (without_digest, digest) = match raw.split_once('@') {
        Some((n, d)) => (n, Some(d.to_string())),
        None => (raw.as_str(), None),
    };
    // A tag is after the last `:` that follows the last `/` (a registry port is before it).
    let last_slash = without_digest.rfind('/').map(|i| i + 1).unwrap_or(0);
    let (name, tag) = match without_digest[last_slash..].rfind(':') {
        Some(c) => (
            &without_digest[..last_slash + c],
            Some(without_digest[last_slash + c + 1..].to_string()),
        ),
        None => (without_digest, None),
    };
    PackageSpec {
        ecosystem: Ecosystem::Docker,
        name: name.to_string(),
        version: tag.filter(|t| !t.is_empty()),
        digest,
        raw,
        span: t.span,
    }
}

/// `1.2.3`, `0.6.2`, `1.0.0-beta.1`, `2025.4.24` — an exact release, not a range or a tag.
fn is_exact_version(v: &str, min_parts: usize) -> bool {
    let v = v.strip_prefix('v').unwrap_or(v);
    let core = v.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() >= min_parts
        && parts.len() <= 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && !v.contains(['*', '^', '~', '<', '>', '|', ' ', ','])
}

fn is_full_commit_id(r: &str) -> bool {
    (r.len() == 40 || r.len() == 64) && r.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_image_digest(d: &str) -> bool {
    d.strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(cmd: &str, args: &[&str]) -> ServerEntry {
        let mut e = ServerEntry::new("s", Span::at(1, 1));
        e.command = Some(Spanned::new(cmd.to_string(), Span::at(1, 1)));
        e.args = args
            .iter()
            .map(|a| Spanned::new((*a).to_string(), Span::at(1, 1)))
            .collect();
        e
    }

    fn pkg(cmd: &str, args: &[&str]) -> PackageSpec {
        Launch::of(&entry(cmd, args)).package.expect("a package")
    }

    #[test]
    fn reads_scoped_npm_package_and_version() {
        let p = pkg(
            "npx",
            &[
                "-y",
                "@modelcontextprotocol/server-filesystem@2025.8.21",
                "/tmp",
            ],
        );
        assert_eq!(p.name, "@modelcontextprotocol/server-filesystem");
        assert_eq!(p.version.as_deref(), Some("2025.8.21"));
        assert_eq!(p.pinning(), Pinning::Pinned);
        let l = Launch::of(&entry(
            "npx",
            &["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
        ));
        assert_eq!(l.server_args[0].value, "/tmp");
        assert_eq!(l.package.unwrap().pinning(), Pinning::Missing);
    }

    #[test]
    fn treats_latest_and_ranges_as_floating() {
        for v in ["latest", "^1.2.0", "1.x", "~1.2", ">=1"] {
            let p = pkg("npx", &["-y", &format!("some-server@{v}")]);
            assert!(matches!(p.pinning(), Pinning::Floating(_)), "{v}");
        }
    }

    #[test]
    fn unwraps_cmd_c_and_windows_program_paths() {
        let l = Launch::of(&entry(
            "cmd",
            &["/c", "C:\\nodejs\\npx.cmd", "-y", "tavily-mcp@0.2.1"],
        ));
        assert_eq!(l.runner, Runner::Npx);
        assert_eq!(l.package.unwrap().name, "tavily-mcp");
    }

    #[test]
    fn unwraps_mcpward_run_and_marks_gated_and_sandboxed() {
        let l = Launch::of(&entry(
            "mcpward",
            &[
                "run",
                "--sandbox",
                "--",
                "uvx",
                "mcp-server-fetch==2025.4.7",
            ],
        ));
        assert!(l.gated && l.sandboxed);
        let p = l.package.unwrap();
        assert_eq!(
            (p.name.as_str(), p.pinning()),
            ("mcp-server-fetch", Pinning::Pinned)
        );
        let l = Launch::of(&entry("mcpward", &["run", "--", "npx", "x"]));
        assert!(l.gated && !l.sandboxed);
    }

    #[test]
    fn reads_uvx_from_and_pipx_spec() {
        let l = Launch::of(&entry(
            "uvx",
            &[
                "--from",
                "mcp-server-git==0.6.2",
                "mcp-server-git",
                "--repository",
                ".",
            ],
        ));
        let p = l.package.unwrap();
        assert_eq!(
            (p.name.as_str(), p.pinning()),
            ("mcp-server-git", Pinning::Pinned)
        );
        assert_eq!(l.server_args[0].value, "--repository");
        assert_eq!(
            pkg("uvx", &["mcp-server-fetch@0.6.2"]).pinning(),
            Pinning::Pinned
        );
        assert_eq!(
            pkg("uvx", &["mcp-server-fetch"]).pinning(),
            Pinning::Missing
        );
        assert!(matches!(
            pkg("uvx", &["mcp-server-fetch>=0.6"]).pinning(),
            Pinning::Floating(_)
        ));
        assert_eq!(
            pkg(
                "pipx",
                &[
                    "run",
                    "--spec",
                    "mcp-shell-server==1.0.0",
                    "mcp-shell-server"
                ]
            )
            .name,
            "mcp-shell-server"
        );
    }

    #[test]
    fn reads_docker_image_env_and_digest() {
        let l = Launch::of(&entry(
            "docker",
            &[
                "run",
                "-i",
                "--rm",
                "-e",
                "GITHUB_READ_ONLY=1",
                "ghcr.io/github/github-mcp-server:v0.20.0",
                "stdio",
            ],
        ));
        let p = l.package.clone().unwrap();
        assert_eq!(p.name, "ghcr.io/github/github-mcp-server");
        assert!(matches!(p.pinning(), Pinning::Floating(t) if t == "v0.20.0"));
        assert_eq!(l.inline_env[0].0, "GITHUB_READ_ONLY");
        let digest = format!("mcp/fetch@sha256:{}", "a".repeat(64));
        assert_eq!(
            pkg("docker", &["run", "-i", &digest]).pinning(),
            Pinning::Pinned
        );
        assert_eq!(pkg("docker", &["run", "localhost:5000/img"]).version, None);
    }

    #[test]
    fn reads_host_side_of_bind_mounts() {
        let l = Launch::of(&entry(
            "docker",
            &[
                "run",
                "-v",
                "/Users/me:/data",
                "--volume=C:\\Users\\me:/w",
                "-v",
                "cache:/cache",
                "--mount",
                "type=bind,src=/srv/app,dst=/projects/app",
                "mcp/filesystem",
                "/projects",
            ],
        ));
        let hosts: Vec<_> = l.mounts.iter().map(|m| m.value.as_str()).collect();
        assert_eq!(hosts, vec!["/Users/me", "C:\\Users\\me", "/srv/app"]);
        assert_eq!(l.package.unwrap().name, "mcp/filesystem");
    }

    #[test]
    fn requires_full_commit_for_git_urls() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let p = pkg(
            "uvx",
            &["--from", &format!("git+https://github.com/o/r@{sha}"), "r"],
        );
        assert_eq!(
            (p.ecosystem, p.pinning()),
            (Ecosystem::Git, Pinning::Pinned)
        );
        let p = pkg("npx", &["-y", "github:o/r#main"]);
        assert!(matches!(p.pinning(), Pinning::Floating(_)));
        assert_eq!(
            pkg("npx", &["git+https://github.com/o/r.git"]).pinning(),
            Pinning::Missing
        );
    }

    #[test]
    fn reads_node_script_and_python_module() {
        let l = Launch::of(&entry("node", &["/opt/srv/index.js", "--port", "1"]));
        assert_eq!(
            (l.runner, l.script.as_deref()),
            (Runner::Node, Some("/opt/srv/index.js"))
        );
        let l = Launch::of(&entry("python3", &["-m", "mcp_server_fetch"]));
        assert_eq!(l.script.as_deref(), Some("mcp_server_fetch"));
    }

    #[test]
    fn local_paths_are_scripts_not_packages() {
        for spec in [
            "./server",
            "/opt/srv/index.js",
            "C:\\srv\\index.js",
            "file:../srv",
        ] {
            let l = Launch::of(&entry("npx", &["-y", spec]));
            assert!(l.package.is_none(), "{spec}");
            assert_eq!(l.script.as_deref(), Some(spec));
        }
        let l = Launch::of(&entry("uvx", &["--from", "/home/me-example/srv", "srv"]));
        assert!(l.package.is_none());
    }

    #[test]
    fn splits_a_command_written_as_one_string() {
        let l = Launch::of(&entry("npx -y @playwright/mcp@0.0.41", &[]));
        assert_eq!(l.package.unwrap().name, "@playwright/mcp");
    }

    #[test]
    fn unwraps_shell_and_cmd_command_strings() {
        for (cmd, args) in [
            (
                "bash",
                &["-c", "npx -y @modelcontextprotocol/server-filesystem /"][..],
            ),
            (
                "/bin/sh",
                &[
                    "-lc",
                    "exec npx -y '@modelcontextprotocol/server-filesystem' /",
                ][..],
            ),
            (
                "cmd",
                &["/c", "npx -y @modelcontextprotocol/server-filesystem /"][..],
            ),
            (
                "pwsh",
                &[
                    "-NoProfile",
                    "-Command",
                    "npx -y @modelcontextprotocol/server-filesystem /",
                ][..],
            ),
        ] {
            let l = Launch::of(&entry(cmd, args));
            let p = l.package.as_ref().unwrap_or_else(|| panic!("{cmd}: {l:?}"));
            assert_eq!(p.name, "@modelcontextprotocol/server-filesystem", "{cmd}");
            assert_eq!(p.version, None);
            assert_eq!(l.server_args.last().unwrap().value, "/", "{cmd}");
        }
        // A shell running a script file is not unwrapped.
        assert!(Launch::of(&entry("bash", &["start.sh"])).package.is_none());
    }

    #[test]
    fn unwraps_wsl() {
        for args in [
            &[
                "npx",
                "-y",
                "@modelcontextprotocol/server-filesystem",
                "/home/me",
            ][..],
            &[
                "-d",
                "Ubuntu",
                "--",
                "npx",
                "-y",
                "@modelcontextprotocol/server-filesystem",
                "/home/me",
            ][..],
            &[
                "--exec",
                "npx",
                "-y",
                "@modelcontextprotocol/server-filesystem",
                "/home/me",
            ][..],
        ] {
            let l = Launch::of(&entry("wsl.exe", args));
            assert_eq!(
                l.package.as_ref().map(|p| p.name.as_str()),
                Some("@modelcontextprotocol/server-filesystem"),
                "{args:?}"
            );
            assert_eq!(l.server_args.last().unwrap().value, "/home/me");
        }
    }

    #[test]
    fn words_of_a_command_string_point_at_their_own_bytes() {
        let source = r#"["-c", "npx -y pkg@1.0.0 /srv"]"#;
        let at = source.find("npx").unwrap();
        let text = "npx -y pkg@1.0.0 /srv";
        let script = Spanned::new(
            text.to_string(),
            Span {
                line: 1,
                col: at as u32 + 1,
                offset: at,
                len: text.len(),
            },
        );
        let w = words(&script);
        assert_eq!(w.len(), 4);
        assert_eq!(&source[w[2].span.range()], "pkg@1.0.0");
        assert_eq!(w[2].span.col as usize, source.find("pkg").unwrap() + 1);
    }

    #[test]
    fn finds_the_url_behind_mcp_remote() {
        let l = Launch::of(&entry(
            "npx",
            &["-y", "mcp-remote@0.1.29", "http://mcp.example.com/sse"],
        ));
        assert_eq!(l.remote_url.unwrap().value, "http://mcp.example.com/sse");
    }

    #[test]
    fn survives_degenerate_command_lines() {
        for args in [&[][..], &["run"][..], &["run", "--"][..], &["/c"][..]] {
            for cmd in ["mcpward", "cmd", "docker", "npx", "uvx", "env", ""] {
                let _ = Launch::of(&entry(cmd, args));
            }
        }
    }

    /// Launch lines as the servers' READMEs and users' configs write them.
    #[test]
    fn sees_through_every_launcher_to_the_package() {
        let cases: &[(&str, &[&str], Ecosystem, &str)] = &[
            // pwsh / powershell -Command "…" (one string)
            (
                "powershell",
                &[
                    "-NoProfile",
                    "-Command",
                    "npx -y @modelcontextprotocol/server-filesystem C:\\src",
                ],
                Ecosystem::Npm,
                "@modelcontextprotocol/server-filesystem",
            ),
            (
                "pwsh",
                &["-c", "uvx mcp-server-fetch"],
                Ecosystem::PyPi,
                "mcp-server-fetch",
            ),
            // env VAR=… cmd
            (
                "env",
                &[
                    "GITHUB_TOKEN=${GITHUB_TOKEN}",
                    "npx",
                    "-y",
                    "@modelcontextprotocol/server-github",
                ],
                Ecosystem::Npm,
                "@modelcontextprotocol/server-github",
            ),
            // uv run --with pkg cmd (mcp-atlassian README style)
            (
                "uv",
                &["run", "--with", "mcp-atlassian", "mcp-atlassian"],
                Ecosystem::PyPi,
                "mcp-atlassian",
            ),
            (
                "uv",
                &["x", "mcp-server-git==2025.1.14"],
                Ecosystem::PyPi,
                "mcp-server-git",
            ),
            // deno run npm:pkg
            (
                "deno",
                &["run", "-A", "npm:@playwright/mcp@0.0.41"],
                Ecosystem::Npm,
                "@playwright/mcp",
            ),
            // bunx / pnpm dlx / npx --package=x cmd
            (
                "bunx",
                &["@upstash/context7-mcp"],
                Ecosystem::Npm,
                "@upstash/context7-mcp",
            ),
            (
                "pnpm",
                &["dlx", "@wonderwhy-er/desktop-commander@0.2.3"],
                Ecosystem::Npm,
                "@wonderwhy-er/desktop-commander",
            ),
            (
                "npx",
                &["--package=@azure/mcp@0.5.0", "azmcp", "server", "start"],
                Ecosystem::Npm,
                "@azure/mcp",
            ),
            // docker exec … npx
            (
                "docker",
                &[
                    "exec",
                    "-i",
                    "-e",
                    "A=1",
                    "devbox",
                    "npx",
                    "-y",
                    "mcp-server-commands",
                ],
                Ecosystem::Npm,
                "mcp-server-commands",
            ),
            // wrapper scripts whose remaining arguments are a launch line
            (
                "/home/me-example/bin/mcp-wrapper",
                &["npx", "-y", "@steipete/claude-code-mcp@latest"],
                Ecosystem::Npm,
                "@steipete/claude-code-mcp",
            ),
            (
                "bash",
                &["/opt/mcp/with-secrets.sh", "uvx", "mcp-shell-server"],
                Ecosystem::PyPi,
                "mcp-shell-server",
            ),
            (
                "sudo",
                &["-E", "docker", "run", "-i", "--rm", "mcp/docker"],
                Ecosystem::Docker,
                "mcp/docker",
            ),
        ];
        for (cmd, args, eco, name) in cases {
            let l = Launch::of(&entry(cmd, args));
            let p = l
                .package
                .unwrap_or_else(|| panic!("{cmd} {args:?}: no package"));
            assert_eq!(
                (p.ecosystem, p.name.as_str()),
                (*eco, *name),
                "{cmd} {args:?}"
            );
        }
        let l = Launch::of(&entry(
            "env",
            &["GITHUB_READ_ONLY=1", "github-mcp-server", "stdio"],
        ));
        assert_eq!(l.program, "github-mcp-server");
        assert!(l.inline_env.iter().any(|(k, _, _)| k == "GITHUB_READ_ONLY"));
        let l = Launch::of(&entry(
            "/usr/local/bin/wrap",
            &["env", "X=1", "npx", "-y", "tavily-mcp"],
        ));
        assert!(
            l.package.is_none(),
            "`env` is not a runner a wrapper is seen through to"
        );
        let l = Launch::of(&entry(
            "mcpward",
            &[
                "run",
                "--sandbox",
                "--",
                "/opt/wrap",
                "npx",
                "-y",
                "tavily-mcp",
            ],
        ));
        assert!(l.gated && l.sandboxed && l.package.is_some_and(|p| p.name == "tavily-mcp"));
    }

    #[test]
    fn a_shell_running_a_script_is_a_script_not_a_shell() {
        let l = Launch::of(&entry("bash", &["/opt/mcp/start-server.sh"]));
        assert_eq!(l.script.as_deref(), Some("/opt/mcp/start-server.sh"));
        assert_eq!(l.identity(), Some("/opt/mcp/start-server.sh"));
        let l = Launch::of(&entry(
            "powershell",
            &["-ExecutionPolicy", "Bypass", "-File", "C:\\mcp\\run.ps1"],
        ));
        assert_eq!(l.script.as_deref(), Some("C:\\mcp\\run.ps1"));
        // A wrapper with ordinary arguments stays the wrapper.
        let l = Launch::of(&entry("/opt/bin/notes-server", &["--port", "3000"]));
        assert_eq!(l.program, "notes-server");
        assert!(l.package.is_none());
        // uv run of a project script, and python -m inside uv run.
        let l = Launch::of(&entry(
            "uv",
            &["--directory", "/srv/whatsapp-mcp-server", "run", "main.py"],
        ));
        assert_eq!(l.script.as_deref(), Some("main.py"));
        let l = Launch::of(&entry("uv", &["run", "python", "-m", "mcp_server_git"]));
        assert_eq!(l.script.as_deref(), Some("mcp_server_git"));
        // The Docker MCP Toolkit gateway is a docker CLI plugin.
        let l = Launch::of(&entry("docker", &["mcp", "gateway", "run"]));
        assert_eq!(l.program, "docker-mcp");
    }
}
