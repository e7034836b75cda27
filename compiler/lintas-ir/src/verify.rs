//! The verifier: every node's operands have the types its operation
//! needs, every index points somewhere, memos do not depend on
//! themselves. Backends may assume a verified module.

use crate::ir::*;
use crate::types::Ty;
use lintas_syntax::ast::{HitPolicy, QuantifierKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyError {
    /// Where: `decision admission, rule doc_expired`.
    pub place: String,
    pub message: String,
}

impl std::fmt::Display for VerifyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

pub fn verify(module: &Module) -> Result<(), VerifyError> {
    let top = |message: String| VerifyError {
        place: "module".to_string(),
        message,
    };
    if module.layouts.get(module.context as usize).is_none() {
        return Err(top("the context layout does not exist".into()));
    }
    for (i, t) in module.tables.iter().enumerate() {
        let Some(row) = module.layouts.get(t.row as usize) else {
            return Err(top(format!("table {i} has no row layout")));
        };
        if t.data + row.words * t.rows > module.data.len() {
            return Err(top(format!("table {i} reaches past the data")));
        }
        if t.keys.is_empty() || t.keys.iter().any(|k| *k >= row.fields.len()) {
            return Err(top(format!(
                "table {i} has a key column that does not exist"
            )));
        }
    }
    for (i, s) in module.sets.iter().enumerate() {
        if !s.element.is_scalar() {
            return Err(top(format!("set {i} holds {}", s.element)));
        }
        if s.strategy == SetStrategy::Bitmap
            && s.words
                .iter()
                .any(|w| !(0..crate::opt::BITMAP_MAX).contains(w))
        {
            return Err(top(format!("set {i} is a bitmap of values it cannot hold")));
        }
        if s.words.windows(2).any(|w| w[0] >= w[1]) {
            return Err(top(format!("set {i} is not sorted and unique")));
        }
    }
    if module
        .data_relocations
        .iter()
        .any(|r| *r >= module.data.len())
    {
        return Err(top("a relocation points past the data".into()));
    }
    for d in &module.decisions {
        let mut checker = Checker {
            module,
            decision: d,
            locals: Vec::new(),
            place: format!("decision {}", d.name),
        };
        checker.decision()?;
    }
    Ok(())
}

struct Checker<'m> {
    module: &'m Module,
    decision: &'m Decision,
    locals: Vec<Ty>,
    place: String,
}

impl Checker<'_> {
    fn fail<T>(&self, message: impl Into<String>) -> Result<T, VerifyError> {
        Err(VerifyError {
            place: self.place.clone(),
            message: message.into(),
        })
    }

    fn decision(&mut self) -> Result<(), VerifyError> {
        let d = self.decision;
        if self.module.layouts.get(d.schema as usize).is_none() {
            return self.fail("the schema layout does not exist");
        }
        if d.default >= d.outcomes.len() || d.on_error >= d.outcomes.len() {
            return self.fail("the default or on-error outcome does not exist");
        }
        let base = self.place.clone();
        for (i, m) in d.memos.iter().enumerate() {
            self.place = format!("{base}, memo {i} ({})", m.name);
            self.expr(&m.value)?;
        }
        self.place = base.clone();
        self.memo_cycles()?;
        if !d.aggregates.is_empty() && !d.over_manifest {
            return self.fail("aggregates in a decision that is not over a manifest");
        }
        for a in &d.aggregates {
            self.place = format!("{base}, aggregate {}", a.name);
            for k in &a.keys {
                self.expr(k)?;
                if !k.ty.without_opt().is_scalar() {
                    return self.fail(format!("an aggregate key of type {}", k.ty));
                }
            }
            if let Some(f) = &a.filter {
                self.expect(f, &Ty::Bool)?;
            }
        }
        for r in &d.rules {
            self.place = format!("{base}, rule {}", r.id);
            if r.outcome >= d.outcomes.len() {
                return self.fail("the outcome does not exist");
            }
            for c in &r.applies_to {
                self.container(c, &Ty::Country)?;
            }
            self.expect(&r.condition, &Ty::Bool)?;
            for (_, v) in &r.values {
                self.expr(v)?;
            }
        }
        Ok(())
    }

    fn memo_cycles(&self) -> Result<(), VerifyError> {
        let memos = &self.decision.memos;
        let deps: Vec<Vec<u32>> = memos
            .iter()
            .map(|m| {
                let mut out = Vec::new();
                collect_memos(&m.value, &mut out);
                out
            })
            .collect();
        // 0 unvisited, 1 on the path, 2 done.
        let mut state = vec![0u8; memos.len()];
        fn visit(i: usize, deps: &[Vec<u32>], state: &mut [u8]) -> bool {
            match state.get(i) {
                Some(1) => return false,
                Some(2) | None => return true,
                _ => {}
            }
            state[i] = 1;
            for d in deps.get(i).into_iter().flatten() {
                if !visit(*d as usize, deps, state) {
                    return false;
                }
            }
            state[i] = 2;
            true
        }
        for i in 0..memos.len() {
            if !visit(i, &deps, &mut state) {
                return self.fail(format!("memo {i} depends on itself"));
            }
        }
        Ok(())
    }

    fn expect(&mut self, e: &Expr, ty: &Ty) -> Result<(), VerifyError> {
        self.expr(e)?;
        if e.ty != *ty {
            return self.fail(format!("expected {ty}, found {}", e.ty));
        }
        Ok(())
    }

    fn error_id(&self, id: ErrorId) -> Result<(), VerifyError> {
        if self.module.errors.get(id as usize).is_none() {
            return self.fail(format!("error {id} does not exist"));
        }
        Ok(())
    }

    fn container(&mut self, c: &Container, needle: &Ty) -> Result<(), VerifyError> {
        let element = match c {
            Container::Set(i) => match self.module.sets.get(*i as usize) {
                Some(s) => s.element.clone(),
                None => return self.fail(format!("set {i} does not exist")),
            },
            Container::Table(t) => {
                let Some(table) = self.module.tables.get(*t as usize) else {
                    return self.fail(format!("table {t} does not exist"));
                };
                let key = table.keys.first().copied().unwrap_or(0);
                match self
                    .module
                    .layouts
                    .get(table.row as usize)
                    .and_then(|l| l.fields.get(key))
                {
                    Some(f) => f.ty.clone(),
                    None => return self.fail("a table key column does not exist"),
                }
            }
            Container::List(list) => {
                self.expr(list)?;
                match &list.ty {
                    Ty::List(e) => (**e).clone(),
                    other => return self.fail(format!("membership in {other}")),
                }
            }
        };
        if !comparable(needle, &element) {
            return self.fail(format!("{needle} cannot be looked for among {element}"));
        }
        Ok(())
    }

    fn expr(&mut self, e: &Expr) -> Result<(), VerifyError> {
        let ty = &e.ty;
        match &e.node {
            Node::Const(c) => self.constant(c, ty),
            Node::Subject => self.is(ty, &Ty::Rec(self.decision.schema)),
            Node::Context => self.is(ty, &Ty::Rec(self.module.context)),
            Node::Local(depth) => {
                let local = self
                    .locals
                    .len()
                    .checked_sub(*depth as usize + 1)
                    .and_then(|i| self.locals.get(i))
                    .cloned();
                match local {
                    Some(l) => self.is(ty, &l),
                    None => self.fail(format!("local {depth} is not bound")),
                }
            }
            Node::Memo(i) => match self.decision.memos.get(*i as usize) {
                Some(m) => self.is(ty, &m.value.ty),
                _ => self.fail(format!("memo {i} does not exist")),
            },
            Node::Aggregate(i) => {
                if self.decision.aggregates.get(*i as usize).is_none() {
                    return self.fail(format!("aggregate {i} does not exist"));
                }
                self.is(ty, &Ty::Int)
            }
            Node::Field(base, index) => {
                self.expr(base)?;
                let Ty::Rec(layout) = base.ty else {
                    return self.fail(format!("field of {}", base.ty));
                };
                match self
                    .module
                    .layouts
                    .get(layout as usize)
                    .and_then(|l| l.fields.get(*index as usize))
                {
                    Some(f) => self.is(ty, &f.ty),
                    None => self.fail(format!("field {index} of rec{layout} does not exist")),
                }
            }
            Node::Unary(op, a) => {
                self.expr(a)?;
                self.unary(*op, &a.ty, ty)
            }
            Node::Binary(op, a, b) => {
                self.expr(a)?;
                self.expr(b)?;
                self.binary(*op, &a.ty, &b.ty, ty)
            }
            Node::Compare(op, a, b) => {
                self.expr(a)?;
                self.expr(b)?;
                let _ = op;
                if !comparable(&a.ty, &b.ty) {
                    return self.fail(format!("{} compared with {}", a.ty, b.ty));
                }
                self.is(ty, &Ty::Bool)
            }
            Node::And(a, b) | Node::Or(a, b) => {
                self.expect(a, &Ty::Bool)?;
                self.expect(b, &Ty::Bool)?;
                self.is(ty, &Ty::Bool)
            }
            Node::If(c, a, b) => {
                self.expect(c, &Ty::Bool)?;
                self.expect(a, ty)?;
                self.expect(b, ty)
            }
            Node::Otherwise(a, b) => {
                self.expect(a, &ty.clone().opt())?;
                self.expect(b, ty)
            }
            Node::Call(intrinsic, args) => {
                for a in args {
                    self.expr(a)?;
                }
                self.call(*intrinsic, args, ty)
            }
            Node::Member(needle, container) => {
                self.expr(needle)?;
                if !needle.ty.without_opt().is_scalar() {
                    return self.fail(format!("membership of {}", needle.ty));
                }
                self.container(container, &needle.ty.clone())?;
                self.is(ty, &Ty::Bool)
            }
            Node::Lookup(table, keys) => {
                let Some(t) = self.module.tables.get(*table as usize) else {
                    return self.fail(format!("table {table} does not exist"));
                };
                if keys.len() != t.keys.len() {
                    return self.fail("the number of keys differs from the table's");
                }
                let Some(row) = self.module.layouts.get(t.row as usize) else {
                    return self.fail("the row layout does not exist");
                };
                for (k, column) in keys.iter().zip(&t.keys) {
                    self.expr(k)?;
                    let Some(field) = row.fields.get(*column) else {
                        return self.fail("a key column does not exist");
                    };
                    if !k.ty.is_scalar() || !comparable(&k.ty, &field.ty) {
                        return self.fail(format!("a key {} for a column {}", k.ty, field.ty));
                    }
                }
                self.is(ty, &Ty::Rec(t.row).opt())
            }
            Node::Quantifier { kind, over, body } => {
                self.expr(over)?;
                let Ty::List(element) = &over.ty else {
                    return self.fail(format!("a quantifier over {}", over.ty));
                };
                self.locals.push((**element).clone());
                let checked = self.expect(body, &Ty::Bool);
                self.locals.pop();
                checked?;
                let want = if *kind == QuantifierKind::Count {
                    Ty::Int
                } else {
                    Ty::Bool
                };
                self.is(ty, &want)
            }
            Node::DecisionTable(t) => self.table(t, ty),
            Node::MakeList(items) => {
                let Ty::List(element) = ty else {
                    return self.fail(format!("a list built as {ty}"));
                };
                for i in items {
                    self.expect(i, element)?;
                }
                Ok(())
            }
        }
    }

    fn is(&self, actual: &Ty, expected: &Ty) -> Result<(), VerifyError> {
        if actual != expected {
            return self.fail(format!("expected {expected}, found {actual}"));
        }
        Ok(())
    }

    fn constant(&self, c: &Const, ty: &Ty) -> Result<(), VerifyError> {
        let ok = match c {
            Const::Bool(_) => *ty == Ty::Bool,
            Const::Int(_) => *ty == Ty::Int,
            Const::Dec(_) => *ty == Ty::Dec,
            Const::Date(d) => {
                *ty == Ty::Date
                    && (lintas_check::calendar::FIRST_DAY..=lintas_check::calendar::LAST_DAY)
                        .contains(d)
            }
            Const::Dur { .. } => *ty == Ty::Dur,
            Const::Country(id) => {
                *ty == Ty::Country && (*id as usize) < self.module.countries.len()
            }
            Const::Enum(_) => matches!(ty, Ty::Enum(_)),
            Const::Text(id) => *ty == Ty::Text && (*id as usize) < self.module.texts.len(),
            Const::Absent => matches!(ty, Ty::Opt(_)),
        };
        if !ok {
            return self.fail(format!("constant {c:?} is not a valid {ty}"));
        }
        Ok(())
    }

    fn unary(&self, op: UnOp, a: &Ty, ty: &Ty) -> Result<(), VerifyError> {
        let ok = match op {
            UnOp::Not => *a == Ty::Bool && *ty == Ty::Bool,
            UnOp::IntNeg(e) | UnOp::IntAbs(e) => {
                self.error_id(e)?;
                *a == Ty::Int && *ty == Ty::Int
            }
            UnOp::DecNeg(e) | UnOp::DecAbs(e) => {
                self.error_id(e)?;
                *a == Ty::Dec && *ty == Ty::Dec
            }
            UnOp::IntToDec(e) => {
                self.error_id(e)?;
                *a == Ty::Int && *ty == Ty::Dec
            }
            UnOp::Wrap => !matches!(a, Ty::Opt(_)) && *ty == a.clone().opt(),
            UnOp::Unwrap(e) => {
                self.error_id(e)?;
                matches!(a, Ty::Opt(inner) if **inner == *ty)
            }
            UnOp::IsPresent => matches!(a, Ty::Opt(_)) && *ty == Ty::Bool,
        };
        if !ok {
            return self.fail(format!("{op:?} of {a} giving {ty}"));
        }
        Ok(())
    }

    fn binary(&self, op: BinOp, a: &Ty, b: &Ty, ty: &Ty) -> Result<(), VerifyError> {
        let ok = match op {
            BinOp::IntAdd(e) | BinOp::IntSub(e) | BinOp::IntMul(e) => {
                self.error_id(e)?;
                *a == Ty::Int && *b == Ty::Int && *ty == Ty::Int
            }
            BinOp::IntDiv(z, e) => {
                self.error_id(z)?;
                self.error_id(e)?;
                *a == Ty::Int && *b == Ty::Int && *ty == Ty::Int
            }
            BinOp::DecAdd(e) | BinOp::DecSub(e) | BinOp::DecMul(e) => {
                self.error_id(e)?;
                a.is_numeric() && b.is_numeric() && *ty == Ty::Dec
            }
            BinOp::DecDiv(z, e) => {
                self.error_id(z)?;
                self.error_id(e)?;
                a.is_numeric() && b.is_numeric() && *ty == Ty::Dec
            }
            BinOp::DateAdd(e) => {
                self.error_id(e)?;
                matches!((a, b), (Ty::Date, Ty::Dur) | (Ty::Dur, Ty::Date)) && *ty == Ty::Date
            }
            BinOp::DateSub(e) => {
                self.error_id(e)?;
                *a == Ty::Date && *b == Ty::Dur && *ty == Ty::Date
            }
        };
        if !ok {
            return self.fail(format!("{op:?} of {a} and {b} giving {ty}"));
        }
        Ok(())
    }

    fn call(&self, i: Intrinsic, args: &[Expr], ty: &Ty) -> Result<(), VerifyError> {
        let types: Vec<&Ty> = args.iter().map(|a| &a.ty).collect();
        let ok = match i {
            Intrinsic::YearsBetween | Intrinsic::MonthsBetween | Intrinsic::DaysBetween => {
                types == [&Ty::Date, &Ty::Date] && *ty == Ty::Int
            }
            Intrinsic::Days | Intrinsic::Months => types == [&Ty::Int] && *ty == Ty::Dur,
            Intrinsic::Weeks(e) | Intrinsic::Years(e) => {
                self.error_id(e)?;
                types == [&Ty::Int] && *ty == Ty::Dur
            }
            Intrinsic::Size => matches!(types.as_slice(), [Ty::List(_)]) && *ty == Ty::Int,
            Intrinsic::Lower | Intrinsic::Upper | Intrinsic::NameKey => {
                types == [&Ty::Text] && *ty == Ty::Text
            }
            Intrinsic::Length => types == [&Ty::Text] && *ty == Ty::Int,
            Intrinsic::Contains | Intrinsic::StartsWith => {
                types == [&Ty::Text, &Ty::Text] && *ty == Ty::Bool
            }
            Intrinsic::NameSimilarity => types == [&Ty::Text, &Ty::Text] && *ty == Ty::Dec,
            Intrinsic::Min | Intrinsic::Max => match types.as_slice() {
                [Ty::Date, Ty::Date] => *ty == Ty::Date,
                [x, y] if x.is_numeric() && y.is_numeric() => {
                    *ty == if **x == Ty::Dec || **y == Ty::Dec {
                        Ty::Dec
                    } else {
                        Ty::Int
                    }
                }
                _ => false,
            },
        };
        if !ok {
            return self.fail(format!("{}({types:?}) giving {ty}", i.name()));
        }
        Ok(())
    }

    fn table(&mut self, t: &DecisionTable, ty: &Ty) -> Result<(), VerifyError> {
        self.error_id(t.conflict)?;
        for i in &t.inputs {
            self.expr(i)?;
        }
        for row in &t.rows {
            if row.cells.len() != t.inputs.len() {
                return self.fail("a row with the wrong number of cells");
            }
            for (cell, input) in row.cells.iter().zip(&t.inputs) {
                match cell {
                    Cell::Any => {}
                    Cell::OneOf(values) => {
                        for v in values {
                            self.expr(v)?;
                            if !comparable(input.ty.without_opt(), v.ty.without_opt()) {
                                return self.fail(format!("{} compared with {}", input.ty, v.ty));
                            }
                        }
                    }
                    Cell::In(c) | Cell::NotIn(c) => self.container(c, &input.ty.clone())?,
                    Cell::Compare(_, v) => {
                        self.expr(v)?;
                        if !comparable(input.ty.without_opt(), v.ty.without_opt()) {
                            return self.fail(format!("{} compared with {}", input.ty, v.ty));
                        }
                    }
                }
            }
            self.expect(&row.result, &t.result)?;
        }
        if let Some(d) = &t.default {
            self.expect(d, &t.result)?;
        }
        let want = match t.hit {
            HitPolicy::Collect => t.result.clone().list(),
            _ if t.default.is_some() => t.result.clone(),
            _ => t.result.clone().opt(),
        };
        self.is(ty, &want)
    }
}

/// Whether values of these types can be compared (ints with decs too).
fn comparable(a: &Ty, b: &Ty) -> bool {
    let (a, b) = (a.without_opt(), b.without_opt());
    (a.is_numeric() && b.is_numeric()) || (a == b && a.is_scalar())
}

fn collect_memos(e: &Expr, out: &mut Vec<u32>) {
    if let Node::Memo(i) = e.node {
        out.push(i);
    }
    for c in e.children() {
        collect_memos(c, out);
    }
}
