//! The device cookie: proof that this browser logged in as a user before, which lets its login
//! attempts for that user skip the per-address and global throttle (OWASP's "device cookies").
//!
//! Without it, a flood of wrong passwords from a few addresses uses the whole global budget and
//! the owner, logging in from yet another address, is refused for as long as the flood lasts.
//! With it, the owner's browser has a lane of its own (`throttle.rs`): a few checks a minute for
//! this device and this user, which no one without such a cookie can spend.
//!
//! What the cookie is, and why:
//!
//! - A `sigcookie` session value for the **user id**, signed under its own purpose
//!   ([`PURPOSE`]), so neither a session value nor any other cookie of this secret passes as a
//!   device cookie, and a device cookie never passes as a session (which is signed under the
//!   session cookie's name). It is only ever checked against the user the attempt names: one for
//!   another user, or for a user who was deleted, gives no lane.
//! - Valid for [`DEVICE_LIFETIME`] after the login that made it. Every successful login sends a
//!   new one, so a device in use never loses its lane; one unused for a year goes back to the
//!   address lane, as a new device.
//! - It grants **no access**: the password is still checked, at the same cost. It survives
//!   logout. A password change or "log out all sessions" revokes every device cookie issued
//!   before it (they share the session's cut-offs), since whoever knew the password could mint
//!   them. A password change proves the password, so the browser that made it gets a new one
//!   and the owner keeps a lane exactly when an attacker may be at work; "log out all
//!   sessions" proves only a session, which a thief may hold, so it gives none (the next login
//!   does). A stolen one gives its thief the lane of one device, as many guesses as one
//!   address gets, until the next password change or "log out all sessions".
//! - `HttpOnly` (page scripts never need it), `Secure` unless `PANEL_PLAIN_HTTP`, and
//!   `__Host-` then, so a sibling host cannot plant one (under plain HTTP it can, which is why
//!   [`lane`] takes any one cookie of the name that verifies). `SameSite=Strict`: it is only needed on
//!   the panel's own login and password forms, which are same-site, so no cross-site request
//!   ever needs to carry it.

use std::sync::Arc;

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use sigcookie::Key;
use sigcookie::header::SameSite;
use sigcookie::store::{CutoffStore, StoreError};
use sigcookie::web::{Cookie, Duration, SessionCookie, SessionCookieBuilder, SetCookie};
use sigcookie::{Cutoffs, Revocations};

use crate::throttle::Device;
use crate::users::User;

/// The device cookie's name. `__Host-` makes the browser refuse it unless it is `Secure`,
/// `Path=/` and has no `Domain`.
pub const COOKIE_NAME: &str = "__Host-panel-device";
/// The name in plain-HTTP mode, where the `__Host-` prefix (which needs `Secure`) is impossible.
pub const PLAIN_HTTP_COOKIE_NAME: &str = "panel-device";
/// What device values are signed for: never a cookie name of the session, so a value of one is
/// never valid as the other, whatever either cookie is called.
pub const PURPOSE: &str = "panel-device-v1";
/// How long a device cookie lasts after the login that made it.
pub const DEVICE_LIFETIME: Duration = Duration::days(365);

/// The device cookie the panel uses; callers may add a clock before building it. It shares
/// the session's cut-offs (`store`): a password change or "log out all sessions" ends the
/// device cookies issued before it, so that one vouches only for a login with the password in
/// force. Whoever knew an old password (a fresh install's demo one, a former colleague) keeps
/// no lane through cookies minted with it; the browser that made the change gets a new one.
pub fn device_cookie(
    key: &Key,
    plain_http: bool,
    store: Arc<dyn CutoffStore>,
) -> SessionCookieBuilder<'_> {
    let builder = if plain_http {
        SessionCookie::builder(key, PLAIN_HTTP_COOKIE_NAME).insecure_plain_http()
    } else {
        SessionCookie::builder(key, COOKIE_NAME)
    };
    builder
        .store(Arc::new(CutoffsOnly(store)))
        .purpose(PURPOSE)
        .same_site(SameSite::Strict)
        .max_age(DEVICE_LIFETIME)
        .lifetime(DEVICE_LIFETIME)
}

/// The session's store as the device cookie sees it: every cut-off, but no logout of one
/// session. A device cookie is issued in the same second as the login's session cookie, so a
/// store names them alike (id and login time), and "Log out" would end it too, while it is
/// meant to survive logout: it grants no access, only the lane.
struct CutoffsOnly(Arc<dyn CutoffStore>);

impl Revocations for CutoffsOnly {
    fn cutoffs(&self, id: &str) -> Cutoffs {
        self.0.cutoffs(id)
    }

    fn session_cutoffs(&self, id: &str, _logged_in_at: u64) -> Cutoffs {
        self.0.cutoffs(id)
    }
}

impl CutoffStore for CutoffsOnly {
    fn revoke_all(&self, not_before: u64) -> Result<(), StoreError> {
        self.0.revoke_all(not_before)
    }

    fn revoke_user(&self, id: &str, not_before: u64) -> Result<(), StoreError> {
        self.0.revoke_user(id, not_before)
    }

    fn revoke_session(&self, id: &str, logged_in_at: u64, until: u64) -> Result<(), StoreError> {
        self.0.revoke_session(id, logged_in_at, until)
    }

    fn global(&self) -> Option<u64> {
        self.0.global()
    }

    fn latest(&self, not_after: u64) -> Option<u64> {
        self.0.latest(not_after)
    }

    fn revoke_all_until(&self, now: u64, leeway: u64) -> Result<u64, StoreError> {
        self.0.revoke_all_until(now, leeway)
    }

    fn revoke_user_until(&self, id: &str, now: u64) -> Result<u64, StoreError> {
        self.0.revoke_user_until(id, now)
    }
}

/// The device lane of a request for `user` (the user the form names, if any): `Some` only for
/// a valid device cookie of that very user. Anything else (no cookie, a forged, expired or
/// revoked one, one for another user, or no such user) is `None`, and the attempt is
/// throttled by address as if it had no cookie.
///
/// Unlike the session, several cookies of the device cookie's name are not refused together:
/// one is enough if it verifies. Under plain HTTP (no `__Host-` prefix) another host or the
/// network can plant a second cookie of that name, and refusing both would let it take the
/// owner's lane away; a planted one cannot verify, and a device cookie grants no access.
pub fn lane(device: &SessionCookie, headers: &HeaderMap, user: Option<&User>) -> Option<Device> {
    let user = user?;
    let values = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|header| header.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .filter(|cookie| cookie.name() == device.name());
    for value in values {
        match device.verify(value.value()) {
            Ok(verified) if verified.id() == user.id => {
                return Some(Device::new(verified.id(), verified.logged_in_at()));
            }
            Ok(_) => tracing::debug!("device cookie of another user: no device lane"),
            Err(rejection) => tracing::debug!(%rejection, "device cookie refused"),
        }
    }
    None
}

/// A new device cookie for `id`, after a login or a password change, which prove the password
/// (never after anything a stolen session could do): `None`, logged, if it cannot be issued,
/// since the request succeeds without it.
pub fn renewed(device: &SessionCookie, id: &str) -> Option<SetCookie> {
    device
        .issue(id)
        .map_err(|error| tracing::warn!(%error, "cannot issue a device cookie"))
        .ok()
}
