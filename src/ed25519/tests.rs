//! Ed25519 values against the format's rules; the vectors and the attacks are in `tests/`.

use super::*;
use crate::{Cutoffs, SessionSigner, TimestampSigner};

fn signer(seed: u8) -> Ed25519Signer {
    let key = Ed25519SigningKey::from_bytes(&[seed; 32]).expect("key");
    Ed25519Signer::new(&key, "session").expect("signer")
}

#[test]
fn every_shape_signs_and_verifies_under_the_public_key_alone() {
    let signer = signer(1);
    let verifier = signer.verifier().clone();
    assert_eq!(verifier.verify(&signer.sign("7").expect("sign")), Ok("7"));
    let timed = TimestampSigner::new(signer.clone(), 600);
    let value = timed.sign_at("7", 1_000).expect("sign");
    let checked = TimestampSigner::new(verifier.clone(), 600);
    assert_eq!(checked.verify_at(&value, 1_100).expect("verify").id(), "7");
    let session = SessionSigner::new(signer, 600, 3_600);
    let login = session.login_at("7", 1_000, &Cutoffs::NONE).expect("login");
    let checked = SessionSigner::new(verifier, 600, 3_600);
    let verified = checked
        .verify_at(&login, 1_100, &Cutoffs::NONE)
        .expect("verify");
    assert_eq!((verified.id(), verified.logged_in_at()), ("7", 1_000));
}

#[test]
fn a_signature_for_one_shape_or_purpose_never_verifies_as_another() {
    let signer = signer(1);
    let timed = TimestampSigner::new(signer.clone(), u64::MAX);
    let session = SessionSigner::new(signer.clone(), u64::MAX, u64::MAX);
    // An untimed value whose id looks like "7.1000" cannot exist (no dots in ids), so the shapes
    // are told apart by the part count first; the signed shape name is what stops a signature
    // being moved between shapes with the same parts.
    let value = timed.sign_at("7", 1_000).expect("sign");
    let (body, sig) = value.rsplit_once('.').expect("dot");
    let (id_ts, kid) = body.rsplit_once('.').expect("dot");
    let moved = format!("{id_ts}.1000.{kid}.{sig}");
    assert_eq!(
        session.verify_at(&moved, 1_000, &Cutoffs::NONE).err(),
        Some(Error::BadSignature)
    );
    let key = Ed25519SigningKey::from_bytes(&[1; 32]).expect("key");
    let other = Ed25519Verifier::new(key.public_key(), "prefs").expect("verifier");
    assert_eq!(
        other.verify(&signer.sign("7").expect("sign")),
        Err(Error::BadSignature)
    );
}

#[test]
fn a_rotated_verifier_tries_only_the_key_the_value_names() {
    let (old, new) = (signer(1), signer(2));
    let keys = new
        .verifier()
        .public_key()
        .with_previous(old.verifier().public_key())
        .expect("keys");
    let verifier = Ed25519Verifier::new(&keys, "session").expect("verifier");
    let before = old.sign("7").expect("sign");
    let (_, index) = verifier
        .verify_parts(&before, Kind::Untimed, |_| Ok(()))
        .expect("verify");
    assert_eq!(index, 1);
    // The new key's id on a value the old key signed: one verification, under the new key.
    let relabelled = before.replace(
        old.verifier().public_key().key_id(),
        new.verifier().public_key().key_id(),
    );
    assert_eq!(verifier.verify(&relabelled), Err(Error::BadSignature));
    let unknown = signer(3).sign("7").expect("sign");
    assert!(matches!(
        verifier.verify(&unknown),
        Err(Error::UnknownKeyId { .. })
    ));
}

#[test]
fn the_time_rules_run_before_the_signature() {
    let timed = TimestampSigner::new(signer(1).verifier().clone(), 600);
    // A junk signature on an expired value: refused as expired, with no curve arithmetic.
    let kid = signer(1).verifier().public_key().key_id().to_owned();
    let junk = format!("7.1000.{kid}.{}", "0".repeat(128));
    assert_eq!(
        timed.verify_at(&junk, 5_000).err(),
        Some(Error::Expired {
            issued_at: 1_000,
            max_age: 600
        })
    );
    assert_eq!(
        timed.verify_at(&junk, 1_000).err(),
        Some(Error::BadSignature)
    );
}

#[test]
fn hmac_and_ed25519_verifiers_refuse_each_other_by_shape() {
    let hmac =
        crate::Signer::new(&Key::from_bytes(&[1; 32]).expect("key"), "session").expect("signer");
    let ed = signer(1);
    for (value, refused) in [
        (
            hmac.sign("7").expect("sign"),
            ed.verify(&hmac.sign("7").expect("sign")).err(),
        ),
        (
            ed.sign("7").expect("sign"),
            hmac.verify(&ed.sign("7").expect("sign")).err(),
        ),
    ] {
        assert!(
            matches!(
                refused,
                Some(Error::PartCount { .. } | Error::SignatureLength { .. })
            ),
            "{value:?}: {refused:?}"
        );
    }
    let timed = TimestampSigner::new(hmac, 600);
    let ed_timed = TimestampSigner::new(ed, 600);
    let value = ed_timed.sign_at("7", 1_000).expect("sign");
    assert!(matches!(
        timed.verify_at(&value, 1_000),
        Err(Error::PartCount { .. } | Error::SignatureLength { .. })
    ));
}

#[test]
fn keys_never_print_their_secret() {
    let key = Ed25519SigningKey::from_bytes(&[0xab; 32]).expect("key");
    let signer = Ed25519Signer::new(&key, "s").expect("signer");
    for text in [format!("{key:?}"), format!("{signer:?}")] {
        assert!(!text.contains("abab"), "{text}");
        assert!(!text.contains("171"), "{text}");
    }
}

#[test]
fn only_the_signer_makes_csrf_tokens() {
    let session = SessionSigner::new(signer(1), 600, 3_600);
    let login = session.login_at("7", 1_000, &Cutoffs::NONE).expect("login");
    let verified = session
        .verify_at(&login, 1_000, &Cutoffs::NONE)
        .expect("verify");
    let token = session.csrf_token(&verified).expect("token");
    assert_eq!(session.verify_csrf(&verified, token.as_str()), Ok(()));
}

#[test]
fn the_csrf_token_is_the_format_texts_worked_example() {
    let seed: [u8; 32] = core::array::from_fn(|i| i as u8);
    let key = Ed25519SigningKey::from_bytes(&seed).expect("key");
    let session = SessionSigner::new(
        Ed25519Signer::new(&key, "session").expect("signer"),
        3_600,
        86_400,
    );
    let login = session
        .login_at("12345", 1_764_000_000, &Cutoffs::NONE)
        .expect("login");
    let verified = session
        .verify_at(&login, 1_764_000_000, &Cutoffs::NONE)
        .expect("verify");
    let token = session.csrf_token(&verified).expect("token");
    assert_eq!(token.as_str(), "1085c15fbf5e91a0b44f5b7e9b9587ef");
}

#[test]
fn a_private_key_is_never_read_as_a_public_key() {
    let pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f\n-----END PRIVATE KEY-----\n";
    assert_eq!(
        Ed25519PublicKey::from_pem(pem).err(),
        Some(ConfigError::Ed25519SigningKeyAsPublic)
    );
    let key = Ed25519SigningKey::from_pem(pem).expect("PKCS#8");
    assert_eq!(key.public_key().key_id(), "56475aa7");
}
