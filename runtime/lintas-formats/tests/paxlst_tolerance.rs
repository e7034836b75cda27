//! Real-data irregularities, one synthetic message each: every one is a
//! precise finding, never a crash, never a dropped traveller.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "tests report failures by panicking; helpers outside #[test] fns included"
)]

use lintas_formats::date::Date;
use lintas_formats::mrz::Sex;
use lintas_formats::paxlst::{
    self, Finding, FindingKind, ListKind, Manifest, PartyRole, PaxlstError, Severity,
};

fn reference() -> Date {
    Date::new(2026, 3, 1).unwrap()
}

fn parse(text: &[u8]) -> Manifest<'static> {
    paxlst::parse(text, reference()).unwrap().into_owned()
}

fn only<'m>(m: &'m Manifest<'_>, kind: FindingKind) -> &'m Finding {
    let found: Vec<&Finding> = m.findings_of(kind).collect();
    assert_eq!(found.len(), 1, "{kind:?} in {:#?}", m.findings);
    found[0]
}

/// A minimal valid passenger list around `travellers` segments.
fn message(travellers: &str, cnt: usize, extra_segments: usize) -> String {
    let body_segments = travellers.matches('\'').count();
    let unt = 4 + body_segments + extra_segments;
    format!(
        "UNA:+.? 'UNB+UNOA:4+AIR+GOV+260301:0700+7'UNH+1+PAXLST:D:05B:UN:IATA'BGM+745'{travellers}CNT+42:{cnt}'UNT+{unt}+1'UNZ+1+7'"
    )
}

const ONE: &str = "NAD+FL+++TAN:WEI LING'ATT+2++F'DTM+329:900101'NAT+2+MYS'DOC+P+A1234567'DTM+36:300101'LOC+91+MYS'";

#[test]
fn a_clean_message_has_no_findings() {
    let m = parse(message(ONE, 1, 0).as_bytes());
    assert!(m.findings.is_empty(), "{:#?}", m.findings);
    let t = &m.travellers[0];
    assert_eq!((&*t.surname, &*t.given_names), ("TAN", "WEI LING"));
    assert_eq!(t.sex, Some(Sex::Female));
    assert_eq!(
        t.documents[0].expiry.as_ref().and_then(|d| d.date),
        Date::new(2030, 1, 1)
    );
}

#[test]
fn wrong_unt_count() {
    let m = parse(message(ONE, 1, 3).as_bytes());
    let f = only(&m, FindingKind::SegmentCountMismatch);
    assert_eq!(
        (f.expected.as_str(), f.found.as_str()),
        ("UNT+11 (segments UNH to UNT inclusive)", "UNT+14")
    );
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.tag.as_deref(), Some("UNT"));
}

#[test]
fn wrong_passenger_count() {
    let m = parse(message(ONE, 3, 0).as_bytes());
    let f = only(&m, FindingKind::PassengerCountMismatch);
    assert_eq!(
        (f.expected.as_str(), f.found.as_str()),
        ("CNT+42:1 (1 passengers listed)", "CNT+42:3")
    );
}

#[test]
fn crew_count_and_crew_in_passenger_list() {
    let text = message(&format!("{ONE}NAD+FM+++LIM:ALAN'DOC+P+B7654321'"), 1, 0)
        .replace("CNT+42:1'", "CNT+42:1'CNT+41:2'");
    let m = parse(text.as_bytes());
    assert_eq!(m.travellers[1].role, PartyRole::Crew);
    assert_eq!(only(&m, FindingKind::RoleNotInList).found, "NAD+FM");
    let f = only(&m, FindingKind::CrewCountMismatch);
    assert_eq!(f.found, "CNT+41:2");
    // The UNT count includes the extra CNT.
    assert_eq!(m.findings_of(FindingKind::SegmentCountMismatch).count(), 1);
}

#[test]
fn crew_list() {
    let text = message("NAD+FM+++LIM:ALAN'DOC+P+B7654321'", 0, 0)
        .replace("BGM+745", "BGM+250")
        .replace("CNT+42:0", "CNT+41:1");
    let m = parse(text.as_bytes());
    assert_eq!(m.list, ListKind::Crew);
    assert_eq!(m.crew_count, Some(1));
    assert!(m.findings.is_empty(), "{:#?}", m.findings);
}

#[test]
fn missing_doc_keeps_the_traveller() {
    let m = parse(message("NAD+FL+++DOE:JANE'NAT+2+PHL'", 1, 0).as_bytes());
    assert_eq!(m.travellers.len(), 1);
    let f = only(&m, FindingKind::MissingDocument);
    assert_eq!((f.segment, f.tag.as_deref()), (Some(4), Some("NAD")));
    assert_eq!(f.found, "no DOC for DOE JANE");
    // Offset of the NAD tag.
    let text = message("NAD+FL+++DOE:JANE'NAT+2+PHL'", 1, 0);
    assert_eq!(&text.as_bytes()[f.offset..f.offset + 3], b"NAD");
}

#[test]
fn lower_case_and_non_ascii_names() {
    let text = message("NAD+FL+++Nguyễn:Thị Mai'DOC+P+C1'", 1, 0);
    let m = parse(text.as_bytes());
    assert_eq!(m.travellers[0].surname, "Nguyễn");
    assert_eq!(only(&m, FindingKind::LowerCaseName).found, "Nguyễn:Thị Mai");
    let f = only(&m, FindingKind::NonAsciiText);
    assert_eq!(f.found, "byte 0xE1");
    assert_eq!(text.as_bytes()[f.offset], 0xE1);
    // Declared UTF-8: non-ASCII is expected, not a finding.
    let m = parse(text.replace("UNOA", "UNOW").as_bytes());
    assert_eq!(m.findings_of(FindingKind::NonAsciiText).count(), 0);
}

#[test]
fn latin1_bytes_are_read_not_rejected() {
    let mut bytes = message("NAD+FL+++M\u{1}LLER:HANS'DOC+P+C1'", 1, 0).into_bytes();
    let at = bytes.iter().position(|&b| b == 1).unwrap();
    bytes[at] = 0xDC; // Ü in ISO 8859-1
    let m = parse(&bytes);
    assert_eq!(m.travellers[0].surname, "M\u{DC}LLER");
    assert_eq!(only(&m, FindingKind::NonAsciiText).offset, at);
    let declared: Vec<u8> = String::from_utf8_lossy(&bytes)
        .replace("UNOA", "UNOC")
        .bytes()
        .collect();
    assert!(!declared.is_empty());
}

#[test]
fn two_letter_codes_and_unknown_qualifiers() {
    let m = parse(message("NAD+ZZ+++X:Y'NAT+2+MY'DOC+P+C1'LOC+91+MY'", 0, 0).as_bytes());
    assert_eq!(m.travellers[0].role, PartyRole::Other("ZZ".into()));
    assert_eq!(m.findings_of(FindingKind::TwoLetterCountryCode).count(), 2);
    assert_eq!(
        only(&m, FindingKind::UnusualPartyQualifier).tag.as_deref(),
        Some("NAD")
    );
}

#[test]
fn line_breaks_and_text_after_unz() {
    let text = message(ONE, 1, 0).replace('\'', "'\r\n") + "garbage";
    let m = parse(text.as_bytes());
    assert_eq!(m.travellers.len(), 1);
    assert!(
        only(&m, FindingKind::WhitespaceBetweenSegments)
            .found
            .contains("places")
    );
    assert_eq!(
        only(&m, FindingKind::TextAfterInterchangeEnd).found,
        "\"garbage\""
    );
    assert_eq!(m.findings.len(), 2, "{:#?}", m.findings);
}

#[test]
fn custom_separators_and_release() {
    let text = "UNA|^,! #UNB^UNOA|4^A^B^260301|0700^1#UNH^1^PAXLST|D|02B|UN|IATA#BGM^745#NAD^FL^^^O'NEIL!^JR|ANN!|MARIE#DOC^P^X1#CNT^42|1#UNT^6^1#UNZ^1^1#";
    let m = parse(text.as_bytes());
    assert!(m.findings.is_empty(), "{:#?}", m.findings);
    let t = &m.travellers[0];
    assert_eq!((&*t.surname, &*t.given_names), ("O'NEIL^JR", "ANN|MARIE"));
    assert_eq!(m.envelope.message_version.as_deref(), Some("D:02B"));
}

#[test]
fn duplicate_documents_and_duplicate_values() {
    let two = "NAD+FL+++A:B'NAT+2+THA'NAT+2+LAO'DOC+P+Z9'NAD+FL+++C:D'DOC+P+Z9'";
    let m = parse(message(two, 2, 0).as_bytes());
    assert_eq!(m.travellers[0].nationality.as_deref(), Some("THA"));
    assert_eq!(only(&m, FindingKind::DuplicateValue).found, "LAO");
    assert_eq!(
        only(&m, FindingKind::DuplicateDocumentNumber).found,
        "DOC P Z9 also at segment 7"
    );
}

#[test]
fn broken_framing_is_reported() {
    // Unterminated last segment, dangling release character, bad tag.
    let m = parse(b"UNB+UNOA:4+A+B'UNH+1+PAXLST'bad+x'NAD+FL+++A:B'DOC+P+1?");
    assert_eq!(m.travellers.len(), 1);
    assert_eq!(only(&m, FindingKind::MalformedSegmentTag).segment, Some(3));
    only(&m, FindingKind::DanglingReleaseCharacter);
    only(&m, FindingKind::UnterminatedSegment);
    assert_eq!(
        only(&m, FindingKind::MissingServiceSegment).found,
        "no UNT, UNZ"
    );
}

#[test]
fn dates_in_every_form() {
    let t = "NAD+FL+++A:B'DTM+329:19991231:102'DOC+P+1'DTM+36:3001011200:201'NAD+FL+++C:D'DTM+329:991332'DOC+P+2'";
    let m = parse(message(t, 2, 0).as_bytes());
    assert_eq!(
        m.travellers[0].birth_date.as_ref().and_then(|d| d.date),
        Date::new(1999, 12, 31)
    );
    assert_eq!(
        m.travellers[0].documents[0]
            .expiry
            .as_ref()
            .and_then(|d| d.date),
        Date::new(2030, 1, 1)
    );
    assert_eq!(
        m.travellers[1]
            .birth_date
            .as_ref()
            .map(|d| (&*d.raw, d.date)),
        Some(("991332", None))
    );
    assert!(only(&m, FindingKind::InvalidDate).found.contains("991332"));
}

#[test]
fn not_edifact_is_an_error() {
    assert_eq!(paxlst::parse(b"", reference()), Err(PaxlstError::Empty));
    assert_eq!(
        paxlst::parse(b" \n\t", reference()),
        Err(PaxlstError::Empty)
    );
    let e = paxlst::parse(b"hello world", reference()).unwrap_err();
    assert!(matches!(e, PaxlstError::NoSegments { .. }));
    assert!(e.to_string().contains("hello world"));
}
