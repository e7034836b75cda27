//! ICAO Doc 9303 machine-readable zones: TD1 (3x30), TD2 (2x36), TD3
//! (2x44) and the visa formats MRV-A (2x44) and MRV-B (2x36).
//!
//! [`parse`] checks the *shape* (line count, lengths, character set, field
//! syntax) and fails with an [`MrzError`] naming the line and column when the
//! text is not an MRZ. A well-formed MRZ always parses: every check digit is
//! verified and reported in [`Mrz::checks`], and [`Mrz::failed_checks`] says
//! which ones failed. A bad check digit is a property of the document, not a
//! reason to refuse to read it; the rules decide what it means.
//!
//! Verification is strict ICAO: issuers that compute a digit differently
//! (e.g. Belgian ID cards including the `<` in a long document number) fail
//! here, and their quirks belong in the rules' data tables, not the parser.

mod check_digit;
mod fields;
mod td1;
mod td2;
mod td3;
mod two_line;
mod visa;

pub use check_digit::{Check, CheckField, char_value, compute as check_digit};

use crate::date::Date;
use crate::record::{self, Field, Record};
use serde::Serialize;
use std::fmt;

/// The layout of an MRZ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum MrzFormat {
    /// Identity cards: 3 lines of 30.
    Td1,
    /// Older identity cards and travel documents: 2 lines of 36.
    Td2,
    /// Passports: 2 lines of 44.
    Td3,
    /// Full-size visas: 2 lines of 44, first letter `V`, no composite digit.
    MrvA,
    /// Small visas: 2 lines of 36, first letter `V`, no composite digit.
    MrvB,
}

impl MrzFormat {
    pub fn name(self) -> &'static str {
        match self {
            MrzFormat::Td1 => "TD1",
            MrzFormat::Td2 => "TD2",
            MrzFormat::Td3 => "TD3",
            MrzFormat::MrvA => "MRV-A",
            MrzFormat::MrvB => "MRV-B",
        }
    }
}

impl fmt::Display for MrzFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Sex as printed in the MRZ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Sex {
    Male,
    Female,
    /// `<`: unspecified.
    Unspecified,
}

/// A `YYMMDD` date. ICAO writes `<<` for an unknown month or day (and an
/// unknown year); such a date is *partial* and is never completed by
/// guessing: [`MrzDate::date`] is `None` and the known parts stay readable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MrzDate {
    /// The six characters as printed, e.g. `740812` or `74<<<<`.
    pub raw: String,
    /// The full year, century inferred (see [`crate::date`]); `None` if `<<`.
    pub year: Option<i32>,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl MrzDate {
    /// The calendar date when year, month and day are all known.
    pub fn date(&self) -> Option<Date> {
        Date::new(self.year?, self.month?, self.day?)
    }

    /// True when some part is `<<`.
    pub fn is_partial(&self) -> bool {
        self.year.is_none() || self.month.is_none() || self.day.is_none()
    }
}

/// A parsed machine-readable zone. Text fields have their `<` fillers
/// removed; `<` inside names becomes a space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mrz {
    pub format: MrzFormat,
    /// Document code, fillers removed: `P`, `PO`, `I`, `ID`, `V`, `VB`, ...
    pub document_code: String,
    /// Issuing state or organisation, fillers removed (`D<<` gives `D`).
    pub issuer: String,
    /// The document number; for TD1/TD2 long numbers, the full number
    /// including the part continued in the optional data field.
    pub document_number: String,
    pub nationality: String,
    pub birth_date: MrzDate,
    pub sex: Sex,
    pub expiry_date: MrzDate,
    /// Primary identifier; `<` between its parts becomes a space (`OSPELT BECK`).
    pub surname: String,
    /// Secondary identifier split at `<` (`ANNA<MARIA` gives `["ANNA", "MARIA"]`).
    pub given_names: Vec<String>,
    /// TD3: the personal number. TD1: optional data of line 1 (after a long
    /// document number, if any). TD2, MRV-A, MRV-B: the optional data.
    pub optional_data: String,
    /// TD1 only: optional data of line 2; empty for other formats.
    pub optional_data_2: String,
    /// Every check digit of the format, in the order of the reference data:
    /// document number, birth date, expiry date, personal number (TD3),
    /// composite (not on visas).
    pub checks: Vec<Check>,
}

impl Mrz {
    /// True when every check digit verifies.
    pub fn is_valid(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }

    /// The checks that failed, in order.
    pub fn failed_checks(&self) -> Vec<CheckField> {
        self.checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.field)
            .collect()
    }

    /// Given names joined with single spaces.
    pub fn given_names_joined(&self) -> String {
        self.given_names.join(" ")
    }

    /// The zone as a record with the field names of [`crate::record`].
    pub fn record(&self) -> Record<'_> {
        let mut document = Record::new();
        document.push("number", Field::Text(self.document_number.as_str().into()));
        document.push("code", Field::Text(self.document_code.as_str().into()));
        let kind = record::document_kind(&self.document_code);
        document.push("kind", Field::Text(kind.into()));
        document.push("issuer", Field::Text(self.issuer.as_str().into()));
        document.date("expiry", self.expiry_date.date());
        document.push("mrz_valid", Field::Bool(self.is_valid()));
        let failed = self
            .failed_checks()
            .iter()
            .map(|c| Field::Text(format!("{c:?}").to_lowercase().into()))
            .collect();
        document.push("failed_checks", Field::List(failed));
        let given = self.given_names_joined();
        let mut out = Record::new();
        let name = record::full_name(&given, &self.surname);
        out.push("name", Field::Text(name.into()));
        out.push("surname", Field::Text(self.surname.as_str().into()));
        out.push("given_names", Field::Text(given.into()));
        out.text("sex", record::sex_code(self.sex));
        out.date("birth_date", self.birth_date.date());
        out.push("nationality", Field::Text(self.nationality.as_str().into()));
        out.push("document", Field::Record(document));
        out
    }
}

/// Why a text is not a well-formed MRZ. Lines and columns are 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MrzError {
    /// No non-blank line.
    Empty,
    /// Not 2 or 3 lines.
    LineCount { found: usize },
    /// A line of the wrong length for the format the other lines indicate.
    LineLength {
        line: usize,
        expected: &'static str,
        found: usize,
    },
    /// A lower-case letter: MRZ text is upper case (OCR output must not be case-folded).
    LowerCase {
        line: usize,
        column: usize,
        found: char,
    },
    /// A character outside `A-Z 0-9 <`.
    InvalidCharacter {
        line: usize,
        column: usize,
        found: char,
    },
    /// A field whose characters do not fit its syntax (e.g. a digit in a country code).
    InvalidField {
        line: usize,
        column: usize,
        field: &'static str,
        expected: &'static str,
        found: String,
    },
    /// A fully specified date that is not in the calendar (month 13, 30 February).
    InvalidDate {
        line: usize,
        column: usize,
        field: &'static str,
        found: String,
    },
}

impl fmt::Display for MrzError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MrzError::Empty => write!(f, "the MRZ is empty: pass its 2 or 3 lines"),
            MrzError::LineCount { found } => write!(
                f,
                "an MRZ has 2 lines (TD2, TD3, MRV) or 3 lines (TD1), found {found}: pass the lines separated by newlines or `|`"
            ),
            MrzError::LineLength {
                line,
                expected,
                found,
            } => write!(
                f,
                "line {line} has {found} characters, expected {expected}: check that no filler `<` was lost or added"
            ),
            MrzError::LowerCase {
                line,
                column,
                found,
            } => write!(
                f,
                "line {line}, column {column}: lower-case '{found}'; MRZ text is upper case, pass the reader's output unchanged"
            ),
            MrzError::InvalidCharacter {
                line,
                column,
                found,
            } => write!(
                f,
                "line {line}, column {column}: '{}' is not an MRZ character (A-Z, 0-9, <)",
                found.escape_debug()
            ),
            MrzError::InvalidField {
                line,
                column,
                field,
                expected,
                found,
            } => write!(
                f,
                "line {line}, column {column}: {field} is \"{found}\", expected {expected}"
            ),
            MrzError::InvalidDate {
                line,
                column,
                field,
                found,
            } => write!(
                f,
                "line {line}, column {column}: {field} \"{found}\" is not a calendar date (YYMMDD; `<<` for an unknown part)"
            ),
        }
    }
}

impl std::error::Error for MrzError {}

/// Parses an MRZ given as text: its lines separated by newlines (CR LF
/// accepted) or by `|`, as in the reference data. Blank lines and spaces at
/// line ends are ignored. `reference` resolves two-digit years (see
/// [`crate::date`]).
pub fn parse(text: &str, reference: Date) -> Result<Mrz, MrzError> {
    let lines: Vec<&str> = text
        .split(['\n', '|'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    parse_lines(&lines, reference)
}

/// Parses an MRZ already split into lines.
pub fn parse_lines(lines: &[&str], reference: Date) -> Result<Mrz, MrzError> {
    let format = detect(lines)?;
    for (i, line) in lines.iter().enumerate() {
        // The line lengths are known to be right, so char and byte columns agree.
        for (j, c) in line.chars().enumerate() {
            if c.is_ascii_lowercase() {
                return Err(MrzError::LowerCase {
                    line: i + 1,
                    column: j + 1,
                    found: c,
                });
            }
            if !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '<') {
                return Err(MrzError::InvalidCharacter {
                    line: i + 1,
                    column: j + 1,
                    found: c,
                });
            }
        }
    }
    let bytes: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
    match (format, bytes.as_slice()) {
        (MrzFormat::Td1, [l1, l2, l3]) => td1::parse(l1, l2, l3, reference),
        (MrzFormat::Td2, [l1, l2]) => td2::parse(l1, l2, reference),
        (MrzFormat::Td3, [l1, l2]) => td3::parse(l1, l2, reference),
        (MrzFormat::MrvA | MrzFormat::MrvB, [l1, l2]) => visa::parse(format, l1, l2, reference),
        _ => Err(MrzError::LineCount { found: lines.len() }),
    }
}

/// The format from the line count and lengths (counted in characters, so a
/// stray multi-byte character is a length or character error, never a panic).
fn detect(lines: &[&str]) -> Result<MrzFormat, MrzError> {
    let len = |i: usize| lines.get(i).map_or(0, |l| l.chars().count());
    let expect = |expected_len: usize, expected: &'static str| -> Result<(), MrzError> {
        (1..lines.len())
            .find(|&i| len(i) != expected_len)
            .map_or(Ok(()), |i| {
                Err(MrzError::LineLength {
                    line: i + 1,
                    expected,
                    found: len(i),
                })
            })
    };
    let visa = lines.first().is_some_and(|l| l.starts_with('V'));
    match lines.len() {
        0 => Err(MrzError::Empty),
        3 => {
            if len(0) != 30 {
                return Err(MrzError::LineLength {
                    line: 1,
                    expected: "30 (TD1)",
                    found: len(0),
                });
            }
            expect(30, "30 (TD1)")?;
            Ok(MrzFormat::Td1)
        }
        2 => match len(0) {
            36 => {
                expect(36, "36 like line 1 (TD2/MRV-B)")?;
                Ok(if visa {
                    MrzFormat::MrvB
                } else {
                    MrzFormat::Td2
                })
            }
            44 => {
                expect(44, "44 like line 1 (TD3/MRV-A)")?;
                Ok(if visa {
                    MrzFormat::MrvA
                } else {
                    MrzFormat::Td3
                })
            }
            found => Err(MrzError::LineLength {
                line: 1,
                expected: "36 (TD2, MRV-B) or 44 (TD3, MRV-A)",
                found,
            }),
        },
        found => Err(MrzError::LineCount { found }),
    }
}
