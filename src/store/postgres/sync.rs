//! The sync thread: keeps an instance's copy of the cut-offs fresh by listening on the channel
//! every revocation notifies, and reloading the whole state now and then.

use std::sync::mpsc::SyncSender;
use std::time::Instant;

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, IsolationLevel, Row};

use super::{Failure, Shared, Work, quote, secs};
use crate::store::fleet::{self, POLL, shorten};
use crate::store::memory::Logout;

/// The thread's name, as seen in a debugger or `top -H`.
pub(super) const THREAD_NAME: &str = "sigcookie-postgres-sync";

impl Shared {
    /// The sync thread: follows the database until the store is dropped, reconnecting after
    /// errors.
    pub(super) fn run(&self, ready: SyncSender<Result<(), Failure>>) {
        let follow = |first: bool, loaded: &mut dyn FnMut()| self.follow(first, loaded);
        fleet::run(
            "postgres",
            ready,
            self.resync_interval,
            &self.stop,
            follow,
            |error, backoff| {
                tracing::warn!(
                    server = ?self.server,
                    %error,
                    retry_in = ?backoff,
                    serving = self.contact.serving(),
                    "postgres cut-off store: cannot follow the database"
                );
            },
        );
    }

    /// One connection's life: create the tables if missing, listen, load, then apply
    /// notifications until the store is dropped (`Ok`) or something fails (`Err`). `loaded`
    /// is called once the state is loaded.
    fn follow(&self, first: bool, loaded: &mut dyn FnMut()) -> Result<(), Failure> {
        let mut client = self.connect()?;
        self.create_tables(&mut client)?;
        // Listening before loading: a revocation committed during the load is queued on this
        // connection and applied after it. Loading first would lose one made in between.
        client.batch_execute(&format!("LISTEN {}", quote(&self.channel)))?;
        self.load(&mut client, first)?;
        loaded();
        let check_every = self.contact.check_every(self.resync_interval);
        let mut next_load = Instant::now() + self.resync_interval;
        let mut next_check = Instant::now() + check_every;
        while !self.stop.stopped() {
            let now = Instant::now();
            if now >= next_load || now >= next_check {
                // A connection cut without a word fails this check within the timeout,
                // instead of waiting for notifications forever; and a quiet, healthy one shows
                // itself alive to the fail-closed bound.
                client.is_valid(self.timeout)?;
                self.contact.touch();
                next_check = Instant::now() + check_every;
            }
            if now >= next_load {
                self.load(&mut client, false)?;
                next_load = Instant::now() + self.resync_interval;
            }
            let wait = POLL.min(
                next_load
                    .min(next_check)
                    .saturating_duration_since(Instant::now()),
            );
            let next = client.notifications().timeout_iter(wait).next()?;
            match next {
                Some(notification) => {
                    self.contact.touch();
                    if !fleet::apply_change(&self.memory, notification.payload().as_bytes()) {
                        tracing::warn!(
                            channel = %self.channel,
                            "postgres cut-off store: unexpected notification; reloading"
                        );
                        next_load = Instant::now();
                    }
                }
                // No notification, or the connection is gone: the check finds out which.
                None if client.is_closed() => client.is_valid(self.timeout)?,
                None => {}
            }
        }
        Ok(())
    }

    /// Reads both tables, in one snapshot, and raises the copy to them (never lowers it).
    fn load(&self, client: &mut Client, first: bool) -> Result<(), postgres::Error> {
        let mut tx = self.bounded(client, IsolationLevel::RepeatableRead, Work::Load)?;
        let cutoffs = tx.query(
            &format!("SELECT {ID}, not_before::text FROM {}", self.cutoffs_table),
            &[],
        )?;
        let logouts = tx.query(
            &format!(
                "SELECT {ID}, logged_in_at::text, until::text FROM {}",
                self.logouts_table
            ),
            &[],
        )?;
        tx.commit()?;
        for row in &cutoffs {
            let Some(id) = self.id_of(row, &self.cutoffs_table) else {
                continue;
            };
            let at = secs(row, 1);
            if id.is_empty() {
                self.absorb_global(client, at, first)?;
                continue;
            }
            let raised = at.is_some_and(|at| self.memory.raise_user(id, at).is_ok());
            if !raised {
                // Fail closed: the row may have been a revocation.
                self.malformed(id, &self.cutoffs_table);
            }
        }
        for row in &logouts {
            let Some(id) = self.id_of(row, &self.logouts_table) else {
                continue;
            };
            let added = secs(row, 1)
                .zip(secs(row, 2))
                .is_some_and(|(logged_in_at, until)| {
                    let logout = Logout {
                        logged_in_at,
                        until,
                    };
                    self.memory.add_logout(id, logout).is_ok()
                });
            if !added {
                self.malformed(id, &self.logouts_table);
            }
        }
        // In touch once the copy holds what was read, not before: a store failing closed
        // serves lookups again only from a copy that is up to date.
        self.contact.touch();
        Ok(())
    }

    /// Raises the copy's global cut-off to the one read. A malformed one is an error on the
    /// `first` load, as reading it as "none" would un-revoke every session; later, the last
    /// known one stays.
    fn absorb_global(
        &self,
        client: &mut Client,
        at: Option<u64>,
        first: bool,
    ) -> Result<(), postgres::Error> {
        match at {
            Some(at) => {
                self.memory.raise_global(at);
            }
            None if first => {
                return Err(refuse_malformed_global(client));
            }
            None => tracing::warn!(
                table = %self.cutoffs_table,
                "postgres cut-off store: malformed global cut-off; keeping the last known one"
            ),
        }
        Ok(())
    }

    /// The id of `row`; `None`, with a warning, for one that is not UTF-8 (a `SQL_ASCII`
    /// database stores any bytes), which no session can have, so there is nothing to refuse.
    fn id_of<'r>(&self, row: &'r Row, table: &str) -> Option<&'r str> {
        let bytes = row.try_get::<_, &[u8]>(0).ok();
        let id = bytes.and_then(|bytes| std::str::from_utf8(bytes).ok());
        if id.is_none() {
            tracing::warn!(
                table,
                "postgres cut-off store: a row whose id is not UTF-8; ignored"
            );
        }
        id
    }

    /// Marks `id` unreadable, so its sessions are refused until it is revoked again.
    fn malformed(&self, id: &str, table: &str) {
        self.memory.mark_unreadable(id);
        tracing::warn!(
            id = ?shorten(id),
            table,
            "postgres cut-off store: malformed row; refusing this id until revoked again"
        );
    }
}

/// An id as the load reads it: its bytes as stored, unconverted (from the server's encoding to
/// itself). In a `SQL_ASCII` database a column may hold bytes that are not UTF-8, which the
/// server would refuse to send as text to a UTF-8 client, failing every load.
const ID: &str = "convert_to(id, current_setting('server_encoding'))";

/// The error `build` returns for a malformed global cut-off: the database's own, raised by a
/// statement that says why, so that the store's one error type carries it.
fn refuse_malformed_global(client: &mut Client) -> postgres::Error {
    let refusal = client.batch_execute(
        "DO $$ BEGIN RAISE EXCEPTION 'malformed global cut-off (the row with the empty id); \
         refusing to start without it (revoke_all replaces it)'; END $$",
    );
    match refusal {
        Err(error) => error,
        Ok(()) => unreachable!("RAISE EXCEPTION always fails"),
    }
}
