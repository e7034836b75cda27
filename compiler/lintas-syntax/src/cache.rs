//! Parse results of unchanged items, for tools that parse the same files
//! again and again (the language server parses on every keystroke). Items
//! are kept as parsed at offset 0 and moved to where they now stand.

use crate::parser::{ChunkResult, parse_chunk};
use crate::rebase::{Move, Rebase};
use crate::span::FileId;
use std::collections::HashMap;

/// Entries kept at most; past this the cache starts again, which costs one
/// full parse of the files in use.
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Default)]
pub struct ParseCache {
    chunks: HashMap<String, ChunkResult>,
}

impl ParseCache {
    pub fn new() -> ParseCache {
        ParseCache::default()
    }

    pub(crate) fn chunk(&mut self, file: FileId, offset: usize, text: &str) -> ChunkResult {
        if self.chunks.len() >= MAX_ENTRIES {
            self.chunks.clear();
        }
        let cached = self
            .chunks
            .entry(text.to_string())
            .or_insert_with(|| parse_chunk(FileId(0), 0, text));
        let mut result = cached.clone();
        let to = Move {
            file,
            delta: i64::try_from(offset).unwrap_or(0),
        };
        result.items.rebase(to);
        result.diagnostics.rebase(to);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_parses_equal_fresh_parses_after_edits() {
        let original = "schema A {\n  x: Int\n}\n\nlet y = 1 + 2\n\nrule r for d\n  \"d\"\n  when a.x > (1\n  then deny X\n";
        let mut cache = ParseCache::new();
        let edited = original.replace("x: Int", "xx: Int, extra: Text");
        for (n, text) in [original, &edited, original].into_iter().enumerate() {
            let file = FileId(n as u32 + 3);
            let cached = crate::parser::parse_cached(file, text, &mut cache);
            let fresh = crate::parser::parse(file, text);
            assert_eq!(cached, fresh, "after {n} edits");
        }
    }
}
