//! `examples/axum_minimal.rs`, the README's axum example, served on a loopback port and driven
//! over real HTTP: log in, `/me` with and without the cookie, log out.

#[path = "../examples/axum_minimal.rs"]
#[allow(
    dead_code,
    reason = "the example's `main` binds a fixed port; the tests bind their own"
)]
mod example;

use std::net::SocketAddr;
use std::time::Duration;

use sigcookie::Key;
use sigcookie::web::Cookie;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const PASSWORD: &str = "correct-horse";

/// The example's router on a free loopback port.
async fn serve(password: &str) -> SocketAddr {
    let key = Key::from_bytes(&[0x42; 32]).expect("a 32-byte key");
    let app = example::app(&key, password).expect("the example's cookie configuration");
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let addr = listener.local_addr().expect("the bound address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

struct Response {
    status: u16,
    set_cookie: Option<Cookie<'static>>,
    body: String,
    /// Every header line, its name in lowercase.
    headers: Vec<(String, String)>,
}

impl Response {
    /// The values of the header `name` (lowercase), one per line.
    fn header(&self, name: &str) -> Vec<&str> {
        let lines = self.headers.iter().filter(|(n, _)| n == name);
        lines.map(|(_, value)| value.as_str()).collect()
    }
}

/// One HTTP/1.1 exchange, headers exactly as the server sent them.
async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: &str,
) -> Response {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(cookie) = cookie {
        head.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if method == "POST" {
        head.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        head.push_str(&format!("Content-Length: {}\r\n", form.len()));
    }
    head.push_str("\r\n");
    head.push_str(form);
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(head.as_bytes()).await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        Ok::<_, std::io::Error>(raw)
    };
    let raw = tokio::time::timeout(Duration::from_secs(30), exchange)
        .await
        .expect("an answer within 30 s")
        .expect("an HTTP exchange on loopback");
    let raw = String::from_utf8(raw).expect("a UTF-8 response");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a response head");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let set_cookie = headers
        .iter()
        .find(|(name, _)| name == "set-cookie")
        .map(|(_, value)| Cookie::parse(value.clone()).expect("a valid Set-Cookie"));
    Response {
        status,
        set_cookie,
        body: body.to_owned(),
        headers,
    }
}

#[tokio::test]
async fn login_me_logout() {
    let addr = serve(PASSWORD).await;
    let login = request(
        addr,
        "POST",
        "/login",
        None,
        "user=demo&password=correct-horse",
    )
    .await;
    assert_eq!((login.status, login.body.as_str()), (200, "logged in\n"));
    // No shared cache may store the login and hand its cookie to someone else.
    assert_eq!(login.header("cache-control"), ["private"]);
    assert_eq!(login.header("vary"), ["Cookie"]);
    let cookie = login.set_cookie.expect("a session cookie");
    assert_eq!(cookie.name(), "__Host-session");
    assert_eq!(
        (cookie.secure(), cookie.http_only(), cookie.path()),
        (Some(true), Some(true), Some("/"))
    );
    assert!(cookie.value().starts_with("demo-1."), "{}", cookie.value());

    let me = request(addr, "GET", "/me", Some(&cookie.stripped().to_string()), "").await;
    assert_eq!(
        (me.status, me.body.as_str()),
        (200, "logged in as demo-1\n")
    );
    assert!(me.set_cookie.is_none(), "a fresh session is not renewed");
    // The page is demo-1's: a cache may only serve it to the same `Cookie:` header.
    assert_eq!(me.header("vary"), ["Cookie"]);
    assert_eq!(
        request(addr, "GET", "/me", None, "").await.header("vary"),
        ["Cookie"]
    );

    let logout = request(
        addr,
        "POST",
        "/logout",
        Some(&cookie.stripped().to_string()),
        "",
    )
    .await;
    assert_eq!(logout.status, 200);
    assert_eq!(logout.header("cache-control"), ["private"]);
    assert_eq!(logout.header("vary"), ["Cookie"]);
    let removal = logout.set_cookie.expect("a removal cookie");
    assert_eq!((removal.name(), removal.value()), ("__Host-session", ""));
    assert_eq!(removal.max_age(), Some(sigcookie::web::Duration::ZERO));
    // The session ended on the server too: the cookie, replayed, is refused.
    let replayed = request(addr, "GET", "/me", Some(&cookie.stripped().to_string()), "").await;
    assert_eq!(replayed.status, 401);
}

#[tokio::test]
async fn me_without_a_valid_cookie_is_401() {
    let addr = serve(PASSWORD).await;
    assert_eq!(request(addr, "GET", "/me", None, "").await.status, 401);
    let forged = "__Host-session=demo-1.1764000000.1764000000.".to_owned() + &"0".repeat(64);
    assert_eq!(
        request(addr, "GET", "/me", Some(&forged), "").await.status,
        401
    );
    // A cookie signed with another key is refused too.
    let other = sigcookie::web::SessionCookie::builder(
        &Key::from_bytes(&[1; 32]).expect("key"),
        "__Host-session",
    )
    .build()
    .expect("cookie");
    let stolen = other.issue("demo-1").expect("issue").stripped().to_string();
    assert_eq!(
        request(addr, "GET", "/me", Some(&stolen), "").await.status,
        401
    );
}

#[tokio::test]
async fn wrong_or_absent_passwords_get_no_cookie() {
    let addr = serve(PASSWORD).await;
    for form in [
        "user=demo&password=wrong",
        "user=demo&password=",
        "user=other&password=correct-horse",
    ] {
        let response = request(addr, "POST", "/login", None, form).await;
        assert_eq!(response.status, 401, "{form}");
        assert!(response.set_cookie.is_none(), "{form}");
    }
    // With no DEMO_PASSWORD, not even an empty password logs in.
    let closed = serve("").await;
    let response = request(closed, "POST", "/login", None, "user=demo&password=").await;
    assert_eq!(response.status, 401);
    // Bodies are bounded.
    let big = format!("user=demo&password={}", "a".repeat(4096));
    assert_eq!(
        request(addr, "POST", "/login", None, &big).await.status,
        413
    );
}

/// Logging out needs no valid session: without a cookie, with a forged one and with an expired
/// one (correctly signed, past its idle timeout), the answer still removes the cookie.
#[tokio::test]
async fn logout_clears_the_cookie_without_a_valid_session() {
    let addr = serve(PASSWORD).await;
    // The example's own key and cookie name, on a clock two hours back: idle for too long.
    let key = Key::from_bytes(&[0x42; 32]).expect("a 32-byte key");
    let two_hours_ago = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        - 2 * 3600;
    let past = sigcookie::web::SessionCookie::builder(&key, "__Host-session")
        .clock(move || two_hours_ago)
        .build()
        .expect("cookie");
    let expired = past.issue("demo-1").expect("issue").stripped().to_string();
    assert_eq!(
        request(addr, "GET", "/me", Some(&expired), "").await.status,
        401,
        "expired"
    );
    let forged = "__Host-session=demo-1.1764000000.1764000000.".to_owned() + &"0".repeat(64);
    for cookie in [None, Some(forged.as_str()), Some(expired.as_str())] {
        let logout = request(addr, "POST", "/logout", cookie, "").await;
        assert_eq!(
            (logout.status, logout.body.as_str()),
            (200, "logged out\n"),
            "{cookie:?}"
        );
        let removal = logout.set_cookie.expect("a removal cookie");
        assert_eq!((removal.name(), removal.value()), ("__Host-session", ""));
        assert_eq!(removal.max_age(), Some(sigcookie::web::Duration::ZERO));
        assert_eq!(
            (removal.secure(), removal.path()),
            (Some(true), Some("/")),
            "a __Host- cookie is only replaced by a Secure one at Path=/"
        );
    }
}

/// A renewal on `/me`: a session issued 20 minutes ago (past half the 30-minute idle timeout)
/// gets a new cookie, kept out of shared caches like the login's.
#[tokio::test]
async fn a_renewal_on_me_is_private_and_varies_on_the_cookie() {
    let addr = serve(PASSWORD).await;
    let key = Key::from_bytes(&[0x42; 32]).expect("a 32-byte key");
    let twenty_minutes_ago = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        - 20 * 60;
    let past = sigcookie::web::SessionCookie::builder(&key, "__Host-session")
        .clock(move || twenty_minutes_ago)
        .build()
        .expect("cookie");
    let older = past.issue("demo-1").expect("issue").stripped().to_string();
    let me = request(addr, "GET", "/me", Some(&older), "").await;
    assert_eq!(
        (me.status, me.body.as_str()),
        (200, "logged in as demo-1\n")
    );
    assert_eq!(me.header("cache-control"), ["private"]);
    assert_eq!(me.header("vary"), ["Cookie"]);
    let renewed = me.set_cookie.expect("a renewed cookie");
    assert!(
        renewed.value().starts_with("demo-1."),
        "{}",
        renewed.value()
    );
    assert_ne!(renewed.stripped().to_string(), older);
}
