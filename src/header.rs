//! The session cookie on the wire, without `std` or a heap: find it in `Cookie:` request headers
//! ([`find_value`], [`verify_session`]) and write the `Set-Cookie` response header into a
//! caller's buffer ([`CookieSpec::write`], [`CookieSpec::write_removal`]).
//!
//! This is the one implementation of these rules in the crate: the `std` web layer
//! (`sigcookie::web`, the axum, tower and actix-web integrations) reads and writes through it.
//!
//! ```
//! use sigcookie::header::{self, CookieSpec};
//! use sigcookie::{Cutoffs, Key, SessionSigner, Signer};
//!
//! let key = Key::from_bytes(&[7; 32])?;
//! let signer = SessionSigner::new(Signer::new(&key, "__Host-session")?, 1_800, 8 * 3_600);
//! let spec = CookieSpec::builder("__Host-session").build()?;
//!
//! // Login: sign a value on the stack, write the header into a buffer.
//! let value = signer.login_value_at("12345", 1_764_000_000, &Cutoffs::NONE)?;
//! let mut buf = [0u8; CookieSpec::MAX_HEADER_LEN];
//! let set_cookie = spec.write(&value, Some(1_800), &mut buf)?;
//! assert!(set_cookie.starts_with("__Host-session=12345.1764000000.1764000000."));
//! assert!(set_cookie.ends_with("; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=1800"));
//!
//! // A later request: find and verify the cookie among the others.
//! let request = format!("theme=dark; __Host-session={}", value.as_str());
//! let session = header::verify_session(&signer, spec.name(), [request.as_bytes()], 1_764_000_060, &Cutoffs::NONE)?;
//! assert_eq!(session.id(), "12345");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use crate::format::is_id_byte;
use crate::revocation::Revocations;
use crate::{Error, SessionSigner, VerifiedSession};

/// The value of the one cookie called `name` in one or more `Cookie:` header values, as a
/// `str`, refused before it is looked at when it is longer than `max_len` bytes.
///
/// The rules, in order:
/// - Pairs are split at `;` and trimmed of spaces and tabs. Pairs without `=` and cookies of
///   other names are skipped whatever they hold, so another application's malformed or
///   non-UTF-8 cookie does not log anyone out.
/// - No cookie of the name is [`Rejection::Missing`]; a second one, in the same header or
///   another (HTTP/2 clients send one header per cookie), is [`Rejection::Duplicate`].
/// - The length, first, on the bytes: over `max_len` is [`Error::TooLong`].
/// - Then UTF-8: a value that is not is [`Error::NonAscii`] at the first invalid byte.
/// - A value in double quotes, which RFC 6265 allows in general, is refused: this crate never
///   issues one. It is [`Error::InvalidIdByte`] for the `"` at offset 0, the error
///   [`check_id`](crate::format::check_id) gives an id that starts with `"` (ids cannot hold
///   one), whatever else the value holds.
///
/// # Errors
/// [`Rejection::Missing`], [`Rejection::Duplicate`], or [`Rejection::Invalid`] with the errors
/// above.
///
/// ```
/// use sigcookie::Error;
/// use sigcookie::header::{Rejection, find_value};
///
/// let find = |headers: &[&'static [u8]]| find_value("s", headers.iter().copied(), 16);
/// assert_eq!(find(&[b" junk ;x=1;\t s = v ; y"]), Ok("v"));
/// assert_eq!(find(&[b"lang=\xff", b"s=v"]), Ok("v"));
/// assert_eq!(find(&[b"s=v", b"s=w"]), Err(Rejection::Duplicate));
/// assert_eq!(find(&[b"ss=v; s"]), Err(Rejection::Missing));
/// assert_eq!(find(&[b"s=0123456789abcdefX"]), Err(Rejection::Invalid(Error::TooLong { len: 17, max: 16 })));
/// assert_eq!(find(&[b"s=7.\xff"]), Err(Rejection::Invalid(Error::NonAscii { position: 2 })));
/// assert_eq!(find(&[b"s=\"v\""]), Err(Rejection::Invalid(Error::InvalidIdByte { byte: b'"', position: 0 })));
/// ```
pub fn find_value<'h, I>(name: &str, headers: I, max_len: usize) -> Result<&'h str, Rejection>
where
    I: IntoIterator<Item = &'h [u8]>,
{
    let name = name.as_bytes();
    let mut found = None;
    for pair in headers
        .into_iter()
        .flat_map(|header| header.split(|&b| b == b';'))
    {
        // A pair without `=` is a nameless cookie to browsers (RFC 6265bis): never ours.
        let Some(eq) = pair.iter().position(|&b| b == b'=') else {
            continue;
        };
        if trim_ows(&pair[..eq]) == name && found.replace(trim_ows(&pair[eq + 1..])).is_some() {
            return Err(Rejection::Duplicate);
        }
    }
    let value: &[u8] = found.ok_or(Rejection::Missing)?;
    // The length first, on the bytes, as the core does for a `str`: an oversized value is
    // refused as such, whatever bytes it holds, before any other work.
    if value.len() > max_len {
        return Err(Error::TooLong {
            len: value.len(),
            max: max_len,
        }
        .into());
    }
    let value = core::str::from_utf8(value).map_err(|e| Error::NonAscii {
        position: e.valid_up_to(),
    })?;
    if value.starts_with('"') {
        return Err(Error::InvalidIdByte {
            byte: b'"',
            position: 0,
        }
        .into());
    }
    Ok(value)
}

/// Finds the session cookie `name` in `Cookie:` header values ([`find_value`], with the
/// signer's longest value as the limit) and verifies it at `now` (unix seconds): the signature,
/// the idle limit, the lifetime, then the cut-offs of `revocations`. Allocates nothing.
///
/// # Errors
/// As [`find_value`], then the core's errors as [`Rejection::Invalid`].
///
/// ```
/// use sigcookie::header::{Rejection, verify_session};
/// use sigcookie::{Cutoffs, Error, Key, SessionSigner, Signer};
///
/// let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[7; 32])?, "s")?, 600, 3_600);
/// let value = signer.login_value_at("7", 1_000, &Cutoffs::NONE)?;
/// let header = format!("s={}", value.as_str());
/// assert_eq!(verify_session(&signer, "s", [header.as_bytes()], 1_100, &Cutoffs::NONE)?.id(), "7");
/// assert_eq!(
///     verify_session(&signer, "s", [header.as_bytes()], 1_601, &Cutoffs::NONE).err(),
///     Some(Rejection::Invalid(Error::Expired { issued_at: 1_000, max_age: 600 }))
/// );
/// assert!(verify_session(&signer, "s", [header.as_bytes()], 1_100, &Cutoffs::at(1_001)).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify_session<'h, I>(
    signer: &SessionSigner,
    name: &str,
    headers: I,
    now: u64,
    revocations: &(impl Revocations + ?Sized),
) -> Result<VerifiedSession<'h>, Rejection>
where
    I: IntoIterator<Item = &'h [u8]>,
{
    let value = find_value(name, headers, signer.max_value_len())?;
    Ok(signer
        .verify_at(value, now)?
        .check_revocation(revocations)?)
}

fn trim_ows(bytes: &[u8]) -> &[u8] {
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes.iter().position(|b| !is_ows(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |end| end + 1);
    &bytes[start..end]
}

/// The `SameSite` attribute of the session cookie.
///
/// ```
/// use sigcookie::header::{CookieSpec, SameSite};
///
/// let spec = CookieSpec::builder("s").same_site(SameSite::Strict).build()?;
/// assert_eq!(spec.same_site(), SameSite::Strict);
/// assert_eq!(SameSite::None.as_str(), "None");
/// # Ok::<(), sigcookie::header::ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// Sent on same-site requests only.
    Strict,
    /// Also sent on top-level cross-site navigations by `GET` (links from other sites); the
    /// default.
    #[default]
    Lax,
    /// Sent on cross-site requests too; needs `Secure`.
    None,
}

impl SameSite {
    /// The attribute's value as written in `Set-Cookie`.
    ///
    /// ```
    /// assert_eq!(sigcookie::header::SameSite::Lax.as_str(), "Lax");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }
}

/// Configures a [`CookieSpec`]: the cookie's name and attributes, with safe defaults (`Path=/`,
/// no `Domain`, `SameSite=Lax`, `Secure`). `HttpOnly` is always set. Made by
/// [`CookieSpec::builder`]; every method is `const`, so a spec can be described in a `const`
/// and checked once at start.
///
/// ```
/// use sigcookie::header::{CookieSpec, CookieSpecBuilder, SameSite};
///
/// const PANEL: CookieSpecBuilder<'static> = CookieSpec::builder("panel")
///     .path("/admin")
///     .same_site(SameSite::Strict)
///     .insecure_plain_http();
/// let spec = PANEL.build()?;
/// assert_eq!((spec.path(), spec.secure()), ("/admin", false));
/// # Ok::<(), sigcookie::header::ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct CookieSpecBuilder<'a> {
    spec: CookieSpec<'a>,
}

impl<'a> CookieSpecBuilder<'a> {
    /// The cookie's `Path` (default `/`).
    ///
    /// ```
    /// # use sigcookie::header::{ConfigError, CookieSpec};
    /// assert_eq!(CookieSpec::builder("s").path("admin").build().err(), Some(ConfigError::InvalidPath));
    /// ```
    pub const fn path(mut self, path: &'a str) -> Self {
        self.spec.path = path;
        self
    }

    /// The cookie's `Domain`, which also sends it to every subdomain. Default none: this host
    /// only. Not allowed with the `__Host-` prefix. A leading `.`, which browsers ignore, is
    /// dropped.
    ///
    /// ```
    /// # use sigcookie::header::{ConfigError, CookieSpec};
    /// assert_eq!(CookieSpec::builder("s").domain("example.com").build()?.domain(), Some("example.com"));
    /// assert_eq!(CookieSpec::builder("s").domain(".example.com").build()?.domain(), Some("example.com"));
    /// assert_eq!(CookieSpec::builder("s").domain(".").build().err(), Some(ConfigError::InvalidDomain));
    /// assert_eq!(CookieSpec::builder("s").domain("a..b").build().err(), Some(ConfigError::InvalidDomain));
    /// assert_eq!(CookieSpec::builder("__Host-s").domain("example.com").build().err(), Some(ConfigError::HostPrefixDomain));
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub const fn domain(mut self, domain: &'a str) -> Self {
        self.spec.domain = Some(domain);
        self
    }

    /// The cookie's `SameSite` (default `Lax`). `None` needs `Secure`.
    ///
    /// ```
    /// # use sigcookie::header::{ConfigError, CookieSpec, SameSite};
    /// let none = CookieSpec::builder("s").same_site(SameSite::None).insecure_plain_http().build();
    /// assert_eq!(none.err(), Some(ConfigError::RequiresSecure));
    /// ```
    pub const fn same_site(mut self, same_site: SameSite) -> Self {
        self.spec.same_site = same_site;
        self
    }

    /// **Insecure**: leaves `Secure` off, so the cookie also travels over plain HTTP. Only for
    /// devices reached by plain HTTP on a local network, where browsers drop `Secure` cookies;
    /// anyone who sees the traffic can copy the cookie. Refused with the `__Host-` and
    /// `__Secure-` prefixes and `SameSite=None`.
    ///
    /// ```
    /// # use sigcookie::header::{ConfigError, CookieSpec};
    /// assert!(!CookieSpec::builder("panel").insecure_plain_http().build()?.secure());
    /// let host = CookieSpec::builder("__Host-panel").insecure_plain_http().build();
    /// assert_eq!(host.err(), Some(ConfigError::RequiresSecure));
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub const fn insecure_plain_http(mut self) -> Self {
        self.spec.secure = false;
        self
    }

    /// Checks each attribute, then the `__Host-`/`__Secure-` prefix rules that tie them together
    /// (RFC 6265bis, section 4.1.3): what browsers would silently drop is refused here.
    ///
    /// # Errors
    /// [`ConfigError::InvalidName`], [`ConfigError::InvalidPath`], [`ConfigError::InvalidDomain`],
    /// [`ConfigError::HostPrefixDomain`], [`ConfigError::HostPrefixPath`] or
    /// [`ConfigError::RequiresSecure`].
    ///
    /// ```
    /// # use sigcookie::header::{ConfigError, CookieSpec};
    /// assert_eq!(CookieSpec::builder("a b").build().err(), Some(ConfigError::InvalidName { position: 1 }));
    /// assert_eq!(CookieSpec::builder("__host-s").path("/x").build().err(), Some(ConfigError::HostPrefixPath));
    /// assert_eq!(CookieSpec::builder("__Secure-s").insecure_plain_http().build().err(), Some(ConfigError::RequiresSecure));
    /// ```
    pub fn build(self) -> Result<CookieSpec<'a>, ConfigError> {
        let mut spec = self.spec;
        check_name(spec.name)?;
        check_path(spec.path)?;
        if let Some(domain) = spec.domain {
            check_domain(domain)?;
        }
        spec.domain = spec.domain.map(without_leading_dot);
        // Browsers match the prefixes case-insensitively (RFC 6265bis, section 4.1.3).
        let has_prefix = |prefix: &str| {
            spec.name
                .get(..prefix.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
        };
        let host = has_prefix("__Host-");
        if host && spec.domain.is_some() {
            return Err(ConfigError::HostPrefixDomain);
        }
        if host && spec.path != "/" {
            return Err(ConfigError::HostPrefixPath);
        }
        let needs_secure = host || has_prefix("__Secure-") || spec.same_site == SameSite::None;
        if needs_secure && !spec.secure {
            return Err(ConfigError::RequiresSecure);
        }
        Ok(spec)
    }
}

/// An RFC 6265 cookie-name: an HTTP token (visible ASCII other than separators).
fn check_name(name: &str) -> Result<(), ConfigError> {
    let is_token = |b: &u8| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(b);
    match name.bytes().position(|b| !is_token(&b)) {
        _ if name.is_empty() => Err(ConfigError::InvalidName { position: 0 }),
        Some(position) => Err(ConfigError::InvalidName { position }),
        None => Ok(()),
    }
}

fn check_path(path: &str) -> Result<(), ConfigError> {
    // A trailing space would be trimmed by browsers (and by the `cookie` crate) when read.
    let ok = path.starts_with('/')
        && !path.ends_with(' ')
        && path.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b';');
    if ok {
        Ok(())
    } else {
        Err(ConfigError::InvalidPath)
    }
}

/// A leading `.` is ignored by browsers (RFC 6265, section 5.2.3), and not written.
const fn without_leading_dot(domain: &str) -> &str {
    match domain.as_bytes() {
        [b'.', ..] => domain.split_at(1).1,
        _ => domain,
    }
}

fn check_domain(domain: &str) -> Result<(), ConfigError> {
    // Labels of letters, digits and `-`, separated by single dots: no empty label.
    let ok = without_leading_dot(domain).split('.').all(|label| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    if ok {
        Ok(())
    } else {
        Err(ConfigError::InvalidDomain)
    }
}

/// A checked session cookie name and attributes, which write `Set-Cookie` header values into a
/// caller's buffer. Made by [`CookieSpec::builder`]; `Copy`, borrowing its strings.
///
/// The header is `name=value; HttpOnly; SameSite=Lax; Secure; Path=/` then `; Domain=...` if
/// set and `; Max-Age=...` if given: the attributes in the order the `cookie` crate writes them.
///
/// ```
/// use sigcookie::header::CookieSpec;
///
/// let spec = CookieSpec::builder("panel").insecure_plain_http().build()?;
/// let mut buf = [0u8; 128];
/// assert_eq!(spec.write("v", None, &mut buf)?, "panel=v; HttpOnly; SameSite=Lax; Path=/");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CookieSpec<'a> {
    name: &'a str,
    path: &'a str,
    domain: Option<&'a str>,
    same_site: SameSite,
    secure: bool,
}

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
    + crate::format::TS_MAX_DIGITS;

impl<'a> CookieSpec<'a> {
    /// A buffer of this size holds any header that [`write`](Self::write) and
    /// [`write_removal`](Self::write_removal) produce for a spec whose name, path and domain
    /// together are at most 128 bytes, with any value a signer makes (up to
    /// [`MAX_VALUE_LEN`](crate::MAX_VALUE_LEN)) and any `Max-Age`.
    /// [`max_header_len`](Self::max_header_len) gives the exact bound of one spec.
    ///
    /// ```
    /// use sigcookie::{MAX_VALUE_LEN, header::CookieSpec};
    /// assert_eq!(CookieSpec::MAX_HEADER_LEN, 128 + 1 + MAX_VALUE_LEN + 81);
    /// let spec = CookieSpec::builder("__Host-session").build()?;
    /// assert!(spec.max_header_len() <= CookieSpec::MAX_HEADER_LEN);
    /// # Ok::<(), sigcookie::header::ConfigError>(())
    /// ```
    pub const MAX_HEADER_LEN: usize = 128 + 1 + crate::MAX_VALUE_LEN + FIXED_ATTRIBUTES_MAX;

    /// A builder for the cookie `name` with the defaults: `Path=/`, no `Domain`, `SameSite=Lax`,
    /// `Secure`, and always `HttpOnly`.
    ///
    /// ```
    /// # use sigcookie::header::{CookieSpec, SameSite};
    /// let spec = CookieSpec::builder("session").build()?;
    /// assert_eq!((spec.name(), spec.path(), spec.domain()), ("session", "/", None));
    /// assert_eq!((spec.same_site(), spec.secure()), (SameSite::Lax, true));
    /// # Ok::<(), sigcookie::header::ConfigError>(())
    /// ```
    pub const fn builder(name: &'a str) -> CookieSpecBuilder<'a> {
        CookieSpecBuilder {
            spec: CookieSpec {
                name,
                path: "/",
                domain: None,
                same_site: SameSite::Lax,
                secure: true,
            },
        }
    }

    /// The cookie's name.
    ///
    /// ```
    /// # use sigcookie::header::CookieSpec;
    /// assert_eq!(CookieSpec::builder("__Host-s").build()?.name(), "__Host-s");
    /// # Ok::<(), sigcookie::header::ConfigError>(())
    /// ```
    pub const fn name(&self) -> &'a str {
        self.name
    }

    /// The cookie's `Path`.
    ///
    /// ```
    /// # use sigcookie::header::CookieSpec;
    /// assert_eq!(CookieSpec::builder("s").path("/admin").build()?.path(), "/admin");
    /// # Ok::<(), sigcookie::header::ConfigError>(())
    /// ```
    pub const fn path(&self) -> &'a str {
        self.path
    }

    /// The cookie's `Domain`, if any.
    ///
    /// ```
    /// # use sigcookie::header::CookieSpec;
    /// assert_eq!(CookieSpec::builder("s").build()?.domain(), None);
    /// # Ok::<(), sigcookie::header::ConfigError>(())
    /// ```
    pub const fn domain(&self) -> Option<&'a str> {
        self.domain
    }

    /// The cookie's `SameSite`.
    ///
    /// ```
    /// # use sigcookie::header::{CookieSpec, SameSite};
    /// assert_eq!(CookieSpec::builder("s").build()?.same_site(), SameSite::Lax);
    /// # Ok::<(), sigcookie::header::ConfigError>(())
    /// ```
    pub const fn same_site(&self) -> SameSite {
        self.same_site
    }

    /// Whether the cookie has `Secure`: unless [`CookieSpecBuilder::insecure_plain_http`].
    ///
    /// ```
    /// # use sigcookie::header::CookieSpec;
    /// assert!(CookieSpec::builder("s").build()?.secure());
    /// # Ok::<(), sigcookie::header::ConfigError>(())
    /// ```
    pub const fn secure(&self) -> bool {
        self.secure
    }

    /// For the web layer, which checked these attributes with [`CookieSpecBuilder::build`] when
    /// it was built and keeps them as owned strings.
    #[cfg(feature = "cookie")]
    pub(crate) const fn from_checked(
        name: &'a str,
        path: &'a str,
        domain: Option<&'a str>,
        same_site: SameSite,
        secure: bool,
    ) -> Self {
        let domain = match domain {
            Some(domain) => Some(without_leading_dot(domain)),
            None => None,
        };
        CookieSpec {
            name,
            path,
            domain,
            same_site,
            secure,
        }
    }

    /// The longest header this spec writes: a value of [`MAX_VALUE_LEN`](crate::MAX_VALUE_LEN)
    /// bytes with a 20-digit `Max-Age`, or the removal if that were longer.
    ///
    /// ```
    /// # use sigcookie::{MAX_VALUE_LEN, header::CookieSpec};
    /// let spec = CookieSpec::builder("__Host-session").build()?;
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
    ///
    /// ```
    /// # use sigcookie::header::CookieSpec;
    /// let spec = CookieSpec::builder("s").build()?;
    /// let mut buf = [0u8; 128];
    /// assert_eq!(spec.header_len(3, Some(60)), spec.write("abc", Some(60), &mut buf)?.len());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn header_len(&self, value_len: usize, max_age: Option<u64>) -> usize {
        let max_age = match max_age {
            Some(secs) => "; Max-Age=".len() + digits(secs),
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

    /// Writes the `Set-Cookie` header value carrying `value` into the start of `buf`, and
    /// returns it. `max_age` is the `Max-Age` in seconds: the time until the value's idle or
    /// absolute end ([`SessionSigner::expires_at`] minus now) so that the browser drops the
    /// cookie when the server would refuse it anyway, or `None` for a cookie the browser drops
    /// when it closes. Allocates nothing.
    ///
    /// # Errors
    /// [`WriteError::InvalidValue`] for a byte that a cookie value cannot carry (what a signer
    /// makes always can), [`WriteError::BufferTooSmall`] with the length needed.
    ///
    /// ```
    /// use sigcookie::header::{CookieSpec, WriteError};
    ///
    /// let spec = CookieSpec::builder("s").domain("example.com").build()?;
    /// let mut buf = [0u8; 128];
    /// assert_eq!(
    ///     spec.write("7.1.1.ab", Some(3600), &mut buf)?,
    ///     "s=7.1.1.ab; HttpOnly; SameSite=Lax; Secure; Path=/; Domain=example.com; Max-Age=3600"
    /// );
    /// assert_eq!(spec.write("a;b", None, &mut buf).err(), Some(WriteError::InvalidValue { position: 1 }));
    /// assert_eq!(spec.write("7", None, &mut [0u8; 8]).err(), Some(WriteError::BufferTooSmall { needed: 63 }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write<'b>(
        &self,
        value: &str,
        max_age: Option<u64>,
        buf: &'b mut [u8],
    ) -> Result<&'b str, WriteError> {
        // A cookie-octet (RFC 6265): what an id may hold, and the dots between the parts.
        if let Some(position) = value.bytes().position(|b| !is_id_byte(b) && b != b'.') {
            return Err(WriteError::InvalidValue { position });
        }
        let needed = self.header_len(value.len(), max_age);
        let mut out = Out::new(buf, needed)?;
        self.write_attributes(&mut out, value);
        if let Some(secs) = max_age {
            out.push("; Max-Age=");
            out.push_u64(secs);
        }
        Ok(out.finish())
    }

    /// Writes the header that removes the cookie from the browser, for logout: the same name,
    /// path and domain (or the browser would keep the original), an empty value, `Max-Age=0`,
    /// and an `Expires` in 1970 for clients that ignore `Max-Age`.
    ///
    /// # Errors
    /// [`WriteError::BufferTooSmall`] with the length needed.
    ///
    /// ```
    /// # use sigcookie::header::CookieSpec;
    /// let spec = CookieSpec::builder("__Host-s").build()?;
    /// let mut buf = [0u8; 128];
    /// assert_eq!(
    ///     spec.write_removal(&mut buf)?,
    ///     "__Host-s=; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_removal<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, WriteError> {
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

/// Decimal digits of `n`.
const fn digits(mut n: u64) -> usize {
    let mut count = 1;
    while n >= 10 {
        n /= 10;
        count += 1;
    }
    count
}

/// A buffer known to be large enough for what is pushed (its length was computed first).
struct Out<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> Out<'b> {
    fn new(buf: &'b mut [u8], needed: usize) -> Result<Self, WriteError> {
        if buf.len() < needed {
            return Err(WriteError::BufferTooSmall { needed });
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

    fn push_u64(&mut self, n: u64) {
        let mut digits = [0u8; crate::format::TS_MAX_DIGITS];
        let mut at = digits.len();
        let mut n = n;
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.push(crate::signer::ascii_str(&digits[at..]));
    }

    fn finish(self) -> &'b str {
        crate::signer::ascii_str(&self.buf[..self.len])
    }
}

/// Why a [`CookieSpecBuilder`] refused a name or attributes: the developer's to fix at start.
///
/// ```
/// use sigcookie::header::{ConfigError, CookieSpec};
///
/// assert_eq!(CookieSpec::builder("__Host-s").path("/x").build().err(), Some(ConfigError::HostPrefixPath));
/// assert_eq!(ConfigError::InvalidPath.to_string(), "cookie path must start with '/', not end with a space, and have no control character or ';'");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigError {
    /// The cookie name is empty or has a byte an RFC 6265 cookie name cannot carry.
    InvalidName {
        /// Offset of the offending byte (0 for an empty name).
        position: usize,
    },
    /// The path does not start with `/`, ends with a space, or has a control character or `;`.
    InvalidPath,
    /// The domain is not labels of letters, digits and `-` separated by single dots (after a
    /// leading `.`, which browsers ignore).
    InvalidDomain,
    /// A `__Host-` cookie may not have a `Domain` attribute.
    HostPrefixDomain,
    /// A `__Host-` cookie must have `Path=/`.
    HostPrefixPath,
    /// A `__Host-` or `__Secure-` cookie, or `SameSite=None`, requires `Secure`, so it cannot be
    /// combined with [`insecure_plain_http`](CookieSpecBuilder::insecure_plain_http): browsers
    /// would drop it.
    RequiresSecure,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ConfigError::InvalidName { position } => write!(
                f,
                "cookie name is empty or has a byte a cookie name cannot carry at offset {position}"
            ),
            ConfigError::InvalidPath => {
                f.write_str("cookie path must start with '/', not end with a space, and have no control character or ';'")
            }
            ConfigError::InvalidDomain => {
                f.write_str("cookie domain must be labels of letters, digits and '-' separated by dots")
            }
            ConfigError::HostPrefixDomain => {
                f.write_str("a __Host- cookie cannot have a Domain attribute")
            }
            ConfigError::HostPrefixPath => f.write_str("a __Host- cookie must have Path=/"),
            ConfigError::RequiresSecure => f.write_str(
                "__Host- and __Secure- cookies and SameSite=None need Secure; \
                 they cannot be used over plain HTTP",
            ),
        }
    }
}

impl core::error::Error for ConfigError {}

/// Why a request's session cookie was refused: a client's, for logs only (answer no more than
/// "unauthorized"). No variant carries the cookie's value.
///
/// ```
/// use sigcookie::Error;
/// use sigcookie::header::{Rejection, find_value};
///
/// assert_eq!(find_value("s", [&b"theme=dark"[..]], 64), Err(Rejection::Missing));
/// assert_eq!(Rejection::Invalid(Error::BadSignature).name(), "BadSignature");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rejection {
    /// The request carries no cookie of this name.
    Missing,
    /// The request carries more than one cookie of this name, so which one the server sees
    /// would depend on the browser's ordering. Two can arrive when a sibling subdomain sets a
    /// cookie of the same name for the parent domain; the `__Host-` prefix rules that out.
    Duplicate,
    /// The value is refused: too long, not UTF-8, quoted, or by the core's verifier (malformed,
    /// forged, expired, past its lifetime, revoked, ...); the [`Error`] says which.
    Invalid(Error),
}

impl Rejection {
    /// A stable, machine-readable name of the reason, for logs and metrics: the core error's
    /// [`name`](Error::name) for [`Rejection::Invalid`].
    ///
    /// ```
    /// assert_eq!(sigcookie::header::Rejection::Duplicate.name(), "Duplicate");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Rejection::Missing => "Missing",
            Rejection::Duplicate => "Duplicate",
            Rejection::Invalid(error) => error.name(),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Missing => f.write_str("no session cookie in the request"),
            Rejection::Duplicate => {
                f.write_str("more than one cookie with the session cookie's name in the request")
            }
            Rejection::Invalid(error) => error.fmt(f),
        }
    }
}

impl core::error::Error for Rejection {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Rejection::Invalid(error) => Some(error),
            _ => None,
        }
    }
}

impl From<Error> for Rejection {
    fn from(error: Error) -> Self {
        Rejection::Invalid(error)
    }
}

/// Why [`CookieSpec::write`] or [`CookieSpec::write_removal`] wrote nothing.
///
/// ```
/// use sigcookie::header::{CookieSpec, WriteError};
///
/// let spec = CookieSpec::builder("s").build()?;
/// assert_eq!(spec.write_removal(&mut [0u8; 4]).err(), Some(WriteError::BufferTooSmall { needed: 92 }));
/// # Ok::<(), sigcookie::header::ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WriteError {
    /// The buffer cannot hold the header.
    BufferTooSmall {
        /// How many bytes the header needs.
        needed: usize,
    },
    /// The value has a byte a cookie value cannot carry (not an RFC 6265 cookie-octet).
    InvalidValue {
        /// Offset of the offending byte.
        position: usize,
    },
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            WriteError::BufferTooSmall { needed } => {
                write!(
                    f,
                    "buffer too small: the Set-Cookie header needs {needed} bytes"
                )
            }
            WriteError::InvalidValue { position } => write!(
                f,
                "the cookie value has a byte a cookie value cannot carry at offset {position}"
            ),
        }
    }
}

impl core::error::Error for WriteError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_trims_skips_and_refuses_duplicates() {
        fn find<'h>(headers: &[&'h str]) -> Result<&'h str, Rejection> {
            find_value("s", headers.iter().map(|h| h.as_bytes()), 64)
        }
        assert_eq!(find(&[" junk ;x=1;\t s = v ; y"]), Ok("v"));
        assert_eq!(find(&["a=1", "s=v"]), Ok("v"));
        assert_eq!(find(&["s=v", "s=w"]), Err(Rejection::Duplicate));
        assert_eq!(find(&["s=v; s=v"]), Err(Rejection::Duplicate));
        assert_eq!(find(&["ss=v; s"]), Err(Rejection::Missing));
        assert_eq!(find(&["S=v"]), Err(Rejection::Missing));
        assert_eq!(find(&[]), Err(Rejection::Missing));
        assert_eq!(find(&["s="]), Ok(""));
    }

    #[test]
    fn the_length_is_checked_before_the_bytes() {
        let long = [0xffu8; 65];
        let mut header = [0u8; 67];
        header[..2].copy_from_slice(b"s=");
        header[2..].copy_from_slice(&long);
        assert_eq!(
            find_value("s", [&header[..]], 64),
            Err(Rejection::Invalid(Error::TooLong { len: 65, max: 64 }))
        );
        assert_eq!(
            find_value("s", [&header[..66]], 64),
            Err(Rejection::Invalid(Error::NonAscii { position: 0 }))
        );
    }

    #[test]
    fn lengths_match_what_is_written() {
        let specs = [
            CookieSpec::builder("s").build(),
            CookieSpec::builder("s").insecure_plain_http().build(),
            CookieSpec::builder("__Secure-s")
                .domain("example.com")
                .path("/a/b")
                .same_site(SameSite::Strict)
                .build(),
            CookieSpec::builder("s").same_site(SameSite::None).build(),
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
                Err(WriteError::BufferTooSmall { needed })
            );
            assert!(spec.write_removal(&mut buf[..needed]).is_ok());
        }
    }

    #[test]
    fn max_age_digits() {
        let spec = CookieSpec::builder("s").build().expect("valid");
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
            assert_eq!(digits(n), text.len() - 1);
        }
    }
}
