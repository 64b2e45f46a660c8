//! [`RedisStore`]: cut-offs shared by a fleet of instances through Redis.
//!
//! - `config`: [`RedisStoreBuilder`], which connects and starts the store;
//! - `subscriber`: the thread that keeps this instance's copy of the cut-offs fresh;
//! - `revoke`: revocations through Redis, and the scripts that raise and announce them;
//! - `sentinel`, `cluster`: finding the master of a Sentinel deployment, talking to a cluster.

use std::fmt;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use redis::cluster::ClusterConnection;
use redis::{
    Client, Cmd, Connection, ConnectionAddr, ConnectionLike, ErrorKind, RedisError, RedisResult,
    Value,
};

use super::contact::Contact;
use super::fleet::{self, Stop, parse_secs};
use super::memory::Logout;
use super::{CutoffStore, MemoryStore, StoreError};
use crate::{Cutoffs, Revocations};

mod cluster;
mod config;
mod revoke;
mod sentinel;
mod subscriber;

pub use config::RedisStoreBuilder;

/// Cut-offs shared by a fleet of instances through one Redis: a revocation made on any instance
/// reaches all of them, and survives their restarts (and Redis's, with its persistence on).
///
/// # How it works
/// Redis holds the cut-offs under a key prefix (default `sigcookie:cutoffs`), in braces so that
/// it is the keys' hash tag: the global cut-off in the string `{prefix}:global`, each user's in
/// the hash `{prefix}:users` (field = id, value = unix seconds in decimal), and the sessions
/// logged out on their own in the hash `{prefix}:logouts` (field = id, value = `login:until`
/// pairs separated by commas). Every change is one Lua script (sent by its SHA1 with `EVALSHA`,
/// loaded on first use), which Redis runs atomically: it raises a cut-off only if the new one
/// is later (cut-offs never move back) or rewrites a user's logouts only if no other instance
/// changed them since they were read, and in the same step publishes the change on the channel
/// `{prefix}:changes` (`g <secs>`, `u <secs> <id>` or `s <login> <until> <id>`). The keys share
/// one hash slot and each script names all of them, so the same scripts run on a Redis Cluster,
/// whose classic `PUBLISH` reaches every node. Reads are scripts too (the whole state in one
/// atomic snapshot, a user's entries before a logout).
///
/// Each instance answers [`Revocations::cutoffs`] from a copy in its own memory, so a verify
/// never waits on the network. A background thread (`sigcookie-redis-sync`) keeps the copy up to
/// date: it subscribes to the channel *first*, then loads the whole state, so a change
/// published during the load is queued and applied after it rather than lost; then it applies
/// each message as it arrives, and reloads the whole state every
/// [`resync_interval`](RedisStoreBuilder::resync_interval). On any error it logs a warning,
/// waits (0.1 s, doubling up to the resync interval or 10 s, whichever is shorter),
/// reconnects, subscribes and reloads. Dropping the store
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
///   Redis answers again: within the resync interval of its return (10 s at most), plus the
///   time to connect.
///
/// A revocation made on *this* instance is in force here when `revoke_*` returns, whatever
/// Redis says. "Until now" revocations ([`CutoffStore::revoke_all_until`],
/// [`CutoffStore::revoke_user_until`], which `SessionCookie` uses) do not trust the copy: their
/// script reads what Redis holds and raises it in the same atomic step, so that they pass a
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
/// acknowledges them (`appendonly yes` with `appendfsync always`: on disk).
///
/// # Sentinel
/// [`sentinel`](RedisStoreBuilder::sentinel) names the master and its sentinels instead of one
/// server. Every new connection asks every sentinel that answers within the connect timeout
/// (`SENTINEL MASTER`) and takes the address with the highest configuration epoch (a failover
/// raises it, so a sentinel that has not yet heard of one is outvoted) whose server says it is
/// the master (`ROLE`). A write answered `READONLY` (a master demoted under the store) is sent
/// again on a new connection, to the master found anew. The sync thread asks the sentinels
/// again at every resync, and when they name another master it drops its connections,
/// resubscribes there and reloads everything: a master that lost a failover but still runs
/// keeps accepting connections, and hears none of the new master's changes, until the
/// sentinels demote it (several seconds later).
///
/// - **Staleness through a failover**: once the sentinels name the new master, every instance
///   follows it within the resync interval, plus the time to ask the sentinels and connect
///   (a connect timeout for each sentinel that does not answer). Meanwhile it answers from its
///   copy, as during any outage (and [`fail_closed_after`](RedisStoreBuilder::fail_closed_after)
///   applies).
/// - **What an acknowledged revocation survives**: when the sentinels know of a replica (asked
///   at [`build`](RedisStoreBuilder::build)), a revocation returns `Ok` only once the master
///   has run the script *and* one replica has acknowledged it (`WAIT 1 <connect timeout>`);
///   otherwise it returns [`StoreError::Unavailable`] (in force here, on the master perhaps,
///   not acknowledged: retry). An acknowledged revocation is then on two servers: it survives
///   the loss of either, and so a failover, as long as the replica promoted is one that had it
///   (with one replica it is; with more, Sentinel promotes the replica with the most data,
///   which had it unless the one that acknowledged was lost too). `WAIT` is not a consensus:
///   it does not make Redis strongly consistent, a revocation that failed its wait may still
///   be applied (or lost), and a master cut off from its replicas keeps accepting writes
///   (`min-replicas-to-write 1` on the master makes it refuse them). While the master has no
///   replica (after a failover, until the old master rejoins as one), every revocation is
///   refused after the timeout. Without any replica known, a revocation is acknowledged by
///   the master alone, as with one server.
///
/// # Redis Cluster
/// [`cluster`](RedisStoreBuilder::cluster) names more nodes of a cluster besides the URL's. The
/// scripts go through redis-rs's cluster client to the node that serves the store's one hash
/// slot (every key carries the prefix as its hash tag), following it when the slot moves;
/// a revocation is then as atomic as on one server, and as durable as that node makes it
/// (with replicas, as durable as asynchronous replication: a failover may lose the last
/// writes, as `WAIT` would not prevent either). The synchronous cluster client has no pub/sub:
/// the sync thread subscribes on a plain connection to one of the nodes given (a cluster
/// delivers a classic `PUBLISH` on every node), and after any error resubscribes on the next
/// one and reloads everything. The staleness bounds above hold, a failed node counting as a
/// lost connection.
///
/// # A flushed Redis
/// A Redis emptied under the fleet (`FLUSHALL`, `FLUSHDB`, a restart without persistence)
/// leaves running instances their copies: a load never lowers a cut-off nor forgets a logout,
/// so they keep refusing what they refused. An instance whose load finds Redis holding nothing
/// at all while it knew cut-offs logs an error saying so, once, until Redis holds something
/// again. An instance started after the flush knows only what Redis holds then: none of the
/// lost revocations, so it accepts the sessions they ended. Instances do not write their copies
/// back: each would write every cut-off and announce it to all the others (a fleet of `n`
/// sends `n²` messages per cut-off), and a copy cannot tell a lost Redis from an operator who
/// emptied it on purpose. The recovery is one "log out everywhere"
/// ([`CutoffStore::revoke_all_until`]) from any instance: every session ends, on every instance,
/// new ones included.
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

/// Which server the store talks to.
enum Target {
    /// The one at the builder's URL.
    Node(Client),
    /// Whichever master the sentinels name at each new connection.
    Sentinel(sentinel::Sentinels),
    /// A Redis Cluster.
    Cluster(cluster::Cluster),
}

/// A connection for the scripts and loads: to one server, or to a cluster.
enum Conn {
    Node(Connection),
    /// Boxed: four times a plain connection's size, and opened rarely.
    Cluster(Box<ClusterConnection>),
}

impl Conn {
    fn link(&mut self) -> &mut dyn ConnectionLike {
        match self {
            Conn::Node(con) => con,
            Conn::Cluster(con) => &mut **con,
        }
    }

    fn set_read_timeout(&self, timeout: Duration) -> RedisResult<()> {
        match self {
            Conn::Node(con) => con.set_read_timeout(Some(timeout)),
            Conn::Cluster(con) => con.set_read_timeout(Some(timeout)),
        }
    }
}

/// So that a script or pipeline runs on either.
impl ConnectionLike for Conn {
    fn req_packed_command(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        self.link().req_packed_command(cmd)
    }

    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        self.link().req_packed_commands(cmd, offset, count)
    }

    fn req_command(&mut self, cmd: &Cmd) -> RedisResult<Value> {
        self.link().req_command(cmd)
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Node(con) => con.get_db(),
            Conn::Cluster(con) => con.get_db(),
        }
    }

    fn supports_pipelining(&self) -> bool {
        match self {
            Conn::Node(con) => con.supports_pipelining(),
            Conn::Cluster(con) => con.supports_pipelining(),
        }
    }

    fn check_connection(&mut self) -> bool {
        self.link().check_connection()
    }

    fn is_open(&self) -> bool {
        match self {
            Conn::Node(con) => con.is_open(),
            Conn::Cluster(con) => con.is_open(),
        }
    }
}

/// What the store and its thread share.
struct Shared {
    target: Target,
    /// Whether a revocation is acknowledged only once a replica has it too (`WAIT 1`): with
    /// Sentinel, when the sentinels know of a replica.
    replicated: bool,
    global_key: String,
    users_key: String,
    logouts_key: String,
    channel: String,
    timeout: Duration,
    resync_interval: Duration,
    memory: MemoryStore,
    /// When Redis last answered, and the fail-closed bound.
    contact: Contact,
    /// For revocations and loads; opened on first use and dropped after any error, so that a
    /// reply arriving late on it is never read as the answer to the next command.
    conn: Mutex<Option<Conn>>,
    /// Whether the last load found Redis empty while this instance knew cut-offs (reported
    /// once, until Redis holds something again).
    emptied: AtomicBool,
    /// Set when the store is dropped.
    stop: Stop,
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
    /// assert!(matches!(result, Err(StoreError::Unavailable { .. })));
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
        RedisStoreBuilder::new(url)
    }
}

impl Shared {
    /// Runs `f` on the shared connection, opening it if needed and dropping it after an error.
    /// `f` must be idempotent: when a connection kept from before fails as closed (Redis
    /// restarted since), `f` is run again once on a new one, so that the first revocation after
    /// a restart does not fail for nothing.
    fn with_conn<T>(&self, f: impl Fn(&mut Conn) -> RedisResult<T>) -> RedisResult<T> {
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
        // A master that became a replica (a failover) answers writes with READONLY: the next
        // connection asks the sentinels again, and finds the new one.
        let moved = |e: &RedisError| {
            matches!(self.target, Target::Sentinel(_))
                && e.kind() == ErrorKind::Server(redis::ServerErrorKind::ReadOnly)
        };
        if result
            .as_ref()
            .is_err_and(|e| (reused && e.is_connection_dropped()) || moved(e))
        {
            let con = conn.insert(self.connect()?);
            result = f(con);
            if result.is_err() {
                *conn = None;
            }
        }
        result
    }

    /// A new connection for the scripts and loads, whose every step gives up after the timeout.
    fn connect(&self) -> RedisResult<Conn> {
        match &self.target {
            Target::Cluster(cluster) => Ok(Conn::Cluster(Box::new(cluster.connect()?))),
            _ => Ok(Conn::Node(self.subscriber()?.0)),
        }
    }

    /// A new plain connection for the channel, whose every read and write gives up after the
    /// timeout, and the server's address: the server, the master, or one of the cluster's nodes.
    fn subscriber(&self) -> RedisResult<(Connection, ConnectionAddr)> {
        match &self.target {
            Target::Node(client) => Ok((
                sentinel::connect(client, self.timeout)?,
                client.get_connection_info().addr().clone(),
            )),
            Target::Sentinel(sentinels) => sentinels.connect(self.timeout),
            Target::Cluster(cluster) => cluster.subscriber(self.timeout),
        }
    }

    /// After a change on `con`, waits for one replica to have it, when the store is
    /// [`replicated`](Shared::replicated): `WAIT 1` for up to the timeout. No replica in time is
    /// an error, and the change is not acknowledged (it is on the master, which may lose it in a
    /// failover). `WAIT` counts the replicas that have every write this connection made: a
    /// change the script found in place already (written by a revocation whose wait failed)
    /// is confirmed only as far as this connection's own writes go.
    fn replicate(&self, con: &mut Conn) -> RedisResult<()> {
        if !self.replicated {
            return Ok(());
        }
        let millis = u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX);
        // The reply comes after up to `millis`: the socket waits longer than Redis does.
        con.set_read_timeout(self.timeout * 2)?;
        let replicas: i64 = redis::cmd("WAIT").arg(1).arg(millis).query(con)?;
        con.set_read_timeout(self.timeout)?;
        if replicas < 1 {
            return Err(RedisError::from((
                ErrorKind::Client,
                "no replica acknowledged the change within the timeout; it is on the master only",
            )));
        }
        Ok(())
    }

    /// The server, as `host:port` or a socket path: what errors and logs name, never the URL,
    /// which may hold a password.
    fn server(&self) -> String {
        match &self.target {
            Target::Node(client) => client.get_connection_info().addr().to_string(),
            Target::Sentinel(sentinels) => sentinels.server(),
            Target::Cluster(cluster) => cluster.server(),
        }
    }
}

/// A user's logged-out sessions as Redis keeps them, the field's value in `{prefix}:logouts`:
/// `login:until` pairs of canonical decimals, separated by commas.
fn encode_logouts(logouts: &[Logout]) -> String {
    let pairs: Vec<String> = logouts
        .iter()
        .map(|l| format!("{}:{}", l.logged_in_at, l.until))
        .collect();
    pairs.join(",")
}

/// The pairs of [`encode_logouts`]; `None` for anything else, which fails closed.
fn decode_logouts(text: &[u8]) -> Option<Vec<Logout>> {
    text.split(|&b| b == b',')
        .map(|pair| {
            let mut times = pair.splitn(2, |&b| b == b':');
            let logged_in_at = parse_secs(times.next()?)?;
            let until = parse_secs(times.next()?)?;
            Some(Logout {
                logged_in_at,
                until,
            })
        })
        .collect()
}

impl Revocations for RedisStore {
    fn cutoffs(&self, id: &str) -> Cutoffs {
        self.shared.contact.judge(self.shared.memory.cutoffs(id))
    }

    fn session_cutoffs(&self, id: &str, logged_in_at: u64) -> Cutoffs {
        let cutoffs = self.shared.memory.session_cutoffs(id, logged_in_at);
        self.shared.contact.judge(cutoffs)
    }
}

impl CutoffStore for RedisStore {
    /// Raises the global cut-off here, then in Redis, which announces it to the fleet.
    fn revoke_all(&self, not_before: u64) -> Result<(), StoreError> {
        fleet::revoke_all(&*self.shared, not_before)
    }

    /// Checks the id and raises its cut-off here (so an invalid id never reaches the network),
    /// then in Redis, which announces it to the fleet.
    fn revoke_user(&self, id: &str, not_before: u64) -> Result<(), StoreError> {
        fleet::revoke_user(&*self.shared, id, not_before)
    }

    /// Logs the session out here (so an invalid id never reaches the network), then in Redis,
    /// by a script over what Redis holds for the user, which announces it to the fleet.
    fn revoke_session(&self, id: &str, logged_in_at: u64, until: u64) -> Result<(), StoreError> {
        fleet::revoke_session(&*self.shared, id, logged_in_at, until)
    }

    fn global(&self) -> Option<u64> {
        self.shared.memory.global()
    }

    /// From this instance's copy, which may lag behind the fleet by the time a message takes;
    /// [`revoke_all_until`](CutoffStore::revoke_all_until) reads Redis instead.
    fn latest(&self, not_after: u64) -> Option<u64> {
        self.shared.memory.latest(not_after)
    }

    /// Judged against what Redis holds now, in one script; when Redis cannot be reached,
    /// against this instance's copy, in force here only ([`StoreError::Unavailable`]).
    fn revoke_all_until(&self, now: u64, leeway: u64) -> Result<u64, StoreError> {
        fleet::revoke_until(&*self.shared, None, now, leeway)
    }

    /// As [`revoke_all_until`](CutoffStore::revoke_all_until), for one id.
    fn revoke_user_until(&self, id: &str, now: u64) -> Result<u64, StoreError> {
        fleet::revoke_user_until(&*self.shared, id, now)
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
        self.shared.stop.stop();
        if let Some(sync) = self.sync.take() {
            // The thread notices within `POLL` when connected, at once when sleeping.
            let _ = sync.join();
        }
    }
}
