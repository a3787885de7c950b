//! The parts of a server URL the rules look at: scheme, host, credentials and query.
//!
//! Written by hand rather than with a URL crate because config URLs are often not valid URLs
//! (`${HOST}`, `http://localhost:${PORT}/mcp`) and the rules only need to find, not normalise,
//! the pieces; every piece keeps its byte offset inside the URL so findings can point at it.

use std::ops::Range;

/// A URL split into the pieces rules need; every range is in bytes of the URL text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteUrl<'a> {
    pub text: &'a str,
    /// Lower-case scheme without `://` (`http`, `https`, `ws`...).
    pub scheme: String,
    /// Host as written (brackets removed for IPv6), lower case.
    pub host: String,
    /// `user[:password]` before the host, when present.
    pub userinfo: Option<Range<usize>>,
    /// The password part of `userinfo`.
    pub password: Option<Range<usize>>,
    /// Query parameters: (name, value range).
    pub query: Vec<(String, Range<usize>)>,
}

impl<'a> RemoteUrl<'a> {
    /// `None` when `text` has no `scheme://`.
    pub fn parse(text: &'a str) -> Option<RemoteUrl<'a>> {
        let trimmed = text.trim_start();
        let lead = text.len() - trimmed.len();
        let sep = trimmed.find("://")?;
        let scheme = &trimmed[..sep];
        if scheme.is_empty()
            || !scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
        {
            return None;
        }
        let auth_start = lead + sep + 3;
        let auth_end = text[auth_start..]
            .find(['/', '?', '#'])
            .map(|i| auth_start + i)
            .unwrap_or(text.len());
        let authority = &text[auth_start..auth_end];
        let (userinfo, password, host_start) = match authority.rfind('@') {
            Some(at) => {
                let ui = auth_start..auth_start + at;
                let pw = authority[..at]
                    .find(':')
                    .map(|c| auth_start + c + 1..auth_start + at);
                (Some(ui), pw, auth_start + at + 1)
            }
            None => (None, None, auth_start),
        };
        let hostport = &text[host_start..auth_end];
        let host = if let Some(rest) = hostport.strip_prefix('[') {
            rest.split(']').next().unwrap_or(rest)
        } else {
            hostport.split(':').next().unwrap_or(hostport)
        };
        let mut query = Vec::new();
        if let Some(q) = text[auth_end..].find('?').map(|i| auth_end + i + 1) {
            let q_end = text[q..].find('#').map(|i| q + i).unwrap_or(text.len());
            let mut pos = q;
            for pair in text[q..q_end].split('&') {
                let (name, value) = match pair.find('=') {
                    Some(eq) => (&pair[..eq], pos + eq + 1..pos + pair.len()),
                    None => (pair, pos + pair.len()..pos + pair.len()),
                };
                if !name.is_empty() {
                    query.push((name.to_string(), value));
                }
                pos += pair.len() + 1;
            }
        }
        Some(RemoteUrl {
            text,
            scheme: scheme.to_ascii_lowercase(),
            host: host.to_ascii_lowercase(),
            userinfo,
            password,
            query,
        })
    }

    /// The host is this machine: `localhost`, `*.localhost`, `127.0.0.0/8`, `::1`, `0.0.0.0`,
    /// and Docker's names for the host seen from a container (`host.docker.internal`,
    /// `gateway.docker.internal`): traffic to them does not leave the machine.
    pub fn is_loopback(&self) -> bool {
        let h = self.host.trim_end_matches('.').to_ascii_lowercase();
        let h = h.as_str();
        if h == "localhost"
            || h.ends_with(".localhost")
            || h == "host.docker.internal"
            || h == "gateway.docker.internal"
            || h == "::1"
            || h == "0:0:0:0:0:0:0:1"
            || h == "0.0.0.0"
        {
            return true;
        }
        match h.parse::<std::net::Ipv4Addr>() {
            Ok(ip) => ip.is_loopback(),
            Err(_) => false,
        }
    }

    /// Plain-text schemes: the bytes, including any token, cross the network readable.
    pub fn is_plaintext(&self) -> bool {
        matches!(self.scheme.as_str(), "http" | "ws")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_userinfo_host_and_query() {
        let u = RemoteUrl::parse("https://me:pw@Example.com:8443/mcp?api_key=abc&x#frag").unwrap();
        assert_eq!(u.host, "example.com");
        assert_eq!(&u.text[u.password.clone().unwrap()], "pw");
        assert_eq!(u.query[0].0, "api_key");
        assert_eq!(&u.text[u.query[0].1.clone()], "abc");
        assert_eq!(u.query[1].0, "x");
    }

    #[test]
    fn knows_loopback_hosts() {
        for url in [
            "http://localhost:3000/mcp",
            "http://127.0.0.2/",
            "http://[::1]:80/",
            "http://api.localhost/",
            "http://host.docker.internal:8080/mcp",
            "http://LOCALHOST:3000/",
        ] {
            assert!(RemoteUrl::parse(url).unwrap().is_loopback(), "{url}");
        }
        for url in [
            "http://10.0.0.1/",
            "http://localhost.evil.com/",
            "http://127.0.0.1.nip.io/",
            "http://host.docker.internal.evil.com/",
        ] {
            assert!(!RemoteUrl::parse(url).unwrap().is_loopback(), "{url}");
        }
    }

    #[test]
    fn rejects_text_without_scheme() {
        assert!(RemoteUrl::parse("localhost:3000").is_none());
        assert!(RemoteUrl::parse("://x").is_none());
    }
}
