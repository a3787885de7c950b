//! Key names (env vars, headers, flags) that usually hold secrets.

/// Key names that usually hold secrets (case-insensitive, `_`/`-` insensitive).
pub fn is_secret_like_key(key: &str) -> bool {
    let _ = key;
    false
}
