//! The cookie layer on its own: configuration rules, reading the `Cookie:` header whatever the
//! client sends, and the session lifecycle (renewal, idle and absolute expiry, revocation).
#![cfg(feature = "cookie")]

mod common;

use std::sync::Arc;

use common::ManualClock;
use proptest::prelude::*;
use sigcookie::header::SameSite;
use sigcookie::store::{CutoffStore, FileStore, MemoryStore, StoreError};
use sigcookie::web::{Duration, OffsetDateTime, SessionCookie};
use sigcookie::{Clock, ConfigError, Cutoffs, Error, Key};

/// Unix seconds the tests start at.
const T0: u64 = 1_764_000_000;

fn key() -> Key {
    Key::from_bytes(&[9; 32]).expect("a 32-byte key")
}

/// A session cookie `name` with the default settings.
fn session(name: &str) -> SessionCookie {
    SessionCookie::builder(&key(), name)
        .build()
        .expect("a valid configuration")
}

/// A session cookie `s` (idle after an hour, over after 12) on `clock`, with `leeway`.
fn on_clock(clock: &ManualClock, leeway: Duration) -> SessionCookie {
    SessionCookie::builder(&key(), "s")
        .leeway(leeway)
        .clock(clock.clone())
        .build()
        .expect("valid")
}

fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).expect("a valid time")
}

#[test]
fn prefixes_and_attributes_are_checked() {
    let key = key();
    let build = |name: &'static str| SessionCookie::builder(&key, name);
    assert_eq!(
        build("__host-s").domain("a.example").build().err(),
        Some(ConfigError::HostPrefixDomain)
    );
    assert_eq!(
        build("__Secure-s").insecure_plain_http().build().err(),
        Some(ConfigError::RequiresSecure)
    );
    assert_eq!(
        build("s")
            .same_site(SameSite::None)
            .insecure_plain_http()
            .build()
            .err(),
        Some(ConfigError::RequiresSecure)
    );
    assert!(
        build("__Secure-s")
            .domain("a.example")
            .path("/app")
            .build()
            .is_ok()
    );
    assert_eq!(
        build("").build().err(),
        Some(ConfigError::InvalidName { position: 0 })
    );
    assert_eq!(
        build("a;b").build().err(),
        Some(ConfigError::InvalidName { position: 1 })
    );
    assert_eq!(
        build("séance").build().err(),
        Some(ConfigError::InvalidName { position: 1 })
    );
    assert_eq!(
        build("s").path("/a;b").build().err(),
        Some(ConfigError::InvalidPath)
    );
    assert_eq!(
        build("s").domain("a.example; x").build().err(),
        Some(ConfigError::InvalidDomain)
    );
    assert_eq!(
        build("s").max_age(Duration::seconds(-5)).build().err(),
        Some(ConfigError::InvalidDuration)
    );
    assert_eq!(
        build("s")
            .max_age(Duration::hours(1))
            .leeway(Duration::seconds(-1))
            .build()
            .err(),
        Some(ConfigError::InvalidDuration)
    );
    assert_eq!(
        build("s").tag_len(8).build().err(),
        Some(ConfigError::TagLength { len: 8 })
    );
}

#[test]
fn set_cookie_header_text() {
    let session = SessionCookie::builder(&key(), "__Host-s")
        .max_age(Duration::hours(2))
        .clock(|| T0)
        .build()
        .expect("valid");
    let cookie = session.issue("42").expect("issued");
    let text = cookie.to_string();
    for attribute in [
        "HttpOnly",
        "SameSite=Lax",
        "Secure",
        "Path=/",
        "Max-Age=7200",
    ] {
        assert!(text.contains(attribute), "{text} lacks {attribute}");
    }
    assert!(!text.contains("Domain"), "{text}");
    let removal = session.removal().to_string();
    for attribute in [
        "__Host-s=;",
        "Secure",
        "Path=/",
        "Max-Age=0",
        "Expires=Thu, 01 Jan 1970",
    ] {
        assert!(removal.contains(attribute), "{removal} lacks {attribute}");
    }
}

#[test]
fn the_cut_off_never_moves_back() {
    let clock = ManualClock::new(T0);
    let session = on_clock(&clock, Duration::minutes(1));
    session.store().revoke_all(1_800_000_000).expect("revoke");
    session.log_out_everywhere().expect("revoke");
    // Not back to the clock's second: one past the cut-off in force.
    assert_eq!(session.store().global(), Some(1_800_000_001));
}

#[test]
fn log_out_everywhere_ends_a_login_stamped_with_a_users_cut_off_of_the_same_second() {
    // A password change, a login and "log out everywhere", all within one second: the login
    // carries the user's cut-off (the next second) as its login time, and the global cut-off
    // must pass it, not stop at the next second as well.
    let clock = ManualClock::new(T0);
    let session = on_clock(&clock, Duration::minutes(1));
    let before = session.issue("7").expect("issued");
    session.log_out_user("7").expect("password changed");
    let stamped = session.issue("7").expect("a login after the change");
    let other = session.issue("8").expect("another user's login");
    session.log_out_everywhere().expect("logged out everywhere");
    for cookie in [&before, &stamped, &other] {
        assert!(
            session.verify(cookie.value()).is_err(),
            "{} survived log out everywhere",
            cookie.value()
        );
    }
    let after = session
        .issue("7")
        .expect("a login after log out everywhere");
    assert!(session.verify(after.value()).is_ok());
}

#[test]
fn revocations_after_a_clock_step_back_within_the_leeway_end_earlier_logins() {
    // NTP steps the clock back 30 s: values issued just before are still accepted (within the
    // leeway), so revocations must be dated no earlier than what this cookie already issued.
    let clock = ManualClock::new(T0);
    let session = on_clock(&clock, Duration::minutes(1));
    let everyone = session.issue("7").expect("issued at T0");
    clock.set(T0 - 30);
    session.log_out_everywhere().expect("logged out everywhere");
    let user = {
        clock.set(T0);
        let user = session.issue("8").expect("issued at T0");
        clock.set(T0 - 10);
        session.log_out_user("8").expect("password changed");
        user
    };
    for now in [T0 - 10, T0, T0 + 600] {
        clock.set(now);
        assert!(
            session.verify(everyone.value()).is_err(),
            "everyone at {now}"
        );
        assert!(session.verify(user.value()).is_err(), "user at {now}");
    }
    // Logins after the revocations still work, stamped ahead within the leeway.
    clock.set(T0 - 10);
    let fresh = session.issue("8").expect("a login after the change");
    assert!(session.verify(fresh.value()).is_ok());
}

#[test]
fn renewal_fraction_is_clamped() {
    let clock = ManualClock::new(T0);
    let session = on_clock(&clock, Duration::minutes(1));
    let cookie = session.issue("7").expect("issued");
    let verified = session.verify(cookie.value()).expect("valid");
    let renew = |fraction: f64, after: u64| {
        clock.set(T0 + after);
        verified.renewal(fraction).expect("renewed").is_some()
    };
    assert!(renew(f64::NAN, 0) && renew(-3.0, 0) && renew(0.0, 0));
    assert!(!renew(f64::INFINITY, 3599) && renew(f64::INFINITY, 3600));
    assert!(!renew(0.25, 899) && renew(0.25, 900));
}

#[test]
fn a_value_from_before_1970_or_after_9999_is_refused_not_a_panic() {
    /// A system clock set before 1970.
    struct BeforeEpoch;
    impl Clock for BeforeEpoch {
        fn now(&self) -> Result<u64, Error> {
            Err(Error::ClockBeforeEpoch)
        }
    }
    let broken = SessionCookie::builder(&key(), "s")
        .clock(BeforeEpoch)
        .build()
        .expect("valid");
    assert_eq!(broken.issue("7").err(), Some(Error::ClockBeforeEpoch));
    let clock = ManualClock::new(253_402_300_799);
    let session = on_clock(&clock, Duration::minutes(1));
    let far = session.issue("7").expect("issued");
    assert_eq!(
        broken.verify(far.value()).err(),
        Some(Error::ClockBeforeEpoch)
    );
    assert!(matches!(
        broken.log_out_everywhere(),
        Err(StoreError::Clock(Error::ClockBeforeEpoch))
    ));
    clock.set(0);
    assert!(session.verify(far.value()).is_err());
    clock.set(253_402_300_799);
    let verified = session.verify(far.value()).expect("valid");
    assert_eq!(verified.issued_at(), at(253_402_300_799));
    // Past year 9999, where the `time` crate stops: answers, and the latest time it has.
    clock.set(u64::MAX / 2);
    let beyond = session.issue("7").expect("issued");
    let verified = session.verify(beyond.value()).expect("valid");
    assert_eq!(verified.expires_at(), at(253_402_300_799));
    assert!(session.log_out_everywhere().is_ok());
}

proptest! {
    #[test]
    fn any_header_bytes_give_an_answer_not_a_panic(headers in proptest::collection::vec(any::<Vec<u8>>(), 0..4)) {
        let session = session("s");
        let _ = session.verify_headers(headers.iter().map(Vec::as_slice));
    }

    #[test]
    fn the_cookie_is_found_among_any_others(
        before in "[a-rt-z]{1,8}=[ -:<-~]{0,12}",
        after in "[a-rt-z]{1,8}=[ -:<-~]{0,12}",
        gap in "[ \t]{0,3}",
    ) {
        let session = session("s");
        let value = session.issue("7").expect("issued").value().to_owned();
        let header = format!("{before};{gap}s={value}{gap};{after}");
        prop_assert_eq!(
            session.verify_headers([header.as_str()]).map(|v| v.id().to_owned()),
            Ok("7".to_owned())
        );
    }

    /// Whatever the renewal schedule, no renewed value verifies past the login plus the
    /// lifetime, and each one keeps the login time.
    #[test]
    fn renewals_never_outlive_the_lifetime(steps in proptest::collection::vec(1u64..3_600, 1..40)) {
        let clock = ManualClock::new(T0);
        let session = on_clock(&clock, Duration::minutes(1));
        let mut cookie = session.issue("7").expect("issued");
        for step in steps {
            clock.advance(step);
            let Ok(verified) = session.verify(cookie.value()) else { break };
            prop_assert_eq!(verified.logged_in_at(), at(T0 as i64));
            match verified.renewal(0.0) {
                Ok(Some(renewed)) => cookie = renewed,
                Ok(None) => unreachable!("a fraction of 0 always renews"),
                Err(reason) => {
                    prop_assert_eq!(reason, Error::LifetimeExceeded {
                        logged_in_at: T0,
                        lifetime: 12 * 3600,
                    });
                    break;
                }
            }
        }
        let end = T0 + 12 * 3600;
        clock.set(end + 1);
        prop_assert!(session.verify(cookie.value()).is_err());
    }
}

#[test]
fn a_login_in_the_second_of_a_log_out_everywhere_verifies() {
    let clock = ManualClock::new(T0);
    let session = on_clock(&clock, Duration::minutes(1));
    let before = session.issue("7").expect("issued");
    let cutoff = session.log_out_everywhere().expect("revoked");
    let after = session.issue("7").expect("issued");
    assert!(session.verify(before.value()).is_err(), "revoked");
    let verified = session
        .verify(after.value())
        .expect("issued after the cut-off");
    assert_eq!(verified.logged_in_at(), cutoff);
}

/// A login stamped with a first "log out everywhere" does not survive a second one made in the
/// same second (nor a "log out this user").
#[test]
fn a_second_revocation_in_the_same_second_ends_the_stamped_login() {
    let clock = ManualClock::new(T0);
    let session = on_clock(&clock, Duration::minutes(1));
    session.log_out_everywhere().expect("revoked");
    let stamped = session.issue("7").expect("stamped with the cut-off");
    assert!(session.verify(stamped.value()).is_ok());
    session.log_out_everywhere().expect("revoked again");
    assert!(session.verify(stamped.value()).is_err());
    let again = session.issue("7").expect("stamped with the new cut-off");
    session.log_out_user("7").expect("revoked");
    assert!(session.verify(again.value()).is_err());
    clock.advance(30);
    assert!(session.verify(again.value()).is_err());
    assert!(
        session
            .verify(session.issue("7").expect("issued").value())
            .is_ok()
    );
}

#[test]
fn a_cut_off_further_ahead_than_the_leeway_refuses_the_login() {
    let clock = ManualClock::new(T0);
    let session = on_clock(&clock, Duration::seconds(5));
    session.store().revoke_all(T0 + 6).expect("revoke");
    // Stamping the cut-off would make a value from the future, refused as such: the login is
    // refused instead, until the clock reaches the cut-off.
    assert_eq!(
        session.issue("7").err(),
        Some(Error::LoggedInBeforeNotBefore {
            logged_in_at: T0,
            not_before: T0 + 6
        })
    );
    clock.advance(1);
    let cookie = session.issue("7").expect("within the leeway now");
    assert!(session.verify(cookie.value()).is_ok());
}

/// The renewal that outlived "log out everywhere": verified at T.4 (a 40-minute-old value), the
/// owner logs out everywhere at T.5, the same handler renews at T.6 and 5 s after the cut-off.
#[test]
fn a_renewal_from_before_a_log_out_everywhere_is_refused() {
    let clock = ManualClock::new(T0);
    let session = on_clock(&clock, Duration::minutes(1));
    let cookie = session.issue("7").expect("issued");
    clock.advance(40 * 60);
    let verified = session.verify(cookie.value()).expect("valid at T.4");
    clock.advance(1);
    let cutoff = session.log_out_everywhere().expect("T.5");
    clock.advance(1);
    let revoked = Some(Error::LoggedInBeforeNotBefore {
        logged_in_at: T0,
        not_before: cutoff.unix_timestamp() as u64,
    });
    assert_eq!(verified.renewal(0.5).err(), revoked);
    let cutoff = cutoff.unix_timestamp() as u64;
    clock.set(cutoff + 5);
    assert_eq!(verified.renewal(0.5).err(), revoked);
    // A value stamped with the cut-off second (what the old renewal produced) is refused too.
    let stamped = common::Case::of(&[9; 32], Some("s"), sigcookie::TAG_LEN_DEFAULT)
        .session_value("7", T0, cutoff);
    clock.set(cutoff + 100);
    assert_eq!(session.verify(&stamped).err(), revoked);
}

#[test]
fn sliding_renewal_stops_at_the_lifetime_and_max_age_shrinks_toward_it() {
    let clock = ManualClock::new(T0);
    let session = SessionCookie::builder(&key(), "s")
        .max_age(Duration::hours(1))
        .lifetime(Duration::hours(2))
        .clock(clock.clone())
        .build()
        .expect("valid");
    let cookie = session.issue("7").expect("issued");
    assert_eq!(cookie.max_age(), Some(Duration::hours(1)));
    let renewed = {
        clock.set(T0 + 60 * 60);
        let stale = session.issue("7").expect("issued");
        clock.set(T0 + 90 * 60);
        let verified = session.verify(stale.value()).expect("valid");
        verified.renewal(0.5).expect("renewed")
    };
    // A login at T0 + 1 h renewed at T0 + 1.5 h: an hour of idle time left, two of lifetime.
    assert_eq!(renewed.expect("due").max_age(), Some(Duration::hours(1)));
    let verified = session.verify(cookie.value());
    assert!(verified.is_err(), "idle for 90 minutes");
    // Near the end of the lifetime the cookie's Max-Age is what is left of it.
    clock.set(T0);
    let late = session.issue("7").expect("issued");
    clock.set(T0 + 60 * 60);
    let verified = session.verify(late.value()).expect("valid");
    clock.set(T0 + 100 * 60);
    let renewal = verified.renewal(0.5);
    assert!(renewal.is_err(), "idle again: {renewal:?}");
    clock.set(T0 + 60 * 60);
    let renewed = verified.renewal(0.5).expect("renewed").expect("due");
    assert_eq!(renewed.max_age(), Some(Duration::hours(1)));
    clock.set(T0 + 110 * 60);
    let verified = session.verify(renewed.value()).expect("valid");
    let last = verified.renewal(0.5).expect("renewed").expect("due");
    assert_eq!(last.max_age(), Some(Duration::minutes(10)));
    assert_eq!(
        session.verify(last.value()).expect("valid").expires_at(),
        at(T0 as i64 + 2 * 3600)
    );
    clock.set(T0 + 2 * 3600 + 1);
    assert_eq!(
        session.verify(last.value()).err(),
        Some(Error::LifetimeExceeded {
            logged_in_at: T0,
            lifetime: 2 * 3600
        })
    );
}

#[test]
fn one_cookie_does_not_renew_another_cookies_session() {
    let clock = ManualClock::new(T0);
    let cookie = |name: &str| {
        SessionCookie::builder(&key(), name)
            .clock(clock.clone())
            .build()
            .expect("valid")
    };
    let (user, admin) = (cookie("user"), cookie("__Host-admin"));
    let value = user.issue("42").expect("issued");
    let verified = user.verify(value.value()).expect("valid");
    assert_eq!(admin.verify(value.value()).err(), Some(Error::BadSignature));
    // A session renews through the cookie that verified it, into that cookie only.
    let renewed = verified.renewal(0.0).expect("renewed").expect("due");
    assert_eq!(renewed.name(), "user");
    assert!(user.verify(renewed.value()).is_ok());
    assert_eq!(
        admin.verify(renewed.value()).err(),
        Some(Error::BadSignature)
    );
    // Underneath, the other cookie's signer refuses to renew what this one verified.
    let core = user
        .signer()
        .verify_at(value.value(), T0, &Cutoffs::NONE)
        .expect("valid");
    assert_eq!(
        admin.signer().renew_at(&core, T0, &Cutoffs::NONE).err(),
        Some(Error::BadSignature)
    );
}

#[test]
fn log_out_user_ends_that_users_sessions_only() {
    let clock = ManualClock::new(T0);
    let session = on_clock(&clock, Duration::minutes(1));
    let (mine, theirs) = (
        session.issue("7").expect("issued"),
        session.issue("8").expect("issued"),
    );
    clock.advance(10);
    let cutoff = session.log_out_user("7").expect("revoked");
    assert_eq!(
        session.verify(mine.value()).err(),
        Some(Error::LoggedInBeforeNotBefore {
            logged_in_at: T0,
            not_before: cutoff.unix_timestamp() as u64
        })
    );
    assert!(session.verify(theirs.value()).is_ok());
    // The password-change flow: the current browser gets a new login at once.
    let fresh = session.issue("7").expect("stamped with the cut-off");
    assert!(session.verify(fresh.value()).is_ok());
    assert!(matches!(
        session.log_out_user("a b"),
        Err(StoreError::InvalidId(_))
    ));
}

#[test]
fn cut_offs_in_a_file_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("sigcookie-web-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("cutoffs.json");
    let _ = std::fs::remove_file(&path);
    let clock = ManualClock::new(T0);
    let build = || {
        let store = FileStore::open(&path).expect("open");
        SessionCookie::builder(&key(), "s")
            .clock(clock.clone())
            .store(Arc::new(store))
            .build()
            .expect("valid")
    };
    let (everyone, user);
    {
        let session = build();
        everyone = session.issue("7").expect("issued");
        clock.set(T0 + 3);
        session.log_out_everywhere().expect("revoked");
        assert!(session.verify(everyone.value()).is_err());
        clock.set(T0 + 5);
        user = session.issue("8").expect("issued");
        session.log_out_user("8").expect("revoked");
    }
    clock.set(T0 + 30);
    let restarted = build();
    assert_eq!(
        restarted.verify(everyone.value()).err(),
        Some(Error::LoggedInBeforeNotBefore {
            logged_in_at: T0,
            not_before: T0 + 4
        })
    );
    assert_eq!(
        restarted.verify(user.value()).err(),
        Some(Error::LoggedInBeforeNotBefore {
            logged_in_at: T0 + 5,
            not_before: T0 + 6
        })
    );
    assert!(
        restarted
            .verify(restarted.issue("8").expect("issued").value())
            .is_ok()
    );
    drop(restarted);
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn the_builder_refuses_settings_that_would_be_ignored_or_self_defeating() {
    let key = key();
    let build = || SessionCookie::builder(&key, "s");
    // A login just after a revocation carries the next second: no leeway would refuse it.
    for leeway in [
        Duration::milliseconds(-500),
        Duration::ZERO,
        Duration::milliseconds(999),
    ] {
        assert_eq!(
            build().leeway(leeway).build().err(),
            Some(ConfigError::InvalidDuration),
            "{leeway}"
        );
    }
    let clock = ManualClock::new(T0);
    let strict = on_clock(&clock, Duration::SECOND);
    strict.log_out_user("7").expect("password changed");
    let fresh = strict.issue("7").expect("a login right after it");
    assert!(strict.verify(fresh.value()).is_ok());
    assert_eq!(
        build()
            .max_age(Duration::hours(2))
            .lifetime(Duration::hours(1))
            .build()
            .err(),
        Some(ConfigError::LifetimeShorterThanMaxAge)
    );
    assert_eq!(
        build().lifetime(Duration::milliseconds(999)).build().err(),
        Some(ConfigError::InvalidDuration)
    );
    for cookie_max_age in [
        Duration::ZERO,
        Duration::milliseconds(999),
        Duration::seconds(-1),
    ] {
        assert_eq!(
            build().cookie_max_age(Some(cookie_max_age)).build().err(),
            Some(ConfigError::InvalidDuration),
            "{cookie_max_age}"
        );
    }
    assert!(
        build()
            .cookie_max_age(Some(Duration::SECOND))
            .build()
            .is_ok()
    );
    // A maximum age past the default lifetime makes the lifetime follow it.
    let long = build().max_age(Duration::days(30)).build().expect("valid");
    assert_eq!(long.lifetime(), Duration::days(30));
}

#[test]
fn an_oversized_cookie_is_too_long_whatever_its_bytes() {
    let session = session("s");
    let max = session.signer().max_value_len();
    let mut header = b"s=".to_vec();
    header.extend(std::iter::repeat_n(0xff, max + 1));
    assert_eq!(
        session.verify_headers([header.as_slice()]).err(),
        Some(Error::TooLong { len: max + 1, max })
    );
    // Within the limit, the bytes are still checked.
    let short = b"s=7.\xff";
    assert_eq!(
        session.verify_headers([short.as_slice()]).err(),
        Some(Error::NonAscii { position: 2 })
    );
}

#[test]
fn one_store_serves_several_cookies() {
    let store: Arc<dyn CutoffStore> = Arc::new(MemoryStore::new());
    let clock = ManualClock::new(T0);
    let cookie = |name: &str| {
        SessionCookie::builder(&key(), name)
            .store(Arc::clone(&store))
            .clock(clock.clone())
            .build()
            .expect("valid")
    };
    let (a, b) = (cookie("a"), cookie("b"));
    let value = b.issue("7").expect("issued");
    clock.advance(1);
    a.log_out_everywhere().expect("revoked");
    assert!(b.verify(value.value()).is_err());
}

#[test]
fn a_session_on_a_previous_key_is_renewed_with_the_current_key_at_once() {
    let clock = ManualClock::new(1_764_000_000);
    let (old, new) = (
        Key::from_bytes(&[1; 32]).expect("key"),
        Key::from_bytes(&[2; 32]).expect("key"),
    );
    let build = |key: &Key| {
        SessionCookie::builder(key, "__Host-s")
            .clock(clock.clone())
            .build()
            .expect("valid")
    };
    let before = build(&old);
    let after = build(&new.with_previous(&old).expect("rotation"));
    let value = before.issue("42").expect("login");
    clock.advance(10);
    let session = after
        .verify(value.value())
        .expect("the old key still verifies");
    assert_eq!(session.key_index(), 1);
    // Fresh, but on the old key: renewed now, with the login time kept.
    let renewed = session.renewal(1.0).expect("renewable").expect("due");
    let moved = after.verify(renewed.value()).expect("valid");
    assert_eq!(moved.key_index(), 0);
    assert_eq!(moved.logged_in_at(), session.logged_in_at());
    assert!(
        before.verify(renewed.value()).is_err(),
        "signed with the new key"
    );
    // On the current key, a fresh session is not renewed.
    assert!(moved.renewal(1.0).expect("renewable").is_none());
}

#[test]
fn a_clock_that_is_not_set_yet_signs_nothing_and_verifies_as_before() {
    let clock = ManualClock::new(T0);
    let session = on_clock(&clock, Duration::minutes(1));
    let value = session.issue("7").expect("issued with a set clock");
    let verified = session.verify(value.value()).expect("valid");
    // The device reboots without a real-time clock: 1970 until NTP answers.
    clock.set(45);
    let earliest = sigcookie::SessionSigner::DEFAULT_EARLIEST_TIME;
    let not_set = Error::ClockNotSet { now: 45, earliest };
    assert_eq!(session.issue("7").err(), Some(not_set));
    assert_eq!(verified.renewal(0.0).err(), Some(not_set));
    assert!(not_set.to_string().contains("the clock is not set"));
    // Verifying is unchanged: the value is simply from the future for this clock.
    assert!(matches!(
        session.verify(value.value()),
        Err(Error::IssuedInFuture { .. })
    ));
    // Nor is a revocation dated by it: a cut-off in 1970 would end nothing once it is set.
    assert!(matches!(
        session.log_out_everywhere(),
        Err(StoreError::Clock(Error::ClockNotSet { now: 45, .. }))
    ));
    assert!(matches!(
        session.log_out_user("7"),
        Err(StoreError::Clock(Error::ClockNotSet { .. }))
    ));
    // Once the clock is set, logins work again.
    clock.set(T0 + 60);
    assert!(session.issue("7").is_ok());
    assert!(session.verify(value.value()).is_ok());
}

/// The caching headers a response with the session's `Set-Cookie` ends up with, through each
/// integration, given the application's `Cache-Control` and `Vary`: `[Cache-Control, Vary]`.
#[cfg(all(feature = "axum", feature = "actix"))]
mod caching {
    use axum::response::IntoResponse;
    use sigcookie::web::SetCookie;
    use tower::{Layer, ServiceExt};

    type Headers<'a> = (Option<&'a str>, Option<&'a str>);

    /// The field lines of one header, as one text: `a | b` for two lines.
    fn joined<'a, E: std::fmt::Debug>(values: impl Iterator<Item = Result<&'a str, E>>) -> String {
        let values: Vec<&str> = values.map(|v| v.expect("ASCII")).collect();
        values.join(" | ")
    }

    pub fn axum(set_cookie: SetCookie, (cache_control, vary): Headers<'_>) -> [String; 2] {
        let mut page = axum::http::HeaderMap::new();
        let headers = [("cache-control", cache_control), ("vary", vary)];
        for (name, value) in headers.into_iter().filter_map(|(n, v)| Some((n, v?))) {
            page.insert(name, value.parse().expect("a header value"));
        }
        let response = (page, set_cookie, "page").into_response();
        let header = |name| joined(response.headers().get_all(name).iter().map(|v| v.to_str()));
        [header("cache-control"), header("vary")]
    }

    pub fn actix(set_cookie: &SetCookie, (cache_control, vary): Headers<'_>) -> [String; 2] {
        let mut builder = actix_web::HttpResponse::Ok();
        let headers = [("cache-control", cache_control), ("vary", vary)];
        for (name, value) in headers.into_iter().filter_map(|(n, v)| Some((n, v?))) {
            builder.insert_header((name, value));
        }
        let mut response = builder.finish();
        set_cookie.add_to(&mut response);
        let header = |name| joined(response.headers().get_all(name).map(|v| v.to_str()));
        [header("cache-control"), header("vary")]
    }

    /// Through actix-web's middleware (`App::wrap` with the `SessionCookie`), the cookie added
    /// by the handler as a bare header, after the application's own caching headers.
    pub fn actix_middleware(
        cookie: &sigcookie::web::SessionCookie,
        set_cookie: &SetCookie,
        (cache_control, vary): Headers<'_>,
    ) -> [String; 2] {
        use actix_web::{App, HttpResponse, test, web};
        let value = set_cookie.to_string();
        let (cache_control, vary) = (cache_control.map(str::to_owned), vary.map(str::to_owned));
        let handler = move || {
            let mut response = HttpResponse::Ok();
            for (name, value) in [("cache-control", &cache_control), ("vary", &vary)] {
                if let Some(value) = value {
                    response.insert_header((name, value.as_str()));
                }
            }
            response.append_header(("set-cookie", value.as_str()));
            let response = response.finish();
            async move { response }
        };
        let cookie = cookie.clone();
        actix_web::rt::System::new().block_on(async move {
            let app =
                test::init_service(App::new().wrap(cookie).route("/", web::get().to(handler)))
                    .await;
            let response = test::call_service(&app, test::TestRequest::get().to_request()).await;
            let header = |name| joined(response.headers().get_all(name).map(|v| v.to_str()));
            [header("cache-control"), header("vary")]
        })
    }

    /// Through the tower layer, the cookie added by the handler as a bare header value, after
    /// the application's own caching headers.
    pub fn tower(
        layer: &sigcookie::tower::SessionLayer,
        set_cookie: &SetCookie,
        (cache_control, vary): Headers<'_>,
    ) -> [String; 2] {
        let value = http::HeaderValue::try_from(set_cookie).expect("a header value");
        let (cache_control, vary) = (cache_control.map(str::to_owned), vary.map(str::to_owned));
        let handler = tower::service_fn(move |_: http::Request<String>| {
            let mut response = http::Response::builder();
            for (name, value) in [("cache-control", &cache_control), ("vary", &vary)] {
                if let Some(value) = value {
                    response = response.header(name, value.as_str());
                }
            }
            let response = response
                .header("set-cookie", value.clone())
                .body(String::new());
            async move { response }
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let request = http::Request::new(String::new());
        let response = runtime
            .block_on(layer.layer(handler).oneshot(request))
            .expect("a response");
        let header = |name| joined(response.headers().get_all(name).iter().map(|v| v.to_str()));
        [header("cache-control"), header("vary")]
    }
}

/// A login, a renewal and a logout carry the same caching headers through axum, actix-web and
/// the tower layer: one rule. Each is kept out of shared caches whatever the application set,
/// its stricter `no-store` and its `Vary: *` stay, and `Cookie` joins its `Vary` once.
#[cfg(all(feature = "axum", feature = "actix"))]
#[test]
fn every_integration_keeps_a_set_cookie_out_of_shared_caches_alike() {
    let clock = ManualClock::new(T0);
    let cookie = SessionCookie::builder(&key(), "__Host-s")
        .clock(clock.clone())
        .build()
        .expect("valid");
    let login = cookie.issue("42").expect("issued");
    let session = cookie.verify(login.value()).expect("valid");
    clock.advance(31 * 60);
    let renewal = session.renewal(0.5).expect("allowed").expect("due");
    let layer = sigcookie::tower::SessionLayer::optional(cookie.clone());
    for (application, expected) in [
        ((None, None), ["private", "Cookie"]),
        ((Some("no-store"), Some("*")), ["no-store", "*"]),
        (
            (Some("public, max-age=60"), Some("Accept-Encoding")),
            ["private, max-age=60", "Accept-Encoding, Cookie"],
        ),
        (
            (Some("s-maxage=600, must-revalidate"), Some("cookie")),
            ["private, must-revalidate", "cookie"],
        ),
        (
            (Some("private, no-cache"), None),
            ["private, no-cache", "Cookie"],
        ),
    ] {
        for set_cookie in [&login, &renewal, &cookie.removal()] {
            let expected = expected.map(str::to_owned);
            let via_axum = caching::axum(set_cookie.clone(), application);
            assert_eq!(via_axum, expected, "axum, {application:?}, {set_cookie:?}");
            let via_actix = caching::actix(set_cookie, application);
            assert_eq!(via_actix, expected, "actix, {application:?}");
            let via_tower = caching::tower(&layer, set_cookie, application);
            assert_eq!(via_tower, expected, "tower, {application:?}");
            let via_middleware = caching::actix_middleware(&cookie, set_cookie, application);
            assert_eq!(
                via_middleware, expected,
                "actix middleware, {application:?}"
            );
        }
    }
}
