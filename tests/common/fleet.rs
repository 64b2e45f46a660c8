//! Shared by the tests of the stores a fleet shares through a server (Redis, PostgreSQL): how
//! long they wait for a change to arrive, the wait itself, and the scenarios that run alike on
//! either server.

use std::thread;
use std::time::{Duration, Instant};

use sigcookie::store::CutoffStore;
use sigcookie::{Cutoffs, Revocations};

/// How long a change may take to reach another connected instance: the documented bound while
/// connected is the server's delivery of a message or notification (milliseconds); this leaves
/// room for a loaded CI machine.
pub const PROPAGATION: Duration = Duration::from_secs(2);
/// How long an instance may take to find its server again after a restart: the sync thread's
/// backoff is at most 10 s, and starts at 0.1 s.
pub const RECONNECT: Duration = Duration::from_secs(15);

/// Waits until `done`, checking every 20 µs (a lookup is a read from memory); how long it took.
/// Panics after `within`.
pub fn eventually(what: &str, within: Duration, done: impl Fn() -> bool) -> Duration {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < within, "{what}: not within {within:?}");
        thread::sleep(Duration::from_micros(20));
    }
    start.elapsed()
}

/// Drops `stores` and checks that their sync threads stopped within `limit`.
pub fn drops_within<T>(stores: T, limit: Duration) {
    let start = Instant::now();
    drop(stores);
    assert!(start.elapsed() < limit, "drop took {:?}", start.elapsed());
}

/// A server of a test's own, which the instances of a fleet share.
pub trait Server {
    type Store: CutoffStore;

    /// An instance on this server, with the defaults.
    fn store(&self) -> Self::Store;

    /// A crash and a restart on the same port and folder.
    fn restart(&mut self);
}

/// Acknowledged cut-offs survive the server's restart: a new instance loads them, and the
/// instances from before it reconnect and hear the next revocation.
pub fn no_cut_off_is_lost_when_the_server_restarts(server: &mut impl Server) {
    let (a, b) = (server.store(), server.store());
    a.revoke_user("42", 1_000).expect("revoked");
    a.revoke_all(100).expect("revoked");
    eventually("B sees both", PROPAGATION, || {
        b.cutoffs("42") == Cutoffs::at(1_000) && b.global() == Some(100)
    });

    server.restart();
    // The acknowledged cut-offs came back from the server's disk (Redis's AOF, PostgreSQL's
    // write-ahead log): a new instance loads them.
    let c = server.store();
    assert_eq!(c.cutoffs("42"), Cutoffs::at(1_000));
    assert_eq!(c.global(), Some(100));

    // A revocation after the restart, on A's connection from before it (reconnected).
    a.revoke_user("7", 3_000)
        .expect("revoked after the restart");
    let took = eventually(
        "B sees the new cut-off after reconnecting",
        RECONNECT,
        || b.cutoffs("7") == Cutoffs::at(3_000),
    );
    eprintln!("B had the new revocation {took:?} after it was made");
    assert_eq!(b.cutoffs("42"), Cutoffs::at(1_000), "B kept the old one");
    assert_eq!(b.global(), Some(100));
    eventually("C sees it", PROPAGATION, || {
        c.cutoffs("7") == Cutoffs::at(3_000)
    });
}
