//! The sync thread: keeps an instance's copy of the cut-offs fresh by following the channel
//! the script publishes on, and reloading the whole state now and then.

use std::sync::PoisonError;
use std::sync::atomic::Ordering;
use std::sync::mpsc::SyncSender;
use std::time::Instant;

use redis::{ConnectionAddr, ErrorKind, RedisError, RedisResult, Value};

use super::revoke::STATE;
use super::{Shared, Target, decode_logouts, parse_secs};
use crate::store::CutoffStore;
use crate::store::fleet::{self, POLL, shorten};

/// The thread's name, as seen in a debugger or `top -H`.
pub(super) const THREAD_NAME: &str = "sigcookie-redis-sync";

impl Shared {
    /// The sync thread: follows Redis until the store is dropped, reconnecting after errors.
    pub(super) fn run(&self, ready: SyncSender<RedisResult<()>>) {
        let follow = |first: bool, loaded: &mut dyn FnMut()| self.follow(first, loaded);
        fleet::run(
            "redis",
            ready,
            self.resync_interval,
            &self.stop,
            follow,
            |error, backoff| {
                tracing::warn!(
                    server = %self.server(),
                    %error,
                    retry_in = ?backoff,
                    serving = self.contact.serving(),
                    "redis cut-off store: cannot follow Redis"
                );
            },
        );
    }

    /// One connection's life: subscribe, load, then apply changes until the store is dropped
    /// (`Ok`) or something fails (`Err`). `loaded` is called once the state is loaded.
    fn follow(&self, first: bool, loaded: &mut dyn FnMut()) -> RedisResult<()> {
        let (mut con, master) = self.subscriber()?;
        if matches!(self.target, Target::Sentinel(_)) {
            // The loads and writes follow the same master: a connection to the one before a
            // failover would read a stale state (it may not have been demoted yet).
            *self.conn.lock().unwrap_or_else(PoisonError::into_inner) = None;
        }
        let mut pubsub = con.as_pubsub();
        // Subscribed before loading: a change published during the load is queued on this
        // connection and applied after it. Loading first would lose one made in between.
        pubsub.subscribe(&self.channel)?;
        self.load(first)?;
        loaded();
        pubsub.set_read_timeout(Some(POLL))?;
        let check_every = self.contact.check_every(self.resync_interval);
        let mut next_load = Instant::now() + self.resync_interval;
        let mut next_check = Instant::now() + check_every;
        while !self.stop.stopped() {
            let now = Instant::now();
            if now >= next_load || now >= next_check {
                // A connection cut without a word (a silent network) fails the ping, instead of
                // waiting for messages forever.
                pubsub.set_read_timeout(Some(self.timeout))?;
                pubsub.ping::<Value>()?;
                pubsub.set_read_timeout(Some(POLL))?;
                self.contact.touch();
                self.check_master(&master)?;
                next_check = Instant::now() + check_every;
            }
            if now >= next_load {
                self.load(false)?;
                next_load = Instant::now() + self.resync_interval;
            }
            match pubsub.get_message() {
                Ok(message) => {
                    self.contact.touch();
                    if !fleet::apply_change(&self.memory, message.get_payload_bytes()) {
                        tracing::warn!(
                            channel = %self.channel,
                            "redis cut-off store: unexpected message; reloading"
                        );
                        next_load = Instant::now();
                    }
                }
                Err(error) if error.is_timeout() => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    /// With Sentinel, an error if the sentinels now name another master than `master`, the one
    /// this connection follows: a master that lost a failover but still runs may not be demoted
    /// (nor its clients cut off) for several seconds, during which it would hear none of the
    /// changes made on the new one. When the sentinels cannot say, the thread keeps following.
    fn check_master(&self, master: &ConnectionAddr) -> RedisResult<()> {
        let Target::Sentinel(sentinels) = &self.target else {
            return Ok(());
        };
        match sentinels.connect(self.timeout) {
            Ok((_, now)) if now != *master => Err(RedisError::from((
                ErrorKind::Io,
                "the sentinels name a new master",
                now.to_string(),
            ))),
            _ => Ok(()),
        }
    }

    /// Reads the whole state and raises the copy to it (never lowers it).
    fn load(&self, first: bool) -> RedisResult<()> {
        let state = self.invocation(&STATE);
        let (global, users, logouts): State = self.with_conn(|con| state.invoke(con))?;
        let empty = global.is_none() && users.is_empty() && logouts.is_empty();
        self.absorb(global, &users, first)?;
        self.absorb_logouts(&logouts);
        self.contact.touch();
        self.report_emptied(empty);
        Ok(())
    }

    /// Says loudly, once, that Redis holds nothing while this instance knew cut-offs: the fleet's
    /// revocations are gone from Redis, and an instance started now would accept the sessions
    /// they ended. The copy keeps them (a load never lowers it).
    fn report_emptied(&self, empty: bool) {
        let knew = self.memory.global().is_some() || self.memory.users() > 0;
        if !(empty && knew) {
            if !empty {
                self.emptied.store(false, Ordering::Relaxed);
            }
            return;
        }
        if self.emptied.swap(true, Ordering::Relaxed) {
            return;
        }
        tracing::error!(
            server = %self.server(),
            key = %self.global_key,
            known_global = ?self.memory.global(),
            known_users = self.memory.users(),
            "redis cut-off store: Redis holds no cut-offs at all, but this instance knew some: it \
             was most likely flushed (FLUSHALL, FLUSHDB) or restarted without persistence. This \
             instance keeps the cut-offs it knew; an instance started from now on knows none of \
             them and accepts the sessions they revoked. Log out everywhere to be safe, and keep \
             Redis persistent (appendonly yes)"
        );
    }

    /// Adds every logout read from Redis to the copy. A malformed list fails closed: the id's
    /// sessions are refused until it is revoked again, since the list may have held theirs.
    fn absorb_logouts(&self, logouts: &[(Vec<u8>, Vec<u8>)]) {
        for (id, list) in logouts {
            let id = String::from_utf8_lossy(id);
            let added = decode_logouts(list).is_some_and(|list| {
                list.into_iter()
                    .all(|logout| self.memory.add_logout(&id, logout).is_ok())
            });
            if !added {
                self.memory.mark_unreadable(&id);
                tracing::warn!(
                    id = ?shorten(&id),
                    key = %self.logouts_key,
                    "redis cut-off store: malformed logouts; refusing this id until revoked again"
                );
            }
        }
    }

    /// Raises the copy to a state read from Redis (never lowers it). Malformed entries fail
    /// closed; a malformed global value is an error only on the `first` load.
    fn absorb(
        &self,
        global: Option<Vec<u8>>,
        users: &[(Vec<u8>, Vec<u8>)],
        first: bool,
    ) -> RedisResult<()> {
        match global.as_deref().map(parse_secs) {
            None => {}
            Some(Some(at)) => {
                self.memory.raise_global(at);
            }
            Some(None) if first => {
                return Err(RedisError::from((
                    ErrorKind::Parse,
                    "malformed global cut-off; refusing to start without it (revoke_all replaces it)",
                    self.global_key.clone(),
                )));
            }
            Some(None) => tracing::warn!(
                key = %self.global_key,
                "redis cut-off store: malformed global cut-off; keeping the last known one"
            ),
        }
        for (id, at) in users {
            let id = String::from_utf8_lossy(id);
            let raised = parse_secs(at).is_some_and(|at| self.memory.raise_user(&id, at).is_ok());
            if !raised {
                // Fail closed: the entry may have been a revocation.
                self.memory.mark_unreadable(&id);
                tracing::warn!(
                    id = ?shorten(&id),
                    key = %self.users_key,
                    "redis cut-off store: malformed entry; refusing this id until revoked again"
                );
            }
        }
        Ok(())
    }
}
/// The global cut-off, every user's and every user's logouts, as Redis returns them.
/// The global cut-off and every user's, as Redis returns them.
type State = (
    Option<Vec<u8>>,
    Vec<(Vec<u8>, Vec<u8>)>,
    Vec<(Vec<u8>, Vec<u8>)>,
);
