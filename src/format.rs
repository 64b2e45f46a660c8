//! Wire format v1: the grammar of `id.sig`, `id.ts.sig` and `id.auth.ts.sig`, and a strict
//! parser for it.
//!
//! ```text
//! value  = id "." sig                   ; untimed signer
//!        / id "." ts "." sig            ; timestamped signer
//!        / id "." auth "." ts "." sig   ; session signer
//! id     = 1*255 idchar          ; any RFC 6265 cookie-octet except "."
//! ts     = "0" / %x31-39 *19DIGIT ; issue time: canonical decimal, fits in u64
//! auth   = ts                     ; login time, same grammar
//! sig    = lowercase hex of the first tag_len bytes of HMAC-SHA256(K, msg)
//! msg    = the bytes of the value before its last "."
//! ```
//!
//! Parsing accepts exactly the strings a signer produces and nothing else: there is one encoding
//! of every (id, auth, ts, tag), so a verifier never has to wonder which of two spellings was
//! signed. The number of dots in `msg` decides the shape, so a MAC can never be moved from one
//! shape to another.

use core::fmt;

use crate::Error;

/// Longest id, in bytes.
///
/// ```
/// # use sigcookie::{format::check_id, ID_MAX_LEN};
/// assert!(check_id(&"a".repeat(ID_MAX_LEN)).is_ok());
/// assert!(check_id(&"a".repeat(ID_MAX_LEN + 1)).is_err());
/// ```
pub const ID_MAX_LEN: usize = 255;
/// Shortest tag, in bytes (32 hex digits): 128 bits is the least a forger must guess.
///
/// ```
/// # use sigcookie::{Key, Signer, TAG_LEN_MIN};
/// let key = Key::from_bytes(&[1; 32])?;
/// assert!(Signer::new(&key, "s")?.with_tag_len(TAG_LEN_MIN).is_ok());
/// assert!(Signer::new(&key, "s")?.with_tag_len(TAG_LEN_MIN - 1).is_err());
/// # Ok::<(), sigcookie::ConfigError>(())
/// ```
pub const TAG_LEN_MIN: usize = 16;
/// Longest tag, in bytes: all of HMAC-SHA256's output.
///
/// ```
/// # use sigcookie::{Key, Signer, TAG_LEN_MAX};
/// let key = Key::from_bytes(&[1; 32])?;
/// assert!(Signer::new(&key, "s")?.with_tag_len(TAG_LEN_MAX + 1).is_err());
/// # Ok::<(), sigcookie::ConfigError>(())
/// ```
pub const TAG_LEN_MAX: usize = 32;
/// Tag length a signer uses unless told otherwise, in bytes.
///
/// ```
/// # use sigcookie::{Key, Signer, TAG_LEN_DEFAULT};
/// assert_eq!(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?.tag_len(), TAG_LEN_DEFAULT);
/// # Ok::<(), sigcookie::ConfigError>(())
/// ```
pub const TAG_LEN_DEFAULT: usize = TAG_LEN_MAX;
/// Most digits of a timestamp: `u64::MAX` has 20.
///
/// ```
/// assert_eq!(u64::MAX.to_string().len(), sigcookie::format::TS_MAX_DIGITS);
/// ```
pub const TS_MAX_DIGITS: usize = 20;
/// Longest value any signer produces: an Ed25519 session value with the longest id and times,
/// whose key id and 64-byte signature make it 73 bytes longer than the longest HMAC one. A
/// [`SignedValue`](crate::SignedValue) or a buffer of this size holds any value.
///
/// ```
/// # use sigcookie::{Cutoffs, Key, SessionSigner, Signer, MAX_VALUE_LEN};
/// let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 60, 600);
/// // 20-digit times, the longest a login can be stamped with (the last second cannot).
/// let value = signer.login_at(&"a".repeat(255), u64::MAX - 1, &Cutoffs::NONE)?;
/// assert_eq!(value.len(), signer.max_value_len());
/// assert_eq!(value.len() + 1 + 8 + 64, MAX_VALUE_LEN); // "." kid, and 64 more hex digits
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const MAX_VALUE_LEN: usize = Shape::ed25519(Kind::Session).max_len();

/// Bytes of an Ed25519 signature; an Ed25519 value's signature has twice as many hex digits.
pub(crate) const ED25519_SIG_LEN: usize = 64;

/// Hex digits of an Ed25519 value's key id.
pub(crate) const KEY_ID_DIGITS: usize = 8;

/// The three shapes of a value. A signer produces and accepts exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// `id.sig`: [`Signer`](crate::Signer).
    Untimed,
    /// `id.ts.sig`: [`TimestampSigner`](crate::TimestampSigner).
    Timestamped,
    /// `id.auth.ts.sig`: [`SessionSigner`](crate::SessionSigner).
    Session,
}

impl Kind {
    /// How many `.`-separated parts a value of this shape has.
    pub(crate) const fn parts(self) -> usize {
        match self {
            Kind::Untimed => 2,
            Kind::Timestamped => 3,
            Kind::Session => 4,
        }
    }

    /// How many times a value of this shape carries: 0, 1 (`ts`) or 2 (`auth` and `ts`).
    const fn times(self) -> usize {
        self.parts() - 2
    }

    /// The shape of a value that carries `times` times (0, 1, or 2 and more).
    #[cfg(feature = "ed25519")]
    pub(crate) const fn with_times(times: usize) -> Kind {
        match times {
            0 => Kind::Untimed,
            1 => Kind::Timestamped,
            _ => Kind::Session,
        }
    }

    /// The shape's name in an Ed25519 value's signed message.
    #[cfg(feature = "ed25519")]
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Kind::Untimed => "untimed",
            Kind::Timestamped => "timestamped",
            Kind::Session => "session",
        }
    }
}

/// Whether `byte` may appear in an id: an RFC 6265 cookie-octet other than `.`, i.e. printable
/// ASCII without space, `"`, `,`, `.`, `;` and `\`.
///
/// ```
/// use sigcookie::format::is_id_byte;
///
/// assert!(is_id_byte(b'a') && is_id_byte(b'-') && is_id_byte(b'@'));
/// assert!(!is_id_byte(b'.') && !is_id_byte(b' ') && !is_id_byte(b';') && !is_id_byte(0xc3));
/// ```
pub const fn is_id_byte(byte: u8) -> bool {
    matches!(byte, 0x21 | 0x23..=0x2B | 0x2D | 0x2F..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

/// Checks that `id` can be signed: 1 to [`ID_MAX_LEN`] bytes, each an [`is_id_byte`].
///
/// # Errors
/// [`Error::EmptyId`], [`Error::IdTooLong`] or [`Error::InvalidIdByte`] naming the first bad byte.
///
/// ```
/// use sigcookie::{format::check_id, Error};
///
/// assert!(check_id("user-42").is_ok());
/// assert_eq!(check_id("a@b.c"), Err(Error::InvalidIdByte { byte: b'.', position: 3 }));
/// ```
pub fn check_id(id: &str) -> Result<(), Error> {
    if id.is_empty() {
        return Err(Error::EmptyId);
    }
    if id.len() > ID_MAX_LEN {
        return Err(Error::IdTooLong { len: id.len() });
    }
    match id.bytes().position(|b| !is_id_byte(b)) {
        Some(position) => Err(Error::InvalidIdByte {
            byte: id.as_bytes()[position],
            position,
        }),
        None => Ok(()),
    }
}

/// The parts of a well-formed value. Not verified: anyone can make a value with these parts.
///
/// ```
/// use sigcookie::format::inspect;
///
/// let parts = inspect("12345.1764000000.2df5b78a1191cc09a4c9c9243ba5287d")?;
/// assert_eq!(parts.id(), "12345");
/// assert_eq!(parts.issued_at(), Some(1764000000));
/// assert_eq!(parts.tag_len(), 16);
/// # Ok::<(), sigcookie::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Parts<'a> {
    msg: &'a str,
    id: &'a str,
    auth: Option<u64>,
    issued_at: Option<u64>,
    key_id: Option<&'a str>,
    sig: &'a str,
}

impl<'a> Parts<'a> {
    /// The id.
    ///
    /// ```
    /// assert_eq!(sigcookie::format::inspect(&format!("user-7.{}", "0".repeat(32)))?.id(), "user-7");
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn id(&self) -> &'a str {
        self.id
    }
    /// The issued-at time in unix seconds, for a timestamped value.
    ///
    /// ```
    /// # use sigcookie::format::inspect;
    /// assert_eq!(inspect(&format!("7.{}", "0".repeat(32)))?.issued_at(), None);
    /// assert_eq!(inspect(&format!("7.99.{}", "0".repeat(32)))?.issued_at(), Some(99));
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn issued_at(&self) -> Option<u64> {
        self.issued_at
    }
    /// The login time (the wire format's `auth`) in unix seconds, for a session value.
    ///
    /// ```
    /// # use sigcookie::format::inspect;
    /// assert_eq!(inspect(&format!("7.99.{}", "0".repeat(32)))?.logged_in_at(), None);
    /// assert_eq!(inspect(&format!("7.90.99.{}", "0".repeat(32)))?.logged_in_at(), Some(90));
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn logged_in_at(&self) -> Option<u64> {
        self.auth
    }
    /// The signature, in hex.
    ///
    /// ```
    /// # use sigcookie::format::inspect;
    /// assert_eq!(inspect(&format!("7.{}", "ab".repeat(16)))?.signature(), "ab".repeat(16));
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn signature(&self) -> &'a str {
        self.sig
    }
    /// Length of the tag in bytes (half the signature's hex digits).
    ///
    /// ```
    /// # use sigcookie::format::inspect;
    /// assert_eq!(inspect(&format!("7.{}", "ab".repeat(20)))?.tag_len(), 20);
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn tag_len(&self) -> usize {
        self.sig.len() / 2
    }
    /// The bytes the signature covers: everything before the last `.`.
    ///
    /// ```
    /// # use sigcookie::format::inspect;
    /// assert_eq!(inspect(&format!("7.99.{}", "0".repeat(32)))?.signed_message(), "7.99");
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn signed_message(&self) -> &'a str {
        self.msg
    }

    /// The key id of an Ed25519 value: which public key verifies it (`docs/format.md`,
    /// "Ed25519 values"). `None` for an HMAC value.
    ///
    /// ```
    /// # use sigcookie::format::inspect;
    /// let value = format!("7.1a2b3c4d.{}", "0".repeat(128));
    /// assert_eq!(inspect(&value)?.key_id(), Some("1a2b3c4d"));
    /// assert_eq!(inspect(&format!("7.{}", "0".repeat(32)))?.key_id(), None);
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn key_id(&self) -> Option<&'a str> {
        self.key_id
    }
}

/// Hides the signature, like [`SignedValue`](crate::SignedValue): parts of a genuine value are a
/// bearer credential and do not belong in logs.
impl fmt::Debug for Parts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parts")
            .field("id", &self.id)
            .field("logged_in_at", &self.auth)
            .field("issued_at", &self.issued_at)
            .field("tag_len", &self.tag_len())
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// Splits a value into its parts without verifying it (for diagnostics, like `sigcookie inspect`).
///
/// The shape is taken from the value itself: two parts are untimed, three timestamped, four a
/// session value, and the tag length is whatever the signature's length says, as long as it is
/// one a signer can have.
///
/// # Errors
/// The same parse errors a verifier reports.
///
/// ```
/// use sigcookie::{format::inspect, Error};
///
/// assert_eq!(inspect("12345").err(), Some(Error::PartCount { expected: 2, found: 1 }));
/// assert_eq!(inspect("12345.ABCDEF0123456789ABCDEF0123456789").err(), Some(Error::SignatureUppercase));
/// ```
pub fn inspect(value: &str) -> Result<Parts<'_>, Error> {
    // No signer's value is longer; refuse before counting anything in it.
    if value.len() > MAX_VALUE_LEN {
        return Err(Error::TooLong {
            len: value.len(),
            max: MAX_VALUE_LEN,
        });
    }
    let sig_len = value.rsplit('.').next().map_or(0, str::len);
    // Only an Ed25519 signature is this long, and an Ed25519 value has one more part.
    let key_id = sig_len == 2 * ED25519_SIG_LEN;
    // Saturating: 128 digits with no dot at all has no key id to subtract.
    let dots = value.bytes().filter(|&b| b == b'.').count();
    let kind = match dots.saturating_sub(usize::from(key_id)) {
        0 | 1 => Kind::Untimed,
        2 => Kind::Timestamped,
        _ => Kind::Session,
    };
    let tag_len = match key_id {
        true => ED25519_SIG_LEN,
        false => (sig_len / 2).clamp(TAG_LEN_MIN, TAG_LEN_MAX),
    };
    Shape {
        tag_len,
        kind,
        key_id,
    }
    .parse(value)
}

/// What a signer's values look like: the one thing the parser needs to know about the signer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shape {
    /// Bytes of the signature: an HMAC signer's tag length, or an Ed25519 signature's 64.
    pub(crate) tag_len: usize,
    pub(crate) kind: Kind,
    /// Whether the signature is preceded by a key id (Ed25519 values).
    pub(crate) key_id: bool,
}

impl Shape {
    /// The shape of an Ed25519 value of this kind.
    pub(crate) const fn ed25519(kind: Kind) -> Shape {
        Shape {
            tag_len: ED25519_SIG_LEN,
            kind,
            key_id: true,
        }
    }

    /// Longest value of this shape. Saturates rather than overflows for tag lengths no signer
    /// accepts.
    pub(crate) const fn max_len(self) -> usize {
        let key_id = if self.key_id { KEY_ID_DIGITS + 1 } else { 0 };
        let fixed = ID_MAX_LEN + 1 + self.kind.times() * (TS_MAX_DIGITS + 1) + key_id;
        self.tag_len.saturating_mul(2).saturating_add(fixed)
    }

    /// Parts of a value of this shape: its kind's, and the key id's.
    const fn parts(self) -> usize {
        self.kind.parts() + if self.key_id { 1 } else { 0 }
    }

    /// Parses a value of this shape. Well-formed values, which is what signers produce and what
    /// verifiers mostly see, take one quick pass; anything else goes through [`Shape::parse_strict`]
    /// to learn which check it fails. Both accept exactly the same strings.
    // Inlined into every verifier: returned through memory, the parts were read back in wider
    // loads than they were stored with, and those stalls (store-to-load forwarding failing)
    // showed in profiles of a verify as a tenth of its time.
    #[inline(always)]
    pub(crate) fn parse(self, value: &str) -> Result<Parts<'_>, Error> {
        match self.parse_well_formed(value) {
            Some(parts) => Ok(parts),
            None => self.parse_strict(value),
        }
    }

    /// Accepts exactly what [`Shape::parse_strict`] accepts, but starts from the known signature
    /// length instead of searching for dots, and checks each part in one pass that does not stop
    /// early (so the compiler can vectorise it): a verify of a short value is then dominated by
    /// the two SHA-256 compressions, not by the parser.
    #[inline(always)]
    fn parse_well_formed(self, value: &str) -> Option<Parts<'_>> {
        let sig_len = 2 * self.tag_len;
        if value.len() > self.max_len() || value.len() < sig_len + 2 {
            return None;
        }
        let (msg, sig) = value.split_at_checked(value.len() - sig_len)?;
        let msg = msg.strip_suffix('.')?;
        // Lowercase hex and id bytes exclude `.` and non-ASCII, and so do the digits that
        // `parse_ts` accepts: the parts found here are the ones the dot count would find.
        if !sig.bytes().fold(true, |ok, b| ok & is_lower_hex(b)) {
            return None;
        }
        let (rest, key_id) = self.split_key_id(msg)?;
        if key_id.is_some_and(|key_id| !is_key_id(key_id)) {
            return None;
        }
        let (id, auth, ts) = split_msg(rest, self.kind)?;
        let (auth, issued_at) = parse_times(auth, ts).ok()?;
        let id_ok = !id.is_empty() && id.len() <= ID_MAX_LEN;
        if !id.bytes().fold(id_ok, |ok, b| ok & is_id_byte(b)) {
            return None;
        }
        Some(Parts {
            msg,
            id,
            auth,
            issued_at,
            key_id,
            sig,
        })
    }

    /// Strict parse, cheapest and most general checks first; the length cap comes before
    /// everything so that no work at all is spent on oversized input.
    fn parse_strict(self, value: &str) -> Result<Parts<'_>, Error> {
        let max = self.max_len();
        if value.len() > max {
            return Err(Error::TooLong {
                len: value.len(),
                max,
            });
        }
        check_ascii(value.as_bytes())?;
        let expected = self.parts();
        let found = value.bytes().filter(|&b| b == b'.').count() + 1;
        if found != expected {
            return Err(Error::PartCount { expected, found });
        }
        // The counts match, so the splits succeed; `unwrap_or` only satisfies the types.
        let (msg, sig) = value.rsplit_once('.').unwrap_or_default();
        check_sig(sig, self.tag_len)?;
        let (rest, key_id) = self.split_key_id(msg).unwrap_or((msg, None));
        if key_id.is_some_and(|key_id| !is_key_id(key_id)) {
            return Err(Error::KeyIdMalformed);
        }
        let (id, auth, ts) = split_msg(rest, self.kind).unwrap_or((rest, None, None));
        check_id(id)?;
        let (auth, issued_at) = parse_times(auth, ts)?;
        Ok(Parts {
            msg,
            id,
            auth,
            issued_at,
            key_id,
            sig,
        })
    }

    /// Splits the key id off the end of a signed message, for a shape that has one.
    fn split_key_id(self, msg: &str) -> Option<(&str, Option<&str>)> {
        match self.key_id {
            true => msg
                .rsplit_once('.')
                .map(|(rest, key_id)| (rest, Some(key_id))),
            false => Some((msg, None)),
        }
    }
}

/// A key id: exactly [`KEY_ID_DIGITS`] lowercase hex digits.
fn is_key_id(key_id: &str) -> bool {
    key_id.len() == KEY_ID_DIGITS && key_id.bytes().all(is_lower_hex)
}

/// The text of each part of `msg` for this shape: `(id, auth, ts)`. `None` when `msg` lacks a
/// dot the shape needs; a stray extra dot lands in the last time, whose digits refuse it.
fn split_msg(msg: &str, kind: Kind) -> Option<(&str, Option<&str>, Option<&str>)> {
    match kind {
        Kind::Untimed => Some((msg, None, None)),
        Kind::Timestamped => msg.split_once('.').map(|(id, ts)| (id, None, Some(ts))),
        Kind::Session => {
            let (id, times) = msg.split_once('.')?;
            let (auth, ts) = times.split_once('.')?;
            Some((id, Some(auth), Some(ts)))
        }
    }
}

/// Parses the times, left to right: the login time before the issue time.
fn parse_times(auth: Option<&str>, ts: Option<&str>) -> Result<(Option<u64>, Option<u64>), Error> {
    Ok((
        auth.map(parse_ts).transpose()?,
        ts.map(parse_ts).transpose()?,
    ))
}

fn check_sig(sig: &str, tag_len: usize) -> Result<(), Error> {
    if sig.len() != 2 * tag_len {
        return Err(Error::SignatureLength {
            expected: 2 * tag_len,
            found: sig.len(),
        });
    }
    if !sig.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::SignatureNotHex);
    }
    if sig.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(Error::SignatureUppercase);
    }
    Ok(())
}

const fn is_lower_hex(byte: u8) -> bool {
    matches!(byte, b'0'..=b'9' | b'a'..=b'f')
}

fn parse_ts(ts: &str) -> Result<u64, Error> {
    let digits = ts.as_bytes();
    match digits {
        [] => return Err(Error::EmptyTimestamp),
        _ if !digits.iter().all(u8::is_ascii_digit) => return Err(Error::TimestampNotDigits),
        [b'0', _, ..] => return Err(Error::TimestampLeadingZero),
        _ => {}
    }
    digits.iter().try_fold(0u64, |acc, &d| {
        acc.checked_mul(10)
            .and_then(|acc| acc.checked_add(u64::from(d - b'0')))
            .ok_or(Error::TimestampOverflow)
    })
}

/// The one ASCII rule, for a `str` and for a cookie's raw bytes alike: a value is ASCII, and
/// [`Error::NonAscii`] names its first byte that is not.
pub(crate) fn check_ascii(bytes: &[u8]) -> Result<&str, Error> {
    // `is_ascii` reads a word at a time; the position is looked for only in what fails.
    if bytes.is_ascii() {
        // ASCII is UTF-8: the conversion cannot fail.
        return Ok(core::str::from_utf8(bytes).unwrap_or_default());
    }
    let position = bytes.iter().position(|b| !b.is_ascii()).unwrap_or_default();
    Err(Error::NonAscii { position })
}

/// How many digits [`encode_ts`] writes for `ts`.
pub(crate) const fn ts_digits(mut ts: u64) -> usize {
    let mut count = 1;
    while ts >= 10 {
        ts /= 10;
        count += 1;
    }
    count
}

/// Writes `ts` in canonical decimal into the end of `buf` and returns the digits.
pub(crate) fn encode_ts(mut ts: u64, buf: &mut [u8; TS_MAX_DIGITS]) -> &[u8] {
    let mut start = TS_MAX_DIGITS;
    loop {
        start -= 1;
        buf[start] = b'0' + (ts % 10) as u8;
        ts /= 10;
        if ts == 0 {
            return &buf[start..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick path must accept exactly what the strict parser accepts, with the same parts:
    /// every one- and two-byte change of valid values, and every truncation, is tried on both.
    #[test]
    fn inspecting_a_bare_ed25519_length_signature_is_an_error_not_a_panic() {
        let sig = "0".repeat(2 * ED25519_SIG_LEN);
        assert!(matches!(inspect(&sig), Err(Error::PartCount { .. })));
        assert!(matches!(
            inspect(&format!(".{sig}")),
            Err(Error::PartCount { .. })
        ));
    }

    #[test]
    fn quick_parse_accepts_exactly_what_strict_parse_accepts() {
        let valid = [
            "12345.1764000000.2df5b78a1191cc09a4c9c9243ba5287d",
            "12345.17.1764.2df5b78a1191cc09a4c9c9243ba5287d",
            "a.0.00000000000000000000000000000000",
            "u-1.27f988a4afa735417e65bd94c63b821e",
            "12345.27f988a4afa735417e65bd94c63b821e82972c4faf62f5e9065240c492ad62ba",
            // Ed25519 shapes: a key id before a 128-digit signature.
            "7.0badc0de.27f988a4afa735417e65bd94c63b821e82972c4faf62f5e9065240c492ad62ba27f988a4afa735417e65bd94c63b821e82972c4faf62f5e9065240c492ad62ba",
            "7.9.1a2b3c4d.27f988a4afa735417e65bd94c63b821e82972c4faf62f5e9065240c492ad62ba27f988a4afa735417e65bd94c63b821e82972c4faf62f5e9065240c492ad62ba",
            "7.1.2.1a2b3c4d.27f988a4afa735417e65bd94c63b821e82972c4faf62f5e9065240c492ad62ba27f988a4afa735417e65bd94c63b821e82972c4faf62f5e9065240c492ad62ba",
        ];
        let bytes = [
            b'.', b'0', b'1', b'a', b'f', b'A', b'g', b' ', b'-', 0x7f, 0xc3,
        ];
        let check = |candidate: &[u8]| {
            let Ok(value) = core::str::from_utf8(candidate) else {
                return;
            };
            for (tag_len, key_id) in [(16, false), (32, false), (ED25519_SIG_LEN, true)] {
                for kind in [Kind::Untimed, Kind::Timestamped, Kind::Session] {
                    let shape = Shape {
                        tag_len,
                        kind,
                        key_id,
                    };
                    let quick = shape.parse_well_formed(value);
                    assert_eq!(
                        quick.ok_or(()),
                        shape.parse_strict(value).map_err(|_| ()),
                        "{value}"
                    );
                }
            }
        };
        let mut buf = [0u8; 160];
        for value in valid {
            let len = value.len();
            for end in 0..=len {
                check(&value.as_bytes()[..end]);
            }
            for i in 0..len {
                for &a in &bytes {
                    buf[..len].copy_from_slice(value.as_bytes());
                    buf[i] = a;
                    check(&buf[..len]);
                    for j in i + 1..len {
                        for &b in &bytes[..4] {
                            buf[j] = b;
                            check(&buf[..len]);
                            buf[j] = value.as_bytes()[j];
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn encode_ts_round_trips_extremes() {
        let mut buf = [0; TS_MAX_DIGITS];
        for ts in [0, 1, 9, 10, 1_764_000_000, u64::MAX] {
            let digits = core::str::from_utf8(encode_ts(ts, &mut buf)).unwrap();
            assert_eq!(parse_ts(digits), Ok(ts));
        }
    }
}
