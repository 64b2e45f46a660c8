//! [`SessionCookie`]: issuing, verifying and revoking the session cookie.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::builder::SessionCookieBuilder;
use super::scheme::{CookieKey, CookieScheme};
use super::time::{duration_secs, secs_duration, secs_time};
use super::{Duration, OffsetDateTime, Session, SetCookie};
use crate::header::{self, CookieSpec, SameSite};
use crate::store::{CutoffStore, StoreError};
use crate::{Clock, Error, SessionSigner, format};

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
/// assert_eq!(session.verify(cookie.value())?.id(), "12345");
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
    pub(super) signer: SessionSigner<CookieScheme>,
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
    /// `key` is an HMAC [`Key`](crate::Key) or, with the `ed25519` feature, an
    /// [`Ed25519SigningKey`](crate::Ed25519SigningKey) (the service that logs users in) or an
    /// [`Ed25519PublicKey`](crate::Ed25519PublicKey) (a service that only verifies: it cannot
    /// issue, renew or make CSRF tokens, [`Error::VerifyOnly`]).
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "session").build()?;
    /// assert_eq!(session.name(), "session");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// ```
    /// # #[cfg(feature = "ed25519")] {
    /// # use sigcookie::{Ed25519SigningKey, Error, web::SessionCookie};
    /// let key = Ed25519SigningKey::from_bytes(&[7; 32])?;
    /// let login = SessionCookie::builder(&key, "session").build()?;
    /// let api = SessionCookie::builder(key.public_key(), "session").build()?;
    /// let cookie = login.issue("42")?;
    /// assert_eq!(api.verify(cookie.value())?.id(), "42");
    /// assert_eq!(api.issue("admin").err(), Some(Error::VerifyOnly));
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder<'a, K: CookieKey>(key: &'a K, name: &'a str) -> SessionCookieBuilder<'a> {
        SessionCookieBuilder::new(key, name)
    }

    /// Whether `other` is this very session cookie (a clone of it), not just one with the same
    /// name: the same keys, clock and store.
    #[cfg(any(feature = "axum", feature = "tower"))]
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
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let value = session.issue("7")?.value().to_owned();
    /// session.log_out_everywhere()?;
    /// // The core verifies against the cut-offs it is given: the store's refuse the value.
    /// assert!(session.signer().verify_at(&value, 1, &**session.store()).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn signer(&self) -> &SessionSigner<CookieScheme> {
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
        self.clock_now().map(secs_time)
    }

    /// The current time by this cookie's clock, in unix seconds.
    pub(super) fn clock_now(&self) -> Result<u64, Error> {
        self.inner.clock.now()
    }

    /// The login cookie for `id`, issued now: a session value whose login and issue time are
    /// both now, or a cut-off made within the leeway ahead of now
    /// ([`Cutoffs::login_time`](crate::Cutoffs::login_time)), so that a login just after a "log
    /// out everywhere" is not born revoked.
    ///
    /// # Errors
    /// The core's id errors ([`Error::InvalidIdByte`], ...), [`Error::ClockBeforeEpoch`], a
    /// cut-off that refuses the login ([`Error::LoggedInBeforeNotBefore`],
    /// [`Error::CutoffUnreadable`]), or [`Error::VerifyOnly`] for a cookie built with an
    /// Ed25519 public key alone. With the `axum` feature an [`Error`] is a response, so `?`
    /// works in a handler.
    ///
    /// ```
    /// # use sigcookie::{Key, header::SameSite, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "session").clock(|| 1_764_000_000).build()?;
    /// let cookie = session.issue("12345")?;
    /// assert!(cookie.value().starts_with("12345.1764000000.1764000000."));
    /// assert_eq!(cookie.path(), Some("/"));
    /// assert_eq!(cookie.http_only(), Some(true));
    /// assert!(cookie.to_string().contains("; SameSite=Lax"));
    /// assert!(session.issue("me@example.com").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn issue(&self, id: &str) -> Result<SetCookie, Error> {
        // Before the clock and the store: a public key alone has nothing to sign with.
        if !self.inner.signer.signer().can_sign() {
            return Err(Error::VerifyOnly);
        }
        let now = self.inner.clock.now()?;
        let value = self.inner.signer.login_at(id, now, &*self.inner.store)?;
        self.session_cookie(&value, now)
    }

    /// The cookie carrying a value this cookie's signer just made, with `Max-Age` counting from
    /// `now` to the value's idle or absolute end.
    pub(super) fn session_cookie(&self, value: &str, now: u64) -> Result<SetCookie, Error> {
        let parts = format::inspect(value)?;
        let (logged_in_at, issued_at) = (
            parts.logged_in_at().unwrap_or_default(),
            parts.issued_at().unwrap_or_default(),
        );
        self.inner.stamped.fetch_max(issued_at, Ordering::Relaxed);
        let max_age = match self.inner.cookie_max_age {
            // Checked to be at least a second by the builder.
            Some(max_age) => max_age.map(|max_age| duration_secs(max_age).unwrap_or(1)),
            None => Some(
                self.inner
                    .signer
                    .expires_at(logged_in_at, issued_at)
                    .saturating_sub(now),
            ),
        };
        let spec = self.spec();
        let mut buf = vec![0; spec.header_len(value.len(), max_age)];
        let header = spec.write(value, max_age, &mut buf)?;
        Ok(SetCookie::parse(header, self.inner.secure))
    }

    /// The cookie that removes the session cookie from the browser, for logout: same name, path
    /// and domain (or the browser would keep the original), an empty value, `Max-Age=0`, and an
    /// `Expires` in 1970 for clients that ignore `Max-Age`. Its text is the core's
    /// [`CookieSpec::write_removal`]. Logging out needs no valid session: send this whatever the
    /// request carried.
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
    pub fn removal(&self) -> SetCookie {
        let spec = self.spec();
        let mut buf = vec![0; spec.max_header_len()];
        // `max_header_len` covers the removal, so the write succeeds; an empty header would be
        // refused by every client rather than remove the wrong cookie.
        let header = spec.write_removal(&mut buf).unwrap_or_default();
        SetCookie::parse(header, self.inner.secure)
    }

    /// The core's description of this cookie's name and attributes, which writes its
    /// `Set-Cookie` headers.
    fn spec(&self) -> CookieSpec<'_> {
        let inner = &*self.inner;
        CookieSpec::from_checked(
            &inner.name,
            &inner.path,
            inner.domain.as_deref(),
            inner.same_site,
            inner.secure,
        )
    }

    /// Verifies a cookie value now: the signature, the idle limit, the clock-skew leeway, the
    /// lifetime, then the cut-offs in the store for the value's id.
    ///
    /// The value is passed to the core as it is: a value in double quotes, which RFC 6265 allows
    /// in general, is refused, since this crate never issues one.
    ///
    /// # Errors
    /// The core's errors: malformed, [`Error::BadSignature`], [`Error::Expired`],
    /// [`Error::LifetimeExceeded`], [`Error::LoggedInBeforeNotBefore`], ...
    ///
    /// ```
    /// # use std::sync::{Arc, atomic::{AtomicU64, Ordering}};
    /// # use sigcookie::{Error, Key, web::SessionCookie};
    /// let time = Arc::new(AtomicU64::new(1_764_000_000));
    /// let clock = { let time = time.clone(); move || time.load(Ordering::Relaxed) };
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").clock(clock).build()?;
    /// let cookie = session.issue("7")?;
    /// time.fetch_add(3_600, Ordering::Relaxed);
    /// assert_eq!(session.verify(cookie.value())?.id(), "7");
    /// time.fetch_add(1, Ordering::Relaxed);
    /// assert_eq!(
    ///     session.verify(cookie.value()).err(),
    ///     Some(Error::Expired { issued_at: 1_764_000_000, max_age: 3600 })
    /// );
    /// assert!(session.verify("7.00").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify(&self, value: &str) -> Result<Session, Error> {
        let now = self.inner.clock.now()?;
        let verified = self
            .inner
            .signer
            .verify_at(value, now, &*self.inner.store)?;
        Ok(Session::new(&verified, self.clone()))
    }

    /// Finds this cookie in a request's `Cookie:` header values (one, or one per cookie as
    /// HTTP/2 clients send) and verifies it, by the core's rules
    /// ([`CookieSpec::verify`](crate::header::CookieSpec::verify)): other cookies are skipped
    /// whatever they hold, so another application's malformed or non-UTF-8 cookie does not log
    /// anyone out; none of this name is [`Error::Missing`], two are [`Error::Duplicate`]; a
    /// value longer than this cookie's values can be is [`Error::TooLong`] before its bytes are
    /// looked at.
    ///
    /// # Errors
    /// [`Error::Missing`], [`Error::Duplicate`], or as [`SessionCookie::verify`].
    ///
    /// ```
    /// # use sigcookie::{Error, Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let value = session.issue("7")?.value().to_owned();
    /// assert_eq!(session.verify_headers([&*format!(" junk ;x=1;  s={value} ; y")])?.id(), "7");
    /// let cookie = format!("s={value}");
    /// let http2: [&[u8]; 2] = [b"lang=\xff\xfe", cookie.as_bytes()];
    /// assert_eq!(session.verify_headers(http2)?.id(), "7");
    /// assert_eq!(session.verify_headers([&*format!("{cookie}; {cookie}")]).err(), Some(Error::Duplicate));
    /// assert_eq!(session.verify_headers(["theme=dark"]).err(), Some(Error::Missing));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_headers<'h, I, H>(&self, headers: I) -> Result<Session, Error>
    where
        I: IntoIterator<Item = &'h H>,
        H: AsRef<[u8]> + ?Sized + 'h,
    {
        let value = header::find_value(
            self.name(),
            headers.into_iter().map(AsRef::as_ref),
            self.inner.signer.max_value_len(),
        )?;
        self.verify(value)
    }

    /// "Log out everywhere": refuses every session that began up to and including the current
    /// second, for every user, in every instance that shares the store. Returns the cut-off.
    ///
    /// The cut-off is the *next* second, because values carry whole seconds: a session that
    /// began earlier in this second would otherwise survive. A login later in the same second is
    /// stamped with the cut-off ([`issue`](Self::issue)), so it is not born revoked; a
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
    /// A clock that is not set yet ([`SessionSigner::with_earliest_time`]) dates nothing: a
    /// revocation dated 1970 would end no session once the clock is right.
    fn revocation_time(&self) -> Result<u64, StoreError> {
        let now = self.inner.clock.now().map_err(StoreError::Clock)?;
        let earliest = self.inner.signer.earliest_time();
        if now < earliest {
            return Err(StoreError::Clock(Error::ClockNotSet { now, earliest }));
        }
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
