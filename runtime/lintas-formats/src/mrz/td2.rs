//! TD2 (2x36): line 2 ends with optional data (29-35) and the composite
//! digit (36) over positions 1-10, 14-20, 22-35. Long document numbers
//! continue into the optional data (see `fields::document_number`).

use super::check_digit::{Check, CheckField};
use super::fields::{self, field};
use super::two_line::{lower, upper};
use super::{Mrz, MrzError, MrzFormat};
use crate::date::Date;

pub(super) fn parse(l1: &[u8], l2: &[u8], reference: Date) -> Result<Mrz, MrzError> {
    let up = upper(l1)?;
    let low = lower(l2, reference)?;
    let optional = field(2, l2, 28, 35)?.bytes;
    let (document_number, doc_check, rest) =
        fields::document_number(low.number_field, low.number_check, optional, true);
    let composite_data = [
        field(2, l2, 0, 10)?.bytes,
        field(2, l2, 13, 20)?.bytes,
        field(2, l2, 21, 35)?.bytes,
    ]
    .concat();
    let composite = Check::verify(
        CheckField::Composite,
        &composite_data,
        fields::byte(2, l2, 35)?,
    );
    Ok(Mrz {
        format: MrzFormat::Td2,
        document_code: up.document_code,
        issuer: up.issuer,
        document_number,
        nationality: low.nationality,
        birth_date: low.birth_date,
        sex: low.sex,
        expiry_date: low.expiry_date,
        surname: up.surname,
        given_names: up.given_names,
        optional_data: fields::text(rest),
        optional_data_2: String::new(),
        checks: vec![doc_check, low.birth_check, low.expiry_check, composite],
    })
}
