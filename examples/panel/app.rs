//! The panel itself: routes, pages and the user table. `main.rs` runs it; the integration tests
//! include this file (`#[path]`) and serve the same router on a loopback port.

use std::time::Instant;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordVerifier};
use axum::extract::{FromRef, State};
use axum::http::header::{CACHE_CONTROL, HOST, ORIGIN};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use sigcookie::Key;
use sigcookie::extract::{Session, SessionRejection, SetCookie};
use sigcookie::web::{Duration, SessionCookie, SessionCookieBuilder};

/// Name of the session cookie. `__Host-` makes the browser refuse it unless it is `Secure`,
/// `Path=/` and has no `Domain`, so a sibling host cannot plant or shadow it.
pub const COOKIE_NAME: &str = "__Host-panel";
/// The name in plain-HTTP mode, where the `__Host-` prefix (which needs `Secure`) is impossible.
pub const PLAIN_HTTP_COOKIE_NAME: &str = "panel";
/// How long a login lasts without activity; the status page renews it past half of this.
pub const SESSION_LIFETIME: Duration = Duration::hours(1);

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

#[derive(Clone)]
struct Panel {
    cookie: SessionCookie,
    started: Instant,
}

impl FromRef<Panel> for SessionCookie {
    fn from_ref(panel: &Panel) -> SessionCookie {
        panel.cookie.clone()
    }
}

/// The panel's routes.
pub fn router(cookie: SessionCookie) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/login", post(login))
        .route("/status", get(status))
        .route("/logout", post(logout))
        .route("/logout-everywhere", post(logout_everywhere))
        .with_state(Panel {
            cookie,
            started: Instant::now(),
        })
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
    let user = USERS.iter().find(|user| user.name == form.username);
    // An unknown name is checked against a real hash too, so the time taken does not tell
    // which names exist.
    let hash = user.map_or(USERS[0].password_hash, |user| user.password_hash);
    let password = form.password;
    let matches = tokio::task::spawn_blocking(move || password_matches(&password, hash))
        .await
        .unwrap_or(false);
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
    let since = session.issued_at().map_or_else(String::new, |at| {
        format!(
            " since {:02}:{:02}:{:02} UTC",
            at.hour(),
            at.minute(),
            at.second()
        )
    });
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
/// submitting a cross-site form, so they pass.
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
