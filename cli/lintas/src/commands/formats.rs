//! The field's input formats as JSON records: each ICAO 9303 MRZ and each
//! PAXLST passenger becomes one JSON object with fixed field names, which
//! the decision's schema then decodes like any other record (so a schema
//! that needs more than the format carries fails closed, naming the field).
//!
//! MRZ object: `name`, `surname`, `given_names`, `sex` (`M`, `F` or absent),
//! `birth_date`, `nationality`, `document { number, code, kind, issuer,
//! expiry, mrz_valid, failed_checks }`. Partial dates (`<<`) are left out.
//!
//! PAXLST object: `name`, `surname`, `given_names`, `sex`, `birth_date`,
//! `nationality`, `role` (`passenger`, `crew`, `other`), `embarkation`,
//! `debarkation`, `booking { reference }` and `document { number, code,
//! kind, issuer, expiry }` (the first passport, else the first document).

use lintas_formats::date::Date;
use lintas_formats::mrz::{self, Sex};
use lintas_formats::paxlst::{self, PartyRole};
use serde_json::{Map, Value, json};

/// The reference date that resolves two-digit years: the evaluation date.
pub fn reference_date(days: i64) -> Option<Date> {
    let text = lintas_check::calendar::format_date(days);
    let (y, rest) = text.split_once('-')?;
    let (m, d) = rest.split_once('-')?;
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

fn kind(code: &str) -> &'static str {
    match code.chars().next() {
        Some('P') => "passport",
        Some('I' | 'A' | 'C') => "identity_card",
        Some('V') => "visa",
        _ => "travel_document",
    }
}

fn sex(s: Sex) -> Option<&'static str> {
    match s {
        Sex::Male => Some("M"),
        Sex::Female => Some("F"),
        Sex::Unspecified => None,
    }
}

fn put(map: &mut Map<String, Value>, key: &str, value: Option<String>) {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        map.insert(key.to_string(), Value::String(v));
    }
}

/// One MRZ (lines joined by `|` or newlines) as a record, or why not.
pub fn mrz_record(text: &str, reference: Date) -> Result<String, String> {
    let m = mrz::parse(text, reference).map_err(|e| e.to_string())?;
    let mut document = Map::new();
    document.insert("number".into(), json!(m.document_number));
    document.insert("code".into(), json!(m.document_code));
    document.insert("kind".into(), json!(kind(&m.document_code)));
    document.insert("issuer".into(), json!(m.issuer));
    put(
        &mut document,
        "expiry",
        m.expiry_date.date().map(|d| d.to_string()),
    );
    document.insert("mrz_valid".into(), json!(m.is_valid()));
    let failed: Vec<String> = m
        .failed_checks()
        .iter()
        .map(|c| format!("{c:?}").to_lowercase())
        .collect();
    document.insert("failed_checks".into(), json!(failed));
    let mut record = Map::new();
    let given = m.given_names.join(" ");
    record.insert(
        "name".into(),
        json!(format!("{given} {}", m.surname).trim()),
    );
    record.insert("surname".into(), json!(m.surname));
    record.insert("given_names".into(), json!(given));
    put(&mut record, "sex", sex(m.sex).map(str::to_string));
    put(
        &mut record,
        "birth_date",
        m.birth_date.date().map(|d| d.to_string()),
    );
    record.insert("nationality".into(), json!(m.nationality));
    record.insert("document".into(), Value::Object(document));
    Ok(Value::Object(record).to_string())
}

/// A PAXLST message's travellers as records, in message order, with the
/// parser's findings as text.
pub fn paxlst_records(bytes: &[u8], reference: Date) -> Result<(Vec<String>, Vec<String>), String> {
    let manifest = paxlst::parse(bytes, reference).map_err(|e| e.to_string())?;
    let findings = manifest.findings.iter().map(ToString::to_string).collect();
    let records = manifest
        .travellers
        .iter()
        .map(|t| {
            let mut record = Map::new();
            record.insert(
                "name".into(),
                json!(format!("{} {}", t.given_names, t.surname).trim()),
            );
            record.insert("surname".into(), json!(t.surname));
            record.insert("given_names".into(), json!(t.given_names));
            put(&mut record, "sex", t.sex.and_then(sex).map(str::to_string));
            put(
                &mut record,
                "birth_date",
                t.birth_date
                    .as_ref()
                    .and_then(|d| d.date)
                    .map(|d| d.to_string()),
            );
            put(&mut record, "nationality", t.nationality.clone());
            let role = match &t.role {
                PartyRole::Passenger => "passenger",
                PartyRole::Crew => "crew",
                PartyRole::Other(_) => "other",
            };
            record.insert("role".into(), json!(role));
            put(&mut record, "embarkation", t.embarkation.clone());
            put(&mut record, "debarkation", t.debarkation.clone());
            if let Some(reference) = &t.booking_reference {
                record.insert("booking".into(), json!({ "reference": reference }));
            }
            let document = t
                .documents
                .iter()
                .find(|d| d.is_passport())
                .or_else(|| t.documents.first());
            if let Some(d) = document {
                let mut doc = Map::new();
                doc.insert("number".into(), json!(d.number));
                doc.insert("code".into(), json!(d.code));
                doc.insert("kind".into(), json!(kind(&d.code)));
                put(&mut doc, "issuer", d.issuer.clone());
                put(
                    &mut doc,
                    "expiry",
                    d.expiry
                        .as_ref()
                        .and_then(|e| e.date)
                        .map(|e| e.to_string()),
                );
                record.insert("document".into(), Value::Object(doc));
            }
            Value::Object(record).to_string()
        })
        .collect();
    Ok((records, findings))
}
