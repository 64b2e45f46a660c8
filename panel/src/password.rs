//! Changing a password: the form, and the change itself, which ends every other session of
//! the user and gives this browser a new login; when the outcome cannot be known (no answer
//! from the shared server), it ends this session too rather than guess.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sigcookie::web::{Duration, SetCookie};

use crate::app::{LoggedIn, Panel, counted_check, csrf_refusal, failure, same_origin};
use crate::device;
use crate::pages::{self, Message, escape, human_duration};
use crate::users::{self, MAX_PASSWORD_LEN, MIN_PASSWORD_LEN};

#[derive(Deserialize)]
pub(crate) struct PasswordQuery {
    error: Option<String>,
    wait: Option<u32>,
}

pub(crate) async fn page(me: LoggedIn, Query(query): Query<PasswordQuery>) -> Response {
    let error = match query.error.as_deref() {
        Some("wrong") => Some("The current password is wrong.".to_owned()),
        Some("mismatch") => Some("The new passwords do not match.".to_owned()),
        Some("length") => Some(format!(
            "The new password must be {MIN_PASSWORD_LEN} to {MAX_PASSWORD_LEN} characters long."
        )),
        Some("same") => Some("The new password is the same as the current one.".to_owned()),
        Some("throttled") => Some(format!(
            "Too many password checks. Try again in {}.",
            human_duration(Duration::seconds(query.wait.unwrap_or(1).into()))
        )),
        Some("busy") => Some("The panel is busy. Try again in a moment.".to_owned()),
        _ => None,
    };
    let body = format!(
        r#"<p>Changing the password logs out every other session of <b>{name}</b>; this browser stays logged in.</p>
<form id="password-form" method="post" action="/password">{csrf}
<label>Current password <input id="current" name="current" type="password" autocomplete="current-password" required autofocus></label>
<label>New password <small>(at least {MIN_PASSWORD_LEN} characters)</small> <input id="new" name="new" type="password" autocomplete="new-password" minlength="{MIN_PASSWORD_LEN}" maxlength="{MAX_PASSWORD_LEN}" required></label>
<label>New password again <input id="again" name="again" type="password" autocomplete="new-password" required></label>
<div class="actions"><button id="change" type="submit">Change password</button>
<a class="button plain" href="/status">Cancel</a></div>
</form>"#,
        name = escape(&me.user.name),
        csrf = pages::csrf_field(&me.session),
    );
    let message = error.as_deref().map(Message::Error);
    (
        me.renewal(),
        pages::page(StatusCode::OK, "Change password", message, &body),
    )
        .into_response()
}

#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    /// The session's CSRF token ([`csrf_refusal`]); a missing one is empty, and refused.
    #[serde(default)]
    csrf: String,
    current: String,
    new: String,
    again: String,
}

/// Changes the password: the current one is checked (counted by the login throttle, as a
/// stolen cookie must not become a way to guess it), the new hash is saved, then every session
/// of the user that began up to now is cut off and this browser gets a new login cookie.
pub(crate) async fn change(
    State(panel): State<Panel>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    me: LoggedIn,
    Form(form): Form<PasswordForm>,
) -> Response {
    if !same_origin(&headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    if let Some(refused) = csrf_refusal(&me.session, &form.csrf) {
        return refused;
    }
    let back = |error: &str, wait: Option<i64>| {
        let wait = wait.map_or_else(String::new, |wait| format!("&wait={wait}"));
        Redirect::to(&format!("/password?error={error}{wait}")).into_response()
    };
    let length = form.new.chars().count();
    if !(MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&length) {
        return back("length", None);
    }
    if form.new != form.again {
        return back("mismatch", None);
    }
    if form.new == form.current {
        return back("same", None);
    }
    // The owner's device lane here too: under a flood, the owner who logged in through it must
    // also be able to change the password.
    let device = device::lane(&panel.device, &headers, Some(&me.user));
    // Two Argon2 runs if the current password is right: its check and the new hash.
    let (attempt, permit) = match panel.begin_check(peer, device, Some(&me.user), 2).await {
        Ok(begun) => begun,
        Err(refused) => return back(refused.code(), Some(refused.wait())),
    };
    let throttle = Arc::clone(&panel.throttle);
    let users = Arc::clone(&panel.users);
    let user = me.user.clone();
    let changed = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let checked = match counted_check(&users, &throttle, attempt, Some(&user), &form.current) {
            Ok(Some(checked)) => checked,
            Ok(None) => return Change::WrongCurrent,
            Err(error) => return Change::Failed(error),
        };
        let hash = match users::hash_password(&form.new) {
            Ok(hash) => hash,
            Err(error) => return Change::Failed(error),
        };
        // Only over the hash just checked: a change that came first (in another session, or
        // on another panel sharing the hashes) made the current password typed here wrong.
        match users.set_password_hash(&user.id, &checked, hash) {
            Ok(true) => Change::Done,
            Ok(false) => Change::WrongCurrent,
            // Sent, but no answer: the server may have applied it (a late reply, a lost one).
            Err(error) => Change::Unknown(error),
        }
    })
    .await
    .unwrap_or_else(|e| Change::Unknown(e.to_string()));
    let cookie = me.session.cookie().clone();
    let id = me.user.id.clone();
    let log_out_user = || async {
        let cookie = cookie.clone();
        let id = id.clone();
        tokio::task::spawn_blocking(move || cookie.log_out_user(&id).map_err(|e| e.to_string()))
            .await
            .unwrap_or_else(|e| Err(e.to_string()))
    };
    match changed {
        Change::Done => {}
        Change::WrongCurrent => {
            panel.log_refusal(peer, "wrong current password");
            return back("wrong", None);
        }
        Change::Failed(error) => {
            tracing::error!(%error, "cannot change the password");
            return failure(
                "The password could not be changed: the panel cannot read or save passwords \
                 right now.",
            );
        }
        Change::Unknown(error) => {
            // The new password may be in force: end every session that knew the old one, this
            // one included, rather than leave them open on a guess.
            tracing::error!(%error, "a password change may or may not have been saved");
            let ended = log_out_user().await;
            if let Err(error) = &ended {
                tracing::error!(%error, "cannot log out the sessions of the old password");
            }
            // This browser checked the current password just now: it keeps a device lane for
            // logging in again, though the revocation ended its device cookie.
            let device = device::renewed(&panel.device, &me.user.id);
            return (device, password_unknown(cookie.removal(), ended.is_ok())).into_response();
        }
    }
    // The new password is saved; now the sessions that knew the old one end.
    let fresh = log_out_user().await.and_then(|cutoff| {
        tracing::info!(user = me.user.id, %cutoff, "password changed: other sessions logged out");
        cookie.issue(&me.user.id).map_err(|e| e.to_string())
    });
    match fresh {
        // The change revoked the device cookies minted with the old password; this browser
        // gets a new one with its new login.
        Ok(fresh) => (
            fresh,
            device::renewed(&panel.device, &me.user.id),
            Redirect::to("/status?notice=password-changed"),
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "password changed, but its sessions could not be logged out");
            failure(
                "The password was changed, but other sessions could not be logged out: use \
                 “Log out all sessions”.",
            )
        }
    }
}

/// How a password change ended.
enum Change {
    Done,
    /// The current password did not match, or another change came first.
    WrongCurrent,
    /// Nothing was changed: the check or the new hash failed.
    Failed(String),
    /// The change was sent to be saved and no answer came: it may be in force.
    Unknown(String),
}

/// The page after a password change whose outcome is unknown: this browser's session ends with
/// the others (`ended`), and the user logs in again with whichever password works.
fn password_unknown(removal: SetCookie, ended: bool) -> Response {
    let message = if ended {
        "The panel could not confirm the password change. Every session of this account has \
         been logged out: log in with the new password, or with the current one if the change \
         did not happen."
    } else {
        "The panel could not confirm the password change, nor log out the other sessions. Log \
         in with the new password, or with the current one if the change did not happen, and \
         use “Log out all sessions”."
    };
    let body = r#"<div class="actions"><a class="button" href="/login">Log in</a></div>"#;
    let page = pages::page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Password change not confirmed",
        Some(Message::Error(message)),
        body,
    );
    (removal, page).into_response()
}
