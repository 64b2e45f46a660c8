//! Every call of the command line into the sigcookie library: when the library's API changes,
//! this is the file to edit.

use std::path::Path;

use sigcookie::{ConfigError, Cutoffs, Error, SessionSigner, TimestampSigner, format};
use zeroize::Zeroizing;

use crate::args::Shape;
use crate::failure::{Failure, explain_empty, explain_inspect};

pub use sigcookie::{Key, Signer, TAG_LEN_DEFAULT, TAG_LEN_MAX, TAG_LEN_MIN};

/// The variable the secret is read from without `--secret-file`.
pub const SECRET_ENV: &str = "SIGCOOKIE_SECRET";
/// The leeway of `verify` without `--leeway`: the library's.
pub const DEFAULT_LEEWAY: u64 = TimestampSigner::DEFAULT_LEEWAY;
/// The largest value `verify` and `inspect` read from standard input is a few times this.
pub const MAX_VALUE_LEN: usize = sigcookie::MAX_VALUE_LEN;

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

/// The key in [`SECRET_ENV`], read here rather than with `Key::from_env` so that a broken
/// secret says what is wrong with it (not hex, too short), as for a secret file.
pub fn key_from_env() -> Result<Key, Failure> {
    let Some(raw) = std::env::var_os(SECRET_ENV) else {
        return Err(Failure::config(
            "KeyEnvMissing",
            format!(
                "no secret: set {SECRET_ENV} to a hex secret (see `sigcookie keygen`) or pass \
                 --secret-file"
            ),
        ));
    };
    // Raw bytes, wiped when dropped: `env::var`'s error for a non-Unicode value would carry
    // the secret off in an `OsString` that nobody wipes.
    let bytes = Zeroizing::new(raw.into_encoded_bytes());
    key_from_bytes(&bytes, &format!("environment variable {SECRET_ENV}"))
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

/// Signs `id` as a value of `shape`, issued at `at` (default now) and, for a session, logged
/// in at `logged_in_at` (default the issue time).
pub fn sign(
    signer: Signer,
    shape: Shape,
    id: &str,
    at: Option<u64>,
    logged_in_at: Option<u64>,
) -> Result<(String, Times), Failure> {
    Ok(match shape {
        Shape::Untimed => (signer.sign(id)?.to_string(), Times::default()),
        Shape::Timestamped => {
            let now = now_or(at)?;
            let value = TimestampSigner::new(signer, 0).sign_at(id, now)?;
            (value.to_string(), Times::issued(now))
        }
        Shape::Session => {
            let now = now_or(at)?;
            let logged_in_at = logged_in_at.unwrap_or(now);
            (
                session_value(signer, id, logged_in_at, now)?,
                Times::session(logged_in_at, now),
            )
        }
    })
}

/// A session value of `id` logged in at `logged_in_at` and issued at `now`. The library signs
/// sessions only as a login and its renewals, so this is a login at `logged_in_at` renewed at
/// `now`, by a signer without idle or lifetime limits (the verifier's limits are not the
/// issuer's business here).
fn session_value(signer: Signer, id: &str, logged_in_at: u64, now: u64) -> Result<String, Failure> {
    if logged_in_at > now {
        return Err(Error::AuthAfterIssue {
            logged_in_at,
            issued_at: now,
        }
        .into());
    }
    let issuer = SessionSigner::new(signer, u64::MAX, u64::MAX).with_leeway(0);
    let login = issuer.login_at(id, logged_in_at, &Cutoffs::NONE)?;
    let session = issuer.verify_at(&login, logged_in_at, &Cutoffs::NONE)?;
    Ok(issuer.renew_at(&session, now, &Cutoffs::NONE)?.to_string())
}

/// Verifies `value` as a value of `shape`: its id and times, or why it was rejected.
pub fn verify(
    signer: Signer,
    shape: Shape,
    value: &str,
    limits: &Limits,
) -> Result<(String, Times), Failure> {
    let cutoffs = limits.not_before.map_or(Cutoffs::NONE, Cutoffs::at);
    let verified = match shape {
        Shape::Untimed => signer.verify(value).map(|id| (id, Times::default())),
        Shape::Timestamped => TimestampSigner::new(signer, limits.max_age)
            .with_leeway(limits.leeway)
            .verify_at(value, now_or(limits.now)?)
            .and_then(|v| v.check_revocation(&cutoffs))
            .map(|v| (v.id(), Times::issued(v.issued_at()))),
        Shape::Session => SessionSigner::new(signer, limits.max_age, limits.lifetime)
            .with_leeway(limits.leeway)
            .verify_at(value, now_or(limits.now)?, &cutoffs)
            .map(|v| (v.id(), Times::session(v.logged_in_at(), v.issued_at()))),
    };
    verified
        .map(|(id, times)| (id.to_owned(), times))
        .map_err(|e| explain_empty(value, e))
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
