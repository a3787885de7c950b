//! The router: the guard in front of every route, the security headers on every answer, and
//! one handler per page. Handlers turn every failure into a page that says what went wrong.

use std::convert::Infallible;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use futures_util::Stream;
use mcpward_gateway::chain::{self, Filter};
use mcpward_gateway::queue::{self, AnswerSource, ApprovalScope, QueueError};
use serde::Deserialize;

use crate::App;
use crate::audit::{self, FilterQuery};
use crate::changes::{POLL_INTERVAL, Snapshot};
use crate::guard::{self, RequestFacts, TOKEN_HEADER};
use crate::pages::{Choice, Chrome, ErrorPage, LogPage, PendingPage, ServersPage};
use crate::{pending, servers};

/// Largest request body read (a form with an id and a choice is under 200 bytes).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Sent with every answer, refusals included.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const CSS: &str = include_str!("../assets/ui.css");
const JS: &str = include_str!("../assets/ui.js");

pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(pending_page))
        .route("/log", get(log_page))
        .route("/servers", get(servers_page))
        .route("/answer", post(answer))
        .route("/events", get(events))
        .route("/ui.css", get(css))
        .route("/ui.js", get(js))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(app.clone(), guard_layer))
        .with_state(app)
}

/// Admits the request or refuses it (403 with a short text), and sets the security headers on
/// whatever goes out.
async fn guard_layer(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let mut response = match admit(&app, req).await {
        Ok(req) => next.run(req).await,
        Err(refused) => refused,
    };
    security_headers(response.headers_mut());
    response
}

async fn admit(app: &App, req: Request) -> Result<Request, Response> {
    let (parts, body) = req.into_parts();
    let changes_state = parts.method != Method::GET && parts.method != Method::HEAD;
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let query_token = parts
        .uri
        .query()
        .and_then(|q| form_value(q.as_bytes(), "token"));
    let mut facts = RequestFacts {
        is_post: changes_state,
        host: header(header::HOST.as_str()),
        origin: header(header::ORIGIN.as_str()),
        sec_fetch_site: header("sec-fetch-site"),
        query_token: query_token.as_deref(),
        body_or_header_token: header(TOKEN_HEADER),
    };
    // Where the request comes from is judged before its body is read.
    guard::check_source(&facts, app.port).map_err(refuse)?;
    let mut body_token = None;
    let body = if changes_state {
        let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
            .await
            .map_err(|_| {
                text(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("refused: the request body is larger than {MAX_BODY_BYTES} bytes"),
                )
            })?;
        let is_form = header(header::CONTENT_TYPE.as_str()).is_some_and(|t| {
            t.split(';')
                .next()
                .is_some_and(|m| m.trim() == "application/x-www-form-urlencoded")
        });
        if is_form {
            body_token = form_value(&bytes, "token");
        }
        Body::from(bytes)
    } else {
        body
    };
    if facts.body_or_header_token.is_none() {
        facts.body_or_header_token = body_token.as_deref();
    }
    guard::check(&facts, &app.token, app.port).map_err(refuse)?;
    Ok(Request::from_parts(parts, body))
}

fn refuse(why: guard::Refusal) -> Response {
    text(StatusCode::FORBIDDEN, why.message().to_owned())
}

fn text(status: StatusCode, message: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message + "\n",
    )
        .into_response()
}

/// The first value of `name` in an `application/x-www-form-urlencoded` string.
fn form_value(bytes: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(bytes)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn security_headers(h: &mut HeaderMap) {
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

impl App {
    fn chrome(&self, nav: &'static str) -> Chrome {
        Chrome {
            token: self.token.as_str().to_owned(),
            page_session: self.page_session.to_string(),
            nav,
        }
    }

    /// A page saying what went wrong, with `status`.
    fn error(&self, status: StatusCode, title: &str, message: impl Into<String>) -> Response {
        let page = ErrorPage {
            chrome: self.chrome(""),
            title: title.to_owned(),
            message: message.into(),
        };
        (status, render(&page)).into_response()
    }
}

fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the page could not be rendered: {e}"),
        ),
    }
}

/// Runs blocking file work (reading and verifying a log can take a while) off the event loop.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    tokio::task::spawn_blocking(f).await.ok()
}

#[derive(Debug, Deserialize)]
struct PendingQuery {
    /// Set by the redirect after an answer: the id answered and how.
    answered: Option<String>,
    outcome: Option<String>,
}

async fn pending_page(
    State(app): State<Arc<App>>,
    query: Result<Query<PendingQuery>, QueryRejection>,
) -> Response {
    let Query(q) = match query {
        Ok(q) => q,
        Err(e) => return bad_query(&app, &e),
    };
    let notice = match (q.answered.as_deref(), q.outcome.as_deref()) {
        (None, None) => None,
        (Some(id), Some(outcome)) if is_queue_id(id) => match Answer::parse(outcome) {
            Some(answer) => Some(answer.notice(id)),
            None => {
                return app.error(
                    StatusCode::BAD_REQUEST,
                    "Bad request",
                    format!(
                        "`{}` is not an answer (once, session or deny)",
                        mcpward_core::display::escape(outcome)
                    ),
                );
            }
        },
        _ => {
            return app.error(
                StatusCode::BAD_REQUEST,
                "Bad request",
                "`answered` must be a pending call's id and come with `outcome`",
            );
        }
    };
    let state_dir = app.config.state_dir.clone();
    match blocking(move || pending::load(&state_dir)).await {
        Some(Ok(calls)) => render(&PendingPage {
            chrome: app.chrome("pending"),
            notice,
            calls,
        }),
        Some(Err(e)) => app.error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The approval queue cannot be read",
            mcpward_core::display::escape(&format!(
                "the approval queue in {} could not be listed: {e}",
                app.config.state_dir.display()
            )),
        ),
        None => app.error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The approval queue cannot be read",
            "reading it failed",
        ),
    }
}

fn bad_query(app: &App, e: &QueryRejection) -> Response {
    app.error(
        StatusCode::BAD_REQUEST,
        "Bad request",
        format!(
            "the address's query string cannot be read: {}",
            e.body_text()
        ),
    )
}

/// Approval ids as the queue makes them: 6 characters `a-z2-7`.
fn is_queue_id(id: &str) -> bool {
    id.len() == queue::ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
}

/// The three buttons of a pending call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Once,
    Session,
    Deny,
}

impl Answer {
    fn parse(text: &str) -> Option<Answer> {
        match text {
            "once" => Some(Answer::Once),
            "session" => Some(Answer::Session),
            "deny" => Some(Answer::Deny),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Answer::Once => "once",
            Answer::Session => "session",
            Answer::Deny => "deny",
        }
    }

    fn notice(self, id: &str) -> String {
        match self {
            Answer::Once => format!("Approved {id}: this call only."),
            Answer::Session => format!("Approved {id} for the rest of its gateway session."),
            Answer::Deny => format!("Denied {id}."),
        }
    }
}

#[derive(Debug, Deserialize)]
struct AnswerForm {
    id: String,
    answer: String,
}

async fn answer(
    State(app): State<Arc<App>>,
    form: Result<Form<AnswerForm>, FormRejection>,
) -> Response {
    let Form(form) = match form {
        Ok(f) => f,
        Err(e) => {
            // Too large stays 413; anything else the form lacks or garbles is a bad request.
            let status = match e.status() {
                StatusCode::PAYLOAD_TOO_LARGE => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::BAD_REQUEST,
            };
            return app.error(
                status,
                "Bad request",
                format!("the answer form cannot be read: {}", e.body_text()),
            );
        }
    };
    let Some(answer) = Answer::parse(&form.answer) else {
        return app.error(
            StatusCode::BAD_REQUEST,
            "Bad request",
            format!(
                "`{}` is not an answer (once, session or deny)",
                mcpward_core::display::escape(&form.answer)
            ),
        );
    };
    let from = AnswerSource::Ui {
        page_session: app.page_session.clone(),
    };
    let state_dir = app.config.state_dir.clone();
    let id = form.id.clone();
    let result = blocking(move || match answer {
        Answer::Once => queue::approve(&state_dir, &id, ApprovalScope::Once, from),
        Answer::Session => queue::approve(&state_dir, &id, ApprovalScope::Session, from),
        Answer::Deny => queue::deny(&state_dir, &id, from),
    })
    .await;
    match result {
        Some(Ok(())) => {
            let id = form.id.trim().to_ascii_lowercase();
            Redirect::to(&format!(
                "/?token={}&answered={id}&outcome={}",
                app.token.as_str(),
                answer.as_str()
            ))
            .into_response()
        }
        Some(Err(e)) => {
            let (status, title) = match &e {
                QueueError::InvalidId { .. } => (StatusCode::BAD_REQUEST, "Not an approval id"),
                QueueError::UnknownId { .. } => (StatusCode::NOT_FOUND, "No such pending call"),
                QueueError::AlreadyAnswered { .. } => (StatusCode::CONFLICT, "Already answered"),
                QueueError::State(_) | QueueError::Io { .. } => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The answer could not be written",
                ),
            };
            let message = e.to_string().replace(
                "run `mcpward approve --list`",
                "the pending approvals page lists what still waits",
            );
            app.error(status, title, mcpward_core::display::escape(&message))
        }
        None => app.error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The answer could not be written",
            "writing it failed",
        ),
    }
}

async fn log_page(
    State(app): State<Arc<App>>,
    query: Result<Query<FilterQuery>, QueryRejection>,
) -> Response {
    let Query(q) = match query {
        Ok(q) => q,
        Err(e) => return bad_query(&app, &e),
    };
    let filter = match q.parse() {
        Ok(f) => f,
        Err(e) => return app.error(StatusCode::BAD_REQUEST, "Bad filter", e.to_string()),
    };
    let path = app.config.log.clone();
    let key = app.config.log_key.clone();
    let loaded = {
        let filter = filter.clone();
        blocking(move || audit::load(&path, key.as_ref(), &filter)).await
    };
    let view = match loaded {
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            return app.error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The audit log cannot be read",
                mcpward_core::display::escape(&e.to_string()),
            );
        }
        None => {
            return app.error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The audit log cannot be read",
                "reading it failed",
            );
        }
    };
    let shown = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or_default().to_owned();
    render(&LogPage {
        chrome: app.chrome("log"),
        log_path: mcpward_core::display::escape(&app.config.log.display().to_string()).into_owned(),
        servers: Choice::list(&view.servers, filter.fields.server.as_deref()),
        decisions: Choice::list(&view.decisions, filter.fields.decision.as_deref()),
        from: shown(&q.from),
        to: shown(&q.to),
        view,
    })
}

async fn servers_page(State(app): State<Arc<App>>) -> Response {
    let state_dir = app.config.state_dir.clone();
    let lockfiles = app.config.lockfiles.clone();
    let log = app.config.log.clone();
    let loaded = blocking(move || {
        let records = if log.exists() {
            chain::read(&log, &Filter::default())?
        } else {
            Vec::new()
        };
        Ok::<_, chain::LogError>(servers::load(&state_dir, &lockfiles, &records))
    })
    .await;
    match loaded {
        Some(Ok(view)) => render(&ServersPage {
            chrome: app.chrome("servers"),
            view,
        }),
        Some(Err(e)) => app.error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The audit log cannot be read",
            mcpward_core::display::escape(&e.to_string()),
        ),
        None => app.error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The servers cannot be listed",
            "reading the records failed",
        ),
    }
}

/// Server-sent events: `change` with the sources that changed (`queue`, `log`, `pins`),
/// looked for every [`POLL_INTERVAL`].
async fn events(State(app): State<Arc<App>>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let watched = app.watched.clone();
    let first = Snapshot::take(&watched);
    let stream = futures_util::stream::unfold((watched, first), |(watched, mut last)| async move {
        loop {
            tokio::time::sleep(POLL_INTERVAL).await;
            let now = Snapshot::take(&watched);
            let changed = last.changed(&now);
            last = now;
            if !changed.is_empty() {
                let data: Vec<&str> = changed.iter().map(|s| s.as_str()).collect();
                let event = Event::default().event("change").data(data.join(" "));
                return Some((Ok(event), (watched, last)));
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

async fn css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS).into_response()
}

async fn js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        JS,
    )
        .into_response()
}

async fn not_found(State(app): State<Arc<App>>) -> Response {
    app.error(
        StatusCode::NOT_FOUND,
        "Not found",
        "this page has no such address; use the links above",
    )
}

async fn method_not_allowed(State(app): State<Arc<App>>) -> Response {
    app.error(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed",
        "answers are given with the page's buttons (POST); pages are read with GET",
    )
}
