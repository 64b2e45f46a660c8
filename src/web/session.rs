//! [`SessionCookie`]: issuing, verifying, renewing and revoking the session cookie.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::builder::SessionCookieBuilder;
use super::time::{duration_secs, secs_duration, secs_time, unix_secs};
use super::{Cookie, CookieJar, Duration, OffsetDateTime, OwnedSession, Rejection};
use crate::header::{self, CookieSpec, SameSite};
use crate::store::{CutoffStore, StoreError};
use crate::{Clock, Error, Key, SessionSigner, VerifiedSession, format};

/// Issues and verifies one session cookie: its name, its attributes, the session signer bound to
/// it, the clock, and the store of revocation cut-offs.
///
/// Values are session values `id.auth.ts.sig`: idle after [`max_age`](Self::max_age) without a
/// renewal, over [`lifetime`](Self::lifetime) after the login whatever the renewals, and refused
/// once a cut-off after the login exists ([`log_out_everywhere`](Self::log_out_everywhere),
/// [`log_out_user`](Self::log_out_user)).
///
/// Cheap to clone (the state is shared), `Send + Sync`. Made by [`SessionCookie::builder`].
///
/// ```
/// use sigcookie::Key;
/// use sigcookie::web::{Duration, SessionCookie};
///
/// let key = Key::from_bytes(&[7; 32])?;
/// let session = SessionCookie::builder(&key, "session").max_age(Duration::hours(1)).build()?;
/// let cookie = session.issue("12345")?;
/// assert_eq!(cookie.max_age(), Some(Duration::hours(1)));
/// assert_eq!(session.verify_cookie(&cookie)?.id(), "12345");
///
/// // The purpose is the cookie name: the same value under another name does not verify.
/// let other = SessionCookie::builder(&key, "prefs").build()?;
/// assert!(other.verify(cookie.value()).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SessionCookie {
    inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) name: String,
    pub(super) signer: SessionSigner,
    pub(super) cookie_max_age: Option<Option<Duration>>,
    pub(super) path: String,
    pub(super) domain: Option<String>,
    pub(super) same_site: SameSite,
    pub(super) secure: bool,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) store: Arc<dyn CutoffStore>,
    /// The latest issue time this cookie has put in a value (unix seconds): revocations are
    /// dated at least this late, within the leeway, see [`SessionCookie::revocation_time`].
    pub(super) stamped: AtomicU64,
}

impl SessionCookie {
    /// The idle timeout unless [`SessionCookieBuilder::max_age`] says otherwise: one hour.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// assert_eq!(session.max_age(), SessionCookie::DEFAULT_MAX_AGE);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const DEFAULT_MAX_AGE: Duration = Duration::hours(1);

    /// The absolute lifetime unless [`SessionCookieBuilder::lifetime`] says otherwise (or the
    /// maximum age is longer): twelve hours, so that a stolen cookie kept in use by renewals
    /// still dies the same day.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// assert_eq!(session.lifetime(), SessionCookie::DEFAULT_LIFETIME);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const DEFAULT_LIFETIME: Duration = Duration::hours(12);

    /// A builder for the session cookie `name`, signed with `key` under the purpose `name`.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "session").build()?;
    /// assert_eq!(session.name(), "session");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder<'a>(key: &'a Key, name: &'a str) -> SessionCookieBuilder<'a> {
        SessionCookieBuilder::new(key, name)
    }

    /// Whether `other` is this very session cookie (a clone of it), not just one with the same
    /// name: the same keys, clock and store.
    #[cfg(feature = "axum")]
    pub(crate) fn is_same(&self, other: &SessionCookie) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    pub(super) fn from_inner(inner: Inner) -> SessionCookie {
        SessionCookie {
            inner: Arc::new(inner),
        }
    }

    /// The cookie's name.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// # let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "__Host-s").build()?;
    /// assert_eq!(session.name(), "__Host-s");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The idle timeout: how long a value is valid after it was issued.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Duration, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").max_age(Duration::minutes(30)).build()?;
    /// assert_eq!(session.max_age(), Duration::minutes(30));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_age(&self) -> Duration {
        secs_duration(self.inner.signer.max_age())
    }

    /// The absolute lifetime of a session after the login.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Duration, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").lifetime(Duration::hours(8)).build()?;
    /// assert_eq!(session.lifetime(), Duration::hours(8));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lifetime(&self) -> Duration {
        secs_duration(self.inner.signer.lifetime())
    }

    /// The core signer behind the cookie, to sign or inspect values without the web layer.
    ///
    /// **Its `verify` checks no cut-offs**: a value this cookie's `verify` refuses as revoked
    /// passes it. Verify with [`SessionCookie::verify`] (and its siblings), or follow the core
    /// verify with `check_revocation(&**session.store())`.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let value = session.issue("7")?.value().to_owned();
    /// session.log_out_everywhere()?;
    /// assert!(session.signer().verify(&value).is_ok()); // no cut-offs here!
    /// let checked = session.signer().verify(&value)?.check_revocation(&**session.store());
    /// assert!(checked.is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn signer(&self) -> &SessionSigner {
        &self.inner.signer
    }

    /// The store of revocation cut-offs.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// assert_eq!(session.store().global(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn store(&self) -> &Arc<dyn CutoffStore> {
        &self.inner.store
    }

    /// The current time by this cookie's clock.
    ///
    /// # Errors
    /// [`Error::ClockBeforeEpoch`].
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").clock(|| 86_400).build()?;
    /// assert_eq!(session.now()?.unix_timestamp(), 86_400);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn now(&self) -> Result<OffsetDateTime, Error> {
        self.inner.clock.now().map(secs_time)
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
    /// assert_eq!(cookie.http_only(), Some(true));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn issue(&self, id: &str) -> Result<Cookie<'static>, Error> {
        self.issue_at(id, self.now()?)
    }

    /// The login cookie for `id` at `now`: a session value whose login and issue time are
    /// both `now`, or a cut-off made within the leeway ahead of it
    /// ([`Cutoffs::login_time`](crate::Cutoffs::login_time)), so that a login just after a "log
    /// out everywhere" is not born revoked.
    ///
    /// # Errors
    /// The core's id errors ([`Error::InvalidIdByte`], ...), [`Error::ClockBeforeEpoch`], or a
    /// cut-off that refuses the login ([`Error::LoggedInBeforeNotBefore`],
    /// [`Error::CutoffUnreadable`]).
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Duration, OffsetDateTime, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let now = OffsetDateTime::from_unix_timestamp(1_764_000_000)?;
    /// assert!(session.issue_at("12345", now)?.value().starts_with("12345.1764000000.1764000000."));
    /// assert!(session.issue_at("me@example.com", now).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn issue_at(&self, id: &str, now: OffsetDateTime) -> Result<Cookie<'static>, Error> {
        let now = unix_secs(now)?;
        let value = self
            .inner
            .signer
            .login_value_at(id, now, &*self.inner.store)?;
        self.session_cookie(&value, now)
    }

    /// The cookie carrying a value this cookie's signer just made, with `Max-Age` counting from
    /// `now` to the value's idle or absolute end.
    fn session_cookie(&self, value: &str, now: u64) -> Result<Cookie<'static>, Error> {
        let parts = format::inspect(value)?;
        let (auth, issued_at) = (
            parts.auth().unwrap_or_default(),
            parts.issued_at().unwrap_or_default(),
        );
        self.inner.stamped.fetch_max(issued_at, Ordering::Relaxed);
        let max_age = match self.inner.cookie_max_age {
            // Checked to be at least a second by the builder.
            Some(max_age) => max_age.map(|max_age| duration_secs(max_age).unwrap_or(1)),
            None => Some(
                self.inner
                    .signer
                    .expires_at(auth, issued_at)
                    .saturating_sub(now),
            ),
        };
        let spec = self.spec();
        let mut buf = vec![0; spec.header_len(value.len(), max_age)];
        let header = spec
            .write(value, max_age, &mut buf)
            .map_err(|error| match error {
                // A value this cookie's signer made is cookie-octets, and the buffer is sized by
                // the core: neither happens.
                header::WriteError::InvalidValue { position } => Error::InvalidIdByte {
                    byte: value.as_bytes().get(position).copied().unwrap_or_default(),
                    position,
                },
                _ => Error::BufferTooSmall {
                    needed: spec.header_len(value.len(), max_age),
                },
            })?;
        Ok(self.parsed(header))
    }

    /// The cookie that removes the session cookie from the browser, for logout: same name, path
    /// and domain (or the browser would keep the original), an empty value, `Max-Age=0`, and an
    /// `Expires` in 1970 for clients that ignore `Max-Age`. Its text is the core's
    /// [`CookieSpec::write_removal`].
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Duration, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "__Host-s").build()?;
    /// let removal = session.removal();
    /// assert_eq!((removal.name(), removal.value()), ("__Host-s", ""));
    /// assert_eq!(removal.max_age(), Some(Duration::ZERO));
    /// assert_eq!(removal.secure(), Some(true)); // a __Host- cookie is only replaced by a Secure one
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn removal(&self) -> Cookie<'static> {
        let spec = self.spec();
        let mut buf = vec![0; spec.max_header_len()];
        match spec.write_removal(&mut buf) {
            Ok(header) => self.parsed(header),
            // `max_header_len` covers the removal: this does not happen.
            Err(_) => Cookie::new(self.inner.name.clone(), ""),
        }
    }

    /// The [`Cookie`] of a `Set-Cookie` header value the core wrote: one writer of the
    /// attributes, whose text the `cookie` crate writes back unchanged (the core writes them in
    /// its order).
    fn parsed(&self, header: &str) -> Cookie<'static> {
        match Cookie::parse(header.to_owned()) {
            Ok(mut cookie) => {
                if !self.inner.secure {
                    // Parsing reads an absent `Secure` as "not set"; this cookie says "off".
                    cookie.set_secure(false);
                }
                cookie
            }
            // The core writes a token name, cookie-octets and known attributes, which the
            // `cookie` crate parses: this does not happen.
            Err(_) => Cookie::new(self.inner.name.clone(), ""),
        }
    }

    /// The core's description of this cookie's name and attributes, which writes its
    /// `Set-Cookie` headers: for integrations that write the header text themselves.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "__Host-s").build()?;
    /// let mut buf = [0u8; 256];
    /// assert_eq!(session.spec().write_removal(&mut buf)?, session.removal().to_string());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn spec(&self) -> CookieSpec<'_> {
        let inner = &*self.inner;
        CookieSpec::from_checked(
            &inner.name,
            &inner.path,
            inner.domain.as_deref(),
            inner.same_site,
            inner.secure,
        )
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
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify<'v>(&self, value: &'v str) -> Result<VerifiedCookie<'v>, Rejection> {
        self.verify_at(value, self.now()?)
    }

    /// Verifies a cookie value as of `now`: the signature, the idle limit, the clock-skew
    /// leeway, the lifetime, then the cut-offs in the store for the value's id.
    ///
    /// The value is passed to the core as it is: a value in double quotes, which RFC 6265 allows
    /// in general, is refused, since this crate never issues one.
    ///
    /// # Errors
    /// The core's errors as [`Rejection::Invalid`]: malformed, [`Error::BadSignature`],
    /// [`Error::Expired`], [`Error::LifetimeExceeded`], [`Error::LoggedInBeforeNotBefore`], ...
    ///
    /// ```
    /// # use sigcookie::{Error, Key, web::{Rejection, Duration, OffsetDateTime, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let now = OffsetDateTime::from_unix_timestamp(1_764_000_000)?;
    /// let cookie = session.issue_at("7", now)?;
    /// assert!(session.verify_at(cookie.value(), now + Duration::hours(1)).is_ok());
    /// assert_eq!(
    ///     session.verify_at(cookie.value(), now + Duration::hours(2)).err(),
    ///     Some(Rejection::Invalid(Error::Expired { issued_at: 1_764_000_000, max_age: 3600 }))
    /// );
    /// assert!(session.verify_at(&format!("\"{}\"", cookie.value()), now).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_at<'v>(
        &self,
        value: &'v str,
        now: OffsetDateTime,
    ) -> Result<VerifiedCookie<'v>, Rejection> {
        let session = self
            .inner
            .signer
            .verify_at(value, unix_secs(now)?)?
            .check_revocation(&*self.inner.store)?;
        Ok(VerifiedCookie { session })
    }

    /// Verifies a [`Cookie`], which must have this cookie's name.
    ///
    /// # Errors
    /// [`Rejection::WrongName`], or as [`SessionCookie::verify`].
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Cookie, Rejection, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let cookie = session.issue("7")?;
    /// assert_eq!(session.verify_cookie(&cookie)?.id(), "7");
    /// let renamed = Cookie::new("t", cookie.value().to_owned());
    /// assert_eq!(session.verify_cookie(&renamed).err(), Some(Rejection::WrongName));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_cookie<'c>(
        &self,
        cookie: &'c Cookie<'_>,
    ) -> Result<VerifiedCookie<'c>, Rejection> {
        if cookie.name() != self.name() {
            return Err(Rejection::WrongName);
        }
        self.verify(cookie.value())
    }

    /// Finds this cookie in a [`CookieJar`] and verifies it.
    ///
    /// **Duplicates are invisible here**: a `CookieJar` keeps one cookie per name, so when a
    /// request carries two cookies of this name (a sibling subdomain planting one for the parent
    /// domain), the jar has already dropped one and [`Rejection::Duplicate`] cannot be
    /// reported; which one survives depends on the order the browser sent them in. Prefer
    /// [`verify_headers`](Self::verify_headers) on the raw `Cookie:` headers, or a `__Host-`
    /// name, which no other host can set.
    ///
    /// # Errors
    /// [`Rejection::Missing`], or as [`SessionCookie::verify`].
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Rejection, CookieJar, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let mut jar = CookieJar::new();
    /// assert_eq!(session.verify_jar(&jar).err(), Some(Rejection::Missing));
    /// jar.add_original(session.issue("7")?);
    /// assert_eq!(session.verify_jar(&jar)?.id(), "7");
    /// // A second cookie of the name replaces the first: the jar cannot tell there were two.
    /// jar.add_original(session.issue("8")?);
    /// assert_eq!(session.verify_jar(&jar)?.id(), "8");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_jar<'j>(&self, jar: &'j CookieJar) -> Result<VerifiedCookie<'j>, Rejection> {
        self.verify_cookie(jar.get(self.name()).ok_or(Rejection::Missing)?)
    }

    /// Finds this cookie in a raw `Cookie:` request header (`a=1; b=2`) and verifies it.
    ///
    /// Pairs are split at `;` and trimmed of spaces and tabs; pairs without `=` and cookies of
    /// other names are skipped whatever they hold, so another application's malformed cookie
    /// does not log anyone out.
    ///
    /// # Errors
    /// [`Rejection::Missing`], [`Rejection::Duplicate`], or as [`SessionCookie::verify`].
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Rejection, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let value = session.issue("7")?.value().to_owned();
    /// assert_eq!(session.verify_header(&format!(" junk ;x=1;  s={value} ; y"))?.id(), "7");
    /// assert_eq!(session.verify_header(&format!("s={value}; s={value}")).err(), Some(Rejection::Duplicate));
    /// assert_eq!(session.verify_header("").err(), Some(Rejection::Missing));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_header<'h>(&self, header: &'h str) -> Result<VerifiedCookie<'h>, Rejection> {
        self.verify_headers([header.as_bytes()])
    }

    /// As [`SessionCookie::verify_header`] over several `Cookie:` header values, as HTTP/2
    /// clients send (one per cookie). Values are bytes: browsers send non-UTF-8 cookies too, and
    /// someone else's must not stop this one from being found.
    ///
    /// # Errors
    /// As [`SessionCookie::verify_header`]; a duplicate across headers is
    /// [`Rejection::Duplicate`] too. A value longer than this cookie's values can be is
    /// [`Error::TooLong`] before its bytes are looked at, so it is never decoded.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let header = format!("s={}", session.issue("7")?.value());
    /// let headers: [&[u8]; 2] = [b"lang=\xff\xfe", header.as_bytes()];
    /// assert_eq!(session.verify_headers(headers)?.id(), "7");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_headers<'h, I>(&self, headers: I) -> Result<VerifiedCookie<'h>, Rejection>
    where
        I: IntoIterator<Item = &'h [u8]>,
    {
        // The core's rules: the length first, on the bytes, then UTF-8 and the quotes.
        let value = header::find_value(self.name(), headers, self.inner.signer.max_value_len())?;
        self.verify(value)
    }

    /// As [`SessionCookie::verify_headers`], into an [`OwnedSession`] that outlives the headers
    /// and keeps this cookie for renewal: what the framework integrations hand to handlers.
    ///
    /// # Errors
    /// As [`SessionCookie::verify_headers`].
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Rejection, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let header = format!("a=1; s={}", session.issue("7")?.value());
    /// assert_eq!(session.verify_headers_owned([header.as_bytes()])?.id(), "7");
    /// assert_eq!(session.verify_headers_owned([&b"a=1"[..]]).err().map(|r| r.name()), Some("Missing"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_headers_owned<'h, I>(&self, headers: I) -> Result<OwnedSession, Rejection>
    where
        I: IntoIterator<Item = &'h [u8]>,
    {
        let verified = self.verify_headers(headers)?;
        Ok(OwnedSession::new(verified, self.clone()))
    }

    /// A renewed cookie when the verified value is older than `fraction` of the maximum age, for
    /// sliding sessions: an active user stays logged in (up to the lifetime), an idle one
    /// expires. `None` for a younger value. `fraction` is clamped to `0.0..=1.0` (`NaN` counts as
    /// `0.0`, renewing every time).
    ///
    /// # Errors
    /// As [`SessionCookie::renewal_at`].
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let cookie = session.issue("7")?;
    /// let verified = session.verify(cookie.value())?;
    /// assert!(session.renewal(&verified, 0.5)?.is_none()); // fresh
    /// assert!(session.renewal(&verified, 0.0)?.is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn renewal(
        &self,
        verified: &VerifiedCookie<'_>,
        fraction: f64,
    ) -> Result<Option<Cookie<'static>>, Rejection> {
        self.renewal_at(verified, fraction, self.now()?)
    }

    /// As [`SessionCookie::renewal`] as of `now`. The new value keeps the login time and is
    /// issued at `now`.
    ///
    /// Every rule is checked again at `now`, not when `verified` was verified
    /// ([`SessionSigner::renew_value_at`]): a handler that verified a cookie before a "log out
    /// everywhere" and renews it after gets an error, not a fresh cookie, and no renewal carries
    /// a session past its lifetime.
    ///
    /// # Errors
    /// [`Rejection::Invalid`] with [`Error::Expired`], [`Error::LifetimeExceeded`],
    /// [`Error::LoggedInBeforeNotBefore`], [`Error::CutoffUnreadable`], ...
    ///
    /// ```
    /// # use sigcookie::{Error, Key, web::{Rejection, Duration, OffsetDateTime, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let t0 = OffsetDateTime::from_unix_timestamp(1_764_000_000)?;
    /// let cookie = session.issue_at("7", t0)?;
    /// let verified = session.verify_at(cookie.value(), t0 + Duration::minutes(40))?;
    /// assert!(session.renewal_at(&verified, 0.5, t0 + Duration::minutes(20))?.is_none());
    /// let renewed = session.renewal_at(&verified, 0.5, t0 + Duration::minutes(40))?.unwrap();
    /// assert_eq!(session.verify_at(renewed.value(), t0 + Duration::minutes(90))?.id(), "7");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn renewal_at(
        &self,
        verified: &VerifiedCookie<'_>,
        fraction: f64,
        now: OffsetDateTime,
    ) -> Result<Option<Cookie<'static>>, Rejection> {
        let now = unix_secs(now)?;
        let signer = &self.inner.signer;
        // `f64` to integer casts saturate and map NaN to 0, so no input can panic here.
        let threshold = (signer.max_age() as f64 * fraction.clamp(0.0, 1.0)) as u64;
        if now.saturating_sub(verified.session.issued_at()) < threshold {
            return Ok(None);
        }
        let value = signer.renew_value_at(&verified.session, now, &*self.inner.store)?;
        Ok(Some(self.session_cookie(&value, now)?))
    }

    /// When a verified session ends unless renewed: at its idle limit or at the end of its
    /// lifetime, whichever comes first.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Duration, OffsetDateTime, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let now = OffsetDateTime::from_unix_timestamp(1_764_000_000)?;
    /// let cookie = session.issue_at("7", now)?;
    /// let verified = session.verify_at(cookie.value(), now)?;
    /// assert_eq!(session.expires_at(&verified), now + Duration::hours(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expires_at(&self, verified: &VerifiedCookie<'_>) -> OffsetDateTime {
        let session = &verified.session;
        secs_time(
            self.inner
                .signer
                .expires_at(session.auth(), session.issued_at()),
        )
    }

    /// "Log out everywhere": refuses every session that began up to and including the current
    /// second, for every user, in every instance that shares the store. Returns the cut-off.
    ///
    /// The cut-off is the *next* second, because values carry whole seconds: a session that
    /// began earlier in this second would otherwise survive. A login later in the same second is
    /// stamped with the cut-off ([`issue_at`](Self::issue_at)), so it is not born revoked; a
    /// second call in that second moves the cut-off past it, and past a login stamped with a
    /// user's cut-off ([`log_out_user`](Self::log_out_user)) as well
    /// ([`CutoffStore::revoke_all_until`]). A shared store judges what the whole fleet holds,
    /// not this instance's copy.
    ///
    /// Blocks while the store makes the cut-off durable (a file's `fsync`, a round trip to
    /// Redis): in an async handler, call it from a blocking task (`spawn_blocking`).
    ///
    /// Instances whose clocks disagree cover each other's sessions only up to the difference: a
    /// value issued by an instance whose clock runs ahead of this one may carry a login time
    /// after the cut-off. Keep clocks synchronised (the leeway bounds the skew tolerated).
    ///
    /// # Errors
    /// The store could not make the cut-off durable ([`StoreError`]), or [`StoreError::Clock`].
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let cookie = session.issue("7")?;
    /// let cutoff = session.log_out_everywhere()?;
    /// assert_eq!(session.store().global(), Some(cutoff.unix_timestamp() as u64));
    /// assert!(session.verify(cookie.value()).is_err());
    /// assert!(session.verify(session.issue("7")?.value()).is_ok()); // a login after it
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn log_out_everywhere(&self) -> Result<OffsetDateTime, StoreError> {
        let cutoff = self
            .inner
            .store
            .revoke_all_until(self.revocation_time()?, self.inner.signer.leeway())?;
        Ok(secs_time(cutoff))
    }

    /// "Log out this user everywhere", or "password changed": refuses every session of `id`
    /// that began up to and including the current second, in every instance that shares the
    /// store. Returns the cut-off. A login of `id` later in the same second is stamped with it.
    /// Blocks as [`log_out_everywhere`](Self::log_out_everywhere) does.
    ///
    /// # Errors
    /// [`StoreError::InvalidId`], [`StoreError::Clock`], or the store could not make the cut-off
    /// durable.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let (mine, theirs) = (session.issue("7")?, session.issue("8")?);
    /// session.log_out_user("7")?;
    /// assert!(session.verify(mine.value()).is_err());
    /// assert!(session.verify(theirs.value()).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn log_out_user(&self, id: &str) -> Result<OffsetDateTime, StoreError> {
        let cutoff = self
            .inner
            .store
            .revoke_user_until(id, self.revocation_time()?)?;
        Ok(secs_time(cutoff))
    }

    /// The time to date a revocation with: the clock, or the latest issue time this cookie has
    /// stamped when that is later but within the leeway. A clock stepped back (by NTP, say)
    /// would otherwise date a revocation before sessions this process issued just earlier,
    /// which its verifier still accepts as within the leeway. A larger step back is not
    /// covered: values issued ahead by more than the leeway are refused as issued in the future
    /// until the clock reaches them (see the README, "Clocks").
    fn revocation_time(&self) -> Result<u64, StoreError> {
        let now = self.inner.clock.now().map_err(StoreError::Clock)?;
        let stamped = self.inner.stamped.load(Ordering::Relaxed);
        Ok(now.max(stamped.min(now.saturating_add(self.inner.signer.leeway()))))
    }
}

impl fmt::Debug for SessionCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("SessionCookie")
            .field("name", &inner.name)
            .field("signer", &inner.signer)
            .field("cookie_max_age", &inner.cookie_max_age)
            .field("path", &inner.path)
            .field("domain", &inner.domain)
            .field("same_site", &inner.same_site)
            .field("secure", &inner.secure)
            .finish_non_exhaustive()
    }
}

/// A verified session cookie: its id, borrowed from the value, when the user logged in and when
/// this value was issued.
///
/// ```
/// use sigcookie::Key;
/// use sigcookie::web::{Duration, OffsetDateTime, SessionCookie};
///
/// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
/// let now = OffsetDateTime::from_unix_timestamp(1_764_000_000)?;
/// let cookie = session.issue_at("12345", now)?;
/// let verified = session.verify_at(cookie.value(), now + Duration::minutes(5))?;
/// assert_eq!((verified.id(), verified.logged_in_at(), verified.issued_at()), ("12345", now, now));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VerifiedCookie<'v> {
    session: VerifiedSession<'v>,
}

impl<'v> VerifiedCookie<'v> {
    /// The verified id.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// assert_eq!(session.verify(session.issue("42")?.value())?.id(), "42");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn id(&self) -> &'v str {
        self.session.id()
    }

    /// When the user logged in; unchanged by renewals.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{OffsetDateTime, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let now = OffsetDateTime::from_unix_timestamp(1_764_000_000)?;
    /// assert_eq!(session.verify_at(session.issue_at("42", now)?.value(), now)?.logged_in_at(), now);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn logged_in_at(&self) -> OffsetDateTime {
        secs_time(self.session.auth())
    }

    /// When this value was issued: the login or the latest renewal.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{OffsetDateTime, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let now = OffsetDateTime::from_unix_timestamp(1_764_000_000)?;
    /// assert_eq!(session.verify_at(session.issue_at("42", now)?.value(), now)?.issued_at(), now);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn issued_at(&self) -> OffsetDateTime {
        secs_time(self.session.issued_at())
    }

    /// The core's verified session, in unix seconds.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{OffsetDateTime, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let now = OffsetDateTime::from_unix_timestamp(1_764_000_000)?;
    /// let cookie = session.issue_at("42", now)?;
    /// let verified = session.verify_at(cookie.value(), now)?;
    /// assert_eq!(verified.session().auth(), 1_764_000_000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn session(&self) -> VerifiedSession<'v> {
        self.session
    }
}

/// For layers that keep a verified session past its value, such as the axum extractor.
impl<'v> From<VerifiedSession<'v>> for VerifiedCookie<'v> {
    fn from(session: VerifiedSession<'v>) -> Self {
        VerifiedCookie { session }
    }
}
