//! The panel's HTML: one layout, one small stylesheet embedded in every page (a device is often
//! offline, so nothing comes from a CDN), and the wording of every message.

use std::fmt::Write as _;

use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, X_FRAME_OPTIONS};
use axum::response::{Html, IntoResponse, Response};
use sigcookie::web::{Duration, OffsetDateTime, Session};

/// The stylesheet: a centred card, aligned form fields, and colours for errors and notices.
const STYLE: &str = "\
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:#eef1f4;color:#1d2733}
header{background:#1d2733;color:#fff;padding:.7em 1.2em;font-weight:600}
main{max-width:32em;margin:2em auto;background:#fff;border-radius:8px;padding:1.5em 2em;box-shadow:0 1px 4px #0002}
h1{font-size:1.4em;margin:0 0 .8em}
label{display:block;margin:0 0 1em;font-weight:600}
input{display:block;width:100%;margin-top:.3em;padding:.5em;font:inherit;font-weight:400;border:1px solid #9aa5b1;border-radius:4px}
button,.button{display:inline-block;padding:.5em 1.1em;font:inherit;border:0;border-radius:4px;background:#2364aa;color:#fff;cursor:pointer;text-decoration:none}
button.danger,.button.danger{background:#b3261e}
.button.plain{background:#e3e8ee;color:#1d2733}
.actions{display:flex;flex-wrap:wrap;gap:.7em;margin-top:1.5em}
.actions form{margin:0}
.message{padding:.7em 1em;border-radius:4px;margin:0 0 1.2em}
.error{background:#fde8e7;border-left:4px solid #b3261e}
.notice{background:#e6f4ea;border-left:4px solid #1e7e34}
.info{background:#e8eef6;border-left:4px solid #52606d}
.warning{background:#fff4d6;border-left:4px solid #b7791f}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.4em 0;border-bottom:1px solid #e3e8ee}
th{width:40%;font-weight:600}
small{color:#52606d}
";

/// A message above a page's content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message<'a> {
    Error(&'a str),
    /// Something done as asked: a logout, a password change.
    Notice(&'a str),
    /// Neither a success nor a fault: a session that has ended.
    Info(&'a str),
    Warning(&'a str),
}

/// A whole page: the layout around `body`, never stored by any cache, the browser's included
/// (it shows a user's session, and the back button after a logout must not show it again):
/// `no-store`, which the session cookie's own rule (`private`, for a response that sets it)
/// keeps as the stricter value. `Vary: Cookie` comes from the router's `SessionLayer`.
pub fn page(status: StatusCode, title: &str, message: Option<Message<'_>>, body: &str) -> Response {
    let message = message.map_or_else(String::new, |message| {
        let (class, text) = match message {
            Message::Error(text) => ("error", text),
            Message::Notice(text) => ("notice", text),
            Message::Info(text) => ("info", text),
            Message::Warning(text) => ("warning", text),
        };
        format!(
            r#"<p id="message" class="message {class}" role="status">{}</p>"#,
            escape(text)
        )
    });
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Device panel</title>
<style>{STYLE}</style></head>
<body>
<header>Device panel</header>
<main>
<h1>{title}</h1>
{message}
{body}
</main>
</body></html>
"#,
        title = escape(title),
    );
    // No other page may frame these (clickjacking the "log out all sessions" confirmation),
    // and the one stylesheet is inline: nothing else is loaded.
    let headers = [
        (CACHE_CONTROL, "no-store"),
        (X_FRAME_OPTIONS, "DENY"),
        (
            CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ),
    ];
    (status, headers, Html(html)).into_response()
}

/// The login form, with `user` filled in (after a failed attempt).
pub fn login(status: StatusCode, message: Option<Message<'_>>, user: &str) -> Response {
    let autofocus = |field: &str| {
        let wanted = if user.is_empty() { "user" } else { "password" };
        if field == wanted { " autofocus" } else { "" }
    };
    let body = format!(
        r#"<form id="login-form" method="post" action="/login">
<label>User name <input id="user" name="user" value="{user}" autocomplete="username" required{u}></label>
<label>Password <input id="password" name="password" type="password" autocomplete="current-password" required{p}></label>
<div class="actions"><button id="login" type="submit">Log in</button></div>
</form>"#,
        user = escape(user),
        u = autofocus("user"),
        p = autofocus("password"),
    );
    page(status, "Log in", message, &body)
}

/// The hidden field that carries a session's CSRF token in each of its forms.
pub fn csrf_field(session: &Session) -> String {
    // The panel signs with an HMAC key, so it always has a token; without one the field is
    // empty, and the form's POST is refused (fail closed).
    let token = session.csrf_token().map(|token| token.to_string());
    format!(
        r#"<input type="hidden" name="csrf" value="{}">"#,
        escape(token.as_deref().unwrap_or_default())
    )
}

/// For a logged-in user's form whose CSRF token is missing or not this session's: a form
/// from another site, or a page from before the user logged in again.
pub fn form_expired() -> Response {
    let body = r#"<p>This form does not belong to your current session: it may be from a page opened before you logged in again. Nothing was changed.</p>
<div class="actions"><a id="back" class="button" href="/status">Back to the panel</a></div>"#;
    page(
        StatusCode::FORBIDDEN,
        "Form refused",
        Some(Message::Error("The form was refused.")),
        body,
    )
}

/// For a request whose session has ended (expired, logged out elsewhere, password changed, user
/// removed): a way back rather than a bare 401.
pub fn session_ended() -> Response {
    let body = r#"<p>Log in again to continue.</p>
<div class="actions"><a id="login-again" class="button" href="/login">Log in</a></div>"#;
    page(
        StatusCode::UNAUTHORIZED,
        "Session ended",
        Some(Message::Info(
            "Your session has ended: it expired, or it was logged out.",
        )),
        body,
    )
}

/// For a path the panel does not serve.
pub fn not_found() -> Response {
    let body = r#"<p>There is no page at this address.</p>
<div class="actions"><a id="home" class="button" href="/">Go to the panel</a></div>"#;
    page(StatusCode::NOT_FOUND, "Page not found", None, body)
}

/// A complete duration in words, largest units first, at most two of them: "3 days 4 hours",
/// "12 minutes", "45 seconds".
pub fn human_duration(duration: Duration) -> String {
    let secs = duration.whole_seconds().max(0);
    let units = [
        (86_400, "day"),
        (3_600, "hour"),
        (60, "minute"),
        (1, "second"),
    ];
    let mut out = String::new();
    let mut left = secs;
    let mut shown = 0;
    for (size, name) in units {
        let count = left / size;
        if count == 0 || shown == 2 {
            if shown > 0 {
                // Adjacent units only: "1 day 0 hours 3 minutes" is shown as "1 day".
                shown = 2;
            }
            continue;
        }
        left %= size;
        if !out.is_empty() {
            out.push(' ');
        }
        let plural = if count == 1 { "" } else { "s" };
        let _ = write!(out, "{count} {name}{plural}");
        shown += 1;
    }
    if out.is_empty() {
        out.push_str("0 seconds");
    }
    out
}

/// How long ago, in words: "just now" under a minute, else "12 minutes ago".
pub fn ago(duration: Duration) -> String {
    if duration < Duration::minutes(1) {
        "just now".to_owned()
    } else {
        format!("{} ago", human_duration(duration))
    }
}

/// A time of day in UTC, with the date when it is not `today`'s.
pub fn clock(at: OffsetDateTime, today: OffsetDateTime) -> String {
    let time = format!("{:02}:{:02} UTC", at.hour(), at.minute());
    if at.date() == today.date() {
        time
    } else {
        format!("{} {time}", at.date())
    }
}

/// `text` made safe inside HTML text and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
