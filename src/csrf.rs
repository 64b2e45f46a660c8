//! [`CsrfToken`]: a token for the forms of a verified session, bound to its id and login time,
//! and checked with no state on the server (`docs/format.md`, "CSRF tokens").
//!
//! `token = lowercase hex of the first 16 bytes of HMAC-SHA256(K_csrf, id "." auth)`, where
//! `K_csrf = HMAC-SHA256(K, "sigcookie csrf key")` and `K` is the session signer's own key (the
//! one derived from the secret and the cookie's purpose). The spaces in the label keep `K_csrf`
//! apart from everything else made with `K`: every message a signer MACs with `K` is a value's
//! (`id`, `id.ts`, `id.auth.ts`), and neither ids nor times contain a space, so `K_csrf` is never
//! a signature anyone was handed. And since `K` already depends on the purpose, a token of one
//! cookie's sessions is worthless for another's.

use core::fmt;

use zeroize::Zeroize;

use crate::format::{self, ID_MAX_LEN, TS_MAX_DIGITS};
use crate::mac::{BLOCK_LEN, MacKey};
use crate::scheme::Mint;
use crate::signer::ascii_str;
use crate::tag::ReceivedTag;
use crate::{Error, SessionSigner, Verified};

/// The message that derives the token key from the session signer's key.
const KEY_LABEL: &[u8] = b"sigcookie csrf key";

/// Bytes of the MAC a token keeps: 128 bits, as the shortest tag a signer may have.
const TOKEN_BYTES: usize = 16;

/// A CSRF token for the forms of one session: [`CsrfToken::LEN`] lowercase hex digits, on the
/// stack. Put it in a hidden field of every form the logged-in user submits, and check it with
/// [`SessionSigner::verify_csrf`] (or [`web::Session::verify_csrf`](crate::web::Session::verify_csrf))
/// before acting on the form.
///
/// The token is a MAC of the session's id and login time under a key of its own, derived from
/// the session signer's: nothing is stored on the server, every page of one session shows the
/// same token (renewals keep the login time), and it ends with the session: a token is only
/// ever checked against a session that verified, so an expired, revoked or logged-out session
/// has no valid token. Two logins of one user in the same second share a login time, and so a
/// token.
///
/// It has no `PartialEq` on purpose: compare a received token with
/// [`SessionSigner::verify_csrf`], in constant time, never with `==`. `Display` writes the token
/// (it goes into pages); `Debug` does not.
///
/// ```
/// use sigcookie::{CsrfToken, Cutoffs, Key, SessionSigner, Signer};
///
/// let key = Key::from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")?;
/// let signer = SessionSigner::new(Signer::new(&key, "session")?, 7_200, 43_200);
/// let value = signer.login_at("12345", 1_764_000_000, &Cutoffs::NONE)?;
/// let session = signer.verify_at(&value, 1_764_000_060, &Cutoffs::NONE)?;
/// let token: CsrfToken = signer.csrf_token(&session)?;
/// assert_eq!(token.as_str(), "85b53540e107925269167fe77d059098");
/// let form = format!(r#"<input type="hidden" name="csrf" value="{token}">"#);
/// assert_eq!(format!("{token:?}"), "CsrfToken(<redacted>)");
/// # drop(form);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy)]
pub struct CsrfToken {
    hex: [u8; CsrfToken::LEN],
}

impl CsrfToken {
    /// The length of every token, in hex digits (16 bytes of MAC).
    ///
    /// ```
    /// # use sigcookie::{CsrfToken, Cutoffs, Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// # let value = signer.login_at("7", 1_000, &Cutoffs::NONE)?;
    /// let token = signer.csrf_token(&signer.verify_at(&value, 1_000, &Cutoffs::NONE)?)?;
    /// assert_eq!(token.len(), CsrfToken::LEN);
    /// assert_eq!(CsrfToken::LEN, 32);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const LEN: usize = 2 * TOKEN_BYTES;

    /// The token as a string slice.
    ///
    /// ```
    /// # use sigcookie::{Cutoffs, Key, SessionSigner, Signer};
    /// # let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "s")?, 600, 3_600);
    /// # let value = signer.login_at("7", 1_000, &Cutoffs::NONE)?;
    /// let token = signer.csrf_token(&signer.verify_at(&value, 1_000, &Cutoffs::NONE)?)?;
    /// assert!(token.as_str().bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn as_str(&self) -> &str {
        ascii_str(&self.hex)
    }

    /// The token of the session `id` logged in at `logged_in_at`, under a token key `K_csrf`.
    pub(crate) fn new(token_key: &MacKey, id: &str, logged_in_at: u64) -> CsrfToken {
        let mut tag = token_key.tag(message(id, logged_in_at).as_slice());
        let mut hex = [0; CsrfToken::LEN];
        // Sized exactly: twice the bytes encoded, so this cannot fail. `base16ct` encodes
        // without tables indexed by the (secret until sent) tag.
        let _ = base16ct::lower::encode(&tag[..TOKEN_BYTES], &mut hex);
        tag.zeroize();
        CsrfToken { hex }
    }
}

impl core::ops::Deref for CsrfToken {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for CsrfToken {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for CsrfToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Hides the token: it stands for the session in a form, and does not belong in logs.
impl fmt::Debug for CsrfToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CsrfToken(<redacted>)")
    }
}

/// `K_csrf = HMAC(K, KEY_LABEL)` as a MAC key of its own, from the session signer's `K`.
pub(crate) fn token_key(session_key: &MacKey) -> MacKey {
    let mut derived = session_key.tag(KEY_LABEL);
    // HMAC's padded key `K0`: a 32-byte key zero-padded to a block.
    let mut k0 = [0; BLOCK_LEN];
    k0[..derived.len()].copy_from_slice(&derived);
    let key = MacKey::new(&k0);
    derived.zeroize();
    k0.zeroize();
    key
}

/// The message a token MACs, `id "." auth`, on the stack.
struct Message {
    buf: [u8; ID_MAX_LEN + 1 + TS_MAX_DIGITS],
    len: usize,
}

impl Message {
    fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// `id "." auth` for a verified session, whose id has at most [`ID_MAX_LEN`] bytes.
fn message(id: &str, logged_in_at: u64) -> Message {
    let mut msg = Message {
        buf: [0; ID_MAX_LEN + 1 + TS_MAX_DIGITS],
        len: 0,
    };
    let mut digits = [0; TS_MAX_DIGITS];
    let auth = format::encode_ts(logged_in_at, &mut digits);
    let id = &id.as_bytes()[..id.len().min(ID_MAX_LEN)];
    for part in [id, b".", auth] {
        msg.buf[msg.len..msg.len + part.len()].copy_from_slice(part);
        msg.len += part.len();
    }
    msg
}

impl<S: Mint> SessionSigner<S> {
    /// The CSRF token of a session this signer verified: the same for every request of the
    /// session (renewals keep its login time), different for every other session. Put it in
    /// each form the logged-in user submits; check it with [`verify_csrf`](Self::verify_csrf).
    /// Allocates nothing.
    ///
    /// # Errors
    /// [`Error::BadSignature`] for a value another signer verified (another purpose or key, or
    /// not a session value), as [`renew_at`](Self::renew_at) refuses it.
    ///
    /// ```
    /// use sigcookie::{Cutoffs, Key, SessionSigner, Signer};
    ///
    /// let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "session")?, 600, 3_600);
    /// let login = signer.login_at("7", 1_000, &Cutoffs::NONE)?;
    /// let first = signer.verify_at(&login, 1_000, &Cutoffs::NONE)?;
    /// let renewed = signer.renew_at(&first, 1_400, &Cutoffs::NONE)?;
    /// let later = signer.verify_at(&renewed, 1_500, &Cutoffs::NONE)?;
    /// // One token for the whole session: a form rendered before a renewal still works after it.
    /// assert_eq!(signer.csrf_token(&first)?.as_str(), signer.csrf_token(&later)?.as_str());
    /// // Another login is another session, with another token.
    /// let again = signer.login_at("7", 1_001, &Cutoffs::NONE)?;
    /// let other = signer.verify_at(&again, 1_001, &Cutoffs::NONE)?;
    /// assert_ne!(signer.csrf_token(&first)?.as_str(), signer.csrf_token(&other)?.as_str());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn csrf_token(&self, session: &Verified<'_>) -> Result<CsrfToken, Error> {
        self.check_own(session)?;
        self.csrf_token_of(session.id(), session.logged_in_at())
    }

    /// Checks a form's CSRF token against a session this signer verified, with no state on the
    /// server: the token must be exactly [`CsrfToken::LEN`] lowercase hex digits, and match the
    /// session's token under the current key or one of the previous keys (so that a form
    /// rendered just before a key rotation still submits). The match is judged in constant
    /// time. Allocates nothing.
    ///
    /// Checking a token is no substitute for verifying the session: pass the session that this
    /// request's cookie verified into, with its cut-offs, just now. That is what makes a token
    /// die with its session's expiry, logout or revocation.
    ///
    /// # Errors
    /// [`Error::BadSignature`] for a value another signer verified, then
    /// [`Error::CsrfMalformed`] for a token of the wrong length or with anything but lowercase
    /// hex digits (an empty one too), then [`Error::CsrfMismatch`] for a token of another
    /// session (another user, another login, another cookie or secret).
    ///
    /// ```
    /// use sigcookie::{Cutoffs, Error, Key, SessionSigner, Signer};
    ///
    /// let signer = SessionSigner::new(Signer::new(&Key::from_bytes(&[1; 32])?, "session")?, 600, 3_600);
    /// let (login, other) = (signer.login_at("7", 1_000, &Cutoffs::NONE)?, signer.login_at("8", 1_000, &Cutoffs::NONE)?);
    /// let mine = signer.verify_at(&login, 1_000, &Cutoffs::NONE)?;
    /// let token = signer.csrf_token(&mine)?;
    /// assert_eq!(signer.verify_csrf(&mine, &token), Ok(()));
    ///
    /// let theirs = signer.verify_at(&other, 1_000, &Cutoffs::NONE)?;
    /// assert_eq!(signer.verify_csrf(&theirs, &token), Err(Error::CsrfMismatch));
    /// assert_eq!(signer.verify_csrf(&mine, &token.to_uppercase()), Err(Error::CsrfMalformed));
    /// assert_eq!(signer.verify_csrf(&mine, ""), Err(Error::CsrfMalformed));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_csrf(&self, session: &Verified<'_>, token: &str) -> Result<(), Error> {
        self.check_own(session)?;
        self.verify_csrf_of(session.id(), session.logged_in_at(), token)
    }

    /// The token of the session `id` logged in at `logged_in_at`, under the current key; the
    /// caller knows the session is this signer's.
    pub(crate) fn csrf_token_of(&self, id: &str, logged_in_at: u64) -> Result<CsrfToken, Error> {
        let key = self.signer().csrf_key(0)?.ok_or(Error::VerifyOnly)?;
        Ok(CsrfToken::new(&key, id, logged_in_at))
    }

    /// [`verify_csrf`](Self::verify_csrf) for a session the caller knows is this signer's.
    pub(crate) fn verify_csrf_of(
        &self,
        id: &str,
        logged_in_at: u64,
        token: &str,
    ) -> Result<(), Error> {
        // The received token's shape is the client's, not a secret: checked with branches.
        let received: &[u8; CsrfToken::LEN] = token
            .as_bytes()
            .try_into()
            .map_err(|_| Error::CsrfMalformed)?;
        if !received
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
        {
            return Err(Error::CsrfMalformed);
        }
        let received = ReceivedTag::decode(token, TOKEN_BYTES).ok_or(Error::CsrfMalformed)?;
        let msg = message(id, logged_in_at);
        // Keys newest first, stopping at a match: which key matched is not secret, and a forged
        // token pays for every key anyway.
        let mut index = 0;
        while let Some(key) = self.signer().csrf_key(index)? {
            index += 1;
            if received.matches(key.tag_words(msg.as_slice())) {
                return Ok(());
            }
        }
        Err(Error::CsrfMismatch)
    }

    /// Refuses a verified value that is not a session of this signer.
    fn check_own(&self, session: &Verified<'_>) -> Result<(), Error> {
        if session.is_session() && session.signer() == self.signer().fingerprint() {
            Ok(())
        } else {
            Err(Error::BadSignature)
        }
    }
}

#[cfg(test)]
mod tests {
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    use super::*;
    use crate::{Cutoffs, Key, Signer};

    /// The format's text with the `hmac` crate: `K`, then `K_csrf`, then the token.
    fn oracle(secret: &[u8], purpose: &str, id: &str, logged_in_at: u64) -> String {
        let hmac = |key: &[u8], msg: &[u8]| {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
            mac.update(msg);
            mac.finalize().into_bytes()
        };
        let k = hmac(secret, format!("sigcookie key {purpose}").as_bytes());
        let k_csrf = hmac(&k, b"sigcookie csrf key");
        hex::encode(&hmac(&k_csrf, format!("{id}.{logged_in_at}").as_bytes())[..16])
    }

    #[test]
    fn tokens_follow_the_format_text() {
        let secret = [0x3c; 40];
        let signer = SessionSigner::new(
            Signer::new(&Key::from_bytes(&secret).expect("key"), "p").expect("signer"),
            600,
            u64::MAX,
        );
        let id = "a".repeat(ID_MAX_LEN);
        for (id, auth) in [("7", 0), ("12345", 1_764_000_000), (id.as_str(), u64::MAX)] {
            assert_eq!(
                signer.csrf_token_of(id, auth).expect("token").as_str(),
                oracle(&secret, "p", id, auth)
            );
        }
    }

    #[test]
    fn the_token_key_is_not_the_session_key() {
        let key = Key::from_bytes(&[5; 32]).expect("key");
        let signer = Signer::new(&key, "s").expect("signer");
        let session = SessionSigner::new(signer.clone(), 600, 3_600);
        let value = session.login_at("7", 1_000, &Cutoffs::NONE).expect("login");
        let (_, sig) = value.rsplit_once('.').expect("dot");
        // A session signature's first 16 bytes are not the token of the same message.
        let token = session.csrf_token_of("7", 1_000).expect("token");
        assert!(!sig.starts_with(token.as_str()));
        let timed = crate::TimestampSigner::new(signer, 600)
            .sign_at("7", 1_000)
            .expect("sign");
        let (_, sig) = timed.rsplit_once('.').expect("dot");
        assert!(!sig.starts_with(token.as_str()));
    }
}
