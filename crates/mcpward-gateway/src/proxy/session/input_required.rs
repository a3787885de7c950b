//! The session's side of the 2026-07-28 revision: asking a person through an `input_required`
//! result, redeeming the retried call, and reading what the server's own multi round-trip
//! results and `server/discover` say.

use mcpward_policy::Action;
use serde_json::Value;
use serde_json::value::RawValue;

use super::{
    AskContext, Gateway, INPUT_REQUIRED_APPROVER, INVALID_PARAMS, Judged, MAX_ROOTS_QUESTIONS,
    Pending, PendingKind, Retried, event, micros,
};
use crate::approval::{self, ElicitAnswer};
use crate::chain::{self, Record};
use crate::envelope::{self, IdKey};
use crate::proxy::denial::{error_result, refusal_text};
use crate::proxy::stateless::{self, RetryFields};
use crate::request_state::{
    self, RequestStateError, RetriedCall, StateClaims, StateKey, UsedStates,
};

impl Gateway {
    /// Asks about a call in its answer: an `input_required` result with a form elicitation and
    /// a request state sealed for exactly this call. Nothing waits; the client calls again
    /// with the person's answer ([`Self::redeem`]).
    pub(super) async fn ask_input_required(&mut self, cx: AskContext) {
        let rule = cx.decision.rule_label();
        let mut rec = Record {
            server: self.server.clone(),
            method: "tools/call".into(),
            tool: Some(cx.tool.clone()),
            args_digest: Some(cx.digest.clone()),
            decision: "ask".into(),
            rule: Some(rule.clone()),
            approver: None,
            latency_us: Some(micros(cx.started)),
            detail: None,
        };
        let issued = self.issue_state(&cx, &rule);
        let (state, claims) = match issued {
            Ok(issued) => issued,
            Err(e) => {
                let why = format!(
                    "the client can only be asked with a request state, and mcpward could not make one ({e})"
                );
                rec.decision = "ask-denied".into();
                rec.detail = Some(why.clone());
                self.audit(rec, false).await;
                let text = refusal_text(&self.server, &cx.tool, &why);
                self.send_client(envelope::result_response(&cx.id, &error_result(&text)))
                    .await;
                return;
            }
        };
        let reason = format!("{} [{rule}]", cx.decision.reason);
        let form = approval::elicitation_params(&self.server, &cx.tool, &cx.masked, &reason);
        let result = stateless::approval_question(&claims.question, form, &state);
        rec.detail = Some(format!(
            "asked the client via an input_required result (elicitation {}, request state {})",
            claims.question, claims.id
        ));
        self.audit(rec, false).await;
        self.send_client(envelope::result_response(&cx.id, &result))
            .await;
    }

    fn issue_state(
        &mut self,
        cx: &AskContext,
        rule: &str,
    ) -> Result<(String, StateClaims), RequestStateError> {
        let (key, _) = self.request_states()?;
        let arguments = arguments_digest(&cx.args)?;
        let id = request_state::new_id()?;
        let claims = StateClaims {
            question: format!("mcpward-approval-{}", &id[..12.min(id.len())]),
            id,
            server: self.server.clone(),
            launch: self.launch.clone(),
            tool: cx.tool.clone(),
            arguments,
            rule: rule.to_owned(),
            expires: request_state::now_secs().saturating_add(self.approval_timeout.as_secs()),
            server_state: cx.retry.request_state.clone(),
            server_responses: cx.retry.input_responses.clone(),
        };
        Ok((request_state::seal(&key, &claims), claims))
    }

    /// The key and the record of used states, loaded once per session (old markers are swept
    /// then).
    fn request_states(&mut self) -> Result<(StateKey, UsedStates), RequestStateError> {
        if let Some((key, used)) = &self.request_states {
            return Ok((key.clone(), used.clone()));
        }
        let key = StateKey::load_or_create(&self.state_dir)?;
        let used = UsedStates::open(&self.state_dir)?;
        used.sweep(request_state::now_secs());
        self.request_states = Some((key.clone(), used.clone()));
        Ok((key, used))
    }

    /// A call retried with mcpward's request state: the state must be genuine, unexpired,
    /// unused and issued for this very call, and the answer an approval; then the call is
    /// judged again and, if nothing changed, forwarded without what mcpward added.
    pub(super) async fn redeem(&mut self, retried: Retried) {
        let Retried {
            id,
            frame,
            tool,
            args,
            state,
            responses,
            started,
        } = retried;
        let masked = approval::mask_arguments(&args, &self.redactor);
        let digest = chain::args_digest(&masked);
        let mut rec = Record {
            server: self.server.clone(),
            method: "tools/call".into(),
            tool: Some(tool.clone()),
            args_digest: Some(digest),
            decision: "ask-denied".into(),
            rule: None,
            approver: None,
            latency_us: Some(micros(started)),
            detail: None,
        };
        let (claims, answer) = match self.open_state(&tool, &args, &state, responses.as_ref()) {
            Ok(opened) => opened,
            Err(e) => {
                let why = format!("{e}; nothing was run, call the tool again to be asked anew");
                let mut refused = event(
                    &self.server,
                    "request-state-refused",
                    Some(format!("refused a retried call of `{tool}`: {why}")),
                );
                refused.tool = rec.tool.take();
                refused.args_digest = rec.args_digest.take();
                refused.latency_us = rec.latency_us;
                self.audit(refused, false).await;
                let msg = format!(
                    "mcpward refused the retried call of `{tool}` on server `{}`: {why}",
                    self.server
                );
                self.send_client(envelope::error_response(
                    Some(&id),
                    INVALID_PARAMS,
                    &msg,
                    None,
                ))
                .await;
                return;
            }
        };
        rec.rule = Some(claims.rule.clone());
        rec.approver = Some(INPUT_REQUIRED_APPROVER.to_owned());
        let session = match answer {
            ElicitAnswer::ApprovedOnce => false,
            ElicitAnswer::ApprovedForSession => true,
            ElicitAnswer::Refused => {
                let why = "the person declined";
                rec.detail = Some(why.to_owned());
                self.audit(rec, false).await;
                let text = refusal_text(&self.server, &tool, why);
                self.send_client(envelope::result_response(&id, &error_result(&text)))
                    .await;
                return;
            }
        };
        // As after any approval: what the arguments point to may have changed while the person
        // decided, and the answer covers the question that was asked, no other.
        let Judged {
            decision: again,
            untrusted,
            durable,
            ..
        } = self.judge(&tool, &args);
        if again.action == Action::Deny || again.rule_label() != claims.rule {
            let why = format!(
                "the call was approved, but what its arguments point to changed while waiting ({}); nothing was run, call it again to be asked anew",
                self.redactor.redact(&again.reason)
            );
            rec.detail = Some(why.clone());
            self.audit(rec, false).await;
            let text = refusal_text(&self.server, &tool, &why);
            self.send_client(envelope::result_response(&id, &error_result(&text)))
                .await;
            return;
        }
        let Some(forwarded) = stateless::frame_for_server(&frame, &claims) else {
            let why = "the retried call could not be rewritten without mcpward's request state";
            rec.detail = Some(why.to_owned());
            self.audit(rec, false).await;
            let text = refusal_text(&self.server, &tool, why);
            self.send_client(envelope::result_response(&id, &error_result(&text)))
                .await;
            return;
        };
        rec.decision = "ask-approved".into();
        // Behind a front that carries many clients, the answer covers this call only.
        let session = session && !self.multiplexed_clients;
        if session {
            rec.detail = Some("approved for the rest of the session".into());
            self.catalogue.approve_for_session(&tool, &claims.rule);
        }
        if !self.audit(rec, durable).await {
            let text = refusal_text(&self.server, &tool, "the audit log could not be written");
            self.send_client(envelope::result_response(&id, &error_result(&text)))
                .await;
            return;
        }
        self.client_pending.insert(
            IdKey::from_raw(&id),
            Pending {
                id,
                kind: PendingKind::ToolCall { tool, untrusted },
            },
        );
        self.send_server(forwarded).await;
    }

    /// Opens the state, uses it up, and checks that it was issued for this call; returns what
    /// it binds and the person's answer. A state with a valid signature is used up even when
    /// the call does not match: it was shown with another call once, and never counts again.
    fn open_state(
        &mut self,
        tool: &str,
        args: &Value,
        state: &str,
        responses: Option<&Value>,
    ) -> Result<(StateClaims, ElicitAnswer), RequestStateError> {
        let (key, used) = self.request_states()?;
        let claims = request_state::open(&key, state, request_state::now_secs())?;
        used.redeem(&claims)?;
        let arguments = arguments_digest(args)?;
        let answer = claims.check_call(&RetriedCall {
            server: &self.server,
            launch: &self.launch,
            tool,
            arguments: &arguments,
            responses,
        })?;
        let answer = approval::read_answer(Some(&answer.to_string()));
        Ok((claims, answer))
    }

    /// Records what the server says it is (from `initialize` or `server/discover`).
    pub(super) fn learn_server(
        &mut self,
        identity: Option<(mcpward_inspect::ServerInfoPin, Option<String>)>,
    ) {
        let Some((info, protocol)) = identity else {
            return;
        };
        for e in self.catalogue.learn_server(info, protocol) {
            let mut rec = event(&self.server, e.name, Some(e.detail));
            rec.tool = e.tool;
            self.note(rec);
        }
    }

    /// The server's own `input_required` result asks the client what 2025 servers asked with
    /// requests of their own: a sampling request puts the server's text into the model's
    /// context (taint, as `sampling/createMessage` did), and the answer to a `roots/list`
    /// declares the client's roots (learnt when the client retries).
    pub(super) fn watch_input_requests(&mut self, result: &str) {
        for (key, method) in stateless::server_input_requests(result) {
            match method.as_str() {
                "sampling/createMessage" if !self.policy.defaults.trusts(&self.server) => {
                    self.taint.mark(&method);
                }
                "roots/list" if self.roots_questions.len() < MAX_ROOTS_QUESTIONS => {
                    self.roots_questions.insert(key);
                }
                _ => {}
            }
        }
    }

    /// The client's answers to the server's `roots/list` input requests, on a retried request.
    pub(super) fn learn_roots_answers(&mut self, params: Option<&RawValue>) {
        let Some(Value::Object(responses)) = RetryFields::of(params).input_responses else {
            return;
        };
        for (key, answer) in responses {
            if self.roots_questions.remove(&key) {
                self.learn_client_roots(&answer.to_string());
            }
        }
    }
}

/// `sha256:` of the canonical (RFC 8785) arguments: the same arguments however they are spelled.
fn arguments_digest(args: &Value) -> Result<String, RequestStateError> {
    mcpward_inspect::definition_hash(args).map_err(|e| RequestStateError::Arguments(e.to_string()))
}
