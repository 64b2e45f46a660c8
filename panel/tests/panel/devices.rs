//! Device cookies against the lockout: a flood of wrong passwords from several addresses uses
//! the whole global budget, and only a browser that logged in as the user before (a valid
//! device cookie of that user) still gets its password checked. Bounded: fixed counts, a few
//! seconds of real time at most, every wait with a timeout.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration as StdDuration, Instant};

use sigcookie::web::Duration;

use crate::device;
use crate::support::{
    LOGIN, NEW_LOGIN, NEW_PASSWORD, Options, PASSWORD_CHANGED, Panel, Response, T0, change_form,
    client, request_from,
};
use crate::throttle::{
    CLIENT_CHECKS, DEVICE_CHECKS, GLOBAL_CHECKS, USER_DEVICE_CHECKS, USER_SUCCESSES,
};
use crate::users;

const WRONG: &str = "user=admin&password=wrong";
/// The addresses that flood: three, each within its own bound, together the whole budget.
const FLOODERS: [u8; 3] = [10, 11, 12];

/// A login from `127.0.0.{source}` with `cookie` as the `Cookie:` header: the redirect's error
/// (`wrong`, `throttled`, `busy`), or `ok`.
async fn attempt(panel: &Panel, source: u8, cookie: Option<&str>, form: &str) -> String {
    outcome(&post_from(panel, source, "/login", cookie, form).await)
}

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

/// [`post_from`] a logged-in user's form, as a browser at `127.0.0.{source}` submits it: with
/// its page's CSRF token ([`crate::support::submit_from`]).
async fn submit_from(
    panel: &Panel,
    source: u8,
    path: &str,
    cookie: Option<&str>,
    form: &str,
) -> Response {
    crate::support::submit_from(Some(client(source)), panel.addr, path, cookie, form).await
}

fn outcome(response: &Response) -> String {
    assert_eq!(response.status, 303, "{}", response.body);
    match response.login_error() {
        Some(error) => error.to_owned(),
        None => {
            assert_eq!(response.header("location"), Some("/status"));
            "ok".to_owned()
        }
    }
}

/// Logs in as `form`'s user from `source` and returns the device cookie as a `Cookie:` header.
async fn device_cookie(panel: &Panel, source: u8, form: &str) -> String {
    login_both(panel, source, form, device::COOKIE_NAME).await.1
}

/// Logs in and returns (session, device) as `Cookie:` header parts, under `device_name`.
async fn login_both(panel: &Panel, source: u8, form: &str, device_name: &str) -> (String, String) {
    let response = post_from(panel, source, "/login", None, form).await;
    assert_eq!(outcome(&response), "ok");
    let session = response.cookie_pair(panel.cookie_name);
    let device = response.cookie_pair(device_name);
    (session, device)
}

/// Wrong passwords from three addresses, each within its own bound, until the panel's global
/// budget is used up: the state the owner is locked out in without a device cookie.
async fn exhaust_the_global_budget(panel: &Panel) {
    let mut checked = 0;
    for source in FLOODERS {
        for _ in 0..CLIENT_CHECKS {
            if attempt(panel, source, None, WRONG).await == "wrong" {
                checked += 1;
            }
        }
    }
    assert_eq!(checked, GLOBAL_CHECKS);
    assert_eq!(attempt(panel, 13, None, WRONG).await, "throttled");
}

/// The lockout of the issue, in real time: three addresses flood wrong passwords with two
/// connections each for a few seconds. The owner's browser with a device cookie logs in every
/// 0.3 s from another address, each time within 2 s; the same owner without one is refused
/// throughout (what every owner got before device cookies).
#[tokio::test]
async fn a_flood_from_many_addresses_does_not_lock_out_a_known_device() {
    let panel = Panel::start_with(Options {
        system_clock: true,
        ..Options::default()
    })
    .await;
    let device = device_cookie(&panel, 20, LOGIN).await;
    let flood_for = StdDuration::from_secs(5);
    let started = Instant::now();
    let flood: Vec<_> = FLOODERS
        .iter()
        .flat_map(|&source| [source, source])
        .map(|source| {
            let addr = panel.addr;
            tokio::spawn(async move {
                let mut results = Vec::new();
                while started.elapsed() < flood_for {
                    let response =
                        request_from(Some(client(source)), addr, "POST", "/login", &[], WRONG)
                            .await;
                    results.push(response.login_error().unwrap_or("ok").to_owned());
                }
                results
            })
        })
        .collect();
    // Until the flood has used the whole budget. Each probe from an address of its own, so
    // that it is refused for the global budget, never for its own.
    let mut probe = 100;
    while attempt(&panel, probe, None, WRONG).await != "throttled" {
        probe += 1;
        assert!(probe < 200, "the flood never used the budget");
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    let mut with_device = Vec::new();
    let mut without = Vec::new();
    while started.elapsed() < flood_for {
        tokio::time::sleep(StdDuration::from_millis(300)).await;
        // The browser user submits again when the panel says it is busy.
        let begun = Instant::now();
        let mut result = String::new();
        for _ in 0..5 {
            result = attempt(&panel, 21, Some(&device), LOGIN).await;
            if result != "busy" {
                break;
            }
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
        with_device.push((result, begun.elapsed()));
        without.push(attempt(&panel, 22, None, LOGIN).await);
    }
    let mut attacker = Vec::new();
    for task in flood {
        attacker.extend(task.await.expect("a flood task"));
    }
    assert!(with_device.len() >= 5, "{with_device:?}");
    for (result, took) in &with_device {
        assert_eq!(result, "ok", "{with_device:?}");
        assert!(*took < StdDuration::from_secs(2), "{with_device:?}");
    }
    assert!(
        without.iter().all(|r| r == "throttled"),
        "without a device cookie the owner waits for the flood: {without:?}"
    );
    assert!(attacker.len() > 50, "a real flood: {}", attacker.len());
    assert!(
        attacker.iter().filter(|r| *r == "wrong").count() <= GLOBAL_CHECKS,
        "{attacker:?}"
    );
}

/// A users file with the demo `admin` (id 1) and `bob` (id 2), both with the demo password.
fn two_users() -> String {
    let hash = users::hash_password("panel-demo-2024").expect("a hash");
    format!(
        r#"{{"format":"sigcookie-panel-users-v1","users":[
            {{"id":"1","name":"admin","password_hash":"{hash}"}},
            {{"id":"2","name":"bob","password_hash":"{hash}"}}]}}"#
    )
}

/// Another user of the panel (bob, who knows only his own password) logs in over and over from
/// six addresses at once, for a few seconds of real time. His successful checks are bounded
/// like anyone's guesses (per user), so he cannot keep the password checks busy: the owner's
/// browser with a device cookie, submitting again when told the panel is busy, logs in every
/// time.
#[tokio::test]
async fn another_users_logins_do_not_keep_a_known_device_busy() {
    let users = two_users();
    let panel = Panel::start_with(Options {
        users: Some(&users),
        system_clock: true,
        ..Options::default()
    })
    .await;
    let device = device_cookie(&panel, 20, LOGIN).await;
    let run_for = StdDuration::from_secs(4);
    let started = Instant::now();
    let bob = "user=bob&password=panel-demo-2024";
    let tasks: Vec<_> = (0..6u8)
        .map(|i| {
            let addr = panel.addr;
            tokio::spawn(async move {
                let mut results = Vec::new();
                while started.elapsed() < run_for {
                    let response =
                        request_from(Some(client(60 + i)), addr, "POST", "/login", &[], bob).await;
                    results.push(response.login_error().unwrap_or("ok").to_owned());
                }
                results
            })
        })
        .collect();
    tokio::time::sleep(StdDuration::from_millis(200)).await;
    let mut owner = Vec::new();
    while started.elapsed() < run_for {
        tokio::time::sleep(StdDuration::from_millis(300)).await;
        let mut result = String::new();
        for _ in 0..5 {
            result = attempt(&panel, 21, Some(&device), LOGIN).await;
            if result != "busy" {
                break;
            }
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
        owner.push(result);
    }
    let mut bobs = Vec::new();
    for task in tasks {
        bobs.extend(task.await.expect("a task"));
    }
    assert!(bobs.len() > 20, "bob's logins: {}", bobs.len());
    let checked = bobs.iter().filter(|r| *r == "ok").count();
    assert!(checked <= USER_SUCCESSES, "bob had {checked} checks");
    assert!(
        owner.iter().all(|r| r == "ok"),
        "owner with a device cookie, 5 tries each: {owner:?}"
    );
}

/// Only a device cookie the panel made, for the very user being tried, is a lane: a tampered
/// one, one of another user (real or deleted), and the session cookie under the device
/// cookie's name are throttled with everyone else. Nor does a device value pass as a session.
#[tokio::test]
async fn no_device_lane_without_a_valid_device_cookie_of_that_user() {
    let users = two_users();
    let panel = Panel::start_with(Options {
        users: Some(&users),
        ..Options::default()
    })
    .await;
    let admin = device_cookie(&panel, 20, LOGIN).await;
    let bob = device_cookie(&panel, 21, "user=bob&password=panel-demo-2024").await;
    let session = panel.login().await;
    exhaust_the_global_budget(&panel).await;

    let value = |header: &str| header.split_once('=').expect("name=value").1.to_owned();
    let named = |value: &str| format!("{}={value}", device::COOKIE_NAME);
    let mut tampered = value(&admin);
    let last = if tampered.ends_with('0') { "1" } else { "0" };
    tampered.replace_range(tampered.len() - 1.., last);
    let deleted = panel.device_cookie().issue("3").expect("a device value");
    let refused = [
        ("tampered", Some(named(&tampered))),
        ("bob's, for admin", Some(bob.clone())),
        ("a deleted user's", Some(named(deleted.value()))),
        ("the session value", Some(named(&value(&session)))),
        ("no cookie", None),
    ];
    for (what, cookie) in &refused {
        let result = attempt(&panel, 30, cookie.as_deref(), LOGIN).await;
        assert_eq!(result, "throttled", "{what}");
    }
    // Admin's own device cookie names admin only: trying bob with it is throttled too.
    let bob_form = "user=bob&password=panel-demo-2024";
    assert_eq!(
        attempt(&panel, 30, Some(&admin), bob_form).await,
        "throttled"
    );
    // The valid ones still work, each for its own user.
    assert_eq!(attempt(&panel, 30, Some(&admin), LOGIN).await, "ok");
    assert_eq!(attempt(&panel, 30, Some(&bob), bob_form).await, "ok");
    // A device cookie is no session: under the session cookie's name it is refused.
    let as_session = format!("{}={}", panel.cookie_name, value(&admin));
    let status = panel.get("/status", Some(&as_session)).await;
    assert_ne!(status.status, 200);
    assert!(!status.body.contains("Signed in as"));
}

/// A device cookie's lane is bounded as a client's is: its 6th check in a minute is refused,
/// even with the right password, and the address it comes from keeps its own checks. A user's
/// device cookies together get at most USER_DEVICE_CHECKS, however many there are.
#[tokio::test]
async fn device_lanes_are_bounded_per_device_and_per_user() {
    let panel = Panel::start().await;
    let device = device_cookie(&panel, 20, LOGIN).await;
    let mut results = Vec::new();
    for _ in 0..=DEVICE_CHECKS {
        results.push(attempt(&panel, 20, Some(&device), WRONG).await);
    }
    assert_eq!(
        results.iter().filter(|r| *r == "wrong").count(),
        DEVICE_CHECKS
    );
    assert_eq!(results.last().map(String::as_str), Some("throttled"));
    assert_eq!(attempt(&panel, 20, Some(&device), LOGIN).await, "throttled");
    // The lane is the device's, not the address's: without the cookie, this address is checked.
    assert_eq!(attempt(&panel, 20, None, LOGIN).await, "ok");
    panel.advance(Duration::minutes(1));
    assert_eq!(attempt(&panel, 20, Some(&device), LOGIN).await, "ok");

    // More device cookies of admin, as logins at other times would have made them: together
    // they get the user's bound, and the next is refused.
    let mut checked = 0;
    for hours in 1..=4 {
        let at = T0 - hours * 3600;
        let other = panel
            .device_cookie_at(at)
            .issue("1")
            .expect("a device value");
        let cookie = format!("{}={}", device::COOKIE_NAME, other.value());
        for _ in 0..DEVICE_CHECKS {
            if attempt(&panel, 40, Some(&cookie), WRONG).await == "wrong" {
                checked += 1;
            }
        }
    }
    assert_eq!(checked, USER_DEVICE_CHECKS);
}

/// A password change and "log out all sessions" end every device cookie issued before them
/// (whoever knew the password could have minted one). The password change proves the password
/// and gives this browser a new one; "log out all sessions" proves only a session (which a
/// thief may hold), so it gives none, and the next login does; a logout keeps it. During a
/// flood only the newest is a lane.
#[tokio::test]
async fn device_cookies_end_with_revocations_and_only_a_password_renews_them() {
    let panel = Panel::start().await;
    let (session, first) = login_both(&panel, 20, LOGIN, device::COOKIE_NAME).await;
    let both = format!("{session}; {first}");
    let form = change_form("panel-demo-2024", NEW_PASSWORD, NEW_PASSWORD);
    let changed = submit_from(&panel, 20, "/password", Some(&both), &form).await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    let second = changed.cookie_pair(device::COOKIE_NAME);
    let session = changed.cookie_pair(panel.cookie_name);
    let ended = submit_from(&panel, 20, "/logout-everywhere", Some(&session), "").await;
    assert_eq!(ended.status, 303);
    assert!(ended.set_cookie(device::COOKIE_NAME).is_none());
    panel.advance(Duration::seconds(1));
    let (session, device) = login_both(&panel, 20, NEW_LOGIN, device::COOKIE_NAME).await;
    let logout = submit_from(&panel, 20, "/logout", Some(&session), "").await;
    assert!(logout.set_cookie(device::COOKIE_NAME).is_none());

    exhaust_the_global_budget(&panel).await;
    for old in [&first, &second] {
        assert_eq!(attempt(&panel, 21, Some(old), NEW_LOGIN).await, "throttled");
    }
    assert_eq!(attempt(&panel, 21, None, NEW_LOGIN).await, "throttled");
    assert_eq!(
        attempt(&panel, 21, Some(&first), NEW_LOGIN).await,
        "throttled"
    );
    assert_eq!(attempt(&panel, 21, Some(&device), NEW_LOGIN).await, "ok");
    // The device lane also lets the owner change the password during the flood.
    let login = post_from(&panel, 21, "/login", Some(&device), NEW_LOGIN).await;
    let session = login.cookie_pair(panel.cookie_name);
    let form = change_form(
        NEW_PASSWORD,
        "another long password",
        "another long password",
    );
    let again = submit_from(
        &panel,
        21,
        "/password",
        Some(&format!("{session}; {device}")),
        &form,
    )
    .await;
    assert_eq!(again.header("location"), Some(PASSWORD_CHANGED));
}

/// Whoever knew the password once (the demo password of every fresh install, a former
/// employee, a shoulder-surfer) logs in three times, in three different seconds, and keeps the
/// three device cookies. The owner changes the password: those cookies give no lane any more,
/// so they cannot spend the user's device budget, and the owner's browser, given a new device
/// cookie by the change, logs in during a flood from three addresses.
#[tokio::test]
async fn device_cookies_minted_with_an_old_password_give_no_lane() {
    let panel = Panel::start().await;
    let mut minted = Vec::new();
    for _ in 0..USER_DEVICE_CHECKS.div_ceil(crate::throttle::DEVICE_CHECKS) {
        minted.push(login_both(&panel, 50, LOGIN, device::COOKIE_NAME).await.1);
        panel.advance(Duration::seconds(1));
    }
    // The owner logs in from their own browser and changes the password.
    let (session, owner_device) = login_both(&panel, 20, LOGIN, device::COOKIE_NAME).await;
    let form = change_form("panel-demo-2024", NEW_PASSWORD, NEW_PASSWORD);
    let both = format!("{session}; {owner_device}");
    let changed = submit_from(&panel, 20, "/password", Some(&both), &form).await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    let owner_device = changed.cookie_pair(device::COOKIE_NAME);
    panel.advance(Duration::seconds(1));

    // The former password holder no longer knows the password, and guesses: the old cookies
    // are refused as lanes, so the guesses wait for the spent global budget.
    exhaust_the_global_budget(&panel).await;
    for cookie in &minted {
        for _ in 0..crate::throttle::DEVICE_CHECKS {
            assert_eq!(attempt(&panel, 50, Some(cookie), WRONG).await, "throttled");
        }
    }
    assert_eq!(
        attempt(&panel, 21, Some(&owner_device), NEW_LOGIN).await,
        "ok",
        "the owner's own device lane is spent by device cookies of the old password"
    );
}

/// README: "one address gets at most 5 guesses a minute". After the password changes, device
/// cookies minted with the old one must not add guesses at the new one to an address.
#[tokio::test]
async fn device_cookies_of_an_old_password_add_no_guesses_to_an_address() {
    let panel = Panel::start().await;
    let mut minted = Vec::new();
    for _ in 0..3 {
        minted.push(login_both(&panel, 50, LOGIN, device::COOKIE_NAME).await.1);
        panel.advance(Duration::seconds(1));
    }
    let (session, _) = login_both(&panel, 20, LOGIN, device::COOKIE_NAME).await;
    let form = change_form("panel-demo-2024", NEW_PASSWORD, NEW_PASSWORD);
    let changed = submit_from(&panel, 20, "/password", Some(&session), &form).await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    panel.advance(Duration::seconds(1));

    let mut checked = 0;
    for cookie in minted.iter().map(Some).chain([None]) {
        for _ in 0..CLIENT_CHECKS {
            if attempt(&panel, 50, cookie.map(String::as_str), WRONG).await == "wrong" {
                checked += 1;
            }
        }
    }
    assert!(
        checked <= CLIENT_CHECKS,
        "one address had {checked} guesses at the new password in one minute"
    );
}

/// Plain-HTTP mode, where `__Host-` is impossible: a sibling host (or anyone on the path)
/// plants a second `panel-device` cookie for the parent domain, and the browser sends both.
/// The owner's valid one must still be a lane during a flood.
#[tokio::test]
async fn a_tossed_device_cookie_does_not_take_the_owners_lane_in_plain_http() {
    let panel = Panel::start_with(Options {
        plain_http: true,
        ..Options::default()
    })
    .await;
    let (_, device) = login_both(&panel, 20, LOGIN, device::PLAIN_HTTP_COOKIE_NAME).await;
    exhaust_the_global_budget(&panel).await;
    // Sanity: the owner's cookie alone is a lane.
    assert_eq!(attempt(&panel, 21, Some(&device), WRONG).await, "wrong");
    let tossed = format!("{}=x; {device}", device::PLAIN_HTTP_COOKIE_NAME);
    assert_eq!(
        attempt(&panel, 21, Some(&tossed), LOGIN).await,
        "ok",
        "a planted cookie of the same name turns the owner's lane off"
    );
}

/// A password change costs two runs of the user's successes: when refused, the wait it is told
/// (`wait=`, shown as "Try again in …") must free two runs, not only the oldest one, so that
/// coming back after it works.
#[tokio::test]
async fn a_refused_password_change_is_told_the_wait_that_frees_two_runs() {
    let panel = Panel::start().await;
    let session = panel.login().await; // one run at 0 s
    panel.advance(Duration::seconds(10));
    for _ in 1..USER_SUCCESSES {
        assert_eq!(attempt(&panel, 2, None, LOGIN).await, "ok"); // 19 runs at 10 s
    }
    let form = change_form("panel-demo-2024", NEW_PASSWORD, NEW_PASSWORD);
    let refused = submit_from(&panel, 3, "/password", Some(&session), &form).await;
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
    let again = submit_from(&panel, 3, "/password", Some(&session), &form).await;
    assert_eq!(
        again.header("location"),
        Some(crate::support::PASSWORD_CHANGED),
        "told to wait {wait} s, came back after {wait} s: {:?}",
        again.header("location")
    );
}

/// A device cookie is issued only by something that proves the password. `POST
/// /logout-everywhere` needs only a session: a stolen session cookie must not get a device
/// lane from it (guesses that would skip the global budget during a flood, while the same
/// request revokes the owner's device cookie).
#[tokio::test]
async fn a_stolen_session_gets_no_device_lane_from_log_out_everywhere() {
    let panel = Panel::start().await;
    // The owner logs in; the thief copies the session cookie only.
    let owner = post_from(&panel, 20, "/login", None, LOGIN).await;
    let stolen = owner.cookie_pair(panel.cookie_name);
    let thief = submit_from(&panel, 30, "/logout-everywhere", Some(&stolen), "").await;
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

/// README: "at most 5 checks per client ... in any 60 s". A check made at 0.999 s must stay in
/// the window until 60.999 s: read in whole seconds it would leave at 60.000 s, and one client
/// would get twice its bound within 59.001 s. Driven directly with a millisecond clock.
#[test]
fn whole_second_ticks_let_twice_the_bound_through_in_under_a_minute() {
    let millis = Arc::new(AtomicU64::new(0));
    let clock = {
        let millis = Arc::clone(&millis);
        move || std::time::Duration::from_millis(millis.load(Ordering::SeqCst))
    };
    let mut throttle = crate::throttle::Throttle::new(Arc::new(clock));
    let lane = || crate::throttle::Lane::Client(crate::throttle::Client::from(client(2)));
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
