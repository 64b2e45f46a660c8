//! What a session cookie signs and verifies with: an HMAC [`Key`], an [`Ed25519SigningKey`],
//! or, on a service that only verifies, an [`Ed25519PublicKey`]. One cookie type, one verify
//! path: the timed signers over [`CookieScheme`].

// The traits are sealed (unnameable outside the crate), so the crate-private types in their
// hidden methods are never reachable: the lint's concern does not arise.
#![allow(private_interfaces)]

use crate::format::{Kind, Parts, Shape};
use crate::mac::MacKey;
use crate::scheme::{Mint, Scheme};
use crate::{ConfigError, Error, Key, Signer};
#[cfg(feature = "ed25519")]
use crate::{Ed25519PublicKey, Ed25519Signer, Ed25519SigningKey, Ed25519Verifier};

/// A key a [`SessionCookie`](super::SessionCookie) can be built with: [`Key`] (HMAC),
/// `Ed25519SigningKey` (signs and verifies) or `Ed25519PublicKey` (verifies only). Sealed:
/// the crate's key types are all there is.
pub trait CookieKey: Sync {
    /// The scheme of a cookie with this key, `purpose` and, if one was set, tag length.
    #[doc(hidden)]
    fn scheme(&self, purpose: &str, tag_len: Option<usize>) -> Result<CookieScheme, ConfigError>;
}

impl CookieKey for Key {
    fn scheme(&self, purpose: &str, tag_len: Option<usize>) -> Result<CookieScheme, ConfigError> {
        let signer = Signer::new(self, purpose)?;
        let signer = match tag_len {
            Some(tag_len) => signer.with_tag_len(tag_len)?,
            None => signer,
        };
        Ok(CookieScheme::Hmac(signer))
    }
}

/// An Ed25519 signature has one length, so a tag length set for it is a mistake.
#[cfg(feature = "ed25519")]
fn no_tag_len(tag_len: Option<usize>) -> Result<(), ConfigError> {
    match tag_len {
        Some(_) => Err(ConfigError::Ed25519TagLength),
        None => Ok(()),
    }
}

#[cfg(feature = "ed25519")]
impl CookieKey for Ed25519SigningKey {
    fn scheme(&self, purpose: &str, tag_len: Option<usize>) -> Result<CookieScheme, ConfigError> {
        no_tag_len(tag_len)?;
        Ed25519Signer::new(self, purpose).map(CookieScheme::Ed25519)
    }
}

#[cfg(feature = "ed25519")]
impl CookieKey for Ed25519PublicKey {
    fn scheme(&self, purpose: &str, tag_len: Option<usize>) -> Result<CookieScheme, ConfigError> {
        no_tag_len(tag_len)?;
        Ed25519Verifier::new(self, purpose).map(CookieScheme::Ed25519Verifier)
    }
}

/// The signer of a session cookie, whichever key it was built with.
#[allow(
    clippy::large_enum_variant,
    reason = "one per SessionCookie, behind its Arc: a box would only add a hop to every verify"
)]
#[derive(Clone, Debug)]
pub enum CookieScheme {
    /// HMAC-SHA256.
    Hmac(Signer),
    /// Ed25519, with the signing key.
    #[cfg(feature = "ed25519")]
    Ed25519(Ed25519Signer),
    /// Ed25519, with public keys alone: verifies, never signs.
    #[cfg(feature = "ed25519")]
    Ed25519Verifier(Ed25519Verifier),
}

impl CookieScheme {
    /// Whether this cookie can sign: log in, renew, make CSRF tokens.
    pub(crate) fn can_sign(&self) -> bool {
        match self {
            CookieScheme::Hmac(_) => true,
            #[cfg(feature = "ed25519")]
            CookieScheme::Ed25519(_) => true,
            #[cfg(feature = "ed25519")]
            CookieScheme::Ed25519Verifier(_) => false,
        }
    }
}

impl Scheme for CookieScheme {
    fn shape(&self, kind: Kind) -> Shape {
        match self {
            CookieScheme::Hmac(signer) => signer.shape(kind),
            #[cfg(feature = "ed25519")]
            CookieScheme::Ed25519(signer) => signer.shape(kind),
            #[cfg(feature = "ed25519")]
            CookieScheme::Ed25519Verifier(verifier) => verifier.shape(kind),
        }
    }

    fn verify_parts<'v>(
        &self,
        value: &'v str,
        kind: Kind,
        check: impl FnOnce(&Parts<'v>) -> Result<(), Error>,
    ) -> Result<(Parts<'v>, u8), Error> {
        match self {
            CookieScheme::Hmac(signer) => signer.verify_parts(value, kind, check),
            #[cfg(feature = "ed25519")]
            CookieScheme::Ed25519(signer) => signer.verify_parts(value, kind, check),
            #[cfg(feature = "ed25519")]
            CookieScheme::Ed25519Verifier(verifier) => verifier.verify_parts(value, kind, check),
        }
    }

    fn fingerprint(&self) -> u64 {
        match self {
            CookieScheme::Hmac(signer) => signer.fingerprint(),
            #[cfg(feature = "ed25519")]
            CookieScheme::Ed25519(signer) => signer.fingerprint(),
            #[cfg(feature = "ed25519")]
            CookieScheme::Ed25519Verifier(verifier) => verifier.fingerprint(),
        }
    }
}

impl Mint for CookieScheme {
    fn sign_parts(&self, id: &str, times: &[u64], out: &mut [u8]) -> Result<usize, Error> {
        match self {
            CookieScheme::Hmac(signer) => signer.sign_parts(id, times, out),
            #[cfg(feature = "ed25519")]
            CookieScheme::Ed25519(signer) => signer.sign_parts(id, times, out),
            #[cfg(feature = "ed25519")]
            CookieScheme::Ed25519Verifier(_) => Err(Error::VerifyOnly),
        }
    }

    fn csrf_key(&self, index: usize) -> Result<Option<MacKey>, Error> {
        match self {
            CookieScheme::Hmac(signer) => signer.csrf_key(index),
            #[cfg(feature = "ed25519")]
            CookieScheme::Ed25519(signer) => signer.csrf_key(index),
            #[cfg(feature = "ed25519")]
            CookieScheme::Ed25519Verifier(_) => Err(Error::VerifyOnly),
        }
    }
}
