//! Which server a launch really starts, from evidence: the registry package the launcher
//! fetches, or the package on disk a script belongs to.
//!
//! Curated knowledge ("these tools of this server only read") is only as good as the identity it
//! is looked up by. A name the user gave (`--name git`, a config entry called `git`) or one derived
//! from it is not evidence: `@cyanheads/git-mcp-server` is not the official git server, whatever
//! it is called. The launch line is parsed with the same launcher understanding `audit` uses
//! ([`mcpward_config::launch`]), and a script under `node_modules` is identified by the
//! `package.json` of the package that holds it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use mcpward_config::launch::{Ecosystem, Launch, Runner};
use mcpward_config::{ServerEntry, Spanned};
use mcpward_core::Span;

/// The package a launch runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchIdentity {
    /// `npm`, `pypi` or `docker`.
    pub ecosystem: &'static str,
    /// Package name (a Docker image with its registry).
    pub package: String,
    /// The version, when the launch pins it or the package on disk says it.
    pub version: Option<String>,
    /// What the identity was read from, for logs and `explain`.
    pub evidence: String,
}

impl LaunchIdentity {
    /// `(ecosystem, package)`, as curated knowledge is keyed.
    pub fn key(&self) -> (&str, &str) {
        (self.ecosystem, &self.package)
    }
}

/// The identity of `command args`, or `None` when nothing shows which package runs.
pub fn launch_identity(command: &OsString, args: &[OsString]) -> Option<LaunchIdentity> {
    let mut entry = ServerEntry::new("", Span::default());
    entry.command = Some(Spanned::new(
        command.to_string_lossy().into_owned(),
        Span::default(),
    ));
    entry.args = args
        .iter()
        .map(|a| Spanned::new(a.to_string_lossy().into_owned(), Span::default()))
        .collect();
    let launch = Launch::of(&entry);
    if let Some(spec) = &launch.package {
        let ecosystem = match spec.ecosystem {
            Ecosystem::Npm => "npm",
            Ecosystem::PyPi => "pypi",
            Ecosystem::Docker => "docker",
            Ecosystem::Git => return None,
        };
        return Some(LaunchIdentity {
            ecosystem,
            package: spec.name.clone(),
            version: spec.version.clone(),
            evidence: format!("launch line `{}`", spec.raw),
        });
    }
    let script = match launch.runner {
        Runner::Node => launch.script.as_deref().map(PathBuf::from),
        // A program on PATH may be an npm package's bin (a link into its node_modules).
        Runner::Program => find_program(command),
        _ => None,
    }?;
    npm_package_on_disk(&script)
}

/// The npm package that holds `file`: the `package.json` of the directory directly under the
/// nearest `node_modules` (after following links), with its name and version.
pub fn npm_package_on_disk(file: &Path) -> Option<LaunchIdentity> {
    let real = std::fs::canonicalize(file).ok()?;
    let mut dir = real.parent()?;
    loop {
        let parent = dir.parent()?;
        let in_node_modules = parent.file_name().is_some_and(|n| n == "node_modules")
            || (parent
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('@'))
                && parent
                    .parent()
                    .and_then(Path::file_name)
                    .is_some_and(|n| n == "node_modules"));
        if in_node_modules {
            let manifest = dir.join("package.json");
            let text = std::fs::read_to_string(&manifest).ok()?;
            let json: serde_json::Value = serde_json::from_str(&text).ok()?;
            let name = json.get("name")?.as_str()?.to_owned();
            // The directory must be the package it claims to be: npm installs a package under
            // its own name, so a mismatch is a file placed by hand.
            let dir_name = match parent.file_name()?.to_string_lossy() {
                scope if scope.starts_with('@') => {
                    format!("{scope}/{}", dir.file_name()?.to_string_lossy())
                }
                _ => dir.file_name()?.to_string_lossy().into_owned(),
            };
            if dir_name != name {
                return None;
            }
            return Some(LaunchIdentity {
                ecosystem: "npm",
                version: json
                    .get("version")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned),
                evidence: manifest.display().to_string(),
                package: name,
            });
        }
        dir = parent;
    }
}

fn find_program(command: &OsString) -> Option<PathBuf> {
    let path = Path::new(command);
    if path.components().count() > 1 {
        return Some(path.to_path_buf());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(path))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(cmd: &str, args: &[&str]) -> Option<(String, String)> {
        launch_identity(
            &OsString::from(cmd),
            &args.iter().map(OsString::from).collect::<Vec<_>>(),
        )
        .map(|i| (i.ecosystem.to_owned(), i.package))
    }

    #[test]
    fn registry_packages_are_read_from_the_launch_line() {
        assert_eq!(
            id(
                "npx",
                &[
                    "-y",
                    "@modelcontextprotocol/server-filesystem@2025.8.21",
                    "/srv"
                ]
            ),
            Some((
                "npm".into(),
                "@modelcontextprotocol/server-filesystem".into()
            ))
        );
        assert_eq!(
            id("uvx", &["mcp-server-git", "--repository", "."]),
            Some(("pypi".into(), "mcp-server-git".into()))
        );
        assert_eq!(
            id(
                "docker",
                &[
                    "run",
                    "-i",
                    "--rm",
                    "-e",
                    "GITHUB_PERSONAL_ACCESS_TOKEN",
                    "ghcr.io/github/github-mcp-server"
                ]
            ),
            Some(("docker".into(), "ghcr.io/github/github-mcp-server".into()))
        );
    }

    #[test]
    fn a_look_alike_package_is_its_own_identity() {
        assert_eq!(
            id("npx", &["-y", "@cyanheads/git-mcp-server"]),
            Some(("npm".into(), "@cyanheads/git-mcp-server".into()))
        );
    }

    #[test]
    fn a_launcher_told_to_fetch_another_package_is_that_package() {
        // The command word names a bin; the package that provides it is what runs.
        for (cmd, args) in [
            ("uvx", &["--from", "evil-tools", "mcp-server-git"][..]),
            ("uvx", &["--from=evil-tools", "mcp-server-git"][..]),
            (
                "npx",
                &[
                    "-p",
                    "evil-tools",
                    "@modelcontextprotocol/server-filesystem",
                    "/srv",
                ][..],
            ),
            (
                "npx",
                &["--package=evil-tools", "mcp-server-filesystem", "/srv"][..],
            ),
        ] {
            let got = id(cmd, args);
            assert!(
                !matches!(&got, Some((_, p)) if p == "mcp-server-git" || p == "@modelcontextprotocol/server-filesystem"),
                "{cmd} {args:?} -> {got:?}"
            );
        }
    }

    #[test]
    fn a_program_named_like_a_known_server_is_not_that_server() {
        assert_eq!(id("git", &[]), None);
        assert_eq!(id("/nonexistent/bin/github-mcp-server", &["stdio"]), None);
    }

    #[test]
    fn a_script_is_identified_by_the_package_json_that_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir
            .path()
            .join("node_modules/@modelcontextprotocol/server-filesystem");
        std::fs::create_dir_all(pkg.join("dist")).unwrap();
        std::fs::write(
            pkg.join("package.json"),
            r#"{"name":"@modelcontextprotocol/server-filesystem","version":"2025.8.21"}"#,
        )
        .unwrap();
        std::fs::write(pkg.join("dist/index.js"), "").unwrap();
        let got = npm_package_on_disk(&pkg.join("dist/index.js")).unwrap();
        assert_eq!(got.package, "@modelcontextprotocol/server-filesystem");
        assert_eq!(got.version.as_deref(), Some("2025.8.21"));
        let by_node = launch_identity(
            &OsString::from("node"),
            &[pkg.join("dist/index.js").into_os_string()],
        )
        .unwrap();
        assert_eq!(by_node.package, got.package);
    }

    #[test]
    fn a_package_json_that_claims_another_name_is_not_evidence() {
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("node_modules/git-tools");
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(
            pkg.join("package.json"),
            r#"{"name":"@modelcontextprotocol/server-filesystem"}"#,
        )
        .unwrap();
        std::fs::write(pkg.join("index.js"), "").unwrap();
        assert_eq!(npm_package_on_disk(&pkg.join("index.js")), None);
        // A script outside any node_modules has no package identity.
        std::fs::write(dir.path().join("server.js"), "").unwrap();
        assert_eq!(npm_package_on_disk(&dir.path().join("server.js")), None);
    }
}
