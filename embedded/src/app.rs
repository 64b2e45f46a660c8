//! The embedded panel's request handling: login, status and logout on picoserve, with the
//! `no_std` API only (`SessionSigner`, `sigcookie::header`, `CsrfToken`), no `SessionCookie`, no
//! `String`, and no heap allocation. Nothing here needs `std`: on a microcontroller this runs as it is under
//! embassy (`picoserve::Server::new`), with `now` reading the device's clock.
//!
//! Memory: the request is read into picoserve's buffer ([`HTTP_BUFFER`] bytes, the caller's),
//! and each `Set-Cookie` header is written into a [`SET_COOKIE_BUFFER`]-byte array on the stack.
//! Values are signed into a `SignedValue` on the stack ([`sigcookie::MAX_VALUE_LEN`] bytes).

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use picoserve::ResponseSent;
use picoserve::io::Read;
use picoserve::request::Request;
use picoserve::response::{IntoResponse, ResponseWriter, StatusCode};
use picoserve::routing::RequestHandlerService;
use sigcookie::header::CookieSpec;
use sigcookie::{
    ConfigError, CsrfToken, Cutoffs, Error, Key, Revocations, SessionSigner, Signer, Verified,
};
use subtle::ConstantTimeEq;

/// The session cookie: a device reached by plain HTTP on a local network, so no `Secure` (and
/// so no `__Host-` prefix); `HttpOnly`, `SameSite=Lax` and `Path=/` as always. A function, not
/// a `const`: a spec checks every rule when it is made, and this one passes them all.
pub fn cookie() -> Result<CookieSpec<'static>, ConfigError> {
    CookieSpec::new("panel")?.insecure_plain_http()
}

/// picoserve's buffer for one request: the request line, the headers and the body of a login.
/// A `Cookie:` header with the longest session value (`MAX_VALUE_LEN`, 362 bytes) fits with
/// room for the browser's other headers.
pub const HTTP_BUFFER: usize = 2048;

/// Holds any `Set-Cookie` header this panel writes: the longest value with any `Max-Age`
/// ([`CookieSpec::MAX_HEADER_LEN`] covers names, paths and domains up to 128 bytes).
pub const SET_COOKIE_BUFFER: usize = CookieSpec::MAX_HEADER_LEN;

/// Sent with every response that carries a `Set-Cookie` (the login, a renewal, the logout) or
/// was computed from a session (`/status`): `Cache-Control: no-store` and `Vary: Cookie`, so
/// that a caching proxy between the device and its users never hands one user's cookie or
/// page to another.
const CACHE_HEADERS: [(&str, &str); 2] = CookieSpec::CACHE_HEADERS;

/// Idle after 15 minutes without a request, over 8 hours after the login.
pub const MAX_AGE: u64 = 15 * 60;
/// The absolute lifetime of a session.
pub const LIFETIME: u64 = 8 * 3600;

/// Wrong passwords accepted in one [`LOGIN_WINDOW`]; further logins are refused unchecked
/// until the window ends: at most 10 guesses a minute, 14,400 a day, whoever sends them. A
/// device with one owner needs no per-client table (which would need a bound of its own); the
/// price is that a guesser can keep the owner waiting up to a minute.
pub const MAX_FAILURES: u32 = 10;
/// The throttle's window, in seconds.
pub const LOGIN_WINDOW: u64 = 60;
/// How many sessions the device remembers as logged out: one per browser or phone a user may
/// have logged in with at once, which on a device's panel is a handful.
pub const LOGOUT_SLOTS: usize = 8;

/// The panel's state: the signer, the cookie, the one user, the clock and a "log out
/// everywhere" cut-off.
pub struct Panel {
    signer: SessionSigner,
    spec: CookieSpec<'static>,
    user: &'static str,
    password: &'static str,
    now: fn() -> u64,
    /// Unix seconds of the last "log out everywhere", or 0. In RAM: a device that keeps its
    /// key across reboots must keep this cut-off too (in flash), or a reboot brings back every
    /// session it ended; one that makes a new key at boot ends them all anyway.
    cutoff: AtomicU64,
    /// The login times of sessions logged out on their own ("Log out"), 0 for a free slot; in
    /// RAM, like the cut-off. A logout is needed only until its session's lifetime ends; when
    /// every slot holds a live one, the oldest becomes a cut-off instead (fail closed).
    logouts: [AtomicU64; LOGOUT_SLOTS],
    /// The throttle: which window (`now / LOGIN_WINDOW`) `failures` counts in.
    window: AtomicU64,
    failures: AtomicU32,
}

/// Why a login got no cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginRefused {
    /// Wrong user name or password.
    Wrong,
    /// Too many wrong passwords in this window: retry after this many seconds.
    Throttled { retry_after: u64 },
    /// The device clock is not set yet (it reads before
    /// [`SessionSigner::DEFAULT_EARLIEST_TIME`]): a cookie signed now would die at once, or
    /// come back once the clock is set.
    ClockNotSet,
    /// The cookie could not be written (a buffer too small for it): the server's fault.
    Internal,
}

impl Panel {
    /// The panel for `user` with `password`, signing with `key` and reading the time from `now`
    /// (unix seconds). A real device keeps a password hash, not the password.
    pub fn new(
        key: &Key,
        user: &'static str,
        password: &'static str,
        now: fn() -> u64,
    ) -> Result<Panel, ConfigError> {
        let spec = cookie()?;
        // The purpose is the cookie name, as the web layer does.
        let signer = Signer::new(key, spec.name())?;
        Ok(Panel {
            // Boards without a battery-backed clock boot in 1970 until NTP answers.
            signer: SessionSigner::new(signer, MAX_AGE, LIFETIME)
                .with_earliest_time(SessionSigner::DEFAULT_EARLIEST_TIME),
            spec,
            user,
            password,
            now,
            cutoff: AtomicU64::new(0),
            logouts: [const { AtomicU64::new(0) }; LOGOUT_SLOTS],
            window: AtomicU64::new(0),
            failures: AtomicU32::new(0),
        })
    }

    /// The signer, for tests.
    #[allow(dead_code, reason = "used by tests/embedded.rs, not by the example")]
    pub fn signer(&self) -> &SessionSigner {
        &self.signer
    }

    /// The cookie, for tests.
    #[allow(dead_code, reason = "used by tests/embedded.rs, not by the example")]
    pub fn spec(&self) -> CookieSpec<'static> {
        self.spec
    }

    /// Checks a login form `user=...&password=...` (no percent-decoding: the panel's user and
    /// password are plain ASCII) and writes the login's `Set-Cookie` header into `buf`.
    pub fn login<'b>(&self, form: &str, buf: &'b mut [u8]) -> Result<&'b str, LoginRefused> {
        let now = (self.now)();
        let window = now / LOGIN_WINDOW;
        if self.window.swap(window, Ordering::Relaxed) != window {
            self.failures.store(0, Ordering::Relaxed);
        }
        if self.failures.load(Ordering::Relaxed) >= MAX_FAILURES {
            let retry_after = (window + 1) * LOGIN_WINDOW - now;
            return Err(LoginRefused::Throttled { retry_after });
        }
        let (mut user, mut password) = (None, None);
        for pair in form.split('&') {
            match pair.split_once('=') {
                Some(("user", value)) => user = Some(value),
                Some(("password", value)) => password = Some(value),
                _ => {}
            }
        }
        // `subtle` compares without stopping at the first difference, so the time taken does
        // not tell how much of a guess was right (a length mismatch still answers at once).
        let matches = |given: Option<&str>, expected: &str| {
            given.is_some_and(|given| bool::from(given.as_bytes().ct_eq(expected.as_bytes())))
        };
        // Both compared, whatever the first gives.
        let ok = matches(user, self.user) & matches(password, self.password);
        if !ok {
            self.failures.fetch_add(1, Ordering::Relaxed);
            return Err(LoginRefused::Wrong);
        }
        let value = self
            .signer
            .login_at(self.user, now, self)
            .map_err(|error| match error {
                Error::ClockNotSet { .. } => LoginRefused::ClockNotSet,
                _ => LoginRefused::Internal,
            })?;
        let max_age = self.max_age(&value, now);
        self.spec
            .write(&value, Some(max_age), buf)
            .map_err(|_| LoginRefused::Internal)
    }

    /// The session of a request's `Cookie:` header values, verified now against the panel's
    /// "log out everywhere" cut-off.
    pub fn verify<'h>(
        &self,
        cookies: impl IntoIterator<Item = &'h [u8]>,
    ) -> Result<Verified<'h>, Error> {
        self.spec.verify(&self.signer, cookies, (self.now)(), self)
    }

    /// A renewed cookie's `Set-Cookie` header in `buf` once half the idle time has passed.
    pub fn renewal<'b>(&self, session: &Verified<'_>, buf: &'b mut [u8]) -> Option<&'b str> {
        let now = (self.now)();
        // A session on a previous key moves to the current one at once.
        if session.key_index() == 0 && now.saturating_sub(session.issued_at()) < MAX_AGE / 2 {
            return None;
        }
        let value = self.signer.renew_at(session, now, self).ok()?;
        let max_age = self.max_age(&value, now);
        self.spec.write(&value, Some(max_age), buf).ok()
    }

    /// "Log out" on the device: ends the one session that logged in at `logged_in_at`, so a
    /// copy of its cookie is refused too. A free slot, or one whose session has outlived its
    /// lifetime, takes it; when none is free, the cut-off moves past the oldest logout, which
    /// ends that session (and any older one) instead, and its slot takes this one.
    pub fn log_out(&self, logged_in_at: u64) {
        let now = (self.now)();
        // Past its lifetime (and the leeway) a session is refused anyway.
        let margin = LIFETIME.saturating_add(self.signer.leeway().saturating_mul(2));
        let expired = |t: u64| t != 0 && t.saturating_add(margin) < now;
        loop {
            let seen: [u64; LOGOUT_SLOTS] =
                core::array::from_fn(|i| self.logouts[i].load(Ordering::Acquire));
            if seen.contains(&logged_in_at) {
                return;
            }
            let free = seen.iter().position(|&t| t == 0 || expired(t));
            let slot = free.unwrap_or_else(|| {
                let oldest = (0..LOGOUT_SLOTS).min_by_key(|&i| seen[i]).unwrap_or(0);
                self.cutoff
                    .fetch_max(seen[oldest].saturating_add(1), Ordering::AcqRel);
                oldest
            });
            // Lost to a concurrent logout: look again, so that neither is dropped.
            if self.logouts[slot]
                .compare_exchange(
                    seen[slot],
                    logged_in_at,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                )
                .is_ok()
            {
                return;
            }
        }
    }

    /// The CSRF token of a verified session, for the forms it submits (`/status` shows it as
    /// the line `csrf=...`, which is the logout form's body). On the stack, stored nowhere.
    pub fn csrf_token(&self, session: &Verified<'_>) -> Result<CsrfToken, Error> {
        self.signer.csrf_token(session)
    }

    /// Checks the `csrf` field of a form `a=1&csrf=...` (no percent-decoding: a token is plain
    /// hex) against a verified session, in constant time. A form without the field is refused
    /// like a wrong token.
    pub fn check_csrf(&self, session: &Verified<'_>, form: &str) -> Result<(), Error> {
        let token = form
            .split('&')
            .find_map(|pair| pair.strip_prefix("csrf="))
            .unwrap_or_default();
        self.signer.verify_csrf(session, token)
    }

    /// "Log out everywhere": refuses every session that began up to this second, including a
    /// login stamped with an earlier cut-off of this second ([`Cutoffs::revoke_at`]).
    pub fn log_out_everywhere(&self) {
        let cutoff = self.cutoffs("").revoke_at((self.now)());
        self.cutoff.fetch_max(cutoff, Ordering::Relaxed);
    }

    /// The `Max-Age` of a value just signed at `now`: until its idle or absolute end. The
    /// value is ours, so its parts are read without checking its MAC again.
    fn max_age(&self, value: &str, now: u64) -> u64 {
        sigcookie::format::inspect(value).map_or(0, |parts| {
            let (logged_in_at, issued_at) = (
                parts.logged_in_at().unwrap_or(now),
                parts.issued_at().unwrap_or(now),
            );
            self.signer
                .expires_at(logged_in_at, issued_at)
                .saturating_sub(now)
        })
    }
}

impl Revocations for Panel {
    fn cutoffs(&self, _id: &str) -> Cutoffs {
        match self.cutoff.load(Ordering::Acquire) {
            0 => Cutoffs::NONE,
            cutoff => Cutoffs::at(cutoff),
        }
    }

    /// The device has one user, so a session is named by its login time alone.
    fn session_cutoffs(&self, id: &str, logged_in_at: u64) -> Cutoffs {
        let cutoffs = self.cutoffs(id);
        let logged_out = logged_in_at != 0
            && self
                .logouts
                .iter()
                .any(|slot| slot.load(Ordering::Acquire) == logged_in_at);
        if logged_out {
            cutoffs.and_logged_out()
        } else {
            cutoffs
        }
    }
}

/// Whether a state-changing request comes from the panel's own pages: a browser sends `Origin`
/// with every cross-site `POST`, and without this check any site could log the user out (on a
/// plain-HTTP LAN device, another port of the same address is even the same *site*, so
/// `SameSite=Lax` sends the cookie). Requests without `Origin` are not cross-site form posts.
fn same_origin<R: Read>(request: &Request<'_, R>) -> bool {
    let headers = request.parts.headers();
    let Some(origin) = headers.get("origin") else {
        return true;
    };
    let origin = origin.as_raw();
    let host = headers.get("host").map(|host| host.as_raw());
    let origin_host = origin
        .strip_prefix(b"http://")
        .or_else(|| origin.strip_prefix(b"https://"));
    origin_host.is_some() && origin_host == host
}

/// The `Cookie:` header values of a request, as bytes in picoserve's buffer.
fn cookies<'r, R: Read>(request: &Request<'r, R>) -> impl Iterator<Item = &'r [u8]> + use<'r, R> {
    request
        .parts
        .headers()
        .iter()
        .filter(|(name, _)| *name == "cookie")
        .map(|(_, value)| value.as_raw())
}

/// `POST /login` with `user=...&password=...`: `200` and the session cookie, or `401`.
pub struct Login;

impl RequestHandlerService<Panel> for Login {
    async fn call_request_handler_service<R: Read, W: ResponseWriter<Error = R::Error>>(
        &self,
        panel: &Panel,
        (): (),
        mut request: Request<'_, R>,
        response_writer: W,
    ) -> Result<ResponseSent, W::Error> {
        let cross_site = !same_origin(&request);
        let form = picoserve::from_request!(panel, request, response_writer, &str);
        let mut buf = [0u8; SET_COOKIE_BUFFER];
        let set_cookie = if cross_site {
            Err(LoginRefused::Wrong)
        } else {
            panel.login(form, &mut buf)
        };
        let connection = request.body_connection.finalize().await?;
        match set_cookie {
            _ if cross_site => empty(StatusCode::FORBIDDEN, connection, response_writer).await,
            Ok(set_cookie) => {
                let cookie = ("Set-Cookie", set_cookie);
                (StatusCode::OK, cookie, CACHE_HEADERS, "logged in\n")
                    .write_to(connection, response_writer)
                    .await
            }
            Err(LoginRefused::Wrong) => {
                empty(StatusCode::UNAUTHORIZED, connection, response_writer).await
            }
            Err(LoginRefused::Throttled { retry_after }) => {
                // picoserve writes any `Display` header value straight to the connection.
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    ("Retry-After", retry_after),
                    "",
                )
                    .write_to(connection, response_writer)
                    .await
            }
            Err(LoginRefused::ClockNotSet) => {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the device clock is not set\n",
                )
                    .write_to(connection, response_writer)
                    .await
            }
            Err(LoginRefused::Internal) => {
                empty(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    connection,
                    response_writer,
                )
                .await
            }
        }
    }
}

/// `GET /status`: who is logged in and the session's CSRF token (the line `csrf=...`, which is
/// the logout form's body), with a renewed cookie when one is due; `401` without a valid
/// session (and no reason: that is for the device's log).
pub struct Status;

impl RequestHandlerService<Panel> for Status {
    async fn call_request_handler_service<R: Read, W: ResponseWriter<Error = R::Error>>(
        &self,
        panel: &Panel,
        (): (),
        request: Request<'_, R>,
        response_writer: W,
    ) -> Result<ResponseSent, W::Error> {
        let verified = panel
            .verify(cookies(&request))
            .and_then(|session| Ok((session, panel.csrf_token(&session)?)));
        let mut buf = [0u8; SET_COOKIE_BUFFER];
        let connection = request.body_connection.finalize().await?;
        match verified {
            Ok((session, token)) => {
                let renewal = panel.renewal(&session, &mut buf).map(|h| ("Set-Cookie", h));
                // The page is this session's, renewed or not: no cache may keep it.
                (
                    StatusCode::OK,
                    renewal,
                    CACHE_HEADERS,
                    format_args!("logged in as {}\ncsrf={token}\n", session.id()),
                )
                    .write_to(connection, response_writer)
                    .await
            }
            Err(_) => empty(StatusCode::UNAUTHORIZED, connection, response_writer).await,
        }
    }
}

/// `POST /logout` with the form `csrf=...` (the line `/status` shows): ends this session on the
/// device and removes the cookie from the browser. `POST /logout?everywhere` (or
/// `?everywhere=1`) ends every session instead, and says so. Both act for a valid session
/// only, and then a form without its CSRF token, or with another session's, is refused with
/// `403` and changes nothing; a cookie that no longer verifies is removed without one. Any
/// other query is refused with `400`, so a mistyped "everywhere" is never taken for a plain
/// logout.
pub struct Logout;

impl RequestHandlerService<Panel> for Logout {
    async fn call_request_handler_service<R: Read, W: ResponseWriter<Error = R::Error>>(
        &self,
        panel: &Panel,
        (): (),
        mut request: Request<'_, R>,
        response_writer: W,
    ) -> Result<ResponseSent, W::Error> {
        if !same_origin(&request) {
            let connection = request.body_connection.finalize().await?;
            return empty(StatusCode::FORBIDDEN, connection, response_writer).await;
        }
        let everywhere = match request.parts.query().map(|q| q.0) {
            None | Some("") => false,
            Some("everywhere" | "everywhere=1") => true,
            Some(_) => {
                let connection = request.body_connection.finalize().await?;
                return empty(StatusCode::BAD_REQUEST, connection, response_writer).await;
            }
        };
        let session = panel.verify(cookies(&request));
        let form = picoserve::from_request!(panel, request, response_writer, &str);
        let said = match &session {
            Ok(session) if panel.check_csrf(session, form).is_err() => {
                let connection = request.body_connection.finalize().await?;
                return empty(StatusCode::FORBIDDEN, connection, response_writer).await;
            }
            Ok(_) if everywhere => {
                panel.log_out_everywhere();
                "logged out everywhere\n"
            }
            Ok(session) => {
                panel.log_out(session.logged_in_at());
                "logged out\n"
            }
            // Nothing to end on the device; the browser still forgets the cookie.
            Err(_) => "logged out\n",
        };
        let mut buf = [0u8; SET_COOKIE_BUFFER];
        let removal = panel
            .spec
            .write_removal(&mut buf)
            .ok()
            .map(|h| ("Set-Cookie", h));
        let connection = request.body_connection.finalize().await?;
        (StatusCode::OK, removal, CACHE_HEADERS, said)
            .write_to(connection, response_writer)
            .await
    }
}

/// A response with `status` and no body: every refusal, whose reason is the device's to log,
/// not the client's to read.
async fn empty<R: Read, W: ResponseWriter<Error = R::Error>>(
    status: StatusCode,
    connection: picoserve::response::Connection<'_, R>,
    response_writer: W,
) -> Result<ResponseSent, W::Error> {
    (status, "").write_to(connection, response_writer).await
}
