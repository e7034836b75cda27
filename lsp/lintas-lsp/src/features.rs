//! The answers to the editor's questions, each from the index and the
//! checked program of the package the file belongs to. Positions are
//! converted here and nowhere else.

use crate::index::{AstTy, DefKind, Index, Key, chain_type, type_text};
use crate::text::LineIndex;
use crate::world::World;
use lintas_check::hir::Program;
use lintas_check::types::Ty;
use lintas_syntax::ast::{BinOp, ExprKind, ItemKind, Mode};
use lintas_syntax::{FileId, Severity, Span};
use lsp_types::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

pub fn initialize_result() -> InitializeResult {
    InitializeResult {
        capabilities: ServerCapabilities {
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                    ..TextDocumentSyncOptions::default()
                },
            )),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some(vec![".".to_string(), " ".to_string()]),
                ..CompletionOptions::default()
            }),
            definition_provider: Some(OneOf::Left(true)),
            references_provider: Some(OneOf::Left(true)),
            rename_provider: Some(OneOf::Right(RenameOptions {
                prepare_provider: Some(true),
                work_done_progress_options: WorkDoneProgressOptions::default(),
            })),
            document_symbol_provider: Some(OneOf::Left(true)),
            workspace_symbol_provider: Some(OneOf::Left(true)),
            document_formatting_provider: Some(OneOf::Left(true)),
            code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
            inlay_hint_provider: Some(OneOf::Left(true)),
            semantic_tokens_provider: Some(
                SemanticTokensServerCapabilities::SemanticTokensOptions(SemanticTokensOptions {
                    legend: SemanticTokensLegend {
                        token_types: TOKEN_TYPES.to_vec(),
                        token_modifiers: vec![SemanticTokenModifier::DECLARATION],
                    },
                    full: Some(SemanticTokensFullOptions::Bool(true)),
                    range: None,
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                }),
            ),
            workspace: Some(WorkspaceServerCapabilities {
                workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                    supported: Some(true),
                    change_notifications: Some(OneOf::Left(true)),
                }),
                file_operations: None,
            }),
            ..ServerCapabilities::default()
        },
        server_info: Some(ServerInfo {
            name: "lintas-lsp".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    }
}

// ---------------------------------------------------------------- positions

pub fn uri_path(uri: &Url) -> PathBuf {
    let path = uri
        .to_file_path()
        .unwrap_or_else(|()| PathBuf::from(uri.path()));
    path.canonicalize().unwrap_or(path)
}

fn uri_of(path: &Path) -> Option<Url> {
    Url::from_file_path(path).ok()
}

/// A span as an LSP location.
fn location(world: &World, span: Span) -> Option<Location> {
    let path = world.path(span.file)?;
    let text = world.text(span.file);
    let index = LineIndex::new(text);
    Some(Location {
        uri: uri_of(path)?,
        range: index.range(text, span.start as usize, span.end as usize),
    })
}

/// The file and byte offset of a position in a document.
fn at(world: &World, doc: &TextDocumentPositionParams) -> Option<(FileId, usize)> {
    let path = uri_path(&doc.text_document.uri);
    let file = world.file_id(&path)?;
    let text = world.text(file);
    let offset = LineIndex::new(text).offset(text, doc.position);
    Some((file, offset))
}

// ---------------------------------------------------------------- diagnostics

/// Every file's diagnostics, as LSP wants them.
pub fn diagnostics_by_file(world: &World) -> HashMap<PathBuf, Vec<lsp_types::Diagnostic>> {
    let mut by_file: HashMap<PathBuf, Vec<lsp_types::Diagnostic>> = HashMap::new();
    let mut lines: HashMap<FileId, LineIndex> = HashMap::new();
    for d in world.diagnostics() {
        let file = d.primary.span.file;
        let Some(path) = world.path(file) else {
            continue;
        };
        let text = world.text(file);
        let index = lines.entry(file).or_insert_with(|| LineIndex::new(text));
        let range = index.range(
            text,
            d.primary.span.start as usize,
            d.primary.span.end as usize,
        );
        let related: Vec<DiagnosticRelatedInformation> = d
            .secondary
            .iter()
            .filter_map(|l| {
                Some(DiagnosticRelatedInformation {
                    location: location(world, l.span)?,
                    message: l.message.clone(),
                })
            })
            .collect();
        by_file
            .entry(path.to_path_buf())
            .or_default()
            .push(lsp_types::Diagnostic {
                range,
                severity: Some(match d.severity {
                    Severity::Error => DiagnosticSeverity::ERROR,
                    Severity::Warning => DiagnosticSeverity::WARNING,
                }),
                code: Some(NumberOrString::String(d.code.to_string())),
                code_description: None,
                source: Some("lintas".to_string()),
                message: d.message.clone(),
                related_information: (!related.is_empty()).then_some(related),
                tags: (d.code == lintas_syntax::codes::UNUSED)
                    .then(|| vec![DiagnosticTag::UNNECESSARY]),
                data: Some(serde_json::json!({
                    "label": d.primary.message,
                    "help": d.help,
                })),
            });
    }
    by_file
}

// ---------------------------------------------------------------- hover

pub fn hover(world: &World, params: HoverParams) -> Option<Hover> {
    let (file, offset) = at(world, &params.text_document_position_params)?;
    let (index, program) = world.index_for(file)?;
    let occ = index.at(file, offset)?;
    let text = describe(index, program, &occ.key)?;
    let source = world.text(file);
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(LineIndex::new(source).range(
            source,
            occ.span.start as usize,
            occ.span.end as usize,
        )),
    })
}

fn code_block(line: &str) -> String {
    format!("```lintas\n{line}\n```")
}

fn docs_text(docs: &[String]) -> String {
    docs.iter()
        .map(|d| d.trim_start_matches('/').trim())
        .collect::<Vec<_>>()
        .join("\n")
}

/// What hover says about a name.
pub fn describe(index: &Index, program: Option<&Program>, key: &Key) -> Option<String> {
    let def = index.defs_of(key).last();
    let docs = def.map(|d| docs_text(&d.docs)).unwrap_or_default();
    let mut parts: Vec<String> = Vec::new();
    match key {
        Key::Field(schema, name) => {
            let ty = def.map(|d| d.detail.clone()).unwrap_or_default();
            parts.push(code_block(&format!("{name}: {ty}")));
            parts.push(format!("field of `{schema}`"));
        }
        Key::Column(table, name) => {
            let ty = def.map(|d| d.detail.clone()).unwrap_or_default();
            parts.push(code_block(&format!("{name}: {ty}")));
            parts.push(format!("column of table `{table}`"));
        }
        Key::Rule(name) => {
            let info = index.rules.iter().rev().find(|r| &r.name == name)?;
            parts.push(code_block(&format!(
                "rule {name} for {}\n  then {} {}",
                info.decisions.join(", "),
                info.outcome,
                info.reason
            )));
            if let Some(d) = &info.description {
                parts.push(d.clone());
            }
            let mut facts = Vec::new();
            if let Some(s) = &info.source {
                facts.push(format!("- source: {s}"));
            }
            let range = match (&info.from, &info.to) {
                (None, None) => "always".to_string(),
                (Some(f), None) => format!("from {f}"),
                (None, Some(t)) => format!("until {t}"),
                (Some(f), Some(t)) => format!("from {f} to {t}"),
            };
            facts.push(format!("- effective: {range}"));
            facts.push(format!(
                "- mode: {}",
                match info.mode {
                    Mode::Enforce => "enforce",
                    Mode::Shadow => "shadow",
                }
            ));
            parts.push(facts.join("\n"));
        }
        Key::Reason(name) => {
            parts.push(code_block(&format!("reason {name}")));
            if let Some(d) = def.filter(|d| !d.detail.is_empty()) {
                parts.push(d.detail.clone());
            }
            let producers: Vec<String> = index
                .rules
                .iter()
                .filter(|r| &r.reason == name)
                .map(|r| format!("- `{}` ({})", r.name, r.outcome))
                .collect();
            if producers.is_empty() {
                parts.push("no rule gives this reason".to_string());
            } else {
                parts.push(format!("given by:\n{}", producers.join("\n")));
            }
        }
        Key::Purpose(name) => {
            parts.push(code_block(&format!("purpose {name}")));
            if let Some(d) = def.filter(|d| !d.detail.is_empty()) {
                parts.push(d.detail.clone());
            }
        }
        Key::Value(name) => {
            let def = def?;
            match def.kind {
                DefKind::Set => {
                    parts.push(code_block(&format!(
                        "set {name}: {}",
                        def.detail.trim_start_matches("set of ")
                    )));
                    if let Some(set) = program.and_then(|p| p.sets.iter().find(|s| &s.name == name))
                    {
                        let noun = if set.values.len() == 1 {
                            "value"
                        } else {
                            "values"
                        };
                        parts.push(format!("{} {noun}, from {}", set.values.len(), set.origin));
                    }
                }
                DefKind::Table => {
                    parts.push(code_block(&format!("table {name}")));
                    if let Some(t) = program.and_then(|p| p.tables.iter().find(|t| &t.name == name))
                    {
                        let noun = if t.rows.len() == 1 { "row" } else { "rows" };
                        parts.push(format!("{} {noun}, from {}", t.rows.len(), t.origin));
                    }
                }
                DefKind::Let => {
                    let ty = program
                        .and_then(|p| value_type(p, name))
                        .unwrap_or_default();
                    parts.push(code_block(&format!("let {name}{ty}")));
                }
                DefKind::Score => {
                    let ty = program
                        .and_then(|p| value_type(p, name))
                        .unwrap_or_default();
                    parts.push(code_block(&format!("score {name}{ty}")));
                    if let Some(terms) = index.score_terms.get(name) {
                        let lines: Vec<String> =
                            terms.iter().map(|(n, w)| format!("- `{n}`: {w}")).collect();
                        parts.push(lines.join("\n"));
                    }
                }
                DefKind::DecisionTable => {
                    let ty = program
                        .and_then(|p| value_type(p, name))
                        .unwrap_or_default();
                    parts.push(code_block(&format!("decision table {name}{ty}")));
                    parts.push(def.detail.clone());
                }
                _ => parts.push(code_block(&format!(
                    "{name}: {}",
                    def.detail.trim_start_matches("aggregate: ")
                ))),
            }
        }
        Key::ScoreTerm(score, name) => {
            parts.push(code_block(&format!(
                "{name}: {}",
                def.map(|d| d.detail.trim_start_matches("weight ").to_string())
                    .unwrap_or_default()
            )));
            parts.push(format!("term of score `{score}`"));
        }
        Key::Schema(name) => parts.push(code_block(&format!("schema {name}"))),
        Key::Enum(name) => {
            let values = index
                .enums
                .get(name)
                .map(|v| v.join(", "))
                .unwrap_or_default();
            parts.push(code_block(&format!("enum {name} {{ {values} }}")));
        }
        Key::EnumValue(en, name) => parts.push(code_block(&format!("{en}.{name}"))),
        Key::Decision(name) => {
            let (subject, schema) = index.subject_of(name)?;
            parts.push(code_block(&format!(
                "decision {name} for {subject}: {schema}"
            )));
            if let Some(outcomes) = index.outcomes.get(name) {
                parts.push(format!(
                    "outcomes, most severe first: {}",
                    outcomes.join(" > ")
                ));
            }
        }
        Key::Outcome(decision, name) => {
            parts.push(code_block(&format!("outcome {name}")));
            let all = index.outcomes.get(decision)?;
            let rank = all.iter().position(|o| o == name).map_or(0, |p| p + 1);
            parts.push(format!(
                "outcome {rank} of {} of decision `{decision}` (1 is the most severe)",
                all.len()
            ));
        }
        Key::Subject(decision) => {
            let (subject, schema) = index.subject_of(decision)?;
            parts.push(code_block(&format!("{subject}: {schema}")));
            parts.push(format!(
                "the record `{}` decides on",
                decision.trim_start_matches("sharing ")
            ));
        }
        Key::Sharing(name) => parts.push(code_block(&format!("sharing {name}"))),
        Key::Local(_) => parts.push("quantifier variable".to_string()),
    }
    if !docs.is_empty() {
        parts.push(docs);
    }
    Some(parts.join("\n\n"))
}

/// `: Type` of a let, score or decision table, from the checked program.
fn value_type(program: &Program, name: &str) -> Option<String> {
    for d in &program.decisions {
        if let Some(l) = d.lets.iter().find(|l| l.name == name) {
            return Some(format!(": {}", ty_text(program, &l.value.ty)));
        }
        if let Some(s) = d.scores.iter().find(|s| s.name == name) {
            return Some(format!(": {}", ty_text(program, &s.ty)));
        }
        if let Some(t) = d.tables.iter().find(|t| t.name == name) {
            return Some(format!(": {}", ty_text(program, &t.ty)));
        }
    }
    None
}

pub fn ty_text(program: &Program, ty: &Ty) -> String {
    match ty {
        Ty::Bool => "Bool".to_string(),
        Ty::Int => "Int".to_string(),
        Ty::Decimal => "Decimal".to_string(),
        Ty::Text => "Text".to_string(),
        Ty::Date => "Date".to_string(),
        Ty::Duration => "Duration".to_string(),
        Ty::Country => "Country".to_string(),
        Ty::Enum(id) => program
            .enums
            .get(id.0 as usize)
            .map_or("?".to_string(), |e| e.name.clone()),
        Ty::Record(id) => program
            .records
            .get(id.0 as usize)
            .map_or("?".to_string(), |r| r.name.clone()),
        Ty::Optional(inner) => format!("optional {}", ty_text(program, inner)),
        Ty::List(inner) => format!("list of {}", ty_text(program, inner)),
        Ty::Set(inner) => format!("set of {}", ty_text(program, inner)),
        Ty::Table(id) => program
            .tables
            .get(id.0 as usize)
            .map_or("?".to_string(), |t| t.name.clone()),
        Ty::Error => "?".to_string(),
    }
}

// ---------------------------------------------------------------- completion

/// Every keyword of the grammar (the `kw_*` rules and the other words it
/// spells out), for completion and highlighting.
pub const KEYWORDS: &[&str] = &[
    "absent",
    "aggregate",
    "all",
    "allow",
    "and",
    "any",
    "applies",
    "because",
    "by",
    "collect",
    "column",
    "context",
    "count",
    "decision",
    "default",
    "each",
    "effective",
    "else",
    "enforce",
    "enum",
    "error",
    "expect",
    "false",
    "first",
    "for",
    "from",
    "given",
    "hit",
    "if",
    "import",
    "in",
    "is",
    "key",
    "let",
    "list",
    "loggable",
    "manifest",
    "not",
    "of",
    "on",
    "optional",
    "or",
    "otherwise",
    "outcomes",
    "override",
    "present",
    "purpose",
    "reason",
    "rows",
    "rule",
    "schema",
    "score",
    "sensitive",
    "set",
    "shadow",
    "share",
    "shared",
    "sharing",
    "source",
    "table",
    "test",
    "then",
    "to",
    "true",
    "unique",
    "unless",
    "when",
    "where",
    "with",
    "withheld",
    "withhold",
];

/// ASEAN member states, offered first where a member code goes.
const MEMBERS: &[&str] = &[
    "BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM", "TLS",
];

pub fn completion(world: &World, params: CompletionParams) -> Option<CompletionResponse> {
    let (file, offset) = at(world, &params.text_document_position)?;
    let (index, _) = world.index_for(file)?;
    let text = world.text(file);
    let before = text.get(..offset)?;
    // The item the cursor is in, up to the cursor.
    let item_start = lintas_syntax::lexical::split_items(text)
        .into_iter()
        .find(|r| r.start <= offset && offset <= r.end)
        .map_or(0, |r| r.start);
    let item_text = text.get(item_start..offset).unwrap_or("");
    let decision = enclosing_decision(item_text, index);
    let line = before.rsplit('\n').next().unwrap_or("");
    let partial_len = line
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .map(char::len_utf8)
        .sum::<usize>();
    let head = line.get(..line.len() - partial_len).unwrap_or("");
    let mut items = Vec::new();
    if let Some(chain_text) = head.strip_suffix('.') {
        // Fields after `.`: only the text before the cursor on this line
        // matters, so the rest of the line may be broken.
        let chain_len = chain_text
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
            .map(char::len_utf8)
            .sum::<usize>();
        let chain = chain_text.get(chain_text.len() - chain_len..).unwrap_or("");
        let names: Vec<&str> = chain.split('.').collect();
        if names.iter().any(|n| n.is_empty()) {
            return Some(CompletionResponse::Array(Vec::new()));
        }
        let ty = chain_type(index, &names, item_text, decision.as_deref(), 0);
        for (key, name, ty) in index.fields_of(&ty) {
            let def = index.defs_of(&key).last();
            items.push(CompletionItem {
                label: name,
                kind: Some(CompletionItemKind::FIELD),
                detail: Some(type_text(ty)),
                documentation: def
                    .map(|d| docs_text(&d.docs))
                    .filter(|d| !d.is_empty())
                    .map(Documentation::String),
                ..CompletionItem::default()
            });
        }
        return Some(CompletionResponse::Array(items));
    }
    let words: Vec<&str> = head.split_whitespace().collect();
    let last = words.last().copied().unwrap_or("");
    let second = words
        .len()
        .checked_sub(2)
        .and_then(|i| words.get(i))
        .copied()
        .unwrap_or("");
    let push = |items: &mut Vec<CompletionItem>,
                label: &str,
                kind: CompletionItemKind,
                detail: &str,
                sort: &str| {
        items.push(CompletionItem {
            label: label.to_string(),
            kind: Some(kind),
            detail: (!detail.is_empty()).then(|| detail.to_string()),
            sort_text: Some(format!("{sort}{label}")),
            ..CompletionItem::default()
        });
    };
    let outcomes_of = |d: &Option<String>| -> Vec<String> {
        match d.as_ref().and_then(|d| index.outcomes.get(d)) {
            Some(list) => list.clone(),
            None => {
                let mut all: Vec<String> = index.outcomes.values().flatten().cloned().collect();
                all.sort();
                all.dedup();
                all
            }
        }
    };
    let reasons = || index.defs.iter().filter(|d| d.kind == DefKind::Reason);
    if last == "then" || (last == "expect" && !head.trim_end().ends_with(',')) {
        for o in outcomes_of(&decision) {
            push(
                &mut items,
                &o,
                CompletionItemKind::ENUM_MEMBER,
                "outcome",
                "0",
            );
        }
        return Some(CompletionResponse::Array(items));
    }
    if second == "then"
        || last == "because"
        || (head.contains("because") && head.trim_end().ends_with(','))
    {
        for r in reasons() {
            push(
                &mut items,
                &r.name,
                CompletionItemKind::CONSTANT,
                &r.detail,
                "0",
            );
        }
        return Some(CompletionResponse::Array(items));
    }
    if last == "for" && item_text.trim_start().starts_with("rule")
        || last == "for"
            && !item_text.contains('{')
            && !item_text.trim_start().starts_with("decision")
    {
        let mut names: Vec<&String> = index.outcomes.keys().collect();
        names.sort();
        for d in names {
            push(&mut items, d, CompletionItemKind::MODULE, "decision", "0");
        }
        return Some(CompletionResponse::Array(items));
    }
    if (last == "to" && second == "applies")
        || (head.contains("applies to") && head.trim_end().ends_with(','))
    {
        for (i, m) in MEMBERS.iter().enumerate() {
            push(
                &mut items,
                m,
                CompletionItemKind::CONSTANT,
                "ASEAN member",
                &format!("0{i:02}"),
            );
        }
        for c in lintas_check::countries::ISO_ALPHA3 {
            if !MEMBERS.contains(c) {
                push(&mut items, c, CompletionItemKind::CONSTANT, "country", "1");
            }
        }
        return Some(CompletionResponse::Array(items));
    }
    // `x.kind == `: the values of the field's enum first.
    if matches!(last, "==" | "!=" | "in" | "[") || last.ends_with('[') {
        let operand = if matches!(last, "==" | "!=" | "in") {
            second
        } else {
            last.trim_end_matches('[')
        };
        let operand = if operand.ends_with('[') || operand.is_empty() {
            second
        } else {
            operand
        };
        let names: Vec<&str> = operand.split('.').collect();
        if names.len() > 1 && names.iter().all(|n| !n.is_empty()) {
            let (field, base) = names
                .split_last()
                .map_or(("", &names[..0]), |(f, b)| (*f, b));
            let base_ty = chain_type(index, base, item_text, decision.as_deref(), 0);
            if let Some((_, ty)) = index.field(&base_ty, field)
                && let AstTy::Enum(en) = index.resolve_type(ty)
            {
                for v in index.enums.get(&en).into_iter().flatten() {
                    push(&mut items, v, CompletionItemKind::ENUM_MEMBER, &en, "0");
                }
            }
        }
    }
    if matches!(last, "in") {
        for d in index
            .defs
            .iter()
            .filter(|d| matches!(d.kind, DefKind::Set | DefKind::Table))
        {
            push(
                &mut items,
                &d.name,
                CompletionItemKind::VARIABLE,
                &d.detail,
                "0",
            );
        }
    }
    // Anywhere else: every name that may start an expression, and keywords.
    if let Some(d) = &decision
        && let Some((subject, schema)) = index.subject_of(d)
    {
        push(
            &mut items,
            subject,
            CompletionItemKind::VARIABLE,
            schema,
            "1",
        );
    }
    for d in &index.defs {
        match d.kind {
            DefKind::Let
            | DefKind::Score
            | DefKind::DecisionTable
            | DefKind::Aggregate
            | DefKind::Set
            | DefKind::Table => {
                push(
                    &mut items,
                    &d.name,
                    CompletionItemKind::VARIABLE,
                    &d.detail,
                    "2",
                );
            }
            DefKind::EnumValue => push(
                &mut items,
                &d.name,
                CompletionItemKind::ENUM_MEMBER,
                &d.detail,
                "3",
            ),
            DefKind::Reason => push(
                &mut items,
                &d.name,
                CompletionItemKind::CONSTANT,
                &d.detail,
                "4",
            ),
            _ => {}
        }
    }
    for (name, _, _) in lintas_check::builtins::BUILTINS {
        push(
            &mut items,
            name,
            CompletionItemKind::FUNCTION,
            "built-in function",
            "5",
        );
    }
    for k in KEYWORDS {
        push(&mut items, k, CompletionItemKind::KEYWORD, "", "6");
    }
    let mut seen = HashSet::new();
    items.retain(|i| seen.insert(i.label.clone()));
    Some(CompletionResponse::Array(items))
}

/// The decision the item being written is for (`rule x for admission`).
fn enclosing_decision(item_text: &str, index: &Index) -> Option<String> {
    let words: Vec<&str> = item_text
        .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
        .filter(|w| !w.is_empty())
        .collect();
    if words.first() == Some(&"sharing")
        && let Some(name) = words.get(1)
    {
        return Some(format!("sharing {name}"));
    }
    if words.first() == Some(&"decision") && words.get(1) != Some(&"table") {
        return words.get(1).map(|s| s.to_string());
    }
    let after_for = words.iter().position(|w| *w == "for")?;
    let name = words.get(after_for + 1)?;
    if index.subjects.contains_key(*name) {
        Some(name.to_string())
    } else if index.subjects.contains_key(&format!("sharing {name}")) {
        Some(format!("sharing {name}"))
    } else {
        None
    }
}

// ---------------------------------------------------------------- navigation

/// The key under the cursor, from the file's own package.
fn key_at(world: &World, doc: &TextDocumentPositionParams) -> Option<(Key, FileId, Span)> {
    let (file, offset) = at(world, doc)?;
    let (index, _) = world.index_for(file)?;
    let occ = index.at(file, offset)?;
    Some((occ.key.clone(), file, occ.span))
}

/// Every place the key is written, across every package that sees it.
fn all_occurrences(world: &World, key: &Key, file: FileId) -> Vec<(Span, bool)> {
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    let indexes: Vec<&Index> = if matches!(key, Key::Local(_)) {
        world.index_for(file).map(|(i, _)| i).into_iter().collect()
    } else {
        world.all_indexes().into_iter().map(|(i, _)| i).collect()
    };
    for index in indexes {
        // Only packages that hold the file where the name was asked about
        // share its meaning.
        if !index.files.contains(&file) {
            continue;
        }
        for occ in index.occurrences_of(key) {
            if seen.insert(occ.span) {
                found.push((occ.span, occ.is_def));
            }
        }
    }
    found.sort_by_key(|(s, _)| (s.file, s.start));
    found
}

pub fn definition(world: &World, params: GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
    let (key, file, _) = key_at(world, &params.text_document_position_params)?;
    let defs: Vec<Location> = all_occurrences(world, &key, file)
        .into_iter()
        .filter(|(_, is_def)| *is_def)
        .filter_map(|(span, _)| location(world, span))
        .collect();
    match defs.len() {
        0 => None,
        1 => defs.into_iter().next().map(GotoDefinitionResponse::Scalar),
        _ => Some(GotoDefinitionResponse::Array(defs)),
    }
}

pub fn references(world: &World, params: ReferenceParams) -> Option<Vec<Location>> {
    let (key, file, _) = key_at(world, &params.text_document_position)?;
    let include = params.context.include_declaration;
    Some(
        all_occurrences(world, &key, file)
            .into_iter()
            .filter(|(_, is_def)| include || !is_def)
            .filter_map(|(span, _)| location(world, span))
            .collect(),
    )
}

pub fn prepare_rename(
    world: &World,
    params: TextDocumentPositionParams,
) -> Option<PrepareRenameResponse> {
    let (_, file, span) = key_at(world, &params)?;
    let text = world.text(file);
    Some(PrepareRenameResponse::Range(LineIndex::new(text).range(
        text,
        span.start as usize,
        span.end as usize,
    )))
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && !matches!(
            name,
            "and"
                | "or"
                | "not"
                | "in"
                | "is"
                | "if"
                | "then"
                | "else"
                | "true"
                | "false"
                | "otherwise"
                | "when"
                | "where"
                | "with"
                | "by"
                | "unless"
                | "because"
        )
}

pub fn rename(world: &World, params: RenameParams) -> Result<Option<WorkspaceEdit>, String> {
    let new_name = params.new_name.trim();
    if !is_identifier(new_name) {
        return Err(format!("`{new_name}` is not a name Lintas accepts"));
    }
    let Some((key, file, _)) = key_at(world, &params.text_document_position) else {
        return Ok(None);
    };
    let mut changes: HashMap<Url, Vec<TextEdit>> = HashMap::new();
    for (span, _) in all_occurrences(world, &key, file) {
        if let Some(loc) = location(world, span) {
            changes.entry(loc.uri).or_default().push(TextEdit {
                range: loc.range,
                new_text: new_name.to_string(),
            });
        }
    }
    Ok(Some(WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    }))
}

// ---------------------------------------------------------------- symbols

fn symbol_kind(kind: DefKind) -> SymbolKind {
    match kind {
        DefKind::Schema => SymbolKind::STRUCT,
        DefKind::Field | DefKind::Column => SymbolKind::FIELD,
        DefKind::Enum => SymbolKind::ENUM,
        DefKind::EnumValue | DefKind::Outcome => SymbolKind::ENUM_MEMBER,
        DefKind::Set | DefKind::Table => SymbolKind::ARRAY,
        DefKind::Reason | DefKind::Purpose => SymbolKind::CONSTANT,
        DefKind::Decision | DefKind::Sharing => SymbolKind::MODULE,
        DefKind::Rule => SymbolKind::FUNCTION,
        DefKind::Score | DefKind::Let | DefKind::DecisionTable | DefKind::Aggregate => {
            SymbolKind::VARIABLE
        }
        DefKind::ScoreTerm => SymbolKind::PROPERTY,
        DefKind::Subject => SymbolKind::VARIABLE,
    }
}

pub fn document_symbols(
    world: &World,
    params: DocumentSymbolParams,
) -> Option<DocumentSymbolResponse> {
    let path = uri_path(&params.text_document.uri);
    let file = world.file_id(&path)?;
    let (index, _) = world.index_for(file)?;
    let text = world.text(file);
    let lines = LineIndex::new(text);
    #[allow(deprecated, reason = "the field must be given")]
    let make = |d: &crate::index::Def, children: Option<Vec<DocumentSymbol>>| DocumentSymbol {
        name: d.name.clone(),
        detail: (!d.detail.is_empty()).then(|| d.detail.clone()),
        kind: symbol_kind(d.kind),
        tags: None,
        deprecated: None,
        range: lines.range(
            text,
            d.full.start.min(d.span.start) as usize,
            d.full.end.max(d.span.end) as usize,
        ),
        selection_range: lines.range(text, d.span.start as usize, d.span.end as usize),
        children,
    };
    let mut symbols = Vec::new();
    for d in index
        .defs
        .iter()
        .filter(|d| d.span.file == file && d.parent.is_none())
    {
        let children: Vec<DocumentSymbol> = index
            .defs
            .iter()
            .filter(|c| {
                c.span.file == file
                    && c.parent.as_ref() == Some(&d.key)
                    && c.kind != DefKind::Subject
            })
            .map(|c| make(c, None))
            .collect();
        symbols.push(make(d, (!children.is_empty()).then_some(children)));
    }
    // Tests declare no name, but are worth finding.
    for item in &index.items(file) {
        if let ItemKind::Test(t) = &item.kind {
            #[allow(deprecated, reason = "the field must be given")]
            symbols.push(DocumentSymbol {
                name: format!("test {}", t.title.value),
                detail: Some(format!("for {}", t.target.name)),
                kind: SymbolKind::EVENT,
                tags: None,
                deprecated: None,
                range: lines.range(text, item.span.start as usize, item.span.end as usize),
                selection_range: lines.range(
                    text,
                    t.title.span.start as usize,
                    t.title.span.end as usize,
                ),
                children: None,
            });
        }
    }
    symbols.sort_by_key(|s| (s.range.start.line, s.range.start.character));
    Some(DocumentSymbolResponse::Nested(symbols))
}

pub fn workspace_symbols(
    world: &World,
    params: WorkspaceSymbolParams,
) -> Option<WorkspaceSymbolResponse> {
    let query = params.query.to_lowercase();
    let mut seen = HashSet::new();
    let mut found = Vec::new();
    for (index, _) in world.all_indexes() {
        for d in &index.defs {
            if d.kind == DefKind::Subject
                || !d.name.to_lowercase().contains(&query)
                || !seen.insert(d.span)
            {
                continue;
            }
            let Some(location) = location(world, d.span) else {
                continue;
            };
            #[allow(deprecated, reason = "the field must be given")]
            found.push(SymbolInformation {
                name: d.name.clone(),
                kind: symbol_kind(d.kind),
                tags: None,
                deprecated: None,
                location,
                container_name: d.parent.as_ref().map(|k| k.name().to_string()),
            });
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Some(WorkspaceSymbolResponse::Flat(found))
}

// ---------------------------------------------------------------- formatting

pub fn formatting(world: &World, params: DocumentFormattingParams) -> Option<Vec<TextEdit>> {
    let path = uri_path(&params.text_document.uri);
    let text = match world.open.get(&path) {
        Some(doc) => doc.text.as_str(),
        None => world.text(world.file_id(&path)?),
    };
    // The same formatter as `lintas fmt`; a file that does not parse is
    // left alone (its diagnostics say why).
    let formatted = lintas_syntax::format::format(text).ok()?;
    if formatted == text {
        return Some(Vec::new());
    }
    let lines = LineIndex::new(text);
    Some(vec![TextEdit {
        range: lines.range(text, 0, text.len()),
        new_text: formatted,
    }])
}

// ---------------------------------------------------------------- semantic tokens

pub const TOKEN_TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::KEYWORD,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
    SemanticTokenType::TYPE,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::PARAMETER,
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::EVENT,
];

fn token_type(key: &Key) -> u32 {
    match key {
        Key::Schema(_) | Key::Enum(_) => 4,
        Key::Field(..) | Key::Column(..) | Key::ScoreTerm(..) => 5,
        Key::EnumValue(..) | Key::Outcome(..) => 6,
        Key::Value(_) => 7,
        Key::Rule(_) => 8,
        Key::Subject(_) | Key::Local(_) => 9,
        Key::Decision(_) | Key::Sharing(_) => 10,
        Key::Reason(_) | Key::Purpose(_) => 11,
    }
}

pub fn semantic_tokens(
    world: &World,
    params: SemanticTokensParams,
) -> Option<SemanticTokensResult> {
    let path = uri_path(&params.text_document.uri);
    let file = world.file_id(&path)?;
    let text = world.text(file);
    let occurrences: HashMap<u32, (&Key, bool)> = world
        .index_for(file)
        .and_then(|(index, _)| index.occurrences.get(&file))
        .map(|list| {
            list.iter()
                .map(|o| (o.span.start, (&o.key, o.is_def)))
                .collect()
        })
        .unwrap_or_default();
    let lines = LineIndex::new(text);
    let mut raw: Vec<(usize, usize, u32, u32)> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0usize;
    while let Some(&b) = bytes.get(i) {
        let start = i;
        if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
            while bytes.get(i).is_some_and(|c| *c != b'\n') {
                i += 1;
            }
            raw.push((start, i, 3, 0));
        } else if b == b'"' {
            i += 1;
            while let Some(&c) = bytes.get(i) {
                match c {
                    b'\\' => i += 2,
                    b'"' => {
                        i += 1;
                        break;
                    }
                    b'\n' => break,
                    _ => i += 1,
                }
            }
            raw.push((start, i.min(text.len()), 1, 0));
        } else if b.is_ascii_digit() {
            while bytes
                .get(i)
                .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
            {
                i += 1;
            }
            raw.push((start, i, 2, 0));
        } else if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 {
            let rest = text.get(i..).unwrap_or("");
            let len: usize = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .map(char::len_utf8)
                .sum();
            i += len.max(rest.chars().next().map_or(1, char::len_utf8));
            let word = text.get(start..i).unwrap_or("");
            if let Some((key, is_def)) = u32::try_from(start).ok().and_then(|s| occurrences.get(&s))
            {
                raw.push((start, i, token_type(key), u32::from(*is_def)));
            } else if KEYWORDS.contains(&word) {
                raw.push((start, i, 0, 0));
            } else if text.get(i..).is_some_and(|r| r.starts_with('(')) {
                raw.push((start, i, 8, 0));
            }
        } else {
            i += 1;
        }
    }
    let mut data = Vec::with_capacity(raw.len());
    let (mut prev_line, mut prev_col) = (0u32, 0u32);
    for (start, end, ty, modifiers) in raw {
        let p = lines.position(text, start);
        let e = lines.position(text, end);
        if e.line != p.line || e.character <= p.character {
            continue;
        }
        let delta_line = p.line - prev_line;
        let delta_start = if delta_line == 0 {
            p.character - prev_col
        } else {
            p.character
        };
        data.push(SemanticToken {
            delta_line,
            delta_start,
            length: e.character - p.character,
            token_type: ty,
            token_modifiers_bitset: modifiers,
        });
        prev_line = p.line;
        prev_col = p.character;
    }
    Some(SemanticTokensResult::Tokens(SemanticTokens {
        result_id: None,
        data,
    }))
}

// ---------------------------------------------------------------- code actions

/// `did you mean `x`?` in a help line.
fn suggestion(help: &str) -> Option<&str> {
    let start = help.find("did you mean `")? + "did you mean `".len();
    let len = help.get(start..)?.find('`')?;
    help.get(start..start + len)
}

pub fn code_actions(world: &World, params: CodeActionParams) -> Option<CodeActionResponse> {
    let path = uri_path(&params.text_document.uri);
    let file = world.file_id(&path)?;
    let uri = params.text_document.uri.clone();
    let text = world.text(file);
    let lines = LineIndex::new(text);
    let mut actions = Vec::new();
    // Our own diagnostics for the range, whatever the client sent back.
    let requested = lines.offset(text, params.range.start)..lines.offset(text, params.range.end);
    for d in world.diagnostics() {
        let span = d.primary.span;
        if span.file != file
            || (span.end as usize) < requested.start
            || (span.start as usize) > requested.end
        {
            continue;
        }
        let range = lines.range(text, span.start as usize, span.end as usize);
        let lsp_diag = diagnostics_by_file(world)
            .remove(&path)
            .unwrap_or_default()
            .into_iter()
            .find(|x| {
                x.range == range && x.code == Some(NumberOrString::String(d.code.to_string()))
            });
        let mut edit = |title: String, edits: Vec<TextEdit>, preferred: bool| {
            let mut changes = HashMap::new();
            changes.insert(uri.clone(), edits);
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: lsp_diag.clone().map(|x| vec![x]),
                edit: Some(WorkspaceEdit {
                    changes: Some(changes),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(preferred),
                ..CodeAction::default()
            }));
        };
        if let Some(name) = d.help.as_deref().and_then(suggestion) {
            // Replace the misspelt word: the last word of the span, which
            // for a field access is the field.
            let spanned = text.get(span.range()).unwrap_or("");
            let word_len: usize = spanned
                .chars()
                .rev()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .map(char::len_utf8)
                .sum();
            let start = span.end as usize - word_len;
            edit(
                format!("change to `{name}`"),
                vec![TextEdit {
                    range: lines.range(text, start, span.end as usize),
                    new_text: name.to_string(),
                }],
                true,
            );
        }
        if d.code == lintas_syntax::codes::UNCHECKED_OPTIONAL
            && let Some(value) = quoted(&d.message)
            && let Some((index, _)) = world.index_for(file)
            && let Some(condition) = enclosing_condition(&index.items_at(file, span.start), span)
        {
            let start = condition.span.start as usize;
            let mut edits = Vec::new();
            if matches!(condition.kind, ExprKind::Binary(BinOp::Or, ..)) {
                edits.push(TextEdit {
                    range: lines.range(text, start, start),
                    new_text: format!("{value} is present and ("),
                });
                let end = condition.span.end as usize;
                edits.push(TextEdit {
                    range: lines.range(text, end, end),
                    new_text: ")".to_string(),
                });
            } else {
                edits.push(TextEdit {
                    range: lines.range(text, start, start),
                    new_text: format!("{value} is present and "),
                });
            }
            edit(
                format!("check that `{value}` is present first"),
                edits,
                false,
            );
        }
    }
    Some(actions)
}

fn quoted(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message.get(start..)?.find('`')?;
    message.get(start..start + len)
}

/// The `when` condition (of a rule, score term or aggregate) around a span.
fn enclosing_condition(
    items: &[lintas_syntax::ast::Item],
    span: Span,
) -> Option<lintas_syntax::ast::Expr> {
    let inside =
        |e: &lintas_syntax::ast::Expr| e.span.start <= span.start && span.end <= e.span.end;
    for item in items {
        match &item.kind {
            ItemKind::Rule(r) if inside(&r.condition) => return Some(r.condition.clone()),
            ItemKind::Score(s) => {
                for t in &s.terms {
                    if let Some(c) = t.condition.as_ref().filter(|c| inside(c)) {
                        return Some(c.clone());
                    }
                }
            }
            _ => {}
        }
    }
    None
}

// ---------------------------------------------------------------- inlay hints

pub fn inlay_hints(world: &World, params: InlayHintParams) -> Option<Vec<InlayHint>> {
    let path = uri_path(&params.text_document.uri);
    let file = world.file_id(&path)?;
    let (index, program) = world.index_for(file)?;
    let program = program?;
    let text = world.text(file);
    let lines = LineIndex::new(text);
    let mut hints = Vec::new();
    for d in index.defs.iter().filter(|d| d.span.file == file) {
        let label = match d.kind {
            // A let's type is not written; show it.
            DefKind::Let | DefKind::Score | DefKind::DecisionTable => value_type(program, &d.name),
            _ => None,
        };
        if let Some(label) = label {
            let position = lines.position(text, d.span.end as usize);
            if position.line < params.range.start.line || position.line > params.range.end.line {
                continue;
            }
            hints.push(InlayHint {
                position,
                label: InlayHintLabel::String(label),
                kind: Some(InlayHintKind::TYPE),
                text_edits: None,
                tooltip: None,
                padding_left: None,
                padding_right: None,
                data: None,
            });
        }
    }
    // At a use of a score, what it adds up.
    for occ in index.occurrences.get(&file).into_iter().flatten() {
        if occ.is_def {
            continue;
        }
        if let Key::Value(name) = &occ.key
            && let Some(terms) = index.score_terms.get(name)
        {
            let position = lines.position(text, occ.span.end as usize);
            if position.line < params.range.start.line || position.line > params.range.end.line {
                continue;
            }
            let sum: Vec<String> = terms.iter().map(|(n, w)| format!("{n} {w}")).collect();
            hints.push(InlayHint {
                position,
                label: InlayHintLabel::String(format!(" = {}", sum.join(" + "))),
                kind: None,
                text_edits: None,
                tooltip: Some(InlayHintTooltip::String(
                    "the score's terms and their weights".to_string(),
                )),
                padding_left: None,
                padding_right: None,
                data: None,
            });
        }
    }
    hints.sort_by_key(|h| (h.position.line, h.position.character));
    Some(hints)
}
