//! Revocations through PostgreSQL: each one transaction that raises a row, never lowering it,
//! and notifies the fleet, so that a notification exists exactly when the change committed.

use postgres::{Client, GenericClient, IsolationLevel};

use super::{Failure, Shared, Work, secs};
use crate::store::fleet::Server;
use crate::store::memory::{Entry, Logout, User};
use crate::store::{CutoffStore, MemoryStore, StoreError, everywhere_cutoff_from};
use crate::{Cutoffs, Revocations};

/// The largest time a row can hold and still be read: `u64::MAX`.
const MAX: &str = "18446744073709551615";

impl Shared {
    /// Creates the tables if they are missing. Looked for first, because PostgreSQL checks the
    /// right to create tables even for `CREATE TABLE IF NOT EXISTS` of one that exists: an
    /// instance that only reads and writes them needs no more rights than that. Created under
    /// a lock of the transaction, since two instances starting at once could both find a table
    /// missing and the second `CREATE` would fail.
    pub(super) fn create_tables(&self, client: &mut Client) -> Result<(), postgres::Error> {
        let exist = client.query_one(
            "SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL",
            &[&self.cutoffs_table, &self.logouts_table],
        )?;
        if exist.get(0) {
            return Ok(());
        }
        let mut tx = self.bounded(client, IsolationLevel::ReadCommitted, Work::Change)?;
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            &[&format!("sigcookie {}", self.cutoffs_table)],
        )?;
        tx.batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS {cutoffs} (
                id text PRIMARY KEY,
                not_before numeric(20, 0) NOT NULL
            );
            CREATE TABLE IF NOT EXISTS {logouts} (
                id text NOT NULL,
                logged_in_at numeric(20, 0) NOT NULL,
                until numeric(20, 0) NOT NULL,
                PRIMARY KEY (id, logged_in_at)
            );",
            cutoffs = self.cutoffs_table,
            logouts = self.logouts_table,
        ))?;
        tx.commit()
    }

    /// The upsert that raises one cut-off (a stored value that is not a readable time is
    /// replaced), and its notification, on `tx`.
    fn raise_in(
        &self,
        tx: &mut impl GenericClient,
        id: Option<&str>,
        not_before: u64,
    ) -> Result<(), postgres::Error> {
        let key = id.unwrap_or("");
        tx.execute(
            &format!(
                "INSERT INTO {t} AS t (id, not_before) VALUES ($1, $2::text::numeric)
                 ON CONFLICT (id) DO UPDATE SET not_before = CASE
                   WHEN t.not_before BETWEEN 0 AND {MAX}
                   THEN GREATEST(t.not_before, EXCLUDED.not_before)
                   ELSE EXCLUDED.not_before END",
                t = self.cutoffs_table
            ),
            &[&key, &not_before.to_string()],
        )?;
        let message = match id {
            Some(id) => format!("u {not_before} {id}"),
            None => format!("g {not_before}"),
        };
        self.notify(tx, &message)
    }

    fn notify(&self, tx: &mut impl GenericClient, message: &str) -> Result<(), postgres::Error> {
        tx.execute("SELECT pg_notify($1, $2)", &[&self.channel, &message])
            .map(|_| ())
    }
}

impl Server for Shared {
    type Failure = Failure;

    fn memory(&self) -> &MemoryStore {
        &self.memory
    }

    /// `failure` as the store's error, naming the server it tried.
    fn unavailable(&self, failure: Failure) -> StoreError {
        let source = match failure {
            Failure::Client(error) => Some(error),
            Failure::TimedOut => None,
            Failure::NoThread(error) => {
                // The error has room for the client's errors only, which cannot be made from
                // the system's: the log keeps its reason.
                tracing::error!(
                    server = ?self.server,
                    %error,
                    "postgres cut-off store: the system refused a thread"
                );
                None
            }
        };
        StoreError::Postgres {
            server: self.server.clone(),
            source,
        }
    }

    /// Raises the cut-off of `id` (the global one for `None`) to `not_before` and announces it,
    /// in one transaction.
    fn raise(&self, id: Option<&str>, not_before: u64) -> Result<(), Failure> {
        self.with_client(|client| {
            let mut tx = self.bounded(client, IsolationLevel::ReadCommitted, Work::Change)?;
            self.raise_in(&mut tx, id, not_before)?;
            tx.commit()
        })
    }

    /// Revokes, for `id` or for every id, every session that began up to `now`, judged against
    /// what the database holds at this moment: a copy that lags behind a revocation another
    /// instance just made (and a login it stamped with it) would date the new cut-off too
    /// early. The cut-offs' table is locked against other writers for the transaction, the
    /// cut-offs read and the new one worked out by the rule every store uses
    /// ([`Cutoffs::revoke_at`], [`everywhere_cutoff_from`]), then raised. Returns the cut-off.
    fn transact_revocation(&self, id: Option<&str>, now: u64, leeway: u64) -> Result<u64, Failure> {
        self.with_client(|client| {
            let mut tx = self.bounded(client, IsolationLevel::ReadCommitted, Work::Change)?;
            tx.batch_execute(&format!(
                "LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE",
                self.cutoffs_table
            ))?;
            let cutoff = match id {
                Some(id) => {
                    let row = tx.query_one(
                        &format!(
                            "SELECT (SELECT not_before::text FROM {t} WHERE id = ''),
                                    (SELECT not_before::text FROM {t} WHERE id = $1)",
                            t = self.cutoffs_table
                        ),
                        &[&id],
                    )?;
                    let fleet = Cutoffs::at(secs(&row, 0).unwrap_or(0))
                        .and(Cutoffs::at(secs(&row, 1).unwrap_or(0)));
                    self.memory.cutoffs(id).and(fleet).revoke_at(now)
                }
                None => {
                    let limit = now.saturating_add(leeway);
                    let row = tx.query_one(
                        &format!(
                            "SELECT (SELECT not_before::text FROM {t} WHERE id = ''),
                                    (SELECT max(not_before)::text FROM {t}
                                     WHERE not_before BETWEEN 0 AND $1::text::numeric)",
                            t = self.cutoffs_table
                        ),
                        &[&limit.to_string()],
                    )?;
                    let global = secs(&row, 0).max(self.memory.global());
                    let latest = secs(&row, 1)
                        .into_iter()
                        .chain(global)
                        .filter(|at| *at <= limit)
                        .max()
                        .max(self.memory.latest(limit));
                    everywhere_cutoff_from(latest, global, now)
                }
            };
            self.raise_in(&mut tx, id, cutoff)?;
            tx.commit()?;
            Ok(cutoff)
        })
    }

    /// Logs out one session of `id` in the database. Under a lock of the user for the
    /// transaction (other logouts of the user wait), the user's cut-off and logouts are read,
    /// the logout added by the rule every store uses (`User::add`, with its cap), and the
    /// user's logouts rewritten, with the notification `s <login> <until> <id>` and, when the
    /// cap turned the oldest logout into a cut-off, that cut-off's upsert and notification.
    /// A malformed logout row may have held any of the user's sessions: they all end (a cut-off
    /// past now, or past this session), and the list starts afresh.
    fn transact_logout(&self, id: &str, logout: Logout) -> Result<(), Failure> {
        self.with_client(|client| {
            let mut tx = self.bounded(client, IsolationLevel::ReadCommitted, Work::Change)?;
            tx.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                &[&format!("sigcookie {} {id}", self.logouts_table)],
            )?;
            let cutoff = tx
                .query_opt(
                    &format!(
                        "SELECT not_before::text FROM {} WHERE id = $1",
                        self.cutoffs_table
                    ),
                    &[&id],
                )?
                .and_then(|row| secs(&row, 0));
            let cutoff = Entry::At(cutoff.unwrap_or(0));
            let before = cutoff.last();
            let rows = tx.query(
                &format!(
                    "SELECT logged_in_at::text, until::text FROM {} WHERE id = $1",
                    self.logouts_table
                ),
                &[&id],
            )?;
            let stored: Option<Vec<Logout>> = rows
                .iter()
                .map(|row| {
                    Some(Logout {
                        logged_in_at: secs(row, 0)?,
                        until: secs(row, 1)?,
                    })
                })
                .collect();
            let mut user = match stored {
                Some(logouts) => User::read(cutoff, logouts),
                None => User::read_malformed(cutoff, logout.logged_in_at),
            };
            user.add(logout);
            user.prune(self.memory.horizon(logout.logged_in_at));
            tx.execute(
                &format!("DELETE FROM {} WHERE id = $1", self.logouts_table),
                &[&id],
            )?;
            let (logins, untils): (Vec<String>, Vec<String>) = user
                .logouts
                .iter()
                .map(|l| (l.logged_in_at.to_string(), l.until.to_string()))
                .unzip();
            tx.execute(
                &format!(
                    "INSERT INTO {} (id, logged_in_at, until)
                     SELECT $1, l::numeric, u::numeric FROM unnest($2::text[], $3::text[]) AS x(l, u)",
                    self.logouts_table
                ),
                &[&id, &logins, &untils],
            )?;
            let message = format!("s {} {} {id}", logout.logged_in_at, logout.until);
            self.notify(&mut tx, &message)?;
            if user.cutoff.last() > before {
                self.raise_in(&mut tx, Some(id), user.cutoff.last())?;
            }
            tx.commit()
        })
    }
}
