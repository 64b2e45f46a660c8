//! Ed25519 keys: [`Ed25519SigningKey`], the secret that signs, and [`Ed25519PublicKey`], the
//! public keys that verify, each with the keys it replaces for rotation.

use core::fmt;

use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::ConfigError;
use crate::format::KEY_ID_DIGITS;
use crate::key::MAX_PREVIOUS_KEYS;

/// Bytes of an Ed25519 key: a signing key's seed, or a public key's point encoding.
const KEY_LEN: usize = 32;

/// The secret that signs Ed25519 values: a 32-byte seed (RFC 8032's private key), and the
/// public keys of the signing keys it replaced, whose values still verify.
///
/// A key of its own, never derived from an HMAC [`Key`](crate::Key). It never prints itself
/// (`Debug` shows only the public key id), and the seed is wiped when it is dropped.
///
/// ```
/// use sigcookie::Ed25519SigningKey;
///
/// let key = Ed25519SigningKey::from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")?;
/// assert_eq!(key.public_key().to_string(), "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8");
/// assert_eq!(format!("{key:?}"), r#"Ed25519SigningKey { key_id: "56475aa7", .. }"#);
/// # Ok::<(), sigcookie::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct Ed25519SigningKey {
    // `ed25519-dalek` wipes the seed when the key is dropped (its `zeroize` feature).
    signing: SigningKey,
    public: Ed25519PublicKey,
}

impl Ed25519SigningKey {
    /// A signing key from its 32-byte seed.
    ///
    /// # Errors
    /// [`ConfigError::Ed25519KeyMalformed`] when `seed` is not 32 bytes.
    ///
    /// ```
    /// # use sigcookie::{ConfigError, Ed25519SigningKey};
    /// assert!(Ed25519SigningKey::from_bytes(&[7; 32]).is_ok());
    /// assert_eq!(Ed25519SigningKey::from_bytes(&[7; 31]).err(), Some(ConfigError::Ed25519KeyMalformed));
    /// ```
    pub fn from_bytes(seed: &[u8]) -> Result<Ed25519SigningKey, ConfigError> {
        let seed: &[u8; KEY_LEN] = seed
            .try_into()
            .map_err(|_| ConfigError::Ed25519KeyMalformed)?;
        let signing = SigningKey::from_bytes(seed);
        let public = Ed25519PublicKey::single(signing.verifying_key())?;
        Ok(Ed25519SigningKey { signing, public })
    }

    /// A signing key from its seed in hex: 64 digits of either case, surrounding whitespace
    /// ignored (as a key file or an environment variable holds it).
    ///
    /// # Errors
    /// [`ConfigError::Ed25519KeyMalformed`].
    ///
    /// ```
    /// # use sigcookie::{ConfigError, Ed25519SigningKey};
    /// assert!(Ed25519SigningKey::from_hex(&format!("{}\n", "ab".repeat(32))).is_ok());
    /// assert_eq!(Ed25519SigningKey::from_hex(&"ab".repeat(31)).err(), Some(ConfigError::Ed25519KeyMalformed));
    /// ```
    pub fn from_hex(hex: &str) -> Result<Ed25519SigningKey, ConfigError> {
        let mut seed = Zeroizing::new([0u8; KEY_LEN]);
        // `base16ct` decodes without branches or tables indexed by the secret digits.
        match base16ct::mixed::decode(hex.trim_ascii().as_bytes(), &mut *seed) {
            Ok(decoded) if decoded.len() == KEY_LEN => Ed25519SigningKey::from_bytes(&*seed),
            _ => Err(ConfigError::Ed25519KeyMalformed),
        }
    }

    /// A signing key from a PKCS#8 PEM block (`-----BEGIN PRIVATE KEY-----`), as
    /// `sigcookie keygen --ed25519` and `openssl genpkey -algorithm ed25519` write it: a form
    /// that says what it is, so that it is never mistaken for a public key (whose readers refuse
    /// it, [`ConfigError::Ed25519SigningKeyAsPublic`]).
    ///
    /// # Errors
    /// [`ConfigError::Ed25519KeyMalformed`].
    ///
    /// ```
    /// # use sigcookie::Ed25519SigningKey;
    /// let pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f\n-----END PRIVATE KEY-----\n";
    /// assert_eq!(Ed25519SigningKey::from_pem(pem)?.public_key().key_id(), "56475aa7");
    /// # Ok::<(), sigcookie::ConfigError>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn from_pem(pem: &str) -> Result<Ed25519SigningKey, ConfigError> {
        use ed25519_dalek::pkcs8::DecodePrivateKey;
        let signing = SigningKey::from_pkcs8_pem(pem.trim_ascii())
            .map_err(|_| ConfigError::Ed25519KeyMalformed)?;
        let public = Ed25519PublicKey::single(signing.verifying_key())?;
        Ok(Ed25519SigningKey { signing, public })
    }

    /// A signing key from an environment variable holding its PEM block
    /// ([`from_pem`](Self::from_pem), `export SIGCOOKIE_ED25519_KEY="$(cat signing.pem)"`) or
    /// its seed in hex ([`from_hex`](Self::from_hex)).
    ///
    /// # Errors
    /// [`ConfigError::KeyEnvMissing`] when the variable is unset or not Unicode,
    /// [`ConfigError::KeyEnvInvalid`] when it holds no valid seed; both name the variable.
    ///
    /// ```
    /// # use sigcookie::{ConfigError, Ed25519SigningKey};
    /// let err = Ed25519SigningKey::from_env("SIGCOOKIE_DOCTEST_UNSET").unwrap_err();
    /// assert_eq!(err, ConfigError::KeyEnvMissing { variable: "SIGCOOKIE_DOCTEST_UNSET" });
    /// ```
    #[cfg(feature = "std")]
    pub fn from_env(variable: &'static str) -> Result<Ed25519SigningKey, ConfigError> {
        crate::key::from_env(variable, |text| match text.contains("-----BEGIN") {
            true => Ed25519SigningKey::from_pem(text),
            false => Ed25519SigningKey::from_hex(text),
        })
    }

    /// A fresh random signing key from the operating system's generator.
    ///
    /// # Errors
    /// [`ConfigError::RandomUnavailable`].
    ///
    /// ```
    /// # use sigcookie::Ed25519SigningKey;
    /// let key = Ed25519SigningKey::generate()?;
    /// assert_eq!(key.public_key().key_id().len(), 8);
    /// # Ok::<(), sigcookie::ConfigError>(())
    /// ```
    #[cfg(feature = "getrandom")]
    pub fn generate() -> Result<Ed25519SigningKey, ConfigError> {
        let mut seed = Zeroizing::new([0u8; KEY_LEN]);
        getrandom::fill(&mut *seed).map_err(|_| ConfigError::RandomUnavailable)?;
        Ed25519SigningKey::from_bytes(&*seed)
    }

    /// This key, still accepting the values of the keys in `old` (its current public key and
    /// those it replaces): for rotation. Only the old *public* keys are needed; new values are
    /// signed with this key.
    ///
    /// # Errors
    /// [`ConfigError::TooManyPreviousKeys`] beyond [`MAX_PREVIOUS_KEYS`],
    /// [`ConfigError::Ed25519DuplicateKeyId`] when a key is already held.
    ///
    /// ```
    /// # use sigcookie::Ed25519SigningKey;
    /// let old = Ed25519SigningKey::from_bytes(&[1; 32])?;
    /// let key = Ed25519SigningKey::from_bytes(&[2; 32])?.with_previous(&old.public_key())?;
    /// assert_eq!(key.public_key().previous().count(), 1);
    /// # Ok::<(), sigcookie::ConfigError>(())
    /// ```
    pub fn with_previous(
        mut self,
        old: &Ed25519PublicKey,
    ) -> Result<Ed25519SigningKey, ConfigError> {
        self.public = self.public.with_previous(old)?;
        Ok(self)
    }

    /// The public keys that verify this key's values: its own, then the ones it replaces. Give
    /// them to the services that only verify.
    ///
    /// ```
    /// # use sigcookie::Ed25519SigningKey;
    /// let key = Ed25519SigningKey::from_bytes(&[1; 32])?;
    /// assert_eq!(key.public_key().to_string().len(), 64);
    /// # Ok::<(), sigcookie::ConfigError>(())
    /// ```
    pub fn public_key(&self) -> &Ed25519PublicKey {
        &self.public
    }

    pub(crate) fn signing(&self) -> &SigningKey {
        &self.signing
    }

    /// The seed, for deriving the CSRF token key; wiped when dropped.
    pub(crate) fn seed(&self) -> Zeroizing<[u8; KEY_LEN]> {
        Zeroizing::new(self.signing.to_bytes())
    }
}

impl fmt::Debug for Ed25519SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ed25519SigningKey")
            .field("key_id", &self.public.key_id())
            .finish_non_exhaustive()
    }
}

/// The public keys that verify Ed25519 values: the current one and up to
/// [`MAX_PREVIOUS_KEYS`] previous ones, each named by its key id.
///
/// Given as 64 lowercase hex digits, or (with `std`) as an SPKI PEM block. A key that is not
/// the canonical encoding of a curve point, or is a point of small order (for which signatures
/// can be made without any secret), is refused here, once, rather than at every verify.
/// Public, so `Display` prints the current key's hex and `Debug` the key ids.
///
/// ```
/// use sigcookie::Ed25519PublicKey;
///
/// let key = Ed25519PublicKey::from_hex("03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8")?;
/// assert_eq!(key.key_id(), "56475aa7");
/// # Ok::<(), sigcookie::ConfigError>(())
/// ```
#[derive(Clone, Copy)]
pub struct Ed25519PublicKey {
    current: Entry,
    previous: [Option<Entry>; MAX_PREVIOUS_KEYS],
}

/// One public key and its id.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Entry {
    key: VerifyingKey,
    /// The first 4 bytes of SHA-256 of the key, as lowercase hex.
    id: [u8; KEY_ID_DIGITS],
}

impl Entry {
    fn new(key: VerifyingKey) -> Entry {
        let digest = Sha256::digest(key.as_bytes());
        let mut id = [0; KEY_ID_DIGITS];
        // Sized exactly: twice the 4 bytes encoded, so this cannot fail. The digest of a public
        // key is public, so any encoder would do; this is the one the crate has.
        let _ = base16ct::lower::encode(&digest[..KEY_ID_DIGITS / 2], &mut id);
        Entry { key, id }
    }

    fn id(&self) -> &str {
        crate::signer::ascii_str(&self.id)
    }
}

impl Ed25519PublicKey {
    /// A public key from its 32 bytes (RFC 8032's encoding).
    ///
    /// # Errors
    /// [`ConfigError::Ed25519WeakKey`] for a non-canonical encoding or a point of small order.
    ///
    /// ```
    /// # use sigcookie::{ConfigError, Ed25519PublicKey};
    /// let mut identity = [0; 32];
    /// identity[0] = 1; // the neutral point: every signature would verify under it
    /// assert_eq!(Ed25519PublicKey::from_bytes(&identity).err(), Some(ConfigError::Ed25519WeakKey));
    /// ```
    pub fn from_bytes(bytes: &[u8; KEY_LEN]) -> Result<Ed25519PublicKey, ConfigError> {
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| ConfigError::Ed25519WeakKey)?;
        Ed25519PublicKey::single(key)
    }

    /// A public key from 64 lowercase hex digits, surrounding whitespace ignored.
    ///
    /// # Errors
    /// [`ConfigError::Ed25519KeyMalformed`] for anything else (uppercase included: one spelling
    /// per key), then [`ConfigError::Ed25519WeakKey`].
    ///
    /// ```
    /// # use sigcookie::{ConfigError, Ed25519PublicKey};
    /// let hex = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
    /// assert!(Ed25519PublicKey::from_hex(hex).is_ok());
    /// assert_eq!(Ed25519PublicKey::from_hex(&hex.to_uppercase()).err(), Some(ConfigError::Ed25519KeyMalformed));
    /// assert_eq!(Ed25519PublicKey::from_hex(&hex[2..]).err(), Some(ConfigError::Ed25519KeyMalformed));
    /// ```
    pub fn from_hex(hex: &str) -> Result<Ed25519PublicKey, ConfigError> {
        let mut bytes = [0u8; KEY_LEN];
        match base16ct::lower::decode(hex.trim_ascii().as_bytes(), &mut bytes) {
            Ok(decoded) if decoded.len() == KEY_LEN => Ed25519PublicKey::from_bytes(&bytes),
            _ => Err(ConfigError::Ed25519KeyMalformed),
        }
    }

    /// A public key from a standard SPKI PEM block (`-----BEGIN PUBLIC KEY-----`), as
    /// `openssl pkey -pubout` writes it.
    ///
    /// # Errors
    /// [`ConfigError::Ed25519SigningKeyAsPublic`] for a private key's PEM,
    /// [`ConfigError::Ed25519KeyMalformed`] when it is not the PEM of an Ed25519 public key,
    /// then [`ConfigError::Ed25519WeakKey`].
    ///
    /// ```
    /// # use sigcookie::Ed25519PublicKey;
    /// let pem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAA6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=\n-----END PUBLIC KEY-----\n";
    /// assert_eq!(Ed25519PublicKey::from_pem(pem)?.key_id(), "56475aa7");
    /// # Ok::<(), sigcookie::ConfigError>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn from_pem(pem: &str) -> Result<Ed25519PublicKey, ConfigError> {
        use ed25519_dalek::pkcs8::DecodePublicKey;
        // Said plainly, for the one mistake that would hand the signing key to every verifier.
        if pem.contains("PRIVATE KEY-----") {
            return Err(ConfigError::Ed25519SigningKeyAsPublic);
        }
        let key = VerifyingKey::from_public_key_pem(pem.trim_ascii())
            .map_err(|_| ConfigError::Ed25519KeyMalformed)?;
        // Through the bytes again, for the same checks as every other key.
        Ed25519PublicKey::from_bytes(key.as_bytes())
    }

    /// These keys, still accepting the values of the keys in `old` (its current key first):
    /// for rotation on a verifier. Add the most recent first.
    ///
    /// # Errors
    /// [`ConfigError::TooManyPreviousKeys`] beyond [`MAX_PREVIOUS_KEYS`],
    /// [`ConfigError::Ed25519DuplicateKeyId`] when a key id is already held: a value's key id
    /// must name exactly one key.
    ///
    /// ```
    /// # use sigcookie::{ConfigError, Ed25519SigningKey};
    /// let old = *Ed25519SigningKey::from_bytes(&[1; 32])?.public_key();
    /// let new = *Ed25519SigningKey::from_bytes(&[2; 32])?.public_key();
    /// assert_eq!(new.with_previous(&old)?.previous().next(), Some(old.key_id()));
    /// assert_eq!(new.with_previous(&new).err(), Some(ConfigError::Ed25519DuplicateKeyId));
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn with_previous(
        mut self,
        old: &Ed25519PublicKey,
    ) -> Result<Ed25519PublicKey, ConfigError> {
        for entry in old.entries() {
            if self.entries().any(|held| held.id == entry.id) {
                return Err(ConfigError::Ed25519DuplicateKeyId);
            }
            let slot = self.previous.iter_mut().find(|slot| slot.is_none()).ok_or(
                ConfigError::TooManyPreviousKeys {
                    max: MAX_PREVIOUS_KEYS,
                },
            )?;
            *slot = Some(*entry);
        }
        Ok(self)
    }

    /// The current key's id: 8 lowercase hex digits, the first 4 bytes of SHA-256 of the key.
    /// Every value signed with the key carries it.
    ///
    /// ```
    /// # use sigcookie::Ed25519SigningKey;
    /// let key = Ed25519SigningKey::from_bytes(&[1; 32])?;
    /// assert!(key.public_key().key_id().bytes().all(|b| b.is_ascii_hexdigit()));
    /// # Ok::<(), sigcookie::ConfigError>(())
    /// ```
    pub fn key_id(&self) -> &str {
        self.current.id()
    }

    /// The previous keys' ids, newest first.
    ///
    /// ```
    /// # use sigcookie::Ed25519SigningKey;
    /// let key = Ed25519SigningKey::from_bytes(&[1; 32])?;
    /// assert_eq!(key.public_key().previous().count(), 0);
    /// # Ok::<(), sigcookie::ConfigError>(())
    /// ```
    pub fn previous(&self) -> impl Iterator<Item = &str> {
        self.previous.iter().flatten().map(Entry::id)
    }

    fn single(key: VerifyingKey) -> Result<Ed25519PublicKey, ConfigError> {
        // `VerifyingKey::from_bytes` accepts an encoding of y at or above the field prime (a
        // second spelling of a point): a key must have one spelling, as its id is of the bytes.
        if key.is_weak() || key.to_edwards().compress().as_bytes() != key.as_bytes() {
            return Err(ConfigError::Ed25519WeakKey);
        }
        Ok(Ed25519PublicKey {
            current: Entry::new(key),
            previous: [None; MAX_PREVIOUS_KEYS],
        })
    }

    /// Every key, the current one first.
    fn entries(&self) -> impl Iterator<Item = &Entry> {
        core::iter::once(&self.current).chain(self.previous.iter().flatten())
    }

    /// The key named by `key_id`, and its index (0 the current one).
    pub(crate) fn find(&self, key_id: &str) -> Option<(u8, &VerifyingKey)> {
        // At most 1 + MAX_PREVIOUS_KEYS keys, so the index fits a byte.
        (0..=u8::MAX)
            .zip(self.entries())
            .find(|(_, entry)| entry.id() == key_id)
            .map(|(index, entry)| (index, &entry.key))
    }

    /// The current key, which the signing key signs for.
    pub(crate) fn current(&self) -> (&VerifyingKey, &[u8; KEY_ID_DIGITS]) {
        (&self.current.key, &self.current.id)
    }
}

impl fmt::Display for Ed25519PublicKey {
    /// The current key as 64 lowercase hex digits, the form [`Ed25519PublicKey::from_hex`]
    /// reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut hex = [0u8; 2 * KEY_LEN];
        let _ = base16ct::lower::encode(self.current.key.as_bytes(), &mut hex);
        f.write_str(crate::signer::ascii_str(&hex))
    }
}

impl fmt::Debug for Ed25519PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut previous = [""; MAX_PREVIOUS_KEYS];
        for (slot, id) in previous.iter_mut().zip(self.previous()) {
            *slot = id;
        }
        f.debug_struct("Ed25519PublicKey")
            .field("key_id", &self.key_id())
            .field("previous", &&previous[..self.previous().count()])
            .finish()
    }
}
