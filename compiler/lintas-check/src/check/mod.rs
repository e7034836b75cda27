//! The checker: from parsed packages to a [`Program`] and diagnostics. It
//! never stops at the first problem; an expression with an error gets the
//! type [`Ty::Error`], which fits everywhere, so one mistake reports once.

pub(crate) mod data;
mod derived;
mod expr;
mod items;
mod narrow;
mod tests;

use crate::hir::{EnumDef, FieldDef, PackageInfo, Program, RecordDef};
use crate::types::{EnumId, RecordId, TableId, Ty};
use crate::workspace::{PackageId, Workspace};
use lintas_syntax::ast::{Item, ItemKind, TypeExpr};
use lintas_syntax::{Diagnostic, FileId, Span, codes};
use std::collections::{BTreeSet, HashMap, HashSet};

/// What checking one package gives.
#[derive(Debug, Clone)]
pub struct CheckResult {
    /// The checked program; present even when there are errors, so that
    /// tools can still offer what is known (the language server's hover).
    pub program: Program,
    pub diagnostics: Vec<Diagnostic>,
}

impl CheckResult {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Checks one package of the workspace, with the packages it extends.
pub fn check_package(ws: &Workspace, id: PackageId) -> CheckResult {
    check(ws, id, None)
}

/// As [`check_package`], reusing the parses of unchanged items from
/// `cache` (for the language server, which checks on every keystroke).
pub fn check_package_cached(
    ws: &Workspace,
    id: PackageId,
    cache: &mut lintas_syntax::ParseCache,
) -> CheckResult {
    check(ws, id, Some(cache))
}

fn check(
    ws: &Workspace,
    id: PackageId,
    mut cache: Option<&mut lintas_syntax::ParseCache>,
) -> CheckResult {
    let mut diagnostics = Vec::new();
    let chain = extension_chain(ws, id, &mut diagnostics);
    let mut parsed_files = Vec::new();
    for (level, package) in chain.iter().enumerate() {
        if let Some(input) = ws.package(*package) {
            for &file in &input.sources {
                let parsed = match cache.as_deref_mut() {
                    Some(cache) => lintas_syntax::parse_cached(file, ws.db.text(file), cache),
                    None => lintas_syntax::parse(file, ws.db.text(file)),
                };
                diagnostics.extend(parsed.diagnostics);
                parsed_files.push((level, parsed.file));
            }
        }
    }
    let items: Vec<ItemRef<'_>> = parsed_files
        .iter()
        .flat_map(|(level, file)| {
            file.items.iter().map(move |item| ItemRef {
                level: *level,
                item,
            })
        })
        .collect();
    let mut checker = Checker::new(ws, &chain, items);
    for (_, file) in &parsed_files {
        for broken in &file.broken {
            checker
                .broken_declared
                .extend(broken.declares.iter().cloned());
            checker
                .broken_mentions
                .extend(broken.mentions.iter().cloned());
        }
    }
    checker.run();
    diagnostics.append(&mut checker.diagnostics);
    CheckResult {
        program: checker.program,
        diagnostics: dedupe(diagnostics),
    }
}

/// The package and the ones it extends, base first. Cycles and missing
/// bases are reported by the loader; here a cycle just stops the walk.
fn extension_chain(
    ws: &Workspace,
    id: PackageId,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<PackageId> {
    let mut chain = vec![id];
    let mut seen = HashSet::from([id]);
    let mut current = id;
    while let Some(base) = ws.package(current).and_then(|p| p.base) {
        if !seen.insert(base) {
            if let Some(input) = ws.package(id) {
                let span = input
                    .manifest
                    .as_ref()
                    .and_then(|m| m.extends.as_ref())
                    .map_or(Span::new(input.manifest_file, 0, 0), |l| l.span);
                diagnostics.push(
                    Diagnostic::error(codes::BAD_PACKAGE_LINK, span, "packages extend each other in a cycle")
                        .help("a member overlay extends the baseline; the baseline must not extend it back"),
                );
            }
            break;
        }
        chain.push(base);
        current = base;
    }
    chain.reverse();
    chain
}

/// The first name in backticks in a message.
fn first_quoted(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message.get(start..)?.find('`')?;
    message.get(start..start + len)
}

/// Diagnostics in file and position order, without repeats (a base
/// package's items are checked again inside every overlay).
fn dedupe(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut seen = HashSet::new();
    let mut unique: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter(|d| seen.insert((d.code, d.primary.span, d.message.clone())))
        .collect();
    unique.sort_by_key(|d| {
        (
            d.primary.span.file,
            d.primary.span.start,
            d.primary.span.end,
        )
    });
    unique
}

#[derive(Clone, Copy)]
struct ItemRef<'a> {
    /// Position of the item's package in the extension chain (0 = the base).
    level: usize,
    item: &'a Item,
}

/// A name in the value namespace.
#[derive(Debug, Clone)]
enum ValueEntry {
    Set(usize),
    Table(TableId),
    /// A let, score or decision table, checked when first used.
    Derived(usize),
    Import(PackageId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Namespace {
    Type,
    Value,
    Decision,
    Rule,
    Reason,
    Purpose,
}

fn namespace(kind: &ItemKind) -> Option<Namespace> {
    Some(match kind {
        ItemKind::Schema(_) | ItemKind::Enum(_) => Namespace::Type,
        ItemKind::Import(_)
        | ItemKind::Set(_)
        | ItemKind::Table(_)
        | ItemKind::Let(_)
        | ItemKind::Score(_)
        | ItemKind::DecisionTable(_) => Namespace::Value,
        ItemKind::Decision(_) | ItemKind::Sharing(_) => Namespace::Decision,
        ItemKind::Rule(_) => Namespace::Rule,
        ItemKind::Reason(_) => Namespace::Reason,
        ItemKind::Purpose(_) => Namespace::Purpose,
        ItemKind::Test(_) => return None,
    })
}

const BUILTIN_TYPES: &[&str] = &[
    "Bool",
    "Int",
    "Decimal",
    "Text",
    "Date",
    "Duration",
    "Country",
    "Context",
    "Emergency",
];

/// The lexical surroundings of an expression.
#[derive(Debug, Clone, Default)]
struct Scope {
    decision: Option<usize>,
    subject: Option<(String, Ty)>,
    locals: Vec<(String, Ty)>,
    /// Optional paths known to be present here.
    facts: Vec<String>,
    /// Inside a decision's screening logic, where reading a sensitive field
    /// is flagged.
    decision_logic: bool,
    /// Record literals are allowed: test inputs, contexts, reference data.
    literals: bool,
}

impl Scope {
    fn with_facts(&self, facts: Vec<String>) -> Scope {
        let mut scope = self.clone();
        scope.facts.extend(facts);
        scope
    }

    fn with_local(&self, name: &str, ty: Ty) -> Scope {
        let mut scope = self.clone();
        // A new binding hides facts about an outer variable of the same name.
        scope
            .facts
            .retain(|f| f != name && !f.starts_with(&format!("{name}.")));
        scope.locals.push((name.to_string(), ty));
        scope
    }

    /// A quantifier variable: its de Bruijn index (innermost 0) and type.
    fn local(&self, name: &str) -> Option<(u32, Ty)> {
        self.locals
            .iter()
            .rev()
            .position(|(n, _)| n == name)
            .and_then(|depth| {
                let index = self.locals.len().checked_sub(depth + 1)?;
                let ty = self.locals.get(index)?.1.clone();
                Some((u32::try_from(depth).unwrap_or(u32::MAX), ty))
            })
    }

    /// `ty` with its optionality removed when `path` is known present.
    fn narrowed(&self, path: &str, ty: Ty) -> Ty {
        match ty {
            Ty::Optional(inner) if self.facts.iter().any(|f| f == path) => *inner,
            other => other,
        }
    }

    fn visible_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.locals.iter().map(|(n, _)| n.clone()).collect();
        if let Some((s, _)) = &self.subject {
            names.push(s.clone());
        }
        names
    }

    /// A hint for a bare name that is an enum value of some enum, used where
    /// the expected type was not known.
    fn enum_hint(&self, checker: &Checker<'_>, name: &str) -> Option<String> {
        checker
            .program
            .enums
            .iter()
            .find(|e| e.values.iter().any(|v| v == name))
            .map(|e| {
                format!(
                    "`{name}` is a value of `{}`; compare it with a `{}` value",
                    e.name, e.name
                )
            })
    }
}

struct Checker<'a> {
    ws: &'a Workspace,
    chain: &'a [PackageId],
    items: Vec<ItemRef<'a>>,
    diagnostics: Vec<Diagnostic>,
    program: Program,
    types: HashMap<String, TypeEntry>,
    values: HashMap<String, ValueEntry>,
    decisions: HashMap<String, usize>,
    sharings: HashMap<String, usize>,
    /// Decision and sharing items by name, to their item index.
    decision_items: HashMap<String, usize>,
    /// Rule items in declaration order after overrides.
    rules: Vec<usize>,
    /// Per decision: derived values checked so far and their state.
    derived_state: HashMap<(usize, String), derived::State>,
    constants: HashMap<String, Option<crate::hir::Expr>>,
    used_reasons: BTreeSet<String>,
    used_derived: HashSet<usize>,
    /// Items that are what their names mean after overrides and duplicates.
    live: HashSet<usize>,
    /// Reason codes declared by the package being checked, not its bases.
    local_reasons: HashSet<String>,
    /// Names declared by items that did not parse: not reported as unknown.
    broken_declared: HashSet<String>,
    /// Words used by items that did not parse: not reported as unused.
    broken_mentions: HashSet<String>,
}

#[derive(Debug, Clone, Copy)]
enum TypeEntry {
    Record(RecordId),
    Enum(EnumId),
}

impl<'a> Checker<'a> {
    fn new(ws: &'a Workspace, chain: &'a [PackageId], items: Vec<ItemRef<'a>>) -> Checker<'a> {
        let (name, version, extends) = {
            let manifest = chain
                .last()
                .and_then(|id| ws.package(*id))
                .and_then(|p| p.manifest.as_ref());
            let extends = chain
                .iter()
                .rev()
                .skip(1)
                .filter_map(|id| ws.package(*id)?.manifest.as_ref().map(|m| m.name.clone()))
                .collect();
            (
                manifest.map_or_else(String::new, |m| m.name.clone()),
                manifest.map_or_else(String::new, |m| m.version.to_string()),
                extends,
            )
        };
        Checker {
            ws,
            chain,
            items,
            diagnostics: Vec::new(),
            program: Program {
                package: PackageInfo {
                    name,
                    version,
                    extends,
                },
                records: Vec::new(),
                enums: Vec::new(),
                sets: Vec::new(),
                tables: Vec::new(),
                reasons: Vec::new(),
                purposes: Vec::new(),
                decisions: Vec::new(),
                sharings: Vec::new(),
                tests: Vec::new(),
                context: RecordId(0),
                purpose_enum: EnumId(0),
            },
            types: HashMap::new(),
            values: HashMap::new(),
            decisions: HashMap::new(),
            sharings: HashMap::new(),
            decision_items: HashMap::new(),
            rules: Vec::new(),
            derived_state: HashMap::new(),
            constants: HashMap::new(),
            used_reasons: BTreeSet::new(),
            used_derived: HashSet::new(),
            live: HashSet::new(),
            local_reasons: HashSet::new(),
            broken_declared: HashSet::new(),
            broken_mentions: HashSet::new(),
        }
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        // An item that did not parse already has its syntax error; what it
        // would have declared or used must not cause a second one.
        let named = first_quoted(&diagnostic.message);
        let follow_on = match diagnostic.code {
            codes::UNKNOWN_NAME
            | codes::UNKNOWN_TYPE
            | codes::UNKNOWN_REASON
            | codes::UNKNOWN_DECISION
            | codes::UNKNOWN_PURPOSE
            | codes::UNKNOWN_FUNCTION => named.is_some_and(|n| self.broken_declared.contains(n)),
            codes::UNUSED => named.is_some_and(|n| self.broken_mentions.contains(n)),
            _ => false,
        };
        if !follow_on {
            self.diagnostics.push(diagnostic);
        }
    }

    fn source_text(&self, span: Span) -> String {
        let text = self.ws.db.text(span.file).get(span.range()).unwrap_or("");
        let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if flat.chars().count() > 60 {
            let short: String = flat.chars().take(57).collect();
            format!("{short}...")
        } else {
            flat
        }
    }

    fn package_name(&self, level: usize) -> String {
        self.chain
            .get(level)
            .and_then(|id| self.ws.package(*id))
            .and_then(|p| p.manifest.as_ref())
            .map_or_else(String::new, |m| m.name.clone())
    }

    fn run(&mut self) {
        self.register_names();
        self.build_types();
        self.build_codes();
        self.build_data();
        self.build_decisions();
        self.check_rules();
        self.check_unreferenced_derived();
        self.check_sharings();
        self.check_tests();
        self.report_unused();
    }

    // ------------------------------------------------------------ names

    fn register_names(&mut self) {
        let mut seen: HashMap<(Namespace, String), usize> = HashMap::new();
        let items = self.items.clone();
        for (index, item_ref) in items.iter().enumerate() {
            let item = item_ref.item;
            let (Some(ns), Some(name)) = (namespace(&item.kind), item.name()) else {
                self.live.insert(index);
                continue;
            };
            if name.name.is_empty() {
                continue;
            }
            let overridable = matches!(
                item.kind,
                ItemKind::Rule(_)
                    | ItemKind::Set(_)
                    | ItemKind::Table(_)
                    | ItemKind::Let(_)
                    | ItemKind::Score(_)
                    | ItemKind::DecisionTable(_)
            );
            if ns == Namespace::Type && BUILTIN_TYPES.contains(&name.name.as_str()) {
                self.report(
                    Diagnostic::error(
                        codes::DUPLICATE,
                        name.span,
                        format!("`{}` is a built-in type", name.name),
                    )
                    .help("choose another name for the schema or enum"),
                );
                continue;
            }
            let key = (ns, name.name.clone());
            let existing = seen.get(&key).copied();
            let existing_ref = existing.and_then(|e| items.get(e).copied());
            if item.overrides {
                if !overridable {
                    self.report(
                        Diagnostic::error(
                            codes::NOT_ALLOWED_HERE,
                            item.span,
                            format!("a {} cannot be overridden", item.keyword()),
                        )
                        .help("`override` applies to rules, sets, tables, lets, scores and decision tables"),
                    );
                    continue;
                }
                match existing_ref {
                    Some(base)
                        if base.level < item_ref.level && base.item.keyword() == item.keyword() =>
                    {
                        seen.insert(key, index);
                        if let Some(pos) = self
                            .rules
                            .iter()
                            .position(|r| *r == existing.unwrap_or(usize::MAX))
                            && let Some(slot) = self.rules.get_mut(pos)
                        {
                            *slot = index;
                        }
                        self.bind(ns, &name.name, index);
                    }
                    Some(other) if other.level == item_ref.level => {
                        self.duplicate(name, other.item);
                    }
                    other => {
                        let kind_note = other
                            .map(|o| format!(" (`{}` is a {} there)", name.name, o.item.keyword()))
                            .unwrap_or_default();
                        let base = if self.chain.len() > 1 {
                            format!("the extended package `{}`", self.package_name(0))
                        } else {
                            "any extended package (this package extends none)".to_string()
                        };
                        self.report(
                            Diagnostic::error(
                                codes::OVERRIDE_WITHOUT_BASE,
                                name.span,
                                format!("there is no {} `{}` to override", item.keyword(), name.name),
                            )
                            .label(format!("not found in {base}{kind_note}"))
                            .help("remove `override` to add a new item, or fix the name to match the base item"),
                        );
                        // Still check it as a new item, so that mistakes in
                        // its body are reported too.
                        if other.is_none() {
                            seen.insert(key, index);
                            if ns == Namespace::Rule {
                                self.rules.push(index);
                            }
                            self.bind(ns, &name.name, index);
                        }
                    }
                }
                continue;
            }
            match existing_ref {
                Some(other) if other.level == item_ref.level => self.duplicate(name, other.item),
                Some(other) => {
                    let base = self.package_name(other.level);
                    let name_span = other.item.name().map_or(other.item.span, |n| n.span);
                    self.report(
                        Diagnostic::error(
                            codes::REDEFINED_WITHOUT_OVERRIDE,
                            name.span,
                            format!(
                                "{} `{}` is already defined by `{base}`",
                                item.keyword(),
                                name.name
                            ),
                        )
                        .with_secondary(name_span, format!("defined in `{base}` here"))
                        .help(format!(
                            "write `override {}` to replace it explicitly, or choose another name",
                            item.keyword()
                        )),
                    );
                }
                None => {
                    seen.insert(key, index);
                    if ns == Namespace::Rule {
                        self.rules.push(index);
                    }
                    self.bind(ns, &name.name, index);
                }
            }
        }
        self.live.extend(seen.into_values());
    }

    fn duplicate(&mut self, name: &lintas_syntax::ast::Ident, first: &Item) {
        let first_span = first.name().map_or(first.span, |n| n.span);
        self.report(
            Diagnostic::error(
                codes::DUPLICATE,
                name.span,
                format!("`{}` is defined twice", name.name),
            )
            .label("second definition")
            .with_secondary(first_span, "first defined here")
            .help("rename one of them, or remove the duplicate"),
        );
    }

    fn bind(&mut self, ns: Namespace, name: &str, index: usize) {
        let Some(item) = self.items.get(index).map(|r| r.item) else {
            return;
        };
        match (ns, &item.kind) {
            (Namespace::Value, ItemKind::Import(package)) => {
                let dep = self
                    .chain
                    .last()
                    .and_then(|id| self.ws.package(*id))
                    .and_then(|p| p.dependencies.get(&package.name).copied());
                match dep {
                    Some(dep) => {
                        self.values.insert(name.to_string(), ValueEntry::Import(dep));
                    }
                    None => self.report(
                        Diagnostic::error(
                            codes::BAD_PACKAGE_LINK,
                            package.span,
                            format!("no dependency named `{}`", package.name),
                        )
                        .help(format!(
                            "declare it in lintas.toml: `[dependencies] {} = {{ path = \"../{}\" }}`",
                            package.name, package.name
                        )),
                    ),
                }
            }
            (
                Namespace::Value,
                ItemKind::Let(_) | ItemKind::Score(_) | ItemKind::DecisionTable(_),
            ) => {
                self.values
                    .insert(name.to_string(), ValueEntry::Derived(index));
            }
            (Namespace::Decision, _) => {
                self.decision_items.insert(name.to_string(), index);
            }
            // Sets, tables, types, reasons and purposes are bound when built.
            _ => {}
        }
    }

    /// Whether the item at `index` is the one its name means after
    /// overrides (a replaced base item is not).
    fn is_live(&self, index: usize) -> bool {
        self.live.contains(&index)
    }

    // ------------------------------------------------------------ types

    fn build_types(&mut self) {
        // Allocate ids first so that schemas may refer to each other in any order.
        let items = self.items.clone();
        let mut pending = Vec::new();
        for item_ref in &items {
            match &item_ref.item.kind {
                ItemKind::Schema(schema) if !self.types.contains_key(&schema.name.name) => {
                    let id =
                        RecordId(u32::try_from(self.program.records.len()).unwrap_or(u32::MAX));
                    self.program.records.push(RecordDef {
                        name: schema.name.name.clone(),
                        fields: Vec::new(),
                        span: Some(schema.name.span),
                    });
                    self.types
                        .insert(schema.name.name.clone(), TypeEntry::Record(id));
                    pending.push((id, schema));
                }
                ItemKind::Enum(decl) if !self.types.contains_key(&decl.name.name) => {
                    let id = EnumId(u32::try_from(self.program.enums.len()).unwrap_or(u32::MAX));
                    let mut values: Vec<String> = Vec::new();
                    for v in &decl.values {
                        if values.contains(&v.name.name) {
                            self.report(
                                Diagnostic::error(
                                    codes::DUPLICATE,
                                    v.name.span,
                                    format!("enum value `{}` is listed twice", v.name.name),
                                )
                                .help("remove the repeated value"),
                            );
                        } else {
                            values.push(v.name.name.clone());
                        }
                    }
                    self.program.enums.push(EnumDef {
                        name: decl.name.name.clone(),
                        values,
                        span: Some(decl.name.span),
                    });
                    self.types
                        .insert(decl.name.name.clone(), TypeEntry::Enum(id));
                }
                _ => {}
            }
        }
        self.build_builtin_types();
        for (id, schema) in pending {
            let mut fields: Vec<FieldDef> = Vec::new();
            for field in &schema.fields {
                if fields.iter().any(|f| f.name == field.name.name) {
                    self.report(
                        Diagnostic::error(
                            codes::DUPLICATE,
                            field.name.span,
                            format!(
                                "field `{}` is declared twice in `{}`",
                                field.name.name, schema.name.name
                            ),
                        )
                        .help("remove or rename one of them"),
                    );
                    continue;
                }
                let ty = self.resolve_type(&field.ty);
                let has = |a| field.annotations.iter().any(|(x, _)| *x == a);
                fields.push(FieldDef {
                    name: field.name.name.clone(),
                    ty,
                    sensitive: has(lintas_syntax::ast::Annotation::Sensitive),
                    loggable: has(lintas_syntax::ast::Annotation::Loggable),
                    docs: field.docs.clone(),
                    span: Some(field.name.span),
                });
            }
            if let Some(record) = self.program.records.get_mut(id.0 as usize) {
                record.fields = fields;
            }
        }
    }

    fn build_builtin_types(&mut self) {
        let purposes: Vec<String> = self
            .items
            .iter()
            .filter_map(|r| match &r.item.kind {
                ItemKind::Purpose(p) => Some(p.name.name.clone()),
                _ => None,
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let purpose_enum = EnumId(u32::try_from(self.program.enums.len()).unwrap_or(u32::MAX));
        self.program.enums.push(EnumDef {
            name: "SharingPurpose".to_string(),
            values: purposes,
            span: None,
        });
        self.program.purpose_enum = purpose_enum;
        let field = |name: &str, ty: Ty| FieldDef {
            name: name.to_string(),
            ty,
            sensitive: false,
            loggable: true,
            docs: Vec::new(),
            span: None,
        };
        let emergency = RecordId(u32::try_from(self.program.records.len()).unwrap_or(u32::MAX));
        self.program.records.push(RecordDef {
            name: "Emergency".to_string(),
            fields: vec![
                field("id", Ty::Text),
                field("disease", Ty::Text),
                field("origins", Ty::List(Box::new(Ty::Country))),
                field("declared", Ty::Date),
                field("lifted", Ty::Date.optional()),
            ],
            span: None,
        });
        let context = RecordId(u32::try_from(self.program.records.len()).unwrap_or(u32::MAX));
        self.program.records.push(RecordDef {
            name: "Context".to_string(),
            fields: vec![
                field("date", Ty::Date),
                field("member", Ty::Country),
                field("checkpoint", Ty::Text.optional()),
                field("emergencies", Ty::List(Box::new(Ty::Record(emergency)))),
                field("recipient", Ty::Country.optional()),
                field("purpose", Ty::Enum(purpose_enum).optional()),
            ],
            span: None,
        });
        self.program.context = context;
    }

    fn resolve_type(&mut self, ty: &TypeExpr) -> Ty {
        match ty {
            TypeExpr::Optional(inner, span) => {
                let inner = self.resolve_type(inner);
                if matches!(inner, Ty::Optional(_)) {
                    self.report(
                        Diagnostic::error(
                            codes::NOT_ALLOWED_HERE,
                            *span,
                            "`optional optional` is the same as `optional`",
                        )
                        .help("write `optional` once"),
                    );
                }
                inner.optional()
            }
            TypeExpr::List(inner, _) => Ty::List(Box::new(self.resolve_type(inner))),
            TypeExpr::Named(id) => match id.name.as_str() {
                "Bool" => Ty::Bool,
                "Int" => Ty::Int,
                "Decimal" => Ty::Decimal,
                "Text" => Ty::Text,
                "Date" => Ty::Date,
                "Duration" => Ty::Duration,
                "Country" => Ty::Country,
                "Emergency" => self
                    .program
                    .records
                    .iter()
                    .position(|r| r.name == "Emergency" && r.span.is_none())
                    .map_or(Ty::Error, |i| {
                        Ty::Record(RecordId(u32::try_from(i).unwrap_or(u32::MAX)))
                    }),
                name => match self.types.get(name) {
                    Some(TypeEntry::Record(id)) => Ty::Record(*id),
                    Some(TypeEntry::Enum(id)) => Ty::Enum(*id),
                    None => {
                        let mut candidates: Vec<&str> = BUILTIN_TYPES.to_vec();
                        candidates.extend(self.types.keys().map(String::as_str));
                        let help = crate::suggest::did_you_mean(name, candidates).unwrap_or_else(|| {
                            "declare it with `schema` or `enum`, or use a built-in type (Bool, Int, Decimal, Text, Date, Country)".to_string()
                        });
                        self.report(
                            Diagnostic::error(
                                codes::UNKNOWN_TYPE,
                                id.span,
                                format!("unknown type `{name}`"),
                            )
                            .help(help),
                        );
                        Ty::Error
                    }
                },
            },
        }
    }

    fn ty_name(&self, ty: &Ty) -> String {
        match ty {
            Ty::Bool => "Bool".into(),
            Ty::Int => "Int".into(),
            Ty::Decimal => "Decimal".into(),
            Ty::Text => "Text".into(),
            Ty::Date => "Date".into(),
            Ty::Duration => "Duration".into(),
            Ty::Country => "Country".into(),
            Ty::Enum(id) => self
                .program
                .enums
                .get(id.0 as usize)
                .map_or_else(|| "an enum".into(), |e| e.name.clone()),
            Ty::Record(id) => self
                .program
                .records
                .get(id.0 as usize)
                .map_or_else(|| "a record".into(), |r| r.name.clone()),
            Ty::Optional(inner) => format!("optional {}", self.ty_name(inner)),
            Ty::List(inner) => format!("list of {}", self.ty_name(inner)),
            Ty::Set(inner) => format!("set of {}", self.ty_name(inner)),
            Ty::Table(id) => self
                .program
                .tables
                .get(id.0 as usize)
                .map_or_else(|| "a table".into(), |t| format!("table `{}`", t.name)),
            Ty::Error => "an invalid value".into(),
        }
    }

    fn enum_value(&self, id: EnumId, name: &str) -> Option<u32> {
        let def = self.program.enums.get(id.0 as usize)?;
        def.values
            .iter()
            .position(|v| v == name)
            .and_then(|p| u32::try_from(p).ok())
    }

    fn aggregate_index(&self, decision: usize, name: &str) -> Option<usize> {
        self.program
            .decisions
            .get(decision)?
            .aggregates
            .iter()
            .position(|a| a.name == name)
    }

    /// The file a span belongs to, for errors about data files.
    #[allow(dead_code)]
    fn file_path(&self, file: FileId) -> &str {
        self.ws.db.path(file)
    }
}
