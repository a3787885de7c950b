//! Masking values mcpward itself handed a server (a resolved token in its environment, a header
//! value), wherever they come back, together with the provider patterns of [`Detector`].

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::Detector;

/// Values shorter than this are not treated as secrets: masking every `1` or `true` in a text
/// would destroy it and protects nothing.
pub const MIN_KNOWN_SECRET_LEN: usize = 8;

/// Masks known secret values, also in their JSON-escaped form, and anything matching a provider
/// pattern. The automaton is built once; nothing is compiled per text.
#[derive(Debug, Clone)]
pub struct KnownSecrets {
    known: Option<(AhoCorasick, Vec<String>)>,
}

impl KnownSecrets {
    /// `values` are the secrets to find; shorter ones than [`MIN_KNOWN_SECRET_LEN`] are left out.
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> KnownSecrets {
        let mut needles = Vec::new();
        let mut masks = Vec::new();
        for value in values {
            if value.chars().count() < MIN_KNOWN_SECRET_LEN {
                continue;
            }
            // The mask's prefix comes from the secret; keep it from breaking a JSON string.
            let mask: String = crate::mask(value)
                .chars()
                .map(|c| {
                    if c == '"' || c == '\\' || c.is_control() {
                        '*'
                    } else {
                        c
                    }
                })
                .collect();
            let escaped = json_escaped(value);
            if escaped != value {
                needles.push(escaped);
                masks.push(mask.clone());
            }
            needles.push(value.to_owned());
            masks.push(mask);
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
        KnownSecrets { known }
    }

    /// `text` with every secret masked; borrowed (no copy) when there was none.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
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

/// `value` as it appears inside a JSON string written by serde_json (and most encoders): `"`
/// and `\` escaped, `\b \f \n \r \t`, other C0 controls as `\u00XX`; everything else as is.
fn json_escaped(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_known_values_plain_and_json_escaped() {
        let k = KnownSecrets::new(["s3cr\"et-value\\x", "short"]);
        let plain = k.redact("token s3cr\"et-value\\x here, short stays");
        assert!(
            !plain.contains("et-value") && plain.contains("short stays"),
            "{plain}"
        );
        let escaped = k.redact(r#"{"t":"s3cr\"et-value\\x"}"#);
        assert!(!escaped.contains("et-value"), "{escaped}");
    }

    #[test]
    fn escapes_as_serde_json_does() {
        assert_eq!(
            json_escaped("a\"b\\c\n\u{1}\u{7f}é"),
            "a\\\"b\\\\c\\n\\u0001\u{7f}é"
        );
    }

    #[test]
    fn nothing_to_mask_borrows() {
        let k = KnownSecrets::new(std::iter::empty());
        assert!(matches!(k.redact("plain text"), Cow::Borrowed(_)));
    }
}
