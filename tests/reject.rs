//! One test per rejection class: each must fail with its own typed error, never a panic.

mod common;

use common::Case;
use sigcookie::header::CookieSpec;
use sigcookie::store::{CutoffStore, MemoryStore};
use sigcookie::{
    ConfigError, Cutoffs, Error, Key, MAX_PREVIOUS_KEYS, SessionSigner, Signer, TimestampSigner,
};

const NOW: u64 = 1_764_000_000;

fn key(byte: u8) -> Key {
    Key::from_bytes(&[byte; 32]).expect("32-byte key")
}

/// A session value with any times for the signer of `key(byte)` and `purpose`: the library
/// signs a session only at a login or a renewal, at the time given.
fn session_value(byte: u8, purpose: &str, id: &str, logged_in_at: u64, issued_at: u64) -> String {
    Case::of(&[byte; 32], Some(purpose), 32).session_value(id, logged_in_at, issued_at)
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
    untimed().sign("12345").expect("sign").to_string()
}

/// A valid timestamped value for id `12345`, issued at `NOW`.
fn good_timed() -> String {
    timed().sign_at("12345", NOW).expect("sign").to_string()
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
        untimed().sign("a.b").err(),
        Some(Error::InvalidIdByte {
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
    assert_eq!(untimed().sign("").err(), Some(Error::EmptyId));
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
        untimed().sign("usér").err(),
        Some(Error::InvalidIdByte {
            byte: 0xc3,
            position: 2
        })
    );
}

/// `NonAscii` is the offset of the first non-ASCII byte in every path: the core's values of each
/// shape, the format's inspector, and a cookie's raw bytes in a `Cookie:` header (where the
/// offset is within the cookie's value), whatever bytes follow it.
#[test]
fn non_ascii_is_the_first_non_ascii_byte_in_every_path() {
    let at_1 = Some(Error::NonAscii { position: 1 });
    // `é` is two bytes, `ÿ` two more: the offset is the first byte of the `é`, not a count of
    // characters, nor where the bytes stop being UTF-8.
    let untimed_value = good().replacen("12345", "a\u{e9}\u{ff}", 1);
    assert_eq!(verify(&untimed_value).err(), at_1);
    let timed_value = good_timed().replacen("12345", "a\u{e9}\u{ff}", 1);
    assert_eq!(verify_timed(&timed_value).err(), at_1);
    let login = sessions()
        .login_at("12345", NOW, &Cutoffs::NONE)
        .expect("login")
        .to_string();
    let session_value = login.replacen("12345", "a\u{e9}\u{ff}", 1);
    assert_eq!(
        sessions()
            .verify_at(&session_value, NOW, &Cutoffs::NONE)
            .err(),
        at_1
    );
    for value in [&untimed_value, &timed_value, &session_value] {
        assert_eq!(sigcookie::format::inspect(value).err(), at_1, "{value}");
    }

    // The header path, on bytes that are not UTF-8 at all: `a`, `é`, then 0xff.
    let spec = CookieSpec::new("s").expect("spec");
    let signer = sessions();
    let verify_header = |header: &[u8]| {
        spec.verify(&signer, [header], NOW, &Cutoffs::NONE)
            .map(|v| v.id().to_owned())
    };
    let (_, rest) = login.split_once('.').expect("id");
    let header = [b"s=a\xc3\xa9\xff.", rest.as_bytes()].concat();
    assert_eq!(verify_header(&header).err(), at_1);
    // Among other cookies the offset is still within the value.
    let among = [b"theme=dark; ", &header[..], b"; lang=en"].concat();
    assert_eq!(verify_header(&among).err(), at_1);
    // Core and header agree wherever the byte is: here in the signature.
    let at = login.len() - 3;
    let mut late = login.clone().into_bytes();
    late[at] = 0xff;
    assert_eq!(
        verify_header(&[b"s=", &late[..]].concat()).err(),
        Some(Error::NonAscii { position: at })
    );
    let as_str = format!("{}\u{ff}{}", &login[..at], &login[at + 1..]);
    assert_eq!(
        sessions().verify_at(&as_str, NOW, &Cutoffs::NONE).err(),
        Some(Error::NonAscii { position: at })
    );
    // The unmodified login passes the header path: the refusals above are the bytes'.
    assert_eq!(
        verify_header(&[b"s=", login.as_bytes()].concat()),
        Ok("12345".to_owned())
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
            untimed().sign(id).err(),
            Some(Error::InvalidIdByte { byte, position: 1 }),
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
        untimed().sign(&"a".repeat(256)).err(),
        Some(Error::IdTooLong { len: 256 })
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
    let session = sessions()
        .login_at("12345", NOW, &Cutoffs::NONE)
        .expect("login");
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
            sessions().verify_at(&other, NOW, &Cutoffs::NONE),
            Err(Error::PartCount { expected: 4, .. })
        ));
    }
    // The same MAC over `id.ts` can never pass as `id.auth.ts`: the message differs.
    let timed_sig = good_timed().rsplit_once('.').expect("sig").1.to_owned();
    let moved = format!("12345.{NOW}.{NOW}.{timed_sig}");
    assert_eq!(
        sessions().verify_at(&moved, NOW, &Cutoffs::NONE),
        Err(Error::BadSignature)
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

#[test]
fn configuration_errors() {
    assert_eq!(
        Key::from_bytes(&[0; 31]).err(),
        Some(ConfigError::KeyTooShort { len: 31 })
    );
    assert_eq!(Key::from_hex("0g").err(), Some(ConfigError::KeyNotHex));
    assert_eq!(
        Key::from_hex(&"0".repeat(65)).err(),
        Some(ConfigError::KeyNotHex)
    );
    assert_eq!(
        Key::from_hex(&format!("{}zz", "00".repeat(100))).err(),
        Some(ConfigError::KeyNotHex)
    );
    assert_eq!(
        Signer::new(&key(1), "").err(),
        Some(ConfigError::EmptyPurpose)
    );
    for len in [0, 15, 33, usize::MAX] {
        assert_eq!(
            Signer::new(&key(1), "s")
                .expect("signer")
                .with_tag_len(len)
                .err(),
            Some(ConfigError::TagLength { len })
        );
    }
    for len in [16, 32] {
        assert!(Signer::unbound(&key(1)).with_tag_len(len).is_ok());
    }
    // Rotation keeps at most MAX_PREVIOUS_KEYS, counting the ones the old key itself replaces.
    let full = (0..MAX_PREVIOUS_KEYS as u8).fold(key(9), |k, i| {
        k.with_previous(&key(10 + i)).expect("room for it")
    });
    assert_eq!(
        full.with_previous(&key(20)).err(),
        Some(ConfigError::TooManyPreviousKeys {
            max: MAX_PREVIOUS_KEYS
        })
    );
    let two = key(1)
        .with_previous(&key(2))
        .expect("one")
        .with_previous(&key(3))
        .expect("two");
    assert_eq!(
        key(4)
            .with_previous(&key(5))
            .expect("one")
            .with_previous(&two)
            .err(),
        Some(ConfigError::TooManyPreviousKeys {
            max: MAX_PREVIOUS_KEYS
        })
    );
}

#[test]
fn hex_secrets_ignore_surrounding_whitespace_only() {
    let hex = "ab".repeat(32);
    let sign = |k: Key| {
        Signer::new(&k, "s")
            .expect("signer")
            .sign("1")
            .expect("sign")
            .to_string()
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
        assert_eq!(Key::from_hex(&broken).err(), Some(ConfigError::KeyNotHex));
    }
    assert_eq!(
        Key::from_hex("  \n").err(),
        Some(ConfigError::KeyTooShort { len: 0 })
    );
}

#[test]
fn env_key_errors_name_the_variable() {
    // Unset: the error names the variable, and its message says what to put in it.
    let missing = Key::from_env("SIGCOOKIE_TEST_SURELY_UNSET").expect_err("unset");
    assert_eq!(
        missing,
        ConfigError::KeyEnvMissing {
            variable: "SIGCOOKIE_TEST_SURELY_UNSET"
        }
    );
    // Set but not hex: cargo sets CARGO_MANIFEST_DIR, a path, for every test it runs.
    let not_hex = Key::from_env("CARGO_MANIFEST_DIR").expect_err("a path is not hex");
    assert_eq!(
        not_hex,
        ConfigError::KeyEnvInvalid {
            variable: "CARGO_MANIFEST_DIR"
        }
    );
    assert_eq!(
        not_hex.to_string(),
        "environment variable CARGO_MANIFEST_DIR must hold a secret of at least 32 bytes in hex, \
         e.g. the output of `sigcookie keygen`"
    );
    // What `fn main() -> Result<(), Box<dyn std::error::Error>>` prints: `Error: ` and the
    // error's `Debug`, the variant's name then its message.
    let boxed: Box<dyn std::error::Error> = missing.into();
    let printed = format!("Error: {boxed:?}");
    assert!(
        printed.starts_with(
            "Error: KeyEnvMissing: environment variable SIGCOOKIE_TEST_SURELY_UNSET is not set"
        ),
        "{printed}"
    );
    assert!(printed.contains("sigcookie keygen"), "{printed}");
    // And what `fn main() -> Result<(), sigcookie::ConfigError>` prints: the same, the variable
    // included, though the error is `Copy`.
    assert_eq!(format!("Error: {missing:?}"), printed);
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
    assert_eq!(
        format!("{:?}", ConfigError::TagLength { len: 8 }),
        "TagLength: tag length 8 is not in 16..=32 bytes"
    );
}

#[test]
fn long_hex_keys_match_long_byte_keys() {
    let secret: Vec<u8> = (0..=255u8).cycle().take(300).collect();
    let hex_key = Key::from_hex(&hex::encode(&secret)).expect("key");
    let byte_key = Key::from_bytes(&secret).expect("key");
    let sign = |k: &Key| {
        Signer::new(k, "s")
            .expect("signer")
            .sign("1")
            .expect("sign")
            .to_string()
    };
    assert_eq!(sign(&hex_key), sign(&byte_key));
}

#[test]
fn secrets_never_print() {
    let secret_hex = "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7";
    let key = Key::from_hex(secret_hex).expect("key");
    let rotated = key.clone().with_previous(&key).expect("rotation");
    let signer = Signer::new(&rotated, "session").expect("signer");
    let timed = TimestampSigner::new(signer.clone(), 60);
    let sessions = SessionSigner::new(signer.clone(), 60, 600);
    let printed = format!(
        "{key:?} {rotated:?} {signer:?} {timed:?} {sessions:?} {:?}",
        key.clone()
    );
    for needle in ["5ec7", "5EC7", "[94", "94, 199"] {
        assert!(!printed.contains(needle), "{printed}");
    }
    assert!(printed.contains("<redacted>"), "{printed}");
    // Nor do the parts of a value, which are a credential: the signature stays hidden.
    let value = signer.sign("12345").expect("sign");
    let (_, sig) = value.split_once('.').expect("dot");
    let parts = format!("{:?} {value:?}", sigcookie::format::inspect(&value));
    assert!(parts.contains("12345") && !parts.contains(sig), "{parts}");
    let login = sessions
        .login_at("12345", NOW, &Cutoffs::NONE)
        .expect("login");
    let (_, sig) = login.rsplit_once('.').expect("dot");
    let verified = sessions
        .verify_at(&login, NOW, &Cutoffs::NONE)
        .expect("valid");
    let parts = format!("{login:?} {verified:?}");
    assert!(parts.contains("12345") && !parts.contains(sig), "{parts}");
    // Error messages name no key material either.
    assert_eq!(
        format!("{}", ConfigError::KeyNotHex),
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
    shareable::<SessionSigner>();
    shareable::<Error>();
    shareable::<ConfigError>();
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
