//! The field's input formats as JSON records: each ICAO 9303 MRZ and each
//! PAXLST traveller becomes one JSON object with the fixed field names
//! `lintas_formats::record` lists (`runtime/lintas-formats/src/record.rs`),
//! which the decision's schema then decodes like any other record (so a
//! schema that needs more than the format carries fails closed, naming the
//! field). The ASEAN baseline's `Passenger` schema (`rules/asean/schema.lintas`)
//! is written against the PAXLST names.

use lintas_formats::date::Date;
use lintas_formats::{mrz, paxlst};

/// The reference date that resolves two-digit years: the evaluation date.
pub fn reference_date(days: i64) -> Option<Date> {
    let text = lintas_check::calendar::format_date(days);
    let (y, rest) = text.split_once('-')?;
    let (m, d) = rest.split_once('-')?;
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// One MRZ (lines joined by `|` or newlines) as a record, or why not.
pub fn mrz_record(text: &str, reference: Date) -> Result<String, String> {
    let m = mrz::parse(text, reference).map_err(|e| e.to_string())?;
    serde_json::to_string(&m.record()).map_err(|e| e.to_string())
}

/// A PAXLST message's travellers as records, in message order, with the
/// parser's findings as text.
pub fn paxlst_records(bytes: &[u8], reference: Date) -> Result<(Vec<String>, Vec<String>), String> {
    let manifest = paxlst::parse(bytes, reference).map_err(|e| e.to_string())?;
    let findings = manifest.findings.iter().map(ToString::to_string).collect();
    let records = manifest
        .records()
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    Ok((records, findings))
}
