//! Lowering: the checked program to the IR. Every implicit step of the
//! reference interpreter becomes explicit here (Int to Decimal conversions
//! where it converts, presence where the checker narrowed, the order in
//! which operands are evaluated), so backends need no knowledge of the
//! surface language.

use crate::ir::*;
use crate::layout::{Interner, Words, ir_type, layouts};
use crate::types::Ty;
use lintas_check::hir::{self, Builtin, CellDef, ExprKind, Program};
use lintas_check::value::Value;
use lintas_syntax::ast::{BinOp as HirOp, HitPolicy};
use std::collections::{BTreeSet, HashMap};

/// Errors every module has, at fixed ids.
pub const INT_TO_DEC: ErrorId = 0;
/// An absent value or a value of the wrong shape in a comparison.
pub const BAD_COMPARISON: ErrorId = 1;

/// Why a program cannot be lowered (it has errors, or uses something the
/// IR cannot express — a bug to report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LowerError(pub String);

impl std::fmt::Display for LowerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for LowerError {
    fn from(s: String) -> LowerError {
        LowerError(s)
    }
}

type Lower<T> = Result<T, LowerError>;

pub fn lower(program: &Program) -> Lower<Module> {
    let layouts = layouts(program)?;
    let mut countries: Vec<String> = lintas_check::countries::all().map(String::from).collect();
    countries.sort();
    countries.dedup();
    let texts = collect_texts(program);
    let interner = Interner::new(&texts, &countries);
    let mut module = Module {
        package: program.package.name.clone(),
        version: program.package.version.clone(),
        layouts,
        countries,
        texts,
        data: Vec::new(),
        data_relocations: Vec::new(),
        sets: Vec::new(),
        tables: Vec::new(),
        errors: Vec::new(),
        decisions: Vec::new(),
        context: program.context.0,
    };
    let mut lowerer = Lowerer {
        program,
        interner,
        data: Words::default(),
        errors: HashMap::new(),
        error_list: Vec::new(),
        layouts: module.layouts.clone(),
        locals: Vec::new(),
        memo_types: Vec::new(),
        decision: None,
    };
    lowerer.error(
        ErrorKind::Overflow,
        "converting an Int to a Decimal overflows 64 bits",
    );
    lowerer.error(ErrorKind::Internal, "unexpected value in a comparison");
    module.sets = program
        .sets
        .iter()
        .map(|s| lowerer.set(s))
        .collect::<Lower<_>>()?;
    module.tables = program
        .tables
        .iter()
        .map(|t| lowerer.table(t))
        .collect::<Lower<_>>()?;
    for decision in &program.decisions {
        let lowered = lowerer.decision(decision)?;
        module.decisions.push(lowered);
    }
    module.data_relocations = std::mem::take(&mut lowerer.data.relocations);
    module.data = lowerer.data.words;
    module.errors = lowerer.error_list;
    Ok(module)
}

/// Every text of the program's constants, sets and tables, sorted.
fn collect_texts(program: &Program) -> Vec<String> {
    let mut texts = BTreeSet::new();
    fn value(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Text(t) => {
                out.insert(t.clone());
            }
            Value::Record(items) | Value::List(items) => {
                for i in items {
                    value(i, out);
                }
            }
            _ => {}
        }
    }
    fn expr(e: &hir::Expr, out: &mut BTreeSet<String>) {
        visit_hir(e, &mut |e| {
            if let ExprKind::Const(v) = &e.kind {
                value(v, out);
            }
        });
    }
    for s in &program.sets {
        for v in &s.values {
            value(v, &mut texts);
        }
    }
    for t in &program.tables {
        for row in &t.rows {
            value(row, &mut texts);
        }
    }
    for d in &program.decisions {
        for_each_expr(d, &mut |e| expr(e, &mut texts));
    }
    texts.into_iter().collect()
}

/// Calls `f` on every top-level expression of a decision.
fn for_each_expr(d: &hir::DecisionDef, f: &mut impl FnMut(&hir::Expr)) {
    for a in &d.aggregates {
        a.keys.iter().for_each(&mut *f);
        a.filter.iter().for_each(&mut *f);
    }
    for l in &d.lets {
        f(&l.value);
    }
    for s in &d.scores {
        for t in &s.terms {
            f(&t.weight);
            t.condition.iter().for_each(&mut *f);
        }
    }
    for t in &d.tables {
        t.inputs.iter().for_each(&mut *f);
        for row in &t.rows {
            for cell in &row.cells {
                match cell {
                    CellDef::Any => {}
                    CellDef::OneOf(values) => values.iter().for_each(&mut *f),
                    CellDef::In(e) | CellDef::NotIn(e) | CellDef::Compare(_, e) => f(e),
                }
            }
            f(&row.result);
        }
        t.default.iter().for_each(&mut *f);
    }
    for r in &d.rules {
        r.applies_to.iter().for_each(&mut *f);
        f(&r.condition);
        for (_, v) in &r.values {
            f(v);
        }
    }
}

fn visit_hir(e: &hir::Expr, f: &mut impl FnMut(&hir::Expr)) {
    f(e);
    match &e.kind {
        ExprKind::Field(b, _) | ExprKind::Not(b) | ExprKind::Neg(b) | ExprKind::Presence(b, _) => {
            visit_hir(b, f)
        }
        ExprKind::Lookup(_, items)
        | ExprKind::Call(_, items)
        | ExprKind::List(items)
        | ExprKind::Record(_, items) => items.iter().for_each(|i| visit_hir(i, f)),
        ExprKind::Binary(_, a, b) => {
            visit_hir(a, f);
            visit_hir(b, f);
        }
        ExprKind::If(c, a, b) => {
            visit_hir(c, f);
            visit_hir(a, f);
            visit_hir(b, f);
        }
        ExprKind::Quantifier { over, body, .. } => {
            visit_hir(over, f);
            visit_hir(body, f);
        }
        _ => {}
    }
}

struct Lowerer<'p> {
    program: &'p Program,
    interner: Interner,
    data: Words,
    errors: HashMap<ErrorDef, ErrorId>,
    error_list: Vec<ErrorDef>,
    layouts: Vec<Layout>,
    /// Element types of the enclosing quantifiers, innermost last.
    locals: Vec<Ty>,
    /// Types of the current decision's memos, as far as lowered.
    memo_types: Vec<Option<Ty>>,
    decision: Option<&'p hir::DecisionDef>,
}

impl<'p> Lowerer<'p> {
    fn error(&mut self, kind: ErrorKind, message: &str) -> ErrorId {
        let def = ErrorDef {
            kind,
            message: message.to_string(),
        };
        if let Some(id) = self.errors.get(&def) {
            return *id;
        }
        let id = self.error_list.len() as ErrorId;
        self.error_list.push(def.clone());
        self.errors.insert(def, id);
        id
    }

    fn overflow(&mut self, what: &str) -> ErrorId {
        self.error(ErrorKind::Overflow, &format!("{what} overflows 64 bits"))
    }

    fn internal(&mut self, what: &str) -> ErrorId {
        self.error(ErrorKind::Internal, &format!("unexpected value in {what}"))
    }

    fn set(&mut self, s: &hir::SetDef) -> Lower<Set> {
        let element = ir_type(&s.element)?;
        let mut words = Vec::with_capacity(s.values.len());
        for v in &s.values {
            let mut cell = Words::default();
            cell.push(v, &element, &self.layouts, &self.interner)?;
            words.push(cell.words.first().copied().unwrap_or(0));
        }
        words.sort_unstable();
        words.dedup();
        Ok(Set {
            name: s.name.clone(),
            element,
            words,
            strategy: SetStrategy::Sorted,
        })
    }

    fn table(&mut self, t: &hir::TableDef) -> Lower<Table> {
        let row_ty = Ty::Rec(t.row.0);
        let stride = row_ty.stored_words(&self.layouts);
        let first = self.data.reserve(stride * t.rows.len());
        for (i, row) in t.rows.iter().enumerate() {
            let (layouts, interner) = (&self.layouts, &self.interner);
            self.data
                .store(first + i * stride, row, &row_ty, layouts, interner)?;
        }
        Ok(Table {
            name: t.name.clone(),
            row: t.row.0,
            keys: t.keys.clone(),
            data: first,
            rows: t.rows.len(),
        })
    }

    fn decision(&mut self, d: &'p hir::DecisionDef) -> Lower<Decision> {
        self.decision = Some(d);
        let memo_count = d.lets.len() + d.scores.len() + d.tables.len();
        self.memo_types = vec![None; memo_count];
        let mut memos = Vec::with_capacity(memo_count);
        // Lets may use each other in any order; lowering them on demand
        // would recurse, so each memo's type comes from a first pass.
        for i in 0..memo_count {
            let ty = self.memo_type(i)?;
            if let Some(slot) = self.memo_types.get_mut(i) {
                *slot = Some(ty);
            }
        }
        for l in &d.lets {
            memos.push(Memo {
                name: l.name.clone(),
                value: self.expr(&l.value)?,
            });
        }
        for s in &d.scores {
            memos.push(Memo {
                name: s.name.clone(),
                value: self.score(s)?,
            });
        }
        for t in &d.tables {
            memos.push(Memo {
                name: t.name.clone(),
                value: self.decision_table(t)?,
            });
        }
        let aggregates = d
            .aggregates
            .iter()
            .map(|a| {
                Ok(Aggregate {
                    name: a.name.clone(),
                    keys: a.keys.iter().map(|k| self.expr(k)).collect::<Lower<_>>()?,
                    filter: a.filter.as_ref().map(|f| self.expr(f)).transpose()?,
                })
            })
            .collect::<Lower<_>>()?;
        let rules = d
            .rules
            .iter()
            .enumerate()
            .map(|(index, r)| self.rule(index, r))
            .collect::<Lower<_>>()?;
        Ok(Decision {
            name: d.name.clone(),
            schema: d.schema.0,
            over_manifest: d.over_manifest,
            outcomes: d.outcomes.clone(),
            default: d.default,
            on_error: d.on_error,
            memos,
            aggregates,
            rules,
        })
    }

    /// The IR type of memo `i` without lowering its body (lets by their
    /// value's dynamic type, scores and tables by their declared types).
    fn memo_type(&mut self, i: usize) -> Lower<Ty> {
        let d = self
            .decision
            .ok_or_else(|| LowerError("no decision".into()))?;
        if let Some(l) = d.lets.get(i) {
            return self.dynamic_type(&l.value, &mut Vec::new());
        }
        let i = i - d.lets.len();
        if let Some(s) = d.scores.get(i) {
            return Ok(ir_type(&s.ty)?);
        }
        let i = i - d.scores.len();
        let t = d
            .tables
            .get(i)
            .ok_or_else(|| LowerError(format!("memo #{i} does not exist")))?;
        Ok(ir_type(&t.ty)?)
    }

    /// The type lowering gives an expression, computed without lowering it
    /// (a let's type may be needed before the let is lowered).
    fn dynamic_type(&mut self, e: &hir::Expr, visiting: &mut Vec<usize>) -> Lower<Ty> {
        let declared = ir_type(&e.ty)?;
        Ok(match &e.kind {
            ExprKind::Const(v) => const_type(v, &declared),
            ExprKind::Let(i) => {
                if visiting.contains(i) {
                    return Err(LowerError("a let depends on itself".into()));
                }
                let d = self
                    .decision
                    .ok_or_else(|| LowerError("no decision".into()))?;
                let l = d
                    .lets
                    .get(*i)
                    .ok_or_else(|| LowerError(format!("let #{i} does not exist")))?;
                visiting.push(*i);
                let inner = self.dynamic_type(&l.value, visiting)?;
                visiting.pop();
                adapted_type(inner, &declared)
            }
            ExprKind::Binary(HirOp::Add | HirOp::Sub | HirOp::Mul | HirOp::Div, a, b) => {
                let (ta, tb) = (
                    self.dynamic_type(a, visiting)?,
                    self.dynamic_type(b, visiting)?,
                );
                match (ta, tb) {
                    (Ty::Int, Ty::Int) => Ty::Int,
                    (Ty::Date, _) | (_, Ty::Date) => Ty::Date,
                    _ => Ty::Dec,
                }
            }
            ExprKind::Neg(a) => self.dynamic_type(a, visiting)?,
            ExprKind::Call(Builtin::Min | Builtin::Max | Builtin::Abs, args) => {
                let mut ty = Ty::Int;
                for a in args {
                    match self.dynamic_type(a, visiting)? {
                        Ty::Int => {}
                        other => ty = other,
                    }
                }
                ty
            }
            ExprKind::List(items) => {
                let mut element = None;
                for item in items {
                    let t = self.dynamic_type(item, visiting)?;
                    element = Some(match element {
                        Some(Ty::Int) | None => t,
                        Some(prev) => prev,
                    });
                }
                match (element, &declared) {
                    (Some(Ty::Int), Ty::List(d)) if **d == Ty::Dec => declared.clone(),
                    (Some(e), _) => e.list(),
                    (None, _) => declared.clone(),
                }
            }
            _ => declared,
        })
    }

    fn rule(&mut self, index: usize, r: &hir::RuleDef) -> Lower<Rule> {
        let applies_to = r
            .applies_to
            .iter()
            .map(|target| match &target.kind {
                ExprKind::Set(i) => Ok(Container::Set(*i as u32)),
                _ => {
                    let e = self.expr(target)?;
                    Ok(Container::List(Box::new(match e.ty {
                        Ty::List(_) => e,
                        ref ty => Expr::new(ty.clone().list(), Node::MakeList(vec![e])),
                    })))
                }
            })
            .collect::<Lower<_>>()?;
        Ok(Rule {
            id: r.id.clone(),
            index,
            mode: r.mode,
            outcome: r.outcome,
            reason: r.reason.clone(),
            effective_from: r.effective_from,
            effective_to: r.effective_to,
            applies_to,
            condition: self.expr(&r.condition)?,
            values: r
                .values
                .iter()
                .map(|(name, v)| Ok((name.clone(), self.expr(v)?)))
                .collect::<Lower<_>>()?,
        })
    }

    fn score(&mut self, s: &hir::ScoreDef) -> Lower<Expr> {
        let ty = ir_type(&s.ty)?;
        let zero = || {
            if ty == Ty::Dec {
                Expr::constant(Ty::Dec, Const::Dec(0))
            } else {
                Expr::constant(Ty::Int, Const::Int(0))
            }
        };
        let mut total = zero();
        for term in &s.terms {
            let weight = self.expr(&term.weight)?;
            let weight = self.convert(weight, &ty)?;
            let counted = match &term.condition {
                Some(c) => {
                    let c = self.expr(c)?;
                    Expr::new(
                        ty.clone(),
                        Node::If(Box::new(c), Box::new(weight), Box::new(zero())),
                    )
                }
                None => weight,
            };
            total = self.arithmetic(HirOp::Add, total, counted)?;
        }
        Ok(total)
    }

    fn decision_table(&mut self, t: &hir::DecisionTableDef) -> Lower<Expr> {
        let result = ir_type(&t.result)?;
        let ty = ir_type(&t.ty)?;
        let inputs = t
            .inputs
            .iter()
            .map(|i| self.expr(i))
            .collect::<Lower<Vec<_>>>()?;
        let mut rows = Vec::with_capacity(t.rows.len());
        for row in &t.rows {
            let cells = row
                .cells
                .iter()
                .map(|c| {
                    Ok(match c {
                        CellDef::Any => Cell::Any,
                        CellDef::OneOf(values) => {
                            Cell::OneOf(values.iter().map(|v| self.expr(v)).collect::<Lower<_>>()?)
                        }
                        CellDef::In(c) => Cell::In(self.container(c)?),
                        CellDef::NotIn(c) => Cell::NotIn(self.container(c)?),
                        CellDef::Compare(op, e) => Cell::Compare(cmp_op(*op)?, self.expr(e)?),
                    })
                })
                .collect::<Lower<_>>()?;
            let value = self.expr(&row.result)?;
            rows.push(TableRow {
                cells,
                result: self.convert(value, &result)?,
            });
        }
        let default = match &t.default {
            Some(d) => {
                let v = self.expr(d)?;
                Some(self.convert(v, &result)?)
            }
            None => None,
        };
        let conflict = match t.hit {
            HitPolicy::Unique => self.error(
                ErrorKind::TableConflict,
                &format!("more than one row of `unique` table `{}` matches", t.name),
            ),
            _ => self.error(
                ErrorKind::TableConflict,
                &format!(
                    "matching rows of `any` table `{}` give different results",
                    t.name
                ),
            ),
        };
        let node_ty = match t.hit {
            HitPolicy::Collect => result.clone().list(),
            _ if default.is_some() => result.clone(),
            _ => result.clone().opt(),
        };
        let table = Expr::new(
            node_ty,
            Node::DecisionTable(Box::new(DecisionTable {
                name: t.name.clone(),
                hit: t.hit,
                inputs,
                rows,
                default,
                result,
                conflict,
            })),
        );
        self.adapt(table, &ty)
    }

    fn container(&mut self, c: &hir::Expr) -> Lower<Container> {
        Ok(match &c.kind {
            ExprKind::Set(i) => Container::Set(*i as u32),
            ExprKind::Table(t) => Container::Table(t.0),
            _ => Container::List(Box::new(self.expr(c)?)),
        })
    }

    /// Lowers an expression; its IR type is the type of the value the
    /// interpreter computes, which may be an Int where the checker says
    /// Decimal (the interpreter converts only at the places [`Self::convert`]
    /// is called) and `T` where the checker narrowed an `optional T`.
    fn expr(&mut self, e: &hir::Expr) -> Lower<Expr> {
        let declared = ir_type(&e.ty)?;
        let lowered = match &e.kind {
            ExprKind::Const(v) => self.constant(v, &declared)?,
            ExprKind::Subject => {
                let d = self
                    .decision
                    .ok_or_else(|| LowerError("no decision".into()))?;
                Expr::new(Ty::Rec(d.schema.0), Node::Subject)
            }
            ExprKind::Context => Expr::new(Ty::Rec(self.program.context.0), Node::Context),
            ExprKind::Local(depth) => {
                let ty = self
                    .locals
                    .len()
                    .checked_sub(*depth as usize + 1)
                    .and_then(|i| self.locals.get(i))
                    .cloned()
                    .ok_or_else(|| LowerError("a quantifier variable out of scope".into()))?;
                Expr::new(ty, Node::Local(*depth))
            }
            ExprKind::Let(i) => self.memo(*i)?,
            ExprKind::Score(i) => {
                let lets = self.decision.map_or(0, |d| d.lets.len());
                self.memo(lets + i)?
            }
            ExprKind::DecisionTable(i) => {
                let before = self.decision.map_or(0, |d| d.lets.len() + d.scores.len());
                self.memo(before + i)?
            }
            ExprKind::Aggregate(i) => Expr::new(Ty::Int, Node::Aggregate(*i as u32)),
            ExprKind::Set(_) | ExprKind::Table(_) => {
                return Err(LowerError("a set or table used as a value".into()));
            }
            ExprKind::Field(base, index) => {
                let base = self.expr(base)?;
                let Ty::Rec(layout) = base.ty else {
                    return Err(LowerError(format!("field access on {}", base.ty)));
                };
                let field = self
                    .layouts
                    .get(layout as usize)
                    .and_then(|l| l.fields.get(*index))
                    .ok_or_else(|| LowerError(format!("field #{index} does not exist")))?;
                Expr::new(field.ty.clone(), Node::Field(Box::new(base), *index as u32))
            }
            ExprKind::Lookup(table, keys) => {
                let def = self
                    .program
                    .tables
                    .get(table.0 as usize)
                    .ok_or_else(|| LowerError("table does not exist".into()))?;
                let keys = keys.iter().map(|k| self.expr(k)).collect::<Lower<_>>()?;
                Expr::new(Ty::Rec(def.row.0).opt(), Node::Lookup(table.0, keys))
            }
            ExprKind::Call(builtin, args) => self.call(*builtin, args)?,
            ExprKind::Not(inner) => {
                let inner = self.expr(inner)?;
                Expr::new(Ty::Bool, Node::Unary(UnOp::Not, Box::new(inner)))
            }
            ExprKind::Neg(inner) => {
                let inner = self.expr(inner)?;
                let err = self.overflow("negation");
                let op = match inner.ty {
                    Ty::Int => UnOp::IntNeg(err),
                    Ty::Dec => UnOp::DecNeg(err),
                    ref other => return Err(LowerError(format!("negation of {other}"))),
                };
                Expr::new(inner.ty.clone(), Node::Unary(op, Box::new(inner)))
            }
            ExprKind::Binary(op, l, r) => self.binary(*op, l, r, &declared)?,
            ExprKind::Presence(inner, present) => {
                let inner = self.expr(inner)?;
                let inner = match inner.ty {
                    Ty::Opt(_) => inner,
                    // Narrowed already: present for sure.
                    _ => {
                        let target = inner.ty.clone().opt();
                        self.convert(inner, &target)?
                    }
                };
                let test = Expr::new(Ty::Bool, Node::Unary(UnOp::IsPresent, Box::new(inner)));
                if *present {
                    test
                } else {
                    Expr::new(Ty::Bool, Node::Unary(UnOp::Not, Box::new(test)))
                }
            }
            ExprKind::If(c, a, b) => {
                let c = self.expr(c)?;
                let a = self.expr(a)?;
                let b = self.expr(b)?;
                let a = self.convert(a, &declared)?;
                let b = self.convert(b, &declared)?;
                Expr::new(
                    declared.clone(),
                    Node::If(Box::new(c), Box::new(a), Box::new(b)),
                )
            }
            ExprKind::Quantifier { kind, over, body } => {
                let over = self.expr(over)?;
                let Ty::List(element) = over.ty.clone() else {
                    return Err(LowerError(format!("a quantifier over {}", over.ty)));
                };
                self.locals.push(*element);
                let body = self.expr(body);
                self.locals.pop();
                let ty = match kind {
                    lintas_syntax::ast::QuantifierKind::Count => Ty::Int,
                    _ => Ty::Bool,
                };
                Expr::new(
                    ty,
                    Node::Quantifier {
                        kind: *kind,
                        over: Box::new(over),
                        body: Box::new(body?),
                    },
                )
            }
            ExprKind::List(items) => {
                let element = match &declared {
                    Ty::List(e) => (**e).clone(),
                    other => return Err(LowerError(format!("a list literal of type {other}"))),
                };
                let items = items
                    .iter()
                    .map(|i| self.expr(i))
                    .collect::<Lower<Vec<_>>>()?;
                // A list holds one type: Ints among Decimals become Decimals.
                let element = if items.iter().all(|i| i.ty.without_opt() == &Ty::Int) {
                    match element {
                        Ty::Dec => Ty::Int,
                        Ty::Opt(inner) if *inner == Ty::Dec => Ty::Int.opt(),
                        other => other,
                    }
                } else {
                    element
                };
                let items = items
                    .into_iter()
                    .map(|i| self.convert(i, &element))
                    .collect::<Lower<_>>()?;
                Expr::new(element.list(), Node::MakeList(items))
            }
            // The checker allows record literals only in tests, contexts
            // and reference data, never in what a decision evaluates.
            ExprKind::Record(..) => {
                return Err(LowerError("a record literal in a decision".into()));
            }
        };
        self.adapt(lowered, &declared)
    }

    fn memo(&mut self, i: usize) -> Lower<Expr> {
        let ty = self
            .memo_types
            .get(i)
            .cloned()
            .flatten()
            .ok_or_else(|| LowerError(format!("memo #{i} has no type")))?;
        Ok(Expr::new(ty, Node::Memo(i as u32)))
    }

    fn constant(&mut self, v: &Value, declared: &Ty) -> Lower<Expr> {
        let ty = const_type(v, declared);
        let c = match v {
            Value::Bool(b) => Const::Bool(*b),
            Value::Int(i) => Const::Int(*i),
            Value::Decimal(d) => Const::Dec(*d),
            Value::Date(d) => Const::Date(*d),
            Value::Duration { months, days } => Const::Dur {
                months: *months,
                days: *days,
            },
            Value::Country(c) => Const::Country(
                self.interner
                    .country(c)
                    .ok_or_else(|| LowerError(format!("`{c}` is not a country")))?,
            ),
            Value::Enum(_, index) => Const::Enum(*index),
            Value::Text(t) => Const::Text(
                self.interner
                    .text(t)
                    .ok_or_else(|| LowerError(format!("text `{t}` was not interned")))?,
            ),
            Value::Absent => Const::Absent,
            // Composite constants only come from record literals, which
            // decisions cannot contain (see `expr`).
            Value::Record(_) | Value::List(_) => {
                return Err(LowerError("a composite constant in a decision".into()));
            }
        };
        Ok(Expr::constant(ty, c))
    }

    fn call(&mut self, builtin: Builtin, args: &[hir::Expr]) -> Lower<Expr> {
        let args = args
            .iter()
            .map(|a| self.expr(a))
            .collect::<Lower<Vec<_>>>()?;
        let (intrinsic, ty) = match builtin {
            Builtin::YearsBetween => (Intrinsic::YearsBetween, Ty::Int),
            Builtin::MonthsBetween => (Intrinsic::MonthsBetween, Ty::Int),
            Builtin::DaysBetween => (Intrinsic::DaysBetween, Ty::Int),
            Builtin::Days => (Intrinsic::Days, Ty::Dur),
            Builtin::Weeks => (Intrinsic::Weeks(self.overflow("the duration")), Ty::Dur),
            Builtin::Months => (Intrinsic::Months, Ty::Dur),
            Builtin::Years => (Intrinsic::Years(self.overflow("the duration")), Ty::Dur),
            Builtin::Size => (Intrinsic::Size, Ty::Int),
            Builtin::Lower => (Intrinsic::Lower, Ty::Text),
            Builtin::Upper => (Intrinsic::Upper, Ty::Text),
            Builtin::NameKey => (Intrinsic::NameKey, Ty::Text),
            Builtin::Length => (Intrinsic::Length, Ty::Int),
            Builtin::Contains => (Intrinsic::Contains, Ty::Bool),
            Builtin::StartsWith => (Intrinsic::StartsWith, Ty::Bool),
            Builtin::NameSimilarity => (Intrinsic::NameSimilarity, Ty::Dec),
            Builtin::Min | Builtin::Max => {
                let ty = match args.iter().map(|a| &a.ty).find(|t| **t != Ty::Int) {
                    Some(t) => t.clone(),
                    None => Ty::Int,
                };
                let i = if builtin == Builtin::Min {
                    Intrinsic::Min
                } else {
                    Intrinsic::Max
                };
                (i, ty)
            }
            Builtin::Abs => {
                let [arg] = <[Expr; 1]>::try_from(args)
                    .map_err(|_| LowerError("abs takes one argument".into()))?;
                let err = self.overflow("abs");
                let op = match arg.ty {
                    Ty::Int => UnOp::IntAbs(err),
                    Ty::Dec => UnOp::DecAbs(err),
                    ref other => return Err(LowerError(format!("abs of {other}"))),
                };
                return Ok(Expr::new(arg.ty.clone(), Node::Unary(op, Box::new(arg))));
            }
        };
        Ok(Expr::new(ty, Node::Call(intrinsic, args)))
    }

    fn binary(&mut self, op: HirOp, l: &hir::Expr, r: &hir::Expr, declared: &Ty) -> Lower<Expr> {
        match op {
            HirOp::And | HirOp::Or => {
                let (a, b) = (self.expr(l)?, self.expr(r)?);
                let node = if op == HirOp::And {
                    Node::And(Box::new(a), Box::new(b))
                } else {
                    Node::Or(Box::new(a), Box::new(b))
                };
                Ok(Expr::new(Ty::Bool, node))
            }
            HirOp::Otherwise => {
                let a = self.expr(l)?;
                let b = self.expr(r)?;
                let target = declared.clone();
                let Ty::Opt(inner) = a.ty.clone() else {
                    // Narrowed: always present.
                    return self.convert(a, &target);
                };
                if *inner == *target.without_opt() && b.ty == target {
                    return Ok(Expr::new(target, Node::Otherwise(Box::new(a), Box::new(b))));
                }
                // The present value needs converting: test, then unwrap.
                let unwrap = self.internal("a presence test");
                let present =
                    Expr::new(Ty::Bool, Node::Unary(UnOp::IsPresent, Box::new(a.clone())));
                let value = Expr::new(
                    (*inner).clone(),
                    Node::Unary(UnOp::Unwrap(unwrap), Box::new(a)),
                );
                let value = self.convert(value, &target)?;
                let b = self.convert(b, &target)?;
                Ok(Expr::new(
                    target,
                    Node::If(Box::new(present), Box::new(value), Box::new(b)),
                ))
            }
            HirOp::In | HirOp::NotIn => {
                let needle = self.expr(l)?;
                let container = self.container(r)?;
                let member = Expr::new(Ty::Bool, Node::Member(Box::new(needle), container));
                Ok(if op == HirOp::In {
                    member
                } else {
                    Expr::new(Ty::Bool, Node::Unary(UnOp::Not, Box::new(member)))
                })
            }
            HirOp::Eq | HirOp::Ne | HirOp::Lt | HirOp::Le | HirOp::Gt | HirOp::Ge => {
                let (a, b) = (self.expr(l)?, self.expr(r)?);
                Ok(Expr::new(
                    Ty::Bool,
                    Node::Compare(cmp_op(op)?, Box::new(a), Box::new(b)),
                ))
            }
            HirOp::Add | HirOp::Sub | HirOp::Mul | HirOp::Div => {
                let (a, b) = (self.expr(l)?, self.expr(r)?);
                self.arithmetic(op, a, b)
            }
        }
    }

    fn arithmetic(&mut self, op: HirOp, a: Expr, b: Expr) -> Lower<Expr> {
        let (ta, tb) = (a.ty.clone(), b.ty.clone());
        let (ir_op, ty) = match (&ta, &tb) {
            (Ty::Int, Ty::Int) => (
                match op {
                    HirOp::Add => BinOp::IntAdd(self.overflow("addition")),
                    HirOp::Sub => BinOp::IntSub(self.overflow("subtraction")),
                    HirOp::Mul => BinOp::IntMul(self.overflow("multiplication")),
                    _ => BinOp::IntDiv(
                        self.error(ErrorKind::DivisionByZero, "division by zero"),
                        self.overflow("division"),
                    ),
                },
                Ty::Int,
            ),
            (Ty::Date, Ty::Dur) | (Ty::Dur, Ty::Date) => {
                let err = self.error(
                    ErrorKind::DateOutOfRange,
                    "the date leaves years 0001 to 9999",
                );
                match op {
                    HirOp::Add => (BinOp::DateAdd(err), Ty::Date),
                    HirOp::Sub if ta == Ty::Date => (BinOp::DateSub(err), Ty::Date),
                    _ => return Err(LowerError("a duration minus a date".into())),
                }
            }
            (Ty::Int | Ty::Dec, Ty::Int | Ty::Dec) => (
                {
                    let err = self.overflow("decimal arithmetic");
                    match op {
                        HirOp::Add => BinOp::DecAdd(err),
                        HirOp::Sub => BinOp::DecSub(err),
                        HirOp::Mul => BinOp::DecMul(err),
                        _ => BinOp::DecDiv(
                            self.error(ErrorKind::DivisionByZero, "division by zero"),
                            err,
                        ),
                    }
                },
                Ty::Dec,
            ),
            _ => return Err(LowerError(format!("arithmetic on {ta} and {tb}"))),
        };
        // Operands keep their evaluation order: `6 months + d` evaluates
        // the duration first, and the backend adds it either way round.
        Ok(Expr::new(ty, Node::Binary(ir_op, Box::new(a), Box::new(b))))
    }

    /// Converts where the interpreter converts: Int to Decimal, and any
    /// value into an optional slot.
    fn convert(&mut self, e: Expr, target: &Ty) -> Lower<Expr> {
        if e.ty == *target {
            return Ok(e);
        }
        match (&e.ty, target) {
            (Ty::Int, Ty::Dec) => Ok(Expr::new(
                Ty::Dec,
                Node::Unary(UnOp::IntToDec(INT_TO_DEC), Box::new(e)),
            )),
            (Ty::Opt(inner), Ty::Opt(t)) if **inner == Ty::Int && **t == Ty::Dec => {
                let unwrap = self.internal("a presence test");
                let present =
                    Expr::new(Ty::Bool, Node::Unary(UnOp::IsPresent, Box::new(e.clone())));
                let value = Expr::new(Ty::Int, Node::Unary(UnOp::Unwrap(unwrap), Box::new(e)));
                let value = self.convert(value, target)?;
                Ok(Expr::new(
                    target.clone(),
                    Node::If(
                        Box::new(present),
                        Box::new(value),
                        Box::new(Expr::constant(target.clone(), Const::Absent)),
                    ),
                ))
            }
            (_, Ty::Opt(t)) if !matches!(e.ty, Ty::Opt(_)) => {
                let inner = self.convert(e, t)?;
                Ok(Expr::new(
                    target.clone(),
                    Node::Unary(UnOp::Wrap, Box::new(inner)),
                ))
            }
            _ => self.adapt(e, target),
        }
    }

    /// Changes only representation, never the value: unwraps what the
    /// checker narrowed, wraps what flows into an optional slot, and
    /// converts an absent constant to the slot's optional type.
    fn adapt(&mut self, e: Expr, declared: &Ty) -> Lower<Expr> {
        if e.ty == *declared || same_shape(&e.ty, declared) {
            return Ok(e);
        }
        match (&e.ty, declared) {
            (Ty::Opt(inner), t) if !matches!(t, Ty::Opt(_)) && same_shape(inner, t) => {
                let err = self.internal("a narrowed optional value");
                let inner = (**inner).clone();
                Ok(Expr::new(
                    inner,
                    Node::Unary(UnOp::Unwrap(err), Box::new(e)),
                ))
            }
            (Ty::Opt(_), Ty::Opt(_)) if e.node == Node::Const(Const::Absent) => {
                Ok(Expr::constant(declared.clone(), Const::Absent))
            }
            // Lists, optional Ints where Decimals are declared: the value
            // stays what the interpreter computes.
            _ => Ok(e),
        }
    }
}

/// Whether two types differ only where the interpreter keeps an Int in a
/// Decimal slot.
fn same_shape(actual: &Ty, declared: &Ty) -> bool {
    match (actual, declared) {
        (Ty::Int, Ty::Dec) => true,
        (Ty::Opt(a), Ty::Opt(b)) | (Ty::List(a), Ty::List(b)) => same_shape(a, b),
        (a, b) => a == b,
    }
}

fn adapted_type(actual: Ty, declared: &Ty) -> Ty {
    match (&actual, declared) {
        (Ty::Opt(inner), t) if !matches!(t, Ty::Opt(_)) && same_shape(inner, t) => {
            (**inner).clone()
        }
        (Ty::Opt(_), Ty::Opt(_)) => actual,
        _ => actual,
    }
}

fn const_type(v: &Value, declared: &Ty) -> Ty {
    match (v, declared) {
        (Value::Int(_), Ty::Opt(_)) => Ty::Int,
        (Value::Int(_), _) => Ty::Int,
        (Value::Decimal(_), _) => Ty::Dec,
        (Value::Absent, Ty::Opt(_)) => declared.clone(),
        (Value::Absent, other) => other.clone().opt(),
        (_, Ty::Opt(inner)) => (**inner).clone(),
        _ => declared.clone(),
    }
}

fn cmp_op(op: HirOp) -> Lower<CmpOp> {
    Ok(match op {
        HirOp::Eq => CmpOp::Eq,
        HirOp::Ne => CmpOp::Ne,
        HirOp::Lt => CmpOp::Lt,
        HirOp::Le => CmpOp::Le,
        HirOp::Gt => CmpOp::Gt,
        HirOp::Ge => CmpOp::Ge,
        other => return Err(LowerError(format!("`{other:?}` is not a comparison"))),
    })
}
