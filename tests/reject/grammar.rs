//! The grammar of a value: parts, timestamps, ids and bytes; each shape refuses the others.

use sigcookie::header::CookieSpec;
use sigcookie::{Cutoffs, Error};

use crate::{NOW, good, good_timed, sessions, untimed, verify, verify_timed};

/// Replaces the timestamp of a valid timed value, keeping its id and signature.
fn with_ts(ts: &str) -> String {
    let value = good_timed();
    let (id, rest) = value.split_once('.').expect("id");
    let (_, sig) = rest.split_once('.').expect("ts");
    format!("{id}.{ts}.{sig}")
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
