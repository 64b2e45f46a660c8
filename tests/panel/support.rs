//! Serving the panel on a loopback port, and a plain HTTP/1.1 client that shows the server's
//! headers exactly as sent (no cookie store, no redirects followed).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use sigcookie::web::{Cookie, Duration, SessionCookie};
use sigcookie::{Key, ManualClock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use crate::app;

/// The tests' secret: they sign values of their own with it, as an attacker holding a valid
/// value of another cookie would have.
pub const SECRET: [u8; 32] = [0x5a; 32];
/// The test clock's start, unix seconds.
pub const T0: u64 = 1_764_000_000;

pub struct Panel {
    pub addr: SocketAddr,
    pub cookie_name: &'static str,
    /// The panel's password-check permits: a test holding them stands for checks in flight.
    pub login_slots: Arc<Semaphore>,
    clock: ManualClock,
}

impl Panel {
    /// The panel with a test clock at [`T0`], in the mode a default run uses.
    pub async fn start() -> Panel {
        Panel::start_with(false, true).await
    }

    /// `plain_http`: the LAN opt-out; `test_clock`: a clock the test moves, else the system's.
    pub async fn start_with(plain_http: bool, test_clock: bool) -> Panel {
        Panel::launch(plain_http, test_clock, None).await
    }

    /// The panel with a test clock, also answering to `extra_hosts` (as `PANEL_HOSTS`).
    pub async fn start_with_hosts(extra_hosts: &str) -> Panel {
        Panel::launch(false, true, Some(extra_hosts)).await
    }

    async fn launch(plain_http: bool, test_clock: bool, extra_hosts: Option<&str>) -> Panel {
        let clock = ManualClock::new(T0);
        let key = Key::from_bytes(&SECRET).expect("a 32-byte key");
        let mut builder = app::session_cookie(&key, plain_http);
        if test_clock {
            builder = builder.clock(clock.clone());
        }
        let cookie = builder.build().expect("the panel's cookie configuration");
        let cookie_name = if plain_http {
            app::PLAIN_HTTP_COOKIE_NAME
        } else {
            app::COOKIE_NAME
        };
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("the bound address");
        let config = app::Config::new(addr, extra_hosts);
        let login_slots = Arc::clone(&config.login_slots);
        tokio::spawn(async move { axum::serve(listener, app::router(cookie, config)).await });
        Panel {
            addr,
            cookie_name,
            login_slots,
            clock,
        }
    }

    /// Moves the panel's clock forward.
    pub fn advance(&self, by: Duration) {
        self.clock
            .advance(u64::try_from(by.whole_seconds()).expect("forward"));
    }

    /// A session cookie under `name` with the panel's secret and clock: what another cookie of
    /// the same application, signed with the same secret, would hold.
    pub fn cookie_named(&self, name: &str) -> SessionCookie {
        let key = Key::from_bytes(&SECRET).expect("a 32-byte key");
        SessionCookie::builder(&key, name)
            .max_age(app::SESSION_LIFETIME)
            .clock(self.clock.clone())
            .build()
            .expect("a valid cookie configuration")
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Response {
        let headers: Vec<_> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
        request(self.addr, "GET", path, &headers, "").await
    }

    pub async fn post(&self, path: &str, cookie: Option<&str>, form: &str) -> Response {
        let headers: Vec<_> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
        request(self.addr, "POST", path, &headers, form).await
    }

    /// Logs in as the demo user and returns the `Cookie:` header that carries the session.
    pub async fn login(&self) -> String {
        let response = self
            .post("/login", None, "username=admin&password=panel-demo-2024")
            .await;
        assert_eq!(response.status, 303, "login: {}", response.body);
        let cookie = response
            .set_cookie(self.cookie_name)
            .expect("a session cookie");
        cookie.stripped().to_string()
    }
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn set_cookies(&self) -> Vec<Cookie<'static>> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| Cookie::parse(v.clone()).expect("a well-formed Set-Cookie"))
            .collect()
    }

    pub fn set_cookie(&self, name: &str) -> Option<Cookie<'static>> {
        self.set_cookies().into_iter().find(|c| c.name() == name)
    }
}

pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    form: &str,
) -> Response {
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    // The panel's own address, unless the test forges another `Host`.
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"))
    {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
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
    let raw = tokio::time::timeout(StdDuration::from_secs(30), exchange)
        .await
        .expect("the panel answers within 30 s")
        .expect("an HTTP exchange on loopback");
    let raw = String::from_utf8(raw).expect("a UTF-8 response");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a response head");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Response {
        status,
        headers,
        body: body.to_owned(),
    }
}
