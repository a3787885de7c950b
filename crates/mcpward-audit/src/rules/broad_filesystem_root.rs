//! `broad-filesystem-root`: a filesystem server reaches the whole disk, a home directory or
//! system directories.

use mcpward_config::Spanned;
use mcpward_core::{Finding, RuleMeta, Severity};

use crate::context::{FileContext, ServerView};
use crate::knowledge::Capability;
use crate::launch::Runner;

pub static META: RuleMeta = RuleMeta {
    id: "broad-filesystem-root",
    default_severity: Severity::High,
    summary: "A filesystem server is given `/`, a home directory, a drive or system directories.",
    what: "A filesystem-capable server (the reference server-filesystem, its Rust/Go ports, \
fast-filesystem, Desktop Commander...) whose allowed roots (arguments, or variables such as \
`ALLOWED_DIRECTORIES`) include `/`, `~`, `$HOME`, `%USERPROFILE%`, `/home/<user>`, \
`/Users/<user>`, `C:\\Users\\<user>`, a drive root (`C:\\`), system directories (`/etc`, `/usr`, \
`/var`, `C:\\Windows`...) or credential stores (`~/.ssh`, `~/.aws`...). Any containerised server whose \
`docker run` bind-mounts such a host path (`-v /Users/me:/data`, `--mount src=…`) is reported too. \
Many separate roots (four or more) are reported at low severity so the list gets a second look.",
    why: "Everything under a root is readable (and usually writable) by the model, and through it \
by whoever wrote the last web page or issue it read. A home directory holds SSH keys, cloud \
credentials, browser profiles and shell history; one prompt injection is enough to read them.",
    example_bad: r#"{ "mcpServers": { "filesystem": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.8.21", "/Users/me"] } } }"#,
    example_fixed: r#"{ "mcpServers": { "filesystem": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.8.21", "/Users/me/projects/website"] } } }"#,
};

/// Variables filesystem servers commonly read their roots from.
const ROOT_VARIABLES: &[&str] = &[
    "ALLOWED_DIRECTORIES",
    "ALLOWED_DIRS",
    "ALLOWED_PATHS",
    "ALLOWED_ROOTS",
    "MCP_FILESYSTEM_ROOTS",
];

/// With this many roots or more, the list is reported for review.
const MANY_ROOTS: usize = 4;

pub(crate) fn check(cx: &FileContext<'_>, out: &mut Vec<Finding>) {
    // A bind mount gives any containerised server the host directory, whatever the server does.
    for server in cx.servers.iter().filter(|s| s.active()) {
        for mount in &server.launch.mounts {
            if let Some(reason) = broadness(&mount.value) {
                out.push(
                    cx.finding(
                        &META,
                        Some(server.entry),
                        mount.span,
                        format!("{} mounts `{}` into its container: {reason}", server.label(), mount.value),
                    )
                    .fix("mount only the project directories the server needs (`--mount type=bind,src=/path/to/project,dst=/projects/project`)"),
                );
            }
        }
    }
    for server in cx
        .servers
        .iter()
        .filter(|s| s.active() && s.has(Capability::Filesystem))
    {
        let roots = roots(server);
        let mut broad = false;
        for root in &roots {
            if let Some(reason) = broadness(&root.value) {
                broad = true;
                out.push(
                    cx.finding(
                        &META,
                        Some(server.entry),
                        root.span,
                        format!("{} may read and write `{}`: {reason}", server.label(), root.value),
                    )
                    .fix("give the server only the project directories it needs (e.g. `~/projects/app`), never a home directory, drive or system directory"),
                );
            }
        }
        if !broad && roots.len() >= MANY_ROOTS {
            out.push(
                cx.finding(
                    &META,
                    Some(server.entry),
                    roots[0].span,
                    format!("{} is given {} filesystem roots; each one is reachable by the model", server.label(), roots.len()),
                )
                .severity(Severity::Low)
                .fix("keep the roots to the directories this client's work needs; split unrelated projects into separate configs"),
            );
        }
    }
}

/// Path-like roots from positional arguments and root variables. In a container the arguments
/// are container paths; the host side is checked through the mounts instead.
fn roots(server: &ServerView<'_>) -> Vec<Spanned<String>> {
    if server.launch.runner == Runner::Docker {
        return Vec::new();
    }
    let mut roots: Vec<Spanned<String>> = server
        .launch
        .server_args
        .iter()
        .filter(|a| !a.value.starts_with('-') && looks_like_path(&a.value))
        .cloned()
        .collect();
    let extra: Vec<&str> = server
        .known
        .map(|k| k.root_env.iter().map(String::as_str).collect())
        .unwrap_or_default();
    for (k, v) in &server.entry.env {
        if ROOT_VARIABLES.contains(&k.value.as_str()) || extra.contains(&k.value.as_str()) {
            for part in v
                .value
                .split([',', ';'])
                .map(str::trim)
                .filter(|p| looks_like_path(p))
            {
                roots.push(Spanned::new(part.to_string(), v.span));
            }
        }
    }
    roots
}

fn looks_like_path(v: &str) -> bool {
    let v = v.trim();
    v.starts_with('/')
        || v.starts_with('~')
        || v.starts_with('$')
        || v.starts_with('%')
        || v.starts_with('.')
        || v.starts_with("\\\\")
        || (v.len() >= 2 && v.as_bytes()[0].is_ascii_alphabetic() && v.as_bytes()[1] == b':')
}

/// Why a root is too broad, or `None`.
pub(crate) fn broadness(root: &str) -> Option<&'static str> {
    let p = root.trim().trim_matches(['"', '\'']).replace('\\', "/");
    let lower = p.to_ascii_lowercase();
    let trimmed = lower.trim_end_matches('/');
    if trimmed.is_empty() && lower.starts_with('/') {
        return Some("that is the whole filesystem");
    }
    let home_tokens = [
        "~",
        "$home",
        "${home}",
        "${env:home}",
        "%userprofile%",
        "%homepath%",
        "${userhome}",
        "$env:userprofile",
    ];
    if home_tokens.contains(&trimmed) {
        return Some(
            "that is your entire home directory, with SSH keys, cloud credentials and browser profiles",
        );
    }
    let b = trimmed.as_bytes();
    if (b.len() == 2 && b[0].is_ascii_alphabetic() && b[1] == b':') || trimmed == "/" {
        return Some("that is a whole drive");
    }
    let raw: Vec<&str> = trimmed.split('/').filter(|s| !s.is_empty()).collect();
    // `/Users/me/..` is `/Users`: resolve `.` and `..` in absolute paths (a relative path
    // depends on the server's working directory, which the config does not say).
    let relative = matches!(raw.first(), Some(&"." | &".."));
    let mut segments: Vec<&str> = Vec::with_capacity(raw.len());
    for segment in raw {
        match segment {
            "." if !relative => {}
            ".." if !relative => {
                if segments
                    .last()
                    .is_some_and(|l| !(l.len() == 2 && l.ends_with(':')))
                {
                    segments.pop();
                }
            }
            _ => segments.push(segment),
        }
    }
    if segments.is_empty() && lower.starts_with('/') {
        return Some("that is the whole filesystem");
    }
    let mut windows_drive = segments
        .first()
        .is_some_and(|s| s.len() == 2 && s.ends_with(':'));
    let mut rest: Vec<&str> = if windows_drive {
        segments[1..].to_vec()
    } else {
        segments.clone()
    };
    // WSL: `/mnt/c/...` is the Windows drive C:, `\\wsl$\Ubuntu\...` a distribution's root.
    if !windows_drive
        && rest.len() >= 2
        && rest[0] == "mnt"
        && rest[1].len() == 1
        && rest[1].as_bytes()[0].is_ascii_alphabetic()
    {
        windows_drive = true;
        rest.drain(..2);
        if rest.is_empty() {
            return Some("that is a whole drive");
        }
    } else if lower.starts_with("//wsl$/") || lower.starts_with("//wsl.localhost/") {
        rest.drain(..rest.len().min(2));
        if rest.is_empty() {
            return Some("that is the whole filesystem of a WSL distribution");
        }
    }
    if !windows_drive && rest.len() == 2 && rest[0] == "volumes" {
        return Some("that is a whole drive");
    }
    if !windows_drive && rest.len() == 2 && rest[0] == "private" && matches!(rest[1], "etc" | "var")
    {
        return Some("that is a system directory");
    }
    // Home directories: /home/<u>, /Users/<u>, /root, C:/Users/<u>, and the parents of all of them.
    let home_parent = matches!(rest.first(), Some(&"home" | &"users"));
    if home_parent && rest.len() == 1 {
        return Some("that holds every user's home directory");
    }
    if (home_parent && rest.len() == 2) || (!windows_drive && rest == ["root"]) {
        return Some(
            "that is a whole home directory, with SSH keys, cloud credentials and browser profiles",
        );
    }
    let sensitive = [
        ".ssh",
        ".aws",
        ".gnupg",
        ".kube",
        ".docker",
        ".config",
        ".azure",
        ".password-store",
        "keychains",
    ];
    // The segment right below the home directory, and the segments after it.
    let (after_home, below): (Option<&&str>, &[&str]) =
        if home_tokens.iter().any(|t| segments.first() == Some(t)) {
            (segments.get(1), segments.get(2..).unwrap_or(&[]))
        } else if home_parent {
            (rest.get(2), rest.get(3..).unwrap_or(&[]))
        } else if rest.first() == Some(&"root") {
            (rest.get(1), rest.get(2..).unwrap_or(&[]))
        } else {
            (None, &[])
        };
    // `~/Library` (macOS: keychains, cookies, every app's tokens) and `%USERPROFILE%\AppData`
    // (Windows: the same) as a whole; a folder inside them may be a deliberate choice.
    let whole_app_store = match after_home.copied() {
        Some("library") => below.is_empty(),
        Some("appdata") => matches!(below, [] | ["roaming" | "local"]),
        _ => false,
    };
    if after_home.is_some_and(|s| sensitive.contains(s))
        || whole_app_store
        || (rest.len() >= 2 && rest.last() == Some(&"keychains"))
    {
        return Some("that directory holds credentials");
    }
    if rest.len() == 1 && !windows_drive {
        let system = [
            "etc",
            "usr",
            "var",
            "bin",
            "sbin",
            "lib",
            "lib64",
            "opt",
            "boot",
            "proc",
            "sys",
            "dev",
            "system",
            "library",
            "private",
            "applications",
        ];
        if system.contains(&rest[0]) {
            return Some("that is a system directory");
        }
    }
    if windows_drive
        && rest.len() == 1
        && [
            "windows",
            "program files",
            "program files (x86)",
            "programdata",
        ]
        .contains(&rest[0])
    {
        return Some("that is a system directory");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::test_support::{Builder, run};
    use mcpward_config::ClientKind;

    fn fs_server(args: &[&str]) -> Vec<Finding> {
        let mut all = vec!["-y", "@modelcontextprotocol/server-filesystem@2025.8.21"];
        all.extend_from_slice(args);
        let src = format!("{{\"filesystem\": {:?}}}", all);
        let file = Builder::new(ClientKind::ClaudeDesktop, &src)
            .stdio("filesystem", "npx", &all)
            .build();
        run(check, &file)
    }

    #[test]
    fn reports_home_root_and_system_directories() {
        for root in [
            "/",
            "~",
            "$HOME",
            "${HOME}",
            "%USERPROFILE%",
            "/home/alice",
            "/Users/alice/",
            "C:\\Users\\alice",
            "C:\\",
            "D:/",
            "/etc",
            "/usr",
            "C:\\Windows",
            "~/.ssh",
            "/Users/alice/.aws",
            "/Users/alice/..",
            "/home/alice-example/projects/../",
            "/mnt/c",
            "/mnt/c/Users/alice",
            "/mnt/d/",
            "\\\\wsl$\\Ubuntu",
            "\\\\wsl.localhost\\Ubuntu\\home\\alice",
            "/Volumes/Macintosh HD",
            "/private/etc",
            "/Users/alice/Library",
            "~/Library/",
            "C:\\Users\\alice\\AppData",
            "%USERPROFILE%\\AppData\\Roaming",
        ] {
            let f = fs_server(&[root]);
            assert_eq!(f.len(), 1, "{root}: {f:?}");
            assert_eq!(f[0].severity, Severity::High, "{root}");
        }
    }

    #[test]
    fn accepts_project_directories() {
        for root in [
            "/Users/alice/projects/site",
            "~/code/app",
            "C:\\Users\\alice\\src\\app",
            "./data",
            "/tmp/work",
            "./etc",
            "../site",
            "/Users/alice/projects/site/../blog",
            "/mnt/c/Users/alice/dev",
            "/mnt/data/projects",
            "/Volumes/External/photos",
            "/Users/alice/Library/Mobile Documents/com~apple~CloudDocs/Notes",
            "C:\\Users\\alice\\AppData\\Roaming\\Code\\User\\snippets",
        ] {
            assert!(fs_server(&[root]).is_empty(), "{root}");
        }
    }

    #[test]
    fn notes_many_roots_at_low_severity() {
        let f = fs_server(&["~/a", "~/b", "~/c", "~/d"]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Low);
    }

    #[test]
    fn reads_roots_from_allowed_directories_variable() {
        let file = Builder::new(
            ClientKind::Cursor,
            "{\"ALLOWED_DIRECTORIES\": \"/srv/app,/\"}",
        )
        .stdio("files", "npx", &["-y", "fast-filesystem-mcp@1.0.0"])
        .env("ALLOWED_DIRECTORIES", "/srv/app,/")
        .build();
        assert_eq!(run(check, &file).len(), 1);
    }

    #[test]
    fn reports_home_directory_mounted_into_a_container() {
        let file = Builder::new(ClientKind::ClaudeDesktop, "{}")
            .stdio(
                "fs",
                "docker",
                &[
                    "run",
                    "-i",
                    "--rm",
                    "--mount",
                    "type=bind,src=/Users/alice,dst=/projects/alice",
                    "mcp/filesystem",
                    "/projects",
                ],
            )
            .build();
        let f = run(check, &file);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("mounts"));
        let fine = Builder::new(ClientKind::ClaudeDesktop, "{}")
            .stdio(
                "fs",
                "docker",
                &[
                    "run",
                    "-i",
                    "-v",
                    "/Users/alice/site:/projects/site",
                    "mcp/filesystem",
                    "/",
                ],
            )
            .build();
        assert!(run(check, &fine).is_empty());
    }

    #[test]
    fn ignores_disabled_and_non_filesystem_servers() {
        let file = Builder::new(ClientKind::Cursor, "{}")
            .stdio(
                "filesystem",
                "npx",
                &["-y", "@modelcontextprotocol/server-filesystem", "/"],
            )
            .with(|e| e.disabled = true)
            .stdio("other", "my-server", &["/"])
            .build();
        assert!(run(check, &file).is_empty());
    }
}
