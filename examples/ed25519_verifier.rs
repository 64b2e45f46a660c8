//! A service that verifies the login service's session cookies with its Ed25519 public key
//! alone: it knows who is logged in, and holds nothing that could mint a cookie.
//!
//! ```text
//! sigcookie keygen --ed25519 --out signing.key            # on the login service; prints the public key
//! export SIGCOOKIE_PUBLIC_KEY=03a107bf...                  # here: that public key (not a secret)
//! cargo run --example ed25519_verifier
//!
//! curl -i -H 'Cookie: __Host-session=...' http://127.0.0.1:3001/me   # a cookie the login service issued
//! ```
//!
//! The login service is `examples/axum_minimal.rs` with its key read as
//! `Ed25519SigningKey::from_env("SIGCOOKIE_ED25519_KEY")?` instead of `Key::from_env`: the
//! cookie's name, purpose and settings must match this service's.
//!
//! In a project of your own, `Cargo.toml` needs:
//!
//! ```toml
//! [dependencies]
//! sigcookie = { version = "0.2", features = ["axum", "ed25519"] }
//! axum = { version = "0.8", default-features = false, features = ["http1", "tokio"] }
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "net", "signal"] }
//! ```
//!
//! What it does for you: it listens on loopback only, reads no request body, and stops cleanly on
//! Ctrl-C. A missing or refused cookie is `401` with an empty body (the reason is logged at debug
//! level). It renews nothing: renewals come from the login service, which the browser visits
//! too; keep the two on one site so that the browser sends them the same `__Host-` cookie.

use axum::Router;
use axum::routing::get;
use sigcookie::tower::SessionLayer;
use sigcookie::web::{Duration, Session, SessionCookie};
use sigcookie::{ConfigError, Ed25519PublicKey};

/// Where the server listens: loopback only.
const ADDR: &str = "127.0.0.1:3001";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let public = std::env::var("SIGCOOKIE_PUBLIC_KEY")
        .map_err(|_| "set SIGCOOKIE_PUBLIC_KEY to the login service's Ed25519 public key")?;
    let public = Ed25519PublicKey::from_hex(&public)?;
    let listener = tokio::net::TcpListener::bind(ADDR).await?;
    println!(
        "listening on http://{}, verifying key {}",
        listener.local_addr()?,
        public.key_id()
    );
    axum::serve(listener, app(&public)?)
        .with_graceful_shutdown(async {
            // If Ctrl-C cannot be caught, run until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await?;
    Ok(())
}

/// The routes: `GET /me`. (Public for `tests/ed25519_verifier.rs`, which serves it on a port of
/// its own.) The cookie's settings are the login service's: a value idle for 30 minutes or
/// 8 hours after its login is refused here too.
pub fn app(public: &Ed25519PublicKey) -> Result<Router, ConfigError> {
    let cookie = SessionCookie::builder(public, "__Host-session")
        .max_age(Duration::minutes(30))
        .lifetime(Duration::hours(8))
        .build()?;
    Ok(Router::new()
        .route("/me", get(me))
        // Every response varies on the cookie, so no shared cache serves one user's page to
        // another.
        .layer(SessionLayer::optional(cookie.clone()))
        .with_state(cookie))
}

/// Answers `401` by itself when the cookie is missing or refused, before this runs.
async fn me(session: Session) -> String {
    format!("logged in as {}\n", session.id())
}
