//! Runs the gateway in-process (on its own thread and current-thread runtime, as `mcpward run`
//! does) with the test client on the other end of a pipe.
#![allow(dead_code)]

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use mcpward_gateway::proxy::{GatewayError, RunOptions, run_with_io};
use mcpward_testkit::McpClient;
use serde_json::{Value, json};
use tokio::io::{DuplexStream, ReadHalf, WriteHalf};

pub type Client = McpClient<ReadHalf<DuplexStream>, WriteHalf<DuplexStream>>;

pub struct Session {
    pub client: Client,
    pub gateway: std::thread::JoinHandle<Result<i32, GatewayError>>,
}

impl Session {
    /// Closes the client side and returns the gateway's exit status.
    pub async fn finish(mut self) -> i32 {
        self.client.close().await.expect("close client");
        tokio::task::spawn_blocking(move || self.gateway.join())
            .await
            .expect("join")
            .expect("gateway thread panicked")
            .expect("gateway error")
    }
}

/// Options for `command args` with test defaults: no signal handlers, short grace, a private
/// state dir (the approval queue) under `state`.
pub fn options(command: impl Into<OsString>, args: Vec<OsString>, state: &Path) -> RunOptions {
    let mut opts = RunOptions::new(command, args);
    opts.forward_signals = false;
    opts.shutdown_grace = Duration::from_millis(500);
    opts.state_dir = state.to_path_buf();
    opts
}

pub fn start(opts: RunOptions) -> Session {
    let (client_side, gateway_side) = tokio::io::duplex(4 << 20);
    let gateway = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let (r, w) = tokio::io::split(gateway_side);
        rt.block_on(run_with_io(opts, r, w))
    });
    let (r, w) = tokio::io::split(client_side);
    Session {
        client: McpClient::new(r, w),
        gateway,
    }
}

/// A client that declares elicitation and answers every approval with `answer`.
pub fn elicitation_capabilities() -> Value {
    json!({"elicitation": {}})
}

pub fn answer_elicitation(client: &mut Client, answer: Value) {
    client.on_server_request(Box::new(move |method, _params| {
        if method == "elicitation/create" {
            Ok(answer.clone())
        } else {
            Err((-32601, format!("no handler for {method}")))
        }
    }));
}

/// Approves or denies (per `approve`) the first request that appears in the approval queue.
pub fn answer_queue(state: &Path, approve: bool) -> std::thread::JoinHandle<String> {
    answer_queue_with(
        state,
        approve.then_some(mcpward_gateway::queue::ApprovalScope::Once),
    )
}

/// Approves with `scope`, or denies when `None`, the first request in the approval queue.
pub fn answer_queue_with(
    state: &Path,
    scope: Option<mcpward_gateway::queue::ApprovalScope>,
) -> std::thread::JoinHandle<String> {
    answer_queue_after(state, scope, Box::new(|| {}))
}

/// Like [`answer_queue_with`], running `meanwhile` once the request is listed and before the
/// answer is given (what changes while a person decides).
pub fn answer_queue_after(
    state: &Path,
    scope: Option<mcpward_gateway::queue::ApprovalScope>,
    meanwhile: Box<dyn FnOnce() + Send>,
) -> std::thread::JoinHandle<String> {
    let state = state.to_path_buf();
    std::thread::spawn(move || {
        for _ in 0..400 {
            if let Ok(pending) = mcpward_gateway::queue::pending(&state)
                && let Some(req) = pending.first()
            {
                meanwhile();
                if let Some(scope) = scope {
                    mcpward_gateway::queue::approve(
                        &state,
                        &req.id,
                        scope,
                        mcpward_gateway::queue::AnswerSource::Script,
                    )
                    .expect("approve");
                } else {
                    mcpward_gateway::queue::deny(
                        &state,
                        &req.id,
                        mcpward_gateway::queue::AnswerSource::Script,
                    )
                    .expect("deny");
                }
                return req.tool.clone();
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("no approval request appeared in the queue");
    })
}
