//! Known-answer tests of Ed25519 values against `tests/vectors/ed25519.json`, made from the
//! format's text by an independent implementation (Python's `cryptography`, cross-checked with
//! Node's `crypto`; see `tests/vectors/generate_ed25519.py`).
#![cfg(feature = "ed25519")]

mod common;

use common::{ed25519_value, uint, variant};
use serde_json::Value;
use sigcookie::store::{CutoffStore, MemoryStore};
use sigcookie::{
    ConfigError, Ed25519PublicKey, Ed25519SigningKey, Ed25519Verifier, Error, SessionSigner,
    TimestampSigner,
};

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/ed25519.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("vector file")).expect("JSON")
}

/// One vector: the verifier it describes, and its value.
struct Case<'a>(&'a Value);

impl Case<'_> {
    fn name(&self) -> &str {
        self.0["name"].as_str().unwrap_or_default()
    }

    fn time(&self, field: &str) -> u64 {
        uint(&self.0[field]).unwrap_or(0)
    }

    fn public_key(&self) -> Ed25519PublicKey {
        let key = |v: &Value| Ed25519PublicKey::from_hex(v.as_str().expect("hex")).expect("key");
        let previous = self.0["previous_public_key_hex"].as_array().expect("list");
        previous
            .iter()
            .fold(key(&self.0["public_key_hex"]), |keys, old| {
                keys.with_previous(&key(old))
                    .expect("at most three, distinct")
            })
    }

    fn purpose(&self) -> &str {
        self.0["purpose"].as_str().expect("purpose")
    }

    fn shape(&self) -> &str {
        self.0["shape"].as_str().expect("shape")
    }

    /// The store of the vector's cut-off and logouts.
    fn store(&self) -> MemoryStore {
        let store = MemoryStore::new();
        if let Some(not_before) = uint(&self.0["not_before"]) {
            store.revoke_all(not_before).expect("in memory");
        }
        for logout in self.0["logouts"].as_array().into_iter().flatten() {
            let id = logout["id"].as_str().expect("id");
            let auth = uint(&logout["auth"]).expect("auth");
            store.revoke_session(id, auth, u64::MAX).expect("in memory");
        }
        store
    }

    /// Verifies the value with a verifier that holds the public keys alone: `(id, ts, auth)`.
    fn verify(&self) -> Result<(String, Option<u64>, Option<u64>), Error> {
        let verifier = Ed25519Verifier::new(&self.public_key(), self.purpose()).expect("purpose");
        let (value, now) = (self.0["value"].as_str().expect("value"), self.time("now"));
        let (max_age, leeway) = (self.time("max_age"), self.time("leeway"));
        let store = self.store();
        match self.shape() {
            "untimed" => Ok((verifier.verify(value)?.to_owned(), None, None)),
            "timestamped" => {
                let timed = TimestampSigner::new(verifier, max_age).with_leeway(leeway);
                let verified = timed.verify_at(value, now)?.check_revocation(&store)?;
                Ok((verified.id().to_owned(), Some(verified.issued_at()), None))
            }
            _ => {
                let session = SessionSigner::new(verifier, max_age, self.time("lifetime"))
                    .with_leeway(leeway);
                let verified = session.verify_at(value, now, &store)?;
                let times = (Some(verified.issued_at()), Some(verified.logged_in_at()));
                Ok((verified.id().to_owned(), times.0, times.1))
            }
        }
    }

    /// Signs the vector's id and times with the library: a session value is a login at `auth`
    /// renewed at `ts`, the only way the library signs one; `None` for the last second, which
    /// no login is ever stamped with.
    fn sign(&self, seed: &str) -> Option<String> {
        let seed = hex::decode(seed).expect("hex");
        let id = self.0["id"].as_str().expect("id");
        let times = (uint(&self.0["auth"]), uint(&self.0["ts"]));
        (times.0 != Some(u64::MAX)).then(|| ed25519_value(&seed, self.purpose(), times, id))
    }

    /// Signs the vector's value from the format's text alone, with `ed25519-dalek`: the body is
    /// the value before its last `.`, the message `PAE(label, purpose, shape, body)`.
    fn sign_from_text(&self, seed: &str) -> String {
        use ed25519_dalek::Signer as _;
        let seed: [u8; 32] = hex::decode(seed)
            .expect("hex")
            .try_into()
            .expect("32 bytes");
        let value = self.0["value"].as_str().expect("value");
        let (body, _) = value.rsplit_once('.').expect("a dot");
        let pieces = [
            "sigcookie-ed25519-v1".as_bytes(),
            self.purpose().as_bytes(),
            self.shape().as_bytes(),
            body.as_bytes(),
        ];
        let mut message = (pieces.len() as u64).to_le_bytes().to_vec();
        for piece in pieces {
            message.extend((piece.len() as u64).to_le_bytes());
            message.extend(piece);
        }
        let signature = ed25519_dalek::SigningKey::from_bytes(&seed).sign(&message);
        format!("{body}.{}", hex::encode(signature.to_bytes()))
    }
}

#[test]
fn every_valid_vector_verifies_with_the_public_key_alone_and_is_reproduced() {
    let data = vectors();
    let valid = data["valid"].as_array().expect("valid vectors");
    assert!(valid.len() >= 40, "vector file looks truncated");
    for v in valid {
        let case = Case(v);
        let expected = (
            v["id"].as_str().expect("id").to_owned(),
            uint(&v["ts"]),
            uint(&v["auth"]),
        );
        assert_eq!(case.verify(), Ok(expected), "vector {}", case.name());
        // Ed25519 signatures are deterministic: the seed that made the value makes it again,
        // by the format's text and by the library.
        let seed = v["seed_hex"].as_str().expect("seed");
        let value = v["value"].as_str().expect("value");
        assert_eq!(case.sign_from_text(seed), value, "vector {}", case.name());
        if let Some(signed) = case.sign(seed) {
            assert_eq!(signed, value, "vector {}", case.name());
        }
    }
}

#[test]
fn every_invalid_vector_is_refused_with_its_error() {
    let data = vectors();
    let invalid = data["invalid"].as_array().expect("invalid vectors");
    assert!(invalid.len() >= 100, "vector file looks truncated");
    for v in invalid {
        let case = Case(v);
        let expected = v["error"].as_str().expect("error name");
        match case.verify() {
            Ok(got) => panic!("vector {} was accepted as {got:?}", case.name()),
            Err(e) => assert_eq!(variant(&e), expected, "vector {}", case.name()),
        }
    }
}

#[test]
fn every_bad_public_key_is_refused_when_loaded() {
    let data = vectors();
    let bad = data["bad_public_keys"].as_array().expect("bad keys");
    assert!(bad.len() >= 20, "vector file looks truncated");
    for v in bad {
        let refused = match (v["public_key_hex"].as_str(), v["public_key_pem"].as_str()) {
            (Some(hex), _) => Ed25519PublicKey::from_hex(hex).err(),
            (None, Some(pem)) => Ed25519PublicKey::from_pem(pem).err(),
            _ => panic!("vector {}: no key", v["name"]),
        };
        assert!(
            matches!(
                refused,
                Some(
                    ConfigError::Ed25519WeakKey
                        | ConfigError::Ed25519KeyMalformed
                        | ConfigError::Ed25519SigningKeyAsPublic
                )
            ),
            "key {} ({}) was {refused:?}",
            v["name"],
            v["reason"]
        );
    }
}

#[test]
fn the_keys_load_from_hex_and_pem_alike_with_their_key_ids() {
    let data = vectors();
    for v in data["keys"].as_array().expect("keys") {
        let seed =
            Ed25519SigningKey::from_hex(v["seed_hex"].as_str().expect("seed")).expect("seed");
        let hex =
            Ed25519PublicKey::from_hex(v["public_key_hex"].as_str().expect("hex")).expect("hex");
        let pem =
            Ed25519PublicKey::from_pem(v["public_key_pem"].as_str().expect("pem")).expect("pem");
        for key in [seed.public_key(), &hex, &pem] {
            assert_eq!(key.to_string(), v["public_key_hex"].as_str().expect("hex"));
            assert_eq!(key.key_id(), v["key_id"].as_str().expect("key id"));
        }
    }
}
