//! The page over real HTTP on loopback: who is refused, the headers every answer carries, the
//! error pages for odd input, and an answer going through the approval queue.

use std::path::Path;
use std::time::Duration;

use mcpward_gateway::queue::{ApprovalOutcome, ApprovalQueue, ApprovalRequest, ApprovalScope};
use mcpward_ui::{Config, Ui};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Page {
    port: u16,
    token: String,
    page_session: String,
}

/// Starts the page for `state` on a free port, serving in the background of this runtime.
async fn start(state: &Path) -> Page {
    let ui = Ui::bind(
        Config {
            state_dir: state.to_path_buf(),
            log: state.join("audit.jsonl"),
            log_key: None,
            lockfiles: Vec::new(),
        },
        0,
    )
    .await
    .unwrap();
    let url = ui.url();
    let token = url.split_once("token=").unwrap().1.to_owned();
    let page = Page {
        port: ui.port(),
        token,
        page_session: ui.page_session().to_string(),
    };
    tokio::spawn(ui.serve());
    page
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `head` (request line and headers, without the final blank line) and `body`; reads the
/// whole answer.
async fn send(port: u16, head: &str, body: &[u8]) -> Answer {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let mut request = format!(
        "{head}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    // The server may answer (and close) before it has read a body it refuses.
    let _ = stream.write_all(&request).await;
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .expect("an answer within 10 s")
        .ok();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

async fn get(page: &Page, path_and_query: &str, extra: &str) -> Answer {
    let mut head = format!(
        "GET {path_and_query} HTTP/1.1\r\nHost: 127.0.0.1:{}",
        page.port
    );
    if !extra.is_empty() {
        head.push_str("\r\n");
        head.push_str(extra);
    }
    send(page.port, &head, b"").await
}

async fn post_form(page: &Page, path: &str, origin: Option<&str>, body: &str) -> Answer {
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/x-www-form-urlencoded",
        page.port
    );
    if let Some(origin) = origin {
        head.push_str(&format!("\r\nOrigin: {origin}"));
    }
    send(page.port, &head, body.as_bytes()).await
}

fn own_origin(page: &Page) -> String {
    format!("http://127.0.0.1:{}", page.port)
}

fn waiting_request(q: &ApprovalQueue, path: &str) -> ApprovalRequest {
    ApprovalRequest {
        id: q.new_id(),
        session: "sess-1".into(),
        server: "filesystem".into(),
        tool: "write_file".into(),
        arguments_masked: json!({"path": path, "content": "<script>alert(1)</script>"}),
        reason: "writes need review".into(),
    }
}

async fn until_pending(state: &Path, id: &str) {
    for _ in 0..400 {
        if mcpward_gateway::queue::pending(state)
            .unwrap()
            .iter()
            .any(|r| r.id == id)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("{id} never became pending");
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_refusals_included() {
    let state = tempfile::tempdir().unwrap();
    let page = start(state.path()).await;
    for answer in [
        get(&page, &format!("/?token={}", page.token), "").await,
        get(&page, "/", "").await,
        get(&page, &format!("/ui.css?token={}", page.token), "").await,
    ] {
        assert_eq!(
            answer.header("content-security-policy"),
            Some(mcpward_ui::CONTENT_SECURITY_POLICY)
        );
        assert!(
            mcpward_ui::CONTENT_SECURITY_POLICY.starts_with("default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'")
        );
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(answer.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(answer.header("cache-control"), Some("no-store"));
    }
}

#[tokio::test]
async fn requests_without_the_token_or_from_elsewhere_are_refused() {
    let state = tempfile::tempdir().unwrap();
    let page = start(state.path()).await;
    let ok = get(&page, &format!("/?token={}", page.token), "").await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.contains(&page.page_session), "{}", ok.body);

    let cases = [
        ("/".to_owned(), String::new(), "no token"),
        ("/log?token=0123".to_owned(), String::new(), "wrong token"),
        (
            "/ui.js".to_owned(),
            String::new(),
            "assets need the token too",
        ),
        (
            format!("/?token={}", page.token),
            "Origin: http://evil.example".to_owned(),
            "foreign Origin",
        ),
        (
            format!("/?token={}", page.token),
            "Sec-Fetch-Site: cross-site".to_owned(),
            "cross-site",
        ),
    ];
    for (path, extra, what) in cases {
        let answer = get(&page, &path, &extra).await;
        assert_eq!(answer.status, 403, "{what}: {}", answer.body);
        assert!(
            answer.body.starts_with("refused:"),
            "{what}: {}",
            answer.body
        );
        assert!(!answer.body.contains(&page.token), "{what}");
    }
    // DNS rebinding: the right token, but the request names another host.
    let rebound = send(
        page.port,
        &format!(
            "GET /?token={} HTTP/1.1\r\nHost: evil.example:{}",
            page.token, page.port
        ),
        b"",
    )
    .await;
    assert_eq!(rebound.status, 403);
    assert!(rebound.body.contains("Host"), "{}", rebound.body);
}

#[tokio::test]
async fn an_answer_from_the_page_goes_through_the_queue_and_names_the_page_session() {
    let state = tempfile::tempdir().unwrap();
    let page = start(state.path()).await;
    let q = ApprovalQueue::open(state.path()).unwrap();
    let req = waiting_request(&q, "/tmp/notes.txt");
    let id = req.id.clone();
    let waiting = tokio::spawn({
        let q = q.clone();
        async move { q.request(req, Duration::from_secs(30)).await }
    });
    until_pending(state.path(), &id).await;

    let shown = get(&page, &format!("/?token={}", page.token), "").await;
    assert!(shown.body.contains(&id), "{}", shown.body);
    assert!(shown.body.contains("/tmp/notes.txt"));
    // Arguments are text on the page, never markup.
    assert!(!shown.body.contains("<script>alert"), "{}", shown.body);
    assert!(
        shown
            .body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{}",
        shown.body
    );

    // The token only in the URL is not enough for an answer.
    let url_only = post_form(
        &page,
        &format!("/answer?token={}", page.token),
        Some(&own_origin(&page)),
        &format!("id={id}&answer=once"),
    )
    .await;
    assert_eq!(url_only.status, 403, "{}", url_only.body);
    // Nor is a form from another origin, or one without an Origin.
    let body = format!("token={}&id={id}&answer=once", page.token);
    for origin in [Some("http://evil.example"), None] {
        let forged = post_form(&page, "/answer", origin, &body).await;
        assert_eq!(forged.status, 403, "{origin:?}: {}", forged.body);
    }
    assert!(!waiting.is_finished());

    let answered = post_form(&page, "/answer", Some(&own_origin(&page)), &body).await;
    assert_eq!(answered.status, 303, "{}", answered.body);
    let location = answered.header("location").unwrap().to_owned();
    assert!(location.contains(&format!("answered={id}")), "{location}");
    let outcome = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .unwrap()
        .unwrap();
    let ApprovalOutcome::Approved { scope, by } = outcome else {
        panic!("expected an approval, got {outcome:?}");
    };
    assert_eq!(scope, ApprovalScope::Once);
    assert!(
        by.to_string()
            .ends_with(&format!("page session {} claimed)", page.page_session)),
        "{by}"
    );
    let after = get(&page, &location, "").await;
    assert_eq!(after.status, 200);
    assert!(
        after
            .body
            .contains(&format!("Approved {id}: this call only.")),
        "{}",
        after.body
    );

    // A second answer to the same call is a clear page, not a crash.
    let again = post_form(&page, "/answer", Some(&own_origin(&page)), &body).await;
    assert_eq!(again.status, 404, "{}", again.body);
    assert!(
        again.body.contains("No such pending call"),
        "{}",
        again.body
    );
}

#[tokio::test]
async fn odd_input_gets_a_clear_error_page_not_a_crash() {
    let state = tempfile::tempdir().unwrap();
    let page = start(state.path()).await;
    let t = &page.token;
    let origin = own_origin(&page);
    let cases: Vec<(Answer, u16, &str)> = vec![
        (
            get(&page, &format!("/log?token={t}&from=yesterday"), "").await,
            400,
            "is not a time",
        ),
        (
            get(&page, &format!("/log?token={t}&server=a&server=b"), "").await,
            400,
            "query string cannot be read",
        ),
        (
            get(&page, &format!("/log?token={t}&to=%FF%FE"), "").await,
            400,
            "",
        ),
        (
            get(
                &page,
                &format!("/?token={t}&answered=../../x&outcome=once"),
                "",
            )
            .await,
            400,
            "Bad request",
        ),
        (
            post_form(
                &page,
                "/answer",
                Some(&origin),
                &format!("token={t}&id=abcdef&answer=maybe"),
            )
            .await,
            400,
            "is not an answer",
        ),
        (
            post_form(
                &page,
                "/answer",
                Some(&origin),
                &format!("token={t}&id=..%2F..%2Fetc&answer=deny"),
            )
            .await,
            400,
            "not a valid approval id",
        ),
        (
            post_form(&page, "/answer", Some(&origin), &format!("token={t}")).await,
            400,
            "answer form cannot be read",
        ),
        (
            post_form(
                &page,
                "/answer",
                Some(&origin),
                &format!(
                    "token={t}&id=abcdef&answer=deny&pad={}",
                    "x".repeat(mcpward_ui::MAX_BODY_BYTES)
                ),
            )
            .await,
            413,
            "larger than",
        ),
        (
            get(&page, &format!("/nowhere?token={t}"), "").await,
            404,
            "Not found",
        ),
        (
            get(&page, &format!("/answer?token={t}"), "").await,
            405,
            "Method not allowed",
        ),
    ];
    for (answer, status, says) in cases {
        assert_eq!(answer.status, status, "{}", answer.body);
        assert!(answer.body.contains(says), "{says}: {}", answer.body);
    }
    // Still serving after all of it.
    assert_eq!(get(&page, &format!("/?token={t}"), "").await.status, 200);
}

#[tokio::test]
async fn events_report_a_change_of_the_queue() {
    let state = tempfile::tempdir().unwrap();
    let page = start(state.path()).await;
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", page.port))
        .await
        .unwrap();
    stream
        .write_all(
            format!(
                "GET /events?token={} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
                page.token, page.port
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    seen.extend_from_slice(&buf[..n]);
    assert!(
        String::from_utf8_lossy(&seen).contains("text/event-stream"),
        "{}",
        String::from_utf8_lossy(&seen)
    );
    let q = ApprovalQueue::open(state.path()).unwrap();
    let req = waiting_request(&q, "/tmp/x");
    let waiting = tokio::spawn(async move { q.request(req, Duration::from_secs(30)).await });
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "the event stream closed");
            seen.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&seen);
            if text.contains("event: change") && text.contains("data: queue") {
                return;
            }
        }
    })
    .await;
    waiting.abort();
    assert!(found.is_ok(), "{}", String::from_utf8_lossy(&seen));
}
