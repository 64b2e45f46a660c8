//! One test per rejection class: each must fail with its own typed error, never a panic.

#[path = "../common/mod.rs"]
mod common;

mod config;
mod errors;
mod grammar;
mod renewal;
mod signature;
mod times;

use common::Case;
use sigcookie::{Error, Key, SessionSigner, Signer, TimestampSigner};

pub(crate) const NOW: u64 = 1_764_000_000;

pub(crate) fn key(byte: u8) -> Key {
    Key::from_bytes(&[byte; 32]).expect("32-byte key")
}

/// A session value with any times for the signer of `key(byte)` and `purpose`: the library
/// signs a session only at a login or a renewal, at the time given.
pub(crate) fn session_value(
    byte: u8,
    purpose: &str,
    id: &str,
    logged_in_at: u64,
    issued_at: u64,
) -> String {
    Case::of(&[byte; 32], Some(purpose), 32).session_value(id, logged_in_at, issued_at)
}

pub(crate) fn untimed() -> Signer {
    Signer::new(&key(1), "session").expect("signer")
}

pub(crate) fn timed() -> TimestampSigner {
    TimestampSigner::new(untimed(), 3600)
}

/// Idle after an hour, over a day after the login.
pub(crate) fn sessions() -> SessionSigner {
    SessionSigner::new(untimed(), 3600, 86_400)
}

/// A valid untimed value for id `12345`.
pub(crate) fn good() -> String {
    untimed().sign("12345").expect("sign").to_string()
}

/// A valid timestamped value for id `12345`, issued at `NOW`.
pub(crate) fn good_timed() -> String {
    timed().sign_at("12345", NOW).expect("sign").to_string()
}

pub(crate) fn verify(value: &str) -> Result<&str, Error> {
    untimed().verify(value)
}

pub(crate) fn verify_timed(value: &str) -> Result<u64, Error> {
    timed().verify_at(value, NOW).map(|v| v.issued_at())
}
