//! The password hashes in PostgreSQL, for panels that share one (`PANEL_POSTGRES_URL`): what
//! `redis_passwords.rs` is for Redis, with the same behaviour.
//!
//! One table, [`TABLE`] (`id text PRIMARY KEY, hash text`: the user id and its Argon2id PHC
//! string), beside the cut-offs' `sigcookie_cutoffs` tables of `PostgresStore`, created by the
//! first panel that seeds it. Seeding is `INSERT … ON CONFLICT DO NOTHING`, which never replaces
//! a hash already there; a change is one `UPDATE … WHERE hash = checked`, which PostgreSQL runs
//! atomically: of two changes racing on two panels, the second waits for the first to commit,
//! finds the hash changed and updates nothing.
//!
//! Nothing is kept in memory, and each call has a connection of its own, for the reasons given
//! in `redis_passwords.rs`. Calls block: make them off the async threads.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use postgres::{Client, Config, NoTls};

use crate::shared::SharedPasswords;

/// The table of the panel's password hashes.
pub const TABLE: &str = "sigcookie_panel_passwords";
/// How long a call may take, connecting included, before it fails: a database that does not
/// answer must not hold a login for long. PostgreSQL is told the same bound for each statement
/// (`statement_timeout`), so that it gives up on one (a change waiting for a lock) when the
/// panel does.
const TIMEOUT: Duration = Duration::from_secs(2);
/// How many calls may be waiting at once on a database that answers nothing. The client cannot
/// give up on a statement it sent, so a call past its timeout leaves its thread blocked until
/// the database answers or the connection dies: past this many, calls fail at once rather than
/// pile up threads while the database is frozen.
const MAX_WAITING: usize = 8;

/// The password hashes of every panel sharing one PostgreSQL database.
pub struct PostgresPasswords {
    config: Config,
    /// The calls whose thread has not ended yet, answered or not.
    waiting: Arc<AtomicUsize>,
}

impl PostgresPasswords {
    /// The hashes in the database `url` names (`postgresql://…` or `host=… user=…`). Checks
    /// the URL only; [`seed`](SharedPasswords::seed) is the first call that reaches the
    /// database.
    pub fn open(url: &str) -> Result<PostgresPasswords, String> {
        let mut config: Config = url
            .parse()
            .map_err(|e| format!("PANEL_POSTGRES_URL: {e}"))?;
        config.connect_timeout(TIMEOUT);
        // After the URL's own options, so that it cannot lift the bound.
        let options = format!(
            "{} -c statement_timeout={}",
            config.get_options().unwrap_or_default(),
            TIMEOUT.as_millis()
        );
        config.options(options.trim_start());
        Ok(PostgresPasswords {
            config,
            waiting: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// Runs `f` on a connection of its own, on a thread of its own, and waits for it at most
    /// [`TIMEOUT`]: the client bounds connecting, but neither the handshake nor a statement,
    /// which a frozen database would hold forever.
    fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T, String> {
        let failed =
            |e: &dyn std::fmt::Display| format!("the password hashes in PostgreSQL ({TABLE}): {e}");
        let waiting = Waiting::enter(&self.waiting).ok_or_else(|| {
            failed(&format!(
                "{MAX_WAITING} calls are still waiting for the database to answer"
            ))
        })?;
        let config = self.config.clone();
        let (sender, receiver) = mpsc::sync_channel(1);
        thread::Builder::new()
            .name("panel-postgres-passwords".to_owned())
            .spawn(move || {
                let _waiting = waiting;
                let result = config.connect(NoTls).and_then(|mut client| f(&mut client));
                let _ = sender.send(result.map_err(|e| match std::error::Error::source(&e) {
                    Some(cause) => format!("{e}: {cause}"),
                    None => e.to_string(),
                }));
            })
            .map_err(|e| failed(&e))?;
        match receiver.recv_timeout(TIMEOUT) {
            Ok(result) => result.map_err(|e| failed(&e)),
            Err(_) => Err(failed(&format!("no answer within {TIMEOUT:?}"))),
        }
    }
}

impl SharedPasswords for PostgresPasswords {
    fn seed(&self, hashes: &[(&str, &str)]) -> Result<(), String> {
        let (ids, hashes): (Vec<String>, Vec<String>) = hashes
            .iter()
            .map(|&(id, hash)| (id.to_owned(), hash.to_owned()))
            .unzip();
        self.run(move |client| {
            // Looked for first: PostgreSQL checks the right to create tables even for a
            // `CREATE TABLE IF NOT EXISTS` of one that exists, which a panel's user that only
            // reads and writes the table does not need.
            let exists: bool = client
                .query_one("SELECT to_regclass($1) IS NOT NULL", &[&TABLE])?
                .get(0);
            let mut tx = client.transaction()?;
            if !exists {
                // Two panels starting at once could both find the table missing, and the
                // second `CREATE` would fail: one at a time.
                tx.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                    &[&TABLE],
                )?;
                tx.batch_execute(&format!(
                    "CREATE TABLE IF NOT EXISTS {TABLE} (id text PRIMARY KEY, hash text NOT NULL)"
                ))?;
            }
            tx.execute(
                &format!(
                    "INSERT INTO {TABLE} (id, hash) SELECT * FROM unnest($1::text[], $2::text[])
                     ON CONFLICT (id) DO NOTHING"
                ),
                &[&ids, &hashes],
            )?;
            tx.commit()
        })
    }

    fn get(&self, id: &str) -> Result<Option<String>, String> {
        let id = id.to_owned();
        self.run(move |client| {
            let row =
                client.query_opt(&format!("SELECT hash FROM {TABLE} WHERE id = $1"), &[&id])?;
            Ok(row.map(|row| row.get(0)))
        })
    }

    fn ping(&self) -> Result<(), String> {
        self.run(|client| client.batch_execute("SELECT 1"))
    }

    fn replace(&self, id: &str, checked: &str, new: &str) -> Result<bool, String> {
        let args = [id, checked, new].map(str::to_owned);
        self.run(move |client| {
            let [id, checked, new] = &args;
            let updated = client.execute(
                &format!("UPDATE {TABLE} SET hash = $3 WHERE id = $1 AND hash = $2"),
                &[id, checked, new],
            )?;
            Ok(updated == 1)
        })
    }

    fn location(&self) -> String {
        format!("the PostgreSQL table {TABLE}")
    }
}

/// One call counted in [`PostgresPasswords::waiting`] until its thread ends.
struct Waiting(Arc<AtomicUsize>);

impl Waiting {
    /// Counts one more call, or `None` if [`MAX_WAITING`] are waiting already.
    fn enter(count: &Arc<AtomicUsize>) -> Option<Waiting> {
        count
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < MAX_WAITING).then_some(n + 1)
            })
            .ok()
            .map(|_| Waiting(Arc::clone(count)))
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
