//! Who may talk to the page: the decision for one request, as a pure function over the few
//! headers that matter, so every rule is unit-tested without a server.
//!
//! The page answers approvals, so a request must prove it comes from the person who started
//! `mcpward ui`, through a page of ours:
//!
//! * the **token** printed by `mcpward ui` (≥ 128 bits from the OS random source) must be present
//!   and equal (compared in constant time). A `GET` carries it in the URL, a `POST` in its form
//!   body or the `X-Mcpward-Token` header, never only in the URL (a URL ends up in history, logs
//!   and screenshots; a link someone tricks the person into following cannot carry a body);
//! * **Host** must be `127.0.0.1:PORT` or `localhost:PORT`: a page on another name that resolves
//!   to 127.0.0.1 (DNS rebinding) reaches the socket, but its requests say its own name;
//! * **Origin**, when present, must be this page's origin (`http://127.0.0.1:PORT` or
//!   `http://localhost:PORT`); a `POST` must carry one (browsers always send it on form posts),
//!   the CSRF check. Under the page's `Referrer-Policy: no-referrer` browsers send
//!   `Origin: null` on the page's own posts, so `null` passes only together with
//!   `Sec-Fetch-Site: same-origin` (a browser without Fetch metadata cannot answer: fail closed);
//! * **Sec-Fetch-Site** may be `same-origin` or `none` (the person opened the address): `same-site`
//!   (another port on this machine) and `cross-site` are refused.

use subtle::ConstantTimeEq as _;

/// Header that may carry the token of a `POST` (for scripts and the page's own requests).
pub const TOKEN_HEADER: &str = "x-mcpward-token";

/// Bytes of randomness in a token (256 bits; at least 128 are required).
pub const TOKEN_BYTES: usize = 32;

/// The secret that makes a request the person's: hex of [`TOKEN_BYTES`] random bytes.
#[derive(Clone)]
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(…)")
    }
}

impl Token {
    /// A fresh token from the OS random source. There is no fallback: without good randomness
    /// the page does not start.
    pub fn random() -> Result<Token, getrandom::Error> {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes)?;
        Ok(Token(
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        ))
    }

    /// The token as it goes into the page's URLs and forms.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `candidate` is this token. Constant time in the content (the length is public).
    pub fn matches(&self, candidate: &str) -> bool {
        self.0.as_bytes().ct_eq(candidate.as_bytes()).into()
    }

    #[cfg(test)]
    pub(crate) fn fixed(text: &str) -> Token {
        Token(text.to_owned())
    }
}

/// The request as far as the guard looks at it.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestFacts<'a> {
    /// `POST` (changes state) rather than `GET`/`HEAD`.
    pub is_post: bool,
    pub host: Option<&'a str>,
    pub origin: Option<&'a str>,
    pub sec_fetch_site: Option<&'a str>,
    /// Token from the URL's query (`token=`); counts only for `GET`.
    pub query_token: Option<&'a str>,
    /// Token from the [`TOKEN_HEADER`] header or, for a `POST`, its form body.
    pub body_or_header_token: Option<&'a str>,
}

/// Why a request was refused; its text is the body of the 403 answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No `Host`, or one naming something other than this page.
    Host,
    /// An `Origin` that is not this page, or a `POST` without one.
    Origin,
    /// `Sec-Fetch-Site` says another site (or another port of this machine) sent it.
    CrossSite,
    /// No token where this request must carry one.
    MissingToken,
    /// A token that is not this page's.
    WrongToken,
}

impl Refusal {
    /// The short text of the 403 answer.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Host => {
                "refused: the Host header does not name this page (only 127.0.0.1:PORT and localhost:PORT are served)"
            }
            Refusal::Origin => {
                "refused: the request does not come from this page (Origin missing or foreign)"
            }
            Refusal::CrossSite => "refused: the request was sent by another site",
            Refusal::MissingToken => {
                "refused: no token; open the address `mcpward ui` printed (a form post carries the token in its body)"
            }
            Refusal::WrongToken => {
                "refused: wrong token; open the address printed by the running `mcpward ui`"
            }
        }
    }
}

/// Whether the request may be served by the page listening on `port` with `token`.
pub fn check(req: &RequestFacts<'_>, token: &Token, port: u16) -> Result<(), Refusal> {
    check_source(req, port)?;
    let candidate = if req.is_post {
        req.body_or_header_token
    } else {
        req.body_or_header_token.or(req.query_token)
    };
    match candidate {
        None => Err(Refusal::MissingToken),
        Some(c) if token.matches(c) => Ok(()),
        Some(_) => Err(Refusal::WrongToken),
    }
}

/// The part of [`check`] that needs no token: `Host`, `Origin` and `Sec-Fetch-Site`. Judged
/// before a request body is read.
pub fn check_source(req: &RequestFacts<'_>, port: u16) -> Result<(), Refusal> {
    let host = req.host.ok_or(Refusal::Host)?;
    if !is_own_host(host, port) {
        return Err(Refusal::Host);
    }
    match req.origin {
        Some(origin) if is_own_origin(origin, port) => {}
        // The page's `Referrer-Policy: no-referrer` makes browsers send `Origin: null` on its own
        // form posts; then only the browser's `Sec-Fetch-Site: same-origin` vouches for them. A
        // page elsewhere (a data: URL, a sandboxed frame) also sends `null`, with `cross-site`.
        Some("null") if req.sec_fetch_site == Some("same-origin") => {}
        Some(_) => return Err(Refusal::Origin),
        None if req.is_post => return Err(Refusal::Origin),
        None => {}
    }
    match req.sec_fetch_site {
        None | Some("same-origin" | "none") => Ok(()),
        Some(_) => Err(Refusal::CrossSite),
    }
}

/// `127.0.0.1:PORT` or `localhost:PORT` (the name in any case), and nothing else: no default
/// port, no trailing dot, no other name.
fn is_own_host(host: &str, port: u16) -> bool {
    let Some((name, p)) = host.rsplit_once(':') else {
        return false;
    };
    p == port.to_string() && (name == "127.0.0.1" || name.eq_ignore_ascii_case("localhost"))
}

fn is_own_origin(origin: &str, port: u16) -> bool {
    origin
        .strip_prefix("http://")
        .is_some_and(|host| is_own_host(host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PORT: u16 = 4242;

    fn token() -> Token {
        Token::fixed("5f1e0c2a9b7d4e3f8a6c1b0d2e4f6a8c5f1e0c2a9b7d4e3f8a6c1b0d2e4f6a8c")
    }

    fn get(token: &str) -> RequestFacts<'_> {
        RequestFacts {
            host: Some("127.0.0.1:4242"),
            query_token: Some(token),
            ..RequestFacts::default()
        }
    }

    fn post(token: &str) -> RequestFacts<'_> {
        RequestFacts {
            is_post: true,
            host: Some("127.0.0.1:4242"),
            origin: Some("http://127.0.0.1:4242"),
            sec_fetch_site: Some("same-origin"),
            body_or_header_token: Some(token),
            ..RequestFacts::default()
        }
    }

    #[test]
    fn the_printed_address_is_served() {
        let t = token();
        assert_eq!(check(&get(t.as_str()), &t, PORT), Ok(()));
        let typed = RequestFacts {
            sec_fetch_site: Some("none"),
            ..get(t.as_str())
        };
        assert_eq!(check(&typed, &t, PORT), Ok(()));
        let localhost = RequestFacts {
            host: Some("LocalHost:4242"),
            origin: Some("http://localhost:4242"),
            ..get(t.as_str())
        };
        assert_eq!(check(&localhost, &t, PORT), Ok(()));
        assert_eq!(check(&post(t.as_str()), &t, PORT), Ok(()));
    }

    #[test]
    fn a_request_without_the_token_is_refused() {
        let t = token();
        let none = RequestFacts {
            query_token: None,
            ..get(t.as_str())
        };
        assert_eq!(check(&none, &t, PORT), Err(Refusal::MissingToken));
        assert_eq!(check(&get(""), &t, PORT), Err(Refusal::WrongToken));
        let almost = format!("{}0", &t.as_str()[..t.as_str().len() - 1]);
        assert_eq!(check(&get(&almost), &t, PORT), Err(Refusal::WrongToken));
        let longer = format!("{}0", t.as_str());
        assert_eq!(check(&get(&longer), &t, PORT), Err(Refusal::WrongToken));
        assert_eq!(
            check(&get(&t.as_str().to_uppercase()), &t, PORT),
            Err(Refusal::WrongToken)
        );
    }

    #[test]
    fn a_post_needs_the_token_in_its_body_not_only_in_the_url() {
        let t = token();
        let url_only = RequestFacts {
            body_or_header_token: None,
            query_token: Some(t.as_str()),
            ..post(t.as_str())
        };
        assert_eq!(check(&url_only, &t, PORT), Err(Refusal::MissingToken));
        // A wrong token in the body is not rescued by a right one in the URL.
        let wrong_body = RequestFacts {
            query_token: Some(t.as_str()),
            ..post("0000")
        };
        assert_eq!(check(&wrong_body, &t, PORT), Err(Refusal::WrongToken));
    }

    #[test]
    fn a_post_without_an_origin_or_from_another_origin_is_refused() {
        let t = token();
        for origin in [
            None,
            Some("http://evil.example"),
            Some("http://127.0.0.1:4243"),
            Some("https://127.0.0.1:4242"),
            Some("http://127.0.0.1:4242.evil.example"),
            Some("http://evil.example/http://127.0.0.1:4242"),
        ] {
            let req = RequestFacts {
                origin,
                ..post(t.as_str())
            };
            assert_eq!(check(&req, &t, PORT), Err(Refusal::Origin), "{origin:?}");
        }
        // A GET with a foreign Origin (a script's fetch from another page) is refused too.
        let req = RequestFacts {
            origin: Some("http://evil.example"),
            ..get(t.as_str())
        };
        assert_eq!(check(&req, &t, PORT), Err(Refusal::Origin));
    }

    #[test]
    fn origin_null_passes_only_when_the_browser_says_same_origin() {
        let t = token();
        // What Chromium sends for the page's own form post under `no-referrer`.
        let own = RequestFacts {
            origin: Some("null"),
            ..post(t.as_str())
        };
        assert_eq!(check(&own, &t, PORT), Ok(()));
        // A data: URL or sandboxed frame elsewhere, or a client without Fetch metadata.
        for site in [Some("cross-site"), Some("same-site"), Some("none"), None] {
            let req = RequestFacts {
                sec_fetch_site: site,
                ..own
            };
            assert_eq!(check(&req, &t, PORT), Err(Refusal::Origin), "{site:?}");
        }
    }

    #[test]
    fn dns_rebinding_is_refused_by_the_host_header() {
        let t = token();
        for host in [
            None,
            Some("evil.example:4242"),
            Some("127.0.0.1"),
            Some("127.0.0.1:80"),
            Some("localhost.:4242"),
            Some("127.0.0.1.evil.example:4242"),
            Some("[::1]:4242"),
            Some("0.0.0.0:4242"),
            Some(""),
        ] {
            let req = RequestFacts {
                host,
                ..get(t.as_str())
            };
            assert_eq!(check(&req, &t, PORT), Err(Refusal::Host), "{host:?}");
        }
    }

    #[test]
    fn requests_another_site_sends_are_refused() {
        let t = token();
        for site in ["cross-site", "same-site", "CROSS-SITE", ""] {
            let req = RequestFacts {
                sec_fetch_site: Some(site),
                ..post(t.as_str())
            };
            assert_eq!(check(&req, &t, PORT), Err(Refusal::CrossSite), "{site}");
        }
    }

    #[test]
    fn tokens_are_random_long_and_never_printed_by_debug() {
        let a = Token::random().unwrap();
        let b = Token::random().unwrap();
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(a.as_str().len(), TOKEN_BYTES * 2);
        const { assert!(TOKEN_BYTES * 8 >= 128) };
        assert!(a.as_str().bytes().all(|c| c.is_ascii_hexdigit()));
        assert!(!format!("{a:?}").contains(a.as_str()));
    }
}
