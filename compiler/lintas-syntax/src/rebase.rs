//! Moving a parsed item to another place: every span gets a new file and a
//! shifted offset. This is what lets [`crate::cache::ParseCache`] reuse an
//! item whose text is unchanged after an edit earlier in the file.

use crate::ast::*;
use crate::span::{FileId, Span};

/// Where spans move to: into `file`, shifted by `delta` bytes.
#[derive(Debug, Clone, Copy)]
pub struct Move {
    pub file: FileId,
    pub delta: i64,
}

impl Move {
    fn span(self, s: &mut Span) {
        let shift = |x: u32| u32::try_from(i64::from(x) + self.delta).unwrap_or(0);
        s.file = self.file;
        s.start = shift(s.start);
        s.end = shift(s.end);
    }
}

/// Types whose spans can be moved.
pub trait Rebase {
    fn rebase(&mut self, to: Move);
}

impl<T: Rebase> Rebase for Vec<T> {
    fn rebase(&mut self, to: Move) {
        for x in self {
            x.rebase(to);
        }
    }
}

impl<T: Rebase> Rebase for Option<T> {
    fn rebase(&mut self, to: Move) {
        if let Some(x) = self {
            x.rebase(to);
        }
    }
}

impl<T: Rebase> Rebase for Box<T> {
    fn rebase(&mut self, to: Move) {
        (**self).rebase(to);
    }
}

impl Rebase for Span {
    fn rebase(&mut self, to: Move) {
        to.span(self);
    }
}

impl Rebase for Ident {
    fn rebase(&mut self, to: Move) {
        to.span(&mut self.span);
    }
}

impl Rebase for StringLit {
    fn rebase(&mut self, to: Move) {
        to.span(&mut self.span);
    }
}

impl Rebase for DateLit {
    fn rebase(&mut self, to: Move) {
        to.span(&mut self.span);
    }
}

impl Rebase for Item {
    fn rebase(&mut self, to: Move) {
        to.span(&mut self.span);
        match &mut self.kind {
            ItemKind::Import(id) => id.rebase(to),
            ItemKind::Schema(s) => {
                s.name.rebase(to);
                for f in &mut s.fields {
                    f.name.rebase(to);
                    f.ty.rebase(to);
                    for (_, span) in &mut f.annotations {
                        to.span(span);
                    }
                    to.span(&mut f.span);
                }
            }
            ItemKind::Enum(e) => {
                e.name.rebase(to);
                for v in &mut e.values {
                    v.name.rebase(to);
                }
            }
            ItemKind::Set(s) => {
                s.name.rebase(to);
                s.element.rebase(to);
                match &mut s.contents {
                    SetContents::Inline(exprs) => exprs.rebase(to),
                    SetContents::File(source) => source.rebase(to),
                }
            }
            ItemKind::Table(t) => {
                t.name.rebase(to);
                for c in &mut t.columns {
                    c.name.rebase(to);
                    c.ty.rebase(to);
                    to.span(&mut c.span);
                }
                match &mut t.contents {
                    TableContents::Rows(rows) => {
                        for r in rows {
                            r.cells.rebase(to);
                            to.span(&mut r.span);
                        }
                    }
                    TableContents::File(source) => source.rebase(to),
                }
            }
            ItemKind::Reason(c) | ItemKind::Purpose(c) => {
                c.name.rebase(to);
                c.description.rebase(to);
            }
            ItemKind::Decision(d) => {
                d.name.rebase(to);
                d.subject.rebase(to);
                d.schema.rebase(to);
                for clause in &mut d.clauses {
                    match clause {
                        DecisionClause::Outcomes(names, span) => {
                            names.rebase(to);
                            to.span(span);
                        }
                        DecisionClause::Default(name, span)
                        | DecisionClause::OnError(name, span) => {
                            name.rebase(to);
                            to.span(span);
                        }
                        DecisionClause::Aggregate(a) => {
                            a.name.rebase(to);
                            a.keys.rebase(to);
                            a.filter.rebase(to);
                            to.span(&mut a.span);
                        }
                    }
                }
            }
            ItemKind::Rule(r) => {
                r.name.rebase(to);
                r.decisions.rebase(to);
                r.description.rebase(to);
                for clause in &mut r.clauses {
                    match clause {
                        RuleClause::Source(s) => s.rebase(to),
                        RuleClause::Effective {
                            from,
                            to: until,
                            span,
                        } => {
                            from.rebase(to);
                            until.rebase(to);
                            to.span(span);
                        }
                        RuleClause::AppliesTo(exprs, span) => {
                            exprs.rebase(to);
                            to.span(span);
                        }
                        RuleClause::Mode(_, span) => to.span(span),
                    }
                }
                r.condition.rebase(to);
                r.outcome.rebase(to);
                r.reason.rebase(to);
                r.values.rebase(to);
            }
            ItemKind::Score(s) => {
                s.name.rebase(to);
                s.decisions.rebase(to);
                for t in &mut s.terms {
                    t.name.rebase(to);
                    t.weight.rebase(to);
                    t.condition.rebase(to);
                    to.span(&mut t.span);
                }
            }
            ItemKind::Let(l) => {
                l.name.rebase(to);
                l.decisions.rebase(to);
                l.value.rebase(to);
            }
            ItemKind::DecisionTable(t) => {
                t.name.rebase(to);
                t.decisions.rebase(to);
                t.default.rebase(to);
                t.inputs.rebase(to);
                t.output.rebase(to);
                for row in &mut t.rows {
                    for cell in &mut row.cells {
                        cell.rebase(to);
                    }
                    row.result.rebase(to);
                    to.span(&mut row.span);
                }
            }
            ItemKind::Sharing(s) => {
                s.name.rebase(to);
                s.subject.rebase(to);
                s.schema.rebase(to);
                for clause in &mut s.clauses {
                    match clause {
                        SharingClause::Withhold(w) => {
                            w.fields.rebase(to);
                            w.description.rebase(to);
                            w.unless.rebase(to);
                            to.span(&mut w.span);
                        }
                        SharingClause::Allow(a) => {
                            a.name.rebase(to);
                            a.description.rebase(to);
                            a.fields.rebase(to);
                            a.recipients.rebase(to);
                            a.purposes.rebase(to);
                            a.condition.rebase(to);
                            to.span(&mut a.span);
                        }
                    }
                }
            }
            ItemKind::Test(t) => {
                t.title.rebase(to);
                t.target.rebase(to);
                for clause in &mut t.clauses {
                    match clause {
                        TestClause::Context(e) => e.rebase(to),
                        TestClause::Given { value, span, .. } => {
                            value.rebase(to);
                            to.span(span);
                        }
                        TestClause::Expect(e) => e.rebase(to),
                    }
                }
            }
        }
    }
}

impl Rebase for TypeExpr {
    fn rebase(&mut self, to: Move) {
        match self {
            TypeExpr::Named(id) => id.rebase(to),
            TypeExpr::Optional(inner, span) | TypeExpr::List(inner, span) => {
                inner.rebase(to);
                to.span(span);
            }
        }
    }
}

impl Rebase for DataSource {
    fn rebase(&mut self, to: Move) {
        self.path.rebase(to);
        self.column.rebase(to);
        to.span(&mut self.span);
    }
}

impl Rebase for Binding {
    fn rebase(&mut self, to: Move) {
        self.name.rebase(to);
        self.value.rebase(to);
    }
}

impl Rebase for Cell {
    fn rebase(&mut self, to: Move) {
        match self {
            Cell::Any(span) => to.span(span),
            Cell::In(e, span) | Cell::NotIn(e, span) | Cell::Compare(_, e, span) => {
                e.rebase(to);
                to.span(span);
            }
            Cell::Values(es, span) => {
                es.rebase(to);
                to.span(span);
            }
        }
    }
}

impl Rebase for Expectation {
    fn rebase(&mut self, to: Move) {
        match self {
            Expectation::Outcome(o) => o.rebase(to),
            Expectation::Member {
                label,
                index_span,
                outcome,
                ..
            } => {
                label.rebase(to);
                to.span(index_span);
                outcome.rebase(to);
            }
            Expectation::Shared(es, span) | Expectation::Withheld(es, span) => {
                es.rebase(to);
                to.span(span);
            }
        }
    }
}

impl Rebase for ExpectedOutcome {
    fn rebase(&mut self, to: Move) {
        self.outcome.rebase(to);
        if let Some(reasons) = &mut self.reasons {
            for r in reasons {
                r.code.rebase(to);
                r.values.rebase(to);
                to.span(&mut r.span);
            }
        }
        to.span(&mut self.span);
    }
}

impl Rebase for Expr {
    fn rebase(&mut self, to: Move) {
        to.span(&mut self.span);
        match &mut self.kind {
            ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Decimal(_)
            | ExprKind::Text(_)
            | ExprKind::Date(_)
            | ExprKind::Duration { .. } => {}
            ExprKind::Name(id) => id.rebase(to),
            ExprKind::Field(base, field) => {
                base.rebase(to);
                field.rebase(to);
            }
            ExprKind::Index(base, keys) => {
                base.rebase(to);
                keys.rebase(to);
            }
            ExprKind::Call(name, args) => {
                name.rebase(to);
                args.rebase(to);
            }
            ExprKind::Unary(_, e) | ExprKind::Presence(e, _) | ExprKind::Paren(e) => e.rebase(to),
            ExprKind::Binary(_, l, r) => {
                l.rebase(to);
                r.rebase(to);
            }
            ExprKind::If(c, a, b) => {
                c.rebase(to);
                a.rebase(to);
                b.rebase(to);
            }
            ExprKind::Quantifier {
                var, over, body, ..
            } => {
                var.rebase(to);
                over.rebase(to);
                body.rebase(to);
            }
            ExprKind::List(items) => items.rebase(to),
            ExprKind::Record(fields) => {
                for (name, value) in fields {
                    name.rebase(to);
                    value.rebase(to);
                }
            }
        }
    }
}

impl Rebase for crate::diagnostic::Diagnostic {
    fn rebase(&mut self, to: Move) {
        to.span(&mut self.primary.span);
        for label in &mut self.secondary {
            to.span(&mut label.span);
        }
    }
}
