//! Session cookies for services, with the `cookie` and [`time`](::time) crates: a
//! [`SessionCookie`] issues the login cookie with safe attributes, verifies it into the one
//! verified [`Session`], and revokes sessions through a
//! [`CutoffStore`](crate::store::CutoffStore); a [`SetCookie`] is the header it sends.
//!
//! ```
//! use sigcookie::Key;
//! use sigcookie::web::{Duration, SessionCookie};
//!
//! let key = Key::from_bytes(&[7; 32])?;
//! let cookies = SessionCookie::builder(&key, "__Host-session")
//!     .max_age(Duration::minutes(30)) // idle timeout
//!     .lifetime(Duration::hours(8))   // absolute timeout
//!     .build()?;
//!
//! let cookie = cookies.issue("12345")?;
//! assert_eq!(cookie.http_only(), Some(true));
//! assert_eq!(cookie.secure(), Some(true));
//!
//! let header = format!("theme=dark; {}", cookie.stripped());
//! assert_eq!(cookies.verify_headers([header.as_str()])?.id(), "12345");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! In a framework, [`Session`] is the extractor itself: axum (feature `axum`, see the `axum`
//! module's example in [`Session`]'s docs), actix-web (feature `actix`), and the
//! [`tower`](crate::tower) layer for the rest.
//!
//! # Defaults, and why
//! - Session values `id.auth.ts.sig`: idle after [`SessionCookie::DEFAULT_MAX_AGE`] without a
//!   renewal, over [`SessionCookie::DEFAULT_LIFETIME`] after the login whatever the renewals, so
//!   a stolen cookie kept in use still dies.
//! - `HttpOnly`, always: page scripts never need the session value, and an XSS bug that cannot
//!   read the cookie cannot send it elsewhere.
//! - `Secure`: the value is a bearer credential and must not cross the network in clear. Turning
//!   it off is [`SessionCookieBuilder::insecure_plain_http`], for plain-HTTP LAN devices only.
//! - `SameSite=Lax`: the browser leaves the cookie off cross-site `POST`s, subresources and
//!   frames, which stops cross-site request forgery of state-changing `POST` forms, while links
//!   from other sites still arrive logged in. Keep state changes off `GET`.
//! - `Path=/` and no `Domain`: the cookie goes to this host only, not to sibling subdomains.
//! - `Max-Age` until the value's idle or absolute end, so the browser drops the cookie when the
//!   server would refuse it anyway.
//! - A response that carries the cookie (a login, a renewal, a logout) is kept out of shared
//!   caches, `Cache-Control: private` unless the application said `no-store`, and varies on
//!   `Cookie` ([`SetCookie`]): a cache that stored it would hand the cookie to the next visitor.
//! - The signer's purpose is the cookie name, so a value cannot be moved from one cookie to
//!   another (a value of `prefs` does not verify as `session`), unlike `cookie`'s `SignedJar`.
//! - Cut-offs in memory ([`MemoryStore`](crate::store::MemoryStore)) unless
//!   [`SessionCookieBuilder::store`] gives a file or Redis store: in memory, a restart forgets
//!   every "log out everywhere".
//!
//! # Files
//! `builder`, `cookie` (issue, verify, revoke), `session` (the verified session, renewal),
//! `set_cookie`, `cache` (the caching headers of a response that carries the cookie), `time`,
//! and the framework glue in `axum` and `actix`. The cookie's rules on the
//! wire (the name, path, domain and `__Host-`/`__Secure-` rules, reading `Cookie:` headers,
//! writing `Set-Cookie`) are the core's [`crate::header`], which this layer calls.

#[cfg(feature = "actix")]
mod actix;
#[cfg(feature = "axum")]
mod axum;
mod builder;
#[cfg(any(feature = "axum", feature = "tower", feature = "actix"))]
pub(crate) mod cache;
mod cookie;
mod scheme;
mod session;
mod set_cookie;
mod time;

pub use ::cookie::Cookie;
pub use ::time::{Duration, OffsetDateTime};

pub use builder::SessionCookieBuilder;
pub use cookie::SessionCookie;
pub use session::Session;
pub use set_cookie::SetCookie;
