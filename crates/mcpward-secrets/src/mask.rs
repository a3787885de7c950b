//! Rendering a secret so a person can recognise which one it is without learning it.

/// At most the first 4 characters and the length: `ghp_…(40 chars)`. Never more of the secret.
/// Secrets of 8 chars or fewer show no prefix at all: `…(6 chars)`.
///
/// Four characters identify the credential type (`ghp_`, `sk-a`, `AKIA`) and so tell the reader
/// where to rotate it; more would start to reveal the random part.
pub fn mask(secret: &str) -> String {
    let chars = secret.chars().count();
    if chars <= 8 {
        return format!("…({chars} chars)");
    }
    let prefix: String = secret.chars().take(4).collect();
    format!("{prefix}…({chars} chars)")
}
