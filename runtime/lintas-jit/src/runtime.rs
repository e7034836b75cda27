//! What generated code reaches at run time: the environment it is given,
//! the per-evaluation state helpers use (texts not interned, fresh
//! memory), and the module's constant memory and table indexes.

use lintas_ir::layout::Interner;
use lintas_ir::{Module, Ty};
use std::collections::HashMap;

/// Handed to every generated function, by address. Field order is the
/// ABI: generated code loads these at fixed offsets.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct Env {
    pub subject: i64,
    pub context: i64,
    /// Memo states and values.
    pub frame: i64,
    /// Rule results (or aggregate keys).
    pub out: i64,
    /// This member's aggregate results: per aggregate a status and a value.
    pub aggregates: i64,
    /// `*mut Scratch`, for helpers.
    pub scratch: i64,
}

pub const ENV_SUBJECT: i32 = 0;
pub const ENV_CONTEXT: i32 = 8;
pub const ENV_FRAME: i32 = 16;
pub const ENV_OUT: i32 = 24;
pub const ENV_AGGREGATES: i32 = 32;
pub const ENV_SCRATCH: i32 = 40;

/// Status words: a rule's result, a memo's state, an aggregate's state.
pub const NOT_EVALUATED: i64 = 0;
pub const FALSE: i64 = 1;
pub const TRUE: i64 = 2;
/// Errors are `ERROR_BASE + id`: ids below `module.errors.len()` are the
/// module's errors, the ones after are aggregate `k` being unavailable.
pub const ERROR_BASE: i64 = 3;

/// Module-wide read-only state shared by every evaluation.
pub struct Shared {
    pub texts: Vec<String>,
    pub interner: Interner,
    /// Per table: key words to the row's address.
    pub tables: Vec<HashMap<Vec<i64>, i64>>,
}

impl Shared {
    pub fn new(module: &Module, data_base: i64) -> Shared {
        let interner = Interner::new(&module.texts, &module.countries);
        let tables = module
            .tables
            .iter()
            .map(|t| {
                let Some(layout) = module.layouts.get(t.row as usize) else {
                    return HashMap::new();
                };
                let stride = Ty::Rec(t.row).stored_words(&module.layouts);
                (0..t.rows)
                    .map(|r| {
                        let row = t.data + r * stride;
                        let key = t
                            .keys
                            .iter()
                            .map(|k| {
                                let offset = layout.fields.get(*k).map_or(0, |f| f.offset);
                                module.data.get(row + offset).copied().unwrap_or(0)
                            })
                            .collect();
                        (key, data_base + (row as i64) * 8)
                    })
                    .collect()
            })
            .collect();
        Shared {
            texts: module.texts.clone(),
            interner,
            tables,
        }
    }
}

/// Per-evaluation state: reset between records, reused to avoid allocating.
pub struct Scratch {
    pub shared: *const Shared,
    /// Texts of the record that are not interned, borrowed from where the
    /// record was laid out (no copy per evaluation): word `-1 - k` is the
    /// k-th of these, then of `own`.
    borrowed: (*const String, usize),
    /// Foreign texts owned by this evaluation (moved in, or computed).
    own: Vec<String>,
    /// Memory for lists and records built during evaluation; boxes never
    /// move, so addresses into them stay valid until the next reset.
    arena: Vec<Box<[i64]>>,
}

impl Scratch {
    pub fn new(shared: &Shared) -> Scratch {
        Scratch {
            shared,
            borrowed: (std::ptr::null(), 0),
            own: Vec::new(),
            arena: Vec::new(),
        }
    }

    /// Starts an evaluation whose foreign texts are `foreign`, moved in.
    pub fn reset(&mut self, foreign: Vec<String>) {
        self.borrowed = (std::ptr::null(), 0);
        self.own = foreign;
        self.arena.clear();
    }

    /// Starts an evaluation whose foreign texts live in `foreign`, which
    /// the caller keeps alive and unchanged until the evaluation's results
    /// have been read.
    pub fn reset_borrowed(&mut self, foreign: &[String]) {
        self.borrowed = (foreign.as_ptr(), foreign.len());
        self.own.clear();
        self.arena.clear();
    }

    /// Forgets what the last evaluation computed (texts it made, memory
    /// it built), keeping the record's foreign texts.
    pub fn clear_evaluation(&mut self) {
        if !self.own.is_empty() {
            self.own.clear();
        }
        if !self.arena.is_empty() {
            self.arena.clear();
        }
    }

    fn shared(&self) -> &Shared {
        // SAFETY: `shared` points into the `Native` that owns this scratch
        // space's compiled code; it outlives every evaluation.
        #[allow(unsafe_code)]
        unsafe {
            &*self.shared
        }
    }

    fn borrowed(&self) -> &[String] {
        let (pointer, len) = self.borrowed;
        if pointer.is_null() {
            return &[];
        }
        // SAFETY: set by `reset_borrowed` from a slice the caller keeps
        // alive for the evaluation (`Evaluator::verdict` borrows it).
        #[allow(unsafe_code)]
        unsafe {
            std::slice::from_raw_parts(pointer, len)
        }
    }

    pub fn text(&self, word: i64) -> &str {
        if word >= 0 {
            return self
                .shared()
                .texts
                .get(word as usize)
                .map_or("", String::as_str);
        }
        let k = (-1 - word) as usize;
        let borrowed = self.borrowed();
        match borrowed.get(k) {
            Some(t) => t,
            None => self.own.get(k - borrowed.len()).map_or("", String::as_str),
        }
    }

    /// The word of a text computed during evaluation: its interned id if
    /// it has one (so it equals the constant), else a new foreign word.
    pub fn text_word(&mut self, text: String) -> i64 {
        if let Some(id) = self.shared().interner.text(&text) {
            return i64::from(id);
        }
        self.own.push(text);
        -((self.borrowed.1 + self.own.len()) as i64)
    }

    pub fn alloc(&mut self, words: usize) -> i64 {
        let mut block = vec![0i64; words.max(1)].into_boxed_slice();
        let address = block.as_mut_ptr() as i64;
        self.arena.push(block);
        address
    }

    pub fn lookup(&self, table: usize, keys: &[i64]) -> i64 {
        self.shared()
            .tables
            .get(table)
            .and_then(|t| t.get(keys))
            .copied()
            .unwrap_or(0)
    }
}
