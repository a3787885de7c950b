//! The stateless MCP revision (2026-07-28) as the gateway meets it: no `initialize`, the protocol
//! version and the client's capabilities in `params._meta` of every request, `server/discover`
//! for what `initialize` used to return, and multi round-trip requests (SEP-2322) instead of
//! requests from the server to the client: a result `{"resultType": "input_required",
//! "inputRequests": {KEY: {method, params}}, "requestState": "…"}` that the client answers by
//! sending the same request again with `inputResponses: {KEY: result}` and the `requestState`.
//!
//! Field names follow the 2026-07-28 schema (`schema/2026-07-28/schema.ts` of the
//! specification repository: `InputRequiredResult`, `InputResponseRequestParams`,
//! `RequestMetaObject`, `DiscoverResult`). Everything here reads or builds JSON; the session
//! decides what to do with it.

use std::collections::BTreeMap;

use mcpward_inspect::ServerInfoPin;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use crate::request_state::StateClaims;

/// `_meta` key of the protocol version a 2026-07-28 request is made under.
pub(super) const PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
/// `_meta` key of the client's capabilities for this one request.
pub(super) const CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// `_meta` key of a result's server identity (`server/discover` carries it).
pub(super) const SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";

/// What a request's `_meta` says about the client. A 2025 request has neither field.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct RequestMeta {
    /// The protocol version the request is made under.
    pub(super) protocol_version: Option<String>,
    /// The client's capabilities for this request.
    pub(super) capabilities: Option<Value>,
}

impl RequestMeta {
    /// Reads `params._meta`; a request without it (or with a malformed one) is a 2025 request.
    pub(super) fn of(params: Option<&RawValue>) -> RequestMeta {
        #[derive(Deserialize)]
        struct Params<'a> {
            #[serde(borrow, rename = "_meta")]
            meta: Option<&'a RawValue>,
        }
        #[derive(Deserialize)]
        struct Meta {
            #[serde(rename = "io.modelcontextprotocol/protocolVersion")]
            protocol_version: Option<String>,
            #[serde(rename = "io.modelcontextprotocol/clientCapabilities")]
            capabilities: Option<Value>,
        }
        let Some(meta) = params
            .and_then(|p| serde_json::from_str::<Params<'_>>(p.get()).ok())
            .and_then(|p| p.meta)
            .and_then(|m| serde_json::from_str::<Meta>(m.get()).ok())
        else {
            return RequestMeta::default();
        };
        RequestMeta {
            protocol_version: meta.protocol_version,
            capabilities: meta.capabilities.filter(Value::is_object),
        }
    }

    /// Whether the request is made under the stateless revision.
    pub(super) fn is_stateless(&self) -> bool {
        self.protocol_version.is_some()
    }

    /// Whether the client can show a form on this request: `elicitation` declared, and either
    /// empty (form mode implied) or naming `form`. A client that declared only `url` cannot
    /// show an approve/deny form.
    pub(super) fn elicits_forms(&self) -> bool {
        match self
            .capabilities
            .as_ref()
            .and_then(|c| c.get("elicitation"))
        {
            Some(Value::Object(modes)) => modes.is_empty() || modes.contains_key("form"),
            _ => false,
        }
    }

    /// `_meta` for mcpward's own requests to the server on this client's behalf (its
    /// `tools/list` for pins): the same protocol version and capabilities, so the server lists
    /// what it lists to the client.
    pub(super) fn for_own_request(&self) -> Value {
        json!({
            PROTOCOL_VERSION: self.protocol_version,
            CLIENT_CAPABILITIES: self.capabilities.clone().unwrap_or_else(|| json!({})),
        })
    }
}

/// The multi round-trip fields of a retried request.
#[derive(Debug, Default)]
pub(super) struct RetryFields {
    /// `params.requestState`.
    pub(super) request_state: Option<String>,
    /// `params.inputResponses`.
    pub(super) input_responses: Option<Value>,
}

impl RetryFields {
    pub(super) fn of(params: Option<&RawValue>) -> RetryFields {
        #[derive(Deserialize)]
        struct Params {
            #[serde(rename = "requestState")]
            request_state: Option<Value>,
            #[serde(rename = "inputResponses")]
            input_responses: Option<Value>,
        }
        let Some(p) = params.and_then(|p| serde_json::from_str::<Params>(p.get()).ok()) else {
            return RetryFields::default();
        };
        RetryFields {
            request_state: match p.request_state {
                Some(Value::String(s)) => Some(s),
                _ => None,
            },
            input_responses: p.input_responses.filter(Value::is_object),
        }
    }
}

/// The `input_required` result that asks the person about a call: one form elicitation under
/// `question`, and mcpward's sealed `state`.
pub(super) fn approval_question(question: &str, elicitation: Value, state: &str) -> Value {
    let mut requests = Map::new();
    requests.insert(
        question.to_owned(),
        json!({"method": "elicitation/create", "params": elicitation}),
    );
    json!({
        "resultType": "input_required",
        "inputRequests": requests,
        "requestState": state,
    })
}

/// The retried frame as the server must see it: mcpward's `requestState` and its answer taken
/// out, and the server's own state and answers from the first round (kept in mcpward's state)
/// put back. Every other member (the arguments above all) is forwarded as the client wrote it.
/// `None` when the frame cannot be read as a request with params.
pub(super) fn frame_for_server(frame: &[u8], claims: &StateClaims) -> Option<Vec<u8>> {
    type Members = BTreeMap<String, Box<RawValue>>;
    #[derive(Deserialize, Serialize)]
    struct Request {
        jsonrpc: Box<RawValue>,
        id: Box<RawValue>,
        method: Box<RawValue>,
        params: Members,
    }
    let mut msg: Request = serde_json::from_slice(frame).ok()?;
    let params = &mut msg.params;
    params.remove("requestState");
    if let Some(state) = &claims.server_state {
        params.insert(
            "requestState".into(),
            serde_json::value::to_raw_value(state).ok()?,
        );
    }
    let mut responses: Members = match params.remove("inputResponses") {
        Some(raw) => serde_json::from_str(raw.get()).ok()?,
        None => Members::new(),
    };
    responses.remove(&claims.question);
    if let Some(Value::Object(earlier)) = &claims.server_responses {
        for (k, v) in earlier {
            if !responses.contains_key(k) {
                responses.insert(k.clone(), serde_json::value::to_raw_value(v).ok()?);
            }
        }
    }
    if !responses.is_empty() {
        params.insert(
            "inputResponses".into(),
            serde_json::value::to_raw_value(&responses).ok()?,
        );
    }
    serde_json::to_vec(&msg)
        .ok()
        .map(crate::frame::escape_unicode_line_ends)
}

/// The server's identity from an `initialize` result: `serverInfo` and `protocolVersion`.
pub(super) fn identity_from_initialize(result: &str) -> Option<(ServerInfoPin, Option<String>)> {
    #[derive(Deserialize)]
    struct Init {
        #[serde(rename = "serverInfo")]
        server_info: Option<Value>,
        #[serde(rename = "protocolVersion")]
        protocol_version: Option<String>,
    }
    let init: Init = serde_json::from_str(result).ok()?;
    Some((info_pin(init.server_info.as_ref()?), init.protocol_version))
}

/// The server's identity from a `server/discover` result: `_meta[SERVER_INFO]`, and the version
/// the client asked under when the server supports it (else the server's first).
pub(super) fn identity_from_discover(
    result: &str,
    requested: Option<&str>,
) -> Option<(ServerInfoPin, Option<String>)> {
    #[derive(Deserialize)]
    struct Discover {
        #[serde(rename = "_meta")]
        meta: Option<Map<String, Value>>,
        #[serde(default, rename = "supportedVersions")]
        supported: Vec<Value>,
    }
    let d: Discover = serde_json::from_str(result).ok()?;
    let info = d.meta.as_ref().and_then(|m| m.get(SERVER_INFO))?;
    let supported: Vec<&str> = d.supported.iter().filter_map(Value::as_str).collect();
    let protocol = match requested {
        Some(v) if supported.contains(&v) => Some(v.to_owned()),
        _ => supported.first().map(|v| (*v).to_owned()),
    };
    Some((info_pin(info), protocol))
}

fn info_pin(info: &Value) -> ServerInfoPin {
    let field = |k: &str| info.get(k).and_then(Value::as_str).unwrap_or_default();
    ServerInfoPin {
        name: field("name").to_owned(),
        version: field("version").to_owned(),
    }
}

/// The input requests of an `input_required` result from the server, as (key, method). Empty
/// for any other result; cheap for them (no parse unless the text names the result type).
pub(super) fn server_input_requests(result: &str) -> Vec<(String, String)> {
    // The client decodes escapes: `input\u005frequired` is `input_required` to it. Without
    // either spelling in the bytes, no member can carry the value.
    if !result.contains("input_required") && !result.contains("\\u") {
        return Vec::new();
    }
    #[derive(Deserialize)]
    struct Result {
        #[serde(rename = "resultType")]
        result_type: Option<String>,
        #[serde(default, rename = "inputRequests")]
        input_requests: Map<String, Value>,
    }
    match serde_json::from_str::<Result>(result) {
        Ok(r) if r.result_type.as_deref() == Some("input_required") => r
            .input_requests
            .into_iter()
            .map(|(key, req)| {
                let method = req
                    .get("method")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                (key, method)
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(v: Value) -> Box<RawValue> {
        RawValue::from_string(v.to_string()).unwrap()
    }

    #[test]
    fn meta_is_read_per_request_and_a_2025_request_has_none() {
        let p = raw(json!({"name": "t", "_meta": {
            PROTOCOL_VERSION: "2026-07-28",
            CLIENT_CAPABILITIES: {"elicitation": {}}
        }}));
        let meta = RequestMeta::of(Some(&p));
        assert!(meta.is_stateless() && meta.elicits_forms());
        let old = raw(json!({"name": "t", "_meta": {"progressToken": 1}}));
        assert_eq!(RequestMeta::of(Some(&old)), RequestMeta::default());
        assert!(!RequestMeta::of(None).is_stateless());
    }

    #[test]
    fn only_form_elicitation_can_ask_for_approval() {
        let with = |caps: Value| RequestMeta {
            protocol_version: Some("2026-07-28".into()),
            capabilities: Some(caps),
        };
        assert!(with(json!({"elicitation": {"form": {}}})).elicits_forms());
        assert!(with(json!({"elicitation": {"form": {}, "url": {}}})).elicits_forms());
        assert!(!with(json!({"elicitation": {"url": {}}})).elicits_forms());
        assert!(!with(json!({"sampling": {}})).elicits_forms());
        assert!(!with(json!({"elicitation": true})).elicits_forms());
    }

    #[test]
    fn own_requests_carry_the_clients_version_and_capabilities() {
        let meta = RequestMeta {
            protocol_version: Some("2026-07-28".into()),
            capabilities: None,
        };
        assert_eq!(
            meta.for_own_request(),
            json!({PROTOCOL_VERSION: "2026-07-28", CLIENT_CAPABILITIES: {}})
        );
    }

    fn claims(server_state: Option<&str>, server_responses: Option<Value>) -> StateClaims {
        StateClaims {
            id: "aa".into(),
            server: "s".into(),
            launch: "l".into(),
            tool: "t".into(),
            arguments: "sha256:x".into(),
            rule: "r".into(),
            question: "mcpward-approval-aa".into(),
            expires: 0,
            server_state: server_state.map(str::to_owned),
            server_responses,
        }
    }

    #[test]
    fn the_retry_reaches_the_server_without_mcpwards_state_or_answer() {
        let frame = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
            "name": "t", "arguments": {"a": 1},
            "requestState": "mcpward-rs1.00.00",
            "inputResponses": {"mcpward-approval-aa": {"action": "accept"}}
        }});
        let out = frame_for_server(frame.to_string().as_bytes(), &claims(None, None)).unwrap();
        let out: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            out["params"],
            json!({"name": "t", "arguments": {"a": 1}}),
            "{out}"
        );
    }

    #[test]
    fn the_arguments_reach_the_server_as_the_client_wrote_them() {
        let frame = br#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"t","arguments":{"n":12345678901234567890123,"s":"caf\u00e9"},"requestState":"mcpward-rs1.00.00","inputResponses":{"mcpward-approval-aa":{"action":"accept"}}}}"#;
        let out = frame_for_server(frame, &claims(None, None)).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.contains(r#""arguments":{"n":12345678901234567890123,"s":"caf\u00e9"}"#),
            "{out}"
        );
        assert!(!out.contains("mcpward"), "{out}");
    }

    #[test]
    fn the_servers_own_state_and_answers_are_given_back() {
        let frame = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
            "name": "t",
            "requestState": "mcpward-rs1.00.00",
            "inputResponses": {"mcpward-approval-aa": {"action": "accept"}}
        }});
        let c = claims(
            Some("server-state-1"),
            Some(json!({"confirm": {"action": "accept", "content": {"ok": true}}})),
        );
        let out = frame_for_server(frame.to_string().as_bytes(), &c).unwrap();
        let out: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(out["params"]["requestState"], "server-state-1");
        assert_eq!(
            out["params"]["inputResponses"],
            json!({"confirm": {"action": "accept", "content": {"ok": true}}})
        );
    }

    #[test]
    fn discover_and_initialize_give_the_same_identity() {
        let init = json!({"protocolVersion": "2025-11-25",
            "serverInfo": {"name": "notes", "version": "1.2.0"}, "capabilities": {}});
        let discover = json!({"resultType": "complete", "supportedVersions": ["2026-07-28"],
            "capabilities": {}, "_meta": {SERVER_INFO: {"name": "notes", "version": "1.2.0"}}});
        let (a, pa) = identity_from_initialize(&init.to_string()).unwrap();
        let (b, pb) = identity_from_discover(&discover.to_string(), Some("2026-07-28")).unwrap();
        assert_eq!(a, b);
        assert_eq!(pa.as_deref(), Some("2025-11-25"));
        assert_eq!(pb.as_deref(), Some("2026-07-28"));
    }

    #[test]
    fn input_requests_of_a_server_result_are_listed() {
        let r = json!({"resultType": "input_required", "inputRequests": {
            "ask": {"method": "sampling/createMessage", "params": {}},
            "where": {"method": "roots/list"}
        }, "requestState": "x"});
        let mut got = server_input_requests(&r.to_string());
        got.sort();
        assert_eq!(
            got,
            [
                ("ask".to_owned(), "sampling/createMessage".to_owned()),
                ("where".to_owned(), "roots/list".to_owned())
            ]
        );
        assert!(server_input_requests(&json!({"content": []}).to_string()).is_empty());
    }

    #[test]
    fn input_required_spelled_with_escapes_is_still_read_as_the_client_reads_it() {
        let r = r#"{"resultType":"input\u005frequired","inputRequests":{"ask":{"method":"sampling\/createMessage"}},"requestState":"x"}"#;
        assert_eq!(
            server_input_requests(r),
            [("ask".to_owned(), "sampling/createMessage".to_owned())]
        );
    }
}
