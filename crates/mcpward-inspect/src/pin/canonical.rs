//! An RFC 8785 (JCS) writer over `serde_json::Value` that streams into any byte sink.
//!
//! `serde_json_canonicalizer` gives the same bytes but buffers every key and value in its own
//! vector, re-parses each key to sort it and boxes a writer per token: tens of thousands of
//! allocations for a hundred tool definitions. This writer walks the value once, sorts each
//! object's keys in a shared scratch list and writes straight into the sink, so hashing a
//! definition allocates nothing but the hash string. Numbers are still formatted by
//! `serde_json_canonicalizer` (ECMAScript number form), so the one subtle part of JCS keeps one
//! implementation. A property test holds the output byte-identical to the crate's.

use std::cmp::Ordering;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Where canonical bytes go.
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// SHA-256 fed through a fixed buffer, so the many small writes of a serialisation reach the
/// hasher in large blocks.
pub(crate) struct HashSink {
    hasher: Sha256,
    buf: [u8; 4096],
    len: usize,
}

impl HashSink {
    pub fn new() -> Self {
        HashSink {
            hasher: Sha256::new(),
            buf: [0; 4096],
            len: 0,
        }
    }

    pub fn finish(mut self) -> [u8; 32] {
        self.hasher.update(&self.buf[..self.len]);
        self.hasher.finalize().into()
    }
}

impl Sink for HashSink {
    fn put(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() > self.buf.len() {
            self.hasher.update(&self.buf[..self.len]);
            self.len = 0;
            if bytes.len() > self.buf.len() {
                self.hasher.update(bytes);
                return;
            }
        }
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }
}

/// Write the canonical form of `value` into `sink`.
pub(crate) fn write<S: Sink>(value: &Value, sink: &mut S) -> Result<(), serde_json::Error> {
    let mut scratch = Vec::new();
    write_value(value, sink, &mut scratch)
}

/// `scratch` holds the sorted entries of every object being written, innermost last, so one
/// list serves the whole walk.
fn write_value<'v, S: Sink>(
    value: &'v Value,
    sink: &mut S,
    scratch: &mut Vec<(&'v str, &'v Value)>,
) -> Result<(), serde_json::Error> {
    match value {
        Value::Null => sink.put(b"null"),
        Value::Bool(true) => sink.put(b"true"),
        Value::Bool(false) => sink.put(b"false"),
        Value::Number(n) => {
            // Integers that a double holds exactly print as themselves in ECMAScript form.
            if let Some(i) = n.as_i64().filter(|i| i.unsigned_abs() <= 1 << 53) {
                let mut buf = [0; 20];
                sink.put(format_int(i, &mut buf));
            } else {
                let mut bytes = Vec::new();
                serde_json_canonicalizer::to_writer(n, &mut bytes)?;
                sink.put(&bytes);
            }
        }
        Value::String(s) => write_str(s, sink),
        Value::Array(items) => {
            sink.put(b"[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    sink.put(b",");
                }
                write_value(item, sink, scratch)?;
            }
            sink.put(b"]");
        }
        Value::Object(map) => write_object(map, sink, scratch)?,
    }
    Ok(())
}

fn write_object<'v, S: Sink>(
    map: &'v Map<String, Value>,
    sink: &mut S,
    scratch: &mut Vec<(&'v str, &'v Value)>,
) -> Result<(), serde_json::Error> {
    sink.put(b"{");
    // serde_json's map iterates in byte order, which is already UTF-16 order unless characters
    // above U+FFFF meet ones in U+E000–U+FFFF (or the map keeps insertion order).
    if map
        .keys()
        .is_sorted_by(|a, b| utf16_cmp(a, b) != Ordering::Greater)
    {
        for (i, (key, value)) in map.iter().enumerate() {
            if i > 0 {
                sink.put(b",");
            }
            write_str(key, sink);
            sink.put(b":");
            write_value(value, sink, scratch)?;
        }
        sink.put(b"}");
        return Ok(());
    }
    let base = scratch.len();
    scratch.extend(map.iter().map(|(k, v)| (k.as_str(), v)));
    scratch[base..].sort_unstable_by(|a, b| utf16_cmp(a.0, b.0));
    for i in base..scratch.len() {
        let (key, value) = scratch[i];
        if i > base {
            sink.put(b",");
        }
        write_str(key, sink);
        sink.put(b":");
        write_value(value, sink, scratch)?;
    }
    scratch.truncate(base);
    sink.put(b"}");
    Ok(())
}

/// JCS orders keys by their UTF-16 code units. That is byte order for UTF-8 except where a
/// character above U+FFFF meets one in U+E000–U+FFFF, so the UTF-16 comparison runs only for
/// keys outside ASCII.
fn utf16_cmp(a: &str, b: &str) -> Ordering {
    if a.is_ascii() || b.is_ascii() {
        // An ASCII character sorts below every other in both orders.
        return a.as_bytes().cmp(b.as_bytes());
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

/// A JSON string with the escapes JCS prescribes: `"`, `\`, and control characters (`\b`, `\t`,
/// `\n`, `\f`, `\r` by name, the rest as `\u00xx`); everything else as it is.
fn write_str<S: Sink>(s: &str, sink: &mut S) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    sink.put(b"\"");
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0C => b"\\f",
            0x00..=0x1F => &[],
            _ => continue,
        };
        sink.put(&bytes[start..i]);
        if short.is_empty() {
            sink.put(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xF)],
            ]);
        } else {
            sink.put(short);
        }
        start = i + 1;
    }
    sink.put(&bytes[start..]);
    sink.put(b"\"");
}

/// Decimal digits of `i` (|i| ≤ 2^53) at the end of `buf`.
fn format_int(i: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut n = i.unsigned_abs();
    let mut pos = buf.len();
    loop {
        pos -= 1;
        buf[pos] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        pos -= 1;
        buf[pos] = b'-';
    }
    &buf[pos..]
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Number, Value};

    fn canonical(value: &Value) -> Result<String, serde_json::Error> {
        let mut out = Vec::new();
        super::write(value, &mut out)?;
        Ok(String::from_utf8(out).expect("canonical JSON is UTF-8"))
    }

    /// Characters where JCS is easy to get wrong: escapes, controls, DEL, the BMP's private use
    /// area and specials (which sort above surrogates in code points but below them in UTF-16),
    /// and characters above U+FFFF.
    fn tricky_char() -> impl Strategy<Value = char> {
        prop_oneof![
            4 => proptest::char::range('a', 'e'),
            1 => Just('"'),
            1 => Just('\\'),
            1 => Just('/'),
            2 => proptest::char::range('\0', '\u{1f}'),
            1 => Just('\u{7f}'),
            1 => proptest::char::range('\u{80}', '\u{7ff}'),
            2 => proptest::char::range('\u{e000}', '\u{ffff}'),
            2 => proptest::char::range('\u{10000}', '\u{10ffff}'),
            1 => any::<char>(),
        ]
    }

    fn tricky_string() -> impl Strategy<Value = String> {
        proptest::collection::vec(tricky_char(), 0..8).prop_map(|c| c.into_iter().collect())
    }

    fn number() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-(1i64 << 53)..=(1i64 << 53)).prop_map(Value::from),
            any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
            prop_oneof![
                Just("1.0"),
                Just("-0"),
                Just("-0.0"),
                Just("1e2"),
                Just("0.000001"),
                Just("1e-7"),
                Just("1e21"),
                Just("123456789012345678901234567890"),
                Just("9007199254740993"),
                Just("-9007199254740993"),
                Just("4.5e15"),
                Just("5e-324"),
                Just("1.7976931348623157e308"),
            ]
            .prop_map(|s| serde_json::from_str::<Value>(s).expect("number literal parses")),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            number(),
            tricky_string().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::vec((tricky_string(), inner), 0..8)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn output_is_byte_identical_to_serde_json_canonicalizer(v in value()) {
            let ours = canonical(&v).map_err(|e| e.to_string());
            let theirs = serde_json_canonicalizer::to_string(&v).map_err(|e| e.to_string());
            prop_assert_eq!(ours, theirs);
        }

        #[test]
        fn hash_sink_equals_hashing_the_whole_output(v in value(), pad in 0usize..5000) {
            use sha2::{Digest, Sha256};
            // Long strings cross the sink's buffer boundary at every offset.
            let v = Value::Array(vec![Value::String("x".repeat(pad)), v]);
            let mut sink = super::HashSink::new();
            super::write(&v, &mut sink).unwrap();
            let whole: [u8; 32] = Sha256::digest(canonical(&v).unwrap().as_bytes()).into();
            prop_assert_eq!(sink.finish(), whole);
        }
    }

    #[test]
    fn keys_sort_by_utf16_code_units() {
        // U+FF61 is above U+10000's surrogate pair (D800 DC00) in code points, below in UTF-16.
        let v: Value =
            serde_json::from_str("{\"\u{ff61}\": 1, \"\u{10000}\": 2, \"a\": 3, \"\": 4}").unwrap();
        assert_eq!(
            canonical(&v).unwrap(),
            "{\"\":4,\"a\":3,\"\u{10000}\":2,\"\u{ff61}\":1}"
        );
        assert_eq!(
            canonical(&v).unwrap(),
            serde_json_canonicalizer::to_string(&v).unwrap()
        );
    }
}
