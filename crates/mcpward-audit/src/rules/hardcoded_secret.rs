//! `hardcoded-secret`: a literal credential in a server entry.

use mcpward_config::ClientKind;
use mcpward_core::{Finding, RuleMeta, Severity};

use crate::context::{FileContext, SecretPlace};

pub static META: RuleMeta = RuleMeta {
    id: "hardcoded-secret",
    default_severity: Severity::Critical,
    summary: "A literal secret is written in the configuration.",
    what: "A value in a server entry (environment variable, argument such as `--token=…` or \
`-e KEY=value`, HTTP header, URL query or userinfo, working directory, or any other string of the entry: unknown \
keys and values of the wrong shape such as `\"env\": [\"TOKEN=…\"]` are on disk too) that matches a provider's \
credential format (critical), a high-entropy value under a secret-like key (high), or a literal \
password of at least six characters mixing two kinds of characters under a password key such as \
`DB_PASSWORD` or `--password`, or after the scheme of an `Authorization` header (high). References \
(`${VAR}`, `${env:VAR}`, `${input:id}`, `$VAR`, `op://…`, Codex `env_vars`, Goose `env_keys`) are \
the correct form and are not reported; obvious placeholders (`<your-token>`, `YOUR_API_KEY`) are \
not secrets.",
    why: "Config files are copied into dotfile repositories, backups, screenshots, support \
tickets and bug reports, and any process running as the user can read them. A secret in a file \
lives as long as the file and every copy of it; a reference keeps it in a secret store and in the \
environment of the one process that needs it.",
    example_bad: r#"{
  "mcpServers": {
    "github": {
      "command": "docker",
      "args": ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", "ghcr.io/github/github-mcp-server"],
      "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX" }
    }
  }
}"#,
    example_fixed: r#"{
  "mcpServers": {
    "github": {
      "command": "docker",
      "args": ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", "ghcr.io/github/github-mcp-server"],
      "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_PERSONAL_ACCESS_TOKEN}" }
    }
  }
}"#,
};

pub(crate) fn check(cx: &FileContext<'_>, out: &mut Vec<Finding>) {
    for server in &cx.servers {
        for s in &server.secrets {
            let (what, severity) = if s.kind == "literal-password" {
                ("a literal password".to_string(), Severity::High)
            } else if s.is_generic() {
                (
                    "a high-entropy value that looks like a secret".to_string(),
                    Severity::High,
                )
            } else {
                (
                    format!("a literal {} credential ({})", s.provider, s.kind),
                    Severity::Critical,
                )
            };
            let var = s.place.variable_name(s.provider);
            out.push(
                cx.finding(
                    &META,
                    Some(server.entry),
                    s.span,
                    format!("{} holds {what}: `{}`", s.place.describe(), s.masked),
                )
                .severity(severity)
                .mask(s.file_range.clone())
                .fix(format!(
                    "rotate this secret (it has been written to disk), then {}",
                    reference_fix(cx.file.client, &var, &s.place)
                )),
            );
        }
    }
}

/// How to write a reference to `var` in this client's config, for fix texts.
pub(crate) fn reference_fix(client: ClientKind, var: &str, place: &SecretPlace) -> String {
    let in_env = matches!(place, SecretPlace::Env(_));
    match client {
        ClientKind::ClaudeCode => {
            let write = match place {
                SecretPlace::Env(_) => format!("write `\"{var}\": \"${{{var}}}\"`"),
                SecretPlace::Header(h) if h.eq_ignore_ascii_case("authorization") => {
                    format!("write `\"{h}\": \"Bearer ${{{var}}}\"`")
                }
                SecretPlace::Header(h) => format!("write `\"{h}\": \"${{{var}}}\"`"),
                _ => format!("replace the literal with `${{{var}}}`"),
            };
            format!(
                "{write} and export `{var}` in your shell (Claude Code expands `${{VAR}}` and `${{VAR:-default}}` in .mcp.json)"
            )
        }
        ClientKind::VsCode => format!(
            "use `${{input:{}}}` with an `inputs` entry of `\"type\": \"promptString\", \"password\": true` (VS Code stores it in the secret store), or `${{env:{var}}}`",
            var.to_ascii_lowercase().replace('_', "-")
        ),
        ClientKind::Cursor | ClientKind::Windsurf | ClientKind::RooCode => format!(
            "replace it with `${{env:{var}}}` and set `{var}` in the environment {} starts from",
            client.name()
        ),
        ClientKind::GeminiCli => format!(
            "replace it with `${{{var}}}` (Gemini CLI expands `$VAR` and `${{VAR}}`) and set `{var}` in your environment"
        ),
        ClientKind::Codex => {
            if let SecretPlace::Header(h) = place
                && !h.eq_ignore_ascii_case("authorization")
            {
                format!(
                    "move the header to `env_http_headers = {{ \"{h}\" = \"{var}\" }}` (Codex reads the value from `{var}`) and export `{var}`"
                )
            } else if let SecretPlace::Header(_) = place {
                format!(
                    "remove the literal token and set `bearer_token_env_var = \"{var}\"` on the server table, and export `{var}`"
                )
            } else if in_env {
                format!(
                    "remove it from `env` and add `env_vars = [\"{var}\"]` to the server table so Codex passes `{var}` through from your environment"
                )
            } else {
                format!(
                    "set `bearer_token_env_var = \"{var}\"` (HTTP servers) or pass it with `env_vars = [\"{var}\"]`, and export `{var}`"
                )
            }
        }
        ClientKind::Goose => format!(
            "remove it from `envs` and list `{var}` in `env_keys` (Goose keeps the value in the system keyring)"
        ),
        ClientKind::Continue => format!(
            "replace it with `${{{{ secrets.{var} }}}}` and store the secret in Continue's secrets"
        ),
        ClientKind::ClaudeDesktop | ClientKind::Zed | ClientKind::Cline | ClientKind::LmStudio => {
            format!(
                "store it in your keychain with `mcpward secrets set {var}` and launch the server as `mcpward run --secret {var}=keyring:mcpward/{var} -- <server command>` (`op://…` and `vault:…#field` references work too): mcpward resolves it into the server's environment at launch ({} does not expand variables in this file)",
                client.name()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_password_under_a_password_key_is_reported_without_revealing_it() {
        let src =
            r#"{"mcpServers": {"db": {"command": "npx", "env": {"DB_PASSWORD": "Sup3rS3cret!"}}}}"#;
        let file = Builder::new(ClientKind::ClaudeDesktop, src)
            .stdio("db", "npx", &[])
            .env("DB_PASSWORD", "Sup3rS3cret!")
            .build();
        let f = run(check, &file);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("a literal password"),
            "{}",
            f[0].message
        );
        assert!(!f[0].message.contains("Sup3rS3cret"), "{}", f[0].message);
        assert_eq!(f[0].severity, Severity::High);
    }

    /// Vendors' documented launch lines that take the key as a positional argument.
    #[test]
    fn positional_keys_in_documented_launch_lines_are_found_by_provider_pattern() {
        let neon = format!("napi_{}", "k3v9q2x7m4p8r1t6w0z5y2b8n4c7d1f3".repeat(2));
        let src = format!(
            r#"{{"mcpServers": {{"neon": {{"command": "npx", "args": ["-y", "@neondatabase/mcp-server-neon", "start", "{neon}"]}}}}}}"#
        );
        let file = Builder::new(ClientKind::ClaudeDesktop, &src)
            .stdio(
                "neon",
                "npx",
                &["-y", "@neondatabase/mcp-server-neon", "start", &neon],
            )
            .build();
        let f = run(check, &file);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("Neon"), "{}", f[0].message);
        // `-k <token>`: a high-entropy value after a short key flag.
        let key = &format!("Zq8wR2xV7nL4{}", "mK9pT3sY6bH1cJ5dF0gA");
        let src = format!(
            r#"{{"mcpServers": {{"s": {{"command": "npx", "args": ["-y", "some-search-mcp", "-k", "{key}"]}}}}}}"#
        );
        let file = Builder::new(ClientKind::ClaudeDesktop, &src)
            .stdio("s", "npx", &["-y", "some-search-mcp", "-k", key.as_str()])
            .build();
        assert_eq!(run(check, &file).len(), 1);
        // A placeholder in the same place is not a secret.
        let src = r#"{"mcpServers": {"neon": {"command": "npx", "args": ["-y", "@neondatabase/mcp-server-neon", "start", "<YOUR_NEON_API_KEY>"]}}}"#;
        let file = Builder::new(ClientKind::ClaudeDesktop, src)
            .stdio(
                "neon",
                "npx",
                &[
                    "-y",
                    "@neondatabase/mcp-server-neon",
                    "start",
                    "<YOUR_NEON_API_KEY>",
                ],
            )
            .build();
        assert!(run(check, &file).is_empty());
    }

    #[test]
    fn default_words_under_a_password_key_are_not_reported() {
        let src =
            r#"{"mcpServers": {"db": {"command": "npx", "env": {"PGPASSWORD": "postgres"}}}}"#;
        let file = Builder::new(ClientKind::ClaudeDesktop, src)
            .stdio("db", "npx", &[])
            .env("PGPASSWORD", "postgres")
            .build();
        assert!(run(check, &file).is_empty());
    }
    use crate::context::test_support::{Builder, fake_ghp, run};

    fn github_env(client: ClientKind, value: &str) -> Vec<Finding> {
        let src = format!(
            r#"{{"mcpServers": {{"github": {{"command": "npx", "env": {{"GITHUB_PERSONAL_ACCESS_TOKEN": "{value}"}}}}}}}}"#
        );
        let file = Builder::new(client, &src)
            .stdio("github", "npx", &[])
            .env("GITHUB_PERSONAL_ACCESS_TOKEN", value)
            .build();
        run(check, &file)
    }

    #[test]
    fn reports_provider_token_in_env_masked_with_client_syntax() {
        let token = fake_ghp();
        let f = github_env(ClientKind::ClaudeCode, &token);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(
            !f[0].message.contains(&token),
            "message must not contain the secret"
        );
        assert!(
            f[0].fix
                .as_deref()
                .unwrap()
                .contains("${GITHUB_PERSONAL_ACCESS_TOKEN}")
        );
        assert_eq!(f[0].server.as_deref(), Some("github"));
        assert_eq!(f[0].masked.len(), 1);
    }

    #[test]
    fn masked_range_covers_exactly_the_secret_bytes() {
        let token = fake_ghp();
        let src = format!(r#"{{"x": {{"env": {{"T": "{token}"}}}}}}"#);
        let file = Builder::new(ClientKind::Cursor, &src)
            .stdio("x", "node", &[])
            .env("T", &token)
            .build();
        let f = run(check, &file);
        assert_eq!(&src[f[0].masked[0].clone()], token);
        assert!(f[0].fix.as_deref().unwrap().contains("${env:T}"));
    }

    #[test]
    fn accepts_references_and_placeholders() {
        for v in [
            "${GITHUB_TOKEN}",
            "${env:GITHUB_TOKEN}",
            "${input:github-token}",
            "$GITHUB_TOKEN",
            "<your-token>",
            "YOUR_GITHUB_TOKEN",
            "",
        ] {
            assert!(github_env(ClientKind::ClaudeCode, v).is_empty(), "{v}");
        }
    }

    #[test]
    fn reports_tokens_in_arguments_headers_and_urls() {
        let token = fake_ghp();
        let flag = format!("--github-token={token}");
        let url = format!("https://mcp.example.com/mcp?token={token}");
        let auth = format!("Bearer {token}");
        let src = format!(r#"{{"a": ["{flag}"], "b": "{url}", "h": "{auth}"}}"#);
        let file = Builder::new(ClientKind::VsCode, &src)
            .stdio("a", "npx", &["-y", "some-server@1.0.0", &flag])
            .remote("b", &url)
            .header("Authorization", &auth)
            .build();
        let f = run(check, &file);
        let servers: Vec<_> = f.iter().map(|f| f.server.as_deref().unwrap()).collect();
        assert_eq!(servers.iter().filter(|s| **s == "a").count(), 1, "{f:?}");
        assert!(servers.iter().filter(|s| **s == "b").count() >= 1, "{f:?}");
        assert!(
            f.iter()
                .all(|f| f.fix.as_deref().unwrap().contains("${input:"))
        );
    }

    #[test]
    fn reports_secrets_of_disabled_servers_too() {
        let token = fake_ghp();
        let src = format!(r#"{{"t": "{token}"}}"#);
        let file = Builder::new(ClientKind::Cline, &src)
            .stdio("off", "node", &[])
            .env("GITHUB_TOKEN", &token)
            .with(|e| e.disabled = true)
            .build();
        let f = run(check, &file);
        assert_eq!(f.len(), 1);
        let fix = f[0].fix.as_deref().unwrap();
        assert!(fix.contains("does not expand"));
        assert!(
            fix.contains("mcpward run --secret GITHUB_TOKEN=keyring:mcpward/GITHUB_TOKEN --"),
            "{fix}"
        );
    }

    #[test]
    fn reports_docker_env_pairs_flag_values_userinfo_and_cwd() {
        let token = fake_ghp();
        let pair = format!("GITHUB_PERSONAL_ACCESS_TOKEN={token}");
        let url = format!("https://x-access-token:{token}@git.example.com/mcp");
        let cwd = format!("/tmp/{token}");
        let src = format!("{pair} {token} {url} {cwd}");
        let file = Builder::new(ClientKind::ClaudeDesktop, &src)
            .stdio(
                "docker",
                "docker",
                &["run", "-i", "-e", &pair, "ghcr.io/github/github-mcp-server"],
            )
            .stdio("flag", "some-server", &["--token", &token])
            .remote("userinfo", &url)
            .stdio("cwd", "some-server", &[])
            .with(|e| {
                e.cwd = Some(mcpward_config::Spanned::new(
                    cwd.clone(),
                    mcpward_core::Span::at(1, 1),
                ))
            })
            .build();
        let f = run(check, &file);
        for server in ["docker", "flag", "userinfo", "cwd"] {
            assert!(
                f.iter().any(|f| f.server.as_deref() == Some(server)),
                "{server}: {f:?}"
            );
        }
        assert!(f.iter().all(|f| !f.message.contains(&token)));
    }

    #[test]
    fn fix_syntax_agrees_with_what_each_client_expands() {
        use mcpward_config::{ReferenceSyntax, reference_syntaxes};
        let place = SecretPlace::Env("TOKEN".into());
        for client in ClientKind::ALL {
            let fix = reference_fix(client, "TOKEN", &place);
            let syntaxes = reference_syntaxes(client);
            if syntaxes.is_empty() {
                assert!(
                    fix.contains("does not expand")
                        || fix.contains("env_vars")
                        || fix.contains("env_keys"),
                    "{client:?} expands nothing, yet the fix suggests: {fix}"
                );
            }
            for syntax in syntaxes {
                let example = match syntax {
                    ReferenceSyntax::DollarBrace | ReferenceSyntax::DollarBraceDefault => {
                        "${TOKEN}"
                    }
                    ReferenceSyntax::Dollar => "$TOKEN",
                    ReferenceSyntax::EnvColon => "${env:TOKEN}",
                    ReferenceSyntax::InputColon => "${input:",
                    ReferenceSyntax::ContinueTemplate => "${{ secrets.TOKEN }}",
                };
                if *syntax != ReferenceSyntax::DollarBraceDefault
                    && *syntax != ReferenceSyntax::Dollar
                {
                    assert!(
                        fix.contains(example),
                        "{client:?} fix lacks {example}: {fix}"
                    );
                }
            }
        }
    }

    #[test]
    fn header_fix_uses_the_header_syntax_of_the_client() {
        let auth = SecretPlace::Header("Authorization".into());
        let api = SecretPlace::Header("X-Api-Key".into());
        let fix = reference_fix(ClientKind::ClaudeCode, "API_TOKEN", &auth);
        assert!(
            fix.contains("`\"Authorization\": \"Bearer ${API_TOKEN}\"`"),
            "{fix}"
        );
        let fix = reference_fix(ClientKind::Codex, "API_TOKEN", &auth);
        assert!(
            fix.contains("bearer_token_env_var = \"API_TOKEN\""),
            "{fix}"
        );
        let fix = reference_fix(ClientKind::Codex, "API_TOKEN", &api);
        assert!(
            fix.contains("env_http_headers = { \"X-Api-Key\" = \"API_TOKEN\" }"),
            "{fix}"
        );
    }

    #[test]
    fn codex_fix_names_env_vars() {
        let f = github_env(ClientKind::Codex, &fake_ghp());
        assert!(
            f[0].fix
                .as_deref()
                .unwrap()
                .contains("env_vars = [\"GITHUB_PERSONAL_ACCESS_TOKEN\"]")
        );
    }
}
