//! The optimiser. Every pass keeps results identical to the reference
//! interpreter for every record and context, errors included: nothing is
//! reordered across a short circuit, and nothing that can fail is removed
//! or evaluated where the interpreter would not evaluate it.

mod fold;
mod memoise;

use crate::Ty;
use crate::ir::{Module, SetStrategy};

/// Sets up to this size are tested by comparisons; larger ones by binary
/// search of their sorted words.
pub const COMPARE_SET_MAX: usize = 8;

/// Sets of ids below this (every country code, any enum) are bitmaps.
pub const BITMAP_MAX: i64 = 4096;

/// What the passes changed, for `lintas build --emit ir` and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub folded: usize,
    pub rules_removed: usize,
    pub memoised: usize,
}

pub fn optimise(module: &mut Module) -> Stats {
    let mut stats = Stats::default();
    for set in &mut module.sets {
        let small_domain = matches!(set.element, Ty::Country | Ty::Enum(_) | Ty::Bool)
            && set.words.iter().all(|w| (0..BITMAP_MAX).contains(w));
        set.strategy = if set.words.len() <= COMPARE_SET_MAX {
            SetStrategy::Compare
        } else if small_domain {
            SetStrategy::Bitmap
        } else {
            SetStrategy::Sorted
        };
    }
    stats.folded = fold::fold_module(module);
    stats.rules_removed = remove_dead_rules(module);
    stats.memoised = memoise::memoise_module(module);
    stats
}

/// Rules that can never be evaluated (an empty effective range) or never
/// fire (a condition folded to `false`, which cannot fail) give nothing.
fn remove_dead_rules(module: &mut Module) -> usize {
    let mut removed = 0;
    for d in &mut module.decisions {
        let before = d.rules.len();
        d.rules.retain(|r| {
            let empty_range = match (r.effective_from, r.effective_to) {
                (Some(from), Some(to)) => from > to,
                _ => false,
            } || r
                .effective_to
                .is_some_and(|to| to < lintas_check::calendar::FIRST_DAY)
                || r.effective_from
                    .is_some_and(|from| from > lintas_check::calendar::LAST_DAY);
            let never = r.condition.node == crate::ir::Node::Const(crate::ir::Const::Bool(false));
            !(empty_range || never)
        });
        removed += before - d.rules.len();
    }
    removed
}
