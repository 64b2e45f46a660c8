//! Finding the master of a Sentinel deployment: which server the store talks to, asked again at
//! every new connection and at every check of the sync thread, so that a failover moves the
//! store to the new master.
//!
//! Not redis-rs's `Sentinel`: its synchronous client connects to the sentinels with no timeout,
//! so a hung sentinel would hang the sync thread, and it takes the first sentinel's answer,
//! which may be one that has not yet heard of a failover.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use redis::{
    Client, Connection, ConnectionAddr, ConnectionInfo, ErrorKind, RedisError, RedisResult, Value,
};

/// The sentinels of one master, and how to log in to whichever server they name.
pub(super) struct Sentinels {
    sentinels: Vec<Client>,
    master: String,
    /// The master's credentials and database; its address is the sentinels' answer.
    template: ConnectionInfo,
    /// The master last connected to, for errors and logs.
    last: Mutex<Option<ConnectionAddr>>,
}

impl Sentinels {
    pub(super) fn new(
        sentinels: &[String],
        master: String,
        template: ConnectionInfo,
    ) -> RedisResult<Sentinels> {
        if sentinels.is_empty() {
            return Err(RedisError::from((
                ErrorKind::EmptySentinelList,
                "a Sentinel deployment needs at least one sentinel's URL",
            )));
        }
        let sentinels = sentinels
            .iter()
            .map(|url| Client::open(url.as_str()))
            .collect::<RedisResult<_>>()?;
        Ok(Sentinels {
            sentinels,
            master,
            template,
            last: Mutex::new(None),
        })
    }

    /// A connection to the master: every sentinel that answers within `timeout` is asked
    /// (`SENTINEL MASTER`), the addresses are tried from the highest configuration epoch down
    /// (a failover raises it, so a sentinel that has not heard of the latest one is outvoted),
    /// and the first server that says it is the master (`ROLE`) is the one.
    pub(super) fn connect(&self, timeout: Duration) -> RedisResult<(Connection, ConnectionAddr)> {
        let mut answers = Vec::new();
        let mut error = None;
        for sentinel in &self.sentinels {
            match self.ask(sentinel, timeout) {
                Ok(answer) => answers.push(answer),
                Err(e) => error = Some(e),
            }
        }
        answers.sort_by_key(|(epoch, _)| std::cmp::Reverse(*epoch));
        answers.dedup_by(|a, b| a.1 == b.1);
        for (_, addr) in answers {
            match self.master_at(&addr, timeout) {
                Ok(con) => {
                    *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Some(addr.clone());
                    return Ok((con, addr));
                }
                Err(e) => error = Some(e),
            }
        }
        Err(error.unwrap_or_else(|| {
            RedisError::from((
                ErrorKind::MasterNameNotFoundBySentinel,
                "no sentinel names a master that says it is one",
            ))
        }))
    }

    /// What one sentinel says of the master: its configuration epoch and address.
    fn ask(&self, sentinel: &Client, timeout: Duration) -> RedisResult<(u64, ConnectionAddr)> {
        let mut con = connect(sentinel, timeout)?;
        let fields: Vec<(String, String)> = redis::cmd("SENTINEL")
            .arg("MASTER")
            .arg(&self.master)
            .query(&mut con)?;
        let field = |name: &str| {
            fields
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let malformed = || {
            RedisError::from((
                ErrorKind::Parse,
                "a sentinel answered SENTINEL MASTER without an address",
            ))
        };
        let host = field("ip").ok_or_else(malformed)?.to_owned();
        let port = field("port")
            .and_then(|p| p.parse().ok())
            .ok_or_else(malformed)?;
        let epoch = field("config-epoch")
            .and_then(|e| e.parse().ok())
            .unwrap_or(0);
        let addr = match self.template.addr() {
            ConnectionAddr::TcpTls {
                insecure,
                tls_params,
                ..
            } => ConnectionAddr::TcpTls {
                host,
                port,
                insecure: *insecure,
                tls_params: tls_params.clone(),
            },
            _ => ConnectionAddr::Tcp(host, port),
        };
        Ok((epoch, addr))
    }

    /// A connection to the server at `addr` if it says it is a master.
    fn master_at(&self, addr: &ConnectionAddr, timeout: Duration) -> RedisResult<Connection> {
        let client = Client::open(self.template.clone().set_addr(addr.clone()))?;
        let mut con = connect(&client, timeout)?;
        let role: Vec<Value> = redis::cmd("ROLE").query(&mut con)?;
        match role.first() {
            Some(Value::BulkString(role)) if role == b"master" => Ok(con),
            _ => Err(RedisError::from((
                ErrorKind::Server(redis::ServerErrorKind::ReadOnly),
                "the server a sentinel named is not a master (a failover under way?)",
                addr.to_string(),
            ))),
        }
    }

    /// Whether the sentinels know of any replica of the master, up or down: if so, a revocation
    /// waits for one to have it (see `Shared::replicated`).
    pub(super) fn has_replicas(&self, timeout: Duration) -> RedisResult<bool> {
        let mut error = None;
        for sentinel in &self.sentinels {
            let replicas = connect(sentinel, timeout).and_then(|mut con| {
                redis::cmd("SENTINEL")
                    .arg("REPLICAS")
                    .arg(&self.master)
                    .query::<Vec<Value>>(&mut con)
            });
            match replicas {
                Ok(replicas) => return Ok(!replicas.is_empty()),
                Err(e) => error = Some(e),
            }
        }
        Err(error.unwrap_or_else(|| RedisError::from((ErrorKind::Io, "no sentinel answered"))))
    }

    /// The master last connected to, or the master's name before any.
    pub(super) fn server(&self) -> String {
        match &*self.last.lock().unwrap_or_else(PoisonError::into_inner) {
            Some(addr) => format!("{addr} (master {})", self.master),
            None => format!("master {} (through its sentinels)", self.master),
        }
    }
}

/// A connection whose connecting, reads and writes each give up after `timeout`.
pub(super) fn connect(client: &Client, timeout: Duration) -> RedisResult<Connection> {
    let con = client.get_connection_with_timeout(timeout)?;
    con.set_read_timeout(Some(timeout))?;
    con.set_write_timeout(Some(timeout))?;
    Ok(con)
}
