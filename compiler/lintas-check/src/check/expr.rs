//! Typing of expressions: name resolution, presence narrowing for optional
//! values, and literal validation.

use super::{Checker, Scope, ValueEntry};
use crate::builtins::{self, Signature};
use crate::calendar;
use crate::countries;
use crate::hir::{Builtin, Expr, ExprKind};
use crate::suggest;
use crate::types::Ty;
use crate::value::{self, Value};
use lintas_syntax::ast::{self, BinOp, DurationUnit, QuantifierKind, UnOp};
use lintas_syntax::{Diagnostic, Span, codes};

impl Checker<'_> {
    pub(super) fn error_expr(span: Span) -> Expr {
        Expr {
            kind: ExprKind::Const(Value::Absent),
            ty: Ty::Error,
            span,
        }
    }

    /// Checks an expression that must have type `expected`.
    pub(super) fn expect(&mut self, e: &ast::Expr, expected: &Ty, scope: &Scope) -> Expr {
        let checked = self.expr(e, Some(expected), scope);
        self.require(&checked, expected);
        checked
    }

    /// Reports a mismatch between a checked expression and what is needed.
    pub(super) fn require(&mut self, checked: &Expr, expected: &Ty) {
        if checked.ty.fits(expected) {
            return;
        }
        if let Ty::Optional(inner) = &checked.ty
            && inner.fits(expected)
        {
            self.unchecked_optional(checked.span);
            return;
        }
        let found = self.ty_name(&checked.ty);
        let want = self.ty_name(expected);
        let mut d = Diagnostic::error(
            codes::TYPE_MISMATCH,
            checked.span,
            format!("expected {want}, found {found}"),
        )
        .label(format!("this is {found}"));
        d = match (&checked.ty, expected) {
            (Ty::Text, Ty::Country) => d.help("write country codes without quotes, e.g. `IDN`"),
            (Ty::Int, Ty::Date) | (Ty::Date, Ty::Int) => {
                d.help("add a duration to a date (`date + 6 months`) or count days with `days_between(a, b)`")
            }
            (_, Ty::Bool) => d.help("a condition must be true or false; compare the value with `==`, `<`, `in`, ..."),
            _ => d.help(format!("change the expression so that it gives {want}")),
        };
        self.report(d);
    }

    pub(super) fn unchecked_optional(&mut self, span: Span) {
        let text = self.source_text(span);
        self.report(
            Diagnostic::error(
                codes::UNCHECKED_OPTIONAL,
                span,
                format!("`{text}` may be absent"),
            )
            .label("optional value used without a presence check")
            .help(format!(
                "guard it with `{text} is present and ...`, or give a default with `{text} otherwise ...`"
            )),
        );
    }

    /// Reference sets and tables are not values: they are only used with
    /// `in`, `TABLE[key]` or `applies to`. Anywhere else they would reach
    /// evaluation as something no operation accepts.
    pub(super) fn reject_container(&mut self, e: &Expr) {
        if matches!(e.ty, Ty::Set(_) | Ty::Table(_)) {
            let text = self.source_text(e.span);
            self.report(
                Diagnostic::error(
                    codes::NOT_ALLOWED_HERE,
                    e.span,
                    format!("`{text}` is reference data, not a value"),
                )
                .help("use reference data with `x in SET`, `TABLE[key]` or `applies to SET`"),
            );
        }
    }

    /// The value of an expression with any optionality removed, reporting
    /// an unchecked optional.
    fn value_of(&mut self, checked: Expr) -> Expr {
        if let Ty::Optional(inner) = &checked.ty {
            self.unchecked_optional(checked.span);
            let ty = (**inner).clone();
            return Expr { ty, ..checked };
        }
        checked
    }

    pub(super) fn expr(&mut self, e: &ast::Expr, expected: Option<&Ty>, scope: &Scope) -> Expr {
        let span = e.span;
        let (kind, ty) = match &e.kind {
            ast::ExprKind::Bool(b) => (ExprKind::Const(Value::Bool(*b)), Ty::Bool),
            ast::ExprKind::Int(text) => {
                if expected == Some(&Ty::Decimal) {
                    match value::parse_decimal(text) {
                        Ok(v) => (ExprKind::Const(Value::Decimal(v)), Ty::Decimal),
                        Err(m) => return self.invalid_literal(span, m),
                    }
                } else {
                    match value::parse_int(text) {
                        Ok(v) => (ExprKind::Const(Value::Int(v)), Ty::Int),
                        Err(m) => return self.invalid_literal(span, m),
                    }
                }
            }
            ast::ExprKind::Decimal(text) => match value::parse_decimal(text) {
                Ok(v) => (ExprKind::Const(Value::Decimal(v)), Ty::Decimal),
                Err(m) => return self.invalid_literal(span, m),
            },
            ast::ExprKind::Text(t) => (ExprKind::Const(Value::Text(t.clone())), Ty::Text),
            ast::ExprKind::Date(text) => match calendar::parse_date(text) {
                Some(days) => (ExprKind::Const(Value::Date(days)), Ty::Date),
                None => {
                    return self.invalid_literal(
                        span,
                        format!("`{text}` is not a date between 0001-01-01 and 9999-12-31"),
                    );
                }
            },
            ast::ExprKind::Duration { amount, unit } => {
                let Ok(n) = value::parse_int(amount) else {
                    return self
                        .invalid_literal(span, format!("`{amount}` is too large for a duration"));
                };
                let (months, days) = match unit {
                    DurationUnit::Days => (0, Some(n)),
                    DurationUnit::Weeks => (0, n.checked_mul(7)),
                    DurationUnit::Months => (n, Some(0)),
                    DurationUnit::Years => (n.saturating_mul(12), Some(0)),
                };
                let in_range = days.is_some_and(|d| d <= 3_700_000) && months <= 120_000;
                match days {
                    Some(days) if in_range => (
                        ExprKind::Const(Value::Duration { months, days }),
                        Ty::Duration,
                    ),
                    _ => {
                        return self.invalid_literal(
                            span,
                            format!("`{amount}` is too large for a duration"),
                        );
                    }
                }
            }
            ast::ExprKind::Name(id) => return self.name(id, expected, scope),
            ast::ExprKind::Field(base, field) => return self.field(e, base, field, scope),
            ast::ExprKind::Index(base, keys) => return self.index(base, keys, span, scope),
            ast::ExprKind::Call(name, args) => return self.call(name, args, span, scope),
            ast::ExprKind::Unary(UnOp::Not, inner) => {
                let inner = self.expect(inner, &Ty::Bool, scope);
                (ExprKind::Not(Box::new(inner)), Ty::Bool)
            }
            ast::ExprKind::Unary(UnOp::Neg, inner) => {
                let inner = self.expr(inner, expected, scope);
                let inner = self.value_of(inner);
                if !inner.ty.is_numeric() {
                    let found = self.ty_name(&inner.ty);
                    self.report(
                        Diagnostic::error(
                            codes::BAD_OPERANDS,
                            span,
                            format!("cannot negate {found}"),
                        )
                        .help("only Int and Decimal values have a sign"),
                    );
                    return Self::error_expr(span);
                }
                let ty = inner.ty.clone();
                (ExprKind::Neg(Box::new(inner)), ty)
            }
            ast::ExprKind::Binary(op, lhs, rhs) => {
                return self.binary(*op, lhs, rhs, span, expected, scope);
            }
            ast::ExprKind::Presence(inner, present) => {
                let inner = self.expr(inner, None, scope);
                self.reject_container(&inner);
                if !matches!(inner.ty, Ty::Optional(_) | Ty::Error) {
                    let text = self.source_text(inner.span);
                    self.report(
                        Diagnostic::warning(
                            codes::CONSTANT_CONDITION,
                            span,
                            format!("`{text}` is never absent"),
                        )
                        .label("this value is not optional")
                        .help("remove the presence check"),
                    );
                }
                (ExprKind::Presence(Box::new(inner), *present), Ty::Bool)
            }
            ast::ExprKind::If(cond, then, otherwise) => {
                let c = self.expect(cond, &Ty::Bool, scope);
                let then_scope = scope.with_facts(super::narrow::facts_if_true(cond));
                let else_scope = scope.with_facts(super::narrow::facts_if_false(cond));
                let a = self.expr(then, expected, &then_scope);
                let b = self.expr(otherwise, expected.or(Some(&a.ty)), &else_scope);
                self.reject_container(&a);
                self.reject_container(&b);
                let Some(ty) = a.ty.join(&b.ty) else {
                    let (ta, tb) = (self.ty_name(&a.ty), self.ty_name(&b.ty));
                    self.report(
                        Diagnostic::error(
                            codes::TYPE_MISMATCH,
                            b.span,
                            format!("the branches of `if` differ: {ta} and {tb}"),
                        )
                        .with_secondary(a.span, format!("this is {ta}"))
                        .help("make both branches give the same type"),
                    );
                    return Self::error_expr(span);
                };
                (ExprKind::If(Box::new(c), Box::new(a), Box::new(b)), ty)
            }
            ast::ExprKind::Quantifier {
                kind,
                var,
                over,
                body,
            } => {
                let over = self.expr(over, None, scope);
                let over = self.value_of(over);
                let element = match &over.ty {
                    Ty::List(t) => (**t).clone(),
                    Ty::Error => Ty::Error,
                    other => {
                        let found = self.ty_name(other);
                        self.report(
                            Diagnostic::error(
                                codes::TYPE_MISMATCH,
                                over.span,
                                format!("`{}` needs a list, found {found}", kind.as_str()),
                            )
                            .help("quantifiers go over list fields, e.g. `any v in traveller.visited where ...`"),
                        );
                        Ty::Error
                    }
                };
                let inner = scope.with_local(&var.name, element);
                let body = self.expect(body, &Ty::Bool, &inner);
                let ty = if *kind == QuantifierKind::Count {
                    Ty::Int
                } else {
                    Ty::Bool
                };
                (
                    ExprKind::Quantifier {
                        kind: *kind,
                        over: Box::new(over),
                        body: Box::new(body),
                    },
                    ty,
                )
            }
            ast::ExprKind::List(items) => {
                let element_expected = match expected {
                    Some(Ty::List(t)) => Some((**t).clone()),
                    _ => None,
                };
                let mut element_ty = element_expected.clone();
                let mut checked = Vec::new();
                for item in items {
                    let c = self.expr(item, element_ty.as_ref(), scope);
                    let c = self.value_of(c);
                    self.reject_container(&c);
                    match &element_ty {
                        None => element_ty = Some(c.ty.clone()),
                        Some(t) => self.require(&c, t),
                    }
                    checked.push(c);
                }
                let ty = Ty::List(Box::new(element_ty.unwrap_or(Ty::Error)));
                (ExprKind::List(checked), ty)
            }
            ast::ExprKind::Record(fields) => {
                return self.record_literal(fields, span, expected, scope);
            }
            ast::ExprKind::Paren(inner) => return self.expr(inner, expected, scope),
        };
        Expr { kind, ty, span }
    }

    fn invalid_literal(&mut self, span: Span, message: String) -> Expr {
        self.report(
            Diagnostic::error(codes::INVALID_LITERAL, span, message)
                .help("see docs/language.md, \"Literals\", for the accepted forms and ranges"),
        );
        Self::error_expr(span)
    }

    fn name(&mut self, id: &ast::Ident, expected: Option<&Ty>, scope: &Scope) -> Expr {
        let span = id.span;
        if let Some((depth, ty)) = scope.local(&id.name) {
            let ty = scope.narrowed(&id.name, ty);
            return Expr {
                kind: ExprKind::Local(depth),
                ty,
                span,
            };
        }
        if let Some((subject, ty)) = &scope.subject
            && *subject == id.name
        {
            return Expr {
                kind: ExprKind::Subject,
                ty: ty.clone(),
                span,
            };
        }
        if id.name == "context" {
            return Expr {
                kind: ExprKind::Context,
                ty: Ty::Record(self.program.context),
                span,
            };
        }
        if let Some(decision) = scope.decision
            && let Some(index) = self.aggregate_index(decision, &id.name)
        {
            return Expr {
                kind: ExprKind::Aggregate(index),
                ty: Ty::Int,
                span,
            };
        }
        // Enum values and country codes are read by the type the place expects.
        if let Some(Ty::Enum(e)) = expected.map(Ty::without_optional)
            && let Some(pos) = self.enum_value(*e, &id.name)
        {
            return Expr {
                kind: ExprKind::Const(Value::Enum(*e, pos)),
                ty: Ty::Enum(*e),
                span,
            };
        }
        if let Some(entry) = self.values.get(&id.name).cloned() {
            let value = self.value_entry(&id.name, entry, span, scope);
            let ty = scope.narrowed(&id.name, value.ty.clone());
            return Expr { ty, ..value };
        }
        if let Some(code) = countries::canonical(&id.name) {
            return Expr {
                kind: ExprKind::Const(Value::Country(code.to_string())),
                ty: Ty::Country,
                span,
            };
        }
        if matches!(expected.map(Ty::without_optional), Some(Ty::Country))
            && id.name.len() <= 3
            && id.name.chars().all(|c| c.is_ascii_uppercase())
        {
            let help = suggest::did_you_mean(&id.name, countries::all()).unwrap_or_else(|| {
                "use an ISO 3166-1 alpha-3 code or an ICAO 9303 code".to_string()
            });
            self.report(
                Diagnostic::error(
                    codes::UNKNOWN_COUNTRY,
                    span,
                    format!("unknown country code `{}`", id.name),
                )
                .help(help),
            );
            return Self::error_expr(span);
        }
        let mut candidates: Vec<String> = self.values.keys().cloned().collect();
        candidates.extend(scope.visible_names());
        candidates.push("context".to_string());
        if let Some(Ty::Enum(e)) = expected.map(Ty::without_optional)
            && let Some(def) = self.program.enums.get(e.0 as usize)
        {
            candidates.extend(def.values.iter().cloned());
        }
        let mut d = Diagnostic::error(
            codes::UNKNOWN_NAME,
            span,
            format!("unknown name `{}`", id.name),
        )
        .label("not defined here");
        let help = suggest::did_you_mean(&id.name, candidates.iter().map(String::as_str));
        d = match help {
            Some(h) => d.help(h),
            None => match scope.enum_hint(self, &id.name) {
                Some(h) => d.help(h),
                None => d.help("define it with `let`, `set` or `table`, or check the spelling"),
            },
        };
        self.report(d);
        Self::error_expr(span)
    }

    fn value_entry(&mut self, name: &str, entry: ValueEntry, span: Span, scope: &Scope) -> Expr {
        match entry {
            ValueEntry::Set(index) => {
                let element = self
                    .program
                    .sets
                    .get(index)
                    .map_or(Ty::Error, |s| s.element.clone());
                Expr {
                    kind: ExprKind::Set(index),
                    ty: Ty::Set(Box::new(element)),
                    span,
                }
            }
            ValueEntry::Table(id) => Expr {
                kind: ExprKind::Table(id),
                ty: Ty::Table(id),
                span,
            },
            ValueEntry::Import(_) => {
                self.report(
                    Diagnostic::error(
                        codes::NOT_ALLOWED_HERE,
                        span,
                        format!("`{name}` is an imported package, not a value"),
                    )
                    .help(format!("name one of its sets or tables: `{name}.NAME`")),
                );
                Self::error_expr(span)
            }
            ValueEntry::Derived(item) => self.derived_value(name, item, span, scope),
        }
    }

    fn field(
        &mut self,
        whole: &ast::Expr,
        base: &ast::Expr,
        field: &ast::Ident,
        scope: &Scope,
    ) -> Expr {
        let span = whole.span;
        if let ast::ExprKind::Name(package) = &base.kind
            && scope.local(&package.name).is_none()
            && let Some(ValueEntry::Import(dep)) = self.values.get(&package.name).cloned()
        {
            return self.imported_value(dep, package, field, span);
        }
        let base_checked = self.expr(base, None, scope);
        if base_checked.ty.is_error() {
            return Self::error_expr(span);
        }
        let base_checked = self.value_of(base_checked);
        let Ty::Record(record) = base_checked.ty else {
            let found = self.ty_name(&base_checked.ty);
            self.report(
                Diagnostic::error(
                    codes::NOT_A_RECORD,
                    field.span,
                    format!("{found} has no field `{}`", field.name),
                )
                .with_secondary(base_checked.span, format!("this is {found}"))
                .help("only records (schemas, table rows, the context) have fields"),
            );
            return Self::error_expr(span);
        };
        let Some(def) = self.program.records.get(record.0 as usize).cloned() else {
            return Self::error_expr(span);
        };
        let Some((index, field_def)) = def.field(&field.name) else {
            let help =
                suggest::did_you_mean(&field.name, def.fields.iter().map(|f| f.name.as_str()))
                    .unwrap_or_else(|| {
                        let names: Vec<&str> = def.fields.iter().map(|f| f.name.as_str()).collect();
                        format!("`{}` has the fields {}", def.name, names.join(", "))
                    });
            let mut d = Diagnostic::error(
                codes::UNKNOWN_FIELD,
                field.span,
                format!("`{}` has no field `{}`", def.name, field.name),
            )
            .label("unknown field")
            .help(help);
            if let Some(decl) = def.span {
                d = d.with_secondary(decl, format!("`{}` is declared here", def.name));
            }
            self.report(d);
            return Self::error_expr(span);
        };
        if field_def.sensitive && scope.decision_logic {
            let path = self.source_text(span);
            let decision = scope
                .decision
                .and_then(|d| self.program.decisions.get(d))
                .map_or(String::new(), |d| d.name.clone());
            self.report(
                Diagnostic::warning(
                    codes::READS_SENSITIVE,
                    span,
                    format!("decision `{decision}` reads sensitive field `{path}`"),
                )
                .label("marked `sensitive` in the schema")
                .help("screening must not be driven by data revealing race, religion, politics, health or sex life; remove the condition or the annotation after review"),
            );
        }
        let key = super::narrow::path_key(whole);
        let ty = match key {
            Some(k) => scope.narrowed(&k, field_def.ty.clone()),
            None => field_def.ty.clone(),
        };
        Expr {
            kind: ExprKind::Field(Box::new(base_checked), index),
            ty,
            span,
        }
    }

    fn index(&mut self, base: &ast::Expr, keys: &[ast::Expr], span: Span, scope: &Scope) -> Expr {
        let base = self.expr(base, None, scope);
        let Ty::Table(table) = base.ty else {
            if !base.ty.is_error() {
                let found = self.ty_name(&base.ty);
                self.report(
                    Diagnostic::error(
                        codes::BAD_OPERANDS,
                        base.span,
                        format!("cannot look up a key in {found}"),
                    )
                    .help("`NAME[key]` looks up a row of a reference table"),
                );
            }
            return Self::error_expr(span);
        };
        let Some(def) = self.program.tables.get(table.0 as usize).cloned() else {
            return Self::error_expr(span);
        };
        let row = self.program.records.get(def.row.0 as usize).cloned();
        let key_types: Vec<Ty> = def
            .keys
            .iter()
            .map(|k| {
                row.as_ref()
                    .and_then(|r| r.fields.get(*k))
                    .map_or(Ty::Error, |f| f.ty.clone())
            })
            .collect();
        if keys.len() != key_types.len() {
            self.report(
                Diagnostic::error(
                    codes::WRONG_ARGUMENT_COUNT,
                    span,
                    format!(
                        "`{}` has {} key column(s), given {}",
                        def.name,
                        key_types.len(),
                        keys.len()
                    ),
                )
                .help("give one value per key column, in declaration order"),
            );
            return Self::error_expr(span);
        }
        let checked = keys
            .iter()
            .zip(&key_types)
            .map(|(k, t)| self.expect(k, t, scope))
            .collect();
        Expr {
            kind: ExprKind::Lookup(table, checked),
            ty: Ty::Record(def.row).optional(),
            span,
        }
    }

    fn call(&mut self, name: &ast::Ident, args: &[ast::Expr], span: Span, scope: &Scope) -> Expr {
        let Some((builtin, signature)) = builtins::lookup(&name.name) else {
            let help =
                suggest::did_you_mean(&name.name, builtins::BUILTINS.iter().map(|(n, _, _)| *n))
                    .unwrap_or_else(|| "see docs/language.md, \"Builtin functions\"".to_string());
            self.report(
                Diagnostic::error(
                    codes::UNKNOWN_FUNCTION,
                    name.span,
                    format!("unknown function `{}`", name.name),
                )
                .help(help),
            );
            return Self::error_expr(span);
        };
        if args.len() != signature.arity() {
            self.report(
                Diagnostic::error(
                    codes::WRONG_ARGUMENT_COUNT,
                    span,
                    format!(
                        "`{}` takes {} argument(s), given {}",
                        name.name,
                        signature.arity(),
                        args.len()
                    ),
                )
                .help(format!("call it as {}", call_shape(&name.name, signature))),
            );
            return Self::error_expr(span);
        }
        let mut checked: Vec<Expr> = Vec::new();
        let ty = match signature {
            Signature::DatesToInt => {
                for a in args {
                    checked.push(self.expect(a, &Ty::Date, scope));
                }
                Ty::Int
            }
            Signature::IntToDuration => {
                for a in args {
                    checked.push(self.expect(a, &Ty::Int, scope));
                }
                Ty::Duration
            }
            Signature::ListToInt => {
                for a in args {
                    let c = self.expr(a, None, scope);
                    let c = self.value_of(c);
                    if !matches!(c.ty, Ty::List(_) | Ty::Error) {
                        let found = self.ty_name(&c.ty);
                        self.report(
                            Diagnostic::error(
                                codes::TYPE_MISMATCH,
                                c.span,
                                format!("expected a list, found {found}"),
                            )
                            .help("`size` counts the elements of a list; use `length` for text"),
                        );
                    }
                    checked.push(c);
                }
                Ty::Int
            }
            Signature::TextToText
            | Signature::TextToInt
            | Signature::TextsToBool
            | Signature::TextsToDecimal => {
                for a in args {
                    checked.push(self.expect(a, &Ty::Text, scope));
                }
                match signature {
                    Signature::TextToText => Ty::Text,
                    Signature::TextToInt => Ty::Int,
                    Signature::TextsToDecimal => Ty::Decimal,
                    _ => Ty::Bool,
                }
            }
            Signature::NumbersToNumber | Signature::NumberToNumber => {
                let mut ty = Ty::Int;
                let mut dates = 0;
                for a in args {
                    let c = self.expr(a, None, scope);
                    let c = self.value_of(c);
                    // min and max also order dates; abs does not.
                    if c.ty == Ty::Date && signature == Signature::NumbersToNumber {
                        dates += 1;
                    } else if !c.ty.is_numeric() {
                        self.require(&c, &Ty::Decimal);
                    } else if c.ty == Ty::Decimal {
                        ty = Ty::Decimal;
                    }
                    checked.push(c);
                }
                match dates {
                    0 => ty,
                    n if n == checked.len() => Ty::Date,
                    _ => {
                        self.report(
                            Diagnostic::error(
                                codes::TYPE_MISMATCH,
                                span,
                                format!("`{}` needs two dates or two numbers", name.name),
                            )
                            .help("compare dates with dates and numbers with numbers"),
                        );
                        Ty::Error
                    }
                }
            }
        };
        Expr {
            kind: ExprKind::Call(builtin, checked),
            ty,
            span,
        }
    }

    fn binary(
        &mut self,
        op: BinOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
        expected: Option<&Ty>,
        scope: &Scope,
    ) -> Expr {
        match op {
            BinOp::And | BinOp::Or => {
                let l = self.expect(lhs, &Ty::Bool, scope);
                let facts = if op == BinOp::And {
                    super::narrow::facts_if_true(lhs)
                } else {
                    super::narrow::facts_if_false(lhs)
                };
                let r = self.expect(rhs, &Ty::Bool, &scope.with_facts(facts));
                Expr {
                    kind: ExprKind::Binary(op, Box::new(l), Box::new(r)),
                    ty: Ty::Bool,
                    span,
                }
            }
            BinOp::Otherwise => {
                let l = self.expr(lhs, expected, scope);
                self.reject_container(&l);
                let inner = l.ty.without_optional().clone();
                if !matches!(l.ty, Ty::Optional(_) | Ty::Error) {
                    let text = self.source_text(l.span);
                    self.report(
                        Diagnostic::warning(
                            codes::CONSTANT_CONDITION,
                            span,
                            format!("`{text}` is never absent"),
                        )
                        .label("the default is never used")
                        .help("remove `otherwise ...`"),
                    );
                }
                let r = self.expr(rhs, Some(&inner), scope);
                let r = self.value_of(r);
                self.require(&r, &inner);
                let ty = inner.join(&r.ty).unwrap_or(inner);
                Expr {
                    kind: ExprKind::Binary(op, Box::new(l), Box::new(r)),
                    ty,
                    span,
                }
            }
            BinOp::In | BinOp::NotIn => self.membership(op, lhs, rhs, span, scope),
            _ => {
                // A bare enum value or country code on the left takes its
                // type from the right.
                let left_first = !self.is_unresolved_name(lhs, scope);
                // `==` and `!=` may compare an optional value with a present
                // one (absent equals only absent); the HIR keeps the
                // optional type so that evaluators know.
                let equality = matches!(op, BinOp::Eq | BinOp::Ne);
                let strip =
                    |checker: &mut Self, e: Expr| if equality { e } else { checker.value_of(e) };
                let (l, r) = if left_first {
                    let l = self.expr(lhs, None, scope);
                    let l = strip(self, l);
                    let r = self.expr(rhs, Some(l.ty.without_optional()), scope);
                    (l, strip(self, r))
                } else {
                    let r = self.expr(rhs, None, scope);
                    let r = strip(self, r);
                    let l = self.expr(lhs, Some(r.ty.without_optional()), scope);
                    (strip(self, l), r)
                };
                let ty = self.binary_type(op, &l, &r, span);
                Expr {
                    kind: ExprKind::Binary(op, Box::new(l), Box::new(r)),
                    ty,
                    span,
                }
            }
        }
    }

    fn is_unresolved_name(&self, e: &ast::Expr, scope: &Scope) -> bool {
        match &e.kind {
            ast::ExprKind::Name(id) => {
                scope.local(&id.name).is_none()
                    && scope.subject.as_ref().is_none_or(|(s, _)| *s != id.name)
                    && id.name != "context"
                    && !self.values.contains_key(&id.name)
                    && scope
                        .decision
                        .is_none_or(|d| self.aggregate_index(d, &id.name).is_none())
            }
            _ => false,
        }
    }

    fn binary_type(&mut self, op: BinOp, l: &Expr, r: &Expr, span: Span) -> Ty {
        if l.ty.is_error() || r.ty.is_error() {
            return if op.is_comparison() {
                Ty::Bool
            } else {
                Ty::Error
            };
        }
        let result = match op {
            BinOp::Eq | BinOp::Ne => {
                l.ty.without_optional()
                    .comparable_with(r.ty.without_optional())
                    .then_some(Ty::Bool)
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => match (&l.ty, &r.ty) {
                (a, b) if a.is_numeric() && b.is_numeric() => Some(Ty::Bool),
                (Ty::Date, Ty::Date) => Some(Ty::Bool),
                _ => None,
            },
            BinOp::Add | BinOp::Sub => match (&l.ty, &r.ty) {
                (Ty::Int, Ty::Int) => Some(Ty::Int),
                (a, b) if a.is_numeric() && b.is_numeric() => Some(Ty::Decimal),
                (Ty::Date, Ty::Duration) => Some(Ty::Date),
                (Ty::Duration, Ty::Date) if op == BinOp::Add => Some(Ty::Date),
                _ => None,
            },
            BinOp::Mul | BinOp::Div => match (&l.ty, &r.ty) {
                (Ty::Int, Ty::Int) => Some(Ty::Int),
                (a, b) if a.is_numeric() && b.is_numeric() => Some(Ty::Decimal),
                _ => None,
            },
            _ => None,
        };
        if let Some(ty) = result {
            return ty;
        }
        let (lt, rt) = (self.ty_name(&l.ty), self.ty_name(&r.ty));
        let same_kind = l.ty == r.ty || (l.ty.is_numeric() && r.ty.is_numeric());
        let (code, message) = if op.is_comparison() && same_kind {
            (
                codes::BAD_OPERANDS,
                format!("`{}` is not defined for {lt}", op.as_str()),
            )
        } else if op.is_comparison() {
            (
                codes::TYPE_MISMATCH,
                format!("cannot compare {lt} with {rt} using `{}`", op.as_str()),
            )
        } else {
            (
                codes::BAD_OPERANDS,
                format!("`{}` is not defined for {lt} and {rt}", op.as_str()),
            )
        };
        let help = match (&l.ty, &r.ty) {
            (Ty::Text, Ty::Country) | (Ty::Country, Ty::Text) => {
                "write country codes without quotes, e.g. `IDN`".to_string()
            }
            (Ty::Date, Ty::Int) | (Ty::Int, Ty::Date) => {
                "add a duration to a date (`date + 6 months`) or count days with `days_between(a, b)`".to_string()
            }
            (Ty::Date, Ty::Date) => "use `days_between(a, b)` for the days between two dates".to_string(),
            (Ty::Text, Ty::Text) => "text has no order; compare it with `==`, `!=` or `starts_with`".to_string(),
            (Ty::Duration, _) | (_, Ty::Duration) => {
                "durations are only added to or subtracted from dates".to_string()
            }
            _ => "both sides must have compatible types; see docs/language.md, \"Operators and precedence\"".to_string(),
        };
        // The right operand carries the primary label: overlapping labels
        // over the whole expression are hard to read.
        let _ = span;
        self.report(
            Diagnostic::error(code, r.span, message)
                .label(format!("this is {rt}"))
                .with_secondary(l.span, format!("this is {lt}"))
                .help(help),
        );
        if op.is_comparison() {
            Ty::Bool
        } else {
            Ty::Error
        }
    }

    fn membership(
        &mut self,
        op: BinOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: Span,
        scope: &Scope,
    ) -> Expr {
        let l_first = !self.is_unresolved_name(lhs, scope);
        let (l, r) = if l_first {
            let l = self.expr(lhs, None, scope);
            let l = self.value_of(l);
            let r = match &rhs.kind {
                // The left side only helps read bare enum values and country
                // codes in the list; a mismatch is reported once, below.
                ast::ExprKind::List(items) => {
                    self.list_for_membership(items, &l.ty, rhs.span, scope)
                }
                _ => {
                    let expected = Ty::List(Box::new(l.ty.clone()));
                    self.expr(rhs, Some(&expected), scope)
                }
            };
            (l, self.value_of(r))
        } else {
            let r = self.expr(rhs, None, scope);
            let r = self.value_of(r);
            let element = self.element_type(&r.ty);
            let l = self.expr(lhs, element.as_ref(), scope);
            (self.value_of(l), r)
        };
        match self.element_type(&r.ty) {
            Some(element) => {
                if !l.ty.comparable_with(&element) {
                    let (lt, et) = (self.ty_name(&l.ty), self.ty_name(&element));
                    let mut d = Diagnostic::error(
                        codes::TYPE_MISMATCH,
                        l.span,
                        format!("cannot look for {lt} among {et} values"),
                    )
                    .with_secondary(r.span, format!("this holds {et}"));
                    d = if matches!((&l.ty, &element), (Ty::Text, Ty::Country)) {
                        d.help("write country codes without quotes, e.g. `IDN`")
                    } else {
                        d.help(format!("the value must be {et}"))
                    };
                    self.report(d);
                }
            }
            None if r.ty.is_error() => {}
            None => {
                let found = self.ty_name(&r.ty);
                self.report(
                    Diagnostic::error(
                        codes::BAD_OPERANDS,
                        r.span,
                        format!(
                            "`{}` needs a set, list or table, found {found}",
                            op.as_str()
                        ),
                    )
                    .help("write `x in SET`, `x in [a, b]` or `key in TABLE`"),
                );
            }
        }
        Expr {
            kind: ExprKind::Binary(op, Box::new(l), Box::new(r)),
            ty: Ty::Bool,
            span,
        }
    }

    fn list_for_membership(
        &mut self,
        items: &[ast::Expr],
        hint: &Ty,
        span: Span,
        scope: &Scope,
    ) -> Expr {
        let mut element: Option<Ty> = None;
        let mut checked = Vec::new();
        for item in items {
            let c = self.expr(item, Some(hint), scope);
            let c = self.value_of(c);
            match &element {
                None if !c.ty.is_error() => element = Some(c.ty.clone()),
                Some(t) => self.require(&c, t),
                None => {}
            }
            checked.push(c);
        }
        Expr {
            kind: ExprKind::List(checked),
            ty: Ty::List(Box::new(element.unwrap_or(Ty::Error))),
            span,
        }
    }

    /// What `x in C` compares `x` with, for a container type `C`.
    fn element_type(&self, container: &Ty) -> Option<Ty> {
        match container {
            Ty::Set(t) | Ty::List(t) => Some((**t).clone()),
            Ty::Table(id) => {
                let def = self.program.tables.get(id.0 as usize)?;
                let [key] = def.keys.as_slice() else {
                    return None;
                };
                let row = self.program.records.get(def.row.0 as usize)?;
                row.fields.get(*key).map(|f| f.ty.clone())
            }
            _ => None,
        }
    }

    fn record_literal(
        &mut self,
        fields: &[(ast::Ident, ast::Expr)],
        span: Span,
        expected: Option<&Ty>,
        scope: &Scope,
    ) -> Expr {
        if !scope.literals {
            self.report(
                Diagnostic::error(codes::NOT_ALLOWED_HERE, span, "a record is not expected here")
                    .help("record literals describe test inputs and contexts; compare fields one by one instead"),
            );
            return Self::error_expr(span);
        }
        let Some(Ty::Record(record)) = expected.map(Ty::without_optional).cloned() else {
            if expected.is_some_and(|t| !t.is_error()) || expected.is_none() {
                self.report(
                    Diagnostic::error(
                        codes::NOT_ALLOWED_HERE,
                        span,
                        "a record is not expected here",
                    )
                    .help("record literals describe test inputs and contexts"),
                );
            }
            return Self::error_expr(span);
        };
        let Some(def) = self.program.records.get(record.0 as usize).cloned() else {
            return Self::error_expr(span);
        };
        let mut values: Vec<Option<Expr>> = vec![None; def.fields.len()];
        for (name, value) in fields {
            match def.field(&name.name) {
                Some((index, field)) => {
                    if values.get(index).is_some_and(Option::is_some) {
                        self.report(
                            Diagnostic::error(
                                codes::DUPLICATE,
                                name.span,
                                format!("field `{}` is given twice", name.name),
                            )
                            .help("remove one of them"),
                        );
                    }
                    let checked = self.expr(value, Some(&field.ty), scope);
                    self.require(&checked, &field.ty);
                    if let Some(slot) = values.get_mut(index) {
                        *slot = Some(checked);
                    }
                }
                None => {
                    let help = suggest::did_you_mean(
                        &name.name,
                        def.fields.iter().map(|f| f.name.as_str()),
                    )
                    .unwrap_or_else(|| format!("remove it; `{}` has no such field", def.name));
                    self.report(
                        Diagnostic::error(
                            codes::UNKNOWN_FIELD,
                            name.span,
                            format!("`{}` has no field `{}`", def.name, name.name),
                        )
                        .help(help),
                    );
                }
            }
        }
        let mut missing = Vec::new();
        let mut checked = Vec::new();
        for (field, value) in def.fields.iter().zip(values) {
            match value {
                Some(v) => checked.push(v),
                None => {
                    let default = match &field.ty {
                        Ty::Optional(_) => Some(Value::Absent),
                        Ty::List(_) => Some(Value::List(Vec::new())),
                        _ => None,
                    };
                    match default {
                        Some(v) => checked.push(Expr {
                            kind: ExprKind::Const(v),
                            ty: field.ty.clone(),
                            span,
                        }),
                        None => {
                            missing.push(field.name.clone());
                            checked.push(Self::error_expr(span));
                        }
                    }
                }
            }
        }
        if !missing.is_empty() {
            self.report(
                Diagnostic::error(
                    codes::TYPE_MISMATCH,
                    span,
                    format!(
                        "`{}` needs the field(s) {}",
                        def.name,
                        quoted_list(&missing)
                    ),
                )
                .label("incomplete record")
                .help("give every field that is not `optional` or a list"),
            );
        }
        Expr {
            kind: ExprKind::Record(record, checked),
            ty: Ty::Record(record),
            span,
        }
    }
}

fn call_shape(name: &str, signature: Signature) -> String {
    let args = match signature {
        Signature::DatesToInt => "from_date, to_date",
        Signature::IntToDuration => "count",
        Signature::ListToInt => "list",
        Signature::TextToText | Signature::TextToInt => "text",
        Signature::TextsToBool => "text, part",
        Signature::TextsToDecimal => "name, other_name",
        Signature::NumbersToNumber => "a, b",
        Signature::NumberToNumber => "x",
    };
    format!("`{name}({args})`")
}

pub(super) fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[allow(dead_code)]
pub(super) fn builtin_name(b: Builtin) -> &'static str {
    builtins::name_of(b)
}

impl Checker<'_> {
    /// `package.NAME` for a package brought in with `import`: its sets and
    /// tables of built-in types are copied into this program.
    fn imported_value(
        &mut self,
        dep: crate::workspace::PackageId,
        package: &ast::Ident,
        name: &ast::Ident,
        span: Span,
    ) -> Expr {
        let key = format!("{}.{}", package.name, name.name);
        if let Some(entry) = self.values.get(&key).cloned() {
            return self.value_entry(&key, entry, span, &Scope::default());
        }
        let checked = super::check_package(self.ws, dep);
        let program = checked.program;
        if let Some(set) = program.sets.iter().find(|s| s.name == name.name) {
            if matches!(set.element, Ty::Enum(_) | Ty::Record(_)) {
                return self.not_importable(&key, span);
            }
            let index = self.program.sets.len();
            let mut copy = set.clone();
            copy.name = key.clone();
            self.program.sets.push(copy);
            self.values
                .insert(key.clone(), super::ValueEntry::Set(index));
            return self.value_entry(&key, super::ValueEntry::Set(index), span, &Scope::default());
        }
        if let Some(table) = program.tables.iter().find(|t| t.name == name.name) {
            let Some(row) = program.records.get(table.row.0 as usize) else {
                return Self::error_expr(span);
            };
            if row
                .fields
                .iter()
                .any(|f| matches!(f.ty.without_optional(), Ty::Enum(_) | Ty::Record(_)))
            {
                return self.not_importable(&key, span);
            }
            let row_id = crate::types::RecordId(
                u32::try_from(self.program.records.len()).unwrap_or(u32::MAX),
            );
            self.program.records.push(row.clone());
            let id =
                crate::types::TableId(u32::try_from(self.program.tables.len()).unwrap_or(u32::MAX));
            let mut copy = table.clone();
            copy.name = key.clone();
            copy.row = row_id;
            self.program.tables.push(copy);
            self.values
                .insert(key.clone(), super::ValueEntry::Table(id));
            return self.value_entry(&key, super::ValueEntry::Table(id), span, &Scope::default());
        }
        let names: Vec<&str> = program
            .sets
            .iter()
            .map(|s| s.name.as_str())
            .chain(program.tables.iter().map(|t| t.name.as_str()))
            .collect();
        let help = suggest::did_you_mean(&name.name, names).unwrap_or_else(|| {
            format!(
                "only sets and tables of `{}` can be used from here",
                package.name
            )
        });
        self.report(
            Diagnostic::error(
                codes::UNKNOWN_NAME,
                name.span,
                format!(
                    "package `{}` has no set or table `{}`",
                    package.name, name.name
                ),
            )
            .help(help),
        );
        Self::error_expr(span)
    }

    fn not_importable(&mut self, key: &str, span: Span) -> Expr {
        self.report(
            Diagnostic::error(codes::NOT_ALLOWED_HERE, span, format!("`{key}` holds types of its own package"))
                .help("only sets and tables of built-in types (Text, Country, Int, Date, ...) can be imported; extend the package instead"),
        );
        Self::error_expr(span)
    }
}
