//! Rendering findings: human (code frames), JSON and SARIF. The only place findings become text.
//!
//! Secret values never reach the output whole: the human printer masks every byte range listed in
//! [`Finding::masked`] before drawing a code frame, and messages are written by rules with
//! already-masked values.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use annotate_snippets::renderer::DecorStyle;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;
use serde_json::{Value, json};

use crate::{Finding, LineIndex, RuleMeta, Severity};

/// Version of the `--format json` document. Bumped on any incompatible change (docs/output-format.md).
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// Output formats of `audit` (and later `inspect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

/// What the printer needs besides the findings: the text of each file (for code frames) and the
/// rule registry (for SARIF `rules[]`).
#[derive(Debug)]
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub sources: &'a HashMap<PathBuf, String>,
    pub rules: &'a [&'static RuleMeta],
    /// Tool version written into JSON and SARIF.
    pub tool_version: &'a str,
}

/// Options of the human printer.
#[derive(Debug, Clone, Copy)]
pub struct HumanOptions {
    /// ANSI colours (callers decide from NO_COLOR / TTY; see `anstream`).
    pub color: bool,
    /// Only the summary line.
    pub quiet: bool,
}

/// Render the report in the chosen format.
pub fn render(report: &Report<'_>, format: Format, human: HumanOptions) -> String {
    match format {
        Format::Human => render_human(report, human),
        Format::Json => render_json(report),
        Format::Sarif => render_sarif(report),
    }
}

/// The text of `source` with every masked range replaced: at most the first 4 characters stay,
/// the rest become `*`. Byte length is unchanged, so spans into the original stay valid.
pub fn mask_source(source: &str, masked: &[std::ops::Range<usize>]) -> String {
    let mut bytes = source.as_bytes().to_vec();
    for range in masked {
        let start = range.start.min(source.len());
        let end = range.end.clamp(start, source.len());
        if !source.is_char_boundary(start) || !source.is_char_boundary(end) {
            // Cannot mask precisely: hide the whole line rather than risk showing the secret.
            continue;
        }
        let keep = source[start..end]
            .char_indices()
            .nth(4)
            .map(|(i, _)| i)
            .unwrap_or(end - start);
        let keep = if end - start <= 8 { 0 } else { keep };
        for b in &mut bytes[start + keep..end] {
            *b = b'*';
        }
    }
    // Replacing whole UTF-8 sequences byte by byte with '*' keeps the text valid UTF-8 only when
    // the masked bytes cover whole characters, which the boundary check above guarantees.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn level(severity: Severity) -> Level<'static> {
    let base = match severity {
        Severity::Critical | Severity::High => Level::ERROR,
        Severity::Medium | Severity::Low => Level::WARNING,
        Severity::Info => Level::NOTE,
    };
    base.with_name(Some(severity.as_str()))
}

fn render_human(report: &Report<'_>, opts: HumanOptions) -> String {
    let renderer = if opts.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
    .decor_style(DecorStyle::Ascii);
    let mut out = String::new();
    let mut masked_sources: HashMap<PathBuf, (String, LineIndex)> = HashMap::new();
    if !opts.quiet {
        for finding in report.findings {
            let title_text = match (&finding.client, &finding.server) {
                (Some(c), Some(s)) => format!("{} [{c} › {s}]", finding.message),
                (Some(c), None) => format!("{} [{c}]", finding.message),
                _ => finding.message.clone(),
            };
            let path = finding.file.display().to_string();
            let title = level(finding.severity)
                .primary_title(title_text)
                .id(finding.rule.as_str());
            let mut group = Group::with_title(title);
            let frame = finding.span.and_then(|span| {
                let (text, index) = masked_source_for(report, &mut masked_sources, finding)?;
                Some((span, text, index))
            });
            let mut footer = Vec::new();
            if let Some(fix) = &finding.fix {
                footer.push(Level::HELP.message(fix.as_str()));
            }
            footer.push(Level::NOTE.message(format!("docs: {}", finding.docs_url)));
            match frame {
                Some((span, text, index)) => {
                    let (slice, line_start, start, end) = line_window(text, index, span);
                    group = group.element(
                        Snippet::source(slice)
                            .line_start(line_start)
                            .path(path)
                            .annotation(AnnotationKind::Primary.span(start..end)),
                    );
                }
                None => {
                    let mut location = match finding.span {
                        Some(s) => format!("{path}:{}:{}", s.line, s.col),
                        None => path,
                    };
                    if let Some(pointer) = &finding.pointer {
                        let _ = write!(location, " at {pointer}");
                    }
                    footer.insert(0, Level::NOTE.message(format!("in {location}")));
                }
            }
            for msg in footer {
                group = group.element(msg);
            }
            let _ = writeln!(out, "{}\n", renderer.render(&[group]));
        }
    }
    out.push_str(&summary_line(report.findings));
    out.push('\n');
    out
}

fn masked_source_for<'s>(
    report: &Report<'_>,
    cache: &'s mut HashMap<PathBuf, (String, LineIndex)>,
    finding: &Finding,
) -> Option<&'s (String, LineIndex)> {
    let source = report.sources.get(&finding.file)?;
    let key = finding.file.clone();
    // Mask with the union of every finding's ranges in this file, so no frame shows a secret
    // that another finding knows about.
    let entry = cache.entry(key).or_insert_with(|| {
        let ranges: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.file == finding.file)
            .flat_map(|f| f.masked.iter().cloned())
            .collect();
        let text = mask_source(source, &ranges);
        let index = LineIndex::new(&text);
        (text, index)
    });
    Some(entry)
}

/// The lines covering `span`, their first line number and the span relative to the slice.
fn line_window<'t>(
    text: &'t str,
    index: &LineIndex,
    span: crate::Span,
) -> (&'t str, usize, usize, usize) {
    let start = if span.len > 0 || span.offset > 0 {
        span.offset.min(text.len())
    } else {
        index.offset(text, span.line, span.col)
    };
    let end = (start + span.len).min(text.len());
    let line_begin = text[..start].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line_end = text[end..]
        .find('\n')
        .map(|i| end + i)
        .unwrap_or(text.len());
    let first_line = text[..line_begin].matches('\n').count() + 1;
    // Point at one character when the span is empty so the frame still shows a caret.
    let rel_start = start - line_begin;
    let rel_end = if end > start {
        end - line_begin
    } else {
        let slice = &text[line_begin..line_end];
        slice[rel_start..]
            .chars()
            .next()
            .map(|c| rel_start + c.len_utf8())
            .unwrap_or(rel_start)
    };
    (&text[line_begin..line_end], first_line, rel_start, rel_end)
}

/// `3 findings: 1 critical, 2 high` or `no findings`.
pub fn summary_line(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "no findings".to_string();
    }
    let counts = severity_counts(findings);
    let parts: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .filter_map(|s| counts.get(s.as_str()).map(|n| format!("{n} {s}")))
        .collect();
    let noun = if findings.len() == 1 {
        "finding"
    } else {
        "findings"
    };
    format!("{} {noun}: {}", findings.len(), parts.join(", "))
}

fn severity_counts(findings: &[Finding]) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for f in findings {
        *counts.entry(f.severity.as_str()).or_insert(0) += 1;
    }
    counts
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    fingerprint: String,
}

fn render_json(report: &Report<'_>) -> String {
    let mut s = serde_json::to_string_pretty(&json_document(report)).unwrap_or_default();
    s.push('\n');
    s
}

/// The `--format json` document as a value, for commands that add their own top-level fields
/// (`inspect` adds `servers` and `tools`) before printing it.
pub fn json_document(report: &Report<'_>) -> Value {
    let findings: Vec<JsonFinding<'_>> = report
        .findings
        .iter()
        .map(|finding| JsonFinding {
            finding,
            fingerprint: finding.fingerprint(),
        })
        .collect();
    json!({
        "version": JSON_SCHEMA_VERSION,
        "tool": { "name": "mcpward", "version": report.tool_version },
        "summary": {
            "total": report.findings.len(),
            "by_severity": severity_counts(report.findings),
        },
        "findings": findings,
    })
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "note",
    }
}

/// GitHub code scanning reads `security-severity` (0.0–10.0) to rank results.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn artifact_uri(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    if path.is_absolute() {
        if s.starts_with('/') {
            format!("file://{s}")
        } else {
            format!("file:///{s}")
        }
    } else {
        s
    }
}

/// A SARIF location: the file, and for a finding inside a JSON document the pointer as a logical
/// location.
fn location(physical: Value, pointer: Option<&str>) -> Value {
    let mut location = json!({ "physicalLocation": physical });
    if let Some(pointer) = pointer {
        location["logicalLocations"] = json!([{ "fullyQualifiedName": pointer, "kind": "member" }]);
    }
    location
}

fn render_sarif(report: &Report<'_>) -> String {
    let rules: Vec<Value> = report
        .rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.what },
                "help": {
                    "text": format!("{}\n\nWhy: {}", r.what, r.why),
                    "markdown": format!(
                        "{}\n\n**Why it matters.** {}\n\n**Example (bad)**\n```\n{}\n```\n\n**Example (fixed)**\n```\n{}\n```",
                        r.what, r.why, r.example_bad, r.example_fixed
                    ),
                },
                "helpUri": r.docs_url(),
                "defaultConfiguration": { "level": sarif_level(r.default_severity) },
                "properties": {
                    "security-severity": security_severity(r.default_severity),
                    "tags": ["security", "mcp"],
                },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut region = json!({});
            if let Some(span) = f.span {
                region = json!({ "startLine": span.line.max(1), "startColumn": span.col.max(1) });
            }
            let mut physical = json!({ "artifactLocation": { "uri": artifact_uri(&f.file) } });
            if f.span.is_some() {
                physical["region"] = region;
            }
            let mut message = f.message.clone();
            if let Some(fix) = &f.fix {
                message.push_str("\nFix: ");
                message.push_str(fix);
            }
            let mut result = json!({
                "ruleId": f.rule,
                "level": sarif_level(f.severity),
                "message": { "text": message },
                "locations": [location(physical, f.pointer.as_deref())],
                "partialFingerprints": { "mcpward/v1": f.fingerprint() },
                "properties": {
                    "severity": f.severity.as_str(),
                    "security-severity": security_severity(f.severity),
                },
            });
            if let Some(index) = report.rules.iter().position(|r| r.id == f.rule) {
                result["ruleIndex"] = json!(index);
            }
            for (key, value) in [("client", &f.client), ("server", &f.server)] {
                if let Some(v) = value {
                    result["properties"][key] = json!(v);
                }
            }
            result
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "mcpward",
                "version": report.tool_version,
                "informationUri": "https://github.com/mcpward/mcpward",
                "rules": rules,
            }},
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Span;

    static RULE: RuleMeta = RuleMeta {
        id: "hardcoded-secret",
        default_severity: Severity::Critical,
        summary: "A literal secret in a config file",
        what: "Reports secrets written into the config.",
        why: "Anyone who can read the file can use the secret.",
        example_bad: r#"{"env": {"TOKEN": "ghp_..."}}"#,
        example_fixed: r#"{"env": {"TOKEN": "${TOKEN}"}}"#,
    };

    fn sample() -> (Vec<Finding>, HashMap<PathBuf, String>) {
        let secret = format!("ghp_{}", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A");
        let source = format!("{{\n  \"env\": {{ \"TOKEN\": \"{secret}\" }}\n}}\n");
        let start = source.find("ghp_").unwrap();
        let index = LineIndex::new(&source);
        let span = index.span(&source, start, start + secret.len());
        let finding = Finding::new(
            &RULE,
            "GitHub token `ghp_…(40 chars)` hardcoded",
            "cfg.json",
        )
        .span(span)
        .client("cursor")
        .server("github")
        .fix("use ${env:TOKEN}")
        .mask(start..start + secret.len());
        let mut sources = HashMap::new();
        sources.insert(PathBuf::from("cfg.json"), source);
        (vec![finding], sources)
    }

    fn report<'a>(f: &'a [Finding], s: &'a HashMap<PathBuf, String>) -> Report<'a> {
        static RULES: [&RuleMeta; 1] = [&RULE];
        Report {
            findings: f,
            sources: s,
            rules: &RULES,
            tool_version: "0.0.0-test",
        }
    }

    #[test]
    fn human_output_masks_secret_in_code_frame() {
        let (f, s) = sample();
        let text = render(
            &report(&f, &s),
            Format::Human,
            HumanOptions {
                color: false,
                quiet: false,
            },
        );
        assert!(!text.contains("aB3dE5fG7h"), "secret leaked:\n{text}");
        assert!(text.contains("ghp_****"), "{text}");
        assert!(text.contains("cfg.json:2:"), "{text}");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn json_output_is_versioned() {
        let (f, s) = sample();
        let text = render(
            &report(&f, &s),
            Format::Json,
            HumanOptions {
                color: false,
                quiet: false,
            },
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["version"], JSON_SCHEMA_VERSION);
        assert_eq!(v["findings"][0]["rule"], "hardcoded-secret");
        assert_eq!(v["findings"][0]["span"]["line"], 2);
        assert!(!text.contains("aB3dE5fG7h"));
    }

    #[test]
    fn json_pointer_is_shown_and_kept_when_set() {
        let (f, s) = sample();
        let f = f
            .into_iter()
            .map(|f| f.pointer("/tools/0/description"))
            .collect::<Vec<_>>();
        let text = render(
            &report(&f, &s),
            Format::Json,
            HumanOptions {
                color: false,
                quiet: false,
            },
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["findings"][0]["pointer"], "/tools/0/description");
        let sarif = render_sarif(&report(&f, &s));
        assert!(sarif.contains("/tools/0/description"));
        crate::output::tests::assert_valid_sarif(&sarif);
    }

    #[test]
    fn json_output_has_no_pointer_key_when_unset() {
        let (f, s) = sample();
        let text = render(
            &report(&f, &s),
            Format::Json,
            HumanOptions {
                color: false,
                quiet: false,
            },
        );
        assert!(!text.contains("\"pointer\""), "{text}");
    }

    #[test]
    fn sarif_output_validates_against_official_schema() {
        let (f, s) = sample();
        let text = render_sarif(&report(&f, &s));
        crate::output::tests::assert_valid_sarif(&text);
    }

    fn sarif_errors(text: &str) -> Vec<String> {
        let schema: Value =
            serde_json::from_str(include_str!("../tests/schemas/sarif-schema-2.1.0.json")).unwrap();
        let doc: Value = serde_json::from_str(text).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        validator.iter_errors(&doc).map(|e| e.to_string()).collect()
    }

    pub(crate) fn assert_valid_sarif(text: &str) {
        let errors = sarif_errors(text);
        assert!(errors.is_empty(), "SARIF invalid: {errors:#?}");
    }

    #[test]
    fn sarif_validator_rejects_invalid_document() {
        let errors = sarif_errors(r#"{"version": "2.1.0", "runs": [{"results": []}]}"#);
        assert!(!errors.is_empty(), "a run without a tool must be invalid");
    }

    #[test]
    fn mask_source_keeps_byte_length_and_short_secrets_fully_hidden() {
        let src = "a=secret12 b=ghp_abcdefghijkl";
        let masked = mask_source(src, &[2..10, 13..src.len()]);
        assert_eq!(masked.len(), src.len());
        assert_eq!(masked, "a=******** b=ghp_************");
    }

    #[test]
    fn summary_counts_by_severity() {
        let (mut f, _) = sample();
        f.push(f[0].clone().severity(Severity::Low));
        assert_eq!(summary_line(&f), "2 findings: 1 critical, 1 low");
        assert_eq!(summary_line(&[]), "no findings");
    }

    #[test]
    fn finding_without_source_still_names_location() {
        let f = vec![Finding::new(&RULE, "m", "x.json").span(Span::at(3, 4))];
        let s = HashMap::new();
        let text = render_human(
            &report(&f, &s),
            HumanOptions {
                color: false,
                quiet: false,
            },
        );
        assert!(text.contains("x.json:3:4"), "{text}");
    }
}
