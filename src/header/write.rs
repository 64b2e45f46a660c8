//! Writing the session cookie's `Set-Cookie` response header into a caller's buffer.

use super::CookieSpec;
use crate::Error;
use crate::format::{TS_MAX_DIGITS, encode_ts, is_id_byte, ts_digits};
use crate::signer::ascii_str;

/// The attributes every removal ends with: `Max-Age=0`, and an `Expires` in 1970 for clients
/// that ignore `Max-Age`.
const REMOVAL_TAIL: &str = "; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT";

/// Longest fixed attributes: `; HttpOnly; SameSite=Strict; Secure; Path=; Domain=; Max-Age=`
/// and the 20 digits of `u64::MAX`.
const FIXED_ATTRIBUTES_MAX: usize = "; HttpOnly".len()
    + "; SameSite=Strict".len()
    + "; Secure".len()
    + "; Path=".len()
    + "; Domain=".len()
    + "; Max-Age=".len()
    + TS_MAX_DIGITS;

impl CookieSpec<'_> {
    /// A buffer of this size holds any header that [`write`](Self::write) and
    /// [`write_removal`](Self::write_removal) produce for a spec whose name, path and domain
    /// together are at most 128 bytes, with any value a signer makes (up to
    /// [`MAX_VALUE_LEN`](crate::MAX_VALUE_LEN)) and any `Max-Age`.
    /// [`max_header_len`](Self::max_header_len) gives the exact bound of one spec.
    ///
    /// ```
    /// use sigcookie::{MAX_VALUE_LEN, header::CookieSpec};
    /// assert_eq!(CookieSpec::MAX_HEADER_LEN, 128 + 1 + MAX_VALUE_LEN + 81);
    /// assert!(CookieSpec::new("__Host-session")?.max_header_len() <= CookieSpec::MAX_HEADER_LEN);
    /// # Ok::<(), sigcookie::ConfigError>(())
    /// ```
    pub const MAX_HEADER_LEN: usize = 128 + 1 + crate::MAX_VALUE_LEN + FIXED_ATTRIBUTES_MAX;

    /// The longest header this spec writes: a value of [`MAX_VALUE_LEN`](crate::MAX_VALUE_LEN)
    /// bytes with a 20-digit `Max-Age`, or the removal if that were longer.
    ///
    /// ```
    /// # use sigcookie::{MAX_VALUE_LEN, header::CookieSpec};
    /// let spec = CookieSpec::new("__Host-session")?;
    /// // name=value; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=<20 digits>
    /// assert_eq!(spec.max_header_len(), 14 + 1 + MAX_VALUE_LEN + 10 + 14 + 8 + 8 + 30);
    /// let mut buf = [0u8; 600];
    /// let max = spec.write(&"a".repeat(MAX_VALUE_LEN), Some(u64::MAX), &mut buf)?;
    /// assert_eq!(max.len(), spec.max_header_len());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn max_header_len(&self) -> usize {
        let session = self.header_len(crate::MAX_VALUE_LEN, Some(u64::MAX));
        let removal = self.removal_len();
        if session > removal { session } else { removal }
    }

    /// The length of the header [`write`](Self::write) makes for a value of `value_len` bytes.
    pub(crate) const fn header_len(&self, value_len: usize, max_age: Option<u64>) -> usize {
        let max_age = match max_age {
            Some(secs) => "; Max-Age=".len() + ts_digits(secs),
            None => 0,
        };
        self.attributes_len(value_len) + max_age
    }

    const fn removal_len(&self) -> usize {
        self.attributes_len(0) + REMOVAL_TAIL.len()
    }

    const fn attributes_len(&self, value_len: usize) -> usize {
        let same_site = "; SameSite=".len() + self.same_site.as_str().len();
        let secure = if self.secure { "; Secure".len() } else { 0 };
        let domain = match self.domain {
            Some(domain) => "; Domain=".len() + domain.len(),
            None => 0,
        };
        self.name.len()
            + 1
            + value_len
            + "; HttpOnly".len()
            + same_site
            + secure
            + "; Path=".len()
            + self.path.len()
            + domain
    }

    /// The headers to send, besides the `Set-Cookie`, with every response that carries a header
    /// [`write`](Self::write) or [`write_removal`](Self::write_removal) made, and with every
    /// response computed from a verified session: `Cache-Control: no-store` and `Vary: Cookie`.
    ///
    /// A shared cache (a CDN, a caching reverse proxy) keys pages by their URL: one that stores a
    /// response with a session's `Set-Cookie` hands the cookie to the next visitor of that URL,
    /// one user logged in as another (the pattern of Flask's CVE-2023-30861), and one that stores
    /// a page computed from a session shows it to others. `no-store` keeps every cache from
    /// storing the response (RFC 9111), and `Vary: Cookie` tells a cache that stores it anyway
    /// that it belongs to the request's `Cookie:` header. A response that has caching headers
    /// of its own needs them merged instead (`private` unless `no-store`, `Cookie` added to
    /// `Vary`), as the web layer does ([`web::SetCookie`](crate::web::SetCookie), with the
    /// `cookie` feature).
    ///
    /// ```
    /// use sigcookie::header::CookieSpec;
    ///
    /// let mut buf = [0u8; 128];
    /// let set_cookie = CookieSpec::new("s")?.write_removal(&mut buf)?;
    /// let mut response = format!("HTTP/1.1 200 OK\r\nSet-Cookie: {set_cookie}\r\n");
    /// for (name, value) in CookieSpec::CACHE_HEADERS {
    ///     response.push_str(&format!("{name}: {value}\r\n"));
    /// }
    /// assert!(response.ends_with("\r\nCache-Control: no-store\r\nVary: Cookie\r\n"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const CACHE_HEADERS: [(&'static str, &'static str); 2] =
        [("Cache-Control", "no-store"), ("Vary", "Cookie")];

    /// Writes the `Set-Cookie` header value carrying `value` into the start of `buf`, and
    /// returns it. `max_age` is the `Max-Age` in seconds: the time until the value's idle or
    /// absolute end ([`SessionSigner::expires_at`](crate::SessionSigner::expires_at) minus now)
    /// so that the browser drops the cookie when the server would refuse it anyway, or `None`
    /// for a cookie the browser drops when it closes. Allocates nothing.
    ///
    /// Send [`CACHE_HEADERS`](Self::CACHE_HEADERS) with it, so that no shared cache stores the
    /// response and hands the cookie to someone else.
    ///
    /// # Errors
    /// [`Error::InvalidIdByte`] for a byte that a cookie value cannot carry (what a signer makes
    /// always can), [`Error::BufferTooSmall`] with the length needed.
    ///
    /// ```
    /// use sigcookie::{Error, header::CookieSpec};
    ///
    /// let spec = CookieSpec::new("s")?.with_domain("example.com")?;
    /// let mut buf = [0u8; 128];
    /// assert_eq!(
    ///     spec.write("7.1.1.ab", Some(3600), &mut buf)?,
    ///     "s=7.1.1.ab; HttpOnly; SameSite=Lax; Secure; Path=/; Domain=example.com; Max-Age=3600"
    /// );
    /// assert_eq!(spec.write("a;b", None, &mut buf).err(), Some(Error::InvalidIdByte { byte: b';', position: 1 }));
    /// assert_eq!(spec.write("7", None, &mut [0u8; 8]).err(), Some(Error::BufferTooSmall { needed: 63 }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write<'b>(
        &self,
        value: &str,
        max_age: Option<u64>,
        buf: &'b mut [u8],
    ) -> Result<&'b str, Error> {
        // A cookie-octet (RFC 6265): what an id may hold, and the dots between the parts.
        if let Some(position) = value.bytes().position(|b| !is_id_byte(b) && b != b'.') {
            return Err(Error::InvalidIdByte {
                byte: value.as_bytes()[position],
                position,
            });
        }
        let needed = self.header_len(value.len(), max_age);
        let mut out = Out::new(buf, needed)?;
        self.write_attributes(&mut out, value);
        if let Some(secs) = max_age {
            out.push("; Max-Age=");
            out.push(ascii_str(encode_ts(secs, &mut [0; TS_MAX_DIGITS])));
        }
        Ok(out.finish())
    }

    /// Writes the header that removes the cookie from the browser, for logout: the same name,
    /// path and domain (or the browser would keep the original), an empty value, `Max-Age=0`,
    /// and an `Expires` in 1970 for clients that ignore `Max-Age`. Send
    /// [`CACHE_HEADERS`](Self::CACHE_HEADERS) with it: a cached removal would log out whoever
    /// is served it.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`] with the length needed.
    ///
    /// ```
    /// # use sigcookie::header::CookieSpec;
    /// let spec = CookieSpec::new("__Host-s")?;
    /// let mut buf = [0u8; 128];
    /// assert_eq!(
    ///     spec.write_removal(&mut buf)?,
    ///     "__Host-s=; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_removal<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, Error> {
        let mut out = Out::new(buf, self.removal_len())?;
        self.write_attributes(&mut out, "");
        out.push(REMOVAL_TAIL);
        Ok(out.finish())
    }

    fn write_attributes(&self, out: &mut Out<'_>, value: &str) {
        out.push(self.name);
        out.push("=");
        out.push(value);
        out.push("; HttpOnly; SameSite=");
        out.push(self.same_site.as_str());
        if self.secure {
            out.push("; Secure");
        }
        out.push("; Path=");
        out.push(self.path);
        if let Some(domain) = self.domain {
            out.push("; Domain=");
            out.push(domain);
        }
    }
}

/// A buffer known to be large enough for what is pushed (its length was computed first).
struct Out<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> Out<'b> {
    fn new(buf: &'b mut [u8], needed: usize) -> Result<Self, Error> {
        if buf.len() < needed {
            return Err(Error::BufferTooSmall { needed });
        }
        Ok(Out { buf, len: 0 })
    }

    fn push(&mut self, s: &str) {
        // In bounds: `new` checked the whole length; `get_mut` keeps a miscount from panicking.
        if let Some(dst) = self.buf.get_mut(self.len..self.len + s.len()) {
            dst.copy_from_slice(s.as_bytes());
            self.len += s.len();
        }
    }

    fn finish(self) -> &'b str {
        ascii_str(&self.buf[..self.len])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::SameSite;

    #[test]
    fn lengths_match_what_is_written() {
        let specs = [
            CookieSpec::new("s"),
            CookieSpec::new("s").and_then(CookieSpec::insecure_plain_http),
            CookieSpec::new("__Secure-s")
                .and_then(|s| s.with_domain("example.com"))
                .and_then(|s| s.with_path("/a/b"))
                .and_then(|s| s.with_same_site(SameSite::Strict)),
            CookieSpec::new("s").and_then(|s| s.with_same_site(SameSite::None)),
        ];
        let mut buf = [0u8; CookieSpec::MAX_HEADER_LEN];
        for spec in specs {
            let spec = spec.expect("valid");
            for max_age in [None, Some(0), Some(9), Some(10), Some(u64::MAX)] {
                let header = spec.write("7.1.2.ab", max_age, &mut buf).expect("fits");
                assert_eq!(header.len(), spec.header_len(8, max_age), "{header}");
            }
            let removal = spec.write_removal(&mut buf).expect("fits");
            assert_eq!(removal.len(), spec.removal_len());
            let needed = removal.len();
            assert_eq!(
                spec.write_removal(&mut buf[..needed - 1]),
                Err(Error::BufferTooSmall { needed })
            );
            assert!(spec.write_removal(&mut buf[..needed]).is_ok());
        }
    }

    #[test]
    fn max_age_digits() {
        let spec = CookieSpec::new("s").expect("valid");
        let mut buf = [0u8; 128];
        for (n, text) in [
            (0, "=0"),
            (9, "=9"),
            (10, "=10"),
            (12_345, "=12345"),
            (u64::MAX, "=18446744073709551615"),
        ] {
            let header = spec.write("v", Some(n), &mut buf).expect("fits");
            assert!(header.ends_with(text), "{header}");
            assert_eq!(ts_digits(n), text.len() - 1);
        }
    }
}
