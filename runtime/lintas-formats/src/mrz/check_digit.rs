//! The ICAO 9303 check digit (Part 3, 4.9): character values 0-9, A=10 ...
//! Z=35, filler `<`=0, weights 7, 3, 1 repeating, sum modulo 10.

use serde::Serialize;
use std::fmt;

/// The value ICAO assigns to an MRZ character, `None` outside `0-9 A-Z <`.
pub fn char_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        b'<' => Some(0),
        _ => None,
    }
}

/// The check digit of `data`, or `None` if it holds a non-MRZ character.
pub fn compute(data: &[u8]) -> Option<u8> {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let mut sum = 0u32;
    for (i, &c) in data.iter().enumerate() {
        sum += char_value(c)? * WEIGHTS[i % 3];
    }
    // `sum % 10` is below 10, so the cast cannot truncate.
    Some(b'0' + (sum % 10) as u8)
}

/// Which check digit a result is about. The short names (`doc`, `dob`, ...)
/// are those of the reference data (`samples.tsv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CheckField {
    DocumentNumber,
    BirthDate,
    ExpiryDate,
    /// TD3 personal number (optional data of line 2).
    PersonalNumber,
    /// The composite digit over the upper/middle line fields (TD1, TD2, TD3; not visas).
    Composite,
}

impl CheckField {
    pub fn short_name(self) -> &'static str {
        match self {
            CheckField::DocumentNumber => "doc",
            CheckField::BirthDate => "dob",
            CheckField::ExpiryDate => "exp",
            CheckField::PersonalNumber => "personal",
            CheckField::Composite => "composite",
        }
    }
}

impl fmt::Display for CheckField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CheckField::DocumentNumber => "document number",
            CheckField::BirthDate => "birth date",
            CheckField::ExpiryDate => "expiry date",
            CheckField::PersonalNumber => "personal number",
            CheckField::Composite => "composite",
        })
    }
}

/// One verified check digit: what the MRZ carries and what 7-3-1 gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub field: CheckField,
    /// The character in the check position (`<` where the format allows an empty check).
    pub found: char,
    /// The digit computed over the field, or `None` if no digit was computable
    /// (e.g. a long document number whose continuation is missing).
    pub expected: Option<char>,
    pub ok: bool,
}

impl Check {
    /// Verifies `found` against the digit computed over `data`.
    pub(crate) fn verify(field: CheckField, data: &[u8], found: u8) -> Check {
        let expected = compute(data);
        Check {
            field,
            found: char::from(found),
            expected: expected.map(char::from),
            ok: expected == Some(found),
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.ok, self.expected) {
            (true, _) => write!(f, "{} check digit {} is correct", self.field, self.found),
            (false, Some(e)) => write!(
                f,
                "{} check digit is '{}' but the 7-3-1 rule gives '{}'",
                self.field, self.found, e
            ),
            (false, None) => write!(
                f,
                "{} check digit '{}' cannot be verified: the field has no computable digit",
                self.field, self.found
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icao_worked_examples() {
        // ICAO 9303 Part 3 examples.
        assert_eq!(compute(b"520727"), Some(b'3'));
        assert_eq!(compute(b"AB2134<<<"), Some(b'5'));
        assert_eq!(compute(b"L898902C3"), Some(b'6'));
        assert_eq!(compute(b""), Some(b'0'));
        assert_eq!(compute(b"<<<<<<<<<"), Some(b'0'));
        assert_eq!(compute(b"ab"), None);
    }

    #[test]
    fn values() {
        assert_eq!(char_value(b'A'), Some(10));
        assert_eq!(char_value(b'Z'), Some(35));
        assert_eq!(char_value(b'<'), Some(0));
        assert_eq!(char_value(b'a'), None);
    }
}
