//! Signatures of the built-in functions.

use crate::hir::Builtin;

/// How a builtin's argument and result types relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    DatesToInt,
    IntToDuration,
    ListToInt,
    TextToText,
    TextToInt,
    TextsToBool,
    TextsToDecimal,
    /// Two numbers of the same kind to one of that kind.
    NumbersToNumber,
    NumberToNumber,
}

pub const BUILTINS: &[(&str, Builtin, Signature)] = &[
    (
        "years_between",
        Builtin::YearsBetween,
        Signature::DatesToInt,
    ),
    (
        "months_between",
        Builtin::MonthsBetween,
        Signature::DatesToInt,
    ),
    ("days_between", Builtin::DaysBetween, Signature::DatesToInt),
    ("days", Builtin::Days, Signature::IntToDuration),
    ("weeks", Builtin::Weeks, Signature::IntToDuration),
    ("months", Builtin::Months, Signature::IntToDuration),
    ("years", Builtin::Years, Signature::IntToDuration),
    ("size", Builtin::Size, Signature::ListToInt),
    ("lower", Builtin::Lower, Signature::TextToText),
    ("upper", Builtin::Upper, Signature::TextToText),
    ("length", Builtin::Length, Signature::TextToInt),
    ("contains", Builtin::Contains, Signature::TextsToBool),
    ("starts_with", Builtin::StartsWith, Signature::TextsToBool),
    ("name_key", Builtin::NameKey, Signature::TextToText),
    (
        "name_similarity",
        Builtin::NameSimilarity,
        Signature::TextsToDecimal,
    ),
    ("min", Builtin::Min, Signature::NumbersToNumber),
    ("max", Builtin::Max, Signature::NumbersToNumber),
    ("abs", Builtin::Abs, Signature::NumberToNumber),
];

pub fn lookup(name: &str) -> Option<(Builtin, Signature)> {
    BUILTINS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, b, s)| (*b, *s))
}

pub fn name_of(builtin: Builtin) -> &'static str {
    BUILTINS
        .iter()
        .find(|(_, b, _)| *b == builtin)
        .map_or("?", |(n, _, _)| n)
}

impl Signature {
    pub fn arity(self) -> usize {
        match self {
            Signature::DatesToInt
            | Signature::TextsToBool
            | Signature::TextsToDecimal
            | Signature::NumbersToNumber => 2,
            _ => 1,
        }
    }
}
