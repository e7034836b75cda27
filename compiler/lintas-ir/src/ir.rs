//! The IR's data structures. See the crate root for what they mean.

use crate::types::Ty;
use lintas_syntax::ast::{HitPolicy, Mode, QuantifierKind};

/// One compiled rule package: everything a backend needs, and nothing that
/// needs the surface syntax.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    pub package: String,
    pub version: String,
    /// Record layouts, indexed like the checked program's records.
    pub layouts: Vec<Layout>,
    /// Every country code a record may hold, sorted; a country's id is its index.
    pub countries: Vec<String>,
    /// Interned texts: every text of a constant, set or table. Sorted, so
    /// ids order as the texts do.
    pub texts: Vec<String>,
    /// Constant memory: table rows and composite constants, as words.
    pub data: Vec<i64>,
    /// Positions in `data` holding byte offsets from its start (list
    /// addresses), which a backend turns into addresses where it puts `data`.
    pub data_relocations: Vec<usize>,
    pub sets: Vec<Set>,
    pub tables: Vec<Table>,
    /// Evaluation errors a site can raise; an error code is an index here.
    pub errors: Vec<ErrorDef>,
    pub decisions: Vec<Decision>,
    /// The layout of the evaluation context.
    pub context: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub name: String,
    pub fields: Vec<LayoutField>,
    /// Words of one record stored inline.
    pub words: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LayoutField {
    pub name: String,
    pub ty: Ty,
    /// Word offset from the start of the record.
    pub offset: usize,
}

/// A reference set: its elements as sorted words (text ids, country ids,
/// numbers), and how membership is tested.
#[derive(Debug, Clone, PartialEq)]
pub struct Set {
    pub name: String,
    pub element: Ty,
    pub words: Vec<i64>,
    pub strategy: SetStrategy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetStrategy {
    /// A chain of comparisons against constants: best for a handful.
    Compare,
    /// Binary search of the sorted words.
    Sorted,
    /// One bit per possible value (countries, enum values): a load and a
    /// shift, no branch to mispredict.
    Bitmap,
}

/// A reference table: rows stored inline in [`Module::data`].
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    /// Layout of one row.
    pub row: u32,
    /// Field indices of the key columns.
    pub keys: Vec<usize>,
    /// Word offset of the first row in [`Module::data`].
    pub data: usize,
    pub rows: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    Overflow,
    DivisionByZero,
    DateOutOfRange,
    TableConflict,
    AggregateUnavailable,
    Internal,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Overflow => "overflow",
            ErrorKind::DivisionByZero => "division_by_zero",
            ErrorKind::DateOutOfRange => "date_out_of_range",
            ErrorKind::TableConflict => "table_conflict",
            ErrorKind::AggregateUnavailable => "aggregate_unavailable",
            ErrorKind::Internal => "internal",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ErrorDef {
    pub kind: ErrorKind,
    pub message: String,
}

/// Index into [`Module::errors`].
pub type ErrorId = u32;

#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub name: String,
    /// Layout of the record decided on.
    pub schema: u32,
    pub over_manifest: bool,
    /// Most severe first.
    pub outcomes: Vec<String>,
    pub default: usize,
    pub on_error: usize,
    /// Values computed at most once per evaluation, on first use, errors
    /// included: the decision's lets, scores and decision tables, then
    /// sub-expressions the optimiser found repeated.
    pub memos: Vec<Memo>,
    pub aggregates: Vec<Aggregate>,
    /// In the checked program's order (the reason order depends on it).
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Memo {
    pub name: String,
    pub value: Expr,
}

/// A manifest aggregate: per member, the keys and whether it is counted.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub name: String,
    pub keys: Vec<Expr>,
    pub filter: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: String,
    /// Position in the checked program's decision.
    pub index: usize,
    pub mode: Mode,
    pub outcome: usize,
    pub reason: String,
    /// Inclusive day numbers; a rule is skipped outside them.
    pub effective_from: Option<i64>,
    pub effective_to: Option<i64>,
    /// Empty: every member. Otherwise the rule applies when the context's
    /// member is in one of these (an error counts as "not in").
    pub applies_to: Vec<Container>,
    pub condition: Expr,
    /// Evaluated only when the rule fires.
    pub values: Vec<(String, Expr)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub ty: Ty,
    pub node: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Const {
    Bool(bool),
    Int(i64),
    Dec(i64),
    Date(i64),
    Dur {
        months: i64,
        days: i64,
    },
    Country(u32),
    Enum(u32),
    Text(u32),
    /// The absent value of an `opt` type.
    Absent,
}

/// Where membership is tested.
#[derive(Debug, Clone, PartialEq)]
pub enum Container {
    Set(u32),
    /// The first key column of a table.
    Table(u32),
    /// Any list value.
    List(Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Const(Const),
    /// The record being decided.
    Subject,
    /// The evaluation context.
    Context,
    /// A quantifier's element, counted from the innermost (0) outwards.
    Local(u32),
    /// A memoised value of the decision.
    Memo(u32),
    /// This member's count for a manifest aggregate.
    Aggregate(u32),
    /// Field `index` of a record (its layout is in the operand's type).
    Field(Box<Expr>, u32),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// Compares two values of one type (or an int with a dec).
    Compare(CmpOp, Box<Expr>, Box<Expr>),
    /// Short-circuit.
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// The operand (`opt<T>`) if present, else the fallback (both the node's type).
    Otherwise(Box<Expr>, Box<Expr>),
    Call(Intrinsic, Vec<Expr>),
    /// Membership; an int needle in a dec set (or the reverse) matches
    /// numerically, never by overflowing.
    Member(Box<Expr>, Container),
    /// The row of `table` whose key columns equal `keys`, if any.
    Lookup(u32, Vec<Expr>),
    Quantifier {
        kind: QuantifierKind,
        over: Box<Expr>,
        body: Box<Expr>,
    },
    DecisionTable(Box<DecisionTable>),
    /// Every item evaluated in order, stored inline in fresh memory.
    MakeList(Vec<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct DecisionTable {
    pub name: String,
    pub hit: HitPolicy,
    /// Evaluated first, in order; cells test them.
    pub inputs: Vec<Expr>,
    pub rows: Vec<TableRow>,
    /// The value when no row matches (already of the result type).
    pub default: Option<Expr>,
    /// The type of one row's result.
    pub result: Ty,
    /// Raised by `unique` and `any` tables.
    pub conflict: ErrorId,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    pub cells: Vec<Cell>,
    /// Of the table's result type.
    pub result: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Any,
    /// Equal to one of these, tried in order.
    OneOf(Vec<Expr>),
    In(Container),
    NotIn(Container),
    Compare(CmpOp, Expr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnOp {
    Not,
    /// Raises [`UnOp`]'s overflow error for `i64::MIN`.
    IntNeg(ErrorId),
    DecNeg(ErrorId),
    IntAbs(ErrorId),
    DecAbs(ErrorId),
    /// Raises the error when the int is too large to be a dec.
    IntToDec(ErrorId),
    /// `T` to `opt<T>`.
    Wrap,
    /// `opt<T>` to `T`; raises the error when absent (the checker proved
    /// presence, so this is a checker bug).
    Unwrap(ErrorId),
    IsPresent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// Checked; the error is the overflow.
    IntAdd(ErrorId),
    IntSub(ErrorId),
    IntMul(ErrorId),
    /// Division by zero, then overflow.
    IntDiv(ErrorId, ErrorId),
    DecAdd(ErrorId),
    DecSub(ErrorId),
    DecMul(ErrorId),
    DecDiv(ErrorId, ErrorId),
    /// Date plus duration, or date minus it; the error is leaving the calendar.
    DateAdd(ErrorId),
    DateSub(ErrorId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "eq",
            CmpOp::Ne => "ne",
            CmpOp::Lt => "lt",
            CmpOp::Le => "le",
            CmpOp::Gt => "gt",
            CmpOp::Ge => "ge",
        }
    }

    /// Whether an ordering (-1, 0, 1) satisfies the comparison.
    pub fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            CmpOp::Eq => ordering == Equal,
            CmpOp::Ne => ordering != Equal,
            CmpOp::Lt => ordering == Less,
            CmpOp::Le => ordering != Greater,
            CmpOp::Gt => ordering == Greater,
            CmpOp::Ge => ordering != Less,
        }
    }
}

/// Operations too large to inline, with their signatures (checked by the
/// verifier): every backend implements each one exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Intrinsic {
    /// (date, date) -> int
    YearsBetween,
    MonthsBetween,
    DaysBetween,
    /// (int) -> dur; weeks and years raise the overflow error.
    Days,
    Weeks(ErrorId),
    Months,
    Years(ErrorId),
    /// (list) -> int
    Size,
    /// (text) -> text
    Lower,
    Upper,
    NameKey,
    /// (text) -> int, in Unicode scalar values
    Length,
    /// (text, text) -> bool
    Contains,
    StartsWith,
    /// (text, text) -> dec
    NameSimilarity,
    /// (T, T) -> T for int, dec or date; ties take the first.
    Min,
    Max,
}

impl Intrinsic {
    pub fn name(self) -> &'static str {
        match self {
            Intrinsic::YearsBetween => "years_between",
            Intrinsic::MonthsBetween => "months_between",
            Intrinsic::DaysBetween => "days_between",
            Intrinsic::Days => "days",
            Intrinsic::Weeks(_) => "weeks",
            Intrinsic::Months => "months",
            Intrinsic::Years(_) => "years",
            Intrinsic::Size => "size",
            Intrinsic::Lower => "lower",
            Intrinsic::Upper => "upper",
            Intrinsic::NameKey => "name_key",
            Intrinsic::Length => "length",
            Intrinsic::Contains => "contains",
            Intrinsic::StartsWith => "starts_with",
            Intrinsic::NameSimilarity => "name_similarity",
            Intrinsic::Min => "min",
            Intrinsic::Max => "max",
        }
    }
}

impl Expr {
    pub fn new(ty: Ty, node: Node) -> Expr {
        Expr { ty, node }
    }

    pub fn constant(ty: Ty, c: Const) -> Expr {
        Expr::new(ty, Node::Const(c))
    }

    /// Children in evaluation order (containers and table parts included).
    pub fn children(&self) -> Vec<&Expr> {
        let mut out = Vec::new();
        match &self.node {
            Node::Const(_)
            | Node::Subject
            | Node::Context
            | Node::Local(_)
            | Node::Memo(_)
            | Node::Aggregate(_) => {}
            Node::Field(e, _) | Node::Unary(_, e) => out.push(e.as_ref()),
            Node::Binary(_, a, b)
            | Node::Compare(_, a, b)
            | Node::And(a, b)
            | Node::Or(a, b)
            | Node::Otherwise(a, b) => {
                out.push(a.as_ref());
                out.push(b.as_ref());
            }
            Node::If(c, a, b) => out.extend([c.as_ref(), a.as_ref(), b.as_ref()]),
            Node::Call(_, args) | Node::Lookup(_, args) | Node::MakeList(args) => {
                out.extend(args.iter())
            }
            Node::Member(needle, container) => {
                out.push(needle.as_ref());
                if let Container::List(l) = container {
                    out.push(l.as_ref());
                }
            }
            Node::Quantifier { over, body, .. } => out.extend([over.as_ref(), body.as_ref()]),
            Node::DecisionTable(t) => {
                out.extend(t.inputs.iter());
                for row in &t.rows {
                    for cell in &row.cells {
                        match cell {
                            Cell::Any => {}
                            Cell::OneOf(values) => out.extend(values.iter()),
                            Cell::In(Container::List(l)) | Cell::NotIn(Container::List(l)) => {
                                out.push(l.as_ref())
                            }
                            Cell::In(_) | Cell::NotIn(_) => {}
                            Cell::Compare(_, e) => out.push(e),
                        }
                    }
                    out.push(&row.result);
                }
                out.extend(t.default.iter());
            }
        }
        out
    }

    /// Every child, mutably, in the same order as [`Expr::children`].
    pub fn children_mut(&mut self) -> Vec<&mut Expr> {
        let mut out = Vec::new();
        match &mut self.node {
            Node::Const(_)
            | Node::Subject
            | Node::Context
            | Node::Local(_)
            | Node::Memo(_)
            | Node::Aggregate(_) => {}
            Node::Field(e, _) | Node::Unary(_, e) => out.push(e.as_mut()),
            Node::Binary(_, a, b)
            | Node::Compare(_, a, b)
            | Node::And(a, b)
            | Node::Or(a, b)
            | Node::Otherwise(a, b) => {
                out.push(a.as_mut());
                out.push(b.as_mut());
            }
            Node::If(c, a, b) => out.extend([c.as_mut(), a.as_mut(), b.as_mut()]),
            Node::Call(_, args) | Node::Lookup(_, args) | Node::MakeList(args) => {
                out.extend(args.iter_mut())
            }
            Node::Member(needle, container) => {
                out.push(needle.as_mut());
                if let Container::List(l) = container {
                    out.push(l.as_mut());
                }
            }
            Node::Quantifier { over, body, .. } => out.extend([over.as_mut(), body.as_mut()]),
            Node::DecisionTable(t) => {
                let t = t.as_mut();
                out.extend(t.inputs.iter_mut());
                for row in &mut t.rows {
                    for cell in &mut row.cells {
                        match cell {
                            Cell::Any => {}
                            Cell::OneOf(values) => out.extend(values.iter_mut()),
                            Cell::In(Container::List(l)) | Cell::NotIn(Container::List(l)) => {
                                out.push(l.as_mut())
                            }
                            Cell::In(_) | Cell::NotIn(_) => {}
                            Cell::Compare(_, e) => out.push(e),
                        }
                    }
                    out.push(&mut row.result);
                }
                out.extend(t.default.iter_mut());
            }
        }
        out
    }
}
