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
//! # Ok::<(), sigcookie::web::CookieError>(())
//! ```
//!
//! A request without a valid cookie gets `401 Unauthorized` and nothing else; the reason is
//! logged with [`tracing`] at debug level. `Option<Session>` is `None` instead, and
//! `Result<Session, SessionRejection>` keeps the reason, for pages that work logged in or out.

use std::convert::Infallible;

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, IntoResponseParts, Response, ResponseParts};

use crate::web::{Cookie, CookieError, OffsetDateTime, SessionCookie};

/// The verified session of a request: its id and, for timestamped values, when it was issued.
///
/// Extracting it needs a [`SessionCookie`] in the state (`SessionCookie: FromRef<S>`); it is
/// rejected with [`SessionRejection`], a bare `401`.
///
/// ```
/// use axum::response::IntoResponse;
/// use sigcookie::extract::Session;
///
/// // Sliding sessions: re-issue the cookie once half its lifetime has passed.
/// async fn page(session: Session) -> impl IntoResponse {
///     (session.renewal(0.5), format!("hello {}", session.id()))
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Session {
    id: String,
    issued_at: Option<OffsetDateTime>,
    cookie: SessionCookie,
}

impl Session {
    /// The verified id.
    ///
    /// ```
    /// async fn handler(session: sigcookie::extract::Session) -> String {
    ///     session.id().to_owned()
    /// }
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When the value was issued, for timestamped values.
    ///
    /// ```
    /// async fn handler(session: sigcookie::extract::Session) -> String {
    ///     session.issued_at().map_or("untimed".into(), |at| at.to_string())
    /// }
    /// ```
    pub fn issued_at(&self) -> Option<OffsetDateTime> {
        self.issued_at
    }

    /// The session cookie's configuration this session was verified with.
    ///
    /// ```
    /// async fn handler(session: sigcookie::extract::Session) -> String {
    ///     session.cookie().name().to_owned()
    /// }
    /// ```
    pub fn cookie(&self) -> &SessionCookie {
        &self.cookie
    }

    /// A fresh cookie to send back when the value is older than `fraction` of its maximum age;
    /// see [`SessionCookie::renewal`]. `None` when no renewal is due, or if re-issuing fails
    /// (logged at debug level; the current cookie stays valid).
    ///
    /// ```
    /// use axum::response::IntoResponse;
    ///
    /// async fn handler(session: sigcookie::extract::Session) -> impl IntoResponse {
    ///     (session.renewal(0.5), "ok")
    /// }
    /// ```
    pub fn renewal(&self, fraction: f64) -> Option<SetCookie> {
        let verified = crate::web::VerifiedCookie::new(&self.id, self.issued_at);
        match self.cookie.renewal(&verified, fraction) {
            Ok(cookie) => cookie.map(SetCookie),
            Err(reason) => {
                tracing::debug!(cookie = self.cookie.name(), %reason, "session renewal failed");
                None
            }
        }
    }

    fn verify(parts: &Parts, cookie: SessionCookie) -> Result<Session, SessionRejection> {
        let headers = parts
            .headers
            .get_all(COOKIE)
            .into_iter()
            .map(HeaderValue::as_bytes);
        match cookie.verify_headers(headers) {
            Ok(verified) => Ok(Session {
                id: verified.id().to_owned(),
                issued_at: verified.issued_at(),
                cookie,
            }),
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
    reason: CookieError,
}

impl SessionRejection {
    /// Why the cookie was refused, for the server's own logs or logic.
    ///
    /// ```
    /// use sigcookie::extract::SessionRejection;
    /// use sigcookie::web::CookieError;
    ///
    /// fn is_missing(rejection: &SessionRejection) -> bool {
    ///     rejection.reason() == CookieError::Missing
    /// }
    /// ```
    pub fn reason(&self) -> CookieError {
        self.reason
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
#[derive(Clone, Debug, PartialEq)]
pub struct SetCookie(pub Cookie<'static>);

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
