//! The password hashes in Redis, for panels that share one (`PANEL_REDIS_URL`): a password
//! changed on any instance is the one every instance checks from then on.
//!
//! One Redis hash, [`KEY`] (field = user id, value = Argon2id PHC string), beside the cut-offs'
//! `{sigcookie:cutoffs}:*` keys of `RedisStore`. Instances seed it from their users files with
//! `HSETNX`, which never replaces a hash already there: an instance started after a change, or
//! restarted with its old file, does not bring the old password back.
//!
//! Nothing is kept in memory: a copy would go stale the moment another instance changes a
//! password. Logins and password changes are throttled and cost an Argon2 hash each, so a round
//! trip more does not matter. Calls block: make them off the async threads.

use std::time::Duration;

use redis::{Client, Connection, RedisResult, Script};

use crate::shared::SharedPasswords;

/// The Redis hash of the panel's password hashes.
pub const KEY: &str = "sigcookie:panel:passwords";
/// How long connecting and each command may take before the call fails: a Redis that does not
/// answer must not hold a login for long.
const TIMEOUT: Duration = Duration::from_secs(2);

/// Sets a user's new hash only if the stored one is still the one the current password was
/// checked against, in one step (Redis runs a script atomically): of two changes racing on two
/// instances one wins and the other is refused, and no change replaces a password it did not
/// check. `KEYS[1]` is [`KEY`]; `ARGV` is the id, the hash checked and the new hash.
const REPLACE: &str = r"
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
";

/// The password hashes of every panel sharing one Redis.
pub struct RedisPasswords {
    client: Client,
    replace: Script,
}

impl RedisPasswords {
    /// The hashes in the Redis at `url`. Checks the URL only;
    /// [`seed`](SharedPasswords::seed) is the first call that reaches Redis.
    pub fn open(url: &str) -> Result<RedisPasswords, String> {
        Ok(RedisPasswords {
            client: Client::open(url).map_err(|e| format!("PANEL_REDIS_URL: {e}"))?,
            replace: Script::new(REPLACE),
        })
    }

    /// Runs `f` on a connection of its own. A new one each call: calls are few, they never
    /// queue behind each other's timeouts, and none fails on a connection that a restart of
    /// Redis closed since the last.
    fn run<T>(&self, f: impl FnOnce(&mut Connection) -> RedisResult<T>) -> Result<T, String> {
        let result = self.connect().and_then(|mut con| f(&mut con));
        result.map_err(|e| format!("the password hashes in Redis ({KEY}): {e}"))
    }

    fn connect(&self) -> RedisResult<Connection> {
        let con = self.client.get_connection_with_timeout(TIMEOUT)?;
        con.set_read_timeout(Some(TIMEOUT))?;
        con.set_write_timeout(Some(TIMEOUT))?;
        Ok(con)
    }
}

impl SharedPasswords for RedisPasswords {
    fn seed(&self, hashes: &[(&str, &str)]) -> Result<(), String> {
        let mut pipe = redis::pipe();
        for (id, hash) in hashes {
            pipe.cmd("HSETNX").arg(KEY).arg(id).arg(hash).ignore();
        }
        self.run(|con| pipe.query::<()>(con))
    }

    fn get(&self, id: &str) -> Result<Option<String>, String> {
        self.run(|con| redis::cmd("HGET").arg(KEY).arg(id).query(con))
    }

    fn ping(&self) -> Result<(), String> {
        self.run(|con| redis::cmd("PING").query::<()>(con))
    }

    fn replace(&self, id: &str, checked: &str, new: &str) -> Result<bool, String> {
        self.run(|con| {
            self.replace
                .key(KEY)
                .arg(id)
                .arg(checked)
                .arg(new)
                .invoke::<bool>(con)
        })
    }

    fn location(&self) -> String {
        format!("the Redis hash {KEY}")
    }
}
