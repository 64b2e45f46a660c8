//! Fixtures shared by the benches and the examples of this package, and the examples' own
//! shared parts: the timing loop's ([`timing`]), the machine line's ([`machine`]) and the chart
//! ([`chart`]).
//!
//! Every contender signs the same ids under the same secret, and the JWT carries the same
//! information as a timestamped value (`sub`, `iat`, `exp`), so the criterion run and the quick
//! comparison measure exactly the same operations and their numbers can be checked against each
//! other. The Ed25519 contenders share one signing key the same way.

// Each bench target and each example use a different subset of these fixtures.
#![allow(dead_code)]

pub mod chart;
pub mod machine;
pub mod store;
pub mod timing;

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ed25519_dalek::Signer as _;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use sha2::digest::core_api::Block;
use sigcookie::{
    Ed25519PublicKey, Ed25519Signer, Ed25519SigningKey, Ed25519Verifier, Key, Signer,
    TimestampSigner,
};

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

/// Runs `f` `depth` stack frames (of about 100 bytes each) below the caller.
///
/// How long an Ed25519 verification takes depends on where on the stack it runs: on the
/// machine of the README's figures, the same `verify_strict` of the same value took from 45 to
/// 54 µs as the stack under it grew by steps of 512 bytes, the slow places changing from one
/// process to the next (the stack's base is random). So two call sites of the same arithmetic,
/// sigcookie's and a bare one, differ by up to a tenth in one process, the one or the other
/// faster. Timing each batch at another depth gives every operation the same spread of
/// placements, so that their ratio measures the work, not where each happened to sit.
#[inline(never)]
pub fn at_depth<R>(depth: u32, f: &mut dyn FnMut() -> R) -> R {
    let pad = black_box([0u8; 64]);
    let result = if depth == 0 {
        f()
    } else {
        at_depth(depth - 1, f)
    };
    // Used after the call, so the frame is not reused for it.
    black_box(&pad);
    result
}

/// Depths for successive batches, for [`at_depth`]: 0 to 63 frames (over 4 KiB), in a fixed
/// pseudo-random order, so that a run is reproducible.
pub struct Depths(u32);

impl Depths {
    pub fn new() -> Depths {
        Depths(0x9e37_79b9)
    }

    pub fn next_depth(&mut self) -> u32 {
        // xorshift32 (Marsaglia, 2003).
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0 % 64
    }
}

/// One Ed25519 seed for every Ed25519 contender: the bytes `0x00, 0x01, …, 0x1f` of the
/// format's worked example (`docs/format.md`, "Ed25519 values"), so the untimed value of `12345`
/// is the one printed there.
pub const ED25519_SEED: [u8; 32] = {
    let mut seed = [0; 32];
    let mut i = 0;
    while i < seed.len() {
        seed[i] = i as u8;
        i += 1;
    }
    seed
};

/// The seeds of the three previous keys of the rotation bench, newest first.
pub const ED25519_PREVIOUS_SEEDS: [[u8; 32]; 3] = [[0xa1; 32], [0xa2; 32], [0xa3; 32]];

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

/// The signature a contender makes: it picks the table a contender is shown in, and the JWT
/// it is compared with (HS256 for HMAC, EdDSA for Ed25519).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Family {
    Hmac,
    Ed25519,
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
    /// HMAC or Ed25519.
    fn family(&self) -> Family;
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

    fn family(&self) -> Family {
        Family::Hmac
    }
}

/// A sigcookie Ed25519 signer, untimed or timestamped, for one id: the same operations as
/// [`Sigcookie`], with an [`Ed25519Signer`] in place of the HMAC signer.
pub struct Ed25519Sigcookie {
    id: &'static str,
    now: u64,
    timed: Option<TimestampSigner<Ed25519Signer>>,
    signer: Ed25519Signer,
    value: String,
}

impl Ed25519Sigcookie {
    pub fn new(id: &'static str, timed: bool, now: u64) -> Ed25519Sigcookie {
        let key = Ed25519SigningKey::from_bytes(&ED25519_SEED).expect("32-byte seed");
        let signer = Ed25519Signer::new(&key, NAME).expect("valid signer");
        let timed = timed.then(|| TimestampSigner::new(signer.clone(), MAX_AGE));
        let mut this = Ed25519Sigcookie {
            id,
            now,
            timed,
            signer,
            value: String::new(),
        };
        this.value = this.sign_once().to_string();
        this
    }

    /// The format's name for the value's shape, the third piece of the signed message.
    fn shape(&self) -> &'static str {
        if self.timed.is_some() {
            "timestamped"
        } else {
            "untimed"
        }
    }

    fn verify_once(&self) -> Result<&str, sigcookie::Error> {
        let value = black_box(self.value.as_str());
        match &self.timed {
            Some(timed) => timed.verify_at(value, black_box(self.now)).map(|v| v.id()),
            None => self.signer.verify(value),
        }
    }

    fn sign_once(&self) -> sigcookie::SignedValue {
        let id = black_box(self.id);
        match &self.timed {
            Some(timed) => timed.sign_at(id, black_box(self.now)),
            None => self.signer.sign(id),
        }
        .expect("valid id")
    }
}

impl Contender for Ed25519Sigcookie {
    fn name(&self) -> String {
        let kind = if self.timed.is_some() {
            "timed"
        } else {
            "untimed"
        };
        format!("sigcookie Ed25519 {kind} {}", id_label(self.id))
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

    fn family(&self) -> Family {
        Family::Ed25519
    }
}

/// `PAE(p1, ..., pn) = LE64(n) || LE64(len(p1)) || p1 || ... || LE64(len(pn)) || pn`, written
/// here from the format's text (`docs/format.md`, "Ed25519 values") rather than taken from the
/// library, so that the bare check below signs the message the format defines.
pub fn pae(pieces: &[&[u8]]) -> Vec<u8> {
    let mut out = (pieces.len() as u64).to_le_bytes().to_vec();
    for piece in pieces {
        out.extend_from_slice(&(piece.len() as u64).to_le_bytes());
        out.extend_from_slice(piece);
    }
    out
}

/// The bytes of lowercase hex, for the signature at the end of a value.
fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits"))
        .collect()
}

/// The floor of the Ed25519 rows: `ed25519-dalek` alone, signing and checking with
/// `verify_strict` the very message a sigcookie value's signature covers, with the key, the
/// message and the signature ready in memory. What sigcookie adds to it is the parse, the key
/// id's lookup, the hex of the signature and the message's assembly.
pub struct Bare {
    name: String,
    signing: ed25519_dalek::SigningKey,
    verifying: ed25519_dalek::VerifyingKey,
    message: Vec<u8>,
    signature: ed25519_dalek::Signature,
}

impl Bare {
    /// `value` as `ed25519-dalek` alone sees it under the key of `seed`: the message `M =
    /// PAE("sigcookie-ed25519-v1", purpose, shape, body)` of its body, and its signature.
    /// Checks nothing: its callers do.
    fn new(name: String, seed: &[u8; 32], shape: &str, value: &str) -> Bare {
        let signing = ed25519_dalek::SigningKey::from_bytes(seed);
        let (body, signature) = value.rsplit_once('.').expect("a signed value");
        let message = pae(&[
            b"sigcookie-ed25519-v1",
            NAME.as_bytes(),
            shape.as_bytes(),
            body.as_bytes(),
        ]);
        let signature =
            ed25519_dalek::Signature::from_slice(&unhex(signature)).expect("64-byte signature");
        Bare {
            name,
            verifying: signing.verifying_key(),
            signing,
            message,
            signature,
        }
    }

    /// The twin of a sigcookie Ed25519 contender, checked once: `verify_strict` accepts the
    /// value's own signature of `M`, and signing `M` again gives that signature back (Ed25519
    /// is deterministic), so both twins work on exactly the library's message.
    fn twin(value: &Ed25519Sigcookie) -> Bare {
        let name = value
            .name()
            .replace("sigcookie Ed25519", "ed25519-dalek alone");
        let bare = Bare::new(name, &ED25519_SEED, value.shape(), &value.value);
        assert!(bare.accepts(), "the library signs the format's message");
        assert_eq!(bare.signing.sign(&bare.message), bare.signature);
        bare
    }

    fn accepts(&self) -> bool {
        self.verifying
            .verify_strict(&self.message, &self.signature)
            .is_ok()
    }

    /// E.g. `ed25519-dalek alone untimed id5`.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn sign(&self) {
        black_box(black_box(&self.signing).sign(black_box(&self.message)));
    }

    pub fn verify(&self) {
        let _ = black_box(
            black_box(&self.verifying)
                .verify_strict(black_box(&self.message), black_box(&self.signature)),
        );
    }
}

/// The bare twins of the sigcookie Ed25519 contenders, in [`ed25519_contenders`] order.
pub fn bare_ed25519(now: u64) -> Vec<Bare> {
    IDS.iter()
        .flat_map(|&id| {
            [false, true].map(|timed| Bare::twin(&Ed25519Sigcookie::new(id, timed, now)))
        })
        .collect()
}

/// A forged value against a verifier holding four public keys, the current one and three
/// previous ones: the worst a stranger can make it do. The value names the oldest key, so the
/// key id's lookup walks every key, and carries a real signature by that key of another id, so
/// that `R` is a valid point and `S` canonical and `verify_strict` does all its arithmetic
/// before it refuses. The key id picks one key: it should cost one verification.
pub struct Forged {
    verifier: Ed25519Verifier,
    value: String,
    /// The same message and signature under the same key, for `ed25519-dalek` alone: the
    /// forged value's own floor, as signatures differ a little in what they cost to check.
    bare: Bare,
}

impl Forged {
    /// Its name in tables and criterion ids.
    pub const NAME: &str = "sigcookie Ed25519 forged id5, 4 keys";

    pub fn new() -> Forged {
        let seed = |seed: &[u8; 32]| Ed25519SigningKey::from_bytes(seed).expect("32-byte seed");
        let mut keys: Ed25519PublicKey = *seed(&ED25519_SEED).public_key();
        for previous in &ED25519_PREVIOUS_SEEDS {
            keys = keys
                .with_previous(seed(previous).public_key())
                .expect("four distinct keys");
        }
        let verifier = Ed25519Verifier::new(&keys, NAME).expect("valid verifier");
        let oldest = Ed25519Signer::new(&seed(&ED25519_PREVIOUS_SEEDS[2]), NAME).expect("signer");
        let genuine = oldest.sign(IDS[0]).expect("valid id");
        let other = oldest.sign("54321").expect("valid id");
        let (body, _) = genuine.rsplit_once('.').expect("a signed value");
        let (_, signature) = other.rsplit_once('.').expect("a signed value");
        let value = format!("{body}.{signature}");
        let bare = Bare::new(
            "ed25519-dalek alone forged id5".to_owned(),
            &ED25519_PREVIOUS_SEEDS[2],
            "untimed",
            &value,
        );
        let forged = Forged {
            verifier,
            value,
            bare,
        };
        // The genuine value verifies: only the signature is wrong, and both refuse it.
        assert_eq!(forged.verifier.verify(&genuine), Ok(IDS[0]));
        assert_eq!(
            forged.verifier.verify(&forged.value),
            Err(sigcookie::Error::BadSignature)
        );
        assert!(!forged.bare.accepts());
        forged
    }

    /// The verify of the forged value.
    pub fn run(&self) {
        let _ = black_box(self.verifier.verify(black_box(&self.value)));
    }

    /// `verify_strict` alone of the same message and signature under the same key.
    pub fn bare(&self) -> &Bare {
        &self.bare
    }
}

/// JWT claims carrying what a timestamped sigcookie value carries.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    sub: String,
    iat: u64,
    exp: u64,
}

/// `jsonwebtoken` with its default header and its default `Validation` (which checks `exp`) for
/// the algorithm: HS256 under [`SECRET`], or EdDSA under the Ed25519 key of [`ED25519_SEED`].
pub struct Jwt {
    claims: Claims,
    header: jsonwebtoken::Header,
    encoding: jsonwebtoken::EncodingKey,
    decoding: jsonwebtoken::DecodingKey,
    validation: jsonwebtoken::Validation,
    token: String,
}

impl Jwt {
    /// HS256, the JWT of the HMAC rows.
    pub fn hs256(id: &str, now: u64) -> Jwt {
        Jwt::new(
            id,
            now,
            jsonwebtoken::Algorithm::HS256,
            jsonwebtoken::EncodingKey::from_secret(&SECRET),
            jsonwebtoken::DecodingKey::from_secret(&SECRET),
        )
    }

    /// EdDSA (Ed25519), the JWT of the Ed25519 rows, under the same key as sigcookie's.
    /// `jsonwebtoken` 11 takes the private key as PKCS#8 DER and, under the name `from_ed_der`,
    /// the public key as its 32 raw bytes (what its PEM reader extracts from an SPKI block).
    /// It parses both again at every `encode` and `decode`: that is its cost, and timed with it.
    pub fn eddsa(id: &str, now: u64) -> Jwt {
        let signing = ed25519_dalek::SigningKey::from_bytes(&ED25519_SEED);
        let der = signing.to_pkcs8_der().expect("PKCS#8 of a seed");
        Jwt::new(
            id,
            now,
            jsonwebtoken::Algorithm::EdDSA,
            jsonwebtoken::EncodingKey::from_ed_der(der.as_bytes()),
            jsonwebtoken::DecodingKey::from_ed_der(signing.verifying_key().as_bytes()),
        )
    }

    fn new(
        id: &str,
        now: u64,
        algorithm: jsonwebtoken::Algorithm,
        encoding: jsonwebtoken::EncodingKey,
        decoding: jsonwebtoken::DecodingKey,
    ) -> Jwt {
        let mut jwt = Jwt {
            claims: Claims {
                sub: id.to_owned(),
                iat: now,
                exp: now + MAX_AGE,
            },
            header: jsonwebtoken::Header::new(algorithm),
            encoding,
            decoding,
            validation: jsonwebtoken::Validation::new(algorithm),
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
        format!(
            "jsonwebtoken {:?} {}",
            self.header.alg,
            id_label(&self.claims.sub)
        )
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

    fn family(&self) -> Family {
        match self.header.alg {
            jsonwebtoken::Algorithm::EdDSA => Family::Ed25519,
            _ => Family::Hmac,
        }
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

    fn family(&self) -> Family {
        Family::Hmac
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
        all.push(Box::new(Jwt::hs256(id, now)));
        all.push(Box::new(SignedJar::new(id)));
    }
    checked(all)
}

/// The Ed25519 contenders, in table order: sigcookie Ed25519 untimed and timed, then
/// `jsonwebtoken` EdDSA, for each id.
pub fn ed25519_contenders(now: u64) -> Vec<Box<dyn Contender>> {
    let mut all: Vec<Box<dyn Contender>> = Vec::new();
    for id in IDS {
        for timed in [false, true] {
            all.push(Box::new(Ed25519Sigcookie::new(id, timed, now)));
        }
        all.push(Box::new(Jwt::eddsa(id, now)));
    }
    checked(all)
}

/// Each contender checked once: its value verifies back to its id.
fn checked(all: Vec<Box<dyn Contender>>) -> Vec<Box<dyn Contender>> {
    for contender in &all {
        assert!(
            IDS.contains(&contender.verified_id().as_str()),
            "{}",
            contender.name()
        );
    }
    all
}
