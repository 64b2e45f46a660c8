//! Review of the throttle merge (successes per user, device lanes in line, monotonic clock):
//! failing tests for the defects found, and a check of the hang-up guard. Bounded: fixed
//! counts, a few seconds of real time at most.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration as StdDuration;

use sigcookie::web::Duration;

use crate::device;
use crate::support::{LOGIN, NEW_PASSWORD, Panel, Response, change_form, client, request_from};
use crate::throttle::{
    CLIENT_CHECKS, DEVICE_CHECKS, GLOBAL_CHECKS, Lane, Throttle, USER_SUCCESSES,
};

const WRONG: &str = "username=admin&password=wrong";

async fn post_from(
    panel: &Panel,
    source: u8,
    path: &str,
    cookie: Option<&str>,
    form: &str,
) -> Response {
    let headers: Vec<_> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
    request_from(
        Some(client(source)),
        panel.addr,
        "POST",
        path,
        &headers,
        form,
    )
    .await
}

/// `ok`, or the login error the redirect names.
fn outcome(response: &Response) -> String {
    assert_eq!(response.status, 303, "{}", response.body);
    response.login_error().unwrap_or("ok").to_owned()
}

async fn attempt(panel: &Panel, source: u8, cookie: Option<&str>, form: &str) -> String {
    outcome(&post_from(panel, source, "/login", cookie, form).await)
}

/// Three addresses, each within its own bound, use the whole global budget.
async fn exhaust_the_global_budget(panel: &Panel) {
    let mut checked = 0;
    for source in [10, 11, 12] {
        for _ in 0..CLIENT_CHECKS {
            if attempt(panel, source, None, WRONG).await == "wrong" {
                checked += 1;
            }
        }
    }
    assert_eq!(checked, GLOBAL_CHECKS);
    assert_eq!(attempt(panel, 13, None, WRONG).await, "throttled");
}

/// A password change costs two runs of the user's successes, but the wait it is told when
/// refused (`wait=`, shown as "Try again in …") is only until the *oldest* success leaves the
/// window, which frees one run. Coming back after that wait, it is refused again.
#[tokio::test]
async fn a_refused_password_change_is_told_the_wait_that_frees_two_runs() {
    let panel = Panel::start().await;
    let session = panel.login().await; // one run at 0 s
    panel.advance(Duration::seconds(10));
    for _ in 1..USER_SUCCESSES {
        assert_eq!(attempt(&panel, 2, None, LOGIN).await, "ok"); // 19 runs at 10 s
    }
    let form = change_form("panel-demo-2024", NEW_PASSWORD, NEW_PASSWORD);
    let refused = post_from(&panel, 3, "/password", Some(&session), &form).await;
    let location = refused.header("location").unwrap_or_default().to_owned();
    assert!(
        location.starts_with("/password?error=throttled"),
        "{location}"
    );
    let wait: i64 = location
        .split("wait=")
        .nth(1)
        .and_then(|w| w.parse().ok())
        .expect("a wait");
    panel.advance(Duration::seconds(wait));
    let again = post_from(&panel, 3, "/password", Some(&session), &form).await;
    assert_eq!(
        again.header("location"),
        Some(crate::support::PASSWORD_CHANGED),
        "told to wait {wait} s, came back after {wait} s: {:?}",
        again.header("location")
    );
}

/// `throttle.rs` says a device cookie is issued "only by something that proves the password";
/// README says "Device cookies are made only by successful logins". But `POST
/// /logout-everywhere` needs only a session, and answers with a fresh device cookie. So a
/// stolen session cookie (no password) becomes a device lane: guesses that skip the global
/// budget during a flood. It also revokes the owner's device cookie, leaving the thief's the
/// only lane of the user.
#[tokio::test]
async fn a_stolen_session_gets_no_device_lane_from_log_out_everywhere() {
    let panel = Panel::start().await;
    // The owner logs in; the thief copies the session cookie only.
    let owner = post_from(&panel, 20, "/login", None, LOGIN).await;
    let stolen = owner.cookie_pair(panel.cookie_name);
    let thief = post_from(&panel, 30, "/logout-everywhere", Some(&stolen), "").await;
    assert_eq!(thief.status, 303, "{}", thief.body);
    panel.advance(Duration::seconds(1));
    exhaust_the_global_budget(&panel).await;
    let minted = thief
        .set_cookie(device::COOKIE_NAME)
        .map(|c| c.stripped().to_string());
    let Some(minted) = minted else { return };
    let guesses: Vec<String> = {
        let mut out = Vec::new();
        for _ in 0..DEVICE_CHECKS {
            out.push(attempt(&panel, 31, Some(&minted), WRONG).await);
        }
        out
    };
    assert!(
        guesses.iter().all(|g| g == "throttled"),
        "a session alone bought a device lane during a flood: {guesses:?}"
    );
}

/// Checked, passes: a device-lane check waiting in line for a permit, whose client hangs up,
/// is taken off the count (the `Pending` guard).
#[tokio::test]
async fn a_hang_up_in_the_device_line_is_not_counted() {
    let panel = Panel::start().await;
    let owner = post_from(&panel, 20, "/login", None, LOGIN).await;
    let device = owner.cookie_pair(device::COOKIE_NAME);
    let held = Arc::clone(&panel.login_slots)
        .acquire_many_owned(crate::app::LOGIN_PERMITS as u32)
        .await
        .expect("the permits");
    let mut hung_up = 0;
    for _ in 0..DEVICE_CHECKS {
        let addr = panel.addr;
        let cookie = format!("Cookie: {device}\r\n");
        let exchange = async move {
            use tokio::io::AsyncWriteExt;
            let mut stream = crate::support::connect_from(Some(client(21)), addr).await?;
            let head = format!(
                "POST /login HTTP/1.1\r\nHost: {addr}\r\n{cookie}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{WRONG}",
                WRONG.len()
            );
            stream.write_all(head.as_bytes()).await?;
            tokio::time::sleep(StdDuration::from_millis(200)).await;
            Ok::<_, std::io::Error>(())
        };
        exchange.await.expect("sent");
        hung_up += 1;
    }
    tokio::time::sleep(StdDuration::from_millis(200)).await;
    drop(held);
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    let mut results = Vec::new();
    for _ in 0..DEVICE_CHECKS {
        results.push(attempt(&panel, 21, Some(&device), WRONG).await);
    }
    assert_eq!(hung_up, DEVICE_CHECKS);
    assert!(results.iter().all(|r| r == "wrong"), "{results:?}");
}

/// The monotonic clock is read in whole seconds (`Instant::elapsed().as_secs()`), so a check
/// made at 0.999 s is stamped 0 and leaves the window at 60.000 s: one client gets twice its
/// bound within 59.001 s of real time, against README's "at most 5 checks per client ... in
/// any 60 s". Driven directly with a millisecond clock truncated the same way.
#[test]
fn whole_second_ticks_let_twice_the_bound_through_in_under_a_minute() {
    let millis = Arc::new(AtomicU64::new(0));
    let clock = {
        let millis = Arc::clone(&millis);
        move || millis.load(Ordering::SeqCst) / 1000
    };
    let mut throttle = Throttle::new(Arc::new(clock));
    let lane = || Lane::Client(crate::throttle::Client::from(client(2)));
    let mut times = Vec::new();
    for at in [999, 60_000] {
        millis.store(at, Ordering::SeqCst);
        for _ in 0..CLIENT_CHECKS {
            if let Ok(attempt) = throttle.begin(lane(), None, 1) {
                throttle.finish(attempt, false);
                times.push(at);
            }
        }
    }
    let span = times.last().unwrap() - times.first().unwrap();
    assert!(
        !(times.len() > CLIENT_CHECKS && span < 60_000),
        "{} checks of one client within {span} ms",
        times.len()
    );
}
