//! Secret references: the good way to put a secret in a config.

/// `${VAR}`, `${VAR:-default}`, `${env:VAR}`, `${input:id}`, `$VAR`, `%VAR%`,
/// `op://vault/item/field`, `vault:...`, `keyring:service/account`, `{{ secrets.X }}` style
/// templates: the value is (only) a reference.
pub fn is_reference(value: &str) -> bool {
    let _ = value;
    false
}

/// True if the value contains a reference anywhere (e.g. `Bearer ${env:TOKEN}`).
pub fn contains_reference(value: &str) -> bool {
    let _ = value;
    false
}
