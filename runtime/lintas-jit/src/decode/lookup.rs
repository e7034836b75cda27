//! The lookups the first pass makes for every key and for most values,
//! prepared once per decoder: names (of fields and enum values) by hash
//! and word compares, country codes by their letters, dates by their
//! digits, and the end of a string a word at a time. Each gives exactly
//! what the reference decoder's own lookup gives; they are only faster.

use lintas_check::countries;

/// Names to their index in a list, where the first of equal names wins
/// (as `RecordDef::field` and `position` find them). A key is compared as
/// its length and a few words that together cover all of its bytes (see
/// [`key_words`]), so matching costs a handful of loads and compares, never
/// a call to `memcmp`.
#[derive(Debug, Clone)]
pub(super) struct Names {
    /// Each name's length and where its words start in `words`; a name
    /// equal to an earlier one has length `usize::MAX` so it never matches.
    entries: Vec<(usize, usize)>,
    /// Each name's [`key_words`].
    words: Vec<u64>,
    /// Whether each name is free of the bytes a JSON string must escape.
    plain: Vec<bool>,
    /// Open addressing by [`home`]: an index into `entries`, or `EMPTY`.
    // INVARIANT: a power of two, at least twice the number of names, so a
    // probe always reaches an empty slot.
    slots: Vec<u32>,
}

const EMPTY: u32 = u32::MAX;

impl Names {
    pub(super) fn new<'n>(names: impl IntoIterator<Item = &'n str>) -> Names {
        let names: Vec<&str> = names.into_iter().collect();
        let mut table = Names {
            entries: Vec::with_capacity(names.len()),
            words: Vec::new(),
            plain: names
                .iter()
                .map(|n| string_stop(n.as_bytes(), 0) == n.len())
                .collect(),
            slots: vec![EMPTY; (names.len() * 2).next_power_of_two().max(2)],
        };
        let mask = table.slots.len() - 1;
        for (i, name) in names.iter().enumerate() {
            let bytes = name.as_bytes();
            let first = table.find(bytes).is_none();
            let start = table.words.len();
            table.words.extend(key_words(bytes));
            table
                .entries
                .push((if first { bytes.len() } else { usize::MAX }, start));
            if first {
                let mut slot = home(bytes, mask);
                while table.slots.get(slot).is_some_and(|&s| s != EMPTY) {
                    slot = (slot + 1) & mask;
                }
                if let Some(s) = table.slots.get_mut(slot) {
                    *s = u32::try_from(i).unwrap_or(EMPTY);
                }
            }
        }
        table
    }

    /// Where the JSON string at `at` (after its opening quote) ends, if
    /// it is name `i` written plainly: the name's bytes, then the closing
    /// quote. Names hold no quote, backslash or control character (the
    /// language's identifiers), so then the string is exactly the name.
    #[inline]
    pub(super) fn plain_at(&self, input: &[u8], at: usize, i: usize) -> Option<usize> {
        let &(len, _) = self.entries.get(i)?;
        let end = at.checked_add(len)?;
        (input.get(end) == Some(&b'"')
            && input.get(at..end).is_some_and(|key| self.is(i, key))
            && self.plain.get(i) == Some(&true))
        .then_some(end)
    }

    /// The index of `key`.
    pub(super) fn find(&self, key: &[u8]) -> Option<usize> {
        let mask = self.slots.len().wrapping_sub(1);
        let mut slot = home(key, mask);
        loop {
            match self.slots.get(slot) {
                Some(&i) if i != EMPTY => {
                    let i = i as usize;
                    if self.is(i, key) {
                        return Some(i);
                    }
                    slot = (slot + 1) & mask;
                }
                _ => return None,
            }
        }
    }

    /// Whether name `i` is `key` (and the first of its spelling).
    #[inline]
    fn is(&self, i: usize, key: &[u8]) -> bool {
        let Some(&(len, start)) = self.entries.get(i) else {
            return false;
        };
        if len != key.len() {
            return false;
        }
        if len < 8 {
            return self.words.get(start) == Some(&short_word(key));
        }
        let whole = len / 8;
        self.words.get(start..=start + whole).is_some_and(|name| {
            name.iter()
                .zip((0..whole).map(|j| j * 8).chain([len - 8]))
                .all(|(&w, at)| w == word_at(key, at))
        })
    }
}

/// Words that, with the length, determine `bytes`: for eight bytes or
/// more, each whole eight-byte chunk and then the last eight bytes (which
/// may overlap the chunks); for fewer, one word packed by [`short_word`].
fn key_words(bytes: &[u8]) -> Vec<u64> {
    let len = bytes.len();
    if len < 8 {
        return vec![short_word(bytes)];
    }
    (0..len / 8)
        .map(|j| j * 8)
        .chain([len - 8])
        .map(|at| word_at(bytes, at))
        .collect()
}

/// Eight bytes from `at` as a little-endian word (zero past the end,
/// which callers never ask for).
#[inline]
fn word_at(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 8)
        .and_then(|c| <[u8; 8]>::try_from(c).ok())
        .map_or(0, u64::from_le_bytes)
}

/// A text of fewer than eight bytes in one word: with four or more, its
/// first and its last four bytes; with fewer, its first, middle and last
/// byte. Together with the length, either covers every byte.
#[inline]
fn short_word(bytes: &[u8]) -> u64 {
    let len = bytes.len();
    let half = |at: usize| {
        bytes
            .get(at..at + 4)
            .and_then(|c| <[u8; 4]>::try_from(c).ok())
            .map_or(0, |c| u64::from(u32::from_le_bytes(c)))
    };
    let byte = |at: usize| bytes.get(at).map_or(0, |&b| u64::from(b));
    match len {
        0 => 0,
        1..4 => byte(0) | byte(len / 2) << 8 | byte(len - 1) << 16,
        _ => half(0) | half(len - 4) << 32,
    }
}

/// The first slot to probe for `key`, from its length and its first and
/// last words.
#[inline]
fn home(key: &[u8], mask: usize) -> usize {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let len = key.len();
    let mixed = if len < 8 {
        short_word(key).wrapping_mul(K)
    } else {
        (word_at(key, 0).wrapping_mul(K) ^ word_at(key, len - 8)).wrapping_mul(K)
    };
    // The multiply mixes upwards: the slot comes from the high bits.
    ((mixed ^ len as u64).wrapping_mul(K) >> 40) as usize & mask
}

/// Which three-letter texts are country codes that are their own canonical
/// form; every other text is left to [`countries::canonical`].
#[derive(Debug, Clone)]
pub(super) struct CountryCodes {
    /// One bit per text of three capital letters.
    known: Vec<u64>,
}

impl CountryCodes {
    pub(super) fn new() -> CountryCodes {
        let mut known = vec![0u64; (26 * 26 * 26usize).div_ceil(64)];
        for code in countries::all() {
            if let Some(i) = letters(code)
                && countries::canonical(code) == Some(code)
                && let Some(word) = known.get_mut(i / 64)
            {
                *word |= 1 << (i % 64);
            }
        }
        CountryCodes { known }
    }

    /// The canonical form of a country code, as [`countries::canonical`].
    #[inline]
    pub(super) fn canonical<'t>(&self, text: &'t str) -> Option<&'t str> {
        if self.is_code(text) {
            return Some(text);
        }
        countries::canonical(text)
    }

    /// Whether `text` is a country code and its own canonical form.
    #[inline]
    pub(super) fn is_code(&self, text: &str) -> bool {
        letters(text).is_some_and(|i| {
            self.known
                .get(i / 64)
                .is_some_and(|w| w & (1 << (i % 64)) != 0)
        })
    }
}

/// The number of a text of three capital letters.
#[inline]
fn letters(text: &str) -> Option<usize> {
    let &[a, b, c] = text.as_bytes() else {
        return None;
    };
    let letter = |x: u8| x.is_ascii_uppercase().then(|| usize::from(x - b'A'));
    Some((letter(a)? * 26 + letter(b)?) * 26 + letter(c)?)
}

/// `YYYY-MM-DD` as a day number, exactly as [`calendar::parse_date`]
/// reads it, without going through `str::parse`.
#[inline]
pub(super) fn parse_date(text: &[u8]) -> Option<i64> {
    let &[y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = text else {
        return None;
    };
    let digit = |b: u8| {
        let d = b.wrapping_sub(b'0');
        (d <= 9).then_some(u32::from(d))
    };
    let year = ((digit(y0)? * 10 + digit(y1)?) * 10 + digit(y2)?) * 10 + digit(y3)?;
    let month = digit(m0)? * 10 + digit(m1)?;
    let day = digit(d0)? * 10 + digit(d1)?;
    day_number(year, month, day)
}

/// [`calendar::day_number`] for years of at most four digits: the day
/// number of each year's first day comes from a table, so a date costs
/// two loads and a few additions instead of the calendar's divisions.
#[inline]
fn day_number(year: u32, month: u32, day: u32) -> Option<i64> {
    let year = year as usize;
    let first = *YEAR_STARTS.get(year)?;
    let next = *YEAR_STARTS.get(year + 1)?;
    let leap = next - first == 366;
    let (before, length) = *MONTHS.get(month.wrapping_sub(1) as usize)?;
    let (before, length) = match month {
        1 => (before, length),
        2 => (before, length + i64::from(leap)),
        _ => (before + i64::from(leap), length),
    };
    let day = i64::from(day);
    (year != 0 && (1..=length).contains(&day)).then_some(first + before + day - 1)
}

/// Days before each month of a common year, and its length.
const MONTHS: [(i64, i64); 12] = [
    (0, 31),
    (31, 28),
    (59, 31),
    (90, 30),
    (120, 31),
    (151, 30),
    (181, 31),
    (212, 31),
    (243, 30),
    (273, 31),
    (304, 30),
    (334, 31),
];

/// The day number of 1 January of years 0 to 10000.
static YEAR_STARTS: [i64; 10_001] = year_starts();

const fn year_starts() -> [i64; 10_001] {
    let mut starts = [0i64; 10_001];
    let mut year = 0;
    while year <= 10_000 {
        // Howard Hinnant's days_from_civil for 1 January, as the calendar
        // computes it: 1 January counts in the year before the March-based
        // year it uses.
        let y = year as i64 - 1;
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * 10 + 2) / 5;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        starts[year] = era * 146_097 + doe - 719_468;
        year += 1;
    }
    starts
}

/// The position of the first `"`, `\` or control character at or after
/// `from` (where a string's plain run ends), or the length of `bytes`.
#[inline]
pub(super) fn string_stop(bytes: &[u8], from: usize) -> usize {
    let mut pos = from;
    while let Some(chunk) = bytes.get(pos..pos + 8) {
        let word = <[u8; 8]>::try_from(chunk).map_or(0, u64::from_le_bytes);
        let found = specials(word);
        if found != 0 {
            return pos + (found.trailing_zeros() / 8) as usize;
        }
        pos += 8;
    }
    while let Some(&b) = bytes.get(pos) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        pos += 1;
    }
    pos
}

/// The high bit of each byte of `word` that is `"`, `\` or below 0x20.
/// Bits above the lowest may be false (a borrow runs upwards from a true
/// one); the lowest is always true, and only it is used.
#[inline]
fn specials(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x;
    let quote = zero(word ^ (ONES * u64::from(b'"')));
    let backslash = zero(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    (quote | backslash | control) & HIGH
}

#[cfg(test)]
mod tests {
    use super::*;
    use lintas_check::calendar;

    #[test]
    fn names_find_the_first_of_equal_names() {
        let fields = [
            "name",
            "birth_date",
            "a",
            "",
            "yellow_fever_vaccinated",
            "a",
            "nationality",
            "exactly8",
        ];
        let names = Names::new(fields);
        for (i, field) in fields.iter().enumerate() {
            let first = fields.iter().position(|f| f == field);
            assert_eq!(names.find(field.as_bytes()), first, "{field}");
            let json = format!("{field}\",");
            for hint in 0..fields.len() + 2 {
                let end = names.plain_at(json.as_bytes(), 0, hint);
                assert_eq!(end.is_some(), Some(hint) == first, "{field} at {hint}");
                assert!(end.is_none_or(|end| end == field.len()));
            }
            assert!(first <= Some(i));
        }
        for key in ["nam", "names", "a\0", "exactly9", "exactly8\0", "Name", "x"] {
            assert_eq!(names.find(key.as_bytes()), None, "{key}");
            let json = format!("{key}\"");
            for hint in 0..fields.len() {
                assert_eq!(names.plain_at(json.as_bytes(), 0, hint), None, "{key}");
            }
        }
        // A prefix of the input, or a name needing escapes, is no match.
        assert_eq!(names.plain_at(b"name", 0, 0), None);
        assert_eq!(names.plain_at(b"xname\"", 1, 0), Some(5));
        let odd = Names::new(["a\"b", "c\\"]);
        assert_eq!(odd.plain_at(b"a\"b\"", 0, 0), None);
        assert_eq!(odd.find(b"a\"b"), Some(0));
        assert_eq!(Names::new([]).find(b""), None);
    }

    #[test]
    fn country_codes_agree_with_the_list() {
        let codes = CountryCodes::new();
        let mut text = String::new();
        for a in b'@'..=b'[' {
            for b in b'@'..=b'[' {
                for c in b'@'..=b'[' {
                    text.clear();
                    text.extend([a, b, c].map(char::from));
                    assert_eq!(
                        codes.canonical(&text),
                        countries::canonical(&text),
                        "{text}"
                    );
                }
            }
        }
        for text in ["D", "", "DE", "deu", "DEUT", "ÄBC"] {
            assert_eq!(codes.canonical(text), countries::canonical(text), "{text}");
        }
    }

    #[test]
    fn day_numbers_agree_with_the_calendar() {
        for year in 0..=10_000 {
            for month in 0..=13 {
                for day in 0..=32 {
                    assert_eq!(
                        day_number(year, month, day),
                        calendar::day_number(i64::from(year), month, day),
                        "{year}-{month}-{day}"
                    );
                }
            }
        }
    }

    #[test]
    fn dates_agree_with_the_calendar() {
        for text in [
            "2024-02-29",
            "2023-02-29",
            "0001-01-01",
            "0000-12-31",
            "9999-12-31",
            "2024-13-01",
            "2024-00-10",
            "2024-01-00",
            "2024-1-010",
            "+024-01-01",
            "2024-01-0a",
            "2024/01/01",
            "2024-01-01 ",
            "",
        ] {
            assert_eq!(
                parse_date(text.as_bytes()),
                calendar::parse_date(text),
                "{text}"
            );
        }
    }

    #[test]
    fn string_stops_at_the_first_special_byte() {
        let alphabet = [
            b'a', b'b', b'c', b'd', b'e', b'f', b'g', b'"', b'\\', 0x1f, 0x20, 0x7f, 0x80, 0xff,
            0x00, b'!', b'#',
        ];
        let mut state = 1u64;
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let len = (state >> 59) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1);
                    let pick = (state >> 33) as usize % alphabet.len();
                    alphabet.get(pick).copied().unwrap_or(b'a')
                })
                .collect();
            for from in 0..=bytes.len() {
                let expected = bytes
                    .iter()
                    .skip(from)
                    .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                    .map_or(bytes.len(), |p| from + p);
                assert_eq!(string_stop(&bytes, from), expected, "{bytes:?} from {from}");
            }
        }
    }
}
