//! TD1 (identity cards, 3x30).
//! Line 1: document code (1-2), issuer (3-5), document number (6-14), check
//! (15), optional data (16-30; holds the rest of a long document number).
//! Line 2: birth date (1-6), check (7), sex (8), expiry (9-14), check (15),
//! nationality (16-18), optional data (19-29), composite (30) over line 1
//! positions 6-30 and line 2 positions 1-7, 9-15, 19-29.
//! Line 3: names.

use super::check_digit::{Check, CheckField};
use super::fields::{self, field};
use super::{Mrz, MrzError, MrzFormat};
use crate::date::{Century, Date};

pub(super) fn parse(l1: &[u8], l2: &[u8], l3: &[u8], reference: Date) -> Result<Mrz, MrzError> {
    let document_code = fields::document_code(&field(1, l1, 0, 2)?)?;
    let issuer = fields::country(&field(1, l1, 2, 5)?, "issuing state")?;
    let optional_1 = field(1, l1, 15, 30)?.bytes;
    let (document_number, doc_check, rest) = fields::document_number(
        field(1, l1, 5, 14)?.bytes,
        fields::byte(1, l1, 14)?,
        optional_1,
        true,
    );
    let birth = field(2, l2, 0, 6)?;
    let birth_date = fields::date(&birth, "birth date", reference, Century::Past)?;
    let birth_check = Check::verify(CheckField::BirthDate, birth.bytes, fields::byte(2, l2, 6)?);
    let sex = fields::sex(2, 7, fields::byte(2, l2, 7)?)?;
    let expiry = field(2, l2, 8, 14)?;
    let expiry_date = fields::date(&expiry, "expiry date", reference, Century::Expiry)?;
    let expiry_check = Check::verify(
        CheckField::ExpiryDate,
        expiry.bytes,
        fields::byte(2, l2, 14)?,
    );
    let nationality = fields::country(&field(2, l2, 15, 18)?, "nationality")?;
    let optional_2 = field(2, l2, 18, 29)?.bytes;
    let composite_data = [
        field(1, l1, 5, 30)?.bytes,
        field(2, l2, 0, 7)?.bytes,
        field(2, l2, 8, 15)?.bytes,
        optional_2,
    ]
    .concat();
    let composite = Check::verify(
        CheckField::Composite,
        &composite_data,
        fields::byte(2, l2, 29)?,
    );
    let (surname, given_names) = fields::names(l3);
    Ok(Mrz {
        format: MrzFormat::Td1,
        document_code,
        issuer,
        document_number,
        nationality,
        birth_date,
        sex,
        expiry_date,
        surname,
        given_names,
        optional_data: fields::text(rest),
        optional_data_2: fields::text(optional_2),
        checks: vec![doc_check, birth_check, expiry_check, composite],
    })
}
