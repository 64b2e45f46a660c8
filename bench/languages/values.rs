//! `values.json`, read by the Rust rows of the cross-language benchmark and by the test that
//! keeps the file valid: the secret, the signers it configures and the tokens' key.

use serde::Deserialize;
use sigcookie::{Key, Signer, TimestampSigner};

/// The file, built into the program so that no path is looked up at run time.
pub const JSON: &str = include_str!("values.json");

#[derive(Deserialize)]
pub struct Values {
    pub secret_hex: String,
    pub purpose: String,
    pub tag_bytes: usize,
    // The test checks the values against these; the benchmark needs only the signers.
    #[allow(dead_code)]
    pub issued_at: u64,
    #[allow(dead_code)]
    pub expires_at: u64,
    pub max_age: u64,
    pub leeway: u64,
    pub values: Vec<Entry>,
}

/// One id's untimed value (`id.sig`), timed value (`id.ts.sig`) and HS256 JWT.
#[derive(Deserialize)]
pub struct Entry {
    pub id: String,
    pub untimed: String,
    pub timed: String,
    pub jwt: String,
}

#[derive(Debug, PartialEq, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iat: u64,
    pub exp: u64,
}

impl Values {
    pub fn load() -> Values {
        serde_json::from_str(JSON).expect("values.json parses")
    }

    /// The untimed signer, and the timed one over it with the file's maximum age and leeway.
    pub fn signers(&self) -> (Signer, TimestampSigner) {
        let key = Key::from_hex(&self.secret_hex).expect("the file's secret is a valid key");
        let signer = Signer::new(&key, &self.purpose)
            .and_then(|signer| signer.with_tag_len(self.tag_bytes))
            .expect("the file's purpose and tag length are valid");
        let timed = TimestampSigner::new(signer.clone(), self.max_age).with_leeway(self.leeway);
        (signer, timed)
    }

    /// `jsonwebtoken`'s key for the tokens, and its default validation for HS256 (the
    /// signature, then `exp`, which it requires).
    pub fn jwt(&self) -> (jsonwebtoken::DecodingKey, jsonwebtoken::Validation) {
        let secret = (0..self.secret_hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&self.secret_hex[i..i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .expect("the file's secret is hex");
        (
            jsonwebtoken::DecodingKey::from_secret(&secret),
            jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256),
        )
    }
}
