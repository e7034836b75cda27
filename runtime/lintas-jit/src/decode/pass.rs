//! The first pass: the JSON in document order, as the reference decoder
//! reads it, into the record's words and scratch memory (see the module
//! documentation).

use super::lookup::{self, string_stop};
use super::{
    FastDecoder, Kind, ListBlock, Node, NodeId, Path, Scratch, Span, Stop, error, internal,
};
use lintas_check::value::{self, DECIMAL_ONE};
use lintas_eval::decode::{DecodeErrorKind, MAX_JSON_DEPTH};
use lintas_ir::layout::Interner;
use std::str::FromStr;

/// A number as serde_json hands it to a visitor.
enum Number {
    Integer(i128),
    Float(f64),
}

/// The extent of a number in the input.
struct NumberToken {
    start: usize,
    end: usize,
    negative: bool,
    /// Digits before the point.
    whole: (usize, usize),
    /// Digits after the point, if there is one.
    fraction: Option<(usize, usize)>,
    exponent: bool,
}

/// The first pass: document order, as the reference decoder reads.
pub(super) struct Pass<'a, 'd> {
    decoder: &'d FastDecoder,
    interner: &'a Interner,
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Arrays and objects open at `pos`.
    depth: usize,
    strict: bool,
    scratch: &'a mut Scratch,
}

/// The text of a string read by [`Pass::string`].
#[inline]
fn span_text<'s>(text: &'s str, owned: &'s str, span: Span) -> &'s str {
    match span {
        Span::Input(start, end) => text.get(start..end),
        Span::Owned(start, end) => owned.get(start..end),
    }
    .unwrap_or("")
}

impl<'a, 'd> Pass<'a, 'd> {
    pub(super) fn new(
        decoder: &'d FastDecoder,
        interner: &'a Interner,
        json: &'a str,
        strict: bool,
        scratch: &'a mut Scratch,
    ) -> Pass<'a, 'd> {
        Pass {
            decoder,
            interner,
            text: json,
            bytes: json.as_bytes(),
            pos: 0,
            depth: 0,
            strict,
            scratch,
        }
    }

    /// The next byte that is not JSON whitespace, not consumed.
    #[inline]
    pub(super) fn skip_whitespace(&mut self) -> Option<u8> {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b' ' | b'\n' | b'\t' | b'\r' => self.pos += 1,
                _ => return Some(b),
            }
        }
        None
    }

    /// Consumes `word` (`true`, `false`, `null`), compared as one array
    /// of known length rather than by `memcmp`.
    #[inline(always)]
    fn expect_word<const N: usize>(&mut self, word: &[u8; N]) -> Result<(), Stop> {
        let found = self
            .bytes
            .get(self.pos..self.pos + N)
            .and_then(|b| <&[u8; N]>::try_from(b).ok());
        if found == Some(word) {
            self.pos += N;
            Ok(())
        } else {
            Err(Stop::Syntax)
        }
    }

    /// Opens an array or object. Deeper input than the reference decoder
    /// takes stops the scan; its depth check then reports it.
    fn enter(&mut self) -> Result<(), Stop> {
        self.pos += 1;
        self.depth += 1;
        if self.depth > MAX_JSON_DEPTH {
            return Err(Stop::Syntax);
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.pos += 1;
        self.depth -= 1;
    }

    /// Decodes a value of type `node` into `dst` (its inline words).
    /// Inlined into the loops over fields and elements, with the common
    /// scalars handled here and everything larger out of line, so that
    /// a scalar field costs no call.
    #[inline(always)]
    pub(super) fn value(
        &mut self,
        node: NodeId,
        dst: &mut [i64],
        path: &Path<'_>,
    ) -> Result<(), Stop> {
        let node = self.decoder.node(node);
        let Some(b) = self.skip_whitespace() else {
            return Err(Stop::Syntax);
        };
        match b {
            b'"' => {
                self.pos += 1;
                if let Some(word) = self.quick_text(node) {
                    return self.put(node, dst, word);
                }
                let span = self.string(true)?;
                self.text_value(node, span, dst, path)
            }
            b'0'..=b'9' if node.inner == Kind::Int => match self.quick_int() {
                Some(n) => self.put(node, dst, n),
                None => self.number(node, dst, path),
            },
            b'-' | b'0'..=b'9' => self.number(node, dst, path),
            b't' => {
                self.expect_word(b"true")?;
                self.boolean(node, true, dst, path)
            }
            b'f' => {
                self.expect_word(b"false")?;
                self.boolean(node, false, dst, path)
            }
            b'n' => {
                self.expect_word(b"null")?;
                if node.optional {
                    // Absent: the words stay zero.
                    Ok(())
                } else {
                    Err(error(
                        DecodeErrorKind::MissingField,
                        path,
                        format!("expected {}, found null", node.expected),
                    ))
                }
            }
            b'[' => self.list(node, dst, path),
            b'{' => self.object(node, dst, path),
            _ => Err(Stop::Syntax),
        }
    }

    /// A date or country code read straight from the input, without
    /// looking for the string's end first: ten bytes that are digits and
    /// dashes, or three capital letters, then the closing quote. Such a
    /// string has no escapes, so it is exactly those bytes and its value
    /// is what [`Pass::text_value`] would find. `None` (consuming nothing):
    /// read the string the general way, which also words any error.
    #[inline]
    fn quick_text(&mut self, node: &Node) -> Option<i64> {
        let at = self.pos;
        let (word, len) = match node.inner {
            Kind::Date => {
                let date = self.bytes.get(at..at + 10)?;
                (lookup::parse_date(date)?, 10)
            }
            Kind::Country => {
                let code = self.text.get(at..at + 3)?;
                if !self.decoder.countries.is_code(code) {
                    return None;
                }
                (i64::from(self.interner.country(code)?), 3)
            }
            _ => return None,
        };
        if self.bytes.get(at + len) != Some(&b'"') {
            return None;
        }
        self.pos = at + len + 1;
        Some(word)
    }

    /// A whole number without sign, point or exponent, of at most 18
    /// digits, read straight from the input: what [`Pass::number`] makes
    /// of it for an `Int`. `None` (consuming nothing): anything else, read
    /// the general way.
    #[inline]
    fn quick_int(&mut self) -> Option<i64> {
        let start = self.pos;
        let mut end = start;
        let mut n: i64 = 0;
        while let Some(&b) = self.bytes.get(end) {
            let digit = b.wrapping_sub(b'0');
            if digit > 9 {
                break;
            }
            if end - start == 18 {
                return None;
            }
            n = n * 10 + i64::from(digit);
            end += 1;
        }
        let leading_zero = self.bytes.get(start) == Some(&b'0') && end - start > 1;
        if end == start || leading_zero || matches!(self.bytes.get(end), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        self.pos = end;
        Some(n)
    }

    #[cold]
    fn wrong(&self, node: &Node, path: &Path<'_>, found: &str) -> Stop {
        error(
            DecodeErrorKind::WrongType,
            path,
            format!("expected {}, found {found}", node.expected),
        )
    }

    /// Stores one word of a value of type `node` (optional or not).
    #[inline(always)]
    fn put(&self, node: &Node, dst: &mut [i64], word: i64) -> Result<(), Stop> {
        if node.optional {
            set(dst, 0, 1)?;
            set(dst, 1, word)
        } else {
            set(dst, 0, word)
        }
    }

    #[inline]
    fn boolean(
        &mut self,
        node: &Node,
        b: bool,
        dst: &mut [i64],
        path: &Path<'_>,
    ) -> Result<(), Stop> {
        match node.inner {
            Kind::Bool => self.put(node, dst, i64::from(b)),
            // The message names the optional type, "or null" included:
            // the reference decoder does not unwrap it for booleans.
            _ => Err(self.wrong(node, path, if b { "true" } else { "false" })),
        }
    }

    #[inline(never)]
    fn text_value(
        &mut self,
        node: &Node,
        span: Span,
        dst: &mut [i64],
        path: &Path<'_>,
    ) -> Result<(), Stop> {
        let decoder = self.decoder;
        let text = span_text(self.text, &self.scratch.owned, span);
        let word = match node.inner {
            Kind::Text => match self.interner.text(text) {
                Some(id) => i64::from(id),
                None => {
                    self.scratch.pending.push(span);
                    // Numbered again in store order by the second pass.
                    -(self.scratch.pending.len() as i64)
                }
            },
            Kind::Date => match lookup::parse_date(text.as_bytes()) {
                Some(day) => day,
                None => {
                    return Err(error(
                        DecodeErrorKind::BadDate,
                        path,
                        format!(
                            "`{text}` is not a date (YYYY-MM-DD between 0001-01-01 and 9999-12-31)"
                        ),
                    ));
                }
            },
            Kind::Country => match decoder.countries.canonical(text) {
                Some(code) => match self.interner.country(code) {
                    Some(id) => i64::from(id),
                    // `Words::store` fails here too; compiled modules hold
                    // every code.
                    None => {
                        return Err(Stop::Error(Box::new(internal(format!(
                            "`{code}` is not a country code"
                        )))));
                    }
                },
                None => {
                    return Err(error(
                        DecodeErrorKind::UnknownCountry,
                        path,
                        format!("`{text}` is not an ISO 3166-1 alpha-3 or ICAO 9303 country code"),
                    ));
                }
            },
            Kind::Enum(e) => {
                let plan = decoder.enums.get(e);
                match plan.and_then(|p| p.values.find(text.as_bytes())) {
                    Some(p) => i64::from(u32::try_from(p).unwrap_or(u32::MAX)),
                    None => {
                        let allowed = plan.map_or("", |p| p.allowed.as_str());
                        return Err(error(
                            DecodeErrorKind::UnknownEnumValue,
                            path,
                            format!("`{text}` is not one of {allowed}"),
                        ));
                    }
                }
            }
            Kind::Decimal => match value::parse_decimal(text) {
                Ok(d) => d,
                Err(m) => return Err(error(DecodeErrorKind::OutOfRange, path, m)),
            },
            _ => return Err(self.wrong(decoder.without_optional(node), path, "text")),
        };
        self.put(node, dst, word)
    }

    #[inline(never)]
    fn number(&mut self, node: &Node, dst: &mut [i64], path: &Path<'_>) -> Result<(), Stop> {
        let token = self.number_token()?;
        let decoder = self.decoder;
        let inner_kind = node.inner;
        let number = match self.small_integer(&token) {
            Some(n) => n,
            None => {
                if inner_kind == Kind::Decimal
                    && let Some(word) = self.short_decimal(&token)
                {
                    return self.put(node, dst, word);
                }
                // Everything else as serde_json reads it, so that doubles
                // round exactly as they do for the reference decoder.
                let text = self.text.get(token.start..token.end).unwrap_or("");
                let n = serde_json::Number::from_str(text).map_err(|_| Stop::Syntax)?;
                if let Some(u) = n.as_u64() {
                    Number::Integer(i128::from(u))
                } else if let Some(i) = n.as_i64() {
                    Number::Integer(i128::from(i))
                } else {
                    Number::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
        };
        let word = match number {
            Number::Integer(n) => match inner_kind {
                Kind::Int => i64::try_from(n).map_err(|_| {
                    error(
                        DecodeErrorKind::OutOfRange,
                        path,
                        format!("{n} does not fit in a 64-bit integer"),
                    )
                })?,
                Kind::Decimal => i64::try_from(n)
                    .ok()
                    .and_then(|v| v.checked_mul(DECIMAL_ONE))
                    .ok_or_else(|| {
                        error(
                            DecodeErrorKind::OutOfRange,
                            path,
                            format!("{n} is too large for a Decimal"),
                        )
                    })?,
                _ => return Err(self.wrong(decoder.without_optional(node), path, "a number")),
            },
            Number::Float(v) => match inner_kind {
                Kind::Decimal if v.is_finite() => value::parse_decimal(&format!("{v}"))
                    .map_err(|m| error(DecodeErrorKind::OutOfRange, path, m))?,
                Kind::Int if v.fract() == 0.0 && v.abs() < 9.2e18 => {
                    return Err(error(
                        DecodeErrorKind::WrongType,
                        path,
                        format!(
                            "expected a whole number without a decimal point or exponent, found {v}"
                        ),
                    ));
                }
                Kind::Int if v.fract() == 0.0 => {
                    return Err(error(
                        DecodeErrorKind::OutOfRange,
                        path,
                        format!("{v} does not fit in a 64-bit integer"),
                    ));
                }
                Kind::Int => {
                    return Err(error(
                        DecodeErrorKind::WrongType,
                        path,
                        format!("expected a whole number, found {v}"),
                    ));
                }
                _ => return Err(self.wrong(decoder.without_optional(node), path, "a number")),
            },
        };
        self.put(node, dst, word)
    }

    /// Scans a number by the JSON grammar (as serde_json does, which takes
    /// exactly this grammar); any deviation is a syntax error.
    fn number_token(&mut self) -> Result<NumberToken, Stop> {
        let start = self.pos;
        let negative = self.bytes.get(self.pos) == Some(&b'-');
        if negative {
            self.pos += 1;
        }
        let whole_start = self.pos;
        match self.bytes.get(self.pos) {
            Some(b'0') => {
                self.pos += 1;
                if self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
                    return Err(Stop::Syntax);
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(Stop::Syntax),
        }
        let whole = (whole_start, self.pos);
        let mut fraction = None;
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            let fraction_start = self.pos;
            self.digits();
            if self.pos == fraction_start {
                return Err(Stop::Syntax);
            }
            fraction = Some((fraction_start, self.pos));
        }
        let mut exponent = false;
        if let Some(b'e' | b'E') = self.bytes.get(self.pos) {
            exponent = true;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.pos) {
                self.pos += 1;
            }
            let digits_start = self.pos;
            self.digits();
            if self.pos == digits_start {
                return Err(Stop::Syntax);
            }
        }
        Ok(NumberToken {
            start,
            end: self.pos,
            negative,
            whole,
            fraction,
            exponent,
        })
    }

    fn digits(&mut self) {
        while self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
    }

    fn digit_value(&self, (start, end): (usize, usize)) -> Option<u64> {
        let mut n: u64 = 0;
        for &b in self.bytes.get(start..end)? {
            n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        }
        Some(n)
    }

    /// An integer of at most 18 digits, as serde_json reads it: `u64`, or
    /// `i64` when negative, except `-0`, which it reads as the double -0.0.
    fn small_integer(&self, token: &NumberToken) -> Option<Number> {
        if token.fraction.is_some() || token.exponent || token.whole.1 - token.whole.0 > 18 {
            return None;
        }
        let n = i128::from(self.digit_value(token.whole)?);
        Some(match (token.negative, n) {
            (true, 0) => Number::Float(-0.0),
            (true, n) => Number::Integer(-n),
            (false, n) => Number::Integer(n),
        })
    }

    /// A Decimal written with a point, no exponent and at most 15 digits,
    /// whose value does not depend on how doubles round. The reference
    /// decoder reads such a number as serde_json's double and formats it
    /// as the shortest text that reads back the same. With at most 15
    /// digits, serde_json's double is the correctly rounded value (one
    /// exact division of an integer below 2^53 by a power of ten), and no
    /// two such decimals share a double, so that text is the number with
    /// its trailing fraction zeros dropped. `None`: decode the general way.
    fn short_decimal(&self, token: &NumberToken) -> Option<i64> {
        let fraction = token.fraction?;
        let whole_digits = token.whole.1 - token.whole.0;
        let fraction_digits = fraction.1 - fraction.0;
        if token.exponent || whole_digits + fraction_digits > 15 {
            return None;
        }
        let fraction_bytes = self.bytes.get(fraction.0..fraction.1)?;
        let zeros = fraction_bytes
            .iter()
            .rev()
            .take_while(|&&b| b == b'0')
            .count();
        let places = fraction_digits - zeros;
        if places > value::DECIMAL_SCALE as usize {
            return None;
        }
        let whole = i64::try_from(self.digit_value(token.whole)?).ok()?;
        let kept = i64::try_from(self.digit_value((fraction.0, fraction.0 + places))?).ok()?;
        let scale = 10_i64.pow(value::DECIMAL_SCALE - u32::try_from(places).ok()?);
        let magnitude = whole
            .checked_mul(DECIMAL_ONE)?
            .checked_add(kept.checked_mul(scale)?)?;
        Some(if token.negative {
            -magnitude
        } else {
            magnitude
        })
    }

    /// Reads a string whose opening quote is consumed. `validate`: decode
    /// `\u` escapes strictly (surrogates must pair), as serde_json does for
    /// strings it hands to a visitor; values it skips are not checked so.
    ///
    /// The plain runs between escapes are found a word at a time; they
    /// start and end at ASCII bytes, so they are whole UTF-8 text of the
    /// input and need no checking again.
    #[inline]
    fn string(&mut self, validate: bool) -> Result<Span, Stop> {
        let start = self.pos;
        let stop = string_stop(self.bytes, start);
        self.pos = stop;
        match self.bytes.get(stop) {
            Some(b'"') => {
                self.pos += 1;
                Ok(Span::Input(start, stop))
            }
            Some(b'\\') => self.escaped_string(start, validate),
            _ => Err(Stop::Syntax),
        }
    }

    /// The rest of a string from its first escape (at `pos`), unescaped
    /// into [`Scratch::owned`].
    #[cold]
    fn escaped_string(&mut self, start: usize, validate: bool) -> Result<Span, Stop> {
        let owned_start = self.scratch.owned.len();
        let mut run = start;
        loop {
            let part = self.text.get(run..self.pos).ok_or(Stop::Syntax)?;
            self.scratch.owned.push_str(part);
            match self.bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Span::Owned(owned_start, self.scratch.owned.len()));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = self.escape(validate)?;
                    self.scratch.owned.push(c);
                    run = self.pos;
                    self.pos = string_stop(self.bytes, run);
                }
                _ => return Err(Stop::Syntax),
            }
        }
    }

    /// Skips a string whose opening quote is consumed.
    fn skip_string(&mut self, validate: bool) -> Result<(), Stop> {
        loop {
            self.pos = string_stop(self.bytes, self.pos);
            match self.bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.pos += 1;
                    self.escape(validate)?;
                }
                _ => return Err(Stop::Syntax),
            }
        }
    }

    /// One escape after its backslash. Without `validate`, a surrogate
    /// stands for itself and the character returned is a stand-in.
    fn escape(&mut self, validate: bool) -> Result<char, Stop> {
        let Some(&b) = self.bytes.get(self.pos) else {
            return Err(Stop::Syntax);
        };
        self.pos += 1;
        Ok(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let n = self.hex4()?;
                if !validate {
                    return Ok(char::from_u32(n).unwrap_or(char::REPLACEMENT_CHARACTER));
                }
                let code = match n {
                    0xDC00..=0xDFFF => return Err(Stop::Syntax),
                    0xD800..=0xDBFF => {
                        if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                            return Err(Stop::Syntax);
                        }
                        self.pos += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(Stop::Syntax);
                        }
                        (((n - 0xD800) << 10) | (low - 0xDC00)) + 0x1_0000
                    }
                    n => n,
                };
                char::from_u32(code).ok_or(Stop::Syntax)?
            }
            _ => return Err(Stop::Syntax),
        })
    }

    fn hex4(&mut self) -> Result<u32, Stop> {
        let digits = self.bytes.get(self.pos..self.pos + 4).ok_or(Stop::Syntax)?;
        let mut n = 0;
        for &d in digits {
            let v = char::from(d).to_digit(16).ok_or(Stop::Syntax)?;
            n = n * 16 + v;
        }
        self.pos += 4;
        Ok(n)
    }

    /// Skips any value (serde_json's `ignore_value`: numbers of any size,
    /// `\u` escapes unchecked).
    fn skip_value(&mut self) -> Result<(), Stop> {
        match self.skip_whitespace() {
            Some(b'"') => {
                self.pos += 1;
                self.skip_string(false)
            }
            Some(b'-' | b'0'..=b'9') => self.number_token().map(|_| ()),
            Some(b't') => self.expect_word(b"true"),
            Some(b'f') => self.expect_word(b"false"),
            Some(b'n') => self.expect_word(b"null"),
            Some(b'[') => self.skip_list(),
            Some(b'{') => self.skip_object(false),
            _ => Err(Stop::Syntax),
        }
    }

    fn skip_list(&mut self) -> Result<(), Stop> {
        self.enter()?;
        let mut first = true;
        while self.next_element(&mut first)? {
            self.skip_value()?;
        }
        self.leave();
        Ok(())
    }

    /// `validate_keys`: keys are read as serde_json reads map keys for a
    /// visitor (strict escapes), which it does for every object it hands
    /// to one, even one the reference decoder then skips.
    fn skip_object(&mut self, validate_keys: bool) -> Result<(), Stop> {
        self.enter()?;
        let mut first = true;
        while self.next_key(&mut first)? {
            self.skip_string(validate_keys)?;
            self.colon()?;
            self.skip_value()?;
        }
        self.leave();
        Ok(())
    }

    /// Whether another element follows (consuming the comma); at `]` the
    /// bracket is left for [`Pass::leave`].
    fn next_element(&mut self, first: &mut bool) -> Result<bool, Stop> {
        match self.skip_whitespace() {
            Some(b']') => Ok(false),
            Some(_) if *first => {
                *first = false;
                Ok(true)
            }
            Some(b',') => {
                self.pos += 1;
                match self.skip_whitespace() {
                    Some(b']') | None => Err(Stop::Syntax),
                    Some(_) => Ok(true),
                }
            }
            _ => Err(Stop::Syntax),
        }
    }

    /// Whether another key follows (consuming the comma and the key's
    /// opening quote); at `}` the brace is left for [`Pass::leave`].
    fn next_key(&mut self, first: &mut bool) -> Result<bool, Stop> {
        let b = match self.skip_whitespace() {
            Some(b'}') => return Ok(false),
            Some(b) if *first => {
                *first = false;
                b
            }
            Some(b',') => {
                self.pos += 1;
                self.skip_whitespace().ok_or(Stop::Syntax)?
            }
            _ => return Err(Stop::Syntax),
        };
        if b != b'"' {
            return Err(Stop::Syntax);
        }
        self.pos += 1;
        Ok(true)
    }

    fn colon(&mut self) -> Result<(), Stop> {
        match self.skip_whitespace() {
            Some(b':') => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(Stop::Syntax),
        }
    }

    #[inline(never)]
    fn list(&mut self, node: &Node, dst: &mut [i64], path: &Path<'_>) -> Result<(), Stop> {
        let decoder = self.decoder;
        let Kind::List(element) = node.inner else {
            self.skip_list()?;
            return Err(self.wrong(node, path, "a list"));
        };
        self.enter()?;
        let stride = decoder.node(element).width;
        let mut block = self.scratch.take_block(0);
        let mut len = 0;
        let mut first = true;
        while self.next_element(&mut first)? {
            block.resize(block.len() + stride, 0);
            let slot = block
                .get_mut(len * stride..(len + 1) * stride)
                .ok_or(Stop::Syntax)?;
            self.value(element, slot, &Path::Index(path, len))?;
            len += 1;
        }
        self.leave();
        let placeholder = if len == 0 {
            0
        } else {
            let start = self.scratch.arena.len();
            self.scratch.arena.extend_from_slice(&block);
            self.scratch.lists.push(ListBlock { start, len });
            // Zero stands for the empty list, as for a list left out.
            self.scratch.lists.len() as i64
        };
        self.scratch.give_block(block);
        let at = usize::from(node.optional);
        if node.optional {
            set(dst, 0, 1)?;
        }
        set(dst, at, placeholder)?;
        set(dst, at + 1, len as i64)
    }

    #[inline(never)]
    fn object(&mut self, node: &Node, dst: &mut [i64], path: &Path<'_>) -> Result<(), Stop> {
        let decoder = self.decoder;
        let record = match node.inner {
            Kind::Record(r) => decoder.records.get(r),
            _ => None,
        };
        let Some(record) = record else {
            self.skip_object(true)?;
            return Err(self.wrong(node, path, "an object"));
        };
        let dst = if node.optional {
            set(dst, 0, 1)?;
            dst.get_mut(1..).ok_or(Stop::Syntax)?
        } else {
            dst
        };
        self.enter()?;
        // Which fields were given: the first 64 in a bit set here, any
        // others in scratch (innermost record last).
        let beyond = record.fields.len().saturating_sub(64);
        let seen_base = self.scratch.seen.len();
        if beyond > 0 {
            self.scratch.seen.resize(seen_base + beyond, false);
        }
        let mut seen = 0u64;
        let mut hint = 0;
        let mut first = true;
        while self.next_key(&mut first)? {
            // Senders mostly write fields in schema order, so the key is
            // most often the field after the last one (or the one after
            // that, past an optional field left out): those are compared
            // in place, before any scan for the string's end.
            let names = &record.names;
            let plain = match names.plain_at(self.bytes, self.pos, hint) {
                Some(end) => Some((end, hint)),
                None => names
                    .plain_at(self.bytes, self.pos, hint + 1)
                    .map(|end| (end, hint + 1)),
            };
            // The key, when it was read by `string` (which may have kept it
            // in scratch): only such a key can be unknown.
            let (key, index) = match plain {
                Some((end, i)) => {
                    self.pos = end + 1;
                    (None, Some(i))
                }
                None => {
                    let key = self.string(true)?;
                    let key_bytes = match key {
                        Span::Input(start, end) => self.bytes.get(start..end),
                        Span::Owned(start, end) => self.scratch.owned.as_bytes().get(start..end),
                    };
                    (Some(key), names.find(key_bytes.unwrap_or_default()))
                }
            };
            self.colon()?;
            match index.and_then(|i| Some((i, record.fields.get(i)?))) {
                Some((i, field)) => {
                    if let Some(key) = key {
                        self.drop_owned(key);
                    }
                    hint = i + 1;
                    let slot = dst
                        .get_mut(field.offset..field.offset + field.width)
                        .ok_or(Stop::Syntax)?;
                    let field_path = Path::Field(path, &field.name);
                    self.value(field.node, slot, &field_path)?;
                    let twice = if i < 64 {
                        let twice = seen & (1 << i) != 0;
                        seen |= 1 << i;
                        twice
                    } else {
                        let flag = self
                            .scratch
                            .seen
                            .get_mut(seen_base + i - 64)
                            .ok_or(Stop::Syntax)?;
                        std::mem::replace(flag, true)
                    };
                    if twice {
                        return Err(error(
                            DecodeErrorKind::DuplicateField,
                            &field_path,
                            "the field is given twice".to_string(),
                        ));
                    }
                }
                None => {
                    let key = key.unwrap_or(Span::Input(0, 0));
                    self.skip_value()?;
                    if self.strict {
                        let key_text = span_text(self.text, &self.scratch.owned, key);
                        return Err(error(
                            DecodeErrorKind::UnknownField,
                            &Path::Field(path, key_text),
                            format!(
                                "`{}` has no field `{key_text}` (it has {})",
                                record.name, record.known
                            ),
                        ));
                    }
                    self.drop_owned(key);
                }
            }
        }
        // Fields left out are reported when the object closes, in schema
        // order, as the reference decoder does.
        if seen & record.required != record.required || beyond > 0 {
            for (i, field) in record.fields.iter().enumerate() {
                let given = if i < 64 {
                    seen & (1 << i) != 0
                } else {
                    self.scratch.seen.get(seen_base + i - 64) == Some(&true)
                };
                if !given && let Some(expected) = &field.required {
                    return Err(error(
                        DecodeErrorKind::MissingField,
                        &Path::Field(path, &field.name),
                        format!("missing required field (expected {expected})"),
                    ));
                }
            }
        }
        self.scratch.seen.truncate(seen_base);
        self.leave();
        Ok(())
    }

    /// Frees an unescaped key; it is the last text in [`Scratch::owned`].
    #[inline]
    fn drop_owned(&mut self, span: Span) {
        if let Span::Owned(start, _) = span {
            self.scratch.owned.truncate(start);
        }
    }
}

#[inline(always)]
fn set(dst: &mut [i64], at: usize, word: i64) -> Result<(), Stop> {
    match dst.get_mut(at) {
        Some(slot) => {
            *slot = word;
            Ok(())
        }
        None => Err(misfit()),
    }
}

/// Widths come from the same layouts the offsets do; a slot outside its
/// value means the decoder was built wrongly.
#[cold]
#[inline(never)]
fn misfit() -> Stop {
    Stop::Error(Box::new(internal(
        "a value does not fit its layout".to_string(),
    )))
}
