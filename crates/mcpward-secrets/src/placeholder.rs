//! Values that sit where a secret goes but are not one (`<your-token>`, `changeme`, `sk-...`).
//!
//! Reporting these would teach users to ignore findings, so they are recognised and skipped
//! everywhere: in provider matches, in entropy checks and in redaction.

/// Whole values (after lowercasing and dropping punctuation) that are stand-ins, not secrets.
const STAND_IN_WORDS: &[&str] = &[
    "changeme",
    "changeit",
    "password",
    "secret",
    "token",
    "apikey",
    "key",
    "none",
    "null",
    "nil",
    "undefined",
    "test",
    "testing",
    "dummy",
    "sample",
    "placeholder",
    "redacted",
    "todo",
    "tbd",
    "fixme",
    "abc",
    "abc123",
    "123456",
    "12345678",
    "123456789",
    "letmein",
    "admin",
    "pass",
    "passwd",
    "default",
    "empty",
    "notset",
    "unset",
    "replaceme",
    "secretkey",
    "accesstoken",
    "authtoken",
    "mysecret",
    "mytoken",
    "mypassword",
    "foobar",
    "foo",
    "bar",
    "hunter2",
];

/// Fragments that mark a value as an instruction to the reader ("put your key here").
const STAND_IN_MARKERS: &[&str] = &[
    "your",
    "replace",
    "placeholder",
    "changeme",
    "change_me",
    "change-me",
    "example",
    "insert",
    "dummy",
    "redacted",
    "xxxx",
    "...",
    "…",
    "***",
];

/// `<your-token>`, `YOUR_API_KEY`, `xxxx`, `changeme`, `your-key-here`, `...`, `***`, `TODO`,
/// empty, `sk-...` with dots, all-same-char runs, etc.
pub fn is_placeholder(value: &str) -> bool {
    let value = value
        .trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == '`')
        .trim();
    if value.is_empty() {
        return true;
    }
    let lower = value.to_ascii_lowercase();
    if STAND_IN_MARKERS.iter().any(|m| lower.contains(m)) {
        return true;
    }
    if value.starts_with('[') && value.ends_with(']') && value.len() > 2 {
        return true;
    }
    // `<token>`, `Bearer <your key>`: an angle-bracketed slot anywhere in the value.
    if let Some(open) = value.find('<')
        && value[open..].find('>').is_some_and(|close| close > 1)
    {
        return true;
    }
    let mut chars = value.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c == first)
    {
        return true;
    }
    let normalised: String = lower.chars().filter(char::is_ascii_alphanumeric).collect();
    if normalised.is_empty() || STAND_IN_WORDS.contains(&normalised.as_str()) {
        return true;
    }
    // `GITHUB_TOKEN`, `API_KEY_HERE`: the name of a variable written where its value belongs.
    value.contains('_') && value.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
}

/// A provider match whose random part is visibly not random: `ghp_000000…`, `AKIAXXXX…`.
///
/// Six identical letters or symbols in a row occur in a random 40-character base62 token with a
/// probability around 10⁻⁸, so treating them as filler costs no real detections. Digits need
/// ten: numeric segments (Slack team ids) are drawn from only ten symbols. PEM bodies are
/// exempt: DER encodings are full of zero runs.
pub(crate) fn looks_like_filler(secret: &str, is_pem: bool) -> bool {
    if is_placeholder(secret) {
        return true;
    }
    if is_pem {
        return false;
    }
    let mut run = 0usize;
    let mut previous = None;
    for b in secret.bytes() {
        if Some(b) == previous {
            run += 1;
            if run >= if b.is_ascii_digit() { 10 } else { 6 } {
                return true;
            }
        } else {
            run = 1;
            previous = Some(b);
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_documented_placeholders() {
        for value in [
            "",
            "   ",
            "<your-token>",
            "YOUR_API_KEY",
            "xxxx",
            "XXXXXXXXXXXXXXXX",
            "changeme",
            "your-key-here",
            "...",
            "***",
            "********",
            "TODO",
            "sk-...",
            "ghp_...",
            "sk-proj-xxxxxxxxxxxxxxxx",
            "0000000000000000",
            "[token]",
            "GITHUB_TOKEN",
            "Bearer <token>",
            "\"changeme\"",
            "REPLACE_WITH_TOKEN",
        ] {
            assert!(is_placeholder(value), "{value:?} should be a placeholder");
        }
    }

    #[test]
    fn random_looking_values_are_not_placeholders() {
        for value in [
            "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A",
            "3f9c2a7d8e1b4c6f",
            "k7Qp2Lx9Vb4Nw8Zr",
            "hunter3",
        ] {
            assert!(
                !is_placeholder(value),
                "{value:?} should not be a placeholder"
            );
        }
    }

    #[test]
    fn filler_runs_mark_fake_tokens() {
        assert!(looks_like_filler(
            "ghp_000000000000000000000000000000000000",
            false
        ));
        assert!(!looks_like_filler(
            "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A",
            false
        ));
        assert!(!looks_like_filler("MIIEAAAAAAAAAAbc", true));
        assert!(!looks_like_filler(
            "xoxb-162222226534-5228236528489-REae9xtCDpDYFGRwPZpmKDMp",
            false
        ));
        assert!(looks_like_filler("AKIA0000000000000000", false));
    }
}
