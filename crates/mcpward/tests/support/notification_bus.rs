//! A private D-Bus session bus (`dbus-daemon --session` on a socket in a temporary directory)
//! with a stand-in `org.freedesktop.Notifications` service that records every notification it is
//! asked to show. Programs started with [`NotificationBus::address`] as their
//! `DBUS_SESSION_BUS_ADDRESS` talk to it; the desktop's own bus is never touched.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// One notification as the service received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub app_name: String,
    pub summary: String,
    pub body: String,
}

pub struct NotificationBus {
    daemon: Child,
    pub address: String,
    shown: mpsc::Receiver<Shown>,
}

struct FakeNotifications {
    shown: mpsc::Sender<Shown>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl FakeNotifications {
    /// The specification's `Notify`; answers a notification id.
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        _actions: Vec<String>,
        _hints: HashMap<String, zbus::zvariant::OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let _ = self.shown.send(Shown {
            app_name,
            summary,
            body,
        });
        1
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into(), "body-markup".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "fake".into(),
            "mcpward tests".into(),
            "0".into(),
            "1.2".into(),
        )
    }
}

impl NotificationBus {
    /// Starts the bus in `dir` and the service on it; returns once the service owns its name.
    ///
    /// # Panics
    /// When `dbus-daemon` is not installed (Debian: `apt-get install dbus-daemon`) or the bus
    /// does not come up.
    pub fn start(dir: &Path) -> NotificationBus {
        let socket = dir.join("bus");
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
            .arg(format!("--address=unix:path={}", socket.display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start dbus-daemon (install it: apt-get install dbus-daemon)");
        let mut line = String::new();
        BufReader::new(daemon.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("dbus-daemon prints its address");
        let address = line.trim().to_string();
        assert!(
            address.starts_with("unix:"),
            "dbus-daemon did not start: {line:?}"
        );

        let (shown_tx, shown) = mpsc::channel();
        let (ready_tx, ready) = mpsc::channel();
        let service_address = address.clone();
        // The service runs on a runtime of its own for the rest of the test process.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let connection = zbus::connection::Builder::address(service_address.as_str())
                    .and_then(|b| b.name("org.freedesktop.Notifications"))
                    .and_then(|b| {
                        b.serve_at(
                            "/org/freedesktop/Notifications",
                            FakeNotifications { shown: shown_tx },
                        )
                    });
                let connection = match connection {
                    Ok(builder) => builder.build().await,
                    Err(e) => Err(e),
                };
                let _ = ready_tx.send(connection.as_ref().map(|_| ()).map_err(|e| e.to_string()));
                if connection.is_ok() {
                    std::future::pending::<()>().await;
                }
            });
        });
        ready
            .recv_timeout(Duration::from_secs(20))
            .expect("the notification service starts")
            .expect("the notification service owns its name");
        NotificationBus {
            daemon,
            address,
            shown,
        }
    }

    /// The next notification shown within `limit`.
    pub fn next(&self, limit: Duration) -> Option<Shown> {
        self.shown.recv_timeout(limit).ok()
    }
}

impl Drop for NotificationBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}
