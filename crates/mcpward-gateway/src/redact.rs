//! Masking secrets in what the server sends back before the client (and so the model) sees it.
//!
//! Two sources: the shared provider patterns of `mcpward-secrets`, and every value mcpward itself
//! placed in the child's environment (a resolved token the server echoes back, e.g. in an error
//! message, must not reach the model even if it matches no known pattern). Both automata are
//! built once when the gateway starts; nothing is compiled per message.
//!
//! Redaction works on the frame's JSON text. Masks contain no quote, backslash or control
//! character, so a redacted frame stays valid JSON; an environment value is also searched in its
//! JSON-escaped form so values with quotes or backslashes are found inside strings.

use std::borrow::Cow;

use mcpward_secrets::KnownSecrets;

/// Values shorter than this are not treated as secrets: masking every `1` or `true` in a result
/// would destroy it and protects nothing.
pub const MIN_ENV_SECRET_LEN: usize = mcpward_secrets::MIN_KNOWN_SECRET_LEN;

/// Masks secrets in text.
#[derive(Debug)]
pub struct Redactor {
    known: KnownSecrets,
}

impl Redactor {
    /// `env_values` are the values mcpward put in the child's environment.
    pub fn new<'a>(env_values: impl IntoIterator<Item = &'a str>) -> Redactor {
        Redactor {
            known: KnownSecrets::new(env_values),
        }
    }

    /// `text` with every secret masked; borrowed (no copy) when there was none.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.known.redact(text)
    }
}

impl Redactor {
    /// A JSON frame with secrets masked inside its strings after decoding their escapes, or
    /// `None` when there was nothing to mask there. [`redact`](Self::redact) works on the raw
    /// text, where `tok+en=` written by an HTML-safe encoder (Gson, Go) as `tok\u002ben\u003d`,
    /// or `a\/b`, does not match. Only frames that contain such an escape are decoded, and only
    /// a frame that changes is serialised again.
    pub fn redact_escaped_json(&self, frame: &str) -> Option<String> {
        if !has_unicode_or_slash_escape(frame.as_bytes()) {
            return None;
        }
        let mut value: serde_json::Value = serde_json::from_str(frame).ok()?;
        self.redact_strings(&mut value).then(|| value.to_string())
    }

    /// Masks secrets in every string and every object key of `value`; whether anything changed.
    pub fn redact_strings(&self, value: &mut serde_json::Value) -> bool {
        use serde_json::Value;
        match value {
            Value::String(s) => match self.redact(s) {
                Cow::Borrowed(_) => false,
                Cow::Owned(masked) => {
                    *s = masked;
                    true
                }
            },
            Value::Array(items) => items
                .iter_mut()
                .fold(false, |changed, v| self.redact_strings(v) | changed),
            Value::Object(map) => {
                let mut changed = map
                    .values_mut()
                    .fold(false, |changed, v| self.redact_strings(v) | changed);
                // Keys carry text too (a server can put a token in a key, escaped so the raw
                // text pass misses it).
                if map.keys().any(|k| matches!(self.redact(k), Cow::Owned(_))) {
                    let old = std::mem::take(map);
                    for (key, v) in old {
                        let mut key = self.redact(&key).into_owned();
                        // Two keys masked alike must not overwrite each other's values.
                        let base = key.clone();
                        let mut n = 2;
                        while map.contains_key(&key) {
                            key = format!("{base} #{n}");
                            n += 1;
                        }
                        map.insert(key, v);
                    }
                    changed = true;
                }
                changed
            }
            _ => false,
        }
    }
}

/// Whether JSON text contains a `\uXXXX` or `\/` escape (an escaped backslash followed by `u`
/// is not one).
fn has_unicode_or_slash_escape(text: &[u8]) -> bool {
    let mut rest = text;
    while let Some(at) = memchr::memchr(b'\\', rest) {
        match rest.get(at + 1) {
            Some(b'u' | b'/') => return true,
            Some(_) => rest = rest.get(at + 2..).unwrap_or_default(),
            None => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_value_mcpward_put_in_child_env() {
        let secret = format!("s3cr3t-{}", "aB3dE5fG7hJ9kL1m");
        let r = Redactor::new([secret.as_str()]);
        let frame =
            format!(r#"{{"result":{{"content":[{{"type":"text","text":"token={secret}"}}]}}}}"#);
        let out = r.redact(&frame);
        assert!(!out.contains(&secret), "{out}");
        assert!(out.contains("s3cr…(23 chars)"), "{out}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap();
    }

    #[test]
    fn masks_env_value_in_json_escaped_form() {
        let secret = r#"pa"ss\word-1234"#;
        let r = Redactor::new([secret]);
        let frame = serde_json::json!({ "text": format!("got {secret}") }).to_string();
        let out = r.redact(&frame);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(!v["text"].as_str().unwrap().contains(secret), "{out}");
    }

    #[test]
    fn masks_env_value_written_with_unicode_and_slash_escapes() {
        let secret = "dG9r+ZW4/c2VjcmV0=";
        let r = Redactor::new([secret]);
        // What an HTML-safe encoder and a slash-escaping one make of the same value.
        let frame = r#"{"text":"got dG9r\u002bZW4\/c2VjcmV0\u003d","n":1}"#;
        assert!(matches!(r.redact(frame), Cow::Borrowed(_)));
        let out = r
            .redact_escaped_json(frame)
            .expect("the decoded value is masked");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(!v["text"].as_str().unwrap().contains(secret), "{out}");
        assert_eq!(v["n"], 1);
    }

    #[test]
    fn escaped_secret_as_an_object_key_is_masked() {
        let token = mcpward_testkit::fake_github_token();
        let escaped: String = token
            .chars()
            .map(|c| format!("\\u{:04x}", c as u32))
            .collect();
        let r = Redactor::new([]);
        let frame = format!(r#"{{"result":{{"{escaped}":1,"ok":"{escaped}"}}}}"#);
        let out = r.redact_escaped_json(&frame).expect("masked");
        assert!(!out.contains(&token), "{out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["result"].as_object().unwrap().len(), 2, "{out}");
        // Two keys that mask alike keep both values.
        let mut other = token.clone();
        other.pop();
        other.push(if token.ends_with('A') { 'B' } else { 'A' });
        let frame = format!(r#"{{"{escaped}":1,"{other}":2}}"#);
        let out = r.redact_escaped_json(&frame).expect("masked");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v.as_object().unwrap().len(), 2, "{out}");
        assert!(!out.contains(&token) && !out.contains(&other), "{out}");
    }

    #[test]
    fn frames_without_escapes_or_secrets_are_not_decoded_or_rewritten() {
        let r = Redactor::new(["dG9r+ZW4/c2VjcmV0="]);
        assert_eq!(r.redact_escaped_json(r#"{"text":"plain"}"#), None);
        assert_eq!(r.redact_escaped_json(r#"{"text":"caf\u00e9"}"#), None);
        assert!(!has_unicode_or_slash_escape(br#"{"path":"C:\\users\\x"}"#));
        assert!(has_unicode_or_slash_escape(br#"{"a":"x\\\u0041"}"#));
    }

    #[test]
    fn leaves_clean_text_borrowed_and_ignores_short_values() {
        let r = Redactor::new(["1", "true"]);
        assert!(matches!(r.redact("{\"a\":1,\"b\":true}"), Cow::Borrowed(_)));
    }
}
