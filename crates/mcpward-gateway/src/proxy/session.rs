//! One gateway session: the event loop and the state it owns.

mod input_required;

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::rc::Rc;
use std::time::{Duration, Instant};

use mcpward_policy::{Action, Call, Decision, DecisionSource, Policy, ToolFacts, knowledge};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, oneshot};

use super::audit::AuditWriter;
use super::catalogue::{Catalogue, tool_kind};
use super::child::{self, Server};
use super::denial::{denial_text, error_result, refusal_text};
use super::desktop::DesktopNotifier;
use super::outlet::Outlet;
use super::pins::{PinGuard, PinStatus};
use super::stateless::{self, RequestMeta, RetryFields};
use super::{GatewayError, RunOptions};
use crate::approval::{self, ElicitAnswer};
use crate::chain::{self, AuditLog, Record};
use crate::envelope::{self, IdKey, Message, ToolCallParams};
use crate::frame::{Frame, FrameReader};
use crate::queue::{ApprovalOutcome, ApprovalQueue, ApprovalRequest, ApprovalScope};
use crate::redact::Redactor;
use crate::request_state::{self, StateKey, UsedStates};
use crate::taint::{self, Taint};

/// Pipe buffers: large enough that a 1 MiB result moves in a handful of syscalls.
const PIPE_BUFFER: usize = 256 * 1024;
/// Frames in flight per direction before the reader waits (bounds memory under a slow peer).
const CHANNEL_FRAMES: usize = 64;
/// Roots a path argument is judged against, at most (launch roots first, then the client's).
const MAX_ROOTS: usize = 16;
/// After the server exits, how long its stdout may still deliver buffered frames.
const DRAIN_AFTER_EXIT: Duration = Duration::from_millis(500);

/// JSON-RPC codes used by the gateway.
const INVALID_REQUEST: i64 = -32600;
const INVALID_PARAMS: i64 = -32602;
const INTERNAL_ERROR: i64 = -32603;
const SERVER_GONE: i64 = -32000;
/// Pages of mcpward's own tool listings per session, at most (a server paging forever must not
/// keep calls waiting).
const MAX_OWN_LIST_PAGES: u64 = 1000;
/// How long tool calls wait for mcpward's own listing of the tools before they are judged
/// without it.
const OWN_LIST_TIMEOUT: Duration = Duration::from_secs(10);
/// Keys of the server's `roots/list` input requests remembered at once, at most.
const MAX_ROOTS_QUESTIONS: usize = 64;
/// Who answered an approval asked through an `input_required` result: the client says a person
/// did, and mcpward can check no more than that the answer came with its own sealed state.
const INPUT_REQUIRED_APPROVER: &str = "input-required elicitation (client claimed)";

enum PendingKind {
    ToolsList,
    /// mcpward's own `tools/list`, to check the tools against their pins: never forwarded.
    OwnToolsList,
    ToolCall {
        tool: String,
        untrusted: bool,
    },
    /// `resources/read` or `prompts/get`: text the model will read, written by whoever controls
    /// the resource (a web page, an issue, a file someone else wrote).
    Content(String),
    /// The client's `initialize`: the result says what the server is.
    Initialize,
    /// The client's `server/discover` (2026-07-28), made under this protocol version: the result
    /// says what the server is, as `initialize` did.
    Discover(Option<String>),
    Other,
}

struct Pending {
    id: Box<RawValue>,
    kind: PendingKind,
}

/// How an `ask` ended.
enum Verdict {
    Approved { session: bool, by: String },
    Refused { why: String, by: Option<String> },
}

/// A call waiting for a person.
struct Awaiting {
    id: Box<RawValue>,
    /// Which ask this is: the client may cancel a call and reuse its id for a new one, and the
    /// answer to the old question must not release the new call (or the old frame).
    ticket: u64,
    /// The queue wait, aborted when the client cancels.
    waiting: Option<tokio::task::AbortHandle>,
    /// mcpward's `elicitation/create` request, withdrawn when the client cancels.
    elicitation: Option<IdKey>,
}

struct ApprovalDone {
    id: Box<RawValue>,
    ticket: u64,
    /// The `elicitation/create` request sent to the client, if that was the channel.
    elicitation: Option<IdKey>,
    frame: Vec<u8>,
    tool: String,
    /// The arguments as sent, judged again once the person has answered.
    args: Value,
    /// The decision the person was asked about.
    decision: Decision,
    untrusted: bool,
    durable: bool,
    args_digest: String,
    rule: String,
    started: Instant,
    verdict: Verdict,
}

struct Gateway {
    server: String,
    /// The package the launch really runs: what curated knowledge is looked up by.
    identity: Option<crate::identity::LaunchIdentity>,
    policy: Policy,
    policy_file: Option<String>,
    roots: Vec<std::path::PathBuf>,
    /// The policy table's `roots` for this server, canonical.
    table_roots: Option<Vec<std::path::PathBuf>>,
    /// mcpward's working directory, which the server inherits.
    cwd: std::path::PathBuf,
    /// The home directory `~` in a path argument stands for (`HOME`, read once).
    home: Option<std::path::PathBuf>,
    redactor: Rc<Redactor>,
    redact_responses: bool,
    hide_denied: bool,
    approval_timeout: Duration,
    state_dir: std::path::PathBuf,
    session_id: String,
    log: Option<Rc<AuditWriter>>,
    queue: Option<Rc<ApprovalQueue>>,
    /// Desktop notifications for calls that wait in the queue; `None` when turned off.
    desktop: Option<Rc<DesktopNotifier>>,
    to_client: Outlet,
    to_server: Option<Outlet>,
    approvals: mpsc::UnboundedSender<ApprovalDone>,
    client_pending: HashMap<IdKey, Pending>,
    /// Whether any policy rule has argument matchers (then path arguments are resolved).
    policy_reads_arguments: bool,
    /// Calls waiting for a person.
    awaiting_approval: HashMap<IdKey, Awaiting>,
    next_ticket: u64,
    /// Requests from the server to the client, by id: whether each is `roots/list` (whose answer
    /// changes where the filesystem server resolves paths).
    server_pending: HashMap<IdKey, bool>,
    /// Roots the client declared in its answer to `roots/list`: servers such as the reference
    /// filesystem server replace their directories with them, so paths are judged against them
    /// too (together with the launch roots: every root a path could resolve against).
    client_roots: Vec<std::path::PathBuf>,
    elicit_pending: HashMap<IdKey, oneshot::Sender<Option<String>>>,
    next_elicit: u64,
    /// The server's tools and the approvals granted on them.
    catalogue: Catalogue,
    client_elicitation: bool,
    taint: Taint,
    /// mcpward's own `tools/list` requests sent so far (for their ids).
    next_own_list: u64,
    /// Whether mcpward is listing the server's tools itself; tool calls wait meanwhile.
    own_lists_in_flight: usize,
    /// Pages of the current own listing.
    own_list_pages: u64,
    /// Tool calls that arrived while mcpward was listing: judged once the listing is known.
    held_calls: Vec<HeldCall>,
    /// When a server that does not answer mcpward's listing stops holding calls back.
    own_list_deadline: Option<tokio::time::Instant>,
    /// What the launch runs ([`super::launch_digest`]): request states are bound to it.
    launch: String,
    /// The client began with `initialize` (the 2025 revisions); otherwise its requests carry
    /// their protocol version and capabilities in `_meta` (2026-07-28).
    client_initialized: bool,
    /// The `_meta` of the client's latest 2026-07-28 request: mcpward's own requests to the
    /// server are made in the same form.
    stateless_meta: Option<RequestMeta>,
    /// mcpward has listed the tools for pins at the start of the session (after
    /// `notifications/initialized`, or at a 2026-07-28 client's first request).
    listed_at_start: bool,
    /// The key that seals mcpward's request states and the record of used ones, loaded when
    /// first needed.
    request_states: Option<(StateKey, UsedStates)>,
    /// Keys of `roots/list` input requests in the server's `input_required` results: the
    /// client's answer under such a key declares its roots, as its answer to `roots/list` did.
    roots_questions: HashSet<String>,
    /// The client side is a front that carries many clients ([`RunOptions::multiplexed_clients`]):
    /// its `initialize` is its own, and every request is read by its own `_meta`.
    multiplexed_clients: bool,
}

/// A `tools/call` waiting for mcpward's own listing of the tools.
struct HeldCall {
    id: Box<RawValue>,
    params: Option<Box<RawValue>>,
    frame: Vec<u8>,
}

pub(super) async fn run_session<R, W>(
    opts: RunOptions,
    upstream: super::Upstream,
    input: R,
    output: W,
) -> Result<i32, GatewayError>
where
    R: AsyncRead + Unpin + 'static,
    W: AsyncWrite + Unpin + 'static,
{
    let session_id = new_session_id();
    let log = match &opts.log_path {
        Some(path) => {
            let log = AuditLog::open(path, &session_id)?.with_key(opts.log_key.clone());
            let exporter = opts
                .otlp
                .as_ref()
                .map(|config| crate::otlp::Exporter::start(config, path, &session_id))
                .transpose()?;
            Some(Rc::new(
                AuditWriter::start(log)
                    .map_err(GatewayError::Runtime)?
                    .exporting(exporter),
            ))
        }
        None => None,
    };
    // Records of a burst are written by a task of their own, woken once the loop has nothing
    // more to relay: it runs after the writer tasks that were woken first, so the frames just
    // decided reach their pipes before the disk write, and the peer's work overlaps with it.
    let flush_wanted = Rc::new(tokio::sync::Notify::new());
    let flusher = log.as_ref().map(|log| {
        let log = Rc::downgrade(log);
        let wanted = flush_wanted.clone();
        tokio::task::spawn_local(async move {
            loop {
                // The head anchoring the burst just written, once no more records follow.
                let due = match log.upgrade() {
                    Some(log) => log.head_due().map(tokio::time::Instant::from_std),
                    None => return,
                };
                tokio::select! {
                    () = wanted.notified() => match log.upgrade() {
                        Some(log) => {
                            log.flush();
                        }
                        None => return,
                    },
                    () = sleep_opt(due), if due.is_some() => match log.upgrade() {
                        Some(log) => log.write_head(),
                        None => return,
                    },
                }
            }
        })
    });
    let defaults = &opts.policy.defaults;
    let max_frame = if defaults.max_frame_bytes == 0 {
        crate::frame::DEFAULT_MAX_FRAME_BYTES
    } else {
        defaults.max_frame_bytes
    };
    // A launched server has an exit status, signals and a stderr; a connected one (the HTTP
    // bridge of `mcpward serve`) ends when its stream does.
    let (server_in, server_out, child, stderr, pid): (
        Box<dyn AsyncWrite + Unpin>,
        Box<dyn AsyncRead + Unpin>,
        _,
        _,
        _,
    ) = match upstream {
        super::Upstream::Command => {
            let mut env = opts.env.clone();
            env.extend(opts.secret_env.iter().cloned());
            let Server {
                child,
                stdin,
                stdout,
                stderr,
                pid,
            } = child::spawn(&opts.command, &opts.args, &env)?;
            (Box::new(stdin), Box::new(stdout), Some(child), stderr, pid)
        }
        super::Upstream::Streams { reader, writer } => (writer, reader, None, None, None),
    };
    let launched = child.is_some();

    let redactor = Rc::new(Redactor::new(
        secret_values(&opts).iter().map(String::as_str),
    ));
    let stderr_relay =
        stderr.map(|e| tokio::task::spawn_local(relay_stderr(e, redactor.clone(), max_frame)));
    let (to_client, client_writer) = super::outlet::start(output);
    let (to_server, _) = super::outlet::start(server_in);
    let mut client_rx = spawn_reader(input, max_frame);
    let mut server_rx = spawn_reader(server_out, max_frame);
    let (approvals_tx, mut approvals_rx) = mpsc::unbounded_channel();
    let (exit_tx, mut exit_rx) = oneshot::channel();
    if let Some(mut child) = child {
        tokio::task::spawn_local(async move {
            let status = child.wait().await;
            let _ = exit_tx.send(status);
        });
    }
    // Signals reach the loop through a channel fed by a task of their own: polling a channel
    // in every turn of the loop costs nothing, re-arming two signal streams would.
    let (signal_tx, mut signal_rx) = mpsc::unbounded_channel();
    let _signal_tx = if opts.forward_signals {
        let signals = Signals::new().map_err(GatewayError::Runtime)?;
        tokio::task::spawn_local(forward_signals(signals, signal_tx));
        None
    } else {
        // Kept open, so the loop's branch waits instead of seeing the channel end.
        Some(signal_tx)
    };

    let desktop = (opts.desktop_notify && defaults.desktop_notify)
        .then(|| DesktopNotifier::new(&opts.server_name, log.as_ref()));
    let mut gw = Gateway {
        server: opts.server_name.clone(),
        identity: opts.identity.clone(),
        redactor,
        redact_responses: defaults.redact_responses,
        hide_denied: defaults.hide_denied_tools,
        approval_timeout: Duration::from_secs(defaults.approval_timeout_secs.max(1)),
        policy_file: opts.policy_file.as_ref().map(|p| p.display().to_string()),
        roots: crate::paths::canonical_roots(&opts.roots),
        table_roots: opts
            .policy
            .server_table(&opts.server_name)
            .and_then(|t| t.roots.as_deref())
            .map(crate::paths::canonical_roots),
        cwd: std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("/")),
        home: std::env::var_os("HOME").map(std::path::PathBuf::from),
        policy_reads_arguments: opts.policy.rules.iter().any(|r| !r.when.is_empty()),
        state_dir: opts.state_dir.clone(),
        policy: opts.policy,
        session_id,
        log,
        queue: None,
        desktop,
        to_client,
        to_server: Some(to_server),
        approvals: approvals_tx,
        client_pending: HashMap::new(),
        awaiting_approval: HashMap::new(),
        next_ticket: 0,
        server_pending: HashMap::new(),
        client_roots: Vec::new(),
        elicit_pending: HashMap::new(),
        next_elicit: 0,
        catalogue: Catalogue::new(PinGuard::new(
            opts.pins.clone(),
            &opts.server_name,
            super::pins::first_use_path(
                &opts.state_dir,
                opts.identity.as_ref(),
                &opts.command,
                &opts.args,
            ),
        )),
        client_elicitation: false,
        taint: Taint::new(),
        next_own_list: 0,
        own_lists_in_flight: 0,
        own_list_pages: 0,
        held_calls: Vec::new(),
        own_list_deadline: None,
        launch: super::launch_digest(opts.identity.as_ref(), &opts.command, &opts.args),
        client_initialized: false,
        stateless_meta: None,
        listed_at_start: false,
        request_states: None,
        roots_questions: HashSet::new(),
        multiplexed_clients: opts.multiplexed_clients,
    };
    gw.audit(event(&gw.server, "session-start", None), false)
        .await;
    if !gw.catalogue.pins_enforced() {
        gw.note(event(
            &gw.server,
            "pins-off",
            Some("tool definitions are not checked against pins or their first use".to_owned()),
        ));
    }

    let mut client_open = true;
    let mut server_open = true;
    let mut exit_status: Option<i32> = None;
    // Escalation after the client hung up: (when, which signal next).
    let mut shutdown: Option<(tokio::time::Instant, rustix::process::Signal)> = None;
    let mut drain_deadline: Option<tokio::time::Instant> = None;
    let grace = opts.shutdown_grace;
    let head_sleep = tokio::time::sleep(Duration::from_secs(3600));
    tokio::pin!(head_sleep);
    let mut head_armed: Option<tokio::time::Instant> = None;

    loop {
        // Write the audit records of a burst once nothing more is waiting to be relayed.
        if client_rx.is_empty()
            && server_rx.is_empty()
            && let Some(log) = &gw.log
            && log.has_queued()
        {
            flush_wanted.notify_one();
        }
        if exit_status.is_some()
            && (!server_open || drain_deadline.is_some_and(|d| d <= tokio::time::Instant::now()))
        {
            break;
        }
        let head_due = gw
            .log
            .as_ref()
            .and_then(|log| log.head_due())
            .map(tokio::time::Instant::from_std);
        // One timer, moved only when the head's due time changes: a new timer in every turn
        // of the loop would be registered and cancelled once per relayed frame.
        if head_due != head_armed {
            if let Some(due) = head_due {
                head_sleep.as_mut().reset(due);
            }
            head_armed = head_due;
        }
        let sleep_until = match (shutdown, drain_deadline) {
            (_, Some(d)) => Some(d),
            (Some((d, _)), None) => Some(d),
            (None, None) => None,
        };
        tokio::select! {
            Some(done) = approvals_rx.recv() => gw.finish_approval(done).await,
            frame = client_rx.recv(), if client_open => match frame {
                Some(Ok(Frame::Line(bytes))) => gw.on_client_frame(bytes).await,
                Some(Ok(Frame::TooLarge { bytes, head })) => gw.client_frame_too_large(bytes, &head, max_frame).await,
                Some(Ok(Frame::Eof)) | Some(Err(_)) | None => {
                    client_open = false;
                    // Dropping the outlet ends its task, which closes the server's stdin.
                    gw.to_server = None;
                    gw.audit(event(&gw.server, "client-closed", None), false).await;
                    shutdown = Some((tokio::time::Instant::now() + grace, rustix::process::Signal::TERM));
                }
            },
            frame = server_rx.recv(), if server_open => match frame {
                Some(Ok(Frame::Line(bytes))) => gw.on_server_frame(bytes).await,
                Some(Ok(Frame::TooLarge { bytes, head })) => gw.server_frame_too_large(bytes, &head, max_frame).await,
                Some(Ok(Frame::Eof)) | Some(Err(_)) | None => {
                    server_open = false;
                    if !launched {
                        exit_status = Some(0);
                    }
                }
            },
            status = &mut exit_rx, if launched && exit_status.is_none() => {
                let code = match status {
                    Ok(Ok(status)) => child::exit_code(status),
                    _ => 1,
                };
                exit_status = Some(code);
                drain_deadline = Some(tokio::time::Instant::now() + DRAIN_AFTER_EXIT);
            },
            _ = sleep_opt(sleep_until) => {
                if drain_deadline.is_none()
                    && let Some((_, sig)) = shutdown
                {
                    child::signal(pid, sig);
                    shutdown = if sig == rustix::process::Signal::TERM {
                        Some((
                            tokio::time::Instant::now() + grace,
                            rustix::process::Signal::KILL,
                        ))
                    } else {
                        None
                    };
                }
            },
            Some(sig) = signal_rx.recv() => child::signal(pid, sig),
            _ = sleep_opt(gw.own_list_deadline), if gw.own_list_deadline.is_some() => {
                gw.own_list_timed_out().await;
            },
            // The head that anchors the last burst's records, once the burst is over.
            () = &mut head_sleep, if head_armed.is_some() => {
                head_armed = None;
                if let Some(log) = &gw.log {
                    log.write_head();
                }
            },
        }
    }

    let code = exit_status.unwrap_or(1);
    gw.server_exited(code).await;
    // The server's last words (a crash message) are usually what the person needs; wait briefly
    // for them, but not for a grandchild that keeps the pipe open.
    if let Some(relay) = stderr_relay {
        let _ = tokio::time::timeout(STDERR_DRAIN, relay).await;
    }
    let Gateway { to_client, log, .. } = gw;
    if let Some(flusher) = flusher {
        flusher.abort();
    }
    if let Some(log) = &log {
        log.finish();
    }
    drop(to_client);
    let _ = client_writer.await;
    // Last, once the client has everything: with OTLP export, dropping the writer waits (at
    // most 2 s) for the exporter to send the session's last records.
    drop(log);
    Ok(code)
}

impl Gateway {
    // ---- client → server -------------------------------------------------------------------

    async fn on_client_frame(&mut self, bytes: Vec<u8>) {
        enum Next {
            Forward(Option<(IdKey, Pending)>),
            /// The session is set up: forward, then list the tools to check their pins.
            ForwardThenList,
            ToolCall(Box<RawValue>, Option<Box<RawValue>>),
            ElicitAnswer(oneshot::Sender<Option<String>>, Option<String>),
            Drop(&'static str, String),
        }
        let mut list_first = false;
        // Decided on as one message, the frame must be one message to the server's reader too.
        let (bytes, hazard) = match crate::frame::one_message_for_every_reader(bytes) {
            Ok(bytes) => (bytes, None),
            Err(hazard) => (hazard.bytes, Some(hazard.error.to_string())),
        };
        let parsed = match hazard {
            Some(why) => Err((INVALID_REQUEST, why)),
            None => envelope::parse(&bytes).map_err(|e| (e.code(), e.to_string())),
        };
        let next = match parsed {
            Err((code, msg)) => {
                let id = envelope::salvage_id(&bytes);
                self.refuse_client_frame(id.as_deref(), code, "invalid-client-frame", msg)
                    .await;
                return;
            }
            Ok(env) => match env.message {
                // Two requests in flight under one id cannot both be answered correctly: the
                // first response would be matched to the wrong one (a tool call's result taken
                // for a ping's skips taint). The second is refused; nothing is forwarded.
                Message::Request { id, .. } if self.client_id_in_use(&IdKey::from_raw(id)) => {
                    let key = IdKey::from_raw(id);
                    let msg = format!(
                        "request id {key} is already in use by a request that has not been answered; send each request with a new id"
                    );
                    self.refuse_client_frame(Some(id), INVALID_REQUEST, "invalid-client-frame", msg)
                        .await;
                    return;
                }
                Message::Request { id, method, params } => {
                    // 2026-07-28 has no handshake: the first request that carries its protocol
                    // version in `_meta` starts the session, and mcpward lists the tools for
                    // pins then, as it does after `notifications/initialized`.
                    let meta = if self.client_initialized {
                        RequestMeta::default()
                    } else {
                        RequestMeta::of(params)
                    };
                    if meta.is_stateless() {
                        list_first = !self.listed_at_start;
                        self.listed_at_start = true;
                        self.stateless_meta = Some(meta.clone());
                    }
                    if !self.roots_questions.is_empty() {
                        self.learn_roots_answers(params);
                    }
                    match method {
                    "tools/call" => Next::ToolCall(id.to_owned(), params.map(|p| p.to_owned())),
                    _ => {
                        if method == "initialize" && !self.multiplexed_clients {
                            self.client_initialized = true;
                            self.client_elicitation = client_declares_elicitation(params);
                        }
                        let kind = match method {
                            "tools/list" => PendingKind::ToolsList,
                            "resources/read" | "prompts/get" => {
                                PendingKind::Content(method.to_owned())
                            }
                            "initialize" => PendingKind::Initialize,
                            "server/discover" => PendingKind::Discover(meta.protocol_version),
                            _ => PendingKind::Other,
                        };
                        Next::Forward(Some((
                            IdKey::from_raw(id),
                            Pending {
                                id: id.to_owned(),
                                kind,
                            },
                        )))
                    }
                    }
                }
                // A tool call without an id gets no answer, so it could not be refused: a server
                // that ran it anyway would run it without a decision. It never goes through.
                Message::Notification {
                    method: "tools/call",
                    ..
                } => Next::Drop(
                    "invalid-client-frame",
                    "dropped a tools/call without an id (a notification); tool calls must be requests with an id".to_owned(),
                ),
                Message::Notification { method, params } => {
                    if method == "notifications/cancelled" {
                        self.withdraw_approval(params).await;
                    }
                    if method == "notifications/initialized" {
                        self.listed_at_start = true;
                        Next::ForwardThenList
                    } else {
                        Next::Forward(None)
                    }
                }
                Message::Response { id, outcome } => {
                    let key = IdKey::from_raw(id);
                    if let Some(waiter) = self.elicit_pending.remove(&key) {
                        Next::ElicitAnswer(waiter, outcome.ok().map(|r| r.get().to_owned()))
                    } else if let Some(is_roots_list) = self.server_pending.remove(&key) {
                        if is_roots_list && let Ok(result) = &outcome {
                            self.learn_client_roots(result.get());
                        }
                        Next::Forward(None)
                    } else {
                        Next::Drop(
                            "unsolicited-response",
                            format!(
                                "client response with id {key} matches no request from the server; dropped"
                            ),
                        )
                    }
                }
            },
        };
        if list_first {
            // Before the request itself: a tool call is then held until the tools are known.
            self.list_tools_for_pins(None).await;
        }
        match next {
            Next::Forward(pending) => {
                if let Some((key, p)) = pending {
                    self.client_pending.insert(key, p);
                }
                self.send_server(bytes).await;
            }
            Next::ForwardThenList => {
                self.send_server(bytes).await;
                self.list_tools_for_pins(None).await;
            }
            Next::ToolCall(id, params) => {
                if self.own_lists_in_flight > 0 {
                    self.held_calls.push(HeldCall {
                        id,
                        params,
                        frame: bytes,
                    });
                } else {
                    self.tool_call(id, params, bytes).await
                }
            }
            Next::ElicitAnswer(waiter, result) => {
                let _ = waiter.send(result);
            }
            Next::Drop(what, why) => {
                self.audit(event(&self.server, what, Some(why)), false)
                    .await;
            }
        }
    }

    async fn client_frame_too_large(&mut self, bytes: usize, head: &[u8], max: usize) {
        let msg = format!(
            "frame of {bytes} bytes exceeds the gateway's limit of {max} bytes; raise defaults.max_frame_bytes in the policy if this is expected"
        );
        let id = envelope::salvage_id_from_prefix(head);
        self.refuse_client_frame(
            id.as_deref(),
            INVALID_REQUEST,
            "client-frame-too-large",
            msg,
        )
        .await;
    }

    /// Answers a client frame that is not forwarded with a JSON-RPC error (under its id when it
    /// could be read) and records why.
    async fn refuse_client_frame(
        &mut self,
        id: Option<&RawValue>,
        code: i64,
        what: &'static str,
        msg: String,
    ) {
        self.send_client(envelope::error_response(id, code, &msg, None))
            .await;
        self.audit(event(&self.server, what, Some(msg)), false)
            .await;
    }

    /// An oversized frame from the server is dropped; when it was the response to a pending
    /// request, that request gets an error instead of waiting forever.
    async fn server_frame_too_large(&mut self, bytes: usize, head: &[u8], max: usize) {
        let salvaged = envelope::salvage_id_from_prefix(head).map(|id| IdKey::from_raw(&id));
        if let Some(p) = salvaged.and_then(|k| self.client_pending.remove(&k)) {
            let msg = format!(
                "the MCP server `{}` sent a {bytes}-byte response, over mcpward's limit of {max} bytes; mcpward dropped it (raise defaults.max_frame_bytes in the policy if this is expected)",
                self.server
            );
            self.send_client(envelope::error_response(
                Some(&p.id),
                INTERNAL_ERROR,
                &msg,
                None,
            ))
            .await;
        }
        let detail = format!(
            "dropped a {bytes}-byte frame from the server (limit {max} bytes, defaults.max_frame_bytes)"
        );
        self.audit(
            event(&self.server, "server-frame-too-large", Some(detail)),
            false,
        )
        .await;
    }

    async fn tool_call(
        &mut self,
        id: Box<RawValue>,
        params: Option<Box<RawValue>>,
        bytes: Vec<u8>,
    ) {
        let started = Instant::now();
        let parsed = params
            .as_deref()
            .ok_or_else(|| "tools/call needs params with a tool `name`".to_owned())
            .and_then(|p| {
                serde_json::from_str::<ToolCallParams<'_>>(p.get())
                    .map_err(|e| format!("tools/call params are invalid: {e}"))
                    .and_then(|p| {
                        let args = match p.arguments {
                            Some(raw) => serde_json::from_str::<Value>(raw.get())
                                .map_err(|e| format!("tools/call arguments are invalid: {e}"))?,
                            None => Value::Object(Default::default()),
                        };
                        Ok((p.name.into_owned(), args))
                    })
            });
        let (tool, args) = match parsed {
            Ok(v) => v,
            Err(msg) => {
                self.send_client(envelope::error_response(
                    Some(&id),
                    INVALID_PARAMS,
                    &msg,
                    None,
                ))
                .await;
                self.audit(event(&self.server, "invalid-tool-call", Some(msg)), false)
                    .await;
                return;
            }
        };
        // A call retried with mcpward's own request state answers mcpward's question: it is
        // redeemed (checked, used up, judged again), never judged as a new call. A state of the
        // server's own passes through with the call.
        let retry = RetryFields::of(params.as_deref());
        if let Some(state) = retry
            .request_state
            .as_deref()
            .filter(|s| request_state::is_ours(s))
        {
            let state = state.to_owned();
            self.redeem(Retried {
                id,
                frame: bytes,
                tool,
                args,
                state,
                responses: retry.input_responses,
                started,
            })
            .await;
            return;
        }
        let client = if self.client_initialized {
            RequestMeta::default()
        } else {
            RequestMeta::of(params.as_deref())
        };
        let Judged {
            mut decision,
            facts,
            untrusted,
            durable,
        } = self.judge(&tool, &args);
        let mut approver = None;
        // A session approval was given before the model read content that may now steer it:
        // after taint, calls with effects are asked again (the policy itself only turns an
        // `allow` into `ask`, so it cannot see this case).
        let taint_guards = facts.session_tainted
            && facts.kind != mcpward_policy::ToolKind::Read
            && self.policy.defaults.taint == mcpward_policy::TaintMode::Ask;
        if decision.action == Action::Ask
            && decision.source != DecisionSource::Taint
            && !taint_guards
            && self
                .catalogue
                .approved_for_session(&tool, &decision.rule_label())
        {
            decision.action = Action::Allow;
            approver = Some("approved earlier in this session".to_owned());
        }
        let key = IdKey::from_raw(&id);
        if decision.action == Action::Allow && !durable {
            // A call without effects needs no durable record: it is forwarded first and its
            // record (masked arguments, digest) is queued after, while the server works. A log
            // that has failed still refuses it.
            if self.log.as_ref().is_some_and(|log| log.is_broken()) {
                self.refuse_unrecorded(&id, &tool).await;
                return;
            }
            let latency_us = micros(started);
            let rule = decision.rule_label();
            self.client_pending.insert(
                key,
                Pending {
                    id,
                    kind: PendingKind::ToolCall {
                        tool: tool.clone(),
                        untrusted,
                    },
                },
            );
            self.send_server(bytes).await;
            let digest = approval::masked_args_digest(&args, &self.redactor);
            let rec = self.allowed_call(tool, digest, rule, approver, latency_us);
            self.audit(rec, false).await;
            return;
        }
        let masked = approval::mask_arguments(&args, &self.redactor);
        let digest = chain::args_digest(&masked);
        match decision.action {
            Action::Allow => {
                let rec = self.allowed_call(
                    tool.clone(),
                    digest,
                    decision.rule_label(),
                    approver,
                    micros(started),
                );
                if !self.audit(rec, durable).await {
                    self.refuse_unrecorded(&id, &tool).await;
                    return;
                }
                self.client_pending.insert(
                    key,
                    Pending {
                        id,
                        kind: PendingKind::ToolCall { tool, untrusted },
                    },
                );
                self.send_server(bytes).await;
            }
            Action::Deny => {
                let text = denial_text(&self.server, &tool, &decision, self.policy_file.as_deref());
                self.send_client(envelope::result_response(&id, &error_result(&text)))
                    .await;
                let rec = Record {
                    server: self.server.clone(),
                    method: "tools/call".into(),
                    tool: Some(tool),
                    args_digest: Some(digest),
                    decision: "deny".into(),
                    rule: Some(decision.rule_label()),
                    approver: None,
                    latency_us: Some(micros(started)),
                    detail: Some(self.redactor.redact(&decision.reason).into_owned()),
                };
                self.audit(rec, false).await;
            }
            Action::Ask => {
                self.ask(AskContext {
                    id,
                    frame: bytes,
                    tool,
                    args,
                    masked,
                    digest,
                    decision,
                    untrusted,
                    durable,
                    started,
                    client,
                    retry,
                })
                .await;
            }
        }
    }

    /// The record of an allowed `tools/call`.
    fn allowed_call(
        &self,
        tool: String,
        args_digest: String,
        rule: String,
        approver: Option<String>,
        latency_us: u64,
    ) -> Record {
        Record {
            server: self.server.clone(),
            method: "tools/call".into(),
            tool: Some(tool),
            args_digest: Some(args_digest),
            decision: "allow".into(),
            rule: Some(rule),
            approver,
            latency_us: Some(latency_us),
            detail: None,
        }
    }

    /// Answers a call that cannot be recorded: mcpward does not run tools without a record.
    async fn refuse_unrecorded(&mut self, id: &RawValue, tool: &str) {
        let text = refusal_text(
            &self.server,
            tool,
            "the audit log could not be written, and mcpward does not run tools without a record",
        );
        self.send_client(envelope::result_response(id, &error_result(&text)))
            .await;
    }

    /// The policy's decision on `tool` called with `args`, with the facts it was made on.
    /// Called when the call arrives and again after a person answered (the files a path names
    /// may have changed meanwhile).
    fn judge(&self, tool: &str, args: &Value) -> Judged {
        let info = self.catalogue.get(tool);
        let annotations = info.and_then(|i| i.annotations.as_ref());
        let description = info.and_then(|i| i.description.as_deref());
        let trusted = self.policy.defaults.trusts(&self.server);
        let package = self.identity.as_ref().map(|i| i.key());
        let pin = self.catalogue.pin_status(tool);
        let pinned_read_only = matches!(pin, PinStatus::Verified { read_only: true });
        let read_only =
            knowledge::read_only_proof(package, tool, annotations, trusted, pinned_read_only);
        let facts = ToolFacts {
            // Curated knowledge vouches for a well-known server's tools as trust would.
            kind: match info {
                Some(info) => info.kind(tool, trusted || read_only.is_proof()),
                None => tool_kind(
                    tool,
                    description,
                    annotations,
                    trusted || read_only.is_proof(),
                ),
            },
            read_only,
            session_tainted: self.taint.is_tainted(),
            roots: self.all_roots(),
            // What the server will coerce arguments into: matchers judge those readings too.
            input_schema: info.and_then(|i| i.input_schema()),
        };
        let untrusted = taint::reads_untrusted(
            annotations
                .and_then(|a| a.get("openWorldHint"))
                .and_then(Value::as_bool),
            info.map_or_else(
                || knowledge::reads_untrusted(tool, annotations),
                |info| info.reads_untrusted(tool),
            ),
        );
        let durable =
            facts.kind.has_side_effects() || facts.kind == mcpward_policy::ToolKind::Unknown;
        // Path matchers see where the arguments really point (symlinks resolved); the frame
        // forwarded to the server is not changed.
        // When a symlink changed an argument, every reading is judged and the strictest wins.
        let evaluate_with = |arguments: &Value, facts: &ToolFacts| {
            self.policy.evaluate(&Call {
                server: &self.server,
                tool,
                arguments,
                facts,
            })
        };
        let evaluate = |arguments: &Value, roots: &[std::path::PathBuf]| {
            let facts = ToolFacts {
                roots: roots.to_vec(),
                ..facts.clone()
            };
            evaluate_with(arguments, &facts)
        };
        let mut decision = evaluate_with(args, &facts);
        // Only argument matchers look at values; without them there is nothing to resolve.
        if self.policy_reads_arguments {
            // A relative path is tried against each root in turn by the server (the reference
            // filesystem server takes the first under which it lands inside a root): judge it
            // as resolved against every one, and the strictest decision wins.
            for first in 0..facts.roots.len().max(1) {
                let mut roots = facts.roots.clone();
                if first > 0 {
                    roots.swap(0, first);
                    decision = crate::paths::stricter(decision, evaluate(args, &roots));
                }
                for reading in crate::paths::readings(args, &roots) {
                    decision = crate::paths::stricter(decision, evaluate(&reading, &roots));
                }
            }
        }
        // The path guard: for servers whose path arguments are known (built in, or the policy's
        // `[[server]]` table), every path must stay inside the server's directories, whatever
        // the policy says. Arguments that only look like paths are logged, never decided on.
        let guarded = crate::guard::apply(
            decision,
            &crate::guard::Server {
                identity: self.identity.as_ref(),
                table: self.policy.server_table(&self.server),
                launch_roots: &self.roots,
                client_roots: &self.client_roots,
                table_roots: self.table_roots.as_deref(),
                cwd: &self.cwd,
                home: self.home.as_deref(),
            },
            &crate::guard::ToolCall {
                tool,
                arguments: args,
                input_schema: facts.input_schema.as_deref(),
                proven_read_only: facts.read_only.is_proof(),
            },
        );
        decision = guarded.decision;
        if let Some(log) = &self.log {
            for hint in guarded.hints {
                let mut rec = event(&self.server, "path-guard-hint", Some(hint));
                rec.tool = Some(tool.to_owned());
                log.record(masked_detail(&self.redactor, rec));
            }
        }
        // A definition that is not the pinned one is refused whatever the policy says; a tool
        // the pin does not know is also judged by `defaults.unknown_tools`.
        decision = match pin {
            PinStatus::Blocked(why) => Decision {
                action: Action::Deny,
                source: self.catalogue.pin_source(tool),
                reason: format!("tool `{tool}` is refused: {why}"),
            },
            PinStatus::Unpinned => {
                crate::paths::stricter(decision, self.policy.unknown_tool(&self.server, tool))
            }
            PinStatus::Unchecked | PinStatus::Verified { .. } => decision,
        };
        Judged {
            decision,
            facts,
            untrusted,
            durable,
        }
    }

    async fn ask(&mut self, cx: AskContext) {
        // A 2026-07-28 client that can show a form is asked in the answer itself: an
        // `input_required` result, nothing waits in mcpward.
        if cx.client.is_stateless() && cx.client.elicits_forms() {
            self.ask_input_required(cx).await;
            return;
        }
        let AskContext {
            id,
            frame,
            tool,
            args,
            masked,
            digest,
            decision,
            untrusted,
            durable,
            started,
            ..
        } = cx;
        // A flood of asks (a model in a loop, a server that provokes them) must not pile up
        // questions: past the cap a call is refused at once, whatever the channel.
        if self.awaiting_approval.len() >= crate::queue::MAX_WAITING {
            let why = format!(
                "{} calls already wait for a person in this session; answer those first",
                crate::queue::MAX_WAITING
            );
            let rec = Record {
                server: self.server.clone(),
                method: "tools/call".into(),
                tool: Some(tool.clone()),
                args_digest: Some(digest),
                decision: "ask-denied".into(),
                rule: Some(decision.rule_label()),
                approver: None,
                latency_us: Some(micros(started)),
                detail: Some(why.clone()),
            };
            self.audit(rec, false).await;
            let text = refusal_text(&self.server, &tool, &why);
            self.send_client(envelope::result_response(&id, &error_result(&text)))
                .await;
            return;
        }
        let call_key = IdKey::from_raw(&id);
        self.next_ticket += 1;
        let ticket = self.next_ticket;
        self.awaiting_approval.insert(
            call_key.clone(),
            Awaiting {
                id: id.clone(),
                ticket,
                waiting: None,
                elicitation: None,
            },
        );
        let timeout = self.approval_timeout;
        let done_tx = self.approvals.clone();
        let mut done = ApprovalDone {
            id,
            ticket,
            elicitation: None,
            frame,
            tool: tool.clone(),
            args,
            decision: decision.clone(),
            untrusted,
            durable,
            args_digest: digest.clone(),
            rule: decision.rule_label(),
            started,
            verdict: Verdict::Refused {
                why: String::new(),
                by: None,
            },
        };
        let mut rec = Record {
            server: self.server.clone(),
            method: "tools/call".into(),
            tool: Some(tool.clone()),
            args_digest: Some(digest),
            decision: "ask".into(),
            rule: Some(decision.rule_label()),
            approver: None,
            latency_us: Some(micros(started)),
            detail: None,
        };
        if self.client_elicitation {
            // Never an id the server already uses for a request of its own to the client: the
            // client's answer to that request would be read as the person's approval.
            let key = loop {
                self.next_elicit += 1;
                let key = IdKey::string(&format!("mcpward-approval-{}", self.next_elicit));
                if !self.server_pending.contains_key(&key) {
                    break key;
                }
            };
            let (tx, rx) = oneshot::channel();
            self.elicit_pending.insert(key.clone(), tx);
            done.elicitation = Some(key.clone());
            if let Some(entry) = self.awaiting_approval.get_mut(&call_key) {
                entry.elicitation = Some(key.clone());
            }
            let params =
                approval::elicitation_params(&self.server, &tool, &masked, &decision.reason);
            self.send_client(envelope::request(&key, "elicitation/create", &params))
                .await;
            rec.detail = Some(format!("asked the client via elicitation (request {key})"));
            self.audit(rec, false).await;
            tokio::task::spawn_local(async move {
                done.verdict = match tokio::time::timeout(timeout, rx).await {
                    Err(_) => Verdict::Refused {
                        why: format!(
                            "nobody answered the approval request within {} s",
                            timeout.as_secs()
                        ),
                        by: None,
                    },
                    Ok(Err(_)) => Verdict::Refused {
                        why: "the approval request was abandoned".into(),
                        by: None,
                    },
                    Ok(Ok(result)) => match approval::read_answer(result.as_deref()) {
                        ElicitAnswer::ApprovedOnce => Verdict::Approved {
                            session: false,
                            by: "elicitation".into(),
                        },
                        ElicitAnswer::ApprovedForSession => Verdict::Approved {
                            session: true,
                            by: "elicitation".into(),
                        },
                        ElicitAnswer::Refused => Verdict::Refused {
                            why: "the person declined".into(),
                            by: Some("elicitation".into()),
                        },
                    },
                };
                let _ = done_tx.send(done);
            });
            return;
        }
        let queue = match self.queue.clone() {
            Some(q) => Ok(q),
            None => ApprovalQueue::open(&self.state_dir).map(Rc::new),
        };
        let queue = match queue {
            Ok(q) => {
                self.queue = Some(q.clone());
                q
            }
            Err(e) => {
                rec.detail = Some(format!("approval queue unavailable: {e}"));
                self.audit(rec, false).await;
                done.verdict = Verdict::Refused {
                    why: format!(
                        "the client cannot be asked (no elicitation support) and the approval queue in {} is unavailable ({e})",
                        self.state_dir.display()
                    ),
                    by: None,
                };
                let _ = done_tx.send(done);
                return;
            }
        };
        let request_id = queue.new_id();
        let state_flag =
            approval::state_dir_flag(&self.state_dir, &crate::queue::default_state_dir());
        let prompt = approval::queue_prompt(
            &self.server,
            &tool,
            &self.redactor.redact(&decision.reason),
            &request_id,
            &state_flag,
            timeout,
        );
        let _ = writeln!(std::io::stderr(), "{prompt}");
        // A client that cannot elicit still shows MCP log messages: tell the person there that a
        // call waits and which command answers it, instead of a silent hang.
        let notice = envelope::notification(
            "notifications/message",
            &serde_json::json!({"level": "warning", "logger": "mcpward", "data": prompt}),
        );
        self.send_client(notice).await;
        if let Some(desktop) = &self.desktop {
            desktop.announce(crate::desktop::Notice::waiting(
                &crate::desktop::WaitingCall {
                    server: &self.server,
                    tool: &tool,
                    masked_arguments: &masked,
                    request_id: &request_id,
                    state_flag: &state_flag,
                    timeout,
                },
            ));
        }
        rec.detail = Some(format!("waiting in the approval queue as {request_id}"));
        self.audit(rec, false).await;
        let request = ApprovalRequest {
            id: request_id,
            session: self.session_id.clone(),
            server: self.server.clone(),
            tool,
            arguments_masked: masked,
            reason: self.redactor.redact(&decision.reason).into_owned(),
        };
        let waiting = tokio::task::spawn_local(async move {
            done.verdict = match queue.request(request, timeout).await {
                ApprovalOutcome::Approved { scope, by } => Verdict::Approved {
                    session: scope == ApprovalScope::Session,
                    by: by.to_string(),
                },
                ApprovalOutcome::Denied { by } => Verdict::Refused {
                    why: "the approval queue denied it".into(),
                    by: Some(by.to_string()),
                },
                ApprovalOutcome::TimedOut => Verdict::Refused {
                    why: format!("nobody approved it within {} s", timeout.as_secs()),
                    by: None,
                },
                ApprovalOutcome::Refused { reason } => Verdict::Refused {
                    why: reason,
                    by: None,
                },
                ApprovalOutcome::Unavailable { reason } => Verdict::Refused {
                    why: format!("the approval queue failed ({reason})"),
                    by: None,
                },
            };
            let _ = done_tx.send(done);
        });
        if let Some(entry) = self.awaiting_approval.get_mut(&call_key) {
            entry.waiting = Some(waiting.abort_handle());
        }
    }

    /// The client cancelled a call: if it is still waiting for a person, forget it, so no answer
    /// is sent and an approval that arrives later runs nothing.
    async fn withdraw_approval(&mut self, params: Option<&RawValue>) {
        #[derive(Deserialize)]
        struct Cancelled<'a> {
            #[serde(borrow, rename = "requestId")]
            request_id: &'a RawValue,
        }
        let Some(cancelled) =
            params.and_then(|p| serde_json::from_str::<Cancelled<'_>>(p.get()).ok())
        else {
            return;
        };
        let key = IdKey::from_raw(cancelled.request_id);
        if let Some(awaiting) = self.awaiting_approval.remove(&key) {
            // Stop waiting: the queued request disappears from `mcpward approve --list`.
            if let Some(waiting) = awaiting.waiting {
                waiting.abort();
            }
            // The question in the client's dialog no longer stands: an answer to it is dropped.
            if let Some(elicitation) = awaiting.elicitation
                && self.elicit_pending.remove(&elicitation).is_some()
            {
                self.cancel_elicitation(&elicitation, "the call was cancelled")
                    .await;
            }
            self.note(event(
                &self.server,
                "approval-withdrawn",
                Some(format!(
                    "the client cancelled request {key} while it waited for approval"
                )),
            ));
        }
    }

    /// Tells the client mcpward no longer waits for the answer to its `elicitation/create`.
    async fn cancel_elicitation(&mut self, elicitation: &IdKey, reason: &str) {
        let cancel = serde_json::json!({
            "requestId": serde_json::from_str::<Value>(&elicitation.to_json()).unwrap_or(Value::Null),
            "reason": reason
        });
        let frame = serde_json::json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": cancel});
        self.send_client(frame.to_string().into_bytes()).await;
    }

    async fn finish_approval(&mut self, done: ApprovalDone) {
        let key = IdKey::from_raw(&done.id);
        // An elicitation still unanswered (timed out) is withdrawn so the client closes its dialog.
        if let Some(elicitation) = &done.elicitation
            && self.elicit_pending.remove(elicitation).is_some()
        {
            self.cancel_elicitation(elicitation, "mcpward stopped waiting for an answer")
                .await;
        }
        // Only the ask this answer belongs to: after a cancel the id may name a newer call.
        match self.awaiting_approval.get(&key) {
            Some(awaiting) if awaiting.ticket == done.ticket => {
                self.awaiting_approval.remove(&key);
            }
            _ => return,
        }
        let mut rec = Record {
            server: self.server.clone(),
            method: "tools/call".into(),
            tool: Some(done.tool.clone()),
            args_digest: Some(done.args_digest),
            decision: String::new(),
            rule: Some(done.rule.clone()),
            approver: None,
            latency_us: Some(micros(done.started)),
            detail: None,
        };
        // While the person decided, the files the arguments name may have changed (a directory
        // swapped for a link into a denied place): judge the call again, and refuse it if the
        // answer would now be a refusal or a different question.
        let verdict = match done.verdict {
            Verdict::Approved { session, by } => {
                let again = self.judge(&done.tool, &done.args).decision;
                if again.action == Action::Deny || again.rule_label() != done.decision.rule_label()
                {
                    Verdict::Refused {
                        why: format!(
                            "the call was approved, but what its arguments point to changed while waiting ({}); nothing was run, call it again to be asked anew",
                            self.redactor.redact(&again.reason)
                        ),
                        by: Some(by),
                    }
                } else {
                    Verdict::Approved { session, by }
                }
            }
            refused => refused,
        };
        match verdict {
            Verdict::Approved { session, by } => {
                rec.decision = "ask-approved".into();
                rec.approver = Some(by);
                // Behind a front that carries many clients, "the rest of the session" would
                // approve the tool for every other client too: the answer covers this call.
                let session = session && !self.multiplexed_clients;
                if session {
                    rec.detail = Some("approved for the rest of the session".into());
                    self.catalogue.approve_for_session(&done.tool, &done.rule);
                }
                if !self.audit(rec, done.durable).await {
                    let text = refusal_text(
                        &self.server,
                        &done.tool,
                        "the audit log could not be written",
                    );
                    self.send_client(envelope::result_response(&done.id, &error_result(&text)))
                        .await;
                    return;
                }
                self.client_pending.insert(
                    key,
                    Pending {
                        id: done.id,
                        kind: PendingKind::ToolCall {
                            tool: done.tool,
                            untrusted: done.untrusted,
                        },
                    },
                );
                self.send_server(done.frame).await;
            }
            Verdict::Refused { why, by } => {
                rec.decision = "ask-denied".into();
                rec.approver = by;
                rec.detail = Some(why.clone());
                self.audit(rec, false).await;
                let text = refusal_text(&self.server, &done.tool, &why);
                self.send_client(envelope::result_response(&done.id, &error_result(&text)))
                    .await;
            }
        }
    }

    // ---- server → client -------------------------------------------------------------------

    async fn on_server_frame(&mut self, bytes: Vec<u8>) {
        enum Next {
            Forward,
            ToolsList(Box<RawValue>),
            /// The answer to mcpward's own listing: learnt, not forwarded.
            OwnToolsList(Result<String, String>),
            Drop(&'static str, String),
        }
        // The client's reader must see the one message mcpward decided on, too.
        let (bytes, hazard) = match crate::frame::one_message_for_every_reader(bytes) {
            Ok(bytes) => (bytes, None),
            Err(hazard) => (hazard.bytes, Some(hazard.error.to_string())),
        };
        let parsed = match hazard {
            Some(why) => Err(why),
            None => envelope::parse(&bytes).map_err(|e| e.to_string()),
        };
        let next = match parsed {
            Err(err) => {
                let salvaged = envelope::salvage_id(&bytes).map(|id| IdKey::from_raw(&id));
                // The error can quote the frame (a duplicate key): masked like the frame would be.
                let err = self.redactor.redact(&err).into_owned();
                let detail = format!("dropped an invalid frame from the server: {err}");
                let pending = salvaged.and_then(|k| self.client_pending.remove(&k));
                if let Some(Pending {
                    kind: PendingKind::OwnToolsList,
                    ..
                }) = pending
                {
                    // mcpward's own listing failed: its waiting calls must not wait forever.
                    self.audit(
                        event(&self.server, "invalid-server-frame", Some(detail)),
                        false,
                    )
                    .await;
                    self.own_listing(Err(format!("an invalid response: {err}")))
                        .await;
                    return;
                }
                if let Some(p) = pending {
                    let msg = format!(
                        "the MCP server `{}` sent an invalid response ({err}); mcpward dropped it",
                        self.server
                    );
                    self.send_client(envelope::error_response(
                        Some(&p.id),
                        INTERNAL_ERROR,
                        &msg,
                        None,
                    ))
                    .await;
                }
                self.audit(
                    event(&self.server, "invalid-server-frame", Some(detail)),
                    false,
                )
                .await;
                return;
            }
            Ok(env) => match env.message {
                Message::Response { id, outcome } => {
                    let key = IdKey::from_raw(id);
                    if let Ok(result) = &outcome {
                        self.watch_input_requests(result.get());
                    }
                    match self.client_pending.remove(&key) {
                        None => Next::Drop(
                            "unsolicited-response",
                            format!(
                                "server response with id {key} matches no pending request; dropped"
                            ),
                        ),
                        Some(p) => match p.kind {
                            PendingKind::ToolsList if outcome.is_ok() => Next::ToolsList(p.id),
                            PendingKind::OwnToolsList => Next::OwnToolsList(
                                outcome
                                    .map(|r| r.get().to_owned())
                                    .map_err(|e| e.get().to_owned()),
                            ),
                            PendingKind::ToolCall { tool, untrusted } => {
                                // An error carries what the tool read as well as a result does
                                // (the fetch server quotes a site's robots.txt in its error).
                                if untrusted {
                                    self.taint.mark(&tool);
                                }
                                Next::Forward
                            }
                            // Resources and prompts reach the model as tool results do; only a
                            // server the policy trusts is taken at its word.
                            PendingKind::Content(method)
                                if !self.policy.defaults.trusts(&self.server) =>
                            {
                                self.taint.mark(&method);
                                Next::Forward
                            }
                            // What the server says it is: the same check for both revisions.
                            PendingKind::Initialize => {
                                if let Ok(result) = &outcome {
                                    let identity =
                                        stateless::identity_from_initialize(result.get());
                                    self.learn_server(identity);
                                }
                                Next::Forward
                            }
                            PendingKind::Discover(requested) => {
                                if let Ok(result) = &outcome {
                                    let identity = stateless::identity_from_discover(
                                        result.get(),
                                        requested.as_deref(),
                                    );
                                    self.learn_server(identity);
                                }
                                Next::Forward
                            }
                            _ => Next::Forward,
                        },
                    }
                }
                Message::Request { id, method, .. } => {
                    let key = IdKey::from_raw(id);
                    if self.elicit_pending.contains_key(&key) {
                        // The client's answer would come back under the id of mcpward's own
                        // approval request and could approve a call the person never saw.
                        let msg = format!(
                            "request id {key} is in use by mcpward's own request to the client; use another id"
                        );
                        self.send_server(envelope::error_response(
                            Some(id),
                            INVALID_REQUEST,
                            &msg,
                            None,
                        ))
                        .await;
                        Next::Drop(
                            "invalid-server-frame",
                            format!("refused a server request: {msg}"),
                        )
                    } else {
                        // A sampling request puts the server's text straight into the model's
                        // context: what the model does next may be the server's instruction.
                        if method == "sampling/createMessage"
                            && !self.policy.defaults.trusts(&self.server)
                        {
                            self.taint.mark(method);
                        }
                        self.server_pending.insert(key, method == "roots/list");
                        Next::Forward
                    }
                }
                Message::Notification { method, .. } => {
                    if method == "notifications/tools/list_changed" {
                        self.forget_tools();
                        // Check the new tools against their pins now, whether or not the
                        // client lists them again: drift is recorded when it happens.
                        self.list_tools_for_pins(None).await;
                    }
                    Next::Forward
                }
            },
        };
        let bytes = match next {
            Next::Drop(what, why) => {
                self.audit(event(&self.server, what, Some(why)), false)
                    .await;
                return;
            }
            Next::ToolsList(id) => self.learn_tools(&id, bytes),
            Next::OwnToolsList(outcome) => {
                self.own_listing(outcome).await;
                return;
            }
            Next::Forward => bytes,
        };
        let bytes = if self.redact_responses {
            self.redact_frame(bytes)
        } else {
            bytes
        };
        self.send_client(bytes).await;
    }

    /// Launch roots and client-declared roots, each once, at most [`MAX_ROOTS`].
    fn all_roots(&self) -> Vec<std::path::PathBuf> {
        let mut roots = self.roots.clone();
        for r in &self.client_roots {
            if !roots.contains(r) {
                roots.push(r.clone());
            }
        }
        roots.truncate(MAX_ROOTS);
        roots
    }

    /// Reads the client's `roots/list` answer: `file://` URIs of directories.
    fn learn_client_roots(&mut self, result: &str) {
        #[derive(Deserialize)]
        struct Roots {
            #[serde(default)]
            roots: Vec<Root>,
        }
        #[derive(Deserialize)]
        struct Root {
            uri: String,
        }
        let Ok(list) = serde_json::from_str::<Roots>(result) else {
            return;
        };
        let dirs: Vec<std::path::PathBuf> = list
            .roots
            .iter()
            .filter_map(|r| crate::paths::file_uri_path(&r.uri))
            .collect();
        if dirs.is_empty() {
            return;
        }
        self.client_roots = crate::paths::canonical_roots(&dirs);
        let shown: Vec<String> = self
            .client_roots
            .iter()
            .map(|r| r.display().to_string())
            .collect();
        self.note(event(
            &self.server,
            "client-roots",
            Some(format!(
                "the client declared roots; path arguments are also judged against: {}",
                shown.join(", ")
            )),
        ));
    }

    /// The server says its tools changed: what we knew about them (annotations that proved a
    /// tool read-only, approvals for the session) may no longer describe them. Until the client
    /// lists them again, calls are judged without that knowledge, i.e. more strictly.
    fn forget_tools(&mut self) {
        let revoked = self.catalogue.forget();
        let detail = if revoked.is_empty() {
            "the server changed its tools".to_owned()
        } else {
            format!(
                "the server changed its tools; session approvals withdrawn: {}",
                revoked.join(", ")
            )
        };
        self.note(event(&self.server, "tools-changed", Some(detail)));
    }

    /// Lists the server's tools for mcpward itself (after the session is set up and whenever
    /// the server says its tools changed), so each is checked against its pin before a call.
    async fn list_tools_for_pins(&mut self, cursor: Option<String>) {
        if !self.catalogue.pins_enforced() || self.to_server.is_none() {
            return;
        }
        let key = loop {
            self.next_own_list += 1;
            let key = IdKey::string(&format!("mcpward-tools-{}", self.next_own_list));
            if !self.client_id_in_use(&key) {
                break key;
            }
        };
        let Ok(raw) = RawValue::from_string(key.to_json().into_owned()) else {
            return;
        };
        let cursor_given = cursor.is_some();
        let mut params = match cursor {
            Some(c) => serde_json::json!({ "cursor": c }),
            None => serde_json::json!({}),
        };
        // A 2026-07-28 server takes no request without the version and capabilities in `_meta`.
        if let Some(meta) = &self.stateless_meta
            && let Some(p) = params.as_object_mut()
        {
            p.insert("_meta".into(), meta.for_own_request());
        }
        self.client_pending.insert(
            key.clone(),
            Pending {
                id: raw,
                kind: PendingKind::OwnToolsList,
            },
        );
        if cursor_given {
            self.own_list_pages += 1;
        } else {
            self.own_list_pages = 1;
            self.own_lists_in_flight += 1;
        }
        self.own_list_deadline = Some(tokio::time::Instant::now() + OWN_LIST_TIMEOUT);
        self.send_server(envelope::request(&key, "tools/list", &params))
            .await;
    }

    /// The server answered mcpward's own listing: learn the page, ask for the next one, and
    /// once the listing is complete judge the calls that waited for it.
    async fn own_listing(&mut self, outcome: Result<String, String>) {
        #[derive(Deserialize)]
        struct Page {
            #[serde(default)]
            tools: Vec<Value>,
            #[serde(default, rename = "nextCursor")]
            next_cursor: Option<String>,
        }
        let next = match outcome.as_deref().map(serde_json::from_str::<Page>) {
            Ok(Ok(page)) => {
                self.learn_listing(&page.tools);
                page.next_cursor.filter(|c| !c.is_empty())
            }
            Ok(Err(e)) => {
                self.note(event(
                    &self.server,
                    "pin-error",
                    Some(format!("the server's tool list is invalid ({e}); its tools cannot be checked against their pins")),
                ));
                None
            }
            Err(e) => {
                let e = self.redactor.redact(e).into_owned();
                self.note(event(
                    &self.server,
                    "pin-error",
                    Some(format!("the server refused to list its tools ({e}); its tools cannot be checked against their pins")),
                ));
                None
            }
        };
        if next.is_some() && self.own_list_pages < MAX_OWN_LIST_PAGES {
            self.list_tools_for_pins(next).await;
            return;
        }
        self.own_lists_in_flight = self.own_lists_in_flight.saturating_sub(1);
        if self.own_lists_in_flight > 0 {
            return;
        }
        self.own_list_deadline = None;
        for held in std::mem::take(&mut self.held_calls) {
            self.tool_call(held.id, held.params, held.frame).await;
        }
    }

    /// The server did not answer mcpward's listing in time: stop waiting (its answer is dropped
    /// when it comes) and judge the held calls with what is known, i.e. refuse unseen tools.
    async fn own_list_timed_out(&mut self) {
        self.own_list_deadline = None;
        self.own_lists_in_flight = 0;
        self.client_pending
            .retain(|_, p| !matches!(p.kind, PendingKind::OwnToolsList));
        self.note(event(
            &self.server,
            "pin-error",
            Some(format!(
                "the server did not list its tools within {} s; tools it has not listed are refused",
                OWN_LIST_TIMEOUT.as_secs()
            )),
        ));
        for held in std::mem::take(&mut self.held_calls) {
            self.tool_call(held.id, held.params, held.frame).await;
        }
    }

    /// Remembers the tools of a listing (annotations, descriptions, pins) and records what
    /// changed. Returns the tools a client must not see: those refused by their pin, and, when
    /// configured, those the policy always denies.
    fn learn_listing(&mut self, tools: &[Value]) -> Vec<(String, &'static str)> {
        let (changed, events) = self.catalogue.learn(tools);
        for changed in changed {
            let detail = format!(
                "tool `{}` changed its definition{}",
                changed.name,
                if changed.revoked {
                    "; its approval for this session is withdrawn"
                } else {
                    ""
                }
            );
            self.note(event(&self.server, "tool-changed", Some(detail)));
        }
        for e in events {
            let mut rec = event(&self.server, e.name, Some(e.detail));
            rec.tool = e.tool;
            self.note(rec);
        }
        let unknown_denied = self.policy.defaults.unknown_tools == Action::Deny;
        tools
            .iter()
            .filter_map(|t| t.get("name").and_then(Value::as_str))
            .filter_map(|name| match self.catalogue.pin_status(name) {
                PinStatus::Blocked(_) => Some((name.to_owned(), "pin")),
                PinStatus::Unpinned if unknown_denied => Some((name.to_owned(), "pin")),
                _ if self.hide_denied && self.policy.always_denies(&self.server, name) => {
                    Some((name.to_owned(), "policy"))
                }
                _ => None,
            })
            .collect()
    }

    /// Remembers the tools of the client's `tools/list` result and removes those the client
    /// must not see (see [`Self::learn_listing`]). Re-serialises only when something was removed.
    fn learn_tools(&mut self, id: &RawValue, bytes: Vec<u8>) -> Vec<u8> {
        #[derive(Deserialize)]
        struct ListFrame {
            result: ListResult,
        }
        #[derive(Deserialize)]
        struct ListResult {
            #[serde(default)]
            tools: Vec<Value>,
        }
        let parsed = match serde_json::from_slice::<ListFrame>(&bytes) {
            Ok(parsed) => parsed,
            // A listing mcpward cannot read cannot be checked against pins: the client does not
            // get it either (it might read it differently, and show the model a changed tool).
            Err(e) if self.catalogue.pins_enforced() => {
                let detail = format!(
                    "dropped a tools/list result that is not a list of tools ({e}); its tools cannot be checked against their pins"
                );
                self.note(event(&self.server, "invalid-server-frame", Some(detail)));
                let msg = format!(
                    "the MCP server `{}` answered tools/list with something that is not a list of tools; mcpward dropped it",
                    self.server
                );
                return envelope::error_response(Some(id), INTERNAL_ERROR, &msg, None);
            }
            Err(_) => return bytes,
        };
        let hidden = self.learn_listing(&parsed.result.tools);
        if hidden.is_empty() {
            return bytes;
        }
        let Ok(mut frame) = serde_json::from_slice::<Value>(&bytes) else {
            return bytes;
        };
        if let Some(tools) = frame
            .pointer_mut("/result/tools")
            .and_then(Value::as_array_mut)
        {
            tools.retain(|t| {
                t.get("name")
                    .and_then(Value::as_str)
                    .is_none_or(|n| !hidden.iter().any(|(h, _)| h == n))
            });
        }
        let names = |why: &str| -> Vec<&str> {
            hidden
                .iter()
                .filter(|(_, w)| *w == why)
                .map(|(n, _)| n.as_str())
                .collect()
        };
        let by_pin = names("pin");
        if !by_pin.is_empty() {
            let detail = format!(
                "hid tools that do not match their pin: {}",
                by_pin.join(", ")
            );
            self.note(event(&self.server, "tools-hidden", Some(detail)));
        }
        let by_policy = names("policy");
        if !by_policy.is_empty() {
            let detail = format!(
                "hid tools the policy always denies: {}",
                by_policy.join(", ")
            );
            self.note(event(&self.server, "tools-hidden", Some(detail)));
        }
        serde_json::to_vec(&frame)
            .map(crate::frame::escape_unicode_line_ends)
            .unwrap_or(bytes)
    }

    fn redact_frame(&mut self, bytes: Vec<u8>) -> Vec<u8> {
        let Ok(text) = std::str::from_utf8(&bytes) else {
            return bytes;
        };
        let masked = self.redactor.redact(text);
        let decoded = self.redactor.redact_escaped_json(&masked);
        let out = match (masked, decoded) {
            // Decoded and serialised again: serde_json writes line separators raw.
            (_, Some(masked)) => crate::frame::escape_unicode_line_ends(masked.into_bytes()),
            (std::borrow::Cow::Owned(masked), None) => masked.into_bytes(),
            (std::borrow::Cow::Borrowed(_), None) => return bytes,
        };
        let rec = event(
            &self.server,
            "redacted",
            Some("masked secrets in a message from the server".into()),
        );
        self.note(rec);
        out
    }

    async fn server_exited(&mut self, code: i32) {
        let msg = format!(
            "the MCP server `{}` exited (status {code}) before answering; check its stderr, then restart the client",
            self.server
        );
        let mut ids: Vec<Box<RawValue>> = self
            .client_pending
            .drain()
            .filter(|(_, p)| !matches!(p.kind, PendingKind::OwnToolsList))
            .map(|(_, p)| p.id)
            .collect();
        ids.extend(self.awaiting_approval.drain().map(|(_, a)| a.id));
        ids.extend(self.held_calls.drain(..).map(|h| h.id));
        for id in ids {
            self.send_client(envelope::error_response(Some(&id), SERVER_GONE, &msg, None))
                .await;
        }
        self.audit(
            event(
                &self.server,
                "server-exit",
                Some(format!("exit status {code}")),
            ),
            true,
        )
        .await;
    }

    // ---- plumbing --------------------------------------------------------------------------

    /// Whether a request from the client under `key` is still unanswered (forwarded, or waiting
    /// for a person).
    fn client_id_in_use(&self, key: &IdKey) -> bool {
        self.client_pending.contains_key(key) || self.awaiting_approval.contains_key(key)
    }

    /// Frames reach here as one line to every reader: relayed ones were checked when read, and
    /// the ones mcpward builds or re-serialises are escaped where they are serialised.
    async fn send_client(&mut self, frame: Vec<u8>) {
        self.to_client.send(frame).await;
    }

    async fn send_server(&mut self, frame: Vec<u8>) {
        if let Some(out) = &self.to_server {
            out.send(frame).await;
        }
    }

    /// Records an event or decision; `false` when the log exists and has failed (callers refuse
    /// what they were about to allow). `durable` records are on disk, fsynced, when this returns;
    /// the others are queued and written when the relay goes idle. Without a configured log
    /// nothing can fail.
    async fn audit(&mut self, rec: Record, durable: bool) -> bool {
        let Some(log) = &self.log else {
            return true;
        };
        let rec = masked_detail(&self.redactor, rec);
        if log.is_broken() {
            return false;
        }
        if durable {
            log.record_and_wait(rec, true).await
        } else {
            log.record(rec);
            !log.is_broken()
        }
    }

    /// Queues a record that needs no fsync (events, reads, denials).
    fn note(&mut self, rec: Record) {
        if let Some(log) = &self.log {
            log.record(masked_detail(&self.redactor, rec));
        }
    }
}

/// Details quote what the peers sent (a rejected frame's duplicate key, a server's error):
/// secrets in them are masked before the record is written.
fn masked_detail(redactor: &Redactor, mut rec: Record) -> Record {
    if let Some(detail) = &rec.detail
        && let std::borrow::Cow::Owned(masked) = redactor.redact(detail)
    {
        rec.detail = Some(masked);
    }
    rec
}

/// A decision and what it was made on.
struct Judged {
    decision: Decision,
    facts: ToolFacts,
    untrusted: bool,
    durable: bool,
}

struct AskContext {
    id: Box<RawValue>,
    frame: Vec<u8>,
    tool: String,
    args: Value,
    masked: Value,
    digest: String,
    decision: Decision,
    untrusted: bool,
    durable: bool,
    started: Instant,
    /// What this request's `_meta` says about the client (empty for a 2025 client).
    client: RequestMeta,
    /// The server's own multi round-trip fields on the call, kept in mcpward's state.
    retry: RetryFields,
}

/// A `tools/call` retried with mcpward's request state.
struct Retried {
    id: Box<RawValue>,
    frame: Vec<u8>,
    tool: String,
    args: Value,
    state: String,
    responses: Option<Value>,
    started: Instant,
}

/// Values to mask in everything the server sends: the secrets mcpward put in its environment and,
/// unless disabled, secret-like variables it inherits (placeholders and references excluded).
fn secret_values(opts: &RunOptions) -> Vec<String> {
    let mut values: Vec<String> = opts.secret_env.iter().map(|(_, v)| v.clone()).collect();
    if opts.mask_inherited_secrets {
        let overridden = |k: &str| opts.env.iter().chain(&opts.secret_env).any(|(o, _)| o == k);
        values.extend(
            std::env::vars()
                .filter(|(k, v)| !overridden(k) && inherited_value_is_secret(k, v))
                .map(|(_, v)| v),
        );
    }
    values
}

/// Whether an inherited variable holds a secret, judged by its value: a provider's token format,
/// or a random-looking value under a secret-like name. A name alone never makes a secret (`PWD`
/// and `OLDPWD` hold the project path, `SSH_AUTH_SOCK` and `XAUTHORITY` paths), and paths, lists
/// of paths and short or ordinary words are never masked: masking them would blank out every
/// mention of the project directory in every result.
fn inherited_value_is_secret(key: &str, value: &str) -> bool {
    if value.len() < crate::redact::MIN_ENV_SECRET_LEN
        || mcpward_secrets::is_placeholder(value)
        || mcpward_secrets::is_reference(value)
        || looks_like_paths(value)
    {
        return false;
    }
    let detector = mcpward_secrets::Detector::global();
    if !detector.scan_value(None, value).is_empty() {
        return true;
    }
    // Under a secret-like name, a high-entropy value; a mere "literal password" guess (any word
    // under a name such as `*PWD`) is not enough for a value mcpward did not place itself.
    mcpward_secrets::is_secret_like_key(key)
        && detector
            .scan_value(Some(key), value)
            .iter()
            .any(|m| m.provider != "password")
}

/// An absolute or home-relative path, or a `:`-separated list of them (`PATH`, `PWD`, sockets).
fn looks_like_paths(value: &str) -> bool {
    value.split(':').all(|part| {
        part.is_empty() || part.starts_with('/') || part.starts_with("~/") || part.starts_with("./")
    })
}

fn event(server: &str, name: &str, detail: Option<String>) -> Record {
    Record {
        server: server.to_owned(),
        method: name.to_owned(),
        decision: "event".into(),
        detail,
        ..Record::default()
    }
}

fn micros(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX)
}

fn client_declares_elicitation(params: Option<&RawValue>) -> bool {
    #[derive(Deserialize)]
    struct InitParams {
        #[serde(default)]
        capabilities: rmcp::model::ClientCapabilities,
    }
    params
        .and_then(|p| serde_json::from_str::<InitParams>(p.get()).ok())
        .is_some_and(|p| p.capabilities.elicitation.is_some())
}

fn new_session_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{:x}-{:x}", std::process::id(), nanos)
}

fn spawn_reader<R: AsyncRead + Unpin + 'static>(
    reader: R,
    max: usize,
) -> mpsc::Receiver<std::io::Result<Frame>> {
    let (tx, rx) = mpsc::channel(CHANNEL_FRAMES);
    tokio::task::spawn_local(async move {
        let mut frames = FrameReader::new(BufReader::with_capacity(PIPE_BUFFER, reader), max);
        loop {
            let frame = frames.next_frame().await;
            let end = matches!(frame, Ok(Frame::Eof) | Err(_));
            if tx.send(frame).await.is_err() || end {
                return;
            }
        }
    });
    rx
}

/// How long the end of a session waits for the rest of the server's stderr.
const STDERR_DRAIN: Duration = Duration::from_millis(500);

/// Copies the server's stderr to ours line by line with secrets masked: servers log their
/// configuration and errors quote tokens, and clients keep this stream in their MCP log files.
/// A line longer than `max` is replaced by a note rather than buffered.
async fn relay_stderr(stderr: tokio::process::ChildStderr, redactor: Rc<Redactor>, max: usize) {
    let mut lines = FrameReader::new(BufReader::new(stderr), max);
    let mut out = tokio::io::stderr();
    loop {
        let line = match lines.next_frame().await {
            Ok(Frame::Line(bytes)) => {
                let text = String::from_utf8_lossy(&bytes);
                let mut line = redactor.redact(&text).into_owned();
                line.push('\n');
                line
            }
            Ok(Frame::TooLarge { bytes, .. }) => {
                format!("mcpward: dropped a {bytes}-byte line of the server's stderr\n")
            }
            Ok(Frame::Eof) | Err(_) => return,
        };
        if out.write_all(line.as_bytes()).await.is_err() {
            return;
        }
    }
}

async fn sleep_opt(until: Option<tokio::time::Instant>) {
    match until {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

struct Signals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
        })
    }
}

/// Sends each SIGINT and SIGTERM mcpward receives to `tx`, until the loop is gone.
async fn forward_signals(mut signals: Signals, tx: mpsc::UnboundedSender<rustix::process::Signal>) {
    loop {
        let sig = tokio::select! {
            Some(()) = signals.int.recv() => rustix::process::Signal::INT,
            Some(()) = signals.term.recv() => rustix::process::Signal::TERM,
            // Both streams ended (the runtime is shutting down): nothing more will come.
            else => return,
        };
        if tx.send(sig).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mcpward_policy::ToolKind;
    use serde_json::json;

    #[test]
    fn project_path_in_pwd_and_sockets_in_auth_variables_are_not_secrets() {
        for (k, v) in [
            ("PWD", "/home/alice-example/projects/shop"),
            ("OLDPWD", "/home/alice"),
            ("SSH_AUTH_SOCK", "/tmp/ssh-XXXXk3j2/agent.1234"),
            ("XAUTHORITY", "/run/user/1000/gdm/Xauthority"),
            ("DB_PASSWORD_FILE", "/run/secrets/db"),
            ("AUTH_MODE", "interactive"),
            ("MY_PWD", "hunter2hunter"),
        ] {
            assert!(!inherited_value_is_secret(k, v), "{k}={v}");
        }
    }

    #[test]
    fn inherited_tokens_are_secrets_by_their_value() {
        let token = mcpward_testkit::fake_github_token();
        // A provider format is a secret whatever the variable is called.
        assert!(inherited_value_is_secret("SOME_VALUE", &token));
        // A random-looking value under a secret-like name.
        assert!(inherited_value_is_secret(
            "ACME_API_KEY",
            "q8Zr3LpX0vN7tK2mW9sB4yF6hJ1cD5gA"
        ));
        assert!(!inherited_value_is_secret(
            "ACME_API_KEY",
            "${ACME_API_KEY}"
        ));
    }

    #[test]
    fn untrusted_servers_read_only_claims_do_not_make_a_tool_a_read() {
        let claims = json!({"readOnlyHint": true});
        let description = Some("Reads the notes in the vault");
        assert_eq!(
            tool_kind("frobnicate", description, Some(&claims), true),
            ToolKind::Read
        );
        assert_eq!(
            tool_kind("frobnicate", description, Some(&claims), false),
            ToolKind::Unknown
        );
        assert_eq!(
            tool_kind("frobnicate", description, None, false),
            ToolKind::Unknown
        );
        // Hints that make a tool look more dangerous still count.
        let destructive = json!({"readOnlyHint": true, "destructiveHint": true});
        assert_eq!(
            tool_kind("frobnicate", None, Some(&destructive), false),
            ToolKind::Destructive
        );
        // The name is ours to read: `read_file` stays a read.
        assert_eq!(
            tool_kind("read_file", None, Some(&claims), false),
            ToolKind::Read
        );
    }
}
