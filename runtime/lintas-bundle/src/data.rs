//! Data bundles: new rows for named reference sets and tables of a rule
//! package, shipped without a rule change (watchlists and lost-and-stolen
//! lists change hourly, rules monthly).
//!
//! A data bundle is the same reproducible tar.gz as a rule bundle, signed
//! the same way: `manifest.json` (with `"kind": "data"`: the package and
//! versions it is for, when it was issued, until when its data is valid,
//! which sets and tables it replaces from which file, and every file's
//! SHA-256), `manifest.sig`, and the data files under `data/PACKAGE/PATH`
//! in the format the package's own data files use (CSV, or JSON when the
//! name ends in `.json`). The checkpoint reads them with the checker's own
//! reader ([`lintas_check::read_table_text`]), typed by the running rules'
//! declarations, then compiles the rules again with the new rows.

use crate::archive::{self, Files, Limits, MANIFEST};
use crate::bundle::{self, BundleKind};
use crate::keys::TrustStore;
use crate::manifest::{CompilerMeta, FORMAT, FileMeta, Manifest};
use crate::{BundleError, Timestamp};
use lintas_check::hir::{CellDef, DecisionDef, Expr, ExprKind, Program};
use lintas_check::types::TableId;
use lintas_check::value::Value;
use lintas_check::{DataError, MAX_DATA_ROWS};
use semver::{Version, VersionReq};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The manifest `kind` of a data bundle.
pub const DATA_KIND: &str = "data";

/// `manifest.json` of a data bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataManifest {
    /// [`FORMAT`] when written by this crate.
    pub format: u32,
    /// Always [`DATA_KIND`]: a rule loader refuses a data bundle by it.
    pub kind: String,
    /// What the data is, for status pages and messages (`watchlists`).
    pub name: String,
    pub target: DataTarget,
    pub compiler: CompilerMeta,
    /// When the data was issued (an input to the build, never the clock),
    /// RFC 3339. Orders data bundles: an older one is a rollback.
    pub issued: String,
    /// From this instant on the data is stale, RFC 3339: a checkpoint
    /// refuses the bundle, and one still using its rows then does what
    /// the operator configured ([`crate::StalePolicy`]).
    pub valid_until: String,
    pub replaces: Vec<ReplacementMeta>,
    /// Every file of the bundle but the manifest and its signature.
    pub files: BTreeMap<String, FileMeta>,
}

/// The rule package a data bundle is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataTarget {
    pub package: String,
    /// A semantic-version requirement (`^1.2`, `>=1.0, <2`) the running
    /// package version must meet.
    pub versions: String,
}

/// One set or table a data bundle replaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplacementMeta {
    /// The set or table, as the rules name it.
    pub name: String,
    /// `set` or `table`.
    pub kind: String,
    /// The data file's path in the bundle.
    pub file: String,
    /// For a set read from a file with several columns: which one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Elements or rows, as read when the bundle was built.
    pub entries: usize,
}

/// What a data bundle build needs beside the program and the files. As
/// for rule bundles, nothing comes from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataOptions {
    pub name: String,
    /// Which versions of the package the data is for (a semantic-version
    /// requirement); it must include the version built against.
    pub versions: String,
    pub compiler_version: String,
    pub issued: Timestamp,
    pub valid_until: Timestamp,
}

/// A data file that replaces one set or table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataInput {
    /// The set or table.
    pub name: String,
    /// The package whose data it is, and the file's path in it
    /// (`/`-separated): together they name the file in the bundle.
    pub package: String,
    pub path: String,
    /// For a set: the column holding its values, when there are several.
    pub column: Option<String>,
    pub bytes: Vec<u8>,
}

/// A set or table of a program, found by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Set(usize),
    Table(TableId),
}

impl Target {
    fn kind(self) -> &'static str {
        match self {
            Target::Set(_) => "set",
            Target::Table(_) => "table",
        }
    }

    /// The set or table named `name`: the last one declared, which is the
    /// one an overlay's `override` made the rules use.
    fn find(program: &Program, name: &str) -> Option<Target> {
        if let Some(i) = program.sets.iter().rposition(|s| s.name == name) {
            return Some(Target::Set(i));
        }
        let i = program.tables.iter().rposition(|t| t.name == name)?;
        u32::try_from(i).ok().map(|i| Target::Table(TableId(i)))
    }
}

/// Builds an unsigned data bundle, after reading every file as the
/// checkpoint will (so a bad cell fails the build, not the checkpoint).
pub fn build_data(
    program: &Program,
    inputs: &[DataInput],
    options: &DataOptions,
) -> Result<Vec<u8>, BundleError> {
    let fail = |message: String| BundleError::Build { message };
    if options.name.is_empty() || options.name.chars().any(char::is_control) {
        return Err(fail(format!(
            "`{}` cannot name a data bundle; give a short name such as `watchlists`",
            options.name
        )));
    }
    let versions = VersionReq::parse(&options.versions).map_err(|e| {
        fail(format!(
            "`{}` is not a version requirement ({e}); write e.g. `^1.2` or `>=1.0, <2`",
            options.versions
        ))
    })?;
    let version = Version::parse(&program.package.version).map_err(|e| {
        fail(format!(
            "package version `{}` is not a semantic version ({e})",
            program.package.version
        ))
    })?;
    if !versions.matches(&version) {
        return Err(fail(format!(
            "the versions `{}` exclude {} {}, the package the data was read for",
            options.versions, program.package.name, version
        )));
    }
    Version::parse(&options.compiler_version).map_err(|e| {
        fail(format!(
            "compiler version `{}` is not a semantic version ({e})",
            options.compiler_version
        ))
    })?;
    if options.valid_until <= options.issued {
        return Err(fail(format!(
            "the data would be stale ({}) no later than it was issued ({}); give a later `--valid-until`",
            options.valid_until, options.issued
        )));
    }
    if inputs.is_empty() {
        return Err(fail(
            "a data bundle must replace at least one set or table".into(),
        ));
    }
    let mut files = Files::new();
    let mut replaces = Vec::new();
    let mut names = BTreeSet::new();
    for input in inputs {
        if !names.insert(input.name.as_str()) {
            return Err(fail(format!("`{}` is replaced twice", input.name)));
        }
        let Some(target) = Target::find(program, &input.name) else {
            return Err(fail(format!(
                "{} {} has no set or table `{}`",
                program.package.name, program.package.version, input.name
            )));
        };
        let path = format!("{}/{}/{}", crate::DATA_DIR, input.package, input.path);
        if !archive::valid_path(&path) {
            return Err(fail(format!("`{path}` cannot be a path in a bundle")));
        }
        let text = std::str::from_utf8(&input.bytes)
            .map_err(|_| fail(format!("`{}` is not UTF-8 text", input.path)))?;
        let entries = read(
            program,
            target,
            &input.path,
            text,
            input.column.as_deref(),
            MAX_DATA_ROWS,
        )
        .map_err(|e| fail(format!("`{}`: {}", input.name, describe(&e))))?
        .len();
        if files
            .insert(path.clone(), input.bytes.clone())
            .is_some_and(|earlier| earlier != input.bytes)
        {
            return Err(fail(format!("`{path}` is given twice, differently")));
        }
        replaces.push(ReplacementMeta {
            name: input.name.clone(),
            kind: target.kind().into(),
            file: path,
            column: input.column.clone(),
            entries,
        });
    }
    let manifest = DataManifest {
        format: FORMAT,
        kind: DATA_KIND.into(),
        name: options.name.clone(),
        target: DataTarget {
            package: program.package.name.clone(),
            versions: options.versions.clone(),
        },
        compiler: CompilerMeta {
            name: "lintas".into(),
            version: options.compiler_version.clone(),
        },
        issued: options.issued.to_string(),
        valid_until: options.valid_until.to_string(),
        replaces,
        files: files
            .iter()
            .map(|(path, bytes)| (path.clone(), FileMeta::of(bytes)))
            .collect(),
    };
    files.insert(MANIFEST.into(), manifest.to_bytes());
    archive::write(&files)
}

impl DataManifest {
    /// The bytes that go into the bundle (and that the signature covers).
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising structs, strings and BTreeMaps cannot fail.
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

/// A data bundle whose signature, manifest and files were checked, and
/// that was not stale when verified.
#[derive(Debug, Clone)]
pub struct VerifiedData {
    pub manifest: DataManifest,
    /// The id of the trusted key that signed it.
    pub signed_by: String,
    /// Of the bundle's bytes, as delivered.
    pub sha256: String,
    pub issued: Timestamp,
    pub valid_until: Timestamp,
    pub versions: VersionReq,
    /// Where it came from (a path or URL), for messages.
    pub origin: String,
    files: Files,
}

/// Reads a data bundle's manifest without checking its signature: for
/// `lintas inspect`, which shows what a bundle claims.
pub fn open_data_unverified(
    bytes: &[u8],
    bundle: &str,
    limits: &Limits,
) -> Result<(DataManifest, Files), BundleError> {
    let files = archive::read(bytes, bundle, limits)?;
    let manifest_bytes = files.get(MANIFEST).ok_or_else(|| BundleError::Corrupt {
        bundle: bundle.to_string(),
        message: format!("it has no `{MANIFEST}`"),
    })?;
    let manifest = parse_manifest(manifest_bytes, bundle)?;
    Ok((manifest, files))
}

/// Whether a data bundle's files match its manifest, and nothing is
/// unlisted.
pub fn check_data_files(
    manifest: &DataManifest,
    files: &Files,
    bundle: &str,
) -> Result<(), BundleError> {
    bundle::check_listed(&manifest.files, files, bundle)
}

fn parse_manifest(bytes: &[u8], bundle: &str) -> Result<DataManifest, BundleError> {
    let value = bundle::manifest_value(bytes, bundle)?;
    let kind = bundle::kind_of(&value, bundle)?;
    if kind != BundleKind::Data {
        return Err(BundleError::WrongKind {
            bundle: bundle.to_string(),
            expected: BundleKind::Data.name().into(),
            found: kind.name().into(),
        });
    }
    serde_json::from_value(value).map_err(|e| BundleError::Malformed {
        bundle: bundle.to_string(),
        file: MANIFEST.into(),
        message: e.to_string(),
    })
}

/// The checks of a data bundle that need no rules, in the order of a
/// rule bundle's: archive, signature by a trusted key, format and kind,
/// compatibility, files; then that it is not stale at `now`.
pub(crate) fn verify(
    bytes: &[u8],
    bundle: &str,
    trust: &TrustStore,
    limits: &Limits,
    compiler: &Version,
    now: Timestamp,
) -> Result<VerifiedData, BundleError> {
    let files = archive::read(bytes, bundle, limits)?;
    let (manifest_bytes, signed_by) = bundle::check_signature(&files, bundle, trust)?;
    let manifest = parse_manifest(manifest_bytes, bundle)?;
    bundle::check_compatible(&manifest.compiler, bundle, compiler)?;
    bundle::check_listed(&manifest.files, &files, bundle)?;
    let malformed = |message: String| BundleError::Malformed {
        bundle: bundle.to_string(),
        file: MANIFEST.into(),
        message,
    };
    let issued =
        Timestamp::parse(&manifest.issued).map_err(|e| malformed(format!("`issued`: {e}")))?;
    let valid_until = Timestamp::parse(&manifest.valid_until)
        .map_err(|e| malformed(format!("`valid_until`: {e}")))?;
    let versions = VersionReq::parse(&manifest.target.versions)
        .map_err(|e| malformed(format!("`target.versions`: {e}")))?;
    for replacement in &manifest.replaces {
        if !manifest.files.contains_key(&replacement.file) {
            return Err(malformed(format!(
                "`{}` is replaced from `{}`, which the manifest does not list",
                replacement.name, replacement.file
            )));
        }
    }
    if now >= valid_until {
        return Err(BundleError::DataExpired {
            bundle: bundle.to_string(),
            name: manifest.name.clone(),
            valid_until: valid_until.to_string(),
            now: now.to_string(),
        });
    }
    Ok(VerifiedData {
        manifest,
        signed_by,
        sha256: crate::manifest::sha256(bytes),
        issued,
        valid_until,
        versions,
        origin: bundle.to_string(),
        files,
    })
}

/// Limits on the tables a data bundle replaces: a bad or hostile update
/// must not exhaust a checkpoint's memory, and a list that suddenly holds
/// ten times its usual rows is more likely a mistake than news.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataLimits {
    /// Most rows (or set elements) in any one table.
    pub max_rows: usize,
    /// Most bytes in any one data file.
    pub max_bytes: u64,
    /// Row limits for particular tables, by name, instead of `max_rows`.
    pub tables: BTreeMap<String, usize>,
}

impl Default for DataLimits {
    fn default() -> DataLimits {
        DataLimits {
            max_rows: MAX_DATA_ROWS,
            max_bytes: 256 << 20,
            tables: BTreeMap::new(),
        }
    }
}

impl DataLimits {
    /// The row limit of table `name`.
    pub fn rows_for(&self, name: &str) -> usize {
        self.tables.get(name).copied().unwrap_or(self.max_rows)
    }
}

/// A set or table whose rows a data bundle replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedData {
    /// The set or table.
    pub name: String,
    /// `set` or `table`.
    pub kind: &'static str,
    /// The data bundle's name (its manifest's `name`).
    pub bundle: String,
    /// Of the data bundle's bytes.
    pub sha256: String,
    pub signed_by: String,
    pub issued: Timestamp,
    pub valid_until: Timestamp,
    /// When this checkpoint applied it.
    pub applied_at: Timestamp,
    /// Elements or rows.
    pub entries: usize,
}

/// Refuses a data bundle that is not for this package and version.
pub(crate) fn check_target(
    data: &VerifiedData,
    manifest: &Manifest,
    version: &Version,
) -> Result<(), BundleError> {
    if data.manifest.target.package == manifest.package.name && data.versions.matches(version) {
        return Ok(());
    }
    Err(BundleError::DataNotApplicable {
        bundle: data.origin.clone(),
        package: data.manifest.target.package.clone(),
        versions: data.manifest.target.versions.clone(),
        running: format!("{} {}", manifest.package.name, version),
    })
}

/// Refuses a data bundle older than the data in use for any table it
/// replaces: the rows of an earlier data bundle, or else the rule
/// bundle's own (as old as its build).
pub(crate) fn check_not_older(
    data: &VerifiedData,
    manifest: &Manifest,
    applied: &[AppliedData],
) -> Result<(), BundleError> {
    let built = Timestamp::parse(&manifest.built).ok();
    for replacement in &data.manifest.replaces {
        let in_use = applied
            .iter()
            .rev()
            .find(|a| a.name == replacement.name)
            .map(|a| a.issued)
            .or(built);
        if let Some(in_use) = in_use
            && data.issued < in_use
        {
            return Err(BundleError::DataRollback {
                bundle: data.origin.clone(),
                table: replacement.name.clone(),
                issued: data.issued.to_string(),
                running: in_use.to_string(),
            });
        }
    }
    Ok(())
}

/// Replaces the rows of every set and table `data` names in `program`.
/// Every file is read before anything is replaced, so a refusal leaves
/// `program` as it was.
pub(crate) fn replace(
    program: &mut Program,
    data: &VerifiedData,
    limits: &DataLimits,
    now: Timestamp,
) -> Result<Vec<AppliedData>, BundleError> {
    let bundle = data.origin.as_str();
    let mut read_all = Vec::new();
    for replacement in &data.manifest.replaces {
        let unknown = || BundleError::UnknownTable {
            bundle: bundle.to_string(),
            kind: replacement.kind.clone(),
            name: replacement.name.clone(),
            package: format!("{} {}", program.package.name, program.package.version),
        };
        let target = Target::find(program, &replacement.name).ok_or_else(unknown)?;
        if target.kind() != replacement.kind {
            return Err(unknown());
        }
        let too_large = |message: String| BundleError::TableTooLarge {
            bundle: bundle.to_string(),
            table: replacement.name.clone(),
            message,
        };
        let bad = |message: String| BundleError::BadData {
            bundle: bundle.to_string(),
            table: replacement.name.clone(),
            file: replacement.file.clone(),
            message,
        };
        let bytes = data
            .files
            .get(&replacement.file)
            .ok_or_else(|| bad("the bundle does not hold it".into()))?;
        if bytes.len() as u64 > limits.max_bytes {
            return Err(too_large(format!(
                "`{}` is {} bytes, over the limit of {} per table",
                replacement.file,
                bytes.len(),
                limits.max_bytes
            )));
        }
        let text = std::str::from_utf8(bytes).map_err(|_| bad("it is not UTF-8 text".into()))?;
        let max_rows = limits.rows_for(&replacement.name);
        let values = read(
            program,
            target,
            &replacement.file,
            text,
            replacement.column.as_deref(),
            max_rows,
        )
        .map_err(|e| match e {
            DataError::TooManyRows { rows, limit } => too_large(format!(
                "{rows} rows, over the limit of {limit} for `{}`",
                replacement.name
            )),
            DataError::Invalid(_) => bad(describe(&e)),
        })?;
        read_all.push((target, replacement, values));
    }
    let mut applied = Vec::new();
    for (target, replacement, values) in read_all {
        let entries = values.len();
        match target {
            Target::Set(_) => {
                // Every declaration of the name: an overridden one is
                // unused, and replacing it too keeps no stale copy around.
                for set in program
                    .sets
                    .iter_mut()
                    .filter(|s| s.name == replacement.name)
                {
                    set.values = values.clone();
                }
            }
            Target::Table(_) => {
                for table in program
                    .tables
                    .iter_mut()
                    .filter(|t| t.name == replacement.name)
                {
                    table.rows = values.clone();
                }
            }
        }
        applied.push(AppliedData {
            name: replacement.name.clone(),
            kind: target.kind(),
            bundle: data.manifest.name.clone(),
            sha256: data.sha256.clone(),
            signed_by: data.signed_by.clone(),
            issued: data.issued,
            valid_until: data.valid_until,
            applied_at: now,
            entries,
        });
    }
    Ok(applied)
}

/// `earlier` with the entries of `newer` in place of those of the same
/// name.
pub(crate) fn merge(earlier: &[AppliedData], newer: Vec<AppliedData>) -> Vec<AppliedData> {
    let mut merged: Vec<AppliedData> = earlier
        .iter()
        .filter(|e| !newer.iter().any(|n| n.name == e.name))
        .cloned()
        .collect();
    merged.extend(newer);
    merged
}

fn read(
    program: &Program,
    target: Target,
    path: &str,
    text: &str,
    column: Option<&str>,
    max_rows: usize,
) -> Result<Vec<Value>, DataError> {
    match target {
        Target::Set(i) => lintas_check::read_set_text(program, i, path, text, column, max_rows),
        Target::Table(id) => lintas_check::read_table_text(program, id, path, text, max_rows),
    }
}

/// A data error in one line: the first problems, and how many more.
fn describe(e: &DataError) -> String {
    const SHOWN: usize = 5;
    match e {
        DataError::TooManyRows { rows, limit } => {
            format!("{rows} rows, over the limit of {limit}")
        }
        DataError::Invalid(problems) => {
            let mut text = problems
                .iter()
                .take(SHOWN)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ");
            if problems.len() > SHOWN {
                text.push_str(&format!(" (and {} more)", problems.len() - SHOWN));
            }
            text
        }
    }
}

/// For each decision of `program`, the indices into `data` of the sets
/// and tables it reads, through its rules, lets, scores, decision tables
/// and aggregates (each decision carries everything it uses).
pub(crate) fn decision_reads(program: &Program, data: &[AppliedData]) -> Vec<Vec<usize>> {
    program
        .decisions
        .iter()
        .map(|def| {
            let mut reads = Reads::default();
            reads.decision(def);
            data.iter()
                .enumerate()
                .filter(|(_, d)| match d.kind {
                    "set" => reads
                        .sets
                        .iter()
                        .any(|i| program.sets.get(*i).is_some_and(|s| s.name == d.name)),
                    _ => reads.tables.iter().any(|i| {
                        program
                            .tables
                            .get(*i as usize)
                            .is_some_and(|t| t.name == d.name)
                    }),
                })
                .map(|(i, _)| i)
                .collect()
        })
        .collect()
}

/// The names of the decisions that read the set or table `name`.
pub(crate) fn readers(program: &Program, kind: &str, name: &str) -> Vec<String> {
    program
        .decisions
        .iter()
        .filter(|def| {
            let mut reads = Reads::default();
            reads.decision(def);
            match kind {
                "set" => reads
                    .sets
                    .iter()
                    .any(|i| program.sets.get(*i).is_some_and(|s| s.name == name)),
                _ => reads.tables.iter().any(|i| {
                    program
                        .tables
                        .get(*i as usize)
                        .is_some_and(|t| t.name == name)
                }),
            }
        })
        .map(|def| def.name.clone())
        .collect()
}

/// The sets and tables expressions refer to.
#[derive(Default)]
struct Reads {
    sets: BTreeSet<usize>,
    tables: BTreeSet<u32>,
}

impl Reads {
    fn decision(&mut self, def: &DecisionDef) {
        for aggregate in &def.aggregates {
            aggregate.keys.iter().for_each(|e| self.expr(e));
            aggregate.filter.iter().for_each(|e| self.expr(e));
        }
        def.lets.iter().for_each(|l| self.expr(&l.value));
        for score in &def.scores {
            for term in &score.terms {
                self.expr(&term.weight);
                term.condition.iter().for_each(|e| self.expr(e));
            }
        }
        for table in &def.tables {
            table.inputs.iter().for_each(|e| self.expr(e));
            for row in &table.rows {
                for cell in &row.cells {
                    match cell {
                        CellDef::Any => {}
                        CellDef::OneOf(exprs) => exprs.iter().for_each(|e| self.expr(e)),
                        CellDef::In(e) | CellDef::NotIn(e) | CellDef::Compare(_, e) => {
                            self.expr(e);
                        }
                    }
                }
                self.expr(&row.result);
            }
            table.default.iter().for_each(|e| self.expr(e));
        }
        for rule in &def.rules {
            rule.applies_to.iter().for_each(|e| self.expr(e));
            self.expr(&rule.condition);
            rule.values.iter().for_each(|(_, e)| self.expr(e));
        }
    }

    // Recursion is bounded: the parser limits expression depth
    // (`parser::MAX_EXPR_DEPTH`) before any later pass recurses.
    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Const(_)
            | ExprKind::Subject
            | ExprKind::Context
            | ExprKind::Local(_)
            | ExprKind::Let(_)
            | ExprKind::Score(_)
            | ExprKind::DecisionTable(_)
            | ExprKind::Aggregate(_) => {}
            ExprKind::Set(i) => {
                self.sets.insert(*i);
            }
            ExprKind::Table(id) => {
                self.tables.insert(id.0);
            }
            ExprKind::Lookup(id, keys) => {
                self.tables.insert(id.0);
                keys.iter().for_each(|k| self.expr(k));
            }
            ExprKind::Field(inner, _)
            | ExprKind::Not(inner)
            | ExprKind::Neg(inner)
            | ExprKind::Presence(inner, _) => self.expr(inner),
            ExprKind::Binary(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::If(c, a, b) => {
                self.expr(c);
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Quantifier { over, body, .. } => {
                self.expr(over);
                self.expr(body);
            }
            ExprKind::Call(_, args) | ExprKind::List(args) | ExprKind::Record(_, args) => {
                args.iter().for_each(|a| self.expr(a));
            }
        }
    }
}
