//! Minimal signature-only cookie authentication.
//!
//! A value is `id.sig` or `id.ts.sig`: a user id, an optional issued-at time in unix seconds,
//! and the lowercase hex HMAC-SHA256 of what comes before the last dot, under a key derived from
//! a secret and a purpose. Nothing else: no JSON, no header, no `alg` field to negotiate. Any
//! language with HMAC can issue or check one; the README states the format in full.
//!
//! ```
//! use sigcookie::{Key, Signer, TimestampSigner};
//!
//! let key = Key::from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")?;
//! let signer = Signer::new(&key, "session")?;
//! assert_eq!(
//!     signer.sign("12345")?,
//!     "12345.27f988a4afa735417e65bd94c63b821e82972c4faf62f5e9065240c492ad62ba"
//! );
//! assert_eq!(signer.verify("12345.27f988a4afa735417e65bd94c63b821e82972c4faf62f5e9065240c492ad62ba")?, "12345");
//!
//! let timed = TimestampSigner::new(Signer::new(&key, "session")?, 3600);
//! let value = timed.sign_at("12345", 1_764_000_000)?;
//! assert_eq!(timed.verify_at(&value, 1_764_000_060)?.id(), "12345");
//! # Ok::<(), sigcookie::Error>(())
//! ```
//!
//! # Features
//! - `std` (default): the system clock ([`TimestampSigner::verify`]), [`Key::from_env`] and
//!   `std::error::Error`. Without it the crate is `no_std` and needs no allocator: sign into a
//!   [`SignedValue`] or a caller's buffer, and pass the time in.
//!   Reading the session cookie from `Cookie:` headers and writing `Set-Cookie` into a buffer is
//!   [`header`], also `no_std` and without an allocator.
//! - `alloc`: `String`-returning `sign` methods without the rest of `std`.
//! - `getrandom`: [`Key::generate`] from the operating system's randomness.
//! - `cli`: the `sigcookie` command-line tool.
//! - `cookie` (default): [`web`], session cookies with the `cookie` and `time` crates.
//! - `axum`: [`extract`], an axum extractor for the session cookie.
//! - `tower`: [`tower`], `SessionLayer`, middleware for any tower and `http` 1 framework.
//! - `actix`: [`actix`], an actix-web extractor for the session cookie.
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;

#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub mod actix;
mod clock;
mod error;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod extract;
pub mod format;
pub mod header;
mod key;
mod mac;
pub mod revocation;
mod session;
mod signer;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod store;
mod timed;
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub mod tower;
#[cfg(feature = "cookie")]
#[cfg_attr(docsrs, doc(cfg(feature = "cookie")))]
pub mod web;

pub use clock::Clock;
#[cfg(feature = "std")]
pub use clock::{ManualClock, SystemClock, unix_now};
pub use error::Error;
pub use format::{ID_MAX_LEN, MAX_VALUE_LEN, TAG_LEN_DEFAULT, TAG_LEN_MAX, TAG_LEN_MIN};
pub use key::Key;
pub use revocation::{Cutoffs, Revocations};
pub use session::{SessionSigner, VerifiedSession};
pub use signer::{MAX_PREVIOUS_KEYS, SignedValue, Signer, SignerBuilder};
pub use timed::{TimestampSigner, Verified};

/// Compiles and runs the README's Rust examples as doc-tests, so the README cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
