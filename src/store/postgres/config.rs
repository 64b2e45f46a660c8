//! [`PostgresStoreBuilder`]: how to reach PostgreSQL and which tables hold the cut-offs.

use std::fmt;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use postgres::Config;

use super::sync::THREAD_NAME;
use super::{Failure, PostgresStore, Shared, quote, server_of};
use crate::store::contact::Contact;
use crate::store::fleet::{
    self, DEFAULT_CONNECT_TIMEOUT, DEFAULT_RESYNC_INTERVAL, MIN_CONNECT_TIMEOUT,
    MIN_FAIL_CLOSED_AFTER, MIN_RESYNC_INTERVAL, Server, Stop,
};
use crate::store::{MemoryStore, StoreError};

const DEFAULT_PREFIX: &str = "sigcookie_cutoffs";
/// Table names and the channel are identifiers, which PostgreSQL cuts at 63 bytes: the prefix
/// leaves room for `_logouts`.
const MAX_PREFIX: usize = 40;

/// How to reach PostgreSQL and which tables hold the cut-offs: [`PostgresStore::builder`].
///
/// ```no_run
/// use std::time::Duration;
/// use sigcookie::store::PostgresStore;
///
/// let store = PostgresStore::builder("host=db.internal user=app dbname=app")
///     .prefix("shop_cutoffs")
///     .connect_timeout(Duration::from_secs(1))
///     .build()?;
/// # Ok::<(), sigcookie::store::StoreError>(())
/// ```
#[derive(Clone)]
pub struct PostgresStoreBuilder {
    params: String,
    prefix: String,
    resync_interval: Duration,
    connect_timeout: Duration,
    fail_closed_after: Option<Duration>,
}

impl PostgresStoreBuilder {
    /// The defaults of [`PostgresStore::builder`].
    pub(super) fn new(params: &str) -> PostgresStoreBuilder {
        PostgresStoreBuilder {
            params: params.to_owned(),
            prefix: DEFAULT_PREFIX.to_owned(),
            resync_interval: DEFAULT_RESYNC_INTERVAL,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            fail_closed_after: None,
        }
    }

    /// The name of the cut-offs' table, which is also the channel of their notifications; the
    /// logouts are in `{prefix}_logouts`. One per fleet that must not share revocations with
    /// another (`sigcookie_cutoffs` by default). Quoted, so any text works; at most 40 bytes, a
    /// longer prefix is cut there.
    ///
    /// ```no_run
    /// # use sigcookie::store::PostgresStore;
    /// let store = PostgresStore::builder("host=127.0.0.1 user=app").prefix("shop_cutoffs").build()?;
    /// # Ok::<(), sigcookie::store::StoreError>(())
    /// ```
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> PostgresStoreBuilder {
        let mut prefix = prefix.into();
        let mut end = prefix.len().min(MAX_PREFIX);
        while !prefix.is_char_boundary(end) {
            end -= 1;
        }
        prefix.truncate(end);
        self.prefix = prefix;
        self
    }

    /// How often the whole state is reloaded even without a notification (30 s by default):
    /// the bound on staleness should a change ever be missed, and on how long a reconnection
    /// waits. Each reload also checks that the listening connection is alive. At least 100 ms.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use sigcookie::store::PostgresStore;
    /// let store = PostgresStore::builder("host=127.0.0.1 user=app")
    ///     .resync_interval(Duration::from_secs(10))
    ///     .build()?;
    /// # Ok::<(), sigcookie::store::StoreError>(())
    /// ```
    #[must_use]
    pub fn resync_interval(mut self, interval: Duration) -> PostgresStoreBuilder {
        self.resync_interval = interval.max(MIN_RESYNC_INTERVAL);
        self
    }

    /// How long to wait for PostgreSQL to accept a connection and answer its handshake, and to
    /// answer the check that opens each revocation and reload (2 s by default). PostgreSQL is
    /// told the same bound for each wait for a lock, so that a lock held by another session
    /// fails a revocation (or delays a reload) rather than holds it, and for each statement of
    /// a revocation; a reload reads every row, however long that takes. Zero is taken as one
    /// millisecond.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use sigcookie::store::PostgresStore;
    /// let store = PostgresStore::builder("host=127.0.0.1 user=app")
    ///     .connect_timeout(Duration::from_millis(500))
    ///     .build()?;
    /// # Ok::<(), sigcookie::store::StoreError>(())
    /// ```
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> PostgresStoreBuilder {
        self.connect_timeout = timeout.max(MIN_CONNECT_TIMEOUT);
        self
    }

    /// Fails closed once this instance has been out of touch with PostgreSQL for longer than
    /// `bound`: every session is refused with
    /// [`Error::CutoffUnreadable`](crate::Error::CutoffUnreadable) until it has reconnected and
    /// reloaded the cut-offs. Without it (the default) an instance that lost the database keeps
    /// serving the last state it knew, however long the outage: the fleet stays up, and a
    /// revocation made elsewhere meanwhile is not seen here until the database is back. Choose
    /// by what costs more: an outage of every instance with its database, or a revoked session
    /// accepted during one. With a bound, the sync thread checks its connection every quarter
    /// of it, so that a quiet, healthy one is never taken for a lost one. At least 1 s (a
    /// shorter bound is taken as 1 s); see "Failing closed" on [`PostgresStore`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use sigcookie::store::PostgresStore;
    ///
    /// let builder = PostgresStore::builder("host=127.0.0.1 user=app")
    ///     .fail_closed_after(Duration::from_secs(60));
    /// assert!(format!("{builder:?}").contains("fail_closed_after: Some(60s)"));
    ///
    /// // A bound shorter than 1 s is taken as 1 s.
    /// let builder = builder.fail_closed_after(Duration::ZERO);
    /// assert!(format!("{builder:?}").contains("fail_closed_after: Some(1s)"));
    /// ```
    #[must_use]
    pub fn fail_closed_after(mut self, bound: Duration) -> PostgresStoreBuilder {
        self.fail_closed_after = Some(bound.max(MIN_FAIL_CLOSED_AFTER));
        self
    }

    /// Connects, creates the two tables if they are missing, listens, loads every cut-off and
    /// starts the sync thread. Returns only once the cut-offs are loaded: a store never answers
    /// a lookup from an empty copy.
    ///
    /// # Errors
    /// [`StoreError::Postgres`] if the connection string is invalid, PostgreSQL cannot be
    /// reached or answers with an error (a user without the right to create the tables, say),
    /// the global cut-off is malformed, or the system refuses the store a thread. Fail closed:
    /// there is no store that starts without the fleet's cut-offs.
    ///
    /// ```
    /// use sigcookie::store::{PostgresStore, StoreError};
    /// let result = PostgresStore::builder("host=127.0.0.1 port=none").build();
    /// assert!(matches!(result, Err(StoreError::Postgres { server: None, .. })));
    /// ```
    pub fn build(self) -> Result<PostgresStore, StoreError> {
        let shared = Arc::new(self.shared()?);
        // The thread makes the first load itself, after it listens (see `follow`); it reports
        // how that went and, if it failed, ends.
        let (ready, loaded) = mpsc::sync_channel(1);
        let thread = Arc::clone(&shared);
        let sync = fleet::spawn(THREAD_NAME, move || thread.run(ready))
            .map_err(|error| shared.unavailable(Failure::NoThread(error)))?;
        let store = PostgresStore {
            shared,
            sync: Some(sync),
        };
        match loaded.recv() {
            Ok(Ok(())) => Ok(store),
            Ok(Err(error)) => Err(store.shared.unavailable(error)),
            // The thread dropped its sender without a word: it panicked, which it reports.
            Err(_) => panic!("the postgres cut-off sync thread ended before loading"),
        }
    }

    /// What the store and its thread share, not yet connected.
    pub(super) fn shared(self) -> Result<Shared, StoreError> {
        let mut config: Config = self.params.parse().map_err(|source| StoreError::Postgres {
            server: None,
            source: Some(source),
        })?;
        config.connect_timeout(self.connect_timeout);
        Ok(Shared {
            server: server_of(&config, &self.params),
            config,
            cutoffs_table: quote(&self.prefix),
            logouts_table: quote(&format!("{}_logouts", self.prefix)),
            channel: self.prefix,
            timeout: self.connect_timeout,
            resync_interval: self.resync_interval,
            memory: MemoryStore::new(),
            contact: Contact::new(self.fail_closed_after),
            client: Mutex::new(None),
            stop: Stop::new(),
        })
    }
}

impl fmt::Debug for PostgresStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the connection string: it may hold a password.
        f.debug_struct("PostgresStoreBuilder")
            .field("prefix", &self.prefix)
            .field("resync_interval", &self.resync_interval)
            .field("connect_timeout", &self.connect_timeout)
            .field("fail_closed_after", &self.fail_closed_after)
            .finish_non_exhaustive()
    }
}
