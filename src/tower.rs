//! Tower middleware for the session cookie: a [`SessionLayer`] verifies the cookie in the
//! request's `Cookie:` headers and puts the verified [`Session`] in the request's
//! extensions, or answers `401 Unauthorized` where a session is required. Any framework built
//! on tower and `http` 1 can use it: axum (`Router::layer`), a plain hyper server, and through
//! their tower adapters Loco, Leptos, Salvo and Poem.
//!
//! ```
//! use http::{Request, Response, StatusCode};
//! use sigcookie::{Key, tower::SessionLayer, web::{Session, SessionCookie}};
//! use tower::{Layer, ServiceExt, service_fn};
//!
//! let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "__Host-session").build()?;
//! let handler = service_fn(|request: Request<String>| async move {
//!     // Behind a required layer, every request has a session.
//!     let id = request.extensions().get::<Session>().map(|s| s.id().to_owned());
//!     Ok::<_, std::convert::Infallible>(Response::new(format!("hello {}", id.unwrap_or_default())))
//! });
//! let service = SessionLayer::required(cookie.clone()).layer(handler);
//!
//! let runtime = tokio::runtime::Builder::new_current_thread().build()?;
//! let logged_in = Request::builder()
//!     .header("cookie", cookie.issue("42")?.stripped().to_string())
//!     .body(String::new())?;
//! let response = runtime.block_on(service.clone().oneshot(logged_in))?;
//! assert_eq!(response.into_body(), "hello 42");
//!
//! let anonymous = Request::builder().body(String::new())?;
//! let response = runtime.block_on(service.oneshot(anonymous))?;
//! assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
//! assert_eq!(response.into_body(), ""); // the reason is only logged
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::future::{Ready, ready};
use core::task::{Context, Poll};

use futures_util::future::Either;
use http::header::COOKIE;
use http::{Request, Response, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use crate::web::{Session, SessionCookie};

/// A tower [`Layer`] that verifies the session cookie of every request: a valid session goes
/// into the request's extensions as a [`Session`]; without one, a
/// [`required`](SessionLayer::required) layer answers `401 Unauthorized` with an empty body and
/// an [`optional`](SessionLayer::optional) one passes the request on without it. The reason a
/// cookie was refused goes to [`tracing`] at debug level only.
///
/// The layer and the service it wraps around an inner service `S` are one type,
/// `SessionLayer<S>`: readiness is the inner service's, and a request a required layer answers
/// with `401` never reaches it, as with tower's own filters.
///
/// A request carries one `Session`: each layer first removes whatever an outer layer put there,
/// so with layers of two different cookies on one route the innermost one's session is what
/// the handler sees. Use one layer per route; for a second cookie, use the axum extractor,
/// which takes the layer's session only when it was verified with the very same
/// [`SessionCookie`], and verifies its own otherwise.
///
/// ```
/// use sigcookie::{Key, tower::SessionLayer, web::SessionCookie};
///
/// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "__Host-session").build()?;
/// let layer = SessionLayer::required(cookie);
/// assert!(layer.is_required());
/// assert_eq!(layer.cookie().name(), "__Host-session");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SessionLayer<S = ()> {
    cookie: SessionCookie,
    /// Whether a request without a valid session is answered `401` instead of passed on.
    required: bool,
    inner: S,
}

impl SessionLayer {
    /// A layer that answers `401 Unauthorized` to a request without a valid session cookie:
    /// the inner service sees only requests with a [`Session`] in their extensions.
    ///
    /// ```
    /// # use sigcookie::{Key, tower::SessionLayer, web::SessionCookie};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// assert!(SessionLayer::required(cookie).is_required());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn required(cookie: SessionCookie) -> SessionLayer {
        SessionLayer {
            cookie,
            required: true,
            inner: (),
        }
    }

    /// A layer that passes every request on, with a [`Session`] in its extensions when its
    /// cookie is valid: for pages that work logged in or out.
    ///
    /// ```
    /// # use sigcookie::{Key, tower::SessionLayer, web::SessionCookie};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// assert!(!SessionLayer::optional(cookie).is_required());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn optional(cookie: SessionCookie) -> SessionLayer {
        SessionLayer {
            cookie,
            required: false,
            inner: (),
        }
    }
}

impl<S> SessionLayer<S> {
    /// Whether requests without a valid session are answered `401`.
    ///
    /// ```
    /// # use sigcookie::{Key, tower::SessionLayer, web::SessionCookie};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// assert!(!SessionLayer::optional(cookie).is_required());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_required(&self) -> bool {
        self.required
    }

    /// The session cookie this layer verifies.
    ///
    /// ```
    /// # use sigcookie::{Key, tower::SessionLayer, web::SessionCookie};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// assert_eq!(SessionLayer::optional(cookie).cookie().name(), "s");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cookie(&self) -> &SessionCookie {
        &self.cookie
    }
}

impl<S> Layer<S> for SessionLayer {
    type Service = SessionLayer<S>;

    fn layer(&self, inner: S) -> SessionLayer<S> {
        SessionLayer {
            cookie: self.cookie.clone(),
            required: self.required,
            inner,
        }
    }
}

impl<S, B, ResBody> Service<Request<B>> for SessionLayer<S>
where
    S: Service<Request<B>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Either<Ready<Result<Response<ResBody>, S::Error>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let cookie = &self.cookie;
        // Whatever an outer layer put there is not this request's verified session.
        request.extensions_mut().remove::<Session>();
        match cookie.verify_headers(request.headers().get_all(COOKIE)) {
            Ok(session) => {
                request.extensions_mut().insert(session);
            }
            Err(reason) => {
                tracing::debug!(cookie = cookie.name(), %reason, "session cookie refused");
                if self.required {
                    let mut response = Response::new(ResBody::default());
                    *response.status_mut() = StatusCode::UNAUTHORIZED;
                    return Either::Left(ready(Ok(response)));
                }
            }
        }
        Either::Right(self.inner.call(request))
    }
}
