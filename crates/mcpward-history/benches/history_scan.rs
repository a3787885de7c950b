//! History scan against ripsecrets on the same blobs.
//!
//! Generates (untimed) a repository of 10,000 commits with `git fast-import`: 40 config files
//! edited over time, 300 fake secrets added to them and removed again by later edits, plus
//! source files the default scan skips. Every distinct config blob is also written out as a
//! file. Then it times `mcpward_history::scan` (walk + decompress + scan, all cores) and
//! `ripsecrets` over the written files, and prints both times, the ratio and the recall of
//! each on the planted secrets.
//!
//! `cargo bench -p mcpward-history --bench history_scan` (ripsecrets from `$RIPSECRETS` or PATH;
//! `cargo install ripsecrets`). `--commits N` changes the size.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::disallowed_macros)] // a bench reports on stdout

use std::collections::HashSet;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Small deterministic generator (xorshift), so every run builds the same repository.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn alnum(&mut self, n: usize) -> String {
        const A: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        (0..n)
            .map(|_| A[(self.next() % 62) as usize] as char)
            .collect()
    }
    fn upper(&mut self, n: usize) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        (0..n)
            .map(|_| A[(self.next() % 32) as usize] as char)
            .collect()
    }
}

fn config(rng: &mut Rng, i: usize, secret: Option<&str>) -> String {
    let mut s = format!(
        "{{\n  \"mcpServers\": {{\n    \"svc{i}\": {{\n      \"command\": \"npx\",\n      \"args\": [\"-y\", \"@acme/server-{i}@1.{}.0\", \"--port\", \"{}\"],\n      \"env\": {{\n        \"LOG_LEVEL\": \"info\",\n",
        rng.next() % 50,
        8000 + rng.next() % 1000
    );
    if let Some(secret) = secret {
        s.push_str(&format!("        \"API_TOKEN\": \"{secret}\",\n"));
    }
    s.push_str("        \"REGION\": \"eu-west-1\"\n      }\n    }\n  }\n}\n");
    for _ in 0..(rng.next() % 30) {
        s.push_str(&format!("// note {}\n", rng.alnum(40)));
    }
    s
}

fn main() {
    let mut commits = 10_000usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--commits" {
            commits = args.next().and_then(|n| n.parse().ok()).unwrap_or(commits);
        }
    }
    let work = tempfile::tempdir().expect("temp dir");
    let repo = work.path().join("repo");
    let files = work.path().join("blobs");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::create_dir_all(&files).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);

    // ---- generation (not timed)
    let t = Instant::now();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut planted: Vec<String> = Vec::new();
    let mut stream = Vec::new();
    let mut blob_texts: HashSet<String> = HashSet::new();
    const FILES: usize = 40;
    let every = (commits / 300).max(1);
    for c in 0..commits {
        let i = c % FILES;
        let secret = if c % every == 0 && planted.len() < 300 {
            let s = if planted.len().is_multiple_of(2) {
                format!("ghp_{}", rng.alnum(36))
            } else {
                format!("AKIA{}", rng.upper(16))
            };
            planted.push(s.clone());
            Some(s)
        } else {
            None
        };
        let text = config(&mut rng, i, secret.as_deref());
        let source = format!("fn f{c}() -> u64 {{ {} }}\n", rng.next());
        writeln!(stream, "commit refs/heads/main").unwrap();
        writeln!(stream, "mark :{}", c + 1).unwrap();
        let when = 1_600_000_000 + c as u64 * 600;
        writeln!(stream, "author Bench <bench@example.invalid> {when} +0000").unwrap();
        writeln!(
            stream,
            "committer Bench <bench@example.invalid> {when} +0000"
        )
        .unwrap();
        let msg = format!("edit {c}\n");
        write!(stream, "data {}\n{msg}", msg.len()).unwrap();
        if c > 0 {
            writeln!(stream, "from :{c}").unwrap();
        }
        for (path, body) in [
            (format!("configs/svc{i}.json"), &text),
            (format!("src/mod{}.rs", c % 25), &source),
        ] {
            writeln!(stream, "M 100644 inline {path}").unwrap();
            write!(stream, "data {}\n{body}\n", body.len()).unwrap();
        }
        blob_texts.insert(text);
    }
    writeln!(stream, "done").unwrap();
    let mut fi = Command::new("git")
        .args(["fast-import", "--quiet", "--done"])
        .current_dir(&repo)
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import");
    fi.stdin.take().unwrap().write_all(&stream).unwrap();
    assert!(fi.wait().unwrap().success());
    git(&repo, &["reset", "-q", "--hard", "main"]);
    for (n, text) in blob_texts.iter().enumerate() {
        std::fs::write(files.join(format!("blob{n}.json")), text).unwrap();
    }
    eprintln!(
        "generated {commits} commits, {} distinct config blobs, {} planted secrets in {:.1} s (not timed)",
        blob_texts.len(),
        planted.len(),
        t.elapsed().as_secs_f64()
    );

    // ---- ours
    let mut best = f64::MAX;
    let mut report = None;
    for _ in 0..3 {
        let t = Instant::now();
        let r = mcpward_history::scan(&repo, &mcpward_history::ScanOptions::default(), &|_| {})
            .expect("scan");
        best = best.min(t.elapsed().as_secs_f64());
        report = Some(r);
    }
    let report = report.unwrap();
    let found: HashSet<&str> = report
        .secrets
        .iter()
        .map(|s| s.fingerprint.as_str())
        .collect();
    let ours_hits = planted
        .iter()
        .filter(|p| found.contains(mcpward_history::fingerprint(p).as_str()))
        .count();
    println!(
        "mcpward history scan: best of 3: {best:.3} s ({} commits, {} blobs, {:.1} MB decompressed); recall {ours_hits}/{}",
        report.commits,
        report.blobs,
        report.bytes as f64 / 1e6,
        planted.len()
    );

    // ---- ripsecrets on the same blobs written out as files
    let rip = std::env::var("RIPSECRETS").unwrap_or_else(|_| "ripsecrets".into());
    let mut rip_best = f64::MAX;
    let mut rip_out = String::new();
    for _ in 0..3 {
        let t = Instant::now();
        let out = match Command::new(&rip).arg(&files).output() {
            Ok(o) => o,
            Err(e) => {
                println!(
                    "ripsecrets not run ({rip}: {e}); install with `cargo install ripsecrets`"
                );
                return;
            }
        };
        rip_best = rip_best.min(t.elapsed().as_secs_f64());
        rip_out = String::from_utf8_lossy(&out.stdout).into_owned();
    }
    let rip_hits = planted
        .iter()
        .filter(|p| rip_out.contains(p.as_str()))
        .count();
    println!(
        "ripsecrets over {} extracted files: best of 3: {rip_best:.3} s; recall {rip_hits}/{}",
        blob_texts.len(),
        planted.len()
    );
    println!("ratio (ripsecrets time / ours): {:.2}x", rip_best / best);
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git")
        .success();
    assert!(ok, "git {args:?}");
}
