//! What panels sharing a server share: the revocation cut-offs and the password hashes, in
//! Redis (`PANEL_REDIS_URL`) or PostgreSQL (`PANEL_POSTGRES_URL`). The rest of the panel sees
//! only [`SharedPasswords`] and a `CutoffStore`, whichever server holds them.

use std::sync::Arc;

use sigcookie::store::{CutoffStore, PostgresStore, RedisStore};

use crate::postgres_passwords::PostgresPasswords;
use crate::redis_passwords::RedisPasswords;

/// The password hashes of every panel sharing one server: a password changed on any panel is
/// the one every panel checks from then on. Every call blocks on the server, bounded by a
/// timeout: make them off the async threads.
pub trait SharedPasswords: Send + Sync {
    /// Stores each `(id, hash)` whose id has no hash yet, leaving every other as it is: a panel
    /// started with an old users file does not bring an old password back.
    fn seed(&self, hashes: &[(&str, &str)]) -> Result<(), String>;

    /// The stored hash of user `id`, if any.
    fn get(&self, id: &str) -> Result<Option<String>, String>;

    /// Fails as [`get`](Self::get) would when the server is unreachable: for a login naming no
    /// user, so that an outage answers alike whether or not the name exists.
    fn ping(&self) -> Result<(), String>;

    /// Sets `new` as user `id`'s hash if the stored one is still `checked`, in one atomic step:
    /// of two changes racing on two panels one wins and the other gets `Ok(false)`. An error
    /// may come after the server applied the change (its answer was lost or late).
    fn replace(&self, id: &str, checked: &str, new: &str) -> Result<bool, String>;

    /// Where the hashes are, for the log: the server and the key or table.
    fn location(&self) -> String;
}

/// The server that panels share, from the environment; `None` when each keeps its state in its
/// own folder.
pub enum Server {
    /// `PANEL_REDIS_URL`.
    Redis(String),
    /// `PANEL_POSTGRES_URL`.
    Postgres(String),
}

impl Server {
    /// `PANEL_REDIS_URL` or `PANEL_POSTGRES_URL`. Both is an error rather than a choice: the
    /// panels of one fleet must agree on where the cut-offs are, and a silent pick could split
    /// them in two fleets that ignore each other's logouts.
    pub fn from_env() -> Result<Option<Server>, String> {
        let var = |name| std::env::var(name).ok();
        Server::from_urls(var("PANEL_REDIS_URL"), var("PANEL_POSTGRES_URL"))
    }

    fn from_urls(
        redis: Option<String>,
        postgres: Option<String>,
    ) -> Result<Option<Server>, String> {
        match (redis, postgres) {
            (Some(_), Some(_)) => Err(
                "PANEL_REDIS_URL and PANEL_POSTGRES_URL are both set: the panels share one \
                 server, set only one of them"
                    .to_owned(),
            ),
            (Some(url), None) => Ok(Some(Server::Redis(url))),
            (None, Some(url)) => Ok(Some(Server::Postgres(url))),
            (None, None) => Ok(None),
        }
    }

    /// The password hashes on this server. Checks the URL only; `seed` is the first call that
    /// reaches the server.
    pub fn passwords(&self) -> Result<Box<dyn SharedPasswords>, String> {
        Ok(match self {
            Server::Redis(url) => Box::new(RedisPasswords::open(url)?),
            Server::Postgres(url) => Box::new(PostgresPasswords::open(url)?),
        })
    }

    /// The cut-offs on this server, with the store's defaults, loaded before this returns.
    /// Fails when the server is unreachable: starting without the cut-offs in force would let
    /// revoked sessions back in.
    pub fn cutoffs(&self) -> Result<Arc<dyn CutoffStore>, String> {
        Ok(match self {
            Server::Redis(url) => Arc::new(
                RedisStore::connect(url.as_str()).map_err(|e| format!("PANEL_REDIS_URL: {e}"))?,
            ),
            Server::Postgres(url) => Arc::new(
                PostgresStore::connect(url).map_err(|e| format!("PANEL_POSTGRES_URL: {e}"))?,
            ),
        })
    }

    /// The server's name, for the log.
    pub fn name(&self) -> &'static str {
        match self {
            Server::Redis(_) => "Redis",
            Server::Postgres(_) => "PostgreSQL",
        }
    }
}
