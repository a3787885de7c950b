//! The generic check: does a value under a secret-like key look random enough to be a secret?
//!
//! Provider patterns only know formats someone has published. Many credentials (Brave, Datadog,
//! self-hosted services, passwords) have no format, so under a secret-like key a value that is
//! long, random-looking and not obviously something else (a path, a URL, a word, a reference,
//! a placeholder) is reported as `generic-high-entropy`.

use std::ops::Range;

use crate::{contains_reference, is_placeholder};

/// Shortest value the generic check considers; shorter random strings are too often ids.
pub(crate) const MIN_LEN: usize = 16;
/// Bits per character required of values drawn from a hex alphabet (max 4.0).
const HEX_THRESHOLD: f64 = 3.0;
/// Bits per character required of other values.
const THRESHOLD: f64 = 3.3;

/// Bits per character of `s` (Shannon entropy over bytes).
pub(crate) fn shannon(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[usize::from(b)] += 1;
    }
    let len = s.len() as f64;
    if s.is_empty() {
        return 0.0;
    }
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

/// The byte range of the secret inside `value` if it passes the generic check.
///
/// An HTTP auth scheme (`Bearer …`, `Basic …`, `token …`) is skipped so the range covers the
/// credential only.
pub(crate) fn high_entropy_secret(value: &str) -> Option<Range<usize>> {
    let mut start = value.len() - value.trim_start().len();
    let mut end = value.trim_end().len();
    if start >= end {
        return None;
    }
    let quoted = |b: u8| matches!(b, b'"' | b'\'' | b'`');
    let bytes = value.as_bytes();
    if end - start >= 2 && quoted(bytes[start]) && bytes[end - 1] == bytes[start] {
        start += 1;
        end -= 1;
    }
    let inner = &value[start..end];
    for scheme in ["bearer ", "basic ", "token ", "bot "] {
        if inner
            .get(..scheme.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
        {
            let rest = &inner[scheme.len()..];
            start += scheme.len() + (rest.len() - rest.trim_start().len());
            break;
        }
    }
    let candidate = &value[start..end];
    is_random_looking(candidate).then_some(start..end)
}

/// Shortest literal accepted under a password key.
pub(crate) const MIN_PASSWORD_LEN: usize = 6;

/// Keys that name a password: any real literal under them is a password, random-looking or not
/// (`Sup3rS3cret!` is short and readable, and still a credential).
pub(crate) fn is_password_key(key: &str) -> bool {
    let normalised: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    ["password", "passwd", "passphrase", "pgpassword", "pwd"]
        .iter()
        .any(|word| normalised.ends_with(word))
        || normalised.ends_with("pass")
            && normalised.len() <= 12
            && !["bypass", "compass", "firstpass", "onepass"]
                .iter()
                .any(|w| normalised.ends_with(w))
}

/// `Authorization` / `Proxy-Authorization`: whatever follows the scheme is a credential.
pub(crate) fn is_authorization_key(key: &str) -> bool {
    let k = key.trim().to_ascii_lowercase();
    k == "authorization" || k == "proxy-authorization"
}

/// The credential of an `Authorization` value (`Bearer abc…`, `Basic …`, `Token …`), judged like
/// a literal password: a short readable token there is still a token.
pub(crate) fn literal_authorization(value: &str) -> Option<Range<usize>> {
    let lead = value.len() - value.trim_start().len();
    let trimmed = value.trim();
    let (scheme, rest) = trimmed.split_once(' ')?;
    if !["bearer", "basic", "token", "bot", "apikey"]
        .iter()
        .any(|s| scheme.eq_ignore_ascii_case(s))
    {
        return None;
    }
    let offset = lead + scheme.len() + 1 + (rest.len() - rest.trim_start().len());
    let range = literal_password(rest.trim_start())?;
    Some(offset + range.start..offset + range.end)
}

/// The byte range of a literal password in `value`: at least six characters of at least two
/// kinds (lower case, upper case, digits, symbols), one word, not a placeholder, reference, path
/// or URL. `password`, `postgres` or `changeme` are not reported: single-kind words are too often
/// defaults in examples.
pub(crate) fn literal_password(value: &str) -> Option<Range<usize>> {
    let start = value.len() - value.trim_start().len();
    let end = value.trim_end().len();
    let candidate = value.get(start..end)?;
    let kinds = [
        candidate.bytes().any(|b| b.is_ascii_lowercase()),
        candidate.bytes().any(|b| b.is_ascii_uppercase()),
        candidate.bytes().any(|b| b.is_ascii_digit()),
        candidate.bytes().any(|b| !b.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|&&k| k)
    .count();
    let plausible = candidate.len() >= MIN_PASSWORD_LEN
        && candidate.len() <= 256
        && kinds >= 2
        && !candidate
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        && !is_placeholder(candidate)
        && !contains_reference(candidate)
        && !is_path(candidate)
        && !candidate.contains("://");
    plausible.then_some(start..end)
}

fn is_random_looking(candidate: &str) -> bool {
    if candidate.len() < MIN_LEN
        || candidate.len() > 4096
        || candidate
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        || is_placeholder(candidate)
        || contains_reference(candidate)
        || is_path(candidate)
        || candidate.contains("://")
    {
        return false;
    }
    let has_digit = candidate.bytes().any(|b| b.is_ascii_digit());
    let has_letter = candidate.bytes().any(|b| b.is_ascii_alphabetic());
    // Numbers, booleans and plain words ("production-database") are not secrets; random
    // tokens of this length almost always contain letters and digits. The rare digit-free
    // random token (about 1 in 300 of 31 base62 characters) is told from CamelCase names by
    // its share of capitals: around half, where names have one per word.
    if !has_letter || is_identifier_like(candidate) || is_code(candidate) || is_wordy(candidate) {
        return false;
    }
    if !has_digit {
        let letters = candidate.bytes().filter(u8::is_ascii_alphabetic).count();
        let upper = candidate.bytes().filter(u8::is_ascii_uppercase).count();
        let mixed = (letters / 4..=letters * 3 / 4).contains(&upper);
        return candidate.len() >= 20 && mixed && shannon(candidate) >= 4.0;
    }
    let hex = candidate
        .bytes()
        .all(|b| b.is_ascii_hexdigit() || b == b'-');
    shannon(candidate) >= if hex { HEX_THRESHOLD } else { THRESHOLD }
}

/// `team-alpha-2024`, `my_service_v2`, `Release.2024.01`: words and numbers joined by
/// separators, as names are, rather than random characters.
fn is_identifier_like(candidate: &str) -> bool {
    let segments: Vec<&str> = candidate
        .split(['-', '_', '.', ':', '/'])
        .filter(|s| !s.is_empty())
        .collect();
    segments.len() >= 2
        && segments.iter().all(|segment| {
            let b = segment.as_bytes();
            let word =
                b.iter().all(u8::is_ascii_alphabetic) && b[1..].iter().all(u8::is_ascii_lowercase);
            let number = b.iter().all(u8::is_ascii_digit);
            let versioned =
                b.len() <= 4 && b[0].is_ascii_alphabetic() && b[1..].iter().all(u8::is_ascii_digit);
            word || number || versioned
        })
}

/// `super::Foundation::UNICODE_STRING`, `ChaCha20Key(kb)`, `[a-zA-Z0-9]`: source code or a
/// schema read by a tool, where
/// `password: Type` and `token = make_token(…)` are declarations, not secrets. Neither `::`
/// nor a call parenthesis occurs in base64, hex or the usual token alphabets.
fn is_code(candidate: &str) -> bool {
    let b = candidate.as_bytes();
    // `[a-zA-Z0-9!/_+=.@-]`: a regex character class, as in JSON schemas describing secrets.
    let character_class = ["a-z", "A-Z", "0-9"].iter().any(|r| candidate.contains(r));
    // `2016-09-08T21:47:36Z`: a date; `oauth2client<1.5dev`, `Vec<u8>`: a comparison or generic.
    let date = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-';
    character_class
        || date
        || candidate.contains(['<', '>'])
        || candidate.contains("::")
        || b.windows(2)
            .any(|w| (w[0].is_ascii_alphanumeric() || w[0] == b'!') && matches!(w[1], b'(' | b'['))
}

/// Identifiers (`DOT11_AUTH_ALGORITHM`, `PrivateKeyDer`, `MsV1_0ChangeCachedPassword`) are made
/// of words: long runs of letters (`[A-Z]?[a-z]+` or `[A-Z]+`) with vowels in them. Random
/// strings switch case every one or two letters, and when they do not (a random run like
/// `Tpbebpgcy` happens), their letters are still only ~20 % vowels against 30–45 % in words.
/// Thresholds: average run of 4+ letters, or 3+ with at least 30 % vowels.
/// Digits are ignored: a random token may carry long numeric segments (Slack team ids).
fn is_wordy(candidate: &str) -> bool {
    let mut runs = 0usize;
    let mut letters = 0usize;
    let mut vowels = 0usize;
    let mut previous: Option<bool> = None; // Some(is_upper) of the previous letter
    let mut run_len = 0usize;
    for b in candidate.bytes() {
        if !b.is_ascii_alphabetic() {
            previous = None;
            continue;
        }
        letters += 1;
        if matches!(b.to_ascii_lowercase(), b'a' | b'e' | b'i' | b'o' | b'u') {
            vowels += 1;
        }
        let upper = b.is_ascii_uppercase();
        // A capital followed by lower case continues one word (`Token`).
        let continues = match previous {
            Some(previous_upper) => {
                previous_upper == upper || (previous_upper && !upper && run_len == 1)
            }
            None => false,
        };
        if continues {
            run_len += 1;
        } else {
            runs += 1;
            run_len = 1;
        }
        previous = Some(upper);
    }
    if runs == 0 {
        return false;
    }
    let average_run = letters as f64 / runs as f64;
    average_run >= 4.0 || (average_run >= 3.0 && vowels * 10 >= letters * 3)
}

fn is_path(candidate: &str) -> bool {
    // A base64 secret may start with `/` (AWS secret keys do, one time in 64); a path's
    // segments are names, not 16+ characters mixing upper case, lower case and digits.
    let random_segment = candidate.split(['/', '\\', '.']).any(|segment| {
        let b = segment.as_bytes();
        b.len() >= MIN_LEN
            && b.iter().any(u8::is_ascii_uppercase)
            && b.iter().any(u8::is_ascii_lowercase)
            && b.iter().any(u8::is_ascii_digit)
    });
    if random_segment {
        return false;
    }
    let b = candidate.as_bytes();
    let drive =
        b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && matches!(b[2], b'\\' | b'/');
    if drive
        || candidate.starts_with(['/', '~', '\\'])
        || candidate.starts_with("./")
        || candidate.starts_with("../")
        || candidate.starts_with("file:")
    {
        return true;
    }
    // `certs/server.pem`, `keys\id_ed25519.pub`: separators plus a file extension.
    let has_separator = candidate.contains(['/', '\\']);
    let extension = candidate
        .rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|ext| {
            (1..=5).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphanumeric())
        });
    has_separator && extension.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_uniform_and_constant_strings() {
        assert!(shannon("").abs() < f64::EPSILON);
        assert!(shannon("aaaa").abs() < f64::EPSILON);
        assert!((shannon("abcd") - 2.0).abs() < 1e-9);
    }

    #[test]
    fn random_tokens_pass_the_generic_check() {
        let token = format!("{}{}", "q8Zt3LkW9vXp2", "Rb7Nc4Hd6Jf1Mg5");
        assert_eq!(high_entropy_secret(&token), Some(0..token.len()));
        let hex = "9f86d081884c7d659a2feaa0c55ad015";
        assert!(high_entropy_secret(hex).is_some());
        let letters_only = "qZtLkWvXpRbNcHdJfMgaBdEfGhQ";
        assert!(high_entropy_secret(letters_only).is_some());
    }

    #[test]
    fn weak_but_real_passwords_still_count() {
        assert!(high_entropy_secret("Sup3r-S3cret-Pass-2024").is_some());
        assert!(high_entropy_secret("k7qp2lx9vb4nw8zr").is_some());
    }

    #[test]
    fn random_tokens_with_long_runs_are_not_identifiers() {
        // Long same-case runs and long digit groups occur in random tokens too.
        assert!(high_entropy_secret("5eCyRFSfTpbebpgcy17EAZBTZL6qsho").is_some());
        let slack_like = "xoxb-162222226534-5228236528489-REae9xtCDpDYFGRwPZpmKDMp";
        assert!(high_entropy_secret(slack_like).is_some());
        assert!(high_entropy_secret("ME9ByfpeDMANUUpa2sXojzdMHBy0WM0").is_some());
    }

    #[test]
    fn base64_secret_starting_with_slash_is_not_a_path() {
        let secret = format!("/{}", "q8Zt3LkW9vXp2Rb7Nc4Hd6Jf1Mg5aB3dE5fG7h");
        assert!(high_entropy_secret(&secret).is_some());
    }

    #[test]
    fn skips_auth_scheme_prefix() {
        let value = format!("Bearer {}", "q8Zt3LkW9vXp2Rb7Nc4Hd6Jf1Mg5");
        assert_eq!(high_entropy_secret(&value), Some(7..value.len()));
    }

    #[test]
    fn rejects_values_that_are_not_secrets() {
        for value in [
            "true",
            "12345678901234567890",
            "/home/someone-example/.config/tool/settings.json",
            "C:\\Users\\someone\\token.txt",
            "https://api.example.org/v1/token",
            "production-database-2024",
            "my_service_v2_backend_01",
            "${env:GITHUB_TOKEN}",
            "your-api-key-goes-here-123",
            "short1A",
            "correct horse battery staple 1",
            "abcdefghijklmnopqrstuvwxyz",
            "MyServiceConfigurationName",
            "DOT11_AUTH_ALGORITHM_RSNA_PSK",
            "MsV1_0ChangeCachedPassword",
            "super::super::Win32::Foundation::UNICODE_STRING",
            "PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(",
            "make_token(config.secret_seed)",
            "quote!(..100u32)",
            "[a-zA-Z0-9!/_+=.@-",
            "2016-09-08T21:47:36Z",
            "oauth2client<1.5dev",
            "ANOTHER_CONSTANT_NAME_HERE",
        ] {
            assert!(
                high_entropy_secret(value).is_none(),
                "{value:?} must not be reported"
            );
        }
    }
}
