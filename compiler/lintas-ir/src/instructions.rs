//! The IR's instructions by name: what the differential test counts, so it
//! can show that its corpus executes every one of them.

use crate::ir::{BinOp, Cell, Container, Expr, Intrinsic, Module, Node, SetStrategy, UnOp};
use crate::types::Ty;
use lintas_syntax::ast::{HitPolicy, QuantifierKind};

/// Every instruction name [`name`] can give.
pub const ALL: &[&str] = &[
    "const",
    "subject",
    "context",
    "local",
    "memo",
    "aggregate",
    "field",
    "not",
    "int.neg",
    "dec.neg",
    "int.abs",
    "dec.abs",
    "int.to_dec",
    "wrap",
    "unwrap",
    "present",
    "int.add",
    "int.sub",
    "int.mul",
    "int.div",
    "dec.add",
    "dec.sub",
    "dec.mul",
    "dec.div",
    "date.add",
    "date.sub",
    "compare.number",
    "compare.mixed",
    "compare.text",
    "compare.optional",
    "and",
    "or",
    "if",
    "otherwise",
    "call.years_between",
    "call.months_between",
    "call.days_between",
    "call.days",
    "call.weeks",
    "call.months",
    "call.years",
    "call.size",
    "call.lower",
    "call.upper",
    "call.name_key",
    "call.length",
    "call.contains",
    "call.starts_with",
    "call.name_similarity",
    "call.min",
    "call.max",
    "member.set.compare",
    "member.set.sorted",
    "member.set.bitmap",
    "member.table",
    "member.list",
    "lookup",
    "any",
    "all",
    "count",
    "table.first",
    "table.unique",
    "table.any",
    "table.collect",
    "cell.one_of",
    "cell.in",
    "cell.not_in",
    "cell.compare",
    "make_list",
];

/// The instruction an expression's root node is.
pub fn name(module: &Module, e: &Expr) -> &'static str {
    match &e.node {
        Node::Const(_) => "const",
        Node::Subject => "subject",
        Node::Context => "context",
        Node::Local(_) => "local",
        Node::Memo(_) => "memo",
        Node::Aggregate(_) => "aggregate",
        Node::Field(..) => "field",
        Node::Unary(op, _) => match op {
            UnOp::Not => "not",
            UnOp::IntNeg(_) => "int.neg",
            UnOp::DecNeg(_) => "dec.neg",
            UnOp::IntAbs(_) => "int.abs",
            UnOp::DecAbs(_) => "dec.abs",
            UnOp::IntToDec(_) => "int.to_dec",
            UnOp::Wrap => "wrap",
            UnOp::Unwrap(_) => "unwrap",
            UnOp::IsPresent => "present",
        },
        Node::Binary(op, ..) => match op {
            BinOp::IntAdd(_) => "int.add",
            BinOp::IntSub(_) => "int.sub",
            BinOp::IntMul(_) => "int.mul",
            BinOp::IntDiv(..) => "int.div",
            BinOp::DecAdd(_) => "dec.add",
            BinOp::DecSub(_) => "dec.sub",
            BinOp::DecMul(_) => "dec.mul",
            BinOp::DecDiv(..) => "dec.div",
            BinOp::DateAdd(_) => "date.add",
            BinOp::DateSub(_) => "date.sub",
        },
        Node::Compare(_, a, b) => compare(&a.ty, &b.ty),
        Node::And(..) => "and",
        Node::Or(..) => "or",
        Node::If(..) => "if",
        Node::Otherwise(..) => "otherwise",
        Node::Call(i, _) => match i {
            Intrinsic::YearsBetween => "call.years_between",
            Intrinsic::MonthsBetween => "call.months_between",
            Intrinsic::DaysBetween => "call.days_between",
            Intrinsic::Days => "call.days",
            Intrinsic::Weeks(_) => "call.weeks",
            Intrinsic::Months => "call.months",
            Intrinsic::Years(_) => "call.years",
            Intrinsic::Size => "call.size",
            Intrinsic::Lower => "call.lower",
            Intrinsic::Upper => "call.upper",
            Intrinsic::NameKey => "call.name_key",
            Intrinsic::Length => "call.length",
            Intrinsic::Contains => "call.contains",
            Intrinsic::StartsWith => "call.starts_with",
            Intrinsic::NameSimilarity => "call.name_similarity",
            Intrinsic::Min => "call.min",
            Intrinsic::Max => "call.max",
        },
        Node::Member(_, c) => container(module, c),
        Node::Lookup(..) => "lookup",
        Node::Quantifier { kind, .. } => match kind {
            QuantifierKind::Any => "any",
            QuantifierKind::All => "all",
            QuantifierKind::Count => "count",
        },
        Node::DecisionTable(t) => match t.hit {
            HitPolicy::First => "table.first",
            HitPolicy::Unique => "table.unique",
            HitPolicy::Any => "table.any",
            HitPolicy::Collect => "table.collect",
        },
        Node::MakeList(_) => "make_list",
    }
}

/// How a comparison of these operand types is carried out.
pub fn compare(a: &Ty, b: &Ty) -> &'static str {
    match (a, b) {
        (Ty::Opt(_), _) | (_, Ty::Opt(_)) => "compare.optional",
        (Ty::Text, Ty::Text) => "compare.text",
        (Ty::Int, Ty::Dec) | (Ty::Dec, Ty::Int) => "compare.mixed",
        _ => "compare.number",
    }
}

/// How a membership test in this container is carried out.
pub fn container(module: &Module, c: &Container) -> &'static str {
    match c {
        Container::Set(s) => match module.sets.get(*s as usize).map(|s| s.strategy) {
            Some(SetStrategy::Compare) => "member.set.compare",
            Some(SetStrategy::Bitmap) => "member.set.bitmap",
            _ => "member.set.sorted",
        },
        Container::Table(_) => "member.table",
        Container::List(_) => "member.list",
    }
}

/// The instruction a decision-table cell is.
pub fn cell(c: &Cell) -> Option<&'static str> {
    match c {
        Cell::Any => None,
        Cell::OneOf(_) => Some("cell.one_of"),
        Cell::In(_) => Some("cell.in"),
        Cell::NotIn(_) => Some("cell.not_in"),
        Cell::Compare(..) => Some("cell.compare"),
    }
}

/// The index of an instruction name in [`ALL`].
pub fn index(name: &str) -> usize {
    ALL.iter().position(|n| *n == name).unwrap_or(0)
}
