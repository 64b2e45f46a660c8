//! What errors and signers print, never a secret, and that they can be shared.

use sigcookie::{ConfigError, Cutoffs, Error, Key, SessionSigner, Signer, TimestampSigner};

use crate::{NOW, untimed};

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
