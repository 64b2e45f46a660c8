//! The actix-web extractor over real HTTP: an `HttpServer` bound to 127.0.0.1, hyper-util's
//! client.
#![cfg(feature = "actix")]

mod client;
mod common;

use std::net::SocketAddr;

use actix_web::http::header::{CACHE_CONTROL, VARY};
use actix_web::{App, HttpResponse, HttpServer, Responder, get, web};
use common::ManualClock;
use sigcookie::header::CookieSpec;
use sigcookie::web::{Duration, Session, SessionCookie};
use sigcookie::{Error, Key};

const T0: u64 = 1_764_000_000;

/// Caching headers as an application might set them: the page is public for a minute.
#[get("/me")]
async fn me(session: Session) -> Result<HttpResponse, Error> {
    let mut response = HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "public, max-age=60"))
        .insert_header((VARY, "Accept-Encoding, Cookie"))
        .body(format!("hello {}", session.id()));
    if let Some(renewal) = session.renewal(0.5)? {
        renewal.add_to(&mut response);
    }
    Ok(response)
}

/// A login whose page the application already keeps out of every cache.
#[get("/login")]
async fn log_in(cookie: web::Data<SessionCookie>) -> Result<HttpResponse, Error> {
    let mut response = HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .body("welcome");
    cookie.issue("42")?.add_to(&mut response);
    Ok(response)
}

#[get("/maybe")]
async fn maybe(session: Option<Session>) -> impl Responder {
    session.map_or("anonymous".to_owned(), |s| format!("hello {}", s.id()))
}

/// No session needed: an expired or revoked cookie is removed too.
#[get("/logout")]
async fn logout(cookie: web::Data<SessionCookie>) -> impl Responder {
    let mut response = HttpResponse::Ok().finish();
    cookie.removal().add_to(&mut response);
    response
}

/// An actix-web server on 127.0.0.1 with `cookie` in its app data.
fn server(cookie: SessionCookie) -> SocketAddr {
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(cookie.clone()))
            .service(me)
            .service(log_in)
            .service(maybe)
            .service(logout)
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .expect("bind");
    let addr = server.addrs()[0];
    actix_web::rt::spawn(server.run());
    addr
}

#[actix_web::test]
async fn the_extractor_verifies_renews_and_answers_401_over_http() {
    let clock = ManualClock::new(T0);
    let cookie = SessionCookie::builder(&Key::from_bytes(&[3; 32]).expect("key"), "__Host-s")
        .max_age(Duration::hours(1))
        .clock(clock.clone())
        .build()
        .expect("valid");
    let addr = server(cookie.clone());
    let login = cookie.issue("42").expect("issued").stripped().to_string();

    let reply = client::get(addr, "/me", &["theme=dark", &login]).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "hello 42"));
    assert!(reply.set_cookies.is_empty(), "fresh: no renewal");
    // No cookie: the application's caching headers, as it set them.
    assert_eq!(reply.header("cache-control"), ["public, max-age=60"]);
    assert_eq!(reply.header("vary"), ["Accept-Encoding, Cookie"]);

    clock.advance(31 * 60);
    let reply = client::get(addr, "/me", &[&login]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.set_cookies.len(), 1);
    let renewed = client::pair(&reply.set_cookies[0]).to_owned();
    let verified = cookie.verify_headers([renewed.as_str()]).expect("valid");
    assert_eq!(verified.id(), "42");
    assert!(
        reply.set_cookies[0].contains("; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=3600")
    );
    // The renewal is kept out of shared caches; the browser's `max-age` and `Vary` stay.
    assert_eq!(reply.header("cache-control"), ["private, max-age=60"]);
    assert_eq!(reply.header("vary"), ["Accept-Encoding, Cookie"]);

    // A login: the application's stricter `no-store` stays.
    let reply = client::get(addr, "/login", &[]).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "welcome"));
    assert_eq!(reply.set_cookies.len(), 1);
    assert_eq!(reply.header("cache-control"), ["no-store"]);
    assert_eq!(reply.header("vary"), ["Cookie"]);

    // Refused: 401, an empty body; the reason is only logged.
    for cookies in [
        vec![],
        vec!["__Host-s=42.1.1.00"],
        vec![login.as_str(), renewed.as_str()],
    ] {
        let reply = client::get(addr, "/me", &cookies).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (401, ""),
            "{cookies:?}"
        );
    }

    // Option<Session>: None instead of a 401.
    assert_eq!(client::get(addr, "/maybe", &[]).await.body, "anonymous");
    assert_eq!(
        client::get(addr, "/maybe", &[&renewed]).await.body,
        "hello 42"
    );

    // Logout: the core's removal header, with a valid session or without one.
    let mut buf = [0u8; 256];
    let removal = CookieSpec::new(cookie.name())
        .expect("valid")
        .write_removal(&mut buf)
        .expect("fits");
    for cookies in [vec![renewed.as_str()], vec![]] {
        let reply = client::get(addr, "/logout", &cookies).await;
        assert_eq!(reply.status, 200, "{cookies:?}");
        assert_eq!(reply.set_cookies, [removal], "{cookies:?}");
        assert_eq!(reply.header("cache-control"), ["private"], "{cookies:?}");
        assert_eq!(reply.header("vary"), ["Cookie"], "{cookies:?}");
    }

    // "Log out everywhere" ends it at once.
    cookie.log_out_everywhere().expect("revoked");
    assert_eq!(client::get(addr, "/me", &[&renewed]).await.status, 401);
    // Logging out with the revoked cookie still removes it.
    let reply = client::get(addr, "/logout", &[&renewed]).await;
    assert_eq!(
        (reply.status, reply.set_cookies),
        (200, vec![removal.to_owned()])
    );
}

#[actix_web::test]
async fn without_a_session_cookie_in_the_app_data_the_answer_is_500() {
    let server = HttpServer::new(|| App::new().service(me))
        .workers(1)
        .bind(("127.0.0.1", 0))
        .expect("bind");
    let addr = server.addrs()[0];
    actix_web::rt::spawn(server.run());
    let reply = client::get(addr, "/me", &["__Host-s=42.1.1.00"]).await;
    assert_eq!((reply.status, reply.body.as_str()), (500, ""));
}

#[actix_web::test]
async fn a_session_cookie_in_the_app_data_without_web_data_is_found_too() {
    let cookie = SessionCookie::builder(&Key::from_bytes(&[3; 32]).expect("key"), "__Host-s")
        .build()
        .expect("valid");
    let app_cookie = cookie.clone();
    let server = HttpServer::new(move || App::new().app_data(app_cookie.clone()).service(me))
        .workers(1)
        .bind(("127.0.0.1", 0))
        .expect("bind");
    let addr = server.addrs()[0];
    actix_web::rt::spawn(server.run());
    let login = cookie.issue("9").expect("issued").stripped().to_string();
    let reply = client::get(addr, "/me", &[&login]).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "hello 9"));
    let reply = client::get(addr, "/me", &[]).await;
    assert_eq!((reply.status, reply.body.as_str()), (401, ""));
}
