//! A small lexical pass over raw text that runs before pest: it finds the
//! top-level items (so each is parsed on its own and one mistake cannot hide
//! the next), the plain comments (which the tree does not hold), and inputs
//! nested deeply enough to exhaust the stack of a recursive-descent parser.

use std::ops::Range;

/// Keywords that start a top-level item when they begin a line.
pub const ITEM_KEYWORDS: &[&str] = &[
    "import", "schema", "enum", "set", "table", "reason", "purpose", "decision", "rule", "score",
    "let", "sharing", "test", "override",
];

/// Deepest bracket nesting accepted in one item.
pub const MAX_BRACKET_DEPTH: usize = 64;
/// Most nesting keywords and prefix operators accepted in one item: each can
/// add a level of recursion in the parser without a bracket.
pub const MAX_NESTING_TOKENS: usize = 256;

/// Splits a file into the byte ranges of its top-level items. Every byte
/// belongs to exactly one range, and the ranges are in order.
pub fn split_items(text: &str) -> Vec<Range<usize>> {
    let mut starts = vec![0usize];
    let mut line_start = 0usize;
    let mut doc_block_start: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        if line.starts_with("///") && !line.starts_with("////") {
            doc_block_start.get_or_insert(line_start);
        } else if starts_item(line) {
            let start = doc_block_start.unwrap_or(line_start);
            if start > 0 {
                starts.push(start);
            }
            doc_block_start = None;
        } else {
            doc_block_start = None;
        }
        line_start += line.len();
    }
    starts.dedup();
    let mut ranges = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        ranges.push(start..end);
    }
    ranges
}

fn starts_item(line: &str) -> bool {
    ITEM_KEYWORDS.iter().any(|keyword| {
        line.strip_prefix(keyword).is_some_and(|rest| {
            // `test: Int` at the start of a line is a field, not an item.
            let mut chars = rest.chars();
            matches!(chars.next(), Some(' ' | '\t'))
                && chars
                    .find(|c| !matches!(c, ' ' | '\t'))
                    .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '"')
        })
    })
}

/// What can be told of an item that did not parse: the name its first
/// words declare and every word it mentions.
pub fn broken_item(chunk: &str) -> crate::ast::BrokenItem {
    let mut words = Vec::new();
    scan_words(chunk, |w| words.push(w.to_string()));
    let mut iter = words.iter().skip_while(|w| *w == "override");
    let declares = match iter.next().map(String::as_str) {
        Some("decision") => {
            let next = iter.next();
            match next.map(String::as_str) {
                Some("table") => iter.next().cloned(),
                _ => next.cloned(),
            }
        }
        Some(k) if ITEM_KEYWORDS.contains(&k) && k != "test" => iter.next().cloned(),
        _ => None,
    };
    words.sort();
    words.dedup();
    crate::ast::BrokenItem {
        declares,
        mentions: words,
    }
}

/// Calls `on` for each identifier-like word outside strings and comments.
fn scan_words(text: &str, mut on: impl FnMut(&str)) {
    let mut code = String::with_capacity(text.len());
    let mut last = 0;
    scan(text, |event| {
        if let Event::Comment(range) = event {
            code.push_str(text.get(last..range.start).unwrap_or(""));
            last = range.end;
        }
    });
    code.push_str(text.get(last..).unwrap_or(""));
    for word in code.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        if word
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
        {
            on(word);
        }
    }
}

/// What the scan found between code: comments and string bodies are skipped
/// so that brackets or keywords inside them count for nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedComment {
    pub range: Range<usize>,
}

/// Plain `//` comments (not `///` doc comments) with their byte ranges,
/// excluding the newline.
pub fn comments(text: &str) -> Vec<ScannedComment> {
    let mut found = Vec::new();
    scan(text, |event| {
        if let Event::Comment(range) = event {
            let body = text.get(range.clone()).unwrap_or("");
            let is_doc = body.starts_with("///") && !body.starts_with("////");
            if !is_doc {
                found.push(ScannedComment { range });
            }
        }
    });
    found
}

/// The byte offset of the first place where `text` nests too deeply, with a
/// description of how, or `None` when it is within the limits.
pub fn nesting_problem(text: &str) -> Option<(usize, String)> {
    let mut depth = 0usize;
    let mut tokens = 0usize;
    let mut problem = None;
    scan(text, |event| {
        if problem.is_some() {
            return;
        }
        match event {
            Event::Open(at) => {
                depth += 1;
                if depth > MAX_BRACKET_DEPTH {
                    problem = Some((
                        at,
                        format!("brackets nest more than {MAX_BRACKET_DEPTH} deep"),
                    ));
                }
            }
            Event::Close => depth = depth.saturating_sub(1),
            Event::NestingToken(at) => {
                tokens += 1;
                if tokens > MAX_NESTING_TOKENS {
                    problem = Some((
                        at,
                        format!(
                            "more than {MAX_NESTING_TOKENS} nested `if`, `not`, quantifiers or signs in one item"
                        ),
                    ));
                }
            }
            Event::Comment(_) => {}
        }
    });
    problem
}

enum Event {
    Open(usize),
    Close,
    NestingToken(usize),
    Comment(Range<usize>),
}

fn scan(text: &str, mut on: impl FnMut(Event)) {
    let bytes = text.as_bytes();
    let mut i = 0usize;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    match c {
                        b'\\' => i += 2,
                        b'"' | b'\n' => break,
                        _ => i += 1,
                    }
                }
                i += 1;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = bytes
                    .get(i..)
                    .and_then(|rest| rest.iter().position(|&c| c == b'\n'))
                    .map_or(bytes.len(), |p| i + p);
                on(Event::Comment(i..end));
                i = end;
                continue;
            }
            b'(' | b'[' | b'{' => on(Event::Open(i)),
            b')' | b']' | b'}' => on(Event::Close),
            b'-' => {
                let after_digit = i > 0 && bytes.get(i - 1).is_some_and(u8::is_ascii_digit);
                let next_code = bytes
                    .get(i + 1..)
                    .and_then(|rest| rest.iter().find(|c| !matches!(c, b' ' | b'\t')));
                // A date's dashes and a decision table's "any" cell `- |` are
                // not signs.
                if !after_digit && next_code != Some(&b'|') {
                    on(Event::NestingToken(i));
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while bytes
                    .get(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                {
                    i += 1;
                }
                let word = text.get(start..i).unwrap_or("");
                if matches!(word, "if" | "not" | "any" | "all" | "count") {
                    on(Event::NestingToken(start));
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_split_at_keywords_and_keep_their_doc_comments() {
        let text =
            "schema A {\n  test: Int\n}\n/// doc\nrule r for d\n  when true\n  then deny X\n";
        let ranges = split_items(text);
        assert_eq!(ranges.len(), 2);
        assert!(text[ranges[1].clone()].starts_with("/// doc\nrule"));
        assert_eq!(ranges.last().map(|r| r.end), Some(text.len()));
    }

    #[test]
    fn comments_inside_strings_are_not_comments() {
        let found = comments("rule r for d \"a // b\" // real\n/// doc\n");
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn deep_brackets_are_reported() {
        let deep = "let x = ".to_string() + &"(".repeat(100) + "1" + &")".repeat(100);
        assert!(nesting_problem(&deep).is_some());
        assert!(nesting_problem("let x = ((1))").is_none());
    }
}
