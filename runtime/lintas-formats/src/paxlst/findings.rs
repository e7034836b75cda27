//! What was unusual in a message. Real airline data breaks the rules; the
//! parser reads what it can and says precisely what it had to tolerate.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Severity {
    /// Common and harmless (line breaks between segments).
    Info,
    /// The data departs from the standard; what it means is still clear.
    Warning,
    /// Data that could not be read, or totals that disagree: a human should look.
    Error,
}

/// The kinds of finding. Each finding also says what was expected and found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum FindingKind {
    /// Spaces or line breaks between segments (counted once per message).
    WhitespaceBetweenSegments,
    /// Text after the `UNZ` interchange trailer; it is ignored.
    TextAfterInterchangeEnd,
    /// The last segment has no terminator.
    UnterminatedSegment,
    /// A release character at the very end of the data.
    DanglingReleaseCharacter,
    /// A segment whose tag is not three upper-case letters or digits; skipped.
    MalformedSegmentTag,
    /// Bytes outside ASCII where the declared character set (UNOA/UNOB) has none.
    NonAsciiText,
    /// Bytes that are not UTF-8 where UTF-8 was expected; read as Latin-1.
    InvalidUtf8,
    /// A header or trailer segment missing (`UNB`, `UNH`, `UNT`, `UNZ`).
    MissingServiceSegment,
    /// `UNH` message type other than PAXLST.
    UnexpectedMessageType,
    /// `BGM` code other than 745 (passengers) or 250 (crew).
    UnknownListType,
    /// `UNT` segment count differs from the segments counted.
    SegmentCountMismatch,
    /// `UNT`/`UNE`/`UNZ` reference differs from the one it closes.
    ControlReferenceMismatch,
    /// `UNE`/`UNZ` message or group count differs from those counted.
    MessageCountMismatch,
    /// `CNT+42` differs from the passengers listed.
    PassengerCountMismatch,
    /// `CNT+41` differs from the crew listed.
    CrewCountMismatch,
    /// `NAD` party qualifier other than FL (passenger), FM (crew), DDT/DDU (in transit), MS (sender).
    UnusualPartyQualifier,
    /// Crew in a passenger list or passengers in a crew list.
    RoleNotInList,
    /// A traveller without any `DOC` segment.
    MissingDocument,
    /// A traveller `NAD` without a name.
    MissingName,
    /// Lower-case letters in a name (manifests carry upper case, as the MRZ).
    LowerCaseName,
    /// A two-letter country code where ISO 3166-1 alpha-3 / ICAO codes are expected.
    TwoLetterCountryCode,
    /// A date that is not a calendar date or not in a known format.
    InvalidDate,
    /// `ATT+2` value other than M, F, U or X.
    UnknownSex,
    /// A data element repeated (syntax 4 repetition separator) where one value is expected.
    RepeatedElement,
    /// The same document number on two travellers.
    DuplicateDocumentNumber,
    /// A traveller segment (`DOC`, `DTM+36`, `LOC+91`, ...) with no traveller or document to belong to.
    SegmentOutOfPlace,
    /// The same field given twice for one traveller; the first value is kept.
    DuplicateValue,
}

/// One finding. `segment` is the 1-based number of the segment in the
/// interchange (the `UNA` is not counted), `offset` the byte offset in the
/// input where it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub kind: FindingKind,
    pub segment: Option<usize>,
    pub tag: Option<String>,
    pub offset: usize,
    pub expected: String,
    pub found: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{severity}: ")?;
        match (&self.segment, &self.tag) {
            (Some(n), Some(tag)) => write!(f, "segment {n} ({tag})")?,
            (Some(n), None) => write!(f, "segment {n}")?,
            _ => write!(f, "input")?,
        }
        write!(
            f,
            " at byte {}: {:?}: expected {}, found {}",
            self.offset, self.kind, self.expected, self.found
        )
    }
}
