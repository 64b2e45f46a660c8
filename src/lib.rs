//! Minimal signature-only cookie authentication.
//!
//! A sigcookie value carries a user id, optionally when it was issued (and, for login sessions,
//! when the user logged in), and an HMAC-SHA256 signature of those, nothing else: no JSON, no
//! header, no `alg` field to negotiate. Any language with HMAC-SHA256 can issue or check one
//! from the format's text, `docs/format.md` in the repository.
//!
//! | shape | signer | example (secret `00 01 .. 1f`, purpose `session`) |
//! | --- | --- | --- |
//! | `id.sig` | [`Signer`] | `12345.27f988a4afa735417e65bd94c63b821e82972c4faf62f5e9065240c492ad62ba` |
//! | `id.ts.sig` | [`TimestampSigner`] | `12345.1764000000.2df5b78a1191cc09a4c9c9243ba5287d` (tag 16) |
//! | `id.auth.ts.sig` | [`SessionSigner`] | `12345.1764000000.1764003600.5ac44e3ba810958131ea64f38fe75147b87cda201e8b17e4bfc05ca4da9921d1` |
//!
//! ```
//! use sigcookie::{Key, Signer, TimestampSigner};
//!
//! let key = Key::from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")?;
//! let signer = Signer::new(&key, "session")?;
//! let value = signer.sign("12345")?;
//! assert_eq!(value.as_str(), "12345.27f988a4afa735417e65bd94c63b821e82972c4faf62f5e9065240c492ad62ba");
//! assert_eq!(signer.verify(&value)?, "12345");
//!
//! let timed = TimestampSigner::new(Signer::new(&key, "email-link")?, 3600);
//! let value = timed.sign_at("12345", 1_764_000_000)?;
//! assert_eq!(timed.verify_at(&value, 1_764_000_060)?.id(), "12345");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Where things are
//!
//! - [`Key`]: a secret (and the secrets it replaces, for rotation), redacted in `Debug`, wiped
//!   on drop.
//! - The signers, each layered on the one before: [`Signer`] (`id.sig`), [`TimestampSigner`]
//!   (`id.ts.sig`, a maximum age) and [`SessionSigner`] (`id.auth.ts.sig`: an idle timeout, an
//!   absolute lifetime, renewal). They sign into a [`SignedValue`] on the stack and take the
//!   time as an argument, so the core needs neither a heap nor a clock; the timed ones return a
//!   [`Verified`].
//! - With the `ed25519` feature, Ed25519 values for services that verify but must not mint:
//!   `Ed25519SigningKey` and `Ed25519Signer` on the one service that signs, `Ed25519PublicKey`
//!   and `Ed25519Verifier` everywhere else, taking the place of [`Key`] and [`Signer`] under
//!   the timed signers and the web layer.
//! - [`CsrfToken`]: the token of a verified session for its forms,
//!   [`SessionSigner::csrf_token`], checked by [`SessionSigner::verify_csrf`] without state on
//!   the server.
//! - [`Error`]: why an id, a value or a request's cookie was refused; [`ConfigError`]: why a
//!   key, a signer or a cookie's settings were, at start.
//! - [`revocation`]: [`Cutoffs`] ("log out everywhere", "log out this user") and the
//!   [`Revocations`] trait that looks them up; [`store`] keeps them in memory, a file or Redis.
//! - [`header`]: the session cookie on the wire without a heap, [`header::CookieSpec`].
//! - [`web`]: session cookies for services, [`web::SessionCookie`] and the one verified
//!   [`web::Session`], which is also the axum and actix-web extractor and what the
//!   [`tower`] layer hands out.
//! - [`format`](mod@format): the grammar's constants and [`format::inspect`].
//! - [`Clock`]: the one time source of every layer that reads the time itself.
//!
//! # Command line
//!
//! With the `cli` feature (`cargo install sigcookie --features cli`), the `sigcookie` binary
//! signs, verifies and inspects values from the shell, the secret coming from
//! `SIGCOOKIE_SECRET` or `--secret-file`, never from an argument; `sigcookie --help` has the
//! rest.
//!
//! # Features
//! - `std` (default): the system clock, [`Key::from_env`], `std::error::Error` and [`store`].
//!   Without it the crate is `no_std` and needs no allocator.
//! - `alloc`: implied by `std`; nothing of its own beyond what `std` needs.
//! - `getrandom`: [`Key::generate`] from the operating system's randomness.
//! - `cookie` (default): [`web`], session cookies with the `cookie` and `time` crates.
//! - `file-store`: `store::FileStore`, cut-offs in a file, for devices.
//! - `redis`: `store::RedisStore`, cut-offs shared by a fleet through Redis.
//! - `postgres`: `store::PostgresStore`, cut-offs shared by a fleet through PostgreSQL.
//! - `axum`: [`web::Session`] as an axum extractor, [`web::SetCookie`] and [`Error`] as
//!   responses; implies `tower`, whose layer gives every page `Vary: Cookie`.
//! - `tower`: [`tower`], `SessionLayer`, middleware for any tower and `http` 1 framework.
//! - `actix`: [`web::Session`] as an actix-web extractor, [`web::SetCookie::add_to`].
//! - `ed25519`: Ed25519 values (`no_std`, no heap): `Ed25519SigningKey`, `Ed25519PublicKey`,
//!   `Ed25519Signer`, `Ed25519Verifier`; with `std`, public keys in PEM too.
//! - `cli`: the `sigcookie` command-line tool.
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;

mod clock;
mod config;
mod csrf;
#[cfg(feature = "ed25519")]
#[cfg_attr(docsrs, doc(cfg(feature = "ed25519")))]
mod ed25519;
mod error;
pub mod format;
pub mod header;
mod key;
mod mac;
pub mod revocation;
mod scheme;
mod session;
mod signer;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod store;
mod tag;
mod timed;
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub mod tower;
#[cfg(feature = "cookie")]
#[cfg_attr(docsrs, doc(cfg(feature = "cookie")))]
pub mod web;

pub use clock::Clock;
#[cfg(feature = "cookie")]
pub(crate) use clock::SystemClock;
#[cfg(feature = "std")]
pub(crate) use clock::unix_now;
pub use config::ConfigError;
pub use csrf::CsrfToken;
#[cfg(feature = "ed25519")]
pub use ed25519::{Ed25519PublicKey, Ed25519Signer, Ed25519SigningKey, Ed25519Verifier};
pub use error::Error;
pub use format::{ID_MAX_LEN, MAX_VALUE_LEN, TAG_LEN_DEFAULT, TAG_LEN_MAX, TAG_LEN_MIN};
pub use key::{Key, MAX_PREVIOUS_KEYS};
pub use revocation::{Cutoffs, Revocations};
pub use session::SessionSigner;
pub use signer::{SignedValue, Signer};
pub use timed::{TimestampSigner, Verified};

/// Compiles and runs the README's Rust examples as doc-tests, so the README cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// How to build each shared store, as `docs/fleets.md` shows it, compiled as doc-tests.
#[cfg(doctest)]
#[doc = include_str!("../docs/fleets.md")]
pub struct FleetsDoctests;

/// The wire format's worked examples, run as doc-tests.
#[cfg(doctest)]
#[doc = include_str!("../docs/format.md")]
pub struct FormatDoctests;
