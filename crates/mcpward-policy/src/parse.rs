//! From TOML text to a validated [`Policy`](crate::Policy): a strict serde model that keeps spans,
//! then compilation of globs and regexes with errors that point at the offending value.

use std::fmt;
use std::ops::Range;
use std::path::{Component, Path};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use mcpward_core::LineIndex;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use toml::Spanned;

use crate::action::{Action, Mode, TaintMode};
use crate::error::PolicyError;
use crate::matcher::{ArgMatcher, Matcher, PathGlobs, PathSets};
use crate::policy::{
    DEFAULT_APPROVAL_TIMEOUT_SECS, DEFAULT_MAX_FRAME_BYTES, Defaults, SecretBinding,
};
use crate::rule::Rule;
use crate::server::ServerTable;
use crate::unicode::BySpelling;

/// Custom deserialisation errors carry their hint after this separator; [`invalid`] splits it off.
const HINT: &str = "\nhint: ";

/// Bound on compiled regex size: enough for any sensible argument pattern, small enough that a
/// hostile pattern cannot make loading slow.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

const MAX_APPROVAL_TIMEOUT_SECS: u64 = 24 * 60 * 60;
const MIN_FRAME_BYTES: usize = 1024;
const MAX_FRAME_BYTES: usize = 1 << 30;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    defaults: RawDefaults,
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
    /// `[secrets]`: `NAME = "REF"`, resolved into the server's environment at launch.
    #[serde(default)]
    secrets: std::collections::BTreeMap<Spanned<String>, Spanned<String>>,
    /// `[[server]]`: path arguments and roots of one server, for the gateway's path guard.
    #[serde(default)]
    server: Vec<Spanned<RawServer>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    name: Spanned<String>,
    roots: Option<Spanned<Vec<Spanned<String>>>>,
    path_args: Option<Spanned<Vec<Spanned<String>>>>,
    read_tools: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    mode: Option<Mode>,
    unknown_tools: Option<Action>,
    taint: Option<TaintMode>,
    redact_responses: Option<bool>,
    hide_denied_tools: Option<bool>,
    approval_timeout_secs: Option<Spanned<u64>>,
    max_frame_bytes: Option<Spanned<u64>>,
    trusted_servers: Option<Vec<String>>,
    desktop_notify: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    server: Option<Spanned<Globs>>,
    tool: Spanned<Globs>,
    when: Option<RawWhen>,
    action: Action,
    reason: Option<String>,
}

/// One glob or a non-empty list of globs.
struct Globs(Vec<String>);

/// The `when` table, in file order.
struct RawWhen(Vec<(Spanned<String>, Spanned<RawMatcher>)>);

enum RawMatcher {
    /// `arg = "glob"` or `arg = ["glob", ...]`: path globs.
    Shorthand(Globs),
    /// `arg = { ... }`: every key must hold.
    Table(Vec<(Spanned<String>, RawPart)>),
}

enum RawPart {
    Path(Spanned<Globs>),
    Glob(Spanned<Globs>),
    Regex(Spanned<String>),
    Equals(serde_json::Value),
    Min(Spanned<f64>),
    Max(Spanned<f64>),
    Exists(bool),
    Not(Box<Spanned<RawMatcher>>),
}

const MATCHER_KEYS: &[&str] = &[
    "path", "glob", "regex", "equals", "min", "max", "not", "exists",
];

impl<'de> Deserialize<'de> for Globs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Globs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a glob string or a list of glob strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Globs, E> {
                Ok(Globs(vec![v.to_owned()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Globs, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                if out.is_empty() {
                    return Err(de::Error::custom(format!(
                        "empty list of globs{HINT}give at least one glob; \"*\" matches everything"
                    )));
                }
                Ok(Globs(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for RawWhen {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawWhen;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of argument matchers, like { path = \"src/**\" }")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawWhen, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let value = map.next_value::<Spanned<RawMatcher>>()?;
                    out.push((key, value));
                }
                Ok(RawWhen(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for RawMatcher {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawMatcher;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a path glob (\"src/**\"), a list of them, or a matcher table like { regex = \"...\" }",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawMatcher, E> {
                Ok(RawMatcher::Shorthand(Globs(vec![v.to_owned()])))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawMatcher, E> {
                Err(not_shorthand(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawMatcher, E> {
                Err(not_shorthand(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawMatcher, E> {
                Err(not_shorthand(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawMatcher, E> {
                Err(not_shorthand(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawMatcher, A::Error> {
                let globs = Globs::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(RawMatcher::Shorthand(globs))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawMatcher, A::Error> {
                let mut parts = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let part = match key.get_ref().as_str() {
                        "path" => RawPart::Path(map.next_value()?),
                        "glob" => RawPart::Glob(map.next_value()?),
                        "regex" => RawPart::Regex(map.next_value()?),
                        "equals" => RawPart::Equals(map.next_value()?),
                        "min" => RawPart::Min(map.next_value()?),
                        "max" => RawPart::Max(map.next_value()?),
                        "exists" => RawPart::Exists(map.next_value()?),
                        "not" => RawPart::Not(Box::new(map.next_value()?)),
                        other => {
                            return Err(de::Error::custom(format!(
                                "unknown matcher `{other}`, expected one of {}{HINT}check the spelling; if `{other}` is a nested argument, quote the dotted name in `when` instead: \"parent.{other}\" = ...",
                                MATCHER_KEYS
                                    .iter()
                                    .map(|k| format!("`{k}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )));
                        }
                    };
                    parts.push((key, part));
                }
                if parts.is_empty() {
                    return Err(de::Error::custom(format!(
                        "empty matcher table{HINT}say what the argument must satisfy, e.g. {{ exists = true }}"
                    )));
                }
                Ok(RawMatcher::Table(parts))
            }
        }
        d.deserialize_any(V)
    }
}

fn not_shorthand<E: de::Error>(v: impl fmt::Display) -> E {
    E::custom(format!(
        "a bare `{v}` is not a matcher{HINT}write {{ equals = {v} }} to compare the argument with this value"
    ))
}

/// Everything needed to turn byte ranges into located errors.
struct Source<'a> {
    text: &'a str,
    origin: &'a Path,
    index: LineIndex,
}

impl Source<'_> {
    fn invalid(&self, range: Range<usize>, message: &str, hint: &str) -> PolicyError {
        let span = self.index.span(self.text, range.start, range.end);
        let line_text = self.index.line_text(self.text, span.line, 200);
        // Keep the caret on the first line of a multi-line span.
        let mut span = span;
        let line_rest = line_text
            .len()
            .saturating_sub(usize::try_from(span.col.saturating_sub(1)).unwrap_or(0));
        span.len = span.len.min(line_rest.max(1));
        PolicyError::Invalid {
            file: self.origin.to_path_buf(),
            span,
            message: message.to_owned(),
            hint: hint.to_owned(),
            line_text,
        }
    }

    fn line(&self, offset: usize) -> u32 {
        self.index.span(self.text, offset, offset).line
    }
}

/// What a policy file holds once compiled.
pub(crate) struct Parsed {
    pub(crate) defaults: Defaults,
    pub(crate) rules: Vec<Rule>,
    pub(crate) secrets: Vec<SecretBinding>,
    pub(crate) servers: Vec<ServerTable>,
}

pub(crate) fn parse(text: &str, origin: &Path) -> Result<Parsed, PolicyError> {
    let src = Source {
        text,
        origin,
        index: LineIndex::new(text),
    };
    let raw: RawPolicy = toml::from_str(text).map_err(|e| {
        let range = e.span().unwrap_or(0..0);
        let (message, hint) = split_hint(e.message());
        src.invalid(range, message.trim_end(), &hint)
    })?;
    let defaults = compile_defaults(&src, raw.defaults)?;
    let mut rules = Vec::with_capacity(raw.rule.len());
    for spanned in raw.rule {
        let span = spanned.span();
        rules.push(compile_rule(&src, span, spanned.into_inner())?);
    }
    let secrets = compile_secrets(&src, raw.secrets)?;
    let servers = compile_servers(&src, raw.server)?;
    Ok(Parsed {
        defaults,
        rules,
        secrets,
        servers,
    })
}

fn compile_servers(
    src: &Source<'_>,
    raw: Vec<Spanned<RawServer>>,
) -> Result<Vec<ServerTable>, PolicyError> {
    let mut out: Vec<ServerTable> = Vec::with_capacity(raw.len());
    for spanned in raw {
        // toml spans an array-of-tables entry by its `[[server]]` header.
        let line = src.line(spanned.span().start);
        let raw = spanned.into_inner();
        let name = raw.name.get_ref();
        if name.trim().is_empty() {
            return Err(src.invalid(
                raw.name.span(),
                "empty server name",
                "use the name the server runs under (`mcpward run --name NAME`)",
            ));
        }
        if let Some(first) = out.iter().find(|t| &t.name == name) {
            return Err(src.invalid(
                raw.name.span(),
                &format!(
                    "a second [[server]] table for `{name}` (the first is at line {})",
                    first.line
                ),
                "merge the two tables into one: a server has one set of path arguments and roots",
            ));
        }
        let roots = match raw.roots {
            None => None,
            Some(list) => {
                if list.get_ref().is_empty() {
                    return Err(src.invalid(
                        list.span(),
                        "empty list of roots: every path would be refused",
                        "list the directories the server may use, or leave `roots` out to use the directories on its launch line",
                    ));
                }
                let mut roots = Vec::with_capacity(list.get_ref().len());
                for root in list.into_inner() {
                    roots.push(server_root(src, &root)?);
                }
                Some(roots)
            }
        };
        let path_args = match raw.path_args {
            None => Vec::new(),
            Some(list) => {
                if list.get_ref().is_empty() {
                    return Err(src.invalid(
                        list.span(),
                        "empty list of path arguments",
                        "name the arguments that hold paths, e.g. path_args = [\"path\", \"paths\"], or leave the field out",
                    ));
                }
                names(src, list.into_inner(), "argument")?
            }
        };
        let read_tools = names(src, raw.read_tools.unwrap_or_default(), "tool")?;
        out.push(ServerTable {
            name: name.clone(),
            line,
            roots,
            path_args,
            read_tools,
        });
    }
    Ok(out)
}

/// One entry of `roots`: an absolute directory without `.`, `..` or `~`.
fn server_root(
    src: &Source<'_>,
    root: &Spanned<String>,
) -> Result<std::path::PathBuf, PolicyError> {
    let text = root.get_ref();
    let path = Path::new(text);
    if text.starts_with('~') {
        return Err(src.invalid(
            root.span(),
            &format!("root {text:?} starts with `~`, which is not expanded"),
            "write the absolute path of the directory, e.g. /srv/site",
        ));
    }
    if !path.is_absolute() {
        return Err(src.invalid(
            root.span(),
            &format!("root {text:?} is a relative path"),
            "write the absolute path of the directory: a relative one would depend on where mcpward is started",
        ));
    }
    if path
        .components()
        .any(|c| matches!(c, Component::CurDir | Component::ParentDir))
    {
        return Err(src.invalid(
            root.span(),
            &format!("root {text:?} contains `.` or `..`"),
            "write the directory as it resolves, without `.` and `..`",
        ));
    }
    Ok(path.to_path_buf())
}

/// Argument or tool names: non-empty, each once.
fn names(
    src: &Source<'_>,
    list: Vec<Spanned<String>>,
    what: &str,
) -> Result<Vec<String>, PolicyError> {
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for name in list {
        let n = name.get_ref();
        if n.trim().is_empty() {
            return Err(src.invalid(
                name.span(),
                &format!("empty {what} name"),
                &format!("write the {what} name as the server's tools/list shows it"),
            ));
        }
        if out.contains(n) {
            return Err(src.invalid(
                name.span(),
                &format!("{what} `{n}` is listed twice"),
                "remove the repeated entry",
            ));
        }
        out.push(n.clone());
    }
    Ok(out)
}

/// Reference schemes `[secrets]` accepts; the reference itself is checked when it is resolved.
const SECRET_SCHEMES: [&str; 5] = ["keyring:", "op://", "vault:", "env:", "file:"];

fn compile_secrets(
    src: &Source<'_>,
    raw: std::collections::BTreeMap<Spanned<String>, Spanned<String>>,
) -> Result<Vec<SecretBinding>, PolicyError> {
    let mut out = Vec::with_capacity(raw.len());
    for (name, reference) in raw {
        let n = name.get_ref();
        let valid_name = !n.is_empty()
            && !n.starts_with(|c: char| c.is_ascii_digit())
            && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid_name {
            return Err(src.invalid(
                name.span(),
                &format!("`{n}` is not an environment variable name"),
                "name the variable the server reads, with letters, digits and `_` (e.g. GITHUB_TOKEN)",
            ));
        }
        let r = reference.get_ref();
        if !SECRET_SCHEMES.iter().any(|s| r.starts_with(s))
            || r.trim() != r
            || r.contains(char::is_control)
        {
            // The value may be the secret itself: point at it, never show it.
            let mut err = src.invalid(
                reference.span(),
                &format!("the value of `{n}` is not a secret reference"),
                "write a reference, never the secret: keyring:SERVICE/ACCOUNT, op://VAULT/ITEM/FIELD, vault:PATH#FIELD, env:VAR or file:PATH",
            );
            if let PolicyError::Invalid { line_text, .. } = &mut err {
                line_text.clear();
            }
            return Err(err);
        }
        out.push(SecretBinding {
            name: n.clone(),
            reference: r.clone(),
        });
    }
    Ok(out)
}

/// Separate our own hint from a deserialisation message, or derive one from the message text.
fn split_hint(message: &str) -> (&str, String) {
    if let Some((message, hint)) = message.split_once(HINT) {
        return (message, hint.to_owned());
    }
    let hint = if message.contains("unknown field `rules`") {
        "rules are written as [[rule]] tables (singular), one per rule".to_owned()
    } else if message.contains("unknown field `servers`") {
        "server tables are written as [[server]] (singular), one per server".to_owned()
    } else if message.contains("missing field `name`") {
        "every [[server]] needs name = \"NAME\", the name given to `mcpward run --name`".to_owned()
    } else if message.contains("unknown field") {
        "remove the field or fix its spelling; the allowed fields are listed above (docs/policy.md has them all)".to_owned()
    } else if message.contains("unknown variant") {
        "use one of the values listed above".to_owned()
    } else if message.contains("missing field `action`") {
        "every [[rule]] needs action = \"allow\", \"ask\" or \"deny\"".to_owned()
    } else if message.contains("missing field `tool`") {
        "every [[rule]] needs tool = \"<glob>\"; use tool = \"*\" for every tool of the server"
            .to_owned()
    } else if message.contains("invalid type") {
        "the value has the wrong type; docs/policy.md lists the type of every field".to_owned()
    } else {
        "the file is not valid TOML here; fix the syntax at the marked position".to_owned()
    };
    (message, hint)
}

fn compile_defaults(src: &Source<'_>, raw: RawDefaults) -> Result<Defaults, PolicyError> {
    let base = Defaults::default();
    let approval_timeout_secs = match raw.approval_timeout_secs {
        None => DEFAULT_APPROVAL_TIMEOUT_SECS,
        Some(v) => {
            let secs = *v.get_ref();
            if secs == 0 || secs > MAX_APPROVAL_TIMEOUT_SECS {
                return Err(src.invalid(
                    v.span(),
                    &format!("approval_timeout_secs = {secs} is out of range"),
                    &format!(
                        "use 1 to {MAX_APPROVAL_TIMEOUT_SECS} seconds; an unanswered approval is denied when it runs out"
                    ),
                ));
            }
            secs
        }
    };
    let max_frame_bytes = match raw.max_frame_bytes {
        None => DEFAULT_MAX_FRAME_BYTES,
        Some(v) => {
            let bytes = usize::try_from(*v.get_ref()).unwrap_or(usize::MAX);
            if !(MIN_FRAME_BYTES..=MAX_FRAME_BYTES).contains(&bytes) {
                return Err(src.invalid(
                    v.span(),
                    &format!("max_frame_bytes = {} is out of range", v.get_ref()),
                    &format!(
                        "use {MIN_FRAME_BYTES} to {MAX_FRAME_BYTES} bytes (the default is {DEFAULT_MAX_FRAME_BYTES}, 16 MiB)"
                    ),
                ));
            }
            bytes
        }
    };
    Ok(Defaults {
        mode: raw.mode.unwrap_or(base.mode),
        unknown_tools: raw.unknown_tools.unwrap_or(base.unknown_tools),
        taint: raw.taint.unwrap_or(base.taint),
        redact_responses: raw.redact_responses.unwrap_or(base.redact_responses),
        hide_denied_tools: raw.hide_denied_tools.unwrap_or(base.hide_denied_tools),
        approval_timeout_secs,
        max_frame_bytes,
        trusted_servers: raw.trusted_servers.unwrap_or_default(),
        desktop_notify: raw.desktop_notify.unwrap_or(base.desktop_notify),
    })
}

fn compile_rule(src: &Source<'_>, span: Range<usize>, raw: RawRule) -> Result<Rule, PolicyError> {
    // toml spans an array-of-tables entry by its `[[rule]]` header.
    let line = src.line(span.start);
    let (server, server_set) = match raw.server {
        None => (Vec::new(), None),
        Some(globs) => {
            let set = name_globs(src, &globs, "server")?;
            (globs.into_inner().0, Some(set))
        }
    };
    let tool_set = name_globs(src, &raw.tool, "tool")?;
    let mut when = Vec::new();
    for (name, matcher) in raw.when.map(|w| w.0).unwrap_or_default() {
        let argument = name.get_ref().clone();
        if argument.is_empty() || argument.split('.').any(str::is_empty) {
            return Err(src.invalid(
                name.span(),
                &format!("argument name {argument:?} is empty or has an empty dotted segment"),
                "name the argument as the tool's input schema does; use dots only between nested names (options.recursive)",
            ));
        }
        let line = src.line(name.span().start);
        let compiled = compile_matcher(src, &matcher)?;
        when.push(ArgMatcher {
            argument,
            line,
            matcher: compiled,
        });
    }
    Ok(Rule {
        line,
        server,
        tool: raw.tool.into_inner().0,
        when,
        action: raw.action,
        reason: raw.reason,
        server_set,
        tool_set,
    })
}

/// Globs on server and tool names: names have no directories, so `*` matches anything.
fn name_globs(
    src: &Source<'_>,
    globs: &Spanned<Globs>,
    what: &str,
) -> Result<GlobSet, PolicyError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in &globs.get_ref().0 {
        let glob = GlobBuilder::new(pattern)
            .literal_separator(false)
            .build()
            .map_err(|e| {
                src.invalid(
                    globs.span(),
                    &format!("invalid {what} glob {pattern:?}: {}", glob_error(&e)),
                    "globs use *, ?, [abc] and {a,b}; escape a literal one with a backslash",
                )
            })?;
        builder.add(glob);
    }
    builder.build().map_err(|e| {
        src.invalid(
            globs.span(),
            &format!("invalid {what} globs: {}", glob_error(&e)),
            "globs use *, ?, [abc] and {a,b}",
        )
    })
}

fn glob_error(e: &globset::Error) -> String {
    e.kind().to_string()
}

fn compile_matcher(src: &Source<'_>, raw: &Spanned<RawMatcher>) -> Result<Matcher, PolicyError> {
    match raw.get_ref() {
        RawMatcher::Shorthand(globs) => path_globs(src, raw.span(), globs),
        RawMatcher::Table(parts) => {
            let mut out = Vec::new();
            let mut min: Option<Spanned<f64>> = None;
            let mut max: Option<Spanned<f64>> = None;
            for (_, part) in parts {
                match part {
                    RawPart::Path(globs) => {
                        out.push(path_globs(src, globs.span(), globs.get_ref())?)
                    }
                    RawPart::Glob(globs) => out.push(string_globs(src, globs)?),
                    RawPart::Regex(pattern) => out.push(regex(src, pattern)?),
                    RawPart::Equals(value) => out.push(Matcher::Equals(value.clone())),
                    RawPart::Min(v) => min = Some(finite(src, v, "min")?),
                    RawPart::Max(v) => max = Some(finite(src, v, "max")?),
                    RawPart::Exists(b) => out.push(Matcher::Exists(*b)),
                    RawPart::Not(inner) => {
                        out.push(Matcher::Not(Box::new(compile_matcher(src, inner)?)));
                    }
                }
            }
            if let (Some(lo), Some(hi)) = (&min, &max)
                && lo.get_ref() > hi.get_ref()
            {
                return Err(src.invalid(
                    lo.span(),
                    &format!(
                        "min = {} is greater than max = {}",
                        lo.get_ref(),
                        hi.get_ref()
                    ),
                    "swap them; the range includes both ends",
                ));
            }
            if min.is_some() || max.is_some() {
                out.push(Matcher::Range {
                    min: min.map(Spanned::into_inner),
                    max: max.map(Spanned::into_inner),
                });
            }
            Ok(match out.len() {
                1 => out.remove(0),
                _ => Matcher::All(out),
            })
        }
    }
}

fn finite(src: &Source<'_>, v: &Spanned<f64>, key: &str) -> Result<Spanned<f64>, PolicyError> {
    if v.get_ref().is_finite() {
        Ok(Spanned::new(v.span(), *v.get_ref()))
    } else {
        Err(src.invalid(
            v.span(),
            &format!("{key} = {} is not a finite number", v.get_ref()),
            "use an ordinary number; leave the bound out for an open range",
        ))
    }
}

fn path_globs(src: &Source<'_>, span: Range<usize>, globs: &Globs) -> Result<Matcher, PolicyError> {
    for pattern in &globs.0 {
        let as_path = Path::new(pattern);
        if pattern.is_empty() {
            return Err(src.invalid(
                span.clone(),
                "empty path glob",
                "write a glob relative to the server's root, like \"src/**\", or an absolute one",
            ));
        }
        if pattern.starts_with('~') {
            return Err(src.invalid(
                span.clone(),
                &format!("path glob {pattern:?} starts with `~`, which is not expanded"),
                "write the absolute path (e.g. /srv/project/...) or a path relative to the server's root",
            ));
        }
        if as_path
            .components()
            .any(|c| matches!(c, Component::CurDir | Component::ParentDir))
        {
            return Err(src.invalid(
                span.clone(),
                &format!("path glob {pattern:?} contains `.` or `..`"),
                "arguments are resolved before matching, so such a glob never matches; write the resolved path",
            ));
        }
    }
    let sets = BySpelling::compile(&globs.0, |patterns| path_sets(src, &span, patterns))?;
    Ok(Matcher::Path(PathGlobs {
        sets,
        patterns: globs.0.clone(),
    }))
}

/// Path globs compiled for one Unicode spelling of the patterns.
fn path_sets(
    src: &Source<'_>,
    span: &Range<usize>,
    patterns: &[String],
) -> Result<PathSets, PolicyError> {
    let mut relative = GlobSetBuilder::new();
    let mut absolute = GlobSetBuilder::new();
    let mut relative_folded = GlobSetBuilder::new();
    let mut absolute_folded = GlobSetBuilder::new();
    for pattern in patterns {
        let compile = |case_insensitive: bool| {
            GlobBuilder::new(pattern)
                .literal_separator(true)
                .case_insensitive(case_insensitive)
                .build()
                .map_err(|e| {
                    src.invalid(
                        span.clone(),
                        &format!("invalid path glob {pattern:?}: {}", glob_error(&e)),
                        "path globs use * (within a directory), ** (any depth), ?, [abc] and {a,b}",
                    )
                })
        };
        let (exact, folded) = (compile(false)?, compile(true)?);
        if Path::new(pattern).has_root() {
            absolute.add(exact);
            absolute_folded.add(folded);
        } else {
            relative.add(exact);
            relative_folded.add(folded);
        }
    }
    let build = |b: GlobSetBuilder| {
        b.build().map_err(|e| {
            src.invalid(
                span.clone(),
                &format!("invalid path globs: {}", glob_error(&e)),
                "path globs use * (within a directory), ** (any depth), ?, [abc] and {a,b}",
            )
        })
    };
    Ok(PathSets {
        relative: build(relative)?,
        absolute: build(absolute)?,
        relative_folded: build(relative_folded)?,
        absolute_folded: build(absolute_folded)?,
    })
}

fn string_globs(src: &Source<'_>, globs: &Spanned<Globs>) -> Result<Matcher, PolicyError> {
    let set = BySpelling::compile(&globs.get_ref().0, |patterns| {
        text_globs(src, globs, patterns)
    })?;
    Ok(Matcher::Glob {
        set,
        patterns: globs.get_ref().0.clone(),
    })
}

/// Text globs compiled for one Unicode spelling of the patterns.
fn text_globs(
    src: &Source<'_>,
    globs: &Spanned<Globs>,
    patterns: &[String],
) -> Result<GlobSet, PolicyError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = GlobBuilder::new(pattern)
            .literal_separator(false)
            .build()
            .map_err(|e| {
                src.invalid(
                    globs.span(),
                    &format!("invalid glob {pattern:?}: {}", glob_error(&e)),
                    "globs use *, ?, [abc] and {a,b}; escape a literal one with a backslash",
                )
            })?;
        builder.add(glob);
    }
    builder.build().map_err(|e| {
        src.invalid(
            globs.span(),
            &format!("invalid globs: {}", glob_error(&e)),
            "globs use *, ?, [abc] and {a,b}",
        )
    })
}

fn regex(src: &Source<'_>, pattern: &Spanned<String>) -> Result<Matcher, PolicyError> {
    let fail = |e: regex::Error| {
        let detail = match e {
            regex::Error::CompiledTooBig(_) => "the pattern is too large".to_owned(),
            other => other
                .to_string()
                .lines()
                .last()
                .unwrap_or("invalid pattern")
                .trim_start_matches("error: ")
                .to_owned(),
        };
        src.invalid(
            pattern.span(),
            &format!("invalid regex {:?}: {detail}", pattern.get_ref()),
            "regexes use Rust `regex` syntax and must match the whole value; in TOML prefer '...' literal strings so backslashes stay as written",
        )
    };
    // Check the user's pattern as written so error positions refer to it, then anchor it.
    regex::RegexBuilder::new(pattern.get_ref())
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(fail)?;
    let anchored = BySpelling::compile(std::slice::from_ref(pattern.get_ref()), |p| {
        regex::RegexBuilder::new(&format!("^(?:{})$", p[0]))
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
    })
    .map_err(fail)?;
    Ok(Matcher::Regex(anchored))
}
