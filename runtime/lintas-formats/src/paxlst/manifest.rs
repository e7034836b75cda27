//! Turns segments into a [`Manifest`]: a small state machine over the
//! PAXLST segment groups (header, `TDT` flight groups, `NAD` traveller
//! groups, `CNT`/`UNT` trailer), checking control totals as it goes.

use super::findings::{Finding, FindingKind, Severity};
use super::lexer::{Lexer, Segment};
use super::una::Preamble;
use super::{
    Address, EdiDate, Envelope, Flight, ListKind, Manifest, PartyRole, Reference, TravelDocument,
    Traveller,
};
use crate::date::{self, Century, Date};
use crate::mrz::Sex;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: document numbers are short and come from one message, so a
/// simple hash is enough and much faster than the default SipHash.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

/// Where the segments being read belong.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Header,
    Flight,
    Traveller,
}

struct Builder<'a> {
    reference: Date,
    manifest: Manifest<'a>,
    place: Place,
    /// Segments since `UNH` (inclusive), for the `UNT` count.
    message_segments: Option<usize>,
    message_reference: Option<String>,
    /// Index of the first traveller of the current message, for `CNT`.
    message_first_traveller: usize,
    messages_in_group: usize,
    messages_total: usize,
    groups: usize,
    seen: HashSet<&'static str>,
}

fn finding(
    seg: &Segment<'_, '_>,
    severity: Severity,
    kind: FindingKind,
    expected: impl Into<String>,
    found: impl Into<String>,
) -> Finding {
    Finding {
        severity,
        kind,
        segment: Some(seg.number),
        tag: Some(seg.tag.to_string()),
        offset: seg.offset,
        expected: expected.into(),
        found: found.into(),
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// `text` without surrounding spaces, still borrowed if it was.
fn trimmed<'a>(text: &Cow<'a, str>) -> Cow<'a, str> {
    match text {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
        Cow::Owned(s) if s.trim().len() == s.len() => Cow::Owned(s.clone()),
        Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
    }
}

/// Reads every segment `lexer` gives into a manifest; `None` if it gives none.
pub(super) fn build<'a>(
    preamble: &Preamble,
    mut lexer: Lexer<'a>,
    reference: Date,
) -> Option<Manifest<'a>> {
    let mut b = Builder {
        reference,
        manifest: Manifest {
            envelope: Envelope {
                syntax_identifier: preamble.charset.clone(),
                syntax_version: preamble.version.clone(),
                una: preamble.una,
                ..Envelope::default()
            },
            separators: preamble.separators,
            list: ListKind::Unknown,
            flights: Vec::new(),
            // A traveller takes 150 to 250 bytes: room for all of them
            // up front costs less than growing the vector.
            travellers: Vec::with_capacity(lexer.input_len() / 128),
            passenger_count: None,
            crew_count: None,
            findings: Vec::new(),
        },
        place: Place::Header,
        message_segments: None,
        message_reference: None,
        message_first_traveller: 0,
        messages_in_group: 0,
        messages_total: 0,
        groups: 0,
        seen: HashSet::new(),
    };
    // One segment's parts at a time, in a buffer that stays in cache.
    let mut parts = Vec::with_capacity(32);
    let mut last_offset = None;
    while let Some((number, offset)) = lexer.next_segment(&mut parts) {
        b.segment(&Segment::new(number, offset, &parts));
        last_offset = Some(offset);
    }
    let last_offset = last_offset?;
    b.finish(last_offset);
    // The lexer's findings come first, as when the whole message was split
    // before it was read.
    let (mut findings, offsets) = lexer.finish();
    findings.append(&mut b.manifest.findings);
    // Findings raised after the fact (missing DOC, duplicates) know only the
    // segment number; give them its byte offset too.
    for f in &mut findings {
        if let (Some(n), 0) = (f.segment, f.offset) {
            f.offset = offsets
                .binary_search_by_key(&n, |&(number, _)| number)
                .ok()
                .and_then(|i| offsets.get(i))
                .map_or(0, |&(_, offset)| offset);
        }
    }
    b.manifest.findings = findings;
    Some(b.manifest)
}

impl<'a> Builder<'a> {
    fn push(&mut self, f: Finding) {
        self.manifest.findings.push(f);
    }

    fn segment(&mut self, seg: &Segment<'_, 'a>) {
        if let Some(n) = self.message_segments.as_mut() {
            *n += 1;
        }
        match seg.tag {
            "UNB" => self.unb(seg),
            "UNG" => {
                self.seen.insert("UNG");
                self.groups += 1;
                self.messages_in_group = 0;
                self.manifest.envelope.group_sender = non_empty(seg.get(2, 0));
                self.manifest.envelope.group_recipient = non_empty(seg.get(3, 0));
            }
            "UNH" => self.unh(seg),
            "BGM" => self.bgm(seg),
            "TDT" => self.tdt(seg),
            "NAD" => self.nad(seg),
            "LOC" => self.loc(seg),
            "DTM" => self.dtm(seg),
            "ATT" => self.att(seg),
            "NAT" => self.nat(seg),
            "RFF" => self.rff(seg),
            "DOC" => self.doc(seg),
            "CNT" => self.cnt(seg),
            "UNT" => self.unt(seg),
            "UNE" => self.une(seg),
            "UNZ" => self.unz(seg),
            // COM, EMP, FTX, GEI, QTY, ...: not needed for screening.
            _ => {}
        }
    }

    fn unb(&mut self, seg: &Segment<'_, 'a>) {
        self.seen.insert("UNB");
        let env = &mut self.manifest.envelope;
        env.sender = non_empty(seg.get(2, 0));
        env.recipient = non_empty(seg.get(3, 0));
        env.interchange_reference = non_empty(seg.get(5, 0));
    }

    fn unh(&mut self, seg: &Segment<'_, 'a>) {
        self.seen.insert("UNH");
        self.end_traveller();
        self.place = Place::Header;
        self.message_segments = Some(1);
        self.message_reference = non_empty(seg.get(1, 0));
        self.message_first_traveller = self.manifest.travellers.len();
        self.messages_in_group += 1;
        self.messages_total += 1;
        let kind = seg.get(2, 0);
        if kind != "PAXLST" {
            let f = finding(
                seg,
                Severity::Warning,
                FindingKind::UnexpectedMessageType,
                "PAXLST",
                kind,
            );
            self.push(f);
        }
        let env = &mut self.manifest.envelope;
        if env.message_type.is_none() {
            env.message_reference = self.message_reference.clone();
            env.message_type = non_empty(kind);
            let version = [seg.get(2, 1), seg.get(2, 2)].join(":");
            env.message_version = (version != ":").then_some(version);
        }
    }

    fn bgm(&mut self, seg: &Segment<'_, 'a>) {
        let code = seg.get(1, 0);
        self.manifest.list = match code {
            "745" => ListKind::Passengers,
            "250" => ListKind::Crew,
            other => {
                let f = finding(
                    seg,
                    Severity::Warning,
                    FindingKind::UnknownListType,
                    "BGM+745 (passenger list) or BGM+250 (crew list)",
                    format!("BGM+{other}"),
                );
                self.push(f);
                ListKind::Other(other.to_string())
            }
        };
    }

    fn tdt(&mut self, seg: &Segment<'_, 'a>) {
        self.end_traveller();
        self.place = Place::Flight;
        self.manifest.flights.push(Flight {
            number: seg.get(2, 0).to_string(),
            carrier: non_empty(seg.get(5, 0)),
            segment: seg.number,
            ..Flight::default()
        });
    }

    fn nad(&mut self, seg: &Segment<'_, 'a>) {
        self.end_traveller();
        let qualifier = seg.get(1, 0);
        if qualifier == "MS" {
            // The reporting party (who sent the list), not a traveller.
            self.place = Place::Header;
            return;
        }
        let role = match qualifier {
            "FL" | "DDT" => PartyRole::Passenger,
            "FM" | "DDU" => PartyRole::Crew,
            other => {
                let f = finding(
                    seg,
                    Severity::Warning,
                    FindingKind::UnusualPartyQualifier,
                    "NAD+FL (passenger), NAD+FM (crew), NAD+DDT/DDU (in transit) or NAD+MS (sender)",
                    format!("NAD+{other}; kept as a traveller with role Other"),
                );
                self.push(f);
                PartyRole::Other(other.to_string())
            }
        };
        let mismatch = match (&self.manifest.list, &role) {
            (ListKind::Passengers, PartyRole::Crew) => {
                Some("passengers in a BGM+745 passenger list")
            }
            (ListKind::Crew, PartyRole::Passenger) => Some("crew in a BGM+250 crew list"),
            _ => None,
        };
        if let Some(expected) = mismatch {
            let f = finding(
                seg,
                Severity::Warning,
                FindingKind::RoleNotInList,
                expected,
                format!("NAD+{qualifier}"),
            );
            self.push(f);
        }
        // Party name (C080): surname, then given names; some senders use the
        // unstructured name-and-address element (C058) instead.
        let mut name: Vec<&Cow<'a, str>> = seg.components(4).take(5).collect();
        if name.iter().all(|c| c.is_empty()) {
            name = seg.components(3).collect();
        }
        let surname = name.first().map_or(Cow::Borrowed(""), |s| trimmed(s));
        let mut given: Vec<Cow<'a, str>> = name
            .iter()
            .skip(1)
            .map(|s| trimmed(s))
            .filter(|s| !s.is_empty())
            .collect();
        // One given name (the usual case) stays borrowed; several are joined.
        let given_names = match given.len() {
            0 => Cow::Borrowed(""),
            1 => given.pop().unwrap_or_default(),
            _ => Cow::Owned(given.join(" ")),
        };
        if surname.is_empty() && given_names.is_empty() {
            let f = finding(
                seg,
                Severity::Error,
                FindingKind::MissingName,
                "a party name (NAD element 4: SURNAME:GIVEN)",
                "no name",
            );
            self.push(f);
        } else if surname
            .chars()
            .chain(given_names.chars())
            .any(char::is_lowercase)
        {
            let f = finding(
                seg,
                Severity::Info,
                FindingKind::LowerCaseName,
                "upper-case names, as in the MRZ",
                format!("{surname}:{given_names}"),
            );
            self.push(f);
        }
        let address = [5, 6, 7, 8, 9]
            .iter()
            .any(|&e| !seg.get(e, 0).is_empty())
            .then(|| Address {
                street: seg.get(5, 0).to_string(),
                city: seg.get(6, 0).to_string(),
                region: seg.get(7, 0).to_string(),
                postal_code: seg.get(8, 0).to_string(),
                country: seg.get(9, 0).to_string(),
            });
        self.manifest.travellers.push(Traveller {
            role,
            party_qualifier: seg.text(1, 0),
            segment: seg.number,
            surname,
            given_names,
            address,
            sex: None,
            birth_date: None,
            nationality: None,
            residence: None,
            embarkation: None,
            debarkation: None,
            documents: Vec::new(),
            booking_reference: None,
            references: Vec::new(),
        });
        self.place = Place::Traveller;
    }

    fn traveller(&mut self, seg: &Segment<'_, 'a>) -> Option<&mut Traveller<'a>> {
        if self.place != Place::Traveller {
            let f = finding(
                seg,
                Severity::Warning,
                FindingKind::SegmentOutOfPlace,
                "this segment after a traveller's NAD",
                format!("{} outside any traveller; ignored", seg.tag),
            );
            self.push(f);
            return None;
        }
        self.manifest.travellers.last_mut()
    }

    /// Sets a traveller field once; a second value is reported and ignored.
    fn set_once(
        &mut self,
        seg: &Segment<'_, 'a>,
        what: &str,
        value: Cow<'a, str>,
        get: for<'t> fn(&'t mut Traveller<'a>) -> &'t mut Option<Cow<'a, str>>,
    ) {
        let Some(t) = self.traveller(seg) else { return };
        let slot = get(t);
        match slot {
            None => *slot = Some(value),
            Some(old) if *old == value => {}
            Some(old) => {
                let expected = format!("one {what} per traveller (kept {old})");
                let f = finding(
                    seg,
                    Severity::Warning,
                    FindingKind::DuplicateValue,
                    expected,
                    value,
                );
                self.push(f);
            }
        }
    }

    fn country_check(&mut self, seg: &Segment<'_, 'a>, code: &str) {
        if code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic()) {
            let f = finding(
                seg,
                Severity::Warning,
                FindingKind::TwoLetterCountryCode,
                "an ISO 3166-1 alpha-3 or ICAO 9303 code (e.g. USA, D)",
                code,
            );
            self.push(f);
        }
    }

    fn loc(&mut self, seg: &Segment<'_, 'a>) {
        let place = seg.text(2, 0);
        match (self.place, seg.get(1, 0)) {
            (Place::Flight, q @ ("125" | "87" | "92")) => {
                if let Some(flight) = self.manifest.flights.last_mut() {
                    match q {
                        "125" => {
                            flight.departure = Some(place.into_owned());
                            flight.border_crossing = true;
                        }
                        "87" => {
                            flight.arrival = Some(place.into_owned());
                            flight.border_crossing = true;
                        }
                        _ if flight.departure.is_none() => {
                            flight.departure = Some(place.into_owned())
                        }
                        _ => flight.arrival = Some(place.into_owned()),
                    }
                }
            }
            (_, "178") => self.set_once(seg, "port of embarkation", place, |t| &mut t.embarkation),
            (_, "179") => self.set_once(seg, "port of debarkation", place, |t| &mut t.debarkation),
            (_, "174") => {
                self.country_check(seg, &place);
                self.set_once(seg, "country of residence", place, |t| &mut t.residence);
            }
            (_, "91") => self.document_issuer(seg, place),
            // Birth place (180) and others: not needed.
            _ => {}
        }
    }

    fn document_issuer(&mut self, seg: &Segment<'_, 'a>, place: Cow<'a, str>) {
        let subdivision = seg.get(2, 1) == "163";
        if !subdivision {
            self.country_check(seg, &place);
        }
        let Some(t) = self.traveller(seg) else { return };
        let Some(doc) = t.documents.last_mut() else {
            let f = finding(
                seg,
                Severity::Warning,
                FindingKind::SegmentOutOfPlace,
                "LOC+91 after a DOC segment",
                "LOC+91 before any DOC; ignored",
            );
            self.push(f);
            return;
        };
        let slot = if subdivision {
            &mut doc.issuer_subdivision
        } else {
            &mut doc.issuer
        };
        if let Some(old) = slot {
            let f = finding(
                seg,
                Severity::Warning,
                FindingKind::DuplicateValue,
                format!("one issuer per document (kept {old})"),
                place,
            );
            self.push(f);
        } else {
            *slot = Some(place);
        }
    }

    fn dtm(&mut self, seg: &Segment<'_, 'a>) {
        let qualifier = seg.get(1, 0);
        let raw = seg.get(1, 1);
        match (self.place, qualifier) {
            (Place::Flight, "189") => {
                if let Some(flight) = self.manifest.flights.last_mut() {
                    flight.departure_time = Some(raw.to_string());
                }
            }
            (Place::Flight, "232") => {
                // A flight arrives close to the reference date: the expiry
                // rule's window (79 years back, 20 ahead) reads its year.
                let date = self.edi_date(seg, Century::Expiry).date;
                if let Some(flight) = self.manifest.flights.last_mut() {
                    flight.arrival_time = Some(raw.to_string());
                    flight.arrival_date = date;
                }
            }
            (_, "329") => {
                let date = self.edi_date(seg, Century::Past);
                if let Some(t) = self.traveller(seg)
                    && t.birth_date.is_none()
                {
                    t.birth_date = Some(date);
                }
            }
            (_, "36") => {
                let date = self.edi_date(seg, Century::Expiry);
                let Some(t) = self.traveller(seg) else { return };
                match t.documents.last_mut() {
                    Some(doc) => doc.expiry = Some(date),
                    None => {
                        let f = finding(
                            seg,
                            Severity::Warning,
                            FindingKind::SegmentOutOfPlace,
                            "DTM+36 after a DOC segment",
                            "DTM+36 before any DOC; ignored",
                        );
                        self.push(f);
                    }
                }
            }
            _ => {}
        }
    }

    /// `DTM` date: format 102 `CCYYMMDD`, 101 or none `YYMMDD`, 201/203 with time.
    fn edi_date(&mut self, seg: &Segment<'_, 'a>, rule: Century) -> EdiDate<'a> {
        let raw = seg.get(1, 1);
        let format = seg.get(1, 2);
        let b = raw.as_bytes();
        let parts = match (format, b.len()) {
            ("102", 8) | ("203", 12) | ("", 8) => {
                Some((b.get(0..4), b.get(4..6), b.get(6..8), None))
            }
            ("101" | "", 6) | ("201", 10) => Some((None, b.get(2..4), b.get(4..6), b.get(0..2))),
            _ => None,
        };
        let date = parts.and_then(|(ccyy, mm, dd, yy)| {
            let n = |p: Option<&[u8]>| p.and_then(date::digits);
            let month = u8::try_from(n(mm)?).ok()?;
            let day = u8::try_from(n(dd)?).ok()?;
            let year = match ccyy {
                Some(_) => i32::try_from(n(ccyy)?).ok()?,
                None => date::infer_year(
                    u8::try_from(n(yy)?).ok()?,
                    Some(month),
                    Some(day),
                    self.reference,
                    rule,
                ),
            };
            Date::new(year, month, day)
        });
        if date.is_none() {
            let f = finding(
                seg,
                Severity::Warning,
                FindingKind::InvalidDate,
                "a calendar date: YYMMDD, or CCYYMMDD with format 102",
                format!("{raw:?} with format code {format:?}"),
            );
            self.push(f);
        }
        EdiDate {
            raw: seg.text(1, 1),
            date,
        }
    }

    fn att(&mut self, seg: &Segment<'_, 'a>) {
        if seg.get(1, 0) != "2" {
            return;
        }
        let code = seg.get(3, 0).to_string();
        if seg.repetitions(3) > 1 {
            let f = finding(
                seg,
                Severity::Warning,
                FindingKind::RepeatedElement,
                "one sex code",
                format!(
                    "{} repetitions (syntax 4 separator `*`); the first is used",
                    seg.repetitions(3)
                ),
            );
            self.push(f);
        }
        let sex = match code.as_str() {
            "M" => Some(Sex::Male),
            "F" => Some(Sex::Female),
            "U" | "X" => Some(Sex::Unspecified),
            _ => None,
        };
        if sex.is_none() {
            let f = finding(
                seg,
                Severity::Warning,
                FindingKind::UnknownSex,
                "ATT+2++M, F, U or X",
                code,
            );
            self.push(f);
        }
        if let Some(t) = self.traveller(seg) {
            t.sex = t.sex.or(sex);
        }
    }

    fn nat(&mut self, seg: &Segment<'_, 'a>) {
        if seg.get(1, 0) != "2" {
            return;
        }
        let code = seg.text(2, 0);
        self.country_check(seg, &code);
        self.set_once(seg, "nationality", code, |t| &mut t.nationality);
    }

    fn rff(&mut self, seg: &Segment<'_, 'a>) {
        if self.place != Place::Traveller {
            // Message-level references (RFF+TN transaction, RFF+RFA, ...).
            return;
        }
        let qualifier = seg.text(1, 0);
        let value = seg.text(1, 1);
        if qualifier == "AVF" {
            self.set_once(seg, "booking reference (RFF+AVF)", value, |t| {
                &mut t.booking_reference
            });
        } else if let Some(t) = self.traveller(seg) {
            t.references.push(Reference { qualifier, value });
        }
    }

    fn doc(&mut self, seg: &Segment<'_, 'a>) {
        let document = TravelDocument {
            code: seg.text(1, 0),
            number: seg.text(2, 0),
            issuer: None,
            issuer_subdivision: None,
            expiry: None,
            segment: seg.number,
        };
        if let Some(t) = self.traveller(seg) {
            t.documents.push(document);
        }
    }

    fn cnt(&mut self, seg: &Segment<'_, 'a>) {
        self.end_traveller();
        self.place = Place::Header;
        let value = seg.get(1, 1).trim().parse::<u32>().ok();
        match seg.get(1, 0) {
            "42" => self.manifest.passenger_count = value,
            "41" => self.manifest.crew_count = value,
            _ => {}
        }
        if value.is_none() {
            let f = finding(
                seg,
                Severity::Warning,
                FindingKind::PassengerCountMismatch,
                "CNT+42:<number> or CNT+41:<number>",
                seg.get(1, 1),
            );
            self.push(f);
        }
    }

    fn unt(&mut self, seg: &Segment<'_, 'a>) {
        self.end_traveller();
        self.place = Place::Header;
        let counted = self.message_segments.take().unwrap_or(0);
        if !self.seen.contains("UNH") {
            let f = finding(
                seg,
                Severity::Error,
                FindingKind::MissingServiceSegment,
                "UNH before UNT",
                "UNT without UNH",
            );
            self.push(f);
        }
        self.seen.insert("UNT");
        let declared = seg.get(1, 0);
        if declared.parse::<usize>().ok() != Some(counted) {
            let f = finding(
                seg,
                Severity::Error,
                FindingKind::SegmentCountMismatch,
                format!("UNT+{counted} (segments UNH to UNT inclusive)"),
                format!("UNT+{declared}"),
            );
            self.push(f);
        }
        let reference = seg.get(2, 0);
        if self
            .message_reference
            .as_deref()
            .is_some_and(|r| r != reference)
        {
            let expected = format!(
                "the UNH reference {}",
                self.message_reference.clone().unwrap_or_default()
            );
            let f = finding(
                seg,
                Severity::Warning,
                FindingKind::ControlReferenceMismatch,
                expected,
                reference,
            );
            self.push(f);
        }
        self.check_counts(seg);
    }

    /// `CNT` totals against the travellers of the message just closed.
    fn check_counts(&mut self, seg: &Segment<'_, 'a>) {
        let travellers = self
            .manifest
            .travellers
            .get(self.message_first_traveller..)
            .unwrap_or_default();
        let passengers = travellers
            .iter()
            .filter(|t| t.role == PartyRole::Passenger)
            .count();
        let crew = travellers
            .iter()
            .filter(|t| t.role == PartyRole::Crew)
            .count();
        let checks = [
            (
                self.manifest.passenger_count,
                passengers,
                FindingKind::PassengerCountMismatch,
                "42",
                "passengers",
            ),
            (
                self.manifest.crew_count,
                crew,
                FindingKind::CrewCountMismatch,
                "41",
                "crew",
            ),
        ];
        for (declared, actual, kind, code, what) in checks {
            if let Some(d) = declared
                && usize::try_from(d).ok() != Some(actual)
            {
                let f = finding(
                    seg,
                    Severity::Error,
                    kind,
                    format!("CNT+{code}:{actual} ({actual} {what} listed)"),
                    format!("CNT+{code}:{d}"),
                );
                self.push(f);
            }
        }
    }

    fn une(&mut self, seg: &Segment<'_, 'a>) {
        let declared = seg.get(1, 0);
        if declared.parse::<usize>().ok() != Some(self.messages_in_group) {
            let f = finding(
                seg,
                Severity::Warning,
                FindingKind::MessageCountMismatch,
                format!("UNE+{}", self.messages_in_group),
                format!("UNE+{declared}"),
            );
            self.push(f);
        }
    }

    fn unz(&mut self, seg: &Segment<'_, 'a>) {
        self.seen.insert("UNZ");
        // With functional groups, UNZ counts groups; without, messages.
        let expected = if self.groups > 0 {
            self.groups
        } else {
            self.messages_total
        };
        let declared = seg.get(1, 0);
        if declared.parse::<usize>().ok() != Some(expected) {
            let f = finding(
                seg,
                Severity::Warning,
                FindingKind::MessageCountMismatch,
                format!("UNZ+{expected}"),
                format!("UNZ+{declared}"),
            );
            self.push(f);
        }
        let reference = seg.get(2, 0);
        if let Some(r) = self.manifest.envelope.interchange_reference.clone()
            && r != reference
        {
            let f = finding(
                seg,
                Severity::Warning,
                FindingKind::ControlReferenceMismatch,
                format!("the UNB reference {r}"),
                reference,
            );
            self.push(f);
        }
    }

    /// Closes the current traveller: a traveller without documents is reported.
    fn end_traveller(&mut self) {
        if self.place != Place::Traveller {
            return;
        }
        self.place = Place::Header;
        if let Some(t) = self.manifest.travellers.last()
            && t.documents.is_empty()
        {
            let f = Finding {
                severity: Severity::Warning,
                kind: FindingKind::MissingDocument,
                segment: Some(t.segment),
                tag: Some("NAD".into()),
                offset: 0,
                expected: "a DOC segment for each traveller".into(),
                found: format!("no DOC for {} {}", t.surname, t.given_names)
                    .trim_end()
                    .to_string(),
            };
            self.push(f);
        }
    }

    fn finish(&mut self, last_offset: usize) {
        self.end_traveller();
        let missing: Vec<&str> = ["UNB", "UNH", "UNT", "UNZ"]
            .into_iter()
            .filter(|t| !self.seen.contains(t))
            .collect();
        if !missing.is_empty() {
            self.push(Finding {
                severity: Severity::Error,
                kind: FindingKind::MissingServiceSegment,
                segment: None,
                tag: None,
                offset: last_offset,
                expected: "UNB, UNH, UNT and UNZ envelope segments".into(),
                found: format!("no {}", missing.join(", ")),
            });
        }
        // An unclosed message still has its totals checked.
        if self.message_segments.is_some()
            && (self.manifest.passenger_count.is_some() || self.manifest.crew_count.is_some())
        {
            let pseudo = Segment::pseudo(0, last_offset, "CNT");
            self.check_counts(&pseudo);
        }
        self.duplicate_documents();
    }

    fn duplicate_documents(&mut self) {
        let documents = self
            .manifest
            .travellers
            .iter()
            .map(|t| t.documents.len())
            .sum();
        let mut first: HashMap<(&str, &str), usize, BuildHasherDefault<Fnv>> =
            HashMap::with_capacity_and_hasher(documents, BuildHasherDefault::default());
        let mut found = Vec::new();
        for t in &self.manifest.travellers {
            for d in &t.documents {
                if d.number.is_empty() {
                    continue;
                }
                let key = (d.code.as_ref(), d.number.as_ref());
                match first.get(&key) {
                    Some(&earlier) => found.push(Finding {
                        severity: Severity::Warning,
                        kind: FindingKind::DuplicateDocumentNumber,
                        segment: Some(d.segment),
                        tag: Some("DOC".into()),
                        offset: 0,
                        expected: "a document number used by one traveller".into(),
                        found: format!("DOC {} {} also at segment {earlier}", d.code, d.number),
                    }),
                    None => {
                        first.insert(key, d.segment);
                    }
                }
            }
        }
        self.manifest.findings.extend(found);
    }
}
