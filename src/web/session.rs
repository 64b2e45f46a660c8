//! [`Session`]: the one verified session of the web layer, owned, which the framework
//! integrations hand to handlers (the axum and actix-web extractors, the tower layer).

use super::time::secs_time;
use super::{OffsetDateTime, SessionCookie, SetCookie};
use crate::store::StoreError;
use crate::{CsrfToken, Error, Verified};

/// A verified session: its id, when the user logged in, when its value was issued, and the
/// [`SessionCookie`] it was verified with, to renew it. Made by [`SessionCookie::verify`] and
/// [`SessionCookie::verify_headers`].
///
/// With the `axum` feature it is an extractor (`SessionCookie: FromRef<S>` in the state; a
/// request without a valid cookie is answered `401` with an empty body, `Option<Session>` is
/// `None` instead); with `actix` an actix-web extractor (a `SessionCookie` in the app data);
/// the `tower` layer puts one in each request's extensions.
///
/// It holds an id of up to 47 bytes inline and shares the cookie's settings, so taking a
/// request's session, or cloning one, allocates nothing for such ids.
///
/// ```
/// use sigcookie::Key;
/// use sigcookie::web::{Duration, OffsetDateTime, SessionCookie};
///
/// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").clock(|| 1_764_000_000).build()?;
/// let t0 = OffsetDateTime::from_unix_timestamp(1_764_000_000)?;
/// let header = cookie.issue("42")?.stripped().to_string();
/// let session = cookie.verify_headers([header.as_str()])?;
/// assert_eq!((session.id(), session.logged_in_at(), session.issued_at()), ("42", t0, t0));
/// assert_eq!(session.expires_at(), t0 + Duration::hours(1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Session {
    id: Id,
    logged_in_at: u64,
    issued_at: u64,
    /// The fingerprint of the signer that verified it (see `Verified`): renewal by another
    /// cookie is refused.
    signer: u64,
    /// Which key matched (see `Verified::key_index`).
    key: u8,
    cookie: SessionCookie,
}

impl Session {
    pub(super) fn new(verified: &Verified<'_>, cookie: SessionCookie) -> Session {
        Session {
            id: Id::new(verified.id()),
            logged_in_at: verified.logged_in_at(),
            issued_at: verified.issued_at(),
            signer: verified.signer(),
            // `key_index` is at most `MAX_PREVIOUS_KEYS`.
            key: u8::try_from(verified.key_index()).unwrap_or(u8::MAX),
            cookie,
        }
    }

    /// The verified id.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// assert_eq!(cookie.verify(cookie.issue("42")?.value())?.id(), "42");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn id(&self) -> &str {
        self.id.as_str()
    }

    /// When the user logged in: unchanged by renewals.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{OffsetDateTime, SessionCookie}};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").clock(|| 1_764_000_000).build()?;
    /// let session = cookie.verify(cookie.issue("42")?.value())?;
    /// assert_eq!(session.logged_in_at(), OffsetDateTime::from_unix_timestamp(1_764_000_000)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn logged_in_at(&self) -> OffsetDateTime {
        secs_time(self.logged_in_at)
    }

    /// When this value was issued: the login or the latest renewal.
    ///
    /// ```
    /// # use sigcookie::{Key, web::{OffsetDateTime, SessionCookie}};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").clock(|| 1_764_000_000).build()?;
    /// let session = cookie.verify(cookie.issue("42")?.value())?;
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
    /// let session = cookie.verify(cookie.issue("42")?.value())?;
    /// assert_eq!(session.expires_at(), session.issued_at() + Duration::hours(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expires_at(&self) -> OffsetDateTime {
        secs_time(
            self.cookie
                .signer()
                .expires_at(self.logged_in_at, self.issued_at),
        )
    }

    /// Which key the cookie was signed with: 0 for the current key, 1 for the first previous
    /// key, and so on ([`Verified::key_index`]). A session on a previous key is renewed with the
    /// current key on the request that presents it ([`renewal`](Self::renewal)), so a rotation
    /// completes as users come back; counting the others tells when the old key can go.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let (old, new) = (Key::from_bytes(&[1; 32])?, Key::from_bytes(&[2; 32])?);
    /// let before = SessionCookie::builder(&old, "s").build()?;
    /// let after = SessionCookie::builder(&new.with_previous(&old)?, "s").build()?;
    /// let session = after.verify(before.issue("42")?.value())?;
    /// assert_eq!(session.key_index(), 1);
    /// let renewed = session.renewal(0.9)?.ok_or("renewed at once, with the new key")?;
    /// assert_eq!(after.verify(renewed.value())?.key_index(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key_index(&self) -> usize {
        usize::from(self.key)
    }

    /// The session cookie this session was verified with.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "__Host-s").build()?;
    /// let session = cookie.verify(cookie.issue("42")?.value())?;
    /// assert_eq!(session.cookie().name(), "__Host-s");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cookie(&self) -> &SessionCookie {
        &self.cookie
    }

    /// A renewed cookie, for sliding sessions, once the value is older than `fraction` of the
    /// maximum age: an active user stays logged in (up to the lifetime), an idle one expires.
    /// `None` for a younger value. `fraction` is clamped to `0.0..=1.0` (`NaN` counts as `0.0`,
    /// renewing every time). The new value keeps the login time and is issued now. A session
    /// signed with a previous key is renewed whatever its age, so that it moves to the current
    /// key ([`key_index`](Self::key_index)).
    ///
    /// Every rule is checked again now, not when the session was verified
    /// ([`SessionSigner::renew_at`](crate::SessionSigner::renew_at)): a handler that verified a
    /// cookie before a "log out everywhere" and renews it after gets an error, not a fresh
    /// cookie, and no renewal carries a session past its lifetime. A cookie built with an
    /// Ed25519 public key alone renews nothing (`None`): the service that signs does.
    ///
    /// # Errors
    /// [`Error::Expired`], [`Error::LifetimeExceeded`], [`Error::LoggedInBeforeNotBefore`],
    /// [`Error::CutoffUnreadable`], [`Error::ClockBeforeEpoch`]. With the `axum` feature, `?`
    /// in a handler answers them with `401`.
    ///
    /// ```
    /// # use std::sync::{Arc, atomic::{AtomicU64, Ordering}};
    /// # use sigcookie::{Key, web::{Duration, SessionCookie}};
    /// let time = Arc::new(AtomicU64::new(1_764_000_000));
    /// let clock = { let time = time.clone(); move || time.load(Ordering::Relaxed) };
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").clock(clock).build()?;
    /// let session = cookie.verify(cookie.issue("7")?.value())?;
    /// assert!(session.renewal(0.5)?.is_none()); // fresh
    /// time.fetch_add(40 * 60, Ordering::Relaxed);
    /// let renewed = session.renewal(0.5)?.ok_or("due")?;
    /// assert_eq!(cookie.verify(renewed.value())?.issued_at(), session.issued_at() + Duration::minutes(40));
    /// cookie.log_out_everywhere()?;
    /// assert!(session.renewal(0.0).is_err()); // revoked since it was verified
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn renewal(&self, fraction: f64) -> Result<Option<SetCookie>, Error> {
        let signer = self.cookie.signer();
        // Renewing is signing: the service with the signing key does it.
        if !signer.signer().can_sign() {
            return Ok(None);
        }
        let now = self.cookie.clock_now()?;
        // `f64` to integer casts saturate and map NaN to 0, so no input can panic here.
        let threshold = (signer.max_age() as f64 * fraction.clamp(0.0, 1.0)) as u64;
        if self.key == 0 && now.saturating_sub(self.issued_at) < threshold {
            return Ok(None);
        }
        let verified = Verified::session(
            self.id(),
            (self.logged_in_at, self.issued_at),
            self.signer,
            self.key,
        );
        let value = signer.renew_at(&verified, now, &**self.cookie.store())?;
        self.cookie.session_cookie(&value, now).map(Some)
    }

    /// This session's CSRF token, for a hidden field in every form the user submits: the same
    /// on every page of the session (renewals keep the login time), different for any other
    /// session, and stored nowhere ([`CsrfToken`]). Check it with
    /// [`verify_csrf`](Self::verify_csrf).
    ///
    /// # Errors
    /// [`Error::VerifyOnly`] on a cookie built with an Ed25519 public key alone, which holds
    /// no secret to make or check a token with.
    ///
    /// ```
    /// # use sigcookie::{Key, web::SessionCookie};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let session = cookie.verify(cookie.issue("42")?.value())?;
    /// let form = format!(
    ///     r#"<form method="post" action="/delete"><input type="hidden" name="csrf" value="{}"><button>Delete</button></form>"#,
    ///     session.csrf_token()?
    /// );
    /// assert!(form.contains(session.csrf_token()?.as_str()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn csrf_token(&self) -> Result<CsrfToken, Error> {
        self.cookie
            .signer()
            .csrf_token_of(self.id(), self.logged_in_at)
    }

    /// Checks a submitted form's CSRF token against this session, in constant time
    /// ([`SessionSigner::verify_csrf`](crate::SessionSigner::verify_csrf)): one line in a
    /// handler, `session.verify_csrf(&form.csrf)?;`, which with the `axum` or `actix` feature
    /// answers a refused token with `403 Forbidden`. A token can only be checked on a session
    /// that verified, so a request whose session expired, was logged out or revoked is refused
    /// (`401`) before its token is looked at.
    ///
    /// # Errors
    /// [`Error::CsrfMalformed`] (not [`CsrfToken::LEN`] lowercase hex digits, an empty token
    /// included), [`Error::CsrfMismatch`] (another session's token), [`Error::VerifyOnly`] on a
    /// cookie built with an Ed25519 public key alone (a `500`: no secret to check it with).
    ///
    /// ```
    /// # use sigcookie::{Error, Key, web::SessionCookie};
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").build()?;
    /// let session = cookie.verify(cookie.issue("42")?.value())?;
    /// let other = cookie.verify(cookie.issue("43")?.value())?;
    /// assert_eq!(session.verify_csrf(&session.csrf_token()?), Ok(()));
    /// assert_eq!(session.verify_csrf(&other.csrf_token()?), Err(Error::CsrfMismatch));
    /// assert_eq!(session.verify_csrf(""), Err(Error::CsrfMalformed));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_csrf(&self, token: &str) -> Result<(), Error> {
        self.cookie
            .signer()
            .verify_csrf_of(self.id(), self.logged_in_at, token)
    }
}

impl Session {
    /// "Log out" on the server: ends this one session, in every instance that shares the
    /// store, and returns the cookie that removes it from the browser. A copy of the value
    /// taken before (by malware, a shared computer, a leaked log) is refused from then on with
    /// [`Error::LoggedOut`]; the user's other sessions, on other devices, stay.
    ///
    /// A session is named by its id and login time in whole seconds: two logins of one user in
    /// the same second are one session here, and both end. A login later in that second is
    /// stamped with the next second, so it is not born logged out. The store keeps the logout
    /// until the session's lifetime (plus twice the leeway, for clocks that disagree) would
    /// have ended it anyway ([`CutoffStore::revoke_session`](crate::store::CutoffStore::revoke_session)).
    ///
    /// # Errors
    /// The store could not make the logout durable ([`StoreError::Io`],
    /// [`StoreError::Unavailable`]); it is still in force in this process. With the `axum`
    /// feature a [`StoreError`] is a `500` response, so `?` works in a handler.
    ///
    /// ```
    /// # use std::sync::{Arc, atomic::{AtomicU64, Ordering}};
    /// # use sigcookie::{Error, Key, web::SessionCookie};
    /// let time = Arc::new(AtomicU64::new(1_764_000_000));
    /// let clock = { let time = time.clone(); move || time.load(Ordering::Relaxed) };
    /// let cookie = SessionCookie::builder(&Key::from_bytes(&[7; 32])?, "s").clock(clock).build()?;
    /// let phone = cookie.issue("42")?;
    /// time.fetch_add(60, Ordering::Relaxed);
    /// let laptop = cookie.issue("42")?;
    /// let removal = cookie.verify(phone.value())?.log_out()?;
    /// assert_eq!(removal.value(), "");
    /// assert_eq!(
    ///     cookie.verify(phone.value()).err(),
    ///     Some(Error::LoggedOut { logged_in_at: 1_764_000_000 })
    /// );
    /// assert!(cookie.verify(laptop.value()).is_ok()); // another session of 42: stays
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn log_out(&self) -> Result<SetCookie, StoreError> {
        let signer = self.cookie.signer();
        let until = self
            .logged_in_at
            .saturating_add(signer.lifetime())
            .saturating_add(signer.leeway().saturating_mul(2));
        self.cookie
            .store()
            .revoke_session(self.id(), self.logged_in_at, until)?;
        Ok(self.cookie.removal())
    }
}

/// Leaves out the signer's fingerprint, derived from its key.
impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id())
            .field("logged_in_at", &self.logged_in_at)
            .field("issued_at", &self.issued_at)
            .field("key_index", &self.key)
            .field("cookie", &self.cookie.name())
            .finish_non_exhaustive()
    }
}

/// A verified id: in the session itself when it has at most [`Id::INLINE`] bytes (a UUID, a
/// number, most opaque ids), so that taking a request's session allocates nothing; on the heap
/// when longer, up to [`ID_MAX_LEN`](crate::ID_MAX_LEN). Inline up to 255 bytes would spare
/// those ids the allocation, but make every session a few hundred bytes that each move of it
/// copies: in the extractor bench, those copies cost more than the verify's parse.
#[derive(Clone)]
enum Id {
    Inline { bytes: [u8; Id::INLINE], len: u8 },
    Heap(Box<str>),
}

impl Id {
    /// Longest id kept inline: a hyphenated UUID (36) with room to spare, and the session
    /// under 128 bytes.
    const INLINE: usize = 47;

    fn new(id: &str) -> Id {
        let mut bytes = [0; Id::INLINE];
        match (bytes.get_mut(..id.len()), u8::try_from(id.len())) {
            (Some(inline), Ok(len)) => {
                inline.copy_from_slice(id.as_bytes());
                Id::Inline { bytes, len }
            }
            _ => Id::Heap(id.into()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            // The id grammar's bytes are ASCII, so this is always the whole id.
            Id::Inline { bytes, len } => {
                core::str::from_utf8(bytes.get(..usize::from(*len)).unwrap_or_default())
                    .unwrap_or_default()
            }
            Id::Heap(id) => id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Id;

    #[test]
    fn ids_of_every_length_read_back_whole() {
        for len in 1..=crate::ID_MAX_LEN {
            let id = "x".repeat(len);
            let kept = Id::new(&id);
            assert_eq!(kept.as_str(), id);
            assert_eq!(
                matches!(kept, Id::Inline { .. }),
                len <= Id::INLINE,
                "{len}"
            );
        }
    }
}
