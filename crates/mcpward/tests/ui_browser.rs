//! `mcpward ui` in a real browser: headless Chromium driven over WebDriver (chromedriver),
//! against the built binary's page, with a real gateway (`mcpward run`) and the official
//! filesystem server behind it.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`scripts/test.sh` installs them). Without
//! them these tests fail and say how to install them; `MCPWARD_SKIP_BROWSER=1` skips them with a
//! notice instead. `MCPWARD_UI_SCREENSHOTS=1` rewrites the screenshots in `docs/ui/`.

#[path = "support/signals.rs"]
mod signals;

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use mcpward_gateway::chain::{self, Filter};
use mcpward_testkit::{McpClient, ReferenceServer, is_error, reference_server, response_text};
use serde_json::{Value, json};
use tokio::process::{ChildStdin, ChildStdout};

const WAIT: Duration = Duration::from_secs(20);

/// Chromium's flags for this machine: headless, no sandbox (tests run as root in CI), and no
/// background connections (the network is closed; they would only fail and slow the start).
const CHROMIUM_FLAGS: [&str; 10] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
];

/// A program started by a test, killed when the test ends however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// chromedriver and one Chromium session.
struct Browser {
    client: Client,
    _driver: Killed,
    _profile: tempfile::TempDir,
}

fn program(env: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    path.is_file().then_some(path)
}

impl Browser {
    /// Starts chromedriver on a free port and a fresh headless Chromium; `None` (with a notice)
    /// only when `MCPWARD_SKIP_BROWSER=1` and they are missing.
    async fn start() -> Option<Browser> {
        let chromium = program("MCPWARD_CHROMIUM", "/usr/bin/chromium");
        let driver = program("MCPWARD_CHROMEDRIVER", "/usr/bin/chromedriver");
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            if std::env::var_os("MCPWARD_SKIP_BROWSER").is_some_and(|v| v == "1") {
                let _ = writeln!(
                    std::io::stderr(),
                    "notice: browser test skipped (MCPWARD_SKIP_BROWSER=1): chromium or chromedriver is not installed"
                );
                return None;
            }
            panic!(
                "the browser tests need Chromium and ChromeDriver (/usr/bin/chromium and /usr/bin/chromedriver, or MCPWARD_CHROMIUM / MCPWARD_CHROMEDRIVER): run ./scripts/test.sh, which installs them, or `apt-get install chromium chromium-driver`; MCPWARD_SKIP_BROWSER=1 skips these tests"
            );
        };
        let port = free_port();
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver.display()));
        let driver_process = Killed(child);
        wait_for_port(port).await;
        let profile = tempfile::tempdir().unwrap();
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| (*f).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args}
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut builder = ClientBuilder::new(connector);
        builder.capabilities(caps);
        // chromedriver accepts connections a moment before it answers them.
        let mut tries = 0;
        let client = loop {
            match builder.connect(&format!("http://127.0.0.1:{port}")).await {
                Ok(client) => break client,
                Err(e) if tries < 20 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => panic!("chromedriver could not start Chromium: {e}"),
            }
        };
        Some(Browser {
            client,
            _driver: driver_process,
            _profile: profile,
        })
    }

    /// The element `css` once it is there; a test failure showing the page when it never is.
    async fn element(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => {
                let url = self.client.current_url().await.map(|u| u.to_string());
                let source = self.client.source().await.unwrap_or_default();
                panic!("no `{css}` on the page ({e}); at {url:?} the page is:\n{source}");
            }
        }
    }

    /// The text of `css`. A live update may swap the section between finding the element and
    /// reading it: find it again then.
    async fn text(&self, css: &str) -> String {
        let mut tries = 0;
        loop {
            match self.element(css).await.text().await {
                Ok(text) => return text,
                Err(e) if tries < 3 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("cannot read `{css}`: {e}"),
            }
        }
    }

    /// The text of `css` once it starts with `prefix` (the page after a click may still be the
    /// one before it for a moment).
    async fn text_starting(&self, css: &str, prefix: &str) -> String {
        let mut last = String::new();
        for _ in 0..100 {
            last = self.text(css).await;
            if last.starts_with(prefix) {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("`{css}` never started with {prefix:?}; it reads {last:?}");
    }

    async fn click(&self, css: &str) {
        // A live update may swap the section between finding the button and clicking it: find
        // it again then.
        let mut tries = 0;
        loop {
            match self.element(css).await.click().await {
                Ok(()) => return,
                Err(e) if tries < 3 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("cannot click `{css}`: {e}"),
            }
        }
    }

    async fn until_url_contains(&self, part: &str) {
        for _ in 0..200 {
            let now = self.client.current_url().await.unwrap();
            if now.as_str().contains(part) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the browser never reached an address with `{part}`");
    }

    /// With `MCPWARD_UI_SCREENSHOTS=1`, writes what the browser shows to `docs/ui/NAME.png`.
    async fn screenshot(&self, name: &str) {
        if std::env::var_os("MCPWARD_UI_SCREENSHOTS").is_none_or(|v| v != "1") {
            return;
        }
        let png = self.client.screenshot().await.unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/ui");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    async fn close(self) {
        let _ = self.client.close().await;
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_for_port(port: u16) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not listen on port {port}");
}

/// `ctrl_c()` installed its handler only when first polled, after the address was printed: a
/// Ctrl-C on that line killed `mcpward ui` instead of ending it. (No browser needed.)
#[test]
fn ctrl_c_sent_the_moment_ui_prints_its_address_ends_it_cleanly() {
    for i in 0..5 {
        let state = tempfile::tempdir().unwrap();
        let (mut ui, _url) = start_ui(state.path());
        let pid = ui.0.id();
        assert!(
            signals::handles(pid, 2),
            "start {i}: SIGINT is not handled yet when the address is printed"
        );
        let sent = Command::new("kill")
            .arg("-INT")
            .arg(pid.to_string())
            .status()
            .unwrap();
        assert!(sent.success());
        let exit = ui.0.wait().unwrap();
        assert!(exit.success(), "start {i}: {exit:?}");
    }
}

/// `mcpward ui --no-open` on a free port: the process and the address it printed.
fn start_ui(state: &Path) -> (Killed, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .arg("ui")
        .arg("--state-dir")
        .arg(state)
        .arg("--no-open")
        .current_dir(state)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start mcpward ui");
    let stdout = child.stdout.take().unwrap();
    let ui = Killed(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line.trim().to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.contains("/?token="),
        "mcpward ui printed {line:?}"
    );
    (ui, url)
}

type Mcp = McpClient<ChildStdout, ChildStdin>;

/// `mcpward run` with a policy that asks before the filesystem server's `write_file`, the
/// server allowed `root`; initialized and its tools listed (recorded on first use).
async fn start_gateway(state: &Path, root: &Path) -> (tokio::process::Child, Mcp) {
    let policy = state.join("policy.toml");
    std::fs::write(
        &policy,
        r#"
[[rule]]
server = "filesystem"
tool = "write_file"
action = "ask"
reason = "writes need review"
"#,
    )
    .unwrap();
    let (node, args) = reference_server(ReferenceServer::Filesystem);
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .arg("run")
        .arg("--state-dir")
        .arg(state)
        .arg("--policy")
        .arg(&policy)
        .arg("--name")
        .arg("filesystem")
        .arg("--")
        .arg(node)
        .args(args)
        .arg(root)
        .current_dir(state)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start mcpward run");
    let mut mcp = McpClient::new(child.stdout.take().unwrap(), child.stdin.take().unwrap());
    let init = mcp.initialize(json!({})).await.unwrap();
    assert!(init.get("result").is_some(), "{init}");
    let tools = mcp.list_tools().await.unwrap();
    assert!(
        tools.iter().any(|t| t["name"] == "write_file"),
        "no write_file among {tools:?}"
    );
    (child, mcp)
}

async fn write_call(mcp: &mut Mcp, path: &Path, content: &str) -> Value {
    mcp.send_request(
        "tools/call",
        json!({"name": "write_file", "arguments": {"path": path, "content": content}}),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_person_approves_and_denies_calls_on_the_page_and_reads_the_log() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let state = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let root_dir = root.path().canonicalize().unwrap();
    let (_gateway, mut mcp) = start_gateway(state.path(), &root_dir).await;
    let (_ui, url) = start_ui(state.path());
    let b = &browser;

    // The page is open before the call arrives: the live update brings it in.
    b.client.goto(&url).await.unwrap();
    assert!(b.text("#nothing-pending").await.contains("Nothing waits"));
    let page_session = b.text("#page-session").await;
    let approved_file = root_dir.join("approved.txt");
    let call = write_call(&mut mcp, &approved_file, "written after a person approved").await;
    let card = b.text("article.call").await;
    assert!(card.contains("filesystem"), "{card}");
    assert!(card.contains("write_file"), "{card}");
    assert!(card.contains("writes need review"), "{card}");
    // The target path is shown first, in the targets list, before the content.
    let target = b.text("article.call dd.target").await;
    assert!(
        target.contains(&approved_file.display().to_string()),
        "{target}"
    );
    assert!(!approved_file.exists());
    b.screenshot("pending").await;

    b.click("article.call button.approve").await;
    let notice = b.text_starting("#notice", "Approved").await;
    assert!(notice.contains("this call only"), "{notice}");
    let result = mcp.wait_for(&call).await.unwrap();
    assert!(!is_error(&result), "{result}");
    assert_eq!(
        std::fs::read_to_string(&approved_file).unwrap(),
        "written after a person approved"
    );

    // A second call, denied on the page: refused, and nothing written.
    let denied_file = root_dir.join("denied.txt");
    let call = write_call(&mut mcp, &denied_file, "must never be written").await;
    b.click("article.call button.deny").await;
    b.text_starting("#notice", "Denied").await;
    let result = mcp.wait_for(&call).await.unwrap();
    assert!(is_error(&result), "{result}");
    assert!(
        response_text(&result).contains("denied"),
        "{}",
        response_text(&result)
    );
    assert!(!denied_file.exists());

    // The log says who answered: the page, with its page session, and the file owner's uid.
    let log = state.path().join("audit.jsonl");
    let records = chain::read(&log, &Filter::default()).unwrap();
    let approver = |decision: &str| {
        records
            .iter()
            .find(|r| r.decision == decision)
            .and_then(|r| r.approver.clone())
            .unwrap_or_else(|| panic!("no {decision} record in {records:?}"))
    };
    for decision in ["ask-approved", "ask-denied"] {
        let who = approver(decision);
        assert!(who.starts_with("ui (uid "), "{who}");
        assert!(
            who.ends_with(&format!("page session {page_session} claimed)")),
            "{who}"
        );
    }

    // The log view, filtered by decision.
    b.click("nav a[href^='/log']").await;
    assert!(b.text("#verdict").await.contains("intact"));
    b.client
        .find(Locator::Css("#filter-decision"))
        .await
        .unwrap()
        .select_by_value("ask-denied")
        .await
        .unwrap();
    b.click("#filter-apply").await;
    b.until_url_contains("decision=ask-denied").await;
    b.text_starting("#log-count", "1 of ").await;
    let decisions = b
        .client
        .find_all(Locator::Css("#records td.decision"))
        .await
        .unwrap();
    assert_eq!(decisions.len(), 1, "one denial was recorded");
    assert_eq!(decisions[0].text().await.unwrap(), "ask-denied");
    let row = b.text("#records tbody tr").await;
    assert!(row.contains(&page_session), "{row}");

    // The unfiltered log, for the picture.
    b.click("#filters a").await;
    b.text("#records").await;
    b.screenshot("log").await;

    // A tool refused for drift is listed with the command that accepts it. (A real drift needs
    // a server that changes its tools; the event is what the gateway writes for one.)
    let first_use = std::fs::read_dir(state.path().join("first-use"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut audit = chain::AuditLog::open(&log, "drift-example").unwrap();
    audit
        .append(
            &chain::Record {
                server: "filesystem".into(),
                method: "pin-drift".into(),
                decision: "event".into(),
                detail: Some(format!(
                    "tool `move_file` differs from its first use ({}): description: text added",
                    first_use.display()
                )),
                ..chain::Record::default()
            },
            true,
        )
        .unwrap();
    b.click("nav a[href^='/servers']").await;
    let server = b.text("article.server[data-server='filesystem']").await;
    assert!(server.contains("write_file"), "{server}");
    assert!(server.contains("first use"), "{server}");
    let command = b.text("article.server code.command").await;
    assert_eq!(command, "mcpward pin --approve filesystem/move_file");
    let write_caps = b
        .client
        .find(Locator::XPath(
            "//article[@data-server='filesystem']//tr[td/code[text()='write_file']]/td[@class='caps']",
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(write_caps.contains("write"), "{write_caps}");
    b.screenshot("servers").await;

    browser.close().await;
}

#[tokio::test]
async fn the_page_refuses_requests_without_its_token_or_from_another_origin() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let state = tempfile::tempdir().unwrap();
    let (_ui, url) = start_ui(state.path());
    let b = &browser;
    let (base, token) = url.split_once("/?token=").unwrap();

    b.client.goto(&format!("{base}/")).await.unwrap();
    let body = b.text("body").await;
    assert!(body.starts_with("refused: no token"), "{body}");
    b.client
        .goto(&format!("{base}/log?token=00{}", &token[2..]))
        .await
        .unwrap();
    let body = b.text("body").await;
    assert!(body.starts_with("refused: wrong token"), "{body}");

    // A page elsewhere that knows the token still cannot answer: its form post carries its own
    // origin (here `null`), which is not the page's.
    let forged = format!(
        "data:text/html,<form method=post action='{base}/answer'><input name=token value={token}><input name=id value=abcdef><button name=answer value=once id=go>go</button></form>"
    )
    .replace(' ', "%20");
    b.client.goto(&forged).await.unwrap();
    b.click("#go").await;
    let body = b.text("body").await;
    assert!(
        body.starts_with("refused: the request does not come from this page"),
        "{body}"
    );

    // The page itself still works.
    b.client.goto(&url).await.unwrap();
    assert!(b.text("#nothing-pending").await.contains("Nothing waits"));
    browser.close().await;
}
