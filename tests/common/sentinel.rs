//! A Redis Sentinel deployment of a test's own: one master, one replica and three sentinels on
//! free loopback ports, in a temporary folder removed when dropped.

use std::collections::HashMap;
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use sigcookie::store::{RedisStore, RedisStoreBuilder};

use super::process::{self, Process, eventually_ok};

/// The name the sentinels monitor the master by.
pub const MASTER: &str = "mymaster";

/// One master, one replica, three sentinels, in one folder removed when dropped.
pub struct Deployment {
    pub sentinels: Vec<Process>,
    pub nodes: Vec<Process>,
    pub dir: PathBuf,
}

impl Deployment {
    /// Starts the deployment, ready for a failover; `None` (the test skips) when
    /// `redis-server` is missing. The sentinels take the master for down after `down_after`
    /// without an answer.
    pub fn start(down_after: Duration) -> Option<Deployment> {
        let found = process::installed(&["redis-server"]);
        if !super::server_installed("redis-server", found) {
            return None;
        }
        let dir = super::server_folder("sentinel");
        let node = |port: u16, more: &[String]| {
            let mut args = process::node_args(&dir, port, &format!("dump-{port}.rdb"));
            args.extend(more.iter().cloned());
            args
        };
        let master = Process::spawn(&dir, "master", |port| node(port, &[]));
        let of = master.port.to_string();
        let replica = Process::spawn(&dir, "replica", |port| {
            node(
                port,
                &["--replicaof".into(), "127.0.0.1".into(), of.clone()],
            )
        });
        let sentinels = (0..3)
            .map(|i| {
                Process::spawn(&dir, "sentinel", |port| {
                    // A sentinel rewrites its configuration file: one each.
                    let conf = dir.join(format!("sentinel-{i}-{port}.conf"));
                    std::fs::write(
                        &conf,
                        format!(
                            "port {port}\nbind 127.0.0.1\ndir {}\n\
                             sentinel monitor {MASTER} 127.0.0.1 {} 2\n\
                             sentinel down-after-milliseconds {MASTER} {}\n\
                             sentinel failover-timeout {MASTER} 3000\n",
                            dir.display(),
                            master.port,
                            down_after.as_millis()
                        ),
                    )
                    .expect("sentinel configuration");
                    vec![conf.display().to_string(), "--sentinel".to_owned()]
                })
            })
            .collect();
        let deployment = Deployment {
            sentinels,
            nodes: vec![master, replica],
            dir,
        };
        // Ready for a failover: every sentinel knows the replica, in sync, and the others.
        let ready = eventually_ok(Duration::from_secs(20), || {
            for sentinel in &deployment.sentinels {
                let mut con = sentinel.raw()?;
                let replicas: Vec<HashMap<String, String>> = redis::cmd("SENTINEL")
                    .arg("REPLICAS")
                    .arg(MASTER)
                    .query(&mut con)?;
                let synced = replicas.iter().any(|r| {
                    r.get("master-link-status").map(String::as_str) == Some("ok")
                        && r.get("flags").map(String::as_str) == Some("slave")
                });
                let master: HashMap<String, String> = redis::cmd("SENTINEL")
                    .arg("MASTER")
                    .arg(MASTER)
                    .query(&mut con)?;
                let others = master.get("num-other-sentinels").map(String::as_str);
                if !synced || others != Some("2") {
                    return Err(redis::RedisError::from((redis::ErrorKind::Io, "not yet")));
                }
            }
            Ok(())
        });
        assert!(ready, "the sentinels never saw the replica and each other");
        Some(deployment)
    }

    /// A builder of a store that finds the master through the three sentinels.
    pub fn builder(&self) -> RedisStoreBuilder {
        let urls: Vec<String> = self.sentinels.iter().map(Process::url).collect();
        RedisStore::builder("redis://mymaster/").sentinel(MASTER, &urls)
    }

    /// The port every sentinel names as the master's, if they agree.
    pub fn master_port(&self) -> Option<u16> {
        let mut ports = self.sentinels.iter().map(|sentinel| {
            let (_, port): (String, u16) = redis::cmd("SENTINEL")
                .arg("GET-MASTER-ADDR-BY-NAME")
                .arg(MASTER)
                .query(&mut sentinel.raw().ok()?)
                .ok()?;
            Some(port)
        });
        let first = ports.next()??;
        ports.all(|p| p == Some(first)).then_some(first)
    }

    pub fn node(&self, port: u16) -> &Process {
        self.nodes.iter().find(|n| n.port == port).expect("a node")
    }

    pub fn node_mut(&mut self, port: u16) -> &mut Process {
        self.nodes
            .iter_mut()
            .find(|n| n.port == port)
            .expect("a node")
    }

    /// Waits until the failover to `new` is complete: every sentinel names it, and it says it
    /// is the master.
    pub fn await_master(&self, new: u16, within: Duration) {
        let start = Instant::now();
        while !(self.master_port() == Some(new) && self.role(new).as_deref() == Some("master")) {
            assert!(start.elapsed() < within, "the failover never completed");
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the sentinels made the node on `port` a replica (a failed master that came
    /// back is demoted a few seconds after the failover; until then the new master has no
    /// replica, and no revocation is acknowledged).
    pub fn await_replica(&self, port: u16, within: Duration) {
        let start = Instant::now();
        while self.role(port).as_deref() != Some("slave") {
            assert!(
                start.elapsed() < within,
                "{port} never rejoined as a replica"
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn role(&self, port: u16) -> Option<String> {
        let role: Vec<redis::Value> = redis::cmd("ROLE")
            .query(&mut self.node(port).raw().ok()?)
            .ok()?;
        match role.first() {
            Some(redis::Value::BulkString(role)) => Some(String::from_utf8_lossy(role).into()),
            _ => None,
        }
    }
}

impl Drop for Deployment {
    fn drop(&mut self) {
        self.sentinels.clear();
        self.nodes.clear();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
