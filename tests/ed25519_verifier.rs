//! `examples/ed25519_verifier.rs`, the verifier-only service, served on a loopback port and
//! driven over real HTTP with cookies from a login service that holds the signing key.

#[path = "../examples/ed25519_verifier.rs"]
#[allow(
    dead_code,
    reason = "the example's `main` binds a fixed port; the tests bind their own"
)]
mod example;

mod client;

use std::net::SocketAddr;

use sigcookie::Ed25519SigningKey;
use sigcookie::web::{Duration, SessionCookie};
use tokio::net::TcpListener;

/// The example's router, verifying `key`'s values, on a free loopback port.
async fn serve(key: &Ed25519SigningKey) -> SocketAddr {
    let app = example::app(key.public_key()).expect("the example's cookie configuration");
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let addr = listener.local_addr().expect("the bound address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// The login service's cookie: the same name and settings, with the signing key.
fn login_service(key: &Ed25519SigningKey) -> SessionCookie {
    SessionCookie::builder(key, "__Host-session")
        .max_age(Duration::minutes(30))
        .lifetime(Duration::hours(8))
        .build()
        .expect("valid")
}

#[tokio::test]
async fn the_verifier_knows_who_the_login_service_logged_in() {
    let key = Ed25519SigningKey::from_bytes(&[0x42; 32]).expect("key");
    let addr = serve(&key).await;
    let cookie = login_service(&key).issue("demo-1").expect("issue");
    let me = client::send(addr, "GET", "/me", &[&cookie.stripped().to_string()]).await;
    assert_eq!(
        (me.status, me.body.as_str()),
        (200, "logged in as demo-1\n")
    );
    assert!(me.set_cookies.is_empty(), "the verifier renews nothing");
    assert_eq!(me.header("vary"), ["Cookie"]);
}

#[tokio::test]
async fn cookies_it_cannot_trust_are_refused_with_an_empty_401() {
    let key = Ed25519SigningKey::from_bytes(&[0x42; 32]).expect("key");
    let addr = serve(&key).await;
    let other = Ed25519SigningKey::from_bytes(&[0x43; 32]).expect("key");
    let stranger = login_service(&other).issue("demo-1").expect("issue");
    let genuine = login_service(&key).issue("demo-1").expect("issue");
    let promoted = genuine
        .stripped()
        .to_string()
        .replacen("demo-1", "admin", 1);
    for cookies in [
        vec![],
        vec![stranger.stripped().to_string()],
        vec![promoted],
    ] {
        let cookies: Vec<&str> = cookies.iter().map(String::as_str).collect();
        let me = client::send(addr, "GET", "/me", &cookies).await;
        assert_eq!((me.status, me.body.as_str()), (401, ""), "{cookies:?}");
    }
    // It has no login to offer, and no key to offer one with.
    assert_eq!(client::send(addr, "POST", "/login", &[]).await.status, 404);
}
