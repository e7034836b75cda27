//! Machine-readable visas. MRV-A (2x44) and MRV-B (2x36) share TD3's first
//! 28 positions of line 2; the rest is optional data. Visas have no
//! composite digit and no long document numbers.

use super::fields::{self, field};
use super::two_line::{lower, upper};
use super::{Mrz, MrzError, MrzFormat};
use crate::date::Date;

pub(super) fn parse(
    format: MrzFormat,
    l1: &[u8],
    l2: &[u8],
    reference: Date,
) -> Result<Mrz, MrzError> {
    let up = upper(l1)?;
    let low = lower(l2, reference)?;
    let (document_number, doc_check, _) =
        fields::document_number(low.number_field, low.number_check, &[], false);
    let optional = field(2, l2, 28, l2.len())?.bytes;
    Ok(Mrz {
        format,
        document_code: up.document_code,
        issuer: up.issuer,
        document_number,
        nationality: low.nationality,
        birth_date: low.birth_date,
        sex: low.sex,
        expiry_date: low.expiry_date,
        surname: up.surname,
        given_names: up.given_names,
        optional_data: fields::text(optional),
        optional_data_2: String::new(),
        checks: vec![doc_check, low.birth_check, low.expiry_check],
    })
}
