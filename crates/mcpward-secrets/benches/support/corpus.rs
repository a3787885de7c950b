//! Deterministic config-like corpus with fake secrets planted at known lines.
//!
//! Shared by the throughput bench and `scripts/bench-secrets.sh` (through the bench's
//! `--write-corpus` mode) so both tools are measured on byte-identical input.

use std::fmt::Write as _;
use std::ops::Range;

/// One planted fake secret.
#[derive(Debug, Clone)]
pub struct Planted {
    /// Byte range of the secret in the corpus.
    pub range: Range<usize>,
    /// 1-based line number.
    pub line: usize,
    pub kind: &'static str,
}

#[derive(Debug)]
pub struct Corpus {
    pub text: String,
    pub planted: Vec<Planted>,
}

/// xorshift64: fast, deterministic, good enough for filler.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn from(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| char::from(alphabet[self.below(alphabet.len())]))
            .collect()
    }
}

const ALNUM: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789";
const HEX: &[u8] = b"0123456789abcdef";
const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const B64: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789+/";
const DIGITS: &[u8] = b"123456789";

const SERVERS: &[&str] = &[
    "filesystem",
    "github",
    "gitlab",
    "postgres",
    "sqlite",
    "slack",
    "brave-search",
    "fetch",
    "memory",
    "puppeteer",
    "sentry",
    "linear",
    "notion",
    "everything",
    "time",
    "git",
];
const PACKAGES: &[&str] = &[
    "@modelcontextprotocol/server-filesystem",
    "@modelcontextprotocol/server-github",
    "@modelcontextprotocol/server-memory",
    "mcp-server-git",
    "mcp-server-fetch",
    "@notionhq/notion-mcp-server",
    "@sentry/mcp-server",
    "mcp-remote",
];
const PLAIN_KEYS: &[&str] = &[
    "LOG_LEVEL",
    "NODE_ENV",
    "PORT",
    "HOME",
    "CACHE_DIR",
    "API_BASE_URL",
    "TIMEOUT_MS",
    "RUST_LOG",
    "PYTHONUNBUFFERED",
    "MAX_RETRIES",
    "REGION",
    "WORKSPACE",
    "DEBUG",
];
const WORDS: &[&str] = &[
    "alpha",
    "bravo",
    "orders",
    "billing",
    "reports",
    "staging",
    "production",
    "docs",
    "assets",
    "users",
    "inventory",
    "search",
    "analytics",
    "gateway",
    "worker",
    "scheduler",
];

/// Fake secret of the `n`th planted kind: (kind, key it is stored under, value).
fn fake_secret(rng: &mut Rng, n: usize) -> (&'static str, &'static str, String) {
    match n % 16 {
        0 => (
            "github-classic-pat",
            "GITHUB_PERSONAL_ACCESS_TOKEN",
            format!("ghp_{}", rng.from(ALNUM, 36)),
        ),
        1 => (
            "openai-project-key",
            "OPENAI_API_KEY",
            format!(
                "sk-proj-{}T3BlbkFJ{}",
                rng.from(ALNUM, 74),
                rng.from(ALNUM, 74)
            ),
        ),
        2 => (
            "stripe-live-secret-key",
            "STRIPE_SECRET_KEY",
            format!("sk_live_{}", rng.from(ALNUM, 99)),
        ),
        3 => (
            "aws-access-key-id",
            "AWS_ACCESS_KEY_ID",
            format!("AKIA{}", rng.from(B32, 16)),
        ),
        4 => (
            "slack-bot-token",
            "SLACK_BOT_TOKEN",
            format!(
                "xoxb-{}-{}-{}",
                rng.from(DIGITS, 12),
                rng.from(DIGITS, 13),
                rng.from(ALNUM, 24)
            ),
        ),
        5 => (
            "anthropic-api-key",
            "ANTHROPIC_API_KEY",
            format!("sk-ant-api03-{}AA", rng.from(ALNUM, 93)),
        ),
        6 => (
            "google-api-key",
            "GOOGLE_API_KEY",
            format!("AIza{}", rng.from(ALNUM, 35)),
        ),
        7 => (
            "gitlab-pat",
            "GITLAB_PERSONAL_ACCESS_TOKEN",
            format!("glpat-{}", rng.from(ALNUM, 20)),
        ),
        8 => (
            "npm-access-token",
            "NPM_TOKEN",
            format!("npm_{}", rng.from(ALNUM, 36)),
        ),
        9 => (
            "sendgrid-api-key",
            "SENDGRID_API_KEY",
            format!("SG.{}.{}", rng.from(ALNUM, 22), rng.from(ALNUM, 43)),
        ),
        10 => (
            "huggingface-token",
            "HF_TOKEN",
            format!("hf_{}", rng.from(&ALNUM[..48], 34)),
        ),
        11 => (
            "database-url-password",
            "DATABASE_URL",
            format!(
                "postgres://app:{}@db.internal:5432/app",
                rng.from(ALNUM, 20)
            ),
        ),
        12 => ("generic-high-entropy", "BRAVE_API_KEY", rng.from(ALNUM, 31)),
        13 => (
            "aws-secret-access-key",
            "AWS_SECRET_ACCESS_KEY",
            rng.from(B64, 40),
        ),
        14 => (
            "linear-api-key",
            "LINEAR_API_KEY",
            format!("lin_api_{}", rng.from(ALNUM, 40)),
        ),
        _ => (
            "notion-api-token",
            "NOTION_TOKEN",
            format!("ntn_{}{}", rng.from(DIGITS, 11), rng.from(ALNUM, 35)),
        ),
    }
}

struct Writer {
    text: String,
    line: usize,
    planted: Vec<Planted>,
}

impl Writer {
    fn line(&mut self, s: &str) {
        self.text.push_str(s);
        self.text.push('\n');
        self.line += 1;
    }
    /// Writes `before`, the secret, `after` as one line and records where the secret landed.
    fn plant(&mut self, before: &str, kind: &'static str, value: &str, after: &str) {
        self.text.push_str(before);
        let mut start = self.text.len();
        self.text.push_str(value);
        let mut end = self.text.len();
        if kind == "database-url-password" {
            // The secret is the password between `app:` and `@`.
            start += "postgres://app:".len();
            end = start + 20;
        }
        self.text.push_str(after);
        self.text.push('\n');
        self.planted.push(Planted {
            range: start..end,
            line: self.line,
            kind,
        });
        self.line += 1;
    }
}

/// About `target_bytes` of JSON, TOML, YAML, env and log text; one fake secret every ~16 KiB.
pub fn generate(target_bytes: usize) -> Corpus {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut w = Writer {
        text: String::with_capacity(target_bytes + 4096),
        line: 1,
        planted: Vec::new(),
    };
    let mut block = 0usize;
    let mut next_plant = 16 * 1024;
    let mut buf = String::new();
    while w.text.len() < target_bytes {
        block += 1;
        let server = rng.pick(SERVERS);
        let word = rng.pick(WORDS);
        let plant = w.text.len() >= next_plant;
        let secret = plant.then(|| fake_secret(&mut rng, w.planted.len()));
        if plant {
            next_plant += 16 * 1024;
        }
        buf.clear();
        match block % 5 {
            0 => {
                w.line("{");
                w.line("  \"mcpServers\": {");
                let _ = write!(buf, "    \"{server}-{block}\": {{");
                w.line(&buf);
                w.line("      \"command\": \"npx\",");
                buf.clear();
                let _ = write!(
                    buf,
                    "      \"args\": [\"-y\", \"{}\", \"/home/dev-example/projects/{word}-{block}\"],",
                    rng.pick(PACKAGES)
                );
                w.line(&buf);
                w.line("      \"env\": {");
                buf.clear();
                let _ = write!(
                    buf,
                    "        \"{}\": \"{}\",",
                    rng.pick(PLAIN_KEYS),
                    rng.pick(WORDS)
                );
                w.line(&buf);
                w.line("        \"GITHUB_TOKEN\": \"${GITHUB_TOKEN}\",");
                if let Some((kind, key, value)) = &secret {
                    w.plant(&format!("        \"{key}\": \""), kind, value, "\",");
                }
                buf.clear();
                let _ = write!(
                    buf,
                    "        \"API_BASE_URL\": \"https://api.{word}.internal/v1/{block}\""
                );
                w.line(&buf);
                w.line("      }");
                w.line("    }");
                w.line("  }");
                w.line("}");
            }
            1 => {
                let _ = write!(buf, "[mcp_servers.{server}-{block}]");
                w.line(&buf);
                w.line("command = \"uvx\"");
                buf.clear();
                let _ = write!(
                    buf,
                    "args = [\"mcp-server-git\", \"--repository\", \"/srv/repos/{word}-{block}\"]"
                );
                w.line(&buf);
                buf.clear();
                let _ = write!(
                    buf,
                    "env = {{ RUST_LOG = \"debug\", DATABASE_URL = \"postgres://app@db-{block}.internal:5432/{word}\" }}"
                );
                w.line(&buf);
                if let Some((kind, key, value)) = &secret {
                    w.plant(&format!("env_vars = {{ {key} = \""), kind, value, "\" }");
                }
                w.line("startup_timeout_sec = 30");
                w.line("bearer_token_env_var = \"MCP_BEARER_TOKEN\"");
                w.line("");
            }
            2 => {
                w.line("extensions:");
                buf.clear();
                let _ = write!(buf, "  {server}-{block}:");
                w.line(&buf);
                w.line("    type: stdio");
                w.line("    cmd: /usr/local/bin/mcp-server");
                w.line("    envs:");
                buf.clear();
                let _ = write!(buf, "      CACHE_DIR: /var/cache/mcp/{word}/{block}");
                w.line(&buf);
                w.line("      API_TOKEN: $API_TOKEN");
                if let Some((kind, key, value)) = &secret {
                    w.plant(&format!("      {key}: "), kind, value, "");
                }
                w.line("    timeout: 300");
                w.line("    enabled: true");
            }
            3 => {
                w.line("NODE_ENV=production");
                buf.clear();
                let _ = write!(buf, "PORT={}", 3000 + block % 1000);
                w.line(&buf);
                buf.clear();
                let _ = write!(
                    buf,
                    "API_URL=https://api.{word}.net/v2/items?limit=100&page={block}"
                );
                w.line(&buf);
                w.line("SENTRY_ENVIRONMENT=staging");
                if let Some((kind, key, value)) = &secret {
                    w.plant(&format!("{key}="), kind, value, "");
                }
                w.line("OPENAI_API_KEY=${OPENAI_API_KEY}");
            }
            _ => {
                for _ in 0..4 {
                    buf.clear();
                    let _ = write!(
                        buf,
                        "2026-01-{:02}T{:02}:{:02}:{:02}Z INFO request_id={} path=/api/v1/{word}/{} status=200 duration_ms={} commit={}",
                        1 + rng.below(28),
                        rng.below(24),
                        rng.below(60),
                        rng.below(60),
                        rng.from(HEX, 16),
                        rng.below(100_000),
                        rng.below(500),
                        rng.from(HEX, 40),
                    );
                    w.line(&buf);
                }
                if let Some((kind, key, value)) = &secret {
                    w.plant(
                        &format!("2026-01-02T03:04:05Z DEBUG loaded config {key}="),
                        kind,
                        value,
                        " from .env",
                    );
                }
            }
        }
    }
    Corpus {
        text: w.text,
        planted: w.planted,
    }
}
