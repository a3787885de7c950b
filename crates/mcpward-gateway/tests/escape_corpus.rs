//! The path guard's escape corpus (`escape_corpus.toml`) through the real gateway, against the
//! official filesystem server and against `careless_fs`, a server that checks nothing and is
//! guarded only through the policy's `[[server]]` table. The policy allows every call.
//!
//! Proof beyond each call's answer: files outside the root hold unique markers; after the run
//! no response may contain one, and the tree outside the root must hash as before.

mod common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use mcpward_gateway::proxy::{PinSetup, RunOptions};
use mcpward_testkit::{ReferenceServer, is_error, reference_server, response_text, testkit_server};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Corpus {
    case: Vec<Case>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
enum Expect {
    Allow,
    Deny,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    tool: String,
    args: Value,
    expect: Expect,
    official: Option<Expect>,
    careless: Option<Expect>,
    #[serde(default)]
    fails_on: Vec<String>,
    exists: Option<String>,
    kind: Option<String>,
    /// Why the careless server, unguarded, cannot show this escape reaching outside the root (it
    /// decodes once, the kernel refuses the path, the answer holds no marker): every other
    /// escape must really reach outside there.
    careless_unproven: Option<String>,
    #[allow(dead_code)]
    why: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Target {
    Official,
    Careless,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Official => "official",
            Target::Careless => "careless",
        }
    }
}

impl Case {
    fn expect_on(&self, target: Target) -> Expect {
        match target {
            Target::Official => self.official,
            Target::Careless => self.careless,
        }
        .unwrap_or(self.expect)
    }
}

fn corpus() -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/escape_corpus.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let corpus: Corpus = toml::from_str(&text).unwrap();
    let mut names: Vec<&str> = corpus.case.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), corpus.case.len(), "case names must be unique");
    corpus.case
}

/// The tree described at the top of `escape_corpus.toml`, with a unique marker in every file
/// outside the root.
struct Fixture {
    _dir: tempfile::TempDir,
    /// The gateway's state directory and audit logs, away from the tree that is hashed.
    state: tempfile::TempDir,
    base: PathBuf,
    root: PathBuf,
    markers: Vec<String>,
}

impl Fixture {
    fn new() -> Fixture {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        let root = base.join("root");
        for d in [
            "root/sub/deep",
            "root_evil",
            "outside/dir",
            "home/.ssh",
            "alice",
            "shared",
            "cwd/sub",
        ] {
            std::fs::create_dir_all(base.join(d)).unwrap();
        }
        let nonce = format!(
            "{:x}{:x}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        let mut markers = Vec::new();
        for f in [
            "root_evil/secret.txt",
            "outside/secret.txt",
            "outside/dir/y.txt",
            "home/.ssh/id_ed25519",
            "home/notes.txt",
            "alice/secret.txt",
            "cwd/file.txt",
            "cwd/sub/inner.txt",
        ] {
            let marker = format!("MARKER-{nonce}-{}", f.replace('/', "-"));
            std::fs::write(base.join(f), &marker).unwrap();
            markers.push(marker);
        }
        // Names no argument mentions: a listing, search or tree outside the root shows them.
        for d in [
            "",
            "root_evil",
            "outside",
            "outside/dir",
            "home",
            "alice",
            "cwd",
        ] {
            let name = format!("NAMEMARKER-{nonce}-{}", d.replace('/', "-"));
            std::fs::write(base.join(d).join(&name), "").unwrap();
            markers.push(name);
        }
        std::fs::write(base.join("shared/hard_target.txt"), "shared content").unwrap();
        std::fs::hard_link(base.join("shared/hard_target.txt"), root.join("hard.txt")).unwrap();
        for (f, text) in [
            ("file.txt", "inside: file"),
            ("sub/inner.txt", "inside: inner"),
            ("sub/deep/x.txt", "inside: deep"),
            ("ünï.txt", "inside: unicode"),
            ("space name.txt", "inside: space"),
            ("overwrite.txt", "inside: old"),
            ("edit.txt", "before"),
            ("move_me.txt", "inside: move me"),
            ("victim1.txt", "inside: victim"),
            ("victim2.txt", "inside: victim"),
            ("victim3.txt", "inside: victim"),
            ("victim4.txt", "inside: victim"),
            ("notdir.txt", "inside: not a directory"),
        ] {
            std::fs::write(root.join(f), text).unwrap();
        }
        for (link, target) in [
            ("link_in", PathBuf::from("sub")),
            ("deep_link", PathBuf::from("sub/deep")),
            ("link_out", PathBuf::from("../outside")),
            ("abs_out", base.join("outside")),
            ("out_dir", PathBuf::from("../outside/dir")),
            ("file_link_out", PathBuf::from("../outside/secret.txt")),
            ("chain1", PathBuf::from("chain2")),
            ("chain2", PathBuf::from("chain3")),
            ("chain3", PathBuf::from("../outside")),
            ("loop_a", PathBuf::from("loop_b")),
            ("loop_b", PathBuf::from("loop_a")),
            ("up", PathBuf::from("..")),
            ("slash", PathBuf::from("/")),
            ("evil_link", PathBuf::from("../root_evil")),
            (
                "dangling_out",
                PathBuf::from("../outside/planted_by_link.txt"),
            ),
            ("dangling_dir_out", PathBuf::from("../outside/planted_dir")),
            ("dangling_in", PathBuf::from("sub/new_via_link.txt")),
            // `café_out` spelled decomposed (NFD) on disk.
            ("cafe\u{301}_out", PathBuf::from("../outside")),
        ] {
            symlink(target, root.join(link)).unwrap();
        }
        Fixture {
            _dir: dir,
            state: tempfile::tempdir().unwrap(),
            base,
            root,
            markers,
        }
    }

    /// `{BASE}`, `{ROOT}` and `{repeat:N:TEXT}` replaced in every string of `value`.
    fn expand(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.expand_str(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.expand(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.expand(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn expand_str(&self, text: &str) -> String {
        let mut out = text
            .replace("{BASE}", self.base.to_str().unwrap())
            .replace("{ROOT}", self.root.to_str().unwrap());
        while let Some(start) = out.find("{repeat:") {
            let end = start + out[start..].find('}').expect("closing brace of {repeat:}");
            let (count, unit) = out[start + 8..end].split_once(':').unwrap();
            let repeated = unit.repeat(count.parse().unwrap());
            out.replace_range(start..=end, &repeated);
        }
        out
    }

    /// Everything under the base directory except the root, by path: each entry's type, mode
    /// and link count, a file's content, a link's target. Links are not followed.
    fn outside_tree(&self) -> BTreeMap<String, Vec<u8>> {
        let mut entries = BTreeMap::new();
        collect(&self.base, &self.base, &self.root, &mut entries);
        entries
    }

    /// SHA-256 of [`Fixture::outside_tree`].
    fn outside_digest(&self) -> String {
        let mut hash = Sha256::new();
        for (path, entry) in &self.outside_tree() {
            hash.update(path.as_bytes());
            hash.update([0]);
            hash.update(entry);
            hash.update([0]);
        }
        hex(&hash.finalize())
    }
}

/// Paths whose entry differs between `before` and `after`.
fn changed(before: &BTreeMap<String, Vec<u8>>, after: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut paths: Vec<String> = before
        .keys()
        .chain(after.keys())
        .filter(|p| before.get(*p) != after.get(*p))
        .cloned()
        .collect();
    paths.sort_unstable();
    paths.dedup();
    paths
}

fn collect(dir: &Path, base: &Path, root: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    use std::os::unix::fs::MetadataExt;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path == root {
            continue;
        }
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let mut desc = format!("mode={:o} nlink={} ", meta.mode(), meta.nlink()).into_bytes();
        if meta.file_type().is_symlink() {
            desc.extend(b"link:");
            desc.extend(
                std::fs::read_link(&path)
                    .unwrap()
                    .to_string_lossy()
                    .as_bytes(),
            );
        } else if meta.is_dir() {
            desc.extend(b"dir");
            collect(&path, base, root, out);
        } else {
            desc.extend(b"file:");
            desc.extend(std::fs::read(&path).unwrap());
        }
        let rel = path
            .strip_prefix(base)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        out.insert(rel, desc);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Gateway options for `target` over `fx`, allowing every call (so only the guard decides),
/// with `HOME` in the fixture and pins off (definitions are not what this test is about).
fn options(target: Target, fx: &Fixture, table: bool, log: &Path) -> RunOptions {
    let state = fx.state.path().join("state");
    let mut policy = "[defaults]\nmode = \"allow\"\n".to_owned();
    let mut opts = match target {
        Target::Official => {
            let (node, mut args) = reference_server(ReferenceServer::Filesystem);
            args.push(fx.root.clone().into_os_string());
            let mut opts = common::options(node, args, &state);
            opts.roots = vec![fx.root.clone()];
            opts
        }
        Target::Careless => {
            // Started with the whole base directory, as a careless configuration would; the
            // table's roots replace it. It runs in BASE/cwd, so what it does with a relative
            // path stays in the temporary tree; mcpward judges relative paths against its own
            // working directory (the test's, outside the root) and the roots.
            let cwd = fx.base.join("cwd");
            let mut opts = common::options(
                testkit_server("careless_fs"),
                vec![
                    format!("--cwd={}", cwd.display()).into(),
                    fx.base.clone().into_os_string(),
                ],
                &state,
            );
            opts.server_name = "careless".into();
            opts.roots = vec![fx.base.clone()];
            if table {
                policy.push_str(&format!(
                    "\n[[server]]\nname = \"careless\"\nroots = [\"{}\"]\npath_args = [\"path\", \"paths\", \"source\", \"destination\"]\nread_tools = [\"read_text_file\", \"read_multiple_files\", \"list_directory\", \"get_file_info\", \"search_files\", \"directory_tree\"]\n",
                    fx.root.display()
                ));
            }
            opts
        }
    };
    opts.policy = mcpward_policy::Policy::parse(&policy, Path::new("policy.toml")).unwrap();
    opts.pins = PinSetup::Off;
    opts.env = vec![("HOME".into(), fx.base.join("home").display().to_string())];
    opts.log_path = Some(log.to_path_buf());
    opts
}

#[derive(Default)]
struct Tally {
    escapes: usize,
    blocked: usize,
    malformed: usize,
    malformed_refused: usize,
    legitimate: usize,
    false_denies: usize,
    failures: Vec<String>,
}

/// The escape cases that really reach outside the root through the careless server when nothing
/// guards it (no `[[server]]` table): each runs alone on a fresh tree, and reaches outside when
/// its response holds a marker or the tree outside the root changed. Returns those that do and
/// those that do not.
async fn unguarded_reach(cases: &[Case]) -> (Vec<&str>, Vec<&str>) {
    let mut reached = Vec::new();
    let mut not = Vec::new();
    for case in cases
        .iter()
        .filter(|c| c.expect_on(Target::Careless) == Expect::Deny && c.kind.is_none())
    {
        let fx = Fixture::new();
        let before = fx.outside_digest();
        let log = fx.state.path().join("audit.jsonl");
        let mut s = common::start(options(Target::Careless, &fx, false, &log));
        s.client.initialize(json!({})).await.unwrap();
        let resp = s
            .client
            .call_tool(&case.tool, fx.expand(&case.args))
            .await
            .unwrap()
            .to_string();
        s.finish().await;
        let leaked = fx.markers.iter().any(|m| resp.contains(m));
        if leaked || fx.outside_digest() != before {
            reached.push(case.name.as_str());
        } else {
            not.push(case.name.as_str());
        }
    }
    (reached, not)
}

async fn run_corpus(target: Target, cases: &[Case]) -> Tally {
    let fx = Fixture::new();
    let before = fx.outside_tree();
    let digest_before = fx.outside_digest();
    let log = fx.state.path().join("audit.jsonl");
    let mut s = common::start(options(target, &fx, true, &log));
    s.client.initialize(json!({})).await.unwrap();
    let tools = s.client.list_tools().await.unwrap();
    assert!(
        tools.iter().any(|t| t["name"] == "read_multiple_files"),
        "{tools:?}"
    );
    let mut tally = Tally::default();
    let mut responses = Vec::new();
    for case in cases {
        let args = fx.expand(&case.args);
        let resp = s.client.call_tool(&case.tool, args).await.unwrap();
        let text = response_text(&resp);
        let guarded = is_error(&resp) && text.contains("path guard");
        let label = format!("[{}] {}", target.name(), case.name);
        match case.expect_on(target) {
            Expect::Deny => {
                let malformed = case.kind.as_deref() == Some("malformed");
                if malformed {
                    tally.malformed += 1;
                    tally.malformed_refused += usize::from(guarded);
                } else {
                    tally.escapes += 1;
                    tally.blocked += usize::from(guarded);
                }
                if !guarded {
                    tally
                        .failures
                        .push(format!("{label}: not denied by the guard: {resp}"));
                }
            }
            Expect::Allow => {
                tally.legitimate += 1;
                if guarded {
                    tally.false_denies += 1;
                    tally.failures.push(format!("{label}: false deny: {text}"));
                } else if case.fails_on.iter().any(|t| t == target.name()) {
                    if !is_error(&resp) {
                        tally
                            .failures
                            .push(format!("{label}: expected the server to refuse: {resp}"));
                    }
                } else if is_error(&resp) {
                    tally
                        .failures
                        .push(format!("{label}: allowed but failed: {text}"));
                } else if let Some(path) = &case.exists
                    && !Path::new(&fx.expand_str(path)).exists()
                {
                    tally
                        .failures
                        .push(format!("{label}: {path} was not created"));
                }
            }
        }
        responses.push(resp.to_string());
    }
    s.finish().await;
    for (response, case) in responses.iter().zip(cases) {
        for marker in &fx.markers {
            if response.contains(marker) {
                tally.failures.push(format!(
                    "[{}] {}: the response holds the marker {marker}",
                    target.name(),
                    case.name
                ));
            }
        }
    }
    if fx.outside_digest() != digest_before {
        tally.failures.push(format!(
            "[{}] the tree outside the root changed: {}",
            target.name(),
            changed(&before, &fx.outside_tree()).join(", ")
        ));
    }
    tally
}

#[tokio::test]
async fn escape_corpus_is_blocked_in_front_of_the_official_and_a_careless_server() {
    let cases = corpus();
    assert!(cases.len() >= 60, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    let mut summary = String::new();
    for target in [Target::Official, Target::Careless] {
        let t = run_corpus(target, &cases).await;
        summary.push_str(&format!(
            "escape corpus, {} server: {}/{} escapes blocked, {}/{} malformed refused, {} false denies in {} legitimate calls\n",
            target.name(),
            t.blocked,
            t.escapes,
            t.malformed_refused,
            t.malformed,
            t.false_denies,
            t.legitimate
        ));
        failures.extend(t.failures);
    }
    // The same calls without the table: the careless server really acts on them, so the
    // corpus is a set of working attacks, not a list the guard happens to recognise.
    let (reached, not) = unguarded_reach(&cases).await;
    summary.push_str(&format!(
        "without its [[server]] table, {} of {} escape cases reach outside the root through the careless server; not: {}\n",
        reached.len(),
        reached.len() + not.len(),
        not.join(", ")
    ));
    for case in &cases {
        let name = case.name.as_str();
        if reached.contains(&name) && case.careless_unproven.is_some() {
            failures.push(format!(
                "[careless, unguarded] {name} reaches outside although the corpus says it cannot"
            ));
        }
        if not.contains(&name) && case.careless_unproven.is_none() {
            failures.push(format!(
                "[careless, unguarded] {name} does not reach outside: the case proves nothing there (say why in careless_unproven)"
            ));
        }
    }
    let _ = std::io::stderr().write_all(summary.as_bytes());
    assert!(failures.is_empty(), "{}\n{summary}", failures.join("\n"));
}

#[tokio::test]
async fn careless_server_is_unguarded_without_a_table_and_the_log_says_so() {
    let fx = Fixture::new();
    let log = fx.state.path().join("audit.jsonl");
    let secret = json!({"path": fx.base.join("outside/secret.txt")});
    // Without the table: the call goes through and the careless server reads the marker.
    let mut s = common::start(options(Target::Careless, &fx, false, &log));
    s.client.initialize(json!({})).await.unwrap();
    s.client.list_tools().await.unwrap();
    let resp = s
        .client
        .call_tool("read_text_file", secret.clone())
        .await
        .unwrap();
    assert!(!is_error(&resp), "{resp}");
    assert!(response_text(&resp).starts_with("MARKER-"), "{resp}");
    // `create_directory` declares `"format": "path"`: the hint says so.
    let created = s
        .client
        .call_tool("create_directory", json!({"path": fx.root.join("hinted")}))
        .await
        .unwrap();
    assert!(!is_error(&created), "{created}");
    s.finish().await;
    let hints = mcpward_gateway::chain::read(&log, &mcpward_gateway::chain::Filter::default())
        .unwrap()
        .into_iter()
        .filter(|r| r.method == "path-guard-hint")
        .collect::<Vec<_>>();
    assert_eq!(hints.len(), 2, "{hints:?}");
    assert_eq!(hints[0].tool.as_deref(), Some("read_text_file"));
    let detail = hints[0].detail.as_deref().unwrap();
    assert!(
        detail.contains("argument `path` looks like a path") && detail.contains("[[server]]"),
        "{detail}"
    );
    assert!(
        hints[1]
            .detail
            .as_deref()
            .unwrap()
            .contains("\"format\": \"path\""),
        "{hints:?}"
    );
    // With the table: the same call is refused, and no hint is logged for it.
    let log2 = fx.state.path().join("audit-with-table.jsonl");
    let mut s = common::start(options(Target::Careless, &fx, true, &log2));
    s.client.initialize(json!({})).await.unwrap();
    s.client.list_tools().await.unwrap();
    let resp = s.client.call_tool("read_text_file", secret).await.unwrap();
    assert!(is_error(&resp), "{resp}");
    let text = response_text(&resp);
    assert!(
        text.contains("path guard") && !text.contains("MARKER-"),
        "{text}"
    );
    s.finish().await;
    let records =
        mcpward_gateway::chain::read(&log2, &mcpward_gateway::chain::Filter::default()).unwrap();
    assert!(
        !records.iter().any(|r| r.method == "path-guard-hint"),
        "{records:?}"
    );
    assert!(
        records
            .iter()
            .any(|r| r.decision == "deny" && r.tool.as_deref() == Some("read_text_file")),
        "{records:?}"
    );
}
