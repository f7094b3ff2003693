//! Who may talk to the desk, and what every answer tells the browser.
//!
//! The desk listens on 127.0.0.1 only, but that is not enough: any web page the doctor opens
//! can make the browser send requests to 127.0.0.1, and a hostile domain can be made to resolve
//! there (DNS rebinding). So every request must:
//! - name the desk itself in `Host` (`127.0.0.1:PORT` or `localhost:PORT`): a rebinding
//!   page's requests carry its own domain;
//! - if the browser says where it comes from (`Origin`, `Sec-Fetch-Site`), come from the desk's
//!   own pages; a request that changes something (POST) must say so;
//! - start with `/t/<token>/`, the random token of this launch, which only the address the desk
//!   printed or opened carries.
//!
//! Every answer forbids caching, referrers (the token is in the address), framing by others,
//! sniffing, and, through its Content-Security-Policy, any script, style, image, connection or
//! frame from anywhere but the desk itself.

use carnet_core::crypto::random;

/// Why a request was refused. What the refusal says names no patient and no token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// `Host` is not the desk's own address.
    ForeignHost,
    /// The browser says the request comes from another site.
    CrossOrigin,
    /// The path does not carry this launch's token.
    NoToken,
}

impl Refusal {
    pub fn status(self) -> u16 {
        match self {
            Refusal::ForeignHost | Refusal::CrossOrigin => 403,
            Refusal::NoToken => 404,
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Refusal::ForeignHost => "refused: this desk answers only to its own address",
            Refusal::CrossOrigin => "refused: a request from another site",
            Refusal::NoToken => "not found: open the address the desk printed",
        }
    }
}

/// The checks of one launch: its port and its token.
pub struct Guard {
    port: u16,
    token: String,
}

impl Guard {
    pub fn new(port: u16) -> Self {
        let token = random::bytes::<16>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Self { port, token }
    }

    /// The path every address of this launch starts with: `/t/<token>/`.
    pub fn prefix(&self) -> String {
        format!("/t/{}/", self.token)
    }

    fn own_hosts(&self) -> [String; 2] {
        [
            format!("127.0.0.1:{}", self.port),
            format!("localhost:{}", self.port),
        ]
    }

    /// Checks a request; on success, the path after the token (`""` for the page itself).
    /// `header` gives a header's value by its lower-case name.
    pub fn check<'u>(
        &self,
        post: bool,
        url: &'u str,
        header: impl Fn(&str) -> Option<String>,
    ) -> Result<&'u str, Refusal> {
        let hosts = self.own_hosts();
        let host = header("host").unwrap_or_default();
        if !hosts.contains(&host) {
            return Err(Refusal::ForeignHost);
        }
        match header("origin") {
            Some(origin) if !hosts.iter().any(|h| origin == format!("http://{h}")) => {
                return Err(Refusal::CrossOrigin);
            }
            // Browsers send Origin with every POST; a POST without it is not the desk's page.
            None if post => return Err(Refusal::CrossOrigin),
            _ => {}
        }
        if let Some(site) = header("sec-fetch-site") {
            if !matches!(site.as_str(), "same-origin" | "none") {
                return Err(Refusal::CrossOrigin);
            }
        }
        let rest = url
            .strip_prefix("/t/")
            .and_then(|r| r.split_once('/'))
            .filter(|(token, _)| same_token(token, &self.token))
            .map(|(_, rest)| rest)
            .ok_or(Refusal::NoToken)?;
        Ok(rest)
    }
}

/// Compares tokens without stopping at the first difference, so timing tells nothing of how
/// much of a guess was right. (Two lines of our own rather than a crate for one comparison of
/// 32 ASCII bytes.)
fn same_token(given: &str, token: &str) -> bool {
    given.len() == token.len()
        && given
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// What an answer is, for its headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The desk's page and its script and style.
    App,
    /// The printable summary shown in the page's frame (inline style, no script at all).
    Summary,
    /// Data: JSON, an SVG code, a file to save.
    Data,
}

/// The headers every answer of `kind` carries.
pub fn headers(kind: Kind) -> Vec<(&'static str, &'static str)> {
    let policy = match kind {
        Kind::App => {
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
             media-src 'self' blob: mediastream:; connect-src 'self'; frame-src 'self'; \
             base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        }
        Kind::Summary => {
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; \
             form-action 'none'; frame-ancestors 'self'"
        }
        Kind::Data => "default-src 'none'; frame-ancestors 'none'; sandbox",
    };
    vec![
        ("Content-Security-Policy", policy),
        ("Cache-Control", "no-store"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Content-Type-Options", "nosniff"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        (
            "X-Frame-Options",
            if kind == Kind::Summary {
                "SAMEORIGIN"
            } else {
                "DENY"
            },
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask<'u>(
        guard: &Guard,
        post: bool,
        url: &'u str,
        headers: &[(&str, &str)],
    ) -> Result<&'u str, Refusal> {
        guard.check(post, url, |name| {
            headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn only_the_desks_own_address_and_token_pass() {
        let guard = Guard::new(8123);
        let page = format!("{}summary", guard.prefix());
        let host = ("host", "127.0.0.1:8123");
        assert_eq!(ask(&guard, false, &page, &[host]), Ok("summary"));
        assert_eq!(
            ask(&guard, false, &page, &[("host", "localhost:8123")]),
            Ok("summary")
        );
        // DNS rebinding: the page's own domain, resolved to 127.0.0.1.
        for foreign in ["evil.example:8123", "127.0.0.1:8124", "127.0.0.1", ""] {
            assert_eq!(
                ask(&guard, false, &page, &[("host", foreign)]),
                Err(Refusal::ForeignHost)
            );
        }
        assert_eq!(
            ask(
                &guard,
                false,
                &page,
                &[host, ("origin", "http://evil.example")]
            ),
            Err(Refusal::CrossOrigin)
        );
        assert_eq!(
            ask(
                &guard,
                false,
                &page,
                &[host, ("sec-fetch-site", "cross-site")]
            ),
            Err(Refusal::CrossOrigin)
        );
        // A POST must say it comes from the desk's page.
        assert_eq!(ask(&guard, true, &page, &[host]), Err(Refusal::CrossOrigin));
        assert_eq!(
            ask(
                &guard,
                true,
                &page,
                &[host, ("origin", "http://127.0.0.1:8123")]
            ),
            Ok("summary")
        );
        for url in [
            "/summary",
            "/t/summary",
            "/t//summary",
            "/t/0123456789abcdef0123456789abcdef/summary",
            &page[..page.len() - 9],
        ] {
            assert_eq!(ask(&guard, false, url, &[host]), Err(Refusal::NoToken));
        }
        // Each launch its own token.
        assert_ne!(Guard::new(8123).prefix(), guard.prefix());
    }
}
