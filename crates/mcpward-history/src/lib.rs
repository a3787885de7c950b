//! Secrets in git history.
//!
//! A secret that was ever committed is readable by everyone who has a clone, whatever the current
//! tree says: the only remedy is to rotate it. [`scan`] walks every commit reachable from every
//! ref (branches, tags, remote-tracking refs, the stash and its reflog), collects each distinct
//! blob once (trees already seen are not walked again), then decompresses and scans the blobs on
//! every core with the shared [`mcpward_secrets::Detector`].
//!
//! Objects that cannot be read (corrupt, missing from a shallow clone) are reported in
//! [`HistoryReport::problems`] and the scan goes on. [`link`] ties each secret to the config
//! entries that hold the same credential today, by fingerprint (short SHA-256).
#![forbid(unsafe_code)]

mod credentials;
mod files;
mod scan;
mod walk;

use std::path::{Path, PathBuf};

pub use credentials::{Credential, fingerprint};
pub use files::is_config_like;

/// The advice every history finding carries.
pub const ROTATE: &str = "rotate now: history cannot be scrubbed";

/// What to scan.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Scan every file, not only config-like ones (JSON, TOML, YAML, `.env`, ...).
    pub all_files: bool,
    /// Worker threads; 0 means one per available core.
    pub threads: usize,
}

/// How far the scan got, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Walking commits: this many seen so far.
    Commits(usize),
    /// Scanning blobs: `done` of `total`.
    Blobs { done: usize, total: usize },
}

/// One secret found in one blob of the history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HistorySecret {
    /// The oldest commit (by commit time) found to hold the blob.
    pub commit: String,
    /// Author date of that commit, seconds since the Unix epoch.
    pub author_time: i64,
    /// Path of the blob in that commit.
    pub path: String,
    /// 1-based line of the secret in the blob.
    pub line: usize,
    pub kind: &'static str,
    pub provider: &'static str,
    /// The secret as [`mcpward_secrets::mask`] renders it.
    pub masked: String,
    /// Short SHA-256 of the secret ([`fingerprint`]).
    pub fingerprint: String,
    /// The same secret is in a blob of HEAD's tree.
    pub in_current_tree: bool,
    /// Config entries that use the same credential today (filled in by [`link`]).
    pub used_by: Vec<UsedBy>,
}

/// A config entry holding a credential today.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UsedBy {
    pub client: String,
    pub server: String,
    pub file: PathBuf,
}

/// Everything one repository's history holds.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct HistoryReport {
    /// The repository's git directory.
    pub repository: PathBuf,
    pub commits: usize,
    /// Distinct blobs scanned.
    pub blobs: usize,
    /// Bytes of decompressed blob data scanned.
    pub bytes: u64,
    /// The repository is a shallow clone: history before its boundary is not on this machine.
    pub shallow: bool,
    /// One entry per (blob, secret); sorted by time, then path and line.
    pub secrets: Vec<HistorySecret>,
    /// Objects or refs that could not be read; the scan went on without them.
    pub problems: Vec<String>,
}

/// Why a repository could not be scanned at all.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: not a git repository (or one gix cannot open): {message}")]
    Open { path: PathBuf, message: String },
}

/// Scan the history of the repository at (or above) `path`.
pub fn scan(
    path: &Path,
    options: &ScanOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<HistoryReport, Error> {
    let mut repo = gix::discover(path).map_err(|e| Error::Open {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    repo.object_cache_size_if_unset(16 * 1024 * 1024);
    let walked = walk::walk(&repo, options.all_files, progress);
    let mut report = HistoryReport {
        repository: repo.git_dir().to_path_buf(),
        commits: walked.commits,
        blobs: walked.blobs.len(),
        shallow: repo.is_shallow().unwrap_or(false),
        problems: walked.problems,
        ..HistoryReport::default()
    };
    let scanned = scan::scan_blobs(repo.git_dir(), &walked.blobs, options.threads, progress);
    report.bytes = scanned.bytes;
    report.problems.extend(scanned.problems);
    let current: std::collections::HashSet<&str> = scanned
        .secrets
        .iter()
        .filter(|(blob, _)| walked.blobs[*blob].in_head)
        .map(|(_, s)| s.fingerprint.as_str())
        .collect();
    let current: std::collections::HashSet<String> =
        current.into_iter().map(str::to_owned).collect();
    report.secrets = scanned
        .secrets
        .into_iter()
        .map(|(_, mut s)| {
            s.in_current_tree = current.contains(&s.fingerprint);
            s
        })
        .collect();
    report.secrets.sort_by(|a, b| {
        (a.author_time, &a.path, a.line, &a.commit).cmp(&(
            b.author_time,
            &b.path,
            b.line,
            &b.commit,
        ))
    });
    Ok(report)
}

/// Fill in [`HistorySecret::used_by`] from the credentials the discovered configs hold today.
pub fn link(report: &mut HistoryReport, configs: &[mcpward_config::ConfigFile]) {
    let credentials = credentials::collect(configs);
    for secret in &mut report.secrets {
        for c in credentials
            .iter()
            .filter(|c| c.fingerprint == secret.fingerprint)
        {
            let used = UsedBy {
                client: c.client.clone(),
                server: c.server.clone(),
                file: c.file.clone(),
            };
            if !secret.used_by.contains(&used) {
                secret.used_by.push(used);
            }
        }
    }
}

/// The git repositories (work trees or bare) that hold the given config files, each once.
pub fn repositories_of(configs: &[mcpward_config::ConfigFile]) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = Vec::new();
    for file in configs {
        let Some(dir) = file.path.parent() else {
            continue;
        };
        if let Ok(repo) = gix::discover(dir) {
            let git_dir = repo.git_dir().to_path_buf();
            if !found.contains(&git_dir) {
                found.push(git_dir);
            }
        }
    }
    found
}
