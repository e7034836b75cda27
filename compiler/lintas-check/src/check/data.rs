//! Reference data: inline sets and tables, and the CSV and JSON files they
//! may be loaded from. Data is read and typed at compile time so that a bad
//! cell is a diagnostic naming the file, row and column, never a runtime
//! surprise at a checkpoint.

use super::{Checker, Scope, ValueEntry};
use crate::calendar;
use crate::countries;
use crate::hir::{EnumDef, ExprKind, FieldDef, Program, RecordDef, SetDef, TableDef};
use crate::types::{RecordId, TableId, Ty};
use crate::value::{self, Value};
use lintas_syntax::ast::{DataSource, Expr, ItemKind, SetContents, TableContents};
use lintas_syntax::{Diagnostic, FileId, Span, codes};

/// Most rows or elements accepted in one reference set or table.
pub const MAX_DATA_ROWS: usize = 5_000_000;

/// One cell of a data file, with where it came from.
struct Cell {
    text: Option<String>,
    span: Span,
}

impl Checker<'_> {
    pub(super) fn build_data(&mut self) {
        let items = self.items.clone();
        for (index, item_ref) in items.iter().enumerate() {
            if !self.is_live(index) {
                continue;
            }
            match &item_ref.item.kind {
                ItemKind::Set(set) => {
                    let element = self.resolve_type(&set.element);
                    if !is_data_type(&element) && !element.is_error() {
                        let found = self.ty_name(&element);
                        self.report(
                            Diagnostic::error(
                                codes::NOT_ALLOWED_HERE,
                                set.element.span(),
                                format!("a set cannot hold {found}"),
                            )
                            .help(
                                "sets hold Bool, Int, Decimal, Text, Date, Country or enum values",
                            ),
                        );
                    }
                    let (values, origin) = match &set.contents {
                        SetContents::Inline(exprs) => {
                            (self.inline_values(exprs, &element), "inline".to_string())
                        }
                        SetContents::File(source) => (
                            self.set_from_file(item_ref.level, source, &element),
                            source.path.value.clone(),
                        ),
                    };
                    let mut values = values;
                    values.sort();
                    values.dedup();
                    let index = self.program.sets.len();
                    self.program.sets.push(SetDef {
                        name: set.name.name.clone(),
                        element,
                        values,
                        origin,
                        span: set.name.span,
                    });
                    self.values
                        .insert(set.name.name.clone(), ValueEntry::Set(index));
                }
                ItemKind::Table(table) => {
                    let id = TableId(u32::try_from(self.program.tables.len()).unwrap_or(u32::MAX));
                    let mut fields: Vec<FieldDef> = Vec::new();
                    let mut keys = Vec::new();
                    for column in &table.columns {
                        if fields.iter().any(|f| f.name == column.name.name) {
                            self.report(
                                Diagnostic::error(
                                    codes::DUPLICATE,
                                    column.name.span,
                                    format!("column `{}` is declared twice", column.name.name),
                                )
                                .help("rename or remove one of them"),
                            );
                            continue;
                        }
                        let ty = self.resolve_type(&column.ty);
                        if !is_data_type(ty.without_optional()) && !ty.is_error() {
                            let found = self.ty_name(&ty);
                            self.report(
                                Diagnostic::error(
                                    codes::NOT_ALLOWED_HERE,
                                    column.ty.span(),
                                    format!("a table column cannot hold {found}"),
                                )
                                .help("columns hold Bool, Int, Decimal, Text, Date, Country or enum values, optionally `optional`"),
                            );
                        }
                        if column.is_key {
                            if matches!(ty, Ty::Optional(_)) {
                                self.report(
                                    Diagnostic::error(
                                        codes::BAD_TABLE,
                                        column.span,
                                        format!(
                                            "key column `{}` cannot be optional",
                                            column.name.name
                                        ),
                                    )
                                    .help("every row needs a value for each key column"),
                                );
                            }
                            keys.push(fields.len());
                        }
                        fields.push(FieldDef {
                            name: column.name.name.clone(),
                            ty,
                            sensitive: false,
                            loggable: true,
                            docs: column.docs.clone(),
                            span: Some(column.name.span),
                        });
                    }
                    if keys.is_empty() {
                        self.report(
                            Diagnostic::error(
                                codes::BAD_TABLE,
                                table.name.span,
                                format!("table `{}` has no key column", table.name.name),
                            )
                            .help("mark the column(s) rows are looked up by with `key`, e.g. `country: Country key`"),
                        );
                    }
                    let row =
                        RecordId(u32::try_from(self.program.records.len()).unwrap_or(u32::MAX));
                    self.program.records.push(RecordDef {
                        name: format!("{} row", table.name.name),
                        fields: fields.clone(),
                        span: Some(table.name.span),
                    });
                    let (rows, origin) = match &table.contents {
                        TableContents::Rows(rows) => {
                            let mut out = Vec::new();
                            for row in rows {
                                if row.cells.len() != fields.len() {
                                    self.report(
                                        Diagnostic::error(
                                            codes::BAD_TABLE,
                                            row.span,
                                            format!(
                                                "row has {} cell(s), the table has {} column(s)",
                                                row.cells.len(),
                                                fields.len()
                                            ),
                                        )
                                        .help("give one cell per column, in declaration order"),
                                    );
                                    continue;
                                }
                                let cells = row
                                    .cells
                                    .iter()
                                    .zip(&fields)
                                    .map(|(cell, field)| self.constant(cell, &field.ty))
                                    .collect();
                                out.push((Value::Record(cells), row.span));
                            }
                            (out, "inline".to_string())
                        }
                        TableContents::File(source) => (
                            self.table_from_file(item_ref.level, source, &fields),
                            source.path.value.clone(),
                        ),
                    };
                    let rows = self.unique_keys(&table.name.name, rows, &keys);
                    self.program.tables.push(TableDef {
                        name: table.name.name.clone(),
                        row,
                        keys,
                        rows,
                        origin,
                        span: table.name.span,
                    });
                    self.values
                        .insert(table.name.name.clone(), ValueEntry::Table(id));
                }
                _ => {}
            }
        }
    }

    fn unique_keys(&mut self, table: &str, rows: Vec<(Value, Span)>, keys: &[usize]) -> Vec<Value> {
        let mut seen = std::collections::HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for (row, span) in rows {
            let Value::Record(cells) = &row else {
                continue;
            };
            let key: Vec<Value> = keys.iter().filter_map(|k| cells.get(*k).cloned()).collect();
            if let Some(first) = seen.get(&key) {
                self.report(
                    Diagnostic::error(
                        codes::BAD_DATA,
                        span,
                        format!("table `{table}` has two rows with the same key"),
                    )
                    .with_secondary(*first, "first row with this key")
                    .help("each key may appear once; merge or remove the repeated row"),
                );
                continue;
            }
            seen.insert(key, span);
            out.push(row);
        }
        out
    }

    fn inline_values(&mut self, exprs: &[Expr], element: &Ty) -> Vec<Value> {
        exprs.iter().map(|e| self.constant(e, element)).collect()
    }

    /// A literal value of type `ty` (reference data must be constant).
    pub(super) fn constant(&mut self, e: &Expr, ty: &Ty) -> Value {
        let scope = Scope {
            literals: true,
            ..Scope::default()
        };
        let checked = self.expr(e, Some(ty), &scope);
        self.require(&checked, ty);
        self.fold_constant(&checked).unwrap_or_else(|| {
            if !checked.ty.is_error() {
                self.report(
                    Diagnostic::error(codes::NOT_ALLOWED_HERE, e.span, "only literal values can be written here")
                        .help("test inputs and reference data are values, e.g. `IDN`, `42` or `2025-01-31`, not expressions"),
                );
            }
            Value::Absent
        })
    }

    /// The value of a checked literal, list or record of literals.
    pub(super) fn fold_constant(&self, e: &crate::hir::Expr) -> Option<Value> {
        match &e.kind {
            // An error inside was reported where it is; it folds to absent.
            ExprKind::Const(v) => Some(v.clone()),
            ExprKind::List(items) => items
                .iter()
                .map(|i| self.fold_constant(i))
                .collect::<Option<Vec<_>>>()
                .map(Value::List),
            ExprKind::Record(_, fields) => fields
                .iter()
                .map(|f| self.fold_constant(f))
                .collect::<Option<Vec<_>>>()
                .map(Value::Record),
            ExprKind::Neg(inner) => match self.fold_constant(inner)? {
                Value::Int(i) => i.checked_neg().map(Value::Int),
                Value::Decimal(d) => d.checked_neg().map(Value::Decimal),
                _ => None,
            },
            _ => None,
        }
    }

    fn data_file(&mut self, level: usize, source: &DataSource) -> Option<FileId> {
        let package = self.chain.get(level).and_then(|id| self.ws.package(*id))?;
        let path = source.path.value.trim_start_matches("./").to_string();
        if let Some(file) = package.data.get(&path) {
            return Some(*file);
        }
        if let Some(why) = package.unreadable.get(&path) {
            let why = why.clone();
            self.report(
                Diagnostic::error(
                    codes::DATA_FILE,
                    source.path.span,
                    format!("data file `{}` cannot be read: {why}", source.path.value),
                )
                .help("save the file as UTF-8 text (CSV or JSON)"),
            );
            return None;
        }
        let known: Vec<&str> = package.data.keys().map(String::as_str).collect();
        let help =
            crate::suggest::did_you_mean(&path, known.iter().copied()).unwrap_or_else(|| {
                format!(
                    "put the file in the package directory `{}`; paths are relative to it",
                    package.root
                )
            });
        self.report(
            Diagnostic::error(
                codes::DATA_FILE,
                source.path.span,
                format!("data file `{}` not found in package", source.path.value),
            )
            .help(help),
        );
        None
    }

    fn set_from_file(&mut self, level: usize, source: &DataSource, element: &Ty) -> Vec<Value> {
        let Some(file) = self.data_file(level, source) else {
            return Vec::new();
        };
        let Some(rows) = self.read_rows(file, source) else {
            return Vec::new();
        };
        let (header, rows) = rows;
        let column = match (&source.column, header.len()) {
            (Some(c), _) => match header.iter().position(|h| *h == c.value) {
                Some(i) => i,
                None => {
                    self.report(
                        Diagnostic::error(
                            codes::BAD_DATA,
                            c.span,
                            format!("`{}` has no column `{}`", source.path.value, c.value),
                        )
                        .help(format!(
                            "its columns are {}",
                            super::expr::quoted_list(&header)
                        )),
                    );
                    return Vec::new();
                }
            },
            (None, 1) => 0,
            (None, _) => {
                self.report(
                    Diagnostic::error(
                        codes::BAD_DATA,
                        source.span,
                        format!(
                            "`{}` has {} columns; say which one holds the values",
                            source.path.value,
                            header.len()
                        ),
                    )
                    .help(format!(
                        "add `column \"{}\"`",
                        header.first().map_or("name", String::as_str)
                    )),
                );
                return Vec::new();
            }
        };
        let column_name = header.get(column).cloned().unwrap_or_default();
        let mut values = Vec::new();
        for (row_number, row) in rows.iter().enumerate() {
            let Some(cell) = row.get(column) else {
                continue;
            };
            if let Some(v) = self.parse_cell(
                cell,
                element,
                &source.path.value,
                row_number + 1,
                &column_name,
            ) {
                values.push(v);
            }
        }
        values
    }

    fn table_from_file(
        &mut self,
        level: usize,
        source: &DataSource,
        fields: &[FieldDef],
    ) -> Vec<(Value, Span)> {
        let Some(file) = self.data_file(level, source) else {
            return Vec::new();
        };
        let Some((header, rows)) = self.read_rows(file, source) else {
            return Vec::new();
        };
        let mut positions = Vec::new();
        let mut missing = Vec::new();
        for field in fields {
            match header.iter().position(|h| *h == field.name) {
                Some(i) => positions.push(Some(i)),
                None if matches!(field.ty, Ty::Optional(_)) => positions.push(None),
                None => {
                    missing.push(field.name.clone());
                    positions.push(None);
                }
            }
        }
        if !missing.is_empty() {
            self.report(
                Diagnostic::error(
                    codes::BAD_DATA,
                    source.path.span,
                    format!(
                        "`{}` lacks the column(s) {}",
                        source.path.value,
                        super::expr::quoted_list(&missing)
                    ),
                )
                .help(format!(
                    "its columns are {}",
                    super::expr::quoted_list(&header)
                )),
            );
            return Vec::new();
        }
        let mut out = Vec::new();
        for (row_number, row) in rows.iter().enumerate() {
            let mut cells = Vec::new();
            let mut ok = true;
            let span = row.first().map_or(source.path.span, |c| c.span);
            for (field, position) in fields.iter().zip(&positions) {
                let value = match position.and_then(|p| row.get(p)) {
                    Some(cell) => self.parse_cell(
                        cell,
                        &field.ty,
                        &source.path.value,
                        row_number + 1,
                        &field.name,
                    ),
                    None => Some(Value::Absent),
                };
                match value {
                    Some(v) => cells.push(v),
                    None => ok = false,
                }
            }
            if ok {
                out.push((Value::Record(cells), span));
            }
        }
        out
    }

    /// The header and rows of a CSV or JSON data file.
    fn read_rows(
        &mut self,
        file: FileId,
        source: &DataSource,
    ) -> Option<(Vec<String>, Vec<Vec<Cell>>)> {
        let text = self.ws.db.text(file).to_string();
        let whole = Span::new(file, 0, text.len().min(1));
        let result = if source.path.value.ends_with(".json") {
            read_json(&text, file)
        } else {
            read_csv(&text, file)
        };
        match result {
            Ok((header, rows)) if rows.len() <= MAX_DATA_ROWS => Some((header, rows)),
            Ok((_, rows)) => {
                self.report(
                    Diagnostic::error(
                        codes::BAD_DATA,
                        source.path.span,
                        format!(
                            "`{}` has {} rows; the limit is {MAX_DATA_ROWS}",
                            source.path.value,
                            rows.len()
                        ),
                    )
                    .help("split the data or ship it as a data bundle"),
                );
                None
            }
            Err((message, span)) => {
                self.report(
                    Diagnostic::error(
                        codes::BAD_DATA,
                        span.unwrap_or(whole),
                        format!("cannot read `{}`: {message}", source.path.value),
                    )
                    .with_secondary(source.path.span, "loaded here")
                    .help(
                        "CSV files need a header row; JSON files an array of values or of objects",
                    ),
                );
                None
            }
        }
    }

    fn parse_cell(
        &mut self,
        cell: &Cell,
        ty: &Ty,
        file: &str,
        row: usize,
        column: &str,
    ) -> Option<Value> {
        match parse_text(cell.text.as_deref(), ty, &self.program.enums) {
            Ok(v) => Some(v),
            Err(problem) => {
                self.report(
                    Diagnostic::error(
                        codes::BAD_DATA,
                        cell.span,
                        format!("`{file}` row {row}, column `{column}`: {problem}"),
                    )
                    .help(format!("the column is declared as {}", self.ty_name(ty))),
                );
                None
            }
        }
    }
}

fn is_data_type(ty: &Ty) -> bool {
    matches!(
        ty,
        Ty::Bool | Ty::Int | Ty::Decimal | Ty::Text | Ty::Date | Ty::Country | Ty::Enum(_)
    )
}

/// Reads one data cell as a value of `ty`; `None` text is a missing cell.
/// Enum values are looked up in `enums` (the program's, by [`EnumId`]).
fn parse_text(text: Option<&str>, ty: &Ty, enums: &[EnumDef]) -> Result<Value, String> {
    let trimmed = text.map(str::trim);
    match (trimmed, ty) {
        (None | Some(""), Ty::Optional(_)) => Ok(Value::Absent),
        (_, Ty::Optional(inner)) => parse_text(trimmed, inner, enums),
        (None | Some(""), _) => Err("the cell is empty".to_string()),
        (Some(t), Ty::Bool) => match t {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("`{t}` is not `true` or `false`")),
        },
        (Some(t), Ty::Int) => value::parse_int(t).map(Value::Int),
        (Some(t), Ty::Decimal) => value::parse_decimal(t).map(Value::Decimal),
        (Some(t), Ty::Text) => Ok(Value::Text(t.to_string())),
        (Some(t), Ty::Date) => calendar::parse_date(t)
            .map(Value::Date)
            .ok_or_else(|| format!("`{t}` is not a date in the form YYYY-MM-DD")),
        (Some(t), Ty::Country) => countries::canonical(t)
            .map(|c| Value::Country(c.to_string()))
            .ok_or_else(|| format!("`{t}` is not a country code")),
        (Some(t), Ty::Enum(id)) => {
            let def = enums.get(id.0 as usize);
            def.and_then(|d| d.values.iter().position(|v| v == t))
                .and_then(|p| u32::try_from(p).ok())
                .map(|p| Value::Enum(*id, p))
                .ok_or_else(|| {
                    let name = def.map_or("an enum", |d| d.name.as_str());
                    format!("`{t}` is not a value of `{name}`")
                })
        }
        (Some(_), _) => Err("this type cannot be read from a data file".to_string()),
    }
}

/// Why reference data given as text cannot replace a set or table (see
/// [`read_set_text`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataError {
    /// More rows or elements than the caller allows.
    TooManyRows { rows: usize, limit: usize },
    /// Every problem found, each naming the file and, for a cell, its row
    /// and column.
    Invalid(Vec<String>),
}

/// The values of set number `set` of `program`, read from the CSV or JSON
/// `text` of a file named `path` (JSON when it ends in `.json`), exactly as
/// the checker reads a set's data file: `column` names the column of a CSV
/// with several; the values are sorted and deduplicated.
///
/// This is how a running checkpoint takes new reference data (a data
/// bundle) without the package's sources: pure, like the rest of the
/// checker, so the runtime types data by the same rules as compile time.
pub fn read_set_text(
    program: &Program,
    set: usize,
    path: &str,
    text: &str,
    column: Option<&str>,
    max_rows: usize,
) -> Result<Vec<Value>, DataError> {
    let Some(def) = program.sets.get(set) else {
        return Err(DataError::Invalid(vec![format!(
            "the program has no set #{set}"
        )]));
    };
    let (header, rows) = read_limited(path, text, max_rows)?;
    let index = match (column, header.len()) {
        (Some(c), _) => header.iter().position(|h| h == c).ok_or_else(|| {
            DataError::Invalid(vec![format!(
                "`{path}` has no column `{c}`; its columns are {}",
                super::expr::quoted_list(&header)
            )])
        })?,
        (None, 1) => 0,
        (None, n) => {
            return Err(DataError::Invalid(vec![format!(
                "`{path}` has {n} columns; say which one holds the values of `{}`",
                def.name
            )]));
        }
    };
    let column_name = header.get(index).cloned().unwrap_or_default();
    let mut problems = Vec::new();
    let mut values = Vec::with_capacity(rows.len());
    for (row_number, row) in rows.iter().enumerate() {
        let Some(cell) = row.get(index) else {
            continue;
        };
        match parse_text(cell.text.as_deref(), &def.element, &program.enums) {
            Ok(v) => values.push(v),
            Err(problem) => problems.push(format!(
                "`{path}` row {}, column `{column_name}`: {problem}",
                row_number + 1
            )),
        }
    }
    if !problems.is_empty() {
        return Err(DataError::Invalid(problems));
    }
    values.sort();
    values.dedup();
    Ok(values)
}

/// The rows of table `table` of `program`, read from the CSV or JSON `text`
/// of a file named `path`, exactly as the checker reads a table's data
/// file: columns by name (an optional column may be missing), every cell
/// typed by the table's declaration, no two rows with the same key. See
/// [`read_set_text`] for why this exists.
pub fn read_table_text(
    program: &Program,
    table: TableId,
    path: &str,
    text: &str,
    max_rows: usize,
) -> Result<Vec<Value>, DataError> {
    let def = program.tables.get(table.0 as usize);
    let record = def.and_then(|d| program.records.get(d.row.0 as usize));
    let (Some(def), Some(record)) = (def, record) else {
        return Err(DataError::Invalid(vec![format!(
            "the program has no table #{}",
            table.0
        )]));
    };
    let (header, rows) = read_limited(path, text, max_rows)?;
    let mut positions = Vec::new();
    let mut missing = Vec::new();
    for field in &record.fields {
        let position = header.iter().position(|h| *h == field.name);
        if position.is_none() && !matches!(field.ty, Ty::Optional(_)) {
            missing.push(field.name.clone());
        }
        positions.push(position);
    }
    if !missing.is_empty() {
        return Err(DataError::Invalid(vec![format!(
            "`{path}` lacks the column(s) {} of table `{}`; its columns are {}",
            super::expr::quoted_list(&missing),
            def.name,
            super::expr::quoted_list(&header)
        )]));
    }
    let mut problems = Vec::new();
    let mut out = Vec::with_capacity(rows.len());
    let mut seen = std::collections::HashMap::new();
    for (row_number, row) in rows.iter().enumerate() {
        let mut cells = Vec::with_capacity(record.fields.len());
        for (field, position) in record.fields.iter().zip(&positions) {
            let cell = position.and_then(|p| row.get(p));
            let parsed = match cell {
                Some(cell) => parse_text(cell.text.as_deref(), &field.ty, &program.enums),
                None => Ok(Value::Absent),
            };
            match parsed {
                Ok(v) => cells.push(v),
                Err(problem) => problems.push(format!(
                    "`{path}` row {}, column `{}`: {problem}",
                    row_number + 1,
                    field.name
                )),
            }
        }
        if cells.len() != record.fields.len() {
            continue;
        }
        let key: Vec<Value> = def
            .keys
            .iter()
            .filter_map(|k| cells.get(*k).cloned())
            .collect();
        if let Some(first) = seen.insert(key, row_number + 1) {
            problems.push(format!(
                "`{path}` row {}: table `{}` has another row with the same key (row {first})",
                row_number + 1,
                def.name
            ));
            continue;
        }
        out.push(Value::Record(cells));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(DataError::Invalid(problems))
    }
}

/// A data file's header and rows, refusing more than `max_rows` (and never
/// more than [`MAX_DATA_ROWS`], the checker's own limit).
fn read_limited(path: &str, text: &str, max_rows: usize) -> Result<Rows, DataError> {
    // No file id: these rows come from outside any package, so no span
    // will ever be shown for them.
    let file = FileId(u32::MAX);
    let read = if path.ends_with(".json") {
        read_json(text, file)
    } else {
        read_csv(text, file)
    };
    let (header, rows) = read.map_err(|(message, _)| {
        DataError::Invalid(vec![format!("cannot read `{path}`: {message}")])
    })?;
    let limit = max_rows.min(MAX_DATA_ROWS);
    if rows.len() > limit {
        return Err(DataError::TooManyRows {
            rows: rows.len(),
            limit,
        });
    }
    Ok((header, rows))
}

type Rows = (Vec<String>, Vec<Vec<Cell>>);

fn read_csv(text: &str, file: FileId) -> Result<Rows, (String, Option<Span>)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| (e.to_string(), None))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let span = e.position().map(|p| {
                let at = usize::try_from(p.byte()).unwrap_or(0);
                Span::new(file, at, at + 1)
            });
            (e.to_string(), span)
        })?;
        let start = record
            .position()
            .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(0));
        let cells = (0..record.len())
            .map(|i| {
                let range = record.range(i).unwrap_or(0..0);
                Cell {
                    text: record.get(i).map(str::to_string),
                    span: Span::new(
                        file,
                        start + range.start,
                        start + range.end.max(range.start + 1),
                    ),
                }
            })
            .collect();
        rows.push(cells);
    }
    Ok((header, rows))
}

fn read_json(text: &str, file: FileId) -> Result<Rows, (String, Option<Span>)> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        let offset = line_offset(text, e.line(), e.column());
        (e.to_string(), Some(Span::new(file, offset, offset + 1)))
    })?;
    let whole = Span::new(file, 0, 1);
    let serde_json::Value::Array(items) = value else {
        return Err(("the top level must be an array".to_string(), None));
    };
    let scalar = |v: &serde_json::Value| -> Option<String> {
        match v {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    };
    if items.iter().all(|i| !i.is_object()) {
        let rows = items
            .iter()
            .map(|i| {
                vec![Cell {
                    text: scalar(i),
                    span: whole,
                }]
            })
            .collect();
        return Ok((vec!["value".to_string()], rows));
    }
    let mut header: Vec<String> = Vec::new();
    for item in &items {
        let serde_json::Value::Object(map) = item else {
            return Err(("mixes objects and plain values".to_string(), None));
        };
        for key in map.keys() {
            if !header.contains(key) {
                header.push(key.clone());
            }
        }
    }
    let rows = items
        .iter()
        .map(|item| {
            header
                .iter()
                .map(|h| Cell {
                    text: item.get(h).and_then(scalar),
                    span: whole,
                })
                .collect()
        })
        .collect();
    Ok((header, rows))
}

fn line_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column.saturating_sub(1)).min(text.len())
}
