//! Fixtures shared by the benches and `examples/compare.rs` of this package.
//!
//! Every contender signs the same ids under the same secret, and the JWT carries the same
//! information as a timestamped value (`sub`, `iat`, `exp`), so the criterion run and the quick
//! comparison measure exactly the same operations and their numbers can be checked against each
//! other.

// Each bench target and the example use a different subset of these fixtures.
#![allow(dead_code)]

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use sha2::digest::core_api::Block;
use sigcookie::{Key, Signer, TimestampSigner};

/// One secret for every contender. 64 bytes because `cookie::Key::from` wants that many (it
/// splits them into a signing and an encryption half); HMAC keys of up to one block are used as
/// they are, so sigcookie and `jsonwebtoken` see the same key.
pub const SECRET: [u8; 64] = *b"sigcookie bench secret: 64 bytes, same for every contender here!";

/// The ids compared: a short numeric one and a UUID.
pub const IDS: [&str; 2] = ["12345", "0b9d4a5e-6f8c-4f3b-9a61-2d7e8c1f4b3a"];

/// Tag lengths compared, in bytes: the default (and longest) and the shortest allowed.
pub const TAG_LENS: [usize; 2] = [32, 16];

/// Lifetime of a timestamped value or token, in seconds.
pub const MAX_AGE: u64 = 3600;

/// Cookie name, which is also the signer's purpose.
pub const NAME: &str = "session";

/// Short label for an id in bench names: its length.
pub fn id_label(id: &str) -> String {
    format!("id{}", id.len())
}

/// The current time, read once: JWT validation checks `exp` against the real clock, so the
/// tokens must be fresh, and the sigcookie values are stamped with the same time.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// What one contender does: sign an id into a value and verify that value back.
///
/// Both methods feed their inputs through `black_box` and `black_box` their results, so callers
/// only loop over them. They check nothing: [`contenders`] checks each once, so that the timed
/// loop is the operation alone, the same for every contender.
pub trait Contender {
    /// Name in tables and criterion ids, e.g. `sigcookie timed tag16 id5`.
    fn name(&self) -> String;
    /// Signs the id (mutable for `SignedJar`, which stores the cookie it signs).
    fn sign(&mut self);
    /// Verifies the value made once at set-up.
    fn verify(&self);
    /// The id that verifying the value gives back, to check the contender once before timing.
    fn verified_id(&self) -> String;
    /// Length in bytes of the value or token carried in the cookie.
    fn size(&self) -> usize;
}

/// A sigcookie signer, untimed or timestamped, for one id.
pub struct Sigcookie {
    id: &'static str,
    now: u64,
    tag_len: usize,
    timed: Option<TimestampSigner>,
    signer: Signer,
    value: String,
}

impl Sigcookie {
    pub fn new(id: &'static str, tag_len: usize, timed: bool, now: u64) -> Sigcookie {
        let key = Key::from_bytes(&SECRET).expect("64-byte key");
        let signer = Signer::new(&key, NAME)
            .and_then(|signer| signer.with_tag_len(tag_len))
            .expect("valid signer");
        let timed = timed.then(|| TimestampSigner::new(signer.clone(), MAX_AGE));
        let mut this = Sigcookie {
            id,
            now,
            tag_len,
            timed,
            signer,
            value: String::new(),
        };
        this.value = this.sign_once().to_string();
        this
    }

    /// The untimed signer with the default tag and the short id: the value the summary ratios
    /// are taken for.
    pub fn reference(now: u64) -> Sigcookie {
        Sigcookie::new(IDS[0], 32, false, now)
    }

    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    pub fn value(&self) -> &str {
        &self.value
    }

    fn verify_once(&self) -> Result<&str, sigcookie::Error> {
        let value = black_box(self.value.as_str());
        match &self.timed {
            Some(timed) => timed.verify_at(value, black_box(self.now)).map(|v| v.id()),
            None => self.signer.verify(value),
        }
    }

    /// Signs into a `SignedValue` on the stack: the library's one sign, which allocates nothing.
    fn sign_once(&self) -> sigcookie::SignedValue {
        let id = black_box(self.id);
        match &self.timed {
            Some(timed) => timed.sign_at(id, black_box(self.now)),
            None => self.signer.sign(id),
        }
        .expect("valid id")
    }

    /// Verifies on one of `threads` threads sharing this signer, `iters` times each, and returns
    /// the wall time from the moment all threads are released to the moment the last finishes.
    pub fn verify_on_threads(&self, threads: usize, iters: u64) -> Duration {
        let start = std::sync::Barrier::new(threads + 1);
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    start.wait();
                    for _ in 0..iters {
                        self.verify();
                    }
                });
            }
            start.wait();
            let began = Instant::now();
            // Leaving the scope joins every thread before the time is read.
            began
        })
        .elapsed()
    }
}

impl Contender for Sigcookie {
    fn name(&self) -> String {
        let kind = if self.timed.is_some() {
            "timed"
        } else {
            "untimed"
        };
        format!("sigcookie {kind} tag{} {}", self.tag_len, id_label(self.id))
    }

    fn sign(&mut self) {
        black_box(self.sign_once());
    }

    fn verify(&self) {
        let _ = black_box(self.verify_once());
    }

    fn verified_id(&self) -> String {
        self.verify_once().expect("valid value").to_owned()
    }

    fn size(&self) -> usize {
        self.value.len()
    }
}

/// JWT claims carrying what a timestamped sigcookie value carries.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    sub: String,
    iat: u64,
    exp: u64,
}

/// `jsonwebtoken` HS256 with its default header and default `Validation` (which checks `exp`).
pub struct Jwt {
    claims: Claims,
    header: jsonwebtoken::Header,
    encoding: jsonwebtoken::EncodingKey,
    decoding: jsonwebtoken::DecodingKey,
    validation: jsonwebtoken::Validation,
    token: String,
}

impl Jwt {
    pub fn new(id: &str, now: u64) -> Jwt {
        let mut jwt = Jwt {
            claims: Claims {
                sub: id.to_owned(),
                iat: now,
                exp: now + MAX_AGE,
            },
            header: jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            encoding: jsonwebtoken::EncodingKey::from_secret(&SECRET),
            decoding: jsonwebtoken::DecodingKey::from_secret(&SECRET),
            validation: jsonwebtoken::Validation::default(),
            token: String::new(),
        };
        jwt.token = jwt.encode();
        jwt
    }

    fn decode(&self) -> jsonwebtoken::errors::Result<jsonwebtoken::TokenData<Claims>> {
        jsonwebtoken::decode(black_box(&self.token), &self.decoding, &self.validation)
    }

    fn encode(&self) -> String {
        jsonwebtoken::encode(&self.header, black_box(&self.claims), &self.encoding)
            .expect("encodable claims")
    }
}

impl Contender for Jwt {
    fn name(&self) -> String {
        format!("jsonwebtoken HS256 {}", id_label(&self.claims.sub))
    }

    fn sign(&mut self) {
        black_box(self.encode());
    }

    fn verify(&self) {
        let _ = black_box(self.decode());
    }

    fn verified_id(&self) -> String {
        self.decode().expect("valid token").claims.sub
    }

    fn size(&self) -> usize {
        self.token.len()
    }
}

/// `cookie`'s `SignedJar`: HMAC-SHA256 of the value, base64 tag prepended. Untimed, like an
/// untimed sigcookie value.
pub struct SignedJar {
    id: &'static str,
    key: cookie::Key,
    jar: cookie::CookieJar,
}

impl SignedJar {
    pub fn new(id: &'static str) -> SignedJar {
        let mut jar = SignedJar {
            id,
            key: cookie::Key::from(&SECRET),
            jar: cookie::CookieJar::new(),
        };
        jar.sign();
        jar
    }
}

impl Contender for SignedJar {
    fn name(&self) -> String {
        format!("cookie SignedJar {}", id_label(self.id))
    }

    fn sign(&mut self) {
        let cookie = cookie::Cookie::new(NAME, black_box(self.id));
        self.jar.signed_mut(&self.key).add(cookie);
        black_box(&self.jar);
    }

    fn verify(&self) {
        black_box(self.jar.signed(&self.key).get(black_box(NAME)));
    }

    fn verified_id(&self) -> String {
        let cookie = self.jar.signed(&self.key).get(NAME);
        cookie.expect("verified").value().to_owned()
    }

    fn size(&self) -> usize {
        self.jar.get(NAME).map_or(0, |cookie| cookie.value().len())
    }
}

/// Two SHA-256 compressions: an HMAC over a value shorter than a block needs one for the inner
/// hash and one for the outer, once the keyed states are precomputed; nothing that checks such a
/// MAC can do less.
pub struct Floor {
    state: [u32; 8],
    blocks: [Block<sha2::Sha256VarCore>; 2],
    hmac: Hmac<Sha256>,
}

impl Floor {
    pub fn new() -> Floor {
        Floor {
            // SHA-256's initial hash value (FIPS 180-4, 5.3.3).
            state: [
                0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
                0x5be0cd19,
            ],
            blocks: [
                // `From` rather than `generic-array` 0.14's own constructors, which it deprecates.
                SECRET.into(),
                [0x5c; 64].into(),
            ],
            hmac: <Hmac<Sha256> as KeyInit>::new_from_slice(&SECRET).expect("any key length"),
        }
    }

    pub fn run(&self) {
        let mut state = black_box(self.state);
        sha2::compress256(&mut state, black_box(&self.blocks));
        black_box(state);
    }

    /// The same two compressions, each starting from the state the last one left: the latency
    /// of the chain rather than the throughput. An HMAC's outer hash needs the inner digest, so
    /// its two compressions can only run like this, while back-to-back [`Floor::run`]s overlap
    /// in the processor.
    pub fn run_chained(&mut self) {
        sha2::compress256(&mut self.state, black_box(&self.blocks));
        black_box(&self.state);
    }

    /// HMAC-SHA256 of the short id with the `hmac` crate, continuing from a keyed state the way
    /// a signer did before it kept its own midstates (`src/mac.rs`): the MAC that sign and
    /// verify used to compute, kept as a point of comparison.
    pub fn run_hmac(&self) {
        let mut mac = black_box(&self.hmac).clone();
        mac.update(black_box(IDS[0].as_bytes()));
        black_box(mac.finalize().into_bytes());
    }
}

/// All the contenders of one operation's group, in table order: sigcookie untimed and timed at
/// each tag length, then `jsonwebtoken`, then `SignedJar`, for each id.
pub fn contenders(now: u64) -> Vec<Box<dyn Contender>> {
    let mut all: Vec<Box<dyn Contender>> = Vec::new();
    for id in IDS {
        for timed in [false, true] {
            for tag_len in TAG_LENS {
                all.push(Box::new(Sigcookie::new(id, tag_len, timed, now)));
            }
        }
        all.push(Box::new(Jwt::new(id, now)));
        all.push(Box::new(SignedJar::new(id)));
    }
    for contender in &all {
        assert!(
            IDS.contains(&contender.verified_id().as_str()),
            "{}",
            contender.name()
        );
    }
    all
}
