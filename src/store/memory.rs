//! [`MemoryStore`]: cut-offs in this process's memory. Also the local copy that the file and
//! Redis stores answer verifies from.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock};

use super::{CutoffStore, StoreError};
use crate::{Cutoffs, Revocations, format};

/// Cut-offs in memory: lost when the process ends, seen by this process only. The default store
/// of a [`SessionCookie`](crate::web::SessionCookie), and the one for tests; a device wants
/// [`FileStore`](super::FileStore), a fleet [`RedisStore`](super::RedisStore).
///
/// A lookup is one atomic load and, when any user has a cut-off, one hash-map read under a
/// read lock.
///
/// ```
/// use sigcookie::store::{CutoffStore, MemoryStore};
/// use sigcookie::{Cutoffs, Revocations};
///
/// let store = MemoryStore::new();
/// store.revoke_user("42", 2_000)?;
/// assert_eq!(store.cutoffs("42"), Cutoffs::at(2_000));
/// assert_eq!(store.users(), 1);
/// # Ok::<(), sigcookie::store::StoreError>(())
/// ```
#[derive(Default)]
pub struct MemoryStore {
    /// Unix seconds; 0 is "none".
    global: AtomicU64,
    users: RwLock<HashMap<Box<str>, Entry>>,
}

/// A user's cut-off as a store knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    At(u64),
    /// The stored entry was malformed: the user's sessions are refused until a new revocation
    /// replaces it. Only a shared store reads entries it did not write itself. Holds the last
    /// cut-off read before (0 for none), which the next revocation must still pass.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    Unreadable(u64),
}

impl MemoryStore {
    /// An empty store: no cut-offs.
    ///
    /// ```
    /// use sigcookie::store::MemoryStore;
    /// use sigcookie::{Cutoffs, Revocations};
    /// assert_eq!(MemoryStore::new().cutoffs("42"), Cutoffs::NONE);
    /// ```
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// How many users have a cut-off of their own.
    ///
    /// ```
    /// use sigcookie::store::MemoryStore;
    /// assert_eq!(MemoryStore::new().users(), 0);
    /// ```
    pub fn users(&self) -> usize {
        self.read().len()
    }

    /// Moves the global cut-off forward to `not_before`; whether it moved.
    pub(crate) fn raise_global(&self, not_before: u64) -> bool {
        self.global.fetch_max(not_before, Ordering::AcqRel) < not_before
    }

    /// Moves `id`'s cut-off forward to `not_before`; whether it moved. An unreadable entry is
    /// replaced: the new cut-off is what the id's sessions are judged by from now on.
    pub(crate) fn raise_user(&self, id: &str, not_before: u64) -> Result<bool, StoreError> {
        format::check_id(id).map_err(StoreError::InvalidId)?;
        let mut users = self.users.write().unwrap_or_else(PoisonError::into_inner);
        match users.get_mut(id) {
            Some(Entry::At(current)) if *current >= not_before => Ok(false),
            Some(entry) => {
                // An unreadable entry becomes readable again, never below its last cut-off.
                let last = match *entry {
                    Entry::Unreadable(last) => last,
                    Entry::At(_) => 0,
                };
                *entry = Entry::At(last.max(not_before));
                Ok(true)
            }
            None => {
                users.insert(id.into(), Entry::At(not_before));
                Ok(true)
            }
        }
    }

    /// Records that `id`'s stored entry is malformed, so its sessions are refused.
    #[cfg(feature = "redis")]
    pub(crate) fn mark_unreadable(&self, id: &str) {
        let mut users = self.users.write().unwrap_or_else(PoisonError::into_inner);
        let entry = users.entry(id.into()).or_insert(Entry::Unreadable(0));
        if let Entry::At(last) = *entry {
            *entry = Entry::Unreadable(last);
        }
    }

    /// Every readable user cut-off, in id order (a file written from it is stable).
    #[cfg(feature = "file-store")]
    pub(crate) fn user_cutoffs(&self) -> std::collections::BTreeMap<String, u64> {
        self.read()
            .iter()
            .filter_map(|(id, entry)| match entry {
                Entry::At(at) => Some((id.to_string(), *at)),
                Entry::Unreadable(_) => None,
            })
            .collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<Box<str>, Entry>> {
        // The map is consistent after any panic (each change is one insert or one store), so a
        // poisoned lock is safe to use, and refusing every request over it would be worse.
        self.users.read().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The global cut-off and how many users have one: a store may hold 100,000 entries, too many
/// for a log line.
impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("global", &self.global())
            .field("users", &self.users())
            .finish()
    }
}

impl Revocations for MemoryStore {
    fn cutoffs(&self, id: &str) -> Cutoffs {
        let global = Cutoffs::at(self.global.load(Ordering::Acquire));
        let user = match self.read().get(id) {
            None => Cutoffs::NONE,
            Some(Entry::At(at)) => Cutoffs::at(*at),
            Some(Entry::Unreadable(last)) => Cutoffs::unreadable_after(*last),
        };
        global.and(user)
    }
}

impl CutoffStore for MemoryStore {
    fn revoke_all(&self, not_before: u64) -> Result<(), StoreError> {
        self.raise_global(not_before);
        Ok(())
    }

    fn revoke_user(&self, id: &str, not_before: u64) -> Result<(), StoreError> {
        self.raise_user(id, not_before).map(|_| ())
    }

    fn global(&self) -> Option<u64> {
        Cutoffs::at(self.global.load(Ordering::Acquire)).not_before()
    }

    /// A scan of every user's entry under the read lock: about a millisecond for 100,000 users,
    /// once per "log out everywhere".
    fn latest(&self, not_after: u64) -> Option<u64> {
        let users = self.read();
        // An unreadable entry's last cut-off counts: a login may carry it.
        let users = users.values().map(|entry| match entry {
            Entry::At(at) | Entry::Unreadable(at) => *at,
        });
        self.global()
            .into_iter()
            .chain(users)
            .filter(|at| *at <= not_after)
            .max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "redis")]
    fn an_unreadable_entry_refuses_until_replaced() {
        let store = MemoryStore::new();
        store.mark_unreadable("42");
        assert!(store.cutoffs("42").is_unreadable());
        assert!(!store.cutoffs("7").is_unreadable());
        store.revoke_user("42", 5).expect("valid id");
        assert_eq!(store.cutoffs("42"), Cutoffs::at(5));
        // The last cut-off is remembered while unreadable: the next revocation starts past it,
        // and a replacement never lowers it.
        store.mark_unreadable("42");
        assert_eq!(store.cutoffs("42").revoke_at(3), 6);
        assert_eq!(store.latest(10), Some(5));
        store.revoke_user("42", 4).expect("valid id");
        assert_eq!(store.cutoffs("42"), Cutoffs::at(5));
    }

    #[test]
    fn cutoffs_never_move_back() {
        let store = MemoryStore::new();
        assert!(store.raise_user("42", 9).expect("valid"));
        assert!(!store.raise_user("42", 3).expect("valid"));
        assert!(store.raise_global(4));
        assert!(!store.raise_global(2));
        assert_eq!(store.cutoffs("42"), Cutoffs::at(9));
        assert_eq!(store.cutoffs("1"), Cutoffs::at(4));
    }
}
