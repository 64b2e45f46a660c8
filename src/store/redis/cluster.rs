//! A Redis Cluster: scripts through redis-rs's cluster client, which sends each to the node
//! that serves the store's one hash slot, and the channel followed on a plain connection to one
//! node, since the synchronous cluster client has no pub/sub and a cluster delivers a classic
//! `PUBLISH` on every node.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use redis::cluster::{ClusterClient, ClusterConnection};
use redis::{Client, Connection, ConnectionAddr, RedisResult};

use super::sentinel::connect;

/// How many times the cluster client retries a command (after a `MOVED`, a node lost), and
/// how long it waits in between at most, in milliseconds: its defaults (16 retries, waits
/// growing to minutes) would hang a revocation far past the connect timeout.
const RETRIES: u32 = 2;
const RETRY_WAIT_MAX: u64 = 100;

/// The cluster, and its nodes given to the builder, which the channel is followed on.
pub(super) struct Cluster {
    client: ClusterClient,
    nodes: Vec<Client>,
    /// The node to try first for the next subscription: the one after the last one used, so
    /// that a node that failed is not the first tried again.
    next: AtomicUsize,
}

impl Cluster {
    pub(super) fn new(urls: &[String], timeout: Duration) -> RedisResult<Cluster> {
        let client = ClusterClient::builder(urls.iter().map(String::as_str))
            .connection_timeout(timeout)
            .response_timeout(timeout)
            .retries(RETRIES)
            .min_retry_wait(RETRY_WAIT_MAX / 10)
            .max_retry_wait(RETRY_WAIT_MAX)
            .build()?;
        let nodes = urls
            .iter()
            .map(|url| Client::open(url.as_str()))
            .collect::<RedisResult<_>>()?;
        Ok(Cluster {
            client,
            nodes,
            next: AtomicUsize::new(0),
        })
    }

    /// A connection to the cluster for the scripts and loads.
    pub(super) fn connect(&self) -> RedisResult<ClusterConnection> {
        self.client.get_connection()
    }

    /// A plain connection to one node for the channel: each node in turn, from the one after
    /// the last used, until one answers.
    pub(super) fn subscriber(
        &self,
        timeout: Duration,
    ) -> RedisResult<(Connection, ConnectionAddr)> {
        let start = self.next.load(Ordering::Relaxed);
        let mut error = None;
        for k in 0..self.nodes.len() {
            let i = (start + k) % self.nodes.len();
            match connect(&self.nodes[i], timeout) {
                Ok(con) => {
                    self.next.store(i + 1, Ordering::Relaxed);
                    return Ok((con, self.nodes[i].get_connection_info().addr().clone()));
                }
                Err(e) => error = Some(e),
            }
        }
        Err(error.expect("a cluster has at least one node"))
    }

    /// The nodes given, for errors and logs.
    pub(super) fn server(&self) -> String {
        let nodes: Vec<String> = self
            .nodes
            .iter()
            .map(|n| n.get_connection_info().addr().to_string())
            .collect();
        format!("cluster {}", nodes.join(","))
    }
}
