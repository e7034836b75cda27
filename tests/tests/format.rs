//! The formatter against real files and random expressions: formatting is
//! idempotent, keeps the syntax tree (apart from positions) and keeps every
//! comment.

use lintas_syntax::ast::{
    BinOp, DurationUnit, Expr, ExprKind, Ident, Item, ItemKind, NOT_PRECEDENCE, QuantifierKind,
    SourceFile, UnOp,
};
use lintas_syntax::format::{MAX_WIDTH, format, format_file};
use lintas_syntax::{FileId, Span, parse};
use lintas_tests::{files_with_suffix, repo_root};
use proptest::prelude::*;
use serde_json::Value;
use std::path::PathBuf;

// ---------------------------------------------------------------- helpers

/// The files the round-trip tests run on: everything under `rules/` and
/// `tests/data/` that parses without errors.
fn parseable_files() -> Vec<(PathBuf, String)> {
    let root = repo_root();
    let mut files = files_with_suffix(&root.join("rules"), ".lintas");
    files.extend(files_with_suffix(
        &root.join("tests").join("data"),
        ".lintas",
    ));
    files
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            let parsed = parse(FileId(0), &text);
            (!parsed.diagnostics.iter().any(|d| d.is_error())).then_some((path, text))
        })
        .collect()
}

/// A position-free view of a tree: every `span` and `index_span` key is
/// removed, and spans held positionally (as in `Optional(T, Span)`) become
/// `null`.
fn without_spans(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let is_span = map.len() == 3
                && map.contains_key("file")
                && map.contains_key("start")
                && map.contains_key("end");
            if is_span {
                return Value::Null;
            }
            Value::Object(
                map.into_iter()
                    .filter(|(k, _)| k != "span" && k != "index_span")
                    .map(|(k, v)| (k, without_spans(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(without_spans).collect()),
        other => other,
    }
}

/// The formatter puts a rule's `source`, `effective`, `applies to` and
/// mode clauses in that order (same kinds keep their order), so the trees
/// are compared with the clauses in that order.
fn canonical_clause_order(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(clauses)) =
                map.get_mut("Rule").and_then(|r| r.get_mut("clauses"))
            {
                let rank = |clause: &Value| {
                    let kind = clause
                        .as_object()
                        .and_then(|o| o.keys().next().cloned())
                        .unwrap_or_default();
                    ["Source", "Effective", "AppliesTo", "Mode"]
                        .iter()
                        .position(|k| *k == kind)
                };
                clauses.sort_by_key(rank);
            }
            map.values_mut().for_each(canonical_clause_order);
        }
        Value::Array(items) => items.iter_mut().for_each(canonical_clause_order),
        _ => {}
    }
}

/// The items without positions, clauses in their written order.
fn raw_items(items: &[Item]) -> Value {
    without_spans(serde_json::to_value(items).unwrap_or(Value::Null))
}

fn items_shape(items: &[Item]) -> Vec<Value> {
    items
        .iter()
        .map(|item| {
            let mut value = without_spans(serde_json::to_value(item).unwrap_or(Value::Null));
            canonical_clause_order(&mut value);
            value
        })
        .collect()
}

fn expr_shape(e: &Expr) -> Value {
    without_spans(serde_json::to_value(e).unwrap_or(Value::Null))
}

fn comment_texts(file: &SourceFile) -> Vec<String> {
    file.comments.iter().map(|c| c.text.clone()).collect()
}

/// Formats `text` and checks the three properties; returns the output.
fn check_round_trip(name: &str, text: &str) -> String {
    let before = parse(FileId(0), text);
    let once = format(text);
    assert!(
        once.is_ok(),
        "{name}: formatting failed: {:?}",
        once.as_ref().err()
    );
    let once = once.unwrap_or_default();
    let twice = format(&once).unwrap_or_default();
    assert_eq!(twice, once, "{name}: formatting twice changes the text");

    let after = parse(FileId(0), &once);
    assert!(
        after.diagnostics.is_empty(),
        "{name}: output has diagnostics: {:?}",
        after.diagnostics
    );
    let (old, new) = (
        items_shape(&before.file.items),
        items_shape(&after.file.items),
    );
    assert_eq!(
        new.len(),
        old.len(),
        "{name}: formatting changed the number of items"
    );
    for (n, (old, new)) in old.iter().zip(&new).enumerate() {
        assert_eq!(
            new, old,
            "{name}: formatting changed item {n}; output:\n{once}"
        );
    }
    assert_eq!(
        after.file.comments.len(),
        before.file.comments.len(),
        "{name}: formatting changed the number of comments"
    );
    // Comments move with the rule clauses they belong to, so their order
    // may change only where the canonical order moved clauses.
    let mut old_texts = comment_texts(&before.file);
    let mut new_texts = comment_texts(&after.file);
    if raw_items(&before.file.items) == raw_items(&after.file.items) {
        assert_eq!(
            new_texts, old_texts,
            "{name}: comments changed or moved out of order"
        );
    }
    old_texts.sort();
    new_texts.sort();
    assert_eq!(new_texts, old_texts, "{name}: comments changed");
    once
}

fn assert_layout_rules(name: &str, out: &str) {
    assert!(
        out.is_empty() || out.ends_with('\n'),
        "{name}: no final newline"
    );
    assert!(
        !out.ends_with("\n\n"),
        "{name}: more than one final newline"
    );
    assert!(!out.contains('\r'), "{name}: carriage return in output");
    for (n, line) in out.lines().enumerate() {
        assert_eq!(line.trim_end(), line, "{name}:{}: trailing blanks", n + 1);
    }
    assert!(!out.contains("\n\n\n"), "{name}: two blank lines in a row");
}

// ---------------------------------------------------------------- files

#[test]
fn rule_files_are_found() {
    let files = parseable_files();
    assert!(
        files
            .iter()
            .any(|(p, _)| p.ends_with("rules/reference/policy.lintas")),
        "the reference policy should be among the formatted files: {files:?}"
    );
}

#[test]
fn formatting_repository_files_keeps_tree_and_comments_and_is_idempotent() {
    for (path, text) in parseable_files() {
        let name = path.display().to_string();
        let out = check_round_trip(&name, &text);
        assert_layout_rules(&name, &out);
    }
}

#[test]
fn formatting_ignores_input_whitespace() {
    for (path, text) in parseable_files() {
        let name = path.display().to_string();
        let canonical = check_round_trip(&name, &text);
        // Deeper indentation, trailing blanks and CRLF line ends must not
        // change the result: the layout comes from the tree, not the input.
        // (Lines at column 0 stay there: that is where items start.)
        let shifted: String = text
            .lines()
            .map(|l| {
                if l.starts_with([' ', '\t']) {
                    format!("     {l}  \r\n")
                } else {
                    format!("{l}  \r\n")
                }
            })
            .collect();
        assert_eq!(
            format(&shifted).ok(),
            Some(canonical),
            "{name}: depends on whitespace"
        );
    }
}

/// Inputs that use every construct and put comments in awkward places.
const SAMPLES: &[(&str, &str)] = &[
    ("kitchen sink", KITCHEN_SINK),
    ("comments", COMMENTS),
    (
        "grouping",
        "import a\nimport b\n\nimport c\n// about d\nimport d\nreason X \"x\"\n\nreason Y\nreason Z\n",
    ),
    ("empty", ""),
    ("only comments", "// one\n\n\n// two\n"),
];

const KITCHEN_SINK: &str = r#"
import base
/// A doc.
schema Person { name : Text, age: optional  Int sensitive loggable
  tags: list of  list of Text }
enum Kind { a, b , c }
set SMALL: Int = { 1, 2, 3, }
set BIG: Text = { "aaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbb", "cccccccccccccccccccc", "dddddddddddddddddddd", "eeeeeeeeeee", "f" }
override set FILES: Text from "a.csv" column "x"
set EMPTY: Int = {}
table rates { country: Country key, rate: Decimal } rows { | SGP | 1.5 |
  | MYS | 22.25 | }
table ext { a: Int key } from "t.csv"
reason A "a \"quoted\" \\ text"
purpose P1 "p"
decision admission for each traveller: Traveller in manifest { outcomes deny>refer>clear default clear on error refer
  aggregate n = count by traveller.booking.reference, traveller.flight where traveller.age >= 18 and traveller.age < 120 and traveller.flight != "X"
}
rule messy for admission, other "desc" shadow applies to tourists, business source "src" effective   to 2026-01-01
  effective from 2025-01-01 when a   and b   or not (c) then deny A with score = 1 + 2 * 3, other = -x
override rule long_one for admission
  when traveller.document.expiry >= traveller.arrival_date and traveller.document.expiry < traveller.arrival_date + 6 months and not (traveller.nationality in ASEAN and traveller.purpose in [tourism, business] and traveller.stay_days <= 30)
  then deny B
rule quantified for admission
  when not traveller.yellow_fever_vaccinated and any visit in traveller.visited where visit.country in YELLOW_FEVER_RISK and visit.departed >= traveller.arrival_date - 6 days and visit.departed <= traveller.arrival_date
  then refer HEALTH_YF
score risk for admission { paid: 2 when x.paid
  /// A doc comment after an expression.
  other: 3 * x.n
  long_term: 1 when traveller.booking.booked > traveller.arrival_date - 3 days and traveller.booking.one_way and traveller.booking.paid_cash }
let k = if a then 1 else 2
let dur = 1 days + 2 month - -3 otherwise 0.5
let nested = if traveller.booking.paid_cash and traveller.booking.one_way then traveller.stay_days * 2 else traveller.stay_days + 100
override let z for a, b = { a: 1, b: [1, 2], c: {}, d: t[x, y], e: f(), g: x is present, h: y is absent }
decision table visa_free_days for admission { hit first default 0
  | traveller.nationality | traveller.purpose || days |
  | in ASEAN_MEMBERS | tourism, business || 30 |
  | - | transit || 0 |
  | not in X | >= 3 || 100 | }
sharing passenger_data for traveller: Traveller {
  withhold traveller.health, traveller.religion "sensitive" unless traveller.consent
  allow police "Police" share traveller.name, traveller.document to recipient.agency == police for law_enforcement, safety when traveller.watchlist_hit
  allow other share traveller.name to x for p
}
test "a test" for admission {
  context { date: 2026-03-01, member: SGP }
  given manifest [{ name: "A" }, { name: "B", age: 3 }]
  expect deny because A, B(score = 6, x = 1)
  expect traveller 2 refer because C
  expect shared traveller.name, traveller.age
  expect withheld traveller.health
}
test "long given" for admission {
  given { name: "Siti Rahma", nationality: IDN, birth_date: 1990-05-17, arrival_date: 2026-03-01, document: { number: "B1234567", kind: passport, expiry: 2030-01-01 } }
}
"#;

const COMMENTS: &str = r#"// header

/// A doc.
schema Person { // about person
  /// Name doc
  name: Text,  // trailing name
  // leading age
  age: Int
  // end of person
}
set COMMENTED: Country = { SGP, // singapore
  MYS,
  // then
  IDN }
table rates {
  country: Country key
  // columns end
} rows {
  | SGP | 1 |
  // row
  | MYS | 2 | // trailing row
  // rows end
}
rule r for d "desc" // header trailing
  applies to x
  // before source
  source "s"
  when a // after a
    // before b
    and b
    and any v in xs where v.x > 1 // after the quantifier
  then deny C // after then
// between items
rule s for d
  when f(a, // inside a call
    b) and { x: 1, // inside a record
    y: 2 }
  then deny C
test "t" for d {
  given { a: 1, // after a
    // before b
    b: [1, // after one
      2],
  }
  expect deny
  // end of test
}
// end of file
"#;

#[test]
fn formatting_samples_keeps_tree_and_comments_and_is_idempotent() {
    for (name, text) in SAMPLES {
        let out = check_round_trip(name, text);
        assert_layout_rules(name, &out);
    }
}

#[test]
fn no_line_is_too_long_unless_it_cannot_break() {
    let out = check_round_trip("kitchen sink", KITCHEN_SINK);
    for line in out.lines() {
        assert!(line.chars().count() <= MAX_WIDTH, "line too long: {line}");
    }
}

#[test]
fn files_with_syntax_errors_are_not_formatted() {
    let Err(diagnostics) = format("rule r for d\n  when\n") else {
        unreachable!("a file with a syntax error must not be formatted");
    };
    assert!(diagnostics.iter().all(|d| d.is_error()));
    assert!(!diagnostics.is_empty());
}

// ---------------------------------------------------------------- random expressions

fn span() -> Span {
    Span::new(FileId(0), 0, 0)
}

fn ident(name: &str) -> Ident {
    Ident {
        name: name.to_string(),
        span: span(),
    }
}

fn node(kind: ExprKind) -> Expr {
    Expr { kind, span: span() }
}

fn paren(e: Expr) -> Expr {
    node(ExprKind::Paren(Box::new(e)))
}

/// The lowest binary precedence that, written right after `e`, the parser
/// would fold into `e` instead of applying to all of it; `u8::MAX` if none.
/// `not` takes every comparison and tighter operator after it; `if` and
/// quantifiers take everything.
fn open_to(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(op, _, right) => (op.precedence() + 1).min(open_to(right)),
        ExprKind::Unary(UnOp::Not, operand) => (NOT_PRECEDENCE + 1).min(open_to(operand)),
        ExprKind::Unary(UnOp::Neg, operand) => open_to(operand),
        ExprKind::If(..) | ExprKind::Quantifier { .. } => 0,
        _ => u8::MAX,
    }
}

// The constructors below build only trees the parser can produce, adding a
// `Paren` where the grouping would otherwise read differently. The printer
// never adds parentheses, so printing and parsing must give the tree back.

fn binary(op: BinOp, left: Expr, right: Expr) -> Expr {
    let left = if open_to(&left) <= op.precedence() {
        paren(left)
    } else {
        left
    };
    let right = match &right.kind {
        ExprKind::Binary(inner, _, _) if inner.precedence() <= op.precedence() => paren(right),
        _ => right,
    };
    node(ExprKind::Binary(op, Box::new(left), Box::new(right)))
}

fn unary(op: UnOp, operand: Expr) -> Expr {
    let needs_paren = match (&operand.kind, op) {
        (ExprKind::Binary(..), UnOp::Neg) => true,
        (ExprKind::Binary(inner, _, _), UnOp::Not) => inner.precedence() <= NOT_PRECEDENCE,
        _ => false,
    };
    let operand = if needs_paren { paren(operand) } else { operand };
    node(ExprKind::Unary(op, Box::new(operand)))
}

/// A base for `.field`, `[keys]` or `is present`: postfix operators bind
/// tightest, so anything built from operators needs parentheses.
fn postfix_base(base: Expr) -> Box<Expr> {
    let needs_paren = matches!(
        base.kind,
        ExprKind::Binary(..) | ExprKind::Unary(..) | ExprKind::If(..) | ExprKind::Quantifier { .. }
    );
    Box::new(if needs_paren { paren(base) } else { base })
}

// Long names make many expressions wider than a line, so that the broken
// layouts are exercised as much as the one-line one.
const NAMES: &[&str] = &[
    "a",
    "xs",
    "source",
    "traveller_document_expiry_date",
    "traveller_arrival_date",
    "yellow_fever_risk_countries",
];
const FIELDS: &[&str] = &["name", "from", "arrival_date", "document"];
const BINOPS: &[BinOp] = &[
    BinOp::Or,
    BinOp::And,
    BinOp::Eq,
    BinOp::Ne,
    BinOp::Lt,
    BinOp::Le,
    BinOp::Gt,
    BinOp::Ge,
    BinOp::In,
    BinOp::NotIn,
    BinOp::Add,
    BinOp::Sub,
    BinOp::Mul,
    BinOp::Div,
    BinOp::Otherwise,
];

fn leaf() -> impl Strategy<Value = Expr> {
    let units = [
        DurationUnit::Days,
        DurationUnit::Weeks,
        DurationUnit::Months,
        DurationUnit::Years,
    ];
    prop_oneof![
        prop::sample::select(NAMES).prop_map(|n| node(ExprKind::Name(ident(n)))),
        prop::sample::select(&["0", "7", "42", "1_000"][..])
            .prop_map(|d| node(ExprKind::Int(d.to_string()))),
        prop::sample::select(&["3.25", "0.5"][..])
            .prop_map(|d| node(ExprKind::Decimal(d.to_string()))),
        prop::sample::select(&["2025-03-01", "1990-12-31"][..])
            .prop_map(|d| node(ExprKind::Date(d.to_string()))),
        any::<bool>().prop_map(|b| node(ExprKind::Bool(b))),
        (
            prop::sample::select(&["1", "6", "30"][..]),
            prop::sample::select(units.to_vec())
        )
            .prop_map(|(amount, unit)| node(ExprKind::Duration {
                amount: amount.to_string(),
                unit
            })),
        prop::sample::select(
            &[
                "",
                "plain",
                "say \"hi\"",
                "back\\slash",
                "two\nlines",
                "tab\there",
                "ünïcødé"
            ][..]
        )
        .prop_map(|t| node(ExprKind::Text(t.to_string()))),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(6, 64, 4, |inner| {
        let kinds = [QuantifierKind::Any, QuantifierKind::All, QuantifierKind::Count];
        prop_oneof![
            4 => (prop::sample::select(BINOPS), inner.clone(), inner.clone())
                .prop_map(|(op, l, r)| binary(op, l, r)),
            // Chains of `and`/`or`, the constructs the printer breaks.
            3 => (inner.clone(), prop::collection::vec((prop::sample::select(&[BinOp::And, BinOp::Or][..]), inner.clone()), 1..6))
                .prop_map(|(first, rest)| rest.into_iter().fold(first, |l, (op, r)| binary(op, l, r))),
            1 => inner.clone().prop_map(|e| unary(UnOp::Not, e)),
            1 => inner.clone().prop_map(|e| unary(UnOp::Neg, e)),
            1 => inner.clone().prop_map(paren),
            1 => (inner.clone(), inner.clone(), inner.clone()).prop_map(|(c, a, b)| node(ExprKind::If(
                Box::new(c),
                Box::new(a),
                Box::new(b)
            ))),
            1 => (prop::sample::select(kinds.to_vec()), prop::sample::select(&["v", "w"][..]), inner.clone(), inner.clone())
                .prop_map(|(kind, var, over, body)| node(ExprKind::Quantifier {
                    kind,
                    var: ident(var),
                    over: Box::new(over),
                    body: Box::new(body)
                })),
            1 => (inner.clone(), prop::sample::select(FIELDS))
                .prop_map(|(base, f)| node(ExprKind::Field(postfix_base(base), ident(f)))),
            1 => (inner.clone(), prop::collection::vec(inner.clone(), 1..3))
                .prop_map(|(base, keys)| node(ExprKind::Index(postfix_base(base), keys))),
            1 => (inner.clone(), any::<bool>())
                .prop_map(|(base, present)| node(ExprKind::Presence(postfix_base(base), present))),
            1 => (prop::sample::select(&["f", "years_between"][..]), prop::collection::vec(inner.clone(), 0..3))
                .prop_map(|(f, args)| node(ExprKind::Call(ident(f), args))),
            1 => prop::collection::vec(inner.clone(), 0..4).prop_map(|xs| node(ExprKind::List(xs))),
            1 => prop::collection::vec((prop::sample::select(FIELDS), inner), 0..3).prop_map(|fields| node(
                ExprKind::Record(fields.into_iter().map(|(n, v)| (ident(n), v)).collect())
            )),
        ]
    })
}

/// The text `let_file` starts from.
const LET_TEMPLATE: &str = "let x = 0\n";

/// A file holding `let x = VALUE`, built by parsing a template (so that it
/// has whatever else a parsed file has) and swapping the value in.
fn let_file(value: Expr) -> SourceFile {
    let mut file = parse(FileId(0), LET_TEMPLATE).file;
    if let Some(Item {
        kind: ItemKind::Let(l),
        ..
    }) = file.items.first_mut()
    {
        l.value = value;
    }
    file
}

fn parsed_let_value(text: &str) -> Option<Value> {
    let parsed = parse(FileId(0), text);
    if !parsed.diagnostics.is_empty() {
        return None;
    }
    match parsed.file.items.as_slice() {
        [
            Item {
                kind: ItemKind::Let(l),
                ..
            },
        ] => Some(expr_shape(&l.value)),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Printing respects precedence: the printed text parses back to the
    /// same tree, whether it fits on one line or is broken over several.
    #[test]
    fn printed_expressions_parse_back_to_the_same_tree(e in expr()) {
        let file = let_file(e.clone());
        let printed = format_file(&file, LET_TEMPLATE);
        prop_assert_eq!(parsed_let_value(&printed), Some(expr_shape(&e)), "printed:\n{}", printed);
        prop_assert_eq!(format(&printed).ok(), Some(printed.clone()), "not idempotent:\n{}", printed);
    }
}

// ---------------------------------------------------------------- random comments

/// The texts the comment fuzzing starts from: the repository's files and
/// the samples above.
fn comment_fuzz_sources() -> Vec<String> {
    let mut sources: Vec<String> = parseable_files()
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    sources.extend(SAMPLES.iter().map(|(_, text)| text.to_string()));
    sources
}

/// `text` with a comment inserted before each chosen blank character,
/// at the end of the line (`true`) or on a line of its own, or `None` when
/// that changes what the text means (a comment inside a string, between
/// `not` and `in`, after a doc comment).
fn with_comments(text: &str, at: &[(prop::sample::Index, bool)]) -> Option<String> {
    let blanks: Vec<usize> = text
        .char_indices()
        .filter(|(_, c)| *c == ' ' || *c == '\n')
        .map(|(i, _)| i)
        .collect();
    if blanks.is_empty() {
        return None;
    }
    let mut offsets: Vec<(usize, bool)> = at
        .iter()
        .map(|(i, same_line)| (blanks[i.index(blanks.len())], *same_line))
        .collect();
    offsets.sort_unstable();
    offsets.dedup_by_key(|(offset, _)| *offset);
    let mut out = String::new();
    let mut last = 0;
    for (n, (offset, same_line)) in offsets.iter().enumerate() {
        out.push_str(text.get(last..*offset)?);
        out.push_str(if *same_line { " " } else { "\n" });
        out.push_str(&format!("// inserted {n}\n"));
        last = *offset;
    }
    out.push_str(text.get(last..)?);

    let before = parse(FileId(0), text);
    let after = parse(FileId(0), &out);
    let same_meaning = after.diagnostics.is_empty()
        && items_shape(&after.file.items) == items_shape(&before.file.items)
        && after.file.comments.len() == before.file.comments.len() + offsets.len();
    same_meaning.then_some(out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Comments anywhere survive formatting, exactly once, in order, and a
    /// second run changes nothing.
    #[test]
    fn comments_anywhere_survive_formatting(
        source in prop::sample::select(comment_fuzz_sources()),
        at in prop::collection::vec(any::<(prop::sample::Index, bool)>(), 1..8),
    ) {
        if let Some(text) = with_comments(&source, &at) {
            let out = check_round_trip("with comments", &text);
            assert_layout_rules("with comments", &out);
        }
    }
}
