//! What mcpward knows about servers and publishers, kept as data (`data/*.toml`) so adding a
//! server is a reviewed table row with a source, not code.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::launch::{Ecosystem, Launch, PackageSpec};
use crate::remote::RemoteUrl;

const SERVERS_TOML: &str = include_str!("../data/servers.toml");
const PUBLISHERS_TOML: &str = include_str!("../data/publishers.toml");

/// What a server can do; see `data/servers.toml` for the meaning of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    Exec,
    Write,
    ReadsUntrusted,
    Filesystem,
}

/// One way to switch a mode on: a flag, an environment variable, a header, a query parameter or
/// a URL path.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Switch {
    pub flag: Option<String>,
    pub env: Option<String>,
    pub header: Option<String>,
    pub query: Option<String>,
    pub url_path: Option<String>,
    /// Required value; for `env` without a value any value other than empty, `0` or `false`.
    pub value: Option<String>,
}

/// The settings of one launch a [`Switch`] is checked against.
#[derive(Debug, Clone, Default)]
pub struct Settings<'a> {
    pub args: Vec<&'a str>,
    pub env: Vec<(&'a str, &'a str)>,
    pub headers: Vec<(&'a str, &'a str)>,
    pub url: Option<&'a str>,
}

impl Switch {
    /// How a person turns it on, for fix texts: `--read-only`, `GITHUB_READ_ONLY=1`...
    pub fn describe(&self) -> String {
        let v = self.value.as_deref().unwrap_or("1");
        if let Some(f) = &self.flag {
            format!("the argument `{f}`")
        } else if let Some(e) = &self.env {
            format!("the environment variable `{e}={v}`")
        } else if let Some(h) = &self.header {
            format!("the header `{h}: {v}`")
        } else if let Some(q) = &self.query {
            format!("the URL query `?{q}={v}`")
        } else if let Some(p) = &self.url_path {
            format!("the URL path suffix `{p}`")
        } else {
            String::from("(empty switch)")
        }
    }

    pub fn is_on(&self, s: &Settings<'_>) -> bool {
        if let Some(flag) = &self.flag {
            let two_tokens = flag.split_once('=');
            return s.args.iter().enumerate().any(|(i, a)| {
                a == flag
                    || (two_tokens.is_none()
                        && a.strip_prefix(flag.as_str()).is_some_and(|r| r == "=true"))
                    || two_tokens
                        .is_some_and(|(f, v)| a == &f && s.args.get(i + 1).is_some_and(|n| n == &v))
            });
        }
        if let Some(name) = &self.env {
            return s
                .env
                .iter()
                .any(|(k, v)| k == name && self.value_matches(v));
        }
        if let Some(name) = &self.header {
            return s
                .headers
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case(name) && self.value_matches(v));
        }
        let Some(url) = s.url.and_then(RemoteUrl::parse) else {
            return false;
        };
        if let Some(name) = &self.query {
            return url
                .query
                .iter()
                .any(|(k, r)| k == name && self.value_matches(&url.text[r.clone()]));
        }
        if let Some(path) = &self.url_path {
            let no_query = url.text.split(['?', '#']).next().unwrap_or("");
            return no_query.trim_end_matches('/').ends_with(path.as_str());
        }
        false
    }

    fn value_matches(&self, actual: &str) -> bool {
        let actual = actual.trim();
        match &self.value {
            Some(want) => {
                actual.eq_ignore_ascii_case(want) || (is_truthy(want) && is_truthy(actual))
            }
            None => !actual.is_empty() && !actual.eq_ignore_ascii_case("false") && actual != "0",
        }
    }
}

fn is_truthy(v: &str) -> bool {
    matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on")
}

/// One row of `data/servers.toml`: what one server can do, keyed by its launch identity.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownServer {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub npm: Vec<String>,
    #[serde(default)]
    pub pypi: Vec<String>,
    #[serde(default)]
    pub docker: Vec<String>,
    /// Programs, modules and scripts started directly.
    #[serde(default)]
    pub programs: Vec<String>,
    /// Repositories (`github.com/owner/repo`) a launcher installs from.
    #[serde(default)]
    pub git: Vec<String>,
    /// A client's built-in extension, `client:name`.
    #[serde(default)]
    pub builtin: Vec<String>,
    #[serde(default)]
    pub urls: Vec<String>,
    #[serde(default)]
    pub capabilities: Vec<Capability>,
    /// What a write or exec can change, in words.
    pub changes: Option<String>,
    #[serde(default)]
    pub credentialed: bool,
    #[serde(default)]
    pub read_only: Vec<Switch>,
    #[serde(default)]
    pub write_only_with: Vec<Switch>,
    #[serde(default)]
    pub roots_from_args: bool,
    #[serde(default)]
    pub root_env: Vec<String>,
    pub publisher: String,
    /// Published by the vendor of the service, the MCP organisation or the client itself.
    #[serde(default)]
    pub first_party: bool,
    pub source: String,
}

/// What the gateway, `audit` and `inspect` know about a server: one row of the table.
pub type ServerKnowledge = KnownServer;

impl KnownServer {
    /// Runs commands or code as the user.
    pub fn exec_capable(&self) -> bool {
        self.capabilities.contains(&Capability::Exec)
    }

    /// Can change data (files, records, messages...) when no read-only switch is on.
    pub fn writes(&self) -> bool {
        self.capabilities
            .iter()
            .any(|c| matches!(c, Capability::Write | Capability::Exec))
    }

    /// Returns content other people wrote (web pages, mail, chat, issues).
    pub fn reads_untrusted(&self) -> bool {
        self.capabilities.contains(&Capability::ReadsUntrusted)
    }

    /// Acts with the user's account or credentials.
    pub fn holds_credentials(&self) -> bool {
        self.credentialed
    }

    /// How to switch its read-only mode on, one text per switch (empty when it has none).
    pub fn read_only_switches(&self) -> Vec<String> {
        self.read_only.iter().map(Switch::describe).collect()
    }

    /// Every identity the row is found by, for tests and listings.
    pub fn identities(&self) -> impl Iterator<Item = &String> {
        self.npm
            .iter()
            .chain(&self.pypi)
            .chain(&self.docker)
            .chain(&self.programs)
            .chain(&self.git)
            .chain(&self.builtin)
            .chain(&self.urls)
    }
}

/// What the server behind a launch identity can do. `ecosystem` is `npm`, `pypi`, `docker`,
/// `git`, `program` (a program, module or script started directly) or `builtin` (`goose:developer`);
/// the gateway's `LaunchIdentity::key()` gives the first three. `None` when the table does not
/// know the server: the caller then knows nothing, and must not guess from a chosen name.
pub fn lookup(ecosystem: &str, name: &str) -> Option<&'static ServerKnowledge> {
    let k = Knowledge::get();
    match ecosystem.to_ascii_lowercase().as_str() {
        "npm" => k.by_package(Ecosystem::Npm, name),
        "pypi" => k.by_package(Ecosystem::PyPi, name),
        "docker" => k.by_package(Ecosystem::Docker, name),
        "git" => k.by_package(Ecosystem::Git, name),
        "program" => k.by_program(name),
        "builtin" => k.by_builtin(name),
        _ => None,
    }
}

/// One row of `data/publishers.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Publisher {
    pub name: String,
    #[serde(default)]
    pub npm_scopes: Vec<String>,
    #[serde(default)]
    pub packages: Vec<String>,
    #[serde(default)]
    pub pypi_prefixes: Vec<String>,
    #[serde(default)]
    pub docker_prefixes: Vec<String>,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServersFile {
    server: Vec<KnownServer>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishersFile {
    publisher: Vec<Publisher>,
}

/// The parsed tables. The files are compiled in and a test parses them, so a parse failure here
/// can only come from a broken build; even then audit degrades to "nothing known" instead of panicking.
#[derive(Debug, Default)]
pub struct Knowledge {
    pub servers: Vec<KnownServer>,
    pub publishers: Vec<Publisher>,
}

impl Knowledge {
    pub fn get() -> &'static Knowledge {
        static CELL: OnceLock<Knowledge> = OnceLock::new();
        CELL.get_or_init(|| Knowledge::parse(SERVERS_TOML, PUBLISHERS_TOML).unwrap_or_default())
    }

    pub fn parse(servers: &str, publishers: &str) -> Result<Knowledge, toml::de::Error> {
        Ok(Knowledge {
            servers: toml::from_str::<ServersFile>(servers)?.server,
            publishers: toml::from_str::<PublishersFile>(publishers)?.publisher,
        })
    }

    /// The known server a launch starts: by its package in that package's ecosystem, by the
    /// client's built-in extension, by the program or script it starts directly, or by the URL it
    /// connects to (directly or through a bridge such as `mcp-remote`).
    pub fn server_for(&self, launch: &Launch) -> Option<&KnownServer> {
        let by_code = if let Some(pkg) = &launch.package {
            self.by_package(pkg.ecosystem, &pkg.name)
        } else if let Some(b) = &launch.builtin {
            self.by_builtin(b)
        } else {
            launch
                .script
                .as_deref()
                .or((!launch.program.is_empty()).then_some(launch.program.as_str()))
                .and_then(|p| self.by_program(p))
        };
        if by_code.is_some() {
            return by_code;
        }
        let url = launch.remote_url.as_ref()?;
        self.by_url(&url.value)
    }

    /// A package in its own ecosystem: an npm name never finds a PyPI row.
    pub fn by_package(&self, ecosystem: Ecosystem, name: &str) -> Option<&KnownServer> {
        if ecosystem == Ecosystem::Git {
            let repo = git_repo(name)?;
            return self
                .servers
                .iter()
                .find(|s| s.git.iter().any(|g| g.eq_ignore_ascii_case(&repo)));
        }
        let name = normalise_name(name);
        self.servers.iter().find(|s| {
            let list = match ecosystem {
                Ecosystem::Npm => &s.npm,
                Ecosystem::PyPi => &s.pypi,
                Ecosystem::Docker => &s.docker,
                Ecosystem::Git => return false,
            };
            list.iter().any(|p| normalise_name(p) == name)
        })
    }

    /// A program, module or script started directly. Programs installed from a registry carry the
    /// package's name (`github-mcp-server`, `mcp-server-fetch`, `python -m mcp_server_fetch`), so
    /// unscoped npm and PyPI names count too; a script is known by its file name.
    pub fn by_program(&self, program: &str) -> Option<&KnownServer> {
        let base = program
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(program)
            .to_ascii_lowercase();
        let stem = ["exe", "cmd", "bat", "ps1", "js", "mjs", "cjs"]
            .iter()
            .find_map(|ext| base.strip_suffix(&format!(".{ext}")))
            .unwrap_or(&base);
        let wanted = normalise_name(stem);
        let exact = normalise_name(&base);
        self.servers.iter().find(|s| {
            s.programs
                .iter()
                .any(|p| normalise_name(p) == exact || normalise_name(p) == wanted)
                || s.pypi.iter().any(|p| normalise_name(p) == wanted)
                || s.npm
                    .iter()
                    .any(|p| !p.starts_with('@') && normalise_name(p) == wanted)
        })
    }

    /// A client's built-in extension (`goose:developer`).
    pub fn by_builtin(&self, id: &str) -> Option<&KnownServer> {
        self.servers
            .iter()
            .find(|s| s.builtin.iter().any(|b| b.eq_ignore_ascii_case(id)))
    }

    /// The hosted server at `url`: the host must match exactly (`mcp.supabase.com.evil.example`
    /// is not Supabase), a path prefix must match from the start of the path.
    pub fn by_url(&self, url: &str) -> Option<&KnownServer> {
        let parsed = RemoteUrl::parse(url)?;
        let after_scheme = &url[url.find("://").map(|i| i + 3)?..];
        let host_and_path = after_scheme
            .rsplit_once('@')
            .map(|(_, r)| r)
            .unwrap_or(after_scheme)
            .to_ascii_lowercase();
        self.servers.iter().find(|s| {
            s.urls.iter().any(|u| {
                let u = u.to_ascii_lowercase();
                match u.split_once('/') {
                    Some(_) => host_and_path.starts_with(&u),
                    None => parsed.host == u || host_and_path.split('/').next() == Some(u.as_str()),
                }
            })
        })
    }

    /// The curated publisher of a package, if any.
    pub fn publisher_for(&self, pkg: &PackageSpec) -> Option<&Publisher> {
        let name = normalise_name(&pkg.name);
        self.publishers.iter().find(|p| {
            p.packages.iter().any(|n| normalise_name(n) == name)
                || match pkg.ecosystem {
                    Ecosystem::Npm => p
                        .npm_scopes
                        .iter()
                        .any(|s| name.starts_with(&format!("{}/", s.to_ascii_lowercase()))),
                    Ecosystem::PyPi => p
                        .pypi_prefixes
                        .iter()
                        .any(|s| name.starts_with(&s.to_ascii_lowercase())),
                    Ecosystem::Docker => p
                        .docker_prefixes
                        .iter()
                        .any(|s| name.starts_with(&s.to_ascii_lowercase())),
                    Ecosystem::Git => false,
                }
        })
    }
}

/// `git+https://github.com/o/r.git#ref`, `github:o/r` → `github.com/o/r`.
fn git_repo(spec: &str) -> Option<String> {
    let s = spec.trim().trim_start_matches("git+");
    let s = s.split(['#']).next().unwrap_or(s);
    let s = if let Some(rest) = s.strip_prefix("github:") {
        format!("github.com/{rest}")
    } else if let Some(rest) = s.strip_prefix("gitlab:") {
        format!("gitlab.com/{rest}")
    } else {
        let after = s.split_once("://").map(|(_, r)| r).unwrap_or(s);
        let after = after.rsplit_once('@').map(|(_, r)| r).unwrap_or(after);
        after.replacen(':', "/", 1)
    };
    let s = s
        .trim_end_matches('/')
        .trim_end_matches(".git")
        .to_ascii_lowercase();
    (s.matches('/').count() >= 2).then_some(s)
}

/// Compare names the way registries do: case-insensitive, `_` = `-` (PyPI), Docker Hub's
/// implicit `docker.io/` and `library/` dropped.
fn normalise_name(name: &str) -> String {
    let n = name.trim().to_ascii_lowercase().replace('_', "-");
    let n = n
        .strip_prefix("docker.io/")
        .or_else(|| n.strip_prefix("index.docker.io/"))
        .unwrap_or(&n);
    n.strip_prefix("library/").unwrap_or(n).to_string()
}

/// Capabilities guessed from a name for servers not in the table; marked as guesses in messages.
/// Whole words only (`@executeautomation/…` is not "exec"), plus a few compounds.
pub fn guess_capabilities(name: &str) -> Vec<Capability> {
    let n = name.to_ascii_lowercase();
    let words: Vec<&str> = n
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has_word = |list: &[&str]| words.iter().any(|w| list.contains(w));
    let mut caps = Vec::new();
    const EXEC: &[&str] = &[
        "shell",
        "terminal",
        "terminals",
        "command",
        "commands",
        "exec",
        "execute",
        "bash",
        "zsh",
        "powershell",
        "repl",
        "cmd",
        "tmux",
    ];
    if has_word(EXEC) || n.contains("code-runner") || n.contains("coderunner") {
        caps.extend([Capability::Exec, Capability::Write]);
    }
    if n.contains("filesystem") || n.contains("file-system") {
        caps.extend([Capability::Filesystem, Capability::Write]);
    }
    const UNTRUSTED: &[&str] = &[
        "fetch",
        "browser",
        "puppeteer",
        "playwright",
        "scrape",
        "scraper",
        "crawl",
        "crawler",
        "firecrawl",
    ];
    if has_word(UNTRUSTED) || n.contains("web-search") || n.contains("websearch") {
        caps.push(Capability::ReadsUntrusted);
    }
    caps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ServerEntry, Spanned};
    use mcpward_core::Span;

    fn launch(cmd: &str, args: &[&str]) -> Launch {
        let mut e = ServerEntry::new("s", Span::at(1, 1));
        e.command = Some(Spanned::new(cmd.into(), Span::at(1, 1)));
        e.args = args
            .iter()
            .map(|a| Spanned::new((*a).into(), Span::at(1, 1)))
            .collect();
        Launch::of(&e)
    }

    #[test]
    fn data_files_parse_and_every_row_names_a_source() {
        let k = Knowledge::parse(SERVERS_TOML, PUBLISHERS_TOML).expect("data files parse");
        assert!(k.servers.len() >= 200, "{} rows", k.servers.len());
        for s in &k.servers {
            assert!(s.source.starts_with("https://"), "{} has no source", s.id);
            assert!(s.identities().next().is_some(), "{} matches nothing", s.id);
            assert!(
                s.read_only.is_empty() || s.writes(),
                "{} has a read-only mode but nothing to write",
                s.id
            );
            for sw in s.read_only.iter().chain(&s.write_only_with) {
                assert!(
                    !sw.describe().contains("empty"),
                    "{} has an empty switch",
                    s.id
                );
            }
        }
        for p in &k.publishers {
            assert!(p.source.starts_with("https://"), "{} has no source", p.name);
        }
        let mut ids: Vec<_> = k.servers.iter().map(|s| s.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), k.servers.len(), "server ids are unique");
    }

    #[test]
    fn no_identity_belongs_to_two_rows() {
        let k = Knowledge::parse(SERVERS_TOML, PUBLISHERS_TOML).expect("data files parse");
        let mut seen = std::collections::BTreeMap::new();
        for s in &k.servers {
            for (eco, list) in [
                ("npm", &s.npm),
                ("pypi", &s.pypi),
                ("docker", &s.docker),
                ("program", &s.programs),
                ("git", &s.git),
                ("builtin", &s.builtin),
                ("url", &s.urls),
            ] {
                for name in list {
                    let key = (eco, normalise_name(name));
                    if let Some(other) = seen.insert(key, s.id.clone()) {
                        panic!("{eco} `{name}` is in both {other} and {}", s.id);
                    }
                }
            }
        }
    }

    #[test]
    fn lookup_answers_by_ecosystem_and_name_for_the_gateway() {
        let fs = lookup("npm", "@modelcontextprotocol/server-filesystem").unwrap();
        assert!(fs.writes() && !fs.exec_capable() && fs.first_party);
        let dc = lookup("npm", "@wonderwhy-er/desktop-commander").unwrap();
        assert!(dc.exec_capable() && dc.writes());
        let gh = lookup("docker", "ghcr.io/github/github-mcp-server").unwrap();
        assert!(gh.reads_untrusted() && gh.holds_credentials());
        assert!(
            gh.read_only_switches()
                .iter()
                .any(|s| s.contains("--read-only"))
        );
        assert_eq!(lookup("pypi", "mcp_server_fetch").unwrap().id, "fetch");
        assert_eq!(
            lookup("builtin", "goose:developer").unwrap().id,
            "goose-developer"
        );
        assert_eq!(
            lookup("git", "git+https://github.com/oraios/serena")
                .unwrap()
                .id,
            "serena"
        );
        // The same name in another ecosystem is another package.
        assert!(lookup("pypi", "@modelcontextprotocol/server-filesystem").is_none());
        assert!(lookup("npm", "mcp-server-fetch").is_none());
        assert!(lookup("npm", "weather-mcp").is_none());
        assert!(lookup("crates", "filesystem").is_none());
    }

    #[test]
    fn finds_servers_by_package_image_and_url() {
        let k = Knowledge::get();
        assert_eq!(
            k.server_for(&launch("npx", &["-y", "@playwright/mcp@0.0.41"]))
                .unwrap()
                .id,
            "playwright"
        );
        assert_eq!(
            k.server_for(&launch(
                "docker",
                &["run", "-i", "ghcr.io/github/github-mcp-server"]
            ))
            .unwrap()
            .id,
            "github"
        );
        assert_eq!(
            k.server_for(&launch("python", &["-m", "mcp_server_fetch"]))
                .unwrap()
                .id,
            "fetch"
        );
        assert_eq!(
            k.server_for(&launch(
                "deno",
                &["run", "-A", "npm:@playwright/mcp@0.0.41"]
            ))
            .unwrap()
            .id,
            "playwright"
        );
        assert_eq!(
            k.server_for(&launch(
                "/usr/local/bin/mcp-wrapper",
                &["npx", "-y", "mcp-server-commands@latest"]
            ))
            .unwrap()
            .id,
            "mcp-server-commands"
        );
        assert_eq!(
            k.server_for(&launch(
                "uvx",
                &[
                    "--from",
                    "git+https://github.com/oraios/serena",
                    "serena",
                    "start-mcp-server"
                ]
            ))
            .unwrap()
            .id,
            "serena"
        );
        let mut b = ServerEntry::new("dev", Span::at(1, 1));
        b.builtin = Some(Spanned::new("goose:developer".into(), Span::at(1, 1)));
        assert_eq!(k.server_for(&Launch::of(&b)).unwrap().id, "goose-developer");
        // A bridge to a hosted server is that server.
        assert_eq!(
            k.server_for(&launch(
                "npx",
                &["-y", "mcp-remote", "https://mcp.linear.app/sse"]
            ))
            .unwrap()
            .id,
            "linear"
        );
        // A script is known by its file name, never by the interpreter that starts it.
        assert!(
            k.server_for(&launch("bash", &["/opt/mcp/start.sh"]))
                .is_none()
        );
        let mut e = ServerEntry::new("s", Span::at(1, 1));
        e.url = Some(Spanned::new(
            "https://api.githubcopilot.com/mcp/".into(),
            Span::at(1, 1),
        ));
        assert_eq!(k.server_for(&Launch::of(&e)).unwrap().id, "github");
        e.url = Some(Spanned::new(
            "https://mcp.supabase.com.evil.example/mcp".into(),
            Span::at(1, 1),
        ));
        assert!(k.server_for(&Launch::of(&e)).is_none());
    }

    #[test]
    fn switches_match_flags_env_and_urls() {
        let on = Switch {
            flag: Some("--access-mode=restricted".into()),
            env: None,
            header: None,
            query: None,
            url_path: None,
            value: None,
        };
        let s = Settings {
            args: vec!["--access-mode", "restricted"],
            ..Settings::default()
        };
        assert!(on.is_on(&s));
        let env = Switch {
            flag: None,
            env: Some("GITHUB_READ_ONLY".into()),
            header: None,
            query: None,
            url_path: None,
            value: Some("1".into()),
        };
        assert!(env.is_on(&Settings {
            env: vec![("GITHUB_READ_ONLY", "true")],
            ..Settings::default()
        }));
        assert!(!env.is_on(&Settings {
            env: vec![("GITHUB_READ_ONLY", "0")],
            ..Settings::default()
        }));
        let q = Switch {
            flag: None,
            env: None,
            header: None,
            query: Some("read_only".into()),
            url_path: None,
            value: Some("true".into()),
        };
        assert!(q.is_on(&Settings {
            url: Some("https://mcp.supabase.com/mcp?project_ref=x&read_only=true"),
            ..Settings::default()
        }));
    }

    #[test]
    fn matches_publishers_by_scope_and_prefix() {
        let k = Knowledge::get();
        let pkg = |c: &str, a: &[&str]| launch(c, a).package.unwrap();
        assert!(
            k.publisher_for(&pkg("npx", &["@modelcontextprotocol/server-memory"]))
                .is_some()
        );
        assert!(
            k.publisher_for(&pkg("uvx", &["awslabs.aws-api-mcp-server@1.0.0"]))
                .is_some()
        );
        assert!(
            k.publisher_for(&pkg("npx", &["@modelcontextprotocol-evil/x"]))
                .is_none()
        );
        assert!(k.publisher_for(&pkg("npx", &["random-mcp"])).is_none());
    }

    #[test]
    fn guesses_exec_from_shell_like_names() {
        assert!(guess_capabilities("super-shell-mcp").contains(&Capability::Exec));
        assert!(guess_capabilities("weather-mcp").is_empty());
        assert!(
            !guess_capabilities("@executeautomation/playwright-mcp-server")
                .contains(&Capability::Exec)
        );
        assert!(guess_capabilities("mcp-server-shell").contains(&Capability::Exec));
    }
}
