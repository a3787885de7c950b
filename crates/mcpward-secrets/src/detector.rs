//! The detector: prefilter automaton plus per-pattern regexes, built once.

use std::borrow::Cow;
use std::sync::LazyLock;

use crate::SecretMatch;

/// Finds secrets in config values and free text.
#[derive(Debug)]
pub struct Detector {
    _private: (),
}

static GLOBAL: LazyLock<Detector> = LazyLock::new(Detector::new);

impl Default for Detector {
    fn default() -> Self {
        Self::new()
    }
}

impl Detector {
    /// Builds all automata/regexes once.
    pub fn new() -> Detector {
        Detector { _private: () }
    }

    /// Shared instance, built on first use.
    pub fn global() -> &'static Detector {
        &GLOBAL
    }

    /// One configuration value, optionally with its key (env var name, header name, arg flag).
    /// Provider patterns anywhere in the value, plus an entropy check when `key` looks secret-like
    /// (token, secret, password, api_key, auth, credential, private_key, ...). References and
    /// placeholders never match. Ranges are byte ranges inside `value`.
    pub fn scan_value(&self, key: Option<&str>, value: &str) -> Vec<SecretMatch> {
        let _ = (key, value);
        Vec::new()
    }

    /// Free text (tool results, log lines, whole files): provider patterns only (plus
    /// `key=value` / `"key": "value"` pairs whose key is secret-like and value high-entropy).
    pub fn scan_text(&self, text: &str) -> Vec<SecretMatch> {
        let _ = text;
        Vec::new()
    }

    /// `text` with every secret from scan_text replaced by its mask; Cow::Borrowed when none.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let found = self.scan_text(text);
        if found.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for m in found {
            out.push_str(&text[last..m.range.start]);
            out.push_str(&crate::mask(&text[m.range.clone()]));
            last = m.range.end;
        }
        out.push_str(&text[last..]);
        Cow::Owned(out)
    }
}
