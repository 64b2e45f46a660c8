//! [`PostgresStore`]: cut-offs shared by a fleet of instances through PostgreSQL.
//!
//! - `config`: [`PostgresStoreBuilder`], which connects and starts the store;
//! - `sync`: the thread that keeps this instance's copy of the cut-offs fresh;
//! - `revoke`: revocations, each one transaction that raises a row and notifies the fleet.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use postgres::config::Host;
use postgres::error::SqlState;
use postgres::{Client, Config, IsolationLevel, NoTls, Row, Transaction};

use super::contact::Contact;
use super::fleet::{self, Stop};
use super::{CutoffStore, MemoryStore, StoreError};
use crate::{Cutoffs, Revocations};

mod config;
mod revoke;
mod sync;

pub use config::PostgresStoreBuilder;

/// Cut-offs shared by a fleet of instances through one PostgreSQL database: a revocation made on
/// any instance reaches all of them, and is as durable as a committed transaction.
///
/// # How it works
/// The store creates its two tables if they are missing, named by a prefix (default
/// `sigcookie_cutoffs`): `{prefix}` holds the cut-offs (`id`, `not_before`; the global one has
/// the empty id, which no session can have), `{prefix}_logouts` the sessions logged out on
/// their own (`id`, `logged_in_at`, `until`); times are unix seconds in `numeric(20,0)`, every
/// `u64`. A revocation is one transaction: an upsert that keeps the later cut-off
/// (`GREATEST`: cut-offs never move back) and a `pg_notify` on the channel `{prefix}`
/// (`g <secs>`, `u <secs> <id>` or `s <login> <until> <id>`). PostgreSQL delivers a
/// notification when, and only when, its transaction commits: no instance hears of a
/// revocation that was not stored, and none that was stored goes unannounced.
///
/// Each instance answers [`Revocations::cutoffs`] from a copy in its own memory, so a verify
/// never waits on the database. A background thread (`sigcookie-postgres-sync`) keeps the copy
/// up to date on a connection of its own: it runs `LISTEN` *first*, then loads both tables, so
/// a revocation committed during the load is queued and applied after it rather than lost;
/// then it applies each notification as it arrives, and reloads everything every
/// [`resync_interval`](PostgresStoreBuilder::resync_interval). On any error it logs a warning,
/// waits (0.1 s, doubling up to the resync interval or 10 s, whichever is shorter),
/// reconnects, listens and reloads. Dropping the store stops the thread and waits for it.
///
/// # Staleness
/// - connected: the time PostgreSQL takes to deliver a notification, milliseconds;
/// - a connection cut without a word: at most the resync interval (30 s by default), plus the
///   connect timeout for the check that finds it dead;
/// - while PostgreSQL is unreachable: the last cut-offs this instance knew, with a warning at
///   each failed reconnection, then one reload within the resync interval of its return; or,
///   with [`fail_closed_after`](PostgresStoreBuilder::fail_closed_after), none past the bound
///   (see below).
///
/// A revocation made on *this* instance is in force here when `revoke_*` returns, whatever the
/// database says. "Until now" revocations ([`CutoffStore::revoke_all_until`],
/// [`CutoffStore::revoke_user_until`]) read what the database holds under a lock of the
/// cut-offs' table, and raise it in the same transaction, so that they pass a cut-off another
/// instance set a moment ago.
///
/// # Failing closed
/// - [`build`](PostgresStoreBuilder::build) loads everything before it returns, so an instance
///   started after a revocation refuses from its first request; without the database it
///   returns [`StoreError::Postgres`] rather than start with no cut-offs.
/// - A revocation returns `Ok` once its transaction committed, and [`StoreError::Postgres`]
///   otherwise. Connecting, the check that opens each revocation, its statements and its
///   waits for a lock give up after the connect timeout (2 s by default), so a database that
///   is down, frozen or locked by another session fails it within seconds, never a hang (one
///   that freezes in the middle of the transaction itself holds it until the operating system
///   gives up on the connection). The cut-off is then in force in this instance all the same,
///   but not in the others nor after a restart: retry.
/// - A row this store did not write (a negative or too large time, an id no signer signs)
///   refuses that id: its [`Cutoffs::is_unreadable`] is set until a new revocation of the id
///   replaces it, with a warning at each load. A malformed global cut-off makes `build` fail,
///   and a running instance keeps the last one it knew.
/// - By default an instance that lost the database serves the last cut-offs it knew, however
///   long the outage. With [`fail_closed_after`](PostgresStoreBuilder::fail_closed_after), once
///   it has been out of touch for longer than the bound (no load, no notification and no
///   answer to the liveness check, which runs every quarter of the bound), every lookup
///   answers [`Cutoffs::is_unreadable`], the cut-offs it knew kept, so that every session is
///   refused with [`Error::CutoffUnreadable`](crate::Error::CutoffUnreadable); served again
///   from the first reload after the database answers. A frozen database is out of touch from
///   its last answer, whatever the connect timeout; a quiet, healthy connection never is.
///
/// PostgreSQL 11 or later. Connections are in plain text (`NoTls`): reach the database over a
/// trusted network or a Unix socket.
///
/// ```no_run
/// use std::time::Duration;
/// use sigcookie::store::{CutoffStore, PostgresStore};
/// use sigcookie::{Cutoffs, Revocations};
///
/// let store = PostgresStore::builder("postgresql://app@127.0.0.1/app")
///     .prefix("myapp_cutoffs")
///     .resync_interval(Duration::from_secs(60))
///     .build()?;
/// store.revoke_user("42", 1_764_000_100)?; // every instance refuses 42's older sessions
/// assert_eq!(store.cutoffs("42"), Cutoffs::at(1_764_000_100));
/// # Ok::<(), sigcookie::store::StoreError>(())
/// ```
pub struct PostgresStore {
    shared: Arc<Shared>,
    sync: Option<JoinHandle<()>>,
}

/// What the store and its thread share.
struct Shared {
    config: Config,
    /// `host:port` or a socket folder, for errors and logs: never the connection string.
    server: Option<String>,
    /// Quoted identifiers, ready for SQL.
    cutoffs_table: String,
    logouts_table: String,
    /// The channel's name as `pg_notify` takes it (the prefix, unquoted).
    channel: String,
    timeout: Duration,
    resync_interval: Duration,
    memory: MemoryStore,
    /// When the sync thread last heard from the database, which judges every lookup.
    contact: Contact,
    /// For revocations; opened on first use and dropped after any error.
    client: Mutex<Option<Conn>>,
    /// Set when the store is dropped.
    stop: Stop,
}

impl PostgresStore {
    /// Connects with the defaults, loading every cut-off before returning:
    /// `PostgresStore::builder(params).build()`.
    ///
    /// # Errors
    /// As [`PostgresStoreBuilder::build`].
    ///
    /// ```
    /// use sigcookie::store::{PostgresStore, StoreError};
    ///
    /// // Nothing listens on port 1: no store, rather than one without the fleet's cut-offs.
    /// let result = PostgresStore::connect("host=127.0.0.1 port=1 user=app");
    /// assert!(matches!(result, Err(StoreError::Postgres { .. })));
    /// ```
    pub fn connect(params: &str) -> Result<PostgresStore, StoreError> {
        PostgresStore::builder(params).build()
    }

    /// A builder for a store in the database that `params` names, either as
    /// `postgresql://user:password@host:port/dbname` or as `host=… user=… dbname=…`: see the
    /// [`postgres::Config`] documentation. Tables prefixed `sigcookie_cutoffs`, a resync every
    /// 30 s, a 2 s connect timeout, and the last known cut-offs served through any outage (no
    /// [`fail_closed_after`](PostgresStoreBuilder::fail_closed_after)).
    ///
    /// ```no_run
    /// use sigcookie::store::PostgresStore;
    /// let store = PostgresStore::builder("host=/run/postgresql user=app").build()?;
    /// # Ok::<(), sigcookie::store::StoreError>(())
    /// ```
    pub fn builder(params: &str) -> PostgresStoreBuilder {
        PostgresStoreBuilder::new(params)
    }
}

impl Shared {
    /// Runs `f` on the shared client, opening one if needed and dropping it after an error.
    /// `f` must be idempotent: when a client kept from before fails as closed (the database
    /// restarted since), `f` is run again once on a new one, so that the first revocation after
    /// a restart does not fail for nothing. Each run opens with a check bounded by the timeout,
    /// so a hung database fails it rather than hang it.
    fn with_client<T>(
        &self,
        f: impl Fn(&mut Client) -> Result<T, postgres::Error>,
    ) -> Result<T, Failure> {
        let mut client = self.client.lock().unwrap_or_else(PoisonError::into_inner);
        let reused = client.as_ref().is_some_and(|c| !c.is_closed());
        let run = |client: &mut Client| {
            client.is_valid(self.timeout)?;
            f(client).map_err(Failure::Client)
        };
        let con = match &mut *client {
            Some(con) if reused => con,
            _ => client.insert(self.connect()?),
        };
        let mut result = run(con);
        if result.is_err() {
            *client = None;
        }
        if reused && matches!(&result, Err(Failure::Client(error)) if dropped(error)) {
            let con = client.insert(self.connect()?);
            result = run(con);
            if result.is_err() {
                *client = None;
            }
        }
        result
    }

    /// A new connection, within the connect timeout. The client bounds only the socket's
    /// connect by it, not the handshake that follows, which a frozen server would hold
    /// forever: the connection is made on a thread of its own, and given up after the timeout
    /// (the thread ends when the server answers or the connection dies).
    fn connect(&self) -> Result<Conn, Failure> {
        let config = self.config.clone();
        let (sender, receiver) = mpsc::sync_channel(1);
        fleet::spawn(CONNECT_THREAD_NAME, move || {
            let _ = sender.send(config.connect(NoTls));
        })
        .map_err(Failure::NoThread)?;
        match receiver.recv_timeout(self.timeout) {
            Ok(connected) => connected.map(|c| Conn(Some(c))).map_err(Failure::Client),
            Err(_) => Err(Failure::TimedOut),
        }
    }

    /// A transaction of this store, given the connect timeout as its bounds, which the client
    /// has none of once connected: on each wait for a lock (`lock_timeout`), so that another
    /// session holding the table (an instance paused in the middle of a revocation, an
    /// administrator's open transaction, a `VACUUM FULL`) fails it rather than holds it; and,
    /// unless `Work::Load`, on each statement and on the transaction left idle (its process
    /// paused) with the table locked. A load reads every row, however long that takes: a bound
    /// on it would stop the fleet for good the day the table grew past what the timeout
    /// reads. `SET LOCAL`, for this transaction only: a pooler may refuse startup options, and
    /// may hand the next transaction to another connection.
    fn bounded<'c>(
        &self,
        client: &'c mut Client,
        isolation: IsolationLevel,
        work: Work,
    ) -> Result<Transaction<'c>, postgres::Error> {
        let mut tx = client
            .build_transaction()
            .isolation_level(isolation)
            .read_only(work == Work::Load)
            .start()?;
        let ms = self.timeout.as_millis().min(MAX_SETTING_MS);
        let limits = match work {
            Work::Load => format!("SET LOCAL lock_timeout = {ms}"),
            Work::Change => format!(
                "SET LOCAL lock_timeout = {ms}; SET LOCAL statement_timeout = {ms}; \
                 SET LOCAL idle_in_transaction_session_timeout = {ms}"
            ),
        };
        tx.batch_execute(&limits)?;
        Ok(tx)
    }
}

/// The work of a [`bounded`](Shared::bounded) transaction, which decides its bounds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Work {
    /// Reads both tables, every row.
    Load,
    /// Writes: a revocation, a logout, the tables' creation.
    Change,
}

/// PostgreSQL's largest time setting, in milliseconds (2^31 - 1, about 24.8 days): it refuses a
/// longer one, which would fail every transaction of a store given a longer timeout.
const MAX_SETTING_MS: u128 = 2_147_483_647;

/// Column `i` of `row` as a time the store wrote (`numeric::text`); `None` for anything else,
/// a null included. `try_get`, since `Row::get` panics on what it cannot convert, and a table
/// made by hand may hold anything.
fn secs(row: &Row, i: usize) -> Option<u64> {
    row.try_get::<_, &str>(i)
        .ok()
        .and_then(|text| fleet::parse_secs(text.as_bytes()))
}

/// The name of a thread that opens or closes a connection, as seen in a debugger or `top -H`.
const CONNECT_THREAD_NAME: &str = "sigcookie-postgres-connect";

/// A client whose drop never waits. Dropping a `postgres::Client` waits for the server to
/// close the connection, forever if it is frozen; this one is closed on a thread of its own,
/// which ends when the server answers or the connection dies.
struct Conn(Option<Client>);

impl std::ops::Deref for Conn {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.0.as_ref().expect("only a drop takes the client")
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Client {
        self.0.as_mut().expect("only a drop takes the client")
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Some(client) = self.0.take() {
            let _ = fleet::spawn(CONNECT_THREAD_NAME, move || drop(client));
        }
    }
}

/// Why talking to the database failed: the client's error, or no answer within the timeout,
/// for which the client has no error of its own, or no thread to wait for one.
#[derive(Debug)]
enum Failure {
    Client(postgres::Error),
    TimedOut,
    NoThread(std::io::Error),
}

impl From<postgres::Error> for Failure {
    fn from(error: postgres::Error) -> Failure {
        Failure::Client(error)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Client(error) => match std::error::Error::source(error) {
                Some(cause) => write!(f, "{error}: {cause}"),
                None => write!(f, "{error}"),
            },
            Failure::TimedOut => f.write_str("no answer within the connect timeout"),
            Failure::NoThread(error) => write!(f, "the system refused a thread: {error}"),
        }
    }
}

/// Whether an error says the connection is gone rather than that the database refused: the
/// connection closed, or the server shutting down or restarting.
fn dropped(error: &postgres::Error) -> bool {
    error.is_closed()
        || matches!(
            error.code(),
            Some(&SqlState::ADMIN_SHUTDOWN | &SqlState::CRASH_SHUTDOWN)
        )
        || error.as_db_error().is_none() && error.code().is_none()
}

/// The first server of `config`, parsed from `params`, as `host:port` or a socket folder.
///
/// None when `params` is a URL with more than one `@`: a URL has one, before the host, and a
/// password holding another, unescaped (`%40` is the escape), is cut by the parser at the
/// first, and the pieces after it taken for hosts, a port or the database. No server is named
/// then, rather than one that may be part of a password.
fn server_of(config: &Config, params: &str) -> Option<String> {
    if params.contains("://") && params.matches('@').count() > 1 {
        return None;
    }
    let port = config.get_ports().first().copied().unwrap_or(5432);
    match config.get_hosts().first()? {
        Host::Tcp(host) => Some(format!("{host}:{port}")),
        #[cfg(unix)]
        Host::Unix(path) => Some(path.display().to_string()),
    }
}

/// `name` as a quoted SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Revocations for PostgresStore {
    fn cutoffs(&self, id: &str) -> Cutoffs {
        self.shared.contact.judge(self.shared.memory.cutoffs(id))
    }

    fn session_cutoffs(&self, id: &str, logged_in_at: u64) -> Cutoffs {
        let cutoffs = self.shared.memory.session_cutoffs(id, logged_in_at);
        self.shared.contact.judge(cutoffs)
    }
}

impl CutoffStore for PostgresStore {
    /// Raises the global cut-off here, then in the database, which announces it to the fleet.
    fn revoke_all(&self, not_before: u64) -> Result<(), StoreError> {
        fleet::revoke_all(&*self.shared, not_before)
    }

    /// Checks the id and raises its cut-off here (so an invalid id never reaches the network),
    /// then in the database, which announces it to the fleet.
    fn revoke_user(&self, id: &str, not_before: u64) -> Result<(), StoreError> {
        fleet::revoke_user(&*self.shared, id, not_before)
    }

    /// Logs the session out here, then in the database, in a transaction over what it holds
    /// for the user, which announces it to the fleet.
    fn revoke_session(&self, id: &str, logged_in_at: u64, until: u64) -> Result<(), StoreError> {
        fleet::revoke_session(&*self.shared, id, logged_in_at, until)
    }

    fn global(&self) -> Option<u64> {
        self.shared.memory.global()
    }

    /// From this instance's copy, which may lag behind the fleet by the time a notification
    /// takes; [`revoke_all_until`](CutoffStore::revoke_all_until) reads the database instead.
    fn latest(&self, not_after: u64) -> Option<u64> {
        self.shared.memory.latest(not_after)
    }

    /// Judged against what the database holds now, under a lock of the cut-offs' table; when it
    /// cannot be reached, against this instance's copy, in force here only
    /// ([`StoreError::Postgres`]).
    fn revoke_all_until(&self, now: u64, leeway: u64) -> Result<u64, StoreError> {
        fleet::revoke_until(&*self.shared, None, now, leeway)
    }

    /// As [`revoke_all_until`](CutoffStore::revoke_all_until), for one id.
    fn revoke_user_until(&self, id: &str, now: u64) -> Result<u64, StoreError> {
        fleet::revoke_user_until(&*self.shared, id, now)
    }
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the connection string: it may hold a password.
        f.debug_struct("PostgresStore")
            .field("server", &self.shared.server)
            .field("table", &self.shared.channel)
            .field("resync_interval", &self.shared.resync_interval)
            .field("memory", &self.shared.memory)
            .finish_non_exhaustive()
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        self.shared.stop.stop();
        if let Some(sync) = self.sync.take() {
            let _ = sync.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fleet::refusal::without_threads;

    /// Nothing listens there: a test that got as far as connecting would fail, not hang.
    const NOWHERE: &str = "host=127.0.0.1 port=1 user=app";

    #[test]
    fn build_returns_an_error_when_the_system_refuses_the_sync_thread() {
        let result = without_threads(|| PostgresStore::builder(NOWHERE).build());
        assert!(
            matches!(
                &result,
                Err(StoreError::Postgres { server: Some(server), source: None })
                    if server == "127.0.0.1:1"
            ),
            "{result:?}"
        );
    }

    #[test]
    fn a_connection_fails_when_the_system_refuses_its_thread() {
        let shared = PostgresStore::builder(NOWHERE)
            .shared()
            .expect("the parameters parse");
        let result = without_threads(|| shared.connect());
        assert!(
            matches!(result, Err(Failure::NoThread(_))),
            "{:?}",
            result.err()
        );
    }
}
