//! Serving the panel on a loopback port (in this process, or the built example as a child
//! process), and a plain HTTP/1.1 client that shows the server's headers exactly as sent (no
//! cookie store, no redirects followed), from any loopback source address.

use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration as StdDuration;

use sigcookie::header::SameSite;
use sigcookie::store::MemoryStore;
use sigcookie::web::{Cookie, Duration, SessionCookie};
use sigcookie::{Clock, Key};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::Semaphore;

use crate::{app, device, server, users};

/// The tests' secret: they sign values of their own with it, as an attacker holding a valid
/// value of another cookie would have.
pub const SECRET: [u8; 32] = [0x5a; 32];
/// The test clock's start, unix seconds.
pub const T0: u64 = 1_764_000_000;
/// The demo account's login form.
pub const LOGIN: &str = "user=admin&password=panel-demo-2024";
/// The password the tests change the demo password to, and its login form.
pub const NEW_PASSWORD: &str = "correct horse battery";
pub const NEW_LOGIN: &str = "user=admin&password=correct+horse+battery";
/// Where a password change that succeeded sends the browser.
pub const PASSWORD_CHANGED: &str = "/status?notice=password-changed";

/// The password change form: the current password, the new one and the new one again.
pub fn change_form(current: &str, new: &str, again: &str) -> String {
    let plus = |s: &str| s.replace(' ', "+");
    format!(
        "current={}&new={}&again={}",
        plus(current),
        plus(new),
        plus(again)
    )
}

/// A clock the test sets and moves by hand, shared by its clones: the panel's cookies read it
/// as their [`Clock`].
#[derive(Clone)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    pub fn new(unix: u64) -> ManualClock {
        ManualClock(Arc::new(AtomicU64::new(unix)))
    }

    pub fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, Ordering::Relaxed);
    }

    pub fn set(&self, unix: u64) {
        self.0.store(unix, Ordering::Relaxed);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Result<u64, sigcookie::Error> {
        Ok(self.0.load(Ordering::Relaxed))
    }
}

/// A cookie's `SameSite` attribute as the response sent it, in the type the panel sets it
/// with (the `cookie` crate that parsed it has its own).
pub fn same_site(cookie: &Cookie<'_>) -> Option<SameSite> {
    cookie.same_site().map(|same_site| {
        if same_site.is_strict() {
            SameSite::Strict
        } else if same_site.is_lax() {
            SameSite::Lax
        } else {
            SameSite::None
        }
    })
}

/// A fresh folder under the system's temporary folder, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(what: &str) -> TempDir {
        TempDir(crate::common::servers::server_folder(&format!(
            "panel-{what}"
        )))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The panel served in this test process, with a clock the test moves.
pub struct Panel {
    pub addr: SocketAddr,
    pub cookie_name: &'static str,
    /// The panel's password-check permits: a test holding them stands for checks in flight.
    pub login_slots: Arc<Semaphore>,
    clock: ManualClock,
    /// The login throttle's monotonic clock: [`Panel::advance`] moves it with the wall clock,
    /// [`Panel::set_clock`] (a step of the wall clock) does not.
    throttle_clock: ManualClock,
    _state: TempDir,
}

/// How a test wants its in-process panel.
#[derive(Default)]
pub struct Options<'a> {
    pub plain_http: bool,
    /// The system clock instead of a test clock at [`T0`].
    pub system_clock: bool,
    pub extra_hosts: Option<&'a str>,
    pub limits: Option<server::Limits>,
    /// The users file to start with, instead of the demo account alone.
    pub users: Option<&'a str>,
}

impl Panel {
    /// The panel with a test clock at [`T0`], in the mode a default run uses.
    pub async fn start() -> Panel {
        Panel::start_with(Options::default()).await
    }

    pub async fn start_with(options: Options<'_>) -> Panel {
        let clock = ManualClock::new(T0);
        let key = Key::from_bytes(&SECRET).expect("a 32-byte key");
        let mut builder = app::session_cookie(&key, options.plain_http);
        if !options.system_clock {
            builder = builder.clock(clock.clone());
        }
        let cookie = builder.build().expect("the panel's cookie configuration");
        let mut device =
            device::device_cookie(&key, options.plain_http, Arc::clone(cookie.store()));
        if !options.system_clock {
            device = device.clock(clock.clone());
        }
        let device = device.build().expect("the device cookie's configuration");
        let cookie_name = if options.plain_http {
            app::PLAIN_HTTP_COOKIE_NAME
        } else {
            app::COOKIE_NAME
        };
        let state = TempDir::new("state");
        if let Some(text) = options.users {
            std::fs::write(state.0.join("users.json"), text).expect("the users file written");
        }
        let users = Arc::new(users::Users::open(&state.0).expect("the users file"));
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("the bound address");
        let mut config = app::Config::new(addr, options.extra_hosts);
        let throttle_clock = ManualClock::new(0);
        if !options.system_clock {
            let clock = throttle_clock.clone();
            config.throttle_clock =
                Arc::new(move || StdDuration::from_secs(clock.now().unwrap_or_default()));
        }
        let login_slots = Arc::clone(&config.login_slots);
        let limits = options.limits.unwrap_or_default();
        let router = app::router(cookie, device, users, config);
        tokio::spawn(server::serve(
            listener,
            router,
            limits,
            std::future::pending(),
        ));
        Panel {
            addr,
            cookie_name,
            login_slots,
            clock,
            throttle_clock,
            _state: state,
        }
    }

    /// Moves the panel's clocks forward: time passes.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.whole_seconds()).expect("forward");
        self.clock.advance(by);
        self.throttle_clock.advance(by);
    }

    /// Sets the panel's wall clock to `unix` seconds, backwards too (an NTP step); no time
    /// passes for the throttle's monotonic clock.
    pub fn set_clock(&self, unix: u64) {
        self.clock.set(unix);
    }

    /// A session cookie under `name` with the panel's secret and clock: what another cookie of
    /// the same application, signed with the same secret, would hold.
    pub fn cookie_named(&self, name: &str) -> SessionCookie {
        let key = Key::from_bytes(&SECRET).expect("a 32-byte key");
        SessionCookie::builder(&key, name)
            .max_age(app::IDLE_TIMEOUT)
            .lifetime(app::SESSION_LIFETIME)
            .clock(self.clock.clone())
            .build()
            .expect("a valid cookie configuration")
    }

    /// The panel's device cookie (default mode) with its secret and clock, but none of its
    /// cut-offs: what a device cookie for any id would hold, as only the panel could sign it.
    pub fn device_cookie(&self) -> SessionCookie {
        self.device_cookie_with(self.clock.clone())
    }

    /// [`Panel::device_cookie`] issuing at `unix` seconds, as a login at that time would have.
    pub fn device_cookie_at(&self, unix: u64) -> SessionCookie {
        self.device_cookie_with(move || unix)
    }

    fn device_cookie_with(&self, clock: impl Clock + 'static) -> SessionCookie {
        let key = Key::from_bytes(&SECRET).expect("a 32-byte key");
        device::device_cookie(&key, false, Arc::new(MemoryStore::new()))
            .clock(clock)
            .build()
            .expect("the device cookie's configuration")
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Response {
        get(self.addr, path, cookie).await
    }

    pub async fn post(&self, path: &str, cookie: Option<&str>, form: &str) -> Response {
        post(self.addr, path, cookie, form).await
    }

    /// A logged-in user's form as a browser submits it, with its page's CSRF token: see
    /// [`submit`].
    pub async fn submit(&self, path: &str, cookie: Option<&str>, form: &str) -> Response {
        submit(self.addr, path, cookie, form).await
    }

    /// Logs in as the demo user and returns the `Cookie:` header that carries the session.
    pub async fn login(&self) -> String {
        login(self.addr, self.cookie_name, LOGIN).await
    }
}

pub async fn get(addr: SocketAddr, path: &str, cookie: Option<&str>) -> Response {
    let headers: Vec<_> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
    request(addr, "GET", path, &headers, "").await
}

pub async fn post(addr: SocketAddr, path: &str, cookie: Option<&str>, form: &str) -> Response {
    let headers: Vec<_> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
    request(addr, "POST", path, &headers, form).await
}

/// The page that holds the form posting to `path`: the status page has the "Log out" button,
/// the other forms are on their own page.
fn form_page(path: &str) -> &str {
    if path == "/logout" { "/status" } else { path }
}

/// The CSRF token in a page's hidden `csrf` field, if it has one.
pub fn csrf_in(html: &str) -> Option<String> {
    let field = r#"name="csrf" value=""#;
    let start = html.find(field)? + field.len();
    let token = html.get(start..)?.split('"').next()?;
    Some(token.to_owned())
}

/// The CSRF token of the form posting to `path`, from its page as the panel serves it to the
/// browser holding `cookie` (from `source`); `None` when that page has no form of a session
/// (the session does not verify).
pub async fn csrf_token_from(
    source: Option<IpAddr>,
    addr: SocketAddr,
    path: &str,
    cookie: &str,
) -> Option<String> {
    let headers = [("Cookie", cookie)];
    let page = request_from(source, addr, "GET", form_page(path), &headers, "").await;
    csrf_in(&page.body)
}

/// [`csrf_token_from`] the system's choice of source address.
pub async fn csrf_token(addr: SocketAddr, path: &str, cookie: &str) -> Option<String> {
    csrf_token_from(None, addr, path, cookie).await
}

/// `form` with the `csrf` field a logged-in page's form adds.
pub fn with_csrf(token: &str, form: &str) -> String {
    if form.is_empty() {
        format!("csrf={token}")
    } else {
        format!("csrf={token}&{form}")
    }
}

/// A logged-in user's form posted to `path` as a browser submits it (from `source`): the
/// page it is on is fetched first with `cookie`, and its hidden CSRF token goes with `form`.
/// Without a cookie, or when the page has no token (the session does not verify), `form`
/// goes as it is.
pub async fn submit_from(
    source: Option<IpAddr>,
    addr: SocketAddr,
    path: &str,
    cookie: Option<&str>,
    form: &str,
) -> Response {
    let token = match cookie {
        Some(cookie) => csrf_token_from(source, addr, path, cookie).await,
        None => None,
    };
    let form = token.map_or_else(|| form.to_owned(), |token| with_csrf(&token, form));
    let headers: Vec<_> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
    request_from(source, addr, "POST", path, &headers, &form).await
}

/// [`submit_from`] the system's choice of source address.
pub async fn submit(addr: SocketAddr, path: &str, cookie: Option<&str>, form: &str) -> Response {
    submit_from(None, addr, path, cookie, form).await
}

/// Logs in with `form` and returns the `Cookie:` header that carries the session.
pub async fn login(addr: SocketAddr, cookie_name: &str, form: &str) -> String {
    let response = post(addr, "/login", None, form).await;
    assert_eq!(
        (response.status, response.header("location")),
        (303, Some("/status")),
        "login: {}",
        response.body
    );
    let cookie = response.set_cookie(cookie_name).expect("a session cookie");
    cookie.stripped().to_string()
}

/// Changes the demo password to [`NEW_PASSWORD`] from the browser holding `cookie`, and
/// returns the `Cookie:` header of the new login the panel gives that browser.
pub async fn change_password(addr: SocketAddr, cookie_name: &str, cookie: &str) -> String {
    let form = change_form("panel-demo-2024", NEW_PASSWORD, NEW_PASSWORD);
    let response = submit(addr, "/password", Some(cookie), &form).await;
    assert_eq!(
        (response.status, response.header("location")),
        (303, Some(PASSWORD_CHANGED)),
        "password change: {}",
        response.body
    );
    let cookie = response
        .set_cookie(cookie_name)
        .expect("this browser gets a new login");
    cookie.stripped().to_string()
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

    /// The `name=value` of the cookie `name` this response sets, as a `Cookie:` header would
    /// send it back; panics if it sets none.
    pub fn cookie_pair(&self, name: &str) -> String {
        let cookie = self.set_cookie(name);
        let cookie = cookie.unwrap_or_else(|| panic!("no {name} cookie set: {}", self.body));
        cookie.stripped().to_string()
    }

    /// The login error a redirect back to the login form names (`wrong`, `throttled`, `busy`).
    pub fn login_error(&self) -> Option<&str> {
        let location = self.header("location")?;
        let query = location.strip_prefix("/login?")?;
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix("error="))
    }
}

/// A loopback address other than 127.0.0.1, standing for another client: `127.0.0.n`.
pub fn client(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))
}

pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    form: &str,
) -> Response {
    request_from(None, addr, method, path, headers, form).await
}

/// A connection from `source` (any port), or from the system's choice.
pub async fn connect_from(source: Option<IpAddr>, addr: SocketAddr) -> std::io::Result<TcpStream> {
    match source {
        None => TcpStream::connect(addr).await,
        Some(ip) => {
            let socket = TcpSocket::new_v4()?;
            socket.bind(SocketAddr::new(ip, 0))?;
            socket.connect(addr).await
        }
    }
}

/// One request on its own connection, from `source` when given.
pub async fn request_from(
    source: Option<IpAddr>,
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
        let mut stream = connect_from(source, addr).await?;
        stream.write_all(head.as_bytes()).await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        Ok::<_, std::io::Error>(raw)
    };
    let raw = tokio::time::timeout(StdDuration::from_secs(30), exchange)
        .await
        .expect("the panel answers within 30 s")
        .expect("an HTTP exchange on loopback");
    parse_response(&raw)
}

pub fn parse_response(raw: &[u8]) -> Response {
    let raw = String::from_utf8_lossy(raw);
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

/// The panel's binary: cargo builds it, with the same profile, before it runs this package's
/// integration tests, so it is never older than the code under test.
pub fn panel_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_sigcookie-panel"))
}

/// The panel running as a child process, killed (as a crash would) when dropped.
pub struct PanelProcess {
    pub addr: SocketAddr,
    pub log: PathBuf,
    child: Child,
}

impl PanelProcess {
    /// Starts the panel on a free loopback port with the tests' secret, its state in
    /// `state_dir`, the variables in `env` (an empty value unsets the variable), and at most
    /// `open_files` open files when given (with `prlimit` from util-linux, else the shell's
    /// `ulimit`).
    pub fn start(state_dir: &Path, env: &[(&str, &str)], open_files: Option<u64>) -> PanelProcess {
        let (mut command, log) = panel_command(state_dir, env, open_files);
        let mut child = command.spawn().expect("the panel starts");
        let stdout = child.stdout.take().expect("the panel's stdout");
        // The first line says where it listens: "Device panel: open http://127.0.0.1:PORT/".
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(StdDuration::from_secs(30))
            .unwrap_or_default();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|addr| addr.parse().ok());
        let Some(addr) = addr else {
            let _ = child.kill();
            let log_text = std::fs::read_to_string(&log).unwrap_or_default();
            panic!("the panel did not start: {line:?}\n{log_text}");
        };
        PanelProcess { addr, log, child }
    }

    /// The panel's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().expect("the panel's status").is_none()
    }

    /// Kills the process at once (SIGKILL), as a crash or power cut would.
    pub fn kill(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PanelProcess {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// The command that runs the panel as [`PanelProcess::start`] describes, stdout piped, and the
/// file its log goes to.
fn panel_command(
    state_dir: &Path,
    env: &[(&str, &str)],
    open_files: Option<u64>,
) -> (Command, PathBuf) {
    let binary = panel_binary();
    let mut command = match open_files {
        Some(limit) if which("prlimit") => {
            let mut command = Command::new("prlimit");
            command
                .arg(format!("--nofile={limit}:{limit}"))
                .arg("--")
                .arg(&binary);
            command
        }
        Some(limit) => {
            let mut command = Command::new("sh");
            command
                .arg("-c")
                .arg(format!("ulimit -n {limit} && exec \"$0\""))
                .arg(&binary);
            command
        }
        None => Command::new(&binary),
    };
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let log = std::env::temp_dir().join(format!(
        "sigcookie-panel-log-{}-{}.txt",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let log_file = std::fs::File::create(&log).expect("a log file");
    command
        .env("PANEL_ADDR", "127.0.0.1:0")
        .env("PANEL_STATE_DIR", state_dir)
        .env("SIGCOOKIE_SECRET", hex::encode(SECRET))
        .env("RUST_LOG", "info")
        .env_remove("PANEL_REDIS_URL")
        .env_remove("PANEL_POSTGRES_URL")
        .env_remove("PANEL_HOSTS")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file);
    for (name, _) in env.iter().filter(|(_, value)| value.is_empty()) {
        command.env_remove(name);
    }
    (command, log)
}

/// Runs the panel with `env` and `state_dir` as [`PanelProcess::start`] does, expecting it to
/// refuse to start: it must exit with a failure within `within`. Its log.
pub fn refused_start(state_dir: &Path, env: &[(&str, &str)], within: StdDuration) -> String {
    let (mut command, log) = panel_command(state_dir, env, None);
    let mut child = command.spawn().expect("the panel starts");
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the panel's status") {
            break status;
        }
        if start.elapsed() > within {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the panel still runs after {within:?}:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(StdDuration::from_millis(20));
    };
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    assert!(!status.success(), "the panel exited successfully:\n{text}");
    eprintln!("the panel refused to start after {:?}", start.elapsed());
    text
}

/// Whether `program` is on the `PATH`.
pub fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}
