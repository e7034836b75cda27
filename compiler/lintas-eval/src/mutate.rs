//! Mutation testing of rules: small changes an officer could plausibly get
//! wrong (a flipped comparison, a threshold or date moved by one, a dropped
//! condition, a swapped outcome). A mutant no test notices shows a place
//! where the tests touch a rule without pinning it down.

use crate::Interpreter;
use crate::testing::run_test;
use lintas_check::hir::{Expr, ExprKind, Program, TestTarget};
use lintas_check::value::Value;
use lintas_syntax::Span;
use lintas_syntax::ast::BinOp;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Mutant {
    pub decision: String,
    /// The rule, let, score or table the change is in.
    pub place: String,
    pub description: String,
    #[serde(skip)]
    pub span: Span,
    pub killed: bool,
}

/// Where in a decision an expression lives.
#[derive(Debug, Clone, Copy)]
enum Site {
    RuleCondition(usize),
    RuleOutcome(usize),
    Let(usize),
    ScoreWeight(usize, usize),
    ScoreCondition(usize, usize),
}

/// Every mutant of every decision, each run against the decision's tests.
pub fn run_mutants(program: &Program) -> Vec<Mutant> {
    let mut mutants = Vec::new();
    for (d, decision) in program.decisions.iter().enumerate() {
        let tests: Vec<usize> = program
            .tests
            .iter()
            .enumerate()
            .filter(|(_, t)| t.target == TestTarget::Decision(d))
            .map(|(i, _)| i)
            .collect();
        let mut sites = Vec::new();
        for (r, _) in decision.rules.iter().enumerate() {
            sites.push(Site::RuleCondition(r));
            sites.push(Site::RuleOutcome(r));
        }
        for (l, _) in decision.lets.iter().enumerate() {
            sites.push(Site::Let(l));
        }
        for (s, score) in decision.scores.iter().enumerate() {
            for (t, term) in score.terms.iter().enumerate() {
                sites.push(Site::ScoreWeight(s, t));
                if term.condition.is_some() {
                    sites.push(Site::ScoreCondition(s, t));
                }
            }
        }
        for site in sites {
            let mut variant = 0;
            loop {
                let mut copy = program.clone();
                let Some((place, description, span)) = apply(&mut copy, d, site, variant) else {
                    break;
                };
                variant += 1;
                let interpreter = Interpreter::new(&copy);
                let killed = tests.iter().any(|t| {
                    copy.tests
                        .get(*t)
                        .is_some_and(|test| !run_test(&interpreter, test, None).passed)
                });
                mutants.push(Mutant {
                    decision: decision.name.clone(),
                    place,
                    description,
                    span,
                    killed,
                });
            }
        }
    }
    mutants
}

/// Applies mutation number `variant` at `site`; `None` when there are no
/// more variants there.
fn apply(
    program: &mut Program,
    decision: usize,
    site: Site,
    variant: usize,
) -> Option<(String, String, Span)> {
    let def = program.decisions.get_mut(decision)?;
    match site {
        Site::RuleOutcome(r) => {
            let count = def.outcomes.len();
            let rule = def.rules.get_mut(r)?;
            // Every other outcome, in order.
            let mut others = (0..count).filter(|o| *o != rule.outcome);
            let to = others.nth(variant)?;
            let from = def.outcomes.get(rule.outcome)?.clone();
            rule.outcome = to;
            let to_name = def.outcomes.get(to)?.clone();
            Some((
                format!("rule {}", rule.id),
                format!("outcome {from} -> {to_name}"),
                rule.span,
            ))
        }
        Site::RuleCondition(r) => {
            let rule = def.rules.get_mut(r)?;
            let (what, span) = mutate_nth(&mut rule.condition, variant)?;
            Some((format!("rule {}", rule.id), what, span))
        }
        Site::Let(l) => {
            let let_def = def.lets.get_mut(l)?;
            let (what, span) = mutate_nth(&mut let_def.value, variant)?;
            Some((format!("let {}", let_def.name), what, span))
        }
        Site::ScoreWeight(s, t) => {
            let score = def.scores.get_mut(s)?;
            let name = score.name.clone();
            let term = score.terms.get_mut(t)?;
            let (what, span) = mutate_nth(&mut term.weight, variant)?;
            Some((format!("score {name}, term {}", term.name), what, span))
        }
        Site::ScoreCondition(s, t) => {
            let score = def.scores.get_mut(s)?;
            let name = score.name.clone();
            let term = score.terms.get_mut(t)?;
            let span = term.span;
            if variant == 0 {
                term.condition = None;
                return Some((
                    format!("score {name}, term {}", term.name),
                    "condition dropped (always counts)".to_string(),
                    span,
                ));
            }
            let condition = term.condition.as_mut()?;
            let (what, span) = mutate_nth(condition, variant - 1)?;
            Some((format!("score {name}, term {}", term.name), what, span))
        }
    }
}

/// Applies the `n`-th mutation found in a walk of `e`.
fn mutate_nth(e: &mut Expr, n: usize) -> Option<(String, Span)> {
    let mut counter = 0;
    walk(e, n, &mut counter)
}

fn walk(e: &mut Expr, target: usize, counter: &mut usize) -> Option<(String, Span)> {
    let span = e.span;
    let candidates = candidates(e);
    for candidate in candidates {
        if *counter == target {
            let description = candidate.apply(e)?;
            return Some((description, span));
        }
        *counter += 1;
    }
    match &mut e.kind {
        ExprKind::Not(inner)
        | ExprKind::Neg(inner)
        | ExprKind::Presence(inner, _)
        | ExprKind::Field(inner, _) => walk(inner, target, counter),
        ExprKind::Binary(_, l, r) => walk(l, target, counter).or_else(|| walk(r, target, counter)),
        ExprKind::If(c, a, b) => walk(c, target, counter)
            .or_else(|| walk(a, target, counter))
            .or_else(|| walk(b, target, counter)),
        ExprKind::Quantifier { over, body, .. } => {
            walk(over, target, counter).or_else(|| walk(body, target, counter))
        }
        ExprKind::Call(_, args) | ExprKind::List(args) | ExprKind::Lookup(_, args) => {
            args.iter_mut().find_map(|a| walk(a, target, counter))
        }
        _ => None,
    }
}

#[derive(Debug, Clone, Copy)]
enum Candidate {
    SwapOp(BinOp),
    KeepLeft,
    KeepRight,
    DropNot,
    Nudge(i64),
}

fn candidates(e: &Expr) -> Vec<Candidate> {
    match &e.kind {
        ExprKind::Binary(op, _, _) => match op {
            BinOp::Lt => vec![Candidate::SwapOp(BinOp::Le), Candidate::SwapOp(BinOp::Ge)],
            BinOp::Le => vec![Candidate::SwapOp(BinOp::Lt), Candidate::SwapOp(BinOp::Gt)],
            BinOp::Gt => vec![Candidate::SwapOp(BinOp::Ge), Candidate::SwapOp(BinOp::Le)],
            BinOp::Ge => vec![Candidate::SwapOp(BinOp::Gt), Candidate::SwapOp(BinOp::Lt)],
            BinOp::Eq => vec![Candidate::SwapOp(BinOp::Ne)],
            BinOp::Ne => vec![Candidate::SwapOp(BinOp::Eq)],
            BinOp::In => vec![Candidate::SwapOp(BinOp::NotIn)],
            BinOp::NotIn => vec![Candidate::SwapOp(BinOp::In)],
            BinOp::And => vec![
                Candidate::KeepLeft,
                Candidate::KeepRight,
                Candidate::SwapOp(BinOp::Or),
            ],
            BinOp::Or => vec![
                Candidate::KeepLeft,
                Candidate::KeepRight,
                Candidate::SwapOp(BinOp::And),
            ],
            BinOp::Add => vec![Candidate::SwapOp(BinOp::Sub)],
            BinOp::Sub => vec![Candidate::SwapOp(BinOp::Add)],
            _ => Vec::new(),
        },
        ExprKind::Not(_) => vec![Candidate::DropNot],
        ExprKind::Const(
            Value::Int(_) | Value::Date(_) | Value::Decimal(_) | Value::Duration { .. },
        ) => {
            vec![Candidate::Nudge(1), Candidate::Nudge(-1)]
        }
        _ => Vec::new(),
    }
}

impl Candidate {
    fn apply(self, e: &mut Expr) -> Option<String> {
        let placeholder = || Expr {
            kind: ExprKind::Const(Value::Absent),
            ty: e_ty_placeholder(),
            span: Span::new(lintas_syntax::FileId(0), 0, 0),
        };
        match self {
            Candidate::SwapOp(to) => {
                let ExprKind::Binary(op, _, _) = &mut e.kind else {
                    return None;
                };
                let from = *op;
                *op = to;
                Some(format!("`{}` -> `{}`", from.as_str(), to.as_str()))
            }
            Candidate::KeepLeft | Candidate::KeepRight => {
                let ExprKind::Binary(op, l, r) = &mut e.kind else {
                    return None;
                };
                let op = *op;
                let kept = if matches!(self, Candidate::KeepLeft) {
                    std::mem::replace(&mut **l, placeholder())
                } else {
                    std::mem::replace(&mut **r, placeholder())
                };
                *e = kept;
                let side = if matches!(self, Candidate::KeepLeft) {
                    "right"
                } else {
                    "left"
                };
                Some(format!("dropped the {side} side of `{}`", op.as_str()))
            }
            Candidate::DropNot => {
                let ExprKind::Not(inner) = &mut e.kind else {
                    return None;
                };
                let inner = std::mem::replace(&mut **inner, placeholder());
                *e = inner;
                Some("dropped `not`".to_string())
            }
            Candidate::Nudge(by) => {
                let ExprKind::Const(v) = &mut e.kind else {
                    return None;
                };
                let described = match v {
                    Value::Int(i) => {
                        *i = i.checked_add(by)?;
                        format!("number moved by {by}")
                    }
                    Value::Decimal(d) => {
                        *d = d.checked_add(by.checked_mul(lintas_check::value::DECIMAL_ONE)?)?;
                        format!("number moved by {by}")
                    }
                    Value::Date(d) => {
                        *d = d.checked_add(by)?;
                        format!("date moved by {by} day")
                    }
                    Value::Duration { months, days } => {
                        if *months != 0 {
                            *months = months.checked_add(by)?;
                            format!("duration moved by {by} month")
                        } else {
                            *days = days.checked_add(by)?;
                            format!("duration moved by {by} day")
                        }
                    }
                    _ => return None,
                };
                Some(described)
            }
        }
    }
}

fn e_ty_placeholder() -> lintas_check::types::Ty {
    lintas_check::types::Ty::Error
}
