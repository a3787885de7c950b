//! `insecure-transport`: a remote server over plain HTTP, or credentials in a URL.

use mcpward_core::{Finding, RuleMeta, Severity};
use mcpward_secrets::is_secret_like_key;

use crate::context::FileContext;
use crate::remote::RemoteUrl;

pub static META: RuleMeta = RuleMeta {
    id: "insecure-transport",
    default_severity: Severity::High,
    summary: "A remote server is reached over plain HTTP, or its URL carries credentials.",
    what: "A server URL (the entry's `url`, or the URL given to a bridge such as `mcp-remote`) \
that uses `http://` or `ws://` to a host other than this machine (loopback `127.0.0.0/8`, `::1` \
and `localhost` are fine): high. A URL carrying credentials in its userinfo (`https://user:pw@…`) \
or in a token-like query parameter (`?api_key=…`), even as a reference: medium.",
    why: "Over plain HTTP every request, tool result and bearer token crosses the network \
readable and modifiable: anyone on the same Wi-Fi can steal the token or inject tool output. \
Credentials in URLs end up in proxy logs, server access logs, shell history and crash reports, \
where headers do not.",
    example_bad: r#"{ "servers": { "tools": { "type": "http", "url": "http://mcp.example.com/mcp?api_key=${env:TOOLS_KEY}" } } }"#,
    example_fixed: r#"{ "servers": { "tools": { "type": "http", "url": "https://mcp.example.com/mcp", "headers": { "Authorization": "Bearer ${input:tools-key}" } } } }"#,
};

pub(crate) fn check(cx: &FileContext<'_>, out: &mut Vec<Finding>) {
    for server in cx.servers.iter().filter(|s| s.active()) {
        let Some(url) = &server.launch.remote_url else {
            continue;
        };
        let Some(parsed) = RemoteUrl::parse(&url.value) else {
            continue;
        };
        if parsed.is_plaintext() && !parsed.is_loopback() {
            out.push(
                cx.finding(
                    &META,
                    Some(server.entry),
                    url.span,
                    format!("{} is reached over unencrypted {}:// at `{}`", server.label(), parsed.scheme, parsed.host),
                )
                .fix(format!("use `{}s://` (ask the server's operator for TLS); plain HTTP is only acceptable to localhost", parsed.scheme)),
            );
        }
        let in_userinfo = parsed.userinfo.is_some();
        let params: Vec<&str> = parsed
            .query
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| credential_param(k))
            .collect();
        if in_userinfo || !params.is_empty() {
            let place = if in_userinfo {
                "user information (`user:password@`)".to_string()
            } else {
                format!("query parameter `{}`", params.join("`, `"))
            };
            out.push(
                cx.finding(&META, Some(server.entry), url.span, format!("the URL of {} carries credentials in its {place}", server.label()))
                    .severity(Severity::Medium)
                    .fix("send credentials in a header (`Authorization: Bearer ${VAR}`) instead of the URL; URLs are logged by proxies and servers"),
            );
        }
    }
}

fn credential_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    is_secret_like_key(&n)
        || [
            "token",
            "key",
            "api_key",
            "apikey",
            "api-key",
            "access_token",
            "auth",
            "password",
            "secret",
            "pat",
            "sig",
            "signature",
            "session",
        ]
        .contains(&n.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::test_support::{Builder, run};
    use mcpward_config::ClientKind;

    fn remote(url: &str) -> Vec<Finding> {
        run(
            check,
            &Builder::new(ClientKind::VsCode, "{}")
                .remote("r", url)
                .build(),
        )
    }

    #[test]
    fn reports_plain_http_to_remote_hosts() {
        let f = remote("http://mcp.example.com/mcp");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
    }

    #[test]
    fn accepts_https_and_loopback_http() {
        for url in [
            "https://mcp.example.com/mcp",
            "http://localhost:3000/mcp",
            "http://127.0.0.1:8080/sse",
            "http://[::1]/mcp",
        ] {
            assert!(remote(url).is_empty(), "{url}");
        }
    }

    #[test]
    fn reports_credentials_in_url_even_as_references() {
        let f = remote("https://mcp.example.com/mcp?api_key=${env:KEY}");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(remote("https://user:${PW}@mcp.example.com/").len(), 1);
        assert!(remote("https://mcp.example.com/mcp?project_ref=abc").is_empty());
    }

    #[test]
    fn sees_the_url_behind_mcp_remote() {
        let file = Builder::new(ClientKind::ClaudeDesktop, "{}")
            .stdio(
                "r",
                "npx",
                &["-y", "mcp-remote@0.1.29", "http://mcp.example.com/sse"],
            )
            .build();
        assert_eq!(run(check, &file).len(), 1);
    }
}
