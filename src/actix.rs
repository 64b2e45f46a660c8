//! An [`actix_web`] extractor for the session cookie: [`Session`] yields the verified session
//! from the request's `Cookie:` headers, with the [`SessionCookie`] taken from the app data
//! (`App::app_data(web::Data::new(cookie))`, or `app_data(cookie)` as it is).
//!
//! ```
//! use actix_web::{App, HttpResponse, Responder, get, web};
//! use sigcookie::{Key, actix::Session, web::SessionCookie};
//!
//! #[get("/me")]
//! async fn me(session: Session) -> impl Responder {
//!     let mut response = HttpResponse::Ok();
//!     // Sliding sessions: a fresh cookie once half the maximum age has passed.
//!     if let Some(renewal) = session.renewal(0.5) {
//!         response.append_header(renewal);
//!     }
//!     response.body(format!("logged in as {}", session.id()))
//! }
//!
//! let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "__Host-session").build()?;
//! let app = App::new().app_data(web::Data::new(cookie)).service(me);
//! # drop(app);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A request without a valid cookie gets `401 Unauthorized` with an empty body; the reason is
//! logged with [`tracing`] at debug level. `Option<Session>` is `None` instead, and
//! `Result<Session, SessionRejection>` keeps the reason. Verifying is
//! [`SessionCookie::verify_headers_owned`], the function the axum extractor and the tower
//! layer use.

use std::fmt;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{
    COOKIE, HeaderName, HeaderValue, InvalidHeaderValue, SET_COOKIE, TryIntoHeaderPair,
};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};

use crate::web::{Cookie, OffsetDateTime, OwnedSession, Rejection, SessionCookie};

/// The verified session of a request: its id, when the user logged in and when the cookie's
/// value was issued, and the [`SessionCookie`] to renew or remove it with.
///
/// Extracting it needs a [`SessionCookie`] in the app data, as `web::Data<SessionCookie>` or
/// as a `SessionCookie`; it is rejected with [`SessionRejection`], a bare `401` (a `500` when
/// no `SessionCookie` is configured).
///
/// ```
/// use actix_web::{FromRequest, test::TestRequest, web};
/// use sigcookie::{Key, actix::Session, web::SessionCookie};
///
/// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
/// let request = TestRequest::default()
///     .insert_header(("cookie", cookie.issue("42")?.stripped().to_string()))
///     .app_data(web::Data::new(cookie))
///     .to_http_request();
/// let session = actix_web::rt::System::new().block_on(Session::extract(&request))?;
/// assert_eq!(session.id(), "42");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Session {
    session: OwnedSession,
}

impl Session {
    /// The verified id.
    ///
    /// ```
    /// # use actix_web::{FromRequest, test::TestRequest};
    /// # use sigcookie::{Key, actix::Session, web::SessionCookie};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let request = TestRequest::default()
    ///     .insert_header(("cookie", cookie.issue("7")?.stripped().to_string()))
    ///     .app_data(cookie) // as it is, without `web::Data`
    ///     .to_http_request();
    /// assert_eq!(actix_web::rt::System::new().block_on(Session::extract(&request))?.id(), "7");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn id(&self) -> &str {
        self.session.id()
    }

    /// When the user logged in: unchanged by renewals.
    ///
    /// ```
    /// # use actix_web::{FromRequest, test::TestRequest};
    /// # use sigcookie::{Key, actix::Session, web::{OffsetDateTime, SessionCookie}};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").clock(|| 1_764_000_000).build()?;
    /// let request = TestRequest::default()
    ///     .insert_header(("cookie", cookie.issue("7")?.stripped().to_string()))
    ///     .app_data(cookie)
    ///     .to_http_request();
    /// let session = actix_web::rt::System::new().block_on(Session::extract(&request))?;
    /// assert_eq!(session.logged_in_at(), OffsetDateTime::from_unix_timestamp(1_764_000_000)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn logged_in_at(&self) -> OffsetDateTime {
        self.session.logged_in_at()
    }

    /// When this value was issued: the login or the latest renewal.
    ///
    /// ```
    /// # use actix_web::{FromRequest, test::TestRequest};
    /// # use sigcookie::{Key, actix::Session, web::{OffsetDateTime, SessionCookie}};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").clock(|| 1_764_000_000).build()?;
    /// let request = TestRequest::default()
    ///     .insert_header(("cookie", cookie.issue("7")?.stripped().to_string()))
    ///     .app_data(cookie)
    ///     .to_http_request();
    /// let session = actix_web::rt::System::new().block_on(Session::extract(&request))?;
    /// assert_eq!(session.issued_at(), OffsetDateTime::from_unix_timestamp(1_764_000_000)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn issued_at(&self) -> OffsetDateTime {
        self.session.issued_at()
    }

    /// When the session ends unless renewed.
    ///
    /// ```
    /// # use actix_web::{FromRequest, test::TestRequest};
    /// # use sigcookie::{Key, actix::Session, web::{Duration, SessionCookie}};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let request = TestRequest::default()
    ///     .insert_header(("cookie", cookie.issue("7")?.stripped().to_string()))
    ///     .app_data(cookie)
    ///     .to_http_request();
    /// let session = actix_web::rt::System::new().block_on(Session::extract(&request))?;
    /// assert_eq!(session.expires_at(), session.issued_at() + Duration::hours(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expires_at(&self) -> OffsetDateTime {
        self.session.expires_at()
    }

    /// The owned session underneath, shared with the axum extractor and the tower layer.
    ///
    /// ```
    /// # use actix_web::{FromRequest, test::TestRequest};
    /// # use sigcookie::{Key, actix::Session, web::SessionCookie};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let request = TestRequest::default()
    ///     .insert_header(("cookie", cookie.issue("7")?.stripped().to_string()))
    ///     .app_data(cookie)
    ///     .to_http_request();
    /// let session = actix_web::rt::System::new().block_on(Session::extract(&request))?;
    /// assert_eq!(session.owned().id(), "7");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn owned(&self) -> &OwnedSession {
        &self.session
    }

    /// The session cookie's configuration this session was verified with.
    ///
    /// ```
    /// # use actix_web::{FromRequest, test::TestRequest};
    /// # use sigcookie::{Key, actix::Session, web::SessionCookie};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let request = TestRequest::default()
    ///     .insert_header(("cookie", cookie.issue("7")?.stripped().to_string()))
    ///     .app_data(cookie)
    ///     .to_http_request();
    /// let session = actix_web::rt::System::new().block_on(Session::extract(&request))?;
    /// assert_eq!(session.cookie().name(), "s");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cookie(&self) -> &SessionCookie {
        self.session.cookie()
    }

    /// A fresh cookie to send back when the value is older than `fraction` of its maximum age
    /// (see [`SessionCookie::renewal`], which checks every rule again), as a header for
    /// `HttpResponseBuilder::append_header`. `None` when no renewal is due, or when it is
    /// refused (logged at debug level).
    ///
    /// ```
    /// # use actix_web::{FromRequest, test::TestRequest};
    /// # use sigcookie::{Key, actix::Session, web::SessionCookie};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let request = TestRequest::default()
    ///     .insert_header(("cookie", cookie.issue("7")?.stripped().to_string()))
    ///     .app_data(cookie.clone())
    ///     .to_http_request();
    /// let session = actix_web::rt::System::new().block_on(Session::extract(&request))?;
    /// assert!(session.renewal(0.5).is_none()); // fresh
    /// let renewed = session.renewal(0.0).ok_or("due")?;
    /// assert_eq!(cookie.verify(renewed.0.value())?.id(), "7");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn renewal(&self, fraction: f64) -> Option<SetCookie> {
        self.session.renewal_or_log(fraction).map(SetCookie)
    }

    fn verify(request: &HttpRequest) -> Result<Session, SessionRejection> {
        let cookie = request
            .app_data::<web::Data<SessionCookie>>()
            .map(|data| SessionCookie::clone(data))
            .or_else(|| request.app_data::<SessionCookie>().cloned());
        let Some(cookie) = cookie else {
            tracing::error!("no SessionCookie in the app data: add one with App::app_data");
            return Err(SessionRejection { reason: None });
        };
        let headers = request.headers().get_all(COOKIE).map(HeaderValue::as_bytes);
        match cookie.verify_headers_owned(headers) {
            Ok(session) => Ok(Session { session }),
            Err(reason) => {
                tracing::debug!(cookie = cookie.name(), %reason, "session cookie refused");
                Err(SessionRejection {
                    reason: Some(reason),
                })
            }
        }
    }
}

impl FromRequest for Session {
    type Error = SessionRejection;
    type Future = Ready<Result<Session, SessionRejection>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Session::verify(request))
    }
}

/// Why a [`Session`] was not extracted. As a response it is `401 Unauthorized` with an empty
/// body (`500` when no [`SessionCookie`] is in the app data): the reason stays in the log.
///
/// ```
/// use actix_web::{FromRequest, ResponseError, http::StatusCode, test::TestRequest};
/// use sigcookie::{Key, actix::Session, web::{Rejection, SessionCookie}};
///
/// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
/// let request = TestRequest::default().app_data(cookie).to_http_request();
/// let rejection = actix_web::rt::System::new().block_on(Session::extract(&request)).err().ok_or("refused")?;
/// assert_eq!(rejection.reason(), Some(Rejection::Missing));
/// assert_eq!(rejection.status_code(), StatusCode::UNAUTHORIZED);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionRejection {
    reason: Option<Rejection>,
}

impl SessionRejection {
    /// Why the cookie was refused; `None` when no [`SessionCookie`] was configured.
    ///
    /// ```
    /// use actix_web::{FromRequest, test::TestRequest};
    /// use sigcookie::actix::Session;
    ///
    /// let request = TestRequest::default().to_http_request();
    /// let rejection = actix_web::rt::System::new().block_on(Session::extract(&request)).err().ok_or("refused")?;
    /// assert_eq!(rejection.reason(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reason(&self) -> Option<Rejection> {
        self.reason
    }
}

impl fmt::Display for SessionRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            Some(reason) => write!(f, "session cookie refused: {reason}"),
            None => f.write_str("no SessionCookie in the app data"),
        }
    }
}

impl std::error::Error for SessionRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.reason.as_ref().map(|r| r as _)
    }
}

impl ResponseError for SessionRejection {
    fn status_code(&self) -> StatusCode {
        match self.reason {
            Some(_) => StatusCode::UNAUTHORIZED,
            None => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        // No body, and not the `Display` text actix would send by default: telling a client
        // *why* its cookie failed only helps someone probing forged ones.
        HttpResponse::new(self.status_code())
    }
}

/// A `Set-Cookie` response header: `HttpResponse::Ok().append_header(set_cookie)`. Its text is
/// the cookie as the core wrote it.
///
/// ```
/// use actix_web::HttpResponse;
/// use sigcookie::{Key, actix::SetCookie, web::SessionCookie};
///
/// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "__Host-s").build()?;
/// let response = HttpResponse::Ok().append_header(SetCookie(cookie.removal())).finish();
/// let header = response.headers().get("set-cookie").ok_or("a header")?.to_str()?;
/// assert!(header.starts_with("__Host-s=; HttpOnly"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct SetCookie(pub Cookie<'static>);

/// Shows the cookie's name but not its value, a bearer credential.
impl fmt::Debug for SetCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetCookie")
            .field("name", &self.0.name())
            .field("value", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl TryIntoHeaderPair for SetCookie {
    type Error = InvalidHeaderValue;

    fn try_into_pair(self) -> Result<(HeaderName, HeaderValue), InvalidHeaderValue> {
        Ok((SET_COOKIE, HeaderValue::try_from(self.0.to_string())?))
    }
}
