//! Where revocation cut-offs live: one small trait, [`CutoffStore`], and its implementations.
//!
//! - [`MemoryStore`]: in this process only; the default, and for tests.
//! - [`FileStore`] (feature `file-store`): for a device; survives restarts, written atomically.
//! - `RedisStore` (feature `redis`): for a fleet of instances sharing one Redis.
//!
//! Every store answers [`Revocations::cutoffs`] from memory, so a verify never waits on a disk
//! or a network. Cut-offs only ever move forward: revoking at an earlier time than the one in
//! force changes nothing, so no race between two revocations can un-revoke a session.
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

#[cfg(feature = "file-store")]
mod file;
mod memory;
#[cfg(feature = "redis")]
mod redis;

#[cfg(feature = "file-store")]
#[cfg_attr(docsrs, doc(cfg(feature = "file-store")))]
pub use file::FileStore;
pub use memory::MemoryStore;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis::{RedisStore, RedisStoreBuilder};

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
    /// [`StoreError::Unavailable`]). The cut-off may still be in force in this process; it is
    /// not safe to assume it reached other instances or survives a restart.
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
    /// Redis could not be reached or refused the change.
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    Unavailable(::redis::RedisError),
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
            #[cfg(feature = "redis")]
            StoreError::Unavailable(source) => write!(f, "redis cut-off store: {source}"),
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
            #[cfg(feature = "redis")]
            StoreError::Unavailable(source) => Some(source),
        }
    }
}
