//! IR types and how many machine words each takes.

use std::fmt;

/// The type of an IR value. Every backend represents a value of type `T` as
/// [`Ty::words`] 64-bit words "in registers" and [`Ty::stored_words`] words
/// when stored inline in a record, list element or table row.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ty {
    /// 0 or 1.
    Bool,
    Int,
    /// Fixed point, scaled by 10^4.
    Dec,
    /// Days since 1970-01-01.
    Date,
    /// Two words: months, then days.
    Dur,
    /// Index into [`crate::Module::countries`] (sorted, so ids order as codes do).
    Country,
    /// Index of the value in its enum.
    Enum(u32),
    /// Non-negative: an interned id into [`crate::Module::texts`]. Negative:
    /// text that occurs in no table or constant of the module, owned by the
    /// evaluation (`-1 - k` for the k-th such text); it equals no interned text.
    Text,
    /// A record of layout `n`: in registers a pointer to its inline words.
    Rec(u32),
    /// In registers and in memory: pointer to the first element, length.
    List(Box<Ty>),
    /// One presence word (0 or 1), then the value's words (zero when absent).
    Opt(Box<Ty>),
}

impl Ty {
    pub fn opt(self) -> Ty {
        match self {
            Ty::Opt(_) => self,
            other => Ty::Opt(Box::new(other)),
        }
    }

    pub fn list(self) -> Ty {
        Ty::List(Box::new(self))
    }

    /// Words of a value in registers (records are pointers).
    pub fn words(&self) -> usize {
        match self {
            Ty::Dur | Ty::List(_) => 2,
            Ty::Opt(inner) => 1 + inner.words(),
            _ => 1,
        }
    }

    /// Words of a value stored inline; `layouts` gives each record's width.
    pub fn stored_words(&self, layouts: &[crate::Layout]) -> usize {
        match self {
            Ty::Rec(id) => layouts.get(*id as usize).map_or(0, |l| l.words),
            Ty::Opt(inner) => 1 + inner.stored_words(layouts),
            other => other.words(),
        }
    }

    /// Whether the value is one word compared as an integer.
    pub fn is_scalar(&self) -> bool {
        matches!(
            self,
            Ty::Bool | Ty::Int | Ty::Dec | Ty::Date | Ty::Country | Ty::Enum(_) | Ty::Text
        )
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Ty::Int | Ty::Dec)
    }

    pub fn without_opt(&self) -> &Ty {
        match self {
            Ty::Opt(inner) => inner,
            other => other,
        }
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Bool => f.write_str("bool"),
            Ty::Int => f.write_str("int"),
            Ty::Dec => f.write_str("dec"),
            Ty::Date => f.write_str("date"),
            Ty::Dur => f.write_str("dur"),
            Ty::Country => f.write_str("country"),
            Ty::Enum(e) => write!(f, "enum{e}"),
            Ty::Text => f.write_str("text"),
            Ty::Rec(r) => write!(f, "rec{r}"),
            Ty::List(inner) => write!(f, "list<{inner}>"),
            Ty::Opt(inner) => write!(f, "opt<{inner}>"),
        }
    }
}
