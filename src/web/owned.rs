//! [`OwnedSession`]: a verified session that outlives the request's headers, shared by the
//! framework integrations (the axum extractor, the tower layer, the actix-web extractor).

use super::time::secs_time;
use super::{Cookie, OffsetDateTime, Rejection, SessionCookie, VerifiedCookie};
use crate::VerifiedSession;

/// A verified session, owned: its id, when the user logged in, when its value was issued, and
/// the [`SessionCookie`] it was verified with, to renew or remove it. Made by
/// [`SessionCookie::verify_headers_owned`]; what the tower layer puts in a request's extensions
/// and what the axum and actix-web extractors hold.
///
/// ```
/// use sigcookie::Key;
/// use sigcookie::web::{Duration, OffsetDateTime, SessionCookie};
///
/// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").clock(|| 1_764_000_060).build()?;
/// let t0 = OffsetDateTime::from_unix_timestamp(1_764_000_000)?;
/// let header = cookie.issue_at("42", t0)?.stripped().to_string();
/// let session = cookie.verify_headers_owned([header.as_bytes()])?;
/// assert_eq!((session.id(), session.logged_in_at(), session.issued_at()), ("42", t0, t0));
/// assert_eq!(session.expires_at(), t0 + Duration::hours(1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct OwnedSession {
    id: String,
    auth: u64,
    issued_at: u64,
    /// The fingerprint of the signer that verified it (see `VerifiedSession`): renewal by
    /// another cookie is refused.
    signer: u64,
    cookie: SessionCookie,
}

impl OwnedSession {
    pub(super) fn new(verified: VerifiedCookie<'_>, cookie: SessionCookie) -> OwnedSession {
        OwnedSession {
            id: verified.id().to_owned(),
            auth: verified.session().auth(),
            issued_at: verified.session().issued_at(),
            signer: verified.session().signer(),
            cookie,
        }
    }

    /// The verified id.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let header = cookie.issue("42")?.stripped().to_string();
    /// assert_eq!(cookie.verify_headers_owned([header.as_bytes()])?.id(), "42");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When the user logged in: unchanged by renewals.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{OffsetDateTime, SessionCookie}};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").clock(|| 1_764_000_000).build()?;
    /// let header = cookie.issue("42")?.stripped().to_string();
    /// let session = cookie.verify_headers_owned([header.as_bytes()])?;
    /// assert_eq!(session.logged_in_at(), OffsetDateTime::from_unix_timestamp(1_764_000_000)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn logged_in_at(&self) -> OffsetDateTime {
        secs_time(self.auth)
    }

    /// When this value was issued: the login or the latest renewal.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{OffsetDateTime, SessionCookie}};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").clock(|| 1_764_000_000).build()?;
    /// let header = cookie.issue("42")?.stripped().to_string();
    /// let session = cookie.verify_headers_owned([header.as_bytes()])?;
    /// assert_eq!(session.issued_at(), OffsetDateTime::from_unix_timestamp(1_764_000_000)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn issued_at(&self) -> OffsetDateTime {
        secs_time(self.issued_at)
    }

    /// When the session ends unless renewed: its idle limit or the end of its lifetime,
    /// whichever comes first.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{Duration, SessionCookie}};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let header = cookie.issue("42")?.stripped().to_string();
    /// let session = cookie.verify_headers_owned([header.as_bytes()])?;
    /// assert_eq!(session.expires_at(), session.issued_at() + Duration::hours(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expires_at(&self) -> OffsetDateTime {
        self.cookie.expires_at(&self.verified())
    }

    /// The verified cookie again, borrowing from this session.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let header = cookie.issue("42")?.stripped().to_string();
    /// let session = cookie.verify_headers_owned([header.as_bytes()])?;
    /// assert_eq!(session.verified().id(), "42");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verified(&self) -> VerifiedCookie<'_> {
        VerifiedSession::from_verified(&self.id, self.auth, self.issued_at, self.signer).into()
    }

    /// The session cookie's configuration this session was verified with: to renew it, or to
    /// remove it at logout ([`SessionCookie::removal`]).
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "__Host-s").build()?;
    /// let header = cookie.issue("42")?.stripped().to_string();
    /// let session = cookie.verify_headers_owned([header.as_bytes()])?;
    /// assert_eq!(session.cookie().removal().value(), "");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cookie(&self) -> &SessionCookie {
        &self.cookie
    }

    /// A fresh cookie when the value is older than `fraction` of its maximum age; see
    /// [`SessionCookie::renewal`], which checks every rule again.
    ///
    /// # Errors
    /// As [`SessionCookie::renewal`].
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let header = cookie.issue("42")?.stripped().to_string();
    /// let session = cookie.verify_headers_owned([header.as_bytes()])?;
    /// assert!(session.renewal(0.5)?.is_none()); // fresh
    /// assert_eq!(cookie.verify(session.renewal(0.0)?.ok_or("due")?.value())?.id(), "42");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn renewal(&self, fraction: f64) -> Result<Option<Cookie<'static>>, Rejection> {
        self.cookie.renewal(&self.verified(), fraction)
    }

    /// [`renewal`](Self::renewal) for the framework extractors, whose handlers send the cookie
    /// when there is one: a refused renewal is logged at debug level, not returned.
    #[cfg(any(feature = "axum", feature = "actix"))]
    pub(crate) fn renewal_or_log(&self, fraction: f64) -> Option<Cookie<'static>> {
        self.renewal(fraction)
            .map_err(|reason| {
                tracing::debug!(cookie = self.cookie.name(), %reason, "session renewal failed");
            })
            .ok()
            .flatten()
    }
}

/// Leaves out the signer's fingerprint, derived from its key.
impl std::fmt::Debug for OwnedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedSession")
            .field("id", &self.id)
            .field("auth", &self.auth)
            .field("issued_at", &self.issued_at)
            .field("cookie", &self.cookie.name())
            .finish_non_exhaustive()
    }
}
