//! Reading records: a JSON array, or JSON lines, split without parsing the
//! records themselves (each is decoded by its schema later).

use lintas_eval::decode::{DecodeError, DecodeErrorKind};
use serde_json::value::RawValue;

pub type Batch<'a> = Result<Vec<&'a str>, DecodeError>;

/// Splits input into batches of record texts without parsing the records:
/// a JSON array is one batch (a manifest, or simply many records); otherwise
/// each non-empty line is a batch of one record (or, for manifest decisions,
/// a line holding an array is one manifest). A line that is not JSON
/// becomes a failed batch, so one bad line never stops the others.
pub fn split_records(text: &str, over_manifest: bool) -> Vec<Batch<'_>> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') && serde_json::from_str::<Vec<&RawValue>>(trimmed).is_ok() {
        return vec![array_items(trimmed)];
    }
    let mut batches = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if over_manifest || line.starts_with('[') {
            batches.push(array_items(line).map_err(|mut e| {
                e.path = format!("line {}", number + 1);
                e
            }));
        } else {
            batches.push(Ok(vec![line]));
        }
    }
    if !over_manifest {
        // Records of one-record lines are decided one by one anyway.
        let mut flat = Vec::new();
        for b in batches {
            match b {
                Ok(items) => flat.extend(items.into_iter().map(|i| Ok(vec![i]))),
                Err(e) => flat.push(Err(e)),
            }
        }
        return flat;
    }
    batches
}

fn array_items(text: &str) -> Batch<'_> {
    serde_json::from_str::<Vec<&RawValue>>(text)
        .map(|items| items.into_iter().map(RawValue::get).collect())
        .map_err(|e| DecodeError {
            kind: DecodeErrorKind::Syntax,
            path: "$".to_string(),
            message: format!("expected a JSON array of records: {e}"),
        })
}
