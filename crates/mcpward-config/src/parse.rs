//! From text to [`ConfigFile`]: pick the syntax, build the tree, hand it to the client module.

use std::fs;
use std::path::Path;

use mcpward_core::Span;

use crate::clients::{self, ClientSpec, Sink};
use crate::model::{ClientKind, ConfigFile, Format, ParseProblem, Scope};
use crate::syntax;

/// Parse one file as the given client. Never fails: a syntax error becomes a [`ParseProblem`]
/// with its line:col and no servers; an entry of the wrong shape becomes a problem naming the
/// server while the other entries are still returned.
///
/// A file the client reads as strict JSON but that only parses leniently (comments, trailing
/// commas) gets a problem saying the client will reject it, *and* its servers: a stray comma
/// must not hide a leaked token from the audit.
pub fn parse_file(path: &Path, source: String, client: ClientKind, scope: Scope) -> ConfigFile {
    let spec = clients::spec(client);
    let format = format_for(path, spec);
    let mut sink = Sink::new(path, scope);
    // Editors on Windows save UTF-8 with a byte-order mark. It is not part of the text: drop
    // it so positions match what the editor shows and the servers are still checked. Strict
    // JSON readers (`JSON.parse` of the file as read) reject it, so say so.
    let source = match source.strip_prefix(BOM) {
        Some(rest) => {
            if format == Format::Json {
                sink.problems.push(ParseProblem {
                    message: format!(
                        "the file starts with a UTF-8 byte-order mark, which {} reads as strict JSON and fails on; save it as UTF-8 without BOM (mcpward checked it anyway)",
                        client.name()
                    ),
                    span: Span {
                        line: 1,
                        col: 1,
                        offset: 0,
                        len: 0,
                    },
                    server: None,
                });
            }
            rest.to_string()
        }
        None => source,
    };
    if source.trim().is_empty() {
        sink.problems.push(ParseProblem {
            message: format!(
                "the file is empty, so {} starts no servers from it; delete it, or write the servers it should start",
                client.name()
            ),
            span: Span {
                line: 1,
                col: 1,
                offset: 0,
                len: 0,
            },
            server: None,
        });
    } else if let Some(at) = source.find('\0') {
        let span = mcpward_core::LineIndex::new(&source).span(&source, at, at);
        sink.problems.push(ParseProblem {
            message: format!(
                "the file is binary (it contains NUL bytes), not a {} configuration; restore it from a backup or rewrite it",
                client.name()
            ),
            span,
            server: None,
        });
    }
    let tree = match syntax::parse(&source, format) {
        // Said above; a syntax error in an empty or binary file would add nothing.
        _ if source.trim().is_empty() || source.contains('\0') => None,
        Ok(tree) => Some(tree),
        Err(strict) if format == Format::Json => match syntax::parse_json_lenient(&source) {
            Ok(tree) => {
                sink.problems.push(ParseProblem {
                    message: format!(
                        "{} reads this file as strict JSON and will fail to load it ({}); mcpward read it leniently to check it anyway",
                        client.name(),
                        strict.message
                    ),
                    ..strict
                });
                Some(tree)
            }
            Err(_) => {
                sink.problems.push(strict);
                None
            }
        },
        Err(problem) => {
            sink.problems.push(problem);
            None
        }
    };
    if tree.is_some()
        && format == Format::Yaml
        && let Some(at) = syntax::later_yaml_document(&source)
    {
        let index = mcpward_core::LineIndex::new(&source);
        sink.problems.push(ParseProblem {
            message: format!(
                "a second YAML document starts here (`---`), and {} loads a file of one document only; mcpward checked the first. Merge the documents into one",
                client.name()
            ),
            span: index.span(&source, at, at),
            server: None,
        });
    }
    if let Some(tree) = tree {
        (spec.extract)(&tree, &mut sink);
        let duplicates = syntax::duplicate_keys_with_paths(&tree);
        sink.problems
            .extend(duplicates.into_iter().map(|(path, problem)| ParseProblem {
                server: owning_server(&path, &sink.servers),
                ..problem
            }));
    }
    sink.problems.sort_by_key(|p| p.span.offset);
    ConfigFile {
        path: path.to_path_buf(),
        client,
        format,
        scope,
        source,
        servers: sink.servers,
        switches: sink.switches,
        problems: sink.problems,
    }
}

/// The UTF-8 byte-order mark some editors write at the start of a file.
const BOM: char = '\u{feff}';

/// The server a duplicate key belongs to: the innermost key on its path that names a server
/// (a duplicated server name belongs to that server).
fn owning_server(path: &[String], servers: &[crate::model::ServerEntry]) -> Option<String> {
    path.iter()
        .rev()
        .find(|key| servers.iter().any(|s| &s.name == *key))
        .cloned()
}

/// The syntax of a client's file, from its extension (JSON flavour from the client).
pub(crate) fn format_for(path: &Path, spec: &ClientSpec) -> Format {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("toml") => Format::Toml,
        Some("yaml" | "yml") => Format::Yaml,
        Some("json" | "jsonc") if spec.jsonc => Format::Jsonc,
        Some("json") => Format::Json,
        Some("jsonc") => Format::Jsonc,
        _ => match spec.kind {
            ClientKind::Codex => Format::Toml,
            ClientKind::Goose | ClientKind::Continue => Format::Yaml,
            _ if spec.jsonc => Format::Jsonc,
            _ => Format::Json,
        },
    }
}

/// Read and parse a file; a file that cannot be read becomes a config with one problem.
pub(crate) fn read_config(path: &Path, client: ClientKind, scope: Scope) -> ConfigFile {
    match fs::read(path) {
        Ok(bytes) => from_bytes(path, bytes, client, scope),
        Err(e) => unreadable(path, client, scope, &e),
    }
}

/// Bytes to a parsed config; invalid UTF-8 is replaced (and reported) so the rest is checked.
pub(crate) fn from_bytes(
    path: &Path,
    bytes: Vec<u8>,
    client: ClientKind,
    scope: Scope,
) -> ConfigFile {
    match String::from_utf8(bytes) {
        Ok(text) => parse_file(path, text, client, scope),
        Err(e) => {
            let bom = if e.as_bytes().starts_with("\u{feff}".as_bytes()) {
                BOM.len_utf8()
            } else {
                0
            };
            // Offset in the text `parse_file` keeps, which no longer has the BOM.
            let at = e.utf8_error().valid_up_to().saturating_sub(bom);
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let mut file = parse_file(path, text, client, scope);
            if file.source.contains('\0') {
                // Reported as binary already; "not UTF-8" would say the same thing twice.
                return file;
            }
            let span = mcpward_core::LineIndex::new(&file.source).span(&file.source, at, at);
            file.problems.insert(
                0,
                ParseProblem {
                    message: "the file is not valid UTF-8; invalid bytes were replaced before checking. Save it as UTF-8".into(),
                    span,
                    server: None,
                },
            );
            file
        }
    }
}

pub(crate) fn unreadable(
    path: &Path,
    client: ClientKind,
    scope: Scope,
    error: &std::io::Error,
) -> ConfigFile {
    ConfigFile {
        path: path.to_path_buf(),
        client,
        format: format_for(path, clients::spec(client)),
        scope,
        source: String::new(),
        servers: Vec::new(),
        switches: Vec::new(),
        problems: vec![ParseProblem {
            message: format!(
                "cannot read this {} config ({error}); its servers cannot be checked. Fix its permissions or run mcpward as its owner",
                client.name()
            ),
            span: Span {
                line: 1,
                col: 1,
                offset: 0,
                len: 0,
            },
            server: None,
        }],
    }
}
