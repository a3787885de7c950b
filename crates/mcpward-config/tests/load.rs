//! `load_paths`: files and directories named on the command line.

use std::fs;
use std::path::Path;

use mcpward_config::{ClientKind, LoadError, Scope, load_paths};

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn walks_a_directory_for_recognised_configs_and_skips_vendored_trees() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        &root.join(".mcp.json"),
        r#"{"mcpServers": {"a": {"command": "x"}}}"#,
    );
    write(
        &root.join(".vscode/mcp.json"),
        r#"{"servers": {"b": {"command": "y"}}}"#,
    );
    write(
        &root.join("node_modules/pkg/.mcp.json"),
        r#"{"mcpServers": {}}"#,
    );
    write(
        &root.join(".git/config.toml"),
        "[mcp_servers.x]\ncommand='x'\n",
    );
    write(&root.join("package.json"), r#"{"name": "app"}"#);
    write(&root.join("docs/settings.json"), r#"{"editor.tabSize": 2}"#);

    let results = load_paths(&[root.to_path_buf()]);
    let files: Vec<_> = results.into_iter().map(Result::unwrap).collect();
    let found: Vec<_> = files.iter().map(|f| (f.client, f.scope)).collect();
    assert_eq!(
        found,
        [
            (ClientKind::ClaudeCode, Scope::Project),
            (ClientKind::VsCode, Scope::Project)
        ]
    );
}

#[test]
fn named_file_that_is_not_a_config_is_an_error_that_says_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("package.json");
    write(&path, r#"{"name": "app"}"#);
    let results = load_paths(std::slice::from_ref(&path));
    let Err(err @ LoadError::NotAConfig { .. }) = &results[0] else {
        panic!("{results:?}")
    };
    let message = err.to_string();
    assert!(
        message.contains("package.json") && message.contains(".mcp.json"),
        "{message}"
    );
}

#[test]
fn missing_path_is_an_io_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("nope.json");
    let results = load_paths(std::slice::from_ref(&path));
    let Err(err @ LoadError::Io { .. }) = &results[0] else {
        panic!("{results:?}")
    };
    assert!(err.to_string().contains("nope.json"));
}

#[test]
fn named_config_with_a_syntax_error_is_loaded_with_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(".mcp.json");
    write(&path, "{\"mcpServers\": {\n  \"a\": {\"command\": }\n}}");
    let results = load_paths(std::slice::from_ref(&path));
    let file = results.into_iter().next().unwrap().unwrap();
    assert!(file.servers.is_empty());
    assert_eq!(file.problems[0].span.line, 2);
}

#[test]
fn invalid_utf8_is_reported_and_the_rest_still_read() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(".mcp.json");
    let mut bytes = br#"{"mcpServers": {"a": {"command": "x", "args": [""#.to_vec();
    bytes.extend([0xff, 0xfe]);
    bytes.extend(br#""]}}}"#);
    fs::write(&path, bytes).unwrap();
    let file = load_paths(std::slice::from_ref(&path))
        .into_iter()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(file.servers.len(), 1);
    assert!(file.problems[0].message.contains("UTF-8"));
}

#[test]
fn the_same_file_named_twice_is_loaded_once() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(".mcp.json");
    write(&path, r#"{"mcpServers": {}}"#);
    assert_eq!(
        load_paths(&[path.clone(), tmp.path().to_path_buf()]).len(),
        1
    );
}

#[test]
fn byte_order_mark_does_not_hide_servers_or_shift_positions() {
    let tmp = tempfile::tempdir().unwrap();
    let strict = tmp.path().join(".mcp.json");
    write(
        &strict,
        "\u{feff}{\"mcpServers\": {\"a\": {\"command\": \"x\"}}}",
    );
    let jsonc = tmp.path().join(".vscode/mcp.json");
    write(
        &jsonc,
        "\u{feff}{\"servers\": {\"b\": {\"command\": \"y\"}}}",
    );
    let yaml = tmp.path().join(".continue/mcpServers/c.yaml");
    write(&yaml, "\u{feff}mcpServers:\n  - name: c\n    command: z\n");
    let files: Vec<_> = load_paths(&[strict, jsonc, yaml])
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let a = &files[0];
    assert_eq!(a.servers.len(), 1);
    let command = a.servers[0].command.as_ref().unwrap();
    assert_eq!((command.span.line, command.span.col), (1, 35));
    assert_eq!(a.problems.len(), 1, "{:?}", a.problems);
    assert!(a.problems[0].message.contains("byte-order mark"));
    assert_eq!(files[1].servers.len(), 1);
    assert!(files[1].problems.is_empty(), "{:?}", files[1].problems);
    assert_eq!(files[2].servers.len(), 1);
    assert!(files[2].problems.is_empty(), "{:?}", files[2].problems);
}

#[test]
fn yaml_stream_of_several_documents_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(".continue/mcpServers/tools.yaml");
    write(
        &path,
        "mcpServers:\n  - name: a\n    command: x\n---\nmcpServers:\n  - name: b\n    command: y\n",
    );
    let file = load_paths(std::slice::from_ref(&path))
        .into_iter()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(file.servers.len(), 1);
    assert_eq!(file.problems.len(), 1, "{:?}", file.problems);
    assert!(file.problems[0].message.contains("a second YAML document"));
    assert_eq!(file.problems[0].span.line, 4);
}

#[test]
fn broken_files_at_client_paths_load_with_a_problem_instead_of_being_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let codex = root.join(".codex/config.toml");
    fs::create_dir_all(codex.parent().unwrap()).unwrap();
    fs::write(&codex, [0x89u8, b'P', b'N', b'G', 0, 0, 0xff, 0xfe, 7]).unwrap();
    let zed = root.join("zed/settings.json");
    write(&zed, "");
    let goose = root.join("goose/config.yaml");
    write(&goose, "extensions:\n  dev: [unclosed\n");
    for (path, client) in [
        (&codex, ClientKind::Codex),
        (&zed, ClientKind::Zed),
        (&goose, ClientKind::Goose),
    ] {
        let mut results = load_paths(std::slice::from_ref(path));
        let file = results
            .remove(0)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(file.client, client, "{}", path.display());
        assert!(!file.problems.is_empty(), "{}", path.display());
    }
    // Walking the directory finds them too.
    let walked: Vec<_> = load_paths(&[root.to_path_buf()])
        .into_iter()
        .map(Result::unwrap)
        .map(|f| f.client)
        .collect();
    for client in [ClientKind::Codex, ClientKind::Zed, ClientKind::Goose] {
        assert!(walked.contains(&client), "{walked:?}");
    }
}

#[test]
fn walking_finds_claude_code_settings_and_reports_a_broken_one_with_its_position() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        &root.join(".claude/settings.local.json"),
        r#"{"permissions": {"allow": ["mcp__github__get_issue"]}}"#,
    );
    write(
        &root.join("svc/.claude/settings.json"),
        "{\n  \"permissions\": {\n    \"allow\": [\"mcp__github\",]\n  }\n}\n",
    );
    // Claude Code's own tools only: not an MCP config, not read.
    write(
        &root.join("web/.claude/settings.json"),
        r#"{"permissions": {"allow": ["Bash(npm test)"]}}"#,
    );
    let files: Vec<_> = load_paths(&[root.to_path_buf()])
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let found: Vec<_> = files
        .iter()
        .map(|f| {
            (
                f.path.strip_prefix(root).unwrap().to_path_buf(),
                f.client,
                f.switches.len(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                Path::new(".claude/settings.local.json").to_path_buf(),
                ClientKind::ClaudeCode,
                1
            ),
            (
                Path::new("svc/.claude/settings.json").to_path_buf(),
                ClientKind::ClaudeCode,
                1
            ),
        ]
    );
    // A trailing comma: Claude Code reads the file as strict JSON and rejects it.
    let broken = &files[1];
    assert_eq!(broken.problems.len(), 1, "{:?}", broken.problems);
    assert_eq!(broken.problems[0].span.line, 3);
    assert!(
        broken.problems[0].message.contains("strict JSON"),
        "{}",
        broken.problems[0].message
    );
}

#[test]
fn a_named_unparseable_claude_code_settings_file_is_that_clients_with_a_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(".claude/settings.json");
    write(&path, "{\n  \"permissions\": {\n");
    let file = load_paths(std::slice::from_ref(&path)).remove(0).unwrap();
    assert_eq!(file.client, ClientKind::ClaudeCode);
    assert!(!file.problems.is_empty());
    assert!(file.switches.is_empty());
}
