//! Everything the rules look at, computed once per file: each server's launch, what mcpward
//! knows about it, the literal secrets in its entry, plus the file facts and package metadata.

use std::collections::BTreeMap;
use std::ops::Range;

use jiff::Timestamp;
use mcpward_config::{ConfigFile, ServerEntry, Spanned};
use mcpward_core::{Finding, RuleMeta, Span};
use mcpward_secrets::{
    Detector, SecretMatch, is_placeholder, is_reference, is_secret_like_key, mask,
};

use crate::facts::FileFacts;
use crate::inspected::{Inspected, InspectedTool};
use crate::knowledge::{Capability, Knowledge, KnownServer, Settings, guess_capabilities};
use crate::launch::{Ecosystem, Launch, PackageSpec};
use crate::registry::PackageMeta;
use crate::remote::RemoteUrl;

/// Registry answers gathered before the rules run: `(ecosystem, name)` → metadata or the error text.
pub(crate) type PackageFacts = BTreeMap<(Ecosystem, String), Result<PackageMeta, String>>;

/// Where in an entry a literal secret sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretPlace {
    Env(String),
    Arg,
    Header(String),
    Url,
    Cwd,
    /// A value the client does not read as one of the fields above (unknown key, wrong
    /// shape), under the nearest key.
    Other(String),
}

impl SecretPlace {
    pub fn describe(&self) -> String {
        match self {
            SecretPlace::Env(k) => format!("environment variable `{k}`"),
            SecretPlace::Arg => "a command-line argument".into(),
            SecretPlace::Header(h) => format!("header `{h}`"),
            SecretPlace::Url => "the server URL".into(),
            SecretPlace::Cwd => "the working directory".into(),
            SecretPlace::Other(k) => format!("the value under `{k}`"),
        }
    }

    /// A variable name to suggest in fix texts.
    pub fn variable_name(&self, provider: &str) -> String {
        match self {
            SecretPlace::Env(k) => k.clone(),
            SecretPlace::Other(k)
                if !k.is_empty()
                    && k.bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') =>
            {
                k.clone()
            }
            _ => {
                let p: String = provider
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() {
                            c.to_ascii_uppercase()
                        } else {
                            '_'
                        }
                    })
                    .collect();
                format!("{}_TOKEN", p.trim_matches('_'))
            }
        }
    }
}

/// A literal secret found in a server entry.
#[derive(Debug, Clone)]
pub struct LiteralSecret {
    pub place: SecretPlace,
    pub kind: &'static str,
    pub provider: &'static str,
    pub narrower: Option<&'static str>,
    /// [`mask`] of the secret: safe to print.
    pub masked: String,
    /// The value holding the secret.
    pub span: Span,
    /// Bytes of the secret itself in the file, for printers to mask.
    pub file_range: Range<usize>,
}

impl LiteralSecret {
    /// Matched by entropy under a secret-like key rather than by a provider's format.
    pub fn is_generic(&self) -> bool {
        self.kind.contains("generic") || self.kind.contains("entropy")
    }
}

/// One server entry, understood.
#[derive(Debug)]
pub(crate) struct ServerView<'a> {
    pub entry: &'a ServerEntry,
    pub launch: Launch,
    pub known: Option<&'static KnownServer>,
    /// Capabilities guessed from the name when the server is not in the table.
    pub guessed: Vec<Capability>,
    /// What the guess was read from, for messages.
    pub guessed_from: Option<String>,
    pub secrets: Vec<LiteralSecret>,
    /// Another file the client reads keeps this server from starting (Claude Code
    /// `disabledMcpjsonServers` for a `.mcp.json` server): that setting, for messages.
    pub rejected_by: Option<String>,
    /// The tools it listed when `audit --deep` started it.
    pub inspected: Option<&'a [InspectedTool]>,
}

impl<'a> ServerView<'a> {
    pub fn new(file: &ConfigFile, entry: &'a ServerEntry) -> ServerView<'a> {
        let launch = Launch::of(entry);
        let known = Knowledge::get().server_for(&launch);
        // Unknown servers: guess from the code's identity (package, script, program); only when
        // that says nothing, from the name this config gives the entry. The message says which.
        let (guessed, guessed_from) = if known.is_none() {
            let by_code = launch
                .identity()
                .map(|id| (guess_capabilities(id), id.to_string()))
                .filter(|(caps, _)| !caps.is_empty());
            match by_code {
                Some((caps, id)) => {
                    let what = if launch.package.is_some() {
                        "package"
                    } else if launch.script.is_some() {
                        "script"
                    } else {
                        "program"
                    };
                    (caps, Some(format!("its {what} name `{id}`")))
                }
                None => {
                    // An entry named after its launcher (`bash-tools` for `bash start.sh`) says
                    // nothing about the code: drop the launcher's name from the guess.
                    let name: Vec<&str> = entry
                        .name
                        .split(|c: char| !c.is_ascii_alphanumeric())
                        .filter(|w| !w.is_empty() && !w.eq_ignore_ascii_case(&launch.program))
                        .collect();
                    let caps = guess_capabilities(&name.join("-"));
                    let from = (!caps.is_empty()).then(|| {
                        format!(
                            "the name this config gives it (`{}`); mcpward does not know the code it starts",
                            entry.name
                        )
                    });
                    (caps, from)
                }
            }
        } else {
            (Vec::new(), None)
        };
        let secrets = find_secrets(file, entry);
        ServerView {
            entry,
            launch,
            known,
            guessed,
            guessed_from,
            secrets,
            rejected_by: None,
            inspected: None,
        }
    }

    /// Disabled servers, servers under a key the client does not read, and servers another of
    /// the client's files rejects are not started, so runtime-risk rules skip them.
    pub fn active(&self) -> bool {
        !self.entry.disabled && self.entry.not_loaded.is_none() && self.rejected_by.is_none()
    }

    pub fn settings(&self) -> Settings<'_> {
        let mut s = Settings::default();
        if let Some(c) = &self.entry.command {
            s.args.extend(c.value.split_whitespace());
        }
        s.args
            .extend(self.entry.args.iter().map(|a| a.value.as_str()));
        s.env.extend(
            self.entry
                .env
                .iter()
                .map(|(k, v)| (k.value.as_str(), v.value.as_str())),
        );
        s.env.extend(
            self.launch
                .inline_env
                .iter()
                .map(|(k, v, _)| (k.as_str(), v.as_str())),
        );
        s.headers.extend(
            self.entry
                .headers
                .iter()
                .map(|(k, v)| (k.value.as_str(), v.value.as_str())),
        );
        s.url = self.launch.remote_url.as_ref().map(|u| u.value.as_str());
        s
    }

    /// A read-only switch of the known server is on.
    pub fn read_only_enabled(&self) -> bool {
        let s = self.settings();
        self.known
            .is_some_and(|k| k.read_only.iter().any(|sw| sw.is_on(&s)))
    }

    /// What the server can do as configured: the table's capabilities (write removed when a
    /// read-only switch is on or a write switch is off), or the guess from its name. Tools it
    /// listed when inspected add to the table and replace the guess: they are what a model can
    /// call.
    pub fn has(&self, cap: Capability) -> bool {
        if self.launch.host_control.is_some() && matches!(cap, Capability::Exec | Capability::Write)
        {
            return true;
        }
        if !self.inspected_evidence(cap).is_empty() {
            return true;
        }
        match self.known {
            Some(k) => {
                if !k.capabilities.contains(&cap) {
                    return false;
                }
                if cap == Capability::Write {
                    let s = self.settings();
                    if !k.write_only_with.is_empty()
                        && !k.write_only_with.iter().any(|sw| sw.is_on(&s))
                    {
                        return false;
                    }
                    if k.read_only.iter().any(|sw| sw.is_on(&s)) {
                        return false;
                    }
                }
                true
            }
            None if self.inspected.is_some() => false,
            None => self.guessed.contains(&cap),
        }
    }

    /// The listed tools that give the server `cap` (empty when it was not inspected).
    pub fn inspected_evidence(&self, cap: Capability) -> Vec<&'a str> {
        self.inspected
            .map(|tools| crate::inspected::evidence(tools, cap))
            .unwrap_or_default()
    }

    /// Acts with credentials: the table says so, or the entry carries a secret (literal or reference)
    /// in env, headers, URL, or passes variables through.
    pub fn credentialed(&self) -> bool {
        self.known.is_some_and(|k| k.credentialed)
            || !self.secrets.is_empty()
            || !self.entry.env_passthrough.is_empty()
            || self
                .entry
                .env
                .iter()
                .any(|(k, v)| is_secret_like_key(&k.value) && !v.value.trim().is_empty())
            || self.entry.headers.iter().any(|(k, _)| {
                k.value.eq_ignore_ascii_case("authorization") || is_secret_like_key(&k.value)
            })
    }

    /// The identity mcpward recognised the server by, for messages: `` `@scope/pkg` ``.
    pub fn identity_label(&self) -> String {
        if let Some(b) = &self.launch.builtin {
            return format!("built-in `{b}`");
        }
        match self.launch.identity() {
            Some(id) => format!("`{id}`"),
            None => self
                .launch
                .remote_url
                .as_ref()
                .map(|u| format!("`{}`", u.value))
                .unwrap_or_default(),
        }
    }

    /// `name (package)` for messages.
    pub fn label(&self) -> String {
        format!("`{}`", self.entry.name)
    }
}

/// One file, understood, with what was gathered about it.
#[derive(Debug)]
pub(crate) struct FileContext<'a> {
    pub file: &'a ConfigFile,
    pub facts: FileFacts,
    pub servers: Vec<ServerView<'a>>,
    pub packages: &'a PackageFacts,
    pub now: Timestamp,
    pub stale_after_days: i64,
}

impl<'a> FileContext<'a> {
    pub fn new(
        file: &'a ConfigFile,
        facts: FileFacts,
        packages: &'a PackageFacts,
        now: Timestamp,
    ) -> Self {
        FileContext {
            file,
            facts,
            servers: file
                .servers
                .iter()
                .map(|e| ServerView::new(file, e))
                .collect(),
            packages,
            now,
            stale_after_days: crate::DEFAULT_STALE_AFTER_DAYS,
        }
    }

    /// Gives each server the tools `audit --deep` saw it list.
    pub fn with_inspected(mut self, inspected: Option<&'a Inspected>) -> Self {
        if let Some(inspected) = inspected {
            for server in &mut self.servers {
                server.inspected = inspected.tools(&self.file.path, &server.entry.name);
            }
        }
        self
    }

    /// A finding about this file, pre-filled with file, client and (when given) server.
    pub fn finding(
        &self,
        meta: &RuleMeta,
        server: Option<&ServerEntry>,
        span: Span,
        message: impl Into<String>,
    ) -> Finding {
        let mut f = Finding::new(meta, message, self.file.path.clone())
            .client(self.file.client.id())
            .span(span);
        if let Some(s) = server {
            f = f.server(s.name.clone());
        }
        f
    }

    /// Active servers launched from a registry package, with the package and what the registry
    /// answered (`Err` holds why the lookup failed). Empty unless `--online` looked them up.
    pub fn looked_up_packages(
        &self,
    ) -> impl Iterator<Item = (&ServerView<'a>, &PackageSpec, &Result<PackageMeta, String>)> {
        self.servers
            .iter()
            .filter(|s| s.active())
            .filter_map(|server| {
                let pkg = server.launch.package.as_ref()?;
                let answer = self.packages.get(&(pkg.ecosystem, pkg.name.clone()))?;
                Some((server, pkg, answer))
            })
    }

    /// All literal secrets in the file, from every entry (disabled ones too: they are on disk).
    pub fn all_secrets(&self) -> impl Iterator<Item = &LiteralSecret> {
        self.servers.iter().flat_map(|s| s.secrets.iter())
    }
}

/// Every literal secret in an entry's values.
pub(crate) fn find_secrets(file: &ConfigFile, entry: &ServerEntry) -> Vec<LiteralSecret> {
    let mut out = Vec::new();
    let mut push = |place: SecretPlace, value: &Spanned<String>, offset: usize, m: SecretMatch| {
        let start = offset + m.range.start;
        let end = offset + m.range.end;
        let Some(secret) = value.value.get(start..end) else {
            return;
        };
        if secret.trim().is_empty() || is_reference(secret) || is_placeholder(secret) {
            return;
        }
        out.push(LiteralSecret {
            place,
            kind: m.kind,
            provider: m.provider,
            narrower: m.narrower,
            masked: mask(secret),
            span: value.span,
            file_range: locate(&file.source, value.span, secret),
        });
    };
    let detector = Detector::global();
    for (k, v) in &entry.env {
        for m in detector.scan_value(Some(&k.value), &v.value) {
            push(SecretPlace::Env(k.value.clone()), v, 0, m);
        }
    }
    for (k, v) in &entry.headers {
        for m in detector.scan_value(Some(&k.value), &v.value) {
            push(SecretPlace::Header(k.value.clone()), v, 0, m);
        }
    }
    let mut previous_flag: Option<&str> = None;
    let command_and_args = entry.command.iter().chain(entry.args.iter());
    for arg in command_and_args {
        let (key, offset) = arg_key(&arg.value, previous_flag);
        for m in detector.scan_value(key.as_deref(), &arg.value[offset..]) {
            push(SecretPlace::Arg, arg, offset, m);
        }
        previous_flag = arg
            .value
            .starts_with('-')
            .then_some(arg.value.as_str())
            .filter(|a| !a.contains('='));
    }
    if let Some(url) = &entry.url {
        for (key, range) in url_parts(&url.value) {
            for m in detector.scan_value(key.as_deref(), &url.value[range.clone()]) {
                push(SecretPlace::Url, url, range.start, m);
            }
        }
    }
    if let Some(cwd) = &entry.cwd {
        for m in detector.scan_value(None, &cwd.value) {
            push(SecretPlace::Cwd, cwd, 0, m);
        }
    }
    // Values the client ignores or cannot read are still on disk: `"env": ["TOKEN=…"]`,
    // `"args": "--api-key …"`, an unknown `apiKey` field.
    for (k, v) in &entry.other_strings {
        let text = v.value.as_str();
        if text.starts_with("http://") || text.starts_with("https://") {
            for (key, range) in url_parts(text) {
                let key = key.or_else(|| Some(k.value.clone()));
                for m in detector.scan_value(key.as_deref(), &text[range.clone()]) {
                    push(SecretPlace::Other(k.value.clone()), v, range.start, m);
                }
            }
            continue;
        }
        let (key, offset) = arg_key(text, None);
        let place = SecretPlace::Other(key.clone().unwrap_or_else(|| k.value.clone()));
        let key = key.unwrap_or_else(|| k.value.clone());
        for m in detector.scan_value(Some(&key), &text[offset..]) {
            push(place.clone(), v, offset, m);
        }
    }
    // The same bytes found twice (e.g. whole URL and its query value) are one secret.
    out.sort_by_key(|s| (s.file_range.start, std::cmp::Reverse(s.file_range.end)));
    out.dedup_by(|b, a| a.span == b.span && b.file_range.start < a.file_range.end);
    out
}

/// Key and value start of an argument: `--token=v` → (`token`, after `=`), `KEY=v`, `Name: v`
/// (header flags of bridges), or the previous `--flag` for `--flag v`.
fn arg_key(arg: &str, previous_flag: Option<&str>) -> (Option<String>, usize) {
    if let Some(eq) = arg.find('=') {
        let key = arg[..eq].trim_start_matches('-');
        if !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        {
            return (Some(key.to_string()), eq + 1);
        }
    }
    if let Some(colon) = arg.find(": ") {
        let key = &arg[..colon];
        if !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return (Some(key.to_string()), colon + 2);
        }
    }
    // `-k <key>` / `-t <token>`: short flags read as the words they stand for.
    let flag = previous_flag.map(|f| match f {
        "-k" => "key".to_string(),
        "-t" => "token".to_string(),
        f => f.trim_start_matches('-').to_string(),
    });
    (flag, 0)
}

/// Pieces of a URL to scan: (key, byte range). Userinfo password under `password`, each query
/// value under its name, and the whole URL for provider formats.
fn url_parts(url: &str) -> Vec<(Option<String>, Range<usize>)> {
    let mut parts = Vec::new();
    if let Some(u) = RemoteUrl::parse(url) {
        if let Some(pw) = u.password.clone() {
            parts.push((Some("password".to_string()), pw));
        } else if let Some(ui) = u.userinfo.clone() {
            // A bare `token@host` userinfo is a credential too.
            parts.push((Some("token".to_string()), ui));
        }
        for (k, r) in &u.query {
            parts.push((Some(k.clone()), r.clone()));
        }
    }
    parts.push((None, 0..url.len()));
    parts
}

/// File byte range of `secret` inside the value at `span`. Falls back to the first occurrence in
/// the file, then to the whole value span, so a printer always has something to mask.
fn locate(source: &str, span: Span, secret: &str) -> Range<usize> {
    if let Some(i) = source
        .get(span.range())
        .and_then(|region| region.find(secret))
    {
        return span.offset + i..span.offset + i + secret.len();
    }
    if let Some(i) = source.find(secret) {
        return i..i + secret.len();
    }
    span.range()
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Builders for rule tests: configs written as text, with real spans.
    use super::*;
    use mcpward_config::{ClientKind, Format, Scope};

    /// A config file whose servers are built by `build`, with spans pointing into `source`.
    pub struct Builder {
        pub file: ConfigFile,
    }

    impl Builder {
        pub fn new(client: ClientKind, source: &str) -> Builder {
            Builder {
                file: ConfigFile {
                    path: ".mcp.json".into(),
                    client,
                    format: Format::Json,
                    scope: Scope::Project,
                    source: source.to_string(),
                    servers: Vec::new(),
                    switches: Vec::new(),
                    problems: Vec::new(),
                },
            }
        }

        /// Span of the first occurrence of `needle` in the source (inside its quotes).
        pub fn span_of(&self, needle: &str) -> Span {
            let idx = mcpward_core::LineIndex::new(&self.file.source);
            match self.file.source.find(needle) {
                Some(i) => idx.span(&self.file.source, i, i + needle.len()),
                None => Span::at(1, 1),
            }
        }

        pub fn spanned(&self, s: &str) -> Spanned<String> {
            Spanned::new(s.to_string(), self.span_of(s))
        }

        /// Adds a stdio server `name` with `command` and `args`.
        pub fn stdio(mut self, name: &str, command: &str, args: &[&str]) -> Builder {
            let mut e = ServerEntry::new(name, self.span_of(&format!("\"{name}\"")));
            e.transport = mcpward_config::Transport::Stdio;
            e.command = Some(self.spanned(command));
            e.args = args.iter().map(|a| self.spanned(a)).collect();
            self.file.servers.push(e);
            self
        }

        /// Adds a client built-in extension `name` with identity `builtin` (`goose:developer`).
        pub fn with_builtin(mut self, name: &str, builtin: &str) -> Builder {
            let mut e = ServerEntry::new(name, self.span_of(&format!("\"{name}\"")));
            e.builtin = Some(self.spanned(builtin));
            self.file.servers.push(e);
            self
        }

        /// Adds a remote server `name` at `url`.
        pub fn remote(mut self, name: &str, url: &str) -> Builder {
            let mut e = ServerEntry::new(name, self.span_of(&format!("\"{name}\"")));
            e.transport = mcpward_config::Transport::Http;
            e.url = Some(self.spanned(url));
            self.file.servers.push(e);
            self
        }

        /// Adds `key=value` to the env of the last server.
        pub fn env(mut self, key: &str, value: &str) -> Builder {
            let k = self.spanned(key);
            let v = self.spanned(value);
            if let Some(e) = self.file.servers.last_mut() {
                e.env.push((k, v));
            }
            self
        }

        /// Adds a header to the last server.
        pub fn header(mut self, key: &str, value: &str) -> Builder {
            let k = self.spanned(key);
            let v = self.spanned(value);
            if let Some(e) = self.file.servers.last_mut() {
                e.headers.push((k, v));
            }
            self
        }

        /// Changes the last server.
        pub fn with(mut self, f: impl FnOnce(&mut ServerEntry)) -> Builder {
            if let Some(e) = self.file.servers.last_mut() {
                f(e);
            }
            self
        }

        pub fn build(self) -> ConfigFile {
            self.file
        }
    }

    /// Runs one rule's check over `file` with no facts and no registry.
    pub fn run(check: fn(&FileContext<'_>, &mut Vec<Finding>), file: &ConfigFile) -> Vec<Finding> {
        run_with(check, file, FileFacts::default(), &PackageFacts::new())
    }

    /// Runs `check` knowing the tools each server listed when started (`audit --deep`).
    pub fn run_inspected(
        check: fn(&FileContext<'_>, &mut Vec<Finding>),
        file: &ConfigFile,
        inspected: &Inspected,
    ) -> Vec<Finding> {
        let now = Timestamp::UNIX_EPOCH;
        let packages = PackageFacts::new();
        let cx = FileContext::new(file, FileFacts::default(), &packages, now)
            .with_inspected(Some(inspected));
        let mut out = Vec::new();
        check(&cx, &mut out);
        out
    }

    /// Tools for [`run_inspected`], each with its classes.
    pub fn tools(list: &[(&str, &[mcpward_policy::knowledge::Capability])]) -> Vec<InspectedTool> {
        list.iter()
            .map(|(name, classes)| InspectedTool {
                name: name.to_string(),
                classes: classes.iter().copied().collect(),
            })
            .collect()
    }

    pub fn run_with(
        check: fn(&FileContext<'_>, &mut Vec<Finding>),
        file: &ConfigFile,
        facts: FileFacts,
        packages: &PackageFacts,
    ) -> Vec<Finding> {
        let now: Timestamp = "2026-01-01T00:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let cx = FileContext::new(file, facts, packages, now);
        let mut out = Vec::new();
        check(&cx, &mut out);
        out
    }

    /// Runs a check that looks across files over `files`, as `audit` does (rejections from
    /// settings files applied first).
    pub fn run_across(
        check: fn(&[FileContext<'_>], &mut Vec<Finding>),
        files: &[ConfigFile],
    ) -> Vec<Finding> {
        let packages = PackageFacts::new();
        let mut contexts: Vec<FileContext<'_>> = files
            .iter()
            .map(|f| FileContext::new(f, FileFacts::default(), &packages, Timestamp::UNIX_EPOCH))
            .collect();
        crate::session::apply_rejections(&mut contexts);
        let mut out = Vec::new();
        check(&contexts, &mut out);
        out
    }

    /// A fake GitHub classic token, built at run time so no token-shaped literal is committed.
    pub fn fake_ghp() -> String {
        format!("ghp_{}", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A")
    }

    /// A fake fine-grained GitHub token (not over-broad).
    pub fn fake_github_pat() -> String {
        format!(
            "github_pat_{}_{}",
            "11ABCDEFG0aB3dE5fG7hJ9",
            "kL1mN3pQ5rS7tU9vW1xY3z5AbC7dE9fG1hJ3kL5mN7pQ9rS1tU3vW5xY7z9AbC"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keys_of_flag_and_pair_arguments() {
        assert_eq!(arg_key("--api-key=abc", None), (Some("api-key".into()), 10));
        assert_eq!(
            arg_key("GITHUB_TOKEN=abc", None),
            (Some("GITHUB_TOKEN".into()), 13)
        );
        assert_eq!(
            arg_key("Authorization: Bearer x", None),
            (Some("Authorization".into()), 15)
        );
        assert_eq!(arg_key("abc", Some("--token")), (Some("token".into()), 0));
        assert_eq!(arg_key("abc", Some("-k")), (Some("key".into()), 0));
        assert_eq!(arg_key("https://x/?a=b", None), (None, 0));
    }

    #[test]
    fn locates_secret_inside_quoted_value_span() {
        let src = r#"{"env": {"T": "xx-SECRET"}}"#;
        let at = src.find("\"xx-SECRET\"").unwrap();
        let span = Span {
            line: 1,
            col: 1,
            offset: at,
            len: 11,
        };
        let r = locate(src, span, "SECRET");
        assert_eq!(&src[r], "SECRET");
        assert_eq!(locate(src, Span::at(1, 1), "nowhere"), 0..0);
    }
}
