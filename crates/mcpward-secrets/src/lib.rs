//! Secret detection shared by `audit`, response redaction and the audit log.
//!
//! API contract (used by other crates):
//! - [`Detector::new`] builds the automaton once; [`Detector::scan_value`] checks one config value
//!   (optionally with its key, for entropy checks under secret-like keys); [`Detector::scan_text`]
//!   scans free text; [`Detector::redact`] masks every secret in text.
//! - [`is_reference`] / [`is_placeholder`] recognise good forms and non-secrets.
//! - [`mask`] renders a secret as at most 4 characters of prefix plus its length.
#![forbid(unsafe_code)]

mod detector;
#[allow(dead_code)] // wired in by the detector
mod entropy;
mod keys;
mod mask;
#[allow(dead_code)] // wired in by the detector
mod patterns;
mod placeholder;
mod reference;

use std::ops::Range;

pub use detector::Detector;
pub use keys::is_secret_like_key;
pub use mask::mask;
pub use placeholder::is_placeholder;
pub use reference::{contains_reference, is_reference};

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
