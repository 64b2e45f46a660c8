//! The connection loop: hyper's HTTP/1 server driven by hand, because `axum::serve` has no
//! header-read timeout, no request timeout and no cap on connections, and a few hundred sockets
//! that send nothing then exhaust a device's open files.
//!
//! What bounds a client here:
//!
//! - **Connections**: at most [`Limits::max_connections`] at once, each holding a permit of a
//!   `tokio::sync::Semaphore` taken as it is accepted, before a byte is read. When all are taken
//!   the newcomer is not queued behind them: the oldest connection that has no request being
//!   handled (idle, or still sending its request) is closed to make room, so sockets held open
//!   by an attacker cannot keep a real user out. That is logged, at most every 10 s.
//! - **Time to send a request's head**: [`Limits::header_read`]. hyper starts this timer when it
//!   waits for a request, so it also closes a kept-alive connection idle for that long.
//! - **Time to send the body** ([`Limits::body_read`]) and its size ([`Limits::max_body`]): the
//!   body is read in full before the panel looks at the request.
//! - **Time to answer** ([`Limits::handler`]): a handler that takes longer is answered `503`.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode};
use axum::response::IntoResponse;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore};
use tower::ServiceExt;

/// What one client may hold and for how long.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Connections open at once. Each costs a file descriptor and a few KiB; 256 leaves room
    /// under the common limit of 1,024 open files for the state files, logs and Redis.
    pub max_connections: usize,
    /// Time to send a request's head, and the longest a kept-alive connection may sit idle.
    pub header_read: Duration,
    /// Time to send a request's body once its head has arrived.
    pub body_read: Duration,
    /// Time for the panel to answer a complete request.
    pub handler: Duration,
    /// The largest request body, in bytes; the login form's own limit is smaller.
    pub max_body: usize,
    /// The largest request head, in bytes.
    pub max_header: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 256,
            // Long enough for a phone on a poor Wi-Fi link, short enough that a held socket is
            // soon given back.
            header_read: Duration::from_secs(10),
            body_read: Duration::from_secs(10),
            // A login waits for a password check of a few tens of milliseconds; anything near
            // this long is a fault.
            handler: Duration::from_secs(10),
            max_body: 16 * 1024,
            max_header: 16 * 1024,
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes; connections still open then are
/// dropped. Each request carries `ConnectInfo<SocketAddr>`, the peer's address, which the
/// login throttle keys on.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let open = Arc::new(OpenConnections::default());
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .max_header_size(limits.max_header)
        .keep_alive(true);
    let mut cap_log = RateLimitedLog::new(Duration::from_secs(10));
    let mut accept_log = RateLimitedLog::new(Duration::from_secs(10));
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => return,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors (EMFILE) or memory: the socket stays in the kernel's
                // queue; wait a little rather than spin on the same error.
                if let Some(skipped) = accept_log.ready() {
                    tracing::warn!(%error, skipped, "cannot accept a connection");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let permit = match Arc::clone(&slots).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                let evicted = open.close_oldest_idle();
                if let Some(skipped) = cap_log.ready() {
                    tracing::warn!(
                        max = limits.max_connections,
                        evicted,
                        skipped,
                        "connection cap reached: closing the oldest idle connection"
                    );
                }
                // Every connection is handling a request: wait for one to end, which the
                // handler timeout bounds. Until then no other connection is accepted.
                let Ok(permit) = Arc::clone(&slots).acquire_owned().await else {
                    return;
                };
                permit
            }
        };
        let conn = open.register();
        let service = hyper::service::service_fn({
            let app = app.clone();
            let conn = Arc::clone(&conn);
            move |request| handle(app.clone(), Arc::clone(&conn), peer, limits, request)
        });
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let open = Arc::clone(&open);
        tokio::spawn(async move {
            let _permit = permit;
            tokio::select! {
                result = connection => {
                    if let Err(error) = result {
                        tracing::debug!(%peer, %error, "connection ended with an error");
                    }
                }
                () = conn.close.notified() => {
                    tracing::debug!(%peer, "connection closed to make room");
                }
            }
            open.remove(conn.id);
        });
    }
}

/// One request: the body read in full within its limits, then the router within the handler
/// timeout.
async fn handle(
    app: Router,
    conn: Arc<Connection>,
    peer: SocketAddr,
    limits: Limits,
    request: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = Limited::new(body, limits.max_body).collect();
    let body = match tokio::time::timeout(limits.body_read, body).await {
        Ok(Ok(body)) => body.to_bytes(),
        Ok(Err(error)) => {
            let status = if error.is::<http_body_util::LengthLimitError>() {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::BAD_REQUEST
            };
            return Ok(status.into_response());
        }
        Err(_) => return Ok(StatusCode::REQUEST_TIMEOUT.into_response()),
    };
    // From here on the connection is working for its client and is not closed to make room.
    let _busy = conn.busy();
    let mut request = Request::from_parts(parts, Body::from(body));
    request.extensions_mut().insert(ConnectInfo(peer));
    match tokio::time::timeout(limits.handler, app.oneshot(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::error!(%peer, "request took longer than {:?}", limits.handler);
            Ok(StatusCode::SERVICE_UNAVAILABLE.into_response())
        }
    }
}

/// The open connections, oldest first, so that the oldest idle one can be closed.
#[derive(Default)]
struct OpenConnections {
    next: AtomicU64,
    by_age: Mutex<BTreeMap<u64, Arc<Connection>>>,
}

struct Connection {
    id: u64,
    /// Requests of this connection being handled (0 or 1 with HTTP/1).
    busy: AtomicUsize,
    close: Notify,
}

impl Connection {
    fn busy(self: &Arc<Self>) -> Busy {
        self.busy.fetch_add(1, Ordering::SeqCst);
        Busy(Arc::clone(self))
    }
}

/// Marks a connection as handling a request until dropped.
struct Busy(Arc<Connection>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

impl OpenConnections {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Arc<Connection>>> {
        // A map of handles: a panic elsewhere cannot leave it half-changed.
        self.by_age.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn register(&self) -> Arc<Connection> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Connection {
            id,
            busy: AtomicUsize::new(0),
            close: Notify::new(),
        });
        self.lock().insert(id, Arc::clone(&conn));
        conn
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Asks the oldest connection with no request being handled to close; whether there was
    /// one. It is taken off the list at once, so the next call picks another.
    fn close_oldest_idle(&self) -> bool {
        let mut open = self.lock();
        let oldest = open
            .iter()
            .find(|(_, conn)| conn.busy.load(Ordering::SeqCst) == 0)
            .map(|(id, _)| *id);
        match oldest.and_then(|id| open.remove(&id)) {
            Some(conn) => {
                // `notify_one` keeps the wake-up if the task is not waiting yet.
                conn.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Lets a message through at most once per `every`, counting the ones held back, so that an
/// attack cannot fill the device's log.
pub struct RateLimitedLog {
    every: Duration,
    last: Option<Instant>,
    skipped: u64,
}

impl RateLimitedLog {
    pub fn new(every: Duration) -> RateLimitedLog {
        RateLimitedLog {
            every,
            last: None,
            skipped: 0,
        }
    }

    /// `Some(messages held back since the last one)` when this one may be logged.
    pub fn ready(&mut self) -> Option<u64> {
        let now = Instant::now();
        if self.last.is_some_and(|last| now - last < self.every) {
            self.skipped += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.skipped))
    }
}
