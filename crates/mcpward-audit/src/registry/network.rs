//! How `--online` reaches the registries: which certificates it trusts, which proxy it goes
//! through, and which registry it asks. Everything is read from the environment once, through a
//! lookup function, so the rules for each variable are plain functions that tests call with the
//! variables they want (never by changing the test process's environment).
//!
//! - Trust: the operating system's trust store, through rustls-platform-verifier, so a CA that an
//!   organisation installed for its TLS-inspecting proxy is trusted. `SSL_CERT_FILE` names a PEM
//!   file whose certificates are trusted instead (OpenSSL's meaning, the one curl and Python
//!   follow); on Linux and the BSDs `SSL_CERT_DIR` works the same way.
//! - Proxy: `HTTPS_PROXY`, then `ALL_PROXY` (either spelling), with `NO_PROXY` naming the hosts
//!   reached directly. `HTTP_PROXY` is not used: every registry request is HTTPS, and curl does
//!   not use it for HTTPS either.
//! - Registries: `MCPWARD_NPM_REGISTRY` and `MCPWARD_PYPI_REGISTRY` replace the public ones with
//!   a mirror (HTTPS only). A replaced registry is always named in the output.

use std::path::PathBuf;

use ureq::tls::{Certificate, PemItem, RootCerts};

use super::RegistryError;

/// Reads one environment variable; `None` when unset or not valid UTF-8.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Where the public registries are.
pub const NPM_REGISTRY: &str = "https://registry.npmjs.org";
pub const PYPI_REGISTRY: &str = "https://pypi.org";

/// Whether the platform verifier itself reads `SSL_CERT_FILE` and `SSL_CERT_DIR`: on Linux and
/// the BSDs it loads roots with rustls-native-certs, which does; on macOS and Windows it asks the
/// operating system, which does not.
const VERIFIER_READS_SSL_ENV: bool = cfg!(all(
    unix,
    not(target_os = "android"),
    not(target_vendor = "apple")
));

/// The certificates `--online` trusts.
#[derive(Debug, Clone)]
pub enum Trust {
    /// The operating system's verifier and trust store (and, on Linux, `SSL_CERT_FILE` /
    /// `SSL_CERT_DIR` when set, which it reads itself).
    Platform,
    /// Only the certificates in `SSL_CERT_FILE` (where the platform verifier would not read it).
    CertFile {
        path: PathBuf,
        certs: Vec<Certificate<'static>>,
    },
}

impl Trust {
    pub(crate) fn root_certs(&self) -> RootCerts {
        match self {
            Trust::Platform => RootCerts::PlatformVerifier,
            Trust::CertFile { certs, .. } => RootCerts::from(certs.iter().cloned()),
        }
    }
}

/// Decides what to trust. `verifier_reads_env`: whether the platform verifier reads
/// `SSL_CERT_FILE` itself (Linux and the BSDs).
pub fn trust_from(env: EnvLookup<'_>, verifier_reads_env: bool) -> Result<Trust, RegistryError> {
    let Some(path) = env("SSL_CERT_FILE").filter(|p| !p.is_empty()) else {
        return Ok(Trust::Platform);
    };
    let path = PathBuf::from(path);
    // Read here even where the verifier reads it too: it would only log a file it cannot use
    // and then fail every connection with a message that does not name the file.
    let certs = read_pem_certificates(&path)?;
    if verifier_reads_env {
        Ok(Trust::Platform)
    } else {
        Ok(Trust::CertFile { path, certs })
    }
}

/// Every certificate in a PEM file; an unreadable file, or one with no certificate, is an error
/// naming the file and `SSL_CERT_FILE`.
pub fn read_pem_certificates(
    path: &std::path::Path,
) -> Result<Vec<Certificate<'static>>, RegistryError> {
    let bad = |message: String| RegistryError::CertFile {
        path: path.to_path_buf(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&bytes) {
        match item {
            Ok(PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(e) => return Err(bad(format!("it is not a valid PEM file: {e}"))),
        }
    }
    if certs.is_empty() {
        return Err(bad(
            "it holds no `-----BEGIN CERTIFICATE-----` block".to_string()
        ));
    }
    Ok(certs)
}

/// The proxy registry requests go through.
#[derive(Debug, Clone)]
pub struct ProxySetting {
    /// The variable it came from.
    pub variable: &'static str,
    /// The proxy URL with any password masked, for messages.
    pub shown: String,
    /// The `NO_PROXY` entries, as given.
    pub no_proxy: Vec<String>,
    pub(crate) proxy: ureq::Proxy,
}

/// The proxy from `HTTPS_PROXY` / `https_proxy`, else `ALL_PROXY` / `all_proxy` (the first one
/// set and not empty), with `NO_PROXY` / `no_proxy`. `None` when no proxy is set.
pub fn proxy_from(env: EnvLookup<'_>) -> Result<Option<ProxySetting>, RegistryError> {
    const VARIABLES: [&str; 4] = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];
    let Some((variable, value)) = VARIABLES.iter().find_map(|name| {
        env(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .map(|v| (*name, v))
    }) else {
        return Ok(None);
    };
    let shown = mask_password(&value);
    let invalid = |message: String| RegistryError::Proxy {
        variable,
        shown: shown.clone(),
        message,
    };
    let parsed = ureq::Proxy::new(&value).map_err(|e| invalid(e.to_string()))?;
    let no_proxy: Vec<String> = ["NO_PROXY", "no_proxy"]
        .iter()
        .find_map(|name| env(name))
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let mut builder = ureq::Proxy::builder(parsed.protocol())
        .host(parsed.host())
        .port(parsed.port());
    if let Some(user) = parsed.username() {
        builder = builder.username(user);
    }
    if let Some(password) = parsed.password() {
        builder = builder.password(password);
    }
    for entry in &no_proxy {
        builder = builder.no_proxy(entry);
    }
    let proxy = builder.build().map_err(|e| invalid(e.to_string()))?;
    Ok(Some(ProxySetting {
        variable,
        shown,
        no_proxy,
        proxy,
    }))
}

/// `scheme://user:****@host:port`: a proxy URL fit for a message.
fn mask_password(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (Some(s), r),
        None => (None, url),
    };
    let masked = match rest.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:****@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => rest.to_string(),
    };
    match scheme {
        Some(s) => format!("{s}://{masked}"),
        None => masked,
    }
}

/// One registry's base URL and, when it is not the public one, the variable that replaced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryBase {
    pub url: String,
    pub replaced_by: Option<&'static str>,
}

/// The base URL from `variable`, or `default`. Only `https://` is accepted: a mirror answers for
/// packages that run on this machine, and a plain-text answer could be changed on the way.
pub fn base_from(
    env: EnvLookup<'_>,
    variable: &'static str,
    default: &str,
) -> Result<RegistryBase, RegistryError> {
    let Some(value) = env(variable)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    else {
        return Ok(RegistryBase {
            url: default.to_string(),
            replaced_by: None,
        });
    };
    let has_host = value
        .strip_prefix("https://")
        .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
    if !has_host {
        return Err(RegistryError::Mirror {
            variable,
            value,
            message: "it must be an https:// URL, e.g. https://npm.example.com".into(),
        });
    }
    Ok(RegistryBase {
        url: value.trim_end_matches('/').to_string(),
        replaced_by: Some(variable),
    })
}

/// Everything `--online` needs to know about the network.
#[derive(Debug, Clone)]
pub struct NetworkSetup {
    pub trust: Trust,
    pub proxy: Option<ProxySetting>,
    pub npm: RegistryBase,
    pub pypi: RegistryBase,
}

impl NetworkSetup {
    /// Reads the variables through `env`.
    pub fn from_lookup(env: EnvLookup<'_>) -> Result<NetworkSetup, RegistryError> {
        Ok(NetworkSetup {
            trust: trust_from(env, VERIFIER_READS_SSL_ENV)?,
            proxy: proxy_from(env)?,
            npm: base_from(env, "MCPWARD_NPM_REGISTRY", NPM_REGISTRY)?,
            pypi: base_from(env, "MCPWARD_PYPI_REGISTRY", PYPI_REGISTRY)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn https_proxy_wins_over_all_proxy_and_http_proxy_is_not_used() {
        let e = env(&[
            ("ALL_PROXY", "http://all:1"),
            ("https_proxy", "http://lower:2"),
            ("HTTP_PROXY", "http://plain:3"),
        ]);
        let p = proxy_from(&e).unwrap().unwrap();
        assert_eq!(
            (p.variable, p.shown.as_str()),
            ("https_proxy", "http://lower:2")
        );
        let e = env(&[("HTTP_PROXY", "http://plain:3")]);
        assert!(proxy_from(&e).unwrap().is_none());
        let e = env(&[("HTTPS_PROXY", ""), ("all_proxy", "socks5://s:1080")]);
        assert_eq!(proxy_from(&e).unwrap().unwrap().variable, "all_proxy");
    }

    #[test]
    fn no_proxy_entries_are_trimmed_and_bypass_the_proxy() {
        let e = env(&[
            ("HTTPS_PROXY", "http://proxy:3128"),
            ("NO_PROXY", " 127.0.0.1 , .corp.example,"),
        ]);
        let p = proxy_from(&e).unwrap().unwrap();
        assert_eq!(p.no_proxy, vec!["127.0.0.1", ".corp.example"]);
        let uri = |s: &str| s.parse::<ureq::http::Uri>().unwrap();
        assert!(p.proxy.is_no_proxy(&uri("https://127.0.0.1:8443/x")));
        assert!(p.proxy.is_no_proxy(&uri("https://npm.corp.example/x")));
        assert!(!p.proxy.is_no_proxy(&uri("https://registry.npmjs.org/x")));
    }

    #[test]
    fn proxy_password_is_masked_in_messages() {
        let e = env(&[("HTTPS_PROXY", "http://alice:s3cret@proxy:3128")]);
        let p = proxy_from(&e).unwrap().unwrap();
        assert_eq!(p.shown, "http://alice:****@proxy:3128");
        assert_eq!(p.proxy.password(), Some("s3cret"));
        let e = env(&[("HTTPS_PROXY", "http://alice:s3cret@")]);
        let err = proxy_from(&e).unwrap_err().to_string();
        assert!(!err.contains("s3cret"), "{err}");
        assert!(err.contains("HTTPS_PROXY"), "{err}");
    }

    #[test]
    fn mirror_must_be_https_and_is_named() {
        let e = env(&[("MCPWARD_NPM_REGISTRY", "https://npm.example.com/")]);
        let base = base_from(&e, "MCPWARD_NPM_REGISTRY", NPM_REGISTRY).unwrap();
        assert_eq!(base.url, "https://npm.example.com");
        assert_eq!(base.replaced_by, Some("MCPWARD_NPM_REGISTRY"));
        for bad in [
            "http://npm.example.com",
            "npm.example.com",
            "https://",
            "https:///x",
        ] {
            let e = env(&[("MCPWARD_NPM_REGISTRY", bad)]);
            let err = base_from(&e, "MCPWARD_NPM_REGISTRY", NPM_REGISTRY).unwrap_err();
            assert!(err.to_string().contains("https://"), "{bad}: {err}");
        }
        let base = base_from(&env(&[]), "MCPWARD_PYPI_REGISTRY", PYPI_REGISTRY).unwrap();
        assert_eq!(base.url, PYPI_REGISTRY);
        assert_eq!(base.replaced_by, None);
    }

    /// A PEM file holding one throwaway self-signed certificate.
    fn ca_pem() -> String {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["ca.test".to_string()]).unwrap();
        params.self_signed(&key).unwrap().pem()
    }

    #[test]
    fn ssl_cert_file_is_read_and_replaces_the_store_where_the_verifier_ignores_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ca.pem");
        std::fs::write(&file, ca_pem()).unwrap();
        let e = env(&[("SSL_CERT_FILE", file.to_str().unwrap())]);
        assert!(matches!(trust_from(&e, true).unwrap(), Trust::Platform));
        match trust_from(&e, false).unwrap() {
            Trust::CertFile { certs, .. } => assert_eq!(certs.len(), 1),
            Trust::Platform => panic!("SSL_CERT_FILE ignored"),
        }
        assert!(matches!(
            trust_from(&env(&[]), false).unwrap(),
            Trust::Platform
        ));
    }

    #[test]
    fn unusable_ssl_cert_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let missing = dir.path().join("missing.pem");
        for (path, says) in [
            (&empty, "no `-----BEGIN CERTIFICATE-----`"),
            (&missing, "cannot read"),
        ] {
            let e = env(&[("SSL_CERT_FILE", path.to_str().unwrap())]);
            let err = trust_from(&e, true).unwrap_err().to_string();
            assert!(err.contains("SSL_CERT_FILE"), "{err}");
            assert!(err.contains(says), "{err}");
            assert!(err.contains(&path.display().to_string()), "{err}");
        }
    }
}
