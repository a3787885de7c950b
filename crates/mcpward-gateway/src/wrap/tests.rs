use jsonc_parser::ast::Value;
use jsonc_parser::{CollectOptions, ParseOptions};

use super::*;

const BIN: &str = "/opt/mcpward/bin/mcpward";

const CLAUDE_DESKTOP: &str = r#"{
  "mcpServers": {
    "filesystem": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-filesystem", "./src"]
    },
    "remote": { "url": "https://mcp.example.com/mcp" }
  },
  "globalShortcut": "Ctrl+Space"
}
"#;

const CLAUDE_CODE_USER: &str = r#"{
  "numStartups": 12,
  "mcpServers": {
    "memory": {"type": "stdio", "command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"], "env": {}}
  },
  "projects": {
    "/srv/projects/app": {
      "allowedTools": [],
      "mcpServers": {
        "git": {
          "type": "stdio",
          "command": "uvx",
          "args": [
            "mcp-server-git",
            "--repository",
            "."
          ]
        },
        "sentry": {"type": "http", "url": "https://mcp.sentry.dev/mcp"}
      }
    }
  }
}
"#;

const CLAUDE_CODE_PROJECT: &str = r#"{
  "mcpServers": {
    "time": {
      "command": "uvx",
      "args": []
    },
    "docs": {"type": "sse", "url": "https://docs.example.com/sse"}
  }
}
"#;

const VSCODE_MCP_JSON: &str = r#"// Workspace MCP servers
{
  "inputs": [
    { "type": "promptString", "id": "gh-token", "description": "GitHub token", "password": true },
  ],
  "servers": {
    /* GitHub through docker */
    "github": {
      "type": "stdio",
      "command": "docker", // the container runtime
      "args": ["run", "-i", "--rm", "ghcr.io/github/github-mcp-server"],
      "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "${input:gh-token}" },
    },
    "fetch": { "type": "http", "url": "https://fetch.example.com/mcp" },
  },
}
"#;

const VSCODE_SETTINGS: &str = r#"{
  "editor.fontSize": 13,
  // MCP in user settings (older layout)
  "mcp": {
    "servers": {
      "sqlite": { "command": "uvx", "args": ["mcp-server-sqlite", "--db-path", "test.db"] }
    }
  }
}
"#;

const CURSOR: &str = r#"{"mcpServers":{"puppeteer":{"command":"npx","args":["-y","@modelcontextprotocol/server-puppeteer"]}}}"#;

const WINDSURF: &str = r#"{
  "mcpServers": {
    "brave": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-brave-search"],
      "env": {"BRAVE_API_KEY": "<your-key>"},
      "disabledTools": []
    }
  }
}
"#;

const CLINE: &str = r#"{
  "mcpServers": {
    "filesystem": {
      "command": "node",
      "args": ["build/index.js"],
      "disabled": false,
      "autoApprove": ["read_file"]
    }
  }
}
"#;

const ROO: &str = r#"{
  "mcpServers": {
    "everything": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-everything"],
      "alwaysAllow": [],
      "disabled": false
    },
    "remote": {"type": "streamable-http", "url": "https://mcp.example.com/mcp"}
  }
}
"#;

const LM_STUDIO: &str = r#"{
  "mcpServers": {
    "hf": { "url": "https://huggingface.co/mcp" },
    "local": { "command": "C:\\Program Files\\nodejs\\node.exe", "args": ["server.js"] }
  }
}
"#;

const GEMINI: &str = r#"{
  "theme": "Default",
  "mcpServers": {
    "python": {
      "command": "python",
      "args": ["-m", "my_mcp_server"],
      "cwd": "./mcp-servers/python",
      "trust": false
    },
    "remote": { "httpUrl": "https://mcp.example.com/mcp" },
    "noargs": { "command": "my-server" }
  }
}
"#;

const CODEX: &str = r#"# Codex CLI
model = "o4-mini"

[mcp_servers.github]
command = "npx" # runner
args = [
  "-y",
  "@modelcontextprotocol/server-github",
]
env = { "GITHUB_PERSONAL_ACCESS_TOKEN" = "<token>" }

[mcp_servers.local]
command = 'C:\tools\server.exe'

[mcp_servers.remote]
url = "https://mcp.example.com/mcp"

[mcp_servers.fetch]
command = "uvx"
args = []
"#;

const CODEX_INLINE: &str = r#"[mcp_servers]
time = { command = "uvx" }
git = { command = "uvx", args = ["mcp-server-git"] }
"#;

fn all() -> Vec<(ClientKind, &'static str)> {
    vec![
        (ClientKind::Codex, CODEX),
        (ClientKind::Codex, CODEX_INLINE),
        (ClientKind::ClaudeDesktop, CLAUDE_DESKTOP),
        (ClientKind::ClaudeCode, CLAUDE_CODE_USER),
        (ClientKind::ClaudeCode, CLAUDE_CODE_PROJECT),
        (ClientKind::VsCode, VSCODE_MCP_JSON),
        (ClientKind::VsCode, VSCODE_SETTINGS),
        (ClientKind::Cursor, CURSOR),
        (ClientKind::Windsurf, WINDSURF),
        (ClientKind::Cline, CLINE),
        (ClientKind::RooCode, ROO),
        (ClientKind::LmStudio, LM_STUDIO),
        (ClientKind::GeminiCli, GEMINI),
    ]
}

/// The parsed config, for checking what a client would read (last duplicate key wins).
fn parse(text: &str) -> serde_json::Value {
    let ast =
        jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &ParseOptions::default())
            .unwrap();
    to_json(&ast.value.unwrap())
}

fn to_json(v: &Value<'_>) -> serde_json::Value {
    match v {
        Value::StringLit(s) => serde_json::Value::String(s.value.to_string()),
        Value::NumberLit(n) => serde_json::from_str(n.value).unwrap(),
        Value::BooleanLit(b) => serde_json::Value::Bool(b.value),
        Value::NullKeyword(_) => serde_json::Value::Null,
        Value::Array(a) => a.elements.iter().map(to_json).collect(),
        Value::Object(o) => serde_json::Value::Object(
            o.properties
                .iter()
                .map(|p| (p.name.as_str().to_string(), to_json(&p.value)))
                .collect(),
        ),
    }
}

fn names(changes: &[Change]) -> Vec<&str> {
    changes.iter().map(|c| c.server.as_str()).collect()
}

#[test]
fn wraps_claude_desktop_and_keeps_the_rest_of_the_file() {
    let plan = plan_wrap(CLAUDE_DESKTOP, ClientKind::ClaudeDesktop, BIN).unwrap();
    insta::assert_snapshot!(plan.new_text, @r#"
    {
      "mcpServers": {
        "filesystem": {
          "command": "/opt/mcpward/bin/mcpward",
          "args": ["run", "--name", "filesystem", "--", "npx", "-y", "@modelcontextprotocol/server-filesystem", "./src"]
        },
        "remote": { "url": "https://mcp.example.com/mcp" }
      },
      "globalShortcut": "Ctrl+Space"
    }
    "#);
    assert_eq!(
        plan.changes,
        [Change {
            server: "filesystem".into(),
            project: None,
            before: "npx -y @modelcontextprotocol/server-filesystem ./src".into(),
            after: "/opt/mcpward/bin/mcpward run --name filesystem -- npx -y @modelcontextprotocol/server-filesystem ./src".into(),
        }]
    );
    assert_eq!(plan.skipped.len(), 1);
    assert_eq!(plan.skipped[0].server, "remote");
    assert!(
        plan.skipped[0].reason.contains("HTTP"),
        "{:?}",
        plan.skipped
    );
}

#[test]
fn wraps_claude_code_user_and_per_project_servers() {
    let plan = plan_wrap(CLAUDE_CODE_USER, ClientKind::ClaudeCode, BIN).unwrap();
    assert_eq!(names(&plan.changes), ["memory", "git"]);
    assert_eq!(
        plan.changes[1].project.as_deref(),
        Some("/srv/projects/app")
    );
    let v = parse(&plan.new_text);
    let git = &v["projects"]["/srv/projects/app"]["mcpServers"]["git"];
    assert_eq!(git["command"], BIN);
    assert_eq!(
        git["args"],
        serde_json::json!([
            "run",
            "--name",
            "git",
            "--",
            "uvx",
            "mcp-server-git",
            "--repository",
            "."
        ])
    );
    assert_eq!(v["numStartups"], 12);
    assert_eq!(plan.skipped.len(), 1);
    assert_eq!(plan.skipped[0].server, "sentry");
}

#[test]
fn wraps_an_entry_with_an_empty_args_list() {
    let plan = plan_wrap(CLAUDE_CODE_PROJECT, ClientKind::ClaudeCode, BIN).unwrap();
    let v = parse(&plan.new_text);
    assert_eq!(
        v["mcpServers"]["time"]["args"],
        serde_json::json!(["run", "--name", "time", "--", "uvx"])
    );
    assert_eq!(plan.skipped[0].server, "docs");
}

#[test]
fn wraps_an_entry_without_args() {
    let plan = plan_wrap(GEMINI, ClientKind::GeminiCli, BIN).unwrap();
    assert_eq!(names(&plan.changes), ["python", "noargs"]);
    assert!(
        plan.new_text.contains(r#""noargs": { "command": "/opt/mcpward/bin/mcpward", "args": ["run", "--name", "noargs", "--", "my-server"] }"#),
        "{}",
        plan.new_text
    );
    let v = parse(&plan.new_text);
    assert_eq!(v["mcpServers"]["python"]["cwd"], "./mcp-servers/python");
    assert_eq!(plan.skipped[0].server, "remote");
}

#[test]
fn keeps_comments_and_trailing_commas_in_jsonc() {
    let plan = plan_wrap(VSCODE_MCP_JSON, ClientKind::VsCode, BIN).unwrap();
    insta::assert_snapshot!(plan.new_text, @r#"
    // Workspace MCP servers
    {
      "inputs": [
        { "type": "promptString", "id": "gh-token", "description": "GitHub token", "password": true },
      ],
      "servers": {
        /* GitHub through docker */
        "github": {
          "type": "stdio",
          "command": "/opt/mcpward/bin/mcpward", // the container runtime
          "args": ["run", "--name", "github", "--", "docker", "run", "-i", "--rm", "ghcr.io/github/github-mcp-server"],
          "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "${input:gh-token}" },
        },
        "fetch": { "type": "http", "url": "https://fetch.example.com/mcp" },
      },
    }
    "#);
    assert_eq!(plan.skipped[0].server, "fetch");
}

#[test]
fn wraps_vscode_servers_in_user_settings() {
    let plan = plan_wrap(VSCODE_SETTINGS, ClientKind::VsCode, BIN).unwrap();
    assert_eq!(names(&plan.changes), ["sqlite"]);
    assert!(
        plan.new_text
            .contains("// MCP in user settings (older layout)")
    );
}

#[test]
fn wraps_every_mcp_servers_shaped_client() {
    for (client, src, expected) in [
        (ClientKind::Cursor, CURSOR, vec!["puppeteer"]),
        (ClientKind::Windsurf, WINDSURF, vec!["brave"]),
        (ClientKind::Cline, CLINE, vec!["filesystem"]),
        (ClientKind::RooCode, ROO, vec!["everything"]),
        (ClientKind::LmStudio, LM_STUDIO, vec!["local"]),
    ] {
        let plan = plan_wrap(src, client, BIN).unwrap();
        assert_eq!(names(&plan.changes), expected, "{client:?}");
        for name in expected {
            let entry = &parse(&plan.new_text)["mcpServers"][name];
            assert_eq!(entry["command"], BIN, "{client:?}");
            assert_eq!(entry["args"][2], name, "{client:?}");
        }
    }
}

#[test]
fn moves_an_escaped_windows_command_unchanged() {
    let plan = plan_wrap(LM_STUDIO, ClientKind::LmStudio, BIN).unwrap();
    let v = parse(&plan.new_text);
    assert_eq!(
        v["mcpServers"]["local"]["args"][4],
        r"C:\Program Files\nodejs\node.exe"
    );
    assert!(
        plan.changes[0].before.starts_with(r#""C:\\Program Files"#),
        "{}",
        plan.changes[0].before
    );
}

#[test]
fn escapes_the_mcpward_path_as_json() {
    let bin = r"C:\Users\Public\mcpward.exe";
    let plan = plan_wrap(CURSOR, ClientKind::Cursor, bin).unwrap();
    assert_eq!(
        parse(&plan.new_text)["mcpServers"]["puppeteer"]["command"],
        bin
    );
}

#[test]
fn wrapping_twice_changes_nothing() {
    for (client, src) in all() {
        let once = plan_wrap(src, client, BIN).unwrap();
        let twice = plan_wrap(&once.new_text, client, BIN).unwrap();
        assert_eq!(twice.new_text, once.new_text, "{client:?}");
        assert!(twice.changes.is_empty(), "{client:?}: {:?}", twice.changes);
        assert!(
            twice.skipped.iter().any(|s| s.reason == "already wrapped"),
            "{client:?}"
        );
    }
}

#[test]
fn already_wrapped_with_another_mcpward_path_is_left_alone() {
    let src =
        r#"{"mcpServers":{"x":{"command":"mcpward","args":["run","--name","x","--","npx","y"]}}}"#;
    let plan = plan_wrap(src, ClientKind::Cursor, BIN).unwrap();
    assert_eq!(plan.new_text, src);
    assert!(plan.changes.is_empty());
}

#[test]
fn unwrap_restores_every_original_byte() {
    for (client, src) in all() {
        let wrapped = plan_wrap(src, client, BIN).unwrap();
        let unwrapped = plan_unwrap(&wrapped.new_text, client).unwrap();
        assert_eq!(unwrapped.new_text, src, "{client:?}");
        assert_eq!(unwrapped.changes.len(), wrapped.changes.len(), "{client:?}");
        for (w, u) in wrapped.changes.iter().zip(&unwrapped.changes) {
            assert_eq!((&u.before, &u.after), (&w.after, &w.before), "{client:?}");
        }
    }
}

#[test]
fn unwrap_of_an_unwrapped_file_changes_nothing() {
    for (client, src) in all() {
        let plan = plan_unwrap(src, client).unwrap();
        assert_eq!(plan.new_text, src, "{client:?}");
        assert!(plan.changes.is_empty(), "{client:?}");
    }
}

#[test]
fn unwrap_of_a_hand_edited_wrapper_still_restores_the_command() {
    let src = r#"{"mcpServers":{"x":{
        "command": "/usr/local/bin/mcpward",
        "args": [
            "run",
            "--policy", "p.toml",
            "--name", "x",
            "--",
            "npx",
            "-y", "pkg"
        ]
    }}}"#;
    let plan = plan_unwrap(src, ClientKind::ClaudeDesktop).unwrap();
    let v = parse(&plan.new_text);
    assert_eq!(v["mcpServers"]["x"]["command"], "npx");
    assert_eq!(
        v["mcpServers"]["x"]["args"],
        serde_json::json!(["-y", "pkg"])
    );
    assert_eq!(plan.changes[0].after, "npx -y pkg");
}

#[test]
fn server_named_like_the_separator_round_trips() {
    let src = r#"{"mcpServers":{"--":{"command":"npx","args":["a"]}}}"#;
    let wrapped = plan_wrap(src, ClientKind::Cursor, BIN).unwrap();
    assert_eq!(
        parse(&wrapped.new_text)["mcpServers"]["--"]["args"],
        serde_json::json!(["run", "--name", "--", "--", "npx", "a"])
    );
    assert_eq!(
        plan_unwrap(&wrapped.new_text, ClientKind::Cursor)
            .unwrap()
            .new_text,
        src
    );
}

#[test]
fn duplicate_server_maps_are_all_wrapped() {
    let src = r#"{"mcpServers":{"a":{"command":"x"}},"mcpServers":{"b":{"command":"y"}}}"#;
    let plan = plan_wrap(src, ClientKind::ClaudeDesktop, BIN).unwrap();
    assert_eq!(names(&plan.changes), ["a", "b"]);
    assert_eq!(
        plan_unwrap(&plan.new_text, ClientKind::ClaudeDesktop)
            .unwrap()
            .new_text,
        src
    );
}

#[test]
fn entries_of_odd_shapes_are_skipped_with_a_reason() {
    let src = r#"{"mcpServers":{
        "a": "npx",
        "b": {"command": 7},
        "c": {"command": "npx", "args": "-y pkg"},
        "d": {"command": "npx", "args": ["-y", 3]},
        "e": {"env": {}}
    }}"#;
    let plan = plan_wrap(src, ClientKind::ClaudeDesktop, BIN).unwrap();
    assert_eq!(plan.new_text, src);
    let reasons: Vec<_> = plan
        .skipped
        .iter()
        .map(|s| (s.server.as_str(), s.reason.as_str()))
        .collect();
    insta::assert_debug_snapshot!(reasons, @r#"
    [
        (
            "a",
            "the entry is not an object",
        ),
        (
            "b",
            "`command` is not a string",
        ),
        (
            "c",
            "`args` is not a list",
        ),
        (
            "d",
            "`args` holds something other than strings",
        ),
        (
            "e",
            "no `command`: nothing to wrap",
        ),
    ]
    "#);
}

#[test]
fn file_without_servers_is_unchanged() {
    for src in ["{}", "[]", "{\"mcpServers\": null}", "  "] {
        match plan_wrap(src, ClientKind::ClaudeDesktop, BIN) {
            Ok(plan) => {
                assert_eq!(plan.new_text, src);
                assert!(plan.changes.is_empty());
            }
            Err(e) => assert!(matches!(e, WrapError::Parse { .. }), "{src}: {e}"),
        }
    }
}

#[test]
fn invalid_json_is_an_error_with_its_position() {
    let err = plan_wrap(
        "{\n  \"mcpServers\": {\n    \"a\": \n",
        ClientKind::ClaudeDesktop,
        BIN,
    )
    .unwrap_err();
    let WrapError::Parse { line, .. } = err else {
        panic!("expected a parse error, got {err}");
    };
    assert!(line >= 3, "{line}");
}

#[test]
fn clients_with_other_layouts_are_refused() {
    for client in [ClientKind::Zed, ClientKind::Continue, ClientKind::Goose] {
        let err = plan_wrap("{}", client, BIN).unwrap_err();
        assert!(
            matches!(err, WrapError::UnsupportedClient { .. }),
            "{client:?}"
        );
        assert!(err.to_string().contains("by hand"), "{err}");
    }
}

#[test]
fn recognises_mcpward_binaries_by_file_name() {
    for c in [
        "mcpward",
        "/usr/bin/mcpward",
        r"C:\bin\mcpward.exe",
        "MCPWARD.EXE",
    ] {
        assert!(is_mcpward(c), "{c}");
    }
    for c in ["npx", "mcpward-old", "/mcpward/bin/node", ""] {
        assert!(!is_mcpward(c), "{c}");
    }
}

#[test]
fn apply_writes_a_backup_first_and_keeps_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("claude_desktop_config.json");
    fs::write(&path, CLAUDE_DESKTOP).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    }
    let plan = plan_wrap(CLAUDE_DESKTOP, ClientKind::ClaudeDesktop, BIN).unwrap();
    let backups = dir.path().join("state/backups");
    let backup = apply(&path, CLAUDE_DESKTOP, &plan, &backups).unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), plan.new_text);
    assert_eq!(fs::read_to_string(&backup).unwrap(), CLAUDE_DESKTOP);
    let name = backup.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("claude_desktop_config.json.") && name.contains(".mcpward-backup-"),
        "{name}"
    );
    // Never beside the config, where `git add -A` of a shared project would take it.
    assert_eq!(backup.parent().unwrap(), backups);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o640);
        assert_eq!(mode(&backup), 0o640);
    }
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains("tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn apply_refuses_when_the_file_changed_since_planning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mcp.json");
    fs::write(&path, CURSOR).unwrap();
    let plan = plan_wrap(CURSOR, ClientKind::Cursor, BIN).unwrap();
    fs::write(&path, "{}").unwrap();
    let err = apply(&path, CURSOR, &plan, &dir.path().join("backups")).unwrap_err();
    assert!(matches!(err, ApplyError::Changed { .. }), "{err}");
    assert_eq!(fs::read_to_string(&path).unwrap(), "{}");
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no backup either"
    );
}

#[cfg(unix)]
#[test]
fn apply_writes_through_a_symlinked_config() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.json");
    let link = dir.path().join("link.json");
    fs::write(&real, CURSOR).unwrap();
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let plan = plan_wrap(CURSOR, ClientKind::Cursor, BIN).unwrap();
    apply(&link, CURSOR, &plan, &dir.path().join("backups")).unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_to_string(&real).unwrap(), plan.new_text);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// A server entry: name, command, optional args, and whether it is an HTTP entry.
    fn entry() -> impl Strategy<Value = (String, String, Option<Vec<String>>, bool)> {
        (
            "\\PC{1,12}",
            "\\PC{0,16}",
            proptest::option::of(proptest::collection::vec("\\PC{0,8}", 0..4)),
            any::<bool>(),
        )
    }

    fn config(entries: &[(String, String, Option<Vec<String>>, bool)], pretty: bool) -> String {
        let mut servers = serde_json::Map::new();
        for (name, command, args, http) in entries {
            let mut e = serde_json::Map::new();
            if *http {
                e.insert("url".into(), "https://mcp.example.com/mcp".into());
            } else {
                e.insert("command".into(), command.clone().into());
                if let Some(args) = args {
                    e.insert("args".into(), args.clone().into());
                }
            }
            servers.insert(name.clone(), e.into());
        }
        let root = serde_json::json!({ "mcpServers": servers, "other": [1, 2.5, null] });
        if pretty {
            serde_json::to_string_pretty(&root).unwrap()
        } else {
            root.to_string()
        }
    }

    proptest! {
        #[test]
        fn unwrap_after_wrap_gives_back_the_same_bytes(
            entries in proptest::collection::vec(entry(), 0..5),
            pretty in any::<bool>(),
        ) {
            let src = config(&entries, pretty);
            let wrapped = plan_wrap(&src, ClientKind::ClaudeDesktop, BIN).unwrap();
            let back = plan_unwrap(&wrapped.new_text, ClientKind::ClaudeDesktop).unwrap();
            prop_assert_eq!(&back.new_text, &src);
            let again = plan_wrap(&wrapped.new_text, ClientKind::ClaudeDesktop, BIN).unwrap();
            prop_assert_eq!(&again.new_text, &wrapped.new_text);
            let v = parse(&wrapped.new_text);
            // A repeated name keeps only its last entry in the file, as in `config`.
            let effective: std::collections::BTreeMap<&String, _> =
                entries.iter().map(|e| (&e.0, e)).collect();
            for (name, command, args, http) in effective.into_values() {
                let e = &v["mcpServers"][name.as_str()];
                if *http || is_mcpward(command) {
                    continue;
                }
                prop_assert_eq!(&e["command"], BIN);
                let mut expected = vec!["run".to_string(), "--name".into(), name.clone(), "--".into(), command.clone()];
                expected.extend(args.clone().unwrap_or_default());
                prop_assert_eq!(&e["args"], &serde_json::json!(expected));
            }
        }

        #[test]
        fn never_panics_on_arbitrary_text(src in "\\PC{0,200}") {
            for client in ClientKind::ALL {
                let _ = plan_wrap(&src, client, BIN);
                let _ = plan_unwrap(&src, client);
            }
        }

        #[test]
        fn never_panics_on_damaged_configs(cut in 0usize..400, insert in "[\\[\\]{}\",: a-z]{0,4}") {
            let src = CLAUDE_CODE_USER;
            let at = src.floor_char_boundary_compat(cut.min(src.len()));
            let damaged = format!("{}{insert}{}", &src[..at], &src[at..]);
            let _ = plan_wrap(&damaged, ClientKind::ClaudeCode, BIN);
            let _ = plan_unwrap(&damaged, ClientKind::ClaudeCode);
        }
    }

    trait FloorCharBoundary {
        fn floor_char_boundary_compat(&self, i: usize) -> usize;
    }

    impl FloorCharBoundary for str {
        fn floor_char_boundary_compat(&self, mut i: usize) -> usize {
            while !self.is_char_boundary(i) {
                i -= 1;
            }
            i
        }
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// `command` and `args` of a Codex entry, as a TOML parser reads them.
fn codex_entry(text: &str, server: &str) -> (String, Vec<String>) {
    let root = syntax::parse(text, Format::Toml).expect("wrapped TOML must parse");
    let entry = root.get("mcp_servers").and_then(|m| m.get(server)).unwrap();
    let command = entry
        .get("command")
        .and_then(Node::as_str)
        .unwrap()
        .to_string();
    let args = entry
        .get("args")
        .and_then(Node::as_array)
        .unwrap_or_default()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    (command, args)
}

#[test]
fn wraps_codex_tables_keeping_comments_and_layout() {
    let plan = plan_wrap(CODEX, ClientKind::Codex, BIN).unwrap();
    insta::assert_snapshot!(plan.new_text, @r#"
        # Codex CLI
        model = "o4-mini"

        [mcp_servers.github]
        command = "/opt/mcpward/bin/mcpward" # runner
        args = [
          "run", "--name", "github", "--", "npx", "-y",
          "@modelcontextprotocol/server-github",
        ]
        env = { "GITHUB_PERSONAL_ACCESS_TOKEN" = "<token>" }

        [mcp_servers.local]
        command = "/opt/mcpward/bin/mcpward"
        args = ["run", "--name", "local", "--", 'C:\tools\server.exe']

        [mcp_servers.remote]
        url = "https://mcp.example.com/mcp"

        [mcp_servers.fetch]
        command = "/opt/mcpward/bin/mcpward"
        args = [ "run", "--name", "fetch", "--", "uvx"]
    "#);
    assert_eq!(names(&plan.changes), ["github", "local", "fetch"]);
    assert_eq!(plan.skipped[0].server, "remote");
    assert_eq!(
        codex_entry(&plan.new_text, "local"),
        (
            BIN.to_string(),
            strings(&["run", "--name", "local", "--", r"C:\tools\server.exe"])
        )
    );
}

#[test]
fn wraps_codex_inline_tables() {
    let plan = plan_wrap(CODEX_INLINE, ClientKind::Codex, BIN).unwrap();
    insta::assert_snapshot!(plan.new_text, @r#"
        [mcp_servers]
        time = { command = "/opt/mcpward/bin/mcpward", args = ["run", "--name", "time", "--", "uvx"] }
        git = { command = "/opt/mcpward/bin/mcpward", args = ["run", "--name", "git", "--", "uvx", "mcp-server-git"] }
    "#);
    assert_eq!(
        codex_entry(&plan.new_text, "time"),
        (
            BIN.to_string(),
            strings(&["run", "--name", "time", "--", "uvx"])
        )
    );
}

#[test]
fn codex_dotted_command_without_args_is_skipped_not_broken() {
    let src = "mcp_servers.x.command = \"npx\"\n";
    let plan = plan_wrap(src, ClientKind::Codex, BIN).unwrap();
    assert_eq!(plan.new_text, src);
    assert!(
        plan.skipped[0].reason.contains("add `args = []`"),
        "{:?}",
        plan.skipped
    );
    let src = "mcp_servers.x.command = \"npx\"\nmcp_servers.x.args = [\"a\"]\n";
    let plan = plan_wrap(src, ClientKind::Codex, BIN).unwrap();
    assert_eq!(codex_entry(&plan.new_text, "x").1[4], "npx");
    assert_eq!(
        plan_unwrap(&plan.new_text, ClientKind::Codex)
            .unwrap()
            .new_text,
        src
    );
}

#[test]
fn codex_file_with_crlf_line_endings_keeps_them() {
    let src = "[mcp_servers.x]\r\ncommand = \"npx\"\r\n";
    let plan = plan_wrap(src, ClientKind::Codex, BIN).unwrap();
    assert!(
        !plan.new_text.replace("\r\n", "").contains('\n'),
        "{:?}",
        plan.new_text
    );
    assert_eq!(codex_entry(&plan.new_text, "x").1[4], "npx");
    assert_eq!(
        plan_unwrap(&plan.new_text, ClientKind::Codex)
            .unwrap()
            .new_text,
        src
    );
}

#[test]
fn serve_routing_rewrites_only_the_url_of_codex_remote_servers() {
    let src = "[mcp_servers.linear]\nurl = \"https://mcp.linear.app/mcp\"\nbearer_token_env_var = \"LINEAR_TOKEN\"\n\n[mcp_servers.fs]\ncommand = \"npx\"\nargs = [\"-y\", \"server\"]\n";
    let plan =
        plan_wrap_via_serve(src, ClientKind::Codex, "mcpward", "http://127.0.0.1:8848").unwrap();
    assert!(
        plan.new_text
            .contains("url = \"http://127.0.0.1:8848/mcp/linear\"\nbearer_token_env_var"),
        "{}",
        plan.new_text
    );
    assert_eq!(plan.routes.len(), 1);
    assert_eq!(plan.routes[0].url, "https://mcp.linear.app/mcp");
    assert_eq!(plan.routes[0].headers, ["Authorization"]);
    assert_eq!(
        plan.changes.len(),
        2,
        "the stdio server is wrapped as before"
    );
    // Without --serve the remote server is left alone, as before.
    let plain = plan_wrap(src, ClientKind::Codex, "mcpward").unwrap();
    assert!(plain.routes.is_empty());
    assert!(plain.new_text.contains("https://mcp.linear.app/mcp"));
}

#[test]
fn serve_routing_refuses_urls_that_are_not_http() {
    let src = r#"{"mcpServers": {"x": {"url": "file:///etc/passwd"}}}"#;
    let plan =
        plan_wrap_via_serve(src, ClientKind::Cursor, "mcpward", "http://127.0.0.1:8848").unwrap();
    assert!(plan.changes.is_empty());
    assert_eq!(plan.skipped[0].reason, "its URL is not http(s)");
}
