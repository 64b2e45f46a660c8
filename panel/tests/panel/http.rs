//! The panel over real HTTP on loopback: what the login cookie looks like, and every way the
//! status page must refuse one.

use std::sync::Arc;

use sigcookie::header::SameSite;
use sigcookie::web::Duration;

use crate::app::{FORM_BODY_LIMIT, LOGIN_PERMITS};
use crate::support::{
    self, LOGIN, NEW_LOGIN, NEW_PASSWORD, Options, PASSWORD_CHANGED, Panel, change_form, request,
    same_site, with_csrf,
};

#[tokio::test]
async fn login_sets_the_cookie_with_safe_attributes() {
    let panel = Panel::start().await;
    let response = panel
        .post("/login", None, "user=admin&password=panel-demo-2024")
        .await;
    assert_eq!(response.status, 303);
    assert_eq!(response.header("location"), Some("/status"));
    let cookies = response.set_cookies();
    // The session, and the device cookie that gives this browser's next logins a throttle lane
    // of their own.
    assert_eq!(cookies.len(), 2);
    let cookie = &cookies[0];
    assert_eq!(cookie.name(), "__Host-panel");
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.secure(), Some(true));
    assert_eq!(same_site(cookie), Some(SameSite::Lax));
    assert_eq!(cookie.path(), Some("/"));
    assert_eq!(cookie.domain(), None);
    assert_eq!(cookie.max_age(), Some(Duration::hours(1)));
    assert!(
        cookie.value().starts_with("1.1764000000.1764000000."),
        "{}",
        cookie.value()
    );
    let device = &cookies[1];
    assert_eq!(device.name(), "__Host-panel-device");
    assert_eq!(device.http_only(), Some(true));
    assert_eq!(device.secure(), Some(true));
    assert_eq!(same_site(device), Some(SameSite::Strict));
    assert_eq!(device.path(), Some("/"));
    assert_eq!(device.domain(), None);
    assert_eq!(device.max_age(), Some(Duration::days(365)));
    assert!(device.value().starts_with("1.1764000000.1764000000."));
    assert_ne!(device.value(), cookie.value(), "signed for another purpose");

    let status = panel
        .get("/status", Some(&cookie.stripped().to_string()))
        .await;
    assert_eq!(status.status, 200);
    assert!(
        status.body.contains("Signed in as <b>admin</b>"),
        "{}",
        status.body
    );
    assert_eq!(status.header("cache-control"), Some("no-store"));
    assert_eq!(status.header("x-frame-options"), Some("DENY"));
    assert!(
        status
            .header("content-security-policy")
            .is_some_and(|csp| csp.contains("frame-ancestors 'none'")),
        "no page may frame the panel"
    );
    assert!(
        status.set_cookies().is_empty(),
        "a fresh session is not renewed"
    );
}

#[tokio::test]
async fn wrong_credentials_are_refused_without_a_cookie() {
    let panel = Panel::start().await;
    for (form, user) in [
        ("user=admin&password=wrong", "admin"),
        ("user=root&password=panel-demo-2024", "root"),
    ] {
        let response = panel.post("/login", None, form).await;
        assert_eq!(response.status, 303, "{form}");
        let location = format!("/login?error=wrong&user={user}");
        assert_eq!(response.header("location"), Some(location.as_str()));
        assert!(response.set_cookies().is_empty());
        // Post/redirect/get: the address bar's URL shows the form again, with the message and
        // the user name.
        let page = panel.get(&location, None).await;
        assert_eq!(page.status, 200);
        assert!(
            page.body
                .contains(r#"class="message error" role="status">Wrong user name or password."#),
            "{}",
            page.body
        );
        assert!(page.body.contains(&format!(r#"value="{user}""#)));
    }
}

#[tokio::test]
async fn a_failed_login_keeps_the_user_name_escaped() {
    let panel = Panel::start().await;
    let response = panel
        .post("/login", None, "user=%22%3E%3Cscript%3Ex&password=wrong")
        .await;
    let location = response.header("location").expect("a redirect").to_owned();
    assert_eq!(location, "/login?error=wrong&user=%22%3E%3Cscript%3Ex");
    let page = panel.get(&location, None).await;
    assert!(page.body.contains(r#"value="&quot;&gt;&lt;script&gt;x""#));
    assert!(!page.body.contains("<script>"));
}

#[tokio::test]
async fn get_login_shows_the_login_page() {
    let panel = Panel::start().await;
    let response = panel.get("/login", None).await;
    assert_eq!(response.status, 200);
    assert!(response.body.contains(r#"id="login-form""#));
    assert!(response.body.contains("<style>"), "the embedded stylesheet");
    assert!(
        !response.body.contains("http"),
        "nothing loaded from elsewhere"
    );
    // Logged in, it goes on to the status page.
    let cookie = panel.login().await;
    let response = panel.get("/login", Some(&cookie)).await;
    assert_eq!(response.header("location"), Some("/status"));
}

#[tokio::test]
async fn status_page_sends_no_cookie_to_the_login_page() {
    let panel = Panel::start().await;
    for (method, path) in [
        ("GET", "/status"),
        ("GET", "/password"),
        ("GET", "/logout-everywhere"),
        ("POST", "/logout-everywhere"),
        ("POST", "/password"),
    ] {
        let response = request(panel.addr, method, path, &[], "").await;
        assert_eq!(
            (response.status, response.header("location")),
            (303, Some("/login")),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn a_refused_cookie_gets_a_page_with_a_way_back() {
    let panel = Panel::start().await;
    let cookie = panel.login().await;
    panel.advance(Duration::hours(2));
    let response = panel.get("/status", Some(&cookie)).await;
    assert_eq!(response.status, 401);
    assert!(response.body.contains("Session ended"), "{}", response.body);
    // Neither a success nor an error: the neutral style.
    assert!(
        response.body.contains(r#"class="message info""#),
        "{}",
        response.body
    );
    assert!(response.body.contains(r#"href="/login""#));
    let removal = response
        .set_cookie(panel.cookie_name)
        .expect("the browser is told to drop it");
    assert_eq!(removal.value(), "");
}

#[tokio::test]
async fn status_page_refuses_a_tampered_cookie() {
    let panel = Panel::start().await;
    let good = panel.login().await;
    let (name_id, sig) = good.rsplit_once('.').expect("id.ts.sig");
    let flipped = if sig.starts_with('0') { "1" } else { "0" };
    let tampered = [
        format!("{name_id}.{flipped}{}", &sig[1..]),
        good.replacen("=1.", "=2.", 1),
        good.replacen(".1764000000.", ".1764000999.", 1),
        format!("{good}0"),
        good.to_uppercase()
            .replacen("__HOST-PANEL", "__Host-panel", 1),
        format!(
            "{}=\"{}\"",
            panel.cookie_name,
            &good[panel.cookie_name.len() + 1..]
        ),
    ];
    for cookie in &tampered {
        assert_ne!(cookie, &good);
        let response = panel.get("/status", Some(cookie)).await;
        assert_eq!(response.status, 401, "{cookie}");
    }
    assert_eq!(panel.get("/status", Some(&good)).await.status, 200);
}

#[tokio::test]
async fn status_page_refuses_an_expired_cookie_and_renews_an_old_one() {
    let panel = Panel::start().await;
    let cookie = panel.login().await;
    panel.advance(Duration::minutes(40));
    let response = panel.get("/status", Some(&cookie)).await;
    assert_eq!(response.status, 200);
    let renewed = response
        .set_cookie(panel.cookie_name)
        .expect("renewed past half its age");
    assert!(
        renewed.value().starts_with("1.1764000000.1764002400."),
        "{}",
        renewed.value()
    );
    assert_eq!(renewed.max_age(), Some(Duration::hours(1)));

    panel.advance(Duration::minutes(21));
    assert_eq!(
        panel.get("/status", Some(&cookie)).await.status,
        401,
        "expired"
    );
    let renewed = renewed.stripped().to_string();
    assert_eq!(panel.get("/status", Some(&renewed)).await.status, 200);
}

#[tokio::test]
async fn status_page_refuses_a_cookie_moved_from_another_name() {
    let panel = Panel::start().await;
    // A valid value of another cookie signed with the same secret...
    let prefs = panel
        .cookie_named("prefs")
        .issue("1")
        .expect("a prefs cookie");
    let moved = format!("{}={}", panel.cookie_name, prefs.value());
    assert_eq!(panel.get("/status", Some(&moved)).await.status, 401);
    // ...and the panel's own value under another name.
    let session = panel.login().await;
    let renamed = session.replacen(panel.cookie_name, "prefs", 1);
    let response = panel.get("/status", Some(&renamed)).await;
    // No session cookie at all: the login page.
    assert_eq!(
        (response.status, response.header("location")),
        (303, Some("/login"))
    );
}

#[tokio::test]
async fn status_page_refuses_duplicate_cookies() {
    let panel = Panel::start().await;
    let cookie = panel.login().await;
    let twice = format!("{cookie}; {cookie}");
    assert_eq!(panel.get("/status", Some(&twice)).await.status, 401);
    let with_others = format!("theme=dark;  {cookie} ;junk; lang=\"en\"");
    assert_eq!(panel.get("/status", Some(&with_others)).await.status, 200);
}

#[tokio::test]
async fn log_out_everywhere_revokes_earlier_cookies() {
    let panel = Panel::start().await;
    let laptop = panel.login().await;
    let phone = panel.login().await;
    panel.advance(Duration::seconds(5));
    let response = panel.submit("/logout-everywhere", Some(&laptop), "").await;
    assert_eq!(response.status, 303);
    assert_eq!(
        response.header("location"),
        Some("/login?notice=logged-out-all")
    );
    let removal = response
        .set_cookie(panel.cookie_name)
        .expect("a removal cookie");
    assert_eq!(removal.value(), "");
    let notice = panel.get("/login?notice=logged-out-all", None).await;
    assert!(notice.body.contains("All sessions have been logged out"));
    assert_eq!(panel.get("/status", Some(&phone)).await.status, 401);
    assert_eq!(panel.get("/status", Some(&laptop)).await.status, 401);

    // A login in the same second is stamped with the cut-off, not revoked at birth.
    let same_second = panel.login().await;
    assert_eq!(panel.get("/status", Some(&same_second)).await.status, 200);

    // The cut-off is the next second: a login after it works again.
    panel.advance(Duration::seconds(1));
    let fresh = panel.login().await;
    assert_eq!(panel.get("/status", Some(&fresh)).await.status, 200);
}

#[tokio::test]
async fn logout_ends_the_session_and_clears_the_cookie() {
    let panel = Panel::start().await;
    let cookie = panel.login().await;
    let response = panel.submit("/logout", Some(&cookie), "").await;
    assert_eq!(response.status, 303);
    assert_eq!(
        response.header("location"),
        Some("/login?notice=logged-out")
    );
    let removal = response
        .set_cookie(panel.cookie_name)
        .expect("a removal cookie");
    assert_eq!(removal.value(), "");
    assert_eq!(removal.max_age(), Some(Duration::ZERO));
    // The browser only replaces the cookie with one of the same name, path and domain, and a
    // `__Host-` one only with a `Secure` one.
    assert_eq!(removal.path(), Some("/"));
    assert_eq!(removal.domain(), None);
    assert_eq!(removal.secure(), Some(true));
    assert_eq!(removal.http_only(), Some(true));
    let page = panel.get("/login?notice=logged-out", None).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(r#"class="message notice""#));
    assert!(page.body.contains("You have logged out."));
    let home = panel.get("/", None).await;
    assert_eq!(home.header("location"), Some("/login"));
    // The session ended on the server: the cookie, replayed, is refused.
    let replayed = panel.get("/status", Some(&cookie)).await;
    assert_eq!(replayed.status, 401);
    assert!(replayed.body.contains("Session ended"));
    // A logout without a valid session still removes the cookie.
    let again = panel.post("/logout", Some(&cookie), "").await;
    assert_eq!(again.status, 303);
    assert_eq!(
        again
            .set_cookie(panel.cookie_name)
            .map(|c| c.value().to_owned()),
        Some(String::new())
    );
}

/// Every form a logged-in user submits carries the session's CSRF token, and a `POST` of one
/// without it (or with another session's) changes nothing: `403` and a page saying so, on top
/// of the `Origin` check.
#[tokio::test]
async fn a_logged_in_users_forms_need_the_sessions_csrf_token() {
    let panel = Panel::start().await;
    let cookie = panel.login().await;
    let token = support::csrf_token(panel.addr, "/logout", &cookie)
        .await
        .expect("the status page's logout form has a token");
    assert_eq!(token.len(), sigcookie::CsrfToken::LEN);
    // One token for the session, in every form: the logout button, the confirmation of "log
    // out all sessions", the password form.
    for path in ["/logout-everywhere", "/password"] {
        let page = panel.get(path, Some(&cookie)).await;
        assert_eq!(
            support::csrf_in(&page.body).as_deref(),
            Some(token.as_str()),
            "{path}"
        );
        assert!(
            page.body.contains(&format!(
                r#"<input type="hidden" name="csrf" value="{token}">"#
            )),
            "{path}: {}",
            page.body
        );
    }
    // The login form has none: there is no session yet (the `Origin` check guards it).
    let login_page = panel.get("/login", None).await;
    assert_eq!(support::csrf_in(&login_page.body), None);

    // Another session of the same user, logged in a second later, has another token.
    panel.advance(Duration::seconds(1));
    let other = panel.login().await;
    let other_token = support::csrf_token(panel.addr, "/logout", &other)
        .await
        .expect("a token");
    assert_ne!(other_token, token);

    let change = change_form("panel-demo-2024", NEW_PASSWORD, NEW_PASSWORD);
    let wrong_tokens = [
        None,
        Some(String::new()),
        Some(other_token.clone()),
        Some(token.to_uppercase()),
        Some(token[..token.len() - 1].to_owned()),
    ];
    for wrong in &wrong_tokens {
        for (path, form) in [
            ("/logout", String::new()),
            ("/logout-everywhere", String::new()),
            ("/password", change.clone()),
        ] {
            let form = match wrong {
                Some(wrong) => with_csrf(wrong, &form),
                None => form,
            };
            let response = panel.post(path, Some(&cookie), &form).await;
            assert_eq!(response.status, 403, "{path} with {wrong:?}");
            assert!(response.body.contains("Form refused"), "{}", response.body);
            assert!(response.set_cookies().is_empty(), "{path} with {wrong:?}");
        }
    }
    // Nothing happened: both sessions and the demo password still work.
    assert_eq!(panel.get("/status", Some(&cookie)).await.status, 200);
    assert_eq!(panel.get("/status", Some(&other)).await.status, 200);
    assert_eq!(panel.post("/login", None, LOGIN).await.login_error(), None);

    // With its own token, each form works.
    let response = panel
        .post("/password", Some(&other), &with_csrf(&other_token, &change))
        .await;
    assert_eq!(response.header("location"), Some(PASSWORD_CHANGED));
    // The change ended the first session: its cookie and its token are refused as a session
    // that ended, before any token is looked at.
    let response = panel
        .post("/logout-everywhere", Some(&cookie), &with_csrf(&token, ""))
        .await;
    assert_eq!(response.status, 401);
    assert!(response.body.contains("Session ended"), "{}", response.body);

    // A logout of a session that no longer verifies needs no token: the cookie is removed.
    let response = panel.post("/logout", Some(&cookie), "").await;
    assert_eq!(response.status, 303);
    assert_eq!(
        response
            .set_cookie(panel.cookie_name)
            .map(|c| c.value().to_owned()),
        Some(String::new())
    );
    // And the right token logs out a live one.
    let fresh = support::login(panel.addr, panel.cookie_name, NEW_LOGIN).await;
    let fresh_token = support::csrf_token(panel.addr, "/logout", &fresh)
        .await
        .expect("a token");
    let response = panel
        .post("/logout", Some(&fresh), &with_csrf(&fresh_token, ""))
        .await;
    assert_eq!(
        response.header("location"),
        Some("/login?notice=logged-out")
    );
}

#[tokio::test]
async fn home_sends_a_logged_in_user_to_the_status_page() {
    let panel = Panel::start().await;
    let cookie = panel.login().await;
    let response = panel.get("/", Some(&cookie)).await;
    assert_eq!(
        (response.status, response.header("location")),
        (303, Some("/status"))
    );
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let panel = Panel::start().await;
    let form = "user=admin&password=panel-demo-2024";
    let evil = [("Origin", "https://evil.example")];
    let response = request(panel.addr, "POST", "/login", &evil, form).await;
    assert_eq!(response.status, 403);
    assert!(response.set_cookies().is_empty());
    let origin = format!("http://{}", panel.addr);
    let same = [("Origin", origin.as_str())];
    assert_eq!(
        request(panel.addr, "POST", "/login", &same, form)
            .await
            .status,
        303
    );
}

#[tokio::test]
async fn plain_http_mode_drops_secure_and_the_host_prefix() {
    let panel = Panel::start_with(Options {
        plain_http: true,
        ..Options::default()
    })
    .await;
    let response = panel
        .post("/login", None, "user=admin&password=panel-demo-2024")
        .await;
    let cookie = response.set_cookie("panel").expect("the plain-HTTP cookie");
    assert_eq!(cookie.secure(), None);
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(same_site(&cookie), Some(SameSite::Lax));
    let header = cookie.stripped().to_string();
    assert_eq!(panel.get("/status", Some(&header)).await.status, 200);
    let device = response
        .set_cookie("panel-device")
        .expect("the plain-HTTP device cookie");
    assert_eq!(device.secure(), None);
    assert_eq!(device.http_only(), Some(true));
}

#[tokio::test]
async fn logins_beyond_the_password_check_permits_are_refused_busy() {
    let panel = Panel::start().await;
    let permits = u32::try_from(LOGIN_PERMITS).expect("a few permits");
    // The test holds the permits, as checks in flight would: the next login cannot start one.
    let in_flight = Arc::clone(&panel.login_slots)
        .try_acquire_many_owned(permits)
        .expect("the permits are free");
    let response = panel.post("/login", None, LOGIN).await;
    assert_eq!(response.login_error(), Some("busy"));
    assert_eq!(response.header("retry-after"), Some("1"));
    assert!(response.set_cookies().is_empty());
    // One permit free is enough.
    drop(in_flight);
    let _others = Arc::clone(&panel.login_slots)
        .try_acquire_many_owned(permits - 1)
        .expect("the permits are free");
    assert_eq!(panel.post("/login", None, LOGIN).await.status, 303);
    assert_eq!(
        panel.login_slots.available_permits(),
        1,
        "the check gave its permit back"
    );
}

#[tokio::test]
async fn oversized_login_forms_are_refused_before_any_check() {
    let panel = Panel::start().await;
    let padded = |len: usize| format!("{LOGIN}&pad={}", "x".repeat(len - LOGIN.len() - 5));
    assert_eq!(padded(FORM_BODY_LIMIT).len(), FORM_BODY_LIMIT);
    assert_eq!(
        panel
            .post("/login", None, &padded(FORM_BODY_LIMIT))
            .await
            .status,
        303
    );
    // With every permit held a checked form would be sent back busy: 413 shows it never got
    // that far.
    let _in_flight = Arc::clone(&panel.login_slots)
        .try_acquire_many_owned(u32::try_from(LOGIN_PERMITS).expect("a few permits"))
        .expect("the permits are free");
    let response = panel
        .post("/login", None, &padded(FORM_BODY_LIMIT + 1))
        .await;
    assert_eq!(response.status, 413);
    assert!(response.set_cookies().is_empty());
}

#[tokio::test]
async fn requests_for_unknown_hosts_are_refused_on_every_route() {
    let panel = Panel::start().await;
    let cookie = panel.login().await;
    let port = panel.addr.port();
    // DNS rebinding: the attacker's name resolves to the panel, and the browser sends the
    // attacker's name as both `Host` and `Origin`.
    let rebound = format!("evil.example:{port}");
    let origin = format!("http://{rebound}");
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/status"),
        ("GET", "/no-such-page"),
        ("POST", "/login"),
        ("POST", "/logout"),
        ("POST", "/logout-everywhere"),
    ] {
        let headers = [
            ("Host", rebound.as_str()),
            ("Origin", origin.as_str()),
            ("Cookie", cookie.as_str()),
        ];
        let response = request(panel.addr, method, path, &headers, LOGIN).await;
        assert_eq!(response.status, 421, "{method} {path}");
        assert!(response.set_cookies().is_empty(), "{method} {path}");
    }
    // The revocation above was refused, so the session still works.
    assert_eq!(panel.get("/status", Some(&cookie)).await.status, 200);

    let get = |host: String| async move {
        request(panel.addr, "GET", "/login", &[("Host", host.as_str())], "")
            .await
            .status
    };
    assert_eq!(get(format!("localhost:{port}")).await, 200);
    assert_eq!(get(format!("LocalHost:{port}")).await, 200);
    assert_eq!(
        get(format!("localhost:{}", port.wrapping_add(1))).await,
        421
    );
    assert_eq!(get("localhost".to_owned()).await, 421);
}

#[tokio::test]
async fn panel_hosts_adds_the_names_the_device_is_reached_by() {
    let panel = Panel::start_with(Options {
        extra_hosts: Some(" panel.lan, 192.168.1.1:8080,,"),
        ..Options::default()
    })
    .await;
    let get = |host: &'static str| async move {
        request(panel.addr, "GET", "/login", &[("Host", host)], "")
            .await
            .status
    };
    assert_eq!(get("panel.lan").await, 200);
    assert_eq!(get("PANEL.LAN").await, 200);
    assert_eq!(get("192.168.1.1:8080").await, 200);
    assert_eq!(get("panel.lan:8080").await, 421);
    assert_eq!(get("").await, 421);
}

#[tokio::test]
async fn an_unknown_path_gets_a_page_with_a_way_back() {
    let panel = Panel::start().await;
    for cookie in [None, Some(panel.login().await)] {
        let response = panel.get("/no-such-page", cookie.as_deref()).await;
        assert_eq!(response.status, 404);
        assert!(
            response.body.contains("Page not found"),
            "{}",
            response.body
        );
        assert!(response.body.contains(r#"href="/""#), "{}", response.body);
        assert_eq!(response.header("cache-control"), Some("no-store"));
    }
}

#[tokio::test]
async fn the_status_page_shows_no_made_up_device_data() {
    let panel = Panel::start().await;
    let cookie = panel.login().await;
    let response = panel.get("/status", Some(&cookie)).await;
    assert_eq!(response.status, 200);
    for placeholder in ["Firmware", "WAN"] {
        assert!(!response.body.contains(placeholder), "{}", response.body);
    }
}

/// A device that booted without a real-time clock reads 1970 until its time server answers: a
/// login then would mint a cookie that dies at once, or comes back when the clock is set.
#[tokio::test]
async fn a_clock_that_is_not_set_refuses_logins_and_says_why() {
    let panel = Panel::start().await;
    panel.set_clock(45);
    let response = panel.post("/login", None, crate::support::LOGIN).await;
    assert_eq!(response.status, 303);
    let location = response.header("location").expect("back to the form");
    assert!(response.set_cookie(panel.cookie_name).is_none());
    let page = panel.get(location, None).await;
    assert!(
        page.body.contains("The device clock is not set"),
        "{}",
        page.body
    );
    panel.set_clock(crate::support::T0);
    panel.login().await;
}

/// No response that carries the session cookie, nor a page computed from it, may be stored by
/// a shared cache: the login and logout redirects are `private`, the pages keep the panel's own
/// stricter `no-store`, and all of them vary on the cookie.
#[tokio::test]
async fn responses_with_the_cookie_or_from_the_session_stay_out_of_shared_caches() {
    let panel = Panel::start().await;
    let login = panel.post("/login", None, LOGIN).await;
    assert_eq!(login.status, 303);
    assert_eq!(
        login.set_cookies().len(),
        2,
        "the session and the device cookie"
    );
    assert_eq!(login.header("cache-control"), Some("private"));
    assert_eq!(login.header("vary"), Some("Cookie"));
    let cookie = login.cookie_pair(panel.cookie_name);

    let status = panel.get("/status", Some(&cookie)).await;
    assert_eq!(status.header("cache-control"), Some("no-store"));
    assert_eq!(status.header("vary"), Some("Cookie"));
    let home = panel.get("/", Some(&cookie)).await;
    assert_eq!(home.header("location"), Some("/status"));
    assert_eq!(home.header("vary"), Some("Cookie"));

    panel.advance(Duration::minutes(40));
    let renewed = panel.get("/status", Some(&cookie)).await;
    assert!(renewed.set_cookie(panel.cookie_name).is_some(), "renewed");
    assert_eq!(renewed.header("cache-control"), Some("no-store"));
    assert_eq!(renewed.header("vary"), Some("Cookie"));

    let logout = panel.submit("/logout", Some(&cookie), "").await;
    assert!(logout.set_cookie(panel.cookie_name).is_some(), "removed");
    assert_eq!(logout.header("cache-control"), Some("private"));
    assert_eq!(logout.header("vary"), Some("Cookie"));

    panel.advance(Duration::hours(2));
    let ended = panel.get("/status", Some(&cookie)).await;
    assert_eq!(ended.status, 401);
    assert!(ended.set_cookie(panel.cookie_name).is_some(), "removed");
    assert_eq!(ended.header("cache-control"), Some("no-store"));
    assert_eq!(ended.header("vary"), Some("Cookie"));
    // A response line each: one `Cache-Control`, one `Vary`.
    for response in [&login, &status, &renewed, &logout, &ended] {
        for name in ["cache-control", "vary"] {
            let lines = response
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name));
            assert_eq!(lines.count(), 1, "{name}: {:?}", response.headers);
        }
    }
}
