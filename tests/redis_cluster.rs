//! `RedisStore` on a Redis Cluster: the test starts three masters of its own on free loopback
//! ports, in a temporary folder, and joins them with `redis-cli --cluster create`.
//!
//! When `redis-server` or `redis-cli` is missing the test says so and passes, except under
//! `CI=true`.
#![cfg(feature = "redis")]

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use common::fleet::{PROPAGATION, eventually};
use common::process::{self, Process, eventually_ok};
use sigcookie::store::{CutoffStore, RedisStore};
use sigcookie::{Cutoffs, Revocations};

const NOW: u64 = 1_764_000_000;
const RESYNC: Duration = Duration::from_secs(1);

/// Three masters sharing the 16,384 slots, in one folder removed when dropped.
struct Cluster {
    nodes: Vec<Option<Process>>,
    dir: PathBuf,
}

impl Cluster {
    fn start() -> Option<Cluster> {
        let found = process::installed(&["redis-server", "redis-cli"]);
        if !common::server_installed("redis-server and redis-cli", found) {
            return None;
        }
        let dir = common::server_folder("cluster");
        let nodes: Vec<Process> = (0..3)
            .map(|_| {
                Process::spawn(&dir, "node", |port| {
                    // File names only: Redis puts them in `--dir`.
                    let file = |name: &str| format!("{name}-{port}");
                    let mut args = process::node_args(&dir, port, &file("dump"));
                    let cluster = [
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        &file("nodes"),
                        "--cluster-node-timeout",
                        "2000",
                        // The others serve their slots while one is down.
                        "--cluster-require-full-coverage",
                        "no",
                    ];
                    args.extend(cluster.iter().map(|s| s.to_string()));
                    args
                })
            })
            .collect();
        let mut create = Command::new("redis-cli");
        create.arg("--cluster").arg("create");
        for node in &nodes {
            create.arg(format!("127.0.0.1:{}", node.port));
        }
        let created = create
            .arg("--cluster-yes")
            .output()
            .expect("redis-cli runs");
        assert!(
            created.status.success(),
            "redis-cli --cluster create: {}",
            String::from_utf8_lossy(&created.stdout)
        );
        let cluster = Cluster {
            nodes: nodes.into_iter().map(Some).collect(),
            dir,
        };
        let ok = eventually_ok(Duration::from_secs(20), || {
            for node in cluster.nodes.iter().flatten() {
                let info: String = redis::cmd("CLUSTER").arg("INFO").query(&mut node.raw()?)?;
                if !info.contains("cluster_state:ok") {
                    return Err(redis::RedisError::from((redis::ErrorKind::Io, "not yet")));
                }
            }
            Ok(())
        });
        assert!(ok, "the cluster never came up");
        Some(cluster)
    }

    fn node(&self, i: usize) -> &Process {
        self.nodes[i].as_ref().expect("a running node")
    }

    /// A store whose URL is the first node's, and which knows the two others.
    fn store(&self, prefix: &str) -> RedisStore {
        RedisStore::builder(&self.node(0).url())
            .cluster([self.node(1).url(), self.node(2).url()])
            .prefix(prefix)
            .resync_interval(RESYNC)
            .connect_timeout(Duration::from_millis(500))
            .build()
            .expect("the store connects to the cluster")
    }

    fn keyslot(&self, key: &str) -> u16 {
        redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(key)
            .query(&mut self.node(0).raw().expect("a node"))
            .expect("CLUSTER KEYSLOT")
    }

    /// How many keys node `i` holds in `slot`.
    fn keys_in_slot(&self, i: usize, slot: u16) -> u64 {
        redis::cmd("CLUSTER")
            .arg("COUNTKEYSINSLOT")
            .arg(slot)
            .query(&mut self.node(i).raw().expect("a node"))
            .expect("CLUSTER COUNTKEYSINSLOT")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.nodes.clear();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn on_a_cluster_revocations_reach_the_other_instance_and_every_key_is_in_one_slot() {
    let Some(mut cluster) = Cluster::start() else {
        return;
    };
    let _ = tracing_subscriber::fmt().with_ansi(false).try_init();
    let started = Instant::now();
    // A prefix whose slot the first node does not serve (it holds slots 0 to 5460), so that
    // the node both instances subscribe on first can fail without taking the slot with it.
    let prefix = (0..)
        .map(|n| format!("shop{n}"))
        .find(|p| cluster.keyslot(&format!("{{{p}}}:global")) > 5460)
        .expect("a prefix");
    let (a, b) = (cluster.store(&prefix), cluster.store(&prefix));

    a.revoke_user("42", 1_000).expect("revoked");
    a.revoke_all(500).expect("revoked");
    assert_eq!(a.revoke_user_until("7", NOW).expect("revoked"), NOW + 1);
    a.revoke_session("43", 2_000, 50_000).expect("logged out");
    eventually("B has every change of A", PROPAGATION, || {
        b.cutoffs("42") == Cutoffs::at(1_000)
            && b.cutoffs("7") == Cutoffs::at(NOW + 1)
            && b.global() == Some(500)
            && b.session_cutoffs("43", 2_000).is_logged_out()
    });
    assert_eq!(b.revoke_all_until(NOW, 60).expect("revoked"), NOW + 2);
    eventually("A has B's", PROPAGATION, || a.global() == Some(NOW + 2));

    // The three keys share one slot, and so one node.
    let slots: Vec<u16> = ["global", "users", "logouts"]
        .iter()
        .map(|name| cluster.keyslot(&format!("{{{prefix}}}:{name}")))
        .collect();
    assert!(slots.iter().all(|&s| s == slots[0]), "{slots:?}");
    let counts: Vec<u64> = (0..3).map(|i| cluster.keys_in_slot(i, slots[0])).collect();
    assert_eq!(counts.iter().filter(|&&n| n == 3).count(), 1, "{counts:?}");
    assert_eq!(counts.iter().sum::<u64>(), 3, "{counts:?}");

    // The node both follow the channel on fails: each resubscribes on another, reloads, and
    // hears the other's revocations again.
    cluster.nodes[0] = None;
    a.revoke_user("44", NOW + 10)
        .expect("revoked with a node down");
    eventually(
        "B has A's revocation after its node failed",
        Duration::from_secs(5),
        || b.cutoffs("44") == Cutoffs::at(NOW + 10),
    );
    b.revoke_user("45", NOW + 11)
        .expect("revoked with a node down");
    eventually(
        "A has B's revocation after its node failed",
        Duration::from_secs(5),
        || a.cutoffs("45") == Cutoffs::at(NOW + 11),
    );
    // Through the channel, not only by the resync: both are connected again.
    thread::sleep(RESYNC * 2);
    let sent = Instant::now();
    a.revoke_user("46", NOW + 12).expect("revoked");
    eventually("B hears A at once", PROPAGATION, || {
        b.cutoffs("46") == Cutoffs::at(NOW + 12)
    });
    eprintln!("propagation after resubscribing: {:?}", sent.elapsed());
    drop((a, b));
    assert!(started.elapsed() < Duration::from_secs(60));
}
