//! `lintas build`: compile a package for a backend. By default it writes a
//! bundle (`-o NAME.bundle`: the checked program, the IR text, the
//! reference data and a manifest with every file's hash, reproducibly);
//! `--emit ir` shows the backend IR. The WASM module is named here so that
//! asking for it says plainly that it is not built yet.

use super::package::{Checked, load_checked};
use super::shipping;
use crate::{ExitCode, Io};
use clap::ValueEnum;
use lintas_bundle::{BuildOptions, DataFile, Timestamp};
use std::collections::BTreeSet;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    /// A deployable bundle (a tar.gz with a manifest), to sign and ship.
    Bundle,
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
}

pub fn run(args: Args, io: &mut Io<'_>) -> ExitCode {
    // Bad usage is refused before the package is read: nothing would be
    // built anyway.
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
