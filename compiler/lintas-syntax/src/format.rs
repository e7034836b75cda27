//! The canonical layout.
//!
//! There is one way to print a file, decided by its syntax tree and its
//! plain comments; the input's whitespace plays no part except for blank
//! lines inside groups of `import`, `reason` or `purpose` items and around
//! top-level comments. Formatting twice gives the same text as formatting
//! once.
//!
//! The printer emits lines in source order and keeps a cursor into the
//! comment list. Every printed line knows the source offset where its code
//! ends: comments that start before that offset and are not printed yet go
//! on their own lines just before it, and a comment that follows that offset
//! on the same source line is appended to it. That single rule attaches each
//! comment to the next element after it, keeps same-line comments as
//! trailing comments and puts comments after the last element of a block
//! before its closing `}`. The only reordering (the clauses of a rule) is
//! done on lines captured in source order, so comments move with their
//! clause.
//!
//! A construct that could be broken over several lines (an `and`/`or` chain,
//! a quantifier, an `if`, a record or list literal) is broken when it does
//! not fit in [`MAX_WIDTH`] columns or when a comment sits between two of its
//! parts. Comments inside a part that stays on one line are printed before
//! that line; such a comment then lies between two parts of something that
//! was already broken, so a second run takes the same decisions.

use crate::ast::*;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::parser::{escape, parse};
use crate::span::{FileId, Span};

/// Lines longer than this are broken where the layout allows it.
pub const MAX_WIDTH: usize = 100;

/// One level of indentation, in spaces.
const INDENT: usize = 2;

/// Formats a whole file. A file with syntax errors is not formatted: its
/// error diagnostics come back instead, so that no input is ever lost.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    let parsed = parse(FileId(0), text);
    let errors: Vec<Diagnostic> = parsed
        .diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let formatted = format_file(&parsed.file, text);
    check_output(&parsed.file, &formatted)?;
    Ok(formatted)
}

/// Prints a parsed file in the canonical layout. `source` must be the text
/// the file was parsed from: comments, blank lines and a few punctuation
/// positions are read from it.
pub fn format_file(file: &SourceFile, source: &str) -> String {
    let mut printer = Printer {
        source,
        comments: &file.comments,
        next_comment: 0,
        out: Vec::new(),
        pending_docs: Vec::new(),
        code_ends: code_ends(source),
    };
    printer.file(&file.items);
    printer.finish()
}

/// A last line of defence for "never destroy input": the output must parse
/// cleanly into the same tree (apart from positions and the canonical order
/// of rule clauses) with the same comments. A failure here is a bug in the
/// formatter, reported rather than written over the user's file.
fn check_output(before: &SourceFile, formatted: &str) -> Result<(), Vec<Diagnostic>> {
    let reparsed = parse(FileId(0), formatted);
    // Compared as a multiset: comments move with the rule clauses that
    // the canonical order moves.
    let texts = |file: &SourceFile| {
        let mut texts: Vec<String> = file.comments.iter().map(|c| c.text.clone()).collect();
        texts.sort();
        texts
    };
    let comments_kept = texts(&reparsed.file) == texts(before);
    let clean = !reparsed.diagnostics.iter().any(Diagnostic::is_error);
    if clean && comments_kept && same_tree(&before.items, &reparsed.file.items) {
        return Ok(());
    }
    let span = before
        .items
        .first()
        .map_or(Span::new(FileId(0), 0, 0), |item| item.span);
    Err(vec![
        Diagnostic::error(
            codes::SYNTAX,
            span,
            "the formatter could not print this file faithfully",
        )
        .label("file left unchanged")
        .help("this is a bug in the formatter; please report it with the file"),
    ])
}

/// Whether two item lists are the same tree apart from positions, once the
/// rule clauses of `before` are put in the canonical order. Compared through
/// `Debug` with the spans cut out, which needs no visitor over every node.
fn same_tree(before: &[Item], after: &[Item]) -> bool {
    let mut canonical = before.to_vec();
    for item in &mut canonical {
        if let ItemKind::Rule(rule) = &mut item.kind {
            rule.clauses.sort_by_key(clause_rank);
        }
    }
    without_spans(&format!("{canonical:?}")) == without_spans(&format!("{after:?}"))
}

/// `Debug` text with every `Span { .. }` replaced by `Span`.
fn without_spans(debug: &str) -> String {
    const OPEN: &str = "Span { file: FileId(";
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(rest.get(..start).unwrap_or(""));
        out.push_str("Span");
        let after = rest.get(start..).unwrap_or("");
        rest = after
            .find(" }")
            .and_then(|end| after.get(end + 2..))
            .unwrap_or("");
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------- the printer

struct Printer<'a> {
    source: &'a str,
    comments: &'a [Comment],
    /// Comments before this index are printed. Lines are emitted in source
    /// order, so the printed comments are always a prefix of the list.
    next_comment: usize,
    out: Vec<String>,
    /// Doc comment lines of the element whose first line comes next. They
    /// wait so that plain comments inside that line go before them.
    pending_docs: Vec<String>,
    /// For each offset, the end of the last code (not blank, not comment)
    /// before it. Some spans run on over the blanks and comments after the
    /// node (pest skips them before trying an optional tail), so every
    /// span end is pulled back through this before use.
    code_ends: Vec<u32>,
}

/// What the previous top-level thing was, for the blank line before the next.
#[derive(Clone, Copy)]
enum Previous<'t> {
    Nothing,
    Item(&'t Item),
    Comment(u32),
}

impl<'a> Printer<'a> {
    fn finish(self) -> String {
        let mut text = String::new();
        for line in &self.out {
            text.push_str(line.trim_end());
            text.push('\n');
        }
        text
    }

    // ------------------------------------------------------------ lines

    /// Pushes a line whose code ends at source offset `end`; comments before
    /// `end` go before it at the line's own indentation.
    fn line(&mut self, text: String, end: u32) {
        let indent = text.len() - text.trim_start_matches(' ').len();
        self.line_with(text, indent, end);
    }

    /// Like [`Printer::line`], with the indentation of the comments before
    /// the line given: a closing `}` takes the comments of its block's end
    /// at the block's inner indentation.
    fn line_with(&mut self, mut text: String, comment_indent: usize, end: u32) {
        let end = self.code_end(end);
        self.comments_before(end, comment_indent);
        self.out.append(&mut self.pending_docs);
        if let Some(comment) = self.trailing_comment(end) {
            text.push(' ');
            text.push_str(&comment.text);
            self.next_comment += 1;
        }
        self.out.push(text);
    }

    /// Prints every unprinted comment that starts before `pos`.
    fn comments_before(&mut self, pos: u32, indent: usize) {
        while let Some(comment) = self.comments.get(self.next_comment) {
            if comment.span.start >= pos {
                break;
            }
            self.out.push(format!("{}{}", pad(indent), comment.text));
            self.next_comment += 1;
        }
    }

    /// The next comment if it sits on the same source line after `end`,
    /// separated only by blanks and commas.
    fn trailing_comment(&self, end: u32) -> Option<&'a Comment> {
        let comment = self.comments.get(self.next_comment)?;
        let gap = self.source.get(end as usize..comment.span.start as usize)?;
        gap.chars()
            .all(|c| matches!(c, ' ' | '\t' | ','))
            .then_some(comment)
    }

    fn has_comment_before(&self, pos: u32) -> bool {
        let pos = self.code_end(pos);
        self.comments
            .get(self.next_comment)
            .is_some_and(|c| c.span.start < pos)
    }

    /// The end of the code at or before `pos`: `pos` itself unless only
    /// blanks and comments precede it.
    fn code_end(&self, pos: u32) -> u32 {
        self.code_ends.get(pos as usize).copied().unwrap_or(pos)
    }

    fn docs(&mut self, docs: &[String], indent: usize) {
        for doc in docs {
            let line = if doc.is_empty() {
                format!("{}///", pad(indent))
            } else {
                format!("{}/// {doc}", pad(indent))
            };
            self.pending_docs.push(line);
        }
    }

    /// Runs `print` with an empty output and returns what it printed.
    fn capture(&mut self, print: impl FnOnce(&mut Self)) -> Vec<String> {
        let saved = std::mem::take(&mut self.out);
        print(self);
        std::mem::replace(&mut self.out, saved)
    }

    fn blank_line(&mut self) {
        if self.out.last().is_some_and(|l| !l.is_empty()) {
            self.out.push(String::new());
        }
    }

    /// Whether a comment starts between the code of a part ending at `from`
    /// and the part starting at `to`.
    fn comment_between(&self, from: u32, to: u32) -> bool {
        let from = self.code_end(from);
        let first = self.comments.partition_point(|c| c.span.start < from);
        self.comments.get(first).is_some_and(|c| c.span.start < to)
    }

    /// Comments inside `span` that are not inside any of `parts`: between
    /// the brackets of a literal but outside its elements.
    fn comment_outside(&self, span: Span, parts: &[(u32, u32)]) -> bool {
        let first = self
            .comments
            .partition_point(|c| c.span.start <= span.start);
        self.comments
            .get(first..)
            .unwrap_or(&[])
            .iter()
            .take_while(|c| c.span.start < span.end)
            .any(|c| {
                !parts
                    .iter()
                    .any(|&(s, e)| s <= c.span.start && c.span.start < self.code_end(e))
            })
    }

    // ------------------------------------------------------------ source scanning

    /// The offset just past the first `wanted` at or after `from` that is
    /// code rather than comment or string: where a `{` or `|` that the tree
    /// does not record ends. `from` if there is none.
    fn after(&self, from: u32, wanted: u8) -> u32 {
        let bytes = self.source.as_bytes();
        let mut i = from as usize;
        while let Some(&b) = bytes.get(i) {
            if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
                i = skip_line(bytes, i);
            } else if b == b'"' {
                i = skip_string(bytes, i);
            } else if b == wanted {
                return to_offset(i + 1);
            } else {
                i += 1;
            }
        }
        from
    }

    /// The end of the next word at or after `from`, skipping blanks and
    /// comments.
    fn word_end(&self, from: u32) -> u32 {
        let bytes = self.source.as_bytes();
        let mut i = from as usize;
        while let Some(&b) = bytes.get(i) {
            if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
                i = skip_line(bytes, i);
            } else if b.is_ascii_whitespace() {
                i += 1;
            } else {
                break;
            }
        }
        while bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            i += 1;
        }
        to_offset(i)
    }

    /// Whether the source between two offsets has an empty line.
    fn blank_between(&self, from: u32, to: u32) -> bool {
        let text = self.source.get(from as usize..to as usize).unwrap_or("");
        let lines: Vec<&str> = text.split('\n').collect();
        lines.len() > 2
            && lines
                .get(1..lines.len() - 1)
                .unwrap_or(&[])
                .iter()
                .any(|l| l.trim().is_empty())
    }

    // ------------------------------------------------------------ the file

    fn file(&mut self, items: &[Item]) {
        let mut previous = Previous::Nothing;
        for item in items {
            while let Some(comment) = self.comments.get(self.next_comment) {
                if comment.span.start >= item.span.start {
                    break;
                }
                let blank = match previous {
                    Previous::Nothing => false,
                    Previous::Item(before) => !self.grouped(before, item),
                    Previous::Comment(end) => self.blank_between(end, comment.span.start),
                };
                self.top_comment(blank);
                previous = Previous::Comment(comment.span.end);
            }
            let blank = match previous {
                Previous::Nothing => false,
                Previous::Item(before) => !self.grouped(before, item),
                Previous::Comment(end) => self.blank_between(end, item.span.start),
            };
            if blank {
                self.blank_line();
            }
            self.item(item);
            previous = Previous::Item(item);
        }
        while let Some(comment) = self.comments.get(self.next_comment) {
            let blank = match previous {
                Previous::Nothing => false,
                Previous::Item(before) => {
                    self.blank_between(self.code_end(before.span.end), comment.span.start)
                }
                Previous::Comment(end) => self.blank_between(end, comment.span.start),
            };
            self.top_comment(blank);
            previous = Previous::Comment(comment.span.end);
        }
    }

    fn top_comment(&mut self, blank_before: bool) {
        if blank_before {
            self.blank_line();
        }
        if let Some(comment) = self.comments.get(self.next_comment) {
            self.out.push(comment.text.clone());
            self.next_comment += 1;
        }
    }

    /// Consecutive imports, reasons or purposes with no blank line between
    /// them in the source stay on consecutive lines.
    fn grouped(&self, before: &Item, next: &Item) -> bool {
        let same_kind = matches!(
            (&before.kind, &next.kind),
            (ItemKind::Import(_), ItemKind::Import(_))
                | (ItemKind::Reason(_), ItemKind::Reason(_))
                | (ItemKind::Purpose(_), ItemKind::Purpose(_))
        );
        same_kind && !self.blank_between(self.code_end(before.span.end), next.span.start)
    }

    fn item(&mut self, item: &Item) {
        self.docs(&item.docs, 0);
        let end = item.span.end;
        let ov = if item.overrides { "override " } else { "" };
        match &item.kind {
            ItemKind::Import(name) => self.line(format!("import {}", name.name), end),
            ItemKind::Schema(s) => self.schema(s, end),
            ItemKind::Enum(e) => self.enum_decl(e, end),
            ItemKind::Set(s) => self.set(s, ov, end),
            ItemKind::Table(t) => self.table(t, ov, end),
            ItemKind::Reason(c) => self.line(code_decl("reason", c), end),
            ItemKind::Purpose(c) => self.line(code_decl("purpose", c), end),
            ItemKind::Decision(d) => self.decision(d, end),
            ItemKind::Rule(r) => self.rule(r, ov),
            ItemKind::Score(s) => self.score(s, ov, end),
            ItemKind::Let(l) => self.let_item(l, ov, end),
            ItemKind::DecisionTable(t) => self.decision_table(t, ov, end),
            ItemKind::Sharing(s) => self.sharing(s, end),
            ItemKind::Test(t) => self.test(t, end),
        }
        // Every comment inside the item has been placed by now; this only
        // guards against losing one if a span were ever off.
        let end = self.code_end(end);
        self.comments_before(end, INDENT);
    }

    /// The header line of a braced item, ending at the `{` after `from`.
    fn open_block(&mut self, header: String, from: u32) {
        let open = self.after(from, b'{');
        self.line(format!("{header} {{"), open);
    }

    fn close_block(&mut self, end: u32) {
        self.line_with("}".to_string(), INDENT, end);
    }

    // ------------------------------------------------------------ declarations

    fn schema(&mut self, s: &Schema, end: u32) {
        self.open_block(format!("schema {}", s.name.name), s.name.span.end);
        for field in &s.fields {
            self.docs(&field.docs, INDENT);
            let mut text = format!(
                "{}{}: {}",
                pad(INDENT),
                field.name.name,
                type_text(&field.ty)
            );
            for (annotation, _) in &field.annotations {
                text.push(' ');
                text.push_str(annotation.as_str());
            }
            self.line(text, field.span.end);
        }
        self.close_block(end);
    }

    fn enum_decl(&mut self, e: &EnumDecl, end: u32) {
        self.open_block(format!("enum {}", e.name.name), e.name.span.end);
        for value in &e.values {
            self.docs(&value.docs, INDENT);
            self.line(
                format!("{}{}", pad(INDENT), value.name.name),
                value.name.span.end,
            );
        }
        self.close_block(end);
    }

    fn set(&mut self, s: &SetDecl, ov: &str, end: u32) {
        let head = format!("{ov}set {}: {}", s.name.name, type_text(&s.element));
        let elements = match &s.contents {
            SetContents::File(source) => {
                self.line(format!("{head} {}", data_source(source)), end);
                return;
            }
            SetContents::Inline(elements) => elements,
        };
        let open = self.after(s.element.span().end, b'{');
        let texts: Vec<String> = elements.iter().map(flat).collect();
        let one_line = if texts.is_empty() {
            format!("{head} = {{}}")
        } else {
            format!("{head} = {{ {} }}", texts.join(", "))
        };
        let parts: Vec<(u32, u32)> = elements
            .iter()
            .map(|e| (e.span.start, e.span.end))
            .collect();
        let inside = Span::new(FileId(0), open as usize, end as usize);
        if width(&one_line) <= MAX_WIDTH && !self.comment_outside(inside, &parts) {
            self.line(one_line, end);
            return;
        }
        self.line(format!("{head} = {{"), open);
        self.packed(elements, &texts);
        self.close_block(end);
    }

    /// Set elements, as many to a line as fit, each followed by a comma. A
    /// comment before an element starts a new line; one after an element
    /// ends the line.
    fn packed(&mut self, elements: &[Expr], texts: &[String]) {
        let mut current = String::new();
        let mut current_end = 0;
        for (element, text) in elements.iter().zip(texts) {
            let too_wide = INDENT + width(&current) + 1 + width(text) + 1 > MAX_WIDTH;
            if !current.is_empty() && (too_wide || self.has_comment_before(element.span.end)) {
                let full = std::mem::take(&mut current);
                self.line(format!("{}{full}", pad(INDENT)), current_end);
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(text);
            current.push(',');
            current_end = element.span.end;
            if self.trailing_comment(current_end).is_some() {
                let full = std::mem::take(&mut current);
                self.line(format!("{}{full}", pad(INDENT)), current_end);
            }
        }
        if !current.is_empty() {
            self.line(format!("{}{current}", pad(INDENT)), current_end);
        }
    }

    fn table(&mut self, t: &TableDecl, ov: &str, end: u32) {
        self.open_block(format!("{ov}table {}", t.name.name), t.name.span.end);
        for column in &t.columns {
            self.docs(&column.docs, INDENT);
            let key = if column.is_key { " key" } else { "" };
            let text = format!(
                "{}{}: {}{key}",
                pad(INDENT),
                column.name.name,
                type_text(&column.ty)
            );
            self.line(text, column.span.end);
        }
        let rows = match &t.contents {
            TableContents::File(source) => {
                self.line_with(format!("}} {}", data_source(source)), INDENT, end);
                return;
            }
            TableContents::Rows(rows) => rows,
        };
        let columns_end = t.columns.last().map_or(t.name.span.end, |c| c.span.end);
        let close = self.after(self.after(columns_end, b'}'), b'{');
        self.line_with("} rows {".to_string(), INDENT, close);
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|row| row.cells.iter().map(flat).collect())
            .collect();
        let widths = column_widths(&cells);
        for (row, cells) in rows.iter().zip(&cells) {
            let text = format!("{}{}", pad(INDENT), table_cells(cells, &widths));
            self.line(text, row.span.end);
        }
        self.close_block(end);
    }

    fn decision(&mut self, d: &Decision, end: u32) {
        let (each, manifest) = if d.over_manifest {
            ("each ", " in manifest")
        } else {
            ("", "")
        };
        let header = format!(
            "decision {} for {each}{}: {}{manifest}",
            d.name.name, d.subject.name, d.schema.name
        );
        self.open_block(header, d.schema.span.end);
        for clause in &d.clauses {
            let i = pad(INDENT);
            match clause {
                DecisionClause::Outcomes(outcomes, span) => {
                    let names: Vec<&str> = outcomes.iter().map(|o| o.name.as_str()).collect();
                    self.line(format!("{i}outcomes {}", names.join(" > ")), span.end);
                }
                DecisionClause::Default(name, span) => {
                    self.line(format!("{i}default {}", name.name), span.end)
                }
                DecisionClause::OnError(name, span) => {
                    self.line(format!("{i}on error {}", name.name), span.end)
                }
                DecisionClause::Aggregate(a) => self.aggregate(a),
            }
        }
        self.close_block(end);
    }

    /// `aggregate n = count by k1, k2 where cond`; a filter that does not
    /// fit goes on the next line, like the body of a quantifier.
    fn aggregate(&mut self, a: &Aggregate) {
        let head = format!(
            "{}aggregate {} = count by {}",
            pad(INDENT),
            a.name.name,
            flat_list(&a.keys)
        );
        let Some(filter) = &a.filter else {
            self.line(head, a.span.end);
            return;
        };
        let keys_end = a.keys.last().map_or(a.name.span.end, |k| k.span.end);
        let one_line = format!("{head} where {}", flat(filter));
        if width(&one_line) <= MAX_WIDTH && !self.comment_between(keys_end, filter.span.start) {
            self.expr_lines(
                &format!("{head} where "),
                filter,
                2 * INDENT,
                "",
                a.span.end,
            );
        } else {
            self.line(head, keys_end);
            let where_head = format!("{}where ", pad(2 * INDENT));
            self.expr_lines(&where_head, filter, 3 * INDENT, "", a.span.end);
        }
    }

    fn rule(&mut self, r: &Rule, ov: &str) {
        let header_end = r.decisions.last().map_or(r.name.span.end, |d| d.span.end);
        self.line(
            format!("{ov}rule {} for {}", r.name.name, names(&r.decisions)),
            header_end,
        );
        let i = pad(INDENT);
        if let Some(description) = &r.description {
            self.line(
                format!("{i}{}", escape(&description.value)),
                description.span.end,
            );
        }
        // Captured in source order so that comments stay with their clause,
        // then laid out in the canonical order.
        let mut clauses: Vec<(u8, Vec<String>)> = r
            .clauses
            .iter()
            .map(|clause| (clause_rank(clause), self.capture(|p| p.rule_clause(clause))))
            .collect();
        clauses.sort_by_key(|(rank, _)| *rank);
        for (_, mut lines) in clauses {
            self.out.append(&mut lines);
        }
        let condition = &r.condition;
        self.expr_lines(
            &format!("{i}when "),
            condition,
            2 * INDENT,
            "",
            condition.span.end,
        );
        let mut then = format!("{i}then {} {}", r.outcome.name, r.reason.name);
        if !r.values.is_empty() {
            then.push_str(" with ");
            then.push_str(&bindings(&r.values));
        }
        let then_end = r
            .values
            .last()
            .map_or(r.reason.span.end, |b| b.value.span.end);
        self.line(then, then_end);
    }

    fn rule_clause(&mut self, clause: &RuleClause) {
        let i = pad(INDENT);
        match clause {
            RuleClause::Source(source) => self.line(
                format!("{i}source {}", escape(&source.value)),
                source.span.end,
            ),
            RuleClause::Effective { from, to, span } => {
                let mut text = format!("{i}effective");
                if let Some(from) = from {
                    text.push_str(" from ");
                    text.push_str(&from.text);
                }
                if let Some(to) = to {
                    text.push_str(" to ");
                    text.push_str(&to.text);
                }
                self.line(text, span.end);
            }
            RuleClause::AppliesTo(targets, span) => {
                self.line(format!("{i}applies to {}", flat_list(targets)), span.end)
            }
            RuleClause::Mode(mode, span) => {
                let word = match mode {
                    Mode::Shadow => "shadow",
                    Mode::Enforce => "enforce",
                };
                self.line(format!("{i}{word}"), span.end);
            }
        }
    }

    fn score(&mut self, s: &Score, ov: &str, end: u32) {
        let header = format!("{ov}score {} for {}", s.name.name, names(&s.decisions));
        let header_end = s.decisions.last().map_or(s.name.span.end, |d| d.span.end);
        self.open_block(header, header_end);
        for term in &s.terms {
            self.docs(&term.docs, INDENT);
            let head = format!("{}{}: ", pad(INDENT), term.name.name);
            match &term.condition {
                Some(condition) => {
                    let head = format!("{head}{} when ", flat(&term.weight));
                    self.expr_lines(&head, condition, 2 * INDENT, "", term.span.end);
                }
                None => self.expr_lines(&head, &term.weight, 2 * INDENT, "", term.span.end),
            }
        }
        self.close_block(end);
    }

    fn let_item(&mut self, l: &Let, ov: &str, end: u32) {
        let mut head = format!("{ov}let {}", l.name.name);
        if !l.decisions.is_empty() {
            head.push_str(" for ");
            head.push_str(&names(&l.decisions));
        }
        let value = &l.value;
        let one_line = format!("{head} = {}", flat(value));
        let fits = width(&one_line) <= MAX_WIDTH && !self.has_comment_between_parts(value);
        if matches!(value.kind, ExprKind::If(..)) && !fits {
            // A broken `if` reads best with `if`, `then` and `else` aligned
            // under the `let`.
            let header_end = l.decisions.last().map_or(l.name.span.end, |d| d.span.end);
            let equals = self.after(header_end, b'=');
            self.line(format!("{head} ="), equals);
            self.expr_lines(&pad(INDENT), value, INDENT, "", end);
        } else {
            self.expr_lines(&format!("{head} = "), value, INDENT, "", end);
        }
    }

    fn decision_table(&mut self, t: &DecisionTable, ov: &str, end: u32) {
        let header = format!(
            "{ov}decision table {} for {}",
            t.name.name,
            names(&t.decisions)
        );
        let header_end = t.decisions.last().map_or(t.name.span.end, |d| d.span.end);
        self.open_block(header, header_end);
        let i = pad(INDENT);
        let hit_end = self.word_end(self.word_end(self.after(header_end, b'{')));
        self.line(format!("{i}hit {}", t.hit.as_str()), hit_end);
        if let Some(default) = &t.default {
            self.expr_lines(
                &format!("{i}default "),
                default,
                2 * INDENT,
                "",
                default.span.end,
            );
        }
        let mut grid: Vec<Vec<String>> = vec![t.inputs.iter().map(flat).collect()];
        grid.extend(
            t.rows
                .iter()
                .map(|row| row.cells.iter().map(cell_text).collect()),
        );
        let widths = column_widths(&grid);
        let results: Vec<String> = std::iter::once(t.output.name.clone())
            .chain(t.rows.iter().map(|row| flat(&row.result)))
            .collect();
        let result_width = results.iter().map(|r| width(r)).max().unwrap_or(0);
        let header_row_end = self.after(t.output.span.end, b'|');
        let ends = std::iter::once(header_row_end).chain(t.rows.iter().map(|row| row.span.end));
        for ((cells, result), row_end) in grid.iter().zip(&results).zip(ends) {
            let text = format!(
                "{i}{}| {} |",
                table_cells(cells, &widths),
                pad_to(result, result_width)
            );
            self.line(text, row_end);
        }
        self.close_block(end);
    }

    fn sharing(&mut self, s: &Sharing, end: u32) {
        let header = format!(
            "sharing {} for {}: {}",
            s.name.name, s.subject.name, s.schema.name
        );
        self.open_block(header, s.schema.span.end);
        for clause in &s.clauses {
            match clause {
                SharingClause::Withhold(w) => self.withhold(w),
                SharingClause::Allow(a) => self.allow(a),
            }
        }
        self.close_block(end);
    }

    fn withhold(&mut self, w: &Withhold) {
        self.docs(&w.docs, INDENT);
        let mut head = format!("{}withhold {}", pad(INDENT), flat_list(&w.fields));
        if let Some(description) = &w.description {
            head.push(' ');
            head.push_str(&escape(&description.value));
        }
        match &w.unless {
            Some(unless) => self.expr_lines(
                &format!("{head} unless "),
                unless,
                2 * INDENT,
                "",
                w.span.end,
            ),
            None => self.line(head, w.span.end),
        }
    }

    fn allow(&mut self, a: &Allow) {
        self.docs(&a.docs, INDENT);
        let mut head = format!("{}allow {}", pad(INDENT), a.name.name);
        let mut head_end = a.name.span.end;
        if let Some(description) = &a.description {
            head.push(' ');
            head.push_str(&escape(&description.value));
            head_end = description.span.end;
        }
        self.line(head, head_end);
        let i = pad(2 * INDENT);
        let fields_end = a.fields.last().map_or(head_end, |f| f.span.end);
        self.line(format!("{i}share {}", flat_list(&a.fields)), fields_end);
        let recipients = &a.recipients;
        self.expr_lines(
            &format!("{i}to "),
            recipients,
            3 * INDENT,
            "",
            recipients.span.end,
        );
        let purposes_end = a
            .purposes
            .last()
            .map_or(recipients.span.end, |p| p.span.end);
        self.line(format!("{i}for {}", names(&a.purposes)), purposes_end);
        if let Some(condition) = &a.condition {
            self.expr_lines(
                &format!("{i}when "),
                condition,
                3 * INDENT,
                "",
                condition.span.end,
            );
        }
    }

    fn test(&mut self, t: &Test, end: u32) {
        let header = format!("test {} for {}", escape(&t.title.value), t.target.name);
        self.open_block(header, t.target.span.end);
        let i = pad(INDENT);
        for clause in &t.clauses {
            match clause {
                TestClause::Context(context) => self.expr_lines(
                    &format!("{i}context "),
                    context,
                    2 * INDENT,
                    "",
                    context.span.end,
                ),
                TestClause::Given {
                    manifest,
                    value,
                    span,
                } => {
                    let manifest = if *manifest { "manifest " } else { "" };
                    self.expr_lines(
                        &format!("{i}given {manifest}"),
                        value,
                        2 * INDENT,
                        "",
                        span.end,
                    );
                }
                TestClause::Expect(expectation) => self.expectation(expectation),
            }
        }
        self.close_block(end);
    }

    fn expectation(&mut self, expectation: &Expectation) {
        let i = pad(INDENT);
        match expectation {
            Expectation::Outcome(outcome) => self.line(
                format!("{i}expect {}", expected_outcome(outcome)),
                outcome.span.end,
            ),
            Expectation::Member {
                label,
                index,
                outcome,
                ..
            } => {
                let text = format!(
                    "{i}expect {} {index} {}",
                    label.name,
                    expected_outcome(outcome)
                );
                self.line(text, outcome.span.end);
            }
            Expectation::Shared(fields, span) => {
                self.line(format!("{i}expect shared {}", flat_list(fields)), span.end)
            }
            Expectation::Withheld(fields, span) => self.line(
                format!("{i}expect withheld {}", flat_list(fields)),
                span.end,
            ),
        }
    }

    // ------------------------------------------------------------ expressions

    /// Prints `e` after `head` (the line so far, indentation included) and
    /// before `tail`, on one line if it fits and no comment sits between its
    /// parts, otherwise broken with continuation lines at `cont`. `end` is
    /// the source offset where the tail's code ends.
    fn expr_lines(&mut self, head: &str, e: &Expr, cont: usize, tail: &str, end: u32) {
        let one_line = format!("{head}{}{tail}", flat(e));
        if width(&one_line) <= MAX_WIDTH && !self.has_comment_between_parts(e) {
            self.line(one_line, end);
            return;
        }
        match &e.kind {
            ExprKind::Binary(op @ (BinOp::And | BinOp::Or), _, _) => {
                self.chain_lines(head, e, *op, cont, tail, end)
            }
            ExprKind::Binary(op, left, right) => {
                let head = format!("{head}{} {} ", flat(left), op.as_str());
                self.expr_lines(&head, right, cont, tail, end);
            }
            ExprKind::Unary(op, operand) => self.expr_lines(
                &format!("{head}{}", unary_text(*op)),
                operand,
                cont,
                tail,
                end,
            ),
            ExprKind::Paren(inner) => {
                self.expr_lines(&format!("{head}("), inner, cont, &format!("){tail}"), end)
            }
            ExprKind::Presence(inner, present) => {
                let tail = format!(" is {}{tail}", presence_word(*present));
                self.expr_lines(head, inner, cont, &tail, end);
            }
            ExprKind::Field(inner, name) => {
                self.expr_lines(head, inner, cont, &format!(".{}{tail}", name.name), end)
            }
            ExprKind::Quantifier {
                kind,
                var,
                over,
                body,
            } => {
                let first = format!("{head}{} {} in ", kind.as_str(), var.name);
                self.expr_lines(&first, over, cont + INDENT, "", over.span.end);
                self.expr_lines(
                    &format!("{}where ", pad(cont)),
                    body,
                    cont + INDENT,
                    tail,
                    end,
                );
            }
            ExprKind::If(condition, then, otherwise) => {
                let next = cont + INDENT;
                self.expr_lines(
                    &format!("{head}if "),
                    condition,
                    next,
                    "",
                    condition.span.end,
                );
                self.expr_lines(
                    &format!("{}then ", pad(cont)),
                    then,
                    next,
                    "",
                    then.span.end,
                );
                self.expr_lines(&format!("{}else ", pad(cont)), otherwise, next, tail, end);
            }
            ExprKind::Record(fields) if !fields.is_empty() => {
                self.line(format!("{head}{{"), e.span.start + 1);
                for (name, value) in fields {
                    let field_head = format!("{}{}: ", pad(cont), name.name);
                    self.expr_lines(&field_head, value, cont + INDENT, ",", value.span.end);
                }
                let closing = format!("{}}}{tail}", pad(cont.saturating_sub(INDENT)));
                self.line_with(closing, cont, end);
            }
            ExprKind::List(elements) if !elements.is_empty() => {
                self.line(format!("{head}["), e.span.start + 1);
                for element in elements {
                    self.expr_lines(&pad(cont), element, cont + INDENT, ",", element.span.end);
                }
                let closing = format!("{}]{tail}", pad(cont.saturating_sub(INDENT)));
                self.line_with(closing, cont, end);
            }
            _ => self.line(one_line, end),
        }
    }

    /// An `and` or `or` chain, one operand per line, each continuation line
    /// starting with the operator.
    fn chain_lines(&mut self, head: &str, e: &Expr, op: BinOp, cont: usize, tail: &str, end: u32) {
        let operands = chain(e, op);
        let last = operands.len().saturating_sub(1);
        for (n, operand) in operands.into_iter().enumerate() {
            let (tail, end) = if n == last {
                (tail, end)
            } else {
                ("", operand.span.end)
            };
            let head = if n == 0 {
                head.to_string()
            } else {
                format!("{}{} ", pad(cont), op.as_str())
            };
            self.expr_lines(&head, operand, cont + INDENT, tail, end);
        }
    }

    /// Whether a comment sits between the parts of a construct that breaks
    /// into lines at those parts, which forces it to break.
    fn has_comment_between_parts(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Binary(op @ (BinOp::And | BinOp::Or), _, _) => chain(e, *op).windows(2).any(
                |pair| matches!(pair, [a, b] if self.comment_between(a.span.end, b.span.start)),
            ),
            ExprKind::Quantifier { over, body, .. } => {
                self.comment_between(over.span.end, body.span.start)
            }
            ExprKind::If(condition, then, otherwise) => {
                self.comment_between(condition.span.end, then.span.start)
                    || self.comment_between(then.span.end, otherwise.span.start)
            }
            ExprKind::Record(fields) if !fields.is_empty() => {
                let parts: Vec<(u32, u32)> = fields
                    .iter()
                    .map(|(name, value)| (name.span.start, value.span.end))
                    .collect();
                self.comment_outside(e.span, &parts)
            }
            ExprKind::List(elements) if !elements.is_empty() => {
                let parts: Vec<(u32, u32)> = elements
                    .iter()
                    .map(|x| (x.span.start, x.span.end))
                    .collect();
                self.comment_outside(e.span, &parts)
            }
            _ => false,
        }
    }
}

// ---------------------------------------------------------------- flat text

/// An expression on one line, exactly as the tree says: parentheses only
/// where the tree has a `Paren` node.
pub fn flat(e: &Expr) -> String {
    let mut out = String::new();
    write_flat(&mut out, e);
    out
}

fn write_flat(out: &mut String, e: &Expr) {
    match &e.kind {
        ExprKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ExprKind::Int(digits) | ExprKind::Decimal(digits) | ExprKind::Date(digits) => {
            out.push_str(digits)
        }
        ExprKind::Text(text) => out.push_str(&escape(text)),
        ExprKind::Duration { amount, unit } => {
            out.push_str(amount);
            out.push(' ');
            out.push_str(unit.as_str(amount != "1"));
        }
        ExprKind::Name(name) => out.push_str(&name.name),
        ExprKind::Field(base, name) => {
            write_flat(out, base);
            out.push('.');
            out.push_str(&name.name);
        }
        ExprKind::Index(base, keys) => {
            write_flat(out, base);
            out.push('[');
            write_list(out, keys);
            out.push(']');
        }
        ExprKind::Call(name, args) => {
            out.push_str(&name.name);
            out.push('(');
            write_list(out, args);
            out.push(')');
        }
        ExprKind::Unary(op, operand) => {
            out.push_str(unary_text(*op));
            write_flat(out, operand);
        }
        ExprKind::Binary(op, left, right) => {
            write_flat(out, left);
            out.push(' ');
            out.push_str(op.as_str());
            out.push(' ');
            write_flat(out, right);
        }
        ExprKind::Presence(operand, present) => {
            write_flat(out, operand);
            out.push_str(" is ");
            out.push_str(presence_word(*present));
        }
        ExprKind::If(condition, then, otherwise) => {
            out.push_str("if ");
            write_flat(out, condition);
            out.push_str(" then ");
            write_flat(out, then);
            out.push_str(" else ");
            write_flat(out, otherwise);
        }
        ExprKind::Quantifier {
            kind,
            var,
            over,
            body,
        } => {
            out.push_str(kind.as_str());
            out.push(' ');
            out.push_str(&var.name);
            out.push_str(" in ");
            write_flat(out, over);
            out.push_str(" where ");
            write_flat(out, body);
        }
        ExprKind::List(elements) => {
            out.push('[');
            write_list(out, elements);
            out.push(']');
        }
        ExprKind::Record(fields) if fields.is_empty() => out.push_str("{}"),
        ExprKind::Record(fields) => {
            out.push_str("{ ");
            for (n, (name, value)) in fields.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                out.push_str(&name.name);
                out.push_str(": ");
                write_flat(out, value);
            }
            out.push_str(" }");
        }
        ExprKind::Paren(inner) => {
            out.push('(');
            write_flat(out, inner);
            out.push(')');
        }
    }
}

fn write_list(out: &mut String, elements: &[Expr]) {
    for (n, element) in elements.iter().enumerate() {
        if n > 0 {
            out.push_str(", ");
        }
        write_flat(out, element);
    }
}

fn flat_list(elements: &[Expr]) -> String {
    let mut out = String::new();
    write_list(&mut out, elements);
    out
}

/// The operands of a chain of one logical operator, left to right:
/// `a and b and c` is `((a and b) and c)` in the tree.
fn chain(e: &Expr, op: BinOp) -> Vec<&Expr> {
    let mut rights = Vec::new();
    let mut current = e;
    while let ExprKind::Binary(o, left, right) = &current.kind {
        if *o != op {
            break;
        }
        rights.push(right.as_ref());
        current = left;
    }
    rights.push(current);
    rights.reverse();
    rights
}

fn unary_text(op: UnOp) -> &'static str {
    match op {
        UnOp::Not => "not ",
        UnOp::Neg => "-",
    }
}

fn presence_word(present: bool) -> &'static str {
    if present { "present" } else { "absent" }
}

fn type_text(ty: &TypeExpr) -> String {
    match ty {
        TypeExpr::Named(name) => name.name.clone(),
        TypeExpr::Optional(inner, _) => format!("optional {}", type_text(inner)),
        TypeExpr::List(inner, _) => format!("list of {}", type_text(inner)),
    }
}

fn data_source(source: &DataSource) -> String {
    let mut text = format!("from {}", escape(&source.path.value));
    if let Some(column) = &source.column {
        text.push_str(" column ");
        text.push_str(&escape(&column.value));
    }
    text
}

fn code_decl(keyword: &str, decl: &CodeDecl) -> String {
    match &decl.description {
        Some(description) => format!(
            "{keyword} {} {}",
            decl.name.name,
            escape(&description.value)
        ),
        None => format!("{keyword} {}", decl.name.name),
    }
}

fn names(idents: &[Ident]) -> String {
    let names: Vec<&str> = idents.iter().map(|i| i.name.as_str()).collect();
    names.join(", ")
}

fn bindings(bindings: &[Binding]) -> String {
    let texts: Vec<String> = bindings
        .iter()
        .map(|b| format!("{} = {}", b.name.name, flat(&b.value)))
        .collect();
    texts.join(", ")
}

fn expected_outcome(outcome: &ExpectedOutcome) -> String {
    let mut text = outcome.outcome.name.clone();
    if let Some(reasons) = &outcome.reasons {
        let reasons: Vec<String> = reasons
            .iter()
            .map(|r| {
                if r.values.is_empty() {
                    r.code.name.clone()
                } else {
                    format!("{}({})", r.code.name, bindings(&r.values))
                }
            })
            .collect();
        text.push_str(" because ");
        text.push_str(&reasons.join(", "));
    }
    text
}

/// The rank of a rule clause in the canonical order.
fn clause_rank(clause: &RuleClause) -> u8 {
    match clause {
        RuleClause::Source(_) => 0,
        RuleClause::Effective { .. } => 1,
        RuleClause::AppliesTo(..) => 2,
        RuleClause::Mode(..) => 3,
    }
}

fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Any(_) => "-".to_string(),
        Cell::In(e, _) => format!("in {}", flat(e)),
        Cell::NotIn(e, _) => format!("not in {}", flat(e)),
        Cell::Compare(op, e, _) => format!("{} {}", op.as_str(), flat(e)),
        Cell::Values(values, _) => flat_list(values),
    }
}

// ---------------------------------------------------------------- tables

/// The widest cell of each column.
fn column_widths(rows: &[Vec<String>]) -> Vec<usize> {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (n, cell) in row.iter().enumerate() {
            match widths.get_mut(n) {
                Some(w) => *w = (*w).max(width(cell)),
                None => widths.push(width(cell)),
            }
        }
    }
    widths
}

/// `| a | b |` with every cell padded to its column's width.
fn table_cells(cells: &[String], widths: &[usize]) -> String {
    let mut text = String::from("|");
    for (n, cell) in cells.iter().enumerate() {
        text.push(' ');
        text.push_str(&pad_to(cell, widths.get(n).copied().unwrap_or(0)));
        text.push_str(" |");
    }
    text
}

fn pad_to(text: &str, columns: usize) -> String {
    let mut padded = text.to_string();
    padded.extend(std::iter::repeat_n(
        ' ',
        columns.saturating_sub(width(text)),
    ));
    padded
}

// ---------------------------------------------------------------- helpers

fn pad(columns: usize) -> String {
    " ".repeat(columns)
}

/// Display width, counted in characters.
fn width(text: &str) -> usize {
    text.chars().count()
}

fn to_offset(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// The index of the newline ending the line that `i` is on.
fn skip_line(bytes: &[u8], i: usize) -> usize {
    bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
        .map_or(bytes.len(), |p| i + p)
}

/// The index just past the string literal starting at `i`.
fn skip_string(bytes: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while let Some(&b) = bytes.get(j) {
        match b {
            b'\\' => j += 2,
            b'"' | b'\n' => return j + 1,
            _ => j += 1,
        }
    }
    j
}

/// See [`Printer::code_ends`]: entry `p` is the offset just past the last
/// code byte before offset `p`. Strings are code, comments are not.
fn code_ends(source: &str) -> Vec<u32> {
    let bytes = source.as_bytes();
    let mut ends = Vec::with_capacity(bytes.len() + 1);
    ends.push(0);
    let mut last = 0;
    let mut i = 0;
    while i < bytes.len() {
        let rest = bytes.get(i..).unwrap_or(&[]);
        let (next, code) = if rest.starts_with(b"//") {
            (skip_line(bytes, i), false)
        } else if rest.starts_with(b"\"") {
            (skip_string(bytes, i).min(bytes.len()), true)
        } else if rest.starts_with("\u{FEFF}".as_bytes()) {
            (i + 3, false)
        } else {
            (
                i + 1,
                rest.first().is_some_and(|b| !b.is_ascii_whitespace()),
            )
        };
        for j in i..next {
            if code {
                last = to_offset(j + 1);
            }
            ends.push(last);
        }
        i = next;
    }
    ends
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Formats `input` and checks that the result is a fixed point.
    fn canonical(input: &str) -> String {
        let out = format(input).unwrap_or_else(|errors| format!("formatting failed: {errors:?}"));
        assert_eq!(
            format(&out).ok().as_deref(),
            Some(out.as_str()),
            "not idempotent"
        );
        out
    }

    #[test]
    fn a_messy_rule_becomes_canonical() {
        let input = "rule   visa_required for admission,transit \"A visa\" shadow\n\
                     applies to  [tourism] effective to 2026-12-31 source \"Act\"\n\
                     when traveller.visa is absent and(traveller.stay_days>30)\n\
                     then deny VISA_REQUIRED with days=traveller.stay_days,max = 1  days\n";
        let expected = "\
rule visa_required for admission, transit
  \"A visa\"
  source \"Act\"
  effective to 2026-12-31
  applies to [tourism]
  shadow
  when traveller.visa is absent and (traveller.stay_days > 30)
  then deny VISA_REQUIRED with days = traveller.stay_days, max = 1 day
";
        assert_eq!(canonical(input), expected);
    }

    #[test]
    fn table_cells_are_aligned() {
        let input = "table fees { country: Country key, fee: Decimal } rows {\n\
                     | SGP | 10.5 |\n| MYS|7|\n| \"long name\" | 100.25 | }\n";
        let expected = "\
table fees {
  country: Country key
  fee: Decimal
} rows {
  | SGP         | 10.5   |
  | MYS         | 7      |
  | \"long name\" | 100.25 |
}
";
        assert_eq!(canonical(input), expected);
    }

    #[test]
    fn decision_table_rows_align_with_the_header() {
        let input = "decision table days for admission { hit first default 0\n\
                     | traveller.nationality | traveller.purpose || days |\n\
                     | in ASEAN | tourism, business || 30 |\n| - | transit || 0 |\n\
                     | not in EU | < 3 || 7 | }\n";
        let expected = "\
decision table days for admission {
  hit first
  default 0
  | traveller.nationality | traveller.purpose || days |
  | in ASEAN              | tourism, business || 30   |
  | -                     | transit           || 0    |
  | not in EU             | < 3               || 7    |
}
";
        assert_eq!(canonical(input), expected);
    }

    #[test]
    fn comments_stay_with_the_next_element_or_their_line() {
        let input = "\
// File header.

/// The record.
schema A { // about A
  x: Int,   // why x
  // before y
  y: Text
  // end of A
}
rule r for d
  shadow
  // about the source
  source \"s\"
  when a // first operand
    and b
  then deny X
// at the end
";
        let expected = "\
// File header.

/// The record.
schema A { // about A
  x: Int // why x
  // before y
  y: Text
  // end of A
}

rule r for d
  // about the source
  source \"s\"
  shadow
  when a // first operand
    and b
  then deny X
// at the end
";
        assert_eq!(canonical(input), expected);
    }

    #[test]
    fn a_comment_inside_an_unbreakable_expression_goes_before_its_line() {
        let input = "let x = f(a, // the first\n  b)\n";
        assert_eq!(canonical(input), "// the first\nlet x = f(a, b)\n");
    }

    #[test]
    fn long_conditions_break_at_their_top_level_chain() {
        let input = "rule r for d when traveller.document.expiry >= traveller.arrival_date \
                     and not (traveller.nationality in ASEAN_MEMBERS and traveller.purpose in [tourism, business] \
                     and traveller.stay_days <= 30) and any v in traveller.visited where v.country in RISK \
                     and v.departed >= traveller.arrival_date - 6 days and v.departed < traveller.arrival_date \
                     then deny X\n";
        let expected = "\
rule r for d
  when traveller.document.expiry >= traveller.arrival_date
    and not (traveller.nationality in ASEAN_MEMBERS
      and traveller.purpose in [tourism, business]
      and traveller.stay_days <= 30)
    and any v in traveller.visited
      where v.country in RISK
        and v.departed >= traveller.arrival_date - 6 days
        and v.departed < traveller.arrival_date
  then deny X
";
        assert_eq!(canonical(input), expected);
    }

    #[test]
    fn long_records_and_sets_break() {
        let input = "test \"t\" for d { given { name: \"Siti Rahma\", nationality: IDN, birth_date: 1990-05-17, \
                     document: { number: \"B1234567\", kind: passport } } }\n\
                     set S: Country = { AAA, BBB, CCC, DDD, EEE, FFF, GGG, HHH, III, JJJ, KKK, LLL, MMM, NNN, OOO, PPP, QQQ, RRR, SSS, TTT }\n";
        let expected = "\
test \"t\" for d {
  given {
    name: \"Siti Rahma\",
    nationality: IDN,
    birth_date: 1990-05-17,
    document: { number: \"B1234567\", kind: passport },
  }
}

set S: Country = {
  AAA, BBB, CCC, DDD, EEE, FFF, GGG, HHH, III, JJJ, KKK, LLL, MMM, NNN, OOO, PPP, QQQ, RRR, SSS,
  TTT,
}
";
        assert_eq!(canonical(input), expected);
    }

    #[test]
    fn a_long_if_in_a_let_starts_on_its_own_line() {
        let input = "let visa_days for admission = if traveller.visa is present \
                     then days_between(traveller.arrival_date, traveller.visa.valid_until) else 0\n";
        let expected = "\
let visa_days for admission =
  if traveller.visa is present
  then days_between(traveller.arrival_date, traveller.visa.valid_until)
  else 0
";
        assert_eq!(canonical(input), expected);
    }

    #[test]
    fn reasons_stay_grouped_only_where_the_source_grouped_them() {
        let input = "reason A \"a\"\nreason B\n\n\n\nreason C\npurpose P\nimport x\nimport y\n";
        let expected = "reason A \"a\"\nreason B\n\nreason C\n\npurpose P\n\nimport x\nimport y\n";
        assert_eq!(canonical(input), expected);
    }

    #[test]
    fn whitespace_in_the_input_does_not_matter() {
        let tidy = canonical("schema A {\n  x: Int\n}\n\nlet y = 1 + 2\n");
        let messy = canonical("\u{FEFF}schema   A{x:Int,}\r\n\r\n\r\nlet y=1+2   \r\n\r\n");
        assert_eq!(messy, tidy);
    }

    #[test]
    fn a_file_with_syntax_errors_is_left_alone() {
        let result = format("rule r for d\n  when\n");
        assert!(
            result
                .as_ref()
                .is_err_and(|errors| errors.iter().all(Diagnostic::is_error))
        );
        assert!(result.is_err_and(|errors| !errors.is_empty()));
    }

    #[test]
    fn the_output_check_rejects_a_changed_tree() {
        let original = parse(
            FileId(0),
            "rule r for d\n  shadow\n  source \"s\"\n  when a // c\n  then deny X\n",
        );
        let file = &original.file;
        let reordered = "rule r for d\n  source \"s\"\n  shadow\n  when a // c\n  then deny X\n";
        assert!(check_output(file, reordered).is_ok());
        assert!(check_output(file, "rule r for d\n  when b // c\n  then deny X\n").is_err());
        assert!(
            check_output(
                file,
                "rule r for d\n  source \"s\"\n  shadow\n  when a\n  then deny X\n"
            )
            .is_err()
        );
        assert!(check_output(file, "rule r for d\n  when\n").is_err());
    }

    #[test]
    fn parentheses_are_printed_only_where_written() {
        let out = canonical("let x = ((a)) + b * (c - d) otherwise -e\n");
        assert_eq!(out, "let x = ((a)) + b * (c - d) otherwise -e\n");
    }

    #[test]
    fn empty_and_comment_only_files() {
        assert_eq!(canonical(""), "");
        assert_eq!(canonical("\n\n  \n"), "");
        assert_eq!(canonical("// a\n\n\n// b   \n"), "// a\n\n// b\n");
    }
}
