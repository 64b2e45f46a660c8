//! Time rules: expiry, the future, cut-offs and the limits of a session.

use sigcookie::{Cutoffs, Error, SessionSigner};

use crate::{NOW, good_timed, session_value, sessions, timed, untimed};

#[test]
fn expired() {
    let value = good_timed();
    assert_eq!(
        timed().verify_at(&value, NOW + 3600).map(|v| v.id()),
        Ok("12345")
    );
    assert_eq!(
        timed().verify_at(&value, NOW + 3601),
        Err(Error::Expired {
            issued_at: NOW,
            max_age: 3600
        })
    );
    assert_eq!(
        timed().verify_at(&value, u64::MAX),
        Err(Error::Expired {
            issued_at: NOW,
            max_age: 3600
        })
    );
}

#[test]
fn issued_in_future_beyond_leeway() {
    let value = good_timed();
    assert!(timed().verify_at(&value, NOW - 60).is_ok());
    assert_eq!(
        timed().verify_at(&value, NOW - 61),
        Err(Error::IssuedInFuture {
            issued_at: NOW,
            now: NOW - 61
        })
    );
    assert_eq!(
        timed().verify_at(&value, 0),
        Err(Error::IssuedInFuture {
            issued_at: NOW,
            now: 0
        })
    );
    let far = timed().sign_at("12345", u64::MAX).expect("sign");
    assert_eq!(
        timed()
            .with_leeway(u64::MAX)
            .verify_at(&far, 0)
            .map(|v| v.issued_at()),
        Ok(u64::MAX)
    );
}

#[test]
fn issued_before_not_before() {
    let value = good_timed();
    let verified = timed().verify_at(&value, NOW + 2).expect("valid");
    assert_eq!(
        verified.check_revocation(&Cutoffs::at(NOW + 1)),
        Err(Error::IssuedBeforeNotBefore {
            issued_at: NOW,
            not_before: NOW + 1
        })
    );
    assert!(verified.check_revocation(&Cutoffs::at(NOW)).is_ok());
    assert_eq!(
        verified.check_revocation(&Cutoffs::UNREADABLE),
        Err(Error::CutoffUnreadable)
    );
}

#[test]
fn session_time_rules() {
    let signer = sessions();
    let value = |auth, ts| session_value(1, "session", "12345", auth, ts);
    // The values computed apart are the library's own: a login signs exactly this.
    assert_eq!(
        signer
            .login_at("12345", NOW, &Cutoffs::NONE)
            .expect("login")
            .as_str(),
        value(NOW, NOW)
    );
    // Idle: judged on ts.
    assert_eq!(
        signer.verify_at(&value(NOW, NOW), NOW + 3601, &Cutoffs::NONE),
        Err(Error::Expired {
            issued_at: NOW,
            max_age: 3600
        })
    );
    // Absolute: judged on auth, however fresh ts is.
    assert_eq!(
        signer.verify_at(&value(NOW, NOW + 86_000), NOW + 86_401, &Cutoffs::NONE),
        Err(Error::LifetimeExceeded {
            logged_in_at: NOW,
            lifetime: 86_400
        })
    );
    assert!(
        signer
            .verify_at(&value(NOW, NOW + 86_000), NOW + 86_400, &Cutoffs::NONE)
            .is_ok()
    );
    // auth after ts: no signer makes one (a login stamps both with the same time, a renewal
    // keeps auth and stamps a later ts), and a correctly signed one is refused.
    assert_eq!(
        signer.verify_at(&value(NOW + 1, NOW), NOW, &Cutoffs::NONE),
        Err(Error::AuthAfterIssue {
            logged_in_at: NOW + 1,
            issued_at: NOW
        })
    );
    // Cut-offs judge the login time: a value renewed after the cut-off still falls, inside
    // verify and through `check_revocation` alike.
    let renewed_value = value(NOW, NOW + 600);
    assert_eq!(
        signer.verify_at(&renewed_value, NOW + 600, &Cutoffs::at(NOW + 300)),
        Err(Error::LoggedInBeforeNotBefore {
            logged_in_at: NOW,
            not_before: NOW + 300
        })
    );
    assert!(
        signer
            .verify_at(&renewed_value, NOW + 600, &Cutoffs::at(NOW))
            .is_ok()
    );
    assert_eq!(
        signer.verify_at(&renewed_value, NOW + 600, &Cutoffs::UNREADABLE),
        Err(Error::CutoffUnreadable)
    );
    let renewed = signer
        .verify_at(&renewed_value, NOW + 600, &Cutoffs::NONE)
        .expect("valid");
    assert_eq!(
        (renewed.logged_in_at(), renewed.issued_at()),
        (NOW, NOW + 600)
    );
    assert_eq!(
        renewed.check_revocation(&Cutoffs::at(NOW + 300)),
        Err(Error::LoggedInBeforeNotBefore {
            logged_in_at: NOW,
            not_before: NOW + 300
        })
    );
    assert!(renewed.check_revocation(&Cutoffs::at(NOW)).is_ok());
    // The time rules come before the cut-offs: an expired and revoked value is reported expired.
    assert_eq!(
        signer.verify_at(&value(NOW, NOW), NOW + 3601, &Cutoffs::at(NOW + 1)),
        Err(Error::Expired {
            issued_at: NOW,
            max_age: 3600
        })
    );
    // Extremes never overflow.
    let wide = SessionSigner::new(untimed(), u64::MAX, u64::MAX);
    assert!(
        wide.verify_at(&value(0, 0), u64::MAX, &Cutoffs::NONE)
            .is_ok()
    );
    let far = wide.with_leeway(u64::MAX);
    assert!(
        far.verify_at(&value(u64::MAX, u64::MAX), 0, &Cutoffs::NONE)
            .is_ok()
    );
}

#[test]
fn a_login_is_never_stamped_with_the_last_second() {
    // `revoke_at` saturates at u64::MAX, so a value whose login time is u64::MAX could never be
    // revoked by a second revocation in that second.
    let signer = sessions();
    let now = u64::MAX - 1;
    let first = Cutoffs::NONE.revoke_at(now);
    assert_eq!(first, u64::MAX);
    assert_eq!(
        signer.login_at("7", now, &Cutoffs::at(first)).err(),
        Some(Error::LoggedInBeforeNotBefore {
            logged_in_at: now,
            not_before: u64::MAX
        })
    );
    assert!(signer.login_at("7", now, &Cutoffs::NONE).is_ok());
}
