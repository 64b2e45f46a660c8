//! Panels sharing a PostgreSQL (`PANEL_POSTGRES_URL`): the scenarios of `instances.rs` run on
//! PostgreSQL, and what only PostgreSQL needs: the bounds of its password calls, and the panel
//! refusing to start without its database or with two servers named.
//!
//! The server is the root crate's test server (`tests/common/postgres.rs`): a cluster made by
//! `initdb` in a temporary folder, run on a free loopback port. Without PostgreSQL installed a
//! test says so and passes, except under `CI=true`, where that fails.

use std::net::TcpListener;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::common::postgres::Server;
use crate::instances::{self, SharedServer};
use crate::postgres_passwords::{PostgresPasswords, TABLE};
use crate::shared::SharedPasswords;
use crate::support::{self, TempDir};

impl SharedServer for Server {
    const VAR: &'static str = "PANEL_POSTGRES_URL";

    /// On a thread of its own: it waits for the server with the blocking client, which refuses
    /// to run inside the tests' async runtime.
    fn start() -> Option<Server> {
        thread::spawn(Server::start)
            .join()
            .expect("the server starts or the test skips")
    }

    fn port(&self) -> u16 {
        self.port
    }

    fn url_at(&self, port: u16) -> String {
        Server::params_at(port)
    }
}

#[tokio::test]
async fn two_panels_sharing_a_postgres_honour_each_others_logouts() {
    instances::honour_each_others_logouts::<Server>().await;
}

#[tokio::test]
async fn a_password_changed_on_one_panel_is_changed_on_all_through_postgres() {
    instances::password_changed_on_one_is_changed_on_all::<Server>().await;
}

#[tokio::test]
async fn racing_password_changes_through_postgres_leave_one_password() {
    instances::racing_changes_leave_one_password::<Server>().await;
}

#[tokio::test]
async fn a_password_change_with_a_late_reply_from_postgres_still_ends_the_old_sessions() {
    // The change's statement, which the client sends to be prepared before it runs.
    const UPDATE: &[u8] = b"UPDATE sigcookie_panel_passwords";
    instances::late_reply_still_ends_the_old_sessions::<Server>(&[UPDATE]).await;
}

/// A database that accepts connections and answers nothing (a frozen host) holds the panel's
/// start no longer than the password calls' timeout: the panel exits with an error naming it,
/// rather than hang or start without the fleet's passwords and cut-offs. Needs no PostgreSQL.
#[test]
fn a_panel_does_not_start_when_its_database_does_not_answer() {
    let silent = TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = silent.local_addr().expect("its address").port();
    // Connections are accepted by the operating system, into the backlog, and never answered.
    let dir = TempDir::new("pg-silent");
    let url = Server::params_at(port);
    let log = support::refused_start(
        &dir.0,
        &[("PANEL_POSTGRES_URL", &url)],
        Duration::from_secs(6),
    );
    assert!(log.contains(TABLE), "{log}");

    // Nothing listening at all: refused at once.
    drop(silent);
    let log = support::refused_start(
        &dir.0,
        &[("PANEL_POSTGRES_URL", &url)],
        Duration::from_secs(6),
    );
    assert!(log.contains("PostgreSQL"), "{log}");
}

/// Both servers named is a configuration error, said as such, before any server is reached.
#[test]
fn a_panel_with_both_redis_and_postgres_urls_does_not_start() {
    let dir = TempDir::new("both-urls");
    let log = support::refused_start(
        &dir.0,
        &[
            ("PANEL_REDIS_URL", "redis://127.0.0.1:1/"),
            ("PANEL_POSTGRES_URL", "host=127.0.0.1 port=1"),
        ],
        Duration::from_secs(5),
    );
    assert!(
        log.contains("PANEL_REDIS_URL and PANEL_POSTGRES_URL are both set"),
        "{log}"
    );
}

/// Against a frozen database, each password call gives up after its 2 s timeout; calls still
/// waiting for an answer are bounded, past which the next fails at once instead of adding a
/// thread; and when the database answers again the waiting calls end and calls work again.
#[test]
fn password_calls_to_a_frozen_database_are_bounded_in_time_and_number() {
    let Some(server) = Server::start() else {
        return;
    };
    let passwords = Arc::new(PostgresPasswords::open(&server.params()).expect("a valid URL"));
    passwords.seed(&[("1", "hash")]).expect("seeded");
    assert_eq!(passwords.get("1").expect("read"), Some("hash".to_owned()));

    server.freeze();
    let calls: Vec<_> = (0..12)
        .map(|_| {
            let passwords = Arc::clone(&passwords);
            thread::spawn(move || {
                let start = Instant::now();
                let result = passwords.get("1");
                (start.elapsed(), result)
            })
        })
        .collect();
    let results: Vec<_> = calls
        .into_iter()
        .map(|call| call.join().expect("a call"))
        .collect();
    server.thaw();
    let slowest = results.iter().map(|(took, _)| *took).max().expect("calls");
    let turned_away = results
        .iter()
        .filter(|(_, result)| result.as_ref().is_err_and(|e| e.contains("still waiting")))
        .count();
    eprintln!("slowest call {slowest:?}; {turned_away} of 12 turned away at once");
    assert!(results.iter().all(|(_, result)| result.is_err()));
    assert!(slowest < Duration::from_secs(3), "a call took {slowest:?}");
    assert_eq!(turned_away, 4, "{results:?}");

    // Thawed, the waiting calls get their answers and end: calls work again.
    let start = Instant::now();
    while passwords.get("1").is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "calls still fail after the database came back"
        );
        thread::sleep(Duration::from_millis(50));
    }
}

/// Seeding adds only the ids that have no hash yet, and a change applies only over the hash it
/// checked: the semantics of `HSETNX` and the Redis script.
#[test]
fn postgres_seeding_never_replaces_and_a_change_needs_the_checked_hash() {
    let Some(server) = Server::start() else {
        return;
    };
    let passwords = PostgresPasswords::open(&server.params()).expect("a valid URL");
    passwords.seed(&[("1", "first")]).expect("seeded");
    passwords
        .seed(&[("1", "old file"), ("2", "second")])
        .expect("seeded again");
    assert_eq!(passwords.get("1").expect("read").as_deref(), Some("first"));
    assert_eq!(passwords.get("2").expect("read").as_deref(), Some("second"));
    assert_eq!(passwords.get("3").expect("read"), None);

    assert!(!passwords.replace("1", "stale", "new").expect("asked"));
    assert!(passwords.replace("1", "first", "new").expect("asked"));
    assert!(!passwords.replace("1", "first", "newer").expect("asked"));
    assert!(!passwords.replace("3", "any", "new").expect("asked"));
    assert_eq!(passwords.get("1").expect("read").as_deref(), Some("new"));
    passwords.ping().expect("reachable");
}

/// A panel's database user that may not create tables seeds, reads and changes passwords once
/// the table exists.
#[test]
fn a_user_who_may_not_create_tables_uses_the_passwords_once_the_table_exists() {
    let Some(server) = Server::start() else {
        return;
    };
    let owner = PostgresPasswords::open(&server.params()).expect("a valid URL");
    owner
        .seed(&[("1", "first")])
        .expect("the owner creates the table");
    server
        .raw()
        .batch_execute(&format!(
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC;
             CREATE ROLE panel LOGIN;
             GRANT SELECT, INSERT, UPDATE ON {TABLE} TO panel;"
        ))
        .expect("a user without CREATE");
    let params = server.params().replace("user=sigcookie", "user=panel");
    let passwords = PostgresPasswords::open(&params).expect("a valid URL");
    passwords.seed(&[("2", "second")]).expect("seeded as panel");
    assert!(passwords.replace("1", "first", "new").expect("asked"));
    assert_eq!(passwords.get("2").expect("read").as_deref(), Some("second"));
}
