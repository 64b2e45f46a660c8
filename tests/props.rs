//! Property tests: round trips, tamper detection and panic freedom over generated input.

mod common;

use common::Case;
use proptest::prelude::*;
use sigcookie::{
    Cutoffs, Ed25519PublicKey, Ed25519Signer, Ed25519SigningKey, Ed25519Verifier, Key,
    SessionSigner, Signer, TimestampSigner, format,
};

const SECRET: [u8; 32] = [9; 32];

/// Any id the grammar allows: 1 to 255 idchars.
fn id() -> impl Strategy<Value = String> {
    let idchar = prop::sample::select(
        (0u8..=0x7f)
            .filter(|&b| format::is_id_byte(b))
            .collect::<Vec<_>>(),
    );
    prop::collection::vec(idchar, 1..=255)
        .prop_map(|bytes| bytes.into_iter().map(char::from).collect())
}

fn signer(tag_len: usize) -> Signer {
    let key = Key::from_bytes(&SECRET).expect("key");
    Signer::new(&key, "prop")
        .expect("signer")
        .with_tag_len(tag_len)
        .expect("tag length")
}

/// A session value with any times, as `signer(tag_len)` would sign it: the library signs
/// sessions only at a login or a renewal, so this is computed from the format's text.
fn session_value(tag_len: usize, id: &str, logged_in_at: u64, issued_at: u64) -> String {
    Case::of(&SECRET, Some("prop"), tag_len).session_value(id, logged_in_at, issued_at)
}

/// Changes the byte at `pos` of each of `values` to `byte` and fails when `accepts(i, changed)`
/// takes the `i`th changed value; a case where the byte is already `byte` is skipped.
fn refuses_every_change(
    values: &[String],
    pos: &prop::sample::Index,
    byte: u8,
    accepts: impl Fn(usize, &str) -> bool,
) -> Result<(), TestCaseError> {
    for (i, value) in values.iter().enumerate() {
        let mut bytes = value.clone().into_bytes();
        let at = pos.index(bytes.len());
        prop_assume!(bytes[at] != byte);
        bytes[at] = byte;
        let changed = String::from_utf8_lossy(&bytes);
        prop_assert!(!accepts(i, &changed), "accepted {:?}", changed);
    }
    Ok(())
}

proptest! {
    #[test]
    fn untimed_round_trip(id in id(), tag_len in 16usize..=32) {
        let signer = signer(tag_len);
        let value = signer.sign(&id).expect("sign");
        prop_assert_eq!(value.len(), id.len() + 1 + 2 * tag_len);
        prop_assert!(value.len() <= signer.max_value_len());
        prop_assert_eq!(signer.verify(&value), Ok(id.as_str()));
        // The value on the stack, its `Display` and its `String` are the same text.
        let owned = value.to_string();
        prop_assert_eq!(owned.as_str(), value.as_str());
        prop_assert_eq!(signer.verify(&owned), Ok(id.as_str()));
    }

    #[test]
    fn timed_round_trip(id in id(), tag_len in 16usize..=32, ts in any::<u64>(), age in 0u64..=3600) {
        let signer = TimestampSigner::new(signer(tag_len), 3600);
        let value = signer.sign_at(&id, ts).expect("sign");
        prop_assert!(value.len() <= signer.max_value_len());
        let now = ts.saturating_add(age);
        let verified = signer.verify_at(&value, now).expect("verify");
        prop_assert_eq!((verified.id(), verified.issued_at()), (id.as_str(), ts));
        prop_assert_eq!(format::inspect(&value).map(|p| p.issued_at()), Ok(Some(ts)));
    }

    #[test]
    fn session_round_trip(
        id in id(),
        tag_len in 16usize..=32,
        auth in any::<u64>(),
        since in any::<u64>(),
        age in 0u64..=3600,
    ) {
        let signer = SessionSigner::new(signer(tag_len), 3600, u64::MAX);
        let ts = auth.saturating_add(since);
        let value = session_value(tag_len, &id, auth, ts);
        prop_assert!(value.len() <= signer.max_value_len());
        let now = ts.saturating_add(age);
        let session = signer.verify_at(&value, now, &Cutoffs::NONE).expect("verify");
        prop_assert_eq!(
            (session.id(), session.logged_in_at(), session.issued_at()),
            (id.as_str(), auth, ts)
        );
        let parts = format::inspect(&value).expect("inspect");
        prop_assert_eq!((parts.logged_in_at(), parts.issued_at()), (Some(auth), Some(ts)));
        // A renewal keeps the login time and re-stamps the issue time.
        let renewed = signer.renew_at(&session, now, &Cutoffs::NONE).expect("renew");
        let again = signer.verify_at(&renewed, now, &Cutoffs::NONE).expect("verify");
        prop_assert_eq!((again.logged_in_at(), again.issued_at()), (auth, now));
        // The renewal is the value of those times computed apart: one format, one MAC.
        prop_assert_eq!(renewed.as_str(), session_value(tag_len, &id, auth, now));
    }

    /// A login stamps both times with the clock, and signs what the format's text says.
    #[test]
    fn login_round_trip(
        id in id(),
        tag_len in 16usize..=32,
        now in 0..u64::MAX,
        age in 0u64..=3600,
    ) {
        let signer = SessionSigner::new(signer(tag_len), 3600, 7200);
        let login = signer.login_at(&id, now, &Cutoffs::NONE).expect("login");
        prop_assert_eq!(login.as_str(), session_value(tag_len, &id, now, now));
        let later = now.saturating_add(age);
        let session = signer.verify_at(&login, later, &Cutoffs::NONE).expect("verify");
        prop_assert_eq!(
            (session.id(), session.logged_in_at(), session.issued_at()),
            (id.as_str(), now, now)
        );
    }

    /// The absolute lifetime and the cut-offs judge the login time, whatever the issue time.
    #[test]
    fn lifetime_and_cut_offs_judge_the_login(
        auth in 0u64..1 << 40,
        since in 0u64..3600,
        lifetime in 0u64..8_000,
        now_after in 0u64..3600,
        cutoff in 0u64..1 << 41,
    ) {
        let signer = SessionSigner::new(signer(16), 3600, lifetime).with_leeway(0);
        let ts = auth + since;
        let now = ts + now_after;
        let value = session_value(16, "7", auth, ts);
        let verified = signer.verify_at(&value, now, &Cutoffs::NONE);
        prop_assert_eq!(verified.is_ok(), now - auth <= lifetime);
        let with_cutoff = signer.verify_at(&value, now, &Cutoffs::at(cutoff));
        if let Ok(session) = verified {
            let revoked = session.check_revocation(&Cutoffs::at(cutoff)).is_err();
            prop_assert_eq!(revoked, auth < cutoff);
            // The cut-off checked inside verify agrees.
            prop_assert_eq!(with_cutoff.is_err(), auth < cutoff);
        } else {
            prop_assert!(with_cutoff.is_err());
        }
    }

    /// Every single-byte change of a valid value is rejected, whatever byte it becomes.
    #[test]
    fn any_byte_change_is_rejected(id in id(), ts in any::<u64>(), pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let untimed = signer(32);
        let timed = TimestampSigner::new(signer(16), u64::MAX).with_leeway(u64::MAX);
        let sessions = SessionSigner::new(signer(24), u64::MAX, u64::MAX).with_leeway(u64::MAX);
        let values = [
            untimed.sign(&id).expect("sign").to_string(),
            timed.sign_at(&id, ts).expect("sign").to_string(),
            session_value(24, &id, ts / 2, ts),
        ];
        prop_assert!(sessions.verify_at(&values[2], u64::MAX, &Cutoffs::NONE).is_ok());
        refuses_every_change(&values, &pos, byte, |i, changed| match i {
            0 => untimed.verify(changed).is_ok(),
            1 => timed.verify_at(changed, 0).is_ok(),
            _ => sessions.verify_at(changed, u64::MAX, &Cutoffs::NONE).is_ok(),
        })?;
    }

    /// Truncating or extending a valid value by any amount is rejected.
    #[test]
    fn truncation_or_extension_is_rejected(id in id(), cut in 1usize..400, extra in "[ -~]{1,8}") {
        let signer = signer(32);
        let value = signer.sign(&id).expect("sign");
        let cut = cut.min(value.len());
        prop_assert!(signer.verify(&value[..value.len() - cut]).is_err());
        let appended = format!("{value}{extra}");
        let prepended = format!("{extra}{value}");
        prop_assert!(signer.verify(&appended).is_err());
        prop_assert!(signer.verify(&prepended).is_err());
    }

    /// Arbitrary strings never panic, and are never accepted.
    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>(), now in any::<u64>()) {
        let untimed = signer(32);
        let timed = TimestampSigner::new(signer(16), 3600);
        let sessions = SessionSigner::new(signer(16), 3600, 7200);
        prop_assert!(untimed.verify(&s).is_err());
        prop_assert!(timed.verify_at(&s, now).is_err());
        prop_assert!(sessions.verify_at(&s, now, &Cutoffs::NONE).is_err());
        let _ = format::inspect(&s);
        let _ = untimed.sign(&s);
        let _ = timed.sign_at(&s, now);
        let _ = sessions.login_at(&s, now, &Cutoffs::NONE);
        let _ = Key::from_hex(&s);
    }

    /// Strings shaped like values (the grammar's alphabet, dots in place) never panic either:
    /// random Unicode rarely reaches the later checks.
    #[test]
    fn value_shaped_strings_never_panic(s in "[0-9a-fA-F.+\\- ]{0,8}[a-z0-9!#]{0,5}(\\.[0-9]{0,22}){1,2}\\.[0-9a-fA-F]{0,66}", now in any::<u64>()) {
        let timed = TimestampSigner::new(signer(32), 3600);
        let sessions = SessionSigner::new(signer(32), 3600, 7200);
        prop_assert!(timed.verify_at(&s, now).is_err());
        prop_assert!(sessions.verify_at(&s, now, &Cutoffs::NONE).is_err());
        prop_assert!(signer(32).verify(&s).is_err());
        let _ = format::inspect(&s);
    }
}

/// The Ed25519 signer of the properties below, and a verifier that holds its public key (and a
/// previous one, so that key ids are looked up among several).
fn ed25519() -> (Ed25519Signer, Ed25519Verifier) {
    let key = Ed25519SigningKey::from_bytes(&SECRET).expect("key");
    let old = Ed25519SigningKey::from_bytes(&[8; 32]).expect("key");
    let keys = key
        .public_key()
        .with_previous(old.public_key())
        .expect("keys");
    let signer = Ed25519Signer::new(&key, "prop").expect("signer");
    (
        signer,
        Ed25519Verifier::new(&keys, "prop").expect("verifier"),
    )
}

proptest! {
    /// Every single-byte change of a valid Ed25519 value, of every shape, is refused by a
    /// verifier with the public keys alone.
    #[test]
    fn ed25519_any_byte_change_is_rejected(id in id(), ts in 1u64..u64::MAX, pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let (signer, verifier) = ed25519();
        let timed = TimestampSigner::new(verifier.clone(), u64::MAX).with_leeway(u64::MAX);
        let sessions = SessionSigner::new(verifier.clone(), u64::MAX, u64::MAX).with_leeway(u64::MAX);
        let values = [
            signer.sign(&id).expect("sign").to_string(),
            TimestampSigner::new(signer.clone(), 1).sign_at(&id, ts).expect("sign").to_string(),
            common::ed25519_value(&SECRET, "prop", (Some(ts / 2), Some(ts)), &id),
        ];
        prop_assert!(sessions.verify_at(&values[2], u64::MAX, &Cutoffs::NONE).is_ok());
        refuses_every_change(&values, &pos, byte, |i, changed| match i {
            0 => verifier.verify(changed).is_ok(),
            1 => timed.verify_at(changed, 0).is_ok(),
            _ => sessions.verify_at(changed, u64::MAX, &Cutoffs::NONE).is_ok(),
        })?;
    }

    /// Strings shaped like Ed25519 values, and arbitrary keys, never panic and are never
    /// accepted.
    #[test]
    fn ed25519_value_shaped_strings_never_panic(s in "[a-z0-9!#]{0,5}(\\.[0-9]{0,22}){0,2}\\.[0-9a-fA-F]{0,9}\\.[0-9a-fA-F]{120,130}", key in any::<String>(), now in any::<u64>()) {
        let (_, verifier) = ed25519();
        prop_assert!(verifier.verify(&s).is_err());
        prop_assert!(TimestampSigner::new(verifier.clone(), 3600).verify_at(&s, now).is_err());
        let sessions = SessionSigner::new(verifier, 3600, 7200);
        prop_assert!(sessions.verify_at(&s, now, &Cutoffs::NONE).is_err());
        let _ = format::inspect(&s);
        let _ = Ed25519PublicKey::from_hex(&key);
        let _ = Ed25519PublicKey::from_pem(&key);
        let _ = Ed25519SigningKey::from_hex(&key);
    }
}
