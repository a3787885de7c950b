//! Session taint: once a tool has returned content an attacker could have written (a web page,
//! an issue body, an e-mail), later calls with side effects need a person even where the policy
//! would allow them, because the model may be following instructions hidden in that content.
//!
//! The gateway only tracks the fact; the policy turns it into `ask` (`defaults.taint`).

/// Whether the session has seen untrusted content, and from where.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Taint {
    source: Option<String>,
}

impl Taint {
    /// A clean session.
    pub fn new() -> Taint {
        Taint::default()
    }

    /// Records that `tool` returned untrusted content. The first source is kept: it is the one
    /// that explains why everything after it needs approval.
    pub fn mark(&mut self, tool: &str) {
        if self.source.is_none() {
            self.source = Some(tool.to_owned());
        }
    }

    /// Whether any untrusted content was seen.
    pub fn is_tainted(&self) -> bool {
        self.source.is_some()
    }

    /// The tool whose result first tainted the session.
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }
}

/// Whether a tool's results must be treated as untrusted: the server says it reaches an open
/// world (`openWorldHint: true`; an untrusted server claiming so only makes us more careful), or
/// curated knowledge says so.
pub fn reads_untrusted(open_world_hint: Option<bool>, known_untrusted: bool) -> bool {
    known_untrusted || open_world_hint == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_source_is_kept() {
        let mut t = Taint::new();
        assert!(!t.is_tainted());
        t.mark("fetch");
        t.mark("search");
        assert!(t.is_tainted());
        assert_eq!(t.source(), Some("fetch"));
    }

    #[test]
    fn open_world_hint_taints_but_absent_hint_does_not() {
        assert!(reads_untrusted(Some(true), false));
        assert!(!reads_untrusted(None, false));
        assert!(!reads_untrusted(Some(false), false));
        assert!(reads_untrusted(Some(false), true));
    }
}
