//! A minimal axum server with sigcookie sessions: log in, see who is logged in, log out.
//!
//! ```text
//! export SIGCOOKIE_SECRET=$(openssl rand -hex 32)   # or `sigcookie keygen`; else a random one for this run
//! export DEMO_PASSWORD=correct-horse                 # the demo account's password; else one is printed
//! cargo run --example axum_minimal
//!
//! curl -i -d 'user=demo&password=correct-horse' http://127.0.0.1:3000/login   # Set-Cookie: __Host-session=...
//! curl -i -H 'Cookie: __Host-session=...' http://127.0.0.1:3000/me            # logged in as demo-1
//! curl -i -X POST -H 'Cookie: __Host-session=...' http://127.0.0.1:3000/logout  # ends it
//! ```
//!
//! In a project of your own, `Cargo.toml` needs:
//!
//! ```toml
//! [dependencies]
//! sigcookie = { version = "0.2", features = ["axum", "getrandom"] }
//! axum = { version = "0.8", default-features = false, features = ["http1", "tokio", "form"] }
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "net", "signal"] }
//! serde = { version = "1", features = ["derive"] }
//! subtle = "2"
//! getrandom = "0.3"
//! ```
//!
//! What it does for you, and what it leaves to you:
//! - It listens on loopback only, bounds request bodies to 1 KiB, and stops cleanly on Ctrl-C
//!   (requests in flight finish).
//! - The cookie is `__Host-session`: `Secure`, `HttpOnly`, `SameSite=Lax`, idle after 30
//!   minutes, over 8 hours after the login however often it is renewed. Browsers accept
//!   `Secure` cookies from `http://127.0.0.1` and `http://localhost`; anywhere else, serve HTTPS.
//! - Caches: every response varies on the cookie (`Vary: Cookie`, from the `SessionLayer`),
//!   and one that sets or removes the session cookie is `Cache-Control: private`, so a shared
//!   cache in front never hands one user's page or cookie to another.
//! - `authenticate` is a stand-in with one account. Replace it with your user store and a slow
//!   password hash such as Argon2id (`examples/panel` has one), and throttle failed logins.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, FromRef, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use sigcookie::store::StoreError;
use sigcookie::tower::SessionLayer;
use sigcookie::web::{Duration, Session, SessionCookie};
use sigcookie::{ConfigError, Error, Key};
use subtle::ConstantTimeEq;

/// Where the server listens: loopback only.
const ADDR: &str = "127.0.0.1:3000";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = secret()?;
    let demo_password = match std::env::var("DEMO_PASSWORD") {
        Ok(password) if !password.is_empty() => password,
        _ => {
            let password = random_password()?;
            eprintln!(
                "DEMO_PASSWORD is not set: log in as demo with the password {password} \
                 (generated for this run)"
            );
            password
        }
    };
    let listener = tokio::net::TcpListener::bind(ADDR).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app(&key, &demo_password)?)
        .with_graceful_shutdown(async {
            // If Ctrl-C cannot be caught, run until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await?;
    Ok(())
}

/// `SIGCOOKIE_SECRET`, else a random secret for this run: every session then ends when the
/// program restarts. A malformed secret ends the program with a message naming the variable.
fn secret() -> Result<Key, ConfigError> {
    match Key::from_env("SIGCOOKIE_SECRET") {
        Err(ConfigError::KeyEnvMissing { .. }) => {
            eprintln!(
                "SIGCOOKIE_SECRET is not set: using a random key for this run, so sessions end \
                 when it restarts (set SIGCOOKIE_SECRET to keep them)"
            );
            Key::generate()
        }
        key => key,
    }
}

/// A password for the demo account when `DEMO_PASSWORD` is unset: 24 hex digits, typed as is
/// into a form or a `curl -d`.
fn random_password() -> Result<String, Box<dyn std::error::Error>> {
    let mut bytes = [0_u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| format!("cannot generate a password: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// What the handlers share: the session cookie, and the stand-in user table.
#[derive(Clone)]
struct AppState {
    cookie: SessionCookie,
    demo_password: Arc<str>,
}

/// Lets the [`Session`] extractor find the cookie in the state.
impl FromRef<AppState> for SessionCookie {
    fn from_ref(state: &AppState) -> SessionCookie {
        state.cookie.clone()
    }
}

/// The routes: `POST /login`, `POST /logout`, `GET /me`. (Public for `tests/axum_minimal.rs`,
/// which serves it on a port of its own.)
pub fn app(key: &Key, demo_password: &str) -> Result<Router, ConfigError> {
    let cookie = SessionCookie::builder(key, "__Host-session")
        .max_age(Duration::minutes(30)) // idle timeout
        .lifetime(Duration::hours(8)) // absolute timeout after the login
        .build()?;
    let state = AppState {
        cookie: cookie.clone(),
        demo_password: demo_password.into(),
    };
    Ok(Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/me", get(me))
        .layer(DefaultBodyLimit::max(1024))
        // Optional: `me`'s extractor answers the 401s and takes the session the layer verified;
        // the layer gives every response `Vary: Cookie`.
        .layer(SessionLayer::optional(cookie))
        .with_state(state))
}

#[derive(Deserialize)]
struct LoginForm {
    user: String,
    password: String,
}

/// Stand-in for a user store: the opaque id of the user whose password this is. One account,
/// `demo`, with the password from `DEMO_PASSWORD` (none when it is empty).
fn authenticate(state: &AppState, form: &LoginForm) -> Option<&'static str> {
    let password_ok: bool = form
        .password
        .as_bytes()
        .ct_eq(state.demo_password.as_bytes())
        .into();
    // The cookie carries an opaque id, never the login name or other personal data.
    (form.user == "demo" && !state.demo_password.is_empty() && password_ok).then_some("demo-1")
}

/// `?` answers a refused login (a clock before 1970, a "log out everywhere" stamped too far
/// ahead) with `401` or `500` and an empty body: `sigcookie::Error` is a response.
async fn login(
    State(state): State<AppState>,
    Form(form): Form<LoginForm>,
) -> Result<Response, Error> {
    let Some(id) = authenticate(&state, &form) else {
        return Ok((StatusCode::UNAUTHORIZED, "wrong user or password\n").into_response());
    };
    let cookie = state.cookie.issue(id)?;
    Ok((cookie, "logged in\n").into_response())
}

/// Answers `401` by itself when the cookie is missing or refused, before this runs.
async fn me(session: Session) -> Result<impl IntoResponse, Error> {
    // Sliding renewal: a new cookie once half the idle timeout has passed.
    let renewal = session.renewal(0.5)?;
    Ok((renewal, format!("logged in as {}\n", session.id())))
}

/// Ends the session on the server, so a copy of its cookie is refused from now on, and the
/// browser deletes the cookie. The session is an `Option`: logging out needs no valid session,
/// so an expired or revoked cookie is cleared too. (The default store is in memory, so this
/// never blocks; with a file or Redis store, run it in `spawn_blocking`.)
async fn logout(
    State(cookie): State<SessionCookie>,
    session: Option<Session>,
) -> Result<impl IntoResponse, StoreError> {
    let removal = match session {
        Some(session) => session.log_out()?,
        None => cookie.removal(),
    };
    Ok((removal, "logged out\n"))
}
