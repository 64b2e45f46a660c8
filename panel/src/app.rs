//! The panel's routes and its handlers for login, status and logout (changing a password is
//! `password.rs`). `main.rs` runs it; the integration tests include the example's files
//! (`#[path]`) and serve the same router on a loopback port.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use axum::extract::{
    ConnectInfo, DefaultBodyLimit, FromRef, FromRequestParts, Query, Request, State,
};
use axum::http::header::{HOST, ORIGIN, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use sigcookie::tower::SessionLayer;
use sigcookie::web::{
    Duration, OffsetDateTime, Session, SessionCookie, SessionCookieBuilder, SetCookie,
};
use sigcookie::{Error, Key};
use tokio::sync::Semaphore;

use crate::pages::{self, Message, escape, human_duration};
use crate::server::RateLimitedLog;
use crate::throttle::{self, Attempt, Client, Device, Lane, Refused, Throttle};
use crate::users::{User, Users};
use crate::{device, password};

/// Name of the session cookie. `__Host-` makes the browser refuse it unless it is `Secure`,
/// `Path=/` and has no `Domain`, so a sibling host cannot plant or shadow it.
pub const COOKIE_NAME: &str = "__Host-panel";
/// The name in plain-HTTP mode, where the `__Host-` prefix (which needs `Secure`) is impossible.
pub const PLAIN_HTTP_COOKIE_NAME: &str = "panel";
/// How long a login lasts without activity; pages renew it past half of this.
pub const IDLE_TIMEOUT: Duration = Duration::hours(1);
/// How long a login lasts however active: a stolen cookie kept in use dies with it.
pub const SESSION_LIFETIME: Duration = Duration::hours(12);
/// Password checks that may run at once. Each Argon2 check takes 19 MiB and a core for a few
/// tens of milliseconds; two bound that at 38 MiB on a small device.
pub const LOGIN_PERMITS: usize = 2;
/// The largest login or password form, in bytes, with room to spare.
pub const FORM_BODY_LIMIT: usize = 1024;
/// The longest user name shown back in the login form after a failure.
const MAX_NAME_LEN: usize = 64;
/// Shown when the password hashes cannot be read (the shared server is unreachable).
const CLOCK_NOT_SET: &str = "The device clock is not set, so no one can log in yet. Set it, or \
                             wait until the device reaches its time server, and try again.";
const UNAVAILABLE: &str = "The panel cannot check passwords right now: its password store is \
                           unreachable. Try again later.";

/// The session cookie the panel uses; callers may add a clock or a store before building it.
pub fn session_cookie(key: &Key, plain_http: bool) -> SessionCookieBuilder<'_> {
    let builder = if plain_http {
        SessionCookie::builder(key, PLAIN_HTTP_COOKIE_NAME).insecure_plain_http()
    } else {
        SessionCookie::builder(key, COOKIE_NAME)
    };
    builder.max_age(IDLE_TIMEOUT).lifetime(SESSION_LIFETIME)
}

/// What the panel needs besides the cookie and the users: the `Host` values it answers to, and
/// the permits for password checks.
pub struct Config {
    /// `Host` header values accepted, compared ignoring ASCII case.
    pub hosts: Vec<String>,
    /// One permit per password check in flight; shared so that tests can hold them.
    pub login_slots: Arc<Semaphore>,
    /// The clock the login throttle measures its windows by: [`throttle::monotonic`], which
    /// tests replace with one they move.
    pub throttle_clock: throttle::ThrottleClock,
}

impl Config {
    /// Accepts the address the panel listens on, `localhost` on its port, and `extra_hosts`, a
    /// comma-separated list (the `PANEL_HOSTS` variable) such as `panel.lan,192.168.1.1:8080`.
    pub fn new(local: SocketAddr, extra_hosts: Option<&str>) -> Config {
        let port = local.port();
        let mut hosts = vec![local.to_string(), format!("localhost:{port}")];
        // Browsers leave the default port out of `Host`.
        if port == 80 {
            hosts.extend([local.ip().to_string(), "localhost".to_owned()]);
        }
        let extra = extra_hosts.unwrap_or_default().split(',').map(str::trim);
        hosts.extend(extra.filter(|host| !host.is_empty()).map(str::to_owned));
        Config {
            hosts,
            login_slots: Arc::new(Semaphore::new(LOGIN_PERMITS)),
            throttle_clock: throttle::monotonic(),
        }
    }
}

#[derive(Clone)]
pub(crate) struct Panel {
    cookie: SessionCookie,
    /// The device cookie (`device.rs`): a login throttle lane of its own for a browser that
    /// logged in as the user before.
    pub(crate) device: SessionCookie,
    pub(crate) users: Arc<Users>,
    started: Instant,
    login_slots: Arc<Semaphore>,
    pub(crate) throttle: Arc<Mutex<Throttle>>,
    /// Refused logins are logged at most every 10 s: a flood must not fill the device's log.
    refusal_log: Arc<Mutex<RateLimitedLog>>,
}

impl Panel {
    /// The time by the session cookie's clock, which tests move. A clock before 1970 reads as
    /// 1970. (The throttle has a monotonic clock of its own.)
    fn now(&self) -> OffsetDateTime {
        self.cookie.now().unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    fn throttle(&self) -> MutexGuard<'_, Throttle> {
        lock(&self.throttle)
    }

    pub(crate) fn log_refusal(&self, client: SocketAddr, reason: &str) {
        if let Some(skipped) = lock(&self.refusal_log).ready() {
            tracing::info!(%client, skipped, "password check refused: {reason}");
        }
    }

    /// Counts a password check for `peer`, in the lane of `device` when the request carries a
    /// valid device cookie of the user it names (see [`device::lane`]), and `runs` Argon2 runs
    /// in the successes of `user` (the user it names, if any); and takes a permit for it; or
    /// the redirect that says why not. The count comes first, under the throttle's lock, so
    /// that no two requests can both pass the last free check.
    pub(crate) async fn begin_check(
        &self,
        peer: SocketAddr,
        device: Option<Device>,
        user: Option<&User>,
        runs: usize,
    ) -> Result<(Attempt, tokio::sync::OwnedSemaphorePermit), CheckRefused> {
        let device_lane = device.is_some();
        let lane = match device {
            Some(device) => Lane::Device(device),
            None => Lane::Client(Client::from(peer.ip())),
        };
        let user = user.map(|user| user.id.as_str());
        let attempt = match self.throttle().begin(lane, user, runs) {
            Ok(attempt) => attempt,
            Err(refused) => {
                let reason = match refused {
                    Refused::Client { .. } => "too many from this client",
                    Refused::Global { .. } => "too many from all clients",
                    Refused::Device { .. } => "too many from this device cookie",
                    Refused::UserDevices { .. } => "too many from this user's device cookies",
                    Refused::UserSuccesses { .. } => "too many successful checks of this user",
                };
                self.log_refusal(peer, reason);
                return Err(CheckRefused::Throttled(refused.wait()));
            }
        };
        // By address: refused at once rather than queued when the checks are busy, as a queue
        // would hold the connections of a flood and put it ahead of the owner; the user just
        // submits again. By device: in line for a moment, first come first served (a permit
        // that is freed goes to the line before anyone else), so that the checks other users
        // may run cannot keep a known device out; the line is short, as only counted checks
        // join it.
        let slots = Arc::clone(&self.login_slots);
        let refused = if device_lane {
            let mut pending = Pending {
                throttle: &self.throttle,
                attempt: Some(attempt),
            };
            let permit = tokio::time::timeout(DEVICE_WAIT, slots.acquire_owned()).await;
            let attempt = pending.attempt.take().expect("still pending");
            match permit {
                Ok(Ok(permit)) => return Ok((attempt, permit)),
                _ => attempt,
            }
        } else {
            match slots.try_acquire_owned() {
                Ok(permit) => return Ok((attempt, permit)),
                Err(_) => attempt,
            }
        };
        self.throttle().cancel(refused);
        self.log_refusal(peer, "password checks busy");
        Err(CheckRefused::Busy)
    }
}

/// How long a check in a device lane waits in line for a permit before it is refused as busy.
const DEVICE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// An attempt waiting for a permit: if the request is dropped meanwhile (its client hung up),
/// no check ran, and the attempt is taken off the count.
struct Pending<'a> {
    throttle: &'a Mutex<Throttle>,
    attempt: Option<Attempt>,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if let Some(attempt) = self.attempt.take() {
            lock(self.throttle).cancel(attempt);
        }
    }
}

/// The data behind these locks is replaced whole, never left half-written by a panic, so a
/// poisoned lock is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) enum CheckRefused {
    Throttled(i64),
    Busy,
}

impl CheckRefused {
    pub(crate) fn code(&self) -> &'static str {
        match self {
            CheckRefused::Throttled(_) => "throttled",
            CheckRefused::Busy => "busy",
        }
    }

    pub(crate) fn wait(&self) -> i64 {
        match *self {
            CheckRefused::Throttled(wait) => wait,
            CheckRefused::Busy => 1,
        }
    }
}

impl FromRef<Panel> for SessionCookie {
    fn from_ref(panel: &Panel) -> SessionCookie {
        panel.cookie.clone()
    }
}

/// The panel's routes: `cookie` is the session cookie ([`session_cookie`]), `device` the
/// device cookie ([`device::device_cookie`]).
pub fn router(
    cookie: SessionCookie,
    device: SessionCookie,
    users: Arc<Users>,
    config: Config,
) -> Router {
    let hosts: Arc<[String]> = config.hosts.into();
    let form_limit = DefaultBodyLimit::max(FORM_BODY_LIMIT);
    // Every page is chosen by the session cookie: the layer adds `Vary: Cookie` to each, and
    // keeps any response that sets or removes the cookie out of shared caches. Optional: the
    // handlers' extractors decide who is logged in, and take the session it verified.
    let sessions = SessionLayer::optional(cookie.clone());
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login).layer(form_limit))
        .route("/status", get(status))
        .route(
            "/password",
            get(password::page).post(password::change).layer(form_limit),
        )
        .route("/logout", axum::routing::post(logout))
        .route(
            "/logout-everywhere",
            get(confirm_logout_everywhere).post(logout_everywhere),
        )
        .fallback(not_found)
        .with_state(Panel {
            cookie,
            device,
            users,
            started: Instant::now(),
            login_slots: config.login_slots,
            throttle: Arc::new(Mutex::new(Throttle::new(config.throttle_clock))),
            refusal_log: Arc::new(Mutex::new(RateLimitedLog::new(
                std::time::Duration::from_secs(10),
            ))),
        })
        .layer(sessions)
        .layer(middleware::from_fn_with_state(hosts, known_host))
}

/// Refuses a request whose `Host` is not one of the panel's own names, on every route. Under
/// DNS rebinding an attacker's name resolves to the panel, so the victim's browser sends the
/// attacker's pages to it as same-origin, with `Host` and `Origin` both naming the attacker:
/// the `Origin` check alone cannot tell. The panel's cookie was set for its own name and never
/// goes to the attacker's, but the login form and every page would otherwise answer.
async fn known_host(State(hosts): State<Arc<[String]>>, request: Request, next: Next) -> Response {
    let host = request.headers().get(HOST).map(|host| host.as_bytes());
    let known = host.is_some_and(|host| {
        hosts
            .iter()
            .any(|h| h.as_bytes().eq_ignore_ascii_case(host))
    });
    if !known {
        tracing::debug!(host = ?host.map(String::from_utf8_lossy), "request for an unknown host refused");
        return (StatusCode::MISDIRECTED_REQUEST, "421 Misdirected Request\n").into_response();
    }
    next.run(request).await
}

/// A logged-in user: a valid session cookie whose id is in the user table. Anything else is
/// answered for the handler: no cookie at all goes to the login page, a cookie that is no longer
/// good (expired, revoked, or for a user who is gone) gets the "session ended" page, and the
/// browser is told to drop it.
pub(crate) struct LoggedIn {
    pub(crate) session: Session,
    pub(crate) user: User,
}

impl FromRequestParts<Panel> for LoggedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, panel: &Panel) -> Result<Self, Response> {
        let ended = || (panel.cookie.removal(), pages::session_ended()).into_response();
        let session = match Session::from_request_parts(parts, panel).await {
            Ok(session) => session,
            Err(Error::Missing) => return Err(Redirect::to("/login").into_response()),
            Err(_) => return Err(ended()),
        };
        match panel.users.by_id(session.id()) {
            Some(user) => Ok(LoggedIn { session, user }),
            None => {
                tracing::info!(
                    id = session.id(),
                    "session refused: its user is not in the user table"
                );
                Err(ended())
            }
        }
    }
}

impl LoggedIn {
    /// The renewed session cookie to send with this page, once half the idle timeout has
    /// passed. A renewal refused (the session was revoked since it was verified, or the clock
    /// failed) is logged and left out: the page was already the user's, and the next request
    /// is refused by the extractor.
    pub(crate) fn renewal(&self) -> Option<SetCookie> {
        self.session
            .renewal(0.5)
            .map_err(|reason| tracing::debug!(%reason, "session renewal refused"))
            .ok()
            .flatten()
    }

    /// When the session ends if left idle, counting a renewal sent with this response.
    fn idle_end(&self, renewed: bool, now: OffsetDateTime) -> OffsetDateTime {
        let cookie = self.session.cookie();
        if renewed {
            (now + cookie.max_age()).min(self.session.logged_in_at() + cookie.lifetime())
        } else {
            self.session.expires_at()
        }
    }
}

async fn home(State(panel): State<Panel>, session: Option<Session>) -> Response {
    match session {
        Some(session) if panel.users.by_id(session.id()).is_some() => {
            Redirect::to("/status").into_response()
        }
        _ => Redirect::to("/login").into_response(),
    }
}

/// Any other path: a page with a way back, rather than an empty 404.
async fn not_found() -> Response {
    pages::not_found()
}

/// What the redirect after a login or a logout tells the login page.
#[derive(Deserialize)]
struct LoginQuery {
    error: Option<String>,
    notice: Option<String>,
    user: Option<String>,
    wait: Option<u32>,
}

async fn login_page(
    State(panel): State<Panel>,
    session: Option<Session>,
    Query(query): Query<LoginQuery>,
) -> Response {
    if session.is_some_and(|session| panel.users.by_id(session.id()).is_some()) {
        return Redirect::to("/status").into_response();
    }
    // From the address bar, so anyone's link can set it: never more than the throttle's window.
    let wait = i64::from(query.wait.unwrap_or(1)).min(throttle::WINDOW.whole_seconds());
    let error = match query.error.as_deref() {
        Some("wrong") => Some("Wrong user name or password.".to_owned()),
        Some("throttled") => Some(format!(
            "Too many login attempts. Try again in {}.",
            human_duration(Duration::seconds(wait))
        )),
        Some("busy") => Some("The panel is busy. Try again in a moment.".to_owned()),
        Some("unavailable") => Some(UNAVAILABLE.to_owned()),
        Some("clock") => Some(CLOCK_NOT_SET.to_owned()),
        _ => None,
    };
    let notice = match query.notice.as_deref() {
        Some("logged-out") => Some("You have logged out."),
        Some("logged-out-all") => Some("All sessions have been logged out, including this one."),
        _ => None,
    };
    let message = match (&error, notice) {
        (Some(error), _) => Some(Message::Error(error)),
        (None, Some(notice)) => Some(Message::Notice(notice)),
        (None, None) => None,
    };
    let user: String = query
        .user
        .unwrap_or_default()
        .chars()
        .take(MAX_NAME_LEN)
        .collect();
    pages::login(StatusCode::OK, message, &user)
}

#[derive(Deserialize)]
struct LoginForm {
    user: String,
    password: String,
}

/// Checks a login and answers with a redirect either way (post/redirect/get): to the status
/// page with the cookie, or back to the login form with the reason and the user name.
async fn login(
    State(panel): State<Panel>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if !same_origin(&headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let back = |error: &str, retry: Option<i64>| {
        let name: String = form.user.chars().take(MAX_NAME_LEN).collect();
        let mut location = format!("/login?error={error}&user={}", percent_encode(&name));
        if let Some(wait) = retry {
            location.push_str(&format!("&wait={wait}"));
        }
        let retry_after = retry.map(|wait| [(RETRY_AFTER, wait.to_string())]);
        (retry_after, Redirect::to(&location)).into_response()
    };
    let user = panel.users.by_name(&form.user);
    let device = device::lane(&panel.device, &headers, user.as_ref());
    let (attempt, permit) = match panel.begin_check(peer, device, user.as_ref(), 1).await {
        Ok(begun) => begun,
        Err(refused) => return back(refused.code(), Some(refused.wait())),
    };
    let users = Arc::clone(&panel.users);
    let cookie = panel.cookie.clone();
    let throttle = Arc::clone(&panel.throttle);
    let password = form.password.clone();
    // The check runs, and its result is recorded, in a task of its own holding the permit: a
    // client that hangs up stops neither, so it cannot free the slot or dodge the count.
    let outcome = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let checked = match counted_check(&users, &throttle, attempt, user.as_ref(), &password) {
            Ok(checked) => checked,
            Err(error) => return Login::Unavailable(error),
        };
        let (Some(user), Some(hash)) = (user, checked) else {
            return Login::Wrong;
        };
        let issued = match cookie.issue(&user.id) {
            Ok(issued) => issued,
            Err(error @ Error::ClockNotSet { .. }) => return Login::ClockNotSet(error),
            Err(error) => return Login::Failed(error.to_string()),
        };
        // The password may have changed while it was being checked, here or on another panel
        // sharing the hashes. Looked at again only now, after the cookie exists: a change saved
        // before this look is seen, and one saved after it revokes at least up to this
        // cookie's login time (its cut-off passes any earlier one), so no login with an old
        // password outlives a change.
        match users.still_has(&user.id, &hash) {
            Ok(true) => Login::In(user, Box::new(issued)),
            Ok(false) => Login::Raced,
            Err(error) => Login::Unavailable(error),
        }
    })
    .await
    .unwrap_or_else(|e| Login::Failed(e.to_string()));
    match outcome {
        Login::In(user, cookie) => {
            tracing::info!(user = user.id, %peer, "login");
            // A new device cookie on every login, so a device in use keeps its lane for a year
            // from its last login.
            let device = device::renewed(&panel.device, &user.id);
            (*cookie, device, Redirect::to("/status")).into_response()
        }
        Login::Wrong => {
            panel.log_refusal(peer, "wrong user name or password");
            back("wrong", None)
        }
        Login::Raced => {
            panel.log_refusal(peer, "password changed during the check");
            back("wrong", None)
        }
        Login::Unavailable(error) => {
            tracing::error!(%error, "login refused: cannot read the password hashes");
            back("unavailable", None)
        }
        Login::ClockNotSet(error) => {
            tracing::error!(%error, "login refused");
            back("clock", None)
        }
        Login::Failed(error) => {
            tracing::error!(%error, "login failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// [`Users::check_password`], with its result recorded for the throttle: a failure stays
/// counted in its lane, a success in its user's successes, and a check that could not run
/// because the hashes could not be read (no password was checked) in neither. Blocks: call it off the async threads.
pub(crate) fn counted_check(
    users: &Users,
    throttle: &Mutex<Throttle>,
    attempt: Attempt,
    user: Option<&User>,
    password: &str,
) -> Result<Option<String>, String> {
    let checked = users.check_password(user, password);
    match &checked {
        Ok(hash) => lock(throttle).finish(attempt, hash.is_some()),
        Err(_) => lock(throttle).cancel(attempt),
    }
    checked
}

/// How a login's password check ended.
enum Login {
    /// The password matched and was still the user's after the cookie was issued.
    /// (The cookie boxed: a `SetCookie` is far larger than the other outcomes.)
    In(User, Box<SetCookie>),
    /// A wrong name or password.
    Wrong,
    /// The password matched, but was changed before the login was complete.
    Raced,
    /// The password hashes could not be read (the shared server is unreachable): refused,
    /// never checked against a copy that may be out of date.
    Unavailable(String),
    /// The device's clock reads before it can be believed (it has not been set since boot):
    /// a cookie signed now would die at once, or come back once the clock is set.
    ClockNotSet(Error),
    /// The cookie could not be issued, or the check's task failed.
    Failed(String),
}

#[derive(Deserialize)]
struct StatusQuery {
    notice: Option<String>,
}

async fn status(
    State(panel): State<Panel>,
    me: LoggedIn,
    Query(query): Query<StatusQuery>,
) -> Response {
    let demo_password = panel
        .users
        .demo_password(&me.user.id)
        .await
        .unwrap_or_else(|error| {
            // Only the reminder is lost; the page is still the user's.
            tracing::warn!(%error, "cannot tell whether the demo password is still set");
            false
        });
    let now = panel.now();
    let renewal = me.renewal();
    let idle_end = me.idle_end(renewal.is_some(), now);
    let lifetime_end = me.session.logged_in_at() + me.session.cookie().lifetime();
    let logged_in = me.session.logged_in_at();
    let message = if query.notice.as_deref() == Some("password-changed") {
        Some(Message::Notice(
            "Password changed. Every other session of this account has been logged out.",
        ))
    } else if demo_password {
        Some(Message::Warning(
            "This account still has the demo password. Change it before the device goes on a network.",
        ))
    } else {
        None
    };
    let body = format!(
        r#"<p id="user">Signed in as <b>{name}</b>.</p>
<table>
<tr><th>Logged in</th><td id="logged-in">{logged_in} <small>({ago})</small></td></tr>
<tr><th>Session ends</th><td id="session-ends">{idle_end} if idle <small>(in {idle_in})</small>,<br>{lifetime_end} at the latest</td></tr>
<tr><th>Uptime</th><td id="uptime">{uptime}</td></tr>
</table>
<div class="actions">
<a id="change-password" class="button plain" href="/password">Change password</a>
<form method="post" action="/logout">{csrf}<button id="logout" type="submit">Log out</button></form>
<a id="logout-everywhere" class="button danger" href="/logout-everywhere">Log out all sessions…</a>
</div>"#,
        name = escape(&me.user.name),
        csrf = pages::csrf_field(&me.session),
        logged_in = pages::clock(logged_in, now),
        ago = pages::ago(now - logged_in),
        idle_end = pages::clock(idle_end, now),
        idle_in = human_duration(idle_end - now),
        lifetime_end = pages::clock(lifetime_end, now),
        uptime =
            human_duration(Duration::try_from(panel.started.elapsed()).unwrap_or(Duration::ZERO)),
    );
    (
        renewal,
        pages::page(StatusCode::OK, "Device status", message, &body),
    )
        .into_response()
}

/// Ends this session on the server, so a copy of its cookie is refused too, and removes the
/// cookie. With a session that verifies, the form must carry its CSRF token, so that no other
/// page can log the user out; a cookie that no longer verifies (expired, revoked) is only
/// removed, whatever the form says.
async fn logout(
    State(panel): State<Panel>,
    headers: HeaderMap,
    session: Option<Session>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !same_origin(&headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let removal = match session {
        None => panel.cookie.removal(),
        Some(session) => {
            if let Some(refused) = csrf_refusal(&session, &form.csrf) {
                return refused;
            }
            let user = session.id().to_owned();
            // The store writes to disk or asks the shared server: not on the async threads.
            let outcome = tokio::task::spawn_blocking(move || session.log_out())
                .await
                .map_err(|e| e.to_string())
                .and_then(|logged_out| logged_out.map_err(|e| e.to_string()));
            match outcome {
                Ok(removal) => {
                    tracing::info!(user, "logged out");
                    removal
                }
                Err(error) => {
                    tracing::error!(%error, "cannot log out");
                    return failure(
                        "The session could not be ended: the panel cannot save the change. \
                         Try again, or log out all sessions.",
                    );
                }
            }
        }
    };
    (removal, Redirect::to("/login?notice=logged-out")).into_response()
}

/// "Log out all sessions" asks first: it logs out every user on every device, this one too.
async fn confirm_logout_everywhere(me: LoggedIn) -> Response {
    let body = format!(
        r#"<p>Every session of every user ends, on every browser and device, including this one. Everyone has to log in again.</p>
<div class="actions">
<form method="post" action="/logout-everywhere">{csrf}<button id="confirm-logout-everywhere" class="danger" type="submit">Log out all sessions</button></form>
<a id="cancel" class="button plain" href="/status">Cancel</a>
</div>"#,
        csrf = pages::csrf_field(&me.session),
    );
    (
        me.renewal(),
        pages::page(StatusCode::OK, "Log out all sessions?", None, &body),
    )
        .into_response()
}

async fn logout_everywhere(
    headers: HeaderMap,
    me: LoggedIn,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !same_origin(&headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    if let Some(refused) = csrf_refusal(&me.session, &form.csrf) {
        return refused;
    }
    let cookie = me.session.cookie().clone();
    // The store writes to disk or asks the shared server: not on the async threads.
    let outcome = {
        let cookie = cookie.clone();
        tokio::task::spawn_blocking(move || cookie.log_out_everywhere().map_err(|e| e.to_string()))
            .await
            .unwrap_or_else(|e| Err(e.to_string()))
    };
    match outcome {
        Ok(cutoff) => {
            tracing::info!(user = me.user.id, %cutoff, "logged out all sessions");
            // Every device cookie ended with the sessions, this browser's too: a session is
            // all this request proved, and a thief may hold one. The next login gives a new one.
            (
                cookie.removal(),
                Redirect::to("/login?notice=logged-out-all"),
            )
                .into_response()
        }
        Err(error) => {
            tracing::error!(%error, "cannot log out all sessions");
            failure("All sessions could not be logged out: the panel cannot save the change.")
        }
    }
}

pub(crate) fn failure(message: &str) -> Response {
    let body = r#"<div class="actions"><a class="button" href="/status">Back</a></div>"#;
    pages::page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        Some(Message::Error(message)),
        body,
    )
}

/// A form with nothing but the session's CSRF token, as the logout forms send it. A missing
/// field is an empty token, refused by [`csrf_refusal`] like any other wrong one.
#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// The "Form refused" page for a logged-in user's form whose CSRF token is not this session's,
/// or `None` when it is: a check on top of the `Origin` one. A page of another site (or of a
/// sibling host, which is the same *site* for `SameSite`) cannot know the token, and a page
/// from before the user logged in again has another session's. Checked in constant time, with
/// nothing stored ([`Session::verify_csrf`]).
pub(crate) fn csrf_refusal(session: &Session, token: &str) -> Option<Response> {
    let reason = session.verify_csrf(token).err()?;
    tracing::info!(id = session.id(), %reason, "form refused: CSRF token");
    Some(pages::form_expired())
}

/// Refuses a `POST` whose `Origin` is another site's. `SameSite=Lax` already keeps the session
/// cookie off cross-site `POST`s; this also stops login CSRF (logging a victim into an account
/// the attacker controls), which needs no cookie. Clients that send no `Origin` are not browsers
/// submitting a cross-site form, so they pass. `Host` itself was checked by [`known_host`].
pub(crate) fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(ORIGIN) else {
        return true;
    };
    let host = headers.get(HOST).map(|host| host.as_bytes());
    let origin_host = origin
        .as_bytes()
        .strip_prefix(b"http://")
        .or_else(|| origin.as_bytes().strip_prefix(b"https://"));
    origin_host.is_some() && origin_host == host
}

/// `text` for a URL's query string: every byte but the unreserved ones as `%XX`.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
