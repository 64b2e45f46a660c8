//! [`ConfigError`]: why a key, a signer or a cookie's settings were refused, at start.
//!
//! Apart from [`Error`](crate::Error) because it goes to someone else: a configuration error
//! is the developer's to fix before the first request, a rejection is a client's, logged and
//! answered with a plain 401.

use core::fmt;

/// Why a key, a signer or a session cookie's settings were refused: the developer's to fix at
/// start. Every layer reports its configuration through this one type.
///
/// ```
/// use sigcookie::{ConfigError, Key, Signer};
///
/// assert_eq!(Key::from_bytes(&[7; 16]).err(), Some(ConfigError::KeyTooShort { len: 16 }));
/// let key = Key::from_bytes(&[7; 32])?;
/// assert_eq!(Signer::new(&key, "").err(), Some(ConfigError::EmptyPurpose));
/// assert_eq!(ConfigError::EmptyPurpose.name(), "EmptyPurpose");
/// # Ok::<(), ConfigError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigError {
    // --- the key --------------------------------------------------------------------------------
    /// The secret is shorter than [`Key::MIN_LEN`](crate::Key::MIN_LEN) bytes.
    KeyTooShort {
        /// Length of the secret that was given, in bytes.
        len: usize,
    },
    /// The secret was given as hex but is not valid hex (odd length or a non-hex character).
    KeyNotHex,
    /// The environment variable that should hold the secret is unset or not Unicode.
    KeyEnvMissing {
        /// The variable's name.
        variable: &'static str,
    },
    /// The environment variable holds no valid secret: not hex, or fewer than
    /// [`Key::MIN_LEN`](crate::Key::MIN_LEN) bytes.
    KeyEnvInvalid {
        /// The variable's name.
        variable: &'static str,
    },
    /// The operating system could not provide random bytes for a new key.
    RandomUnavailable,

    // --- the signer -----------------------------------------------------------------------------
    /// A signer's purpose is empty: a purpose is what keeps values for one use from being
    /// accepted by another, so an empty one is almost certainly a mistake.
    EmptyPurpose,
    /// The tag length is outside [`TAG_LEN_MIN`](crate::TAG_LEN_MIN)`..=`[`TAG_LEN_MAX`](crate::TAG_LEN_MAX) bytes.
    TagLength {
        /// The tag length that was asked for, in bytes.
        len: usize,
    },
    /// More previous keys than a signer keeps were given.
    TooManyPreviousKeys {
        /// How many previous keys a signer keeps at most.
        max: usize,
    },

    // --- Ed25519 keys and signers ---------------------------------------------------------------
    /// An Ed25519 key is malformed: a signing key is not 64 hex digits, a public key not 64
    /// lowercase hex digits nor an SPKI PEM block of an Ed25519 key.
    Ed25519KeyMalformed,
    /// A private key (a PKCS#8 `PRIVATE KEY` block) was given where a public key belongs: it
    /// must never reach the services that only verify.
    Ed25519SigningKeyAsPublic,
    /// An Ed25519 public key is not the canonical encoding of a curve point, or is a point of
    /// small order, for which anyone can make signatures that verify: refused when loaded.
    Ed25519WeakKey,
    /// Two of a verifier's Ed25519 public keys have the same key id (the same key given twice,
    /// or, by a 2^-32 chance, two keys whose ids collide): a value's key id must name one key.
    Ed25519DuplicateKeyId,
    /// An Ed25519 signer's purpose is longer than 255 bytes: it goes into every signed message.
    PurposeTooLong {
        /// Length of the purpose, in bytes.
        len: usize,
    },
    /// A tag length was set for an Ed25519 cookie, whose signatures always have 64 bytes.
    Ed25519TagLength,

    // --- the cookie's name and attributes (`header::CookieSpec`) --------------------------------
    /// The cookie name is empty or has a byte an RFC 6265 cookie name cannot carry.
    InvalidName {
        /// Offset of the offending byte (0 for an empty name).
        position: usize,
    },
    /// The path does not start with `/`, ends with a space, or has a control character or `;`.
    InvalidPath,
    /// The domain is not labels of letters, digits and `-` separated by single dots (after a
    /// leading `.`, which browsers ignore).
    InvalidDomain,
    /// A `__Host-` cookie may not have a `Domain` attribute.
    HostPrefixDomain,
    /// A `__Host-` cookie must have `Path=/`.
    HostPrefixPath,
    /// A `__Host-` or `__Secure-` cookie, or `SameSite=None`, requires `Secure`, so it cannot be
    /// sent over plain HTTP: browsers would drop it.
    RequiresSecure,

    // --- a session's durations ------------------------------------------------------------------
    /// A leeway, maximum age, lifetime or cookie `Max-Age` is shorter than one second: a
    /// `Max-Age` of zero makes the browser delete the cookie at once, and with no leeway a login
    /// right after a revocation (stamped with the next second) is refused.
    InvalidDuration,
    /// The lifetime is shorter than the maximum age: sessions would end before they go idle,
    /// which is almost certainly a mistake.
    LifetimeShorterThanMaxAge,
}

impl ConfigError {
    /// The variant's name, stable across releases, for logs and JSON output.
    ///
    /// ```
    /// assert_eq!(sigcookie::ConfigError::InvalidPath.name(), "InvalidPath");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            ConfigError::KeyTooShort { .. } => "KeyTooShort",
            ConfigError::KeyNotHex => "KeyNotHex",
            ConfigError::KeyEnvMissing { .. } => "KeyEnvMissing",
            ConfigError::KeyEnvInvalid { .. } => "KeyEnvInvalid",
            ConfigError::RandomUnavailable => "RandomUnavailable",
            ConfigError::EmptyPurpose => "EmptyPurpose",
            ConfigError::TagLength { .. } => "TagLength",
            ConfigError::TooManyPreviousKeys { .. } => "TooManyPreviousKeys",
            ConfigError::Ed25519KeyMalformed => "Ed25519KeyMalformed",
            ConfigError::Ed25519SigningKeyAsPublic => "Ed25519SigningKeyAsPublic",
            ConfigError::Ed25519WeakKey => "Ed25519WeakKey",
            ConfigError::Ed25519DuplicateKeyId => "Ed25519DuplicateKeyId",
            ConfigError::PurposeTooLong { .. } => "PurposeTooLong",
            ConfigError::Ed25519TagLength => "Ed25519TagLength",
            ConfigError::InvalidName { .. } => "InvalidName",
            ConfigError::InvalidPath => "InvalidPath",
            ConfigError::InvalidDomain => "InvalidDomain",
            ConfigError::HostPrefixDomain => "HostPrefixDomain",
            ConfigError::HostPrefixPath => "HostPrefixPath",
            ConfigError::RequiresSecure => "RequiresSecure",
            ConfigError::InvalidDuration => "InvalidDuration",
            ConfigError::LifetimeShorterThanMaxAge => "LifetimeShorterThanMaxAge",
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ConfigError::KeyTooShort { len } => write!(
                f,
                "secret key is {len} bytes; at least {} are required (generate one with `sigcookie keygen`)",
                crate::Key::MIN_LEN
            ),
            ConfigError::KeyNotHex => f.write_str("secret key is not valid hex"),
            ConfigError::KeyEnvMissing { variable } => write!(
                f,
                "environment variable {variable} is not set (or not Unicode): set it to a secret \
                 in hex, e.g. the output of `sigcookie keygen`"
            ),
            ConfigError::KeyEnvInvalid { variable } => write!(
                f,
                "environment variable {variable} must hold a secret of at least {} bytes in hex, \
                 e.g. the output of `sigcookie keygen`",
                crate::Key::MIN_LEN
            ),
            ConfigError::RandomUnavailable => {
                f.write_str("the operating system could not provide random bytes")
            }
            ConfigError::EmptyPurpose => f.write_str("a signer's purpose must not be empty"),
            ConfigError::TagLength { len } => write!(
                f,
                "tag length {len} is not in {}..={} bytes",
                crate::TAG_LEN_MIN,
                crate::TAG_LEN_MAX
            ),
            ConfigError::TooManyPreviousKeys { max } => {
                write!(f, "a signer keeps at most {max} previous keys")
            }
            ConfigError::Ed25519KeyMalformed => f.write_str(
                "Ed25519 key is malformed: a signing key is 64 hex digits, a public key 64 \
                 lowercase hex digits or an SPKI PEM block",
            ),
            ConfigError::Ed25519SigningKeyAsPublic => f.write_str(
                "a private key was given where a public key belongs: give the public key, and \
                 keep the private key on the service that signs",
            ),
            ConfigError::Ed25519WeakKey => f.write_str(
                "Ed25519 public key is not a canonical point encoding, or is of small order",
            ),
            ConfigError::Ed25519DuplicateKeyId => {
                f.write_str("two of the verifier's Ed25519 public keys have the same key id")
            }
            ConfigError::PurposeTooLong { len } => write!(
                f,
                "an Ed25519 signer's purpose is {len} bytes; at most 255 are allowed"
            ),
            ConfigError::Ed25519TagLength => f.write_str(
                "an Ed25519 cookie has no tag length to set: its signatures are 64 bytes",
            ),
            ConfigError::InvalidName { position } => write!(
                f,
                "cookie name is empty or has a byte a cookie name cannot carry at offset {position}"
            ),
            ConfigError::InvalidPath => f.write_str(
                "cookie path must start with '/', not end with a space, and have no control \
                 character or ';'",
            ),
            ConfigError::InvalidDomain => f.write_str(
                "cookie domain must be labels of letters, digits and '-' separated by dots",
            ),
            ConfigError::HostPrefixDomain => {
                f.write_str("a __Host- cookie cannot have a Domain attribute")
            }
            ConfigError::HostPrefixPath => f.write_str("a __Host- cookie must have Path=/"),
            ConfigError::RequiresSecure => f.write_str(
                "__Host- and __Secure- cookies and SameSite=None need Secure; \
                 they cannot be used over plain HTTP",
            ),
            ConfigError::InvalidDuration => f.write_str(
                "a leeway, maximum age, lifetime or cookie Max-Age must be at least one second",
            ),
            ConfigError::LifetimeShorterThanMaxAge => {
                f.write_str("a session's lifetime cannot be shorter than its maximum idle age")
            }
        }
    }
}

/// The variant's name, then the message, as [`Error`](crate::Error) prints itself: what a
/// `main` returning a `Result` shows.
impl fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {self}", self.name())
    }
}

impl core::error::Error for ConfigError {}
