//! Guarantees other crates rely on: references and placeholders are never secrets, masks never
//! reveal more than four characters, redaction removes every secret, and no input panics.

use std::borrow::Cow;

use mcpward_secrets::{Detector, is_placeholder, is_reference, is_secret_like_key, mask};
use proptest::prelude::*;

fn github_token() -> String {
    format!("ghp_{}", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A")
}

fn stripe_key() -> String {
    format!("sk_live_{}", "4q7Zt3LkW9vXp2Rb7Nc4Hd6J")
}

#[test]
fn references_are_never_reported_under_secret_keys() {
    let detector = Detector::global();
    for value in [
        "${GITHUB_TOKEN}",
        "${GITHUB_TOKEN:-}",
        "${env:GITHUB_PERSONAL_ACCESS_TOKEN}",
        "${input:github_token}",
        "$OPENAI_API_KEY",
        "%OPENAI_API_KEY%",
        "op://Engineering/GitHub Token/credential",
        "vault:secret/data/mcp#github_token",
        "keyring:mcpward/github",
        "{{ secrets.GITHUB_TOKEN }}",
        "${{ secrets.STRIPE_SECRET_KEY }}",
        "Bearer ${env:API_TOKEN}",
        "token ${GITHUB_TOKEN}",
    ] {
        for key in ["GITHUB_TOKEN", "Authorization", "api_key", "password"] {
            let found = detector.scan_value(Some(key), value);
            assert!(found.is_empty(), "{key}={value:?} reported: {found:?}");
        }
        let line = format!("API_TOKEN={value}\n\"password\": \"{value}\"");
        assert!(detector.scan_text(&line).is_empty(), "{line:?}");
    }
}

#[test]
fn placeholders_are_never_reported() {
    let detector = Detector::global();
    for value in [
        "",
        "<your-token>",
        "<YOUR_GITHUB_TOKEN>",
        "YOUR_API_KEY",
        "your-key-here",
        "xxxx",
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "changeme",
        "...",
        "***",
        "****************",
        "TODO",
        "sk-...",
        "sk-proj-...",
        "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "ghp_000000000000000000000000000000000000",
        "sk_live_XXXXXXXXXXXXXXXXXXXXXXXX",
        "AKIAXXXXXXXXXXXXXXXX",
        "AKIAIOSFODNN7EXAMPLE",
        "postgres://user:password@localhost:5432/db",
        "postgres://user:<password>@localhost:5432/db",
        "https://hooks.slack.com/services/TXXXXXXXX/BXXXXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX",
        "Bearer <token>",
        "REPLACE_WITH_YOUR_TOKEN",
        "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
    ] {
        for key in [None, Some("GITHUB_TOKEN"), Some("api_key")] {
            let found = detector.scan_value(key, value);
            assert!(found.is_empty(), "{key:?}={value:?} reported: {found:?}");
        }
        assert!(
            detector.scan_text(&format!("TOKEN={value}")).is_empty(),
            "{value:?}"
        );
    }
}

#[test]
fn ordinary_config_values_are_not_secrets() {
    let detector = Detector::global();
    for (key, value) in [
        ("command", "npx"),
        ("args", "-y"),
        ("args", "@modelcontextprotocol/server-github"),
        (
            "GITHUB_TOKEN_URL",
            "https://github.com/login/oauth/access_token",
        ),
        ("password_file", "/run/secrets/db_password"),
        ("auth_type", "oauth2-client-credentials"),
        ("token", "true"),
        ("api_key", "1234567890123456"),
        ("secret", "/home/someone-example/.config/mcp/secret.json"),
        ("TOKEN_ENV", "GITHUB_PERSONAL_ACCESS_TOKEN"),
        ("LOG_LEVEL", "q8Zt3LkW9vXp2Rb7Nc4Hd6Jf1Mg5"),
        ("url", "https://api.githubcopilot.com/mcp/"),
    ] {
        let found = detector.scan_value(Some(key), value);
        assert!(found.is_empty(), "{key}={value:?} reported: {found:?}");
    }
}

#[test]
fn is_reference_and_is_placeholder_agree_with_documented_examples() {
    assert!(is_reference("${env:GITHUB_TOKEN}"));
    assert!(!is_reference(&github_token()));
    assert!(is_placeholder("YOUR_API_KEY"));
    assert!(!is_placeholder(&github_token()));
    assert!(is_secret_like_key("X-Api-Key"));
    assert!(!is_secret_like_key("X-Request-Id"));
}

#[test]
fn mask_never_reveals_more_than_four_characters() {
    assert_eq!(mask(&github_token()), "ghp_…(40 chars)");
    assert_eq!(mask("abcdef"), "…(6 chars)");
    assert_eq!(mask("abcdefgh"), "…(8 chars)");
    assert_eq!(mask("abcdefghi"), "abcd…(9 chars)");
    assert_eq!(mask(""), "…(0 chars)");
    assert_eq!(mask("ééééééééé"), "éééé…(9 chars)");
}

#[test]
fn redact_replaces_every_secret() {
    let detector = Detector::global();
    let github = github_token();
    let stripe = stripe_key();
    let text = format!(
        "{{\"github\": \"{github}\", \"stripe\": \"{stripe}\"}}\nDB=postgres://app:Q7vLk2Zp9Xw4@db.internal/app\napi_key: q8Zt3LkW9vXp2Rb7Nc4Hd6Jf1Mg5\n"
    );
    let redacted = detector.redact(&text);
    for secret in [
        github.as_str(),
        stripe.as_str(),
        "Q7vLk2Zp9Xw4",
        "q8Zt3LkW9vXp2Rb7Nc4Hd6Jf1Mg5",
    ] {
        assert!(!redacted.contains(secret), "{secret} left in {redacted}");
        assert!(
            !redacted.contains(&secret[4..]),
            "tail of {secret} left in {redacted}"
        );
    }
    assert!(redacted.contains("ghp_…(40 chars)"));
    assert!(redacted.contains("postgres://app:Q7vL…(12 chars)@db.internal/app"));
    assert!(
        detector.scan_text(&redacted).is_empty(),
        "redaction left a secret: {redacted}"
    );
}

#[test]
fn pem_template_without_a_body_is_not_a_key() {
    let text =
        r#"let key = format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----", body);"#;
    assert!(Detector::global().scan_text(text).is_empty());
}

#[test]
fn escaped_newline_ends_an_unquoted_value() {
    let text = r#""config": "api_key: q8Zt3LkW9vXp2Rb7Nc4Hd6Jf1Mg5\nlog: info""#;
    let found = Detector::global().scan_text(text);
    assert_eq!(found.len(), 1);
    assert_eq!(
        &text[found[0].range.clone()],
        "q8Zt3LkW9vXp2Rb7Nc4Hd6Jf1Mg5"
    );
}

#[test]
fn escaped_line_end_ends_an_auth_header_value() {
    let header = r#""authorization: Bearer q8Zt3LkW9vXp2Rb7Nc4Hd6Jf1Mg5\r\n""#;
    let found = Detector::global().scan_text(header);
    assert_eq!(found.len(), 1);
    assert_eq!(
        &header[found[0].range.clone()],
        "q8Zt3LkW9vXp2Rb7Nc4Hd6Jf1Mg5"
    );
}

#[test]
fn redact_borrows_when_there_is_nothing_to_hide() {
    let text = "{\"command\": \"npx\", \"args\": [\"-y\", \"server\"], \"env\": {\"TOKEN\": \"${TOKEN}\"}}";
    assert!(matches!(Detector::global().redact(text), Cow::Borrowed(_)));
}

#[test]
fn detector_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync + std::fmt::Debug>() {}
    assert_send_sync::<Detector>();
    let token = github_token();
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| assert_eq!(Detector::global().scan_value(None, &token).len(), 1));
        }
    });
}

fn check_ranges(input: &str, found: &[mcpward_secrets::SecretMatch]) -> Result<(), TestCaseError> {
    let mut previous_end = 0;
    for m in found {
        prop_assert!(m.range.start < m.range.end, "empty range {:?}", m.range);
        prop_assert!(m.range.end <= input.len());
        prop_assert!(input.is_char_boundary(m.range.start));
        prop_assert!(input.is_char_boundary(m.range.end));
        prop_assert!(
            m.range.start >= previous_end,
            "overlapping matches {found:?}"
        );
        previous_end = m.range.end;
    }
    Ok(())
}

/// Strings biased towards the shapes the detector reacts to: literals, key words, separators,
/// quotes, multi-byte characters.
fn tricky_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("ghp_".to_owned()),
        Just("sk-".to_owned()),
        Just("AKIA".to_owned()),
        Just("eyJ".to_owned()),
        Just("-----BEGIN PRIVATE KEY-----".to_owned()),
        Just("postgres://".to_owned()),
        Just(":AA".to_owned()),
        Just("Q~".to_owned()),
        Just("TOKEN=".to_owned()),
        Just("\"api_key\": \"".to_owned()),
        Just("${".to_owned()),
        Just("Bearer ".to_owned()),
        Just("é".to_owned()),
        Just("\u{1F600}".to_owned()),
        "[A-Za-z0-9_\\-+/=.:@\"' ]{0,40}",
        any::<String>(),
    ];
    proptest::collection::vec(pieces, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn scanning_never_panics_and_ranges_are_char_boundaries(text in tricky_text(), key in any::<Option<String>>()) {
        let detector = Detector::global();
        let found = detector.scan_text(&text);
        check_ranges(&text, &found)?;
        let found = detector.scan_value(key.as_deref(), &text);
        check_ranges(&text, &found)?;
        let redacted = detector.redact(&text);
        prop_assert_eq!(matches!(redacted, Cow::Borrowed(_)), detector.scan_text(&text).is_empty());
        let _ = (is_reference(&text), is_placeholder(&text), is_secret_like_key(&text), mask(&text));
    }

    #[test]
    fn mask_shows_at_most_four_characters(secret in any::<String>()) {
        let masked = mask(&secret);
        let shown: String = masked.split('…').next().unwrap_or_default().to_owned();
        prop_assert!(shown.chars().count() <= 4);
        if secret.chars().count() <= 8 {
            prop_assert!(shown.is_empty());
        }
        prop_assert!(secret.starts_with(&shown));
    }
}

#[test]
fn database_password_is_reported_whatever_the_host() {
    let d = Detector::global();
    for host in [
        "db.example.com",
        "db.internal.example",
        "localhost",
        "10.0.0.5",
    ] {
        let url = format!("postgresql://app:Tr0ub4dor-Horse-Staple@{host}:5432/prod");
        let found = d.scan_value(None, &url);
        assert_eq!(found.len(), 1, "{url}: {found:?}");
        assert_eq!(&url[found[0].range.clone()], "Tr0ub4dor-Horse-Staple");
    }
}

#[test]
fn database_password_without_a_user_name_is_reported() {
    let d = Detector::global();
    let password = format!("p4ss{}", "W0rdXyz9");
    for url in [
        format!("redis://:{password}@redis.internal:6379/0"),
        format!("rediss://:{password}@cache.example.net:6380"),
    ] {
        let found = d.scan_value(Some("REDIS_URL"), &url);
        assert_eq!(found.len(), 1, "{url}: {found:?}");
        assert_eq!(&url[found[0].range.clone()], password);
    }
    assert!(
        d.scan_value(None, "redis://redis.internal:6379/0")
            .is_empty()
    );
    assert!(
        d.scan_value(None, "redis://:${REDIS_PASSWORD}@redis.internal:6379")
            .iter()
            .all(|m| m.kind != "database-url-password")
    );
}

#[test]
fn short_literal_bearer_token_in_an_authorization_header_is_reported() {
    let d = Detector::global();
    let value = "Bearer mcpTok3n2024";
    let found = d.scan_value(Some("Authorization"), value);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(&value[found[0].range.clone()], "mcpTok3n2024");
    for good in [
        "Bearer ${API_TOKEN}",
        "Bearer ${env:API_TOKEN}",
        "Bearer <your-token>",
        "Bearer YOUR_TOKEN",
        "Bearer token",
    ] {
        assert!(
            d.scan_value(Some("Authorization"), good).is_empty(),
            "{good}"
        );
    }
    // Other headers keep the entropy rule.
    assert!(d.scan_value(Some("X-Trace"), value).is_empty());
}
