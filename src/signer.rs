//! [`Signer`]: signs ids into `id.sig` values and verifies them.

use core::fmt;

use crate::format::{
    self, Kind, MAX_VALUE_LEN, Parts, Shape, TAG_LEN_DEFAULT, TAG_LEN_MAX, TAG_LEN_MIN,
};
use crate::key::{Key, MAX_PREVIOUS_KEYS};
use crate::mac::MacKey;
use crate::scheme::{Mint, Scheme};
use crate::tag::ReceivedTag;
use crate::{ConfigError, Error};

/// Signs ids into `id.sig` values and verifies them: the untimed signer.
///
/// A signer is bound to a *purpose* (normally the cookie name): its key is derived from the
/// secret and the purpose, so a value made for one purpose never verifies for another. It holds
/// the keyed HMAC state of the key's current secret and of its previous ones
/// ([`Key::with_previous`], for rotation), computed once when it is made and zeroed when it is
/// dropped. It is `Send + Sync`; share it
/// by reference or in an `Arc`.
///
/// ```
/// use sigcookie::{Key, Signer};
///
/// let key = Key::from_bytes(&[0x42; 32])?;
/// let signer = Signer::new(&key, "session")?;
/// let value = signer.sign("12345")?;
/// assert_eq!(signer.verify(&value)?, "12345");
/// assert!(signer.verify("12345.0000000000000000000000000000000000000000000000000000000000000000").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Signer {
    current: MacKey,
    previous: [Option<MacKey>; MAX_PREVIOUS_KEYS],
    tag_len: usize,
    bound: bool,
    /// Tells signers apart (current key and purpose), so that a session verified by one is
    /// never renewed by another; see [`Signer::fingerprint`].
    fingerprint: u64,
}

impl Signer {
    /// A signer for `purpose` with the default tag length, accepting the key's previous
    /// secrets too ([`Key::with_previous`]).
    ///
    /// # Errors
    /// [`ConfigError::EmptyPurpose`].
    ///
    /// ```
    /// use sigcookie::{Key, Signer};
    ///
    /// let (old, new) = (Key::from_bytes(&[1; 32])?, Key::from_bytes(&[2; 32])?);
    /// let before = Signer::new(&old, "session")?.sign("7")?;
    /// let signer = Signer::new(&new.with_previous(&old)?, "session")?;
    /// assert_eq!(signer.verify(&before)?, "7");
    /// assert_eq!(signer.tag_len(), 32);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(key: &Key, purpose: &str) -> Result<Signer, ConfigError> {
        if purpose.is_empty() {
            return Err(ConfigError::EmptyPurpose);
        }
        Ok(Signer::keyed(
            key,
            |secret| secret.derive(purpose).mac(),
            true,
        ))
    }

    /// The *unbound* signer: MACs with the secret itself, `HMAC-SHA256(secret, id)`, to interoperate
    /// with services that already issue such values. Prefer [`Signer::new`] for anything new:
    /// without a purpose, a value for one use is accepted by every other use of the same secret.
    ///
    /// ```
    /// use sigcookie::{Key, Signer};
    ///
    /// let key = Key::from_bytes(&(0u8..32).collect::<Vec<_>>())?;
    /// let signer = Signer::unbound(&key);
    /// assert!(!signer.is_bound());
    /// assert_eq!(
    ///     signer.sign("12345")?.as_str(),
    ///     "12345.36e295174c2947fbba5ff2d280b635a4b2eaa3106e07c7f1f3d2b72cba861447"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn unbound(key: &Key) -> Signer {
        Signer::keyed(key, Key::mac, false)
    }

    /// The signer whose MAC keys `mac` makes from each of `key`'s secrets, newest first.
    fn keyed(key: &Key, mac: impl Fn(&Key) -> MacKey, bound: bool) -> Signer {
        let mut secrets = key.secrets();
        // `secrets` always starts with the current secret; the key itself is the same secret.
        let current = secrets
            .next()
            .map_or_else(|| mac(key), |secret| mac(&secret));
        let mut previous: [Option<MacKey>; MAX_PREVIOUS_KEYS] = Default::default();
        for (slot, secret) in previous.iter_mut().zip(secrets) {
            *slot = Some(mac(&secret));
        }
        Signer {
            fingerprint: fingerprint(&current),
            current,
            previous,
            tag_len: TAG_LEN_DEFAULT,
            bound,
        }
    }

    /// The same signer with tags of `tag_len` bytes, [`TAG_LEN_MIN`]`..=`[`TAG_LEN_MAX`] (default
    /// 32). Shorter tags make shorter cookies; 16 bytes still leaves a forger a 2^-128 chance.
    ///
    /// # Errors
    /// [`ConfigError::TagLength`].
    ///
    /// ```
    /// use sigcookie::{ConfigError, Key, Signer};
    ///
    /// let signer = Signer::new(&Key::from_bytes(&[1; 32])?, "s")?.with_tag_len(16)?;
    /// assert_eq!(signer.sign("1")?.len(), 1 + 1 + 32);
    /// assert_eq!(signer.with_tag_len(8).err(), Some(ConfigError::TagLength { len: 8 }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_tag_len(mut self, tag_len: usize) -> Result<Signer, ConfigError> {
        if !(TAG_LEN_MIN..=TAG_LEN_MAX).contains(&tag_len) {
            return Err(ConfigError::TagLength { len: tag_len });
        }
        self.tag_len = tag_len;
        Ok(self)
    }

    /// Tag length in bytes; signatures have twice as many hex digits.
    ///
    /// ```
    /// # use sigcookie::{Key, Signer};
    /// let signer = Signer::new(&Key::from_bytes(&[1; 32])?, "s")?.with_tag_len(24)?;
    /// assert_eq!(signer.tag_len(), 24);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn tag_len(&self) -> usize {
        self.tag_len
    }

    /// Whether the signer is bound to a purpose (`false` for the unbound signer).
    ///
    /// ```
    /// # use sigcookie::{Key, Signer};
    /// let key = Key::from_bytes(&[1; 32])?;
    /// assert!(Signer::new(&key, "session")?.is_bound());
    /// assert!(!Signer::unbound(&key).is_bound());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_bound(&self) -> bool {
        self.bound
    }

    /// Longest value this signer produces, and so the longest it reads.
    ///
    /// ```
    /// # use sigcookie::{Key, Signer};
    /// let signer = Signer::new(&Key::from_bytes(&[1; 32])?, "session")?;
    /// assert_eq!(signer.max_value_len(), 255 + 1 + 64);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_value_len(&self) -> usize {
        self.shape(Kind::Untimed).max_len()
    }

    /// Signs `id` into `id.sig`, on the stack: no allocation. The [`SignedValue`] dereferences
    /// to `str`; `.to_string()` makes a `String` of it.
    ///
    /// # Errors
    /// [`Error::EmptyId`], [`Error::IdTooLong`] or [`Error::InvalidIdByte`].
    ///
    /// ```
    /// # use sigcookie::{Key, Signer, Error};
    /// let signer = Signer::new(&Key::from_bytes(&[1; 32])?, "session")?;
    /// assert!(signer.sign("12345")?.starts_with("12345."));
    /// assert_eq!(signer.sign("me@example.com").err(), Some(Error::InvalidIdByte { byte: b'.', position: 10 }));
    /// assert_eq!(signer.sign("a b").err(), Some(Error::InvalidIdByte { byte: b' ', position: 1 }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign(&self, id: &str) -> Result<SignedValue, Error> {
        SignedValue::write_with(|buf| self.sign_parts(id, &[], buf))
    }

    /// Verifies an `id.sig` value and returns its id, borrowed from `value`. Allocates nothing.
    ///
    /// Checks, in order: the length cap, the grammar, then the MAC under the current key and each
    /// previous key.
    ///
    /// # Errors
    /// The parse errors of the wire format, then [`Error::BadSignature`].
    ///
    /// ```
    /// # use sigcookie::{Key, Signer, Error};
    /// let signer = Signer::new(&Key::from_bytes(&[1; 32])?, "session")?;
    /// let value = signer.sign("12345")?;
    /// assert_eq!(signer.verify(&value), Ok("12345"));
    /// assert_eq!(signer.verify(&value.replace("12345", "12346")), Err(Error::BadSignature));
    /// assert_eq!(signer.verify(&value.to_uppercase()), Err(Error::SignatureUppercase));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify<'v>(&self, value: &'v str) -> Result<&'v str, Error> {
        self.verify_parts(value, Kind::Untimed, |_| Ok(()))
            .map(|(parts, _)| parts.id())
    }
}

// Sealed: the trait cannot be named outside the crate, so its crate-private types stay private.
#[allow(private_interfaces)]
impl Scheme for Signer {
    fn shape(&self, kind: Kind) -> Shape {
        Shape {
            tag_len: self.tag_len,
            kind,
            key_id: false,
        }
    }

    fn verify_parts<'v>(
        &self,
        value: &'v str,
        kind: Kind,
        check: impl FnOnce(&Parts<'v>) -> Result<(), Error>,
    ) -> Result<(Parts<'v>, u8), Error> {
        let parts = self.shape(kind).parse(value)?;
        // The parser let through lowercase hex of exactly `2 * tag_len` digits only.
        let received =
            ReceivedTag::decode(parts.signature(), self.tag_len).ok_or(Error::SignatureNotHex)?;
        let msg = parts.signed_message().as_bytes();
        // Keys are tried newest first and the loop stops at a match: which key matched is not
        // secret, and a forged value pays for every key anyway.
        let keys = core::iter::once(&self.current).chain(self.previous.iter().flatten());
        // At most 1 + MAX_PREVIOUS_KEYS keys, so the index fits a byte.
        for (index, key) in (0..=u8::MAX).zip(keys) {
            if received.matches(key.tag_words(msg)) {
                // The time rules come after the MAC, which costs about what they do: a value
                // that is both forged and expired says `BadSignature`.
                check(&parts)?;
                return Ok((parts, index));
            }
        }
        Err(Error::BadSignature)
    }

    fn fingerprint(&self) -> u64 {
        self.fingerprint
    }
}

// Sealed: the trait cannot be named outside the crate, so its crate-private types stay private.
#[allow(private_interfaces)]
impl Mint for Signer {
    fn sign_parts(&self, id: &str, times: &[u64], out: &mut [u8]) -> Result<usize, Error> {
        write_value(id, times, None, 2 * self.tag_len, out, |msg, sig| {
            encode_sig(&self.current.tag(msg)[..self.tag_len], sig)
        })
    }

    fn csrf_key(&self, index: usize) -> Result<Option<MacKey>, Error> {
        let key = core::iter::once(&self.current)
            .chain(self.previous.iter().flatten())
            .nth(index);
        Ok(key.map(crate::csrf::token_key))
    }
}

/// Writes `id[.auth][.ts][.kid]` into `out` and, after a `.`, the `sig_len` characters of its
/// signature that `sign` writes: every scheme's values, so that all produce exactly the grammar
/// the parser accepts. `times` is empty, `[ts]` or `[auth, ts]`.
pub(crate) fn write_value(
    id: &str,
    times: &[u64],
    key_id: Option<&[u8; format::KEY_ID_DIGITS]>,
    sig_len: usize,
    out: &mut [u8],
    sign: impl FnOnce(&[u8], &mut [u8]) -> Result<(), Error>,
) -> Result<usize, Error> {
    format::check_id(id)?;
    let mut digits = [[0; format::TS_MAX_DIGITS]; 2];
    let mut parts: [&[u8]; 4] = [id.as_bytes(), &[], &[], &[]];
    let mut count = 1;
    for (time, buf) in times.iter().take(2).zip(&mut digits) {
        parts[count] = format::encode_ts(*time, buf);
        count += 1;
    }
    if let Some(key_id) = key_id {
        parts[count] = key_id;
        count += 1;
    }
    let parts = &parts[..count];
    let msg_len = parts.iter().map(|part| part.len()).sum::<usize>() + count - 1;
    let needed = msg_len + 1 + sig_len;
    let out = out
        .get_mut(..needed)
        .ok_or(Error::BufferTooSmall { needed })?;
    let (msg, sig) = out.split_at_mut(msg_len);
    let mut at = 0;
    for part in parts {
        if at > 0 {
            msg[at] = b'.';
            at += 1;
        }
        msg[at..at + part.len()].copy_from_slice(part);
        at += part.len();
    }
    sig[0] = b'.';
    sign(msg, &mut sig[1..])?;
    Ok(needed)
}

/// Lowercase hex of `tag` into `out`, exactly twice as long; the signers size `out` so, and an
/// error would mean they did not.
fn encode_sig(tag: &[u8], out: &mut [u8]) -> Result<(), Error> {
    let needed = out.len();
    base16ct::lower::encode(tag, out).map_err(|_| Error::BufferTooSmall { needed })?;
    Ok(())
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("bound", &self.bound)
            .field("tag_len", &self.tag_len)
            .field("previous_keys", &self.previous.iter().flatten().count())
            .finish_non_exhaustive()
    }
}

/// 64 bits of the MAC of a fixed label under the current key: equal for signers with the same
/// current key and purpose, different otherwise (but by a 2^-64 chance). The label has spaces,
/// which no id may contain, so it is never the message of a value, and the fingerprint tells
/// nothing about any value's tag.
fn fingerprint(current: &MacKey) -> u64 {
    let tag = current.tag(b"sigcookie signer fingerprint");
    let mut first = [0; 8];
    first.copy_from_slice(&tag[..8]);
    u64::from_le_bytes(first)
}

/// A signed value held on the stack, for signing without allocation. Dereferences to `str`.
///
/// Its `Debug` hides the signature: a value is a bearer credential and does not belong in logs.
///
/// ```
/// # use sigcookie::{Key, Signer};
/// let signer = Signer::new(&Key::from_bytes(&[1; 32])?, "session")?;
/// let value = signer.sign("12345")?;
/// assert!(value.starts_with("12345."));
/// assert_eq!(format!("{value:?}"), r#"SignedValue("12345.<signature>")"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SignedValue {
    buf: [u8; MAX_VALUE_LEN],
    len: usize,
}

impl SignedValue {
    pub(crate) fn write_with(
        write: impl FnOnce(&mut [u8]) -> Result<usize, Error>,
    ) -> Result<SignedValue, Error> {
        let mut value = SignedValue {
            buf: [0; MAX_VALUE_LEN],
            len: 0,
        };
        value.len = write(&mut value.buf)?;
        Ok(value)
    }

    /// The value as a string slice.
    ///
    /// ```
    /// # use sigcookie::{Key, Signer};
    /// # let signer = Signer::new(&Key::from_bytes(&[1; 32])?, "session")?;
    /// let value = signer.sign("12345")?;
    /// assert_eq!(value.as_str().len(), 70);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn as_str(&self) -> &str {
        ascii_str(&self.buf[..self.len])
    }
}

impl core::ops::Deref for SignedValue {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SignedValue {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for SignedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SignedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unsigned = self.as_str().rsplit_once('.').map_or("", |(msg, _)| msg);
        write!(f, "SignedValue(\"{unsigned}.<signature>\")")
    }
}

/// Bytes this crate wrote, which are ASCII by construction (checked id, digits, hex).
pub(crate) fn ascii_str(bytes: &[u8]) -> &str {
    core::str::from_utf8(bytes).unwrap_or_default()
}
