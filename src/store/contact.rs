//! The chosen failure mode of a store shared through a server (Redis, PostgreSQL): how long
//! this instance has been out of touch with the server, and the one rule of failing closed, that
//! past the bound every lookup answers unreadable cut-offs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::Cutoffs;

/// When the sync thread last heard from the server, and how long that may be ago.
pub(super) struct Contact {
    /// The builder's `fail_closed_after`; `None` serves the last known state however long an
    /// outage lasts.
    bound: Option<Duration>,
    started: Instant,
    /// Milliseconds from `started` to the last sign of life: a load, an answer to a liveness
    /// check, a message or notification on the channel.
    last: AtomicU64,
}

impl Contact {
    pub(super) fn new(bound: Option<Duration>) -> Contact {
        Contact {
            bound,
            started: Instant::now(),
            last: AtomicU64::new(0),
        }
    }

    /// The server answered just now.
    pub(super) fn touch(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.fetch_max(now, Ordering::AcqRel);
    }

    /// Whether the instance has been out of touch for longer than the bound.
    pub(super) fn lost(&self) -> bool {
        let Some(bound) = self.bound else {
            return false;
        };
        let last = Duration::from_millis(self.last.load(Ordering::Acquire));
        self.started.elapsed().saturating_sub(last) > bound
    }

    /// What lookups answer meanwhile, for the warning an outage logs.
    pub(super) fn serving(&self) -> &'static str {
        if self.lost() {
            "nothing: every session is refused (fail_closed_after)"
        } else {
            "the last known cut-offs"
        }
    }

    /// `cutoffs` as a lookup answers them: unreadable once out of touch past the bound, so that
    /// the session is refused with [`Error::CutoffUnreadable`](crate::Error::CutoffUnreadable),
    /// as for a malformed entry, until a reload. The cut-off itself is kept, so a revocation
    /// meanwhile still starts past it.
    pub(super) fn judge(&self, cutoffs: Cutoffs) -> Cutoffs {
        if self.lost() {
            cutoffs.and(Cutoffs::UNREADABLE)
        } else {
            cutoffs
        }
    }

    /// How often the sync thread checks that the server is alive when nothing else showed it:
    /// a quarter of the bound, so that a quiet, healthy connection is never taken for a lost
    /// one; without a bound, at each resync.
    pub(super) fn check_every(&self, resync_interval: Duration) -> Duration {
        self.bound
            .map_or(resync_interval, |bound| (bound / 4).min(resync_interval))
    }
}
