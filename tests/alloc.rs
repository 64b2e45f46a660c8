//! Verify and signing, which returns values on the stack, allocate nothing: proven with a counting
//! allocator.

use sigcookie::store::{CutoffStore, MemoryStore};
use sigcookie::{Cutoffs, Key, SessionSigner, Signer, TimestampSigner, format};

mod counting;

use counting::allocations_during;

#[test]
fn verify_and_stack_signing_allocate_nothing() {
    let key = Key::from_bytes(&[5; 32]).expect("key");
    let old = Key::from_bytes(&[6; 32]).expect("key");
    let signer = Signer::new(
        &key.with_previous(&old).expect("one previous key"),
        "session",
    )
    .expect("signer");
    let timed = TimestampSigner::new(signer.clone(), 3600);
    let sessions = SessionSigner::new(signer.clone(), 3600, 86_400);
    let store = MemoryStore::new();
    store.revoke_user("42", 900).expect("revoke");
    store.revoke_all(1).expect("revoke");
    let session_value = sessions
        .login_at("12345", 1_000, &Cutoffs::NONE)
        .expect("sign");
    let value = signer.sign("12345").expect("sign");
    let timed_value = timed.sign_at("12345", 1_000).expect("sign");
    let old_value = Signer::new(&old, "session")
        .expect("signer")
        .sign("12345")
        .expect("sign");
    let forged = value.replace("12345", "12346");

    let (n, ()) = allocations_during(|| {
        assert_eq!(signer.verify(&value), Ok("12345"));
        assert_eq!(signer.verify(&old_value), Ok("12345"));
        assert!(signer.verify(&forged).is_err());
        assert!(signer.verify("garbage").is_err());
        assert!(signer.verify("").is_err());
        assert_eq!(
            timed.verify_at(&timed_value, 1_100).map(|v| v.id()),
            Ok("12345")
        );
        assert!(timed.verify_at(&timed_value, 1_000_000).is_err());
        assert!(format::inspect(&timed_value).is_ok());
        // Signing is on the stack: a `SignedValue`, no `String`.
        let on_stack = signer.sign("12345").expect("sign");
        assert_eq!(on_stack.as_str(), value.as_str());
        let timed_on_stack = timed.sign_at("12345", 1_000).expect("sign");
        assert_eq!(timed_on_stack.as_str(), timed_value.as_str());
        // Sessions, with the cut-offs of a store holding a user's entry.
        let session = sessions
            .verify_at(&session_value, 1_100, &store)
            .expect("verify");
        assert_eq!(session.logged_in_at(), 1_000);
        assert!(sessions.renew_at(&session, 2_000, &store).is_ok());
        // CSRF tokens: made on the stack, checked under each key in turn.
        let token = sessions.csrf_token(&session).expect("token");
        assert_eq!(sessions.verify_csrf(&session, &token), Ok(()));
        let zeros = "00000000000000000000000000000000";
        assert!(sessions.verify_csrf(&session, zeros).is_err());
        assert!(sessions.verify_csrf(&session, "").is_err());
        assert!(sessions.login_at("42", 2_000, &store).is_ok());
        assert!(
            timed
                .verify_at(&timed_value, 1_100)
                .and_then(|v| v.check_revocation(&Cutoffs::at(1_001)))
                .is_err()
        );
    });
    assert_eq!(n, 0, "the allocation-free paths allocated {n} times");

    // The counter works: making a `String` of a value does allocate.
    assert!(allocations_during(|| drop(signer.sign("12345").map(|v| v.to_string()))).0 > 0);
}
