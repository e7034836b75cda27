//! Evaluation of checked expressions. This is the reference semantics of
//! Lintas (docs/language.md, "Evaluation"): simple on purpose, so that the
//! native and WASM backends can be tested against it.

use lintas_check::calendar;
use lintas_check::hir::{Builtin, CellDef, DecisionDef, DecisionTableDef, Expr, ExprKind, Program};
use lintas_check::types::Ty;
use lintas_check::value::{DECIMAL_ONE, Value};
use lintas_syntax::Span;
use lintas_syntax::ast::{BinOp, HitPolicy, QuantifierKind};
use serde::Serialize;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvalErrorKind {
    /// Int or Decimal arithmetic left the 64-bit range.
    Overflow,
    DivisionByZero,
    /// A date outside years 1 to 9999.
    DateOutOfRange,
    /// A `unique` decision table with two matching rows, or an `any` table
    /// whose matching rows disagree.
    TableConflict,
    /// A manifest aggregate could not be computed (a member failed to
    /// decode or its key failed to evaluate).
    AggregateUnavailable,
    /// A value of the wrong shape reached an operation: a checker bug.
    Internal,
}

impl EvalErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EvalErrorKind::Overflow => "overflow",
            EvalErrorKind::DivisionByZero => "division_by_zero",
            EvalErrorKind::DateOutOfRange => "date_out_of_range",
            EvalErrorKind::TableConflict => "table_conflict",
            EvalErrorKind::AggregateUnavailable => "aggregate_unavailable",
            EvalErrorKind::Internal => "internal",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvalError {
    pub kind: EvalErrorKind,
    pub message: String,
}

impl EvalError {
    fn new(kind: EvalErrorKind, message: impl Into<String>) -> EvalError {
        EvalError {
            kind,
            message: message.into(),
        }
    }

    fn overflow(what: &str) -> EvalError {
        EvalError::new(EvalErrorKind::Overflow, format!("{what} overflows 64 bits"))
    }

    fn internal(what: &str) -> EvalError {
        EvalError::new(
            EvalErrorKind::Internal,
            format!("unexpected value in {what}"),
        )
    }
}

pub type Eval<T> = Result<T, EvalError>;

/// One condition atom observed during evaluation (a comparison, a presence
/// test, a membership test, a quantifier, a Bool field or value), for
/// explanations and branch coverage.
#[derive(Debug, Clone)]
pub struct Atom {
    pub span: Span,
    /// The values the atom compared, with the span of the expression each
    /// came from.
    pub operands: Vec<(Span, Value)>,
    pub result: bool,
}

/// Lookup structures built once per program.
pub struct Tables {
    /// Per reference table: key values to row index.
    index: Vec<HashMap<Vec<Value>, usize>>,
}

impl Tables {
    pub fn new(program: &Program) -> Tables {
        let index = program
            .tables
            .iter()
            .map(|t| {
                t.rows
                    .iter()
                    .enumerate()
                    .filter_map(|(i, row)| match row {
                        Value::Record(cells) => Some((
                            t.keys
                                .iter()
                                .filter_map(|k| cells.get(*k).cloned())
                                .collect(),
                            i,
                        )),
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        Tables { index }
    }
}

/// Everything one decision's evaluation of one record can see.
pub struct Frame<'a> {
    pub program: &'a Program,
    pub tables: &'a Tables,
    pub decision: &'a DecisionDef,
    pub subject: &'a Value,
    pub context: &'a Value,
    /// Per aggregate of a manifest decision, this member's count.
    pub aggregates: &'a [Eval<i64>],
    lets: RefCell<Vec<Option<Eval<Value>>>>,
    scores: RefCell<Vec<Option<Eval<Value>>>>,
    decision_tables: RefCell<Vec<Option<Eval<Value>>>>,
    trace: Option<RefCell<Vec<Atom>>>,
}

impl<'a> Frame<'a> {
    pub fn new(
        program: &'a Program,
        tables: &'a Tables,
        decision: &'a DecisionDef,
        subject: &'a Value,
        context: &'a Value,
        aggregates: &'a [Eval<i64>],
        tracing: bool,
    ) -> Frame<'a> {
        Frame {
            program,
            tables,
            decision,
            subject,
            context,
            aggregates,
            lets: RefCell::new(vec![None; decision.lets.len()]),
            scores: RefCell::new(vec![None; decision.scores.len()]),
            decision_tables: RefCell::new(vec![None; decision.tables.len()]),
            trace: tracing.then(|| RefCell::new(Vec::new())),
        }
    }

    /// Takes the atoms observed since the last call.
    pub fn take_trace(&self) -> Vec<Atom> {
        self.trace
            .as_ref()
            .map(|t| std::mem::take(&mut *t.borrow_mut()))
            .unwrap_or_default()
    }

    fn observe(&self, span: Span, operands: Vec<(Span, Value)>, result: bool) {
        if let Some(trace) = &self.trace {
            trace.borrow_mut().push(Atom {
                span,
                operands,
                result,
            });
        }
    }

    pub fn condition(&self, e: &Expr) -> Eval<bool> {
        as_bool(&self.eval(e, &mut Vec::new())?)
    }

    pub fn value(&self, e: &Expr) -> Eval<Value> {
        self.eval(e, &mut Vec::new())
    }

    /// The value of a score, for explanations: each term's contribution.
    pub fn score_terms(&self, index: usize) -> Eval<Vec<(String, Value)>> {
        let Some(score) = self.decision.scores.get(index) else {
            return Err(EvalError::internal("score"));
        };
        let mut out = Vec::new();
        for term in &score.terms {
            let counts = match &term.condition {
                Some(c) => self.condition(c)?,
                None => true,
            };
            let v = if counts {
                self.value(&term.weight)?
            } else {
                zero(&score.ty)
            };
            out.push((term.name.clone(), v));
        }
        Ok(out)
    }

    pub fn eval(&self, e: &Expr, locals: &mut Vec<Value>) -> Eval<Value> {
        let value = match &e.kind {
            ExprKind::Const(v) => v.clone(),
            ExprKind::Subject => self.subject.clone(),
            ExprKind::Context => self.context.clone(),
            ExprKind::Local(depth) => {
                let index = locals
                    .len()
                    .checked_sub(*depth as usize + 1)
                    .ok_or_else(|| EvalError::internal("a quantifier variable"))?;
                locals
                    .get(index)
                    .cloned()
                    .ok_or_else(|| EvalError::internal("a quantifier variable"))?
            }
            ExprKind::Let(i) => memo(&self.lets, *i, || {
                let def = self
                    .decision
                    .lets
                    .get(*i)
                    .ok_or_else(|| EvalError::internal("let"))?;
                self.eval(&def.value, &mut Vec::new())
            })?,
            ExprKind::Score(i) => memo(&self.scores, *i, || self.score(*i))?,
            ExprKind::DecisionTable(i) => memo(&self.decision_tables, *i, || {
                let def = self
                    .decision
                    .tables
                    .get(*i)
                    .ok_or_else(|| EvalError::internal("decision table"))?;
                self.decision_table(def)
            })?,
            ExprKind::Aggregate(i) => match self.aggregates.get(*i) {
                Some(Ok(n)) => Value::Int(*n),
                Some(Err(e)) => return Err(e.clone()),
                None => {
                    return Err(EvalError::new(
                        EvalErrorKind::AggregateUnavailable,
                        "aggregates exist only when a whole manifest is screened",
                    ));
                }
            },
            // Sets and tables are only ever operands of `in` and lookups.
            ExprKind::Set(_) | ExprKind::Table(_) => {
                return Err(EvalError::internal("a set used as a value"));
            }
            ExprKind::Field(base, index) => {
                let base = self.eval(base, locals)?;
                match base {
                    Value::Record(mut fields) if *index < fields.len() => {
                        fields.swap_remove(*index)
                    }
                    _ => return Err(EvalError::internal("field access")),
                }
            }
            ExprKind::Lookup(table, keys) => {
                let keys = keys
                    .iter()
                    .map(|k| self.eval(k, locals))
                    .collect::<Eval<Vec<_>>>()?;
                let Some(def) = self.program.tables.get(table.0 as usize) else {
                    return Err(EvalError::internal("table"));
                };
                let keys: Option<Vec<Value>> = keys
                    .iter()
                    .zip(&def.keys)
                    .map(|(k, column)| as_key(k, &column_type(self.program, def.row, *column)))
                    .collect();
                let row = keys
                    .and_then(|keys| self.tables.index.get(table.0 as usize)?.get(&keys).copied())
                    .and_then(|row| def.rows.get(row));
                row.cloned().unwrap_or(Value::Absent)
            }
            ExprKind::Call(builtin, args) => {
                let args = args
                    .iter()
                    .map(|a| self.eval(a, locals))
                    .collect::<Eval<Vec<_>>>()?;
                call(*builtin, args)?
            }
            ExprKind::Not(inner) => Value::Bool(!as_bool(&self.eval(inner, locals)?)?),
            ExprKind::Neg(inner) => match self.eval(inner, locals)? {
                Value::Int(i) => Value::Int(
                    i.checked_neg()
                        .ok_or_else(|| EvalError::overflow("negation"))?,
                ),
                Value::Decimal(d) => Value::Decimal(
                    d.checked_neg()
                        .ok_or_else(|| EvalError::overflow("negation"))?,
                ),
                _ => return Err(EvalError::internal("negation")),
            },
            ExprKind::Binary(op, l, r) => return self.binary(*op, l, r, e, locals),
            ExprKind::Presence(inner, present) => {
                let v = self.eval(inner, locals)?;
                let is_present = !matches!(v, Value::Absent);
                let result = is_present == *present;
                self.observe(e.span, vec![(inner.span, v)], result);
                return Ok(Value::Bool(result));
            }
            ExprKind::If(c, a, b) => {
                let taken = if as_bool(&self.eval(c, locals)?)? {
                    a
                } else {
                    b
                };
                // Both branches give the node's type (an Int branch of a
                // Decimal `if` becomes a Decimal).
                coerce(self.eval(taken, locals)?, &e.ty)?
            }
            ExprKind::Quantifier { kind, over, body } => {
                let Value::List(items) = self.eval(over, locals)? else {
                    return Err(EvalError::internal("quantifier"));
                };
                let mut count = 0i64;
                let mut decided = None;
                for item in items {
                    locals.push(item);
                    let holds = self.eval(body, locals).and_then(|v| as_bool(&v));
                    locals.pop();
                    let holds = holds?;
                    match kind {
                        QuantifierKind::Any if holds => {
                            decided = Some(true);
                            break;
                        }
                        QuantifierKind::All if !holds => {
                            decided = Some(false);
                            break;
                        }
                        QuantifierKind::Count if holds => count += 1,
                        _ => {}
                    }
                }
                let result = match kind {
                    QuantifierKind::Any => Value::Bool(decided.unwrap_or(false)),
                    QuantifierKind::All => Value::Bool(decided.unwrap_or(true)),
                    QuantifierKind::Count => return Ok(Value::Int(count)),
                };
                if let Value::Bool(b) = result {
                    self.observe(e.span, Vec::new(), b);
                }
                result
            }
            ExprKind::List(items) => Value::List(
                items
                    .iter()
                    .map(|i| self.eval(i, locals))
                    .collect::<Eval<_>>()?,
            ),
            ExprKind::Record(_, fields) => Value::Record(
                fields
                    .iter()
                    .map(|f| self.eval(f, locals))
                    .collect::<Eval<_>>()?,
            ),
        };
        // Bool values that are not built from other conditions are atoms.
        if let Value::Bool(b) = value
            && is_atom(e)
        {
            self.observe(e.span, Vec::new(), b);
        }
        Ok(value)
    }

    fn binary(
        &self,
        op: BinOp,
        l: &Expr,
        r: &Expr,
        whole: &Expr,
        locals: &mut Vec<Value>,
    ) -> Eval<Value> {
        match op {
            BinOp::And => {
                if !as_bool(&self.eval(l, locals)?)? {
                    return Ok(Value::Bool(false));
                }
                return Ok(Value::Bool(as_bool(&self.eval(r, locals)?)?));
            }
            BinOp::Or => {
                if as_bool(&self.eval(l, locals)?)? {
                    return Ok(Value::Bool(true));
                }
                return Ok(Value::Bool(as_bool(&self.eval(r, locals)?)?));
            }
            BinOp::Otherwise => {
                let v = self.eval(l, locals)?;
                let v = if matches!(v, Value::Absent) {
                    self.eval(r, locals)?
                } else {
                    v
                };
                return coerce(v, &whole.ty);
            }
            BinOp::In | BinOp::NotIn => {
                let needle = self.eval(l, locals)?;
                let found = self.contains(r, &needle, locals)?;
                let result = found == (op == BinOp::In);
                self.observe(whole.span, vec![(l.span, needle)], result);
                return Ok(Value::Bool(result));
            }
            _ => {}
        }
        let a = self.eval(l, locals)?;
        let b = self.eval(r, locals)?;
        if matches!(op, BinOp::Eq | BinOp::Ne) && (a == Value::Absent || b == Value::Absent) {
            // An absent optional equals only another absent one.
            let result = (a == b) == (op == BinOp::Eq);
            self.observe(whole.span, vec![(l.span, a), (r.span, b)], result);
            return Ok(Value::Bool(result));
        }
        if op.is_comparison() {
            let ordering = compare(&a, &b)?;
            let result = match op {
                BinOp::Eq => ordering == Ordering::Equal,
                BinOp::Ne => ordering != Ordering::Equal,
                BinOp::Lt => ordering == Ordering::Less,
                BinOp::Le => ordering != Ordering::Greater,
                BinOp::Gt => ordering == Ordering::Greater,
                _ => ordering != Ordering::Less,
            };
            self.observe(whole.span, vec![(l.span, a), (r.span, b)], result);
            return Ok(Value::Bool(result));
        }
        arithmetic(op, a, b)
    }

    /// Whether `needle` is in the set, list or (single-key) table `container`.
    fn contains(&self, container: &Expr, needle: &Value, locals: &mut Vec<Value>) -> Eval<bool> {
        match &container.kind {
            ExprKind::Set(i) => {
                let set = self
                    .program
                    .sets
                    .get(*i)
                    .ok_or_else(|| EvalError::internal("set"))?;
                Ok(as_key(needle, &set.element)
                    .is_some_and(|k| set.values.binary_search(&k).is_ok()))
            }
            ExprKind::Table(t) => {
                let def = self
                    .program
                    .tables
                    .get(t.0 as usize)
                    .ok_or_else(|| EvalError::internal("table"))?;
                let key = def.keys.first().copied().unwrap_or(0);
                let Some(needle) = as_key(needle, &column_type(self.program, def.row, key)) else {
                    return Ok(false);
                };
                Ok(self
                    .tables
                    .index
                    .get(t.0 as usize)
                    .is_some_and(|index| index.contains_key(&vec![needle])))
            }
            _ => {
                let Value::List(items) = self.eval(container, locals)? else {
                    return Err(EvalError::internal("membership"));
                };
                for item in &items {
                    if compare(needle, item)? == Ordering::Equal {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
        }
    }

    fn score(&self, index: usize) -> Eval<Value> {
        let score = self
            .decision
            .scores
            .get(index)
            .ok_or_else(|| EvalError::internal("score"))?;
        let mut total = zero(&score.ty);
        for term in &score.terms {
            let counts = match &term.condition {
                Some(c) => self.condition(c)?,
                None => true,
            };
            if counts {
                let weight = self.value(&term.weight)?;
                total = arithmetic(BinOp::Add, total, weight)?;
            }
        }
        Ok(total)
    }

    fn decision_table(&self, def: &DecisionTableDef) -> Eval<Value> {
        let inputs = def
            .inputs
            .iter()
            .map(|i| self.value(i))
            .collect::<Eval<Vec<_>>>()?;
        let mut matches: Vec<Value> = Vec::new();
        for row in &def.rows {
            let mut all = true;
            for (cell, input) in row.cells.iter().zip(&inputs) {
                if !self.cell_matches(cell, input)? {
                    all = false;
                    break;
                }
            }
            if !all {
                continue;
            }
            let result = coerce(self.value(&row.result)?, &def.result)?;
            match def.hit {
                HitPolicy::First => return Ok(result),
                HitPolicy::Unique if !matches.is_empty() => {
                    return Err(EvalError::new(
                        EvalErrorKind::TableConflict,
                        format!("more than one row of `unique` table `{}` matches", def.name),
                    ));
                }
                HitPolicy::Any
                    if matches
                        .first()
                        .is_some_and(|m| compare(m, &result).ok() != Some(Ordering::Equal)) =>
                {
                    return Err(EvalError::new(
                        EvalErrorKind::TableConflict,
                        format!(
                            "matching rows of `any` table `{}` give different results",
                            def.name
                        ),
                    ));
                }
                _ => matches.push(result),
            }
        }
        if def.hit == HitPolicy::Collect {
            return Ok(Value::List(matches));
        }
        if let Some(first) = matches.into_iter().next() {
            return Ok(first);
        }
        match &def.default {
            Some(d) => coerce(self.value(d)?, &def.result),
            None => Ok(Value::Absent),
        }
    }

    fn cell_matches(&self, cell: &CellDef, input: &Value) -> Eval<bool> {
        Ok(match cell {
            CellDef::Any => true,
            CellDef::OneOf(values) => {
                for v in values {
                    if compare(input, &self.value(v)?)? == Ordering::Equal {
                        return Ok(true);
                    }
                }
                false
            }
            CellDef::In(c) => self.contains(c, input, &mut Vec::new())?,
            CellDef::NotIn(c) => !self.contains(c, input, &mut Vec::new())?,
            CellDef::Compare(op, e) => {
                let o = compare(input, &self.value(e)?)?;
                match op {
                    BinOp::Lt => o == Ordering::Less,
                    BinOp::Le => o != Ordering::Greater,
                    BinOp::Gt => o == Ordering::Greater,
                    BinOp::Ge => o != Ordering::Less,
                    BinOp::Ne => o != Ordering::Equal,
                    _ => o == Ordering::Equal,
                }
            }
        })
    }
}

/// Conditions built from other conditions are not atoms; everything else
/// of type Bool is.
fn is_atom(e: &Expr) -> bool {
    e.ty == Ty::Bool
        && !matches!(
            e.kind,
            ExprKind::Not(_)
                | ExprKind::Binary(BinOp::And | BinOp::Or, _, _)
                | ExprKind::If(..)
                | ExprKind::Const(_)
                | ExprKind::Quantifier { .. }
                | ExprKind::Presence(..)
        )
        && !matches!(&e.kind, ExprKind::Binary(op, _, _) if op.is_comparison())
}

fn memo(
    cache: &RefCell<Vec<Option<Eval<Value>>>>,
    index: usize,
    compute: impl FnOnce() -> Eval<Value>,
) -> Eval<Value> {
    if let Some(Some(v)) = cache.borrow().get(index) {
        return v.clone();
    }
    let v = compute();
    if let Some(slot) = cache.borrow_mut().get_mut(index) {
        *slot = Some(v.clone());
    }
    v
}

fn zero(ty: &Ty) -> Value {
    if *ty == Ty::Decimal {
        Value::Decimal(0)
    } else {
        Value::Int(0)
    }
}

pub fn as_bool(v: &Value) -> Eval<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        _ => Err(EvalError::internal("a condition")),
    }
}

/// An Int where a Decimal is expected becomes a Decimal; one too large to
/// be a Decimal is an overflow, never a silently kept Int.
pub fn coerce(v: Value, ty: &Ty) -> Eval<Value> {
    match (v, ty.without_optional()) {
        (Value::Int(i), Ty::Decimal) => i
            .checked_mul(DECIMAL_ONE)
            .map(Value::Decimal)
            .ok_or_else(|| EvalError::overflow("converting an Int to a Decimal")),
        (v, _) => Ok(v),
    }
}

/// `v` as a key of type `ty` for an exact lookup, or `None` when no key of
/// that type can equal it (2.5 in a set of Ints, an Int too large for a
/// Decimal set).
pub fn as_key(v: &Value, ty: &Ty) -> Option<Value> {
    match (v, ty.without_optional()) {
        (Value::Int(i), Ty::Decimal) => i.checked_mul(DECIMAL_ONE).map(Value::Decimal),
        (Value::Decimal(d), Ty::Int) => {
            (d % DECIMAL_ONE == 0).then_some(Value::Int(d / DECIMAL_ONE))
        }
        (v, _) => Some(v.clone()),
    }
}

fn column_type(program: &Program, row: lintas_check::types::RecordId, column: usize) -> Ty {
    program
        .records
        .get(row.0 as usize)
        .and_then(|r| r.fields.get(column))
        .map_or(Ty::Error, |f| f.ty.clone())
}

/// Orders two values of comparable types (Int and Decimal mix).
pub fn compare(a: &Value, b: &Value) -> Eval<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Decimal(y)) => Ok(i128::from(*x)
            .saturating_mul(i128::from(DECIMAL_ONE))
            .cmp(&i128::from(*y))),
        (Value::Decimal(x), Value::Int(y)) => {
            Ok(i128::from(*x).cmp(&i128::from(*y).saturating_mul(i128::from(DECIMAL_ONE))))
        }
        (a, b) if std::mem::discriminant(a) == std::mem::discriminant(b) => Ok(a.cmp(b)),
        _ => Err(EvalError::internal("a comparison")),
    }
}

pub fn arithmetic(op: BinOp, a: Value, b: Value) -> Eval<Value> {
    use Value::{Date, Decimal, Duration, Int};
    Ok(match (op, a, b) {
        (BinOp::Add, Int(x), Int(y)) => Int(x
            .checked_add(y)
            .ok_or_else(|| EvalError::overflow("addition"))?),
        (BinOp::Sub, Int(x), Int(y)) => Int(x
            .checked_sub(y)
            .ok_or_else(|| EvalError::overflow("subtraction"))?),
        (BinOp::Mul, Int(x), Int(y)) => Int(x
            .checked_mul(y)
            .ok_or_else(|| EvalError::overflow("multiplication"))?),
        (BinOp::Div, Int(x), Int(y)) => {
            if y == 0 {
                return Err(EvalError::new(
                    EvalErrorKind::DivisionByZero,
                    "division by zero",
                ));
            }
            Int(x
                .checked_div(y)
                .ok_or_else(|| EvalError::overflow("division"))?)
        }
        (BinOp::Add | BinOp::Sub, Date(d), Duration { months, days }) => {
            let (months, days) = if op == BinOp::Sub {
                let overflow = || {
                    EvalError::new(
                        EvalErrorKind::DateOutOfRange,
                        "the date leaves years 0001 to 9999",
                    )
                };
                (
                    months.checked_neg().ok_or_else(overflow)?,
                    days.checked_neg().ok_or_else(overflow)?,
                )
            } else {
                (months, days)
            };
            Date(shift_date(d, months, days)?)
        }
        (BinOp::Add, Duration { months, days }, Date(d)) => Date(shift_date(d, months, days)?),
        (op, x, y) => Decimal(decimal(op, as_decimal(&x)?, as_decimal(&y)?)?),
    })
}

/// A number as a Decimal; an Int too large to become one overflows.
fn as_decimal(v: &Value) -> Eval<i64> {
    match v {
        Value::Decimal(d) => Ok(*d),
        Value::Int(i) => i
            .checked_mul(DECIMAL_ONE)
            .ok_or_else(|| EvalError::overflow("converting an Int to a Decimal")),
        _ => Err(EvalError::internal("arithmetic")),
    }
}

fn decimal(op: BinOp, x: i64, y: i64) -> Eval<i64> {
    let one = i128::from(DECIMAL_ONE);
    let (x, y) = (i128::from(x), i128::from(y));
    let wide = match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        // Rust's i128 division truncates toward zero, as documented.
        BinOp::Mul => x * y / one,
        BinOp::Div => {
            if y == 0 {
                return Err(EvalError::new(
                    EvalErrorKind::DivisionByZero,
                    "division by zero",
                ));
            }
            x * one / y
        }
        _ => return Err(EvalError::internal("decimal arithmetic")),
    };
    i64::try_from(wide).map_err(|_| EvalError::overflow("decimal arithmetic"))
}

fn shift_date(date: i64, months: i64, days: i64) -> Eval<i64> {
    let out_of_range = || {
        EvalError::new(
            EvalErrorKind::DateOutOfRange,
            "the date leaves years 0001 to 9999",
        )
    };
    let shifted = if months != 0 {
        calendar::add_months(date, months).ok_or_else(out_of_range)?
    } else {
        date
    };
    calendar::add_days(shifted, days).ok_or_else(out_of_range)
}

fn call(builtin: Builtin, args: Vec<Value>) -> Eval<Value> {
    let mut args = args.into_iter();
    let mut next = || args.next().ok_or_else(|| EvalError::internal("a call"));
    Ok(match builtin {
        Builtin::YearsBetween | Builtin::MonthsBetween | Builtin::DaysBetween => {
            let (Value::Date(from), Value::Date(to)) = (next()?, next()?) else {
                return Err(EvalError::internal("a date function"));
            };
            Value::Int(match builtin {
                Builtin::YearsBetween => calendar::years_between(from, to),
                Builtin::MonthsBetween => calendar::months_between(from, to),
                _ => to - from,
            })
        }
        Builtin::Days | Builtin::Weeks | Builtin::Months | Builtin::Years => {
            let Value::Int(n) = next()? else {
                return Err(EvalError::internal("a duration function"));
            };
            let overflow = || EvalError::overflow("the duration");
            match builtin {
                Builtin::Days => Value::Duration { months: 0, days: n },
                Builtin::Weeks => Value::Duration {
                    months: 0,
                    days: n.checked_mul(7).ok_or_else(overflow)?,
                },
                Builtin::Months => Value::Duration { months: n, days: 0 },
                _ => Value::Duration {
                    months: n.checked_mul(12).ok_or_else(overflow)?,
                    days: 0,
                },
            }
        }
        Builtin::Size => match next()? {
            Value::List(items) => Value::Int(i64::try_from(items.len()).unwrap_or(i64::MAX)),
            _ => return Err(EvalError::internal("size")),
        },
        Builtin::Lower | Builtin::Upper | Builtin::Length => {
            let Value::Text(t) = next()? else {
                return Err(EvalError::internal("a text function"));
            };
            match builtin {
                Builtin::Lower => Value::Text(t.to_lowercase()),
                Builtin::Upper => Value::Text(t.to_uppercase()),
                _ => Value::Int(i64::try_from(t.chars().count()).unwrap_or(i64::MAX)),
            }
        }
        Builtin::NameKey => {
            let Value::Text(t) = next()? else {
                return Err(EvalError::internal("name_key"));
            };
            Value::Text(lintas_check::names::name_key(&t))
        }
        Builtin::NameSimilarity => {
            let (Value::Text(a), Value::Text(b)) = (next()?, next()?) else {
                return Err(EvalError::internal("name_similarity"));
            };
            Value::Decimal(lintas_check::names::similarity(&a, &b))
        }
        Builtin::Contains | Builtin::StartsWith => {
            let (Value::Text(t), Value::Text(p)) = (next()?, next()?) else {
                return Err(EvalError::internal("a text function"));
            };
            Value::Bool(if builtin == Builtin::Contains {
                t.contains(&p)
            } else {
                t.starts_with(&p)
            })
        }
        Builtin::Min | Builtin::Max => {
            let (a, b) = (next()?, next()?);
            let decimal = matches!(a, Value::Decimal(_)) || matches!(b, Value::Decimal(_));
            let (a, b) = if decimal {
                (coerce(a, &Ty::Decimal)?, coerce(b, &Ty::Decimal)?)
            } else {
                (a, b)
            };
            let take_a = match compare(&a, &b)? {
                Ordering::Less => builtin == Builtin::Min,
                Ordering::Greater => builtin == Builtin::Max,
                Ordering::Equal => true,
            };
            if take_a { a } else { b }
        }
        Builtin::Abs => match next()? {
            Value::Int(i) => Value::Int(i.checked_abs().ok_or_else(|| EvalError::overflow("abs"))?),
            Value::Decimal(d) => {
                Value::Decimal(d.checked_abs().ok_or_else(|| EvalError::overflow("abs"))?)
            }
            _ => return Err(EvalError::internal("abs")),
        },
    })
}
