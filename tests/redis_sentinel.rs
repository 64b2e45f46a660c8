//! `RedisStore` through Redis Sentinel: the test starts a master, a replica and three sentinels
//! of its own on free loopback ports, in a temporary folder, fails the master over in the middle
//! of a stream of revocations, and checks that no acknowledged revocation is lost.
//!
//! When `redis-server` is missing the test says so and passes, except under `CI=true`.
#![cfg(feature = "redis")]

mod common;

use common::sentinel::{Deployment, MASTER};

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use sigcookie::Revocations;
use sigcookie::store::{CutoffStore, RedisStore};

/// The stores' resync interval: after a failover completes, an instance follows the new master
/// within it, plus the time to connect.
const RESYNC: Duration = Duration::from_secs(1);
const TIMEOUT: Duration = Duration::from_millis(500);
/// The documented bound after a failover (the resync interval, plus a connect timeout for each
/// step of finding the master: the sentinels, then the master), and room for a loaded machine.
const BOUND: Duration = Duration::from_secs(4);

impl Deployment {
    fn store(&self) -> RedisStore {
        self.builder()
            .resync_interval(RESYNC)
            .connect_timeout(TIMEOUT)
            .build()
            .expect("the store finds the master through the sentinels")
    }
}

/// A revocation some store acknowledged: the user, its cut-off, and when `revoke_user` returned.
#[derive(Clone)]
struct Acked {
    id: String,
    cutoff: u64,
    at: Instant,
}

#[test]
fn no_acknowledged_revocation_is_lost_across_a_sentinel_failover() {
    let Some(deployment) = Deployment::start(Duration::from_secs(1)) else {
        return;
    };
    let started = Instant::now();
    let old = deployment.master_port().expect("the sentinels agree");
    let stores = [Arc::new(deployment.store()), Arc::new(deployment.store())];
    let acked: Arc<Mutex<Vec<Acked>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    // The verifiers stop only once the writer has, and the bound has passed for its last one.
    let verified = Arc::new(AtomicBool::new(false));

    // A stream of revocations, alternately through each store.
    let writer = {
        let (stores, acked, stop) = (stores.clone(), Arc::clone(&acked), Arc::clone(&stop));
        thread::spawn(move || {
            let mut refused = 0;
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let id = format!("user{i}");
                let cutoff = 1_764_000_000 + i;
                match stores[(i % 2) as usize].revoke_user(&id, cutoff) {
                    Ok(()) => acked.lock().unwrap().push(Acked {
                        id,
                        cutoff,
                        at: Instant::now(),
                    }),
                    Err(_) => refused += 1,
                }
                i += 1;
                thread::sleep(Duration::from_millis(5));
            }
            refused
        })
    };
    // Each store's verifier: when it first saw each acknowledged revocation.
    let verifiers: Vec<_> = stores
        .iter()
        .map(|store| {
            let (store, acked, stop) =
                (Arc::clone(store), Arc::clone(&acked), Arc::clone(&verified));
            thread::spawn(move || {
                let mut seen: HashMap<String, Instant> = HashMap::new();
                let mut last_pass = false;
                loop {
                    let done = stop.load(Ordering::Relaxed);
                    let pending: Vec<Acked> = acked
                        .lock()
                        .unwrap()
                        .iter()
                        .filter(|a| !seen.contains_key(&a.id))
                        .cloned()
                        .collect();
                    for a in pending {
                        if store.cutoffs(&a.id).not_before() >= Some(a.cutoff) {
                            seen.insert(a.id, Instant::now());
                        }
                    }
                    if last_pass {
                        return seen;
                    }
                    last_pass = done;
                    thread::sleep(Duration::from_millis(1));
                }
            })
        })
        .collect();

    thread::sleep(Duration::from_secs(2));
    let before = acked.lock().unwrap().len();
    let _: redis::Value = redis::cmd("SENTINEL")
        .arg("FAILOVER")
        .arg(MASTER)
        .query(&mut deployment.sentinels[0].raw().expect("a sentinel"))
        .expect("SENTINEL FAILOVER");
    let new = deployment.nodes.iter().map(|n| n.port).find(|&p| p != old);
    let new = new.expect("the replica");
    let failing_over = Instant::now();
    deployment.await_master(new, Duration::from_secs(15));
    let completed = Instant::now();
    deployment.await_replica(old, Duration::from_secs(30));
    let after_rejoin = acked.lock().unwrap().len();
    let rejoined = Instant::now();
    while acked.lock().unwrap().len() < after_rejoin + 20 {
        assert!(
            rejoined.elapsed() < Duration::from_secs(10),
            "no revocation acknowledged after the failover"
        );
        thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::Relaxed);
    let refused = writer.join().expect("the writer");
    // Room for the bound to pass for the last ones.
    thread::sleep(BOUND);
    verified.store(true, Ordering::Relaxed);
    let seen: Vec<HashMap<String, Instant>> = verifiers
        .into_iter()
        .map(|v| v.join().expect("a verifier"))
        .collect();
    let acked = acked.lock().unwrap().clone();
    eprintln!(
        "acknowledged {} ({before} before the failover), refused {refused}; failover took {:?}, \
         whole test {:?}",
        acked.len(),
        completed - failing_over,
        started.elapsed()
    );
    assert!(
        before > 0,
        "revocations were acknowledged before the failover"
    );

    // Not one acknowledged revocation lost: every one is in the new master…
    let mut con = deployment.node(new).raw().expect("the new master");
    let users: HashMap<String, u64> = redis::cmd("HGETALL")
        .arg("{sigcookie:cutoffs}:users")
        .query(&mut con)
        .expect("HGETALL");
    for a in &acked {
        assert!(
            users.get(&a.id).is_some_and(|&at| at >= a.cutoff),
            "{} was acknowledged but the new master lost it",
            a.id
        );
    }
    // …and seen by both instances, none later than the bound after the failover completed.
    for (n, seen) in seen.iter().enumerate() {
        for a in &acked {
            let at = *seen
                .get(&a.id)
                .unwrap_or_else(|| panic!("instance {n} never saw {}", a.id));
            let from = a.at.max(completed);
            assert!(
                at.saturating_duration_since(from) <= BOUND,
                "instance {n} saw {} {:?} after the failover completed",
                a.id,
                at.saturating_duration_since(from)
            );
        }
    }
    drop(stores);
    assert!(started.elapsed() < Duration::from_secs(60));
}
