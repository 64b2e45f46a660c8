//! A request's session, taken by the axum and actix-web extractors or by the tower layer,
//! allocates nothing once warm when no renewal is due, with a store of 100,000 users' cut-offs
//! attached: proven with a counting allocator, in a test binary of its own since the allocator
//! is global.
//!
//! The one allocation left is the tower layer's by contract: it hands the session over in the
//! request's `http::Extensions`, which keep each value in a `Box` (and, on a request that has
//! no extensions yet, allocate their map too). The layer is checked to add nothing beyond what
//! that insert costs by itself.

use std::convert::Infallible;
use std::future::{Future, Ready, ready};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use actix_web::FromRequest;
use actix_web::dev::Payload;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::header::{CONTENT_TYPE, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Request, Response};
use sigcookie::Key;
use sigcookie::store::{CutoffStore, MemoryStore};
use sigcookie::tower::SessionLayer;
use sigcookie::web::{Session, SessionCookie};
use tower::{Layer, Service};

mod counting;

use counting::allocations_during;

/// Requests taken in each measurement, after as many to warm up (first-use initialisation of
/// locks, thread-locals and the like is not a request's cost).
const REQUESTS: usize = 100;

/// Users with a cut-off of their own in the store, as in the revocation bench.
const USERS: u64 = 100_000;

/// A session cookie over a store of 100,000 users' cut-offs and a global one, the id under
/// test having an entry of its own (all of them before its login), and a `Cookie:` header
/// carrying its fresh login among other cookies.
fn fixture() -> (SessionCookie, String) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    let store = Arc::new(MemoryStore::new());
    for n in 0..USERS {
        store
            .revoke_user(&format!("user-{n}"), now - 86_400 - n)
            .expect("revoke");
    }
    store.revoke_user("12345", now - 7_200).expect("revoke");
    store.revoke_all(now - 86_400).expect("revoke");
    assert_eq!(store.users(), USERS as usize + 1);
    let key = Key::from_bytes(&[7; 32]).expect("key");
    let cookie = SessionCookie::builder(&key, "__Host-session")
        .store(store)
        .build()
        .expect("valid cookie");
    let login = cookie.issue("12345").expect("login");
    let header = format!("theme=dark; {}; lang=en", login.stripped());
    (cookie, header)
}

/// What a handler does with the session on a request whose renewal is not due: read the id,
/// check that no renewal is due.
fn handle(session: Session) {
    assert_eq!(session.id(), "12345");
    assert!(session.renewal(0.5).expect("renewal check").is_none());
}

/// The value of a future that is ready at once, as the extractors' are.
fn ready_now<F: Future>(future: F) -> F::Output {
    let mut context = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut context) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the future was not ready at once"),
    }
}

/// Allocations of `REQUESTS` runs of `request`, after as many runs to warm up.
fn allocations_per_run(mut request: impl FnMut()) -> usize {
    for _ in 0..REQUESTS {
        request();
    }
    allocations_during(|| {
        for _ in 0..REQUESTS {
            request();
        }
    })
    .0
}

fn parts(header: &str) -> Parts {
    let request = Request::builder().header(COOKIE, header).body(());
    request.expect("valid request").into_parts().0
}

#[test]
fn verifying_the_cookie_header_allocates_nothing() {
    let (cookie, header) = fixture();
    let n = allocations_per_run(|| {
        handle(cookie.verify_headers([header.as_str()]).expect("valid"));
    });
    assert_eq!(n, 0, "verify_headers allocated {n} times");
}

#[test]
fn the_axum_extractor_allocates_nothing() {
    let (cookie, header) = fixture();
    let mut parts = parts(&header);
    let n = allocations_per_run(|| {
        let session =
            <Session as FromRequestParts<SessionCookie>>::from_request_parts(&mut parts, &cookie);
        handle(ready_now(session).expect("valid"));
    });
    assert_eq!(n, 0, "the axum extractor allocated {n} times");

    let n = allocations_per_run(|| {
        let session = <Session as OptionalFromRequestParts<SessionCookie>>::from_request_parts(
            &mut parts, &cookie,
        );
        handle(ready_now(session).expect("infallible").expect("valid"));
    });
    assert_eq!(
        n, 0,
        "the axum Option<Session> extractor allocated {n} times"
    );
}

#[test]
fn the_axum_extractor_behind_the_layer_allocates_nothing() {
    let (cookie, header) = fixture();
    let mut parts = parts(&header);
    // What the layer leaves for the extractor: the session it verified with this very cookie.
    let verified = cookie.verify_headers([header.as_str()]).expect("valid");
    parts.extensions.insert(verified);
    let n = allocations_per_run(|| {
        let session =
            <Session as FromRequestParts<SessionCookie>>::from_request_parts(&mut parts, &cookie);
        handle(ready_now(session).expect("valid"));
    });
    assert_eq!(
        n, 0,
        "the axum extractor behind the layer allocated {n} times"
    );
}

#[test]
fn the_actix_extractor_allocates_nothing() {
    let (cookie, header) = fixture();
    let in_data = actix_web::test::TestRequest::default()
        .insert_header((COOKIE.as_str(), header.as_str()))
        .app_data(actix_web::web::Data::new(cookie.clone()))
        .to_http_request();
    let plain = actix_web::test::TestRequest::default()
        .insert_header((COOKIE.as_str(), header.as_str()))
        .app_data(cookie)
        .to_http_request();
    for request in [in_data, plain] {
        let n = allocations_per_run(|| {
            let session = Session::from_request(&request, &mut Payload::None).into_inner();
            handle(session.expect("valid"));
        });
        assert_eq!(n, 0, "the actix-web extractor allocated {n} times");
    }
}

/// The inner service of the tower layer: reads the session as a handler would and answers
/// with a response that has a header already, as any real one does.
#[derive(Clone)]
struct Handler;

impl Service<Request<()>> for Handler {
    type Response = Response<()>;
    type Error = Infallible;
    type Future = Ready<Result<Response<()>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<()>) -> Self::Future {
        if let Some(session) = request.extensions().get::<Session>() {
            assert_eq!(session.id(), "12345");
        }
        let mut response = Response::new(());
        let text = HeaderValue::from_static("text/plain");
        response.headers_mut().insert(CONTENT_TYPE, text);
        ready(Ok(response))
    }
}

/// A request routed already, as a layer inside an axum `Router` sees it: its extensions hold
/// a value of the router's (here one of ours).
#[derive(Clone, Copy)]
struct Routed;

/// Allocations of one call of `service` on each of `requests`, after a warm-up.
fn allocations_of_calls(
    service: &mut impl Service<Request<()>, Response = Response<()>, Error = Infallible>,
    requests: impl Fn() -> Vec<Request<()>>,
) -> usize {
    let mut run = |requests: Vec<Request<()>>| {
        let mut responses = Vec::with_capacity(requests.len());
        let n = allocations_during(|| {
            for request in requests {
                let response = ready_now(service.call(request)).expect("infallible");
                responses.push(response);
            }
        })
        .0;
        drop(responses);
        n
    };
    run(requests());
    run(requests())
}

#[test]
fn the_tower_layer_adds_nothing_beyond_the_extension_insert() {
    let (cookie, header) = fixture();
    let request = |routed: bool| {
        let mut request = Request::builder()
            .header(COOKIE, header.as_str())
            .body(())
            .expect("valid request");
        if routed {
            request.extensions_mut().insert(Routed);
        }
        request
    };
    let requests = |routed: bool| move || (0..REQUESTS).map(|_| request(routed)).collect();
    let mut layered = SessionLayer::optional(cookie.clone()).layer(Handler);
    let mut required = SessionLayer::required(cookie.clone()).layer(Handler);
    let session = cookie.verify_headers([header.as_str()]).expect("valid");
    for routed in [true, false] {
        let inner = allocations_of_calls(&mut Handler, requests(routed));
        // What handing the session over costs by itself: one insert into the extensions.
        let mut bare = requests(routed)();
        let sessions = vec![session.clone(); REQUESTS];
        let (insert, ()) = allocations_during(|| {
            for (request, session) in bare.iter_mut().zip(sessions) {
                request.extensions_mut().insert(session);
            }
        });
        for service in [&mut layered, &mut required] {
            let layer = allocations_of_calls(service, requests(routed)) - inner;
            assert_eq!(
                layer, insert,
                "the layer allocated {layer} times for {REQUESTS} requests, the extension \
                 inserts alone {insert} (routed: {routed})"
            );
        }
        if routed {
            assert_eq!(
                insert, REQUESTS,
                "one Box per session in existing extensions"
            );
        }
    }
}

#[test]
fn the_counter_counts() {
    let (n, value) = allocations_during(|| String::from("12345"));
    assert_eq!((n, value.as_str()), (1, "12345"));
}
