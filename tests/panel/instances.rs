//! Two panel processes sharing a secret and a Redis (`PANEL_REDIS_URL`), as behind a load
//! balancer: each honours the other's logouts and password changes, and checks the passwords
//! changed on the other.
//!
//! The test starts its own `redis-server` on a free loopback port, as `tests/redis.rs` does.
//! Without one installed it says so and passes, except under `CI=true`, where that fails.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::app::COOKIE_NAME;
use crate::support::{self, LOGIN, NEW_LOGIN, PanelProcess, TempDir};

/// A `redis-server` of the test's own, with no persistence; killed when dropped.
struct Redis {
    child: Child,
    port: u16,
}

impl Redis {
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

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// A panel process on `dir` that keeps its cut-offs and password hashes in this Redis.
    fn panel(&self, dir: &TempDir) -> PanelProcess {
        PanelProcess::start(&dir.0, &[("PANEL_REDIS_URL", self.url().as_str())], None)
    }
}

/// Two panel processes sharing a Redis of the test's own, each with a state folder (its users
/// file) of its own. Bind the fields in this order (`Fleet { redis, dirs, a, b }`), so that the
/// panels are killed before their folders and Redis go.
struct Fleet {
    redis: Redis,
    dirs: [TempDir; 2],
    a: PanelProcess,
    b: PanelProcess,
}

impl Fleet {
    /// `None` when the test skips (no `redis-server`, outside CI).
    fn start(name: &str) -> Option<Fleet> {
        let redis = Redis::start()?;
        let dirs = [
            TempDir::new(&format!("{name}-a")),
            TempDir::new(&format!("{name}-b")),
        ];
        let (a, b) = (redis.panel(&dirs[0]), redis.panel(&dirs[1]));
        Some(Fleet { redis, dirs, a, b })
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
    // Each instance has its own state folder (its users file); the cut-offs and the password
    // hashes are in Redis.
    let Some(Fleet {
        redis,
        dirs: _dirs,
        a,
        b,
    }) = Fleet::start("fleet")
    else {
        return;
    };

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
    let response = support::post(b.addr, "/logout-everywhere", Some(&phone), "").await;
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
    drop(redis);
}

/// Asks the panel at `addr` to change the demo password to `new`, whatever it answers.
async fn try_change(addr: std::net::SocketAddr, cookie: &str, new: &str) -> support::Response {
    let form = support::change_form("panel-demo-2024", new, new);
    support::post(addr, "/password", Some(cookie), &form).await
}

#[tokio::test]
async fn a_password_changed_on_one_panel_is_changed_on_all() {
    let Some(Fleet { redis, dirs, a, b }) = Fleet::start("users") else {
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
    // Redis only where it has no hash: neither brings the old password back.
    b.kill();
    let dir_c = TempDir::new("users-c");
    let b = redis.panel(&dirs[1]);
    let c = redis.panel(&dir_c);
    for panel in [&b, &c] {
        let old = support::post(panel.addr, "/login", None, LOGIN).await;
        assert_eq!(old.login_error(), Some("wrong"), "{}", panel.log_text());
        let cookie = support::login(panel.addr, COOKIE_NAME, NEW_LOGIN).await;
        let page = support::get(panel.addr, "/status", Some(&cookie)).await;
        assert!(!page.body.contains("demo password"), "{}", page.body);
    }
    assert!(
        std::fs::read_to_string(dirs[1].0.join("users.json"))
            .expect("B's users file")
            .contains("\"demo_password\": true"),
        "B's file is untouched: only Redis has the change"
    );

    // Without Redis, logins and password changes fail closed: no fallback to the users file,
    // whose hash is the old password. Pages of a valid session are still served.
    drop(redis);
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
    // Once an instance has seen the demo password changed, its status pages no longer ask
    // Redis about it (one connection per page would not do under load): no warning here.
    for panel in [&a, &b, &c] {
        assert_eq!(
            support::get(panel.addr, "/status", Some(&fresh)).await.status,
            200
        );
        let log = panel.log_text();
        assert!(!log.contains("demo password is still set"), "{log}");
    }
    let form = "current=correct+horse+battery&new=another+long+one&again=another+long+one";
    let response = support::post(b.addr, "/password", Some(&on_b), form).await;
    assert_eq!(response.status, 500);
    assert!(
        response.body.contains("could not be changed"),
        "{}",
        response.body
    );
}

#[tokio::test]
async fn racing_password_changes_on_two_panels_leave_one_password() {
    let Some(Fleet {
        redis,
        dirs: _dirs,
        a,
        b,
    }) = Fleet::start("race")
    else {
        return;
    };
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
            let form = format!("username=admin&password={password}");
            let response = support::post(addr, "/login", None, &form).await;
            assert_eq!(response.login_error(), error, "{password} on {addr}");
        }
    }
    drop(redis);
}
