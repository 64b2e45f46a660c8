//! Secret keys.

use core::fmt;

use hmac::digest::generic_array::GenericArray;
use hmac::digest::{FixedOutput, KeyInit};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::Error;
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
/// # Ok::<(), sigcookie::Error>(())
/// ```
#[derive(Clone)]
pub struct Key {
    block: [u8; BLOCK_LEN],
}

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
    /// [`Error::KeyTooShort`] when `secret` has fewer than [`Key::MIN_LEN`] bytes.
    ///
    /// ```
    /// use sigcookie::{Error, Key};
    ///
    /// assert!(Key::from_bytes(&[0x42; 32]).is_ok());
    /// assert_eq!(Key::from_bytes(&[0x42; 31]).err(), Some(Error::KeyTooShort { len: 31 }));
    /// ```
    pub fn from_bytes(secret: &[u8]) -> Result<Key, Error> {
        if secret.len() < Self::MIN_LEN {
            return Err(Error::KeyTooShort { len: secret.len() });
        }
        let mut key = Key {
            block: [0; BLOCK_LEN],
        };
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
    /// [`Error::KeyNotHex`] for an odd length or a non-hex character, whitespace inside the hex
    /// included (checked first), then [`Error::KeyTooShort`] for fewer than [`Key::MIN_LEN`]
    /// bytes.
    ///
    /// ```
    /// use sigcookie::{Error, Key};
    ///
    /// assert!(Key::from_hex(&"ab".repeat(32)).is_ok());
    /// assert!(Key::from_hex(&format!(" {}\r\n", "ab".repeat(32))).is_ok());
    /// assert_eq!(Key::from_hex("xyz").err(), Some(Error::KeyNotHex));
    /// assert_eq!(Key::from_hex("ab cd").err(), Some(Error::KeyNotHex));
    /// assert_eq!(Key::from_hex("abcd").err(), Some(Error::KeyTooShort { len: 2 }));
    /// ```
    pub fn from_hex(hex: &str) -> Result<Key, Error> {
        let hex = hex.as_bytes().trim_ascii();
        if !hex.len().is_multiple_of(2) {
            return Err(Error::KeyNotHex);
        }
        let len = hex.len() / 2;
        let mut buf = [0u8; BLOCK_LEN];
        let result = if len <= BLOCK_LEN {
            base16ct::mixed::decode(hex, &mut buf[..len])
                .map_err(|_| Error::KeyNotHex)
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
                    .map_err(|_| Error::KeyNotHex);
                if decoded.is_err() {
                    break;
                }
                hasher.update(&*part);
            }
            decoded.map(|()| {
                let mut key = Key {
                    block: [0; BLOCK_LEN],
                };
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
    /// An [`EnvKeyError`] that names the variable: its [`error`](EnvKeyError::error) is
    /// [`Error::KeyEnvMissing`] when the variable is unset or not Unicode, otherwise what
    /// [`Key::from_hex`] said. It converts into [`Error`] with `?` (dropping the name) and into
    /// `Box<dyn std::error::Error>` (keeping it).
    ///
    /// ```
    /// use sigcookie::{Error, Key};
    ///
    /// let err = Key::from_env("SIGCOOKIE_DOCTEST_UNSET").unwrap_err();
    /// assert_eq!(err.error(), Error::KeyEnvMissing);
    /// assert_eq!(err.variable(), "SIGCOOKIE_DOCTEST_UNSET");
    /// assert!(err.to_string().contains("SIGCOOKIE_DOCTEST_UNSET is not set"));
    /// ```
    #[cfg(feature = "std")]
    pub fn from_env(name: &str) -> Result<Key, EnvKeyError> {
        let fail = |error| EnvKeyError {
            variable: name.to_owned(),
            error,
        };
        // Raw bytes rather than `env::var`, whose error for a non-Unicode value would carry the
        // secret off in an `OsString` that nobody wipes.
        let bytes = zeroize::Zeroizing::new(
            std::env::var_os(name)
                .ok_or_else(|| fail(Error::KeyEnvMissing))?
                .into_encoded_bytes(),
        );
        let text = core::str::from_utf8(&bytes).map_err(|_| fail(Error::KeyEnvMissing))?;
        Key::from_hex(text).map_err(fail)
    }

    /// A fresh random key of [`Key::MIN_LEN`] bytes from the operating system's generator.
    ///
    /// # Errors
    /// [`Error::RandomUnavailable`] when the operating system has no randomness to give.
    ///
    /// ```
    /// use sigcookie::Key;
    ///
    /// let key = Key::generate()?;
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    #[cfg(feature = "getrandom")]
    pub fn generate() -> Result<Key, Error> {
        let mut secret = zeroize::Zeroizing::new([0u8; Self::MIN_LEN]);
        getrandom::fill(&mut *secret).map_err(|_| Error::RandomUnavailable)?;
        Key::from_bytes(&*secret)
    }

    /// Stores the digest of a secret longer than a block, as HMAC would use it, straight into the
    /// block that is wiped on drop rather than through a temporary copy.
    fn absorb_digest(&mut self, hasher: Sha256) {
        Digest::finalize_into(hasher, GenericArray::from_mut_slice(&mut self.block[..32]));
    }

    /// The key a signer with `purpose` MACs with: `HMAC-SHA256(secret, "sigcookie key " || purpose)`.
    pub(crate) fn derive(&self, purpose: &str) -> Key {
        // The purpose has no length limit, so this one-off MAC streams through the `hmac` crate,
        // whose state, unlike a signer's `MacKey`, is not wiped afterwards. The key block is
        // already the padded HMAC key, so this is infallible; borrowed, not copied, so no stray
        // copy of the key is left on the stack.
        let mut mac = <Hmac<Sha256> as KeyInit>::new(GenericArray::from_slice(&self.block));
        mac.update(DERIVE_LABEL);
        mac.update(purpose.as_bytes());
        let mut derived = Key {
            block: [0; BLOCK_LEN],
        };
        // Straight into the block that is wiped on drop, not through a temporary copy.
        FixedOutput::finalize_into(mac, GenericArray::from_mut_slice(&mut derived.block[..32]));
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
    }
}

/// Why [`Key::from_env`] found no key: the core's [`Error`] together with the name of the
/// variable, which [`Error`] cannot carry (it is `Copy` and needs no allocator).
///
/// Its `Display` names the variable and what to do; so does its `Debug`, which is what a
/// `main` returning `Result<(), Box<dyn std::error::Error>>` prints. With `?` it also converts
/// into a plain [`Error`], for code that returns the crate's error type; the name is lost there.
///
/// ```
/// use sigcookie::{EnvKeyError, Error, Key};
///
/// let err: EnvKeyError = Key::from_env("SIGCOOKIE_DOCTEST_MISSING").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "environment variable SIGCOOKIE_DOCTEST_MISSING is not set (or not Unicode): \
///      set it to a secret in hex, e.g. the output of `sigcookie keygen`"
/// );
/// assert_eq!(format!("{err:?}"), err.to_string());
///
/// // Into the crate's error (the name is dropped) ...
/// let plain: Error = err.clone().into();
/// assert_eq!(plain, Error::KeyEnvMissing);
/// // ... or into a boxed error, which keeps it.
/// let boxed: Box<dyn std::error::Error> = err.into();
/// assert!(boxed.to_string().contains("SIGCOOKIE_DOCTEST_MISSING"));
/// ```
#[cfg(feature = "std")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EnvKeyError {
    variable: String,
    error: Error,
}

#[cfg(feature = "std")]
impl EnvKeyError {
    /// The name of the environment variable that was read.
    ///
    /// ```
    /// let err = sigcookie::Key::from_env("SIGCOOKIE_DOCTEST_NONE").unwrap_err();
    /// assert_eq!(err.variable(), "SIGCOOKIE_DOCTEST_NONE");
    /// ```
    pub fn variable(&self) -> &str {
        &self.variable
    }

    /// What was wrong: [`Error::KeyEnvMissing`], [`Error::KeyNotHex`] or
    /// [`Error::KeyTooShort`].
    ///
    /// ```
    /// use sigcookie::{Error, Key};
    ///
    /// match Key::from_env("SIGCOOKIE_DOCTEST_ABSENT") {
    ///     Err(e) if e.error() == Error::KeyEnvMissing => { /* e.g. generate a key instead */ }
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    pub fn error(&self) -> Error {
        self.error
    }
}

#[cfg(feature = "std")]
impl fmt::Display for EnvKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let variable = &self.variable;
        match self.error {
            Error::KeyEnvMissing => write!(
                f,
                "environment variable {variable} is not set (or not Unicode): set it to a secret \
                 in hex, e.g. the output of `sigcookie keygen`"
            ),
            error => write!(f, "environment variable {variable}: {error}"),
        }
    }
}

/// The same message as `Display`: `main` returning a `Result` prints its error with `Debug`,
/// and a struct dump would be less clear than the sentence.
#[cfg(feature = "std")]
impl fmt::Debug for EnvKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `Display` already says what the inner [`Error`] says, so there is no `source`.
#[cfg(feature = "std")]
impl std::error::Error for EnvKeyError {}

#[cfg(feature = "std")]
impl From<EnvKeyError> for Error {
    fn from(e: EnvKeyError) -> Error {
        e.error
    }
}
