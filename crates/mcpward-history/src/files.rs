//! Which paths are worth scanning by default: files that configure something.

/// Config-like files: structured config formats, environment files and the dotfiles that hold
/// credentials by convention. Source code, images and lockfiles are left to `--all-files`.
pub fn is_config_like(path: &[u8]) -> bool {
    let name = match path.iter().rposition(|&b| b == b'/') {
        Some(i) => &path[i + 1..],
        None => path,
    };
    let name = name.to_ascii_lowercase();
    const NAMES: &[&[u8]] = &[
        b".env",
        b".npmrc",
        b".pypirc",
        b".netrc",
        b".git-credentials",
        b".dockercfg",
        b"credentials",
        b"config",
        b".mcp.json",
        b"mcp.json",
        b".envrc",
    ];
    const EXTENSIONS: &[&[u8]] = &[
        b".json",
        b".jsonc",
        b".json5",
        b".toml",
        b".yaml",
        b".yml",
        b".ini",
        b".cfg",
        b".conf",
        b".config",
        b".properties",
        b".env",
        b".xml",
        b".plist",
        b".tfvars",
        b".hcl",
    ];
    if NAMES.contains(&name.as_slice()) || name.starts_with(b".env.") {
        return true;
    }
    if name.ends_with(b"package-lock.json") {
        return false;
    }
    EXTENSIONS.iter().any(|ext| name.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::is_config_like;

    #[test]
    fn config_formats_and_credential_dotfiles_are_config_like() {
        for p in [
            ".mcp.json",
            "a/b/settings.json",
            "x/.env",
            ".env.local",
            "c.toml",
            "k8s/app.yaml",
            ".npmrc",
        ] {
            assert!(is_config_like(p.as_bytes()), "{p}");
        }
    }

    #[test]
    fn source_and_lockfiles_are_not_config_like() {
        for p in ["src/main.rs", "package-lock.json", "img.png", "README.md"] {
            assert!(!is_config_like(p.as_bytes()), "{p}");
        }
    }
}
