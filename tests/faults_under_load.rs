//! Faults under load: several instances verify sessions at full speed while revocations stream
//! in through each of them, and the store they share is frozen (`SIGSTOP`), killed, restarted,
//! failed over and flushed. For every acknowledged revocation the test records when it was
//! acknowledged and when each instance first refused its session, and asserts the documented
//! bounds and that not one acknowledged revocation was lost. A fourth instance, built with
//! `fail_closed_after`, is probed meanwhile: it must refuse every session during each fault
//! longer than its bound, and never outside one.
//!
//! Each engine's test starts its own servers on free loopback ports (a Redis Sentinel set; a
//! PostgreSQL cluster), runs for about a minute, and prints its figures with
//! `cargo test --test faults_under_load -- --nocapture`. When a server is missing the test says
//! so and passes, except under `CI=true`.
#![cfg(all(feature = "redis", feature = "postgres"))]

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use sigcookie::store::{CutoffStore, PostgresStore, RedisStore};
use sigcookie::{Cutoffs, Error, Key, Revocations, SessionSigner, Signer};

use common::fleet::PROPAGATION;
use common::postgres::Server;
use common::sentinel::Deployment;

/// How many instances share the store, each with a verifier of its own.
const INSTANCES: usize = 3;
/// The clock of every verify: sessions logged in at `LOGIN`, revoked by a cut-off at `CUTOFF`.
const NOW: u64 = 1_764_000_000;
const LOGIN: u64 = NOW - 10;
const CUTOFF: u64 = LOGIN + 1;
/// Never-revoked users, verified in turn between the revoked ones.
const LIVE_USERS: usize = 64;
/// A revocation every 5 ms, through the instances in turn.
const REVOKE_EVERY: Duration = Duration::from_millis(5);
/// The instances' resync interval and connect timeout. The resync is longer than `PROPAGATION`,
/// so that a change an instance missed while connected shows as a delay past it.
const RESYNC: Duration = Duration::from_secs(3);
const TIMEOUT: Duration = Duration::from_millis(500);
/// The documented bound after a fault, counted from the server's return: the resync interval
/// (the longest wait between reconnection attempts) plus a connect timeout for each step of
/// finding the server (the sentinels, then the master); with room for a machine whose every
/// core is busy verifying.
const BOUND: Duration = Duration::from_secs(3 + 1 + 2);
/// The bound of the probe, an instance built with `fail_closed_after`: it checks its server
/// every quarter of it, so it refuses from between three quarters of the bound and the bound
/// after a fault begins (its last sign of life came before), and serves again once reloaded.
const FAIL_CLOSED_AFTER: Duration = Duration::from_secs(1);
/// How often the probe looks up a session.
const PROBE_EVERY: Duration = Duration::from_millis(1);
/// How long each quiet phase lasts, and each freeze. A quiet phase outlasts the bound after the
/// fault before it, so that its last seconds check the bound while connected.
const STEADY: Duration = Duration::from_secs(9);
const FROZEN: Duration = Duration::from_secs(2);

/// One engine's test at a time: each keeps every core busy.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A revocation some instance acknowledged.
struct Acked {
    /// The revoked session's value, logged in before the cut-off.
    value: String,
    id: String,
    /// The instance that made it, and when `revoke_user` returned `Ok`.
    by: usize,
    at: Instant,
}

/// A stretch of the run: a quiet one, or a fault (`fault`), which ends when the server is back.
struct Phase {
    what: &'static str,
    fault: bool,
    began: Instant,
    ended: Instant,
    verifies: u64,
}

/// What the threads of a run share.
struct Shared<S> {
    stores: Vec<Arc<S>>,
    signer: SessionSigner,
    live: Vec<String>,
    acked: Mutex<Vec<Acked>>,
    refused_revocations: AtomicUsize,
    /// Verifies made by each instance's verifier so far.
    verifies: Vec<AtomicU64>,
    stop_writing: AtomicBool,
    stop_verifying: AtomicBool,
}

/// What one verifier saw: when it first refused each acknowledged revocation (by its index),
/// and how many never-revoked sessions it refused.
struct Seen {
    refused_at: Vec<Option<Instant>>,
    live_refused: u64,
}

/// A load on `stores`: a writer revoking, a verifier per instance, and the phases the engine's
/// scenario drives.
struct Run<S> {
    shared: Arc<Shared<S>>,
    writer: Option<thread::JoinHandle<()>>,
    verifiers: Vec<thread::JoinHandle<Seen>>,
    /// The fail-closed instance's probe: when it began and stopped refusing sessions.
    probe: Option<thread::JoinHandle<Vec<Refusing>>>,
    phases: Vec<Phase>,
    started: Instant,
}

/// A stretch of time during which the fail-closed instance refused every session.
struct Refusing {
    from: Instant,
    until: Instant,
}

impl<S: CutoffStore + Send + Sync + 'static> Run<S> {
    /// Starts the load on `stores`, and the probe on `fail_closed`, an instance built with
    /// `fail_closed_after(FAIL_CLOSED_AFTER)` that takes no part in the load.
    fn start(stores: Vec<S>, fail_closed: S) -> Run<S> {
        let key = Key::from_bytes(&[7; 32]).expect("key");
        let signer = SessionSigner::new(Signer::new(&key, "load").expect("signer"), 3_600, 86_400);
        let live = (0..LIVE_USERS)
            .map(|i| login(&signer, &format!("live{i}")))
            .collect();
        let shared = Arc::new(Shared {
            verifies: stores.iter().map(|_| AtomicU64::new(0)).collect(),
            stores: stores.into_iter().map(Arc::new).collect(),
            signer,
            live,
            acked: Mutex::default(),
            refused_revocations: AtomicUsize::new(0),
            stop_writing: AtomicBool::new(false),
            stop_verifying: AtomicBool::new(false),
        });
        let verifiers = (0..INSTANCES)
            .map(|n| {
                let shared = Arc::clone(&shared);
                thread::spawn(move || shared.verify(n))
            })
            .collect();
        let writer = {
            let shared = Arc::clone(&shared);
            Some(thread::spawn(move || shared.write()))
        };
        let probe = {
            let shared = Arc::clone(&shared);
            Some(thread::spawn(move || shared.probe(&fail_closed)))
        };
        Run {
            shared,
            writer,
            verifiers,
            probe,
            phases: Vec::new(),
            started: Instant::now(),
        }
    }

    fn verifies(&self) -> u64 {
        let counts = self.shared.verifies.iter();
        counts.map(|c| c.load(Ordering::Relaxed)).sum()
    }

    /// A quiet phase of `STEADY`.
    fn steady(&mut self) {
        self.phase("steady", false, || thread::sleep(STEADY));
    }

    /// A phase that lasts as long as `run`; a `fault` ends when `run` has the server back.
    fn phase(&mut self, what: &'static str, fault: bool, run: impl FnOnce()) {
        let (began, before) = (Instant::now(), self.verifies());
        run();
        self.phases.push(Phase {
            what,
            fault,
            began,
            ended: Instant::now(),
            verifies: self.verifies() - before,
        });
    }

    /// Stops the writer, leaves the bound for its last revocations to arrive, stops the
    /// verifiers, and checks what they saw: every acknowledged revocation refused by every
    /// instance within the bound, and no never-revoked session refused. Returns the
    /// acknowledged revocations, for the engine to check against its server.
    fn finish(mut self, engine: &str) -> Vec<Acked> {
        self.steady();
        self.shared.stop_writing.store(true, Ordering::Relaxed);
        if let Some(writer) = self.writer.take() {
            writer.join().expect("the writer");
        }
        thread::sleep(BOUND);
        self.shared.stop_verifying.store(true, Ordering::Relaxed);
        let seen: Vec<Seen> = self
            .verifiers
            .drain(..)
            .map(|v| v.join().expect("a verifier"))
            .collect();
        let acked = std::mem::take(
            &mut *self
                .shared
                .acked
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        let faults: Vec<&Phase> = self.phases.iter().filter(|p| p.fault).collect();
        let probe = self.probe.take().map(|p| p.join().expect("the probe"));
        let fail_closed = fail_closed_when_out_of_touch(&faults, &probe.unwrap_or_default());

        let (mut connected, mut after_fault) = (Duration::ZERO, Duration::ZERO);
        let mut lost = 0;
        for (n, seen) in seen.iter().enumerate() {
            assert_eq!(
                seen.live_refused, 0,
                "instance {n} refused never-revoked sessions: an instance out of touch serves \
                 the last cut-offs it knew"
            );
            for (a, refused_at) in acked.iter().zip(&seen.refused_at) {
                let Some(refused_at) = *refused_at else {
                    eprintln!(
                        "instance {n} never refused {} (acknowledged by {})",
                        a.id, a.by
                    );
                    lost += 1;
                    continue;
                };
                let delay = refused_at.saturating_duration_since(a.at);
                // A fault that began before the change could have arrived, and ended after the
                // acknowledgement or less than the bound before it: the instance may have been
                // out of touch, and the bound counts from the server's return. Any other
                // revocation came to a connected instance.
                let fault = faults
                    .iter()
                    .filter(|f| f.began <= a.at + PROPAGATION && f.ended + BOUND > a.at)
                    .map(|f| f.ended)
                    .max();
                match fault {
                    Some(back) => {
                        let delay = refused_at.saturating_duration_since(back.max(a.at));
                        assert!(
                            delay <= BOUND,
                            "instance {n} refused {} {delay:?} after the server was back",
                            a.id
                        );
                        after_fault = after_fault.max(delay);
                    }
                    None => {
                        assert!(
                            delay <= PROPAGATION,
                            "instance {n} refused {} {delay:?} after it was acknowledged, while \
                             connected",
                            a.id
                        );
                        connected = connected.max(delay);
                    }
                }
            }
        }
        assert_eq!(lost, 0, "acknowledged revocations lost");
        // A verifier stops checking a session once refused: whether each instance still
        // refuses every acknowledged revocation at the end (after the flush, the restarts and
        // the reloads that followed them) is asked here, of each instance's copy.
        for (n, store) in self.shared.stores.iter().enumerate() {
            for a in &acked {
                assert_eq!(
                    store.cutoffs(&a.id),
                    Cutoffs::at(CUTOFF),
                    "instance {n} no longer refuses {} at the end of the run",
                    a.id
                );
            }
        }
        self.report(engine, &acked, connected, after_fault);
        eprintln!("  the fail-closed instance: {fail_closed}");
        acked
    }

    fn report(&self, engine: &str, acked: &[Acked], connected: Duration, after_fault: Duration) {
        let refused = self.shared.refused_revocations.load(Ordering::Relaxed);
        eprintln!(
            "{engine}: {INSTANCES} instances, {:.0?}: {} revocations acknowledged, {refused} \
             refused while the store was away, lost 0; the slowest instance to refuse a \
             revocation: {connected:.1?} while connected, {after_fault:.2?} after the server \
             was back (bound {BOUND:?})",
            self.started.elapsed(),
            acked.len(),
        );
        for phase in &self.phases {
            let took = phase.ended - phase.began;
            eprintln!(
                "  {:<40} {:>6.1?}  {:>6.2} M verifies/s",
                phase.what,
                took,
                phase.verifies as f64 / took.as_secs_f64() / 1e6
            );
        }
    }
}

impl<S: CutoffStore> Shared<S> {
    /// The stream of revocations: a new user every `REVOKE_EVERY`, through the instances in
    /// turn, each recorded once acknowledged.
    fn write(&self) {
        let mut i = 0;
        while !self.stop_writing.load(Ordering::Relaxed) {
            let (id, by) = (format!("u{i}"), i % INSTANCES);
            let value = login(&self.signer, &id);
            match self.stores[by].revoke_user(&id, CUTOFF) {
                Ok(()) => {
                    let at = Instant::now();
                    let mut acked = self.acked.lock().unwrap_or_else(PoisonError::into_inner);
                    acked.push(Acked { value, id, by, at });
                }
                Err(_) => {
                    self.refused_revocations.fetch_add(1, Ordering::Relaxed);
                }
            }
            i += 1;
            thread::sleep(REVOKE_EVERY);
        }
    }

    /// Instance `n`'s verifier, at full speed: a never-revoked session, then every revoked one
    /// it has not refused yet, again and again; every 256 rounds it takes the newly
    /// acknowledged revocations. Ends once told to and its last check is done.
    fn verify(&self, n: usize) -> Seen {
        let store = &*self.stores[n];
        let mut seen = Seen {
            refused_at: Vec::new(),
            live_refused: 0,
        };
        let mut pending: Vec<(usize, String)> = Vec::new();
        let (mut last_round, mut verifies) = (false, 0);
        for round in 0usize.. {
            if round % 256 == 0 {
                self.verifies[n].store(verifies, Ordering::Relaxed);
                let stopping = self.stop_verifying.load(Ordering::Relaxed);
                if last_round {
                    break;
                }
                last_round = stopping;
                let acked = self.acked.lock().unwrap_or_else(PoisonError::into_inner);
                for (i, a) in acked.iter().enumerate().skip(seen.refused_at.len()) {
                    pending.push((i, a.value.clone()));
                    seen.refused_at.push(None);
                }
            }
            let live = &self.live[round % LIVE_USERS];
            if self.signer.verify_at(live, NOW, store).is_err() {
                seen.live_refused += 1;
            }
            verifies += 1 + pending.len() as u64;
            pending.retain(
                |(i, value)| match self.signer.verify_at(value, NOW, store) {
                    Ok(_) => true,
                    Err(Error::LoggedInBeforeNotBefore { .. }) => {
                        seen.refused_at[*i] = Some(Instant::now());
                        false
                    }
                    Err(other) => panic!("instance {n}: a revoked session refused as {other:?}"),
                },
            );
        }
        seen
    }
}

impl<S: Revocations> Shared<S> {
    /// The fail-closed instance's probe: a never-revoked session looked up every
    /// `PROBE_EVERY`; when the instance refused it, which it may only as out of touch.
    fn probe(&self, store: &S) -> Vec<Refusing> {
        let mut refusing: Vec<Refusing> = Vec::new();
        let mut since: Option<Instant> = None;
        while !self.stop_verifying.load(Ordering::Relaxed) {
            let refused = match self.signer.verify_at(&self.live[0], NOW, store) {
                Ok(_) => false,
                Err(Error::CutoffUnreadable) => true,
                Err(other) => panic!("the fail-closed instance refused as {other:?}"),
            };
            match (refused, since) {
                (true, None) => since = Some(Instant::now()),
                (false, Some(from)) => {
                    refusing.push(Refusing {
                        from,
                        until: Instant::now(),
                    });
                    since = None;
                }
                _ => {}
            }
            thread::sleep(PROBE_EVERY);
        }
        assert!(
            since.is_none(),
            "the fail-closed instance refused to the end"
        );
        refusing
    }
}

/// Checks the probe against the faults: each refusal began at least three quarters of the
/// bound into a fault (the bound after the last sign of life, which a check every quarter of
/// it renews) and ended within the bound after a fault's end; each fault longer than the bound
/// with room to spare caused one, which lasted to its end. Returns what it saw, for the report.
fn fail_closed_when_out_of_touch(faults: &[&Phase], refusing: &[Refusing]) -> String {
    let slack = Duration::from_millis(500);
    let mut seen = Vec::new();
    for r in refusing {
        let fault = faults.iter().find(|f| {
            r.from + slack >= f.began + FAIL_CLOSED_AFTER * 3 / 4 && r.from <= f.ended + slack
        });
        let fault = fault.unwrap_or_else(|| {
            panic!(
                "the fail-closed instance refused for {:?} outside a fault",
                r.until - r.from
            )
        });
        let served_again = r.until.saturating_duration_since(fault.ended);
        assert!(
            served_again <= BOUND,
            "the fail-closed instance served again {served_again:?} after the server's return"
        );
        seen.push(format!(
            "{}: refused {:.2?} into it, served {:.2?} after it ended",
            fault.what,
            r.from - fault.began,
            served_again
        ));
    }
    for f in faults {
        if f.ended - f.began > FAIL_CLOSED_AFTER + slack {
            // Refused from the bound on, without a break, until the server was back.
            let refused = refusing
                .iter()
                .find(|r| r.from >= f.began && r.from <= f.began + FAIL_CLOSED_AFTER + slack);
            let refused = refused.unwrap_or_else(|| {
                panic!(
                    "the fail-closed instance kept serving through \"{}\"",
                    f.what
                )
            });
            assert!(
                refused.until >= f.ended,
                "the fail-closed instance served again {:?} before the end of \"{}\"",
                f.ended - refused.until,
                f.what
            );
        }
    }
    seen.join("; ")
}

fn login(signer: &SessionSigner, id: &str) -> String {
    let value = signer.login_at(id, LOGIN, &Cutoffs::NONE).expect("login");
    value.as_str().to_owned()
}

/// Every acknowledged revocation in `held` (what the server holds, by id), and in `fresh`, an
/// instance started after the run.
fn none_lost(engine: &str, acked: &[Acked], held: &HashMap<String, u64>, fresh: &impl Revocations) {
    for a in acked {
        assert!(
            held.get(&a.id).is_some_and(|&at| at >= CUTOFF),
            "{engine} lost {}, acknowledged by instance {}",
            a.id,
            a.by
        );
        assert_eq!(
            fresh.cutoffs(&a.id),
            Cutoffs::at(CUTOFF),
            "an instance started after the run does not refuse {}",
            a.id
        );
    }
}

#[test]
fn redis_sentinel_under_load_loses_no_revocation() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    // Sentinels that take a master for down after 4 s, so that a 2 s freeze is a freeze and
    // not a failover; the failover comes after, by killing the master.
    let Some(mut deployment) = Deployment::start(Duration::from_secs(4)) else {
        return;
    };
    let builder = |deployment: &Deployment| {
        deployment
            .builder()
            .resync_interval(RESYNC)
            .connect_timeout(TIMEOUT)
    };
    let store = |deployment: &Deployment| -> RedisStore {
        builder(deployment)
            .build()
            .expect("the store finds the master through the sentinels")
    };
    let stores = (0..INSTANCES).map(|_| store(&deployment)).collect();
    let fail_closed = builder(&deployment)
        .fail_closed_after(FAIL_CLOSED_AFTER)
        .build()
        .expect("the fail-closed instance");
    let mut run = Run::start(stores, fail_closed);
    let master = deployment.master_port().expect("the sentinels agree");
    run.steady();
    run.phase("master frozen (SIGSTOP), then resumed", true, || {
        deployment.node(master).signal("-STOP");
        thread::sleep(FROZEN);
        deployment.node(master).signal("-CONT");
    });
    run.steady();
    // Every cut-off made so far leaves the server; the instances keep them all.
    let flushed = run.shared.acked.lock().expect("acked").len();
    run.phase("master flushed (FLUSHALL), then quiet", false, || {
        let mut con = deployment.node(master).raw().expect("the master");
        redis::cmd("FLUSHALL")
            .query::<()>(&mut con)
            .expect("FLUSHALL");
        thread::sleep(STEADY);
    });
    let replica = deployment
        .nodes
        .iter()
        .map(|n| n.port)
        .find(|&p| p != master);
    let replica = replica.expect("the replica");
    run.phase("master killed, failed over to the replica", true, || {
        deployment.node(master).signal("-KILL");
        deployment.await_master(replica, Duration::from_secs(30));
    });
    run.phase("old master restarted, made a replica", false, || {
        deployment.node_mut(master).respawn();
        deployment.await_replica(master, Duration::from_secs(30));
    });
    let acked = run.finish("Redis Sentinel");

    let mut con = deployment.node(replica).raw().expect("the new master");
    let held: HashMap<String, u64> = redis::cmd("HGETALL")
        .arg("{sigcookie:cutoffs}:users")
        .query(&mut con)
        .expect("HGETALL");
    // Those acknowledged before the flush were taken by it, on purpose: the instances of the
    // run still refuse them (checked above), a fresh one cannot know them.
    none_lost("Redis", &acked[flushed..], &held, &store(&deployment));
}

#[test]
fn postgres_under_load_loses_no_revocation() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(mut server) = Server::start() else {
        return;
    };
    let builder = |server: &Server| {
        PostgresStore::builder(&server.params())
            .resync_interval(RESYNC)
            .connect_timeout(TIMEOUT)
    };
    let store = |server: &Server| builder(server).build().expect("store connects");
    let stores = (0..INSTANCES).map(|_| store(&server)).collect();
    let fail_closed = builder(&server)
        .fail_closed_after(FAIL_CLOSED_AFTER)
        .build()
        .expect("the fail-closed instance");
    let mut run = Run::start(stores, fail_closed);
    run.steady();
    run.phase("server frozen (SIGSTOP), then resumed", true, || {
        server.freeze();
        thread::sleep(FROZEN);
        server.thaw();
    });
    run.steady();
    run.phase("server killed, restarted 2 s later", true, || {
        server.stop();
        thread::sleep(FROZEN);
        assert!(server.spawn(), "postgres restarts");
    });
    let acked = run.finish("PostgreSQL");

    let mut raw = server.raw();
    let rows = raw
        .query("SELECT id, not_before::text FROM sigcookie_cutoffs", &[])
        .expect("the cut-offs");
    let held = rows
        .iter()
        .map(|row| {
            let at: &str = row.get(1);
            (row.get(0), at.parse().expect("a time"))
        })
        .collect();
    none_lost("PostgreSQL", &acked, &held, &store(&server));
}
