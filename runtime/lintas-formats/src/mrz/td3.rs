//! TD3 (passports, 2x44): line 2 ends with the personal number (29-42), its
//! check (43) and the composite digit (44) over positions 1-10, 14-20, 22-43.

use super::check_digit::{Check, CheckField};
use super::fields::{self, field};
use super::two_line::{lower, upper};
use super::{Mrz, MrzError, MrzFormat};
use crate::date::Date;

pub(super) fn parse(l1: &[u8], l2: &[u8], reference: Date) -> Result<Mrz, MrzError> {
    let up = upper(l1)?;
    let low = lower(l2, reference)?;
    // TD3 numbers are at most 9 characters: `<` in the check position is just a wrong digit.
    let (document_number, doc_check, _) =
        fields::document_number(low.number_field, low.number_check, &[], false);
    let personal = field(2, l2, 28, 42)?.bytes;
    let personal_check = fields::personal_number_check(personal, fields::byte(2, l2, 42)?);
    let composite_data = [
        field(2, l2, 0, 10)?.bytes,
        field(2, l2, 13, 20)?.bytes,
        field(2, l2, 21, 43)?.bytes,
    ]
    .concat();
    let composite = Check::verify(
        CheckField::Composite,
        &composite_data,
        fields::byte(2, l2, 43)?,
    );
    Ok(Mrz {
        format: MrzFormat::Td3,
        document_code: up.document_code,
        issuer: up.issuer,
        document_number,
        nationality: low.nationality,
        birth_date: low.birth_date,
        sex: low.sex,
        expiry_date: low.expiry_date,
        surname: up.surname,
        given_names: up.given_names,
        optional_data: fields::text(personal),
        optional_data_2: String::new(),
        checks: vec![
            doc_check,
            low.birth_check,
            low.expiry_check,
            personal_check,
            composite,
        ],
    })
}
