//! The plain timing loop's parts, shared by `compare` and the Rust rows of `languages`: each
//! operation runs in short batches, the operations take turns batch by batch so that a burst of
//! load elsewhere on the machine hits them all alike, and each reports its median batch.

use std::time::{Duration, Instant};

/// Turns each operation gets; the median of these is its time.
pub const ROUNDS: usize = 61;

/// Target length of one timed batch: long against the clock's resolution, short against a
/// scheduler's time slice.
pub const BATCH: Duration = Duration::from_millis(2);

/// Nanoseconds to run `f` `iters` times.
pub fn time(iters: u64, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed().as_nanos() as f64
}

/// Iterations that take about `batch`, for `run` timing that many.
pub fn calibrate(run: &mut impl FnMut(u64) -> f64, batch: Duration) -> u64 {
    let mut n = 1;
    loop {
        let ns = run(n);
        if ns >= batch.as_nanos() as f64 / 4.0 {
            return ((n as f64 * batch.as_nanos() as f64 / ns) as u64).max(1);
        }
        n *= 4;
    }
}

/// The middle sample; of an even count, the mean of the two middle ones.
pub fn median(samples: impl IntoIterator<Item = f64>) -> f64 {
    let mut samples: Vec<f64> = samples.into_iter().collect();
    samples.sort_by(f64::total_cmp);
    let n = samples.len();
    if n % 2 == 1 {
        samples[n / 2]
    } else {
        (samples[n / 2 - 1] + samples[n / 2]) / 2.0
    }
}
