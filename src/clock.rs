//! The one time source of the crate: a [`Clock`] reads unix seconds. The core takes times as
//! arguments (`*_at` methods) so it needs none; everything that reads the time by itself (the
//! `std` conveniences, the web layer, the axum extractor, the CLI) reads it from a `Clock`, which
//! tests replace with a [`ManualClock`].

use crate::Error;

/// Where the current time comes from, in unix seconds. Any `Fn() -> u64` is a clock.
///
/// ```
/// use sigcookie::Clock;
///
/// let fixed = || 1_764_000_000;
/// assert_eq!(fixed.now()?, 1_764_000_000);
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

/// The system clock.
///
/// ```
/// use sigcookie::{Clock, SystemClock};
/// assert!(SystemClock.now()? > 1_700_000_000);
/// # Ok::<(), sigcookie::Error>(())
/// ```
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SystemClock;

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
///
/// # Errors
/// [`Error::ClockBeforeEpoch`] when the clock reads earlier than 1970.
///
/// ```
/// assert!(sigcookie::unix_now()? > 1_700_000_000);
/// # Ok::<(), sigcookie::Error>(())
/// ```
#[cfg(feature = "std")]
pub fn unix_now() -> Result<u64, Error> {
    SystemClock.now()
}

/// A clock that stands still until moved, for tests: clones share one reading, so a test keeps
/// a handle and moves the time of every layer it gave a clone to.
///
/// ```
/// use sigcookie::{Clock, ManualClock};
///
/// let clock = ManualClock::new(1_000);
/// let shared = clock.clone();
/// clock.advance(60);
/// assert_eq!(shared.now()?, 1_060);
/// clock.set(5);
/// assert_eq!(shared.now()?, 5);
/// # Ok::<(), sigcookie::Error>(())
/// ```
#[cfg(feature = "std")]
#[derive(Clone, Debug, Default)]
pub struct ManualClock(std::sync::Arc<core::sync::atomic::AtomicU64>);

#[cfg(feature = "std")]
impl ManualClock {
    /// A clock reading `now` (unix seconds).
    ///
    /// ```
    /// # use sigcookie::{Clock, ManualClock};
    /// assert_eq!(ManualClock::new(42).now()?, 42);
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn new(now: u64) -> ManualClock {
        ManualClock(std::sync::Arc::new(now.into()))
    }

    /// Sets the reading of this clock and its clones.
    ///
    /// ```
    /// # use sigcookie::{Clock, ManualClock};
    /// let clock = ManualClock::new(42);
    /// clock.set(7);
    /// assert_eq!(clock.now()?, 7);
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn set(&self, now: u64) {
        self.0.store(now, core::sync::atomic::Ordering::SeqCst);
    }

    /// Moves this clock and its clones `secs` seconds ahead (saturating).
    ///
    /// ```
    /// # use sigcookie::{Clock, ManualClock};
    /// let clock = ManualClock::new(u64::MAX - 1);
    /// clock.advance(5);
    /// assert_eq!(clock.now()?, u64::MAX);
    /// # Ok::<(), sigcookie::Error>(())
    /// ```
    pub fn advance(&self, secs: u64) {
        let add = |now: u64| Some(now.saturating_add(secs));
        let _ = self.0.fetch_update(
            core::sync::atomic::Ordering::SeqCst,
            core::sync::atomic::Ordering::SeqCst,
            add,
        );
    }
}

#[cfg(feature = "std")]
impl Clock for ManualClock {
    fn now(&self) -> Result<u64, Error> {
        Ok(self.0.load(core::sync::atomic::Ordering::SeqCst))
    }
}
