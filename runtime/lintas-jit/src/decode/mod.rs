//! JSON records straight into the word layout, without building a
//! [`lintas_check::value::Value`] first.
//!
//! The reference decoder (`lintas_eval::decode`) is the specification: for
//! every text it accepts, [`FastDecoder::decode`] appends exactly the words,
//! relocations and foreign texts that decoding with it and then
//! [`Words::push`] would; for every text it rejects, the error is the first
//! one it reports (same kind, path and message).
//!
//! Decoding takes two passes. The first ([`pass`]) walks the JSON in
//! document order, as the reference decoder does, so problems are found in
//! its order; it writes the record's inline words (nested records included)
//! straight to their place in [`Words`], keeps each list's elements as a
//! block of their own in scratch memory, and leaves placeholders for lists
//! and for texts that are not interned. The second pass ([`Emit`]) appends
//! the blocks in the order [`Words::store`] would write them (fields in
//! schema order, a list's elements after the record that holds it) and
//! numbers the foreign texts in that order. JSON senders put fields in any
//! order, so this cannot be done in one pass without moving words
//! afterwards.
//!
//! The first pass is where the time goes, nearly all of it on keys and
//! short values, so those have fast paths ([`lookup`]): the key expected
//! next (senders mostly keep schema order) is compared in place with the
//! input, without looking for the string's end first; other keys and enum
//! values are found by a hash of their first and last words; dates,
//! country codes and small integers are read straight from the input; and
//! strings are scanned a word at a time. Each fast path either gives what
//! the general path would or declines without consuming anything.
//!
//! Syntax errors are found by the scanner here, but their messages (with
//! serde_json's line and column) come from running serde_json over the text
//! the way the reference decoder does ([`shape`]): that path is cold, and
//! only then can the message be exactly the same.

mod lookup;
mod pass;
mod shape;

use lintas_check::hir::Program;
use lintas_check::types::Ty as CheckedTy;
use lintas_eval::decode::{DecodeError, DecodeErrorKind, MAX_JSON_DEPTH, describe};
use lintas_ir::Module;
use lintas_ir::layout::{Interner, WORD, Words, ir_type};
use lookup::{CountryCodes, Names};
use pass::Pass;
use serde::de::DeserializeSeed;
use shape::Shape;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

/// Decodes JSON records of a module's layouts into words.
#[derive(Debug, Clone)]
pub struct FastDecoder {
    nodes: Vec<Node>,
    records: Vec<RecordPlan>,
    enums: Vec<EnumPlan>,
    /// The node of `Record(r)` for each record `r`: the type of a whole record.
    record_nodes: Vec<NodeId>,
    countries: CountryCodes,
    /// Why the program and the module do not fit together, if they do not.
    mismatch: Option<String>,
}

type NodeId = usize;

/// A checked type, as decoding needs it. Decoding follows the checked types
/// (as the reference decoder does); widths and offsets come from the IR.
#[derive(Debug, Clone)]
struct Node {
    kind: Kind,
    /// The kind without one `optional` (as `Ty::without_optional`), and
    /// whether there was one: then values are stored behind a word that
    /// says they are present.
    inner: Kind,
    optional: bool,
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
    /// Field indices by name; the first field of a name wins, as in
    /// `RecordDef::field`.
    names: Names,
    /// Bit `i` set when field `i` (of the first 64) is required.
    required: u64,
    /// The offsets and nodes of the fields that are not plain, in schema
    /// order: the only ones the second pass visits.
    fixups: Vec<(usize, NodeId)>,
    /// Field names joined by `, `, for unknown-field messages.
    known: String,
}

#[derive(Debug, Clone)]
struct FieldPlan {
    name: String,
    node: NodeId,
    offset: usize,
    /// The node's width, here for the first pass.
    width: usize,
    /// `Some(expected)` when leaving the field out is an error; optional
    /// fields are absent and lists empty otherwise, both all-zero words.
    required: Option<String>,
}

#[derive(Debug, Clone)]
struct EnumPlan {
    /// Value indices by name; the first of equal names wins, as `position`
    /// finds it.
    values: Names,
    allowed: String,
}

impl RecordPlan {
    fn field(&self, key: &str) -> Option<usize> {
        self.names.find(key.as_bytes())
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
            let mut required = 0u64;
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
                let required_type = match &field.ty {
                    CheckedTy::Optional(_) | CheckedTy::List(_) => None,
                    ty => Some(describe(program, ty)),
                };
                let node = builder.node(&field.ty);
                if i < 64 && required_type.is_some() {
                    required |= 1 << i;
                }
                fields.push(FieldPlan {
                    name: field.name.clone(),
                    node,
                    offset,
                    width: builder.nodes.get(node).map_or(0, |n| n.width),
                    required: required_type,
                });
            }
            let known: Vec<&str> = record.fields.iter().map(|f| f.name.as_str()).collect();
            records.push(RecordPlan {
                name: record.name.clone(),
                names: Names::new(known.iter().copied()),
                fields,
                required,
                // Filled in once every node is known to be plain or not.
                fixups: Vec::new(),
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
                values: Names::new(e.values.iter().map(String::as_str)),
                allowed: e.values.join(", "),
            })
            .collect();
        let mut decoder = FastDecoder {
            nodes: builder.nodes,
            records,
            enums,
            record_nodes,
            countries: CountryCodes::new(),
            mismatch,
        };
        decoder.mark_plain();
        decoder
    }

    /// Works out which nodes need no fixing up after copying, and which
    /// fields each record's fixing up visits; records nest without cycles,
    /// so repeating until nothing changes terminates.
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
        let nodes = &self.nodes;
        for plan in &mut self.records {
            plan.fixups = plan
                .fields
                .iter()
                .filter(|f| nodes.get(f.node).is_some_and(|n| !n.plain))
                .map(|f| (f.offset, f.node))
                .collect();
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
        let before = (
            words.words.len(),
            words.relocations.len(),
            words.foreign_texts.len(),
        );
        // The record's own words go straight to their place; only lists
        // and foreign texts wait for the second pass.
        let at = words.reserve(self.node(root).width);
        let outcome = match words.words.get_mut(at..) {
            Some(block) => {
                let mut pass = Pass::new(self, interner, json, strict, scratch);
                pass.value(root, block, &Path::Root)
                    .and_then(|()| match pass.skip_whitespace() {
                        None => Ok(()),
                        Some(_) => Err(Stop::Syntax),
                    })
            }
            None => Err(Stop::Syntax),
        };
        let result = match outcome {
            Ok(()) => {
                let emit = Emit {
                    decoder: self,
                    scratch,
                    json,
                };
                emit.fix(root, at, words).map(|()| at).map_err(internal)
            }
            Err(stop) => Err(self.explain(stop, root, json)),
        };
        if result.is_err() {
            // Leave `words` as it was.
            words.words.truncate(before.0);
            words.relocations.truncate(before.1);
            words.foreign_texts.truncate(before.2);
        }
        result
    }

    #[inline]
    fn node(&self, id: NodeId) -> &Node {
        self.nodes.get(id).unwrap_or(&OPAQUE)
    }

    /// The type without one `optional`, as `Ty::without_optional`.
    fn without_optional<'a>(&'a self, node: &'a Node) -> &'a Node {
        match node.kind {
            Kind::Optional(inner) => self.node(inner),
            _ => node,
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
            Stop::Error(error) => *error,
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
    inner: Kind::Opaque,
    optional: false,
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
        let (inner, optional) = match kind {
            Kind::Optional(inner) => (self.nodes.get(inner).map_or(Kind::Opaque, |n| n.kind), true),
            kind => (kind, false),
        };
        let id = self.nodes.len();
        self.nodes.push(Node {
            kind,
            inner,
            optional,
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
    /// The reference decoder's first error, boxed: the first pass returns
    /// `Result<_, Stop>` from every call, and a small one stays in
    /// registers.
    Error(Box<DecodeError>),
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

#[cold]
fn error(kind: DecodeErrorKind, path: &Path<'_>, message: String) -> Stop {
    Stop::Error(Box::new(DecodeError {
        kind,
        path: path.to_string(),
        message,
    }))
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
                    for &(offset, node) in &plan.fixups {
                        self.fix(node, at + offset, words)?;
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
                let element_node = self.decoder.node(element);
                let stride = element_node.width;
                let first = words.words.len();
                let source = self
                    .scratch
                    .arena
                    .get(block.start..block.start + stride * block.len)
                    .ok_or("a list block went missing")?;
                words.words.extend_from_slice(source);
                if !element_node.plain {
                    for i in 0..block.len {
                        self.fix(element, first + i * stride, words)?;
                    }
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

#[cfg(test)]
mod tests {
    //! Records wider than the 64 fields the first pass tracks in a bit set,
    //! and keys in orders its hints do not expect, against the reference
    //! decoder (`tests/decode.rs` covers everything else).
    #![allow(
        clippy::expect_used,
        clippy::panic,
        reason = "tests report failures by panicking"
    )]

    use super::FastDecoder;
    use lintas_check::types::{RecordId, Ty as CheckedTy};
    use lintas_eval::decode::{self, DecodeOptions};
    use lintas_ir::Ty;
    use lintas_ir::layout::{Interner, Words};

    const FIELDS: usize = 70;

    fn field(i: usize) -> (String, &'static str) {
        // Names that share their first and last bytes, and both kinds of
        // field (required or not) on either side of the 64th.
        let name = format!("field_{i:02}_x");
        let ty = match i % 5 {
            0 => "optional Int",
            1 => "Text",
            2 => "list of Date",
            3 => "Bool",
            _ => "Country",
        };
        (name, ty)
    }

    fn value(i: usize) -> String {
        match i % 5 {
            0 => format!("{i}"),
            1 => format!("\"t{i}\""),
            2 => "[\"2024-02-29\", \"1999-12-31\"]".to_string(),
            3 => "true".to_string(),
            _ => "\"THA\"".to_string(),
        }
    }

    #[test]
    fn wide_records_and_any_key_order_decode_alike() {
        let dir = std::env::temp_dir().join(format!("lintas-wide-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let fields: String = (0..FIELDS)
            .map(|i| {
                let (name, ty) = field(i);
                format!("  {name}: {ty}\n")
            })
            .collect();
        let source = format!(
            "decision check for subject: Wide {{\n  outcomes stop > go\n  default go\n  on error stop\n}}\n\nschema Wide {{\n{fields}}}\n"
        );
        std::fs::write(dir.join("wide.lintas"), source).expect("write");
        std::fs::write(
            dir.join("lintas.toml"),
            "[package]\nname = \"wide\"\nversion = \"0.1.0\"\nedition = \"2026\"\n",
        )
        .expect("write");
        let ws = lintas_load::load_paths(std::slice::from_ref(&dir)).expect("load");
        let _ = std::fs::remove_dir_all(&dir);
        let root = *ws.roots.first().expect("a package");
        let checked = lintas_check::check_package(&ws, root);
        assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
        let program = checked.program;
        let module = lintas_ir::compile(&program).expect("compile");
        let interner = Interner::new(&module.texts, &module.countries);
        let decoder = FastDecoder::new(&program, &module);
        let schema = module.decisions.first().expect("a decision").schema;

        let object = |order: &[usize], extra: &str| {
            let members: Vec<String> = order
                .iter()
                .map(|&i| format!("\"{}\": {}", field(i).0, value(i)))
                .chain((!extra.is_empty()).then(|| extra.to_string()))
                .collect();
            format!("{{{}}}", members.join(", "))
        };
        let all: Vec<usize> = (0..FIELDS).collect();
        let reversed: Vec<usize> = all.iter().rev().copied().collect();
        let shuffled: Vec<usize> = (0..FIELDS).map(|i| (i * 29) % FIELDS).collect();
        let without =
            |gone: usize| -> Vec<usize> { all.iter().copied().filter(|&i| i != gone).collect() };
        let texts = [
            object(&all, ""),
            object(&reversed, ""),
            object(&shuffled, "\"unknown\": [1, {\"a\": null}]"),
            // Required fields left out, before and after the 64th.
            object(&without(3), ""),
            object(&without(66), ""),
            object(&without(68), ""),
            // Optional and list fields left out.
            object(&without(65), ""),
            object(&without(67), ""),
            // Given twice, before and after the 64th.
            object(&all, &format!("\"{}\": {}", field(3).0, value(3))),
            object(&all, &format!("\"{}\": {}", field(66).0, value(66))),
            // An escaped key is still the field it spells.
            object(
                &all[..FIELDS - 1],
                &format!("\"field_\\u00369_x\": {}", value(69)),
            ),
        ];
        for json in &texts {
            for strict in [false, true] {
                let reference = decode::decode(
                    &program,
                    &CheckedTy::Record(RecordId(schema)),
                    json,
                    DecodeOptions { strict },
                );
                let mut words = Words::default();
                let fast = decoder.decode(&module, &interner, schema, json, strict, &mut words);
                match reference {
                    Ok(value) => {
                        let mut expected = Words::default();
                        let at = expected
                            .push(&value, &Ty::Rec(schema), &module.layouts, &interner)
                            .expect("Words::push");
                        assert_eq!(fast, Ok(at), "{json}");
                        assert_eq!(words, expected, "{json}");
                    }
                    Err(errors) => {
                        assert_eq!(fast.as_ref().err(), errors.first(), "{json}");
                        assert_eq!(words, Words::default(), "{json}");
                    }
                }
            }
        }
    }
}
