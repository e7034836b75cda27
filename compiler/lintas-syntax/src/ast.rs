//! The syntax tree: what the source says, with a span on every node.
//!
//! The tree keeps everything the formatter needs to print the file again
//! (parentheses, the order of clauses as written, doc comments); plain
//! comments are kept beside it in [`SourceFile::comments`].

use crate::span::Span;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceFile {
    pub items: Vec<Item>,
    /// Plain `//` comments in source order, for the formatter.
    pub comments: Vec<Comment>,
    /// Items that did not parse, as far as their text shows: the checker
    /// uses them to avoid follow-on errors about what they declare or use.
    pub broken: Vec<BrokenItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenItem {
    /// The name the item declares, when its first words show it.
    pub declares: Option<String>,
    /// Every word in the item, any of which it may have used.
    pub mentions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub docs: Vec<String>,
    /// `override` before the keyword: this item replaces one of the same
    /// kind and name in the package this one extends.
    pub overrides: bool,
    pub kind: ItemKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ItemKind {
    Import(Ident),
    Schema(Schema),
    Enum(EnumDecl),
    Set(SetDecl),
    Table(TableDecl),
    Reason(CodeDecl),
    Purpose(CodeDecl),
    Decision(Decision),
    Rule(Rule),
    Score(Score),
    Let(Let),
    DecisionTable(DecisionTable),
    Sharing(Sharing),
    Test(Test),
}

impl Item {
    /// The name the item declares, if it declares one.
    pub fn name(&self) -> Option<&Ident> {
        match &self.kind {
            ItemKind::Import(name) => Some(name),
            ItemKind::Schema(s) => Some(&s.name),
            ItemKind::Enum(e) => Some(&e.name),
            ItemKind::Set(s) => Some(&s.name),
            ItemKind::Table(t) => Some(&t.name),
            ItemKind::Reason(c) | ItemKind::Purpose(c) => Some(&c.name),
            ItemKind::Decision(d) => Some(&d.name),
            ItemKind::Rule(r) => Some(&r.name),
            ItemKind::Score(s) => Some(&s.name),
            ItemKind::Let(l) => Some(&l.name),
            ItemKind::DecisionTable(t) => Some(&t.name),
            ItemKind::Sharing(s) => Some(&s.name),
            ItemKind::Test(_) => None,
        }
    }

    /// The keyword that introduces the item, as a user would name its kind.
    pub fn keyword(&self) -> &'static str {
        match &self.kind {
            ItemKind::Import(_) => "import",
            ItemKind::Schema(_) => "schema",
            ItemKind::Enum(_) => "enum",
            ItemKind::Set(_) => "set",
            ItemKind::Table(_) => "table",
            ItemKind::Reason(_) => "reason",
            ItemKind::Purpose(_) => "purpose",
            ItemKind::Decision(_) => "decision",
            ItemKind::Rule(_) => "rule",
            ItemKind::Score(_) => "score",
            ItemKind::Let(_) => "let",
            ItemKind::DecisionTable(_) => "decision table",
            ItemKind::Sharing(_) => "sharing",
            ItemKind::Test(_) => "test",
        }
    }
}

// ---------------------------------------------------------------- types

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TypeExpr {
    Named(Ident),
    Optional(Box<TypeExpr>, Span),
    List(Box<TypeExpr>, Span),
}

impl TypeExpr {
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named(id) => id.span,
            TypeExpr::Optional(_, span) | TypeExpr::List(_, span) => *span,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Annotation {
    Sensitive,
    Loggable,
}

impl Annotation {
    pub fn as_str(self) -> &'static str {
        match self {
            Annotation::Sensitive => "sensitive",
            Annotation::Loggable => "loggable",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schema {
    pub name: Ident,
    pub fields: Vec<FieldDecl>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldDecl {
    pub docs: Vec<String>,
    pub name: Ident,
    pub ty: TypeExpr,
    pub annotations: Vec<(Annotation, Span)>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnumDecl {
    pub name: Ident,
    pub values: Vec<EnumValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnumValue {
    pub docs: Vec<String>,
    pub name: Ident,
}

// ---------------------------------------------------------------- reference data

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataSource {
    pub path: StringLit,
    pub column: Option<StringLit>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StringLit {
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetDecl {
    pub name: Ident,
    pub element: TypeExpr,
    pub contents: SetContents,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum SetContents {
    Inline(Vec<Expr>),
    File(DataSource),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableDecl {
    pub name: Ident,
    pub columns: Vec<ColumnDecl>,
    pub contents: TableContents,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnDecl {
    pub docs: Vec<String>,
    pub name: Ident,
    pub ty: TypeExpr,
    pub is_key: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TableContents {
    Rows(Vec<DataRow>),
    File(DataSource),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataRow {
    pub cells: Vec<Expr>,
    pub span: Span,
}

/// A `reason` or a `purpose`: a declared code with an optional description.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeDecl {
    pub name: Ident,
    pub description: Option<StringLit>,
}

// ---------------------------------------------------------------- decisions

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub name: Ident,
    /// The name rules use for the record being decided, e.g. `traveller`.
    pub subject: Ident,
    pub schema: Ident,
    /// `for each traveller: Traveller in manifest`: the decision screens a
    /// whole manifest and may use aggregates over it.
    pub over_manifest: bool,
    pub clauses: Vec<DecisionClause>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum DecisionClause {
    Outcomes(Vec<Ident>, Span),
    Default(Ident, Span),
    OnError(Ident, Span),
    Aggregate(Aggregate),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aggregate {
    pub name: Ident,
    pub keys: Vec<Expr>,
    pub filter: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    pub name: Ident,
    pub decisions: Vec<Ident>,
    pub description: Option<StringLit>,
    pub clauses: Vec<RuleClause>,
    pub condition: Expr,
    pub outcome: Ident,
    pub reason: Ident,
    pub values: Vec<Binding>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum RuleClause {
    Source(StringLit),
    Effective {
        from: Option<DateLit>,
        to: Option<DateLit>,
        span: Span,
    },
    AppliesTo(Vec<Expr>, Span),
    Mode(Mode, Span),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Mode {
    #[default]
    Enforce,
    Shadow,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DateLit {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Binding {
    pub name: Ident,
    pub value: Expr,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub name: Ident,
    pub decisions: Vec<Ident>,
    pub terms: Vec<ScoreTerm>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreTerm {
    pub docs: Vec<String>,
    pub name: Ident,
    pub weight: Expr,
    pub condition: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Let {
    pub name: Ident,
    /// Empty for a constant that does not depend on any decision's subject.
    pub decisions: Vec<Ident>,
    pub value: Expr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HitPolicy {
    /// The first matching row, top to bottom.
    First,
    /// Exactly one row may match; more is an evaluation error.
    Unique,
    /// Several rows may match if they all give the same result.
    Any,
    /// Every matching row's result, as a list, in row order.
    Collect,
}

impl HitPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            HitPolicy::First => "first",
            HitPolicy::Unique => "unique",
            HitPolicy::Any => "any",
            HitPolicy::Collect => "collect",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionTable {
    pub name: Ident,
    pub decisions: Vec<Ident>,
    pub hit: HitPolicy,
    pub default: Option<Expr>,
    pub inputs: Vec<Expr>,
    pub output: Ident,
    pub rows: Vec<TableRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableRow {
    pub cells: Vec<Cell>,
    pub result: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Cell {
    Any(Span),
    In(Expr, Span),
    NotIn(Expr, Span),
    Compare(BinOp, Expr, Span),
    Values(Vec<Expr>, Span),
}

impl Cell {
    pub fn span(&self) -> Span {
        match self {
            Cell::Any(s)
            | Cell::In(_, s)
            | Cell::NotIn(_, s)
            | Cell::Compare(_, _, s)
            | Cell::Values(_, s) => *s,
        }
    }
}

// ---------------------------------------------------------------- sharing

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sharing {
    pub name: Ident,
    pub subject: Ident,
    pub schema: Ident,
    pub clauses: Vec<SharingClause>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum SharingClause {
    Withhold(Withhold),
    Allow(Allow),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Withhold {
    pub docs: Vec<String>,
    pub fields: Vec<Expr>,
    pub description: Option<StringLit>,
    pub unless: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Allow {
    pub docs: Vec<String>,
    pub name: Ident,
    pub description: Option<StringLit>,
    pub fields: Vec<Expr>,
    pub recipients: Expr,
    pub purposes: Vec<Ident>,
    pub condition: Option<Expr>,
    pub span: Span,
}

// ---------------------------------------------------------------- tests

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Test {
    pub title: StringLit,
    pub target: Ident,
    pub clauses: Vec<TestClause>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TestClause {
    Context(Expr),
    Given {
        manifest: bool,
        value: Expr,
        span: Span,
    },
    Expect(Expectation),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Expectation {
    Outcome(ExpectedOutcome),
    /// `expect traveller 2 refer ...`: one member of a manifest (1-based).
    Member {
        label: Ident,
        index: u64,
        index_span: Span,
        outcome: ExpectedOutcome,
    },
    Shared(Vec<Expr>, Span),
    Withheld(Vec<Expr>, Span),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpectedOutcome {
    pub outcome: Ident,
    /// `None` when the test checks only the outcome.
    pub reasons: Option<Vec<ExpectedReason>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpectedReason {
    pub code: Ident,
    pub values: Vec<Binding>,
    pub span: Span,
}

// ---------------------------------------------------------------- expressions

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ExprKind {
    Bool(bool),
    /// Integer literals keep their digits; the checker reports ones that do
    /// not fit in 64 bits.
    Int(String),
    /// Decimal literals keep their digits so that the checker can report
    /// more fraction digits than the fixed scale holds.
    Decimal(String),
    Text(String),
    /// `2025-03-01`, validated by the checker.
    Date(String),
    Duration {
        amount: String,
        unit: DurationUnit,
    },
    Name(Ident),
    Field(Box<Expr>, Ident),
    Index(Box<Expr>, Vec<Expr>),
    Call(Ident, Vec<Expr>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `x is present` (true) or `x is absent` (false).
    Presence(Box<Expr>, bool),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    Quantifier {
        kind: QuantifierKind,
        var: Ident,
        over: Box<Expr>,
        body: Box<Expr>,
    },
    List(Vec<Expr>),
    Record(Vec<(Ident, Expr)>),
    Paren(Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum DurationUnit {
    Days,
    Weeks,
    Months,
    Years,
}

impl DurationUnit {
    pub fn as_str(self, plural: bool) -> &'static str {
        match (self, plural) {
            (DurationUnit::Days, false) => "day",
            (DurationUnit::Days, true) => "days",
            (DurationUnit::Weeks, false) => "week",
            (DurationUnit::Weeks, true) => "weeks",
            (DurationUnit::Months, false) => "month",
            (DurationUnit::Months, true) => "months",
            (DurationUnit::Years, false) => "year",
            (DurationUnit::Years, true) => "years",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum QuantifierKind {
    Any,
    All,
    Count,
}

impl QuantifierKind {
    pub fn as_str(self) -> &'static str {
        match self {
            QuantifierKind::Any => "any",
            QuantifierKind::All => "all",
            QuantifierKind::Count => "count",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum UnOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Add,
    Sub,
    Mul,
    Div,
    Otherwise,
}

impl BinOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::NotIn => "not in",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Otherwise => "otherwise",
        }
    }

    /// Binding power, loosest first. The parser and the formatter share it,
    /// so printing never changes how an expression groups.
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq
            | BinOp::Ne
            | BinOp::Lt
            | BinOp::Le
            | BinOp::Gt
            | BinOp::Ge
            | BinOp::In
            | BinOp::NotIn => 4,
            BinOp::Add | BinOp::Sub => 5,
            BinOp::Mul | BinOp::Div => 6,
            BinOp::Otherwise => 7,
        }
    }

    pub fn is_comparison(self) -> bool {
        self.precedence() == 4
    }
}

/// `not` binds looser than comparisons and tighter than `and`.
pub const NOT_PRECEDENCE: u8 = 3;
/// Unary minus binds tighter than every binary operator.
pub const NEG_PRECEDENCE: u8 = 8;
