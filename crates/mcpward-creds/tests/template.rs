//! `mcpward template` round trips, one per client syntax: the template parses as the same
//! client, keeps every server and comment, holds no secret, and `audit` of it reports no
//! hardcoded secret.

use std::path::Path;

use mcpward_config::{ClientKind, ConfigFile, Scope};
use mcpward_creds::template::{example_path, template, write};
use mcpward_testkit::fake_github_token;

/// A second, different fake token of the same shape.
fn other_token() -> String {
    fake_github_token().replace('a', "q").replace('B', "W")
}

fn parse(path: &Path, text: &str, client: ClientKind) -> ConfigFile {
    mcpward_config::parse_file(path, text.to_string(), client, Scope::Project)
}

/// Checks the round trip and returns the template text.
fn round_trip(name: &str, client: ClientKind, source: &str, comments: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, source).unwrap();
    let file = parse(&path, source, client);
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    let before = mcpward_audit::audit(std::slice::from_ref(&file), &Default::default());
    assert!(
        before.iter().any(|f| f.rule == "hardcoded-secret"),
        "fixture must hold a secret"
    );
    let t = template(&file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t.path, example_path(&path));
    let written = write(&t).unwrap();
    assert!(written.contains(&t.path));
    let text = std::fs::read_to_string(&t.path).unwrap();
    for secret in [fake_github_token(), other_token()] {
        assert!(!text.contains(&secret), "secret left in:\n{text}");
        assert!(!t.env_example_text.contains(&secret));
        assert!(!t.masked_original.contains(&secret));
    }
    let again = parse(&t.path, &text, client);
    assert!(again.problems.is_empty(), "{:?}\n{text}", again.problems);
    let names = |f: &ConfigFile| f.servers.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&again), names(&file));
    for c in comments {
        assert!(text.contains(c), "comment {c:?} lost:\n{text}");
    }
    let after = mcpward_audit::audit(std::slice::from_ref(&again), &Default::default());
    assert!(
        !after.iter().any(|f| f.rule == "hardcoded-secret"),
        "{after:#?}\n{text}"
    );
    text
}

#[test]
fn claude_code_json_gets_dollar_brace_references_in_env_args_urls_and_headers() {
    let (a, b) = (fake_github_token(), other_token());
    let src = format!(
        r#"{{
  "mcpServers": {{
    "github": {{
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-github@1.0.0", "--token={b}"],
      "env": {{ "GITHUB_PERSONAL_ACCESS_TOKEN": "{a}" }}
    }},
    "remote": {{
      "type": "http",
      "url": "https://mcp.example.test/mcp?access_token={a}",
      "headers": {{ "Authorization": "Bearer {b}" }}
    }}
  }}
}}
"#
    );
    let text = round_trip(".mcp.json", ClientKind::ClaudeCode, &src, &[]);
    insta::assert_snapshot!(text);
}

#[test]
fn vscode_jsonc_gets_inputs_and_keeps_comments() {
    let a = fake_github_token();
    let src = format!(
        r#"{{
  // team servers
  "servers": {{
    "github": {{
      "type": "stdio",
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-github@1.0.0"],
      /* the token */
      "env": {{ "GITHUB_PERSONAL_ACCESS_TOKEN": "{a}" }},
    }},
  }},
}}
"#
    );
    let text = round_trip(
        "mcp.json",
        ClientKind::VsCode,
        &src,
        &["// team servers", "/* the token */"],
    );
    assert!(
        text.contains("${input:github-personal-access-token}"),
        "{text}"
    );
    assert!(text.contains("\"password\": true"), "{text}");
    let root = mcpward_config::syntax::parse(&text, mcpward_config::Format::Jsonc).unwrap();
    let inputs = root.get("inputs").and_then(|i| i.as_array()).unwrap();
    assert_eq!(
        inputs[0].get("type").and_then(|t| t.as_str()),
        Some("promptString")
    );
    insta::assert_snapshot!(text);
}

#[test]
fn vscode_existing_inputs_array_is_extended() {
    let a = fake_github_token();
    let src = format!(
        r#"{{
  "inputs": [
    {{ "type": "promptString", "id": "other", "password": true }}
  ],
  "servers": {{
    "gh": {{ "command": "npx", "env": {{ "GITHUB_TOKEN": "{a}" }} }}
  }}
}}
"#
    );
    let text = round_trip("mcp.json", ClientKind::VsCode, &src, &[]);
    let root = mcpward_config::syntax::parse(&text, mcpward_config::Format::Jsonc).unwrap();
    let inputs = root.get("inputs").and_then(|i| i.as_array()).unwrap();
    assert_eq!(inputs.len(), 2, "{text}");
}

#[test]
fn cursor_gets_env_colon_references() {
    let a = fake_github_token();
    let src = format!(
        r#"{{ "mcpServers": {{ "gh": {{ "command": "npx", "env": {{ "GITHUB_TOKEN": "{a}" }} }} }} }}"#
    );
    let text = round_trip("mcp.json", ClientKind::Cursor, &src, &[]);
    assert!(text.contains("${env:GITHUB_TOKEN}"), "{text}");
}

#[test]
fn codex_toml_moves_env_to_env_vars_and_bearer_tokens_to_bearer_token_env_var() {
    let (a, b) = (fake_github_token(), other_token());
    let src = format!(
        r#"# Codex settings
model = "o3"

[mcp_servers.github]
command = "npx"
args = ["-y", "@modelcontextprotocol/server-github@1.0.0"]

[mcp_servers.github.env]
# the PAT
GITHUB_PERSONAL_ACCESS_TOKEN = "{a}"
LOG_LEVEL = "debug"

[mcp_servers.remote]
url = "https://mcp.example.test/mcp"
http_headers = {{ "Authorization" = "Bearer {b}" }}
"#
    );
    let text = round_trip(
        "config.toml",
        ClientKind::Codex,
        &src,
        &["# Codex settings", "# the PAT"],
    );
    assert!(
        text.contains("env_vars = [\"GITHUB_PERSONAL_ACCESS_TOKEN\"]"),
        "{text}"
    );
    assert!(text.contains("bearer_token_env_var = "), "{text}");
    assert!(text.contains("LOG_LEVEL = \"debug\""), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn goose_yaml_moves_envs_to_env_keys() {
    let a = fake_github_token();
    let src = format!(
        r#"# goose
extensions:
  github:
    type: stdio
    cmd: npx
    args: [-y, "@modelcontextprotocol/server-github@1.0.0"]
    enabled: true
    envs:
      # token below
      GITHUB_PERSONAL_ACCESS_TOKEN: {a}
"#
    );
    let text = round_trip(
        "config.yaml",
        ClientKind::Goose,
        &src,
        &["# goose", "# token below"],
    );
    assert!(
        text.contains("env_keys: [GITHUB_PERSONAL_ACCESS_TOKEN]"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn claude_desktop_gets_placeholders_and_the_env_example_names_the_injection_form() {
    let a = fake_github_token();
    let src = format!(
        r#"{{
  "mcpServers": {{
    "github": {{ "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@1.0.0"], "env": {{ "GITHUB_PERSONAL_ACCESS_TOKEN": "{a}" }} }}
  }}
}}
"#
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("claude_desktop_config.json");
    std::fs::write(&path, &src).unwrap();
    let file = parse(&path, &src, ClientKind::ClaudeDesktop);
    let t = template(&file).unwrap();
    assert!(
        t.text.contains("<GITHUB_PERSONAL_ACCESS_TOKEN>"),
        "{}",
        t.text
    );
    assert!(
        t.env_example_text
            .contains("mcpward run --secret GITHUB_PERSONAL_ACCESS_TOKEN=keyring:mcpward/GITHUB_PERSONAL_ACCESS_TOKEN"),
        "{}",
        t.env_example_text
    );
    round_trip(
        "claude_desktop_config.json",
        ClientKind::ClaudeDesktop,
        &src,
        &[],
    );
}

#[test]
fn env_example_lists_each_variable_once_with_provider_and_keeps_existing_lines() {
    let a = fake_github_token();
    let src = format!(
        r#"{{ "mcpServers": {{
  "one": {{ "command": "npx", "env": {{ "GITHUB_TOKEN": "{a}" }} }},
  "two": {{ "command": "npx", "env": {{ "GITHUB_TOKEN": "{a}" }} }}
}} }}"#
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".mcp.json");
    std::fs::write(&path, &src).unwrap();
    std::fs::write(dir.path().join(".env.example"), "EXISTING=\n").unwrap();
    let t = template(&parse(&path, &src, ClientKind::ClaudeCode)).unwrap();
    assert_eq!(t.variables.len(), 1);
    assert_eq!(t.variables[0].servers, ["one", "two"]);
    assert!(t.env_example_text.starts_with("EXISTING=\n"));
    assert_eq!(t.env_example_text.matches("GITHUB_TOKEN=").count(), 1);
    assert!(
        t.env_example_text
            .contains("# GitHub (github-classic-pat), used by one, two; use")
    );
}

#[test]
fn config_in_a_git_repository_is_added_to_gitignore() {
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .status();
    assert!(status.is_ok_and(|s| s.success()), "git init failed");
    let src = format!(
        r#"{{ "mcpServers": {{ "gh": {{ "command": "npx", "env": {{ "GITHUB_TOKEN": "{}" }} }} }} }}"#,
        fake_github_token()
    );
    let path = dir.path().join(".mcp.json");
    std::fs::write(&path, &src).unwrap();
    let t = template(&parse(&path, &src, ClientKind::ClaudeCode)).unwrap();
    let (gitignore, line) = t.gitignore.clone().unwrap();
    assert_eq!(line, "/.mcp.json");
    write(&t).unwrap();
    assert_eq!(std::fs::read_to_string(&gitignore).unwrap(), "/.mcp.json\n");
    // Now ignored: a second run leaves .gitignore alone.
    let t = template(&parse(&path, &src, ClientKind::ClaudeCode)).unwrap();
    assert!(t.gitignore.is_none());
}

#[test]
fn dry_run_diff_masks_the_removed_secret() {
    let a = fake_github_token();
    let src = format!(
        r#"{{ "mcpServers": {{ "gh": {{ "command": "npx", "env": {{ "GITHUB_TOKEN": "{a}" }} }} }} }}
"#
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".mcp.json");
    let t = template(&parse(&path, &src, ClientKind::ClaudeCode)).unwrap();
    let diff = mcpward_creds::template::diff(&t);
    assert!(!diff.contains(&a), "{diff}");
    assert!(diff.contains("ghp_…(40 chars)"), "{diff}");
    assert!(diff.contains("+{ \"mcpServers\""), "{diff}");
}

#[test]
fn gemini_gets_dollar_brace_references() {
    let a = fake_github_token();
    let src = format!(
        "{{\n  \"theme\": \"dark\",\n  \"mcpServers\": {{ \"gh\": {{ \"command\": \"npx\", \"env\": {{ \"GITHUB_TOKEN\": \"{a}\" }} }} }}\n}}\n"
    );
    let text = round_trip(
        "settings.json",
        ClientKind::GeminiCli,
        &src,
        &["\"theme\": \"dark\""],
    );
    assert!(text.contains("\"${GITHUB_TOKEN}\""), "{text}");
}

#[test]
fn windsurf_gets_env_colon_references_in_urls() {
    let a = fake_github_token();
    let src = format!(
        "{{ \"mcpServers\": {{ \"remote\": {{ \"serverUrl\": \"https://x-access-token:{a}@mcp.example.test/mcp\" }} }} }}\n"
    );
    let text = round_trip("mcp_config.json", ClientKind::Windsurf, &src, &[]);
    assert!(text.contains("https://x-access-token:${env:"), "{text}");
}

#[test]
fn continue_yaml_gets_secrets_templates_and_keeps_comments() {
    let a = fake_github_token();
    let src = format!(
        "name: team\nversion: 0.0.1\nschema: v1\n# servers\nmcpServers:\n  - name: github\n    command: npx\n    args: [\"-y\", \"@modelcontextprotocol/server-github@1.0.0\"]\n    env:\n      GITHUB_TOKEN: {a} # pasted\n"
    );
    let text = round_trip(
        "config.yaml",
        ClientKind::Continue,
        &src,
        &["# servers", "# pasted"],
    );
    assert!(
        text.contains("GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }} # pasted"),
        "{text}"
    );
}

#[test]
fn codex_api_key_header_moves_to_env_http_headers_and_inline_tables_get_placeholders() {
    let (a, b) = (fake_github_token(), other_token());
    let src = format!(
        r#"[mcp_servers.remote]
url = "https://mcp.example.test/mcp"
http_headers = {{ "X-Api-Key" = "{a}", "X-Team" = "infra" }}

[mcp_servers]
inline = {{ command = "npx", env = {{ GITHUB_TOKEN = "{b}" }} }}
"#
    );
    let text = round_trip("config.toml", ClientKind::Codex, &src, &[]);
    assert!(
        text.contains("env_http_headers = { \"X-Api-Key\" = \"GITHUB_TOKEN\" }"),
        "{text}"
    );
    assert!(text.contains("\"X-Team\" = \"infra\""), "{text}");
    insta::assert_snapshot!(text);
}

#[cfg(unix)]
#[test]
fn a_symlink_planted_at_the_template_path_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".mcp.json");
    let source = format!(
        r#"{{"mcpServers": {{"gh": {{"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "env": {{"GITHUB_PERSONAL_ACCESS_TOKEN": "{}"}}}}}}}}"#,
        fake_github_token()
    );
    std::fs::write(&path, &source).unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    let file = parse(&path, &source, ClientKind::ClaudeCode);
    let t = template(&file).unwrap();
    std::os::unix::fs::symlink(&victim, &t.path).unwrap();
    assert!(write(&t).is_err());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
}
