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
//!
//! The travellers' texts borrow from the input ([`Cow::Borrowed`]) unless
//! the release character or a character-set conversion changed them: a
//! manifest has thousands of them, and copying each was most of the time
//! parsing took.

mod findings;
mod lexer;
mod manifest;
mod una;

pub use findings::{Finding, FindingKind, Severity};
pub use una::Separators;

use crate::date::Date;
use crate::mrz::Sex;
use crate::record::{self, Field, Record};
use serde::Serialize;
use std::borrow::Cow;
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
pub struct EdiDate<'a> {
    pub raw: Cow<'a, str>,
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
    /// The calendar day of `arrival_time`, when it is readable: the arrival
    /// date rules compare documents and ages with.
    pub arrival_date: Option<Date>,
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
pub struct TravelDocument<'a> {
    /// The code as sent: `P` passport, `V` visa, `I`/`A`/`C` identity
    /// documents, or any other (`5K`, `39`, ...).
    pub code: Cow<'a, str>,
    pub number: Cow<'a, str>,
    /// `LOC+91` with a country (code list 162 or none).
    pub issuer: Option<Cow<'a, str>>,
    /// `LOC+91` with a country subdivision (code list 163, e.g. a US state).
    pub issuer_subdivision: Option<Cow<'a, str>>,
    /// `DTM+36`.
    pub expiry: Option<EdiDate<'a>>,
    pub segment: usize,
}

impl TravelDocument<'_> {
    pub fn is_passport(&self) -> bool {
        self.code == "P"
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference<'a> {
    pub qualifier: Cow<'a, str>,
    pub value: Cow<'a, str>,
}

/// One traveller: a `NAD` (not `NAD+MS`) and the segments up to the next.
/// Text is kept as sent (case included); compare names case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Traveller<'a> {
    pub role: PartyRole,
    /// The `NAD` qualifier as sent (`FL`, `FM`, `VW`, ...).
    pub party_qualifier: Cow<'a, str>,
    /// Segment number of the `NAD`.
    pub segment: usize,
    pub surname: Cow<'a, str>,
    /// Given names, space-separated.
    pub given_names: Cow<'a, str>,
    pub address: Option<Address>,
    /// `ATT+2`: M, F; U or X give [`Sex::Unspecified`].
    pub sex: Option<Sex>,
    /// `DTM+329`.
    pub birth_date: Option<EdiDate<'a>>,
    /// `NAT+2`, as sent (two-letter codes are reported, not converted).
    pub nationality: Option<Cow<'a, str>>,
    /// `LOC+174` country of residence.
    pub residence: Option<Cow<'a, str>>,
    /// `LOC+178` port of embarkation.
    pub embarkation: Option<Cow<'a, str>>,
    /// `LOC+179` port of debarkation.
    pub debarkation: Option<Cow<'a, str>>,
    pub documents: Vec<TravelDocument<'a>>,
    /// `RFF+AVF`: the reservation (PNR) locator.
    pub booking_reference: Option<Cow<'a, str>>,
    /// Other `RFF` references (`ABO`, ...).
    pub references: Vec<Reference<'a>>,
}

impl<'a> Traveller<'a> {
    /// The first passport, else the first document.
    pub fn main_document(&self) -> Option<&TravelDocument<'a>> {
        self.documents
            .iter()
            .find(|d| d.is_passport())
            .or(self.documents.first())
    }

    /// The traveller as a record with the field names of [`crate::record`];
    /// `arrival` is the manifest's [`Manifest::arrival_date`].
    pub fn record(&self, arrival: Option<Date>) -> Record<'_> {
        let mut out = Record::new();
        let name = record::full_name(&self.given_names, &self.surname);
        out.push("name", Field::Text(name.into()));
        out.push("surname", Field::Text(self.surname.as_ref().into()));
        out.push("given_names", Field::Text(self.given_names.as_ref().into()));
        out.text("sex", self.sex.and_then(record::sex_code));
        out.date("birth_date", self.birth_date.as_ref().and_then(|d| d.date));
        out.text("nationality", self.nationality.as_deref());
        let role = match self.role {
            PartyRole::Passenger => "passenger",
            PartyRole::Crew => "crew",
            PartyRole::Other(_) => "other",
        };
        out.push("role", Field::Text(role.into()));
        out.text("embarkation", self.embarkation.as_deref());
        out.text("debarkation", self.debarkation.as_deref());
        out.date("arrival_date", arrival);
        if let Some(reference) = &self.booking_reference {
            let mut booking = Record::new();
            booking.push("reference", Field::Text(reference.as_ref().into()));
            out.push("booking", Field::Record(booking));
        }
        if let Some(d) = self.main_document() {
            let mut document = Record::new();
            document.push("number", Field::Text(d.number.as_ref().into()));
            document.push("code", Field::Text(d.code.as_ref().into()));
            let kind = record::document_kind(&d.code);
            document.push("kind", Field::Text(kind.into()));
            document.text("issuer", d.issuer.as_deref());
            document.date("expiry", d.expiry.as_ref().and_then(|e| e.date));
            out.push("document", Field::Record(document));
        }
        out
    }
}

/// A parsed interchange. Several messages in one interchange are merged:
/// their flights and travellers are listed in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest<'a> {
    pub envelope: Envelope,
    pub separators: Separators,
    pub list: ListKind,
    pub flights: Vec<Flight>,
    pub travellers: Vec<Traveller<'a>>,
    /// `CNT+42` and `CNT+41` as sent.
    pub passenger_count: Option<u32>,
    pub crew_count: Option<u32>,
    pub findings: Vec<Finding>,
}

/// A text that no longer borrows from the message.
fn owned(text: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(text.into_owned())
}

impl EdiDate<'_> {
    pub fn into_owned(self) -> EdiDate<'static> {
        EdiDate {
            raw: owned(self.raw),
            date: self.date,
        }
    }
}

impl TravelDocument<'_> {
    pub fn into_owned(self) -> TravelDocument<'static> {
        TravelDocument {
            code: owned(self.code),
            number: owned(self.number),
            issuer: self.issuer.map(owned),
            issuer_subdivision: self.issuer_subdivision.map(owned),
            expiry: self.expiry.map(EdiDate::into_owned),
            segment: self.segment,
        }
    }
}

impl Traveller<'_> {
    pub fn into_owned(self) -> Traveller<'static> {
        Traveller {
            role: self.role,
            party_qualifier: owned(self.party_qualifier),
            segment: self.segment,
            surname: owned(self.surname),
            given_names: owned(self.given_names),
            address: self.address,
            sex: self.sex,
            birth_date: self.birth_date.map(EdiDate::into_owned),
            nationality: self.nationality.map(owned),
            residence: self.residence.map(owned),
            embarkation: self.embarkation.map(owned),
            debarkation: self.debarkation.map(owned),
            documents: self
                .documents
                .into_iter()
                .map(TravelDocument::into_owned)
                .collect(),
            booking_reference: self.booking_reference.map(owned),
            references: self
                .references
                .into_iter()
                .map(|r| Reference {
                    qualifier: owned(r.qualifier),
                    value: owned(r.value),
                })
                .collect(),
        }
    }
}

impl Manifest<'_> {
    /// The manifest with its texts copied, to keep after the message's bytes
    /// are gone.
    pub fn into_owned(self) -> Manifest<'static> {
        Manifest {
            envelope: self.envelope,
            separators: self.separators,
            list: self.list,
            flights: self.flights,
            travellers: self
                .travellers
                .into_iter()
                .map(Traveller::into_owned)
                .collect(),
            passenger_count: self.passenger_count,
            crew_count: self.crew_count,
            findings: self.findings,
        }
    }

    /// The day the travellers arrive: that of the leg crossing the border
    /// (`LOC+125/87`), else of the last leg whose arrival is known.
    pub fn arrival_date(&self) -> Option<Date> {
        self.flights
            .iter()
            .find(|f| f.border_crossing && f.arrival_date.is_some())
            .or_else(|| self.flights.iter().rev().find(|f| f.arrival_date.is_some()))
            .and_then(|f| f.arrival_date)
    }

    /// Findings of one kind.
    pub fn findings_of(&self, kind: FindingKind) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.kind == kind)
    }

    /// The most severe finding's severity, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// Every traveller, in message order, as a record with the field names
    /// of [`crate::record`].
    pub fn records(&self) -> Vec<Record<'_>> {
        let arrival = self.arrival_date();
        self.travellers.iter().map(|t| t.record(arrival)).collect()
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
pub fn parse(input: &[u8], reference: Date) -> Result<Manifest<'_>, PaxlstError> {
    if input.iter().all(u8::is_ascii_whitespace) {
        return Err(PaxlstError::Empty);
    }
    let preamble = una::preamble(input);
    let charset = lexer::Charset::from_identifier(preamble.charset.as_deref());
    let lexer = lexer::Lexer::new(input, preamble.body_start, &preamble.separators, charset);
    manifest::build(&preamble, lexer, reference).ok_or_else(|| PaxlstError::NoSegments {
        found: lexer::excerpt(input),
    })
}
