//! Secret references: the good way to put a secret in a config.
//!
//! A reference names where the secret lives (an environment variable, a VS Code input, a
//! 1Password item, a Vault path, the OS keyring) instead of containing it. Clients expand
//! them at launch time, so the file on disk holds nothing worth stealing.

use std::ops::Range;

/// `${VAR}`, `${VAR:-default}`, `${env:VAR}`, `${input:id}`, `$VAR`, `%VAR%`,
/// `op://vault/item/field`, `vault:...`, `keyring:service/account`, `{{ secrets.X }}` style
/// templates: the value is (only) a reference.
///
/// Surrounding whitespace is ignored. A `${VAR:-default}` whose default is itself a literal
/// secret is still a reference here; [`crate::Detector::scan_value`] reports the default.
pub fn is_reference(value: &str) -> bool {
    let value = value.trim();
    if value.is_empty() {
        return false;
    }
    if let Some(rest) = scheme_reference(value) {
        return !rest.is_empty() && !rest.chars().any(char::is_whitespace);
    }
    matches!(reference_at(value, 0), Some(r) if r.whole.end == value.len())
}

/// True if the value contains a reference anywhere (e.g. `Bearer ${env:TOKEN}`).
pub fn contains_reference(value: &str) -> bool {
    is_reference(value) || !reference_spans(value).is_empty()
}

/// Byte ranges of the parts of `value` that belong to references and cannot hold a literal
/// secret (the default of `${VAR:-default}` is left out: a secret there is a literal).
pub(crate) fn reference_spans(value: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let trimmed = value.trim_start();
    if scheme_reference(trimmed).is_some() {
        let start = value.len() - trimmed.len();
        let end = trimmed
            .find(char::is_whitespace)
            .map_or(value.len(), |i| start + i);
        spans.push(start..end);
        return spans;
    }
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if matches!(bytes[i], b'$' | b'%' | b'{')
            && let Some(r) = reference_at(value, i)
        {
            match r.default {
                Some(d) => {
                    spans.push(r.whole.start..d.start);
                    spans.push(d.end..r.whole.end);
                }
                None => spans.push(r.whole.clone()),
            }
            i = r.whole.end;
            continue;
        }
        i += 1;
    }
    spans
}

/// `op://`, `vault:`, `keyring:` and friends: the rest of the value is a locator, not a secret.
fn scheme_reference(value: &str) -> Option<&str> {
    const SCHEMES: &[&str] = &[
        "op://",
        "vault:",
        "vault://",
        "keyring:",
        "keychain:",
        "secret-tool:",
        "aws-sm:",
        "awssm:",
        "gcp-sm:",
        "azure-kv:",
        "sops:",
        "env:",
    ];
    SCHEMES.iter().find_map(|scheme| {
        value
            .get(..scheme.len())
            .filter(|head| head.eq_ignore_ascii_case(scheme))
            .map(|_| &value[scheme.len()..])
    })
}

struct Found {
    whole: Range<usize>,
    default: Option<Range<usize>>,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Parses one reference starting exactly at byte `at`.
fn reference_at(value: &str, at: usize) -> Option<Found> {
    let bytes = value.as_bytes();
    let rest = &bytes[at..];
    match rest.first()? {
        b'$' => match rest.get(1)? {
            b'{' if rest.get(2) == Some(&b'{') => template_at(value, at + 1).map(|end| Found {
                whole: at..end,
                default: None,
            }),
            b'{' => braced_at(value, at),
            &b if is_ident_start(b) => {
                let len = rest[1..].iter().take_while(|&&b| is_ident(b)).count();
                Some(Found {
                    whole: at..at + 1 + len,
                    default: None,
                })
            }
            _ => None,
        },
        b'%' => {
            let name_len = rest[1..].iter().take_while(|&&b| is_ident(b)).count();
            (name_len > 0 && is_ident_start(rest[1]) && rest.get(1 + name_len) == Some(&b'%')).then(
                || Found {
                    whole: at..at + name_len + 2,
                    default: None,
                },
            )
        }
        b'{' if rest.get(1) == Some(&b'{') => template_at(value, at).map(|end| Found {
            whole: at..end,
            default: None,
        }),
        _ => None,
    }
}

/// `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${env:NAME}`, `${input:id}`.
fn braced_at(value: &str, at: usize) -> Option<Found> {
    let bytes = value.as_bytes();
    let mut i = at + 2;
    // Optional `env:` / `input:` / `secret:` style namespace (VS Code, Cursor).
    let ns_len = bytes[i..]
        .iter()
        .take_while(|&&b| b.is_ascii_alphabetic())
        .count();
    if ns_len > 0
        && bytes.get(i + ns_len) == Some(&b':')
        && bytes
            .get(i + ns_len + 1)
            .is_some_and(|&b| is_ident_start(b))
    {
        i += ns_len + 1;
    }
    let namespaced = i > at + 2;
    let name_start = i;
    // Without a namespace `-` starts a `${VAR-default}` default; VS Code input ids may contain it.
    while i < bytes.len()
        && (is_ident(bytes[i]) || bytes[i] == b'.' || (namespaced && bytes[i] == b'-'))
    {
        i += 1;
    }
    if i == name_start || !(is_ident_start(bytes[name_start]) || bytes[name_start].is_ascii_digit())
    {
        return None;
    }
    match bytes.get(i)? {
        b'}' => Some(Found {
            whole: at..i + 1,
            default: None,
        }),
        b':' | b'-' | b'=' => {
            // `:-`, `:=`, `:?`, `-`, `=` defaults; the default runs to the matching `}`.
            let mut j = i + 1;
            if bytes[i] == b':' && matches!(bytes.get(j), Some(b'-' | b'=' | b'?' | b'+')) {
                j += 1;
            }
            let default_start = j;
            let mut depth = 1usize;
            while j < bytes.len() {
                match bytes[j] {
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(Found {
                                whole: at..j + 1,
                                default: Some(default_start..j),
                            });
                        }
                    }
                    b'\n' => return None,
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => None,
    }
}

/// `{{ secrets.X }}`, `{{ .Env.X }}`, `{{env "X"}}`: a template expression; returns the end.
fn template_at(value: &str, at: usize) -> Option<usize> {
    let body_start = at + 2;
    let close = value.get(body_start..)?.find("}}")?;
    let body = value[body_start..body_start + close].trim();
    let simple = !body.is_empty()
        && body.len() <= 200
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'_' | b'.' | b' ' | b'"' | b'\'' | b'-' | b'|')
        });
    simple.then_some(body_start + close + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_every_documented_reference_form() {
        for value in [
            "${GITHUB_TOKEN}",
            "${GITHUB_TOKEN:-}",
            "${API_KEY:-fallback}",
            "${env:GITHUB_TOKEN}",
            "${input:github-token}",
            "$GITHUB_TOKEN",
            "%GITHUB_TOKEN%",
            "op://Private/GitHub/token",
            "vault:secret/data/github#token",
            "keyring:mcpward/github",
            "{{ secrets.GITHUB_TOKEN }}",
            "${{ secrets.GITHUB_TOKEN }}",
            "  ${TOKEN}  ",
        ] {
            assert!(is_reference(value), "{value:?} should be a reference");
        }
    }

    #[test]
    fn literal_values_are_not_references() {
        for value in [
            "",
            "ghp_abc",
            "Bearer ${TOKEN}",
            "${TOKEN} extra",
            "$",
            "${}",
            "%%",
            "100%",
            "{{ not closed",
            "op://",
        ] {
            assert!(!is_reference(value), "{value:?} should not be a reference");
        }
    }

    #[test]
    fn finds_references_inside_longer_values() {
        assert!(contains_reference("Bearer ${env:TOKEN}"));
        assert!(contains_reference("token $TOKEN"));
        assert!(contains_reference("https://x/?k=%API_KEY%"));
        assert!(!contains_reference("plain value"));
        assert!(!contains_reference("price: $5"));
    }

    #[test]
    fn default_of_reference_is_not_covered() {
        let value = "${TOKEN:-literal}";
        let spans = reference_spans(value);
        let default = value.find("literal").unwrap_or_default();
        assert!(spans.iter().all(|s| !s.contains(&default)));
    }
}
