//! The system clock, in the unix seconds the core works in.

use crate::Error;

/// Seconds since the unix epoch by the system clock.
///
/// # Errors
/// [`Error::ClockBeforeEpoch`] when the clock reads earlier than 1970.
///
/// ```
/// assert!(sigcookie::unix_now()? > 1_700_000_000);
/// # Ok::<(), sigcookie::Error>(())
/// ```
pub fn unix_now() -> Result<u64, Error> {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .map_err(|_| Error::ClockBeforeEpoch)
}
