use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use mcpward_core::Span;

/// Why a policy file could not be used. A gateway that gets this must not start: running with a
/// policy the user did not write would be failing open.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error(
        "cannot read policy file {}: {source}\n  hint: check the path given to --policy (without --policy, `mcpward run` uses the built-in read-only policy)",
        path.display()
    )]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid policy: bad TOML, an unknown field, a wrong type, a glob or regex
    /// that does not compile, a value out of range.
    #[error("{}", render_invalid(file, span, message, hint, line_text))]
    Invalid {
        file: PathBuf,
        /// Where in the file; line and column are 1-based.
        span: Span,
        message: String,
        /// What to do about it.
        hint: String,
        /// The offending line, for a one-line code frame.
        line_text: String,
    },
}

impl PolicyError {
    /// Where in the policy file the problem is, if it is about the content.
    pub fn span(&self) -> Option<Span> {
        match self {
            PolicyError::Read { .. } => None,
            PolicyError::Invalid { span, .. } => Some(*span),
        }
    }
}

fn render_invalid(file: &Path, span: &Span, message: &str, hint: &str, line_text: &str) -> String {
    let mut out = format!("{}:{}:{}: {message}", file.display(), span.line, span.col);
    if !line_text.is_empty() {
        let gutter = span.line.to_string();
        let pad = " ".repeat(gutter.len());
        let caret_col = usize::try_from(span.col.saturating_sub(1)).unwrap_or(0);
        let width = line_text
            .chars()
            .skip(caret_col)
            .take(span.len.max(1))
            .count()
            .max(1);
        let _ = write!(
            out,
            "\n{pad} |\n{gutter} | {line_text}\n{pad} | {}{}",
            " ".repeat(caret_col),
            "^".repeat(width)
        );
    }
    let _ = write!(out, "\n  hint: {hint}");
    out
}
