//! Service string advice (`UNA`) and the syntax identifier of `UNB`, which
//! together fix how the rest of the interchange is split.

use serde::Serialize;

/// The six service characters of an interchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Separators {
    /// Component data element separator (`:`).
    pub component: u8,
    /// Data element separator (`+`).
    pub element: u8,
    /// Decimal mark (`.`); only meaningful inside numbers, never a separator.
    pub decimal: u8,
    /// Release character (`?`): the next character is data. `None` when the
    /// `UNA` gives a space (no release character).
    pub release: Option<u8>,
    /// Repetition separator: `*` by default in syntax version 4; `None` in
    /// version 3 or when the `UNA` gives a space.
    pub repetition: Option<u8>,
    /// Segment terminator (`'`).
    pub segment: u8,
}

impl Default for Separators {
    /// `UNA:+.? '`: the ISO 9735 defaults without a repetition separator.
    fn default() -> Separators {
        Separators {
            component: b':',
            element: b'+',
            decimal: b'.',
            release: Some(b'?'),
            repetition: None,
            segment: b'\'',
        }
    }
}

/// What the start of an interchange says about its syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Preamble {
    pub separators: Separators,
    /// Whether a `UNA` segment was present.
    pub una: bool,
    /// Byte offset where segments start (after the `UNA`, if any).
    pub body_start: usize,
    /// `UNB` syntax identifier (e.g. `UNOA`, `UNOC`, `UNOW`), if found.
    pub charset: Option<String>,
    /// `UNB` syntax version number (e.g. `4`), if found.
    pub version: Option<String>,
}

fn leading_whitespace(input: &[u8]) -> usize {
    // A UTF-8 byte-order mark is not data either.
    let bom = if input.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    bom + input
        .get(bom..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| b.is_ascii_whitespace())
        .count()
}

/// Reads the `UNA` (if any) and peeks at the `UNB` syntax identifier, which
/// decides whether `*` is a repetition separator (version 4 without `UNA`).
pub(crate) fn preamble(input: &[u8]) -> Preamble {
    let start = leading_whitespace(input);
    let rest = input.get(start..).unwrap_or_default();
    let (mut separators, una, body_start) = match rest {
        [b'U', b'N', b'A', c, e, d, r, p, s, ..] => {
            let opt = |b: u8| (b != b' ').then_some(b);
            let seps = Separators {
                component: *c,
                element: *e,
                decimal: *d,
                release: opt(*r),
                repetition: opt(*p),
                segment: *s,
            };
            (seps, true, start + 9)
        }
        _ => (Separators::default(), false, start),
    };
    let (charset, version) =
        syntax_identifier(input.get(body_start..).unwrap_or_default(), &separators);
    if !una && version.as_deref() == Some("4") {
        separators.repetition = Some(b'*');
    }
    Preamble {
        separators,
        una,
        body_start,
        charset,
        version,
    }
}

/// `UNB+UNOA:4+...`: the identifier and version, read without unescaping
/// (they are plain letters and digits).
fn syntax_identifier(body: &[u8], seps: &Separators) -> (Option<String>, Option<String>) {
    let body = body.get(leading_whitespace(body)..).unwrap_or_default();
    let Some(after) = body
        .strip_prefix(b"UNB")
        .and_then(|b| b.strip_prefix(&[seps.element]))
    else {
        return (None, None);
    };
    let end = after
        .iter()
        .position(|&b| b == seps.element || b == seps.segment)
        .unwrap_or(after.len());
    let element = after.get(..end).unwrap_or_default();
    let mut parts = element.split(|&b| b == seps.component);
    let text = |p: Option<&[u8]>| {
        p.filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(p).into_owned())
    };
    (text(parts.next()), text(parts.next()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_una_and_defaults() {
        let p = preamble(b"UNA|^,! #UNB^UNOC|3^X#");
        assert!(p.una);
        assert_eq!(p.separators.component, b'|');
        assert_eq!(p.separators.element, b'^');
        assert_eq!(p.separators.release, Some(b'!'));
        assert_eq!(p.separators.repetition, None);
        assert_eq!(p.separators.segment, b'#');
        assert_eq!(p.charset.as_deref(), Some("UNOC"));
        assert_eq!(p.version.as_deref(), Some("3"));

        let p = preamble(b"UNB+UNOA:4+X'");
        assert!(!p.una);
        assert_eq!(p.separators.repetition, Some(b'*'));
        let p = preamble(b"UNB+UNOA:3+X'");
        assert_eq!(p.separators.repetition, None);
        assert_eq!(preamble(b"UNA").separators, Separators::default());
    }
}
