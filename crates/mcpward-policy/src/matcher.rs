//! Argument matchers of a rule's `when` table, compiled at load time and evaluated against the
//! JSON arguments of a call.

use std::fmt;
use std::path::PathBuf;

use globset::GlobSet;
use regex::Regex;
use serde_json::Value;

use crate::path;

/// One `when` entry: the argument it looks at and the condition it must satisfy.
#[derive(Debug, Clone)]
pub struct ArgMatcher {
    /// Argument name; dots reach into nested objects and arrays (`options.recursive`, `files.0`).
    pub argument: String,
    /// 1-based line of the entry in the policy file.
    pub line: u32,
    pub(crate) matcher: Matcher,
}

/// How many elements of an array argument a matcher must hold for. An `allow` rule needs every
/// element to match, an `ask`/`deny` rule any element: a list can never carry one path past an
/// allow rule, nor hide one from a deny rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quantifier {
    All,
    Any,
}

#[derive(Debug, Clone)]
pub(crate) enum Matcher {
    /// Globs over a path argument after resolving it against the roots.
    Path(PathGlobs),
    /// Globs over the raw string; `*` crosses `/`.
    Glob {
        set: GlobSet,
        patterns: Vec<String>,
    },
    /// Anchored: the whole string must match.
    Regex(Regex),
    Equals(Value),
    Range {
        min: Option<f64>,
        max: Option<f64>,
    },
    Exists(bool),
    Not(Box<Matcher>),
    /// Several keys in one matcher table: all must hold.
    All(Vec<Matcher>),
}

#[derive(Debug, Clone)]
pub(crate) struct PathGlobs {
    /// Patterns without a leading `/`: compared with the path relative to the root it lies in.
    pub(crate) relative: GlobSet,
    /// Patterns with a leading `/`: compared with the resolved absolute path.
    pub(crate) absolute: GlobSet,
    /// The same patterns, compiled case-insensitively, for rules that lean towards matching.
    pub(crate) relative_folded: GlobSet,
    pub(crate) absolute_folded: GlobSet,
    pub(crate) patterns: Vec<String>,
}

/// Why an argument matcher did not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Miss {
    Absent,
    Differs,
}

impl ArgMatcher {
    /// Check this entry against a call's arguments.
    pub(crate) fn check(
        &self,
        arguments: &Value,
        roots: &[PathBuf],
        quantifier: Quantifier,
    ) -> Result<(), Miss> {
        match lookup(arguments, &self.argument) {
            None => {
                if self.matcher.holds_when_absent() {
                    Ok(())
                } else {
                    Err(Miss::Absent)
                }
            }
            Some(value) => {
                if self.matcher.holds(value, roots, quantifier) {
                    Ok(())
                } else {
                    Err(Miss::Differs)
                }
            }
        }
    }
}

impl fmt::Display for ArgMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.argument, self.matcher)
    }
}

/// Find an argument by name. A top-level key equal to the whole name wins, so arguments whose
/// names contain dots still work; otherwise dots separate object keys and array indices. JSON
/// `null` counts as absent: clients send it for optional arguments they leave out.
fn lookup<'v>(arguments: &'v Value, name: &str) -> Option<&'v Value> {
    let found = match arguments.get(name) {
        Some(v) => Some(v),
        None => {
            let mut current = arguments;
            for segment in name.split('.') {
                current = match current {
                    Value::Object(map) => map.get(segment)?,
                    Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
                    _ => return None,
                };
            }
            Some(current)
        }
    };
    found.filter(|v| !v.is_null())
}

impl Matcher {
    fn holds_when_absent(&self) -> bool {
        match self {
            Matcher::Exists(false) => true,
            Matcher::All(parts) => parts.iter().all(Matcher::holds_when_absent),
            _ => false,
        }
    }

    /// Matchers that look at the whole value rather than at each element of an array.
    fn whole_value(&self) -> bool {
        match self {
            Matcher::Equals(_) | Matcher::Exists(_) => true,
            Matcher::Not(inner) => inner.whole_value(),
            Matcher::All(parts) => parts.iter().any(Matcher::whole_value),
            Matcher::Path(_) | Matcher::Glob { .. } | Matcher::Regex(_) | Matcher::Range { .. } => {
                false
            }
        }
    }

    fn holds(&self, value: &Value, roots: &[PathBuf], quantifier: Quantifier) -> bool {
        if let Matcher::All(parts) = self {
            return parts.iter().all(|m| m.holds(value, roots, quantifier));
        }
        match value {
            Value::Array(items) if !self.whole_value() => {
                // An empty list names nothing the rule could be about.
                !items.is_empty()
                    && match quantifier {
                        Quantifier::All => items.iter().all(|v| self.test(v, roots, false)),
                        Quantifier::Any => items.iter().any(|v| self.test(v, roots, true)),
                    }
            }
            _ => self.test(value, roots, quantifier == Quantifier::Any),
        }
    }

    /// The matcher against one value (an element, when the argument is an array).
    ///
    /// `broad` says which way to lean where the file system is ambiguous: an `ask`/`deny` rule
    /// leans towards matching (path globs ignore case, since on macOS and Windows `.ENV` is
    /// `.env`), an `allow` rule towards not matching. `not` flips the leaning of what it wraps.
    fn test(&self, value: &Value, roots: &[PathBuf], broad: bool) -> bool {
        match self {
            Matcher::Path(globs) => value
                .as_str()
                .is_some_and(|s| globs.matches(s, roots, broad)),
            Matcher::Glob { set, .. } => value.as_str().is_some_and(|s| set.is_match(s)),
            Matcher::Regex(re) => value.as_str().is_some_and(|s| re.is_match(s)),
            Matcher::Equals(expected) => json_equal(value, expected),
            Matcher::Range { min, max } => value
                .as_f64()
                .is_some_and(|n| min.is_none_or(|lo| n >= lo) && max.is_none_or(|hi| n <= hi)),
            Matcher::Exists(expected) => *expected,
            Matcher::Not(inner) => !inner.test(value, roots, !broad),
            Matcher::All(parts) => parts.iter().all(|m| m.test(value, roots, broad)),
        }
    }
}

/// JSON equality where `1` and `1.0` are the same number (TOML and JSON clients disagree on
/// which one they write).
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

impl PathGlobs {
    fn matches(&self, arg: &str, roots: &[PathBuf], broad: bool) -> bool {
        if broad {
            // Fold case on both sides so `/PROJ/SRC/.ENV` is still found under root `/proj`.
            let arg = arg.to_lowercase();
            let roots: Vec<PathBuf> = roots
                .iter()
                .map(|r| PathBuf::from(r.to_string_lossy().to_lowercase()))
                .collect();
            self.matches_with(&arg, &roots, &self.relative_folded, &self.absolute_folded)
        } else {
            self.matches_with(arg, roots, &self.relative, &self.absolute)
        }
    }

    fn matches_with(
        &self,
        arg: &str,
        roots: &[PathBuf],
        relative: &GlobSet,
        absolute: &GlobSet,
    ) -> bool {
        let resolved = path::resolve(arg, roots);
        if resolved.has_root() {
            if absolute.is_match(&resolved) {
                return true;
            }
            roots.iter().any(|root| {
                resolved
                    .strip_prefix(path::normalize(root))
                    .is_ok_and(|rel| relative.is_match(rel))
            })
        } else {
            // No root to resolve against: compare the normalised relative path, unless it climbs
            // out of wherever it is relative to.
            !path::escapes(&resolved) && relative.is_match(&resolved)
        }
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Matcher::Path(globs) => write!(f, "matches path glob {}", list(&globs.patterns)),
            Matcher::Glob { patterns, .. } => write!(f, "matches glob {}", list(patterns)),
            Matcher::Regex(re) => {
                // Show the user's pattern, not the anchoring wrapper added at compile time.
                let shown = re
                    .as_str()
                    .strip_prefix("^(?:")
                    .and_then(|s| s.strip_suffix(")$"))
                    .unwrap_or(re.as_str());
                write!(f, "matches regex {shown:?}")
            }
            Matcher::Equals(v) => write!(f, "equals {v}"),
            Matcher::Range { min, max } => match (min, max) {
                (Some(lo), Some(hi)) => write!(f, "between {lo} and {hi}"),
                (Some(lo), None) => write!(f, ">= {lo}"),
                (None, Some(hi)) => write!(f, "<= {hi}"),
                (None, None) => f.write_str("is a number"),
            },
            Matcher::Exists(true) => f.write_str("is present"),
            Matcher::Exists(false) => f.write_str("is absent"),
            Matcher::Not(inner) => write!(f, "not ({inner})"),
            Matcher::All(parts) => {
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" and ")?;
                    }
                    write!(f, "{part}")?;
                }
                Ok(())
            }
        }
    }
}

fn list(patterns: &[String]) -> String {
    let quoted: Vec<String> = patterns.iter().map(|p| format!("{p:?}")).collect();
    quoted.join(" | ")
}
