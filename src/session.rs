//! [`SessionSigner`]: a [`TimestampSigner`] whose values also carry the login time,
//! `id.auth.ts.sig`, so that a sliding session still ends: idle after `max_age` without a renewal,
//! and for good `lifetime` seconds after the login, however often it was renewed.

use core::fmt;

use crate::format::Kind;
use crate::revocation::Revocations;
use crate::signer::{SignedValue, Signer};
use crate::{Error, TimestampSigner};

/// Signs and verifies session values `id.auth.ts.sig`: `auth` is when the user logged in, `ts`
/// when this value was issued (the login, or the latest renewal).
///
/// Layered on [`TimestampSigner`]: the same keys, MAC, grammar and idle rule (`max_age` and
/// `leeway` judge `ts`), plus two rules of its own: `auth` may not be after `ts`, and a session
/// ends `lifetime` seconds after `auth`. Cut-offs judge `auth` ([`crate::revocation`]), so a
/// renewal, which re-stamps only `ts`, never carries a session past a revocation.
///
/// ```
/// use sigcookie::{Cutoffs, Error, Key, SessionSigner, Signer};
///
/// let key = Key::from_bytes(&[1; 32])?;
/// // Idle after 30 minutes, over 8 hours after the login.
/// let signer = SessionSigner::new(Signer::new(&key, "session")?, 1_800, 8 * 3_600);
/// let login = signer.login_value_at("12345", 1_000, &Cutoffs::NONE)?;
///
/// let session = signer.verify_at(&login, 2_000)?;
/// let renewed = signer.renew_value_at(&session, 2_000, &Cutoffs::NONE)?;
/// assert_eq!(signer.verify_at(&renewed, 3_700)?.auth(), 1_000); // idle limit moved on
/// assert_eq!(
///     signer.verify_at(&renewed, 3_801).err(),
///     Some(Error::Expired { issued_at: 2_000, max_age: 1_800 })
/// );
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone)]
pub struct SessionSigner {
    timed: TimestampSigner,
    lifetime: u64,
}

impl SessionSigner {
    /// A session signer over `signer`: values expire `max_age` seconds after they were issued
    /// (the idle timeout) and sessions `lifetime` seconds after the login (the absolute one).
    ///
    /// ```
    /// # use sigcookie::{Key, SessionSigner, Signer};
    /// let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// assert_eq!((signer.max_age(), signer.lifetime(), signer.leeway()), (600, 3_600, 60));
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn new(signer: Signer, max_age: u64, lifetime: u64) -> SessionSigner {
        SessionSigner {
            timed: TimestampSigner::new(signer, max_age),
            lifetime,
        }
    }

    /// Sets the tolerated clock skew in seconds; see [`TimestampSigner::with_leeway`].
    ///
    /// Keep it at least 1: a login right after a revocation is stamped with the cut-off, the
    /// next second ([`Cutoffs::login_time`](crate::Cutoffs::login_time)), and with no leeway it
    /// is refused until the clock reaches that second.
    ///
    /// ```
    /// # use sigcookie::{Key, SessionSigner, Signer};
    /// let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// assert_eq!(signer.with_leeway(5).leeway(), 5);
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    #[must_use]
    pub fn with_leeway(self, leeway: u64) -> SessionSigner {
        SessionSigner {
            timed: self.timed.with_leeway(leeway),
            ..self
        }
    }

    /// The idle timeout: how long a value is valid after it was issued, in seconds.
    ///
    /// ```
    /// # use sigcookie::{Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// assert_eq!(signer.max_age(), 600);
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn max_age(&self) -> u64 {
        self.timed.max_age()
    }

    /// The absolute lifetime of a session after the login, in seconds.
    ///
    /// ```
    /// # use sigcookie::{Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// assert_eq!(signer.lifetime(), 3_600);
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn lifetime(&self) -> u64 {
        self.lifetime
    }

    /// Tolerated clock skew, in seconds.
    ///
    /// ```
    /// # use sigcookie::{Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// assert_eq!(signer.leeway(), 60);
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn leeway(&self) -> u64 {
        self.timed.leeway()
    }

    /// The underlying signer.
    ///
    /// ```
    /// # use sigcookie::{Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// assert_eq!(signer.signer().tag_len(), 32);
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn signer(&self) -> &Signer {
        self.timed.signer()
    }

    /// Longest value this signer produces, and so the longest it reads.
    ///
    /// ```
    /// # use sigcookie::{Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// assert_eq!(signer.max_value_len(), 255 + 1 + 20 + 1 + 20 + 1 + 64);
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn max_value_len(&self) -> usize {
        self.signer().shape(Kind::Session).max_len()
    }

    /// When a session logged in at `auth` whose value was issued at `issued_at` ends unless
    /// renewed: at its idle limit or at the end of its lifetime, whichever comes first (unix
    /// seconds, saturating).
    ///
    /// ```
    /// # use sigcookie::{Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// assert_eq!(signer.expires_at(1_000, 1_000), 1_600); // idle first
    /// assert_eq!(signer.expires_at(1_000, 4_200), 4_600); // then the lifetime
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn expires_at(&self, auth: u64, issued_at: u64) -> u64 {
        let idle = issued_at.saturating_add(self.max_age());
        idle.min(auth.saturating_add(self.lifetime))
    }

    /// Signs a session value for `id` logged in at `auth` and issued at `ts` (unix seconds) into
    /// a new `String`. For a login, prefer [`login_value_at`](Self::login_value_at), which
    /// stamps a time that no cut-off already refuses.
    ///
    /// # Errors
    /// The id errors ([`Error::EmptyId`], ...), or [`Error::AuthAfterIssue`] when `auth > ts`.
    ///
    /// ```
    /// use sigcookie::{Key, SessionSigner, Signer};
    ///
    /// let key = Key::from_bytes(&(0u8..32).collect::<Vec<_>>())?;
    /// let signer = SessionSigner::new(Signer::new(&key, "session")?, 3_600, 86_400);
    /// assert_eq!(
    ///     signer.sign_at("12345", 1764000000, 1764003600)?,
    ///     "12345.1764000000.1764003600.\
    ///      5ac44e3ba810958131ea64f38fe75147b87cda201e8b17e4bfc05ca4da9921d1"
    /// );
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    #[cfg(feature = "alloc")]
    pub fn sign_at(&self, id: &str, auth: u64, ts: u64) -> Result<alloc::string::String, Error> {
        self.sign_value_at(id, auth, ts)
            .map(|v| alloc::string::String::from(v.as_str()))
    }

    /// As [`sign_at`](Self::sign_at) into a [`SignedValue`] on the stack: no allocation.
    ///
    /// # Errors
    /// As [`SessionSigner::sign_at`].
    ///
    /// ```
    /// # use sigcookie::{Error, Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// assert!(signer.sign_value_at("7", 1_000, 1_060)?.starts_with("7.1000.1060."));
    /// assert_eq!(
    ///     signer.sign_value_at("7", 1_061, 1_060).err(),
    ///     Some(Error::AuthAfterIssue { auth: 1_061, issued_at: 1_060 })
    /// );
    /// # Ok::<(), Error>(())
    /// ```
    pub fn sign_value_at(&self, id: &str, auth: u64, ts: u64) -> Result<SignedValue, Error> {
        SignedValue::write_with(|buf| self.sign_parts(id, auth, ts, buf))
    }

    /// As [`sign_at`](Self::sign_at) into the start of `buf`: no allocation.
    ///
    /// # Errors
    /// [`Error::BufferTooSmall`], or as [`SessionSigner::sign_at`].
    ///
    /// ```
    /// # use sigcookie::{Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// let mut buf = [0u8; 100];
    /// assert_eq!(signer.sign_into_at("7", 1_000, 1_000, &mut buf)?.len(), 1 + 5 + 5 + 1 + 64);
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn sign_into_at<'b>(
        &self,
        id: &str,
        auth: u64,
        ts: u64,
        buf: &'b mut [u8],
    ) -> Result<&'b str, Error> {
        let len = self.sign_parts(id, auth, ts, buf)?;
        Ok(crate::signer::ascii_str(&buf[..len]))
    }

    fn sign_parts(&self, id: &str, auth: u64, ts: u64, buf: &mut [u8]) -> Result<usize, Error> {
        if auth > ts {
            return Err(Error::AuthAfterIssue {
                auth,
                issued_at: ts,
            });
        }
        self.signer().sign_parts(id, &[auth, ts], buf)
    }

    /// The value for a login of `id` at `now`: `auth` and `ts` are both the login time, which is
    /// `now` unless a fresh cut-off for this id lies within the leeway ahead
    /// ([`Cutoffs::login_time`](crate::Cutoffs::login_time)).
    ///
    /// # Errors
    /// The id errors, or the cut-off errors of [`Cutoffs::login_time`](crate::Cutoffs::login_time).
    ///
    /// ```
    /// # use sigcookie::{Cutoffs, Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// // "Log out everywhere" at second 1_000 refuses all of it: the cut-off is 1_001.
    /// let login = signer.login_value_at("7", 1_000, &Cutoffs::at(1_001))?;
    /// assert!(login.starts_with("7.1001.1001."));
    /// assert!(signer.verify_at(&login, 1_000)?.check_revocation(&Cutoffs::at(1_001)).is_ok());
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn login_value_at(
        &self,
        id: &str,
        now: u64,
        revocations: &(impl Revocations + ?Sized),
    ) -> Result<SignedValue, Error> {
        let auth = revocations.cutoffs(id).login_time(now, self.leeway())?;
        self.sign_value_at(id, auth, auth)
    }

    /// A renewed value for a verified session at `now`: the same `id` and `auth`, a new `ts`.
    ///
    /// Every rule is checked again at `now`, not when `session` was verified: the idle limit,
    /// the lifetime and every cut-off that exists now. So a handler that verified a value before
    /// a "log out everywhere" and renews it after gets an error, not a fresh value, and no
    /// renewal carries a session past `auth + lifetime`.
    ///
    /// `session` must come from this signer's [`verify_at`](Self::verify_at) (the same current
    /// key and purpose): a session another signer verified, say an email-login token's, is
    /// refused, or renewing would turn it into a value of this one.
    ///
    /// # Errors
    /// [`Error::BadSignature`] for a session verified by another signer, [`Error::Expired`],
    /// [`Error::IssuedInFuture`], [`Error::LifetimeExceeded`],
    /// [`Error::LoggedInBeforeNotBefore`] or [`Error::CutoffUnreadable`].
    ///
    /// ```
    /// # use sigcookie::{Cutoffs, Error, Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// let value = signer.sign_at("7", 1_000, 1_000)?;
    /// let session = signer.verify_at(&value, 1_500)?;
    /// assert!(signer.renew_value_at(&session, 1_500, &Cutoffs::NONE).is_ok());
    /// assert_eq!(
    ///     signer.renew_value_at(&session, 1_501, &Cutoffs::at(1_501)).err(),
    ///     Some(Error::LoggedInBeforeNotBefore { auth: 1_000, not_before: 1_501 })
    /// );
    /// # Ok::<(), Error>(())
    /// ```
    pub fn renew_value_at(
        &self,
        session: &VerifiedSession<'_>,
        now: u64,
        revocations: &(impl Revocations + ?Sized),
    ) -> Result<SignedValue, Error> {
        if session.signer != self.signer().fingerprint() {
            return Err(Error::BadSignature);
        }
        self.check_times(session.auth, session.issued_at, now)?;
        let session = session.check_revocation(revocations)?;
        // A login stamped with a cut-off just ahead of the clock has `auth > now`; `ts` may not
        // be earlier than `auth`.
        self.sign_value_at(session.id, session.auth, now.max(session.auth))
    }

    /// Verifies an `id.auth.ts.sig` value at `now` (unix seconds). Allocates nothing.
    ///
    /// Checks, in order: the length cap, the grammar, the MAC, then time: `ts` by the idle rule
    /// ([`Error::Expired`], [`Error::IssuedInFuture`]), then `auth > ts` is
    /// [`Error::AuthAfterIssue`] and a login more than `lifetime` ago is
    /// [`Error::LifetimeExceeded`]. Cut-offs are checked by
    /// [`VerifiedSession::check_revocation`].
    ///
    /// # Errors
    /// The parse errors of the wire format, [`Error::BadSignature`], then the time errors above.
    ///
    /// ```
    /// # use sigcookie::{Error, Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// let value = signer.sign_at("7", 1_000, 4_000)?;
    /// assert_eq!(signer.verify_at(&value, 4_600)?.id(), "7");
    /// assert_eq!(
    ///     signer.verify_at(&value, 4_601).err(),
    ///     Some(Error::Expired { issued_at: 4_000, max_age: 600 })
    /// );
    /// let value = signer.sign_at("7", 1_000, 4_500)?;
    /// assert_eq!(
    ///     signer.verify_at(&value, 4_601).err(),
    ///     Some(Error::LifetimeExceeded { auth: 1_000, lifetime: 3_600 })
    /// );
    /// # Ok::<(), Error>(())
    /// ```
    pub fn verify_at<'v>(&self, value: &'v str, now: u64) -> Result<VerifiedSession<'v>, Error> {
        let parts = self.signer().verify_parts(value, Kind::Session)?;
        // The shape was a session's, so the parser always set both times.
        let (auth, issued_at) = (
            parts.auth().unwrap_or_default(),
            parts.issued_at().unwrap_or_default(),
        );
        self.check_times(auth, issued_at, now)?;
        Ok(VerifiedSession {
            id: parts.id(),
            auth,
            issued_at,
            signer: self.signer().fingerprint(),
        })
    }

    /// The time rules of a session, in the order verify reports them; renewal checks them again.
    fn check_times(&self, auth: u64, issued_at: u64, now: u64) -> Result<(), Error> {
        self.timed.check_issued(issued_at, now)?;
        if auth > issued_at {
            return Err(Error::AuthAfterIssue { auth, issued_at });
        }
        // `auth <= issued_at`, and `issued_at` is at most the leeway ahead: a login "in the
        // future" counts as zero seconds ago.
        if now.saturating_sub(auth) > self.lifetime {
            return Err(Error::LifetimeExceeded {
                auth,
                lifetime: self.lifetime,
            });
        }
        Ok(())
    }

    /// Signs a login of `id` now, by the system clock, with no cut-offs; see
    /// [`login_value_at`](Self::login_value_at).
    ///
    /// # Errors
    /// As [`SessionSigner::sign_at`], or [`Error::ClockBeforeEpoch`].
    ///
    /// ```
    /// # use sigcookie::{Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// let value = signer.sign("12345")?;
    /// assert_eq!(signer.verify(&value)?.id(), "12345");
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn sign(&self, id: &str) -> Result<alloc::string::String, Error> {
        let now = crate::unix_now()?;
        self.sign_at(id, now, now)
    }

    /// Verifies a value against the system clock; see [`SessionSigner::verify_at`].
    ///
    /// # Errors
    /// As [`SessionSigner::verify_at`], or [`Error::ClockBeforeEpoch`].
    ///
    /// ```
    /// # use sigcookie::{Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// assert!(signer.verify("7.1.2.00").is_err());
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn verify<'v>(&self, value: &'v str) -> Result<VerifiedSession<'v>, Error> {
        self.verify_at(value, crate::unix_now()?)
    }
}

impl fmt::Debug for SessionSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionSigner")
            .field("signer", self.signer())
            .field("max_age", &self.max_age())
            .field("lifetime", &self.lifetime)
            .field("leeway", &self.leeway())
            .finish()
    }
}

/// A verified session value: its id, borrowed from the value, its login time and its issue time.
///
/// ```
/// # use sigcookie::{Key, SessionSigner, Signer};
/// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
/// let value = signer.sign_at("7", 1_000, 1_200)?;
/// let session = signer.verify_at(&value, 1_300)?;
/// assert_eq!((session.id(), session.auth(), session.issued_at()), ("7", 1_000, 1_200));
/// # Ok::<(), sigcookie::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VerifiedSession<'v> {
    id: &'v str,
    auth: u64,
    issued_at: u64,
    /// The fingerprint of the signer that verified it: only that signer renews it.
    signer: u64,
}

/// Leaves out the signer's fingerprint: derived from its key, it has no place in logs.
impl fmt::Debug for VerifiedSession<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedSession")
            .field("id", &self.id)
            .field("auth", &self.auth)
            .field("issued_at", &self.issued_at)
            .finish_non_exhaustive()
    }
}

impl<'v> VerifiedSession<'v> {
    /// For layers that keep a verified session past its value (the framework integrations): the parts
    /// must come from a value that [`SessionSigner::verify_at`] accepted, with the signer's
    /// fingerprint it recorded ([`VerifiedSession::signer`]).
    #[cfg(feature = "cookie")]
    pub(crate) fn from_verified(id: &'v str, auth: u64, issued_at: u64, signer: u64) -> Self {
        VerifiedSession {
            id,
            auth,
            issued_at,
            signer,
        }
    }

    /// The fingerprint of the signer that verified this session.
    #[cfg(feature = "cookie")]
    pub(crate) fn signer(&self) -> u64 {
        self.signer
    }

    /// The verified id.
    ///
    /// ```
    /// # use sigcookie::{Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// assert_eq!(signer.verify_at(&signer.sign_at("7", 1, 1)?, 1)?.id(), "7");
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn id(&self) -> &'v str {
        self.id
    }

    /// When the user logged in, in unix seconds; unchanged by renewals.
    ///
    /// ```
    /// # use sigcookie::{Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// assert_eq!(signer.verify_at(&signer.sign_at("7", 1, 2)?, 2)?.auth(), 1);
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn auth(&self) -> u64 {
        self.auth
    }

    /// When this value was issued (the login or the latest renewal), in unix seconds.
    ///
    /// ```
    /// # use sigcookie::{Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// assert_eq!(signer.verify_at(&signer.sign_at("7", 1, 2)?, 2)?.issued_at(), 2);
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn issued_at(&self) -> u64 {
        self.issued_at
    }

    /// Rejects the session if it began before a cut-off that applies to its id: the login
    /// time is compared, not the issue time (see [`crate::revocation`]).
    ///
    /// # Errors
    /// [`Error::LoggedInBeforeNotBefore`], or [`Error::CutoffUnreadable`].
    ///
    /// ```
    /// # use sigcookie::{Cutoffs, Error, Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// let value = signer.sign_at("7", 1_000, 1_500)?;
    /// let session = signer.verify_at(&value, 1_500)?;
    /// // Renewed at 1_500, but the session began at 1_000: a cut-off at 1_200 ends it.
    /// assert_eq!(
    ///     session.check_revocation(&Cutoffs::at(1_200)),
    ///     Err(Error::LoggedInBeforeNotBefore { auth: 1_000, not_before: 1_200 })
    /// );
    /// # Ok::<(), Error>(())
    /// ```
    pub fn check_revocation(
        self,
        revocations: &(impl Revocations + ?Sized),
    ) -> Result<VerifiedSession<'v>, Error> {
        revocations.cutoffs(self.id).check(self.auth, true)?;
        Ok(self)
    }
}
