//! The types of Lintas values.

use serde::{Deserialize, Serialize};

/// Index into [`crate::hir::Program::records`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RecordId(pub u32);

/// Index into [`crate::hir::Program::enums`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EnumId(pub u32);

/// Index into [`crate::hir::Program::tables`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TableId(pub u32);

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Ty {
    Bool,
    Int,
    Decimal,
    Text,
    Date,
    Duration,
    Country,
    Enum(EnumId),
    Record(RecordId),
    Optional(Box<Ty>),
    List(Box<Ty>),
    /// A reference set of the element type.
    Set(Box<Ty>),
    /// A reference table; indexing it gives an optional row.
    Table(TableId),
    /// The type of an expression that already has an error reported; it
    /// unifies with everything so one mistake gives one diagnostic.
    Error,
}

impl Ty {
    pub fn is_error(&self) -> bool {
        matches!(self, Ty::Error)
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Ty::Int | Ty::Decimal | Ty::Error)
    }

    pub fn optional(self) -> Ty {
        match self {
            Ty::Optional(_) | Ty::Error => self,
            other => Ty::Optional(Box::new(other)),
        }
    }

    pub fn without_optional(&self) -> &Ty {
        match self {
            Ty::Optional(inner) => inner,
            other => other,
        }
    }

    /// Whether a value of type `self` may stand where `expected` is needed.
    pub fn fits(&self, expected: &Ty) -> bool {
        match (self, expected) {
            (Ty::Error, _) | (_, Ty::Error) => true,
            (Ty::Int, Ty::Decimal) => true,
            (a, Ty::Optional(b)) => a.fits(b) || matches!(a, Ty::Optional(x) if x.fits(b)),
            (Ty::List(a), Ty::List(b)) => a.fits(b),
            (a, b) => a == b,
        }
    }

    /// The common type of two branches, if there is one.
    pub fn join(&self, other: &Ty) -> Option<Ty> {
        match (self, other) {
            (Ty::Error, t) | (t, Ty::Error) => Some(t.clone()),
            (Ty::Int, Ty::Decimal) | (Ty::Decimal, Ty::Int) => Some(Ty::Decimal),
            (Ty::Optional(a), b) | (b, Ty::Optional(a)) => {
                a.join(b.without_optional()).map(Ty::optional)
            }
            (Ty::List(a), Ty::List(b)) => a.join(b).map(|t| Ty::List(Box::new(t))),
            (a, b) if a == b => Some(a.clone()),
            _ => None,
        }
    }

    /// Whether two values of these types can be compared with `==`.
    pub fn comparable_with(&self, other: &Ty) -> bool {
        match (self, other) {
            (Ty::Error, _) | (_, Ty::Error) => true,
            (a, b) if a.is_numeric() && b.is_numeric() => true,
            (Ty::Duration, _) | (_, Ty::Duration) => false,
            (Ty::Bool | Ty::Text | Ty::Date | Ty::Country | Ty::Enum(_), b) => self == b,
            _ => false,
        }
    }
}
