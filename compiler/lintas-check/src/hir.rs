//! The checked program: every name resolved, every expression typed, every
//! literal validated. The reference interpreter runs this; the backend IR is
//! lowered from it. Each decision is self-contained: the lets, scores and
//! tables it uses are checked in its own scope and stored with it.

use crate::types::{EnumId, RecordId, TableId, Ty};
use crate::value::Value;
use lintas_syntax::ast::{BinOp, HitPolicy, Mode, QuantifierKind};
use lintas_syntax::span::Span;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Program {
    pub package: PackageInfo,
    pub records: Vec<RecordDef>,
    pub enums: Vec<EnumDef>,
    pub sets: Vec<SetDef>,
    pub tables: Vec<TableDef>,
    pub reasons: Vec<CodeDef>,
    pub purposes: Vec<CodeDef>,
    pub decisions: Vec<DecisionDef>,
    pub sharings: Vec<SharingDef>,
    pub tests: Vec<TestDef>,
    /// The built-in record of the evaluation context.
    pub context: RecordId,
    /// The built-in enum of declared sharing purposes.
    pub purpose_enum: EnumId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageInfo {
    pub name: String,
    pub version: String,
    /// The packages this one extends, nearest first.
    pub extends: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordDef {
    pub name: String,
    pub fields: Vec<FieldDef>,
    pub span: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDef {
    pub name: String,
    pub ty: Ty,
    pub sensitive: bool,
    pub loggable: bool,
    pub docs: Vec<String>,
    pub span: Option<Span>,
}

impl RecordDef {
    pub fn field(&self, name: &str) -> Option<(usize, &FieldDef)> {
        self.fields.iter().enumerate().find(|(_, f)| f.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnumDef {
    pub name: String,
    pub values: Vec<String>,
    pub span: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetDef {
    pub name: String,
    pub element: Ty,
    /// Sorted and without duplicates.
    pub values: Vec<Value>,
    /// `inline` or the data file's path in the package.
    pub origin: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableDef {
    pub name: String,
    pub row: RecordId,
    /// Positions of the key columns in the row.
    pub keys: Vec<usize>,
    /// Each row is a `Value::Record`; no two rows share a key.
    pub rows: Vec<Value>,
    pub origin: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeDef {
    pub name: String,
    pub description: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionDef {
    pub name: String,
    pub subject: String,
    pub schema: RecordId,
    pub over_manifest: bool,
    /// Most severe first.
    pub outcomes: Vec<String>,
    pub default: usize,
    pub on_error: usize,
    pub aggregates: Vec<AggregateDef>,
    pub lets: Vec<LetDef>,
    pub scores: Vec<ScoreDef>,
    pub tables: Vec<DecisionTableDef>,
    /// In declaration order: base packages first, then files by path.
    pub rules: Vec<RuleDef>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AggregateDef {
    pub name: String,
    pub keys: Vec<Expr>,
    pub filter: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LetDef {
    pub name: String,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreDef {
    pub name: String,
    pub ty: Ty,
    pub terms: Vec<ScoreTermDef>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreTermDef {
    pub name: String,
    pub weight: Expr,
    pub condition: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionTableDef {
    pub name: String,
    pub hit: HitPolicy,
    pub inputs: Vec<Expr>,
    pub rows: Vec<DecisionRowDef>,
    pub default: Option<Expr>,
    /// The type of one row's result.
    pub result: Ty,
    /// The type of the table as a value (optional, list, or the result).
    pub ty: Ty,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRowDef {
    pub cells: Vec<CellDef>,
    pub result: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CellDef {
    Any,
    /// Equal to one of these.
    OneOf(Vec<Expr>),
    In(Expr),
    NotIn(Expr),
    Compare(BinOp, Expr),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleDef {
    pub id: String,
    pub description: String,
    pub source: Option<String>,
    pub package: String,
    /// Inclusive day numbers.
    pub effective_from: Option<i64>,
    pub effective_to: Option<i64>,
    /// Empty means every member.
    pub applies_to: Vec<Expr>,
    pub mode: Mode,
    pub condition: Expr,
    pub outcome: usize,
    pub reason: String,
    pub values: Vec<(String, Expr)>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharingDef {
    pub name: String,
    pub subject: String,
    pub schema: RecordId,
    pub withholds: Vec<WithholdDef>,
    pub allows: Vec<AllowDef>,
    pub span: Span,
}

/// A field of the subject, as the positions of the fields from the root.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FieldPath {
    pub indices: Vec<usize>,
    /// Dotted, from the subject: `traveller.document.number`.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WithholdDef {
    pub fields: Vec<FieldPath>,
    pub description: Option<String>,
    pub unless: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllowDef {
    pub name: String,
    pub description: Option<String>,
    pub fields: Vec<FieldPath>,
    pub recipients: Expr,
    pub purposes: Vec<u32>,
    pub condition: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestDef {
    pub title: String,
    pub target: TestTarget,
    pub context: Value,
    pub given: Given,
    pub expectations: Vec<Expectation>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TestTarget {
    Decision(usize),
    Sharing(usize),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Given {
    Record(Value),
    Manifest(Vec<Value>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Expectation {
    Outcome {
        /// `None`: the whole record; `Some(i)`: the i-th (0-based) manifest member.
        member: Option<usize>,
        outcome: usize,
        reasons: Option<Vec<ExpectedReason>>,
        span: Span,
    },
    Shared(Vec<FieldPath>, Span),
    Withheld(Vec<FieldPath>, Span),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectedReason {
    pub code: String,
    pub values: Vec<(String, Value)>,
    pub span: Span,
}

// ---------------------------------------------------------------- expressions

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ExprKind {
    Const(Value),
    /// The record being decided (or shared).
    Subject,
    /// The evaluation context.
    Context,
    /// A quantifier's variable, counted from the innermost (0) outwards.
    Local(u32),
    Let(usize),
    Score(usize),
    DecisionTable(usize),
    Aggregate(usize),
    Set(usize),
    Table(TableId),
    /// Field `index` of a record value.
    Field(Box<Expr>, usize),
    Lookup(TableId, Vec<Expr>),
    Call(Builtin, Vec<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Presence(Box<Expr>, bool),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    Quantifier {
        kind: QuantifierKind,
        over: Box<Expr>,
        body: Box<Expr>,
    },
    List(Vec<Expr>),
    Record(RecordId, Vec<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Builtin {
    YearsBetween,
    MonthsBetween,
    DaysBetween,
    Days,
    Weeks,
    Months,
    Years,
    Size,
    Lower,
    Upper,
    Length,
    Contains,
    StartsWith,
    NameKey,
    NameSimilarity,
    Min,
    Max,
    Abs,
}
