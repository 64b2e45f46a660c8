//! `RedisStore` against a real `redis-server`: each test starts its own on a free loopback port,
//! with its data in a temporary folder and AOF persistence (fsync on every write), and kills it
//! at the end.
//!
//! When `redis-server` is missing a test says so and passes, except under `CI=true`, where a
//! missing server is a failure: CI installs it. Built only with the `redis` feature, which the
//! crate's dev-dependency on itself turns on for `cargo test`.
#![cfg(feature = "redis")]

mod common;

use common::fleet::{PROPAGATION, RECONNECT, Server as _, drops_within, eventually};
use common::process::free_port;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

use redis::Connection;
use sigcookie::store::{CutoffStore, RedisStore, StoreError};
use sigcookie::{Cutoffs, Revocations};

/// A `redis-server` of the test's own; killed, and its folder removed, when dropped.
struct Server {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    /// More options for `redis-server`.
    options: &'static [&'static str],
}

impl Server {
    /// Starts a server, or `None` (the test skips) when `redis-server` is not installed.
    fn start() -> Option<Server> {
        Server::start_with(&[])
    }

    /// A node of a Redis Cluster of its own that serves every hash slot: it runs what a
    /// cluster runs, and refuses what a cluster refuses (`CROSSSLOT`).
    fn start_cluster_node() -> Option<Server> {
        let server = Server::start_with(&["--cluster-enabled", "yes"])?;
        let mut raw = server.raw();
        redis::cmd("CLUSTER")
            .arg("ADDSLOTSRANGE")
            .arg(0)
            .arg(16383)
            .exec(&mut raw)
            .expect("CLUSTER ADDSLOTSRANGE");
        eventually("the cluster is up", Duration::from_secs(10), || {
            let info: String = redis::cmd("CLUSTER")
                .arg("INFO")
                .query(&mut server.raw())
                .expect("CLUSTER INFO");
            info.contains("cluster_state:ok")
        });
        Some(server)
    }

    fn start_with(options: &'static [&'static str]) -> Option<Server> {
        let found = common::process::installed(&["redis-server"]);
        if !common::server_installed("redis-server", found) {
            return None;
        }
        let dir = common::server_folder("redis");
        let mut server = Server {
            child: None,
            port: 0,
            dir,
            options,
        };
        // The port is free when asked for, but another process may take it before the server
        // binds it: then the server exits, and another port is tried.
        for _ in 0..5 {
            server.port = free_port();
            if server.spawn() {
                return Some(server);
            }
        }
        panic!("redis-server did not start; see {}", server.dir.display());
    }

    /// Starts the server on its port and folder; whether it answers PING.
    fn spawn(&mut self) -> bool {
        let log = std::fs::File::options()
            .create(true)
            .append(true)
            .open(self.dir.join("redis.log"))
            .expect("log file");
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .arg("--dir")
            .arg(&self.dir)
            .args([
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ])
            .args(["--daemonize", "no", "--logfile", ""])
            .args(self.options)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("redis-server starts");
        let child = self.child.insert(child);
        let url = format!("redis://127.0.0.1:{}/", self.port);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if child.try_wait().expect("redis-server status").is_some() {
                self.child = None;
                return false;
            }
            let ping = redis::Client::open(url.as_str())
                .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(200)))
                .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c));
            if ping.is_ok() {
                return true;
            }
            thread::sleep(Duration::from_millis(20));
        }
        self.stop();
        false
    }

    /// Kills the server at once (SIGKILL, as a crash): what it acknowledged is in its AOF.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Suspends the server (SIGSTOP): it still accepts connections but answers nothing, as a
    /// hung host would.
    fn freeze(&self) {
        self.signal("-STOP");
    }

    /// Resumes a frozen server.
    fn thaw(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let status = Command::new("kill").args([signal, &pid]).status();
        assert!(status.expect("kill runs").success());
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// A direct connection, for writing to Redis without the store.
    fn raw(&self) -> Connection {
        redis::Client::open(self.url().as_str())
            .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(2)))
            .expect("raw connection")
    }

    /// Cuts every subscriber's connection: until an instance's sync thread reconnects (0.1 s
    /// later at the soonest) and reloads, its copy misses what other instances revoke, as it
    /// would during a longer reconnection or after a lost message.
    fn cut_subscribers(&self) {
        let _: redis::Value = redis::cmd("CLIENT")
            .arg("KILL")
            .arg("TYPE")
            .arg("pubsub")
            .query(&mut self.raw())
            .expect("CLIENT KILL");
    }
}

impl common::fleet::Server for Server {
    type Store = RedisStore;

    fn store(&self) -> RedisStore {
        RedisStore::connect(&self.url()).expect("store connects")
    }

    fn store_failing_closed_after(&self, bound: Duration) -> RedisStore {
        RedisStore::builder(&self.url())
            .connect_timeout(Duration::from_millis(500))
            .fail_closed_after(bound)
            .build()
            .expect("store connects")
    }

    fn freeze(&self) {
        Server::freeze(self);
    }

    fn thaw(&self) {
        Server::thaw(self);
    }

    fn stop(&mut self) {
        Server::stop(self);
    }

    fn spawn(&mut self) -> bool {
        Server::spawn(self)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Shows the store's warnings with `--nocapture`, and keeps them for [`logged`].
fn logs() {
    let _ = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(|| Capture)
        .try_init();
}

/// Everything the stores of every test logged, for a test to look for its own lines.
static LOGS: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// The lines logged that hold every one of `parts`.
fn logged(parts: &[&str]) -> Vec<String> {
    let logs = LOGS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    logs.lines()
        .filter(|line| parts.iter().all(|part| line.contains(part)))
        .map(str::to_owned)
        .collect()
}

/// A log writer into [`LOGS`] and the test's output.
struct Capture;

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        LOGS.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push_str(&text);
        eprint!("{text}");
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn hget(con: &mut Connection, key: &str, field: &str) -> Option<String> {
    redis::cmd("HGET")
        .arg(key)
        .arg(field)
        .query(con)
        .expect("HGET")
}

fn get(con: &mut Connection, key: &str) -> Option<String> {
    redis::cmd("GET").arg(key).query(con).expect("GET")
}

#[test]
fn a_revocation_reaches_the_other_instances() {
    let Some(server) = Server::start() else {
        return;
    };
    logs();
    let open = || {
        RedisStore::builder(&server.url())
            .prefix("fleet1")
            .build()
            .expect("store connects")
    };
    let (a, b) = (open(), open());
    assert_eq!(b.cutoffs("42"), Cutoffs::NONE);

    // Timed from the call to revoke to the other instance's lookup showing it.
    let start = Instant::now();
    a.revoke_user("42", 1_000).expect("revoked");
    assert_eq!(
        a.cutoffs("42"),
        Cutoffs::at(1_000),
        "at once on the instance that revoked"
    );
    let returned = start.elapsed();
    eventually("B sees the user's cut-off", PROPAGATION, || {
        b.cutoffs("42") == Cutoffs::at(1_000)
    });
    let user = start.elapsed();
    assert_eq!(b.cutoffs("7"), Cutoffs::NONE, "other users unaffected");

    let start = Instant::now();
    a.revoke_all(2_000).expect("revoked");
    eventually("B sees the global cut-off", PROPAGATION, || {
        b.global() == Some(2_000)
    });
    let global = start.elapsed();
    assert_eq!(b.cutoffs("7"), Cutoffs::at(2_000));
    eprintln!(
        "propagation A -> B: revoke_user returned after {returned:?}, B refused after {user:?}; \
         revoke_all reached B after {global:?}"
    );

    // The data is where the documentation says, under the prefix.
    let mut raw = server.raw();
    assert_eq!(
        hget(&mut raw, "{fleet1}:users", "42").as_deref(),
        Some("1000")
    );
    assert_eq!(get(&mut raw, "{fleet1}:global").as_deref(), Some("2000"));

    // A store dropped stops its thread promptly.
    drops_within(a, Duration::from_secs(2));
}

/// Two revocations "until now" in the same second on two instances, the second one's copy
/// behind the first's: the second must still move the cut-off past the first one (and so past
/// a login stamped with it), judging what Redis holds rather than its copy.
#[test]
fn a_revocation_on_a_lagging_instance_passes_the_other_instances_cut_off() {
    const NOW: u64 = 1_764_000_000;
    let Some(server) = Server::start() else {
        return;
    };
    logs();
    let (a, b) = (server.store(), server.store());
    // A password change on A, and another on B whose copy has not seen it.
    server.cut_subscribers();
    assert_eq!(a.revoke_user_until("7", NOW).expect("revoked"), NOW + 1);
    assert_eq!(b.revoke_user_until("7", NOW).expect("revoked"), NOW + 2);
    // Log out everywhere on B, still behind A's new change: past A's user cut-off.
    server.cut_subscribers();
    assert_eq!(a.revoke_user_until("8", NOW).expect("revoked"), NOW + 1);
    assert_eq!(b.revoke_all_until(NOW, 60).expect("revoked"), NOW + 3);
    // And log out everywhere on A, behind B's: past it again.
    server.cut_subscribers();
    assert_eq!(a.revoke_all_until(NOW, 60).expect("revoked"), NOW + 4);
    eventually("both copies agree", RECONNECT, || {
        [&a, &b].iter().all(|store| {
            store.global() == Some(NOW + 4)
                && store.cutoffs("7") == Cutoffs::at(NOW + 4)
                && store.cutoffs("9") == Cutoffs::at(NOW + 4)
        })
    });
    let mut raw = server.raw();
    assert_eq!(
        hget(&mut raw, "{sigcookie:cutoffs}:users", "7").as_deref(),
        Some("1764000002")
    );
    assert_eq!(
        get(&mut raw, "{sigcookie:cutoffs}:global").as_deref(),
        Some("1764000004")
    );
    assert!(matches!(
        b.revoke_user_until("a b", NOW),
        Err(StoreError::InvalidId(_))
    ));
}

#[test]
fn an_instance_started_after_a_revocation_refuses_from_its_first_lookup() {
    let Some(server) = Server::start() else {
        return;
    };
    logs();
    let a = server.store();
    a.revoke_user("42", 1_000).expect("revoked");
    a.revoke_all(500).expect("revoked");

    let b = server.store();
    assert_eq!(b.cutoffs("42"), Cutoffs::at(1_000));
    assert_eq!(b.cutoffs("7"), Cutoffs::at(500));
    assert_eq!(b.global(), Some(500));
}

#[test]
fn no_cut_off_is_lost_when_redis_restarts() {
    let Some(mut server) = Server::start() else {
        return;
    };
    logs();
    common::fleet::no_cut_off_is_lost_when_the_server_restarts(&mut server);
}

#[test]
fn while_redis_is_down_revocations_fail_and_lookups_keep_the_last_cut_offs() {
    let Some(mut server) = Server::start() else {
        return;
    };
    logs();
    let open = || {
        RedisStore::builder(&server.url())
            .connect_timeout(Duration::from_secs(1))
            .build()
            .expect("store connects")
    };
    let (a, b) = (open(), open());
    a.revoke_user("42", 1_000).expect("revoked");
    eventually("B sees it", PROPAGATION, || {
        b.cutoffs("42") == Cutoffs::at(1_000)
    });

    // Hung: connections are accepted, nothing is answered.
    server.freeze();
    let start = Instant::now();
    let result = a.revoke_user("43", 2_000);
    assert!(
        matches!(result, Err(StoreError::Unavailable { .. })),
        "{result:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(
        a.cutoffs("43"),
        Cutoffs::at(2_000),
        "in force here all the same"
    );

    // Gone: connections are refused.
    server.stop();
    let start = Instant::now();
    let result = b.revoke_all(3_000);
    assert!(
        matches!(result, Err(StoreError::Unavailable { .. })),
        "{result:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    let result = RedisStore::connect(&server.url());
    assert!(
        matches!(result, Err(StoreError::Unavailable { .. })),
        "no store without Redis"
    );

    // Lookups keep answering with the last known cut-offs, from memory.
    thread::sleep(Duration::from_millis(500));
    assert_eq!(a.cutoffs("42"), Cutoffs::at(1_000));
    assert_eq!(
        a.cutoffs("7"),
        Cutoffs::NONE,
        "B's failed revocation never reached A"
    );
    assert_eq!(
        b.cutoffs("42"),
        Cutoffs::at(3_000),
        "B's own is in force in B"
    );
    assert_eq!(
        b.cutoffs("43"),
        Cutoffs::at(3_000),
        "A's failed one never reached B"
    );

    // Dropping a store that cannot reach Redis does not hang on its thread.
    drops_within((a, b), Duration::from_secs(3));
}

/// The resync interval bounds how stale an instance can be, through an outage too: once Redis
/// is back, an instance that waited out a long outage finds it within its resync interval, not
/// after its reconnection backoff (which grows to 10 s).
#[test]
fn the_staleness_bound_holds_through_a_reconnect() {
    let Some(mut server) = Server::start() else {
        return;
    };
    logs();
    let resync = Duration::from_secs(1);
    let a = RedisStore::builder(&server.url())
        .resync_interval(resync)
        .connect_timeout(Duration::from_secs(1))
        .build()
        .expect("store connects");
    server.stop();
    // Long enough for a doubling backoff from 0.1 s to reach its 10 s ceiling.
    thread::sleep(Duration::from_secs(13));
    assert!(
        server.spawn(),
        "redis-server restarts on port {}",
        server.port
    );
    server
        .store()
        .revoke_user("42", 1_000)
        .expect("revoked the moment Redis is back");
    let late = eventually("A sees the revocation", RECONNECT, || {
        a.cutoffs("42") == Cutoffs::at(1_000)
    });
    // The resync interval, plus a connection's setup and a load on loopback.
    let bound = resync + Duration::from_millis(500);
    assert!(late <= bound, "seen after {late:?}, beyond {bound:?}");
}

#[test]
fn a_malformed_entry_refuses_that_user_only() {
    let Some(server) = Server::start() else {
        return;
    };
    logs();
    let a = RedisStore::builder(&server.url())
        .resync_interval(Duration::from_millis(200))
        .build()
        .expect("store connects");
    let mut raw = server.raw();
    for (id, value) in [
        ("42", "soon"),
        ("43", "0017"),
        ("44", "18446744073709551616"),
    ] {
        let _: () = redis::cmd("HSET")
            .arg("{sigcookie:cutoffs}:users")
            .arg(id)
            .arg(value)
            .query(&mut raw)
            .expect("HSET");
    }

    // An id no signer signs, and one that is not even UTF-8: refused too, and no harm done.
    let _: () = redis::cmd("HSET")
        .arg("{sigcookie:cutoffs}:users")
        .arg("bad id")
        .arg("5")
        .arg(&b"\xff"[..])
        .arg("5")
        .query(&mut raw)
        .expect("HSET");
    // Something else on the channel is ignored (and triggers a reload).
    let _: () = redis::cmd("PUBLISH")
        .arg("{sigcookie:cutoffs}:changes")
        .arg("hello")
        .query(&mut raw)
        .expect("PUBLISH");

    // A running instance finds it at its next reload (direct writes are not announced).
    // (A reload marks entries one by one: wait for all of them.)
    eventually("A refuses 42, 43 and 44", PROPAGATION, || {
        ["42", "43", "44"]
            .iter()
            .all(|id| a.cutoffs(id).is_unreadable())
    });
    // A new one from its first lookup.
    let b = server.store();
    for id in ["42", "43", "44"] {
        assert!(b.cutoffs(id).is_unreadable(), "{id}");
        assert!(a.cutoffs(id).is_unreadable(), "{id}");
    }
    assert!(b.cutoffs("bad id").is_unreadable());
    assert_eq!(b.cutoffs("7"), Cutoffs::NONE, "others unaffected");
    assert_eq!(a.cutoffs("7"), Cutoffs::NONE, "others unaffected");

    // A new revocation replaces the malformed entry, in Redis and everywhere.
    a.revoke_user("42", 5).expect("revoked");
    assert_eq!(
        hget(&mut raw, "{sigcookie:cutoffs}:users", "42").as_deref(),
        Some("5")
    );
    eventually("B reads 42 again", PROPAGATION, || {
        b.cutoffs("42") == Cutoffs::at(5)
    });
}

#[test]
fn a_malformed_global_cut_off_fails_closed() {
    let Some(server) = Server::start() else {
        return;
    };
    logs();
    let a = RedisStore::builder(&server.url())
        .resync_interval(Duration::from_millis(100))
        .build()
        .expect("store connects");
    a.revoke_all(1_000).expect("revoked");
    let mut raw = server.raw();
    let _: () = redis::cmd("SET")
        .arg("{sigcookie:cutoffs}:global")
        .arg("yesterday")
        .query(&mut raw)
        .expect("SET");

    // No new instance starts without the global cut-off...
    let result = RedisStore::connect(&server.url());
    assert!(
        matches!(result, Err(StoreError::Unavailable { .. })),
        "{result:?}"
    );
    // ...and a running one keeps the last one it knew, through several reloads.
    thread::sleep(Duration::from_millis(500));
    assert_eq!(a.global(), Some(1_000));

    // A new revocation replaces it, even an earlier one than the lost value.
    a.revoke_all(900).expect("revoked");
    assert_eq!(
        get(&mut raw, "{sigcookie:cutoffs}:global").as_deref(),
        Some("900")
    );
    let b = server.store();
    assert_eq!(b.global(), Some(900));
    assert_eq!(a.global(), Some(1_000), "never moves back locally");
}

#[test]
fn cut_offs_never_move_back() {
    let Some(server) = Server::start() else {
        return;
    };
    logs();
    let (a, b) = (server.store(), server.store());
    let mut raw = server.raw();
    let users = "{sigcookie:cutoffs}:users";

    a.revoke_user("42", 2_000).expect("revoked");
    a.revoke_user("42", 1_000)
        .expect("an earlier time is not an error");
    assert_eq!(hget(&mut raw, users, "42").as_deref(), Some("2000"));
    assert_eq!(a.cutoffs("42"), Cutoffs::at(2_000));

    a.revoke_all(900).expect("revoked");
    b.revoke_all(800).expect("an earlier time is not an error");
    assert_eq!(
        get(&mut raw, "{sigcookie:cutoffs}:global").as_deref(),
        Some("900")
    );

    // Beyond 2^53, where Lua's doubles cannot tell neighbours apart: compared as decimals.
    let big = 1_u64 << 53;
    a.revoke_user("big", big).expect("revoked");
    a.revoke_user("big", big + 1).expect("revoked");
    b.revoke_user("big", big).expect("revoked");
    assert_eq!(hget(&mut raw, users, "big"), Some((big + 1).to_string()));
    a.revoke_user("max", u64::MAX).expect("revoked");
    a.revoke_user("max", u64::MAX - 1).expect("revoked");
    assert_eq!(hget(&mut raw, users, "max"), Some(u64::MAX.to_string()));

    eventually("B has the latest of each", PROPAGATION, || {
        b.cutoffs("42") == Cutoffs::at(2_000)
            && b.cutoffs("big") == Cutoffs::at(big + 1)
            && b.cutoffs("max") == Cutoffs::at(u64::MAX)
            && b.global() == Some(900)
    });
    // Still so after a full reload (a new instance loads from scratch).
    let c = server.store();
    assert_eq!(c.cutoffs("42"), Cutoffs::at(2_000));
    assert_eq!(c.cutoffs("big"), Cutoffs::at(big + 1));
    assert_eq!(c.global(), Some(900));

    // An invalid id is refused before any network, and nothing is written.
    assert!(matches!(
        a.revoke_user("a b", 5),
        Err(StoreError::InvalidId(_))
    ));
    assert_eq!(hget(&mut raw, users, "a b"), None);
}

/// A Redis emptied under the fleet (`FLUSHALL`, or a restart without persistence) is reported
/// loudly, once per instance, and no instance lets a cut-off or a logout go back; an instance
/// started after knows only what Redis holds, until one "log out everywhere".
#[test]
fn a_flushed_redis_is_reported_loudly_and_no_cut_off_moves_back() {
    let Some(server) = Server::start() else {
        return;
    };
    logs();
    let open = || {
        RedisStore::builder(&server.url())
            .prefix("flushed")
            .resync_interval(Duration::from_millis(200))
            .build()
            .expect("store connects")
    };
    let (a, b) = (open(), open());
    a.revoke_user("42", 1_000).expect("revoked");
    a.revoke_all(500).expect("revoked");
    a.revoke_session("43", 2_000, 50_000).expect("logged out");
    eventually("B has them", PROPAGATION, || {
        b.cutoffs("42") == Cutoffs::at(1_000) && b.session_cutoffs("43", 2_000).is_logged_out()
    });

    redis::cmd("FLUSHALL")
        .exec(&mut server.raw())
        .expect("FLUSHALL");
    let report = ["ERROR", "{flushed}:global", "most likely flushed (FLUSHALL"];
    eventually("both report it", PROPAGATION, || logged(&report).len() == 2);
    for store in [&a, &b] {
        assert_eq!(store.cutoffs("42"), Cutoffs::at(1_000));
        assert_eq!(store.global(), Some(500));
        assert!(store.session_cutoffs("43", 2_000).is_logged_out());
    }
    // Once, not at every reload.
    thread::sleep(Duration::from_secs(1));
    assert_eq!(logged(&report).len(), 2, "{:?}", logged(&report));

    // A fresh instance knows what Redis holds: nothing. It reports nothing, having known nothing.
    let c = open();
    assert_eq!(c.cutoffs("42"), Cutoffs::NONE);
    assert_eq!(c.global(), None);
    // One "log out everywhere" ends every session on every instance, the fresh one included.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let cutoff = a.revoke_all_until(now, 60).expect("revoked");
    assert!(cutoff > now);
    eventually("C has it", PROPAGATION, || c.global() == Some(cutoff));
}

#[test]
fn an_instance_out_of_touch_past_its_bound_refuses_sessions_until_it_has_reloaded() {
    let Some(mut server) = Server::start() else {
        return;
    };
    logs();
    common::fleet::an_instance_out_of_touch_past_its_bound_refuses_sessions_until_it_has_reloaded(
        &mut server,
    );
}

/// Every key of a store is in one hash slot and every change is one script over them, never a
/// `WATCH`/`MULTI` transaction: so the store runs unchanged on a node of a Redis Cluster, which
/// refuses a script or a `WATCH` whose keys are in different slots.
#[test]
fn every_change_is_one_script_within_one_hash_slot_as_a_cluster_requires() {
    const NOW: u64 = 1_764_000_000;
    let Some(server) = Server::start_cluster_node() else {
        return;
    };
    logs();
    let open = || {
        RedisStore::builder(&server.url())
            .prefix("shop")
            .build()
            .expect("store connects")
    };
    let (a, b) = (open(), open());
    let mut raw = server.raw();
    let (evalsha, exec) = (
        command_calls(&mut raw, "evalsha"),
        command_calls(&mut raw, "exec"),
    );
    a.revoke_user("42", 1_000).expect("revoked");
    a.revoke_all(500).expect("revoked");
    assert_eq!(a.revoke_user_until("7", NOW).expect("revoked"), NOW + 1);
    assert_eq!(a.revoke_all_until(NOW, 60).expect("revoked"), NOW + 2);
    a.revoke_session("43", 2_000, 50_000).expect("logged out");
    eventually("B has every change", PROPAGATION, || {
        b.cutoffs("42") == Cutoffs::at(NOW + 2)
            && b.cutoffs("7") == Cutoffs::at(NOW + 2)
            && b.global() == Some(NOW + 2)
            && b.session_cutoffs("43", 2_000).is_logged_out()
    });
    assert_eq!(command_calls(&mut raw, "exec"), exec, "no transaction");
    assert_eq!(command_calls(&mut raw, "watch"), 0, "no transaction");
    assert!(
        command_calls(&mut raw, "evalsha") >= evalsha + 5,
        "scripts by their SHA1"
    );

    let mut keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut raw).expect("KEYS");
    keys.sort();
    assert_eq!(keys, ["{shop}:global", "{shop}:logouts", "{shop}:users"]);
    let slots: Vec<u16> = keys
        .iter()
        .map(|key| {
            redis::cmd("CLUSTER")
                .arg("KEYSLOT")
                .arg(key)
                .query(&mut raw)
                .expect("CLUSTER KEYSLOT")
        })
        .collect();
    assert!(slots.iter().all(|slot| *slot == slots[0]), "{slots:?}");

    // A prefix that cannot be a hash tag is refused: its keys would scatter over the slots.
    for prefix in ["", "}shop"] {
        let result = RedisStore::builder(&server.url()).prefix(prefix).build();
        assert!(
            matches!(result, Err(StoreError::Unavailable { server: None, .. })),
            "{prefix:?}: {result:?}"
        );
    }
}

/// `INFO commandstats`: how many times Redis has run `command` (lower case), 0 if never.
fn command_calls(con: &mut Connection, command: &str) -> u64 {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(con)
        .expect("INFO");
    let prefix = format!("cmdstat_{command}:calls=");
    info.lines()
        .find_map(|line| line.strip_prefix(prefix.as_str()))
        .and_then(|rest| rest.split(',').next())
        .and_then(|calls| calls.parse().ok())
        .unwrap_or(0)
}

/// A revocation "until now" must return while other instances keep revoking (it once ran in a
/// `WATCH`/`MULTI` transaction that each of their revocations aborted; it is one script now). With the fleet's 100,000 users (the size the README measures) a "log out
/// everywhere" reads long enough that one user revoked every 20 ms elsewhere aborts every
/// attempt: it must still return, after a bounded number of them.
#[test]
fn a_revocation_until_now_returns_while_other_instances_keep_revoking() {
    const NOW: u64 = 1_764_000_000;
    const USERS: usize = 100_000;
    let Some(server) = Server::start() else {
        return;
    };
    logs();
    let mut raw = server.raw();
    for chunk in (0..USERS).collect::<Vec<_>>().chunks(10_000) {
        let mut hset = redis::cmd("HSET");
        hset.arg("{sigcookie:cutoffs}:users");
        for i in chunk {
            hset.arg(format!("user{i}")).arg(1_000);
        }
        let _: u64 = hset.query(&mut raw).expect("HSET");
    }
    let (a, b) = (server.store(), server.store());
    let execs_before = command_calls(&mut raw, "exec");

    // Instance B: one user revoked every 20 ms.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let stop = std::sync::Arc::clone(&stop);
        thread::spawn(move || {
            let mut n = 0_u64;
            while !stop.load(Ordering::Relaxed) {
                b.revoke_user(&format!("busy{}", n % 50), NOW + n)
                    .expect("B revokes");
                n += 1;
                thread::sleep(Duration::from_millis(20));
            }
            b
        })
    };
    // Instance A: "log out everywhere".
    let (done, result) = std::sync::mpsc::channel();
    let started = Instant::now();
    let _log_out_everywhere = thread::spawn(move || {
        let _ = done.send(a.revoke_all_until(NOW, 60).map_err(|e| e.to_string()));
        a
    });
    let outcome = result.recv_timeout(Duration::from_secs(20));
    let execs = command_calls(&mut raw, "exec") - execs_before;
    stop.store(true, Ordering::Relaxed);
    let _ = writer.join();
    eprintln!(
        "revoke_all_until: {outcome:?} after {:?}; EXEC run {execs} times (aborted but one)",
        started.elapsed()
    );
    assert!(
        outcome.is_ok(),
        "revoke_all_until neither returned nor failed within 20 s while another instance \
         revoked one user every 20 ms ({execs} aborted transactions)"
    );
}

#[test]
fn an_unreachable_redis_is_named_by_host_and_port_never_by_its_password() {
    // Nothing listens on a port just freed: this needs no redis-server.
    let port = free_port();
    let url = format!("redis://sigcookie:hunter2@127.0.0.1:{port}/");
    let error = RedisStore::builder(&url)
        .connect_timeout(Duration::from_secs(1))
        .build()
        .expect_err("nothing listens there");
    let StoreError::Unavailable { server, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(
        server.as_deref(),
        Some(format!("127.0.0.1:{port}").as_str())
    );
    let (shown, debug) = (error.to_string(), format!("{error:?}"));
    assert!(
        shown.starts_with(&format!("redis cut-off store at 127.0.0.1:{port}: ")),
        "{shown}"
    );
    for text in [&shown, &debug] {
        assert!(!text.contains("hunter2"), "{text}");
    }
    // A URL that does not parse names no server, and does not echo the URL either.
    let error = RedisStore::connect("redis://sigcookie:hunter2@[::1/").expect_err("no URL");
    assert!(
        matches!(error, StoreError::Unavailable { server: None, .. }),
        "{error:?}"
    );
    assert!(
        !format!("{error} {error:?}").contains("hunter2"),
        "{error:?}"
    );
}

#[test]
fn a_session_logged_out_on_one_instance_is_refused_on_the_others_and_after_restarts() {
    let Some(mut server) = Server::start() else {
        return;
    };
    logs();
    let (a, b) = (server.store(), server.store());
    let start = Instant::now();
    a.revoke_session("42", 1_000, 50_000).expect("logged out");
    assert!(
        a.session_cutoffs("42", 1_000).is_logged_out(),
        "at once here"
    );
    let took = eventually("B refuses the session", PROPAGATION, || {
        b.session_cutoffs("42", 1_000).is_logged_out()
    });
    eprintln!("a logout on A reached B after {took:?} (started {start:?})");
    assert!(
        !b.session_cutoffs("42", 1_001).is_logged_out(),
        "another session of 42"
    );
    assert_eq!(b.cutoffs("42"), Cutoffs::NONE, "not the user");
    // A second logout of the same user from B keeps A's: the transaction reads the list.
    b.revoke_session("42", 2_000, 50_000).expect("logged out");
    let mut raw = server.raw();
    assert_eq!(
        hget(&mut raw, "{sigcookie:cutoffs}:logouts", "42").as_deref(),
        Some("1000:50000,2000:50000")
    );
    eventually("A has both", PROPAGATION, || {
        a.session_cutoffs("42", 2_000).is_logged_out()
    });

    // A new instance loads them, and so does one started after Redis restarted.
    assert!(server.store().session_cutoffs("42", 1_000).is_logged_out());
    drop((a, b));
    server.restart();
    let c = server.store();
    assert!(c.session_cutoffs("42", 1_000).is_logged_out());
    assert!(c.session_cutoffs("42", 2_000).is_logged_out());

    // A malformed list fails closed: the user's sessions are refused, until revoked again.
    redis::cmd("HSET")
        .arg("{sigcookie:cutoffs}:logouts")
        .arg("9")
        .arg("1000:x")
        .exec(&mut server.raw())
        .expect("written");
    assert!(server.store().session_cutoffs("9", 5).is_unreadable());
    // A logout over it cannot keep what the list held: every session of 9 up to now ends.
    let d = server.store();
    d.revoke_session("9", 2_000, 50_000).expect("logged out");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let cutoff = hget(&mut server.raw(), "{sigcookie:cutoffs}:users", "9")
        .and_then(|c| c.parse::<u64>().ok())
        .expect("a cut-off for 9");
    assert!(cutoff > now, "cut-off {cutoff}, now {now}");
    assert_eq!(
        hget(&mut server.raw(), "{sigcookie:cutoffs}:logouts", "9"),
        None
    );
}

#[test]
fn the_cap_on_a_users_logouts_holds_in_redis_and_fails_closed() {
    let Some(server) = Server::start() else {
        return;
    };
    let (a, b) = (server.store(), server.store());
    let cap = sigcookie::store::LOGOUTS_PER_USER as u64;
    for i in 0..=cap {
        a.revoke_session("42", 1_000 + i, 90_000)
            .expect("logged out");
    }
    // One over the cap: the oldest logout became the user's cut-off, in Redis and on B.
    let mut raw = server.raw();
    assert_eq!(
        hget(&mut raw, "{sigcookie:cutoffs}:users", "42").as_deref(),
        Some("1001")
    );
    eventually("B has the cut-off", PROPAGATION, || {
        b.cutoffs("42") == Cutoffs::at(1_001)
    });
    eventually("B has the newest logout", PROPAGATION, || {
        b.session_cutoffs("42", 1_000 + cap).is_logged_out()
    });
    for i in 0..=cap {
        let cutoffs = b.session_cutoffs("42", 1_000 + i);
        assert!(
            cutoffs.is_logged_out() || cutoffs.not_before() > Some(1_000 + i),
            "the logout of {} was forgotten",
            1_000 + i
        );
    }
}

#[test]
fn a_logout_under_a_storm_of_other_revocations_is_never_lost() {
    let Some(server) = Server::start() else {
        return;
    };
    logs();
    let (a, b) = (server.store(), server.store());
    // Other instances keep logging other users out as fast as they can, which aborts the
    // logout's transaction whenever one lands in between; and keep raising cut-offs, which
    // must not.
    let storm = Storm::start(&server, &["users", "logouts"]);
    let started = Instant::now();
    for i in 0..50u64 {
        a.revoke_session("42", 10_000 + i, 90_000)
            .expect("stored or failed closed");
    }
    storm.stop();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    // However each went (a transaction, or a cut-off when it kept being aborted), every one of
    // the 50 sessions is refused on the other instance.
    for i in 0..50u64 {
        let login = 10_000 + i;
        eventually("B refuses it", PROPAGATION, || {
            let cutoffs = b.session_cutoffs("42", login);
            cutoffs.is_logged_out() || cutoffs.not_before() > Some(login)
        });
    }
}

#[test]
fn other_instances_raising_cut_offs_do_not_turn_a_logout_into_one() {
    let Some(server) = Server::start() else {
        return;
    };
    let (a, b) = (server.store(), server.store());
    let storm = Storm::start(&server, &["users"]);
    let logins = 10_000..10_000 + sigcookie::store::LOGOUTS_PER_USER as u64;
    for login in logins.clone() {
        a.revoke_session("42", login, 90_000).expect("stored");
    }
    storm.stop();
    // Each one is a logout of its own session, not a cut-off for the user.
    for login in logins {
        eventually("B has the logout", PROPAGATION, || {
            b.session_cutoffs("42", login).is_logged_out()
        });
    }
    assert_eq!(b.cutoffs("42"), Cutoffs::NONE);
}

/// Another instance writing, as fast as it can, entries of other users into the hashes
/// `{prefix}:{hash}` of the default prefix (cut-offs in `users`, logouts in `logouts`), in
/// turn, until stopped.
struct Storm {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: thread::JoinHandle<()>,
}

impl Storm {
    fn start(server: &Server, hashes: &'static [&'static str]) -> Storm {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (flag, mut raw) = (stop.clone(), server.raw());
        let thread = thread::spawn(move || {
            let mut n = 0u64;
            while !flag.load(Ordering::Relaxed) {
                n += 1;
                let hash = hashes[(n % hashes.len() as u64) as usize];
                let value = match hash {
                    "logouts" => format!("{n}:{}", n + 1),
                    _ => format!("{n}"),
                };
                let _: redis::RedisResult<()> = redis::cmd("HSET")
                    .arg(format!("{{sigcookie:cutoffs}}:{hash}"))
                    .arg(format!("storm-{}", n % 64))
                    .arg(value)
                    .query(&mut raw);
            }
        });
        Storm { stop, thread }
    }

    fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("the storm ends");
    }
}
