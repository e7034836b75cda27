//! The parts TD2, TD3, MRV-A and MRV-B share: line 1 is document code (1-2),
//! issuer (3-5) and names (6-end); line 2 starts with document number (1-9),
//! its check (10), nationality (11-13), birth date (14-19) and check (20),
//! sex (21), expiry date (22-27) and check (28).

use super::check_digit::{Check, CheckField};
use super::fields::{self, field};
use super::{MrzDate, MrzError, Sex};
use crate::date::{Century, Date};

pub(super) struct Upper {
    pub document_code: String,
    pub issuer: String,
    pub surname: String,
    pub given_names: Vec<String>,
}

pub(super) fn upper(l1: &[u8]) -> Result<Upper, MrzError> {
    let document_code = fields::document_code(&field(1, l1, 0, 2)?)?;
    let issuer = fields::country(&field(1, l1, 2, 5)?, "issuing state")?;
    let (surname, given_names) = fields::names(field(1, l1, 5, l1.len())?.bytes);
    Ok(Upper {
        document_code,
        issuer,
        surname,
        given_names,
    })
}

pub(super) struct Lower<'a> {
    pub number_field: &'a [u8],
    pub number_check: u8,
    pub nationality: String,
    pub birth_date: MrzDate,
    pub birth_check: Check,
    pub sex: Sex,
    pub expiry_date: MrzDate,
    pub expiry_check: Check,
}

pub(super) fn lower(l2: &[u8], reference: Date) -> Result<Lower<'_>, MrzError> {
    let birth = field(2, l2, 13, 19)?;
    let expiry = field(2, l2, 21, 27)?;
    Ok(Lower {
        number_field: field(2, l2, 0, 9)?.bytes,
        number_check: fields::byte(2, l2, 9)?,
        nationality: fields::country(&field(2, l2, 10, 13)?, "nationality")?,
        birth_date: fields::date(&birth, "birth date", reference, Century::Past)?,
        birth_check: Check::verify(CheckField::BirthDate, birth.bytes, fields::byte(2, l2, 19)?),
        sex: fields::sex(2, 20, fields::byte(2, l2, 20)?)?,
        expiry_date: fields::date(&expiry, "expiry date", reference, Century::Expiry)?,
        expiry_check: Check::verify(
            CheckField::ExpiryDate,
            expiry.bytes,
            fields::byte(2, l2, 27)?,
        ),
    })
}
