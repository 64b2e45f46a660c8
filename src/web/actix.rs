//! The web layer in actix-web: [`Session`] is an extractor, [`SetCookie::add_to`] adds the
//! cookie to a response and [`Error`] is a response error.
//!
//! Shared caches: [`SetCookie::add_to`] makes the response `Cache-Control: private` and
//! `Vary: Cookie`. A page computed from a session that sets no cookie needs `Vary: Cookie` as
//! well, which an extractor cannot add: wrap the app in its `SessionCookie`
//! (`App::new().wrap(cookie)`), which adds `Vary: Cookie` to every response (merged with the
//! application's own `Vary`) and makes any that sets the session cookie, however it was
//! added, `private`.
//!
//! ```
//! use actix_web::{HttpResponse, web};
//! use sigcookie::{Error, Key, web::{Session, SessionCookie}};
//!
//! async fn me(session: Session) -> Result<HttpResponse, Error> {
//!     let mut response = HttpResponse::Ok().body(format!("logged in as {}", session.id()));
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
//!     .wrap(cookie.clone())
//!     .app_data(web::Data::new(cookie))
//!     .route("/me", web::get().to(me))
//!     .route("/logout", web::post().to(logout));
//! # drop(app);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::future::{Ready, ready};

use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform};
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
        // Borrowed: the session takes the one clone it keeps.
        let cookie = request
            .app_data::<web::Data<SessionCookie>>()
            .map(|data| &***data)
            .or_else(|| request.app_data::<SessionCookie>());
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
            cache::apply_actix(headers, true);
        }
    }
}

/// The `SessionCookie` is also the actix-web middleware that keeps pages out of shared caches:
/// `App::new().wrap(cookie)`. Every response gains `Vary: Cookie` (merged with the
/// application's own; `Vary: *` stays), and one that sets or removes this cookie, however the
/// handler added it, becomes `Cache-Control: private` (an application's `no-store` stays).
///
/// ```
/// use actix_web::http::header::{CACHE_CONTROL, SET_COOKIE, VARY};
/// use actix_web::{App, HttpResponse, test, web};
/// use sigcookie::{Key, web::SessionCookie};
///
/// # actix_web::rt::System::new().block_on(async {
/// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "__Host-s").build()?;
/// let login = cookie.issue("42")?.to_string();
/// let app = test::init_service(
///     App::new()
///         .wrap(cookie.clone())
///         .route("/page", web::get().to(|| async { HttpResponse::Ok().insert_header((VARY, "Accept-Encoding")).body("page") }))
///         .route("/login", web::post().to(move || {
///             let login = login.clone();
///             async move { HttpResponse::Ok().insert_header((CACHE_CONTROL, "public, max-age=60")).insert_header((SET_COOKIE, login)).finish() }
///         })),
/// )
/// .await;
/// let page = test::call_service(&app, test::TestRequest::get().uri("/page").to_request()).await;
/// assert_eq!(page.headers().get(VARY).ok_or("vary")?, "Accept-Encoding, Cookie");
/// assert_eq!(page.headers().get(CACHE_CONTROL), None);
/// let login = test::call_service(&app, test::TestRequest::post().uri("/login").to_request()).await;
/// assert_eq!(login.headers().get(CACHE_CONTROL).ok_or("cache-control")?, "private, max-age=60");
/// assert_eq!(login.headers().get(VARY).ok_or("vary")?, "Cookie");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl<S, B> Transform<S, ServiceRequest> for SessionCookie
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = middleware::Uncached<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(middleware::Uncached {
            service,
            cookie: self.clone(),
        }))
    }
}

/// The middleware's service: reachable only through `SessionCookie`'s `Transform`, so it adds
/// nothing to the crate's surface to learn.
mod middleware {
    use std::future::Future;
    use std::pin::Pin;

    use actix_web::dev::{Service, ServiceRequest, ServiceResponse, forward_ready};
    use actix_web::http::header::{HeaderValue, SET_COOKIE};

    use crate::web::{SessionCookie, cache};

    /// Wraps the application's service; see `SessionCookie`'s `Transform`.
    pub struct Uncached<S> {
        pub(super) service: S,
        /// The session cookie, whose name tells which `Set-Cookie` is the session's: a response
        /// that sets it is made private.
        pub(super) cookie: SessionCookie,
    }

    impl<S, B> Service<ServiceRequest> for Uncached<S>
    where
        S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
        S::Future: 'static,
        B: 'static,
    {
        type Response = ServiceResponse<B>;
        type Error = actix_web::Error;
        type Future = Pin<Box<dyn Future<Output = Result<ServiceResponse<B>, actix_web::Error>>>>;

        forward_ready!(service);

        fn call(&self, request: ServiceRequest) -> Self::Future {
            let response = self.service.call(request);
            // The cookie, not its name: a clone that allocates nothing.
            let cookie = self.cookie.clone();
            Box::pin(async move {
                let mut response = response.await?;
                let headers = response.headers_mut();
                let values = headers.get_all(SET_COOKIE).map(HeaderValue::as_bytes);
                let sets_cookie = cache::sets_cookie(cookie.name(), values);
                cache::apply_actix(headers, sets_cookie);
                Ok(response)
            })
        }
    }
}
