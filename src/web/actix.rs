//! The web layer in actix-web: [`Session`] is an extractor, [`SetCookie`] a header pair and
//! [`Error`] a response error.
//!
//! ```
//! use actix_web::{HttpResponse, web};
//! use sigcookie::{Error, Key, web::{Session, SessionCookie}};
//!
//! async fn me(session: Session) -> Result<HttpResponse, Error> {
//!     let mut response = HttpResponse::Ok();
//!     if let Some(renewed) = session.renewal(0.5)? {
//!         response.append_header(renewed);
//!     }
//!     Ok(response.body(format!("logged in as {}", session.id())))
//! }
//!
//! async fn logout(cookie: web::Data<SessionCookie>) -> HttpResponse {
//!     // No session needed: an expired cookie is removed too.
//!     HttpResponse::Ok().append_header(cookie.removal()).finish()
//! }
//!
//! let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "__Host-session").build()?;
//! let app = actix_web::App::new()
//!     .app_data(web::Data::new(cookie))
//!     .route("/me", web::get().to(me))
//!     .route("/logout", web::post().to(logout));
//! # drop(app);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{
    COOKIE, HeaderName, HeaderValue, InvalidHeaderValue, SET_COOKIE, TryIntoHeaderPair,
};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};

use super::{Session, SessionCookie, SetCookie};
use crate::Error;

/// The extractor: the [`SessionCookie`] comes from the app data (`web::Data<SessionCookie>` or
/// a `SessionCookie`); a request without a valid cookie is refused with the [`Error`] (`401`,
/// empty body), and a missing `SessionCookie` is a `500` naming the mistake in the log.
///
/// ```
/// use actix_web::{FromRequest, ResponseError, http::StatusCode, test::TestRequest, web};
/// use sigcookie::{Key, web::{Session, SessionCookie}};
///
/// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
/// let request = TestRequest::default()
///     .insert_header(("cookie", cookie.issue("42")?.stripped().to_string()))
///     .app_data(web::Data::new(cookie.clone()))
///     .to_http_request();
/// let session = actix_web::rt::System::new().block_on(Session::extract(&request))?;
/// assert_eq!(session.id(), "42");
///
/// let anonymous = TestRequest::default().app_data(cookie).to_http_request();
/// let refused = actix_web::rt::System::new().block_on(Session::extract(&anonymous)).err().ok_or("refused")?;
/// assert_eq!(refused.as_response_error().status_code(), StatusCode::UNAUTHORIZED);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl FromRequest for Session {
    type Error = actix_web::Error;
    type Future = Ready<Result<Session, actix_web::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let cookie = request
            .app_data::<web::Data<SessionCookie>>()
            .map(|data| SessionCookie::clone(data))
            .or_else(|| request.app_data::<SessionCookie>().cloned());
        let Some(cookie) = cookie else {
            tracing::error!("no SessionCookie in the app data: add one with App::app_data");
            return ready(Err(actix_web::error::ErrorInternalServerError("")));
        };
        let session = cookie
            .verify_headers(request.headers().get_all(COOKIE))
            .inspect_err(|reason| {
                tracing::debug!(cookie = cookie.name(), %reason, "session cookie refused");
            });
        ready(session.map_err(actix_web::Error::from))
    }
}

/// `401 Unauthorized` with an empty body, `403 Forbidden` for a CSRF token refused on a session
/// that verified ([`Session::verify_csrf`]), or `500` for the server's own failures (its clock,
/// unreadable cut-offs): not the `Display` text actix would send by default, since telling a
/// client *why* its cookie failed only helps someone probing forged ones.
///
/// ```
/// use actix_web::{ResponseError, http::StatusCode};
/// use sigcookie::Error;
///
/// assert_eq!(Error::BadSignature.status_code(), StatusCode::UNAUTHORIZED);
/// assert_eq!(Error::CsrfMalformed.status_code(), StatusCode::FORBIDDEN);
/// assert_eq!(Error::CutoffUnreadable.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
/// ```
impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        if self.is_server_side() {
            StatusCode::INTERNAL_SERVER_ERROR
        } else if self.is_forbidden() {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::UNAUTHORIZED
        }
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::new(self.status_code())
    }
}

/// `500 Internal Server Error` with an empty body: a store that cannot make a revocation or a
/// logout durable is the server's failure, and its details are not the client's business.
///
/// ```
/// use actix_web::ResponseError;
/// use sigcookie::store::{CutoffStore, MemoryStore};
///
/// let error = MemoryStore::new().revoke_user("", 1).unwrap_err();
/// assert_eq!(error.status_code(), actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
/// ```
impl ResponseError for crate::store::StoreError {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse {
        tracing::warn!(error = %self, "revocation store failed");
        HttpResponse::new(self.status_code())
    }
}

/// `HttpResponse::Ok().append_header(set_cookie)`: the header's text as the core wrote it.
///
/// ```
/// use actix_web::HttpResponse;
/// use sigcookie::{Key, web::SessionCookie};
///
/// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "__Host-s").build()?;
/// let response = HttpResponse::Ok().append_header(cookie.removal()).finish();
/// let header = response.headers().get("set-cookie").ok_or("a header")?.to_str()?;
/// assert!(header.starts_with("__Host-s=; HttpOnly"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl TryIntoHeaderPair for SetCookie {
    type Error = InvalidHeaderValue;

    fn try_into_pair(self) -> Result<(HeaderName, HeaderValue), InvalidHeaderValue> {
        Ok((SET_COOKIE, HeaderValue::try_from(self.to_string())?))
    }
}
