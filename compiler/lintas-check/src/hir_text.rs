//! Checked expressions back to readable text, with every index resolved to
//! its name: what semantic diffs compare and what reviewers read.

use crate::builtins;
use crate::hir::{DecisionDef, Expr, ExprKind, Program};
use crate::types::Ty;
use crate::value::Value;
use lintas_syntax::ast::UnOp;

/// `e` as text, in the scope of `decision` (for lets, scores and tables).
pub fn expr_text(program: &Program, decision: Option<&DecisionDef>, e: &Expr) -> String {
    let mut out = String::new();
    write(program, decision, e, &mut out);
    out
}

fn write(program: &Program, decision: Option<&DecisionDef>, e: &Expr, out: &mut String) {
    let name_of = |list: Option<Vec<&str>>, i: usize| {
        list.and_then(|l| l.get(i).map(|s| (*s).to_string()))
            .unwrap_or_else(|| format!("#{i}"))
    };
    match &e.kind {
        ExprKind::Const(v) => out.push_str(&value_text(program, v)),
        ExprKind::Subject => out.push_str(decision.map_or("subject", |d| d.subject.as_str())),
        ExprKind::Context => out.push_str("context"),
        ExprKind::Local(depth) => out.push_str(&format!("${depth}")),
        ExprKind::Let(i) => out.push_str(&name_of(
            decision.map(|d| d.lets.iter().map(|l| l.name.as_str()).collect()),
            *i,
        )),
        ExprKind::Score(i) => out.push_str(&name_of(
            decision.map(|d| d.scores.iter().map(|s| s.name.as_str()).collect()),
            *i,
        )),
        ExprKind::DecisionTable(i) => out.push_str(&name_of(
            decision.map(|d| d.tables.iter().map(|t| t.name.as_str()).collect()),
            *i,
        )),
        ExprKind::Aggregate(i) => out.push_str(&name_of(
            decision.map(|d| d.aggregates.iter().map(|a| a.name.as_str()).collect()),
            *i,
        )),
        ExprKind::Set(i) => out.push_str(&name_of(
            Some(program.sets.iter().map(|s| s.name.as_str()).collect()),
            *i,
        )),
        ExprKind::Table(t) => out.push_str(&name_of(
            Some(program.tables.iter().map(|t| t.name.as_str()).collect()),
            t.0 as usize,
        )),
        ExprKind::Field(base, index) => {
            write(program, decision, base, out);
            let field = match base.ty.without_optional() {
                Ty::Record(id) => program
                    .records
                    .get(id.0 as usize)
                    .and_then(|r| r.fields.get(*index))
                    .map(|f| f.name.clone()),
                _ => None,
            };
            out.push('.');
            out.push_str(&field.unwrap_or_else(|| format!("#{index}")));
        }
        ExprKind::Lookup(table, keys) => {
            out.push_str(&name_of(
                Some(program.tables.iter().map(|t| t.name.as_str()).collect()),
                table.0 as usize,
            ));
            list(program, decision, "[", keys, "]", out);
        }
        ExprKind::Call(builtin, args) => {
            out.push_str(builtins::name_of(*builtin));
            list(program, decision, "(", args, ")", out);
        }
        ExprKind::Not(inner) => {
            out.push_str("not (");
            write(program, decision, inner, out);
            out.push(')');
        }
        ExprKind::Neg(inner) => {
            out.push_str("-(");
            write(program, decision, inner, out);
            out.push(')');
        }
        ExprKind::Binary(op, l, r) => {
            out.push('(');
            write(program, decision, l, out);
            out.push_str(&format!(" {} ", op.as_str()));
            write(program, decision, r, out);
            out.push(')');
        }
        ExprKind::Presence(inner, present) => {
            write(program, decision, inner, out);
            out.push_str(if *present {
                " is present"
            } else {
                " is absent"
            });
        }
        ExprKind::If(c, a, b) => {
            out.push_str("(if ");
            write(program, decision, c, out);
            out.push_str(" then ");
            write(program, decision, a, out);
            out.push_str(" else ");
            write(program, decision, b, out);
            out.push(')');
        }
        ExprKind::Quantifier { kind, over, body } => {
            out.push_str(&format!("({} $ in ", kind.as_str()));
            write(program, decision, over, out);
            out.push_str(" where ");
            write(program, decision, body, out);
            out.push(')');
        }
        ExprKind::List(items) => list(program, decision, "[", items, "]", out),
        ExprKind::Record(_, fields) => list(program, decision, "{", fields, "}", out),
    }
    let _ = UnOp::Not;
}

fn list(
    program: &Program,
    decision: Option<&DecisionDef>,
    open: &str,
    items: &[Expr],
    close: &str,
    out: &mut String,
) {
    out.push_str(open);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write(program, decision, item, out);
    }
    out.push_str(close);
}

/// A constant as Lintas writes it.
pub fn value_text(program: &Program, v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Decimal(d) => crate::value::format_decimal(*d),
        Value::Text(t) => format!("{t:?}"),
        Value::Date(d) => crate::calendar::format_date(*d),
        Value::Duration { months, days } => match (months, days) {
            (0, d) => format!("{d} days"),
            (m, 0) => format!("{m} months"),
            (m, d) => format!("{m} months + {d} days"),
        },
        Value::Country(c) => c.clone(),
        Value::Enum(id, i) => program
            .enums
            .get(id.0 as usize)
            .and_then(|e| e.values.get(*i as usize))
            .cloned()
            .unwrap_or_else(|| format!("#{i}")),
        Value::Record(fields) => format!(
            "{{{}}}",
            fields
                .iter()
                .map(|f| value_text(program, f))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::List(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|f| value_text(program, f))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Absent => "absent".to_string(),
    }
}
