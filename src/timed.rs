//! [`TimestampSigner`]: a [`Signer`] whose values carry their issue time, `id.ts.sig`.

use core::fmt;

use crate::Error;
use crate::format::Kind;
use crate::revocation::Revocations;
use crate::scheme::{Mint, Scheme};
use crate::signer::{SignedValue, Signer};

/// Signs ids into `id.ts.sig` values stamped with their issue time, and verifies them with an
/// age limit and a clock-skew leeway; cut-offs are checked with
/// [`Verified::check_revocation`].
///
/// It is layered on [`Signer`]: same keys, same MAC, same grammar with one more part. A
/// timestamped signer rejects untimed values and an untimed signer rejects timestamped ones.
/// With the `ed25519` feature it is layered on an `Ed25519Signer` the same way, or on an
/// `Ed25519Verifier`, over which it only verifies: the time rules are these, whatever signs.
///
/// Times are unix seconds passed in by the caller (`*_at` methods), so the core needs no clock;
/// with the `std` feature, [`sign`](TimestampSigner::sign) and
/// [`verify`](TimestampSigner::verify) read the system clock.
///
/// ```
/// use sigcookie::{Error, Key, Signer, TimestampSigner};
///
/// let signer = TimestampSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "session")?, 3600);
/// let value = signer.sign_at("12345", 1_764_000_000)?;
/// let verified = signer.verify_at(&value, 1_764_000_100)?;
/// assert_eq!((verified.id(), verified.issued_at()), ("12345", 1_764_000_000));
/// assert_eq!(
///     signer.verify_at(&value, 1_764_003_601).err(),
///     Some(Error::Expired { issued_at: 1_764_000_000, max_age: 3600 })
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct TimestampSigner<S = Signer> {
    signer: S,
    max_age: u64,
    leeway: u64,
}

/// The defaults, on the HMAC signer's type so that `TimestampSigner::DEFAULT_LEEWAY` names them
/// without a type parameter; they are the same for every scheme.
impl TimestampSigner {
    /// Clock skew tolerated by default, in seconds: a value may claim to be issued this far ahead
    /// of the verifier's clock (servers behind a load balancer rarely agree to the second).
    ///
    /// ```
    /// # use sigcookie::{Key, Signer, TimestampSigner};
    /// let signer = TimestampSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600);
    /// assert_eq!(signer.leeway(), TimestampSigner::DEFAULT_LEEWAY);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const DEFAULT_LEEWAY: u64 = 60;
}

impl<S: Scheme> TimestampSigner<S> {
    /// A timestamped signer over `signer` whose values are valid for `max_age` seconds.
    ///
    /// ```
    /// # use sigcookie::{Key, Signer, TimestampSigner};
    /// let signer = TimestampSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600);
    /// assert_eq!((signer.max_age(), signer.leeway()), (600, 60));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(signer: S, max_age: u64) -> TimestampSigner<S> {
        TimestampSigner {
            signer,
            max_age,
            leeway: TimestampSigner::DEFAULT_LEEWAY,
        }
    }

    /// Sets how far in the future, in seconds, an issue time may be (default 60).
    ///
    /// ```
    /// # use sigcookie::{Key, Signer, TimestampSigner, Error};
    /// let signer = TimestampSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600).with_leeway(0);
    /// let value = signer.sign_at("7", 1_000)?;
    /// assert_eq!(signer.verify_at(&value, 999).err(), Some(Error::IssuedInFuture { issued_at: 1_000, now: 999 }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_leeway(mut self, leeway: u64) -> TimestampSigner<S> {
        self.leeway = leeway;
        self
    }

    /// Maximum age of a value, in seconds.
    ///
    /// ```
    /// # use sigcookie::{Key, Signer, TimestampSigner};
    /// # let signer = TimestampSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600);
    /// assert_eq!(signer.max_age(), 600);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_age(&self) -> u64 {
        self.max_age
    }

    /// Tolerated clock skew, in seconds.
    ///
    /// ```
    /// # use sigcookie::{Key, Signer, TimestampSigner};
    /// # let signer = TimestampSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600);
    /// assert_eq!(signer.with_leeway(5).leeway(), 5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn leeway(&self) -> u64 {
        self.leeway
    }

    /// The underlying signer.
    ///
    /// ```
    /// # use sigcookie::{Key, Signer, TimestampSigner};
    /// # let signer = TimestampSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600);
    /// assert_eq!(signer.signer().tag_len(), 32);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn signer(&self) -> &S {
        &self.signer
    }

    /// Longest value this signer produces, and so the longest it reads.
    ///
    /// ```
    /// # use sigcookie::{Key, Signer, TimestampSigner};
    /// # let signer = TimestampSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600);
    /// assert_eq!(signer.max_value_len(), 255 + 1 + 20 + 1 + 64);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_value_len(&self) -> usize {
        self.signer.shape(Kind::Timestamped).max_len()
    }

    /// Verifies an `id.ts.sig` value against the clock reading `now` (unix seconds). Allocates
    /// nothing; the id is borrowed from `value`.
    ///
    /// Checks, in order: the length cap, the grammar, the MAC, then time: older than the maximum
    /// age is [`Error::Expired`], and issued more than the leeway ahead of `now` is
    /// [`Error::IssuedInFuture`]. Time arithmetic cannot overflow. Cut-offs are checked by
    /// [`Verified::check_revocation`]. Over Ed25519 the time comes before the signature, which
    /// costs a thousand times more (and an Ed25519 value's key id is checked after the grammar,
    /// [`Error::KeyIdMalformed`], [`Error::UnknownKeyId`]).
    ///
    /// # Errors
    /// The parse errors of the wire format, [`Error::BadSignature`], then the time errors above
    /// (over Ed25519, the time errors first).
    ///
    /// ```
    /// # use sigcookie::{Key, Signer, TimestampSigner, Error};
    /// # let signer = TimestampSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600);
    /// let value = signer.sign_at("12345", 1_000)?;
    /// assert_eq!(signer.verify_at(&value, 1_600)?.id(), "12345");
    /// assert!(signer.verify_at(&value, 1_601).is_err());
    /// assert_eq!(signer.verify_at(&value, 940)?.issued_at(), 1_000);
    /// assert!(signer.verify_at(&value, 939).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_at<'v>(&self, value: &'v str, now: u64) -> Result<Verified<'v>, Error> {
        // The shape is timestamped, so the parser always sets issued-at.
        let (parts, key) = self
            .signer
            .verify_parts(value, Kind::Timestamped, |parts| {
                self.check_issued(parts.issued_at().unwrap_or_default(), now)
            })?;
        let issued_at = parts.issued_at().unwrap_or_default();
        Ok(Verified {
            id: parts.id(),
            issued_at,
            logged_in_at: None,
            signer: self.signer.fingerprint(),
            key,
        })
    }

    /// The idle rule, for timestamped and session values alike: a value issued at `issued_at` is
    /// expired once older than the maximum age, and refused when it claims to come from further
    /// ahead than the leeway.
    pub(crate) fn check_issued(&self, issued_at: u64, now: u64) -> Result<(), Error> {
        // Subtract only the smaller from the larger: no overflow for any pair of u64 times.
        if issued_at <= now {
            if now - issued_at > self.max_age {
                return Err(Error::Expired {
                    issued_at,
                    max_age: self.max_age,
                });
            }
        } else if issued_at - now > self.leeway {
            return Err(Error::IssuedInFuture { issued_at, now });
        }
        Ok(())
    }

    /// Verifies a value against the system clock; see [`TimestampSigner::verify_at`].
    ///
    /// # Errors
    /// As [`TimestampSigner::verify_at`], or [`Error::ClockBeforeEpoch`].
    ///
    /// ```
    /// # use sigcookie::{Key, Signer, TimestampSigner};
    /// # let signer = TimestampSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600);
    /// assert!(signer.verify("12345.1000.00").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn verify<'v>(&self, value: &'v str) -> Result<Verified<'v>, Error> {
        self.verify_at(value, crate::unix_now()?)
    }
}

/// Signing, for the schemes that hold a secret (not an `Ed25519Verifier`).
impl<S: Mint> TimestampSigner<S> {
    /// Signs `id` as issued at `now` (unix seconds), on the stack: no allocation.
    ///
    /// # Errors
    /// [`Error::EmptyId`], [`Error::IdTooLong`] or [`Error::InvalidIdByte`].
    ///
    /// ```
    /// use sigcookie::{Key, Signer, TimestampSigner};
    ///
    /// let key = Key::from_bytes(&(0u8..32).collect::<Vec<_>>())?;
    /// let signer = TimestampSigner::new(Signer::new(&key, "session")?.with_tag_len(16)?, 3600);
    /// assert_eq!(signer.sign_at("12345", 1764000000)?.as_str(), "12345.1764000000.2df5b78a1191cc09a4c9c9243ba5287d");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign_at(&self, id: &str, now: u64) -> Result<SignedValue, Error> {
        SignedValue::write_with(|buf| self.signer.sign_parts(id, &[now], buf))
    }

    /// Signs `id` as issued now, by the system clock.
    ///
    /// # Errors
    /// As [`TimestampSigner::sign_at`], or [`Error::ClockBeforeEpoch`].
    ///
    /// ```
    /// # use sigcookie::{Key, Signer, TimestampSigner};
    /// # let signer = TimestampSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600);
    /// let value = signer.sign("12345")?;
    /// assert_eq!(signer.verify(&value)?.id(), "12345");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn sign(&self, id: &str) -> Result<SignedValue, Error> {
        self.sign_at(id, crate::unix_now()?)
    }
}

impl<S: Scheme> fmt::Debug for TimestampSigner<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimestampSigner")
            .field("signer", &self.signer)
            .field("max_age", &self.max_age)
            .field("leeway", &self.leeway)
            .finish()
    }
}

/// A verified value of a timed signer: its id, borrowed from the value, its issue time and, for
/// a session value, its login time. What [`TimestampSigner::verify_at`] and
/// [`SessionSigner::verify_at`](crate::SessionSigner::verify_at) return.
///
/// ```
/// # use sigcookie::{Key, Signer, TimestampSigner};
/// # let signer = TimestampSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600);
/// let value = signer.sign_at("12345", 1_000)?;
/// let verified = signer.verify_at(&value, 1_010)?;
/// assert_eq!(verified.id(), "12345");
/// assert_eq!(verified.issued_at(), 1_000);
/// assert_eq!(verified.logged_in_at(), 1_000); // a timestamped value starts its own session
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Verified<'v> {
    id: &'v str,
    issued_at: u64,
    /// The login time of a session value; `None` for a timestamped value.
    logged_in_at: Option<u64>,
    /// Which signer verified it (see `Signer::fingerprint`): only that signer renews it.
    signer: u64,
    /// Which of the signer's keys matched: 0 the current one, then the previous ones.
    key: u8,
}

impl<'v> Verified<'v> {
    pub(crate) fn session(
        id: &'v str,
        (logged_in_at, issued_at): (u64, u64),
        signer: u64,
        key: u8,
    ) -> Self {
        Verified {
            id,
            issued_at,
            logged_in_at: Some(logged_in_at),
            signer,
            key,
        }
    }

    /// Which key the value was signed with: 0 for the signer's current key, 1 for the first
    /// key given to [`Key::with_previous`](crate::Key::with_previous), and so on. Not secret (a
    /// forged value pays for every key anyway); it lets a service count the values still
    /// signed with an old key before dropping it. Renewing such a session signs it with the
    /// current key.
    ///
    /// ```
    /// use sigcookie::{Cutoffs, Key, SessionSigner, Signer};
    ///
    /// let (old, new) = (Key::from_bytes(&[1; 32])?, Key::from_bytes(&[2; 32])?);
    /// let before = SessionSigner::new(Signer::new(&old, "s")?, 600, 3_600);
    /// let after = SessionSigner::new(Signer::new(&new.with_previous(&old)?, "s")?, 600, 3_600);
    /// let value = before.login_at("7", 1_000, &Cutoffs::NONE)?;
    /// let session = after.verify_at(&value, 1_010, &Cutoffs::NONE)?;
    /// assert_eq!(session.key_index(), 1);
    /// let renewed = after.renew_at(&session, 1_010, &Cutoffs::NONE)?;
    /// assert_eq!(after.verify_at(&renewed, 1_010, &Cutoffs::NONE)?.key_index(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key_index(&self) -> usize {
        usize::from(self.key)
    }

    /// The verified id.
    ///
    /// ```
    /// # use sigcookie::{Key, Signer, TimestampSigner};
    /// # let signer = TimestampSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600);
    /// # let value = signer.sign_at("12345", 1_000)?;
    /// assert_eq!(signer.verify_at(&value, 1_000)?.id(), "12345");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn id(&self) -> &'v str {
        self.id
    }

    /// When the value was issued (the wire format's `ts`), in unix seconds: a session's login
    /// or its latest renewal.
    ///
    /// ```
    /// # use sigcookie::{Key, Signer, TimestampSigner};
    /// # let signer = TimestampSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600);
    /// # let value = signer.sign_at("12345", 1_000)?;
    /// assert_eq!(signer.verify_at(&value, 1_000)?.issued_at(), 1_000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn issued_at(&self) -> u64 {
        self.issued_at
    }

    /// When the session began, in unix seconds: a session value's login time (the wire format's
    /// `auth`, unchanged by renewals), a timestamped value's issue time. Revocation cut-offs
    /// judge this time.
    ///
    /// ```
    /// use sigcookie::{Cutoffs, Key, SessionSigner, Signer};
    ///
    /// let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// let login = signer.login_at("7", 1_000, &Cutoffs::NONE)?;
    /// let renewed = signer.renew_at(&signer.verify_at(&login, 1_500, &Cutoffs::NONE)?, 1_500, &Cutoffs::NONE)?;
    /// let session = signer.verify_at(&renewed, 1_600, &Cutoffs::NONE)?;
    /// assert_eq!((session.logged_in_at(), session.issued_at()), (1_000, 1_500));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn logged_in_at(&self) -> u64 {
        self.logged_in_at.unwrap_or(self.issued_at)
    }

    /// Whether this is a session value (`id.auth.ts.sig`).
    pub(crate) fn is_session(&self) -> bool {
        self.logged_in_at.is_some()
    }

    pub(crate) fn signer(&self) -> u64 {
        self.signer
    }

    /// Rejects the value if it began before a cut-off that applies to its id: "log out
    /// everywhere", or a per-user "password changed at" (see [`crate::revocation`]). Session
    /// signers run this inside [`verify_at`](crate::SessionSigner::verify_at); for a timestamped
    /// value it is the caller's choice.
    ///
    /// A cut-off made during second `S` is `S + 1`
    /// ([`Cutoffs::revoke_at`](crate::Cutoffs::revoke_at)), and a timestamped value has no
    /// login time to stamp ahead: one signed later in that same second is refused too.
    ///
    /// # Errors
    /// [`Error::IssuedBeforeNotBefore`] (a timestamped value), [`Error::LoggedInBeforeNotBefore`]
    /// (a session value), or [`Error::CutoffUnreadable`].
    ///
    /// ```
    /// # use sigcookie::{Cutoffs, Key, Signer, TimestampSigner, Error};
    /// # let signer = TimestampSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600);
    /// let value = signer.sign_at("12345", 1_000)?;
    /// let verified = signer.verify_at(&value, 1_010)?;
    /// assert!(verified.check_revocation(&Cutoffs::at(1_000)).is_ok());
    /// assert_eq!(
    ///     verified.check_revocation(&Cutoffs::at(1_001)),
    ///     Err(Error::IssuedBeforeNotBefore { issued_at: 1_000, not_before: 1_001 })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_revocation(
        self,
        revocations: &(impl Revocations + ?Sized),
    ) -> Result<Verified<'v>, Error> {
        match self.logged_in_at {
            Some(logged_in_at) => revocations
                .session_cutoffs(self.id, logged_in_at)
                .check_login(logged_in_at)?,
            None => revocations.cutoffs(self.id).check_issue(self.issued_at)?,
        }
        Ok(self)
    }
}

/// Leaves out the signer's fingerprint, derived from its key.
impl fmt::Debug for Verified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Verified");
        out.field("id", &self.id)
            .field("issued_at", &self.issued_at);
        if let Some(logged_in_at) = self.logged_in_at {
            out.field("logged_in_at", &logged_in_at);
        }
        out.finish_non_exhaustive()
    }
}
