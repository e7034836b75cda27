//! A tiny JSON tree written by hand rather than through serde_json, so that
//! records can carry what a JSON library would refuse to produce: numbers
//! beyond 64 bits, duplicate keys, `\u` escapes of ordinary letters.

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum J {
    Null,
    Bool(bool),
    /// A number exactly as written.
    Raw(String),
    Str(String),
    /// A string whose non-ASCII characters are written as `\u` escapes.
    EscapedStr(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Raw(n) => out.push_str(n),
            J::Str(s) => write_string(out, s, false),
            J::EscapedStr(s) => write_string(out, s, true),
            J::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write(out);
                }
                out.push(']');
            }
            J::Obj(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_string(out, key, false);
                    out.push_str(": ");
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn write_string(out: &mut String, s: &str, escape_non_ascii: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || (escape_non_ascii && !c.is_ascii()) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_what_serde_reads_back() {
        let tree = J::Obj(vec![
            ("a".into(), J::Raw("9223372036854775808".into())),
            ("b".into(), J::EscapedStr("Nguyễn 😀".into())),
            ("c".into(), J::Arr(vec![J::Null, J::Bool(true)])),
            ("d".into(), J::Str("tab\there \"q\"".into())),
        ]);
        let text = tree.render();
        let back: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back["b"], "Nguyễn 😀");
        assert_eq!(back["d"], "tab\there \"q\"");
        assert!(text.contains("\\u1ec5"));
    }
}
