//! Users and state: only known users are served, passwords change, and every revocation and
//! password survives a restart of the panel process.

use sigcookie::web::Duration;

use crate::app::COOKIE_NAME;
use crate::support::{
    self, LOGIN, NEW_LOGIN, NEW_PASSWORD, Panel, PanelProcess, TempDir, change_form,
};

#[tokio::test]
async fn a_signed_cookie_for_an_unknown_user_is_logged_out() {
    let panel = Panel::start().await;
    // Validly signed with the panel's secret, for an id the user table does not have: a
    // deleted user's cookie.
    let ghost = panel
        .cookie_named(COOKIE_NAME)
        .issue("2")
        .expect("a cookie for id 2");
    let header = ghost.stripped().to_string();
    for path in ["/status", "/password", "/logout-everywhere"] {
        let response = panel.get(path, Some(&header)).await;
        assert_eq!(response.status, 401, "{path}");
        assert!(response.body.contains("Session ended"), "{path}");
        assert!(!response.body.contains("unknown user"));
    }
    assert_eq!(
        panel
            .post("/logout-everywhere", Some(&header), "")
            .await
            .status,
        401
    );
    assert_eq!(
        panel.get("/", Some(&header)).await.header("location"),
        Some("/login")
    );
    assert_eq!(panel.get("/login", Some(&header)).await.status, 200);
    // The known user's cookie is served.
    let cookie = panel.login().await;
    assert_eq!(panel.get("/status", Some(&cookie)).await.status, 200);
}

#[tokio::test]
async fn the_status_page_shows_the_login_and_when_the_session_ends() {
    let panel = Panel::start().await;
    let cookie = panel.login().await;
    panel.advance(Duration::minutes(10));
    let page = panel.get("/status", Some(&cookie)).await;
    assert_eq!(page.status, 200);
    // T0 is 2025-11-24 16:00:00 UTC.
    let body = &page.body;
    assert!(
        body.contains(r#"<td id="logged-in">16:00 UTC <small>(10 minutes ago)</small>"#),
        "{body}"
    );
    assert!(
        body.contains("17:00 UTC if idle <small>(in 50 minutes)</small>"),
        "{body}"
    );
    assert!(
        body.contains("2025-11-25 04:00 UTC at the latest"),
        "{body}"
    );
    assert!(body.contains("This account still has the demo password"));
    assert!(body.contains(r#"class="message warning""#));

    // Past half the idle timeout the page renews the cookie and says so.
    panel.advance(Duration::minutes(30));
    let page = panel.get("/status", Some(&cookie)).await;
    assert!(page.set_cookie(panel.cookie_name).is_some());
    assert!(
        page.body
            .contains("17:40 UTC if idle <small>(in 1 hour)</small>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("(40 minutes ago)"));
}

#[tokio::test]
async fn changing_the_password_ends_every_other_session() {
    let panel = Panel::start().await;
    let here = panel.login().await;
    let elsewhere = panel.login().await;
    let change = |form: String| {
        let here = here.clone();
        let addr = panel.addr;
        async move { support::submit(addr, "/password", Some(&here), &form).await }
    };
    for (form, error) in [
        (change_form("wrong", NEW_PASSWORD, NEW_PASSWORD), "wrong"),
        (
            change_form("panel-demo-2024", NEW_PASSWORD, "correct horse"),
            "mismatch",
        ),
        (change_form("panel-demo-2024", "short", "short"), "length"),
    ] {
        let response = change(form).await;
        let location = format!("/password?error={error}");
        assert_eq!(response.header("location"), Some(location.as_str()));
        let page = panel.get(&location, Some(&here)).await;
        assert!(page.body.contains(r#"class="message error""#), "{error}");
    }
    // Nothing changed yet.
    assert_eq!(panel.get("/status", Some(&elsewhere)).await.status, 200);

    let fresh = support::change_password(panel.addr, panel.cookie_name, &here).await;
    // Every session that began before the change ends, this browser's old value too...
    assert_eq!(panel.get("/status", Some(&elsewhere)).await.status, 401);
    assert_eq!(panel.get("/status", Some(&here)).await.status, 401);
    // ...and this browser goes on with its new one.
    let page = panel
        .get("/status?notice=password-changed", Some(&fresh))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Password changed."));
    assert!(!page.body.contains("demo password"));
    assert_eq!(
        panel.post("/login", None, LOGIN).await.login_error(),
        Some("wrong")
    );
    let again = support::login(panel.addr, panel.cookie_name, NEW_LOGIN).await;
    assert_eq!(panel.get("/status", Some(&again)).await.status, 200);
}

#[tokio::test]
async fn log_out_everywhere_right_after_a_password_change_ends_the_new_login_too() {
    // The browser test's sequence within one second of the panel's clock: the new login after
    // the change carries the user's cut-off, and "log out all sessions" must still end it.
    let panel = Panel::start().await;
    let here = panel.login().await;
    let fresh = support::change_password(panel.addr, panel.cookie_name, &here).await;
    let elsewhere = support::login(panel.addr, panel.cookie_name, NEW_LOGIN).await;
    let response = panel
        .submit("/logout-everywhere", Some(&elsewhere), "")
        .await;
    assert_eq!(
        response.header("location"),
        Some("/login?notice=logged-out-all")
    );
    for cookie in [&fresh, &elsewhere] {
        assert_eq!(panel.get("/status", Some(cookie)).await.status, 401);
    }
    let again = support::login(panel.addr, panel.cookie_name, NEW_LOGIN).await;
    assert_eq!(panel.get("/status", Some(&again)).await.status, 200);
}

#[tokio::test]
async fn a_restart_keeps_every_revocation_and_password() {
    let state = TempDir::new("restart");
    let panel = PanelProcess::start(&state.0, &[], None);
    let first = support::login(panel.addr, COOKIE_NAME, LOGIN).await;
    let second = support::login(panel.addr, COOKIE_NAME, LOGIN).await;
    let response = support::submit(panel.addr, "/logout-everywhere", Some(&first), "").await;
    assert_eq!(response.status, 303);
    assert_eq!(
        support::get(panel.addr, "/status", Some(&second))
            .await
            .status,
        401
    );
    panel.kill();

    let panel = PanelProcess::start(&state.0, &[], None);
    for cookie in [&first, &second] {
        assert_eq!(
            support::get(panel.addr, "/status", Some(cookie))
                .await
                .status,
            401,
            "revoked before the restart"
        );
    }
    // Logins in the same second as the cut-off above are stamped with it; the password
    // change's cut-off, made in that same second, still ends them.
    let before_change = support::login(panel.addr, COOKIE_NAME, LOGIN).await;
    let here = support::login(panel.addr, COOKIE_NAME, LOGIN).await;
    let fresh = support::change_password(panel.addr, COOKIE_NAME, &here).await;
    panel.kill();

    let panel = PanelProcess::start(&state.0, &[], None);
    let status = |cookie: String| {
        let addr = panel.addr;
        async move { support::get(addr, "/status", Some(&cookie)).await.status }
    };
    assert_eq!(
        status(before_change).await,
        401,
        "the password change holds"
    );
    assert_eq!(
        status(fresh).await,
        200,
        "the browser that changed it stays in"
    );
    let old = support::post(panel.addr, "/login", None, LOGIN).await;
    assert_eq!(old.login_error(), Some("wrong"));
    support::login(panel.addr, COOKIE_NAME, NEW_LOGIN).await;
    let users = std::fs::read_to_string(state.0.join("users.json")).expect("the users file");
    assert!(users.contains("$argon2id$"), "{users}");
    assert!(!users.contains(NEW_PASSWORD));
}

/// The state folder may exist already with a mode that others can read (systemd's
/// `StateDirectory=` is 0755): the files holding password hashes, the secret and the cut-offs
/// are for the panel alone all the same.
#[cfg(unix)]
#[tokio::test]
async fn state_files_are_private_even_in_an_open_folder() {
    use std::os::unix::fs::PermissionsExt;
    let state = TempDir::new("modes");
    std::fs::set_permissions(&state.0, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let panel = PanelProcess::start(&state.0, &[], None);
    let cookie = support::login(panel.addr, COOKIE_NAME, LOGIN).await;
    support::change_password(panel.addr, COOKIE_NAME, &cookie).await;
    // (The test processes get their secret from the environment: no `secret` file here.)
    for name in ["users.json", "cutoffs.json"] {
        let mode = std::fs::metadata(state.0.join(name))
            .expect(name)
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{name} has mode {mode:o}");
    }
    panel.kill();
}

#[tokio::test]
async fn without_a_secret_one_is_generated_kept_and_said_so() {
    let state = TempDir::new("secret");
    let unset = [("SIGCOOKIE_SECRET", "")];
    let panel = PanelProcess::start(&state.0, &unset, None);
    let cookie = support::login(panel.addr, COOKIE_NAME, LOGIN).await;
    let log = panel.log_text();
    let kept = state.0.join("secret");
    assert!(
        log.contains(&format!(
            "SIGCOOKIE_SECRET is not set: generated a random secret, kept in {} (sessions \
             survive restarts)",
            kept.display()
        )),
        "{log}"
    );
    // The log goes to a file here, not a terminal: no colour codes in it.
    assert!(!log.contains('\x1b'), "{log:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&kept)
            .expect("the secret file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    panel.kill();

    let panel = PanelProcess::start(&state.0, &unset, None);
    assert_eq!(
        support::get(panel.addr, "/status", Some(&cookie))
            .await
            .status,
        200,
        "the kept secret still verifies the session"
    );
    let log = panel.log_text();
    assert!(
        log.contains(&format!(
            "SIGCOOKIE_SECRET is not set: using the random secret generated earlier, kept in {} \
             (sessions survive restarts)",
            kept.display()
        )),
        "{log}"
    );
}
