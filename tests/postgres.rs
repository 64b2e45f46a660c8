//! `PostgresStore` against a real PostgreSQL: each test makes its own cluster with `initdb` in a
//! temporary folder, starts `postgres` on a free loopback port, and stops it at the end.
//!
//! Debian's packages put `initdb` and `postgres` in `/usr/lib/postgresql/<version>/bin`, off
//! the PATH: they are looked for there too. PostgreSQL refuses to run as root, so under root
//! both run as the `postgres` user the packages create (with `setpriv`). When they are missing
//! a test says so and passes, except under `CI=true`, where that is a failure: CI installs them.
//! Built only with the `postgres` feature, which the crate's dev-dependency on itself turns on
//! for `cargo test`.
#![cfg(feature = "postgres")]

mod common;

use common::fleet::{PROPAGATION, RECONNECT, Server as _, drops_within, eventually};
use common::postgres::Server;
use common::process::free_port;

use std::thread;
use std::time::{Duration, Instant};

use sigcookie::store::{CutoffStore, PostgresStore, StoreError};
use sigcookie::{Cutoffs, Revocations};

impl common::fleet::Server for Server {
    type Store = PostgresStore;

    fn store(&self) -> PostgresStore {
        PostgresStore::connect(&self.params()).expect("store connects")
    }

    fn store_failing_closed_after(&self, bound: Duration) -> PostgresStore {
        PostgresStore::builder(&self.params())
            .connect_timeout(Duration::from_millis(500))
            .fail_closed_after(bound)
            .build()
            .expect("store connects")
    }

    fn freeze(&self) {
        Server::freeze(self);
    }

    fn thaw(&self) {
        Server::thaw(self);
    }

    fn stop(&mut self) {
        Server::stop(self);
    }

    fn spawn(&mut self) -> bool {
        Server::spawn(self)
    }
}

/// Shows the store's warnings with `--nocapture`.
fn logs() {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
}

/// The stored cut-off of `id` in the table `table`, as text.
fn stored(raw: &mut postgres::Client, table: &str, id: &str) -> Option<String> {
    raw.query_opt(
        &format!("SELECT not_before::text FROM \"{table}\" WHERE id = $1"),
        &[&id],
    )
    .expect("SELECT")
    .map(|row| row.get(0))
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

#[test]
fn a_revocation_reaches_the_other_instances() {
    let Some(server) = Server::start() else {
        return;
    };
    logs();
    let open = || {
        PostgresStore::builder(&server.params())
            .prefix("fleet1")
            .build()
            .expect("store connects")
    };
    let (a, b) = (open(), open());
    assert_eq!(b.cutoffs("42"), Cutoffs::NONE);

    let start = Instant::now();
    a.revoke_user("42", 1_000).expect("revoked");
    assert_eq!(a.cutoffs("42"), Cutoffs::at(1_000), "at once on A");
    let returned = start.elapsed();
    eventually("B sees the user's cut-off", PROPAGATION, || {
        b.cutoffs("42") == Cutoffs::at(1_000)
    });
    let user = start.elapsed();
    assert_eq!(b.cutoffs("7"), Cutoffs::NONE, "other users unaffected");

    let start = Instant::now();
    a.revoke_all(2_000).expect("revoked");
    eventually("B sees the global cut-off", PROPAGATION, || {
        b.global() == Some(2_000)
    });
    let global = start.elapsed();
    assert_eq!(b.cutoffs("7"), Cutoffs::at(2_000));
    eprintln!(
        "propagation A -> B: revoke_user returned after {returned:?}, B refused after {user:?}; \
         revoke_all reached B after {global:?}"
    );

    // The rows are where the documentation says: the table named by the prefix.
    let mut raw = server.raw();
    assert_eq!(stored(&mut raw, "fleet1", "42").as_deref(), Some("1000"));
    assert_eq!(stored(&mut raw, "fleet1", "").as_deref(), Some("2000"));

    // A store dropped stops its thread promptly.
    let start = Instant::now();
    drop(a);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn an_instance_started_after_a_revocation_refuses_from_its_first_lookup() {
    let Some(server) = Server::start() else {
        return;
    };
    logs();
    let a = server.store();
    a.revoke_user("42", 1_000).expect("revoked");
    a.revoke_all(500).expect("revoked");
    a.revoke_session("9", 700, 50_000).expect("logged out");

    let b = server.store();
    assert_eq!(b.cutoffs("42"), Cutoffs::at(1_000));
    assert_eq!(b.cutoffs("7"), Cutoffs::at(500));
    assert_eq!(b.global(), Some(500));
    assert!(b.session_cutoffs("9", 700).is_logged_out());
}

/// Two revocations "until now" in the same second on two instances: the second must move the
/// cut-off past the first (and so past a login stamped with it), judging what the database
/// holds rather than its copy, which may not have heard of the first yet.
#[test]
fn a_revocation_until_now_passes_the_other_instances_cut_off() {
    const NOW: u64 = 1_764_000_000;
    let Some(server) = Server::start() else {
        return;
    };
    logs();
    let (a, b) = (server.store(), server.store());
    assert_eq!(a.revoke_user_until("7", NOW).expect("revoked"), NOW + 1);
    assert_eq!(b.revoke_user_until("7", NOW).expect("revoked"), NOW + 2);
    assert_eq!(a.revoke_user_until("8", NOW).expect("revoked"), NOW + 1);
    assert_eq!(b.revoke_all_until(NOW, 60).expect("revoked"), NOW + 3);
    assert_eq!(a.revoke_all_until(NOW, 60).expect("revoked"), NOW + 4);
    eventually("both copies agree", PROPAGATION, || {
        [&a, &b].iter().all(|store| {
            store.global() == Some(NOW + 4)
                && store.cutoffs("7") == Cutoffs::at(NOW + 4)
                && store.cutoffs("9") == Cutoffs::at(NOW + 4)
        })
    });
    let mut raw = server.raw();
    let table = "sigcookie_cutoffs";
    assert_eq!(stored(&mut raw, table, "7").as_deref(), Some("1764000002"));
    assert_eq!(stored(&mut raw, table, "").as_deref(), Some("1764000004"));
    assert!(matches!(
        b.revoke_user_until("a b", NOW),
        Err(StoreError::InvalidId(_))
    ));
}

#[test]
fn no_cut_off_is_lost_when_postgres_restarts() {
    let Some(mut server) = Server::start() else {
        return;
    };
    logs();
    common::fleet::no_cut_off_is_lost_when_the_server_restarts(&mut server);
}

#[test]
fn an_instance_out_of_touch_past_its_bound_refuses_sessions_until_it_has_reloaded() {
    let Some(mut server) = Server::start() else {
        return;
    };
    logs();
    common::fleet::an_instance_out_of_touch_past_its_bound_refuses_sessions_until_it_has_reloaded(
        &mut server,
    );
}

#[test]
fn while_postgres_is_down_revocations_fail_and_lookups_keep_the_last_cut_offs() {
    let Some(mut server) = Server::start() else {
        return;
    };
    logs();
    let open = || server.impatient_store();
    let (a, b) = (open(), open());
    a.revoke_user("42", 1_000).expect("revoked");
    eventually("B sees it", PROPAGATION, || {
        b.cutoffs("42") == Cutoffs::at(1_000)
    });

    server.stop();
    let start = Instant::now();
    let result = a.revoke_user("43", 2_000);
    assert!(
        matches!(result, Err(StoreError::Postgres { .. })),
        "{result:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(
        a.cutoffs("43"),
        Cutoffs::at(2_000),
        "in force here all the same"
    );
    let result = b.revoke_all(3_000);
    assert!(
        matches!(result, Err(StoreError::Postgres { .. })),
        "{result:?}"
    );
    let result = b.revoke_session("44", 1_000, 50_000);
    assert!(
        matches!(result, Err(StoreError::Postgres { .. })),
        "{result:?}"
    );
    let result = PostgresStore::connect(&server.params());
    assert!(
        matches!(result, Err(StoreError::Postgres { .. })),
        "no store without the database"
    );

    // Lookups keep answering with the last known cut-offs, from memory. The outage lasts long
    // enough for a reconnection backoff that doubled without bound (0.1 s, 0.2 s, ...) to wait
    // past the resync interval.
    thread::sleep(Duration::from_millis(3_500));
    assert_eq!(a.cutoffs("42"), Cutoffs::at(1_000));
    assert_eq!(
        a.cutoffs("7"),
        Cutoffs::NONE,
        "B's failed revocation never reached A"
    );
    assert_eq!(
        b.cutoffs("42"),
        Cutoffs::at(3_000),
        "B's own is in force in B"
    );

    // Back: what was acknowledged is still there, what failed is not, and both catch up with
    // a revocation made the moment it returned, within the resync interval (plus a connection's
    // setup and a load on loopback).
    assert!(server.spawn(), "postgres restarts on port {}", server.port);
    let c = server.store();
    c.revoke_user("45", 5_000).expect("revoked");
    assert_eq!(c.cutoffs("42"), Cutoffs::at(1_000));
    assert_eq!(
        c.cutoffs("43"),
        Cutoffs::NONE,
        "A's failed revocation was not stored"
    );
    let took = eventually("A and B catch up", RECONNECT, || {
        a.cutoffs("45") == Cutoffs::at(5_000) && b.cutoffs("45") == Cutoffs::at(5_000)
    });
    eprintln!("both instances had the revocation {took:?} after it was made");
    assert!(
        took < Duration::from_millis(2_500),
        "caught up after {took:?}"
    );
    a.revoke_user("43", 2_000).expect("the retry is stored");
    eventually("B has the retried revocation", PROPAGATION, || {
        b.cutoffs("43") == Cutoffs::at(3_000)
    });

    // Dropping stores does not hang on their threads.
    let start = Instant::now();
    drop((a, b));
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
}

/// A frozen database (the host suspended, connections accepted but never answered) fails a
/// revocation within the connect timeout, twice over at most, rather than hang it; lookups
/// keep the last state, a drop does not wait, and the others catch up once it wakes.
#[test]
fn a_frozen_postgres_fails_revocations_within_the_timeout() {
    let Some(server) = Server::start() else {
        return;
    };
    logs();
    let open = || server.impatient_store();
    let (a, b) = (open(), open());
    a.revoke_user("42", 1_000).expect("revoked");
    eventually("B sees it", PROPAGATION, || {
        b.cutoffs("42") == Cutoffs::at(1_000)
    });

    server.freeze();
    // A revocation on a connection kept from before, then one that must connect anew.
    for (id, store) in [("43", &a), ("44", &a), ("45", &b)] {
        let start = Instant::now();
        let result = store.revoke_user(id, 2_000);
        let took = start.elapsed();
        let Err(error @ StoreError::Postgres { .. }) = result else {
            panic!("{result:?}");
        };
        eprintln!("revoke_user({id}) on a frozen database: {error} after {took:?}");
        assert!(took < Duration::from_secs(4), "took {took:?}");
        assert_eq!(store.cutoffs(id), Cutoffs::at(2_000), "in force here");
    }
    let result = PostgresStore::builder(&server.params())
        .connect_timeout(Duration::from_secs(1))
        .build();
    assert!(
        matches!(result, Err(StoreError::Postgres { source: None, .. })),
        "{result:?}"
    );
    assert_eq!(a.cutoffs("42"), Cutoffs::at(1_000));
    assert_eq!(b.cutoffs("43"), Cutoffs::NONE);
    drops_within(b, Duration::from_secs(3));

    server.thaw();
    let c = open();
    c.revoke_user("46", 3_000).expect("revoked once it woke");
    eventually("A catches up", RECONNECT, || {
        a.cutoffs("46") == Cutoffs::at(3_000)
    });
}

/// An application's database user often may not create tables: once they exist, a user with
/// the rights to read and write them runs the store, builds and revokes.
#[test]
fn a_user_who_may_not_create_tables_runs_the_store_once_they_exist() {
    let Some(server) = Server::start() else {
        return;
    };
    drop(server.store()); // creates the tables, as the owner
    server
        .raw()
        .batch_execute(
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC;
             CREATE ROLE app LOGIN;
             GRANT SELECT, INSERT, UPDATE, DELETE
                 ON sigcookie_cutoffs, sigcookie_cutoffs_logouts TO app;",
        )
        .expect("a user without CREATE");
    let params = server.params().replace("user=sigcookie", "user=app");
    let store = PostgresStore::connect(&params).expect("the store starts as app");
    store.revoke_user("42", 1_000).expect("app revokes");
    store
        .revoke_session("7", 500, 2_000)
        .expect("app logs a session out");
    assert_eq!(
        store.revoke_all_until(3_000, 0).expect("app revokes all"),
        3_001
    );
    let mut raw = server.raw();
    assert_eq!(
        stored(&mut raw, "sigcookie_cutoffs", "42").as_deref(),
        Some("1000")
    );
}

#[test]
fn a_malformed_row_refuses_that_user_only() {
    let Some(server) = Server::start() else {
        return;
    };
    logs();
    let a = PostgresStore::builder(&server.params())
        .resync_interval(Duration::from_millis(200))
        .build()
        .expect("store connects");
    let mut raw = server.raw();
    // Times no revocation writes (negative, past u64), an id no signer signs; and logouts.
    raw.batch_execute(
        "INSERT INTO sigcookie_cutoffs VALUES ('42', -5), ('43', 99999999999999999999),
                                              ('bad id', 5);
         INSERT INTO sigcookie_cutoffs_logouts VALUES ('44', -1, 9), ('45', 7, -7);
         NOTIFY sigcookie_cutoffs, 'hello';",
    )
    .expect("rows written");

    // A running instance finds them at its next reload (direct writes are not announced).
    eventually("A refuses 42 to 45", PROPAGATION, || {
        ["42", "43", "44", "45"]
            .iter()
            .all(|id| a.cutoffs(id).is_unreadable())
    });
    // A new one from its first lookup.
    let b = server.store();
    for id in ["42", "43", "44", "45", "bad id"] {
        assert!(b.cutoffs(id).is_unreadable(), "{id}");
    }
    assert_eq!(b.cutoffs("7"), Cutoffs::NONE, "others unaffected");
    assert_eq!(a.cutoffs("7"), Cutoffs::NONE, "others unaffected");

    // A new revocation replaces the malformed row, in the database and everywhere.
    a.revoke_user("43", 5).expect("revoked");
    assert_eq!(
        stored(&mut raw, "sigcookie_cutoffs", "43").as_deref(),
        Some("5")
    );
    eventually("B reads 43 again", PROPAGATION, || {
        b.cutoffs("43") == Cutoffs::at(5)
    });
    // A logout over a malformed list cannot keep what it held: every session of 44 up to now
    // ends, and the list starts afresh.
    b.revoke_session("44", 2_000, 50_000).expect("logged out");
    let cutoff = stored(&mut raw, "sigcookie_cutoffs", "44")
        .and_then(|c| c.parse::<u64>().ok())
        .expect("a cut-off for 44");
    assert!(cutoff > now(), "cut-off {cutoff}");

    // A malformed global cut-off: no new instance starts without it, a running one keeps the
    // last one it knew, and a revocation replaces it.
    a.revoke_all(1_000).expect("revoked");
    raw.batch_execute("UPDATE sigcookie_cutoffs SET not_before = -1 WHERE id = ''")
        .expect("written");
    let result = PostgresStore::connect(&server.params());
    let Err(error) = result else {
        panic!("started without the global cut-off");
    };
    assert!(
        error.to_string().contains("malformed global cut-off"),
        "{error}"
    );
    thread::sleep(Duration::from_millis(500));
    assert_eq!(a.global(), Some(1_000));
    a.revoke_all(900).expect("revoked");
    assert_eq!(server.store().global(), Some(900));
    assert_eq!(a.global(), Some(1_000), "never moves back locally");
}

#[test]
fn cut_offs_never_move_back() {
    let Some(server) = Server::start() else {
        return;
    };
    logs();
    let (a, b) = (server.store(), server.store());
    let mut raw = server.raw();
    let table = "sigcookie_cutoffs";

    a.revoke_user("42", 2_000).expect("revoked");
    b.revoke_user("42", 1_000)
        .expect("an earlier time is not an error");
    assert_eq!(stored(&mut raw, table, "42").as_deref(), Some("2000"));
    a.revoke_all(900).expect("revoked");
    b.revoke_all(800).expect("an earlier time is not an error");
    assert_eq!(stored(&mut raw, table, "").as_deref(), Some("900"));

    // Every u64, beyond what a bigint holds.
    a.revoke_user("max", u64::MAX).expect("revoked");
    b.revoke_user("max", u64::MAX - 1).expect("revoked");
    assert_eq!(stored(&mut raw, table, "max"), Some(u64::MAX.to_string()));

    eventually("B has the latest of each", PROPAGATION, || {
        b.cutoffs("42") == Cutoffs::at(2_000)
            && b.cutoffs("max") == Cutoffs::at(u64::MAX)
            && b.global() == Some(900)
    });
    let c = server.store();
    assert_eq!(c.cutoffs("42"), Cutoffs::at(2_000));
    assert_eq!(c.cutoffs("max"), Cutoffs::at(u64::MAX));
    assert_eq!(c.global(), Some(900));

    // An invalid id is refused before any network, and nothing is written.
    assert!(matches!(
        a.revoke_user("a b", 5),
        Err(StoreError::InvalidId(_))
    ));
    assert_eq!(stored(&mut raw, table, "a b"), None);
}

#[test]
fn a_session_logged_out_on_one_instance_is_refused_on_the_others_and_after_restarts() {
    let Some(mut server) = Server::start() else {
        return;
    };
    logs();
    let (a, b) = (server.store(), server.store());
    a.revoke_session("42", 1_000, 50_000).expect("logged out");
    assert!(
        a.session_cutoffs("42", 1_000).is_logged_out(),
        "at once here"
    );
    let took = eventually("B refuses the session", PROPAGATION, || {
        b.session_cutoffs("42", 1_000).is_logged_out()
    });
    eprintln!("a logout on A reached B after {took:?}");
    assert!(
        !b.session_cutoffs("42", 1_001).is_logged_out(),
        "another session of 42"
    );
    assert_eq!(b.cutoffs("42"), Cutoffs::NONE, "not the user");
    b.revoke_session("42", 2_000, 50_000).expect("logged out");
    let rows: Vec<(String, String)> = server
        .raw()
        .query(
            "SELECT logged_in_at::text, until::text FROM sigcookie_cutoffs_logouts
             WHERE id = '42' ORDER BY logged_in_at",
            &[],
        )
        .expect("SELECT")
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    let pair = |l: &str, u: &str| (l.to_owned(), u.to_owned());
    assert_eq!(rows, [pair("1000", "50000"), pair("2000", "50000")]);
    eventually("A has both", PROPAGATION, || {
        a.session_cutoffs("42", 2_000).is_logged_out()
    });

    // The cap: one logout too many becomes a cut-off past the oldest, everywhere.
    let cap = sigcookie::store::LOGOUTS_PER_USER as u64;
    for i in 0..=cap {
        a.revoke_session("7", 1_000 + i, 90_000)
            .expect("logged out");
    }
    assert_eq!(
        stored(&mut server.raw(), "sigcookie_cutoffs", "7").as_deref(),
        Some("1001")
    );
    eventually(
        "B has the cut-off and the newest logout",
        PROPAGATION,
        || {
            b.cutoffs("7") == Cutoffs::at(1_001)
                && b.session_cutoffs("7", 1_000 + cap).is_logged_out()
        },
    );

    // After a restart, a new instance loads them all.
    drop((a, b));
    server.restart();
    let c = server.store();
    assert!(c.session_cutoffs("42", 1_000).is_logged_out());
    assert!(c.session_cutoffs("42", 2_000).is_logged_out());
    for i in 0..=cap {
        let cutoffs = c.session_cutoffs("7", 1_000 + i);
        assert!(
            cutoffs.is_logged_out() || cutoffs.not_before() > Some(1_000 + i),
            "the logout of {} was forgotten",
            1_000 + i
        );
    }
}

#[test]
fn an_unreachable_postgres_is_named_by_host_and_port_never_by_its_password() {
    // Nothing listens on a port just freed: this needs no PostgreSQL.
    let port = free_port();
    for params in [
        format!("postgresql://sigcookie:hunter2@127.0.0.1:{port}/app"),
        format!("host=127.0.0.1 port={port} user=sigcookie password=hunter2"),
    ] {
        let error = PostgresStore::builder(&params)
            .connect_timeout(Duration::from_secs(1))
            .build()
            .expect_err("nothing listens there");
        let StoreError::Postgres { server, .. } = &error else {
            panic!("{error:?}");
        };
        assert_eq!(
            server.as_deref(),
            Some(format!("127.0.0.1:{port}").as_str())
        );
        let (shown, debug) = (error.to_string(), format!("{error:?}"));
        assert!(
            shown.starts_with(&format!("postgres cut-off store at 127.0.0.1:{port}: ")),
            "{shown}"
        );
        for text in [&shown, &debug] {
            assert!(!text.contains("hunter2"), "{text}");
        }
        let builder = format!("{:?}", PostgresStore::builder(&params));
        assert!(!builder.contains("hunter2"), "{builder}");
    }
    // A connection string that does not parse names no server, and does not echo it either.
    let error = PostgresStore::connect("postgresql://sigcookie:hunter2@[::1/").expect_err("no URL");
    assert!(
        matches!(error, StoreError::Postgres { server: None, .. }),
        "{error:?}"
    );
    assert!(
        !format!("{error} {error:?}").contains("hunter2"),
        "{error:?}"
    );
}

/// A password with an `@` left unescaped (`p@ss`) is cut at its first `@` by the URL parser,
/// and its rest taken for the host: then the "server" the store names in its errors and logs
/// holds part of the password.
#[test]
fn a_password_with_an_unescaped_at_sign_is_not_shown_as_the_server() {
    let params = "postgresql://sigcookie:hunter2@secret-rest@127.0.0.1:1/app";
    let error = PostgresStore::builder(params)
        .connect_timeout(Duration::from_millis(200))
        .build()
        .expect_err("nothing listens there");
    let (shown, debug) = (error.to_string(), format!("{error:?}"));
    for text in [&shown, &debug] {
        assert!(!text.contains("secret-rest"), "{text}");
    }
}

/// Runs `f` on a thread of its own; whether it returned within `limit`. The thread is left to
/// finish on its own otherwise (the caller releases what holds it).
fn returns_within(limit: Duration, f: impl FnOnce() + Send + 'static) -> (bool, Duration) {
    let (sender, receiver) = std::sync::mpsc::channel();
    let start = Instant::now();
    thread::spawn(move || {
        f();
        let _ = sender.send(());
    });
    let returned = receiver.recv_timeout(limit).is_ok();
    (returned, start.elapsed())
}

/// Another session holds the lock a revocation "until now" takes (an instance paused in the
/// middle of one, or an administrator's open transaction): PostgreSQL is up and answers, yet a
/// revocation must still fail within the connect timeout rather than wait for that session.
#[test]
fn a_revocation_fails_within_the_timeout_when_another_session_holds_the_table() {
    let Some(server) = Server::start() else {
        return;
    };
    logs();
    let store = std::sync::Arc::new(
        PostgresStore::builder(&server.params())
            .connect_timeout(Duration::from_millis(500))
            .build()
            .expect("store connects"),
    );
    let mut raw = server.raw();
    let mut holder = raw.transaction().expect("BEGIN");
    holder
        .batch_execute("LOCK TABLE sigcookie_cutoffs IN SHARE ROW EXCLUSIVE MODE")
        .expect("LOCK");
    let revoking = std::sync::Arc::clone(&store);
    let (returned, took) = returns_within(Duration::from_secs(5), move || {
        let _ = revoking.revoke_user("42", 1_000);
    });
    holder.rollback().expect("ROLLBACK");
    assert!(
        returned,
        "revoke_user still waiting after {took:?} (connect timeout 0.5 s)"
    );
}

/// While another session holds the cut-offs' table, the sync thread's reload waits on it:
/// dropping the store must not wait with it.
#[test]
fn dropping_the_store_does_not_wait_for_a_reload_blocked_on_a_lock() {
    let Some(server) = Server::start() else {
        return;
    };
    logs();
    let store = PostgresStore::builder(&server.params())
        .connect_timeout(Duration::from_millis(500))
        .resync_interval(Duration::from_millis(100))
        .build()
        .expect("store connects");
    let mut raw = server.raw();
    let mut holder = raw.transaction().expect("BEGIN");
    holder
        .batch_execute("LOCK TABLE sigcookie_cutoffs IN ACCESS EXCLUSIVE MODE")
        .expect("LOCK");
    // A reload or two begins, and waits on the lock.
    thread::sleep(Duration::from_millis(500));
    let (returned, took) = returns_within(Duration::from_secs(5), move || drop(store));
    holder.rollback().expect("ROLLBACK");
    assert!(returned, "drop still waiting after {took:?}");
}

/// In a database whose encoding is `SQL_ASCII`, a text column may hold bytes that are not
/// UTF-8, and PostgreSQL hands them over as they are. A row whose id is such bytes is a row
/// this store did not write: it must refuse that id (or be ignored), not end the sync thread,
/// after which the instance would never hear of another revocation.
#[test]
fn a_row_whose_id_is_not_utf8_does_not_stop_the_sync_thread() {
    let Some(server) = Server::start() else {
        return;
    };
    logs();
    server
        .raw()
        .batch_execute(
            "CREATE DATABASE ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' \
             TEMPLATE template0",
        )
        .expect("CREATE DATABASE");
    let params = server.params().replace("dbname=postgres", "dbname=ascii");
    let open = || {
        PostgresStore::builder(&params)
            .resync_interval(Duration::from_millis(200))
            .build()
            .expect("store connects")
    };
    let (a, b) = (open(), open());
    let mut raw = postgres::Client::connect(&params, postgres::NoTls).expect("raw connection");
    raw.batch_execute("INSERT INTO sigcookie_cutoffs VALUES (E'\\xff', 5)")
        .expect("a row whose id is not UTF-8");
    // A reload or two reads it.
    thread::sleep(Duration::from_secs(1));
    a.revoke_user("42", 1_000).expect("revoked");
    eventually("B still follows the database", PROPAGATION, || {
        b.cutoffs("42") == Cutoffs::at(1_000)
    });
}

/// The connect timeout bounds a revocation's statements, but not the load that every start and
/// every resync makes, one statement per table: were it bounded, past some number of rows no
/// instance would start and none would follow the database. The bound is for a lock held by
/// another session, not for a large table.
#[test]
fn a_table_that_takes_longer_than_the_connect_timeout_to_read_still_loads() {
    let Some(server) = Server::start() else {
        return;
    };
    logs();
    drop(PostgresStore::connect(&server.params()).expect("the tables are made"));
    server
        .raw()
        .batch_execute(
            "INSERT INTO sigcookie_cutoffs SELECT 'user-' || n, 1000 \
             FROM generate_series(1, 1000000) AS n",
        )
        .expect("a million revoked users");
    let store = PostgresStore::builder(&server.params())
        .connect_timeout(Duration::from_millis(250))
        .build();
    let store = store.expect("a store of a million cut-offs starts");
    assert_eq!(store.cutoffs("user-1000000"), Cutoffs::at(1_000));
}

/// A connect timeout longer than PostgreSQL's largest `statement_timeout` (2^31 - 1 ms, about
/// 24.8 days), such as a caller's "wait as long as it takes": the `SET` that passes it on is
/// refused, and then no connection is ever made.
#[test]
fn a_connect_timeout_longer_than_postgres_allows_for_a_statement_still_connects() {
    let Some(server) = Server::start() else {
        return;
    };
    logs();
    let store = PostgresStore::builder(&server.params())
        .connect_timeout(Duration::from_secs(31 * 24 * 60 * 60))
        .build();
    assert!(store.is_ok(), "{:?}", store.err());
}

/// With an unescaped `@` in the password and a `,` after it, the URL parser takes the part of
/// the password between the two for a host of its own, the first: cutting at the last `@` of
/// that host leaves it whole.
#[test]
fn a_password_with_an_unescaped_at_sign_and_a_comma_is_not_shown_as_the_server() {
    let params = "postgresql://sigcookie:hunter2@secret,rest@127.0.0.1:1/app";
    let error = PostgresStore::builder(params)
        .connect_timeout(Duration::from_millis(200))
        .build()
        .expect_err("nothing listens there");
    let (shown, debug) = (error.to_string(), format!("{error:?}"));
    for text in [&shown, &debug] {
        assert!(!text.contains("secret"), "{text}");
    }
}

/// Tables made by hand, for a user who may not create them, without every `NOT NULL` of the
/// store's own: the store takes them as they are, its load reads a null as a malformed row,
/// but a logout reads the user's rows with `Row::get`, which panics on a null.
#[test]
fn a_logout_over_a_null_in_tables_made_by_hand_does_not_panic() {
    let Some(server) = Server::start() else {
        return;
    };
    logs();
    server
        .raw()
        .batch_execute(
            "CREATE TABLE sigcookie_cutoffs (id text PRIMARY KEY, not_before numeric(20, 0));
             CREATE TABLE sigcookie_cutoffs_logouts (id text NOT NULL,
                 logged_in_at numeric(20, 0) NOT NULL, until numeric(20, 0),
                 PRIMARY KEY (id, logged_in_at));
             INSERT INTO sigcookie_cutoffs VALUES ('42', NULL);
             INSERT INTO sigcookie_cutoffs_logouts VALUES ('42', 1, NULL);",
        )
        .expect("tables made by hand");
    let store = PostgresStore::connect(&server.params()).expect("store connects");
    let logout = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        store.revoke_session("42", 500, 1_000)
    }));
    assert!(logout.is_ok(), "revoke_session panicked");
}
