//! `lintas build`: compile a package for a backend. Today only the IR text
//! exists (`--emit ir`); the WASM module and the bundle are named here so
//! that asking for them says plainly that they are not built yet, instead
//! of writing something that merely looks like them.

use super::package::load_checked;
use crate::{ExitCode, Io};
use clap::ValueEnum;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    /// The backend IR as text, after the optimiser (see `--no-opt`).
    Ir,
    /// A WASM module (not available yet).
    Wasm,
    /// A deployable bundle (not available yet).
    Bundle,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The rule package.
    pub package: PathBuf,
    /// What to produce.
    #[arg(long, value_enum)]
    pub emit: Emit,
    /// Write here instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Show the IR as lowered (and verified), before the optimiser runs.
    #[arg(long)]
    pub no_opt: bool,
}

pub fn run(args: Args, io: &mut Io<'_>) -> ExitCode {
    match args.emit {
        Emit::Ir => {}
        // Refused before the package is read: nothing would be built anyway.
        Emit::Wasm => {
            return crate::io_error(
                io,
                "`--emit wasm` is not available yet: the WASM backend is tracked in issue 5",
            );
        }
        Emit::Bundle => {
            return crate::io_error(
                io,
                "`--emit bundle` is not available yet: bundles need the WASM backend, tracked in issue 5",
            );
        }
    }
    let checked = match load_checked(&args.package, io) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let [package] = checked.as_slice() else {
        return crate::io_error(io, "`lintas build` takes one package; name its directory");
    };
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
