//! Reason codes, purposes, decisions, rules and sharing policies.

use super::{Checker, Scope};
use crate::calendar;
use crate::hir::{
    AggregateDef, AllowDef, CodeDef, DecisionDef, FieldPath, RuleDef, SharingDef, WithholdDef,
};
use crate::types::{RecordId, Ty};
use crate::value::Value;
use lintas_syntax::ast::{self, DecisionClause, ItemKind, Mode, RuleClause};
use lintas_syntax::{Diagnostic, Span, codes};

impl Checker<'_> {
    pub(super) fn build_codes(&mut self) {
        let items = self.items.clone();
        for (index, item_ref) in items.iter().enumerate() {
            if !self.is_live(index) {
                continue;
            }
            let (decl, is_reason) = match &item_ref.item.kind {
                ItemKind::Reason(c) => (c, true),
                ItemKind::Purpose(c) => (c, false),
                _ => continue,
            };
            if is_reason && super::tests::BUILT_IN_REASONS.contains(&decl.name.name.as_str()) {
                self.report(
                    Diagnostic::error(codes::DUPLICATE, decl.name.span, format!("`{}` is a built-in reason code", decl.name.name))
                        .help("every decision gives it when a record fails closed; remove this declaration"),
                );
                continue;
            }
            let def = CodeDef {
                name: decl.name.name.clone(),
                description: decl
                    .description
                    .as_ref()
                    .map(|d| d.value.clone())
                    .unwrap_or_default(),
                span: decl.name.span,
            };
            if is_reason {
                if item_ref.level + 1 == self.chain.len() {
                    self.local_reasons.insert(def.name.clone());
                }
                self.program.reasons.push(def);
            } else {
                self.program.purposes.push(def);
            }
        }
        self.program.purposes.sort_by(|a, b| a.name.cmp(&b.name));
    }

    fn subject_schema(&mut self, schema: &ast::Ident) -> Option<RecordId> {
        match self.types.get(&schema.name) {
            Some(super::TypeEntry::Record(id)) => Some(*id),
            Some(super::TypeEntry::Enum(_)) => {
                self.report(
                    Diagnostic::error(codes::TYPE_MISMATCH, schema.span, format!("`{}` is an enum, not a schema", schema.name))
                        .help("decisions and sharing policies are made over a record declared with `schema`"),
                );
                None
            }
            None => {
                let names: Vec<&str> = self.types.keys().map(String::as_str).collect();
                let help = crate::suggest::did_you_mean(&schema.name, names)
                    .unwrap_or_else(|| "declare it with `schema NAME { ... }`".to_string());
                self.report(
                    Diagnostic::error(
                        codes::UNKNOWN_TYPE,
                        schema.span,
                        format!("unknown schema `{}`", schema.name),
                    )
                    .help(help),
                );
                None
            }
        }
    }

    pub(super) fn build_decisions(&mut self) {
        let items = self.items.clone();
        for (index, item_ref) in items.iter().enumerate() {
            if !self.is_live(index) {
                continue;
            }
            let ItemKind::Decision(d) = &item_ref.item.kind else {
                continue;
            };
            let schema = self.subject_schema(&d.schema);
            let mut outcomes: Vec<String> = Vec::new();
            let mut outcomes_span = None;
            let mut default = None;
            let mut on_error = None;
            for clause in &d.clauses {
                match clause {
                    DecisionClause::Outcomes(names, span) => {
                        if outcomes_span.is_some() {
                            self.repeated_clause("outcomes", *span);
                            continue;
                        }
                        outcomes_span = Some(*span);
                        for n in names {
                            if outcomes.contains(&n.name) {
                                self.report(
                                    Diagnostic::error(
                                        codes::BAD_DECISION,
                                        n.span,
                                        format!("outcome `{}` is listed twice", n.name),
                                    )
                                    .help("list each outcome once, most severe first"),
                                );
                            } else {
                                outcomes.push(n.name.clone());
                            }
                        }
                    }
                    DecisionClause::Default(n, span) => {
                        if default.is_some() {
                            self.repeated_clause("default", *span);
                        } else {
                            default = Some(n.clone());
                        }
                    }
                    DecisionClause::OnError(n, span) => {
                        if on_error.is_some() {
                            self.repeated_clause("on error", *span);
                        } else {
                            on_error = Some(n.clone());
                        }
                    }
                    DecisionClause::Aggregate(_) => {}
                }
            }
            if outcomes_span.is_none() {
                self.report(
                    Diagnostic::error(
                        codes::BAD_CLAUSES,
                        d.name.span,
                        format!("decision `{}` lists no outcomes", d.name.name),
                    )
                    .help("add `outcomes deny > refer > manual > autogate`, most severe first"),
                );
            }
            let default_index = match &default {
                Some(n) => self.outcome_index(&outcomes, n, &d.name.name),
                None => {
                    self.report(
                        Diagnostic::error(
                            codes::BAD_CLAUSES,
                            d.name.span,
                            format!("decision `{}` has no default outcome", d.name.name),
                        )
                        .help("add `default OUTCOME`: the outcome when no rule fires"),
                    );
                    None
                }
            };
            let on_error_index = match &on_error {
                Some(n) => self.outcome_index(&outcomes, n, &d.name.name),
                None => match outcomes.iter().position(|o| o == "refer") {
                    Some(i) => Some(i),
                    None if outcomes.is_empty() => None,
                    None => {
                        self.report(
                            Diagnostic::error(
                                codes::BAD_DECISION,
                                d.name.span,
                                format!("decision `{}` has no fail-closed outcome", d.name.name),
                            )
                            .help("add `on error OUTCOME`: what a record that cannot be evaluated gets (it is never waved through)"),
                        );
                        None
                    }
                },
            };
            if let (Some(e), Some(dflt)) = (on_error_index, default_index)
                && e > dflt
                && let Some(n) = &on_error
            {
                self.report(
                        Diagnostic::warning(
                            codes::BAD_DECISION,
                            n.span,
                            format!("`on error {}` is less severe than the default `{}`", n.name, outcomes.get(dflt).cloned().unwrap_or_default()),
                        )
                        .help("a record that cannot be evaluated should get an outcome at least as severe as the default"),
                    );
            }
            let span = d.name.span;
            let decision_index = self.program.decisions.len();
            self.program.decisions.push(DecisionDef {
                name: d.name.name.clone(),
                subject: d.subject.name.clone(),
                schema: schema.unwrap_or(RecordId(u32::MAX)),
                over_manifest: d.over_manifest,
                outcomes,
                default: default_index.unwrap_or(0),
                on_error: on_error_index.unwrap_or(0),
                aggregates: Vec::new(),
                lets: Vec::new(),
                scores: Vec::new(),
                tables: Vec::new(),
                rules: Vec::new(),
                span,
            });
            if schema.is_none() {
                // Without a schema the subject's type is unknown; use the
                // error type so that uses of it are not reported again.
                if let Some(def) = self.program.decisions.get_mut(decision_index) {
                    def.schema = RecordId(u32::MAX);
                }
            }
            self.decisions.insert(d.name.name.clone(), decision_index);
            self.check_aggregates(decision_index, d);
        }
    }

    fn check_aggregates(&mut self, decision: usize, d: &ast::Decision) {
        let mut scope = self.decision_scope(decision);
        if self
            .program
            .decisions
            .get(decision)
            .is_some_and(|d| d.schema.0 == u32::MAX)
        {
            scope.subject = Some((d.subject.name.clone(), Ty::Error));
        }
        for clause in &d.clauses {
            let DecisionClause::Aggregate(agg) = clause else {
                continue;
            };
            if !d.over_manifest {
                self.report(
                    Diagnostic::error(
                        codes::NOT_ALLOWED_HERE,
                        agg.span,
                        "aggregates need a manifest decision",
                    )
                    .help(format!(
                        "declare the decision as `decision {} for each {}: {} in manifest`",
                        d.name.name, d.subject.name, d.schema.name
                    )),
                );
                continue;
            }
            let keys: Vec<crate::hir::Expr> = agg
                .keys
                .iter()
                .map(|k| {
                    let c = self.expr(k, None, &scope);
                    if matches!(c.ty, Ty::Optional(_)) {
                        self.unchecked_optional(c.span);
                    }
                    self.reject_container(&c);
                    c
                })
                .collect();
            let filter = agg
                .filter
                .as_ref()
                .map(|f| self.expect(f, &Ty::Bool, &scope));
            // Aggregates are computed over the manifest before any member is
            // decided, so they cannot be built on other aggregates.
            if keys
                .iter()
                .chain(filter.iter())
                .any(|e| self.uses_aggregate(decision, e, 0))
            {
                self.report(
                    Diagnostic::error(
                        codes::NOT_ALLOWED_HERE,
                        agg.span,
                        format!("aggregate `{}` uses another aggregate", agg.name.name),
                    )
                    .help("count by the underlying fields instead; aggregates are computed from each member's own data"),
                );
            }
            if let Some(def) = self.program.decisions.get_mut(decision) {
                if def.aggregates.iter().any(|a| a.name == agg.name.name) {
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::DUPLICATE,
                            agg.name.span,
                            format!("aggregate `{}` is defined twice", agg.name.name),
                        )
                        .help("rename one of them"),
                    );
                    continue;
                }
                def.aggregates.push(AggregateDef {
                    name: agg.name.name.clone(),
                    keys,
                    filter,
                    span: agg.span,
                });
            }
        }
    }

    /// Whether `e` reads an aggregate, directly or through lets, scores or
    /// decision tables of the decision.
    fn uses_aggregate(&self, decision: usize, e: &crate::hir::Expr, depth: usize) -> bool {
        use crate::hir::ExprKind as K;
        if depth > 64 {
            return false;
        }
        let def = self.program.decisions.get(decision);
        let deeper = |x: &crate::hir::Expr| self.uses_aggregate(decision, x, depth + 1);
        match &e.kind {
            K::Aggregate(_) => true,
            K::Let(i) => def
                .and_then(|d| d.lets.get(*i))
                .is_some_and(|l| deeper(&l.value)),
            K::Score(i) => def.and_then(|d| d.scores.get(*i)).is_some_and(|s| {
                s.terms
                    .iter()
                    .any(|t| deeper(&t.weight) || t.condition.as_ref().is_some_and(deeper))
            }),
            K::DecisionTable(i) => def.and_then(|d| d.tables.get(*i)).is_some_and(|t| {
                t.inputs.iter().any(deeper) || t.rows.iter().any(|r| deeper(&r.result))
            }),
            K::Field(b, _) | K::Not(b) | K::Neg(b) | K::Presence(b, _) => deeper(b),
            K::Binary(_, l, r) => deeper(l) || deeper(r),
            K::If(c, a, b) => deeper(c) || deeper(a) || deeper(b),
            K::Quantifier { over, body, .. } => deeper(over) || deeper(body),
            K::Call(_, xs) | K::List(xs) | K::Lookup(_, xs) | K::Record(_, xs) => {
                xs.iter().any(deeper)
            }
            _ => false,
        }
    }

    fn repeated_clause(&mut self, clause: &str, span: Span) {
        self.report(
            Diagnostic::error(
                codes::BAD_CLAUSES,
                span,
                format!("`{clause}` is given more than once"),
            )
            .help("keep one; a later one would silently win otherwise"),
        );
    }

    fn outcome_index(
        &mut self,
        outcomes: &[String],
        name: &ast::Ident,
        decision: &str,
    ) -> Option<usize> {
        if let Some(i) = outcomes.iter().position(|o| *o == name.name) {
            return Some(i);
        }
        if outcomes.is_empty() {
            return None;
        }
        let help = crate::suggest::did_you_mean(&name.name, outcomes.iter().map(String::as_str))
            .unwrap_or_else(|| {
                format!(
                    "the outcomes of `{decision}` are {}",
                    super::expr::quoted_list(outcomes)
                )
            });
        self.report(
            Diagnostic::error(
                codes::UNKNOWN_OUTCOME,
                name.span,
                format!("`{}` is not an outcome of `{decision}`", name.name),
            )
            .help(help),
        );
        None
    }

    pub(super) fn check_rules(&mut self) {
        let rules = self.rules.clone();
        for index in rules {
            let Some(item_ref) = self.items.get(index).copied() else {
                continue;
            };
            let ItemKind::Rule(rule) = &item_ref.item.kind else {
                continue;
            };
            let package = self.package_name(item_ref.level);
            // The rule uses its reason even when its decision is unknown.
            self.used_reasons.insert(rule.reason.name.clone());
            let common = self.rule_clauses(rule);
            if rule.decisions.is_empty() {
                continue;
            }
            for d in &rule.decisions {
                let Some(decision) = self.decisions.get(&d.name).copied() else {
                    self.unknown_decision(d);
                    continue;
                };
                if let Some(def) = self.rule_in(decision, rule, &common, &package)
                    && let Some(decision_def) = self.program.decisions.get_mut(decision)
                {
                    decision_def.rules.push(def);
                }
            }
        }
    }

    fn rule_clauses(&mut self, rule: &ast::Rule) -> RuleCommon {
        let mut common = RuleCommon::default();
        if rule.description.is_none() {
            self.report(
                Diagnostic::error(codes::BAD_CLAUSES, rule.name.span, format!("rule `{}` has no description", rule.name.name))
                    .help("add a quoted description after the `for` line: officers read it when the rule fires"),
            );
        }
        let mut seen_source = false;
        let mut seen_effective = false;
        let mut seen_mode = false;
        let mut seen_applies = false;
        for clause in &rule.clauses {
            match clause {
                RuleClause::Source(s) => {
                    if seen_source {
                        self.repeated_clause("source", s.span);
                    }
                    seen_source = true;
                    common.source = Some(s.value.clone());
                }
                RuleClause::Effective { from, to, span } => {
                    if seen_effective {
                        self.repeated_clause("effective", *span);
                    }
                    seen_effective = true;
                    let date = |checker: &mut Self, d: &Option<ast::DateLit>| {
                        d.as_ref().and_then(|d| match calendar::parse_date(&d.text) {
                            Some(days) => Some(days),
                            None => {
                                checker.report(
                                    Diagnostic::error(
                                        codes::INVALID_LITERAL,
                                        d.span,
                                        format!("`{}` is not a date between 0001-01-01 and 9999-12-31", d.text),
                                    )
                                    .help("see docs/language.md, \"Literals\", for the accepted forms and ranges"),
                                );
                                None
                            }
                        })
                    };
                    common.from = date(self, from);
                    common.to = date(self, to);
                    if from.is_none() && to.is_none() {
                        self.report(
                            Diagnostic::error(
                                codes::BAD_CLAUSES,
                                *span,
                                "`effective` needs `from DATE`, `to DATE` or both",
                            )
                            .help("write e.g. `effective from 2025-01-01 to 2026-12-31`"),
                        );
                    }
                    if let (Some(f), Some(t)) = (common.from, common.to)
                        && f > t
                    {
                        self.report(
                            Diagnostic::error(
                                codes::EMPTY_EFFECTIVE_RANGE,
                                *span,
                                "the effective range is empty",
                            )
                            .label(format!(
                                "ends on {} before it starts on {}",
                                calendar::format_date(t),
                                calendar::format_date(f)
                            ))
                            .help("the range includes both dates; swap them or fix the year"),
                        );
                    }
                }
                RuleClause::AppliesTo(_, span) => {
                    if seen_applies {
                        self.repeated_clause("applies to", *span);
                    }
                    seen_applies = true;
                }
                RuleClause::Mode(mode, span) => {
                    if seen_mode {
                        self.repeated_clause("shadow/enforce", *span);
                    }
                    seen_mode = true;
                    common.mode = *mode;
                }
            }
        }
        common
    }

    fn rule_in(
        &mut self,
        decision: usize,
        rule: &ast::Rule,
        common: &RuleCommon,
        package: &str,
    ) -> Option<RuleDef> {
        let mut scope = self.decision_scope(decision);
        if self
            .program
            .decisions
            .get(decision)
            .is_some_and(|d| d.schema.0 == u32::MAX)
        {
            scope.subject = scope.subject.map(|(n, _)| (n, Ty::Error));
        }
        let condition = self.expect(&rule.condition, &Ty::Bool, &scope);
        self.constant_condition(&condition, &rule.name.name);
        let mut applies_to = Vec::new();
        for clause in &rule.clauses {
            if let RuleClause::AppliesTo(exprs, _) = clause {
                let neutral = Scope::default();
                for e in exprs {
                    let c = self.expr(e, Some(&Ty::Country), &neutral);
                    let ok = matches!(&c.ty, Ty::Country | Ty::Error)
                        || matches!(&c.ty, Ty::Set(t) | Ty::List(t) if **t == Ty::Country);
                    if !ok {
                        let found = self.ty_name(&c.ty);
                        self.report(
                            Diagnostic::error(
                                codes::TYPE_MISMATCH,
                                c.span,
                                format!("`applies to` needs member countries, found {found}"),
                            )
                            .help("list country codes (`IDN, SGP`) or name a set of countries"),
                        );
                    }
                    applies_to.push(c);
                }
            }
        }
        let (outcomes, decision_name) = self
            .program
            .decisions
            .get(decision)
            .map(|d| (d.outcomes.clone(), d.name.clone()))
            .unwrap_or_default();
        let outcome = self.outcome_index(&outcomes, &rule.outcome, &decision_name);
        self.reason_known(&rule.reason);
        let then_scope = scope.with_facts(super::narrow::facts_if_true(&rule.condition));
        let mut values: Vec<(String, crate::hir::Expr)> = Vec::new();
        for b in &rule.values {
            if values.iter().any(|(n, _)| *n == b.name.name) {
                self.report(
                    Diagnostic::error(
                        codes::DUPLICATE,
                        b.name.span,
                        format!("value `{}` is given twice", b.name.name),
                    )
                    .help("name each value once"),
                );
                continue;
            }
            let v = self.expr(&b.value, None, &then_scope);
            if matches!(v.ty, Ty::Optional(_)) {
                self.unchecked_optional(v.span);
            }
            self.reject_container(&v);
            values.push((b.name.name.clone(), v));
        }
        Some(RuleDef {
            id: rule.name.name.clone(),
            description: rule
                .description
                .as_ref()
                .map(|d| d.value.clone())
                .unwrap_or_default(),
            source: common.source.clone(),
            package: package.to_string(),
            effective_from: common.from,
            effective_to: common.to,
            applies_to,
            mode: common.mode,
            condition,
            outcome: outcome?,
            reason: rule.reason.name.clone(),
            values,
            span: rule.name.span,
        })
    }

    pub(super) fn reason_known(&mut self, reason: &ast::Ident) -> bool {
        self.used_reasons.insert(reason.name.clone());
        if self.program.reasons.iter().any(|r| r.name == reason.name) {
            return true;
        }
        let help = crate::suggest::did_you_mean(
            &reason.name,
            self.program.reasons.iter().map(|r| r.name.as_str()),
        )
        .unwrap_or_else(|| format!("declare it: `reason {} \"what it means\"`", reason.name));
        self.report(
            Diagnostic::error(
                codes::UNKNOWN_REASON,
                reason.span,
                format!("unknown reason code `{}`", reason.name),
            )
            .help(help),
        );
        false
    }

    /// Warns about a rule condition that folds to a constant: a rule that
    /// always or never fires is almost always a mistake.
    fn constant_condition(&mut self, condition: &crate::hir::Expr, rule: &str) {
        if let Some(value) = fold_bool(condition) {
            let what = if value { "always fires" } else { "never fires" };
            self.report(
                Diagnostic::warning(
                    codes::CONSTANT_CONDITION,
                    condition.span,
                    format!("rule `{rule}` {what}: its condition is always {value}"),
                )
                .help("check the comparison; use `default` on the decision for an outcome that always applies"),
            );
        }
    }

    pub(super) fn check_sharings(&mut self) {
        let items = self.items.clone();
        for (index, item_ref) in items.iter().enumerate() {
            if !self.is_live(index) {
                continue;
            }
            let ItemKind::Sharing(s) = &item_ref.item.kind else {
                continue;
            };
            let schema = self.subject_schema(&s.schema);
            let subject_ty = schema.map_or(Ty::Error, Ty::Record);
            let scope = Scope {
                subject: Some((s.subject.name.clone(), subject_ty.clone())),
                ..Scope::default()
            };
            let mut withholds = Vec::new();
            let mut allows: Vec<AllowDef> = Vec::new();
            for clause in &s.clauses {
                match clause {
                    ast::SharingClause::Withhold(w) => {
                        let fields = w
                            .fields
                            .iter()
                            .filter_map(|f| self.field_path(f, &s.subject.name, schema))
                            .collect();
                        let unless = w.unless.as_ref().map(|u| self.expect(u, &Ty::Bool, &scope));
                        withholds.push(WithholdDef {
                            fields,
                            description: w.description.as_ref().map(|d| d.value.clone()),
                            unless,
                            span: w.span,
                        });
                    }
                    ast::SharingClause::Allow(a) => {
                        if allows.iter().any(|x| x.name == a.name.name) {
                            self.report(
                                Diagnostic::error(codes::DUPLICATE, a.name.span, format!("`allow {}` appears twice", a.name.name))
                                    .help("give each grant its own name: the result names the grant behind each shared field"),
                            );
                        }
                        let fields = a
                            .fields
                            .iter()
                            .filter_map(|f| self.field_path(f, &s.subject.name, schema))
                            .collect();
                        let recipients = self.expr(&a.recipients, Some(&Ty::Country), &scope);
                        let ok = matches!(&recipients.ty, Ty::Country | Ty::Error)
                            || matches!(&recipients.ty, Ty::Set(t) | Ty::List(t) if **t == Ty::Country);
                        if !ok {
                            let found = self.ty_name(&recipients.ty);
                            self.report(
                                Diagnostic::error(codes::TYPE_MISMATCH, recipients.span, format!("`to` needs member countries, found {found}"))
                                    .help("name a country (`SGP`), a list (`[SGP, IDN]`) or a set of countries"),
                            );
                        }
                        let mut purposes = Vec::new();
                        for p in &a.purposes {
                            match self.program.purposes.iter().position(|x| x.name == p.name) {
                                Some(i) => purposes.push(u32::try_from(i).unwrap_or(u32::MAX)),
                                None => {
                                    let help = crate::suggest::did_you_mean(
                                        &p.name,
                                        self.program.purposes.iter().map(|x| x.name.as_str()),
                                    )
                                    .unwrap_or_else(|| {
                                        format!(
                                            "declare it: `purpose {} \"what it is for\"`",
                                            p.name
                                        )
                                    });
                                    self.report(
                                        Diagnostic::error(
                                            codes::UNKNOWN_PURPOSE,
                                            p.span,
                                            format!("unknown purpose `{}`", p.name),
                                        )
                                        .help(help),
                                    );
                                }
                            }
                        }
                        let condition = a
                            .condition
                            .as_ref()
                            .map(|c| self.expect(c, &Ty::Bool, &scope));
                        allows.push(AllowDef {
                            name: a.name.name.clone(),
                            description: a.description.as_ref().map(|d| d.value.clone()),
                            fields,
                            recipients,
                            purposes,
                            condition,
                            span: a.span,
                        });
                    }
                }
            }
            let sharing_index = self.program.sharings.len();
            self.program.sharings.push(SharingDef {
                name: s.name.name.clone(),
                subject: s.subject.name.clone(),
                schema: schema.unwrap_or(RecordId(u32::MAX)),
                withholds,
                allows,
                span: s.name.span,
            });
            self.sharings.insert(s.name.name.clone(), sharing_index);
        }
    }

    /// A field of the subject named by a path expression such as
    /// `traveller.document.number`.
    pub(super) fn field_path(
        &mut self,
        e: &ast::Expr,
        subject: &str,
        schema: Option<RecordId>,
    ) -> Option<FieldPath> {
        let mut names = Vec::new();
        let mut current = e;
        loop {
            match &current.kind {
                ast::ExprKind::Field(base, field) => {
                    names.push(field.clone());
                    current = base;
                }
                ast::ExprKind::Name(root) if root.name == subject => break,
                _ => {
                    self.report(
                        Diagnostic::error(
                            codes::NOT_ALLOWED_HERE,
                            e.span,
                            format!("expected a field of `{subject}`"),
                        )
                        .help(format!(
                            "name fields by their path, e.g. `{subject}.document.number`"
                        )),
                    );
                    return None;
                }
            }
        }
        names.reverse();
        let mut record = schema?;
        let mut indices = Vec::new();
        let mut text = subject.to_string();
        for (position, name) in names.iter().enumerate() {
            let def = self.program.records.get(record.0 as usize)?.clone();
            let Some((index, field)) = def.field(&name.name) else {
                let help = crate::suggest::did_you_mean(
                    &name.name,
                    def.fields.iter().map(|f| f.name.as_str()),
                )
                .unwrap_or_else(|| format!("`{}` has no such field", def.name));
                self.report(
                    Diagnostic::error(
                        codes::UNKNOWN_FIELD,
                        name.span,
                        format!("`{}` has no field `{}`", def.name, name.name),
                    )
                    .help(help),
                );
                return None;
            };
            indices.push(index);
            text.push('.');
            text.push_str(&name.name);
            if position + 1 < names.len() {
                match field.ty.without_optional() {
                    Ty::Record(next) => record = *next,
                    _ => {
                        let found = self.ty_name(&field.ty);
                        self.report(
                            Diagnostic::error(
                                codes::NOT_A_RECORD,
                                name.span,
                                format!("`{text}` is {found} and has no fields"),
                            )
                            .help("share or withhold the field itself"),
                        );
                        return None;
                    }
                }
            }
        }
        Some(FieldPath { indices, text })
    }

    pub(super) fn report_unused(&mut self) {
        let unused: Vec<(String, Span)> = self
            .program
            .reasons
            .iter()
            // An overlay cannot edit its base: only its own codes are its business.
            .filter(|r| {
                !self.used_reasons.contains(&r.name) && self.local_reasons.contains(&r.name)
            })
            .map(|r| (r.name.clone(), r.span))
            .collect();
        for (name, span) in unused {
            self.report(
                Diagnostic::warning(
                    codes::UNUSED,
                    span,
                    format!("reason code `{name}` is never used"),
                )
                .help("remove it, or give it to the rule it was meant for"),
            );
        }
        let items = self.items.clone();
        for (index, item_ref) in items.iter().enumerate() {
            if !self.is_live(index) || self.used_derived.contains(&index) {
                continue;
            }
            if let ItemKind::Let(l) = &item_ref.item.kind {
                // A base package's constants may exist for its overlays.
                if item_ref.level + 1 == self.chain.len() {
                    self.report(
                        Diagnostic::warning(
                            codes::UNUSED,
                            l.name.span,
                            format!("`{}` is never used", l.name.name),
                        )
                        .help("remove it, or use it in a rule"),
                    );
                }
            }
        }
    }
}

#[derive(Debug, Default)]
struct RuleCommon {
    source: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
    mode: Mode,
}

/// The constant value of a condition, when it has one without looking at
/// any record: literals, `not`, `and`/`or` of constants, and comparisons of
/// literals or of an expression with itself.
fn fold_bool(e: &crate::hir::Expr) -> Option<bool> {
    use crate::hir::ExprKind;
    use lintas_syntax::ast::BinOp;
    match &e.kind {
        ExprKind::Const(Value::Bool(b)) => Some(*b),
        ExprKind::Not(inner) => fold_bool(inner).map(|b| !b),
        ExprKind::Binary(BinOp::And, l, r) => match (fold_bool(l), fold_bool(r)) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        ExprKind::Binary(BinOp::Or, l, r) => match (fold_bool(l), fold_bool(r)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        ExprKind::Binary(op, l, r)
            if op.is_comparison() && !matches!(op, BinOp::In | BinOp::NotIn) =>
        {
            if same_expr(l, r) {
                return Some(matches!(op, BinOp::Eq | BinOp::Le | BinOp::Ge));
            }
            let (ExprKind::Const(a), ExprKind::Const(b)) = (&l.kind, &r.kind) else {
                return None;
            };
            // Durations have no order (1 month against 30 days).
            if std::mem::discriminant(a) != std::mem::discriminant(b)
                || matches!(a, Value::Duration { .. })
            {
                return None;
            }
            Some(match op {
                BinOp::Eq => a == b,
                BinOp::Ne => a != b,
                BinOp::Lt => a < b,
                BinOp::Le => a <= b,
                BinOp::Gt => a > b,
                _ => a >= b,
            })
        }
        _ => None,
    }
}

/// Structural equality ignoring spans.
fn same_expr(a: &crate::hir::Expr, b: &crate::hir::Expr) -> bool {
    use crate::hir::ExprKind;
    match (&a.kind, &b.kind) {
        (ExprKind::Subject, ExprKind::Subject) | (ExprKind::Context, ExprKind::Context) => true,
        (ExprKind::Local(x), ExprKind::Local(y)) => x == y,
        (ExprKind::Let(x), ExprKind::Let(y)) | (ExprKind::Score(x), ExprKind::Score(y)) => x == y,
        (ExprKind::Field(x, i), ExprKind::Field(y, j)) => i == j && same_expr(x, y),
        _ => false,
    }
}
