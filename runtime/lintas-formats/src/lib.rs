//! The input formats checkpoints receive: ICAO 9303 machine-readable zones
//! and UN/EDIFACT PAXLST advance passenger manifests.
//!
//! Pure: no I/O, no clock. Callers pass the bytes or text and a
//! **reference date** (normally the arrival date) that resolves two-digit
//! years; see [`date`] for the century rules.
//!
//! # MRZ
//!
//! ```
//! use lintas_formats::{date::Date, mrz};
//! let reference = Date::new(2026, 3, 1).unwrap();
//! let m = mrz::parse(
//!     "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
//!     reference,
//! )?;
//! assert_eq!(m.format, mrz::MrzFormat::Td3);
//! assert_eq!(m.document_number, "L898902C3");
//! assert_eq!(m.birth_date.date(), Date::new(1974, 8, 12));
//! assert!(m.is_valid()); // every check digit verifies
//! # Ok::<(), mrz::MrzError>(())
//! ```
//!
//! * [`mrz::parse`] (lines separated by newlines or `|`) and
//!   [`mrz::parse_lines`] return [`mrz::Mrz`] or an [`mrz::MrzError`] for text
//!   that is not an MRZ (line count, length, character, field syntax,
//!   impossible date), with line and column.
//! * Check digits never make parsing fail: [`mrz::Mrz::checks`] lists each
//!   one (document number, birth date, expiry, personal number on TD3,
//!   composite except on visas) and [`mrz::Mrz::failed_checks`] names the
//!   failures. Verification is strict ICAO 9303; issuer quirks belong in data.
//! * `<<` in a date gives a partial [`mrz::MrzDate`] (`date()` is `None`).
//!
//! # PAXLST
//!
//! ```
//! use lintas_formats::{date::Date, paxlst};
//! let msg = b"UNB+UNOA:4+AIR+GOV+260301:0700+7'UNH+1+PAXLST:D:05B:UN:IATA'BGM+745'\
//! NAD+FL+++TAN:WEI LING'DOC+P+A1234567'CNT+42:1'UNT+6+1'UNZ+1+7'";
//! let m = paxlst::parse(msg, Date::new(2026, 3, 1).unwrap())?;
//! assert_eq!(m.travellers[0].surname, "TAN");
//! assert!(m.findings.is_empty());
//! # Ok::<(), paxlst::PaxlstError>(())
//! ```
//!
//! * [`paxlst::parse`] takes `&[u8]` and returns a [`paxlst::Manifest`]:
//!   envelope, list kind (passengers/crew), flights (one per `TDT`),
//!   travellers (one per `NAD` other than the sender, never dropped) and
//!   [`paxlst::Finding`]s: everything irregular (control counts, text after
//!   `UNZ`, non-ASCII bytes, lower-case names, missing `DOC`, two-letter
//!   country codes, unknown qualifiers, ...), each with severity, segment
//!   number, byte offset, expected and found. It fails only on input with no
//!   EDIFACT segment at all ([`paxlst::PaxlstError`]).
//! * `UNA` separators, the release character and the syntax 4 repetition
//!   separator are honoured ([`paxlst::Separators`]).
//!
//! # Records
//!
//! [`mrz::Mrz::record`] and [`paxlst::Manifest::records`] give travellers
//! as [`record::Record`]s with fixed field names: JSON for `lintas eval`,
//! or read by a rule engine's decoder directly (see [`record`]).

pub mod date;
pub mod mrz;
pub mod paxlst;
pub mod record;

pub use date::Date;
pub use mrz::{Mrz, MrzError, Sex};
pub use paxlst::{Finding, Manifest, PaxlstError};
