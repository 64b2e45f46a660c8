//! Every call of the command line into the sigcookie library: when the library's API changes,
//! this is the file to edit.

use std::path::Path;

use sigcookie::{ConfigError, Cutoffs, Error, SessionSigner, TimestampSigner, format};
use zeroize::Zeroizing;

use crate::args::Shape;
use crate::failure::{Failure, explain_empty, explain_inspect, explain_scheme};

pub use sigcookie::{
    Ed25519PublicKey, Ed25519Signer, Ed25519SigningKey, Ed25519Verifier, Key, Signer,
    TAG_LEN_DEFAULT, TAG_LEN_MAX, TAG_LEN_MIN,
};

/// The variable the secret is read from without `--secret-file`.
pub const SECRET_ENV: &str = "SIGCOOKIE_SECRET";
/// The variable the Ed25519 signing key is read from by `sign --ed25519`, without
/// `--ed25519-key-file`.
pub const ED25519_KEY_ENV: &str = "SIGCOOKIE_ED25519_KEY";
/// The leeway of `verify` without `--leeway`: the library's.
pub const DEFAULT_LEEWAY: u64 = TimestampSigner::DEFAULT_LEEWAY;
/// Bytes of an Ed25519 signing key's seed (RFC 8032's private key).
const ED25519_SEED_LEN: usize = 32;
/// The largest value `verify` and `inspect` read from standard input is a few times this.
pub const MAX_VALUE_LEN: usize = sigcookie::MAX_VALUE_LEN;

/// What `sign` signs with: an HMAC secret, or an Ed25519 signing key.
// One is built per run and moved once: boxing the larger variant would save nothing.
#[allow(clippy::large_enum_variant)]
pub enum Issuer {
    Hmac(Signer),
    Ed25519(Ed25519Signer),
}

/// What `verify` checks with: an HMAC secret, or Ed25519 public keys alone.
// As for `Issuer`, one per run.
#[allow(clippy::large_enum_variant)]
pub enum Verifier {
    Hmac(Signer),
    Ed25519(Ed25519Verifier),
}

/// `$body` with `$scheme` bound to the signer inside `$value`, an [`Issuer`] or a [`Verifier`],
/// whichever scheme it holds. A macro rather than a generic function: the library's traits over
/// its schemes are sealed and cannot be named outside it, so the body is written once and
/// compiled for each scheme.
macro_rules! with_scheme {
    ($kind:ident, $value:expr, |$scheme:ident| $body:expr) => {
        match $value {
            $kind::Hmac($scheme) => $body,
            $kind::Ed25519($scheme) => $body,
        }
    };
}

/// The times a value carries: none, the issue time, or the login and issue times.
#[derive(Default, Clone, Copy)]
pub struct Times {
    pub logged_in_at: Option<u64>,
    pub issued_at: Option<u64>,
}

impl Times {
    fn issued(issued_at: u64) -> Times {
        Times {
            logged_in_at: None,
            issued_at: Some(issued_at),
        }
    }

    fn session(logged_in_at: u64, issued_at: u64) -> Times {
        Times {
            logged_in_at: Some(logged_in_at),
            issued_at: Some(issued_at),
        }
    }
}

/// What `verify` checks a value against, besides the signer.
pub struct Limits {
    pub max_age: u64,
    pub lifetime: u64,
    pub leeway: u64,
    pub now: Option<u64>,
    pub not_before: Option<u64>,
}

/// The parts of a value, unverified.
pub struct Parts {
    pub id: String,
    pub times: Times,
    pub signature: String,
    pub tag_len: usize,
    /// The key id of an Ed25519 value; `None` for an HMAC value.
    pub key_id: Option<String>,
}

/// A fresh random secret of the library's minimum key length, in hex.
pub fn keygen() -> Result<Zeroizing<String>, Failure> {
    let mut secret = Zeroizing::new([0u8; Key::MIN_LEN]);
    getrandom::fill(&mut *secret).map_err(|_| ConfigError::RandomUnavailable)?;
    let mut hex = Zeroizing::new([0u8; 2 * Key::MIN_LEN]);
    let hex = base16ct::lower::encode_str(secret.as_slice(), &mut *hex)
        .map_err(|_| Failure::config("Encoding", "cannot encode the secret"))?;
    Ok(Zeroizing::new(hex.to_owned()))
}

/// A fresh random Ed25519 signing key: the contents of its key file, and its public key.
///
/// The file is the standard PKCS#8 PEM block (`-----BEGIN PRIVATE KEY-----`, as `openssl
/// genpkey -algorithm ed25519` writes it), not bare hex: a public key is 64 hex digits too, and
/// a key file that says what it is cannot be handed to a verifier by mistake (the public key
/// readers refuse it). `ed25519-dalek`'s PKCS#8 encoder writes it, into a string it wipes.
pub fn ed25519_keygen() -> Result<(Zeroizing<String>, Ed25519PublicKey), Failure> {
    use ed25519_dalek::pkcs8::{EncodePrivateKey, spki::der::pem::LineEnding};
    let mut seed = Zeroizing::new([0u8; ED25519_SEED_LEN]);
    getrandom::fill(&mut *seed).map_err(|_| ConfigError::RandomUnavailable)?;
    let public = *Ed25519SigningKey::from_bytes(&*seed)?.public_key();
    let file = ed25519_dalek::SigningKey::from_bytes(&seed)
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|_| Failure::config("Encoding", "cannot encode the signing key"))?;
    Ok((file, public))
}

/// The key in [`SECRET_ENV`], read here rather than with `Key::from_env` so that a broken
/// secret says what is wrong with it (not hex, too short), as for a secret file.
pub fn key_from_env() -> Result<Key, Failure> {
    let bytes = env_bytes(
        SECRET_ENV,
        "a hex secret (see `sigcookie keygen`) or pass --secret-file; for Ed25519 values, \
         --ed25519-key-file signs and --public-key verifies",
    )?;
    key_from_bytes(&bytes, &format!("environment variable {SECRET_ENV}"))
}

/// The Ed25519 signing key in [`ED25519_KEY_ENV`], read as [`key_from_env`] reads the secret.
pub fn ed25519_key_from_env() -> Result<Ed25519SigningKey, Failure> {
    let bytes = env_bytes(
        ED25519_KEY_ENV,
        "the signing key `sigcookie keygen --ed25519` wrote, or pass --ed25519-key-file",
    )?;
    ed25519_key_from_bytes(&bytes, &format!("environment variable {ED25519_KEY_ENV}"))
}

/// The raw bytes of the secret in `variable`, wiped when dropped; missing, an error that says
/// what to `set` it to.
fn env_bytes(variable: &str, set_to: &str) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let Some(raw) = std::env::var_os(variable) else {
        return Err(Failure::config(
            "KeyEnvMissing",
            format!("no secret: set {variable} to {set_to}"),
        ));
    };
    // Raw bytes: `env::var`'s error for a non-Unicode value would carry the secret off in an
    // `OsString` that nobody wipes.
    Ok(Zeroizing::new(raw.into_encoded_bytes()))
}

/// The key in the bytes of the secret file at `path`.
pub fn key_from_file_bytes(bytes: &[u8], path: &Path) -> Result<Key, Failure> {
    key_from_bytes(bytes, &format!("secret file {}", path.display()))
}

/// The key in `bytes` of hex, from `source`, which the message names.
fn key_from_bytes(bytes: &[u8], source: &str) -> Result<Key, Failure> {
    // Bytes, not `read_to_string`: its error for a non-UTF-8 file would drop an unwiped copy.
    let text = std::str::from_utf8(bytes).map_err(|_| ConfigError::KeyNotHex);
    text.and_then(Key::from_hex)
        .map_err(|e| Failure::config(e.name(), format!("{source}: {e}")))
}

/// The Ed25519 signing key in the bytes of the key file at `path`: its seed in hex.
pub fn ed25519_key_from_file_bytes(
    bytes: &[u8],
    path: &Path,
) -> Result<Ed25519SigningKey, Failure> {
    ed25519_key_from_bytes(bytes, &format!("key file {}", path.display()))
}

/// The Ed25519 signing key in `bytes`, from `source`, which the message names: the PKCS#8 PEM
/// block `keygen --ed25519` writes, or the seed in hex.
fn ed25519_key_from_bytes(bytes: &[u8], source: &str) -> Result<Ed25519SigningKey, Failure> {
    // Bytes, not `read_to_string`: its error for a non-UTF-8 file would drop an unwiped copy.
    let text = std::str::from_utf8(bytes).map_err(|_| ConfigError::Ed25519KeyMalformed);
    text.and_then(|text| match text.contains("-----BEGIN") {
        true => Ed25519SigningKey::from_pem(text),
        false => Ed25519SigningKey::from_hex(text),
    })
    .map_err(|e| Failure::config(e.name(), format!("{source}: {e}")))
}

/// The Ed25519 public key in `hex`, given as `--public-key` or `--previous-public-key`.
pub fn public_key_from_hex(hex: &str, flag: &str) -> Result<Ed25519PublicKey, Failure> {
    Ed25519PublicKey::from_hex(hex).map_err(|e| Failure::config(e.name(), format!("{flag}: {e}")))
}

/// The Ed25519 public key in the bytes of the file at `path`: 64 hex digits, or a PEM block.
pub fn public_key_from_file_bytes(bytes: &[u8], path: &Path) -> Result<Ed25519PublicKey, Failure> {
    let text = std::str::from_utf8(bytes).map_err(|_| ConfigError::Ed25519KeyMalformed);
    text.and_then(|text| {
        if text.contains("-----BEGIN") {
            Ed25519PublicKey::from_pem(text)
        } else {
            Ed25519PublicKey::from_hex(text)
        }
    })
    .map_err(|e| Failure::config(e.name(), format!("public key file {}: {e}", path.display())))
}

/// A signer bound to `purpose` (unbound without one), with `previous` keys still accepted.
pub fn signer(
    current: &Key,
    previous: &[Key],
    purpose: Option<&str>,
    tag_len: usize,
) -> Result<Signer, Failure> {
    let key = previous
        .iter()
        .try_fold(current.clone(), |key, old| key.with_previous(old))?;
    let signer = match purpose {
        Some(purpose) => Signer::new(&key, purpose)?,
        None => Signer::unbound(&key),
    };
    Ok(signer.with_tag_len(tag_len)?)
}

/// An Ed25519 signer bound to `purpose`. Ed25519 values have no unbound scheme, so the command
/// line refuses `--unbound` with an Ed25519 key; a missing purpose is still refused here.
pub fn ed25519_signer(
    key: &Ed25519SigningKey,
    purpose: Option<&str>,
) -> Result<Ed25519Signer, Failure> {
    Ok(Ed25519Signer::new(key, ed25519_purpose(purpose)?)?)
}

/// An Ed25519 verifier of `purpose`'s values under `current`, with `previous` keys still
/// accepted.
pub fn ed25519_verifier(
    current: Ed25519PublicKey,
    previous: &[Ed25519PublicKey],
    purpose: Option<&str>,
) -> Result<Ed25519Verifier, Failure> {
    let keys = previous
        .iter()
        .try_fold(current, |keys, old| keys.with_previous(old))?;
    Ok(Ed25519Verifier::new(&keys, ed25519_purpose(purpose)?)?)
}

fn ed25519_purpose(purpose: Option<&str>) -> Result<&str, Failure> {
    purpose.ok_or_else(|| {
        Failure::config(
            "Usage",
            "Ed25519 values are always bound to a purpose: give --purpose",
        )
    })
}

/// Signs `id` as a value of `shape`, issued at `at` (default now) and, for a session, logged
/// in at `logged_in_at` (default the issue time).
pub fn sign(
    issuer: Issuer,
    shape: Shape,
    id: &str,
    at: Option<u64>,
    logged_in_at: Option<u64>,
) -> Result<(String, Times), Failure> {
    Ok(match shape {
        Shape::Untimed => {
            let value = with_scheme!(Issuer, issuer, |signer| signer.sign(id))?;
            (value.to_string(), Times::default())
        }
        Shape::Timestamped => {
            let now = now_or(at)?;
            let value = with_scheme!(Issuer, issuer, |signer| {
                TimestampSigner::new(signer, 0).sign_at(id, now)
            })?;
            (value.to_string(), Times::issued(now))
        }
        Shape::Session => {
            let now = now_or(at)?;
            let logged_in_at = logged_in_at.unwrap_or(now);
            (
                session_value(issuer, id, logged_in_at, now)?,
                Times::session(logged_in_at, now),
            )
        }
    })
}

/// A session value of `id` logged in at `logged_in_at` and issued at `now`. The library signs
/// sessions only as a login and its renewals, so this is a login at `logged_in_at` renewed at
/// `now`, by a signer without idle or lifetime limits (the verifier's limits are not the
/// issuer's business here).
fn session_value(issuer: Issuer, id: &str, logged_in_at: u64, now: u64) -> Result<String, Failure> {
    if logged_in_at > now {
        return Err(Error::AuthAfterIssue {
            logged_in_at,
            issued_at: now,
        }
        .into());
    }
    let value = with_scheme!(Issuer, issuer, |signer| {
        let issuer = SessionSigner::new(signer, u64::MAX, u64::MAX).with_leeway(0);
        issuer
            .login_at(id, logged_in_at, &Cutoffs::NONE)
            .and_then(|login| {
                let session = issuer.verify_at(&login, logged_in_at, &Cutoffs::NONE)?;
                issuer.renew_at(&session, now, &Cutoffs::NONE)
            })
    })?;
    Ok(value.to_string())
}

/// Verifies `value` as a value of `shape`: its id and times, or why it was rejected.
pub fn verify(
    verifier: Verifier,
    shape: Shape,
    value: &str,
    limits: &Limits,
) -> Result<(String, Times), Failure> {
    let cutoffs = limits.not_before.map_or(Cutoffs::NONE, Cutoffs::at);
    let other_scheme = other_scheme(value, &verifier);
    let verified = match shape {
        Shape::Untimed => with_scheme!(Verifier, verifier, |signer| signer.verify(value))
            .map(|id| (id, Times::default())),
        Shape::Timestamped => {
            let now = now_or(limits.now)?;
            with_scheme!(Verifier, verifier, |signer| {
                TimestampSigner::new(signer, limits.max_age)
                    .with_leeway(limits.leeway)
                    .verify_at(value, now)
            })
            .and_then(|v| v.check_revocation(&cutoffs))
            .map(|v| (v.id(), Times::issued(v.issued_at())))
        }
        Shape::Session => {
            let now = now_or(limits.now)?;
            with_scheme!(Verifier, verifier, |signer| {
                SessionSigner::new(signer, limits.max_age, limits.lifetime)
                    .with_leeway(limits.leeway)
                    .verify_at(value, now, &cutoffs)
            })
            .map(|v| (v.id(), Times::session(v.logged_in_at(), v.issued_at())))
        }
    };
    verified
        .map(|(id, times)| (id.to_owned(), times))
        .map_err(|e| match (e, other_scheme) {
            (
                Error::PartCount { .. } | Error::SignatureLength { .. } | Error::TooLong { .. },
                Some(reason),
            ) => explain_scheme(e, reason),
            _ => explain_empty(value, e),
        })
}

/// Why `value` is refused when it is plainly a value of the other scheme than `verifier`'s:
/// the key id that only Ed25519 values carry gives it away.
fn other_scheme(value: &str, verifier: &Verifier) -> Option<String> {
    let key_id = format::inspect(value).ok()?.key_id();
    match (verifier, key_id) {
        (Verifier::Hmac(_), Some(key_id)) => Some(format!(
            "an Ed25519 value (key id {key_id}) given to an HMAC secret: verify it with \
             --public-key or --public-key-file"
        )),
        (Verifier::Ed25519(_), None) => Some(
            "an HMAC value given to an Ed25519 public key: verify it with its secret".to_owned(),
        ),
        _ => None,
    }
}

/// The parts of `value`, without verifying it.
pub fn inspect(value: &str) -> Result<Parts, Failure> {
    let parts = format::inspect(value).map_err(|e| explain_inspect(value, e))?;
    Ok(Parts {
        id: parts.id().to_owned(),
        times: Times {
            logged_in_at: parts.logged_in_at(),
            issued_at: parts.issued_at(),
        },
        signature: parts.signature().to_owned(),
        tag_len: parts.tag_len(),
        key_id: parts.key_id().map(str::to_owned),
    })
}

/// `at`, or the system clock's time.
pub fn now_or(at: Option<u64>) -> Result<u64, Failure> {
    match at {
        Some(at) => Ok(at),
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_secs())
            .map_err(|_| Error::ClockBeforeEpoch.into()),
    }
}
