//! The web layer in actix-web: [`Session`] is an extractor, [`SetCookie::add_to`] adds the
//! cookie to a response and [`Error`] is a response error.
//!
//! Shared caches: [`SetCookie::add_to`] makes the response `Cache-Control: private` and
//! `Vary: Cookie`. A page computed from a session that sets no cookie needs `Vary: Cookie` as
//! well, and an extractor cannot touch the response: add it to such a page
//! (`.insert_header((VARY, "Cookie"))`, merged with a `Vary` of your own), as `me` does below.
//!
//! ```
//! use actix_web::http::header::VARY;
//! use actix_web::{HttpResponse, web};
//! use sigcookie::{Error, Key, web::{Session, SessionCookie}};
//!
//! async fn me(session: Session) -> Result<HttpResponse, Error> {
//!     let mut response = HttpResponse::Ok()
//!         .insert_header((VARY, "Cookie"))
//!         .body(format!("logged in as {}", session.id()));
//!     if let Some(renewed) = session.renewal(0.5)? {
//!         renewed.add_to(&mut response);
//!     }
//!     Ok(response)
//! }
//!
//! async fn logout(cookie: web::Data<SessionCookie>) -> HttpResponse {
//!     // No session needed: an expired cookie is removed too.
//!     let mut response = HttpResponse::Ok().finish();
//!     cookie.removal().add_to(&mut response);
//!     response
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
use actix_web::http::header::{COOKIE, HeaderValue, SET_COOKIE};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};

use super::{Session, SessionCookie, SetCookie, cache};
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

impl SetCookie {
    /// Adds this `Set-Cookie` header to an actix-web response, and keeps the response out of
    /// shared caches: its `Cache-Control` becomes `private` unless it says `no-store` (`public`
    /// and `s-maxage` go, the application's other directives stay), and its `Vary` gains
    /// `Cookie`. See [`SetCookie`] for why. Call it on the finished response, after the
    /// application's own caching headers, which an actix-web builder does not let it read.
    ///
    /// This is the one way to send the cookie with actix-web: a header pair (`append_header`)
    /// could not carry the caching headers.
    ///
    /// ```
    /// use actix_web::HttpResponse;
    /// use actix_web::http::header::{CACHE_CONTROL, SET_COOKIE, VARY};
    /// use sigcookie::{Key, web::SessionCookie};
    ///
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "__Host-s").build()?;
    /// let mut response = HttpResponse::Ok()
    ///     .insert_header((CACHE_CONTROL, "public, max-age=60"))
    ///     .finish();
    /// cookie.removal().add_to(&mut response);
    /// let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok());
    /// assert!(header(SET_COOKIE).ok_or("a cookie")?.starts_with("__Host-s=; HttpOnly"));
    /// assert_eq!(header(CACHE_CONTROL), Some("private, max-age=60"));
    /// assert_eq!(header(VARY), Some("Cookie"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_to<B>(&self, response: &mut HttpResponse<B>) {
        // What the core writes is always a valid header value; a failure here would mean a bug,
        // and sending no cookie is safer than sending a mangled one.
        if let Ok(value) = HeaderValue::try_from(self.to_string()) {
            let headers = response.headers_mut();
            headers.append(SET_COOKIE, value);
            cache::apply_actix(headers);
        }
    }
}
