//! `mcpward template`: a copy of a config that is safe to share.
//!
//! Every literal secret (found as `audit` finds them) is replaced, by editing the text at the
//! parser's spans so comments and formatting survive, with the client's own way of referring to
//! a secret:
//!
//! | client | replacement |
//! |---|---|
//! | Claude Code, Gemini CLI | `${VAR}` |
//! | Cursor, Windsurf, Roo Code | `${env:VAR}` |
//! | VS Code | `${input:var}` plus an `inputs` entry (`promptString`, `password: true`) |
//! | Continue | `${{ secrets.VAR }}` |
//! | Codex | `env` pair removed, `VAR` added to `env_vars`; a literal bearer token becomes `bearer_token_env_var = "VAR"`, other headers `env_http_headers` |
//! | Goose | `envs` pair removed, `VAR` added to `env_keys` |
//! | others (no expansion) | the placeholder `<VAR>`; launch with `mcpward run --secret VAR=…` |
//!
//! The result is checked before anything is written: it must parse as the same client with the
//! same servers, hold no literal secret by audit's detection, and contain none of the original
//! secret values byte for byte. Otherwise nothing is written.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use mcpward_audit::{LiteralSecret, SecretPlace};
use mcpward_config::syntax::{self, Node};
use mcpward_config::{ClientKind, ConfigFile, ServerEntry, Spanned};
use mcpward_secrets::mask;

use crate::inventory::fingerprint;

/// A variable the template refers to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Variable {
    pub name: String,
    pub provider: String,
    pub kind: String,
    /// Servers that use it.
    pub servers: Vec<String>,
    /// Narrower credential type to use, when this one is broad.
    pub narrower: Option<String>,
    /// VS Code input id, when the client prompts for it.
    pub input: Option<String>,
}

/// Everything `mcpward template` would write.
#[derive(Debug, Clone)]
pub struct Template {
    pub config: PathBuf,
    pub path: PathBuf,
    pub text: String,
    /// The file as it is, with every secret masked: the left side of the `--dry-run` diff.
    pub masked_original: String,
    pub variables: Vec<Variable>,
    pub env_example: PathBuf,
    pub env_example_text: String,
    /// `.gitignore` to update and the line to add, when the config sits in a git work tree and
    /// is not ignored yet.
    pub gitignore: Option<(PathBuf, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error(
        "{path}: the config does not parse ({message}), so no template was written\nhint: fix the file first (`mcpward audit {path}` shows where)"
    )]
    Unparsable { path: String, message: String },
    #[error(
        "{path}: the template would still hold {what}, so nothing was written\nhint: move the secret out by hand, or report the file shape to mcpward"
    )]
    SecretLeft { path: String, what: String },
    #[error(
        "{path}: the template no longer parses as {client} ({message}), so nothing was written"
    )]
    Broken {
        path: String,
        client: &'static str,
        message: String,
    },
    #[error("{path}: cannot {action}: {error}")]
    Io {
        path: String,
        action: &'static str,
        error: std::io::Error,
    },
}

/// A secret moved out of the entry into a field that names its variable.
#[derive(Debug)]
enum Pass {
    /// Codex `env_vars`, Goose `env_keys`.
    Env(String),
    /// Codex `bearer_token_env_var`.
    Bearer(String),
    /// Codex `env_http_headers`: header name, variable.
    Header(String, String),
}

#[derive(Debug)]
struct Edit {
    range: Range<usize>,
    text: String,
}

/// Builds the template for one parsed config (nothing is written).
pub fn template(file: &ConfigFile) -> Result<Template, TemplateError> {
    let display = file.path.display().to_string();
    if let Some(p) = file.problems.iter().find(|p| p.server.is_none()) {
        return Err(TemplateError::Unparsable {
            path: display,
            message: p.message.clone(),
        });
    }
    let root = syntax::parse(&file.source, file.format).map_err(|p| TemplateError::Unparsable {
        path: display.clone(),
        message: p.message,
    })?;
    let mut plan = Plan::new(file);
    for entry in &file.servers {
        let secrets = mcpward_audit::literal_secrets(file, entry);
        plan.entry(entry, &secrets);
    }
    plan.vscode_inputs(&root);
    let Plan {
        mut edits,
        variables,
        masked,
        secret_values,
        ..
    } = plan;
    let text = apply(&file.source, &mut edits);
    let mut masked = masked;
    let masked_original = apply(&file.source, &mut masked);
    let path = example_path(&file.path);
    verify(file, &path, &text, &secret_values)?;
    let variables: Vec<Variable> = variables.into_values().collect();
    let env_example = file
        .path
        .parent()
        .unwrap_or(Path::new("."))
        .join(".env.example");
    let existing = fs::read_to_string(&env_example).unwrap_or_default();
    let env_example_text = env_example_text(&existing, file, &variables);
    Ok(Template {
        config: file.path.clone(),
        path,
        text,
        masked_original,
        variables,
        env_example,
        env_example_text,
        gitignore: gitignore_change(&file.path),
    })
}

/// `<name>.example.<ext>` beside the config: `.mcp.json` → `.mcp.example.json`.
pub fn example_path(config: &Path) -> PathBuf {
    let name = config
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let new = match name.rfind('.') {
        Some(i) if i > 0 => format!("{}.example{}", &name[..i], &name[i..]),
        _ => format!("{name}.example"),
    };
    config.with_file_name(new)
}

/// Writes the template, `.env.example` and the `.gitignore` line. Returns the files written.
pub fn write(t: &Template) -> Result<Vec<PathBuf>, TemplateError> {
    let io = |path: &Path, action: &'static str| {
        let path = path.display().to_string();
        move |error| TemplateError::Io {
            path,
            action,
            error,
        }
    };
    let mut written = Vec::new();
    write_no_follow(&t.path, &t.text).map_err(io(&t.path, "write the template"))?;
    written.push(t.path.clone());
    if !t.variables.is_empty() {
        write_no_follow(&t.env_example, &t.env_example_text)
            .map_err(io(&t.env_example, "write it"))?;
        written.push(t.env_example.clone());
    }
    if let Some((gitignore, line)) = &t.gitignore {
        let mut text = fs::read_to_string(gitignore).unwrap_or_default();
        if !text.lines().any(|l| l.trim() == line) {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(line);
            text.push('\n');
            write_no_follow(gitignore, &text).map_err(io(gitignore, "update it"))?;
            written.push(gitignore.clone());
        }
    }
    Ok(written)
}

/// Writes `text` to `path`, replacing a regular file but never following a symbolic link
/// planted there (a link named `mcp.example.json` must not make mcpward overwrite what it
/// points to).
fn write_no_follow(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    #[cfg(not(unix))]
    if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(std::io::Error::other("is a symbolic link"));
    }
    let mut f = options.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// Unified diff from the (masked) config to the template, for `--dry-run`.
pub fn diff(t: &Template) -> String {
    let old = format!("{}", t.config.display());
    let new = format!("{}", t.path.display());
    similar::TextDiff::from_lines(&t.masked_original, &t.text)
        .unified_diff()
        .context_radius(2)
        .header(&old, &new)
        .to_string()
}

struct Plan<'f> {
    file: &'f ConfigFile,
    edits: Vec<Edit>,
    masked: Vec<Edit>,
    /// fingerprint → variable
    variables: BTreeMap<String, Variable>,
    names: BTreeMap<String, String>,
    secret_values: Vec<String>,
    inputs: Vec<(String, String)>,
}

impl<'f> Plan<'f> {
    fn new(file: &'f ConfigFile) -> Plan<'f> {
        Plan {
            file,
            edits: Vec::new(),
            masked: Vec::new(),
            variables: BTreeMap::new(),
            names: BTreeMap::new(),
            secret_values: Vec::new(),
            inputs: Vec::new(),
        }
    }

    /// The variable for a secret value: one per distinct value, names made unique.
    fn variable(&mut self, entry: &ServerEntry, s: &LiteralSecret, value: &str) -> String {
        let fp = fingerprint(value);
        if let Some(v) = self.variables.get_mut(&fp) {
            if !v.servers.contains(&entry.name) {
                v.servers.push(entry.name.clone());
            }
            return v.name.clone();
        }
        let base = s.place.variable_name(s.provider);
        let mut name = base.clone();
        let mut n = 2;
        while self.names.contains_key(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        self.names.insert(name.clone(), fp.clone());
        let input = (self.file.client == ClientKind::VsCode)
            .then(|| name.to_ascii_lowercase().replace('_', "-"));
        if let Some(id) = &input {
            self.inputs
                .push((id.clone(), format!("{} ({})", s.provider, name)));
        }
        self.variables.insert(
            fp,
            Variable {
                name: name.clone(),
                provider: s.provider.to_string(),
                kind: s.kind.to_string(),
                servers: vec![entry.name.clone()],
                narrower: s.narrower.map(str::to_string),
                input,
            },
        );
        name
    }

    fn entry(&mut self, entry: &ServerEntry, secrets: &[LiteralSecret]) {
        let source = &self.file.source;
        let mut passthrough = Vec::new();
        let mut removed_env = 0usize;
        for s in secrets {
            let Some(value) = source.get(s.file_range.clone()).map(str::to_string) else {
                continue;
            };
            self.masked.push(Edit {
                range: s.file_range.clone(),
                text: mask(&value),
            });
            self.secret_values.push(value.clone());
            let var = self.variable(entry, s, &value);
            let client = self.file.client;
            let whole_value = s.file_range == s.span.range();
            // Clients that take variable names in their own fields: move the pair out.
            let can_add = self.can_add_keys(entry);
            let moved = match (&s.place, client) {
                (SecretPlace::Env(key), ClientKind::Codex | ClientKind::Goose)
                    if whole_value && can_add =>
                {
                    self.remove_pair(entry, key, s)
                        .then(|| Pass::Env(var.clone()))
                }
                (SecretPlace::Header(h), ClientKind::Codex) if can_add => {
                    if h.eq_ignore_ascii_case("authorization") {
                        self.remove_header(entry, s)
                            .then(|| Pass::Bearer(var.clone()))
                    } else if whole_value {
                        self.remove_header(entry, s)
                            .then(|| Pass::Header(h.clone(), var.clone()))
                    } else {
                        None
                    }
                }
                _ => None,
            };
            if let Some(pass) = moved {
                if matches!(pass, Pass::Env(_)) {
                    removed_env += 1;
                }
                passthrough.push(pass);
                continue;
            }
            self.edits.push(Edit {
                range: s.file_range.clone(),
                text: reference(client, &var),
            });
        }
        if !passthrough.is_empty() {
            self.add_passthrough(entry, &passthrough, removed_env);
        }
    }

    /// Whether a key can be added to the entry on the line after its name: a TOML table header
    /// (`[mcp_servers.x]`) or a YAML block mapping (`x:`), not an inline/flow table.
    fn can_add_keys(&self, entry: &ServerEntry) -> bool {
        let src = &self.file.source;
        let line_start = src[..entry.span.offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = src[entry.span.offset..]
            .find('\n')
            .map_or(src.len(), |i| entry.span.offset + i);
        let line = src[line_start..line_end].trim();
        match self.file.client {
            ClientKind::Codex => line.starts_with('[') && line.ends_with(']'),
            ClientKind::Goose => line.ends_with(':'),
            _ => false,
        }
    }

    /// Removes `KEY = "value"` (TOML) or `KEY: value` (YAML) of the entry's env.
    fn remove_pair(&mut self, entry: &ServerEntry, key: &str, s: &LiteralSecret) -> bool {
        let Some((k, _)) = entry
            .env
            .iter()
            .find(|(k, v)| k.value == key && v.span == s.span)
        else {
            return false;
        };
        self.remove_key_value(k, s.span.range())
    }

    fn remove_header(&mut self, entry: &ServerEntry, s: &LiteralSecret) -> bool {
        let Some((k, _)) = entry.headers.iter().find(|(_, v)| v.span == s.span) else {
            return false;
        };
        self.remove_key_value(k, s.span.range())
    }

    fn remove_key_value(&mut self, key: &Spanned<String>, value: Range<usize>) -> bool {
        let src = &self.file.source;
        let bytes = src.as_bytes();
        let mut start = key.span.offset;
        if start > 0 && matches!(bytes[start - 1], b'"' | b'\'') {
            start -= 1;
        }
        let mut end = value.end;
        if end < bytes.len() && matches!(bytes[end], b'"' | b'\'') {
            end += 1;
        }
        let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = src[end..].find('\n').map_or(src.len(), |i| end + i + 1);
        let before = src[line_start..start].trim();
        let after = src[end..line_end].trim();
        if before.is_empty() && (after.is_empty() || after.starts_with('#')) {
            self.edits.push(Edit {
                range: line_start..line_end,
                text: String::new(),
            });
            return true;
        }
        // Inline table / flow map: take the comma that separates it from a neighbour.
        let rest = &src[end..line_end];
        let trailing = rest.len() - rest.trim_start().len();
        if rest.trim_start().starts_with(',') {
            let after_comma = &rest[trailing + 1..];
            let spaces = after_comma.len() - after_comma.trim_start().len();
            self.edits.push(Edit {
                range: start..end + trailing + 1 + spaces,
                text: String::new(),
            });
            return true;
        }
        let head = &src[line_start..start];
        if let Some(comma) = head.trim_end().strip_suffix(',') {
            let comma_at = line_start + comma.len();
            self.edits.push(Edit {
                range: comma_at..end,
                text: String::new(),
            });
            return true;
        }
        // `{ K = "v" }` alone in an inline table: leave the braces, drop the pair.
        self.edits.push(Edit {
            range: start..end,
            text: String::new(),
        });
        true
    }

    /// Codex `env_vars` / `bearer_token_env_var`, Goose `env_keys`.
    fn add_passthrough(&mut self, entry: &ServerEntry, vars: &[Pass], removed_env: usize) {
        let src = &self.file.source;
        let header_line_end = src[entry.span.offset..]
            .find('\n')
            .map_or(src.len(), |i| entry.span.offset + i + 1);
        let env_names: Vec<&str> = vars
            .iter()
            .filter_map(|p| match p {
                Pass::Env(v) => Some(v.as_str()),
                _ => None,
            })
            .collect();
        let bearer = vars.iter().find_map(|p| match p {
            Pass::Bearer(v) => Some(v.as_str()),
            _ => None,
        });
        let headers: Vec<String> = vars
            .iter()
            .filter_map(|p| match p {
                Pass::Header(h, v) => Some(format!("\"{h}\" = \"{v}\"")),
                _ => None,
            })
            .collect();
        match self.file.client {
            ClientKind::Codex => {
                let mut text = String::new();
                if !env_names.is_empty() {
                    let list = env_names
                        .iter()
                        .map(|n| format!("\"{n}\""))
                        .collect::<Vec<_>>();
                    let existing = self.existing_list(entry, "env_vars");
                    match existing {
                        Some(at) => self.edits.push(Edit {
                            range: at..at,
                            text: format!(", {}", list.join(", ")),
                        }),
                        None => {
                            let _ = writeln!(text, "env_vars = [{}]", list.join(", "));
                        }
                    }
                }
                if let Some(b) = bearer {
                    let _ = writeln!(text, "bearer_token_env_var = \"{b}\"");
                }
                if !headers.is_empty() {
                    match self.existing_list(entry, "env_http_headers") {
                        Some(at) => self.edits.push(Edit {
                            range: at..at,
                            text: format!(", {}", headers.join(", ")),
                        }),
                        None => {
                            let _ =
                                writeln!(text, "env_http_headers = {{ {} }}", headers.join(", "));
                        }
                    }
                }
                if text.is_empty() {
                    return;
                }
                self.edits.push(Edit {
                    range: header_line_end..header_line_end,
                    text,
                });
            }
            ClientKind::Goose => {
                // Indentation of the entry's own keys: the line after its name.
                let next = &src[header_line_end..];
                let indent: String = next.chars().take_while(|c| *c == ' ').collect();
                match self.existing_list(entry, "env_keys") {
                    Some(at) => self.edits.push(Edit {
                        range: at..at,
                        text: format!(", {}", env_names.join(", ")),
                    }),
                    None => self.edits.push(Edit {
                        range: header_line_end..header_line_end,
                        text: format!("{indent}env_keys: [{}]\n", env_names.join(", ")),
                    }),
                }
                if removed_env == entry.env.len() {
                    // Every pair moved out: keep `envs` a mapping rather than null.
                    if let Some(first) = entry.env.first() {
                        let before = &src[..first.0.span.offset];
                        if let Some(colon) = before.rfind("envs:") {
                            let at = colon + "envs:".len();
                            self.edits.push(Edit {
                                range: at..at,
                                text: " {}".into(),
                            });
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// End of the last item of an existing flow list `key = [..]` / `key: [..]` of the entry
    /// (just after its closing quote), where more names can be appended.
    fn existing_list(&self, entry: &ServerEntry, key: &str) -> Option<usize> {
        let src = &self.file.source;
        let last = entry.env_passthrough.iter().rev().find(|p| {
            let line_start = src[..p.span.offset].rfind('\n').map_or(0, |i| i + 1);
            src[line_start..p.span.offset].trim_start().starts_with(key)
        })?;
        let mut end = last.span.offset + last.span.len;
        if matches!(src.as_bytes().get(end), Some(b'"' | b'\'')) {
            end += 1;
        }
        Some(end)
    }

    /// VS Code: an `inputs` entry for each new input, in the object that holds `servers`.
    fn vscode_inputs(&mut self, root: &Node) {
        if self.inputs.is_empty() {
            return;
        }
        let container = if root.get("servers").is_some() {
            root
        } else if let Some(mcp) = root.get("mcp") {
            mcp
        } else {
            root
        };
        let existing: Vec<&str> = container
            .get("inputs")
            .and_then(Node::as_array)
            .unwrap_or(&[])
            .iter()
            .filter_map(|i| i.get("id").and_then(Node::as_str))
            .collect();
        let objects: Vec<String> = self
            .inputs
            .iter()
            .filter(|(id, _)| !existing.contains(&id.as_str()))
            .map(|(id, description)| {
                format!(
                    "{{ \"type\": \"promptString\", \"id\": \"{id}\", \"description\": \"{}\", \"password\": true }}",
                    description.replace('"', "'")
                )
            })
            .collect();
        if objects.is_empty() {
            return;
        }
        let src = &self.file.source;
        match container.get("inputs") {
            Some(inputs) if inputs.as_array().is_some() => {
                let close = inputs.span.offset + inputs.span.len - 1;
                let empty = inputs.as_array().is_some_and(<[Node]>::is_empty);
                let indent = "    ";
                let mut text = String::new();
                for (i, o) in objects.iter().enumerate() {
                    if i > 0 || !empty {
                        text.push(',');
                    }
                    let _ = write!(text, "\n{indent}{o}");
                }
                text.push_str("\n  ");
                // Insert after the last item (before whitespace and the closing bracket).
                let before = src[..close].trim_end().len();
                self.edits.push(Edit {
                    range: before..before,
                    text,
                });
                let _ = close;
            }
            _ => {
                let open = container.span.offset + 1;
                let inner_indent =
                    leading_indent_of_next_line(src, open).unwrap_or_else(|| "  ".into());
                let mut text = format!("\n{inner_indent}\"inputs\": [");
                for (i, o) in objects.iter().enumerate() {
                    if i > 0 {
                        text.push(',');
                    }
                    let _ = write!(text, "\n{inner_indent}  {o}");
                }
                let _ = write!(text, "\n{inner_indent}],");
                self.edits.push(Edit {
                    range: open..open,
                    text,
                });
            }
        }
    }
}

fn leading_indent_of_next_line(src: &str, at: usize) -> Option<String> {
    let nl = src[at..].find('\n')? + at + 1;
    let indent: String = src[nl..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    (!indent.is_empty()).then_some(indent)
}

/// How `client` refers to the variable `var` inside a string.
pub fn reference(client: ClientKind, var: &str) -> String {
    match client {
        ClientKind::ClaudeCode | ClientKind::GeminiCli => format!("${{{var}}}"),
        ClientKind::Cursor | ClientKind::Windsurf | ClientKind::RooCode => {
            format!("${{env:{var}}}")
        }
        ClientKind::VsCode => format!("${{input:{}}}", var.to_ascii_lowercase().replace('_', "-")),
        ClientKind::Continue => format!("${{{{ secrets.{var} }}}}"),
        ClientKind::ClaudeDesktop
        | ClientKind::Zed
        | ClientKind::Cline
        | ClientKind::LmStudio
        | ClientKind::Codex
        | ClientKind::Goose => format!("<{var}>"),
    }
}

fn apply(source: &str, edits: &mut [Edit]) -> String {
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(source.len());
    let mut at = 0;
    for e in edits.iter() {
        if e.range.start < at || e.range.end > source.len() {
            continue;
        }
        out.push_str(&source[at..e.range.start]);
        out.push_str(&e.text);
        at = e.range.end;
    }
    out.push_str(&source[at..]);
    out
}

/// The template parses as the same client, keeps every server and holds no secret.
fn verify(
    file: &ConfigFile,
    path: &Path,
    text: &str,
    secrets: &[String],
) -> Result<(), TemplateError> {
    let display = path.display().to_string();
    if let Some(s) = secrets.iter().find(|s| text.contains(s.as_str())) {
        return Err(TemplateError::SecretLeft {
            path: display,
            what: format!("the secret {}", mask(s)),
        });
    }
    let parsed = mcpward_config::parse_file(path, text.to_string(), file.client, file.scope);
    if let Some(p) = parsed
        .problems
        .iter()
        .find(|p| p.server.is_none())
        .or_else(|| (parsed.problems.len() > file.problems.len()).then(|| &parsed.problems[0]))
    {
        return Err(TemplateError::Broken {
            path: display,
            client: file.client.name(),
            message: p.message.clone(),
        });
    }
    let names = |f: &ConfigFile| f.servers.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
    if names(&parsed) != names(file) {
        return Err(TemplateError::Broken {
            path: display,
            client: file.client.name(),
            message: "a server went missing".into(),
        });
    }
    for entry in &parsed.servers {
        if let Some(s) = mcpward_audit::literal_secrets(&parsed, entry).first() {
            return Err(TemplateError::SecretLeft {
                path: display,
                what: format!(
                    "{} in server `{}` ({})",
                    s.masked,
                    entry.name,
                    s.place.describe()
                ),
            });
        }
    }
    Ok(())
}

fn env_example_text(existing: &str, file: &ConfigFile, vars: &[Variable]) -> String {
    let mut out = existing.to_string();
    let present = |name: &str| {
        existing.lines().any(|l| {
            l.trim_start()
                .strip_prefix(name)
                .is_some_and(|r| r.starts_with('='))
        })
    };
    let config_name = file
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut added = false;
    for v in vars.iter().filter(|v| !present(&v.name)) {
        if !added {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            if !out.is_empty() {
                out.push('\n');
            }
            let _ = writeln!(
                out,
                "# Secrets for {config_name} ({}). Fill them in locally or keep them in a secret store\n# (`mcpward secrets set NAME`); never commit the filled-in values.",
                file.client.name()
            );
            added = true;
        }
        let _ = write!(
            out,
            "# {} ({}), used by {}",
            v.provider,
            v.kind,
            v.servers.join(", ")
        );
        if let Some(n) = &v.narrower {
            let _ = write!(out, "; use {n}");
        }
        if let Some(id) = &v.input {
            let _ = write!(out, "; VS Code prompts for it as input `{id}`");
        }
        if matches!(
            file.client,
            ClientKind::ClaudeDesktop | ClientKind::Zed | ClientKind::Cline | ClientKind::LmStudio
        ) {
            let _ = write!(
                out,
                "; {} cannot expand variables: launch with `mcpward run --secret {}=keyring:mcpward/{} -- …`",
                file.client.name(),
                v.name,
                v.name
            );
        }
        let _ = writeln!(out, "\n{}=", v.name);
    }
    out
}

/// The `.gitignore` of the work tree holding `config` and the line that ignores it, when the
/// file is in a work tree and not ignored yet.
fn gitignore_change(config: &Path) -> Option<(PathBuf, String)> {
    let facts = mcpward_audit::FileFacts::gather(config);
    if !facts.in_git_repo || facts.ignored {
        return None;
    }
    let abs = fs::canonicalize(config).ok()?;
    let repo = gix::discover(abs.parent()?).ok()?;
    let workdir = fs::canonicalize(repo.workdir()?).ok()?;
    let rel = abs.strip_prefix(&workdir).ok()?;
    let line = format!(
        "/{}",
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/")
    );
    Some((workdir.join(".gitignore"), line))
}
