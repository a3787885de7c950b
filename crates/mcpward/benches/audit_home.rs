//! Full audit of a synthetic home with 500 MCP config files across every client.
//!
//! Run: `cargo bench -p mcpward --bench audit_home`. Prints the wall time of single runs of the
//! real binary (`mcpward audit <home> --format json`), warm cache, and of the library pipeline.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const FILES: usize = 500;

/// (relative path pattern with `{i}` for the project index, file body).
fn layouts() -> Vec<(&'static str, &'static str)> {
    vec![
        ("projects/p{i}/.mcp.json", JSON_MCP_SERVERS),
        ("projects/p{i}/.cursor/mcp.json", JSON_MCP_SERVERS),
        ("projects/p{i}/.vscode/mcp.json", VSCODE),
        ("projects/p{i}/.gemini/settings.json", GEMINI),
        ("projects/p{i}/.roo/mcp.json", JSON_MCP_SERVERS),
        ("projects/p{i}/.continue/mcpServers/servers.yaml", CONTINUE),
        ("projects/p{i}/.codex/config.toml", CODEX),
        ("projects/p{i}/claude_desktop_config.json", JSON_MCP_SERVERS),
        ("projects/p{i}/cline_mcp_settings.json", CLINE),
        ("projects/p{i}/.config/zed/settings.json", ZED),
        ("projects/p{i}/.config/goose/config.yaml", GOOSE),
        (
            "projects/p{i}/.codeium/windsurf/mcp_config.json",
            JSON_MCP_SERVERS,
        ),
        ("projects/p{i}/.lmstudio/mcp.json", JSON_MCP_SERVERS),
    ]
}

const JSON_MCP_SERVERS: &str = r#"{
  "mcpServers": {
    "filesystem": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/home/user"] },
    "github": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@2025.4.8"],
      "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_DEMOnotREALq8ZxL2mN4pR6tV8wY0aB2cD4e" } },
    "fetch": { "command": "uvx", "args": ["mcp-server-fetch"] },
    "memory": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory@2025.8.4"] },
    "remote": { "url": "https://mcp.example.com/mcp", "headers": { "Authorization": "Bearer ${TOKEN}" } }
  }
}
"#;

const VSCODE: &str = r#"{
  // workspace servers
  "inputs": [{ "type": "promptString", "id": "pat", "password": true }],
  "servers": {
    "github": { "type": "stdio", "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "${input:pat}" } },
    "docs": { "type": "http", "url": "http://docs.example.com/mcp" },
  }
}
"#;

const GEMINI: &str = r#"{
  "theme": "Default",
  "mcpServers": {
    "shell": { "command": "npx", "args": ["-y", "@wonderwhy-er/desktop-commander"], "trust": true },
    "search": { "httpUrl": "https://search.example.com/mcp", "headers": { "X-Api-Key": "$SEARCH_KEY" } }
  }
}
"#;

const CONTINUE: &str = "name: servers\nversion: 0.0.1\nschema: v1\nmcpServers:\n  - name: sqlite\n    command: uvx\n    args: [mcp-server-sqlite, --db-path, /tmp/test.db]\n  - name: browser\n    command: npx\n    args: [-y, \"@playwright/mcp@latest\"]\n";

const CODEX: &str = "model = \"o4\"\n\n[mcp_servers.docs]\ncommand = \"docker\"\nargs = [\"run\", \"-i\", \"--rm\", \"mcp/fetch\"]\n\n[mcp_servers.stripe]\ncommand = \"npx\"\nargs = [\"-y\", \"@stripe/mcp\"]\nenv = { STRIPE_SECRET_KEY = \"sk_live_DEMOnotREALa1b2c3d4e5f6g7h8\" }\n";

const CLINE: &str = r#"{
  "mcpServers": {
    "git": { "command": "uvx", "args": ["mcp-server-git", "--repository", "."], "alwaysAllow": ["git_commit", "git_status"], "disabled": false }
  }
}
"#;

const ZED: &str = r#"{
  // Zed settings
  "theme": "One Dark",
  "context_servers": {
    "postgres": { "source": "custom", "command": "npx", "args": ["-y", "@modelcontextprotocol/server-postgres", "postgresql://admin:Sup3r-S3cret-Pass@db:5432/app"] },
  },
}
"#;

const GOOSE: &str = "extensions:\n  developer:\n    type: builtin\n    enabled: true\n  github:\n    type: stdio\n    enabled: true\n    cmd: npx\n    args: [-y, \"@modelcontextprotocol/server-github\"]\n    envs: { GITHUB_PERSONAL_ACCESS_TOKEN: ghp_DEMOnotREALq8ZxL2mN4pR6tV8wY0aB2cD4e }\n";

fn build_home(root: &Path) -> usize {
    let layouts = layouts();
    for i in 0..FILES {
        let (pattern, body) = layouts[i % layouts.len()];
        let path = root.join(pattern.replace("{i}", &i.to_string()));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
    FILES
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

fn run_binary(home: &Path) -> (Duration, usize) {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .args(["audit", "--format", "json"])
        .arg(home)
        .env("HOME", home)
        .stderr(Stdio::null())
        .output()
        .expect("run mcpward");
    let elapsed = start.elapsed();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    (
        elapsed,
        v["summary"]["total"].as_u64().unwrap_or(0) as usize,
    )
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let home: PathBuf = dir.path().to_path_buf();
    let files = build_home(&home);

    // Library pipeline: load + parse + rules.
    let mut lib_times = Vec::new();
    let mut counts = (0, 0, 0);
    for _ in 0..11 {
        let start = Instant::now();
        let loaded: Vec<_> = mcpward_config::load_paths(std::slice::from_ref(&home))
            .into_iter()
            .filter_map(Result::ok)
            .collect();
        let findings = mcpward_audit::audit(&loaded, &mcpward_audit::AuditOptions::default());
        lib_times.push(start.elapsed());
        counts = (
            loaded.len(),
            loaded.iter().map(|f| f.servers.len()).sum::<usize>(),
            findings.len(),
        );
    }
    lib_times.sort();

    // Whole binary, warm cache: first run discarded.
    let _ = run_binary(&home);
    let mut bin_times = Vec::new();
    let mut bin_findings = 0;
    for _ in 0..11 {
        let (t, n) = run_binary(&home);
        bin_times.push(t);
        bin_findings = n;
    }
    bin_times.sort();

    let mut out = std::io::stdout().lock();
    use std::io::Write as _;
    let _ = writeln!(
        out,
        "synthetic home: {files} files written, {} configs parsed, {} servers, {} findings (library) / {bin_findings} (binary)",
        counts.0, counts.1, counts.2
    );
    let _ = writeln!(
        out,
        "library load+parse+audit: median {:.1} ms, min {:.1} ms, max {:.1} ms",
        ms(percentile(&lib_times, 0.5)),
        ms(lib_times[0]),
        ms(lib_times[lib_times.len() - 1])
    );
    let _ = writeln!(
        out,
        "binary `mcpward audit HOME --format json` (single runs, warm cache): median {:.1} ms, min {:.1} ms, max {:.1} ms; target < 200 ms",
        ms(percentile(&bin_times, 0.5)),
        ms(bin_times[0]),
        ms(bin_times[bin_times.len() - 1])
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
