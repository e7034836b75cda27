//! Presence facts: which optional paths a condition proves present. This is
//! what lets `traveller.visa is present and traveller.visa.valid_until > d`
//! use the visa without a second check.

use lintas_syntax::ast::{BinOp, Expr, ExprKind, UnOp};

/// The dotted path an expression names (`traveller.visa.number`), if it is
/// a plain path.
pub fn path_key(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Name(id) => Some(id.name.clone()),
        ExprKind::Field(base, field) => path_key(base).map(|b| format!("{b}.{}", field.name)),
        ExprKind::Paren(inner) => path_key(inner),
        _ => None,
    }
}

/// Paths that are present whenever `e` is true.
pub fn facts_if_true(e: &Expr) -> Vec<String> {
    match &e.kind {
        ExprKind::Presence(inner, true) => path_key(inner).into_iter().collect(),
        ExprKind::Binary(BinOp::And, l, r) => {
            let mut facts = facts_if_true(l);
            facts.extend(facts_if_true(r));
            facts
        }
        ExprKind::Binary(BinOp::Or, l, r) => {
            let left = facts_if_true(l);
            let right = facts_if_true(r);
            left.into_iter().filter(|f| right.contains(f)).collect()
        }
        ExprKind::Unary(UnOp::Not, inner) => facts_if_false(inner),
        ExprKind::Paren(inner) => facts_if_true(inner),
        _ => Vec::new(),
    }
}

/// Paths that are present whenever `e` is false.
pub fn facts_if_false(e: &Expr) -> Vec<String> {
    match &e.kind {
        ExprKind::Presence(inner, false) => path_key(inner).into_iter().collect(),
        ExprKind::Binary(BinOp::Or, l, r) => {
            let mut facts = facts_if_false(l);
            facts.extend(facts_if_false(r));
            facts
        }
        ExprKind::Binary(BinOp::And, l, r) => {
            let left = facts_if_false(l);
            let right = facts_if_false(r);
            left.into_iter().filter(|f| right.contains(f)).collect()
        }
        ExprKind::Unary(UnOp::Not, inner) => facts_if_true(inner),
        ExprKind::Paren(inner) => facts_if_false(inner),
        _ => Vec::new(),
    }
}
