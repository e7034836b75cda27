//! What the bundle commands (build, sign, verify, inspect, keygen) share:
//! showing a refusal, and writing files so that no reader ever sees half
//! of one.

use crate::{ExitCode, Io};
use lintas_bundle::BundleError;
use miette::Diagnostic;
use std::path::Path;

/// Shows why a bundle was refused (or could not be made): the stable code,
/// the message naming the file or key, and the fix.
pub fn refusal(io: &mut Io<'_>, e: &BundleError) -> ExitCode {
    let code = e.code().map(|c| c.to_string()).unwrap_or_default();
    let _ = writeln!(io.err, "error[{code}]: {e}");
    if let Some(help) = e.help() {
        let _ = writeln!(io.err, "  help: {help}");
    }
    match e {
        BundleError::Io { .. } | BundleError::Key { .. } | BundleError::Trust { .. } => {
            ExitCode::Usage
        }
        _ => ExitCode::Findings,
    }
}

/// Writes `bytes` to `path` through a temporary file in the same
/// directory and a rename: a checkpoint watching the directory sees the
/// old file or the whole new one, never a partial bundle. A path that is
/// not a regular file (`/dev/stdout`, a pipe) is written in place, never
/// replaced, and a symbolic link is followed, so the link stays a link.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("{}: cannot write: {e}", path.display());
    let resolved;
    let path = match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => return std::fs::write(path, bytes).map_err(fail),
        Ok(_) => {
            resolved = path.canonicalize().map_err(fail)?;
            resolved.as_path()
        }
        Err(_) => path,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".lintas-")
        .tempfile_in(dir)
        .map_err(fail)?;
    std::io::Write::write_all(&mut temp, bytes).map_err(fail)?;
    temp.as_file().sync_all().map_err(fail)?;
    // A bundle is public (it is signed, not secret): readable by the
    // service that loads it, whatever mode the temporary file was made with.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o644))
            .map_err(fail)?;
    }
    temp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}
