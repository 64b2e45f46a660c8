//! Shared by the tests of the stores a fleet shares through a server (Redis, PostgreSQL): how
//! long they wait for a change to arrive, and the wait itself.

use std::thread;
use std::time::{Duration, Instant};

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
