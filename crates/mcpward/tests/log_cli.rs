//! `mcpward log show` and `mcpward log verify` through the real binary, on logs written by the
//! gateway's own writer.

use std::path::Path;
use std::process::{Command, Output};

use mcpward_gateway::chain::{AuditLog, Record, args_digest};

fn mcpward(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .args(args)
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("NO_COLOR", "1")
        .output()
        .expect("run mcpward")
}

/// Status, stdout and stderr with the temp dir, timestamps and hashes replaced by stable names.
fn text(o: &Output, home: &Path) -> String {
    let raw = format!(
        "status: {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    mask(&raw.replace(home.to_str().unwrap(), "<home>"))
}

/// Replaces RFC 3339 timestamps with `<time>` and runs of 12+ hex digits with `<hash>`.
fn mask(s: &str) -> String {
    let mut out = String::new();
    for token in s.split_inclusive(|c: char| c.is_whitespace() || c == ',' || c == '"') {
        let (word, sep) = match token.char_indices().last() {
            Some((i, c)) if c.is_whitespace() || c == ',' || c == '"' => token.split_at(i),
            _ => (token, ""),
        };
        if word.len() >= 20
            && word.as_bytes()[4] == b'-'
            && word.contains('T')
            && word.ends_with('Z')
        {
            out.push_str("<time>");
        } else if word.len() >= 12 && word.bytes().all(|b| b.is_ascii_hexdigit()) {
            out.push_str("<hash>");
        } else {
            out.push_str(word);
        }
        out.push_str(sep);
    }
    out
}

fn record(server: &str, tool: &str, decision: &str) -> Record {
    Record {
        server: server.into(),
        method: "tools/call".into(),
        tool: Some(tool.into()),
        args_digest: Some(args_digest(&serde_json::json!({ "path": "README.md" }))),
        decision: decision.into(),
        rule: Some("rule #1 (policy.toml:3)".into()),
        approver: None,
        latency_us: Some(42),
        detail: None,
    }
}

/// A home directory whose default audit log holds four records.
fn home_with_log() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("state/mcpward/audit.jsonl");
    let mut log = AuditLog::open(&path, "sess-1").unwrap();
    log.append(&record("filesystem", "read_file", "allow"), false)
        .unwrap();
    log.append(&record("filesystem", "write_file", "deny"), true)
        .unwrap();
    log.append(&record("github", "create_issue", "ask-approved"), true)
        .unwrap();
    log.append(&record("github", "list_issues", "allow"), false)
        .unwrap();
    home
}

fn log_path(home: &Path) -> std::path::PathBuf {
    home.join("state/mcpward/audit.jsonl")
}

#[test]
fn verify_reports_an_intact_log_and_exits_zero() {
    let home = home_with_log();
    let out = mcpward(home.path(), &["log", "verify"]);
    insta::assert_snapshot!(text(&out, home.path()), @r#"
        status: Some(0)
        --- stdout
        <home>/state/mcpward/audit.jsonl: intact, 4 record(s), 1 anchored
        <home>/state/mcpward/audit.jsonl: note: 1 session(s) have not ended (running, or killed); 1 of their record(s) were written after their head's last update, so removing those would not be detected
        --- stderr
    "#);
}

#[test]
fn verify_names_the_first_edited_record_and_exits_one() {
    let home = home_with_log();
    let path = log_path(home.path());
    let edited = std::fs::read_to_string(&path).unwrap().replacen(
        "\"decision\":\"deny\"",
        "\"decision\":\"allow\"",
        1,
    );
    std::fs::write(&path, edited).unwrap();
    let out = mcpward(home.path(), &["log", "verify"]);
    insta::assert_snapshot!(text(&out, home.path()), @r#"
        status: Some(1)
        --- stdout
        <home>/state/mcpward/audit.jsonl:2: TAMPERED (edited): content does not match its hash (the record was edited): stored <hash>, computed <hash>
        --- stderr
    "#);
}

#[test]
fn verify_detects_records_cut_off_the_end() {
    let home = home_with_log();
    let path = log_path(home.path());
    let text_before = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text_before.lines().take(2).collect();
    std::fs::write(&path, format!("{}\n", kept.join("\n"))).unwrap();
    let out = mcpward(home.path(), &["log", "verify"]);
    insta::assert_snapshot!(text(&out, home.path()), @r#"
        status: Some(1)
        --- stdout
        <home>/state/mcpward/audit.jsonl:3: TAMPERED (truncated): session sess-1 (from line 1): its head names seq 3 but the log holds its records up to seq 2: 1 record(s) removed from its end
        --- stderr
    "#);
}

#[test]
fn verify_reports_a_crash_tear_as_a_note_not_tampering() {
    let home = home_with_log();
    let path = log_path(home.path());
    let mut data = std::fs::read(&path).unwrap();
    data.extend_from_slice(br#"{"v":1,"time":"2026-01-01T00:00:00Z","sess"#);
    std::fs::write(&path, data).unwrap();
    let out = mcpward(home.path(), &["log", "verify"]);
    insta::assert_snapshot!(text(&out, home.path()), @r#"
        status: Some(0)
        --- stdout
        <home>/state/mcpward/audit.jsonl: intact, 4 record(s), 1 anchored
        <home>/state/mcpward/audit.jsonl:5: note: a write cut short by a crash (not tampering)
        <home>/state/mcpward/audit.jsonl: note: 1 session(s) have not ended (running, or killed); 1 of their record(s) were written after their head's last update, so removing those would not be detected
        --- stderr
    "#);
}

#[test]
fn verify_json_output_is_machine_readable() {
    let home = home_with_log();
    let path = log_path(home.path());
    let out = mcpward(
        home.path(),
        &[
            "log",
            "verify",
            "--log",
            path.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["records"], 4);
    assert_eq!(v["tamper"], serde_json::Value::Null);
}

#[test]
fn show_prints_records_filtered_by_server_and_decision() {
    let home = home_with_log();
    let out = mcpward(home.path(), &["log", "show", "--server", "github"]);
    insta::assert_snapshot!(text(&out, home.path()), @r#"
        status: Some(0)
        --- stdout
        <time>  #3  github  create_issue  ask-approved  rule #1 (policy.toml:3)  42us  session=sess-1
        <time>  #4  github  list_issues  allow  rule #1 (policy.toml:3)  42us  session=sess-1
        --- stderr
    "#);
    let out = mcpward(home.path(), &["log", "show", "--decision", "deny"]);
    insta::assert_snapshot!(text(&out, home.path()), @r#"
        status: Some(0)
        --- stdout
        <time>  #2  filesystem  write_file  deny  rule #1 (policy.toml:3)  42us  session=sess-1
        --- stderr
    "#);
}

#[test]
fn show_escapes_a_tool_name_that_would_repaint_the_line() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("state/mcpward/audit.jsonl");
    let mut log = AuditLog::open(&path, "sess-1").unwrap();
    let mut rec = record(
        "filesystem\u{202E}",
        "write_file\r\u{1b}[2Kread_notes",
        "ask-approved",
    );
    rec.approver = Some("queue (uid 1000, terminal claimed)".into());
    rec.detail = Some("wrote\u{9b}2K\u{2066}ok\u{200B}".into());
    log.append(&rec, true).unwrap();
    let out = mcpward(home.path(), &["log", "show"]);
    insta::assert_snapshot!(text(&out, home.path()), @r#"
    status: Some(0)
    --- stdout
    <time>  #1  filesystem\u{202e}  write_file\r\u{1b}[2Kread_notes  ask-approved  rule #1 (policy.toml:3)  queue (uid 1000, terminal claimed)  42us  session=sess-1  wrote\u{9b}2K\u{2066}ok\u{200b}
    --- stderr
    "#);
}

#[test]
fn show_json_lists_the_stored_records() {
    let home = home_with_log();
    let out = mcpward(
        home.path(),
        &["log", "show", "--tool", "write_file", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let records = v.as_array().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["seq"], 2);
    assert_eq!(records[0]["decision"], "deny");
    assert_eq!(records[0]["session"], "sess-1");
    assert_eq!(records[0]["hash"].as_str().unwrap().len(), 64);
}

#[test]
fn show_without_a_log_says_where_it_looked() {
    let home = tempfile::tempdir().unwrap();
    let out = mcpward(home.path(), &["log", "show"]);
    insta::assert_snapshot!(text(&out, home.path()), @r#"
        status: Some(2)
        --- stdout
        --- stderr
        error: no audit log at <home>/state/mcpward/audit.jsonl: `mcpward run` writes it there; pass --log FILE to read another one
    "#);
}

#[test]
fn verify_reports_records_cut_off_a_session_that_another_session_followed() {
    let home = home_with_log();
    let path = log_path(home.path());
    let original = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = original.lines().take(2).collect();
    std::fs::write(&path, format!("{}\n", kept.join("\n"))).unwrap();
    let mut log = AuditLog::open(&path, "sess-2").unwrap();
    log.append(&record("github", "list_issues", "allow"), false)
        .unwrap();
    let out = mcpward(home.path(), &["log", "verify"]);
    let shown = text(&out, home.path());
    assert_eq!(out.status.code(), Some(1), "{shown}");
    // The cut session's head still names its newest durable record.
    assert!(
        shown.contains("audit.jsonl:4: TAMPERED (truncated)"),
        "{shown}"
    );
    assert!(
        shown.contains("session sess-1 (from line 1): its head names seq 3"),
        "{shown}"
    );
}

#[test]
fn verify_with_the_key_checks_every_record_mac() {
    let home = tempfile::tempdir().unwrap();
    let key_path = home.path().join("keys/audit.key");
    let key = mcpward_gateway::chain::LogKey::load_or_create(&key_path).unwrap();
    let path = log_path(home.path());
    let mut log = AuditLog::open(&path, "sess-1").unwrap().with_key(Some(key));
    log.append(&record("filesystem", "read_file", "allow"), false)
        .unwrap();
    let key_arg = key_path.to_str().unwrap();
    let out = mcpward(home.path(), &["log", "verify", "--key", key_arg]);
    let shown = text(&out, home.path());
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("every record's MAC matches the key"),
        "{shown}"
    );
    let out = mcpward(home.path(), &["log", "verify"]);
    let shown = text(&out, home.path());
    assert!(shown.contains("pass --key FILE"), "{shown}");
    // Another key (a forger's) does not verify.
    let other = home.path().join("keys/other.key");
    mcpward_gateway::chain::LogKey::load_or_create(&other).unwrap();
    let out = mcpward(
        home.path(),
        &["log", "verify", "--key", other.to_str().unwrap()],
    );
    let shown = text(&out, home.path());
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(shown.contains("TAMPERED (mac)"), "{shown}");
}
