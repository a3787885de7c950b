//! End-to-end tests of `mcpward audit` through the real binary, with a fake HOME.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn mcpward(args: &[&str], home: &Path, cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .output()
        .expect("run mcpward")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs from the repository root so paths in the output are the stable `examples/...`.
fn audit_examples(extra: &[&str], dir: &str) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut args = vec!["audit", dir];
    args.extend_from_slice(extra);
    mcpward(&args, home.path(), &repo_root())
}

#[test]
fn insecure_examples_report_findings_and_exit_1() {
    let out = audit_examples(&[], "examples/insecure");
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    for rule in [
        "hardcoded-secret",
        "overbroad-credential",
        "broad-filesystem-root",
        "exec-capable-server",
        "unpinned-package",
        "dangerous-combination",
        "insecure-transport",
        "client-auto-approve",
    ] {
        assert!(text.contains(rule), "missing {rule} in:\n{text}");
    }
    assert!(!text.contains("notREAL"), "a secret leaked whole:\n{text}");
    insta::assert_snapshot!("audit_insecure_human", text);
}

#[test]
fn fixed_examples_pass() {
    let out = audit_examples(&[], "examples/fixed");
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        stdout(&out),
        stderr(&out)
    );
    insta::assert_snapshot!("audit_fixed_human", stdout(&out));
}

#[test]
fn json_output_of_examples() {
    let out = audit_examples(&["--format", "json"], "examples/insecure");
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["version"], 1);
    assert!(!stdout(&out).contains("notREAL"));
    insta::assert_snapshot!("audit_insecure_json", stdout(&out));
}

#[test]
fn sarif_output_of_examples() {
    let out = audit_examples(&["--format", "sarif"], "examples/insecure");
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["version"], "2.1.0");
    let schema: serde_json::Value = serde_json::from_str(include_str!(
        "../../mcpward-core/tests/schemas/sarif-schema-2.1.0.json"
    ))
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "SARIF output is not valid: {errors:#?}");
    assert!(!stdout(&out).contains("notREAL"));
    insta::assert_snapshot!("audit_insecure_sarif", stdout(&out));
}

#[test]
fn list_shows_clients_servers_and_masks_secrets() {
    let out = audit_examples(&["--list"], "examples/insecure");
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Claude Desktop"), "{text}");
    assert!(
        text.contains("@modelcontextprotocol/server-filesystem"),
        "{text}"
    );
    assert!(
        !text.contains("Tr0ub4dor-Horse-Staple"),
        "password leaked:\n{text}"
    );
    insta::assert_snapshot!("audit_insecure_list", text);
}

#[test]
fn fail_on_critical_ignores_lower_findings() {
    let out = audit_examples(&["--fail-on", "critical", "--quiet"], "examples/fixed");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn quiet_prints_only_the_summary() {
    let out = audit_examples(&["--quiet"], "examples/insecure");
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("findings:"), "{text}");
}

#[test]
fn baseline_accepts_known_findings() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let b = baseline.to_str().unwrap();
    let out = audit_examples(&["--baseline", b, "--write-baseline"], "examples/insecure");
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let out = audit_examples(&["--baseline", b], "examples/insecure");
    assert_eq!(out.status.code(), Some(0), "stdout: {}", stdout(&out));
    assert!(stdout(&out).contains("no findings"));
}

#[test]
fn malformed_baseline_is_a_usage_error_naming_the_position() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    std::fs::write(&baseline, "{\"version\": 1,\n \"accepted\": [}").unwrap();
    let out = audit_examples(
        &["--baseline", baseline.to_str().unwrap()],
        "examples/insecure",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("baseline.json:2:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn broken_config_is_a_finding_and_other_files_are_still_audited() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        "{\n  \"mcpServers\": {\n    \"a\": {,\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join(".cursor")).unwrap();
    std::fs::write(
        dir.path().join(".cursor/mcp.json"),
        r#"{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/"]}}}"#,
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = mcpward(&["audit", "."], home.path(), dir.path());
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("config-parse-error"), "{text}");
    assert!(text.contains("claude_desktop_config.json:3:"), "{text}");
    assert!(text.contains("broad-filesystem-root"), "{text}");
}

#[test]
fn missing_path_is_reported_and_exit_2_after_auditing_the_rest() {
    let home = tempfile::tempdir().unwrap();
    let out = mcpward(
        &[
            "audit",
            "does-not-exist.json",
            "examples/insecure/.cursor/mcp.json",
        ],
        home.path(),
        &repo_root(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("does-not-exist.json"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("insecure-transport"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn discovery_with_no_arguments_uses_home_and_project() {
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".cursor")).unwrap();
    std::fs::write(
        home.path().join(".cursor/mcp.json"),
        r#"{"mcpServers": {"remote": {"url": "http://mcp.example.com/sse"}}}"#,
    )
    .unwrap();
    std::fs::write(
        project.path().join(".mcp.json"),
        r#"{"mcpServers": {"mem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory@2025.8.4"]}}}"#,
    )
    .unwrap();
    let out = mcpward(&["audit", "--list"], home.path(), project.path());
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Cursor"), "{text}");
    assert!(text.contains("Claude Code"), "{text}");
    let out = mcpward(&["audit"], home.path(), project.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("insecure-transport"));
}

#[test]
fn colours_follow_no_color_and_clicolor_force() {
    let home = tempfile::tempdir().unwrap();
    let run = |vars: &[(&str, &str)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcpward"));
        cmd.args(["audit", "examples/insecure/.cursor/mcp.json"])
            .current_dir(repo_root())
            .env_clear()
            .env("HOME", home.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        stdout(&cmd.output().unwrap())
    };
    // stdout is a pipe here: no colours unless forced, and NO_COLOR wins over forcing.
    assert!(!run(&[]).contains('\x1b'));
    assert!(run(&[("CLICOLOR_FORCE", "1")]).contains('\x1b'));
    assert!(!run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains('\x1b'));
}

#[test]
fn discovery_reads_the_approval_settings_of_claude_code_and_vscode() {
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    let write = |path: &Path, text: &str| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        &home.path().join(".claude/settings.json"),
        "{\n  \"permissions\": {\n    \"allow\": [\"Bash(npm test)\", \"mcp__github\"]\n  }\n}\n",
    );
    write(
        &project.path().join(".mcp.json"),
        r#"{"mcpServers": {"github": {"command": "github-mcp-server", "args": ["stdio"], "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_PAT}"}}}}"#,
    );
    write(
        &project.path().join(".claude/settings.local.json"),
        "{\n  \"enableAllProjectMcpServers\": true\n}\n",
    );
    write(
        &home.path().join(".config/Code/User/settings.json"),
        "{\n  // approve everything\n  \"chat.tools.global.autoApprove\": true\n}\n",
    );
    // Settings that only concern Claude Code's own tools are not MCP findings.
    write(
        &project.path().join(".claude/settings.json"),
        r#"{"permissions": {"allow": ["Bash(npm run lint)", "Read(src/**)"]}}"#,
    );
    let out = mcpward(&["audit", "--list"], home.path(), project.path());
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let list = stdout(&out);
    assert!(
        list.contains("setting permissions.allow: every tool of github runs without asking"),
        "{list}"
    );
    assert!(
        list.contains("setting chat.tools.global.autoApprove: every tool runs without asking"),
        "{list}"
    );
    let out = mcpward(&["audit", "--format", "json"], home.path(), project.path());
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let approvals: Vec<(String, String, u64, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "client-auto-approve")
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            let name = Path::new(file)
                .strip_prefix(home.path())
                .or_else(|_| Path::new(file).strip_prefix(project.path()))
                .unwrap_or(Path::new(file));
            (
                name.display().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["span"]["line"].as_u64().unwrap(),
                f["span"]["col"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut approvals = approvals;
    approvals.sort();
    assert_eq!(
        approvals,
        [
            (".claude/settings.json".into(), "high".into(), 3, 34),
            (".claude/settings.local.json".into(), "medium".into(), 2, 33),
            (
                ".config/Code/User/settings.json".into(),
                "high".into(),
                3,
                36
            ),
        ],
        "{}",
        stdout(&out)
    );
}

#[path = "support/https_registry.rs"]
mod https_registry;

/// A config with one server launched from the npm package `demo-mcp-server`, and an npm-like
/// answer for it: released recently, with a repository, not deprecated (no online finding).
fn online_fixture(dir: &Path) -> (PathBuf, Vec<(String, String)>) {
    let config = dir.join("claude_desktop_config.json");
    std::fs::write(
        &config,
        r#"{ "mcpServers": { "demo": { "command": "npx", "args": ["-y", "demo-mcp-server@1.0.0"] } } }"#,
    )
    .unwrap();
    let now = jiff::Timestamp::now();
    let packument = serde_json::json!({
        "name": "demo-mcp-server",
        "dist-tags": {"latest": "1.0.0"},
        "time": {"1.0.0": now.to_string()},
        "versions": {"1.0.0": {"repository": {"type": "git", "url": "git+https://github.com/o/demo.git"}}},
        "maintainers": [{"name": "alice"}]
    });
    (
        config,
        vec![("demo-mcp-server".to_string(), packument.to_string())],
    )
}

/// `mcpward audit CONFIG --online --format json` with only the given variables set.
fn audit_online(config: &Path, home: &Path, env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .args(["audit", "--online", "--format", "json"])
        .arg(config)
        .current_dir(home)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .expect("run mcpward")
}

/// Messages of the `package-lookup-failed` findings in a JSON report.
fn lookup_failures(o: &Output) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(o), stderr(o)));
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "package-lookup-failed")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn issue_20_online_trusts_the_ca_in_ssl_cert_file() {
    let dir = tempfile::tempdir().unwrap();
    let ca = https_registry::TestCa::new(dir.path());
    let (config, packages) = online_fixture(dir.path());
    let registry = https_registry::Registry::start(&ca, packages);
    let url = registry.url();
    let out = audit_online(
        &config,
        dir.path(),
        &[
            ("MCPWARD_NPM_REGISTRY", &url),
            ("SSL_CERT_FILE", ca.pem_file.to_str().unwrap()),
        ],
    );
    assert_eq!(
        lookup_failures(&out),
        Vec::<String>::new(),
        "{}",
        stderr(&out)
    );
    assert_eq!(registry.requests(), vec!["/demo-mcp-server"]);
    // A replaced registry is always named.
    assert!(
        stderr(&out).contains(&format!(
            "note: --online asks {url} for npm packages (MCPWARD_NPM_REGISTRY is set)"
        )),
        "{}",
        stderr(&out)
    );
}

#[test]
fn issue_20_online_names_an_untrusted_certificate_and_what_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let ca = https_registry::TestCa::new(dir.path());
    let (config, packages) = online_fixture(dir.path());
    let registry = https_registry::Registry::start(&ca, packages);
    let out = audit_online(
        &config,
        dir.path(),
        &[("MCPWARD_NPM_REGISTRY", &registry.url())],
    );
    let failures = lookup_failures(&out);
    assert_eq!(failures.len(), 1, "{failures:?}\n{}", stderr(&out));
    let message = &failures[0];
    for part in [
        "the certificate of 127.0.0.1:",
        "is not trusted (UnknownIssuer: it was issued by a CA this machine does not trust)",
        "add its CA certificate to the system trust store, or set SSL_CERT_FILE",
    ] {
        assert!(message.contains(part), "missing {part:?} in {message}");
    }
    assert!(
        registry.requests().is_empty(),
        "no request over an untrusted connection"
    );
}

#[test]
fn issue_20_online_goes_through_https_proxy_unless_no_proxy_names_the_host() {
    let dir = tempfile::tempdir().unwrap();
    let ca = https_registry::TestCa::new(dir.path());
    let (config, packages) = online_fixture(dir.path());
    let registry = https_registry::Registry::start(&ca, packages);
    let proxy = https_registry::ConnectProxy::start();
    let (url, proxy_url) = (registry.url(), proxy.url());
    let base = [
        ("MCPWARD_NPM_REGISTRY", url.as_str()),
        ("SSL_CERT_FILE", ca.pem_file.to_str().unwrap()),
    ];

    let through = [&base[..], &[("HTTPS_PROXY", proxy_url.as_str())]].concat();
    let out = audit_online(&config, dir.path(), &through);
    assert_eq!(
        lookup_failures(&out),
        Vec::<String>::new(),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        proxy.targets(),
        vec![format!("127.0.0.1:{}", registry.port)]
    );
    assert_eq!(registry.requests().len(), 1);

    let bypass = [
        &base[..],
        &[
            ("https_proxy", proxy_url.as_str()),
            ("NO_PROXY", "localhost, 127.0.0.1"),
        ],
    ]
    .concat();
    let out = audit_online(&config, dir.path(), &bypass);
    assert_eq!(
        lookup_failures(&out),
        Vec::<String>::new(),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        proxy.targets().len(),
        1,
        "NO_PROXY host went through the proxy"
    );
    assert_eq!(registry.requests().len(), 2);
}

#[test]
fn online_refuses_a_plain_http_mirror_and_an_unusable_ssl_cert_file() {
    let dir = tempfile::tempdir().unwrap();
    let (config, _) = online_fixture(dir.path());
    let out = audit_online(
        &config,
        dir.path(),
        &[("MCPWARD_NPM_REGISTRY", "http://127.0.0.1:9")],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("MCPWARD_NPM_REGISTRY=http://127.0.0.1:9: it must be an https:// URL"),
        "{}",
        stderr(&out)
    );
    let missing = dir.path().join("no-such-ca.pem");
    let out = audit_online(
        &config,
        dir.path(),
        &[("SSL_CERT_FILE", missing.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("cannot use SSL_CERT_FILE={}", missing.display())),
        "{}",
        stderr(&out)
    );
}
