//! [`SessionSigner`]: a [`TimestampSigner`] whose values also carry the login time,
//! `id.auth.ts.sig`, so that a sliding session still ends: idle after `max_age` without a renewal,
//! and for good `lifetime` seconds after the login, however often it was renewed.

use core::fmt;

use crate::format::{Kind, Parts};
use crate::revocation::Revocations;
use crate::scheme::{Mint, Scheme};
use crate::signer::{SignedValue, Signer};
use crate::{Error, TimestampSigner, Verified};

/// Signs and verifies session values `id.auth.ts.sig`: `auth` is when the user logged in, `ts`
/// when this value was issued (the login, or the latest renewal).
///
/// Layered on [`TimestampSigner`] (over an HMAC [`Signer`], or with the `ed25519` feature an
/// `Ed25519Signer`, or an `Ed25519Verifier` that verifies only): the same keys, signature,
/// grammar and idle rule (`max_age` and
/// `leeway` judge `ts`), plus two rules of its own: the login may not be after `ts`, and a
/// session ends `lifetime` seconds after the login. Cut-offs judge the login time
/// ([`crate::revocation`]), so a renewal, which re-stamps only `ts`, never carries a session past
/// a revocation. Every method takes the cut-offs: a session is never verified, renewed or
/// started without them (pass [`Cutoffs::NONE`](crate::Cutoffs::NONE) where there are none).
///
/// Times are unix seconds passed in by the caller, so the signer needs no clock and no heap.
///
/// ```
/// use sigcookie::{Cutoffs, Error, Key, SessionSigner, Signer};
///
/// let key = Key::from_bytes(&[1; 32])?;
/// // Idle after 30 minutes, over 8 hours after the login.
/// let signer = SessionSigner::new(Signer::new(&key, "session")?, 1_800, 8 * 3_600);
/// let login = signer.login_at("12345", 1_000, &Cutoffs::NONE)?;
///
/// let session = signer.verify_at(&login, 2_000, &Cutoffs::NONE)?;
/// let renewed = signer.renew_at(&session, 2_000, &Cutoffs::NONE)?;
/// assert_eq!(signer.verify_at(&renewed, 3_700, &Cutoffs::NONE)?.logged_in_at(), 1_000);
/// assert_eq!(
///     signer.verify_at(&renewed, 3_801, &Cutoffs::NONE).err(),
///     Some(Error::Expired { issued_at: 2_000, max_age: 1_800 })
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SessionSigner<S = Signer> {
    timed: TimestampSigner<S>,
    lifetime: u64,
    /// Unix seconds before which the clock is not believed: no login or renewal then.
    earliest: u64,
}

/// The default, on the HMAC signer's type so that `SessionSigner::DEFAULT_EARLIEST_TIME` names it
/// without a type parameter; it is the same for every scheme.
impl SessionSigner {
    /// 2025-01-01T00:00:00Z: a clock that reads earlier has not been set. What the web
    /// layer's session cookies use unless told otherwise, and a sensible value for
    /// [`with_earliest_time`](Self::with_earliest_time) on a device.
    pub const DEFAULT_EARLIEST_TIME: u64 = 1_735_689_600;
}

impl<S: Scheme> SessionSigner<S> {
    /// A session signer over `signer`: values expire `max_age` seconds after they were issued
    /// (the idle timeout) and sessions `lifetime` seconds after the login (the absolute one).
    ///
    /// ```
    /// # use sigcookie::{Key, SessionSigner, Signer};
    /// let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// assert_eq!((signer.max_age(), signer.lifetime(), signer.leeway()), (600, 3_600, 60));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(signer: S, max_age: u64, lifetime: u64) -> SessionSigner<S> {
        SessionSigner {
            timed: TimestampSigner::new(signer, max_age),
            lifetime,
            earliest: 0,
        }
    }

    /// Refuses to log in or renew while the clock reads earlier than `earliest` (unix
    /// seconds), with [`Error::ClockNotSet`]. A device without a battery-backed clock boots in
    /// 1970 until NTP answers: a login stamped then would be past its lifetime at once, or,
    /// once the clock is set, a value signed under a later wrong time would look issued in the
    /// future. Verifying is unchanged. The default is 0, no limit: the core signs at the times
    /// it is given.
    ///
    /// ```
    /// use sigcookie::{Cutoffs, Error, Key, SessionSigner, Signer};
    ///
    /// let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600)
    ///     .with_earliest_time(SessionSigner::DEFAULT_EARLIEST_TIME);
    /// assert_eq!(
    ///     signer.login_at("7", 30, &Cutoffs::NONE).err(), // 30 s after boot, in 1970
    ///     Some(Error::ClockNotSet { now: 30, earliest: SessionSigner::DEFAULT_EARLIEST_TIME })
    /// );
    /// assert!(signer.login_at("7", 1_764_000_000, &Cutoffs::NONE).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_earliest_time(self, earliest: u64) -> SessionSigner<S> {
        SessionSigner { earliest, ..self }
    }

    /// The earliest time the clock is believed at, in unix seconds (0 for none).
    ///
    /// ```
    /// # use sigcookie::{Key, SessionSigner, Signer};
    /// let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// assert_eq!(signer.earliest_time(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn earliest_time(&self) -> u64 {
        self.earliest
    }

    /// The one check of the clock before signing: refused while it reads before `earliest`.
    fn check_clock(&self, now: u64) -> Result<(), Error> {
        if now < self.earliest {
            return Err(Error::ClockNotSet {
                now,
                earliest: self.earliest,
            });
        }
        Ok(())
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
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_leeway(self, leeway: u64) -> SessionSigner<S> {
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
    /// # Ok::<(), Box<dyn std::error::Error>>(())
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
    /// # Ok::<(), Box<dyn std::error::Error>>(())
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
    /// # Ok::<(), Box<dyn std::error::Error>>(())
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
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn signer(&self) -> &S {
        self.timed.signer()
    }

    /// Longest value this signer produces, and so the longest it reads.
    ///
    /// ```
    /// # use sigcookie::{Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// assert_eq!(signer.max_value_len(), 255 + 1 + 20 + 1 + 20 + 1 + 64);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_value_len(&self) -> usize {
        self.signer().shape(Kind::Session).max_len()
    }

    /// When a session logged in at `logged_in_at` whose value was issued at `issued_at` ends
    /// unless renewed: at its idle limit or at the end of its lifetime, whichever comes first
    /// (unix seconds, saturating).
    ///
    /// ```
    /// # use sigcookie::{Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// assert_eq!(signer.expires_at(1_000, 1_000), 1_600); // idle first
    /// assert_eq!(signer.expires_at(1_000, 4_200), 4_600); // then the lifetime
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expires_at(&self, logged_in_at: u64, issued_at: u64) -> u64 {
        let idle = issued_at.saturating_add(self.max_age());
        idle.min(logged_in_at.saturating_add(self.lifetime))
    }

    /// Verifies an `id.auth.ts.sig` value at `now` (unix seconds) against the cut-offs of
    /// `revocations`. Allocates nothing; the id is borrowed from `value`.
    ///
    /// Checks, in order: the length cap, the grammar, the MAC, then time: `ts` by the idle rule
    /// ([`Error::Expired`], [`Error::IssuedInFuture`]), a login after `ts`
    /// ([`Error::AuthAfterIssue`]), a login more than `lifetime` ago
    /// ([`Error::LifetimeExceeded`]), and last the cut-offs ([`Error::LoggedInBeforeNotBefore`],
    /// [`Error::CutoffUnreadable`]). Over Ed25519 the time rules come before the signature,
    /// which costs a thousand times more; the cut-offs still come last.
    ///
    /// # Errors
    /// The parse errors of the wire format, [`Error::BadSignature`], then the errors above.
    ///
    /// ```
    /// # use sigcookie::{Cutoffs, Error, Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// let login = signer.login_at("7", 1_000, &Cutoffs::NONE)?;
    /// assert_eq!(signer.verify_at(&login, 1_600, &Cutoffs::NONE)?.id(), "7");
    /// assert_eq!(
    ///     signer.verify_at(&login, 1_601, &Cutoffs::NONE).err(),
    ///     Some(Error::Expired { issued_at: 1_000, max_age: 600 })
    /// );
    /// // Renewed at 1_500, but the session began at 1_000: a cut-off at 1_200 ends it.
    /// let renewed = signer.renew_at(&signer.verify_at(&login, 1_500, &Cutoffs::NONE)?, 1_500, &Cutoffs::NONE)?;
    /// assert_eq!(
    ///     signer.verify_at(&renewed, 1_500, &Cutoffs::at(1_200)).err(),
    ///     Some(Error::LoggedInBeforeNotBefore { logged_in_at: 1_000, not_before: 1_200 })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_at<'v>(
        &self,
        value: &'v str,
        now: u64,
        revocations: &(impl Revocations + ?Sized),
    ) -> Result<Verified<'v>, Error> {
        // The shape is a session's, so the parser always sets both times.
        let times = |parts: &Parts<'_>| {
            (
                parts.logged_in_at().unwrap_or_default(),
                parts.issued_at().unwrap_or_default(),
            )
        };
        let (parts, key) = self.signer().verify_parts(value, Kind::Session, |parts| {
            let (logged_in_at, issued_at) = times(parts);
            self.check_times(logged_in_at, issued_at, now)
        })?;
        let (logged_in_at, issued_at) = times(&parts);
        Verified::session(
            parts.id(),
            (logged_in_at, issued_at),
            self.signer().fingerprint(),
            key,
        )
        .check_revocation(revocations)
    }

    /// The time rules of a session, in the order verify reports them; renewal checks them again.
    fn check_times(&self, logged_in_at: u64, issued_at: u64, now: u64) -> Result<(), Error> {
        self.timed.check_issued(issued_at, now)?;
        if logged_in_at > issued_at {
            return Err(Error::AuthAfterIssue {
                logged_in_at,
                issued_at,
            });
        }
        // The login is no later than `issued_at`, which is at most the leeway ahead: a login
        // "in the future" counts as zero seconds ago.
        if now.saturating_sub(logged_in_at) > self.lifetime {
            return Err(Error::LifetimeExceeded {
                logged_in_at,
                lifetime: self.lifetime,
            });
        }
        Ok(())
    }
}

/// Logins and renewals, for the schemes that hold a secret (not an `Ed25519Verifier`).
impl<S: Mint> SessionSigner<S> {
    /// The value for a login of `id` at `now` (unix seconds), on the stack: its login and issue
    /// time are both `now`, or a fresh cut-off for this id within the leeway ahead
    /// ([`Cutoffs::login_time`](crate::Cutoffs::login_time)), so that a login right after a
    /// "log out everywhere" is not born revoked.
    ///
    /// # Errors
    /// The id errors ([`Error::EmptyId`], [`Error::IdTooLong`], [`Error::InvalidIdByte`]), or the
    /// cut-off errors of [`Cutoffs::login_time`](crate::Cutoffs::login_time).
    ///
    /// ```
    /// use sigcookie::{Cutoffs, Key, SessionSigner, Signer};
    ///
    /// let key = Key::from_bytes(&(0u8..32).collect::<Vec<_>>())?;
    /// let signer = SessionSigner::new(Signer::new(&key, "session")?, 3_600, 86_400);
    /// assert!(signer.login_at("12345", 1_764_000_000, &Cutoffs::NONE)?.starts_with("12345.1764000000.1764000000."));
    /// // "Log out everywhere" at second 1_000 refuses all of it: the cut-off is 1_001.
    /// let login = signer.login_at("7", 1_000, &Cutoffs::at(1_001))?;
    /// assert!(login.starts_with("7.1001.1001."));
    /// assert!(signer.verify_at(&login, 1_000, &Cutoffs::at(1_001)).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn login_at(
        &self,
        id: &str,
        now: u64,
        revocations: &(impl Revocations + ?Sized),
    ) -> Result<SignedValue, Error> {
        self.check_clock(now)?;
        let logged_in_at = crate::revocation::login_time(revocations, id, now, self.leeway())?;
        self.sign(id, logged_in_at, logged_in_at)
    }

    /// A renewed value for a verified session at `now`: the same id and login time, issued at
    /// `now`.
    ///
    /// Every rule is checked again at `now`, not when `session` was verified: the idle limit,
    /// the lifetime and every cut-off that exists now. So a handler that verified a value before
    /// a "log out everywhere" and renews it after gets an error, not a fresh value, and no
    /// renewal carries a session past its lifetime.
    ///
    /// `session` must be a session this signer's [`verify_at`](Self::verify_at) returned (the
    /// same current key and purpose): a value another signer verified, say an email-login
    /// token's, is refused, or renewing would turn it into a session of this one.
    ///
    /// # Errors
    /// [`Error::BadSignature`] for a value verified by another signer, [`Error::Expired`],
    /// [`Error::IssuedInFuture`], [`Error::LifetimeExceeded`],
    /// [`Error::LoggedInBeforeNotBefore`] or [`Error::CutoffUnreadable`].
    ///
    /// ```
    /// # use sigcookie::{Cutoffs, Error, Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// let value = signer.login_at("7", 1_000, &Cutoffs::NONE)?;
    /// let session = signer.verify_at(&value, 1_500, &Cutoffs::NONE)?;
    /// assert!(signer.renew_at(&session, 1_500, &Cutoffs::NONE)?.starts_with("7.1000.1500."));
    /// assert_eq!(
    ///     signer.renew_at(&session, 1_501, &Cutoffs::at(1_501)).err(),
    ///     Some(Error::LoggedInBeforeNotBefore { logged_in_at: 1_000, not_before: 1_501 })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn renew_at(
        &self,
        session: &Verified<'_>,
        now: u64,
        revocations: &(impl Revocations + ?Sized),
    ) -> Result<SignedValue, Error> {
        if !session.is_session() || session.signer() != self.signer().fingerprint() {
            return Err(Error::BadSignature);
        }
        self.check_clock(now)?;
        let (logged_in_at, issued_at) = (session.logged_in_at(), session.issued_at());
        self.check_times(logged_in_at, issued_at, now)?;
        let session = session.check_revocation(revocations)?;
        // A login stamped with a cut-off just ahead of the clock was logged in after `now`;
        // `ts` may not be earlier than the login.
        self.sign(session.id(), logged_in_at, now.max(logged_in_at))
    }

    /// Signs a session value; every caller has checked the times by the rules first.
    fn sign(&self, id: &str, logged_in_at: u64, issued_at: u64) -> Result<SignedValue, Error> {
        SignedValue::write_with(|buf| {
            self.signer()
                .sign_parts(id, &[logged_in_at, issued_at], buf)
        })
    }
}

impl<S: Scheme> fmt::Debug for SessionSigner<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionSigner")
            .field("signer", self.signer())
            .field("max_age", &self.max_age())
            .field("lifetime", &self.lifetime)
            .field("leeway", &self.leeway())
            .field("earliest", &self.earliest)
            .finish()
    }
}
