//! The provider pattern table.

/// One provider pattern.
#[derive(Debug)]
pub(crate) struct Pattern {
    pub id: &'static str,
    pub provider: &'static str,
    pub prefixes: &'static [&'static str],
    pub regex: &'static str,
    pub narrower: Option<&'static str>,
}

pub(crate) const PATTERNS: &[Pattern] = &[];
