//! Signatures: tampered, truncated or non-canonical hex, and the wrong key or purpose.

use sigcookie::{Cutoffs, Error, SessionSigner, Signer};

use crate::{NOW, good, good_timed, key, sessions, verify, verify_timed};

#[test]
fn accepts_the_good_values() {
    assert_eq!(verify(&good()), Ok("12345"));
    assert_eq!(verify_timed(&good_timed()), Ok(NOW));
}

#[test]
fn wrong_signature() {
    let mut value = good();
    let last = value.pop().expect("non-empty");
    value.push(if last == '0' { '1' } else { '0' });
    assert_eq!(verify(&value), Err(Error::BadSignature));
}

#[test]
fn truncated_signature() {
    let value = good();
    assert_eq!(
        verify(&value[..value.len() - 1]),
        Err(Error::SignatureLength {
            expected: 64,
            found: 63
        })
    );
    assert_eq!(
        verify(&value[..value.len() - 2]),
        Err(Error::SignatureLength {
            expected: 64,
            found: 62
        })
    );
}

#[test]
fn extended_signature_and_trailing_junk() {
    assert_eq!(
        verify(&format!("{}00", good())),
        Err(Error::SignatureLength {
            expected: 64,
            found: 66
        })
    );
    assert_eq!(
        verify(&format!("{} ", good())),
        Err(Error::SignatureLength {
            expected: 64,
            found: 65
        })
    );
    assert_eq!(
        verify(&format!("{};", good())),
        Err(Error::SignatureLength {
            expected: 64,
            found: 65
        })
    );
}

#[test]
fn uppercase_and_mixed_case_hex() {
    let value = good();
    let (id, sig) = value.split_once('.').expect("dot");
    assert_eq!(
        verify(&format!("{id}.{}", sig.to_uppercase())),
        Err(Error::SignatureUppercase)
    );
    let mixed: String = sig
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    assert!(mixed != sig, "signature has letters");
    assert_eq!(
        verify(&format!("{id}.{mixed}")),
        Err(Error::SignatureUppercase)
    );
}

#[test]
fn non_hex_signature() {
    let value = good();
    let (id, sig) = value.split_once('.').expect("dot");
    let forged = format!("{id}.g{}", &sig[1..]);
    assert_eq!(verify(&forged), Err(Error::SignatureNotHex));
}

#[test]
fn wrong_key() {
    let other = Signer::new(&key(2), "session").expect("signer");
    assert_eq!(other.verify(&good()), Err(Error::BadSignature));
}

#[test]
fn wrong_purpose() {
    let other = Signer::new(&key(1), "csrf").expect("signer");
    assert_eq!(other.verify(&good()), Err(Error::BadSignature));
}

#[test]
fn unbound_and_purpose_confusion() {
    let unbound = Signer::unbound(&key(1));
    assert_eq!(unbound.verify(&good()), Err(Error::BadSignature));
    let unbound_value = unbound.sign("12345").expect("sign");
    assert_eq!(verify(&unbound_value), Err(Error::BadSignature));
}

#[test]
fn previous_key_accepted_removed_key_rejected() {
    let (old, older, current) = (key(1), key(3), key(4));
    let old_value = good();
    let rotated = Signer::new(
        &current.clone().with_previous(&old).expect("rotation"),
        "session",
    )
    .expect("signer");
    assert_eq!(rotated.verify(&old_value), Ok("12345"));
    // New values are signed with the current key only.
    assert_ne!(rotated.sign("12345").expect("sign").as_str(), old_value);
    assert_eq!(
        Signer::new(&current, "session")
            .expect("signer")
            .verify(&rotated.sign("12345").expect("sign")),
        Ok("12345")
    );
    let removed =
        Signer::new(&current.with_previous(&older).expect("rotation"), "session").expect("signer");
    assert_eq!(removed.verify(&old_value), Err(Error::BadSignature));
    // A session signed under the old key verifies under the rotated one and renews under the
    // current key.
    let sessions_rotated = SessionSigner::new(rotated, 3600, 86_400);
    let login = sessions()
        .login_at("12345", NOW, &Cutoffs::NONE)
        .expect("login");
    let verified = sessions_rotated
        .verify_at(&login, NOW + 60, &Cutoffs::NONE)
        .expect("old key still accepted");
    let renewed = sessions_rotated
        .renew_at(&verified, NOW + 60, &Cutoffs::NONE)
        .expect("renew");
    assert_eq!(
        sessions().verify_at(&renewed, NOW + 60, &Cutoffs::NONE),
        Err(Error::BadSignature)
    );
}
