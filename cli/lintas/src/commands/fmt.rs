//! `lintas fmt`: rewrite files in the canonical layout, or with `--check`
//! list the files that are not.

use crate::loader;
use crate::render;
use crate::{ExitCode, Format, Io};
use lintas_check::workspace::SourceDb;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or directories (searched for `.lintas` files).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Change nothing; list files that are not formatted and exit 1.
    #[arg(long)]
    pub check: bool,
    #[arg(long, value_enum, default_value_t = crate::Format::Human)]
    pub format: crate::Format,
}

#[derive(Serialize)]
struct JsonReport {
    checked: usize,
    unformatted: Vec<String>,
    reformatted: Vec<String>,
    diagnostics: Vec<render::JsonDiagnostic>,
}

pub fn run(args: Args, io: &mut Io<'_>) -> ExitCode {
    let mut files = Vec::new();
    for path in &args.paths {
        match loader::lintas_files(path) {
            Ok(mut found) => files.append(&mut found),
            Err(e) => return crate::io_error(io, &e.to_string()),
        }
    }
    let mut db = SourceDb::default();
    let mut unformatted = Vec::new();
    let mut reformatted = Vec::new();
    let mut problems = Vec::new();
    for path in &files {
        let shown = loader::display_path(&path.canonicalize().unwrap_or_else(|_| path.clone()));
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => return crate::io_error(io, &format!("{shown}: cannot read: {e}")),
        };
        let file = db.add(shown.clone(), text.clone());
        match lintas_syntax::format::format(&text) {
            Ok(formatted) if formatted == text => {}
            Ok(formatted) => {
                if args.check {
                    unformatted.push(shown);
                } else if let Err(e) = std::fs::write(path, formatted) {
                    return crate::io_error(io, &format!("{shown}: cannot write: {e}"));
                } else {
                    reformatted.push(shown);
                }
            }
            // A file that does not parse is left untouched and reported.
            Err(diagnostics) => problems.extend(diagnostics.into_iter().map(|d| in_file(d, file))),
        }
    }
    match args.format {
        Format::Json | Format::Sarif => crate::print_json(
            io,
            &JsonReport {
                checked: files.len(),
                unformatted: unformatted.clone(),
                reformatted,
                diagnostics: problems.iter().map(|d| render::json(&db, d)).collect(),
            },
        ),
        Format::Human => {
            let colour = io.colour;
            for d in &problems {
                let _ = write!(io.err, "{}", render::human(&db, d, colour));
                let _ = writeln!(io.err);
            }
            for f in &unformatted {
                let _ = writeln!(io.out, "{f}");
            }
            if args.check && !unformatted.is_empty() {
                let _ = writeln!(
                    io.err,
                    "{} file(s) need formatting: run `lintas fmt` on them",
                    unformatted.len()
                );
            }
            for f in &reformatted {
                let _ = writeln!(io.err, "formatted {f}");
            }
        }
    }
    if !problems.is_empty() || !unformatted.is_empty() {
        ExitCode::Findings
    } else {
        ExitCode::Success
    }
}

/// The formatter parses each text on its own; point its diagnostics at the
/// file they came from.
fn in_file(
    mut d: lintas_syntax::Diagnostic,
    file: lintas_syntax::FileId,
) -> lintas_syntax::Diagnostic {
    d.primary.span.file = file;
    for label in &mut d.secondary {
        label.span.file = file;
    }
    d
}
