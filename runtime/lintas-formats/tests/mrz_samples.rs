//! Every sample of the shared reference data (`samples.tsv`), field by field
//! and check by check.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "tests report failures by panicking; helpers outside #[test] fns included"
)]

use lintas_formats::date::Date;
use lintas_formats::mrz::{self, MrzError, MrzFormat, Sex};
use std::path::PathBuf;

fn data_dir() -> PathBuf {
    // runtime/lintas-formats -> repository root -> ../shared/data
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

fn reference() -> Date {
    Date::new(2026, 3, 1).unwrap()
}

struct Sample {
    line: usize,
    mrz: String,
    doc_type: String,
    fields: Vec<(String, String)>,
    validity: String,
}

fn samples() -> Vec<Sample> {
    let path = data_dir().join("mrz/samples.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .enumerate()
        .skip(1)
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert!(
                cols.len() >= 4,
                "samples.tsv line {}: fewer than 4 columns",
                i + 1
            );
            Sample {
                line: i + 1,
                mrz: cols[0].to_string(),
                doc_type: cols[1].to_string(),
                fields: cols[2]
                    .split(';')
                    .filter(|kv| !kv.is_empty())
                    .map(|kv| {
                        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                        (k.to_string(), v.to_string())
                    })
                    .collect(),
                validity: cols[3].to_string(),
            }
        })
        .collect()
}

/// The reference data keeps fillers (`P<`, `D<<`, `L898902C<`); the parser removes them.
fn unfilled(v: &str) -> &str {
    v.trim_matches('<')
}

#[test]
fn every_sample_parses_with_the_expected_fields_and_checks() {
    let samples = samples();
    assert!(
        samples.len() >= 25,
        "expected the full sample set, found {}",
        samples.len()
    );
    let mut checked_fields = 0;
    for s in &samples {
        let ctx = format!("samples.tsv line {} ({})", s.line, s.mrz);
        if s.validity == "INVALID_FORMAT" {
            assert!(
                mrz::parse(&s.mrz, reference()).is_err(),
                "{ctx}: must be rejected"
            );
            continue;
        }
        let m = mrz::parse(&s.mrz, reference()).unwrap_or_else(|e| panic!("{ctx}: {e}"));
        assert_eq!(m.format.name(), s.doc_type, "{ctx}: format");
        for (k, v) in &s.fields {
            let actual = match k.as_str() {
                "doc_code" => m.document_code.clone(),
                "issuer" => m.issuer.clone(),
                "doc_no" => m.document_number.clone(),
                "nationality" => m.nationality.clone(),
                "dob" => m.birth_date.raw.clone(),
                "expiry" => m.expiry_date.raw.clone(),
                "sex" => match m.sex {
                    Sex::Male => "M",
                    Sex::Female => "F",
                    Sex::Unspecified => "<",
                }
                .to_string(),
                "surname" => m.surname.clone(),
                "given" => m.given_names_joined(),
                "personal_no" | "optional" | "opt1" => m.optional_data.clone(),
                "opt2" => m.optional_data_2.clone(),
                other => panic!("{ctx}: unknown expected field {other}"),
            };
            let expected = if k == "sex" { v.as_str() } else { unfilled(v) };
            assert_eq!(actual, expected, "{ctx}: field {k}");
            checked_fields += 1;
        }
        let (ok, list) = s
            .validity
            .strip_suffix(')')
            .and_then(|v| v.split_once('('))
            .unwrap_or_else(|| panic!("{ctx}: unreadable validity {}", s.validity));
        let names: Vec<&str> = list.split(',').collect();
        match ok {
            "check_digits_ok" => {
                assert!(m.is_valid(), "{ctx}: failed {:?}", m.checks);
                let present: Vec<&str> = m.checks.iter().map(|c| c.field.short_name()).collect();
                assert_eq!(present, names, "{ctx}: the checks the format has");
            }
            "CHECK_DIGIT_FAIL" => {
                let failed: Vec<&str> = m.failed_checks().iter().map(|c| c.short_name()).collect();
                assert_eq!(failed, names, "{ctx}: failed checks");
            }
            other => panic!("{ctx}: unknown validity {other}"),
        }
    }
    assert!(
        checked_fields > 250,
        "only {checked_fields} fields compared"
    );
}

#[test]
fn specimen_td3_in_detail() {
    let m = mrz::parse(
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
        reference(),
    )
    .unwrap();
    assert_eq!(m.format, MrzFormat::Td3);
    assert_eq!(m.birth_date.date(), Date::new(1974, 8, 12));
    assert_eq!(m.expiry_date.date(), Date::new(2012, 4, 15));
    assert_eq!(m.given_names, vec!["ANNA", "MARIA"]);
    assert!(!m.birth_date.is_partial());
}

#[test]
fn wrong_personal_check_names_the_digits() {
    let m = mrz::parse(
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<20",
        reference(),
    )
    .unwrap();
    let personal = &m.checks[3];
    assert_eq!(
        (personal.found, personal.expected, personal.ok),
        ('2', Some('1'), false)
    );
    assert!(
        personal
            .to_string()
            .contains("personal number check digit is '2'")
    );
}

#[test]
fn german_issuer_is_d() {
    let m = mrz::parse(
        "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<|C01X0006H1D<<6408125F1710319<<<<<<<<<<<<<<<0",
        reference(),
    )
    .unwrap();
    assert_eq!((m.issuer.as_str(), m.nationality.as_str()), ("D", "D"));
}

#[test]
fn partial_dates_are_reported_not_completed() {
    // Birth month and day unknown; check digits recomputed for the new text.
    let dob = "74<<<<";
    let dob_check = char::from(mrz::check_digit(dob.as_bytes()).unwrap());
    let mut l2 = format!("L898902C36UTO{dob}{dob_check}F1204159ZE184226B<<<<<1");
    let composite = [
        &l2.as_bytes()[0..10],
        &l2.as_bytes()[13..20],
        &l2.as_bytes()[21..43],
    ]
    .concat();
    l2.push(char::from(mrz::check_digit(&composite).unwrap()));
    let m = mrz::parse(
        &format!("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n{l2}"),
        reference(),
    )
    .unwrap();
    assert!(m.is_valid(), "{:?}", m.checks);
    assert!(m.birth_date.is_partial());
    assert_eq!(m.birth_date.year, Some(1974));
    assert_eq!((m.birth_date.month, m.birth_date.day), (None, None));
    assert_eq!(m.birth_date.date(), None);
}

#[test]
fn centuries_follow_the_reference_date() {
    let text =
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    let early = mrz::parse(text, Date::new(1995, 1, 1).unwrap()).unwrap();
    assert_eq!(early.birth_date.year, Some(1974));
    assert_eq!(early.expiry_date.year, Some(2012));
    let late = mrz::parse(text, Date::new(2095, 1, 1).unwrap()).unwrap();
    assert_eq!(late.birth_date.year, Some(2074));
    assert_eq!(late.expiry_date.year, Some(2112));
}

#[test]
fn malformed_input_is_a_clear_error() {
    let td3_2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    let cases: Vec<(String, MrzError)> = vec![
        (String::new(), MrzError::Empty),
        ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<".into(), MrzError::LineCount { found: 1 }),
        (
            format!("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<\n{td3_2}"),
            MrzError::LineLength { line: 1, expected: "36 (TD2, MRV-B) or 44 (TD3, MRV-A)", found: 43 },
        ),
        (
            format!("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n{td3_2}<"),
            MrzError::LineLength { line: 2, expected: "44 like line 1 (TD3/MRV-A)", found: 45 },
        ),
        (
            format!("P<UTOEriksson<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n{td3_2}"),
            MrzError::LowerCase { line: 1, column: 7, found: 'r' },
        ),
        (
            format!("P<UTOERIKSSON<<ANNA MARIA<<<<<<<<<<<<<<<<<<<\n{td3_2}"),
            MrzError::InvalidCharacter { line: 1, column: 20, found: ' ' },
        ),
        (
            format!("P<U1OERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n{td3_2}"),
            MrzError::InvalidField {
                line: 1,
                column: 3,
                field: "issuing state",
                expected: "letters padded with `<` (ICAO 9303 codes, e.g. `UTO`, `D<<`)",
                found: "U1O".into(),
            },
        ),
        (
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7413122F1204159ZE184226B<<<<<10".into(),
            MrzError::InvalidDate { line: 2, column: 14, field: "birth date", found: "741312".into() },
        ),
        (
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122X1204159ZE184226B<<<<<10".into(),
            MrzError::InvalidField { line: 2, column: 21, field: "sex", expected: "M, F or `<` (unspecified)", found: "X".into() },
        ),
        (
            "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6".into(),
            MrzError::LineLength { line: 1, expected: "36 (TD2, MRV-B) or 44 (TD3, MRV-A)", found: 30 },
        ),
        ("A\nB\nC\nD".into(), MrzError::LineCount { found: 4 }),
        (
            "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<é".into(),
            MrzError::LineLength { line: 3, expected: "30 (TD1)", found: 31 },
        ),
    ];
    for (text, expected) in cases {
        let got = mrz::parse(&text, reference());
        assert_eq!(got.as_ref().err(), Some(&expected), "{text:?}");
        assert!(!expected.to_string().is_empty());
    }
}

#[test]
fn multibyte_characters_are_errors_not_panics() {
    let l1 = "P<UTOERIKSSÖN<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    let err = mrz::parse(
        &format!("{l1}\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"),
        reference(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        MrzError::InvalidCharacter {
            line: 1,
            column: 12,
            found: 'Ö'
        }
    );
}
