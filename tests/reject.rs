//! One test per rejection class: each must fail with its own typed error, never a panic.

use sigcookie::store::{CutoffStore, MemoryStore};
use sigcookie::{Cutoffs, Error, Key, SessionSigner, Signer, TimestampSigner};

const NOW: u64 = 1_764_000_000;

fn key(byte: u8) -> Key {
    Key::from_bytes(&[byte; 32]).expect("32-byte key")
}

fn untimed() -> Signer {
    Signer::new(&key(1), "session").expect("signer")
}

fn timed() -> TimestampSigner {
    TimestampSigner::new(untimed(), 3600)
}

/// Idle after an hour, over a day after the login.
fn sessions() -> SessionSigner {
    SessionSigner::new(untimed(), 3600, 86_400)
}

/// A valid untimed value for id `12345`.
fn good() -> String {
    untimed().sign("12345").expect("sign")
}

/// A valid timestamped value for id `12345`, issued at `NOW`.
fn good_timed() -> String {
    timed().sign_at("12345", NOW).expect("sign")
}

fn verify(value: &str) -> Result<&str, Error> {
    untimed().verify(value)
}

fn verify_timed(value: &str) -> Result<u64, Error> {
    timed().verify_at(value, NOW).map(|v| v.issued_at())
}

/// Replaces the timestamp of a valid timed value, keeping its id and signature.
fn with_ts(ts: &str) -> String {
    let value = good_timed();
    let (id, rest) = value.split_once('.').expect("id");
    let (_, sig) = rest.split_once('.').expect("ts");
    format!("{id}.{ts}.{sig}")
}

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
fn timestamp_not_canonical() {
    assert_eq!(
        verify_timed(&with_ts("01764000000")),
        Err(Error::TimestampLeadingZero)
    );
    assert_eq!(
        verify_timed(&with_ts("00")),
        Err(Error::TimestampLeadingZero)
    );
    assert_eq!(
        verify_timed(&with_ts("+1764000000")),
        Err(Error::TimestampNotDigits)
    );
    assert_eq!(
        verify_timed(&with_ts("-1764000000")),
        Err(Error::TimestampNotDigits)
    );
    assert_eq!(
        verify_timed(&with_ts(" 1764000000")),
        Err(Error::TimestampNotDigits)
    );
    assert_eq!(
        verify_timed(&with_ts("1764000000 ")),
        Err(Error::TimestampNotDigits)
    );
    assert_eq!(
        verify_timed(&with_ts("1_764000000")),
        Err(Error::TimestampNotDigits)
    );
    // Arabic-Indic digit one: a digit to Unicode, not to the grammar.
    assert_eq!(
        verify_timed(&with_ts("\u{0661}764000000")),
        Err(Error::NonAscii { position: 6 })
    );
}

#[test]
fn timestamp_overflowing_u64() {
    assert_eq!(
        verify_timed(&with_ts("18446744073709551616")),
        Err(Error::TimestampOverflow)
    );
    assert_eq!(
        verify_timed(&with_ts("99999999999999999999999")),
        Err(Error::TimestampOverflow)
    );
    // u64::MAX itself parses; only the MAC then fails.
    assert_eq!(
        verify_timed(&with_ts("18446744073709551615")),
        Err(Error::BadSignature)
    );
}

#[test]
fn dots_in_the_id() {
    let value = untimed().sign("12345").expect("sign");
    assert_eq!(
        verify(&format!("a.{value}")),
        Err(Error::PartCount {
            expected: 2,
            found: 3
        })
    );
    assert_eq!(
        untimed().sign("a.b"),
        Err(Error::InvalidIdByte {
            byte: b'.',
            position: 1
        })
    );
}

#[test]
fn empty_parts() {
    let sig = good().split_once('.').expect("dot").1.to_owned();
    assert_eq!(verify(&format!(".{sig}")), Err(Error::EmptyId));
    assert_eq!(
        verify("12345."),
        Err(Error::SignatureLength {
            expected: 64,
            found: 0
        })
    );
    assert_eq!(
        verify("."),
        Err(Error::SignatureLength {
            expected: 64,
            found: 0
        })
    );
    assert_eq!(
        verify(""),
        Err(Error::PartCount {
            expected: 2,
            found: 1
        })
    );
    assert_eq!(verify_timed(&with_ts("")), Err(Error::EmptyTimestamp));
    assert_eq!(untimed().sign(""), Err(Error::EmptyId));
}

#[test]
fn too_many_or_too_few_parts() {
    assert_eq!(
        verify("12345"),
        Err(Error::PartCount {
            expected: 2,
            found: 1
        })
    );
    assert_eq!(
        verify(&format!("{}.", good())),
        Err(Error::PartCount {
            expected: 2,
            found: 3
        })
    );
    assert_eq!(
        verify("a.b.c.d"),
        Err(Error::PartCount {
            expected: 2,
            found: 4
        })
    );
    assert_eq!(
        verify_timed(&good()),
        Err(Error::PartCount {
            expected: 3,
            found: 2
        })
    );
    assert_eq!(
        verify_timed(&format!("x.{}", good_timed())),
        Err(Error::PartCount {
            expected: 3,
            found: 4
        })
    );
}

#[test]
fn non_ascii() {
    let value = good().replacen("12345", "1234é", 1);
    assert_eq!(verify(&value), Err(Error::NonAscii { position: 4 }));
    let sig_non_ascii = format!("{}é", &good()[..good().len() - 2]);
    assert_eq!(
        verify(&sig_non_ascii),
        Err(Error::NonAscii { position: 68 })
    );
    assert_eq!(
        untimed().sign("usér"),
        Err(Error::InvalidIdByte {
            byte: 0xc3,
            position: 2
        })
    );
}

#[test]
fn invalid_id_bytes() {
    for (id, byte) in [
        ("a b", b' '),
        ("a,b", b','),
        ("a;b", b';'),
        ("a\"b", b'"'),
        ("a\\b", b'\\'),
    ] {
        assert_eq!(
            untimed().sign(id),
            Err(Error::InvalidIdByte { byte, position: 1 }),
            "{id}"
        );
    }
    let value = good().replacen("12345", "12\t45", 1);
    assert_eq!(
        verify(&value),
        Err(Error::InvalidIdByte {
            byte: b'\t',
            position: 2
        })
    );
}

#[test]
fn over_long_input() {
    let max = untimed().max_value_len();
    let long = "a".repeat(max + 1);
    assert_eq!(verify(&long), Err(Error::TooLong { len: max + 1, max }));
    let huge = "1".repeat(1 << 20);
    assert_eq!(verify(&huge), Err(Error::TooLong { len: 1 << 20, max }));
    assert_eq!(
        untimed().sign(&"a".repeat(256)),
        Err(Error::IdTooLong { len: 256 })
    );
    let id_256 = "a".repeat(256);
    let value = format!("{id_256}.0.{}", "0".repeat(64));
    assert_eq!(verify_timed(&value), Err(Error::IdTooLong { len: 256 }));
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
fn timed_and_untimed_confusion() {
    assert_eq!(
        verify(&good_timed()),
        Err(Error::PartCount {
            expected: 2,
            found: 3
        })
    );
    assert_eq!(
        verify_timed(&good()),
        Err(Error::PartCount {
            expected: 3,
            found: 2
        })
    );
    // An untimed id that happens to look like `id.ts` is still only an id to the untimed MAC.
    let value = good_timed();
    let (msg, sig) = value.rsplit_once('.').expect("dot");
    assert_eq!(msg, format!("12345.{NOW}"));
    assert!(untimed().sign(msg).is_err(), "ids cannot contain dots");
    assert_eq!(
        verify(&format!("{msg}.{sig}")),
        Err(Error::PartCount {
            expected: 2,
            found: 3
        })
    );
}

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
fn session_values_and_the_other_shapes_refuse_each_other() {
    let session = sessions().sign_at("12345", NOW, NOW).expect("sign");
    assert_eq!(
        verify(&session),
        Err(Error::PartCount {
            expected: 2,
            found: 4
        })
    );
    assert_eq!(
        verify_timed(&session),
        Err(Error::PartCount {
            expected: 3,
            found: 4
        })
    );
    for other in [good(), good_timed()] {
        assert!(matches!(
            sessions().verify_at(&other, NOW),
            Err(Error::PartCount { expected: 4, .. })
        ));
    }
    // The same MAC over `id.ts` can never pass as `id.auth.ts`: the message differs.
    let timed_sig = good_timed().rsplit_once('.').expect("sig").1.to_owned();
    let moved = format!("12345.{NOW}.{NOW}.{timed_sig}");
    assert_eq!(sessions().verify_at(&moved, NOW), Err(Error::BadSignature));
}

#[test]
fn session_time_rules() {
    let signer = sessions();
    let value = |auth, ts| signer.sign_at("12345", auth, ts).expect("sign");
    // Idle: judged on ts.
    assert_eq!(
        signer.verify_at(&value(NOW, NOW), NOW + 3601),
        Err(Error::Expired {
            issued_at: NOW,
            max_age: 3600
        })
    );
    // Absolute: judged on auth, however fresh ts is.
    assert_eq!(
        signer.verify_at(&value(NOW, NOW + 86_000), NOW + 86_401),
        Err(Error::LifetimeExceeded {
            auth: NOW,
            lifetime: 86_400
        })
    );
    assert!(
        signer
            .verify_at(&value(NOW, NOW + 86_000), NOW + 86_400)
            .is_ok()
    );
    // auth after ts: no signer makes one (the vectors show a verifier refusing it).
    assert_eq!(
        signer.sign_at("12345", NOW + 1, NOW),
        Err(Error::AuthAfterIssue {
            auth: NOW + 1,
            issued_at: NOW
        })
    );
    // Cut-offs judge the login time: a value renewed after the cut-off still falls.
    let renewed_value = value(NOW, NOW + 600);
    let renewed = signer.verify_at(&renewed_value, NOW + 600).expect("valid");
    assert_eq!(
        renewed.check_revocation(&Cutoffs::at(NOW + 300)),
        Err(Error::LoggedInBeforeNotBefore {
            auth: NOW,
            not_before: NOW + 300
        })
    );
    assert!(renewed.check_revocation(&Cutoffs::at(NOW)).is_ok());
    // Extremes never overflow.
    let wide = SessionSigner::new(untimed(), u64::MAX, u64::MAX);
    assert!(wide.verify_at(&value(0, 0), u64::MAX).is_ok());
    let far = wide.with_leeway(u64::MAX);
    assert!(
        far.verify_at(&far.sign_at("1", u64::MAX, u64::MAX).expect("sign"), 0)
            .is_ok()
    );
}

/// A session verified by one signer is never renewed by another: that would turn, say, an
/// email-login token into a session cookie.
#[test]
fn a_session_is_renewed_only_by_the_signer_that_verified_it() {
    let email_login = SessionSigner::new(
        Signer::new(&key(1), "email-login").expect("signer"),
        600,
        600,
    );
    let token = email_login.sign_at("12345", NOW, NOW).expect("sign");
    let verified = email_login.verify_at(&token, NOW).expect("valid");
    assert_eq!(
        sessions()
            .renew_value_at(&verified, NOW, &Cutoffs::NONE)
            .err(),
        Some(Error::BadSignature)
    );
    // Another key under the same purpose: refused too.
    let other_key = SessionSigner::new(
        Signer::new(&key(2), "session").expect("signer"),
        3600,
        86_400,
    );
    let value = other_key.sign_at("12345", NOW, NOW).expect("sign");
    let verified = other_key.verify_at(&value, NOW).expect("valid");
    assert!(
        sessions()
            .renew_value_at(&verified, NOW, &Cutoffs::NONE)
            .is_err()
    );
    // The same configuration built twice is the same signer.
    let value = sessions().sign_at("12345", NOW, NOW).expect("sign");
    let verified = sessions().verify_at(&value, NOW).expect("valid");
    assert!(
        sessions()
            .renew_value_at(&verified, NOW, &Cutoffs::NONE)
            .is_ok()
    );
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
    let login = signer.login_value_at("12345", t0, &store).expect("login");
    let t4 = t0 + 40 * 60;
    let verified = signer
        .verify_at(&login, t4)
        .and_then(|v| v.check_revocation(&store))
        .expect("valid at T.4");
    let t5 = t4 + 1;
    store.revoke_all(t5 + 1).expect("log out everywhere at T.5");
    let t6 = t5 + 1;
    assert_eq!(
        signer.renew_value_at(&verified, t6, &store).err(),
        Some(Error::LoggedInBeforeNotBefore {
            auth: t0,
            not_before: t5 + 1
        })
    );
    // Even 5 s after the cut-off, from the stale verification: refused.
    assert!(signer.renew_value_at(&verified, t5 + 6, &store).is_err());
    // The same for a per-user cut-off ("password changed").
    let store = MemoryStore::new();
    store.revoke_user("12345", t5 + 1).expect("revoke");
    assert!(signer.renew_value_at(&verified, t6, &store).is_err());
    // And a renewal can never carry a session past its lifetime.
    let late_value = signer.sign_at("12345", t0, t0 + 86_000).expect("sign");
    let late = signer.verify_at(&late_value, t0 + 86_000).expect("valid");
    assert_eq!(
        signer
            .renew_value_at(&late, t0 + 86_401, &Cutoffs::NONE)
            .err(),
        Some(Error::LifetimeExceeded {
            auth: t0,
            lifetime: 86_400
        })
    );
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
    let rotated = Signer::builder(&current, "session")
        .previous_key(&old)
        .build()
        .expect("signer");
    assert_eq!(rotated.verify(&old_value), Ok("12345"));
    // New values are signed with the current key only.
    assert_ne!(rotated.sign("12345").expect("sign"), old_value);
    assert_eq!(
        rotated.verify(&rotated.sign("12345").expect("sign")),
        Ok("12345")
    );
    let removed = Signer::builder(&current, "session")
        .previous_key(&older)
        .build()
        .expect("signer");
    assert_eq!(removed.verify(&old_value), Err(Error::BadSignature));
}

#[test]
fn configuration_errors() {
    assert_eq!(
        Key::from_bytes(&[0; 31]).err(),
        Some(Error::KeyTooShort { len: 31 })
    );
    assert_eq!(Key::from_hex("0g").err(), Some(Error::KeyNotHex));
    assert_eq!(Key::from_hex(&"0".repeat(65)).err(), Some(Error::KeyNotHex));
    assert_eq!(
        Key::from_hex(&format!("{}zz", "00".repeat(100))).err(),
        Some(Error::KeyNotHex)
    );
    assert_eq!(Signer::new(&key(1), "").err(), Some(Error::EmptyPurpose));
    for len in [0, 15, 33, usize::MAX] {
        assert_eq!(
            Signer::builder(&key(1), "s").tag_len(len).build().err(),
            Some(Error::TagLength { len })
        );
    }
}

#[test]
fn hex_secrets_ignore_surrounding_whitespace_only() {
    let hex = "ab".repeat(32);
    let sign = |k: Key| {
        Signer::new(&k, "s")
            .and_then(|s| s.sign("1"))
            .expect("sign")
    };
    let plain = sign(Key::from_hex(&hex).expect("key"));
    for padded in [
        format!("{hex}\n"),
        format!(" {hex} "),
        format!("\t{hex}\r\n"),
    ] {
        assert_eq!(sign(Key::from_hex(&padded).expect("key")), plain);
    }
    for broken in [
        format!("{} {}", &hex[..32], &hex[32..]),
        format!("{}\n{}", &hex[..32], &hex[32..]),
        format!("{hex}\u{a0}"),
    ] {
        assert_eq!(Key::from_hex(&broken).err(), Some(Error::KeyNotHex));
    }
    assert_eq!(
        Key::from_hex("  \n").err(),
        Some(Error::KeyTooShort { len: 0 })
    );
}

#[test]
fn env_key_errors_name_the_variable() {
    // Unset: the message names the variable and says what to put in it.
    let missing = Key::from_env("SIGCOOKIE_TEST_SURELY_UNSET").expect_err("unset");
    assert_eq!(missing.error(), Error::KeyEnvMissing);
    assert_eq!(missing.variable(), "SIGCOOKIE_TEST_SURELY_UNSET");
    // Set but not hex: cargo sets CARGO_MANIFEST_DIR, a path, for every test it runs.
    let not_hex = Key::from_env("CARGO_MANIFEST_DIR").expect_err("a path is not hex");
    assert_eq!(not_hex.error(), Error::KeyNotHex);
    assert_eq!(
        not_hex.to_string(),
        "environment variable CARGO_MANIFEST_DIR: secret key is not valid hex"
    );
    // What `fn main() -> Result<(), Box<dyn std::error::Error>>` prints: `Error: ` and the
    // error's `Debug`.
    let boxed: Box<dyn std::error::Error> = missing.clone().into();
    let printed = format!("Error: {boxed:?}");
    assert!(
        printed.starts_with("Error: environment variable SIGCOOKIE_TEST_SURELY_UNSET is not set"),
        "{printed}"
    );
    assert!(printed.contains("sigcookie keygen"), "{printed}");
    // And what `fn main() -> Result<(), sigcookie::Error>` prints: the name is gone (the error
    // type is `Copy`, with no room for it), but the variant and its meaning are there.
    let plain: Error = missing.into();
    assert_eq!(
        format!("Error: {plain:?}"),
        "Error: KeyEnvMissing: the environment variable for the secret key is not set or not Unicode"
    );
    fn with_question_mark() -> Result<Key, Error> {
        Ok(Key::from_env("SIGCOOKIE_TEST_SURELY_UNSET")?)
    }
    assert_eq!(with_question_mark().err(), Some(Error::KeyEnvMissing));
}

#[test]
fn error_debug_names_the_variant_and_explains_it() {
    assert_eq!(
        format!(
            "{:?}",
            Error::Expired {
                issued_at: 5,
                max_age: 60
            }
        ),
        "Expired: value expired: issued at 5, older than the maximum age of 60 s"
    );
    assert_eq!(
        format!("{:?}", Some(Error::BadSignature)),
        "Some(BadSignature: signature does not match)"
    );
}

#[test]
fn long_hex_keys_match_long_byte_keys() {
    let secret: Vec<u8> = (0..=255u8).cycle().take(300).collect();
    let hex_key = Key::from_hex(&hex::encode(&secret)).expect("key");
    let byte_key = Key::from_bytes(&secret).expect("key");
    let sign = |k: &Key| Signer::new(k, "s").and_then(|s| s.sign("1")).expect("sign");
    assert_eq!(sign(&hex_key), sign(&byte_key));
}

#[test]
fn secrets_never_print() {
    let secret_hex = "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7";
    let key = Key::from_hex(secret_hex).expect("key");
    let signer = Signer::builder(&key, "session")
        .previous_key(&key)
        .build()
        .expect("signer");
    let timed = TimestampSigner::new(signer.clone(), 60);
    let printed = format!("{key:?} {signer:?} {timed:?} {:?}", key.clone());
    for needle in ["5ec7", "5EC7", "[94", "94, 199"] {
        assert!(!printed.contains(needle), "{printed}");
    }
    assert!(printed.contains("<redacted>"), "{printed}");
    // Nor do the parts of a value, which are a credential: the signature stays hidden.
    let value = signer.sign("12345").expect("sign");
    let (_, sig) = value.split_once('.').expect("dot");
    let parts = format!(
        "{:?} {:?}",
        sigcookie::format::inspect(&value),
        signer.sign_value("12345")
    );
    assert!(parts.contains("12345") && !parts.contains(sig), "{parts}");
    // Error messages name no key material either.
    assert_eq!(
        format!("{}", Error::KeyNotHex),
        "secret key is not valid hex"
    );
}

#[test]
fn error_messages_explain_id_rules() {
    let message = untimed()
        .sign("me@example.com")
        .expect_err("dot")
        .to_string();
    assert!(
        message.contains("'.'") && message.contains("user ID"),
        "{message}"
    );
    assert!(
        !message.contains("me@example"),
        "the rejected id is not echoed: {message}"
    );
}

#[test]
fn signers_are_send_and_sync() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<Key>();
    shareable::<Signer>();
    shareable::<TimestampSigner>();
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
        signer.login_value_at("7", now, &Cutoffs::at(first)).err(),
        Some(Error::LoggedInBeforeNotBefore {
            auth: now,
            not_before: u64::MAX
        })
    );
    assert!(signer.login_value_at("7", now, &Cutoffs::NONE).is_ok());
}
