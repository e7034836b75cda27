//! Constant folding: operations on constants that cannot fail are done at
//! compile time; ones that would fail are left for run time, so the error
//! happens exactly where the interpreter's does.

use crate::ir::*;
use crate::types::Ty;

pub fn fold_module(module: &mut Module) -> usize {
    let mut count = 0;
    let sets = module.sets.clone();
    for d in &mut module.decisions {
        for m in &mut d.memos {
            count += fold(&mut m.value, &sets);
        }
        for a in &mut d.aggregates {
            for k in &mut a.keys {
                count += fold(k, &sets);
            }
            if let Some(f) = &mut a.filter {
                count += fold(f, &sets);
            }
        }
        for r in &mut d.rules {
            count += fold(&mut r.condition, &sets);
            for (_, v) in &mut r.values {
                count += fold(v, &sets);
            }
        }
    }
    count
}

fn fold(e: &mut Expr, sets: &[Set]) -> usize {
    let mut count = 0;
    for child in e.children_mut() {
        count += fold(child, sets);
    }
    if let Some(folded) = fold_node(e, sets) {
        *e = folded;
        count += 1;
    }
    count
}

/// Whether evaluating `e` can raise an error (conservatively).
pub fn may_fail(e: &Expr) -> bool {
    match &e.node {
        Node::Const(_) | Node::Subject | Node::Context | Node::Local(_) => false,
        Node::Field(base, _) => may_fail(base),
        Node::Unary(UnOp::Not | UnOp::Wrap | UnOp::IsPresent, a) => may_fail(a),
        Node::Compare(CmpOp::Eq | CmpOp::Ne, a, b) => may_fail(a) || may_fail(b),
        Node::And(a, b) | Node::Or(a, b) => may_fail(a) || may_fail(b),
        Node::If(c, a, b) => may_fail(c) || may_fail(a) || may_fail(b),
        Node::Member(n, Container::Set(_) | Container::Table(_)) => may_fail(n),
        _ => true,
    }
}

/// A field of the subject, context or a quantifier variable.
fn plain_load(e: &Expr) -> bool {
    match &e.node {
        Node::Subject | Node::Context | Node::Local(_) => true,
        Node::Field(base, _) => plain_load(base),
        _ => false,
    }
}

fn bool_const(e: &Expr) -> Option<bool> {
    match e.node {
        Node::Const(Const::Bool(b)) => Some(b),
        _ => None,
    }
}

fn scalar(e: &Expr) -> Option<i64> {
    match e.node {
        Node::Const(Const::Bool(b)) => Some(i64::from(b)),
        Node::Const(Const::Int(i) | Const::Dec(i) | Const::Date(i)) => Some(i),
        Node::Const(Const::Country(i) | Const::Enum(i) | Const::Text(i)) => Some(i64::from(i)),
        _ => None,
    }
}

fn boolean(b: bool) -> Expr {
    Expr::constant(Ty::Bool, Const::Bool(b))
}

fn fold_node(e: &Expr, sets: &[Set]) -> Option<Expr> {
    match &e.node {
        Node::Unary(UnOp::Not, a) => match &a.node {
            Node::Const(Const::Bool(b)) => Some(boolean(!b)),
            Node::Unary(UnOp::Not, inner) => Some((**inner).clone()),
            _ => None,
        },
        Node::Unary(UnOp::IntNeg(_), a) => match a.node {
            Node::Const(Const::Int(i)) => i
                .checked_neg()
                .map(|v| Expr::constant(Ty::Int, Const::Int(v))),
            _ => None,
        },
        Node::Unary(UnOp::DecNeg(_), a) => match a.node {
            Node::Const(Const::Dec(i)) => i
                .checked_neg()
                .map(|v| Expr::constant(Ty::Dec, Const::Dec(v))),
            _ => None,
        },
        Node::Unary(UnOp::IntToDec(_), a) => match a.node {
            Node::Const(Const::Int(i)) => i
                .checked_mul(lintas_check::value::DECIMAL_ONE)
                .map(|v| Expr::constant(Ty::Dec, Const::Dec(v))),
            _ => None,
        },
        Node::Unary(UnOp::IsPresent, a) => match &a.node {
            Node::Const(Const::Absent) => Some(boolean(false)),
            Node::Unary(UnOp::Wrap, inner) if !may_fail(inner) => Some(boolean(true)),
            _ => None,
        },
        Node::Binary(op, a, b) => {
            let (x, y) = (a.node.clone(), b.node.clone());
            match (op, x, y) {
                (BinOp::IntAdd(_), Node::Const(Const::Int(x)), Node::Const(Const::Int(y))) => x
                    .checked_add(y)
                    .map(|v| Expr::constant(Ty::Int, Const::Int(v))),
                (BinOp::IntSub(_), Node::Const(Const::Int(x)), Node::Const(Const::Int(y))) => x
                    .checked_sub(y)
                    .map(|v| Expr::constant(Ty::Int, Const::Int(v))),
                (BinOp::IntMul(_), Node::Const(Const::Int(x)), Node::Const(Const::Int(y))) => x
                    .checked_mul(y)
                    .map(|v| Expr::constant(Ty::Int, Const::Int(v))),
                (BinOp::DecAdd(_), Node::Const(Const::Dec(x)), Node::Const(Const::Dec(y))) => x
                    .checked_add(y)
                    .map(|v| Expr::constant(Ty::Dec, Const::Dec(v))),
                (BinOp::DecSub(_), Node::Const(Const::Dec(x)), Node::Const(Const::Dec(y))) => x
                    .checked_sub(y)
                    .map(|v| Expr::constant(Ty::Dec, Const::Dec(v))),
                (
                    BinOp::DateAdd(_),
                    Node::Const(Const::Date(d)),
                    Node::Const(Const::Dur { months, days }),
                )
                | (
                    BinOp::DateAdd(_),
                    Node::Const(Const::Dur { months, days }),
                    Node::Const(Const::Date(d)),
                ) => shift(d, months, days),
                (
                    BinOp::DateSub(_),
                    Node::Const(Const::Date(d)),
                    Node::Const(Const::Dur { months, days }),
                ) => shift(d, months.checked_neg()?, days.checked_neg()?),
                _ => None,
            }
        }
        Node::Compare(op, a, b) if a.ty == b.ty && a.ty.is_scalar() => {
            let (x, y) = (scalar(a)?, scalar(b)?);
            // Interned text ids order as the texts do.
            Some(boolean(op.holds(x.cmp(&y))))
        }
        Node::And(a, b) => match (bool_const(a), bool_const(b)) {
            (Some(false), _) => Some(boolean(false)),
            (Some(true), _) => Some((**b).clone()),
            (_, Some(true)) => Some((**a).clone()),
            (_, Some(false)) if !may_fail(a) => Some(boolean(false)),
            _ => None,
        },
        Node::Or(a, b) => match (bool_const(a), bool_const(b)) {
            (Some(true), _) => Some(boolean(true)),
            (Some(false), _) => Some((**b).clone()),
            (_, Some(false)) => Some((**a).clone()),
            (_, Some(true)) if !may_fail(a) => Some(boolean(true)),
            _ => None,
        },
        Node::If(c, a, b) => match bool_const(c) {
            Some(true) => Some((**a).clone()),
            Some(false) => Some((**b).clone()),
            None => None,
        },
        // A short list of constants is a chain of comparisons: the needle
        // is a plain load (cheap, cannot fail) and of the items' type, so
        // reading it once per item changes nothing.
        Node::Member(needle, Container::List(list))
            if plain_load(needle) && needle.ty.is_scalar() =>
        {
            let Node::MakeList(items) = &list.node else {
                return None;
            };
            if items.is_empty()
                || items.len() > super::COMPARE_SET_MAX
                || items
                    .iter()
                    .any(|i| i.ty != needle.ty || scalar(i).is_none())
            {
                return None;
            }
            let mut chain: Option<Expr> = None;
            for item in items.iter().rev() {
                let test = Expr::new(
                    Ty::Bool,
                    Node::Compare(CmpOp::Eq, needle.clone(), Box::new(item.clone())),
                );
                chain = Some(match chain {
                    None => test,
                    Some(rest) => Expr::new(Ty::Bool, Node::Or(Box::new(test), Box::new(rest))),
                });
            }
            chain
        }
        Node::Member(needle, Container::Set(s)) => {
            let set = sets.get(*s as usize)?;
            if needle.ty != set.element {
                return None;
            }
            let word = scalar(needle)?;
            Some(boolean(set.words.binary_search(&word).is_ok()))
        }
        _ => None,
    }
}

fn shift(date: i64, months: i64, days: i64) -> Option<Expr> {
    let shifted = if months != 0 {
        lintas_check::calendar::add_months(date, months)?
    } else {
        date
    };
    let result = lintas_check::calendar::add_days(shifted, days)?;
    Some(Expr::constant(Ty::Date, Const::Date(result)))
}
