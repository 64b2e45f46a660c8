//! Minimal signature-only cookie authentication.
//!
//! A sigcookie value carries a user id, optionally when it was issued (and, for login sessions,
//! when the user logged in), and an HMAC-SHA256 signature of those, nothing else: no JSON, no
//! header, no `alg` field to negotiate. Any language with HMAC-SHA256 can issue or check one
//! from the format below.
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
//! In a program, take the secret from the environment (`Key::from_env("SIGCOOKIE_SECRET")?`,
//! whose error names the variable) and let `main` return
//! `Result<(), Box<dyn std::error::Error>>`.
//!
//! # The format, version 1
//!
//! A signer produces, and accepts, exactly one of three shapes; the number of dots tells them
//! apart, so a MAC made for one shape never verifies as another.
//!
//! | shape | signer | example (secret `00 01 .. 1f`, purpose `session`) |
//! | --- | --- | --- |
//! | `id.sig` | [`Signer`] | `12345.27f988a4afa735417e65bd94c63b821e82972c4faf62f5e9065240c492ad62ba` |
//! | `id.ts.sig` | [`TimestampSigner`] | `12345.1764000000.2df5b78a1191cc09a4c9c9243ba5287d` (tag 16) |
//! | `id.auth.ts.sig` | [`SessionSigner`] | `12345.1764000000.1764003600.5ac44e3ba810958131ea64f38fe75147b87cda201e8b17e4bfc05ca4da9921d1` |
//!
//! - **`id`**: 1 to [`ID_MAX_LEN`] (255) bytes, each an RFC 6265 cookie-octet other than `.`:
//!   `%x21 / %x23-2B / %x2D / %x2F-3A / %x3C-5B / %x5D-7E`, that is printable ASCII without
//!   space, `"`, `,`, `.`, `;` and `\`. It is signed, not encrypted: use an opaque user id,
//!   never an email address ([`format::check_id`] checks one).
//! - **`ts`** (when this value was issued) and **`auth`** (when the user logged in, carried
//!   unchanged through renewals): unix seconds in canonical decimal, `0` or a non-zero digit and
//!   up to 19 more digits, fitting in a `u64`.
//! - **`sig`**: the lowercase hex of the first `tag_len` bytes of `HMAC-SHA256(K, msg)`, where
//!   `msg` is everything before the last `.` (`id`, `id.ts` or `id.auth.ts`). `tag_len` is fixed
//!   per signer, [`TAG_LEN_MIN`] to [`TAG_LEN_MAX`] bytes (16 to 32, so 32 to 64 hex digits),
//!   default [`TAG_LEN_DEFAULT`] (32).
//! - **`K`**, the key, is derived from the secret (at least [`Key::MIN_LEN`], 32, bytes) and a
//!   purpose, normally the cookie name: `K = HMAC-SHA256(secret, "sigcookie key " || purpose)`,
//!   the purpose as its UTF-8 bytes. A value for one purpose never verifies for another. The
//!   unbound signer ([`Signer::unbound`]) uses the secret itself as `K`, which matches the plain
//!   `HMAC(secret, id)` many hand-written services use; the space in the label keeps a derived
//!   key from ever equalling such a signature, since ids cannot contain spaces.
//!
//! A verifier checks, in this order, and names the first failure with an [`Error`]: the length
//! (before anything else), the grammar (ASCII, the number of parts, the signature's length, hex
//! and case, the id, the times), the MAC in constant time under the current key and then each
//! previous one, the times (maximum age, clock skew, a session's absolute lifetime), and finally
//! revocation cut-offs ([`Cutoffs`]), which judge session values by their login time. The
//! grammar and a strict parser are in [`format`](mod@format); the repository's
//! [README](https://github.com/sigcookie/sigcookie#wire-format-v1) has the normative text with
//! a worked example in Python, and `tests/vectors/v1.json` known-answer vectors.
//!
//! # Where things are
//!
//! - [`Key`]: a secret, redacted in `Debug` and zeroed on drop; [`EnvKeyError`] when
//!   [`Key::from_env`] finds none.
//! - The signers: [`Signer`] (`id.sig`, built with [`SignerBuilder`] for a shorter tag or
//!   previous keys), [`TimestampSigner`] (`id.ts.sig`, a maximum age) and [`SessionSigner`]
//!   (`id.auth.ts.sig`, an idle timeout, an absolute lifetime, renewal). Each can sign into a
//!   [`SignedValue`] or a caller's buffer without allocating, and takes the time as an argument
//!   (`sign_at`, `verify_at`) where there is no system clock.
//! - [`format`](mod@format): the grammar's constants, [`format::inspect`] (the parts of a value, unverified)
//!   and [`format::check_id`].
//! - [`revocation`]: [`Cutoffs`] ("log out everywhere", "log out this user") and the
//!   [`Revocations`] trait that looks them up.
//! - [`store`]: where cut-offs live, [`store::MemoryStore`], `FileStore` (feature `file-store`)
//!   and `RedisStore` (feature `redis`), behind [`store::CutoffStore`].
//! - [`web`]: session cookies ([`web::SessionCookie`]) with safe attributes, read from a jar, a
//!   cookie or raw `Cookie:` headers.
//! - [`extract`]: the axum extractor [`extract::Session`].
//! - [`Clock`], [`SystemClock`], [`ManualClock`]: one time source for every layer, replaceable
//!   in tests.
//!
//! # Command line
//!
//! With the `cli` feature (`cargo install sigcookie --features cli`), the `sigcookie` binary
//! signs, verifies and inspects values from the shell, the secret coming from
//! `SIGCOOKIE_SECRET` or `--secret-file`, never from an argument:
//!
//! ```text
//! export SIGCOOKIE_SECRET=$(sigcookie keygen)
//! VALUE=$(sigcookie sign 12345 --purpose session --timestamp)
//! sigcookie verify "$VALUE" --purpose session --timestamp --max-age 3600   # prints 12345
//! sigcookie inspect "$VALUE"       # the parts, dates and ages, marked UNVERIFIED
//! ```
//!
//! It exits 0 on success, 1 for a rejected value and 2 for a usage or configuration error;
//! `--json` makes every outcome, errors included, a JSON document. `sigcookie --help` has the rest.
//!
//! # Examples in the repository
//!
//! - `examples/quickstart.rs` (`cargo run --example quickstart`): the core API in a terminal.
//! - `examples/axum_minimal.rs`: a complete axum server with login, `/me` and logout, and the
//!   `Cargo.toml` lines it needs.
//! - `examples/panel` (`cargo run --example panel`): a device-style admin panel with a login
//!   form, Argon2id password hashes, login throttling, "log out all sessions" and protection
//!   against DNS rebinding; open `http://127.0.0.1:8080/` and log in as `admin` /
//!   `panel-demo-2024`.
//!
//! # Features
//! - `std` (default): the system clock ([`TimestampSigner::verify`]), [`Key::from_env`],
//!   `std::error::Error` and [`store`]. Without it the crate is `no_std` and needs no
//!   allocator: sign into a [`SignedValue`] or a caller's buffer, and pass the time in.
//!   Reading the session cookie from `Cookie:` headers and writing `Set-Cookie` into a buffer is
//!   [`header`], also `no_std` and without an allocator.
//! - `alloc`: `String`-returning `sign` methods without the rest of `std`.
//! - `getrandom`: [`Key::generate`] from the operating system's randomness.
//! - `cookie` (default): [`web`], session cookies with the `cookie` and `time` crates.
//! - `file-store`: `store::FileStore`, cut-offs in a file, for devices.
//! - `redis`: `store::RedisStore`, cut-offs shared by a fleet through Redis.
//! - `axum`: [`extract`], an axum extractor for the session cookie.
//! - `tower`: [`tower`], `SessionLayer`, middleware for any tower and `http` 1 framework.
//! - `actix`: [`actix`], an actix-web extractor for the session cookie.
//! - `cli`: the `sigcookie` command-line tool.
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
#[cfg(feature = "std")]
pub use key::EnvKeyError;
pub use key::Key;
pub use revocation::{Cutoffs, Revocations};
pub use session::{SessionSigner, VerifiedSession};
pub use signer::{MAX_PREVIOUS_KEYS, SignedValue, Signer, SignerBuilder};
pub use timed::{TimestampSigner, Verified};

/// Compiles and runs the README's Rust examples as doc-tests, so the README cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
