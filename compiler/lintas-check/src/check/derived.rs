//! Lets, scores and decision tables: named values a decision's rules use.
//! Each is checked in the scope of every decision it is `for`, when first
//! used, so that references may appear in any order and cycles are found.

use super::{Checker, Scope};
use crate::hir::{
    CellDef, DecisionRowDef, DecisionTableDef, Expr, ExprKind, LetDef, ScoreDef, ScoreTermDef,
};
use crate::types::Ty;
use lintas_syntax::ast::{self, BinOp, Cell, HitPolicy, ItemKind};
use lintas_syntax::{Diagnostic, Span, codes};

#[derive(Debug, Clone)]
pub(super) enum State {
    InProgress,
    Done(ExprKind, Ty),
}

impl Checker<'_> {
    /// The value named by a let, score or decision table item, from the
    /// scope of an expression that uses it.
    pub(super) fn derived_value(
        &mut self,
        name: &str,
        item_index: usize,
        span: Span,
        scope: &Scope,
    ) -> Expr {
        self.used_derived.insert(item_index);
        let Some(item) = self.items.get(item_index).map(|r| r.item) else {
            return Self::error_expr(span);
        };
        let for_decisions: &[ast::Ident] = match &item.kind {
            ItemKind::Let(l) => &l.decisions,
            ItemKind::Score(s) => &s.decisions,
            ItemKind::DecisionTable(t) => &t.decisions,
            _ => &[],
        };
        if for_decisions.is_empty()
            && let ItemKind::Let(l) = &item.kind
        {
            return self.constant_let(name, l, span);
        }
        let Some(decision) = scope.decision else {
            self.report(
                Diagnostic::error(
                    codes::UNKNOWN_NAME,
                    span,
                    format!("`{name}` belongs to a decision and is not available here"),
                )
                .help("only constants (a `let` without `for`) can be used outside a decision"),
            );
            return Self::error_expr(span);
        };
        let decision_name = self
            .program
            .decisions
            .get(decision)
            .map(|d| d.name.clone())
            .unwrap_or_default();
        if !for_decisions.iter().any(|d| d.name == decision_name) {
            let listed: Vec<String> = for_decisions.iter().map(|d| d.name.clone()).collect();
            self.report(
                Diagnostic::error(
                    codes::UNKNOWN_NAME,
                    span,
                    format!("`{name}` is not defined for decision `{decision_name}`"),
                )
                .with_secondary(
                    item.name().map_or(item.span, |n| n.span),
                    format!("defined for {}", super::expr::quoted_list(&listed)),
                )
                .help(format!("add `{decision_name}` to its `for` list")),
            );
            return Self::error_expr(span);
        }
        let key = (decision, name.to_string());
        match self.derived_state.get(&key).cloned() {
            Some(State::Done(kind, ty)) => return Expr { kind, ty, span },
            Some(State::InProgress) => {
                self.report(
                    Diagnostic::error(codes::CYCLE, span, format!("`{name}` depends on itself"))
                        .with_secondary(item.name().map_or(item.span, |n| n.span), "defined here")
                        .help("Lintas has no recursion: break the cycle by computing one of the values directly"),
                );
                return Self::error_expr(span);
            }
            None => {}
        }
        self.derived_state.insert(key.clone(), State::InProgress);
        let inner = self.decision_scope(decision);
        let (kind, ty) = match &item.kind {
            ItemKind::Let(l) => {
                let value = self.expr(&l.value, None, &inner);
                self.reject_container(&value);
                let ty = value.ty.clone();
                let list = self.decision_mut(decision).map(|d| &mut d.lets);
                let index = push(
                    list,
                    LetDef {
                        name: name.to_string(),
                        value,
                        span: l.name.span,
                    },
                );
                (ExprKind::Let(index), ty)
            }
            ItemKind::Score(s) => {
                let def = self.score(s, &inner);
                let ty = def.ty.clone();
                let list = self.decision_mut(decision).map(|d| &mut d.scores);
                (ExprKind::Score(push(list, def)), ty)
            }
            ItemKind::DecisionTable(t) => {
                let def = self.decision_table(t, &inner);
                let ty = def.ty.clone();
                let list = self.decision_mut(decision).map(|d| &mut d.tables);
                (ExprKind::DecisionTable(push(list, def)), ty)
            }
            _ => (ExprKind::Const(crate::value::Value::Absent), Ty::Error),
        };
        self.derived_state
            .insert(key, State::Done(kind.clone(), ty.clone()));
        Expr { kind, ty, span }
    }

    fn decision_mut(&mut self, decision: usize) -> Option<&mut crate::hir::DecisionDef> {
        self.program.decisions.get_mut(decision)
    }

    /// The scope of a decision's screening logic.
    pub(super) fn decision_scope(&self, decision: usize) -> Scope {
        let def = self.program.decisions.get(decision);
        Scope {
            decision: Some(decision),
            subject: def.map(|d| (d.subject.clone(), Ty::Record(d.schema))),
            locals: Vec::new(),
            facts: Vec::new(),
            decision_logic: true,
            literals: false,
        }
    }

    /// A constant `let` is inlined where it is used: it cannot depend on the
    /// record, so there is nothing to compute once per decision.
    fn constant_let(&mut self, name: &str, l: &ast::Let, span: Span) -> Expr {
        match self.constants.get(name).cloned() {
            Some(Some(e)) => Expr { span, ..e },
            Some(None) => {
                self.report(
                    Diagnostic::error(codes::CYCLE, span, format!("`{name}` depends on itself"))
                        .help("Lintas has no recursion: break the cycle by computing one of the values directly"),
                );
                Self::error_expr(span)
            }
            None => {
                self.constants.insert(name.to_string(), None);
                let value = self.expr(&l.value, None, &Scope::default());
                self.reject_container(&value);
                self.constants.insert(name.to_string(), Some(value.clone()));
                Expr { span, ..value }
            }
        }
    }

    /// Checks every let, score and decision table for each decision it
    /// names, including those no rule uses, so that their mistakes are
    /// reported too.
    pub(super) fn check_unreferenced_derived(&mut self) {
        let items = self.items.clone();
        for (index, item_ref) in items.iter().enumerate() {
            if !self.is_live(index) {
                continue;
            }
            let item = item_ref.item;
            let (name, decisions) = match &item.kind {
                ItemKind::Let(l) => (&l.name, &l.decisions),
                ItemKind::Score(s) => (&s.name, &s.decisions),
                ItemKind::DecisionTable(t) => (&t.name, &t.decisions),
                _ => continue,
            };
            let was_used = self.used_derived.contains(&index);
            if decisions.is_empty() {
                let _ = self.derived_value(&name.name, index, name.span, &Scope::default());
            }
            for d in decisions {
                match self.decisions.get(&d.name).copied() {
                    Some(decision) => {
                        let scope = self.decision_scope(decision);
                        let _ = self.derived_value(&name.name, index, name.span, &scope);
                    }
                    None => self.unknown_decision(d),
                }
            }
            if !was_used {
                self.used_derived.remove(&index);
            }
        }
    }

    pub(super) fn unknown_decision(&mut self, d: &ast::Ident) {
        let names: Vec<&str> = self.decisions.keys().map(String::as_str).collect();
        let help = crate::suggest::did_you_mean(&d.name, names).unwrap_or_else(|| {
            "declare it with `decision NAME for subject: Schema { ... }`".to_string()
        });
        self.report(
            Diagnostic::error(
                codes::UNKNOWN_DECISION,
                d.span,
                format!("unknown decision `{}`", d.name),
            )
            .help(help),
        );
    }

    fn score(&mut self, s: &ast::Score, scope: &Scope) -> ScoreDef {
        let mut terms = Vec::new();
        let mut ty = Ty::Int;
        let mut names: Vec<&str> = Vec::new();
        for term in &s.terms {
            if names.contains(&term.name.name.as_str()) {
                self.report(
                    Diagnostic::error(
                        codes::DUPLICATE,
                        term.name.span,
                        format!("score term `{}` appears twice", term.name.name),
                    )
                    .help("give each term its own name"),
                );
            }
            names.push(&term.name.name);
            let (condition, inner) = match &term.condition {
                Some(c) => {
                    let checked = self.expect(c, &Ty::Bool, scope);
                    (
                        Some(checked),
                        scope.with_facts(super::narrow::facts_if_true(c)),
                    )
                }
                None => (None, scope.clone()),
            };
            let weight = self.expr(&term.weight, None, &inner);
            if matches!(weight.ty, Ty::Optional(_)) {
                self.unchecked_optional(weight.span);
            }
            match weight.ty.without_optional() {
                Ty::Decimal => ty = Ty::Decimal,
                Ty::Int | Ty::Error => {}
                _ => self.require(&weight, &Ty::Decimal),
            }
            terms.push(ScoreTermDef {
                name: term.name.name.clone(),
                weight,
                condition,
                span: term.span,
            });
        }
        if s.terms.is_empty() {
            self.report(
                Diagnostic::error(
                    codes::BAD_CLAUSES,
                    s.name.span,
                    format!("score `{}` has no terms", s.name.name),
                )
                .help("add terms such as `paid_cash: 2 when traveller.booking.paid_cash`"),
            );
        }
        ScoreDef {
            name: s.name.name.clone(),
            ty,
            terms,
            span: s.name.span,
        }
    }

    fn decision_table(&mut self, t: &ast::DecisionTable, scope: &Scope) -> DecisionTableDef {
        let inputs: Vec<Expr> = t
            .inputs
            .iter()
            .map(|i| {
                let c = self.expr(i, None, scope);
                if matches!(c.ty, Ty::Optional(_)) {
                    self.unchecked_optional(c.span);
                }
                self.reject_container(&c);
                c
            })
            .collect();
        let mut result: Option<Ty> = None;
        let mut rows = Vec::new();
        for row in &t.rows {
            if row.cells.len() != inputs.len() {
                self.report(
                    Diagnostic::error(
                        codes::BAD_TABLE,
                        row.span,
                        format!(
                            "row has {} cell(s), the table has {} input column(s)",
                            row.cells.len(),
                            inputs.len()
                        ),
                    )
                    .help("give one cell per input column; `-` matches anything"),
                );
                continue;
            }
            let cells = row
                .cells
                .iter()
                .zip(&inputs)
                .map(|(cell, input)| self.cell(cell, input.ty.without_optional(), scope))
                .collect();
            let value = self.expr(&row.result, result.as_ref(), scope);
            self.reject_container(&value);
            result = match &result {
                None => Some(value.ty.clone()),
                Some(r) => match r.join(&value.ty) {
                    Some(j) => Some(j),
                    None => {
                        self.require(&value, r);
                        Some(r.clone())
                    }
                },
            };
            rows.push(DecisionRowDef {
                cells,
                result: value,
                span: row.span,
            });
        }
        if t.rows.is_empty() {
            self.report(
                Diagnostic::error(
                    codes::BAD_TABLE,
                    t.name.span,
                    format!("decision table `{}` has no rows", t.name.name),
                )
                .help("add rows such as `| in ASEAN_MEMBERS | tourism || 30 |`"),
            );
        }
        let result = result.unwrap_or(Ty::Error);
        let default = match (&t.default, t.hit) {
            (Some(d), HitPolicy::Collect) => {
                self.report(
                    Diagnostic::error(codes::BAD_TABLE, d.span, "a `collect` table has no default")
                        .help("with no matching row a `collect` table gives an empty list; remove `default`"),
                );
                None
            }
            (Some(d), _) => Some(self.expect(d, &result, scope)),
            (None, _) => None,
        };
        let ty = match (t.hit, &default) {
            (HitPolicy::Collect, _) => Ty::List(Box::new(result.clone())),
            (_, Some(_)) => result.clone(),
            (_, None) => result.clone().optional(),
        };
        DecisionTableDef {
            name: t.name.name.clone(),
            hit: t.hit,
            inputs,
            rows,
            default,
            result,
            ty,
            span: t.name.span,
        }
    }

    fn cell(&mut self, cell: &Cell, input: &Ty, scope: &Scope) -> CellDef {
        match cell {
            Cell::Any(_) => CellDef::Any,
            Cell::Values(values, _) => CellDef::OneOf(
                values
                    .iter()
                    .map(|v| self.expect(v, input, scope))
                    .collect(),
            ),
            Cell::In(e, _) | Cell::NotIn(e, _) => {
                let container = self.expr(e, Some(&Ty::List(Box::new(input.clone()))), scope);
                let ok = match &container.ty {
                    Ty::Set(t) | Ty::List(t) => input.comparable_with(t),
                    Ty::Error => true,
                    _ => false,
                };
                if !ok {
                    let (found, want) = (self.ty_name(&container.ty), self.ty_name(input));
                    self.report(
                        Diagnostic::error(
                            codes::TYPE_MISMATCH,
                            container.span,
                            format!("expected a set or list of {want}, found {found}"),
                        )
                        .help("the cell's set must hold values of the column's type"),
                    );
                }
                if matches!(cell, Cell::In(..)) {
                    CellDef::In(container)
                } else {
                    CellDef::NotIn(container)
                }
            }
            Cell::Compare(op, e, span) => {
                let value = self.expect(e, input, scope);
                let ordered = matches!(input, Ty::Int | Ty::Decimal | Ty::Date | Ty::Error);
                if !ordered && !matches!(op, BinOp::Eq | BinOp::Ne) {
                    let found = self.ty_name(input);
                    self.report(
                        Diagnostic::error(
                            codes::BAD_OPERANDS,
                            *span,
                            format!("`{}` is not defined for {found}", op.as_str()),
                        )
                        .help("order comparisons work on Int, Decimal and Date columns"),
                    );
                }
                CellDef::Compare(*op, value)
            }
        }
    }
}

fn push<T>(list: Option<&mut Vec<T>>, value: T) -> usize {
    match list {
        Some(list) => {
            list.push(value);
            list.len() - 1
        }
        None => 0,
    }
}
