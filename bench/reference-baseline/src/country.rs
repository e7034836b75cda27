//! Countries as small dense ids, so that a set of countries is a few words
//! of bits and membership is one shift. The codes are the checker's
//! (`lintas_check::countries`): ISO 3166-1 alpha-3 first, then the ICAO
//! 9303 additions, each list in its own order.

use lintas_check::countries::{ICAO_SPECIAL, ISO_ALPHA3};

/// A country a record may name, by its position in the checker's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country(u16);

const COUNT: usize = ISO_ALPHA3.len() + ICAO_SPECIAL.len();
const WORDS: usize = COUNT.div_ceil(64);
/// Every string of three capital letters, read as a base-26 number.
const THREE_LETTERS: usize = 26 * 26 * 26;

/// Per three-letter code, one more than the country's id (0: no country),
/// built at compile time so that parsing a code is one load, not a binary
/// search over strings.
static BY_CODE: [u16; THREE_LETTERS] = by_code();

/// The id of `DEU`, which the one-letter ICAO code `D` stands for.
const GERMANY: Option<u16> = id_of(b"DEU");

const fn code_index(code: &[u8]) -> Option<usize> {
    let [a, b, c] = code else {
        return None;
    };
    if !a.is_ascii_uppercase() || !b.is_ascii_uppercase() || !c.is_ascii_uppercase() {
        return None;
    }
    let (a, b, c) = (
        (*a - b'A') as usize,
        (*b - b'A') as usize,
        (*c - b'A') as usize,
    );
    Some((a * 26 + b) * 26 + c)
}

const fn by_code() -> [u16; THREE_LETTERS] {
    let mut table = [0u16; THREE_LETTERS];
    let mut i = 0;
    while i < COUNT {
        let code = if i < ISO_ALPHA3.len() {
            ISO_ALPHA3[i]
        } else {
            ICAO_SPECIAL[i - ISO_ALPHA3.len()]
        };
        if let Some(k) = code_index(code.as_bytes()) {
            table[k] = (i + 1) as u16;
        }
        i += 1;
    }
    table
}

const fn id_of(code: &[u8]) -> Option<u16> {
    match code_index(code) {
        Some(k) if BY_CODE[k] != 0 => Some(BY_CODE[k] - 1),
        _ => None,
    }
}

impl Country {
    /// The country a code names, as `countries::canonical` reads it
    /// (`D` is Germany); `None` for anything else.
    #[inline]
    pub fn from_code(code: &str) -> Option<Country> {
        let bytes = code.as_bytes();
        if bytes == b"D" {
            return GERMANY.map(Country);
        }
        let k = code_index(bytes)?;
        match BY_CODE.get(k) {
            Some(&id) if id != 0 => Some(Country(id - 1)),
            _ => None,
        }
    }

    /// The canonical code.
    pub fn code(self) -> &'static str {
        let i = usize::from(self.0);
        ISO_ALPHA3
            .get(i)
            .or_else(|| ICAO_SPECIAL.get(i.wrapping_sub(ISO_ALPHA3.len())))
            .copied()
            .unwrap_or("???")
    }
}

/// A set of countries as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CountrySet([u64; WORDS]);

impl CountrySet {
    /// The set of `codes`, or the first code that names no country.
    pub fn of(codes: &[&str]) -> Result<CountrySet, String> {
        let mut set = CountrySet::default();
        for code in codes {
            let c = Country::from_code(code).ok_or_else(|| format!("`{code}` is not a country"))?;
            if let Some(word) = set.0.get_mut(usize::from(c.0 >> 6)) {
                *word |= 1 << (c.0 & 63);
            }
        }
        Ok(set)
    }

    #[inline]
    pub fn contains(&self, c: Country) -> bool {
        self.0
            .get(usize::from(c.0 >> 6))
            .is_some_and(|word| word >> (c.0 & 63) & 1 == 1)
    }

    /// The members' canonical codes, in id order.
    pub fn codes(&self) -> Vec<&'static str> {
        (0..COUNT)
            .filter_map(|i| u16::try_from(i).ok().map(Country))
            .filter(|c| self.contains(*c))
            .map(Country::code)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lintas_check::countries;

    #[test]
    fn codes_read_as_the_checker_reads_them() {
        let mut probes: Vec<String> = countries::all().map(str::to_string).collect();
        probes.extend(
            [
                "", "D", "d", "DE", "tha", "THAI", "ZZZ", "AAA", "XXX", "Thä",
            ]
            .map(str::to_string),
        );
        for probe in &probes {
            assert_eq!(
                Country::from_code(probe).map(Country::code),
                countries::canonical(probe),
                "{probe:?}"
            );
        }
    }

    #[test]
    fn sets_hold_exactly_their_members() {
        let set = CountrySet::of(&["THA", "ZWE", "XXX", "ABW"]).unwrap();
        assert_eq!(set.codes(), vec!["ABW", "THA", "ZWE", "XXX"]);
        assert!(!set.contains(Country::from_code("SGP").unwrap()));
        assert!(CountrySet::of(&["QQQ"]).is_err());
    }
}
