//! `lintas check`: parse and type-check packages.

use crate::loader;
use crate::render;
use crate::{ExitCode, Format, Io};
use lintas_check::workspace::Workspace;
use lintas_syntax::{Diagnostic, Severity};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Packages, directories holding packages, or files inside a package.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = crate::Format::Human)]
    pub format: crate::Format,
    /// Fail on warnings as well as errors.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// Every diagnostic of the requested packages, each package checked on its
/// own (with the packages it extends).
pub fn diagnostics(ws: &Workspace) -> Vec<Diagnostic> {
    let mut all = ws.load_diagnostics.clone();
    for root in &ws.roots {
        let result = lintas_check::check_package(ws, *root);
        all.extend(result.diagnostics);
    }
    let mut seen = std::collections::HashSet::new();
    all.retain(|d| seen.insert((d.code, d.primary.span, d.message.clone())));
    all.sort_by(|a, b| {
        let pa = ws.db.path(a.primary.span.file);
        let pb = ws.db.path(b.primary.span.file);
        (pa, a.primary.span.start).cmp(&(pb, b.primary.span.start))
    });
    all
}

#[derive(Serialize)]
struct JsonReport {
    packages: Vec<String>,
    errors: usize,
    warnings: usize,
    diagnostics: Vec<render::JsonDiagnostic>,
}

pub fn run(args: Args, io: &mut Io<'_>) -> ExitCode {
    let ws = match loader::load_paths(&args.paths) {
        Ok(ws) => ws,
        Err(e) => return crate::io_error(io, &e.to_string()),
    };
    let found = diagnostics(&ws);
    let errors = found
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = found.len() - errors;
    let packages: Vec<String> = ws
        .roots
        .iter()
        .filter_map(|r| ws.package(*r))
        .map(|p| p.root.clone())
        .collect();
    match args.format {
        Format::Json => {
            let report = JsonReport {
                packages,
                errors,
                warnings,
                diagnostics: found.iter().map(|d| render::json(&ws.db, d)).collect(),
            };
            crate::print_json(io, &report);
        }
        Format::Sarif => crate::print_json(io, &render::sarif(&ws.db, &found)),
        Format::Human => {
            let colour = io.colour;
            for d in &found {
                let _ = write!(io.err, "{}", render::human(&ws.db, d, colour));
                let _ = writeln!(io.err);
            }
            let noun = if packages.len() == 1 {
                "package"
            } else {
                "packages"
            };
            let _ = writeln!(
                io.err,
                "checked {} {noun}: {errors} error(s), {warnings} warning(s)",
                packages.len()
            );
        }
    }
    if errors > 0 || (args.deny_warnings && warnings > 0) {
        ExitCode::Findings
    } else {
        ExitCode::Success
    }
}
