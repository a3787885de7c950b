use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Span;

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown severity `{s}` (expected info, low, medium, high or critical)")
            })
    }
}

/// Static description of a rule: its stable id and the documentation shown in docs/rules.md,
/// SARIF `rules[]` and `--explain`.
#[derive(Debug, Clone, Copy)]
pub struct RuleMeta {
    /// Stable kebab-case id; never renamed or reused.
    pub id: &'static str,
    /// Severity used when the rule does not pick a more specific one.
    pub default_severity: Severity,
    /// One line: what the rule reports.
    pub summary: &'static str,
    pub what: &'static str,
    pub why: &'static str,
    pub example_bad: &'static str,
    pub example_fixed: &'static str,
}

impl RuleMeta {
    pub fn docs_url(&self) -> String {
        format!("{}#{}", crate::DOCS_BASE, self.id)
    }
}

/// One problem found in one place. Rules return these; only [`crate::output`] prints them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub file: PathBuf,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// RFC 6901 JSON pointer to the offending value inside a JSON document that is not a file on
    /// disk (a server's `tools/list` answer, say), for findings a line and column cannot locate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    pub docs_url: String,
    /// Byte ranges of the source file that hold secret values; printers mask them in code frames.
    #[serde(skip)]
    pub masked: Vec<Range<usize>>,
}

impl Finding {
    pub fn new(rule: &RuleMeta, message: impl Into<String>, file: impl Into<PathBuf>) -> Self {
        Finding {
            rule: rule.id.to_string(),
            severity: rule.default_severity,
            message: message.into(),
            file: file.into(),
            span: None,
            client: None,
            server: None,
            fix: None,
            pointer: None,
            docs_url: rule.docs_url(),
            masked: Vec::new(),
        }
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn span(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    pub fn client(mut self, client: impl Into<String>) -> Self {
        self.client = Some(client.into());
        self
    }

    pub fn server(mut self, server: impl Into<String>) -> Self {
        self.server = Some(server.into());
        self
    }

    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    pub fn pointer(mut self, pointer: impl Into<String>) -> Self {
        self.pointer = Some(pointer.into());
        self
    }

    pub fn mask(mut self, range: Range<usize>) -> Self {
        self.masked.push(range);
        self
    }

    /// Stable identity for baselines: does not change when lines move.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            self.rule.as_str(),
            &self.file.to_string_lossy(),
            self.client.as_deref().unwrap_or(""),
            self.server.as_deref().unwrap_or(""),
            &self.message,
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        hex::encode(&h.finalize()[..16])
    }

    /// Sort key so output is deterministic: file, position, rule.
    pub fn sort_key(&self) -> (PathBuf, u32, u32, String) {
        let (line, col) = self.span.map(|s| (s.line, s.col)).unwrap_or((0, 0));
        (self.file.clone(), line, col, self.rule.clone())
    }
}
