//! Secrets of `mcpward serve`: the upstream credential headers of a route (`${REF}` templates
//! resolved from mcpward's secret references), the route's secrets, and the bearer tokens clients
//! must present. Values are only ever held as [`Secret`]s or inside a header value marked
//! sensitive; no error quotes one.

use std::path::{Path, PathBuf};

use mcpward_creds::{Resolver, Secret, SecretRef};
use subtle::ConstantTimeEq as _;

/// What a template error's hint says.
pub const TEMPLATE_HINT: &str = "write the header value with ${REF} where the secret goes, e.g. \"Bearer ${keyring:mcpward/API_TOKEN}\" or \"${env:API_KEY}\"";

/// Why a secret could not be had: mcpward does not start without it.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// A reference did not resolve.
    #[error("route `{route}`, {what}: {source}")]
    Resolve {
        /// The route.
        route: String,
        /// Which header or secret.
        what: String,
        /// Why.
        #[source]
        source: Box<mcpward_creds::ResolveError>,
    },
    /// The tokens file could not be read or is unsafe.
    #[error("cannot use the tokens file {}: {problem}\n  hint: {fix}", path.display())]
    TokensFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
        /// What to do.
        fix: String,
    },
    /// A client token reference did not resolve.
    #[error("[listen] tokens: {0}")]
    Token(#[source] Box<mcpward_creds::ResolveError>),
}

/// A header value template: literal text and `${REF}` parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Text as written.
    Text(String),
    /// A secret reference, replaced by its value.
    Secret(SecretRef),
}

/// Splits `Bearer ${keyring:mcpward/T}` into its parts; `$$` is a literal `$`.
pub fn parse_template(value: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut rest = value;
    while let Some(pos) = rest.find('$') {
        text.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            text.push('$');
            rest = tail;
            continue;
        }
        let Some(body) = after.strip_prefix('{') else {
            return Err("a `$` that does not start ${REF} (write $$ for a literal $)".to_owned());
        };
        let Some(end) = body.find('}') else {
            return Err("an unclosed ${".to_owned());
        };
        let reference = SecretRef::parse(&body[..end])
            .map_err(|_| format!("`{}` is not a secret reference", &body[..end]))?;
        if !text.is_empty() {
            parts.push(Part::Text(std::mem::take(&mut text)));
        }
        parts.push(Part::Secret(reference));
        rest = &body[end + 1..];
    }
    text.push_str(rest);
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(parts)
}

/// A resolved header: the full value, and the secret values in it (masked in responses).
#[derive(Clone)]
pub struct ResolvedHeader {
    /// The header's name.
    pub name: String,
    /// The value to send.
    pub value: Secret,
    /// The secrets the value contains.
    pub secrets: Vec<Secret>,
}

impl std::fmt::Debug for ResolvedHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResolvedHeader")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The resolver `mcpward run` uses: the OS keychain, mcpward's environment, `op` and `vault`
/// from `PATH`.
fn with_resolver<T>(f: impl FnOnce(&Resolver<'_>) -> T) -> T {
    let env = |name: &str| std::env::var(name).ok();
    let resolver = Resolver {
        store: &mcpward_creds::OsKeychain,
        env: &env,
        path: std::env::var_os("PATH"),
    };
    f(&resolver)
}

/// Resolves a route's headers.
pub fn resolve_headers(
    route: &str,
    headers: &[(String, String)],
) -> Result<Vec<ResolvedHeader>, CredentialError> {
    with_resolver(|resolver| {
        headers
            .iter()
            .map(|(name, template)| {
                let parts = parse_template(template).unwrap_or_default();
                let mut value = String::new();
                let mut secrets = Vec::new();
                for part in parts {
                    match part {
                        Part::Text(t) => value.push_str(&t),
                        Part::Secret(r) => {
                            let s = resolver.resolve(&r).map_err(|source| {
                                CredentialError::Resolve {
                                    route: route.to_owned(),
                                    what: format!("header {name}"),
                                    source: Box::new(source),
                                }
                            })?;
                            value.push_str(s.expose());
                            secrets.push(s);
                        }
                    }
                }
                Ok(ResolvedHeader {
                    name: name.clone(),
                    value: Secret::new(value),
                    secrets,
                })
            })
            .collect()
    })
}

/// Resolves a route's `secrets` table.
pub fn resolve_secrets(
    route: &str,
    secrets: &[(String, String)],
) -> Result<Vec<(String, Secret)>, CredentialError> {
    with_resolver(|resolver| {
        secrets
            .iter()
            .map(|(name, reference)| {
                let resolved = SecretRef::parse(reference)
                    .and_then(|r| resolver.resolve(&r))
                    .map_err(|source| CredentialError::Resolve {
                        route: route.to_owned(),
                        what: format!("secret {name}"),
                        source: Box::new(source),
                    })?;
                Ok((name.clone(), resolved))
            })
            .collect()
    })
}

/// The bearer tokens clients may present.
#[derive(Clone, Default)]
pub struct Tokens(Vec<Secret>);

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tokens({} configured)", self.0.len())
    }
}

/// Tokens shorter than this are refused: a bearer token must not be guessable.
pub const MIN_TOKEN_LEN: usize = 16;

impl Tokens {
    /// Reads the tokens file (one a line; `#` comments and blank lines ignored; it must be the
    /// user's and unreadable by others) and resolves the references.
    pub fn load(file: Option<&Path>, references: &[String]) -> Result<Tokens, CredentialError> {
        let mut tokens = Vec::new();
        if let Some(path) = file {
            let bad = |problem: String, fix: &str| CredentialError::TokensFile {
                path: path.to_path_buf(),
                problem,
                fix: fix.to_owned(),
            };
            let meta = std::fs::metadata(path)
                .map_err(|e| bad(e.to_string(), "check [listen] tokens_file"))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                if meta.permissions().mode() & 0o077 != 0 {
                    return Err(bad(
                        format!(
                            "it has mode {:04o}, so other users can read the tokens",
                            meta.permissions().mode() & 0o7777
                        ),
                        "chmod 600 it (and replace the tokens, which may be known)",
                    ));
                }
            }
            let text = std::fs::read_to_string(path)
                .map_err(|e| bad(e.to_string(), "check [listen] tokens_file"))?;
            for (n, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                if line.len() < MIN_TOKEN_LEN {
                    return Err(bad(
                        format!(
                            "the token on line {} is shorter than {MIN_TOKEN_LEN} characters",
                            n + 1
                        ),
                        "use long random tokens, e.g. `openssl rand -hex 32`",
                    ));
                }
                tokens.push(Secret::new(line.to_owned()));
            }
        }
        for reference in references {
            let t = with_resolver(|resolver| {
                SecretRef::parse(reference).and_then(|r| resolver.resolve(&r))
            })
            .map_err(|e| CredentialError::Token(Box::new(e)))?;
            tokens.push(t);
        }
        Ok(Tokens(tokens))
    }

    /// Whether any token is configured (then every request must carry one).
    pub fn required(&self) -> bool {
        !self.0.is_empty()
    }

    /// The index of the token `candidate` is, compared in constant time against every token.
    pub fn find(&self, candidate: &str) -> Option<usize> {
        let mut found = None;
        for (i, t) in self.0.iter().enumerate() {
            if bool::from(t.expose().as_bytes().ct_eq(candidate.as_bytes())) && found.is_none() {
                found = Some(i);
            }
        }
        found
    }

    /// Test and bench helper: tokens given as values.
    pub fn from_values(values: Vec<String>) -> Tokens {
        Tokens(values.into_iter().map(Secret::new).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_split_into_text_and_references() {
        assert_eq!(
            parse_template("Bearer ${env:UPSTREAM_TOKEN}").unwrap(),
            vec![
                Part::Text("Bearer ".into()),
                Part::Secret(SecretRef::Env("UPSTREAM_TOKEN".into()))
            ]
        );
        assert_eq!(
            parse_template("a$$b").unwrap(),
            vec![Part::Text("a$b".into())]
        );
        assert!(parse_template("Bearer ${hunter2}").is_err());
        assert!(parse_template("Bearer $TOKEN").is_err());
        assert!(parse_template("Bearer ${env:X").is_err());
    }

    #[test]
    fn headers_resolve_from_the_environment_of_mcpward() {
        // A variable every process has, standing in for a token.
        let resolved = resolve_headers("r", &[("X-Path".into(), "p=${env:PATH}".into())]).unwrap();
        let path = std::env::var("PATH").unwrap();
        assert_eq!(resolved[0].value.expose(), format!("p={path}"));
        assert_eq!(resolved[0].secrets[0].expose(), path);
        assert!(!format!("{resolved:?}").contains(&path));
    }

    #[test]
    fn tokens_are_found_by_value_only() {
        let tokens = Tokens::from_values(vec!["a".repeat(20), "b".repeat(20)]);
        assert_eq!(tokens.find(&"b".repeat(20)), Some(1));
        assert_eq!(tokens.find(&"b".repeat(19)), None);
        assert_eq!(tokens.find(""), None);
    }

    #[test]
    fn a_tokens_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens");
        std::fs::write(&path, format!("# clients\n{}\n", "c".repeat(32))).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Tokens::load(Some(&path), &[]).unwrap_err().to_string();
        assert!(err.contains("mode 0644"), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let tokens = Tokens::load(Some(&path), &[]).unwrap();
        assert_eq!(tokens.find(&"c".repeat(32)), Some(0));
    }
}
