//! The embedded example (`embedded/`) over real HTTP on 127.0.0.1: login, status,
//! renewal, logout and "log out everywhere" on picoserve, with no heap allocation while a
//! request is handled (a counting allocator), and the stack a verify needs (measured on a
//! thread of known stack size, in a child process, since overflowing a stack aborts).

#[path = "../src/app.rs"]
#[allow(dead_code)]
mod app;
// The library's test client, shared with its tower and actix-web tests.
#[path = "../../tests/client/mod.rs"]
mod client;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::SocketAddr;
use std::process::Command;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use picoserve::ResponseSent;
use picoserve::io::Read;
use picoserve::request::Request;
use picoserve::response::ResponseWriter;
use picoserve::routing::{RequestHandlerService, get_service, post_service};
use sigcookie::header::CookieSpec;
use sigcookie::{Cutoffs, Key, MAX_VALUE_LEN, SessionSigner, Signer};

/// Counts the allocations made by the current thread: the server runs on a thread of its own,
/// so the client's and the test harness's allocations do not count.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: a thread being torn down may still allocate.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

fn allocations() -> usize {
    ALLOCATIONS.try_with(Cell::get).unwrap_or_default()
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwards the caller's layout unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as for `dealloc`; the new size comes from the caller.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The panel's clock, moved by the test.
static NOW: AtomicU64 = AtomicU64::new(1_764_000_000);

fn now() -> u64 {
    NOW.load(Ordering::SeqCst)
}

/// Requests handled, and the most allocations seen: in one handler (from the request's parts
/// to the response written to the socket), and in one connection (`Server::serve`, from the
/// accepted socket to its close: picoserve's and tokio's glue included).
static HANDLED: AtomicUsize = AtomicUsize::new(0);
static HANDLER_ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static CONNECTION_ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

/// Wraps a handler of the example to count the allocations made while it runs.
struct Counted<S>(S);

impl<S: RequestHandlerService<app::Panel>> RequestHandlerService<app::Panel> for Counted<S> {
    async fn call_request_handler_service<R: Read, W: ResponseWriter<Error = R::Error>>(
        &self,
        panel: &app::Panel,
        (): (),
        request: Request<'_, R>,
        response_writer: W,
    ) -> Result<ResponseSent, W::Error> {
        let before = allocations();
        let sent = self
            .0
            .call_request_handler_service(panel, (), request, response_writer)
            .await;
        let during = allocations() - before;
        HANDLER_ALLOCATIONS.fetch_max(during, Ordering::SeqCst);
        HANDLED.fetch_add(1, Ordering::SeqCst);
        sent
    }
}

/// Serves the router `make` builds on 127.0.0.1, on a thread of its own with a
/// single-threaded runtime, as `main.rs` does; the most allocations any one connection made go
/// to `connection_allocations`.
fn serve<P, F>(make: F, connection_allocations: &'static AtomicUsize) -> SocketAddr
where
    P: picoserve::routing::PathRouter + 'static,
    F: FnOnce() -> picoserve::Router<P> + Send + 'static,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("non-blocking");
    let addr = listener.local_addr().expect("an address");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let app = Rc::new(make());
        static CONFIG: picoserve::Config = picoserve::Config::const_default();
        tokio::task::LocalSet::new().block_on(&runtime, async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a listener");
            loop {
                let (stream, _) = listener.accept().await.expect("accept");
                let app = app.clone();
                tokio::task::spawn_local(async move {
                    let before = allocations();
                    let mut buffer = [0; app::HTTP_BUFFER];
                    let _ = picoserve::Server::new_tokio(&app, &CONFIG, &mut buffer)
                        .serve(stream)
                        .await;
                    connection_allocations.fetch_max(allocations() - before, Ordering::SeqCst);
                });
            }
        });
    });
    addr
}

/// Starts the example's panel, its handlers counted.
fn start() -> SocketAddr {
    serve(
        || {
            let key = Key::from_bytes(&[4; 32]).expect("key");
            let panel = app::Panel::new(&key, "admin", "change-me", now).expect("panel");
            picoserve::Router::new()
                .route("/login", post_service(Counted(app::Login)))
                .route("/status", get_service(Counted(app::Status)))
                .route("/logout", post_service(Counted(app::Logout)))
                .with_state(panel)
        },
        &CONNECTION_ALLOCATIONS,
    )
}

/// The most allocations in one connection of a picoserve server with one route that answers
/// a static text and no sigcookie at all: picoserve's own cost on the host.
static PLAIN_CONNECTION_ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

fn start_plain() -> SocketAddr {
    serve(
        || picoserve::Router::new().route("/", picoserve::routing::get(|| async { "ok\n" })),
        &PLAIN_CONNECTION_ALLOCATIONS,
    )
}

#[tokio::test]
async fn login_status_renewal_logout_over_http_without_allocating() {
    let addr = start();
    let login = |form: &'static str| client::send_body(addr, "POST", "/login", &[], form);

    assert_eq!(login("user=admin&password=wrong").await.status, 401);
    let reply = login("user=admin&password=change-me").await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "logged in\n"));
    let set_cookie = &reply.set_cookies[0];
    assert!(
        set_cookie.ends_with("; HttpOnly; SameSite=Lax; Path=/; Max-Age=900"),
        "{set_cookie}"
    );
    // No cache may keep a response with the cookie, nor a page computed from the session.
    let uncached = |reply: &client::Reply| {
        assert_eq!(reply.header("cache-control"), ["no-store"], "{reply:?}");
        assert_eq!(reply.header("vary"), ["Cookie"], "{reply:?}");
    };
    uncached(&reply);
    let cookie = client::pair(set_cookie).to_owned();

    let reply = client::get(addr, "/status", &["theme=dark", &cookie]).await;
    // The session's CSRF token, made apart from the panel with the same key and cookie name.
    let token = csrf_token(&cookie, now());
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (200, format!("logged in as admin\ncsrf={token}\n").as_str())
    );
    assert!(reply.set_cookies.is_empty(), "fresh: no renewal");
    // The line `csrf=...` is the logout form's body.
    let form = csrf_form(&reply.body);
    uncached(&reply);

    // Refused, with no reason given: none, forged, duplicated.
    for cookies in [
        vec![],
        vec!["panel=admin.1.1.00"],
        vec![cookie.as_str(), cookie.as_str()],
    ] {
        let reply = client::get(addr, "/status", &cookies).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (401, ""),
            "{cookies:?}"
        );
    }

    // Past half the idle time: renewed.
    NOW.fetch_add(8 * 60, Ordering::SeqCst);
    let reply = client::get(addr, "/status", &[&cookie]).await;
    assert_eq!(reply.status, 200);
    uncached(&reply);
    let renewed = client::pair(&reply.set_cookies[0]).to_owned();
    assert_ne!(renewed, cookie);

    // The first cookie goes idle; the renewed one lives on.
    NOW.fetch_add(8 * 60, Ordering::SeqCst);
    assert_eq!(client::get(addr, "/status", &[&cookie]).await.status, 401);
    assert_eq!(client::get(addr, "/status", &[&renewed]).await.status, 200);

    // The renewed session has the same token: renewals keep the login time.
    let reply = client::get(addr, "/status", &[&renewed]).await;
    assert_eq!(csrf_form(&reply.body), form);

    // With a session, logging out needs its CSRF token: without it, or with an altered or
    // uppercase one, `403`, no removal, and "everywhere" ends nothing.
    for wrong in [
        String::new(),
        "csrf=".to_owned(),
        form.to_uppercase().replace("CSRF=", "csrf="),
        form[..form.len() - 1].to_owned(),
    ] {
        for path in ["/logout", "/logout?everywhere"] {
            let reply = client::send_body(addr, "POST", path, &[&renewed], &wrong).await;
            assert_eq!(
                (reply.status, reply.set_cookies.len()),
                (403, 0),
                "{path} {wrong:?}"
            );
        }
    }
    assert_eq!(client::get(addr, "/status", &[&renewed]).await.status, 200);

    // Logout removes the cookie and ends this session on the device: a copy of it is refused,
    // while another session (a second browser, logged in later) stays.
    NOW.fetch_add(1, Ordering::SeqCst);
    let other =
        client::pair(&login("user=admin&password=change-me").await.set_cookies[0]).to_owned();
    let other_form = csrf_form(&client::get(addr, "/status", &[&other]).await.body);
    let reply = client::send_body(addr, "POST", "/logout", &[&renewed], &form).await;
    assert_eq!(
        reply.set_cookies,
        [
            "panel=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        ]
    );
    uncached(&reply);
    assert_eq!(reply.body, "logged out\n");
    assert_eq!(client::get(addr, "/status", &[&renewed]).await.status, 401);
    assert_eq!(client::get(addr, "/status", &[&other]).await.status, 200);
    // The session is over, and its token with it: a logout of the dead cookie just removes it.
    let reply = client::send_body(addr, "POST", "/logout", &[&renewed], &form).await;
    assert_eq!((reply.status, reply.set_cookies.len()), (200, 1));
    // "Everywhere", spelled either way, ends every session and says so; any other query is
    // refused rather than taken for a plain logout.
    let reply =
        client::send_body(addr, "POST", "/logout?everywhere=2", &[&other], &other_form).await;
    assert_eq!((reply.status, reply.set_cookies.len()), (400, 0));
    let reply =
        client::send_body(addr, "POST", "/logout?everywhere=1", &[&other], &other_form).await;
    assert_eq!(reply.body, "logged out everywhere\n");
    assert_eq!(client::get(addr, "/status", &[&other]).await.status, 401);
    // A login after it works at once, with a token of its own: the old one is refused.
    let again =
        client::pair(&login("user=admin&password=change-me").await.set_cookies[0]).to_owned();
    let reply = client::get(addr, "/status", &[&again]).await;
    assert_eq!(reply.status, 200);
    let again_form = csrf_form(&reply.body);
    assert_ne!(again_form, form);
    let reply = client::send_body(addr, "POST", "/logout?everywhere", &[&again], &form).await;
    assert_eq!((reply.status, reply.set_cookies.len()), (403, 0));
    assert_eq!(client::get(addr, "/status", &[&again]).await.status, 200);
    let reply = client::send_body(addr, "POST", "/logout?everywhere", &[&again], &again_form).await;
    assert_eq!(reply.body, "logged out everywhere\n");
    let again =
        client::pair(&login("user=admin&password=change-me").await.set_cookies[0]).to_owned();
    assert_eq!(client::get(addr, "/status", &[&again]).await.status, 200);

    // Another site's page cannot log the user in or out: `POST`s with a foreign `Origin` are
    // refused before anything else; the panel's own pages (and clients that send no `Origin`)
    // pass.
    let evil = [
        ("origin", "http://evil.example"),
        ("cookie", again.as_str()),
    ];
    let reply = client::send_headers(addr, "POST", "/logout?everywhere", &evil, "").await;
    assert_eq!((reply.status, reply.set_cookies.len()), (403, 0));
    assert_eq!(client::get(addr, "/status", &[&again]).await.status, 200);
    let reply = client::send_headers(
        addr,
        "POST",
        "/login",
        &evil[..1],
        "user=admin&password=change-me",
    )
    .await;
    assert_eq!((reply.status, reply.set_cookies.len()), (403, 0));
    let own = format!("http://{addr}");
    let reply = client::send_headers(addr, "POST", "/logout", &[("origin", &own)], "").await;
    assert_eq!(reply.status, 200);

    // Connections to a picoserve server without sigcookie, for comparison: picoserve's `tokio`
    // glue allocates a few times in some connections and not in others (when a read has to
    // wait), in both servers.
    let plain = start_plain();
    for _ in 0..15 {
        assert_eq!(client::get(plain, "/", &[&again]).await.body, "ok\n");
    }

    let handled = HANDLED.load(Ordering::SeqCst);
    let in_handler = HANDLER_ALLOCATIONS.load(Ordering::SeqCst);
    let in_connection = CONNECTION_ALLOCATIONS.load(Ordering::SeqCst);
    let in_plain_connection = PLAIN_CONNECTION_ALLOCATIONS.load(Ordering::SeqCst);
    eprintln!(
        "{handled} requests; most allocations in one handler: {in_handler}, \
         in one connection (picoserve's tokio glue included): {in_connection}, \
         in one connection to a picoserve server without sigcookie: {in_plain_connection}"
    );
    assert_eq!(handled, 39);
    assert_eq!(in_handler, 0, "a handler allocated");
}

/// The CSRF token of the session cookie `pair` (`panel=...`) at `now`, made apart from the
/// example: its key, its cookie name as the purpose, its idle time and lifetime.
fn csrf_token(pair: &str, now: u64) -> String {
    let key = Key::from_bytes(&[4; 32]).expect("key");
    let signer = SessionSigner::new(
        Signer::new(&key, "panel").expect("signer"),
        app::MAX_AGE,
        app::LIFETIME,
    );
    let value = pair.strip_prefix("panel=").expect("the panel's cookie");
    let session = signer
        .verify_at(value, now, &Cutoffs::NONE)
        .expect("a valid session");
    signer.csrf_token(&session).expect("a token").to_string()
}

/// The `csrf=...` line of a status page: the logout form's body.
fn csrf_form(status: &str) -> String {
    status
        .lines()
        .find(|line| line.starts_with("csrf="))
        .expect("a csrf line")
        .to_owned()
}

/// The sigcookie calls of the request path on their own, on this thread: none allocates.
#[test]
fn the_no_std_calls_allocate_nothing() {
    let key = Key::from_bytes(&[4; 32]).expect("key");
    let panel = app::Panel::new(&key, "admin", "change-me", now).expect("panel");
    let mut buf = [0u8; app::SET_COOKIE_BUFFER];
    let before = allocations();
    let header = panel
        .login("user=admin&password=change-me", &mut buf)
        .map(str::len);
    let after_login = allocations();
    assert!(header.is_ok());
    let set_cookie = panel
        .login("user=admin&password=change-me", &mut buf)
        .expect("login");
    let pair = set_cookie
        .split(';')
        .next()
        .expect("a pair")
        .as_bytes()
        .to_vec();
    let start = allocations();
    let session = panel.verify([&b"a=1"[..], &pair]).expect("valid");
    let mut renewal = [0u8; app::SET_COOKIE_BUFFER];
    let _ = panel.renewal(&session, &mut renewal);
    let mut removal = [0u8; app::SET_COOKIE_BUFFER];
    let _ = panel.spec().write_removal(&mut removal).expect("fits");
    let token = panel.csrf_token(&session).expect("a token");
    let mut form = [0u8; 5 + sigcookie::CsrfToken::LEN];
    form[..5].copy_from_slice(b"csrf=");
    form[5..].copy_from_slice(token.as_bytes());
    let form = std::str::from_utf8(&form).expect("ASCII");
    assert!(panel.check_csrf(&session, form).is_ok());
    assert!(panel.check_csrf(&session, "csrf=0").is_err());
    assert!(panel.check_csrf(&session, "").is_err());
    assert_eq!((after_login - before, allocations() - start), (0, 0));
}

/// How deep a thread of `STACK` bytes can recurse through `Frame`s before running `work`,
/// probed in a child process: overflowing a stack aborts the process.
const STACK: usize = 256 * 1024;
const PROBE: &str = "SIGCOOKIE_STACK_PROBE";

#[inline(never)]
fn descend(depth: usize, work: &dyn Fn()) -> usize {
    // A frame of a known minimum size, kept by `black_box`.
    let frame = std::hint::black_box([depth as u8; 64]);
    if depth == 0 {
        work();
        return std::hint::black_box(&frame) as *const _ as usize;
    }
    let deeper = descend(depth - 1, work);
    std::hint::black_box(frame[0] as usize) + deeper - frame[0] as usize
}

/// The stack one frame of `descend` takes, from the addresses of two levels.
fn frame_size() -> usize {
    #[inline(never)]
    fn at(depth: usize) -> usize {
        descend(depth, &|| ())
    }
    let (one, two) = (at(1), at(2));
    one.abs_diff(two)
}

fn work(name: &str) -> Box<dyn Fn() + Send> {
    let key = Key::from_bytes(&[4; 32]).expect("key");
    let signer = SessionSigner::new(Signer::new(&key, "panel").expect("signer"), 900, 28_800);
    let spec = app::cookie().expect("valid");
    let value = signer
        .login_at(&"a".repeat(255), 1_764_000_000, &Cutoffs::NONE)
        .expect("signed");
    let header = format!("theme=dark; panel={}", value.as_str());
    match name {
        "none" => Box::new(|| ()),
        // A request's verify: find the cookie, check the MAC, the times and the cut-offs.
        "verify" => Box::new(move || {
            let session = spec.verify(&signer, [header.as_bytes()], 1_764_000_060, &Cutoffs::NONE);
            assert!(std::hint::black_box(session).is_ok());
        }),
        // A login: sign a value on the stack and write its header into a buffer.
        "login" => Box::new(move || {
            let value = signer.login_at("admin", 1_764_000_000, &Cutoffs::NONE);
            let mut buf = [0u8; CookieSpec::MAX_HEADER_LEN];
            let value = value.expect("signed");
            let written = spec.write(&value, Some(900), &mut buf).map(str::len);
            assert!(std::hint::black_box(written).is_ok());
        }),
        other => panic!("no work {other}"),
    }
}

/// The child's side: recurse `depth` frames on a `STACK`-byte thread, then run the work.
#[test]
fn stack_probe_child() {
    let Ok(probe) = std::env::var(PROBE) else {
        return;
    };
    let (name, depth) = probe.split_once(':').expect("name:depth");
    let depth: usize = depth.parse().expect("a depth");
    let work = work(name);
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || descend(depth, &*work))
        .expect("a thread")
        .join()
        .expect("no panic");
}

/// The deepest recursion before `work` that a child survives.
fn deepest(work: &str) -> usize {
    let exe = std::env::current_exe().expect("the test binary");
    let survives = |depth: usize| {
        Command::new(&exe)
            .args([
                "--exact",
                "stack_probe_child",
                "--test-threads=1",
                "--quiet",
            ])
            .env(PROBE, format!("{work}:{depth}"))
            .output()
            .expect("the child runs")
            .status
            .success()
    };
    let (mut ok, mut fails) = (0, STACK / 64);
    assert!(survives(ok) && !survives(fails));
    while fails - ok > 1 {
        let mid = (ok + fails) / 2;
        if survives(mid) {
            ok = mid;
        } else {
            fails = mid;
        }
    }
    ok
}

#[test]
fn the_stack_of_a_verify_and_a_login() {
    let frame = frame_size();
    let none = deepest("none");
    let verify = (none - deepest("verify")) * frame;
    let login = (none - deepest("login")) * frame;
    eprintln!(
        "stack ({} build), to one {frame}-byte frame: verify {verify} bytes, login {login} bytes",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    let spec = app::cookie().expect("valid");
    eprintln!(
        "MAX_VALUE_LEN {MAX_VALUE_LEN}, MAX_HEADER_LEN {}, this cookie's largest header {}, \
         SignedValue {} bytes, SessionSigner {} bytes, Panel {} bytes",
        CookieSpec::MAX_HEADER_LEN,
        spec.max_header_len(),
        std::mem::size_of::<sigcookie::SignedValue>(),
        std::mem::size_of::<SessionSigner>(),
        std::mem::size_of::<app::Panel>(),
    );
    // Generous bounds, for unoptimised builds too: an embedded task's stack is a few KiB.
    assert!(verify < 64 * 1024 && login < 64 * 1024);
    const { assert!(MAX_VALUE_LEN <= app::HTTP_BUFFER / 4) };
}

/// The throttle's own clock, apart from the other tests'.
static THROTTLE_NOW: AtomicU64 = AtomicU64::new(1_764_000_000);

fn throttle_now() -> u64 {
    THROTTLE_NOW.load(Ordering::SeqCst)
}

/// At most `MAX_FAILURES` wrong passwords a window, from anyone; then every login waits, the
/// right password too, until the window ends.
#[test]
fn wrong_passwords_are_bounded_per_window() {
    let key = Key::from_bytes(&[4; 32]).expect("key");
    let panel = app::Panel::new(&key, "admin", "change-me", throttle_now).expect("panel");
    let mut buf = [0u8; app::SET_COOKIE_BUFFER];
    let start = (1_764_000_000 / app::LOGIN_WINDOW + 1) * app::LOGIN_WINDOW;
    THROTTLE_NOW.store(start, Ordering::SeqCst);
    for _ in 0..app::MAX_FAILURES {
        assert_eq!(
            panel.login("user=admin&password=guess", &mut buf),
            Err(app::LoginRefused::Wrong)
        );
    }
    THROTTLE_NOW.store(start + 20, Ordering::SeqCst);
    for form in ["user=admin&password=guess", "user=admin&password=change-me"] {
        assert_eq!(
            panel.login(form, &mut buf),
            Err(app::LoginRefused::Throttled { retry_after: 40 })
        );
    }
    THROTTLE_NOW.store(start + app::LOGIN_WINDOW, Ordering::SeqCst);
    assert!(
        panel
            .login("user=admin&password=change-me", &mut buf)
            .is_ok()
    );
    // A wrong user name counts as much as a wrong password.
    assert_eq!(
        panel.login("user=root&password=change-me", &mut buf),
        Err(app::LoginRefused::Wrong)
    );
}

/// A board without a battery-backed clock reads 1970 until NTP answers: no login then, and the
/// reason is the clock, not the password.
#[test]
fn a_clock_that_is_not_set_refuses_logins() {
    fn booting() -> u64 {
        45
    }
    let key = Key::from_bytes(&[4; 32]).expect("key");
    let panel = app::Panel::new(&key, "admin", "change-me", booting).expect("panel");
    let mut buf = [0u8; app::SET_COOKIE_BUFFER];
    assert_eq!(
        panel.login("user=admin&password=change-me", &mut buf),
        Err(app::LoginRefused::ClockNotSet)
    );
    assert_eq!(
        panel.login("user=admin&password=wrong", &mut buf),
        Err(app::LoginRefused::Wrong)
    );
}
