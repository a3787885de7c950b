//! Loading the files and directories a person names (`mcpward audit PATH...`).

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::detect::{detect_broken, detect_client};
use crate::model::ConfigFile;
use crate::parse::from_bytes;

/// Directories never walked: they hold no client configs and can be huge.
const SKIPPED_DIRS: [&str; 3] = [".git", "node_modules", "target"];
/// How deep a walk goes below a named directory.
const MAX_WALK_DEPTH: usize = 8;
/// Most directory entries one walk looks at, so a walk of `/` still ends.
const MAX_WALK_ENTRIES: usize = 200_000;

/// Why a named path gave no config.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read `{}`: {source}; check that the path exists and that you may read it", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`{}` is not an MCP client configuration mcpward recognises; name a client config file (e.g. `.mcp.json`, `.vscode/mcp.json`, `claude_desktop_config.json`, `~/.codex/config.toml`) or a directory that contains one",
        path.display()
    )]
    NotAConfig { path: PathBuf },
}

/// Load each named path: a file is detected with [`detect_client`] and parsed (a file that is
/// not a recognised config is an error, since the person asked for it); a directory is walked
/// (skipping `.git`, `node_modules` and `target`, not following symlinked directories, at
/// most 8 levels deep) and every recognised config in it is parsed. One result per file, in
/// the order given (directory contents sorted); a file reached twice is returned once.
pub fn load_paths(paths: &[PathBuf]) -> Vec<Result<ConfigFile, LoadError>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for path in paths {
        match fs::metadata(path) {
            Err(source) => out.push(Some(Err(LoadError::Io {
                path: path.clone(),
                source,
            }))),
            Ok(meta) if meta.is_dir() => walk(path, &mut seen, &mut out),
            Ok(_) => {
                if first_time(&mut seen, path) {
                    out.push(load_file(path, true));
                }
            }
        }
    }
    out.into_iter().flatten().collect()
}

fn first_time(seen: &mut HashSet<PathBuf>, path: &Path) -> bool {
    seen.insert(fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// `None`: a walked file that turned out not to be a config.
fn load_file(path: &Path, named: bool) -> Option<Result<ConfigFile, LoadError>> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(source) => {
            return Some(Err(LoadError::Io {
                path: path.to_path_buf(),
                source,
            }));
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    // Detect on the absolute path, so `mcp.json` typed inside `.cursor/` is still Cursor's.
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match detect_client(&absolute, &text).or_else(|| detect_broken(&absolute, &text, named)) {
        Some((client, scope)) => Some(Ok(from_bytes(path, bytes, client, scope))),
        None if named => Some(Err(LoadError::NotAConfig {
            path: path.to_path_buf(),
        })),
        None => None,
    }
}

fn walk(
    root: &Path,
    seen: &mut HashSet<PathBuf>,
    out: &mut Vec<Option<Result<ConfigFile, LoadError>>>,
) {
    let mut budget = MAX_WALK_ENTRIES;
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(source) => {
                out.push(Some(Err(LoadError::Io { path: dir, source })));
                continue;
            }
        };
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        for entry in entries.filter_map(Result::ok) {
            if budget == 0 {
                break;
            }
            budget -= 1;
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            let name = entry.file_name();
            if kind.is_dir() {
                if depth < MAX_WALK_DEPTH && !SKIPPED_DIRS.iter().any(|s| name == *s) {
                    dirs.push(path);
                }
            } else if (kind.is_file() || kind.is_symlink()) && might_be_config(&path) {
                files.push(path);
            }
        }
        files.sort();
        for file in files {
            if fs::metadata(&file).is_ok_and(|m| m.is_file()) && first_time(seen, &file) {
                out.push(load_file(&file, false));
            }
        }
        dirs.sort();
        stack.extend(dirs.into_iter().rev().map(|d| (d, depth + 1)));
    }
}

/// Only files whose name some client uses are read during a walk.
fn might_be_config(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "claude_desktop_config.json"
            | ".claude.json"
            | ".mcp.json"
            | "mcp.json"
            | "mcp_config.json"
            | "settings.json"
            | "settings.local.json"
            | "config.toml"
            | "config.yaml"
            | "config.yml"
            | "config.json"
    ) || lower.ends_with("mcp_settings.json")
        || path
            .parent()
            .and_then(|p| p.file_name())
            .is_some_and(|p| p == "mcpServers")
}
