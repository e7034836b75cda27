//! Splits an interchange into segments, data elements, repetitions and
//! components, applying the release character. Works on bytes: a message is
//! not assumed to be valid UTF-8 or even text.

use super::findings::{Finding, FindingKind, Severity};
use super::una::Separators;
use std::borrow::Cow;

/// One component of a segment. Its text borrows from the input unless the
/// release character or a character-set conversion made a copy: a manifest
/// has thousands of components, and allocating each was most of the time
/// parsing took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part<'a> {
    /// Data element (0 is the tag's), repetition and component, 0-based.
    element: u32,
    repetition: u32,
    component: u32,
    text: Cow<'a, str>,
}

/// One segment, as the manifest builder reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Segment<'p, 'a> {
    /// 1-based position in the interchange.
    pub number: usize,
    /// Byte offset of the tag.
    pub offset: usize,
    pub tag: &'p str,
    /// Every part, the tag's included, in element, repetition, component order.
    parts: &'p [Part<'a>],
}

impl<'p, 'a> Segment<'p, 'a> {
    /// The segment whose parts (the tag's first) are `parts`.
    pub fn new(number: usize, offset: usize, parts: &'p [Part<'a>]) -> Segment<'p, 'a> {
        Segment {
            number,
            offset,
            tag: parts.first().map_or("", |p| p.text.as_ref()),
            parts,
        }
    }

    /// A segment with no data, for findings about the message as a whole.
    pub fn pseudo(number: usize, offset: usize, tag: &'static str) -> Segment<'static, 'static> {
        Segment {
            number,
            offset,
            tag,
            parts: &[],
        }
    }

    /// The components of the first repetition of element `e` (1-based, as
    /// in `NAD+FL`: element 1 is `FL`).
    fn first_repetition(&self, e: usize) -> &'p [Part<'a>] {
        let e = u32::try_from(e).unwrap_or(u32::MAX);
        let parts = self.parts;
        let start = parts.iter().position(|p| p.element == e && e > 0);
        let Some(start) = start else { return &[] };
        let rest = parts.get(start..).unwrap_or_default();
        let len = rest
            .iter()
            .take_while(|p| p.element == e && p.repetition == 0)
            .count();
        rest.get(..len).unwrap_or_default()
    }

    /// Component `c` (0-based) of the first repetition of element `e`
    /// (1-based); empty if absent.
    pub fn get(&self, e: usize, c: usize) -> &'p str {
        self.first_repetition(e)
            .get(c)
            .map_or("", |p| p.text.as_ref())
    }

    /// Component `c` of element `e`, as [`Segment::get`], to keep: borrowed
    /// from the input when the part is, copied only when it was released or
    /// converted.
    pub fn text(&self, e: usize, c: usize) -> Cow<'a, str> {
        self.first_repetition(e)
            .get(c)
            .map_or(Cow::Borrowed(""), |p| p.text.clone())
    }

    /// All components of the first repetition of element `e` (1-based), to keep.
    pub fn components(&self, e: usize) -> impl Iterator<Item = &'p Cow<'a, str>> {
        self.first_repetition(e).iter().map(|p| &p.text)
    }

    /// How many repetitions element `e` (1-based) has.
    pub fn repetitions(&self, e: usize) -> usize {
        let e = u32::try_from(e).unwrap_or(u32::MAX);
        self.parts
            .iter()
            .filter(|p| p.element == e && e > 0)
            .map(|p| p.repetition as usize + 1)
            .max()
            .unwrap_or(0)
    }
}

/// How text bytes become `String`s, from the `UNB` syntax identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Charset {
    /// UNOA/UNOB: ASCII only; other bytes are reported, then read as UTF-8 or Latin-1.
    Ascii,
    /// UNOC..UNOK: ISO 8859 single-byte sets, read as Latin-1.
    SingleByte,
    /// UNOW/UNOY and unknown identifiers: UTF-8, Latin-1 for invalid sequences.
    Utf8,
}

impl Charset {
    pub fn from_identifier(id: Option<&str>) -> Charset {
        match id {
            Some("UNOA" | "UNOB") => Charset::Ascii,
            Some(s) if s.len() == 4 && s.starts_with("UNO") && ("C"..="K").contains(&&s[3..]) => {
                Charset::SingleByte
            }
            _ => Charset::Utf8,
        }
    }
}

fn finding(
    kind: FindingKind,
    severity: Severity,
    segment: Option<usize>,
    offset: usize,
    expected: &str,
    found: String,
) -> Finding {
    Finding {
        severity,
        kind,
        segment,
        tag: None,
        offset,
        expected: expected.to_string(),
        found,
    }
}

/// Up to 40 characters of raw bytes, for messages.
pub(crate) fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        out.push('…');
    }
    format!("{out:?}")
}

/// What a byte is, given the interchange's service characters.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Data,
    Release,
    Terminator,
    Element,
    Repetition,
    Component,
}

/// Every byte's class, looked up once per byte rather than compared with
/// each service character.
struct Classes([Class; 256]);

impl Classes {
    fn new(seps: &Separators) -> Classes {
        let mut table = [Class::Data; 256];
        // Later assignments win: when a UNA gives one character two roles,
        // the release character comes first, then the terminator, the
        // element, repetition and component separators.
        let roles = [
            (Some(seps.component), Class::Component),
            (seps.repetition, Class::Repetition),
            (Some(seps.element), Class::Element),
            (Some(seps.segment), Class::Terminator),
            (seps.release, Class::Release),
        ];
        for (byte, class) in roles {
            if let Some(slot) = byte.and_then(|b| table.get_mut(usize::from(b))) {
                *slot = class;
            }
        }
        Classes(table)
    }

    fn of(&self, b: u8) -> Class {
        self.0.get(usize::from(b)).copied().unwrap_or(Class::Data)
    }
}

/// Splits an interchange into segments one at a time, so that a segment's
/// parts are read while they are in cache and no vector holds them all.
pub(crate) struct Lexer<'a> {
    input: &'a [u8],
    pos: usize,
    number: usize,
    seps: Separators,
    charset: Charset,
    classes: Classes,
    /// The whole input, when it is valid UTF-8: most messages are, ASCII
    /// included, so it is checked once and each component is then a slice
    /// of this text, not checked again.
    text: Option<&'a str>,
    /// Spaces or line breaks between segments: how many places, the first.
    whitespace: (usize, Option<usize>),
    /// After `UNZ`: nothing more is read.
    done: bool,
    findings: Vec<Finding>,
    /// Number and byte offset of every segment returned, in order.
    offsets: Vec<(usize, usize)>,
}

impl<'a> Lexer<'a> {
    pub fn new(input: &'a [u8], start: usize, seps: &Separators, charset: Charset) -> Lexer<'a> {
        Lexer {
            input,
            pos: start,
            number: 0,
            seps: *seps,
            charset,
            classes: Classes::new(seps),
            text: std::str::from_utf8(input).ok(),
            whitespace: (0, None),
            done: false,
            findings: Vec::new(),
            // Segments average fifteen bytes or more.
            offsets: Vec::with_capacity(input.len() / 12),
        }
    }

    /// The size of the input, for sizing what is read from it.
    pub fn input_len(&self) -> usize {
        self.input.len()
    }

    /// Reads the next segment with a well-formed tag into `parts` (cleared
    /// first) and returns its number and byte offset; `None` at the end of
    /// the data or after `UNZ`. Malformed segments are reported and skipped.
    pub fn next_segment(&mut self, parts: &mut Vec<Part<'a>>) -> Option<(usize, usize)> {
        let input = self.input;
        // A whitespace byte is skipped between segments only if it is not a
        // service character (an interchange may use a newline as terminator).
        let (segment_byte, element_byte) = (self.seps.segment, self.seps.element);
        let is_gap = |b: u8| b.is_ascii_whitespace() && b != segment_byte && b != element_byte;
        while !self.done && self.pos < input.len() {
            let pos = self.pos;
            let gap = input
                .get(pos..)
                .unwrap_or_default()
                .iter()
                .take_while(|&&b| is_gap(b))
                .count();
            if gap > 0 {
                self.whitespace.0 += 1;
                self.whitespace.1.get_or_insert(pos);
                self.pos += gap;
                continue;
            }
            self.number += 1;
            let number = self.number;
            parts.clear();
            let mark = self.findings.len();
            let at = Place {
                number,
                offset: pos,
                charset: self.charset,
                text: self.text,
            };
            let scanned = scan(input, at, &self.classes, parts, &mut self.findings);
            let raw = input.get(pos..scanned.end).unwrap_or_default();
            // The segment's own findings come first, as a reader meets them.
            let mut ending = Vec::new();
            if scanned.dangling {
                ending.push(finding(
                    FindingKind::DanglingReleaseCharacter,
                    Severity::Warning,
                    Some(number),
                    scanned.end.saturating_sub(1),
                    "a character after the release character",
                    "the end of the data".into(),
                ));
            }
            if !scanned.terminated {
                ending.push(finding(
                    FindingKind::UnterminatedSegment,
                    Severity::Warning,
                    Some(number),
                    pos,
                    &format!("segment terminator {:?}", char::from(self.seps.segment)),
                    format!("end of data after {}", excerpt(raw)),
                ));
            }
            if !ending.is_empty() {
                self.findings.splice(mark..mark, ending);
            }
            self.pos = scanned.next;
            let tag = parts.first().map_or("", |p| p.text.as_ref());
            let valid = tag.len() == 3
                && tag
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            if !valid {
                self.findings.push(finding(
                    FindingKind::MalformedSegmentTag,
                    Severity::Error,
                    Some(number),
                    pos,
                    "a segment tag of three upper-case letters or digits; segment skipped",
                    excerpt(raw),
                ));
                continue;
            }
            if let (Some(at), Charset::Ascii) = (scanned.non_ascii_at, self.charset) {
                self.findings.push(Finding {
                    severity: Severity::Warning,
                    kind: FindingKind::NonAsciiText,
                    segment: Some(number),
                    tag: Some(tag.to_string()),
                    offset: at,
                    expected: "ASCII only, as the syntax identifier (UNOA/UNOB) declares".into(),
                    found: format!("byte 0x{:02X}", input.get(at).copied().unwrap_or(0)),
                });
            }
            if tag == "UNZ" {
                self.done = true;
                let rest = input.get(self.pos..).unwrap_or_default();
                let skip = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
                let trailing = rest.get(skip..).unwrap_or_default();
                if !trailing.is_empty() {
                    self.findings.push(finding(
                        FindingKind::TextAfterInterchangeEnd,
                        Severity::Warning,
                        None,
                        self.pos + skip,
                        "nothing after the UNZ segment",
                        excerpt(trailing),
                    ));
                }
            }
            self.offsets.push((number, pos));
            return Some((number, pos));
        }
        None
    }

    /// The lexer's findings (in the order met, whitespace first) and the
    /// number and offset of every segment returned.
    pub fn finish(mut self) -> (Vec<Finding>, Vec<(usize, usize)>) {
        if let (count, Some(first)) = self.whitespace {
            self.findings.insert(
                0,
                finding(
                    FindingKind::WhitespaceBetweenSegments,
                    Severity::Info,
                    None,
                    first,
                    "segments directly after each other",
                    format!("spaces or line breaks in {count} places"),
                ),
            );
        }
        (self.findings, self.offsets)
    }
}

/// The segment being scanned: its number and byte offset (for findings),
/// and how its bytes become text.
#[derive(Clone, Copy)]
struct Place<'a> {
    number: usize,
    offset: usize,
    charset: Charset,
    /// The whole input, when it is valid UTF-8.
    text: Option<&'a str>,
}

/// What scanning one segment found.
struct Scanned {
    /// End of the segment's bytes (exclusive, before the terminator).
    end: usize,
    /// Where the next segment begins.
    next: usize,
    terminated: bool,
    /// Whether the data ended on a release character.
    dangling: bool,
    /// The first byte outside ASCII that is not released, if any.
    non_ascii_at: Option<usize>,
}

/// Splits the segment starting at `at.offset` into `parts`, in one pass:
/// data elements, repetitions and components, the release character
/// applied. The tag is the first part; the caller checks it.
fn scan<'a>(
    input: &'a [u8],
    at: Place<'a>,
    classes: &Classes,
    parts: &mut Vec<Part<'a>>,
    findings: &mut Vec<Finding>,
) -> Scanned {
    let (mut element, mut repetition, mut component) = (0u32, 0u32, 0u32);
    // The current component starts at `start`; once a release character is
    // met in it, its bytes are copied into `released` from then on.
    let mut start = at.offset;
    let mut released: Option<Vec<u8>> = None;
    let mut non_ascii_at = None;
    let mut i = at.offset;
    let (end, next, terminated, dangling) = loop {
        let Some(&b) = input.get(i) else {
            break (input.len(), input.len(), false, false);
        };
        let boundary = match classes.of(b) {
            Class::Data => {
                // Most bytes are data: take the whole run at once.
                let run = input
                    .get(i..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|&&b| classes.of(b) == Class::Data)
                    .count();
                let bytes = input.get(i..i + run).unwrap_or_default();
                if non_ascii_at.is_none() {
                    non_ascii_at = bytes.iter().position(|b| !b.is_ascii()).map(|k| i + k);
                }
                if let Some(copy) = released.as_mut() {
                    copy.extend_from_slice(bytes);
                }
                i += run;
                continue;
            }
            Class::Release => {
                let copy = released
                    .get_or_insert_with(|| input.get(start..i).unwrap_or_default().to_vec());
                match input.get(i + 1) {
                    Some(&next) => copy.push(next),
                    None => break (input.len(), input.len(), false, true),
                }
                i += 2;
                continue;
            }
            Class::Terminator => break (i, i + 1, true, false),
            Class::Element => (element + 1, 0, 0),
            Class::Repetition => (element, repetition + 1, 0),
            Class::Component => (element, repetition, component + 1),
        };
        // A separator outside ASCII is still a byte outside ASCII.
        if !b.is_ascii() && non_ascii_at.is_none() {
            non_ascii_at = Some(i);
        }
        let text = component_text(input, start..i, released.take(), at, findings);
        parts.push(Part {
            element,
            repetition,
            component,
            text,
        });
        (element, repetition, component) = boundary;
        i += 1;
        start = i;
    };
    let text = component_text(input, start..end, released, at, findings);
    parts.push(Part {
        element,
        repetition,
        component,
        text,
    });
    Scanned {
        end,
        next,
        terminated,
        dangling,
        non_ascii_at,
    }
}

fn component_text<'a>(
    input: &'a [u8],
    range: std::ops::Range<usize>,
    released: Option<Vec<u8>>,
    at: Place<'a>,
    findings: &mut Vec<Finding>,
) -> Cow<'a, str> {
    if let Some(bytes) = released {
        return Cow::Owned(owned_text(bytes, at, findings));
    }
    // A slice of valid UTF-8 cut at separators is valid UTF-8 (`get` checks
    // that the cuts fall between characters, which a separator outside
    // ASCII might not).
    let slice = at.text.and_then(|t| t.get(range.clone()));
    match slice {
        Some(s) if at.charset != Charset::SingleByte || s.is_ascii() => Cow::Borrowed(s),
        _ => text(input.get(range).unwrap_or_default(), at, findings),
    }
}

/// A component's text, borrowed when its bytes already are that text.
fn text<'a>(bytes: &'a [u8], at: Place<'_>, findings: &mut Vec<Finding>) -> Cow<'a, str> {
    match std::str::from_utf8(bytes) {
        // ASCII reads the same in every charset; other valid UTF-8 is text
        // except in the single-byte sets, where each byte is a character.
        Ok(s) if at.charset != Charset::SingleByte || s.is_ascii() => Cow::Borrowed(s),
        _ => Cow::Owned(owned_text(bytes.to_vec(), at, findings)),
    }
}

fn owned_text(bytes: Vec<u8>, at: Place<'_>, findings: &mut Vec<Finding>) -> String {
    if at.charset == Charset::SingleByte {
        return bytes.iter().map(|&b| char::from(b)).collect();
    }
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let bytes = e.into_bytes();
            if at.charset == Charset::Utf8 {
                findings.push(Finding {
                    severity: Severity::Warning,
                    kind: FindingKind::InvalidUtf8,
                    segment: Some(at.number),
                    tag: None,
                    offset: at.offset,
                    expected: "UTF-8 text".into(),
                    found: format!("{}; read as Latin-1", excerpt(&bytes)),
                });
            }
            bytes.iter().map(|&b| char::from(b)).collect()
        }
    }
}
