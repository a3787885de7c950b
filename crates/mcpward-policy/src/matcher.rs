//! Argument matchers of a rule's `when` table, compiled at load time and evaluated against the
//! JSON arguments of a call.

use std::fmt;
use std::path::PathBuf;

use globset::GlobSet;
use regex::Regex;
use serde_json::Value;

use crate::coercion::{self, Kind, Reading};
use crate::path;
use crate::schema;
use crate::unicode::{BySpelling, Form, spell, spellings_match};

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
        set: BySpelling<GlobSet>,
        patterns: Vec<String>,
    },
    /// Anchored: the whole string must match.
    Regex(BySpelling<Regex>),
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
    /// The compiled globs in each Unicode spelling of the patterns.
    pub(crate) sets: BySpelling<PathSets>,
    pub(crate) patterns: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct PathSets {
    /// Patterns without a leading `/`: compared with the path relative to the root it lies in.
    pub(crate) relative: GlobSet,
    /// Patterns with a leading `/`: compared with the resolved absolute path.
    pub(crate) absolute: GlobSet,
    /// The same patterns, compiled case-insensitively, for rules that lean towards matching.
    pub(crate) relative_folded: GlobSet,
    pub(crate) absolute_folded: GlobSet,
}

/// What a matcher looks at besides the value: the server's roots, and what the tool's input
/// schema says about the value (if the caller knows the schema and it says anything).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope<'a> {
    pub(crate) roots: &'a [PathBuf],
    pub(crate) schema: Option<&'a Value>,
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
        input_schema: Option<&Value>,
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
            Some((value, literal)) => {
                let scope = Scope {
                    roots,
                    schema: input_schema
                        .and_then(|s| schema::for_argument(s, &self.argument, literal)),
                };
                if self.matcher.holds(value, scope, quantifier) {
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
/// `null` counts as absent: clients send it for optional arguments they leave out. The flag says
/// whether the whole name was a key.
fn lookup<'v>(arguments: &'v Value, name: &str) -> Option<(&'v Value, bool)> {
    let found = match arguments.get(name) {
        Some(v) => Some((v, true)),
        None => {
            let mut current = arguments;
            for segment in name.split('.') {
                current = match current {
                    Value::Object(map) => map.get(segment)?,
                    Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
                    _ => return None,
                };
            }
            Some((current, false))
        }
    };
    found.filter(|(v, _)| !v.is_null())
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

    fn holds(&self, value: &Value, scope: Scope<'_>, quantifier: Quantifier) -> bool {
        if let Matcher::All(parts) = self {
            return parts.iter().all(|m| m.holds(value, scope, quantifier));
        }
        // An allow rule never matches an argument that does not have the type the tool declares:
        // the server converts it first, into something the rule did not look at.
        if quantifier == Quantifier::All && !schema::fits(value, scope.schema) {
            return false;
        }
        match value {
            Value::Array(items) if !self.whole_value() => {
                let scope = Scope {
                    schema: schema::elements(scope.schema),
                    ..scope
                };
                // An empty list names nothing the rule could be about.
                !items.is_empty()
                    && match quantifier {
                        Quantifier::All => items.iter().all(|v| self.test(v, scope, false)),
                        Quantifier::Any => items.iter().any(|v| self.test(v, scope, true)),
                    }
            }
            _ => self.test(value, scope, quantifier == Quantifier::Any),
        }
    }

    /// The matcher against one value (an element, when the argument is an array).
    ///
    /// `broad` says which way to lean wherever a value has more than one reading: an `ask`/`deny`
    /// rule holds if any reading matches, an `allow` rule only if every one does. Readings come
    /// from case-insensitive file systems (path globs ignore case when broad, since on macOS and
    /// Windows `.ENV` is `.env`), from Unicode spellings, and from the type coercions servers
    /// apply (`"true"` is `true` to pydantic). `not` flips the leaning of what it wraps.
    fn test(&self, value: &Value, scope: Scope<'_>, broad: bool) -> bool {
        match self {
            Matcher::Path(globs) => texts(value, scope, broad, |s| {
                globs.matches(s, scope.roots, broad)
            }),
            Matcher::Glob { set, .. } => texts(value, scope, broad, |s| {
                spellings_match(s, broad, |form, s| set.get(form).is_match(s))
            }),
            Matcher::Regex(re) => texts(value, scope, broad, |s| {
                spellings_match(s, broad, |form, s| re.get(form).is_match(s))
            }),
            Matcher::Equals(expected) => equals(value, expected, scope.schema, broad),
            Matcher::Range { min, max } => {
                over_readings(value, Kind::Number, scope.schema, broad, |r| {
                    matches!(r, Reading::Number(n)
                        if min.is_none_or(|lo| *n >= lo) && max.is_none_or(|hi| *n <= hi))
                })
            }
            Matcher::Exists(expected) => *expected,
            Matcher::Not(inner) => !inner.test(value, scope, !broad),
            Matcher::All(parts) => parts.iter().all(|m| m.test(value, scope, broad)),
        }
    }
}

/// Whether `test` holds for the readings of `value` as a `kind`. A broad test holds if any
/// reading passes. A strict one holds only for a value that already is a `kind`, of a type its
/// schema allows: a value a server would have to convert has a reading the rule cannot vouch for.
fn over_readings(
    value: &Value,
    kind: Kind,
    schema: Option<&Value>,
    broad: bool,
    mut test: impl FnMut(&Reading<'_>) -> bool,
) -> bool {
    if broad {
        let declared = schema::declared_kinds(schema);
        coercion::readings(value, kind, &declared).iter().any(test)
    } else {
        schema::fits(value, schema) && coercion::native(value, kind).is_some_and(|r| test(&r))
    }
}

/// [`over_readings`] for matchers on text.
fn texts(value: &Value, scope: Scope<'_>, broad: bool, mut test: impl FnMut(&str) -> bool) -> bool {
    over_readings(
        value,
        Kind::Text,
        scope.schema,
        broad,
        |r| matches!(r, Reading::Text(s) if test(s)),
    )
}

/// `equals`. An `allow` rule needs the very value it names (so `"false"`, which JavaScript reads
/// as `true`, never passes `equals = false`); an `ask`/`deny` rule holds when any reading of the
/// value, in any Unicode spelling, equals it, and looks into arrays and objects the same way.
fn equals(value: &Value, expected: &Value, schema: Option<&Value>, broad: bool) -> bool {
    if !broad {
        return schema::fits(value, schema) && json_equal(value, expected);
    }
    match expected {
        Value::Bool(b) => {
            over_readings(value, Kind::Bool, schema, true, |r| *r == Reading::Bool(*b))
        }
        Value::Number(n) => n.as_f64().is_some_and(|n| {
            over_readings(value, Kind::Number, schema, true, |r| {
                *r == Reading::Number(n)
            })
        }),
        Value::String(e) => over_readings(value, Kind::Text, schema, true, |r| {
            matches!(r, Reading::Text(s)
                if spellings_match(s, true, |form, s| s == spell(form, e)))
        }),
        Value::Array(expected) => match value {
            Value::Array(items) => {
                let element = schema::elements(schema);
                items.len() == expected.len()
                    && items
                        .iter()
                        .zip(expected)
                        .all(|(v, e)| equals(v, e, element, true))
            }
            _ => false,
        },
        Value::Object(expected) => match value {
            Value::Object(map) => {
                map.len() == expected.len()
                    && expected.iter().all(|(k, e)| {
                        map.get(k)
                            .is_some_and(|v| equals(v, e, schema::property(schema, k), true))
                    })
            }
            _ => false,
        },
        Value::Null => value.is_null(),
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
    /// Each Unicode spelling of the argument is compared with the globs spelled the same way,
    /// roots included (a root may be spelled either way too).
    fn matches(&self, arg: &str, roots: &[PathBuf], broad: bool) -> bool {
        spellings_match(arg, broad, |form, arg| {
            let spelled: Vec<PathBuf>;
            let roots = if form == Form::Raw {
                roots
            } else {
                spelled = roots
                    .iter()
                    .map(|r| PathBuf::from(spell(form, &r.to_string_lossy()).as_ref()))
                    .collect();
                &spelled
            };
            self.sets.get(form).matches(arg, roots, broad)
        })
    }
}

impl PathSets {
    fn matches(&self, arg: &str, roots: &[PathBuf], broad: bool) -> bool {
        if broad {
            // Fold case on both sides so `/PROJ/SRC/.ENV` is still found under root `/proj`.
            let arg = arg.to_lowercase();
            let roots: Vec<PathBuf> = roots
                .iter()
                .map(|r| PathBuf::from(r.to_string_lossy().to_lowercase()))
                .collect();
            matches_with(&arg, &roots, &self.relative_folded, &self.absolute_folded)
        } else {
            matches_with(arg, roots, &self.relative, &self.absolute)
        }
    }
}

fn matches_with(arg: &str, roots: &[PathBuf], relative: &GlobSet, absolute: &GlobSet) -> bool {
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

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Matcher::Path(globs) => write!(f, "matches path glob {}", list(&globs.patterns)),
            Matcher::Glob { patterns, .. } => write!(f, "matches glob {}", list(patterns)),
            Matcher::Regex(re) => {
                // Show the user's pattern, not the anchoring wrapper added at compile time.
                let re = re.raw();
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
