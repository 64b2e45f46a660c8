//! [`MemoryStore`]: cut-offs in this process's memory. Also the local copy that the file,
//! Redis and PostgreSQL stores answer verifies from.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{PoisonError, RwLock};

use super::{CutoffStore, LOGOUTS_PER_USER, StoreError};
use crate::{Cutoffs, Revocations, format};

/// How many logouts are added between two sweeps of every user's list for expired ones: a
/// sweep reads every entry (about a millisecond for 100,000 users), so it runs rarely, and a
/// user who never logs out again still loses their expired entries.
const SWEEP_EVERY: usize = 256;

/// Cut-offs in memory: lost when the process ends, seen by this process only. The default store
/// of a [`SessionCookie`](crate::web::SessionCookie), and the one for tests; a device wants
/// [`FileStore`](super::FileStore), a fleet [`RedisStore`](super::RedisStore).
///
/// A lookup is one atomic load and, when any user has an entry, one hash-map read under a
/// read lock; a session's lookup also scans that user's logged-out sessions, at most
/// [`LOGOUTS_PER_USER`].
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
    users: RwLock<HashMap<Box<str>, User>>,
    /// The latest login time of any session logged out here: a logout kept `until` an earlier
    /// time has expired, since that session's lifetime ended before this one began
    /// ([`CutoffStore::revoke_session`]).
    horizon: AtomicU64,
    /// Logouts added since the last sweep of every list.
    logouts_since_sweep: AtomicUsize,
}

/// What a store knows of one user: their cut-off and their sessions logged out on their own.
#[derive(Clone, Debug, Default)]
pub(crate) struct User {
    pub(crate) cutoff: Entry,
    /// Sorted by login time, one entry per login time: a verify's lookup is a binary search.
    pub(crate) logouts: Vec<Logout>,
}

/// One session logged out on its own: its login time, and until when the logout is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Logout {
    pub(crate) logged_in_at: u64,
    pub(crate) until: u64,
}

/// A user's cut-off as a store knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    At(u64),
    /// The stored entry was malformed: the user's sessions are refused until a new revocation
    /// replaces it. Only a shared store reads entries it did not write itself. Holds the last
    /// cut-off read before (0 for none), which the next revocation must still pass.
    #[cfg_attr(not(any(feature = "redis", feature = "postgres")), allow(dead_code))]
    Unreadable(u64),
}

impl Default for Entry {
    fn default() -> Entry {
        Entry::At(0)
    }
}

impl Entry {
    /// The cut-off, readable or the last one read.
    pub(crate) fn last(self) -> u64 {
        match self {
            Entry::At(at) | Entry::Unreadable(at) => at,
        }
    }

    /// Moves the cut-off forward to `not_before`; whether it moved. An unreadable entry
    /// becomes readable again, never below its last cut-off: the new cut-off is what the id's
    /// sessions are judged by from now on.
    pub(crate) fn raise(&mut self, not_before: u64) -> bool {
        match *self {
            Entry::At(current) if current >= not_before => false,
            entry => {
                *self = Entry::At(entry.last().max(not_before));
                true
            }
        }
    }
}

impl User {
    /// Drops the logouts that a cut-off now covers, and those kept until before `horizon`.
    pub(crate) fn prune(&mut self, horizon: u64) {
        let cutoff = self.cutoff.last();
        self.logouts
            .retain(|l| l.logged_in_at >= cutoff && l.until >= horizon);
    }

    fn is_empty(&self) -> bool {
        self.cutoff == Entry::At(0) && self.logouts.is_empty()
    }
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

    /// How many users have an entry: a cut-off of their own, or logged-out sessions.
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
        let horizon = self.horizon(0);
        let mut users = self.write();
        let user = users.entry(id.into()).or_default();
        let raised = user.cutoff.raise(not_before);
        user.prune(horizon);
        if user.is_empty() {
            users.remove(id);
        }
        Ok(raised)
    }

    /// Records that the session of `id` that began at `logged_in_at` is logged out, kept until
    /// `until`; whether anything changed. A user's list is capped at [`LOGOUTS_PER_USER`]: one
    /// more raises the user's cut-off past the oldest logout, which ends that session (and any
    /// older one of the user) by the cut-off instead, so no logout is ever forgotten.
    pub(crate) fn add_logout(&self, id: &str, logout: Logout) -> Result<bool, StoreError> {
        format::check_id(id).map_err(StoreError::InvalidId)?;
        self.horizon
            .fetch_max(logout.logged_in_at, Ordering::AcqRel);
        let horizon = self.horizon(0);
        let changed = {
            let mut users = self.write();
            let user = users.entry(id.into()).or_default();
            user.prune(horizon);
            let changed = user.add(logout);
            if user.is_empty() {
                users.remove(id);
            }
            changed
        };
        // Only new logouts count: a reload that adds what is known already sweeps nothing.
        if changed && self.logouts_since_sweep.fetch_add(1, Ordering::Relaxed) + 1 >= SWEEP_EVERY {
            self.logouts_since_sweep.store(0, Ordering::Relaxed);
            let mut users = self.write();
            users.retain(|_, user| {
                user.prune(horizon);
                !user.is_empty()
            });
        }
        Ok(changed)
    }

    /// What logouts are pruned by: the latest login time of any session logged out here (at
    /// least `logged_in_at`), but never past this machine's clock. A login time comes from a
    /// value, a file or another instance, so one far ahead (a clock that ran ahead, a planted
    /// entry) would otherwise expire every user's logouts at once; a logout kept until before
    /// the clock is one whose session's lifetime has ended for every verifier within the
    /// leeway. A clock that cannot be read prunes nothing.
    pub(crate) fn horizon(&self, logged_in_at: u64) -> u64 {
        let now = crate::unix_now().unwrap_or(0);
        self.horizon
            .load(Ordering::Acquire)
            .max(logged_in_at)
            .min(now)
    }

    /// Every user's logged-out sessions, in id order (a file written from it is stable).
    #[cfg(feature = "file-store")]
    pub(crate) fn logouts(&self) -> std::collections::BTreeMap<String, Vec<Logout>> {
        self.read()
            .iter()
            .filter(|(_, user)| !user.logouts.is_empty())
            .map(|(id, user)| (id.to_string(), user.logouts.clone()))
            .collect()
    }

    /// Records that `id`'s stored entry is malformed, so its sessions are refused.
    #[cfg(any(feature = "redis", feature = "postgres"))]
    pub(crate) fn mark_unreadable(&self, id: &str) {
        let mut users = self.write();
        let entry = &mut users.entry(id.into()).or_default().cutoff;
        *entry = Entry::Unreadable(entry.last());
    }

    /// Every readable user cut-off, in id order (a file written from it is stable).
    #[cfg(feature = "file-store")]
    pub(crate) fn user_cutoffs(&self) -> std::collections::BTreeMap<String, u64> {
        self.read()
            .iter()
            .filter_map(|(id, user)| match user.cutoff {
                Entry::At(0) | Entry::Unreadable(_) => None,
                Entry::At(at) => Some((id.to_string(), at)),
            })
            .collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<Box<str>, User>> {
        // The map is consistent after any panic (each change leaves every entry whole), so a
        // poisoned lock is safe to use, and refusing every request over it would be worse.
        self.users.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<Box<str>, User>> {
        self.users.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl User {
    /// Adds `logout` to the list, capped at [`LOGOUTS_PER_USER`]; whether anything changed.
    /// The one rule for a logout, in every store: a shared store runs it on what it read.
    pub(crate) fn add(&mut self, logout: Logout) -> bool {
        if let Entry::At(cutoff) = self.cutoff
            && logout.logged_in_at < cutoff
        {
            // Already refused by the user's cut-off.
            return false;
        }
        match self.position(logout.logged_in_at) {
            Ok(known) => {
                let known = &mut self.logouts[known];
                let later = logout.until > known.until;
                known.until = known.until.max(logout.until);
                return later;
            }
            Err(at) => self.logouts.insert(at, logout),
        }
        if self.logouts.len() > LOGOUTS_PER_USER {
            // Fail closed: the oldest logout becomes a cut-off just past it, which also ends
            // whatever older session of this user is left; the entries it covers go.
            let oldest = self.logouts[0].logged_in_at;
            self.cutoff.raise(oldest.saturating_add(1));
            let cutoff = self.cutoff.last();
            self.logouts.retain(|l| l.logged_in_at >= cutoff);
        }
        true
    }

    /// Where the logout of the session that began at `logged_in_at` is, or would go.
    fn position(&self, logged_in_at: u64) -> Result<usize, usize> {
        self.logouts
            .binary_search_by_key(&logged_in_at, |l| l.logged_in_at)
    }

    /// Whether the session that began at `logged_in_at` was logged out. A session still in use
    /// is usually newer than every logout of its user, which the bounds tell without a search.
    fn logged_out(&self, logged_in_at: u64) -> bool {
        match (self.logouts.first(), self.logouts.last()) {
            (Some(first), Some(last))
                if first.logged_in_at <= logged_in_at && logged_in_at <= last.logged_in_at =>
            {
                self.position(logged_in_at).is_ok()
            }
            _ => false,
        }
    }

    /// A user as read from elsewhere (a shared store), put in the order and form [`User::add`]
    /// keeps: sorted, one entry per login time with the latest `until`.
    #[cfg(any(feature = "redis", feature = "postgres"))]
    pub(crate) fn read(cutoff: Entry, logouts: Vec<Logout>) -> User {
        let mut user = User {
            cutoff,
            logouts: Vec::with_capacity(logouts.len()),
        };
        for logout in logouts {
            user.add(logout);
        }
        user
    }

    /// A user whose stored logouts were malformed, read while logging out the session of
    /// `logged_in_at`: the list may have held any of the user's sessions, so they all end (a
    /// cut-off past now, or past this session), and the list starts afresh.
    #[cfg(any(feature = "redis", feature = "postgres"))]
    pub(crate) fn read_malformed(cutoff: Entry, logged_in_at: u64) -> User {
        let mut user = User::read(cutoff, Vec::new());
        let now = crate::unix_now().unwrap_or(0);
        user.cutoff.raise(now.max(logged_in_at).saturating_add(1));
        user
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
        self.lookup(id, None)
    }

    fn session_cutoffs(&self, id: &str, logged_in_at: u64) -> Cutoffs {
        self.lookup(id, Some(logged_in_at))
    }
}

impl MemoryStore {
    /// The cut-offs of `id` and, for `Some` login time, of that one session: one read of the
    /// map either way.
    fn lookup(&self, id: &str, session: Option<u64>) -> Cutoffs {
        let global = Cutoffs::at(self.global.load(Ordering::Acquire));
        let users = self.read();
        let Some(user) = users.get(id) else {
            return global;
        };
        let cutoffs = match user.cutoff {
            Entry::At(at) => Cutoffs::at(at),
            Entry::Unreadable(last) => Cutoffs::unreadable_after(last),
        };
        let logged_out = session.is_some_and(|t| user.logged_out(t));
        let cutoffs = global.and(cutoffs);
        if logged_out {
            cutoffs.and_logged_out()
        } else {
            cutoffs
        }
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

    fn revoke_session(&self, id: &str, logged_in_at: u64, until: u64) -> Result<(), StoreError> {
        self.add_logout(
            id,
            Logout {
                logged_in_at,
                until,
            },
        )
        .map(|_| ())
    }

    fn global(&self) -> Option<u64> {
        Cutoffs::at(self.global.load(Ordering::Acquire)).not_before()
    }

    /// A scan of every user's entry under the read lock: about a millisecond for 100,000 users,
    /// once per "log out everywhere".
    fn latest(&self, not_after: u64) -> Option<u64> {
        let users = self.read();
        // An unreadable entry's last cut-off counts: a login may carry it.
        let users = users.values().map(|user| user.cutoff.last());
        self.global()
            .into_iter()
            .chain(users)
            .filter(|at| *at != 0 && *at <= not_after)
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
