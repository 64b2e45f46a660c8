//! [`SessionCookieBuilder`]: a session cookie's settings, checked once at start.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use super::cookie::{Inner, SessionCookie};
use super::scheme::CookieKey;
use super::time::{at_least_a_second, duration_secs, secs_time};
use super::{Duration, OffsetDateTime};
use crate::header::{CookieSpec, SameSite};
use crate::store::{CutoffStore, MemoryStore};
use crate::{Clock, ConfigError, SessionSigner, SystemClock};

/// Configures a [`SessionCookie`]; made by [`SessionCookie::builder`], checked by
/// [`SessionCookieBuilder::build`].
///
/// ```
/// use sigcookie::Key;
/// use sigcookie::header::SameSite;
/// use sigcookie::web::{Duration, SessionCookie};
///
/// let old = Key::from_bytes(&[6; 32])?;
/// // Rotation: values signed with the old secret still verify.
/// let key = Key::from_bytes(&[7; 32])?.with_previous(&old)?;
/// let session = SessionCookie::builder(&key, "session")
///     .max_age(Duration::minutes(30))
///     .lifetime(Duration::hours(8))
///     .same_site(SameSite::Strict)
///     .path("/admin")
///     .build()?;
/// assert_eq!(session.issue("7")?.path(), Some("/admin"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct SessionCookieBuilder<'a> {
    key: &'a dyn CookieKey,
    name: &'a str,
    purpose: Option<&'a str>,
    max_age: Duration,
    lifetime: Option<Duration>,
    cookie_max_age: Option<Option<Duration>>,
    leeway: Option<Duration>,
    earliest: OffsetDateTime,
    tag_len: Option<usize>,
    path: &'a str,
    domain: Option<&'a str>,
    same_site: SameSite,
    secure: bool,
    clock: Option<Arc<dyn Clock>>,
    store: Option<Arc<dyn CutoffStore>>,
}

impl<'a> SessionCookieBuilder<'a> {
    pub(super) fn new(key: &'a dyn CookieKey, name: &'a str) -> Self {
        SessionCookieBuilder {
            key,
            name,
            purpose: None,
            max_age: SessionCookie::DEFAULT_MAX_AGE,
            lifetime: None,
            cookie_max_age: None,
            leeway: None,
            earliest: secs_time(SessionSigner::DEFAULT_EARLIEST_TIME),
            tag_len: None,
            path: "/",
            domain: None,
            same_site: SameSite::Lax,
            secure: true,
            clock: None,
            store: None,
        }
    }

    /// The idle timeout: a value is valid for `max_age` after it was issued (default
    /// [`SessionCookie::DEFAULT_MAX_AGE`]), so a session without a renewal for that long ends.
    /// The cookie's `Max-Age` follows it unless [`cookie_max_age`](Self::cookie_max_age) is set.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Duration, SessionCookie}};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").max_age(Duration::minutes(20)).build()?;
    /// assert_eq!(session.issue("7")?.max_age(), Some(Duration::minutes(20)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// The absolute lifetime: a session ends `lifetime` after the login, however often it was
    /// renewed. Default [`SessionCookie::DEFAULT_LIFETIME`], or the maximum age if that is
    /// longer; an explicit lifetime shorter than the maximum age is refused.
    ///
    /// ```
    /// # use sigcookie::{ConfigError, Key, web::{Duration, SessionCookie}};
    /// let key = Key::from_bytes(&[7; 32])?;
    /// let session = SessionCookie::builder(&key, "s").lifetime(Duration::hours(4)).build()?;
    /// assert_eq!(session.lifetime(), Duration::hours(4));
    /// let long = SessionCookie::builder(&key, "s").max_age(Duration::days(30)).build()?;
    /// assert_eq!(long.lifetime(), Duration::days(30));
    /// assert_eq!(
    ///     SessionCookie::builder(&key, "s").max_age(Duration::hours(2)).lifetime(Duration::hours(1)).build().err(),
    ///     Some(ConfigError::LifetimeShorterThanMaxAge)
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = Some(lifetime);
        self
    }

    /// Overrides the cookie's `Max-Age`: `None` for a browser-session cookie that the browser
    /// drops when it closes, `Some` for a fixed one. This is the browser's lifetime only; the
    /// server's limits are [`max_age`](Self::max_age) and [`lifetime`](Self::lifetime). By
    /// default `Max-Age` is the time until the value's idle or absolute end, whichever is first.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Duration, SessionCookie}};
    /// let key = Key::from_bytes(&[7; 32])?;
    /// let session = SessionCookie::builder(&key, "s").cookie_max_age(None).build()?;
    /// assert_eq!(session.issue("7")?.max_age(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cookie_max_age(mut self, max_age: Option<Duration>) -> Self {
        self.cookie_max_age = Some(max_age);
        self
    }

    /// Clock skew tolerated (default one minute); at least one second, since a login made just
    /// after a revocation carries the next second as its login time.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Duration, SessionCookie}};
    /// let key = Key::from_bytes(&[7; 32])?;
    /// let ahead = SessionCookie::builder(&key, "s").clock(|| 1_764_000_002).build()?;
    /// let session = SessionCookie::builder(&key, "s").leeway(Duration::SECOND).clock(|| 1_764_000_000).build()?;
    /// assert!(session.verify(ahead.issue("7")?.value()).is_err()); // 2 s ahead, 1 s tolerated
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = Some(leeway);
        self
    }

    /// The earliest time the clock is believed at (default 2025-01-01,
    /// [`SessionSigner::DEFAULT_EARLIEST_TIME`]): while it reads earlier, `issue` and renewal
    /// are refused with [`Error::ClockNotSet`](crate::Error::ClockNotSet), as on a device that
    /// has not set its clock yet. Verifying is unchanged. `OffsetDateTime::UNIX_EPOCH` turns
    /// the check off.
    ///
    /// ```
    /// # use sigcookie::{Error, Key, web::{OffsetDateTime, SessionCookie}};
    /// let key = Key::from_bytes(&[7; 32])?;
    /// let booting = SessionCookie::builder(&key, "s").clock(|| 30).build()?;
    /// assert!(matches!(booting.issue("7"), Err(Error::ClockNotSet { now: 30, .. })));
    /// let replay = SessionCookie::builder(&key, "s").clock(|| 30).earliest_time(OffsetDateTime::UNIX_EPOCH).build()?;
    /// assert!(replay.issue("7").is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn earliest_time(mut self, earliest: OffsetDateTime) -> Self {
        self.earliest = earliest;
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
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn purpose(mut self, purpose: &'a str) -> Self {
        self.purpose = Some(purpose);
        self
    }

    /// The tag length in bytes of an HMAC cookie; see [`Signer::with_tag_len`](crate::Signer::with_tag_len).
    /// An Ed25519 signature has one length: setting one for it is
    /// [`ConfigError::Ed25519TagLength`].
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").tag_len(16).clock(|| 1_764_000_000).build()?;
    /// assert_eq!(session.issue("7")?.value().len(), 1 + 1 + 10 + 1 + 10 + 1 + 32);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn tag_len(mut self, tag_len: usize) -> Self {
        self.tag_len = Some(tag_len);
        self
    }

    /// The cookie's `Path` (default `/`).
    ///
    /// ```
    /// # use sigcookie::{ConfigError, Key, web::SessionCookie};
    /// let key = Key::from_bytes(&[7; 32])?;
    /// assert_eq!(SessionCookie::builder(&key, "s").path("admin").build().err(), Some(ConfigError::InvalidPath));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
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
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn domain(mut self, domain: &'a str) -> Self {
        self.domain = Some(domain);
        self
    }

    /// The cookie's `SameSite` (default `Lax`). `None` needs `Secure`.
    ///
    /// ```
    /// # use sigcookie::{Key, header::SameSite, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").same_site(SameSite::Strict).build()?;
    /// assert!(session.issue("7")?.to_string().contains("; SameSite=Strict"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
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
    /// # use sigcookie::{ConfigError, Key, web::SessionCookie};
    /// let key = Key::from_bytes(&[7; 32])?;
    /// let session = SessionCookie::builder(&key, "panel").insecure_plain_http().build()?;
    /// assert_eq!(session.issue("7")?.secure(), Some(false));
    /// let host = SessionCookie::builder(&key, "__Host-panel").insecure_plain_http().build();
    /// assert_eq!(host.err(), Some(ConfigError::RequiresSecure));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insecure_plain_http(mut self) -> Self {
        self.secure = false;
        self
    }

    /// Reads the time from `clock` instead of the system clock, for tests: any `Fn() -> u64`
    /// of unix seconds (see [`Clock`]).
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").clock(|| 1_764_000_005).build()?;
    /// assert_eq!(session.now()?.unix_timestamp(), 1_764_000_005);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Keeps revocation cut-offs in `store` instead of this process's memory: a
    /// [`FileStore`](crate::store::FileStore) on a device, a `RedisStore` for several instances
    /// (see [`crate::store`]). Share one store between cookies with an `Arc`.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use sigcookie::{Key, Revocations, store::{CutoffStore, MemoryStore}, web::SessionCookie};
    /// let store = Arc::new(MemoryStore::new());
    /// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").store(store.clone()).build()?;
    /// session.log_out_user("42")?;
    /// assert!(store.cutoffs("42").not_before().is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn store(mut self, store: Arc<dyn CutoffStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Checks the configuration and builds the session cookie.
    ///
    /// # Errors
    /// [`ConfigError::InvalidName`], [`ConfigError::InvalidPath`], [`ConfigError::InvalidDomain`],
    /// the prefix rules ([`ConfigError::HostPrefixDomain`], [`ConfigError::HostPrefixPath`],
    /// [`ConfigError::RequiresSecure`]), [`ConfigError::InvalidDuration`] (a leeway, maximum age,
    /// lifetime or cookie `Max-Age` under one second),
    /// [`ConfigError::LifetimeShorterThanMaxAge`], or the signer's ([`ConfigError::TagLength`],
    /// [`ConfigError::EmptyPurpose`]).
    ///
    /// ```
    /// # use sigcookie::{ConfigError, Key, web::{Duration, SessionCookie}};
    /// let key = Key::from_bytes(&[7; 32])?;
    /// assert_eq!(SessionCookie::builder(&key, "a b").build().err(), Some(ConfigError::InvalidName { position: 1 }));
    /// assert_eq!(SessionCookie::builder(&key, "__Host-s").path("/x").build().err(), Some(ConfigError::HostPrefixPath));
    /// assert_eq!(SessionCookie::builder(&key, "s").max_age(Duration::ZERO).build().err(), Some(ConfigError::InvalidDuration));
    /// assert_eq!(
    ///     SessionCookie::builder(&key, "s").cookie_max_age(Some(Duration::ZERO)).build().err(),
    ///     Some(ConfigError::InvalidDuration)
    /// );
    /// assert_eq!(
    ///     SessionCookie::builder(&key, "s").leeway(Duration::milliseconds(999)).build().err(),
    ///     Some(ConfigError::InvalidDuration)
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build(self) -> Result<SessionCookie, ConfigError> {
        // The core's rules, the one implementation of them.
        let mut spec = CookieSpec::new(self.name)?
            .with_path(self.path)?
            .with_same_site(self.same_site)?;
        if let Some(domain) = self.domain {
            spec = spec.with_domain(domain)?;
        }
        if !self.secure {
            spec = spec.insecure_plain_http()?;
        }
        let domain = spec.domain().map(str::to_owned);
        let signer = self
            .key
            .scheme(self.purpose.unwrap_or(self.name), self.tag_len)?;
        let max_age = at_least_a_second(self.max_age)?;
        let lifetime = match self.lifetime {
            Some(lifetime) => at_least_a_second(lifetime)?,
            None => duration_secs(SessionCookie::DEFAULT_LIFETIME)?.max(max_age),
        };
        if lifetime < max_age {
            return Err(ConfigError::LifetimeShorterThanMaxAge);
        }
        // A time before 1970 is no limit at all.
        let earliest = u64::try_from(self.earliest.unix_timestamp()).unwrap_or(0);
        let mut signer = SessionSigner::new(signer, max_age, lifetime).with_earliest_time(earliest);
        if let Some(leeway) = self.leeway {
            // At least a second: a login just after a revocation is stamped with the cut-off,
            // the next second, which a verifier with no leeway would refuse as in the future.
            signer = signer.with_leeway(at_least_a_second(leeway)?);
        }
        if let Some(Some(cookie_max_age)) = self.cookie_max_age {
            // `Max-Age` is sent in whole seconds, and 0 or less tells the browser to delete the
            // cookie at once: a login that never sticks.
            at_least_a_second(cookie_max_age)?;
        }
        Ok(SessionCookie::from_inner(Inner {
            name: self.name.to_owned(),
            signer,
            cookie_max_age: self.cookie_max_age,
            path: self.path.to_owned(),
            domain,
            same_site: self.same_site,
            secure: self.secure,
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            store: self.store.unwrap_or_else(|| Arc::new(MemoryStore::new())),
            stamped: AtomicU64::new(0),
        }))
    }
}

impl fmt::Debug for SessionCookieBuilder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCookieBuilder")
            .field("name", &self.name)
            .field("purpose", &self.purpose)
            .field("max_age", &self.max_age)
            .field("lifetime", &self.lifetime)
            .field("secure", &self.secure)
            .finish_non_exhaustive()
    }
}
