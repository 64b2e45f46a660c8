//! `redis-server` processes of a test's own, on free loopback ports (the Sentinel and Cluster
//! tests).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use redis::Connection;

pub use super::servers::free_port;

/// Whether every one of `tools` runs (`<tool> --version`).
pub fn installed(tools: &[&str]) -> bool {
    tools
        .iter()
        .all(|tool| Command::new(tool).arg("--version").output().is_ok())
}

/// The arguments of a `redis-server` of a test's own on `port`: loopback only, no persistence,
/// its files in `dir`, `dump` its snapshot's file name.
pub fn node_args(dir: &Path, port: u16, dump: &str) -> Vec<String> {
    [
        "--port",
        &port.to_string(),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        &dir.display().to_string(),
        "--dbfilename",
        dump,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// A process of the test's own, killed when dropped.
pub struct Process {
    child: Child,
    pub port: u16,
    /// What started it, for a restart on the same port.
    dir: PathBuf,
    name: String,
    args: Vec<String>,
}

impl Process {
    /// `redis-server` with `args` on a free port, logging into `dir`; another port is tried if
    /// it did not answer PING (its port was taken in between).
    pub fn spawn(dir: &Path, name: &str, args: impl Fn(u16) -> Vec<String>) -> Process {
        for _ in 0..5 {
            let port = free_port();
            let child = start(dir, name, port, &args(port));
            let mut process = Process {
                child,
                port,
                dir: dir.to_owned(),
                name: name.to_owned(),
                args: args(port),
            };
            if process.answers() {
                return process;
            }
            let _ = process.child.kill();
            let _ = process.child.wait();
        }
        panic!("redis-server {name} did not start; see {}", dir.display());
    }

    /// Sends `signal` (`-STOP`, `-CONT`, `-KILL`) to the process.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args([signal, &pid]).status();
        assert!(status.expect("kill runs").success(), "kill {signal} {pid}");
    }

    /// Starts the process again, on the same port and with the same arguments, once it has
    /// ended (after `signal("-KILL")`): a restart.
    pub fn respawn(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = start(&self.dir, &self.name, self.port, &self.args);
        assert!(
            self.answers(),
            "{} did not restart on {}",
            self.name,
            self.port
        );
    }

    /// Whether it answers PING within 10 s.
    fn answers(&self) -> bool {
        eventually_ok(Duration::from_secs(10), || {
            redis::cmd("PING").query::<String>(&mut self.raw()?)
        })
    }

    pub fn raw(&self) -> redis::RedisResult<Connection> {
        let con = redis::Client::open(format!("redis://127.0.0.1:{}/", self.port))?
            .get_connection_with_timeout(Duration::from_secs(2))?;
        con.set_read_timeout(Some(Duration::from_secs(5)))?;
        Ok(con)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `redis-server` with `args`, its output appended to its log in `dir`.
fn start(dir: &Path, name: &str, port: u16, args: &[String]) -> Child {
    let log = std::fs::File::options()
        .create(true)
        .append(true)
        .open(dir.join(format!("{name}-{port}.log")))
        .expect("log");
    Command::new("redis-server")
        .args(args)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("redis-server starts")
}

/// Tries `f` every 50 ms until it succeeds; whether it did within `within`.
pub fn eventually_ok<T>(within: Duration, f: impl Fn() -> redis::RedisResult<T>) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if f().is_ok() {
            return true;
        }
        thread::sleep(Duration::from_millis(50));
    }
    false
}
