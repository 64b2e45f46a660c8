//! Two panel processes sharing a secret and a Redis (`PANEL_REDIS_URL`), as behind a load
//! balancer: each honours the other's logouts and password changes, and checks the passwords
//! changed on the other. The scenarios that hold for any shared server are functions over
//! [`SharedServer`], which `shared_postgres.rs` runs on PostgreSQL too.
//!
//! The test starts its own `redis-server` on a free loopback port, as `tests/redis.rs` does.
//! Without one installed it says so and passes, except under `CI=true`, where that fails.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::app::COOKIE_NAME;
use crate::support::{self, LOGIN, NEW_LOGIN, PanelProcess, TempDir};

/// A server of the test's own that panels share: what the scenarios below need of it.
pub trait SharedServer: Sized {
    /// The panel's variable that names the server.
    const VAR: &'static str;

    /// Starts one, or `None` when the test skips (the server is not installed, outside CI).
    fn start() -> Option<Self>;

    /// The port it listens on.
    fn port(&self) -> u16;

    /// The URL of this server, were it listening on `port` (a proxy in front of it).
    fn url_at(&self, port: u16) -> String;

    /// A panel process on `dir` that keeps its cut-offs and password hashes on this server.
    fn panel(&self, dir: &TempDir) -> PanelProcess {
        self.panel_via(dir, &self.url_at(self.port()))
    }

    /// A panel process whose server URL is `url` (a proxy in front of this server).
    fn panel_via(&self, dir: &TempDir, url: &str) -> PanelProcess {
        PanelProcess::start(&dir.0, &[(Self::VAR, url)], None)
    }
}

/// A `redis-server` of the test's own, with no persistence; killed when dropped.
pub struct Redis {
    child: Child,
    port: u16,
}

impl SharedServer for Redis {
    const VAR: &'static str = "PANEL_REDIS_URL";

    fn start() -> Option<Redis> {
        if let Err(e) = Command::new("redis-server").arg("--version").output() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "redis-server is required under CI=true: {e}"
            );
            eprintln!("skipping: redis-server is not installed ({e})");
            return None;
        }
        // The port is free when asked for, but another process may take it first: then the
        // server exits and another is tried.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let mut child = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("redis-server starts");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if child.try_wait().expect("redis-server status").is_some() {
                    break;
                }
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Some(Redis { child, port });
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("redis-server did not start");
    }

    fn port(&self) -> u16 {
        self.port
    }

    fn url_at(&self, port: u16) -> String {
        format!("redis://127.0.0.1:{port}/")
    }
}

impl Redis {
    fn url(&self) -> String {
        self.url_at(self.port)
    }

    /// A Redis of the test's own and one panel on it, with a state folder `name`; bound in
    /// this order, the panel is killed before its folder and Redis go. `None` when the test
    /// skips.
    fn with_panel(name: &str) -> Option<(Redis, TempDir, PanelProcess)> {
        let redis = Redis::start()?;
        let dir = TempDir::new(name);
        let panel = redis.panel(&dir);
        Some((redis, dir, panel))
    }

    /// Suspends the server (SIGSTOP): it still accepts connections but answers nothing, as a
    /// hung or very slow Redis would.
    fn freeze(&self) {
        self.signal("-STOP");
    }

    fn thaw(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args([signal, &pid]).status();
        assert!(status.expect("kill runs").success());
    }
}

/// Two panel processes sharing a server of the test's own, each with a state folder (its users
/// file) of its own. Bind the fields in this order (`Fleet { server, dirs, a, b }`), so that
/// the panels are killed before their folders and the server go.
struct Fleet<S> {
    server: S,
    dirs: [TempDir; 2],
    a: PanelProcess,
    b: PanelProcess,
}

impl<S: SharedServer> Fleet<S> {
    /// `None` when the test skips (the server is not installed, outside CI).
    fn start(name: &str) -> Option<Fleet<S>> {
        let server = S::start()?;
        let dirs = [
            TempDir::new(&format!("{name}-a")),
            TempDir::new(&format!("{name}-b")),
        ];
        let (a, b) = (server.panel(&dirs[0]), server.panel(&dirs[1]));
        Some(Fleet { server, dirs, a, b })
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `cookie` is refused by the panel at `addr`; how long it took.
async fn refused_within(addr: std::net::SocketAddr, cookie: &str, within: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let status = support::get(addr, "/status", Some(cookie)).await.status;
        if status == 401 {
            return start.elapsed();
        }
        assert_eq!(status, 200);
        assert!(start.elapsed() < within, "still served after {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn two_panels_sharing_a_redis_honour_each_others_logouts() {
    honour_each_others_logouts::<Redis>().await;
}

pub async fn honour_each_others_logouts<S: SharedServer>() {
    // Each instance has its own state folder (its users file); the cut-offs and the password
    // hashes are on the server.
    let Some(fleet) = Fleet::<S>::start("fleet") else {
        return;
    };
    let (a, b) = (&fleet.a, &fleet.b);

    // One login works on both: the same secret, and the same user id in both tables.
    let laptop = support::login(a.addr, COOKIE_NAME, LOGIN).await;
    let phone = support::login(b.addr, COOKIE_NAME, LOGIN).await;
    for addr in [a.addr, b.addr] {
        for cookie in [&laptop, &phone] {
            assert_eq!(
                support::get(addr, "/status", Some(cookie)).await.status,
                200
            );
        }
    }

    // "Log out all sessions" on B ends the laptop's session on A.
    let response = support::submit(b.addr, "/logout-everywhere", Some(&phone), "").await;
    assert_eq!(response.status, 303);
    let took = refused_within(a.addr, &laptop, Duration::from_secs(5)).await;
    eprintln!("a logout on B reached A in {took:?}");

    // A password change on A ends the user's other sessions on B, including logins made in
    // the same second as the cut-off above (stamped with it: the change's cut-off passes it).
    let here = support::login(a.addr, COOKIE_NAME, LOGIN).await;
    let other = support::login(b.addr, COOKIE_NAME, LOGIN).await;
    let fresh = support::change_password(a.addr, COOKIE_NAME, &here).await;
    refused_within(b.addr, &other, Duration::from_secs(5)).await;
    assert_eq!(
        support::get(b.addr, "/status", Some(&fresh)).await.status,
        200
    );
}

/// Asks the panel at `addr` to change the demo password to `new`, whatever it answers.
async fn try_change(addr: std::net::SocketAddr, cookie: &str, new: &str) -> support::Response {
    let form = support::change_form("panel-demo-2024", new, new);
    support::submit(addr, "/password", Some(cookie), &form).await
}

#[tokio::test]
async fn a_password_changed_on_one_panel_is_changed_on_all() {
    password_changed_on_one_is_changed_on_all::<Redis>().await;
}

pub async fn password_changed_on_one_is_changed_on_all<S: SharedServer>() {
    let Some(Fleet { server, dirs, a, b }) = Fleet::<S>::start("users") else {
        return;
    };

    let here = support::login(a.addr, COOKIE_NAME, LOGIN).await;
    let fresh = support::change_password(a.addr, COOKIE_NAME, &here).await;

    // B never saw the change in its users file, and refuses the old password all the same.
    let old = support::post(b.addr, "/login", None, LOGIN).await;
    assert_eq!(old.login_error(), Some("wrong"));
    let on_b = support::login(b.addr, COOKIE_NAME, NEW_LOGIN).await;
    // No instance reminds of the demo password any more.
    for (addr, cookie) in [(a.addr, &fresh), (b.addr, &fresh), (b.addr, &on_b)] {
        let page = support::get(addr, "/status", Some(cookie)).await;
        assert_eq!(page.status, 200);
        assert!(!page.body.contains("demo password"), "{}", page.body);
    }

    // A restart of B, and a new instance C with a fresh users file (the demo hash), seed
    // the server only where it has no hash: neither brings the old password back.
    b.kill();
    let dir_c = TempDir::new("users-c");
    let b = server.panel(&dirs[1]);
    let c = server.panel(&dir_c);
    for panel in [&b, &c] {
        let old = support::post(panel.addr, "/login", None, LOGIN).await;
        assert_eq!(old.login_error(), Some("wrong"), "{}", panel.log_text());
        let cookie = support::login(panel.addr, COOKIE_NAME, NEW_LOGIN).await;
        let page = support::get(panel.addr, "/status", Some(&cookie)).await;
        assert!(!page.body.contains("demo password"), "{}", page.body);
    }
    // A keeps a copy of the change in its file (for a server that loses its data); B's file is
    // untouched, and not read: the server has the change.
    let demo_in = |dir: &TempDir| {
        std::fs::read_to_string(dir.0.join("users.json"))
            .expect("a users file")
            .contains("\"demo_password\": true")
    };
    assert!(!demo_in(&dirs[0]) && demo_in(&dirs[1]));

    // Without the server, logins and password changes fail closed: no fallback to the users
    // file, whose hash is the old password. Pages of a valid session are still served.
    drop(server);
    for panel in [&a, &b] {
        for form in [LOGIN, NEW_LOGIN] {
            let response = support::post(panel.addr, "/login", None, form).await;
            assert_eq!(response.login_error(), Some("unavailable"));
            assert!(response.set_cookie(COOKIE_NAME).is_none());
        }
    }
    let page = support::get(b.addr, "/login?error=unavailable", None).await;
    assert!(
        page.body.contains("password store is unreachable"),
        "{}",
        page.body
    );
    let form = "current=correct+horse+battery&new=another+long+one&again=another+long+one";
    let response = support::submit(b.addr, "/password", Some(&on_b), form).await;
    assert_eq!(response.status, 500);
    assert!(
        response.body.contains("could not be changed"),
        "{}",
        response.body
    );
}

#[tokio::test]
async fn racing_password_changes_on_two_panels_leave_one_password() {
    racing_changes_leave_one_password::<Redis>().await;
}

pub async fn racing_changes_leave_one_password<S: SharedServer>() {
    let Some(fleet) = Fleet::<S>::start("race") else {
        return;
    };
    let (a, b) = (&fleet.a, &fleet.b);
    let on_a = support::login(a.addr, COOKIE_NAME, LOGIN).await;
    let on_b = support::login(b.addr, COOKIE_NAME, LOGIN).await;

    // Both check the same current password at once; only one may replace it.
    let (from_a, from_b) = tokio::join!(
        try_change(a.addr, &on_a, "new password from a"),
        try_change(b.addr, &on_b, "new password from b"),
    );
    let changed = |response: &support::Response| {
        response.header("location") == Some(support::PASSWORD_CHANGED)
    };
    assert!(
        changed(&from_a) != changed(&from_b),
        "exactly one change wins: A {:?}, B {:?}",
        from_a.header("location"),
        from_b.header("location")
    );
    let (winner, loser) = if changed(&from_a) {
        ("new+password+from+a", "new+password+from+b")
    } else {
        ("new+password+from+b", "new+password+from+a")
    };
    // The loser was refused as a wrong current password, or its session had already ended.
    let lost = if changed(&from_a) { &from_b } else { &from_a };
    eprintln!(
        "the losing change: {} {:?}",
        lost.status,
        lost.header("location")
    );
    assert!(
        lost.header("location") == Some("/password?error=wrong") || lost.status == 401,
        "{} {:?}",
        lost.status,
        lost.header("location")
    );
    for addr in [a.addr, b.addr] {
        for (password, error) in [
            ("panel-demo-2024", Some("wrong")),
            (loser, Some("wrong")),
            (winner, None),
        ] {
            let form = format!("user=admin&password={password}");
            let response = support::post(addr, "/login", None, &form).await;
            assert_eq!(response.login_error(), error, "{password} on {addr}");
        }
    }
}

/// A TCP proxy in front of a server that, once armed, holds back for 3 s the server's reply to
/// the request that holds every one of `request` (the password change), as a server stalled by
/// an `fsync`, a fork or a congested network would: the request itself reaches the server and
/// runs at once; only its answer is late (past the panel's 2 s timeout).
struct SlowReplies {
    port: u16,
    armed: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl SlowReplies {
    fn start(server_port: u16, request: &'static [&'static [u8]]) -> SlowReplies {
        use std::io::{Read, Write};
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let listener = TcpListener::bind("127.0.0.1:0").expect("a proxy port");
        let port = listener.local_addr().expect("its address").port();
        let armed = Arc::new(AtomicBool::new(false));
        let armed_all = Arc::clone(&armed);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let Ok(server) = std::net::TcpStream::connect(("127.0.0.1", server_port)) else {
                    continue;
                };
                let flagged = Arc::new(AtomicBool::new(false));
                let (mut from, mut to) = (
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                );
                let (armed, flag) = (Arc::clone(&armed_all), Arc::clone(&flagged));
                std::thread::spawn(move || {
                    let mut buf = vec![0; 1 << 16];
                    loop {
                        let n = match from.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        let chunk = &buf[..n];
                        let has = |needle: &[u8]| chunk.windows(needle.len()).any(|w| w == needle);
                        if armed.load(Ordering::SeqCst) && request.iter().all(|part| has(part)) {
                            flag.store(true, Ordering::SeqCst);
                        }
                        if to.write_all(chunk).is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown(std::net::Shutdown::Write);
                });
                let (mut from, mut to) = (server, client);
                std::thread::spawn(move || {
                    let mut buf = vec![0; 1 << 16];
                    loop {
                        let n = match from.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        let chunk = &buf[..n];
                        // Redis's "run the script itself" passes at once: the answer held is
                        // the one to the script's run.
                        if flagged.swap(false, Ordering::SeqCst) && !chunk.starts_with(b"-NOSCRIPT")
                        {
                            std::thread::sleep(Duration::from_secs(3));
                        }
                        if to.write_all(chunk).is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        SlowReplies { port, armed }
    }

    fn arm(&self) {
        self.armed.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A password change whose reply from Redis comes after the panel's 2 s timeout may be stored
/// all the same: the panel cannot tell, so it must end every session of the old password (a
/// thief's included) rather than answer "not changed" and leave them open.
#[tokio::test]
async fn a_password_change_with_a_late_reply_still_ends_the_old_sessions() {
    // The password script, run by its hash.
    late_reply_still_ends_the_old_sessions::<Redis>(&[b"EVALSHA", b"sigcookie:panel:passwords"])
        .await;
}

/// The password change is the request that holds every one of `request`.
pub async fn late_reply_still_ends_the_old_sessions<S: SharedServer>(
    request: &'static [&'static [u8]],
) {
    let Some(server) = S::start() else {
        return;
    };
    let proxy = SlowReplies::start(server.port(), request);
    let dir = TempDir::new("late-reply");
    let panel = server.panel_via(&dir, &server.url_at(proxy.port));

    let thief = support::login(panel.addr, COOKIE_NAME, LOGIN).await;
    let owner = support::login(panel.addr, COOKIE_NAME, LOGIN).await;
    proxy.arm();
    let form = support::change_form(
        "panel-demo-2024",
        support::NEW_PASSWORD,
        support::NEW_PASSWORD,
    );
    let response = support::submit(panel.addr, "/password", Some(&owner), &form).await;
    eprintln!(
        "the change answered {} {:?}",
        response.status,
        response.header("location")
    );
    // Let the held reply go, and any revocation propagate.
    tokio::time::sleep(Duration::from_secs(4)).await;

    let new_works = support::post(panel.addr, "/login", None, NEW_LOGIN).await;
    let changed = new_works.login_error().is_none();
    eprintln!(
        "the new password is in force: {changed}; the old one: {:?}",
        support::post(panel.addr, "/login", None, LOGIN)
            .await
            .login_error()
    );
    if changed {
        assert_eq!(
            support::get(panel.addr, "/status", Some(&thief))
                .await
                .status,
            401,
            "the password was changed (the panel said {}), yet a session opened with the old \
             password is still served",
            response.status
        );
    }
}

/// "Log out all sessions" waits on Redis (a transaction, with a 2 s timeout per step): off the
/// async threads, so that while Redis hangs other requests, even pages that never touch Redis,
/// are still answered at once.
#[tokio::test]
async fn a_revocation_waiting_on_redis_does_not_stall_other_requests() {
    let Some((redis, _dir, panel)) = Redis::with_panel("stall") else {
        return;
    };
    let one = support::login(panel.addr, COOKIE_NAME, LOGIN).await;
    let two = support::login(panel.addr, COOKIE_NAME, LOGIN).await;
    // The confirmation pages, with their CSRF tokens, were loaded before Redis hangs.
    let mut forms = Vec::new();
    for cookie in [one, two] {
        let token = support::csrf_token(panel.addr, "/logout-everywhere", &cookie)
            .await
            .expect("the confirmation page's token");
        forms.push((cookie, support::with_csrf(&token, "")));
    }

    redis.freeze();
    let addr = panel.addr;
    let clicks: Vec<_> = forms
        .into_iter()
        .map(|(cookie, form)| {
            tokio::spawn(async move {
                support::post(addr, "/logout-everywhere", Some(&cookie), &form)
                    .await
                    .status
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The login form: no cookie, no Redis, nothing to wait for.
    let start = Instant::now();
    let page = support::get(addr, "/login", None).await;
    let took = start.elapsed();
    redis.thaw();
    for click in clicks {
        let _ = click.await;
    }
    eprintln!("GET /login answered {} after {took:?}", page.status);
    assert_eq!(page.status, 200);
    assert!(
        took < Duration::from_secs(1),
        "GET /login took {took:?} while two revocations waited on Redis"
    );
}

/// With shared passwords a change never touches `users.json`, whose `demo_password: true`
/// stays: once the panel has seen the password changed, its status pages stop asking Redis
/// (a connection each), and do not wait on a hung one.
#[tokio::test]
async fn status_pages_after_the_change_do_not_wait_on_redis() {
    let Some((redis, _dir, panel)) = Redis::with_panel("status-redis") else {
        return;
    };
    let first = support::login(panel.addr, COOKIE_NAME, LOGIN).await;
    let fresh = support::change_password(panel.addr, COOKIE_NAME, &first).await;
    assert_eq!(
        support::get(panel.addr, "/status", Some(&fresh))
            .await
            .status,
        200
    );

    let mut raw = redis::Client::open(redis.url().as_str())
        .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(2)))
        .expect("a connection");
    let connections = |raw: &mut redis::Connection| -> u64 {
        let info: String = redis::cmd("INFO").arg("stats").query(raw).expect("INFO");
        info.lines()
            .find_map(|l| l.strip_prefix("total_connections_received:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("total_connections_received")
    };
    let before = connections(&mut raw);
    for _ in 0..20 {
        assert_eq!(
            support::get(panel.addr, "/status", Some(&fresh))
                .await
                .status,
            200
        );
    }
    let opened = connections(&mut raw) - before;
    eprintln!("20 status pages opened {opened} connections to Redis");

    redis.freeze();
    let start = Instant::now();
    let page = support::get(panel.addr, "/status", Some(&fresh)).await;
    let took = start.elapsed();
    redis.thaw();
    eprintln!(
        "GET /status with Redis hung: {} after {took:?}",
        page.status
    );
    assert!(
        opened < 5 && took < Duration::from_secs(1),
        "after the demo password was changed, 20 status pages opened {opened} Redis \
         connections, and one took {took:?} with Redis hung"
    );
}

/// A panel that saw the demo password changed stops asking Redis about it, but the README's
/// "Redis must keep its data" case brings it back: after a flush, the next panel to start
/// seeds the users file's hash, the demo password. A login with it must bring the warning back.
#[tokio::test]
async fn the_demo_password_reseeded_after_a_flush_is_still_flagged() {
    let Some(Fleet {
        server: redis,
        dirs,
        a,
        b,
    }) = Fleet::<Redis>::start("reseed")
    else {
        return;
    };
    let here = support::login(a.addr, COOKIE_NAME, LOGIN).await;
    let fresh = support::change_password(a.addr, COOKIE_NAME, &here).await;
    let page = support::get(a.addr, "/status", Some(&fresh)).await;
    assert!(!page.body.contains("demo password"));

    // Redis loses its data (no persistence, a flush); B restarts and seeds its file's hash.
    let mut raw = redis::Client::open(redis.url().as_str())
        .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(2)))
        .expect("a connection");
    let _: () = redis::cmd("FLUSHALL").query(&mut raw).expect("FLUSHALL");
    b.kill();
    let _b = redis.panel(&dirs[1]);

    // The demo password works again on A (documented), and A should say so.
    let demo = support::login(a.addr, COOKIE_NAME, LOGIN).await;
    let page = support::get(a.addr, "/status", Some(&demo)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("demo password"),
        "logged in on A with the demo password, and A does not warn"
    );
}
