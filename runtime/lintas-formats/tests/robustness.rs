//! Nothing a sender can put on the wire makes the parsers panic.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "tests report failures by panicking; helpers outside #[test] fns included"
)]

use lintas_formats::date::Date;
use lintas_formats::{mrz, paxlst};
use proptest::prelude::*;
use std::path::PathBuf;

fn reference() -> Date {
    Date::new(2026, 3, 1).unwrap()
}

fn real_messages() -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/paxlst");
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "edi"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    out.sort();
    assert!(out.len() >= 2);
    out
}

#[test]
fn every_truncation_of_the_real_messages_parses() {
    for message in real_messages() {
        for end in 0..=message.len() {
            let _ = paxlst::parse(&message[..end], reference());
            let _ = paxlst::parse(&message[end..], reference());
        }
    }
}

#[test]
fn every_truncation_of_the_mrz_samples_parses() {
    let tsv = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/mrz/samples.tsv"),
    )
    .unwrap();
    for line in tsv.lines().skip(1) {
        let text = line.split('\t').next().unwrap_or_default();
        for (end, _) in text.char_indices() {
            let _ = mrz::parse(&text[..end], reference());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = paxlst::parse(&bytes, reference());
    }

    #[test]
    fn edifact_like_noise_never_panics(bytes in proptest::collection::vec(prop::sample::select(b"UNABHZTDOCNADFL+:?'* \n01".to_vec()), 0..400)) {
        let _ = paxlst::parse(&bytes, reference());
    }

    #[test]
    fn mutated_real_messages_never_panic(
        which in 0usize..2,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..12),
    ) {
        let messages = real_messages();
        let mut m = messages[which % messages.len()].clone();
        for (at, byte, op) in edits {
            if m.is_empty() { break; }
            let i = at.index(m.len());
            match op {
                0 => m[i] = byte,
                1 => { m.remove(i); }
                _ => m.insert(i, byte),
            }
        }
        if let Ok(manifest) = paxlst::parse(&m, reference()) {
            // Every finding renders.
            for f in &manifest.findings { let _ = f.to_string(); }
        }
    }

    #[test]
    fn random_text_as_mrz_never_panics(text in "[A-Z0-9<a-z|\n é]{0,100}") {
        let _ = mrz::parse(&text, reference());
    }

    #[test]
    fn mutated_mrz_never_panics(
        edits in proptest::collection::vec((0usize..89, prop::sample::select(b"0123456789ABCXYZ<".to_vec())), 0..6),
    ) {
        let mut line = b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10".to_vec();
        for (i, b) in edits {
            if i != 44 { line[i] = b; }
        }
        let text = String::from_utf8(line).unwrap();
        match mrz::parse(&text, reference()) {
            Ok(m) => prop_assert_eq!(m.checks.len(), 5),
            Err(e) => { let _ = e.to_string(); }
        }
    }
}
