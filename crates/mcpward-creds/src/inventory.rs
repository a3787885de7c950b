//! Which credentials the discovered configs use, and where.
//!
//! Two sources, both reused from `audit` rather than re-detected:
//! - literal secrets, exactly as `hardcoded-secret` finds them ([`mcpward_audit::literal_secrets`]),
//!   identified by a short SHA-256 fingerprint of the value (the value itself is never kept);
//! - references: `${VAR}`, `${env:VAR}`, `$VAR`, `${input:id}`, Continue's `${{ secrets.X }}`,
//!   `op://…`, `vault:…`, `keyring:…`, and variable names a client passes through (Codex
//!   `env_vars`, Goose `env_keys`). A reference counts as a credential when its name or the key
//!   it sits under is secret-like (`*_TOKEN`, `Authorization`…), so `${HOME}` is not one.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use mcpward_config::{ClientKind, ConfigFile, ServerEntry, Spanned};
use mcpward_secrets::{Detector, is_secret_like_key};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// How a credential is written in the configs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Origin {
    /// An environment variable the client expands or passes through.
    Variable { name: String },
    /// A VS Code `${input:id}` (the client prompts once and keeps it in its secret store).
    Input { id: String },
    /// Continue's `${{ secrets.NAME }}`.
    ClientSecret { name: String },
    /// A secret-manager locator: `op://…`, `vault:…`, `keyring:…`.
    Manager { reference: String },
    /// The value itself is written in the file; only its fingerprint is kept.
    Literal { fingerprint: String },
}

/// A credential, named the way `mcpward creds rotated NAME` accepts it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct CredentialId(pub String);

impl fmt::Display for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Origin {
    /// The state key: `env:NAME`, `input:id`, `secret:NAME`, the reference, or `sha256:…`.
    pub fn id(&self) -> CredentialId {
        CredentialId(match self {
            Origin::Variable { name } => format!("env:{name}"),
            Origin::Input { id } => format!("input:{id}"),
            Origin::ClientSecret { name } => format!("secret:{name}"),
            Origin::Manager { reference } => reference.clone(),
            Origin::Literal { fingerprint } => format!("sha256:{fingerprint}"),
        })
    }

    /// The short name people type: the variable name, input id, reference or fingerprint.
    pub fn name(&self) -> &str {
        match self {
            Origin::Variable { name } | Origin::ClientSecret { name } => name,
            Origin::Input { id } => id,
            Origin::Manager { reference } => reference,
            Origin::Literal { fingerprint } => fingerprint,
        }
    }

    /// Word for the human table.
    pub fn label(&self) -> &'static str {
        match self {
            Origin::Variable { .. } => "env",
            Origin::Input { .. } => "input",
            Origin::ClientSecret { .. } => "secret",
            Origin::Manager { .. } => "manager",
            Origin::Literal { .. } => "literal",
        }
    }
}

/// One place a credential is used.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Usage {
    pub client: &'static str,
    pub server: String,
    pub file: PathBuf,
    pub line: u32,
    pub col: u32,
}

/// A credential and everything the configs say about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Credential {
    pub id: CredentialId,
    pub origin: Origin,
    /// From the token's format (literals, or a variable set in the environment), else from the
    /// variable's name (`GITHUB_TOKEN` → GitHub); `None` when neither tells.
    pub provider: Option<String>,
    /// Detector kind (`github-classic-pat`) when the value was seen.
    pub kind: Option<String>,
    /// The `overbroad-credential` knowledge: the narrower form to use instead.
    pub broad: Option<String>,
    pub uses: Vec<Usage>,
}

/// SHA-256 of the value, first 12 hex digits: enough to tell credentials apart, useless for
/// recovering one.
pub fn fingerprint(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    hex::encode(&digest[..6])
}

/// Every credential `files` use, sorted by id. `env` looks up environment variables so a
/// referenced token's format can tell its provider and breadth (the value is only scanned).
pub fn inventory(files: &[ConfigFile], env: &dyn Fn(&str) -> Option<String>) -> Vec<Credential> {
    let mut found: BTreeMap<CredentialId, Credential> = BTreeMap::new();
    for file in files {
        for entry in &file.servers {
            let mut add = |origin: Origin, seen: Seen, at: &Spanned<String>| {
                let usage = Usage {
                    client: file.client.id(),
                    server: entry.name.clone(),
                    file: file.path.clone(),
                    line: at.span.line,
                    col: at.span.col,
                };
                let id = origin.id();
                let c = found.entry(id.clone()).or_insert_with(|| Credential {
                    id,
                    origin,
                    provider: None,
                    kind: None,
                    broad: None,
                    uses: Vec::new(),
                });
                c.provider = c.provider.take().or(seen.provider);
                c.kind = c.kind.take().or(seen.kind);
                c.broad = c.broad.take().or(seen.broad);
                if !c.uses.contains(&usage) {
                    c.uses.push(usage);
                }
            };
            for s in mcpward_audit::literal_secrets(file, entry) {
                let Some(value) = file.source.get(s.file_range.clone()) else {
                    continue;
                };
                let at = Spanned::new(String::new(), s.span);
                add(
                    Origin::Literal {
                        fingerprint: fingerprint(value),
                    },
                    Seen {
                        provider: Some(s.provider.to_string()),
                        kind: Some(s.kind.to_string()),
                        broad: s.narrower.map(str::to_string),
                    },
                    &at,
                );
            }
            for (origin, at) in references(file.client, entry) {
                let seen = match &origin {
                    Origin::Variable { name } => seen_in_env(name, env),
                    _ => Seen::from_name(origin.name()),
                };
                add(origin, seen, at);
            }
        }
    }
    let mut out: Vec<Credential> = found.into_values().collect();
    for c in &mut out {
        c.uses.sort();
    }
    out
}

/// What is known about a credential's type.
#[derive(Debug, Default)]
struct Seen {
    provider: Option<String>,
    kind: Option<String>,
    broad: Option<String>,
}

impl Seen {
    fn from_name(name: &str) -> Seen {
        Seen {
            provider: provider_from_name(name),
            ..Seen::default()
        }
    }
}

fn seen_in_env(name: &str, env: &dyn Fn(&str) -> Option<String>) -> Seen {
    if let Some(value) = env(name)
        && let Some(m) = Detector::global()
            .scan_value(Some(name), &value)
            .into_iter()
            .find(|m| !m.kind.contains("generic") && !m.kind.contains("entropy"))
    {
        return Seen {
            provider: Some(m.provider.to_string()),
            kind: Some(m.kind.to_string()),
            broad: m.narrower.map(str::to_string),
        };
    }
    Seen::from_name(name)
}

/// A provider whose name appears in the variable's name: `GITHUB_TOKEN` → GitHub.
pub fn provider_from_name(name: &str) -> Option<String> {
    let squashed: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let mut best: Option<&str> = None;
    for (_, provider) in mcpward_secrets::kinds() {
        let p: String = provider
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if p.len() >= 3
            && !matches!(p.as_str(), "generic" | "password")
            && squashed.contains(&p)
            && best.is_none_or(|b| b.len() < provider.len())
        {
            best = Some(provider);
        }
    }
    best.map(str::to_string)
}

/// Every credential reference in an entry, with the value it sits in.
fn references(client: ClientKind, entry: &ServerEntry) -> Vec<(Origin, &Spanned<String>)> {
    let mut out = Vec::new();
    for (k, v) in &entry.env {
        scan(Some(&k.value), v, &mut out);
    }
    for (k, v) in &entry.headers {
        let key = if k.value.eq_ignore_ascii_case("authorization") {
            "authorization-token"
        } else {
            &k.value
        };
        scan(Some(key), v, &mut out);
    }
    for a in entry.command.iter().chain(&entry.args) {
        scan(None, a, &mut out);
    }
    if let Some(u) = &entry.url {
        scan(Some("url-token"), u, &mut out);
    }
    for name in &entry.env_passthrough {
        if is_secret_like_key(&name.value) || client == ClientKind::Codex {
            out.push((
                Origin::Variable {
                    name: name.value.clone(),
                },
                name,
            ));
        }
    }
    out
}

fn scan<'e>(
    key: Option<&str>,
    value: &'e Spanned<String>,
    out: &mut Vec<(Origin, &'e Spanned<String>)>,
) {
    let secret_key = key.is_some_and(is_secret_like_key);
    for origin in references_in(&value.value) {
        let counts = match &origin {
            Origin::Variable { name } => secret_key || is_secret_like_key(name),
            _ => true,
        };
        if counts {
            out.push((origin, value));
        }
    }
}

/// References written in one string value.
pub fn references_in(value: &str) -> Vec<Origin> {
    let trimmed = value.trim();
    for scheme in ["op://", "vault:", "keyring:"] {
        if trimmed.len() > scheme.len()
            && trimmed[..scheme.len()].eq_ignore_ascii_case(scheme)
            && !trimmed.contains(char::is_whitespace)
        {
            return vec![Origin::Manager {
                reference: trimmed.to_string(),
            }];
        }
    }
    let mut out = Vec::new();
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        let rest = &value[i + 1..];
        if let Some(body) = rest.strip_prefix("{{") {
            if let Some(end) = body.find("}}") {
                let inner = body[..end].trim();
                if let Some(name) = inner.strip_prefix("secrets.") {
                    out.push(Origin::ClientSecret {
                        name: name.trim().to_string(),
                    });
                }
                i += 1 + 2 + end + 2;
                continue;
            }
        } else if let Some(body) = rest.strip_prefix('{') {
            if let Some(end) = body.find('}') {
                let inner = &body[..end];
                let origin = if let Some(id) = inner.strip_prefix("input:") {
                    Some(Origin::Input { id: id.to_string() })
                } else {
                    let name = inner.strip_prefix("env:").unwrap_or(inner);
                    let name: String = name
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()))
                        .then_some(Origin::Variable { name })
                };
                out.extend(origin);
                i += 2 + end + 1;
                continue;
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) {
                i += 1 + name.len();
                out.push(Origin::Variable { name });
                continue;
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_reference_form() {
        let names =
            |v: &str| -> Vec<String> { references_in(v).into_iter().map(|o| o.id().0).collect() };
        assert_eq!(names("${GITHUB_TOKEN}"), ["env:GITHUB_TOKEN"]);
        assert_eq!(names("Bearer ${env:API_KEY}"), ["env:API_KEY"]);
        assert_eq!(names("${TOKEN:-x}"), ["env:TOKEN"]);
        assert_eq!(names("$SLACK_TOKEN"), ["env:SLACK_TOKEN"]);
        assert_eq!(names("${input:gh-token}"), ["input:gh-token"]);
        assert_eq!(names("${{ secrets.NOTION_KEY }}"), ["secret:NOTION_KEY"]);
        assert_eq!(
            names("op://Private/GitHub/token"),
            ["op://Private/GitHub/token"]
        );
        assert_eq!(names("keyring:mcpward/GH"), ["keyring:mcpward/GH"]);
        assert!(names("price: $5").is_empty());
    }

    #[test]
    fn provider_comes_from_the_variable_name() {
        assert_eq!(
            provider_from_name("GITHUB_PERSONAL_ACCESS_TOKEN").as_deref(),
            Some("GitHub")
        );
        assert_eq!(provider_from_name("MY_TOKEN"), None);
    }

    #[test]
    fn fingerprint_is_short_and_stable() {
        assert_eq!(fingerprint("abc").len(), 12);
        assert_eq!(fingerprint("abc"), fingerprint("abc"));
        assert_ne!(fingerprint("abc"), fingerprint("abd"));
    }
}
