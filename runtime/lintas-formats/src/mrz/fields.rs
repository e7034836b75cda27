//! Field syntax shared by all MRZ layouts. Callers pass byte slices of
//! lines already checked to be `A-Z 0-9 <` and of the right length, so
//! slicing within a layout's fixed positions cannot go out of range; `get`
//! is still used so that a layout bug is an error, not a panic.

use super::check_digit::{Check, CheckField};
use super::{MrzDate, MrzError, Sex};
use crate::date::{self, Century, Date};

/// A fixed-position field: `line` is 1-based, `start..end` 0-based.
pub(super) struct Field<'a> {
    pub line: usize,
    pub start: usize,
    pub bytes: &'a [u8],
}

pub(super) fn field(
    line_no: usize,
    line: &[u8],
    start: usize,
    end: usize,
) -> Result<Field<'_>, MrzError> {
    line.get(start..end)
        .map(|bytes| Field {
            line: line_no,
            start,
            bytes,
        })
        .ok_or(MrzError::LineLength {
            line: line_no,
            expected: "the format's length",
            found: line.len(),
        })
}

pub(super) fn byte(line_no: usize, line: &[u8], at: usize) -> Result<u8, MrzError> {
    field(line_no, line, at, at + 1).map(|f| f.bytes.first().copied().unwrap_or(b'<'))
}

/// Text with leading and trailing fillers removed.
pub(super) fn text(bytes: &[u8]) -> String {
    let s: String = bytes.iter().map(|&b| char::from(b)).collect();
    s.trim_matches('<').to_string()
}

fn invalid(f: &Field<'_>, name: &'static str, expected: &'static str) -> MrzError {
    MrzError::InvalidField {
        line: f.line,
        column: f.start + 1,
        field: name,
        expected,
        found: String::from_utf8_lossy(f.bytes).into_owned(),
    }
}

/// Document code: a letter, then a letter or filler.
pub(super) fn document_code(f: &Field<'_>) -> Result<String, MrzError> {
    match f.bytes {
        [a, b] if a.is_ascii_uppercase() && (b.is_ascii_uppercase() || *b == b'<') => {
            Ok(text(f.bytes))
        }
        _ => Err(invalid(
            f,
            "document code",
            "a letter followed by a letter or `<`",
        )),
    }
}

/// A state code: 1 to 3 letters padded with `<` (`D<<`), or `<<<` if absent.
pub(super) fn country(f: &Field<'_>, name: &'static str) -> Result<String, MrzError> {
    let letters = f
        .bytes
        .iter()
        .take_while(|b| b.is_ascii_uppercase())
        .count();
    if f.bytes.iter().skip(letters).all(|&b| b == b'<') {
        Ok(text(f.bytes))
    } else {
        Err(invalid(
            f,
            name,
            "letters padded with `<` (ICAO 9303 codes, e.g. `UTO`, `D<<`)",
        ))
    }
}

pub(super) fn sex(line: usize, at: usize, b: u8) -> Result<Sex, MrzError> {
    match b {
        b'M' => Ok(Sex::Male),
        b'F' => Ok(Sex::Female),
        b'<' => Ok(Sex::Unspecified),
        other => Err(MrzError::InvalidField {
            line,
            column: at + 1,
            field: "sex",
            expected: "M, F or `<` (unspecified)",
            found: char::from(other).to_string(),
        }),
    }
}

/// `YYMMDD`, each pair two digits or `<<` (unknown).
pub(super) fn date(
    f: &Field<'_>,
    name: &'static str,
    reference: Date,
    rule: Century,
) -> Result<MrzDate, MrzError> {
    let pair = |i: usize| -> Result<Option<u8>, MrzError> {
        match f.bytes.get(i..i + 2) {
            Some(b"<<") => Ok(None),
            Some(p) => date::digits(p)
                .and_then(|v| u8::try_from(v).ok())
                .map(Some)
                .ok_or_else(|| invalid(f, name, "YYMMDD digits, `<<` for an unknown part")),
            None => Err(invalid(f, name, "six characters YYMMDD")),
        }
    };
    let (yy, month, day) = (pair(0)?, pair(2)?, pair(4)?);
    let bad_date = || MrzError::InvalidDate {
        line: f.line,
        column: f.start + 1,
        field: name,
        found: String::from_utf8_lossy(f.bytes).into_owned(),
    };
    if month.is_some_and(|m| !(1..=12).contains(&m)) || day.is_some_and(|d| !(1..=31).contains(&d))
    {
        return Err(bad_date());
    }
    let year = yy.map(|yy| date::infer_year(yy, month, day, reference, rule));
    let parsed = MrzDate {
        raw: text_raw(f.bytes),
        year,
        month,
        day,
    };
    if let (Some(y), Some(m), Some(d)) = (year, month, day)
        && Date::new(y, m, d).is_none()
    {
        return Err(bad_date());
    }
    Ok(parsed)
}

fn text_raw(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Primary and secondary identifiers: `SURNAME<<GIVEN<NAMES<<<`.
pub(super) fn names(bytes: &[u8]) -> (String, Vec<String>) {
    let s = text_raw(bytes);
    let s = s.trim_end_matches('<');
    let (primary, secondary) = s.split_once("<<").unwrap_or((s, ""));
    let surname = primary
        .split('<')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let given = secondary
        .split('<')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    (surname, given)
}

/// A document number with its check digit. For TD1/TD2, `<` in the check
/// position means the number is longer than 9 characters: it continues at the
/// start of `optional`, up to the first filler, and the last character of that
/// continuation is the check digit, computed over the whole number (without
/// the `<`). Returns the number, its check, and the rest of the optional data.
pub(super) fn document_number<'a>(
    number: &[u8],
    check: u8,
    optional: &'a [u8],
    long_numbers: bool,
) -> (String, Check, &'a [u8]) {
    if !(long_numbers && check == b'<') {
        return (
            text(number),
            Check::verify(CheckField::DocumentNumber, number, check),
            optional,
        );
    }
    let run = optional.iter().take_while(|&&b| b != b'<').count();
    match run.checked_sub(1) {
        Some(last) => {
            let (continuation, rest) = optional.split_at(run);
            let (digits, check_digit) = continuation.split_at(last);
            let mut full = number.to_vec();
            full.extend_from_slice(digits);
            let found = check_digit.first().copied().unwrap_or(b'<');
            (
                text(&full),
                Check::verify(CheckField::DocumentNumber, &full, found),
                rest,
            )
        }
        // `<` announces a continuation that is not there: nothing to verify.
        None => (
            text(number),
            Check {
                field: CheckField::DocumentNumber,
                found: '<',
                expected: None,
                ok: false,
            },
            optional,
        ),
    }
}

/// The TD3 personal number check: an empty number may carry `<` or `0`.
pub(super) fn personal_number_check(number: &[u8], check: u8) -> Check {
    let empty = number.iter().all(|&b| b == b'<');
    if empty && (check == b'<' || check == b'0') {
        return Check {
            field: CheckField::PersonalNumber,
            found: char::from(check),
            expected: Some(char::from(check)),
            ok: true,
        };
    }
    Check::verify(CheckField::PersonalNumber, number, check)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_on_fillers() {
        assert_eq!(
            names(b"ERIKSSON<<ANNA<MARIA<<<<<"),
            ("ERIKSSON".into(), vec!["ANNA".into(), "MARIA".into()])
        );
        assert_eq!(
            names(b"OSPELT<BECK<<MARISA<<<"),
            ("OSPELT BECK".into(), vec!["MARISA".into()])
        );
        assert_eq!(names(b"TEST<<<<<<<<<<"), ("TEST".into(), vec![]));
        // Truncated with no secondary identifier separator at all.
        assert_eq!(
            names(b"VERYLONGSURNAMEWITHOUTGAPS"),
            ("VERYLONGSURNAMEWITHOUTGAPS".into(), vec![])
        );
    }

    #[test]
    fn long_document_number_without_continuation_fails_its_check() {
        let (number, check, rest) = document_number(b"D23145890", b'<', b"<<<<", true);
        assert_eq!(number, "D23145890");
        assert!(!check.ok);
        assert_eq!(check.expected, None);
        assert_eq!(rest, b"<<<<");
    }

    #[test]
    fn empty_personal_number_accepts_filler_or_zero() {
        assert!(personal_number_check(b"<<<<<<<<<<<<<<", b'<').ok);
        assert!(personal_number_check(b"<<<<<<<<<<<<<<", b'0').ok);
        assert!(!personal_number_check(b"<<<<<<<<<<<<<<", b'1').ok);
        assert!(!personal_number_check(b"ZE184226B<<<<<", b'<').ok);
    }
}
