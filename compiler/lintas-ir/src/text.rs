//! The IR's text form: one line per memo, aggregate and rule, expressions
//! as S-expressions with field names and constants spelled out, so a
//! snapshot shows what a backend will compute.

use crate::ir::*;
use crate::types::Ty;
use lintas_syntax::ast::{HitPolicy, Mode, QuantifierKind};
use std::fmt::Write;

pub fn module_text(module: &Module) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "module {} {}", module.package, module.version);
    for (i, l) in module.layouts.iter().enumerate() {
        let fields: Vec<String> = l
            .fields
            .iter()
            .map(|f| format!("{}@{}: {}", f.name, f.offset, f.ty))
            .collect();
        let _ = writeln!(
            out,
            "layout rec{i} {} ({} words) {{ {} }}",
            l.name,
            l.words,
            fields.join(", ")
        );
    }
    for (i, s) in module.sets.iter().enumerate() {
        let strategy = match s.strategy {
            SetStrategy::Compare => "compare",
            SetStrategy::Sorted => "sorted",
            SetStrategy::Bitmap => "bitmap",
        };
        let _ = writeln!(
            out,
            "set {i} {}: {} ({} elements, {strategy})",
            s.name,
            s.element,
            s.words.len()
        );
    }
    for (i, t) in module.tables.iter().enumerate() {
        let _ = writeln!(
            out,
            "table {i} {}: rec{} keys {:?} ({} rows)",
            t.name, t.row, t.keys, t.rows
        );
    }
    let _ = writeln!(
        out,
        "texts {}, data {} words",
        module.texts.len(),
        module.data.len()
    );
    for (i, e) in module.errors.iter().enumerate() {
        let _ = writeln!(out, "error e{i} {}: {}", e.kind.as_str(), e.message);
    }
    for d in &module.decisions {
        out.push_str(&decision_text(module, d));
    }
    out
}

pub fn decision_text(module: &Module, d: &Decision) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\ndecision {} over rec{}{}: {} default {} on_error {}",
        d.name,
        d.schema,
        if d.over_manifest { " (manifest)" } else { "" },
        d.outcomes.join(" > "),
        d.outcomes.get(d.default).map_or("?", String::as_str),
        d.outcomes.get(d.on_error).map_or("?", String::as_str),
    );
    let p = Printer {
        module,
        decision: d,
    };
    for (i, m) in d.memos.iter().enumerate() {
        let _ = writeln!(
            out,
            "  memo m{i} {}: {} = {}",
            m.name,
            m.value.ty,
            p.expr(&m.value)
        );
    }
    for (i, a) in d.aggregates.iter().enumerate() {
        let keys: Vec<String> = a.keys.iter().map(|k| p.expr(k)).collect();
        let filter = a
            .filter
            .as_ref()
            .map(|f| format!(" when {}", p.expr(f)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  aggregate a{i} {} by [{}]{filter}",
            a.name,
            keys.join(" ")
        );
    }
    for r in &d.rules {
        let mode = if r.mode == Mode::Shadow {
            " shadow"
        } else {
            ""
        };
        let _ = write!(
            out,
            "  rule {} #{}{mode} -> {} {}",
            r.id,
            r.index,
            d.outcomes.get(r.outcome).map_or("?", String::as_str),
            r.reason
        );
        if r.effective_from.is_some() || r.effective_to.is_some() {
            let day =
                |d: Option<i64>| d.map_or("..".to_string(), lintas_check::calendar::format_date);
            let _ = write!(
                out,
                " effective {}..{}",
                day(r.effective_from),
                day(r.effective_to)
            );
        }
        if !r.applies_to.is_empty() {
            let targets: Vec<String> = r.applies_to.iter().map(|c| p.container(c)).collect();
            let _ = write!(out, " applies [{}]", targets.join(" "));
        }
        let _ = writeln!(out, "\n    when {}", p.expr(&r.condition));
        for (name, v) in &r.values {
            let _ = writeln!(out, "    with {name} = {}", p.expr(v));
        }
    }
    out
}

/// One expression of a decision in the text form.
pub fn expr_text(module: &Module, decision: &Decision, e: &Expr) -> String {
    Printer { module, decision }.expr(e)
}

struct Printer<'m> {
    module: &'m Module,
    decision: &'m Decision,
}

impl Printer<'_> {
    fn container(&self, c: &Container) -> String {
        match c {
            Container::Set(i) => format!(
                "set:{}",
                self.module
                    .sets
                    .get(*i as usize)
                    .map_or("?", |s| s.name.as_str())
            ),
            Container::Table(i) => format!(
                "table:{}",
                self.module
                    .tables
                    .get(*i as usize)
                    .map_or("?", |t| t.name.as_str())
            ),
            Container::List(l) => self.expr(l),
        }
    }

    fn constant(&self, c: &Const, ty: &Ty) -> String {
        match c {
            Const::Bool(b) => b.to_string(),
            Const::Int(i) => i.to_string(),
            Const::Dec(d) => format!("{}d", lintas_check::value::format_decimal(*d)),
            Const::Date(d) => lintas_check::calendar::format_date(*d),
            Const::Dur { months, days } => format!("{months}mo{days}d"),
            Const::Country(id) => self
                .module
                .countries
                .get(*id as usize)
                .cloned()
                .unwrap_or_else(|| format!("country#{id}")),
            Const::Enum(i) => format!("{ty}.{i}"),
            Const::Text(id) => format!(
                "{:?}",
                self.module
                    .texts
                    .get(*id as usize)
                    .map_or("?", String::as_str)
            ),
            Const::Absent => format!("absent:{ty}"),
        }
    }

    fn field_name(&self, base: &Ty, index: u32) -> String {
        match base {
            Ty::Rec(l) => self
                .module
                .layouts
                .get(*l as usize)
                .and_then(|l| l.fields.get(index as usize))
                .map_or_else(|| format!("#{index}"), |f| f.name.clone()),
            _ => format!("#{index}"),
        }
    }

    fn list(&self, items: &[Expr]) -> String {
        items
            .iter()
            .map(|i| self.expr(i))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn expr(&self, e: &Expr) -> String {
        match &e.node {
            Node::Const(c) => self.constant(c, &e.ty),
            Node::Subject => "$subject".into(),
            Node::Context => "$context".into(),
            Node::Local(d) => format!("$local{d}"),
            Node::Memo(i) => format!(
                "m{i}:{}",
                self.decision
                    .memos
                    .get(*i as usize)
                    .map_or("?", |m| m.name.as_str())
            ),
            Node::Aggregate(i) => format!("a{i}"),
            Node::Field(base, i) => {
                format!("{}.{}", self.expr(base), self.field_name(&base.ty, *i))
            }
            Node::Unary(op, a) => {
                let name = match op {
                    UnOp::Not => "not".to_string(),
                    UnOp::IntNeg(e) => format!("int.neg!e{e}"),
                    UnOp::DecNeg(e) => format!("dec.neg!e{e}"),
                    UnOp::IntAbs(e) => format!("int.abs!e{e}"),
                    UnOp::DecAbs(e) => format!("dec.abs!e{e}"),
                    UnOp::IntToDec(e) => format!("int.to_dec!e{e}"),
                    UnOp::Wrap => "wrap".to_string(),
                    UnOp::Unwrap(e) => format!("unwrap!e{e}"),
                    UnOp::IsPresent => "present".to_string(),
                };
                format!("({name} {})", self.expr(a))
            }
            Node::Binary(op, a, b) => {
                let name = match op {
                    BinOp::IntAdd(e) => format!("int.add!e{e}"),
                    BinOp::IntSub(e) => format!("int.sub!e{e}"),
                    BinOp::IntMul(e) => format!("int.mul!e{e}"),
                    BinOp::IntDiv(z, e) => format!("int.div!e{z}!e{e}"),
                    BinOp::DecAdd(e) => format!("dec.add!e{e}"),
                    BinOp::DecSub(e) => format!("dec.sub!e{e}"),
                    BinOp::DecMul(e) => format!("dec.mul!e{e}"),
                    BinOp::DecDiv(z, e) => format!("dec.div!e{z}!e{e}"),
                    BinOp::DateAdd(e) => format!("date.add!e{e}"),
                    BinOp::DateSub(e) => format!("date.sub!e{e}"),
                };
                format!("({name} {} {})", self.expr(a), self.expr(b))
            }
            Node::Compare(op, a, b) => {
                format!(
                    "({}.{} {} {})",
                    op.as_str(),
                    a.ty,
                    self.expr(a),
                    self.expr(b)
                )
            }
            Node::And(a, b) => format!("(and {} {})", self.expr(a), self.expr(b)),
            Node::Or(a, b) => format!("(or {} {})", self.expr(a), self.expr(b)),
            Node::If(c, a, b) => format!("(if {} {} {})", self.expr(c), self.expr(a), self.expr(b)),
            Node::Otherwise(a, b) => format!("(otherwise {} {})", self.expr(a), self.expr(b)),
            Node::Call(i, args) => {
                let error = match i {
                    Intrinsic::Weeks(e) | Intrinsic::Years(e) => format!("!e{e}"),
                    _ => String::new(),
                };
                format!("({}{error}:{} {})", i.name(), e.ty, self.list(args))
            }
            Node::Member(needle, c) => format!("(in {} {})", self.expr(needle), self.container(c)),
            Node::Lookup(t, keys) => format!(
                "(lookup {} {})",
                self.module
                    .tables
                    .get(*t as usize)
                    .map_or("?", |t| t.name.as_str()),
                self.list(keys)
            ),
            Node::Quantifier { kind, over, body } => {
                let k = match kind {
                    QuantifierKind::Any => "any",
                    QuantifierKind::All => "all",
                    QuantifierKind::Count => "count",
                };
                format!("({k} {} {})", self.expr(over), self.expr(body))
            }
            Node::DecisionTable(t) => {
                let hit = match t.hit {
                    HitPolicy::First => "first",
                    HitPolicy::Unique => "unique",
                    HitPolicy::Any => "any",
                    HitPolicy::Collect => "collect",
                };
                let rows: Vec<String> = t
                    .rows
                    .iter()
                    .map(|r| {
                        let cells: Vec<String> = r.cells.iter().map(|c| self.cell(c)).collect();
                        format!("[{} => {}]", cells.join(" | "), self.expr(&r.result))
                    })
                    .collect();
                let default = t
                    .default
                    .as_ref()
                    .map(|d| format!(" default {}", self.expr(d)))
                    .unwrap_or_default();
                format!(
                    "(table {hit}!e{} [{}] {}{default})",
                    t.conflict,
                    self.list(&t.inputs),
                    rows.join(" ")
                )
            }
            Node::MakeList(items) => format!("(list:{} {})", e.ty, self.list(items)),
        }
    }

    fn cell(&self, c: &Cell) -> String {
        match c {
            Cell::Any => "-".into(),
            Cell::OneOf(values) => format!("one_of {}", self.list(values)),
            Cell::In(c) => format!("in {}", self.container(c)),
            Cell::NotIn(c) => format!("not_in {}", self.container(c)),
            Cell::Compare(op, e) => format!("{} {}", op.as_str(), self.expr(e)),
        }
    }
}
