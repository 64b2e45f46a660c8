//! [`Error`]: why an id, a value or a request's cookie was refused at run time. Configuration
//! is refused apart, at start, by [`ConfigError`](crate::ConfigError).
//!
//! Every way an id or a value can be refused has its own variant, so callers can
//! match on the reason and tests can prove *which* check fired. No variant carries key material,
//! and none carries the rejected value itself: values end up in logs, and an id is the one part of
//! a value that may identify a person.

use core::fmt;

/// Why an id, a signed value or a request's session cookie was refused.
///
/// For a client's cookie these are for logs only: answer no more than "unauthorized" (the axum
/// and actix-web integrations answer `401` with an empty body).
///
/// ```
/// use sigcookie::{Error, Key, Signer};
///
/// let signer = Signer::new(&Key::from_bytes(&[7; 32])?, "session")?;
/// assert_eq!(signer.verify("12345.beef"), Err(Error::SignatureLength { expected: 64, found: 4 }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// `Debug` prints the variant's [`name`](Error::name) and the `Display` message, since that is
/// what a `main` returning `Result<(), sigcookie::Error>` shows:
///
/// ```
/// use sigcookie::Error;
///
/// assert_eq!(
///     format!("{:?}", Error::SignatureLength { expected: 64, found: 4 }),
///     "SignatureLength: signature has 4 hex digits; this signer's have 64"
/// );
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    // --- the request ---------------------------------------------------------------------------
    /// The request carries no cookie of the session cookie's name.
    Missing,
    /// The request carries more than one cookie of the session cookie's name, so which one the
    /// server sees would depend on the browser's ordering. Two can arrive when a sibling
    /// subdomain sets a cookie of the same name for the parent domain; the `__Host-` prefix
    /// rules that out.
    Duplicate,

    // --- signing into a buffer -----------------------------------------------------------------
    /// The caller's buffer cannot hold the signed value.
    BufferTooSmall {
        /// How many bytes the value needs.
        needed: usize,
    },

    // --- the id (when signing and when verifying) ---------------------------------------------
    /// The id is empty.
    EmptyId,
    /// The id is longer than [`ID_MAX_LEN`](crate::ID_MAX_LEN) bytes.
    IdTooLong {
        /// Length of the id, in bytes.
        len: usize,
    },
    /// The id contains a byte that may not appear in a cookie value, or a `.`.
    InvalidIdByte {
        /// The offending byte (the first byte of a non-ASCII character).
        byte: u8,
        /// Its offset in the id, in bytes.
        position: usize,
    },

    // --- the shape of a value -----------------------------------------------------------------
    /// The value is longer than any value this signer produces; refused before any parsing or MAC.
    TooLong {
        /// Length of the value, in bytes.
        len: usize,
        /// The longest value this signer produces.
        max: usize,
    },
    /// The value contains a non-ASCII byte.
    NonAscii {
        /// Offset of the first non-ASCII byte.
        position: usize,
    },
    /// The value does not have the number of `.`-separated parts this signer produces: `id.sig`
    /// for an untimed signer, `id.ts.sig` for a timestamped one, `id.auth.ts.sig` for a session
    /// signer.
    PartCount {
        /// Parts this signer's values have.
        expected: usize,
        /// Parts the value has.
        found: usize,
    },
    /// A timestamp part (the issue time `ts`, or a session's login time `auth`) is empty.
    EmptyTimestamp,
    /// A timestamp part contains something other than the digits `0`-`9` (a sign, a space, ...).
    TimestampNotDigits,
    /// A timestamp part has a leading zero: only the canonical decimal form is produced.
    TimestampLeadingZero,
    /// A timestamp part does not fit in a `u64`.
    TimestampOverflow,
    /// The signature does not have this signer's length (twice its tag length, in hex digits).
    SignatureLength {
        /// Hex digits this signer produces.
        expected: usize,
        /// Hex digits the value has.
        found: usize,
    },
    /// The signature contains uppercase hex digits; only lowercase is produced.
    SignatureUppercase,
    /// The signature contains a character that is not a hex digit.
    SignatureNotHex,
    /// An Ed25519 value's key id is not 8 lowercase hex digits.
    KeyIdMalformed,

    // --- authenticity -------------------------------------------------------------------------
    /// The signature does not match under any of the signer's keys: a forged or altered value,
    /// another key, another purpose, or the unbound scheme where a purpose was expected (or the
    /// reverse). Deliberately says no more than that.
    BadSignature,
    /// An Ed25519 value names a key this verifier does not hold: signed with a key that was
    /// never this service's, or one retired from its list of previous keys. Refused before any
    /// curve arithmetic. The key id is public (it is in the value), so it may be logged.
    UnknownKeyId {
        /// The value's key id, its 8 hex digits read as a big-endian number.
        key_id: u32,
    },

    // --- signing ------------------------------------------------------------------------------
    /// This side holds only public keys (an Ed25519 verifier): it verifies values but cannot
    /// sign, renew or make CSRF tokens. The service with the signing key does that.
    VerifyOnly,

    // --- CSRF tokens (checked on a session that verified) -------------------------------------
    /// A form's CSRF token is not [`CsrfToken::LEN`](crate::CsrfToken::LEN) lowercase hex
    /// digits: empty (the field is missing), truncated, too long, uppercase, or not hex at all.
    /// The integrations answer `403`.
    CsrfMalformed,
    /// A form's CSRF token is not the token of the session that sent it: another user's,
    /// another login's, or another cookie's. The integrations answer `403`.
    CsrfMismatch,

    // --- time ---------------------------------------------------------------------------------
    /// The value is older than the signer's maximum age.
    Expired {
        /// When the value was issued, in unix seconds.
        issued_at: u64,
        /// The signer's maximum age, in seconds.
        max_age: u64,
    },
    /// The value claims to be issued further in the future than the allowed clock skew.
    IssuedInFuture {
        /// When the value claims to be issued, in unix seconds.
        issued_at: u64,
        /// The verifier's clock, in unix seconds.
        now: u64,
    },
    /// A session value says its user logged in after the value was issued: no signer makes one.
    AuthAfterIssue {
        /// When the user logged in, in unix seconds.
        logged_in_at: u64,
        /// When the value was issued, in unix seconds.
        issued_at: u64,
    },
    /// The session's absolute lifetime is over: the user logged in longer ago than the signer's
    /// lifetime, however recently the value was renewed.
    LifetimeExceeded {
        /// When the user logged in, in unix seconds.
        logged_in_at: u64,
        /// The signer's lifetime, in seconds.
        lifetime: u64,
    },
    /// A timestamped value was issued before a revocation cut-off (a "log out everywhere").
    IssuedBeforeNotBefore {
        /// When the value was issued, in unix seconds.
        issued_at: u64,
        /// The cut-off, in unix seconds.
        not_before: u64,
    },
    /// A session began (its user logged in) before a revocation cut-off: "log out everywhere",
    /// "log out this user everywhere" or "password changed at". Session values are judged by
    /// their login time, so renewing a session never carries it past a cut-off.
    LoggedInBeforeNotBefore {
        /// When the user logged in, in unix seconds.
        logged_in_at: u64,
        /// The cut-off, in unix seconds.
        not_before: u64,
    },
    /// The session was logged out on the server: this one session of its user, named by its
    /// login time ([`Revocations::session_cutoffs`](crate::Revocations::session_cutoffs)), and
    /// its value is still presented, by whoever copied it or a browser that missed the removal.
    LoggedOut {
        /// When the user logged in, in unix seconds: the session's name with its id.
        logged_in_at: u64,
    },
    /// The revocation cut-offs for this id could not be read (a malformed store entry, or a
    /// `RedisStore` that fails closed after losing Redis): refused, since a revoked session must
    /// never pass because its revocation is unreadable.
    CutoffUnreadable,
    /// The system clock reads earlier than the unix epoch.
    ClockBeforeEpoch,
    /// The clock reads earlier than the signer believes it
    /// ([`SessionSigner::with_earliest_time`](crate::SessionSigner::with_earliest_time)): it
    /// has not been set yet (a device without a real-time clock, before NTP answers), so no
    /// value is signed, rather than one that dies at once or comes back later.
    ClockNotSet {
        /// What the clock reads, in unix seconds.
        now: u64,
        /// The earliest time it is believed at, in unix seconds.
        earliest: u64,
    },
}

impl Error {
    /// Whether the refusal is the server's own failure (its clock, an unreadable cut-off, a
    /// buffer it sized) rather than the client's cookie: the integrations answer `500`, not
    /// `401`.
    #[cfg(any(feature = "axum", feature = "actix"))]
    pub(crate) fn is_server_side(&self) -> bool {
        matches!(
            self,
            Error::ClockBeforeEpoch
                | Error::VerifyOnly
                | Error::ClockNotSet { .. }
                | Error::CutoffUnreadable
                | Error::BufferTooSmall { .. }
        )
    }

    /// Whether the refusal is of a request whose session verified but whose CSRF token did
    /// not: the integrations answer `403`, not `401`.
    #[cfg(any(feature = "axum", feature = "actix"))]
    pub(crate) fn is_forbidden(&self) -> bool {
        matches!(self, Error::CsrfMalformed | Error::CsrfMismatch)
    }

    /// The variant's name, stable across releases: for logs, metrics and JSON output, where a
    /// machine-readable reason is wanted without the details the `Display` message carries.
    ///
    /// ```
    /// use sigcookie::Error;
    ///
    /// assert_eq!(Error::BadSignature.name(), "BadSignature");
    /// assert_eq!(Error::Expired { issued_at: 1, max_age: 2 }.name(), "Expired");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Error::Missing => "Missing",
            Error::Duplicate => "Duplicate",
            Error::BufferTooSmall { .. } => "BufferTooSmall",
            Error::EmptyId => "EmptyId",
            Error::IdTooLong { .. } => "IdTooLong",
            Error::InvalidIdByte { .. } => "InvalidIdByte",
            Error::TooLong { .. } => "TooLong",
            Error::NonAscii { .. } => "NonAscii",
            Error::PartCount { .. } => "PartCount",
            Error::EmptyTimestamp => "EmptyTimestamp",
            Error::TimestampNotDigits => "TimestampNotDigits",
            Error::TimestampLeadingZero => "TimestampLeadingZero",
            Error::TimestampOverflow => "TimestampOverflow",
            Error::SignatureLength { .. } => "SignatureLength",
            Error::SignatureUppercase => "SignatureUppercase",
            Error::SignatureNotHex => "SignatureNotHex",
            Error::KeyIdMalformed => "KeyIdMalformed",
            Error::UnknownKeyId { .. } => "UnknownKeyId",
            Error::VerifyOnly => "VerifyOnly",
            Error::BadSignature => "BadSignature",
            Error::CsrfMalformed => "CsrfMalformed",
            Error::CsrfMismatch => "CsrfMismatch",
            Error::Expired { .. } => "Expired",
            Error::IssuedInFuture { .. } => "IssuedInFuture",
            Error::AuthAfterIssue { .. } => "AuthAfterIssue",
            Error::LifetimeExceeded { .. } => "LifetimeExceeded",
            Error::IssuedBeforeNotBefore { .. } => "IssuedBeforeNotBefore",
            Error::LoggedInBeforeNotBefore { .. } => "LoggedInBeforeNotBefore",
            Error::LoggedOut { .. } => "LoggedOut",
            Error::CutoffUnreadable => "CutoffUnreadable",
            Error::ClockNotSet { .. } => "ClockNotSet",
            Error::ClockBeforeEpoch => "ClockBeforeEpoch",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Missing => f.write_str("no session cookie in the request"),
            Error::Duplicate => {
                f.write_str("more than one cookie with the session cookie's name in the request")
            }
            Error::BufferTooSmall { needed } => {
                write!(f, "buffer too small: the signed value needs {needed} bytes")
            }
            Error::EmptyId => f.write_str("id is empty"),
            Error::IdTooLong { len } => write!(
                f,
                "id is {len} bytes; at most {} are allowed",
                crate::ID_MAX_LEN
            ),
            Error::InvalidIdByte { byte, position } => {
                if byte.is_ascii_graphic() || byte == b' ' {
                    write!(f, "id contains {:?} at byte {position}", byte as char)?;
                } else {
                    write!(f, "id contains byte 0x{byte:02x} at byte {position}")?;
                }
                f.write_str(
                    ", which a cookie value cannot carry; use an opaque user ID, \
                     not an email address or other personal data",
                )
            }
            Error::TooLong { len, max } => {
                write!(
                    f,
                    "value is {len} bytes; this signer's values have at most {max}"
                )
            }
            Error::NonAscii { position } => {
                write!(f, "value contains a non-ASCII byte at offset {position}")
            }
            Error::PartCount { expected, found } => {
                let plural = if found == 1 { "" } else { "s" };
                write!(
                    f,
                    "value has {found} dot-separated part{plural}; expected {expected}"
                )?;
                let shape = |parts| match parts {
                    2 => Some("an untimed"),
                    3 => Some("a timestamped"),
                    4 => Some("a session"),
                    _ => None,
                };
                match (shape(found), shape(expected)) {
                    (Some(value), Some(signer)) => {
                        write!(f, " ({value} value given to {signer} signer?)")
                    }
                    _ => Ok(()),
                }
            }
            Error::EmptyTimestamp => f.write_str("timestamp is empty"),
            Error::TimestampNotDigits => f.write_str("timestamp is not a plain decimal number"),
            Error::TimestampLeadingZero => f.write_str("timestamp has a leading zero"),
            Error::TimestampOverflow => f.write_str("timestamp does not fit in 64 bits"),
            Error::SignatureLength { expected, found } => write!(
                f,
                "signature has {found} hex digits; this signer's have {expected}"
            ),
            Error::SignatureUppercase => f.write_str("signature has uppercase hex digits"),
            Error::SignatureNotHex => f.write_str("signature is not hex"),
            Error::BadSignature => f.write_str("signature does not match"),
            Error::KeyIdMalformed => f.write_str("key id is not 8 lowercase hex digits"),
            Error::UnknownKeyId { key_id } => {
                write!(
                    f,
                    "value is signed with a key this verifier does not hold (key id {key_id:08x})"
                )
            }
            Error::VerifyOnly => f.write_str(
                "this verifier holds only public keys: it cannot sign, renew or make CSRF tokens",
            ),
            Error::CsrfMalformed => write!(
                f,
                "CSRF token missing or malformed: expected {} lowercase hex digits",
                crate::CsrfToken::LEN
            ),
            Error::CsrfMismatch => f.write_str("CSRF token is not this session's"),
            Error::Expired { issued_at, max_age } => write!(
                f,
                "value expired: issued at {issued_at}, older than the maximum age of {max_age} s"
            ),
            Error::IssuedInFuture { issued_at, now } => write!(
                f,
                "value issued in the future: issued at {issued_at}, clock reads {now}"
            ),
            Error::AuthAfterIssue {
                logged_in_at,
                issued_at,
            } => write!(
                f,
                "session value claims a login at {logged_in_at}, after its issue time {issued_at}"
            ),
            Error::LifetimeExceeded {
                logged_in_at,
                lifetime,
            } => write!(
                f,
                "session expired: logged in at {logged_in_at}, longer ago than the lifetime of {lifetime} s"
            ),
            Error::IssuedBeforeNotBefore {
                issued_at,
                not_before,
            } => write!(
                f,
                "value revoked: issued at {issued_at}, before the cut-off {not_before}"
            ),
            Error::LoggedInBeforeNotBefore {
                logged_in_at,
                not_before,
            } => write!(
                f,
                "session revoked: logged in at {logged_in_at}, before the cut-off {not_before}"
            ),
            Error::LoggedOut { logged_in_at } => write!(
                f,
                "session logged out: the session that logged in at {logged_in_at} has ended"
            ),
            Error::CutoffUnreadable => {
                f.write_str("the revocation cut-offs for this id are unreadable; refused")
            }
            Error::ClockBeforeEpoch => f.write_str("system clock reads before the unix epoch"),
            Error::ClockNotSet { now, earliest } => write!(
                f,
                "the clock is not set: it reads {now}, before {earliest}; nothing is signed \
                 until it is"
            ),
        }
    }
}

/// The variant's name, then the message: `KeyTooShort: secret key is 16 bytes; ...`. Every field
/// of a variant appears in its message, so nothing a derived `Debug` would show is lost.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {self}", self.name())
    }
}

/// `core::error::Error` is `std::error::Error`: implemented without `std` too, so that the
/// `no_std` [`header`](crate::header) rejections can name it as their source.
impl core::error::Error for Error {}
