//! Secret keys.

use core::fmt;

use hmac::digest::{FixedOutput, KeyInit};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::ConfigError;
use crate::mac::{BLOCK_LEN, MacKey};

/// Prefix of the message that derives a purpose-bound key; see the wire format in the README.
/// The space cannot occur in an id, so a derived key never equals an unbound signature of some id.
const DERIVE_LABEL: &[u8] = b"sigcookie key ";

/// A secret key: at least [`Key::MIN_LEN`] random bytes.
///
/// The key never prints itself (`Debug` shows `Key(<redacted>)`), and its bytes are overwritten
/// with zeros when it is dropped. It is `Clone` so one secret can serve several signers, e.g. one
/// per cookie name.
///
/// Internally the key is kept in the form HMAC itself uses (RFC 2104): zero-padded to SHA-256's
/// 64-byte block, or replaced by its SHA-256 digest when longer than a block. Both forms give
/// exactly the same MACs as the original secret, so any length above the minimum interoperates
/// with other HMAC implementations, with no heap and no upper bound.
///
/// ```
/// use sigcookie::Key;
///
/// let key = Key::from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")?;
/// assert_eq!(format!("{key:?}"), "Key(<redacted>)");
/// assert!(Key::from_bytes(b"too short").is_err());
/// # Ok::<(), sigcookie::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct Key {
    block: [u8; BLOCK_LEN],
    /// The secrets this key replaces, newest first, still accepted when verifying; in the same
    /// padded form, wiped on drop too. Fixed-size, so rotation needs no heap.
    previous: [[u8; BLOCK_LEN]; MAX_PREVIOUS_KEYS],
    previous_len: usize,
}

/// How many previous secrets a key keeps for rotation ([`Key::with_previous`]). Each costs one
/// more MAC when a value does not verify under the newer ones, and state is fixed-size so the
/// core needs no heap.
///
/// ```
/// use sigcookie::{ConfigError, Key, MAX_PREVIOUS_KEYS};
///
/// let old = Key::from_bytes(&[1; 32])?;
/// let key = (0..MAX_PREVIOUS_KEYS).try_fold(Key::from_bytes(&[2; 32])?, |key, _| key.with_previous(&old))?;
/// assert_eq!(key.with_previous(&old).err(), Some(ConfigError::TooManyPreviousKeys { max: MAX_PREVIOUS_KEYS }));
/// # Ok::<(), ConfigError>(())
/// ```
pub const MAX_PREVIOUS_KEYS: usize = 3;

impl Key {
    /// The shortest secret accepted, in bytes: SHA-256's output size, so the secret is never the
    /// weakest link (shorter secrets are a brute-force target for anyone holding one value).
    ///
    /// ```
    /// # use sigcookie::Key;
    /// assert!(Key::from_bytes(&[1; Key::MIN_LEN]).is_ok());
    /// assert!(Key::from_bytes(&[1; Key::MIN_LEN - 1]).is_err());
    /// ```
    pub const MIN_LEN: usize = 32;

    /// A key from raw secret bytes.
    ///
    /// # Errors
    /// [`ConfigError::KeyTooShort`] when `secret` has fewer than [`Key::MIN_LEN`] bytes.
    ///
    /// ```
    /// use sigcookie::{ConfigError, Key};
    ///
    /// assert!(Key::from_bytes(&[0x42; 32]).is_ok());
    /// assert_eq!(Key::from_bytes(&[0x42; 31]).err(), Some(ConfigError::KeyTooShort { len: 31 }));
    /// ```
    pub fn from_bytes(secret: &[u8]) -> Result<Key, ConfigError> {
        if secret.len() < Self::MIN_LEN {
            return Err(ConfigError::KeyTooShort { len: secret.len() });
        }
        let mut key = Key::empty();
        if secret.len() <= BLOCK_LEN {
            key.block[..secret.len()].copy_from_slice(secret);
        } else {
            key.absorb_digest(Sha256::new_with_prefix(secret));
        }
        Ok(key)
    }

    /// A key from a secret written in hex (either case), as printed by `sigcookie keygen`.
    ///
    /// ASCII whitespace around the hex is ignored: a secret kept in a file or an environment
    /// variable often ends in a newline, and whitespace is never part of the secret. This is the
    /// one place that rule lives; [`Key::from_env`] and the command line's `--secret-file` both
    /// come through here.
    ///
    /// # Errors
    /// [`ConfigError::KeyNotHex`] for an odd length or a non-hex character, whitespace inside the hex
    /// included (checked first), then [`ConfigError::KeyTooShort`] for fewer than [`Key::MIN_LEN`]
    /// bytes.
    ///
    /// ```
    /// use sigcookie::{ConfigError, Key};
    ///
    /// assert!(Key::from_hex(&"ab".repeat(32)).is_ok());
    /// assert!(Key::from_hex(&format!(" {}\r\n", "ab".repeat(32))).is_ok());
    /// assert_eq!(Key::from_hex("xyz").err(), Some(ConfigError::KeyNotHex));
    /// assert_eq!(Key::from_hex("ab cd").err(), Some(ConfigError::KeyNotHex));
    /// assert_eq!(Key::from_hex("abcd").err(), Some(ConfigError::KeyTooShort { len: 2 }));
    /// ```
    pub fn from_hex(hex: &str) -> Result<Key, ConfigError> {
        let hex = hex.as_bytes().trim_ascii();
        if !hex.len().is_multiple_of(2) {
            return Err(ConfigError::KeyNotHex);
        }
        let len = hex.len() / 2;
        let mut buf = [0u8; BLOCK_LEN];
        let result = if len <= BLOCK_LEN {
            base16ct::mixed::decode(hex, &mut buf[..len])
                .map_err(|_| ConfigError::KeyNotHex)
                .map(|_| ())
                .and_then(|()| Key::from_bytes(&buf[..len]))
        } else {
            // Longer than a block: HMAC would hash it anyway, so hash it a block at a time and
            // need no heap for a secret of any length.
            let mut hasher = Sha256::new();
            let mut decoded = Ok(());
            for chunk in hex.chunks(2 * BLOCK_LEN) {
                let part = &mut buf[..chunk.len() / 2];
                decoded = base16ct::mixed::decode(chunk, part)
                    .map(|_| ())
                    .map_err(|_| ConfigError::KeyNotHex);
                if decoded.is_err() {
                    break;
                }
                hasher.update(&*part);
            }
            decoded.map(|()| {
                let mut key = Key::empty();
                key.absorb_digest(hasher);
                key
            })
        };
        buf.zeroize();
        result
    }

    /// A key from an environment variable holding the secret in hex (surrounding whitespace
    /// ignored, as in [`Key::from_hex`]).
    ///
    /// # Errors
    /// [`ConfigError::KeyEnvMissing`] when the variable is unset or not Unicode,
    /// [`ConfigError::KeyEnvInvalid`] when it holds no valid secret; both name the variable.
    ///
    /// ```
    /// use sigcookie::{ConfigError, Key};
    ///
    /// let err = Key::from_env("SIGCOOKIE_DOCTEST_UNSET").unwrap_err();
    /// assert_eq!(err, ConfigError::KeyEnvMissing { variable: "SIGCOOKIE_DOCTEST_UNSET" });
    /// assert!(err.to_string().contains("SIGCOOKIE_DOCTEST_UNSET is not set"));
    /// ```
    #[cfg(feature = "std")]
    pub fn from_env(variable: &'static str) -> Result<Key, ConfigError> {
        from_env(variable, Key::from_hex)
    }

    /// A fresh random key of [`Key::MIN_LEN`] bytes from the operating system's generator.
    ///
    /// # Errors
    /// [`ConfigError::RandomUnavailable`] when the operating system has no randomness to give.
    ///
    /// ```
    /// use sigcookie::Key;
    ///
    /// let key = Key::generate()?;
    /// # Ok::<(), sigcookie::ConfigError>(())
    /// ```
    #[cfg(feature = "getrandom")]
    pub fn generate() -> Result<Key, ConfigError> {
        let mut secret = zeroize::Zeroizing::new([0u8; Self::MIN_LEN]);
        getrandom::fill(&mut *secret).map_err(|_| ConfigError::RandomUnavailable)?;
        Key::from_bytes(&*secret)
    }

    /// This key, still accepting the values of `old` (and of the secrets `old` itself replaces):
    /// for rotating secrets. New values are signed with this key's own secret; values made with
    /// an older one verify until it is dropped from the list. Add the most recent first.
    ///
    /// # Errors
    /// [`ConfigError::TooManyPreviousKeys`] beyond [`MAX_PREVIOUS_KEYS`].
    ///
    /// ```
    /// use sigcookie::{Key, Signer};
    ///
    /// let (old, new) = (Key::from_bytes(&[1; 32])?, Key::from_bytes(&[2; 32])?);
    /// let before = Signer::new(&old, "session")?.sign("7")?;
    /// let signer = Signer::new(&new.with_previous(&old)?, "session")?;
    /// assert_eq!(signer.verify(&before)?, "7");
    /// assert_ne!(signer.sign("7")?.as_str(), before.as_str()); // signed with the new secret
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_previous(mut self, old: &Key) -> Result<Key, ConfigError> {
        for secret in old.secrets() {
            let slot = self.previous.get_mut(self.previous_len).ok_or(
                ConfigError::TooManyPreviousKeys {
                    max: MAX_PREVIOUS_KEYS,
                },
            )?;
            slot.copy_from_slice(&secret.block);
            self.previous_len += 1;
        }
        Ok(self)
    }

    /// Each secret of this key as a key of its own, the current one first, then the previous
    /// ones newest first. The copies are keys too, so they are wiped when dropped.
    pub(crate) fn secrets(&self) -> impl Iterator<Item = Key> + '_ {
        core::iter::once(&self.block)
            .chain(&self.previous[..self.previous_len])
            .map(|block| {
                let mut key = Key::empty();
                key.block.copy_from_slice(block);
                key
            })
    }

    const fn empty() -> Key {
        Key {
            block: [0; BLOCK_LEN],
            previous: [[0; BLOCK_LEN]; MAX_PREVIOUS_KEYS],
            previous_len: 0,
        }
    }

    /// Stores the digest of a secret longer than a block, as HMAC would use it, straight into the
    /// block that is wiped on drop rather than through a temporary copy.
    fn absorb_digest(&mut self, hasher: Sha256) {
        // `From` on the slice rather than `generic-array`'s deprecated `from_mut_slice`; the length
        // is the digest's, so it cannot panic.
        Digest::finalize_into(hasher, (&mut self.block[..32]).into());
    }

    /// The key a signer with `purpose` MACs with: `HMAC-SHA256(secret, "sigcookie key " || purpose)`.
    pub(crate) fn derive(&self, purpose: &str) -> Key {
        self.derive_with(DERIVE_LABEL, purpose)
    }

    /// `HMAC-SHA256(secret, label || purpose)` as a key of its own.
    pub(crate) fn derive_with(&self, label: &[u8], purpose: &str) -> Key {
        // The purpose has no length limit, so this one-off MAC streams through the `hmac` crate,
        // whose state, unlike a signer's `MacKey`, is not wiped afterwards. The key block is
        // already the padded HMAC key, so this is infallible; borrowed, not copied, so no stray
        // copy of the key is left on the stack.
        let mut mac = <Hmac<Sha256> as KeyInit>::new(self.block.as_slice().into());
        mac.update(label);
        mac.update(purpose.as_bytes());
        let mut derived = Key::empty();
        // Straight into the block that is wiped on drop, not through a temporary copy.
        FixedOutput::finalize_into(mac, (&mut derived.block[..32]).into());
        derived
    }

    /// HMAC-SHA256 keyed with this key. Signers call this once per key, so the two compressions
    /// of the padded key are never repeated on the hot path.
    pub(crate) fn mac(&self) -> MacKey {
        // The block is already the padded HMAC key, `K0`.
        MacKey::new(&self.block)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(<redacted>)")
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        self.block.zeroize();
        self.previous.zeroize();
    }
}

/// The secret in the environment variable `variable`, read by `from_hex`: the one way every key
/// type reads the environment.
///
/// # Errors
/// [`ConfigError::KeyEnvMissing`] when the variable is unset or not Unicode,
/// [`ConfigError::KeyEnvInvalid`] when `from_hex` refuses it; both name the variable.
#[cfg(feature = "std")]
pub(crate) fn from_env<K>(
    variable: &'static str,
    from_hex: impl FnOnce(&str) -> Result<K, ConfigError>,
) -> Result<K, ConfigError> {
    let missing = ConfigError::KeyEnvMissing { variable };
    // Raw bytes rather than `env::var`, whose error for a non-Unicode value would carry the
    // secret off in an `OsString` that nobody wipes.
    let bytes = zeroize::Zeroizing::new(
        std::env::var_os(variable)
            .ok_or(missing)?
            .into_encoded_bytes(),
    );
    let text = core::str::from_utf8(&bytes).map_err(|_| missing)?;
    from_hex(text).map_err(|_| ConfigError::KeyEnvInvalid { variable })
}
