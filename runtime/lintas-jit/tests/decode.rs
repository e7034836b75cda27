//! The fast decoder against the reference decoder, on the repository's rule
//! packages and on a package with a field of every type
//! (`tests/data/decode`): for every JSON text the reference decoder accepts,
//! the fast decoder must append exactly the words that decoding with it and
//! then `Words::push` give; for every text it rejects, the fast decoder must
//! give its first error.
//!
//! Inputs are the sample travellers, the evaluation fixtures, records
//! generated from each schema, and thousands of mutations of both (seeded,
//! so a failure always comes back).
#![allow(
    clippy::panic,
    clippy::expect_used,
    reason = "tests report failures by panicking"
)]

use lintas_check::hir::Program;
use lintas_check::types::{RecordId, Ty as CheckedTy};
use lintas_eval::decode::{self, DecodeError, DecodeOptions};
use lintas_ir::layout::{Interner, Words};
use lintas_ir::{Module, Ty};
use lintas_jit::FastDecoder;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Package {
    name: String,
    program: Program,
    module: Module,
    interner: Interner,
    decoder: FastDecoder,
    schema: u32,
}

fn load(dir: &Path, decision: &str) -> Package {
    let ws = lintas_load::load_paths(&[dir.to_path_buf()]).expect("load");
    let root = *ws.roots.first().expect("a package");
    let result = lintas_check::check_package(&ws, root);
    assert!(
        !result.has_errors(),
        "{dir:?} has errors: {:?}",
        result.diagnostics
    );
    let program = result.program;
    let module = lintas_ir::compile(&program).expect("compile");
    let interner = Interner::new(&module.texts, &module.countries);
    let decoder = FastDecoder::new(&program, &module);
    let schema = module
        .decisions
        .iter()
        .find(|d| d.name == decision)
        .unwrap_or_else(|| panic!("{dir:?} has no decision `{decision}`"))
        .schema;
    Package {
        name: dir.display().to_string(),
        program,
        module,
        interner,
        decoder,
        schema,
    }
}

fn packages() -> Vec<Package> {
    vec![
        load(&repo().join("rules/reference"), "admission"),
        load(&repo().join("rules/asean"), "admission"),
        load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/decode"),
            "check",
        ),
    ]
}

/// What the reference decoder made of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Accepted,
    Rejected(&'static str),
}

/// The one check: the fast decoder agrees with the reference decoder on
/// `json`, appending to `prefix` (words decoded before).
fn check_onto(p: &Package, json: &str, strict: bool, prefix: &Words) -> Verdict {
    let reference = decode::decode(
        &p.program,
        &CheckedTy::Record(RecordId(p.schema)),
        json,
        DecodeOptions { strict },
    );
    let mut fast_words = prefix.clone();
    let fast = p.decoder.decode(
        &p.module,
        &p.interner,
        p.schema,
        json,
        strict,
        &mut fast_words,
    );
    let context = || format!("{} (strict: {strict})\n{json}", p.name);
    match reference {
        Ok(value) => {
            let mut expected = prefix.clone();
            let at = expected
                .push(&value, &Ty::Rec(p.schema), &p.module.layouts, &p.interner)
                .unwrap_or_else(|e| panic!("Words::push failed: {e}\n{}", context()));
            assert_eq!(fast, Ok(at), "{}", context());
            assert_eq!(fast_words, expected, "{}", context());
            Verdict::Accepted
        }
        Err(errors) => {
            let first: &DecodeError = errors.first().expect("an error");
            assert_eq!(fast.as_ref().err(), Some(first), "{}", context());
            assert_eq!(&fast_words, prefix, "words changed on error: {}", context());
            Verdict::Rejected(first.kind.as_str())
        }
    }
}

fn check(p: &Package, json: &str, strict: bool) -> Verdict {
    check_onto(p, json, strict, &Words::default())
}

/// Counts of what the reference decoder said, to show that a sweep
/// reached both verdicts and every kind of error it is meant to.
#[derive(Default)]
struct Tally(BTreeMap<Verdict, usize>);

impl Tally {
    fn add(&mut self, verdict: Verdict) {
        *self.0.entry(verdict).or_default() += 1;
    }

    fn total(&self) -> usize {
        self.0.values().sum()
    }

    fn count(&self, verdict: Verdict) -> usize {
        self.0.get(&verdict).copied().unwrap_or(0)
    }

    fn report(&self, what: &str) {
        eprintln!("{what}: {} cases: {:?}", self.total(), self.0);
    }
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path:?}: {e}"))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

fn samples(p: &Package) -> Vec<String> {
    if p.name.ends_with("rules/reference") {
        lines(&repo().join("rules/reference/sample/travellers.jsonl"))
    } else if p.name.ends_with("rules/asean") {
        lines(&repo().join("rules/asean/sample/travellers.jsonl"))
    } else {
        Vec::new()
    }
}

#[test]
fn sample_travellers_give_the_same_words() {
    for p in &packages()[..2] {
        let records = samples(p);
        assert_eq!(records.len(), 1000, "{}", p.name);
        let mut tally = Tally::default();
        for record in &records {
            tally.add(check(p, record, false));
            tally.add(check(p, record, true));
        }
        tally.report(&p.name);
        // Every sample is a valid traveller; strict mode may refuse the
        // fields a package does not declare.
        assert!(tally.count(Verdict::Accepted) * 2 >= tally.total());
    }
}

#[test]
fn records_append_after_earlier_ones() {
    // One `Words` for many records, as a batch holds them: positions,
    // relocations and foreign-text ids continue from what is there.
    for p in &packages()[..2] {
        let mut fast = Words::default();
        let mut expected = Words::default();
        for record in samples(p).iter().take(200) {
            let value = decode::decode(
                &p.program,
                &CheckedTy::Record(RecordId(p.schema)),
                record,
                DecodeOptions::default(),
            )
            .expect("a sample decodes");
            let at = expected
                .push(&value, &Ty::Rec(p.schema), &p.module.layouts, &p.interner)
                .expect("push");
            let got = p
                .decoder
                .decode(&p.module, &p.interner, p.schema, record, false, &mut fast)
                .expect("fast decode");
            assert_eq!(got, at);
            check_onto(p, record, false, &expected);
        }
        assert_eq!(fast, expected, "{}", p.name);
        assert!(!expected.foreign_texts.is_empty());
    }
}

#[test]
fn evaluation_fixtures_give_the_same_result() {
    let mut tally = Tally::default();
    for p in &packages()[..2] {
        for file in ["records.jsonl", "bad_records.jsonl"] {
            for record in lines(&repo().join("tests/data/eval").join(file)) {
                tally.add(check(p, &record, false));
                tally.add(check(p, &record, true));
            }
        }
    }
    tally.report("tests/data/eval");
    assert!(tally.count(Verdict::Accepted) > 0);
    for kind in [
        "missing_field",
        "wrong_type",
        "duplicate_field",
        "syntax",
        "too_deep",
    ] {
        assert!(tally.count(Verdict::Rejected(kind)) > 0, "no {kind}");
    }
}

/// Hand-picked texts for the package with every type, each with the
/// verdict the reference decoder gives (checked, so the table also pins
/// down its behaviour).
#[test]
fn every_type_decodes_alike() {
    let p = packages().pop().expect("the types package");
    let base = |fields: &str| {
        format!(
            r#"{{"amount": 1, "count": 2, "level": "low", "note": "n"{}{fields}}}"#,
            if fields.is_empty() { "" } else { ", " }
        )
    };
    let accepted = [
        base(""),
        base(r#""amount": 12.5"#).replacen(r#""amount": 1, "#, "", 1),
        base(r#""limit": "12.5", "since": "2024-02-29", "home": "D""#),
        base(r#""limit": 2.50000, "wait": null, "extra": null, "detours": null"#),
        base(r#""limit": 1e2, "tags": ["vip", "caf\u00e9", "a\"b", "\ud83d\ude00", "vip"]"#),
        base(r#""limit": -0.0001, "matrix": [[1, 2], [], [3]], "flags": [true, null, false]"#),
        base(
            r#""legs": [{"from": "THA", "to": "D", "fare": 0.5, "stops": ["x", "crew"]}, {"to": "SGP", "from": "\u0044EU", "stops": []}]"#,
        ),
        base(
            r#""extra": {"level": "high", "codes": ["low", "high"], "inner": {"from": "XXA", "to": "IDN", "stops": ["y"]}}"#,
        ),
        base(r#""detours": [{"from": "THA", "to": "LAO"}], "tags": [], "note": "two""#).replacen(
            r#""note": "n", "#,
            "",
            1,
        ),
        // Read through a double: accepted as 12345678901234.568, not as sent.
        base(r#""limit": 12345678901234.5678"#),
        base(r#""limit": -0"#),
        base(r#""limit": 123456789012345.0"#),
    ];
    for json in &accepted {
        assert_eq!(check(&p, json, true), Verdict::Accepted, "{json}");
    }
    let rejected = [
        (base(r#""limit": 0.12345"#), "out_of_range"),
        // The largest Decimal, as a JSON number, rounds up past it.
        (base(r#""limit": 922337203685477.5807"#), "out_of_range"),
        (base(r#""limit": 1e400"#), "syntax"),
        (base(r#""limit": "1e2""#), "out_of_range"),
        (base(r#""limit": 922337203685478"#), "out_of_range"),
        (base(r#""limit": 99999999999999999999"#), "out_of_range"),
        (base(r#""count": 1.0"#), "wrong_type"),
        (base(r#""count": -0"#), "wrong_type"),
        (base(r#""count": 9.21e18"#), "out_of_range"),
        (base(r#""count": 9223372036854775808"#), "out_of_range"),
        (base(r#""count": 1.5"#), "wrong_type"),
        (base(r#""wait": 3"#), "wrong_type"),
        (base(r#""wait": "6 months""#), "wrong_type"),
        (base(r#""flags": [true, 1]"#), "wrong_type"),
        (base(r#""extra": true"#), "wrong_type"),
        (base(r#""since": "2025-02-30""#), "bad_date"),
        (base(r#""home": "ZZZ""#), "unknown_country"),
        (base(r#""level": "LOW""#), "unknown_enum_value"),
        (base(r#""note": "\ud800""#), "syntax"),
        (base(r#""unknown": "\ud800""#), "unknown_field"),
        (base(r#""unknown": 1e400"#), "unknown_field"),
        (base(r#""tags": {"a": [1, {"b": 2}]}"#), "wrong_type"),
        (base(r#""tags": {"\ud800": 1}"#), "syntax"),
        (base(r#""legs": [{"from": "THA"}]"#), "missing_field"),
        (base(r#""count": 3"#), "duplicate_field"),
        (base(r#""note": null"#), "missing_field"),
    ];
    for (json, kind) in &rejected {
        assert_eq!(check(&p, json, true), Verdict::Rejected(kind), "{json}");
        check(&p, json, false);
    }
}

/// SplitMix64: small, seeded, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn text(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len())]
    }
}

/// Values of every kind, well and badly formed, to put where a value goes.
const ODD_VALUES: &[&str] = &[
    "null",
    "true",
    "false",
    "0",
    "-0",
    "1",
    "-1",
    "7",
    "42",
    "1.5",
    "-1.5",
    "0.1",
    "1.0",
    "1e2",
    "1E2",
    "1e-2",
    "1.5e1",
    "2.50000",
    "0.12345",
    "0.123450",
    "1.23456789",
    "0.0001",
    "0.00001",
    "-0.0",
    "12345678901234.5678",
    "922337203685477.5807",
    "922337203685477.5808",
    "922337203685477",
    "922337203685478",
    "123456789012345678",
    "1234567890123456789",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999",
    "100000000000000000000000000000.5",
    "1e400",
    "-1e400",
    "1e-400",
    "0e999",
    "1e99999999999",
    "9.2e18",
    "9.21e18",
    "9.3e18",
    "1e19",
    "00",
    "01",
    "-",
    "1.",
    ".5",
    "1e",
    "1e+",
    "+1",
    "0x10",
    "NaN",
    "Infinity",
    "nul",
    "tru",
    "\"\"",
    "\"x\"",
    "\"\\u00e9\"",
    "\"caf\\u00e9\"",
    "\"\\ud83d\\ude00\"",
    "\"\\ud800\"",
    "\"\\udc00\"",
    "\"\\ud800\\u0041\"",
    "\"\\ud800x\"",
    "\"a\\\"b\"",
    "\"a\\\\b\"",
    "\"\\/\"",
    "\"\\b\\f\\n\\r\\t\"",
    "\"\\x\"",
    "\"\\u12\"",
    "\"\\u12G4\"",
    "\"a\tb\"",
    "\"2025-02-30\"",
    "\"2024-02-29\"",
    "\"2026-03-01\"",
    "\"0001-01-01\"",
    "\"9999-12-31\"",
    "\"0000-12-31\"",
    "\"2026-3-1\"",
    "\"+2026-03-01\"",
    "\"2026-03-01 \"",
    "\"D\"",
    "\"DEU\"",
    "\"deu\"",
    "\"ZZZ\"",
    "\"XXA\"",
    "\"\\u0044\"",
    "\"THA\"",
    "\"tourism\"",
    "\"TOURISM\"",
    "\"passport\"",
    "\"transit\"",
    "\"low\"",
    "\"high\"",
    "\"12.5\"",
    "\"12.50000\"",
    "\"1e2\"",
    "\"-0\"",
    "\"1_000.5\"",
    "\"0.12345\"",
    "\"99999999999999999999\"",
    "\"vip\"",
    "\"crew\"",
    "[]",
    "{}",
    "[1, 2]",
    "[null]",
    "[true]",
    "[\"a\"]",
    "[[1], [2, 3]]",
    "[[]]",
    "[{\"country\": \"THA\", \"departed\": \"2026-01-01\"}]",
    "[{\"country\": \"D\", \"departed\": \"2026-02-30\"}]",
    "{\"a\": 1}",
    "{\"country\": \"D\", \"departed\": \"2026-02-28\"}",
    "[1,]",
    "{\"a\": 1,}",
    "[1 2]",
    "{\"a\" 1}",
    "{,}",
    "[}",
    "{]",
    "{\"a\": 1}}",
    "[\"\\ud800\"]",
    "{\"\\ud800\": 1}",
    "[1e400]",
    "{\"a\": 1e400}",
];

const GARBAGE: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\",
    " ",
    "\n",
    "0",
    "-",
    ".",
    "e",
    "x",
    "é",
    "\u{0}",
    "\t",
    "null",
    "\"x\": 1, ",
    "//",
    "\u{feff}",
    "\\u",
    "日本",
    "\u{7f}",
    "\"\"",
    ",,",
];

const TEXTS: &[&str] = &[
    "Siti Rahma",
    "caf\\u00e9",
    "a\\\"b",
    "\\ud83d\\ude00",
    "日本語",
    "",
    "tab\\there",
    "\\u0041\\u0042",
];

const COUNTRIES: &[&str] = &["THA", "D", "IDN", "SGP", "XXA", "\\u0044EU", "TLS", "KOR"];

fn nesting(levels: usize, object: bool) -> String {
    let (open, close) = if object {
        ("{\"a\": ", "}")
    } else {
        ("[", "]")
    };
    format!("{}1{}", open.repeat(levels), close.repeat(levels))
}

/// What to do to one value of a generated record.
#[derive(Clone, Copy, Debug)]
enum Mutation {
    None,
    /// Put an odd value in its place.
    Replace,
    /// Leave the field out.
    Drop,
    /// Give the field twice.
    Duplicate,
    /// Add a field the schema does not have, or one of another record.
    Extra,
    /// Nest arrays or objects around 60 to 70 levels deep here.
    Deep,
    /// Write the key with escapes.
    EscapedKey,
}

/// Generates a JSON record of a package's schema, fields in random order
/// with random whitespace, mutating the value at position `target` (in
/// generation order).
struct Generator<'a> {
    p: &'a Package,
    rng: &'a mut Rng,
    counter: usize,
    target: usize,
    mutation: Mutation,
    interned: Vec<String>,
}

impl Generator<'_> {
    fn space(&mut self, out: &mut String) {
        if self.rng.chance(20) {
            out.push_str(self.rng.text(&[" ", "\n", "\t", "\r\n", "  "]));
        }
    }

    fn hit(&mut self) -> bool {
        self.counter += 1;
        self.counter == self.target
    }

    fn value(&mut self, ty: &CheckedTy, out: &mut String, depth: usize) {
        self.space(out);
        match ty {
            CheckedTy::Bool => out.push_str(if self.rng.chance(50) { "true" } else { "false" }),
            CheckedTy::Int => {
                let n = match self.rng.below(4) {
                    0 => self.rng.below(100) as i64,
                    1 => -(self.rng.below(1000) as i64),
                    2 => self.rng.next() as i64,
                    _ => *self.rng.pick(&[0, i64::MAX, i64::MIN, 1 << 53]),
                };
                write!(out, "{n}").expect("write");
            }
            CheckedTy::Decimal => {
                let whole = match self.rng.below(3) {
                    0 => self.rng.below(100) as i64,
                    1 => self.rng.below(1_000_000_000) as i64,
                    _ => (self.rng.next() >> 14) as i64,
                };
                let sign = if self.rng.chance(30) { "-" } else { "" };
                let places = self.rng.below(6);
                let fraction: String = (0..places)
                    .map(|_| char::from(b'0' + self.rng.below(10) as u8))
                    .collect();
                let number = if places == 0 {
                    format!("{sign}{whole}")
                } else {
                    format!("{sign}{whole}.{fraction}")
                };
                if self.rng.chance(20) {
                    write!(out, "\"{number}\"").expect("write");
                } else {
                    out.push_str(&number);
                }
            }
            CheckedTy::Text => {
                let text = if self.rng.chance(30) && !self.interned.is_empty() {
                    let i = self.rng.below(self.interned.len());
                    self.interned[i].clone()
                } else {
                    self.rng.text(TEXTS).to_string()
                };
                write!(out, "\"{text}\"").expect("write");
            }
            CheckedTy::Date => {
                let year = 1 + self.rng.below(9999);
                let month = 1 + self.rng.below(12);
                let day = 1 + self.rng.below(28);
                write!(out, "\"{year:04}-{month:02}-{day:02}\"").expect("write");
            }
            CheckedTy::Country => {
                write!(out, "\"{}\"", self.rng.text(COUNTRIES)).expect("write");
            }
            CheckedTy::Enum(e) => {
                let values = &self.p.program.enums[e.0 as usize].values;
                write!(out, "\"{}\"", self.rng.pick(values)).expect("write");
            }
            CheckedTy::Record(r) => self.record(r.0 as usize, out, depth),
            CheckedTy::Optional(inner) => {
                if self.rng.chance(25) || matches!(**inner, CheckedTy::Duration) {
                    out.push_str("null");
                } else {
                    self.field_value(inner, out, depth);
                }
            }
            CheckedTy::List(inner) => {
                out.push('[');
                let n = self.rng.below(4);
                for i in 0..n {
                    if i > 0 {
                        out.push(',');
                    }
                    self.field_value(inner, out, depth + 1);
                }
                self.space(out);
                out.push(']');
            }
            other => panic!("no JSON for {other:?}"),
        }
    }

    /// A value, or its mutation when this is the target.
    fn field_value(&mut self, ty: &CheckedTy, out: &mut String, depth: usize) {
        if self.hit() {
            match self.mutation {
                Mutation::Replace => return out.push_str(self.rng.text(ODD_VALUES)),
                Mutation::Deep => {
                    let levels = 60 + self.rng.below(12);
                    return out.push_str(&nesting(levels, self.rng.chance(50)));
                }
                _ => {}
            }
        }
        self.value(ty, out, depth);
    }

    fn record(&mut self, r: usize, out: &mut String, depth: usize) {
        let fields = self.p.program.records[r].fields.clone();
        let mut order: Vec<usize> = (0..fields.len()).collect();
        if self.rng.chance(70) {
            for i in (1..order.len()).rev() {
                let j = self.rng.below(i + 1);
                order.swap(i, j);
            }
        }
        out.push('{');
        let mut first = true;
        let mut separator = |out: &mut String| {
            if !std::mem::take(&mut first) {
                out.push(',');
            }
        };
        for i in order {
            let field = &fields[i];
            let optional = matches!(field.ty, CheckedTy::Optional(_) | CheckedTy::List(_));
            if optional && self.rng.chance(20) {
                continue;
            }
            let target_here = self.counter + 1 == self.target;
            let mut key = format!("\"{}\"", field.name);
            match self.mutation {
                Mutation::Drop if target_here => {
                    self.counter += 1;
                    continue;
                }
                Mutation::Duplicate if target_here => {
                    separator(out);
                    write!(out, "{key}:").expect("write");
                    self.value(&field.ty, out, depth + 1);
                }
                Mutation::Extra if target_here => {
                    separator(out);
                    let name = self
                        .rng
                        .text(&["shoe_size", "", "name", "country", "x\\u0000"]);
                    write!(out, "\"{name}\": {}", self.rng.text(ODD_VALUES)).expect("write");
                }
                Mutation::EscapedKey if target_here => {
                    let escaped: String = field
                        .name
                        .chars()
                        .map(|c| format!("\\u{:04x}", u32::from(c)))
                        .collect();
                    key = format!("\"{escaped}\"");
                }
                _ => {}
            }
            separator(out);
            self.space(out);
            out.push_str(&key);
            self.space(out);
            out.push(':');
            self.field_value(&field.ty, out, depth + 1);
            self.space(out);
        }
        out.push('}');
    }
}

/// Byte-level damage: the text cut, with bytes put in, taken out or
/// changed (always on character boundaries: the input is `&str`).
fn damage(rng: &mut Rng, json: &str) -> String {
    let boundaries: Vec<usize> = (0..=json.len())
        .filter(|&i| json.is_char_boundary(i))
        .collect();
    let at = *rng.pick(&boundaries);
    let mut out = json.to_string();
    match rng.below(6) {
        0 => out.truncate(at),
        1 => out.insert_str(at, rng.text(GARBAGE)),
        2 => {
            let end = boundaries.iter().copied().find(|&b| b > at).unwrap_or(at);
            out.replace_range(at..end, "");
        }
        3 => {
            let end = boundaries.iter().copied().find(|&b| b > at).unwrap_or(at);
            out.replace_range(at..end, rng.text(GARBAGE));
        }
        4 => out.push_str(rng.text(&[" ", "\n", "x", "}", "{}", "[", "null", " \t\r\n"])),
        _ => out.insert_str(0, rng.text(&[" ", "\n", "\u{feff}", "[", "x"])),
    }
    out
}

#[test]
fn mutated_records_decode_alike() {
    let packages = packages();
    let mut rng = Rng(0x1A57_A5DE_C0DE);
    let mutations = [
        Mutation::None,
        Mutation::Replace,
        Mutation::Replace,
        Mutation::Replace,
        Mutation::Drop,
        Mutation::Duplicate,
        Mutation::Extra,
        Mutation::Deep,
        Mutation::EscapedKey,
    ];
    let mut tally = Tally::default();
    for p in &packages {
        let interned: Vec<String> = p
            .module
            .texts
            .iter()
            .filter(|t| t.chars().all(|c| c.is_ascii_alphanumeric() || c == ' '))
            .take(50)
            .cloned()
            .collect();
        let samples = samples(p);
        for case in 0..2500 {
            let mutation = *rng.pick(&mutations);
            let mut generator = Generator {
                p,
                rng: &mut rng,
                counter: 0,
                target: 0,
                mutation,
                interned: interned.clone(),
            };
            // Count the values of a record first, then aim at one of them.
            let mut probe = String::new();
            generator.record(p.schema as usize, &mut probe, 0);
            generator.target = 1 + generator.rng.below(generator.counter.max(1));
            generator.counter = 0;
            let mut json = String::new();
            generator.record(p.schema as usize, &mut json, 0);
            if case % 3 == 0 {
                json = damage(&mut rng, &json);
            }
            tally.add(check(p, &json, false));
            tally.add(check(p, &json, true));
            // The samples, damaged.
            if !samples.is_empty() {
                let sample = rng.pick(&samples).clone();
                let json = damage(&mut rng, &sample);
                tally.add(check(p, &json, false));
                tally.add(check(p, &json, case % 2 == 0));
            }
        }
    }
    tally.report("mutations");
    assert!(tally.count(Verdict::Accepted) > 1000);
    for kind in [
        "missing_field",
        "wrong_type",
        "bad_date",
        "unknown_country",
        "unknown_enum_value",
        "out_of_range",
        "unknown_field",
        "duplicate_field",
        "syntax",
        "too_deep",
    ] {
        assert!(
            tally.count(Verdict::Rejected(kind)) >= 10,
            "the sweep reached `{kind}` fewer than ten times"
        );
    }
}

/// Numbers near every boundary the decoders care about: digit counts
/// around what a double holds exactly, places around the four a Decimal
/// keeps, integers around the 64-bit limits, with and without exponents.
#[test]
fn numbers_decode_alike() {
    let p = packages().pop().expect("the types package");
    let mut rng = Rng(0xDEC1_3A15);
    let mut tally = Tally::default();
    for _ in 0..6000 {
        let digits = 1 + rng.below(21);
        let mut number: String = (0..digits)
            .map(|_| char::from(b'0' + rng.below(10) as u8))
            .collect();
        if rng.chance(30) {
            // Leading zeros are a syntax error unless the number is `0`.
            number = number.trim_start_matches('0').to_string();
            if number.is_empty() {
                number.push('0');
            }
        }
        if rng.chance(70) && number.len() > 1 {
            let point = 1 + rng.below(number.len() - 1);
            number.insert(point, '.');
            number.push_str(&"0".repeat(rng.below(4)));
        }
        if rng.chance(10) {
            let exponent = rng.text(&["e2", "E-3", "e+0", "e18", "e-20", "e400"]);
            number.push_str(exponent);
        }
        if rng.chance(40) {
            number.insert(0, '-');
        }
        for field in ["amount", "limit", "count"] {
            for quoted in [false, true] {
                let value = if quoted {
                    format!("\"{number}\"")
                } else {
                    number.clone()
                };
                let others = match field {
                    "amount" => r#""count": 2"#,
                    "count" => r#""amount": 1"#,
                    _ => r#""amount": 1, "count": 2"#,
                };
                let json =
                    format!(r#"{{{others}, "level": "low", "note": "n", "{field}": {value}}}"#);
                tally.add(check(&p, &json, false));
            }
        }
    }
    tally.report("numbers");
    assert!(tally.count(Verdict::Accepted) > 5000);
    assert!(tally.count(Verdict::Rejected("out_of_range")) > 1000);
}

#[test]
fn every_truncation_decodes_alike() {
    let packages = packages();
    let mut tally = Tally::default();
    for p in &packages[..2] {
        for record in samples(p).iter().step_by(250) {
            for end in (0..=record.len()).filter(|&i| record.is_char_boundary(i)) {
                tally.add(check(p, &record[..end], false));
                tally.add(check(p, &record[..end], true));
            }
        }
    }
    tally.report("truncations");
    assert!(tally.count(Verdict::Rejected("syntax")) > 1000);
}

#[test]
fn nesting_limit_counts_like_the_reference() {
    let p = packages().remove(0);
    let mut tally = Tally::default();
    for levels in [1, 62, 63, 64, 65, 66, 100, 1000, 100_000] {
        for object in [false, true] {
            let deep = nesting(levels, object);
            for json in [
                format!(r#"{{"name": {deep}}}"#),
                format!(r#"{{"unknown": {deep}}}"#),
                format!(r#"{{"visited": [{deep}]}}"#),
                format!(r#"{{"name": "x"}} {deep}"#),
                format!(r#"{{"name": "]]]]{deep}"}}"#),
                deep.clone(),
                deep[..deep.len() / 2].to_string(),
            ] {
                tally.add(check(&p, &json, false));
                tally.add(check(&p, &json, true));
            }
        }
    }
    tally.report("nesting");
    assert!(tally.count(Verdict::Rejected("too_deep")) > 10);
}

#[test]
fn garbage_never_panics_and_decodes_alike() {
    let packages = packages();
    let mut rng = Rng(7);
    let alphabet: Vec<&str> = GARBAGE
        .iter()
        .copied()
        .chain(["1", "\"name\"", "\"visited\"", "true", "2.5", "\"D\""])
        .collect();
    let mut tally = Tally::default();
    for p in &packages {
        for _ in 0..1500 {
            let n = rng.below(12);
            let json: String = (0..n).map(|_| rng.text(&alphabet)).collect();
            tally.add(check(p, &json, false));
        }
    }
    tally.report("garbage");
}

#[test]
fn decoding_interns_nothing() {
    // The interner is shared and read-only; foreign texts land in `Words`.
    let p = packages().remove(0);
    let record = samples(&p).remove(0);
    let mut words = Words::default();
    p.decoder
        .decode(&p.module, &p.interner, p.schema, &record, false, &mut words)
        .expect("decode");
    assert!(words.foreign_texts.iter().any(|t| t == "สมชาย ใจดี"));
    assert_eq!(p.interner.text("สมชาย ใจดี"), None);
}
