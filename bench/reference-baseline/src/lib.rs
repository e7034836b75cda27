//! The reference policy (`rules/reference`) written by hand in plain Rust:
//! the baseline that compiled Lintas is measured against ("native /
//! hand-written"). It is what a careful engineer would write for this one
//! policy: records parsed straight from JSON tokens with texts borrowed and
//! looked up on the way, sets as bits, dates kept both as day numbers and
//! as civil dates, reasons as a bitset whose bit order is the reason order.
//!
//! It decides exactly as the reference interpreter does on every record
//! (`tests/agreement.rs` checks that record by record), including the
//! fail-closed results: an invalid record is an `Err` from
//! [`Policy::parse`] (the interpreter's `refer` with `INPUT_INVALID`, see
//! [`Decision::input_invalid`]) and a rule whose evaluation fails gives
//! `EVALUATION_ERROR` at its place.
//!
//! The rules are transcribed from `rules/reference/policy.lintas`, the
//! inline sets from `data.lintas`; the lost/stolen list is read from the
//! package's data file when the policy is loaded.

pub mod country;
pub mod date;
pub mod measure;
mod parse;

pub use country::{Country, CountrySet};
pub use date::Date;

use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

/// `ASEAN_MEMBERS` in `rules/reference/data.lintas`.
pub const ASEAN_MEMBERS: &[&str] = &[
    "BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM", "TLS",
];

/// `YELLOW_FEVER_RISK` in `rules/reference/data.lintas`.
pub const YELLOW_FEVER_RISK: &[&str] = &[
    "AGO", "ARG", "BEN", "BOL", "BRA", "BFA", "BDI", "CMR", "CAF", "TCD", "COL", "COG", "CIV",
    "COD", "ECU", "GNQ", "ETH", "GAB", "GMB", "GHA", "GIN", "GNB", "GUY", "KEN", "LBR", "MLI",
    "MRT", "NER", "NGA", "PAN", "PRY", "PER", "RWA", "SEN", "SLE", "SSD", "SDN", "SUR", "TGO",
    "TTO", "UGA", "VEN",
];

/// `LOST_STOLEN`: file and column, relative to the package directory.
const LOST_STOLEN_FILE: &str = "data/lost_stolen.csv";
const LOST_STOLEN_COLUMN: &str = "document_number";

/// The reference data, read once.
pub struct Policy {
    lost_stolen: HashSet<Box<str>, BuildHasherDefault<FxHasher>>,
    asean: CountrySet,
    yellow_fever: CountrySet,
}

/// A traveller record as the policy reads it (`schema.lintas`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traveller<'a> {
    pub name: Cow<'a, str>,
    pub nationality: Country,
    pub birth_date: Date,
    pub arrival_date: Date,
    pub purpose: Purpose,
    pub stay_days: i64,
    pub document: Document<'a>,
    pub visa: Option<Visa<'a>>,
    pub accompanied: bool,
    pub watchlist_hit: bool,
    pub visited: Vec<Visit>,
    pub yellow_fever_vaccinated: bool,
    pub booking: Booking,
    pub prior_overstays: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document<'a> {
    pub number: Cow<'a, str>,
    /// Whether `number` is on the lost/stolen list, looked up when parsed.
    pub lost_stolen: bool,
    pub kind: DocumentKind,
    pub issuer: Country,
    pub expiry: Date,
    pub electronic: bool,
    pub mrz_valid: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visa<'a> {
    pub number: Cow<'a, str>,
    pub valid_until: Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visit {
    pub country: Country,
    pub departed: Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Booking {
    pub paid_cash: bool,
    pub one_way: bool,
    pub booked: Date,
    pub group_size: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Tourism,
    Business,
    Transit,
    Work,
    Study,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Passport,
    IdentityCard,
    TravelDocument,
}

/// What a decision is made in. The reference policy has no effective dates
/// and no rule scoped to a member, so neither field changes a decision;
/// they are here so that the signature is the one every engine has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    /// Days since 1970-01-01.
    pub date: i64,
    pub member: Option<Country>,
}

/// `outcomes deny > refer > manual > autogate`, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    Deny,
    Refer,
    Manual,
    Autogate,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Deny => "deny",
            Outcome::Refer => "refer",
            Outcome::Manual => "manual",
            Outcome::Autogate => "autogate",
        }
    }
}

/// A reason code a decision can give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReasonCode {
    DocExpired,
    DocValidityLt6m,
    DocLostStolen,
    Watchlist,
    UnaccompaniedMinor,
    VisaRequired,
    HealthYf,
    RiskScore,
    MrzInvalid,
    AutogateEligible,
    EvaluationError,
    InputInvalid,
}

impl ReasonCode {
    pub const ALL: [ReasonCode; 12] = [
        ReasonCode::DocExpired,
        ReasonCode::DocValidityLt6m,
        ReasonCode::DocLostStolen,
        ReasonCode::Watchlist,
        ReasonCode::UnaccompaniedMinor,
        ReasonCode::VisaRequired,
        ReasonCode::HealthYf,
        ReasonCode::RiskScore,
        ReasonCode::MrzInvalid,
        ReasonCode::AutogateEligible,
        ReasonCode::EvaluationError,
        ReasonCode::InputInvalid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::DocExpired => "DOC_EXPIRED",
            ReasonCode::DocValidityLt6m => "DOC_VALIDITY_LT_6M",
            ReasonCode::DocLostStolen => "DOC_LOST_STOLEN",
            ReasonCode::Watchlist => "WATCHLIST",
            ReasonCode::UnaccompaniedMinor => "UNACCOMPANIED_MINOR",
            ReasonCode::VisaRequired => "VISA_REQUIRED",
            ReasonCode::HealthYf => "HEALTH_YF",
            ReasonCode::RiskScore => "RISK_SCORE",
            ReasonCode::MrzInvalid => "MRZ_INVALID",
            ReasonCode::AutogateEligible => "AUTOGATE_ELIGIBLE",
            ReasonCode::EvaluationError => "EVALUATION_ERROR",
            ReasonCode::InputInvalid => "INPUT_INVALID",
        }
    }
}

/// The reasons of one decision as bits. Each bit is one place a reason can
/// take, and the bits are ordered as the interpreter orders reasons (most
/// severe outcome first, then declaration order), so listing the set bits
/// from the lowest lists the reasons in order, without sorting. A rule
/// whose evaluation fails gives `EVALUATION_ERROR` with the `on error`
/// outcome (`refer`) at the rule's place among the refer reasons, which is
/// why three rules have a second bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Reasons(u16);

mod slot {
    // deny, in declaration order
    pub const DOC_EXPIRED: u16 = 1 << 0;
    pub const DOC_VALIDITY: u16 = 1 << 1;
    pub const DOC_LOST_STOLEN: u16 = 1 << 2;
    pub const VISA_REQUIRED: u16 = 1 << 3;
    // refer, in declaration order, failed rules at their own place
    pub const DOC_VALIDITY_FAILED: u16 = 1 << 4;
    pub const WATCHLIST: u16 = 1 << 5;
    pub const UNACCOMPANIED_MINOR: u16 = 1 << 6;
    pub const HEALTH_YF: u16 = 1 << 7;
    pub const HEALTH_YF_FAILED: u16 = 1 << 8;
    pub const RISK_SCORE: u16 = 1 << 9;
    pub const RISK_SCORE_FAILED: u16 = 1 << 10;
    pub const MRZ_INVALID: u16 = 1 << 11;
    // autogate
    pub const AUTOGATE_ELIGIBLE: u16 = 1 << 12;
    // the fail-closed result of an undecodable record
    pub const INPUT_INVALID: u16 = 1 << 13;

    pub const DENY: u16 = DOC_EXPIRED | DOC_VALIDITY | DOC_LOST_STOLEN | VISA_REQUIRED;
    pub const FAILED: u16 = DOC_VALIDITY_FAILED | HEALTH_YF_FAILED | RISK_SCORE_FAILED;
    pub const LESS_SEVERE_THAN_REFER: u16 = AUTOGATE_ELIGIBLE;
}

/// The code of each bit of [`Reasons`].
const SLOT_CODES: [ReasonCode; 14] = [
    ReasonCode::DocExpired,
    ReasonCode::DocValidityLt6m,
    ReasonCode::DocLostStolen,
    ReasonCode::VisaRequired,
    ReasonCode::EvaluationError,
    ReasonCode::Watchlist,
    ReasonCode::UnaccompaniedMinor,
    ReasonCode::HealthYf,
    ReasonCode::EvaluationError,
    ReasonCode::RiskScore,
    ReasonCode::EvaluationError,
    ReasonCode::MrzInvalid,
    ReasonCode::AutogateEligible,
    ReasonCode::InputInvalid,
];

impl Reasons {
    /// The reasons in the interpreter's order.
    pub fn iter(self) -> impl Iterator<Item = ReasonCode> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            if bits == 0 {
                return None;
            }
            let i = bits.trailing_zeros();
            bits &= bits - 1;
            SLOT_CODES.get(i as usize).copied()
        })
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The bits themselves, for checksums.
    pub fn bits(self) -> u16 {
        self.0
    }
}

/// The result of one decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decision {
    pub outcome: Outcome,
    pub reasons: Reasons,
    /// `with score = risk`, when `RISK_SCORE` fired.
    pub score: Option<i64>,
}

impl Decision {
    /// The interpreter's result for a record that cannot be decoded:
    /// `on error refer` with `INPUT_INVALID`.
    pub fn input_invalid() -> Decision {
        Decision {
            outcome: Outcome::Refer,
            reasons: Reasons(slot::INPUT_INVALID),
            score: None,
        }
    }
}

impl Policy {
    /// Reads the reference data of the package in `package_dir`.
    pub fn load(package_dir: &Path) -> Result<Policy, String> {
        let path = package_dir.join(LOST_STOLEN_FILE);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let lost_stolen = read_column(&text, LOST_STOLEN_COLUMN)
            .map_err(|e| format!("`{}`: {e}", path.display()))?;
        Ok(Policy {
            lost_stolen: lost_stolen
                .into_iter()
                .map(String::into_boxed_str)
                .collect(),
            asean: CountrySet::of(ASEAN_MEMBERS)?,
            yellow_fever: CountrySet::of(YELLOW_FEVER_RISK)?,
        })
    }

    /// Parses one JSON record. `Err` exactly when the interpreter cannot
    /// decode it (it then decides [`Decision::input_invalid`]).
    pub fn parse<'a>(&self, json: &'a str) -> Result<Traveller<'a>, String> {
        parse::traveller(self, json)
    }

    /// Parses and decides, failing closed on an invalid record.
    pub fn decide_json(&self, json: &str, context: &Context) -> Decision {
        match self.parse(json) {
            Ok(t) => self.decide(&t, context),
            Err(_) => Decision::input_invalid(),
        }
    }

    pub fn country(&self, code: &str) -> Option<Country> {
        Country::from_code(code)
    }

    pub fn is_lost_or_stolen(&self, document_number: &str) -> bool {
        self.lost_stolen.contains(document_number)
    }

    /// The lost/stolen document numbers, in no particular order.
    pub fn lost_stolen(&self) -> impl Iterator<Item = &str> {
        self.lost_stolen.iter().map(AsRef::as_ref)
    }

    pub fn asean_members(&self) -> &CountrySet {
        &self.asean
    }

    pub fn yellow_fever_risk(&self) -> &CountrySet {
        &self.yellow_fever
    }

    /// Decides `admission` for one record (`policy.lintas`, rule by rule).
    #[inline]
    pub fn decide(&self, t: &Traveller<'_>, context: &Context) -> Decision {
        // No rule of this policy has an effective date or applies to a
        // member only, so the context never changes a decision.
        let _ = context;
        let arrival = t.arrival_date;
        let document = &t.document;
        let asean = self.asean.contains(t.nationality);
        // `let age`, evaluated only where a rule reaches it, as the
        // interpreter does (it cannot fail, so this only saves time).
        let age = || t.birth_date.years_until(arrival);
        let mut bits = 0u16;

        // doc_expired, doc_validity_6m: `arrival + 6 months` is evaluated
        // only for a document not yet expired (`and` short-circuits), and
        // fails after year 9999.
        if document.expiry.days < arrival.days {
            bits |= slot::DOC_EXPIRED;
        } else {
            match document.expiry.before_six_months_after(arrival) {
                Some(true) => bits |= slot::DOC_VALIDITY,
                Some(false) => {}
                None => bits |= slot::DOC_VALIDITY_FAILED,
            }
        }
        if document.lost_stolen {
            bits |= slot::DOC_LOST_STOLEN;
        }
        if t.watchlist_hit {
            bits |= slot::WATCHLIST;
        }
        if !t.accompanied && age() < 18 {
            bits |= slot::UNACCOMPANIED_MINOR;
        }
        let exempt =
            asean && matches!(t.purpose, Purpose::Tourism | Purpose::Business) && t.stay_days <= 30;
        if t.visa.is_none() && t.purpose != Purpose::Transit && !exempt {
            bits |= slot::VISA_REQUIRED;
        }
        if !t.yellow_fever_vaccinated {
            bits |= self.health_yellow_fever(t);
        }
        let score = match risk(t) {
            Some(score) if score >= 5 => {
                bits |= slot::RISK_SCORE;
                Some(score)
            }
            Some(_) => None,
            None => {
                bits |= slot::RISK_SCORE_FAILED;
                None
            }
        };
        if !document.mrz_valid {
            bits |= slot::MRZ_INVALID;
        }
        if asean && document.electronic && document.kind == DocumentKind::Passport && age() >= 12 {
            bits |= slot::AUTOGATE_ELIGIBLE;
        }

        // A record that failed closed keeps no reason less severe than
        // `on error`.
        if bits & slot::FAILED != 0 {
            bits &= !slot::LESS_SEVERE_THAN_REFER;
        }
        let outcome = if bits & slot::DENY != 0 {
            Outcome::Deny
        } else if bits & !slot::AUTOGATE_ELIGIBLE != 0 {
            Outcome::Refer
        } else if bits != 0 {
            Outcome::Autogate
        } else {
            Outcome::Manual
        };
        Decision {
            outcome,
            reasons: Reasons(bits),
            score,
        }
    }

    /// health_yellow_fever, for an unvaccinated traveller: `any visit ...
    /// where visit.country in YELLOW_FEVER_RISK and visit.departed >=
    /// arrival - 6 days`. The date is computed at the first risky visit,
    /// so it fails there when it falls before year 1.
    #[inline]
    fn health_yellow_fever(&self, t: &Traveller<'_>) -> u16 {
        let since = t.arrival_date.minus_days(6);
        for visit in &t.visited {
            if self.yellow_fever.contains(visit.country) {
                match since {
                    None => return slot::HEALTH_YF_FAILED,
                    Some(since) if visit.departed.days >= since => return slot::HEALTH_YF,
                    Some(_) => {}
                }
            }
        }
        0
    }
}

/// `score risk`, term by term in declaration order with checked
/// arithmetic; `None` where the interpreter's evaluation fails (an Int
/// overflow, or `arrival - 3 days` before year 1).
#[inline]
fn risk(t: &Traveller<'_>) -> Option<i64> {
    let booking = &t.booking;
    let late_since = t.arrival_date.minus_days(3)?;
    let small = 2 * i64::from(booking.paid_cash)
        + i64::from(booking.one_way)
        + 2 * i64::from(booking.booked.days > late_since);
    small
        .checked_add(t.prior_overstays.checked_mul(3)?)?
        .checked_add(i64::from(booking.group_size >= 5))
}

/// The trimmed, non-empty cells of `column`, as the checker reads a Text
/// column of a CSV data file.
fn read_column(text: &str, column: &str) -> Result<Vec<String>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| e.to_string())?;
    let index = header
        .iter()
        .position(|h| h.trim() == column)
        .ok_or_else(|| format!("no column `{column}`"))?;
    let mut out = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| e.to_string())?;
        match record.get(index).map(str::trim) {
            Some(cell) if !cell.is_empty() => out.push(cell.to_string()),
            _ => return Err(format!("row {}: the `{column}` cell is empty", row + 1)),
        }
    }
    Ok(out)
}

/// The Firefox/rustc multiply-rotate hash: the lost/stolen list is fixed
/// data that a record cannot add to, so a keyed hash buys nothing here and
/// SipHash would cost more than the rest of the lookup.
#[derive(Default)]
struct FxHasher {
    hash: u64,
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}
