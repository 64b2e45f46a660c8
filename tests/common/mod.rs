//! Shared by the integration tests: reading test vectors and naming error variants; `fleet`,
//! the waits of the shared stores' tests; `process`, the Redis servers of the Sentinel and
//! Cluster tests; `servers`, where a test's own server runs.
#![allow(dead_code)]

pub mod fleet;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod process;
#[cfg(feature = "redis")]
pub mod sentinel;
pub mod servers;

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use sigcookie::{Cutoffs, Error, Key, SessionSigner, Signer, TimestampSigner};

pub use servers::{server_folder, server_installed};

/// One test case as the vector file and the reference implementations describe it.
pub struct Case {
    pub name: String,
    /// The secret's bytes: the session values of [`Case::sign`] are computed from them with the
    /// `hmac` crate, apart from the library.
    pub secret: Vec<u8>,
    pub previous: Vec<Vec<u8>>,
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
    pub logged_in_at: Option<u64>,
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
        let key = |h: &Value| hex::decode(h.as_str().expect("hex string")).expect("valid hex");
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

    /// The case's key, with its previous keys for rotation. The vector files hold only valid
    /// configurations, so a refusal here is a broken file.
    pub fn key(&self) -> Key {
        let key = |bytes: &[u8]| Key::from_bytes(bytes).expect("valid key");
        self.previous.iter().fold(key(&self.secret), |k, old| {
            k.with_previous(&key(old))
                .expect("at most three previous keys")
        })
    }

    pub fn signer(&self) -> Signer {
        let key = self.key();
        let signer = match &self.purpose {
            Some(purpose) => Signer::new(&key, purpose).expect("valid purpose"),
            None => Signer::unbound(&key),
        };
        signer
            .with_tag_len(self.tag_bytes)
            .expect("valid tag length")
    }

    pub fn timed(&self) -> TimestampSigner {
        TimestampSigner::new(self.signer(), self.max_age).with_leeway(self.leeway)
    }

    pub fn session_signer(&self) -> SessionSigner {
        SessionSigner::new(self.signer(), self.max_age, self.lifetime).with_leeway(self.leeway)
    }

    /// The case's cut-off, the global one of the vector files.
    pub fn cutoffs(&self) -> Cutoffs {
        self.not_before.map_or(Cutoffs::NONE, Cutoffs::at)
    }

    /// Verifies the case's value as its signer would, cut-off included.
    pub fn verify(&self) -> Result<Accepted, Error> {
        if self.session {
            let v = self
                .session_signer()
                .verify_at(&self.value, self.now, &self.cutoffs())?;
            Ok(Accepted {
                id: v.id().to_owned(),
                issued_at: Some(v.issued_at()),
                logged_in_at: Some(v.logged_in_at()),
            })
        } else if self.timestamped {
            let v = self
                .timed()
                .verify_at(&self.value, self.now)?
                .check_revocation(&self.cutoffs())?;
            Ok(Accepted {
                id: v.id().to_owned(),
                issued_at: Some(v.issued_at()),
                logged_in_at: None,
            })
        } else {
            Ok(Accepted {
                id: self.signer().verify(&self.value)?.to_owned(),
                issued_at: None,
                logged_in_at: None,
            })
        }
    }

    /// Signs `id` as this case's current key would, with the case's times. The library makes
    /// session values only from a login and a renewal at the current time, so a session value
    /// with arbitrary times is computed here from the format's text, with the `hmac` crate.
    pub fn sign(
        &self,
        id: &str,
        logged_in_at: Option<u64>,
        ts: Option<u64>,
    ) -> Result<String, Error> {
        match (logged_in_at, ts) {
            (Some(logged_in_at), Some(ts)) => {
                let message = format!("{id}.{logged_in_at}.{ts}");
                Ok(format!("{message}.{}", self.tag_hex(message.as_bytes())))
            }
            (None, Some(ts)) => Ok(self.timed().sign_at(id, ts)?.to_string()),
            _ => Ok(self.signer().sign(id)?.to_string()),
        }
    }

    /// The lowercase hex of this case's truncated tag of `message`, by the format's text: the key
    /// is the secret itself for an unbound signer, else HMAC(secret, "sigcookie key " || purpose).
    pub fn tag_hex(&self, message: &[u8]) -> String {
        let hmac = |key: &[u8], data: &[&[u8]]| {
            let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
            data.iter().for_each(|d| mac.update(d));
            mac.finalize().into_bytes().to_vec()
        };
        let key = match &self.purpose {
            Some(purpose) => hmac(&self.secret, &[b"sigcookie key ", purpose.as_bytes()]),
            None => self.secret.clone(),
        };
        hex::encode(&hmac(&key, &[message])[..self.tag_bytes])
    }
}

impl Case {
    /// A case of a signer only, for tests outside the vector files that make values with
    /// [`Case::sign`]: `secret` bound to `purpose` (`None`: the unbound scheme), tags of
    /// `tag_bytes`; no value, no times.
    pub fn of(secret: &[u8], purpose: Option<&str>, tag_bytes: usize) -> Case {
        Case {
            name: String::new(),
            secret: secret.to_vec(),
            previous: Vec::new(),
            purpose: purpose.map(str::to_owned),
            tag_bytes,
            timestamped: false,
            session: false,
            value: String::new(),
            now: 0,
            max_age: 0,
            leeway: 0,
            lifetime: 0,
            not_before: None,
        }
    }

    /// A session value `id.auth.ts.sig` with any login and issue times, even ones no signer
    /// makes (a login after the issue time): computed from the format's text, see
    /// [`Case::sign`].
    pub fn session_value(&self, id: &str, logged_in_at: u64, issued_at: u64) -> String {
        self.sign(id, Some(logged_in_at), Some(issued_at))
            .expect("a session value is computed, never refused")
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

/// A clock the test moves by hand, in unix seconds; clones share the time, so a test keeps one
/// and gives a clone to the session cookie's builder.
#[derive(Clone, Debug, Default)]
pub struct ManualClock(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl ManualClock {
    pub fn new(now: u64) -> ManualClock {
        ManualClock(std::sync::Arc::new(std::sync::atomic::AtomicU64::new(now)))
    }

    pub fn set(&self, now: u64) {
        self.0.store(now, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl sigcookie::Clock for ManualClock {
    fn now(&self) -> Result<u64, Error> {
        Ok(self.get())
    }
}

/// The library's Ed25519 value of `id` under the signing key `seed` with the times
/// `(auth, ts)`: a session value is a login at `auth` renewed at `ts`, the only way the library
/// signs one (so `auth` is never the last second, which no login is stamped with).
pub fn ed25519_value(
    seed: &[u8],
    purpose: &str,
    times: (Option<u64>, Option<u64>),
    id: &str,
) -> String {
    use sigcookie::{Ed25519Signer, Ed25519SigningKey};
    let key = Ed25519SigningKey::from_bytes(seed).expect("seed");
    let signer = Ed25519Signer::new(&key, purpose).expect("purpose");
    match times {
        (Some(auth), Some(ts)) => {
            let session = SessionSigner::new(signer, u64::MAX, u64::MAX);
            let login = session.login_at(id, auth, &Cutoffs::NONE).expect("login");
            let verified = session
                .verify_at(&login, auth, &Cutoffs::NONE)
                .expect("own");
            let renewed = session.renew_at(&verified, ts, &Cutoffs::NONE);
            renewed.expect("renew").to_string()
        }
        (None, Some(ts)) => TimestampSigner::new(signer, u64::MAX)
            .sign_at(id, ts)
            .expect("sign")
            .to_string(),
        _ => signer.sign(id).expect("sign").to_string(),
    }
}

/// A plain hyper 1 server on 127.0.0.1 (no framework) whose every connection is served by
/// `service`, a tower service such as a handler behind a `SessionLayer`.
pub async fn hyper_server<S, B>(service: S) -> std::net::SocketAddr
where
    S: tower::Service<hyper::Request<hyper::body::Incoming>, Response = hyper::Response<B>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.expect("accept");
            let service = hyper_util::service::TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}
