//! The values a package mentions (set members, table keys, literals in
//! comparisons), filed by type. Records draw from them so that equality,
//! membership and lookups come out true often enough to matter.

use super::draw;
use super::values::{Kind, Val};
use crate::Rng;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub(crate) struct Dict {
    /// Per kind, groups of values: one per set or table column, and a first
    /// group of loose literals. Drawing a group first keeps a small set as
    /// likely to be hit as a large one.
    groups: BTreeMap<Kind, Vec<Vec<Val>>>,
}

impl Dict {
    /// A literal written somewhere in the package.
    pub fn note(&mut self, value: &Val) {
        let groups = self.groups.entry(value.kind()).or_default();
        if groups.is_empty() {
            groups.push(Vec::new());
        }
        if let Some(loose) = groups.first_mut()
            && !loose.contains(value)
        {
            loose.push(value.clone());
        }
    }

    /// The values of one set or table column.
    pub fn group(&mut self, values: &[Val]) {
        let Some(first) = values.first() else {
            return;
        };
        let groups = self.groups.entry(first.kind()).or_default();
        if groups.is_empty() {
            groups.push(Vec::new());
        }
        groups.push(values.to_vec());
    }

    pub fn draw(&self, rng: &mut Rng, kind: Kind) -> Option<Val> {
        let groups: Vec<&Vec<Val>> = self
            .groups
            .get(&kind)?
            .iter()
            .filter(|g| !g.is_empty())
            .collect();
        let group = draw::pick(rng, &groups)?;
        draw::pick(rng, group).cloned()
    }
}
