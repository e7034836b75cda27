//! Timing: the only code in `lintas bench` that reads the clock. Kept small
//! and separate so that what is measured (and what is not) is easy to see.

use std::time::{Duration, Instant};

/// How long one call of `work` takes.
pub fn time<T>(work: impl FnOnce() -> T) -> (Duration, T) {
    let start = Instant::now();
    let value = work();
    (start.elapsed(), value)
}

/// The median duration of `runs` calls of `work` (at least one), and the
/// last call's value. The median, not the mean, so that one run disturbed
/// by another process on a shared machine does not move the figure.
pub fn median<T>(runs: usize, mut work: impl FnMut() -> T) -> (Duration, T) {
    let (first, mut last) = time(&mut work);
    let mut times = vec![first];
    for _ in 1..runs {
        let (elapsed, value) = time(&mut work);
        times.push(elapsed);
        last = value;
    }
    (middle(&mut times), last)
}

/// The median of `times` (the mean of the two middle ones for an even
/// count); zero for none.
fn middle(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    let n = times.len();
    match (
        times.get(n / 2),
        n.checked_sub(1).and_then(|i| times.get(i / 2)),
    ) {
        (Some(high), Some(low)) if n.is_multiple_of(2) => (*low + *high) / 2,
        (Some(high), _) => *high,
        _ => Duration::ZERO,
    }
}

/// A timed pass over many decisions.
#[derive(Debug, Clone, Copy)]
pub struct Throughput {
    pub total: Duration,
    pub decisions: usize,
}

impl Throughput {
    pub fn ns_per_decision(&self) -> f64 {
        if self.decisions == 0 {
            return 0.0;
        }
        self.total.as_nanos() as f64 / self.decisions as f64
    }

    pub fn per_second(&self) -> f64 {
        let seconds = self.total.as_secs_f64();
        if seconds == 0.0 {
            return 0.0;
        }
        self.decisions as f64 / seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_time() {
        let ms = Duration::from_millis;
        assert_eq!(middle(&mut [ms(5), ms(1), ms(9)]), ms(5));
        assert_eq!(middle(&mut [ms(4), ms(2)]), ms(3));
        assert_eq!(middle(&mut [ms(7)]), ms(7));
        assert_eq!(middle(&mut []), Duration::ZERO);
    }
}
