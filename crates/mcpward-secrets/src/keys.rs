//! Key names (env vars, headers, flags, JSON keys) that usually hold secrets.
//!
//! The name decides whether a value that matches no provider pattern still deserves an entropy
//! check: `GITHUB_TOKEN=3f9c…` is a credential, `LOG_FORMAT=3f9c…` is not. Names are compared
//! after lowercasing and dropping `_`, `-`, `.` and spaces, so `API_KEY`, `api-key`, `apiKey` and
//! `--api-key` are one name.

/// Fragments that make a normalised key secret-like wherever they occur.
const SECRET_WORDS: &[&str] = &[
    "token",
    "secret",
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "apikey",
    "accesskey",
    "privatekey",
    "secretkey",
    "signingkey",
    "encryptionkey",
    "masterkey",
    "sessionkey",
    "clientkey",
    "credential",
    "creds",
    "auth",
    "bearer",
    "cookie",
    "hmac",
];

/// Endings that name something about a secret rather than the secret itself
/// (`TOKEN_URL`, `password_file`, `auth_type`, `max_tokens`).
const DESCRIPTIVE_SUFFIXES: &[&str] = &[
    "url",
    "uri",
    "endpoint",
    "host",
    "file",
    "path",
    "dir",
    "type",
    "method",
    "mode",
    "provider",
    "name",
    "env",
    "envvar",
    "var",
    "ref",
    "id",
    "enabled",
    "expiry",
    "expires",
    "expiresat",
    "ttl",
    "header",
    "length",
    "limit",
    "count",
    "size",
    "format",
    "prefix",
    "source",
    "command",
    "cmd",
    "helper",
    "scope",
    "scopes",
    "usage",
    "tokens",
    "required",
    "policy",
    "strategy",
    "flow",
    "kind",
    "store",
    "backend",
    "timeout",
    "version",
    "location",
    "audience",
    "issuer",
    "lastused",
    "updated",
    "changed",
    "created",
    "date",
    "time",
    "age",
    "rotation",
    "hint",
];

/// Names ending in `token` that are not credentials: pagination cursors, idempotency keys,
/// MCP progress tokens. Their values are random by design, so the entropy check cannot tell.
const NON_SECRET_TOKENS: &[&str] = &[
    "progresstoken",
    "nexttoken",
    "pagetoken",
    "paginationtoken",
    "continuationtoken",
    "resumptiontoken",
    "synctoken",
    "changetoken",
    "requesttoken",
    "clientrequesttoken",
    "idempotencytoken",
    "cancellationtoken",
    "starttoken",
    "endtoken",
    "lasttoken",
];

/// Names ending in `key` that are not credentials.
const NON_SECRET_KEYS: &[&str] = &[
    "publickey",
    "sortkey",
    "primarykey",
    "foreignkey",
    "partitionkey",
    "hotkey",
    "shortcutkey",
    "cachekey",
    "idempotencykey",
    "groupkey",
    "routingkey",
    "lookupkey",
    "hashkey",
    "rangekey",
];

/// Key names that usually hold secrets (case-insensitive, `_`/`-` insensitive).
pub fn is_secret_like_key(key: &str) -> bool {
    let normalised: String = key
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | '.' | ' ' | '"' | '\''))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if normalised.is_empty() || normalised.len() > 128 {
        return false;
    }
    // Vault AppRole's `secret_id` is the secret even though `…id` usually is not.
    if normalised.ends_with("secretid") {
        return true;
    }
    if DESCRIPTIVE_SUFFIXES
        .iter()
        .any(|suffix| normalised.ends_with(suffix) && normalised.len() > suffix.len())
    {
        return false;
    }
    if normalised.contains("author") && !normalised.contains("authorization") {
        return false;
    }
    if NON_SECRET_TOKENS.iter().any(|t| normalised.ends_with(t)) {
        return false;
    }
    // `auth_public_key`, `sort_key`: the last word decides, whatever came before it.
    if NON_SECRET_KEYS.iter().any(|k| normalised.ends_with(k)) {
        return false;
    }
    if SECRET_WORDS.iter().any(|word| normalised.contains(word)) {
        return true;
    }
    let ends_in_key = normalised.ends_with("key") && !normalised.ends_with("monkey");
    ends_in_key || normalised.ends_with("pat")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_common_secret_key_names() {
        for key in [
            "GITHUB_TOKEN",
            "GITHUB_PERSONAL_ACCESS_TOKEN",
            "api_key",
            "apiKey",
            "X-API-Key",
            "--api-key",
            "Authorization",
            "OPENAI_KEY",
            "client_secret",
            "DB_PASSWORD",
            "private_key",
            "AWS_SECRET_ACCESS_KEY",
            "credentials",
            "GITLAB_PAT",
            "secret_id",
            "auth",
        ] {
            assert!(is_secret_like_key(key), "{key} should be secret-like");
        }
    }

    #[test]
    fn ignores_names_that_describe_rather_than_hold_secrets() {
        for key in [
            "TOKEN_URL",
            "password_file",
            "auth_type",
            "max_tokens",
            "author",
            "public_key",
            "PATH",
            "command",
            "LOG_LEVEL",
            "secret_name",
            "progressToken",
            "NextToken",
            "ClientRequestToken",
            "auth_public_key",
            "PasswordLastUsed",
            "",
        ] {
            assert!(!is_secret_like_key(key), "{key} should not be secret-like");
        }
    }
}
