//! What the timed signers are generic over: how a value is signed and checked, HMAC
//! ([`Signer`](crate::Signer)) or Ed25519 (`Ed25519Signer`, `Ed25519Verifier`).
//!
//! The traits are public so that they can bound public items, but live in a private module: no
//! one outside the crate can name or implement them, so the three schemes are all there is, and
//! their methods can change freely.

// The traits are sealed (unnameable outside the crate), so the crate-private types in their
// hidden methods are never reachable: the lint's concern does not arise.
#![allow(private_interfaces)]

use crate::Error;
use crate::format::{Kind, Parts, Shape};
use crate::mac::MacKey;

/// A way of checking values: the grammar of its values and the check of their signatures.
///
/// `verify_parts` runs `check` (the timed signers' time rules) at the point the scheme's order
/// of checks puts it: HMAC after the MAC, which costs about as much as the parse; Ed25519
/// before the curve arithmetic, so that an expired value costs no signature verification.
pub trait Scheme: Clone + core::fmt::Debug + Send + Sync {
    /// What this scheme's values of shape `kind` look like.
    #[doc(hidden)]
    fn shape(&self, kind: Kind) -> Shape;

    /// Parses `value` as shape `kind`, runs `check`, verifies the signature: the parts and
    /// which key matched (0 the current one, then the previous ones in order).
    #[doc(hidden)]
    fn verify_parts<'v>(
        &self,
        value: &'v str,
        kind: Kind,
        check: impl FnOnce(&Parts<'v>) -> Result<(), Error>,
    ) -> Result<(Parts<'v>, u8), Error>;

    /// Tells signers apart (current key and purpose), so that a session verified by one is
    /// never renewed by another.
    #[doc(hidden)]
    fn fingerprint(&self) -> u64;
}

/// A scheme that holds a secret: it signs values and makes CSRF tokens.
pub trait Mint: Scheme {
    /// Writes `id[.auth][.ts]` and its signature into `out`, returning the length: `times` is
    /// empty, `[ts]` or `[auth, ts]`.
    #[doc(hidden)]
    fn sign_parts(&self, id: &str, times: &[u64], out: &mut [u8]) -> Result<usize, Error>;

    /// The CSRF token key of key `index` (0 the current one), `None` past the last key.
    #[doc(hidden)]
    fn csrf_key(&self, index: usize) -> Result<Option<MacKey>, Error>;
}
