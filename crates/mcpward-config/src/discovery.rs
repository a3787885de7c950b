//! Where client configs live, and finding the ones that exist.
//!
//! Path computation is pure (home, project, OS and an environment lookup are all parameters)
//! so every OS's layout is testable on any machine; only [`discover`] touches the disk.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::clients::{self, REGISTRY};
use crate::detect::file_facts;
use crate::model::{ClientKind, ConfigFile, Scope};
use crate::parse::read_config;

/// The operating system whose path layout to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Os {
    Linux,
    MacOs,
    Windows,
}

impl Os {
    /// The OS this binary runs on (other Unixes use the Linux layout).
    pub fn current() -> Os {
        if cfg!(target_os = "macos") {
            Os::MacOs
        } else if cfg!(windows) {
            Os::Windows
        } else {
            Os::Linux
        }
    }
}

/// A path where a client may keep a config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    pub client: ClientKind,
    pub scope: Scope,
}

/// Inputs of path computation.
pub(crate) struct PathContext<'a> {
    pub home: &'a Path,
    pub project: &'a Path,
    pub os: Os,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl PathContext<'_> {
    /// An environment variable naming a directory; empty values count as unset.
    pub fn env_dir(&self, name: &str) -> Option<PathBuf> {
        (self.env)(name)
            .filter(|v| !v.trim().is_empty())
            .map(PathBuf::from)
    }

    /// The per-user application data directory: `%APPDATA%` on Windows,
    /// `~/Library/Application Support` on macOS, `$XDG_CONFIG_HOME` (or `~/.config`) on Linux.
    pub fn app_data(&self) -> PathBuf {
        match self.os {
            Os::Windows => self.roaming(),
            Os::MacOs => self.home.join("Library").join("Application Support"),
            Os::Linux => self.xdg_config(),
        }
    }

    /// `$XDG_CONFIG_HOME` (only if absolute, as the XDG spec requires) or `~/.config`; on
    /// Windows `%APPDATA%`. Tools that follow XDG on macOS too (Zed, Goose) use this.
    pub fn xdg_config(&self) -> PathBuf {
        if self.os == Os::Windows {
            return self.roaming();
        }
        self.env_dir("XDG_CONFIG_HOME")
            .filter(|p| p.is_absolute() || p.to_string_lossy().starts_with('/'))
            .unwrap_or_else(|| self.home.join(".config"))
    }

    fn roaming(&self) -> PathBuf {
        self.env_dir("APPDATA")
            .unwrap_or_else(|| self.home.join("AppData").join("Roaming"))
    }

    pub fn user(&self, path: PathBuf, client: ClientKind) -> Candidate {
        Candidate {
            path,
            client,
            scope: Scope::User,
        }
    }

    pub fn project(&self, path: PathBuf, client: ClientKind) -> Candidate {
        Candidate {
            path,
            client,
            scope: Scope::Project,
        }
    }
}

/// Every path where one of the 13 clients may keep an MCP config, for this home directory,
/// project directory and OS, honouring the environment overrides the clients honour
/// (`APPDATA`, `XDG_CONFIG_HOME`, `CODEX_HOME`, `CLAUDE_CONFIG_DIR`, `CONTINUE_GLOBAL_DIR`).
/// Paths are not checked for existence. Directories of per-file configs (Continue's
/// `mcpServers/`) are expanded by [`discover`], not listed here.
pub fn candidate_paths(
    home: &Path,
    project: &Path,
    os: Os,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<Candidate> {
    let cx = PathContext {
        home,
        project,
        os,
        env,
    };
    REGISTRY
        .iter()
        .flat_map(|spec| (spec.candidates)(&cx))
        .collect()
}

/// Find, read and parse every config that exists. A file that exists but cannot be read is
/// still returned, with a problem saying why (a config mcpward cannot read is not a config it
/// may call safe). The same file reached by two paths (a project that is the home directory,
/// a symlink) is returned once, under its first candidate.
pub fn discover(
    home: &Path,
    project: &Path,
    os: Os,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<ConfigFile> {
    let cx = PathContext {
        home,
        project,
        os,
        env,
    };
    let mut candidates = candidate_paths(home, project, os, env);
    for (dir, scope) in clients::continue_block_dirs(&cx) {
        candidates.extend(block_files(&dir).into_iter().map(|path| Candidate {
            path,
            client: ClientKind::Continue,
            scope,
        }));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for c in candidates {
        match fs::metadata(&c.path) {
            Ok(meta) if meta.is_file() => {}
            Ok(_) => continue,
            Err(e)
                if e.kind() == io::ErrorKind::NotFound
                    || e.kind() == io::ErrorKind::NotADirectory =>
            {
                continue;
            }
            Err(_) => {} // exists but cannot be inspected: read_config reports why
        }
        let key = fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone());
        if seen.insert(key) {
            let file = read_config(&c.path, c.client, c.scope);
            if is_mcp_config(&file, home) {
                out.push(file);
            }
        }
    }
    out
}

/// Files some clients share with other settings (VS Code's and Gemini's `settings.json`, Claude
/// Code's) are only MCP configs when they hold servers or settings about them; a file that
/// cannot be read or parsed is kept (fail closed).
fn is_mcp_config(file: &ConfigFile, home: &Path) -> bool {
    // Empty, binary, not UTF-8 or not parseable: the client cannot load it either; say so.
    let broken = !file.problems.is_empty() && file.servers.is_empty();
    broken
        || !file.servers.is_empty()
        || !file.switches.is_empty()
        || file_facts(&file.path, &file.source, Some(home))
            .is_some_and(|facts| (clients::spec(file.client).detect)(&facts).is_some())
}

/// `*.yaml`, `*.yml` and `*.json` files of a directory, sorted; none if it does not exist.
fn block_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json"))
        })
        .collect();
    files.sort();
    files
}
