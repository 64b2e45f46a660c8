//! Between the web's `time` types and the core's unix seconds.

use super::{Duration, OffsetDateTime};
use crate::ConfigError;

/// Whole seconds of a non-negative duration; the core counts seconds.
pub(super) fn duration_secs(duration: Duration) -> Result<u64, ConfigError> {
    if duration.is_negative() {
        // Checked here: a sub-second negative duration has zero whole seconds and would pass.
        return Err(ConfigError::InvalidDuration);
    }
    u64::try_from(duration.whole_seconds()).map_err(|_| ConfigError::InvalidDuration)
}

/// Whole seconds of a maximum age or lifetime, which must be at least one second.
pub(super) fn at_least_a_second(duration: Duration) -> Result<u64, ConfigError> {
    if duration < Duration::SECOND {
        return Err(ConfigError::InvalidDuration);
    }
    duration_secs(duration)
}

/// Seconds as a duration, saturating.
pub(super) fn secs_duration(secs: u64) -> Duration {
    Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// Unix seconds as a time. Times beyond year 9999, which only a forger with the key could sign,
/// read as the latest representable time rather than failing.
pub(super) fn secs_time(secs: u64) -> OffsetDateTime {
    i64::try_from(secs)
        .ok()
        .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
        .unwrap_or(MAX_TIME)
}

/// 9999-12-31T23:59:59Z, the latest time `time` represents without its `large-dates` feature.
const MAX_TIME: OffsetDateTime = match OffsetDateTime::from_unix_timestamp(253_402_300_799) {
    Ok(time) => time,
    Err(_) => OffsetDateTime::UNIX_EPOCH,
};
