//! The cookie layer on its own: configuration rules, and reading the `Cookie:` header whatever
//! the client sends.
#![cfg(feature = "cookie")]

use proptest::prelude::*;
use sigcookie::web::{CookieError, Duration, OffsetDateTime, SameSite, SessionCookie};
use sigcookie::{Error, Key};

fn key() -> Key {
    Key::from_bytes(&[9; 32]).expect("a 32-byte key")
}

/// A session cookie `name` signed with [`key`]; timestamped when `max_age` is given.
fn session(name: &str, max_age: Option<Duration>) -> SessionCookie {
    let key = key();
    let builder = SessionCookie::builder(&key, name);
    match max_age {
        Some(max_age) => builder.max_age(max_age).build(),
        None => builder.build(),
    }
    .expect("a valid configuration")
}

/// A timestamped session cookie `s`, valid for an hour, whose clock stands still at `now`.
fn stopped_at(now: i64, leeway: Duration) -> SessionCookie {
    SessionCookie::builder(&key(), "s")
        .max_age(Duration::hours(1))
        .leeway(leeway)
        .clock(move || at(now))
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
        Some(CookieError::HostPrefixDomain)
    );
    assert_eq!(
        build("__Secure-s").insecure_plain_http().build().err(),
        Some(CookieError::RequiresSecure)
    );
    assert_eq!(
        build("s")
            .same_site(SameSite::None)
            .insecure_plain_http()
            .build()
            .err(),
        Some(CookieError::RequiresSecure)
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
        Some(CookieError::InvalidName { position: 0 })
    );
    assert_eq!(
        build("a;b").build().err(),
        Some(CookieError::InvalidName { position: 1 })
    );
    assert_eq!(
        build("séance").build().err(),
        Some(CookieError::InvalidName { position: 1 })
    );
    assert_eq!(
        build("s").path("/a;b").build().err(),
        Some(CookieError::InvalidPath)
    );
    assert_eq!(
        build("s").domain("a.example; x").build().err(),
        Some(CookieError::InvalidDomain)
    );
    assert_eq!(
        build("s").max_age(Duration::seconds(-5)).build().err(),
        Some(CookieError::InvalidDuration)
    );
    assert_eq!(
        build("s")
            .max_age(Duration::hours(1))
            .leeway(Duration::seconds(-1))
            .build()
            .err(),
        Some(CookieError::InvalidDuration)
    );
    assert_eq!(
        build("s").tag_len(8).build().err(),
        Some(CookieError::Core(Error::TagLength { len: 8 }))
    );
}

#[test]
fn set_cookie_header_text() {
    let session = session("__Host-s", Some(Duration::hours(2)));
    let cookie = session.issue_at("42", at(1_764_000_000)).expect("issued");
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
fn untimed_values_cannot_be_revoked_by_a_cut_off() {
    let session = session("s", None);
    assert_eq!(
        session.log_out_everywhere().err(),
        Some(CookieError::NotTimestamped)
    );
    assert_eq!(
        session.set_not_before(Some(at(5))).err(),
        Some(CookieError::NotTimestamped)
    );
    let cookie = session.issue("7").expect("issued");
    let verified = session.verify(cookie.value()).expect("valid");
    assert_eq!(
        verified.check_not_before(at(5)).err(),
        Some(CookieError::NotTimestamped)
    );
}

#[test]
fn the_cut_off_never_moves_back_by_itself() {
    let session = stopped_at(1_764_000_000, Duration::minutes(1));
    session
        .set_not_before(Some(at(1_800_000_000)))
        .expect("timestamped");
    assert_eq!(session.log_out_everywhere(), Ok(at(1_800_000_000)));
    session.set_not_before(None).expect("timestamped");
    assert_eq!(session.log_out_everywhere(), Ok(at(1_764_000_001)));
}

#[test]
fn renewal_fraction_is_clamped() {
    let session = session("s", Some(Duration::hours(1)));
    let cookie = session.issue_at("7", at(1_000_000)).expect("issued");
    let verified = session
        .verify_at(cookie.value(), at(1_000_000))
        .expect("valid");
    let renew = |fraction: f64, after: i64| {
        session
            .renewal_at(&verified, fraction, at(1_000_000 + after))
            .expect("issued")
            .is_some()
    };
    assert!(renew(f64::NAN, 0) && renew(-3.0, 0) && renew(0.0, 0));
    assert!(!renew(f64::INFINITY, 3599) && renew(f64::INFINITY, 3600));
    assert!(!renew(0.25, 899) && renew(0.25, 900));
}

#[test]
fn a_value_from_before_1970_or_after_9999_is_refused_not_a_panic() {
    let session = session("s", Some(Duration::hours(1)));
    assert_eq!(
        session.issue_at("7", at(-1)).err(),
        Some(CookieError::Core(Error::ClockBeforeEpoch))
    );
    let far = session.issue_at("7", at(253_402_300_799)).expect("issued");
    assert!(session.verify_at(far.value(), at(0)).is_err());
    assert!(session.verify_at(far.value(), at(253_402_300_799)).is_ok());
}

proptest! {
    #[test]
    fn any_header_bytes_give_an_answer_not_a_panic(headers in proptest::collection::vec(any::<Vec<u8>>(), 0..4)) {
        let session = session("s", None);
        let _ = session.verify_headers(headers.iter().map(Vec::as_slice));
    }

    #[test]
    fn the_cookie_is_found_among_any_others(
        before in "[a-rt-z]{1,8}=[ -:<-~]{0,12}",
        after in "[a-rt-z]{1,8}=[ -:<-~]{0,12}",
        gap in "[ \t]{0,3}",
    ) {
        let session = session("s", None);
        let value = session.issue("7").expect("issued").value().to_owned();
        let header = format!("{before};{gap}s={value}{gap};{after}");
        prop_assert_eq!(session.verify_header(&header).map(|v| v.id()), Ok("7"));
    }
}

#[test]
fn a_login_in_the_second_of_a_log_out_everywhere_verifies() {
    let session = stopped_at(1_764_000_000, Duration::minutes(1));
    let before = session.issue("7").expect("issued");
    session.log_out_everywhere().expect("timestamped");
    let after = session.issue("7").expect("issued");
    assert!(session.verify(before.value()).is_err(), "revoked");
    let verified = session
        .verify(after.value())
        .expect("issued after the cut-off");
    assert_eq!(verified.issued_at(), session.not_before());
}

#[test]
fn a_cut_off_further_ahead_than_the_leeway_is_not_stamped() {
    let session = stopped_at(1_764_000_000, Duration::seconds(5));
    session
        .set_not_before(Some(at(1_764_000_006)))
        .expect("timestamped");
    // Stamping the cut-off would make a value from the future, refused as such: the login is
    // revoked instead, until the clock reaches the cut-off.
    let cookie = session.issue("7").expect("issued");
    assert!(
        cookie.value().starts_with("7.1764000000."),
        "{}",
        cookie.value()
    );
    session
        .set_not_before(Some(at(1_764_000_005)))
        .expect("timestamped");
    let cookie = session.issue("7").expect("issued");
    assert!(session.verify(cookie.value()).is_ok());
}

#[test]
fn a_sub_second_cut_off_is_rounded_up_like_check_not_before() {
    let session = session("s", Some(Duration::hours(1)));
    let cookie = session.issue_at("7", at(1_000_000)).expect("issued");
    let cutoff = at(1_000_000) + Duration::milliseconds(500);
    let verified = session
        .verify_at(cookie.value(), at(1_000_010))
        .expect("no cut-off yet");
    assert!(verified.check_not_before(cutoff).is_err());
    session.set_not_before(Some(cutoff)).expect("timestamped");
    assert_eq!(session.not_before(), Some(at(1_000_001)));
    assert_eq!(
        session.verify_at(cookie.value(), at(1_000_010)).err(),
        Some(CookieError::Core(Error::IssuedBeforeNotBefore {
            issued_at: 1_000_000,
            not_before: 1_000_001
        }))
    );
    assert_eq!(
        verified.check_not_before(cutoff).err(),
        Some(CookieError::Core(Error::IssuedBeforeNotBefore {
            issued_at: 1_000_000,
            not_before: 1_000_001
        }))
    );
    // A whole second is kept as it is.
    session
        .set_not_before(Some(at(1_000_000)))
        .expect("timestamped");
    assert!(session.verify_at(cookie.value(), at(1_000_010)).is_ok());
}

#[test]
fn the_builder_refuses_settings_that_would_be_ignored_or_self_defeating() {
    let key = key();
    let build = || SessionCookie::builder(&key, "s");
    assert_eq!(
        build().leeway(Duration::seconds(5)).build().err(),
        Some(CookieError::LeewayWithoutMaxAge)
    );
    assert_eq!(
        build()
            .max_age(Duration::hours(1))
            .leeway(Duration::milliseconds(-500))
            .build()
            .err(),
        Some(CookieError::InvalidDuration)
    );
    for cookie_max_age in [
        Duration::ZERO,
        Duration::milliseconds(999),
        Duration::seconds(-1),
    ] {
        assert_eq!(
            build().cookie_max_age(Some(cookie_max_age)).build().err(),
            Some(CookieError::InvalidDuration),
            "{cookie_max_age}"
        );
    }
    assert!(
        build()
            .cookie_max_age(Some(Duration::SECOND))
            .build()
            .is_ok()
    );
    assert!(
        build()
            .max_age(Duration::hours(1))
            .leeway(Duration::ZERO)
            .cookie_max_age(None)
            .build()
            .is_ok()
    );
}

#[test]
fn an_oversized_cookie_is_too_long_whatever_its_bytes() {
    let session = session("s", Some(Duration::hours(1)));
    let signer = sigcookie::Signer::new(&key(), "s").expect("a signer");
    let max = sigcookie::TimestampSigner::new(signer, 3600).max_value_len();
    let mut header = b"s=".to_vec();
    header.extend(std::iter::repeat_n(0xff, max + 1));
    assert_eq!(
        session.verify_headers([header.as_slice()]).err(),
        Some(CookieError::Core(Error::TooLong { len: max + 1, max }))
    );
    // Within the limit, the bytes are still checked.
    let short = b"s=7.\xff";
    assert_eq!(
        session.verify_headers([short.as_slice()]).err(),
        Some(CookieError::Core(Error::NonAscii { position: 2 }))
    );
}
