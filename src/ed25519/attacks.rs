//! The known Ed25519 attacks, as data (`tests/vectors/ed25519_attacks/`): Wycheproof's vectors
//! and the CCTV edge cases that ed25519-dalek ships, each run through the checks a value's
//! signature meets here (the key refused at load, the signature's length, `check_signature`)
//! with the verdict `verify_strict` must give. Then the classic forgeries on a real value.

use serde_json::Value;

use super::*;
use crate::{Cutoffs, SessionSigner};

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/ed25519_attacks/"
);

fn json(file: &str) -> Value {
    let text = std::fs::read_to_string(format!("{DIR}{file}")).expect("vector file");
    serde_json::from_str(&text).expect("JSON")
}

fn bytes(hex: &str) -> Vec<u8> {
    hex::decode(hex).expect("hex")
}

/// What this crate does with a public key, a message and a signature: refuse the key when it is
/// loaded, refuse a signature that is not 64 bytes (128 hex digits, checked by the grammar),
/// else the one signature check. `(refused at load, accepted)`.
fn verdict(key: &[u8], msg: &[u8], sig: &[u8]) -> (bool, bool) {
    let Ok(key) = <[u8; 32]>::try_from(key) else {
        return (true, false);
    };
    let Ok(public) = Ed25519PublicKey::from_bytes(&key) else {
        return (true, false);
    };
    let Ok(sig) = <[u8; ED25519_SIG_LEN]>::try_from(sig) else {
        return (false, false);
    };
    let (verifying, _) = public.current();
    (false, check_signature(verifying, msg, &sig).is_ok())
}

fn expected(case: &Value) -> (bool, bool) {
    (
        case["key_refused_at_load"]
            .as_bool()
            .expect("key_refused_at_load"),
        case["verify_strict"].as_str().expect("verify_strict") == "accept",
    )
}

#[test]
fn every_wycheproof_vector_gets_the_verdict_of_verify_strict() {
    let vectors = json("wycheproof_ed25519_test.json");
    let expectations = json("wycheproof_expected.json");
    let by_id: std::collections::HashMap<u64, &Value> = expectations["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|case| (case["tcId"].as_u64().expect("tcId"), case))
        .collect();
    let mut seen = 0;
    for group in vectors["testGroups"].as_array().expect("groups") {
        let key = bytes(group["publicKey"]["pk"].as_str().expect("pk"));
        for test in group["tests"].as_array().expect("tests") {
            let id = test["tcId"].as_u64().expect("tcId");
            let msg = bytes(test["msg"].as_str().expect("msg"));
            let sig = bytes(test["sig"].as_str().expect("sig"));
            let got = verdict(&key, &msg, &sig);
            assert_eq!(
                got,
                expected(by_id[&id]),
                "Wycheproof tcId {id}: {}",
                test["comment"]
            );
            // Wycheproof's own verdict too: no case where strictness and Wycheproof disagree.
            assert_eq!(got.1, test["result"] == "valid", "Wycheproof tcId {id}");
            seen += 1;
        }
    }
    assert_eq!(seen, by_id.len());
    assert!(seen >= 150, "vector file looks truncated: {seen}");
}

#[test]
fn every_cctv_edge_case_gets_the_verdict_of_verify_strict() {
    let vectors = json("cctv_ed25519_validation_vectors.json");
    let expectations = json("cctv_expected.json");
    let cases = expectations["cases"].as_array().expect("cases");
    let vectors = vectors.as_array().expect("vectors");
    assert_eq!(vectors.len(), cases.len());
    assert!(vectors.len() >= 900, "vector file looks truncated");
    let mut refused_at_load = 0;
    for (vector, case) in vectors.iter().zip(cases) {
        assert_eq!(vector["number"], case["number"]);
        let key = bytes(vector["key"].as_str().expect("key"));
        let sig = bytes(vector["sig"].as_str().expect("sig"));
        let msg = vector["msg"].as_str().expect("msg").as_bytes();
        let got = verdict(&key, msg, &sig);
        assert_eq!(
            got,
            expected(case),
            "CCTV case {}: {:?}",
            case["number"],
            vector["flags"]
        );
        refused_at_load += usize::from(got.0);
    }
    // Every small-order key, the non-canonical encodings among them, is refused when loaded.
    assert_eq!(refused_at_load, 526);
}

/// ℓ, the order of the prime-order subgroup, little-endian.
const ELL: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// A real session value and the verifier of it, at a time it is valid.
fn real() -> (SessionSigner<Ed25519Verifier>, String) {
    let key = Ed25519SigningKey::from_bytes(&[9; 32]).expect("key");
    let signer = SessionSigner::new(
        Ed25519Signer::new(&key, "session").expect("signer"),
        600,
        3_600,
    );
    let value = signer
        .login_at("admin", 1_000, &Cutoffs::NONE)
        .expect("login");
    let verifier = Ed25519Verifier::new(key.public_key(), "session").expect("verifier");
    (SessionSigner::new(verifier, 600, 3_600), value.to_string())
}

/// The value with its signature bytes changed by `change`.
fn with_signature(value: &str, change: impl FnOnce(&mut [u8; 64])) -> String {
    let (body, sig) = value.rsplit_once('.').expect("dot");
    let mut sig: [u8; 64] = bytes(sig).try_into().expect("64 bytes");
    change(&mut sig);
    format!("{body}.{}", hex::encode(sig))
}

#[test]
fn a_malleated_signature_s_plus_ell_is_refused() {
    let (verifier, value) = real();
    assert!(verifier.verify_at(&value, 1_000, &Cutoffs::NONE).is_ok());
    let malleated = with_signature(&value, |sig| {
        // S + ℓ, little-endian with carry: the same point equation, a second spelling of S.
        let mut carry = 0u16;
        for (s, l) in sig[32..].iter_mut().zip(ELL) {
            let sum = u16::from(*s) + u16::from(l) + carry;
            *s = sum as u8;
            carry = sum >> 8;
        }
    });
    assert_ne!(malleated, value);
    assert_eq!(
        verifier.verify_at(&malleated, 1_000, &Cutoffs::NONE).err(),
        Some(Error::BadSignature)
    );
}

#[test]
fn a_small_order_or_non_canonical_r_is_refused() {
    let (verifier, value) = real();
    // The neutral point (y = 1), a point of order 2 (y = -1), and y = 1 + p spelled
    // non-canonically (p = 2^255 - 19, so 1 + p is 0xee ff .. 7f).
    let mut minus_one = [0xff; 32];
    minus_one[0] = 0xec;
    minus_one[31] = 0x7f;
    let mut one_plus_p = [0xff; 32];
    one_plus_p[0] = 0xee;
    one_plus_p[31] = 0x7f;
    let mut one = [0; 32];
    one[0] = 1;
    for r in [one, minus_one, one_plus_p] {
        let forged = with_signature(&value, |sig| sig[..32].copy_from_slice(&r));
        assert_eq!(
            verifier.verify_at(&forged, 1_000, &Cutoffs::NONE).err(),
            Some(Error::BadSignature),
            "R = {}",
            hex::encode(r)
        );
    }
}

#[test]
fn a_small_order_or_non_canonical_public_key_is_refused_when_loaded() {
    let mut one_plus_p = [0xff; 32];
    one_plus_p[0] = 0xee;
    one_plus_p[31] = 0x7f;
    // y = 1 + p (a second spelling of the neutral point), y = 0 (a point of order 4).
    for key in [one_plus_p, [0; 32]] {
        assert_eq!(
            Ed25519PublicKey::from_bytes(&key).err(),
            Some(ConfigError::Ed25519WeakKey),
            "{}",
            hex::encode(key)
        );
    }
    assert_eq!(
        Ed25519PublicKey::from_hex(&hex::encode(one_plus_p)).err(),
        Some(ConfigError::Ed25519WeakKey)
    );
}

#[test]
fn malformed_hex_is_refused_before_any_curve_arithmetic() {
    let (verifier, value) = real();
    let (body, sig) = value.rsplit_once('.').expect("dot");
    let cases = [
        (
            format!("{body}.{}", sig.to_uppercase()),
            Error::SignatureUppercase,
        ),
        (
            format!("{body}.{}", &sig[1..]),
            Error::SignatureLength {
                expected: 128,
                found: 127,
            },
        ),
        (
            format!("{body}.{sig}0"),
            Error::SignatureLength {
                expected: 128,
                found: 129,
            },
        ),
        (format!("{body}.{}g", &sig[1..]), Error::SignatureNotHex),
    ];
    for (value, error) in cases {
        assert_eq!(
            verifier.verify_at(&value, 1_000, &Cutoffs::NONE).err(),
            Some(error),
            "{value}"
        );
    }
}
