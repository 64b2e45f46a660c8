//! How many password checks may run: per client, per device cookie, per user and for the whole
//! panel.
//!
//! Every check is counted *before* the password is hashed, under one lock, so concurrent
//! requests cannot slip past the limit. The bounds are exact over any window of [`WINDOW`] (a
//! sliding log of the checks' times, not fixed windows, which would let twice the limit through
//! across a window's edge), measured by a monotonic clock ([`monotonic`]): stepping the wall
//! clock back or forth (NTP, a spoofed NTP answer) neither extends nor shortens a window. A
//! check is counted twice until its result is known: in one of two lanes for failures, and in
//! its user's budget for successes. A failure stays in its lane and leaves the user's budget; a
//! success leaves the lane and stays in the user's budget. The lanes:
//!
//! - **by address**, for every attempt without a device cookie for the user it names: at most
//!   [`CLIENT_CHECKS`] checks per client, a client being one IPv4 address or one IPv6 /64
//!   network (one host can have a whole /64), and at most [`GLOBAL_CHECKS`] checks of all these
//!   clients together, which bounds what an attacker with many addresses gets;
//! - **by device**, for an attempt that carries a valid device cookie (`device.rs`) of the user
//!   it names: at most [`DEVICE_CHECKS`] per device cookie, and at most [`USER_DEVICE_CHECKS`]
//!   of all that user's device cookies together. These checks neither use nor wait for the
//!   address lane's budgets, so a flood from many addresses, which exhausts the global budget,
//!   does not lock out a user on a device they logged in from before.
//!
//! Device cookies are only made by a successful login, so an attacker without a password has
//! none of their own (only ones stolen from a browser). One who knows *some* user's password can
//! mint many for that user: the per-user bound keeps even those to [`USER_DEVICE_CHECKS`]
//! failed checks, spent on that user only. So in any window at most `GLOBAL_CHECKS +
//! USER_DEVICE_CHECKS × users` checks fail, whoever sends them.
//!
//! Successful checks are counted per user: at most [`USER_SUCCESSES`] Argon2 runs of checks
//! that succeed (a password change counts two: the current password and the new hash), which
//! only someone who knows that user's password can spend. So the owner's logins never use up
//! an address's or a device's budget, another user cannot keep the password checks busy with
//! logins of their own, and in any window at most `GLOBAL_CHECKS + (USER_DEVICE_CHECKS +
//! USER_SUCCESSES) × users` Argon2 runs happen. A client, device or user over its limit is
//! refused even with the right password: otherwise the limit would not slow guessing at all.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Arc;
use std::time::Instant;

use sigcookie::web::{Duration, OffsetDateTime};

/// The window the limits apply to.
pub const WINDOW: Duration = Duration::minutes(1);
/// Password checks per client per [`WINDOW`].
pub const CLIENT_CHECKS: usize = 5;
/// Password checks of all clients together per [`WINDOW`]. Three times a client's limit, so
/// that one client flooding leaves two thirds of the budget to everyone else.
pub const GLOBAL_CHECKS: usize = 15;
/// Password checks per device cookie per [`WINDOW`]: a client's, as a device is one browser.
pub const DEVICE_CHECKS: usize = 5;
/// Password checks of all of one user's device cookies together per [`WINDOW`]: room for a few
/// devices, and a bound on the checks of device cookies minted by someone who knows the
/// password (who gains nothing by guessing it, but could otherwise keep the checks busy).
pub const USER_DEVICE_CHECKS: usize = 15;
/// Argon2 runs of successful checks per user per [`WINDOW`] (a login is one, a password change
/// two): far more than a person logging in needs, few enough that one user's logins cannot keep
/// the checks busy for the others.
pub const USER_SUCCESSES: usize = 20;
/// The device tables are swept of idle entries when they grow past this, then past twice what
/// the last sweep left: amortised constant time whatever their size.
const SWEEP_AT: usize = 64;

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

/// One device cookie, already verified to be for the user the attempt names: that user's id
/// and the cookie's login time. A new cookie is issued only by something that proves the
/// password (a login, a password change), so the two name one cookie
/// (two browsers doing so as one user in the same second share a lane, which only errs on the
/// slow side).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Device {
    user: String,
    logged_in_at: i64,
}

impl Device {
    pub fn new(user: &str, logged_in_at: OffsetDateTime) -> Device {
        Device {
            user: user.to_owned(),
            logged_in_at: logged_in_at.unix_timestamp(),
        }
    }
}

/// The lane an attempt is counted in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lane {
    /// No device cookie for the user named: by address, and in the global budget.
    Client(Client),
    /// A valid device cookie for the user named: by device and user only.
    Device(Device),
}

/// Why an attempt may not be checked now, and how many whole seconds until one may.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// This client used its checks.
    Client { wait: i64 },
    /// All clients together used the panel's.
    Global { wait: i64 },
    /// This device cookie used its checks.
    Device { wait: i64 },
    /// This user's device cookies together used theirs.
    UserDevices { wait: i64 },
    /// This user's successful checks used theirs.
    UserSuccesses { wait: i64 },
}

impl Refused {
    pub fn wait(self) -> i64 {
        match self {
            Refused::Client { wait }
            | Refused::Global { wait }
            | Refused::Device { wait }
            | Refused::UserDevices { wait }
            | Refused::UserSuccesses { wait } => wait,
        }
    }
}

/// A counted check: give it back to [`Throttle::finish`] with the result, or to
/// [`Throttle::cancel`] if no check ran.
#[derive(Debug)]
#[must_use = "a counted attempt must be finished or cancelled"]
pub struct Attempt {
    lane: Lane,
    /// The user whose successes it is counted in, and how many Argon2 runs it costs there.
    user: Option<String>,
    runs: usize,
    at: Tick,
}

/// A time on the throttle's clock: how long after the clock's origin.
type Tick = Duration;

/// What the throttle measures its windows by: the time since an origin, read as finely as the
/// clock allows (a window of whole seconds would let a check made at 0.999 s leave it at 60 s,
/// twice a bound's checks in under a minute).
pub type ThrottleClock = Arc<dyn Fn() -> std::time::Duration + Send + Sync>;

/// The monotonic clock the throttle measures its windows by: the time since the panel started,
/// which the wall clock's steps do not move. (`CLOCK_MONOTONIC` stops while the device is
/// suspended, which only keeps a window longer.)
pub fn monotonic() -> ThrottleClock {
    let start = Instant::now();
    Arc::new(move || start.elapsed())
}

/// The checks of the last [`WINDOW`], per client and in all, per device and per user.
pub struct Throttle {
    clock: ThrottleClock,
    /// The latest time read: the throttle's time never goes back.
    last: Tick,
    all: VecDeque<Tick>,
    clients: HashMap<Client, VecDeque<Tick>>,
    devices: HashMap<Device, VecDeque<Tick>>,
    /// Device checks per user id.
    users: HashMap<String, VecDeque<Tick>>,
    /// Argon2 runs of successful (and of pending) checks per user id. Only ids of the user
    /// table get entries, so it cannot grow past it.
    successes: HashMap<String, VecDeque<Tick>>,
    /// The size of `devices` past which it is swept.
    sweep_at: usize,
}

impl Default for Throttle {
    fn default() -> Throttle {
        Throttle::new(monotonic())
    }
}

impl Throttle {
    /// A throttle that measures its windows by `clock`: [`monotonic`], or one a test moves.
    pub fn new(clock: ThrottleClock) -> Throttle {
        Throttle {
            clock,
            last: Duration::ZERO,
            all: VecDeque::new(),
            clients: HashMap::new(),
            devices: HashMap::new(),
            users: HashMap::new(),
            successes: HashMap::new(),
            sweep_at: SWEEP_AT,
        }
    }

    /// The throttle's time: its clock, never earlier than a time it read before (so the logs
    /// stay in order, and no check is ever stamped later than now).
    fn now(&mut self) -> Tick {
        let read = Duration::try_from((self.clock)()).unwrap_or(self.last);
        self.last = self.last.max(read);
        self.last
    }

    /// Counts a check in `lane` and, when it names an existing `user`, `runs` Argon2 runs in
    /// that user's successes (a login one, a password change two); or says how long to wait.
    pub fn begin(
        &mut self,
        lane: Lane,
        user: Option<&str>,
        runs: usize,
    ) -> Result<Attempt, Refused> {
        let now = self.now();
        // The user's budget first: when it is spent, the lane's is not touched.
        if let Some(user) = user {
            let times = self.successes.entry(user.to_owned()).or_default();
            expire(times, now);
            if times.len() + runs > USER_SUCCESSES {
                let wait = wait_to_free(times, now, times.len() + runs - USER_SUCCESSES);
                if times.is_empty() {
                    self.successes.remove(user);
                }
                return Err(Refused::UserSuccesses { wait });
            }
        }
        let counted = match &lane {
            Lane::Client(client) => self.begin_client(*client, now),
            Lane::Device(device) => self.begin_device(device, now),
        };
        if let Err(refused) = counted {
            if let Some(user) = user
                && self.successes.get(user).is_some_and(VecDeque::is_empty)
            {
                self.successes.remove(user);
            }
            return Err(refused);
        }
        if let Some(user) = user {
            let times = self.successes.entry(user.to_owned()).or_default();
            times.extend(std::iter::repeat_n(now, runs));
        }
        Ok(Attempt {
            lane,
            user: user.map(str::to_owned),
            runs,
            at: now,
        })
    }

    fn begin_client(&mut self, client: Client, now: Tick) -> Result<(), Refused> {
        expire(&mut self.all, now);
        // Every client with a check in the window also has it in `all`, so after this the
        // table holds at most GLOBAL_CHECKS clients: an attacker cannot grow it.
        if self.clients.len() > GLOBAL_CHECKS {
            sweep(&mut self.clients, now);
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
        Ok(())
    }

    fn begin_device(&mut self, device: &Device, now: Tick) -> Result<(), Refused> {
        // Entries are only made for valid device cookies, which only logins make; a live one
        // has its checks in its user's log too, so a sweep leaves at most USER_DEVICE_CHECKS
        // per user.
        if self.devices.len() > self.sweep_at {
            sweep(&mut self.devices, now);
            sweep(&mut self.users, now);
            self.sweep_at = SWEEP_AT.max(2 * self.devices.len());
        }
        let times = self.devices.entry(device.clone()).or_default();
        expire(times, now);
        let user = self.users.entry(device.user.clone()).or_default();
        expire(user, now);
        let refused = if times.len() >= DEVICE_CHECKS {
            Some(Refused::Device {
                wait: wait(times, now),
            })
        } else if user.len() >= USER_DEVICE_CHECKS {
            Some(Refused::UserDevices {
                wait: wait(user, now),
            })
        } else {
            None
        };
        if let Some(refused) = refused {
            if times.is_empty() {
                self.devices.remove(device);
            }
            if user.is_empty() {
                self.users.remove(&device.user);
            }
            return Err(refused);
        }
        times.push_back(now);
        user.push_back(now);
        Ok(())
    }

    /// Records a check's result: a success leaves its lane and stays in its user's successes;
    /// a failure stays in its lane and leaves its user's successes.
    pub fn finish(&mut self, attempt: Attempt, success: bool) {
        if success {
            self.uncount_lane(&attempt);
        } else {
            self.uncount_user(&attempt);
        }
    }

    /// Takes an attempt off every count: no check ran (the checks were busy, or the password
    /// hashes could not be read).
    pub fn cancel(&mut self, attempt: Attempt) {
        self.uncount_lane(&attempt);
        self.uncount_user(&attempt);
    }

    fn uncount_lane(&mut self, attempt: &Attempt) {
        match &attempt.lane {
            Lane::Client(client) => {
                remove(&mut self.all, attempt.at, 1);
                remove_from(&mut self.clients, client, attempt.at, 1);
            }
            Lane::Device(device) => {
                remove_from(&mut self.devices, device, attempt.at, 1);
                remove_from(&mut self.users, &device.user, attempt.at, 1);
            }
        }
    }

    fn uncount_user(&mut self, attempt: &Attempt) {
        if let Some(user) = &attempt.user {
            remove_from(&mut self.successes, user, attempt.at, attempt.runs);
        }
    }
}

/// Drops the times that have left the window: a check at `t` counts until `t + WINDOW`.
fn expire(times: &mut VecDeque<Tick>, now: Tick) {
    while times.front().is_some_and(|&t| t + WINDOW <= now) {
        times.pop_front();
    }
}

/// Drops the entries with no check left in the window.
fn sweep<K>(table: &mut HashMap<K, VecDeque<Tick>>, now: Tick) {
    table.retain(|_, times| {
        expire(times, now);
        !times.is_empty()
    });
}

/// Whole seconds, rounded up, until the oldest time leaves the window.
fn wait(times: &VecDeque<Tick>, now: Tick) -> i64 {
    wait_to_free(times, now, 1)
}

/// Whole seconds, rounded up, until the `freed` oldest times have left the window: a check
/// that needs two runs waits for two to leave, not one.
fn wait_to_free(times: &VecDeque<Tick>, now: Tick, freed: usize) -> i64 {
    let last = freed.saturating_sub(1);
    let left = times
        .get(last)
        .map_or(Duration::ZERO, |&t| t + WINDOW - now);
    (left.whole_seconds() + i64::from(left.subsec_nanoseconds() > 0)).max(1)
}

/// Removes `n` of the times equal to `at`.
fn remove(times: &mut VecDeque<Tick>, at: Tick, n: usize) {
    for _ in 0..n {
        if let Some(index) = times.iter().rposition(|&t| t == at) {
            times.remove(index);
        }
    }
}

/// [`remove`] from `key`'s log, and the entry when that leaves it empty.
fn remove_from<K: Eq + Hash>(table: &mut HashMap<K, VecDeque<Tick>>, key: &K, at: Tick, n: usize) {
    if let Some(times) = table.get_mut(key) {
        remove(times, at, n);
        if times.is_empty() {
            table.remove(key);
        }
    }
}
