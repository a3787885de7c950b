//! Masking what a server prints (stderr, stray stdout) before mcpward shows it: servers log their
//! configuration, and error messages quote tokens. The values mcpward handed the server
//! (environment, headers) and anything matching a provider pattern are masked, as the gateway
//! masks what a server sends back ([`mcpward_secrets::KnownSecrets`]).

use std::borrow::Cow;

use mcpward_secrets::KnownSecrets;

#[derive(Debug, Clone)]
pub(crate) struct Masker(KnownSecrets);

impl Masker {
    pub(crate) fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Masker {
        Masker(KnownSecrets::new(values))
    }

    pub(crate) fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.0.redact(text)
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
