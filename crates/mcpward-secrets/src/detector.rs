//! The detector: a literal prefilter plus per-pattern regexes, all built once.
//!
//! Scanning is one pass of Aho-Corasick automata (see [`Prefilter`]) over every provider literal
//! and secret-like key word. Only at a literal hit does a pattern's (precompiled, anchored)
//! regex run, and only over a window of at most the pattern's maximum length, so the cost of a
//! scan is dominated by the literal search, not by the number of patterns.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::LazyLock;

use aho_corasick::automaton::Automaton;
use aho_corasick::{Input, MatchKind, dfa};
use regex::Regex;

use crate::entropy::{
    MIN_LEN, MIN_PASSWORD_LEN, high_entropy_secret, is_authorization_key, is_password_key,
    literal_authorization, literal_password,
};
use crate::patterns::{self, PATTERNS, Pattern};
use crate::placeholder::looks_like_filler;
use crate::reference::reference_spans;
use crate::{SecretMatch, is_secret_like_key, mask};

/// Finds secrets in config values and free text.
///
/// Build it once ([`Detector::global`] or [`Detector::new`]) and share it: it is `Send + Sync`
/// and scanning never compiles anything.
pub struct Detector {
    prefilter: Prefilter,
    /// Indexed by the automaton's pattern id.
    literals: Vec<Literal>,
    /// Indexed like [`PATTERNS`].
    /// Each pattern's regex, compiled the first time its literal is seen: most text never
    /// needs most of them, and a gateway that compiled every one at start held about 1.5 MB
    /// more.
    compiled: Vec<std::sync::OnceLock<Compiled>>,
}

#[derive(Debug)]
struct Literal {
    /// Patterns (indices into [`PATTERNS`]) one of whose literals is a prefix of this one, in
    /// table order, so the longest literal hit also tries patterns with shorter literals.
    patterns: Vec<usize>,
    /// This literal contains a secret-like key word: look for a `key = value` pair around it.
    key_word: bool,
    /// Every candidate pattern starts at this literal, which starts with a letter or digit, so a
    /// hit preceded by a letter or digit (`NT` in `ENVIRONMENT`) cannot match.
    needs_left_boundary: bool,
}

#[derive(Debug)]
struct Compiled {
    regex: Regex,
    has_secret_group: bool,
}

/// The literal search: leftmost-longest hits of every literal, in text order.
///
/// The literals are split into groups, each a DFA small enough that `aho_corasick` attaches its
/// SIMD prefilter (it drops the prefilter above roughly 64 literals): key words, short provider
/// literals (`sk-`, `AC`, `://`) and longer provider literals in groups of [`GROUP_SIZE`]. Key
/// words and short literals are kept apart from the long ones because they match often and
/// would make the long literals' prefilter stop at nearly every line. Measured on the benchmark
/// corpus (on-CPU, busy 2-core machine): one DFA over all literals ~300 MB/s for the whole
/// scan; key words + short literals in one group ~280 MB/s; this split ~400 MB/s. The concrete
/// `dfa::DFA` is used through the `Automaton` trait so the per-byte step is inlined.
#[derive(Debug)]
struct Prefilter {
    groups: Vec<Group>,
}

#[derive(Debug)]
struct Group {
    dfa: dfa::DFA,
    /// Group-local pattern id → index into the detector's literal table.
    literals: Vec<usize>,
}

/// Provider literals per group; below the size at which `aho_corasick` gives up on a prefilter.
const GROUP_SIZE: usize = 40;
/// Most groups the literal table may make (so a scan keeps its cursors on the stack).
const MAX_GROUPS: usize = 16;
/// Provider literals shorter than this form their own group: they match often, and in a group
/// with the long literals they would spoil its prefilter.
const SHORT_LITERAL: usize = 4;

impl Prefilter {
    fn build(literals: &[&str], is_key_word: impl Fn(&str) -> bool) -> Prefilter {
        let (words, providers): (Vec<usize>, Vec<usize>) =
            (0..literals.len()).partition(|&i| is_key_word(literals[i]));
        let (short, long): (Vec<usize>, Vec<usize>) = providers
            .into_iter()
            .partition(|&i| literals[i].len() < SHORT_LITERAL);
        let (tiny, short): (Vec<usize>, Vec<usize>) =
            short.into_iter().partition(|&i| literals[i].len() < 3);
        let mut groups = vec![words, tiny, short];
        groups.extend(long.chunks(GROUP_SIZE).map(<[usize]>::to_vec));
        let groups = groups
            .into_iter()
            .filter(|g| !g.is_empty())
            .map(|members| Group {
                dfa: dfa::DFA::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(members.iter().map(|&i| literals[i]))
                    .expect("the literal table builds an automaton"),
                literals: members,
            })
            .collect::<Vec<Group>>();
        assert!(
            groups.len() <= MAX_GROUPS,
            "the literal table makes {} prefilter groups; raise MAX_GROUPS",
            groups.len()
        );
        Prefilter { groups }
    }

    fn hits<'t>(&'t self, text: &'t str, end: usize) -> Hits<'t> {
        Hits {
            prefilter: self,
            text,
            end,
            // Groups are few and fixed (checked when the table is built): no allocation per scan.
            next: [Cursor::Stale; MAX_GROUPS],
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Cursor {
    /// Must search again (initially, or the cached hit was overtaken).
    Stale,
    /// The group's next hit: (literal index, start, end).
    At(usize, usize, usize),
    Exhausted,
}

/// Merges the groups' hits into one leftmost-longest, non-overlapping sequence.
struct Hits<'t> {
    prefilter: &'t Prefilter,
    text: &'t str,
    end: usize,
    next: [Cursor; MAX_GROUPS],
}

impl Hits<'_> {
    /// The next hit starting at or after `from`: (literal index, start, end).
    fn next_from(&mut self, from: usize) -> Option<(usize, usize, usize)> {
        let mut best: Option<(usize, usize, usize)> = None;
        for (group, cursor) in self.prefilter.groups.iter().zip(self.next.iter_mut()) {
            let stale = match *cursor {
                Cursor::Stale => true,
                Cursor::At(_, start, _) => start < from,
                Cursor::Exhausted => false,
            };
            if stale {
                *cursor = if from > self.end {
                    Cursor::Exhausted
                } else {
                    let input = Input::new(self.text).span(from..self.end);
                    // An unanchored search on this unanchored DFA cannot fail; if it did,
                    // treat the group as exhausted rather than panic.
                    match group.dfa.try_find(&input).ok().flatten() {
                        Some(m) => {
                            Cursor::At(group.literals[m.pattern().as_usize()], m.start(), m.end())
                        }
                        None => Cursor::Exhausted,
                    }
                };
            }
            if let Cursor::At(literal, start, end) = *cursor {
                let better = best.is_none_or(|(_, best_start, best_end)| {
                    start < best_start || (start == best_start && end > best_end)
                });
                if better {
                    best = Some((literal, start, end));
                }
            }
        }
        best
    }
}

impl fmt::Debug for Detector {
    /// Summarised: the automata and regex programs are hundreds of KiB of tables.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Detector")
            .field("literals", &self.literals.len())
            .field("literal_groups", &self.prefilter.groups.len())
            .field("patterns", &self.compiled.len())
            .finish_non_exhaustive()
    }
}

static GLOBAL: LazyLock<Detector> = LazyLock::new(Detector::new);

impl Default for Detector {
    fn default() -> Self {
        Self::new()
    }
}

/// One accepted match before conversion: the reported range and the end of the whole match
/// (larger than the range when a `secret` group narrows it), used to skip nested hits.
struct Hit {
    found: SecretMatch,
    covers_until: usize,
}

impl Detector {
    /// Builds all automata/regexes once.
    ///
    /// # Panics
    ///
    /// Never on a released build: the pattern table is fixed and every entry is compiled by the
    /// crate's tests, so a bad row fails `cargo test`, not a user's scan.
    pub fn new() -> Detector {
        let mut texts: Vec<&'static str> = Vec::new();
        for literal in PATTERNS
            .iter()
            .flat_map(|p| p.prefixes.iter().copied())
            .chain(patterns::KEY_WORDS.iter().copied())
        {
            if !texts.contains(&literal) {
                texts.push(literal);
            }
        }
        let literals = texts
            .iter()
            .map(|text| {
                let patterns: Vec<usize> = PATTERNS
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.prefixes.iter().any(|pre| text.starts_with(pre)))
                    .map(|(i, _)| i)
                    .collect();
                Literal {
                    needs_left_boundary: text.as_bytes()[0].is_ascii_alphanumeric()
                        && patterns.iter().all(|&i| PATTERNS[i].lookbehind == 0),
                    patterns,
                    key_word: patterns::KEY_WORDS.iter().any(|word| text.contains(word)),
                }
            })
            .collect();
        let prefilter = Prefilter::build(&texts, |t| {
            patterns::KEY_WORDS.iter().any(|w| t.contains(w))
        });
        let compiled = PATTERNS
            .iter()
            .map(|_| std::sync::OnceLock::new())
            .collect();
        Detector {
            prefilter,
            literals,
            compiled,
        }
    }

    /// Compiles every pattern now (tests: each entry of the table must compile).
    #[cfg(test)]
    fn compile_all(&self) {
        for (cell, pattern) in self.compiled.iter().zip(PATTERNS) {
            cell.get_or_init(|| compile(pattern));
        }
    }

    /// Shared instance, built on first use.
    pub fn global() -> &'static Detector {
        &GLOBAL
    }

    /// One configuration value, optionally with its key (env var name, header name, arg flag).
    /// Provider patterns anywhere in the value, plus an entropy check when `key` looks secret-like
    /// (token, secret, password, api_key, auth, credential, private_key, ...). References and
    /// placeholders never match. Ranges are byte ranges inside `value`.
    ///
    /// `key=value` pairs inside the value (`--token=…`) get the same entropy check as in
    /// [`Detector::scan_text`]. A literal secret in the default of `${VAR:-default}` is reported:
    /// it is written in the file whatever the variable holds.
    pub fn scan_value(&self, key: Option<&str>, value: &str) -> Vec<SecretMatch> {
        let mut found = self.scan(value, 0..value.len(), true);
        if !found.is_empty() && value.contains(['$', '%', '{', ':']) {
            let references = reference_spans(value);
            // Only a match wholly inside a reference is the reference's own text; `$production$`
            // inside a Braintree token is part of the secret, not a `$VAR`.
            found.retain(|m| {
                !references
                    .iter()
                    .any(|r| r.start <= m.range.start && m.range.end <= r.end)
            });
        }
        if found.is_empty()
            && let Some(key) = key.filter(|k| is_secret_like_key(k))
        {
            if let Some(range) = high_entropy_secret(value) {
                found.push(generic_match(key, &value[range.clone()], range));
            } else if is_password_key(key)
                && let Some(range) = literal_password(value)
            {
                found.push(password_match(range));
            } else if is_authorization_key(key)
                && let Some(range) = literal_authorization(value)
            {
                found.push(generic_match(key, &value[range.clone()], range));
            }
        }
        found
    }

    /// Free text (tool results, log lines, whole files): provider patterns only (plus
    /// `key=value` / `"key": "value"` pairs whose key is secret-like and value high-entropy).
    ///
    /// Matches are sorted by position and never overlap.
    pub fn scan_text(&self, text: &str) -> Vec<SecretMatch> {
        self.scan(text, 0..text.len(), true)
    }

    /// `text` with every secret from scan_text replaced by its mask; Cow::Borrowed when none.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let found = self.scan_text(text);
        if found.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for m in found {
            out.push_str(&text[last..m.range.start]);
            out.push_str(&mask(&text[m.range.clone()]));
            last = m.range.end;
        }
        out.push_str(&text[last..]);
        Cow::Owned(out)
    }

    /// `keyed`: also look for `key = value` pairs (off inside such a value, so nesting stops).
    fn scan(&self, text: &str, span: Range<usize>, keyed: bool) -> Vec<SecretMatch> {
        let mut found = Vec::new();
        let mut key_until = 0;
        let limit = span.end;
        let mut hits = self.prefilter.hits(text, limit);
        let mut from = span.start;
        // End of the last reported match: a pattern with lookbehind must not start before it.
        let mut floor = span.start;
        while let Some((literal, start, end)) = hits.next_from(from) {
            from = end;
            let literal = &self.literals[literal];
            let mid_word = literal.needs_left_boundary
                && start > 0
                && text.as_bytes()[start - 1].is_ascii_alphanumeric();
            let provider = if mid_word {
                None
            } else {
                literal
                    .patterns
                    .iter()
                    .find_map(|&index| self.try_pattern(index, text, start, floor..limit))
            };
            if let Some(accepted) = provider {
                from = from.max(accepted.covers_until);
                floor = accepted.covers_until;
                found.push(accepted.found);
                continue;
            }
            if keyed && literal.key_word && start >= key_until {
                let pair = key_value_at(text, start, end);
                key_until = pair.key_end;
                if let Some((key, value)) = pair.key.zip(pair.value) {
                    from = from.max(value.end);
                    let nested = self.scan(text, value.clone(), false);
                    if nested.is_empty() {
                        if let Some(range) = high_entropy_secret(&text[value.clone()]) {
                            let range = value.start + range.start..value.start + range.end;
                            found.push(generic_match(&text[key], &text[range.clone()], range));
                        } else if is_password_key(&text[key])
                            && let Some(range) = literal_password(&text[value.clone()])
                        {
                            let range = value.start + range.start..value.start + range.end;
                            found.push(password_match(range));
                        }
                    } else {
                        found.extend(nested);
                    }
                    floor = floor.max(value.end);
                }
            }
        }
        found
    }

    /// Runs pattern `index` in its window around the literal hit at `at`; the match must lie
    /// within `bounds`.
    fn try_pattern(
        &self,
        index: usize,
        text: &str,
        at: usize,
        bounds: Range<usize>,
    ) -> Option<Hit> {
        let pattern: &Pattern = &PATTERNS[index];
        if !pattern.precheck.passes(text.as_bytes(), at) {
            return None;
        }
        let compiled = self.compiled[index].get_or_init(|| compile(pattern));
        let window_start = floor_boundary(
            text,
            at.saturating_sub(pattern.lookbehind).max(bounds.start),
        );
        let window_end = floor_boundary(text, at.saturating_add(pattern.max_len).min(bounds.end));
        let window = &text[window_start..window_end];
        let whole = compiled
            .regex
            .find_iter(window)
            .map(|m| window_start + m.start()..window_start + m.end())
            .find(|m| m.start <= at && at < m.end && word_bounded(text, m))?;
        let range = if compiled.has_secret_group {
            let captures = compiled.regex.captures(&text[whole.clone()])?;
            let group = captures.name("secret")?;
            whole.start + group.start()..whole.start + group.end()
        } else {
            whole.clone()
        };
        let secret = &text[range.clone()];
        if looks_like_filler(secret, pattern.id == patterns::PRIVATE_KEY_ID)
            || crate::is_reference(secret)
        {
            return None;
        }
        let (kind, provider, narrower) = refine(pattern, text, &range);
        Some(Hit {
            found: SecretMatch {
                kind,
                provider,
                range,
                narrower,
            },
            covers_until: whole.end,
        })
    }
}

fn password_match(range: Range<usize>) -> SecretMatch {
    SecretMatch {
        kind: patterns::PASSWORD_ID,
        provider: "password",
        range,
        narrower: None,
    }
}

/// Allocation-free first look for [`is_password_key`] on the scanning hot path.
fn mentions_password(key: &[u8]) -> bool {
    key.windows(4).any(|w| w.eq_ignore_ascii_case(b"pass"))
        || key.len() >= 3 && key[key.len() - 3..].eq_ignore_ascii_case(b"pwd")
}

fn generic_match(key: &str, secret: &str, range: Range<usize>) -> SecretMatch {
    let normalised: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let keyed = patterns::KEYED_KINDS
        .iter()
        .find(|k| k.fragments.iter().all(|f| normalised.contains(f)));
    // An AWS secret access key is exactly 40 base64 characters; anything else under that name is
    // still a secret, just not one we can name.
    let aws_shape = secret.len() == 40
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'+');
    match keyed {
        Some(k) if k.id != patterns::AWS_SECRET_ID || aws_shape => SecretMatch {
            kind: k.id,
            provider: k.provider,
            range,
            narrower: k.narrower,
        },
        _ => SecretMatch {
            kind: patterns::GENERIC_ID,
            provider: "generic",
            range,
            narrower: None,
        },
    }
}

/// Sharper kinds that need more than a regex: a JWT whose payload says `service_role` is a
/// Supabase service key; a PEM key under `"private_key":` is a Google service-account key.
fn refine(
    pattern: &Pattern,
    text: &str,
    range: &Range<usize>,
) -> (&'static str, &'static str, Option<&'static str>) {
    let plain = (pattern.id, pattern.provider, pattern.narrower);
    if pattern.id == patterns::JWT_ID {
        let payload = text[range.clone()]
            .split('.')
            .nth(1)
            .and_then(base64url_decode);
        let service_role = payload.is_some_and(|p| {
            let compact: Vec<u8> = p.into_iter().filter(|b| !b.is_ascii_whitespace()).collect();
            let needle = br#""role":"service_role""#;
            compact.windows(needle.len()).any(|w| w == needle)
        });
        if service_role {
            return patterns::SUPABASE_SERVICE_ROLE;
        }
    } else if pattern.id == patterns::PRIVATE_KEY_ID {
        let before = &text.as_bytes()[range.start.saturating_sub(48)..range.start];
        let needle = b"private_key\"";
        if before.windows(needle.len()).any(|w| w == needle) {
            return patterns::GCP_SERVICE_ACCOUNT_KEY;
        }
    }
    plain
}

/// Decodes unpadded base64url (JWT segments); `None` on anything else.
fn base64url_decode(segment: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(segment.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0u32;
    for b in segment.bytes() {
        let value = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// A match that starts or ends with a word character must not continue a longer word: `ghp_`
/// inside a base64 blob, or a 37-character body where the format has 36, is something else.
fn word_bounded(text: &str, m: &Range<usize>) -> bool {
    let bytes = text.as_bytes();
    let first = bytes[m.start];
    let last = bytes[m.end - 1];
    let left_ok = !first.is_ascii_alphanumeric()
        || m.start == 0
        || !bytes[m.start - 1].is_ascii_alphanumeric();
    let right_ok = !is_word_byte(last) || bytes.get(m.end).is_none_or(|&b| !is_word_byte(b));
    left_ok && right_ok
}

fn floor_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

struct Pair {
    key: Option<Range<usize>>,
    value: Option<Range<usize>>,
    /// Where the key ends, so other key words inside it are not looked at again.
    key_end: usize,
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// Finds `key = value`, `key: value`, `"key": "value"` or `--key value`-free forms around a key
/// word hit at `start..end`. The key must be secret-like; the value runs to its closing quote
/// or to whitespace and punctuation that ends values in JSON, TOML, YAML and env files.
fn key_value_at(text: &str, start: usize, end: usize) -> Pair {
    let bytes = text.as_bytes();
    let mut key_start = start;
    while key_start > 0 && is_key_byte(bytes[key_start - 1]) && start - key_start < 128 {
        key_start -= 1;
    }
    let mut key_end = end;
    while key_end < bytes.len() && is_key_byte(bytes[key_end]) && key_end - end < 128 {
        key_end += 1;
    }
    let none = Pair {
        key: None,
        value: None,
        key_end,
    };
    let mut i = key_end;
    if matches!(bytes.get(i), Some(b'"' | b'\'')) {
        i += 1;
    }
    while matches!(bytes.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    match bytes.get(i) {
        Some(b'=' | b':') => i += 1,
        _ => return none,
    }
    if matches!(bytes.get(i), Some(b'=' | b'>')) {
        i += 1;
    }
    while matches!(bytes.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    let value = match bytes.get(i) {
        Some(&quote @ (b'"' | b'\'')) => {
            let value_start = i + 1;
            let len = bytes[value_start..]
                .iter()
                .take(4096)
                .position(|&b| b == quote || b == b'\n');
            match len {
                Some(len) if bytes[value_start + len] == quote => value_start..value_start + len,
                _ => return none,
            }
        }
        Some(_) => {
            let len = bytes[i..]
                .iter()
                .take(4096)
                .position(|&b| {
                    // `\` ends a value inside an escaped string (`api_key: abc\n` in JSON text).
                    b.is_ascii_whitespace()
                        || matches!(b, b',' | b';' | b'}' | b']' | b'&' | b'"' | b'\'' | b'\\')
                })
                .unwrap_or_else(|| (bytes.len() - i).min(4096));
            i..floor_boundary(text, i + len)
        }
        None => return none,
    };
    // `Authorization: Bearer abc…` in a header line: the value continues after the scheme.
    let value = extend_auth_scheme(text, value);
    // Cheap structural rejections first: this runs at every `token`/`_KEY` in the text.
    // A value starting like a reference is left to the provider patterns (which still see a
    // literal in a `${VAR:-default}`), and short values cannot pass the entropy check.
    // Passwords are the exception: a short literal under a password key still counts.
    let long_enough = value.len() >= MIN_LEN
        || value.len() >= MIN_PASSWORD_LEN && mentions_password(&bytes[key_start..key_end]);
    if !long_enough
        || matches!(bytes[value.start], b'$' | b'%' | b'{')
        || !is_secret_like_key(&text[key_start..key_end])
    {
        return none;
    }
    Pair {
        key: Some(key_start..key_end),
        value: Some(value),
        key_end,
    }
}

fn extend_auth_scheme(text: &str, value: Range<usize>) -> Range<usize> {
    let word = &text[value.clone()];
    let is_scheme = ["bearer", "basic", "token", "bot"]
        .iter()
        .any(|s| word.eq_ignore_ascii_case(s));
    if !is_scheme {
        return value;
    }
    let bytes = text.as_bytes();
    let mut i = value.end;
    while matches!(bytes.get(i), Some(b' ')) {
        i += 1;
    }
    let len = bytes[i..]
        .iter()
        .take(4096)
        .position(|&b| b.is_ascii_whitespace() || matches!(b, b',' | b';' | b'"' | b'\'' | b'\\'))
        .unwrap_or_else(|| (bytes.len() - i).min(4096));
    if len == 0 {
        return value;
    }
    i..floor_boundary(text, i + len)
}

/// A pattern's regex, anchored at the literal unless it looks behind it.
fn compile(pattern: &Pattern) -> Compiled {
    let source = if pattern.lookbehind == 0 {
        format!("^(?:{})", pattern.regex)
    } else {
        pattern.regex.to_owned()
    };
    let regex = Regex::new(&source).expect("pattern table regexes compile");
    Compiled {
        has_secret_group: regex.capture_names().any(|n| n == Some("secret")),
        regex,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_of_the_table_compiles() {
        Detector::new().compile_all();
    }

    #[test]
    fn patterns_are_compiled_only_when_their_literal_is_seen() {
        let detector = Detector::new();
        assert!(detector.scan_text("nothing secret here").is_empty());
        assert!(detector.compiled.iter().all(|c| c.get().is_none()));
        let token = format!("ghp_{}", "a1B2c3D4e5".repeat(4)[..36].to_owned());
        assert!(!detector.scan_text(&format!("token {token}")).is_empty());
        assert!(detector.compiled.iter().any(|c| c.get().is_some()));
    }
}
