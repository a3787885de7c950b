//! Credentials that discovered configs hold today, keyed by fingerprint.

use std::path::PathBuf;

use sha2::{Digest as _, Sha256};

/// Short SHA-256 of a secret (first 12 hex digits): enough to match the same credential across
/// history and configs, too short to confirm a guess of a low-entropy value offline.
pub fn fingerprint(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    hex::encode(&digest[..6])
}

/// One literal credential in a config entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub fingerprint: String,
    pub client: String,
    pub server: String,
    pub file: PathBuf,
}

/// Every literal secret in every server entry (env, args, headers, URL, other strings).
pub fn collect(configs: &[mcpward_config::ConfigFile]) -> Vec<Credential> {
    let detector = mcpward_secrets::Detector::global();
    let mut out = Vec::new();
    for file in configs {
        for entry in &file.servers {
            let mut values: Vec<(Option<&str>, &str)> = Vec::new();
            for (k, v) in entry
                .env
                .iter()
                .chain(&entry.headers)
                .chain(&entry.other_strings)
            {
                values.push((Some(k.value.as_str()), v.value.as_str()));
            }
            for a in &entry.args {
                values.push((None, a.value.as_str()));
            }
            if let Some(u) = &entry.url {
                values.push((None, u.value.as_str()));
            }
            for (key, value) in values {
                for m in detector.scan_value(key, value) {
                    out.push(Credential {
                        fingerprint: fingerprint(&value[m.range.clone()]),
                        client: file.client.name().to_owned(),
                        server: entry.name.clone(),
                        file: file.path.clone(),
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn fingerprint_is_twelve_hex_digits_and_stable() {
        let f = super::fingerprint("abc");
        assert_eq!(f, "ba7816bf8f01");
    }
}
