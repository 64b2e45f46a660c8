//! The panel's routes and handlers. `main.rs` runs it; the integration tests include the
//! example's files (`#[path]`) and serve the same router on a loopback port.

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
use sigcookie::Key;
use sigcookie::extract::{Session, SetCookie};
use sigcookie::web::{
    Cookie, Duration, OffsetDateTime, Rejection, SessionCookie, SessionCookieBuilder,
};
use tokio::sync::Semaphore;

use crate::device;
use crate::pages::{self, Message, escape, human_duration};
use crate::server::RateLimitedLog;
use crate::throttle::{self, Attempt, Client, Device, Lane, Refused, Throttle};
use crate::users::{self, MAX_PASSWORD_LEN, MIN_PASSWORD_LEN, User, Users};

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
/// Shown when the password hashes cannot be read (the shared Redis is unreachable).
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
        }
    }
}

#[derive(Clone)]
struct Panel {
    cookie: SessionCookie,
    /// The device cookie (`device.rs`): a login throttle lane of its own for a browser that
    /// logged in as the user before.
    device: SessionCookie,
    users: Arc<Users>,
    started: Instant,
    login_slots: Arc<Semaphore>,
    throttle: Arc<Mutex<Throttle>>,
    /// Refused logins are logged at most every 10 s: a flood must not fill the device's log.
    refusal_log: Arc<Mutex<RateLimitedLog>>,
}

impl Panel {
    /// The time by the session cookie's clock, which tests move. A clock before 1970 reads as
    /// 1970: the throttle then counts as if no time passed, which errs on the slow side.
    fn now(&self) -> OffsetDateTime {
        self.cookie.now().unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    fn throttle(&self) -> MutexGuard<'_, Throttle> {
        lock(&self.throttle)
    }

    fn log_refusal(&self, client: SocketAddr, reason: &str) {
        if let Some(skipped) = lock(&self.refusal_log).ready() {
            tracing::info!(%client, skipped, "password check refused: {reason}");
        }
    }

    /// Counts a password check for `peer`, in the lane of `device` when the request carries a
    /// valid device cookie of the user it names (see [`device::lane`]), and takes a permit for
    /// it; or the redirect that says why not. The count comes first, under the throttle's lock,
    /// so that no two requests can both pass the last free check.
    fn begin_check(
        &self,
        peer: SocketAddr,
        device: Option<Device>,
    ) -> Result<(Attempt, tokio::sync::OwnedSemaphorePermit), CheckRefused> {
        let lane = match device {
            Some(device) => Lane::Device(device),
            None => Lane::Client(Client::from(peer.ip())),
        };
        let attempt = match self.throttle().begin(lane, self.now()) {
            Ok(attempt) => attempt,
            Err(refused) => {
                let reason = match refused {
                    Refused::Client { .. } => "too many from this client",
                    Refused::Global { .. } => "too many from all clients",
                    Refused::Device { .. } => "too many from this device cookie",
                    Refused::UserDevices { .. } => "too many from this user's device cookies",
                };
                self.log_refusal(peer, reason);
                return Err(CheckRefused::Throttled(refused.wait()));
            }
        };
        // Refused at once rather than queued when the checks are busy: a queue would hold every
        // waiting request's connection. The user just submits again.
        match Arc::clone(&self.login_slots).try_acquire_owned() {
            Ok(permit) => Ok((attempt, permit)),
            Err(_) => {
                self.throttle().cancel(attempt);
                self.log_refusal(peer, "password checks busy");
                Err(CheckRefused::Busy)
            }
        }
    }
}

/// The data behind these locks is replaced whole, never left half-written by a panic, so a
/// poisoned lock is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

enum CheckRefused {
    Throttled(i64),
    Busy,
}

impl CheckRefused {
    fn code(&self) -> &'static str {
        match self {
            CheckRefused::Throttled(_) => "throttled",
            CheckRefused::Busy => "busy",
        }
    }

    fn wait(&self) -> i64 {
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
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login).layer(form_limit))
        .route("/status", get(status))
        .route(
            "/password",
            get(password_page).post(change_password).layer(form_limit),
        )
        .route("/logout", axum::routing::post(logout))
        .route(
            "/logout-everywhere",
            get(confirm_logout_everywhere).post(logout_everywhere),
        )
        .with_state(Panel {
            cookie,
            device,
            users,
            started: Instant::now(),
            login_slots: config.login_slots,
            throttle: Arc::default(),
            refusal_log: Arc::new(Mutex::new(RateLimitedLog::new(
                std::time::Duration::from_secs(10),
            ))),
        })
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
struct LoggedIn {
    session: Session,
    user: User,
}

impl FromRequestParts<Panel> for LoggedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, panel: &Panel) -> Result<Self, Response> {
        let ended = || (SetCookie(panel.cookie.removal()), pages::session_ended()).into_response();
        let session = match Session::from_request_parts(parts, panel).await {
            Ok(session) => session,
            Err(rejection) if rejection.reason() == Rejection::Missing => {
                return Err(Redirect::to("/login").into_response());
            }
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
            "Too many failed logins. Try again in {}.",
            human_duration(Duration::seconds(wait))
        )),
        Some("busy") => Some("The panel is busy. Try again in a moment.".to_owned()),
        Some("unavailable") => Some(UNAVAILABLE.to_owned()),
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
    username: String,
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
        let name: String = form.username.chars().take(MAX_NAME_LEN).collect();
        let mut location = format!("/login?error={error}&user={}", percent_encode(&name));
        if let Some(wait) = retry {
            location.push_str(&format!("&wait={wait}"));
        }
        let retry_after = retry.map(|wait| [(RETRY_AFTER, wait.to_string())]);
        (retry_after, Redirect::to(&location)).into_response()
    };
    let user = panel.users.by_name(&form.username);
    let device = device::lane(&panel.device, &headers, user.as_ref());
    let (attempt, permit) = match panel.begin_check(peer, device) {
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
            Err(error) => return Login::Failed(error.to_string()),
        };
        // The password may have changed while it was being checked, here or on another panel
        // sharing the hashes. Looked at again only now, after the cookie exists: a change saved
        // before this look is seen, and one saved after it revokes at least up to this
        // cookie's login time (its cut-off passes any earlier one), so no login with an old
        // password outlives a change.
        match users.still_has(&user.id, &hash) {
            Ok(true) => Login::In(user, issued),
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
            // from its last login. Without one the login still stands: the cookie only spares
            // the next login the shared budget.
            let device = panel
                .device
                .issue(&user.id)
                .map_err(|error| tracing::warn!(%error, "cannot issue a device cookie"))
                .ok()
                .map(SetCookie);
            (SetCookie(cookie), device, Redirect::to("/status")).into_response()
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
        Login::Failed(error) => {
            tracing::error!(%error, "login failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// [`Users::check_password`], with its result recorded for the throttle: a failure stays
/// counted, a success is taken off, and so is a check that could not run because the hashes
/// could not be read (no password was checked). Blocks: call it off the async threads.
fn counted_check(
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
    In(User, Cookie<'static>),
    /// A wrong name or password.
    Wrong,
    /// The password matched, but was changed before the login was complete.
    Raced,
    /// The password hashes could not be read (Redis unreachable): refused, never checked
    /// against a copy that may be out of date.
    Unavailable(String),
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
    let renewal = me.session.renewal(0.5);
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
<tr><th>Firmware</th><td>1.4.2</td></tr>
<tr><th>Uptime</th><td id="uptime">{uptime}</td></tr>
<tr><th>WAN</th><td>connected</td></tr>
</table>
<div class="actions">
<a id="change-password" class="button plain" href="/password">Change password</a>
<form method="post" action="/logout"><button id="logout" type="submit">Log out</button></form>
<a id="logout-everywhere" class="button danger" href="/logout-everywhere">Log out all sessions…</a>
</div>"#,
        name = escape(&me.user.name),
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

async fn logout(State(panel): State<Panel>, headers: HeaderMap) -> Response {
    if !same_origin(&headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    (
        SetCookie(panel.cookie.removal()),
        Redirect::to("/login?notice=logged-out"),
    )
        .into_response()
}

/// "Log out all sessions" asks first: it logs out every user on every device, this one too.
async fn confirm_logout_everywhere(me: LoggedIn) -> Response {
    let body = r#"<p>Every session of every user ends, on every browser and device, including this one. Everyone has to log in again.</p>
<div class="actions">
<form method="post" action="/logout-everywhere"><button id="confirm-logout-everywhere" class="danger" type="submit">Log out all sessions</button></form>
<a id="cancel" class="button plain" href="/status">Cancel</a>
</div>"#;
    (
        me.session.renewal(0.5),
        pages::page(StatusCode::OK, "Log out all sessions?", None, body),
    )
        .into_response()
}

async fn logout_everywhere(headers: HeaderMap, me: LoggedIn) -> Response {
    if !same_origin(&headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let cookie = me.session.cookie().clone();
    // The store writes to disk or asks Redis: not on the async threads.
    let outcome = {
        let cookie = cookie.clone();
        tokio::task::spawn_blocking(move || cookie.log_out_everywhere().map_err(|e| e.to_string()))
            .await
            .unwrap_or_else(|e| Err(e.to_string()))
    };
    match outcome {
        Ok(cutoff) => {
            tracing::info!(user = me.user.id, %cutoff, "logged out all sessions");
            (
                SetCookie(cookie.removal()),
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

#[derive(Deserialize)]
struct PasswordQuery {
    error: Option<String>,
    wait: Option<u32>,
}

async fn password_page(me: LoggedIn, Query(query): Query<PasswordQuery>) -> Response {
    let error = match query.error.as_deref() {
        Some("wrong") => Some("The current password is wrong.".to_owned()),
        Some("mismatch") => Some("The new passwords do not match.".to_owned()),
        Some("length") => Some(format!(
            "The new password must be {MIN_PASSWORD_LEN} to {MAX_PASSWORD_LEN} characters long."
        )),
        Some("same") => Some("The new password is the same as the current one.".to_owned()),
        Some("throttled") => Some(format!(
            "Too many wrong passwords. Try again in {}.",
            human_duration(Duration::seconds(query.wait.unwrap_or(1).into()))
        )),
        Some("busy") => Some("The panel is busy. Try again in a moment.".to_owned()),
        _ => None,
    };
    let body = format!(
        r#"<p>Changing the password logs out every other session of <b>{name}</b>; this browser stays logged in.</p>
<form id="password-form" method="post" action="/password">
<label>Current password <input id="current" name="current" type="password" autocomplete="current-password" required autofocus></label>
<label>New password <small>(at least {MIN_PASSWORD_LEN} characters)</small> <input id="new" name="new" type="password" autocomplete="new-password" minlength="{MIN_PASSWORD_LEN}" maxlength="{MAX_PASSWORD_LEN}" required></label>
<label>New password again <input id="again" name="again" type="password" autocomplete="new-password" required></label>
<div class="actions"><button id="change" type="submit">Change password</button>
<a class="button plain" href="/status">Cancel</a></div>
</form>"#,
        name = escape(&me.user.name),
    );
    let message = error.as_deref().map(Message::Error);
    (
        me.session.renewal(0.5),
        pages::page(StatusCode::OK, "Change password", message, &body),
    )
        .into_response()
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
    again: String,
}

/// Changes the password: the current one is checked (counted by the login throttle, as a
/// stolen cookie must not become a way to guess it), the new hash is saved, then every session
/// of the user that began up to now is cut off and this browser gets a new login cookie.
async fn change_password(
    State(panel): State<Panel>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    me: LoggedIn,
    Form(form): Form<PasswordForm>,
) -> Response {
    if !same_origin(&headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let back = |error: &str, wait: Option<i64>| {
        let wait = wait.map_or_else(String::new, |wait| format!("&wait={wait}"));
        Redirect::to(&format!("/password?error={error}{wait}")).into_response()
    };
    let length = form.new.chars().count();
    if !(MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&length) {
        return back("length", None);
    }
    if form.new != form.again {
        return back("mismatch", None);
    }
    if form.new == form.current {
        return back("same", None);
    }
    // The owner's device lane here too: under a flood, the owner who logged in through it must
    // also be able to change the password.
    let device = device::lane(&panel.device, &headers, Some(&me.user));
    let (attempt, permit) = match panel.begin_check(peer, device) {
        Ok(begun) => begun,
        Err(refused) => return back(refused.code(), Some(refused.wait())),
    };
    let throttle = Arc::clone(&panel.throttle);
    let users = Arc::clone(&panel.users);
    let user = me.user.clone();
    let changed = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let checked = match counted_check(&users, &throttle, attempt, Some(&user), &form.current) {
            Ok(Some(checked)) => checked,
            Ok(None) => return Change::WrongCurrent,
            Err(error) => return Change::Failed(error),
        };
        let hash = match users::hash_password(&form.new) {
            Ok(hash) => hash,
            Err(error) => return Change::Failed(error),
        };
        // Only over the hash just checked: a change that came first (in another session, or
        // on another panel sharing the hashes) made the current password typed here wrong.
        match users.set_password_hash(&user.id, &checked, hash) {
            Ok(true) => Change::Done,
            Ok(false) => Change::WrongCurrent,
            // Sent, but no answer: Redis may have applied it (a late reply, a lost one).
            Err(error) => Change::Unknown(error),
        }
    })
    .await
    .unwrap_or_else(|e| Change::Unknown(e.to_string()));
    let cookie = me.session.cookie().clone();
    let id = me.user.id.clone();
    let log_out_user = || async {
        let cookie = cookie.clone();
        let id = id.clone();
        tokio::task::spawn_blocking(move || cookie.log_out_user(&id).map_err(|e| e.to_string()))
            .await
            .unwrap_or_else(|e| Err(e.to_string()))
    };
    match changed {
        Change::Done => {}
        Change::WrongCurrent => {
            panel.log_refusal(peer, "wrong current password");
            return back("wrong", None);
        }
        Change::Failed(error) => {
            tracing::error!(%error, "cannot change the password");
            return failure(
                "The password could not be changed: the panel cannot read or save passwords \
                 right now.",
            );
        }
        Change::Unknown(error) => {
            // The new password may be in force: end every session that knew the old one, this
            // one included, rather than leave them open on a guess.
            tracing::error!(%error, "a password change may or may not have been saved");
            let ended = log_out_user().await;
            if let Err(error) = &ended {
                tracing::error!(%error, "cannot log out the sessions of the old password");
            }
            return password_unknown(cookie.removal(), ended.is_ok());
        }
    }
    // The new password is saved; now the sessions that knew the old one end.
    let fresh = log_out_user().await.and_then(|cutoff| {
        tracing::info!(user = me.user.id, %cutoff, "password changed: other sessions logged out");
        cookie.issue(&me.user.id).map_err(|e| e.to_string())
    });
    match fresh {
        Ok(fresh) => (
            SetCookie(fresh),
            Redirect::to("/status?notice=password-changed"),
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "password changed, but its sessions could not be logged out");
            failure(
                "The password was changed, but other sessions could not be logged out: use \
                 “Log out all sessions”.",
            )
        }
    }
}

/// How a password change ended.
enum Change {
    Done,
    /// The current password did not match, or another change came first.
    WrongCurrent,
    /// Nothing was changed: the check or the new hash failed.
    Failed(String),
    /// The change was sent to be saved and no answer came: it may be in force.
    Unknown(String),
}

/// The page after a password change whose outcome is unknown: this browser's session ends with
/// the others (`ended`), and the user logs in again with whichever password works.
fn password_unknown(removal: Cookie<'static>, ended: bool) -> Response {
    let message = if ended {
        "The panel could not confirm the password change. Every session of this account has \
         been logged out: log in with the new password, or with the current one if the change \
         did not happen."
    } else {
        "The panel could not confirm the password change, nor log out the other sessions. Log \
         in with the new password, or with the current one if the change did not happen, and \
         use “Log out all sessions”."
    };
    let body = r#"<div class="actions"><a class="button" href="/login">Log in</a></div>"#;
    let page = pages::page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Password change not confirmed",
        Some(Message::Error(message)),
        body,
    );
    (SetCookie(removal), page).into_response()
}

fn failure(message: &str) -> Response {
    let body = r#"<div class="actions"><a class="button" href="/status">Back</a></div>"#;
    pages::page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        Some(Message::Error(message)),
        body,
    )
}

/// Refuses a `POST` whose `Origin` is another site's. `SameSite=Lax` already keeps the session
/// cookie off cross-site `POST`s; this also stops login CSRF (logging a victim into an account
/// the attacker controls), which needs no cookie. Clients that send no `Origin` are not browsers
/// submitting a cross-site form, so they pass. `Host` itself was checked by [`known_host`].
fn same_origin(headers: &HeaderMap) -> bool {
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
