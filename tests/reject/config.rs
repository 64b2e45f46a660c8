//! Configuration: keys, hex and environment secrets, purposes, tag lengths and rotation.

use sigcookie::{ConfigError, Key, MAX_PREVIOUS_KEYS, Signer};

use crate::key;

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
