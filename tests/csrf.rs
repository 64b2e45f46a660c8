//! CSRF tokens bound to the session: the core's `SessionSigner::csrf_token`/`verify_csrf`, the
//! web layer's `Session`, and one-line checks in axum and actix-web handlers over real HTTP,
//! where a session that no longer verifies (logged out, revoked, expired) never reaches its
//! token's check.
#![cfg(all(feature = "axum", feature = "actix"))]

mod client;
mod common;

use std::net::SocketAddr;

use common::{Case, ManualClock};
use serde::Deserialize;
use sigcookie::web::{Duration, Session, SessionCookie};
use sigcookie::{CsrfToken, Cutoffs, Error, Key, SessionSigner, Signer, TimestampSigner};

const T0: u64 = 1_764_000_000;
const SECRET: [u8; 32] = [0x21; 32];

fn key() -> Key {
    Key::from_bytes(&SECRET).expect("a 32-byte key")
}

/// Idle after an hour, over a day after the login.
fn sessions(key: &Key, purpose: &str) -> SessionSigner {
    SessionSigner::new(Signer::new(key, purpose).expect("signer"), 3_600, 86_400)
}

/// The token of a session of `id` logged in at `auth` (and issued then), as the signer makes it.
fn token(signer: &SessionSigner, id: &str, auth: u64) -> CsrfToken {
    let value = signer.login_at(id, auth, &Cutoffs::NONE).expect("login");
    let session = signer
        .verify_at(&value, auth, &Cutoffs::NONE)
        .expect("valid");
    signer
        .csrf_token(&session)
        .expect("a session of this signer")
}

#[test]
fn a_session_accepts_its_own_token_on_every_request() {
    let signer = sessions(&key(), "session");
    let login = signer.login_at("42", T0, &Cutoffs::NONE).expect("login");
    let session = signer
        .verify_at(&login, T0 + 10, &Cutoffs::NONE)
        .expect("valid");
    let token = signer.csrf_token(&session).expect("token");
    assert_eq!(token.len(), CsrfToken::LEN);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{token}"
    );
    assert_eq!(signer.verify_csrf(&session, &token), Ok(()));
    // Renewed twice, the session keeps its login time, and so its token.
    let renewed = signer
        .renew_at(&session, T0 + 2_000, &Cutoffs::NONE)
        .expect("renewed");
    let later = signer
        .verify_at(&renewed, T0 + 3_000, &Cutoffs::NONE)
        .expect("valid");
    assert_eq!(signer.verify_csrf(&later, &token), Ok(()));
    assert_eq!(
        signer.csrf_token(&later).expect("token").as_str(),
        token.as_str()
    );
}

#[test]
fn another_sessions_token_is_refused() {
    let signer = sessions(&key(), "session");
    let login = signer.login_at("42", T0, &Cutoffs::NONE).expect("login");
    let session = signer.verify_at(&login, T0, &Cutoffs::NONE).expect("valid");
    // The same user logged in a second later: another session, another token, both ways.
    let later_login = token(&signer, "42", T0 + 1);
    assert_eq!(
        signer.verify_csrf(&session, &later_login),
        Err(Error::CsrfMismatch)
    );
    let earlier_login = token(&signer, "42", T0 - 1);
    assert_eq!(
        signer.verify_csrf(&session, &earlier_login),
        Err(Error::CsrfMismatch)
    );
    // Another user, logged in the same second.
    let other_user = token(&signer, "43", T0);
    assert_eq!(
        signer.verify_csrf(&session, &other_user),
        Err(Error::CsrfMismatch)
    );
    // The same user and login time under another cookie (purpose), or another secret.
    let other_cookie = token(&sessions(&key(), "prefs"), "42", T0);
    assert_eq!(
        signer.verify_csrf(&session, &other_cookie),
        Err(Error::CsrfMismatch)
    );
    let other_secret = Key::from_bytes(&[0x22; 32]).expect("key");
    let other_secret = token(&sessions(&other_secret, "session"), "42", T0);
    assert_eq!(
        signer.verify_csrf(&session, &other_secret),
        Err(Error::CsrfMismatch)
    );
    // A token with one digit changed, at either end.
    let mine = signer.csrf_token(&session).expect("token");
    for at in [0, CsrfToken::LEN - 1] {
        let mut changed = mine.as_bytes().to_vec();
        changed[at] = if changed[at] == b'0' { b'1' } else { b'0' };
        let changed = String::from_utf8(changed).expect("ASCII");
        assert_eq!(
            signer.verify_csrf(&session, &changed),
            Err(Error::CsrfMismatch)
        );
    }
}

#[test]
fn two_logins_in_one_second_share_a_token() {
    // A session is its id and login time; two logins of one user in the same second are one
    // session as far as the token (and every cut-off) can tell.
    let signer = sessions(&key(), "session");
    let first = signer.login_at("42", T0, &Cutoffs::NONE).expect("login");
    let second = token(&signer, "42", T0);
    let session = signer.verify_at(&first, T0, &Cutoffs::NONE).expect("valid");
    assert_eq!(signer.verify_csrf(&session, &second), Ok(()));
}

#[test]
fn malformed_tokens_are_refused_before_any_mac() {
    let signer = sessions(&key(), "session");
    let login = signer.login_at("42", T0, &Cutoffs::NONE).expect("login");
    let session = signer.verify_at(&login, T0, &Cutoffs::NONE).expect("valid");
    let token = signer.csrf_token(&session).expect("token").to_string();
    let head = &token[..CsrfToken::LEN - 1];
    for malformed in [
        String::new(),
        token[..CsrfToken::LEN - 1].to_owned(),
        token[..CsrfToken::LEN / 2].to_owned(),
        format!("{token}0"),
        format!("{token}{token}"),
        token.to_uppercase(),
        format!("{head}A"),
        format!("F{}", &token[1..]),
        format!("{head}g"),
        format!("{head} "),
        format!(" {head}"),
        format!("{}\u{e9}", &token[..CsrfToken::LEN - 2]),
        "\u{e9}".repeat(CsrfToken::LEN / 2),
        "z".repeat(CsrfToken::LEN),
    ] {
        assert_eq!(
            signer.verify_csrf(&session, &malformed),
            Err(Error::CsrfMalformed),
            "{malformed:?}"
        );
    }
    assert!(
        Error::CsrfMalformed
            .to_string()
            .contains("32 lowercase hex"),
        "{}",
        Error::CsrfMalformed
    );
    assert_eq!(Error::CsrfMismatch.name(), "CsrfMismatch");
    assert_eq!(Error::CsrfMalformed.name(), "CsrfMalformed");
}

#[test]
fn session_values_and_tokens_are_never_each_other() {
    let signer = sessions(&key(), "session");
    let login = signer.login_at("42", T0, &Cutoffs::NONE).expect("login");
    let session = signer.verify_at(&login, T0, &Cutoffs::NONE).expect("valid");
    let token = signer.csrf_token(&session).expect("token");
    // A session value, or its signature alone, or a truncated signature the token's length,
    // presented as a token.
    let (_, sig) = login.rsplit_once('.').expect("dot");
    assert_eq!(
        signer.verify_csrf(&session, &login),
        Err(Error::CsrfMalformed)
    );
    assert_eq!(signer.verify_csrf(&session, sig), Err(Error::CsrfMalformed));
    assert_eq!(
        signer.verify_csrf(&session, &sig[..CsrfToken::LEN]),
        Err(Error::CsrfMismatch)
    );
    // Under a signer with 16-byte tags, whose signatures are a token's length.
    let short = SessionSigner::new(
        Signer::new(&key(), "session")
            .expect("signer")
            .with_tag_len(16)
            .expect("16 bytes"),
        3_600,
        86_400,
    );
    let short_login = short.login_at("42", T0, &Cutoffs::NONE).expect("login");
    let short_session = short
        .verify_at(&short_login, T0, &Cutoffs::NONE)
        .expect("valid");
    let (_, short_sig) = short_login.rsplit_once('.').expect("dot");
    assert_eq!(short_sig.len(), CsrfToken::LEN);
    assert_eq!(
        short.verify_csrf(&short_session, short_sig),
        Err(Error::CsrfMismatch)
    );
    // A token presented as a session value, alone or in a value's place, to every signer.
    assert_eq!(
        signer.verify_at(&token, T0, &Cutoffs::NONE).err(),
        Some(Error::PartCount {
            expected: 4,
            found: 1
        })
    );
    let forged = format!("42.{T0}.{T0}.{token}");
    assert_eq!(
        short.verify_at(&forged, T0, &Cutoffs::NONE).err(),
        Some(Error::BadSignature)
    );
    let forged_timed = format!("42.{T0}.{token}");
    let timed = TimestampSigner::new(
        Signer::new(&key(), "session")
            .expect("signer")
            .with_tag_len(16)
            .expect("16 bytes"),
        3_600,
    );
    assert_eq!(
        timed.verify_at(&forged_timed, T0).err(),
        Some(Error::BadSignature)
    );
    let untimed = Signer::new(&key(), "session")
        .expect("signer")
        .with_tag_len(16)
        .expect("16 bytes");
    assert_eq!(
        untimed.verify(&format!("42.{token}")),
        Err(Error::BadSignature)
    );
}

#[test]
fn only_a_session_of_this_signer_has_a_token() {
    let key = key();
    let signer = sessions(&key, "session");
    // A timestamped value of the same key and purpose verifies into a `Verified` too, but is
    // no session: no token for it, and no token checked against it.
    let timed = TimestampSigner::new(Signer::new(&key, "session").expect("signer"), 3_600);
    let link = timed.sign_at("42", T0).expect("sign");
    let link = timed.verify_at(&link, T0).expect("valid");
    assert_eq!(signer.csrf_token(&link).err(), Some(Error::BadSignature));
    let token = token(&signer, "42", T0);
    assert_eq!(signer.verify_csrf(&link, &token), Err(Error::BadSignature));
    // A session of another cookie's signer.
    let other = sessions(&key, "prefs");
    let value = other.login_at("42", T0, &Cutoffs::NONE).expect("login");
    let foreign = other.verify_at(&value, T0, &Cutoffs::NONE).expect("valid");
    assert_eq!(signer.csrf_token(&foreign).err(), Some(Error::BadSignature));
    assert_eq!(
        signer.verify_csrf(&foreign, &token),
        Err(Error::BadSignature)
    );
}

#[test]
fn tokens_survive_a_key_rotation_until_the_old_key_is_dropped() {
    let (old, new) = (
        Key::from_bytes(&[1; 32]).expect("key"),
        Key::from_bytes(&[2; 32]).expect("key"),
    );
    let before = sessions(&old, "session");
    let login = before.login_at("42", T0, &Cutoffs::NONE).expect("login");
    let form_token = before
        .csrf_token(&before.verify_at(&login, T0, &Cutoffs::NONE).expect("valid"))
        .expect("token");
    // Rotated: the session verifies under the previous key, and so does the form's token.
    let rotated = sessions(
        &new.clone().with_previous(&old).expect("rotation"),
        "session",
    );
    let session = rotated
        .verify_at(&login, T0 + 60, &Cutoffs::NONE)
        .expect("valid");
    assert_eq!(rotated.verify_csrf(&session, &form_token), Ok(()));
    // Pages rendered now carry the new key's token, which verifies too.
    let fresh = rotated.csrf_token(&session).expect("token");
    assert_ne!(fresh.as_str(), form_token.as_str());
    assert_eq!(rotated.verify_csrf(&session, &fresh), Ok(()));
    // The old key dropped: its tokens are refused (as are its sessions).
    let renewed = rotated
        .renew_at(&session, T0 + 60, &Cutoffs::NONE)
        .expect("renewed under the new key");
    let dropped = sessions(&new, "session");
    let session = dropped
        .verify_at(&renewed, T0 + 60, &Cutoffs::NONE)
        .expect("valid");
    assert_eq!(
        dropped.verify_csrf(&session, &form_token),
        Err(Error::CsrfMismatch)
    );
    assert_eq!(dropped.verify_csrf(&session, &fresh), Ok(()));
}

#[test]
fn the_worked_example_of_the_format() {
    let key = Key::from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
        .expect("key");
    let signer = SessionSigner::new(Signer::new(&key, "session").expect("signer"), 7_200, 43_200);
    let value = "12345.1764000000.1764003600.5ac44e3ba810958131ea64f38fe75147b87cda201e8b17e4bfc05ca4da9921d1";
    let session = signer
        .verify_at(value, 1_764_003_700, &Cutoffs::NONE)
        .expect("the format's session value");
    let token = signer.csrf_token(&session).expect("token");
    assert_eq!(token.as_str(), "85b53540e107925269167fe77d059098");
    // And from the format's text alone, with the `hmac` crate: the session key, then the token
    // key, then the MAC of `id "." auth`.
    let case = Case::of(&key_bytes(), Some("session"), 16);
    assert_eq!(
        token.as_str(),
        csrf_by_the_text(&case, "12345", 1_764_000_000)
    );
}

fn key_bytes() -> Vec<u8> {
    (0u8..32).collect()
}

/// The token by the format's text, with the `hmac` crate.
fn csrf_by_the_text(case: &Case, id: &str, auth: u64) -> String {
    use hmac::{Hmac, Mac};
    let hmac = |key: &[u8], msg: &[u8]| {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).expect("any key length");
        mac.update(msg);
        mac.finalize().into_bytes().to_vec()
    };
    let k = match &case.purpose {
        Some(purpose) => hmac(&case.secret, format!("sigcookie key {purpose}").as_bytes()),
        None => case.secret.clone(),
    };
    let k_csrf = hmac(&k, b"sigcookie csrf key");
    hex::encode(&hmac(&k_csrf, format!("{id}.{auth}").as_bytes())[..16])
}

#[test]
fn the_web_sessions_token_is_the_cores() {
    let clock = ManualClock::new(T0);
    let cookie = SessionCookie::builder(&key(), "__Host-s")
        .clock(clock.clone())
        .build()
        .expect("valid");
    let value = cookie.issue("42").expect("issued");
    let session = cookie.verify(value.value()).expect("valid");
    let core = cookie
        .signer()
        .verify_at(value.value(), T0, &Cutoffs::NONE)
        .expect("valid");
    let token = session.csrf_token().expect("token");
    assert_eq!(
        token.as_str(),
        cookie.signer().csrf_token(&core).expect("token").as_str()
    );
    assert_eq!(session.verify_csrf(&token), Ok(()));
    // After a renewal, the same token.
    clock.advance(40 * 60);
    let renewed = session.renewal(0.5).expect("renewal").expect("due");
    let renewed = cookie.verify(renewed.value()).expect("valid");
    assert_eq!(
        renewed.csrf_token().expect("token").as_str(),
        token.as_str()
    );
    assert_eq!(renewed.verify_csrf(&token), Ok(()));
    // Another login of the same user, a second later: another token.
    clock.advance(1);
    let again = cookie
        .verify(cookie.issue("42").expect("issued").value())
        .expect("valid");
    assert_eq!(again.verify_csrf(&token), Err(Error::CsrfMismatch));
    assert_eq!(
        session.verify_csrf(&token.to_uppercase()),
        Err(Error::CsrfMalformed)
    );
    assert_eq!(session.verify_csrf(""), Err(Error::CsrfMalformed));
    assert_eq!(
        session.verify_csrf(value.value()),
        Err(Error::CsrfMalformed)
    );
    // The token as a session cookie's value.
    assert_eq!(
        cookie.verify(&token).err(),
        Some(Error::PartCount {
            expected: 4,
            found: 1
        })
    );
    assert_eq!(
        cookie
            .verify_headers([format!("__Host-s={token}").as_str()])
            .err(),
        Some(Error::PartCount {
            expected: 4,
            found: 1
        })
    );
    assert_eq!(format!("{token:?}"), "CsrfToken(<redacted>)");
}

/// The form of every handler below: a hidden `csrf` field, and what the form is about.
#[derive(Deserialize)]
struct DeleteForm {
    csrf: String,
    item: String,
}

mod axum_app {
    use axum::extract::State;
    use axum::response::IntoResponse;
    use axum::routing::{get, post};
    use axum::{Form, Router};

    use super::*;

    /// The page with the form: the token in a hidden field.
    async fn page(session: Session) -> impl IntoResponse {
        format!(
            r#"<form method="post" action="/delete"><input type="hidden" name="csrf" value="{}"><input name="item"></form>"#,
            session.csrf_token().expect("token")
        )
    }

    /// The one line that checks the form's token; `?` answers a refused one `403`.
    async fn delete(session: Session, Form(form): Form<DeleteForm>) -> Result<String, Error> {
        session.verify_csrf(&form.csrf)?;
        Ok(format!("{} deleted {}", session.id(), form.item))
    }

    async fn logout_user(State(cookie): State<SessionCookie>, session: Session) -> String {
        cookie.log_out_user(session.id()).expect("the memory store");
        "logged out".to_owned()
    }

    pub async fn serve(cookie: SessionCookie) -> SocketAddr {
        let app = Router::new()
            .route("/page", get(page))
            .route("/delete", post(delete))
            .route("/logout-user", post(logout_user))
            .with_state(cookie);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("an address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    }
}

mod actix_app {
    use actix_web::{App, HttpResponse, HttpServer, web};

    use super::*;

    /// The one line that checks the form's token; `?` answers a refused one `403`.
    async fn delete(session: Session, form: web::Form<DeleteForm>) -> Result<HttpResponse, Error> {
        session.verify_csrf(&form.csrf)?;
        Ok(HttpResponse::Ok().body(format!("{} deleted {}", session.id(), form.item)))
    }

    pub fn serve(cookie: SessionCookie) -> SocketAddr {
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(cookie.clone()))
                .route("/delete", web::post().to(delete))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .expect("bind");
        let addr = server.addrs()[0];
        actix_web::rt::spawn(server.run());
        addr
    }
}

/// The form a browser submits: the token and the item, URL-encoded (both are URL-safe here).
fn form(token: &str) -> String {
    format!("csrf={token}&item=7")
}

/// The session cookie both apps use: idle after an hour, over 12 hours after the login.
fn web_cookie(clock: &ManualClock) -> SessionCookie {
    SessionCookie::builder(&key(), "__Host-s")
        .max_age(Duration::hours(1))
        .clock(clock.clone())
        .build()
        .expect("valid")
}

/// `POST /delete` with `cookie` and `token`, answered by the app at `addr`.
async fn delete(addr: SocketAddr, cookie: &str, token: &str) -> client::Reply {
    client::send_body(addr, "POST", "/delete", &[cookie], &form(token)).await
}

/// The page's token: what a browser submits back.
fn scrape(page: &str) -> &str {
    let start = page.find(r#"name="csrf" value=""#).expect("a csrf field") + 19;
    &page[start..start + CsrfToken::LEN]
}

#[tokio::test]
async fn axum_checks_a_forms_token_in_one_line() {
    let clock = ManualClock::new(T0);
    let cookie = web_cookie(&clock);
    let addr = axum_app::serve(cookie.clone()).await;
    let login = cookie.issue("42").expect("issued").stripped().to_string();
    let page = client::get(addr, "/page", &[&login]).await;
    assert_eq!(page.status, 200);
    let token = scrape(&page.body).to_owned();

    let reply = delete(addr, &login, &token).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "42 deleted 7"));

    // Refused with 403 and an empty body: no token, a malformed one, another session's.
    let other_user = cookie.issue("43").expect("issued").stripped().to_string();
    let theirs = client::get(addr, "/page", &[&other_user]).await;
    let theirs = scrape(&theirs.body).to_owned();
    clock.advance(1);
    let later_login = cookie.issue("42").expect("issued").stripped().to_string();
    let later = client::get(addr, "/page", &[&later_login]).await;
    let later = scrape(&later.body).to_owned();
    for refused in [
        String::new(),
        token[..CsrfToken::LEN - 1].to_owned(),
        token.to_uppercase(),
        theirs.clone(),
        later.clone(),
    ] {
        let reply = delete(addr, &login, &refused).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (403, ""),
            "{refused:?}"
        );
    }
    // The other sessions accept their own.
    assert_eq!(delete(addr, &other_user, &theirs).await.status, 200);
    assert_eq!(delete(addr, &later_login, &later).await.status, 200);
    // The session value itself as the token.
    let value = login.split_once('=').expect("a pair").1;
    assert_eq!(delete(addr, &login, value).await.status, 403);
    // The token as the session cookie: no session at all.
    let reply = delete(addr, &format!("__Host-s={token}"), &token).await;
    assert_eq!(reply.status, 401);

    // "Log out this user": every session of 42 that began up to now ends, and with it every
    // form it rendered. The right token is never looked at: the session does not verify.
    let reply = client::send_body(addr, "POST", "/logout-user", &[&login], "").await;
    assert_eq!(reply.status, 200);
    assert_eq!(delete(addr, &login, &token).await.status, 401);
    assert_eq!(delete(addr, &later_login, &later).await.status, 401);
    // 43 is not affected.
    assert_eq!(delete(addr, &other_user, &theirs).await.status, 200);

    // "Log out everywhere": 43's session and token end too.
    cookie.log_out_everywhere().expect("the memory store");
    assert_eq!(delete(addr, &other_user, &theirs).await.status, 401);

    // A login after the cut-off has a token of its own; idle past the maximum age, it ends.
    clock.advance(1);
    let fresh = cookie.issue("42").expect("issued").stripped().to_string();
    let fresh_token = scrape(&client::get(addr, "/page", &[&fresh]).await.body).to_owned();
    assert_ne!(fresh_token, token);
    assert_eq!(delete(addr, &fresh, &token).await.status, 403);
    assert_eq!(delete(addr, &fresh, &fresh_token).await.status, 200);
    clock.advance(3_700);
    assert_eq!(delete(addr, &fresh, &fresh_token).await.status, 401);
}

#[actix_web::test]
async fn actix_checks_a_forms_token_in_one_line() {
    let clock = ManualClock::new(T0);
    let cookie = web_cookie(&clock);
    let addr = actix_app::serve(cookie.clone());
    let login = cookie.issue("42").expect("issued");
    let token = cookie
        .verify(login.value())
        .expect("valid")
        .csrf_token()
        .expect("token")
        .to_string();
    let login = login.stripped().to_string();

    let reply = delete(addr, &login, &token).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "42 deleted 7"));

    let other = cookie.issue("43").expect("issued");
    let theirs = cookie
        .verify(other.value())
        .expect("valid")
        .csrf_token()
        .expect("token")
        .to_string();
    for refused in [
        String::new(),
        format!("{token}0"),
        token.to_uppercase(),
        format!("{}g", &token[..CsrfToken::LEN - 1]),
        theirs,
    ] {
        let reply = delete(addr, &login, &refused).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (403, ""),
            "{refused:?}"
        );
    }

    // Logged out on the server: 401, whatever the token.
    cookie.log_out_user("42").expect("the memory store");
    assert_eq!(delete(addr, &login, &token).await.status, 401);
}
