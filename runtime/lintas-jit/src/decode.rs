//! JSON records straight into the word layout, without building a
//! [`lintas_check::value::Value`] first.
//!
//! The reference decoder (`lintas_eval::decode`) is the specification: for
//! every text it accepts, [`FastDecoder::decode`] appends exactly the words,
//! relocations and foreign texts that decoding with it and then
//! [`Words::push`] would; for every text it rejects, the error is the first
//! one it reports (same kind, path and message).
//!
//! Decoding takes two passes. The first walks the JSON in document order, as
//! the reference decoder does, so problems are found in its order; it writes
//! each record's inline words into scratch memory, keeps each list's elements
//! as a block of their own, and leaves placeholders for lists and for texts
//! that are not interned. The second pass copies the blocks into [`Words`] in
//! the order [`Words::store`] would write them (fields in schema order, a
//! list's elements after the record that holds it) and numbers the foreign
//! texts in that order. JSON senders put fields in any order, so this cannot
//! be done in one pass without moving words afterwards.
//!
//! Syntax errors are found by the scanner here, but their messages (with
//! serde_json's line and column) come from running serde_json over the text
//! the way the reference decoder does: that path is cold, and only then can
//! the message be exactly the same.

use lintas_check::hir::Program;
use lintas_check::types::Ty as CheckedTy;
use lintas_check::value::{self, DECIMAL_ONE};
use lintas_check::{calendar, countries};
use lintas_eval::decode::{DecodeError, DecodeErrorKind, MAX_JSON_DEPTH, describe};
use lintas_ir::Module;
use lintas_ir::layout::{Interner, WORD, Words, ir_type};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// Decodes JSON records of a module's layouts into words.
#[derive(Debug, Clone)]
pub struct FastDecoder {
    nodes: Vec<Node>,
    records: Vec<RecordPlan>,
    enums: Vec<EnumPlan>,
    /// The node of `Record(r)` for each record `r`: the type of a whole record.
    record_nodes: Vec<NodeId>,
    /// Why the program and the module do not fit together, if they do not.
    mismatch: Option<String>,
}

type NodeId = usize;

/// A checked type, as decoding needs it. Decoding follows the checked types
/// (as the reference decoder does); widths and offsets come from the IR.
#[derive(Debug, Clone)]
struct Node {
    kind: Kind,
    /// How the reference decoder names the type in messages (`describe`).
    expected: String,
    /// Words of a value stored inline.
    width: usize,
    /// Whether stored values hold no list and no text: nothing to fix up
    /// after copying.
    plain: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Int,
    Decimal,
    Text,
    Date,
    Country,
    Enum(usize),
    Record(usize),
    Optional(NodeId),
    List(NodeId),
    /// A type no JSON value decodes to (durations, sets, tables).
    Opaque,
}

#[derive(Debug, Clone)]
struct RecordPlan {
    name: String,
    fields: Vec<FieldPlan>,
    /// Field indices by the length of their name, in schema order, so the
    /// first field of a name wins as in `RecordDef::field`.
    by_len: Vec<Vec<usize>>,
    /// Field names joined by `, `, for unknown-field messages.
    known: String,
}

#[derive(Debug, Clone)]
struct FieldPlan {
    name: String,
    node: NodeId,
    offset: usize,
    /// `Some(expected)` when leaving the field out is an error; optional
    /// fields are absent and lists empty otherwise, both all-zero words.
    required: Option<String>,
}

#[derive(Debug, Clone)]
struct EnumPlan {
    values: Vec<String>,
    allowed: String,
}

impl RecordPlan {
    fn field(&self, key: &str) -> Option<usize> {
        let candidates = self.by_len.get(key.len())?;
        candidates.iter().copied().find(|&i| {
            self.fields
                .get(i)
                .is_some_and(|f| f.name.as_bytes() == key.as_bytes())
        })
    }
}

impl FastDecoder {
    /// Prepares decoding for every record of `module`. The program is the
    /// checked program `module` was compiled from: the module does not keep
    /// enum value names, and messages name types as the program does.
    pub fn new(program: &Program, module: &Module) -> FastDecoder {
        let mut builder = Builder {
            program,
            module,
            nodes: Vec::new(),
            memo: HashMap::new(),
        };
        let mut mismatch = None;
        if program.records.len() != module.layouts.len() {
            mismatch = Some(format!(
                "the program has {} records and the module {} layouts",
                program.records.len(),
                module.layouts.len()
            ));
        }
        let mut records = Vec::with_capacity(program.records.len());
        for (r, record) in program.records.iter().enumerate() {
            let layout = module.layouts.get(r);
            let mut fields = Vec::with_capacity(record.fields.len());
            let mut by_len: Vec<Vec<usize>> = Vec::new();
            for (i, field) in record.fields.iter().enumerate() {
                let offset = match layout.and_then(|l| l.fields.get(i)) {
                    Some(f) if f.name == field.name => f.offset,
                    _ => {
                        mismatch.get_or_insert_with(|| {
                            format!("field `{}.{}` has no layout", record.name, field.name)
                        });
                        0
                    }
                };
                let required = match &field.ty {
                    CheckedTy::Optional(_) | CheckedTy::List(_) => None,
                    ty => Some(describe(program, ty)),
                };
                let node = builder.node(&field.ty);
                if by_len.len() <= field.name.len() {
                    by_len.resize(field.name.len() + 1, Vec::new());
                }
                if let Some(bucket) = by_len.get_mut(field.name.len()) {
                    bucket.push(i);
                }
                fields.push(FieldPlan {
                    name: field.name.clone(),
                    node,
                    offset,
                    required,
                });
            }
            let known: Vec<&str> = record.fields.iter().map(|f| f.name.as_str()).collect();
            records.push(RecordPlan {
                name: record.name.clone(),
                fields,
                by_len,
                known: known.join(", "),
            });
        }
        let record_nodes = (0..program.records.len())
            .map(|r| {
                let id = u32::try_from(r).unwrap_or(u32::MAX);
                builder.node(&CheckedTy::Record(lintas_check::types::RecordId(id)))
            })
            .collect();
        let enums = program
            .enums
            .iter()
            .map(|e| EnumPlan {
                values: e.values.clone(),
                allowed: e.values.join(", "),
            })
            .collect();
        let mut decoder = FastDecoder {
            nodes: builder.nodes,
            records,
            enums,
            record_nodes,
            mismatch,
        };
        decoder.mark_plain();
        decoder
    }

    /// Works out which nodes need no fixing up after copying; records nest
    /// without cycles, so repeating until nothing changes terminates.
    fn mark_plain(&mut self) {
        for node in &mut self.nodes {
            node.plain = !matches!(node.kind, Kind::Text | Kind::List(_));
        }
        loop {
            let mut changed = false;
            for id in 0..self.nodes.len() {
                let Some(node) = self.nodes.get(id) else {
                    break;
                };
                if !node.plain {
                    continue;
                }
                let plain = match node.kind {
                    Kind::Optional(inner) => self.nodes.get(inner).is_none_or(|n| n.plain),
                    Kind::Record(r) => self.records.get(r).is_none_or(|plan| {
                        plan.fields
                            .iter()
                            .all(|f| self.nodes.get(f.node).is_none_or(|n| n.plain))
                    }),
                    _ => true,
                };
                if !plain {
                    if let Some(node) = self.nodes.get_mut(id) {
                        node.plain = false;
                    }
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// Decodes one JSON record of layout `schema` into `words`, appending;
    /// returns the word position where the record starts. Texts that are
    /// not interned go to `words.foreign_texts` with negative words, as
    /// [`Words::store`] does: decoding never interns. On any problem
    /// `words` is left as it was.
    pub fn decode(
        &self,
        module: &Module,
        interner: &Interner,
        schema: u32,
        json: &str,
        strict: bool,
        words: &mut Words,
    ) -> Result<usize, DecodeError> {
        let schema = schema as usize;
        let root = match self.record_nodes.get(schema) {
            Some(&root) if self.mismatch.is_none() => root,
            _ => {
                let why = self.mismatch.clone().unwrap_or_else(|| {
                    format!("record layout #{schema} does not exist in the program")
                });
                return Err(internal(why));
            }
        };
        let width = self.node(root).width;
        if module.layouts.get(schema).map(|l| l.words) != Some(width) {
            return Err(internal(format!(
                "record layout #{schema} of the module is not the one the decoder was built for"
            )));
        }
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => self.run(&mut scratch, interner, root, json, strict, words),
            // Only a decode running inside another on this thread could see
            // the scratch taken; give it scratch of its own.
            Err(_) => self.run(&mut Scratch::default(), interner, root, json, strict, words),
        })
    }

    fn run(
        &self,
        scratch: &mut Scratch,
        interner: &Interner,
        root: NodeId,
        json: &str,
        strict: bool,
        words: &mut Words,
    ) -> Result<usize, DecodeError> {
        scratch.reset();
        let mut block = scratch.take_block(self.node(root).width);
        let mut pass = Pass {
            decoder: self,
            interner,
            text: json,
            bytes: json.as_bytes(),
            pos: 0,
            depth: 0,
            strict,
            scratch,
        };
        let outcome =
            pass.value(root, &mut block, &Path::Root)
                .and_then(|()| match pass.skip_whitespace() {
                    None => Ok(()),
                    Some(_) => Err(Stop::Syntax),
                });
        match outcome {
            Ok(()) => {
                let at = self.emit(scratch, json, root, &block, words);
                scratch.give_block(block);
                at
            }
            Err(stop) => Err(self.explain(stop, root, json)),
        }
    }

    fn node(&self, id: NodeId) -> &Node {
        self.nodes.get(id).unwrap_or(&OPAQUE)
    }

    fn kind(&self, id: NodeId) -> Kind {
        self.node(id).kind
    }

    /// The type without one `optional`, as `Ty::without_optional`.
    fn without_optional(&self, id: NodeId) -> NodeId {
        match self.kind(id) {
            Kind::Optional(inner) => inner,
            _ => id,
        }
    }

    /// The error the reference decoder reports first, given where the scan
    /// stopped. Its depth check runs before anything else, over the whole
    /// text; the scan only skips it when it found no problem, and then the
    /// text is JSON whose nesting the scan measured.
    fn explain(&self, stop: Stop, root: NodeId, json: &str) -> DecodeError {
        if let Some(depth) = too_deep(json) {
            return DecodeError {
                kind: DecodeErrorKind::TooDeep,
                path: "$".to_string(),
                message: format!(
                    "arrays and objects nest {depth} levels deep; the limit is {MAX_JSON_DEPTH}"
                ),
            };
        }
        match stop {
            Stop::Error(error) => error,
            Stop::Syntax => self.syntax_error(root, json),
        }
    }

    /// serde_json's own error for `json`, read with the same calls the
    /// reference decoder makes, so the message and position are its own.
    #[cold]
    fn syntax_error(&self, root: NodeId, json: &str) -> DecodeError {
        let mut deserializer = serde_json::Deserializer::from_str(json);
        let seed = Shape {
            decoder: self,
            node: root,
        };
        let result = seed
            .deserialize(&mut deserializer)
            .and_then(|()| deserializer.end());
        match result {
            Err(e) if e.to_string().contains("recursion limit") => DecodeError {
                kind: DecodeErrorKind::TooDeep,
                path: "$".to_string(),
                message: format!("nested too deeply: {e}"),
            },
            Err(e) => DecodeError {
                kind: DecodeErrorKind::Syntax,
                path: "$".to_string(),
                message: format!("invalid JSON: {e}"),
            },
            // The scanner and serde_json disagree: a bug here, reported
            // rather than hidden.
            Ok(()) => DecodeError {
                kind: DecodeErrorKind::Syntax,
                path: "$".to_string(),
                message: "invalid JSON (the fast decoder and serde_json disagree where)"
                    .to_string(),
            },
        }
    }

    /// The second pass: copies the record and its lists into `words` in
    /// the order `Words::store` writes them.
    fn emit(
        &self,
        scratch: &Scratch,
        json: &str,
        root: NodeId,
        block: &[i64],
        words: &mut Words,
    ) -> Result<usize, DecodeError> {
        let before = (
            words.words.len(),
            words.relocations.len(),
            words.foreign_texts.len(),
        );
        let at = words.reserve(block.len());
        if let Some(target) = words.words.get_mut(at..at + block.len()) {
            target.copy_from_slice(block);
        }
        let emit = Emit {
            decoder: self,
            scratch,
            json,
        };
        if let Err(e) = emit.fix(root, at, words) {
            // Leave `words` as it was, as on every other error.
            words.words.truncate(before.0);
            words.relocations.truncate(before.1);
            words.foreign_texts.truncate(before.2);
            return Err(internal(e));
        }
        Ok(at)
    }
}

/// A decoder used with a module it was not built for, or a bug in it: no
/// kind of the reference decoder fits, and the record must still be refused.
fn internal(message: String) -> DecodeError {
    DecodeError {
        kind: DecodeErrorKind::WrongType,
        path: "$".to_string(),
        message,
    }
}

static OPAQUE: Node = Node {
    kind: Kind::Opaque,
    expected: String::new(),
    width: 0,
    plain: true,
};

struct Builder<'a> {
    program: &'a Program,
    module: &'a Module,
    nodes: Vec<Node>,
    memo: HashMap<CheckedTy, NodeId>,
}

impl Builder<'_> {
    fn node(&mut self, ty: &CheckedTy) -> NodeId {
        if let Some(&id) = self.memo.get(ty) {
            return id;
        }
        let kind = match ty {
            CheckedTy::Bool => Kind::Bool,
            CheckedTy::Int => Kind::Int,
            CheckedTy::Decimal => Kind::Decimal,
            CheckedTy::Text => Kind::Text,
            CheckedTy::Date => Kind::Date,
            CheckedTy::Country => Kind::Country,
            CheckedTy::Enum(e) => Kind::Enum(e.0 as usize),
            CheckedTy::Record(r) => Kind::Record(r.0 as usize),
            CheckedTy::Optional(inner) => Kind::Optional(self.node(inner)),
            CheckedTy::List(inner) => Kind::List(self.node(inner)),
            CheckedTy::Duration | CheckedTy::Set(_) | CheckedTy::Table(_) | CheckedTy::Error => {
                Kind::Opaque
            }
        };
        let width = ir_type(ty).map_or(0, |t| t.stored_words(&self.module.layouts));
        let id = self.nodes.len();
        self.nodes.push(Node {
            kind,
            expected: describe(self.program, ty),
            width,
            plain: true,
        });
        self.memo.insert(ty.clone(), id);
        id
    }
}

/// Memory reused from one decode to the next on a thread, so that decoding
/// a record allocates only the foreign texts it hands over.
#[derive(Debug, Default)]
struct Scratch {
    /// Elements of every list decoded, each list's a contiguous block.
    arena: Vec<i64>,
    lists: Vec<ListBlock>,
    /// Foreign texts, in the order the first pass met them.
    pending: Vec<Span>,
    /// Texts that had escapes, unescaped.
    owned: String,
    /// Which fields of the records being decoded were seen, one region per
    /// record, innermost last.
    seen: Vec<bool>,
    blocks: Vec<Vec<i64>>,
}

impl Scratch {
    fn reset(&mut self) {
        // One huge record should not pin its memory in every thread that
        // ever decoded it.
        if self.arena.capacity() > KEEP_WORDS {
            self.arena = Vec::new();
        }
        if self.owned.capacity() > KEEP_WORDS {
            self.owned = String::new();
        }
        self.blocks.retain(|b| b.capacity() <= KEEP_WORDS);
        self.arena.clear();
        self.lists.clear();
        self.pending.clear();
        self.owned.clear();
        self.seen.clear();
    }

    fn take_block(&mut self, width: usize) -> Vec<i64> {
        let mut block = self.blocks.pop().unwrap_or_default();
        block.clear();
        block.resize(width, 0);
        block
    }

    fn give_block(&mut self, block: Vec<i64>) {
        self.blocks.push(block);
    }
}

/// Scratch memory kept between records, in words (or bytes of text).
const KEEP_WORDS: usize = 1 << 16;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

#[derive(Debug, Clone, Copy)]
struct ListBlock {
    start: usize,
    len: usize,
}

/// Where a string's text is: in the input (no escapes) or in
/// [`Scratch::owned`].
#[derive(Debug, Clone, Copy)]
enum Span {
    Input(usize, usize),
    Owned(usize, usize),
}

/// Why the first pass stopped.
enum Stop {
    /// The text is not JSON at this point, or nests too deeply.
    Syntax,
    /// The reference decoder's first error.
    Error(DecodeError),
}

/// A JSON path built on the stack, written out only for an error.
enum Path<'p> {
    Root,
    Field(&'p Path<'p>, &'p str),
    Index(&'p Path<'p>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => f.write_str("$"),
            Path::Field(parent, name) => write!(f, "{parent}.{name}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

fn error(kind: DecodeErrorKind, path: &Path<'_>, message: String) -> Stop {
    Stop::Error(DecodeError {
        kind,
        path: path.to_string(),
        message,
    })
}

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
struct Pass<'a, 'd> {
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

impl<'d> Pass<'_, 'd> {
    /// The next byte that is not JSON whitespace, not consumed.
    #[inline]
    fn skip_whitespace(&mut self) -> Option<u8> {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b' ' | b'\n' | b'\t' | b'\r' => self.pos += 1,
                _ => return Some(b),
            }
        }
        None
    }

    fn expect_word(&mut self, word: &[u8]) -> Result<(), Stop> {
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
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
    fn value(&mut self, node: NodeId, dst: &mut [i64], path: &Path<'_>) -> Result<(), Stop> {
        let Some(b) = self.skip_whitespace() else {
            return Err(Stop::Syntax);
        };
        match b {
            b'"' => {
                self.pos += 1;
                let span = self.string(true)?;
                self.text_value(node, span, dst, path)
            }
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
                match self.decoder.kind(node) {
                    // Absent: the words stay zero.
                    Kind::Optional(_) => Ok(()),
                    _ => Err(error(
                        DecodeErrorKind::MissingField,
                        path,
                        format!("expected {}, found null", self.decoder.node(node).expected),
                    )),
                }
            }
            b'[' => self.list(node, dst, path),
            b'{' => self.object(node, dst, path),
            _ => Err(Stop::Syntax),
        }
    }

    fn wrong(&self, node: NodeId, path: &Path<'_>, found: &str) -> Stop {
        error(
            DecodeErrorKind::WrongType,
            path,
            format!(
                "expected {}, found {found}",
                self.decoder.node(node).expected
            ),
        )
    }

    /// Stores one word of a value of type `node` (optional or not).
    fn put(&self, node: NodeId, dst: &mut [i64], word: i64) -> Result<(), Stop> {
        let target = match self.decoder.kind(node) {
            Kind::Optional(_) => {
                set(dst, 0, 1)?;
                1
            }
            _ => 0,
        };
        set(dst, target, word)
    }

    fn boolean(
        &mut self,
        node: NodeId,
        b: bool,
        dst: &mut [i64],
        path: &Path<'_>,
    ) -> Result<(), Stop> {
        match self.decoder.kind(self.decoder.without_optional(node)) {
            Kind::Bool => self.put(node, dst, i64::from(b)),
            // The message names the optional type, "or null" included:
            // the reference decoder does not unwrap it for booleans.
            _ => Err(self.wrong(node, path, if b { "true" } else { "false" })),
        }
    }

    fn text_value(
        &mut self,
        node: NodeId,
        span: Span,
        dst: &mut [i64],
        path: &Path<'_>,
    ) -> Result<(), Stop> {
        let decoder = self.decoder;
        let inner = decoder.without_optional(node);
        let text = match span {
            Span::Input(start, end) => self.text.get(start..end),
            Span::Owned(start, end) => self.scratch.owned.get(start..end),
        }
        .unwrap_or("");
        let word = match decoder.kind(inner) {
            Kind::Text => match self.interner.text(text) {
                Some(id) => i64::from(id),
                None => {
                    self.scratch.pending.push(span);
                    // Numbered again in store order by the second pass.
                    -(self.scratch.pending.len() as i64)
                }
            },
            Kind::Date => match calendar::parse_date(text) {
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
            Kind::Country => match countries::canonical(text) {
                Some(code) => match self.interner.country(code) {
                    Some(id) => i64::from(id),
                    // `Words::store` fails here too; compiled modules hold
                    // every code.
                    None => {
                        return Err(Stop::Error(internal(format!(
                            "`{code}` is not a country code"
                        ))));
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
                match plan.and_then(|p| p.values.iter().position(|v| v == text)) {
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
            _ => return Err(self.wrong(inner, path, "text")),
        };
        self.put(node, dst, word)
    }

    fn number(&mut self, node: NodeId, dst: &mut [i64], path: &Path<'_>) -> Result<(), Stop> {
        let token = self.number_token()?;
        let decoder = self.decoder;
        let inner = decoder.without_optional(node);
        let inner_kind = decoder.kind(inner);
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
                _ => return Err(self.wrong(inner, path, "a number")),
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
                _ => return Err(self.wrong(inner, path, "a number")),
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
    fn string(&mut self, validate: bool) -> Result<Span, Stop> {
        let start = self.pos;
        loop {
            match self.bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Span::Input(start, self.pos - 1));
                }
                Some(b'\\') => break,
                Some(0..=0x1f) | None => return Err(Stop::Syntax),
                Some(_) => self.pos += 1,
            }
        }
        let owned_start = self.scratch.owned.len();
        let mut run = start;
        loop {
            match self.bytes.get(self.pos) {
                Some(b'"') => {
                    let tail = self.text.get(run..self.pos).ok_or(Stop::Syntax)?;
                    self.scratch.owned.push_str(tail);
                    self.pos += 1;
                    return Ok(Span::Owned(owned_start, self.scratch.owned.len()));
                }
                Some(b'\\') => {
                    let part = self.text.get(run..self.pos).ok_or(Stop::Syntax)?;
                    self.scratch.owned.push_str(part);
                    self.pos += 1;
                    let c = self.escape(validate)?;
                    self.scratch.owned.push(c);
                    run = self.pos;
                }
                Some(0..=0x1f) | None => return Err(Stop::Syntax),
                Some(_) => self.pos += 1,
            }
        }
    }

    /// Skips a string whose opening quote is consumed.
    fn skip_string(&mut self, validate: bool) -> Result<(), Stop> {
        loop {
            match self.bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.pos += 1;
                    self.escape(validate)?;
                }
                Some(0..=0x1f) | None => return Err(Stop::Syntax),
                Some(_) => self.pos += 1,
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

    fn list(&mut self, node: NodeId, dst: &mut [i64], path: &Path<'_>) -> Result<(), Stop> {
        let decoder = self.decoder;
        let Kind::List(element) = decoder.kind(decoder.without_optional(node)) else {
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
        let at = match decoder.kind(node) {
            Kind::Optional(_) => {
                set(dst, 0, 1)?;
                1
            }
            _ => 0,
        };
        set(dst, at, placeholder)?;
        set(dst, at + 1, len as i64)
    }

    fn object(&mut self, node: NodeId, dst: &mut [i64], path: &Path<'_>) -> Result<(), Stop> {
        let decoder = self.decoder;
        let record = match decoder.kind(decoder.without_optional(node)) {
            Kind::Record(r) => decoder.records.get(r),
            _ => None,
        };
        let Some(record) = record else {
            self.skip_object(true)?;
            return Err(self.wrong(node, path, "an object"));
        };
        let dst = match decoder.kind(node) {
            Kind::Optional(_) => {
                set(dst, 0, 1)?;
                dst.get_mut(1..).ok_or(Stop::Syntax)?
            }
            _ => dst,
        };
        self.enter()?;
        let seen = self.scratch.seen.len();
        self.scratch.seen.resize(seen + record.fields.len(), false);
        let mut first = true;
        while self.next_key(&mut first)? {
            let key = self.string(true)?;
            let key_text = match key {
                Span::Input(start, end) => self.text.get(start..end),
                Span::Owned(start, end) => self.scratch.owned.get(start..end),
            }
            .unwrap_or("");
            let index = record.field(key_text);
            self.colon()?;
            match index.and_then(|i| Some((i, record.fields.get(i)?))) {
                Some((i, field)) => {
                    self.drop_owned(key);
                    let width = decoder.node(field.node).width;
                    let slot = dst
                        .get_mut(field.offset..field.offset + width)
                        .ok_or(Stop::Syntax)?;
                    let field_path = Path::Field(path, &field.name);
                    self.value(field.node, slot, &field_path)?;
                    let flag = self.scratch.seen.get_mut(seen + i).ok_or(Stop::Syntax)?;
                    if *flag {
                        return Err(error(
                            DecodeErrorKind::DuplicateField,
                            &field_path,
                            "the field is given twice".to_string(),
                        ));
                    }
                    *flag = true;
                }
                None => {
                    self.skip_value()?;
                    if self.strict {
                        let key_text = match key {
                            Span::Input(start, end) => self.text.get(start..end),
                            Span::Owned(start, end) => self.scratch.owned.get(start..end),
                        }
                        .unwrap_or("");
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
        for (i, field) in record.fields.iter().enumerate() {
            if self.scratch.seen.get(seen + i) == Some(&false)
                && let Some(expected) = &field.required
            {
                return Err(error(
                    DecodeErrorKind::MissingField,
                    &Path::Field(path, &field.name),
                    format!("missing required field (expected {expected})"),
                ));
            }
        }
        self.scratch.seen.truncate(seen);
        self.leave();
        Ok(())
    }

    /// Frees an unescaped key; it is the last text in [`Scratch::owned`].
    fn drop_owned(&mut self, span: Span) {
        if let Span::Owned(start, _) = span {
            self.scratch.owned.truncate(start);
        }
    }
}

fn set(dst: &mut [i64], at: usize, word: i64) -> Result<(), Stop> {
    match dst.get_mut(at) {
        Some(slot) => {
            *slot = word;
            Ok(())
        }
        // Widths come from the same layouts the offsets do; a slot outside
        // its value means the decoder was built wrongly.
        None => Err(Stop::Error(internal(
            "a value does not fit its layout".to_string(),
        ))),
    }
}

/// The second pass.
struct Emit<'a> {
    decoder: &'a FastDecoder,
    scratch: &'a Scratch,
    json: &'a str,
}

impl Emit<'_> {
    /// Fixes up the value of type `node` stored at `at`: numbers foreign
    /// texts and places lists, in `Words::store` order.
    fn fix(&self, node: NodeId, at: usize, words: &mut Words) -> Result<(), String> {
        let info = self.decoder.node(node);
        if info.plain {
            return Ok(());
        }
        match info.kind {
            Kind::Text => {
                let word = words.words.get(at).copied().unwrap_or(0);
                if word < 0 {
                    let k = usize::try_from(-1 - word).map_err(|e| e.to_string())?;
                    let text = match self.scratch.pending.get(k) {
                        Some(Span::Input(start, end)) => self.json.get(*start..*end),
                        Some(Span::Owned(start, end)) => self.scratch.owned.get(*start..*end),
                        None => None,
                    }
                    .ok_or("a foreign text went missing")?;
                    words.foreign_texts.push(text.to_string());
                    let id = -(words.foreign_texts.len() as i64);
                    put(words, at, id);
                }
            }
            Kind::Optional(inner) if words.words.get(at) == Some(&1) => {
                self.fix(inner, at + 1, words)?;
            }
            Kind::Record(r) => {
                if let Some(plan) = self.decoder.records.get(r) {
                    for field in &plan.fields {
                        self.fix(field.node, at + field.offset, words)?;
                    }
                }
            }
            Kind::List(element) => {
                let placeholder = words.words.get(at).copied().unwrap_or(0);
                let block = match usize::try_from(placeholder - 1) {
                    Ok(i) => *self
                        .scratch
                        .lists
                        .get(i)
                        .ok_or("a list block went missing")?,
                    Err(_) => ListBlock { start: 0, len: 0 },
                };
                let stride = self.decoder.node(element).width;
                let first = words.reserve(stride * block.len);
                let source = self
                    .scratch
                    .arena
                    .get(block.start..block.start + stride * block.len)
                    .ok_or("a list block went missing")?;
                if let Some(target) = words.words.get_mut(first..first + source.len()) {
                    target.copy_from_slice(source);
                }
                for i in 0..block.len {
                    self.fix(element, first + i * stride, words)?;
                }
                // After the elements, as `Words::store` records it.
                put(words, at, first as i64 * WORD);
                words.relocations.push(at);
                put(words, at + 1, block.len as i64);
            }
            _ => {}
        }
        Ok(())
    }
}

fn put(words: &mut Words, at: usize, word: i64) {
    if let Some(slot) = words.words.get_mut(at) {
        *slot = word;
    }
}

/// The reference decoder's depth check, to the byte: brackets count
/// wherever they are outside strings, in skipped values and trailing
/// garbage too.
fn too_deep(json: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for b in json.bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    (deepest > MAX_JSON_DEPTH).then_some(deepest)
}

/// Walks JSON with the deserializer calls the reference decoder makes
/// (`deserialize_any` where it reads a value, `IgnoredAny` where it skips
/// one, `Cow<str>` for keys), checking nothing else: serde_json then
/// stops with the very error the reference decoder reports.
struct Shape<'d> {
    decoder: &'d FastDecoder,
    node: NodeId,
}

impl<'de> DeserializeSeed<'de> for Shape<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Shape<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.decoder.node(self.node).expected)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let decoder = self.decoder;
        match decoder.kind(decoder.without_optional(self.node)) {
            Kind::List(element) => {
                while seq
                    .next_element_seed(Shape {
                        decoder,
                        node: element,
                    })?
                    .is_some()
                {}
            }
            _ => while seq.next_element::<IgnoredAny>()?.is_some() {},
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let decoder = self.decoder;
        let record = match decoder.kind(decoder.without_optional(self.node)) {
            Kind::Record(r) => decoder.records.get(r),
            _ => None,
        };
        match record {
            Some(record) => {
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    match record.field(&key).and_then(|i| record.fields.get(i)) {
                        Some(field) => map.next_value_seed(Shape {
                            decoder,
                            node: field.node,
                        })?,
                        None => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
            }
            None => while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {},
        }
        Ok(())
    }
}
