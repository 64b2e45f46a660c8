//! Ed25519 session cookies over real HTTP on 127.0.0.1: a login service holds the signing key,
//! and services that hold only the public key verify its cookies through the same extractors
//! and layer as HMAC cookies (axum, actix-web, tower around plain hyper), without being able to
//! issue, renew or make CSRF tokens.
#![cfg(all(feature = "ed25519", feature = "axum", feature = "actix"))]

mod client;
mod common;

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use common::ManualClock;
use http::{Request, Response};
use hyper::body::Incoming;
use sigcookie::tower::SessionLayer;
use sigcookie::web::{Duration, Session, SessionCookie, SessionCookieBuilder, SetCookie};
use sigcookie::{Ed25519PublicKey, Ed25519SigningKey, Error};
use tokio::net::TcpListener;
use tower::{Layer, service_fn};

const T0: u64 = 1_764_000_000;
const NAME: &str = "__Host-s";

fn signing_key(seed: u8) -> Ed25519SigningKey {
    Ed25519SigningKey::from_bytes(&[seed; 32]).expect("key")
}

/// The session cookie of `builder` (made with a signing key or a public key), on `clock`.
fn finish(builder: SessionCookieBuilder<'_>, clock: &ManualClock) -> SessionCookie {
    builder
        .max_age(Duration::hours(1))
        .clock(clock.clone())
        .build()
        .expect("valid")
}

/// The `name=value` pair a browser sends back for a `Set-Cookie` line.
fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().expect("a pair").to_owned()
}

async fn me(session: Session) -> Result<(Option<SetCookie>, String), Error> {
    Ok((session.renewal(0.5)?, format!("hello {}", session.id())))
}

async fn log_in(State(cookie): State<SessionCookie>) -> Result<SetCookie, Error> {
    cookie.issue("42")
}

/// An axum app with the login (which only the signing service can do) and `/me`.
async fn axum_server(cookie: SessionCookie) -> SocketAddr {
    let app = Router::new()
        .route("/me", get(me))
        .route("/login", get(log_in))
        .layer(SessionLayer::optional(cookie.clone()))
        .with_state(cookie);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    addr
}

#[tokio::test]
async fn a_verifier_only_axum_service_accepts_the_signers_cookies_and_mints_none() {
    let clock = ManualClock::new(T0);
    let key = signing_key(1);
    let signer = axum_server(finish(SessionCookie::builder(&key, NAME), &clock)).await;
    let verifier = axum_server(finish(
        SessionCookie::builder(key.public_key(), NAME),
        &clock,
    ))
    .await;

    let login = client::send(signer, "GET", "/login", &[]).await;
    assert_eq!(login.status, 200);
    let session = pair(&login.set_cookies[0]);
    let me = client::send(verifier, "GET", "/me", &[&session]).await;
    assert_eq!((me.status, me.body.as_str()), (200, "hello 42"));
    assert!(me.set_cookies.is_empty());

    // The public-key service cannot log anyone in: the error is a server error, not a cookie.
    let refused = client::send(verifier, "GET", "/login", &[]).await;
    assert_eq!(refused.status, 500);
    assert!(refused.set_cookies.is_empty());

    // Past half the maximum age the signer renews; the verifier serves the page and leaves the
    // renewal to the signer.
    clock.advance(40 * 60);
    let me = client::send(verifier, "GET", "/me", &[&session]).await;
    assert_eq!((me.status, me.set_cookies.len()), (200, 0));
    let renewed = client::send(signer, "GET", "/me", &[&session]).await;
    assert_eq!((renewed.status, renewed.set_cookies.len()), (200, 1));

    // Another signing key's cookie, and a tampered one, are refused.
    let stranger = finish(SessionCookie::builder(&signing_key(2), NAME), &clock)
        .issue("42")
        .expect("issue");
    let stranger = format!("{NAME}={}", stranger.value());
    let tampered = session.replacen("=42.", "=43.", 1);
    for value in [stranger, tampered] {
        let me = client::send(verifier, "GET", "/me", &[&value]).await;
        assert_eq!(me.status, 401, "{value}");
    }
}

#[actix_web::get("/me")]
async fn actix_me(session: Session) -> String {
    format!("hello {}", session.id())
}

#[actix_web::test]
async fn a_verifier_only_actix_service_accepts_the_signers_cookies() {
    let clock = ManualClock::new(T0);
    let key = signing_key(1);
    let value = finish(SessionCookie::builder(&key, NAME), &clock)
        .issue("42")
        .expect("issue");
    let verifier = finish(SessionCookie::builder(key.public_key(), NAME), &clock);
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(actix_web::web::Data::new(verifier.clone()))
            .service(actix_me)
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .expect("bind");
    let addr = server.addrs()[0];
    actix_web::rt::spawn(server.run());

    let session = format!("{NAME}={}", value.value());
    let me = client::send(addr, "GET", "/me", &[&session]).await;
    assert_eq!((me.status, me.body.as_str()), (200, "hello 42"));
    let other = finish(SessionCookie::builder(&signing_key(2), NAME), &clock)
        .issue("42")
        .expect("issue");
    let other = format!("{NAME}={}", other.value());
    assert_eq!(
        client::send(addr, "GET", "/me", &[&other]).await.status,
        401
    );
}

async fn hyper_handler(request: Request<Incoming>) -> Result<Response<String>, Infallible> {
    let id = request
        .extensions()
        .get::<Session>()
        .map(|s| s.id().to_owned());
    Ok(Response::new(format!("hello {}", id.unwrap_or_default())))
}

#[tokio::test]
async fn a_required_tower_layer_with_a_public_key_verifies_and_answers_401() {
    let clock = ManualClock::new(T0);
    let key = signing_key(1);
    let value = finish(SessionCookie::builder(&key, NAME), &clock)
        .issue("42")
        .expect("issue");
    let layer = SessionLayer::required(finish(
        SessionCookie::builder(key.public_key(), NAME),
        &clock,
    ));
    let addr = common::hyper_server(layer.layer(service_fn(hyper_handler))).await;
    let session = format!("{NAME}={}", value.value());
    let me = client::send(addr, "GET", "/me", &[&session]).await;
    assert_eq!((me.status, me.body.as_str()), (200, "hello 42"));
    assert_eq!(client::send(addr, "GET", "/me", &[]).await.status, 401);
}

#[test]
fn a_public_key_cookie_verifies_and_revokes_but_cannot_sign() {
    let clock = ManualClock::new(T0);
    let key = signing_key(1);
    let signer = finish(SessionCookie::builder(&key, NAME), &clock);
    let verifier = finish(SessionCookie::builder(key.public_key(), NAME), &clock);
    let value = signer.issue("42").expect("issue");
    let session = verifier.verify(value.value()).expect("verify");
    assert_eq!(verifier.issue("42").err(), Some(Error::VerifyOnly));
    assert_eq!(session.csrf_token().err(), Some(Error::VerifyOnly));
    assert_eq!(session.verify_csrf(&"0".repeat(32)), Err(Error::VerifyOnly));
    clock.advance(59 * 60);
    assert!(session.renewal(1.0).expect("no error").is_none());
    // Logging out is a store's business, not a signature's: a verifier may end a session.
    session.log_out().expect("logged out");
    assert!(matches!(
        verifier.verify(value.value()),
        Err(Error::LoggedOut { .. })
    ));
    // The signer's CSRF token is its own; a public key holds no secret to check it with.
    let signed = signer.verify(signer.issue("7").expect("issue").value());
    assert!(signed.expect("verify").csrf_token().is_ok());
}

#[test]
fn a_tag_length_for_an_ed25519_cookie_is_refused() {
    let key = signing_key(1);
    for built in [
        SessionCookie::builder(&key, NAME).tag_len(16).build(),
        SessionCookie::builder(key.public_key(), NAME)
            .tag_len(32)
            .build(),
    ] {
        assert_eq!(built.err(), Some(sigcookie::ConfigError::Ed25519TagLength));
    }
    let public: &Ed25519PublicKey = key.public_key();
    assert!(SessionCookie::builder(public, NAME).build().is_ok());
}
