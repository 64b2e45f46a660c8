//! The web layer in axum: [`Session`] is an extractor, [`SetCookie`] a response part and
//! [`Error`] a response, so handlers need no glue.
//!
//! Shared caches: a response with a [`SetCookie`] is made `Cache-Control: private` and
//! `Vary: Cookie` by the cookie itself. A page computed from a session that sets no cookie
//! needs `Vary: Cookie` too, and an extractor cannot touch the response: put a
//! [`SessionLayer`](crate::tower::SessionLayer) on the router (optional, so that the handlers'
//! extractors still decide who gets a `401`), which adds it to every response and applies the
//! cookie's rule again to the finished response; the extractor then takes the session the
//! layer verified.
//!
//! ```
//! use axum::{Router, response::{IntoResponse, Redirect}, routing::{get, post}};
//! use sigcookie::{Error, Key, tower::SessionLayer, web::{Session, SessionCookie}};
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
//!     .layer(SessionLayer::optional(cookie.clone()))
//!     .with_state(cookie);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::convert::Infallible;

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, IntoResponseParts, Response, ResponseParts};

use super::{Session, SessionCookie, SetCookie, cache};
use crate::Error;

impl Session {
    /// The session the tower layer verified for this request (or its reason to refuse the
    /// cookie), or else this request's cookie verified now, by the one function both use.
    fn from_parts(parts: &Parts, cookie: &SessionCookie) -> Result<Session, Error> {
        // Only a session verified with this very `SessionCookie` (same keys, same store): one
        // from a layer with another configuration under the same name is verified again.
        if let Some(session) = parts.extensions.get::<Session>()
            && session.cookie().is_same(cookie)
        {
            return Ok(session.clone());
        }
        // Refused by that layer already: one verification per request, even of junk.
        if let Some(reason) = crate::tower::Refused::reason(&parts.extensions, cookie) {
            return Err(reason);
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

/// Appends the `Set-Cookie` header, and keeps the response out of shared caches:
/// `(cookie, body)` from a handler.
///
/// The response's `Cache-Control` becomes `private` unless it says `no-store` (`public` and
/// `s-maxage` go, the application's other directives stay), and its `Vary` gains `Cookie`; see
/// [`SetCookie`] for why. axum applies a tuple's parts from left to right, after the body: a
/// part to the right of the cookie that *replaces* `Cache-Control` (a `[(CACHE_CONTROL, ..)]`
/// array does) undoes this, so put such parts before the cookie, or put a
/// [`SessionLayer`](crate::tower::SessionLayer) on the router, which applies the same rule to
/// the finished response.
///
/// ```
/// use axum::http::header::{CACHE_CONTROL, SET_COOKIE, VARY};
/// use axum::response::IntoResponse;
/// use sigcookie::{Key, web::SessionCookie};
///
/// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "__Host-s").build()?;
/// let page = [(CACHE_CONTROL, "public, max-age=60"), (VARY, "Accept-Encoding")];
/// let response = (page, cookie.issue("7")?, "welcome").into_response();
/// assert!(response.headers()[SET_COOKIE].to_str()?.starts_with("__Host-s=7."));
/// assert_eq!(response.headers()[CACHE_CONTROL], "private, max-age=60");
/// assert_eq!(response.headers()[VARY], "Accept-Encoding, Cookie");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl IntoResponseParts for SetCookie {
    type Error = Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Infallible> {
        // What the core writes is always a valid header value; a failure here would mean a bug,
        // and sending no cookie is safer than sending a mangled one.
        if let Ok(value) = HeaderValue::try_from(&self) {
            res.headers_mut().append(SET_COOKIE, value);
            cache::apply(res.headers_mut(), true);
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

#[cfg(test)]
mod tests {
    use axum::http::header::{CACHE_CONTROL, SET_COOKIE, VARY};
    use axum::response::{IntoResponse, Redirect, Response};

    use crate::Key;
    use crate::web::SessionCookie;

    fn cookie() -> SessionCookie {
        let key = Key::from_bytes(&[7; 32]).expect("key");
        SessionCookie::builder(&key, "__Host-s")
            .build()
            .expect("valid")
    }

    fn headers(response: &Response, name: axum::http::HeaderName) -> Vec<&str> {
        let values = response.headers().get_all(name);
        values.iter().map(|v| v.to_str().expect("ASCII")).collect()
    }

    #[test]
    fn login_renewal_and_removal_are_private_and_vary_on_the_cookie() {
        let cookie = cookie();
        for response in [
            (cookie.issue("7").expect("issued"), "welcome").into_response(),
            cookie.issue("7").expect("issued").into_response(),
            (cookie.removal(), Redirect::to("/")).into_response(),
        ] {
            assert_eq!(headers(&response, SET_COOKIE).len(), 1);
            assert_eq!(headers(&response, CACHE_CONTROL), ["private"]);
            assert_eq!(headers(&response, VARY), ["Cookie"]);
        }
    }

    #[test]
    fn the_applications_stricter_or_other_headers_stay() {
        let cookie = cookie();
        let page = [(CACHE_CONTROL, "no-store"), (VARY, "*")];
        let response = (page, cookie.removal(), "bye").into_response();
        assert_eq!(headers(&response, CACHE_CONTROL), ["no-store"]);
        assert_eq!(headers(&response, VARY), ["*"]);

        let page = [(CACHE_CONTROL, "public, s-maxage=600, max-age=60")];
        let response = (page, cookie.removal(), "bye").into_response();
        assert_eq!(headers(&response, CACHE_CONTROL), ["private, max-age=60"]);
    }

    #[test]
    fn two_cookies_in_one_response_vary_once() {
        let (session, other) = (
            cookie(),
            SessionCookie::builder(&Key::from_bytes(&[8; 32]).expect("key"), "device")
                .build()
                .expect("valid"),
        );
        let response = (
            session.issue("7").expect("issued"),
            other.issue("7").expect("issued"),
            "hi",
        )
            .into_response();
        assert_eq!(headers(&response, SET_COOKIE).len(), 2);
        assert_eq!(headers(&response, CACHE_CONTROL), ["private"]);
        assert_eq!(headers(&response, VARY), ["Cookie"]);
    }

    /// The documented limit: a part to the right of the cookie that replaces `Cache-Control`
    /// wins over the cookie's rule (the tower layer applies it again on the whole response).
    #[test]
    fn a_later_part_replacing_cache_control_wins() {
        let cookie = cookie();
        let later = [(CACHE_CONTROL, "public, max-age=60")];
        let response = (cookie.removal(), later, "bye").into_response();
        assert_eq!(headers(&response, CACHE_CONTROL), ["public, max-age=60"]);
        assert_eq!(headers(&response, VARY), ["Cookie"]);
    }
}
