//! The one time source of the crate: a [`Clock`] reads unix seconds. The core takes times as
//! arguments (`*_at` methods) so it needs none; everything that reads the time by itself (the
//! `std` conveniences, the web layer, the framework integrations, the CLI) reads it from a
//! `Clock`, the system clock unless a test gives another.

use crate::Error;

/// Where the current time comes from, in unix seconds. Any `Fn() -> u64` is a clock, so a test
/// can drive time by hand:
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use sigcookie::Clock;
///
/// let time = Arc::new(AtomicU64::new(1_764_000_000));
/// let clock = { let time = time.clone(); move || time.load(Ordering::Relaxed) };
/// time.fetch_add(5, Ordering::Relaxed);
/// assert_eq!(clock.now()?, 1_764_000_005);
/// # Ok::<(), sigcookie::Error>(())
/// ```
pub trait Clock: Send + Sync {
    /// The current time in unix seconds.
    ///
    /// # Errors
    /// [`Error::ClockBeforeEpoch`] when the clock reads before 1970.
    ///
    /// ```
    /// use sigcookie::Clock;
    /// assert_eq!((|| 7).now()?, 7);
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    fn now(&self) -> Result<u64, Error>;
}

impl<F: Fn() -> u64 + Send + Sync> Clock for F {
    fn now(&self) -> Result<u64, Error> {
        Ok(self())
    }
}

/// The system clock, every layer's default.
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SystemClock;

#[cfg(feature = "std")]
impl Clock for SystemClock {
    fn now(&self) -> Result<u64, Error> {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_secs())
            .map_err(|_| Error::ClockBeforeEpoch)
    }
}

/// Seconds since the unix epoch by the system clock.
#[cfg(feature = "std")]
pub(crate) fn unix_now() -> Result<u64, Error> {
    SystemClock.now()
}
