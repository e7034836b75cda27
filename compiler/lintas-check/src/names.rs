//! Name matching as travel documents need it: names are compared after the
//! ICAO Doc 9303 (part 3) transliteration of Latin letters with diacritics,
//! so `Müller`, `MUELLER` and `Mueller` meet, and `Nguyễn` meets `NGUYEN`.
//! These are pure functions so that every backend computes the same values.

use crate::value::DECIMAL_ONE;
use unicode_normalization::UnicodeNormalization;

/// Letters whose ICAO transliteration is not just the base letter.
const SPECIAL: &[(char, &str)] = &[
    ('Ä', "AE"),
    ('Æ', "AE"),
    ('Å', "AA"),
    ('Ö', "OE"),
    ('Ø', "OE"),
    ('Œ', "OE"),
    ('Ü', "UE"),
    ('ß', "SS"),
    ('Þ', "TH"),
    ('Ð', "D"),
    ('Đ', "D"),
    ('Ł', "L"),
    ('Ħ', "H"),
    ('Ĳ', "IJ"),
];

/// The comparable form of a name: upper case, transliterated, separators
/// (spaces, hyphens, apostrophes, `<`) folded into single spaces.
/// Letters of other scripts are kept, upper-cased where they have case.
pub fn name_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_uppercase) {
        if let Some((_, replacement)) = SPECIAL.iter().find(|(s, _)| *s == c) {
            out.push_str(replacement);
            continue;
        }
        // Decompose and drop the marks: `Ễ` -> `E`.
        for d in c.nfd() {
            if unicode_normalization::char::is_combining_mark(d) {
                continue;
            }
            if d.is_alphanumeric() {
                out.push(d);
            } else if !out.ends_with(' ') {
                out.push(' ');
            }
        }
    }
    out.trim().to_string()
}

/// How alike two names are, from 0 (nothing alike) to 1 (the same key), as
/// a Decimal (scaled by 10^4, truncated). Word order does not matter, since
/// documents and watchlists order surname and given names differently.
pub fn similarity(a: &str, b: &str) -> i64 {
    let (ka, kb) = (name_key(a), name_key(b));
    if ka.is_empty() || kb.is_empty() {
        return 0;
    }
    let sorted = |k: &str| {
        let mut words: Vec<&str> = k.split(' ').collect();
        words.sort_unstable();
        words.join(" ")
    };
    let score =
        strsim::jaro_winkler(&ka, &kb).max(strsim::jaro_winkler(&sorted(&ka), &sorted(&kb)));
    // Truncate, never round up: a threshold is only met when really met.
    (score * DECIMAL_ONE as f64).floor() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transliteration_follows_icao() {
        assert_eq!(name_key("Müller"), "MUELLER");
        assert_eq!(name_key("Nguyễn Thị Mai"), "NGUYEN THI MAI");
        assert_eq!(name_key("O'Brien-Smith"), "O BRIEN SMITH");
        assert_eq!(name_key("ERIKSSON<<ANNA<MARIA"), "ERIKSSON ANNA MARIA");
        assert_eq!(name_key("Đặng Văn Minh"), "DANG VAN MINH");
        assert_eq!(name_key("  "), "");
    }

    #[test]
    fn similarity_ignores_order_and_marks() {
        assert_eq!(similarity("Nguyễn Thị Mai", "NGUYEN THI MAI"), DECIMAL_ONE);
        assert_eq!(similarity("Mai Nguyen Thi", "Nguyen Thi Mai"), DECIMAL_ONE);
        assert!(similarity("Muller", "Mueller") > 9000);
        assert!(similarity("Somchai Srisuk", "Maria Santos") < 7000);
        assert_eq!(similarity("", "Anna"), 0);
    }
}
