//! Shared by the integration tests: reading test vectors and naming error variants.
#![allow(dead_code)]

use serde_json::Value;
use sigcookie::{Cutoffs, Error, Key, SessionSigner, Signer, TimestampSigner};

/// One test case as the vector file and the reference implementations describe it.
pub struct Case {
    pub name: String,
    pub secret: Key,
    pub previous: Vec<Key>,
    pub purpose: Option<String>,
    pub tag_bytes: usize,
    pub timestamped: bool,
    pub session: bool,
    pub value: String,
    pub now: u64,
    pub max_age: u64,
    pub leeway: u64,
    pub lifetime: u64,
    pub not_before: Option<u64>,
}

/// What a verify gives back, in the vector files' terms.
#[derive(Debug, PartialEq, Eq)]
pub struct Accepted {
    pub id: String,
    pub issued_at: Option<u64>,
    pub auth: Option<u64>,
}

/// Large integers travel as decimal strings in the JSON (JavaScript loses precision past 2^53).
pub fn uint(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

impl Case {
    pub fn from_json(v: &Value) -> Case {
        let key = |h: &Value| Key::from_hex(h.as_str().expect("hex string")).expect("valid key");
        Case {
            name: v["name"].as_str().unwrap_or("").to_owned(),
            secret: key(&v["secret_hex"]),
            previous: v["previous_secret_hex"]
                .as_array()
                .map(|a| a.iter().map(key).collect())
                .unwrap_or_default(),
            purpose: v["purpose"].as_str().map(str::to_owned),
            tag_bytes: v["tag_bytes"].as_u64().expect("tag_bytes") as usize,
            timestamped: v["timestamped"].as_bool().unwrap_or(false),
            session: v["session"].as_bool().unwrap_or(false),
            value: v["value"].as_str().unwrap_or_default().to_owned(),
            now: uint(&v["now"]).unwrap_or(0),
            max_age: uint(&v["max_age"]).unwrap_or(0),
            leeway: uint(&v["leeway"]).unwrap_or(0),
            lifetime: uint(&v["lifetime"]).unwrap_or(0),
            not_before: uint(&v["not_before"]),
        }
    }

    pub fn signer(&self) -> Result<Signer, Error> {
        let builder = match &self.purpose {
            Some(purpose) => Signer::builder(&self.secret, purpose),
            None => Signer::unbound_builder(&self.secret),
        };
        self.previous
            .iter()
            .fold(builder.tag_len(self.tag_bytes), |b, k| b.previous_key(k))
            .build()
    }

    pub fn timed(&self) -> Result<TimestampSigner, Error> {
        Ok(TimestampSigner::new(self.signer()?, self.max_age).with_leeway(self.leeway))
    }

    pub fn session_signer(&self) -> Result<SessionSigner, Error> {
        Ok(
            SessionSigner::new(self.signer()?, self.max_age, self.lifetime)
                .with_leeway(self.leeway),
        )
    }

    /// The case's cut-off, the global one of the vector files.
    pub fn cutoffs(&self) -> Cutoffs {
        self.not_before.map_or(Cutoffs::NONE, Cutoffs::at)
    }

    /// Verifies the case's value as its signer would, cut-off included.
    pub fn verify(&self) -> Result<Accepted, Error> {
        if self.session {
            let v = self
                .session_signer()?
                .verify_at(&self.value, self.now)?
                .check_revocation(&self.cutoffs())?;
            Ok(Accepted {
                id: v.id().to_owned(),
                issued_at: Some(v.issued_at()),
                auth: Some(v.auth()),
            })
        } else if self.timestamped {
            let v = self
                .timed()?
                .verify_at(&self.value, self.now)?
                .check_revocation(&self.cutoffs())?;
            Ok(Accepted {
                id: v.id().to_owned(),
                issued_at: Some(v.issued_at()),
                auth: None,
            })
        } else {
            Ok(Accepted {
                id: self.signer()?.verify(&self.value)?.to_owned(),
                issued_at: None,
                auth: None,
            })
        }
    }

    /// Signs `id` as this case's signer would, with the case's times.
    pub fn sign(&self, id: &str, auth: Option<u64>, ts: Option<u64>) -> Result<String, Error> {
        match (auth, ts) {
            (Some(auth), Some(ts)) => self.session_signer()?.sign_at(id, auth, ts),
            (None, Some(ts)) => self.timed()?.sign_at(id, ts),
            _ => self.signer()?.sign(id),
        }
    }
}

/// The variant name of an error, as the vector files and reference implementations spell it.
pub fn variant(e: &Error) -> String {
    let debug = format!("{e:?}");
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("")
        .to_owned()
}

pub fn vectors() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/v1.json"
    ))
    .expect("tests/vectors/v1.json");
    serde_json::from_str(&text).expect("valid JSON")
}
