//! `mcpward creds`, `template`, `secrets` and `run --secret` through the real binary, on a fake
//! HOME holding configs of several clients and a project that is a real git repository.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use mcpward_testkit::fake_github_token;

struct Machine {
    _root: tempfile::TempDir,
    home: PathBuf,
    project: PathBuf,
    state: PathBuf,
}

impl Machine {
    /// Cursor (literal token + env reference), Codex (env_vars), VS Code (input) in HOME, and
    /// a Claude Code project config in a git repository.
    fn new() -> Machine {
        let root = tempfile::tempdir().unwrap();
        let home = root.path().join("home");
        let project = root.path().join("project");
        let state = root.path().join("state");
        for d in [
            home.join(".cursor"),
            home.join(".codex"),
            home.join(".config/Code/User"),
            project.clone(),
        ] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(
            home.join(".cursor/mcp.json"),
            format!(
                r#"{{
  "mcpServers": {{
    "github": {{
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-github@1.0.0"],
      "env": {{ "GITHUB_PERSONAL_ACCESS_TOKEN": "{}" }}
    }},
    "slack": {{ "command": "npx", "args": ["-y", "@modelcontextprotocol/server-slack@1.0.0"], "env": {{ "SLACK_BOT_TOKEN": "${{env:SLACK_BOT_TOKEN}}" }} }}
  }}
}}
"#,
                fake_github_token()
            ),
        )
        .unwrap();
        std::fs::write(
            home.join(".codex/config.toml"),
            "# codex\n[mcp_servers.docs]\ncommand = \"npx\"\nargs = [\"-y\", \"mcp-docs@1.0.0\"]\nenv_vars = [\"OPENAI_API_KEY\"]\n",
        )
        .unwrap();
        std::fs::write(
            home.join(".config/Code/User/mcp.json"),
            r#"{
  "inputs": [{ "type": "promptString", "id": "linear-key", "password": true }],
  "servers": { "linear": { "type": "http", "url": "https://mcp.linear.test/mcp", "headers": { "Authorization": "Bearer ${input:linear-key}" } } }
}
"#,
        )
        .unwrap();
        std::fs::write(
            project.join(".mcp.json"),
            r#"{ "mcpServers": { "api": { "type": "http", "url": "https://mcp.example.test/mcp", "headers": { "Authorization": "Bearer ${API_TOKEN}" } } } }
"#,
        )
        .unwrap();
        let git = Command::new("git")
            .args(["init", "-q"])
            .current_dir(&project)
            .status();
        assert!(git.is_ok_and(|s| s.success()), "git init failed");
        Machine {
            _root: root,
            home,
            project,
            state,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_mcpward"));
        c.args(args)
            .current_dir(&self.project)
            .env_clear()
            .env("HOME", &self.home)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NO_COLOR", "1")
            .env("MCPWARD_STATE_DIR", &self.state)
            .stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run mcpward")
    }

    /// Output with the temporary paths replaced, for snapshots.
    fn text(&self, bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes)
            .replace(&self.home.display().to_string(), "~")
            .replace(&self.project.display().to_string(), "<project>")
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn creds_lists_credentials_of_every_client_and_records_first_sight() {
    let m = Machine::new();
    let out = m.run(&["creds", "--as-of", "2026-01-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = m.text(&out.stdout);
    assert!(!text.contains(&fake_github_token()), "{text}");
    insta::assert_snapshot!("creds_first_run", text);
    let state = std::fs::read_to_string(m.state.join("creds.json")).unwrap();
    assert!(state.contains("\"first_seen\": \"2026-01-01\""), "{state}");
    assert!(!state.contains(&fake_github_token()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(m.state.join("creds.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn creds_exits_1_when_overdue_and_rotated_resets_the_clock() {
    let m = Machine::new();
    assert!(m.run(&["creds", "--as-of", "2026-01-01"]).status.success());
    let out = m.run(&["creds", "--as-of", "2026-04-20", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let creds = doc["credentials"].as_array().unwrap();
    assert_eq!(creds.len(), 5, "{doc:#}");
    assert!(creds.iter().all(|c| c["status"] == "overdue"), "{doc:#}");
    let literal = creds
        .iter()
        .find(|c| c["origin"]["type"] == "literal")
        .unwrap();
    assert_eq!(literal["provider"], "GitHub");
    assert!(literal["broad"].as_str().unwrap().contains("github_pat_"));
    let fp = literal["origin"]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();

    for name in [
        "SLACK_BOT_TOKEN",
        "OPENAI_API_KEY",
        "linear-key",
        "API_TOKEN",
        &format!("sha256:{fp}"),
    ] {
        let out = m.run(&["creds", "rotated", name, "--date", "2026-04-15"]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
    }
    let out = m.run(&["creds", "--as-of", "2026-04-20"]);
    assert_eq!(out.status.code(), Some(0), "{}", m.text(&out.stdout));
    insta::assert_snapshot!("creds_after_rotation", m.text(&out.stdout));

    // A shorter period makes it due soon.
    let out = m.run(&[
        "creds",
        "rotated",
        "API_TOKEN",
        "--date",
        "2026-04-15",
        "--period",
        "14",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = m.run(&["creds", "--as-of", "2026-04-20", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let api = doc["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "env:API_TOKEN")
        .unwrap()
        .clone();
    assert_eq!(api["status"], "due-soon", "{api:#}");
    assert_eq!(api["days_left"], 9);
}

#[test]
fn rotated_unknown_name_fails_and_lists_the_known_ones() {
    let m = Machine::new();
    let out = m.run(&["creds", "rotated", "NOPE"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("no credential named `NOPE`"), "{err}");
    assert!(err.contains("SLACK_BOT_TOKEN"), "{err}");
}

#[test]
fn corrupt_state_is_reported_with_its_position_and_never_reset() {
    let m = Machine::new();
    std::fs::create_dir_all(&m.state).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&m.state, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let broken = "{\n  \"version\": 1,\n  \"credentials\": {\n    \"env:API_TOKEN\": { \"first_seen\": \"2026-01-01\" ,,\n";
    std::fs::write(m.state.join("creds.json"), broken).unwrap();
    for args in [
        &["creds"][..],
        &["creds", "rotated", "API_TOKEN"][..],
        &["creds", "calendar"][..],
    ] {
        let out = m.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(err.contains("creds.json:4:"), "{err}");
        assert!(err.contains("is corrupt"), "{err}");
    }
    assert_eq!(
        std::fs::read_to_string(m.state.join("creds.json")).unwrap(),
        broken
    );
}

#[test]
fn calendar_parses_back_with_one_event_per_credential_and_stable_uids() {
    let m = Machine::new();
    let file = m.project.join("rotation.ics");
    let ics = |m: &Machine| {
        let out = m.run(&[
            "creds",
            "calendar",
            "--as-of",
            "2026-01-01",
            "-o",
            file.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        std::fs::read_to_string(&file).unwrap()
    };
    let first = ics(&m);
    let second = ics(&m);
    let parse = |text: &str| -> Vec<(String, String, Vec<String>)> {
        let mut cals = ical::IcalParser::new(text.as_bytes());
        let cal = cals.next().expect("one calendar").expect("valid iCalendar");
        assert!(cals.next().is_none());
        cal.events
            .iter()
            .map(|e| {
                let prop = |name: &str| {
                    e.properties
                        .iter()
                        .find(|p| p.name == name)
                        .and_then(|p| p.value.clone())
                        .unwrap_or_default()
                };
                let triggers = e
                    .alarms
                    .iter()
                    .flat_map(|a| a.properties.iter())
                    .filter(|p| p.name == "TRIGGER")
                    .filter_map(|p| p.value.clone())
                    .collect();
                (prop("UID"), prop("DTSTART"), triggers)
            })
            .collect()
    };
    let a = parse(&first);
    let b = parse(&second);
    assert_eq!(a.len(), 5);
    assert_eq!(
        a.iter().map(|e| &e.0).collect::<Vec<_>>(),
        b.iter().map(|e| &e.0).collect::<Vec<_>>(),
        "UIDs must be stable"
    );
    for (uid, start, triggers) in &a {
        assert!(uid.ends_with("@mcpward"), "{uid}");
        assert_eq!(start, "20260401", "first seen 2026-01-01 + 90 days");
        assert_eq!(triggers, &["-PT604800S".to_string()], "alarm a week before");
    }
    assert!(!first.contains(&fake_github_token()));

    // Overdue credentials are put on today.
    let out = m.run(&["creds", "calendar", "--as-of", "2026-05-01"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let events = parse(&text);
    assert!(events.iter().all(|e| e.1 == "20260501"), "{events:?}");
}

#[test]
fn audit_machine_output_reports_overdue_credentials() {
    let m = Machine::new();
    std::fs::create_dir_all(&m.state).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&m.state, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    std::fs::write(
        m.state.join("creds.json"),
        r#"{ "version": 1, "credentials": { "env:API_TOKEN": { "first_seen": "2020-01-01" } } }"#,
    )
    .unwrap();
    let out = m.run(&["audit", "--format", "json"]);
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    let text = doc.to_string();
    assert!(text.contains("credential-rotation-overdue"), "{doc:#}");
    assert!(text.contains("mcpward creds rotated API_TOKEN"), "{doc:#}");
    // The human view is `mcpward creds`; the human audit stays about the configs.
    let out = m.run(&["audit"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("credential-rotation-overdue"));
}

#[test]
fn template_writes_a_clean_copy_env_example_and_gitignore_entry() {
    let m = Machine::new();
    let token = fake_github_token();
    let config = m.project.join(".mcp.json");
    std::fs::write(
        &config,
        format!(
            "{{\n  \"mcpServers\": {{\n    \"github\": {{ \"command\": \"npx\", \"args\": [\"-y\", \"@modelcontextprotocol/server-github@1.0.0\"], \"env\": {{ \"GITHUB_PERSONAL_ACCESS_TOKEN\": \"{token}\" }} }}\n  }}\n}}\n"
        ),
    )
    .unwrap();
    let dry = m.run(&["template", ".mcp.json", "--dry-run"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    let diff = m.text(&dry.stdout);
    assert!(!diff.contains(&token), "{diff}");
    insta::assert_snapshot!("template_dry_run", diff);
    assert!(
        !m.project.join(".mcp.example.json").exists(),
        "dry run wrote"
    );

    let out = m.run(&["template", ".mcp.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let example = std::fs::read_to_string(m.project.join(".mcp.example.json")).unwrap();
    assert!(
        example.contains("\"${GITHUB_PERSONAL_ACCESS_TOKEN}\""),
        "{example}"
    );
    let env = std::fs::read_to_string(m.project.join(".env.example")).unwrap();
    assert!(env.contains("GITHUB_PERSONAL_ACCESS_TOKEN=\n"), "{env}");
    assert!(!env.contains(&token));
    let gitignore = std::fs::read_to_string(m.project.join(".gitignore")).unwrap();
    assert_eq!(gitignore, "/.mcp.json\n");
    let audit = m.run(&["audit", ".mcp.example.json", "--format", "json"]);
    let findings = String::from_utf8_lossy(&audit.stdout).into_owned();
    assert!(!findings.contains("hardcoded-secret"), "{findings}");
    // The config itself is untouched.
    assert!(std::fs::read_to_string(&config).unwrap().contains(&token));
}

#[test]
fn run_secret_is_injected_into_the_server_environment_only() {
    let m = Machine::new();
    let marker = m.project.join("env-seen");
    let script = format!("printenv INJECTED > '{}'", marker.display());
    let out = m
        .command(&[
            "run",
            "--name",
            "probe",
            "--secret",
            "INJECTED=env:SOURCE_TOKEN",
            "--",
            "sh",
            "-c",
            &script,
        ])
        .env("SOURCE_TOKEN", fake_github_token())
        .output()
        .unwrap();
    let seen = std::fs::read_to_string(&marker).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    assert_eq!(seen.trim(), fake_github_token());
    assert!(
        !stderr(&out).contains(&fake_github_token()),
        "{}",
        stderr(&out)
    );
}

#[test]
fn run_stops_before_launch_when_a_reference_cannot_be_resolved() {
    let m = Machine::new();
    let marker = m.project.join("started");
    let script = format!("touch '{}'", marker.display());
    let empty_path = m.project.join("no-bin");
    std::fs::create_dir_all(&empty_path).unwrap();
    for (reference, expect) in [
        ("T=env:NOT_SET", "env:NOT_SET: `NOT_SET` is not set"),
        ("T=op://Private/GitHub/token", "install the 1Password CLI"),
        ("T=vault:secret/gh#token", "install the Vault CLI"),
    ] {
        let out = m
            .command(&["run", "--secret", reference, "--", "/bin/sh", "-c", &script])
            .env("PATH", &empty_path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{reference}");
        let err = stderr(&out);
        assert!(err.contains(expect), "{reference}: {err}");
        assert!(err.contains("the server was not started"), "{err}");
        assert!(!marker.exists(), "{reference}: the server was started");
    }
}

#[test]
fn run_secret_given_a_literal_value_refuses_without_echoing_it() {
    let m = Machine::new();
    let token = fake_github_token();
    let out = m.run(&[
        "run",
        "--secret",
        &format!("GITHUB_TOKEN={token}"),
        "--",
        "true",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(!err.contains(&token), "{err}");
    assert!(err.contains("GITHUB_TOKEN=ghp_…(40 chars)"), "{err}");
}

#[test]
fn secrets_list_is_empty_and_set_rejects_a_bad_name_before_touching_the_keychain() {
    let m = Machine::new();
    let out = m.run(&["secrets", "list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no secrets stored"));
    let out = m.run(&["secrets", "set", "BAD-NAME"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a valid secret name"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn policy_secrets_are_injected_and_a_flag_replaces_the_entry_of_the_same_name() {
    let m = Machine::new();
    let policy = m.project.join("policy.toml");
    std::fs::write(
        &policy,
        "[secrets]\nFROM_POLICY = \"env:SOURCE_A\"\nREPLACED = \"env:SOURCE_A\"\n",
    )
    .unwrap();
    let marker = m.project.join("env-seen");
    let script = format!(
        "printf '%s %s' \"$FROM_POLICY\" \"$REPLACED\" > '{}'",
        marker.display()
    );
    let out = m
        .command(&[
            "run",
            "--policy",
            policy.to_str().unwrap(),
            "--secret",
            "REPLACED=env:SOURCE_B",
            "--",
            "sh",
            "-c",
            &script,
        ])
        .env("SOURCE_A", "value-a")
        .env("SOURCE_B", "value-b")
        .output()
        .unwrap();
    let seen = std::fs::read_to_string(&marker).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    assert_eq!(seen, "value-a value-b");
}
