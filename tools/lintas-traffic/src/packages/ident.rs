//! Fresh names: every item, variable and enum value of a package gets a
//! name no other one has, so that no name hides another (a set called
//! `PER` would hide Peru).

use std::collections::BTreeSet;

#[derive(Debug, Clone, Default)]
pub(crate) struct Names {
    taken: BTreeSet<String>,
}

impl Names {
    /// Marks a name as taken; false when it already was.
    pub fn claim(&mut self, name: &str) -> bool {
        self.taken.insert(name.to_string())
    }

    /// `base` itself when free, else `base_2`, `base_3`, ...
    pub fn fresh(&mut self, base: &str) -> String {
        if self.claim(base) {
            return base.to_string();
        }
        let mut n = 2;
        loop {
            let candidate = format!("{base}_{n}");
            if self.claim(&candidate) {
                return candidate;
            }
            n += 1;
        }
    }
}

/// The names a Lintas text reads: identifiers outside strings and
/// comments, and not after a `.` (those are fields).
pub(crate) fn identifiers(text: &str) -> Vec<String> {
    let is_start = |c: char| c.is_alphabetic() || c == '_' || (!c.is_ascii() && !c.is_whitespace());
    let is_continue = |c: char| is_start(c) || c.is_alphanumeric();
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c == '"' {
            i += 1;
            while let Some(&d) = chars.get(i) {
                i += if d == '\\' { 2 } else { 1 };
                if d == '"' {
                    break;
                }
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while chars.get(i).is_some_and(|d| *d != '\n') {
                i += 1;
            }
        } else if c.is_ascii_digit() {
            while chars
                .get(i)
                .is_some_and(|d| d.is_ascii_alphanumeric() || *d == '_')
            {
                i += 1;
            }
        } else if is_start(c) {
            let start = i;
            while chars.get(i).is_some_and(|d| is_continue(*d)) {
                i += 1;
            }
            let after_dot = start > 0 && chars.get(start - 1) == Some(&'.');
            if !after_dot {
                out.push(chars.get(start..i).unwrap_or_default().iter().collect());
            }
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_skip_fields_strings_and_comments() {
        let found = identifiers(
            "let ratio = (t.ratio / risk) // risk\n \"risk ratio\" ผลรวม 5 years 2024-02-29",
        );
        assert_eq!(found, ["let", "ratio", "t", "risk", "ผลรวม", "years"]);
    }
}
