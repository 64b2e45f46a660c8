//! How many password checks may run: per client, and for the whole panel.
//!
//! Every check is counted *before* the password is hashed, under one lock, so concurrent
//! requests cannot slip past the limit; it stays counted unless it succeeds. The bounds are
//! exact over any window of [`WINDOW`] (a sliding log of the checks' times, not fixed windows,
//! which would let twice the limit through across a window's edge):
//!
//! - at most [`CLIENT_CHECKS`] checks per client, a client being one IPv4 address or one IPv6
//!   /64 network (one host can have a whole /64);
//! - at most [`GLOBAL_CHECKS`] checks in all, which bounds what an attacker with many addresses
//!   gets.
//!
//! A successful login is not counted, so the owner's own logins never use up the budget. A
//! client over its limit is refused even with the right password: otherwise the limit would
//! not slow guessing at all.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv6Addr};

use sigcookie::web::{Duration, OffsetDateTime};

/// The window the limits apply to.
pub const WINDOW: Duration = Duration::minutes(1);
/// Password checks per client per [`WINDOW`].
pub const CLIENT_CHECKS: usize = 5;
/// Password checks of all clients together per [`WINDOW`]. Three times a client's limit, so
/// that one client flooding leaves two thirds of the budget to everyone else.
pub const GLOBAL_CHECKS: usize = 15;

/// Who is throttled: an IPv4 address, or an IPv6 address's /64 network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Client(IpAddr);

impl From<IpAddr> for Client {
    fn from(ip: IpAddr) -> Client {
        match ip {
            IpAddr::V4(v4) => Client(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Client(IpAddr::V4(v4)),
                None => {
                    let network = u128::from(v6) & !((1 << 64) - 1);
                    Client(IpAddr::V6(Ipv6Addr::from(network)))
                }
            },
        }
    }
}

/// Why an attempt may not be checked now, and how many whole seconds until one may.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// This client used its checks.
    Client { wait: i64 },
    /// All clients together used the panel's.
    Global { wait: i64 },
}

impl Refused {
    pub fn wait(self) -> i64 {
        match self {
            Refused::Client { wait } | Refused::Global { wait } => wait,
        }
    }
}

/// A counted check: give it back to [`Throttle::finish`] with the result, or to
/// [`Throttle::cancel`] if no check ran.
#[derive(Debug)]
#[must_use = "a counted attempt must be finished or cancelled"]
pub struct Attempt {
    client: Client,
    at: OffsetDateTime,
}

/// The checks of the last [`WINDOW`], per client and in all.
#[derive(Default)]
pub struct Throttle {
    all: VecDeque<OffsetDateTime>,
    clients: HashMap<Client, VecDeque<OffsetDateTime>>,
}

impl Throttle {
    /// Counts a check for `client` at `now`, or says how long to wait.
    pub fn begin(&mut self, client: Client, now: OffsetDateTime) -> Result<Attempt, Refused> {
        expire(&mut self.all, now);
        // Every client with a check in the window also has it in `all`, so after this the
        // table holds at most GLOBAL_CHECKS clients: an attacker cannot grow it.
        if self.clients.len() > GLOBAL_CHECKS {
            self.clients.retain(|_, times| {
                expire(times, now);
                !times.is_empty()
            });
        }
        let times = self.clients.entry(client).or_default();
        expire(times, now);
        if times.len() >= CLIENT_CHECKS {
            return Err(Refused::Client {
                wait: wait(times, now),
            });
        }
        if self.all.len() >= GLOBAL_CHECKS {
            let wait = wait(&self.all, now);
            if times.is_empty() {
                self.clients.remove(&client);
            }
            return Err(Refused::Global { wait });
        }
        times.push_back(now);
        self.all.push_back(now);
        Ok(Attempt { client, at: now })
    }

    /// Records a check's result: a success is taken off the count, a failure stays.
    pub fn finish(&mut self, attempt: Attempt, success: bool) {
        if success {
            self.cancel(attempt);
        }
    }

    /// Takes an attempt off the count: no check ran (the checks were busy, or the password
    /// hashes could not be read) or it succeeded.
    pub fn cancel(&mut self, attempt: Attempt) {
        remove(&mut self.all, attempt.at);
        if let Some(times) = self.clients.get_mut(&attempt.client) {
            remove(times, attempt.at);
            if times.is_empty() {
                self.clients.remove(&attempt.client);
            }
        }
    }
}

/// Drops the times that have left the window: a check at `t` counts until `t + WINDOW`.
fn expire(times: &mut VecDeque<OffsetDateTime>, now: OffsetDateTime) {
    while times.front().is_some_and(|&t| t + WINDOW <= now) {
        times.pop_front();
    }
}

/// Whole seconds, rounded up, until the oldest time leaves the window.
fn wait(times: &VecDeque<OffsetDateTime>, now: OffsetDateTime) -> i64 {
    let left = times.front().map_or(Duration::ZERO, |&t| t + WINDOW - now);
    (left.whole_seconds() + i64::from(left.subsec_nanoseconds() > 0)).max(1)
}

fn remove(times: &mut VecDeque<OffsetDateTime>, at: OffsetDateTime) {
    if let Some(index) = times.iter().position(|&t| t == at) {
        times.remove(index);
    }
}
