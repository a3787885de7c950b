//! The guard's corpus: each case is a filesystem-server call against a real tree with links
//! in and out of the root; `allow` cases pin that legitimate paths are not denied.

use super::*;
use serde_json::json;

struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new() -> Tree {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let b = &dir.path().canonicalize().unwrap();
        for d in [
            "root/sub/deep",
            "root_evil",
            "outside/dir",
            "home/.ssh",
            "root/emptydir",
        ] {
            std::fs::create_dir_all(b.join(d)).unwrap();
        }
        for f in [
            "root/file.txt",
            "root/sub/inner.txt",
            "root/sub/deep/x.txt",
            "root/notdir.txt",
            "root/ｆｉｌｅ.txt",
            "root/.hidden",
            "root/space name.txt",
            "root/ünï.txt",
            "root_evil/x.txt",
            "outside/secret.txt",
            "outside/dir/y.txt",
            "home/.ssh/id_ed25519",
        ] {
            std::fs::write(b.join(f), "x").unwrap();
        }
        let r = b.join("root");
        symlink("sub", r.join("link_in")).unwrap();
        symlink("../outside", r.join("link_out")).unwrap();
        symlink(b.join("outside"), r.join("abs_out")).unwrap();
        symlink("../outside/new.txt", r.join("dangling_out")).unwrap();
        symlink("sub/new.txt", r.join("dangling_in")).unwrap();
        symlink("loop_b", r.join("loop_a")).unwrap();
        symlink("loop_a", r.join("loop_b")).unwrap();
        symlink("chain2", r.join("chain1")).unwrap();
        symlink("../outside", r.join("chain2")).unwrap();
        symlink("/", r.join("slash")).unwrap();
        symlink("..", r.join("up")).unwrap();
        symlink("sub/deep", r.join("deep_link")).unwrap();
        symlink("../root_evil", r.join("evil_link")).unwrap();
        symlink(b.join("root/sub"), r.join("abs_in")).unwrap();
        symlink("../../outside/secret.txt", r.join("sub/rel_file_out")).unwrap();
        std::fs::hard_link(b.join("outside/secret.txt"), r.join("hard.txt")).unwrap();
        Tree { dir }
    }

    fn b(&self) -> PathBuf {
        self.dir.path().canonicalize().unwrap()
    }
}

/// `(name, tool, arguments with {B} for the base directory, allowed)`.
const CORPUS: &[(&str, &str, &str, bool)] = &[
    // Legitimate calls: must pass.
    (
        "read_plain",
        "read_text_file",
        r#"{"path":"{B}/root/file.txt"}"#,
        true,
    ),
    (
        "read_nested",
        "read_file",
        r#"{"path":"{B}/root/sub/inner.txt"}"#,
        true,
    ),
    (
        "read_root_itself",
        "list_directory",
        r#"{"path":"{B}/root"}"#,
        true,
    ),
    (
        "read_root_trailing_slash",
        "list_directory",
        r#"{"path":"{B}/root/"}"#,
        true,
    ),
    (
        "read_dot_segments_inside",
        "read_text_file",
        r#"{"path":"{B}/root/./sub/../file.txt"}"#,
        true,
    ),
    (
        "read_through_inside_link",
        "read_text_file",
        r#"{"path":"{B}/root/link_in/inner.txt"}"#,
        true,
    ),
    (
        "read_through_abs_inside_link",
        "read_text_file",
        r#"{"path":"{B}/root/abs_in/inner.txt"}"#,
        true,
    ),
    (
        "read_through_nested_link",
        "read_text_file",
        r#"{"path":"{B}/root/deep_link/x.txt"}"#,
        true,
    ),
    (
        "read_hidden",
        "read_text_file",
        r#"{"path":"{B}/root/.hidden"}"#,
        true,
    ),
    (
        "read_space",
        "read_text_file",
        r#"{"path":"{B}/root/space name.txt"}"#,
        true,
    ),
    (
        "read_unicode",
        "read_text_file",
        r#"{"path":"{B}/root/ünï.txt"}"#,
        true,
    ),
    (
        "read_relative",
        "read_text_file",
        r#"{"path":"file.txt"}"#,
        true,
    ),
    (
        "read_relative_dot",
        "read_text_file",
        r#"{"path":"./sub/inner.txt"}"#,
        true,
    ),
    (
        "read_multiple_inside",
        "read_multiple_files",
        r#"{"paths":["{B}/root/file.txt","{B}/root/sub/inner.txt"]}"#,
        true,
    ),
    (
        "write_new_file",
        "write_file",
        r#"{"path":"{B}/root/new.txt","content":"x"}"#,
        true,
    ),
    (
        "write_existing",
        "write_file",
        r#"{"path":"{B}/root/file.txt","content":"x"}"#,
        true,
    ),
    (
        "write_new_in_new_dir",
        "write_file",
        r#"{"path":"{B}/root/a/b/c.txt","content":"x"}"#,
        true,
    ),
    (
        "create_dir",
        "create_directory",
        r#"{"path":"{B}/root/newdir"}"#,
        true,
    ),
    (
        "edit_inside",
        "edit_file",
        r#"{"path":"{B}/root/sub/inner.txt","edits":[]}"#,
        true,
    ),
    (
        "write_dangling_inside",
        "write_file",
        r#"{"path":"{B}/root/dangling_in","content":"x"}"#,
        true,
    ),
    (
        "move_inside",
        "move_file",
        r#"{"source":"{B}/root/file.txt","destination":"{B}/root/sub/moved.txt"}"#,
        true,
    ),
    (
        "search_inside",
        "search_files",
        r#"{"path":"{B}/root","pattern":"*"}"#,
        true,
    ),
    (
        "tree_inside",
        "directory_tree",
        r#"{"path":"{B}/root/sub"}"#,
        true,
    ),
    (
        "info_inside",
        "get_file_info",
        r#"{"path":"{B}/root/emptydir"}"#,
        true,
    ),
    (
        "sizes_inside",
        "list_directory_with_sizes",
        r#"{"path":"{B}/root/sub"}"#,
        true,
    ),
    (
        "media_inside",
        "read_media_file",
        r#"{"path":"{B}/root/file.txt"}"#,
        true,
    ),
    (
        "list_allowed_no_path",
        "list_allowed_directories",
        r#"{}"#,
        true,
    ),
    (
        "unknown_tool_untouched",
        "some_other_tool",
        r#"{"path":"/etc/passwd"}"#,
        true,
    ),
    (
        "dotdot_then_back_in",
        "read_text_file",
        r#"{"path":"{B}/root/../root/file.txt"}"#,
        true,
    ),
    (
        "double_slash",
        "read_text_file",
        r#"{"path":"{B}//root//file.txt"}"#,
        true,
    ),
    // Escapes: must be denied.
    (
        "abs_outside",
        "read_text_file",
        r#"{"path":"{B}/outside/secret.txt"}"#,
        false,
    ),
    (
        "etc_passwd",
        "read_text_file",
        r#"{"path":"/etc/passwd"}"#,
        false,
    ),
    (
        "etc_shadow",
        "read_file",
        r#"{"path":"/etc/shadow"}"#,
        false,
    ),
    (
        "dotdot_escape",
        "read_text_file",
        r#"{"path":"{B}/root/../outside/secret.txt"}"#,
        false,
    ),
    (
        "dotdot_deep_escape",
        "read_text_file",
        r#"{"path":"{B}/root/sub/deep/../../../outside/secret.txt"}"#,
        false,
    ),
    (
        "relative_escape",
        "read_text_file",
        r#"{"path":"../outside/secret.txt"}"#,
        false,
    ),
    (
        "prefix_sibling",
        "read_text_file",
        r#"{"path":"{B}/root_evil/x.txt"}"#,
        false,
    ),
    (
        "prefix_sibling_dir",
        "list_directory",
        r#"{"path":"{B}/root_evil"}"#,
        false,
    ),
    (
        "link_out_rel",
        "read_text_file",
        r#"{"path":"{B}/root/link_out/secret.txt"}"#,
        false,
    ),
    (
        "link_out_abs",
        "read_text_file",
        r#"{"path":"{B}/root/abs_out/secret.txt"}"#,
        false,
    ),
    (
        "link_out_dir_listing",
        "list_directory",
        r#"{"path":"{B}/root/link_out"}"#,
        false,
    ),
    (
        "link_to_slash",
        "read_text_file",
        r#"{"path":"{B}/root/slash/etc/passwd"}"#,
        false,
    ),
    (
        "link_up",
        "read_text_file",
        r#"{"path":"{B}/root/up/outside/secret.txt"}"#,
        false,
    ),
    (
        "link_chain_out",
        "read_text_file",
        r#"{"path":"{B}/root/chain1/secret.txt"}"#,
        false,
    ),
    (
        "link_to_evil_prefix",
        "read_text_file",
        r#"{"path":"{B}/root/evil_link/x.txt"}"#,
        false,
    ),
    (
        "file_link_out",
        "read_text_file",
        r#"{"path":"{B}/root/sub/rel_file_out"}"#,
        false,
    ),
    (
        "link_then_dotdot_kernel",
        "read_text_file",
        r#"{"path":"{B}/root/link_in/../../outside/secret.txt"}"#,
        false,
    ),
    (
        "dangling_out_write",
        "write_file",
        r#"{"path":"{B}/root/dangling_out","content":"x"}"#,
        false,
    ),
    (
        "dangling_out_read",
        "read_text_file",
        r#"{"path":"{B}/root/dangling_out"}"#,
        false,
    ),
    (
        "write_through_link_out",
        "write_file",
        r#"{"path":"{B}/root/link_out/new.txt","content":"x"}"#,
        false,
    ),
    (
        "create_dir_through_link_out",
        "create_directory",
        r#"{"path":"{B}/root/link_out/d"}"#,
        false,
    ),
    (
        "write_hardlink",
        "write_file",
        r#"{"path":"{B}/root/hard.txt","content":"x"}"#,
        false,
    ),
    (
        "edit_hardlink",
        "edit_file",
        r#"{"path":"{B}/root/hard.txt","edits":[]}"#,
        false,
    ),
    (
        "move_dest_outside",
        "move_file",
        r#"{"source":"{B}/root/file.txt","destination":"{B}/outside/f.txt"}"#,
        false,
    ),
    (
        "move_source_outside",
        "move_file",
        r#"{"source":"{B}/outside/secret.txt","destination":"{B}/root/s.txt"}"#,
        false,
    ),
    (
        "move_dest_via_link",
        "move_file",
        r#"{"source":"{B}/root/file.txt","destination":"{B}/root/link_out/f.txt"}"#,
        false,
    ),
    (
        "multiple_one_outside",
        "read_multiple_files",
        r#"{"paths":["{B}/root/file.txt","{B}/outside/secret.txt"]}"#,
        false,
    ),
    (
        "multiple_not_list",
        "read_multiple_files",
        r#"{"paths":"{B}/root/file.txt"}"#,
        false,
    ),
    (
        "nul_byte",
        "read_text_file",
        "{\"path\":\"{B}/root/file.txt\\u0000/../../outside/secret.txt\"}",
        false,
    ),
    (
        "file_uri",
        "read_text_file",
        r#"{"path":"file://{B}/outside/secret.txt"}"#,
        false,
    ),
    (
        "percent_slash",
        "read_text_file",
        r#"{"path":"{B}/root/..%2f..%2foutside/secret.txt"}"#,
        false,
    ),
    (
        "percent_dot",
        "read_text_file",
        r#"{"path":"{B}/root/%2e%2e/outside/secret.txt"}"#,
        false,
    ),
    (
        "tilde_home",
        "read_text_file",
        r#"{"path":"~/.ssh/id_ed25519"}"#,
        false,
    ),
    (
        "tilde_user",
        "read_text_file",
        r#"{"path":"~root/.ssh/id_ed25519"}"#,
        false,
    ),
    ("empty", "read_text_file", r#"{"path":""}"#, false),
    ("not_string", "read_text_file", r#"{"path":42}"#, false),
    (
        "symlink_loop",
        "read_text_file",
        r#"{"path":"{B}/root/loop_a"}"#,
        false,
    ),
    (
        "through_a_file",
        "read_text_file",
        r#"{"path":"{B}/root/notdir.txt/x"}"#,
        false,
    ),
    ("root_parent", "list_directory", r#"{"path":"{B}"}"#, false),
    ("slash", "list_directory", r#"{"path":"/"}"#, false),
    (
        "proc_self_root",
        "read_text_file",
        r#"{"path":"/proc/self/root/etc/passwd"}"#,
        false,
    ),
    (
        "search_outside",
        "search_files",
        r#"{"path":"{B}/outside","pattern":"*"}"#,
        false,
    ),
    (
        "tree_through_link",
        "directory_tree",
        r#"{"path":"{B}/root/link_out"}"#,
        false,
    ),
    (
        "info_outside",
        "get_file_info",
        r#"{"path":"{B}/outside/secret.txt"}"#,
        false,
    ),
    (
        "trailing_dotdot",
        "list_directory",
        r#"{"path":"{B}/root/.."}"#,
        false,
    ),
    (
        "nonexistent_then_up",
        "write_file",
        r#"{"path":"{B}/root/nope/../../outside/x.txt","content":"x"}"#,
        false,
    ),
    // Readings other servers apply.
    (
        "backslash_traversal_relative",
        "read_text_file",
        r#"{"path":"..\\outside\\secret.txt"}"#,
        false,
    ),
    (
        "backslash_traversal_absolute",
        "read_text_file",
        r#"{"path":"{B}/root\\..\\outside\\secret.txt"}"#,
        false,
    ),
    (
        "fullwidth_dots_and_slash",
        "read_text_file",
        r#"{"path":"{B}/root/．．／outside／secret.txt"}"#,
        false,
    ),
    (
        "two_dot_leader",
        "read_text_file",
        r#"{"path":"{B}/root/‥/outside/secret.txt"}"#,
        false,
    ),
    (
        "division_slash",
        "read_text_file",
        r#"{"path":"{B}/root/..∕outside∕secret.txt"}"#,
        false,
    ),
    (
        "fullwidth_percent",
        "read_text_file",
        r#"{"path":"{B}/root/％２ｅ％２ｅ/outside/secret.txt"}"#,
        false,
    ),
    (
        "overlong_utf8_dot",
        "read_text_file",
        r#"{"path":"{B}/root/%c0%ae%c0%ae/outside/secret.txt"}"#,
        false,
    ),
    (
        "windows_drive",
        "read_text_file",
        r#"{"path":"C:\\Users\\me\\secret.txt"}"#,
        false,
    ),
    (
        "windows_drive_forward_slashes",
        "read_text_file",
        r#"{"path":"c:{B}/outside/secret.txt"}"#,
        false,
    ),
    (
        "backslash_in_a_name_inside",
        "write_file",
        r#"{"path":"{B}/root/back\\slash.txt","content":"x"}"#,
        true,
    ),
    (
        "fullwidth_name_inside",
        "read_text_file",
        r#"{"path":"{B}/root/ｆｉｌｅ.txt"}"#,
        true,
    ),
    (
        "read_hardlink",
        "read_text_file",
        r#"{"path":"{B}/root/hard.txt"}"#,
        true,
    ),
];

/// `apply` for a call with no schema and no read-only proof.
fn apply_to(
    decision: Decision,
    identity: Option<&crate::identity::LaunchIdentity>,
    table: Option<&ServerTable>,
    tool: &str,
    arguments: &Value,
    roots: &[PathBuf],
) -> Guarded {
    let table_roots = table
        .and_then(|t| t.roots.as_deref())
        .map(crate::paths::canonical_roots);
    let launch = crate::paths::canonical_roots(roots);
    let cwd = std::env::current_dir().unwrap();
    apply(
        decision,
        &Server {
            identity,
            table,
            launch_roots: &launch,
            client_roots: &[],
            table_roots: table_roots.as_deref(),
            cwd: &cwd,
            home: std::env::var_os("HOME").map(PathBuf::from).as_deref(),
        },
        &ToolCall {
            tool,
            arguments,
            input_schema: None,
            proven_read_only: false,
        },
    )
}

fn allow() -> Decision {
    Decision {
        action: Action::Allow,
        source: mcpward_policy::DecisionSource::DefaultMode(mcpward_policy::Mode::Allow),
        reason: "ok".into(),
    }
}

fn table(text: &str) -> mcpward_policy::Policy {
    mcpward_policy::Policy::parse(text, Path::new("policy.toml")).unwrap()
}

fn run_case(tree: &Tree, cwd: &Path, tool: &str, args: &str) -> Result<(), Denial> {
    let text = args.replace("{B}", &tree.b().display().to_string());
    let arguments: Value = serde_json::from_str(&text).unwrap();
    let roots = [tree.b().join("root")];
    let home = tree.b().join("home");
    let ctx = Context {
        roots: &roots,
        cwd: Some(cwd),
        home: Some(&home),
    };
    check(FILESYSTEM_TOOLS, tool, &arguments, &ctx)
}

#[test]
fn corpus_denies_every_escape_and_allows_every_legitimate_path() {
    let tree = Tree::new();
    let cwd = tree.b().join("root");
    assert!(CORPUS.len() >= 60, "corpus has {} cases", CORPUS.len());
    let mut wrong = Vec::new();
    for (name, tool, args, allowed) in CORPUS {
        let result = run_case(&tree, &cwd, tool, args);
        if result.is_ok() != *allowed {
            wrong.push(format!(
                "{name}: expected allowed={allowed}, got {result:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn relative_paths_must_be_inside_from_every_base_a_server_may_use() {
    let tree = Tree::new();
    // The server's working directory is outside the root: `file.txt` may be read there.
    let err = run_case(&tree, &tree.b(), "read_text_file", r#"{"path":"file.txt"}"#).unwrap_err();
    assert!(err.reason.contains("outside the allowed roots"), "{err}");
}

#[test]
fn no_root_means_every_path_is_denied_with_the_reason() {
    let ctx = Context {
        roots: &[],
        cwd: Some(Path::new("/")),
        home: None,
    };
    let err = check(
        FILESYSTEM_TOOLS,
        "read_text_file",
        &json!({"path": "/tmp/x"}),
        &ctx,
    )
    .unwrap_err();
    assert!(err.reason.contains("no root is known"), "{err}");
}

#[test]
fn denial_names_tool_argument_path_and_reason() {
    let tree = Tree::new();
    let err = run_case(
        &tree,
        &tree.b().join("root"),
        "read_text_file",
        r#"{"path":"{B}/root_evil/x.txt"}"#,
    )
    .unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.starts_with("path guard: `read_text_file` argument `path`"),
        "{shown}"
    );
    assert!(shown.contains("outside the allowed roots"), "{shown}");
}

#[test]
fn apply_only_acts_on_known_servers() {
    let allow = Decision {
        action: Action::Allow,
        source: mcpward_policy::DecisionSource::DefaultMode(mcpward_policy::Mode::Allow),
        reason: "ok".into(),
    };
    let args = json!({"path": "/etc/shadow"});
    let roots = [PathBuf::from("/nonexistent-root")];
    let id = |package: &str, version: Option<&str>| crate::identity::LaunchIdentity {
        ecosystem: "npm",
        package: package.to_owned(),
        version: version.map(str::to_owned),
        evidence: String::new(),
    };
    let unknown = apply_to(
        allow.clone(),
        Some(&id("other", None)),
        None,
        "read_text_file",
        &args,
        &roots,
    );
    assert_eq!(unknown.decision.action, Action::Allow);
    let known = apply_to(
        allow,
        Some(&id("@modelcontextprotocol/server-filesystem", None)),
        None,
        "read_text_file",
        &args,
        &roots,
    );
    assert_eq!(known.decision.action, Action::Deny);
    assert!(
        known.decision.reason.contains("path guard"),
        "{}",
        known.decision.reason
    );
}

#[test]
fn repeated_checks_on_a_warm_cache_give_the_same_answer() {
    let tree = Tree::new();
    let cwd = tree.b().join("root");
    let path = format!("{}/root/link_in/inner.txt", tree.b().display());
    let args = json!({"path": path});
    let roots = [tree.b().join("root")];
    let ctx = Context {
        roots: &roots,
        cwd: Some(&cwd),
        home: None,
    };
    for _ in 0..100 {
        check(FILESYSTEM_TOOLS, "read_text_file", &args, &ctx).unwrap();
    }
    // The cost per path is measured by `cargo bench -p mcpward-gateway --bench path_guard`
    // (docs/PERFORMANCE.md), not asserted on shared CI machines.
}

#[test]
fn relative_paths_are_judged_against_the_working_directory_only_for_servers_that_use_it() {
    assert!(super::version_at_least("2026.8.31", [2026, 7, 4]));
    assert!(super::version_at_least("^2026.7.4", [2026, 7, 4]));
    assert!(!super::version_at_least("2026.1.14", [2026, 7, 4]));
    assert!(!super::version_at_least("latest", [2026, 7, 4]));
    let allow = Decision {
        action: Action::Allow,
        source: mcpward_policy::DecisionSource::DefaultMode(mcpward_policy::Mode::Allow),
        reason: "ok".into(),
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("notes.txt"), "x").unwrap();
    let args = json!({"path": "notes.txt"});
    let fs = |version: Option<&str>| crate::identity::LaunchIdentity {
        ecosystem: "npm",
        package: "@modelcontextprotocol/server-filesystem".to_owned(),
        version: version.map(str::to_owned),
        evidence: String::new(),
    };
    // The test runs outside `root`: a server that resolves against its working directory would
    // leave the root, one that resolves against its roots stays inside.
    let new = apply_to(
        allow.clone(),
        Some(&fs(Some("2026.8.31"))),
        None,
        "read_text_file",
        &args,
        std::slice::from_ref(&root),
    )
    .decision;
    assert_eq!(new.action, Action::Allow, "{}", new.reason);
    let old = apply_to(
        allow.clone(),
        Some(&fs(Some("2026.1.14"))),
        None,
        "read_text_file",
        &args,
        std::slice::from_ref(&root),
    )
    .decision;
    assert_eq!(old.action, Action::Deny);
    let unknown = apply_to(
        allow,
        Some(&fs(None)),
        None,
        "read_text_file",
        &args,
        &[root],
    )
    .decision;
    assert_eq!(unknown.action, Action::Deny);
}

#[test]
fn a_server_table_guards_a_server_mcpward_does_not_know() {
    let tree = Tree::new();
    let b = tree.b();
    let policy = table(&format!(
        "[[server]]\nname = \"files\"\nroots = [\"{}\"]\npath_args = [\"path\", \"paths\", \"destination\"]\n",
        b.join("root").display()
    ));
    let files = policy.server_table("files");
    // Launched with the whole base directory: the table's roots replace it.
    let launch = [b.clone()];
    let call =
        |tool: &str, args: Value| apply_to(allow(), None, files, tool, &args, &launch).decision;
    let inside = call("fetch", json!({"path": b.join("root/file.txt")}));
    assert_eq!(inside.action, Action::Allow, "{}", inside.reason);
    let outside = call("fetch", json!({"path": b.join("outside/secret.txt")}));
    assert_eq!(outside.action, Action::Deny);
    assert!(
        outside
            .reason
            .starts_with("path guard: `fetch` argument `path`"),
        "{}",
        outside.reason
    );
    // A list, a string where a list could be, and a non-string element.
    let list = call(
        "fetch_all",
        json!({"paths": [b.join("root/file.txt"), b.join("root_evil/x.txt")]}),
    );
    assert_eq!(list.action, Action::Deny);
    assert!(list.reason.contains("root_evil"), "{}", list.reason);
    let one = call("fetch_all", json!({"paths": b.join("outside/secret.txt")}));
    assert_eq!(one.action, Action::Deny);
    let nested = call("fetch_all", json!({"paths": [[b.join("root/file.txt")]]}));
    assert_eq!(nested.action, Action::Deny);
    assert!(
        nested.reason.contains("is not a string"),
        "{}",
        nested.reason
    );
    // Arguments the table does not list are not paths to the guard.
    let other = call("fetch", json!({"url": b.join("outside/secret.txt")}));
    assert_eq!(other.action, Action::Allow);
    // Without the table nothing is known about this server.
    let untabled = apply_to(
        allow(),
        None,
        None,
        "fetch",
        &json!({"path": b.join("outside/secret.txt")}),
        &launch,
    );
    assert_eq!(untabled.decision.action, Action::Allow);
    assert_eq!(untabled.hints.len(), 1, "{:?}", untabled.hints);
    assert!(untabled.hints[0].contains("`path`"), "{:?}", untabled.hints);
}

#[test]
fn unknown_tools_write_unless_the_table_says_they_read() {
    let tree = Tree::new();
    let b = tree.b();
    let policy =
        table("[[server]]\nname = \"files\"\npath_args = [\"path\"]\nread_tools = [\"cat\"]\n");
    let files = policy.server_table("files");
    let roots = [b.join("root")];
    let hard = json!({"path": b.join("root/hard.txt")});
    let read = apply_to(allow(), None, files, "cat", &hard, &roots).decision;
    assert_eq!(read.action, Action::Allow, "{}", read.reason);
    let write = apply_to(allow(), None, files, "save", &hard, &roots).decision;
    assert_eq!(write.action, Action::Deny);
    assert!(write.reason.contains("hard links"), "{}", write.reason);
    // Proof that the tool is read-only counts as knowing it reads.
    let table_roots = files
        .and_then(|t| t.roots.as_deref())
        .map(crate::paths::canonical_roots);
    let cwd = std::env::current_dir().unwrap();
    let proven = apply(
        allow(),
        &Server {
            identity: None,
            table: files,
            launch_roots: &crate::paths::canonical_roots(&roots),
            client_roots: &[],
            table_roots: table_roots.as_deref(),
            cwd: &cwd,
            home: std::env::var_os("HOME").map(PathBuf::from).as_deref(),
        },
        &ToolCall {
            tool: "save",
            arguments: &hard,
            input_schema: None,
            proven_read_only: true,
        },
    );
    assert_eq!(proven.decision.action, Action::Allow);
}

#[test]
fn a_table_can_only_narrow_the_official_servers_roots_and_add_arguments() {
    let tree = Tree::new();
    let b = tree.b();
    let fs = crate::identity::LaunchIdentity {
        ecosystem: "npm",
        package: "@modelcontextprotocol/server-filesystem".to_owned(),
        version: Some("2026.8.31".to_owned()),
        evidence: String::new(),
    };
    let launch = [b.join("root")];
    let policy = table(&format!(
        "[[server]]\nname = \"filesystem\"\nroots = [\"{}\", \"{}\"]\npath_args = [\"backup\"]\n",
        b.join("root/sub").display(),
        b.join("outside").display()
    ));
    let t = policy.server_table("filesystem");
    let decide =
        |tool: &str, args: Value| apply_to(allow(), Some(&fs), t, tool, &args, &launch).decision;
    // The table's root inside the launch directory narrows it.
    let narrowed = decide("read_text_file", json!({"path": b.join("root/file.txt")}));
    assert_eq!(narrowed.action, Action::Deny, "{}", narrowed.reason);
    let inner = decide(
        "read_text_file",
        json!({"path": b.join("root/sub/inner.txt")}),
    );
    assert_eq!(inner.action, Action::Allow, "{}", inner.reason);
    // The table's root outside it does not widen it.
    let widened = decide(
        "read_text_file",
        json!({"path": b.join("outside/secret.txt")}),
    );
    assert_eq!(widened.action, Action::Deny);
    // An added argument is checked in every tool, built-in ones still are.
    let added = decide(
        "write_file",
        json!({"path": b.join("root/sub/new.txt"), "backup": b.join("outside/copy.txt")}),
    );
    assert_eq!(added.action, Action::Deny);
    assert!(added.reason.contains("`backup`"), "{}", added.reason);
}

#[test]
fn client_roots_and_table_roots_intersect() {
    let a = PathBuf::from("/nonexistent-guard-test/a");
    let ab = a.join("b");
    let c = PathBuf::from("/nonexistent-guard-test/c");
    // A client root wider than the launch root leaves the launch root.
    assert_eq!(
        effective_roots(
            true,
            None,
            std::slice::from_ref(&ab),
            std::slice::from_ref(&a)
        ),
        std::slice::from_ref(&ab)
    );
    // Narrower: the client's.
    assert_eq!(
        effective_roots(
            true,
            None,
            std::slice::from_ref(&a),
            std::slice::from_ref(&ab)
        ),
        std::slice::from_ref(&ab)
    );
    // Elsewhere: nothing.
    assert!(
        effective_roots(
            true,
            None,
            std::slice::from_ref(&a),
            std::slice::from_ref(&c)
        )
        .is_empty()
    );
    // A table replaces the launch roots of a server mcpward does not know...
    assert_eq!(
        effective_roots(
            false,
            Some(std::slice::from_ref(&c)),
            std::slice::from_ref(&a),
            &[]
        ),
        std::slice::from_ref(&c)
    );
    // ...and narrows those of one it knows.
    assert!(
        effective_roots(
            true,
            Some(std::slice::from_ref(&c)),
            std::slice::from_ref(&a),
            &[]
        )
        .is_empty()
    );
}

#[test]
fn hints_are_logged_only_for_calls_the_guard_lets_through() {
    let schema = json!({"properties": {"target": {"type": "string", "format": "path"}}});
    let args = json!({"target": "/etc/passwd"});
    let call = ToolCall {
        tool: "deploy",
        arguments: &args,
        input_schema: Some(&schema),
        proven_read_only: false,
    };
    let cwd = std::env::current_dir().unwrap();
    let server = Server {
        identity: None,
        table: None,
        launch_roots: &[],
        client_roots: &[],
        table_roots: None,
        cwd: &cwd,
        home: None,
    };
    let through = apply(allow(), &server, &call);
    assert_eq!(through.decision.action, Action::Allow);
    assert_eq!(through.hints.len(), 1);
    assert!(
        through.hints[0].contains("\"format\": \"path\""),
        "{:?}",
        through.hints
    );
    let denied = Decision {
        action: Action::Deny,
        source: mcpward_policy::DecisionSource::DefaultMode(mcpward_policy::Mode::Ask),
        reason: "no".into(),
    };
    assert!(apply(denied, &server, &call).hints.is_empty());
}

#[test]
fn a_denied_reading_says_how_the_path_was_read() {
    let tree = Tree::new();
    let err = run_case(
        &tree,
        &tree.b().join("root"),
        "read_text_file",
        r#"{"path":"{B}/root/．．／outside／secret.txt"}"#,
    )
    .unwrap_err();
    assert!(
        err.reason.contains("compatibility characters folded")
            && err.reason.contains("outside the allowed roots"),
        "{err}"
    );
    let err = run_case(
        &tree,
        &tree.b().join("root"),
        "read_text_file",
        r#"{"path":"..\\x"}"#,
    )
    .unwrap_err();
    assert!(err.reason.contains("backslashes as separators"), "{err}");
}

#[test]
fn rejects_a_link_out_reached_through_another_unicode_normal_form() {
    let tree = Tree::new();
    let b = tree.b();
    // The link's name is decomposed (NFD) on disk; the request spells it precomposed (NFC).
    std::os::unix::fs::symlink("../outside", b.join("root/cafe\u{301}")).unwrap();
    let err = run_case(
        &tree,
        &b.join("root"),
        "read_text_file",
        "{\"path\":\"{B}/root/caf\u{e9}/secret.txt\"}",
    )
    .unwrap_err();
    assert!(err.reason.contains("outside the allowed roots"), "{err}");
    // A new file whose name has no other spelling on disk is fine.
    run_case(
        &tree,
        &b.join("root"),
        "write_file",
        "{\"path\":\"{B}/root/na\u{ef}ve.txt\",\"content\":\"x\"}",
    )
    .unwrap();
}

#[test]
fn rejects_fullwidth_dot_dot_slash_traversal() {
    let tree = Tree::new();
    let err = run_case(
        &tree,
        &tree.b().join("root"),
        "read_text_file",
        r#"{"path":"{B}/root/．．／．．／outside/secret.txt"}"#,
    )
    .unwrap_err();
    assert!(err.reason.contains("outside the allowed roots"), "{err}");
}

#[test]
fn rejects_division_slash_traversal() {
    let tree = Tree::new();
    let err = run_case(
        &tree,
        &tree.b().join("root"),
        "read_text_file",
        "{\"path\":\"{B}/root/..\u{2215}outside\u{2215}secret.txt\"}",
    )
    .unwrap_err();
    assert!(err.reason.contains("outside the allowed roots"), "{err}");
}

#[test]
fn rejects_backslash_traversal() {
    let tree = Tree::new();
    let err = run_case(
        &tree,
        &tree.b().join("root"),
        "write_file",
        r#"{"path":"sub\\..\\..\\outside\\planted.txt","content":"x"}"#,
    )
    .unwrap_err();
    assert!(err.reason.contains("backslashes as separators"), "{err}");
}

#[test]
fn rejects_windows_drive_path() {
    let tree = Tree::new();
    for path in [r"C:\\Windows\\win.ini", "c:/etc/passwd", "Z:"] {
        let err = run_case(
            &tree,
            &tree.b().join("root"),
            "read_text_file",
            &format!("{{\"path\":\"{path}\"}}"),
        )
        .unwrap_err();
        assert!(err.reason.contains("Windows drive path"), "{path}: {err}");
    }
}

#[test]
fn rejects_overlong_utf8_percent_escape() {
    let tree = Tree::new();
    let err = run_case(
        &tree,
        &tree.b().join("root"),
        "read_text_file",
        r#"{"path":"{B}/root/%C0%AE%C0%AE/outside/secret.txt"}"#,
    )
    .unwrap_err();
    assert!(err.reason.contains("percent escapes"), "{err}");
}

/// The scheme and escape checks read the path case-insensitively without copying every path:
/// upper- and mixed-case spellings are refused as the lower-case ones are, and a `%` that
/// starts no escape a server decodes is an ordinary character.
#[test]
fn file_uris_and_percent_escapes_are_refused_in_any_letter_case() {
    let tree = Tree::new();
    let root = tree.b().join("root");
    let roots = [root.clone()];
    let ctx = Context {
        roots: &roots,
        cwd: Some(&root),
        home: None,
    };
    let r = root.display();
    for refused in [
        "FILE:///etc/passwd".to_owned(),
        "File:/etc/passwd".to_owned(),
        format!("{r}/%2E%2E/%2e%2E/etc/passwd"),
        format!("{r}/a%2Fb"),
        format!("{r}/a%5Cb"),
    ] {
        let args = json!({"path": refused});
        assert!(
            check(FILESYSTEM_TOOLS, "read_text_file", &args, &ctx).is_err(),
            "{refused}"
        );
    }
    let args = json!({"path": format!("{r}/100%.txt")});
    check(FILESYSTEM_TOOLS, "read_text_file", &args, &ctx).unwrap();
}
