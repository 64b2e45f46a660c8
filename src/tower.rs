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

use futures_util::FutureExt;
use futures_util::future::{Either, Join, Map, join};
use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderValue, Request, Response, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use crate::Error;
use crate::web::{Session, SessionCookie, cache};

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
/// Per request with a valid cookie, the layer allocates only to hand the session over and to
/// write `Vary`: `http::Extensions` keep each value in a `Box` (and allocate their map on a
/// request that has none yet, as a server hands it; inside an axum `Router` it exists
/// already), and `Vary: Cookie` costs nothing on a response that has headers but no `Vary` of
/// its own, the merged value on one that has.
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
///
/// # Shared caches
///
/// A shared cache (a CDN, a reverse proxy's cache) keys pages by their URL, not by who asked:
/// a page computed from one user's session, or one that carries their `Set-Cookie`, that it
/// stores goes to the next visitor, with the cookie (the pattern of Flask's CVE-2023-30861). So
/// the layer gives every response that passes through it, its own `401` included, `Cookie` in
/// its `Vary` (added to the application's members, once; `Vary: *` stays): each of them was
/// chosen by the request's `Cookie:` header. A response that sets or removes this layer's
/// cookie (its `Set-Cookie` names it, however the handler added it) also becomes
/// `Cache-Control: private`, unless it says `no-store` (`public` and `s-maxage` go, the
/// application's other directives stay). This is the rule [`SetCookie`](crate::web::SetCookie)
/// applies in axum, applied again to the finished response, so that a caching header added
/// after the cookie does not undo it. Other cookies' `Set-Cookie` are the application's.
///
/// ```
/// use http::{Request, Response, header::{CACHE_CONTROL, SET_COOKIE, VARY}};
/// use sigcookie::{Key, tower::SessionLayer, web::SessionCookie};
/// use tower::{Layer, ServiceExt, service_fn};
///
/// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "__Host-s").build()?;
/// let removal = http::HeaderValue::try_from(&cookie.removal())?;
/// let logout = service_fn(move |_: Request<String>| {
///     let removal = removal.clone();
///     async move {
///         Response::builder()
///             .header(CACHE_CONTROL, "public, max-age=60")
///             .header(SET_COOKIE, removal)
///             .body(String::new())
///     }
/// });
/// let service = SessionLayer::optional(cookie).layer(logout);
/// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
/// let response = runtime.block_on(service.oneshot(Request::new(String::new())))?;
/// assert_eq!(response.headers()[CACHE_CONTROL], "private, max-age=60");
/// assert_eq!(response.headers()[VARY], "Cookie");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Several layers
///
/// A request carries one `Session`: each layer first removes whatever an outer layer put there,
/// so with layers of two different cookies on one route the innermost one's session is what
/// the handler sees. Use one layer per route; for a second cookie, use the axum extractor,
/// which takes the layer's session only when it was verified with the very same
/// [`SessionCookie`], and verifies its own otherwise.
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

/// The inner service's answer, with the cookie the layer verifies (its name tells which
/// `Set-Cookie` is the session's), made cache-safe when it completes: the futures are
/// `futures-util`'s own, since this crate forbids the `unsafe` of a hand-written one.
type Finish<F, R> = Map<Join<F, Ready<SessionCookie>>, fn((R, SessionCookie)) -> R>;

impl<S, B, ResBody> Service<Request<B>> for SessionLayer<S>
where
    S: Service<Request<B>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Either<
        Ready<Result<Response<ResBody>, S::Error>>,
        Finish<S::Future, Result<Response<ResBody>, S::Error>>,
    >;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let cookie = &self.cookie;
        // Whatever an outer layer put there is not this request's verdict.
        request.extensions_mut().remove::<Session>();
        request.extensions_mut().remove::<Refused>();
        match cookie.verify_headers(request.headers().get_all(COOKIE)) {
            Ok(session) => {
                request.extensions_mut().insert(session);
            }
            Err(reason) => {
                tracing::debug!(cookie = cookie.name(), %reason, "session cookie refused");
                // For the extractors behind an optional layer: a refusal is not worth a second
                // verification (with Ed25519, a second curve check a junk cookie would cost).
                request.extensions_mut().insert(Refused {
                    cookie: cookie.clone(),
                    reason,
                });
                if self.required {
                    let mut response = Response::new(ResBody::default());
                    *response.status_mut() = StatusCode::UNAUTHORIZED;
                    cache::apply(response.headers_mut(), false);
                    return Either::Left(ready(Ok(response)));
                }
            }
        }
        let finish: fn(_) -> _ =
            |(result, cookie): (Result<Response<ResBody>, S::Error>, SessionCookie)| {
                result.map(|mut response| {
                    let headers = response.headers_mut();
                    let set_cookies = headers
                        .get_all(SET_COOKIE)
                        .iter()
                        .map(HeaderValue::as_bytes);
                    let sets_cookie = cache::sets_cookie(cookie.name(), set_cookies);
                    cache::apply(headers, sets_cookie);
                    response
                })
            };
        Either::Right(join(self.inner.call(request), ready(cookie.clone())).map(finish))
    }
}

/// Why the layer refused a request's cookie, in the request's extensions: an extractor behind
/// the layer, with the very same `SessionCookie`, answers with it instead of verifying again.
#[derive(Clone)]
pub(crate) struct Refused {
    cookie: SessionCookie,
    reason: Error,
}

impl Refused {
    /// The layer's reason for refusing this request's cookie, if the layer had `cookie`.
    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    pub(crate) fn reason(extensions: &http::Extensions, cookie: &SessionCookie) -> Option<Error> {
        let refused = extensions.get::<Refused>()?;
        refused.cookie.is_same(cookie).then_some(refused.reason)
    }
}
