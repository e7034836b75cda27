//! A compiled rule set: native code, its constant memory, and evaluation
//! that turns the code's status words back into the same decision results
//! the interpreter gives.
#![allow(unsafe_code)]

use crate::codegen::{self, Code, DecisionCode};
use crate::decode::FastDecoder;
use crate::runtime::{ERROR_BASE, Env, FALSE, NOT_EVALUATED, Scratch, Shared, TRUE};
use lintas_check::hir::Program;
use lintas_check::types::EnumId;
use lintas_check::value::Value;
use lintas_eval::decide::{DecisionResult, Interpreter, Tally, fired_reason};
use lintas_eval::decode::{DecodeError, DecodeOptions};
use lintas_eval::eval::{EvalError, EvalErrorKind};
use lintas_ir::layout::{Interner, WORD, Words};
use lintas_ir::{ErrorKind, Module, Ty};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, Ordering};

/// A rule package compiled to native code. Dropping it frees the code.
pub struct Native {
    program: Program,
    module: Module,
    jit: Option<cranelift_jit::JITModule>,
    decisions: Vec<DecisionCode>,
    /// Constant memory and set words: generated code holds their
    /// addresses, so they live (unmoved) as long as the code.
    _data: Box<[i64]>,
    _sets: Vec<Box<[i64]>>,
    /// Instruction execution counts, written by counting code (atomics:
    /// memory that generated code writes while `self` is shared).
    counters: Box<[AtomicI64]>,
    shared: Box<Shared>,
    interner: Interner,
    decoder: FastDecoder,
}

// SAFETY: after finalisation the code and the memory it reads are never
// written; every evaluation brings its own mutable state (`Evaluator`).
unsafe impl Send for Native {}
unsafe impl Sync for Native {}

impl Drop for Native {
    fn drop(&mut self) {
        if let Some(jit) = self.jit.take() {
            // SAFETY: no function pointer into this module outlives it:
            // they live in `self.decisions`, dropped with it, and every
            // `Evaluator` borrows `self`.
            unsafe { jit.free_memory() };
        }
    }
}

impl Native {
    /// Lowers, optimises and compiles every decision of a checked program.
    pub fn compile(program: &Program) -> Result<Native, String> {
        let module = lintas_ir::compile(program)?;
        Native::from_module(program, module)
    }

    /// As [`Native::compile`], with generated code that counts how often
    /// each IR instruction runs (see [`Native::instruction_counts`]); for
    /// tests that must show their corpus executes every instruction.
    pub fn compile_counting(program: &Program) -> Result<Native, String> {
        let module = lintas_ir::compile(program)?;
        Native::build(program, module, true)
    }

    pub fn from_module(program: &Program, module: Module) -> Result<Native, String> {
        Native::build(program, module, false)
    }

    /// Executions of each instruction since compiling, by name (all zero
    /// unless compiled with [`Native::compile_counting`]; counts from
    /// several threads at once may be lost).
    pub fn instruction_counts(&self) -> Vec<(&'static str, u64)> {
        lintas_ir::instructions::ALL
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let n = self
                    .counters
                    .get(i)
                    .map_or(0, |c| c.load(Ordering::Relaxed));
                (*name, u64::try_from(n).unwrap_or(0))
            })
            .collect()
    }

    fn build(program: &Program, module: Module, counting: bool) -> Result<Native, String> {
        let mut data = module.data.clone().into_boxed_slice();
        let base = data.as_mut_ptr() as i64;
        for &at in &module.data_relocations {
            if let Some(word) = data.get_mut(at) {
                *word += base;
            }
        }
        // What generated code searches: the sorted words, or one bit per
        // possible value for a bitmap set.
        let sets: Vec<Box<[i64]>> = module
            .sets
            .iter()
            .map(|s| match s.strategy {
                lintas_ir::SetStrategy::Bitmap => {
                    let mut bits = vec![0i64; lintas_ir::opt::BITMAP_MAX as usize / 64];
                    for &w in &s.words {
                        if let Some(word) = bits.get_mut((w / 64) as usize) {
                            *word |= 1 << (w % 64);
                        }
                    }
                    bits.into_boxed_slice()
                }
                _ => s.words.clone().into_boxed_slice(),
            })
            .collect();
        let set_addresses: Vec<i64> = sets.iter().map(|s| s.as_ptr() as i64).collect();
        let counters: Box<[AtomicI64]> = (0..lintas_ir::instructions::ALL.len())
            .map(|_| AtomicI64::new(0))
            .collect();
        let counters_address = counting.then_some(counters.as_ptr() as i64);
        let Code { jit, decisions } = codegen::compile(&module, &set_addresses, counters_address)?;
        let shared = Box::new(Shared::new(&module, base));
        let interner = Interner::new(&module.texts, &module.countries);
        let decoder = FastDecoder::new(program, &module);
        Ok(Native {
            program: program.clone(),
            module,
            jit: Some(jit),
            decisions,
            _data: data,
            _sets: sets,
            counters,
            shared,
            interner,
            decoder,
        })
    }

    pub fn program(&self) -> &Program {
        &self.program
    }

    pub fn module(&self) -> &Module {
        &self.module
    }

    pub fn interner(&self) -> &Interner {
        &self.interner
    }

    pub fn decision_index(&self, name: &str) -> Option<usize> {
        self.program.decisions.iter().position(|d| d.name == name)
    }

    /// Per-thread evaluation state; reuse it for many records.
    pub fn evaluator(&self) -> Evaluator<'_> {
        Evaluator {
            native: self,
            scratch: Scratch::new(&self.shared),
            words: Words::default(),
            frame: Vec::new(),
            out: Vec::new(),
            aggregates: Vec::new(),
            context: None,
        }
    }
}

/// One thread's evaluation state over a [`Native`] rule set.
pub struct Evaluator<'n> {
    native: &'n Native,
    scratch: Scratch,
    words: Words,
    frame: Vec<i64>,
    out: Vec<i64>,
    aggregates: Vec<i64>,
    /// The last context laid out, and its memory: checkpoints decide many
    /// records in one context, so it is laid out once, then copied.
    context: Option<(Value, Words)>,
}

/// A value lowered to memory: where the context and record start.
struct Placed {
    context: usize,
    record: usize,
}

/// A record and context already laid out in memory, for deciding without
/// decoding or encoding (what "evaluation only" measures, and what a
/// checkpoint does when it re-screens a stored record).
pub struct Prepared {
    words: Vec<i64>,
    foreign: Vec<String>,
    placed: Placed,
}

/// Many records laid out in one block of memory (see
/// [`Evaluator::prepare_batch`]).
pub struct PreparedBatch {
    words: Vec<i64>,
    foreign: Vec<String>,
    context: usize,
    records: Vec<usize>,
}

impl PreparedBatch {
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

/// The outcome of a decision without its reasons: what an autogate needs
/// to open or not. `failed` is true when the record failed closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// Index into the decision's outcomes.
    pub outcome: usize,
    pub failed: bool,
}

impl<'n> Evaluator<'n> {
    /// Decides one record (already decoded) in a context.
    pub fn decide(&mut self, decision: usize, record: &Value, context: &Value) -> DecisionResult {
        self.decide_with(decision, record, context, None)
    }

    /// Decodes with the reference decoder, then decides natively.
    pub fn decide_json(
        &mut self,
        decision: usize,
        json: &str,
        context: &Value,
        options: DecodeOptions,
    ) -> DecisionResult {
        let native = self.native;
        let program = &native.program;
        let Some(ir) = native.module.decisions.get(decision) else {
            return Interpreter::new(program).decide(decision, &Value::Absent, context);
        };
        let placed = self
            .clear_and_place_context(context)
            .and_then(|context_at| {
                let record = native
                    .decoder
                    .decode(
                        &native.module,
                        &native.interner,
                        ir.schema,
                        json,
                        options.strict,
                        &mut self.words,
                    )
                    .map_err(|_| None)?;
                Ok(Placed {
                    context: context_at,
                    record,
                })
            });
        match placed {
            Ok(placed) => {
                let base = self.words.words.as_ptr() as i64;
                self.words.relocate(base);
                self.decide_placed(decision, &placed, None)
            }
            // The fast decoder stops at the first problem; a record that
            // fails closed lists them all, so the reference decoder reads it.
            Err(None) => {
                let schema = lintas_check::types::Ty::Record(program.decisions[decision].schema);
                match lintas_eval::decode(program, &schema, json, options) {
                    Ok(record) => self.decide(decision, &record, context),
                    Err(problems) => self.input_invalid(decision, &problems),
                }
            }
            Err(Some(message)) => self.internal_failure(decision, message),
        }
    }

    pub fn input_invalid(&self, decision: usize, problems: &[DecodeError]) -> DecisionResult {
        let program = &self.native.program;
        let interpreter = Interpreter::new(program);
        match program.decisions.get(decision) {
            Some(def) => interpreter.input_invalid(def, problems),
            None => interpreter.decide(decision, &Value::Absent, &Value::Absent),
        }
    }

    /// Decides every member of a manifest, in order, with its aggregates.
    pub fn decide_manifest(
        &mut self,
        decision: usize,
        members: &[Result<Value, Vec<DecodeError>>],
        context: &Value,
    ) -> Vec<DecisionResult> {
        let aggregates = self.aggregates(decision, members, context);
        members
            .iter()
            .zip(aggregates)
            .map(|(member, aggregates)| match member {
                Ok(record) => self.decide_with(decision, record, context, Some(&aggregates)),
                Err(problems) => self.input_invalid(decision, problems),
            })
            .collect()
    }

    fn clear_and_place_context(&mut self, context: &Value) -> Result<usize, Option<String>> {
        self.words.words.clear();
        self.words.relocations.clear();
        self.words.foreign_texts.clear();
        if !matches!(&self.context, Some((cached, _)) if cached == context) {
            let mut words = Words::default();
            place_context(
                &mut words,
                &self.native.module,
                &self.native.interner,
                context,
            )
            .map_err(Some)?;
            self.context = Some((context.clone(), words));
        }
        if let Some((_, laid_out)) = &self.context {
            self.words.words.extend_from_slice(&laid_out.words);
            self.words
                .relocations
                .extend_from_slice(&laid_out.relocations);
            self.words
                .foreign_texts
                .extend(laid_out.foreign_texts.iter().cloned());
        }
        // The context is always laid out first.
        Ok(0)
    }

    fn place(&mut self, record: &Value, schema: u32, context: &Value) -> Result<Placed, String> {
        let module = &self.native.module;
        let context_at = self
            .clear_and_place_context(context)
            .map_err(Option::unwrap_or_default)?;
        let record_at = self.words.push(
            record,
            &Ty::Rec(schema),
            &module.layouts,
            &self.native.interner,
        )?;
        let base = self.words.words.as_ptr() as i64;
        self.words.relocate(base);
        Ok(Placed {
            context: context_at,
            record: record_at,
        })
    }

    /// Lays a record and context out for [`Evaluator::verdict`].
    pub fn prepare(
        &mut self,
        decision: usize,
        record: &Value,
        context: &Value,
    ) -> Result<Prepared, String> {
        let schema = self
            .native
            .module
            .decisions
            .get(decision)
            .ok_or("no such decision")?
            .schema;
        let placed = self.place(record, schema, context)?;
        Ok(Prepared {
            words: std::mem::take(&mut self.words.words),
            foreign: std::mem::take(&mut self.words.foreign_texts),
            placed,
        })
    }

    /// The outcome of one prepared record, computed from the rules'
    /// status words as [`Tally`] computes it, without building reasons.
    pub fn verdict(&mut self, decision: usize, prepared: &Prepared) -> Verdict {
        self.scratch.reset_borrowed(&prepared.foreign);
        let base = prepared.words.as_ptr() as i64;
        self.verdict_at(decision, base, &prepared.placed)
    }

    /// Decodes one JSON record straight into memory and gives its verdict:
    /// the fastest path from bytes to "open the gate or not". A record
    /// that cannot be decoded fails closed to the `on error` outcome.
    pub fn verdict_json(&mut self, decision: usize, json: &str, context: &Value) -> Verdict {
        let native = self.native;
        let Some(ir) = native.module.decisions.get(decision) else {
            return Verdict {
                outcome: 0,
                failed: true,
            };
        };
        let placed = self
            .clear_and_place_context(context)
            .ok()
            .and_then(|context_at| {
                let record = native
                    .decoder
                    .decode(
                        &native.module,
                        &native.interner,
                        ir.schema,
                        json,
                        false,
                        &mut self.words,
                    )
                    .ok()?;
                Some(Placed {
                    context: context_at,
                    record,
                })
            });
        let Some(placed) = placed else {
            return Verdict {
                outcome: ir.on_error,
                failed: true,
            };
        };
        let base = self.words.words.as_ptr() as i64;
        self.words.relocate(base);
        self.scratch.reset_borrowed(&self.words.foreign_texts);
        self.verdict_at(decision, base, &placed)
    }

    /// Lays out many records, one after another in one block of memory
    /// with the context once: how a manifest or a day's traffic is
    /// screened, and what "evaluation only" measures.
    pub fn prepare_batch(
        &mut self,
        decision: usize,
        records: &[Value],
        context: &Value,
    ) -> Result<PreparedBatch, String> {
        let module = &self.native.module;
        let schema = module
            .decisions
            .get(decision)
            .ok_or("no such decision")?
            .schema;
        let context_at = self
            .clear_and_place_context(context)
            .map_err(Option::unwrap_or_default)?;
        let mut starts = Vec::with_capacity(records.len());
        for record in records {
            starts.push(self.words.push(
                record,
                &Ty::Rec(schema),
                &module.layouts,
                &self.native.interner,
            )?);
        }
        let mut words = std::mem::take(&mut self.words);
        let base = words.words.as_ptr() as i64;
        words.relocate(base);
        Ok(PreparedBatch {
            words: words.words,
            foreign: words.foreign_texts,
            context: context_at,
            records: starts,
        })
    }

    /// The verdict of every record of a prepared batch, in order, into `out`.
    pub fn verdicts(&mut self, decision: usize, batch: &PreparedBatch, out: &mut Vec<Verdict>) {
        out.clear();
        self.scratch.reset_borrowed(&batch.foreign);
        let base = batch.words.as_ptr() as i64;
        for &record in &batch.records {
            let placed = Placed {
                context: batch.context,
                record,
            };
            let verdict = self.verdict_at(decision, base, &placed);
            out.push(verdict);
        }
    }

    fn verdict_at(&mut self, decision: usize, base: i64, placed: &Placed) -> Verdict {
        let native = self.native;
        let (Some(code), Some(ir)) = (
            native.decisions.get(decision),
            native.module.decisions.get(decision),
        ) else {
            return Verdict {
                outcome: 0,
                failed: true,
            };
        };
        self.scratch.clear_evaluation();
        self.aggregates.clear();
        self.call(code.decide, base, placed, code.out_words, code.frame_words);
        let mut fired: Option<usize> = None;
        let mut fired_before_failure: Option<usize> = None;
        let mut failed = false;
        for rule in &code.verdict_rules {
            if rule.shadow {
                continue;
            }
            match self.out.get(rule.offset).copied().unwrap_or(NOT_EVALUATED) {
                NOT_EVALUATED | FALSE => {}
                TRUE => {
                    fired = Some(fired.map_or(rule.outcome, |o| o.min(rule.outcome)));
                    if rule.outcome <= ir.on_error {
                        fired_before_failure = Some(
                            fired_before_failure.map_or(rule.outcome, |o| o.min(rule.outcome)),
                        );
                    }
                }
                _ => failed = true,
            }
        }
        let outcome = if failed {
            fired_before_failure.map_or(ir.on_error, |o| o.min(ir.on_error))
        } else {
            fired.unwrap_or(ir.default)
        };
        Verdict { outcome, failed }
    }

    fn run(&mut self, function: *const u8, placed: &Placed, out_words: usize, frame_words: usize) {
        self.scratch
            .reset(std::mem::take(&mut self.words.foreign_texts));
        let base = self.words.words.as_ptr() as i64;
        self.call(function, base, placed, out_words, frame_words);
    }

    fn call(
        &mut self,
        function: *const u8,
        base: i64,
        placed: &Placed,
        out_words: usize,
        frame_words: usize,
    ) {
        // Memo states must start at zero; rule results are always written.
        self.frame.clear();
        self.frame.resize(frame_words, 0);
        if self.out.len() < out_words.max(1) {
            self.out.resize(out_words.max(1), 0);
        }
        let env = Env {
            subject: base + placed.record as i64 * WORD,
            context: base + placed.context as i64 * WORD,
            frame: self.frame.as_mut_ptr() as i64,
            out: self.out.as_mut_ptr() as i64,
            aggregates: self.aggregates.as_ptr() as i64,
            scratch: &mut self.scratch as *mut Scratch as i64,
        };
        // SAFETY: `function` was compiled from the verified IR of this
        // module with the `fn(*const Env)` signature; the env points at
        // live buffers sized from the same IR.
        let f: extern "C" fn(*const Env) = unsafe { std::mem::transmute(function) };
        f(&env);
    }

    fn decide_with(
        &mut self,
        decision: usize,
        record: &Value,
        context: &Value,
        aggregates: Option<&[Result<i64, EvalError>]>,
    ) -> DecisionResult {
        let Some(ir) = self.native.module.decisions.get(decision) else {
            return Interpreter::new(&self.native.program).decide(decision, record, context);
        };
        match self.place(record, ir.schema, context) {
            Ok(placed) => self.decide_placed(decision, &placed, aggregates),
            Err(message) => self.internal_failure(decision, message),
        }
    }

    /// A record that could not be laid out (a value of the wrong shape:
    /// a bug, since decoding checked it) fails closed.
    fn internal_failure(&self, decision: usize, message: String) -> DecisionResult {
        let program = &self.native.program;
        let Some(def) = program.decisions.get(decision) else {
            return Interpreter::new(program).decide(decision, &Value::Absent, &Value::Absent);
        };
        let mut tally = Tally::default();
        if let Some(rule) = def.rules.first() {
            tally.failed(
                rule,
                EvalError {
                    kind: EvalErrorKind::Internal,
                    message,
                },
                def.on_error,
            );
        }
        tally.finish(program, def)
    }

    /// Runs the decision on the laid-out record in `self.words`.
    fn decide_placed(
        &mut self,
        decision: usize,
        placed: &Placed,
        aggregates: Option<&[Result<i64, EvalError>]>,
    ) -> DecisionResult {
        let native = self.native;
        let (Some(def), Some(code), Some(ir)) = (
            native.program.decisions.get(decision),
            native.decisions.get(decision),
            native.module.decisions.get(decision),
        ) else {
            return Interpreter::new(&native.program).decide(
                decision,
                &Value::Absent,
                &Value::Absent,
            );
        };
        let error_count = native.module.errors.len() as i64;
        self.aggregates.clear();
        let no_aggregates: Vec<Result<i64, EvalError>> = def
            .aggregates
            .iter()
            .map(|_| {
                Err(EvalError {
                    kind: EvalErrorKind::AggregateUnavailable,
                    message: "aggregates exist only when a whole manifest is screened".into(),
                })
            })
            .collect();
        let aggregates = aggregates.unwrap_or(&no_aggregates);
        for (k, a) in aggregates.iter().enumerate() {
            match a {
                Ok(n) => self.aggregates.extend([1, *n]),
                Err(_) => self
                    .aggregates
                    .extend([ERROR_BASE + error_count + k as i64, 0]),
            }
        }
        self.run(code.decide, placed, code.out_words, code.frame_words);
        let mut tally = Tally::default();
        for (rule, &offset) in ir.rules.iter().zip(&code.rule_offsets) {
            let Some(hir_rule) = def.rules.get(rule.index) else {
                continue;
            };
            let status = self.out.get(offset).copied().unwrap_or(NOT_EVALUATED);
            match status {
                NOT_EVALUATED | FALSE => {}
                TRUE => {
                    let mut values = BTreeMap::new();
                    let mut at = offset + 1;
                    for ((name, expr), (_, hir_expr)) in rule.values.iter().zip(&hir_rule.values) {
                        let n = expr.ty.words();
                        let words = self.out.get(at..at + n).unwrap_or(&[]);
                        let value = read(&native.module, &self.scratch, words, &expr.ty);
                        values.insert(
                            name.clone(),
                            lintas_eval::json::to_json(&native.program, &value, &hir_expr.ty),
                        );
                        at += n;
                    }
                    tally.fired(hir_rule, fired_reason(hir_rule, values));
                }
                code => {
                    let error = self.error(code, aggregates);
                    tally.failed(hir_rule, error, def.on_error);
                }
            }
        }
        tally.finish(&native.program, def)
    }

    fn error(&self, status: i64, aggregates: &[Result<i64, EvalError>]) -> EvalError {
        let id = status - ERROR_BASE;
        let errors = &self.native.module.errors;
        if let Some(e) = usize::try_from(id).ok().and_then(|i| errors.get(i)) {
            return EvalError {
                kind: eval_kind(e.kind),
                message: e.message.clone(),
            };
        }
        let k = usize::try_from(id - errors.len() as i64).unwrap_or(usize::MAX);
        match aggregates.get(k) {
            Some(Err(e)) => e.clone(),
            _ => EvalError {
                kind: EvalErrorKind::Internal,
                message: format!("unknown status {status} from generated code"),
            },
        }
    }

    /// Per member, each aggregate's count (or why it is unavailable), as
    /// the interpreter computes them. Each member is laid out once and
    /// every aggregate's keys computed from that layout.
    pub fn aggregates(
        &mut self,
        decision: usize,
        members: &[Result<Value, Vec<DecodeError>>],
        context: &Value,
    ) -> Vec<Vec<Result<i64, EvalError>>> {
        let native = self.native;
        let (Some(def), Some(code), Some(ir)) = (
            native.program.decisions.get(decision),
            native.decisions.get(decision),
            native.module.decisions.get(decision),
        ) else {
            return vec![Vec::new(); members.len()];
        };
        let count = def.aggregates.len();
        let unavailable = |k: usize, why: &str| {
            Err(EvalError {
                kind: EvalErrorKind::AggregateUnavailable,
                message: format!(
                    "aggregate `{}` is unavailable: {why}",
                    def.aggregates.get(k).map_or("?", |a| a.name.as_str())
                ),
            })
        };
        if members.iter().any(Result::is_err) {
            return members
                .iter()
                .map(|_| {
                    (0..count)
                        .map(|k| unavailable(k, "a member of the manifest could not be decoded"))
                        .collect()
                })
                .collect();
        }
        let key_types: Vec<Vec<Ty>> = ir
            .aggregates
            .iter()
            .map(|a| a.keys.iter().map(|e| e.ty.clone()).collect())
            .collect();
        // Per aggregate: each member's keys and whether it counts, or the
        // first member's failure (in member order, as the interpreter stops).
        let mut keyed: Vec<Vec<(Vec<Value>, bool)>> =
            vec![Vec::with_capacity(members.len()); count];
        let mut failures: Vec<Option<EvalError>> = vec![None; count];
        self.aggregates.clear();
        for member in members.iter().flatten() {
            let placed = match self.place(member, ir.schema, context) {
                Ok(p) => p,
                Err(message) => {
                    for f in failures.iter_mut().filter(|f| f.is_none()) {
                        *f = Some(EvalError {
                            kind: EvalErrorKind::Internal,
                            message: message.clone(),
                        });
                    }
                    break;
                }
            };
            let base = self.words.words.as_ptr() as i64;
            for k in 0..count {
                if failures.get(k).is_some_and(Option::is_some) {
                    continue;
                }
                let (Some(function), Some(types)) = (code.aggregates.get(k), key_types.get(k))
                else {
                    continue;
                };
                let words = code.aggregate_words.get(k).copied().unwrap_or(2);
                self.scratch.reset_borrowed(&self.words.foreign_texts);
                self.call(*function, base, &placed, words, code.frame_words);
                let status = self.out.first().copied().unwrap_or(NOT_EVALUATED);
                if status != 1 {
                    let error = self.error(status, &[]);
                    if let Some(slot) = failures.get_mut(k) {
                        *slot = Some(error);
                    }
                    continue;
                }
                let counted = self.out.get(1).copied().unwrap_or(0) != 0;
                let mut at = 2;
                let mut keys = Vec::with_capacity(types.len());
                for ty in types {
                    let n = ty.words();
                    let w = self.out.get(at..at + n).unwrap_or(&[]);
                    keys.push(read(&native.module, &self.scratch, w, ty));
                    at += n;
                }
                if let Some(list) = keyed.get_mut(k) {
                    list.push((keys, counted));
                }
            }
        }
        let mut per_member: Vec<Vec<Result<i64, EvalError>>> =
            vec![Vec::with_capacity(count); members.len()];
        for k in 0..count {
            if let Some(Some(e)) = failures.get(k) {
                for slot in &mut per_member {
                    slot.push(unavailable(k, &e.message));
                }
                continue;
            }
            let list = keyed.get(k).map(Vec::as_slice).unwrap_or(&[]);
            let mut counts: HashMap<&Vec<Value>, i64> = HashMap::new();
            for (key, counted) in list {
                if *counted {
                    *counts.entry(key).or_default() += 1;
                }
            }
            for (slot, (key, _)) in per_member.iter_mut().zip(list) {
                slot.push(Ok(counts.get(key).copied().unwrap_or(0)));
            }
        }
        per_member
    }
}

fn eval_kind(kind: ErrorKind) -> EvalErrorKind {
    match kind {
        ErrorKind::Overflow => EvalErrorKind::Overflow,
        ErrorKind::DivisionByZero => EvalErrorKind::DivisionByZero,
        ErrorKind::DateOutOfRange => EvalErrorKind::DateOutOfRange,
        ErrorKind::TableConflict => EvalErrorKind::TableConflict,
        ErrorKind::AggregateUnavailable => EvalErrorKind::AggregateUnavailable,
        ErrorKind::Internal => EvalErrorKind::Internal,
    }
}

/// The context in memory. A missing date is `i64::MIN` (no rule is out of
/// effect) and a missing member `-1` (no `applies to` rule applies), as
/// the interpreter treats them.
fn place_context(
    words: &mut Words,
    module: &Module,
    interner: &Interner,
    context: &Value,
) -> Result<usize, String> {
    let Value::Record(fields) = context else {
        return Err("the context is not a record".into());
    };
    let mut fields = fields.clone();
    let date_missing = !matches!(fields.first(), Some(Value::Date(_)));
    let member_missing = !matches!(fields.get(1), Some(Value::Country(_)));
    if date_missing && let Some(f) = fields.get_mut(0) {
        *f = Value::Date(0);
    }
    if member_missing && let Some(f) = fields.get_mut(1) {
        *f = Value::Country("XXX".into());
    }
    let at = words.push(
        &Value::Record(fields),
        &Ty::Rec(module.context),
        &module.layouts,
        interner,
    )?;
    if date_missing && let Some(w) = words.words.get_mut(at) {
        *w = i64::MIN;
    }
    if member_missing && let Some(w) = words.words.get_mut(at + 1) {
        *w = -1;
    }
    Ok(at)
}

/// A value from its words (in registers form), reading memory for records
/// and lists.
fn read(module: &Module, scratch: &Scratch, words: &[i64], ty: &Ty) -> Value {
    let w = |i: usize| words.get(i).copied().unwrap_or(0);
    match ty {
        Ty::Bool => Value::Bool(w(0) != 0),
        Ty::Int => Value::Int(w(0)),
        Ty::Dec => Value::Decimal(w(0)),
        Ty::Date => Value::Date(w(0)),
        Ty::Dur => Value::Duration {
            months: w(0),
            days: w(1),
        },
        Ty::Country => Value::Country(
            module
                .countries
                .get(w(0) as usize)
                .cloned()
                .unwrap_or_default(),
        ),
        Ty::Enum(e) => Value::Enum(EnumId(*e), w(0) as u32),
        Ty::Text => Value::Text(scratch.text(w(0)).to_string()),
        Ty::Opt(inner) => {
            if w(0) == 0 {
                Value::Absent
            } else {
                read(module, scratch, words.get(1..).unwrap_or(&[]), inner)
            }
        }
        Ty::Rec(_) => read_stored(module, scratch, w(0), ty),
        Ty::List(element) => {
            let stride = element.stored_words(&module.layouts) as i64;
            Value::List(
                (0..w(1))
                    .map(|i| read_stored(module, scratch, w(0) + i * stride * WORD, element))
                    .collect(),
            )
        }
    }
}

fn read_stored(module: &Module, scratch: &Scratch, address: i64, ty: &Ty) -> Value {
    match ty {
        Ty::Rec(l) => {
            let Some(layout) = module.layouts.get(*l as usize) else {
                return Value::Absent;
            };
            Value::Record(
                layout
                    .fields
                    .iter()
                    .map(|f| read_stored(module, scratch, address + f.offset as i64 * WORD, &f.ty))
                    .collect(),
            )
        }
        Ty::Opt(inner) => {
            // SAFETY: `address` came from generated code or our encoder and
            // points at a stored value of this type in live memory.
            let present = unsafe { *(address as *const i64) };
            if present == 0 {
                Value::Absent
            } else {
                read_stored(module, scratch, address + WORD, inner)
            }
        }
        other => {
            let n = other.words();
            // SAFETY: as above; `n` words of this type are stored there.
            let words: Vec<i64> = (0..n)
                .map(|i| unsafe { *((address + i as i64 * WORD) as *const i64) })
                .collect();
            read(module, scratch, &words, other)
        }
    }
}
