//! Package metadata for `--online` checks (staleness, missing repository, deprecation).
//!
//! Rules never talk to the network: [`crate::audit`] asks a [`PackageRegistry`] once per package
//! before the rules run. [`HttpRegistry`] is the real one; [`FixtureRegistry`] reads recorded
//! responses from a directory so tests (and offline reproductions) give the same answers.
//! [`network`] says how the real one reaches the registries (trust store, proxy, mirrors).

pub mod network;

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use serde_json::Value;

use network::{EnvLookup, NetworkSetup, RegistryBase};

/// What the rules need to know about one published package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageMeta {
    /// Time of the newest release.
    pub last_release: Option<Timestamp>,
    /// Source repository URL, when the package declares one.
    pub repository: Option<String>,
    /// Deprecation message of the newest release (npm `deprecated`, PyPI "Inactive" classifier).
    pub deprecated: Option<String>,
    /// Maintainer / publisher account names.
    pub maintainers: Vec<String>,
}

/// What to set when the registry's certificate is not trusted.
const TRUST_HINT: &str = "if a proxy or firewall on this network inspects HTTPS, add its CA \
certificate to the system trust store, or set SSL_CERT_FILE to a PEM file that holds it (with the \
public roots you still need)";

/// Why metadata could not be had.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("{registry} has no package named `{name}`; check the spelling in the config")]
    NotFound {
        registry: &'static str,
        name: String,
    },
    #[error("could not reach {url}{via}: {message}; check the network or run without --online")]
    Network {
        url: String,
        /// ` through proxy URL (from VARIABLE)`, or nothing.
        via: String,
        message: String,
    },
    #[error("the certificate of {host} is not trusted ({problem}){via}; {TRUST_HINT}")]
    Untrusted {
        host: String,
        problem: String,
        via: String,
    },
    #[error(
        "no trusted CA certificates were found on this machine ({message}); install the system's CA certificates package or set SSL_CERT_FILE to a PEM file of trusted certificates"
    )]
    NoTrustStore { message: String },
    #[error("cannot use SSL_CERT_FILE={}: {message}; point it at a PEM file of CA certificates, or unset it to use the system trust store", path.display())]
    CertFile { path: PathBuf, message: String },
    #[error(
        "cannot use the proxy {variable}={shown}: {message}; set it to a URL such as http://proxy.example.com:3128, or unset it"
    )]
    Proxy {
        variable: &'static str,
        shown: String,
        message: String,
    },
    #[error("cannot use {variable}={value}: {message}; or unset it to ask the public registry")]
    Mirror {
        variable: &'static str,
        value: String,
        message: String,
    },
    #[error("unexpected answer from {source_name}: {message}")]
    BadResponse {
        source_name: String,
        message: String,
    },
    #[error("cannot read fixture {path}: {message}")]
    Fixture { path: PathBuf, message: String },
}

/// Where package metadata comes from.
pub trait PackageRegistry {
    fn npm(&self, name: &str) -> Result<PackageMeta, RegistryError>;
    fn pypi(&self, name: &str) -> Result<PackageMeta, RegistryError>;
}

/// Queries the npm and PyPI registries (or the mirrors that replace them) over HTTPS, trusting
/// the operating system's certificates and going through the proxy the environment names.
#[derive(Debug)]
pub struct HttpRegistry {
    agent: ureq::Agent,
    setup: NetworkSetup,
}

impl HttpRegistry {
    /// Reads the network settings from this process's environment ([`network`] lists them).
    pub fn from_env() -> Result<HttpRegistry, RegistryError> {
        HttpRegistry::from_lookup(&|name: &str| std::env::var(name).ok())
    }

    /// Reads the network settings through `env` instead of the process environment.
    pub fn from_lookup(env: EnvLookup<'_>) -> Result<HttpRegistry, RegistryError> {
        Ok(HttpRegistry::with_setup(NetworkSetup::from_lookup(env)?))
    }

    pub fn with_setup(setup: NetworkSetup) -> HttpRegistry {
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(setup.trust.root_certs())
            .build();
        // The builder starts from ureq's defaults, which read the proxy variables in ureq's own
        // order; this one is replaced by ours (or removed) so only `network`'s rules apply.
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(20)))
            .http_status_as_error(false)
            .tls_config(tls)
            .proxy(setup.proxy.as_ref().map(|p| p.proxy.clone()))
            .build();
        HttpRegistry {
            agent: config.into(),
            setup,
        }
    }

    /// One line per registry replaced by a mirror variable, to show wherever the findings are
    /// shown: answers from a mirror must never pass for the public registry's.
    pub fn notes(&self) -> Vec<String> {
        [("npm", &self.setup.npm), ("PyPI", &self.setup.pypi)]
            .into_iter()
            .filter_map(|(name, base)| {
                base.replaced_by.map(|variable| {
                    format!(
                        "--online asks {} for {name} packages ({variable} is set)",
                        base.url
                    )
                })
            })
            .collect()
    }

    /// ` through proxy URL (from VARIABLE)` when `url` goes through the proxy, else nothing.
    fn via(&self, url: &str) -> String {
        let Some(p) = &self.setup.proxy else {
            return String::new();
        };
        let bypassed = url
            .parse::<ureq::http::Uri>()
            .is_ok_and(|uri| p.proxy.is_no_proxy(&uri));
        if bypassed {
            String::new()
        } else {
            format!(" through proxy {} (from {})", p.shown, p.variable)
        }
    }

    fn get(&self, registry: &'static str, name: &str, url: &str) -> Result<String, RegistryError> {
        let mut response = self
            .agent
            .get(url)
            .header("Accept", "application/json")
            .call()
            .map_err(|e| self.classify(url, e))?;
        let status = response.status().as_u16();
        if status == 404 {
            return Err(RegistryError::NotFound {
                registry,
                name: name.to_string(),
            });
        }
        if !(200..300).contains(&status) {
            return Err(RegistryError::Network {
                url: url.to_string(),
                via: self.via(url),
                message: format!("HTTP status {status}"),
            });
        }
        response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| self.classify(url, e))
    }

    /// Tells a certificate this machine does not trust (the usual sign of a TLS-inspecting
    /// proxy) apart from other failures, so the message says what to set.
    fn classify(&self, url: &str, error: ureq::Error) -> RegistryError {
        let via = self.via(url);
        match tls_error(&error) {
            Some(rustls::Error::InvalidCertificate(problem)) => RegistryError::Untrusted {
                host: host_of(url),
                problem: certificate_problem(problem),
                via,
            },
            Some(rustls::Error::General(message)) if message.contains("CA certificates") => {
                RegistryError::NoTrustStore {
                    message: message.clone(),
                }
            }
            _ => RegistryError::Network {
                url: url.to_string(),
                via,
                message: error.to_string(),
            },
        }
    }

    fn url(base: &RegistryBase, path: &str) -> String {
        format!("{}{path}", base.url)
    }
}

/// The rustls error behind a ureq error: ureq passes handshake failures up as I/O errors that
/// carry it.
fn tls_error(error: &ureq::Error) -> Option<&rustls::Error> {
    match error {
        ureq::Error::Rustls(e) => Some(e),
        ureq::Error::Io(io) => io.get_ref()?.downcast_ref::<rustls::Error>(),
        _ => None,
    }
}

/// The certificate error's name and what it means.
fn certificate_problem(problem: &rustls::CertificateError) -> String {
    use rustls::CertificateError as E;
    let meaning = match problem {
        E::UnknownIssuer => "it was issued by a CA this machine does not trust",
        E::NotValidForName | E::NotValidForNameContext { .. } => {
            "it was issued for another host name"
        }
        E::Expired | E::ExpiredContext { .. } => "it has expired",
        E::BadSignature => "its signature does not verify",
        _ => "",
    };
    let name = format!("{problem:?}");
    // Context variants carry their details after the name; the name is what users search for.
    let name = name
        .split([' ', '{', '('])
        .next()
        .unwrap_or_default()
        .to_string();
    if meaning.is_empty() {
        name
    } else {
        format!("{name}: {meaning}")
    }
}

fn host_of(url: &str) -> String {
    url.parse::<ureq::http::Uri>()
        .ok()
        .and_then(|u| u.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| url.to_string())
}

impl PackageRegistry for HttpRegistry {
    fn npm(&self, name: &str) -> Result<PackageMeta, RegistryError> {
        let url = HttpRegistry::url(&self.setup.npm, &format!("/{}", name.replace('/', "%2F")));
        parse_npm(&self.get("npm", name, &url)?, &url)
    }

    fn pypi(&self, name: &str) -> Result<PackageMeta, RegistryError> {
        let url = HttpRegistry::url(&self.setup.pypi, &format!("/pypi/{name}/json"));
        parse_pypi(&self.get("PyPI", name, &url)?, &url)
    }
}

/// Reads recorded registry answers: `<dir>/npm/<name>.json` and `<dir>/pypi/<name>.json`, where
/// a scoped npm name `@scope/pkg` is stored as `@scope__pkg.json`. A missing file is "not found".
#[derive(Debug, Clone)]
pub struct FixtureRegistry {
    dir: PathBuf,
}

impl FixtureRegistry {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        FixtureRegistry { dir: dir.into() }
    }

    fn read(
        &self,
        registry: &'static str,
        sub: &str,
        name: &str,
    ) -> Result<(String, PathBuf), RegistryError> {
        let file = self
            .dir
            .join(sub)
            .join(format!("{}.json", name.replace('/', "__")));
        match std::fs::read_to_string(&file) {
            Ok(text) => Ok((text, file)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(RegistryError::NotFound {
                registry,
                name: name.to_string(),
            }),
            Err(e) => Err(RegistryError::Fixture {
                path: file,
                message: e.to_string(),
            }),
        }
    }
}

impl PackageRegistry for FixtureRegistry {
    fn npm(&self, name: &str) -> Result<PackageMeta, RegistryError> {
        let (text, file) = self.read("npm", "npm", name)?;
        parse_npm(&text, &file.display().to_string())
    }

    fn pypi(&self, name: &str) -> Result<PackageMeta, RegistryError> {
        let (text, file) = self.read("PyPI", "pypi", name)?;
        parse_pypi(&text, &file.display().to_string())
    }
}

fn parse_json(text: &str, source: &str) -> Result<Value, RegistryError> {
    serde_json::from_str(text).map_err(|e| RegistryError::BadResponse {
        source_name: source.to_string(),
        message: e.to_string(),
    })
}

/// Reads an npm packument (`GET /<name>`).
pub fn parse_npm(text: &str, source: &str) -> Result<PackageMeta, RegistryError> {
    let doc = parse_json(text, source)?;
    let latest = doc.pointer("/dist-tags/latest").and_then(Value::as_str);
    let times = doc.get("time").and_then(Value::as_object);
    let last_release = match (latest, times) {
        (Some(v), Some(t)) => t
            .get(v)
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok()),
        _ => None,
    }
    .or_else(|| {
        times.and_then(|t| {
            t.iter()
                .filter(|(k, _)| *k != "created" && *k != "modified")
                .filter_map(|(_, v)| v.as_str()?.parse::<Timestamp>().ok())
                .max()
        })
    });
    let latest_doc = latest.and_then(|v| doc.get("versions")?.get(v));
    let repository = latest_doc
        .and_then(|d| d.get("repository"))
        .or_else(|| doc.get("repository"))
        .and_then(|r| r.as_str().or_else(|| r.get("url")?.as_str()))
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string);
    let deprecated = latest_doc
        .and_then(|d| d.get("deprecated"))
        .and_then(|d| {
            d.as_str()
                .map(str::to_string)
                .or_else(|| d.as_bool().filter(|b| *b).map(|_| "deprecated".into()))
        })
        .filter(|s| !s.is_empty());
    let maintainers = doc
        .get("maintainers")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|m| m.get("name")?.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Ok(PackageMeta {
        last_release,
        repository,
        deprecated,
        maintainers,
    })
}

/// Reads PyPI's JSON API answer (`GET /pypi/<name>/json`).
pub fn parse_pypi(text: &str, source: &str) -> Result<PackageMeta, RegistryError> {
    let doc = parse_json(text, source)?;
    let info = doc.get("info").ok_or_else(|| RegistryError::BadResponse {
        source_name: source.to_string(),
        message: "no `info` object".into(),
    })?;
    let last_release = doc.get("urls").and_then(Value::as_array).and_then(|files| {
        files
            .iter()
            .filter_map(|f| {
                f.get("upload_time_iso_8601")?
                    .as_str()?
                    .parse::<Timestamp>()
                    .ok()
            })
            .max()
    });
    let project_urls = info.get("project_urls").and_then(Value::as_object);
    let repository = project_urls
        .and_then(|urls| {
            urls.iter()
                .find(|(k, _)| {
                    let k = k.to_ascii_lowercase();
                    k.contains("source") || k.contains("repository") || k.contains("code")
                })
                .or_else(|| {
                    urls.iter().find(|(_, v)| {
                        v.as_str()
                            .is_some_and(|s| s.contains("github.com") || s.contains("gitlab.com"))
                    })
                })
                .and_then(|(_, v)| v.as_str())
        })
        .or_else(|| {
            info.get("home_page")
                .and_then(Value::as_str)
                .filter(|s| s.contains("github.com") || s.contains("gitlab.com"))
        })
        .map(str::to_string);
    let deprecated = info
        .get("classifiers")
        .and_then(Value::as_array)
        .and_then(|c| {
            c.iter()
                .filter_map(Value::as_str)
                .find(|c| c.contains("7 - Inactive"))
        })
        .map(|_| "the project is marked `Development Status :: 7 - Inactive`".to_string());
    let maintainers = ["author", "maintainer"]
        .iter()
        .filter_map(|k| info.get(*k)?.as_str())
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
        .collect();
    Ok(PackageMeta {
        last_release,
        repository,
        deprecated,
        maintainers,
    })
}

/// Path of the fixture file a [`FixtureRegistry`] reads for `name`.
pub fn fixture_path(dir: &Path, npm: bool, name: &str) -> PathBuf {
    dir.join(if npm { "npm" } else { "pypi" })
        .join(format!("{}.json", name.replace('/', "__")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_npm_latest_release_repository_and_deprecation() {
        let json = r#"{"dist-tags":{"latest":"1.0.0"},
            "time":{"created":"2024-01-01T00:00:00Z","modified":"2025-06-01T00:00:00Z","1.0.0":"2025-01-02T03:04:05.000Z"},
            "versions":{"1.0.0":{"deprecated":"use other-pkg","repository":{"type":"git","url":"git+https://github.com/o/r.git"}}},
            "maintainers":[{"name":"alice","email":"a@example.com"}]}"#;
        let m = parse_npm(json, "t").unwrap();
        assert_eq!(m.last_release.unwrap().to_string(), "2025-01-02T03:04:05Z");
        assert_eq!(
            m.repository.as_deref(),
            Some("git+https://github.com/o/r.git")
        );
        assert_eq!(m.deprecated.as_deref(), Some("use other-pkg"));
        assert_eq!(m.maintainers, vec!["alice"]);
    }

    #[test]
    fn reads_pypi_upload_time_and_source_url() {
        let json = r#"{"info":{"author":"bob","project_urls":{"Homepage":"https://example.com","Source":"https://github.com/o/r"},
            "classifiers":["Development Status :: 7 - Inactive"]},
            "urls":[{"upload_time_iso_8601":"2025-03-01T10:00:00.123456Z"}]}"#;
        let m = parse_pypi(json, "t").unwrap();
        assert_eq!(m.repository.as_deref(), Some("https://github.com/o/r"));
        assert!(m.deprecated.is_some());
        assert!(m.last_release.is_some());
    }

    #[test]
    fn reports_garbage_as_bad_response_not_panic() {
        assert!(matches!(
            parse_npm("<html>", "x"),
            Err(RegistryError::BadResponse { .. })
        ));
        assert!(matches!(
            parse_pypi("{}", "x"),
            Err(RegistryError::BadResponse { .. })
        ));
        assert!(parse_npm("{}", "x").unwrap().last_release.is_none());
    }

    #[test]
    fn fixture_registry_reports_missing_packages_as_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let r = FixtureRegistry::new(dir.path());
        assert!(matches!(r.npm("@a/b"), Err(RegistryError::NotFound { .. })));
        std::fs::create_dir_all(dir.path().join("npm")).unwrap();
        std::fs::write(
            fixture_path(dir.path(), true, "@a/b"),
            r#"{"dist-tags":{}}"#,
        )
        .unwrap();
        assert!(r.npm("@a/b").is_ok());
    }
}
