//! What the stores shared through a server (Redis, PostgreSQL) do alike: the sync thread's
//! loop of following and reconnecting, its stop signal, the builders' bounds, and a revocation
//! made in this instance's copy first, then on the server.

use std::io;
use std::sync::mpsc::SyncSender;
use std::sync::{Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::memory::Logout;
use super::{CutoffStore, MemoryStore, StoreError};

pub(super) const DEFAULT_RESYNC_INTERVAL: Duration = Duration::from_secs(30);
/// The shortest resync interval: reloads back to back would only load the server.
pub(super) const MIN_RESYNC_INTERVAL: Duration = Duration::from_millis(100);
pub(super) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// The shortest connect timeout: a zero one would fail every connection before it began.
pub(super) const MIN_CONNECT_TIMEOUT: Duration = Duration::from_millis(1);
/// The shortest fail-closed bound: the sync thread wakes every `POLL` (0.2 s) to check on its
/// server, and a healthy connection must show itself alive well within the bound.
pub(super) const MIN_FAIL_CLOSED_AFTER: Duration = Duration::from_secs(1);

/// How long the sync thread waits for a change before it checks whether its store was dropped:
/// the longest a drop waits for the thread while it is connected.
pub(super) const POLL: Duration = Duration::from_millis(200);
/// Waits between reconnection attempts, doubling from the first to the last, and never longer
/// than the resync interval: a server that comes back is found within that interval (the bound
/// on staleness the store promises) or `BACKOFF_MAX`, whichever is shorter, and an outage logs
/// one line per wait at most.
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// A time as the stores write it: a canonical decimal within `u64` (no sign, no leading zero),
/// as Redis's scripts check it and PostgreSQL's `numeric::text` prints it, so that what the
/// server and this parser call malformed is the same.
pub(super) fn parse_secs(text: &[u8]) -> Option<u64> {
    match text {
        [b'0'] => Some(0),
        [b'1'..=b'9', rest @ ..] if rest.iter().all(u8::is_ascii_digit) => {
            core::str::from_utf8(text).ok()?.parse().ok()
        }
        _ => None,
    }
}

/// Applies one change as every store announces it to the fleet (Redis's channel, PostgreSQL's
/// notifications) to `memory`: `g <secs>`, `u <secs> <id>` or `s <login> <until> <id>`, the id
/// last, after the times. Whether it was one of those.
pub(super) fn apply_change(memory: &MemoryStore, payload: &[u8]) -> bool {
    let mut parts = payload.splitn(3, |&b| b == b' ');
    match (
        parts.next(),
        parts.next().and_then(parse_secs),
        parts.next(),
    ) {
        (Some(b"g"), Some(at), None) => {
            memory.raise_global(at);
            true
        }
        (Some(b"u"), Some(at), Some(id)) => {
            core::str::from_utf8(id).is_ok_and(|id| memory.raise_user(id, at).is_ok())
        }
        (Some(b"s"), Some(logged_in_at), Some(rest)) => {
            let mut rest = rest.splitn(2, |&b| b == b' ');
            match (rest.next().and_then(parse_secs), rest.next()) {
                (Some(until), Some(id)) => core::str::from_utf8(id).is_ok_and(|id| {
                    let logout = Logout {
                        logged_in_at,
                        until,
                    };
                    memory.add_logout(id, logout).is_ok()
                }),
                _ => false,
            }
        }
        _ => false,
    }
}

/// At most 64 characters of a malformed id for the log: a row or a field on the server can hold
/// text of any size.
pub(super) fn shorten(id: &str) -> &str {
    id.char_indices().nth(64).map_or(id, |(end, _)| &id[..end])
}

/// Starts a thread named `name` (as seen in a debugger or `top -H`) running `f`; the system's
/// error if it refuses one (too many threads, too little memory), for the store to return
/// rather than panic as `thread::spawn` does.
pub(super) fn spawn<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> io::Result<JoinHandle<T>> {
    #[cfg(test)]
    if refusal::REFUSED.with(std::cell::Cell::get) {
        return Err(io::Error::new(
            io::ErrorKind::OutOfMemory,
            "refused for a test",
        ));
    }
    thread::Builder::new().name(name.to_owned()).spawn(f)
}

/// The flag that tells the sync thread its store was dropped; under a mutex with `wake`, so no
/// wake-up is missed.
pub(super) struct Stop {
    stop: Mutex<bool>,
    wake: Condvar,
}

impl Stop {
    pub(super) fn new() -> Stop {
        Stop {
            stop: Mutex::new(false),
            wake: Condvar::new(),
        }
    }

    pub(super) fn stopped(&self) -> bool {
        *self.stop.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits `duration` or until the store is dropped; whether it was.
    pub(super) fn sleep(&self, duration: Duration) -> bool {
        let stop = self.stop.lock().unwrap_or_else(PoisonError::into_inner);
        let (stop, _) = self
            .wake
            .wait_timeout_while(stop, duration, |stop| !*stop)
            .unwrap_or_else(PoisonError::into_inner);
        *stop
    }

    /// Stops the thread, waking it if it sleeps.
    pub(super) fn stop(&self) {
        // Set under the lock the thread sleeps on, so it cannot miss the wake-up.
        *self.stop.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.wake.notify_all();
    }
}

/// The sync thread: follows the server until the store is dropped, reconnecting after errors.
///
/// `follow` is one connection's life (`first` for the one that makes the load `build` waits
/// for): it calls `loaded` once the state is loaded, and returns `Ok` when the store is dropped.
/// The first load's outcome goes to `ready`; a first load that fails ends the thread. Each
/// failure after it is reported to `failed` with the wait before the next attempt, and the first
/// load that succeeds after failures logs that the store of `label` reconnected.
pub(super) fn run<E>(
    label: &str,
    ready: SyncSender<Result<(), E>>,
    resync_interval: Duration,
    stop: &Stop,
    mut follow: impl FnMut(bool, &mut dyn FnMut()) -> Result<(), E>,
    failed: impl Fn(&E, Duration),
) {
    let mut ready = Some(ready);
    let mut backoff = BACKOFF_MIN;
    let mut failing = false;
    loop {
        let result = follow(ready.is_some(), &mut || {
            match ready.take() {
                Some(ready) => {
                    let _ = ready.send(Ok(()));
                }
                None if failing => tracing::info!("{label} cut-off store: reconnected, reloaded"),
                None => {}
            }
            backoff = BACKOFF_MIN;
            failing = false;
        });
        let error = match result {
            Ok(()) => return,
            Err(error) => error,
        };
        if let Some(ready) = ready.take() {
            // `build` returns the error; nobody holds the store, so nothing to follow.
            let _ = ready.send(Err(error));
            return;
        }
        failed(&error, backoff);
        failing = true;
        if stop.sleep(backoff) {
            return;
        }
        backoff = (backoff * 2).min(BACKOFF_MAX).min(resync_interval);
    }
}

/// The server side of a store that keeps a copy of the cut-offs in memory: what its shared
/// state does, for [`revoke_all`] and the others, on the server.
pub(super) trait Server {
    /// Why the server could not be reached or refused.
    type Failure;

    /// This instance's copy.
    fn memory(&self) -> &MemoryStore;

    /// Raises the cut-off of `id` (the global one for `None`) on the server, announcing it.
    fn raise(&self, id: Option<&str>, not_before: u64) -> Result<(), Self::Failure>;

    /// Revokes, for `id` or every id, every session that began up to `now`, judged against what
    /// the server holds; returns the cut-off.
    fn transact_revocation(
        &self,
        id: Option<&str>,
        now: u64,
        leeway: u64,
    ) -> Result<u64, Self::Failure>;

    /// Logs out one session of `id` on the server, announcing it.
    fn transact_logout(&self, id: &str, logout: Logout) -> Result<(), Self::Failure>;

    /// `failure` as the store's error, naming the server it tried.
    fn unavailable(&self, failure: Self::Failure) -> StoreError;
}

/// Raises the global cut-off here, then on the server.
pub(super) fn revoke_all(server: &impl Server, not_before: u64) -> Result<(), StoreError> {
    server.memory().raise_global(not_before);
    server
        .raise(None, not_before)
        .map_err(|e| server.unavailable(e))
}

/// Checks the id and raises its cut-off here (so an invalid id never reaches the network), then
/// on the server.
pub(super) fn revoke_user(
    server: &impl Server,
    id: &str,
    not_before: u64,
) -> Result<(), StoreError> {
    server.memory().raise_user(id, not_before)?;
    server
        .raise(Some(id), not_before)
        .map_err(|e| server.unavailable(e))
}

/// Logs the session out here (so an invalid id never reaches the network), then on the server.
pub(super) fn revoke_session(
    server: &impl Server,
    id: &str,
    logged_in_at: u64,
    until: u64,
) -> Result<(), StoreError> {
    let logout = Logout {
        logged_in_at,
        until,
    };
    server.memory().add_logout(id, logout)?;
    server
        .transact_logout(id, logout)
        .map_err(|e| server.unavailable(e))
}

/// [`CutoffStore::revoke_user_until`]: the id checked, then [`revoke_until`].
pub(super) fn revoke_user_until(
    server: &impl Server,
    id: &str,
    now: u64,
) -> Result<u64, StoreError> {
    crate::format::check_id(id).map_err(StoreError::InvalidId)?;
    revoke_until(server, Some(id), now, 0)
}

/// A revocation "until now" through the server, then into this instance's copy; when the
/// server fails, into the copy alone, by the copy's own reckoning.
pub(super) fn revoke_until(
    server: &impl Server,
    id: Option<&str>,
    now: u64,
    leeway: u64,
) -> Result<u64, StoreError> {
    let memory = server.memory();
    match server.transact_revocation(id, now, leeway) {
        Ok(cutoff) => {
            match id {
                Some(id) => memory.revoke_user(id, cutoff)?,
                None => memory.revoke_all(cutoff)?,
            }
            Ok(cutoff)
        }
        Err(error) => {
            match id {
                Some(id) => memory.revoke_user_until(id, now)?,
                None => memory.revoke_all_until(now, leeway)?,
            };
            Err(server.unavailable(error))
        }
    }
}

/// A system that refuses threads, which no test can ask of the real one (root ignores
/// `RLIMIT_NPROC`): set, `spawn` refuses every thread the current thread asks for.
#[cfg(test)]
pub(super) mod refusal {
    use std::cell::Cell;

    thread_local! {
        pub(in crate::store) static REFUSED: Cell<bool> = const { Cell::new(false) };
    }

    /// Runs `f` as if the system refused every thread this one asks for.
    pub(in crate::store) fn without_threads<T>(f: impl FnOnce() -> T) -> T {
        REFUSED.with(|refused| refused.set(true));
        let result = f();
        REFUSED.with(|refused| refused.set(false));
        result
    }
}
