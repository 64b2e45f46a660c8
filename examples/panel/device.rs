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
//! - It grants **no access**: the password is still checked, at the same cost. So it survives
//!   logout, "log out all sessions" and password changes (ending it would hand the owner back to
//!   the shared budget exactly when an attacker may be at work), and it needs no revocation. A
//!   stolen one gives its thief the lane of one device, as many guesses as one address gets;
//!   rotating the secret ends every device cookie, with every session.
//! - `HttpOnly` (page scripts never need it), `Secure` unless `PANEL_PLAIN_HTTP`, and
//!   `__Host-` then, so a sibling host cannot plant one. `SameSite=Strict`: it is only needed on
//!   the panel's own login and password forms, which are same-site, so no cross-site request
//!   ever needs to carry it.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use sigcookie::Key;
use sigcookie::web::{Duration, Rejection, SameSite, SessionCookie, SessionCookieBuilder};

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

/// The device cookie the panel uses; callers may add a clock before building it. It keeps no
/// cut-offs (its own empty in-memory store): nothing revokes a device cookie.
pub fn device_cookie(key: &Key, plain_http: bool) -> SessionCookieBuilder<'_> {
    let builder = if plain_http {
        SessionCookie::builder(key, PLAIN_HTTP_COOKIE_NAME).insecure_plain_http()
    } else {
        SessionCookie::builder(key, COOKIE_NAME)
    };
    builder
        .purpose(PURPOSE)
        .same_site(SameSite::Strict)
        .max_age(DEVICE_LIFETIME)
        .lifetime(DEVICE_LIFETIME)
}

/// The device lane of a request for `user` (the user the form names, if any): `Some` only for
/// a valid device cookie of that very user. Anything else (no cookie, a forged, expired or
/// duplicated one, one for another user, or no such user) is `None`, and the attempt is
/// throttled by address as if it had no cookie.
pub fn lane(device: &SessionCookie, headers: &HeaderMap, user: Option<&User>) -> Option<Device> {
    let cookies = headers.get_all(COOKIE).iter().map(|value| value.as_bytes());
    let verified = match device.verify_headers(cookies) {
        Ok(verified) => verified,
        Err(rejection) => {
            if rejection != Rejection::Missing {
                tracing::debug!(%rejection, "device cookie refused");
            }
            return None;
        }
    };
    let user = user?;
    if verified.id() != user.id {
        tracing::debug!("device cookie of another user: no device lane");
        return None;
    }
    Some(Device::new(verified.id(), verified.logged_in_at()))
}
