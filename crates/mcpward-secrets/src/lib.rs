//! Secret detection shared by `audit`, response redaction and the audit log.
//!
//! API contract (used by other crates):
//! - [`Detector::new`] builds the automata and regexes once; [`Detector::scan_value`] checks one config value
//!   (optionally with its key, for entropy checks under secret-like keys); [`Detector::scan_text`]
//!   scans free text; [`Detector::redact`] masks every secret in text.
//! - [`is_reference`] / [`is_placeholder`] recognise good forms and non-secrets.
//! - [`mask`] renders a secret as at most 4 characters of prefix plus its length.
//! - [`kinds`] lists every kind the detector can report, for documentation.
//!
//! Throughput (measured, see docs/PERFORMANCE.md): ~460 MB/s of config-like text on one core.
#![forbid(unsafe_code)]

mod detector;
mod entropy;
mod keys;
mod known;
mod mask;
mod patterns;
mod placeholder;
mod reference;

use std::ops::Range;

pub use detector::Detector;
pub use keys::is_secret_like_key;
pub use known::{KnownSecrets, MIN_KNOWN_SECRET_LEN};
pub use mask::mask;
pub use placeholder::is_placeholder;
pub use reference::{contains_reference, is_reference};

/// Every kind the detector can report, with its provider, in table order (for rule docs and
/// tests that must cover all of them).
pub fn kinds() -> impl Iterator<Item = (&'static str, &'static str)> {
    let mut all: Vec<(&'static str, &'static str)> = patterns::PATTERNS
        .iter()
        .map(|p| (p.id, p.provider))
        .chain(patterns::KEYED_KINDS.iter().map(|k| (k.id, k.provider)))
        .chain([
            (
                patterns::SUPABASE_SERVICE_ROLE.0,
                patterns::SUPABASE_SERVICE_ROLE.1,
            ),
            (
                patterns::GCP_SERVICE_ACCOUNT_KEY.0,
                patterns::GCP_SERVICE_ACCOUNT_KEY.1,
            ),
            (patterns::GENERIC_ID, "generic"),
            (patterns::PASSWORD_ID, "password"),
        ])
        .collect();
    let mut seen = Vec::with_capacity(all.len());
    all.retain(|(id, _)| {
        let first = !seen.contains(id);
        seen.push(*id);
        first
    });
    all.into_iter()
}

/// One secret found in a value or text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretMatch {
    /// Stable id of the pattern, e.g. `github-classic-pat`.
    pub kind: &'static str,
    /// Provider, e.g. `GitHub`.
    pub provider: &'static str,
    /// Byte range of the secret inside the scanned value/text.
    pub range: Range<usize>,
    /// When this credential type is broader than needed: the narrower form to use instead.
    pub narrower: Option<&'static str>,
}
