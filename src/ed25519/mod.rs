//! Ed25519 values (`docs/format.md`, "Ed25519 values"): signed by the one service that holds an
//! [`Ed25519SigningKey`], verified by any service that holds only the [`Ed25519PublicKey`],
//! which can then not mint a value of its own.
//!
//! [`Ed25519Signer`] and [`Ed25519Verifier`] take the place of an HMAC [`Signer`](crate::Signer)
//! in the timed signers: `TimestampSigner::new(verifier, max_age)`,
//! `SessionSigner::new(verifier, max_age, lifetime)`. The time rules, lifetimes and revocation
//! cut-offs are theirs, unchanged; only the signature differs.

mod key;
mod message;

use core::fmt;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

pub use key::{Ed25519PublicKey, Ed25519SigningKey};
use message::{Message, PURPOSE_MAX};

use crate::format::{ED25519_SIG_LEN, Kind, Parts, Shape};
use crate::mac::MacKey;
use crate::scheme::{Mint, Scheme};
use crate::signer::{SignedValue, write_value};
use crate::{ConfigError, Error, Key};

/// Prefix of the message that derives an Ed25519 session's CSRF token key from the seed.
const CSRF_LABEL: &[u8] = b"sigcookie ed25519 csrf key ";

/// Signs ids into Ed25519 values (`id.kid.sig`) and verifies them: the service that holds the
/// signing key. Bound to a purpose, like an HMAC [`Signer`](crate::Signer).
///
/// ```
/// use sigcookie::{Ed25519Signer, Ed25519SigningKey, Ed25519Verifier};
///
/// let key = Ed25519SigningKey::from_bytes(&[7; 32])?;
/// let signer = Ed25519Signer::new(&key, "session")?;
/// let value = signer.sign("12345")?;
/// // A service with the public key alone verifies it, and has no way to sign.
/// let verifier = Ed25519Verifier::new(key.public_key(), "session")?;
/// assert_eq!(verifier.verify(&value)?, "12345");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Ed25519Signer {
    /// The seed alone: the public keys are the verifier's.
    signing: SigningKey,
    /// `K_csrf` of the format's "CSRF tokens", from the seed, for the session's forms.
    csrf: MacKey,
    verifier: Ed25519Verifier,
}

impl Ed25519Signer {
    /// A signer for `purpose` (normally the cookie name), accepting the values of the key's
    /// previous public keys too ([`Ed25519SigningKey::with_previous`]).
    ///
    /// # Errors
    /// [`ConfigError::EmptyPurpose`], [`ConfigError::PurposeTooLong`] beyond 255 bytes.
    ///
    /// ```
    /// # use sigcookie::{ConfigError, Ed25519Signer, Ed25519SigningKey};
    /// let key = Ed25519SigningKey::from_bytes(&[7; 32])?;
    /// assert!(Ed25519Signer::new(&key, "session").is_ok());
    /// assert_eq!(Ed25519Signer::new(&key, "").err(), Some(ConfigError::EmptyPurpose));
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn new(key: &Ed25519SigningKey, purpose: &str) -> Result<Ed25519Signer, ConfigError> {
        let verifier = Ed25519Verifier::new(key.public_key(), purpose)?;
        // The seed is 32 bytes, a valid HMAC secret.
        let seed = Key::from_bytes(&*key.seed())?;
        Ok(Ed25519Signer {
            signing: key.signing().clone(),
            csrf: seed.derive_with(CSRF_LABEL, purpose).mac(),
            verifier,
        })
    }

    /// The verifier of this signer's values, for the services that only verify: the same
    /// public keys and purpose, no secret.
    ///
    /// ```
    /// # use sigcookie::{Ed25519Signer, Ed25519SigningKey};
    /// # let signer = Ed25519Signer::new(&Ed25519SigningKey::from_bytes(&[7; 32])?, "s")?;
    /// let value = signer.sign("7")?;
    /// assert_eq!(signer.verifier().verify(&value)?, "7");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verifier(&self) -> &Ed25519Verifier {
        &self.verifier
    }

    /// Signs `id` into `id.kid.sig`, on the stack: no allocation.
    ///
    /// # Errors
    /// [`Error::EmptyId`], [`Error::IdTooLong`] or [`Error::InvalidIdByte`].
    ///
    /// ```
    /// # use sigcookie::{Ed25519Signer, Ed25519SigningKey};
    /// # let key = Ed25519SigningKey::from_bytes(&[7; 32])?;
    /// let value = Ed25519Signer::new(&key, "s")?.sign("12345")?;
    /// assert!(value.starts_with(&format!("12345.{}.", key.public_key().key_id())));
    /// assert_eq!(value.len(), 5 + 1 + 8 + 1 + 128);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign(&self, id: &str) -> Result<SignedValue, Error> {
        SignedValue::write_with(|buf| self.sign_parts(id, &[], buf))
    }

    /// Verifies an `id.kid.sig` value and returns its id; see [`Ed25519Verifier::verify`].
    ///
    /// # Errors
    /// As [`Ed25519Verifier::verify`].
    ///
    /// ```
    /// # use sigcookie::{Ed25519Signer, Ed25519SigningKey};
    /// # let signer = Ed25519Signer::new(&Ed25519SigningKey::from_bytes(&[7; 32])?, "s")?;
    /// assert_eq!(signer.verify(&signer.sign("7")?)?, "7");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify<'v>(&self, value: &'v str) -> Result<&'v str, Error> {
        self.verifier.verify(value)
    }
}

impl fmt::Debug for Ed25519Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ed25519Signer")
            .field("verifier", &self.verifier)
            .finish_non_exhaustive()
    }
}

/// Verifies Ed25519 values with public keys alone: a service that must know who the user is,
/// and must not be able to mint a value. It has no method that signs, and the timed signers
/// over it ([`TimestampSigner`](crate::TimestampSigner),
/// [`SessionSigner`](crate::SessionSigner)) offer only their verifies.
///
/// A value costs at most one signature verification, however many keys are held: its key id
/// picks the key, and everything cheap (length, grammar, key id, time) is checked before the
/// curve arithmetic. Signatures are checked with `ed25519-dalek`'s `verify_strict`.
///
/// ```
/// use sigcookie::{Ed25519PublicKey, Ed25519Verifier, Error};
///
/// let public = Ed25519PublicKey::from_hex("03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8")?;
/// let verifier = Ed25519Verifier::new(&public, "session")?;
/// let forged = format!("admin.{}.{}", public.key_id(), "0".repeat(128));
/// assert_eq!(verifier.verify(&forged), Err(Error::BadSignature));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Ed25519Verifier {
    keys: Ed25519PublicKey,
    purpose: [u8; PURPOSE_MAX],
    purpose_len: u8,
    fingerprint: u64,
}

impl Ed25519Verifier {
    /// A verifier of `purpose`'s values under `keys` (the current public key and its previous
    /// ones, [`Ed25519PublicKey::with_previous`]).
    ///
    /// # Errors
    /// [`ConfigError::EmptyPurpose`], [`ConfigError::PurposeTooLong`] beyond 255 bytes.
    ///
    /// ```
    /// # use sigcookie::{ConfigError, Ed25519SigningKey, Ed25519Verifier};
    /// let public = *Ed25519SigningKey::from_bytes(&[7; 32])?.public_key();
    /// assert!(Ed25519Verifier::new(&public, "session").is_ok());
    /// assert_eq!(Ed25519Verifier::new(&public, &"p".repeat(256)).err(), Some(ConfigError::PurposeTooLong { len: 256 }));
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn new(keys: &Ed25519PublicKey, purpose: &str) -> Result<Ed25519Verifier, ConfigError> {
        let len = purpose.len();
        if len == 0 {
            return Err(ConfigError::EmptyPurpose);
        }
        let purpose_len = u8::try_from(len).map_err(|_| ConfigError::PurposeTooLong { len })?;
        let mut stored = [0; PURPOSE_MAX];
        stored[..len].copy_from_slice(purpose.as_bytes());
        let digest = Sha256::new()
            .chain_update(b"sigcookie ed25519 fingerprint ")
            .chain_update(keys.current().0.as_bytes())
            .chain_update(purpose.as_bytes())
            .finalize();
        let mut first = [0; 8];
        first.copy_from_slice(&digest[..8]);
        Ok(Ed25519Verifier {
            keys: *keys,
            purpose: stored,
            purpose_len,
            fingerprint: u64::from_le_bytes(first),
        })
    }

    /// The public keys this verifier holds.
    ///
    /// ```
    /// # use sigcookie::{Ed25519SigningKey, Ed25519Verifier};
    /// let key = Ed25519SigningKey::from_bytes(&[7; 32])?;
    /// let verifier = Ed25519Verifier::new(key.public_key(), "s")?;
    /// assert_eq!(verifier.public_key().key_id(), key.public_key().key_id());
    /// # Ok::<(), sigcookie::ConfigError>(())
    /// ```
    pub fn public_key(&self) -> &Ed25519PublicKey {
        &self.keys
    }

    /// Verifies an `id.kid.sig` value and returns its id, borrowed from `value`. Allocates
    /// nothing.
    ///
    /// Checks, in order: the length cap, the grammar (the key id's included), the key id among
    /// the keys held ([`Error::UnknownKeyId`]), then the signature ([`Error::BadSignature`]).
    ///
    /// # Errors
    /// The parse errors of the wire format, [`Error::KeyIdMalformed`],
    /// [`Error::UnknownKeyId`], [`Error::BadSignature`].
    ///
    /// ```
    /// # use sigcookie::{Ed25519Signer, Ed25519SigningKey, Ed25519Verifier, Error};
    /// let signer = Ed25519Signer::new(&Ed25519SigningKey::from_bytes(&[7; 32])?, "s")?;
    /// let other = Ed25519Verifier::new(Ed25519SigningKey::from_bytes(&[8; 32])?.public_key(), "s")?;
    /// let value = signer.sign("7")?;
    /// assert!(matches!(other.verify(&value), Err(Error::UnknownKeyId { .. })));
    /// assert_eq!(signer.verifier().verify(&value.replacen('7', "8", 1)), Err(Error::BadSignature));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify<'v>(&self, value: &'v str) -> Result<&'v str, Error> {
        self.verify_parts(value, Kind::Untimed, |_| Ok(()))
            .map(|(parts, _)| parts.id())
    }

    /// Longest value of this verifier's untimed shape.
    ///
    /// ```
    /// # use sigcookie::{Ed25519SigningKey, Ed25519Verifier};
    /// let verifier = Ed25519Verifier::new(Ed25519SigningKey::from_bytes(&[7; 32])?.public_key(), "s")?;
    /// assert_eq!(verifier.max_value_len(), 255 + 1 + 8 + 1 + 128);
    /// # Ok::<(), sigcookie::ConfigError>(())
    /// ```
    pub fn max_value_len(&self) -> usize {
        self.shape(Kind::Untimed).max_len()
    }

    fn purpose(&self) -> &[u8] {
        &self.purpose[..usize::from(self.purpose_len)]
    }
}

impl fmt::Debug for Ed25519Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ed25519Verifier")
            .field("keys", &self.keys)
            .field("purpose", &crate::signer::ascii_str(self.purpose()))
            .finish()
    }
}

// Sealed: the trait cannot be named outside the crate, so its crate-private types stay private.
#[allow(private_interfaces)]
impl Scheme for Ed25519Verifier {
    fn shape(&self, kind: Kind) -> Shape {
        Shape::ed25519(kind)
    }

    fn verify_parts<'v>(
        &self,
        value: &'v str,
        kind: Kind,
        check: impl FnOnce(&Parts<'v>) -> Result<(), Error>,
    ) -> Result<(Parts<'v>, u8), Error> {
        let parts = self.shape(kind).parse(value)?;
        // The parser checked the key id's 8 lowercase hex digits.
        let key_id = parts.key_id().unwrap_or_default();
        let (index, key) = self.keys.find(key_id).ok_or(Error::UnknownKeyId {
            key_id: u32::from_str_radix(key_id, 16).unwrap_or_default(),
        })?;
        // Everything cheap before the curve arithmetic, so that junk, an old value or a value
        // of a key not held costs no signature verification.
        check(&parts)?;
        let mut signature = [0u8; ED25519_SIG_LEN];
        // The parser checked the 128 lowercase hex digits. The signature came with the value,
        // so it is public: decoding it need not hide anything.
        base16ct::lower::decode(parts.signature(), &mut signature)
            .map_err(|_| Error::SignatureNotHex)?;
        let message = Message::new(self.purpose(), kind, parts.signed_message().as_bytes());
        check_signature(key, message.as_bytes(), &signature)?;
        Ok((parts, index))
    }

    fn fingerprint(&self) -> u64 {
        self.fingerprint
    }
}

/// The one signature check: strict, `S` below the group order, `R` a canonical encoding of a
/// point not of small order, the key not of small order (also refused when it was loaded), and
/// the cofactorless equation. What the known-attack vectors are run through.
fn check_signature(
    key: &VerifyingKey,
    message: &[u8],
    signature: &[u8; ED25519_SIG_LEN],
) -> Result<(), Error> {
    key.verify_strict(message, &Signature::from_bytes(signature))
        .map_err(|_| Error::BadSignature)
}

// Sealed: the trait cannot be named outside the crate, so its crate-private types stay private.
#[allow(private_interfaces)]
impl Scheme for Ed25519Signer {
    fn shape(&self, kind: Kind) -> Shape {
        self.verifier.shape(kind)
    }

    fn verify_parts<'v>(
        &self,
        value: &'v str,
        kind: Kind,
        check: impl FnOnce(&Parts<'v>) -> Result<(), Error>,
    ) -> Result<(Parts<'v>, u8), Error> {
        self.verifier.verify_parts(value, kind, check)
    }

    fn fingerprint(&self) -> u64 {
        self.verifier.fingerprint
    }
}

// Sealed: the trait cannot be named outside the crate, so its crate-private types stay private.
#[allow(private_interfaces)]
impl Mint for Ed25519Signer {
    fn sign_parts(&self, id: &str, times: &[u64], out: &mut [u8]) -> Result<usize, Error> {
        let kind = Kind::with_times(times.len());
        let (_, key_id) = self.verifier.keys.current();
        write_value(
            id,
            times,
            Some(key_id),
            2 * ED25519_SIG_LEN,
            out,
            |body, sig| {
                let message = Message::new(self.verifier.purpose(), kind, body);
                let signature = self.signing.sign(message.as_bytes()).to_bytes();
                let needed = sig.len();
                base16ct::lower::encode(&signature, sig)
                    .map_err(|_| Error::BufferTooSmall { needed })?;
                Ok(())
            },
        )
    }

    fn csrf_key(&self, index: usize) -> Result<Option<MacKey>, Error> {
        // Only the current seed is held: the previous keys are public keys.
        Ok((index == 0).then(|| self.csrf.clone()))
    }
}

#[cfg(test)]
mod attacks;
#[cfg(test)]
mod tests;
