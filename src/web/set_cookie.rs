//! [`SetCookie`]: a `Set-Cookie` response header the web layer made, for every framework.

use std::fmt;
use std::ops::Deref;

use super::Cookie;

/// A `Set-Cookie` response header: the session cookie that [`SessionCookie::issue`] and
/// [`Session::renewal`] make, or the [`SessionCookie::removal`] that logs out.
///
/// It reads as the [`Cookie`] it carries (`value()`, `max_age()`, `http_only()`, ...); its
/// `Display` is the header's text exactly as the core wrote it
/// ([`CookieSpec::write`](crate::header::CookieSpec::write)). Send it with the framework's own
/// means: it is an axum response part and response (feature `axum`), it adds itself to an
/// actix-web response ([`add_to`](SetCookie::add_to), feature `actix`), and converts into an
/// `http::HeaderValue` (`tower`). `Debug` hides the value, a bearer credential.
///
/// # Shared caches
///
/// A shared cache (a CDN, a caching reverse proxy) that stores a response carrying a session's
/// `Set-Cookie` hands that cookie to whoever asks for the same URL next: one user logged in as
/// another, the pattern of Flask's CVE-2023-30861. So the response a `SetCookie` goes into, a
/// login, a renewal or a logout, is kept out of shared caches (RFC 9111): its `Cache-Control`
/// becomes `private` unless the application said `no-store`, which is stricter and stays;
/// `public` and `s-maxage` go, the application's other directives (`max-age`, `no-cache`, ...)
/// stay for the browser's own cache; and `Cookie` is added to its `Vary`, once, after the
/// application's members (`Vary: *` stays). The axum part and [`add_to`](SetCookie::add_to) do
/// this themselves, and [`SessionLayer`](crate::tower::SessionLayer) does it for a response
/// whose `Set-Cookie` names its cookie, however the handler added it. A bare `HeaderValue` is
/// only the cookie: send it through the layer. Without `std`, [`CookieSpec::CACHE_HEADERS`]
/// are the headers to send.
///
/// [`CookieSpec::CACHE_HEADERS`]: crate::header::CookieSpec::CACHE_HEADERS
///
/// [`SessionCookie::issue`]: super::SessionCookie::issue
/// [`SessionCookie::removal`]: super::SessionCookie::removal
/// [`Session::renewal`]: super::Session::renewal
///
/// ```
/// use sigcookie::{Key, web::SessionCookie};
///
/// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "__Host-s").build()?;
/// let removal = cookie.removal();
/// assert_eq!(removal.value(), "");
/// assert!(removal.to_string().starts_with("__Host-s=; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=0"));
/// assert_eq!(format!("{:?}", cookie.issue("7")?), r#"SetCookie { name: "__Host-s", value: "<redacted>", .. }"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct SetCookie {
    header: String,
    cookie: Cookie<'static>,
}

impl SetCookie {
    /// The header text the core wrote, and the [`Cookie`] the `cookie` crate reads from it.
    pub(super) fn parse(header: &str, secure: bool) -> SetCookie {
        let mut cookie = Cookie::parse(header.to_owned()).unwrap_or_else(|_| {
            // The core writes a token name, cookie-octets and known attributes, which the
            // `cookie` crate parses: this does not happen.
            Cookie::new("", "")
        });
        if !secure {
            // Parsing reads an absent `Secure` as "not set"; this cookie says "off".
            cookie.set_secure(false);
        }
        SetCookie {
            header: header.to_owned(),
            cookie,
        }
    }

    /// The header's text, as the core wrote it.
    fn as_str(&self) -> &str {
        &self.header
    }
}

impl Deref for SetCookie {
    type Target = Cookie<'static>;

    fn deref(&self) -> &Cookie<'static> {
        &self.cookie
    }
}

impl fmt::Display for SetCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Shows the cookie's name but not its value, a bearer credential.
impl fmt::Debug for SetCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetCookie")
            .field("name", &self.cookie.name())
            .field("value", &"<redacted>")
            .finish_non_exhaustive()
    }
}

#[cfg(any(feature = "axum", feature = "tower"))]
impl TryFrom<&SetCookie> for http::HeaderValue {
    type Error = http::header::InvalidHeaderValue;

    /// The header's text as a header value (what the core writes is always a valid one).
    fn try_from(set_cookie: &SetCookie) -> Result<Self, Self::Error> {
        http::HeaderValue::from_str(set_cookie.as_str())
    }
}
