//! Baselines: a file of accepted findings (`audit --baseline FILE`), matched by fingerprint so
//! they survive line moves. Written by `--write-baseline`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Finding;

pub const BASELINE_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read baseline {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path}:{line}:{column}: invalid baseline: {message}\n  hint: regenerate it with `mcpward audit --baseline {path} --write-baseline`"
    )]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: baseline version {found} is not supported (expected {BASELINE_VERSION})")]
    Version { path: PathBuf, found: u32 },
    #[error("cannot write baseline {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    fingerprint: String,
    rule: String,
    file: PathBuf,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    server: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    accepted: Vec<Entry>,
}

/// A set of accepted findings.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    fingerprints: BTreeSet<String>,
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let file: BaselineFile = serde_json::from_str(&text).map_err(|e| BaselineError::Parse {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        if file.version != BASELINE_VERSION {
            return Err(BaselineError::Version {
                path: path.to_path_buf(),
                found: file.version,
            });
        }
        Ok(Baseline {
            fingerprints: file.accepted.into_iter().map(|e| e.fingerprint).collect(),
        })
    }

    /// Serialise `findings` as a baseline document.
    pub fn render(findings: &[Finding]) -> String {
        let mut accepted: Vec<Entry> = findings
            .iter()
            .map(|f| Entry {
                fingerprint: f.fingerprint(),
                rule: f.rule.clone(),
                file: f.file.clone(),
                server: f.server.clone(),
            })
            .collect();
        accepted.sort_by(|a, b| {
            (&a.file, &a.rule, &a.fingerprint).cmp(&(&b.file, &b.rule, &b.fingerprint))
        });
        accepted.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        let doc = BaselineFile {
            version: BASELINE_VERSION,
            accepted,
        };
        let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
        s.push('\n');
        s
    }

    pub fn write(path: &Path, findings: &[Finding]) -> Result<(), BaselineError> {
        std::fs::write(path, Self::render(findings)).map_err(|source| BaselineError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    pub fn contains(&self, finding: &Finding) -> bool {
        self.fingerprints.contains(&finding.fingerprint())
    }

    /// Keep the findings the baseline does not accept; returns them and how many were accepted.
    pub fn filter(&self, findings: Vec<Finding>) -> (Vec<Finding>, usize) {
        let before = findings.len();
        let kept: Vec<Finding> = findings.into_iter().filter(|f| !self.contains(f)).collect();
        let accepted = before - kept.len();
        (kept, accepted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RuleMeta, Severity, Span};

    static RULE: RuleMeta = RuleMeta {
        id: "test-rule",
        default_severity: Severity::High,
        summary: "",
        what: "",
        why: "",
        example_bad: "",
        example_fixed: "",
    };

    #[test]
    fn baseline_accepts_written_findings_even_after_line_moves() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let f = Finding::new(&RULE, "m", "a.json").span(Span::at(1, 1));
        Baseline::write(&path, std::slice::from_ref(&f)).unwrap();
        let moved = f.clone().span(Span::at(9, 3));
        let other = Finding::new(&RULE, "other", "a.json");
        let (kept, accepted) = Baseline::load(&path)
            .unwrap()
            .filter(vec![moved, other.clone()]);
        assert_eq!(accepted, 1);
        assert_eq!(kept, vec![other]);
    }

    #[test]
    fn malformed_baseline_names_file_and_position() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        std::fs::write(&path, "{\n  \"version\": 1,\n  \"accepted\": [1]\n}").unwrap();
        let err = Baseline::load(&path).unwrap_err().to_string();
        assert!(err.contains("b.json:3:"), "{err}");
    }
}
