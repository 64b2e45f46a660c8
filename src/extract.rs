//! An [`axum`] extractor for the session cookie: [`Session`] yields the verified id from
//! the request's `Cookie:` headers, with the [`SessionCookie`] taken from the application state.
//!
//! ```
//! use axum::{Router, routing::get};
//! use sigcookie::{Key, extract::Session, web::{Duration, SessionCookie}};
//!
//! async fn me(session: Session) -> String {
//!     format!("logged in as {}", session.id())
//! }
//!
//! let key = Key::from_bytes(&[7; 32])?;
//! let cookie = SessionCookie::builder(&key, "__Host-session").max_age(Duration::hours(8)).build()?;
//! let app: Router = Router::new().route("/me", get(me)).with_state(cookie);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A request without a valid cookie gets `401 Unauthorized` and nothing else; the reason is
//! logged with [`tracing`] at debug level. `Option<Session>` is `None` instead, and
//! `Result<Session, SessionRejection>` keeps the reason, for pages that work logged in or out.
//!
//! Behind the tower layer (`sigcookie::tower::SessionLayer`, feature `tower`), the extractor takes
//! the [`OwnedSession`] the layer verified from the request's extensions instead of verifying
//! again; otherwise it verifies with the same function as the layer,
//! [`SessionCookie::verify_headers_owned`].

use std::convert::Infallible;

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, IntoResponseParts, Response, ResponseParts};

use crate::web::{Cookie, OffsetDateTime, OwnedSession, Rejection, SessionCookie};

/// The verified session of a request: its id, when the user logged in and when the cookie's
/// value was issued.
///
/// Extracting it needs a [`SessionCookie`] in the state (`SessionCookie: FromRef<S>`); it is
/// rejected with [`SessionRejection`], a bare `401`.
///
/// ```
/// use axum::response::IntoResponse;
/// use sigcookie::extract::Session;
///
/// // Sliding sessions: re-issue the cookie once half its maximum age has passed (never past
/// // the session's lifetime).
/// async fn page(session: Session) -> impl IntoResponse {
///     (session.renewal(0.5), format!("hello {}", session.id()))
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Session {
    session: OwnedSession,
}

impl Session {
    /// The verified id.
    ///
    /// The extractor run by hand on a request, as axum runs it:
    ///
    /// ```
    /// use axum::extract::FromRequestParts;
    /// use axum::http::{Request, header::COOKIE};
    /// use sigcookie::{Key, extract::Session, web::SessionCookie};
    ///
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let header = format!("theme=dark; {}", cookie.issue("42")?.stripped());
    /// let (mut parts, ()) = Request::builder().header(COOKIE, header).body(())?.into_parts();
    /// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    /// let session = runtime.block_on(Session::from_request_parts(&mut parts, &cookie))?;
    /// assert_eq!(session.id(), "42");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn id(&self) -> &str {
        self.session.id()
    }

    /// When the user logged in, when this value was issued (the login or the latest renewal),
    /// and when the session ends unless renewed.
    ///
    /// ```
    /// use axum::extract::FromRequestParts;
    /// use axum::http::{Request, header::COOKIE};
    /// use sigcookie::{Key, extract::Session, web::{Duration, OffsetDateTime, SessionCookie}};
    ///
    /// let t0 = OffsetDateTime::from_unix_timestamp(1_764_000_000)?;
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s")
    ///     .max_age(Duration::hours(1))
    ///     .clock(|| 1_764_000_300)
    ///     .build()?;
    /// let header = cookie.issue_at("42", t0)?.stripped().to_string();
    /// let (mut parts, ()) = Request::builder().header(COOKIE, header).body(())?.into_parts();
    /// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    /// let session = runtime.block_on(Session::from_request_parts(&mut parts, &cookie))?;
    /// assert_eq!((session.logged_in_at(), session.issued_at()), (t0, t0));
    /// assert_eq!(session.expires_at(), t0 + Duration::hours(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn issued_at(&self) -> OffsetDateTime {
        self.session.issued_at()
    }

    /// When the user logged in: unchanged by renewals.
    ///
    /// ```
    /// use axum::extract::FromRequestParts;
    /// use axum::http::{Request, header::COOKIE};
    /// use sigcookie::{Key, extract::Session, web::{Duration, OffsetDateTime, SessionCookie}};
    ///
    /// let t0 = OffsetDateTime::from_unix_timestamp(1_764_000_000)?;
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").clock(|| 1_764_003_000).build()?;
    /// let stale = cookie.issue_at("42", t0)?;
    /// let renewed = cookie.renewal_at(&cookie.verify(stale.value())?, 0.5, t0 + Duration::minutes(50))?;
    /// let header = renewed.ok_or("renewal due")?.stripped().to_string();
    /// let (mut parts, ()) = Request::builder().header(COOKIE, header).body(())?.into_parts();
    /// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    /// let session = runtime.block_on(Session::from_request_parts(&mut parts, &cookie))?;
    /// assert_eq!(session.logged_in_at(), t0);
    /// assert_eq!(session.issued_at(), t0 + Duration::minutes(50));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn logged_in_at(&self) -> OffsetDateTime {
        self.session.logged_in_at()
    }

    /// When the session ends unless renewed: its idle limit or the end of its lifetime,
    /// whichever comes first.
    ///
    /// ```
    /// use axum::extract::FromRequestParts;
    /// use axum::http::{Request, header::COOKIE};
    /// use sigcookie::{Key, extract::Session, web::{Duration, OffsetDateTime, SessionCookie}};
    ///
    /// let t0 = OffsetDateTime::from_unix_timestamp(1_764_000_000)?;
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s")
    ///     .max_age(Duration::hours(1))
    ///     .lifetime(Duration::minutes(90))
    ///     .clock(|| 1_764_003_000)
    ///     .build()?;
    /// let late = cookie.signer().sign_at("42", 1_764_000_000, 1_764_003_000)?;
    /// let (mut parts, ()) = Request::builder().header(COOKIE, format!("s={late}")).body(())?.into_parts();
    /// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    /// let session = runtime.block_on(Session::from_request_parts(&mut parts, &cookie))?;
    /// assert_eq!(session.expires_at(), t0 + Duration::minutes(90)); // the lifetime, before idle
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expires_at(&self) -> OffsetDateTime {
        self.session.expires_at()
    }

    /// The owned session underneath, the type the tower layer puts in a request's extensions.
    ///
    /// ```
    /// use axum::extract::FromRequestParts;
    /// use axum::http::{Request, header::COOKIE};
    /// use sigcookie::{Key, extract::Session, web::{OwnedSession, SessionCookie}};
    ///
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let header = cookie.issue("42")?.stripped().to_string();
    /// let (mut parts, ()) = Request::builder().header(COOKIE, header).body(())?.into_parts();
    /// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    /// let session = runtime.block_on(Session::from_request_parts(&mut parts, &cookie))?;
    /// let owned: &OwnedSession = session.owned();
    /// assert_eq!(owned.id(), "42");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn owned(&self) -> &OwnedSession {
        &self.session
    }

    /// The session cookie's configuration this session was verified with.
    ///
    /// ```
    /// use axum::extract::FromRequestParts;
    /// use axum::http::{Request, header::COOKIE};
    /// use sigcookie::{Key, extract::Session, web::SessionCookie};
    ///
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "__Host-s").build()?;
    /// let header = cookie.issue("42")?.stripped().to_string();
    /// let (mut parts, ()) = Request::builder().header(COOKIE, header).body(())?.into_parts();
    /// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    /// let session = runtime.block_on(Session::from_request_parts(&mut parts, &cookie))?;
    /// assert_eq!(session.cookie().name(), "__Host-s");
    /// assert_eq!(session.cookie().removal().value(), ""); // for a logout handler
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cookie(&self) -> &SessionCookie {
        self.session.cookie()
    }

    /// A fresh cookie to send back when the value is older than `fraction` of its maximum age;
    /// see [`SessionCookie::renewal`], which checks every rule again (lifetime, cut-offs made
    /// since the request was verified). `None` when no renewal is due, or when it is refused
    /// (logged at debug level).
    ///
    /// ```
    /// use axum::extract::FromRequestParts;
    /// use axum::http::{Request, header::COOKIE};
    /// use sigcookie::{Key, extract::Session, web::{Duration, OffsetDateTime, SessionCookie}};
    ///
    /// let t0 = OffsetDateTime::from_unix_timestamp(1_764_000_000)?;
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s")
    ///     .max_age(Duration::hours(1))
    ///     .clock(|| 1_764_000_000 + 40 * 60)
    ///     .build()?;
    /// let header = cookie.issue_at("42", t0)?.stripped().to_string();
    /// let (mut parts, ()) = Request::builder().header(COOKIE, header).body(())?.into_parts();
    /// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    /// let session = runtime.block_on(Session::from_request_parts(&mut parts, &cookie))?;
    /// assert!(session.renewal(0.75).is_none()); // 40 of 60 minutes: not yet
    /// let renewed = session.renewal(0.5).ok_or("renewal due")?.0;
    /// assert_eq!(cookie.verify(renewed.value())?.issued_at(), t0 + Duration::minutes(40));
    ///
    /// // In a handler: `(session.renewal(0.5), body)` sends the fresh cookie when one is due.
    /// # use axum::response::IntoResponse;
    /// async fn handler(session: Session) -> impl IntoResponse {
    ///     (session.renewal(0.5), "ok")
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn renewal(&self, fraction: f64) -> Option<SetCookie> {
        self.session.renewal_or_log(fraction).map(SetCookie)
    }

    /// The session the tower layer verified for this request, or else this request's cookie
    /// verified now, by the one function both use.
    fn verify(parts: &Parts, cookie: SessionCookie) -> Result<Session, SessionRejection> {
        // Only a session verified with this very `SessionCookie` (same keys, same store): one
        // from a layer with another configuration under the same name is verified again.
        if let Some(session) = parts.extensions.get::<OwnedSession>()
            && session.cookie().is_same(&cookie)
        {
            return Ok(Session {
                session: session.clone(),
            });
        }
        let headers = parts
            .headers
            .get_all(COOKIE)
            .into_iter()
            .map(HeaderValue::as_bytes);
        match cookie.verify_headers_owned(headers) {
            Ok(session) => Ok(Session { session }),
            Err(reason) => {
                tracing::debug!(cookie = cookie.name(), %reason, "session cookie refused");
                Err(SessionRejection { reason })
            }
        }
    }
}

impl<S> FromRequestParts<S> for Session
where
    SessionCookie: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = SessionRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Session::verify(parts, SessionCookie::from_ref(state))
    }
}

impl<S> OptionalFromRequestParts<S> for Session
where
    SessionCookie: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(Session::verify(parts, SessionCookie::from_ref(state)).ok())
    }
}

/// Why a [`Session`] was not extracted. As a response it is `401 Unauthorized` with no detail:
/// telling a client *why* its cookie failed (expired, revoked, bad signature) only helps someone
/// probing forged ones.
///
/// ```
/// use axum::response::IntoResponse;
/// use sigcookie::extract::{Session, SessionRejection};
///
/// async fn page(session: Result<Session, SessionRejection>) -> impl IntoResponse {
///     match session {
///         Ok(session) => format!("hello {}", session.id()).into_response(),
///         Err(rejection) => rejection.into_response(),
///     }
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionRejection {
    reason: Rejection,
}

impl SessionRejection {
    /// Why the cookie was refused, for the server's own logs or logic.
    ///
    /// ```
    /// use axum::extract::FromRequestParts;
    /// use axum::http::{Request, StatusCode, header::COOKIE};
    /// use axum::response::IntoResponse;
    /// use sigcookie::{Key, extract::Session, web::{Rejection, SessionCookie}};
    ///
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    /// let reason = |header: &str| -> Result<Rejection, Box<dyn std::error::Error>> {
    ///     let (mut parts, ()) = Request::builder().header(COOKIE, header).body(())?.into_parts();
    ///     let rejection = runtime
    ///         .block_on(Session::from_request_parts(&mut parts, &cookie))
    ///         .err()
    ///         .ok_or("refused")?;
    ///     // The client learns nothing of the reason.
    ///     assert_eq!(rejection.into_response().status(), StatusCode::UNAUTHORIZED);
    ///     Ok(rejection.reason())
    /// };
    /// assert_eq!(reason("theme=dark")?, Rejection::Missing);
    /// let value = cookie.issue("42")?.value().to_owned();
    /// assert_eq!(reason(&format!("s={value}; s={value}"))?, Rejection::Duplicate);
    /// assert!(matches!(reason("s=42.00")?, Rejection::Invalid(_)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reason(&self) -> Rejection {
        self.reason
    }
}

impl std::fmt::Display for SessionRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "session cookie refused: {}", self.reason)
    }
}

/// So that `?` carries a rejection into `Box<dyn Error>`, with the reason as its source.
impl std::error::Error for SessionRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.reason)
    }
}

impl IntoResponse for SessionRejection {
    fn into_response(self) -> Response {
        (StatusCode::UNAUTHORIZED, "401 Unauthorized\n").into_response()
    }
}

/// A `Set-Cookie` response header, usable as a response part: `(SetCookie(cookie), body)`.
///
/// ```
/// use axum::response::{IntoResponse, Redirect};
/// use sigcookie::extract::{Session, SetCookie};
///
/// async fn logout(session: Session) -> impl IntoResponse {
///     (SetCookie(session.cookie().removal()), Redirect::to("/"))
/// }
/// ```
#[derive(Clone, PartialEq)]
pub struct SetCookie(pub Cookie<'static>);

/// Shows the cookie's name but not its value: a session value is a bearer credential, and
/// `cookie::Cookie`'s own `Debug` would print it into any log that formats a response part.
///
/// ```
/// use sigcookie::{Key, extract::SetCookie, web::SessionCookie};
///
/// let session = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "session").build()?;
/// let cookie = session.issue("12345")?;
/// let shown = format!("{:?}", SetCookie(cookie.clone()));
/// assert!(shown.contains("session") && !shown.contains(cookie.value()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl core::fmt::Debug for SetCookie {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SetCookie")
            .field("name", &self.0.name())
            .field("value", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl IntoResponseParts for SetCookie {
    type Error = StatusCode;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, StatusCode> {
        // Only a cookie with a control character in a name or attribute fails here, which a
        // `SessionCookie` never builds; a 500 beats sending a truncated header.
        let value = HeaderValue::try_from(self.0.to_string())
            .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
        res.headers_mut().append(SET_COOKIE, value);
        Ok(res)
    }
}

impl IntoResponse for SetCookie {
    fn into_response(self) -> Response {
        (self, ()).into_response()
    }
}
