//! Review of the device-cookie lanes (branch `review-device`): each test states a bound the
//! README or the example's docs claim, and fails where the panel does not keep it. Bounded:
//! fixed counts, a few seconds of real time at most, every request with a timeout.

use sigcookie::web::Duration;

use crate::device;
use crate::support::{
    LOGIN, NEW_LOGIN, NEW_PASSWORD, Options, Panel, Response, change_form, client, request_from,
};
use crate::throttle::{CLIENT_CHECKS, GLOBAL_CHECKS, USER_DEVICE_CHECKS};

const WRONG: &str = "username=admin&password=wrong";
const FLOODERS: [u8; 3] = [10, 11, 12];

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

fn outcome(response: &Response) -> String {
    assert_eq!(response.status, 303, "{}", response.body);
    match response.login_error() {
        Some(error) => error.to_owned(),
        None => "ok".to_owned(),
    }
}

async fn attempt(panel: &Panel, source: u8, cookie: Option<&str>, form: &str) -> String {
    outcome(&post_from(panel, source, "/login", cookie, form).await)
}

/// Logs in and returns (session, device) as `Cookie:` header parts, under `device_name`.
async fn login_both(panel: &Panel, source: u8, form: &str, device_name: &str) -> (String, String) {
    let response = post_from(panel, source, "/login", None, form).await;
    assert_eq!(outcome(&response), "ok");
    let session = response
        .set_cookie(panel.cookie_name)
        .expect("a session")
        .stripped()
        .to_string();
    let device = response
        .set_cookie(device_name)
        .expect("a device cookie")
        .stripped()
        .to_string();
    (session, device)
}

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
    let changed = post_from(&panel, 20, "/password", Some(&both), &form).await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    let owner_device = changed
        .set_cookie(device::COOKIE_NAME)
        .expect("a new device cookie with the new password")
        .stripped()
        .to_string();
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
    let changed = post_from(&panel, 20, "/password", Some(&session), &form).await;
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
