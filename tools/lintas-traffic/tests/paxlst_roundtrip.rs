//! generate -> PAXLST (several separator sets) -> parse with lintas-formats
//! -> the same travellers.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "tests report failures by panicking; helpers outside #[test] fns included"
)]

use lintas_formats::date::Date;
use lintas_formats::paxlst::{self, FindingKind, PartyRole, Severity};
use lintas_traffic::{Config, Generator, Separators, Traveller, to_paxlst};

fn separator_sets() -> Vec<Separators> {
    vec![
        Separators::default(),
        // Syntax 4 repetition separator declared.
        Separators {
            repetition: Some('*'),
            ..Separators::default()
        },
        // Everything redefined; newline as terminator, `-` (in names like
        // Ji-woo) as component separator.
        Separators {
            component: '-',
            element: '|',
            decimal: ',',
            release: '!',
            repetition: Some('~'),
            segment: '\n',
        },
        Separators {
            component: '^',
            element: '#',
            decimal: '.',
            release: '\\',
            repetition: None,
            segment: '~',
        },
    ]
}

fn arrival() -> Date {
    Date::new(2026, 3, 1).unwrap()
}

fn assert_same(generated: &[Traveller], text: &str, context: &str) {
    let m = paxlst::parse(text.as_bytes(), arrival()).unwrap_or_else(|e| panic!("{context}: {e}"));
    let serious: Vec<String> = m
        .findings
        .iter()
        .filter(|f| f.severity > Severity::Info)
        .map(ToString::to_string)
        .collect();
    assert!(serious.is_empty(), "{context}: {serious:#?}");
    assert_eq!(m.travellers.len(), generated.len(), "{context}");
    assert_eq!(m.flights.len(), 1, "{context}");
    let f = &m.flights[0];
    assert_eq!(
        (f.number.as_str(), f.carrier.as_deref()),
        ("MH603", Some("MH")),
        "{context}"
    );
    assert_eq!(
        (f.departure.as_deref(), f.arrival.as_deref()),
        (Some("KUL"), Some("SIN")),
        "{context}"
    );
    assert_eq!(f.departure_time.as_deref(), Some("2603010800"), "{context}");
    assert_eq!(
        m.passenger_count,
        Some(u32::try_from(generated.len()).unwrap())
    );
    for (g, p) in generated.iter().zip(&m.travellers) {
        let ctx = format!("{context}: {}", g.name);
        let full = format!("{} {}", p.given_names, p.surname);
        assert_eq!(full.trim(), g.name.to_uppercase(), "{ctx}");
        assert_eq!(p.role, PartyRole::Passenger, "{ctx}");
        assert_eq!(
            p.birth_date.as_ref().and_then(|d| d.date),
            Date::parse_iso(&g.birth_date),
            "{ctx}"
        );
        assert_eq!(
            p.nationality.as_deref(),
            Some(g.nationality.as_str()),
            "{ctx}"
        );
        assert_eq!(
            p.booking_reference.as_deref(),
            Some(g.booking.reference.as_str()),
            "{ctx}"
        );
        let doc = &p.documents[0];
        assert_eq!(doc.number, g.document.number, "{ctx}");
        assert_eq!(
            doc.code,
            if g.document.kind == "passport" {
                "P"
            } else {
                "T"
            },
            "{ctx}"
        );
        assert_eq!(
            doc.issuer.as_deref(),
            Some(g.document.issuer.as_str()),
            "{ctx}"
        );
        assert_eq!(
            doc.expiry.as_ref().and_then(|d| d.date),
            Date::parse_iso(&g.document.expiry),
            "{ctx}"
        );
        match &g.visa {
            Some(v) => {
                assert_eq!(p.documents.len(), 2, "{ctx}");
                assert_eq!(p.documents[1].code, "V");
                assert_eq!(p.documents[1].number, v.number);
                assert_eq!(
                    p.documents[1].expiry.as_ref().and_then(|d| d.date),
                    Date::parse_iso(&v.valid_until)
                );
            }
            None => assert_eq!(p.documents.len(), 1, "{ctx}"),
        }
    }
}

#[test]
fn generated_manifests_round_trip_under_every_separator_set() {
    for seed in [1, 2, 3] {
        let travellers = Generator::new(Config::new(seed)).manifest(120);
        for (i, seps) in separator_sets().iter().enumerate() {
            let text = to_paxlst(&travellers, seps);
            assert_same(
                &travellers,
                &text,
                &format!("seed {seed}, separator set {i}"),
            );
        }
    }
}

#[test]
fn names_with_service_characters_are_released_and_recovered() {
    let mut travellers = Generator::new(Config::new(9)).manifest(6);
    let names = [
        "Siobhan O'Neil",
        "A+B Plus",
        "What? Why?",
        "Colon: Name",
        "Star*Name Test",
        "Back\\slash Tilde~Bar|Hash#",
    ];
    for (t, n) in travellers.iter_mut().zip(names) {
        t.name = n.to_string();
    }
    for (i, seps) in separator_sets().iter().enumerate() {
        let text = to_paxlst(&travellers, seps);
        assert_same(&travellers, &text, &format!("separator set {i}"));
    }
    let text = to_paxlst(&travellers[..1], &Separators::default());
    assert!(text.contains("NAD+FL+++O?'NEIL:SIOBHAN'"), "{text}");
}

#[test]
fn non_ascii_names_declare_utf8() {
    let travellers = Generator::new(Config::new(4)).manifest(300);
    assert!(
        travellers.iter().any(|t| !t.name.is_ascii()),
        "the sample should carry non-ASCII names"
    );
    let text = to_paxlst(&travellers, &Separators::default());
    assert!(text.contains("UNB+UNOW:4+"));
    let m = paxlst::parse(text.as_bytes(), arrival()).unwrap();
    assert_eq!(m.findings_of(FindingKind::NonAsciiText).count(), 0);
    assert_same(&travellers, &text, "UNOW");
}
