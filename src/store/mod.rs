//! Where revocation cut-offs live: one small trait, [`CutoffStore`], and its implementations.
//!
//! - [`MemoryStore`]: in this process only; the default, and for tests.
//! - [`FileStore`] (feature `file-store`): for a device; survives restarts, written atomically.
//! - `RedisStore` (feature `redis`): for a fleet of instances sharing one Redis.
//! - `PostgresStore` (feature `postgres`): for a fleet of instances sharing one PostgreSQL.
//!
//! Every store answers [`Revocations::cutoffs`] and [`Revocations::session_cutoffs`] from
//! memory, so a verify never waits on a disk or a network. Cut-offs only ever move forward:
//! revoking at an earlier time than the one in force changes nothing, so no race between two
//! revocations can un-revoke a session. Beside them a store keeps the sessions logged out on
//! their own ([`CutoffStore::revoke_session`]), each until its session's lifetime ends.
//!
//! ```
//! use sigcookie::store::{CutoffStore, MemoryStore};
//! use sigcookie::{Cutoffs, Revocations};
//!
//! let store = MemoryStore::new();
//! store.revoke_user("42", 2_000)?;
//! store.revoke_all(1_000)?;
//! assert_eq!(store.cutoffs("42"), Cutoffs::at(2_000));
//! assert_eq!(store.cutoffs("7"), Cutoffs::at(1_000));
//! # Ok::<(), sigcookie::store::StoreError>(())
//! ```

use std::fmt;

use crate::{Error, Revocations};

#[cfg(any(feature = "redis", feature = "postgres"))]
mod contact;
#[cfg(feature = "file-store")]
mod file;
#[cfg(any(feature = "redis", feature = "postgres"))]
mod fleet;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "redis")]
mod redis;

#[cfg(feature = "file-store")]
#[cfg_attr(docsrs, doc(cfg(feature = "file-store")))]
pub use file::FileStore;
pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use postgres::{PostgresStore, PostgresStoreBuilder};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis::{RedisStore, RedisStoreBuilder};

/// How many sessions of one user a store keeps logged out on their own
/// ([`CutoffStore::revoke_session`]). One more raises the user's cut-off just past the oldest
/// logout instead: that session stays ended, and so does any older session of the user still
/// open, which then has to log in again. Fail closed: no logout is ever forgotten.
///
/// ```
/// use sigcookie::store::{CutoffStore, LOGOUTS_PER_USER, MemoryStore};
/// use sigcookie::{Cutoffs, Revocations};
///
/// let store = MemoryStore::new();
/// for login in 0..=LOGOUTS_PER_USER as u64 {
///     store.revoke_session("42", 1_000 + login, 90_000)?;
/// }
/// // The oldest logout became a cut-off: every session of 42 that began at 1_000 or before.
/// assert_eq!(store.cutoffs("42"), Cutoffs::at(1_001));
/// assert!(store.session_cutoffs("42", 1_000 + LOGOUTS_PER_USER as u64).is_logged_out());
/// # Ok::<(), sigcookie::store::StoreError>(())
/// ```
pub const LOGOUTS_PER_USER: usize = 32;

/// A place that keeps revocation cut-offs and answers which apply to an id.
///
/// Implementations answer [`Revocations::cutoffs`] from memory (it is called on every verify)
/// and make a revocation durable before they return `Ok` from it. Cut-offs never move back.
///
/// ```
/// use std::sync::Arc;
/// use sigcookie::store::{CutoffStore, MemoryStore};
///
/// let store: Arc<dyn CutoffStore> = Arc::new(MemoryStore::new());
/// store.revoke_all(1_000)?;
/// assert_eq!(store.global(), Some(1_000));
/// # Ok::<(), sigcookie::store::StoreError>(())
/// ```
pub trait CutoffStore: Revocations + Send + Sync {
    /// Refuses, for every id, the sessions that began before `not_before` (unix seconds):
    /// "log out everywhere". An earlier time than the cut-off in force changes nothing.
    ///
    /// # Errors
    /// The store could not make the change durable ([`StoreError::Io`],
    /// [`StoreError::Unavailable`], [`StoreError::Postgres`]). The cut-off may still be in force
    /// in this process; it is not safe to assume it reached other instances or survives a
    /// restart.
    ///
    /// ```
    /// use sigcookie::store::{CutoffStore, MemoryStore};
    /// let store = MemoryStore::new();
    /// store.revoke_all(5)?;
    /// store.revoke_all(3)?; // never moves back
    /// assert_eq!(store.global(), Some(5));
    /// # Ok::<(), sigcookie::store::StoreError>(())
    /// ```
    fn revoke_all(&self, not_before: u64) -> Result<(), StoreError>;

    /// Refuses the sessions of `id` that began before `not_before`: "log out this user
    /// everywhere", or "password changed at". An earlier time changes nothing.
    ///
    /// Sessions that began *at* `not_before` stay valid, and times are whole seconds: to end
    /// every session up to a moment `t` (a password change at `t`), pass `t + 1`, or use
    /// [`Cutoffs::revoke_at`](crate::Cutoffs::revoke_at), as
    /// [`SessionCookie::log_out_user`](crate::web::SessionCookie::log_out_user) does.
    ///
    /// # Errors
    /// [`StoreError::InvalidId`] for an id no signer signs, or as [`CutoffStore::revoke_all`].
    ///
    /// ```
    /// use sigcookie::store::{CutoffStore, MemoryStore, StoreError};
    /// use sigcookie::{Cutoffs, Revocations};
    ///
    /// let store = MemoryStore::new();
    /// store.revoke_user("42", 9)?;
    /// assert_eq!(store.cutoffs("42"), Cutoffs::at(9));
    /// assert!(matches!(store.revoke_user("a b", 9), Err(StoreError::InvalidId(_))));
    /// # Ok::<(), StoreError>(())
    /// ```
    fn revoke_user(&self, id: &str, not_before: u64) -> Result<(), StoreError>;

    /// Logs out the one session of `id` that began at `logged_in_at` ("log out" on the
    /// server): [`Revocations::session_cutoffs`] marks it from then on, and its value is refused
    /// with [`Error::LoggedOut`] however often it is presented again. Other sessions of `id`
    /// stay. Two logins of `id` in the same second are one session here, and both end.
    ///
    /// The logout is kept `until` that time (unix seconds): pass the session's absolute end
    /// (login, plus lifetime, plus twice the leeway for clocks that disagree), after which its
    /// lifetime refuses it anyway, as
    /// [`Session::log_out`](crate::web::Session::log_out) does. A store drops a logout once
    /// it has been given one of a session that began after its `until` and this machine's
    /// clock has passed it too (so a login time far ahead, from a clock that ran ahead or a
    /// planted entry, expires no one's logouts), so it holds the logouts of about one lifetime,
    /// and at most [`LOGOUTS_PER_USER`] per user.
    ///
    /// # Errors
    /// As [`CutoffStore::revoke_user`]. The logout may still be in force in this process.
    ///
    /// ```
    /// use sigcookie::store::{CutoffStore, MemoryStore};
    /// use sigcookie::Revocations;
    ///
    /// let store = MemoryStore::new();
    /// store.revoke_session("42", 1_000, 50_000)?;
    /// assert!(store.session_cutoffs("42", 1_000).is_logged_out());
    /// assert!(!store.session_cutoffs("42", 1_005).is_logged_out()); // another device of 42
    /// # Ok::<(), sigcookie::store::StoreError>(())
    /// ```
    fn revoke_session(&self, id: &str, logged_in_at: u64, until: u64) -> Result<(), StoreError>;

    /// The global cut-off in force, if any.
    ///
    /// ```
    /// use sigcookie::store::{CutoffStore, MemoryStore};
    /// assert_eq!(MemoryStore::new().global(), None);
    /// ```
    fn global(&self) -> Option<u64>;

    /// The latest cut-off in force for any id, the global one included, that is not later than
    /// `not_after`; `None` when there is none.
    ///
    /// "Log out everywhere" starts past it: a login made just after a user's revocation carries
    /// that user's cut-off as its login time ([`Cutoffs::login_time`](crate::Cutoffs::login_time)),
    /// up to the leeway ahead of the clock, and the global cut-off must end that login too.
    /// Cut-offs further ahead were never stamped on a login, so `not_after` leaves them out.
    /// Called once per "log out everywhere", never on a verify: a store may scan its entries.
    ///
    /// ```
    /// use sigcookie::store::{CutoffStore, MemoryStore};
    ///
    /// let store = MemoryStore::new();
    /// store.revoke_all(1_000)?;
    /// store.revoke_user("7", 1_001)?;
    /// store.revoke_user("8", 9_999)?;
    /// assert_eq!(store.latest(1_060), Some(1_001));
    /// assert_eq!(store.latest(999), None);
    /// # Ok::<(), sigcookie::store::StoreError>(())
    /// ```
    fn latest(&self, not_after: u64) -> Option<u64>;

    /// "Log out everywhere" at `now`: refuses, for every id, every session that began up to and
    /// including the second `now`, and every login stamped ahead with a cut-off so far
    /// ([`Cutoffs::login_time`](crate::Cutoffs::login_time), at most `leeway` ahead). Returns
    /// the cut-off, [`everywhere_cutoff`] of what the store holds.
    ///
    /// A shared store judges what the fleet holds at this moment, not its own copy, which may
    /// lag behind a revocation another instance just made.
    ///
    /// # Errors
    /// As [`CutoffStore::revoke_all`].
    ///
    /// ```
    /// use sigcookie::store::{CutoffStore, MemoryStore};
    ///
    /// let store = MemoryStore::new();
    /// store.revoke_user("7", 1_001)?; // a password change in second 1_000
    /// // A login of 7 later in that second carries 1_001: log out everywhere ends it too.
    /// assert_eq!(store.revoke_all_until(1_000, 60)?, 1_002);
    /// # Ok::<(), sigcookie::store::StoreError>(())
    /// ```
    fn revoke_all_until(&self, now: u64, leeway: u64) -> Result<u64, StoreError> {
        let cutoff = everywhere_cutoff(self, now, leeway);
        self.revoke_all(cutoff)?;
        Ok(cutoff)
    }

    /// "Log out this user everywhere", "password changed" at `now`: refuses every session of
    /// `id` that began up to and including the second `now`, and a login of `id` stamped ahead
    /// with an earlier cut-off of this second ([`Cutoffs::revoke_at`](crate::Cutoffs::revoke_at)).
    /// Returns the cut-off. A shared store judges what the fleet holds at this moment.
    ///
    /// # Errors
    /// As [`CutoffStore::revoke_user`].
    ///
    /// ```
    /// use sigcookie::store::{CutoffStore, MemoryStore};
    ///
    /// let store = MemoryStore::new();
    /// assert_eq!(store.revoke_user_until("7", 1_000)?, 1_001);
    /// assert_eq!(store.revoke_user_until("7", 1_000)?, 1_002); // again in the same second
    /// # Ok::<(), sigcookie::store::StoreError>(())
    /// ```
    fn revoke_user_until(&self, id: &str, now: u64) -> Result<u64, StoreError> {
        let cutoff = self.cutoffs(id).revoke_at(now);
        self.revoke_user(id, cutoff)?;
        Ok(cutoff)
    }
}

/// The global cut-off that ends, at `now`, every session that began so far: past the clock's
/// second and past every cut-off a login may carry as its login time (any user's, up to `leeway`
/// ahead), by [`Cutoffs::revoke_at`](crate::Cutoffs::revoke_at). The one rule for "log out
/// everywhere", whichever store holds the cut-offs.
///
/// ```
/// use sigcookie::store::{CutoffStore, MemoryStore, everywhere_cutoff};
///
/// let store = MemoryStore::new();
/// assert_eq!(everywhere_cutoff(&store, 1_000, 60), 1_001);
/// store.revoke_user("7", 1_001)?;
/// assert_eq!(everywhere_cutoff(&store, 1_000, 60), 1_002);
/// store.revoke_user("8", 9_999)?; // never stamped on a login at 1_000: left out
/// assert_eq!(everywhere_cutoff(&store, 1_000, 60), 1_002);
/// # Ok::<(), sigcookie::store::StoreError>(())
/// ```
pub fn everywhere_cutoff(store: &(impl CutoffStore + ?Sized), now: u64, leeway: u64) -> u64 {
    everywhere_cutoff_from(
        store.latest(now.saturating_add(leeway)),
        store.global(),
        now,
    )
}

/// [`everywhere_cutoff`] from its inputs: the latest cut-off within the leeway and the global
/// one, wherever they were read.
pub(crate) fn everywhere_cutoff_from(latest: Option<u64>, global: Option<u64>, now: u64) -> u64 {
    crate::Cutoffs::at(latest.max(global).unwrap_or(0)).revoke_at(now)
}

/// Why a store could not be opened or could not record a revocation.
///
/// ```
/// use sigcookie::store::{CutoffStore, MemoryStore, StoreError};
///
/// let err = MemoryStore::new().revoke_user("", 1).unwrap_err();
/// assert_eq!(err.to_string(), "cannot revoke this id: id is empty");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The id cannot be signed, so it has no sessions to revoke.
    InvalidId(Error),
    /// The clock that dates a revocation failed ([`Error::ClockBeforeEpoch`]).
    Clock(Error),
    /// Reading or writing the store's file failed.
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The store's file is not a cut-off file this version wrote: refused at start rather than
    /// read as "no cut-offs", which would un-revoke every session.
    #[cfg(feature = "file-store")]
    #[cfg_attr(docsrs, doc(cfg(feature = "file-store")))]
    Corrupt {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong with it.
        source: serde_json::Error,
    },
    /// The store's lock file was deleted or replaced while the store was open, so another
    /// process may have opened the same file since: this store no longer writes it, and every
    /// revocation through it fails until the process restarts.
    #[cfg(feature = "file-store")]
    #[cfg_attr(docsrs, doc(cfg(feature = "file-store")))]
    LockLost {
        /// The lock file.
        path: std::path::PathBuf,
    },
    /// Redis could not be reached or refused the change.
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    Unavailable {
        /// The server tried, as `host:port` or a socket path; `None` when the URL did not parse.
        /// Never the URL itself, which may hold a password.
        server: Option<String>,
        /// What went wrong.
        source: ::redis::RedisError,
    },
    /// PostgreSQL could not be reached, refused the change, or holds a malformed global
    /// cut-off: the revocation's transaction did not commit (or it is not known whether it
    /// did), or the store did not start.
    #[cfg(feature = "postgres")]
    #[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
    Postgres {
        /// The server tried, as `host:port` or a socket folder; `None` when the connection
        /// string did not parse. Never the connection string itself, which may hold a password.
        server: Option<String>,
        /// What went wrong; `None` when PostgreSQL did not answer within the connect timeout
        /// (a frozen host), or the system refused the thread that waits for it (logged with the
        /// system's reason): the client has no error of its own for either.
        source: Option<::postgres::Error>,
    },
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::InvalidId(error) => write!(f, "cannot revoke this id: {error}"),
            StoreError::Clock(error) => write!(f, "cannot date the revocation: {error}"),
            StoreError::Io { path, source } => {
                write!(f, "cut-off file {}: {source}", path.display())
            }
            #[cfg(feature = "file-store")]
            StoreError::Corrupt { path, source } => write!(
                f,
                "cut-off file {} is corrupt ({source}); refusing to start without its cut-offs",
                path.display()
            ),
            #[cfg(feature = "file-store")]
            StoreError::LockLost { path } => write!(
                f,
                "lock file {} was deleted or replaced while this store had it open; another \
                 process may own the cut-offs now, so this one no longer writes them: restart it",
                path.display()
            ),
            #[cfg(feature = "redis")]
            StoreError::Unavailable {
                server: Some(server),
                source,
            } => write!(f, "redis cut-off store at {server}: {source}"),
            #[cfg(feature = "redis")]
            StoreError::Unavailable {
                server: None,
                source,
            } => write!(f, "redis cut-off store: {source}"),
            #[cfg(feature = "postgres")]
            StoreError::Postgres { server, source } => {
                write!(f, "postgres cut-off store")?;
                if let Some(server) = server {
                    write!(f, " at {server}")?;
                }
                // The client's error says only its kind ("db error"); what the server said, or
                // the system, is its source.
                match source {
                    Some(source) => match std::error::Error::source(source) {
                        Some(cause) => write!(f, ": {source}: {cause}"),
                        None => write!(f, ": {source}"),
                    },
                    None => write!(
                        f,
                        ": no answer within the connect timeout, or no thread to wait for one"
                    ),
                }
            }
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::InvalidId(error) | StoreError::Clock(error) => Some(error),
            StoreError::Io { source, .. } => Some(source),
            #[cfg(feature = "file-store")]
            StoreError::Corrupt { source, .. } => Some(source),
            #[cfg(feature = "file-store")]
            StoreError::LockLost { .. } => None,
            #[cfg(feature = "redis")]
            StoreError::Unavailable { source, .. } => Some(source),
            #[cfg(feature = "postgres")]
            StoreError::Postgres { source, .. } => source
                .as_ref()
                .map(|e| e as &(dyn std::error::Error + 'static)),
        }
    }
}
