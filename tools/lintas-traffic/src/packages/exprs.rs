//! Typed expression generation. Every function returns Lintas source of
//! exactly the type asked for, fully parenthesised so that precedence never
//! changes what was meant. The checker's rules that shape this code:
//!
//! - a bare enum value is read only where the checker passes the expected
//!   type down ([`Pos::expected`]);
//! - an Int literal where a Decimal is expected is read as a Decimal, so it
//!   must fit one ([`Pos::small`]);
//! - an optional value needs narrowing before use (see `conds.rs`).
//!
//! This module holds the generator's state and what all types share;
//! `numbers.rs`, `scalars.rs`, `literals.rs` and `conds.rs` the rest.

use super::data::Data;
use super::dict::Dict;
use super::draw;
use super::ident::Names;
use super::model::{Ty, Universe};
use super::scope::{NamedKind, Place, Scope};
use crate::Rng;
use std::collections::BTreeSet;

/// Where an expression goes, as far as literals are concerned.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pos {
    /// A bare literal may stand here.
    pub literal: bool,
    /// The checker passes the expected type here (bare enum values resolve).
    pub expected: bool,
    /// Int literals must also be valid Decimals.
    pub small: bool,
}

impl Pos {
    pub const ANY: Pos = Pos {
        literal: true,
        expected: false,
        small: false,
    };
    pub const DYNAMIC: Pos = Pos {
        literal: false,
        expected: false,
        small: false,
    };
    pub const EXPECTED: Pos = Pos {
        literal: true,
        expected: true,
        small: false,
    };

    pub fn small(self) -> Pos {
        Pos {
            small: true,
            ..self
        }
    }

    pub fn operand(self) -> Pos {
        Pos {
            literal: true,
            ..self
        }
    }
}

/// Largest Int literal written where a Decimal may be expected.
pub(crate) const SMALL: i64 = 1_000_000_000;

/// The state of one package being generated.
pub(crate) struct Gen {
    pub rng: Rng,
    pub u: Universe,
    pub data: Data,
    pub dict: Dict,
    pub names: Names,
    /// Named values referenced since the last [`Gen::take_touched`]
    /// (drafts included: an over-estimate, which is safe for what it
    /// decides, whether a let may feed an aggregate).
    pub touched: BTreeSet<String>,
    /// The dates and members contexts will carry.
    pub dates: Vec<i64>,
    pub members: Vec<String>,
    /// The dial's path from the subject (`traveller.seq`).
    pub dial: String,
}

impl Gen {
    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.chance(p)
    }

    pub fn take_touched(&mut self) -> BTreeSet<String> {
        std::mem::take(&mut self.touched)
    }

    pub fn touch(&mut self, sc: &Scope, text: &str) {
        if let Some(n) = sc.root_named(text) {
            self.touched.insert(n.name.clone());
        }
    }

    /// Paths of exactly this type.
    pub fn leaves(&self, sc: &Scope, ty: &Ty) -> Vec<Place> {
        sc.places(&self.u)
            .into_iter()
            .filter(|p| p.ty == *ty)
            .collect()
    }

    /// One of the places: preferring the scope's focus and named values,
    /// so that bodies are about what they check and lets get used.
    pub fn choose(&mut self, sc: &Scope, places: &[Place]) -> Option<Place> {
        let preferred: Vec<Place> = match &sc.prefer {
            Some(prefix) => places
                .iter()
                .filter(|p| p.text == *prefix || p.text.starts_with(&format!("{prefix}.")))
                .cloned()
                .collect(),
            None => Vec::new(),
        };
        let named: Vec<Place> = places
            .iter()
            .filter(|p| sc.root_named(&p.text).is_some())
            .cloned()
            .collect();
        let pool = if !preferred.is_empty() && self.chance(0.75) {
            preferred
        } else if !named.is_empty() && self.chance(0.35) {
            named
        } else {
            places.to_vec()
        };
        let place = draw::pick(&mut self.rng, &pool).cloned()?;
        self.touch(sc, &place.text);
        Some(place)
    }

    pub fn leaf(&mut self, sc: &Scope, ty: &Ty) -> Option<String> {
        self.leaf_at(sc, ty, Pos::ANY)
    }

    /// A leaf; where no literal may stand, not a constant either (the
    /// checker inlines constants, so they fold like literals).
    pub fn leaf_at(&mut self, sc: &Scope, ty: &Ty, pos: Pos) -> Option<String> {
        let places: Vec<Place> = self
            .leaves(sc, ty)
            .into_iter()
            .filter(|p| {
                pos.literal
                    || sc
                        .root_named(&p.text)
                        .is_none_or(|n| n.kind != NamedKind::Constant)
            })
            .collect();
        self.choose(sc, &places).map(|p| p.text)
    }

    /// Optional places not yet narrowed, of any inner type when `inner` is
    /// `None`.
    pub fn optionals(&self, sc: &Scope, inner: Option<&Ty>) -> Vec<Place> {
        sc.places(&self.u)
            .into_iter()
            .filter(|p| match (&p.ty, inner) {
                (Ty::Optional(i), Some(want)) => **i == *want,
                (Ty::Optional(_), None) => true,
                _ => false,
            })
            .collect()
    }

    /// List-valued places: list fields, `context.emergencies`, collect tables.
    pub fn lists(&self, sc: &Scope) -> Vec<Place> {
        sc.places(&self.u)
            .into_iter()
            .filter(|p| matches!(p.ty, Ty::List(_)))
            .collect()
    }

    /// An expression of exactly `ty` (a scalar).
    pub fn value(&mut self, sc: &Scope, ty: &Ty, depth: u32, pos: Pos) -> String {
        match ty {
            Ty::Int => self.int(sc, depth, pos),
            Ty::Decimal => self.dec(sc, depth, pos),
            Ty::Date => self.date(sc, depth, pos),
            Ty::Text => self.text(sc, depth, pos),
            Ty::Country => self.country(sc, depth, pos),
            Ty::Enum(e) => self.enumeration(sc, *e, depth, pos),
            Ty::Bool => {
                if !pos.literal || self.chance(0.85) {
                    self.cond(sc, depth)
                } else {
                    self.literal(&Ty::Bool, pos)
                }
            }
            _ => self.literal(&Ty::Int, pos),
        }
    }

    /// `(opt otherwise default)` for an optional place of type `inner`.
    pub fn otherwise(&mut self, sc: &Scope, inner: &Ty, pos: Pos) -> Option<String> {
        let opts = self.optionals(sc, Some(inner));
        let place = self.choose(sc, &opts)?;
        // The default is read with the inner type expected.
        let default_pos = Pos {
            literal: true,
            expected: true,
            small: pos.small || *inner == Ty::Decimal,
        };
        let default = self.literal(inner, default_pos);
        // Now and then the optional side is itself a choice between the
        // optional place and a plain value, so that a present value flows
        // into an optional slot (what the IR calls `wrap`).
        if self.chance(0.2) {
            let c = self.cond(sc, 1);
            let plain = self.literal(inner, default_pos);
            return Some(format!(
                "((if {c} then {} else {plain}) otherwise {default})",
                place.text
            ));
        }
        Some(format!("({} otherwise {default})", place.text))
    }

    /// `(if C then A else B)`; the else branch always has an expected type.
    pub fn conditional(&mut self, sc: &Scope, ty: &Ty, depth: u32, pos: Pos) -> String {
        // Narrow an optional in the branch taken when it is present.
        if self.chance(0.35) {
            let opts = self.optionals(sc, None);
            if let Some(p) = self.choose(sc, &opts) {
                let inner = sc.narrowed(&p.text).preferring(&p.text);
                let a = self.value(&inner, ty, depth - 1, pos.operand());
                let b_pos = Pos {
                    expected: true,
                    ..pos.operand()
                };
                // The else branch knows the value absent: nothing to narrow.
                let b = self.value(sc, ty, depth - 1, b_pos);
                return format!("(if {} is present then {a} else {b})", p.text);
            }
        }
        let c = self.cond_facts(sc, depth - 1);
        let a = self.value(&sc.narrowed_all(&c.if_true), ty, depth - 1, pos.operand());
        let b_pos = Pos {
            expected: true,
            ..pos.operand()
        };
        let b = self.value(&sc.narrowed_all(&c.if_false), ty, depth - 1, b_pos);
        format!("(if {} then {a} else {b})", c.text)
    }

    /// A list to quantify over, a fresh variable and the body's scope.
    pub fn quantified(&mut self, sc: &Scope, depth: u32) -> Option<(String, String, Scope)> {
        let lists = self.lists(sc);
        let (over, element) = match self.choose(sc, &lists) {
            Some(Place {
                text,
                ty: Ty::List(element),
            }) if !self.chance(0.15) => (text, *element),
            _ => {
                let element =
                    draw::pick(&mut self.rng, &[Ty::Int, Ty::Country, Ty::Text, Ty::Date])
                        .cloned()
                        .unwrap_or(Ty::Int);
                (self.list_literal(sc, &element, depth, false), element)
            }
        };
        let base = match &element {
            Ty::Record(_) => "item",
            Ty::Country => "c",
            _ => "x",
        };
        let var = self.names.fresh(base);
        let inner = sc.with_local(&var, element).preferring(&var);
        Some((over, var, inner))
    }

    /// `[a, b, c]`: literals mostly, an expression now and then.
    pub fn list_literal(&mut self, sc: &Scope, element: &Ty, depth: u32, expected: bool) -> String {
        let n = draw::count(&mut self.rng, 1, 5);
        let pos = Pos {
            literal: true,
            expected,
            small: *element == Ty::Decimal,
        };
        let mut items = Vec::new();
        for i in 0..n {
            // The first element fixes the list's type when nothing is expected.
            let item = if i > 0 && depth > 0 && self.chance(0.15) {
                self.value(sc, element, 0, pos)
            } else {
                self.literal(element, pos)
            };
            items.push(item);
        }
        let trailing = if self.chance(0.15) { "," } else { "" };
        format!("[{}{trailing}]", items.join(", "))
    }
}
