//! The web layer in axum: [`Session`] is an extractor, [`SetCookie`] a response part and
//! [`Error`] a response, so handlers need no glue.
//!
//! ```
//! use axum::{Router, response::{IntoResponse, Redirect}, routing::{get, post}};
//! use sigcookie::{Error, Key, web::{Session, SessionCookie}};
//!
//! async fn me(session: Session) -> Result<impl IntoResponse, Error> {
//!     // Sliding sessions: re-issue the cookie once half its maximum age has passed.
//!     Ok((session.renewal(0.5)?, format!("logged in as {}", session.id())))
//! }
//!
//! async fn logout(axum::extract::State(cookie): axum::extract::State<SessionCookie>) -> impl IntoResponse {
//!     // No session needed: an expired cookie is removed too.
//!     (cookie.removal(), Redirect::to("/"))
//! }
//!
//! let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "__Host-session").build()?;
//! let app: Router = Router::new()
//!     .route("/me", get(me))
//!     .route("/logout", post(logout))
//!     .with_state(cookie);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::convert::Infallible;

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, IntoResponseParts, Response, ResponseParts};

use super::{Session, SessionCookie, SetCookie};
use crate::Error;

impl Session {
    /// The session the tower layer verified for this request, or else this request's cookie
    /// verified now, by the one function both use.
    fn from_parts(parts: &Parts, cookie: &SessionCookie) -> Result<Session, Error> {
        // Only a session verified with this very `SessionCookie` (same keys, same store): one
        // from a layer with another configuration under the same name is verified again.
        if let Some(session) = parts.extensions.get::<Session>()
            && session.cookie().is_same(cookie)
        {
            return Ok(session.clone());
        }
        cookie
            .verify_headers(parts.headers.get_all(COOKIE))
            .inspect_err(|reason| {
                tracing::debug!(cookie = cookie.name(), %reason, "session cookie refused");
            })
    }
}

/// The extractor: a request without a valid session cookie is refused with the [`Error`],
/// which answers `401` with an empty body.
///
/// ```
/// use axum::extract::FromRequestParts;
/// use axum::http::{Request, header::COOKIE};
/// use sigcookie::{Error, Key, web::{Session, SessionCookie}};
///
/// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
/// let header = format!("theme=dark; {}", cookie.issue("42")?.stripped());
/// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
/// let extract = |header: &str| -> Result<Result<Session, Error>, Box<dyn std::error::Error>> {
///     let (mut parts, ()) = Request::builder().header(COOKIE, header).body(())?.into_parts();
///     Ok(runtime.block_on(<Session as FromRequestParts<_>>::from_request_parts(&mut parts, &cookie)))
/// };
/// assert_eq!(extract(&header)??.id(), "42");
/// assert_eq!(extract("theme=dark")?.err(), Some(Error::Missing));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl<S> FromRequestParts<S> for Session
where
    SessionCookie: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Session::from_parts(parts, &SessionCookie::from_ref(state))
    }
}

/// `Option<Session>`: `None` without a valid session cookie, for pages that work logged in or
/// out.
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
        Ok(Session::from_parts(parts, &SessionCookie::from_ref(state)).ok())
    }
}

/// Appends the `Set-Cookie` header: `(cookie, body)` from a handler.
impl IntoResponseParts for SetCookie {
    type Error = Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Infallible> {
        // What the core writes is always a valid header value; a failure here would mean a bug,
        // and sending no cookie is safer than sending a mangled one.
        if let Ok(value) = HeaderValue::try_from(&self) {
            res.headers_mut().append(SET_COOKIE, value);
        }
        Ok(res)
    }
}

/// An empty `200 OK` carrying the cookie.
impl IntoResponse for SetCookie {
    fn into_response(self) -> Response {
        (self, ()).into_response()
    }
}

/// `401 Unauthorized` with an empty body, `403 Forbidden` for a CSRF token refused on a session
/// that verified ([`Session::verify_csrf`]), or `500 Internal Server Error` for the server's own
/// failures (its clock, unreadable cut-offs): telling a client *why* its cookie failed
/// (expired, revoked, bad signature) only helps someone probing forged ones. The reason goes to
/// the log at debug level.
///
/// ```
/// use axum::http::StatusCode;
/// use axum::response::IntoResponse;
/// use sigcookie::Error;
///
/// assert_eq!(Error::BadSignature.into_response().status(), StatusCode::UNAUTHORIZED);
/// assert_eq!(Error::CsrfMismatch.into_response().status(), StatusCode::FORBIDDEN);
/// assert_eq!(Error::CutoffUnreadable.into_response().status(), StatusCode::INTERNAL_SERVER_ERROR);
/// ```
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        tracing::debug!(reason = %self, "request refused");
        self.status().into_response()
    }
}

/// `500 Internal Server Error` with an empty body, the error logged at warn level: a store
/// that cannot make a revocation or a logout durable is the server's failure, and its details
/// (a path, a server's address) are not the client's business.
///
/// ```
/// use axum::http::StatusCode;
/// use axum::response::IntoResponse;
/// use sigcookie::store::{CutoffStore, MemoryStore};
///
/// let error = MemoryStore::new().revoke_user("", 1).unwrap_err();
/// assert_eq!(error.into_response().status(), StatusCode::INTERNAL_SERVER_ERROR);
/// ```
impl IntoResponse for crate::store::StoreError {
    fn into_response(self) -> Response {
        tracing::warn!(error = %self, "revocation store failed");
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    }
}

impl Error {
    fn status(&self) -> StatusCode {
        if self.is_server_side() {
            StatusCode::INTERNAL_SERVER_ERROR
        } else if self.is_forbidden() {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::UNAUTHORIZED
        }
    }
}
