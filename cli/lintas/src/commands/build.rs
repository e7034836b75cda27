//! `lintas build`: compile a package for a backend. By default it writes a
//! bundle (`-o NAME.bundle`: the checked program, the IR text, the
//! reference data and a manifest with every file's hash, reproducibly);
//! `--emit data` writes a data bundle (the package's current reference
//! data files, for checkpoints already running its rules); `--emit ir`
//! shows the backend IR. The WASM module is named here so that asking for
//! it says plainly that it is not built yet.

use super::package::{Checked, load_checked};
use super::shipping;
use crate::{ExitCode, Io};
use clap::ValueEnum;
use lintas_bundle::{BuildOptions, DataFile, DataInput, DataOptions, Timestamp};
use lintas_syntax::ast::{ItemKind, SetContents};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    /// A deployable bundle (a tar.gz with a manifest), to sign and ship.
    Bundle,
    /// A data bundle: new rows for the package's reference sets and
    /// tables, to sign and ship to checkpoints running its rules.
    Data,
    /// The backend IR as text, after the optimiser (see `--no-opt`).
    Ir,
    /// A WASM module (not available yet).
    Wasm,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rule package.
    pub package: PathBuf,
    /// What to produce.
    #[arg(long, value_enum, default_value_t = Emit::Bundle)]
    pub emit: Emit,
    /// Write here instead of standard output (required for a bundle).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Show the IR as lowered (and verified), before the optimiser runs.
    #[arg(long)]
    pub no_opt: bool,
    /// When the bundle was built, as RFC 3339 (`2026-03-01T00:00:00Z`);
    /// defaults to `SOURCE_DATE_EPOCH`. Never the clock: the same sources
    /// must give the same bytes.
    #[arg(long, value_name = "RFC3339")]
    pub build_time: Option<String>,
    /// From when checkpoints refuse the bundle: a date (`2026-06-30`, from
    /// 00:00 UTC) or an RFC 3339 time. Required for a bundle.
    #[arg(long, value_name = "DATE")]
    pub expires: Option<String>,
    /// For `--emit data`: from when the data is stale (a date or an RFC
    /// 3339 time). Required for a data bundle.
    #[arg(long, value_name = "RFC3339")]
    pub valid_until: Option<String>,
    /// For `--emit data`: a set or table to ship (repeat the flag); by
    /// default every one read from a data file.
    #[arg(long = "table", value_name = "NAME")]
    pub tables: Vec<String>,
    /// For `--emit data`: the package versions the data is for, as a
    /// semantic-version requirement; by default `^VERSION` of the package.
    #[arg(long, value_name = "REQ")]
    pub versions: Option<String>,
    /// For `--emit data`: the data bundle's name, as status pages show it;
    /// by default `PACKAGE-data`.
    #[arg(long)]
    pub name: Option<String>,
}

pub fn run(args: Args, io: &mut Io<'_>) -> ExitCode {
    // Bad usage is refused before the package is read: nothing would be
    // built anyway.
    let mut data_options = None;
    let bundle_options = match args.emit {
        Emit::Ir => None,
        Emit::Wasm => {
            return crate::io_error(
                io,
                "`--emit wasm` is not available yet: the WASM backend is tracked in issue 5",
            );
        }
        Emit::Bundle => match bundle_options(&args) {
            Ok(options) => Some(options),
            Err(message) => return crate::io_error(io, &message),
        },
        Emit::Data => match data_bundle_options(&args) {
            Ok(options) => {
                data_options = Some(options);
                None
            }
            Err(message) => return crate::io_error(io, &message),
        },
    };
    let checked = match load_checked(&args.package, io) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let [package] = checked.as_slice() else {
        return crate::io_error(io, "`lintas build` takes one package; name its directory");
    };
    if let Some((options, output)) = &bundle_options {
        return write_bundle(package, options, output, io);
    }
    if let Some((issued, valid_until, output)) = data_options {
        return write_data_bundle(package, &args, issued, valid_until, &output, io);
    }
    let module = match ir(&package.result.program, !args.no_opt) {
        Ok((module, stats)) => {
            if let Some(stats) = stats {
                // On stderr, so that standard output is exactly the IR.
                let _ = writeln!(
                    io.err,
                    "optimised: {} expression(s) folded, {} dead rule(s) removed, {} shared sub-expression(s) memoised",
                    stats.folded, stats.rules_removed, stats.memoised
                );
            }
            module
        }
        Err(message) => {
            // The package checked, so this is a compiler bug, not the user's.
            let _ = writeln!(io.err, "error: cannot compile to IR: {message}");
            return ExitCode::Findings;
        }
    };
    let text = lintas_ir::text::module_text(&module);
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                return crate::io_error(io, &format!("{}: cannot write: {e}", path.display()));
            }
        }
        None => {
            let _ = io.out.write_all(text.as_bytes());
        }
    }
    ExitCode::Success
}

/// The passes of `lintas_ir::compile`, run one by one so that `--no-opt`
/// can stop before the optimiser and the optimiser's statistics can be
/// shown (`compile` does not return them).
fn ir(
    program: &lintas_check::hir::Program,
    optimise: bool,
) -> Result<(lintas_ir::Module, Option<lintas_ir::opt::Stats>), String> {
    let mut module = lintas_ir::lower::lower(program).map_err(|e| e.to_string())?;
    lintas_ir::verify::verify(&module).map_err(|e| format!("lowering produced invalid IR: {e}"))?;
    if !optimise {
        return Ok((module, None));
    }
    let stats = lintas_ir::opt::optimise(&mut module);
    lintas_ir::verify::verify(&module)
        .map_err(|e| format!("the optimiser produced invalid IR: {e}"))?;
    Ok((module, Some(stats)))
}

/// The build time, expiry and output path of a bundle, or what is missing.
fn bundle_options(args: &Args) -> Result<(BuildOptions, PathBuf), String> {
    let Some(output) = args.output.clone() else {
        return Err("a bundle is a binary file: name it with `-o NAME.bundle`".into());
    };
    let built = build_time(args)?;
    let Some(expires) = &args.expires else {
        return Err(
            "give `--expires DATE`: checkpoints refuse a bundle from its expiry on, so a stale rule set cannot run forever"
                .into(),
        );
    };
    let expires = Timestamp::parse(expires).map_err(|e| format!("`--expires`: {e}"))?;
    Ok((
        BuildOptions {
            compiler_version: env!("CARGO_PKG_VERSION").into(),
            built,
            expires,
        },
        output,
    ))
}

/// The issue time, `valid_until` and output path of a data bundle, or
/// what is missing.
fn data_bundle_options(args: &Args) -> Result<(Timestamp, Timestamp, PathBuf), String> {
    let Some(output) = args.output.clone() else {
        return Err("a data bundle is a binary file: name it with `-o NAME.bundle`".into());
    };
    let issued = build_time(args)?;
    let Some(valid_until) = &args.valid_until else {
        return Err(
            "give `--valid-until TIME`: from then on checkpoints treat the data as stale (by default they refer every traveller it could affect)"
                .into(),
        );
    };
    let valid_until = Timestamp::parse(valid_until).map_err(|e| format!("`--valid-until`: {e}"))?;
    Ok((issued, valid_until, output))
}

/// When the bundle is built (for a data bundle: issued), from the flag or
/// `SOURCE_DATE_EPOCH`, never the clock.
fn build_time(args: &Args) -> Result<Timestamp, String> {
    let built = match (&args.build_time, std::env::var("SOURCE_DATE_EPOCH")) {
        (Some(text), _) => Timestamp::parse(text).map_err(|e| format!("`--build-time`: {e}"))?,
        (None, Ok(epoch)) => epoch
            .trim()
            .parse::<i64>()
            .map(Timestamp::from_unix)
            .map_err(|_| {
                format!("`SOURCE_DATE_EPOCH` is `{epoch}`, not whole seconds since 1970")
            })?,
        (None, Err(_)) => {
            return Err(
                "give the build time with `--build-time RFC3339` or `SOURCE_DATE_EPOCH`; \
                 it is never taken from the clock, so that the same sources give the same bundle"
                    .into(),
            );
        }
    };
    Ok(built)
}

fn write_bundle(
    package: &Checked,
    options: &BuildOptions,
    output: &std::path::Path,
    io: &mut Io<'_>,
) -> ExitCode {
    let program = &package.result.program;
    let bytes = match lintas_bundle::build(program, &data_files(package), options) {
        Ok(bytes) => bytes,
        Err(e) => return shipping::refusal(io, &e),
    };
    if let Err(message) = shipping::write_atomically(output, &bytes) {
        return crate::io_error(io, &message);
    }
    let _ = writeln!(
        io.err,
        "built {} ({} {}, expires {}): unsigned; sign it with `lintas sign {} --key KEYID.key`",
        output.display(),
        program.package.name,
        program.package.version,
        options.expires,
        output.display()
    );
    ExitCode::Success
}

/// The data files the program was built from, as they were read: those
/// that a set or table names, in the package that declared it or any
/// package it builds on (an origin is relative to its own package).
fn data_files(package: &Checked) -> Vec<DataFile> {
    let program = &package.result.program;
    let origins: BTreeSet<&str> = program
        .sets
        .iter()
        .map(|s| s.origin.as_str())
        .chain(program.tables.iter().map(|t| t.origin.as_str()))
        .filter(|o| *o != "inline")
        .map(|o| o.trim_start_matches("./"))
        .collect();
    let ws = &package.ws;
    let mut pending: Vec<_> = ws.roots.clone();
    let mut seen = BTreeSet::new();
    let mut files = Vec::new();
    while let Some(id) = pending.pop() {
        if !seen.insert(id) {
            continue;
        }
        let Some(input) = ws.package(id) else {
            continue;
        };
        pending.extend(input.base);
        pending.extend(input.dependencies.values().copied());
        let name = input
            .manifest
            .as_ref()
            .map_or_else(|| format!("package-{}", id.0), |m| m.name.clone());
        for (path, file) in &input.data {
            if origins.contains(path.as_str()) {
                files.push(DataFile {
                    package: name.clone(),
                    path: path.clone(),
                    bytes: ws.db.text(*file).as_bytes().to_vec(),
                });
            }
        }
    }
    files.sort_by(|a, b| (&a.package, &a.path).cmp(&(&b.package, &b.path)));
    files
}

fn write_data_bundle(
    package: &Checked,
    args: &Args,
    issued: Timestamp,
    valid_until: Timestamp,
    output: &std::path::Path,
    io: &mut Io<'_>,
) -> ExitCode {
    let program = &package.result.program;
    let inputs = match data_inputs(package, &args.tables) {
        Ok(inputs) => inputs,
        Err(message) => return crate::io_error(io, &message),
    };
    let options = DataOptions {
        name: args
            .name
            .clone()
            .unwrap_or_else(|| format!("{}-data", program.package.name)),
        versions: args
            .versions
            .clone()
            .unwrap_or_else(|| format!("^{}", program.package.version)),
        compiler_version: env!("CARGO_PKG_VERSION").into(),
        issued,
        valid_until,
    };
    let bytes = match lintas_bundle::build_data(program, &inputs, &options) {
        Ok(bytes) => bytes,
        Err(e) => return shipping::refusal(io, &e),
    };
    if let Err(message) = shipping::write_atomically(output, &bytes) {
        return crate::io_error(io, &message);
    }
    let names: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
    let _ = writeln!(
        io.err,
        "built {} (data `{}` for {} {}: {}; valid until {}): unsigned; sign it with `lintas sign {} --key KEYID.key`",
        output.display(),
        options.name,
        program.package.name,
        options.versions,
        names.join(", "),
        options.valid_until,
        output.display()
    );
    ExitCode::Success
}

/// The data files of the sets and tables to ship, as the package has them
/// now: `tables` (or every set and table read from a file), each from the
/// package that declared it, with the column a set reads.
fn data_inputs(package: &Checked, tables: &[String]) -> Result<Vec<DataInput>, String> {
    let program = &package.result.program;
    let ws = &package.ws;
    // By name; a later declaration (an overlay's `override`) wins.
    let mut declared = BTreeMap::new();
    for set in &program.sets {
        declared.insert(
            set.name.as_str(),
            (set.origin.as_str(), set.span.file, true),
        );
    }
    for table in &program.tables {
        declared.insert(
            table.name.as_str(),
            (table.origin.as_str(), table.span.file, false),
        );
    }
    let wanted: Vec<&str> = if tables.is_empty() {
        declared
            .iter()
            .filter(|(_, (origin, _, _))| *origin != "inline")
            .map(|(name, _)| *name)
            .collect()
    } else {
        tables.iter().map(String::as_str).collect()
    };
    if wanted.is_empty() {
        return Err(format!(
            "{} reads no set or table from a data file: there is nothing to ship",
            program.package.name
        ));
    }
    let mut inputs = Vec::new();
    for name in wanted {
        let Some((origin, file, is_set)) = declared.get(name).copied() else {
            let known: Vec<&str> = declared.keys().copied().collect();
            return Err(format!(
                "{} has no set or table `{name}` (it has: {})",
                program.package.name,
                known.join(", ")
            ));
        };
        if origin == "inline" {
            return Err(format!(
                "`{name}` is written inline in the rules, not read from a data file: change it with a rule bundle"
            ));
        }
        let Some(input) = ws.packages.iter().find(|p| p.sources.contains(&file)) else {
            return Err(format!("the package that declares `{name}` is not loaded"));
        };
        let path = origin.trim_start_matches("./");
        let Some(data) = input.data.get(path) else {
            return Err(format!(
                "`{path}`, the data file of `{name}`, is not loaded"
            ));
        };
        let column = if is_set {
            set_column(ws.db.text(file), file, name)
        } else {
            None
        };
        inputs.push(DataInput {
            name: name.to_string(),
            package: input
                .manifest
                .as_ref()
                .map_or_else(|| "package".to_string(), |m| m.name.clone()),
            path: path.to_string(),
            column,
            bytes: ws.db.text(*data).as_bytes().to_vec(),
        });
    }
    Ok(inputs)
}

/// The `column "..."` of set `name` as declared in `text`: the checked
/// program keeps the values, not where in the file they came from.
fn set_column(text: &str, file: lintas_syntax::FileId, name: &str) -> Option<String> {
    let parsed = lintas_syntax::parse(file, text);
    parsed
        .file
        .items
        .iter()
        .rev()
        .find_map(|item| match &item.kind {
            ItemKind::Set(set) if set.name.name == name => match &set.contents {
                SetContents::File(source) => Some(source.column.as_ref()?.value.clone()),
                SetContents::Inline(_) => None,
            },
            _ => None,
        })
}
