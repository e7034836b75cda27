//! Who defines what and who uses it: every name in a package's syntax
//! trees, resolved to a [`Key`]. Definition, references, rename, hover,
//! symbols and semantic tokens all read this one table.
//!
//! The index is built from the syntax trees (which exist for every item
//! that parses, however broken its neighbours) rather than from the checked
//! program, so it answers while the package has errors; the few facts only
//! the checker knows (a let's type, a set's size) come from the program.

use lintas_check::hir::Program;
use lintas_check::workspace::SourceDb;
use lintas_syntax::FileId;
use lintas_syntax::Span;
use lintas_syntax::ast::*;
use std::collections::HashMap;

/// What a name stands for, independent of where it is written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Schema(String),
    Enum(String),
    EnumValue(String, String),
    Field(String, String),
    /// A let, score, set, table, decision table or aggregate.
    Value(String),
    Column(String, String),
    ScoreTerm(String, String),
    Reason(String),
    Purpose(String),
    Decision(String),
    Outcome(String, String),
    /// The record a decision or sharing decides on, e.g. `traveller`.
    Subject(String),
    Rule(String),
    Sharing(String),
    /// A quantifier's variable, by where it is declared.
    Local(Span),
}

impl Key {
    pub fn name(&self) -> &str {
        match self {
            Key::Schema(n)
            | Key::Enum(n)
            | Key::Value(n)
            | Key::Reason(n)
            | Key::Purpose(n)
            | Key::Decision(n)
            | Key::Rule(n)
            | Key::Sharing(n) => n,
            Key::EnumValue(_, n)
            | Key::Field(_, n)
            | Key::Column(_, n)
            | Key::ScoreTerm(_, n)
            | Key::Outcome(_, n) => n,
            Key::Subject(_) | Key::Local(_) => "",
        }
    }
}

/// One place a name is written.
#[derive(Debug, Clone)]
pub struct Occurrence {
    pub span: Span,
    pub key: Key,
    pub is_def: bool,
}

/// What kind of thing a definition is, for symbols and completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefKind {
    Schema,
    Field,
    Enum,
    EnumValue,
    Set,
    Table,
    Column,
    Reason,
    Purpose,
    Decision,
    Outcome,
    Rule,
    Score,
    ScoreTerm,
    Let,
    DecisionTable,
    Aggregate,
    Sharing,
    Subject,
}

#[derive(Debug, Clone)]
pub struct Def {
    pub key: Key,
    pub kind: DefKind,
    pub name: String,
    /// The name where it is declared.
    pub span: Span,
    /// The whole declaration.
    pub full: Span,
    pub docs: Vec<String>,
    /// A one-line summary: a field's type, a rule's `for` clause.
    pub detail: String,
    /// The item this is declared in (`None` for items themselves).
    pub parent: Option<Key>,
}

/// A type as far as the syntax shows it: enough to follow `a.b.c`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AstTy {
    Schema(String),
    Enum(String),
    /// A row of a reference table (indexing a table gives one).
    Row(String),
    Table(String),
    List(Box<AstTy>),
    Unknown,
}

/// A rule as hover shows it.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    pub name: String,
    pub description: Option<String>,
    pub source: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub mode: Mode,
    pub decisions: Vec<String>,
    pub outcome: String,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Index {
    pub files: Vec<FileId>,
    pub defs: Vec<Def>,
    /// Per file, sorted by start.
    pub occurrences: HashMap<FileId, Vec<Occurrence>>,
    /// Schema name → its fields with their types.
    pub schemas: HashMap<String, Vec<(String, TypeExpr)>>,
    pub enums: HashMap<String, Vec<String>>,
    pub tables: HashMap<String, Vec<(String, TypeExpr)>>,
    /// Decision (or sharing) name → subject name and schema name.
    pub subjects: HashMap<String, (String, String)>,
    pub outcomes: HashMap<String, Vec<String>>,
    /// Names in the value namespace with the kind of each.
    pub values: HashMap<String, DefKind>,
    pub value_types: HashMap<String, AstTy>,
    pub rules: Vec<RuleInfo>,
    pub score_terms: HashMap<String, Vec<(String, String)>>,
    /// The parsed files, for features that need the tree (code actions).
    pub parsed: HashMap<FileId, SourceFile>,
}

impl Index {
    pub fn build(
        db: &SourceDb,
        files: &[FileId],
        program: Option<&Program>,
        cache: &mut lintas_syntax::ParseCache,
    ) -> Index {
        let mut index = Index {
            files: files.to_vec(),
            ..Index::default()
        };
        let parsed: Vec<(FileId, SourceFile)> = files
            .iter()
            .map(|f| (*f, lintas_syntax::parse_cached(*f, db.text(*f), cache).file))
            .collect();
        // First the declarations, so that uses anywhere can be resolved.
        for (_, file) in &parsed {
            for item in &file.items {
                index.declare(item);
            }
        }
        // A let's type may need another let's: two rounds settle the usual
        // chains.
        for _ in 0..2 {
            for (_, file) in &parsed {
                for item in &file.items {
                    if let ItemKind::Let(l) = &item.kind {
                        let mut walker = Walker::new(&index, first(&l.decisions));
                        let ty = walker.infer(&l.value);
                        index.value_types.insert(l.name.name.clone(), ty);
                    }
                }
            }
        }
        let mut occurrences: Vec<Occurrence> = Vec::new();
        for (_, file) in &parsed {
            for item in &file.items {
                let mut walker = Walker::new(&index, None);
                walker.item(item);
                occurrences.append(&mut walker.found);
            }
        }
        for def in &index.defs {
            occurrences.push(Occurrence {
                span: def.span,
                key: def.key.clone(),
                is_def: true,
            });
        }
        for occ in occurrences {
            index
                .occurrences
                .entry(occ.span.file)
                .or_default()
                .push(occ);
        }
        for list in index.occurrences.values_mut() {
            list.sort_by_key(|o| (o.span.start, o.span.end, !o.is_def));
            list.dedup_by(|a, b| a.span == b.span && a.key == b.key);
        }
        let _ = program;
        index.parsed = parsed.into_iter().collect();
        index
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "one call per kind of declaration reads best flat"
    )]
    fn def(
        &mut self,
        key: Key,
        kind: DefKind,
        ident: &Ident,
        full: Span,
        docs: &[String],
        detail: String,
        parent: Option<Key>,
    ) {
        self.defs.push(Def {
            key,
            kind,
            name: ident.name.clone(),
            span: ident.span,
            full,
            docs: docs.to_vec(),
            detail,
            parent,
        });
    }

    fn declare(&mut self, item: &Item) {
        let docs = &item.docs;
        let full = item.span;
        match &item.kind {
            ItemKind::Import(_) | ItemKind::Test(_) => {}
            ItemKind::Schema(s) => {
                let key = Key::Schema(s.name.name.clone());
                self.def(
                    key.clone(),
                    DefKind::Schema,
                    &s.name,
                    full,
                    docs,
                    format!("schema {}", s.name.name),
                    None,
                );
                let mut fields = Vec::new();
                for f in &s.fields {
                    self.def(
                        Key::Field(s.name.name.clone(), f.name.name.clone()),
                        DefKind::Field,
                        &f.name,
                        f.span,
                        &f.docs,
                        type_text(&f.ty),
                        Some(key.clone()),
                    );
                    fields.push((f.name.name.clone(), f.ty.clone()));
                }
                self.schemas.insert(s.name.name.clone(), fields);
            }
            ItemKind::Enum(e) => {
                let key = Key::Enum(e.name.name.clone());
                self.def(
                    key.clone(),
                    DefKind::Enum,
                    &e.name,
                    full,
                    docs,
                    format!("enum {}", e.name.name),
                    None,
                );
                let mut values = Vec::new();
                for v in &e.values {
                    self.def(
                        Key::EnumValue(e.name.name.clone(), v.name.name.clone()),
                        DefKind::EnumValue,
                        &v.name,
                        v.name.span,
                        &v.docs,
                        e.name.name.clone(),
                        Some(key.clone()),
                    );
                    values.push(v.name.name.clone());
                }
                self.enums.insert(e.name.name.clone(), values);
            }
            ItemKind::Set(s) => {
                self.def(
                    Key::Value(s.name.name.clone()),
                    DefKind::Set,
                    &s.name,
                    full,
                    docs,
                    format!("set of {}", type_text(&s.element)),
                    None,
                );
                self.values.insert(s.name.name.clone(), DefKind::Set);
            }
            ItemKind::Table(t) => {
                let key = Key::Value(t.name.name.clone());
                self.def(
                    key.clone(),
                    DefKind::Table,
                    &t.name,
                    full,
                    docs,
                    "table".to_string(),
                    None,
                );
                self.values.insert(t.name.name.clone(), DefKind::Table);
                self.value_types
                    .insert(t.name.name.clone(), AstTy::Table(t.name.name.clone()));
                let mut columns = Vec::new();
                for c in &t.columns {
                    self.def(
                        Key::Column(t.name.name.clone(), c.name.name.clone()),
                        DefKind::Column,
                        &c.name,
                        c.span,
                        &c.docs,
                        type_text(&c.ty),
                        Some(key.clone()),
                    );
                    columns.push((c.name.name.clone(), c.ty.clone()));
                }
                self.tables.insert(t.name.name.clone(), columns);
            }
            ItemKind::Reason(c) => {
                self.def(
                    Key::Reason(c.name.name.clone()),
                    DefKind::Reason,
                    &c.name,
                    full,
                    docs,
                    description(c),
                    None,
                );
            }
            ItemKind::Purpose(c) => {
                self.def(
                    Key::Purpose(c.name.name.clone()),
                    DefKind::Purpose,
                    &c.name,
                    full,
                    docs,
                    description(c),
                    None,
                );
            }
            ItemKind::Decision(d) => {
                let name = d.name.name.clone();
                let key = Key::Decision(name.clone());
                self.def(
                    key.clone(),
                    DefKind::Decision,
                    &d.name,
                    full,
                    docs,
                    format!("decision for {}: {}", d.subject.name, d.schema.name),
                    None,
                );
                self.def(
                    Key::Subject(name.clone()),
                    DefKind::Subject,
                    &d.subject,
                    d.subject.span,
                    &[],
                    d.schema.name.clone(),
                    Some(key.clone()),
                );
                self.subjects.insert(
                    name.clone(),
                    (d.subject.name.clone(), d.schema.name.clone()),
                );
                let mut outcomes = Vec::new();
                for clause in &d.clauses {
                    match clause {
                        DecisionClause::Outcomes(list, _) => {
                            for o in list {
                                self.def(
                                    Key::Outcome(name.clone(), o.name.clone()),
                                    DefKind::Outcome,
                                    o,
                                    o.span,
                                    &[],
                                    format!("outcome of {name}"),
                                    Some(key.clone()),
                                );
                                outcomes.push(o.name.clone());
                            }
                        }
                        DecisionClause::Aggregate(a) => {
                            self.def(
                                Key::Value(a.name.name.clone()),
                                DefKind::Aggregate,
                                &a.name,
                                a.span,
                                &[],
                                "aggregate: Int".to_string(),
                                Some(key.clone()),
                            );
                            self.values.insert(a.name.name.clone(), DefKind::Aggregate);
                        }
                        DecisionClause::Default(..) | DecisionClause::OnError(..) => {}
                    }
                }
                self.outcomes.insert(name, outcomes);
            }
            ItemKind::Rule(r) => {
                let decisions: Vec<String> = r.decisions.iter().map(|d| d.name.clone()).collect();
                self.def(
                    Key::Rule(r.name.name.clone()),
                    DefKind::Rule,
                    &r.name,
                    full,
                    docs,
                    format!("rule for {}", decisions.join(", ")),
                    None,
                );
                let mut info = RuleInfo {
                    name: r.name.name.clone(),
                    description: r.description.as_ref().map(|s| s.value.clone()),
                    source: None,
                    from: None,
                    to: None,
                    mode: Mode::Enforce,
                    decisions,
                    outcome: r.outcome.name.clone(),
                    reason: r.reason.name.clone(),
                };
                for clause in &r.clauses {
                    match clause {
                        RuleClause::Source(s) => info.source = Some(s.value.clone()),
                        RuleClause::Effective { from, to, .. } => {
                            info.from = from.as_ref().map(|d| d.text.clone());
                            info.to = to.as_ref().map(|d| d.text.clone());
                        }
                        RuleClause::Mode(m, _) => info.mode = *m,
                        RuleClause::AppliesTo(..) => {}
                    }
                }
                self.rules.push(info);
            }
            ItemKind::Score(s) => {
                let key = Key::Value(s.name.name.clone());
                self.def(
                    key.clone(),
                    DefKind::Score,
                    &s.name,
                    full,
                    docs,
                    "score".to_string(),
                    None,
                );
                self.values.insert(s.name.name.clone(), DefKind::Score);
                let mut terms = Vec::new();
                for t in &s.terms {
                    let weight = lintas_syntax::format::flat(&t.weight);
                    self.def(
                        Key::ScoreTerm(s.name.name.clone(), t.name.name.clone()),
                        DefKind::ScoreTerm,
                        &t.name,
                        t.span,
                        &t.docs,
                        format!("weight {weight}"),
                        Some(key.clone()),
                    );
                    terms.push((t.name.name.clone(), weight));
                }
                self.score_terms.insert(s.name.name.clone(), terms);
            }
            ItemKind::Let(l) => {
                self.def(
                    Key::Value(l.name.name.clone()),
                    DefKind::Let,
                    &l.name,
                    full,
                    docs,
                    "let".to_string(),
                    None,
                );
                self.values.insert(l.name.name.clone(), DefKind::Let);
            }
            ItemKind::DecisionTable(t) => {
                self.def(
                    Key::Value(t.name.name.clone()),
                    DefKind::DecisionTable,
                    &t.name,
                    full,
                    docs,
                    format!("decision table, hit {}", t.hit.as_str()),
                    None,
                );
                self.values
                    .insert(t.name.name.clone(), DefKind::DecisionTable);
            }
            ItemKind::Sharing(s) => {
                let key = Key::Sharing(s.name.name.clone());
                self.def(
                    key.clone(),
                    DefKind::Sharing,
                    &s.name,
                    full,
                    docs,
                    format!("sharing for {}: {}", s.subject.name, s.schema.name),
                    None,
                );
                let subject_key = format!("sharing {}", s.name.name);
                self.def(
                    Key::Subject(subject_key.clone()),
                    DefKind::Subject,
                    &s.subject,
                    s.subject.span,
                    &[],
                    s.schema.name.clone(),
                    Some(key),
                );
                self.subjects
                    .insert(subject_key, (s.subject.name.clone(), s.schema.name.clone()));
            }
        }
    }

    /// The occurrence under a byte offset, preferring one that starts there
    /// or ends there (the cursor just after a name).
    pub fn at(&self, file: FileId, offset: usize) -> Option<&Occurrence> {
        let list = self.occurrences.get(&file)?;
        let offset = u32::try_from(offset).unwrap_or(u32::MAX);
        list.iter()
            .find(|o| o.span.start <= offset && offset < o.span.end)
            .or_else(|| {
                list.iter()
                    .find(|o| o.span.end == offset && o.span.start < offset)
            })
    }

    pub fn defs_of(&self, key: &Key) -> impl Iterator<Item = &Def> {
        self.defs.iter().filter(move |d| &d.key == key)
    }

    pub fn occurrences_of<'a>(&'a self, key: &'a Key) -> impl Iterator<Item = &'a Occurrence> + 'a {
        self.occurrences
            .values()
            .flat_map(|l| l.iter())
            .filter(move |o| &o.key == key)
    }

    /// The type named by a type expression.
    pub fn resolve_type(&self, ty: &TypeExpr) -> AstTy {
        match ty {
            TypeExpr::Named(id) => {
                if self.schemas.contains_key(&id.name) {
                    AstTy::Schema(id.name.clone())
                } else if self.enums.contains_key(&id.name) {
                    AstTy::Enum(id.name.clone())
                } else {
                    AstTy::Unknown
                }
            }
            TypeExpr::Optional(inner, _) => self.resolve_type(inner),
            TypeExpr::List(inner, _) => AstTy::List(Box::new(self.resolve_type(inner))),
        }
    }

    /// The fields of a value of this type, with their keys and types.
    pub fn fields_of(&self, ty: &AstTy) -> Vec<(Key, String, &TypeExpr)> {
        match ty {
            AstTy::Schema(s) => self
                .schemas
                .get(s)
                .map(|fs| {
                    fs.iter()
                        .map(|(n, t)| (Key::Field(s.clone(), n.clone()), n.clone(), t))
                        .collect()
                })
                .unwrap_or_default(),
            AstTy::Row(t) => self
                .tables
                .get(t)
                .map(|cs| {
                    cs.iter()
                        .map(|(n, ty)| (Key::Column(t.clone(), n.clone()), n.clone(), ty))
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// The subject (name, schema) of a decision or sharing.
    pub fn subject_of(&self, decision: &str) -> Option<&(String, String)> {
        self.subjects.get(decision)
    }

    /// Which enum a bare name is a value of.
    pub fn enum_of_value(&self, name: &str) -> Option<&str> {
        let mut names: Vec<&String> = self.enums.keys().collect();
        names.sort();
        names
            .into_iter()
            .find(|e| {
                self.enums
                    .get(*e)
                    .is_some_and(|vs| vs.iter().any(|v| v == name))
            })
            .map(String::as_str)
    }
}

fn first(idents: &[Ident]) -> Option<String> {
    idents.first().map(|i| i.name.clone())
}

fn description(c: &CodeDecl) -> String {
    c.description
        .as_ref()
        .map(|d| d.value.clone())
        .unwrap_or_default()
}

/// A type expression as written.
pub fn type_text(ty: &TypeExpr) -> String {
    match ty {
        TypeExpr::Named(id) => id.name.clone(),
        TypeExpr::Optional(inner, _) => format!("optional {}", type_text(inner)),
        TypeExpr::List(inner, _) => format!("list of {}", type_text(inner)),
    }
}

/// Walks one item's expressions, resolving names in scope.
struct Walker<'a> {
    index: &'a Index,
    /// The decision whose subject is in scope, if any.
    decision: Option<String>,
    locals: Vec<(String, Span, AstTy)>,
    found: Vec<Occurrence>,
    depth: usize,
}

impl<'a> Walker<'a> {
    fn new(index: &'a Index, decision: Option<String>) -> Walker<'a> {
        Walker {
            index,
            decision,
            locals: Vec::new(),
            found: Vec::new(),
            depth: 0,
        }
    }

    fn add(&mut self, span: Span, key: Key) {
        self.found.push(Occurrence {
            span,
            key,
            is_def: false,
        });
    }

    fn decision_refs(&mut self, decisions: &[Ident]) {
        for d in decisions {
            if self.index.subjects.contains_key(&d.name) {
                self.add(d.span, Key::Decision(d.name.clone()));
            }
        }
        self.decision = first(decisions);
    }

    fn type_ref(&mut self, ty: &TypeExpr) {
        match ty {
            TypeExpr::Named(id) => {
                if self.index.schemas.contains_key(&id.name) {
                    self.add(id.span, Key::Schema(id.name.clone()));
                } else if self.index.enums.contains_key(&id.name) {
                    self.add(id.span, Key::Enum(id.name.clone()));
                }
            }
            TypeExpr::Optional(inner, _) | TypeExpr::List(inner, _) => self.type_ref(inner),
        }
    }

    fn outcome(&mut self, decisions: &[String], id: &Ident) {
        for d in decisions {
            if self
                .index
                .outcomes
                .get(d)
                .is_some_and(|os| os.contains(&id.name))
            {
                self.add(id.span, Key::Outcome(d.clone(), id.name.clone()));
            }
        }
    }

    fn reason(&mut self, id: &Ident) {
        self.add(id.span, Key::Reason(id.name.clone()));
    }

    fn item(&mut self, item: &Item) {
        match &item.kind {
            ItemKind::Import(_) | ItemKind::Reason(_) | ItemKind::Purpose(_) => {}
            ItemKind::Schema(s) => {
                for f in &s.fields {
                    self.type_ref(&f.ty);
                }
            }
            ItemKind::Enum(_) => {}
            ItemKind::Set(s) => {
                self.type_ref(&s.element);
                if let SetContents::Inline(values) = &s.contents {
                    for v in values {
                        self.expr(v);
                    }
                }
            }
            ItemKind::Table(t) => {
                for c in &t.columns {
                    self.type_ref(&c.ty);
                }
                if let TableContents::Rows(rows) = &t.contents {
                    for row in rows {
                        for cell in &row.cells {
                            self.expr(cell);
                        }
                    }
                }
            }
            ItemKind::Decision(d) => {
                self.decision = Some(d.name.name.clone());
                if self.index.schemas.contains_key(&d.schema.name) {
                    self.add(d.schema.span, Key::Schema(d.schema.name.clone()));
                }
                let name = vec![d.name.name.clone()];
                for clause in &d.clauses {
                    match clause {
                        DecisionClause::Default(o, _) | DecisionClause::OnError(o, _) => {
                            self.outcome(&name, o)
                        }
                        DecisionClause::Aggregate(a) => {
                            for k in &a.keys {
                                self.expr(k);
                            }
                            if let Some(f) = &a.filter {
                                self.expr(f);
                            }
                        }
                        DecisionClause::Outcomes(..) => {}
                    }
                }
            }
            ItemKind::Rule(r) => {
                self.decision_refs(&r.decisions);
                for clause in &r.clauses {
                    if let RuleClause::AppliesTo(list, _) = clause {
                        for e in list {
                            self.expr(e);
                        }
                    }
                }
                self.expr(&r.condition);
                let decisions: Vec<String> = r.decisions.iter().map(|d| d.name.clone()).collect();
                self.outcome(&decisions, &r.outcome);
                self.reason(&r.reason);
                for b in &r.values {
                    self.expr(&b.value);
                }
            }
            ItemKind::Score(s) => {
                self.decision_refs(&s.decisions);
                for t in &s.terms {
                    self.expr(&t.weight);
                    if let Some(c) = &t.condition {
                        self.expr(c);
                    }
                }
            }
            ItemKind::Let(l) => {
                self.decision_refs(&l.decisions);
                self.expr(&l.value);
            }
            ItemKind::DecisionTable(t) => {
                self.decision_refs(&t.decisions);
                if let Some(d) = &t.default {
                    self.expr(d);
                }
                for i in &t.inputs {
                    self.expr(i);
                }
                for row in &t.rows {
                    for cell in &row.cells {
                        match cell {
                            Cell::Any(_) => {}
                            Cell::In(e, _) | Cell::NotIn(e, _) | Cell::Compare(_, e, _) => {
                                self.expr(e);
                            }
                            Cell::Values(es, _) => {
                                for e in es {
                                    self.expr(e);
                                }
                            }
                        }
                    }
                    self.expr(&row.result);
                }
            }
            ItemKind::Sharing(s) => {
                self.decision = Some(format!("sharing {}", s.name.name));
                if self.index.schemas.contains_key(&s.schema.name) {
                    self.add(s.schema.span, Key::Schema(s.schema.name.clone()));
                }
                for clause in &s.clauses {
                    match clause {
                        SharingClause::Withhold(w) => {
                            for f in &w.fields {
                                self.expr(f);
                            }
                            if let Some(u) = &w.unless {
                                self.expr(u);
                            }
                        }
                        SharingClause::Allow(a) => {
                            for f in &a.fields {
                                self.expr(f);
                            }
                            self.expr(&a.recipients);
                            for p in &a.purposes {
                                self.add(p.span, Key::Purpose(p.name.clone()));
                            }
                            if let Some(c) = &a.condition {
                                self.expr(c);
                            }
                        }
                    }
                }
            }
            ItemKind::Test(t) => self.test(t),
        }
    }

    fn test(&mut self, t: &Test) {
        let target = t.target.name.clone();
        let sharing_key = format!("sharing {target}");
        let subject_schema = if let Some((_, schema)) = self.index.subjects.get(&target) {
            self.add(t.target.span, Key::Decision(target.clone()));
            Some(schema.clone())
        } else if let Some((_, schema)) = self.index.subjects.get(&sharing_key) {
            self.add(t.target.span, Key::Sharing(target.clone()));
            self.decision = Some(sharing_key);
            Some(schema.clone())
        } else {
            None
        };
        if self.decision.is_none() {
            self.decision = Some(target.clone());
        }
        let record = subject_schema.map_or(AstTy::Unknown, AstTy::Schema);
        let decisions = vec![target];
        for clause in &t.clauses {
            match clause {
                TestClause::Context(e) => {
                    self.expr(e);
                }
                TestClause::Given {
                    manifest, value, ..
                } => {
                    let expected = if *manifest {
                        AstTy::List(Box::new(record.clone()))
                    } else {
                        record.clone()
                    };
                    self.literal(value, &expected);
                }
                TestClause::Expect(x) => match x {
                    Expectation::Outcome(o) | Expectation::Member { outcome: o, .. } => {
                        self.outcome(&decisions, &o.outcome);
                        for r in o.reasons.iter().flatten() {
                            self.reason(&r.code);
                            for b in &r.values {
                                self.expr(&b.value);
                            }
                        }
                    }
                    Expectation::Shared(es, _) | Expectation::Withheld(es, _) => {
                        for e in es {
                            self.expr(e);
                        }
                    }
                },
            }
        }
    }

    /// A test's input: record keys are the schema's fields.
    fn literal(&mut self, e: &Expr, expected: &AstTy) {
        if self.depth > 64 {
            return;
        }
        self.depth += 1;
        match (&e.kind, expected) {
            (ExprKind::Record(fields), AstTy::Schema(_)) => {
                let known = self.index.fields_of(expected);
                for (name, value) in fields {
                    match known.iter().find(|(_, n, _)| *n == name.name) {
                        Some((key, _, ty)) => {
                            self.add(name.span, key.clone());
                            let ty = self.index.resolve_type(ty);
                            self.literal(value, &ty);
                        }
                        None => self.literal(value, &AstTy::Unknown),
                    }
                }
            }
            (ExprKind::List(items), AstTy::List(inner)) => {
                for i in items {
                    self.literal(i, inner);
                }
            }
            (ExprKind::Record(fields), _) => {
                for (_, value) in fields {
                    self.literal(value, &AstTy::Unknown);
                }
            }
            (ExprKind::List(items), _) => {
                for i in items {
                    self.literal(i, &AstTy::Unknown);
                }
            }
            (ExprKind::Name(id), AstTy::Enum(en)) => {
                if self
                    .index
                    .enums
                    .get(en)
                    .is_some_and(|vs| vs.contains(&id.name))
                {
                    self.add(id.span, Key::EnumValue(en.clone(), id.name.clone()));
                }
            }
            _ => {
                self.expr(e);
            }
        }
        self.depth -= 1;
    }

    /// Resolves the names in an expression and gives its type, as far as
    /// the syntax shows it.
    fn expr(&mut self, e: &Expr) -> AstTy {
        if self.depth > 256 {
            return AstTy::Unknown;
        }
        self.depth += 1;
        let ty = self.expr_inner(e);
        self.depth -= 1;
        ty
    }

    fn infer(&mut self, e: &Expr) -> AstTy {
        let ty = self.expr(e);
        self.found.clear();
        ty
    }

    fn name(&mut self, id: &Ident) -> AstTy {
        if let Some((_, span, ty)) = self.locals.iter().rev().find(|(n, _, _)| *n == id.name) {
            let (span, ty) = (*span, ty.clone());
            self.add(id.span, Key::Local(span));
            return ty;
        }
        if let Some(decision) = &self.decision
            && let Some((subject, schema)) = self.index.subjects.get(decision)
            && *subject == id.name
        {
            let (decision, schema) = (decision.clone(), schema.clone());
            self.add(id.span, Key::Subject(decision));
            return AstTy::Schema(schema);
        }
        if self.index.values.contains_key(&id.name) {
            self.add(id.span, Key::Value(id.name.clone()));
            return self
                .index
                .value_types
                .get(&id.name)
                .cloned()
                .unwrap_or(AstTy::Unknown);
        }
        if let Some(en) = self.index.enum_of_value(&id.name) {
            let en = en.to_string();
            self.add(id.span, Key::EnumValue(en.clone(), id.name.clone()));
            return AstTy::Enum(en);
        }
        AstTy::Unknown
    }

    fn expr_inner(&mut self, e: &Expr) -> AstTy {
        match &e.kind {
            ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Decimal(_)
            | ExprKind::Text(_)
            | ExprKind::Date(_)
            | ExprKind::Duration { .. } => AstTy::Unknown,
            ExprKind::Name(id) => self.name(id),
            ExprKind::Field(base, name) => {
                let base_ty = self.expr(base);
                let fields = self.index.fields_of(&base_ty);
                match fields.iter().find(|(_, n, _)| *n == name.name) {
                    Some((key, _, ty)) => {
                        let resolved = self.index.resolve_type(ty);
                        self.add(name.span, key.clone());
                        resolved
                    }
                    None => AstTy::Unknown,
                }
            }
            ExprKind::Index(base, keys) => {
                let base_ty = self.expr(base);
                for k in keys {
                    self.expr(k);
                }
                match base_ty {
                    AstTy::Table(t) => AstTy::Row(t),
                    AstTy::List(inner) => *inner,
                    _ => AstTy::Unknown,
                }
            }
            ExprKind::Call(_, args) => {
                for a in args {
                    self.expr(a);
                }
                AstTy::Unknown
            }
            ExprKind::Unary(_, inner) | ExprKind::Presence(inner, _) => {
                self.expr(inner);
                AstTy::Unknown
            }
            ExprKind::Paren(inner) => self.expr(inner),
            ExprKind::Binary(op, l, r) => {
                let lt = self.expr(l);
                let rt = self.expr(r);
                if *op == BinOp::Otherwise {
                    if lt == AstTy::Unknown { rt } else { lt }
                } else {
                    AstTy::Unknown
                }
            }
            ExprKind::If(c, t, f) => {
                self.expr(c);
                let tt = self.expr(t);
                let ft = self.expr(f);
                if tt == AstTy::Unknown { ft } else { tt }
            }
            ExprKind::Quantifier {
                var, over, body, ..
            } => {
                let over_ty = self.expr(over);
                let element = match over_ty {
                    AstTy::List(inner) => *inner,
                    _ => AstTy::Unknown,
                };
                self.found.push(Occurrence {
                    span: var.span,
                    key: Key::Local(var.span),
                    is_def: true,
                });
                self.locals.push((var.name.clone(), var.span, element));
                self.expr(body);
                self.locals.pop();
                AstTy::Unknown
            }
            ExprKind::List(items) => {
                let mut element = AstTy::Unknown;
                for i in items {
                    let t = self.expr(i);
                    if element == AstTy::Unknown {
                        element = t;
                    }
                }
                AstTy::List(Box::new(element))
            }
            ExprKind::Record(fields) => {
                for (_, v) in fields {
                    self.expr(v);
                }
                AstTy::Unknown
            }
        }
    }
}

/// Resolves a dotted chain typed in a half-written line (`traveller.doc`),
/// for completion, using what the index knows of the enclosing item.
pub fn chain_type(
    index: &Index,
    chain: &[&str],
    item_text: &str,
    decision: Option<&str>,
    depth: usize,
) -> AstTy {
    let Some((root, rest)) = chain.split_first() else {
        return AstTy::Unknown;
    };
    if depth > 8 {
        return AstTy::Unknown;
    }
    let mut ty = root_type(index, root, item_text, decision, depth);
    for name in rest {
        let fields = index.fields_of(&ty);
        ty = match fields.iter().find(|(_, n, _)| n == name) {
            Some((_, _, t)) => index.resolve_type(t),
            None => return AstTy::Unknown,
        };
        if let AstTy::List(inner) = ty {
            // `a.list.x` is not valid, but a list's element is what a
            // quantifier variable over it holds.
            ty = AstTy::List(inner);
        }
    }
    ty
}

fn root_type(
    index: &Index,
    root: &str,
    item_text: &str,
    decision: Option<&str>,
    depth: usize,
) -> AstTy {
    // A quantifier variable: `any visit in traveller.visited where`.
    let words: Vec<&str> = item_text
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .collect();
    for w in words.windows(4).rev() {
        if let [q, var, kw_in, over] = w
            && matches!(*q, "any" | "all" | "count")
            && *var == root
            && *kw_in == "in"
        {
            let over_chain: Vec<&str> = over.split('.').collect();
            if let AstTy::List(inner) =
                chain_type(index, &over_chain, item_text, decision, depth + 1)
            {
                return *inner;
            }
        }
    }
    if let Some(d) = decision
        && let Some((subject, schema)) = index.subjects.get(d)
        && subject == root
    {
        return AstTy::Schema(schema.clone());
    }
    let mut decisions: Vec<&String> = index.subjects.keys().collect();
    decisions.sort();
    for d in decisions {
        if let Some((subject, schema)) = index.subjects.get(d)
            && subject == root
        {
            return AstTy::Schema(schema.clone());
        }
    }
    if let Some(ty) = index.value_types.get(root) {
        return ty.clone();
    }
    AstTy::Unknown
}
