//! Byte offsets (what the compiler's spans hold) to LSP positions and back.
//! LSP counts columns in UTF-16 code units; rule files carry Thai,
//! Vietnamese and Bahasa text, so a character is not a byte and not always
//! one code unit either.

use lsp_types::{Position, Range};

/// The start of every line of one text, for quick conversions.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset of the first character of each line.
    // INVARIANT: starts with 0 and is strictly increasing.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
            }
        }
        LineIndex { starts }
    }

    /// The position of a byte offset; an offset past the end or inside a
    /// character is moved back to the nearest character boundary.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column: usize = text
            .get(start..offset)
            .map_or(0, |s| s.chars().map(char::len_utf16).sum());
        Position {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            character: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }

    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range {
            start: self.position(text, start),
            end: self.position(text, end.max(start)),
        }
    }

    /// The byte offset of a position; columns past the end of the line mean
    /// the end of the line, lines past the end mean the end of the text.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .map_or(text.len(), |next| next.saturating_sub(1));
        let line = text.get(start..end).unwrap_or("");
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            if units >= position.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        // Past the end of the line: its end, before any `\r`.
        start + line.strip_suffix('\r').map_or(line.len(), str::len)
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

/// Applies one LSP content change to a text.
pub fn apply_change(text: &mut String, range: Option<Range>, new_text: &str) {
    match range {
        None => *text = new_text.to_string(),
        Some(range) => {
            let index = LineIndex::new(text);
            let start = index.offset(text, range.start);
            let end = index.offset(text, range.end).max(start);
            text.replace_range(start..end, new_text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thai_and_vietnamese_columns_count_utf16_units() {
        let text = "name: \"ด.ญ. กมลชนก\"\nx: \"Nguyễn Thị\" y\n";
        let index = LineIndex::new(text);
        let y = text.find(" y").map_or(0, |i| i + 1);
        let p = index.position(text, y);
        assert_eq!((p.line, p.character), (1, 16));
        assert_eq!(index.offset(text, p), y);
        // An emoji is two UTF-16 units.
        let text = "\"😀\" z";
        let index = LineIndex::new(text);
        let z = text.find('z').unwrap_or(0);
        assert_eq!(index.position(text, z).character, 5);
        assert_eq!(index.offset(text, Position::new(0, 5)), z);
    }

    #[test]
    fn out_of_range_positions_are_clamped() {
        let text = "ab\ncd";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(text, Position::new(0, 99)), 2);
        assert_eq!(index.offset(text, Position::new(9, 0)), 5);
        assert_eq!(index.position(text, 99), Position::new(1, 2));
    }
}
