//! The whole-request load benchmark: what authentication adds to a whole HTTP request. One axum
//! server answers the same "who am I" handler five ways on one port, each under its own path:
//!
//! - `/none/me`: no authentication, a fixed id;
//! - `/sigcookie/me`: sigcookie's `Session` extractor;
//! - `/jwt/me`: a hand-written extractor decoding an HS256 JWT from a cookie with `jsonwebtoken`;
//! - `/signed-jar/me`: axum-extra's `SignedCookieJar`;
//! - `/tower-sessions/me`: `tower-sessions` over its `MemoryStore`.
//!
//! ```text
//! cargo run --release -p sigcookie-bench --example requests -- serve
//! cargo run --release -p sigcookie-bench --example requests -- report DIR [--svg PATH]
//! ```
//!
//! `bench/requests.sh` runs both around `wrk` and is the way to use them (see
//! `bench/requests.md`). `serve` binds a free port on 127.0.0.1, checks every variant over
//! HTTP (the right cookie answers its id, a forged one and none are refused), prints the
//! address and one line per variant with the `Cookie` header to send, then serves until killed.
//! Three more paths exist for the script alone: `/allocations/start` and `/allocations/stop`
//! around the warm-up (a counting global allocator), `/counters` around each timed run (the
//! server's CPU time). `report` reads what the script collected and prints the markdown tables;
//! with `--svg PATH` it also draws the chart ([`report`]).

#[path = "../../benches/common/mod.rs"]
mod common;
mod report;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum_extra::extract::cookie::SignedCookieJar;
use serde::{Deserialize, Serialize};
use sigcookie::Key;
use sigcookie::web::{Session, SessionCookie};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The id every variant answers.
const ID: &str = common::IDS[0];
const JWT_COOKIE: &str = "jwt";
const JAR_COOKIE: &str = "jar";
/// The session key under which the `tower-sessions` login stores the id.
const USER_KEY: &str = "user";
/// The secret of the forged cookies: right format, wrong key.
const OTHER_SECRET: [u8; 64] = [0x5a; 64];

/// Counts allocations while [`COUNTING`] is on. Off during the timed runs, where it costs one
/// relaxed load and a predictable branch per allocation; on during the warm-up, whose count
/// `bench/requests.sh` divides by the requests `wrk` made.
struct CountingAllocator;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

fn count_allocation() {
    if COUNTING.load(Ordering::Relaxed) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counter beside it
// neither allocates nor touches the memory.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_allocation();
        // SAFETY: the caller's guarantees for `layout` are the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_allocation();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_allocation();
        // SAFETY: `ptr` and `layout` come from this allocator, which is the system's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for `realloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// The variants in table order: key (file names, the server's lines), path, label.
const VARIANTS: [(&str, &str, &str); 5] = [
    ("none", "/none/me", "no authentication"),
    ("sigcookie", "/sigcookie/me", "sigcookie Session extractor"),
    ("jwt", "/jwt/me", "jsonwebtoken HS256 in a cookie"),
    ("signed-jar", "/signed-jar/me", "axum-extra SignedCookieJar"),
    (
        "tower-sessions",
        "/tower-sessions/me",
        "tower-sessions MemoryStore",
    ),
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["serve"] => serve(),
        ["report", dir] => report::report(Path::new(dir), None),
        ["report", dir, "--svg", svg] => report::report(Path::new(dir), Some(Path::new(svg))),
        _ => {
            eprintln!(
                "usage: requests serve | requests report DIR [--svg PATH] \
                 (bench/requests.sh runs both)"
            );
            std::process::exit(2);
        }
    }
}

/// JWT claims carrying what a sigcookie session value carries for this handler: the id and when
/// it was issued, with an expiry.
#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    iat: u64,
    exp: u64,
}

/// What the JWT extractor needs, shared: the router clones its state for every request.
struct JwtKeys {
    decoding: jsonwebtoken::DecodingKey,
    validation: jsonwebtoken::Validation,
}

/// The id of a valid HS256 JWT in the `jwt` cookie, written the way an application without a
/// library for it would: find the cookie, decode with the default `Validation` (which checks
/// `exp`), take `sub`.
struct JwtUser(String);

impl FromRequestParts<Arc<JwtKeys>> for JwtUser {
    type Rejection = StatusCode;

    async fn from_request_parts(
        parts: &mut Parts,
        keys: &Arc<JwtKeys>,
    ) -> Result<Self, Self::Rejection> {
        let token = cookie_value(&parts.headers, JWT_COOKIE).ok_or(StatusCode::UNAUTHORIZED)?;
        let data = jsonwebtoken::decode::<Claims>(token, &keys.decoding, &keys.validation)
            .map_err(|_| StatusCode::UNAUTHORIZED)?;
        Ok(JwtUser(data.claims.sub))
    }
}

/// The first cookie of that name in the request's `Cookie` headers, without allocating.
fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|header| header.split(';'))
        .find_map(|pair| {
            let (n, v) = pair.trim().split_once('=')?;
            (n == name).then_some(v)
        })
}

async fn none() -> String {
    ID.to_owned()
}

async fn sigcookie_me(session: Session) -> String {
    session.id().to_owned()
}

async fn jwt_me(JwtUser(id): JwtUser) -> String {
    id
}

async fn signed_jar_me(jar: SignedCookieJar) -> Result<String, StatusCode> {
    let cookie = jar.get(JAR_COOKIE).ok_or(StatusCode::UNAUTHORIZED)?;
    Ok(cookie.value().to_owned())
}

async fn tower_sessions_me(session: tower_sessions::Session) -> Result<String, StatusCode> {
    match session.get::<String>(USER_KEY).await {
        Ok(Some(id)) => Ok(id),
        Ok(None) => Err(StatusCode::UNAUTHORIZED),
        Err(_) => Err(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// The login a real application would have behind a password check: the session is stored and
/// its cookie set by the layer.
async fn tower_sessions_login(session: tower_sessions::Session) -> StatusCode {
    match session.insert(USER_KEY, ID).await {
        Ok(()) => StatusCode::OK,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Starts counting allocations from zero.
async fn allocations_start() -> &'static str {
    ALLOCATIONS.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    "counting"
}

/// Stops counting and answers the count.
async fn allocations_stop() -> String {
    COUNTING.store(false, Ordering::Relaxed);
    ALLOCATIONS.load(Ordering::Relaxed).to_string()
}

/// The server's CPU time and the time it spent waiting for a core, in nanoseconds, summed over
/// its threads (the kernel's scheduler statistics): `bench/requests.sh` reads them before and
/// after each timed run. CPU time per request does not grow when another program takes the
/// core, as the time per request does; the wait says how much that happened.
async fn counters() -> String {
    let mut total = [0u64; 2];
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for task in tasks.flatten() {
            let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
            for (sum, field) in total.iter_mut().zip(stat.split_whitespace()) {
                *sum += field.parse::<u64>().unwrap_or(0);
            }
        }
    }
    format!("{} {}", total[0], total[1])
}

/// Every variant's keys and the cookies the checks and the load send.
struct Fixtures {
    sigcookie: SessionCookie,
    jwt: Arc<JwtKeys>,
    jar_key: axum_extra::extract::cookie::Key,
    /// `Cookie` headers by variant key: the right one, and one of the right format under
    /// another key. `tower-sessions` gets its own after the login.
    cookies: Vec<(&'static str, String, String)>,
}

impl Fixtures {
    fn new() -> Fixtures {
        let now = common::now();
        let session = |secret: &[u8]| {
            let key = Key::from_bytes(secret).expect("64-byte key");
            SessionCookie::builder(&key, common::NAME)
                .insecure_plain_http()
                .build()
                .expect("valid cookie settings")
        };
        let sigcookie = session(&common::SECRET);
        let sigcookie_cookie =
            |cookie: &SessionCookie| cookie.issue(ID).expect("issued").stripped().to_string();

        let claims = Claims {
            sub: ID.to_owned(),
            iat: now,
            exp: now + common::MAX_AGE,
        };
        let jwt = |secret: &[u8]| {
            let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
            let key = jsonwebtoken::EncodingKey::from_secret(secret);
            let token = jsonwebtoken::encode(&header, &claims, &key).expect("encodable claims");
            format!("{JWT_COOKIE}={token}")
        };

        let jar = |key: &cookie::Key| {
            let mut jar = cookie::CookieJar::new();
            jar.signed_mut(key).add((JAR_COOKIE, ID));
            jar.get(JAR_COOKIE).expect("signed").stripped().to_string()
        };
        let jar_key = cookie::Key::from(&common::SECRET);

        Fixtures {
            cookies: vec![
                (
                    "sigcookie",
                    sigcookie_cookie(&sigcookie),
                    sigcookie_cookie(&session(&OTHER_SECRET)),
                ),
                ("jwt", jwt(&common::SECRET), jwt(&OTHER_SECRET)),
                (
                    "signed-jar",
                    jar(&jar_key),
                    jar(&cookie::Key::from(&OTHER_SECRET)),
                ),
            ],
            sigcookie,
            jwt: Arc::new(JwtKeys {
                decoding: jsonwebtoken::DecodingKey::from_secret(&common::SECRET),
                validation: jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256),
            }),
            jar_key,
        }
    }

    fn router(&self) -> Router {
        let sessions =
            tower_sessions::SessionManagerLayer::new(tower_sessions::MemoryStore::default())
                // Plain HTTP on loopback: a `Secure` cookie would not come back from a browser here.
                .with_secure(false);
        Router::new()
            .route("/none/me", get(none))
            .merge(
                Router::new()
                    .route("/sigcookie/me", get(sigcookie_me))
                    .with_state(self.sigcookie.clone()),
            )
            .merge(
                Router::new()
                    .route("/jwt/me", get(jwt_me))
                    .with_state(self.jwt.clone()),
            )
            .merge(
                Router::new()
                    .route("/signed-jar/me", get(signed_jar_me))
                    .with_state(self.jar_key.clone()),
            )
            // The session layer only on its own routes, so the other variants do not pay for it.
            .merge(
                Router::new()
                    .route("/tower-sessions/me", get(tower_sessions_me))
                    .route("/tower-sessions/login", post(tower_sessions_login))
                    .layer(sessions),
            )
            .route("/allocations/start", get(allocations_start))
            .route("/allocations/stop", get(allocations_stop))
            .route("/counters", get(counters))
    }
}

/// One request over its own connection, the way the load generator sends it: status, headers
/// and body.
async fn request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
) -> (u16, String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect to the bench server");
    let cookie = cookie.map_or(String::new(), |c| format!("Cookie: {c}\r\n"));
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{cookie}Content-Length: 0\r\n\
         Connection: close\r\n\r\n"
    );
    stream
        .write_all(head.as_bytes())
        .await
        .expect("send a request");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .expect("read a response");
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    (status, head.to_owned(), body.to_owned())
}

/// Refuses to go on unless the right cookie answers the id and a forged one, or none, is
/// refused: what is timed afterwards is then the real path, verification included.
async fn check(addr: std::net::SocketAddr, path: &str, good: &str, forged: &str) {
    let answers = [
        ("the right cookie", Some(good), 200, ID),
        ("a forged cookie", Some(forged), 401, ""),
        ("no cookie", None, 401, ""),
    ];
    for (what, cookie, status, body) in answers {
        let got = request(addr, "GET", path, cookie).await;
        if (got.0, got.2.as_str()) != (status, body) {
            eprintln!(
                "check failed: {path} with {what} answered {} {:?}, expected {status} {body:?}",
                got.0, got.2
            );
            std::process::exit(1);
        }
    }
}

fn serve() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let fixtures = Fixtures::new();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a free port on 127.0.0.1");
        let addr = listener.local_addr().expect("the bound address");
        let server = tokio::spawn(axum::serve(listener, fixtures.router()).into_future());

        let (status, head, _) = request(addr, "POST", "/tower-sessions/login", None).await;
        let session_cookie = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("set-cookie")
                    .then(|| value.trim().split(';').next().unwrap_or("").to_owned())
            })
            .filter(|_| status == 200)
            .expect("the tower-sessions login sets a session cookie");
        // Another well-formed session id, which the store does not hold: the first character
        // carries six whole bits of the id.
        let (name, value) = session_cookie.split_once('=').expect("name=value");
        let other = if value.starts_with('A') { 'B' } else { 'A' };
        let forged_session = format!("{name}={other}{}", &value[1..]);

        let mut cookies = fixtures.cookies;
        cookies.push(("tower-sessions", session_cookie, forged_session));

        let none = request(addr, "GET", "/none/me", None).await;
        assert_eq!(
            (none.0, none.2.as_str()),
            (200, ID),
            "/none/me answers the id"
        );
        for (key, good, forged) in &cookies {
            let path = VARIANTS.iter().find(|v| v.0 == *key).expect("a variant").1;
            check(addr, path, good, forged).await;
        }

        let mut out = std::io::stdout().lock();
        writeln!(out, "listening\t{addr}").expect("stdout");
        for (key, path, _) in VARIANTS {
            let cookie = cookies
                .iter()
                .find(|c| c.0 == key)
                .map_or("-", |c| c.1.as_str());
            writeln!(out, "variant\t{key}\t{path}\t{cookie}").expect("stdout");
        }
        writeln!(out, "ready").expect("stdout");
        out.flush().expect("stdout");
        drop(out);

        server
            .await
            .expect("the server task")
            .expect("the server runs");
    });
}
