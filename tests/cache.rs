//! Behind a real shared cache: Debian's nginx with `proxy_cache`, started by each test on a free
//! loopback port in front of an axum app that uses the crate as the README does (the
//! `SessionLayer` on the router, `SetCookie` in the handlers). The app says every page may be
//! cached by anyone for a minute (`Cache-Control: public, max-age=60`), and nginx is told to
//! cache every `200` for ten minutes, so it stores whatever it is allowed to. A second user, or
//! one with no cookie, must never receive the first user's `Set-Cookie` or page: not from a
//! login, a renewal on `/me`, or a logout.
//!
//! nginx on its own refuses to store any response with a `Set-Cookie`; RFC 9111 does not ask
//! that of a cache, and caches that follow only the RFC (or an nginx configured with
//! `proxy_ignore_headers Set-Cookie`, to cache pages that set a cookie) store them. The tests
//! run nginx so, and show on a route that sets a cookie by hand that it then hands that cookie
//! to the next visitor: only the crate's headers keep the session's out.
//!
//! When nginx is missing a test says so and passes, except under `CI=true`, where it fails: CI
//! installs it (`.ci/run`). nginx runs as the user running the tests, with its configuration,
//! logs, pid file, temporary files and cache in a temporary folder, in one process that is
//! killed when the test ends.
#![cfg(feature = "axum")]

mod client;
mod common;

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::header::{CACHE_CONTROL, SET_COOKIE};
use axum::response::IntoResponse;
use axum::routing::get;
use client::Reply;
use common::ManualClock;
use sigcookie::Key;
use sigcookie::tower::SessionLayer;
use sigcookie::web::{self, Session, SessionCookie};

const T0: u64 = 1_764_000_000;
/// The session cookie's name.
const NAME: &str = "__Host-s";

/// The caching headers the app puts on every page: anyone may keep it for a minute, and nginx
/// for ten (`X-Accel-Expires` takes precedence over `Cache-Control` in nginx).
fn public() -> [(axum::http::HeaderName, &'static str); 2] {
    [
        (CACHE_CONTROL, "public, max-age=60"),
        (
            axum::http::HeaderName::from_static("x-accel-expires"),
            "600",
        ),
    ]
}

/// What the app's handlers share: the cookie, and a serial number for each response, so that a
/// page served from the cache shows the number of the response it copies.
#[derive(Clone)]
struct App {
    cookie: SessionCookie,
    serial: Arc<AtomicU64>,
}

impl App {
    fn next(&self) -> u64 {
        self.serial.fetch_add(1, Ordering::SeqCst) + 1
    }
}

impl FromRef<App> for SessionCookie {
    fn from_ref(app: &App) -> SessionCookie {
        app.cookie.clone()
    }
}

/// `/guest`: a login as a new guest, the same URL for everyone (a "continue as guest" button).
async fn guest(State(app): State<App>) -> impl IntoResponse {
    let id = format!("guest{}", app.next());
    let cookie = app.cookie.issue(&id).expect("issued");
    (public(), cookie, format!("welcome {id}"))
}

/// `/me`: who is logged in, renewed past half the idle timeout; `401` without a session. The
/// caching header is a part to the right of the renewal, which replaces what the cookie's part
/// merged: the layer applies the rule again to the finished response.
async fn me(State(app): State<App>, session: Session) -> impl IntoResponse {
    let renewal = session.renewal(0.5).expect("renewal allowed");
    let n = app.next();
    (
        renewal,
        public(),
        format!("logged in as {} #{n}", session.id()),
    )
}

/// `/logout`: removes the cookie, whatever the request carried.
async fn logout(State(app): State<App>) -> impl IntoResponse {
    let n = app.next();
    (public(), app.cookie.removal(), format!("logged out #{n}"))
}

/// `/public`: a page with no session in it, which the cache may and does keep.
async fn public_page(State(app): State<App>) -> impl IntoResponse {
    (public(), format!("public #{}", app.next()))
}

/// `/by-hand`: a cookie set without the crate (a bare header of another cookie), as the
/// session's would go out without its caching headers.
async fn by_hand(State(app): State<App>) -> impl IntoResponse {
    let n = app.next();
    let set_cookie = format!("theme=dark-{n}; Path=/");
    (public(), [(SET_COOKIE, set_cookie)], format!("themed #{n}"))
}

/// The app on a free loopback port, its clock at [`T0`].
async fn serve_app() -> (SocketAddr, SessionCookie, ManualClock) {
    let clock = ManualClock::new(T0);
    let cookie = SessionCookie::builder(&Key::from_bytes(&[9; 32]).expect("key"), NAME)
        .max_age(web::Duration::hours(1))
        .clock(clock.clone())
        .build()
        .expect("valid");
    let app = App {
        cookie: cookie.clone(),
        serial: Arc::new(AtomicU64::new(0)),
    };
    let router = Router::new()
        .route("/guest", get(guest))
        .route("/me", get(me))
        .route("/logout", get(logout))
        .route("/public", get(public_page))
        .route("/by-hand", get(by_hand))
        .layer(SessionLayer::optional(cookie.clone()))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let addr = listener.local_addr().expect("the bound address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    (addr, cookie, clock)
}

/// nginx's binary: `nginx` on the `PATH`, else Debian's `/usr/sbin/nginx` (not on a normal
/// user's `PATH`); `None` when neither runs.
fn nginx_binary() -> Option<PathBuf> {
    ["nginx", "/usr/sbin/nginx"]
        .into_iter()
        .map(PathBuf::from)
        .find(|binary| {
            Command::new(binary)
                .arg("-v")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success())
        })
}

/// An nginx of the test's own, caching what the app behind it allows; killed, and its folder
/// removed, when dropped.
struct Nginx {
    child: Option<Child>,
    dir: PathBuf,
    addr: SocketAddr,
}

impl Nginx {
    /// Starts nginx in front of `app`, or `None` (the test skips) when it is not installed.
    fn start(app: SocketAddr) -> Option<Nginx> {
        let binary = nginx_binary();
        let what = "nginx (Debian's `nginx` package, on the PATH or in /usr/sbin)";
        if !common::server_installed(what, binary.is_some()) {
            return None;
        }
        let binary = binary?;
        let dir = common::server_folder("nginx");
        let mut nginx = Nginx {
            child: None,
            dir,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        // The port is free when asked for, but another process may take it before nginx binds
        // it: then nginx exits, and another port is tried.
        for _ in 0..5 {
            nginx.addr = free_port();
            if nginx.spawn(&binary, app) {
                return Some(nginx);
            }
        }
        panic!("nginx did not start; see {}", nginx.dir.display());
    }

    /// Starts nginx on its port; whether it accepts connections within 10 s.
    fn spawn(&mut self, binary: &Path, app: SocketAddr) -> bool {
        let conf = self.dir.join("nginx.conf");
        std::fs::write(&conf, config(&self.dir, self.addr, app)).expect("nginx.conf");
        let log = self.dir.join("error.log");
        let child = Command::new(binary)
            // `-e`: the log of the start itself, before the configuration is read (the default
            // is under /var/log, which a normal user cannot write).
            .arg("-e")
            .arg(&log)
            .arg("-p")
            .arg(&self.dir)
            .arg("-c")
            .arg(&conf)
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        let child = self.child.insert(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if child.try_wait().expect("nginx's status").is_some() {
                self.child = None;
                return false;
            }
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stop();
        false
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A loopback port nobody listens on, as far as the system knows now.
fn free_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    listener.local_addr().expect("the bound address")
}

/// One process (`master_process off`), everything in `dir`; every path `/` proxied to `app`
/// and cached: a `200` for ten minutes unless the response says otherwise, responses that set
/// cookies included. `X-Cache-Status` says whether a response came from the cache (`HIT`).
fn config(dir: &Path, listen: SocketAddr, app: SocketAddr) -> String {
    let dir = dir.display();
    format!(
        "master_process off;
worker_processes 1;
error_log {dir}/error.log info;
pid {dir}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    proxy_cache_path {dir}/cache levels=1 keys_zone=pages:1m max_size=16m inactive=10m use_temp_path=off;
    server {{
        listen {listen};
        location / {{
            proxy_pass http://{app};
            proxy_cache pages;
            proxy_cache_valid 200 10m;
            proxy_ignore_headers Set-Cookie;
            proxy_connect_timeout 10s;
            proxy_read_timeout 10s;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
}}
"
    )
}

/// The app behind its own nginx, or `None` when nginx is missing.
async fn start() -> Option<(Nginx, SessionCookie, ManualClock)> {
    let (app, cookie, clock) = serve_app().await;
    let nginx = tokio::task::spawn_blocking(move || Nginx::start(app))
        .await
        .expect("the start's task")?;
    Some((nginx, cookie, clock))
}

/// `GET path` through nginx, with one `Cookie:` header when `cookie` is given.
async fn fetch(nginx: &Nginx, path: &str, cookie: Option<&str>) -> Reply {
    client::get(nginx.addr, path, cookie.as_slice()).await
}

/// Whether nginx answered from its cache.
fn from_cache(reply: &Reply) -> bool {
    reply.header("x-cache-status") == ["HIT"]
}

/// The session cookie a reply sets, as a browser would send it back.
fn session_pair(reply: &Reply) -> Option<String> {
    let set_cookie = reply.set_cookies.iter().find(|c| c.starts_with(NAME))?;
    Some(client::pair(set_cookie).to_owned())
}

/// The user a session cookie of `reply` logs in, checked with the app's own cookie.
fn user(cookie: &SessionCookie, reply: &Reply) -> String {
    let pair = session_pair(reply).expect("a session cookie");
    let session = cookie
        .verify_headers([pair.as_str()])
        .expect("a valid session");
    session.id().to_owned()
}

/// The setup is a cache that stores what it may, Set-Cookie responses too: a public page is
/// served from it, and a cookie set by hand (without the crate's headers) goes to the next
/// visitor. This is what the crate's headers must prevent for the session's cookie.
#[tokio::test]
async fn the_cache_stores_pages_and_hands_out_a_cookie_set_by_hand() {
    let Some((nginx, _, _)) = start().await else {
        return;
    };
    let first = fetch(&nginx, "/public", None).await;
    let second = fetch(&nginx, "/public", None).await;
    assert_eq!((first.status, first.body.as_str()), (200, "public #1"));
    assert!(!from_cache(&first), "{first:?}");
    assert_eq!(second.body, "public #1", "a copy of the first");
    assert!(from_cache(&second), "{second:?}");

    // Two first visits (no cookie yet: every response here varies on `Cookie`).
    let alice = fetch(&nginx, "/by-hand", None).await;
    let bob = fetch(&nginx, "/by-hand", None).await;
    assert_eq!(alice.set_cookies, ["theme=dark-2; Path=/"]);
    assert!(from_cache(&bob), "{bob:?}");
    assert_eq!(
        bob.set_cookies, alice.set_cookies,
        "the first visitor's cookie"
    );
}

/// A login at one URL for everyone: each visitor gets a session of their own, never the one a
/// visitor before them got.
#[tokio::test]
async fn a_login_is_never_served_from_the_cache() {
    let Some((nginx, cookie, _)) = start().await else {
        return;
    };
    let alice = fetch(&nginx, "/guest", None).await;
    assert_eq!((alice.status, alice.body.as_str()), (200, "welcome guest1"));
    assert_eq!(alice.header("cache-control"), ["private, max-age=60"]);
    assert_eq!(alice.header("vary"), ["Cookie"]);
    assert_eq!(user(&cookie, &alice), "guest1");
    let alice_pair = session_pair(&alice).expect("a cookie");
    for (n, cookie_header) in [
        (2, None),
        (3, Some("theme=dark")),
        (4, Some(alice_pair.as_str())),
    ] {
        let next = fetch(&nginx, "/guest", cookie_header).await;
        assert!(!from_cache(&next), "{next:?}");
        assert_eq!(next.body, format!("welcome guest{n}"));
        assert_eq!(
            user(&cookie, &next),
            format!("guest{n}"),
            "{cookie_header:?}"
        );
    }
}

/// `/me`: a page the app calls public is kept per cookie (served again only to the same
/// `Cookie:` header), never shown to another user or to one with no cookie; a renewal, with
/// its new cookie, is not stored at all.
#[tokio::test]
async fn me_and_its_renewal_go_only_to_their_own_user() {
    let Some((nginx, cookie, clock)) = start().await else {
        return;
    };
    let mut guests = Vec::new();
    for _ in 0..4 {
        let login = fetch(&nginx, "/guest", None).await;
        guests.push(session_pair(&login).expect("a session cookie"));
    }
    let [alice, bob, carol, dave] = &guests[..] else {
        unreachable!("four guests")
    };

    let first = fetch(&nginx, "/me", Some(alice)).await;
    assert_eq!(
        (first.status, first.body.as_str()),
        (200, "logged in as guest1 #5")
    );
    assert!(first.set_cookies.is_empty(), "fresh: no renewal");
    assert_eq!(first.header("vary"), ["Cookie"]);
    // Stored, for Alice's cookie: the cache does keep `/me`.
    let again = fetch(&nginx, "/me", Some(alice)).await;
    assert!(from_cache(&again), "{again:?}");
    assert_eq!(again.body, first.body);

    let other = fetch(&nginx, "/me", Some(bob)).await;
    assert_eq!(other.body, "logged in as guest2 #6", "Bob's own page");
    let nobody = fetch(&nginx, "/me", None).await;
    assert_eq!((nobody.status, nobody.body.as_str()), (401, ""));
    assert!(nobody.set_cookies.is_empty());

    // Past half the idle timeout (by the app's clock): Carol's `/me` renews her cookie.
    clock.advance(31 * 60);
    let renewal = fetch(&nginx, "/me", Some(carol)).await;
    assert_eq!(renewal.body, "logged in as guest3 #7");
    assert_eq!(renewal.header("cache-control"), ["private, max-age=60"]);
    assert_eq!(user(&cookie, &renewal), "guest3");
    let renewed = session_pair(&renewal).expect("renewed");
    assert_ne!(&renewed, carol);
    // Nobody else gets Carol's renewed cookie or her page: not without a cookie, not Dave.
    for _ in 0..2 {
        let nobody = fetch(&nginx, "/me", None).await;
        assert_eq!(
            (nobody.status, nobody.set_cookies.len()),
            (401, 0),
            "{nobody:?}"
        );
    }
    let dave_renewal = fetch(&nginx, "/me", Some(dave)).await;
    assert!(!from_cache(&dave_renewal), "{dave_renewal:?}");
    assert_eq!(dave_renewal.body, "logged in as guest4 #8");
    assert_eq!(user(&cookie, &dave_renewal), "guest4");
    // Carol again, with the old cookie: a renewal of her own, not the stored one.
    let carol_again = fetch(&nginx, "/me", Some(carol)).await;
    assert!(!from_cache(&carol_again), "{carol_again:?}");
    assert_eq!(carol_again.body, "logged in as guest3 #9");
}

/// A logout, with or without a session: each answer comes from the app, never a stored copy
/// of someone else's (which would log out whoever is served it).
#[tokio::test]
async fn a_logout_is_never_served_from_the_cache() {
    let Some((nginx, _, _)) = start().await else {
        return;
    };
    let alice = session_pair(&fetch(&nginx, "/guest", None).await).expect("a session cookie");
    let first = fetch(&nginx, "/logout", Some(&alice)).await;
    assert_eq!((first.status, first.body.as_str()), (200, "logged out #2"));
    assert_eq!(first.header("cache-control"), ["private, max-age=60"]);
    assert_eq!(first.header("vary"), ["Cookie"]);
    assert!(
        first.set_cookies[0].starts_with(&format!("{NAME}=; ")),
        "{first:?}"
    );
    for (n, cookie) in [
        (3, None),
        (4, Some("theme=dark")),
        (5, Some(alice.as_str())),
    ] {
        let next = fetch(&nginx, "/logout", cookie).await;
        assert!(!from_cache(&next), "{next:?}");
        assert_eq!(next.body, format!("logged out #{n}"), "{cookie:?}");
    }
}
