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

    /// An instance that refuses every session once out of touch with the server for longer
    /// than `bound`, and gives up on a silent server after half a second.
    fn store_failing_closed_after(&self, bound: Duration) -> Self::Store;

    /// Suspends the server: the operating system still accepts connections, but nothing
    /// answers, as on a frozen host.
    fn freeze(&self);

    /// Resumes a frozen server.
    fn thaw(&self);

    /// Stops the server at once, as a crash would.
    fn stop(&mut self);

    /// Starts the server again on its port and folder; whether it answers.
    fn spawn(&mut self) -> bool;

    /// A crash and a restart on the same port and folder.
    fn restart(&mut self) {
        self.stop();
        assert!(self.spawn(), "the server restarts");
    }
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

/// By default an instance that lost its server serves the last state it knew; one built with
/// `fail_closed_after` refuses every session once it has been out of touch for longer than the
/// bound, as unreadable cut-offs (`Error::CutoffUnreadable`, a `500`), and serves again once it
/// has reconnected and reloaded: after a freeze, and after a crash. A quiet, healthy connection
/// is never taken for a lost one.
pub fn an_instance_out_of_touch_past_its_bound_refuses_sessions_until_it_has_reloaded(
    server: &mut impl Server,
) {
    let bound = Duration::from_secs(1);
    // The sync thread checks every quarter of the bound; the rest is room for a loaded machine.
    let refused_within = bound + bound / 4 + Duration::from_millis(500);
    let closed = server.store_failing_closed_after(bound);
    let open = server.store();
    closed.revoke_user("42", 1_000).expect("revoked");

    // Quiet but healthy, for four bounds (the resync interval is 30 s): never refused.
    let start = Instant::now();
    while start.elapsed() < bound * 4 {
        assert_eq!(
            closed.cutoffs("7"),
            Cutoffs::NONE,
            "after {:?}",
            start.elapsed()
        );
        thread::sleep(Duration::from_millis(10));
    }

    // Frozen: refused once past the bound, and only then.
    server.freeze();
    let took = eventually("refused after the bound", refused_within, || {
        closed.cutoffs("7").is_unreadable()
    });
    eprintln!("frozen: refused after {took:?}");
    assert!(took > bound / 2, "refused after {took:?} only");
    let refused = closed.session_cutoffs("42", 5_000);
    assert!(refused.is_unreadable());
    assert_eq!(refused.not_before(), Some(1_000), "the cut-off is kept");
    assert_eq!(
        open.cutoffs("7"),
        Cutoffs::NONE,
        "the default keeps serving the last state it knew"
    );
    assert_eq!(open.cutoffs("42"), Cutoffs::at(1_000));

    // Thawed: served again once reloaded, and following the fleet again.
    server.thaw();
    let took = eventually("served again after the thaw", RECONNECT, || {
        closed.cutoffs("7") == Cutoffs::NONE
    });
    eprintln!("thawed: served again after {took:?}");
    open.revoke_user("8", 1_500).expect("revoked once thawed");
    eventually("hears revocations again", PROPAGATION, || {
        closed.cutoffs("8") == Cutoffs::at(1_500)
    });

    // Crashed: refused again past the bound, and for as long as the server is down.
    server.stop();
    let took = eventually("refused after the crash", refused_within, || {
        closed.cutoffs("7").is_unreadable()
    });
    eprintln!("crashed: refused after {took:?}");
    thread::sleep(bound);
    assert!(closed.cutoffs("7").is_unreadable(), "still refused");

    // Back: served again once reloaded, with what was revoked meanwhile.
    assert!(server.spawn(), "the server restarts");
    server
        .store()
        .revoke_user("9", 2_000)
        .expect("revoked the moment the server is back");
    eventually("served again after the restart", RECONNECT, || {
        closed.cutoffs("7") == Cutoffs::NONE
    });
    eventually("with what was revoked meanwhile", PROPAGATION, || {
        closed.cutoffs("9") == Cutoffs::at(2_000)
    });
    assert_eq!(closed.cutoffs("42"), Cutoffs::at(1_000));
}
