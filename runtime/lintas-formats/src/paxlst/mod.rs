//! UN/EDIFACT PAXLST advance passenger (and crew) manifests, syntax
//! versions 3 and 4, directories D:02B, D:03B, D:05B (and others: the
//! segments read are the same).
//!
//! [`parse`] takes bytes and returns a [`Manifest`]: the flights (one per
//! `TDT`), the travellers (one per `NAD` other than the sender), and every
//! irregularity as a [`Finding`]. Real airline data breaks the rules, so
//! almost nothing is an error: the parser reads what it can, never drops a
//! traveller, and says precisely (segment number, byte offset, expected,
//! found) what it had to tolerate. It fails only when the input holds no
//! segment at all.

mod findings;
mod lexer;
mod manifest;
mod una;

pub use findings::{Finding, FindingKind, Severity};
pub use una::Separators;

use crate::date::Date;
use crate::mrz::Sex;
use serde::Serialize;
use std::fmt;

/// What kind of list the message is (`BGM`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ListKind {
    /// `BGM+745`.
    Passengers,
    /// `BGM+250`.
    Crew,
    /// Any other code, e.g. `10` in US CBP ACE land manifests.
    Other(String),
    /// No `BGM` segment.
    Unknown,
}

/// A traveller's role, from the `NAD` party qualifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PartyRole {
    /// `FL`, or `DDT` (in-transit passenger).
    Passenger,
    /// `FM`, or `DDU` (in-transit crew member).
    Crew,
    /// Any other qualifier (kept verbatim, reported as a finding).
    Other(String),
}

/// A date as sent, and the calendar date it denotes when readable.
/// `YYMMDD` centuries follow [`crate::date`] (birth dates in the past, expiry
/// dates up to 20 years ahead of the reference date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EdiDate {
    pub raw: String,
    pub date: Option<Date>,
}

/// Interchange and message envelope data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Envelope {
    /// `UNB` syntax identifier and version, e.g. `UNOA`, `4`.
    pub syntax_identifier: Option<String>,
    pub syntax_version: Option<String>,
    pub sender: Option<String>,
    pub recipient: Option<String>,
    pub interchange_reference: Option<String>,
    /// `UNG` application sender and recipient, if there is a functional group.
    pub group_sender: Option<String>,
    pub group_recipient: Option<String>,
    /// `UNH` message reference (of the first message).
    pub message_reference: Option<String>,
    /// `UNH` message type and version, e.g. `PAXLST`, `D:05B`.
    pub message_type: Option<String>,
    pub message_version: Option<String>,
    /// Whether a `UNA` gave the separators.
    pub una: bool,
}

/// One flight leg (`TDT` and its `LOC`/`DTM`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Flight {
    /// `TDT` journey identifier, e.g. `QQ877`.
    pub number: String,
    /// `TDT` carrier, e.g. `QQ`.
    pub carrier: Option<String>,
    /// `LOC+125` (or the first `LOC+92`).
    pub departure: Option<String>,
    /// `LOC+87` (or the second `LOC+92`).
    pub arrival: Option<String>,
    /// `DTM+189`, as sent (`YYMMDDHHMM` and similar).
    pub departure_time: Option<String>,
    /// `DTM+232`, as sent.
    pub arrival_time: Option<String>,
    /// True when given as `LOC+125/87` (the leg that crosses the border),
    /// false for `LOC+92` routing legs.
    pub border_crossing: bool,
    pub segment: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Address {
    pub street: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
}

/// A `DOC` segment and what follows it (`DTM+36`, `LOC+91`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TravelDocument {
    /// The code as sent: `P` passport, `V` visa, `I`/`A`/`C` identity
    /// documents, or any other (`5K`, `39`, ...).
    pub code: String,
    pub number: String,
    /// `LOC+91` with a country (code list 162 or none).
    pub issuer: Option<String>,
    /// `LOC+91` with a country subdivision (code list 163, e.g. a US state).
    pub issuer_subdivision: Option<String>,
    /// `DTM+36`.
    pub expiry: Option<EdiDate>,
    pub segment: usize,
}

impl TravelDocument {
    pub fn is_passport(&self) -> bool {
        self.code == "P"
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    pub qualifier: String,
    pub value: String,
}

/// One traveller: a `NAD` (not `NAD+MS`) and the segments up to the next.
/// Text is kept as sent (case included); compare names case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Traveller {
    pub role: PartyRole,
    /// The `NAD` qualifier as sent (`FL`, `FM`, `VW`, ...).
    pub party_qualifier: String,
    /// Segment number of the `NAD`.
    pub segment: usize,
    pub surname: String,
    /// Given names, space-separated.
    pub given_names: String,
    pub address: Option<Address>,
    /// `ATT+2`: M, F; U or X give [`Sex::Unspecified`].
    pub sex: Option<Sex>,
    /// `DTM+329`.
    pub birth_date: Option<EdiDate>,
    /// `NAT+2`, as sent (two-letter codes are reported, not converted).
    pub nationality: Option<String>,
    /// `LOC+174` country of residence.
    pub residence: Option<String>,
    /// `LOC+178` port of embarkation.
    pub embarkation: Option<String>,
    /// `LOC+179` port of debarkation.
    pub debarkation: Option<String>,
    pub documents: Vec<TravelDocument>,
    /// `RFF+AVF`: the reservation (PNR) locator.
    pub booking_reference: Option<String>,
    /// Other `RFF` references (`ABO`, ...).
    pub references: Vec<Reference>,
}

impl Traveller {
    /// The first passport, else the first document.
    pub fn main_document(&self) -> Option<&TravelDocument> {
        self.documents
            .iter()
            .find(|d| d.is_passport())
            .or(self.documents.first())
    }
}

/// A parsed interchange. Several messages in one interchange are merged:
/// their flights and travellers are listed in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    pub envelope: Envelope,
    pub separators: Separators,
    pub list: ListKind,
    pub flights: Vec<Flight>,
    pub travellers: Vec<Traveller>,
    /// `CNT+42` and `CNT+41` as sent.
    pub passenger_count: Option<u32>,
    pub crew_count: Option<u32>,
    pub findings: Vec<Finding>,
}

impl Manifest {
    /// Findings of one kind.
    pub fn findings_of(&self, kind: FindingKind) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.kind == kind)
    }

    /// The most severe finding's severity, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// Input that is not an EDIFACT interchange at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaxlstError {
    /// Empty or whitespace only.
    Empty,
    /// No segment with a valid tag; `found` shows the start of the input.
    NoSegments { found: String },
}

impl fmt::Display for PaxlstError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaxlstError::Empty => write!(
                f,
                "the PAXLST input is empty: pass the message file's bytes"
            ),
            PaxlstError::NoSegments { found } => write!(
                f,
                "no EDIFACT segment found (expected UNA/UNB/UNH... segments ending in the terminator), input starts {found}"
            ),
        }
    }
}

impl std::error::Error for PaxlstError {}

/// Parses a PAXLST interchange from its bytes. `reference` resolves
/// two-digit years (normally the arrival date; never the clock).
pub fn parse(input: &[u8], reference: Date) -> Result<Manifest, PaxlstError> {
    if input.iter().all(u8::is_ascii_whitespace) {
        return Err(PaxlstError::Empty);
    }
    let preamble = una::preamble(input);
    let charset = lexer::Charset::from_identifier(preamble.charset.as_deref());
    let lexed = lexer::lex(input, preamble.body_start, &preamble.separators, charset);
    if lexed.segments.is_empty() {
        return Err(PaxlstError::NoSegments {
            found: lexer::excerpt(input),
        });
    }
    Ok(manifest::build(&preamble, lexed, reference))
}
