//! Loading and checking the package a command evaluates.

use crate::loader;
use crate::render;
use crate::{ExitCode, Io};
use lintas_check::CheckResult;
use lintas_check::workspace::{PackageId, Workspace};
use lintas_syntax::Severity;

pub struct Checked {
    pub ws: Workspace,
    pub result: CheckResult,
}

/// Loads the packages at `path` and checks each; any error is shown and
/// ends the command with exit code 1 (2 for I/O problems).
pub fn load_checked(path: &std::path::Path, io: &mut Io<'_>) -> Result<Vec<Checked>, ExitCode> {
    let ws = loader::load_paths(&[path.to_path_buf()])
        .map_err(|e| crate::io_error(io, &e.to_string()))?;
    let mut failed = !ws.load_diagnostics.is_empty();
    for d in &ws.load_diagnostics {
        let _ = write!(io.err, "{}", render::human(&ws.db, d, io.colour));
    }
    let mut out = Vec::new();
    for root in ws.roots.clone() {
        let result = lintas_check::check_package(&ws, root);
        for d in result
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
        {
            let _ = write!(io.err, "{}", render::human(&ws.db, d, io.colour));
            failed = true;
        }
        out.push((root, result));
    }
    if failed {
        let _ = writeln!(
            io.err,
            "error: the rules have errors; run `lintas check` for details"
        );
        return Err(ExitCode::Findings);
    }
    Ok(out
        .into_iter()
        .map(|(_, result): (PackageId, CheckResult)| Checked {
            ws: ws.clone(),
            result,
        })
        .collect())
}
