//! The panel itself: routes, pages and the user table. `main.rs` runs it; the integration tests
//! include this file (`#[path]`) and serve the same router on a loopback port.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordVerifier};
use axum::extract::{DefaultBodyLimit, FromRef, Request, State};
use axum::http::header::{CACHE_CONTROL, HOST, ORIGIN, RETRY_AFTER};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use sigcookie::Key;
use sigcookie::extract::{Session, SessionRejection, SetCookie};
use sigcookie::web::{Duration, OffsetDateTime, SessionCookie, SessionCookieBuilder};
use tokio::sync::Semaphore;

/// Name of the session cookie. `__Host-` makes the browser refuse it unless it is `Secure`,
/// `Path=/` and has no `Domain`, so a sibling host cannot plant or shadow it.
pub const COOKIE_NAME: &str = "__Host-panel";
/// The name in plain-HTTP mode, where the `__Host-` prefix (which needs `Secure`) is impossible.
pub const PLAIN_HTTP_COOKIE_NAME: &str = "panel";
/// How long a login lasts without activity; the status page renews it past half of this.
pub const SESSION_LIFETIME: Duration = Duration::hours(1);
/// Password checks that may run at once. Each Argon2 check takes 19 MiB and a core for a few
/// tens of milliseconds; two bound that at 38 MiB on a small device, and leave a slot for the
/// owner while one attacker request is hashing.
pub const LOGIN_PERMITS: usize = 2;
/// The largest login form, in bytes: a user name and a password, with room to spare.
pub const LOGIN_BODY_LIMIT: usize = 1024;
/// Consecutive failed logins before each further attempt must wait.
pub const FREE_FAILURES: u32 = 5;
/// The longest wait between attempts once failures go on: about 1,400 guesses a day at most.
pub const MAX_LOGIN_DELAY: Duration = Duration::minutes(1);

/// One account of the embedded user table.
pub struct User {
    /// Opaque id carried in the cookie: never the name, which may be personal data.
    pub id: &'static str,
    /// Login name.
    pub name: &'static str,
    /// Argon2id PHC string of the password; the password itself is not stored anywhere.
    pub password_hash: &'static str,
}

/// The users of the panel: one demo account, `admin` / `panel-demo-2024`.
pub const USERS: &[User] = &[User {
    id: "1",
    name: "admin",
    password_hash: "$argon2id$v=19$m=19456,t=2,p=1$rfjqay/L23pn66KcWogZ1A$ot7Ve2Bx2ZymorkKvrB8L9jHYUhsjes597ohcDyucXY",
}];

/// The session cookie the panel uses; callers may add a clock before building it.
pub fn session_cookie(key: &Key, plain_http: bool) -> SessionCookieBuilder<'_> {
    if plain_http {
        SessionCookie::builder(key, PLAIN_HTTP_COOKIE_NAME)
            .max_age(SESSION_LIFETIME)
            .insecure_plain_http()
    } else {
        SessionCookie::builder(key, COOKIE_NAME).max_age(SESSION_LIFETIME)
    }
}

/// What the panel needs besides the cookie: the `Host` values it answers to, and the permits
/// for password checks.
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
    started: Instant,
    login_slots: Arc<Semaphore>,
    throttle: Arc<Mutex<Throttle>>,
}

impl Panel {
    /// The time by the session cookie's clock, which tests move. A clock before 1970 reads as
    /// 1970: the throttle then waits as if no time passed, which errs on the slow side.
    fn now(&self) -> OffsetDateTime {
        self.cookie.now().unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    fn throttle(&self) -> MutexGuard<'_, Throttle> {
        // The guarded data is two numbers, always consistent: a panic elsewhere cannot have
        // left it half-written, so a poisoned lock is still usable.
        self.throttle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Failed logins in a row, for the whole panel rather than per client: a device has one or two
/// users, and a per-address table would need its own bound. The cost is that an attacker can
/// keep the owner waiting up to [`MAX_LOGIN_DELAY`] between attempts.
#[derive(Default)]
struct Throttle {
    failures: u32,
    /// No attempt is checked before this time.
    until: Option<OffsetDateTime>,
}

impl Throttle {
    /// The wait left, in whole seconds rounded up, if attempts must wait.
    fn wait(&self, now: OffsetDateTime) -> Option<i64> {
        let left = self.until? - now;
        left.is_positive()
            .then(|| left.whole_seconds() + i64::from(left.subsec_nanoseconds() > 0))
    }

    fn record(&mut self, success: bool, now: OffsetDateTime) {
        if success {
            *self = Throttle::default();
            return;
        }
        self.failures = self.failures.saturating_add(1);
        if let Some(excess) = self.failures.checked_sub(FREE_FAILURES) {
            // 1, 2, 4, ... seconds up to the cap; 2^6 s is past it, so the shift stays small.
            let secs = (1_i64 << excess.min(6)).min(MAX_LOGIN_DELAY.whole_seconds());
            let delay = Duration::seconds(secs);
            self.until = Some(now + delay);
        }
    }
}

impl FromRef<Panel> for SessionCookie {
    fn from_ref(panel: &Panel) -> SessionCookie {
        panel.cookie.clone()
    }
}

/// The panel's routes.
pub fn router(cookie: SessionCookie, config: Config) -> Router {
    let hosts: Arc<[String]> = config.hosts.into();
    Router::new()
        .route("/", get(home))
        .route(
            "/login",
            post(login).layer(DefaultBodyLimit::max(LOGIN_BODY_LIMIT)),
        )
        .route("/status", get(status))
        .route("/logout", post(logout))
        .route("/logout-everywhere", post(logout_everywhere))
        .with_state(Panel {
            cookie,
            started: Instant::now(),
            login_slots: config.login_slots,
            throttle: Arc::default(),
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
        tracing::info!(host = ?host.map(String::from_utf8_lossy), "request for an unknown host refused");
        return (StatusCode::MISDIRECTED_REQUEST, "421 Misdirected Request\n").into_response();
    }
    next.run(request).await
}

async fn home(session: Option<Session>) -> Response {
    match session {
        Some(_) => Redirect::to("/status").into_response(),
        None => login_page(StatusCode::OK, None),
    }
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login(
    State(panel): State<Panel>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if !same_origin(&headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    if let Some(wait) = panel.throttle().wait(panel.now()) {
        tracing::info!(wait, "login refused: too many failed logins");
        let message = format!("Too many failed logins. Try again in {wait} s.");
        return busy(StatusCode::TOO_MANY_REQUESTS, wait, &message);
    }
    // Refused at once rather than queued when the checks are busy: a queue would hold every
    // waiting request's connection and form, and a flood would still wait its turn before the
    // owner's. The browser user just submits again.
    let Ok(permit) = Arc::clone(&panel.login_slots).try_acquire_owned() else {
        tracing::info!("login refused: password checks busy");
        return busy(
            StatusCode::SERVICE_UNAVAILABLE,
            1,
            "The panel is busy. Try again.",
        );
    };
    let user = USERS.iter().find(|user| user.name == form.username);
    // An unknown name is checked against a real hash too, so the time taken does not tell
    // which names exist.
    let hash = user.map_or(USERS[0].password_hash, |user| user.password_hash);
    let password = form.password;
    let matches = tokio::task::spawn_blocking(move || {
        // The permit lives in the blocking task: a client that hangs up does not stop the
        // hashing, so it must not free the slot either.
        let _permit = permit;
        password_matches(&password, hash)
    })
    .await
    .unwrap_or(false);
    let success = user.is_some() && matches;
    panel.throttle().record(success, panel.now());
    match user {
        Some(user) if matches => match panel.cookie.issue(user.id) {
            Ok(cookie) => {
                tracing::info!(user = user.id, "login");
                (SetCookie(cookie), Redirect::to("/status")).into_response()
            }
            Err(error) => {
                tracing::error!(%error, "cannot issue the session cookie");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        },
        _ => {
            tracing::info!("login refused: wrong user name or password");
            login_page(
                StatusCode::UNAUTHORIZED,
                Some("Wrong user name or password."),
            )
        }
    }
}

/// The login page with `status` and a `Retry-After` of `secs`.
fn busy(status: StatusCode, secs: i64, message: &str) -> Response {
    (
        [(RETRY_AFTER, secs.to_string())],
        login_page(status, Some(message)),
    )
        .into_response()
}

fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

async fn status(
    State(panel): State<Panel>,
    session: Result<Session, SessionRejection>,
) -> Response {
    let Ok(session) = session else {
        return login_page(StatusCode::UNAUTHORIZED, Some("Please log in."));
    };
    let name = USERS
        .iter()
        .find(|user| user.id == session.id())
        .map_or("unknown user", |user| user.name);
    let clock =
        |at: OffsetDateTime| format!("{:02}:{:02}:{:02} UTC", at.hour(), at.minute(), at.second());
    let since = format!(" since {}", clock(session.logged_in_at()));
    let uptime = panel.started.elapsed().as_secs();
    let body = format!(
        r#"<h1>Device status</h1>
<p id="user">Signed in as <b>{name}</b>{since}.</p>
<table>
<tr><th>Firmware</th><td>1.4.2</td></tr>
<tr><th>Uptime</th><td>{uptime} s</td></tr>
<tr><th>WAN</th><td>connected</td></tr>
</table>
<form method="post" action="/logout"><button id="logout" type="submit">Log out</button></form>
<form method="post" action="/logout-everywhere">
<button id="logout-everywhere" type="submit">Log out all sessions</button>
</form>"#,
        name = escape(name),
    );
    let page = (
        [(CACHE_CONTROL, "no-store")],
        session.renewal(0.5),
        page("Status", &body),
    );
    page.into_response()
}

async fn logout(State(panel): State<Panel>, headers: HeaderMap) -> Response {
    if !same_origin(&headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    (SetCookie(panel.cookie.removal()), Redirect::to("/")).into_response()
}

async fn logout_everywhere(headers: HeaderMap, session: Session) -> Response {
    if !same_origin(&headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    // The demo keeps cut-offs in memory only, so a restart forgets them; a device gives its
    // session cookie a `FileStore` (see the README), which keeps them across restarts.
    match session.cookie().log_out_everywhere() {
        Ok(cutoff) => {
            tracing::info!(user = session.id(), %cutoff, "logged out all sessions");
            (SetCookie(session.cookie().removal()), Redirect::to("/")).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "cannot log out all sessions");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
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

fn login_page(status: StatusCode, message: Option<&str>) -> Response {
    let message = message.map_or_else(String::new, |m| {
        format!(r#"<p id="message">{}</p>"#, escape(m))
    });
    let body = format!(
        r#"<h1>Log in</h1>
{message}
<form id="login-form" method="post" action="/login">
<label>User name <input id="username" name="username" autocomplete="username" required></label>
<label>Password <input id="password" name="password" type="password" autocomplete="current-password" required></label>
<button id="login" type="submit">Log in</button>
</form>"#
    );
    (status, page("Log in", &body)).into_response()
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} · Device panel</title>
<style>body{{font-family:sans-serif;max-width:30em;margin:2em auto}}label{{display:block;margin:.5em 0}}
th{{text-align:left;padding-right:1em}}form{{display:inline-block;margin:1em 1em 0 0}}</style></head>
<body>
{body}
</body></html>
"#
    ))
}

fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}
