//! The hand-written policy decides every record exactly as the reference
//! interpreter does: outcome, reason codes in order, and the risk score.
//! Records: the package's sample, generated risky traffic on three arrival
//! dates, every field of some records replaced by awkward values, and
//! hand-made records for each way a decision can fail closed.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests report failures by panicking, helpers included"
)]

use lintas_check::CheckResult;
use lintas_check::value::Value;
use lintas_eval::{DecodeOptions, Interpreter};
use reference_baseline::{Context, Decision, Policy, ReasonCode};
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn package_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../rules/reference")
}

fn checked() -> CheckResult {
    let ws = lintas_load::load_paths(&[package_dir()]).unwrap();
    let root = *ws.roots.first().unwrap();
    let result = lintas_check::check_package(&ws, root);
    assert!(!result.has_errors(), "{:?}", result.diagnostics);
    result
}

fn day(text: &str) -> i64 {
    lintas_check::calendar::parse_date(text).unwrap()
}

/// Both engines, and what they gave.
struct Harness<'p> {
    interpreter: Interpreter<'p>,
    decision: usize,
    policy: Policy,
    /// Reason codes the interpreter gave, with how often.
    seen: BTreeMap<String, usize>,
    records: usize,
}

impl<'p> Harness<'p> {
    fn new(checked: &'p CheckResult) -> Harness<'p> {
        let interpreter = Interpreter::new(&checked.program);
        let decision = interpreter.decision_index("admission").unwrap();
        Harness {
            interpreter,
            decision,
            policy: Policy::load(&package_dir()).unwrap(),
            seen: BTreeMap::new(),
            records: 0,
        }
    }

    /// Decides `json` both ways on `date` and asserts they agree; returns
    /// the interpreter's reason codes.
    fn check(&mut self, json: &str, date: &str) -> Vec<String> {
        let member = "SGP";
        let context_json = json!({ "date": date, "member": member });
        let context_value = self.interpreter.context_from_json(&context_json).unwrap();
        let expected = self.interpreter.decide_json(
            self.decision,
            json,
            &context_value,
            DecodeOptions::default(),
        );
        let context = Context {
            date: day(date),
            member: self.policy.country(member),
        };
        let actual = self.policy.decide_json(json, &context);

        let expected_codes: Vec<String> = expected.reasons.iter().map(|r| r.code.clone()).collect();
        let expected_score = expected
            .reasons
            .iter()
            .find(|r| r.code == "RISK_SCORE")
            .map(|r| r.values.get("score").and_then(Json::as_i64).unwrap());
        let actual_codes: Vec<String> = actual
            .reasons
            .iter()
            .map(|c| c.as_str().to_string())
            .collect();
        assert_eq!(
            (expected.outcome.as_str(), &expected_codes, expected_score),
            (actual.outcome.as_str(), &actual_codes, actual.score),
            "on {date}, record {json}\ninterpreter problems: {:?}",
            expected.errors
        );
        // An invalid record is an `Err` from `parse`, nothing else is.
        let undecodable = expected.errors.iter().any(|p| p.stage == "input");
        assert_eq!(
            undecodable,
            self.policy.parse(json).is_err(),
            "{json}: {:?}",
            expected.errors
        );
        for code in &expected_codes {
            *self.seen.entry(code.clone()).or_default() += 1;
        }
        self.records += 1;
        expected_codes
    }
}

/// Risky traffic arriving on `arrival`, so that every rule fires often.
fn risky_traffic(seed: u64, arrival: &str, count: usize) -> Vec<String> {
    let mut config = lintas_traffic::Config::new(seed);
    config.arrival = day(arrival);
    let rates = &mut config.rates;
    rates.expired_document = 0.15;
    rates.near_expiry = 0.2;
    rates.lost_stolen = 0.1;
    rates.watchlist = 0.15;
    rates.unaccompanied_minor = 0.2;
    rates.missing_visa = 0.3;
    rates.yellow_fever_exposure = 0.3;
    rates.paid_cash = 0.4;
    rates.one_way = 0.4;
    rates.late_booking = 0.4;
    rates.prior_overstay = 0.2;
    rates.large_group = 0.3;
    rates.mrz_invalid = 0.1;
    let mut generator = lintas_traffic::Generator::new(config);
    (0..count)
        .map(|_| serde_json::to_string(&generator.traveller()).unwrap())
        .collect()
}

const POLICY_CODES: [&str; 10] = [
    "DOC_EXPIRED",
    "DOC_VALIDITY_LT_6M",
    "DOC_LOST_STOLEN",
    "WATCHLIST",
    "UNACCOMPANIED_MINOR",
    "VISA_REQUIRED",
    "HEALTH_YF",
    "RISK_SCORE",
    "MRZ_INVALID",
    "AUTOGATE_ELIGIBLE",
];

#[test]
fn sample_and_generated_traffic_decide_alike() {
    let checked = checked();
    let mut h = Harness::new(&checked);
    let sample = std::fs::read_to_string(package_dir().join("sample/travellers.jsonl")).unwrap();
    let dates = ["2026-03-01", "2024-02-29", "2027-08-31"];
    for date in dates {
        for line in sample.lines().filter(|l| !l.trim().is_empty()) {
            h.check(line, date);
        }
    }
    let sample_records = h.records;
    // 20,000 generated records, spread over arrival dates that exercise
    // leap days and month ends; decided on their arrival date.
    for (seed, date, count) in [
        (1, "2026-03-01", 7_000),
        (2, "2024-02-29", 7_000),
        (3, "2027-08-31", 6_000),
    ] {
        for record in risky_traffic(seed, date, count) {
            h.check(&record, date);
        }
    }
    let generated = h.records - sample_records;
    assert_eq!(generated, 20_000);
    for code in POLICY_CODES {
        assert!(
            h.seen.get(code).is_some_and(|n| *n > 0),
            "{code} never given: {:?}",
            h.seen
        );
    }
    println!(
        "{} records agree ({sample_records} sample decisions, {generated} generated); codes seen: {:?}",
        h.records, h.seen
    );
}

/// A record that is autogate-eligible and one step away from every rule.
fn base() -> Json {
    json!({
        "name": "Siti Rahma",
        "nationality": "IDN",
        "birth_date": "1990-05-17",
        "arrival_date": "2026-03-01",
        "purpose": "tourism",
        "stay_days": 7,
        "document": {
            "number": "B1234567",
            "kind": "passport",
            "issuer": "IDN",
            "expiry": "2030-01-01",
            "electronic": true,
            "mrz_valid": true,
        },
        "visa": null,
        "accompanied": true,
        "watchlist_hit": false,
        "visited": [{ "country": "JPN", "departed": "2026-02-20" }],
        "yellow_fever_vaccinated": false,
        "booking": { "paid_cash": false, "one_way": false, "booked": "2026-01-10", "group_size": 1 },
        "prior_overstays": 0,
    })
}

/// The child of `at` named by one path segment (a field, or an index).
fn step<'j>(at: &'j mut Json, segment: &str) -> &'j mut Json {
    match segment.parse::<usize>() {
        Ok(i) => &mut at[i],
        Err(_) => &mut at[segment],
    }
}

fn with(mut record: Json, path: &[&str], value: Json) -> Json {
    let (last, parents) = path.split_last().unwrap();
    let parent = parents.iter().fold(&mut record, |at, p| step(at, p));
    *step(parent, last) = value;
    record
}

fn without(mut record: Json, path: &[&str]) -> Json {
    let (last, parents) = path.split_last().unwrap();
    match parents.iter().fold(&mut record, |at, p| step(at, p)) {
        Json::Array(items) => {
            items.remove(last.parse::<usize>().unwrap());
        }
        at => {
            at.as_object_mut().unwrap().remove(*last);
        }
    }
    record
}

const PATHS: &[&[&str]] = &[
    &["name"],
    &["nationality"],
    &["birth_date"],
    &["arrival_date"],
    &["purpose"],
    &["stay_days"],
    &["document"],
    &["document", "number"],
    &["document", "kind"],
    &["document", "issuer"],
    &["document", "expiry"],
    &["document", "electronic"],
    &["document", "mrz_valid"],
    &["visa"],
    &["accompanied"],
    &["watchlist_hit"],
    &["visited"],
    &["visited", "0"],
    &["visited", "0", "country"],
    &["visited", "0", "departed"],
    &["yellow_fever_vaccinated"],
    &["booking"],
    &["booking", "paid_cash"],
    &["booking", "one_way"],
    &["booking", "booked"],
    &["booking", "group_size"],
    &["prior_overstays"],
    &["unknown"],
];

/// Values that are wrong for most fields and right, at an edge, for some.
fn palette() -> Vec<Json> {
    vec![
        Json::Null,
        json!(true),
        json!(false),
        json!(0),
        json!(-1),
        json!(5),
        json!(30),
        json!(31),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(3_074_457_345_618_258_602_i64),
        json!(3_074_457_345_618_258_603_i64),
        json!(-3_074_457_345_618_258_603_i64),
        json!(1.5),
        json!(10.0),
        json!(""),
        json!("THA"),
        json!("D"),
        json!("BRA"),
        json!("tha"),
        json!("X1234567"),
        json!("2026-03-01"),
        json!("2026-02-23"),
        json!("2026-02-29"),
        json!("0001-01-02"),
        json!("0001-01-07"),
        json!("9999-06-30"),
        json!("9999-07-01"),
        json!("9999-12-31"),
        json!("2008-02-29"),
        json!("transit"),
        json!("business"),
        json!("study"),
        json!("passport"),
        json!("identity_card"),
        json!([]),
        json!({}),
        json!({ "tourism": null }),
        json!([{ "country": "NGA", "departed": "2026-02-23" }]),
        json!({ "number": "V1", "valid_until": "2026-12-31" }),
        json!({ "country": "KEN", "departed": "2026-03-01" }),
        json!({ "paid_cash": true, "one_way": true, "booked": "2026-03-01", "group_size": 9 }),
    ]
}

#[test]
fn every_field_with_awkward_values_decides_alike() {
    let checked = checked();
    let mut h = Harness::new(&checked);
    let bases = [
        base(),
        // Arriving on the second day of the calendar: `- 3 days` and
        // `- 6 days` leave it.
        with(
            with(base(), &["arrival_date"], json!("0001-01-02")),
            &["birth_date"],
            json!("0001-01-01"),
        ),
        // Arriving at the very end: `+ 6 months` leaves it.
        with(
            with(base(), &["arrival_date"], json!("9999-07-01")),
            &["document", "expiry"],
            json!("9999-12-31"),
        ),
        // A minor alone, with a risky booking and a stolen passport.
        with(
            with(
                with(base(), &["accompanied"], json!(false)),
                &["birth_date"],
                json!("2014-03-02"),
            ),
            &["booking"],
            json!({ "paid_cash": true, "one_way": true, "booked": "2026-02-28", "group_size": 6 }),
        ),
    ];
    for record in &bases {
        for path in PATHS {
            h.check(&without(record.clone(), path).to_string(), "2026-03-01");
            for value in palette() {
                let mutated = with(record.clone(), path, value);
                h.check(&mutated.to_string(), "2026-03-01");
            }
        }
    }
    for code in POLICY_CODES {
        assert!(
            h.seen.contains_key(code),
            "{code} never given: {:?}",
            h.seen
        );
    }
    assert!(h.seen.contains_key("EVALUATION_ERROR"), "{:?}", h.seen);
    assert!(h.seen.contains_key("INPUT_INVALID"), "{:?}", h.seen);
    println!(
        "{} mutated records agree; codes seen: {:?}",
        h.records, h.seen
    );
}

#[test]
fn each_failure_fails_closed_in_its_place() {
    let checked = checked();
    let mut h = Harness::new(&checked);
    let risky_booking =
        json!({ "paid_cash": true, "one_way": true, "booked": "2026-02-28", "group_size": 6 });
    let cases: Vec<(Json, Vec<&str>)> = vec![
        // 3 * prior_overstays overflows: the autogate reason is dropped.
        (
            with(
                base(),
                &["prior_overstays"],
                json!(3_074_457_345_618_258_603_i64),
            ),
            vec!["EVALUATION_ERROR"],
        ),
        // 3 * prior_overstays fits, the sum does not.
        (
            with(
                with(
                    base(),
                    &["prior_overstays"],
                    json!(3_074_457_345_618_258_602_i64),
                ),
                &["booking"],
                risky_booking.clone(),
            ),
            vec!["EVALUATION_ERROR"],
        ),
        // A negative score is a score.
        (
            with(
                base(),
                &["prior_overstays"],
                json!(-3_074_457_345_618_258_602_i64),
            ),
            vec!["AUTOGATE_ELIGIBLE"],
        ),
        (
            with(
                with(base(), &["prior_overstays"], json!(1)),
                &["booking"],
                risky_booking.clone(),
            ),
            vec!["RISK_SCORE", "AUTOGATE_ELIGIBLE"],
        ),
        // `arrival + 6 months` after 9999, with a refusal that stays first.
        (
            with(
                with(
                    with(base(), &["arrival_date"], json!("9999-07-01")),
                    &["document", "expiry"],
                    json!("9999-12-31"),
                ),
                &["document", "number"],
                json!("X1234567"),
            ),
            vec!["DOC_LOST_STOLEN", "EVALUATION_ERROR"],
        ),
        // `arrival - 6 days` and `- 3 days` before year 1, after a
        // watchlist hit (declared between the two failures' places).
        (
            with(
                with(
                    with(
                        with(base(), &["arrival_date"], json!("0001-01-02")),
                        &["birth_date"],
                        json!("0001-01-01"),
                    ),
                    &["visited"],
                    json!([{ "country": "JPN", "departed": "0001-01-01" }, { "country": "BRA", "departed": "0001-01-01" }]),
                ),
                &["watchlist_hit"],
                json!(true),
            ),
            vec!["WATCHLIST", "EVALUATION_ERROR", "EVALUATION_ERROR"],
        ),
    ];
    for (record, codes) in cases {
        let given = h.check(&record.to_string(), "2026-03-01");
        assert_eq!(given, codes, "{record}");
    }
}

#[test]
fn invalid_json_is_refused_alike() {
    let checked = checked();
    let mut h = Harness::new(&checked);
    let valid = base().to_string();
    // The record is one level; `levels` arrays inside it make the rest.
    let nested = |levels: usize| {
        let extra = format!("{{\"extra\":{}{},", "[".repeat(levels), "]".repeat(levels));
        valid.replacen('{', &extra, 1)
    };
    let as_array = format!(
        "[{}]",
        base()
            .as_object()
            .unwrap()
            .values()
            .map(Json::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    let texts = vec![
        String::new(),
        "null".to_string(),
        "[]".to_string(),
        "{}".to_string(),
        "\"text\"".to_string(),
        valid.clone(),
        format!("  {valid}\n"),
        format!("{valid} x"),
        format!("{valid}{{}}"),
        valid[..valid.len() - 1].to_string(),
        as_array,
        // A duplicate field, an escaped key, escaped texts (the escaped
        // number is on the lost/stolen list).
        valid.replacen('{', "{\"name\":\"Other\",", 1),
        valid.replacen("\"name\"", "\"n\\u0061me\"", 1),
        valid.replacen("B1234567", "X\\u0031234567", 1),
        valid.replacen("Siti Rahma", "Siti \\\"Rahma\\\" \\ud83d\\ude00", 1),
        valid.replacen("Siti Rahma", "\\ud800", 1),
        valid.replacen("IDN", "I\\u0044N", 1),
        // Unknown fields are skipped without being read as values, but
        // their depth counts.
        valid.replacen('{', "{\"extra\":1e400,", 1),
        valid.replacen('{', "{\"extra\":\"\\ud800\",", 1),
        valid.replacen('{', "{\"extra\":[{\"a\":[1,2,{}]}],", 1),
        nested(63),
        nested(64),
        nested(200),
        valid.replacen(
            '{',
            "{\"extra\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\",",
            1,
        ),
        valid.replacen("7,", "7.0,", 1),
        valid.replacen("7,", "7e0,", 1),
        valid.replacen("7,", "-0,", 1),
        valid.replacen("true", "1", 1),
    ];
    for text in &texts {
        h.check(text, "2026-03-01");
    }
    assert!(h.seen.contains_key("INPUT_INVALID"));
    // The hand-written decision for a failed parse is the interpreter's.
    let d = Decision::input_invalid();
    assert_eq!(d.outcome.as_str(), "refer");
    assert_eq!(
        d.reasons.iter().collect::<Vec<_>>(),
        vec![ReasonCode::InputInvalid]
    );
}

/// The inline sets transcribed into the crate, and the lost/stolen list it
/// reads, are the checked program's.
#[test]
fn reference_data_is_the_packages() {
    let checked = checked();
    let policy = Policy::load(&package_dir()).unwrap();
    let set = |name: &str| -> BTreeSet<String> {
        let def = checked
            .program
            .sets
            .iter()
            .find(|s| s.name == name)
            .unwrap();
        def.values
            .iter()
            .map(|v| match v {
                Value::Country(c) | Value::Text(c) => c.clone(),
                other => panic!("{other:?}"),
            })
            .collect()
    };
    let strings = |codes: Vec<&str>| codes.into_iter().map(str::to_string).collect();
    assert_eq!(
        set("ASEAN_MEMBERS"),
        strings(policy.asean_members().codes())
    );
    assert_eq!(
        set("YELLOW_FEVER_RISK"),
        strings(policy.yellow_fever_risk().codes())
    );
    assert_eq!(set("LOST_STOLEN"), strings(policy.lost_stolen().collect()));
}
