//! Splits an interchange into segments, data elements, repetitions and
//! components, applying the release character. Works on bytes: a message is
//! not assumed to be valid UTF-8 or even text.

use super::findings::{Finding, FindingKind, Severity};
use super::una::Separators;

/// One data element: its repetitions, each a list of components.
pub(crate) type Element = Vec<Vec<String>>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    /// 1-based position in the interchange.
    pub number: usize,
    /// Byte offset of the tag.
    pub offset: usize,
    pub tag: String,
    /// Data elements after the tag: `elements[0]` is the first (`FL` in `NAD+FL`).
    pub elements: Vec<Element>,
}

impl Segment {
    /// Component `c` (0-based) of the first repetition of element `e`
    /// (1-based, as in `NAD+FL`: element 1 is `FL`); empty if absent.
    pub fn get(&self, e: usize, c: usize) -> &str {
        e.checked_sub(1)
            .and_then(|i| self.elements.get(i))
            .and_then(|reps| reps.first())
            .and_then(|comps| comps.get(c))
            .map_or("", String::as_str)
    }

    /// All components of the first repetition of element `e` (1-based).
    pub fn components(&self, e: usize) -> &[String] {
        e.checked_sub(1)
            .and_then(|i| self.elements.get(i))
            .and_then(|reps| reps.first())
            .map_or(&[], Vec::as_slice)
    }

    /// How many repetitions element `e` (1-based) has.
    pub fn repetitions(&self, e: usize) -> usize {
        e.checked_sub(1)
            .and_then(|i| self.elements.get(i))
            .map_or(0, Vec::len)
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

pub(crate) struct Lexed {
    pub segments: Vec<Segment>,
    pub findings: Vec<Finding>,
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

pub(crate) fn lex(input: &[u8], start: usize, seps: &Separators, charset: Charset) -> Lexed {
    let mut segments = Vec::new();
    let mut findings = Vec::new();
    let mut whitespace = (0usize, None::<usize>);
    let mut pos = start;
    let mut number = 0;
    // A whitespace byte is skipped between segments only if it is not a
    // service character (an interchange may use a newline as terminator).
    let is_gap = |b: u8| b.is_ascii_whitespace() && b != seps.segment && b != seps.element;
    while pos < input.len() {
        let gap = input
            .get(pos..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| is_gap(b))
            .count();
        if gap > 0 {
            whitespace.0 += 1;
            whitespace.1.get_or_insert(pos);
            pos += gap;
            continue;
        }
        number += 1;
        let (end, next, terminated, dangling) = segment_end(input, pos, seps);
        let raw = input.get(pos..end).unwrap_or_default();
        if dangling {
            findings.push(finding(
                FindingKind::DanglingReleaseCharacter,
                Severity::Warning,
                Some(number),
                end.saturating_sub(1),
                "a character after the release character",
                "the end of the data".into(),
            ));
        }
        if !terminated {
            findings.push(finding(
                FindingKind::UnterminatedSegment,
                Severity::Warning,
                Some(number),
                pos,
                &format!("segment terminator {:?}", char::from(seps.segment)),
                format!("end of data after {}", excerpt(raw)),
            ));
        }
        let segment = split(raw, number, pos, seps, charset, &mut findings);
        let segment_start = pos;
        pos = next;
        match segment {
            Some(s) => {
                let is_unz = s.tag == "UNZ";
                segments.push(s);
                if is_unz {
                    let rest = input.get(pos..).unwrap_or_default();
                    let skip = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
                    let trailing = rest.get(skip..).unwrap_or_default();
                    if !trailing.is_empty() {
                        findings.push(finding(
                            FindingKind::TextAfterInterchangeEnd,
                            Severity::Warning,
                            None,
                            pos + skip,
                            "nothing after the UNZ segment",
                            excerpt(trailing),
                        ));
                    }
                    break;
                }
            }
            None => findings.push(Finding {
                tag: None,
                ..finding(
                    FindingKind::MalformedSegmentTag,
                    Severity::Error,
                    Some(number),
                    segment_start,
                    "a segment tag of three upper-case letters or digits; segment skipped",
                    excerpt(raw),
                )
            }),
        }
    }
    if let (count, Some(first)) = whitespace {
        findings.insert(
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
    Lexed { segments, findings }
}

/// End of the segment starting at `pos` (exclusive, before the terminator),
/// where the next begins, whether a terminator was found, and whether the
/// data ended on a release character.
fn segment_end(input: &[u8], pos: usize, seps: &Separators) -> (usize, usize, bool, bool) {
    let mut i = pos;
    while let Some(&b) = input.get(i) {
        if Some(b) == seps.release {
            if i + 1 >= input.len() {
                return (input.len(), input.len(), false, true);
            }
            i += 2;
        } else if b == seps.segment {
            return (i, i + 1, true, false);
        } else {
            i += 1;
        }
    }
    (input.len(), input.len(), false, false)
}

/// Splits one segment's bytes; `None` if the tag is malformed.
fn split(
    raw: &[u8],
    number: usize,
    offset: usize,
    seps: &Separators,
    charset: Charset,
    findings: &mut Vec<Finding>,
) -> Option<Segment> {
    let mut elements: Vec<Element> = Vec::new();
    let mut repetitions: Element = Vec::new();
    let mut components: Vec<String> = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    let mut non_ascii_at = None;
    let mut i = 0;
    let text = |bytes: &mut Vec<u8>, findings: &mut Vec<Finding>| {
        decode(std::mem::take(bytes), charset, number, offset, findings)
    };
    while let Some(&b) = raw.get(i) {
        if Some(b) == seps.release {
            if let Some(&next) = raw.get(i + 1) {
                current.push(next);
            }
            i += 2;
            continue;
        }
        if !b.is_ascii() && non_ascii_at.is_none() {
            non_ascii_at = Some(offset + i);
        }
        if b == seps.element {
            components.push(text(&mut current, findings));
            repetitions.push(std::mem::take(&mut components));
            elements.push(std::mem::take(&mut repetitions));
        } else if Some(b) == seps.repetition {
            components.push(text(&mut current, findings));
            repetitions.push(std::mem::take(&mut components));
        } else if b == seps.component {
            components.push(text(&mut current, findings));
        } else {
            current.push(b);
        }
        i += 1;
    }
    components.push(text(&mut current, findings));
    repetitions.push(components);
    elements.push(repetitions);
    let mut elements = elements.into_iter();
    let tag = elements
        .next()
        .and_then(|reps| reps.into_iter().next())
        .and_then(|c| c.into_iter().next())
        .unwrap_or_default();
    let valid = tag.len() == 3
        && tag
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !valid {
        return None;
    }
    if let (Some(at), Charset::Ascii) = (non_ascii_at, charset) {
        findings.push(Finding {
            severity: Severity::Warning,
            kind: FindingKind::NonAsciiText,
            segment: Some(number),
            tag: Some(tag.clone()),
            offset: at,
            expected: "ASCII only, as the syntax identifier (UNOA/UNOB) declares".into(),
            found: format!("byte 0x{:02X}", raw.get(at - offset).copied().unwrap_or(0)),
        });
    }
    Some(Segment {
        number,
        offset,
        tag,
        elements: elements.collect(),
    })
}

fn decode(
    bytes: Vec<u8>,
    charset: Charset,
    number: usize,
    offset: usize,
    findings: &mut Vec<Finding>,
) -> String {
    if charset == Charset::SingleByte {
        return bytes.iter().map(|&b| char::from(b)).collect();
    }
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let bytes = e.into_bytes();
            if charset == Charset::Utf8 {
                findings.push(Finding {
                    severity: Severity::Warning,
                    kind: FindingKind::InvalidUtf8,
                    segment: Some(number),
                    tag: None,
                    offset,
                    expected: "UTF-8 text".into(),
                    found: format!("{}; read as Latin-1", excerpt(&bytes)),
                });
            }
            bytes.iter().map(|&b| char::from(b)).collect()
        }
    }
}
