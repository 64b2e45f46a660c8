//! [`RedisStore`]: cut-offs shared by a fleet of instances through Redis.

use std::fmt;
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use redis::{Client, Connection, ErrorKind, RedisError, RedisResult, Value};

use super::{CutoffStore, MemoryStore, StoreError, everywhere_cutoff_from};
use crate::{Cutoffs, Revocations};

const DEFAULT_PREFIX: &str = "sigcookie:cutoffs";
const DEFAULT_RESYNC_INTERVAL: Duration = Duration::from_secs(30);
/// The shortest resync interval: reloads back to back would only load Redis.
const MIN_RESYNC_INTERVAL: Duration = Duration::from_millis(100);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the sync thread waits for a message before it checks whether its store was dropped:
/// the longest a drop waits for the thread while it is connected.
const POLL: Duration = Duration::from_millis(200);
/// Waits between reconnection attempts, doubling from the first to the last: a Redis that comes
/// back is found within `BACKOFF_MAX`, and an outage logs one line per `BACKOFF_MAX` at most.
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(10);
/// The thread's name, as seen in a debugger or `top -H`.
const THREAD_NAME: &str = "sigcookie-redis-sync";
/// How many times a revocation "until now" tries its transaction before it raises the cut-off
/// of its last reading without one (see `Shared::transact_revocation`).
const ATTEMPTS: usize = 4;

/// Raises one cut-off and announces it, in one script so that no change is stored unannounced
/// (Redis runs a script atomically). KEYS[1] is the global key or the users' hash; ARGV is the
/// channel, `g` or `u`, the new cut-off in canonical decimal and, for `u`, the id.
///
/// Numbers are compared as text (canonical decimals: more digits is larger, then by text), since
/// Lua's numbers are doubles and lose precision above 2^53. A stored value that is not a
/// canonical decimal within u64 is malformed: instances refuse the id over it, and any new
/// revocation replaces it.
const RAISE: &str = r"
local function valid(s)
  if not s then return false end
  if s ~= '0' and not string.find(s, '^[1-9]%d*$') then return false end
  return #s < 20 or (#s == 20 and s <= '18446744073709551615')
end
local new = ARGV[3]
local old
if ARGV[2] == 'g' then old = redis.call('GET', KEYS[1]) else old = redis.call('HGET', KEYS[1], ARGV[4]) end
if valid(old) and (#old > #new or (#old == #new and old >= new)) then return 0 end
if ARGV[2] == 'g' then
  redis.call('SET', KEYS[1], new)
  redis.call('PUBLISH', ARGV[1], 'g ' .. new)
else
  redis.call('HSET', KEYS[1], ARGV[4], new)
  redis.call('PUBLISH', ARGV[1], 'u ' .. new .. ' ' .. ARGV[4])
end
return 1
";

/// Cut-offs shared by a fleet of instances through one Redis: a revocation made on any instance
/// reaches all of them, and survives their restarts (and Redis's, with its persistence on).
///
/// # How it works
/// Redis holds the cut-offs under a key prefix (default `sigcookie:cutoffs`): the global one in
/// the string `{prefix}:global`, each user's in the hash `{prefix}:users` (field = id, value =
/// unix seconds in decimal). A revocation runs a small Lua script that raises the stored value
/// only if the new one is later (cut-offs never move back) and, in the same atomic step,
/// publishes the change on the channel `{prefix}:changes` (`g <secs>` or `u <secs> <id>`).
///
/// Each instance answers [`Revocations::cutoffs`] from a copy in its own memory, so a verify
/// never waits on the network. A background thread (`sigcookie-redis-sync`) keeps the copy up to
/// date: it subscribes to the channel *first*, then loads the whole state, so a change
/// published during the load is queued and applied after it rather than lost; then it applies
/// each message as it arrives, and reloads the whole state every
/// [`resync_interval`](RedisStoreBuilder::resync_interval). On any error it logs a warning,
/// waits (0.1 s, doubling up to 10 s), reconnects, subscribes and reloads. Dropping the store
/// stops the thread and waits for it (a fraction of a second, or up to the connect timeout if
/// a connection attempt is under way).
///
/// # Staleness
/// How late a revocation made on another instance can be seen here:
/// - connected: the time for Redis to deliver the message, milliseconds on a local network;
/// - if a message is lost anyway (or someone writes to Redis directly without the script), or
///   the connection is cut without a word: at most the resync interval (30 s by default), plus
///   the connect timeout for the ping that finds a silent connection dead;
/// - while Redis is unreachable: this instance keeps answering with the last cut-offs it knew,
///   logging a warning at each failed reconnection, and catches up with one reload as soon as
///   Redis answers again (within 10 s of its return).
///
/// A revocation made on *this* instance is in force here when `revoke_*` returns, whatever
/// Redis says. "Until now" revocations ([`CutoffStore::revoke_all_until`],
/// [`CutoffStore::revoke_user_until`], which `SessionCookie` uses) do not trust the copy: they
/// read what Redis holds and raise it in one `WATCH`/`MULTI` transaction, so that they pass a
/// cut-off another instance set a moment ago, and a login it stamped with it.
///
/// # Failing closed
/// - [`build`](RedisStoreBuilder::build) connects and loads everything before it returns, so an
///   instance started after a revocation refuses from its first request; if Redis cannot be
///   reached it returns [`StoreError::Unavailable`] rather than start with no cut-offs.
/// - `revoke_all` / `revoke_user` return [`StoreError::Unavailable`] when Redis cannot store
///   the change: each step (connecting, each command) gives up after the connect timeout, 2 s
///   by default, so a dead or hung Redis answers within seconds, never a hang. The cut-off is
///   then in force in this instance all the same (fail safe), but not in the others nor after
///   a restart: retry. (A hung Redis may still apply the change when it wakes.)
/// - A user's entry that is not a number (or whose id no signer signs) refuses that id: its
///   [`Cutoffs::is_unreadable`] is set until a new revocation of the id replaces the entry, and
///   each load logs a warning naming the id (ids are not secrets; values are not logged).
/// - A malformed global value makes [`build`](RedisStoreBuilder::build) fail, as reading it as
///   "none" would un-revoke every session, and a running instance keeps the last global cut-off
///   it knew (with a warning at each load). `revoke_all` replaces it.
///
/// Redis must keep its data: a revocation is as durable as Redis makes its writes when it
/// acknowledges them (`appendonly yes` with `appendfsync always`: on disk). A Redis that
/// restarts empty leaves running instances their copies (cut-offs never move back), but new
/// ones start without the lost cut-offs.
///
/// ```no_run
/// use std::time::Duration;
/// use sigcookie::store::{CutoffStore, RedisStore};
/// use sigcookie::{Cutoffs, Revocations};
///
/// let store = RedisStore::builder("redis://127.0.0.1:6379/")
///     .prefix("myapp:cutoffs")
///     .resync_interval(Duration::from_secs(60))
///     .build()?;
/// store.revoke_user("42", 1_764_000_100)?; // every instance refuses 42's older sessions
/// assert_eq!(store.cutoffs("42"), Cutoffs::at(1_764_000_100));
/// # Ok::<(), sigcookie::store::StoreError>(())
/// ```
pub struct RedisStore {
    shared: Arc<Shared>,
    sync: Option<JoinHandle<()>>,
}

/// How to reach Redis and where the cut-offs are in it: [`RedisStore::builder`].
///
/// ```no_run
/// use std::time::Duration;
/// use sigcookie::store::RedisStore;
///
/// let store = RedisStore::builder("redis://cache.internal:6379/0")
///     .connect_timeout(Duration::from_secs(1))
///     .build()?;
/// # Ok::<(), sigcookie::store::StoreError>(())
/// ```
#[derive(Clone)]
pub struct RedisStoreBuilder {
    url: String,
    prefix: String,
    resync_interval: Duration,
    connect_timeout: Duration,
}

/// What the store and its thread share.
struct Shared {
    client: Client,
    global_key: String,
    users_key: String,
    channel: String,
    timeout: Duration,
    resync_interval: Duration,
    memory: MemoryStore,
    /// For revocations and loads; opened on first use and dropped after any error, so that a
    /// reply arriving late on it is never read as the answer to the next command.
    conn: Mutex<Option<Connection>>,
    /// Set when the store is dropped; under a mutex with `wake`, so no wake-up is missed.
    stop: Mutex<bool>,
    wake: Condvar,
}

impl RedisStore {
    /// Connects to Redis at `url` with the defaults, loading every cut-off before returning:
    /// `RedisStore::builder(url).build()`.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if `url` is not a Redis URL, Redis cannot be reached within
    /// the connect timeout, or its global cut-off is malformed.
    ///
    /// ```
    /// use sigcookie::store::{RedisStore, StoreError};
    ///
    /// // Nothing listens on port 1: no store, rather than one without the fleet's cut-offs.
    /// let result = RedisStore::connect("redis://127.0.0.1:1/");
    /// assert!(matches!(result, Err(StoreError::Unavailable(_))));
    /// ```
    pub fn connect(url: &str) -> Result<RedisStore, StoreError> {
        RedisStore::builder(url).build()
    }

    /// A builder for a store in the Redis at `url` (`redis://[user:password@]host[:port][/db]`
    /// or `redis+unix:///path`), with the key prefix `sigcookie:cutoffs`, a resync every 30 s
    /// and a 2 s connect timeout.
    ///
    /// ```no_run
    /// use sigcookie::store::RedisStore;
    /// let store = RedisStore::builder("redis://127.0.0.1/").prefix("staging:cutoffs").build()?;
    /// # Ok::<(), sigcookie::store::StoreError>(())
    /// ```
    pub fn builder(url: &str) -> RedisStoreBuilder {
        RedisStoreBuilder {
            url: url.to_owned(),
            prefix: DEFAULT_PREFIX.to_owned(),
            resync_interval: DEFAULT_RESYNC_INTERVAL,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }
}

impl RedisStoreBuilder {
    /// The prefix of the store's keys and channel (`{prefix}:global`, `{prefix}:users`,
    /// `{prefix}:changes`): one per fleet that must not share revocations with another.
    ///
    /// ```no_run
    /// # use sigcookie::store::RedisStore;
    /// let store = RedisStore::builder("redis://127.0.0.1/").prefix("shop:cutoffs").build()?;
    /// # Ok::<(), sigcookie::store::StoreError>(())
    /// ```
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> RedisStoreBuilder {
        self.prefix = prefix.into();
        self
    }

    /// How often the whole state is reloaded even without a message (30 s by default): the
    /// bound on staleness should a change ever be missed. Each reload also checks that the
    /// subscription's connection is alive. At least 100 ms: a shorter one would keep the thread
    /// reloading without pause.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use sigcookie::store::RedisStore;
    /// let store = RedisStore::builder("redis://127.0.0.1/")
    ///     .resync_interval(Duration::from_secs(10))
    ///     .build()?;
    /// # Ok::<(), sigcookie::store::StoreError>(())
    /// ```
    #[must_use]
    pub fn resync_interval(mut self, interval: Duration) -> RedisStoreBuilder {
        self.resync_interval = interval.max(MIN_RESYNC_INTERVAL);
        self
    }

    /// How long to wait for Redis to accept a connection, and then for each command's reply
    /// (2 s by default): a dead Redis costs a revocation this long twice at most, never a hang.
    /// Zero is taken as one millisecond.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use sigcookie::store::RedisStore;
    /// let store = RedisStore::builder("redis://127.0.0.1/")
    ///     .connect_timeout(Duration::from_millis(500))
    ///     .build()?;
    /// # Ok::<(), sigcookie::store::StoreError>(())
    /// ```
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> RedisStoreBuilder {
        self.connect_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// Connects, subscribes, loads every cut-off and starts the sync thread. Returns only once
    /// the cut-offs are loaded: a store never answers a lookup from an empty copy.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the URL is invalid, Redis cannot be reached or answers
    /// with an error, or its global cut-off is malformed. Fail closed: there is no store that
    /// starts without the fleet's cut-offs.
    ///
    /// ```
    /// use sigcookie::store::{RedisStore, StoreError};
    /// let result = RedisStore::builder("not a url").build();
    /// assert!(matches!(result, Err(StoreError::Unavailable(_))));
    /// ```
    pub fn build(self) -> Result<RedisStore, StoreError> {
        let client = Client::open(self.url.as_str()).map_err(StoreError::Unavailable)?;
        let shared = Arc::new(Shared {
            client,
            global_key: format!("{}:global", self.prefix),
            users_key: format!("{}:users", self.prefix),
            channel: format!("{}:changes", self.prefix),
            timeout: self.connect_timeout,
            resync_interval: self.resync_interval,
            memory: MemoryStore::new(),
            conn: Mutex::new(None),
            stop: Mutex::new(false),
            wake: Condvar::new(),
        });
        // The thread makes the first load itself, so that it is subscribed before it (see
        // `follow`); it reports how that went and, if it failed, ends.
        let (ready, loaded) = mpsc::sync_channel(1);
        let thread = Arc::clone(&shared);
        let sync = thread::Builder::new()
            .name(THREAD_NAME.to_owned())
            .spawn(move || thread.run(ready))
            .map_err(|e| StoreError::Unavailable(e.into()))?;
        let store = RedisStore {
            shared,
            sync: Some(sync),
        };
        match loaded.recv() {
            Ok(Ok(())) => Ok(store),
            Ok(Err(error)) => Err(StoreError::Unavailable(error)),
            Err(_) => Err(StoreError::Unavailable(RedisError::from((
                ErrorKind::Client,
                "the redis cut-off sync thread ended before loading",
            )))),
        }
    }
}

impl Shared {
    /// The sync thread: follows Redis until the store is dropped, reconnecting after errors.
    fn run(&self, ready: SyncSender<RedisResult<()>>) {
        let mut ready = Some(ready);
        let mut backoff = BACKOFF_MIN;
        let mut failing = false;
        loop {
            let result = self.follow(ready.is_some(), &mut || {
                match ready.take() {
                    Some(ready) => {
                        let _ = ready.send(Ok(()));
                    }
                    None if failing => tracing::info!("redis cut-off store: reconnected, reloaded"),
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
            tracing::warn!(
                %error,
                retry_in = ?backoff,
                "redis cut-off store: cannot follow Redis; serving the last known cut-offs"
            );
            failing = true;
            if self.sleep(backoff) {
                return;
            }
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
    }

    /// One connection's life: subscribe, load, then apply changes until the store is dropped
    /// (`Ok`) or something fails (`Err`). `loaded` is called once the state is loaded.
    fn follow(&self, first: bool, loaded: &mut dyn FnMut()) -> RedisResult<()> {
        let mut con = self.connect()?;
        let mut pubsub = con.as_pubsub();
        // Subscribed before loading: a change published during the load is queued on this
        // connection and applied after it. Loading first would lose one made in between.
        pubsub.subscribe(&self.channel)?;
        self.load(first)?;
        loaded();
        pubsub.set_read_timeout(Some(POLL))?;
        let mut next_load = Instant::now() + self.resync_interval;
        while !self.stopped() {
            if Instant::now() >= next_load {
                // A connection cut without a word (a silent network) fails the ping, instead of
                // waiting for messages forever.
                pubsub.set_read_timeout(Some(self.timeout))?;
                pubsub.ping::<Value>()?;
                pubsub.set_read_timeout(Some(POLL))?;
                self.load(false)?;
                next_load = Instant::now() + self.resync_interval;
            }
            match pubsub.get_message() {
                Ok(message) => {
                    if !self.apply(message.get_payload_bytes()) {
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

    /// Reads the whole state and raises the copy to it (never lowers it).
    fn load(&self, first: bool) -> RedisResult<()> {
        let (global, users): State = self.with_conn(|con| {
            redis::pipe()
                .cmd("GET")
                .arg(&self.global_key)
                .cmd("HGETALL")
                .arg(&self.users_key)
                .query(con)
        })?;
        self.absorb(global, &users, first)
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

    /// Applies one message from the channel; whether it was one the script sends.
    fn apply(&self, payload: &[u8]) -> bool {
        let mut parts = payload.splitn(3, |&b| b == b' ');
        match (
            parts.next(),
            parts.next().and_then(parse_secs),
            parts.next(),
        ) {
            (Some(b"g"), Some(at), None) => {
                self.memory.raise_global(at);
                true
            }
            (Some(b"u"), Some(at), Some(id)) => {
                std::str::from_utf8(id).is_ok_and(|id| self.memory.raise_user(id, at).is_ok())
            }
            _ => false,
        }
    }

    /// Revokes, for `id` or for every id, every session that began up to `now`, judged against
    /// what Redis holds at this moment: a copy that lags behind a revocation another instance
    /// just made (and a login it stamped with it) would date the new cut-off too early. Under
    /// `WATCH`, the cut-offs are read and the new one worked out by the rule every store uses
    /// ([`Cutoffs::revoke_at`], [`everywhere_cutoff_from`]), then raised by the script in
    /// `MULTI`. A change by another instance in between aborts it, and it starts again, at
    /// most [`ATTEMPTS`] times: a fleet that keeps revoking could abort it forever. After that
    /// the cut-off of a last reading is raised as it is; what it may miss is a revocation made
    /// at that very moment, concurrent with this one. Returns the cut-off.
    fn transact_revocation(&self, id: Option<&str>, now: u64, leeway: u64) -> RedisResult<u64> {
        self.with_conn(|con| {
            for _ in 0..ATTEMPTS {
                redis::cmd("WATCH")
                    .arg(&self.global_key)
                    .arg(&self.users_key)
                    .exec(con)?;
                let cutoff = self.fleet_cutoff(con, id, now, leeway)?;
                let mut pipe = redis::pipe();
                self.raise_in(pipe.atomic(), id, cutoff);
                // `None` when another instance changed the cut-offs since the `WATCH`, which
                // `EXEC` also ends.
                if pipe.query::<Option<(i64,)>>(con)?.is_some() {
                    return Ok(cutoff);
                }
            }
            let cutoff = self.fleet_cutoff(con, id, now, leeway)?;
            let mut pipe = redis::pipe();
            self.raise_in(&mut pipe, id, cutoff);
            pipe.query::<(i64,)>(con)?;
            tracing::warn!(
                "redis cut-off store: other instances kept changing cut-offs; revoked without \
                 waiting for a quiet moment"
            );
            Ok(cutoff)
        })
    }

    /// The cut-off that revokes, at `now`, every session of `id` (or of every id) that began so
    /// far, by what Redis holds and what this instance's copy holds (the later of each, so an
    /// entry unreadable in Redis still counts with its last known value).
    fn fleet_cutoff(
        &self,
        con: &mut Connection,
        id: Option<&str>,
        now: u64,
        leeway: u64,
    ) -> RedisResult<u64> {
        let stored = |at: Option<Vec<u8>>| at.as_deref().and_then(parse_secs);
        match id {
            Some(id) => {
                let (global, user): (Option<Vec<u8>>, Option<Vec<u8>>) = redis::pipe()
                    .cmd("GET")
                    .arg(&self.global_key)
                    .cmd("HGET")
                    .arg(&self.users_key)
                    .arg(id)
                    .query(con)?;
                let fleet = Cutoffs::at(stored(global).unwrap_or(0))
                    .and(Cutoffs::at(stored(user).unwrap_or(0)));
                Ok(self.memory.cutoffs(id).and(fleet).revoke_at(now))
            }
            None => {
                let (global, users): (Option<Vec<u8>>, Vec<Vec<u8>>) = redis::pipe()
                    .cmd("GET")
                    .arg(&self.global_key)
                    .cmd("HVALS")
                    .arg(&self.users_key)
                    .query(con)?;
                let limit = now.saturating_add(leeway);
                let global = stored(global).max(self.memory.global());
                let latest = users
                    .iter()
                    .filter_map(|at| parse_secs(at))
                    .chain(global)
                    .filter(|at| *at <= limit)
                    .max()
                    .max(self.memory.latest(limit));
                Ok(everywhere_cutoff_from(latest, global, now))
            }
        }
    }

    /// Adds the script that raises `id`'s cut-off (or the global one) to `cutoff` to `pipe`.
    fn raise_in(&self, pipe: &mut redis::Pipeline, id: Option<&str>, cutoff: u64) {
        let (key, kind) = match id {
            Some(_) => (&self.users_key, "u"),
            None => (&self.global_key, "g"),
        };
        pipe.cmd("EVAL")
            .arg(RAISE)
            .arg(1)
            .arg(key)
            .arg(&self.channel)
            .arg(kind)
            .arg(cutoff);
        if let Some(id) = id {
            pipe.arg(id);
        }
    }

    /// Stores one change through the script.
    fn raise(&self, id: Option<&str>, not_before: u64) -> RedisResult<()> {
        self.with_conn(|con| {
            let mut pipe = redis::pipe();
            self.raise_in(&mut pipe, id, not_before);
            pipe.query::<(i64,)>(con).map(|_| ())
        })
    }

    /// Runs `f` on the shared connection, opening it if needed and dropping it after an error.
    /// `f` must be idempotent: when a connection kept from before fails as closed (Redis
    /// restarted since), `f` is run again once on a new one, so that the first revocation after
    /// a restart does not fail for nothing.
    fn with_conn<T>(&self, f: impl Fn(&mut Connection) -> RedisResult<T>) -> RedisResult<T> {
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let reused = conn.is_some();
        let con = match &mut *conn {
            Some(con) => con,
            None => conn.insert(self.connect()?),
        };
        let mut result = f(con);
        if result.is_err() {
            *conn = None;
        }
        if reused
            && result
                .as_ref()
                .is_err_and(RedisError::is_connection_dropped)
        {
            let con = conn.insert(self.connect()?);
            result = f(con);
            if result.is_err() {
                *conn = None;
            }
        }
        result
    }

    /// A new connection whose every read and write gives up after the timeout.
    fn connect(&self) -> RedisResult<Connection> {
        let con = self.client.get_connection_with_timeout(self.timeout)?;
        con.set_read_timeout(Some(self.timeout))?;
        con.set_write_timeout(Some(self.timeout))?;
        Ok(con)
    }

    fn stopped(&self) -> bool {
        *self.stop.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits `duration` or until the store is dropped; whether it was.
    fn sleep(&self, duration: Duration) -> bool {
        let stop = self.stop.lock().unwrap_or_else(PoisonError::into_inner);
        let (stop, _) = self
            .wake
            .wait_timeout_while(stop, duration, |stop| !*stop)
            .unwrap_or_else(PoisonError::into_inner);
        *stop
    }
}

/// The global cut-off and every user's, as Redis returns them.
type State = (Option<Vec<u8>>, Vec<(Vec<u8>, Vec<u8>)>);

/// A cut-off as the script writes it: canonical decimal (no sign, no leading zero) within u64,
/// so that what the script and this parser call malformed is the same.
fn parse_secs(text: &[u8]) -> Option<u64> {
    match text {
        [b'0'] => Some(0),
        [b'1'..=b'9', rest @ ..] if rest.iter().all(u8::is_ascii_digit) => {
            std::str::from_utf8(text).ok()?.parse().ok()
        }
        _ => None,
    }
}

/// At most 64 characters of a malformed id for the log: a field in Redis can be of any size.
fn shorten(id: &str) -> &str {
    id.char_indices().nth(64).map_or(id, |(end, _)| &id[..end])
}

impl Revocations for RedisStore {
    fn cutoffs(&self, id: &str) -> Cutoffs {
        self.shared.memory.cutoffs(id)
    }
}

impl CutoffStore for RedisStore {
    /// Raises the global cut-off here, then in Redis, which announces it to the fleet.
    fn revoke_all(&self, not_before: u64) -> Result<(), StoreError> {
        let shared = &self.shared;
        shared.memory.raise_global(not_before);
        shared
            .raise(None, not_before)
            .map_err(StoreError::Unavailable)
    }

    /// Checks the id and raises its cut-off here (so an invalid id never reaches the network),
    /// then in Redis, which announces it to the fleet.
    fn revoke_user(&self, id: &str, not_before: u64) -> Result<(), StoreError> {
        let shared = &self.shared;
        shared.memory.raise_user(id, not_before)?;
        shared
            .raise(Some(id), not_before)
            .map_err(StoreError::Unavailable)
    }

    fn global(&self) -> Option<u64> {
        self.shared.memory.global()
    }

    /// From this instance's copy, which may lag behind the fleet by the time a message takes;
    /// [`revoke_all_until`](CutoffStore::revoke_all_until) reads Redis instead.
    fn latest(&self, not_after: u64) -> Option<u64> {
        self.shared.memory.latest(not_after)
    }

    /// Judged against what Redis holds now, in a transaction; when Redis cannot be reached,
    /// against this instance's copy, in force here only ([`StoreError::Unavailable`]).
    fn revoke_all_until(&self, now: u64, leeway: u64) -> Result<u64, StoreError> {
        self.revoke_until(None, now, leeway)
    }

    /// As [`revoke_all_until`](CutoffStore::revoke_all_until), for one id.
    fn revoke_user_until(&self, id: &str, now: u64) -> Result<u64, StoreError> {
        crate::format::check_id(id).map_err(StoreError::InvalidId)?;
        self.revoke_until(Some(id), now, 0)
    }
}

impl RedisStore {
    /// A revocation "until now" through Redis, then into this instance's copy; when Redis
    /// fails, into the copy alone, by the copy's own reckoning.
    fn revoke_until(&self, id: Option<&str>, now: u64, leeway: u64) -> Result<u64, StoreError> {
        let memory = &self.shared.memory;
        match self.shared.transact_revocation(id, now, leeway) {
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
                Err(StoreError::Unavailable(error))
            }
        }
    }
}

impl fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the URL: it may hold a password.
        f.debug_struct("RedisStoreBuilder")
            .field("prefix", &self.prefix)
            .field("resync_interval", &self.resync_interval)
            .field("connect_timeout", &self.connect_timeout)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the URL: it may hold a password.
        f.debug_struct("RedisStore")
            .field("channel", &self.shared.channel)
            .field("resync_interval", &self.shared.resync_interval)
            .field("memory", &self.shared.memory)
            .finish_non_exhaustive()
    }
}

impl Drop for RedisStore {
    fn drop(&mut self) {
        // Set under the lock the thread sleeps on, so it cannot miss the wake-up.
        *self
            .shared
            .stop
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = true;
        self.shared.wake.notify_all();
        if let Some(sync) = self.sync.take() {
            // The thread notices within `POLL` when connected, at once when sleeping.
            let _ = sync.join();
        }
    }
}
