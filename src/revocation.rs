//! Revocation: the one rule that ends sessions before they expire.
//!
//! A *cut-off* is a time before which sessions are refused. There are two kinds: a global one
//! ("log out everywhere") and one per user ("log out this user everywhere", "password changed
//! at"). Beside them, a store may hold *logged-out sessions*: one session of a user, named by
//! its login time, ended on its own ("log out" on the server). Whatever holds them (a map in memory, a file on a device, Redis for a fleet: see
//! `sigcookie::store` with `std`) answers one question through [`Revocations`]: which
//! [`Cutoffs`] apply to this id? [`Cutoffs`] owns the rule, and every layer asks it: verifying a session
//! ([`SessionSigner::verify_at`](crate::SessionSigner::verify_at)) or a timestamped value
//! ([`Verified::check_revocation`](crate::Verified::check_revocation)), renewing a session
//! ([`SessionSigner::renew_at`](crate::SessionSigner::renew_at)) and logging in
//! ([`SessionSigner::login_at`](crate::SessionSigner::login_at)).
//!
//! Session values are judged by their login time (`auth` on the wire), never their issue time:
//! a renewal re-stamps the issue time, so judging it would let a renewed session outlive its
//! revocation.
//!
//! ```
//! use sigcookie::{Cutoffs, Key, SessionSigner, Signer};
//!
//! let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 3600, 86_400);
//! let value = signer.login_at("42", 1_000, &Cutoffs::NONE)?;
//! assert!(signer.verify_at(&value, 1_100, &Cutoffs::at(1_000)).is_ok());
//! assert!(signer.verify_at(&value, 1_100, &Cutoffs::at(1_001)).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::Error;

/// Where the cut-offs of each id come from. Looked up on every verify, so an implementation
/// answers from memory: no I/O, no lock held for long.
///
/// [`Cutoffs`] itself is a `Revocations` that gives every id the same cut-offs.
///
/// ```
/// use sigcookie::{Cutoffs, Revocations};
///
/// /// A password-change time per user, kept in a fixed table on a device.
/// struct Users([(&'static str, u64); 2]);
///
/// impl Revocations for Users {
///     fn cutoffs(&self, id: &str) -> Cutoffs {
///         self.0.iter().find(|(user, _)| *user == id).map_or(Cutoffs::NONE, |(_, t)| Cutoffs::at(*t))
///     }
///     // No per-session logouts on this device: a session has its user's cut-offs.
///     fn session_cutoffs(&self, id: &str, _logged_in_at: u64) -> Cutoffs {
///         self.cutoffs(id)
///     }
/// }
///
/// let users = Users([("admin", 1_000), ("guest", 0)]);
/// assert_eq!(users.cutoffs("admin").not_before(), Some(1_000));
/// assert_eq!(users.cutoffs("nobody"), Cutoffs::NONE);
/// ```
pub trait Revocations {
    /// The cut-offs that apply to `id`: the global one and the user's own, combined with
    /// [`Cutoffs::and`]. A store whose entry for `id` is unreadable answers
    /// [`Cutoffs::UNREADABLE`], which refuses the id's sessions.
    fn cutoffs(&self, id: &str) -> Cutoffs;

    /// The cut-offs of the one session of `id` that began at `logged_in_at`: [`cutoffs`], and
    /// [`Cutoffs::and_logged_out`] when that session was logged out on its own. Asked on every
    /// verify of a session value, so a store that keeps logged-out sessions answers both from
    /// one lookup. Required, not provided: a store that wraps another and forwarded only
    /// [`cutoffs`] would lose every logout without a word. One that keeps no logouts answers
    /// `self.cutoffs(id)`.
    ///
    /// Sessions are named by id and login time, in whole seconds: two logins of one user in the
    /// same second are one session to a logout, which ends both.
    ///
    /// [`cutoffs`]: Revocations::cutoffs
    ///
    /// ```
    /// use sigcookie::{Cutoffs, Revocations};
    ///
    /// /// One device user whose session of 1_000 was logged out.
    /// struct Device;
    ///
    /// impl Revocations for Device {
    ///     fn cutoffs(&self, _id: &str) -> Cutoffs {
    ///         Cutoffs::NONE
    ///     }
    ///     fn session_cutoffs(&self, id: &str, logged_in_at: u64) -> Cutoffs {
    ///         match (id, logged_in_at) {
    ///             ("admin", 1_000) => Cutoffs::NONE.and_logged_out(),
    ///             _ => Cutoffs::NONE,
    ///         }
    ///     }
    /// }
    ///
    /// assert!(Device.session_cutoffs("admin", 1_000).is_logged_out());
    /// assert!(!Device.session_cutoffs("admin", 1_001).is_logged_out());
    /// ```
    fn session_cutoffs(&self, id: &str, logged_in_at: u64) -> Cutoffs;
}

impl Revocations for Cutoffs {
    fn cutoffs(&self, _id: &str) -> Cutoffs {
        *self
    }

    fn session_cutoffs(&self, _id: &str, _logged_in_at: u64) -> Cutoffs {
        *self
    }
}

impl<R: Revocations + ?Sized> Revocations for &R {
    fn cutoffs(&self, id: &str) -> Cutoffs {
        (**self).cutoffs(id)
    }

    fn session_cutoffs(&self, id: &str, logged_in_at: u64) -> Cutoffs {
        (**self).session_cutoffs(id, logged_in_at)
    }
}

/// The cut-offs that apply to one id, and the rule that judges a session by them.
///
/// ```
/// use sigcookie::Cutoffs;
///
/// let global = Cutoffs::at(1_000);
/// let user = Cutoffs::at(2_000);
/// assert_eq!(global.and(user).not_before(), Some(2_000));
/// assert_eq!(Cutoffs::NONE.not_before(), None);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Cutoffs {
    /// Unix seconds; 0 refuses nothing, since no time is before the epoch.
    not_before: u64,
    unreadable: bool,
    /// The one session asked about was logged out ([`Revocations::session_cutoffs`]).
    logged_out: bool,
}

impl Cutoffs {
    /// No cut-off: nothing is refused.
    ///
    /// ```
    /// assert_eq!(sigcookie::Cutoffs::NONE.not_before(), None);
    /// ```
    pub const NONE: Cutoffs = Cutoffs {
        not_before: 0,
        unreadable: false,
        logged_out: false,
    };

    /// The cut-offs of an id whose entry could not be read: every session of it is refused with
    /// [`Error::CutoffUnreadable`], since a revocation must never be lost to a malformed entry.
    ///
    /// ```
    /// use sigcookie::Cutoffs;
    /// assert!(Cutoffs::UNREADABLE.is_unreadable());
    /// assert!(Cutoffs::UNREADABLE.and(Cutoffs::at(5)).is_unreadable());
    /// ```
    pub const UNREADABLE: Cutoffs = Cutoffs {
        not_before: 0,
        unreadable: true,
        logged_out: false,
    };

    /// The cut-offs of an id whose entry is unreadable now, and which was `last` when it was
    /// last read: sessions are refused, and [`Cutoffs::revoke_at`] still starts past `last`, so
    /// that the next revocation does not lower the cut-off that a login may carry.
    #[cfg(feature = "std")]
    pub(crate) const fn unreadable_after(last: u64) -> Cutoffs {
        Cutoffs {
            not_before: last,
            unreadable: true,
            logged_out: false,
        }
    }

    /// A cut-off at `not_before` (unix seconds): sessions that began earlier are refused.
    ///
    /// ```
    /// assert_eq!(sigcookie::Cutoffs::at(7).not_before(), Some(7));
    /// ```
    pub const fn at(not_before: u64) -> Cutoffs {
        Cutoffs {
            not_before,
            unreadable: false,
            logged_out: false,
        }
    }

    /// These cut-offs, for a session that was logged out on its own: it is refused with
    /// [`Error::LoggedOut`] whatever its login time. What a [`Revocations::session_cutoffs`]
    /// answers for a logged-out session.
    ///
    /// ```
    /// use sigcookie::Cutoffs;
    /// assert!(Cutoffs::at(5).and_logged_out().is_logged_out());
    /// assert_eq!(Cutoffs::at(5).and_logged_out().not_before(), Some(5));
    /// ```
    #[must_use]
    pub const fn and_logged_out(self) -> Cutoffs {
        Cutoffs {
            logged_out: true,
            ..self
        }
    }

    /// Both sets of cut-offs at once (the global one and a user's): the later cut-off wins, and
    /// an unreadable one stays unreadable.
    ///
    /// ```
    /// use sigcookie::Cutoffs;
    /// assert_eq!(Cutoffs::at(3).and(Cutoffs::at(9)), Cutoffs::at(9));
    /// assert_eq!(Cutoffs::at(9).and(Cutoffs::NONE), Cutoffs::at(9));
    /// ```
    #[must_use]
    pub const fn and(self, other: Cutoffs) -> Cutoffs {
        Cutoffs {
            not_before: if self.not_before > other.not_before {
                self.not_before
            } else {
                other.not_before
            },
            unreadable: self.unreadable || other.unreadable,
            logged_out: self.logged_out || other.logged_out,
        }
    }

    /// The cut-off in force, if any.
    ///
    /// ```
    /// use sigcookie::Cutoffs;
    /// assert_eq!(Cutoffs::at(0).not_before(), None);
    /// assert_eq!(Cutoffs::at(1).not_before(), Some(1));
    /// ```
    pub const fn not_before(&self) -> Option<u64> {
        match self.not_before {
            0 => None,
            not_before => Some(not_before),
        }
    }

    /// Whether the id's entry was unreadable.
    ///
    /// ```
    /// assert!(!sigcookie::Cutoffs::NONE.is_unreadable());
    /// ```
    pub const fn is_unreadable(&self) -> bool {
        self.unreadable
    }

    /// Whether the session asked about was logged out on its own.
    ///
    /// ```
    /// assert!(!sigcookie::Cutoffs::NONE.is_logged_out());
    /// ```
    pub const fn is_logged_out(&self) -> bool {
        self.logged_out
    }

    /// The rule, for a session value: one whose user logged in at `logged_in_at` is refused
    /// when that is before the cut-off, when the cut-offs are unreadable, or when this session
    /// was logged out.
    pub(crate) fn check_login(&self, logged_in_at: u64) -> Result<(), Error> {
        let not_before = self.refused_before()?;
        if self.logged_out {
            return Err(Error::LoggedOut { logged_in_at });
        }
        if logged_in_at < not_before {
            return Err(Error::LoggedInBeforeNotBefore {
                logged_in_at,
                not_before,
            });
        }
        Ok(())
    }

    /// The same rule for a timestamped value, whose session began when it was issued: only the
    /// error names the time compared.
    pub(crate) fn check_issue(&self, issued_at: u64) -> Result<(), Error> {
        let not_before = self.refused_before()?;
        if issued_at < not_before {
            return Err(Error::IssuedBeforeNotBefore {
                issued_at,
                not_before,
            });
        }
        Ok(())
    }

    /// The time before which sessions are refused, or the refusal of unreadable cut-offs.
    fn refused_before(&self) -> Result<u64, Error> {
        if self.unreadable {
            return Err(Error::CutoffUnreadable);
        }
        Ok(self.not_before)
    }

    /// The cut-off that revokes, at `now`, every session that began so far: the next second
    /// (values carry whole seconds, so one that began earlier in this second must fall too), or
    /// one past the cut-off in force when that is later, since a login made in this second
    /// after an earlier revocation was stamped with it ([`Cutoffs::login_time`]).
    ///
    /// Each such revocation within one second moves the cut-off one second further ahead;
    /// logins are stamped with it while it is within the leeway, and refused beyond, so
    /// applications should not let a client repeat revocations without bound.
    ///
    /// ```
    /// use sigcookie::Cutoffs;
    ///
    /// assert_eq!(Cutoffs::NONE.revoke_at(1_000), 1_001);
    /// assert_eq!(Cutoffs::at(900).revoke_at(1_000), 1_001);
    /// // A second revocation in the same second also ends the login stamped with the first.
    /// assert_eq!(Cutoffs::at(1_001).revoke_at(1_000), 1_002);
    /// ```
    pub const fn revoke_at(&self, now: u64) -> u64 {
        let latest = if self.not_before > now {
            self.not_before
        } else {
            now
        };
        latest.saturating_add(1)
    }

    /// The login time to stamp on a new session at `now`, so that it is not born revoked.
    ///
    /// Values carry whole seconds and a cut-off made at second `S` is `S + 1` (the whole of `S`
    /// is revoked), so a login later in second `S` is stamped with the cut-off: a time in the
    /// future, which verifiers accept within their `leeway`. A cut-off further ahead than that
    /// cannot be stamped, and the login is refused until the clock reaches it.
    ///
    /// # Errors
    /// [`Error::LoggedInBeforeNotBefore`] for a cut-off more than `leeway` ahead of `now`,
    /// [`Error::CutoffUnreadable`] for unreadable cut-offs.
    ///
    /// ```
    /// use sigcookie::{Cutoffs, Error};
    ///
    /// assert_eq!(Cutoffs::NONE.login_time(1_000, 60), Ok(1_000));
    /// assert_eq!(Cutoffs::at(1_001).login_time(1_000, 60), Ok(1_001));
    /// assert_eq!(
    ///     Cutoffs::at(1_061).login_time(1_000, 60),
    ///     Err(Error::LoggedInBeforeNotBefore { logged_in_at: 1_000, not_before: 1_061 })
    /// );
    /// // The last second cannot be stamped: nothing could revoke it.
    /// assert!(Cutoffs::NONE.login_time(u64::MAX, 60).is_err());
    /// ```
    pub fn login_time(&self, now: u64, leeway: u64) -> Result<u64, Error> {
        let stamp = if self.not_before > now && self.not_before - now <= leeway {
            self.not_before
        } else {
            now
        };
        self.check_login(stamp)?;
        // No revocation can move a cut-off past the last second (`revoke_at` saturates), so a
        // login stamped with it could never be revoked.
        if stamp == u64::MAX {
            return Err(Error::LoggedInBeforeNotBefore {
                logged_in_at: now,
                not_before: u64::MAX,
            });
        }
        Ok(stamp)
    }
}

/// The login time to stamp on a new session of `id` at `now`: [`Cutoffs::login_time`], then
/// past any second in which a session of `id` was logged out. A logout names a session by its
/// login second, so a login later in that same second would be born logged out; it is stamped
/// with the next free second instead, a time in the future that verifiers accept within their
/// `leeway`, as with a cut-off.
///
/// # Errors
/// As [`Cutoffs::login_time`]; [`Error::LoggedOut`] when every second up to `leeway` ahead
/// holds a logout.
pub(crate) fn login_time(
    revocations: &(impl Revocations + ?Sized),
    id: &str,
    now: u64,
    leeway: u64,
) -> Result<u64, Error> {
    let mut stamp = revocations.cutoffs(id).login_time(now, leeway)?;
    while revocations.session_cutoffs(id, stamp).is_logged_out() {
        if stamp - now >= leeway || stamp == u64::MAX - 1 {
            return Err(Error::LoggedOut {
                logged_in_at: stamp,
            });
        }
        stamp += 1;
    }
    Ok(stamp)
}
