//! Median-of-runs timing, shared by every engine's benchmark so that the
//! hand-written baseline and the compiled policy are timed the same way.
//!
//! A pass processes every item once and returns a checksum; the checksum
//! goes through `black_box` so the optimiser cannot drop the work, and the
//! median of several passes is reported because one slow pass (another
//! process on a shared core) should not move the result.

use std::fmt;
use std::hint::black_box;
use std::time::Instant;

/// Nanoseconds per item over several timed passes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    pub median_ns: f64,
    pub min_ns: f64,
    pub max_ns: f64,
    pub runs: usize,
    pub items: usize,
}

impl fmt::Display for Timing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:.1} ns (median of {} runs over {} items; min {:.1}, max {:.1})",
            self.median_ns, self.runs, self.items, self.min_ns, self.max_ns
        )
    }
}

/// Times `runs` passes of `pass` over `items` items, after one untimed
/// pass that warms caches, the branch predictors and the allocator.
pub fn per_item(runs: usize, items: usize, mut pass: impl FnMut() -> u64) -> Timing {
    black_box(pass());
    let per_item = items.max(1) as f64;
    let mut samples: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            black_box(pass());
            start.elapsed().as_secs_f64() * 1e9 / per_item
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    Timing {
        median_ns: median(&samples),
        min_ns: samples.first().copied().unwrap_or(f64::NAN),
        max_ns: samples.last().copied().unwrap_or(f64::NAN),
        runs: samples.len(),
        items,
    }
}

/// The median of sorted samples (the mean of the middle two for an even
/// count).
pub fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    match (sorted.get(n / 2), n % 2) {
        (Some(&upper), 1) => upper,
        (Some(&upper), _) => sorted
            .get(n / 2 - 1)
            .map_or(upper, |&lower| (lower + upper) / 2.0),
        (None, _) => f64::NAN,
    }
}

/// How many times slower `numerator` is than `denominator`, by medians
/// (the "native / hand-written" ratio).
pub fn ratio(numerator: &Timing, denominator: &Timing) -> f64 {
    numerator.median_ns / denominator.median_ns
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[1.0, 2.0, 9.0]), 2.0);
        assert_eq!(median(&[1.0, 2.0, 4.0, 9.0]), 3.0);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn every_pass_runs_once_more_than_timed() {
        let mut passes = 0;
        let t = per_item(5, 10, || {
            passes += 1;
            passes
        });
        assert_eq!(passes, 6);
        assert_eq!((t.runs, t.items), (5, 10));
        assert!(t.min_ns <= t.median_ns && t.median_ns <= t.max_ns);
    }
}
