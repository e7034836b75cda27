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
/// Computed in exact integer arithmetic, so a threshold such as 0.8 is met
/// exactly when the score is 0.8, on every backend.
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
    jaro_winkler_scaled(&ka, &kb).max(jaro_winkler_scaled(&sorted(&ka), &sorted(&kb)))
}

/// Jaro-Winkler similarity (prefix scale 0.1, prefix up to 4), times 10^4,
/// truncated: the Jaro similarity is the fraction
/// (m/|a| + m/|b| + (m - t)/m) / 3, kept as a numerator and denominator.
fn jaro_winkler_scaled(a: &str, b: &str) -> i64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (la, lb) = (a.len(), b.len());
    if la == 0 || lb == 0 {
        return 0;
    }
    let window = (la.max(lb) / 2).saturating_sub(1);
    let mut b_used = vec![false; lb];
    let mut a_matches = Vec::new();
    for (i, ca) in a.iter().enumerate() {
        let start = i.saturating_sub(window);
        let end = (i + window + 1).min(lb);
        for j in start..end {
            if !b_used.get(j).copied().unwrap_or(true) && b.get(j) == Some(ca) {
                if let Some(used) = b_used.get_mut(j) {
                    *used = true;
                }
                a_matches.push(*ca);
                break;
            }
        }
    }
    let m = a_matches.len() as i128;
    if m == 0 {
        return 0;
    }
    let b_matches = b
        .iter()
        .zip(&b_used)
        .filter(|(_, used)| **used)
        .map(|(c, _)| *c);
    let half_transpositions = a_matches
        .iter()
        .zip(b_matches)
        .filter(|(x, y)| *x != y)
        .count() as i128;
    let t = half_transpositions / 2;
    let (la, lb) = (la as i128, lb as i128);
    // jaro = num / den
    let num = m * lb * m + m * la * m + (m - t) * la * lb;
    let den = 3 * la * lb * m;
    let prefix = a.iter().zip(&b).take(4).take_while(|(x, y)| x == y).count() as i128;
    // jw = jaro + prefix / 10 * (1 - jaro) = (num * (10 - prefix) + prefix * den) / (10 * den)
    let jw_num = num * (10 - prefix) + prefix * den;
    let jw_den = 10 * den;
    i64::try_from(jw_num * i128::from(DECIMAL_ONE) / jw_den).unwrap_or(0)
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
        // 7/9 + 0.1 * 2/9 is exactly 0.8: a `>= 0.8` threshold is met.
        assert_eq!(similarity("ADA", "AAA"), 8000);
        assert_eq!(similarity("MARTHA", "MARHTA"), 9611);
    }
}
