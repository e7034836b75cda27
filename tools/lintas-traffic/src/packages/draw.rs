//! Choices over the crate's own random stream, which never panic on empty
//! input (the stream's `pick` does).

use crate::Rng;

pub(crate) fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> Option<&'a T> {
    if items.is_empty() {
        return None;
    }
    let last = i64::try_from(items.len() - 1).unwrap_or(i64::MAX);
    let index = usize::try_from(rng.range(0, last)).unwrap_or(0);
    items.get(index)
}

/// An index drawn with the given weights; 0 when all weights are 0.
pub(crate) fn weighted(rng: &mut Rng, weights: &[u32]) -> usize {
    let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
    if total == 0 {
        return 0;
    }
    let mut roll = rng.next_u64() % total;
    for (i, w) in weights.iter().enumerate() {
        let w = u64::from(*w);
        if roll < w {
            return i;
        }
        roll -= w;
    }
    0
}

pub(crate) fn shuffle<T>(rng: &mut Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = usize::try_from(rng.range(0, i64::try_from(i).unwrap_or(0))).unwrap_or(0);
        items.swap(i, j);
    }
}

/// A count in `[low, high]`.
pub(crate) fn count(rng: &mut Rng, low: usize, high: usize) -> usize {
    let low_i = i64::try_from(low).unwrap_or(0);
    let high_i = i64::try_from(high).unwrap_or(low_i);
    usize::try_from(rng.range(low_i, high_i)).unwrap_or(low)
}
