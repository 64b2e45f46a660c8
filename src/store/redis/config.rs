//! [`RedisStoreBuilder`]: how to reach Redis and where the cut-offs are in it.

use std::fmt;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::{Client, ErrorKind, RedisError};

use super::cluster::Cluster;
use super::sentinel::Sentinels;
use super::subscriber::THREAD_NAME;
use super::{RedisStore, Shared, Target};
use crate::store::contact::Contact;
use crate::store::fleet::{
    self, DEFAULT_CONNECT_TIMEOUT, DEFAULT_RESYNC_INTERVAL, MIN_CONNECT_TIMEOUT,
    MIN_FAIL_CLOSED_AFTER, MIN_RESYNC_INTERVAL, Server, Stop,
};
use crate::store::{MemoryStore, StoreError};

const DEFAULT_PREFIX: &str = "sigcookie:cutoffs";

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
    fail_closed_after: Option<Duration>,
    deployment: Deployment,
}

/// What the builder's URL names.
#[derive(Clone)]
enum Deployment {
    /// The one server.
    Node,
    /// The master's credentials and database; the master's name and its sentinels' URLs.
    Sentinel {
        master: String,
        sentinels: Vec<String>,
    },
    /// One node of a cluster; the URLs of more of its nodes.
    Cluster { nodes: Vec<String> },
}

impl RedisStoreBuilder {
    /// The defaults of [`RedisStore::builder`].
    pub(super) fn new(url: &str) -> RedisStoreBuilder {
        RedisStoreBuilder {
            url: url.to_owned(),
            prefix: DEFAULT_PREFIX.to_owned(),
            resync_interval: DEFAULT_RESYNC_INTERVAL,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            fail_closed_after: None,
            deployment: Deployment::Node,
        }
    }

    /// The prefix of the store's keys and channel (`{prefix}:global`, `{prefix}:users`,
    /// `{prefix}:logouts`, `{prefix}:changes`, braces included): one per fleet that must not
    /// share revocations with another. The braces make the prefix the keys' hash tag, which puts
    /// them in one hash slot of a Redis Cluster, where one script can change them together; so
    /// a prefix must not be empty or start with `}`, which [`build`](Self::build) refuses.
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
        self.connect_timeout = timeout.max(MIN_CONNECT_TIMEOUT);
        self
    }

    /// Fails closed once this instance has been out of touch with Redis for longer than `bound`:
    /// every session is refused with [`Error::CutoffUnreadable`](crate::Error::CutoffUnreadable)
    /// until it has reconnected and reloaded the cut-offs. Without it (the default) an instance
    /// that lost Redis keeps serving the last state it knew, however long the outage: the fleet
    /// stays up, and a revocation made elsewhere meanwhile is not seen here until Redis is back.
    /// Choose by what costs more: an outage of every instance with its store, or a revoked
    /// session accepted during one. At least 1 s (a shorter bound is taken as 1 s); see
    /// "Failing closed" on [`RedisStore`].
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use sigcookie::store::RedisStore;
    /// let store = RedisStore::builder("redis://127.0.0.1/")
    ///     .fail_closed_after(Duration::from_secs(60))
    ///     .build()?;
    /// # Ok::<(), sigcookie::store::StoreError>(())
    /// ```
    #[must_use]
    pub fn fail_closed_after(mut self, bound: Duration) -> RedisStoreBuilder {
        self.fail_closed_after = Some(bound.max(MIN_FAIL_CLOSED_AFTER));
        self
    }

    /// Finds the master named `master` through its `sentinels` (their URLs,
    /// `redis://[user:password@]host:port`), at every new connection: after a failover, the
    /// store follows the new master. The builder's URL then gives only the master's
    /// credentials and database; its host and port are replaced by whatever the sentinels
    /// name. When the sentinels know of a replica, a revocation is acknowledged only once a
    /// replica has it too (`WAIT 1`, for up to the connect timeout). See "Sentinel" on
    /// [`RedisStore`].
    ///
    /// ```no_run
    /// # use sigcookie::store::RedisStore;
    /// let store = RedisStore::builder("redis://:master-password@mymaster/0")
    ///     .sentinel("mymaster", ["redis://10.0.0.1:26379", "redis://10.0.0.2:26379"])
    ///     .build()?;
    /// # Ok::<(), sigcookie::store::StoreError>(())
    /// ```
    #[must_use]
    pub fn sentinel<S: AsRef<str>>(
        mut self,
        master: impl Into<String>,
        sentinels: impl IntoIterator<Item = S>,
    ) -> RedisStoreBuilder {
        let sentinels = sentinels.into_iter().map(|url| url.as_ref().to_owned());
        self.deployment = Deployment::Sentinel {
            master: master.into(),
            sentinels: sentinels.collect(),
        };
        self
    }

    /// Talks to a Redis Cluster, of which the builder's URL names one node and `nodes` (their
    /// URLs, with the same credentials) more: the cluster client finds the node that serves
    /// the store's hash slot, and follows it when the slot moves. The channel is followed on
    /// one of the nodes given, the next one when it fails. Replaces
    /// [`sentinel`](Self::sentinel). See "Redis Cluster" on [`RedisStore`].
    ///
    /// ```no_run
    /// # use sigcookie::store::RedisStore;
    /// let store = RedisStore::builder("redis://10.0.0.1:7000/")
    ///     .cluster(["redis://10.0.0.2:7000", "redis://10.0.0.3:7000"])
    ///     .build()?;
    /// # Ok::<(), sigcookie::store::StoreError>(())
    /// ```
    #[must_use]
    pub fn cluster<S: AsRef<str>>(
        mut self,
        nodes: impl IntoIterator<Item = S>,
    ) -> RedisStoreBuilder {
        let nodes = nodes.into_iter().map(|url| url.as_ref().to_owned());
        self.deployment = Deployment::Cluster {
            nodes: nodes.collect(),
        };
        self
    }

    /// Connects, subscribes, loads every cut-off and starts the sync thread. Returns only once
    /// the cut-offs are loaded: a store never answers a lookup from an empty copy.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] if the URL is invalid, the prefix cannot be a hash tag, Redis
    /// cannot be reached or answers with an error, or its global cut-off is malformed. Fail closed: there is no store that
    /// starts without the fleet's cut-offs.
    ///
    /// ```
    /// use sigcookie::store::{RedisStore, StoreError};
    /// let result = RedisStore::builder("not a url").build();
    /// assert!(matches!(result, Err(StoreError::Unavailable { server: None, .. })));
    /// ```
    pub fn build(self) -> Result<RedisStore, StoreError> {
        let client = Client::open(self.url.as_str()).map_err(|source| StoreError::Unavailable {
            server: None,
            source,
        })?;
        if self.prefix.is_empty() || self.prefix.starts_with('}') {
            // `{}` is no hash tag: Redis would hash each whole key, and scatter them.
            return Err(StoreError::Unavailable {
                server: None,
                source: RedisError::from((
                    ErrorKind::InvalidClientConfig,
                    "the key prefix must not be empty or start with '}'",
                )),
            });
        }
        let (target, replicated) = match self.deployment {
            Deployment::Node => (Target::Node(client), false),
            Deployment::Cluster { mut nodes } => {
                nodes.insert(0, self.url.clone());
                let cluster = Cluster::new(&nodes, self.connect_timeout).map_err(|source| {
                    StoreError::Unavailable {
                        server: None,
                        source,
                    }
                })?;
                (Target::Cluster(cluster), false)
            }
            Deployment::Sentinel { master, sentinels } => {
                let template = client.get_connection_info().clone();
                let sentinels = Sentinels::new(&sentinels, master, template).map_err(|source| {
                    StoreError::Unavailable {
                        server: None,
                        source,
                    }
                })?;
                let replicated =
                    sentinels
                        .has_replicas(self.connect_timeout)
                        .map_err(|source| StoreError::Unavailable {
                            server: Some(sentinels.server()),
                            source,
                        })?;
                (Target::Sentinel(sentinels), replicated)
            }
        };
        let name = |what: &str| format!("{{{}}}:{what}", self.prefix);
        let shared = Arc::new(Shared {
            target,
            replicated,
            global_key: name("global"),
            users_key: name("users"),
            logouts_key: name("logouts"),
            channel: name("changes"),
            timeout: self.connect_timeout,
            resync_interval: self.resync_interval,
            memory: MemoryStore::new(),
            contact: Contact::new(self.fail_closed_after),
            conn: Mutex::new(None),
            emptied: AtomicBool::new(false),
            stop: Stop::new(),
        });
        // The thread makes the first load itself, so that it is subscribed before it (see
        // `follow`); it reports how that went and, if it failed, ends.
        let (ready, loaded) = mpsc::sync_channel(1);
        let thread = Arc::clone(&shared);
        let sync = fleet::spawn(THREAD_NAME, move || thread.run(ready))
            .map_err(|e| shared.unavailable(e.into()))?;
        let store = RedisStore {
            shared,
            sync: Some(sync),
        };
        match loaded.recv() {
            Ok(Ok(())) => Ok(store),
            Ok(Err(error)) => Err(store.shared.unavailable(error)),
            Err(_) => Err(store.shared.unavailable(RedisError::from((
                ErrorKind::Client,
                "the redis cut-off sync thread ended before loading",
            )))),
        }
    }
}

impl fmt::Debug for Deployment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the URLs: they may hold passwords.
        match self {
            Deployment::Node => f.write_str("Node"),
            Deployment::Sentinel { master, sentinels } => f
                .debug_struct("Sentinel")
                .field("master", master)
                .field("sentinels", &sentinels.len())
                .finish(),
            Deployment::Cluster { nodes } => f
                .debug_struct("Cluster")
                .field("nodes", &(nodes.len() + 1))
                .finish(),
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
            .field("fail_closed_after", &self.fail_closed_after)
            .field("deployment", &self.deployment)
            .finish_non_exhaustive()
    }
}
