//! Session cookies with the [`cookie`] and [`time`] crates: a
//! [`SessionCookie`] issues the login cookie with safe attributes, and reads it back from a
//! [`CookieJar`], a single [`Cookie`] or a raw `Cookie:` request header.
//!
//! ```
//! use sigcookie::Key;
//! use sigcookie::web::{Duration, SessionCookie};
//!
//! let key = Key::from_bytes(&[7; 32])?;
//! let session = SessionCookie::builder(&key, "__Host-session").max_age(Duration::hours(8)).build()?;
//!
//! let cookie = session.issue("12345")?;
//! assert_eq!(cookie.http_only(), Some(true));
//! assert_eq!(cookie.secure(), Some(true));
//!
//! let header = format!("theme=dark; {}", cookie.stripped());
//! assert_eq!(session.verify_header(&header)?.id(), "12345");
//! # Ok::<(), sigcookie::web::CookieError>(())
//! ```
//!
//! # Defaults, and why
//! - `HttpOnly`, always: page scripts never need the session value, and an XSS bug that cannot
//!   read the cookie cannot send it elsewhere.
//! - `Secure`: the value is a bearer credential and must not cross the network in clear. Turning
//!   it off is [`SessionCookieBuilder::insecure_plain_http`], for plain-HTTP LAN devices only.
//! - `SameSite=Lax`: the browser leaves the cookie off cross-site `POST`s, subresources and
//!   frames, which stops cross-site request forgery of state-changing `POST` forms, while links
//!   from other sites still arrive logged in. Keep state changes off `GET`.
//! - `Path=/` and no `Domain`: the cookie goes to this host only, not to sibling subdomains.
//! - `Max-Age` equal to the maximum age of timestamped values, so the browser drops the cookie
//!   when the server would refuse it anyway; untimed values make a session cookie.
//! - The signer's purpose is the cookie name, so a value cannot be moved from one cookie to
//!   another (a value of `prefs` does not verify as `session`), unlike `cookie`'s `SignedJar`.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub use ::cookie::{Cookie, CookieJar, SameSite};
pub use ::time::{Duration, OffsetDateTime};

use crate::{Error, Key, Signer, TimestampSigner};

/// Where a [`SessionCookie`] reads the time: the system clock by default, a test's clock when
/// given to [`SessionCookieBuilder::clock`]. Any `Fn() -> OffsetDateTime` is a clock.
///
/// ```
/// use sigcookie::web::{Clock, OffsetDateTime};
///
/// let fixed = || OffsetDateTime::UNIX_EPOCH;
/// assert_eq!(fixed.now(), OffsetDateTime::UNIX_EPOCH);
/// ```
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> OffsetDateTime;
}

impl<F: Fn() -> OffsetDateTime + Send + Sync> Clock for F {
    fn now(&self) -> OffsetDateTime {
        self()
    }
}

/// Why a session cookie could not be configured, issued or verified.
///
/// The reasons a request's cookie is refused ([`Missing`](CookieError::Missing),
/// [`Duplicate`](CookieError::Duplicate), [`Core`](CookieError::Core), ...) are for logs: tell
/// the client no more than "unauthorized". No variant carries the cookie's value.
///
/// ```
/// use sigcookie::Key;
/// use sigcookie::web::{CookieError, SessionCookie};
///
/// let key = Key::from_bytes(&[7; 32])?;
/// let session = SessionCookie::builder(&key, "session").build()?;
/// assert_eq!(session.verify_header("theme=dark").err(), Some(CookieError::Missing));
/// assert_eq!(
///     SessionCookie::builder(&key, "__Host-s").domain("example.com").build().err(),
///     Some(CookieError::HostPrefixDomain)
/// );
/// # Ok::<(), CookieError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CookieError {
    /// The core refused: a signer setting, an id to sign, or the cookie's value (malformed,
    /// forged, expired, revoked, ...).
    Core(Error),
    /// The request carries no cookie of this name.
    Missing,
    /// The request carries more than one cookie of this name, so which one the server sees
    /// would depend on the browser's ordering. Two can arrive when a sibling subdomain sets a
    /// cookie of the same name for the parent domain; the `__Host-` prefix rules that out.
    Duplicate,
    /// A [`Cookie`] given to [`SessionCookie::verify_cookie`] has another name.
    WrongName,
    /// The cookie name is empty or has a byte an RFC 6265 cookie name cannot carry.
    InvalidName {
        /// Offset of the offending byte (0 for an empty name).
        position: usize,
    },
    /// The path does not start with `/`, or has a control character or `;`.
    InvalidPath,
    /// The domain is empty or has a byte other than letters, digits, `-` and `.`.
    InvalidDomain,
    /// A `__Host-` cookie may not have a `Domain` attribute.
    HostPrefixDomain,
    /// A `__Host-` cookie must have `Path=/`.
    HostPrefixPath,
    /// A `__Host-` or `__Secure-` cookie, or `SameSite=None`, requires `Secure`, so it cannot be
    /// combined with [`SessionCookieBuilder::insecure_plain_http`]: browsers would drop it.
    RequiresSecure,
    /// A leeway is negative, or a maximum age (the values' or the cookie's `Max-Age`) is shorter
    /// than one second: a `Max-Age` of zero makes the browser delete the cookie at once.
    InvalidDuration,
    /// [`SessionCookieBuilder::leeway`] was set without [`SessionCookieBuilder::max_age`]: untimed
    /// values carry no time, so the leeway would be silently ignored.
    LeewayWithoutMaxAge,
    /// Untimed values carry no issue time, so they cannot be revoked by a cut-off: build the
    /// session cookie with [`SessionCookieBuilder::max_age`].
    NotTimestamped,
}

impl fmt::Display for CookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            CookieError::Core(error) => error.fmt(f),
            CookieError::Missing => f.write_str("no session cookie in the request"),
            CookieError::Duplicate => {
                f.write_str("more than one cookie with the session cookie's name in the request")
            }
            CookieError::WrongName => f.write_str("the cookie has another name"),
            CookieError::InvalidName { position } => write!(
                f,
                "cookie name is empty or has a byte a cookie name cannot carry at offset {position}"
            ),
            CookieError::InvalidPath => {
                f.write_str("cookie path must start with '/' and have no control character or ';'")
            }
            CookieError::InvalidDomain => {
                f.write_str("cookie domain must be letters, digits, '-' and '.'")
            }
            CookieError::HostPrefixDomain => {
                f.write_str("a __Host- cookie cannot have a Domain attribute")
            }
            CookieError::HostPrefixPath => f.write_str("a __Host- cookie must have Path=/"),
            CookieError::RequiresSecure => f.write_str(
                "__Host- and __Secure- cookies and SameSite=None need Secure; \
                 they cannot be used over plain HTTP",
            ),
            CookieError::InvalidDuration => f.write_str(
                "durations cannot be negative and a maximum age must be at least one second",
            ),
            CookieError::LeewayWithoutMaxAge => {
                f.write_str("a leeway needs a maximum age: untimed values carry no time")
            }
            CookieError::NotTimestamped => f.write_str(
                "untimed session values carry no issue time and cannot be revoked by a cut-off",
            ),
        }
    }
}

impl std::error::Error for CookieError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CookieError::Core(error) => Some(error),
            _ => None,
        }
    }
}

impl From<Error> for CookieError {
    fn from(error: Error) -> Self {
        CookieError::Core(error)
    }
}

/// A verified session cookie: its id, borrowed from the value, and its issue time when the
/// value is timestamped.
///
/// ```
/// use sigcookie::Key;
/// use sigcookie::web::{Duration, OffsetDateTime, SessionCookie};
///
/// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").max_age(Duration::hours(1)).build()?;
/// let now = OffsetDateTime::from_unix_timestamp(1_764_000_000).unwrap();
/// let cookie = session.issue_at("12345", now)?;
/// let verified = session.verify_at(cookie.value(), now + Duration::minutes(5))?;
/// assert_eq!((verified.id(), verified.issued_at()), ("12345", Some(now)));
/// # Ok::<(), sigcookie::web::CookieError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VerifiedCookie<'v> {
    id: &'v str,
    issued_at: Option<OffsetDateTime>,
}

impl<'v> VerifiedCookie<'v> {
    /// For layers that keep a verified session past its value, such as the axum extractor.
    #[cfg(feature = "axum")]
    pub(crate) fn new(id: &'v str, issued_at: Option<OffsetDateTime>) -> Self {
        VerifiedCookie { id, issued_at }
    }

    /// The verified id.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// assert_eq!(session.verify(session.issue("42")?.value())?.id(), "42");
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn id(&self) -> &'v str {
        self.id
    }

    /// When the value was issued, for timestamped values; `None` for untimed ones.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// assert_eq!(session.verify(session.issue("42")?.value())?.issued_at(), None);
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn issued_at(&self) -> Option<OffsetDateTime> {
        self.issued_at
    }

    /// Rejects the value if it was issued before `not_before`: a per-user "log out everywhere"
    /// or "password changed at", looked up by the verified id. An untimed value is rejected,
    /// since nothing shows when it was issued.
    ///
    /// # Errors
    /// [`Error::IssuedBeforeNotBefore`] (as [`CookieError::Core`]) or
    /// [`CookieError::NotTimestamped`].
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Duration, OffsetDateTime, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").max_age(Duration::hours(1)).build()?;
    /// let now = OffsetDateTime::from_unix_timestamp(1_764_000_000).unwrap();
    /// let value = session.issue_at("42", now)?;
    /// let verified = session.verify_at(value.value(), now)?;
    /// assert!(verified.check_not_before(now).is_ok());
    /// assert!(verified.check_not_before(now + Duration::seconds(1)).is_err());
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn check_not_before(self, not_before: OffsetDateTime) -> Result<Self, CookieError> {
        let issued_at = self.issued_at.ok_or(CookieError::NotTimestamped)?;
        if issued_at < not_before {
            return Err(CookieError::Core(Error::IssuedBeforeNotBefore {
                issued_at: unix_secs(issued_at)?,
                not_before: ceil_secs(not_before)?,
            }));
        }
        Ok(self)
    }
}

/// The signer of a session cookie: untimed `id.sig`, or timestamped `id.ts.sig`.
#[derive(Clone, Debug)]
enum Signing {
    Untimed(Signer),
    Timed(TimestampSigner),
}

/// Issues and verifies one session cookie: its name, its attributes and the signer bound to it.
///
/// Cheap to clone (the state is shared), `Send + Sync`; the "log out everywhere" cut-off is
/// shared by all clones. Made by [`SessionCookie::builder`].
///
/// ```
/// use sigcookie::Key;
/// use sigcookie::web::{CookieError, Duration, SessionCookie};
///
/// let key = Key::from_bytes(&[7; 32])?;
/// let session = SessionCookie::builder(&key, "session").max_age(Duration::hours(8)).build()?;
/// let cookie = session.issue("12345")?;
/// assert_eq!(cookie.max_age(), Some(Duration::hours(8)));
/// assert_eq!(session.verify_cookie(&cookie)?.id(), "12345");
///
/// // The purpose is the cookie name: the same value under another name does not verify.
/// let other = SessionCookie::builder(&key, "prefs").max_age(Duration::hours(8)).build()?;
/// assert!(other.verify(cookie.value()).is_err());
/// # Ok::<(), CookieError>(())
/// ```
#[derive(Clone)]
pub struct SessionCookie {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    signing: Signing,
    cookie_max_age: Option<Duration>,
    path: String,
    domain: Option<String>,
    same_site: SameSite,
    secure: bool,
    /// Unix seconds before which timestamped values are refused; 0 is "none", which refuses
    /// nothing since no value is issued before the epoch.
    not_before: AtomicU64,
    clock: Arc<dyn Clock>,
}

impl SessionCookie {
    /// A builder for the session cookie `name`, signed with `key` under the purpose `name`.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "session").build()?;
    /// assert_eq!(session.name(), "session");
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn builder<'a>(key: &'a Key, name: &'a str) -> SessionCookieBuilder<'a> {
        SessionCookieBuilder {
            key,
            name,
            purpose: None,
            max_age: None,
            cookie_max_age: None,
            leeway: None,
            tag_len: crate::TAG_LEN_DEFAULT,
            previous: Vec::new(),
            path: "/",
            domain: None,
            same_site: SameSite::Lax,
            secure: true,
            clock: None,
        }
    }

    /// The cookie's name.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// # let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "__Host-s").build()?;
    /// assert_eq!(session.name(), "__Host-s");
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The maximum age of timestamped values; `None` for untimed values.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Duration, SessionCookie}};
    /// let key = Key::from_bytes(&[7; 32])?;
    /// let session = SessionCookie::builder(&key, "s").max_age(Duration::minutes(30)).build()?;
    /// assert_eq!(session.max_age(), Some(Duration::minutes(30)));
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn max_age(&self) -> Option<Duration> {
        match &self.inner.signing {
            Signing::Untimed(_) => None,
            Signing::Timed(timed) => Some(secs_duration(timed.max_age())),
        }
    }

    /// The current time by this cookie's clock.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{OffsetDateTime, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s")
    ///     .clock(|| OffsetDateTime::UNIX_EPOCH)
    ///     .build()?;
    /// assert_eq!(session.now(), OffsetDateTime::UNIX_EPOCH);
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn now(&self) -> OffsetDateTime {
        self.inner.clock.now()
    }

    /// The login cookie for `id`, issued now.
    ///
    /// # Errors
    /// As [`SessionCookie::issue_at`].
    ///
    /// ```
    /// # use sigcookie::{Key, web::{SameSite, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "session").build()?;
    /// let cookie = session.issue("12345")?;
    /// assert_eq!(cookie.same_site(), Some(SameSite::Lax));
    /// assert_eq!(cookie.path(), Some("/"));
    /// assert_eq!(cookie.max_age(), None); // untimed: a session cookie
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn issue(&self, id: &str) -> Result<Cookie<'static>, CookieError> {
        self.issue_at(id, self.now())
    }

    /// The login cookie for `id`, issued at `now`.
    ///
    /// A timestamped value is stamped with the "log out everywhere" cut-off instead of `now` when
    /// the cut-off is ahead of `now` by no more than the leeway: after
    /// [`log_out_everywhere`](Self::log_out_everywhere), whose cut-off is the next second, a
    /// login in the same second would otherwise get a value that is already revoked. A cut-off
    /// further ahead (only [`set_not_before`](Self::set_not_before) sets one) is not stamped,
    /// since the value would be refused as issued in the future; the login is refused until the
    /// clock reaches the cut-off.
    ///
    /// # Errors
    /// The core's id errors ([`Error::InvalidIdByte`], ...) as [`CookieError::Core`], or
    /// [`Error::ClockBeforeEpoch`] when `now` is before 1970.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Duration, OffsetDateTime, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").max_age(Duration::hours(1)).build()?;
    /// let now = OffsetDateTime::from_unix_timestamp(1_764_000_000).unwrap();
    /// assert!(session.issue_at("12345", now)?.value().starts_with("12345.1764000000."));
    /// assert!(session.issue_at("me@example.com", now).is_err());
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn issue_at(&self, id: &str, now: OffsetDateTime) -> Result<Cookie<'static>, CookieError> {
        let value = match &self.inner.signing {
            Signing::Untimed(signer) => signer.sign_value(id)?,
            Signing::Timed(timed) => {
                let now = unix_secs(now)?;
                let cutoff = self.inner.not_before.load(Ordering::Acquire);
                let stamp = if cutoff > now && cutoff - now <= timed.leeway() {
                    cutoff
                } else {
                    now
                };
                timed.sign_value_at(id, stamp)?
            }
        };
        let mut cookie = self.with_attributes(value.as_str().to_owned());
        if let Some(max_age) = self.inner.cookie_max_age {
            cookie.set_max_age(max_age);
        }
        Ok(cookie)
    }

    /// The cookie that removes the session cookie from the browser, for logout: same name, path
    /// and domain (or the browser would keep the original), an empty value, `Max-Age=0`, and an
    /// `Expires` in 1970 for clients that ignore `Max-Age`.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Duration, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "__Host-s").build()?;
    /// let removal = session.removal();
    /// assert_eq!((removal.name(), removal.value()), ("__Host-s", ""));
    /// assert_eq!(removal.max_age(), Some(Duration::ZERO));
    /// assert_eq!(removal.secure(), Some(true)); // a __Host- cookie is only replaced by a Secure one
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn removal(&self) -> Cookie<'static> {
        let mut cookie = self.with_attributes(String::new());
        cookie.set_max_age(Duration::ZERO);
        cookie.set_expires(OffsetDateTime::UNIX_EPOCH);
        cookie
    }

    fn with_attributes(&self, value: String) -> Cookie<'static> {
        let inner = &*self.inner;
        let mut cookie = Cookie::build((inner.name.clone(), value))
            .path(inner.path.clone())
            .http_only(true)
            .secure(inner.secure)
            .same_site(inner.same_site);
        if let Some(domain) = &inner.domain {
            cookie = cookie.domain(domain.clone());
        }
        cookie.build()
    }

    /// Verifies a cookie value against this cookie's clock.
    ///
    /// # Errors
    /// As [`SessionCookie::verify_at`].
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let cookie = session.issue("7")?;
    /// assert_eq!(session.verify(cookie.value())?.id(), "7");
    /// assert!(session.verify("7.00").is_err());
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn verify<'v>(&self, value: &'v str) -> Result<VerifiedCookie<'v>, CookieError> {
        self.verify_at(value, self.now())
    }

    /// Verifies a cookie value as of `now`: the signature, then for timestamped values the
    /// maximum age, the clock-skew leeway and the "log out everywhere" cut-off.
    ///
    /// The value is passed to the core as it is: a value in double quotes, which RFC 6265 allows
    /// in general, is refused, since this crate never issues one.
    ///
    /// # Errors
    /// The core's errors as [`CookieError::Core`]: malformed, [`Error::BadSignature`],
    /// [`Error::Expired`], [`Error::IssuedInFuture`], [`Error::IssuedBeforeNotBefore`], ...
    ///
    /// ```
    /// # use sigcookie::{Error, Key, web::{CookieError, Duration, OffsetDateTime, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").max_age(Duration::hours(1)).build()?;
    /// let now = OffsetDateTime::from_unix_timestamp(1_764_000_000).unwrap();
    /// let cookie = session.issue_at("7", now)?;
    /// assert!(session.verify_at(cookie.value(), now + Duration::hours(1)).is_ok());
    /// assert_eq!(
    ///     session.verify_at(cookie.value(), now + Duration::hours(2)).err(),
    ///     Some(CookieError::Core(Error::Expired { issued_at: 1_764_000_000, max_age: 3600 }))
    /// );
    /// assert!(session.verify_at(&format!("\"{}\"", cookie.value()), now).is_err());
    /// # Ok::<(), CookieError>(())
    /// ```
    pub fn verify_at<'v>(
        &self,
        value: &'v str,
        now: OffsetDateTime,
    ) -> Result<VerifiedCookie<'v>, CookieError> {
        match &self.inner.signing {
            Signing::Untimed(signer) => Ok(VerifiedCookie {
                id: signer.verify(value)?,
                issued_at: None,
            }),
            Signing::Timed(timed) => {
                let mut verified = timed.verify_at(value, unix_secs(now)?)?;
                let cutoff = self.inner.not_before.load(Ordering::Acquire);
                if cutoff > 0 {
                    verified = verified.check_not_before(cutoff)?;
                }
                Ok(VerifiedCookie {
                    id: verified.id(),
                    issued_at: Some(secs_time(verified.issued_at())),
                })
            }
        }
    }

    /// Verifies a [`Cookie`], which must have this cookie's name.
    ///
    /// # Errors
    /// [`CookieError::WrongName`], or as [`SessionCookie::verify`].
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Cookie, CookieError, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let cookie = session.issue("7")?;
    /// assert_eq!(session.verify_cookie(&cookie)?.id(), "7");
    /// let renamed = Cookie::new("t", cookie.value().to_owned());
    /// assert_eq!(session.verify_cookie(&renamed).err(), Some(CookieError::WrongName));
    /// # Ok::<(), CookieError>(())
    /// ```
    pub fn verify_cookie<'c>(
        &self,
        cookie: &'c Cookie<'_>,
    ) -> Result<VerifiedCookie<'c>, CookieError> {
        if cookie.name() != self.name() {
            return Err(CookieError::WrongName);
        }
        self.verify(cookie.value())
    }

    /// Finds this cookie in a [`CookieJar`] and verifies it.
    ///
    /// **Duplicates are invisible here**: a `CookieJar` keeps one cookie per name, so when a
    /// request carries two cookies of this name (a sibling subdomain planting one for the parent
    /// domain), the jar has already dropped one and [`CookieError::Duplicate`] cannot be
    /// reported; which one survives depends on the order the browser sent them in. Prefer
    /// [`verify_headers`](Self::verify_headers) on the raw `Cookie:` headers, or a `__Host-`
    /// name, which no other host can set.
    ///
    /// # Errors
    /// [`CookieError::Missing`], or as [`SessionCookie::verify`].
    ///
    /// ```
    /// # use sigcookie::{Key, web::{CookieError, CookieJar, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let mut jar = CookieJar::new();
    /// assert_eq!(session.verify_jar(&jar).err(), Some(CookieError::Missing));
    /// jar.add_original(session.issue("7")?);
    /// assert_eq!(session.verify_jar(&jar)?.id(), "7");
    /// // A second cookie of the name replaces the first: the jar cannot tell there were two.
    /// jar.add_original(session.issue("8")?);
    /// assert_eq!(session.verify_jar(&jar)?.id(), "8");
    /// # Ok::<(), CookieError>(())
    /// ```
    pub fn verify_jar<'j>(&self, jar: &'j CookieJar) -> Result<VerifiedCookie<'j>, CookieError> {
        self.verify_cookie(jar.get(self.name()).ok_or(CookieError::Missing)?)
    }

    /// Finds this cookie in a raw `Cookie:` request header (`a=1; b=2`) and verifies it.
    ///
    /// Pairs are split at `;` and trimmed of spaces and tabs; pairs without `=` and cookies of
    /// other names are skipped whatever they hold, so another application's malformed cookie
    /// does not log anyone out.
    ///
    /// # Errors
    /// [`CookieError::Missing`], [`CookieError::Duplicate`], or as [`SessionCookie::verify`].
    ///
    /// ```
    /// # use sigcookie::{Key, web::{CookieError, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let value = session.issue("7")?.value().to_owned();
    /// assert_eq!(session.verify_header(&format!(" junk ;x=1;  s={value} ; y"))?.id(), "7");
    /// assert_eq!(session.verify_header(&format!("s={value}; s={value}")).err(), Some(CookieError::Duplicate));
    /// assert_eq!(session.verify_header("").err(), Some(CookieError::Missing));
    /// # Ok::<(), CookieError>(())
    /// ```
    pub fn verify_header<'h>(&self, header: &'h str) -> Result<VerifiedCookie<'h>, CookieError> {
        self.verify_headers([header.as_bytes()])
    }

    /// As [`SessionCookie::verify_header`] over several `Cookie:` header values, as HTTP/2
    /// clients send (one per cookie). Values are bytes: browsers send non-UTF-8 cookies too, and
    /// someone else's must not stop this one from being found.
    ///
    /// # Errors
    /// As [`SessionCookie::verify_header`]; a duplicate across headers is
    /// [`CookieError::Duplicate`] too. A value longer than this cookie's values can be is
    /// [`Error::TooLong`] before its bytes are looked at, so it is never decoded.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{CookieError, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let header = format!("s={}", session.issue("7")?.value());
    /// let headers: [&[u8]; 2] = [b"lang=\xff\xfe", header.as_bytes()];
    /// assert_eq!(session.verify_headers(headers)?.id(), "7");
    /// # Ok::<(), CookieError>(())
    /// ```
    pub fn verify_headers<'h, I>(&self, headers: I) -> Result<VerifiedCookie<'h>, CookieError>
    where
        I: IntoIterator<Item = &'h [u8]>,
    {
        let value = find_cookie(self.name().as_bytes(), headers)?;
        // The length first, on the bytes, as the core does for a `str`: an oversized value is
        // refused as such, whatever bytes it holds, before any other work.
        let max = match &self.inner.signing {
            Signing::Untimed(signer) => signer.max_value_len(),
            Signing::Timed(timed) => timed.max_value_len(),
        };
        if value.len() > max {
            return Err(Error::TooLong {
                len: value.len(),
                max,
            }
            .into());
        }
        let value = std::str::from_utf8(value).map_err(|e| Error::NonAscii {
            position: e.valid_up_to(),
        })?;
        self.verify(value)
    }

    /// A fresh cookie for the same id when a timestamped value is older than `fraction` of the
    /// maximum age, for sliding sessions: an active user stays logged in, an idle one expires.
    /// `None` for a younger value and for untimed values. `fraction` is clamped to `0.0..=1.0`
    /// (`NaN` counts as `0.0`, renewing every time).
    ///
    /// # Errors
    /// As [`SessionCookie::issue`].
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Duration, OffsetDateTime, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").max_age(Duration::hours(1)).build()?;
    /// let t0 = OffsetDateTime::from_unix_timestamp(1_764_000_000).unwrap();
    /// let cookie = session.issue_at("7", t0)?;
    /// let verified = session.verify_at(cookie.value(), t0)?;
    /// assert!(session.renewal_at(&verified, 0.5, t0 + Duration::minutes(20))?.is_none());
    /// let renewed = session.renewal_at(&verified, 0.5, t0 + Duration::minutes(40))?.unwrap();
    /// assert_eq!(session.verify_at(renewed.value(), t0 + Duration::minutes(90))?.id(), "7");
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn renewal(
        &self,
        verified: &VerifiedCookie<'_>,
        fraction: f64,
    ) -> Result<Option<Cookie<'static>>, CookieError> {
        self.renewal_at(verified, fraction, self.now())
    }

    /// As [`SessionCookie::renewal`] as of `now`.
    ///
    /// # Errors
    /// As [`SessionCookie::issue_at`].
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Duration, OffsetDateTime, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let cookie = session.issue("7")?;
    /// let verified = session.verify(cookie.value())?;
    /// assert!(session.renewal_at(&verified, 0.0, OffsetDateTime::now_utc())?.is_none()); // untimed
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn renewal_at(
        &self,
        verified: &VerifiedCookie<'_>,
        fraction: f64,
        now: OffsetDateTime,
    ) -> Result<Option<Cookie<'static>>, CookieError> {
        let (Some(max_age), Some(issued_at)) = (self.max_age(), verified.issued_at) else {
            return Ok(None);
        };
        // `f64` to integer casts saturate and map NaN to 0, so no input can panic here.
        let fraction = fraction.clamp(0.0, 1.0);
        let threshold = (max_age.whole_seconds() as f64 * fraction) as i64;
        if (now - issued_at).whole_seconds() < threshold {
            return Ok(None);
        }
        self.issue_at(verified.id, now).map(Some)
    }

    /// "Log out everywhere": refuses every value issued up to and including the current second,
    /// in every clone of this `SessionCookie`. Returns the new cut-off; persist it and restore it
    /// with [`SessionCookie::set_not_before`] when several servers or restarts must agree.
    ///
    /// The cut-off is the *next* second, because values carry whole seconds: one issued earlier in
    /// this second would otherwise survive. A login later in the same second is stamped with the
    /// cut-off by [`issue_at`](Self::issue_at), so it verifies (with a leeway of zero it cannot be,
    /// and must be repeated a second later).
    ///
    /// The cut-off lives in memory only: persist the returned time and restore it at start with
    /// [`set_not_before`](Self::set_not_before), or a restart un-revokes every value.
    ///
    /// # Errors
    /// [`CookieError::NotTimestamped`] for untimed values, or [`Error::ClockBeforeEpoch`].
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Duration, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").max_age(Duration::hours(1)).build()?;
    /// let cookie = session.issue("7")?;
    /// let cutoff = session.clone().log_out_everywhere()?;
    /// assert_eq!(session.not_before(), Some(cutoff));
    /// assert!(session.verify(cookie.value()).is_err());
    /// assert!(session.verify(session.issue("7")?.value()).is_ok()); // a login after it
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn log_out_everywhere(&self) -> Result<OffsetDateTime, CookieError> {
        if matches!(self.inner.signing, Signing::Untimed(_)) {
            return Err(CookieError::NotTimestamped);
        }
        let cutoff = unix_secs(self.now())?.saturating_add(1);
        // `fetch_max`: two concurrent calls, or a call racing a restored cut-off, never move the
        // cut-off back and un-revoke values.
        let previous = self.inner.not_before.fetch_max(cutoff, Ordering::AcqRel);
        Ok(secs_time(previous.max(cutoff)))
    }

    /// The "log out everywhere" cut-off, if one is set.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Duration, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").max_age(Duration::hours(1)).build()?;
    /// assert_eq!(session.not_before(), None);
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn not_before(&self) -> Option<OffsetDateTime> {
        match self.inner.not_before.load(Ordering::Acquire) {
            0 => None,
            cutoff => Some(secs_time(cutoff)),
        }
    }

    /// Sets or clears the cut-off, e.g. restoring one persisted by
    /// [`SessionCookie::log_out_everywhere`]. Unlike that method it can move the cut-off back.
    ///
    /// Values carry whole seconds, so a cut-off within a second is rounded up to the next one:
    /// a value issued in that second may predate it, and is refused here exactly as
    /// [`VerifiedCookie::check_not_before`] refuses it.
    ///
    /// # Errors
    /// [`CookieError::NotTimestamped`] for untimed values, [`Error::ClockBeforeEpoch`] for a
    /// time before 1970.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Duration, OffsetDateTime, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").max_age(Duration::hours(1)).build()?;
    /// let cutoff = OffsetDateTime::from_unix_timestamp(1_764_000_000).unwrap();
    /// session.set_not_before(Some(cutoff))?;
    /// assert_eq!(session.not_before(), Some(cutoff));
    /// session.set_not_before(Some(cutoff + Duration::milliseconds(1)))?;
    /// assert_eq!(session.not_before(), Some(cutoff + Duration::seconds(1)));
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn set_not_before(&self, not_before: Option<OffsetDateTime>) -> Result<(), CookieError> {
        if matches!(self.inner.signing, Signing::Untimed(_)) {
            return Err(CookieError::NotTimestamped);
        }
        let cutoff = not_before.map(ceil_secs).transpose()?.unwrap_or(0);
        self.inner.not_before.store(cutoff, Ordering::Release);
        Ok(())
    }
}

impl fmt::Debug for SessionCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("SessionCookie")
            .field("name", &inner.name)
            .field("signing", &inner.signing)
            .field("cookie_max_age", &inner.cookie_max_age)
            .field("path", &inner.path)
            .field("domain", &inner.domain)
            .field("same_site", &inner.same_site)
            .field("secure", &inner.secure)
            .field("not_before", &self.not_before())
            .finish_non_exhaustive()
    }
}

/// Configures a [`SessionCookie`]; made by [`SessionCookie::builder`], checked by
/// [`SessionCookieBuilder::build`].
///
/// ```
/// use sigcookie::Key;
/// use sigcookie::web::{Duration, SameSite, SessionCookie};
///
/// let key = Key::from_bytes(&[7; 32])?;
/// let old = Key::from_bytes(&[6; 32])?;
/// let session = SessionCookie::builder(&key, "session")
///     .max_age(Duration::hours(12))
///     .previous_key(&old)
///     .same_site(SameSite::Strict)
///     .path("/admin")
///     .build()?;
/// assert_eq!(session.issue("7")?.path(), Some("/admin"));
/// # Ok::<(), sigcookie::web::CookieError>(())
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct SessionCookieBuilder<'a> {
    key: &'a Key,
    name: &'a str,
    purpose: Option<&'a str>,
    max_age: Option<Duration>,
    cookie_max_age: Option<Option<Duration>>,
    leeway: Option<Duration>,
    tag_len: usize,
    previous: Vec<&'a Key>,
    path: &'a str,
    domain: Option<&'a str>,
    same_site: SameSite,
    secure: bool,
    clock: Option<Arc<dyn Clock>>,
}

impl<'a> SessionCookieBuilder<'a> {
    /// Timestamped values (`id.ts.sig`) valid for `max_age`; the cookie's `Max-Age` says the
    /// same unless [`cookie_max_age`](Self::cookie_max_age) is set. Without this, values are
    /// untimed and valid until the key changes.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Duration, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").max_age(Duration::days(1)).build()?;
    /// assert_eq!(session.issue("7")?.max_age(), Some(Duration::days(1)));
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// Overrides the cookie's `Max-Age`: `None` for a session cookie that the browser drops when
    /// it closes, `Some` to keep an untimed cookie across browser restarts. This is the browser's
    /// lifetime only; the server's limit is [`max_age`](Self::max_age). A `Some` under one second
    /// is refused by [`build`](Self::build): the browser would delete the cookie at once.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Duration, SessionCookie}};
    /// let key = Key::from_bytes(&[7; 32])?;
    /// let session = SessionCookie::builder(&key, "s").max_age(Duration::days(1)).cookie_max_age(None).build()?;
    /// assert_eq!(session.issue("7")?.max_age(), None);
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn cookie_max_age(mut self, max_age: Option<Duration>) -> Self {
        self.cookie_max_age = Some(max_age);
        self
    }

    /// Clock skew tolerated for timestamped values (default one minute). Needs
    /// [`max_age`](Self::max_age), and cannot be negative; [`build`](Self::build) refuses both.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Duration, OffsetDateTime, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s")
    ///     .max_age(Duration::hours(1)).leeway(Duration::ZERO).build()?;
    /// let now = OffsetDateTime::from_unix_timestamp(1_764_000_000).unwrap();
    /// let cookie = session.issue_at("7", now + Duration::seconds(1))?;
    /// assert!(session.verify_at(cookie.value(), now).is_err());
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = Some(leeway);
        self
    }

    /// Signs under `purpose` instead of the cookie name: to rename a cookie and keep existing
    /// values valid. Values then move between the cookies that share the purpose.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let key = Key::from_bytes(&[7; 32])?;
    /// let old = SessionCookie::builder(&key, "sid").build()?;
    /// let new = SessionCookie::builder(&key, "__Host-sid").purpose("sid").build()?;
    /// assert_eq!(new.verify(old.issue("7")?.value())?.id(), "7");
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn purpose(mut self, purpose: &'a str) -> Self {
        self.purpose = Some(purpose);
        self
    }

    /// The tag length in bytes; see [`SignerBuilder::tag_len`](crate::SignerBuilder::tag_len).
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").tag_len(16).build()?;
    /// assert_eq!(session.issue("7")?.value().len(), 1 + 1 + 32);
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn tag_len(mut self, tag_len: usize) -> Self {
        self.tag_len = tag_len;
        self
    }

    /// A previous key still accepted; see
    /// [`SignerBuilder::previous_key`](crate::SignerBuilder::previous_key).
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let (old, new) = (Key::from_bytes(&[6; 32])?, Key::from_bytes(&[7; 32])?);
    /// let before = SessionCookie::builder(&old, "s").build()?.issue("7")?;
    /// let session = SessionCookie::builder(&new, "s").previous_key(&old).build()?;
    /// assert_eq!(session.verify(before.value())?.id(), "7");
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn previous_key(mut self, key: &'a Key) -> Self {
        self.previous.push(key);
        self
    }

    /// The cookie's `Path` (default `/`).
    ///
    /// ```
    /// # use sigcookie::{Key, web::{CookieError, SessionCookie}};
    /// let key = Key::from_bytes(&[7; 32])?;
    /// assert_eq!(SessionCookie::builder(&key, "s").path("admin").build().err(), Some(CookieError::InvalidPath));
    /// # Ok::<(), CookieError>(())
    /// ```
    pub fn path(mut self, path: &'a str) -> Self {
        self.path = path;
        self
    }

    /// The cookie's `Domain`, which also sends it to every subdomain. Default none: this host
    /// only. Not allowed with the `__Host-` prefix.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").domain("example.com").build()?;
    /// assert_eq!(session.issue("7")?.domain(), Some("example.com"));
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn domain(mut self, domain: &'a str) -> Self {
        self.domain = Some(domain);
        self
    }

    /// The cookie's `SameSite` (default `Lax`). `None` needs `Secure`.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{SameSite, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").same_site(SameSite::Strict).build()?;
    /// assert_eq!(session.issue("7")?.same_site(), Some(SameSite::Strict));
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = same_site;
        self
    }

    /// **Insecure**: leaves `Secure` off, so the cookie also travels over plain HTTP. Only for
    /// devices reached by plain HTTP on a local network (a router at `http://192.168.1.1`), where
    /// browsers drop `Secure` cookies. Anyone on that network who can see the traffic can copy
    /// the session cookie and use it until it expires: prefer HTTPS, keep the maximum age short.
    /// Refused with the `__Host-` and `__Secure-` prefixes and `SameSite=None`.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{CookieError, SessionCookie}};
    /// let key = Key::from_bytes(&[7; 32])?;
    /// let session = SessionCookie::builder(&key, "panel").insecure_plain_http().build()?;
    /// assert_eq!(session.issue("7")?.secure(), Some(false));
    /// let host = SessionCookie::builder(&key, "__Host-panel").insecure_plain_http().build();
    /// assert_eq!(host.err(), Some(CookieError::RequiresSecure));
    /// # Ok::<(), CookieError>(())
    /// ```
    pub fn insecure_plain_http(mut self) -> Self {
        self.secure = false;
        self
    }

    /// Reads the time from `clock` instead of the system clock, for tests.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{OffsetDateTime, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s")
    ///     .clock(|| OffsetDateTime::from_unix_timestamp(1_764_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH))
    ///     .build()?;
    /// assert_eq!(session.now().unix_timestamp(), 1_764_000_000);
    /// # Ok::<(), sigcookie::web::CookieError>(())
    /// ```
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Checks the configuration and builds the session cookie.
    ///
    /// # Errors
    /// [`CookieError::InvalidName`], [`CookieError::InvalidPath`], [`CookieError::InvalidDomain`],
    /// the prefix rules ([`CookieError::HostPrefixDomain`], [`CookieError::HostPrefixPath`],
    /// [`CookieError::RequiresSecure`]), [`CookieError::InvalidDuration`] (a negative leeway, or
    /// a maximum age or cookie `Max-Age` under one second), [`CookieError::LeewayWithoutMaxAge`],
    /// or the core's signer errors ([`Error::TagLength`], [`Error::TooManyPreviousKeys`]).
    ///
    /// ```
    /// # use sigcookie::{Key, web::{CookieError, Duration, SessionCookie}};
    /// let key = Key::from_bytes(&[7; 32])?;
    /// assert_eq!(SessionCookie::builder(&key, "a b").build().err(), Some(CookieError::InvalidName { position: 1 }));
    /// assert_eq!(SessionCookie::builder(&key, "__Host-s").path("/x").build().err(), Some(CookieError::HostPrefixPath));
    /// assert_eq!(SessionCookie::builder(&key, "s").max_age(Duration::ZERO).build().err(), Some(CookieError::InvalidDuration));
    /// assert_eq!(
    ///     SessionCookie::builder(&key, "s").cookie_max_age(Some(Duration::ZERO)).build().err(),
    ///     Some(CookieError::InvalidDuration)
    /// );
    /// assert_eq!(
    ///     SessionCookie::builder(&key, "s").leeway(Duration::seconds(5)).build().err(),
    ///     Some(CookieError::LeewayWithoutMaxAge)
    /// );
    /// # Ok::<(), CookieError>(())
    /// ```
    pub fn build(self) -> Result<SessionCookie, CookieError> {
        check_name(self.name)?;
        check_path(self.path)?;
        if let Some(domain) = self.domain {
            check_domain(domain)?;
        }
        // Browsers match the prefixes case-insensitively (RFC 6265bis, section 4.1.3).
        let has_prefix = |prefix: &str| {
            self.name
                .get(..prefix.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
        };
        let host = has_prefix("__Host-");
        if host && self.domain.is_some() {
            return Err(CookieError::HostPrefixDomain);
        }
        if host && self.path != "/" {
            return Err(CookieError::HostPrefixPath);
        }
        let needs_secure = host || has_prefix("__Secure-") || self.same_site == SameSite::None;
        if needs_secure && !self.secure {
            return Err(CookieError::RequiresSecure);
        }

        let mut signer =
            Signer::builder(self.key, self.purpose.unwrap_or(self.name)).tag_len(self.tag_len);
        for key in &self.previous {
            signer = signer.previous_key(key);
        }
        let signer = signer.build()?;
        let (signing, default_max_age) = match (self.max_age, self.leeway) {
            (None, Some(_)) => return Err(CookieError::LeewayWithoutMaxAge),
            (None, None) => (Signing::Untimed(signer), None),
            (Some(max_age), leeway) => {
                let mut timed = TimestampSigner::new(signer, at_least_a_second(max_age)?);
                if let Some(leeway) = leeway {
                    // Checked here, not by `duration_secs`: a sub-second negative leeway has
                    // zero whole seconds and would pass as 0.
                    if leeway.is_negative() {
                        return Err(CookieError::InvalidDuration);
                    }
                    timed = timed.with_leeway(duration_secs(leeway)?);
                }
                (Signing::Timed(timed), Some(max_age))
            }
        };
        let cookie_max_age = match self.cookie_max_age {
            // `Max-Age` is sent in whole seconds, and 0 or less tells the browser to delete the
            // cookie at once: a login that never sticks.
            Some(Some(max_age)) => {
                at_least_a_second(max_age)?;
                Some(max_age)
            }
            Some(None) => None,
            None => default_max_age,
        };
        Ok(SessionCookie {
            inner: Arc::new(Inner {
                name: self.name.to_owned(),
                signing,
                cookie_max_age,
                path: self.path.to_owned(),
                domain: self.domain.map(str::to_owned),
                same_site: self.same_site,
                secure: self.secure,
                not_before: AtomicU64::new(0),
                clock: self
                    .clock
                    .unwrap_or_else(|| Arc::new(OffsetDateTime::now_utc)),
            }),
        })
    }
}

impl fmt::Debug for SessionCookieBuilder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCookieBuilder")
            .field("name", &self.name)
            .field("purpose", &self.purpose)
            .field("max_age", &self.max_age)
            .field("secure", &self.secure)
            .finish_non_exhaustive()
    }
}

/// The value of the one cookie called `name` in `Cookie:` header values.
fn find_cookie<'h>(
    name: &[u8],
    headers: impl IntoIterator<Item = &'h [u8]>,
) -> Result<&'h [u8], CookieError> {
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
            return Err(CookieError::Duplicate);
        }
    }
    found.ok_or(CookieError::Missing)
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

/// An RFC 6265 cookie-name: an HTTP token (visible ASCII other than separators).
fn check_name(name: &str) -> Result<(), CookieError> {
    let is_token = |b: &u8| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(b);
    match name.bytes().position(|b| !is_token(&b)) {
        _ if name.is_empty() => Err(CookieError::InvalidName { position: 0 }),
        Some(position) => Err(CookieError::InvalidName { position }),
        None => Ok(()),
    }
}

fn check_path(path: &str) -> Result<(), CookieError> {
    let ok = path.starts_with('/') && path.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b';');
    if ok {
        Ok(())
    } else {
        Err(CookieError::InvalidPath)
    }
}

fn check_domain(domain: &str) -> Result<(), CookieError> {
    let ok = !domain.is_empty()
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(CookieError::InvalidDomain)
    }
}

fn unix_secs(time: OffsetDateTime) -> Result<u64, Error> {
    u64::try_from(time.unix_timestamp()).map_err(|_| Error::ClockBeforeEpoch)
}

/// Unix seconds of a cut-off, rounded up: values carry whole seconds, and one stamped in the
/// cut-off's own second may have been issued before it.
fn ceil_secs(time: OffsetDateTime) -> Result<u64, Error> {
    let secs = time.unix_timestamp() + i64::from(time.nanosecond() > 0);
    u64::try_from(secs).map_err(|_| Error::ClockBeforeEpoch)
}

/// Whole seconds of a non-negative duration; the core counts seconds.
fn duration_secs(duration: Duration) -> Result<u64, CookieError> {
    u64::try_from(duration.whole_seconds()).map_err(|_| CookieError::InvalidDuration)
}

/// Whole seconds of a maximum age, which must be at least one second.
fn at_least_a_second(max_age: Duration) -> Result<u64, CookieError> {
    if max_age < Duration::SECOND {
        return Err(CookieError::InvalidDuration);
    }
    duration_secs(max_age)
}

fn secs_duration(secs: u64) -> Duration {
    Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// Unix seconds as a time. Issue times beyond year 9999, which only a forger with the key
/// could sign, read as the latest representable time rather than failing.
fn secs_time(secs: u64) -> OffsetDateTime {
    i64::try_from(secs)
        .ok()
        .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
        .unwrap_or(MAX_TIME)
}

/// 9999-12-31T23:59:59Z, the latest time `time` represents without its `large-dates` feature.
const MAX_TIME: OffsetDateTime = match OffsetDateTime::from_unix_timestamp(253_402_300_799) {
    Ok(time) => time,
    Err(_) => OffsetDateTime::UNIX_EPOCH,
};
