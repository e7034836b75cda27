//! The shared PAXLST reference messages: their travellers, and each
//! finding their `.source.txt` describes, one by one.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "tests report failures by panicking; helpers outside #[test] fns included"
)]

use lintas_formats::date::Date;
use lintas_formats::mrz::Sex;
use lintas_formats::paxlst::{self, FindingKind, ListKind, Manifest, PartyRole, Severity};
use std::path::PathBuf;

fn data(name: &str) -> Vec<u8> {
    // runtime/lintas-formats -> repository root -> ../shared/data/paxlst
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/paxlst")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn reference() -> Date {
    Date::new(2026, 3, 1).unwrap()
}

fn parse(name: &str) -> Manifest<'static> {
    paxlst::parse(&data(name), reference())
        .unwrap()
        .into_owned()
}

fn kinds(m: &Manifest) -> Vec<FindingKind> {
    m.findings.iter().map(|f| f.kind).collect()
}

/// `<tag>value</tag>` values in document order, by simple search.
fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        rest = &rest[i + open.len()..];
        let Some(j) = rest.find(&close) else { break };
        out.push(rest[..j].replace("&apos;", "'").replace("&amp;", "&"));
        rest = &rest[j..];
    }
    out
}

const GTAS: &str = "03_gtas_multi_leg_d05b.edi";
const SMOOKS: &str = "05_smooks_cbp_ace_d03b_release_char.edi";

#[test]
fn gtas_multi_leg_travellers() {
    let m = parse(GTAS);
    assert_eq!(m.list, ListKind::Passengers);
    assert_eq!(m.envelope.message_version.as_deref(), Some("D:05B"));
    assert_eq!(m.envelope.syntax_identifier.as_deref(), Some("UNOA"));
    assert!(m.envelope.una);
    // UNA gives a space in the repetition position: `*` stays data.
    assert_eq!(m.separators.repetition, None);
    assert_eq!(m.envelope.sender.as_deref(), Some("APIS*ABE"));
    assert_eq!(m.travellers.len(), 2);
    let t = &m.travellers[0];
    assert_eq!((&*t.surname, &*t.given_names), ("BARRETT", "TODD"));
    assert_eq!(t.role, PartyRole::Passenger);
    assert_eq!(t.sex, Some(Sex::Male));
    assert_eq!(
        t.birth_date.as_ref().and_then(|d| d.date),
        Date::new(1968, 2, 23)
    );
    assert_eq!(t.nationality.as_deref(), Some("FRA"));
    assert_eq!(t.residence.as_deref(), Some("FRA"));
    assert_eq!(
        (t.embarkation.as_deref(), t.debarkation.as_deref()),
        (Some("MIA"), Some("CDG"))
    );
    assert_eq!(t.booking_reference.as_deref(), Some("GJIO3RT"));
    assert_eq!(t.references.len(), 1);
    assert_eq!(
        (&*t.references[0].qualifier, &*t.references[0].value),
        ("ABO", "UUI34T543")
    );
    let d = t.main_document().unwrap();
    assert_eq!(
        (&*d.code, &*d.number, d.issuer.as_deref()),
        ("P", "YY3478621G", Some("FRA"))
    );
    assert_eq!(
        d.expiry.as_ref().and_then(|e| e.date),
        Date::new(2008, 12, 30)
    );
    let t = &m.travellers[1];
    assert_eq!((&*t.surname, &*t.given_names), ("LANG", "KRISTIN"));
    assert_eq!(t.sex, Some(Sex::Female));
    assert_eq!(
        t.birth_date.as_ref().and_then(|d| d.date),
        Date::new(1960, 6, 6)
    );
    assert_eq!(t.nationality.as_deref(), Some("ESP"));
    assert_eq!(t.booking_reference.as_deref(), Some("GJIO3RT"));
    let d = t.main_document().unwrap();
    assert_eq!(
        (&*d.number, d.issuer.as_deref()),
        ("TRQWE99800", Some("ESP"))
    );
    assert_eq!(
        d.expiry.as_ref().and_then(|e| e.date),
        Date::new(2009, 9, 16)
    );
    assert_eq!(m.passenger_count, Some(2));
}

#[test]
fn gtas_multi_leg_flights() {
    let m = parse(GTAS);
    let legs: Vec<(&str, Option<&str>, Option<&str>, bool)> = m
        .flights
        .iter()
        .map(|f| {
            (
                f.number.as_str(),
                f.departure.as_deref(),
                f.arrival.as_deref(),
                f.border_crossing,
            )
        })
        .collect();
    assert_eq!(
        legs,
        vec![
            ("QQ877", Some("MIA"), Some("IAD"), false),
            ("QQ827", Some("IAD"), Some("JFK"), false),
            ("QQ827", Some("JFK"), Some("CDG"), true),
        ]
    );
    assert!(m.flights.iter().all(|f| f.carrier.as_deref() == Some("QQ")));
    assert_eq!(m.flights[2].departure_time.as_deref(), Some("0808102000"));
    assert_eq!(m.flights[2].arrival_time.as_deref(), Some("0808110630"));
    // The travellers arrive on the border-crossing leg's day, not the first leg's.
    assert_eq!(m.flights[0].arrival_date, Date::new(2008, 7, 10));
    assert_eq!(m.arrival_date(), Date::new(2008, 8, 11));
}

#[test]
fn gtas_multi_leg_findings() {
    let m = parse(GTAS);
    // Exactly two findings: the layout and the trailing text. The control
    // totals (UNT+46, CNT+42:2, UNE+1, UNZ+1) are consistent, so none for them.
    assert_eq!(
        kinds(&m),
        vec![
            FindingKind::WhitespaceBetweenSegments,
            FindingKind::TextAfterInterchangeEnd
        ]
    );
    let ws = &m.findings[0];
    assert_eq!(ws.severity, Severity::Info);
    // First gap: the space after the UNA on line 1.
    assert_eq!(ws.offset, 9);
    // Three "' " on line 1 (after UNA, UNB, UNG) and 47 line breaks before UNZ's.
    assert_eq!(ws.found, "spaces or line breaks in 50 places");
    let trailing = &m.findings[1];
    assert_eq!(trailing.found, "\"13Nov09\"");
    let bytes = data(GTAS);
    assert_eq!(&bytes[trailing.offset..], b"13Nov09");
}

#[test]
fn smooks_release_characters_match_the_expected_xml() {
    let m = parse(SMOOKS);
    let xml = String::from_utf8(data("05_smooks_cbp_ace_d03b_release_char.expected.xml")).unwrap();
    let ids = xml_values(&xml, "id");
    // <id> order: UNB syntax, sender, recipient, UNG sender, UNG recipient, UNH type.
    assert_eq!(ids[4], "CBP-A+CE-TEST");
    assert_eq!(m.envelope.group_recipient.as_deref(), Some(ids[4].as_str()));
    assert_eq!(m.envelope.sender.as_deref(), Some(ids[1].as_str()));
    assert_eq!(m.envelope.recipient.as_deref(), Some(ids[2].as_str()));
    let street = xml_values(&xml, "Street_and_number_or_post_office_box_identifier_-_-1");
    assert_eq!(street, vec!["11107 SUNSET HILL'S ROAD"]);
    let t = &m.travellers[0];
    assert_eq!(
        t.address.as_ref().map(|a| a.street.as_str()),
        Some(street[0].as_str())
    );
    assert_eq!(
        t.address.as_ref().map(|a| a.city.as_str()),
        xml_values(&xml, "City_name").first().map(String::as_str)
    );
    assert_eq!(t.surname, xml_values(&xml, "Party_name_-_-1")[0]);
    assert_eq!(t.given_names, xml_values(&xml, "Party_name_-_-2")[0]);
    let numbers = xml_values(&xml, "Document_identifier");
    // The first is BGM's document identifier; then the two DOC numbers.
    let docs: Vec<&str> = t.documents.iter().map(|d| &*d.number).collect();
    assert_eq!(
        docs,
        numbers[1..].iter().map(String::as_str).collect::<Vec<_>>()
    );
    let dates = xml_values(&xml, "Date_or_time_or_period_text");
    assert_eq!(
        t.birth_date.as_ref().map(|d| &*d.raw),
        Some(dates[1].as_str())
    );
}

#[test]
fn smooks_traveller_and_findings() {
    let m = parse(SMOOKS);
    assert!(!m.envelope.una);
    assert_eq!(m.envelope.syntax_version.as_deref(), Some("4"));
    assert_eq!(m.envelope.message_version.as_deref(), Some("D:03B"));
    assert_eq!(m.list, ListKind::Other("10".into()));
    assert_eq!(m.travellers.len(), 1, "the NAD+VW person is never dropped");
    let t = &m.travellers[0];
    assert_eq!(t.role, PartyRole::Other("VW".into()));
    assert_eq!(t.sex, Some(Sex::Male));
    // Four-digit year with format 102.
    assert_eq!(
        t.birth_date.as_ref().and_then(|d| d.date),
        Date::new(1935, 9, 19)
    );
    assert_eq!(t.nationality.as_deref(), Some("US"));
    let codes: Vec<&str> = t.documents.iter().map(|d| &*d.code).collect();
    assert_eq!(codes, vec!["5K", "39"]);
    assert_eq!(t.documents[0].issuer_subdivision.as_deref(), Some("VA"));
    assert_eq!(t.documents[0].issuer.as_deref(), Some("US"));
    assert_eq!(t.documents[1].issuer.as_deref(), Some("US"));
    assert_eq!(m.flights.len(), 1);
    assert_eq!(m.flights[0].carrier.as_deref(), Some("LOCK"));

    let found: Vec<(FindingKind, Option<usize>, Option<&str>, &str)> = m
        .findings
        .iter()
        .map(|f| (f.kind, f.segment, f.tag.as_deref(), f.found.as_str()))
        .collect();
    assert_eq!(
        found,
        vec![
            (FindingKind::UnknownListType, Some(4), Some("BGM"), "BGM+10"),
            (
                FindingKind::UnusualPartyQualifier,
                Some(8),
                Some("NAD"),
                "NAD+VW; kept as a traveller with role Other"
            ),
            // Syntax 4 without UNA: `*` is the repetition separator, so
            // `M*M*M*M*M` is five repetitions, not one odd code.
            (
                FindingKind::RepeatedElement,
                Some(9),
                Some("ATT"),
                "5 repetitions (syntax 4 separator `*`); the first is used"
            ),
            (
                FindingKind::TwoLetterCountryCode,
                Some(12),
                Some("NAT"),
                "US"
            ),
            (
                FindingKind::TwoLetterCountryCode,
                Some(15),
                Some("LOC"),
                "US"
            ),
            (
                FindingKind::TwoLetterCountryCode,
                Some(17),
                Some("LOC"),
                "US"
            ),
        ]
    );
    // Offsets point at the segment tags.
    let bytes = data(SMOOKS);
    for f in &m.findings {
        let tag = f.tag.as_deref().unwrap();
        assert_eq!(&bytes[f.offset..f.offset + 3], tag.as_bytes(), "{f}");
    }
}
