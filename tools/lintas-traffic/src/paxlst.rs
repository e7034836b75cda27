//! Generated manifests written as UN/EDIFACT PAXLST (D:05B, IATA style),
//! with configurable service characters, so that parsers and benchmarks get
//! realistic messages. The escaping here is written independently of the
//! `lintas-formats` parser: the round-trip tests compare two implementations,
//! not one with itself.

use crate::Traveller;

/// The `UNA` service characters. `repetition: None` writes a space in the
/// `UNA` (no repetition separator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Separators {
    pub component: char,
    pub element: char,
    pub decimal: char,
    pub release: char,
    pub repetition: Option<char>,
    pub segment: char,
}

impl Default for Separators {
    /// `UNA:+.? '`.
    fn default() -> Separators {
        Separators {
            component: ':',
            element: '+',
            decimal: '.',
            release: '?',
            repetition: None,
            segment: '\'',
        }
    }
}

/// The flight the manifest is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flight {
    pub number: String,
    pub carrier: String,
    pub departure: String,
    pub arrival: String,
}

impl Default for Flight {
    fn default() -> Flight {
        Flight {
            number: "MH603".into(),
            carrier: "MH".into(),
            departure: "KUL".into(),
            arrival: "SIN".into(),
        }
    }
}

/// `to_paxlst_for` with the default flight (MH603 KUL-SIN).
pub fn to_paxlst(manifest: &[Traveller], separators: &Separators) -> String {
    to_paxlst_for(manifest, &Flight::default(), separators)
}

/// A PAXLST passenger list (`BGM+745`) for `manifest` on `flight`.
///
/// Names are written upper case as airlines send them (from the MRZ), with
/// the last word of the generated name as surname. Non-ASCII names make the
/// interchange declare `UNOW` (UTF-8) instead of `UNOA`. Birth dates use
/// `CCYYMMDD` (format 102) and document expiry `YYMMDD`, as both occur in
/// real traffic. A visa is written as a second `DOC+V`.
pub fn to_paxlst_for(manifest: &[Traveller], flight: &Flight, separators: &Separators) -> String {
    let w = Writer { s: *separators };
    let ascii = manifest.iter().all(|t| t.name.is_ascii());
    let charset = if ascii { "UNOA" } else { "UNOW" };
    let date = manifest
        .first()
        .map_or("2026-03-01", |t| t.arrival_date.as_str());
    let yymmdd = compact(date).get(2..).unwrap_or("260301").to_string();
    let mut body: Vec<String> = vec![
        w.seg(&[&["UNH"], &["1"], &["PAXLST", "D", "05B", "UN", "IATA"]]),
        w.seg(&[&["BGM"], &["745"]]),
        w.seg(&[&["NAD"], &["MS"], &[], &[], &["LINTAS TRAFFIC GENERATOR"]]),
        w.seg(&[
            &["TDT"],
            &["20"],
            &[&flight.number],
            &[],
            &[],
            &[&flight.carrier],
        ]),
        w.seg(&[&["LOC"], &["125"], &[&flight.departure]]),
        w.seg(&[&["DTM"], &["189", &format!("{yymmdd}0800"), "201"]]),
        w.seg(&[&["LOC"], &["87"], &[&flight.arrival]]),
        w.seg(&[&["DTM"], &["232", &format!("{yymmdd}0905"), "201"]]),
    ];
    for t in manifest {
        let name = t.name.to_uppercase();
        let (given, surname) = name.rsplit_once(' ').unwrap_or(("", name.as_str()));
        body.push(w.seg(&[&["NAD"], &["FL"], &[], &[], &[surname, given]]));
        body.push(w.seg(&[&["DTM"], &["329", &compact(&t.birth_date), "102"]]));
        body.push(w.seg(&[&["LOC"], &["178"], &[&flight.departure]]));
        body.push(w.seg(&[&["LOC"], &["179"], &[&flight.arrival]]));
        body.push(w.seg(&[&["NAT"], &["2"], &[&t.nationality]]));
        body.push(w.seg(&[&["RFF"], &["AVF", &t.booking.reference]]));
        let code = if t.document.kind == "passport" {
            "P"
        } else {
            "T"
        };
        body.push(w.seg(&[&["DOC"], &[code, "110", "111"], &[&t.document.number]]));
        body.push(w.seg(&[
            &["DTM"],
            &["36", compact(&t.document.expiry).get(2..).unwrap_or("")],
        ]));
        body.push(w.seg(&[&["LOC"], &["91"], &[&t.document.issuer]]));
        if let Some(visa) = &t.visa {
            body.push(w.seg(&[&["DOC"], &["V", "110", "111"], &[&visa.number]]));
            body.push(w.seg(&[&["DTM"], &["36", &compact(&visa.valid_until), "102"]]));
        }
    }
    body.push(w.seg(&[&["CNT"], &["42", &manifest.len().to_string()]]));
    let count = body.len() + 1;
    body.push(w.seg(&[&["UNT"], &[&count.to_string()], &["1"]]));
    let s = separators;
    let mut out = format!(
        "UNA{}{}{}{}{}{}",
        s.component,
        s.element,
        s.decimal,
        s.release,
        s.repetition.unwrap_or(' '),
        s.segment
    );
    out.push_str(&w.seg(&[
        &["UNB"],
        &[charset, "4"],
        &["LINTAS"],
        &["CHECKPOINT"],
        &[&yymmdd, "0700"],
        &["1"],
    ]));
    out.extend(body);
    out.push_str(&w.seg(&[&["UNZ"], &["1"], &["1"]]));
    out
}

/// `YYYY-MM-DD` to `YYYYMMDD`.
fn compact(iso: &str) -> String {
    iso.replace('-', "")
}

struct Writer {
    s: Separators,
}

impl Writer {
    /// One segment: elements of components, each escaped, joined and terminated.
    /// Trailing empty components and elements are left out, as EDIFACT
    /// requires; this is decided on the data, before escaping, so that an
    /// escaped separator at the end of a value is never mistaken for one.
    fn seg(&self, elements: &[&[&str]]) -> String {
        let trim = |c: &[&str]| c.len() - c.iter().rev().take_while(|v| v.is_empty()).count();
        let used = elements.len() - elements.iter().rev().take_while(|e| trim(e) == 0).count();
        let mut out = String::new();
        for (i, components) in elements.iter().take(used).enumerate() {
            if i > 0 {
                out.push(self.s.element);
            }
            for (j, c) in components.iter().take(trim(components)).enumerate() {
                if j > 0 {
                    out.push(self.s.component);
                }
                self.escape(c, &mut out);
            }
        }
        out.push(self.s.segment);
        out
    }

    /// Puts the release character before every service character in data.
    fn escape(&self, text: &str, out: &mut String) {
        for ch in text.chars() {
            let s = &self.s;
            if ch == s.component
                || ch == s.element
                || ch == s.release
                || ch == s.segment
                || Some(ch) == s.repetition
            {
                out.push(s.release);
            }
            out.push(ch);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_characters_in_data_are_released() {
        let w = Writer {
            s: Separators::default(),
        };
        assert_eq!(
            w.seg(&[&["NAD"], &["FL"], &[], &[], &["O'NEIL", "A+B"]]),
            "NAD+FL+++O?'NEIL:A?+B'"
        );
        assert_eq!(w.seg(&[&["X"], &["a?b:c"]]), "X+a??b?:c'");
        // Trailing empty elements are dropped.
        assert_eq!(w.seg(&[&["CNT"], &["42", "3"], &[]]), "CNT+42:3'");
        assert_eq!(
            w.seg(&[&["NAD"], &["FL"], &[], &[], &["A", "", ""]]),
            "NAD+FL+++A'"
        );
        // An escaped separator at the end of a value stays escaped.
        assert_eq!(
            w.seg(&[&["NAD"], &["FL"], &[], &[], &["NAME", "COLON:"]]),
            "NAD+FL+++NAME:COLON?:'"
        );
    }
}
