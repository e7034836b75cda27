//! `lintas keygen`: a new Ed25519 signing key with an id. `ID.key` stays
//! with whoever signs bundles (readable by its owner only); `ID.pub` goes
//! into every checkpoint's trust directory.

use super::shipping;
use crate::{ExitCode, Io};
use lintas_bundle::SecretKey;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The directory to write `ID.key` and `ID.pub` into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// The key's id: letters, digits, `.`, `_`, `-` (e.g. `sgp-ica-2026`).
    #[arg(long)]
    pub id: String,
}

pub fn run(args: Args, io: &mut Io<'_>) -> ExitCode {
    let key = match SecretKey::generate(&args.id) {
        Ok(key) => key,
        Err(e) => return shipping::refusal(io, &e),
    };
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        return crate::io_error(io, &format!("{}: cannot create: {e}", args.out.display()));
    }
    let secret_path = args.out.join(format!("{}.key", key.id()));
    let public_path = args.out.join(format!("{}.pub", key.id()));
    for path in [&secret_path, &public_path] {
        if path.exists() {
            return crate::io_error(
                io,
                &format!(
                    "{} already exists; a key is never overwritten (choose another `--id`)",
                    path.display()
                ),
            );
        }
    }
    if let Err(message) = create_new(&secret_path, key.to_file().as_bytes(), 0o600) {
        return crate::io_error(io, &message);
    }
    if let Err(message) = create_new(&public_path, key.public().to_file().as_bytes(), 0o644) {
        return crate::io_error(io, &message);
    }
    let _ = writeln!(
        io.out,
        "wrote {} (keep it secret: it signs bundles)\nwrote {} (copy it into each checkpoint's trust directory)",
        secret_path.display(),
        public_path.display()
    );
    ExitCode::Success
}

/// Creates a file that must not exist yet, with `mode` from the start (a
/// private key is never readable by others, not even for a moment).
fn create_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), String> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let fail = |e: std::io::Error| format!("{}: cannot write: {e}", path.display());
    let mut file = options.open(path).map_err(fail)?;
    // The mode given to `open` is reduced by the umask; a public key must
    // stay readable even under `umask 077`, and a secret key stays 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(fail)?;
    }
    file.write_all(bytes).map_err(fail)?;
    file.sync_all().map_err(fail)
}
