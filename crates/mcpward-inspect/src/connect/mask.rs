//! Masking what a server prints (stderr, stray stdout) before mcpward shows it: servers log their
//! configuration, and error messages quote tokens.

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, MatchKind};
use mcpward_secrets::Detector;

/// Values shorter than this are not masked: hiding every `1` or `true` protects nothing and makes
/// the text unreadable (the gateway uses the same threshold).
const MIN_SECRET_LEN: usize = 8;

/// Masks the values mcpward handed the server (environment, headers) and anything matching a
/// provider pattern.
#[derive(Debug, Clone)]
pub(crate) struct Masker {
    known: Option<(AhoCorasick, Vec<String>)>,
}

impl Masker {
    pub(crate) fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Masker {
        let mut needles = Vec::new();
        let mut masks = Vec::new();
        for value in values {
            if value.chars().count() < MIN_SECRET_LEN {
                continue;
            }
            needles.push(value.to_string());
            masks.push(mcpward_secrets::mask(value));
        }
        let known = if needles.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&needles)
                .ok()
                .map(|ac| (ac, masks))
        };
        Masker { known }
    }

    pub(crate) fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let text = match &self.known {
            Some((ac, masks)) if ac.is_match(text) => {
                Cow::Owned(ac.replace_all(text, masks.as_slice()))
            }
            _ => Cow::Borrowed(text),
        };
        match text {
            Cow::Borrowed(t) => Detector::global().redact(t),
            Cow::Owned(t) => match Detector::global().redact(&t) {
                Cow::Borrowed(_) => Cow::Owned(t),
                Cow::Owned(again) => Cow::Owned(again),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_given_values_and_provider_patterns_but_not_short_values() {
        let token = format!("ghp_{}", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A");
        let m = Masker::new(["hunter2-but-longer", "1"]);
        let text = format!("key hunter2-but-longer, token {token}, level 1");
        let out = m.mask(&text);
        assert!(!out.contains("hunter2-but-longer"), "{out}");
        assert!(!out.contains(&token), "{out}");
        assert!(out.contains("level 1"), "{out}");
    }
}
