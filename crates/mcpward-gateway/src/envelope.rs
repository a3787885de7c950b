//! The JSON-RPC envelope: the few fields the gateway must read to route and decide.
//!
//! Only `jsonrpc`, `id`, `method`, `params`, `result` and `error` are looked at; everything else
//! stays inside the original bytes, which are what gets forwarded. Parsing borrows from the frame
//! so an unchanged message is never copied or re-serialised.
//!
//! A frame is rejected (and never forwarded) when it is not UTF-8, not JSON, has a duplicate key
//! at any depth (two parsers could disagree on which value counts, which is how policy checks get
//! bypassed), or is not a well-formed JSON-RPC 2.0 request, notification or response.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// Why a frame was rejected. The message is sent back to the peer inside a JSON-RPC error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// The bytes are not UTF-8.
    #[error("frame is not valid UTF-8 (byte {offset}); JSON-RPC over stdio must be UTF-8 text")]
    NotUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// The text is not JSON (or nests deeper than the parser's limit).
    #[error("frame is not valid JSON: {0}")]
    NotJson(String),
    /// The same key appears twice in one object.
    #[error("frame has a duplicate key `{0}`; each key may appear once per object")]
    DuplicateKey(String),
    /// JSON, but not a JSON-RPC 2.0 message.
    #[error("frame is not a JSON-RPC 2.0 message: {0}")]
    NotJsonRpc(&'static str),
}

impl EnvelopeError {
    /// JSON-RPC error code: -32700 for bytes that are not JSON, -32600 for the rest.
    pub fn code(&self) -> i64 {
        match self {
            EnvelopeError::NotUtf8 { .. } | EnvelopeError::NotJson(_) => -32700,
            EnvelopeError::DuplicateKey(_) | EnvelopeError::NotJsonRpc(_) => -32600,
        }
    }
}

/// A request or response id, as its JSON text (`7`, `"abc"`), used as a map key.
///
/// A number is kept as the double a JavaScript peer reads (no allocation); a string as its JSON
/// text. Responses echo the request's raw id, never this key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdKey(Key);

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    /// The bits of the IEEE double, `-0` read as `0` (JSON has no NaN).
    Number(u64),
    /// JSON-quoted text, escapes decoded and written as `serde_json` does.
    Text(Box<str>),
}

impl IdKey {
    /// The id from its raw JSON text. A string written with escapes is keyed by its value
    /// (`"a\u0062"` and `"ab"` are the same id to every peer, so they must be to the gateway too).
    ///
    /// A number is keyed by the value a JavaScript peer reads (an IEEE double): servers built on
    /// the TypeScript SDK answer `1.0` as `1` and `-0` as `0`, and integers past 2^53 collapse
    /// together, so ids that are equal to such a peer are equal here too, and a response can
    /// never be matched to a different request than the one the server answered.
    pub fn from_raw(raw: &RawValue) -> IdKey {
        let text = raw.get().trim();
        if text.starts_with('"') {
            if text.contains('\\')
                && let Ok(value) = serde_json::from_str::<String>(text)
            {
                return IdKey::string(&value);
            }
        } else if text.starts_with(|c: char| c == '-' || c.is_ascii_digit())
            && let Ok(n) = text.parse::<f64>()
        {
            let n = if n == 0.0 { 0.0 } else { n };
            return IdKey(Key::Number(n.to_bits()));
        }
        IdKey(Key::Text(text.into()))
    }

    /// A string id, JSON-quoted.
    pub fn string(s: &str) -> IdKey {
        IdKey(Key::Text(serde_json::Value::from(s).to_string().into()))
    }

    /// The JSON text of the id (a number as the shortest text that reads back as its double).
    pub fn to_json(&self) -> Cow<'_, str> {
        match &self.0 {
            Key::Number(bits) => Cow::Owned(format!("{}", f64::from_bits(*bits))),
            Key::Text(text) => Cow::Borrowed(text),
        }
    }
}

impl fmt::Display for IdKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            // `{}` prints the shortest text that reads back as the same double.
            Key::Number(bits) => write!(f, "{}", f64::from_bits(*bits)),
            Key::Text(text) => f.write_str(text),
        }
    }
}

/// What kind of JSON-RPC message a frame holds.
#[derive(Debug, Clone, Copy)]
pub enum Message<'a> {
    /// Has a method and an id: the peer expects a response.
    Request {
        /// Raw id.
        id: &'a RawValue,
        /// Method name.
        method: &'a str,
        /// Raw params, when present.
        params: Option<&'a RawValue>,
    },
    /// Has a method and no id.
    Notification {
        /// Method name.
        method: &'a str,
        /// Raw params, when present.
        params: Option<&'a RawValue>,
    },
    /// Has `result` or `error` and an id (`null` only for errors about unreadable requests).
    Response {
        /// Raw id (may be the JSON `null`).
        id: &'a RawValue,
        /// `Ok(result)` or `Err(error)`, both raw.
        outcome: Result<&'a RawValue, &'a RawValue>,
    },
}

/// A parsed frame: the message plus the text it came from.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    /// The whole frame as text (without the line terminator).
    pub text: &'a str,
    /// The envelope fields.
    pub message: Message<'a>,
}

impl<'a> Envelope<'a> {
    /// Method name for requests and notifications.
    pub fn method(&self) -> Option<&'a str> {
        match self.message {
            Message::Request { method, .. } | Message::Notification { method, .. } => Some(method),
            Message::Response { .. } => None,
        }
    }
}

/// The id of a frame that failed to parse, when it can still be recovered, so the error
/// response can name it. Returns `None` (answer with id `null`) for anything unclear.
pub fn salvage_id(frame: &[u8]) -> Option<Box<RawValue>> {
    #[derive(Deserialize)]
    struct IdOnly<'a> {
        #[serde(borrow)]
        id: Option<&'a RawValue>,
    }
    // Lossy: a frame rejected for one bad byte inside a string still names its id.
    let text = String::from_utf8_lossy(frame);
    let parsed: IdOnly<'_> = serde_json::from_str(&text).ok()?;
    let id = parsed.id?;
    let first = id.get().trim_start().as_bytes().first().copied();
    match first {
        Some(b'"' | b'-' | b'0'..=b'9') => Some(id.to_owned()),
        _ => None,
    }
}

/// The id of a frame of which only the first bytes are known (an oversized frame), when the
/// `id` member comes before anything the prefix cuts off. Serialisers write `jsonrpc` and `id`
/// first, so this usually finds it.
pub fn salvage_id_from_prefix(prefix: &[u8]) -> Option<Box<RawValue>> {
    /// Stores the id and stops: the rest of the frame is missing, so the parse has to end in an
    /// error either way.
    struct IdFirst<'s>(&'s mut Option<Box<RawValue>>);
    impl<'de> Visitor<'de> for IdFirst<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON-RPC object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<CowKey<'de>>()? {
                if key.0 == "id" {
                    *self.0 = Some(map.next_value::<Box<RawValue>>()?);
                    return Err(de::Error::custom("id found"));
                }
                map.next_value::<de::IgnoredAny>()?;
            }
            Ok(())
        }
    }
    let mut found = None;
    let mut de = serde_json::Deserializer::from_slice(prefix);
    let _ = de.deserialize_map(IdFirst(&mut found));
    let id = found?;
    let first = id.get().trim_start().as_bytes().first().copied();
    match first {
        Some(b'"' | b'-' | b'0'..=b'9') if is_valid_id(&id, false) => Some(id),
        _ => None,
    }
}

#[derive(Deserialize)]
struct RawEnvelope<'a> {
    #[serde(borrow, default)]
    jsonrpc: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "raw_keep_null")]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    method: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "raw_keep_null")]
    params: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "raw_keep_null")]
    result: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "raw_keep_null")]
    error: Option<&'a RawValue>,
}

/// `Option<&RawValue>` would turn an explicit `null` into `None`; ids and results need to keep it.
fn raw_keep_null<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

/// Parses and validates one frame (without its line terminator).
pub fn parse(frame: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    let text = std::str::from_utf8(frame).map_err(|e| EnvelopeError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    check_unique_keys(text)?;
    let trimmed = text.trim_start();
    if !trimmed.starts_with('{') {
        return Err(EnvelopeError::NotJsonRpc(
            "expected one JSON object per line (batches are not part of MCP)",
        ));
    }
    let raw: RawEnvelope<'_> =
        serde_json::from_str(text).map_err(|e| EnvelopeError::NotJson(e.to_string()))?;
    // Compared as written: `"2.0"` is what every peer sends, and an escaped spelling is refused.
    if raw.jsonrpc.map(|v| v.get().trim()) != Some("\"2.0\"") {
        return Err(EnvelopeError::NotJsonRpc("`jsonrpc` must be \"2.0\""));
    }
    let message = match (raw.method, raw.id) {
        (Some(method), id) => {
            if raw.result.is_some() || raw.error.is_some() {
                return Err(EnvelopeError::NotJsonRpc(
                    "a message has either `method` or `result`/`error`, not both",
                ));
            }
            let method = raw_str(method).ok_or(EnvelopeError::NotJsonRpc(
                "`method` must be a string without escapes",
            ))?;
            if let Some(params) = raw.params {
                let first = params.get().trim_start().as_bytes().first().copied();
                if !matches!(first, Some(b'{' | b'[')) {
                    return Err(EnvelopeError::NotJsonRpc(
                        "`params` must be an object or array",
                    ));
                }
            }
            match id {
                Some(id) => {
                    if !is_valid_id(id, false) {
                        return Err(EnvelopeError::NotJsonRpc(
                            "`id` must be a string or an integer",
                        ));
                    }
                    Message::Request {
                        id,
                        method,
                        params: raw.params,
                    }
                }
                None => Message::Notification {
                    method,
                    params: raw.params,
                },
            }
        }
        (None, Some(id)) => {
            let outcome = match (raw.result, raw.error) {
                (Some(result), None) => Ok(result),
                (None, Some(error)) => Err(error),
                _ => {
                    return Err(EnvelopeError::NotJsonRpc(
                        "a response has exactly one of `result` and `error`",
                    ));
                }
            };
            if !is_valid_id(id, outcome.is_err()) {
                return Err(EnvelopeError::NotJsonRpc(
                    "`id` must be a string or an integer",
                ));
            }
            Message::Response { id, outcome }
        }
        (None, None) => {
            return Err(EnvelopeError::NotJsonRpc(
                "neither `method` nor `id`: not a request, notification or response",
            ));
        }
    };
    Ok(Envelope { text, message })
}

/// A JSON string without escapes, borrowed. Method names never need escapes; refusing them keeps
/// the policy's view of the name identical to the server's.
fn raw_str(raw: &RawValue) -> Option<&str> {
    let s = raw.get().trim();
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains(['\\', '"']) {
        return None;
    }
    Some(inner)
}

fn is_valid_id(id: &RawValue, allow_null: bool) -> bool {
    let s = id.get().trim();
    match s.as_bytes().first() {
        Some(b'"') => true,
        Some(b'-' | b'0'..=b'9') => !s.contains(['.', 'e', 'E']),
        Some(b'n') => allow_null && s == "null",
        _ => false,
    }
}

/// Walks the whole document once, failing on the first object with a repeated key.
fn check_unique_keys(text: &str) -> Result<(), EnvelopeError> {
    let mut de = serde_json::Deserializer::from_str(text);
    match UniqueKeys::deserialize(&mut de).and_then(|_| de.end()) {
        Ok(()) => Ok(()),
        Err(e) => {
            let msg = e.to_string();
            match msg.strip_prefix(DUPLICATE_PREFIX) {
                Some(rest) => {
                    let key = rest.split(" at line ").next().unwrap_or(rest);
                    Err(EnvelopeError::DuplicateKey(key.to_owned()))
                }
                None => Err(EnvelopeError::NotJson(msg)),
            }
        }
    }
}

const DUPLICATE_PREFIX: &str = "mcpward-duplicate-key:";

struct UniqueKeys;

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = UniqueKeys;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_i64<E>(self, _: i64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_u64<E>(self, _: u64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_f64<E>(self, _: f64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_str<E>(self, _: &str) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_unit<E>(self) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<UniqueKeys, A::Error> {
        while seq.next_element::<UniqueKeys>()?.is_some() {}
        Ok(UniqueKeys)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UniqueKeys, A::Error> {
        // Small objects (the common case) compare linearly in an array on the stack; large ones
        // switch to a set.
        const SMALL: usize = 16;
        let mut small: [Cow<'de, str>; SMALL] = Default::default();
        let mut seen = 0usize;
        let mut large: Option<HashSet<Cow<'de, str>>> = None;
        while let Some(key) = map.next_key::<CowKey<'de>>()? {
            let key = key.0;
            let dup = match &mut large {
                Some(set) => !set.insert(key.clone()),
                None if seen < SMALL => {
                    let dup = small[..seen].contains(&key);
                    small[seen] = key.clone();
                    seen += 1;
                    dup
                }
                None => {
                    let mut set: HashSet<Cow<'de, str>> = small.iter().cloned().collect();
                    let dup = !set.insert(key.clone());
                    large = Some(set);
                    dup
                }
            };
            if dup {
                return Err(de::Error::custom(format_args!("{DUPLICATE_PREFIX}{key}")));
            }
            map.next_value::<UniqueKeys>()?;
        }
        Ok(UniqueKeys)
    }
}

/// A map key, borrowed when it has no escapes.
struct CowKey<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for CowKey<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CowKey<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<CowKey<'de>, E> {
                Ok(CowKey(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<CowKey<'de>, E> {
                Ok(CowKey(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// `params` of a `tools/call` request: the tool name and its arguments.
#[derive(Debug, Deserialize)]
pub struct ToolCallParams<'a> {
    /// Tool name.
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    /// Arguments, raw.
    #[serde(borrow, default)]
    pub arguments: Option<&'a RawValue>,
}

/// Builds a JSON-RPC error response. `id` is the raw id (or `None` for `null`).
pub fn error_response(
    id: Option<&RawValue>,
    code: i64,
    message: &str,
    data: Option<&serde_json::Value>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(96 + message.len());
    out.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"id\":");
    out.extend_from_slice(id.map_or("null", |r| r.get().trim()).as_bytes());
    out.extend_from_slice(b",\"error\":{\"code\":");
    out.extend_from_slice(code.to_string().as_bytes());
    out.extend_from_slice(b",\"message\":");
    out.extend_from_slice(serde_json::Value::from(message).to_string().as_bytes());
    if let Some(data) = data {
        out.extend_from_slice(b",\"data\":");
        out.extend_from_slice(data.to_string().as_bytes());
    }
    out.extend_from_slice(b"}}");
    one_line(out)
}

/// Builds a JSON-RPC result response around an already-serialised result.
pub fn result_response(id: &RawValue, result: &serde_json::Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"id\":");
    out.extend_from_slice(id.get().trim().as_bytes());
    out.extend_from_slice(b",\"result\":");
    out.extend_from_slice(result.to_string().as_bytes());
    out.push(b'}');
    one_line(out)
}

/// A notification mcpward sends on its own.
pub fn notification(method: &str, params: &serde_json::Value) -> Vec<u8> {
    one_line(
        serde_json::to_vec(
            &serde_json::json!({"jsonrpc": "2.0", "method": method, "params": params}),
        )
        .unwrap_or_default(),
    )
}

/// Builds a JSON-RPC request.
pub fn request(id: &IdKey, method: &str, params: &serde_json::Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"id\":");
    out.extend_from_slice(id.to_json().as_bytes());
    out.extend_from_slice(b",\"method\":");
    out.extend_from_slice(serde_json::Value::from(method).to_string().as_bytes());
    out.extend_from_slice(b",\"params\":");
    out.extend_from_slice(params.to_string().as_bytes());
    out.push(b'}');
    one_line(out)
}

/// serde_json writes U+2028, U+2029 and U+0085 raw: frames mcpward builds leave with them
/// escaped, one line to every reader ([`crate::frame::escape_unicode_line_ends`]).
fn one_line(frame: Vec<u8>) -> Vec<u8> {
    crate::frame::escape_unicode_line_ends(frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_request_and_keeps_raw_id() {
        let f = br#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"x"}}"#;
        let env = parse(f).unwrap();
        match env.message {
            Message::Request { id, method, params } => {
                assert_eq!(id.get(), "7");
                assert_eq!(method, "tools/call");
                assert!(params.is_some());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parses_error_response_with_null_id() {
        let f = br#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}"#;
        assert!(matches!(
            parse(f).unwrap().message,
            Message::Response {
                outcome: Err(_),
                ..
            }
        ));
    }

    #[test]
    fn rejects_duplicate_top_level_key() {
        let f = br#"{"jsonrpc":"2.0","id":1,"method":"a","method":"b"}"#;
        assert_eq!(
            parse(f).unwrap_err(),
            EnvelopeError::DuplicateKey("method".into())
        );
    }

    #[test]
    fn rejects_duplicate_key_nested_in_arguments() {
        let f = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"w","arguments":{"path":"a","path":"/etc/passwd"}}}"#;
        assert_eq!(
            parse(f).unwrap_err(),
            EnvelopeError::DuplicateKey("path".into())
        );
    }

    #[test]
    fn rejects_duplicate_key_written_with_escape() {
        let f = br#"{"jsonrpc":"2.0","id":1,"method":"a","params":{"k":1,"\u006b":2}}"#;
        assert!(matches!(parse(f), Err(EnvelopeError::DuplicateKey(_))));
    }

    #[test]
    fn rejects_invalid_utf8() {
        let f = b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\"}";
        assert!(matches!(parse(f), Err(EnvelopeError::NotUtf8 { .. })));
    }

    #[test]
    fn rejects_batches_and_wrong_version() {
        assert!(parse(br#"[{"jsonrpc":"2.0","id":1,"method":"a"}]"#).is_err());
        assert!(parse(br#"{"jsonrpc":"1.0","id":1,"method":"a"}"#).is_err());
        assert!(parse(br#"{"jsonrpc":"2.0","id":1.5,"method":"a"}"#).is_err());
        assert!(parse(br#"{"jsonrpc":"2.0","id":1,"result":1,"error":{}}"#).is_err());
    }

    #[test]
    fn salvages_id_of_non_jsonrpc_frame() {
        let id = salvage_id(br#"{"jsonrpc":"1.0","id":"abc","method":"x"}"#).unwrap();
        assert_eq!(id.get(), "\"abc\"");
        assert!(salvage_id(b"not json").is_none());
    }

    #[test]
    fn numeric_ids_a_javascript_server_rewrites_are_the_same_id() {
        let key = |t: &str| IdKey::from_raw(&RawValue::from_string(t.to_owned()).unwrap());
        assert_eq!(key("1.0"), key("1"));
        assert_eq!(key("1e0"), key("1"));
        assert_eq!(key("-0"), key("0"));
        assert_eq!(key("9007199254740993"), key("9007199254740992"));
        assert_ne!(key("1.5"), key("1"));
        assert_ne!(key("\"1\""), key("1"));
        assert_eq!(key("1").to_json(), "1");
    }

    #[test]
    fn string_id_written_with_escapes_is_the_same_id() {
        let escaped = RawValue::from_string(r#""mcpward\u002dapproval-1""#.into()).unwrap();
        let plain = RawValue::from_string(r#""mcpward-approval-1""#.into()).unwrap();
        assert_eq!(IdKey::from_raw(&escaped), IdKey::from_raw(&plain));
        assert_eq!(IdKey::from_raw(&plain), IdKey::string("mcpward-approval-1"));
        let number = RawValue::from_string(" 7 ".into()).unwrap();
        assert_eq!(IdKey::from_raw(&number).to_json(), "7");
    }

    #[test]
    fn id_is_salvaged_from_the_start_of_a_cut_frame() {
        let id =
            salvage_id_from_prefix(br#"{"jsonrpc":"2.0","id":"r-7","result":{"content":[{"te"#);
        assert_eq!(id.unwrap().get(), "\"r-7\"");
        assert!(salvage_id_from_prefix(br#"{"jsonrpc":"2.0","result":{"a":1},"id":3"#).is_some());
        assert!(salvage_id_from_prefix(br#"{"jsonrpc":"2.0","result":{"cut"#).is_none());
        assert!(salvage_id_from_prefix(br#"{"id":{"x":1},"result":1"#).is_none());
        assert!(salvage_id_from_prefix(b"garbage").is_none());
    }

    #[test]
    fn error_response_escapes_message() {
        let id = RawValue::from_string("3".into()).unwrap();
        let bytes = error_response(Some(&id), -32600, "bad \"thing\"", None);
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["error"]["message"], "bad \"thing\"");
        assert_eq!(v["id"], 3);
    }
}
