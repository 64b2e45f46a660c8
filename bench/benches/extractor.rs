//! What taking a request's session costs in each framework's glue, against the verify it
//! wraps: the axum extractor on a request's `Parts`, the actix-web extractor on an
//! `HttpRequest`, the tower layer's `call` around an inner service that does next to nothing,
//! and `SessionCookie::verify_headers` under all three, each with a store of 100,000 users'
//! cut-offs attached (filled as in `benches/revocation.rs`).
//!
//! `cargo bench -p sigcookie-bench --bench extractor`, about a minute; a name filters as usual
//! (`-- axum`). After criterion's own report it prints a markdown table: each row's median time
//! per request over criterion's samples, and its ratio to the verify alone of the same run.
//!
//! Everything runs in this process, without a server or a runtime: the extractors' futures are
//! ready at once, so they are polled once with a no-op waker, and requests are built before
//! their timed part. The web layer reads the system clock for every request; the verify alone
//! is given the time, so the clock read is a row of its own.

mod common;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::future::{Future, Ready, ready};
use std::hint::black_box;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::FromRequest;
use actix_web::dev::Payload;
use axum::extract::FromRequestParts;
use criterion::{BenchmarkGroup, Criterion, measurement::WallTime};
use http::header::{CONTENT_TYPE, COOKIE};
use http::request::Parts;
use http::{HeaderValue, Request, Response};
use sigcookie::store::MemoryStore;
use sigcookie::tower::SessionLayer;
use sigcookie::web::{Session, SessionCookie};
use sigcookie::{Key, Revocations};
use tower::{Layer, Service};

/// Criterion's samples per row; the table's time is their median.
const SAMPLES: usize = 100;
/// Requests built ahead of each timed stretch of the tower rows.
const CHUNK: u64 = 1_024;

const VERIFY: &str = "session verify alone";
const CLOCK: &str = "system clock read";
const HEADERS: &str = "SessionCookie::verify_headers";
const AXUM: &str = "axum extractor";
const AXUM_LAYER: &str = "axum extractor behind the layer";
const AXUM_RENEWAL: &str = "axum extractor + renewal check (not due)";
const ACTIX: &str = "actix-web extractor";
const TOWER: &str = "tower layer call";
const TOWER_INNER: &str = "tower inner service alone";
const HANDOVER: &str = "a Session into a request's empty extensions, and dropped";

fn main() {
    let fixture = Fixture::new();
    let mut criterion = Criterion::default()
        .sample_size(SAMPLES)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    let mut group = criterion.benchmark_group("extractor");
    fixture.bench(&mut group);
    group.finish();
    criterion.final_summary();
    print!("{}", fixture.table());
}

/// A session cookie over the 100,000-user store, a fresh login of an id that has an entry of
/// its own there, and that login in a `Cookie:` header among other cookies.
struct Fixture {
    cookie: SessionCookie,
    value: String,
    header: String,
    /// Each row's samples, nanoseconds per request, in the order criterion took them.
    samples: RefCell<BTreeMap<&'static str, Vec<f64>>>,
}

impl Fixture {
    fn new() -> Fixture {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs();
        let store = Arc::new(MemoryStore::new());
        common::store::fill(&store, now);
        assert!(store.cutoffs("12345").not_before().is_some());
        let key = Key::from_bytes(&[7; 32]).expect("key");
        let cookie = SessionCookie::builder(&key, "__Host-session")
            .store(store)
            .build()
            .expect("valid cookie");
        let login = cookie.issue("12345").expect("login");
        let header = format!("theme=dark; {}; lang=en", login.stripped());
        let fixture = Fixture {
            value: login.value().to_owned(),
            cookie,
            header,
            samples: RefCell::default(),
        };
        fixture.check();
        fixture
    }

    /// Every row, once, before any is timed: each finds the session, so that a timed loop is
    /// the operation alone.
    fn check(&self) {
        let now = unix_now();
        let verified = self.verify_alone(now).expect("valid value");
        assert_eq!(verified, "12345");
        assert_eq!(self.verify_headers().expect("valid").id(), "12345");
        let mut parts = self.parts();
        assert_eq!(axum_extract(&mut parts, &self.cookie).id(), "12345");
        let mut behind = self.parts_behind_layer();
        assert_eq!(axum_extract(&mut behind, &self.cookie).id(), "12345");
        let session = axum_extract(&mut parts, &self.cookie);
        assert!(session.renewal(0.5).expect("renewal check").is_none());
        assert_eq!(actix_extract(&self.actix_request()).id(), "12345");
        let mut layered = SessionLayer::optional(self.cookie.clone()).layer(Handler);
        let response = ready_now(layered.call(self.request())).expect("infallible");
        assert_eq!(response.headers()[CONTENT_TYPE], "text/plain");
        assert_eq!(response.status(), http::StatusCode::OK);
        assert!(Handler::saw_session(
            &self.with_layer_session(self.request())
        ));
    }

    fn verify_alone(&self, now: u64) -> Result<&str, sigcookie::Error> {
        let store = self.cookie.store();
        let signer = self.cookie.signer();
        signer
            .verify_at(black_box(&self.value), now, &**store)
            .map(|verified| verified.id())
    }

    fn verify_headers(&self) -> Result<Session, sigcookie::Error> {
        self.cookie
            .verify_headers([black_box(self.header.as_str())])
    }

    fn request(&self) -> Request<()> {
        Request::builder()
            .header(COOKIE, self.header.as_str())
            .body(())
            .expect("valid request")
    }

    fn parts(&self) -> Parts {
        self.request().into_parts().0
    }

    /// The request as the layer hands it on: with the session it verified in its extensions.
    fn parts_behind_layer(&self) -> Parts {
        self.with_layer_session(self.request()).into_parts().0
    }

    fn with_layer_session(&self, mut request: Request<()>) -> Request<()> {
        let session = self.cookie.verify_headers([self.header.as_str()]);
        request
            .extensions_mut()
            .insert(session.expect("valid session"));
        request
    }

    fn actix_request(&self) -> actix_web::HttpRequest {
        actix_web::test::TestRequest::default()
            .insert_header((COOKIE.as_str(), self.header.as_str()))
            .app_data(actix_web::web::Data::new(self.cookie.clone()))
            .to_http_request()
    }

    fn bench(&self, group: &mut BenchmarkGroup<'_, WallTime>) {
        let now = unix_now();
        self.timed(group, VERIFY, || {
            let _ = black_box(self.verify_alone(black_box(now)));
        });
        self.timed(group, CLOCK, || {
            let _ = black_box(unix_now());
        });
        self.timed(group, HEADERS, || {
            let _ = black_box(self.verify_headers());
        });
        let mut parts = self.parts();
        self.timed(group, AXUM, || {
            black_box(axum_extract(black_box(&mut parts), &self.cookie));
        });
        let mut behind = self.parts_behind_layer();
        self.timed(group, AXUM_LAYER, || {
            black_box(axum_extract(black_box(&mut behind), &self.cookie));
        });
        self.timed(group, AXUM_RENEWAL, || {
            let session = axum_extract(black_box(&mut parts), &self.cookie);
            let _ = black_box(session.renewal(0.5));
        });
        let request = self.actix_request();
        self.timed(group, ACTIX, || {
            black_box(actix_extract(black_box(&request)));
        });
        let mut layered = SessionLayer::optional(self.cookie.clone()).layer(Handler);
        let request = || self.request();
        self.timed_batches(group, TOWER, request, |r| ready_now(layered.call(r)));
        self.timed_batches(group, TOWER_INNER, request, |r| ready_now(Handler.call(r)));
        // What the layer's contract costs by itself: the session handed over in the request's
        // `http::Extensions`, which box it (and make their map, on a request that had none).
        let session = self.verify_headers().expect("valid");
        self.timed_batches(
            group,
            HANDOVER,
            || session.clone(),
            |session| {
                let mut extensions = http::Extensions::new();
                extensions.insert(session);
                drop(black_box(extensions));
            },
        );
    }

    /// Times `op` under criterion, keeping each sample for the table.
    fn timed(
        &self,
        group: &mut BenchmarkGroup<'_, WallTime>,
        name: &'static str,
        mut op: impl FnMut(),
    ) {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    op();
                }
                self.record(name, iters, start.elapsed())
            })
        });
    }

    /// Times `op` on inputs made beforehand by `make`, `CHUNK` at a time, its outputs (the
    /// responses) dropped after the clock stops.
    fn timed_batches<I, O>(
        &self,
        group: &mut BenchmarkGroup<'_, WallTime>,
        name: &'static str,
        make: impl Fn() -> I,
        mut op: impl FnMut(I) -> O,
    ) {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut elapsed = Duration::ZERO;
                let mut left = iters;
                while left > 0 {
                    let n = left.min(CHUNK);
                    left -= n;
                    let inputs: Vec<I> = (0..n).map(|_| make()).collect();
                    let mut outputs = Vec::with_capacity(inputs.len());
                    let start = Instant::now();
                    for input in inputs {
                        outputs.push(op(black_box(input)));
                    }
                    elapsed += start.elapsed();
                    black_box(&outputs);
                }
                self.record(name, iters, elapsed)
            })
        });
    }

    fn record(&self, name: &'static str, iters: u64, elapsed: Duration) -> Duration {
        let ns = elapsed.as_nanos() as f64 / iters.max(1) as f64;
        self.samples.borrow_mut().entry(name).or_default().push(ns);
        elapsed
    }

    /// The median of each row's last `SAMPLES` samples (criterion's measurement; the earlier
    /// ones are its warm-up), as a markdown table with the machine it ran on.
    fn table(&self) -> String {
        let samples = self.samples.borrow();
        let median = |name: &str| -> Option<f64> {
            let all = samples.get(name)?;
            if all.len() < SAMPLES {
                return None;
            }
            let mut last = all[all.len() - SAMPLES..].to_vec();
            last.sort_by(f64::total_cmp);
            Some(last[SAMPLES / 2])
        };
        let mut out = String::new();
        let _ = writeln!(out, "\n{}\n", machine());
        let Some(verify) = median(VERIFY) else {
            let _ = writeln!(
                out,
                "No table: it needs criterion's full samples of `{VERIFY}` and the rows to \
                 compare with it (run without `--test`, with a filter that keeps `{VERIFY}`)."
            );
            return out;
        };
        let _ = writeln!(
            out,
            "| per request, 100,000 users' cut-offs in the store | ns | ÷ verify alone |"
        );
        let _ = writeln!(out, "|---|---:|---:|");
        let mut row = |name: &str, ns: f64| {
            let _ = writeln!(out, "| {name} | {ns:.0} | {:.2} |", ns / verify);
        };
        for name in [
            VERIFY,
            CLOCK,
            HEADERS,
            AXUM,
            AXUM_LAYER,
            AXUM_RENEWAL,
            ACTIX,
            TOWER,
            TOWER_INNER,
            HANDOVER,
        ] {
            if let Some(ns) = median(name) {
                row(name, ns);
            }
        }
        if let (Some(layer), Some(inner)) = (median(TOWER), median(TOWER_INNER)) {
            row(
                "tower layer's own share (call − inner service)",
                layer - inner,
            );
            if let Some(handover) = median(HANDOVER) {
                row(
                    "the same, less the session's handover in the extensions",
                    layer - inner - handover,
                );
            }
        }
        out
    }
}

/// The axum extractor, as a handler's `Session` argument runs it, with the cookie as the state.
fn axum_extract(parts: &mut Parts, cookie: &SessionCookie) -> Session {
    let session = <Session as FromRequestParts<SessionCookie>>::from_request_parts(parts, cookie);
    ready_now(session).expect("valid session")
}

fn actix_extract(request: &actix_web::HttpRequest) -> Session {
    let session = Session::from_request(request, &mut Payload::None).into_inner();
    session.expect("valid session")
}

/// The output of a future that is ready at once, as the extractors' and the layer's (around a
/// ready inner service) are: one poll, no runtime.
fn ready_now<F: Future>(future: F) -> F::Output {
    let mut context = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut context) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the future was not ready at once"),
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// The tower layer's inner service: reads the session as a handler would, and answers with a
/// response that has a header, as any real one does.
#[derive(Clone, Copy)]
struct Handler;

impl Handler {
    fn saw_session(request: &Request<()>) -> bool {
        request
            .extensions()
            .get::<Session>()
            .is_some_and(|session| session.id() == "12345")
    }
}

impl Service<Request<()>> for Handler {
    type Response = Response<()>;
    type Error = Infallible;
    type Future = Ready<Result<Response<()>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<()>) -> Self::Future {
        black_box(Handler::saw_session(&request));
        let mut response = Response::new(());
        let text = HeaderValue::from_static("text/plain");
        response.headers_mut().insert(CONTENT_TYPE, text);
        ready(Ok(response))
    }
}

/// What the numbers were measured on: the CPU, its cores, the compiler, and the versions of the
/// crates in the measured path (from the workspace's lock file, as built).
fn machine() -> String {
    let crates = [
        "sigcookie",
        "axum",
        "actix-web",
        "http",
        "tower",
        "criterion",
    ];
    format!(
        "{}; {}; {}",
        common::machine::hardware(),
        common::machine::rustc(),
        common::machine::versions(&crates)
    )
}
