//! The network allowlist: an HTTP CONNECT proxy on loopback, run by mcpward (outside the
//! sandbox), that opens tunnels only to the listed `host:port` pairs. The sandboxed server gets
//! `HTTPS_PROXY` pointing at it, and its sockets are confined so the proxy's port is the only one
//! it can connect to (Landlock TCP rules, ABI 4; TCP only, no UDP, so no DNS of its own).
//!
//! Landlock rules name ports, not addresses: the server could also reach the proxy's port on
//! another host. The port is chosen at random per session, which makes that a narrow gap, not a
//! closed one.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The destinations a server may reach.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Allowlist {
    entries: Vec<(String, u16)>,
}

impl Allowlist {
    /// Parses `host:port` entries (`api.github.com:443`, `[::1]:8443`).
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<Allowlist, String> {
        let entries = items
            .iter()
            .map(|s| {
                split_host_port(s.as_ref()).ok_or_else(|| {
                    format!(
                        "`{}` is not HOST:PORT (e.g. api.github.com:443)",
                        s.as_ref()
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Allowlist { entries })
    }

    /// Whether `host:port` is listed (host compared without case, no wildcards).
    pub fn allows(&self, host: &str, port: u16) -> bool {
        self.entries
            .iter()
            .any(|(h, p)| *p == port && h.eq_ignore_ascii_case(host))
    }

    /// No entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn split_host_port(s: &str) -> Option<(String, u16)> {
    let (host, port) = s.rsplit_once(':')?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let port: u16 = port.parse().ok().filter(|p| *p != 0)?;
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    valid.then(|| (host.to_ascii_lowercase(), port))
}

/// The target of a `CONNECT host:port HTTP/1.x` request line.
pub fn parse_connect(line: &str) -> Result<(String, u16), &'static str> {
    let mut parts = line.split_ascii_whitespace();
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("CONNECT"), Some(target), Some(version), None) if version.starts_with("HTTP/1.") => {
            split_host_port(target).ok_or("400 Bad Request")
        }
        (Some("CONNECT"), ..) => Err("400 Bad Request"),
        _ => Err("405 Method Not Allowed"),
    }
}

/// Starts the proxy on `127.0.0.1` at a random port; returns the port. It runs on background
/// threads for the rest of the process.
pub fn start(allow: Allowlist) -> io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    std::thread::Builder::new()
        .name("mcpward-connect-proxy".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                let allow = allow.clone();
                let _ = std::thread::Builder::new()
                    .name("mcpward-tunnel".into())
                    .spawn(move || {
                        let _ = tunnel(stream, &allow);
                    });
            }
        })?;
    Ok(port)
}

fn tunnel(client: TcpStream, allow: &Allowlist) -> io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut line = String::new();
    let mut head = 0;
    reader.read_line(&mut line)?;
    let request = line.trim_end().to_owned();
    // Skip the headers, bounded.
    loop {
        let mut header = String::new();
        let n = reader.read_line(&mut header)?;
        head += n;
        if n == 0 || header == "\r\n" || header == "\n" || head > 16 * 1024 {
            break;
        }
    }
    let mut out = client.try_clone()?;
    let (host, port) = match parse_connect(&request) {
        Ok(target) => target,
        Err(status) => {
            write!(out, "HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n")?;
            return Ok(());
        }
    };
    if !allow.allows(&host, port) {
        write!(
            out,
            "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nX-Mcpward: {host}:{port} is not in the sandbox network allowlist\r\n\r\n"
        )?;
        return Ok(());
    }
    let upstream = (host.as_str(), port)
        .to_socket_addrs()?
        .find_map(|addr| TcpStream::connect_timeout(&addr, Duration::from_secs(10)).ok());
    let Some(upstream) = upstream else {
        write!(out, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")?;
        return Ok(());
    };
    write!(out, "HTTP/1.1 200 Connection Established\r\n\r\n")?;
    client.set_read_timeout(None)?;
    // Bytes the client sent after the request head are already in the reader's buffer.
    let buffered = reader.buffer().to_vec();
    let mut up_write = upstream.try_clone()?;
    up_write.write_all(&buffered)?;
    let mut up_read = upstream;
    let mut client_write = out;
    let upload = std::thread::spawn(move || {
        let mut client_read = reader.into_inner();
        let _ = io::copy(&mut client_read, &mut up_write);
        let _ = up_write.shutdown(Shutdown::Write);
    });
    let _ = io::copy(&mut up_read, &mut client_write);
    let _ = client_write.shutdown(Shutdown::Write);
    let _ = upload.join();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn allowlist_matches_host_and_port_exactly() {
        let allow = Allowlist::parse(&["api.github.com:443", "[::1]:8443"]).unwrap();
        assert!(allow.allows("API.GitHub.com", 443));
        assert!(!allow.allows("api.github.com", 80));
        assert!(!allow.allows("evil.api.github.com", 443));
        assert!(allow.allows("::1", 8443));
        assert!(Allowlist::parse(&["no-port"]).is_err());
        assert!(Allowlist::parse(&["host:0"]).is_err());
        assert!(Allowlist::parse(&["a b:1"]).is_err());
    }

    #[test]
    fn only_connect_requests_are_accepted() {
        assert_eq!(
            parse_connect("CONNECT example.com:443 HTTP/1.1"),
            Ok(("example.com".into(), 443))
        );
        assert!(parse_connect("GET http://example.com/ HTTP/1.1").is_err());
        assert!(parse_connect("CONNECT example.com HTTP/1.1").is_err());
    }

    fn connect_via(proxy: u16, target: &str) -> (String, TcpStream) {
        let mut s = TcpStream::connect(("127.0.0.1", proxy)).unwrap();
        write!(s, "CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n").unwrap();
        let mut reader = BufReader::new(s.try_clone().unwrap());
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        loop {
            let mut l = String::new();
            if reader.read_line(&mut l).unwrap() == 0 || l == "\r\n" {
                break;
            }
        }
        (status, s)
    }

    #[test]
    fn tunnels_to_listed_targets_and_refuses_others() {
        let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
        let up_port = upstream.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut s, _) = upstream.accept().unwrap();
            let mut buf = [0u8; 5];
            s.read_exact(&mut buf).unwrap();
            s.write_all(&buf).unwrap();
        });
        let proxy = start(Allowlist::parse(&[format!("127.0.0.1:{up_port}")]).unwrap()).unwrap();
        let (status, mut s) = connect_via(proxy, &format!("127.0.0.1:{up_port}"));
        assert!(status.contains(" 200 "), "{status}");
        s.write_all(b"hello").unwrap();
        let mut echo = [0u8; 5];
        s.read_exact(&mut echo).unwrap();
        assert_eq!(&echo, b"hello");
        let (status, _) = connect_via(proxy, "127.0.0.1:1");
        assert!(status.contains(" 403 "), "{status}");
    }
}
