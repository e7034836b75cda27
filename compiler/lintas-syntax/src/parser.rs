//! From text to [`SourceFile`]. Parsing never fails: it returns the tree of
//! every item that parsed and a diagnostic for every item that did not.

use crate::ast::*;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::lexical;
use crate::span::{FileId, Span};
use pest::Parser as _;
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use std::sync::OnceLock;

#[derive(pest_derive::Parser)]
#[grammar = "grammar.pest"]
struct Grammar;

/// Deepest expression tree the parser builds; deeper input gets a
/// diagnostic instead, so later recursive passes cannot overflow the stack.
pub const MAX_EXPR_DEPTH: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub file: SourceFile,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses one file. Items that fail to parse are left out of the tree and
/// reported; the rest of the file is still parsed.
pub fn parse(file: FileId, text: &str) -> Parsed {
    parse_with(file, text, |_, offset, chunk| {
        parse_chunk(file, offset, chunk)
    })
}

/// Parses reusing the items of `cache` whose text has not changed, wherever
/// they moved to: editing one item of a long file re-parses that item only.
pub fn parse_cached(file: FileId, text: &str, cache: &mut crate::cache::ParseCache) -> Parsed {
    parse_with(file, text, |_, offset, chunk| {
        cache.chunk(file, offset, chunk)
    })
}

/// What one top-level item's text gave.
#[derive(Debug, Clone)]
pub(crate) struct ChunkResult {
    pub items: Vec<Item>,
    pub diagnostics: Vec<Diagnostic>,
    pub broken: Option<BrokenItem>,
}

pub(crate) fn parse_chunk(file: FileId, offset: usize, chunk: &str) -> ChunkResult {
    if let Some((at, what)) = lexical::nesting_problem(chunk) {
        let at = offset + at;
        return ChunkResult {
            items: Vec::new(),
            diagnostics: vec![
                Diagnostic::error(
                    codes::NESTING_TOO_DEEP,
                    Span::new(file, at, at + 1),
                    format!("input nests too deeply: {what}"),
                )
                .label("nesting limit reached here")
                .help("split the expression into named `let` values"),
            ],
            broken: Some(lexical::broken_item(chunk)),
        };
    }
    let mut builder = Builder {
        file,
        offset,
        diagnostics: Vec::new(),
    };
    let mut result = ChunkResult {
        items: Vec::new(),
        diagnostics: Vec::new(),
        broken: None,
    };
    match Grammar::parse(Rule::chunk, chunk) {
        Ok(pairs) => match builder.chunk(pairs) {
            Ok(parsed) => result.items = parsed,
            Err(diagnostic) => {
                result.diagnostics.push(*diagnostic);
                result.broken = Some(lexical::broken_item(chunk));
            }
        },
        Err(error) => {
            result
                .diagnostics
                .push(syntax_error(file, offset, chunk, &error));
            result.broken = Some(lexical::broken_item(chunk));
        }
    }
    result.diagnostics.append(&mut builder.diagnostics);
    result
}

fn parse_with(
    file: FileId,
    text: &str,
    mut chunk_parser: impl FnMut(FileId, usize, &str) -> ChunkResult,
) -> Parsed {
    let mut items = Vec::new();
    let mut diagnostics = Vec::new();
    let mut broken = Vec::new();
    for range in lexical::split_items(text) {
        let Some(chunk) = text.get(range.clone()) else {
            continue;
        };
        if chunk.trim().is_empty() {
            continue;
        }
        let mut result = chunk_parser(file, range.start, chunk);
        items.append(&mut result.items);
        diagnostics.append(&mut result.diagnostics);
        broken.extend(result.broken);
    }
    let comments = lexical::comments(text)
        .into_iter()
        .map(|c| Comment {
            text: text
                .get(c.range.clone())
                .unwrap_or("")
                .trim_end()
                .to_string(),
            span: Span::new(file, c.range.start, c.range.end),
        })
        .collect();
    Parsed {
        file: SourceFile {
            items,
            comments,
            broken,
        },
        diagnostics,
    }
}

fn syntax_error(
    file: FileId,
    offset: usize,
    chunk: &str,
    error: &pest::error::Error<Rule>,
) -> Diagnostic {
    let at = match error.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    // An item that ends too early is reported where its text ends, not on
    // the next item's first line.
    let content_end = chunk.trim_end().len();
    let at = if at >= content_end {
        chunk
            .get(..content_end)
            .and_then(|c| c.char_indices().last())
            .map_or(0, |(i, _)| i)
    } else {
        at
    };
    let found = if error_at_end(chunk, at) {
        "end of item".to_string()
    } else {
        describe_found(chunk, at)
    };
    let expected = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => describe_expected(positives),
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    };
    let end = chunk
        .get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(at, |c| at + c.len_utf8());
    let span = Span::new(file, offset + at, offset + end);
    let unterminated = chunk.get(at..).is_some_and(|rest| {
        rest.starts_with('"')
            && !rest
                .lines()
                .next()
                .unwrap_or("")
                .get(1..)
                .unwrap_or("")
                .contains('"')
    });
    let message = if unterminated {
        "text is not closed: a closing `\"` is missing on this line".to_string()
    } else if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {expected}, found {found}")
    };
    Diagnostic::error(codes::SYNTAX, span, message)
        .label(format!("unexpected {found}"))
        .help(syntax_help(&expected))
}

/// Whether `at` is the last character of the item's text, i.e. the item
/// ended while something was still expected.
fn error_at_end(chunk: &str, at: usize) -> bool {
    let content_end = chunk.trim_end().len();
    chunk
        .get(at..content_end)
        .is_some_and(|rest| rest.chars().count() <= 1)
        && chunk
            .get(at..)
            .is_some_and(|rest| rest.trim().chars().count() <= 1)
}

fn syntax_help(expected: &str) -> String {
    if expected.contains("`then`") {
        "a rule ends with `then OUTCOME REASON`, e.g. `then deny DOC_EXPIRED`".to_string()
    } else if expected.contains("`}`") {
        "check for a missing `}` or a stray token before it".to_string()
    } else {
        "see docs/language.md for the syntax of this item".to_string()
    }
}

fn describe_found(chunk: &str, at: usize) -> String {
    let rest = chunk.get(at..).unwrap_or("");
    let token: String = match rest.chars().next() {
        None => return "end of item".to_string(),
        Some(c) if c.is_alphanumeric() || c == '_' => rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect(),
        Some(c) if c.is_whitespace() => return "end of line".to_string(),
        Some(c) => c.to_string(),
    };
    format!("`{token}`")
}

fn describe_expected(rules: &[Rule]) -> String {
    let mut names: Vec<String> = rules.iter().filter_map(|r| rule_name(*r)).collect();
    names.sort();
    names.dedup();
    match names.len() {
        0 => String::new(),
        1 => names.remove(0),
        n if n > 6 => "an item, a clause or an expression".to_string(),
        _ => {
            let last = names.pop().unwrap_or_default();
            format!("{} or {}", names.join(", "), last)
        }
    }
}

/// A user-facing name for what the grammar was looking for.
fn rule_name(rule: Rule) -> Option<String> {
    let debug = format!("{rule:?}");
    if let Some(word) = debug.strip_prefix("kw_") {
        return Some(format!("`{word}`"));
    }
    let name = match rule {
        Rule::EOI => "end of item",
        Rule::ident | Rule::field_name | Rule::name => "a name",
        Rule::expr | Rule::prefix | Rule::op_not | Rule::op_neg => "an expression",
        Rule::string => "a quoted text",
        Rule::date_lit => "a date like `2025-01-31`",
        Rule::int_lit => "a whole number",
        Rule::doc_comment | Rule::docs => return None,
        Rule::op_or
        | Rule::op_and
        | Rule::op_in
        | Rule::op_not_in
        | Rule::op_eq
        | Rule::op_ne
        | Rule::op_lt
        | Rule::op_le
        | Rule::op_gt
        | Rule::op_ge
        | Rule::op_add
        | Rule::op_sub
        | Rule::op_mul
        | Rule::op_div
        | Rule::op_otherwise => "an operator",
        Rule::field_access | Rule::index_access | Rule::is_present | Rule::is_absent => {
            "an operator"
        }
        Rule::annotation => "`sensitive` or `loggable`",
        Rule::mode_clause => "`shadow` or `enforce`",
        Rule::hit_policy => "`first`, `unique`, `any` or `collect`",
        Rule::cell | Rule::any_cell => "a table cell",
        Rule::duration_unit => "a unit (`days`, `weeks`, `months`, `years`)",
        Rule::type_expr | Rule::named_type | Rule::optional_type | Rule::list_type => "a type",
        Rule::import_item
        | Rule::schema_item
        | Rule::enum_item
        | Rule::set_item
        | Rule::table_item
        | Rule::reason_item
        | Rule::purpose_item
        | Rule::decision_item
        | Rule::decision_table_item
        | Rule::rule_item
        | Rule::score_item
        | Rule::let_item
        | Rule::sharing_item
        | Rule::test_item => "an item (`schema`, `rule`, `decision`, ...)",
        Rule::set_inline => "`=`",
        Rule::data_source => "`from`",
        Rule::when_clause => "`when`",
        Rule::then_clause => "`then`",
        Rule::source_clause => "`source`",
        Rule::effective_clause => "`effective`",
        Rule::applies_clause => "`applies`",
        Rule::for_clause => "`for`",
        Rule::outcomes_clause => "`outcomes`",
        Rule::default_clause | Rule::table_default => "`default`",
        Rule::on_error_clause => "`on`",
        Rule::aggregate_clause => "`aggregate`",
        Rule::hit_clause => "`hit`",
        Rule::table_header | Rule::table_row | Rule::data_row => "`|`",
        Rule::withhold_clause => "`withhold`",
        Rule::allow_clause => "`allow`",
        Rule::context_clause => "`context`",
        Rule::given_clause => "`given`",
        Rule::expect_clause => "`expect`",
        Rule::record_lit => "`{`",
        Rule::field_decl | Rule::column_decl | Rule::enum_value | Rule::score_term => "a name",
        _ => return Some(debug.replace('_', " ")),
    };
    Some(name.to_string())
}

fn is_keyword(rule: Rule) -> bool {
    format!("{rule:?}").starts_with("kw_")
}

fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::op_or, Assoc::Left))
            .op(Op::infix(Rule::op_and, Assoc::Left))
            .op(Op::prefix(Rule::op_not))
            .op(Op::infix(Rule::op_eq, Assoc::Left)
                | Op::infix(Rule::op_ne, Assoc::Left)
                | Op::infix(Rule::op_lt, Assoc::Left)
                | Op::infix(Rule::op_le, Assoc::Left)
                | Op::infix(Rule::op_gt, Assoc::Left)
                | Op::infix(Rule::op_ge, Assoc::Left)
                | Op::infix(Rule::op_in, Assoc::Left)
                | Op::infix(Rule::op_not_in, Assoc::Left))
            .op(Op::infix(Rule::op_add, Assoc::Left) | Op::infix(Rule::op_sub, Assoc::Left))
            .op(Op::infix(Rule::op_mul, Assoc::Left) | Op::infix(Rule::op_div, Assoc::Left))
            .op(Op::infix(Rule::op_otherwise, Assoc::Left))
            .op(Op::prefix(Rule::op_neg))
            .op(Op::postfix(Rule::field_access)
                | Op::postfix(Rule::index_access)
                | Op::postfix(Rule::is_present)
                | Op::postfix(Rule::is_absent))
    })
}

type Built<T> = Result<T, Box<Diagnostic>>;

struct Builder {
    file: FileId,
    offset: usize,
    diagnostics: Vec<Diagnostic>,
}

/// The children of a pair, without keyword tokens.
fn children(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|p| !is_keyword(p.as_rule()))
}

impl Builder {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        // pest leaves the whitespace and comments it skipped after a node
        // inside the node's span; diagnostics must not underline them.
        let end = s.start() + trimmed_len(pair.as_str());
        Span::new(self.file, self.offset + s.start(), self.offset + end)
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn chunk(&mut self, pairs: Pairs<'_, Rule>) -> Built<Vec<Item>> {
        let mut items = Vec::new();
        for chunk in pairs {
            for pair in chunk.into_inner() {
                if pair.as_rule() == Rule::EOI {
                    continue;
                }
                items.push(self.item(pair)?);
            }
        }
        Ok(items)
    }

    fn item(&mut self, pair: Pair<'_, Rule>) -> Built<Item> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let overrides = pair
            .clone()
            .into_inner()
            .any(|p| p.as_rule() == Rule::kw_override);
        let mut inner = children(pair).peekable();
        let docs = match inner.peek() {
            Some(p) if p.as_rule() == Rule::docs => inner.next().map(docs_of).unwrap_or_default(),
            _ => Vec::new(),
        };
        let kind = match rule {
            Rule::import_item => ItemKind::Import(self.next_ident(&mut inner)),
            Rule::schema_item => ItemKind::Schema(self.schema(inner)),
            Rule::enum_item => {
                let name = self.next_ident(&mut inner);
                let values = inner
                    .map(|v| {
                        let mut parts = children(v);
                        let docs = parts.next().map(docs_of).unwrap_or_default();
                        let name = parts
                            .next()
                            .map(|p| self.ident(p))
                            .unwrap_or_else(|| self.missing(span));
                        EnumValue { docs, name }
                    })
                    .collect();
                ItemKind::Enum(EnumDecl { name, values })
            }
            Rule::set_item => ItemKind::Set(self.set(inner)?),
            Rule::table_item => ItemKind::Table(self.table(inner)?),
            Rule::reason_item | Rule::purpose_item => {
                let name = self.next_ident(&mut inner);
                let description = inner.next().map(|p| self.string(p));
                let decl = CodeDecl { name, description };
                if rule == Rule::reason_item {
                    ItemKind::Reason(decl)
                } else {
                    ItemKind::Purpose(decl)
                }
            }
            Rule::decision_item => ItemKind::Decision(self.decision(inner)?),
            Rule::rule_item => ItemKind::Rule(self.rule(inner)?),
            Rule::score_item => {
                let name = self.next_ident(&mut inner);
                let decisions = self.for_clause(inner.next());
                let mut terms = Vec::new();
                for term in inner {
                    let term_span = self.span(&term);
                    let mut parts = children(term);
                    let docs = parts.next().map(docs_of).unwrap_or_default();
                    let name = self.next_ident(&mut parts);
                    let weight = self.next_expr(&mut parts, term_span)?;
                    let condition = parts.next().map(|p| self.expr(p)).transpose()?;
                    terms.push(ScoreTerm {
                        docs,
                        name,
                        weight,
                        condition,
                        span: term_span,
                    });
                }
                ItemKind::Score(Score {
                    name,
                    decisions,
                    terms,
                })
            }
            Rule::let_item => {
                let name = self.next_ident(&mut inner);
                let mut decisions = Vec::new();
                let mut value = None;
                for part in inner {
                    match part.as_rule() {
                        Rule::for_clause => decisions = self.for_clause(Some(part)),
                        _ => value = Some(self.expr(part)?),
                    }
                }
                let value = value.ok_or_else(|| self.internal(span))?;
                ItemKind::Let(Let {
                    name,
                    decisions,
                    value,
                })
            }
            Rule::decision_table_item => ItemKind::DecisionTable(self.decision_table(inner)?),
            Rule::sharing_item => ItemKind::Sharing(self.sharing(inner)?),
            Rule::test_item => ItemKind::Test(self.test(inner)?),
            _ => return Err(self.internal(span)),
        };
        Ok(Item {
            docs,
            overrides,
            kind,
            span,
        })
    }

    fn internal(&self, span: Span) -> Box<Diagnostic> {
        Box::new(
            Diagnostic::error(codes::SYNTAX, span, "this item could not be read")
                .help("see docs/language.md for the syntax of this item"),
        )
    }

    fn missing(&self, span: Span) -> Ident {
        Ident {
            name: String::new(),
            span,
        }
    }

    fn next_ident<'i>(&self, inner: &mut impl Iterator<Item = Pair<'i, Rule>>) -> Ident {
        match inner.next() {
            Some(p) => self.ident(p),
            None => self.missing(Span::new(self.file, self.offset, self.offset)),
        }
    }

    fn next_expr<'i>(
        &mut self,
        inner: &mut impl Iterator<Item = Pair<'i, Rule>>,
        span: Span,
    ) -> Built<Expr> {
        match inner.next() {
            Some(p) => self.expr(p),
            None => Err(self.internal(span)),
        }
    }

    fn string(&self, pair: Pair<'_, Rule>) -> StringLit {
        let span = self.span(&pair);
        let body = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
        StringLit {
            value: unescape(body),
            span,
        }
    }

    fn for_clause(&self, pair: Option<Pair<'_, Rule>>) -> Vec<Ident> {
        pair.map(|p| children(p).map(|i| self.ident(i)).collect())
            .unwrap_or_default()
    }

    fn schema<'i>(&mut self, mut inner: impl Iterator<Item = Pair<'i, Rule>>) -> Schema {
        let name = self.next_ident(&mut inner);
        let fields = inner.map(|f| self.field_decl(f)).collect();
        Schema { name, fields }
    }

    fn field_decl(&mut self, pair: Pair<'_, Rule>) -> FieldDecl {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let docs = parts.next().map(docs_of).unwrap_or_default();
        let name = self.next_ident(&mut parts);
        let ty = parts
            .next()
            .map(|p| self.type_expr(p))
            .unwrap_or_else(|| TypeExpr::Named(self.missing(span)));
        let annotations = parts
            .map(|a| {
                let kind = if a.as_str() == "sensitive" {
                    Annotation::Sensitive
                } else {
                    Annotation::Loggable
                };
                (kind, self.span(&a))
            })
            .collect();
        FieldDecl {
            docs,
            name,
            ty,
            annotations,
            span,
        }
    }

    fn type_expr(&self, pair: Pair<'_, Rule>) -> TypeExpr {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let inner = children(pair).next();
        match (rule, inner) {
            (Rule::optional_type, Some(t)) => TypeExpr::Optional(Box::new(self.type_expr(t)), span),
            (Rule::list_type, Some(t)) => TypeExpr::List(Box::new(self.type_expr(t)), span),
            (_, Some(id)) => TypeExpr::Named(self.ident(id)),
            (_, None) => TypeExpr::Named(self.missing(span)),
        }
    }

    fn data_source(&self, pair: Pair<'_, Rule>) -> DataSource {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let path = parts.next().map(|p| self.string(p)).unwrap_or(StringLit {
            value: String::new(),
            span,
        });
        let column = parts.next().map(|p| self.string(p));
        DataSource { path, column, span }
    }

    fn set<'i>(&mut self, mut inner: impl Iterator<Item = Pair<'i, Rule>>) -> Built<SetDecl> {
        let name = self.next_ident(&mut inner);
        let element = inner
            .next()
            .map(|p| self.type_expr(p))
            .unwrap_or_else(|| TypeExpr::Named(self.missing(name.span)));
        let contents = match inner.next() {
            Some(p) if p.as_rule() == Rule::data_source => SetContents::File(self.data_source(p)),
            Some(p) => SetContents::Inline(
                children(p)
                    .map(|e| self.expr(e))
                    .collect::<Built<Vec<_>>>()?,
            ),
            None => SetContents::Inline(Vec::new()),
        };
        Ok(SetDecl {
            name,
            element,
            contents,
        })
    }

    fn table<'i>(&mut self, mut inner: impl Iterator<Item = Pair<'i, Rule>>) -> Built<TableDecl> {
        let name = self.next_ident(&mut inner);
        let mut columns = Vec::new();
        let mut contents = TableContents::Rows(Vec::new());
        for part in inner {
            match part.as_rule() {
                Rule::column_decl => {
                    let span = self.span(&part);
                    let mut parts = children(part);
                    let docs = parts.next().map(docs_of).unwrap_or_default();
                    let name = self.next_ident(&mut parts);
                    let ty = parts
                        .next()
                        .map(|p| self.type_expr(p))
                        .unwrap_or_else(|| TypeExpr::Named(self.missing(span)));
                    let is_key = parts.next().is_some();
                    columns.push(ColumnDecl {
                        docs,
                        name,
                        ty,
                        is_key,
                        span,
                    });
                }
                Rule::data_source => contents = TableContents::File(self.data_source(part)),
                Rule::table_rows => {
                    let mut rows = Vec::new();
                    for row in children(part) {
                        let span = self.span(&row);
                        let cells = children(row)
                            .map(|c| self.expr(c))
                            .collect::<Built<Vec<_>>>()?;
                        rows.push(DataRow { cells, span });
                    }
                    contents = TableContents::Rows(rows);
                }
                _ => {}
            }
        }
        Ok(TableDecl {
            name,
            columns,
            contents,
        })
    }

    fn decision<'i>(&mut self, mut inner: impl Iterator<Item = Pair<'i, Rule>>) -> Built<Decision> {
        let name = self.next_ident(&mut inner);
        let mut over_manifest = false;
        let mut idents = Vec::new();
        let mut clauses = Vec::new();
        for part in inner {
            let span = self.span(&part);
            match part.as_rule() {
                Rule::each_marker => over_manifest = true,
                Rule::in_manifest => over_manifest = true,
                Rule::ident => idents.push(self.ident(part)),
                Rule::outcomes_clause => clauses.push(DecisionClause::Outcomes(
                    children(part).map(|p| self.ident(p)).collect(),
                    span,
                )),
                Rule::default_clause => {
                    let mut parts = children(part);
                    clauses.push(DecisionClause::Default(self.next_ident(&mut parts), span));
                }
                Rule::on_error_clause => {
                    let mut parts = children(part);
                    clauses.push(DecisionClause::OnError(self.next_ident(&mut parts), span));
                }
                Rule::aggregate_clause => {
                    let mut parts = children(part);
                    let name = self.next_ident(&mut parts);
                    let mut keys = Vec::new();
                    let mut filter = None;
                    for p in parts {
                        if p.as_rule() == Rule::where_clause {
                            filter = Some(self.next_expr(&mut children(p), span)?);
                        } else {
                            keys.push(self.expr(p)?);
                        }
                    }
                    clauses.push(DecisionClause::Aggregate(Aggregate {
                        name,
                        keys,
                        filter,
                        span,
                    }));
                }
                _ => {}
            }
        }
        let mut idents = idents.into_iter();
        let subject = idents.next().unwrap_or_else(|| self.missing(name.span));
        let schema = idents.next().unwrap_or_else(|| self.missing(name.span));
        Ok(Decision {
            name,
            subject,
            schema,
            over_manifest,
            clauses,
        })
    }

    fn rule<'i>(
        &mut self,
        mut inner: impl Iterator<Item = Pair<'i, Rule>>,
    ) -> Built<crate::ast::Rule> {
        let name = self.next_ident(&mut inner);
        let decisions = self.for_clause(inner.next());
        let mut description = None;
        let mut clauses = Vec::new();
        let mut condition = None;
        let mut outcome = None;
        let mut reason = None;
        let mut values = Vec::new();
        for part in inner {
            let span = self.span(&part);
            match part.as_rule() {
                Rule::string => description = Some(self.string(part)),
                Rule::source_clause => {
                    if let Some(s) = children(part).next() {
                        clauses.push(RuleClause::Source(self.string(s)));
                    }
                }
                Rule::effective_clause => {
                    let mut from = None;
                    let mut to = None;
                    // The grammar allows `from D`, `to D` or both; which one a
                    // lone date is comes from the keyword before it.
                    let mut last_keyword = "";
                    for p in part.into_inner() {
                        match p.as_rule() {
                            Rule::kw_from => last_keyword = "from",
                            Rule::kw_to => last_keyword = "to",
                            Rule::date_lit => {
                                let lit = DateLit {
                                    text: p.as_str().to_string(),
                                    span: self.span(&p),
                                };
                                if last_keyword == "from" {
                                    from = Some(lit);
                                } else {
                                    to = Some(lit);
                                }
                            }
                            _ => {}
                        }
                    }
                    clauses.push(RuleClause::Effective { from, to, span });
                }
                Rule::applies_clause => {
                    let exprs = children(part)
                        .map(|p| self.expr(p))
                        .collect::<Built<Vec<_>>>()?;
                    clauses.push(RuleClause::AppliesTo(exprs, span));
                }
                Rule::mode_clause => {
                    let mode = if part.as_str() == "shadow" {
                        Mode::Shadow
                    } else {
                        Mode::Enforce
                    };
                    clauses.push(RuleClause::Mode(mode, span));
                }
                Rule::when_clause => condition = Some(self.next_expr(&mut children(part), span)?),
                Rule::then_clause => {
                    let mut parts = children(part);
                    outcome = Some(self.next_ident(&mut parts));
                    reason = Some(self.next_ident(&mut parts));
                    for b in parts {
                        values.push(self.binding(b)?);
                    }
                }
                _ => {}
            }
        }
        let fallback = name.span;
        Ok(crate::ast::Rule {
            name,
            decisions,
            description,
            clauses,
            condition: condition.ok_or_else(|| self.internal(fallback))?,
            outcome: outcome.unwrap_or_else(|| self.missing(fallback)),
            reason: reason.unwrap_or_else(|| self.missing(fallback)),
            values,
        })
    }

    fn binding(&mut self, pair: Pair<'_, Rule>) -> Built<Binding> {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let name = self.next_ident(&mut parts);
        let value = self.next_expr(&mut parts, span)?;
        Ok(Binding { name, value })
    }

    fn decision_table<'i>(
        &mut self,
        mut inner: impl Iterator<Item = Pair<'i, Rule>>,
    ) -> Built<DecisionTable> {
        let name = self.next_ident(&mut inner);
        let decisions = self.for_clause(inner.next());
        let mut hit = HitPolicy::First;
        let mut default = None;
        let mut inputs = Vec::new();
        let mut output = self.missing(name.span);
        let mut rows = Vec::new();
        for part in inner {
            let span = self.span(&part);
            match part.as_rule() {
                Rule::hit_clause => {
                    hit = match children(part).next().map(|p| p.as_str()) {
                        Some("unique") => HitPolicy::Unique,
                        Some("any") => HitPolicy::Any,
                        Some("collect") => HitPolicy::Collect,
                        _ => HitPolicy::First,
                    }
                }
                Rule::table_default => default = Some(self.next_expr(&mut children(part), span)?),
                Rule::table_header => {
                    for p in children(part) {
                        if p.as_rule() == Rule::field_name {
                            output = self.ident(p);
                        } else {
                            inputs.push(self.expr(p)?);
                        }
                    }
                }
                Rule::table_row => {
                    let mut cells = Vec::new();
                    let mut result = None;
                    for p in children(part) {
                        if p.as_rule() == Rule::cell {
                            cells.push(self.cell(p)?);
                        } else {
                            result = Some(self.expr(p)?);
                        }
                    }
                    rows.push(TableRow {
                        cells,
                        result: result.ok_or_else(|| self.internal(span))?,
                        span,
                    });
                }
                _ => {}
            }
        }
        Ok(DecisionTable {
            name,
            decisions,
            hit,
            default,
            inputs,
            output,
            rows,
        })
    }

    fn cell(&mut self, pair: Pair<'_, Rule>) -> Built<Cell> {
        let span = self.span(&pair);
        let Some(inner) = children(pair).next() else {
            return Err(self.internal(span));
        };
        let rule = inner.as_rule();
        let mut parts = children(inner);
        Ok(match rule {
            Rule::any_cell => Cell::Any(span),
            Rule::in_cell => Cell::In(self.next_expr(&mut parts, span)?, span),
            Rule::not_in_cell => Cell::NotIn(self.next_expr(&mut parts, span)?, span),
            Rule::compare_cell => {
                let op = match parts.next().map(|p| p.as_str()) {
                    Some("<") => BinOp::Lt,
                    Some("<=") => BinOp::Le,
                    Some(">") => BinOp::Gt,
                    Some(">=") => BinOp::Ge,
                    Some("!=") => BinOp::Ne,
                    _ => BinOp::Eq,
                };
                Cell::Compare(op, self.next_expr(&mut parts, span)?, span)
            }
            _ => Cell::Values(
                parts.map(|p| self.expr(p)).collect::<Built<Vec<_>>>()?,
                span,
            ),
        })
    }

    fn sharing<'i>(&mut self, mut inner: impl Iterator<Item = Pair<'i, Rule>>) -> Built<Sharing> {
        let name = self.next_ident(&mut inner);
        let subject = self.next_ident(&mut inner);
        let schema = self.next_ident(&mut inner);
        let mut clauses = Vec::new();
        for part in inner {
            let span = self.span(&part);
            let rule = part.as_rule();
            let raw = part.clone();
            let mut parts = children(part).peekable();
            let docs = match parts.peek() {
                Some(p) if p.as_rule() == Rule::docs => {
                    parts.next().map(docs_of).unwrap_or_default()
                }
                _ => Vec::new(),
            };
            if rule == Rule::withhold_clause {
                let mut fields = Vec::new();
                let mut description = None;
                let mut unless = None;
                let mut seen_unless = false;
                // Keywords matter here: the expression after `unless` is the
                // exception, the ones before it are the withheld fields.
                for p in raw.into_inner() {
                    match p.as_rule() {
                        Rule::kw_unless => seen_unless = true,
                        Rule::string => description = Some(self.string(p)),
                        Rule::expr if seen_unless => unless = Some(self.expr(p)?),
                        Rule::expr => fields.push(self.expr(p)?),
                        _ => {}
                    }
                }
                clauses.push(SharingClause::Withhold(Withhold {
                    docs,
                    fields,
                    description,
                    unless,
                    span,
                }));
            } else {
                let name = self.next_ident(&mut parts);
                let mut description = None;
                let mut exprs = Vec::new();
                let mut purposes = Vec::new();
                let mut condition = None;
                for p in parts {
                    match p.as_rule() {
                        Rule::string => description = Some(self.string(p)),
                        Rule::expr if purposes.is_empty() => exprs.push(self.expr(p)?),
                        Rule::expr => condition = Some(self.expr(p)?),
                        Rule::ident => purposes.push(self.ident(p)),
                        _ => {}
                    }
                }
                let recipients = exprs.pop().ok_or_else(|| self.internal(span))?;
                clauses.push(SharingClause::Allow(Allow {
                    docs,
                    name,
                    description,
                    fields: exprs,
                    recipients,
                    purposes,
                    condition,
                    span,
                }));
            }
        }
        Ok(Sharing {
            name,
            subject,
            schema,
            clauses,
        })
    }

    fn test<'i>(&mut self, mut inner: impl Iterator<Item = Pair<'i, Rule>>) -> Built<Test> {
        let title = match inner.next() {
            Some(p) => self.string(p),
            None => return Err(self.internal(Span::new(self.file, self.offset, self.offset))),
        };
        let target = self.next_ident(&mut inner);
        let mut clauses = Vec::new();
        for part in inner {
            let span = self.span(&part);
            match part.as_rule() {
                Rule::context_clause => clauses.push(TestClause::Context(
                    self.next_expr(&mut children(part), span)?,
                )),
                Rule::given_clause => {
                    let mut manifest = false;
                    let mut value = None;
                    for p in children(part) {
                        if p.as_rule() == Rule::given_manifest {
                            manifest = true;
                        } else {
                            value = Some(self.expr(p)?);
                        }
                    }
                    clauses.push(TestClause::Given {
                        manifest,
                        value: value.ok_or_else(|| self.internal(span))?,
                        span,
                    });
                }
                Rule::expect_clause => {
                    let Some(what) = children(part).next() else {
                        return Err(self.internal(span));
                    };
                    clauses.push(TestClause::Expect(self.expectation(what)?));
                }
                _ => {}
            }
        }
        Ok(Test {
            title,
            target,
            clauses,
        })
    }

    fn expectation(&mut self, pair: Pair<'_, Rule>) -> Built<Expectation> {
        let span = self.span(&pair);
        Ok(match pair.as_rule() {
            Rule::expect_traveller => {
                let mut parts = children(pair);
                let label = self.next_ident(&mut parts);
                let index_pair = parts.next().ok_or_else(|| self.internal(span))?;
                let index_span = self.span(&index_pair);
                let index = index_pair.as_str().replace('_', "").parse().unwrap_or(0);
                let outcome_pair = parts.next().ok_or_else(|| self.internal(span))?;
                Expectation::Member {
                    label,
                    index,
                    index_span,
                    outcome: self.expected_outcome(outcome_pair)?,
                }
            }
            Rule::expect_shared => Expectation::Shared(
                children(pair)
                    .map(|p| self.expr(p))
                    .collect::<Built<Vec<_>>>()?,
                span,
            ),
            Rule::expect_withheld => Expectation::Withheld(
                children(pair)
                    .map(|p| self.expr(p))
                    .collect::<Built<Vec<_>>>()?,
                span,
            ),
            _ => Expectation::Outcome(self.expected_outcome(pair)?),
        })
    }

    fn expected_outcome(&mut self, pair: Pair<'_, Rule>) -> Built<ExpectedOutcome> {
        let span = self.span(&pair);
        let has_because = pair
            .clone()
            .into_inner()
            .any(|p| p.as_rule() == Rule::kw_because);
        let mut parts = children(pair);
        let outcome = self.next_ident(&mut parts);
        let mut reasons = Vec::new();
        for r in parts {
            let r_span = self.span(&r);
            let mut inner = children(r);
            let code = self.next_ident(&mut inner);
            let values = inner.map(|b| self.binding(b)).collect::<Built<Vec<_>>>()?;
            reasons.push(ExpectedReason {
                code,
                values,
                span: r_span,
            });
        }
        Ok(ExpectedOutcome {
            outcome,
            reasons: has_because.then_some(reasons),
            span,
        })
    }

    // ------------------------------------------------------------ expressions

    fn expr(&mut self, pair: Pair<'_, Rule>) -> Built<Expr> {
        let (expr, _) = self.expr_with_depth(pair, 0)?;
        Ok(expr)
    }

    /// Builds an expression and returns its depth; fails with a diagnostic
    /// past [`MAX_EXPR_DEPTH`].
    fn expr_with_depth(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Built<(Expr, usize)> {
        let span = self.span(&pair);
        if depth > MAX_EXPR_DEPTH {
            return Err(Box::new(
                Diagnostic::error(
                    codes::NESTING_TOO_DEEP,
                    span,
                    format!("expression nests more than {MAX_EXPR_DEPTH} levels deep"),
                )
                .help("split the expression into named `let` values"),
            ));
        }
        if pair.as_rule() != Rule::expr {
            return self.primary(pair, depth);
        }
        let file = self.file;
        let offset = self.offset;
        let this = std::cell::RefCell::new(self);
        let to_span = |p: &Pair<'_, Rule>| {
            let s = p.as_span();
            Span::new(file, offset + s.start(), offset + s.end())
        };
        let check_depth = |d: usize, span: Span| -> Built<usize> {
            if d > MAX_EXPR_DEPTH {
                Err(Box::new(
                    Diagnostic::error(
                        codes::NESTING_TOO_DEEP,
                        span,
                        format!("expression nests more than {MAX_EXPR_DEPTH} levels deep"),
                    )
                    .help("split the expression into named `let` values"),
                ))
            } else {
                Ok(d)
            }
        };
        pratt()
            .map_primary(|p| this.borrow_mut().primary(p, depth))
            .map_prefix(|op, rhs| {
                let (rhs, d) = rhs?;
                let op_span = to_span(&op);
                let d = check_depth(d + 1, op_span)?;
                let un = if op.as_rule() == Rule::op_not {
                    UnOp::Not
                } else {
                    UnOp::Neg
                };
                Ok((
                    Expr {
                        span: op_span.to(rhs.span),
                        kind: ExprKind::Unary(un, Box::new(rhs)),
                    },
                    d,
                ))
            })
            .map_postfix(|lhs, op| {
                let (lhs, d) = lhs?;
                let op_span = to_span(&op);
                let d = check_depth(d + 1, op_span)?;
                let span = lhs.span.to(op_span);
                let kind = match op.as_rule() {
                    Rule::field_access => {
                        let name = op.into_inner().next().map_or_else(
                            || Ident {
                                name: String::new(),
                                span: op_span,
                            },
                            |p| Ident {
                                name: p.as_str().to_string(),
                                span: to_span(&p),
                            },
                        );
                        ExprKind::Field(Box::new(lhs), name)
                    }
                    Rule::index_access => {
                        let mut keys = Vec::new();
                        for k in op.into_inner() {
                            let (k, _) = this.borrow_mut().expr_with_depth(k, d)?;
                            keys.push(k);
                        }
                        ExprKind::Index(Box::new(lhs), keys)
                    }
                    Rule::is_present => ExprKind::Presence(Box::new(lhs), true),
                    _ => ExprKind::Presence(Box::new(lhs), false),
                };
                Ok((Expr { kind, span }, d))
            })
            .map_infix(|lhs, op, rhs| {
                let (lhs, dl) = lhs?;
                let (rhs, dr) = rhs?;
                let span = lhs.span.to(rhs.span);
                let d = check_depth(dl.max(dr) + 1, span)?;
                let bin = match op.as_rule() {
                    Rule::op_or => BinOp::Or,
                    Rule::op_and => BinOp::And,
                    Rule::op_eq => BinOp::Eq,
                    Rule::op_ne => BinOp::Ne,
                    Rule::op_lt => BinOp::Lt,
                    Rule::op_le => BinOp::Le,
                    Rule::op_gt => BinOp::Gt,
                    Rule::op_ge => BinOp::Ge,
                    Rule::op_in => BinOp::In,
                    Rule::op_not_in => BinOp::NotIn,
                    Rule::op_add => BinOp::Add,
                    Rule::op_sub => BinOp::Sub,
                    Rule::op_mul => BinOp::Mul,
                    Rule::op_div => BinOp::Div,
                    _ => BinOp::Otherwise,
                };
                Ok((
                    Expr {
                        kind: ExprKind::Binary(bin, Box::new(lhs), Box::new(rhs)),
                        span,
                    },
                    d,
                ))
            })
            .parse(pair.into_inner())
    }

    fn primary(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Built<(Expr, usize)> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut max_child = depth;
        let mut sub = |this: &mut Builder, p: Pair<'_, Rule>| -> Built<Expr> {
            let (e, d) = this.expr_with_depth(p, depth + 1)?;
            max_child = max_child.max(d);
            Ok(e)
        };
        let kind = match rule {
            Rule::paren => {
                let p = children(pair).next().ok_or_else(|| self.internal(span))?;
                ExprKind::Paren(Box::new(sub(self, p)?))
            }
            Rule::if_expr => {
                let mut parts = children(pair);
                let mut next = |this: &mut Builder| -> Built<Expr> {
                    let p = parts.next().ok_or_else(|| this.internal(span))?;
                    sub(this, p)
                };
                let c = next(self)?;
                let a = next(self)?;
                let b = next(self)?;
                ExprKind::If(Box::new(c), Box::new(a), Box::new(b))
            }
            Rule::quantifier => {
                let mut parts = children(pair);
                let kind = match parts.next().map(|p| p.as_str()) {
                    Some("all") => QuantifierKind::All,
                    Some("count") => QuantifierKind::Count,
                    _ => QuantifierKind::Any,
                };
                let var = self.next_ident(&mut parts);
                let over_pair = parts.next().ok_or_else(|| self.internal(span))?;
                let over = sub(self, over_pair)?;
                let body_pair = parts.next().ok_or_else(|| self.internal(span))?;
                let body = sub(self, body_pair)?;
                ExprKind::Quantifier {
                    kind,
                    var,
                    over: Box::new(over),
                    body: Box::new(body),
                }
            }
            Rule::duration_lit => {
                let mut parts = pair.into_inner();
                let amount = parts
                    .next()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_default();
                let unit = match parts.next().map(|p| p.as_str()) {
                    Some("day" | "days") => DurationUnit::Days,
                    Some("week" | "weeks") => DurationUnit::Weeks,
                    Some("month" | "months") => DurationUnit::Months,
                    _ => DurationUnit::Years,
                };
                ExprKind::Duration { amount, unit }
            }
            Rule::date_lit => ExprKind::Date(pair.as_str().to_string()),
            Rule::decimal_lit => ExprKind::Decimal(pair.as_str().to_string()),
            Rule::int_lit => ExprKind::Int(pair.as_str().to_string()),
            Rule::bool_lit => ExprKind::Bool(pair.as_str() == "true"),
            Rule::string => ExprKind::Text(self.string(pair).value),
            Rule::list_lit => {
                let mut items = Vec::new();
                for p in children(pair) {
                    items.push(sub(self, p)?);
                }
                ExprKind::List(items)
            }
            Rule::record_lit => {
                let mut fields = Vec::new();
                for f in children(pair) {
                    let mut parts = children(f);
                    let name = self.next_ident(&mut parts);
                    let vp = parts.next().ok_or_else(|| self.internal(span))?;
                    fields.push((name, sub(self, vp)?));
                }
                ExprKind::Record(fields)
            }
            Rule::call => {
                let mut parts = children(pair);
                let name = self.next_ident(&mut parts);
                let mut args = Vec::new();
                for p in parts {
                    args.push(sub(self, p)?);
                }
                ExprKind::Call(name, args)
            }
            Rule::name => {
                let id = children(pair).next().ok_or_else(|| self.internal(span))?;
                ExprKind::Name(self.ident(id))
            }
            Rule::expr => return self.expr_with_depth(pair, depth),
            _ => return Err(self.internal(span)),
        };
        Ok((Expr { kind, span }, max_child + 1))
    }
}

/// The length of `text` without trailing whitespace and `//` comments.
fn trimmed_len(text: &str) -> usize {
    let mut end = text.trim_end().len();
    loop {
        let Some(body) = text.get(..end) else {
            return end;
        };
        let line_start = body.rfind('\n').map_or(0, |i| i + 1);
        let last_line = body.get(line_start..).unwrap_or("");
        if !last_line.contains("//") {
            return end;
        }
        match lexical::comments(last_line).first() {
            Some(c) => {
                end = body
                    .get(..line_start + c.range.start)
                    .unwrap_or("")
                    .trim_end()
                    .len()
            }
            None => return end,
        }
    }
}

fn docs_of(pair: Pair<'_, Rule>) -> Vec<String> {
    pair.into_inner()
        .map(|d| {
            let text = d.as_str().trim_start_matches("///");
            text.strip_prefix(' ')
                .unwrap_or(text)
                .trim_end()
                .to_string()
        })
        .collect()
}

/// Resolves the escapes the grammar accepts: `\"`, `\\`, `\n`, `\t`, `\u{..}`.
pub fn unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let hex: String = chars
                    .by_ref()
                    .skip_while(|c| *c == '{')
                    .take_while(|c| *c != '}')
                    .collect();
                let decoded = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                out.push(decoded.unwrap_or('\u{FFFD}'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Writes a string literal back with the escapes `unescape` reads.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
