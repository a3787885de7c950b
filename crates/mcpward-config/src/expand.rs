//! Expanding a config value the way its client does at launch (`${VAR}`, `${env:VAR}`, …), for
//! commands that start a server themselves (`inspect`, `audit --deep`).
//!
//! Only the syntaxes the client expands ([`reference_syntaxes`]) are read; anything else is a
//! literal, as the client would pass it. A reference that cannot be resolved here is an error
//! naming it, never an empty string: a server started with a blank token fails in ways that hide
//! the cause.

use crate::clients::{ReferenceSyntax, reference_syntaxes};
use crate::model::ClientKind;

/// Why a value could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpandError {
    #[error("`{written}` refers to the environment variable {name}, which is not set")]
    Unset { name: String, written: String },
    #[error(
        "`{written}` is a VS Code input ({id}): only VS Code can ask for its value; set the value in the entry or use ${{env:VAR}}"
    )]
    Input { id: String, written: String },
    #[error("`{written}` is a Continue secret or input ({name}): only Continue can resolve it")]
    ClientSecret { name: String, written: String },
}

/// `value` with every reference `client` expands replaced by its value from `env`.
pub fn expand(
    client: ClientKind,
    value: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, ExpandError> {
    let syntaxes = reference_syntaxes(client);
    if syntaxes.is_empty() || !value.contains('$') {
        return Ok(value.to_string());
    }
    let has = |s: ReferenceSyntax| syntaxes.contains(&s);
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        match reference(tail, &has) {
            Some((len, reference)) => {
                let written = &tail[..len];
                out.push_str(&resolve(reference, written, env)?);
                rest = &tail[len..];
            }
            None => {
                out.push('$');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

enum Reference<'a> {
    Var(&'a str),
    VarOr(&'a str, &'a str),
    Input(&'a str),
    ClientSecret(&'a str),
}

fn resolve(
    reference: Reference<'_>,
    written: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, ExpandError> {
    match reference {
        Reference::Var(name) => env(name).ok_or_else(|| ExpandError::Unset {
            name: name.to_string(),
            written: written.to_string(),
        }),
        // Shell semantics, which Claude Code follows: the default also replaces an empty value.
        Reference::VarOr(name, default) => Ok(env(name)
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.to_string())),
        Reference::Input(id) => Err(ExpandError::Input {
            id: id.to_string(),
            written: written.to_string(),
        }),
        Reference::ClientSecret(name) => Err(ExpandError::ClientSecret {
            name: name.to_string(),
            written: written.to_string(),
        }),
    }
}

fn ident_len(s: &str) -> usize {
    let bytes = s.as_bytes();
    if !bytes
        .first()
        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
    {
        return 0;
    }
    bytes
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count()
}

/// The reference at the start of `s` (which starts with `$`) and its length in bytes.
fn reference<'a>(
    s: &'a str,
    has: &dyn Fn(ReferenceSyntax) -> bool,
) -> Option<(usize, Reference<'a>)> {
    if let Some(body) = s.strip_prefix("${{") {
        if !has(ReferenceSyntax::ContinueTemplate) {
            return None;
        }
        let end = body.find("}}")?;
        let inner = body[..end].trim();
        let name = inner
            .strip_prefix("secrets.")
            .or_else(|| inner.strip_prefix("inputs."))
            .unwrap_or(inner);
        return Some((3 + end + 2, Reference::ClientSecret(name)));
    }
    if let Some(body) = s.strip_prefix("${") {
        let end = body.find('}')?;
        let inner = &body[..end];
        let len = 2 + end + 1;
        if let Some(id) = inner.strip_prefix("input:") {
            return has(ReferenceSyntax::InputColon).then_some((len, Reference::Input(id)));
        }
        if let Some(name) = inner.strip_prefix("env:") {
            return (has(ReferenceSyntax::EnvColon) && ident_len(name) == name.len())
                .then_some((len, Reference::Var(name)));
        }
        let n = ident_len(inner);
        if n == 0 {
            return None;
        }
        if n == inner.len() && has(ReferenceSyntax::DollarBrace) {
            return Some((len, Reference::Var(inner)));
        }
        if let Some(default) = inner[n..].strip_prefix(":-")
            && has(ReferenceSyntax::DollarBraceDefault)
        {
            return Some((len, Reference::VarOr(&inner[..n], default)));
        }
        return None;
    }
    let n = ident_len(&s[1..]);
    (n > 0 && has(ReferenceSyntax::Dollar)).then(|| (1 + n, Reference::Var(&s[1..1 + n])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "TOKEN" => Some("t0k3n".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    fn x(client: ClientKind, value: &str) -> Result<String, ExpandError> {
        expand(client, value, &env)
    }

    #[test]
    fn claude_code_expands_braces_and_defaults() {
        let c = ClientKind::ClaudeCode;
        assert_eq!(x(c, "Bearer ${TOKEN}").unwrap(), "Bearer t0k3n");
        assert_eq!(x(c, "${MISSING:-/srv/data}").unwrap(), "/srv/data");
        assert_eq!(x(c, "${EMPTY:-fallback}").unwrap(), "fallback");
        assert_eq!(x(c, "${TOKEN:-x}").unwrap(), "t0k3n");
        // Not Claude Code's syntax: passed as written.
        assert_eq!(x(c, "$TOKEN ${env:TOKEN}").unwrap(), "$TOKEN ${env:TOKEN}");
    }

    #[test]
    fn an_unset_variable_is_named() {
        let err = x(ClientKind::ClaudeCode, "--key=${API_KEY}").unwrap_err();
        assert_eq!(
            err,
            ExpandError::Unset {
                name: "API_KEY".into(),
                written: "${API_KEY}".into()
            }
        );
        assert!(err.to_string().contains("API_KEY"), "{err}");
    }

    #[test]
    fn each_client_reads_only_its_own_syntax() {
        assert_eq!(
            x(ClientKind::ClaudeDesktop, "${TOKEN}").unwrap(),
            "${TOKEN}"
        );
        assert_eq!(x(ClientKind::Cursor, "${env:TOKEN}").unwrap(), "t0k3n");
        assert_eq!(x(ClientKind::Cursor, "${TOKEN}").unwrap(), "${TOKEN}");
        assert_eq!(
            x(ClientKind::GeminiCli, "$TOKEN/${TOKEN}").unwrap(),
            "t0k3n/t0k3n"
        );
        assert_eq!(x(ClientKind::GeminiCli, "cost: $5").unwrap(), "cost: $5");
        assert!(matches!(
            x(ClientKind::VsCode, "${input:gh-token}"),
            Err(ExpandError::Input { id, .. }) if id == "gh-token"
        ));
        assert!(matches!(
            x(ClientKind::Continue, "${{ secrets.GITHUB_TOKEN }}"),
            Err(ExpandError::ClientSecret { name, .. }) if name == "GITHUB_TOKEN"
        ));
    }

    #[test]
    fn unterminated_references_are_literal() {
        assert_eq!(x(ClientKind::ClaudeCode, "${TOKEN").unwrap(), "${TOKEN");
        assert_eq!(x(ClientKind::ClaudeCode, "a$").unwrap(), "a$");
        assert_eq!(x(ClientKind::ClaudeCode, "${}").unwrap(), "${}");
        assert_eq!(x(ClientKind::VsCode, "€${env:TOKEN}€").unwrap(), "€t0k3n€");
    }
}
