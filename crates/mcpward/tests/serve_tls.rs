//! `mcpward serve` on a public address: only with TLS and client tokens, and then it serves
//! HTTPS (rustls) and nothing in plain text.

#[path = "support/serve.rs"]
mod serve;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

use serde_json::json;

/// A CA made for the test and a certificate it signed for 127.0.0.1, as PEM files in `dir`.
fn certificates(dir: &std::path::Path) -> (String, std::path::PathBuf, std::path::PathBuf) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "mcpward serve test CA");
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf_params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, leaf.pem()).unwrap();
    std::fs::write(&key, leaf_key.serialize_pem()).unwrap();
    (ca_cert.pem(), cert, key)
}

#[test]
fn a_public_listener_with_tls_and_tokens_serves_https_only() {
    let dir = tempfile::tempdir().unwrap();
    let (ca_pem, cert, key) = certificates(dir.path());
    let (_server, url) = serve::testkit_http_server(&[]);
    let token = format!("tls-{}", "k".repeat(28));
    let tokens = dir.path().join("tokens");
    std::fs::write(&tokens, format!("{token}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&tokens, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(
        dir.path().join("allow.toml"),
        "[defaults]\nmode = \"allow\"\nunknown_tools = \"allow\"\n",
    )
    .unwrap();
    let config = dir.path().join("serve.toml");
    std::fs::write(
        &config,
        format!(
            "state_dir = \"state\"\n[listen]\ntls_cert = \"{}\"\ntls_key = \"{}\"\ntokens_file = \"tokens\"\n[[route]]\nname = \"notes\"\nurl = \"{url}\"\npolicy = \"allow.toml\"\n",
            cert.display(),
            key.display()
        ),
    )
    .unwrap();
    // Every address of the machine; the test talks to it on loopback only.
    let mut child = Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .args(["serve", "--config"])
        .arg(&config)
        .args(["--listen", "0.0.0.0:0", "--log"])
        .arg(dir.path().join("audit.jsonl"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let mut proc = serve::Proc {
        child,
        name: "mcpward serve",
    };
    assert!(line.contains("listening on https://0.0.0.0:"), "{line}");
    let port: u16 = line
        .split("https://0.0.0.0:")
        .nth(1)
        .and_then(|r| r.split(';').next())
        .and_then(|p| p.parse().ok())
        .unwrap();
    let ca = ureq::tls::Certificate::from_pem(ca_pem.as_bytes()).unwrap();
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![ca])))
        .build();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .build()
        .into();
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "search_notes", "arguments": {"query": "tls"},
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {}}}})
    .to_string();
    let https = format!("https://127.0.0.1:{port}/mcp/notes");
    let send = |auth: Option<&str>| {
        let mut req = agent
            .post(&https)
            .header("Content-Type", "application/json")
            .header("MCP-Protocol-Version", "2026-07-28")
            .header("Mcp-Method", "tools/call")
            .header("Mcp-Name", "search_notes");
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        let mut resp = req.send(&body).expect("HTTPS request");
        (
            resp.status().as_u16(),
            resp.body_mut().read_to_string().unwrap_or_default(),
        )
    };
    assert_eq!(send(None).0, 401);
    let (status, text) = send(Some(&format!("Bearer {token}")));
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("search_notes ran"), "{text}");
    // Plain HTTP on the TLS port gets no MCP answer.
    let plain = serve::raw_exchange(
        port,
        format!("POST /mcp/notes HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\r\n")
            .as_bytes(),
    );
    assert!(!plain.starts_with("HTTP/1.1 200"), "{plain:?}");
    assert!(proc.terminate().success());
}
