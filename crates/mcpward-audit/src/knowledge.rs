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

/// One row of `data/servers.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownServer {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub packages: Vec<String>,
    #[serde(default)]
    pub urls: Vec<String>,
    #[serde(default)]
    pub capabilities: Vec<Capability>,
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
    pub source: String,
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

    /// The known server a launch starts, by package/image/program name or by remote URL.
    pub fn server_for(&self, launch: &Launch) -> Option<&KnownServer> {
        if let Some(id) = launch.identity() {
            let id = normalise_name(id);
            if let Some(found) = self
                .servers
                .iter()
                .find(|s| s.packages.iter().any(|p| normalise_name(p) == id))
            {
                return Some(found);
            }
        }
        let url = launch.remote_url.as_ref()?;
        let parsed = RemoteUrl::parse(&url.value)?;
        let after_scheme = &url.value[url.value.find("://").map(|i| i + 3)?..];
        let host_and_path = after_scheme
            .rsplit_once('@')
            .map(|(_, r)| r)
            .unwrap_or(after_scheme)
            .to_ascii_lowercase();
        self.servers.iter().find(|s| {
            s.urls.iter().any(|u| {
                let u = u.to_ascii_lowercase();
                host_and_path.starts_with(&u) && (u.contains('/') || parsed.host == u)
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
    use mcpward_config::{ServerEntry, Spanned};
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
        assert!(k.servers.len() >= 30);
        for s in &k.servers {
            assert!(s.source.starts_with("https://"), "{} has no source", s.id);
            assert!(
                !s.packages.is_empty() || !s.urls.is_empty(),
                "{} matches nothing",
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
