//! A package registry served over real TLS on 127.0.0.1, with a certificate from a CA made for
//! the test, and an HTTP CONNECT proxy that records where it was asked to connect. Both run on
//! threads of the test process until it exits; each connection is bounded in time.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The test's certificate authority, written as a PEM file for `SSL_CERT_FILE`.
pub struct TestCa {
    pub pem_file: PathBuf,
    server_config: Arc<rustls::ServerConfig>,
}

impl TestCa {
    /// A new CA (in `dir/ca.pem`) and a server certificate it signed for 127.0.0.1 and
    /// localhost.
    pub fn new(dir: &Path) -> TestCa {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "mcpward test inspection CA");
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);

        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let mut leaf_params =
            rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
                .unwrap();
        leaf_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "127.0.0.1");
        let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();

        let pem_file = dir.join("ca.pem");
        std::fs::write(&pem_file, ca_cert.pem()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server_config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![
                    CertificateDer::from(leaf.der().to_vec()),
                    CertificateDer::from(ca_cert.der().to_vec()),
                ],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
            )
            .unwrap();
        TestCa {
            pem_file,
            server_config: Arc::new(server_config),
        }
    }
}

/// An npm-like registry over HTTPS: `GET /<name>` answers the packument given for `name`, any
/// other path 404. Records the request paths it served.
pub struct Registry {
    pub port: u16,
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl Registry {
    pub fn start(ca: &TestCa, packages: Vec<(String, String)>) -> Registry {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let config = ca.server_config.clone();
        let seen = requests.clone();
        let packages = Arc::new(packages);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (config, seen, packages) = (config.clone(), seen.clone(), packages.clone());
                std::thread::spawn(move || {
                    let _ = serve_one(stream, config, &seen, &packages);
                });
            }
        });
        Registry { port, requests }
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve_one(
    stream: TcpStream,
    config: Arc<rustls::ServerConfig>,
    seen: &Mutex<Vec<String>>,
    packages: &[(String, String)],
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let conn = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(conn, stream);
    // A client that does not trust the certificate aborts the handshake here.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        if tls.read(&mut byte)? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    seen.lock().unwrap().push(path.clone());
    let name = path.trim_start_matches('/').replace("%2F", "/");
    let (status, body) = match packages.iter().find(|(n, _)| *n == name) {
        Some((_, body)) => ("200 OK", body.clone()),
        None => ("404 Not Found", r#"{"error":"Not found"}"#.to_string()),
    };
    write!(
        tls,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    tls.flush()?;
    tls.conn.send_close_notify();
    let _ = tls.flush();
    Ok(())
}

/// An HTTP CONNECT proxy on 127.0.0.1 that records each CONNECT target and tunnels to it.
pub struct ConnectProxy {
    pub port: u16,
    pub targets: Arc<Mutex<Vec<String>>>,
}

impl ConnectProxy {
    pub fn start() -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let targets = Arc::new(Mutex::new(Vec::new()));
        let seen = targets.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = seen.clone();
                std::thread::spawn(move || {
                    let _ = tunnel(stream, &seen);
                });
            }
        });
        ConnectProxy { port, targets }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn targets(&self) -> Vec<String> {
        self.targets.lock().unwrap().clone()
    }
}

fn tunnel(client: TcpStream, seen: &Mutex<Vec<String>>) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" {
            break;
        }
    }
    let mut out = client.try_clone()?;
    let mut parts = request.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (parts.next(), parts.next()) else {
        write!(
            out,
            "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n"
        )?;
        return Ok(());
    };
    seen.lock().unwrap().push(target.to_string());
    // Only loopback targets: this proxy exists for the test's own registry.
    let upstream = match target
        .strip_prefix("127.0.0.1:")
        .or(target.strip_prefix("localhost:"))
    {
        Some(port) => TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap_or(0)))?,
        None => {
            write!(out, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")?;
            return Ok(());
        }
    };
    write!(out, "HTTP/1.1 200 Connection Established\r\n\r\n")?;
    let buffered = reader.buffer().to_vec();
    let mut up_write = upstream.try_clone()?;
    up_write.write_all(&buffered)?;
    let mut up_read = upstream;
    let upload = std::thread::spawn(move || {
        let mut client_read = reader.into_inner();
        let _ = std::io::copy(&mut client_read, &mut up_write);
        let _ = up_write.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut up_read, &mut out);
    let _ = out.shutdown(Shutdown::Write);
    let _ = upload.join();
    Ok(())
}
