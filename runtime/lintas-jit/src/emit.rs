//! Expression and rule emission: one IR tree to Cranelift blocks. Every
//! fallible operation branches to the current failure block with the
//! status word of its error; values are `Vec<Value>` of the IR type's
//! words.

use crate::codegen::{error_status, stored};
use crate::runtime::{ENV_AGGREGATES, ENV_CONTEXT, ENV_FRAME, ENV_OUT, ENV_SCRATCH, ENV_SUBJECT};
use crate::runtime::{FALSE, NOT_EVALUATED, TRUE};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I8, I64, I128};
use cranelift_codegen::ir::{
    Block, BlockArg, InstBuilder, MemFlagsData, StackSlot, StackSlotData, StackSlotKind, Value,
};
use cranelift_frontend::{FunctionBuilder, Variable};
use cranelift_jit::JITModule;
use cranelift_module::{FuncId, Module as _};
use lintas_ir::lower::{BAD_COMPARISON, INT_TO_DEC};
use lintas_ir::{
    BinOp, Cell, CmpOp, Const, Container, Decision, DecisionTable, Expr, Intrinsic, Module, Node,
    SetStrategy, Ty, UnOp,
};
use lintas_syntax::ast::{HitPolicy, QuantifierKind};
use std::collections::HashMap;

/// Memo state of a value computed without error.
const MEMO_OK: i64 = 1;
/// Words of the stack slot helpers write results and lookup keys into.
const SLOT_WORDS: u32 = 16;

pub struct Imports<'a> {
    pub helpers: &'a HashMap<&'static str, FuncId>,
    pub memos: &'a [FuncId],
}

struct EnvValues {
    env: Value,
    subject: Value,
    context: Value,
    frame: Value,
    out: Value,
    aggregates: Value,
    scratch: Value,
}

pub struct Emitter<'a, 'b> {
    b: FunctionBuilder<'b>,
    jit: &'a mut JITModule,
    module: &'a Module,
    decision: &'a Decision,
    imports: &'a Imports<'a>,
    memo_offsets: &'a [usize],
    sets: &'a [i64],
    env: EnvValues,
    slot: StackSlot,
    locals: Vec<Vec<Value>>,
    refs: HashMap<FuncId, cranelift_codegen::ir::FuncRef>,
    /// Where to count executed instructions (tests), if anywhere.
    counters: Option<i64>,
}

fn args(values: &[Value]) -> Vec<BlockArg> {
    values.iter().map(|v| BlockArg::Value(*v)).collect()
}

fn flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

impl<'a, 'b> Emitter<'a, 'b> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        mut b: FunctionBuilder<'b>,
        jit: &'a mut JITModule,
        module: &'a Module,
        decision: &'a Decision,
        imports: &'a Imports<'a>,
        memo_offsets: &'a [usize],
        sets: &'a [i64],
        counters: Option<i64>,
    ) -> Emitter<'a, 'b> {
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let env = b.block_params(entry)[0];
        let load =
            |b: &mut FunctionBuilder<'_>, offset: i32| b.ins().load(I64, flags(), env, offset);
        let values = EnvValues {
            env,
            subject: load(&mut b, ENV_SUBJECT),
            context: load(&mut b, ENV_CONTEXT),
            frame: load(&mut b, ENV_FRAME),
            out: load(&mut b, ENV_OUT),
            aggregates: load(&mut b, ENV_AGGREGATES),
            scratch: load(&mut b, ENV_SCRATCH),
        };
        let slot = b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            SLOT_WORDS * 8,
            3,
        ));
        Emitter {
            b,
            jit,
            module,
            decision,
            imports,
            memo_offsets,
            sets,
            env: values,
            slot,
            locals: Vec::new(),
            refs: HashMap::new(),
            counters,
        }
    }

    pub fn finish(mut self) {
        self.b.seal_all_blocks();
        let config = self.jit.target_config();
        self.b.finalize(config);
    }

    // ------------------------------------------------------------ functions

    /// Computes memo `m` into the frame: its state, then its words.
    pub fn memo_function(&mut self, m: usize) -> Result<(), String> {
        let memo = self
            .decision
            .memos
            .get(m)
            .ok_or_else(|| format!("memo {m} does not exist"))?;
        let offset = self.memo_offset(m as u32);
        let (fail, code) = self.failure_block();
        let value = self.expr(&memo.value, fail)?;
        for (i, w) in value.iter().enumerate() {
            self.store_word(self.env.frame, offset + 1 + i, *w);
        }
        let ok = self.b.ins().iconst(I64, MEMO_OK);
        self.store_word(self.env.frame, offset, ok);
        self.b.ins().return_(&[]);
        self.b.switch_to_block(fail);
        self.store_word(self.env.frame, offset, code);
        self.b.ins().return_(&[]);
        Ok(())
    }

    /// Evaluates every rule into the output: status, then reason values.
    pub fn decide_function(&mut self, rule_offsets: &[usize]) -> Result<(), String> {
        for (rule, &offset) in self.decision.rules.iter().zip(rule_offsets) {
            let next = self.b.create_block();
            let skip = self.b.create_block();
            self.applicable(rule, skip)?;
            let (fail, code) = self.failure_block();
            let condition = self.expr(&rule.condition, fail)?;
            let fired = self.b.create_block();
            let not_fired = self.b.create_block();
            self.b.ins().brif(condition[0], fired, &[], not_fired, &[]);

            self.b.switch_to_block(fired);
            let mut at = offset + 1;
            for (_, v) in &rule.values {
                let words = self.expr(v, fail)?;
                for w in words {
                    self.store_word(self.env.out, at, w);
                    at += 1;
                }
            }
            let status = self.b.ins().iconst(I64, TRUE);
            self.store_word(self.env.out, offset, status);
            self.b.ins().jump(next, &[]);

            self.b.switch_to_block(not_fired);
            let status = self.b.ins().iconst(I64, FALSE);
            self.store_word(self.env.out, offset, status);
            self.b.ins().jump(next, &[]);

            self.b.switch_to_block(skip);
            let status = self.b.ins().iconst(I64, NOT_EVALUATED);
            self.store_word(self.env.out, offset, status);
            self.b.ins().jump(next, &[]);

            self.b.switch_to_block(fail);
            self.store_word(self.env.out, offset, code);
            self.b.ins().jump(next, &[]);

            self.b.switch_to_block(next);
        }
        self.b.ins().return_(&[]);
        Ok(())
    }

    /// Writes aggregate `a`'s status, filter and keys for this member.
    pub fn aggregate_function(&mut self, a: usize) -> Result<(), String> {
        let aggregate = self
            .decision
            .aggregates
            .get(a)
            .ok_or_else(|| format!("aggregate {a} does not exist"))?;
        let (fail, code) = self.failure_block();
        let mut at = 2;
        let mut words = Vec::new();
        for k in &aggregate.keys {
            words.extend(self.expr(k, fail)?);
        }
        let counted = match &aggregate.filter {
            Some(f) => self.expr(f, fail)?[0],
            None => self.b.ins().iconst(I64, 1),
        };
        for w in words {
            self.store_word(self.env.out, at, w);
            at += 1;
        }
        self.store_word(self.env.out, 1, counted);
        let ok = self.b.ins().iconst(I64, MEMO_OK);
        self.store_word(self.env.out, 0, ok);
        self.b.ins().return_(&[]);
        self.b.switch_to_block(fail);
        self.store_word(self.env.out, 0, code);
        self.b.ins().return_(&[]);
        Ok(())
    }

    /// Branches to `skip` when the rule is out of effect or does not apply
    /// to the context's member (an error while finding out counts as "does
    /// not apply", as in the interpreter).
    fn applicable(&mut self, rule: &lintas_ir::Rule, skip: Block) -> Result<(), String> {
        if rule.effective_from.is_some() || rule.effective_to.is_some() {
            let date = self.load_word(self.env.context, 0);
            // An absent date (i64::MIN) puts no rule out of effect.
            let known = self.b.ins().icmp_imm_s(IntCC::NotEqual, date, i64::MIN);
            if let Some(from) = rule.effective_from {
                let before = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, date, from);
                let out = self.b.ins().band(known, before);
                self.branch_to_if(out, skip);
            }
            if let Some(to) = rule.effective_to {
                let after = self.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, date, to);
                let out = self.b.ins().band(known, after);
                self.branch_to_if(out, skip);
            }
        }
        if rule.applies_to.is_empty() {
            return Ok(());
        }
        let member = self.load_word(self.env.context, 1);
        let absent = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, member, 0);
        self.branch_to_if(absent, skip);
        let applies = self.b.create_block();
        for target in &rule.applies_to {
            let (fail, _) = self.failure_block();
            let hit = self.member(&[member], &Ty::Country, target, fail)?;
            let next = self.b.create_block();
            self.b.ins().brif(hit, applies, &[], next, &[]);
            self.b.switch_to_block(fail);
            self.b.ins().jump(next, &[]);
            self.b.switch_to_block(next);
        }
        self.b.ins().jump(skip, &[]);
        self.b.switch_to_block(applies);
        Ok(())
    }

    // ------------------------------------------------------------ plumbing

    /// A block taking a status word; returns it and its parameter.
    fn failure_block(&mut self) -> (Block, Value) {
        let block = self.b.create_block();
        let code = self.b.append_block_param(block, I64);
        (block, code)
    }

    fn branch_to_if(&mut self, condition: Value, target: Block) {
        let cont = self.b.create_block();
        self.b.ins().brif(condition, target, &[], cont, &[]);
        self.b.switch_to_block(cont);
    }

    /// Passes a memo's or aggregate's failure on: anything but `MEMO_OK`
    /// is already a status word.
    fn propagate_failure(&mut self, status: Value, fail: Block) {
        let bad = self.b.ins().icmp_imm_s(IntCC::NotEqual, status, MEMO_OK);
        let error = self.b.create_block();
        let cont = self.b.create_block();
        self.b.ins().brif(bad, error, &[], cont, &[]);
        self.b.switch_to_block(error);
        self.b.ins().jump(fail, &args(&[status]));
        self.b.switch_to_block(cont);
    }

    /// Fails with `status` when `condition` is non-zero.
    fn fail_if(&mut self, condition: Value, status: i64, fail: Block) {
        let error = self.b.create_block();
        let cont = self.b.create_block();
        self.b.ins().brif(condition, error, &[], cont, &[]);
        self.b.switch_to_block(error);
        let code = self.b.ins().iconst(I64, status);
        self.b.ins().jump(fail, &args(&[code]));
        self.b.switch_to_block(cont);
    }

    fn load_word(&mut self, base: Value, word: usize) -> Value {
        self.b.ins().load(I64, flags(), base, (word * 8) as i32)
    }

    fn store_word(&mut self, base: Value, word: usize, value: Value) {
        self.b.ins().store(flags(), value, base, (word * 8) as i32);
    }

    fn helper(&mut self, name: &'static str, arguments: &[Value]) -> Result<Value, String> {
        let id = *self
            .imports
            .helpers
            .get(name)
            .ok_or_else(|| format!("no helper {name}"))?;
        let func = self.func_ref(id);
        let call = self.b.ins().call(func, arguments);
        Ok(self.b.inst_results(call)[0])
    }

    fn func_ref(&mut self, id: FuncId) -> cranelift_codegen::ir::FuncRef {
        if let Some(r) = self.refs.get(&id) {
            return *r;
        }
        let r = self.jit.declare_func_in_func(id, self.b.func);
        self.refs.insert(id, r);
        r
    }

    fn slot_address(&mut self) -> Value {
        self.b.ins().stack_addr(I64, self.slot, 0)
    }

    fn slot_load(&mut self, word: usize) -> Value {
        let address = self.slot_address();
        self.load_word(address, word)
    }

    fn slot_store(&mut self, value: Value, word: usize) {
        let address = self.slot_address();
        self.store_word(address, word, value);
    }

    fn bool_of(&mut self, flag: Value) -> Value {
        // icmp gives an i8; every IR value is an i64 word.
        if self.b.func.dfg.value_type(flag) == I8 {
            self.b.ins().uextend(I64, flag)
        } else {
            flag
        }
    }

    fn memo_offset(&self, m: u32) -> usize {
        self.memo_offsets.get(m as usize).copied().unwrap_or(0)
    }

    /// A value of `ty` stored inline at `address` (+ `word` words).
    fn load_stored(&mut self, address: Value, word: usize, ty: &Ty) -> Vec<Value> {
        match ty {
            Ty::Rec(_) => vec![self.b.ins().iadd_imm_s(address, (word * 8) as i64)],
            Ty::Dur | Ty::List(_) => vec![
                self.load_word(address, word),
                self.load_word(address, word + 1),
            ],
            Ty::Opt(inner) => {
                let mut out = vec![self.load_word(address, word)];
                out.extend(self.load_stored(address, word + 1, inner));
                out
            }
            _ => vec![self.load_word(address, word)],
        }
    }

    /// Stores `value` of `ty` inline at `address` (+ `word` words).
    fn store_inline(&mut self, address: Value, word: usize, ty: &Ty, value: &[Value]) {
        match ty {
            Ty::Rec(_) => {
                let words = stored(self.module, ty);
                for i in 0..words {
                    let w = self.load_word(value[0], i);
                    self.store_word(address, word + i, w);
                }
            }
            Ty::Opt(inner) if matches!(**inner, Ty::Rec(_)) => {
                self.store_word(address, word, value[0]);
                let copy = self.b.create_block();
                let done = self.b.create_block();
                self.b.ins().brif(value[0], copy, &[], done, &[]);
                self.b.switch_to_block(copy);
                self.store_inline(address, word + 1, inner, &value[1..]);
                self.b.ins().jump(done, &[]);
                self.b.switch_to_block(done);
            }
            Ty::Opt(inner) => {
                self.store_word(address, word, value[0]);
                self.store_inline(address, word + 1, inner, &value[1..]);
            }
            _ => {
                for (i, w) in value.iter().enumerate() {
                    self.store_word(address, word + i, *w);
                }
            }
        }
    }

    fn alloc(&mut self, words: Value) -> Result<Value, String> {
        let scratch = self.env.scratch;
        self.helper("lintas_alloc", &[scratch, words])
    }

    fn zeros(&mut self, n: usize) -> Vec<Value> {
        (0..n).map(|_| self.b.ins().iconst(I64, 0)).collect()
    }

    /// Joins branches: a block with one parameter per word of `ty`.
    fn join_block(&mut self, words: usize) -> (Block, Vec<Value>) {
        let block = self.b.create_block();
        let params = (0..words)
            .map(|_| self.b.append_block_param(block, I64))
            .collect();
        (block, params)
    }

    // ------------------------------------------------------------ expressions

    /// Adds one to an instruction's execution count, when counting.
    fn count(&mut self, name: &str) {
        let Some(base) = self.counters else {
            return;
        };
        let address = self
            .b
            .ins()
            .iconst(I64, base + 8 * lintas_ir::instructions::index(name) as i64);
        let n = self.b.ins().load(I64, flags(), address, 0);
        let n = self.b.ins().iadd_imm_s(n, 1);
        self.b.ins().store(flags(), n, address, 0);
    }

    pub fn expr(&mut self, e: &Expr, fail: Block) -> Result<Vec<Value>, String> {
        if self.counters.is_some() {
            self.count(lintas_ir::instructions::name(self.module, e));
        }
        Ok(match &e.node {
            Node::Const(c) => self.constant(c, &e.ty),
            Node::Subject => vec![self.env.subject],
            Node::Context => vec![self.env.context],
            Node::Local(depth) => self
                .locals
                .len()
                .checked_sub(*depth as usize + 1)
                .and_then(|i| self.locals.get(i))
                .cloned()
                .ok_or_else(|| format!("local {depth} is not bound"))?,
            Node::Memo(m) => self.memo(*m, &e.ty, fail)?,
            Node::Aggregate(a) => {
                let status = self.load_word(self.env.aggregates, *a as usize * 2);
                self.propagate_failure(status, fail);
                vec![self.load_word(self.env.aggregates, *a as usize * 2 + 1)]
            }
            Node::Field(base, index) => {
                let base_words = self.expr(base, fail)?;
                let Ty::Rec(layout) = base.ty else {
                    return Err("field of a non-record".into());
                };
                let field = self
                    .module
                    .layouts
                    .get(layout as usize)
                    .and_then(|l| l.fields.get(*index as usize))
                    .ok_or("field does not exist")?;
                let (offset, ty) = (field.offset, field.ty.clone());
                self.load_stored(base_words[0], offset, &ty)
            }
            Node::Unary(op, a) => {
                let v = self.expr(a, fail)?;
                self.unary(*op, v, fail)
            }
            Node::Binary(op, a, b) => {
                let x = self.expr(a, fail)?;
                let y = self.expr(b, fail)?;
                match (op, &b.node) {
                    // Whole days need no calendar: add, then check the range.
                    (
                        BinOp::DateAdd(e) | BinOp::DateSub(e),
                        Node::Const(Const::Dur { months: 0, days }),
                    ) if a.ty == Ty::Date && *days != i64::MIN => {
                        let delta = if matches!(op, BinOp::DateSub(_)) {
                            -days
                        } else {
                            *days
                        };
                        vec![self.shift_days(x[0], delta, *e, fail)]
                    }
                    _ => self.binary(*op, x, &a.ty, y, &b.ty, fail)?,
                }
            }
            Node::Compare(op, a, b) => {
                let x = self.expr(a, fail)?;
                let y = self.expr(b, fail)?;
                let strict = !matches!(op, CmpOp::Eq | CmpOp::Ne);
                vec![self.compare(*op, &x, &a.ty, &y, &b.ty, strict, fail)?]
            }
            Node::And(a, b) | Node::Or(a, b) => {
                let is_and = matches!(e.node, Node::And(..));
                let x = self.expr(a, fail)?[0];
                let (join, params) = self.join_block(1);
                let rhs = self.b.create_block();
                if is_and {
                    self.b.ins().brif(x, rhs, &[], join, &args(&[x]));
                } else {
                    self.b.ins().brif(x, join, &args(&[x]), rhs, &[]);
                }
                self.b.switch_to_block(rhs);
                let y = self.expr(b, fail)?;
                self.b.ins().jump(join, &args(&y));
                self.b.switch_to_block(join);
                params
            }
            Node::If(c, a, b) => {
                let cond = self.expr(c, fail)?[0];
                let (join, params) = self.join_block(e.ty.words());
                let then = self.b.create_block();
                let otherwise = self.b.create_block();
                self.b.ins().brif(cond, then, &[], otherwise, &[]);
                self.b.switch_to_block(then);
                let x = self.expr(a, fail)?;
                self.b.ins().jump(join, &args(&x));
                self.b.switch_to_block(otherwise);
                let y = self.expr(b, fail)?;
                self.b.ins().jump(join, &args(&y));
                self.b.switch_to_block(join);
                params
            }
            Node::Otherwise(a, b) => {
                let x = self.expr(a, fail)?;
                let (join, params) = self.join_block(e.ty.words());
                let fallback = self.b.create_block();
                self.b.ins().brif(x[0], join, &args(&x[1..]), fallback, &[]);
                self.b.switch_to_block(fallback);
                let y = self.expr(b, fail)?;
                self.b.ins().jump(join, &args(&y));
                self.b.switch_to_block(join);
                params
            }
            Node::Call(intrinsic, arguments) => {
                let mut values = Vec::with_capacity(arguments.len());
                for a in arguments {
                    values.push(self.expr(a, fail)?);
                }
                let types: Vec<&Ty> = arguments.iter().map(|a| &a.ty).collect();
                self.call(*intrinsic, &values, &types, &e.ty, fail)?
            }
            Node::Member(needle, container) => {
                let n = self.expr(needle, fail)?;
                vec![self.member(&n, &needle.ty, container, fail)?]
            }
            Node::Lookup(table, keys) => self.lookup(*table, keys, fail)?,
            Node::Quantifier { kind, over, body } => self.quantifier(*kind, over, body, fail)?,
            Node::DecisionTable(t) => self.decision_table(t, &e.ty, fail)?,
            Node::MakeList(items) => {
                let Ty::List(element) = &e.ty else {
                    return Err("a list of a non-list type".into());
                };
                let stride = stored(self.module, element);
                let words = self.b.ins().iconst(I64, (stride * items.len()) as i64);
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(self.expr(item, fail)?);
                }
                let address = self.alloc(words)?;
                for (i, v) in values.iter().enumerate() {
                    self.store_inline(address, i * stride, element, v);
                }
                let len = self.b.ins().iconst(I64, items.len() as i64);
                vec![address, len]
            }
        })
    }

    fn constant(&mut self, c: &Const, ty: &Ty) -> Vec<Value> {
        let word = |b: &mut FunctionBuilder<'_>, v: i64| b.ins().iconst(I64, v);
        match c {
            Const::Bool(v) => vec![word(&mut self.b, i64::from(*v))],
            Const::Int(v) | Const::Dec(v) | Const::Date(v) => vec![word(&mut self.b, *v)],
            Const::Country(v) | Const::Enum(v) | Const::Text(v) => {
                vec![word(&mut self.b, i64::from(*v))]
            }
            Const::Dur { months, days } => {
                vec![word(&mut self.b, *months), word(&mut self.b, *days)]
            }
            Const::Absent => self.zeros(ty.words()),
        }
    }

    fn memo(&mut self, m: u32, ty: &Ty, fail: Block) -> Result<Vec<Value>, String> {
        let offset = self.memo_offset(m);
        let state = self.load_word(self.env.frame, offset);
        let compute = self.b.create_block();
        let check = self.b.create_block();
        let unknown = self.b.ins().icmp_imm_s(IntCC::Equal, state, NOT_EVALUATED);
        self.b.ins().brif(unknown, compute, &[], check, &[]);
        self.b.switch_to_block(compute);
        let id = *self
            .imports
            .memos
            .get(m as usize)
            .ok_or_else(|| format!("memo {m} has no function"))?;
        let func = self.func_ref(id);
        let env = self.env.env;
        self.b.ins().call(func, &[env]);
        self.b.ins().jump(check, &[]);
        self.b.switch_to_block(check);
        let state = self.load_word(self.env.frame, offset);
        self.propagate_failure(state, fail);
        Ok((0..ty.words())
            .map(|i| self.load_word(self.env.frame, offset + 1 + i))
            .collect())
    }

    fn unary(&mut self, op: UnOp, v: Vec<Value>, fail: Block) -> Vec<Value> {
        match op {
            UnOp::Not => vec![self.b.ins().bxor_imm_s(v[0], 1)],
            UnOp::IntNeg(e) | UnOp::DecNeg(e) => {
                let min = self.b.ins().icmp_imm_s(IntCC::Equal, v[0], i64::MIN);
                self.fail_if(min, error_status(e), fail);
                vec![self.b.ins().ineg(v[0])]
            }
            UnOp::IntAbs(e) | UnOp::DecAbs(e) => {
                let min = self.b.ins().icmp_imm_s(IntCC::Equal, v[0], i64::MIN);
                self.fail_if(min, error_status(e), fail);
                vec![self.b.ins().iabs(v[0])]
            }
            UnOp::IntToDec(e) => vec![self.int_to_dec(v[0], e, fail)],
            UnOp::Wrap => {
                let mut out = vec![self.b.ins().iconst(I64, 1)];
                out.extend(v);
                out
            }
            UnOp::Unwrap(e) => {
                let absent = self.b.ins().icmp_imm_s(IntCC::Equal, v[0], 0);
                self.fail_if(absent, error_status(e), fail);
                v[1..].to_vec()
            }
            UnOp::IsPresent => vec![v[0]],
        }
    }

    fn shift_days(&mut self, date: Value, delta: i64, error: u32, fail: Block) -> Value {
        let delta = self.b.ins().iconst(I64, delta);
        let (shifted, overflow) = self.b.ins().sadd_overflow(date, delta);
        self.fail_if(overflow, error_status(error), fail);
        let before = self.b.ins().icmp_imm_s(
            IntCC::SignedLessThan,
            shifted,
            lintas_check::calendar::FIRST_DAY,
        );
        self.fail_if(before, error_status(error), fail);
        let after = self.b.ins().icmp_imm_s(
            IntCC::SignedGreaterThan,
            shifted,
            lintas_check::calendar::LAST_DAY,
        );
        self.fail_if(after, error_status(error), fail);
        shifted
    }

    fn int_to_dec(&mut self, v: Value, error: u32, fail: Block) -> Value {
        let one = self.b.ins().iconst(I64, lintas_check::value::DECIMAL_ONE);
        let (product, overflow) = self.b.ins().smul_overflow(v, one);
        self.fail_if(overflow, error_status(error), fail);
        product
    }

    /// A number as a dec, converting an int (after both operands were
    /// evaluated, as the interpreter does).
    fn as_dec(&mut self, v: Value, ty: &Ty, fail: Block) -> Value {
        if *ty == Ty::Int {
            self.int_to_dec(v, INT_TO_DEC, fail)
        } else {
            v
        }
    }

    fn binary(
        &mut self,
        op: BinOp,
        x: Vec<Value>,
        xt: &Ty,
        y: Vec<Value>,
        yt: &Ty,
        fail: Block,
    ) -> Result<Vec<Value>, String> {
        let checked = |s: &mut Self, (v, overflow): (Value, Value), e: u32| {
            s.fail_if(overflow, error_status(e), fail);
            vec![v]
        };
        Ok(match op {
            BinOp::IntAdd(e) => {
                let r = self.b.ins().sadd_overflow(x[0], y[0]);
                checked(self, r, e)
            }
            BinOp::IntSub(e) => {
                let r = self.b.ins().ssub_overflow(x[0], y[0]);
                checked(self, r, e)
            }
            BinOp::IntMul(e) => {
                let r = self.b.ins().smul_overflow(x[0], y[0]);
                checked(self, r, e)
            }
            BinOp::IntDiv(zero, e) => {
                let is_zero = self.b.ins().icmp_imm_s(IntCC::Equal, y[0], 0);
                self.fail_if(is_zero, error_status(zero), fail);
                let min = self.b.ins().icmp_imm_s(IntCC::Equal, x[0], i64::MIN);
                let minus_one = self.b.ins().icmp_imm_s(IntCC::Equal, y[0], -1);
                let overflow = self.b.ins().band(min, minus_one);
                self.fail_if(overflow, error_status(e), fail);
                vec![self.b.ins().sdiv(x[0], y[0])]
            }
            BinOp::DecAdd(e) | BinOp::DecSub(e) => {
                let a = self.as_dec(x[0], xt, fail);
                let b = self.as_dec(y[0], yt, fail);
                let r = if matches!(op, BinOp::DecAdd(_)) {
                    self.b.ins().sadd_overflow(a, b)
                } else {
                    self.b.ins().ssub_overflow(a, b)
                };
                checked(self, r, e)
            }
            BinOp::DecMul(e) => {
                let a = self.as_dec(x[0], xt, fail);
                let b = self.as_dec(y[0], yt, fail);
                let out = self.slot_address();
                let status = self.helper("lintas_dec_mul", &[a, b, out])?;
                self.fail_if(status, error_status(e), fail);
                vec![self.slot_load(0)]
            }
            BinOp::DecDiv(zero, e) => {
                let a = self.as_dec(x[0], xt, fail);
                let b = self.as_dec(y[0], yt, fail);
                let out = self.slot_address();
                let status = self.helper("lintas_dec_div", &[a, b, out])?;
                let by_zero =
                    self.b
                        .ins()
                        .icmp_imm_s(IntCC::Equal, status, crate::helpers::DIVIDED_BY_ZERO);
                self.fail_if(by_zero, error_status(zero), fail);
                self.fail_if(status, error_status(e), fail);
                vec![self.slot_load(0)]
            }
            BinOp::DateAdd(e) | BinOp::DateSub(e) => {
                let (date, duration) = if *xt == Ty::Date { (x, y) } else { (y, x) };
                let negate = self
                    .b
                    .ins()
                    .iconst(I64, i64::from(matches!(op, BinOp::DateSub(_))));
                let out = self.slot_address();
                let status = self.helper(
                    "lintas_date_shift",
                    &[date[0], duration[0], duration[1], negate, out],
                )?;
                self.fail_if(status, error_status(e), fail);
                vec![self.slot_load(0)]
            }
        })
    }

    /// Compares two values. Not strict (`==`, `!=`): an absent value
    /// equals only another absent one. Strict (ordering, table cells,
    /// list membership): comparing absent with present is an error.
    #[allow(clippy::too_many_arguments)]
    fn compare(
        &mut self,
        op: CmpOp,
        x: &[Value],
        xt: &Ty,
        y: &[Value],
        yt: &Ty,
        strict: bool,
        fail: Block,
    ) -> Result<Value, String> {
        let (x_present, x_inner) = match xt {
            Ty::Opt(_) => (Some(x[0]), &x[1..]),
            _ => (None, x),
        };
        let (y_present, y_inner) = match yt {
            Ty::Opt(_) => (Some(y[0]), &y[1..]),
            _ => (None, y),
        };
        if x_present.is_none() && y_present.is_none() {
            return self.compare_present(op, x_inner[0], xt, y_inner[0], yt);
        }
        let one = self.b.ins().iconst(I64, 1);
        let fx = x_present.unwrap_or(one);
        let fy = y_present.unwrap_or(one);
        let same = self.b.ins().icmp(IntCC::Equal, fx, fy);
        if strict {
            let differ = self.b.ins().bxor_imm_s(same, 1);
            self.fail_if(differ, error_status(BAD_COMPARISON), fail);
        }
        // Absent words are zeros, which compare harmlessly; the result
        // is only used when both are present.
        let inner = self.compare_present(
            op,
            x_inner[0],
            xt.without_opt(),
            y_inner[0],
            yt.without_opt(),
        )?;
        let both = self.b.ins().band(fx, fy);
        let absent_result = if strict {
            // Both absent: they are equal.
            self.b
                .ins()
                .iconst(I64, i64::from(op.holds(std::cmp::Ordering::Equal)))
        } else {
            let same = self.bool_of(same);
            if op == CmpOp::Eq {
                same
            } else {
                self.b.ins().bxor_imm_s(same, 1)
            }
        };
        Ok(self.b.ins().select(both, inner, absent_result))
    }

    fn compare_present(
        &mut self,
        op: CmpOp,
        x: Value,
        xt: &Ty,
        y: Value,
        yt: &Ty,
    ) -> Result<Value, String> {
        let cc = match op {
            CmpOp::Eq => IntCC::Equal,
            CmpOp::Ne => IntCC::NotEqual,
            CmpOp::Lt => IntCC::SignedLessThan,
            CmpOp::Le => IntCC::SignedLessThanOrEqual,
            CmpOp::Gt => IntCC::SignedGreaterThan,
            CmpOp::Ge => IntCC::SignedGreaterThanOrEqual,
        };
        let flag = match (xt, yt) {
            (Ty::Int, Ty::Dec) | (Ty::Dec, Ty::Int) => {
                // Exact: the int scaled in 128 bits never overflows.
                let wide_x = self.b.ins().sextend(I128, x);
                let wide_y = self.b.ins().sextend(I128, y);
                let scale = self.b.ins().iconst(I64, lintas_check::value::DECIMAL_ONE);
                let scale = self.b.ins().sextend(I128, scale);
                let (wx, wy) = if *xt == Ty::Int {
                    (self.b.ins().imul(wide_x, scale), wide_y)
                } else {
                    (wide_x, self.b.ins().imul(wide_y, scale))
                };
                self.b.ins().icmp(cc, wx, wy)
            }
            (Ty::Text, Ty::Text) => {
                let scratch = self.env.scratch;
                if matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    // Interned texts are equal exactly when their ids are;
                    // only two texts from outside the tables need reading.
                    let same_word = self.b.ins().icmp(IntCC::Equal, x, y);
                    let same_word = self.bool_of(same_word);
                    let both_foreign = self.b.ins().band(x, y);
                    let both_foreign =
                        self.b
                            .ins()
                            .icmp_imm_s(IntCC::SignedLessThan, both_foreign, 0);
                    let (join, params) = self.join_block(1);
                    let read = self.b.create_block();
                    self.b
                        .ins()
                        .brif(both_foreign, read, &[], join, &args(&[same_word]));
                    self.b.switch_to_block(read);
                    let equal = self.helper("lintas_text_eq", &[scratch, x, y])?;
                    self.b.ins().jump(join, &args(&[equal]));
                    self.b.switch_to_block(join);
                    let equal = params[0];
                    return Ok(if op == CmpOp::Eq {
                        equal
                    } else {
                        self.b.ins().bxor_imm_s(equal, 1)
                    });
                }
                let ordering = self.helper("lintas_text_cmp", &[scratch, x, y])?;
                self.b.ins().icmp_imm_s(cc, ordering, 0)
            }
            _ => self.b.ins().icmp(cc, x, y),
        };
        Ok(self.bool_of(flag))
    }

    /// A needle as a set's or column's element type, or "no match" for a
    /// number that no element of that type can equal.
    fn as_key(&mut self, needle: Value, from: &Ty, to: &Ty, miss: Block) -> Value {
        match (from, to.without_opt()) {
            (Ty::Int, Ty::Dec) => {
                let one = self.b.ins().iconst(I64, lintas_check::value::DECIMAL_ONE);
                let (v, overflow) = self.b.ins().smul_overflow(needle, one);
                self.branch_to_if(overflow, miss);
                v
            }
            (Ty::Dec, Ty::Int) => {
                let one = self.b.ins().iconst(I64, lintas_check::value::DECIMAL_ONE);
                let rem = self.b.ins().srem(needle, one);
                self.branch_to_if(rem, miss);
                self.b.ins().sdiv(needle, one)
            }
            _ => needle,
        }
    }

    fn member(
        &mut self,
        needle: &[Value],
        needle_ty: &Ty,
        container: &Container,
        fail: Block,
    ) -> Result<Value, String> {
        let (join, params) = self.join_block(1);
        let no = self.b.create_block();
        match container {
            Container::Set(s) | Container::Table(s) => {
                let is_set = matches!(container, Container::Set(_));
                // An absent needle is in no set or table.
                let value = match needle_ty {
                    Ty::Opt(_) => {
                        let absent = self.b.ins().icmp_imm_s(IntCC::Equal, needle[0], 0);
                        self.branch_to_if(absent, no);
                        needle[1]
                    }
                    _ => needle[0],
                };
                let inner = needle_ty.without_opt().clone();
                if inner == Ty::Text {
                    // Texts outside every table are in none of them.
                    let foreign = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, value, 0);
                    self.branch_to_if(foreign, no);
                }
                if is_set {
                    let set = self
                        .module
                        .sets
                        .get(*s as usize)
                        .ok_or("set does not exist")?;
                    let key = self.as_key(value, &inner, &set.element.clone(), no);
                    let found = self.set_contains(*s as usize, key)?;
                    self.b.ins().jump(join, &args(&[found]));
                } else {
                    let table = self
                        .module
                        .tables
                        .get(*s as usize)
                        .ok_or("table does not exist")?;
                    let column = table.keys.first().copied().unwrap_or(0);
                    let column_ty = self
                        .module
                        .layouts
                        .get(table.row as usize)
                        .and_then(|l| l.fields.get(column))
                        .map(|f| f.ty.clone())
                        .ok_or("table column does not exist")?;
                    let key = self.as_key(value, &inner, &column_ty, no);
                    let slot = self.slot_address();
                    self.slot_store(key, 0);
                    let scratch = self.env.scratch;
                    let t = self.b.ins().iconst(I64, i64::from(*s));
                    let n = self.b.ins().iconst(I64, 1);
                    let row = self.helper("lintas_lookup", &[scratch, t, slot, n])?;
                    let found = self.b.ins().icmp_imm_s(IntCC::NotEqual, row, 0);
                    let found = self.bool_of(found);
                    self.b.ins().jump(join, &args(&[found]));
                }
            }
            Container::List(list) => {
                let list_words = self.expr(list, fail)?;
                let Ty::List(element) = &list.ty else {
                    return Err("membership in a non-list".into());
                };
                let element = (**element).clone();
                let stride = stored(self.module, &element) as i64;
                let i = self.b.declare_var(I64);
                let zero = self.b.ins().iconst(I64, 0);
                self.b.def_var(i, zero);
                let head = self.b.create_block();
                let body = self.b.create_block();
                self.b.ins().jump(head, &[]);
                self.b.switch_to_block(head);
                let index = self.b.use_var(i);
                let done = self
                    .b
                    .ins()
                    .icmp(IntCC::SignedGreaterThanOrEqual, index, list_words[1]);
                self.b.ins().brif(done, no, &[], body, &[]);
                self.b.switch_to_block(body);
                let offset = self.b.ins().imul_imm_s(index, stride * 8);
                let address = self.b.ins().iadd(list_words[0], offset);
                let item = self.load_stored(address, 0, &element);
                let equal =
                    self.compare(CmpOp::Eq, needle, needle_ty, &item, &element, true, fail)?;
                let yes = self.b.ins().iconst(I64, 1);
                let next = self.b.create_block();
                self.b.ins().brif(equal, join, &args(&[yes]), next, &[]);
                self.b.switch_to_block(next);
                let index = self.b.use_var(i);
                let index = self.b.ins().iadd_imm_s(index, 1);
                self.b.def_var(i, index);
                self.b.ins().jump(head, &[]);
            }
        }
        self.b.switch_to_block(no);
        let zero = self.b.ins().iconst(I64, 0);
        self.b.ins().jump(join, &args(&[zero]));
        self.b.switch_to_block(join);
        Ok(params[0])
    }

    fn set_contains(&mut self, s: usize, key: Value) -> Result<Value, String> {
        let set = self.module.sets.get(s).ok_or("set does not exist")?;
        match set.strategy {
            SetStrategy::Compare => {
                let mut found = self.b.ins().iconst(I64, 0);
                for w in set.words.clone() {
                    let hit = self.b.ins().icmp_imm_s(IntCC::Equal, key, w);
                    let hit = self.bool_of(hit);
                    found = self.b.ins().bor(found, hit);
                }
                Ok(found)
            }
            SetStrategy::Bitmap => {
                let base = self
                    .b
                    .ins()
                    .iconst(I64, self.sets.get(s).copied().unwrap_or(0));
                // Out of the bitmap's range: not in the set (and no load).
                let (join, params) = self.join_block(1);
                let inside = self.b.create_block();
                let zero = self.b.ins().iconst(I64, 0);
                let in_range = self.b.ins().icmp_imm_u(
                    IntCC::UnsignedLessThan,
                    key,
                    lintas_ir::opt::BITMAP_MAX,
                );
                self.b
                    .ins()
                    .brif(in_range, inside, &[], join, &args(&[zero]));
                self.b.switch_to_block(inside);
                let word_index = self.b.ins().ushr_imm_u(key, 6);
                let offset = self.b.ins().ishl_imm_u(word_index, 3);
                let address = self.b.ins().iadd(base, offset);
                let word = self.b.ins().load(I64, flags(), address, 0);
                let bit = self.b.ins().band_imm_u(key, 63);
                let shifted = self.b.ins().ushr(word, bit);
                let found = self.b.ins().band_imm_u(shifted, 1);
                self.b.ins().jump(join, &args(&[found]));
                self.b.switch_to_block(join);
                Ok(params[0])
            }
            SetStrategy::Sorted => {
                let base = self
                    .b
                    .ins()
                    .iconst(I64, self.sets.get(s).copied().unwrap_or(0));
                let lo = self.b.declare_var(I64);
                let hi = self.b.declare_var(I64);
                let zero = self.b.ins().iconst(I64, 0);
                let len = self.b.ins().iconst(I64, set.words.len() as i64);
                self.b.def_var(lo, zero);
                self.b.def_var(hi, len);
                let (join, params) = self.join_block(1);
                let head = self.b.create_block();
                let probe = self.b.create_block();
                self.b.ins().jump(head, &[]);
                self.b.switch_to_block(head);
                let l = self.b.use_var(lo);
                let h = self.b.use_var(hi);
                let empty = self.b.ins().icmp(IntCC::SignedGreaterThanOrEqual, l, h);
                let zero = self.b.ins().iconst(I64, 0);
                self.b.ins().brif(empty, join, &args(&[zero]), probe, &[]);
                self.b.switch_to_block(probe);
                let sum = self.b.ins().iadd(l, h);
                let mid = self.b.ins().ushr_imm_u(sum, 1);
                let offset = self.b.ins().ishl_imm_u(mid, 3);
                let address = self.b.ins().iadd(base, offset);
                let word = self.b.ins().load(I64, flags(), address, 0);
                let hit = self.b.ins().icmp(IntCC::Equal, word, key);
                let one = self.b.ins().iconst(I64, 1);
                let narrow = self.b.create_block();
                self.b.ins().brif(hit, join, &args(&[one]), narrow, &[]);
                self.b.switch_to_block(narrow);
                let below = self.b.ins().icmp(IntCC::SignedLessThan, word, key);
                let mid_plus = self.b.ins().iadd_imm_s(mid, 1);
                let new_lo = self.b.ins().select(below, mid_plus, l);
                let new_hi = self.b.ins().select(below, h, mid);
                self.b.def_var(lo, new_lo);
                self.b.def_var(hi, new_hi);
                self.b.ins().jump(head, &[]);
                self.b.switch_to_block(join);
                Ok(params[0])
            }
        }
    }

    fn lookup(&mut self, t: u32, keys: &[Expr], fail: Block) -> Result<Vec<Value>, String> {
        let table = self
            .module
            .tables
            .get(t as usize)
            .ok_or("table does not exist")?;
        let layout = self
            .module
            .layouts
            .get(table.row as usize)
            .ok_or("row layout does not exist")?;
        let column_types: Vec<Ty> = table
            .keys
            .iter()
            .map(|k| {
                layout
                    .fields
                    .get(*k)
                    .map(|f| f.ty.clone())
                    .unwrap_or(Ty::Int)
            })
            .collect();
        if keys.len() > SLOT_WORDS as usize {
            return Err("a lookup with too many keys".into());
        }
        let mut values = Vec::with_capacity(keys.len());
        for k in keys {
            values.push(self.expr(k, fail)?[0]);
        }
        let (join, params) = self.join_block(2);
        let miss = self.b.create_block();
        for (i, ((v, k), column)) in values.iter().zip(keys).zip(&column_types).enumerate() {
            let key = self.as_key(*v, &k.ty, column, miss);
            self.slot_store(key, i);
        }
        let scratch = self.env.scratch;
        let slot = self.slot_address();
        let t = self.b.ins().iconst(I64, i64::from(t));
        let n = self.b.ins().iconst(I64, keys.len() as i64);
        let row = self.helper("lintas_lookup", &[scratch, t, slot, n])?;
        let found = self.b.ins().icmp_imm_s(IntCC::NotEqual, row, 0);
        let found = self.bool_of(found);
        self.b.ins().jump(join, &args(&[found, row]));
        self.b.switch_to_block(miss);
        let zero = self.b.ins().iconst(I64, 0);
        self.b.ins().jump(join, &args(&[zero, zero]));
        self.b.switch_to_block(join);
        Ok(params)
    }

    fn quantifier(
        &mut self,
        kind: QuantifierKind,
        over: &Expr,
        body: &Expr,
        fail: Block,
    ) -> Result<Vec<Value>, String> {
        let list = self.expr(over, fail)?;
        let Ty::List(element) = &over.ty else {
            return Err("a quantifier over a non-list".into());
        };
        let element = (**element).clone();
        let stride = stored(self.module, &element) as i64;
        let i = self.b.declare_var(I64);
        let count = self.b.declare_var(I64);
        let zero = self.b.ins().iconst(I64, 0);
        self.b.def_var(i, zero);
        self.b.def_var(count, zero);
        let (join, params) = self.join_block(1);
        let head = self.b.create_block();
        let step = self.b.create_block();
        self.b.ins().jump(head, &[]);
        self.b.switch_to_block(head);
        let index = self.b.use_var(i);
        let done = self
            .b
            .ins()
            .icmp(IntCC::SignedGreaterThanOrEqual, index, list[1]);
        let exhausted = self.b.create_block();
        self.b.ins().brif(done, exhausted, &[], step, &[]);
        self.b.switch_to_block(step);
        let offset = self.b.ins().imul_imm_s(index, stride * 8);
        let address = self.b.ins().iadd(list[0], offset);
        let item = self.load_stored(address, 0, &element);
        self.locals.push(item);
        let holds = self.expr(body, fail);
        self.locals.pop();
        let holds = holds?[0];
        let next = self.b.create_block();
        match kind {
            QuantifierKind::Any => {
                let yes = self.b.ins().iconst(I64, 1);
                self.b.ins().brif(holds, join, &args(&[yes]), next, &[]);
            }
            QuantifierKind::All => {
                let no = self.b.ins().iconst(I64, 0);
                self.b.ins().brif(holds, next, &[], join, &args(&[no]));
            }
            QuantifierKind::Count => {
                let c = self.b.use_var(count);
                let c = self.b.ins().iadd(c, holds);
                self.b.def_var(count, c);
                self.b.ins().jump(next, &[]);
            }
        }
        self.b.switch_to_block(next);
        let index = self.b.use_var(i);
        let index = self.b.ins().iadd_imm_s(index, 1);
        self.b.def_var(i, index);
        self.b.ins().jump(head, &[]);
        self.b.switch_to_block(exhausted);
        let result = match kind {
            QuantifierKind::Any => self.b.ins().iconst(I64, 0),
            QuantifierKind::All => self.b.ins().iconst(I64, 1),
            QuantifierKind::Count => self.b.use_var(count),
        };
        self.b.ins().jump(join, &args(&[result]));
        self.b.switch_to_block(join);
        Ok(params)
    }

    fn decision_table(
        &mut self,
        t: &DecisionTable,
        ty: &Ty,
        fail: Block,
    ) -> Result<Vec<Value>, String> {
        let mut inputs = Vec::with_capacity(t.inputs.len());
        for i in &t.inputs {
            inputs.push(self.expr(i, fail)?);
        }
        let width = t.result.words();
        let (join, params) = self.join_block(ty.words());
        // The first match's words (unique, any), or where collected
        // results go (collect).
        let found = self.b.declare_var(I64);
        let zero = self.b.ins().iconst(I64, 0);
        self.b.def_var(found, zero);
        let kept: Vec<Variable> = (0..width).map(|_| self.b.declare_var(I64)).collect();
        for k in &kept {
            self.b.def_var(*k, zero);
        }
        let stride = stored(self.module, &t.result);
        let collected = if t.hit == HitPolicy::Collect {
            let words = self.b.ins().iconst(I64, (stride * t.rows.len()) as i64);
            Some(self.alloc(words)?)
        } else {
            None
        };
        for row in &t.rows {
            let next = self.b.create_block();
            for (cell, (input, input_expr)) in row.cells.iter().zip(inputs.iter().zip(&t.inputs)) {
                let matches = self.cell(cell, input, &input_expr.ty, fail)?;
                let cont = self.b.create_block();
                self.b.ins().brif(matches, cont, &[], next, &[]);
                self.b.switch_to_block(cont);
            }
            let result = self.expr(&row.result, fail)?;
            match t.hit {
                HitPolicy::First => {
                    let out = self.present(ty, &t.result, &result);
                    self.b.ins().jump(join, &args(&out));
                }
                HitPolicy::Unique => {
                    let already = self.b.use_var(found);
                    self.fail_if(already, error_status(t.conflict), fail);
                    self.keep(found, &kept, &result);
                    self.b.ins().jump(next, &[]);
                }
                HitPolicy::Any => {
                    let already = self.b.use_var(found);
                    let first = self.b.create_block();
                    let check = self.b.create_block();
                    self.b.ins().brif(already, check, &[], first, &[]);
                    self.b.switch_to_block(first);
                    self.keep(found, &kept, &result);
                    self.b.ins().jump(next, &[]);
                    self.b.switch_to_block(check);
                    let previous: Vec<Value> = kept.iter().map(|k| self.b.use_var(*k)).collect();
                    let (conflict, _) = self.failure_block();
                    let equal = self.compare(
                        CmpOp::Eq,
                        &previous,
                        &t.result,
                        &result,
                        &t.result,
                        true,
                        conflict,
                    )?;
                    let differ = self.b.ins().bxor_imm_s(equal, 1);
                    self.fail_if(differ, error_status(t.conflict), fail);
                    self.b.ins().jump(next, &[]);
                    // A comparison that cannot be made is a conflict too.
                    self.b.switch_to_block(conflict);
                    let code = self.b.ins().iconst(I64, error_status(t.conflict));
                    self.b.ins().jump(fail, &args(&[code]));
                }
                HitPolicy::Collect => {
                    let base = collected.ok_or("no collection memory")?;
                    let n = self.b.use_var(found);
                    let offset = self.b.ins().imul_imm_s(n, (stride * 8) as i64);
                    let address = self.b.ins().iadd(base, offset);
                    self.store_inline(address, 0, &t.result, &result);
                    let n = self.b.ins().iadd_imm_s(n, 1);
                    self.b.def_var(found, n);
                    self.b.ins().jump(next, &[]);
                }
            }
            self.b.switch_to_block(next);
        }
        match t.hit {
            HitPolicy::Collect => {
                let base = collected.ok_or("no collection memory")?;
                let n = self.b.use_var(found);
                self.b.ins().jump(join, &args(&[base, n]));
            }
            HitPolicy::Unique | HitPolicy::Any => {
                let any = self.b.use_var(found);
                let matched = self.b.create_block();
                let none = self.b.create_block();
                self.b.ins().brif(any, matched, &[], none, &[]);
                self.b.switch_to_block(matched);
                let value: Vec<Value> = kept.iter().map(|k| self.b.use_var(*k)).collect();
                let out = self.present(ty, &t.result, &value);
                self.b.ins().jump(join, &args(&out));
                self.b.switch_to_block(none);
                let out = self.fallback(t, ty, fail)?;
                self.b.ins().jump(join, &args(&out));
            }
            HitPolicy::First => {
                let out = self.fallback(t, ty, fail)?;
                self.b.ins().jump(join, &args(&out));
            }
        }
        self.b.switch_to_block(join);
        Ok(params)
    }

    fn keep(&mut self, found: Variable, kept: &[Variable], result: &[Value]) {
        let one = self.b.ins().iconst(I64, 1);
        self.b.def_var(found, one);
        for (k, v) in kept.iter().zip(result) {
            self.b.def_var(*k, *v);
        }
    }

    /// A matched row's result as the table's value (wrapped when the
    /// table has no default).
    fn present(&mut self, ty: &Ty, result_ty: &Ty, result: &[Value]) -> Vec<Value> {
        if ty == result_ty {
            return result.to_vec();
        }
        let mut out = vec![self.b.ins().iconst(I64, 1)];
        out.extend_from_slice(result);
        out
    }

    fn fallback(&mut self, t: &DecisionTable, ty: &Ty, fail: Block) -> Result<Vec<Value>, String> {
        Ok(match &t.default {
            Some(d) => self.expr(d, fail)?,
            None => self.zeros(ty.words()),
        })
    }

    fn cell(
        &mut self,
        cell: &Cell,
        input: &[Value],
        input_ty: &Ty,
        fail: Block,
    ) -> Result<Value, String> {
        if let Some(name) = lintas_ir::instructions::cell(cell) {
            self.count(name);
        }
        Ok(match cell {
            Cell::Any => self.b.ins().iconst(I64, 1),
            Cell::OneOf(values) => {
                let (join, params) = self.join_block(1);
                for v in values {
                    let value = self.expr(v, fail)?;
                    let equal =
                        self.compare(CmpOp::Eq, input, input_ty, &value, &v.ty, true, fail)?;
                    let next = self.b.create_block();
                    let yes = self.b.ins().iconst(I64, 1);
                    self.b.ins().brif(equal, join, &args(&[yes]), next, &[]);
                    self.b.switch_to_block(next);
                }
                let no = self.b.ins().iconst(I64, 0);
                self.b.ins().jump(join, &args(&[no]));
                self.b.switch_to_block(join);
                params[0]
            }
            Cell::In(c) => self.member(input, input_ty, c, fail)?,
            Cell::NotIn(c) => {
                let m = self.member(input, input_ty, c, fail)?;
                self.b.ins().bxor_imm_s(m, 1)
            }
            Cell::Compare(op, e) => {
                let value = self.expr(e, fail)?;
                self.compare(*op, input, input_ty, &value, &e.ty, true, fail)?
            }
        })
    }

    fn call(
        &mut self,
        intrinsic: Intrinsic,
        values: &[Vec<Value>],
        types: &[&Ty],
        ty: &Ty,
        fail: Block,
    ) -> Result<Vec<Value>, String> {
        let arg = |i: usize| {
            values
                .get(i)
                .and_then(|v| v.first())
                .copied()
                .ok_or("missing argument")
        };
        let scratch = self.env.scratch;
        Ok(match intrinsic {
            Intrinsic::YearsBetween => {
                vec![self.helper("lintas_years_between", &[arg(0)?, arg(1)?])?]
            }
            Intrinsic::MonthsBetween => {
                vec![self.helper("lintas_months_between", &[arg(0)?, arg(1)?])?]
            }
            Intrinsic::DaysBetween => vec![self.b.ins().isub(arg(1)?, arg(0)?)],
            Intrinsic::Days => vec![self.b.ins().iconst(I64, 0), arg(0)?],
            Intrinsic::Months => vec![arg(0)?, self.b.ins().iconst(I64, 0)],
            Intrinsic::Weeks(e) | Intrinsic::Years(e) => {
                let factor = if matches!(intrinsic, Intrinsic::Weeks(_)) {
                    7
                } else {
                    12
                };
                let factor = self.b.ins().iconst(I64, factor);
                let (v, overflow) = self.b.ins().smul_overflow(arg(0)?, factor);
                self.fail_if(overflow, error_status(e), fail);
                let zero = self.b.ins().iconst(I64, 0);
                if matches!(intrinsic, Intrinsic::Weeks(_)) {
                    vec![zero, v]
                } else {
                    vec![v, zero]
                }
            }
            Intrinsic::Size => vec![
                values
                    .first()
                    .and_then(|v| v.get(1))
                    .copied()
                    .ok_or("size of nothing")?,
            ],
            Intrinsic::Lower => vec![self.helper("lintas_lower", &[scratch, arg(0)?])?],
            Intrinsic::Upper => vec![self.helper("lintas_upper", &[scratch, arg(0)?])?],
            Intrinsic::NameKey => vec![self.helper("lintas_name_key", &[scratch, arg(0)?])?],
            Intrinsic::Length => vec![self.helper("lintas_length", &[scratch, arg(0)?])?],
            Intrinsic::Contains => {
                vec![self.helper("lintas_contains", &[scratch, arg(0)?, arg(1)?])?]
            }
            Intrinsic::StartsWith => {
                vec![self.helper("lintas_starts_with", &[scratch, arg(0)?, arg(1)?])?]
            }
            Intrinsic::NameSimilarity => {
                vec![self.helper("lintas_name_similarity", &[scratch, arg(0)?, arg(1)?])?]
            }
            Intrinsic::Min | Intrinsic::Max => {
                let (mut a, mut b) = (arg(0)?, arg(1)?);
                if *ty == Ty::Dec {
                    a = self.as_dec(a, types.first().copied().unwrap_or(&Ty::Dec), fail);
                    b = self.as_dec(b, types.get(1).copied().unwrap_or(&Ty::Dec), fail);
                }
                // Ties take the first argument.
                let cc = if intrinsic == Intrinsic::Min {
                    IntCC::SignedLessThanOrEqual
                } else {
                    IntCC::SignedGreaterThanOrEqual
                };
                let take_a = self.b.ins().icmp(cc, a, b);
                vec![self.b.ins().select(take_a, a, b)]
            }
        })
    }
}
