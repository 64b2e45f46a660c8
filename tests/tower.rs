//! The tower layer over real HTTP on 127.0.0.1: around a plain hyper 1 server (no framework),
//! and in axum with `Router::layer`, where the axum extractor takes the layer's session.
#![cfg(feature = "tower")]

mod client;
mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::{Extension, State};
use axum::routing::get;
use common::ManualClock;
use http::header::{CACHE_CONTROL, SET_COOKIE, VARY};
use http::{HeaderValue, Request, Response};
use hyper::body::Incoming;
use sigcookie::header::CookieSpec;
use sigcookie::store::{CutoffStore, MemoryStore, StoreError};
use sigcookie::tower::SessionLayer;
use sigcookie::web::{Duration, Session, SessionCookie};
use sigcookie::{Cutoffs, Key, Revocations};
use tokio::net::TcpListener;
use tower::{Layer, service_fn};

const T0: u64 = 1_764_000_000;

fn cookie(key: u8, clock: &ManualClock) -> SessionCookie {
    SessionCookie::builder(&Key::from_bytes(&[key; 32]).expect("key"), "__Host-s")
        .max_age(Duration::hours(1))
        .clock(clock.clone())
        .build()
        .expect("valid")
}

/// The caching header of a page that anyone may cache for a minute.
fn public() -> [(http::HeaderName, &'static str); 1] {
    [(CACHE_CONTROL, "public, max-age=60")]
}

/// The plain hyper handler: who is logged in, with a renewal when one is due, and logout. Every
/// page says it may be cached by anyone for a minute, as a careless application might: the
/// layer keeps the session's `Set-Cookie` out of shared caches anyway.
async fn handler(request: Request<Incoming>) -> Result<Response<String>, Infallible> {
    let session = request.extensions().get::<Session>().cloned();
    let mut response = Response::new(match &session {
        Some(session) => format!("hello {}", session.id()),
        None => "anonymous".to_owned(),
    });
    if let Some(session) = session {
        let set_cookie = if request.uri().path() == "/logout" {
            Some(session.cookie().removal())
        } else {
            session.renewal(0.5).expect("renewal allowed")
        };
        if let Some(set_cookie) = set_cookie {
            let value = HeaderValue::try_from(&set_cookie).expect("a header value");
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    let [(name, value)] = public();
    response
        .headers_mut()
        .insert(name, HeaderValue::from_static(value));
    Ok(response)
}

/// A plain hyper 1 server on 127.0.0.1 whose service is `handler` wrapped by `layer`.
async fn hyper_server(layer: SessionLayer) -> SocketAddr {
    common::hyper_server(layer.layer(service_fn(handler))).await
}

#[tokio::test]
async fn hyper_required_layer_verifies_renews_and_answers_401() {
    let clock = ManualClock::new(T0);
    let cookie = cookie(1, &clock);
    let addr = hyper_server(SessionLayer::required(cookie.clone())).await;
    let login = cookie.issue("42").expect("issued").stripped().to_string();

    let reply = client::get(addr, "/me", &["theme=dark", &login]).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "hello 42"));
    assert!(reply.set_cookies.is_empty(), "fresh: no renewal");
    // Computed from the session: it varies on the cookie; no cookie, so the application's
    // caching stays.
    assert_eq!(reply.header("vary"), ["Cookie"]);
    assert_eq!(reply.header("cache-control"), ["public, max-age=60"]);

    // Past half the maximum age, the handler renews through the session's handle.
    clock.advance(31 * 60);
    let reply = client::get(addr, "/me", &[&login]).await;
    assert_eq!(reply.status, 200);
    // The renewal: no shared cache may store it, though the handler said `public` after
    // adding the cookie.
    assert_eq!(reply.header("cache-control"), ["private, max-age=60"]);
    assert_eq!(reply.header("vary"), ["Cookie"]);
    let renewed = client::pair(&reply.set_cookies[0]).to_owned();
    assert_eq!(
        cookie
            .verify_headers([renewed.as_str()])
            .expect("valid")
            .id(),
        "42",
        "{renewed}"
    );

    // Refused: no cookie, a forged one, two of the name. 401, an empty body, no reason.
    for cookies in [
        vec![],
        vec!["__Host-s=42.1.1.00"],
        vec![login.as_str(), renewed.as_str()],
    ] {
        let reply = client::get(addr, "/me", &cookies).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (401, ""),
            "{cookies:?}"
        );
        assert_eq!(reply.header("vary"), ["Cookie"], "{cookies:?}");
    }

    // Logout: the removal, written by the core, out of shared caches too.
    let reply = client::get(addr, "/logout", &[&renewed]).await;
    let mut buf = [0u8; 256];
    let removal = CookieSpec::new(cookie.name())
        .expect("valid")
        .write_removal(&mut buf)
        .expect("fits");
    assert_eq!(reply.set_cookies, [removal]);
    assert_eq!(reply.header("cache-control"), ["private, max-age=60"]);
    assert_eq!(reply.header("vary"), ["Cookie"]);

    // Expired: the idle limit after the renewal.
    clock.advance(61 * 60 + 60);
    assert_eq!(client::get(addr, "/me", &[&renewed]).await.status, 401);
}

#[tokio::test]
async fn hyper_optional_layer_passes_requests_on_without_a_session() {
    let clock = ManualClock::new(T0);
    let cookie = cookie(1, &clock);
    let addr = hyper_server(SessionLayer::optional(cookie.clone())).await;
    let login = cookie.issue("7").expect("issued").stripped().to_string();
    let reply = client::get(addr, "/me", &[&login]).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "hello 7"));
    for cookies in [vec![], vec!["__Host-s=7.1.1.00"]] {
        let reply = client::get(addr, "/me", &cookies).await;
        assert_eq!((reply.status, reply.body.as_str()), (200, "anonymous"));
        // The anonymous page too was chosen by the `Cookie:` header.
        assert_eq!(reply.header("vary"), ["Cookie"]);
    }
}

/// Every response through the layer varies on the cookie, and one that sets or removes the
/// layer's cookie is kept out of shared caches, whatever the handler did after adding it: a
/// login, a renewal and a logout whose handlers put a caching header to the right of the
/// cookie, which replaces what the cookie's own part merged. Other cookies are the
/// application's, and its stricter `no-store` and `Vary: *` stay.
#[tokio::test]
async fn axum_layer_keeps_login_renewal_and_logout_out_of_shared_caches() {
    let clock = ManualClock::new(T0);
    let cookie = cookie(1, &clock);
    let app = Router::new()
        .route(
            "/login",
            get(|State(cookie): State<SessionCookie>| async move {
                (cookie.issue("42").expect("issued"), public(), "welcome")
            }),
        )
        .route(
            "/me",
            get(|session: Session| async move {
                let renewal = session.renewal(0.5).expect("renewal allowed");
                (renewal, public(), format!("hello {}", session.id()))
            }),
        )
        .route(
            "/logout",
            get(|State(cookie): State<SessionCookie>| async move {
                (cookie.removal(), public(), "bye")
            }),
        )
        .route(
            "/strict",
            get(|State(cookie): State<SessionCookie>| async move {
                let strict = [(CACHE_CONTROL, "no-store"), (VARY, "*")];
                (cookie.removal(), strict, "bye")
            }),
        )
        .route(
            "/theme",
            get(|| async { ([(SET_COOKIE, "theme=dark")], public(), "themed") }),
        )
        .with_state(cookie.clone())
        .layer(SessionLayer::optional(cookie.clone()));
    let addr = axum_server(app).await;

    let login = client::get(addr, "/login", &[]).await;
    assert_eq!((login.status, login.body.as_str()), (200, "welcome"));
    assert_eq!(login.header("cache-control"), ["private, max-age=60"]);
    assert_eq!(login.header("vary"), ["Cookie"]);
    let session = client::pair(&login.set_cookies[0]).to_owned();

    let fresh = client::get(addr, "/me", &[&session]).await;
    assert_eq!((fresh.status, fresh.body.as_str()), (200, "hello 42"));
    assert!(fresh.set_cookies.is_empty());
    assert_eq!(fresh.header("cache-control"), ["public, max-age=60"]);
    assert_eq!(fresh.header("vary"), ["Cookie"]);

    clock.advance(31 * 60);
    let renewal = client::get(addr, "/me", &[&session]).await;
    assert_eq!(renewal.set_cookies.len(), 1);
    assert_eq!(renewal.header("cache-control"), ["private, max-age=60"]);
    assert_eq!(renewal.header("vary"), ["Cookie"]);

    let refused = client::get(addr, "/me", &[]).await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.header("vary"), ["Cookie"]);

    let logout = client::get(addr, "/logout", &[&session]).await;
    assert_eq!(logout.set_cookies.len(), 1);
    assert_eq!(logout.header("cache-control"), ["private, max-age=60"]);
    assert_eq!(logout.header("vary"), ["Cookie"]);

    let strict = client::get(addr, "/strict", &[]).await;
    assert_eq!(strict.header("cache-control"), ["no-store"]);
    assert_eq!(strict.header("vary"), ["*"]);

    let themed = client::get(addr, "/theme", &[]).await;
    assert_eq!(themed.set_cookies, ["theme=dark"]);
    assert_eq!(themed.header("cache-control"), ["public, max-age=60"]);
    assert_eq!(themed.header("vary"), ["Cookie"]);
}

/// An axum server on 127.0.0.1 with the layer on its routes.
async fn axum_server(app: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    addr
}

/// Cut-offs in memory, counting how often a verify looks them up: one look per request proves
/// the extractor took the layer's session instead of verifying the cookie again.
#[derive(Default)]
struct CountingStore {
    inner: MemoryStore,
    lookups: AtomicUsize,
}

impl Revocations for CountingStore {
    fn cutoffs(&self, id: &str) -> Cutoffs {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        self.inner.cutoffs(id)
    }
    fn session_cutoffs(&self, id: &str, logged_in_at: u64) -> Cutoffs {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        self.inner.session_cutoffs(id, logged_in_at)
    }
}

impl CutoffStore for CountingStore {
    fn revoke_all(&self, not_before: u64) -> Result<(), StoreError> {
        self.inner.revoke_all(not_before)
    }
    fn revoke_user(&self, id: &str, not_before: u64) -> Result<(), StoreError> {
        self.inner.revoke_user(id, not_before)
    }
    fn revoke_session(&self, id: &str, logged_in_at: u64, until: u64) -> Result<(), StoreError> {
        self.inner.revoke_session(id, logged_in_at, until)
    }
    fn global(&self) -> Option<u64> {
        self.inner.global()
    }
    fn latest(&self, not_after: u64) -> Option<u64> {
        self.inner.latest(not_after)
    }
}

#[tokio::test]
async fn axum_router_layer_and_the_extractor_share_the_verified_session() {
    let clock = ManualClock::new(T0);
    let store = Arc::new(CountingStore::default());
    let cookie = SessionCookie::builder(&Key::from_bytes(&[1; 32]).expect("key"), "__Host-s")
        .max_age(Duration::hours(1))
        .clock(clock.clone())
        .store(store.clone())
        .build()
        .expect("valid");
    let app = Router::new()
        .route(
            "/extension",
            get(|Extension(session): Extension<Session>| async move {
                format!("hello {}", session.id())
            }),
        )
        .route(
            "/extractor",
            get(|session: Session| async move { format!("hello {}", session.id()) }),
        )
        .with_state(cookie.clone())
        .layer(SessionLayer::required(cookie.clone()));
    let addr = axum_server(app).await;
    let login = cookie.issue("42").expect("issued").stripped().to_string();

    for path in ["/extension", "/extractor"] {
        let before = store.lookups.load(Ordering::SeqCst);
        let reply = client::get(addr, path, &[&login]).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (200, "hello 42"),
            "{path}"
        );
        // The layer's verify only: the extractor took its session.
        assert_eq!(store.lookups.load(Ordering::SeqCst) - before, 1, "{path}");
        let reply = client::get(addr, path, &[]).await;
        assert_eq!((reply.status, reply.body.as_str()), (401, ""), "{path}");
    }
}

/// Behind an optional layer, a refused cookie is verified once per request: the extractors take
/// the layer's reason instead of verifying again (with Ed25519, a second curve check per junk
/// cookie). Each verify of a present cookie reads the clock once, which this counts.
#[tokio::test]
async fn a_refused_cookie_is_verified_once_behind_an_optional_layer() {
    let reads = Arc::new(AtomicUsize::new(0));
    let clock = {
        let reads = reads.clone();
        move || {
            reads.fetch_add(1, Ordering::SeqCst);
            T0
        }
    };
    let cookie = SessionCookie::builder(&Key::from_bytes(&[1; 32]).expect("key"), "__Host-s")
        .clock(clock)
        .build()
        .expect("valid");
    let app = Router::new()
        .route(
            "/either",
            get(|session: Option<Session>| async move {
                session.map_or("anonymous".to_owned(), |s| s.id().to_owned())
            }),
        )
        .route(
            "/me",
            get(|session: Session| async move { session.id().to_owned() }),
        )
        .with_state(cookie.clone())
        .layer(SessionLayer::optional(cookie.clone()));
    let addr = axum_server(app).await;
    let genuine = cookie.issue("42").expect("issued").stripped().to_string();
    let forged = genuine.replacen("__Host-s=42.", "__Host-s=43.", 1);
    for (path, cookie, expected) in [
        ("/either", &forged, (200, "anonymous")),
        ("/me", &forged, (401, "")),
        ("/me", &genuine, (200, "42")),
    ] {
        let before = reads.load(Ordering::SeqCst);
        let reply = client::get(addr, path, &[cookie.as_str()]).await;
        assert_eq!((reply.status, reply.body.as_str()), expected, "{path}");
        assert_eq!(reads.load(Ordering::SeqCst) - before, 1, "{path} {cookie}");
    }
}

/// The extractor takes the layer's session only when both use the very same `SessionCookie`:
/// a layer with another key (or another store) under the same cookie name would otherwise
/// vouch for values the extractor's own configuration refuses.
#[tokio::test]
async fn the_extractor_verifies_again_behind_a_layer_of_another_configuration() {
    let clock = ManualClock::new(T0);
    let layer_cookie = cookie(1, &clock);
    let other = cookie(2, &clock);
    let app = Router::new()
        .route(
            "/extractor",
            get(|session: Session| async move { format!("hello {}", session.id()) }),
        )
        .with_state(other.clone())
        .layer(SessionLayer::required(layer_cookie.clone()));
    let addr = axum_server(app).await;
    let layers = layer_cookie
        .issue("42")
        .expect("issued")
        .stripped()
        .to_string();
    assert_eq!(
        client::get(addr, "/extractor", &[&layers]).await.status,
        401
    );
    // A value both accept would pass both: the layer with its key, the extractor with its own.
    let bare = Router::new()
        .route(
            "/extractor",
            get(|session: Session| async move { format!("hello {}", session.id()) }),
        )
        .with_state(other.clone());
    let addr = axum_server(bare).await;
    let theirs = other.issue("8").expect("issued").stripped().to_string();
    let reply = client::get(addr, "/extractor", &[&theirs]).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "hello 8"));
}

#[tokio::test]
async fn axum_optional_layer_and_option_session() {
    let clock = ManualClock::new(T0);
    let cookie = cookie(1, &clock);
    let app = Router::new()
        .route(
            "/",
            get(|session: Option<Session>| async move {
                session.map_or("anonymous".to_owned(), |s| format!("hello {}", s.id()))
            }),
        )
        .with_state(cookie.clone())
        .layer(SessionLayer::optional(cookie.clone()));
    let addr = axum_server(app).await;
    let login = cookie.issue("5").expect("issued").stripped().to_string();
    assert_eq!(client::get(addr, "/", &[&login]).await.body, "hello 5");
    assert_eq!(client::get(addr, "/", &[]).await.body, "anonymous");
}

/// A `MakeWriter` into a shared buffer, to read what was logged.
#[derive(Clone, Default)]
struct Logged(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logged {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logged {
    type Writer = Logged;
    fn make_writer(&'a self) -> Logged {
        self.clone()
    }
}

/// The reason a cookie was refused goes to the log at debug level, and only there.
#[tokio::test]
async fn the_reason_is_logged_at_debug_and_not_sent() {
    // The global subscriber, not a scoped one: a scoped subscriber races with other tests'
    // threads over tracing's per-callsite interest cache. This test's cookie has a name of its
    // own, so other tests' log lines do not count.
    let logged = Logged::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(logged.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
    let clock = ManualClock::new(T0);
    let cookie = SessionCookie::builder(&Key::from_bytes(&[1; 32]).expect("key"), "__Host-logged")
        .clock(clock.clone())
        .build()
        .expect("valid");
    let addr = hyper_server(SessionLayer::required(cookie)).await;
    let reply = client::get(addr, "/me", &["__Host-logged=42.1.1.00"]).await;
    assert_eq!((reply.status, reply.body.as_str()), (401, ""));
    let log = String::from_utf8(logged.0.lock().expect("not poisoned").clone()).expect("UTF-8");
    let line = log
        .lines()
        .find(|line| line.contains("__Host-logged"))
        .unwrap_or_default();
    assert!(
        line.contains("DEBUG")
            && line.contains("session cookie refused")
            && line.contains("signature"),
        "{log}"
    );
}
