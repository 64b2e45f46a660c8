//! Renewals: only by the signer that verified the session, and never after a cut-off.

use sigcookie::store::{CutoffStore, MemoryStore};
use sigcookie::{Cutoffs, Error, SessionSigner, Signer};

use crate::{NOW, good_timed, key, session_value, sessions, timed};

/// A session verified by one signer is never renewed by another: that would turn, say, an
/// email-login token into a session cookie.
#[test]
fn a_session_is_renewed_only_by_the_signer_that_verified_it() {
    let email_login = SessionSigner::new(
        Signer::new(&key(1), "email-login").expect("signer"),
        600,
        600,
    );
    let token = email_login
        .login_at("12345", NOW, &Cutoffs::NONE)
        .expect("login");
    let verified = email_login
        .verify_at(&token, NOW, &Cutoffs::NONE)
        .expect("valid");
    assert_eq!(
        sessions().renew_at(&verified, NOW, &Cutoffs::NONE).err(),
        Some(Error::BadSignature)
    );
    // Another key under the same purpose: refused too.
    let other_key = SessionSigner::new(
        Signer::new(&key(2), "session").expect("signer"),
        3600,
        86_400,
    );
    let value = other_key
        .login_at("12345", NOW, &Cutoffs::NONE)
        .expect("login");
    let verified = other_key
        .verify_at(&value, NOW, &Cutoffs::NONE)
        .expect("valid");
    assert_eq!(
        sessions().renew_at(&verified, NOW, &Cutoffs::NONE).err(),
        Some(Error::BadSignature)
    );
    // A timestamped value of the same signer is no session either.
    let timed_value = good_timed();
    let not_a_session = timed().verify_at(&timed_value, NOW).expect("valid");
    assert_eq!(
        sessions()
            .renew_at(&not_a_session, NOW, &Cutoffs::NONE)
            .err(),
        Some(Error::BadSignature)
    );
    // The same configuration built twice is the same signer.
    let value = sessions()
        .login_at("12345", NOW, &Cutoffs::NONE)
        .expect("login");
    let verified = sessions()
        .verify_at(&value, NOW, &Cutoffs::NONE)
        .expect("valid");
    assert!(sessions().renew_at(&verified, NOW, &Cutoffs::NONE).is_ok());
    // And the fingerprint stays out of Debug.
    assert!(!format!("{verified:?}").contains("signer"));
}

/// The renewal that outlived "log out everywhere": a handler verifies a 40-minute-old value at
/// T.4, the owner logs out everywhere at T.5, the same handler renews at T.6. The renewal must be
/// refused, and no value renewed from a stale verification may verify afterwards.
#[test]
fn a_renewal_after_log_out_everywhere_is_refused() {
    let signer = sessions();
    let store = MemoryStore::new();
    let t0 = NOW;
    let login = signer.login_at("12345", t0, &store).expect("login");
    let t4 = t0 + 40 * 60;
    let verified = signer.verify_at(&login, t4, &store).expect("valid at T.4");
    let t5 = t4 + 1;
    store.revoke_all(t5 + 1).expect("log out everywhere at T.5");
    let t6 = t5 + 1;
    assert_eq!(
        signer.renew_at(&verified, t6, &store).err(),
        Some(Error::LoggedInBeforeNotBefore {
            logged_in_at: t0,
            not_before: t5 + 1
        })
    );
    // The login itself no longer verifies either.
    assert_eq!(
        signer.verify_at(&login, t6, &store),
        Err(Error::LoggedInBeforeNotBefore {
            logged_in_at: t0,
            not_before: t5 + 1
        })
    );
    // Even 5 s after the cut-off, from the stale verification: refused.
    assert!(signer.renew_at(&verified, t5 + 6, &store).is_err());
    // The same for a per-user cut-off ("password changed").
    let store = MemoryStore::new();
    store.revoke_user("12345", t5 + 1).expect("revoke");
    assert_eq!(
        signer.renew_at(&verified, t6, &store).err(),
        Some(Error::LoggedInBeforeNotBefore {
            logged_in_at: t0,
            not_before: t5 + 1
        })
    );
    // And a renewal can never carry a session past its lifetime.
    let late_value = session_value(1, "session", "12345", t0, t0 + 86_000);
    let late = signer
        .verify_at(&late_value, t0 + 86_000, &Cutoffs::NONE)
        .expect("valid");
    assert_eq!(
        signer.renew_at(&late, t0 + 86_401, &Cutoffs::NONE).err(),
        Some(Error::LifetimeExceeded {
            logged_in_at: t0,
            lifetime: 86_400
        })
    );
    // Nor past its idle limit: the rules are checked again at the renewal's time.
    let fresh = signer.verify_at(&login, t0, &Cutoffs::NONE).expect("valid");
    assert_eq!(
        signer.renew_at(&fresh, t0 + 3601, &Cutoffs::NONE).err(),
        Some(Error::Expired {
            issued_at: t0,
            max_age: 3600
        })
    );
}
