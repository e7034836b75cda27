//! Record layouts and values as words: how records, lists and constants sit
//! in memory for every backend.
//!
//! Memory holds 64-bit words. A record is its fields' words inline, at
//! fixed offsets; a list is two words (address of the first element,
//! length) with its elements stored inline elsewhere. Addresses are byte
//! addresses; [`Words`] builds memory with offsets and records where they
//! are, so the buffer can be moved and relocated to its final address.

use crate::ir::{Layout, LayoutField};
use crate::types::Ty;
use lintas_check::hir::Program;
use lintas_check::value::Value;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Bytes per word.
pub const WORD: i64 = 8;

/// Builds the layout of every record of the program. Records nest inline,
/// so a record's width needs its fields' widths first.
pub fn layouts(program: &Program) -> Result<Vec<Layout>, String> {
    let mut widths: Vec<Option<usize>> = vec![None; program.records.len()];
    for id in 0..program.records.len() {
        width(program, id, &mut widths, &mut Vec::new())?;
    }
    program
        .records
        .iter()
        .map(|record| {
            let mut offset = 0;
            let mut fields = Vec::with_capacity(record.fields.len());
            for field in &record.fields {
                let ty = ir_type(&field.ty)?;
                let words = stored_width(&ty, &widths);
                fields.push(LayoutField {
                    name: field.name.clone(),
                    ty,
                    offset,
                });
                offset += words;
            }
            Ok(Layout {
                name: record.name.clone(),
                fields,
                words: offset,
            })
        })
        .collect()
}

fn stored_width(ty: &Ty, widths: &[Option<usize>]) -> usize {
    match ty {
        Ty::Rec(id) => widths.get(*id as usize).copied().flatten().unwrap_or(0),
        Ty::Opt(inner) => 1 + stored_width(inner, widths),
        other => other.words(),
    }
}

fn width(
    program: &Program,
    id: usize,
    widths: &mut Vec<Option<usize>>,
    visiting: &mut Vec<usize>,
) -> Result<usize, String> {
    if let Some(Some(w)) = widths.get(id) {
        return Ok(*w);
    }
    if visiting.contains(&id) {
        return Err("a record contains itself".to_string());
    }
    visiting.push(id);
    let mut total = 0;
    let record = program
        .records
        .get(id)
        .ok_or_else(|| format!("record #{id} does not exist"))?;
    for field in &record.fields {
        let ty = ir_type(&field.ty)?;
        total += inline_width(program, &ty, widths, visiting)?;
    }
    visiting.pop();
    if let Some(slot) = widths.get_mut(id) {
        *slot = Some(total);
    }
    Ok(total)
}

fn inline_width(
    program: &Program,
    ty: &Ty,
    widths: &mut Vec<Option<usize>>,
    visiting: &mut Vec<usize>,
) -> Result<usize, String> {
    Ok(match ty {
        Ty::Rec(id) => width(program, *id as usize, widths, visiting)?,
        Ty::Opt(inner) => 1 + inline_width(program, inner, widths, visiting)?,
        other => other.words(),
    })
}

/// The IR type of a checked type.
pub fn ir_type(ty: &lintas_check::types::Ty) -> Result<Ty, String> {
    use lintas_check::types::Ty as T;
    Ok(match ty {
        T::Bool => Ty::Bool,
        T::Int => Ty::Int,
        T::Decimal => Ty::Dec,
        T::Text => Ty::Text,
        T::Date => Ty::Date,
        T::Duration => Ty::Dur,
        T::Country => Ty::Country,
        T::Enum(e) => Ty::Enum(e.0),
        T::Record(r) => Ty::Rec(r.0),
        T::Optional(inner) => ir_type(inner)?.opt(),
        T::List(inner) => ir_type(inner)?.list(),
        T::Set(_) | T::Table(_) => return Err("a set or table is not a value".to_string()),
        T::Error => return Err("the program has type errors".to_string()),
    })
}

/// Text and country codes to their ids. Texts that are not interned get no
/// id: a long-running checkpoint never grows this table from input.
#[derive(Debug, Clone, Default)]
pub struct Interner {
    texts: HashMap<String, u32, FastHash>,
    /// Country codes of at most three bytes (all of them, in practice) by
    /// [`short_key`], so a lookup hashes and compares one integer.
    countries: HashMap<u32, u32, FastHash>,
    /// Any longer codes.
    long_countries: HashMap<String, u32, FastHash>,
}

/// A text of at most three bytes as one integer: its bytes and its length.
fn short_key(text: &str) -> Option<u32> {
    let bytes = text.as_bytes();
    if bytes.len() > 3 {
        return None;
    }
    let packed = bytes
        .iter()
        .rev()
        .fold(0u32, |key, &b| (key << 8) | u32::from(b));
    Some(packed | ((bytes.len() as u32) << 24))
}

/// The interner's tables are filled once, from the module, and input only
/// looks texts up: no input can lengthen a probe sequence, so a fast
/// non-cryptographic hash serves where SipHash's resistance to flooding
/// would buy nothing. Lookups run for every text and country decoded.
type FastHash = BuildHasherDefault<FxHasher>;

/// The add-and-multiply hash of rustc (FxHash, as `rustc-hash` 2 has it),
/// a word at a time.
#[derive(Debug, Clone, Copy, Default)]
struct FxHasher {
    hash: u64,
}

impl FxHasher {
    const SEED: u64 = 0xf135_7aea_2e62_a9c5;

    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = self.hash.wrapping_add(word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    /// Whole words, then the last bytes: for eight or more, the last
    /// eight (overlapping the words); for fewer, packed into one word. No
    /// copy of a variable length, which would be a call to `memcpy`.
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let word = |at: usize| {
            bytes
                .get(at..at + 8)
                .and_then(|c| <[u8; 8]>::try_from(c).ok())
                .map_or(0, u64::from_le_bytes)
        };
        let len = bytes.len();
        self.add(len as u64);
        if len >= 8 {
            let whole = len / 8 * 8;
            for at in (0..whole).step_by(8) {
                self.add(word(at));
            }
            if whole < len {
                self.add(word(len - 8));
            }
        } else {
            let half = |at: usize| {
                bytes
                    .get(at..at + 4)
                    .and_then(|c| <[u8; 4]>::try_from(c).ok())
                    .map_or(0, |c| u64::from(u32::from_le_bytes(c)))
            };
            let byte = |at: usize| bytes.get(at).map_or(0, |&b| u64::from(b));
            self.add(match len {
                0 => 0,
                1..4 => byte(0) | (byte(len / 2) << 8) | (byte(len - 1) << 16),
                _ => half(0) | (half(len - 4) << 32),
            });
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The multiply leaves the low bits weakest, and the table picks
        // buckets by them.
        self.hash.rotate_left(26)
    }
}

impl Interner {
    pub fn new(texts: &[String], countries: &[String]) -> Interner {
        let id = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        let mut interner = Interner {
            texts: texts
                .iter()
                .enumerate()
                .map(|(i, t)| (t.clone(), id(i)))
                .collect(),
            ..Interner::default()
        };
        for (i, code) in countries.iter().enumerate() {
            // A later duplicate replaces an earlier one, as collecting
            // into one map did.
            match short_key(code) {
                Some(key) => interner.countries.insert(key, id(i)),
                None => interner.long_countries.insert(code.clone(), id(i)),
            };
        }
        interner
    }

    pub fn text(&self, text: &str) -> Option<u32> {
        self.texts.get(text).copied()
    }

    pub fn country(&self, code: &str) -> Option<u32> {
        match short_key(code) {
            Some(key) => self.countries.get(&key).copied(),
            None => self.long_countries.get(code).copied(),
        }
    }
}

/// Memory under construction: words plus the positions that hold addresses
/// (as offsets from the start until [`Words::relocate`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Words {
    pub words: Vec<i64>,
    /// Positions of words holding byte offsets into `words`.
    pub relocations: Vec<usize>,
    /// Texts that are not interned, by their negative id (`-1 - index`).
    pub foreign_texts: Vec<String>,
}

impl Words {
    /// Reserves `n` zero words; returns the position of the first.
    pub fn reserve(&mut self, n: usize) -> usize {
        let at = self.words.len();
        self.words.resize(at + n, 0);
        at
    }

    fn put(&mut self, at: usize, word: i64) {
        if let Some(slot) = self.words.get_mut(at) {
            *slot = word;
        }
    }

    fn put_address(&mut self, at: usize, target: usize) {
        self.put(at, target as i64 * WORD);
        self.relocations.push(at);
    }

    /// Turns every recorded offset into an address, given where word 0 lives.
    pub fn relocate(&mut self, base: i64) {
        for &at in &self.relocations {
            if let Some(slot) = self.words.get_mut(at) {
                *slot += base;
            }
        }
        self.relocations.clear();
    }

    /// Stores `value` of type `ty` inline at position `at` (already
    /// reserved); lists get their elements appended.
    pub fn store(
        &mut self,
        at: usize,
        value: &Value,
        ty: &Ty,
        layouts: &[Layout],
        interner: &Interner,
    ) -> Result<(), String> {
        match (ty, value) {
            (Ty::Opt(_), Value::Absent) => Ok(()),
            (Ty::Opt(inner), v) => {
                self.put(at, 1);
                self.store(at + 1, v, inner, layouts, interner)
            }
            (_, Value::Absent) => Err(format!("an absent value where {ty} is required")),
            (Ty::Bool, Value::Bool(b)) => {
                self.put(at, i64::from(*b));
                Ok(())
            }
            (Ty::Int, Value::Int(i))
            | (Ty::Dec, Value::Decimal(i))
            | (Ty::Date, Value::Date(i)) => {
                self.put(at, *i);
                Ok(())
            }
            (Ty::Dec, Value::Int(i)) => {
                let d = i
                    .checked_mul(lintas_check::value::DECIMAL_ONE)
                    .ok_or_else(|| format!("{i} is too large for a Decimal"))?;
                self.put(at, d);
                Ok(())
            }
            (Ty::Dur, Value::Duration { months, days }) => {
                self.put(at, *months);
                self.put(at + 1, *days);
                Ok(())
            }
            (Ty::Country, Value::Country(code)) => {
                let id = interner
                    .country(code)
                    .ok_or_else(|| format!("`{code}` is not a country code"))?;
                self.put(at, i64::from(id));
                Ok(())
            }
            (Ty::Enum(_), Value::Enum(_, index)) => {
                self.put(at, i64::from(*index));
                Ok(())
            }
            (Ty::Text, Value::Text(text)) => {
                let word = match interner.text(text) {
                    Some(id) => i64::from(id),
                    None => {
                        self.foreign_texts.push(text.clone());
                        -(self.foreign_texts.len() as i64)
                    }
                };
                self.put(at, word);
                Ok(())
            }
            (Ty::Rec(id), Value::Record(fields)) => {
                let layout = layouts
                    .get(*id as usize)
                    .ok_or_else(|| format!("record layout #{id} does not exist"))?;
                if fields.len() != layout.fields.len() {
                    return Err(format!("a `{}` record with the wrong fields", layout.name));
                }
                for (field, value) in layout.fields.iter().zip(fields) {
                    self.store(at + field.offset, value, &field.ty, layouts, interner)?;
                }
                Ok(())
            }
            (Ty::List(element), Value::List(items)) => {
                let stride = element.stored_words(layouts);
                let first = self.reserve(stride * items.len());
                for (i, item) in items.iter().enumerate() {
                    self.store(first + i * stride, item, element, layouts, interner)?;
                }
                self.put_address(at, first);
                self.put(at + 1, items.len() as i64);
                Ok(())
            }
            (ty, v) => Err(format!("a value {v:?} where {ty} is required")),
        }
    }

    /// Appends a value stored inline; returns its position.
    pub fn push(
        &mut self,
        value: &Value,
        ty: &Ty,
        layouts: &[Layout],
        interner: &Interner,
    ) -> Result<usize, String> {
        let at = self.reserve(ty.stored_words(layouts));
        self.store(at, value, ty, layouts, interner)?;
        Ok(at)
    }
}
